"""Decoding of compressed monochrome frames straight from the file with imagecodecs.

JPEG 2000 (also High-Throughput) frames are pulled out of the encapsulated
pixel data at the offset the scan recorded and decoded with imagecodecs, which
releases Python's GIL, so several threads decode at once. JPEG frames that no
pydicom plugin decodes (12-bit JPEG Extended) are decoded here too. Anything
else goes through pydicom's decoder plugins.
"""

from __future__ import annotations

import numpy as np
from pydicom.encaps import generate_frames

from viewer.core.dicom.headers import InstanceRecord
from viewer.core.errors import LoadError

try:
    import imagecodecs
except ImportError:  # pragma: no cover - a pinned dependency; pydicom plugins remain
    imagecodecs = None  # type: ignore[assignment]

_JPEG2000 = {
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.4.201",  # HTJ2K Lossless
    "1.2.840.10008.1.2.4.202",  # HTJ2K Lossless RPCL
    "1.2.840.10008.1.2.4.203",  # HTJ2K
}
_JPEG = {
    "1.2.840.10008.1.2.4.50",  # JPEG Baseline (8-bit)
    "1.2.840.10008.1.2.4.51",  # JPEG Extended (12-bit)
}


def can_decode(record: InstanceRecord) -> bool:
    """Whether :func:`decode_frames` can decode this instance."""
    return (
        imagecodecs is not None
        and record.is_encapsulated_file
        and record.samples_per_pixel == 1
        and record.photometric in ("MONOCHROME1", "MONOCHROME2")
        and not record.modality_lut
        and (record.transfer_syntax in _JPEG2000 or record.transfer_syntax in _JPEG)
    )


def is_preferred(record: InstanceRecord) -> bool:
    """Whether :func:`decode_frames` should be used before pydicom's plugins.

    JPEG 2000 decodes here on every core at once. JPEG goes to pydicom first
    and comes here only when no pydicom plugin reads it (12-bit JPEG Extended).
    """
    return can_decode(record) and record.transfer_syntax in _JPEG2000


def _decode_one(codestream: bytes, transfer_syntax: str) -> np.ndarray:
    if transfer_syntax in _JPEG2000:
        return imagecodecs.jpeg2k_decode(codestream, numthreads=1)
    return imagecodecs.jpeg8_decode(codestream)


def decode_frames(record: InstanceRecord, indices: list[int]) -> list[np.ndarray]:
    """Decode the given frames of an encapsulated monochrome instance.

    Returns
    -------
    list of numpy.ndarray
        ``[rows, columns]`` stored values per frame; their sign follows the
        codestream, so callers mask them to BitsStored with the DICOM sign.

    Raises
    ------
    LoadError
        The encapsulated data are damaged or do not decode.
    """
    assert record.pixel_offset is not None  # the scan found the pixel data of every frame it lists
    with open(record.source.path, "rb") as fp:
        fp.seek(record.pixel_offset)
        encapsulated = fp.read()
    try:
        frames = list(generate_frames(encapsulated, number_of_frames=record.number_of_frames))
    except (ValueError, KeyError, TypeError) as e:
        raise LoadError(f"damaged encapsulated pixel data in {record.source}: {e}") from e
    decoded = []
    for index in indices:
        if index >= len(frames):
            raise LoadError(f"frame {index + 1} missing from {record.source}")
        try:
            array = _decode_one(frames[index], record.transfer_syntax)
        except Exception as e:  # imagecodecs raises its own error classes
            raise LoadError(f"cannot decode frame {index + 1} of {record.source}: {e}") from e
        if array.ndim != 2 or array.shape != (record.rows, record.columns):
            raise LoadError(f"decoded frame of {record.source} is {array.shape}, "
                            f"not {record.rows}x{record.columns}")
        decoded.append(array)
    return decoded

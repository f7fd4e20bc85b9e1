"""Pixel decoding and the pixel-value transforms of the Modality LUT stage.

Pure numpy functions (``apply_*``) transform stored values; the ``decode_*``
and ``read_*`` functions turn an instance's bytes into stored values. Decoders
are pydicom's plugins (GDCM, pylibjpeg, pyjpegls); native data skip them and
are read straight from the file.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset
from pydicom.pixels import apply_color_lut, apply_modality_lut, get_decoder
from pydicom.uid import UID

from viewer.core.dicom import codecs
from viewer.core.dicom.headers import NATIVE_SYNTAXES, InstanceRecord
from viewer.core.dicom.siemens import demosaic
from viewer.core.errors import LoadError, UnsupportedTransferSyntaxError

_INT_DTYPES: list[type[np.signedinteger[Any] | np.unsignedinteger[Any]]] = [
    np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64]


# --------------------------------------------------------------------------- value transforms
def stored_value_range(bits_stored: int, signed: bool) -> tuple[int, int]:
    """The smallest and largest value a stored pixel can hold."""
    bits = max(1, bits_stored)
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def smallest_dtype(low: float, high: float, integral: bool) -> np.dtype:
    """The smallest dtype that holds every value in ``[low, high]`` exactly.

    Non-integral values (a fractional rescale) are held as ``float32``, the
    precision of NIfTI's own scaling factors.
    """
    if not integral:
        return np.dtype(np.float32)
    for dtype in _INT_DTYPES:
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return np.dtype(dtype)
    return np.dtype(np.float64)


def rescaled_dtype(bits_stored: int, signed: bool,
                   rescales: set[tuple[float, float]]) -> np.dtype:
    """The output dtype of a Modality LUT given every ``(slope, intercept)`` used.

    Parameters
    ----------
    bits_stored, signed
        The stored value range.
    rescales
        Distinct rescale pairs across the frames of a volume.
    """
    low, high = stored_value_range(bits_stored, signed)
    values = []
    integral = True
    for slope, intercept in rescales or {(1.0, 0.0)}:
        values += [low * slope + intercept, high * slope + intercept]
        integral &= float(slope).is_integer() and float(intercept).is_integer()
    return smallest_dtype(min(values), max(values), integral)


def apply_bits_stored_mask(stored: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Keep only the ``bits_stored`` low bits of each value, honouring the sign.

    Bits above BitsStored may hold overlays or garbage; they are cleared, and
    for signed data the top stored bit is extended. Works in place on integer
    arrays and returns the array.
    """
    if stored.dtype.kind not in "iu":
        return stored
    container_bits = stored.dtype.itemsize * 8
    if bits_stored <= 0 or bits_stored >= container_bits:
        return stored
    if signed:
        if stored.dtype.kind == "u":
            stored = stored.view(stored.dtype.str.replace("u", "i"))
        shift = container_bits - bits_stored
        np.left_shift(stored, shift, out=stored)
        np.right_shift(stored, shift, out=stored)
    else:
        np.bitwise_and(stored, (1 << bits_stored) - 1, out=stored, casting="unsafe")
    return stored


def apply_rescale(stored: np.ndarray, slope: float, intercept: float, out: np.ndarray) -> None:
    """Write ``stored * slope + intercept`` into ``out`` (the linear Modality LUT).

    Parameters
    ----------
    stored
        Stored values.
    slope, intercept
        RescaleSlope and RescaleIntercept.
    out
        Destination of the output dtype; integral results are exact.
    """
    if slope == 1.0 and intercept == 0.0:
        np.copyto(out, stored, casting="unsafe")
    elif out.dtype.kind in "iu" and slope == 1.0:
        np.add(stored, np.int64(intercept), out=out, casting="unsafe")
    elif out.dtype.kind in "iu":
        np.copyto(out, np.rint(stored * np.float64(slope) + np.float64(intercept)), casting="unsafe")
    else:
        np.copyto(out, stored * np.float64(slope) + np.float64(intercept), casting="unsafe")


# --------------------------------------------------------------------------- decoders
def check_decodable(transfer_syntax: str) -> None:
    """Raise :class:`UnsupportedTransferSyntaxError` if no installed decoder handles it."""
    name = UID(transfer_syntax).name if transfer_syntax else ""
    try:
        decoder = get_decoder(transfer_syntax)
    except (NotImplementedError, ValueError) as e:
        raise UnsupportedTransferSyntaxError(transfer_syntax, name) from e
    if not decoder.is_available:
        raise UnsupportedTransferSyntaxError(transfer_syntax, f"{name}, no decoder installed")


def read_native_frame(record: InstanceRecord, index: int, buffer: np.ndarray | None = None) -> np.ndarray:
    """Read stored frame ``index`` of an uncompressed instance straight from its file.

    Parameters
    ----------
    record
        An instance whose :attr:`~InstanceRecord.is_native` is true.
    index
        Frame number.
    buffer
        Optional reusable array of ``rows * columns`` items of the stored dtype.

    Returns
    -------
    numpy.ndarray
        ``[rows, columns]`` stored values, masked to BitsStored.
    """
    endian = NATIVE_SYNTAXES[record.transfer_syntax]
    kind = "i" if record.pixel_representation else "u"
    dtype = np.dtype(f"{endian}{kind}{record.bits_allocated // 8}")
    count = record.rows * record.columns
    if buffer is None or buffer.dtype != dtype or buffer.size != count:
        buffer = np.empty(count, dtype=dtype)
    assert record.pixel_offset is not None  # the scan found the pixel data of every frame it lists
    with open(record.source.path, "rb", buffering=0) as fp:
        fp.seek(record.pixel_offset + index * record.frame_bytes)
        read = fp.readinto(buffer.data.cast("B"))
    if read != buffer.nbytes:
        raise LoadError(f"pixel data truncated in {record.source}")
    frame = buffer.reshape(record.rows, record.columns)
    if endian == ">":
        frame = frame.byteswap().view(dtype.newbyteorder("="))
    return apply_bits_stored_mask(frame, record.bits_stored, bool(record.pixel_representation))


def _dataset(record: InstanceRecord) -> FileDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with record.source.open() as fp:
            ds = pydicom.dcmread(fp, force=True)
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = UID(record.transfer_syntax)
    return ds


def decode_instance_frames(record: InstanceRecord, indices: list[int]) -> list[np.ndarray]:
    """Decode the given frames of an instance through pydicom's decoder plugins.

    Colour data come back as RGB ``[rows, columns, 3]``; PALETTE COLOR is
    expanded through its LUT; a Modality LUT Sequence is applied; monochrome
    integers are masked to BitsStored. Mosaic frames are returned whole.

    Raises
    ------
    UnsupportedTransferSyntaxError
        No installed decoder handles the pixel data.
    LoadError
        The pixel data are damaged.
    """
    check_decodable(record.transfer_syntax)
    ds = _dataset(record)
    decoder = get_decoder(record.transfer_syntax)
    frames = []
    for index in indices:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                array, _ = decoder.as_array(ds, index=index if record.number_of_frames > 1 else None)
        except (RuntimeError, NotImplementedError) as e:
            if codecs.can_decode(record):
                return [apply_bits_stored_mask(frame, record.bits_stored,
                                               bool(record.pixel_representation))
                        for frame in codecs.decode_frames(record, indices)]
            raise UnsupportedTransferSyntaxError(
                record.transfer_syntax,
                f"{UID(record.transfer_syntax).name}; no installed decoder reads this file: "
                f"{_first_reason(e)}",
            ) from e
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, EOFError) as e:
            raise LoadError(f"damaged pixel data in {os.path.basename(str(record.source))}: {e}") from e
        except BaseException as e:
            if not _is_decoder_panic(e):
                raise
            raise LoadError(f"damaged pixel data in {os.path.basename(str(record.source))}: "
                            f"the decoder failed ({_first_reason(e)})") from e
        if array.ndim == (4 if record.samples_per_pixel > 1 else 3):
            array = array[0]
        try:
            frames.append(_to_output_space(array, record, ds))
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as e:
            raise LoadError(f"malformed colour or Modality LUT in "
                            f"{os.path.basename(str(record.source))}: {e}") from e
    return frames


def _is_decoder_panic(error: BaseException) -> bool:
    """Whether ``error`` is a Rust decoder's panic (pylibjpeg-rle), raised through PyO3.

    PyO3 raises ``pyo3_runtime.PanicException``, a ``BaseException`` that no
    ``except Exception`` catches and that no module exports by name: damaged RLE
    data (segments longer than Rows x Columns) would end the thread, or the process.
    """
    return type(error).__name__ == "PanicException" and type(error).__module__ == "pyo3_runtime"


def _first_reason(error: BaseException) -> str:
    """The first plugin's reason from pydicom's multi-line decoder error."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    details = [line for line in lines[1:] if ":" in line]
    return (details[0] if details else lines[0] if lines else type(error).__name__)[:200]


def _to_output_space(array: np.ndarray, record: InstanceRecord, ds: Dataset) -> np.ndarray:
    if record.photometric == "PALETTE COLOR":
        return apply_color_lut(array, ds)
    if record.modality_lut:
        return apply_modality_lut(array, ds)
    if array.ndim == 2 and array.dtype.kind in "iu":
        array = apply_bits_stored_mask(np.array(array, copy=True), record.bits_stored,
                                       bool(record.pixel_representation))
    return array


def split_mosaic(frame: np.ndarray, record: InstanceRecord) -> np.ndarray:
    """The slices of a MOSAIC frame, ``[count, rows, columns]``."""
    return demosaic(frame, record.mosaic_count or 1)

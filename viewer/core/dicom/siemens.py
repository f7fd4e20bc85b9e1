"""Siemens private headers: the CSA image header and MOSAIC geometry.

The CSA header layout (``SV10``) is described in the NiBabel documentation
("Siemens mosaic format"); this is an independent reader of the two fields
Outpost needs.
"""

from __future__ import annotations

import math
import struct

import numpy as np

_CSA_IMAGE_HEADER = (0x0029, 0x1010)
_MOSAIC_COUNT_TAG = (0x0019, 0x100A)


def parse_csa_header(raw: bytes) -> dict[str, list[str]]:
    """Parse a CSA2 (``SV10``) header into ``{name: [values...]}``.

    Parameters
    ----------
    raw
        The bytes of a Siemens CSA header element.

    Returns
    -------
    dict
        Element names to their string values; empty if the bytes are not CSA2.
    """
    if len(raw) < 16 or raw[:4] != b"SV10":
        return {}
    n_tags = struct.unpack_from("<I", raw, 8)[0]
    if n_tags > 1000:
        return {}
    offset = 16
    fields: dict[str, list[str]] = {}
    try:
        for _ in range(n_tags):
            name = raw[offset:offset + 64].split(b"\0", 1)[0].decode("latin-1")
            n_items = struct.unpack_from("<i", raw, offset + 76)[0]
            offset += 84
            values: list[str] = []
            for _item in range(max(0, min(n_items, 10000))):
                item_length = struct.unpack_from("<i", raw, offset + 4)[0]
                offset += 16
                if item_length < 0 or offset + item_length > len(raw):
                    return fields
                text = raw[offset:offset + item_length].split(b"\0", 1)[0]
                values.append(text.decode("latin-1").strip())
                offset += (item_length + 3) // 4 * 4
            fields[name] = [v for v in values if v]
    except struct.error:
        return fields
    return fields


def mosaic_image_count(ds) -> int | None:
    """Number of slices packed in a Siemens MOSAIC image, or ``None``.

    Reads the private tag (0019,100A) first, then the CSA image header.
    """
    image_type = [str(v).upper() for v in (ds.get("ImageType") or [])]
    if "MOSAIC" not in image_type:
        return None
    element = ds.get(_MOSAIC_COUNT_TAG)
    if element is not None:
        try:
            value = element.value
            if isinstance(value, bytes):
                value = struct.unpack("<H", value[:2])[0]
            count = int(value)
            if count > 0:
                return count
        except (TypeError, ValueError, struct.error):
            pass
    csa = csa_image_header(ds)
    values = csa.get("NumberOfImagesInMosaic")
    if values:
        try:
            return int(float(values[0]))
        except ValueError:
            return None
    return None


def csa_image_header(ds) -> dict[str, list[str]]:
    """The parsed CSA image header of ``ds`` (empty when absent)."""
    element = ds.get(_CSA_IMAGE_HEADER)
    if element is None or not isinstance(element.value, bytes | bytearray):
        return {}
    return parse_csa_header(bytes(element.value))


def csa_slice_normal(ds) -> np.ndarray | None:
    """The CSA ``SliceNormalVector``, whose sign gives the mosaic's slice order."""
    values = csa_image_header(ds).get("SliceNormalVector")
    if not values or len(values) < 3:
        return None
    try:
        return np.array([float(v) for v in values[:3]])
    except ValueError:
        return None


def mosaic_tiles_per_side(count: int) -> int:
    """Tiles along each side of the square mosaic grid that holds ``count`` slices."""
    return int(math.ceil(math.sqrt(count)))


def demosaic(frame: np.ndarray, count: int) -> np.ndarray:
    """Cut a mosaic frame ``[rows, cols]`` into ``[count, rows/n, cols/n]`` slices.

    Parameters
    ----------
    frame
        The stored mosaic image.
    count
        Number of slices in the mosaic.
    """
    per_side = mosaic_tiles_per_side(count)
    rows, cols = frame.shape[0] // per_side, frame.shape[1] // per_side
    tiles = frame[:rows * per_side, :cols * per_side].reshape(per_side, rows, per_side, cols)
    tiles = tiles.transpose(0, 2, 1, 3).reshape(per_side * per_side, rows, cols)
    return tiles[:count]

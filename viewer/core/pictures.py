"""Ordinary pictures (PNG, JPEG) as one-slice volumes, for images that arrive without DICOM."""

from __future__ import annotations

import os

import numpy as np

from viewer.core.errors import LoadError
from viewer.core.volume import Volume

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


def is_picture(path: str | os.PathLike[str]) -> bool:
    """Whether a path names an ordinary picture by its suffix."""
    return str(path).lower().endswith(PICTURE_SUFFIXES)


def load_picture(path: str | os.PathLike[str]) -> Volume:
    """A grey or RGB picture as a ``[1, rows, columns(, 3)]`` volume with 1 mm pixels.

    Grey-looking colour pictures (all channels equal) become grey.

    Raises
    ------
    LoadError
        The file cannot be read as a picture.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            picture.load()
            mode = picture.mode
            array = np.asarray(picture.convert("RGB") if mode not in ("L", "I;16", "I") else picture)
    except (OSError, UnidentifiedImageError) as e:
        raise LoadError(f"cannot read {os.path.basename(str(path))} as a picture: {e}") from e
    is_rgb = array.ndim == 3
    if is_rgb and np.array_equal(array[..., 0], array[..., 1]) and np.array_equal(array[..., 0], array[..., 2]):
        array, is_rgb = array[..., 0], False
    return Volume(array=np.ascontiguousarray(array[None]), is_rgb=is_rgb, modality="OT",
                  photometric="RGB" if is_rgb else "MONOCHROME2",
                  warnings=["a picture carries no pixel spacing: distances assume 1 mm pixels"],
                  metadata={"series_description": os.path.basename(str(path))})

"""Read NIfTI images into volumes (the writer is ``viewer.export.nifti``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, cast

import numpy as np

from viewer.core.errors import LoadError
from viewer.core.volume import LPS_TO_RAS, Volume

if TYPE_CHECKING:
    from nibabel.spatialimages import SpatialImage


def load_nifti(path: str | os.PathLike[str], modality: str = "") -> Volume:
    """A NIfTI-1/2 file as a volume in the LPS convention (3-D, or 4-D as ``[t, z, y, x]``).

    Raises
    ------
    LoadError
        The file cannot be read as NIfTI.
    """
    import nibabel as nib

    try:
        image = cast("SpatialImage", nib.load(str(path)))
        data = np.asanyarray(image.dataobj)
    except (OSError, ValueError, nib.filebasedimages.ImageFileError) as e:
        raise LoadError(f"cannot read {os.path.basename(str(path))} as NIfTI: {e}") from e
    if data.ndim not in (3, 4):
        raise LoadError(f"{os.path.basename(str(path))} has {data.ndim} dimensions; expected 3 or 4")
    affine_lps = np.eye(4)
    affine_lps[:3] = LPS_TO_RAS @ image.affine[:3]  # the flip is its own inverse
    spacing = np.linalg.norm(affine_lps[:3, :3], axis=0)
    direction = affine_lps[:3, :3] / spacing
    axes = (3, 2, 1, 0) if data.ndim == 4 else (2, 1, 0)
    return Volume(array=np.ascontiguousarray(data.transpose(axes)), origin=affine_lps[:3, 3], spacing=spacing,
                  direction=direction, modality=modality,
                  metadata={"series_description": os.path.basename(str(path))})

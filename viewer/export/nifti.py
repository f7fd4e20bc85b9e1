"""Write volumes as NIfTI-1 with the RAS affine that dcm2niix and SimpleITK write."""

from __future__ import annotations

import os

import numpy as np

from viewer.core import audit
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.volume import Volume

_RGB = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])


def volume_to_nifti_array(volume: Volume) -> np.ndarray:
    """The voxels in NIfTI order: ``[x, y, z]`` or ``[x, y, z, t]``."""
    array = volume.array
    if volume.is_rgb:
        if array.dtype != np.uint8:
            raise ExportError("NIfTI RGB export needs 8-bit colour")
        array = np.ascontiguousarray(array).view(_RGB)[..., 0]
    axes = tuple(reversed(range(array.ndim)))
    return np.asarray(array).transpose(axes)


@audit.audited("export", audit.export_details("nifti", True, 1, "path"), audit.count_written)
def write_nifti(volume: Volume, path: str | os.PathLike) -> None:
    """Write ``volume`` to ``path`` (``.nii`` or ``.nii.gz``) atomically.

    The affine maps voxel indices to RAS millimetres, as NIfTI specifies; both
    the sform and the qform are set (code 1, scanner anatomical). A 4-D volume
    becomes a 4-D image.

    Parameters
    ----------
    volume
        The volume to write.
    path
        Destination file.

    Raises
    ------
    ExportError
        The destination cannot be written.
    """
    import nibabel as nib

    data = volume_to_nifti_array(volume)
    image = nib.Nifti1Image(data, volume.affine_ras)
    image.set_sform(volume.affine_ras, code=1)
    image.set_qform(volume.affine_ras, code=1)
    zooms = tuple(volume.spacing.tolist()) + ((1.0,) if volume.is_4d else ())
    image.header.set_zooms(zooms)
    image.header.set_xyzt_units("mm", "sec")
    try:
        with atomic_path(path) as temporary:
            nib.save(image, str(temporary))
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror or e}") from e

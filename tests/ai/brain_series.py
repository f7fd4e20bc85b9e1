"""T1-weighted DICOM series made from brainchop's real conformed T1 (``t1_crop.nii.gz``), for the brain tests.

Each series is written with pydicom, slice by slice, with its own ImageOrientationPatient and
ImagePositionPatient computed here from the NIfTI affine (independently of Outpost's loader
and exporter): axial, sagittal and coronal stacks that hold the NIfTI's voxels in another
order (exactly), a prone feet-first axial stack, and an oblique stack resampled from it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

#: DICOM is LPS, NIfTI is RAS
RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])
#: acquisition -> (NIfTI axis along the columns, along the rows, along the slices, flipped axes,
#: PatientPosition). t1_crop is LIA: axis 0 towards the patient's left, 1 inferior, 2 anterior.
PERMUTED = {
    "axial": ((0, 2, 1), (2, 1), "HFS"),      # rows run to the left, columns to posterior, slices upwards
    "sagittal": ((2, 1, 0), (2,), "HFS"),     # rows to anterior, columns downwards, slices to the right
    "coronal": ((0, 1, 2), (), "HFS"),        # rows to the left, columns downwards, slices to anterior
    "axial-ffp": ((0, 2, 1), (0,), "FFP"),    # prone, feet first: rows to the right, columns anterior
}


def load_t1(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(voxels [i, j, k], RAS affine)`` of ``t1_crop.nii.gz``."""
    import nibabel as nib

    image = nib.load(shared_data / "weights_brain_mri_meshnet_brainchop" / "t1_crop.nii.gz")
    return np.asarray(image.dataobj), np.asarray(image.affine, dtype=np.float64)


def reorder(array: np.ndarray, affine_ras: np.ndarray, axes: tuple[int, int, int],
            flips: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The same voxels with their axes in another order and some reversed, and the affine of that grid."""
    out = np.transpose(array, axes)
    affine = affine_ras.copy()
    affine[:, :3] = affine_ras[:, list(axes)]
    for axis in flips:
        out = np.flip(out, axis)
        affine[:3, 3] += affine[:3, axis] * (out.shape[axis] - 1)
        affine[:3, axis] *= -1
    return np.ascontiguousarray(out), affine


def oblique(array: np.ndarray, affine_ras: np.ndarray, degrees: float = 15.0,
            shape: tuple[int, int, int] = (240, 240, 180), spacing: tuple[float, float, float] = (1.0, 1.0, 1.2)
            ) -> tuple[np.ndarray, np.ndarray]:
    """An oblique axial stack through the T1: tilted by ``degrees`` about the left-right axis and a
    third of that about the vertical, resampled trilinearly (scipy), ``[col, row, slice]`` indexed."""
    from scipy.ndimage import map_coordinates

    a, b = np.radians(degrees), np.radians(degrees / 3)
    tilt = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    turn = np.array([[np.cos(b), -np.sin(b), 0], [np.sin(b), np.cos(b), 0], [0, 0, 1]])
    # LPS columns of an axial stack: rows to the left, columns to posterior, slices upwards
    directions = turn @ tilt @ np.eye(3)
    centre = affine_ras[:3, :3] @ ((np.array(array.shape) - 1) / 2) + affine_ras[:3, 3]
    lps = np.eye(4)
    lps[:3, :3] = directions * np.asarray(spacing)
    lps[:3, 3] = (RAS_TO_LPS[:3, :3] @ centre) - lps[:3, :3] @ ((np.array(shape) - 1) / 2)
    target_ras = RAS_TO_LPS @ lps
    to_source = np.linalg.inv(affine_ras) @ target_ras
    grid = np.indices(shape, dtype=np.float64).reshape(3, -1)
    coordinates = to_source[:3, :3] @ grid + to_source[:3, 3:4]
    values = map_coordinates(array.astype(np.float32), coordinates, order=1, mode="constant", cval=0.0)
    return values.reshape(shape), target_ras


def write_series(folder: Path, voxels: np.ndarray, affine_ras: np.ndarray, position: str = "HFS",
                 scale: float = 1.0, body_part: str = "HEAD", series_number: int = 1) -> Path:
    """Write ``voxels`` (``[col, row, slice]`` indexed, on ``affine_ras``) as an MR series of single frames.

    Stored values are ``round(voxel * scale)`` as 16-bit unsigned integers.
    """
    import pydicom
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    lps = RAS_TO_LPS @ affine_ras
    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    row_dir, col_dir = lps[:3, 0] / spacing[0], lps[:3, 1] / spacing[1]
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    stored = np.clip(np.rint(voxels * scale), 0, 65535).astype(np.uint16)
    for s in range(voxels.shape[2]):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MRImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(folder / f"{s:04d}.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.Modality, ds.PatientName, ds.PatientID = "MR", "Brain^Test", "BRAIN-1"
        ds.StudyDate = dt.date(2026, 1, 1).strftime("%Y%m%d")
        ds.SeriesDescription, ds.BodyPartExamined, ds.PatientPosition = "T1 MPRAGE", body_part, position
        ds.SeriesNumber, ds.InstanceNumber = series_number, s + 1
        ds.ImageOrientationPatient = [f"{v:.10f}" for v in (*row_dir, *col_dir)]
        ds.ImagePositionPatient = [f"{v:.6f}" for v in lps[:3, :3] @ np.array([0.0, 0.0, s]) + lps[:3, 3]]
        ds.PixelSpacing = [f"{spacing[1]:.6f}", f"{spacing[0]:.6f}"]  # between rows, between columns
        ds.SliceThickness = f"{spacing[2]:.6f}"
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = voxels.shape[1], voxels.shape[0]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = np.ascontiguousarray(stored[:, :, s].T).tobytes()  # [row, col]
        pydicom.dcmwrite(ds.filename, ds, enforce_file_format=True)
    return folder


def load_folder(folder: Path):
    """The one series in ``folder`` through Outpost's DICOM loader."""
    from viewer.core.dicom import load_series, scan

    found = scan([str(folder)])
    assert len(found.series) == 1, [s.key for s in found.series]
    return load_series(found.series[0])

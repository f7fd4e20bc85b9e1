"""Small synthetic DICOM files for tests, written with pydicom.

Every test that needs an unusual file builds it here instead of committing a
blob: geometry, bit depths, photometric interpretations and broken headers
are all chosen by the test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    generate_uid,
)

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def make_slice(
    pixels: np.ndarray,
    position: Sequence[float] | None = (0.0, 0.0, 0.0),
    orientation: Sequence[float] | None = AXIAL,
    *,
    study_uid: str = "1.2.3.4",
    series_uid: str = "1.2.3.4.5",
    instance_number: int = 1,
    modality: str = "CT",
    spacing: Sequence[float] = (0.5, 0.5),
    bits_stored: int | None = None,
    signed: bool | None = None,
    slope: float | None = None,
    intercept: float | None = None,
    photometric: str = "MONOCHROME2",
    echo_number: int | None = None,
    image_type: Sequence[str] = ("ORIGINAL", "PRIMARY", "AXIAL"),
    acquisition_time: str | None = None,
    temporal_position: int | None = None,
    patient_name: str = "Test^Patient",
    patient_id: str = "ID0001",
    series_description: str = "synthetic",
    series_number: int = 1,
    raw_bytes: bytes | None = None,
) -> Dataset:
    """A single-frame image dataset holding ``pixels`` as stored values."""
    pixels = np.asarray(pixels)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    sop_class = CTImageStorage if modality == "CT" else MRImageStorage
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = study_uid + ".9" if study_uid else ""
    ds.Modality = modality
    ds.SeriesDescription = series_description
    ds.SeriesNumber = series_number
    ds.InstanceNumber = instance_number
    ds.ImageType = list(image_type)
    if position is not None:
        ds.ImagePositionPatient = [f"{v:.4f}" for v in position]
    if orientation is not None:
        ds.ImageOrientationPatient = [f"{v:.6f}" for v in orientation]
    ds.PixelSpacing = [f"{v:g}" for v in spacing]
    ds.SliceThickness = "1"
    if echo_number is not None:
        ds.EchoNumbers = echo_number
    if acquisition_time is not None:
        ds.AcquisitionTime = acquisition_time
    if temporal_position is not None:
        ds.TemporalPositionIdentifier = temporal_position
    samples = 3 if photometric == "RGB" else 1
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = pixels.shape[:2]
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored if bits_stored is not None else ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(signed if signed is not None else pixels.dtype.kind == "i")
    if slope is not None:
        ds.RescaleSlope = f"{slope:g}"
    if intercept is not None:
        ds.RescaleIntercept = f"{intercept:g}"
    ds.PixelData = raw_bytes if raw_bytes is not None else pixels.tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    return ds


def write(ds: Dataset, path: Path, *, with_meta: bool = True) -> Path:
    """Save ``ds``; without file meta it is written as a bare data set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if with_meta:
        ds.save_as(path, enforce_file_format=True)
    else:
        bare = ds.copy()
        del bare.file_meta
        bare.preamble = None
        bare.save_as(path, implicit_vr=False, little_endian=True)
    return path


def write_stack(folder: Path, volume: np.ndarray, *, spacing_z: float = 2.0,
                positions: Sequence[Sequence[float]] | None = None,
                instance_numbers: Sequence[int] | None = None,
                name: str = "slice", **kwargs) -> list[Path]:
    """Write ``volume[z, y, x]`` as one file per slice; returns the paths."""
    paths = []
    for z, plane in enumerate(volume):
        position = positions[z] if positions is not None else (-10.0, -20.0, 5.0 + z * spacing_z)
        number = instance_numbers[z] if instance_numbers is not None else z + 1
        ds = make_slice(plane, position, instance_number=number, **kwargs)
        paths.append(write(ds, folder / f"{name}{z:03d}"))
    return paths

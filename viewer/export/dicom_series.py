"""Write a volume as a DICOM series of single-frame images (CT or MR)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    generate_uid,
)

from viewer import __version__
from viewer.core import audit
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.volume import Volume

_SOP_CLASSES = {"CT": CTImageStorage, "MR": MRImageStorage}


def _ds_text(value: float) -> str:
    """A DS value (at most 16 characters) for ``value``."""
    text = f"{value:.10g}"
    return text if len(text) <= 16 else f"{value:.6g}"


@audit.audited("export", audit.export_details("dicom series", False, 1, "folder"), audit.count_written)
def write_series(volume: Volume, folder: str | os.PathLike, *, patient_name: str, patient_id: str,
                 study_description: str = "", series_description: str = "",
                 study_uid: str | None = None, series_number: int = 1,
                 window: tuple[float, float] | None = None) -> list[Path]:
    """Write a 3-D grey-scale volume as one DICOM file per slice, atomically.

    Values are stored as signed 16-bit integers with an identity rescale, so
    they must be integral and within int16 (HU for CT).

    Parameters
    ----------
    volume
        A 3-D, single-channel volume; its ``modality`` must be CT or MR.
    folder
        Destination; created if missing.
    patient_name, patient_id, study_description, series_description
        Identification written into every file.
    study_uid
        Reuse a study; a new one is made by default.
    series_number
        SeriesNumber.
    window
        Default window (centre, width) for display.

    Returns
    -------
    list of pathlib.Path
        The files written, in slice order.

    Raises
    ------
    ExportError
        The volume cannot be stored this way, or the folder cannot be written.
    """
    if volume.is_4d or volume.is_rgb:
        raise ExportError("only 3-D grey-scale volumes can be written as a DICOM series")
    sop_class = _SOP_CLASSES.get(volume.modality)
    if sop_class is None:
        raise ExportError(f"cannot write modality {volume.modality!r} (CT or MR only)")
    values = volume.array
    if values.dtype.kind == "f" and not np.array_equal(values, np.round(values)):
        raise ExportError("a DICOM series of int16 needs integral values")
    if values.min() < -32768 or values.max() > 32767:
        raise ExportError("values exceed the int16 range")
    stored = values.astype(np.int16)
    folder = Path(folder)
    study_uid = study_uid or generate_uid()
    series_uid, frame_uid = generate_uid(), generate_uid()
    now = dt.datetime.now()
    row_dir, col_dir, normal = (volume.direction[:, i] for i in range(3))
    paths = []
    for z in range(stored.shape[0]):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = sop_class
        ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.SOPClassUID = sop_class
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = now.strftime("%Y%m%d")
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = now.strftime("%H%M%S")
        ds.AccessionNumber = ""
        ds.Modality = volume.modality
        ds.Manufacturer = "Outpost"
        ds.ReferringPhysicianName = ""
        ds.StudyDescription = study_description
        ds.SeriesDescription = series_description
        ds.ManufacturerModelName = "Outpost"
        ds.SoftwareVersions = __version__
        ds.PatientName = patient_name
        ds.PatientID = patient_id
        ds.PatientBirthDate = ""
        ds.PatientSex = "O"
        if volume.metadata.get("body_part"):
            ds.BodyPartExamined = volume.metadata["body_part"]
        else:
            ds.Laterality = ""  # Type 2C: empty means unknown, as the body part is
        ds.SliceThickness = _ds_text(float(volume.spacing[2]))
        ds.StudyInstanceUID = study_uid
        ds.SeriesInstanceUID = series_uid
        ds.StudyID = "1"
        ds.SeriesNumber = series_number
        ds.InstanceNumber = z + 1
        ds.PatientPosition = "HFS"
        if volume.modality == "CT":
            ds.KVP = "120"
            ds.AcquisitionNumber = 1
        else:
            ds.ScanningSequence = "RM"
            ds.SequenceVariant = "NONE"
            ds.ScanOptions = ""
            ds.MRAcquisitionType = "3D"
            ds.EchoTime = ds.RepetitionTime = ds.EchoTrainLength = None
        position = volume.index_to_physical([0.0, 0.0, float(z)])
        ds.ImagePositionPatient = [_ds_text(float(v)) for v in position]
        ds.ImageOrientationPatient = [_ds_text(float(v)) for v in (*row_dir, *col_dir)]
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = _ds_text(float(position @ normal))
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows, ds.Columns = stored.shape[1:]
        ds.PixelSpacing = [_ds_text(float(volume.spacing[1])), _ds_text(float(volume.spacing[0]))]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = "0", "1"
        if volume.modality == "CT":
            ds.RescaleType = "HU"
        if window is not None:
            ds.WindowCenter, ds.WindowWidth = _ds_text(window[0]), _ds_text(window[1])
        ds.PixelData = stored[z].tobytes()
        ds["PixelData"].VR = "OW"
        path = folder / f"IM{z + 1:05d}.dcm"
        try:
            with atomic_path(path) as temporary:
                ds.save_as(temporary, enforce_file_format=True)
        except OSError as e:
            raise ExportError(f"cannot write {path}: {e.strerror or e}") from e
        paths.append(path)
    return paths

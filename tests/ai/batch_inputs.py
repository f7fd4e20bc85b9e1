"""A small screening camp for the batch tests: chest X-rays made from the shared ones with new UIDs,
a CT series (unsuitable for a chest X-ray classifier) and a file that is not DICOM."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.uid import ComputedRadiographyImageStorage

from tests.dicom_factory import make_slice, write, write_stack

#: The name every made file carries: it must appear in no output of a batch.
PATIENT_NAME = "Sentinel^Patientname"
PATIENT_ID = "SENTINEL-ID-42"
#: The shared chest X-rays (DICOM and pictures) the made ones come from.
CXR_SOURCES = (
    "cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm",
    "cxr_chest_xray/torchxrayvision_tests/00000001_000.png",
    "cxr_chest_xray/torchxrayvision_tests/00027426_000.png",
    "cxr_chest_xray/torchxrayvision_tests/tbx11k_test_data/imgs/tb/tb0005.png",
)
#: The side of the made radiographs (small: the tests stay quick).
SIDE = 256


def new_uid() -> str:
    """A new UID short enough for the factory's frame of reference (the study UID and ``.9``)."""
    return f"2.25.{uuid.uuid4().int % 10**30}"


def _grey(shared_data: Path, relative: str) -> np.ndarray:
    path = shared_data / relative
    if path.suffix == ".dcm":
        image = Image.fromarray(pydicom.dcmread(path).pixel_array.astype(np.uint8))
    else:
        image = Image.open(path).convert("L")
    return np.asarray(image.resize((SIDE, SIDE), Image.BILINEAR), dtype=np.uint8)


def chest_xray(pixels: np.ndarray, day: int) -> pydicom.Dataset:
    """A CR chest radiograph dataset with new UIDs holding ``pixels`` (8-bit)."""
    study, series = new_uid(), new_uid()
    ds = make_slice(pixels, position=None, orientation=None, study_uid=study, series_uid=series, modality="CR",
                    spacing=(0.7, 0.7), patient_name=PATIENT_NAME, patient_id=PATIENT_ID,
                    series_description="PA chest", image_type=("ORIGINAL", "PRIMARY"))
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = ComputedRadiographyImageStorage
    ds.BodyPartExamined = "CHEST"
    ds.StudyDate = f"202601{day:02d}"
    return ds


def screening_camp(shared_data: Path, folder: Path) -> dict[str, list]:
    """Write the camp into ``folder``; returns the X-rays' series UIDs, the CT's and the broken file."""
    folder.mkdir(parents=True, exist_ok=True)
    xrays = []
    for index, relative in enumerate(CXR_SOURCES):
        ds = chest_xray(_grey(shared_data, relative), index + 1)
        write(ds, folder / f"cxr{index}" / "image.dcm")
        xrays.append(ds.SeriesInstanceUID)
    ct_uid = new_uid()
    write_stack(folder / "ct", np.full((3, 32, 32), 100, dtype=np.int16), study_uid=new_uid(),
                series_uid=ct_uid, patient_name=PATIENT_NAME, patient_id=PATIENT_ID)
    broken = folder / "broken.dcm"
    broken.write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI" + b"\xff" * 40)
    return {"xrays": xrays, "ct": [ct_uid], "broken": [broken]}


def break_pixels(path: Path) -> bytes:
    """Cut the pixel data of the file at ``path`` short (its header still scans); returns the file as it was."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - SIDE * SIDE // 2])
    return data

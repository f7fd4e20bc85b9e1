"""The source images that an exported DICOM object (SEG, SR) references."""

from __future__ import annotations

import os
import warnings

from viewer.core.errors import ExportError

#: Type 2 patient and study attributes highdicom copies from the sources into a new object.
COPIED_TYPE_2 = ("PatientID", "PatientName", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID",
                 "StudyDate", "StudyTime", "ReferringPhysicianName")


def read_source_images(files: list[str | os.PathLike], *, what: str) -> list:
    """Read the headers of the images an object will reference, ready for highdicom.

    Parameters
    ----------
    files
        The source images, in the order the caller needs (slice order for a SEG).
    what
        The object being made, for messages (``"a SEG"``).

    Returns
    -------
    list of pydicom.Dataset
        Headers without pixel data. An empty SpecificCharacterSet (which
        highdicom refuses) is dropped: it means the default repertoire. Missing
        Type 2 patient and study attributes (:data:`COPIED_TYPE_2`) are added empty.

    Raises
    ------
    ExportError
        A file cannot be read, or lacks the UIDs a reference needs.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    sources = []
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, stop_before_pixels=True)
        except (InvalidDicomError, OSError, ValueError) as e:
            raise ExportError(f"cannot read the source image {os.path.basename(os.fspath(path))}: {e}") from e
        if not ds.get("SOPInstanceUID") or not ds.get("SeriesInstanceUID") or not ds.get("StudyInstanceUID"):
            raise ExportError(f"the source series has no SOP/series/study UIDs, so {what} cannot reference it")
        if "SpecificCharacterSet" in ds and not ds.SpecificCharacterSet:
            del ds.SpecificCharacterSet
        for keyword in COPIED_TYPE_2:  # present but empty, as DICOM allows, where a source omitted them
            if keyword not in ds:
                setattr(ds, keyword, "")
        sources.append(ds)
    return sources

"""Key Object Selection documents: the images a reader marked as key, and reading them back.

:func:`write_kos` makes a Key Object Selection Document (PS3.3 A.59, TID 2010) titled *Of
Interest* (DCM 113000) with highdicom, referencing each key image in its content and in the
evidence. :func:`read_kos` gives back the referenced SOP Instance UIDs, so a study's KOS can
mark and filter its images when it is opened again.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.export.sources import read_source_images
from viewer.export.sr import observer_contexts

#: SOP Class UID of Key Object Selection Document Storage.
KOS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.88.59"
#: The concept of the reader's note on the selection: DCM 113012 "Key Object Description".
KEY_OBJECT_DESCRIPTION = "113012"


@dataclass
class KeyImages:
    """What a Key Object Selection document selects.

    Attributes
    ----------
    study_uid
        The study of the document.
    title
        The document title's meaning (e.g. ``"Of Interest"``).
    description
        The key object description the reader typed (may be empty).
    sop_instance_uids
        The selected images, in the document's order.
    """

    study_uid: str
    title: str = ""
    description: str = ""
    sop_instance_uids: list[str] = field(default_factory=list)


def write_kos(key_files: list[str | os.PathLike], path: str | os.PathLike, *, description: str = "",
              observer: str = "") -> Path:
    """Write a Key Object Selection document selecting ``key_files``, atomically.

    Parameters
    ----------
    key_files
        The key images (one series or several of the same study), in the order to list them.
    path
        Destination.
    description
        The reader's note on the selection (up to 1024 characters are kept).
    observer
        The reader's name, recorded as the person observer (empty: the device only).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ExportError
        No key image, images of several studies, an image without UIDs, or highdicom refuses the content.
    """
    import highdicom as hd
    from pydicom.sr.codedict import codes

    if not key_files:
        raise ExportError("no key image is marked: mark one first (K)")
    sources = read_source_images(key_files, what="a key object selection")
    if len({str(ds.StudyInstanceUID) for ds in sources}) != 1:
        raise ExportError("key images of several studies cannot go into one key object selection")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            person, device = observer_contexts(observer)
            content = hd.ko.KeyObjectSelection(
                document_title=codes.DCM.OfInterest, referenced_objects=sources,
                observer_person_context=person, observer_device_context=device,
                description=description[:1024] or None)
            document = hd.ko.KeyObjectSelectionDocument(
                evidence=sources, content=content, series_instance_uid=hd.UID(), series_number=902,
                sop_instance_uid=hd.UID(), instance_number=1, manufacturer="Outpost")
    except (ValueError, TypeError, AttributeError) as e:
        raise ExportError(f"cannot build the key object selection: {e}") from e
    path = Path(path)
    with atomic_path(path) as temporary:
        document.save_as(temporary, enforce_file_format=True)
    return path


def read_kos(path: str | os.PathLike) -> KeyImages:
    """The images a Key Object Selection document selects.

    Raises
    ------
    ExportError
        The file cannot be read or is not a Key Object Selection document.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    name = os.path.basename(os.fspath(path))
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, ValueError) as e:
        raise ExportError(f"cannot read {name}: {e}") from e
    if str(ds.get("SOPClassUID", "")) != KOS_SOP_CLASS:
        raise ExportError(f"{name} is not a key object selection document")
    title = ""
    concept = ds.get("ConceptNameCodeSequence")
    if concept:
        title = str(concept[0].get("CodeMeaning", ""))
    selected, description = [], ""
    for item in ds.get("ContentSequence") or []:
        kind = str(item.get("ValueType", ""))
        if kind in ("IMAGE", "COMPOSITE"):
            for reference in item.get("ReferencedSOPSequence") or []:
                uid = str(reference.get("ReferencedSOPInstanceUID", ""))
                if uid and uid not in selected:
                    selected.append(uid)
        elif kind == "TEXT" and _code(item) == KEY_OBJECT_DESCRIPTION:
            description = str(item.get("TextValue", ""))
    return KeyImages(study_uid=str(ds.get("StudyInstanceUID", "")), title=title, description=description,
                     sop_instance_uids=selected)


def _code(item) -> str:
    """The code value of a content item's concept name ("" when it has none)."""
    concept = item.get("ConceptNameCodeSequence")
    return str(concept[0].get("CodeValue", "")) if concept else ""

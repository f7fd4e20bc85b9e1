"""Study and series queries, shared by C-FIND (DIMSE) and QIDO-RS (DICOMweb).

A :class:`FindQuery` becomes a C-FIND identifier or QIDO-RS parameters; the
matches of either come back as the same :class:`StudyMatch` / :class:`SeriesMatch`
records, so the viewer and ``outpost pacs find --json`` need not care which
protocol answered.

The records are built from whatever a peer sent: a value that cannot be read
(an odd character set, a number that is not one) becomes empty rather than an
error, and values are kept as they came, so whatever shows them on a terminal or
writes them to a log escapes them first (:func:`viewer.core.text.printable`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from pydicom.dataset import Dataset

from viewer.pacs.errors import PEER_DATA_ERRORS, PacsError

LEVELS = ("STUDY", "SERIES")
#: Version of the ``outpost pacs find --json`` document.
FIND_JSON_VERSION = 1

_DATE = re.compile(r"^\d{8}$")

STUDY_RETURN_KEYS = ("StudyInstanceUID", "PatientID", "PatientName", "PatientBirthDate", "PatientSex",
                     "StudyDate", "StudyTime", "StudyDescription", "AccessionNumber", "ModalitiesInStudy",
                     "NumberOfStudyRelatedSeries", "NumberOfStudyRelatedInstances")
SERIES_RETURN_KEYS = ("StudyInstanceUID", "SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription",
                      "SeriesDate", "NumberOfSeriesRelatedInstances")


def parse_date_range(text: str) -> tuple[str, str]:
    """Parse ``YYYYMMDD``, ``YYYYMMDD-YYYYMMDD``, ``YYYYMMDD-`` or ``-YYYYMMDD``.

    Dashes inside dates (``2024-01-31``) are accepted too.

    Raises
    ------
    PacsError
        The text is not a date or date range.
    """
    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raw = raw.replace("-", "")
    for separator in ("..", "/", " to "):
        raw = raw.replace(separator, "-")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}", raw):
        raw = raw[:10].replace("-", "") + "-" + raw[11:].replace("-", "")
    start, dash, end = raw.partition("-")
    if not dash:
        end = start
    start, end = start.replace("-", ""), end.replace("-", "")
    for value in (start, end):
        if value and not _DATE.match(value):
            raise PacsError(f"invalid date or date range {text!r} (use YYYYMMDD or YYYYMMDD-YYYYMMDD)")
    if not start and not end:
        raise PacsError(f"invalid date range {text!r}")
    if start and end and start > end:
        raise PacsError(f"the date range {text!r} ends before it starts")
    return start, end


@dataclass
class FindQuery:
    """What to search for. Empty fields match everything; names may use ``*`` and ``?``.

    Attributes
    ----------
    level
        ``"STUDY"`` or ``"SERIES"``; a series search needs ``study_uid``.
    date_from, date_to
        Study date range as ``YYYYMMDD`` (either may be empty).
    """

    level: str = "STUDY"
    patient_name: str = ""
    patient_id: str = ""
    date_from: str = ""
    date_to: str = ""
    modality: str = ""
    accession_number: str = ""
    study_uid: str = ""

    def __post_init__(self) -> None:
        self.level = self.level.upper()
        if self.level not in LEVELS:
            raise PacsError(f"query level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.level == "SERIES" and not self.study_uid:
            raise PacsError("a series search needs the study UID")
        for value in (self.date_from, self.date_to):
            if value and not _DATE.match(value):
                raise PacsError(f"invalid date {value!r} (use YYYYMMDD)")

    @property
    def date_range(self) -> str:
        """The DICOM range matching value (``from-to``), or ``""``."""
        if not self.date_from and not self.date_to:
            return ""
        if self.date_from == self.date_to:
            return self.date_from
        return f"{self.date_from}-{self.date_to}"

    def to_identifier(self) -> Dataset:
        """The C-FIND identifier (Study Root): matching keys set, return keys empty."""
        ds = Dataset()
        ds.QueryRetrieveLevel = self.level
        keys = STUDY_RETURN_KEYS if self.level == "STUDY" else SERIES_RETURN_KEYS
        for keyword in keys:
            setattr(ds, keyword, "")
        if self.level == "STUDY":
            ds.PatientName = self.patient_name
            ds.PatientID = self.patient_id
            ds.StudyDate = self.date_range
            ds.AccessionNumber = self.accession_number
            ds.ModalitiesInStudy = self.modality
            ds.StudyInstanceUID = self.study_uid
        else:
            ds.StudyInstanceUID = self.study_uid
            ds.Modality = self.modality
        return ds

    def to_qido(self) -> tuple[dict[str, str], list[str]]:
        """QIDO-RS search filters and include fields."""
        if self.level == "STUDY":
            filters = {"PatientName": self.patient_name, "PatientID": self.patient_id,
                       "StudyDate": self.date_range, "AccessionNumber": self.accession_number,
                       "ModalitiesInStudy": self.modality}
        else:
            filters = {"Modality": self.modality}
        keys = STUDY_RETURN_KEYS if self.level == "STUDY" else SERIES_RETURN_KEYS
        return {k: v for k, v in filters.items() if v}, list(keys)


def _text(ds: Dataset, keyword: str) -> str:
    """The value of ``keyword`` as text; ``""`` when missing or unreadable."""
    try:
        value = ds.get(keyword, "")
        if value is None:
            return ""
        if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
            return "\\".join(str(v) for v in value)
        return str(value).strip()
    except PEER_DATA_ERRORS:
        return ""


def _int(ds: Dataset, keyword: str) -> int | None:
    """The value of ``keyword`` as a whole number; ``None`` when missing, unreadable or not finite."""
    text = _text(ds, keyword)
    try:
        return int(float(text)) if text else None
    except (ValueError, OverflowError):  # "abc", "nan"; "1e999" is infinite
        return None


def _list(ds: Dataset, keyword: str) -> list[str]:
    return [v for v in _text(ds, keyword).split("\\") if v]


@dataclass
class StudyMatch:
    """A study found on a remote node. ``patient_name`` is identifying: show it, never log it."""

    study_uid: str
    patient_id: str = ""
    patient_name: str = ""
    patient_birth_date: str = ""
    patient_sex: str = ""
    study_date: str = ""
    study_time: str = ""
    study_description: str = ""
    accession_number: str = ""
    modalities: list[str] = field(default_factory=list)
    series_count: int | None = None
    instance_count: int | None = None
    level: str = "STUDY"

    @classmethod
    def from_dataset(cls, ds: Dataset) -> StudyMatch:
        """A match from a C-FIND response identifier or a QIDO-RS result."""
        return cls(study_uid=_text(ds, "StudyInstanceUID"), patient_id=_text(ds, "PatientID"),
                   patient_name=_text(ds, "PatientName"), patient_birth_date=_text(ds, "PatientBirthDate"),
                   patient_sex=_text(ds, "PatientSex"), study_date=_text(ds, "StudyDate"),
                   study_time=_text(ds, "StudyTime"), study_description=_text(ds, "StudyDescription"),
                   accession_number=_text(ds, "AccessionNumber"), modalities=_list(ds, "ModalitiesInStudy"),
                   series_count=_int(ds, "NumberOfStudyRelatedSeries"),
                   instance_count=_int(ds, "NumberOfStudyRelatedInstances"))

    def as_dict(self) -> dict[str, Any]:
        """The match as a JSON-ready dict."""
        return asdict(self)


@dataclass
class SeriesMatch:
    """A series found on a remote node."""

    study_uid: str
    series_uid: str
    modality: str = ""
    series_number: int | None = None
    series_description: str = ""
    series_date: str = ""
    instance_count: int | None = None
    level: str = "SERIES"

    @classmethod
    def from_dataset(cls, ds: Dataset) -> SeriesMatch:
        """A match from a C-FIND response identifier or a QIDO-RS result."""
        return cls(study_uid=_text(ds, "StudyInstanceUID"), series_uid=_text(ds, "SeriesInstanceUID"),
                   modality=_text(ds, "Modality"), series_number=_int(ds, "SeriesNumber"),
                   series_description=_text(ds, "SeriesDescription"), series_date=_text(ds, "SeriesDate"),
                   instance_count=_int(ds, "NumberOfSeriesRelatedInstances"))

    def as_dict(self) -> dict[str, Any]:
        """The match as a JSON-ready dict."""
        return asdict(self)


Match = StudyMatch | SeriesMatch


def match_from_dataset(ds: Dataset, level: str) -> Match:
    """A :class:`StudyMatch` or :class:`SeriesMatch` from a response dataset."""
    return StudyMatch.from_dataset(ds) if level == "STUDY" else SeriesMatch.from_dataset(ds)

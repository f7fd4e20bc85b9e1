r"""Anonymised copies of DICOM studies and series (PS3.15 Basic Application Level Confidentiality Profile).

Use it in two steps, so that a user sees what will happen before anything is written::

    plan = plan_anonymization(paths, AnonymizationOptions(patient_name="Case 7", date_shift_days=-400))
    print("\n".join(plan.summary()))          # what will be removed or changed, and burned-in warnings
    write_anonymized(plan, out_dir)

What is done to every file, and to every item of every sequence at every depth:

- each attribute of PS3.15 Table E.1-1 gets the table's Basic Profile action.
  The table is generated from the standard (:mod:`viewer.export.ps315_table`,
  made by :mod:`viewer.export.ps315_generate`), never typed by hand. X removes,
  Z empties, D gives a dummy value suited to the value representation
  (``ANONYMIZED``, ``19000101``, ``000000``, ``0``, zero bytes), U a new UID.
  Compound actions take the choice that keeps the object valid and tells the
  least: X/Z empties; X/D, Z/D and X/Z/D give a dummy value; X/Z/U* gives new
  UIDs. A sequence cannot take a dummy without made-up content, and an empty
  sequence is valid only where it is Type 2: a sequence keeps its items (cleaned)
  under U*, is emptied under Z and where X/Z allows it for a Type 2 sequence
  (:data:`TYPE_2_SEQUENCES`), and is removed otherwise; so the Content Sequence of
  structured content goes whole (the Clean Structured Content Option is not
  applied). The patient's name and ID take the values given;
- a new UID is a keyed hash of the original and a secret drawn for the plan
  (``2.25.<digits>``), so the same original UID gets the same new UID in every
  file: SOP instance, series, study and frame of reference UIDs, and every
  reference to them, stay consistent. UIDs the standard defines (classes,
  transfer syntaxes, coding schemes, well-known frames of reference) are kept,
  and so are UIDs under the DICOM root in class, transfer syntax and coding
  scheme attributes; private class and scheme UIDs get new UIDs too;
- with a date shift (the Retain Longitudinal Temporal Information with Modified
  Dates Option), the dates the table marks for that option are shifted by whole
  days instead: DA and DT values, ranges and multiple values, each side of a
  range and at its precision (a DT keeps its time and UTC offset); values that do
  not read as dates are emptied; times are kept when they read as times. Without
  a shift the table's action applies (and so the birth date is always emptied);
- beyond the table, as safety nets: private attributes, overlay and curve groups
  (60xx, 50xx), command, file meta and directory elements in the data set,
  attributes of unknown type (UN), values that cannot be read, and names, UIDs,
  dates and times that the file gives another VR than the dictionary's are removed;
  :data:`EXTRA_REMOVE` (issuers of identifiers, encrypted attributes, free text of
  content items) is removed; person names are emptied; UIDs that the standard
  does not define are replaced; dates are shifted or emptied, times kept or emptied;
- the file is written with a zero preamble and a new file meta (no original
  meta element survives); PatientIdentityRemoved, DeidentificationMethod (and
  its code sequence: 113100, and 113107 with a date shift) and
  LongitudinalTemporalInformationModified record what was done.

Pixel data are copied unchanged. Files whose pixels may show identifying text
(BurnedInAnnotation YES, or ultrasound, secondary capture and the like, which
commonly burn it in) are listed in :attr:`Plan.burned_in` for the user to check.
Objects whose free text these rules do not clean are recognised by SOP class,
whatever their Modality (structured reports, key object selections,
presentation states, encapsulated documents, waveforms and the others of
:data:`UNCLEANED_SOP_CLASSES`, and SOP classes the dictionary does not know):
they are left out of the copy and listed in :attr:`Plan.skipped`, as are
DICOMDIRs, files that are not DICOM or cannot be read, and transfer syntaxes
that cannot be written.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import os
import re
import secrets
import struct
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.errors import BytesLengthException

from viewer import __version__
from viewer.core import audit
from viewer.core.dicom.headers import NotDicomError, is_dicomdir, read_header
from viewer.core.dicom.sources import Source
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.text import printable
from viewer.export import ps315_table
from viewer.export.copy import prepare_output_folder, remove_written

#: Attributes outside Table E.1-1 that are removed anyway: the issuers of identifiers (an
#: institution), attributes kept encrypted, who requested the study, the label of the media,
#: free-text descriptions of context and procedure type, and the free text of content items.
EXTRA_REMOVE = frozenset({
    "IssuerOfAccessionNumberSequence", "IssuerOfPatientIDQualifiersSequence", "EncryptedAttributesSequence",
    "RequestingPhysicianIdentificationSequence", "StorageMediaFileSetID", "AcquisitionContextDescription",
    "PerformedProcedureTypeDescription", "ProcedureCodeSequence", "TextValue", "UnformattedTextValue",
})
#: Sequences of Table E.1-1 whose action lets them be removed or emptied (X/Z), and that are Type 2
#: where they occur (PS3.3): emptied, as the table asks for Type 2. The others with X/Z or X/Z/D
#: (Referenced Study, Referenced Performed Procedure Step, Institution Code) are Type 3: removed.
TYPE_2_SEQUENCES = frozenset({"Acquisition Context Sequence"})
#: Attributes that, like every ``...ClassUID``, name an encoding or a coding scheme, not an instance.
KEEP_UID_KEYWORDS = frozenset({"TransferSyntaxUID", "CodingSchemeUID", "ContextUID", "MappingResourceUID"})
DICOM_ROOT = "1.2.840.10008."
#: Value representations whose values the safety nets change: an element of such an attribute that
#: the file gives another VR is removed (an explicit VR can say LO to pass a name as a description).
_NET_VRS = frozenset({"UI", "DA", "DT", "TM", "PN"})
#: The text of a dummy value (action D).
DUMMY_TEXT = "ANONYMIZED"
#: Dummy values (action D) by value representation; the text VRs take :data:`DUMMY_TEXT`.
DUMMY_VALUES: dict[str, object] = {
    "AS": "000D", "DA": "19000101", "DT": "19000101000000", "TM": "000000", "DS": "0", "IS": "0",
    "AT": 0, "FL": 0.0, "FD": 0.0, "SL": 0, "SS": 0, "SV": 0, "UL": 0, "US": 0, "UV": 0,
    **{vr: DUMMY_TEXT for vr in ("AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT")},
    **{vr: bytes(8) for vr in ("OB", "OD", "OF", "OL", "OV", "OW", "UN")},
}
#: Modalities and SOP classes whose pixels commonly show burned-in text.
BURNED_IN_MODALITIES = {"US": "ultrasound", "XA": "angiography", "RF": "fluoroscopy", "ES": "endoscopy",
                        "XC": "external camera photography", "OT": "other", "SC": "secondary capture",
                        "GM": "general microscopy", "SM": "slide microscopy"}
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
#: Objects whose free text the profile's rules do not reach, by SOP class (a UID ending in
#: ``.`` names all the classes under it); they are left out of a copy whatever their Modality.
UNCLEANED_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.88.": "a structured report or key object selection",
    "1.2.840.10008.5.1.4.1.1.11.": "a presentation state",
    "1.2.840.10008.5.1.4.1.1.104.": "an encapsulated document",
    "1.2.840.10008.5.1.4.1.1.9.": "a waveform (its annotations)",
    "1.2.840.10008.5.1.4.1.1.66": "raw data",
    "1.2.840.10008.5.1.4.1.1.90.1": "content assessment results",
    "1.2.840.10008.5.1.4.1.1.91.1": "microscopy annotations",
}
#: The same by Modality, for objects that name no such class.
UNCLEANED_MODALITIES = {"SR": "a structured report", "KO": "a key object selection",
                        "PR": "a presentation state", "DOC": "an encapsulated document"}


class Action(enum.Enum):
    """What the profile does to one attribute."""

    REMOVE = "removed"
    EMPTY = "emptied"
    DUMMY = "replaced by a dummy"
    NEW_UID = "replaced by new UIDs"
    SHIFT = "dates shifted"
    KEEP_TIME = "times kept"
    CLEAN_ITEMS = "items cleaned"


def table_row(tag: int) -> ps315_table.Row | None:
    """The row of PS3.15 Table E.1-1 for ``tag`` (repeating groups and private tags by mask), or ``None``."""
    row = ps315_table.TABLE.get(tag)
    if row is None:
        row = next((row for mask, value, row in ps315_table.MASKED if tag & mask == value), None)
    return row


def table_action(row: ps315_table.Row, vr: str, date_shift: bool) -> Action:
    """How an attribute of ``row`` with value representation ``vr`` is treated.

    Parameters
    ----------
    row
        Its row of Table E.1-1.
    vr
        Its value representation.
    date_shift
        Whether dates are shifted (the Modified Dates Option) rather than removed.

    Returns
    -------
    Action
        The Basic Profile action, with a compound one resolved as the module says.
    """
    if date_shift and row.modified_dates == "C" and vr in ("DA", "DT"):
        return Action.SHIFT
    if date_shift and row.modified_dates == "C" and vr == "TM":
        return Action.KEEP_TIME
    codes = set(row.basic.split("/"))
    if vr == "SQ":
        if "U*" in codes:
            return Action.CLEAN_ITEMS
        type_2 = row.basic == "Z" or (row.basic in ("X/Z", "X/Z/D", "Z/D") and row.name in TYPE_2_SEQUENCES)
        return Action.EMPTY if type_2 else Action.REMOVE
    if vr == "UI" and codes & {"U", "U*", "D"}:
        return Action.NEW_UID
    if row.basic == "X":
        return Action.REMOVE
    return Action.DUMMY if "D" in codes else Action.EMPTY


@dataclass(frozen=True)
class AnonymizationOptions:
    """Choices of an anonymised copy.

    Attributes
    ----------
    patient_name, patient_id
        The values that replace the patient's name and ID.
    date_shift_days
        Shift every date by this many days (negative: earlier) and keep the
        times; ``None`` removes them instead, as Table E.1-1 says for each
        (removed, emptied, or a dummy where the object needs a value).
    """

    patient_name: str = "Anonymous"
    patient_id: str = "ANON"
    date_shift_days: int | None = None

    def check(self) -> None:
        """Raise :class:`ExportError` for values that would not anonymise or not fit."""
        if self.date_shift_days == 0:
            raise ExportError("a date shift of 0 days keeps the dates; shift by other days or remove dates")
        if self.date_shift_days is not None and abs(self.date_shift_days) > 365_000:
            raise ExportError("a date shift must stay within 1000 years")
        if len(self.patient_id) > 64 or "\\" in self.patient_id:
            raise ExportError("the new patient ID must have at most 64 characters and no backslash")
        if any(len(part) > 64 for part in self.patient_name.split("^")) or "\\" in self.patient_name:
            raise ExportError("the new patient name must have at most 64 characters per part and no backslash")


@dataclass
class PlannedFile:
    """One file of the copy: where it comes from, where it goes, and what its header said."""

    source: Source
    output: str
    modality: str
    series: int
    transfer_syntax: str
    sop_class_uid: str
    sop_instance_uid: str


@dataclass
class Plan:
    """What an anonymised copy will contain and what it changes, before anything is written.

    Attributes
    ----------
    options
        The choices it was made with.
    files
        The files to write, with their paths relative to the output folder.
    removed, emptied, replaced
        Attribute (or group, such as ``private attributes``) to the number of
        files in which it is removed, emptied or replaced. Values are never listed.
    burned_in
        ``(file, reason)`` for files whose pixels may show identifying text.
    skipped
        ``(file, reason)`` for files that are not copied (not DICOM, DICOMDIR, unreadable).
    uids
        How many distinct UIDs get new values.
    """

    options: AnonymizationOptions
    files: list[PlannedFile] = field(default_factory=list)
    removed: Counter = field(default_factory=Counter)
    emptied: Counter = field(default_factory=Counter)
    replaced: Counter = field(default_factory=Counter)
    burned_in: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    uids: int = 0
    secret: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)

    def summary(self) -> list[str]:
        """Lines that tell a user what will be written, removed and changed (no values)."""
        series = len({f.series for f in self.files})
        dates = ("dates removed (with times; a dummy date where the object needs one)"
                 if self.options.date_shift_days is None
                 else f"dates shifted by {self.options.date_shift_days:+d} days (times kept)")
        lines = [f"{len(self.files)} file(s) of {series} series will be written anonymised; {dates}; "
                 f"{self.uids} UID(s) replaced by new ones, consistently across the files"]

        def listed(title: str, counts: Counter) -> None:
            if counts:
                lines.append(f"{title}: " + ", ".join(f"{name} ({n})" for name, n in sorted(counts.items())))

        listed("removed", self.removed)
        listed("emptied", self.emptied)
        listed("replaced", self.replaced)
        for path, reason in self.burned_in:
            lines.append(f"warning: pixels may show identifying text ({reason}): {printable(path)}")
        for path, reason in self.skipped:
            lines.append(f"skipped: {printable(path)}: {printable(reason)}")
        return lines


# --------------------------------------------------------------------------- the rules
class _Changes:
    """What the rules did to one file: category to attribute names."""

    def __init__(self) -> None:
        self.names: dict[str, set[str]] = defaultdict(set)
        self.uids: set[str] = set()

    def add(self, category: str, name: str) -> None:
        self.names[category].add(name)


#: The plan's categories of change, by action.
_CATEGORY = {Action.REMOVE: "removed", Action.EMPTY: "emptied", Action.DUMMY: "replaced",
             Action.NEW_UID: "replaced", Action.SHIFT: "replaced"}
#: Errors that reading one value of a hostile or damaged file may raise.
_VALUE_ERRORS = (ValueError, TypeError, KeyError, LookupError, AttributeError, OverflowError,
                 struct.error, NotImplementedError, BytesLengthException)
#: The same for one element, whose sequence items pydicom parses only then (a parse error is an OSError).
_ELEMENT_ERRORS = (*_VALUE_ERRORS, OSError, EOFError, RecursionError)


def _new_uid(uid: str, secret: str) -> str:
    """``2.25.`` and 128 bits of a keyed hash of ``uid``: the same for the same UID and secret.

    Without the secret nobody can tell which original UID a new one stands for,
    not even by hashing candidate UIDs.
    """
    digest = hmac.new(secret.encode(), uid.encode(), hashlib.sha256).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def _standard_uid(value: str) -> bool:
    """Whether the standard defines ``value`` (a class, transfer syntax, well-known instance...)."""
    from pydicom.uid import UID_dictionary

    return value in UID_dictionary


def _keeps_uid(keyword: str, value: str) -> bool:
    """Whether a UID is kept rather than replaced.

    Kept are the UIDs the standard defines, and UIDs under the DICOM root that name
    a class, a transfer syntax or a coding scheme. Any other gets a new UID
    (private classes and schemes too).
    """
    names_a_kind = keyword.endswith("ClassUID") or keyword in KEEP_UID_KEYWORDS
    return not value or _standard_uid(value) or (names_a_kind and value.startswith(DICOM_ROOT))


_DA = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})")  # YYYYMMDD, or ACR-NEMA's YYYY.MM.DD
_DT = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?"
                 r"(?P<time>\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,6})?)?)?)?(?P<offset>[+-]\d{4})?")
_TM = re.compile(r"\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?")


def _moved(year: str, month: str | None, day: str | None, days: int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month or 1), int(day or 1)) + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return None


def _shift_da(text: str, days: int) -> str | None:
    match = _DA.fullmatch(text)
    moved = match and _moved(*match.groups(), days)
    return f"{moved.year:04d}{moved.month:02d}{moved.day:02d}" if moved else None


def _shift_dt(text: str, days: int) -> str | None:
    """A DT moved by whole days at its own precision; its time and UTC offset kept."""
    match = _DT.fullmatch(text)
    moved = match and _moved(match["year"], match["month"], match["day"], days)
    if not moved:
        return None
    date = f"{moved.year:04d}" + (f"{moved.month:02d}" if match["month"] else "") + (
        f"{moved.day:02d}" if match["day"] else "")
    return date + (match["time"] or "") + (match["offset"] or "")


def _ranged(text: str, one) -> str | None:
    """``one(value)`` of a single value, or of each side of a range ``A-B``, ``A-`` or ``-B``."""
    whole = one(text)
    if whole is not None:
        return whole
    # A DT's UTC offset may hold a hyphen too: try each one as the separator.
    for position in (i for i, c in enumerate(text) if c == "-"):
        left, right = text[:position].strip(), text[position + 1:].strip()
        sides = [one(side) if side else "" for side in (left, right)]
        if (left or right) and None not in sides:
            return "-".join(sides)
    return None


def shift_date(value: str, vr: str, days: int) -> str:
    """A DA or DT value (or range) moved by ``days``; ``""`` when it does not read as one.

    Examples
    --------
    >>> shift_date("20240115-20240116", "DA", 100)
    '20240424-20240425'
    >>> shift_date("20240115093000.5-0500", "DT", -15)
    '20231231093000.5-0500'
    """
    shift = _shift_da if vr == "DA" else _shift_dt
    return _ranged(str(value).strip(), lambda text: shift(text, days)) or ""


def is_time(value: str) -> bool:
    """Whether a TM value (or range) reads as a time: only such times are kept under a date shift."""
    return _ranged(str(value).strip(), lambda text: text if _TM.fullmatch(text) else None) is not None


def _values(element) -> list:
    from pydicom.multival import MultiValue

    value = element.value
    return list(value) if isinstance(value, MultiValue | list) else [value]


def _set_values(element, values: list) -> None:
    element.value = values if len(values) != 1 else values[0]


def _dictionary_vr(tag) -> str | None:
    from pydicom.datadict import dictionary_VR

    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


def _clean_quietly(ds, options: AnonymizationOptions, secret: str, changes: _Changes) -> None:
    """:func:`_clean`, without pydicom's warnings about the values it reads (a user cannot act on them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _clean(ds, options, secret, changes)


def _clean(ds, options: AnonymizationOptions, secret: str, changes: _Changes) -> None:
    """Apply the profile to ``ds`` and, recursively, to the items of its sequences, in place."""
    shift = options.date_shift_days
    for tag in list(ds.keys()):
        try:
            element = ds[tag]
        except _ELEMENT_ERRORS:  # a value pydicom cannot read: nobody can tell what it holds
            del ds[tag]
            changes.add("removed", "values that cannot be read")
            continue
        keyword, vr, expected_vr = element.keyword, element.VR, _dictionary_vr(tag)
        row = table_row(tag)
        if tag.element == 0 or tag.group < 0x0008:
            del ds[tag]  # group lengths (stale once values change), command, file meta, directory
        elif tag.is_private:
            del ds[tag]
            changes.add("removed", "private attributes")
        elif tag.group & 0xFF00 in (0x5000, 0x6000):
            del ds[tag]
            changes.add("removed", "overlay and curve groups (50xx, 60xx)")
        elif keyword in ("PatientName", "PatientID"):
            element.value = options.patient_name if keyword == "PatientName" else options.patient_id
            changes.add("replaced", keyword)
        elif keyword in EXTRA_REMOVE or (vr == "UN" and expected_vr != "UN") or not keyword:
            del ds[tag]
            changes.add("removed", keyword if keyword in EXTRA_REMOVE else "attributes of unknown type")
        elif row is not None:
            _apply(ds, element, table_action(row, vr, shift is not None), options, secret, changes)
        elif vr == "SQ":
            _apply(ds, element, Action.CLEAN_ITEMS, options, secret, changes)
        elif element.value in (None, "", b""):
            continue
        elif expected_vr in _NET_VRS and vr != expected_vr:
            del ds[tag]
            changes.add("removed", "values whose VR contradicts the dictionary")
        elif vr == "UI":
            _apply(ds, element, Action.NEW_UID, options, secret, changes)
        elif vr in ("DA", "DT"):
            _apply(ds, element, Action.SHIFT if shift is not None else Action.EMPTY, options, secret, changes)
        elif vr == "TM":
            _apply(ds, element, Action.KEEP_TIME if shift is not None else Action.EMPTY, options, secret,
                   changes)
        elif vr == "PN":
            _apply(ds, element, Action.EMPTY, options, secret, changes)


def _apply(ds, element, action: Action, options: AnonymizationOptions, secret: str, changes: _Changes) -> None:
    """Do ``action`` to ``element`` of ``ds``."""
    name = element.keyword or f"({element.tag.group:04X},{element.tag.element:04X})"
    if action is Action.REMOVE:
        del ds[element.tag]
    elif action is Action.CLEAN_ITEMS:
        for item in element.value or ():
            _clean(item, options, secret, changes)
        return
    elif element.value in (None, "", b"") or (element.VR == "SQ" and not element.value):
        return  # empty already: nothing to empty, replace or shift
    elif action is Action.EMPTY:
        element.value = [] if element.VR == "SQ" else None
    elif action is Action.DUMMY:
        element.value = DUMMY_VALUES.get(element.VR, DUMMY_TEXT)
    elif action is Action.NEW_UID:
        values = [str(v) for v in _values(element)]
        replaced = [v for v in values if not _keeps_uid(element.keyword, v)]
        if not replaced:
            return
        _set_values(element, [_new_uid(v, secret) if v in replaced else v for v in values])
        changes.uids.update(replaced)
    elif action is Action.SHIFT:
        _set_values(element, [shift_date(v, element.VR, options.date_shift_days) for v in _values(element)])
    elif action is Action.KEEP_TIME:
        values = _values(element)
        if all(is_time(v) for v in values):
            return
        _set_values(element, [v if is_time(v) else "" for v in values])
        action = Action.EMPTY
    changes.add(_CATEGORY[action], name)


def _record(ds, options: AnonymizationOptions) -> None:
    """Say in the data set what was done to it, claiming only the options applied."""
    from pydicom.dataset import Dataset

    def code(value: str, meaning: str) -> Dataset:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        return item

    shifted = options.date_shift_days is not None
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = (f"PS3.15 Basic Profile{', Modified Dates' if shifted else ''}; "
                                 f"Outpost {__version__}")[:64]
    methods = [code("113100", "Basic Application Confidentiality Profile")]
    if shifted:
        methods.append(code("113107", "Retain Longitudinal Temporal Information Modified Dates Option"))
    ds.DeidentificationMethodCodeSequence = methods
    ds.LongitudinalTemporalInformationModified = "MODIFIED" if shifted else "REMOVED"


def _burned_in_reason(ds, record) -> str | None:
    """Why the pixels of a file may show identifying text, or ``None``."""
    try:
        said = str(ds.get("BurnedInAnnotation", "") or "").upper()
    except _VALUE_ERRORS:
        return "BurnedInAnnotation cannot be read"
    if said == "YES":
        return "BurnedInAnnotation is YES"
    if not record.has_pixels:
        return None
    # A "NO" is not trusted for these: devices that burn text in often say NO or nothing.
    if record.sop_class_uid.startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary capture, which commonly has burned-in text"
    modality = record.modality.upper()
    if modality in BURNED_IN_MODALITIES:
        return f"{BURNED_IN_MODALITIES[modality]} ({modality}), which commonly has burned-in text"
    return None


# --------------------------------------------------------------------------- reading
def _discover(paths: Iterable[Source | str | os.PathLike]) -> list[Source]:
    found: list[Source] = []
    for path in paths:
        if isinstance(path, Source):
            found.append(path)
            continue
        path = os.path.abspath(os.fspath(path))
        if os.path.isdir(path):
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                found.extend(Source(os.path.join(folder, name)) for name in sorted(files))
        elif os.path.exists(path):
            found.append(Source(path))
        else:
            raise ExportError(f"no such file or folder: {path}")
    return list(dict.fromkeys(found))


def _uncleaned_class(sop_class_uid: str) -> str | None:
    """Why an object of this SOP class is not copied, when the profile cannot clean it; else ``None``."""
    for uid, what in UNCLEANED_SOP_CLASSES.items():
        if sop_class_uid == uid or (uid.endswith(".") and sop_class_uid.startswith(uid)):
            return f"{what}: its free text cannot be cleaned, so it is not copied"
    if not _standard_uid(sop_class_uid):
        return "a SOP class the dictionary does not know (private or newer): its content cannot be cleaned"
    return None


def _not_copied(record) -> str | None:
    """Why a DICOM file is left out of an anonymised copy, or ``None``."""
    from pydicom.uid import UID, AllTransferSyntaxes

    if is_dicomdir(record):
        return "a DICOMDIR index (its patient data are not copied)"
    if not record.sop_class_uid:
        return "no SOP class: not an object that can be anonymised"
    reason = _uncleaned_class(record.sop_class_uid)
    if reason is None and record.modality in UNCLEANED_MODALITIES:
        reason = f"{UNCLEANED_MODALITIES[record.modality]}: its free text cannot be cleaned, so it is not copied"
    if reason is not None:
        return reason
    syntax = UID(record.transfer_syntax)
    # pydicom's own list, not UID.is_transfer_syntax: importing pynetdicom registers newer syntaxes
    # (Deflated Image Frame Compression) that pydicom cannot encode, and the answer must not change.
    if not (syntax in AllTransferSyntaxes or syntax.is_private):
        return f"transfer syntax {record.transfer_syntax} cannot be written by this version"
    return None


#: What reading a whole damaged file may raise besides pydicom's own errors.
_READ_ERRORS = (OSError, EOFError, RecursionError, MemoryError, *_VALUE_ERRORS)


def _dataset(source: Source, *, pixels: bool):
    """The full data set of a DICOM file.

    Raises
    ------
    ExportError
        The file cannot be read (any more), with one line saying why.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with source.open() as fp:
                return pydicom.dcmread(fp, stop_before_pixels=not pixels, force=True)
    except (InvalidDicomError, *_READ_ERRORS) as e:
        raise ExportError(f"cannot read {source}: {_read_error(e)}") from e


def _read_error(error: BaseException | None) -> str:
    """One line on why a file could not be read.

    Only the messages of errors that name files and offsets are quoted: a
    conversion error's may quote the value it could not convert.
    """
    from pydicom.errors import InvalidDicomError

    if isinstance(error, InvalidDicomError | OSError | EOFError):
        return f"{type(error).__name__}: {printable(error, 200)}"
    return f"{type(error).__name__} (a damaged value or structure)"


def plan_anonymization(paths: Iterable[Source | str | os.PathLike],
                       options: AnonymizationOptions | None = None,
                       progress: ProgressCallback | None = None,
                       cancel: CancelToken | None = None) -> Plan:
    """List what an anonymised copy of ``paths`` will remove and change, reading headers only.

    Parameters
    ----------
    paths
        Files, folders (searched recursively) or scanned sources (zip members too).
    options
        Name, ID and dates; the defaults remove dates.
    progress, cancel
        Reported and checked per file.

    Returns
    -------
    Plan
        Show :meth:`Plan.summary` to the user, then pass it to :func:`write_anonymized`.
        One series goes straight into the output folder, several into ``series-001``, ...;
        files are named ``IM00001.dcm``, ... in instance-number order.

    Raises
    ------
    ExportError
        A path does not exist, the options cannot anonymise, or no DICOM file can be copied.
    """
    options = options or AnonymizationOptions()
    options.check()
    plan = Plan(options=options)
    sources = _discover(paths)
    by_series: dict[str, list] = defaultdict(list)
    uids: set[str] = set()
    for index, source in enumerate(sources):
        check_cancel(cancel)
        try:
            record = read_header(source)
        except NotDicomError as e:
            plan.skipped.append((str(source), str(e)))
            continue
        reason = _not_copied(record)
        if reason is not None:
            plan.skipped.append((str(source), reason))
            continue
        try:
            ds = _dataset(source, pixels=False)
        except ExportError as e:
            plan.skipped.append((str(source), f"unreadable ({_read_error(e.__cause__)})"))
            continue
        burned = _burned_in_reason(ds, record)
        if burned:
            plan.burned_in.append((str(source), burned))
        by_series[record.series_uid or "|".join(
            str(v) for v in (os.path.dirname(source.path), record.modality, record.series.get("series_number"),
                             record.frame_of_reference_uid))].append(record)
        changes = _Changes()
        _clean_quietly(ds, options, plan.secret, changes)
        if not ds.get("SOPInstanceUID") and record.sop_instance_uid:
            changes.uids.add(record.sop_instance_uid)  # from the file meta: it gets a new UID too
        for category, counter in (("removed", plan.removed), ("emptied", plan.emptied),
                                  ("replaced", plan.replaced)):
            counter.update(changes.names.get(category, ()))
        uids |= changes.uids
        report(progress, index + 1, len(sources), "planning")
    if not by_series:
        example = (f"; {len(plan.skipped)} skipped, e.g. {plan.skipped[0][0]}: {printable(plan.skipped[0][1])}"
                   if plan.skipped else "")
        raise ExportError(f"no DICOM files to anonymise{example}")
    plan.uids = len(uids)
    several = len(by_series) > 1
    for number, records in enumerate(by_series.values(), start=1):
        ordered = sorted(records, key=lambda r: (r.instance_number is None, r.instance_number or 0, str(r.source)))
        for position, record in enumerate(ordered, start=1):
            output = f"series-{number:03d}/IM{position:05d}.dcm" if several else f"IM{position:05d}.dcm"
            plan.files.append(PlannedFile(source=record.source, output=output, modality=record.modality,
                                          series=number, transfer_syntax=record.transfer_syntax,
                                          sop_class_uid=record.sop_class_uid,
                                          sop_instance_uid=record.sop_instance_uid))
    return plan


# --------------------------------------------------------------------------- writing
def _instance_uid(planned: PlannedFile, secret: str) -> str:
    """The new SOP Instance UID of a file whose data set has none.

    It is the new UID of the file meta's Media Storage SOP Instance UID where
    there is one (references to it then still meet); else a new UID for the file.
    """
    original = planned.sop_instance_uid
    return _new_uid(original if original else f"no SOP Instance UID: {planned.source}", secret)


def _anonymize(ds, plan: Plan, planned: PlannedFile) -> None:
    """Apply ``plan``'s rules to one full data set, in place, with a new file meta and a zero preamble."""
    from pydicom.dataset import FileMetaDataset

    _clean_quietly(ds, plan.options, plan.secret, _Changes())
    _record(ds, plan.options)
    if not ds.get("SOPClassUID"):
        ds.SOPClassUID = planned.sop_class_uid  # it was in the file meta only
    if not ds.get("SOPInstanceUID"):
        ds.SOPInstanceUID = _instance_uid(planned, plan.secret)
    meta = FileMetaDataset()  # nothing of the original meta is kept (AE titles, private information)
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = planned.transfer_syntax
    ds.file_meta = meta
    ds.preamble = bytes(128)  # a preamble may hold anything: a name planted in it would be in every copy


@audit.audited("export", audit.export_details("anonymised copy", True, 1, "out_dir"), audit.count_written)
def write_anonymized(plan: Plan, out_dir: str | os.PathLike, progress: ProgressCallback | None = None,
                     cancel: CancelToken | None = None) -> list[Path]:
    """Write the anonymised copy that ``plan`` describes into the empty folder ``out_dir``.

    Each file is written atomically. On cancellation or error the files
    written so far are removed, so the folder never holds a partial copy.

    Parameters
    ----------
    plan
        From :func:`plan_anonymization`.
    out_dir
        A new or empty folder.
    progress, cancel
        Reported and checked per file.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``plan.files``.

    Raises
    ------
    ExportError
        ``out_dir`` is not empty, a source can no longer be read, or a copy cannot be written.
    Cancelled
        ``cancel`` was set; nothing is left in ``out_dir``.
    """
    out_dir = prepare_output_folder(out_dir)
    written: list[Path] = []
    try:
        for index, planned in enumerate(plan.files):
            check_cancel(cancel)
            ds = _dataset(planned.source, pixels=True)
            _anonymize(ds, plan, planned)
            destination = out_dir / planned.output
            try:
                with atomic_path(destination) as temporary:
                    ds.save_as(temporary, enforce_file_format=True)
            except OSError as e:
                raise ExportError(f"cannot write {destination}: {e.strerror or type(e).__name__}") from e
            except _VALUE_ERRORS as e:
                # pydicom's message may quote a value: only its kind is said.
                raise ExportError(f"cannot write {destination}: a value cannot be encoded "
                                  f"({type(e).__name__}) in {printable(planned.source)}") from e
            written.append(destination)
            report(progress, index + 1, len(plan.files), "anonymising")
    except BaseException:
        remove_written(written)
        raise
    return written

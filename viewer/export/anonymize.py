"""Anonymised copies of DICOM studies and series (PS3.15 Basic Application Level Confidentiality Profile).

Use it in two steps, so that a user sees what will happen before anything is written::

    plan = plan_anonymization(paths, AnonymizationOptions(patient_name="Case 7", date_shift_days=-400))
    print("\\n".join(plan.summary()))          # what will be removed or changed, and burned-in warnings
    write_anonymized(plan, out_dir)

What is done to every file (and, recursively, every sequence item):

- the attributes of PS3.15 Table E.1-1 marked X are removed, those marked Z
  emptied, and those marked D given a dummy value (:data:`REMOVE`, :data:`EMPTY`,
  :data:`DUMMY`); the patient's name and ID take the values given;
- every UID (UI) that is not a DICOM-defined UID, a class UID or a transfer
  syntax is replaced. A new UID is a hash of the original and a secret drawn
  for the plan (``2.25.<digits>``), so the same original UID gets the same new
  UID in every file: SOP instance, series, study and frame of reference UIDs,
  and every reference to them (ReferencedSOPInstanceUID, ...) stay consistent;
- dates (DA, and the date of DT) are shifted by a chosen number of days, and
  the times kept (the Retain Longitudinal Temporal Information with Modified
  Dates Option); or all dates and times are emptied. The birth date is always emptied;
- person names not listed are emptied; private attributes, overlay and curve
  groups (60xx, 50xx) and attributes of unknown type (UN) are removed;
- PatientIdentityRemoved, DeidentificationMethod (and its code sequence) and
  LongitudinalTemporalInformationModified record what was done.

Pixel data are copied unchanged. Files whose pixels may show identifying text
(BurnedInAnnotation YES, or ultrasound, secondary capture and the like, which
commonly burn it in) are listed in :attr:`Plan.burned_in` for the user to check.
Structured reports, key object selections, presentation states and
encapsulated documents carry free text these rules do not clean: they are
left out of the copy and listed in :attr:`Plan.skipped`, as are DICOMDIRs and
files that are not DICOM.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from viewer import __version__
from viewer.core import audit
from viewer.core.dicom.headers import NotDicomError, is_dicomdir, read_header
from viewer.core.dicom.sources import Source
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.export.copy import prepare_output_folder, remove_written

# PS3.15 Table E.1-1, by keyword. UIDs (U), dates and times, and person names are
# handled by value representation (see the module docstring), so they are not listed.
#: Removed (X, and X/Z or X/D where the attribute is optional in the common IODs).
REMOVE = frozenset("""
    AcquisitionComments AcquisitionContextDescription AcquisitionDeviceProcessingDescription
    AcquisitionProtocolDescription ActualHumanPerformersSequence AdditionalPatientHistory AdmissionID
    AdmittingDiagnosesCodeSequence AdmittingDiagnosesDescription Allergies Arbitrary AuthorObserverSequence
    BranchOfService CassetteID ClinicalTrialCoordinatingCenterName
    ClinicalTrialProtocolEthicsCommitteeApprovalNumber ClinicalTrialProtocolEthicsCommitteeName
    ClinicalTrialProtocolID ClinicalTrialProtocolName ClinicalTrialSeriesDescription ClinicalTrialSeriesID
    ClinicalTrialSiteID ClinicalTrialSiteName ClinicalTrialSponsorName ClinicalTrialSubjectID
    ClinicalTrialSubjectReadingID ClinicalTrialTimePointDescription ClinicalTrialTimePointID
    CommentsOnThePerformedProcedureStep ConfidentialityConstraintOnPatientDataDescription
    ConsultingPhysicianName ContentCreatorIdentificationCodeSequence ContributionDescription
    CountryOfResidence CurrentPatientLocation CustodialOrganizationSequence DataSetTrailingPadding
    DerivationDescription DetectorID DigitalSignaturesSequence DischargeDiagnosisDescription
    DistributionAddress DistributionName DoseReferenceDescription EncryptedAttributesSequence EthnicGroup
    FractionGroupDescription FrameComments GantryID GeneratorID HumanPerformerName
    HumanPerformerOrganization IconImageSequence IdentifyingComments ImageComments ImagePresentationComments
    ImagingServiceRequestComments Impressions InstitutionAddress InstitutionCodeSequence InstitutionName
    InstitutionalDepartmentName InsurancePlanIdentification
    IntendedRecipientsOfResultsIdentificationSequence InterpretationApproverSequence InterpretationAuthor
    InterpretationDiagnosisDescription InterpretationIDIssuer InterpretationRecorder InterpretationText
    InterpretationTranscriber IssuerOfAccessionNumberSequence IssuerOfAdmissionID IssuerOfPatientID
    IssuerOfServiceEpisodeID MAC MedicalAlerts MedicalRecordLocator MilitaryRank ModifiedAttributesSequence
    ModifiedImageDescription ModifyingDeviceID NameOfPhysiciansReadingStudy
    NamesOfIntendedRecipientsOfResults Occupation OperatorIdentificationSequence OrderCallbackPhoneNumber
    OrderEnteredBy OrderEntererLocation OriginalAttributesSequence OtherPatientIDs OtherPatientIDsSequence
    OtherPatientNames ParticipantSequence PatientAddress PatientAge PatientBirthName PatientBirthTime
    PatientComments PatientInstitutionResidence PatientInsurancePlanCodeSequence PatientMotherBirthName
    PatientPrimaryLanguageCodeSequence PatientPrimaryLanguageModifierCodeSequence PatientReligiousPreference
    PatientSexNeutered PatientSize PatientState PatientTelecomInformation PatientTelephoneNumbers
    PatientTransportArrangements PatientWeight PerformedLocation PerformedProcedureStepDescription
    PerformedProcedureStepID PerformedProcedureTypeDescription PerformedStationAETitle
    PerformedStationGeographicLocationCodeSequence PerformedStationName PerformedStationNameCodeSequence
    PerformingPhysicianIdentificationSequence PerformingPhysicianName PersonAddress
    PersonIdentificationCodeSequence PersonTelecomInformation PersonTelephoneNumbers
    PhysicianApprovingInterpretation PhysiciansOfRecord PhysiciansOfRecordIdentificationSequence
    PhysiciansReadingStudyIdentificationSequence PlateID PreMedication PregnancyStatus
    PrescriptionDescription ProcedureCodeSequence ProtocolName ROIGenerationDescription RTPlanDescription
    RTPlanName ReasonForStudy ReasonForTheImagingServiceRequest ReasonForTheRequestedProcedure
    ReasonForVisit ReasonForVisitCodeSequence ReferencedDigitalSignatureSequence
    ReferencedPatientAliasSequence ReferencedPatientPhotoSequence ReferencedPatientSequence
    ReferencedPerformedProcedureStepSequence ReferencedSOPInstanceMACSequence ReferencedStudySequence
    ReferringPhysicianAddress ReferringPhysicianIdentificationSequence ReferringPhysicianTelephoneNumbers
    RegionOfResidence RequestAttributesSequence RequestedContrastAgent RequestedProcedureComments
    RequestedProcedureDescription RequestedProcedureID RequestedProcedureLocation RequestingPhysician
    RequestingPhysicianIdentificationSequence RequestingService ResponsibleOrganization ResponsiblePerson
    ResultsComments ResultsDistributionListSequence ResultsIDIssuer ReviewerName
    ScheduledHumanPerformersSequence ScheduledPatientInstitutionResidence
    ScheduledPerformingPhysicianIdentificationSequence ScheduledPerformingPhysicianName
    ScheduledProcedureStepDescription ScheduledProcedureStepID ScheduledProcedureStepLocation
    ScheduledStationAETitle ScheduledStationGeographicLocationCodeSequence ScheduledStationName
    ScheduledStationNameCodeSequence ScheduledStudyLocation ScheduledStudyLocationAETitle SeriesDescription
    ServiceEpisodeDescription ServiceEpisodeID SmokingStatus SpecialNeeds StationName StorageMediaFileSetID
    StructureSetDescription StructureSetName StudyComments StudyDescription StudyIDIssuer TextComments
    TextString TopicAuthor TopicKeywords TopicSubject TopicTitle VerifyingOrganization VisitComments
""".split())
#: Emptied (Z, and Z/D where a dummy is not needed by the common IODs).
EMPTY = frozenset("""
    AccessionNumber AcquisitionContextSequence ContrastBolusAgent FillerOrderNumberImagingServiceRequest
    PatientBirthDate PatientSex PlacerOrderNumberImagingServiceRequest StudyID
    VerifyingObserverIdentificationCodeSequence
""".split())
#: Replaced by a dummy (D: required, with a value, where they occur).
DUMMY = {"DeviceSerialNumber": "0", "PersonName": "Anonymous", "VerifyingObserverName": "Anonymous",
         "StructureSetLabel": "RTSTRUCT", "RTPlanLabel": "RTPLAN"}
#: UIDs kept: these name classes, encodings and coding schemes, not instances.
KEEP_UID_KEYWORDS = frozenset({"TransferSyntaxUID", "CodingSchemeUID", "ContextUID", "MappingResourceUID"})
#: Modalities and SOP classes whose pixels commonly show burned-in text.
BURNED_IN_MODALITIES = {"US": "ultrasound", "XA": "angiography", "RF": "fluoroscopy", "ES": "endoscopy",
                        "XC": "external camera photography", "OT": "other", "SC": "secondary capture",
                        "GM": "general microscopy", "SM": "slide microscopy"}
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
#: Objects whose free text the profile's rules do not reach; they are left out of a copy.
UNCLEANED_MODALITIES = {"SR": "a structured report", "KO": "a key object selection",
                        "PR": "a presentation state", "DOC": "an encapsulated document"}


@dataclass(frozen=True)
class AnonymizationOptions:
    """Choices of an anonymised copy.

    Attributes
    ----------
    patient_name, patient_id
        The values that replace the patient's name and ID.
    date_shift_days
        Shift every date by this many days (negative: earlier) and keep the
        times; ``None`` empties every date and time instead.
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
        dates = ("dates removed (with times)" if self.options.date_shift_days is None
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
            lines.append(f"warning: pixels may show identifying text ({reason}): {path}")
        for path, reason in self.skipped:
            lines.append(f"skipped: {path}: {reason}")
        return lines


# --------------------------------------------------------------------------- the rules
class _Changes:
    """What the rules did to one file: category to attribute names."""

    def __init__(self) -> None:
        self.names: dict[str, set[str]] = defaultdict(set)
        self.uids: set[str] = set()

    def add(self, category: str, name: str) -> None:
        self.names[category].add(name)


def _new_uid(uid: str, secret: str) -> str:
    """``2.25.`` and 128 bits of a keyed hash of ``uid``: the same for the same UID and secret.

    Without the secret nobody can tell which original UID a new one stands for,
    not even by hashing candidate UIDs.
    """
    digest = hmac.new(secret.encode(), uid.encode(), hashlib.sha256).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def _keeps_uid(keyword: str, value: str) -> bool:
    from pydicom.uid import UID

    return (not value or keyword.endswith("ClassUID") or keyword in KEEP_UID_KEYWORDS
            or not UID(value).is_private)


def _shift_date(value: str, days: int) -> str:
    """A DA value (or the date of a DT value) moved by ``days``; empty when it cannot be read."""
    text = str(value).strip()
    if len(text) < 8 or not text[:8].isdigit():
        return ""
    try:
        day = dt.datetime.strptime(text[:8], "%Y%m%d").date() + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return ""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}" + text[8:]


def _values(element) -> list:
    from pydicom.multival import MultiValue

    value = element.value
    return list(value) if isinstance(value, MultiValue | list) else [value]


def _set_values(element, values: list) -> None:
    element.value = values if len(values) != 1 else values[0]


def _clean(ds, options: AnonymizationOptions, secret: str, changes: _Changes) -> None:
    """Apply the profile to ``ds`` and its sequence items, in place."""
    for element in list(ds):
        tag, keyword, vr = element.tag, element.keyword, element.VR
        if tag.element == 0:
            del ds[tag]  # a group length, stale once values change (and retired)
        elif tag.is_private:
            del ds[tag]
            changes.add("removed", "private attributes")
        elif tag.group & 0xFF00 in (0x5000, 0x6000):
            del ds[tag]
            changes.add("removed", "overlay and curve groups (50xx, 60xx)")
        elif keyword in ("PatientName", "PatientID"):
            element.value = options.patient_name if keyword == "PatientName" else options.patient_id
            changes.add("replaced", keyword)
        elif keyword in REMOVE:
            del ds[tag]
            changes.add("removed", keyword)
        elif keyword in EMPTY:
            element.value = [] if vr == "SQ" else ""
            changes.add("emptied", keyword)
        elif keyword in DUMMY:
            element.value = DUMMY[keyword]
            changes.add("replaced", keyword)
        elif vr == "UN" or not keyword:
            del ds[tag]
            changes.add("removed", "attributes of unknown type")
        elif vr == "SQ":
            for item in element.value:
                _clean(item, options, secret, changes)
        elif element.value in (None, "", b""):
            continue
        elif vr == "UI":
            _replace_uids(element, keyword, secret, changes)
        elif vr in ("DA", "DT"):
            shift = options.date_shift_days
            _set_values(element, [_shift_date(v, shift) if shift is not None else "" for v in _values(element)])
            changes.add("replaced" if shift is not None else "emptied", keyword)
        elif vr == "TM" and options.date_shift_days is None:
            element.value = ""
            changes.add("emptied", keyword)
        elif vr == "PN":
            element.value = ""
            changes.add("emptied", keyword)


def _replace_uids(element, keyword: str, secret: str, changes: _Changes) -> None:
    values = [str(v) for v in _values(element)]
    if all(_keeps_uid(keyword, v) for v in values):
        return
    _set_values(element, [v if _keeps_uid(keyword, v) else _new_uid(v, secret) for v in values])
    changes.uids.update(v for v in values if not _keeps_uid(keyword, v))
    changes.add("replaced", keyword)


def _record(ds, options: AnonymizationOptions) -> None:
    """Say in the data set what was done to it."""
    from pydicom.dataset import Dataset

    def code(value: str, meaning: str) -> Dataset:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", meaning
        return item

    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = f"PS3.15 Basic Profile, Outpost {__version__}"[:64]
    methods = [code("113100", "Basic Application Confidentiality Profile")]
    if options.date_shift_days is not None:
        methods.append(code("113107", "Retain Longitudinal Temporal Information Modified Dates Option"))
    ds.DeidentificationMethodCodeSequence = methods
    ds.LongitudinalTemporalInformationModified = "MODIFIED" if options.date_shift_days is not None else "REMOVED"


def _burned_in_reason(ds, record) -> str | None:
    """Why the pixels of a file may show identifying text, or ``None``."""
    if str(ds.get("BurnedInAnnotation", "") or "").upper() == "YES":
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


def _not_copied(record) -> str | None:
    """Why a DICOM file is left out of an anonymised copy, or ``None``."""
    if is_dicomdir(record):
        return "a DICOMDIR index (its patient data are not copied)"
    if not record.sop_class_uid:
        return "no SOP class: not an object that can be anonymised"
    if record.modality in UNCLEANED_MODALITIES:
        return f"{UNCLEANED_MODALITIES[record.modality]}: its free text cannot be cleaned, so it is not copied"
    return None


def _dataset(source: Source, *, pixels: bool):
    """The full data set of a DICOM file."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with source.open() as fp:
                return pydicom.dcmread(fp, stop_before_pixels=not pixels, force=True)
    except (InvalidDicomError, OSError, ValueError, EOFError, TypeError, KeyError, NotImplementedError) as e:
        raise ExportError(f"cannot read {source}: {type(e).__name__}: {e}") from e


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
        ds = _dataset(source, pixels=False)
        burned = _burned_in_reason(ds, record)
        if burned:
            plan.burned_in.append((str(source), burned))
        by_series[record.series_uid or "|".join(
            str(v) for v in (os.path.dirname(source.path), record.modality, record.series.get("series_number"),
                             record.frame_of_reference_uid))].append(record)
        changes = _Changes()
        if not _keeps_uid("MediaStorageSOPInstanceUID", record.sop_instance_uid):
            changes.uids.add(record.sop_instance_uid)
        _clean(ds, options, plan.secret, changes)
        for category, counter in (("removed", plan.removed), ("emptied", plan.emptied),
                                  ("replaced", plan.replaced)):
            counter.update(changes.names.get(category, ()))
        uids |= changes.uids
        report(progress, index + 1, len(sources), "planning")
    if not by_series:
        raise ExportError("no DICOM files to anonymise")
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
def _anonymize(ds, plan: Plan, planned: PlannedFile) -> None:
    """Apply ``plan``'s rules to one full data set, in place, with a new file meta."""
    from pydicom.dataset import FileMetaDataset

    _clean(ds, plan.options, plan.secret, _Changes())
    _record(ds, plan.options)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = planned.sop_class_uid
    uid = planned.sop_instance_uid
    meta.MediaStorageSOPInstanceUID = uid if _keeps_uid("MediaStorageSOPInstanceUID", uid) else _new_uid(
        uid, plan.secret)
    meta.TransferSyntaxUID = planned.transfer_syntax
    ds.file_meta = meta


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
            except (OSError, ValueError) as e:
                raise ExportError(f"cannot write {destination}: {e}") from e
            written.append(destination)
            report(progress, index + 1, len(plan.files), "anonymising")
    except BaseException:
        remove_written(written)
        raise
    return written

"""Index folders, .zip files and DICOMDIR file-sets into patients, studies and series."""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from viewer.core.dicom.deadline import map_with_deadline, start_in_background
from viewer.core.dicom.headers import (
    FrameInfo,
    InstanceRecord,
    NotDicomError,
    dicomdir_references,
    is_dicomdir,
    read_header,
    sop_class_name,
)
from viewer.core.dicom.sources import Source
from viewer.core.errors import OutpostError, SeriesNotFoundError, StalledReadError
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report

#: Files whose reading the OS is asked to start ahead of the parser.
PREFETCH_AHEAD = 32
#: After this many files of one folder did not answer, the rest of it is not tried
#: (a disconnected share would otherwise cost the time limit once per file).
STALLS_PER_FOLDER = 2


@dataclass
class SkippedFile:
    """A file that is not shown as an image, and why.

    Attributes
    ----------
    path
        The file (``archive.zip!member`` for a zip member).
    reason
        Why it is not shown, as one line for a user.
    kind
        What a readable non-image object is ("structured report", "PDF
        document", ...); empty for files that are damaged or not DICOM.
    description
        The object's series description, where it has one.
    """

    path: str
    reason: str
    kind: str = ""
    description: str = ""


#: What the scan calls a Key Object Selection document.
KEY_OBJECT_KIND = "key object selection"
#: What a non-image DICOM object is, by SOP class UID: exact UIDs first, then families.
OBJECT_KINDS = {
    "1.2.840.10008.5.1.4.1.1.88.59": KEY_OBJECT_KIND,
    "1.2.840.10008.5.1.4.1.1.104.1": "PDF document",
    "1.2.840.10008.5.1.4.1.1.104.2": "CDA document",
    "1.2.840.10008.5.1.4.1.1.66": "raw data",
    "1.2.840.10008.5.1.4.1.1.66.1": "spatial registration",
    "1.2.840.10008.5.1.4.1.1.66.2": "spatial fiducials",
    "1.2.840.10008.5.1.4.1.1.66.3": "deformable registration",
    "1.2.840.10008.5.1.4.1.1.66.5": "surface segmentation",
    "1.2.840.10008.5.1.4.1.1.481.3": "RT structure set",
    "1.2.840.10008.5.1.4.1.1.481.4": "RT treatment record",
    "1.2.840.10008.5.1.4.1.1.481.5": "RT plan",
    "1.2.840.10008.5.1.4.1.1.481.8": "RT ion plan",
}
OBJECT_FAMILIES = {
    "1.2.840.10008.5.1.4.1.1.88.": "structured report",
    "1.2.840.10008.5.1.4.1.1.104.": "encapsulated document",
    "1.2.840.10008.5.1.4.1.1.11.": "presentation state",
    "1.2.840.10008.5.1.4.1.1.9.": "waveform",
}


def object_kind(sop_class_uid: str) -> str:
    """A reader's name for what a non-image SOP class holds ("structured report", ...)."""
    if sop_class_uid in OBJECT_KINDS:
        return OBJECT_KINDS[sop_class_uid]
    for prefix, kind in OBJECT_FAMILIES.items():
        if sop_class_uid.startswith(prefix):
            return kind
    return "non-image object"


@dataclass
class FrameRef:
    """One 2-D image of a series: a frame (or mosaic tile) of an instance."""

    instance: InstanceRecord
    frame: FrameInfo


@dataclass
class Series:
    """Images that form one volume (or one time series of volumes).

    Attributes
    ----------
    key
        A short identifier, stable across scans of the same files.
    frames
        Every 2-D image of the series, unsorted.
    notes
        Why this series was split from others that share its UID.
    """

    key: str
    modality: str
    description: str
    number: int | None
    frames: list[FrameRef]
    study: Study | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def instances(self) -> list[InstanceRecord]:
        """The distinct instances of the series, in scan order."""
        seen: dict[int, InstanceRecord] = {}
        for ref in self.frames:
            seen.setdefault(id(ref.instance), ref.instance)
        return list(seen.values())

    @property
    def first(self) -> InstanceRecord:
        """A representative instance."""
        return self.frames[0].instance

    @property
    def series_uid(self) -> str:
        """The SeriesInstanceUID, or an empty string where the files carry none."""
        return self.first.series_uid

    def summary(self) -> dict[str, Any]:
        """The header-level facts shown in a browser or in ``outpost scan``."""
        first = self.first
        return {
            "key": self.key,
            "modality": self.modality,
            "description": self.description,
            "series_number": self.number,
            "series_uid": first.series_uid,
            "instances": len(self.instances),
            "frames": len(self.frames),
            "rows": first.rows,
            "columns": first.columns,
            "transfer_syntax": first.transfer_syntax,
        }


@dataclass
class Study:
    """A study and its series."""

    key: str
    uid: str
    attributes: dict[str, Any]
    series: list[Series] = field(default_factory=list)
    objects: list[SkippedFile] = field(default_factory=list)


@dataclass
class Patient:
    """A patient and their studies. ``name`` is identifying: never log it."""

    patient_id: str
    name: str
    studies: list[Study] = field(default_factory=list)


@dataclass
class ScanResult:
    """The outcome of :func:`scan`."""

    patients: list[Patient] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    files_read: int = 0

    @property
    def series(self) -> list[Series]:
        """Every series, patient by patient and study by study."""
        return [s for p in self.patients for st in p.studies for s in st.series]

    def find_series(self, key: str) -> Series:
        """The series whose key is ``key`` (or starts with it, if unambiguous).

        Raises
        ------
        SeriesNotFoundError
            When no series, or more than one, matches.
        """
        matches = [s for s in self.series if s.key == key]
        if not matches:
            matches = [s for s in self.series if s.key.startswith(key)]
        if len(matches) != 1:
            known = ", ".join(s.key for s in self.series) or "none"
            problem = "no series" if not matches else "more than one series"
            raise SeriesNotFoundError(f"{problem} with key {key!r} (series found: {known})")
        return matches[0]

    def choose_series(self, key: str | None) -> Series:
        """The series ``key`` names, or the only series when ``key`` is ``None``.

        Raises
        ------
        SeriesNotFoundError
            No series matches ``key``; or ``key`` is ``None`` and there is not
            exactly one series (the message lists their keys).
        """
        if key:
            return self.find_series(key)
        if len(self.series) == 1:
            return self.series[0]
        if not self.series:
            raise SeriesNotFoundError("no image series found")
        keys = ", ".join(s.key for s in self.series)
        raise SeriesNotFoundError(f"{len(self.series)} series found; choose one with --series ({keys})")


# --------------------------------------------------------------------------- discovery
def _discover(paths: Iterable[str | os.PathLike[str]], skipped: list[SkippedFile]) -> list[Source]:
    sources: list[Source] = []
    seen: set[Source] = set()

    def add(source: Source) -> None:
        if source not in seen:
            seen.add(source)
            sources.append(source)

    for raw_path in paths:
        path = os.path.abspath(os.fspath(raw_path))
        if not os.path.exists(path):
            raise OutpostError(f"no such file or folder: {raw_path}")
        if os.path.isdir(path):
            for folder, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    _add_file(os.path.join(folder, name), add, skipped)
        else:
            _add_file(path, add, skipped, explicit=True)
    return sources


def _add_file(path: str, add: Callable[[Source], None], skipped: list[SkippedFile],
              explicit: bool = False) -> None:
    name = os.path.basename(path)
    if not os.path.isfile(path):
        # A named pipe would block the first read (or open) until someone writes to it.
        skipped.append(SkippedFile(path, "not a regular file (a named pipe, socket or device)"))
        return
    if name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        add(Source(path, info.filename))
        except (zipfile.BadZipFile, OSError) as e:
            skipped.append(SkippedFile(path, f"unreadable zip file ({e})"))
        return
    if explicit and name.upper().startswith("DICOMDIR"):
        try:
            found, missing = dicomdir_references(path)
        except Exception as e:  # noqa: BLE001 - any parse failure of a DICOMDIR is reported
            skipped.append(SkippedFile(path, f"unreadable DICOMDIR ({type(e).__name__}: {e})"))
            return
        for reference in found:
            add(Source(reference))
        skipped.extend(SkippedFile(p, reason) for p, reason in missing)
        return
    add(Source(path))


# --------------------------------------------------------------------------- grouping
def _study_key(record: InstanceRecord) -> str:
    if record.study_uid:
        return record.study_uid
    s = record.study
    return "nouid:" + "|".join(str(s.get(k, "")) for k in
                               ("patient_id", "study_date", "study_time", "study_id"))


def _series_key(record: InstanceRecord) -> str:
    if record.series_uid:
        return record.series_uid
    s = record.series
    return "nouid:" + "|".join(str(v) for v in (
        s.get("series_number"), s.get("series_description"), record.modality,
        record.frame_of_reference_uid, s.get("series_date"), s.get("series_time")))


#: What must agree within one volume: SOP class, rows, columns, samples, photometric, orientation,
#: echo, frame type, and whether the instance is a mosaic.
_SplitKey: TypeAlias = tuple[str, int, int, int, str, tuple[float, ...] | None, float | None, tuple[str, ...],
                             bool]


def _split_key(record: InstanceRecord, frame: FrameInfo) -> _SplitKey:
    """Attributes that must agree within one volume (as dcm2niix splits series)."""
    orientation = (tuple(round(v, 3) for v in frame.orientation)
                   if frame.orientation is not None else None)
    return (
        record.sop_class_uid,
        record.rows,
        record.columns,
        record.samples_per_pixel,
        record.photometric,
        orientation,
        frame.echo,
        frame.frame_type,
        record.mosaic_count is not None,
    )


def _describe_split(key: _SplitKey) -> str:
    _, rows, columns, _, photometric, orientation, echo, frame_type, _ = key
    parts = [f"{rows}x{columns}"]
    if orientation is not None:
        parts.append("orientation " + ",".join(f"{v:g}" for v in orientation))
    if echo is not None:
        parts.append(f"echo {echo:g}")
    if frame_type:
        parts.append("type " + "\\".join(frame_type))
    parts.append(photometric)
    return ", ".join(parts)


def _short_hash(*parts: Any) -> str:
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def group_records(records: Sequence[InstanceRecord],
                  objects: Sequence[tuple[InstanceRecord, SkippedFile]] = ()) -> list[Patient]:
    """Group instance records into patients, studies and series.

    Series are keyed by SeriesInstanceUID where present (by series number,
    description, modality and frame of reference otherwise), then split where
    matrix, orientation, echo, image type or photometric interpretation differ.

    Parameters
    ----------
    records
        Header records of image instances.
    objects
        Non-image objects (reports, documents, presentation states...) with
        their listing; each joins its study's :attr:`Study.objects`, and makes
        the patient and study where no image has.

    Returns
    -------
    list of Patient
        Patients sorted by ID, their studies by date, their series by number.
    """
    buckets: dict[tuple[str, str, _SplitKey], list[FrameRef]] = defaultdict(list)
    for record in records:
        for frame in record.frames:
            key = (_study_key(record), _series_key(record), _split_key(record, frame))
            buckets[key].append(FrameRef(record, frame))

    splits_per_series: dict[tuple[str, str], int] = defaultdict(int)
    for study_key, series_key, _ in buckets:
        splits_per_series[(study_key, series_key)] += 1

    patients: dict[str, Patient] = {}
    studies: dict[str, Study] = {}

    def study_of(record: InstanceRecord, study_key: str) -> Study:
        patient_id = record.study.get("patient_id", "")
        patient = patients.setdefault(patient_id, Patient(patient_id, record.study.get("patient_name", "")))
        study = studies.get(study_key)
        if study is None:
            study = Study(key=_short_hash(study_key), uid=record.study_uid, attributes=dict(record.study))
            studies[study_key] = study
            patient.studies.append(study)
        return study

    for (study_key, series_key, split), frames in buckets.items():
        first = frames[0].instance
        study = study_of(first, study_key)
        series = Series(
            key=_short_hash(study_key, series_key, split),
            modality=first.modality,
            description=first.series.get("series_description", ""),
            number=first.series.get("series_number"),
            frames=frames,
            study=study,
        )
        if splits_per_series[(study_key, series_key)] > 1:
            series.notes.append(f"split from a series with other images: {_describe_split(split)}")
        study.series.append(series)

    for record, listing in objects:
        study_of(record, _study_key(record)).objects.append(listing)

    for study in studies.values():
        study.objects.sort(key=lambda o: (o.kind, o.description, o.path))
        study.series.sort(key=lambda s: (s.number if s.number is not None else 1 << 30,
                                         s.description, s.key))
    for patient in patients.values():
        patient.studies.sort(key=lambda st: (st.attributes.get("study_date", ""), st.key))
    return sorted(patients.values(), key=lambda p: (p.patient_id, p.name))


def _is_image_class(record: InstanceRecord) -> bool:
    """Whether the SOP class is one of images (CT, MR, Secondary Capture... Image Storage)."""
    return "Image Storage" in sop_class_name(record.sop_class_uid)


def _classify(record: InstanceRecord) -> str | None:
    """Why a readable record is not an image, or ``None`` if it is one."""
    if is_dicomdir(record):
        return "DICOMDIR index (its files are scanned directly)"
    if not record.has_pixels:
        name = sop_class_name(record.sop_class_uid)
        if _is_image_class(record):
            return f"image without pixel data ({name}; damaged or cut short?)"
        return f"{object_kind(record.sop_class_uid)}, no image data ({name})"
    if record.rows <= 0 or record.columns <= 0:
        return "image without Rows/Columns"
    if record.bits_allocated <= 0:
        return "image without BitsAllocated"
    if record.bits_allocated > 64 or record.bits_stored > record.bits_allocated:
        return (f"invalid pixel format (BitsAllocated {record.bits_allocated}, "
                f"BitsStored {record.bits_stored})")
    if record.pixel_length is not None and record.bits_allocated >= 8:
        expected = record.frame_bytes * record.number_of_frames
        if record.pixel_length < expected:
            return f"pixel data truncated ({record.pixel_length} of {expected} bytes)"
    if not record.frames:
        return "image without frames"
    return None


# --------------------------------------------------------------------------- scan
def _prefetch(sources: Sequence[Source]) -> None:
    """Ask the OS to start reading files in the background (Linux; elsewhere nothing)."""
    if not hasattr(os, "posix_fadvise"):
        return
    for source in sources:
        if not source.is_file:
            continue
        try:
            descriptor = os.open(source.path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(descriptor)


def scan(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
         progress: ProgressCallback | None = None,
         cancel: CancelToken | None = None,
         read_timeout: float | None = None) -> ScanResult:
    """Index DICOM files into patients, studies and series, reading headers only.

    Parameters
    ----------
    paths
        Folders (searched recursively), files, ``.zip`` files or DICOMDIR files.
    progress
        Called as ``progress(done, total, text)`` while headers are read.
    cancel
        Checked between files.
    read_timeout
        Seconds a file may take to answer before it is listed as not
        answering (:data:`~viewer.core.dicom.deadline.READ_TIMEOUT_S` when ``None``).

    Returns
    -------
    ScanResult
        The series found and the files skipped, each with a reason.

    Raises
    ------
    OutpostError
        A path does not exist.
    Cancelled
        ``cancel`` was set.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    result = ScanResult()
    sources = _discover(paths, result.skipped)
    total = len(sources)
    records: list[InstanceRecord] = []
    stalls: dict[str, int] = defaultdict(int)
    # Headers are parsed on one thread: parsing holds the GIL, so more threads made a
    # warm-cache scan slower (400 CT headers: 1 thread 0.49 s, 2 threads 0.64 s, 4 threads
    # 0.83 s) and starved a GUI thread of the GIL for up to 40 ms. Reading is what gains
    # from parallelism on CDs, USB sticks and network shares, so the kernel is asked to
    # read the next files ahead while this one is parsed.
    def read(index: int) -> InstanceRecord | None:
        source = sources[index]
        if index % PREFETCH_AHEAD == 0:
            # Advisory, and open() itself may block on a stalled share: never waited for.
            start_in_background(_prefetch, sources[index:index + PREFETCH_AHEAD])
        if stalls[os.path.dirname(source.path)] >= STALLS_PER_FOLDER:
            return None
        return read_header(source)

    outcomes = map_with_deadline(read, list(range(total)), describe=lambda i: str(sources[i]),
                                 timeout=read_timeout)
    try:
        for done, (index, record, error) in enumerate(outcomes, start=1):
            check_cancel(cancel)
            source = sources[index]
            folder = os.path.dirname(source.path)
            if isinstance(error, NotDicomError):
                result.skipped.append(SkippedFile(str(source), str(error)))
            elif isinstance(error, StalledReadError):
                stalls[folder] += 1
                result.skipped.append(SkippedFile(str(source), error.reason))
            elif error is not None:
                raise error
            elif record is None:
                result.skipped.append(SkippedFile(str(source), (
                    f"not read: {stalls[folder]} other files of this folder did not answer "
                    "(disconnected network share or damaged disc?)")))
            else:
                records.append(record)
            if done == total or done % 16 == 0:
                report(progress, done, total, "reading headers")
    finally:
        outcomes.close()
    check_cancel(cancel)

    images, objects = [], []
    for record in records:
        reason = _classify(record)
        if reason is None:
            images.append(record)
            continue
        skipped = SkippedFile(str(record.source), reason)
        if not record.has_pixels and not is_dicomdir(record) and not _is_image_class(record):
            # A readable report, document or presentation state: listed under its study.
            skipped.kind = object_kind(record.sop_class_uid)
            skipped.description = record.series.get("series_description", "")
            objects.append((record, skipped))
        result.skipped.append(skipped)
    result.files_read = total
    result.patients = group_records(images, objects)
    result.skipped.sort(key=lambda s: s.path)
    return result

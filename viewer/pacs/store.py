"""The local study store: DICOM files in a folder, indexed in SQLite.

Layout under the store's root::

    index.sqlite                     patients, studies, series, instances (WAL mode)
    files/<study>/<series>/<sop>.dcm one file per instance, named by its UIDs
    conflicts/<sop>.<digest>.dcm     instances that reused a stored SOP Instance UID with other content
    .incoming/                       complete instances waiting to be placed
    .deleted-<id>/                   a deleted study's folder, moved aside until it is removed
    .lock                            held (shared) by every process that has the store open

Every instance is first written whole into ``.incoming/`` under a temporary
name. Then, in one index transaction (which also locks out other processes),
the store looks the SOP Instance UID up and either renames the file into place
and writes its rows, or finds the UID taken: by the same content (the file
meta aside), and the new copy is dropped; by other content, and the new copy
is kept apart in ``conflicts/`` and logged, never indexed and never put in the
place of the first. Opening a store reconciles the index with the folder, so
a crash loses nothing: a file without index row is indexed, an index row
without file is dropped, and (when no other process has the store open)
half-written temporary files are removed and staged instances are placed.

The folder is created readable by its owner only (``0700``), and so are the
folders inside it and the index (``0600``), whatever the umask: the index holds
patient names.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydicom.uid import generate_uid

from viewer.core.dicom.headers import InstanceRecord, NotDicomError, is_dicomdir, read_header
from viewer.core.dicom.scan import SkippedFile, _series_key, _study_key, scan
from viewer.core.dicom.sources import Source
from viewer.core.files import atomic_path, user_data_dir
from viewer.core.sqlite import write_transaction
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.text import printable
from viewer.pacs.errors import InstanceMismatchError, MalformedInstanceError, StoreError

try:  # POSIX: advisory locks tell whether another process has the store open
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

log = logging.getLogger(__name__)

INDEX_NAME = "index.sqlite"
FILES_DIR = "files"
INCOMING_DIR = ".incoming"
#: Instances that came with a SOP Instance UID the store holds with other content.
CONFLICTS_DIR = "conflicts"
#: Prefix of a deleted study's folder, renamed out of ``files/`` until it is removed.
DELETED_PREFIX = ".deleted-"
LOCK_NAME = ".lock"
SCHEMA_VERSION = 1
#: Without advisory locks, leftovers older than this are taken to be from a crashed process.
STALE_SECONDS = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS patients (
    patient_key TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL,
    patient_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS studies (
    study_uid TEXT PRIMARY KEY,
    patient_key TEXT NOT NULL REFERENCES patients(patient_key),
    study_date TEXT NOT NULL,
    study_time TEXT NOT NULL,
    description TEXT NOT NULL,
    accession_number TEXT NOT NULL,
    study_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS series (
    series_uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL REFERENCES studies(study_uid),
    modality TEXT NOT NULL,
    series_number INTEGER,
    description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS instances (
    sop_uid TEXT PRIMARY KEY,
    series_uid TEXT NOT NULL REFERENCES series(series_uid),
    sop_class_uid TEXT NOT NULL,
    transfer_syntax TEXT NOT NULL,
    instance_number INTEGER,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    added REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_series ON instances(series_uid);
CREATE INDEX IF NOT EXISTS series_by_study ON series(study_uid);
CREATE INDEX IF NOT EXISTS studies_by_patient ON studies(patient_key);
"""

_UID_NAME = re.compile(r"[0-9][0-9.]{0,63}")
#: Explicit VR value representations with a 4-byte length (the file meta is always explicit VR little endian).
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
DEFLATED_SYNTAX = "1.2.840.10008.1.2.1.99"
#: Reasons of :func:`~viewer.core.dicom.scan` for skipping a file that is not a storable instance.
_NOT_INSTANCE_REASONS = ("not a DICOM file", "not a readable DICOM", "damaged DICOM header", "DICOMDIR index")


@dataclass(frozen=True)
class StoredInstance:
    """One instance offered to the store, and where it is.

    Attributes
    ----------
    duplicate
        ``True`` when the store already held this SOP Instance UID, so nothing was indexed.
    conflict
        ``True`` when what it held under that UID has other content: this instance was
        kept apart in ``conflicts/`` (``path``), and the stored one was left as it was.
    """

    sop_uid: str
    sop_class_uid: str
    series_uid: str
    study_uid: str
    path: Path
    duplicate: bool = False
    conflict: bool = False


@dataclass
class StudySummary:
    """One study in the store. ``patient_name`` is identifying: show it, never log it."""

    study_uid: str
    patient_id: str
    patient_name: str
    study_date: str
    description: str
    accession_number: str
    modalities: list[str]
    series_count: int
    instance_count: int
    size_bytes: int

    def as_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class SeriesSummary:
    """One series of a stored study."""

    series_uid: str
    study_uid: str
    modality: str
    series_number: int | None
    description: str
    instance_count: int
    size_bytes: int


@dataclass
class ImportResult:
    """What :meth:`LocalStore.import_paths` did."""

    added: list[StoredInstance] = field(default_factory=list)
    duplicates: list[StoredInstance] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def study_uids(self) -> list[str]:
        """The studies that received or already held the imported instances."""
        return sorted({i.study_uid for i in self.added + self.duplicates})


@dataclass
class ReconcileReport:
    """What opening the store repaired."""

    indexed: int = 0
    dropped: int = 0
    placed: int = 0
    removed_partials: int = 0
    #: Files found beside a stored instance of the same UID with other content, moved to ``conflicts/``.
    set_apart: int = 0
    unreadable: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the index or the folder needed any repair."""
        return bool(self.indexed or self.dropped or self.placed or self.removed_partials or self.set_apart)


def default_store_dir() -> Path:
    """The default store folder: ``<user data dir>/store``."""
    return user_data_dir() / "store"


def _file_name(uid: str) -> str:
    """A file-system-safe name for a UID (a hash where the UID is not plain digits and dots)."""
    if _UID_NAME.fullmatch(uid) and not uid.endswith("."):
        return uid
    return "h" + hashlib.sha1(uid.encode("utf-8", "replace")).hexdigest()[:24]


def _is_partial(name: str) -> bool:
    """Whether a file name is one of :func:`~viewer.core.files.atomic_path`'s temporaries."""
    return name.startswith(".") and ".part" in name


def _key_uid(key: str) -> str:
    """A real UID as it is, or a stable UID made from the fallback key of a file without one."""
    return key if not key.startswith("nouid:") else generate_uid(prefix="2.25.", entropy_srcs=[key])


def _valid_uid(uid: str) -> bool:
    return bool(_UID_NAME.fullmatch(uid)) and ".." not in uid and not uid.endswith(".")


def _encapsulated_complete(path: str, offset: int) -> bool:
    """Whether the encapsulated pixel data at ``offset`` end with a sequence delimiter inside the file."""
    size = os.path.getsize(path)
    with open(path, "rb") as fp:
        fp.seek(offset)
        while True:
            head = fp.read(8)
            if len(head) < 8:
                return False
            group, element, length = struct.unpack("<HHI", head)
            if (group, element) == (0xFFFE, 0xE0DD):
                return True
            if (group, element) != (0xFFFE, 0xE000) or length == 0xFFFFFFFF or fp.tell() + length > size:
                return False
            fp.seek(length, os.SEEK_CUR)


def _file_meta_end(fp) -> tuple[int, str]:
    """Where the data set of an open DICOM file begins, and its transfer syntax from the file meta.

    ``(0, "")`` for a file without preamble and file meta.
    """
    fp.seek(128)
    if fp.read(4) != b"DICM":
        return 0, ""
    position, syntax = 132, ""
    while True:
        head = fp.read(8)
        if len(head) < 8 or head[:2] != b"\x02\x00":
            return position, syntax
        if head[4:6] in _LONG_VRS:
            extra = fp.read(4)
            if len(extra) < 4:
                return position, syntax
            header, length = 12, int.from_bytes(extra, "little")
        else:
            header, length = 8, int.from_bytes(head[6:8], "little")
        if head[2:4] == b"\x10\x00" and length <= 64:  # (0002,0010) Transfer Syntax UID
            syntax = fp.read(length).decode("ascii", "replace").strip("\0 ")
        else:
            fp.seek(length, os.SEEK_CUR)
        position += header + length


def content_digest(path: str | os.PathLike) -> str:
    """SHA-256 of an instance file's transfer syntax and data set, its file meta left out.

    Two copies of one instance differ in their file meta (who wrote them, with
    what) but not in this digest; an instance that reuses a UID for other
    content (or another encoding) does.
    """
    with open(path, "rb") as fp:
        offset, syntax = _file_meta_end(fp)
        fp.seek(offset)
        digest = hashlib.sha256(syntax.encode("ascii", "replace") + b"\0")
        while chunk := fp.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def inflated_size_exceeds(path: str | os.PathLike, limit: int) -> bool:
    """Whether a deflated instance file's data set inflates to more than ``limit`` bytes.

    Reading a deflated instance inflates it whole in memory, so a small file can
    stand for gigabytes; this counts the inflated bytes first, ``limit`` at a time.
    Files in other transfer syntaxes are not inflated: ``False``.
    """
    import zlib

    with open(path, "rb") as fp:
        offset, syntax = _file_meta_end(fp)
        if syntax != DEFLATED_SYNTAX:
            return False
        fp.seek(offset)
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        total = 0
        while chunk := fp.read(1 << 20):
            while chunk:
                try:
                    total += len(inflater.decompress(chunk, 1 << 20))
                except zlib.error:
                    return False  # not valid deflate data: reading it will say so
                if total > limit:
                    return True
                chunk = inflater.unconsumed_tail
            if inflater.eof:
                break
        return False


def _private_folder(path: Path, *, parents: bool = False) -> None:
    """Create ``path`` (if missing) and make it readable by its owner only."""
    path.mkdir(mode=0o700, parents=parents, exist_ok=True)
    with contextlib.suppress(OSError):  # a folder of someone else's (read-only use) stays as it is
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o700)


def incomplete_instance(record: InstanceRecord) -> str | None:
    """Why an instance that came over the network is not a complete DICOM instance, or ``None``.

    Local files are imported as they are; instances from the network must carry
    valid study, series and SOP instance UIDs, and pixel data that are all there.
    """
    uids = (record.study_uid, record.series_uid, record.sop_instance_uid, record.sop_class_uid)
    if not all(uids):
        return "the data set lacks a SOP class, SOP instance, study or series UID"
    if not all(_valid_uid(uid) for uid in uids):
        return "the data set has a malformed UID"
    if record.has_pixels and record.source.is_file and record.pixel_offset is not None:
        if record.pixel_length is not None:
            if record.bits_allocated >= 8 and record.pixel_length < record.frame_bytes * record.number_of_frames:
                return "the pixel data are truncated"
        elif not _encapsulated_complete(record.source.path, record.pixel_offset):
            return "the compressed pixel data are truncated"
    return None


def find_instances(paths: str | os.PathLike | Iterable[str | os.PathLike],
                   progress: ProgressCallback | None = None,
                   cancel: CancelToken | None = None) -> tuple[list[InstanceRecord], list[SkippedFile]]:
    """The DICOM instances under ``paths``: images and the readable non-images the scan skips.

    The images are found by :func:`~viewer.core.dicom.scan`; the non-images are those it skips
    (SR, RT structure sets, presentation states, ...).

    Parameters
    ----------
    paths
        Folders (searched recursively), files, ``.zip`` files or DICOMDIR files.
    progress, cancel
        Passed to the scan.

    Returns
    -------
    tuple
        Header records of the instances, and the files that are not instances, with reasons.

    Raises
    ------
    OutpostError
        A path does not exist.
    Cancelled
        ``cancel`` was set.
    """
    found = scan(paths, progress=progress, cancel=cancel)
    records = [record for series in found.series for record in series.instances]
    skipped = []
    for item in found.skipped:
        # Readable non-images are instances too; files that are not DICOM at all, and
        # DICOMDIR indexes, are not. (Non-images inside .zip files are left out.)
        if os.path.isfile(item.path) and not item.reason.startswith(_NOT_INSTANCE_REASONS):
            check_cancel(cancel)
            try:
                records.append(read_header(Source(item.path)))
                continue
            except NotDicomError:
                pass
        skipped.append(item)
    return records, skipped


class LocalStore:
    """A folder of DICOM instances with an SQLite index; safe to share between threads.

    Parameters
    ----------
    root
        The store folder (created if needed); default :func:`default_store_dir`.
    reconcile
        Reconcile the index with the folder on opening (default ``True``).

    Examples
    --------
    >>> with LocalStore(tmp) as store:  # doctest: +SKIP
    ...     store.import_paths(["/media/cdrom"])
    ...     [s.study_uid for s in store.studies()]
    """

    def __init__(self, root: str | os.PathLike | None = None, *, reconcile: bool = True) -> None:
        self.root = Path(root) if root is not None else default_store_dir()
        self.files_dir = self.root / FILES_DIR
        self.incoming_dir = self.root / INCOMING_DIR
        self.conflicts_dir = self.root / CONFLICTS_DIR
        try:
            if not self.root.is_dir():
                self.root.parent.mkdir(parents=True, exist_ok=True)
                _private_folder(self.root)  # a new store: its own folder is private, whatever the umask
            for folder in (self.files_dir, self.incoming_dir, self.conflicts_dir):
                _private_folder(folder)
            index = self.root / INDEX_NAME
            os.close(os.open(index, os.O_RDWR | os.O_CREAT, 0o600))  # SQLite's -wal and -shm copy its mode
            if index.stat().st_mode & 0o077:
                os.chmod(index, 0o600)
        except OSError as e:
            raise StoreError(f"cannot create the study store at {self.root}: {e.strerror or e}") from e
        self._lock = threading.RLock()
        self._lock_file = self._open_lock()
        try:
            self._db = sqlite3.connect(index, timeout=30.0, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._transaction() as db:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            self._release_lock()
            raise StoreError(f"the store index {self.root / INDEX_NAME} is unreadable: {e}") from e
        self.last_reconcile = self.reconcile() if reconcile else ReconcileReport()

    # ----------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Close the index and release the store's lock."""
        with self._lock:
            self._db.close()
            self._release_lock()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_lock(self):
        if fcntl is None:  # pragma: no cover - Windows
            return None
        handle = open(self.root / LOCK_NAME, "a+b")  # noqa: SIM115 - held for the store's lifetime
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        return handle

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing releases the flock
            self._lock_file = None

    @contextlib.contextmanager
    def _sole_user(self) -> Iterator[bool]:
        """Yield whether no other process has the store open (then leftovers are from a crash)."""
        if fcntl is None or self._lock_file is None:  # pragma: no cover - Windows
            yield False
            return
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            # A failed conversion drops the shared lock (flock(2)): take it again.
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_SH)
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_SH)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` locks out other processes' writers); nested: the outer."""
        with self._lock, write_transaction(self._db) as db:
            yield db

    def _query(self, sql: str, parameters: Iterable[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(parameters)).fetchall()

    # ----------------------------------------------------------------- adding
    def _keys(self, record: InstanceRecord, content_hash: Callable[[], str]) -> tuple[str, str, str]:
        """Study, series and SOP instance UIDs, stable stand-ins where a file lacks them."""
        study = _key_uid(_study_key(record))
        series = _key_uid(_series_key(record) if record.series_uid else f"nouid:{study}|{_series_key(record)}")
        sop = record.sop_instance_uid or generate_uid(prefix="2.25.", entropy_srcs=[content_hash()])
        return study, series, sop

    def _destination(self, study: str, series: str, sop: str) -> Path:
        return self.files_dir / _file_name(study) / _file_name(series) / f"{_file_name(sop)}.dcm"

    def path_of(self, sop_uid: str) -> Path | None:
        """The stored file of the instance ``sop_uid``, or ``None``."""
        rows = self._query("SELECT path FROM instances WHERE sop_uid = ?", [sop_uid])
        return self.root / rows[0][0] if rows else None

    def contains(self, sop_uid: str) -> bool:
        """Whether the store holds the instance ``sop_uid``."""
        return self.path_of(sop_uid) is not None

    def _place(self, record: InstanceRecord, staged: Path, content_hash: Callable[[], str]) -> StoredInstance:
        """Put a staged instance file in place and index it, or find its SOP Instance UID taken.

        The look-up, the rename and the index rows are one step: one transaction
        (``BEGIN IMMEDIATE``, which other processes' writers wait for) under the
        store's lock, so two arrivals of one UID cannot both be placed.
        """
        study, series, sop = keys = self._keys(record, content_hash)
        with self._transaction() as db:
            row = db.execute("SELECT path FROM instances WHERE sop_uid = ?", (sop,)).fetchone()
            existing = self.root / row[0] if row else None
            if existing is not None and existing.is_file():
                if content_digest(existing) == content_digest(staged):
                    return StoredInstance(sop, record.sop_class_uid, series, study, existing, duplicate=True)
                kept = self._keep_conflict(staged, sop)
                return StoredInstance(sop, record.sop_class_uid, series, study, kept,
                                      duplicate=True, conflict=True)
            destination = self._destination(study, series, sop)
            destination.parent.mkdir(parents=True, exist_ok=True)
            # Staged files were written with atomic_path (flushed to disk): a rename completes them.
            os.replace(staged, destination)
            self._index(record, keys, destination)
        return StoredInstance(sop, record.sop_class_uid, series, study, destination)

    def _keep_conflict(self, path: Path, sop_uid: str) -> Path:
        """Move ``path``, an instance reusing the stored UID ``sop_uid`` for other content, to ``conflicts/``.

        Named by UID and content digest: the same conflicting instance again is kept once.
        """
        kept = self.conflicts_dir / f"{_file_name(sop_uid)}.{content_digest(path)[:16]}.dcm"
        self.conflicts_dir.mkdir(mode=0o700, exist_ok=True)
        if kept.exists():
            path.unlink(missing_ok=True)
        else:
            os.replace(path, kept)
        log.warning("instance %s has other content than the stored instance with this SOP Instance UID; "
                    "the stored one is kept, the new one is set apart as %s",
                    printable(sop_uid), kept.relative_to(self.root).as_posix())
        return kept

    def _index(self, record: InstanceRecord, keys: tuple[str, str, str], path: Path) -> None:
        """Write the index rows of one instance whose file is in place (in the caller's transaction, or one).

        The patient's row takes the demographics of the instance indexed last, so
        it shows what the store holds rather than the first name ever seen.
        """
        study_uid, series_uid, sop_uid = keys
        s = record.study
        patient_id = str(s.get("patient_id", ""))
        patient_key = patient_id or "noid:" + hashlib.sha1(
            repr((s.get("patient_name", ""), s.get("patient_birth_date", ""))).encode()).hexdigest()[:16]
        relative = path.relative_to(self.root).as_posix()
        with self._transaction() as db:
            db.execute("INSERT INTO patients VALUES (?, ?, ?, ?, ?) ON CONFLICT(patient_key) DO UPDATE SET "
                       "patient_name = excluded.patient_name, birth_date = excluded.birth_date, "
                       "sex = excluded.sex",
                       (patient_key, patient_id, str(s.get("patient_name", "")),
                        str(s.get("patient_birth_date", "")), str(s.get("patient_sex", ""))))
            db.execute("INSERT OR IGNORE INTO studies VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (study_uid, patient_key, str(s.get("study_date", "")), str(s.get("study_time", "")),
                        str(s.get("study_description", "")), str(s.get("accession_number", "")),
                        str(s.get("study_id", ""))))
            db.execute("INSERT OR IGNORE INTO series VALUES (?, ?, ?, ?, ?)",
                       (series_uid, study_uid, record.modality, record.series.get("series_number"),
                        str(record.series.get("series_description", ""))))
            db.execute("INSERT OR REPLACE INTO instances VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (sop_uid, series_uid, record.sop_class_uid, record.transfer_syntax,
                        record.instance_number, relative, path.stat().st_size, time.time()))

    def add_file(self, source: str | os.PathLike | Source, record: InstanceRecord | None = None) -> StoredInstance:
        """Copy one DICOM file (or zip member) into the store; a known SOP Instance UID is not stored twice.

        Parameters
        ----------
        source
            The file, or a :class:`~viewer.core.dicom.sources.Source`.
        record
            Its header record when the caller has read it already.

        Raises
        ------
        MalformedInstanceError
            The file is not readable DICOM.
        StoreError
            The file cannot be written into the store.
        """
        source = source if isinstance(source, Source) else Source(os.fspath(source))
        if record is None:
            try:
                record = read_header(source)
            except NotDicomError as e:
                raise MalformedInstanceError(f"{source}: {e}") from e
        if is_dicomdir(record):
            raise MalformedInstanceError(f"{source}: a DICOMDIR index is not an instance")

        def copy(temporary: Path) -> None:
            try:
                with source.open() as src, open(temporary, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except OSError as e:
                raise StoreError(f"cannot write {source} into the store: {e.strerror or e}") from e

        return self._add_staged(copy, record=record)

    def add_bytes(self, encoded: bytes, *, sop_class_uid: str | None = None,
                  sop_instance_uid: str | None = None) -> StoredInstance:
        """Store one instance given as DICOM file bytes (preamble, file meta and data set).

        Instances that arrive over the network (C-STORE, C-GET) enter the store
        this way or by :meth:`take_file`: staged atomically, read, then renamed
        into place.

        Parameters
        ----------
        encoded
            The file bytes.
        sop_class_uid, sop_instance_uid
            What the sender said the instance is; the data set must agree.

        Raises
        ------
        InstanceMismatchError
            The data set's SOP class or instance UID differs from the expected one.
        MalformedInstanceError
            The bytes are not a readable DICOM instance (nothing is kept).
        StoreError
            The store cannot be written (disk full, permissions).
        """
        return self._add_staged(lambda temporary: temporary.write_bytes(encoded),
                                (sop_class_uid or "", sop_instance_uid or ""))

    def take_file(self, path: str | os.PathLike, *, sop_class_uid: str | None = None,
                  sop_instance_uid: str | None = None, max_bytes: int | None = None) -> StoredInstance:
        """Store one instance from a DICOM file that the caller hands over (it is moved, or copied and removed).

        This is how a data set that pynetdicom streamed to a temporary file
        enters the store without being read into memory: renamed into the
        store's staging folder when both are on one file system, else copied.

        Parameters
        ----------
        path
            The file (preamble, file meta and data set); gone afterwards, whatever happens.
        sop_class_uid, sop_instance_uid
            What the sender said the instance is; the data set must agree.
        max_bytes
            Refuse a deflated data set that inflates to more than this.

        Raises
        ------
        InstanceMismatchError, MalformedInstanceError, StoreError
            As :meth:`add_bytes`; also ``StoreError`` for a data set past ``max_bytes``.
        """
        path = Path(path)

        def take(temporary: Path) -> None:
            if max_bytes is not None and inflated_size_exceeds(path, max_bytes):
                raise StoreError(f"the instance inflates to more than {max_bytes >> 20} MiB")
            try:
                os.replace(path, temporary)
            except OSError as e:
                if e.errno != errno.EXDEV:
                    raise
                shutil.copyfile(path, temporary)

        try:
            return self._add_staged(take, (sop_class_uid or "", sop_instance_uid or ""))
        finally:
            path.unlink(missing_ok=True)

    def add_dataset(self, dataset) -> StoredInstance:
        """Store one :class:`pydicom.dataset.Dataset` (e.g. from WADO-RS), written in the file format.

        Raises
        ------
        MalformedInstanceError, StoreError
            As :meth:`add_bytes`.
        """
        return self._add_staged(lambda temporary: dataset.save_as(temporary, enforce_file_format=True))

    def _add_staged(self, write: Callable[[Path], None], expected: tuple[str, str] = ("", ""),
                    record: InstanceRecord | None = None) -> StoredInstance:
        """Write an instance into ``.incoming/`` with ``write(temporary)``, then place it.

        With ``record`` (a local file's header, read already) the instance is
        placed as it is; without, the staged file is read and checked as an
        instance from the network must be.
        """
        staged = self.incoming_dir / f"{uuid.uuid4().hex}.dcm"
        try:
            with atomic_path(staged) as temporary:
                write(temporary)
        except StoreError:
            raise
        except OSError as e:
            raise StoreError(f"cannot write into the study store: {e.strerror or e}") from e
        except (ValueError, TypeError, AttributeError) as e:
            raise MalformedInstanceError(f"the instance cannot be written as a DICOM file ({type(e).__name__})") \
                from e
        try:
            return self._place_staged(staged, expected, record)
        finally:
            staged.unlink(missing_ok=True)

    def _place_staged(self, staged: Path, expected: tuple[str, str] = ("", ""),
                      record: InstanceRecord | None = None) -> StoredInstance:
        if record is None:
            try:
                record = read_header(Source(str(staged)))
            except NotDicomError as e:
                # The parser's detail stays in __cause__: it may quote a value of the data set.
                raise MalformedInstanceError("not a readable DICOM instance") from e
            if is_dicomdir(record):
                raise MalformedInstanceError("a DICOMDIR is not an instance")
            problem = incomplete_instance(record)
            if problem:
                raise MalformedInstanceError(problem)
        sop_class, sop_instance = expected
        if sop_class and record.sop_class_uid != sop_class:
            raise InstanceMismatchError("the data set's SOP Class UID differs from the one it was sent as")
        if sop_instance and record.sop_instance_uid != sop_instance:
            raise InstanceMismatchError("the data set's SOP Instance UID differs from the one it was sent as")

        def content_hash() -> str:
            with open(staged, "rb") as fp:
                return hashlib.file_digest(fp, "sha256").hexdigest()

        try:
            return self._place(record, staged, content_hash)
        except OSError as e:
            raise StoreError(f"cannot place an instance in the store: {e.strerror or e}") from e

    def import_paths(self, paths: str | os.PathLike | Iterable[str | os.PathLike],
                     progress: ProgressCallback | None = None,
                     cancel: CancelToken | None = None) -> ImportResult:
        """Copy the DICOM files under ``paths`` (folders, files, .zip, DICOMDIR) into the store.

        Image instances are found with :func:`viewer.core.dicom.scan`; plain files
        that it skips as non-images (SR, RT structure sets, ...) are stored too.
        Each file is written atomically and indexed as soon as it is in place,
        so cancelling or a crash keeps every instance copied so far.

        Parameters
        ----------
        paths
            What to import.
        progress
            Called as ``progress(done, total, text)``.
        cancel
            Checked between files.

        Returns
        -------
        ImportResult
            Instances added, instances already present, and files skipped with reasons.

        Raises
        ------
        OutpostError
            A path does not exist.
        Cancelled
            ``cancel`` was set (what was imported so far stays).
        """
        result = ImportResult()
        work, result.skipped = find_instances(paths, progress=progress, cancel=cancel)
        total = len(work)
        for done, record in enumerate(work, start=1):
            check_cancel(cancel)
            try:
                stored = self.add_file(record.source, record)
            except MalformedInstanceError as e:
                result.skipped.append(SkippedFile(str(record.source), str(e)))
            else:
                (result.duplicates if stored.duplicate else result.added).append(stored)
            report(progress, done, total, "importing")
        return result

    # ----------------------------------------------------------------- reading
    def studies(self) -> list[StudySummary]:
        """Every study in the store, by date, with counts, modalities and disk use."""
        rows = self._query("""
            SELECT st.study_uid, p.patient_id, p.patient_name, st.study_date, st.description,
                   st.accession_number, GROUP_CONCAT(DISTINCT se.modality), COUNT(DISTINCT se.series_uid),
                   COUNT(i.sop_uid), COALESCE(SUM(i.size), 0)
            FROM studies st JOIN patients p ON p.patient_key = st.patient_key
                 LEFT JOIN series se ON se.study_uid = st.study_uid
                 LEFT JOIN instances i ON i.series_uid = se.series_uid
            GROUP BY st.study_uid ORDER BY st.study_date, st.study_time, st.study_uid""")
        return [StudySummary(uid, pid, name, date, description, accession,
                             sorted(m for m in (modalities or "").split(",") if m), series, instances, size)
                for uid, pid, name, date, description, accession, modalities, series, instances, size in rows]

    def series(self, study_uid: str) -> list[SeriesSummary]:
        """The series of one study, by series number."""
        rows = self._query("""
            SELECT se.series_uid, se.study_uid, se.modality, se.series_number, se.description,
                   COUNT(i.sop_uid), COALESCE(SUM(i.size), 0)
            FROM series se LEFT JOIN instances i ON i.series_uid = se.series_uid
            WHERE se.study_uid = ? GROUP BY se.series_uid
            ORDER BY se.series_number IS NULL, se.series_number, se.series_uid""", [study_uid])
        return [SeriesSummary(*row) for row in rows]

    def find_study(self, key: str) -> str:
        """The study UID that is ``key`` or starts with it (if only one does).

        Raises
        ------
        StoreError
            No study, or more than one, matches.
        """
        matches = [row[0] for row in self._query(
            "SELECT study_uid FROM studies WHERE study_uid = ? OR substr(study_uid, 1, ?) = ?",
            [key, len(key), key])]
        if key in matches:
            return key
        if len(matches) != 1:
            problem = "no study" if not matches else f"{len(matches)} studies"
            raise StoreError(f"{problem} in the store with UID {key!r}")
        return matches[0]

    def files(self, study_uid: str | None = None, series_uid: str | None = None) -> list[Path]:
        """Paths of the stored instances of a study or series (or all), in instance order."""
        sql = ("SELECT i.path FROM instances i JOIN series se ON se.series_uid = i.series_uid "
               "WHERE (? IS NULL OR se.study_uid = ?) AND (? IS NULL OR i.series_uid = ?) "
               "ORDER BY se.series_number, i.series_uid, i.instance_number, i.sop_uid")
        rows = self._query(sql, [study_uid, study_uid, series_uid, series_uid])
        return [self.root / row[0] for row in rows]

    def disk_usage(self, study_uid: str | None = None) -> int:
        """Bytes of the stored files of one study (of the whole store with ``None``)."""
        rows = self._query("SELECT COALESCE(SUM(i.size), 0) FROM instances i "
                           "JOIN series se ON se.series_uid = i.series_uid WHERE ? IS NULL OR se.study_uid = ?",
                           [study_uid, study_uid])
        return int(rows[0][0])

    def instance_count(self) -> int:
        """How many instances the store holds."""
        return int(self._query("SELECT COUNT(*) FROM instances")[0][0])

    def free_bytes(self) -> int | None:
        """Free space on the store's file system, in bytes (``None`` when it cannot be told)."""
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return None

    # ----------------------------------------------------------------- removing
    def delete_study(self, study_uid: str) -> int:
        """Delete a study's files and index rows; return the bytes freed.

        The study's folder is first renamed out of ``files/`` in one step, then
        its rows go in one transaction, then the renamed folder is removed. A
        crash at any moment leaves the whole study or none of it: rows whose
        files were moved away are dropped by the next reconciliation, which also
        removes a renamed folder left behind.

        Raises
        ------
        StoreError
            No such study, or its files cannot be removed.
        """
        study_uid = self.find_study(study_uid)
        freed = self.disk_usage(study_uid)
        paths = self.files(study_uid)
        folder = self.files_dir / _file_name(study_uid)
        doomed = self.root / f"{DELETED_PREFIX}{uuid.uuid4().hex}"
        try:
            if folder.is_dir():
                os.replace(folder, doomed)
            for path in paths:  # any file kept outside the study's folder
                path.unlink(missing_ok=True)
        except OSError as e:
            raise StoreError(f"cannot delete the study's files in {folder}: {e.strerror or e}") from e
        with self._transaction() as db:
            db.execute("DELETE FROM instances WHERE series_uid IN "
                       "(SELECT series_uid FROM series WHERE study_uid = ?)", (study_uid,))
            db.execute("DELETE FROM series WHERE study_uid = ?", (study_uid,))
            db.execute("DELETE FROM studies WHERE study_uid = ?", (study_uid,))
            _prune_patients(db)
        shutil.rmtree(doomed, ignore_errors=True)
        log.info("deleted study %s (%d bytes)", study_uid, freed)
        return freed

    # ----------------------------------------------------------------- reconciling
    def reconcile(self) -> ReconcileReport:
        """Make the index and the folder agree again after a crash.

        Returns
        -------
        ReconcileReport
            Files indexed, rows dropped, staged instances placed, temporaries removed.
        """
        outcome = ReconcileReport()
        with self._sole_user() as sole:
            now = time.time()

            def leftover(path: Path) -> bool:
                if sole:
                    return True
                with contextlib.suppress(OSError):
                    return fcntl is None and now - path.stat().st_mtime > STALE_SECONDS
                return False

            for doomed in self.root.glob(f"{DELETED_PREFIX}*"):
                # Its rows are dropped below (their files are gone from files/), or were already.
                shutil.rmtree(doomed, ignore_errors=True)
                outcome.removed_partials += 1
            on_disk: set[str] = set()
            for folder, _, names in os.walk(self.files_dir):
                for name in names:
                    path = Path(folder) / name
                    if _is_partial(name):
                        if leftover(path):
                            path.unlink(missing_ok=True)
                            outcome.removed_partials += 1
                    elif name.endswith(".dcm"):
                        on_disk.add(path.relative_to(self.root).as_posix())
            indexed = dict(self._query("SELECT path, sop_uid FROM instances"))
            gone = [indexed[p] for p in indexed.keys() - on_disk]
            if gone:
                with self._transaction() as db:
                    db.executemany("DELETE FROM instances WHERE sop_uid = ?", [(sop,) for sop in gone])
                    _prune_series_studies(db)
                outcome.dropped = len(gone)
            for relative in sorted(on_disk - indexed.keys()):
                path = self.root / relative
                try:
                    record = read_header(Source(str(path)))
                except NotDicomError:
                    outcome.unreadable.append(relative)
                    continue
                keys = self._keys(record, lambda p=path: hashlib.sha256(p.read_bytes()).hexdigest())
                existing = self.path_of(keys[2])
                if existing is not None and existing != path and existing.is_file():
                    if content_digest(existing) == content_digest(path):
                        path.unlink(missing_ok=True)  # a second copy of an instance already held
                    else:
                        self._keep_conflict(path, keys[2])  # other content under a UID already held
                        outcome.set_apart += 1
                    continue
                self._index(record, keys, path)
                outcome.indexed += 1
            for path in sorted(self.incoming_dir.iterdir()):  # staged: placed, set apart or dropped as duplicates
                if not leftover(path):
                    continue
                if _is_partial(path.name) or not path.name.endswith(".dcm"):
                    path.unlink(missing_ok=True)
                    outcome.removed_partials += 1
                    continue
                try:
                    self._place_staged(path)
                except MalformedInstanceError:
                    outcome.unreadable.append(path.relative_to(self.root).as_posix())
                except StoreError as e:
                    log.warning("a staged instance could not be placed: %s", e)
                    continue
                else:
                    outcome.placed += 1
                path.unlink(missing_ok=True)
            with self._transaction() as db:
                _prune_series_studies(db)  # no study or series is listed without instances
        if outcome.changed:
            log.info("store reconciled: %d indexed, %d dropped, %d placed, %d set apart, "
                     "%d temporary files removed", outcome.indexed, outcome.dropped, outcome.placed,
                     outcome.set_apart, outcome.removed_partials)
        return outcome


def _prune_series_studies(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM series WHERE series_uid NOT IN (SELECT series_uid FROM instances)")
    db.execute("DELETE FROM studies WHERE study_uid NOT IN (SELECT study_uid FROM series)")
    _prune_patients(db)


def _prune_patients(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM patients WHERE patient_key NOT IN (SELECT patient_key FROM studies)")

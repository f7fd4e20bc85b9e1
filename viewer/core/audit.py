"""The audit log: who opened, analysed, exported, sent or received which study, and when.

An append-only file of JSON lines, ``audit.jsonl`` in the per-user data folder
(:func:`~viewer.core.files.user_data_dir`; ``OUTPOST_DATA_DIR`` overrides it).
Each line is one entry::

    {"time": "2026-11-25T16:40:02.113+00:00", "user": "jdoe", "host": "ws-3", "pid": 4242,
     "version": "0.1.0", "event": "open", "details": {"study_uid": "1.2...", "series_uid": "1.2...",
     "modality": "CT", "instances": 20, "outcome": "ok"}}

Events: ``open`` (a series loaded), ``ai-run``, ``explain``, ``export``,
``send``, ``retrieve`` and ``receive`` (one entry per association), ``worklist``
(the reader marked a batch's series read, agreed or disagreed: its UIDs and the mark),
``calibrate`` (a site threshold saved for a pack version: its checksum, the threshold, what it
achieved, the batch).

What the audit promises:

- **Append only.** The file is opened with ``O_APPEND`` (never truncated,
  never rewritten); each entry is one ``write()`` of one line under an
  exclusive ``flock``, then ``fsync``, so entries of concurrent processes never
  interleave and an entry that was reported written survives a power cut.
- **Owner only.** The file is created ``0600`` in a folder created ``0700``.
- **Crash tolerant.** A crash mid-write can leave a torn last line; readers
  skip lines that are not whole entries, and the next writer starts a fresh
  line rather than appending to the torn one.
- **Not itself a leak.** Studies are named by their UIDs, modality and counts,
  never by patient names, IDs, dates or descriptions.
- **Never in the user's way.** A failure to write (disk full, read-only
  folder) does not stop the action being audited: it is logged (the file's
  path and the OS error, no patient data), counted, and shown by ``outpost
  audit`` and the viewer's audit dialog (:func:`write_failures`). A clinic
  that must refuse to work without an audit trail needs a different policy;
  this one favours not losing a reader's work.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from viewer.core.files import user_data_dir
from viewer.core.text import one_line

if TYPE_CHECKING:
    from viewer.core.dicom.scan import Series

P = ParamSpec("P")
R = TypeVar("R")


class _Node(Protocol):
    """A PACS node (:class:`viewer.pacs.nodes.Node`) as the audit sees it."""

    def describe(self) -> str: ...


class _Retrieved(Protocol):
    """A :class:`viewer.pacs.dimse.RetrieveResult` as the audit sees it."""

    @property
    def instances(self) -> Sized: ...
    @property
    def added(self) -> int: ...
    @property
    def failed(self) -> int: ...


class _Sent(Protocol):
    """A :class:`viewer.pacs.dimse.SendResult` as the audit sees it."""

    @property
    def sent(self) -> int: ...
    @property
    def failed(self) -> Sized: ...


class _Instance(Protocol):
    """An instance record (:class:`viewer.core.dicom.headers.InstanceRecord`) as the audit sees it."""

    @property
    def study_uid(self) -> str: ...

try:  # POSIX; on Windows O_APPEND writes of one line are serialised by the OS alone
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

AUDIT_FILE_NAME = "audit.jsonl"
#: The events Outpost records.
EVENTS = ("open", "ai-run", "explain", "export", "send", "retrieve", "receive", "worklist", "calibrate")

_failures = 0
_last_failure = ""
_failure_lock = threading.Lock()


def audit_path() -> Path:
    """Where the audit log lives: ``audit.jsonl`` in the per-user data folder."""
    return user_data_dir() / AUDIT_FILE_NAME


def _user() -> str:
    import getpass  # here, not at the top: nothing at start-up needs it

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment nor in the password database
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def user_name() -> str:
    """The login name the audit records as ``user`` (also who marked a worklist's series)."""
    return _user()


def _host() -> str:
    import platform  # 2 ms to import: not before the window shows

    return platform.node()


def _version() -> str:
    from viewer import __version__

    return __version__


def _entry(event: str, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "time": dt.datetime.now().astimezone().isoformat(timespec="milliseconds"),
        "user": _user(),
        "host": _host(),
        "pid": os.getpid(),
        "version": _version(),
        "event": event,
        "details": details,
    }


def _append(path: Path, line: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Read-write only to look at the last byte (a torn line); every write appends.
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released by close; other processes wait for our line
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)  # a file made by hand, or copied in, becomes owner-only again
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # a crash tore the last line: do not glue this entry onto it
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"only {written} of {len(line)} bytes written")
        os.fsync(fd)
    finally:
        os.close(fd)


def record(event: str, **details: Any) -> bool:
    """Append one entry to the audit log.

    Parameters
    ----------
    event
        One of :data:`EVENTS`.
    **details
        What happened, JSON-serialisable (other values are written as ``str``).
        Name studies by UID, modality and counts, never by patient name or ID.

    Returns
    -------
    bool
        Whether the entry was written. A failure is logged and counted
        (:func:`write_failures`), never raised: the audited action goes on.
    """
    global _failures, _last_failure
    path = audit_path()
    line = (json.dumps(_entry(event, details), ensure_ascii=False, default=str) + "\n").encode("utf-8")
    try:
        _append(path, line)
    except OSError as e:
        reason = e.strerror or str(e)
        with _failure_lock:
            _failures += 1
            _last_failure = f"{path}: {reason}"
        log.error("the audit log %s could not be written (%s); the %s entry is lost", path, reason, event)
        return False
    return True


def write_failures() -> tuple[int, str]:
    """Entries this process could not write, and the last reason (``(0, "")`` when none)."""
    with _failure_lock:
        return _failures, _last_failure


@dataclass
class AuditReading:
    """Entries read from the audit log.

    Attributes
    ----------
    entries
        Matching entries, oldest first.
    skipped
        Lines that are not whole entries (e.g. one torn by a crash mid-write).
    path
        The file read.
    """

    entries: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    path: Path | None = None


def _matches(entry: dict[str, Any], event: str | None, text: str | None) -> bool:
    if event and entry.get("event") != event:
        return False
    return not text or text.lower() in json.dumps(entry, ensure_ascii=False).lower()


def read_entries(path: str | os.PathLike[str] | None = None, *, event: str | None = None, text: str | None = None,
                 last: int | None = None) -> AuditReading:
    """Read the audit log, tolerating a torn last line.

    Parameters
    ----------
    path
        The file (default :func:`audit_path`); a missing file reads as empty.
    event
        Only entries of this event.
    text
        Only entries whose JSON contains this text (case-insensitive).
    last
        Only the newest ``last`` matching entries.

    Returns
    -------
    AuditReading
    """
    path = Path(path) if path is not None else audit_path()
    reading = AuditReading(path=path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return reading
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except ValueError:  # UnicodeDecodeError and JSONDecodeError both derive from it
            reading.skipped += 1
            continue
        if not isinstance(entry, dict) or "event" not in entry:
            reading.skipped += 1
        elif _matches(entry, event, text):
            reading.entries.append(entry)
    if last is not None:
        reading.entries = reading.entries[-last:] if last > 0 else []
    return reading


def series_details(series: Series) -> dict[str, Any]:
    """How the audit names a scanned series: UIDs, modality and counts, no patient data.

    Parameters
    ----------
    series
        A :class:`~viewer.core.dicom.scan.Series`.
    """
    first = series.first
    return {"series_key": series.key, "study_uid": first.study_uid, "series_uid": first.series_uid,
            "modality": series.modality,
            "instances": len(series.instances), "frames": len(series.frames)}


def outcome_of(error: BaseException | None) -> str:
    """``ok``, ``cancelled`` or ``failed: <one line>`` for an action that ended with ``error``.

    The messages of Outpost's errors name files and values, not patients. A message is kept
    whole, its line breaks escaped: cut at the first one, a file named ``a<newline>b`` would be
    recorded as ``a``.
    """
    from viewer.core.errors import Cancelled

    if error is None:
        return "ok"
    if isinstance(error, Cancelled):
        return "cancelled"
    message = one_line(str(error).strip())
    return f"failed: {type(error).__name__}" + (f": {message}" if message else "")


def audited(event: str, details: Callable[..., dict[str, Any]],
            result_details: Callable[[Any], dict[str, Any]] | None = None
            ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so that each call records ``event`` with its outcome.

    Parameters
    ----------
    event
        One of :data:`EVENTS`.
    details
        Called with the function's arguments after the call; returns the
        entry's details. It must not iterate an iterator argument (the call used it up).
    result_details
        Called with the return value of a call that succeeded; adds details (e.g. a count).

    Examples
    --------
    >>> @audited("open", lambda loader, *args, **kwargs: series_details(loader.series))  # doctest: +SKIP
    ... def load(self, progress=None): ...
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            error: BaseException | None = None
            extra: dict[str, Any] = {}
            try:
                value = function(*args, **kwargs)
                extra = result_details(value) if result_details is not None else {}
                return value
            except BaseException as e:
                error = e
                raise
            finally:
                record(event, **details(*args, **kwargs), **extra, outcome=outcome_of(error))

        return wrapper

    return decorate


def export_details(kind: str, anonymised: bool, destination: int, name: str) -> Callable[..., dict[str, Any]]:
    """Details of an export function whose destination is argument ``destination`` (keyword ``name``).

    ``anonymised``: whether what is written carries no patient identifiers
    (an anonymised copy; NIfTI, which has no DICOM header).
    """

    def details(*args: Any, **kwargs: Any) -> dict[str, Any]:
        where = args[destination] if len(args) > destination else kwargs.get(name)
        return {"kind": kind, "destination": str(where), "anonymised": anonymised}

    return details


def count_written(value: Any) -> dict[str, Any]:
    """``{"count": n}`` for a function that returns the files it wrote (one path counts as one)."""
    return {"count": len(value) if isinstance(value, list | tuple) else 1}


def retrieve_details(protocol: str, node: _Node, study_uid: str, series_uid: str | None,
                     result: _Retrieved) -> dict[str, Any]:
    """How the audit describes a retrieve (C-GET, C-MOVE, WADO-RS): UIDs and counts, no patient data.

    ``node`` is a :class:`viewer.pacs.nodes.Node` (its description leaves out
    credentials) and ``result`` a :class:`viewer.pacs.dimse.RetrieveResult`.
    """
    return {"protocol": protocol, "node": node.describe(), "study_uid": study_uid, "series_uid": series_uid,
            "instances": len(result.instances), "new": result.added, "failed": result.failed}


def send_details(protocol: str, node: _Node, records: Iterable[_Instance], result: _Sent) -> dict[str, Any]:
    """How the audit describes a send (C-STORE, STOW-RS) of instance ``records``: UIDs and counts."""
    return {"protocol": protocol, "node": node.describe(), "sent": result.sent, "failed": len(result.failed),
            "study_uids": sorted({r.study_uid for r in records if r.study_uid})}


class TransferTally:
    """Counts the instances of each transfer (an association) and records one entry when it ends.

    A receiver sees instances one by one on several associations at once;
    one entry per instance would flood the audit, one per association says
    who sent how much of which studies.

    Parameters
    ----------
    event
        The event to record (``receive``).
    **common
        Details shared by every entry (e.g. the receiver's AE title).
    """

    def __init__(self, event: str, **common: Any) -> None:
        self.event, self.common = event, common
        self._open: dict[Hashable, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def add(self, key: Hashable, study_uid: str | None, **first: Any) -> None:
        """Count one instance of transfer ``key`` (``study_uid`` ``None``: it was rejected).

        ``first`` holds details taken from the transfer's first instance
        (e.g. the calling AE title).
        """
        with self._lock:
            tally = self._open.setdefault(key, {**first, "instances": 0, "rejected": 0, "study_uids": set()})
            if study_uid is None:
                tally["rejected"] += 1
            else:
                tally["instances"] += 1
                tally["study_uids"].add(study_uid)

    def close(self, key: Hashable) -> None:
        """Record transfer ``key``'s entry, if it carried any instance."""
        with self._lock:
            tally = self._open.pop(key, None)
        if tally is not None:
            tally["study_uids"] = sorted(tally["study_uids"])
            record(self.event, **self.common, **tally)

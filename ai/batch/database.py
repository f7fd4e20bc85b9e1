"""A batch's results: one SQLite database in the batch folder, one row per series; no Qt.

The database is written by one process, the one that runs the batch (``outpost batch run``),
and read by the worklist and the reports; each change is a transaction, so a crash leaves it as
it was before the change. A batch belongs to one pack: the pack's name, version and checksum are
recorded when the batch starts, and a batch folder refuses another checksum (a new version of a
pack scores differently; its results go into a new batch).

Patient names and IDs are never stored: a series is named by its UIDs, with where it came from
(``source``: a path, the local store, or a PACS node).

Statuses: ``pending`` (to run), ``running`` (started; after an interruption it runs again),
``done``, ``failed`` (retried by the next run) and ``unsuitable`` (the pack's suitability rules
turned it away, with the reason; not retried).
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from viewer.core.errors import OutpostError
from viewer.core.sqlite import write_transaction

#: The database's file name inside the batch folder.
DATABASE_FILE = "batch.sqlite3"
#: Raised when the schema changes meaning (``PRAGMA user_version``).
SCHEMA_VERSION = 1
PENDING, RUNNING, DONE, FAILED, UNSUITABLE = "pending", "running", "done", "failed", "unsuitable"
STATUSES = (PENDING, RUNNING, DONE, FAILED, UNSUITABLE)
#: The reader's opinion of a result.
AGREE, DISAGREE = "agree", "disagree"
#: How :meth:`BatchDatabase.rows` may sort.
SORTS = ("score", "date", "status")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (
    series_uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL DEFAULT '',
    study_date TEXT NOT NULL DEFAULT '',
    modality TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '{PENDING}' CHECK (status IN {STATUSES}),
    reason TEXT NOT NULL DEFAULT '',
    score REAL,
    scores TEXT NOT NULL DEFAULT '{{}}',
    volumes TEXT NOT NULL DEFAULT '{{}}',
    result_dir TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL DEFAULT '',
    finished TEXT NOT NULL DEFAULT '',
    seconds REAL,
    device TEXT NOT NULL DEFAULT '',
    worker TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    read INTEGER NOT NULL DEFAULT 0,
    opinion TEXT NOT NULL DEFAULT '' CHECK (opinion IN ('', '{AGREE}', '{DISAGREE}')),
    marked_by TEXT NOT NULL DEFAULT '',
    marked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS series_status ON series (status);
"""


class BatchError(OutpostError):
    """The batch folder or its database cannot be used as asked."""


@dataclass
class SeriesEntry:
    """A series found for a batch, before it runs.

    Attributes
    ----------
    series_uid, study_uid
        Its UIDs (the series UID names it in the batch).
    study_date, modality, description
        From its headers (the date as ``YYYYMMDD``, maybe empty).
    source
        Where it came from: ``path:<folder>``, ``store:<study UID>`` or ``pacs:<node>``.
    status, reason
        :data:`PENDING`, or :data:`UNSUITABLE` with the reason.
    """

    series_uid: str
    study_uid: str = ""
    study_date: str = ""
    modality: str = ""
    description: str = ""
    source: str = ""
    status: str = PENDING
    reason: str = ""


@dataclass
class SeriesRow(SeriesEntry):
    """A series of the batch as the database holds it (:class:`SeriesEntry`, and what the run gave).

    Attributes
    ----------
    score
        The probability of the pack's positive class, or the volume (mL) a segmentation is ranked
        by; ``None`` until done.
    scores, volumes
        Every class's probability; every label's volume in mL.
    result_dir
        The series' result files, relative to the batch folder (``result.json``, SEG, heatmap).
    started, finished, seconds, device, worker, attempts
        When and where it ran, and how many times it was started.
    read, opinion, marked_by, marked_at
        The reader's marks: read or not, :data:`AGREE` or :data:`DISAGREE` (or ``""``), by whom, when.
    """

    score: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    volumes: dict[str, float] = field(default_factory=dict)
    result_dir: str = ""
    started: str = ""
    finished: str = ""
    seconds: float | None = None
    device: str = ""
    worker: str = ""
    attempts: int = 0
    read: bool = False
    opinion: str = ""
    marked_by: str = ""
    marked_at: str = ""


_COLUMNS = [f.name for f in fields(SeriesRow)]
_JSON_COLUMNS = ("scores", "volumes")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class BatchDatabase:
    """The results database of the batch folder ``folder`` (created with the folder when missing).

    Parameters
    ----------
    folder
        The batch folder; the database is ``folder / DATABASE_FILE``.
    create
        Create the folder and the database when missing; ``False``: a missing batch is an error.

    Raises
    ------
    BatchError
        The folder holds no batch (``create=False``), the file is not a batch database, or its
        schema is newer than this Outpost's.
    """

    def __init__(self, folder: str | Path, create: bool = True) -> None:
        self.folder = Path(folder)
        self.path = self.folder / DATABASE_FILE
        if not self.path.is_file():
            if not create:
                raise BatchError(f"no batch in {self.folder} (no {DATABASE_FILE})")
            self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise BatchError(f"{self.path} was written by a newer Outpost (schema {version})")
            self._db.execute("PRAGMA journal_mode=WAL")
            if version < SCHEMA_VERSION:
                self._db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        except sqlite3.DatabaseError as e:
            raise BatchError(f"{self.path} is not a batch database ({e})") from None

    # ------------------------------------------------------------------ life
    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> BatchDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One change, all or nothing (``BEGIN IMMEDIATE``: one writer at a time)."""
        with write_transaction(self._db) as db:
            yield db

    # ------------------------------------------------------------------ the pack
    def meta(self) -> dict[str, str]:
        """What the batch records of itself: ``pack``, ``version``, ``checksum``, ``created``, ..."""
        return {row["key"]: row["value"] for row in self._db.execute("SELECT key, value FROM meta")}

    def set_meta(self, **values: Any) -> None:
        """Record ``values`` (as text) in the batch's own facts."""
        with self._transaction() as db:
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           [(key, str(value)) for key, value in values.items()])

    def bind_pack(self, name: str, version: str, checksum: str) -> None:
        """Record the pack of a new batch, or check that an existing batch was made with this one.

        Raises
        ------
        BatchError
            The batch was made with another pack or another version of it (another checksum).
        """
        recorded = self.meta()
        if "checksum" in recorded and recorded["checksum"] != checksum:
            raise BatchError(f"{self.folder} holds a batch of {recorded.get('pack', '?')} "
                             f"{recorded.get('version', '')} (checksum {recorded['checksum'][:12]}), "
                             f"not of {name} {version} (checksum {checksum[:12]}): use another folder")
        if "checksum" not in recorded:
            self.set_meta(pack=name, version=version, checksum=checksum, created=_now())

    # ------------------------------------------------------------------ series
    def add(self, entries: Iterable[SeriesEntry]) -> int:
        """Add series not in the batch yet (those already there keep their rows); returns how many were new."""
        added = 0
        with self._transaction() as db:
            for entry in entries:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO series (series_uid, study_uid, study_date, modality, description, "
                    "source, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (entry.series_uid, entry.study_uid, entry.study_date, entry.modality, entry.description,
                     entry.source, entry.status, entry.reason))
                added += cursor.rowcount
        return added

    def todo(self) -> list[SeriesRow]:
        """The series still to run: pending, failed (retried) and running (interrupted), oldest study first."""
        return self._select(f"status IN ('{PENDING}', '{FAILED}', '{RUNNING}')", (), "study_date, series_uid")

    def start(self, series_uid: str, worker: str = "") -> None:
        """Mark ``series_uid`` as running on ``worker`` (one more attempt)."""
        with self._transaction() as db:
            db.execute("UPDATE series SET status = ?, worker = ?, started = ?, attempts = attempts + 1 "
                       "WHERE series_uid = ?", (RUNNING, worker, _now(), series_uid))

    def finish(self, series_uid: str, status: str, *, reason: str = "", score: float | None = None,
               scores: dict[str, float] | None = None, volumes: dict[str, float] | None = None,
               result_dir: str = "", seconds: float | None = None, device: str = "", worker: str = "") -> None:
        """Record how ``series_uid`` ended: :data:`DONE`, :data:`FAILED` or :data:`UNSUITABLE`.

        :data:`DONE` comes with its results, :data:`FAILED` and :data:`UNSUITABLE` with the reason. A series
        already done stays done (a task that ran twice on a cluster is counted once).
        """
        if status not in (DONE, FAILED, UNSUITABLE):
            raise ValueError(f"a series ends {DONE}, {FAILED} or {UNSUITABLE}, not {status!r}")
        with self._transaction() as db:
            db.execute(
                "UPDATE series SET status = ?, reason = ?, score = ?, scores = ?, volumes = ?, result_dir = ?, "
                "finished = ?, seconds = ?, device = ?, worker = CASE WHEN ? = '' THEN worker ELSE ? END "
                f"WHERE series_uid = ? AND status != '{DONE}'",
                (status, reason, score, json.dumps(scores or {}), json.dumps(volumes or {}), result_dir, _now(),
                 seconds, device, worker, worker, series_uid))

    def counts(self) -> dict[str, int]:
        """How many series have each status (every status listed, 0 included)."""
        counted = dict(self._db.execute("SELECT status, COUNT(*) FROM series GROUP BY status").fetchall())
        return {status: int(counted.get(status, 0)) for status in STATUSES}

    def row(self, series_uid: str) -> SeriesRow | None:
        """The row of ``series_uid``, or ``None``."""
        found = self._select("series_uid = ?", (series_uid,), "series_uid")
        return found[0] if found else None

    def rows(self, *, status: str | None = None, flagged: bool | None = None, threshold: float | None = None,
             since: str = "", until: str = "", sort: str = "score") -> list[SeriesRow]:
        """The batch's series, filtered and sorted (``score``: highest first, unscored last).

        Parameters
        ----------
        status
            Only this status.
        flagged, threshold
            Only those scored at or above ``threshold`` (``flagged=True``) or below it (``False``).
        since, until
            Only studies dated in this range (``YYYYMMDD``, inclusive).
        sort
            One of :data:`SORTS`.
        """
        if sort not in SORTS:
            raise ValueError(f"sort by one of {SORTS}, not {sort!r}")
        where: list[str] = ["1"]
        values: list[str | float] = []
        if status is not None:
            where.append("status = ?")
            values.append(status)
        if flagged is not None:
            if threshold is None:
                raise ValueError("flagged needs the threshold")
            where.append("score >= ?" if flagged else "(score < ? OR score IS NULL)")
            values.append(float(threshold))
        if since:
            where.append("study_date >= ?")
            values.append(since)
        if until:
            where.append("study_date <= ?")
            values.append(until)
        order = {"score": "score IS NULL, score DESC, series_uid", "date": "study_date DESC, series_uid",
                 "status": "status, series_uid"}[sort]
        return self._select(" AND ".join(where), tuple(values), order)

    def mark(self, series_uid: str, *, reader: str, read: bool | None = None, opinion: str | None = None) -> None:
        """Record the reader's marks on ``series_uid``: read or not, and :data:`AGREE`/:data:`DISAGREE`/``""``.

        Raises
        ------
        BatchError
            No such series in the batch.
        """
        if opinion not in (None, "", AGREE, DISAGREE):
            raise ValueError(f"an opinion is {AGREE!r}, {DISAGREE!r} or '', not {opinion!r}")
        with self._transaction() as db:
            current = db.execute("SELECT read, opinion FROM series WHERE series_uid = ?", (series_uid,)).fetchone()
            if current is None:
                raise BatchError(f"no series {series_uid} in this batch")
            db.execute("UPDATE series SET read = ?, opinion = ?, marked_by = ?, marked_at = ? "
                       "WHERE series_uid = ?",
                       (int(current["read"] if read is None else read),
                        current["opinion"] if opinion is None else opinion, reader, _now(), series_uid))

    def _select(self, where: str, values: tuple[str | float, ...], order: str) -> list[SeriesRow]:
        rows = []
        for record in self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM series WHERE {where} ORDER BY {order}",
                                       values):
            data = dict(record)
            for column in _JSON_COLUMNS:
                data[column] = json.loads(data[column] or "{}")
            data["read"] = bool(data["read"])
            rows.append(SeriesRow(**data))
        return rows

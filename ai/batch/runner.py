"""Running a batch: the pack bound to the batch folder, the series added, what is left run. No Qt.

Each outcome is recorded as it arrives.

Idempotent and resumable: the database says what is done (skipped), what failed (retried) and what
was running when a run stopped (run again); a series' outcome is recorded once. Ctrl+C (or the
``cancel`` token) stops the batch cleanly: no new series starts, the running ones stop, and what
finished is kept; the next run goes on from there.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai.batch.database import DONE, FAILED, UNSUITABLE, BatchDatabase
from ai.batch.inputs import FoundSeries
from ai.batch.tasks import SeriesOutcome, SeriesTask, positive_classes, screening_threshold
from viewer.core.tasks import CancelToken

if TYPE_CHECKING:
    from types import FrameType

    from ai.batch.executors import Executor
    from ai.packs.pack import Pack

#: The batch folder's sub-folder of per-series results: ``results/<series UID>/``.
RESULTS_FOLDER = "results"
#: Version of :meth:`BatchSummary.as_json`.
RUN_JSON_VERSION = 1


def result_folder_name(series_uid: str) -> str:
    """The folder name of a series' results (its UID; any other character than ``0-9A-Za-z.-_`` replaced)."""
    return re.sub(r"[^0-9A-Za-z._-]", "_", series_uid)[:128] or "_"


@dataclass
class BatchSummary:
    """What a run of the batch did.

    Attributes
    ----------
    folder
        The batch folder.
    pack, version, checksum
        The batch's pack.
    found, added
        How many series the inputs held; how many of them were new to the batch.
    ran
        How many outcomes this run recorded.
    counts
        How many series of the batch have each status now.
    missing
        Series still to run that the inputs of this run did not hold (they stay to run).
    unreadable
        ``(file, reason)`` of the inputs' files that are not images.
    cancelled
        Whether the run was stopped before the end.
    seconds
        How long the run took.
    """

    folder: Path
    pack: str
    version: str
    checksum: str
    found: int = 0
    added: int = 0
    ran: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    missing: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def rate_per_minute(self) -> float | None:
        """Series run per minute in this run."""
        return self.ran * 60.0 / self.seconds if self.ran and self.seconds > 0 else None

    def lines(self) -> list[str]:
        """The summary as lines for a terminal (file names escaped)."""
        from viewer.core.text import printable

        counts = ", ".join(f"{count} {status}" for status, count in self.counts.items() if count)
        rate = f" ({self.rate_per_minute:.1f}/min)" if self.rate_per_minute else ""
        lines = [f"{self.pack} {self.version}: ran {self.ran} series in {self.seconds:.1f} s{rate}; "
                 f"batch: {counts or 'empty'}"]
        if self.cancelled:
            lines.append("stopped: run the same command again to go on")
        if self.missing:
            lines.append(f"{self.missing} series of the batch still to run were not among these inputs")
        for path, reason in self.unreadable:
            lines.append(f"unreadable: {printable(path)}: {printable(reason)}")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The summary as the ``outpost batch run --json`` document (``version`` :data:`RUN_JSON_VERSION`)."""
        return {"version": RUN_JSON_VERSION, "folder": str(self.folder), "pack": self.pack,
                "pack_version": self.version, "checksum": self.checksum, "found": self.found, "added": self.added,
                "ran": self.ran, "counts": self.counts, "missing": self.missing,
                "unreadable": [{"path": path, "reason": reason} for path, reason in self.unreadable],
                "cancelled": self.cancelled, "seconds": round(self.seconds, 3),
                "rate_per_minute": self.rate_per_minute}


class _Rate:
    """Progress text: done/total, the rate per minute and the time left."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()

    def text(self) -> str:
        elapsed = time.monotonic() - self.started
        if not self.done or elapsed <= 0:
            return f"{self.done}/{self.total} series"
        rate = self.done * 60.0 / elapsed
        left = (self.total - self.done) * elapsed / self.done
        return f"{self.done}/{self.total} series, {rate:.1f}/min, {_duration(left)} left"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class _StopOnInterrupt:
    """While active on the main thread, Ctrl+C (SIGINT) sets ``cancel`` instead of raising.

    A second Ctrl+C raises as usual.
    """

    def __init__(self, cancel: CancelToken) -> None:
        self.cancel = cancel
        self.previous: Callable[[int, FrameType | None], Any] | int | None = None

    def __enter__(self) -> _StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.getsignal(signal.SIGINT)

            def interrupted(signum: int, frame: Any) -> None:
                if self.cancel.cancelled:
                    raise KeyboardInterrupt
                self.cancel.cancel()

            signal.signal(signal.SIGINT, interrupted)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def bind(db: BatchDatabase, pack: Pack) -> None:
    """Bind ``pack`` to the batch (refused when the batch is another pack's) and record how it screens."""
    db.bind_pack(pack.name, pack.version, pack.checksum)
    db.set_meta(task=pack.task, threshold=screening_threshold(pack),
                positive=json.dumps(positive_classes(pack) if pack.task == "classification" else []))


def run_batch(folder: str | Path, pack: Pack, entries: Sequence[FoundSeries], executor: Executor,
              explain: str | None = None, progress: Callable[[int, int, str], None] | None = None,
              cancel: CancelToken | None = None, unreadable: Sequence[tuple[str, str]] = (),
              device: str = "auto") -> BatchSummary:
    """Run ``pack`` on the series of ``entries`` not done yet in the batch ``folder``.

    Parameters
    ----------
    folder
        The batch folder (created when missing).
    pack
        The pack; a batch folder made with another pack (or version) refuses it.
    entries
        The series found (:mod:`ai.batch.inputs`); new ones are added to the batch, and every series
        of the batch still to run (pending, failed, interrupted) that they hold runs.
    executor
        Where the series run (:class:`~ai.batch.executors.LocalExecutor`, a Dask cluster).
    explain
        An attribution method to write a heatmap beside each result.
    progress
        Called as ``progress(done, total, text)`` after each series (text: the rate and the time left).
    cancel
        Stops the batch when set; Ctrl+C sets it too (on the main thread).
    unreadable
        The inputs' files that are not images, recorded in the batch for its report.
    device
        The device for the series (``auto``: the executor's choice).

    Returns
    -------
    BatchSummary

    Raises
    ------
    BatchError
        The folder holds another pack's batch, or is not a batch.
    """
    started = time.monotonic()
    folder = Path(folder).resolve()
    cancel = cancel if cancel is not None else CancelToken()
    with BatchDatabase(folder) as db:
        bind(db, pack)
        added = db.add(found.entry for found in entries)
        if unreadable:
            known = dict(json.loads(db.meta().get("unreadable", "[]")))
            known.update(dict(unreadable))
            db.set_meta(unreadable=json.dumps(sorted(known.items())))
        paths = {found.entry.series_uid: found.paths for found in entries}
        remote = {found.entry.series_uid: found.dicomweb_node for found in entries}
        todo = db.todo()
        pack_dir = str(Path(pack.root).resolve())
        tasks = [SeriesTask(series_uid=row.series_uid, study_uid=row.study_uid, paths=tuple(paths[row.series_uid]),
                            pack_dir=pack_dir, pack_checksum=pack.checksum,
                            out_dir=str(folder / RESULTS_FOLDER / result_folder_name(row.series_uid)),
                            explain=explain, device=device, dicomweb_node=remote[row.series_uid])
                 for row in todo if row.series_uid in paths]
        rate = _Rate(len(tasks))
        ran = 0

        def on_start(task: SeriesTask, worker: str) -> None:
            db.start(task.series_uid, worker)

        def on_outcome(outcome: SeriesOutcome) -> None:
            nonlocal ran
            result_dir = ""
            if outcome.status == DONE and outcome.result_dir:
                try:
                    result_dir = Path(outcome.result_dir).resolve().relative_to(folder).as_posix()
                except ValueError:
                    result_dir = outcome.result_dir
            status = outcome.status if outcome.status in (DONE, FAILED, UNSUITABLE) else FAILED
            db.finish(outcome.series_uid, status, reason=outcome.reason, score=outcome.score,
                      scores=outcome.scores, volumes=outcome.volumes, result_dir=result_dir,
                      seconds=outcome.seconds, device=outcome.device, worker=outcome.worker)
            ran += 1
            rate.done += 1
            if progress is not None:
                progress(rate.done, rate.total, rate.text())

        if tasks and not cancel.cancelled:
            with _StopOnInterrupt(cancel):
                executor.run(tasks, on_start, on_outcome, cancel)
        return BatchSummary(folder=folder, pack=pack.name, version=pack.version, checksum=pack.checksum,
                            found=len(entries), added=added, ran=ran, counts=db.counts(),
                            missing=len(todo) - len(tasks), unreadable=list(unreadable),
                            cancelled=cancel.cancelled, seconds=time.monotonic() - started)

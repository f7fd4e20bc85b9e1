"""One series of a batch: the task that travels to a worker, what it gives back, and the run itself. No Qt.

:class:`SeriesTask` is plain data (picklable: a Dask worker receives it), naming the series by its
files and the pack by its folder and checksum. :func:`process_series` reads the series, checks that
the pack suits it, runs the pack in the sandboxed AI worker process (:class:`~ai.isolation.IsolatedEngine`)
and writes the result files atomically (:func:`ai.results.save_result`); whatever goes wrong with
the series becomes a :class:`SeriesOutcome` saying why, never an exception, so that a batch goes on.

How a result ranks the worklist: :func:`score_of` (the probability of the pack's positive classes, or
a segmentation's total labelled volume in mL) against :func:`screening_threshold` (the pack's own
operating point, ``outpost.screening`` of its metadata).
"""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai.batch.database import DONE, FAILED, UNSUITABLE
from viewer.core.errors import Cancelled
from viewer.core.text import one_line

if TYPE_CHECKING:
    from ai.inference import Result
    from ai.isolation import IsolatedEngine
    from ai.packs.pack import Pack
    from viewer.core.dicom import Series
    from viewer.core.volume import Volume

#: Class names that say "nothing found": never the positive class by default (compared lower-case).
NEGATIVE_NAMES = frozenset({"normal", "negative", "no finding", "no_finding", "nofinding", "healthy",
                            "background", "none"})
#: The operating point of a classifier whose pack names none.
DEFAULT_THRESHOLD = 0.5
#: The operating point of a segmentation whose pack names none: any labelled volume (a cubic mm) is flagged.
DEFAULT_VOLUME_THRESHOLD_ML = 0.001


@dataclass(frozen=True)
class SeriesTask:
    """What a worker needs to run a pack on one series (plain data: it travels to Dask workers).

    Attributes
    ----------
    series_uid, study_uid
        The series' UIDs (the series UID names it in the batch).
    paths
        The series' files (or the folder or zip holding them; on a cluster, on a shared folder);
        empty when the worker fetches the series from :attr:`dicomweb_node`.
    pack_dir
        The pack's folder.
    pack_checksum
        The checksum the batch was made with: a pack that differs is refused.
    out_dir
        Where the result files go, absolute: ``BATCH/results/<series_uid>``.
    explain
        An attribution method (``gradcam``, ...) to write a heatmap too, or ``None``.
    device
        ``auto``, ``cpu``, ``cuda:0``, ...
    dicomweb_node
        The name of a PACS node in the worker's own settings to fetch the series from by WADO-RS
        (its password stays on the worker), or ``""``: the series is read from :attr:`paths`.
    """

    series_uid: str
    study_uid: str
    paths: tuple[str, ...]
    pack_dir: str
    pack_checksum: str
    out_dir: str
    explain: str | None = None
    device: str = "auto"
    dicomweb_node: str = ""


@dataclass
class SeriesOutcome:
    """How one series ended.

    Attributes
    ----------
    series_uid
        The series.
    status
        :data:`~ai.batch.database.DONE`, :data:`~ai.batch.database.FAILED` or
        :data:`~ai.batch.database.UNSUITABLE`.
    reason
        Why it failed or is unsuitable, one line (for a done series: a note, such as a heatmap not made).
    score
        :func:`score_of` the result.
    scores, volumes
        Every class's probability; every label's volume in mL.
    result_dir
        The result's folder as written (absolute); the runner stores it relative to the batch folder.
    seconds
        How long the series took, reading and writing included.
    device
        Where the model ran (``cpu``, ``cuda:0 (...)``).
    worker
        ``hostname:pid`` of the process that ran the model.
    """

    series_uid: str
    status: str
    reason: str = ""
    score: float | None = None
    scores: dict[str, float] = field(default_factory=dict)
    volumes: dict[str, float] = field(default_factory=dict)
    result_dir: str = ""
    seconds: float | None = None
    device: str = ""
    worker: str = ""


# --------------------------------------------------------------------------- screening
def class_names(pack: Pack) -> list[str]:
    """The pack's class names in output order."""
    names = pack.channel_names()
    return [names[index] for index in sorted(names)]


def positive_classes(pack: Pack) -> list[str]:
    """The classes whose probabilities add up to :func:`score_of` a classification.

    ``outpost.screening.positive`` (a class name or a list of them) when the pack names it; otherwise
    every class whose name is not one of :data:`NEGATIVE_NAMES` when exactly one is (a two-class
    classifier: the other class; normal against two kinds of pneumonia: both kinds), else the
    second class.
    """
    screening = pack.outpost.get("screening")
    named = screening.get("positive") if isinstance(screening, dict) else None
    if isinstance(named, str):
        return [named]
    if isinstance(named, list) and named:
        return [str(name) for name in named]
    names = class_names(pack)
    negative = [name for name in names if name.strip().lower() in NEGATIVE_NAMES]
    if len(negative) == 1 and len(names) > 1:
        return [name for name in names if name not in negative]
    return names[1:2] or names[:1]


def screening_threshold(pack: Pack) -> float:
    """The pack's own operating point: ``outpost.screening.threshold``, else the default for its task.

    The default is :data:`DEFAULT_THRESHOLD` for a classification (:data:`DEFAULT_VOLUME_THRESHOLD_ML`
    for a segmentation).

    A site's calibrated threshold (:mod:`ai.batch.calibration`) takes its place where one is saved.
    """
    screening = pack.outpost.get("screening")
    if isinstance(screening, dict) and screening.get("threshold") is not None:
        return float(screening["threshold"])
    return DEFAULT_THRESHOLD if pack.task == "classification" else DEFAULT_VOLUME_THRESHOLD_ML


def score_of(pack: Pack, result: Result | dict[str, Any]) -> float | None:
    """What ranks a result: its positive probability, or its labelled volume; ``None`` when it has neither.

    The probability of the pack's positive class (the sum over its :func:`positive_classes`) for a
    classification, the total labelled volume in mL for a segmentation.

    Parameters
    ----------
    pack
        The pack that produced the result.
    result
        An :class:`~ai.inference.Result`, or its summary (``result.json``).
    """
    probabilities = result.get("probabilities") if isinstance(result, dict) else result.probabilities
    volumes = result.get("volumes_ml") if isinstance(result, dict) else result.volumes_ml
    if probabilities:
        positive = [name for name in positive_classes(pack) if name in probabilities]
        if not positive:
            return None
        return float(min(1.0, sum(float(probabilities[name]) for name in positive)))
    if volumes:
        return float(sum(float(ml) for ml in volumes.values()))
    return 0.0 if (result.get("labels_shape_zyx") if isinstance(result, dict) else
                   getattr(result, "labels", None)) is not None else None


# --------------------------------------------------------------------------- running one series
def worker_name(pid: int | None = None) -> str:
    """``hostname:pid`` of this process (or of process ``pid`` on this machine)."""
    return f"{platform.node()}:{pid if pid is not None else os.getpid()}"


#: What :func:`_folder_fingerprint` returns: ``(relative path, size, mtime_ns)`` of each file.
_Fingerprint = tuple[tuple[str, int, int], ...]

#: Packs this process has read for a batch's tasks, by folder and checksum, with the fingerprint of the
#: folder's files they were read from (:func:`_folder_fingerprint`).
_task_packs: dict[tuple[str, str], tuple[_Fingerprint, Pack]] = {}
_task_packs_lock = threading.Lock()


def _folder_fingerprint(folder: Path) -> _Fingerprint:
    """The name, size and modification time of every file under ``folder``: what changes when a file does."""
    found: list[tuple[str, int, int]] = []
    for path in sorted(folder.rglob("*")):
        status = path.stat()
        if path.is_file():
            found.append((str(path.relative_to(folder)), status.st_size, status.st_mtime_ns))
    return tuple(found)


def load_task_pack(task: SeriesTask) -> Pack:
    """The pack of ``task``, read from its folder and checked against the batch's checksum.

    It is trusted (its TorchScript, if any, may load) only where the pack store trusts this very
    folder: bundled with Outpost, or trusted when the user installed it. A pack read for an earlier
    task of this process is used again while no file of its folder changed (size or modification
    time): reading and hashing it again costs 4 ms a series.

    Raises
    ------
    AIError
        The pack cannot be read, or its checksum is not the batch's.
    """
    folder = Path(task.pack_dir)
    key = (task.pack_dir, task.pack_checksum)
    try:
        fingerprint = _folder_fingerprint(folder)
    except OSError:
        fingerprint = None  # read_pack below says what is wrong with the folder
    with _task_packs_lock:
        kept = _task_packs.get(key)
    if kept is not None and fingerprint is not None and kept[0] == fingerprint:
        return kept[1]
    pack = _read_task_pack(task)
    if fingerprint is not None:
        with _task_packs_lock:
            _task_packs.clear()  # one batch's pack at a time
            _task_packs[key] = (fingerprint, pack)
    return pack


def _read_task_pack(task: SeriesTask) -> Pack:
    from ai.errors import AIError
    from ai.packs.pack import read_pack
    from ai.packs.store import PackStore

    pack = read_pack(task.pack_dir)
    if pack.checksum != task.pack_checksum:
        raise AIError(f"the pack in {task.pack_dir} is not the batch's (checksum {pack.checksum[:12]}, "
                      f"the batch's {task.pack_checksum[:12]})")
    if pack.executable:
        store = PackStore()
        folder = Path(task.pack_dir).resolve().parent
        for location, root in (("bundled", store.bundled_dir), ("user", store.user_dir)):
            if root.exists() and folder == root.resolve():
                pack.trusted = store.trusts(pack, location)
    return pack


def _find_series(task: SeriesTask, paths: Sequence[str]) -> tuple[Series | None, str]:
    """The scanned series of ``task`` in ``paths`` (``(series, "")``), or ``(None, why it cannot be read)``."""
    from ai.batch.inputs import series_uid_of
    from viewer.core.dicom import scan

    found = scan(list(paths))
    candidates = [s for s in found.series if series_uid_of(s) == task.series_uid]
    if candidates:
        return max(candidates, key=lambda s: len(s.frames)), ""
    if found.skipped:
        return None, f"unreadable: {found.skipped[0].reason}"
    return None, "no image of this series was found in its files"


def _fetch(task: SeriesTask) -> tuple[Path, list[str]]:
    """Fetch the task's series by WADO-RS from the node of that name in this worker's settings.

    Returns
    -------
    tuple
        The private temporary folder holding it (removed by :meth:`PreparedSeries.release`) and its files.
    """
    from viewer.pacs.dicomweb import retrieve
    from viewer.pacs.nodes import PacsSettings
    from viewer.pacs.store import LocalStore

    settings = PacsSettings()
    node = settings.resolve(task.dicomweb_node)
    folder = Path(tempfile.mkdtemp(prefix="outpost-batch-series-"))
    try:
        with LocalStore(folder / "series", reconcile=False) as store:
            retrieve(node, task.study_uid, task.series_uid, store=store, local=settings.local)
            files = [str(path) for path in store.files(task.study_uid, task.series_uid)]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder, files


@dataclass
class PreparedSeries:
    """A series read and found suitable, waiting for the model (:func:`prepare_series`).

    Attributes
    ----------
    task
        The task it was read for.
    pack
        The task's pack, checked against the batch's checksum.
    series
        The scanned series.
    volume
        The series loaded.
    seconds
        How long reading it took (fetching it included).
    fetched
        The temporary folder a series fetched from a PACS is in, or ``None``.
    """

    task: SeriesTask
    pack: Pack
    series: Series
    volume: Volume
    seconds: float
    fetched: Path | None = None

    def release(self) -> None:
        """Remove the fetched copy of the series, if any (after its result files are written)."""
        if self.fetched is not None:
            shutil.rmtree(self.fetched, ignore_errors=True)
            self.fetched = None


def _failed(task: SeriesTask, error: Exception) -> SeriesOutcome:
    return SeriesOutcome(task.series_uid, FAILED, reason=one_line(f"{type(error).__name__}: {error}"
                                                                  if not str(error) else str(error)))


def prepare_series(task: SeriesTask) -> PreparedSeries | SeriesOutcome:
    """Read the task's pack and series and check that the pack suits the series; never raises for the series.

    The first half of :func:`process_series`: a pool reads the next series while the model runs
    on this one (:class:`~ai.batch.executors.LocalExecutor`).

    Returns
    -------
    PreparedSeries or SeriesOutcome
        The series ready for the model, or its outcome already: :data:`~ai.batch.database.UNSUITABLE`
        with the suitability rule's reason, or :data:`~ai.batch.database.FAILED` (unreadable files,
        a pack that is not the batch's).
    """
    from ai.suitability import unsuitable_reason
    from viewer.core.dicom import load_series

    started = time.monotonic()
    fetched = None
    try:
        pack = load_task_pack(task)
        paths: Sequence[str] = task.paths
        if task.dicomweb_node:
            fetched, paths = _fetch(task)
        series, why = _find_series(task, paths)
        if series is None:
            outcome = SeriesOutcome(task.series_uid, FAILED, reason=why)
        else:
            volume = load_series(series)
            reason = unsuitable_reason(volume, pack)
            if not reason:
                return PreparedSeries(task, pack, series, volume, time.monotonic() - started, fetched)
            outcome = SeriesOutcome(task.series_uid, UNSUITABLE, reason=reason)
    except Exception as e:  # noqa: BLE001 - a problem of this series becomes its outcome, the batch goes on
        outcome = _failed(task, e)
    if fetched is not None:
        shutil.rmtree(fetched, ignore_errors=True)
    outcome.seconds, outcome.worker = time.monotonic() - started, worker_name()
    return outcome


def run_prepared(prepared: PreparedSeries, engine: IsolatedEngine) -> SeriesOutcome:
    """Run the pack on a prepared series in ``engine`` and write the result files; never raises for the series.

    The second half of :func:`process_series`; the outcome's seconds count both halves.

    Raises
    ------
    Cancelled
        The engine was closed while the model ran (the batch is stopping): no outcome, the series
        runs again next time.
    """
    started = time.monotonic()
    try:
        outcome = _run_model(prepared, engine)
    except Cancelled:
        raise
    except Exception as e:  # noqa: BLE001 - a problem of this series becomes its outcome, the batch goes on
        outcome = _failed(prepared.task, e)
    finally:
        prepared.release()
    outcome.seconds = prepared.seconds + time.monotonic() - started
    if not outcome.worker:
        outcome.worker = worker_name()
    return outcome


def process_series(task: SeriesTask, engine: IsolatedEngine | None = None) -> SeriesOutcome:
    """Run the task's pack on its series and write the result files; never raises for the series.

    :func:`prepare_series`, then :func:`run_prepared`.

    Parameters
    ----------
    task
        The series and the pack.
    engine
        The sandboxed AI worker to run in (a new one, closed afterwards, when ``None``; none is
        started for a series that cannot be read or does not suit the pack).

    Returns
    -------
    SeriesOutcome
        :data:`~ai.batch.database.DONE` with its scores, :data:`~ai.batch.database.UNSUITABLE`
        with the suitability rule's reason, or :data:`~ai.batch.database.FAILED` with the error
        (unreadable files, a pack that is not the batch's, a model failure, a worker crash).

    Raises
    ------
    Cancelled
        The engine was closed while the model ran (the batch is stopping): no outcome, the series
        runs again next time.
    """
    from ai.isolation import IsolatedEngine

    prepared = prepare_series(task)
    if isinstance(prepared, SeriesOutcome):
        return prepared
    if engine is not None:
        return run_prepared(prepared, engine)
    engine = IsolatedEngine()
    try:
        return run_prepared(prepared, engine)
    finally:
        prepared.release()  # already, unless starting the engine failed
        engine.close()


def _run_model(prepared: PreparedSeries, engine: IsolatedEngine) -> SeriesOutcome:
    from ai.results import save_result
    from ai.suitability import input_verdict
    from ai.workflow import pre_model_of

    task, pack, volume = prepared.task, prepared.pack, prepared.volume
    result = engine.run(volume, pack, device=task.device, pre_pack=pre_model_of(pack))
    pid = engine.pid
    note, heatmap = "", None
    if task.explain:
        try:
            heatmap = engine.explain(volume, pack, result, task.explain, device=task.device)
        except Cancelled:
            raise
        except Exception as e:  # noqa: BLE001 - the result stands without its heatmap
            note = one_line(f"no heatmap: {e}")
    result.provenance["input_check"] = input_verdict(volume, pack).provenance()
    out = Path(task.out_dir)
    summary = save_result(out, volume, prepared.series, pack, result, heatmap)
    if "seg_error" in summary["files"] and not note:
        note = one_line(f"no DICOM SEG: {summary['files']['seg_error']}")
    return SeriesOutcome(task.series_uid, DONE, reason=note, score=score_of(pack, result),
                         scores={str(k): float(v) for k, v in (result.probabilities or {}).items()},
                         volumes={str(k): float(v) for k, v in result.volumes_ml.items()},
                         result_dir=str(out), device=result.device,
                         worker=worker_name(pid) if pid else "")

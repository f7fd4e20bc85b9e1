"""Where a batch's series run: the :class:`Executor` protocol and the embedded default. No Qt.

:class:`LocalExecutor` is a pool of threads on this machine, each owning its own sandboxed AI
worker process (:class:`~ai.isolation.IsolatedEngine`), one per GPU when there are several.
``ai.batch.dask_executor.DaskExecutor`` runs the same tasks on a ``dask.distributed`` cluster.
Both call back on the thread that called :meth:`Executor.run`, so the caller (the runner, which
owns the batch database) never shares its connection between threads.
"""

from __future__ import annotations

import logging
import os
import platform
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from ai.batch.database import FAILED
from ai.batch.tasks import PreparedSeries, SeriesOutcome, SeriesTask, prepare_series, run_prepared
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken

log = logging.getLogger(__name__)

#: How often (seconds) the caller's thread looks at the cancel token while it waits.
POLL_S = 0.2


@runtime_checkable
class Executor(Protocol):
    """Runs :class:`~ai.batch.tasks.SeriesTask` s somewhere and reports back on the caller's thread.

    Attributes
    ----------
    workers
        How many series run at once.
    """

    workers: int

    def run(self, tasks: Sequence[SeriesTask], on_start: Callable[[SeriesTask, str], None],
            on_outcome: Callable[[SeriesOutcome], None], cancel: CancelToken) -> None:
        """Run ``tasks``; return when all are done or ``cancel`` is set.

        ``on_start(task, worker_name)`` and ``on_outcome(outcome)`` are called on the thread that
        called ``run``, each task's outcome exactly once (a task cut short by ``cancel`` has none).
        """
        ...


def gpu_count() -> int:
    """How many CUDA GPUs this machine offers; 0 when none or unknown.

    Asked without importing torch (``nvidia-smi -L``, narrowed by ``CUDA_VISIBLE_DEVICES``).
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return len([item for item in visible.split(",") if item.strip() and item.strip() != "-1"])
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return 0
    try:
        listed = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(1 for line in listed.stdout.splitlines() if line.startswith("GPU "))


def worker_devices(workers: int, device: str = "auto", gpus: int | None = None) -> list[str]:
    """The device each of ``workers`` local workers uses: ``device`` for each, except ``auto`` on several GPUs.

    On a machine with several GPUs, ``auto`` gives worker ``i`` the device ``cuda:(i mod GPUs)``.
    """
    gpus = gpu_count() if gpus is None and device == "auto" else (gpus or 0)
    if device == "auto" and gpus > 1:
        return [f"cuda:{index % gpus}" for index in range(workers)]
    return [device] * workers


class LocalExecutor:
    """The embedded default: ``workers`` threads here, each with its own sandboxed AI worker process.

    Parameters
    ----------
    workers
        How many series run at once (at least 1).
    device
        ``auto`` (each worker on its own GPU when there are several), ``cpu``, ``cuda:0``, ...
    """

    def __init__(self, workers: int = 1, device: str = "auto") -> None:
        self.workers = max(1, int(workers))
        self.device = device

    def run(self, tasks: Sequence[SeriesTask], on_start: Callable[[SeriesTask, str], None],
            on_outcome: Callable[[SeriesOutcome], None], cancel: CancelToken) -> None:
        """Run ``tasks`` on the pool (see :meth:`Executor.run`).

        When ``cancel`` is set, no new task starts, the running ones are stopped by closing their
        worker processes, and what had finished is still reported; a task stopped that way (or that
        failed only because the batch was stopping) has no outcome and runs again next time.
        """
        from ai.isolation import IsolatedEngine

        pending: queue.Queue[SeriesTask] = queue.Queue()
        for task in tasks:
            pending.put(task)
        events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        count = min(self.workers, len(tasks))
        devices = worker_devices(count, self.device)
        # Each engine gets its share of the cores: N processes each using every core run slower
        # together than one alone (measured: 2 workers at 376 ms a series, 45 ms sharing them).
        engine_threads = max(1, (os.cpu_count() or 1) // count) if count > 1 else None
        engines = [IsolatedEngine(threads=engine_threads) for _ in range(count)]
        host = platform.node()
        stop = threading.Event()  # set by the stop or by a failure here (the caller's token is theirs)

        def stopped() -> bool:
            return stop.is_set() or cancel.cancelled

        def next_task() -> SeriesTask | None:
            try:
                return pending.get_nowait()
            except queue.Empty:
                return None

        def work(index: int) -> None:
            engine, name = engines[index], f"{host}:local-{index + 1}"
            # While the model runs on one series, the next one is read: one series ahead per worker.
            reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"outpost-batch-read-{index + 1}")
            ahead: tuple[SeriesTask, Future[PreparedSeries | SeriesOutcome]] | None = None
            try:
                def read_ahead() -> tuple[SeriesTask, Future[PreparedSeries | SeriesOutcome]] | None:
                    task = None if stopped() else next_task()
                    return None if task is None else (task, reader.submit(prepare_series, task))

                ahead = read_ahead()
                while ahead is not None and not stopped():
                    task, prepared = ahead[0], ahead[1].result()
                    ahead = read_ahead()
                    if isinstance(prepared, SeriesOutcome):  # unreadable or unsuitable: no model to run
                        events.put(("start", task, name))
                        events.put(("outcome", prepared))
                        continue
                    if devices[index] != "auto" and prepared.task.device == "auto":
                        prepared = replace(prepared, task=replace(prepared.task, device=devices[index]))
                    events.put(("start", prepared.task, name))
                    try:
                        outcome = run_prepared(prepared, engine)
                    except Cancelled:
                        continue
                    if stopped() and outcome.status == FAILED:
                        continue  # cut short by the stop, not a failure of the series
                    events.put(("outcome", outcome))
            except BaseException as e:  # noqa: BLE001 - reported on the caller's thread
                events.put(("error", e))
            finally:
                reader.shutdown(wait=True, cancel_futures=True)
                if ahead is not None and ahead[1].done() and not ahead[1].cancelled():
                    unused = ahead[1].result()
                    if isinstance(unused, PreparedSeries):
                        unused.release()  # read for nothing: the batch stopped; it runs next time
                events.put(("exit", index))

        threads = [threading.Thread(target=work, args=(index,), name=f"outpost-batch-{index + 1}", daemon=True)
                   for index in range(count)]
        for thread in threads:
            thread.start()
        running, stopping, failure = count, False, None
        try:
            while running:
                if stopped() and not stopping:
                    stop.set()
                    stopping = True
                    for engine in engines:  # a request in flight ends as cancelled
                        threading.Thread(target=engine.close, daemon=True).start()
                try:
                    event = events.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                if event[0] == "start":
                    on_start(event[1], event[2])
                elif event[0] == "outcome":
                    on_outcome(event[1])
                elif event[0] == "error":
                    failure = failure or event[1]
                    stop.set()
                else:
                    running -= 1
        finally:
            stop.set()  # the caller's callback raised, or all is done: no task starts now
            for engine in engines:
                engine.close()
            for thread in threads:
                thread.join(timeout=30)
        if failure is not None:
            raise failure

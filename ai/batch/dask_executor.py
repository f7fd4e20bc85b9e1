"""A batch on a ``dask.distributed`` cluster: :class:`DaskExecutor` (``outpost batch run --scheduler ADDRESS``).

The same :func:`ai.batch.tasks.process_series` that the local pool runs is submitted to a Dask
scheduler, one task per series; the cluster's workers (``outpost batch worker --scheduler ADDRESS``
on each machine, or ``dask worker`` with Outpost installed) run it on their own GPU or CPU.

- Inputs and outputs travel by path: the series' files, the pack folder and the batch folder must
  be on a folder every worker sees at the same path (a shared folder). Only the task (paths, UIDs)
  and the outcome (scores, volumes, the result folder) cross the network.
- Each worker process keeps one :class:`~ai.isolation.IsolatedEngine` per worker thread alive
  across tasks (torch is imported once per thread, not once per series), closed when the worker
  ends (:func:`close_engines`, also at exit).
- A worker that dies mid-task loses nothing: the scheduler runs its tasks again on another worker.
  The batch database keeps a series that is done done (:meth:`~ai.batch.database.BatchDatabase.finish`),
  so a task that ran twice is counted once.
- At most twice as many tasks as the cluster has worker threads are submitted at a time, so that
  ``on_start`` means "handed to the cluster now" and a cancel has little to take back.
- Nothing is opened unless the user gives the scheduler's address: the product never looks for
  a cluster by itself.

Security: a Dask scheduler runs (pickled) code from any client that reaches it, and its workers run
it. Keep the scheduler and the workers on a trusted network, bound to a private address, or use
Dask's TLS (``tls://`` addresses with certificates; see ``docs/user/batch.md``).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ai.batch.database import FAILED, BatchError
from ai.errors import first_line

if TYPE_CHECKING:
    from ai.batch.tasks import SeriesOutcome, SeriesTask
    from ai.isolation import IsolatedEngine
    from viewer.core.tasks import CancelToken

log = logging.getLogger(__name__)

#: Seconds to wait for the scheduler to answer when connecting.
CONNECT_TIMEOUT_S = float(os.environ.get("OUTPOST_DASK_CONNECT_TIMEOUT_S", "20"))
#: How many times Dask runs a task again after it raised (a worker's death is handled by the
#: scheduler itself, up to ``distributed.scheduler.allowed-failures`` times).
RETRIES = 1
#: Tasks in flight per worker thread of the cluster.
IN_FLIGHT_PER_THREAD = 2
#: Seconds between two looks at how many worker threads the cluster has.
LOOK_AGAIN_S = 2.0
#: The prefix of every task's key on the cluster (the dashboard shows it).
KEY_PREFIX = "outpost-series"


class ClusterError(BatchError):
    """The Dask cluster cannot be used: dask is not installed, or the scheduler cannot be reached."""


def import_distributed() -> Any:
    """``dask.distributed``, or a one-line :class:`ClusterError` when it is not installed."""
    try:
        import distributed
    except ImportError as e:
        raise ClusterError(f"running on a Dask cluster needs dask[distributed], which is not installed "
                           f"({first_line(e)}): pip install 'dask[distributed]==2026.8.0'") from None
    return distributed


def check_address(address: str) -> str:
    """``address`` as given (``tcp://HOST:PORT`` or ``tls://HOST:PORT``), or a one-line error."""
    address = (address or "").strip()
    scheme, _, rest = address.partition("://")
    if not rest:
        scheme, rest = "tcp", address
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not host or not port.isdigit():
        raise ClusterError(f"a scheduler address is tcp://HOST:PORT or tls://HOST:PORT, not {address!r}")
    return f"{scheme}://{rest}"


# --------------------------------------------------------------------------- the worker's side
_engines: dict[int, IsolatedEngine] = {}
_engines_lock = threading.Lock()


def worker_engine() -> IsolatedEngine:
    """The :class:`~ai.isolation.IsolatedEngine` of this worker thread, started on first use and kept.

    Raises
    ------
    ClusterError
        The worker is a daemonic process (``dask worker`` with its nanny and
        ``distributed.worker.daemon: true``), which may not start the engine's process.
    """
    import multiprocessing

    from ai.isolation import IsolatedEngine

    ident = threading.get_ident()
    with _engines_lock:
        engine = _engines.get(ident)
        if engine is None:
            if multiprocessing.current_process().daemon:
                raise ClusterError("this Dask worker is a daemonic process and cannot start Outpost's AI "
                                   "worker: use 'outpost batch worker', 'dask worker --no-nanny', or set "
                                   "DASK_DISTRIBUTED__WORKER__DAEMON=False")
            engine = _engines[ident] = IsolatedEngine()
    return engine


def close_engines() -> None:
    """Stop the AI worker processes this process started (a worker's teardown, and at exit)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        try:
            engine.close()
        except Exception as e:  # noqa: BLE001 - closing at teardown must not raise
            log.warning("could not close an AI worker process: %s", first_line(e))


atexit.register(close_engines)


def _worker_name() -> str:
    """The Dask worker's name (or address) running this task, else this host and process."""
    try:
        from distributed import get_worker

        worker = get_worker()
        return str(worker.name if worker.name is not None else worker.address)
    except (ImportError, ValueError):
        from ai.batch.tasks import worker_name

        return worker_name()


def run_on_worker(task: SeriesTask) -> SeriesOutcome:
    """What each Dask task runs: :func:`~ai.batch.tasks.process_series` with this thread's engine.

    A series' own problems come back as a failed outcome (``process_series`` never raises for
    them); an engine that cannot start raises, and the client records it as failed.
    """
    from ai.batch.tasks import process_series

    outcome = process_series(task, worker_engine())
    if not outcome.worker:
        outcome.worker = _worker_name()
    return outcome


# --------------------------------------------------------------------------- the client's side
class DaskExecutor:
    """Runs a batch's tasks on the Dask cluster whose scheduler is at ``address``.

    Parameters
    ----------
    address
        The scheduler, ``tcp://HOST:PORT`` (or ``tls://`` with Dask's TLS configured), as the user gave it.
    workers
        How many tasks may run at once, for progress and the in-flight limit; ``None``: the
        cluster's worker threads, looked at again as series finish (workers may join or leave).
    security
        A ``distributed.Security`` for TLS; ``None``: Dask's configuration (``DASK_DISTRIBUTED__COMM__TLS__*``).
    connect_timeout
        Seconds to wait for the scheduler.

    Raises
    ------
    ClusterError
        dask is not installed, the address is malformed, or the scheduler did not answer in time.
    """

    def __init__(self, address: str, workers: int | None = None, security: Any = None,
                 connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
        distributed = import_distributed()
        self.address = check_address(address)
        try:
            self.client = distributed.Client(self.address, timeout=connect_timeout, security=security,
                                             set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address} within {connect_timeout:g} s "
                               f"({first_line(e)}): is 'outpost batch scheduler' running there, "
                               "and the port open to this machine?") from None
        except Exception as e:  # noqa: BLE001 - TLS configuration, a refused handshake: one line, not a traceback
            raise ClusterError(f"cannot connect to the Dask scheduler at {self.address}: "
                               f"{type(e).__name__}: {first_line(e)}") from None
        self._fixed_workers = int(workers) if workers else None
        threads = self._cluster_threads()
        self.workers = self._fixed_workers or max(1, threads)
        log.info("connected to the Dask scheduler at %s (%d worker threads)", self.address, threads)
        if not threads:
            log.warning("the Dask cluster at %s has no workers yet: series wait until one joins", self.address)

    def _cluster_threads(self) -> int:
        """How many worker threads the cluster has now."""
        return int(sum(self.client.nthreads().values()))

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        try:
            self.client.close()
        except Exception as e:  # noqa: BLE001 - closing a lost connection must not raise
            log.warning("closing the Dask client: %s", first_line(e))

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, tasks: Iterable[SeriesTask], on_start: Callable[[SeriesTask, str], None],
            on_outcome: Callable[[SeriesOutcome], None], cancel: CancelToken) -> None:
        """Run ``tasks`` on the cluster; call back on this thread, each task's outcome exactly once.

        Parameters
        ----------
        tasks
            The series to run.
        on_start
            Called with a task and ``"dask:<scheduler>"`` when it is handed to the cluster.
        on_outcome
            Called with each task's outcome as it comes back (a task that raised, or whose workers
            kept dying, as :data:`~ai.batch.database.FAILED` with the reason).
        cancel
            Set: the tasks not finished are cancelled on the cluster and this returns; their
            series stay to run (the next run resumes them).
        """
        distributed = import_distributed()
        pending = iter(tasks)
        of_future: dict[Any, SeriesTask] = {}
        finished = distributed.as_completed(loop=self.client.loop)
        where = f"dask:{self.address}"

        looked = time.monotonic()

        def lost(error: BaseException | None = None) -> ClusterError:
            why = f" ({first_line(error)})" if error is not None else ""
            return ClusterError(f"lost the Dask scheduler at {self.address}{why}: the series not finished stay "
                                "to run; run the batch again when it is back")

        def submit_more() -> None:
            nonlocal looked
            if self.client.status != "running":
                raise lost()
            if self._fixed_workers is None and time.monotonic() - looked >= LOOK_AGAIN_S:
                looked = time.monotonic()  # workers may have joined or left since
                try:
                    self.workers = max(1, self._cluster_threads())
                except (OSError, TimeoutError) as e:
                    raise lost(e) from None
            limit = self.workers * IN_FLIGHT_PER_THREAD
            while len(of_future) < limit and not cancel.cancelled:
                task = next(pending, None)
                if task is None:
                    return
                on_start(task, where)
                future = self.client.submit(run_on_worker, task, pure=False, retries=RETRIES,
                                            key=f"{KEY_PREFIX}-{task.series_uid}-{time.monotonic_ns()}")
                of_future[future] = task
                finished.add(future)

        submit_more()
        try:
            while of_future and not cancel.cancelled:
                with finished.thread_condition:  # checked under the lock: no wake-up is missed
                    if not finished.has_ready():
                        finished.thread_condition.wait(timeout=0.2)
                        continue
                for future in finished.next_batch(block=False):
                    task = of_future.pop(future, None)
                    if task is None:
                        continue
                    if future.status == "cancelled" and self.client.status != "running":
                        of_future[future] = task  # no outcome: it stays to run
                        raise lost()
                    on_outcome(self._outcome(future, task))
                submit_more()
        finally:
            if of_future:  # cancelled (or the caller raised): take back what is still out there
                with contextlib.suppress(Exception):  # the scheduler may be gone
                    self.client.cancel(list(of_future))
                log.info("cancelled %d series on the Dask cluster", len(of_future))

    @staticmethod
    def _outcome(future: Any, task: SeriesTask) -> SeriesOutcome:
        """The task's outcome, or a failed one naming why the cluster gave none."""
        from ai.batch.tasks import SeriesOutcome

        try:
            outcome: SeriesOutcome = future.result()
            return outcome
        except Exception as e:  # noqa: BLE001 - a task that raised is a failed series, not a failed batch
            reason = f"on the Dask cluster: {type(e).__name__}: {first_line(e)}"
            log.warning("series %s failed on the Dask cluster: %s", task.series_uid, reason)
            return SeriesOutcome(series_uid=task.series_uid, status=FAILED, reason=reason, scores={}, volumes={})

"""Reads with a time limit, so that a stalled share or a damaged disc cannot hang Outpost.

A ``read()`` on a file of a disconnected network share (or a CD drive retrying
a bad sector) can block for minutes, or for ever, and no Python code can
interrupt it. :func:`call_with_deadline` runs the read on a helper thread and
waits for it at most :data:`READ_TIMEOUT_S` seconds; when time runs out the
caller gets :class:`~viewer.core.errors.StalledReadError` and the helper is
abandoned where it is blocked (it is a daemon thread, so it never keeps the
program from exiting, and it becomes reusable if the read ever returns).

Helpers are kept in a pool and reused, so a read on the normal path costs a
hand-over to an idle thread (tens of microseconds), not a new thread.
"""

from __future__ import annotations

import collections
import os
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable
from typing import Any, TypeVar

from viewer.core.errors import StalledReadError

T = TypeVar("T")
S = TypeVar("S")

#: Seconds a file may take to answer one read before it is given up
#: (``OUTPOST_READ_TIMEOUT_S`` overrides the default).
READ_TIMEOUT_S = float(os.environ.get("OUTPOST_READ_TIMEOUT_S", "20"))

#: Seconds between collections of finished reads after the first (see :func:`map_with_deadline`).
BATCH_PAUSE_S = 0.01


class _Call:
    """One function call handed to a helper, and its outcome."""

    __slots__ = ("function", "args", "done", "result", "error")

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.function = function
        self.args = args
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class _Helper:
    """A daemon thread that runs calls one at a time and then offers itself again.

    It is started by the thread that first needs it, so it inherits that
    thread's OS priority (Linux threads each have a nice value), and it serves
    only callers of that priority: decoding for a background load must not
    move to a normal-priority thread and compete with the GUI thread.
    """

    def __init__(self, niceness: int) -> None:
        self.niceness = niceness
        self.inbox: queue.SimpleQueue[_Call] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="outpost-read", daemon=True).start()

    def _run(self) -> None:
        while True:
            call = self.inbox.get()
            try:
                call.result = call.function(*call.args)
            except BaseException as e:  # noqa: BLE001 - handed to the waiting caller as it is
                call.error = e
            _idle[self.niceness].put(self)  # before waking the caller, whose next call can reuse it
            call.done.set()
            del call


#: Idle helpers by the nice value they run at.
_idle: collections.defaultdict[int, queue.SimpleQueue[_Helper]] = collections.defaultdict(queue.SimpleQueue)


def _niceness() -> int:
    """The calling thread's nice value (0 where threads have none of their own)."""
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except (AttributeError, OSError):
        return 0


def _helper() -> _Helper:
    niceness = _niceness()
    try:
        return _idle[niceness].get_nowait()
    except queue.Empty:
        return _Helper(niceness)


def start_in_background(function: Callable[..., Any], *args: Any) -> None:
    """Start ``function(*args)`` on a helper and return at once (for advisory work).

    Its result and errors are dropped; if it blocks, only that helper waits.
    """
    _helper().inbox.put(_Call(function, args))


def call_with_deadline(function: Callable[..., T], *args: Any, what: str,
                       timeout: float | None = None) -> T:
    """``function(*args)``, or :class:`StalledReadError` if it takes longer than ``timeout``.

    Parameters
    ----------
    function, args
        The read to make; its own exceptions reach the caller unchanged.
    what
        What is being read, for the message ("CT0001.dcm").
    timeout
        Seconds to wait; :data:`READ_TIMEOUT_S` when ``None``.

    Raises
    ------
    StalledReadError
        The call did not return in time; it goes on in the background.
    """
    seconds = READ_TIMEOUT_S if timeout is None else timeout
    call = _Call(function, args)
    _helper().inbox.put(call)
    if not call.done.wait(seconds):
        raise StalledReadError(what, seconds)
    if call.error is not None:
        error, call.error = call.error, None  # no cycle through the traceback
        raise error
    result: T = call.result
    return result


class _Stream:
    """Shared state of one :func:`map_with_deadline`: the work left and who is on what."""

    def __init__(self, function: Callable[[Any], Any], items: list[Any],
                 initializer: Callable[[], None] | None) -> None:
        self.function = function
        self.initializer = initializer
        self.pending: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(items)):
            self.pending.put(index)
        self.items = items
        self.results: queue.SimpleQueue[tuple[int, Any, BaseException | None]] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.current: dict[int, tuple[int, float] | None] = {}  # worker -> (item, start)
        self.abandoned: set[int] = set()
        self.stopped = False
        self._next_worker = 0

    def start_worker(self) -> None:
        with self.lock:
            worker = self._next_worker
            self._next_worker += 1
            self.current[worker] = None
        threading.Thread(target=self._work, args=(worker,), name="outpost-read", daemon=True).start()

    def _work(self, worker: int) -> None:
        if self.initializer is not None:
            self.initializer()
        while not self.stopped:
            try:
                index = self.pending.get_nowait()
            except queue.Empty:
                return
            with self.lock:
                self.current[worker] = (index, time.monotonic())
            try:
                result, error = self.function(self.items[index]), None
            except BaseException as e:  # noqa: BLE001 - handed to the consumer as it is
                result, error = None, e
            with self.lock:
                if worker in self.abandoned:
                    return  # already reported as stalled; a fresh worker took its place
                self.current[worker] = None
            self.results.put((index, result, error))
            del result, error

    def stalled(self, seconds: float) -> list[int]:
        """Abandon the workers whose call has run past ``seconds``; their items."""
        now = time.monotonic()
        late = []
        with self.lock:
            for worker, busy in self.current.items():
                if busy is not None and worker not in self.abandoned and now - busy[1] >= seconds:
                    self.abandoned.add(worker)
                    late.append(busy[0])
        return late

    def next_deadline(self, seconds: float) -> float:
        with self.lock:
            starts = [busy[1] for worker, busy in self.current.items()
                      if busy is not None and worker not in self.abandoned]
        return (min(starts) if starts else time.monotonic()) + seconds


def map_with_deadline(function: Callable[[S], T], items: Iterable[S], *, describe: Callable[[S], str],
                      timeout: float | None = None, workers: int = 1,
                      initializer: Callable[[], None] | None = None
                      ) -> Generator[tuple[int, T | None, BaseException | None], None, None]:
    """``function(item)`` for every item on ``workers`` daemon threads, each call with a deadline.

    The workers stream through the items without waiting for the consumer, so
    the normal path costs no hand-over per item (a read per file through
    :func:`call_with_deadline` cost 10-20 % of a 400-file scan and load). A
    call that runs past ``timeout`` is reported as a
    :class:`~viewer.core.errors.StalledReadError`, its worker is abandoned
    where it is blocked and a fresh one carries on with the items left.

    Parameters
    ----------
    function
        Called with one item at a time.
    items
        The work.
    describe
        ``describe(item)`` names an item in the stall message.
    timeout
        Seconds a call may take; :data:`READ_TIMEOUT_S` when ``None``.
    workers
        Threads at once (1 keeps the items' order).
    initializer
        Run first on each worker thread (e.g. to lower its priority).

    Yields
    ------
    tuple
        ``(index, result, error)`` per item as it completes; ``error`` is the
        call's exception, or the StalledReadError, and ``result`` is then ``None``.
        Closing the iterator early stops the workers after their current call.
    """
    seconds = READ_TIMEOUT_S if timeout is None else timeout
    stream = _Stream(function, list(items), initializer)
    for _ in range(min(workers, len(stream.items))):
        stream.start_worker()
    left = len(stream.items)
    first = True
    try:
        while left:
            wait = max(0.001, stream.next_deadline(seconds) - time.monotonic())
            if first:  # the first result is awaited at once: it may be the slice a reader waits for
                try:
                    outcomes = [stream.results.get(timeout=wait)]
                except queue.Empty:
                    outcomes = []
            else:
                # The rest are collected in batches: a consumer woken for every item competes for
                # the GIL with the reading threads (7 % of a 400-file scan); a sleeper does not.
                time.sleep(min(BATCH_PAUSE_S, wait))
                outcomes = _drain(stream.results)
            if not outcomes:
                for index in stream.stalled(seconds):
                    left -= 1
                    yield index, None, StalledReadError(describe(stream.items[index]), seconds)
                    # Only now: the consumer may have decided something (give up a folder).
                    stream.start_worker()
                continue
            first = False
            for outcome in outcomes:
                left -= 1
                yield outcome
    finally:
        stream.stopped = True


def _drain(results: queue.SimpleQueue[T]) -> list[T]:
    """Everything in ``results`` now, without waiting."""
    taken: list[T] = []
    while True:
        try:
            taken.append(results.get_nowait())
        except queue.Empty:
            return taken

"""The longest stall of the GUI event loop while some work runs: shared by the stall tests and
``benchmarks/run.py responsiveness``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stalls:
    """What a timer on the GUI thread saw.

    Attributes
    ----------
    longest_ms
        The longest gap between two ticks (or between the start and the first tick), in ms.
    ticks
        How many times the timer fired.
    seconds
        From the start of the work to the end of the watch.
    finished
        Whether ``finished`` said so before the timeout.
    """

    longest_ms: float
    ticks: int
    seconds: float
    finished: bool


def watch_event_loop(start: Callable[[], object], finished: Callable[[], bool], timeout_s: float,
                     interval_ms: int = 5) -> Stalls:
    """Run a real ``QEventLoop`` with a timer firing every ``interval_ms`` while ``start``'s work runs.

    ``start`` is called from the loop, just after a first time stamp, so that work it does on
    the GUI thread itself shows as a stall; ``finished`` is asked at every tick (it may act, e.g.
    start a run once a listing has arrived) and ends the watch when it returns ``True``. A real
    loop is used because pytest-qt's ``waitUntil`` sleeps in 10 ms steps between event processing,
    which would itself look like a stall.

    Parameters
    ----------
    start
        Starts the work (its result is ignored).
    finished
        Whether the work is done.
    timeout_s
        The watch ends after this many seconds whatever ``finished`` says.
    interval_ms
        The timer's interval.

    Returns
    -------
    Stalls
        The longest gap and how the watch ended.
    """
    from PySide6.QtCore import QEventLoop, QTimer

    stamps: list[float] = []
    loop = QEventLoop()
    done = [False]

    def begin() -> None:
        stamps.append(time.perf_counter())
        start()

    def tick() -> None:
        stamps.append(time.perf_counter())
        if finished():
            done[0] = True
            loop.quit()

    timer, deadline = QTimer(), QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    QTimer.singleShot(0, begin)
    deadline.start(int(timeout_s * 1000))
    timer.start()
    loop.exec()
    timer.stop()
    deadline.stop()
    gaps_ms = np.diff(stamps) * 1000.0 if len(stamps) > 1 else np.zeros(1)
    return Stalls(longest_ms=float(gaps_ms.max()), ticks=len(stamps) - 1,
                  seconds=stamps[-1] - stamps[0] if stamps else 0.0, finished=done[0])

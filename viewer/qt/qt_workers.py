"""Run long work off the GUI thread, with progress, cancel and a distinct cancelled state.

A :class:`Job` runs a core function on Qt's global thread pool. It emits
``started``, ``progress(done, total, text)``, then ``result(obj)``,
``errored(exc)`` or ``cancelled()``, and always ``finished``. It never touches
a widget; results reach widgets through queued signals.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken

log = logging.getLogger(__name__)

# Workers run Python code (header parsing, bookkeeping) that holds the GIL. Python
# hands the GIL over every 5 ms by default, so the GUI thread could wait that long
# per worker; 1 ms keeps the event loop's stalls well under 30 ms while work runs.
sys.setswitchinterval(0.001)


class JobSignals(QObject):
    """Signals of a :class:`Job` (a QRunnable cannot emit by itself)."""

    started = Signal()
    progress = Signal(int, int, str)
    result = Signal(object)
    errored = Signal(object)
    cancelled = Signal()
    finished = Signal()


class Job(QRunnable):
    """A cancellable unit of work.

    Parameters
    ----------
    function
        Called with ``*args, **kwargs``; if it accepts ``progress`` and
        ``cancel`` keywords they are supplied.
    name
        Shown to the user in progress and error messages.
    """

    def __init__(self, function: Callable[..., Any], *args: Any, name: str = "", **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = JobSignals()
        self.token = CancelToken()
        self.name = name or getattr(function, "__name__", "job")
        self._function, self._args, self._kwargs = function, args, kwargs
        parameters = inspect.signature(function).parameters
        if "progress" in parameters:
            self._kwargs.setdefault("progress", self._emit_progress)
        if "cancel" in parameters:
            self._kwargs.setdefault("cancel", self.token)
        self.done = False

    def _emit_progress(self, done: int, total: int, text: str) -> None:
        self._emit(self.signals.progress, int(done), int(total), str(text))

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the receiver side is gone (the window closed): stop quietly
            self.token.cancel()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self.token.cancel()

    def run(self) -> None:  # noqa: D102 - QRunnable's entry point
        self._emit(self.signals.started)
        try:
            value = self._function(*self._args, **self._kwargs)
        except Cancelled:
            self._emit(self.signals.cancelled)
        except Exception as e:  # noqa: BLE001 - every failure reaches the notifier
            log.info("job %s failed: %s", self.name, type(e).__name__)
            self._emit(self.signals.errored, e)
        else:
            if self.token.cancelled:
                self._emit(self.signals.cancelled)
            else:
                self._emit(self.signals.result, value)
        finally:
            self.done = True
            self._emit(self.signals.finished)


def start_job(job: Job) -> Job:
    """Queue ``job`` on the global thread pool and return it."""
    QThreadPool.globalInstance().start(job)
    return job

"""Run long work off the GUI thread, with progress, cancel and a distinct cancelled state.

A :class:`Job` runs a core function on Qt's global thread pool. It emits
``started``, ``progress(done, total, text)``, then ``result(obj)``,
``errored(exc)`` or ``cancelled()``, and always ``finished``. It never touches
a widget; results reach widgets through queued signals.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken

log = logging.getLogger(__name__)


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
        self.signals.progress.emit(int(done), int(total), str(text))

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self.token.cancel()

    def run(self) -> None:  # noqa: D102 - QRunnable's entry point
        self.signals.started.emit()
        try:
            value = self._function(*self._args, **self._kwargs)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as e:  # noqa: BLE001 - every failure reaches the notifier
            log.info("job %s failed: %s", self.name, type(e).__name__)
            self.signals.errored.emit(e)
        else:
            if self.token.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.result.emit(value)
        finally:
            self.done = True
            self.signals.finished.emit()


def start_job(job: Job) -> Job:
    """Queue ``job`` on the global thread pool and return it."""
    QThreadPool.globalInstance().start(job)
    return job

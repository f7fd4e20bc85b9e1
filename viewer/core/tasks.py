"""Cancellation and progress for long jobs, without Qt.

Workers in ``viewer.qt`` wrap these; scripts, the CLI and tests use them as
they are, so a job behaves the same everywhere.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Protocol

from viewer.core.errors import Cancelled


class ProgressCallback(Protocol):
    """Called as ``progress(done, total, text)`` while a job advances."""

    def __call__(self, done: int, total: int, text: str) -> None:
        """Report that ``done`` of ``total`` units are done, with ``text`` saying what is being done."""


class CancelToken:
    """A thread-safe flag that a job checks between units of work.

    Examples
    --------
    >>> token = CancelToken()
    >>> token.cancel()
    >>> token.cancelled
    True
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` has been called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`~viewer.core.errors.Cancelled` if cancellation was asked.

        Raises
        ------
        Cancelled
            When :meth:`cancel` has been called.
        """
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


def check_cancel(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set; accept ``None`` for no token."""
    if cancel is not None:
        cancel.raise_if_cancelled()


def report(progress: ProgressCallback | Callable[[int, int, str], None] | None,
           done: int, total: int, text: str = "") -> None:
    """Call ``progress`` if there is one."""
    if progress is not None:
        progress(done, total, text)


#: How much lower than the caller background threads run (a nice increment on Linux).
BACKGROUND_NICENESS = 5


def lower_thread_priority() -> None:
    """Run the calling thread at background priority where the OS allows it.

    Decoding threads keep both cores busy; at the same priority a viewer's GUI
    thread would wait for the scheduler's next time slice (tens of ms). On
    Linux each thread has its own nice value; elsewhere this does nothing.
    """
    if not hasattr(os, "setpriority") or not hasattr(threading, "get_native_id"):
        return
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, current + BACKGROUND_NICENESS))
    except OSError:
        pass

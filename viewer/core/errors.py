"""Exceptions raised by ``viewer.core``.

Every error a user can provoke with bad input derives from :class:`OutpostError`,
so the command line and the GUI can show its message as one line instead of a
traceback.
"""

from __future__ import annotations


class OutpostError(Exception):
    """Base class of every error Outpost reports to a user as one line."""


class Cancelled(OutpostError):  # noqa: N818 - an outcome, not an error; public, used across the code and tests
    """A job was cancelled through its :class:`~viewer.core.tasks.CancelToken`.

    A cancelled job is a distinct outcome, not a failure: workers catch this
    and report the cancelled state.
    """


class LoadError(OutpostError):
    """A series could not be assembled into a volume."""


class UnsupportedTransferSyntaxError(LoadError):
    """Pixel data use a transfer syntax that no installed decoder supports."""

    def __init__(self, transfer_syntax: str, name: str | None = None) -> None:
        self.transfer_syntax = transfer_syntax
        label = f"{name} ({transfer_syntax})" if name and name != transfer_syntax else transfer_syntax
        super().__init__(f"unsupported transfer syntax {label}")


class SeriesNotFoundError(OutpostError):
    """No series matches the key a user gave."""


class ExportError(OutpostError):
    """An export could not be written."""


class ObjectError(LoadError):
    """A DICOM SEG or RT Structure Set cannot be read, or not placed on its image's grid."""


class OutOfMemoryError(LoadError):
    """Something does not fit in the memory this process may use (refused, or ran out part-way)."""


class StalledReadError(LoadError):
    """A file did not answer within the read time limit (a stalled network share or a damaged disc)."""

    def __init__(self, what: str, seconds: float) -> None:
        self.seconds = seconds
        #: The message without the file's name, as a scan lists it beside the name.
        self.reason = f"did not answer within {seconds:g} s (disconnected network share or damaged disc?)"
        super().__init__(f"{what} {self.reason}")

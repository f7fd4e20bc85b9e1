"""Exceptions of the AI engine; all are one-line reasons a user can read."""

from __future__ import annotations

from viewer.core.errors import OutpostError


class AIError(OutpostError):
    """Base class of AI engine errors."""


class PackRefusedError(AIError):
    """A model pack was refused: unsafe, damaged or incomplete. The message names the file or key."""


class PackUnavailableError(AIError):
    """A model pack is sound but cannot run here (for example a missing package)."""


class WorkerCrashedError(AIError):
    """The AI worker process died (a crash in native code, or killed); the viewer itself is unaffected."""


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message (its type's name when it has none), for one-line messages."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__

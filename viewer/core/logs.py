"""The application log: a rotating, owner-only file in the per-user data folder.

``configure_logging()`` is called once by the ``outpost`` command (which also
starts the viewer). Records at INFO and above go to
``<user data>/logs/outpost.log`` (rotated at 1 MiB, five old files kept;
``OUTPOST_LOG_LEVEL=DEBUG`` for more), and warnings to stderr as one line.

Log messages never carry patient names, IDs or pixel data: name studies by UID
and files by path. Every record is one line (:class:`OneLineFormatter`): what
it carries from outside cannot forge another. The test suite scans every log it writes for the shared
data's patient names and IDs (``tests/conftest.py``).
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import cast

from viewer.core.files import user_data_dir
from viewer.core.text import one_line

LOG_FILE_NAME = "outpost.log"
MAX_BYTES = 1 << 20
BACKUP_COUNT = 5
FILE_FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"
STDERR_FORMAT = "outpost: %(levelname)s: %(message)s"
#: Libraries whose INFO records are per-PDU chatter; kept to warnings unless DEBUG is asked for.
CHATTY_LOGGERS = ("pynetdicom",)


class OneLineFormatter(logging.Formatter):
    r"""A formatter whose every record is one line, whatever its message, arguments or traceback carry.

    A file name such as ``a\n2026-01-01 ... WARNING outpost: FORGED`` cannot add
    a line of its own to the log: line breaks and every other control character
    are written escaped (``\n``, ``\x1b``), and a traceback becomes one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` as usual, then as one line."""
        return one_line(super().format(record))


def log_path() -> Path:
    """Where the application log is written: ``logs/outpost.log`` in the per-user data folder."""
    return user_data_dir() / "logs" / LOG_FILE_NAME


class OwnerOnlyRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file created ``0600`` (rotation renames it, so old files stay ``0600``)."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                     0o600)
        stream = open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115 - the handler owns it
        return cast(io.TextIOWrapper, stream)  # the handler's mode is a text mode: open() gives a TextIOWrapper


_file_handler: OwnerOnlyRotatingFileHandler | None = None


def configure_logging(level: str | int | None = None) -> Path | None:
    """Send log records to the rotating application log (and warnings to stderr).

    Idempotent: a second call keeps one file handler, moved when the data
    folder changed. A log file that cannot be opened (read-only folder) is
    reported on stderr and skipped; Outpost works on.

    Parameters
    ----------
    level
        The file's level; default ``OUTPOST_LOG_LEVEL`` or ``INFO``.

    Returns
    -------
    Path or None
        The log file, or ``None`` when it cannot be written.
    """
    global _file_handler
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: a host (e.g. pytest) that set up logging keeps its own
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setLevel(logging.WARNING)
        stderr.setFormatter(OneLineFormatter(STDERR_FORMAT))
        root.addHandler(stderr)
    if not isinstance(level, int):
        level = logging.getLevelName(str(level or os.environ.get("OUTPOST_LOG_LEVEL") or "INFO").upper())
        level = level if isinstance(level, int) else logging.INFO
    path = log_path()
    if _file_handler is not None and Path(_file_handler.baseFilename) != path.absolute():
        root.removeHandler(_file_handler)
        _file_handler.close()
        _file_handler = None
    if _file_handler is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handler = OwnerOnlyRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                                   encoding="utf-8")
        except OSError as e:
            logging.getLogger(__name__).warning("no application log: cannot write %s (%s)", path,
                                                e.strerror or e)
            return None
        handler.setFormatter(OneLineFormatter(FILE_FORMAT))
        handler.addFilter(_not_chatter)
        root.addHandler(handler)
        _file_handler = handler
    _file_handler.setLevel(level)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    return path


def _not_chatter(record: logging.LogRecord) -> bool:
    """Drop the INFO chatter of :data:`CHATTY_LOGGERS` from a file that is not at DEBUG."""
    if record.levelno >= logging.WARNING or _file_handler is None or _file_handler.level <= logging.DEBUG:
        return True
    return not any(record.name == name or record.name.startswith(name + ".") for name in CHATTY_LOGGERS)

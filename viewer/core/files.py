"""Atomic file writing: a crash or power cut never leaves a half-written file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(destination: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it into place on success.

    The temporary file keeps the destination's suffixes (``.nii.gz``), so
    writers that choose a format by extension still work. On error the
    temporary file is removed and ``destination`` is left untouched.

    Examples
    --------
    >>> with atomic_path("out.txt") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("done")
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(destination.suffixes)
    handle, name = tempfile.mkstemp(prefix=f".{destination.stem}.", suffix=f".part{suffix}",
                                    dir=destination.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as fp:
            os.fsync(fp.fileno())
        os.replace(temporary, destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def user_data_dir() -> Path:
    r"""Outpost's per-user data folder (``OUTPOST_DATA_DIR`` overrides it).

    Model packs, saved results, the local study store, the PACS settings and
    credentials, the audit and the logs live under it, so a missing folder is
    created readable by its owner only (``0700``), whatever the umask; a folder
    that exists is left as it is.

    Returns
    -------
    Path
        ``%LOCALAPPDATA%\Outpost`` on Windows, ``~/Library/Application Support/Outpost``
        on macOS, ``$XDG_DATA_HOME/outpost`` (``~/.local/share/outpost``) elsewhere.
    """
    if os.environ.get("OUTPOST_DATA_DIR"):
        folder = Path(os.environ["OUTPOST_DATA_DIR"])
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "Outpost"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Application Support" / "Outpost"
    else:
        folder = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "outpost"
    _create_private(folder)
    return folder


def _create_private(folder: Path) -> None:
    """Create ``folder`` (and missing parents) if it is missing, itself mode ``0700``.

    A folder that cannot be created is left to the first writer to report: the
    error then names the file it could not write.
    """
    if folder.is_dir():
        return
    # FileExistsError: made meanwhile by another process; any other error: left to the first writer.
    with contextlib.suppress(OSError):
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode passes through the umask, which could take the owner's bits


def format_size(size: float) -> str:
    """A byte count as a reader says it: ``512 B``, ``1.5 KiB``, ``212.0 MiB``, ``1.2 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"

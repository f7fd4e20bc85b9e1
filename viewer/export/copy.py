"""Copies of DICOM files into an output folder, each written atomically."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from viewer.core import audit
from viewer.core.dicom.sources import Source
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report


def check_output_folder(out_dir: str | os.PathLike) -> Path:
    """Check that ``out_dir`` is new or an empty folder.

    An export never mixes its files with others (an anonymised copy beside
    identifiable files would defeat it), and never overwrites anything.

    Raises
    ------
    ExportError
        ``out_dir`` is a file, or a folder that is not empty.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ExportError(f"the output folder {out_dir} is not empty; choose a new or empty folder")
    return out_dir


def prepare_output_folder(out_dir: str | os.PathLike) -> Path:
    """:func:`check_output_folder`, then create it."""
    out_dir = check_output_folder(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def remove_written(paths: Iterable[Path]) -> None:
    """Delete the files an interrupted export wrote (its folder was empty before)."""
    for path in paths:
        path.unlink(missing_ok=True)


def _name(source: Source) -> str:
    return os.path.basename(source.member.rstrip("/")) if source.member else os.path.basename(source.path)


@audit.audited("export", audit.export_details("copy", False, 1, "out_dir"), audit.count_written)
def copy_files(sources: Iterable[Source | str | os.PathLike], out_dir: str | os.PathLike,
               progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[Path]:
    """Copy files byte for byte into the empty folder ``out_dir``, keeping their names.

    Members of a .zip become plain files. Two files of the same name get
    ``-2``, ``-3``, ... before their extension.

    Parameters
    ----------
    sources
        Files (or zip members) to copy.
    out_dir
        A new or empty folder.
    progress
        Called as ``progress(done, total, text)`` after each file.
    cancel
        Checked between files; on cancellation the files copied so far are removed.

    Returns
    -------
    list of pathlib.Path
        The copies, in the order of ``sources``.

    Raises
    ------
    ExportError
        ``out_dir`` is not empty, or a file cannot be read or written.
    Cancelled
        ``cancel`` was set.
    """
    sources = [s if isinstance(s, Source) else Source(os.path.abspath(os.fspath(s))) for s in sources]
    out_dir = prepare_output_folder(out_dir)
    written: list[Path] = []
    taken: set[str] = set()
    try:
        for index, source in enumerate(sources):
            check_cancel(cancel)
            stem, suffix = os.path.splitext(_name(source))
            name, count = stem + suffix, 1
            while name.lower() in taken:
                count += 1
                name = f"{stem}-{count}{suffix}"
            taken.add(name.lower())
            destination = out_dir / name
            try:
                with source.open() as fp, atomic_path(destination) as temporary:
                    temporary.write_bytes(fp.read())
            except OSError as e:
                raise ExportError(f"cannot copy {source}: {e.strerror or e}") from e
            written.append(destination)
            report(progress, index + 1, len(sources), "copying")
    except BaseException:
        remove_written(written)
        raise
    return written

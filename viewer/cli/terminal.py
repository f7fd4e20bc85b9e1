"""What every ``outpost`` command shares on the terminal: progress, scanning, choosing a series.

The viewer's commands, the exports', the network's and the plugins' (registered through
``outpost.commands``) use these public helpers rather than each other's private names.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from viewer.core.text import one_line

if TYPE_CHECKING:
    from viewer.core.dicom.scan import ScanResult, Series
    from viewer.core.volume import Volume

T = TypeVar("T")


class TerminalProgress:
    """A one-line progress indicator on stderr, shown only on a terminal.

    Parameters
    ----------
    label
        What is being done ("scanning", "loading", ...), printed before the count.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, text: str) -> None:
        """Show ``done`` of ``total``; ``text`` is shown escaped (it may come from a pack's code)."""
        if self.enabled and total:
            sys.stderr.write(f"\r{self.label}: {one_line(str(text))} {done}/{total} ({100 * done // total}%)")
            sys.stderr.flush()

    def close(self) -> None:
        """Clear the line."""
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def with_progress(label: str, work: Callable[[TerminalProgress], T]) -> T:
    """``work(progress)`` with a one-line progress indicator on a terminal, cleared afterwards."""
    progress = TerminalProgress(label)
    try:
        return work(progress)
    finally:
        progress.close()


def scan_paths(paths: Sequence[str]) -> ScanResult:
    """Scan folders, files, zips or DICOMDIRs, with progress on a terminal."""
    from viewer.core.dicom import scan

    return with_progress("scanning", lambda progress: scan(list(paths), progress=progress))


def choose_series(path: str, key: str | None) -> Series:
    """The series ``key`` names under ``path``, or its only series (one line naming the keys otherwise)."""
    from viewer.core.dicom.scan import SeriesNotFoundError

    found = scan_paths([path])
    if not found.series:
        raise SeriesNotFoundError(f"no image series found in {path}")
    return found.choose_series(key)


def load_with_progress(series: Series) -> Volume:
    """Load ``series`` with progress on a terminal."""
    from viewer.core.dicom import load_series

    return with_progress("loading", lambda progress: load_series(series, progress=progress))

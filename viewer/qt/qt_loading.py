"""Showing a series in a viewing state: one way for the main window and the comparison viewports."""

from __future__ import annotations

from collections.abc import Callable

from viewer.model.state import ViewerState
from viewer.qt.qt_workers import Job


def series_load_job(state: ViewerState, series, previous: Job | None = None,
                    before_show: Callable[[], None] | None = None) -> Job:
    """Show ``series`` in ``state`` at once and return the (unstarted) job that fills its pixels.

    The previous load of that state is cancelled; the slice on screen (the middle one) is
    decoded first. The caller connects the job's signals and starts it (``start_job``).

    Parameters
    ----------
    state
        The state that shows the series.
    series
        A scanned :class:`viewer.core.dicom.scan.Series`.
    previous
        The job still filling ``state``, if any.
    before_show
        Called once the series is known to be loadable, just before ``state`` changes.

    Raises
    ------
    OutpostError
        The series cannot be shown (its geometry or pixel format); ``state`` is unchanged.
    """
    from viewer.core.dicom import SeriesLoader

    if previous is not None and not previous.done:
        previous.cancel()
    loader = SeriesLoader(series)
    if before_show is not None:
        before_show()
    state.set_volume(loader.volume, series)
    return Job(loader.load, name="load", first_slice=int(round(state.cursor[2])))


def refresh_automatic_window(state: ViewerState) -> None:
    """Once the slice on screen is decoded, base an automatic window on it (see :class:`ViewerState`)."""
    volume, index = state.volume, int(round(state.cursor[2]))
    if state.automatic_window and volume is not None and 0 <= index < volume.shape_zyx[0]:
        plane = volume.array[state.timepoint] if volume.is_4d else volume.array
        state.refresh_automatic_window(plane[index])


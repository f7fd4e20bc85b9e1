"""Series side by side: layouts 1x2, 2x1 and 2x2 of viewports bound to a :class:`~viewer.model.layout.LayoutModel`.

The model holds the states (viewport 0 shows the main viewing state, the series the rest of
the window works on: AI, overlays, measurements), the active viewport and the synchronisation
(scrolling, zoom and pan, window/level on request, reference lines); this widget only shows
them: one :class:`~viewer.qt.qt_viewport.QtViewport` per state, each in the plane its series
was acquired in, and the loads that fill the states (:func:`viewer.qt.qt_loading.series_load_job`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGridLayout, QWidget

from viewer.core.errors import OutpostError
from viewer.model.layout import GRIDS, LayoutModel, slice_position_mm
from viewer.model.state import ViewerState
from viewer.qt.qt_loading import refresh_automatic_window, series_load_job
from viewer.qt.qt_viewport import QtViewport
from viewer.qt.qt_workers import Job, start_job

#: Layout name -> (rows, columns).
LAYOUTS = GRIDS

__all__ = ["LAYOUTS", "QtComparison", "slice_position_mm"]


class QtComparison(QWidget):
    """Up to four viewports in a grid, one series each, shown from a :class:`LayoutModel`.

    Parameters
    ----------
    main_state
        The main viewing state (viewport 0).
    on_new_viewport
        Called with each viewport made (the window wires its mouse and drop signals).
    model
        The layout model to show; one on ``main_state`` by default.
    """

    def __init__(self, main_state: ViewerState, on_new_viewport: Callable[[QtViewport], None] | None = None,
                 parent: QWidget | None = None, model: LayoutModel | None = None) -> None:
        super().__init__(parent)
        self._on_new_viewport = on_new_viewport
        self.model = model if model is not None else LayoutModel(main_state)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.all_viewports: list[QtViewport] = []
        #: The job filling each viewport's state, by viewport number (0: the window's own load).
        self.load_jobs: dict[int, Job] = {}
        #: Viewports showing the volume of another state (the same series): that state, and the forwarder.
        self._shared: dict[int, tuple[ViewerState, Callable[..., None]]] = {}
        self._applying_transform = False
        for number in range(len(self.model.states)):
            self._make_viewport(number)
        self.model.viewport_added.connect(self._make_viewport)
        self.model.layout_changed.connect(self._arrange)
        self.model.transform_changed.connect(self._on_transform_changed)
        self.model.reference_lines_changed.connect(self._refresh_reference_lines)
        self._arrange()

    def _make_viewport(self, number: int) -> None:
        state = self.model.states[number]
        viewport = QtViewport(state, self.model.view_of(number), self)
        viewport.setVisible(False)
        self.all_viewports.append(viewport)
        if self._on_new_viewport is not None:
            self._on_new_viewport(viewport)
        state.volume_changed.connect(lambda n=number: self._on_volume_changed(n))
        viewport.activated.connect(lambda _viewport, n=number: self.model.set_active(n))
        viewport.view_transformed.connect(lambda _viewport, n=number: self._on_viewport_transformed(n))

    # ------------------------------------------------------------------ layout
    @property
    def layout_name(self) -> str:
        """The model's layout."""
        return self.model.layout_name

    @property
    def viewports(self) -> list[QtViewport]:
        """The viewports of the current layout, row by row."""
        return self.all_viewports[:self.model.count]

    @property
    def synchronised(self) -> bool:
        """Whether scrolling is synchronised (the model's flag)."""
        return self.model.sync_scroll

    @synchronised.setter
    def synchronised(self, on: bool) -> None:
        self.model.set_sync_scroll(on)

    def set_layout(self, name: str) -> None:
        """Show layout ``name`` (``1x2``, ``2x1``, ``2x2``; ``single`` and ``mpr``: the grid is not shown)."""
        self.model.set_layout(name)

    def resynchronise(self) -> None:
        """Take the slices on screen now as where each series stands against the others."""
        self.model.resynchronise()

    def _arrange(self) -> None:
        if self.model.layout_name not in GRIDS:
            return
        rows, columns = self.model.grid
        for viewport in self.all_viewports:
            self.grid.removeWidget(viewport)
            viewport.setVisible(False)
        for number, viewport in enumerate(self.viewports):
            self.grid.addWidget(viewport, number // columns, number % columns)
            viewport.setVisible(True)
            viewport.view = self.model.view_of(number)
        self._refresh_reference_lines()

    # ------------------------------------------------------------------ series
    def load(self, number: int, series, on_error: Callable[[Exception], None] | None = None) -> Job | None:
        """Show ``series`` in viewport ``number`` (1 or more: 0 is the main state's), loaded in the background."""
        state = self.model.states[number]
        self._stop_sharing(number)
        source = next((other for other in self.model.states
                       if other is not state and other.series is series and other.volume is not None), None)
        if source is not None:  # the series is on screen already (e.g. lung and mediastinal windows): not twice
            return self._share(number, source, series)
        try:
            job = series_load_job(state, series, self.load_jobs.get(number))
        except OutpostError as e:
            if on_error is not None:
                on_error(e)
            return None
        job.signals.progress.connect(lambda *_args, s=state: s.pixels_changed.emit())
        job.signals.result.connect(lambda _volume, s=state: self._on_loaded(s))
        if on_error is not None:
            job.signals.errored.connect(on_error)
        self.load_jobs[number] = job
        return start_job(job)

    def _share(self, number: int, source: ViewerState, series) -> None:
        """Show in viewport ``number`` the volume ``source`` shows (read, never copied), repainted as it fills."""
        job = self.load_jobs.pop(number, None)
        if job is not None and not job.done:
            job.cancel()
        state = self.model.states[number]
        state.set_volume(source.volume, series)
        forward = state.pixels_changed.emit
        source.pixels_changed.connect(forward)
        self._shared[number] = (source, forward)

    def _stop_sharing(self, number: int) -> None:
        source, forward = self._shared.pop(number, (None, None))
        if source is not None:
            source.pixels_changed.disconnect(forward)

    def clear(self, number: int) -> None:
        """Empty viewport ``number`` (1 or more), cancelling its load."""
        self._stop_sharing(number)
        job = self.load_jobs.pop(number, None)
        if job is not None and not job.done:
            job.cancel()
        if self.model.states[number].volume is not None:
            self.model.states[number].set_volume(None)

    @staticmethod
    def _on_loaded(state: ViewerState) -> None:
        refresh_automatic_window(state)
        state.pixels_changed.emit()

    def _on_volume_changed(self, number: int) -> None:
        viewport = self.all_viewports[number]
        viewport.view = self.model.view_of(number)
        viewport.reset_view()
        self._refresh_reference_lines()

    # ------------------------------------------------------------------ zoom, pan, reference lines
    def _on_viewport_transformed(self, number: int) -> None:
        if self._applying_transform or number >= self.model.count:
            return
        viewport = self.all_viewports[number]
        self.model.set_transform(number, viewport.zoom, (viewport.pan.x(), viewport.pan.y()))

    def _on_transform_changed(self, numbers: list[int]) -> None:
        self._applying_transform = True
        try:
            for number in numbers:
                viewport = self.all_viewports[number]
                viewport.zoom, viewport.pan = self.model.zooms[number], QPointF(*self.model.pans[number])
                viewport.update()
        finally:
            self._applying_transform = False

    def _refresh_reference_lines(self) -> None:
        for number, viewport in enumerate(self.all_viewports):
            lines = self.model.reference_lines(number) if number < self.model.count else []
            if lines or viewport.reference_lines:
                viewport.reference_lines = lines
                viewport.update()

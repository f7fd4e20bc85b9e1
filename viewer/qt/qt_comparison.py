"""Series side by side: layouts 1x2, 2x1 and 2x2, each viewport with its own series, scrolled together.

Viewport 0 shows the main viewing state (the series the rest of the window works on: AI,
overlays, measurements); the others each have a :class:`~viewer.model.state.ViewerState` of
their own. Each shows its series in the plane it was acquired in. With synchronised scrolling,
moving one moves the others by the same distance along their slice normals: from the position
each had when it was shown (a prior from another frame of reference), or to the same position
in the patient when both share a frame of reference (the same study).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtWidgets import QGridLayout, QWidget

from viewer.core.errors import OutpostError
from viewer.core.mpr import acquisition_plane, is_projection
from viewer.core.volume import Volume
from viewer.model.state import ViewerState
from viewer.qt.qt_viewport import QtViewport
from viewer.qt.qt_workers import Job, start_job

#: Layout name -> (rows, columns).
LAYOUTS = {"1x2": (1, 2), "2x1": (2, 1), "2x2": (2, 2)}


@dataclass
class Cell:
    """One viewport of the comparison and the state it shows."""

    state: ViewerState
    viewport: QtViewport
    load_job: Job | None = None
    anchor_mm: float = 0.0  # the slice position along the normal when synchronisation began


def slice_position_mm(volume: Volume, index: float) -> float:
    """Where acquired slice ``index`` lies along the volume's slice normal, in mm (patient space)."""
    normal = np.asarray(volume.direction, dtype=np.float64)[:, 2]
    point = volume.index_to_physical(np.array([0.0, 0.0, float(index)]))
    return float(point @ normal)


class QtComparison(QWidget):
    """Up to four viewports in a grid, one series each."""

    def __init__(self, main_state: ViewerState, on_new_viewport=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_new_viewport = on_new_viewport
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.cells = [self._make_cell(main_state)]
        self.layout_name = "1x2"
        self.synchronised = True
        self._syncing = False

    def _make_cell(self, state: ViewerState) -> Cell:
        viewport = QtViewport(state, "axial", self)
        cell = Cell(state, viewport)
        if self._on_new_viewport is not None:
            self._on_new_viewport(viewport)
        state.volume_changed.connect(lambda cell=cell: self._on_volume_changed(cell))
        state.cursor_changed.connect(lambda cell=cell: self._on_cursor_changed(cell))
        return cell

    # ------------------------------------------------------------------ layout
    @property
    def viewports(self) -> list[QtViewport]:
        """The viewports of the current layout, row by row."""
        rows, columns = LAYOUTS[self.layout_name]
        return [cell.viewport for cell in self.cells[:rows * columns]]

    def set_layout(self, name: str) -> None:
        """Arrange ``1x2``, ``2x1`` or ``2x2`` viewports (new ones start empty)."""
        rows, columns = LAYOUTS[name]
        self.layout_name = name
        while len(self.cells) < rows * columns:
            state = ViewerState()
            state.slab_mode, state.slab_mm = self.cells[0].state.slab_mode, self.cells[0].state.slab_mm
            self.cells.append(self._make_cell(state))
        for cell in self.cells:
            self.grid.removeWidget(cell.viewport)
            cell.viewport.setVisible(False)
        for number, cell in enumerate(self.cells[:rows * columns]):
            self.grid.addWidget(cell.viewport, number // columns, number % columns)
            cell.viewport.setVisible(True)
            cell.viewport.view = self._view_of(cell.state.volume)

    @staticmethod
    def _view_of(volume: Volume | None) -> str:
        if volume is None:
            return "axial"
        return "axial" if is_projection(volume) else acquisition_plane(volume)

    # ------------------------------------------------------------------ series
    def load(self, number: int, series, on_error=None) -> Job | None:
        """Show ``series`` in viewport ``number`` (1 or more: 0 is the main state's), loaded in the background."""
        from viewer.core.dicom import SeriesLoader

        cell = self.cells[number]
        if cell.load_job is not None and not cell.load_job.done:
            cell.load_job.cancel()
        try:
            loader = SeriesLoader(series)
        except OutpostError as e:
            if on_error is not None:
                on_error(e)
            return None
        cell.state.set_volume(loader.volume, series)
        job = Job(loader.load, name="load", first_slice=int(round(cell.state.cursor[2])))
        job.signals.progress.connect(lambda *_args, cell=cell: cell.state.pixels_changed.emit())
        job.signals.result.connect(lambda _volume, cell=cell: self._on_loaded(cell))
        if on_error is not None:
            job.signals.errored.connect(on_error)
        cell.load_job = job
        return start_job(job)

    def _on_loaded(self, cell: Cell) -> None:
        volume = cell.state.volume
        if volume is not None and cell.state.automatic_window:
            cell.state.refresh_automatic_window(volume.array[int(round(cell.state.cursor[2]))]
                                                if not volume.is_4d else volume.array[0, 0])
        cell.state.pixels_changed.emit()

    def _on_volume_changed(self, cell: Cell) -> None:
        cell.viewport.view = self._view_of(cell.state.volume)
        cell.viewport.reset_view()
        self.resynchronise()

    # ------------------------------------------------------------------ synchronised scrolling
    def resynchronise(self) -> None:
        """Take the slices on screen now as where each series stands against the others."""
        for cell in self.cells:
            volume = cell.state.volume
            if volume is not None and not is_projection(volume):
                cell.anchor_mm = slice_position_mm(volume, cell.state.cursor[2])

    def _on_cursor_changed(self, moved: Cell) -> None:
        volume = moved.state.volume
        if self._syncing or not self.synchronised or volume is None or is_projection(volume):
            return
        normal = np.asarray(volume.direction, dtype=np.float64)[:, 2]
        shift = slice_position_mm(volume, moved.state.cursor[2]) - moved.anchor_mm
        self._syncing = True
        try:
            for cell in self.cells[:len(self.viewports)]:
                other = cell.state.volume
                if cell is moved or other is None or is_projection(other):
                    continue
                other_normal = np.asarray(other.direction, dtype=np.float64)[:, 2]
                alignment = float(normal @ other_normal)
                if abs(alignment) < 0.7:
                    continue  # not the same plane: nothing sensible to follow
                frame = volume.provenance.frame_of_reference_uid
                same_frame = bool(frame) and frame == other.provenance.frame_of_reference_uid
                target = (slice_position_mm(volume, moved.state.cursor[2]) * np.sign(alignment) if same_frame
                          else cell.anchor_mm + shift * np.sign(alignment))
                start = slice_position_mm(other, 0)
                step = slice_position_mm(other, 1) - start if other.shape_zyx[0] > 1 else 1.0
                index = int(np.clip(round((target - start) / step), 0, other.shape_zyx[0] - 1))
                cursor = cell.state.cursor.copy()
                cursor[2] = index
                cell.state.set_cursor(cursor)
        finally:
            self._syncing = False

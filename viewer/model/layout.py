"""The viewports of a layout, each with its own series, and how they are kept in step; no Qt.

A :class:`LayoutModel` holds the layout's name (``single``, ``mpr``, or a comparison grid of
:data:`GRIDS`), one :class:`~viewer.model.state.ViewerState` per viewport (the first is the main
state the rest of the window works on: AI, overlays, measurements), the active viewport, and
the synchronisation between them:

- scrolling: moving one viewport's slice moves the others along their slice normals, to the
  same patient position when both share a frame of reference, else by the same distance from
  the position each stood at when synchronisation was set (the *anchors*: taken when a series
  is first shown and by :meth:`LayoutModel.resynchronise`, and kept until then);
- zoom and pan: the same on every viewport;
- window/level: on request, copied to the viewports showing the same modality;
- reference lines: each viewport's slice drawn in the others of its frame of reference
  (:meth:`LayoutModel.reference_lines`, computed by :mod:`viewer.core.reference_lines`).

Widgets bind to it (:mod:`viewer.qt.qt_comparison`); a script or a test drives it the same way.
"""

from __future__ import annotations

from typing import TypeGuard

import numpy as np

from viewer.core.mpr import acquisition_plane, extract_plane, is_projection, view_axis
from viewer.core.reference_lines import PlaneRect, plane_rect, reference_line
from viewer.core.volume import Volume
from viewer.model.events import Event
from viewer.model.state import ViewerState

#: Comparison layouts: name -> (rows, columns).
GRIDS: dict[str, tuple[int, int]] = {"1x2": (1, 2), "2x1": (2, 1), "2x2": (2, 2)}
#: The layouts of one series: the active view alone, or axial, coronal and sagittal on the main state.
SINGLE_LAYOUTS = ("single", "mpr")
#: Below this |cos| between two slice normals, the planes are too different to scroll together.
_SAME_PLANE_COSINE = 0.7

Segment = tuple[tuple[float, float], tuple[float, float]]


def slice_position_mm(volume: Volume, index: float) -> float:
    """Where acquired slice ``index`` lies along the volume's slice normal, in mm (patient space)."""
    normal = np.asarray(volume.direction, dtype=np.float64)[:, 2]
    point = volume.index_to_physical(np.array([0.0, 0.0, float(index)]))
    return float(point @ normal)


def view_of(volume: Volume | None) -> str:
    """The plane a comparison viewport shows ``volume`` in: the one it was acquired in."""
    if volume is None or is_projection(volume):
        return "axial"  # a projection image is shown as stored whatever the view
    return acquisition_plane(volume)


def _slices(volume: Volume | None) -> TypeGuard[Volume]:
    """Whether ``volume`` is a stack of slices that can scroll with others."""
    return volume is not None and not is_projection(volume)


def _alignment(a: Volume, b: Volume) -> float:
    """``1`` or ``-1`` when the slice normals of ``a`` and ``b`` run the same or opposite ways, else ``0``.

    ``0`` is when the planes differ too much to scroll together.
    """
    normals = [np.asarray(v.direction, dtype=np.float64)[:, 2] for v in (a, b)]
    cosine = float(normals[0] @ normals[1])
    return float(np.sign(cosine)) if abs(cosine) >= _SAME_PLANE_COSINE else 0.0


def same_frame(a: Volume, b: Volume) -> bool:
    """Whether two volumes share a (known) frame of reference."""
    frame = a.provenance.frame_of_reference_uid
    return bool(frame) and frame == b.provenance.frame_of_reference_uid


class LayoutModel:
    """The viewports of the layout on screen, their states and their synchronisation.

    Parameters
    ----------
    main
        The main viewing state (viewport 0); a new one by default.

    Attributes
    ----------
    states
        One :class:`~viewer.model.state.ViewerState` per viewport ever shown (a smaller layout
        hides the last ones and keeps them); ``states[0]`` is ``main``.
    layout_name
        ``single``, ``mpr``, ``1x2``, ``2x1`` or ``2x2``.
    active
        The number of the viewport the reader works in.
    sync_scroll, sync_zoom_pan, sync_window, show_reference_lines
        What is kept in step (window/level is off until asked for).
    anchors_mm
        Per viewport, the slice position (mm along its normal) that stands against the others'.
    zooms, pans
        Per viewport, the zoom (1: fit) and the pan (screen pixels) last set.
    layout_by_hand
        Whether the reader chose a layout in this session (hanging protocols then stay off
        unless asked for).
    layout_changed, active_changed, sync_changed, viewport_added, transform_changed, reference_lines_changed
        :class:`~viewer.model.events.Event` s: another layout; another active viewport; a
        synchronisation flag; a state was added (with its number); zoom or pan of the viewports
        given (a list of numbers); the slices the reference lines come from moved.
    """

    def __init__(self, main: ViewerState | None = None) -> None:
        self.layout_changed = Event()
        self.active_changed = Event()
        self.sync_changed = Event()
        self.viewport_added = Event()
        self.transform_changed = Event()
        self.reference_lines_changed = Event()
        self.states: list[ViewerState] = []
        self.anchors_mm: list[float] = []
        self.zooms: list[float] = []
        self.pans: list[tuple[float, float]] = []
        self.layout_name = "single"
        self.active = 0
        self.sync_scroll = True
        self.sync_zoom_pan = True
        self.sync_window = False
        self.show_reference_lines = True
        self.layout_by_hand = False
        self._syncing = False
        self._add_state(main if main is not None else ViewerState())

    # ------------------------------------------------------------------ viewports
    def _add_state(self, state: ViewerState) -> None:
        number = len(self.states)
        self.states.append(state)
        self.anchors_mm.append(0.0)
        self.zooms.append(1.0)
        self.pans.append((0.0, 0.0))
        state.volume_changed.connect(lambda n=number: self._on_volume_changed(n))
        state.cursor_changed.connect(lambda n=number: self._on_cursor_changed(n))
        state.display_changed.connect(lambda n=number: self._on_display_changed(n))
        self.viewport_added.emit(number)

    @property
    def main(self) -> ViewerState:
        """The main state (viewport 0)."""
        return self.states[0]

    @property
    def grid(self) -> tuple[int, int]:
        """Rows and columns of the layout (``(1, 1)`` for ``single`` and ``mpr``: one state)."""
        return GRIDS.get(self.layout_name, (1, 1))

    @property
    def count(self) -> int:
        """How many viewports (states) the layout shows."""
        rows, columns = self.grid
        return rows * columns

    @property
    def shown(self) -> list[ViewerState]:
        """The states of the viewports shown, row by row."""
        return self.states[:self.count]

    def set_layout(self, name: str) -> None:
        """Show layout ``name`` (new viewports start empty, with the main state's slab).

        Raises
        ------
        ValueError
            ``name`` is not a layout.
        """
        if name not in GRIDS and name not in SINGLE_LAYOUTS:
            raise ValueError(f"unknown layout {name!r}; expected one of {(*SINGLE_LAYOUTS, *GRIDS)}")
        self.layout_name = name
        while len(self.states) < self.count:
            state = ViewerState()
            state.slab_mode, state.slab_mm = self.main.slab_mode, self.main.slab_mm
            self._add_state(state)
        if self.active >= self.count:
            self.active = 0
            self.active_changed.emit()
        self.layout_changed.emit()
        self.reference_lines_changed.emit()

    def set_active(self, number: int) -> None:
        """Make viewport ``number`` the active one."""
        if 0 <= number < self.count and number != self.active:
            self.active = number
            self.active_changed.emit()

    def view_of(self, number: int) -> str:
        """The plane viewport ``number`` shows."""
        return view_of(self.states[number].volume)

    # ------------------------------------------------------------------ synchronisation flags
    def set_sync_scroll(self, on: bool) -> None:
        """Scroll together or not. Turning it back on keeps the anchors (see :meth:`resynchronise`)."""
        self.sync_scroll = bool(on)
        self.sync_changed.emit()

    def set_sync_zoom_pan(self, on: bool) -> None:
        """Zoom and pan together or not; on, every viewport takes the active one's."""
        self.sync_zoom_pan = bool(on)
        if on:
            self.set_transform(self.active, self.zooms[self.active], self.pans[self.active])
        self.sync_changed.emit()

    def set_sync_window(self, on: bool) -> None:
        """Link window/level or not; on, the viewports of the active one's modality take its window."""
        self.sync_window = bool(on)
        if on:
            self._on_display_changed(self.active)
        self.sync_changed.emit()

    def set_show_reference_lines(self, on: bool) -> None:
        """Draw each viewport's slice in the others (same frame of reference) or not."""
        self.show_reference_lines = bool(on)
        self.sync_changed.emit()
        self.reference_lines_changed.emit()

    # ------------------------------------------------------------------ scrolling
    def resynchronise(self) -> None:
        """Take the slices on screen now as standing against each other (the reader's offset)."""
        for number, state in enumerate(self.states):
            if _slices(state.volume):
                self.anchors_mm[number] = slice_position_mm(state.volume, state.cursor[2])

    def offset_mm(self, number: int, reference: int = 0) -> float:
        """How far viewport ``number``'s anchor lies from viewport ``reference``'s, in mm."""
        return self.anchors_mm[number] - self.anchors_mm[reference]

    def _leader(self, exclude: int) -> int | None:
        """A shown viewport with slices, to align a newly shown series with (the active one first)."""
        order = [self.active, *range(self.count)]
        return next((n for n in order if n != exclude and n < len(self.states)
                     and _slices(self.states[n].volume)), None)

    def _on_volume_changed(self, number: int) -> None:
        state = self.states[number]
        self.zooms[number], self.pans[number] = 1.0, (0.0, 0.0)
        if _slices(state.volume):
            position = slice_position_mm(state.volume, state.cursor[2])
            leader = self._leader(number)
            if leader is None:
                self.anchors_mm[number] = position
            else:  # the others keep their anchors: this one joins them where they stand now
                other = self.states[leader]
                assert other.volume is not None  # a leader shows slices (_leader)
                shift = slice_position_mm(other.volume, other.cursor[2]) - self.anchors_mm[leader]
                self.anchors_mm[number] = position - shift * _alignment(other.volume, state.volume)
                if number < self.count and same_frame(other.volume, state.volume):
                    self._follow(leader, [number])  # the same patient position
        self.reference_lines_changed.emit()

    def _on_cursor_changed(self, number: int) -> None:
        if self._syncing:
            return
        if self.sync_scroll and number < self.count:
            self._follow(number, [n for n in range(self.count) if n != number])
        self.reference_lines_changed.emit()

    def _follow(self, leader: int, followers: list[int]) -> None:
        """Move ``followers`` to stand against ``leader``'s slice."""
        volume = self.states[leader].volume
        if not _slices(volume):
            return
        position = slice_position_mm(volume, self.states[leader].cursor[2])
        shift = position - self.anchors_mm[leader]
        self._syncing = True
        try:
            for number in followers:
                state = self.states[number]
                other = state.volume
                if not _slices(other):
                    continue
                sign = _alignment(volume, other)
                if not sign:
                    continue  # not the same plane: nothing sensible to follow
                target = position * sign if same_frame(volume, other) else self.anchors_mm[number] + shift * sign
                start = slice_position_mm(other, 0)
                step = slice_position_mm(other, 1) - start if other.shape_zyx[0] > 1 else 1.0
                index = int(np.clip(round((target - start) / step), 0, other.shape_zyx[0] - 1))
                if index != int(round(state.cursor[2])):
                    cursor = state.cursor.copy()
                    cursor[2] = index
                    state.set_cursor(cursor)
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ zoom, pan, window
    def set_transform(self, number: int, zoom: float, pan: tuple[float, float]) -> None:
        """Viewport ``number`` was zoomed or panned; with zoom/pan linked, the others follow."""
        zoom, pan = float(zoom), (float(pan[0]), float(pan[1]))
        changed = [n for n in (range(self.count) if self.sync_zoom_pan else [number])
                   if (self.zooms[n], self.pans[n]) != (zoom, pan) or n == number]
        for n in changed:
            self.zooms[n], self.pans[n] = zoom, pan
        self.transform_changed.emit([n for n in changed if n != number])

    def _on_display_changed(self, number: int) -> None:
        if self._syncing or not self.sync_window or number >= self.count:
            return
        source = self.states[number]
        if source.volume is None or source.volume.is_rgb or source.use_voi_lut:
            return
        self._syncing = True
        try:
            for n, state in enumerate(self.shown):
                volume = state.volume
                if n == number or volume is None or volume.is_rgb or state.window == source.window:
                    continue
                if (volume.modality or "") == (source.volume.modality or ""):
                    state.set_window(source.window)
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ reference lines
    def reference_lines(self, number: int) -> list[Segment]:
        """The slices of the other shown viewports, as segments of viewport ``number``'s plane.

        The segments are ``((row, col), (row, col))``: only those in its frame of reference and not
        parallel to it.
        """
        if not self.show_reference_lines or number >= self.count or self.count == 1:
            return []
        shown = self._rect(number)
        if shown is None:
            return []
        volume, lines = self.states[number].volume, []
        assert volume is not None  # it has a plane (_rect)
        for other in range(self.count):
            other_volume = self.states[other].volume
            if other == number or other_volume is None or not same_frame(volume, other_volume):
                continue
            rect = self._rect(other)
            line = reference_line(shown, rect) if rect is not None else None
            if line is not None:
                lines.append(line)
        return lines

    def _rect(self, number: int) -> PlaneRect | None:
        state = self.states[number]
        volume = state.volume
        if not _slices(volume):
            return None
        view = view_of(volume)
        plane = extract_plane(volume, view, int(round(state.cursor[view_axis(volume, view)])))
        return plane_rect(volume, plane)

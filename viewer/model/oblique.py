"""The oblique MPR: true reformats on request, and the reader's turns of the crosshair; no Qt.

By default the views show the closest anatomical planes without resampling
(:func:`viewer.core.mpr.extract_plane`). :class:`ObliqueMPR` holds what changes that:

- **True reformats** (:attr:`ObliqueMPR.reformat`): each view shows the patient's own plane
  through the crosshair, resampled linearly (:func:`viewer.core.reformat.covering_plane`), so
  its orientation letters are exactly the patient's axes.
- **Turns** of the crosshair (:meth:`ObliqueMPR.rotate`): turning the crosshair in one view
  by an angle turns the other two views' planes about that view's normal through the crosshair
  (the view turned in stays as it is). Turns in two views compose (double-oblique): each view
  keeps the rotation of its patient plane's axes, and a turn left-multiplies the others'.

The three planes stay perpendicular; each passes through the crosshair (a continuous voxel
``(x, y, z)`` of :class:`viewer.model.state.ViewerState`), so a point clicked in one view lies
in the other two, and each view's crosshair lines are where the others' planes cut it
(:meth:`ObliqueMPR.crosshair`). Every position goes through the patient's LPS coordinates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from viewer.core.mpr import VIEWS, is_projection
from viewer.core.reformat import PATIENT_PLANES, ReformatPlane, corner_positions, covering_plane, release_copy
from viewer.core.volume import Volume
from viewer.model.events import Event

#: Per view, the patient (LPS) direction towards the next plane of a true reformat.
ACROSS = {"axial": (0.0, 0.0, 1.0), "coronal": (0.0, 1.0, 0.0), "sagittal": (1.0, 0.0, 0.0)}


def rotation(axis: ArrayLike, degrees: float) -> np.ndarray:
    """The 3x3 rotation by ``degrees`` about the unit vector ``axis`` (right-handed)."""
    direction = np.asarray(axis, dtype=np.float64)
    unit = direction / np.linalg.norm(direction)
    angle = np.radians(degrees)
    cross = np.array([[0.0, -unit[2], unit[1]], [unit[2], 0.0, -unit[0]], [-unit[1], unit[0], 0.0]])
    turned: np.ndarray = np.eye(3) + np.sin(angle) * cross + (1.0 - np.cos(angle)) * (cross @ cross)
    return turned


def can_reformat(volume: Volume | None) -> bool:
    """Whether ``volume`` has true reformats: a grey-scale volume of slices (not a projection image)."""
    return volume is not None and not volume.is_rgb and not is_projection(volume) and volume.shape_zyx[0] > 1


class ObliqueMPR:
    """True reformats and the turned crosshair of one viewing session's MPR.

    Attributes
    ----------
    changed
        :class:`~viewer.model.events.Event` emitted when reformats are turned on or off or the
        crosshair turned or reset.
    reformat
        Whether the views show true reformats of the patient's planes.
    turns
        Per view: the rotation (3x3) applied to its patient plane's axes.
    angles
        Per view: the degrees the reader turned the crosshair in it (clockwise on the image
        as shown without flips), in ``(-180, 180]``.
    """

    def __init__(self) -> None:
        self.changed = Event()
        self.reformat = False
        self.turns = {view: np.eye(3) for view in VIEWS}
        self.angles = {view: 0.0 for view in VIEWS}
        self._planes: dict[str, tuple[tuple[object, ...], ReformatPlane]] = {}
        self._fill: tuple[tuple[int, int], float] | None = None

    # --------------------------------------------------------------- what is shown
    @property
    def rotated(self) -> bool:
        """Whether the crosshair is turned (in any view)."""
        return any(not np.allclose(turn, np.eye(3), atol=1e-9) for turn in self.turns.values())

    def applies(self, volume: Volume | None) -> bool:
        """Whether the views of ``volume`` show resampled planes (true reformats or a turned crosshair)."""
        return (self.reformat or self.rotated) and can_reformat(volume)

    def caption(self, view: str) -> str:
        """What the corner text calls the plane of ``view``: ``Axial reformat`` or ``Oblique (...)``."""
        if not self.rotated:
            return f"{view.capitalize()} reformat"
        turned = [f"{name} {angle:+.0f}°" for name, angle in self.angles.items() if abs(angle) >= 0.5]
        return "Oblique" + (f" ({', '.join(turned)})" if turned else "")

    # --------------------------------------------------------------- changes
    def set_reformat(self, on: bool) -> None:
        """Show true reformats of the patient's planes (``True``) or the acquired planes (``False``)."""
        self.reformat = bool(on)
        self._planes.clear()
        self.changed.emit()

    def rotate(self, view: str, degrees: float) -> None:
        """Turn the crosshair in ``view`` by ``degrees``: the other views turn about its normal.

        Positive turns one pixel right towards one pixel down (clockwise on the image as shown
        without flips).

        Raises
        ------
        ValueError
            An unknown view.
        """
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")
        right, down, _across = self.axes(view)
        turn = rotation(np.cross(right, down), degrees)  # about the screen's normal: clockwise on screen
        for other in VIEWS:
            if other != view:
                self.turns[other] = turn @ self.turns[other]
        angle = float((self.angles[view] + degrees) % 360.0)
        self.angles[view] = angle - 360.0 if angle > 180.0 else angle
        self._planes.clear()
        self.changed.emit()

    def reset(self) -> None:
        """Undo every turn of the crosshair (true reformats stay as they are)."""
        self._unturn()
        self.changed.emit()

    def _unturn(self) -> None:
        self.turns = {view: np.eye(3) for view in VIEWS}
        self.angles = {view: 0.0 for view in VIEWS}
        self._planes.clear()

    def forget(self) -> None:
        """Drop the planes made and the SimpleITK copy: the volume's pixels changed."""
        self._planes.clear()
        self._fill = None
        release_copy()

    def volume_changed(self) -> None:
        """Another volume: straight planes again (true reformats stay on or off), nothing kept."""
        self._unturn()
        self.forget()

    # --------------------------------------------------------------- geometry
    def axes(self, view: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit LPS directions of ``view``: one pixel right, one pixel down, and towards the next plane."""
        right, down = PATIENT_PLANES[view]
        turn = self.turns[view]
        return turn @ np.asarray(right), turn @ np.asarray(down), turn @ np.asarray(ACROSS[view])

    def plane(self, volume: Volume, view: str, cursor_xyz: ArrayLike, timepoint: int = 0, slab_mode: str = "",
              slab_mm: float = 0.0) -> ReformatPlane:
        """The resampled plane of ``view`` through the crosshair ``cursor_xyz`` (a continuous voxel).

        With ``slab_mode`` (one of :data:`viewer.core.mpr.SLAB_MODES`), the maximum, minimum or
        mean of the parallel planes one step apart within ``slab_mm / 2`` of it, as
        :func:`viewer.core.mpr.slab_plane` does for acquired planes. The last plane made for
        each view is kept until the crosshair leaves it, the volume's pixels change or the
        planes turn.
        """
        right, down, across = self.axes(view)
        point = volume.index_to_physical(np.asarray(cursor_xyz, dtype=np.float64))
        key = (id(volume), id(volume.array), timepoint, right.tobytes(), down.tobytes(),
               round(float(point @ across), 6), slab_mode, float(slab_mm) if slab_mode else 0.0)
        kept = self._planes.get(view)
        if kept is not None and kept[0] == key:
            return kept[1]
        fill = self._fill_value(volume, timepoint)
        sampled = covering_plane(volume, right, down, point, timepoint=timepoint, fill=fill)
        if slab_mode:
            step = self._steps(volume, view)[2]
            half = int(np.floor(max(0.0, float(slab_mm)) / 2 / step + 1e-9))
            layers = [sampled.array] + [  # the planes beyond the volume's edge do not count
                covering_plane(volume, right, down, point + across * (k * step), timepoint=timepoint,
                               fill=np.nan).array for k in range(-half, half + 1) if k]
            reducers: dict[str, Callable[..., np.ndarray]] = {"mip": np.nanmax, "minip": np.nanmin,
                                                             "average": np.nanmean}
            reduce = reducers[slab_mode]
            sampled.array = reduce(np.stack(layers), axis=0).astype(np.float32)
        plane = ReformatPlane.of(volume, view, self.slice_position(volume, view, cursor_xyz)[0], sampled, across)
        self._planes[view] = (key, plane)
        return plane

    def _fill_value(self, volume: Volume, timepoint: int) -> float:
        """The value outside the volume: its minimum (computed once per volume and time point)."""
        key = (id(volume.array), timepoint)
        if self._fill is None or self._fill[0] != key:
            data = volume.array[timepoint] if volume.is_4d else volume.array
            self._fill = (key, float(np.min(data)))
        return self._fill[1]

    def _steps(self, volume: Volume, view: str) -> tuple[np.ndarray, np.ndarray, float, float, float]:
        """``(across, per_mm, step, first, last)`` along ``view``'s normal.

        ``per_mm`` is the voxel index step of one millimetre along it; one plane ``step`` (mm)
        moves at most one voxel along any index axis (the slice spacing for a plane parallel
        to the slices); ``first`` and ``last`` bound the volume's voxel centres (LPS mm).
        """
        across = self.axes(view)[2]
        to_lps = np.asarray(volume.direction, dtype=np.float64) @ np.diag(np.asarray(volume.spacing, float))
        per_mm = np.linalg.solve(to_lps, across)
        along = corner_positions(volume) @ across
        return across, per_mm, 1.0 / float(np.abs(per_mm).max()), float(along.min()), float(along.max())

    def slice_position(self, volume: Volume, view: str, cursor_xyz: ArrayLike) -> tuple[int, int]:
        """``(index, total)``: the plane of ``view`` through the crosshair, and how many planes it has."""
        across, _per_mm, step, first, last = self._steps(volume, view)
        total = int(np.floor((last - first) / step + 1e-6)) + 1
        at = float(volume.index_to_physical(np.asarray(cursor_xyz, dtype=np.float64)) @ across)
        return int(np.clip(round((at - first) / step), 0, total - 1)), total

    def cursor_at(self, volume: Volume, view: str, cursor_xyz: ArrayLike, index: int) -> np.ndarray:
        """The crosshair moved along ``view``'s normal to plane ``index``, as far as it stays in the volume."""
        across, per_mm, step, first, _last = self._steps(volume, view)
        cursor = np.asarray(cursor_xyz, dtype=np.float64)
        wanted = first + int(index) * step - float(volume.index_to_physical(cursor) @ across)
        low, high = -np.inf, np.inf  # how far (mm) the crosshair can move along the normal inside the volume
        for axis, size in enumerate(volume.shape_zyx[::-1]):
            if abs(per_mm[axis]) > 1e-12:
                bounds = sorted(((0 - cursor[axis]) / per_mm[axis], (size - 1 - cursor[axis]) / per_mm[axis]))
                low, high = max(low, bounds[0]), min(high, bounds[1])
        return cursor + per_mm * float(np.clip(wanted, min(low, 0.0), max(high, 0.0)))

    def crosshair(self, volume: Volume, view: str, plane: ReformatPlane,
                  cursor_xyz: ArrayLike) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
        """Where the other views' planes cut ``plane`` of ``view``: per other view, two pixel ``(row, col)`` ends.

        The ends lie on the plane's border (pixel edges at -0.5 and size - 0.5); a view whose
        plane does not cross the picture has no line.
        """
        point = volume.index_to_physical(np.asarray(cursor_xyz, dtype=np.float64))
        sampled = plane.sampled
        rows, cols = plane.array.shape[:2]
        lines = {}
        for other in VIEWS:
            if other == view:
                continue
            normal = self.axes(other)[2]
            # Pixel (r, c) lies on the other plane where a * r + b * c + d = 0.
            a = float(sampled.down @ normal) * sampled.pixel_mm
            b = float(sampled.right @ normal) * sampled.pixel_mm
            d = float((sampled.origin - point) @ normal)
            ends = _clip_line(a, b, d, rows, cols)
            if ends is not None:
                lines[other] = ends
        return lines


def _clip_line(a: float, b: float, d: float, rows: int, cols: int
               ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The two ends of the line ``a * row + b * col + d = 0`` within the picture, or ``None``."""
    top, bottom, left, right = -0.5, rows - 0.5, -0.5, cols - 0.5
    found = []
    if abs(b) > 1e-12:
        for row in (top, bottom):
            col = -(a * row + d) / b
            if left - 1e-9 <= col <= right + 1e-9:
                found.append((row, col))
    if abs(a) > 1e-12:
        for col in (left, right):
            row = -(b * col + d) / a
            if top - 1e-9 <= row <= bottom + 1e-9:
                found.append((row, col))
    if len(found) < 2:
        return None
    first = found[0]
    second = max(found[1:], key=lambda p: (p[0] - first[0]) ** 2 + (p[1] - first[1]) ** 2)
    return first, second

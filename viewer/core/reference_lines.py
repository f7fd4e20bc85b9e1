"""Reference lines: where one displayed plane cuts another, in the patient's LPS frame; no Qt.

A displayed plane is a rectangle in the patient: the position of its pixel ``(0, 0)`` and the
LPS step of one pixel right and one pixel down (:class:`PlaneRect`). The reference line of
plane *B* on plane *A* is the segment of *A* where *B*'s plane crosses it, clipped to both
rectangles, given in *A*'s pixel coordinates ``(row, col)`` so a view can draw it as it draws
its crosshair. Parallel planes have no line. Only planes in one frame of reference can be
compared: the caller checks the Frame of Reference UIDs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.mpr import SlicePlane
from viewer.core.volume import Volume

#: Planes whose normals are closer than this (the sine of the angle between them) are parallel.
PARALLEL_SINE = 1e-3


@dataclass(frozen=True)
class PlaneRect:
    """A displayed plane in the patient.

    Attributes
    ----------
    origin
        LPS position (mm) of the centre of pixel ``(0, 0)``.
    right, down
        LPS vectors (mm) of one pixel to the right (along a row) and one pixel down (along a column).
    rows, cols
        The size of the picture in pixels.
    """

    origin: np.ndarray
    right: np.ndarray
    down: np.ndarray
    rows: int
    cols: int

    @property
    def normal(self) -> np.ndarray:
        """The unit normal of the plane (``right`` x ``down``)."""
        normal = np.cross(self.right, self.down)
        unit: np.ndarray = normal / np.linalg.norm(normal)
        return unit

    def point(self, row: float, col: float) -> np.ndarray:
        """The LPS position (mm) of pixel ``(row, col)``."""
        return self.origin + col * self.right + row * self.down


def plane_rect(volume: Volume, plane: SlicePlane) -> PlaneRect:
    """The rectangle in the patient of ``plane``, a plane cut from ``volume``."""
    direction = np.asarray(volume.direction, dtype=np.float64)
    spacing = np.asarray(volume.spacing, dtype=np.float64)
    rows, cols = plane.array.shape[:2]
    return PlaneRect(origin=np.asarray(volume.index_to_physical(plane.voxel_at(0, 0)), dtype=np.float64),
                     right=direction @ (plane.col_step * spacing), down=direction @ (plane.row_step * spacing),
                     rows=int(rows), cols=int(cols))


def _clip(start: float, end: float, a: float, b: float, low: float, high: float) -> tuple[float, float] | None:
    """Narrow ``[start, end]`` to the ``t`` where ``low <= a + b t <= high``; ``None`` when nothing is left."""
    if abs(b) < 1e-12:
        return (start, end) if low <= a <= high else None
    t0, t1 = (low - a) / b, (high - a) / b
    start, end = max(start, min(t0, t1)), min(end, max(t0, t1))
    return (start, end) if start <= end else None


def reference_line(shown: PlaneRect, other: PlaneRect) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Where ``other``'s plane crosses ``shown``, as two pixels ``(row, col)`` of ``shown``.

    Parameters
    ----------
    shown
        The plane on screen, where the line is drawn.
    other
        The plane another view shows (the same frame of reference).

    Returns
    -------
    tuple or None
        The two ends of the segment, inside both rectangles (pixel edges at ``-0.5`` and
        ``size - 0.5``); ``None`` when the planes are parallel or do not meet inside both.

    Examples
    --------
    >>> import numpy as np
    >>> axial = PlaneRect(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), 10, 10)
    >>> coronal = PlaneRect(np.array([0, 4.0, -5]), np.array([1.0, 0, 0]), np.array([0, 0, 1.0]), 10, 10)
    >>> reference_line(axial, coronal)
    ((4.0, 9.5), (4.0, -0.5))
    """
    normal = other.normal
    # The signed distance to other's plane of shown's pixel (r, c): k + r * a + c * b.
    a, b = float(normal @ shown.down), float(normal @ shown.right)
    k = float(normal @ (shown.origin - other.origin))
    scale = max(np.linalg.norm(shown.down), np.linalg.norm(shown.right))
    if np.hypot(a, b) < PARALLEL_SINE * scale:
        return None
    # A point of the line, and its direction, in shown's pixels.
    norm2 = a * a + b * b
    r0, c0 = -k * a / norm2, -k * b / norm2
    dr, dc = -b, a
    length = np.hypot(dr, dc)
    dr, dc = dr / length, dc / length
    whole: tuple[float, float] = (-np.inf, np.inf)
    span = _clip(*whole, r0, dr, -0.5, shown.rows - 0.5)
    span = span and _clip(*span, c0, dc, -0.5, shown.cols - 0.5)
    if span is None:
        return None
    # Inside other's rectangle too: other's pixel coordinates along the line, by least squares.
    basis = np.column_stack([other.down, other.right])  # LPS = origin + basis @ (row, col)
    solve = np.linalg.pinv(basis)
    start = solve @ (shown.point(r0, c0) - other.origin)
    step = solve @ (shown.point(r0 + dr, c0 + dc) - shown.point(r0, c0))
    span = _clip(*span, float(start[0]), float(step[0]), -0.5, other.rows - 0.5)
    span = span and _clip(*span, float(start[1]), float(step[1]), -0.5, other.cols - 0.5)
    if span is None or span[1] - span[0] < 1e-9:
        return None
    t0, t1 = span
    return ((float(r0 + t0 * dr), float(c0 + t0 * dc)), (float(r0 + t1 * dr), float(c0 + t1 * dc)))

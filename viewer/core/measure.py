"""Measurements on a displayed plane: lengths, angles and ROI statistics in mm and HU.

Points are ``(row, col)`` pixel coordinates of a :class:`~viewer.core.mpr.SlicePlane`
(sub-pixel allowed); the plane's pixel spacing converts them to millimetres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ROI_KINDS = ("ellipse", "rectangle", "freehand")


def _mm(points: np.ndarray, pixel_spacing: tuple[float, float]) -> np.ndarray:
    col_mm, row_mm = pixel_spacing
    scaled: NDArray[np.float64] = np.asarray(points, dtype=np.float64) * np.array([row_mm, col_mm])
    return scaled


def length_mm(p: tuple[float, float], q: tuple[float, float], pixel_spacing: tuple[float, float]) -> float:
    """Distance in mm between two pixel positions ``(row, col)``."""
    a, b = _mm(np.array([p, q]), pixel_spacing)
    return float(np.linalg.norm(b - a))


def angle_deg(a: tuple[float, float], vertex: tuple[float, float], b: tuple[float, float],
              pixel_spacing: tuple[float, float]) -> float:
    """The angle at ``vertex`` between the rays to ``a`` and ``b``, in degrees, in mm space."""
    pa, pv, pb = _mm(np.array([a, vertex, b]), pixel_spacing)
    u, v = pa - pv, pb - pv
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    if norms == 0:
        return 0.0
    return math.degrees(math.acos(float(np.clip(np.dot(u, v) / norms, -1.0, 1.0))))


def roi_mask(shape: tuple[int, int], kind: str, points: list[tuple[float, float]]) -> np.ndarray:
    """Pixels whose centres lie inside an ROI.

    Parameters
    ----------
    shape
        ``(rows, columns)`` of the plane.
    kind
        ``ellipse`` or ``rectangle`` (two opposite corners of the bounding
        box), or ``freehand`` (a closed polygon of any number of points).
    points
        ``(row, col)`` pixel positions.
    """
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    pts = np.asarray(points, dtype=np.float64)
    if kind in ("ellipse", "rectangle"):
        (r0, c0), (r1, c1) = pts[0], pts[-1]
        top, bottom, left, right = min(r0, r1), max(r0, r1), min(c0, c1), max(c0, c1)
        if kind == "rectangle":
            inside: NDArray[np.bool_] = (rows >= top) & (rows <= bottom) & (cols >= left) & (cols <= right)
            return inside
        cr, cc = (top + bottom) / 2, (left + right) / 2
        ar, ac = max((bottom - top) / 2, 1e-9), max((right - left) / 2, 1e-9)
        inside = ((rows - cr) / ar) ** 2 + ((cols - cc) / ac) ** 2 <= 1.0
        return inside
    if kind == "freehand":
        return _inside_polygon(rows, cols, pts)
    raise ValueError(f"unknown ROI kind {kind!r}; expected one of {ROI_KINDS}")


def _inside_polygon(rows: np.ndarray, cols: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule, vectorised over the pixel grid."""
    inside = np.zeros(rows.shape, dtype=bool)
    count = len(polygon)
    if count < 3:
        return inside
    for i in range(count):
        r0, c0 = polygon[i]
        r1, c1 = polygon[(i + 1) % count]
        if r0 == r1:
            continue
        crosses = (rows >= min(r0, r1)) & (rows < max(r0, r1))
        col_at = c0 + (rows - r0) * (c1 - c0) / (r1 - r0)
        inside ^= crosses & (cols < col_at)
    return inside


@dataclass(frozen=True)
class RoiStatistics:
    """Statistics of the values inside an ROI (HU for CT)."""

    mean: float
    sd: float
    minimum: float
    maximum: float
    area_mm2: float
    pixels: int


def roi_statistics(plane: np.ndarray, mask: np.ndarray, pixel_spacing: tuple[float, float]) -> RoiStatistics:
    """Mean, standard deviation, minimum, maximum and area of ``plane`` inside ``mask``."""
    values = plane[mask].astype(np.float64)
    area = float(mask.sum()) * pixel_spacing[0] * pixel_spacing[1]
    if values.size == 0:
        return RoiStatistics(float("nan"), float("nan"), float("nan"), float("nan"), 0.0, 0)
    return RoiStatistics(float(values.mean()), float(values.std()), float(values.min()),
                         float(values.max()), area, int(values.size))

"""Axial, coronal and sagittal planes of a volume, with their place in patient space.

Planes are cut along the volume's own index axes (the acquisition plane and
the two reformats perpendicular to it). Each plane knows which voxel every
pixel shows, so views can share a crosshair and draw each other's position.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.volume import Volume

VIEWS = ("axial", "coronal", "sagittal")
#: Which index axis ``(x, y, z) = (0, 1, 2)`` each view cuts across.
VIEW_AXIS = {"axial": 2, "coronal": 1, "sagittal": 0}


@dataclass
class SlicePlane:
    """One displayed plane.

    Attributes
    ----------
    view
        ``axial``, ``coronal`` or ``sagittal`` (the acquisition plane is "axial").
    index
        Position of the plane along its axis (a voxel index).
    array
        ``[rows, columns]`` values (``[rows, columns, 3]`` for colour).
    base, row_step, col_step
        Voxel index ``(x, y, z)`` of pixel ``(0, 0)`` and the index step of one
        pixel down and one pixel right: pixel ``(r, c)`` shows voxel
        ``base + r * row_step + c * col_step``.
    pixel_spacing
        Millimetres per pixel as ``(column, row)``: the aspect ratio to draw.
    """

    view: str
    index: int
    array: np.ndarray
    base: np.ndarray
    row_step: np.ndarray
    col_step: np.ndarray
    pixel_spacing: tuple[float, float]

    def voxel_at(self, row: float, col: float) -> np.ndarray:
        """The continuous voxel index ``(x, y, z)`` under pixel ``(row, col)``."""
        return self.base + row * self.row_step + col * self.col_step

    def pixel_of(self, voxel_xyz: np.ndarray) -> tuple[float, float]:
        """The pixel ``(row, col)`` where voxel ``(x, y, z)`` projects on this plane."""
        offset = np.asarray(voxel_xyz, dtype=np.float64) - self.base
        row_axis, col_axis = int(np.flatnonzero(self.row_step)[0]), int(np.flatnonzero(self.col_step)[0])
        return offset[row_axis] / self.row_step[row_axis], offset[col_axis] / self.col_step[col_axis]


def slice_count(volume: Volume, view: str) -> int:
    """Number of planes a view can show."""
    z, y, x = volume.shape_zyx
    return {"axial": z, "coronal": y, "sagittal": x}[view]


def _superior_up(volume: Volume) -> bool:
    """Whether rows must run against +z so that the head is at the top of a reformat."""
    return volume.direction[2, 2] > 0


def extract_plane(volume: Volume, view: str, index: int, timepoint: int = 0) -> SlicePlane:
    """Cut one plane out of ``volume``.

    Reformats are flipped so that the patient's head is at the top; their
    pixel spacing carries the slice spacing so they draw with the true aspect.

    Parameters
    ----------
    volume
        The volume (a 4-D volume shows ``timepoint``).
    view
        One of :data:`VIEWS`.
    index
        Plane index, clipped to the volume.
    timepoint
        Time point of a 4-D volume.
    """
    data = volume.array[timepoint] if volume.is_4d else volume.array
    nz, ny, nx = volume.shape_zyx
    sx, sy, sz = (float(v) for v in volume.spacing)
    index = int(np.clip(index, 0, slice_count(volume, view) - 1))
    if view == "axial":
        return SlicePlane(view, index, data[index], np.array([0.0, 0.0, index]),
                          np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]), (sx, sy))
    flip = _superior_up(volume)
    row_step = np.array([0.0, 0.0, -1.0 if flip else 1.0])
    first_z = float(nz - 1) if flip else 0.0
    if view == "coronal":
        plane = data[:, index, :]
        return SlicePlane(view, index, plane[::-1] if flip else plane,
                          np.array([0.0, float(index), first_z]), row_step,
                          np.array([1.0, 0.0, 0.0]), (sx, sz))
    if view == "sagittal":
        plane = data[:, :, index]
        return SlicePlane(view, index, plane[::-1] if flip else plane,
                          np.array([float(index), 0.0, first_z]), row_step,
                          np.array([0.0, 1.0, 0.0]), (sy, sz))
    raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")


def overlay_plane(volume: Volume, values: np.ndarray, plane: SlicePlane) -> np.ndarray:
    """The pixels of ``values`` (``[z, y, x]`` on ``volume``'s grid) under ``plane``."""
    if plane.view == "axial":
        return values[plane.index]
    cut = values[:, plane.index, :] if plane.view == "coronal" else values[:, :, plane.index]
    return cut[::-1] if _superior_up(volume) else cut


def orientation_label(direction_lps: np.ndarray) -> str:
    """Patient-direction letters for a vector in LPS, strongest first (e.g. ``"LA"``).

    A patient scanned prone or decubitus gets the letters their direction
    cosines say, not the ones a supine patient would.
    """
    vector = np.asarray(direction_lps, dtype=np.float64)
    norm = np.linalg.norm(vector)
    if norm == 0:
        return ""
    vector = vector / norm
    letters = (("R", "L"), ("A", "P"), ("I", "S"))
    order = np.argsort(-np.abs(vector))
    return "".join(letters[axis][int(vector[axis] > 0)] for axis in order
                   if abs(vector[axis]) > 0.25)


def screen_directions(volume: Volume, plane: SlicePlane) -> dict[str, str]:
    """Orientation letters for the four edges of a displayed plane."""
    right = volume.direction @ (plane.col_step * volume.spacing)
    down = volume.direction @ (plane.row_step * volume.spacing)
    return {"right": orientation_label(right), "left": orientation_label(-right),
            "bottom": orientation_label(down), "top": orientation_label(-down)}

"""Arrange a series' images on a grid.

Sort along the slice normal, find time points, and derive the geometry from the slice positions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from numpy.typing import NDArray

from viewer.core.dicom.scan import FrameRef, Series
from viewer.core.errors import LoadError

#: Slices closer than this along the normal share a position (mm).
POSITION_TOLERANCE_MM = 0.01
#: Steps that differ by more than this fraction of the median are non-uniform.
SPACING_TOLERANCE = 0.01
#: Slice stacks leaning more than this off the normal are tilted (degrees).
TILT_TOLERANCE_DEG = 0.1


@dataclass
class SeriesLayout:
    """Where each image of a series goes, and the grid's geometry.

    Attributes
    ----------
    grid
        ``grid[t][z]`` is the image at time point ``t`` and slice ``z``.
    origin, spacing, direction
        Geometry as in :class:`~viewer.core.volume.Volume`.
    positions
        LPS position of each slice ``z``.
    warnings
        Anomalies found, in plain words.
    """

    grid: list[list[FrameRef]]
    origin: np.ndarray
    spacing: np.ndarray
    direction: np.ndarray
    positions: np.ndarray | None
    rows: int
    columns: int
    warnings: list[str] = field(default_factory=list)

    @property
    def n_timepoints(self) -> int:
        """Number of time points."""
        return len(self.grid)

    @property
    def n_slices(self) -> int:
        """Number of slices per time point."""
        return len(self.grid[0])


def _identity(ref: FrameRef) -> tuple[str, int, int | None]:
    instance = ref.instance
    return (instance.sop_instance_uid or str(instance.source), ref.frame.index, ref.frame.tile)


def _temporal_key(ref: FrameRef) -> tuple[tuple[int, float], tuple[int, float], tuple[int, float], int, str]:
    def part(value: float | None) -> tuple[int, float]:
        return (0, 0.0) if value is None else (1, float(value))

    instance = ref.instance
    return (part(ref.frame.temporal), part(instance.acquisition_time),
            part(instance.instance_number), ref.frame.index, str(instance.source))


def _instance_key(ref: FrameRef) -> tuple[bool, int, str, int, int]:
    instance = ref.instance
    number = instance.instance_number
    return (number is None, number or 0, str(instance.source), ref.frame.index, ref.frame.tile or 0)


def _deduplicate(frames: list[FrameRef], warnings: list[str]) -> list[FrameRef]:
    unique: dict[tuple[str, int, int | None], FrameRef] = {}
    for ref in frames:
        unique.setdefault(_identity(ref), ref)
    dropped = len(frames) - len(unique)
    if dropped:
        warnings.append(f"{dropped} duplicate image(s) of the same instance ignored")
    return list(unique.values())


def plan_layout(series: Series) -> SeriesLayout:
    """Sort a series' images into a ``[t][z]`` grid and compute its geometry.

    Slices are sorted along the normal of ImageOrientationPatient by the
    projection of ImagePositionPatient, never by InstanceNumber. Several images
    at each position make a time series. Non-uniform spacing, gaps, duplicates
    and gantry tilt become warnings.

    Parameters
    ----------
    series
        A series from :func:`~viewer.core.dicom.scan`.

    Returns
    -------
    SeriesLayout

    Raises
    ------
    LoadError
        The series has no images.
    """
    warnings: list[str] = []
    frames = _deduplicate(series.frames, warnings)
    if not frames:
        raise LoadError("the series has no images")
    first = frames[0]
    rows, columns = first.instance.rows, first.instance.columns
    if first.instance.mosaic_count:
        from viewer.core.dicom.siemens import mosaic_tiles_per_side

        per_side = mosaic_tiles_per_side(first.instance.mosaic_count)
        rows, columns = rows // per_side, columns // per_side

    spacing_xy = _pixel_spacing(frames, warnings)
    has_geometry = all(r.frame.position is not None and r.frame.orientation is not None for r in frames)
    if has_geometry:
        grid, positions, normal = _grid_by_position(frames, warnings)
        orientation = np.asarray(first.frame.orientation, dtype=np.float64)
        row_dir, col_dir = _orthonormal(orientation)
        direction, spacing_z = _slice_axis(positions, normal, first, warnings)
        direction = np.column_stack([row_dir, col_dir, direction])
        origin = positions[0]
    else:
        grid, positions = _grid_without_geometry(frames, warnings), None
        direction = np.eye(3)
        if first.frame.orientation is not None:
            row_dir, col_dir = _orthonormal(np.asarray(first.frame.orientation, dtype=np.float64))
            direction = np.column_stack([row_dir, col_dir, np.cross(row_dir, col_dir)])
        origin = np.asarray(first.frame.position if first.frame.position else (0.0, 0.0, 0.0))
        spacing_z = first.frame.slice_thickness or first.instance.spacing_between_slices or 1.0
    spacing = np.array([spacing_xy[1], spacing_xy[0], spacing_z], dtype=np.float64)
    return SeriesLayout(grid=grid, origin=np.asarray(origin, dtype=np.float64), spacing=spacing,
                        direction=direction, positions=positions, rows=rows, columns=columns,
                        warnings=warnings)


def _orthonormal(orientation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    row_dir = orientation[:3] / (np.linalg.norm(orientation[:3]) or 1.0)
    col_dir = orientation[3:] / (np.linalg.norm(orientation[3:]) or 1.0)
    return row_dir, col_dir


def _pixel_spacing(frames: list[FrameRef], warnings: list[str]) -> tuple[float, float]:
    spacings = {r.frame.pixel_spacing for r in frames}
    spacing = frames[0].frame.pixel_spacing
    if spacing is None or min(spacing) <= 0:
        warnings.append("pixel spacing unknown: distances assume 1 mm pixels")
        return 1.0, 1.0
    if len(spacings) > 1:
        warnings.append("pixel spacing differs between images; using the first image's")
    return float(spacing[0]), float(spacing[1])


def _grid_by_position(frames: list[FrameRef], warnings: list[str]
                      ) -> tuple[list[list[FrameRef]], NDArray[np.float64], NDArray[np.float64]]:
    orientation = np.asarray(frames[0].frame.orientation, dtype=np.float64)
    normal = np.cross(orientation[:3], orientation[3:])
    normal /= np.linalg.norm(normal) or 1.0
    # Called only when every frame has a position (see the caller).
    distance = np.array([np.dot(cast(tuple[float, float, float], r.frame.position), normal) for r in frames])
    order = np.argsort(distance, kind="stable")
    clusters: list[list[int]] = []
    for index in order:
        if clusters and distance[index] - distance[clusters[-1][0]] <= POSITION_TOLERANCE_MM:
            clusters[-1].append(int(index))
        else:
            clusters.append([int(index)])
    per_position = [sorted((frames[i] for i in cluster), key=_temporal_key) for cluster in clusters]
    counts = {len(c) for c in per_position}
    if counts == {1}:
        grid = [[c[0] for c in per_position]]
    elif len(counts) == 1 and not _all_same_time(per_position):
        n_time = counts.pop()
        grid = [[c[t] for c in per_position] for t in range(n_time)]
    else:
        extra = sum(len(c) - 1 for c in per_position)
        reason = ("identical acquisition" if len(counts) == 1 else "uneven counts per position")
        warnings.append(f"{extra} image(s) at duplicate slice positions ignored ({reason})")
        grid = [[c[0] for c in per_position]]
    positions = np.array([grid[0][z].frame.position for z in range(len(grid[0]))], dtype=np.float64)
    return grid, positions, normal


def _all_same_time(per_position: list[list[FrameRef]]) -> bool:
    def when(ref: FrameRef) -> tuple[float | None, float | None, int | None, int, int | None]:
        return (ref.frame.temporal, ref.instance.acquisition_time, ref.instance.instance_number,
                ref.frame.index, ref.frame.tile)

    return all(len({when(r) for r in cluster}) == 1 for cluster in per_position)


def _grid_without_geometry(frames: list[FrameRef], warnings: list[str]) -> list[list[FrameRef]]:
    ordered = sorted(frames, key=_instance_key)
    instances = {id(r.instance) for r in ordered}
    if len(instances) == 1 and len(ordered) > 1:
        return [[ref] for ref in ordered]  # one multi-frame image: frames are time points
    if len(ordered) > 1:
        warnings.append("no patient position: images stacked in instance order")
    return [ordered]


def _slice_axis(positions: np.ndarray, normal: np.ndarray, first: FrameRef,
                warnings: list[str]) -> tuple[np.ndarray, float]:
    count = len(positions)
    if count < 2:
        thickness = first.frame.slice_thickness or first.instance.spacing_between_slices or 1.0
        return normal, float(thickness)
    steps = np.diff(positions @ normal)
    ordered = np.sort(steps)
    median = float(ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2.0
    mean_step = float((positions[-1] - positions[0]) @ normal) / (count - 1)
    if np.ptp(steps) > max(POSITION_TOLERANCE_MM, SPACING_TOLERANCE * median):
        warnings.append(
            f"non-uniform slice spacing: steps from {steps.min():.3f} to {steps.max():.3f} mm "
            f"(grid uses the mean, {mean_step:.3f} mm)")
        gaps = np.flatnonzero(steps > 1.5 * median)
        if gaps.size:
            where = ", ".join(f"after slice {g} ({steps[g]:.2f} mm)" for g in gaps[:5])
            warnings.append(f"{gaps.size} gap(s) in the slice stack: {where}")
    stride = (positions[-1] - positions[0]) / (count - 1)
    length = float(np.linalg.norm(stride))
    tilt = math.degrees(math.acos(min(1.0, abs(float(stride @ normal)) / (length or 1.0))))
    if tilt > TILT_TOLERANCE_DEG:
        warnings.append(f"gantry tilt of {tilt:.2f} degrees: the slice axis is sheared "
                        "to keep every slice at its true position")
        return stride / length, length
    return normal, mean_step


def group_by_instance(grid: list[list[FrameRef]]) -> dict[int, list[tuple[FrameRef, int, int]]]:
    """Map each instance (by ``id``) to its images and their ``(t, z)`` places."""
    places: dict[int, list[tuple[FrameRef, int, int]]] = defaultdict(list)
    for t, column in enumerate(grid):
        for z, ref in enumerate(column):
            places[id(ref.instance)].append((ref, t, z))
    return places


def slice_files(series: Series) -> list[str]:
    """The file of each slice of the (first time point of the) series, in slice order ``z``.

    A SEG or SR made from the loaded volume refers to these, slice ``z`` to ``slice_files(series)[z]``.
    """
    return [str(ref.instance.source) for ref in plan_layout(series).grid[0]]

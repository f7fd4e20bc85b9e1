"""True reformats: planes of any orientation through a volume, sampled with linear interpolation.

:func:`viewer.core.mpr.extract_plane` shows an oblique acquisition in its closest anatomical
planes without resampling. On request, :func:`patient_plane` resamples the patient's true axial,
coronal or sagittal plane through a point (the radiological convention, as
:mod:`viewer.core.mpr`), and :func:`oblique_plane` any plane given by its row and column
directions (a double-oblique MPR turns those). Values are interpolated trilinearly between
the eight voxels around each pixel's centre; pixels outside the volume get ``fill``. Label
maps are sampled at the nearest voxel instead (:func:`oblique_labels`), so a label never
becomes a value between two labels. :func:`covering_plane` sizes a plane of any orientation to
the volume's extent, and :class:`ReformatPlane` is such a plane as a view shows it: a
:class:`~viewer.core.mpr.SlicePlane` whose pixels map to continuous voxel positions, so the
crosshair, clicks and overlays go through the same patient (LPS) geometry as on acquired planes.

Two engines give the same values: SimpleITK's multi-threaded resampler, on a copy of the
volume made once and kept for the next planes of the same volume (when the memory budget
allows that copy), and a numpy one (eight gathers per pixel) otherwise
(``benchmarks/run.py render --json`` measures both).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from viewer.core.memory import memory_budget
from viewer.core.mpr import SlicePlane
from viewer.core.volume import Volume

if TYPE_CHECKING:  # imported where a copy is made: SimpleITK costs 0.2 s to import
    import SimpleITK as sitk

#: Per patient plane: the LPS directions of one pixel right and one pixel down (radiological convention).
PATIENT_PLANES = {
    "axial": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
}


@dataclass
class ObliquePlane:
    """A resampled plane and its place in the patient.

    Attributes
    ----------
    array
        ``[rows, columns]`` values (float32).
    origin
        LPS position (mm) of pixel ``(0, 0)``'s centre.
    right, down
        Unit LPS directions of one pixel right and one pixel down.
    pixel_mm
        The pixels' size (square).
    """

    array: np.ndarray
    origin: np.ndarray
    right: np.ndarray
    down: np.ndarray
    pixel_mm: float

    @property
    def normal(self) -> np.ndarray:
        """The plane's unit normal (right x down)."""
        return np.cross(self.right, self.down)

    def position_of(self, row: float, col: float) -> np.ndarray:
        """The LPS position (mm) of pixel ``(row, col)``."""
        return self.origin + (row * self.down + col * self.right) * self.pixel_mm


def _unit(vector: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(vector, dtype=np.float64)
    norm = np.linalg.norm(array)
    if norm == 0:
        raise ValueError("a plane direction cannot be zero")
    unit: NDArray[np.float64] = array / norm
    return unit


def _index_coordinates(volume: Volume, origin: np.ndarray, right: np.ndarray, down: np.ndarray,
                       shape: tuple[int, int], pixel_mm: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Continuous voxel indices ``(x, y, z)`` of every pixel centre, each ``[rows, columns]`` float32."""
    to_index = np.linalg.inv(np.asarray(volume.direction, dtype=np.float64) * np.asarray(volume.spacing))
    start = to_index @ (origin - np.asarray(volume.origin, dtype=np.float64))
    step_col = to_index @ (right * pixel_mm)
    step_row = to_index @ (down * pixel_mm)
    rows = np.arange(shape[0], dtype=np.float32)[:, None]
    cols = np.arange(shape[1], dtype=np.float32)[None, :]
    x, y, z = ((np.float32(start[a]) + rows * np.float32(step_row[a]) + cols * np.float32(step_col[a]))
               for a in range(3))
    return x, y, z


def _sample_linear(data: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, fill: float) -> np.ndarray:
    """Trilinear interpolation of ``data[z, y, x]`` at continuous indices; ``fill`` outside.

    One flat index of the lower corner per pixel, and the seven others as fixed offsets from
    it: eight gathers from the raveled volume, all in float32 and 64-bit-free where it fits.
    """
    nz, ny, nx = data.shape
    inside = (x >= 0) & (x <= nx - 1) & (y >= 0) & (y <= ny - 1) & (z >= 0) & (z <= nz - 1)
    index_type = np.int32 if data.size < 2 ** 31 - 1 else np.int64
    x0 = np.clip(x.astype(index_type), 0, max(nx - 2, 0))  # x >= 0 where it matters: truncation is floor
    y0 = np.clip(y.astype(index_type), 0, max(ny - 2, 0))
    z0 = np.clip(z.astype(index_type), 0, max(nz - 2, 0))
    fx, fy, fz = x - x0, y - y0, z - z0
    plane, row = ny * nx, nx
    step_x, step_y, step_z = int(nx > 1), row * int(ny > 1), plane * int(nz > 1)
    base = z0 * plane
    base += y0 * row
    base += x0
    flat = data.reshape(-1)

    def lerp_x(offset: int) -> np.ndarray:
        low = flat.take(base + offset).astype(np.float32)
        high = flat.take(base + (offset + step_x)).astype(np.float32)
        mixed: np.ndarray = low + (high - low) * fx
        return mixed

    c00, c01 = lerp_x(0), lerp_x(step_y)
    c10, c11 = lerp_x(step_z), lerp_x(step_z + step_y)
    near = c00 + (c01 - c00) * fy
    far = c10 + (c11 - c10) * fy
    values: np.ndarray = near + (far - near) * fz
    values[~inside] = np.float32(fill)
    return values


class _CopyForSimpleITK:
    """The SimpleITK copy of the last volume resampled (one at a time, so memory stays bounded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._image: sitk.Image | None = None

    def image(self, volume: Volume, timepoint: int) -> sitk.Image | None:
        """The volume as a SimpleITK image, or ``None`` when a copy does not fit the memory budget."""
        import SimpleITK as sitk

        data = volume.array[timepoint] if volume.is_4d else volume.array
        key = (id(volume.array), timepoint, data.shape, data.dtype.str, tuple(np.asarray(volume.spacing)),
               tuple(np.asarray(volume.origin)), tuple(np.asarray(volume.direction).reshape(-1)))
        with self._lock:
            if key != self._key:
                self._key, self._image = None, None  # free the old copy before making a new one
                if data.nbytes * 2 > memory_budget().allowed:
                    return None
                image = sitk.GetImageFromArray(np.ascontiguousarray(data))
                image.SetSpacing([float(v) for v in volume.spacing])
                image.SetOrigin([float(v) for v in volume.origin])
                image.SetDirection([float(v) for v in np.asarray(volume.direction).reshape(-1)])
                self._key, self._image = key, image
            return self._image

    def forget(self) -> None:
        """Drop the copy (e.g. when the volume's pixels change)."""
        with self._lock:
            self._key, self._image = None, None


_COPY = _CopyForSimpleITK()


def release_copy() -> None:
    """Drop the SimpleITK copy of the last volume resampled; call it when that volume's pixels change."""
    _COPY.forget()


def _resample_simpleitk(image: sitk.Image, origin: np.ndarray, right: np.ndarray, down: np.ndarray,
                        shape: tuple[int, int], pixel_mm: float, fill: float) -> np.ndarray:
    import SimpleITK as sitk

    reference = sitk.Image([int(shape[1]), int(shape[0]), 1], sitk.sitkFloat32)
    reference.SetSpacing([float(pixel_mm)] * 3)
    reference.SetOrigin([float(v) for v in origin])
    reference.SetDirection([float(v) for v in np.column_stack([right, down, np.cross(right, down)]).reshape(-1)])
    resampled = sitk.Resample(image, reference, sitk.Transform(), sitk.sitkLinear, float(fill), sitk.sitkFloat32)
    plane: np.ndarray = sitk.GetArrayFromImage(resampled)[0]
    return plane


def oblique_plane(volume: Volume, center_lps: ArrayLike, right: ArrayLike, down: ArrayLike, shape: tuple[int, int],
                  pixel_mm: float, timepoint: int = 0, fill: float | None = None,
                  engine: str = "auto") -> ObliquePlane:
    """Resample the plane through ``center_lps`` spanned by ``right`` and ``down``, linearly.

    Parameters
    ----------
    volume
        A grey-scale volume (a 4-D one shows ``timepoint``).
    center_lps
        The LPS point (mm) at the centre of the plane.
    right, down
        LPS directions of one pixel right and one pixel down (made unit length; ``down`` is made
        perpendicular to ``right``).
    shape
        ``(rows, columns)`` of the plane.
    pixel_mm
        The size of its square pixels.
    fill
        The value outside the volume (default: the volume's minimum).
    engine
        ``auto`` (SimpleITK when a copy of the volume fits the memory budget), ``simpleitk`` or
        ``numpy``. SimpleITK also samples the half voxel beyond the outermost voxel centres,
        where the numpy engine gives ``fill``.

    Raises
    ------
    ValueError
        A zero or parallel direction, a colour volume, or an unknown engine.
    """
    if engine not in ("auto", "simpleitk", "numpy"):
        raise ValueError(f"unknown engine {engine!r}")
    if volume.is_rgb:
        raise ValueError("true reformats are made of grey-scale volumes")
    right = _unit(right)
    down = np.asarray(down, dtype=np.float64) - right * float(np.dot(down, right))
    down = _unit(down)
    center = np.asarray(center_lps, dtype=np.float64)
    origin = center - (right * (shape[1] - 1) / 2 + down * (shape[0] - 1) / 2) * pixel_mm
    data = volume.array[timepoint] if volume.is_4d else volume.array
    value = float(np.min(data)) if fill is None else float(fill)
    image = _COPY.image(volume, timepoint) if engine != "numpy" else None
    if image is not None:
        values = _resample_simpleitk(image, origin, right, down, shape, pixel_mm, value)
    else:
        x, y, z = _index_coordinates(volume, origin, right, down, shape, pixel_mm)
        values = _sample_linear(np.ascontiguousarray(data), x, y, z, value)
    return ObliquePlane(values, origin, right, down, float(pixel_mm))


def oblique_labels(volume: Volume, labels: np.ndarray, plane: ObliquePlane) -> np.ndarray:
    """The nearest label of ``labels`` (``[z, y, x]`` on ``volume``'s grid) under each pixel; 0 outside."""
    x, y, z = _index_coordinates(volume, plane.origin, plane.right, plane.down, plane.array.shape,
                                 plane.pixel_mm)
    nz, ny, nx = labels.shape
    xi, yi, zi = (np.rint(c).astype(np.int64) for c in (x, y, z))
    inside = (xi >= 0) & (xi < nx) & (yi >= 0) & (yi < ny) & (zi >= 0) & (zi < nz)
    out = np.zeros(plane.array.shape, dtype=labels.dtype)
    out[inside] = labels[zi[inside], yi[inside], xi[inside]]
    return out


def corner_positions(volume: Volume) -> np.ndarray:
    """The LPS positions ``[8, 3]`` of the volume's corner voxel centres."""
    nz, ny, nx = volume.shape_zyx
    corners = np.array([[i, j, k] for i in (0, nx - 1) for j in (0, ny - 1) for k in (0, nz - 1)],
                       dtype=np.float64)
    return volume.index_to_physical(corners)


def covering_plane(volume: Volume, right: ArrayLike, down: ArrayLike, center_lps: ArrayLike,
                   pixel_mm: float | None = None, timepoint: int = 0, fill: float | None = None,
                   engine: str = "auto") -> ObliquePlane:
    """The plane spanned by ``right`` and ``down`` through ``center_lps``, covering the volume, resampled.

    The plane passes through ``center_lps`` and is centred on the volume within itself: it covers
    the extent of the volume's voxel centres projected on it, with square pixels of the volume's
    finest spacing (or ``pixel_mm``). Other arguments as :func:`oblique_plane`.
    """
    right = _unit(right)
    down = _unit(np.asarray(down, dtype=np.float64) - right * float(np.dot(down, right)))
    corners = corner_positions(volume)
    pixel = float(pixel_mm or min(float(s) for s in volume.spacing))
    center = np.asarray(center_lps, dtype=np.float64).copy()
    shape = []
    for axis in (down, right):  # centred on the volume within the plane, through the point across it
        along = corners @ axis
        shape.append(int(np.ceil((along.max() - along.min()) / pixel - 1e-9)) + 1)
        center = center + axis * float((along.max() + along.min()) / 2 - center @ axis)
    return oblique_plane(volume, center, right, down, (shape[0], shape[1]), pixel, timepoint, fill, engine)


def patient_plane(volume: Volume, view: str, center_lps: ArrayLike, pixel_mm: float | None = None,
                  timepoint: int = 0, fill: float | None = None, engine: str = "auto") -> ObliquePlane:
    """The patient's true ``view`` (axial, coronal, sagittal) through ``center_lps``, resampled linearly.

    It covers the volume's extent in the patient, with square pixels of the volume's finest
    in-plane spacing (or ``pixel_mm``), in the radiological convention; ``fill`` is the value
    outside the volume (default: its minimum).

    Raises
    ------
    ValueError
        An unknown view.
    """
    if view not in PATIENT_PLANES:
        raise ValueError(f"unknown view {view!r}; expected one of {tuple(PATIENT_PLANES)}")
    right, down = PATIENT_PLANES[view]
    return covering_plane(volume, right, down, center_lps, pixel_mm, timepoint, fill, engine)


@dataclass
class ReformatPlane(SlicePlane):
    """A true reformat as a view shows it: a :class:`~viewer.core.mpr.SlicePlane` that was resampled.

    Pixel ``(r, c)`` lies at the continuous voxel ``base + r * row_step + c * col_step`` (steps
    that need not follow an index axis); :meth:`pixel_of` projects a voxel onto the plane along
    its normal. Its pixels are square (``pixel_spacing`` is ``(pixel_mm, pixel_mm)``) and the
    plane is flat, so distances in pixels times ``pixel_mm`` are millimetres in the patient.

    Attributes
    ----------
    sampled
        The resampled plane (values, LPS origin and directions).
    across
        Unit LPS direction towards the next plane (increasing ``index``).
    to_lps
        The volume's ``direction @ diag(spacing)``: a voxel step to millimetres.
    """

    sampled: ObliquePlane
    across: np.ndarray
    to_lps: np.ndarray
    resampled: ClassVar[bool] = True

    @classmethod
    def of(cls, volume: Volume, view: str, index: int, sampled: ObliquePlane, across: ArrayLike) -> ReformatPlane:
        """Wrap a resampled plane of ``volume`` as plane ``index`` of ``view``."""
        to_lps = np.asarray(volume.direction, dtype=np.float64) @ np.diag(np.asarray(volume.spacing, float))
        to_index = np.linalg.inv(to_lps)
        return cls(view, int(index), sampled.array, volume.physical_to_index(sampled.origin),
                   to_index @ (sampled.down * sampled.pixel_mm), to_index @ (sampled.right * sampled.pixel_mm),
                   (sampled.pixel_mm, sampled.pixel_mm), sampled, _unit(across), to_lps)

    @property
    def axis(self) -> int:
        """The index axis the plane's normal runs closest to (the plane cuts across none exactly)."""
        return int(np.argmax(np.abs(self.normal_step * np.linalg.norm(self.to_lps, axis=0))))

    @property
    def normal_step(self) -> np.ndarray:
        """The voxel index step of one millimetre towards the next plane."""
        return np.linalg.solve(self.to_lps, self.across)

    def pixel_of(self, voxel_xyz: ArrayLike) -> tuple[float, float]:
        """The pixel ``(row, col)`` where voxel ``(x, y, z)`` projects on this plane (along its normal)."""
        offset = self.to_lps @ (np.asarray(voxel_xyz, dtype=np.float64) - self.base)
        pixel = self.sampled.pixel_mm
        return float(offset @ self.sampled.down) / pixel, float(offset @ self.sampled.right) / pixel

    def overlay(self, volume: Volume, values: np.ndarray) -> np.ndarray:
        """``values`` under the plane: labels (integers) at the nearest voxel, others linearly (0 outside)."""
        if np.issubdtype(values.dtype, np.integer) or values.dtype == bool:
            return oblique_labels(volume, values, self.sampled)
        x, y, z = _index_coordinates(volume, self.sampled.origin, self.sampled.right, self.sampled.down,
                                     self.array.shape, self.sampled.pixel_mm)
        return _sample_linear(np.ascontiguousarray(values), x, y, z, 0.0)

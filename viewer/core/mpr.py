"""Axial, coronal and sagittal planes of a volume in the patient's own planes, and projection images.

A view is one of the patient's anatomical planes whatever the acquisition (axial, sagittal,
coronal or oblique slices; supine, prone, decubitus, feet first). Each view cuts across the
index axis of the volume closest to its normal (the closest anatomical plane without
resampling, as Slicer and RadiAnt show an oblique series by default: a permutation of the
index axes and flips), and shows it in the radiological convention:

- axial: anterior at the top, the patient's right on the screen's left;
- coronal: superior at the top, the patient's right on the screen's left;
- sagittal: superior at the top, anterior on the screen's left.

Each plane knows which voxel every pixel shows, so views share a crosshair, and measurements
and overlays stay voxel-exact. The acquisition plane is named by what it is
(:func:`acquisition_plane`).

Projection images (CR, DX, MG, XA, RF, IO, PX, or a single image without orientation) have
no slice normal: they are shown as stored, with the letters of Patient Orientation
(0020,0020) at the edges, and named by their view position and laterality, never "axial".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from viewer.core.volume import Volume

VIEWS = ("axial", "coronal", "sagittal")
#: The name of the one view a projection image has.
PROJECTION = "projection"
#: Modalities whose images are projections, not slices of a volume.
PROJECTION_MODALITIES = frozenset({"CR", "DX", "MG", "XA", "RF", "IO", "PX"})
#: Per view: the patient (LPS) axis of its normal, and the patient directions of one pixel down
#: and one pixel right on the screen (the radiological convention).
_SCREEN = {
    "axial": (2, (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)),      # down: posterior, right: patient's left
    "coronal": (1, (0.0, 0.0, -1.0), (1.0, 0.0, 0.0)),   # down: inferior, right: patient's left
    "sagittal": (0, (0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),  # down: inferior, right: posterior
}
#: Thick-slab projections: maximum, minimum and mean intensity.
SLAB_MODES = ("mip", "minip", "average")
#: How the corner text and menus name each slab mode.
SLAB_NAMES = {"mip": "MIP", "minip": "MinIP", "average": "Average"}
#: Patient Orientation letters and their opposites (PS3.3 C.7.6.1.1.1).
_OPPOSITE = {"L": "R", "R": "L", "A": "P", "P": "A", "H": "F", "F": "H"}


@dataclass
class SlicePlane:
    """One displayed plane.

    Attributes
    ----------
    view
        ``axial``, ``coronal``, ``sagittal`` (the patient's planes) or ``projection``.
    index
        Position of the plane along the index axis it cuts across (a voxel index).
    array
        ``[rows, columns]`` values (``[rows, columns, 3]`` for colour).
    base, row_step, col_step
        Voxel index ``(x, y, z)`` of pixel ``(0, 0)`` and the index step of one
        pixel down and one pixel right: pixel ``(r, c)`` shows voxel
        ``base + r * row_step + c * col_step``.
    pixel_spacing
        Millimetres per pixel as ``(column, row)``: the aspect ratio to draw.
    resampled
        ``False``: every pixel is one voxel. A true reformat
        (:class:`viewer.core.reformat.ReformatPlane`) is ``True``.
    """

    view: str
    index: int
    array: np.ndarray
    base: np.ndarray
    row_step: np.ndarray
    col_step: np.ndarray
    pixel_spacing: tuple[float, float]
    resampled: ClassVar[bool] = False

    @property
    def axis(self) -> int:
        """The index axis ``(x, y, z) = (0, 1, 2)`` this plane cuts across."""
        return int(np.flatnonzero((self.row_step == 0) & (self.col_step == 0))[0])

    @property
    def normal_step(self) -> np.ndarray:
        """The voxel index step ``(x, y, z)`` towards the next plane (increasing :attr:`index`)."""
        step = np.zeros(3)
        step[self.axis] = 1.0
        return step

    def overlay(self, volume: Volume, values: np.ndarray) -> np.ndarray:
        """The pixels of ``values`` (``[z, y, x]`` on ``volume``'s grid) under this plane."""
        return _cut(values, _screen_axes(volume, self.view), self.index)

    def voxel_at(self, row: float, col: float) -> np.ndarray:
        """The continuous voxel index ``(x, y, z)`` under pixel ``(row, col)``."""
        return self.base + row * self.row_step + col * self.col_step

    def pixel_of(self, voxel_xyz: ArrayLike) -> tuple[float, float]:
        """The pixel ``(row, col)`` where voxel ``(x, y, z)`` projects on this plane."""
        offset = np.asarray(voxel_xyz, dtype=np.float64) - self.base
        row_axis, col_axis = int(np.flatnonzero(self.row_step)[0]), int(np.flatnonzero(self.col_step)[0])
        return offset[row_axis] / self.row_step[row_axis], offset[col_axis] / self.col_step[col_axis]


def is_projection(volume: Volume) -> bool:
    """Whether ``volume`` holds projection images (radiographs, fluoroscopy), not slices."""
    if (volume.modality or "").upper() in PROJECTION_MODALITIES:
        return True
    return volume.shape_zyx[0] == 1 and volume.metadata.get("has_orientation") is False


def patient_axes(volume: Volume) -> tuple[int, int, int]:
    """For each index axis ``(x, y, z)``, the patient (LPS) axis it runs closest to.

    The assignment is the permutation that best fits all three direction cosines at
    once, so that a 45° oblique still gives each view its own index axis.
    """
    weights = np.abs(np.asarray(volume.direction, dtype=np.float64))  # [patient axis, index axis]
    best = max(itertools.permutations(range(3)),
               key=lambda perm: sum(weights[perm[i], i] for i in range(3)))
    return best[0], best[1], best[2]


def view_axis(volume: Volume, view: str) -> int:
    """The index axis ``(x, y, z) = (0, 1, 2)`` that ``view`` cuts across.

    Raises
    ------
    ValueError
        ``view`` is not a view of this volume.
    """
    if view == PROJECTION or is_projection(volume):
        return 2
    if view not in _SCREEN:
        raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")
    return patient_axes(volume).index(_SCREEN[view][0])


def acquisition_plane(volume: Volume) -> str:
    """The plane the images were acquired in: ``axial``, ``coronal``, ``sagittal`` or ``projection``."""
    if is_projection(volume):
        return PROJECTION
    normal_axis = patient_axes(volume)[2]
    return next(view for view, (axis, _down, _right) in _SCREEN.items() if axis == normal_axis)


def views_of(volume: Volume) -> tuple[str, ...]:
    """The views a volume can be shown in: the three planes, or the projection alone."""
    return (PROJECTION,) if is_projection(volume) else VIEWS


def slice_count(volume: Volume, view: str) -> int:
    """Number of planes a view can show."""
    return int(volume.shape_zyx[2 - view_axis(volume, view)])


def _screen_axes(volume: Volume, view: str) -> tuple[int, int, int, int, int]:
    """``(cut, row axis, row sign, column axis, column sign)`` of ``view`` in index axes."""
    cut = view_axis(volume, view)
    if view == PROJECTION or is_projection(volume):
        return cut, 1, 1, 0, 1
    _normal, down, right = _SCREEN[view]
    axes = patient_axes(volume)
    direction = np.asarray(volume.direction, dtype=np.float64)
    found = []
    for wanted in (down, right):
        patient = int(np.flatnonzero(wanted)[0])
        axis = axes.index(patient)
        sign = 1 if float(direction[:, axis] @ np.asarray(wanted)) >= 0 else -1
        found += [axis, sign]
    return cut, found[0], found[1], found[2], found[3]


def _cut(values: np.ndarray, geometry: tuple[int, int, int, int, int], index: int) -> np.ndarray:
    """The ``[rows, columns(, 3)]`` pixels of ``values`` (``[z, y, x](, 3)``) on one plane (a view)."""
    taken: list[slice | int] = [slice(None)] * 3
    taken[2 - geometry[0]] = index
    return _on_screen(values[tuple(taken)], geometry)


def _on_screen(plane: np.ndarray, geometry: tuple[int, int, int, int, int]) -> np.ndarray:
    """A plane cut across ``geometry``'s axis (its array axes in ``[z, y, x]`` order), as the screen shows it."""
    cut, row_axis, row_sign, _col_axis, col_sign = geometry
    remaining = [axis for axis in (2, 1, 0) if axis != cut]  # index axes of the plane's two array axes
    if remaining[0] != row_axis:
        plane = np.swapaxes(plane, 0, 1)
    if row_sign < 0:
        plane = plane[::-1]
    if col_sign < 0:
        plane = plane[:, ::-1]
    return plane


def extract_plane(volume: Volume, view: str, index: int, timepoint: int = 0) -> SlicePlane:
    """Cut one plane out of ``volume``.

    The plane is the patient's ``view`` in the radiological convention (see the module);
    its pixel spacing carries the spacing of the index axes it shows, so it draws with the
    true aspect. A projection image is shown as stored, whatever ``view`` is asked.

    Parameters
    ----------
    volume
        The volume (a 4-D volume shows ``timepoint``).
    view
        One of :data:`VIEWS`, or :data:`PROJECTION`.
    index
        Plane index along the view's axis, clipped to the volume.
    timepoint
        Time point of a 4-D volume.
    """
    if is_projection(volume):
        view = PROJECTION
    data = volume.array[timepoint] if volume.is_4d else volume.array
    nz, ny, nx = volume.shape_zyx
    sizes = (nx, ny, nz)
    geometry = _screen_axes(volume, view)
    cut, row_axis, row_sign, col_axis, col_sign = geometry
    index = int(np.clip(index, 0, sizes[cut] - 1))
    base = np.zeros(3)
    base[cut] = index
    base[row_axis] = 0.0 if row_sign > 0 else sizes[row_axis] - 1.0
    base[col_axis] = 0.0 if col_sign > 0 else sizes[col_axis] - 1.0
    row_step, col_step = np.zeros(3), np.zeros(3)
    row_step[row_axis], col_step[col_axis] = row_sign, col_sign
    spacing = [float(v) for v in volume.spacing]
    return SlicePlane(view, index, _cut(data, geometry, index), base, row_step, col_step,
                      (spacing[col_axis], spacing[row_axis]))


def overlay_plane(volume: Volume, values: np.ndarray, plane: SlicePlane) -> np.ndarray:
    """The pixels of ``values`` (``[z, y, x]`` on ``volume``'s grid) under ``plane``.

    A true reformat samples label maps at the nearest voxel and other values linearly.
    """
    return plane.overlay(volume, values)


def slab_plane(volume: Volume, view: str, index: int, thickness_mm: float, mode: str,
               timepoint: int = 0) -> SlicePlane:
    """A thick slab around plane ``index``: the maximum, minimum or mean along the view's normal.

    The slab takes every plane whose centre lies within ``thickness_mm / 2`` of the centre of
    plane ``index`` (at least that plane), clipped to the volume; its geometry (and so the
    crosshair, overlays and measurements' positions) is that of the central plane.

    Parameters
    ----------
    volume, view, index, timepoint
        As :func:`extract_plane`.
    thickness_mm
        The slab's thickness along the view's normal.
    mode
        One of :data:`SLAB_MODES`: ``mip`` (maximum intensity), ``minip`` (minimum) or
        ``average``.

    Raises
    ------
    ValueError
        An unknown ``mode``.
    """
    if mode not in SLAB_MODES:
        raise ValueError(f"unknown slab mode {mode!r}; expected one of {SLAB_MODES}")
    plane = extract_plane(volume, view, index, timepoint)
    if plane.view == PROJECTION:
        return plane
    geometry = _screen_axes(volume, plane.view)
    cut = geometry[0]
    half = int(np.floor(max(0.0, float(thickness_mm)) / 2 / float(volume.spacing[cut]) + 1e-9))
    size = volume.shape_zyx[2 - cut]
    first, last = max(0, plane.index - half), min(size - 1, plane.index + half)
    if first == last:
        return plane
    data = volume.array[timepoint] if volume.is_4d else volume.array
    taken: list[slice] = [slice(None)] * 3
    taken[2 - cut] = slice(first, last + 1)
    block = data[tuple(taken)]
    if mode == "mip":
        reduced = block.max(axis=2 - cut)
    elif mode == "minip":
        reduced = block.min(axis=2 - cut)
    else:
        reduced = block.mean(axis=2 - cut, dtype=np.float32)
    plane.array = _on_screen(reduced, geometry)
    return plane


def plane_geometry(volume: Volume, plane: SlicePlane) -> dict[str, np.ndarray]:
    """A plane's place in the patient: unit vectors in LPS, for scripts and tests.

    The one function for every view: an acquired plane cut without resampling, a true reformat
    of the patient's planes, or an oblique one of a turned crosshair
    (:class:`viewer.core.reformat.ReformatPlane`).

    Returns
    -------
    dict
        ``normal`` (the direction of increasing plane index), ``row`` (one pixel right,
        along a row) and ``column`` (one pixel down, along a column), and ``origin``: the
        patient position (mm) of pixel ``(0, 0)``.
    """
    direction = np.asarray(volume.direction, dtype=np.float64)
    normal = direction @ (plane.normal_step * volume.spacing)
    right = direction @ (plane.col_step * volume.spacing)
    down = direction @ (plane.row_step * volume.spacing)
    return {"normal": normal / np.linalg.norm(normal), "row": right / np.linalg.norm(right),
            "column": down / np.linalg.norm(down), "origin": volume.index_to_physical(plane.voxel_at(0, 0))}


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


def _opposite(letters: str) -> str:
    return "".join(_OPPOSITE.get(letter, "") for letter in letters)


def screen_directions(volume: Volume, plane: SlicePlane) -> dict[str, str]:
    """Orientation letters for the four edges of a displayed plane.

    A projection image takes them from Patient Orientation (0020,0020): the first value is
    the direction of its rows (to the right edge), the second that of its columns (to the
    bottom); without it, it has none.
    """
    if plane.view == PROJECTION:
        values = [str(v).upper() for v in volume.metadata.get("patient_orientation") or []]
        if len(values) != 2 or not all(v and set(v) <= set(_OPPOSITE) for v in values):
            return {"right": "", "left": "", "bottom": "", "top": ""}
        return {"right": values[0], "left": _opposite(values[0]),
                "bottom": values[1], "top": _opposite(values[1])}
    geometry = plane_geometry(volume, plane)
    return {"right": orientation_label(geometry["row"]), "left": orientation_label(-geometry["row"]),
            "bottom": orientation_label(geometry["column"]), "top": orientation_label(-geometry["column"])}


def plane_title(volume: Volume, plane: SlicePlane) -> str:
    """What the corner text calls a plane: ``Axial``, ``Coronal``, ``Sagittal``, or a radiograph's view.

    A projection image is named by its view position and laterality (``PA``, ``MLO L``), or
    ``Projection`` when the file names neither.
    """
    if plane.view == PROJECTION:
        parts = [str(volume.metadata.get(key) or "").strip() for key in ("view_position", "laterality")]
        return " ".join(p for p in parts if p) or "Projection"
    return plane.view.capitalize()

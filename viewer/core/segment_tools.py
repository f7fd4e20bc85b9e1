"""Pure voxel tools of the segment editor: brush, threshold, region growing, interpolation, islands, smoothing.

Every function works on plain arrays ``[z, y, x]`` and returns a boolean mask (or a
mask inside a box); none of them changes its inputs. Spacing is always ``(x, y, z)``
millimetres, as :class:`~viewer.core.volume.Volume` stores it. Work that can be
limited to a bounding box is: a brush touches only its box, and the tools that act
on one segment (islands, smoothing, fill between slices) only that segment's box,
padded by what the filter can reach.

:class:`LabelDelta` is the unit of undo: the voxels of a label map that an edit
changed, with their old and new values, stored as flat indices inside a box (or
a packed mask of the box when the change is dense).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from viewer.core.errors import OutpostError
from viewer.core.measure import roi_statistics

if TYPE_CHECKING:  # imported where used: SimpleITK costs 0.2 s to import
    import SimpleITK as sitk

#: A box on the image grid: one slice per axis ``(z, y, x)``, each with explicit start and stop.
Box = tuple[slice, slice, slice]

#: Voxel size ``(x, y, z)`` in mm: any three numbers (a tuple, a list, a Volume's ``spacing``).
Spacing = Iterable[float]

SMOOTHING_KINDS = ("median", "closing")
LOGICAL_OPERATIONS = ("union", "subtract", "intersect")


# --------------------------------------------------------------------------- boxes
def box_shape(box: Box) -> tuple[int, int, int]:
    """The shape of the array ``labels[box]``."""
    return tuple(max(0, s.stop - s.start) for s in box)


def box_size(box: Box) -> int:
    """The number of voxels in ``box``."""
    return int(np.prod(box_shape(box)))


def whole_box(shape_zyx: tuple[int, ...]) -> Box:
    """The box covering the whole grid."""
    return cast(Box, tuple(slice(0, int(n)) for n in shape_zyx))


def union_box(boxes: list[Box]) -> Box:
    """The smallest box holding every box of ``boxes`` (empty boxes are ignored)."""
    boxes = [b for b in boxes if box_size(b) > 0] or boxes[:1]
    return cast(Box, tuple(slice(min(b[a].start for b in boxes), max(b[a].stop for b in boxes)) for a in range(3)))


def bounding_box(mask: np.ndarray, pad: tuple[int, int, int] | int = 0) -> Box | None:
    """The box of the ``True`` voxels of ``mask``, grown by ``pad`` voxels per axis and clipped.

    Returns ``None`` when ``mask`` is empty. One pass per axis over projections,
    so it costs about one read of ``mask``.
    """
    pads = (pad,) * 3 if isinstance(pad, int) else tuple(pad)
    box = []
    for axis in range(3):
        others = tuple(a for a in range(3) if a != axis)
        present = np.flatnonzero(mask.any(axis=others))
        if present.size == 0:
            return None
        box.append(slice(max(0, int(present[0]) - pads[axis]),
                         min(mask.shape[axis], int(present[-1]) + 1 + pads[axis])))
    return cast(Box, tuple(box))


def radius_voxels(radius_mm: float, spacing_xyz: Spacing) -> tuple[int, int, int]:
    """A radius in millimetres as whole voxels per axis ``(x, y, z)``, as SimpleITK kernels want it."""
    return cast(tuple[int, int, int], tuple(max(0, int(round(radius_mm / float(s)))) for s in spacing_xyz))


# --------------------------------------------------------------------------- brush
def brush_mask(shape_zyx: tuple[int, int, int], center_zyx: Iterable[float], radius_mm: float,
               spacing_xyz: Spacing, *, sphere: bool = False, plane_axis: int = 0,
               end_zyx: Iterable[float] | None = None) -> tuple[Box, np.ndarray]:
    """The voxels of a round brush (or of a brush swept along a line), inside its bounding box.

    Parameters
    ----------
    shape_zyx
        The image grid.
    center_zyx
        The brush centre in continuous voxel indices ``(z, y, x)``.
    radius_mm
        The brush radius; a voxel is inside when its centre is at most this far
        from the brush centre, measured in millimetres with the grid's spacing.
    spacing_xyz
        Voxel size ``(x, y, z)`` in mm (anisotropic voxels give an ellipsoid in voxels).
    sphere
        A ball in 3-D; otherwise a disc in the slice ``round(center[plane_axis])``
        normal to ``plane_axis`` (0: axial, 1: coronal, 2: sagittal).
    plane_axis
        The axis the disc is normal to.
    end_zyx
        Sweep the brush from ``center_zyx`` to here (a mouse move): a voxel is inside
        when its distance to the segment between them is at most the radius. A disc
        stays in the slice of ``center_zyx``.

    Returns
    -------
    box, mask
        The box on the grid (clipped to it; possibly empty) and the boolean mask of
        the brush inside it (shape of the box).
    """
    if plane_axis not in (0, 1, 2):
        raise OutpostError(f"the brush's plane axis is 0, 1 or 2, not {plane_axis}")
    spacing_zyx = np.array([float(s) for s in reversed(list(spacing_xyz))])
    start_point = np.array([float(c) for c in center_zyx])
    end_point = start_point if end_zyx is None else np.array([float(c) for c in end_zyx])
    radius = max(0.0, float(radius_mm))
    flat = None if sphere else plane_axis
    box, coordinates = [], []
    for axis in range(3):
        if axis == flat:
            index = math.floor(start_point[axis] + 0.5)
            start, stop = index, index + 1
        else:
            reach = radius / spacing_zyx[axis]
            low, high = sorted((start_point[axis], end_point[axis]))
            start, stop = math.ceil(low - reach), math.floor(high + reach) + 1
        start, stop = max(0, start), min(int(shape_zyx[axis]), stop)
        stop = max(start, stop)
        box.append(slice(start, stop))
        # millimetres from the start point along this axis (0 across a disc's slice)
        if axis == flat:
            offset = np.zeros(stop - start)
        else:
            offset = (np.arange(start, stop) - start_point[axis]) * spacing_zyx[axis]
        coordinates.append(offset.reshape([-1 if a == axis else 1 for a in range(3)]))
    sweep = (end_point - start_point) * spacing_zyx
    if flat is not None:
        sweep[flat] = 0.0
    length2 = float(sweep @ sweep)
    if length2 > 0.0:
        along = sum(coordinates[a] * sweep[a] for a in range(3)) / length2
        t = np.clip(along, 0.0, 1.0)
        distance2 = sum((coordinates[a] - t * sweep[a]) ** 2 for a in range(3))
    else:
        distance2 = coordinates[0] ** 2 + coordinates[1] ** 2 + coordinates[2] ** 2
    brush_box = cast(Box, tuple(box))
    return brush_box, np.broadcast_to(distance2 <= radius * radius, box_shape(brush_box)).copy()


def in_range(values: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """``low <= values <= high`` (either bound may be ``None``: open on that side)."""
    mask = np.ones(values.shape, dtype=bool)
    if low is not None:
        mask &= values >= low
    if high is not None:
        mask &= values <= high
    return mask


# --------------------------------------------------------------------------- region growing
def _to_sitk(array: np.ndarray, spacing_xyz: Spacing | None = None) -> sitk.Image:
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(np.ascontiguousarray(array))
    if spacing_xyz is not None:
        image.SetSpacing([float(s) for s in spacing_xyz])
    return image


def _from_sitk(image: sitk.Image) -> np.ndarray:
    import SimpleITK as sitk

    array: np.ndarray = sitk.GetArrayFromImage(image)
    return array


def region_grow(image: np.ndarray, seed_zyx: Iterable[float], *, low: float | None = None,
                high: float | None = None, multiplier: float | None = None, iterations: int = 1,
                neighborhood: int = 1,
                spacing_xyz: Spacing = (1.0, 1.0, 1.0), start_mm: float = 40.0) -> tuple[Box, np.ndarray]:
    """The voxels connected to ``seed_zyx`` (6-connectivity) whose values pass a test.

    With ``low``/``high`` (either may be omitted: the other side is then open), the
    test is ``low <= value <= high`` (SimpleITK ConnectedThreshold). With
    ``multiplier``, the range is the mean ± ``multiplier`` standard deviations of
    the seed's neighbourhood, refined ``iterations`` times over the region
    (SimpleITK ConfidenceConnected; ITK casts the bounds to the pixel type).

    A connected threshold is grown in a box around the seed (``start_mm`` each way,
    doubled until the region no longer reaches a side of the box that is not the
    image's edge), which gives the same region as growing over the whole image at
    a fraction of the cost for a region smaller than the image. A confidence
    connected region is grown over the whole image (its statistics depend on
    every intermediate region).

    Parameters
    ----------
    image
        Intensities ``[z, y, x]``.
    seed_zyx
        The click, in voxel indices (rounded to the nearest voxel).
    spacing_xyz
        Voxel size in mm, for ``start_mm``.

    Returns
    -------
    box, mask
        The region as a boolean mask inside ``box`` (empty when the seed fails the test).
    """
    import SimpleITK as sitk

    seed = [int(math.floor(float(c) + 0.5)) for c in seed_zyx]
    shape = image.shape
    if any(not 0 <= s < n for s, n in zip(seed, shape, strict=True)):
        raise OutpostError(f"the seed {tuple(seed)} is outside the image {shape}")
    if multiplier is not None:
        grown = sitk.ConfidenceConnected(_to_sitk(image), seedList=[seed[::-1]],
                                         numberOfIterations=int(iterations), multiplier=float(multiplier),
                                         initialNeighborhoodRadius=int(neighborhood), replaceValue=1)
        return whole_box(shape), sitk.GetArrayViewFromImage(grown).astype(bool)
    info = np.iinfo(image.dtype) if np.issubdtype(image.dtype, np.integer) else np.finfo(image.dtype)
    lower = float(info.min) if low is None else float(low)
    upper = float(info.max) if high is None else float(high)
    reach = [max(2, int(math.ceil(start_mm / float(s)))) for s in reversed(list(spacing_xyz))]
    while True:
        box = cast(Box, tuple(slice(max(0, c - r), min(n, c + r + 1))
                              for c, r, n in zip(seed, reach, shape, strict=True)))
        if lower > upper:
            return box, np.zeros(box_shape(box), dtype=bool)
        local = [c - b.start for c, b in zip(seed, box, strict=True)]
        grown = sitk.ConnectedThreshold(_to_sitk(image[box]), seedList=[local[::-1]], lower=lower, upper=upper,
                                        replaceValue=1,
                                        connectivity=sitk.ConnectedThresholdImageFilter.FaceConnectivity)
        mask = sitk.GetArrayViewFromImage(grown).astype(bool)
        open_sides = []
        for axis, side in enumerate(box):
            if side.start > 0:
                open_sides.append(np.take(mask, 0, axis=axis))
            if side.stop < shape[axis]:
                open_sides.append(np.take(mask, -1, axis=axis))
        if not any(face.any() for face in open_sides):
            return box, mask
        reach = [2 * r for r in reach]


# --------------------------------------------------------------------------- fill between slices
def fill_between_slices(mask: np.ndarray, spacing_xyz: Spacing, axis: int = 0) -> np.ndarray:
    """Interpolate a segment across the empty slices between the slices where it was drawn.

    Shape-based interpolation: the signed distance map (mm, SimpleITK's Maurer
    transform, negative inside) of each drawn slice is interpolated linearly
    along ``axis`` to the empty slices between two drawn ones, and a voxel is
    inside where the interpolated distance is at most 0. Drawn slices are kept
    as they are; nothing is added before the first or after the last drawn slice.

    Parameters
    ----------
    mask
        Boolean ``[z, y, x]``, typically a segment's bounding box.
    spacing_xyz
        Voxel size in mm.
    axis
        The slicing axis (0: axial, 1: coronal, 2: sagittal).

    Returns
    -------
    numpy.ndarray
        The filled mask (``mask`` plus the interpolated slices).
    """
    import SimpleITK as sitk

    if axis not in (0, 1, 2):
        raise OutpostError(f"fill between slices needs an axis 0, 1 or 2, not {axis}")
    moved = np.moveaxis(mask, axis, 0)
    drawn = np.flatnonzero(moved.reshape(moved.shape[0], -1).any(axis=1))
    result = moved.copy()
    plane_spacing = [float(s) for s in reversed([v for a, v in enumerate(reversed(list(spacing_xyz)))
                                                 if a != axis])]

    def distance(index: int) -> np.ndarray:
        plane = sitk.GetImageFromArray(moved[index].astype(np.uint8))
        plane.SetSpacing(plane_spacing)
        signed = sitk.SignedMaurerDistanceMap(plane, insideIsPositive=False, squaredDistance=False,
                                              useImageSpacing=True, backgroundValue=0)
        return sitk.GetArrayFromImage(signed)

    cached: dict[int, np.ndarray] = {}
    for first, last in zip(drawn[:-1], drawn[1:], strict=True):
        if last - first < 2:
            continue
        below = cached.pop(int(first), None)
        below = distance(int(first)) if below is None else below
        above = distance(int(last))
        cached[int(last)] = above
        for index in range(int(first) + 1, int(last)):
            t = (index - first) / (last - first)
            result[index] = (1.0 - t) * below + t * above <= 0.0
    return np.moveaxis(result, 0, axis)


# --------------------------------------------------------------------------- islands
def component_sizes(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of ``mask`` (6-connectivity) and their sizes.

    Returns
    -------
    components, sizes
        ``components`` numbers each component ``1..n`` (0 outside); ``sizes[i]`` is
        the voxel count of component ``i`` (``sizes[0]`` is 0).
    """
    import SimpleITK as sitk

    components = _from_sitk(sitk.ConnectedComponent(_to_sitk(mask.astype(np.uint8)), False))
    sizes = np.bincount(components.reshape(-1))
    sizes[0] = 0
    return components, sizes


def islands(mask: np.ndarray, spacing_xyz: Spacing, *, keep_largest: bool = False,
            min_ml: float | None = None) -> np.ndarray:
    """The islands of ``mask`` to keep (6-connectivity).

    Parameters
    ----------
    mask
        Boolean ``[z, y, x]``.
    spacing_xyz
        Voxel size in mm (for ``min_ml``).
    keep_largest
        Keep only the largest island (the first found, in raster order, on a tie).
    min_ml
        Remove the islands smaller than this many millilitres.

    Returns
    -------
    numpy.ndarray
        The kept voxels: a subset of ``mask``.
    """
    if not mask.any():
        return np.zeros(mask.shape, dtype=bool)
    components, sizes = component_sizes(mask)
    keep = sizes > 0
    if min_ml is not None:
        voxel_ml = float(np.prod([float(s) for s in spacing_xyz])) / 1000.0
        keep &= sizes * voxel_ml >= float(min_ml)
    if keep_largest:
        largest = int(np.argmax(sizes))
        keep &= np.arange(sizes.size) == largest
    kept: np.ndarray = keep[components]
    return kept


# --------------------------------------------------------------------------- smoothing
def smooth(mask: np.ndarray, spacing_xyz: Spacing, kind: str = "median", radius_mm: float = 1.0) -> np.ndarray:
    """A smoothed copy of ``mask``: binary median or morphological closing.

    The kernel's radius in voxels is ``round(radius_mm / spacing)`` per axis (a box
    for the median, SimpleITK's ball for the closing). Closing uses a safe border,
    so nothing shrinks at the edge of ``mask``. Give a box padded by the radius
    around the segment, and the result is what filtering the whole grid would give.
    """
    import SimpleITK as sitk

    if kind not in SMOOTHING_KINDS:
        raise OutpostError(f"unknown smoothing {kind!r}; expected one of {SMOOTHING_KINDS}")
    radius = list(radius_voxels(radius_mm, spacing_xyz))
    if not any(radius):
        return mask.copy()
    itk = _to_sitk(mask.astype(np.uint8))
    if kind == "median":
        out = sitk.BinaryMedian(itk, radius=radius, foregroundValue=1, backgroundValue=0)
    else:
        out = sitk.BinaryMorphologicalClosing(itk, kernelRadius=radius, kernelType=sitk.sitkBall,
                                              foregroundValue=1, safeBorder=True)
    return _from_sitk(out).astype(bool)


def logical(active: np.ndarray, other: np.ndarray, operation: str) -> np.ndarray:
    """``active`` combined with ``other``: ``union``, ``subtract`` (active and not other) or ``intersect``."""
    combined: np.ndarray
    if operation == "union":
        combined = active | other
        return combined
    if operation == "subtract":
        combined = active & ~other
        return combined
    if operation == "intersect":
        combined = active & other
        return combined
    raise OutpostError(f"unknown logical operation {operation!r}; expected one of {LOGICAL_OPERATIONS}")


# --------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class SegmentStatistics:
    """Size of a segment and the image values inside it.

    Attributes
    ----------
    voxels, volume_ml
        How much of the grid it covers.
    mean, minimum, maximum
        The image inside it (NaN for an empty segment).
    """

    voxels: int
    volume_ml: float
    mean: float
    minimum: float
    maximum: float


def mask_statistics(image: np.ndarray, mask: np.ndarray, spacing_xyz: Spacing) -> SegmentStatistics:
    """Voxels, millilitres and the mean, minimum and maximum of ``image`` inside ``mask``."""
    found = roi_statistics(image, mask, (1.0, 1.0))
    voxel_ml = float(np.prod([float(s) for s in spacing_xyz])) / 1000.0
    return SegmentStatistics(voxels=found.pixels, volume_ml=found.pixels * voxel_ml, mean=found.mean,
                             minimum=found.minimum, maximum=found.maximum)


# --------------------------------------------------------------------------- deltas (undo)
def index_dtype(size: int) -> np.dtype:
    """The smallest unsigned type that indexes ``size`` voxels."""
    for dtype in (np.uint16, np.uint32):
        if size <= np.iinfo(dtype).max + 1:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


@dataclass
class LabelDelta:
    """The voxels an edit changed inside ``box``, with their old and new labels, stored compactly.

    The changed voxels are C-order flat indices into ``labels[box]`` (increasing, of the
    smallest unsigned type: :func:`index_dtype`), or, when that is smaller (a dense
    change such as a threshold), the change mask of the box packed to bits. Old and
    new labels are in the label map's dtype, one per changed voxel, or a single value
    when they are all the same (a brush paints one value). Build deltas with
    :meth:`of` or :meth:`between`.

    Attributes
    ----------
    box
        Where the change lies on the grid.
    size
        The number of changed voxels.
    indices, bits
        One of them is set: flat indices, or :func:`numpy.packbits` of the change mask.
    old, new
        ``size`` values, or 1 when uniform.
    """

    box: Box
    size: int
    indices: np.ndarray | None
    bits: np.ndarray | None
    old: np.ndarray
    new: np.ndarray

    @staticmethod
    def _squeeze(values: np.ndarray) -> np.ndarray:
        values = np.ascontiguousarray(values)
        if values.size > 1 and values[0] == values[-1] and np.all(values == values[0]):
            return values[:1].copy()
        return values

    @classmethod
    def of(cls, box: Box, old: np.ndarray, new: np.ndarray, *, indices: np.ndarray | None = None,
           changed: np.ndarray | None = None) -> LabelDelta:
        """A delta from the changed voxels of ``labels[box]`` and their ``old`` and ``new`` values.

        The voxels are given as increasing flat ``indices`` or as the boolean ``changed``
        mask of the box (whichever the caller has; the other is made only if chosen).
        """
        voxels = box_size(box)
        size = int(indices.size if indices is not None else old.size)
        dtype = index_dtype(voxels)
        if size * dtype.itemsize > (voxels + 7) // 8:
            if changed is None:
                changed = np.zeros(voxels, dtype=bool)
                changed[indices] = True
            return cls(box, size, None, np.packbits(changed.reshape(-1)), cls._squeeze(old), cls._squeeze(new))
        if indices is None:
            assert changed is not None  # the caller gives indices or changed
            indices = np.flatnonzero(changed)
        return cls(box, size, indices.astype(dtype, copy=False), None, cls._squeeze(old), cls._squeeze(new))

    @classmethod
    def between(cls, region: np.ndarray, updated: np.ndarray, box: Box) -> LabelDelta:
        """The delta that turns ``region`` (``labels[box]``) into ``updated``."""
        changed = region != updated
        return cls.of(box, region[changed], updated[changed], changed=changed)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        where = self.indices if self.indices is not None else self.bits
        assert where is not None  # a delta holds indices or bits
        return int(where.nbytes + self.old.nbytes + self.new.nbytes)

    def flat(self) -> np.ndarray:
        """The changed voxels as increasing flat indices into ``labels[box]``."""
        if self.indices is not None:
            return self.indices
        assert self.bits is not None  # a delta holds indices or bits
        return np.flatnonzero(np.unpackbits(self.bits, count=box_size(self.box)))

    def positions(self) -> tuple[np.ndarray, ...]:
        """The changed voxels as index arrays into ``labels[box]``."""
        return np.unravel_index(self.flat(), box_shape(self.box))

    def olds(self) -> np.ndarray:
        """The old label of every changed voxel."""
        return np.broadcast_to(self.old, (self.size,))

    def news(self) -> np.ndarray:
        """The new label of every changed voxel."""
        return np.broadcast_to(self.new, (self.size,))

    def _selection(self) -> np.ndarray | tuple[np.ndarray, ...]:
        """What selects the changed voxels of ``labels[box]``, in C order: a box mask or index arrays."""
        if self.bits is not None:  # a dense change: a mask of the box is cheaper than index arrays
            return np.unpackbits(self.bits, count=box_size(self.box)).view(bool).reshape(box_shape(self.box))
        return self.positions()

    def take(self, array: np.ndarray) -> np.ndarray:
        """The values of ``array`` (on the grid) at the changed voxels, in C order."""
        values: np.ndarray = array[self.box][self._selection()]
        return values

    def apply(self, labels: np.ndarray, *, forward: bool = True) -> None:
        """Write :attr:`new` (or :attr:`old` when undoing) into ``labels``."""
        labels[self.box][self._selection()] = self.new if forward else self.old

    def matches(self, labels: np.ndarray, *, forward: bool = True) -> bool:
        """Whether ``labels`` holds :attr:`old` (or :attr:`new` when undoing) where this delta applies."""
        return bool(np.all(self.take(labels) == (self.old if forward else self.new)))

    @classmethod
    def merge(cls, deltas: list[LabelDelta]) -> LabelDelta | None:
        """One delta equal to applying ``deltas`` in order: first old and last new value of each voxel.

        Voxels that end where they started are dropped. ``None`` when nothing is left.
        """
        deltas = [d for d in deltas if d.size]
        if not deltas:
            return None
        if len(deltas) == 1:
            return deltas[0]
        box = union_box([d.box for d in deltas])
        shape = box_shape(box)
        flat = []
        for delta in deltas:
            positions = delta.positions()
            flat.append(np.ravel_multi_index(
                tuple(p.astype(np.int64) + (delta.box[a].start - box[a].start) for a, p in enumerate(positions)),
                shape))
        indices = np.concatenate(flat)
        old = np.concatenate([d.olds() for d in deltas])
        new = np.concatenate([d.news() for d in deltas])
        order = np.argsort(indices, kind="stable")
        indices, old, new = indices[order], old[order], new[order]
        starts = np.flatnonzero(np.r_[True, indices[1:] != indices[:-1]])
        ends = np.r_[starts[1:], indices.size] - 1
        indices, old, new = indices[starts], old[starts], new[ends]
        kept = old != new
        if not kept.any():
            return None
        return cls.of(box, old[kept], new[kept], indices=indices[kept])

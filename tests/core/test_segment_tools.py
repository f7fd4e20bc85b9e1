"""The segment editor's pure voxel tools, each checked against an independent numpy/scipy computation.

The images are the demo pack's CT phantom (organs at realistic HU with noise) and, where
shared data are present, dcmqi's real 3-slice CT. The oracles are written here from the
definitions: the brush from the explicit distance formula, region growing and islands
from ``scipy.ndimage.label`` (6-connectivity), smoothing from ``scipy.ndimage``'s median
filter and binary closing with ITK's ball, fill between slices from identical or nested discs.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ai.demo.phantom import make_phantom
from viewer.core import segment_tools as tools
from viewer.core.errors import OutpostError
from viewer.core.segment_tools import LabelDelta

SPACING = (0.7, 0.9, 2.5)  # (x, y, z) mm: anisotropic on purpose


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(40, 120, 120), spacing=(2.0, 2.0, 3.0), seed=3)


def _distance2(shape, center_zyx, spacing_xyz, axes=(0, 1, 2)) -> np.ndarray:
    """Squared mm distance of every voxel centre of ``shape`` from ``center``, over ``axes`` only."""
    grid = np.indices(shape, dtype=np.float64)
    spacing_zyx = spacing_xyz[::-1]
    return sum(((grid[a] - center_zyx[a]) * spacing_zyx[a]) ** 2 for a in axes)


# --------------------------------------------------------------------------- brush
@pytest.mark.parametrize("center", [(10.3, 20.6, 31.2), (0.0, 0.4, 63.9), (24.49, 2.0, 3.0)])
@pytest.mark.parametrize("radius", [0.3, 2.0, 7.5])
def test_sphere_brush_is_the_ball_of_the_distance_formula(center, radius):
    shape = (25, 40, 64)
    box, mask = tools.brush_mask(shape, center, radius, SPACING, sphere=True)
    full = np.zeros(shape, dtype=bool)
    full[box] = mask
    expected = _distance2(shape, center, SPACING) <= radius ** 2
    np.testing.assert_array_equal(full, expected)
    tight = tools.bounding_box(expected)
    if tight is not None:  # the box holds the ball and is at most a voxel wider on each side
        for got, need in zip(box, tight, strict=True):
            assert need.start - 1 <= got.start <= need.start and need.stop <= got.stop <= need.stop + 1


@pytest.mark.parametrize("plane_axis", [0, 1, 2])
def test_disc_brush_lies_in_one_slice_normal_to_its_axis(plane_axis):
    shape = (25, 40, 64)
    center = (12.4, 19.6, 30.5)
    radius = 6.0
    box, mask = tools.brush_mask(shape, center, radius, SPACING, plane_axis=plane_axis)
    full = np.zeros(shape, dtype=bool)
    full[box] = mask
    others = tuple(a for a in range(3) if a != plane_axis)
    in_plane = np.indices(shape)[plane_axis] == int(np.floor(center[plane_axis] + 0.5))
    expected = in_plane & (_distance2(shape, center, SPACING, others) <= radius ** 2)
    np.testing.assert_array_equal(full, expected)
    assert tools.box_shape(box)[plane_axis] == 1


@pytest.mark.parametrize("sphere", [True, False])
def test_swept_brush_is_every_voxel_near_the_segment(sphere):
    shape = (25, 40, 64)
    start, end = np.array([10.2, 8.3, 12.6]), np.array([14.9, 30.1, 50.4])
    box, mask = tools.brush_mask(shape, start, 4.0, SPACING, sphere=sphere, end_zyx=end)
    full = np.zeros(shape, dtype=bool)
    full[box] = mask
    # oracle: the smallest distance to 2001 points along the segment, within a tolerance of the sampling step
    grid = np.indices(shape, dtype=np.float64).reshape(3, -1).T
    if not sphere:  # a disc: distances within its slice
        end = end.copy()
        end[0] = grid[:, 0] = start[0]
    grid *= SPACING[::-1]
    points = (start + np.linspace(0, 1, 2001)[:, None] * (end - start)) * SPACING[::-1]
    nearest = np.full(grid.shape[0], np.inf)
    for chunk in np.array_split(points, 40):
        nearest = np.minimum(nearest, ((grid[:, None, :] - chunk[None]) ** 2).sum(-1).min(axis=1))
    nearest = np.sqrt(nearest).reshape(shape)
    if not sphere:
        nearest[np.indices(shape)[0] != 10] = np.inf
    step = np.linalg.norm((end - start) * SPACING[::-1]) / 2000
    assert np.all(full[nearest <= 4.0]) and not np.any(full[nearest > 4.0 + step])
    single = tools.brush_mask(shape, start, 4.0, SPACING, sphere=sphere)[1]
    assert np.count_nonzero(full) > 3 * np.count_nonzero(single)


def test_brush_outside_the_grid_is_empty():
    box, mask = tools.brush_mask((10, 10, 10), (50.0, 5.0, 5.0), 3.0, (1, 1, 1))
    assert tools.box_size(box) == 0 and not mask.any()
    with pytest.raises(OutpostError):
        tools.brush_mask((10, 10, 10), (5, 5, 5), 3.0, (1, 1, 1), plane_axis=3)


# --------------------------------------------------------------------------- deltas
def test_merged_deltas_equal_applying_them_in_order():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, size=(12, 30, 30), dtype=np.uint8)
    start = labels.copy()
    deltas = []
    for _ in range(6):
        box, mask = tools.brush_mask(labels.shape, rng.uniform(0, 12, 3) * (1, 2.5, 2.5), 4.0, (1, 1, 1),
                                     sphere=True)
        region = labels[box]
        updated = np.where(mask, rng.integers(0, 4), region).astype(np.uint8)
        deltas.append(LabelDelta.between(region, updated, box))
        deltas[-1].apply(labels)
    merged = LabelDelta.merge(deltas)
    assert np.all(np.diff(merged.flat().astype(np.int64)) > 0)
    # the smaller of uint16 indices and a packed mask of the box
    where = merged.indices if merged.indices is not None else merged.bits
    voxels = tools.box_size(merged.box)
    assert voxels < 2 ** 16 and where.nbytes == min(2 * merged.size, (voxels + 7) // 8)
    replay = start.copy()
    merged.apply(replay)
    np.testing.assert_array_equal(replay, labels)
    merged.apply(replay, forward=False)
    np.testing.assert_array_equal(replay, start)
    assert merged.size == np.count_nonzero(start != labels)  # voxels that ended where they began are gone


def test_sparse_and_dense_deltas_are_stored_compactly():
    labels = np.zeros((40, 60, 60), dtype=np.uint8)
    box = tools.whole_box(labels.shape)
    sparse = labels.copy()
    sparse[5, 6, 7:20] = 3
    delta = LabelDelta.between(labels, sparse, box)
    assert delta.indices.dtype == np.uint32 and delta.size == 13 and delta.old.size == delta.new.size == 1
    dense = labels.copy()
    dense[::2] = 4
    dense[1::4] = 2
    delta = LabelDelta.between(labels, dense, box)
    assert delta.indices is None and delta.bits.nbytes == labels.size // 8 and delta.new.size == delta.size
    for made in (sparse, dense):
        work = labels.copy()
        delta = LabelDelta.between(labels, made, box)
        delta.apply(work)
        np.testing.assert_array_equal(work, made)
        assert delta.matches(labels) and delta.matches(work, forward=False)
        delta.apply(work, forward=False)
        np.testing.assert_array_equal(work, labels)


def test_merge_of_a_change_and_its_reverse_is_nothing():
    labels = np.zeros((5, 5, 5), dtype=np.uint8)
    box = tools.whole_box(labels.shape)
    updated = labels.copy()
    updated[2, 2, 2] = 3
    forward = LabelDelta.between(labels, updated, box)
    backward = LabelDelta.between(updated, labels, box)
    assert LabelDelta.merge([forward, backward]) is None


# --------------------------------------------------------------------------- region growing
def _full(shape, box, mask) -> np.ndarray:
    full = np.zeros(shape, dtype=bool)
    full[box] = mask
    return full


def test_connected_threshold_is_the_seeds_6_connected_component(phantom):
    image = phantom.volume.array
    liver = np.argwhere(phantom.labels == 1)
    seed = tuple(liver[len(liver) // 2])
    grown = _full(image.shape, *tools.region_grow(image, seed, low=20, high=110, spacing_xyz=(2.0, 2.0, 3.0),
                                                  start_mm=10.0))
    components, _ = ndimage.label((image >= 20) & (image <= 110))  # default structure: 6-connectivity
    expected = components == components[seed]
    np.testing.assert_array_equal(grown, expected)
    assert grown.sum() > 1000


def test_one_sided_connected_threshold(phantom):
    image = phantom.volume.array
    seed = (20, 60, 60)
    grown = _full(image.shape, *tools.region_grow(image, seed, low=-500))
    components, _ = ndimage.label(image >= -500)
    np.testing.assert_array_equal(grown, components == components[seed])


def test_confidence_connected_uses_the_seed_neighbourhoods_mean_and_sd(phantom):
    image = phantom.volume.array
    liver = np.argwhere(phantom.labels == 1)
    seed = tuple(int(c) for c in liver[len(liver) // 3])
    grown = _full(image.shape, *tools.region_grow(image, seed, multiplier=2.5, iterations=0))
    z, y, x = seed
    around = image[z - 1:z + 2, y - 1:y + 2, x - 1:x + 2].astype(np.float64)
    low = around.mean() - 2.5 * around.std(ddof=1)
    high = around.mean() + 2.5 * around.std(ddof=1)
    assert image.dtype == np.int16  # ITK casts the bounds to the pixel type: truncation towards 0
    low, high = np.trunc(low), np.trunc(high)
    components, _ = ndimage.label((image >= low) & (image <= high))
    np.testing.assert_array_equal(grown, components == components[seed])


def test_a_seed_outside_the_image_is_refused(phantom):
    with pytest.raises(OutpostError):
        tools.region_grow(phantom.volume.array, (100, 0, 0), low=0, high=1)


# --------------------------------------------------------------------------- islands
def _islands_mask() -> np.ndarray:
    mask = np.zeros((30, 50, 50), dtype=bool)
    mask[5:20, 5:25, 5:25] = True      # 15*20*20 = 6000 voxels
    mask[22:26, 30:40, 30:40] = True   # 400
    mask[2:4, 40:45, 40:45] = True     # 50
    mask[10, 40, 10] = True            # 1
    mask[10, 41, 11] = True            # 1: touches the previous one only diagonally
    return mask


def test_keep_largest_island_matches_scipy_labels():
    mask = _islands_mask()
    kept = tools.islands(mask, (1.0, 1.0, 1.0), keep_largest=True)
    components, count = ndimage.label(mask)
    sizes = ndimage.sum(mask, components, range(1, count + 1))
    assert count == 5
    np.testing.assert_array_equal(kept, components == 1 + int(np.argmax(sizes)))


@pytest.mark.parametrize("min_ml", [0.0005, 0.05, 0.41, 10.0])
def test_islands_below_a_volume_are_removed(min_ml):
    mask = _islands_mask()
    spacing = (0.8, 1.25, 1.0)  # 1 voxel = 1.0 mm3 = 0.001 mL
    kept = tools.islands(mask, spacing, min_ml=min_ml)
    components, count = ndimage.label(mask)
    voxel_ml = 0.8 * 1.25 * 1.0 / 1000
    expected = np.zeros_like(mask)
    for number in range(1, count + 1):
        island = components == number
        if island.sum() * voxel_ml >= min_ml:
            expected |= island
    np.testing.assert_array_equal(kept, expected)


# --------------------------------------------------------------------------- smoothing
def _ragged(phantom) -> np.ndarray:
    rng = np.random.default_rng(5)
    mask = np.pad(phantom.labels[10:30, 20:100, 20:100] == 1, 6)
    return mask ^ (rng.random(mask.shape) < 0.05) & np.pad(np.ones((20, 80, 80), bool), 6)


@pytest.mark.parametrize("radius_mm", [1.0, 2.0, 4.0])
def test_median_matches_scipys_median_filter(phantom, radius_mm):
    mask = _ragged(phantom)
    spacing = (1.0, 2.0, 4.0)
    radius = tools.radius_voxels(radius_mm, spacing)
    smoothed = tools.smooth(mask, spacing, "median", radius_mm)
    size = tuple(2 * r + 1 for r in reversed(radius))
    expected = ndimage.median_filter(mask.astype(np.uint8), size=size, mode="nearest").astype(bool)
    np.testing.assert_array_equal(smoothed, expected)
    assert radius_mm < 2.0 or not np.array_equal(smoothed, mask)


@pytest.mark.parametrize("radius_mm", [1.0, 3.0])
def test_closing_matches_scipys_closing_with_itks_ball(phantom, radius_mm):
    mask = _ragged(phantom)
    spacing = (1.0, 1.0, 2.0)
    rx, ry, rz = tools.radius_voxels(radius_mm, spacing)
    zz, yy, xx = np.mgrid[-rz:rz + 1, -ry:ry + 1, -rx:rx + 1]
    ball = (xx / (rx + 0.5)) ** 2 + (yy / (ry + 0.5)) ** 2 + (zz / (rz + 0.5)) ** 2 <= 1.0
    expected = ndimage.binary_closing(np.pad(mask, 8), structure=ball)[8:-8, 8:-8, 8:-8]
    np.testing.assert_array_equal(tools.smooth(mask, spacing, "closing", radius_mm), expected)
    assert np.all(expected >= mask)


def test_unknown_smoothing_is_refused():
    with pytest.raises(OutpostError):
        tools.smooth(np.zeros((3, 3, 3), bool), (1, 1, 1), "gaussian")


# --------------------------------------------------------------------------- fill between slices
def _disc(shape_yx, center, radius) -> np.ndarray:
    yy, xx = np.indices(shape_yx)
    return (yy - center[0]) ** 2 + (xx - center[1]) ** 2 <= radius ** 2


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_identical_slices_fill_with_the_same_shape(axis):
    mask = np.zeros((30, 30, 30), dtype=bool)
    disc = _disc((30, 30), (14, 16), 6.5)
    index = [slice(None)] * 3
    for k in (5, 12, 20):
        index[axis] = k
        mask[tuple(index)] = disc
    filled = tools.fill_between_slices(mask, (1.0, 1.0, 1.0), axis)
    expected = np.zeros_like(mask)
    for k in range(5, 21):
        index[axis] = k
        expected[tuple(index)] = disc
    np.testing.assert_array_equal(filled, expected)


def test_interpolated_slices_grow_from_the_small_disc_to_the_large_one():
    mask = np.zeros((11, 40, 40), dtype=bool)
    mask[0] = _disc((40, 40), (20, 20), 4)
    mask[10] = _disc((40, 40), (20, 20), 14)
    filled = tools.fill_between_slices(mask, (0.5, 0.5, 2.0), 0)
    np.testing.assert_array_equal(filled[[0, 10]], mask[[0, 10]])
    areas = filled.reshape(11, -1).sum(axis=1)
    assert np.all(np.diff(areas) >= 0) and areas[5] > areas[0]
    for k in range(1, 10):  # within a voxel of the disc of the linearly interpolated radius
        radius = 4 + k
        assert np.all(filled[k] <= _disc((40, 40), (20, 20), radius + 1))
        assert np.all(filled[k] >= _disc((40, 40), (20, 20), radius - 1))


# --------------------------------------------------------------------------- logical, statistics
def test_logical_operations_are_set_operations():
    rng = np.random.default_rng(2)
    a, b = rng.random((2, 8, 9, 10)) < 0.5
    np.testing.assert_array_equal(tools.logical(a, b, "union"), np.logical_or(a, b))
    np.testing.assert_array_equal(tools.logical(a, b, "subtract"), np.logical_and(a, np.logical_not(b)))
    np.testing.assert_array_equal(tools.logical(a, b, "intersect"), np.logical_and(a, b))
    with pytest.raises(OutpostError):
        tools.logical(a, b, "xor")


def test_statistics_of_a_phantom_organ(phantom):
    mask = phantom.labels == 2
    found = tools.mask_statistics(phantom.volume.array, mask, phantom.volume.spacing)
    values = phantom.volume.array[mask].astype(np.float64)
    assert found.voxels == mask.sum()
    assert found.volume_ml == pytest.approx(mask.sum() * 2.0 * 2.0 * 3.0 / 1000)
    assert found.mean == pytest.approx(values.mean())
    assert (found.minimum, found.maximum) == (values.min(), values.max())


def test_bounding_box_is_tight_and_padded():
    mask = np.zeros((10, 20, 30), dtype=bool)
    mask[3, 5, 7] = mask[6, 9, 8] = True
    assert tools.bounding_box(mask) == (slice(3, 7), slice(5, 10), slice(7, 9))
    assert tools.bounding_box(mask, (1, 10, 0)) == (slice(2, 8), slice(0, 20), slice(7, 9))
    assert tools.bounding_box(np.zeros((2, 2, 2), bool)) is None


def test_confidence_connected_refines_its_range_over_the_region(phantom):
    image = phantom.volume.array
    seed = tuple(int(c) for c in np.argwhere(phantom.labels == 2)[100])
    _, grown = tools.region_grow(image, seed, multiplier=2.0, iterations=1)
    z, y, x = seed

    def grow(values):  # the region of mean ± 2 SD of ``values`` (bounds cast to int16 like ITK)
        spread = 2.0 * values.std(ddof=1)
        low, high = np.trunc(values.mean() - spread), np.trunc(values.mean() + spread)
        components, _ = ndimage.label((image >= low) & (image <= high))
        return components == components[seed]

    first = grow(image[z - 1:z + 2, y - 1:y + 2, x - 1:x + 2].astype(np.float64))
    expected = grow(image[first].astype(np.float64))
    np.testing.assert_array_equal(grown, expected)
    assert not np.array_equal(first, expected)

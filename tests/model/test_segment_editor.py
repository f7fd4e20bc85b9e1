"""The segment editor on real results: each tool changes exactly the voxels it should, undo is exact.

Sources: the demo CT phantom's organ label map (each tool's geometry on known organs), the demo
pack's own result on that phantom, dcmqi's DICOM SEGs on their real 3-slice CT (read with
Outpost's SEG reader), and the result of brainchop's MeshNet (real weights) on the real T1.
Every expected label map is computed here with numpy/scipy from the tool's
definition (distance formula, ``scipy.ndimage.label``, ``median_filter``), locked
segments are checked untouched, and undo must give the label map back bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ai.demo.phantom import LABELS, make_phantom
from viewer.core.display import label_color
from viewer.core.errors import OutpostError
from viewer.core.overlays import LabelOverlay
from viewer.model.segment_editor import (
    AUTOMATIC,
    MANUAL,
    SEMIAUTOMATIC,
    SegmentationSource,
    SegmentEditor,
)

SOURCE = SegmentationSource("ai-result", "Demo liver pack 1.0", pack_name="outpost-demo-ct", pack_version="1.0",
                            pack_checksum="0" * 64, source_series_uid="1.2.3.4")
LIVER, SPLEEN, LUNGS, SPINE = 1, 2, 5, 6


@pytest.fixture(scope="module")
def phantom():
    # anisotropic voxels on purpose: a brush radius in mm is an ellipsoid in voxels
    return make_phantom(shape=(40, 112, 112), spacing=(1.6, 1.6, 3.0), seed=1)


@pytest.fixture
def editor(phantom):
    overlay = LabelOverlay.from_names(phantom.labels, phantom.label_names)
    return SegmentEditor.from_label_overlay(phantom.volume, overlay, SOURCE)


def _ball(shape, center, radius_mm, spacing_xyz, axes=(0, 1, 2), plane=None) -> np.ndarray:
    """Voxels whose centre lies within ``radius_mm`` of ``center`` (explicit distance formula)."""
    grid = np.indices(shape, dtype=np.float64)
    spacing_zyx = tuple(reversed(spacing_xyz))
    inside = sum(((grid[a] - center[a]) * spacing_zyx[a]) ** 2 for a in axes) <= radius_mm ** 2
    if plane is not None:
        inside &= grid[plane] == np.floor(center[plane] + 0.5)
    return inside


def _expected(labels, active, locked=(), add=None, remove=None) -> np.ndarray:
    """The rule of every tool: ``add`` voxels become ``active`` unless locked; ``remove`` clears ``active``."""
    out = labels.copy()
    writable = ~np.isin(labels, list(locked))
    if add is not None:
        out[add & writable] = active
    if remove is not None:
        out[remove & (labels == active)] = 0
    return out


def _check_counts(editor: SegmentEditor) -> None:
    """Added/removed per segment equal a direct comparison with the source."""
    source, labels = editor.source_labels, editor.labels
    for number, (added, removed) in editor.changes_by_segment().items():
        assert added == np.count_nonzero((labels == number) & (source != number)), number
        assert removed == np.count_nonzero((source == number) & (labels != number)), number
        if number in editor.segments:
            assert (editor.segments[number].added, editor.segments[number].removed) == (added, removed)
            assert editor.voxel_count(number) == np.count_nonzero(labels == number)


def _undo_all(editor: SegmentEditor, source: np.ndarray) -> None:
    for _step in range(editor.undo_steps):  # every step kept, oldest last
        editor.undo()
    np.testing.assert_array_equal(editor.labels, source)
    assert all(v == (0, 0) for v in editor.changes_by_segment().values())


# --------------------------------------------------------------------------- model
def test_editor_edits_a_copy_shown_by_its_overlay(phantom, editor):
    assert editor.labels is not phantom.labels and editor.overlay.labels is editor.labels
    assert {n: i.name for n, i in editor.overlay.info.items()} == LABELS
    assert all(s.from_source and s.source_algorithm_type == AUTOMATIC for s in editor.segments.values())
    source = phantom.labels.copy()
    editor.active = LIVER
    assert editor.paint((20, 56, 56), 15.0, sphere=True) > 0
    np.testing.assert_array_equal(phantom.labels, source)  # the model's result is never changed
    assert not np.array_equal(editor.labels, source) and editor.overlay.labels is editor.labels


# --------------------------------------------------------------------------- brush
def test_sphere_brush_changes_exactly_the_ball_and_spares_locked_segments(phantom, editor):
    source = phantom.labels
    spine = np.argwhere(source == SPINE).mean(axis=0)
    center = (spine[0] + 0.3, spine[1] - 6.4, spine[2] + 2.2)  # overlaps the spine and soft tissue
    editor.set_locked(SPINE, True)
    editor.active = LIVER
    boxes = []
    editor.changed.connect(boxes.append)
    count = editor.paint(center, 14.0, sphere=True)
    ball = _ball(source.shape, center, 14.0, phantom.volume.spacing)
    expected = _expected(source, LIVER, locked=[SPINE], add=ball)
    np.testing.assert_array_equal(editor.labels, expected)
    assert count == np.count_nonzero(expected != source) > 0
    assert np.count_nonzero(ball & (source == SPINE)) > 0  # the lock was put to the test
    box = boxes[-1]
    assert np.array_equal(editor.labels[box] != source[box], expected[box] != source[box])
    outside = ~_in_box(source.shape, box)
    np.testing.assert_array_equal(editor.labels[outside], source[outside])
    _check_counts(editor)
    assert editor.segments[LIVER].algorithm_type == SEMIAUTOMATIC  # an AI segment the reader changed
    editor.undo()  # the brush
    np.testing.assert_array_equal(editor.labels, source)
    assert editor.segments[LIVER].algorithm_type == AUTOMATIC and editor.segments[LIVER].tools == set()
    editor.redo()
    np.testing.assert_array_equal(editor.labels, expected)


def _in_box(shape, box) -> np.ndarray:
    inside = np.zeros(shape, dtype=bool)
    inside[box] = True
    return inside


@pytest.mark.parametrize("plane_axis", [0, 1, 2])
def test_disc_brush_and_eraser_in_each_plane(phantom, editor, plane_axis):
    source = phantom.labels
    liver = np.argwhere(source == LIVER).mean(axis=0)
    center = tuple(liver + (0.4, 9.7, -3.2))
    editor.active = SPLEEN
    editor.paint(center, 20.0, plane_axis=plane_axis)
    disc = _ball(source.shape, center, 20.0, phantom.volume.spacing,
                 axes=tuple(a for a in range(3) if a != plane_axis), plane=plane_axis)
    painted = _expected(source, SPLEEN, add=disc)
    np.testing.assert_array_equal(editor.labels, painted)
    # the eraser clears only the active segment's voxels
    editor.active = LIVER
    erase_center = tuple(np.array(center) + (0, 2, 2))
    editor.paint(erase_center, 25.0, plane_axis=plane_axis, erase=True)
    eraser = _ball(source.shape, erase_center, 25.0, phantom.volume.spacing,
                   axes=tuple(a for a in range(3) if a != plane_axis), plane=plane_axis)
    erased = _expected(painted, LIVER, remove=eraser)
    np.testing.assert_array_equal(editor.labels, erased)
    assert np.count_nonzero(erased != painted) > 0 and np.all(erased[eraser & (painted == SPLEEN)] == SPLEEN)
    assert editor.segments[SPLEEN].tools == {"brush"} and editor.segments[LIVER].tools == {"brush", "erase"}
    _check_counts(editor)
    _undo_all(editor, source)


def test_intensity_limited_brush(phantom, editor):
    image = phantom.volume.array
    source = phantom.labels
    center = tuple(np.argwhere(source == LIVER).mean(axis=0))
    editor.active = editor.add_segment("vessels").number
    editor.paint(center, 30.0, sphere=True, intensity_range=(60, 70))
    ball = _ball(source.shape, center, 30.0, phantom.volume.spacing)
    expected = _expected(source, editor.active, add=ball & (image >= 60) & (image <= 70))
    np.testing.assert_array_equal(editor.labels, expected)
    assert editor.segments[editor.active].algorithm_type == MANUAL
    _check_counts(editor)


def test_a_drag_is_one_undo_step(phantom, editor):
    source = phantom.labels
    editor.active = SPLEEN
    expected = source.copy()
    editor.begin_stroke()
    for x in range(30, 80, 3):
        center = (20.0, 50.0, float(x))
        editor.paint(center, 6.0)
        expected = _expected(expected, SPLEEN, add=_ball(source.shape, center, 6.0, phantom.volume.spacing,
                                                         axes=(1, 2), plane=0))
    assert not editor.can_redo and editor.can_undo
    editor.paint_line((20.0, 50.0, 80.0), (20.0, 70.0, 95.0), 4.0)  # a fast mouse move: no gaps
    for t in np.linspace(0, 1, 200):
        center = (20.0, 50.0 + 20.0 * t, 80.0 + 15.0 * t)
        assert np.all(editor.labels[_ball(source.shape, center, 3.9, phantom.volume.spacing, axes=(1, 2),
                                          plane=0) & (source != SPINE)] == SPLEEN)
    expected = np.where((editor.labels == SPLEEN) & (expected != SPLEEN), SPLEEN, expected)
    editor.end_stroke()
    np.testing.assert_array_equal(editor.labels, expected)
    assert editor.undo_steps == 1 and editor.dirty
    editor.undo()
    np.testing.assert_array_equal(editor.labels, source)
    assert not editor.undo() and not editor.dirty


# --------------------------------------------------------------------------- semi-automatic tools
def test_threshold_sets_the_active_segment_to_the_range(phantom, editor):
    image, source = phantom.volume.array, phantom.labels
    editor.set_locked(SPLEEN, True)
    editor.active = LIVER
    editor.threshold(40, 300)  # soft tissue and cancellous bone: the spine loses voxels
    inside = (image >= 40) & (image <= 300)
    expected = _expected(source, LIVER, locked=[SPLEEN], add=inside, remove=~inside)
    np.testing.assert_array_equal(editor.labels, expected)
    np.testing.assert_array_equal(editor.labels == SPLEEN, source == SPLEEN)
    _check_counts(editor)
    changed = np.count_nonzero(expected != source)
    assert changed > source.size // 16  # dense: stored as a packed mask of the box, not as indices
    assert editor.last_step_bytes <= source.size // 8 + 2 * changed + 1024
    overwritten = [n for n, (a, r) in editor.changes_by_segment().items() if n != LIVER and (a or r)]
    assert overwritten and all(editor.segments[n].tools == {"threshold"} for n in [LIVER, *overwritten])
    assert all(not editor.segments[n].tools for n in editor.segments if n not in [LIVER, *overwritten])
    _undo_all(editor, source)


def test_region_growing_from_a_click(phantom, editor):
    image, source = phantom.volume.array, phantom.labels
    editor.active = editor.add_segment("grown").number
    editor.set_locked(SPINE, True)
    seed = tuple(int(c) for c in np.argwhere(source == LIVER)[1234])
    editor.region_grow(seed, low=30, high=100)
    components, _ = ndimage.label((image >= 30) & (image <= 100))
    grown = components == components[seed]
    np.testing.assert_array_equal(editor.labels, _expected(source, editor.active, locked=[SPINE], add=grown))
    assert editor.segments[editor.active].algorithm_type == SEMIAUTOMATIC
    _check_counts(editor)
    _undo_all(editor, source)
    with pytest.raises(OutpostError):
        editor.region_grow(seed)


def test_islands_keep_largest_and_remove_small(phantom, editor):
    source = phantom.labels
    spacing = phantom.volume.spacing
    editor.active = LIVER
    blobs = [((5.0, 20.0, 20.0), 4.0), ((34.0, 90.0, 20.0), 7.0), ((34.0, 20.0, 90.0), 2.0)]
    for center, radius in blobs:
        editor.paint(center, radius, sphere=True)
    painted = editor.labels.copy()
    editor.islands(min_ml=0.5)
    components, count = ndimage.label(painted == LIVER)
    voxel_ml = float(np.prod(spacing)) / 1000
    small = np.zeros(source.shape, dtype=bool)
    for number in range(1, count + 1):
        island = components == number
        if island.sum() * voxel_ml < 0.5:
            small |= island
    assert small.any()
    np.testing.assert_array_equal(editor.labels, _expected(painted, LIVER, remove=small))
    editor.islands(keep_largest=True)
    sizes = ndimage.sum(painted == LIVER, components, range(1, count + 1))
    largest = components == 1 + int(np.argmax(sizes))
    np.testing.assert_array_equal(editor.labels, _expected(painted, LIVER, remove=(painted == LIVER) & ~largest))
    _check_counts(editor)
    _undo_all(editor, source)


def test_median_and_closing_smooth_the_segment_like_scipy(phantom, editor):
    source = phantom.labels
    editor.active = LIVER  # spacing (1.6, 1.6, 3.0): 3 mm is 2, 2, 1 voxels
    rng = np.random.default_rng(4)
    holes = (source == LIVER) & (rng.random(source.shape) < 0.04)
    editor.logical("subtract", holes)  # pepper the liver with holes
    peppered = editor.labels.copy()
    editor.set_locked(LUNGS, True)
    editor.smooth("median", 3.0)
    median = ndimage.median_filter((peppered == LIVER).astype(np.uint8), size=(3, 5, 5), mode="nearest") > 0
    expected = _expected(peppered, LIVER, locked=[LUNGS], add=median, remove=~median)
    np.testing.assert_array_equal(editor.labels, expected)
    editor.undo()
    editor.smooth("closing", 3.0)
    zz, yy, xx = np.mgrid[-1:2, -2:3, -2:3]
    ball = (xx / 2.5) ** 2 + (yy / 2.5) ** 2 + (zz / 1.5) ** 2 <= 1  # ITK's ball of radius (2, 2, 1)
    closed = ndimage.binary_closing(np.pad(peppered == LIVER, 4), structure=ball)[4:-4, 4:-4, 4:-4]
    np.testing.assert_array_equal(editor.labels, _expected(peppered, LIVER, locked=[LUNGS], add=closed,
                                                           remove=~closed))
    assert np.count_nonzero(editor.labels != peppered) > 100
    assert editor.segments[LIVER].tools == {"logical", "smooth"}
    _check_counts(editor)
    _undo_all(editor, source)


def test_fill_between_slices(phantom, editor):
    source = phantom.labels
    editor.active = editor.add_segment("lesion").number
    spacing = phantom.volume.spacing
    center = (0.0, 40.0, 70.0)
    for z in (8, 16, 23):
        editor.paint((z, *center[1:]), 9.0)
    drawn = editor.labels.copy()
    editor.set_locked(SPINE, True)
    editor.fill_between_slices(axis=0)
    disc = _ball(source.shape, (0.0, *center[1:]), 9.0, spacing, axes=(1, 2))
    band = (np.indices(source.shape)[0] >= 8) & (np.indices(source.shape)[0] <= 23)
    np.testing.assert_array_equal(editor.labels, _expected(drawn, editor.active, locked=[SPINE], add=disc & band))
    assert editor.segments[editor.active].algorithm_type == SEMIAUTOMATIC
    _check_counts(editor)
    _undo_all(editor, source)


def test_logical_operations_between_segments_and_masks(phantom, editor):
    source = phantom.labels
    image = phantom.volume.array
    editor.active = LIVER
    editor.logical("union", SPLEEN)
    np.testing.assert_array_equal(editor.labels, np.where(source == SPLEEN, LIVER, source))
    assert editor.logical("subtract", 3) == 0  # segments never overlap in a label map
    bright = image > 70
    editor.logical("intersect", bright)
    united = np.where(source == SPLEEN, LIVER, source)
    np.testing.assert_array_equal(editor.labels, _expected(united, LIVER, remove=~bright))
    editor.set_locked(4, True)
    editor.logical("union", 4)
    assert np.array_equal(editor.labels == 4, source == 4)  # a locked segment does not move
    editor.logical("intersect", 3)
    assert not np.any(editor.labels == LIVER)
    assert editor.segments[LIVER].algorithm_type == SEMIAUTOMATIC
    assert editor.segments[3].algorithm_type == AUTOMATIC
    _check_counts(editor)
    _undo_all(editor, source)


# --------------------------------------------------------------------------- table, undo, statistics
def test_table_edits_are_undoable_and_mirrored_in_the_overlay(phantom, editor):
    source = phantom.labels
    events = []
    editor.changed.connect(events.append)
    editor.rename(LIVER, "Liver (corrected)")
    editor.recolor(LIVER, (1, 2, 3))
    editor.set_visible(SPLEEN, False)
    new = editor.add_segment()
    assert new.number == 7 and new.color == label_color(7) and editor.active == 7
    editor.remove_segment(3)
    assert events[:4] == [None] * 4
    info = editor.overlay.info
    assert info[LIVER].name == "Liver (corrected)" and info[LIVER].color == (1, 2, 3)
    assert not info[SPLEEN].visible and 7 in info and 3 not in info
    assert not np.any(editor.labels == 3) and editor.changes_by_segment()[3] == (0, np.count_nonzero(source == 3))
    assert editor.overlay.rgba_table()[SPLEEN, 3] == 0
    for _ in range(5):
        assert editor.undo()
    assert {n: (i.name, i.color, i.visible) for n, i in editor.overlay.info.items()} == {
        n: (LABELS[n], label_color(n), True) for n in LABELS}
    np.testing.assert_array_equal(editor.labels, source)
    for _ in range(5):
        assert editor.redo()
    assert 3 not in editor.segments and editor.segments[LIVER].name == "Liver (corrected)"
    editor.set_locked(SPINE, True)
    with pytest.raises(OutpostError):
        editor.remove_segment(SPINE)
    editor.active = SPINE
    assert editor.paint((20, 56, 56), 50.0, sphere=True) == 0  # a locked active segment is not painted


def test_fifty_steps_within_the_budget_and_the_oldest_dropped_beyond_it(phantom):
    overlay = LabelOverlay.from_names(phantom.labels, phantom.label_names)
    editor = SegmentEditor.from_label_overlay(phantom.volume, overlay, SOURCE)
    source = phantom.labels
    editor.active = LIVER
    rng = np.random.default_rng(9)
    states = [editor.labels.copy()]
    while len(states) <= 60:
        if editor.paint(tuple(rng.uniform((5, 20, 20), (35, 90, 90))), 8.0, sphere=True, erase=rng.random() < 0.3):
            states.append(editor.labels.copy())
    assert editor.undo_steps == 60 and editor.undo_memory_bytes < 2**20  # deltas, not volumes
    for state in reversed(states[:-1]):
        assert editor.undo()
        np.testing.assert_array_equal(editor.labels, state)
    np.testing.assert_array_equal(editor.labels, source)
    # a budget of about ten steps keeps the newest ten
    small = SegmentEditor.from_label_overlay(phantom.volume, overlay, SOURCE, undo_budget_bytes=10 * 6000)
    small.active = LIVER
    for _ in range(40):
        small.paint(tuple(rng.uniform((5, 20, 20), (35, 90, 90))), 8.0, sphere=True)
    assert 3 <= small.undo_steps < 40 and small.undo_memory_bytes <= small.undo_budget_bytes
    # never below the last step, however small the budget
    tiny = SegmentEditor.from_label_overlay(phantom.volume, overlay, SOURCE, undo_budget_bytes=1)
    tiny.active = LIVER
    tiny.paint((20, 56, 56), 20.0, sphere=True)
    tiny.paint((20, 56, 56), 30.0, sphere=True)
    assert tiny.undo_steps == 1 and tiny.undo() and tiny.dirty  # the first paint cannot be undone any more


def test_statistics_follow_the_edits(phantom, editor):
    image, source = phantom.volume.array, phantom.labels
    spacing = phantom.volume.spacing
    before = editor.statistics(SPLEEN)
    values = image[source == SPLEEN].astype(np.float64)
    assert before.voxels == values.size
    assert before.volume_ml == pytest.approx(values.size * float(np.prod(spacing)) / 1000)
    assert before.mean == pytest.approx(values.mean())
    assert (before.minimum, before.maximum) == (values.min(), values.max())
    editor.active = SPLEEN
    editor.paint(tuple(np.argwhere(source == SPLEEN).mean(axis=0)), 25.0, sphere=True)
    after = editor.statistics(SPLEEN)
    values = image[editor.labels == SPLEEN].astype(np.float64)
    assert after.voxels == values.size > before.voxels and after.mean == pytest.approx(values.mean())
    empty = editor.add_segment("nothing yet")
    assert editor.statistics(empty.number).voxels == 0


def test_dirty_and_saved(phantom, editor):
    assert not editor.dirty
    editor.active = LIVER
    editor.paint((20, 56, 56), 10.0)
    assert editor.dirty
    editor.mark_saved()
    assert not editor.dirty
    editor.undo()
    assert editor.dirty
    editor.redo()
    assert not editor.dirty


def test_more_than_255_segments_widen_the_map_in_the_view_too(phantom):
    image = phantom.volume
    editor = SegmentEditor.empty(image, "1.2.3")
    for _ in range(256):
        editor.add_segment()
    assert editor.labels.dtype == np.uint16 and editor.overlay.labels is editor.labels
    editor.paint((20, 56, 56), 10.0, sphere=True)
    assert np.count_nonzero(editor.labels == 256) > 0
    for _step in range(editor.undo_steps):  # every step kept, oldest last
        editor.undo()
    assert not editor.labels.any() and not editor.segments


# --------------------------------------------------------------------------- dcmqi SEGs on their real CT
@pytest.fixture(scope="module")
def dcmqi_ct(shared_data):
    from viewer.core.dicom import load_series, scan

    folder = shared_data / "ct_3slice_dicom_seg_dcmqi"
    return folder, load_series(scan(folder / "ct-3slice").series[0])


@pytest.mark.shared_data
def test_dcmqi_liver_seg_is_edited_on_its_ct(dcmqi_ct):
    from viewer.core.dicom.objects import read_seg

    folder, volume = dcmqi_ct
    segments = read_seg(folder / "liver.dcm", volume)
    source = SegmentationSource("seg", "dcmqi liver", source_series_uid=volume.provenance.series_uid)
    editor, lost = SegmentEditor.from_seg_segments(volume, segments, source)
    liver = segments[0].mask
    assert lost == 0 and editor.segments[1].name == "Liver" and editor.segments[1].from_source
    np.testing.assert_array_equal(editor.labels, liver.astype(np.uint8))
    # paint soft tissue only (-100..300 HU) with a 2-D brush on the middle slice of the real CT
    ct = volume.array
    center = (1.0, *np.argwhere(liver[1]).mean(axis=0) + (0, 40))
    editor.active = 1
    editor.paint(center, 35.0, intensity_range=(-100, 300))
    brush = _ball(liver.shape, center, 35.0, volume.spacing, axes=(1, 2), plane=0)
    expected = _expected(liver.astype(np.uint8), 1, add=brush & (ct >= -100) & (ct <= 300))
    np.testing.assert_array_equal(editor.labels, expected)
    assert np.count_nonzero(brush & ((ct < -100) | (ct > 300))) > 0  # the range excluded something here
    _check_counts(editor)
    # dcmqi's liver is SEMIAUTOMATIC in the file (SegmentAlgorithmType), and stays so after a brush edit
    assert editor.segments[1].source_algorithm_type == SEMIAUTOMATIC
    assert editor.segments[1].algorithm_type == SEMIAUTOMATIC
    _undo_all(editor, liver.astype(np.uint8))


@pytest.mark.shared_data
def test_dcmqi_overlapping_segments_are_flattened_later_on_top(dcmqi_ct):
    from viewer.core.dicom.objects import read_seg

    folder, volume = dcmqi_ct
    segments = read_seg(folder / "partial_overlaps.dcm", volume)
    editor, lost = SegmentEditor.from_seg_segments(
        volume, segments, SegmentationSource("seg", "partial overlaps"))
    masks = {s.number: s.mask for s in segments}
    top = np.zeros(volume.shape_zyx, dtype=np.uint8)
    for number in sorted(masks):
        top = np.where(masks[number], number, top)
    coverage = sum(m.astype(np.int64) for m in masks.values())
    assert lost == int(coverage.sum() - np.count_nonzero(coverage)) > 0
    np.testing.assert_array_equal(editor.labels, top)
    names = [s.label for s in sorted(segments, key=lambda s: s.number)]
    assert [s.name for s in editor.segments.values()] == names
    assert all(s.algorithm_type == MANUAL for s in editor.segments.values())  # MANUAL in the file
    # lock GREEN, grow the last segment from one of its soft-tissue voxels over the real CT's soft tissue
    ct = volume.array
    editor.set_locked(1, True)
    editor.active = max(masks)
    soft = (ct >= -100) & (ct <= 300)
    seed = tuple(int(c) for c in np.argwhere((top == editor.active) & soft)[0])
    editor.region_grow(seed, low=-100, high=300)
    components, _ = ndimage.label(soft)
    grown = components == components[seed]
    assert np.count_nonzero(grown & (top == 1)) > 0  # the lock is put to the test
    np.testing.assert_array_equal(editor.labels, _expected(top, editor.active, locked=[1], add=grown))
    np.testing.assert_array_equal(editor.labels == 1, top == 1)
    assert editor.segments[editor.active].algorithm_type == SEMIAUTOMATIC  # grown, no longer the reader's hand
    _check_counts(editor)
    _undo_all(editor, top)


# --------------------------------------------------------------------------- the demo pack's own result
def test_the_demo_packs_result_is_corrected_with_the_brush_and_islands(phantom):
    from ai.inference import run
    from ai.packs.pack import read_pack
    from ai.packs.store import bundled_packs_dir

    pack = read_pack(bundled_packs_dir() / "outpost-demo-ct")
    result = run(phantom.volume, pack, device="cpu")
    said = result.labels.copy()
    missed = (phantom.labels == LIVER) & (said != LIVER)
    assert np.count_nonzero(missed) > 0  # a model's draft: there is something to correct
    overlay = LabelOverlay.from_names(result.labels, {v: n for v, n in result.label_names.items() if v})
    source = SegmentationSource("ai-result", pack.name, pack_name=pack.name, pack_version=pack.version,
                                pack_checksum=pack.checksum, source_series_uid="phantom")
    editor = SegmentEditor.from_label_overlay(phantom.volume, overlay, source)
    editor.active = LIVER
    # Paint a 6 mm disc on a voxel of liver the model missed, in its axial slice.
    z, y, x = (int(v) for v in np.argwhere(missed)[len(np.argwhere(missed)) // 2])
    editor.paint((z, y, x), 6.0, plane_axis=0)
    disc = _ball(said.shape, (z, y, x), 6.0, phantom.volume.spacing, axes=(1, 2), plane=0)
    expected = _expected(said, LIVER, add=disc)
    np.testing.assert_array_equal(editor.labels, expected)
    # Then keep the largest island of liver.
    editor.islands(keep_largest=True)
    components, _count = ndimage.label(expected == LIVER)
    sizes = np.bincount(components.reshape(-1))
    sizes[0] = 0
    islands = (expected == LIVER) & (components != np.argmax(sizes))
    np.testing.assert_array_equal(editor.labels, _expected(expected, LIVER, remove=islands))
    assert editor.segments[LIVER].algorithm_type == SEMIAUTOMATIC
    assert np.array_equal(result.labels, said)  # the model's result is never changed in place
    _undo_all(editor, said)


# --------------------------------------------------------------------------- a brain pack's result on the real T1
@pytest.mark.shared_data
def test_a_brain_packs_result_on_the_real_t1_is_corrected(shared_data, tmp_path):
    from ai.inference import run
    from ai.packs.pack import read_pack
    from tests.ai.pack_factory import meshnet_tissue_pack
    from viewer.core.nifti import load_nifti

    t1 = load_nifti(shared_data / "weights_brain_mri_meshnet_brainchop" / "t1_crop.nii.gz", "MR")
    pack = read_pack(meshnet_tissue_pack(shared_data, tmp_path / "pack"))  # brainchop's MeshNet, real weights
    result = run(t1, pack, device="cpu")
    tissue = result.labels.copy()
    white = next(value for value, name in result.label_names.items() if "white" in name.lower())
    overlay = LabelOverlay.from_names(result.labels, {v: n for v, n in result.label_names.items() if v})
    source = SegmentationSource("ai-result", pack.name, pack_name=pack.name, pack_version=pack.version,
                                pack_checksum=pack.checksum, source_series_uid="t1")
    editor = SegmentEditor.from_label_overlay(t1, overlay, source)
    editor.active = white
    # Keep the largest island of white matter: the model's scattered specks go.
    editor.islands(keep_largest=True)
    components, count = ndimage.label(tissue == white)
    sizes = np.bincount(components.reshape(-1))
    sizes[0] = 0
    specks = (tissue == white) & (components != int(np.argmax(sizes)))
    assert count > 1 and np.count_nonzero(specks) > 0
    np.testing.assert_array_equal(editor.labels, _expected(tissue, white, remove=specks))
    # Erase a 5 mm sphere of it at the centre of the white matter.
    centre = np.argwhere(editor.labels == white).mean(axis=0)
    editor.paint(tuple(centre), 5.0, sphere=True, erase=True)
    spacing_zyx = np.asarray(t1.spacing)[::-1]
    grid = np.indices(tissue.shape, dtype=np.float64)
    inside = sum(((grid[axis] - centre[axis]) * spacing_zyx[axis]) ** 2 for axis in range(3)) <= 25.0
    removed = specks | (inside & (tissue == white))
    np.testing.assert_array_equal(editor.labels, _expected(tissue, white, remove=removed))
    assert editor.segments[white].algorithm_type == SEMIAUTOMATIC
    assert editor.changes_by_segment()[white] == (0, int(np.count_nonzero(removed)))
    assert np.array_equal(result.labels, tissue)  # the model's result is never changed in place
    _undo_all(editor, tissue)


# --------------------------------------------------------------------------- RT structure set
@pytest.mark.shared_data
def test_rtstruct_rois_are_filled_and_edited(shared_data):
    from matplotlib.path import Path as Polygon

    from viewer.core.dicom import load_series, scan
    from viewer.core.dicom.objects import read_rtstruct, rtstruct_to_contour_overlay

    folder = shared_data / "ct_rt_dicompyler_example"
    volume = load_series(scan(folder / "ct.0.dcm").series[0])
    overlay = rtstruct_to_contour_overlay(read_rtstruct(folder / "rtss.dcm", volume), volume)
    source = SegmentationSource("rtstruct", "dicompyler example", source_series_uid="x")
    editor, lost = SegmentEditor.from_contour_overlay(volume, overlay, source)
    # oracle: matplotlib's point-in-polygon on every pixel centre, even-odd over the BODY's contours
    rows, columns = volume.shape_zyx[1:]
    centres = np.column_stack([g.ravel() for g in np.meshgrid(np.arange(columns), np.arange(rows))])
    body = np.zeros(rows * columns, dtype=bool)
    for points in overlay.contours[1]:
        body ^= Polygon(points[:, :2]).contains_points(centres)
    np.testing.assert_array_equal(editor.labels[0] == 1, body.reshape(rows, columns))
    assert lost == 0 and body.sum() > 10000 and editor.segments[1].name == "BODY"
    assert editor.segments[1].algorithm_type == MANUAL and len(editor.segments) == 10
    editor.active = 1
    editor.paint((0, 256, 256), 40.0, erase=True)
    assert np.count_nonzero(editor.labels != (body.reshape(rows, columns) * 1)[None]) > 0
    _undo_all(editor, (body.reshape(1, rows, columns)).astype(np.uint8))


def test_confidence_connected_region_from_a_click(phantom, editor):
    source = phantom.labels
    editor.active = editor.add_segment("spleen, grown").number
    seed = tuple(int(c) for c in np.argwhere(source == SPLEEN)[100])
    from viewer.core.segment_tools import region_grow

    box, grown = region_grow(phantom.volume.array, seed, multiplier=2.5, iterations=1)
    full = np.zeros(source.shape, dtype=bool)
    full[box] = grown
    editor.region_grow(seed, multiplier=2.5)
    np.testing.assert_array_equal(editor.labels, _expected(source, editor.active, add=full))
    assert np.count_nonzero(full & (source == SPLEEN)) > 0.8 * np.count_nonzero(source == SPLEEN)
    _undo_all(editor, source)

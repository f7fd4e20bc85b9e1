"""The layout model without widgets: layouts, scrolling in step, offsets, zoom/pan, window, reference lines."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from viewer.core.display import Window
from viewer.core.reference_lines import PlaneRect, reference_line
from viewer.core.volume import Provenance, Volume
from viewer.model.layout import LayoutModel, slice_position_mm

AXIAL = np.eye(3)
# Coronal slices: x along the rows, the column running to the feet, slices stacked along y.
CORONAL = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


def _volume(slices: int, spacing_z: float, first_z: float, frame: str = "", modality: str = "CT",
            direction: np.ndarray = AXIAL, size: int = 16) -> Volume:
    array = np.zeros((slices, size, size), dtype=np.int16)
    return Volume(array=array, origin=np.array([0.0, 0.0, first_z]), spacing=np.array([1.0, 1.0, spacing_z]),
                  direction=direction, modality=modality, provenance=Provenance(frame_of_reference_uid=frame))


def _slice(state) -> int:
    return int(round(state.cursor[2]))


def _scroll(state, step: int) -> None:
    cursor = state.cursor.copy()
    cursor[2] += step
    state.set_cursor(cursor)


def test_the_layout_model_imports_no_qt():
    code = "import sys, viewer.model.layout, viewer.model.hanging; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_layouts_add_states_and_keep_them():
    model = LayoutModel()
    added, changed = [], []
    model.viewport_added.connect(added.append)
    model.layout_changed.connect(lambda: changed.append(model.layout_name))
    model.main.set_slab("mip", 12.0)
    model.set_layout("2x2")
    assert model.count == 4 and added == [1, 2, 3] and changed == ["2x2"]
    assert all(s.slab_mode == "mip" and s.slab_mm == 12.0 for s in model.states[1:])
    model.set_active(3)
    model.set_layout("1x2")
    assert model.count == 2 and len(model.states) == 4 and model.active == 0  # the hidden ones are kept
    model.set_layout("mpr")
    assert model.count == 1 and model.shown == [model.main]
    with pytest.raises(ValueError, match="unknown layout"):
        model.set_layout("3x3")


def test_other_frames_scroll_by_the_same_distance_and_the_offset_the_reader_sets_is_kept():
    model = LayoutModel()
    model.set_layout("1x2")
    now, prior = model.states
    now.set_volume(_volume(20, 2.0, 0.0, "1.1"))
    prior.set_volume(_volume(12, 3.0, -300.0, "2.2"))  # another scanner: another frame of reference
    assert (_slice(now), _slice(prior)) == (10, 6)
    _scroll(now, 3)  # 6 mm: two slices of 3 mm
    assert _slice(prior) == 8
    # The reader lines them up by hand (scrolling off), then resynchronises here.
    model.set_sync_scroll(False)
    _scroll(prior, -4)
    assert (_slice(now), _slice(prior)) == (13, 4)
    model.resynchronise()
    offset = slice_position_mm(prior.volume, 4) - slice_position_mm(now.volume, 13)
    assert model.offset_mm(1) == pytest.approx(offset)
    model.set_sync_scroll(True)
    _scroll(now, -3)
    assert _slice(prior) == 2
    # Turning synchronisation off and on again, and a series shown elsewhere, keep the offset.
    model.set_sync_scroll(False)
    model.set_sync_scroll(True)
    model.set_layout("2x2")
    model.states[3].set_volume(_volume(8, 5.0, 100.0, "3.3"))
    _scroll(now, 6)
    assert _slice(prior) == 6 and model.offset_mm(1) == pytest.approx(offset)


def test_one_frame_of_reference_follows_the_patient_position():
    model = LayoutModel()
    model.set_layout("1x2")
    thin, thick = model.states
    thin.set_volume(_volume(40, 1.0, 0.0, "1.1"))
    thick.set_volume(_volume(8, 5.0, 0.0, "1.1"))
    thin.set_cursor([0, 0, 25])
    assert _slice(thick) == 5  # z = 25 mm
    thick.set_cursor([0, 0, 2])
    assert _slice(thin) == 10


def test_zoom_and_pan_are_linked_and_window_level_only_on_request():
    model = LayoutModel()
    model.set_layout("2x2")
    moved = []
    model.transform_changed.connect(moved.append)
    model.set_transform(2, 2.5, (10.0, -4.0))
    assert moved == [[0, 1, 3]] and model.zooms == [2.5] * 4 and model.pans[0] == (10.0, -4.0)
    model.set_sync_zoom_pan(False)
    model.set_transform(1, 1.0, (0.0, 0.0))
    assert model.zooms == [2.5, 1.0, 2.5, 2.5]
    ct, ct_prior, mr = model.states[0], model.states[1], model.states[2]
    ct.set_volume(_volume(4, 1.0, 0.0, "1"))
    ct_prior.set_volume(_volume(4, 1.0, 0.0, "2"))
    mr.set_volume(_volume(4, 1.0, 0.0, "3", modality="MR"))
    mr_window = mr.window
    ct.set_window(Window(-600, 1500))
    assert ct_prior.window != Window(-600, 1500)  # off by default
    model.set_sync_window(True)
    ct.set_window(Window(50, 350))
    assert ct_prior.window == Window(50, 350) and mr.window == mr_window  # only the same modality


def test_reference_lines_in_one_frame_of_reference_only():
    model = LayoutModel()
    model.set_layout("1x2")
    axial, coronal = model.states
    axial.set_volume(_volume(16, 1.0, 0.0, "1.1"))
    coronal.set_volume(_volume(16, 1.0, 15.0, "1.1", direction=CORONAL))
    assert model.view_of(0) == "axial" and model.view_of(1) == "coronal"
    events = []
    model.reference_lines_changed.connect(lambda: events.append(1))
    axial.set_cursor([8, 8, 5])
    assert events
    # The axial slice at z = 5 mm is a horizontal line across the coronal picture.
    (r0, c0), (r1, c1) = model.reference_lines(1)[0]
    assert r0 == pytest.approx(r1) and abs(c1 - c0) == pytest.approx(16)
    z_down = 15 - r0  # the coronal picture's rows run from the head (z = 15) to the feet
    assert z_down == pytest.approx(5)
    # And the coronal slice is one on the axial picture; none between parallel planes.
    assert len(model.reference_lines(0)) == 1
    model.set_show_reference_lines(False)
    assert model.reference_lines(0) == model.reference_lines(1) == []
    model.set_show_reference_lines(True)
    coronal.set_volume(_volume(16, 1.0, 15.0, "9.9", direction=CORONAL))  # another frame: no line
    assert model.reference_lines(0) == model.reference_lines(1) == []


def test_reference_line_is_clipped_to_both_planes_and_none_for_parallel_planes():
    axial = PlaneRect(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), 10, 20)
    parallel = PlaneRect(np.array([0, 0, 5.0]), np.array([1.0, 0, 0]), np.array([0, 1.0, 0]), 10, 20)
    assert reference_line(axial, parallel) is None
    # A small sagittal plane at x = 3 mm reaching y from 2 to 6 mm: the line is cut to it.
    sagittal = PlaneRect(np.array([3.0, 2.0, -4.0]), np.array([0, 1.0, 0]), np.array([0, 0, 1.0]), 10, 5)
    (r0, c0), (r1, c1) = sorted(reference_line(axial, sagittal))
    assert (c0, c1) == (3.0, 3.0) and (r0, r1) == (1.5, 6.5)
    # A sagittal plane that stops above the axial one does not meet it.
    above = PlaneRect(np.array([3.0, 0.0, 10.0]), np.array([0, 1.0, 0]), np.array([0, 0, 1.0]), 10, 5)
    assert reference_line(axial, above) is None
    # Oblique: 45 degrees about y, through the origin, meets the axial plane along x = 0.
    tilted = PlaneRect(np.array([-5.0, 0.0, -5.0]), np.array([1.0, 0, 1.0]) / np.sqrt(2), np.array([0, 1.0, 0]),
                       20, 20)
    line = reference_line(axial, tilted)
    assert line is not None and line[0][1] == pytest.approx(0.0) and line[1][1] == pytest.approx(0.0)


def test_a_series_stacked_the_other_way_scrolls_the_same_way_in_the_patient():
    model = LayoutModel()
    model.set_layout("1x2")
    head_first, feet_first = model.states
    head_first.set_volume(_volume(20, 2.0, 0.0, "1.1"))
    flipped = np.diag([1.0, 1.0, -1.0])  # slice index runs to the feet
    feet_first.set_volume(_volume(12, 3.0, 300.0, "2.2", direction=flipped))
    start = _slice(feet_first)
    assert start == 6  # it joined where it stood: no jump
    _scroll(head_first, 3)  # 6 mm to the head: two slices of 3 mm back along its index
    assert _slice(feet_first) == start - 2
    _scroll(feet_first, 2)  # 6 mm to the feet: three slices of 2 mm
    assert _slice(head_first) == 10

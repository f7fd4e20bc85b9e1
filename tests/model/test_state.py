"""The viewer's model driven without Qt: events, crosshair, window, slab, measurements."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from viewer.core.display import Window
from viewer.core.mpr import extract_plane, slab_plane
from viewer.core.volume import Volume
from viewer.model.events import Event
from viewer.model.state import Measurement, ViewerState


def test_the_model_imports_no_qt():
    code = "import sys, viewer.model.state; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_events_call_their_callbacks_in_order_until_disconnected():
    event, calls = Event(), []
    first, second = (lambda *a: calls.append(("first", a))), (lambda *a: calls.append(("second", a)))
    event.connect(first)
    event.connect(second)
    event.emit(1, "x")
    event.disconnect(first)
    event.disconnect(first)  # twice: nothing happens
    event.emit()
    assert calls == [("first", (1, "x")), ("second", (1, "x")), ("second", ())]


@pytest.fixture
def ct():
    values = np.random.default_rng(2).integers(-1000, 1000, (8, 10, 12)).astype(np.int16)
    return Volume(array=values, spacing=np.array([0.8, 0.8, 2.5]), modality="CT",
                  metadata={"window_center": [40], "window_width": [400]})


def test_a_session_without_a_window(ct):
    state, seen = ViewerState(), []
    for name in ("volume_changed", "display_changed", "cursor_changed", "measurements_changed"):
        getattr(state, name).connect(lambda name=name: seen.append(name))
    state.set_volume(ct)
    assert seen == ["volume_changed"] and list(state.cursor) == [6, 5, 4] and state.unit == "HU"
    assert state.window == Window(40.0, 400.0) and not state.automatic_window
    state.set_cursor((100, -3, 2.0))
    assert list(state.cursor) == [11, 0, 2] and seen[-1] == "cursor_changed"
    state.set_window(Window(-600, 0.2))
    assert state.window.width == 1.0 and seen[-1] == "display_changed"
    state.set_slab("mip", 7.5)
    assert (state.slab_mode, state.slab_mm) == ("mip", 7.5) and seen[-1] == "display_changed"
    plane = extract_plane(ct, "axial", 2)
    length = Measurement("length", "axial", 2, [(0.0, 0.0), (3.0, 4.0)])
    length.compute(plane, state.unit)
    assert length.values["length_mm"] == pytest.approx(np.hypot(3 * 0.8, 4 * 0.8))
    roi = Measurement("rectangle", "axial", 2, [(1.0, 1.0), (4.0, 5.0)])
    roi.compute(plane, state.unit)
    assert roi.values["mean"] == pytest.approx(float(ct.array[2, 1:5, 1:6].mean()))
    state.add_measurement(length)
    state.add_measurement(roi)
    state.remove_measurement(length.id)
    assert state.measurements == [roi] and seen[-1] == "measurements_changed"
    assert slab_plane(ct, "axial", 2, state.slab_mm, state.slab_mode).array.max() >= plane.array.max()
    state.set_volume(None)
    assert state.volume is None and state.measurements == []


def test_measurements_are_not_kept_for_uids_dicom_does_not_allow():
    from viewer.core.volume import Provenance
    from viewer.model.report import autosave_path, load_measurements

    volume = Volume(array=np.zeros((2, 4, 4), np.int16))
    for study in ("1." + "2" * 5000, "../1.2", "1.2/3", ""):
        volume.provenance = Provenance(study_uid=study, series_uid="1.2", frame_of_reference_uid="",
                                       sop_instance_uids=[], slice_positions=None)
        assert autosave_path(volume) is None and load_measurements(volume) == []
    volume.provenance.study_uid = "1.2.840.10008"
    assert autosave_path(volume).name == "1.2.dcm"


def test_removing_one_of_several_label_overlays_removes_that_one(ct):
    from viewer.core.overlays import LabelOverlay

    state = ViewerState()
    state.set_volume(ct)
    first = LabelOverlay.from_names(np.zeros(ct.shape_zyx, dtype=np.uint8), {1: "liver"})
    second = LabelOverlay.from_names(np.ones(ct.shape_zyx, dtype=np.uint8), {1: "liver"})
    same_as_second = LabelOverlay.from_names(np.ones(ct.shape_zyx, dtype=np.uint8), {1: "liver"})
    for overlay in (first, second):
        state.add_overlay(overlay)
    state.remove_overlay(same_as_second)  # equal data, another overlay: not shown, nothing removed
    assert [id(o) for o in state.overlays] == [id(first), id(second)]
    state.remove_overlay(second)  # compared by identity (== on the arrays raised ValueError)
    assert [id(o) for o in state.overlays] == [id(first)]

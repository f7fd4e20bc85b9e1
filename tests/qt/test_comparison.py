"""Series side by side: layouts, any series in any viewport, the prior beside, synchronised scrolling,
linked zoom/pan and window/level, reference lines."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from tests.dicom_factory import make_slice, write
from tests.qt.conftest import wait_loaded
from viewer.core.display import Window
from viewer.qt.qt_viewport import SERIES_MIME

_uids = itertools.count(1)


def _study(folder, date, description, first_z, spacing_z, slices, value, patient_id="CMP001"):
    number = next(_uids)
    study_uid, series_uid = f"1.2.826.0.1.3680043.9.7.{number}", f"1.2.826.0.1.3680043.9.7.{number}.1"
    for z in range(slices):
        pixels = np.full((16, 16), value + z, dtype=np.int16)
        ds = make_slice(pixels, (0.0, 0.0, first_z + z * spacing_z), study_uid=study_uid, series_uid=series_uid,
                        instance_number=z + 1, patient_id=patient_id, series_description=description)
        ds.StudyDate, ds.BodyPartExamined = date, "CHEST"
        write(ds, folder / f"{z:03d}.dcm")
    return study_uid


@pytest.fixture
def two_studies(tmp_path):
    """This year's chest CT (20 slices of 2 mm) and last year's (12 slices of 3 mm), elsewhere in the scanner."""
    now = _study(tmp_path / "now", "20260301", "CT CHEST", 0.0, 2.0, 20, 1000)
    prior = _study(tmp_path / "prior", "20250301", "CT CHEST", -300.0, 3.0, 12, 2000)
    _study(tmp_path / "other", "20250301", "CT HEAD", 0.0, 5.0, 4, 3000)  # same patient, another series
    return tmp_path, now, prior


def open_study(qtbot, make_window, path):
    """A window whose reader chose the layouts by hand (no hanging protocol), showing the study at ``path``."""
    window = make_window()
    window.comparison.model.layout_by_hand = True
    window.open_paths([str(path)])
    wait_loaded(qtbot, window)
    return window


def _loaded(qtbot, window, number):
    """The state of comparison viewport ``number`` once its series is loaded."""
    qtbot.waitUntil(lambda: number in window.comparison.load_jobs and window.comparison.load_jobs[number].done,
                    timeout=30000)
    qtbot.wait(30)
    return window.comparison.model.states[number]


def test_the_prior_goes_beside_the_series_and_scrolls_with_it(qtbot, make_window, two_studies):
    folder, now, prior = two_studies
    window = open_study(qtbot, make_window, folder)
    current = next(s for s in window.scan_result.series if s.study.uid == now)
    window.open_series(current)
    qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
    job = window.compare_with_prior()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.waitUntil(lambda: window.layout_name == "1x2", timeout=5000)
    state = _loaded(qtbot, window, 1)
    assert state.volume.provenance.study_uid == prior
    main, beside = window.comparison.viewports
    assert main.state is window.state and beside.state is state
    assert main.isVisible() and beside.isVisible() and not window.viewports["coronal"].isVisible()
    # Scrolling the current series 3 slices (6 mm) moves the prior 6 mm too: 2 slices of 3 mm.
    start_prior = beside.slice_index
    main.scroll(3)
    assert beside.slice_index == start_prior + 2
    main.scroll(-6)
    assert beside.slice_index == start_prior - 2
    window.sync_action.trigger()  # off
    main.scroll(3)
    assert beside.slice_index == start_prior - 2
    # "Resynchronise here": the slices shown now stand against each other, and stay so.
    window.menu_actions["resync"].trigger()
    window.sync_action.trigger()  # on again
    here = beside.slice_index
    main.scroll(3)
    assert beside.slice_index == here + 2
    window.sync_action.trigger()  # off and on: the offset is kept
    window.sync_action.trigger()
    main.scroll(-3)
    assert beside.slice_index == here
    # A thick slab applies to every viewport.
    window.slab_mode.setCurrentIndex(window.slab_mode.findData("mip"))
    assert window.state.slab_mode == state.slab_mode == "mip"
    assert any("MIP slab" in line for line in beside.corner_text()["top_right"])
    window.slab_mode.setCurrentIndex(0)
    # A 2x2 layout: four viewports, the two new ones empty until a series is dropped on them.
    window.set_layout("2x2")
    assert len(window.comparison.viewports) == 4 and all(v.isVisible() for v in window.comparison.viewports)
    other = next(s for s in window.scan_result.series if s.description == "CT HEAD")
    fourth = window.comparison.viewports[3]
    window._on_series_dropped(fourth, other.key)
    _loaded(qtbot, window, 3)
    assert fourth.state.volume.shape_zyx[0] == 4 and window.state.volume.provenance.study_uid == now
    assert "CT HEAD" in fourth.corner_text()["top_right"]
    # The browser drags a series as its key.
    item = window.browser._series_items[other.key]
    assert bytes(window.browser.mimeData([item]).data(SERIES_MIME)).decode() == other.key
    # Back to one view: the main series, as before.
    window.set_layout("single")
    assert window.active_viewport in window.viewports.values() and not window.comparison.isVisible()


def test_no_prior_says_so(qtbot, make_window, tmp_path):
    _study(tmp_path / "only", "20260301", "CT CHEST", 0.0, 2.0, 5, 1000)
    window = open_study(qtbot, make_window, tmp_path)
    errors = []
    window.notify_error = errors.append
    job = window.compare_with_prior()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert "No earlier study" in errors[0] and window.layout_name == "single"


def _planes_study(folder):
    """One study (one frame of reference): 5 axial slices 2 mm apart and 16 coronal slices 0.5 mm apart."""
    study = "1.2.826.0.1.3680043.9.7.900"
    for z in range(5):
        ds = make_slice(np.full((16, 16), 100 + z, dtype=np.int16), (0.0, 0.0, 2.0 * z), study_uid=study,
                        series_uid=study + ".1", instance_number=z + 1, series_description="AX", series_number=1)
        write(ds, folder / f"ax{z:02d}.dcm")
    for y in range(16):
        ds = make_slice(np.full((16, 16), 200 + y, dtype=np.int16), (0.0, 0.5 * y, 8.0), (1, 0, 0, 0, 0, -1),
                        study_uid=study, series_uid=study + ".2", instance_number=y + 1, series_description="COR",
                        series_number=2)
        write(ds, folder / f"cor{y:02d}.dcm")


def test_reference_lines_linked_zoom_pan_and_window_on_request(qtbot, make_window, tmp_path):
    _planes_study(tmp_path)
    window = open_study(qtbot, make_window, tmp_path)
    axial, coronal = (next(s for s in window.scan_result.series if s.description == d) for d in ("AX", "COR"))
    window.open_series(axial)
    qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
    window.set_layout("1x2")
    window.show_series_in(1, coronal)
    _loaded(qtbot, window, 1)
    main, beside = window.comparison.viewports
    assert (main.view, beside.view) == ("axial", "coronal")
    # Each viewport's slice is a line on the other: the axial slice across the coronal picture.
    assert len(main.reference_lines) == 1 and len(beside.reference_lines) == 1
    (r0, _c0), (r1, _c1) = beside.reference_lines[0]
    assert r0 == pytest.approx(r1)
    main.scroll(1)  # 2 mm towards the head: 4 rows of 0.5 mm up the coronal picture
    (moved, _), _end = beside.reference_lines[0]
    assert moved == pytest.approx(r0 - 4)
    assert not beside.grab().isNull()
    window.menu_actions["reference_lines"].trigger()  # off
    assert beside.reference_lines == [] and main.reference_lines == []
    window.menu_actions["reference_lines"].trigger()
    assert beside.reference_lines
    # Zoom (Ctrl+wheel) and pan are linked.
    main.wheelEvent(QWheelEvent(QPointF(20, 20), QPointF(20, 20), QPoint(0, 0), QPoint(0, 240),
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                                Qt.ScrollPhase.NoScrollPhase, False))
    assert main.zoom > 1.0 and beside.zoom == main.zoom
    window.menu_actions["sync_zoom_pan"].trigger()  # off
    beside.zoom = 1.0
    beside.view_transformed.emit(beside)
    assert main.zoom > 1.0
    # Window/level follows only when asked for.
    assert not window.menu_actions["sync_window"].isChecked()
    window.state.set_window(Window(10, 100))
    assert beside.state.window != Window(10, 100)
    window.menu_actions["sync_window"].trigger()
    window.state.set_window(Window(20, 200))
    assert beside.state.window == Window(20, 200)
    beside.state.set_window(Window(30, 300))
    assert window.state.window == Window(30, 300)


def test_the_same_series_twice_is_read_once(qtbot, make_window, two_studies):
    """Lung and mediastinal windows side by side share one volume (twice the memory otherwise)."""
    folder, now, _prior = two_studies
    window = open_study(qtbot, make_window, folder)
    current = next(s for s in window.scan_result.series if s.study.uid == now)
    window.open_series(current)
    window.set_layout("1x2")
    assert window.show_series_in(1, current) is None  # no second load
    beside = window.comparison.model.states[1]
    assert beside.volume is window.state.volume and 1 not in window.comparison.load_jobs
    qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
    repaints = []
    beside.pixels_changed.connect(lambda: repaints.append(1))
    window.state.pixels_changed.emit()  # the main load filling in repaints the viewport that shares it
    assert repaints == [1]
    beside.set_window(Window(-600, 1500))
    assert window.state.window != beside.window  # each viewport its own window
    other = next(s for s in window.scan_result.series if s.description == "CT HEAD")
    _loaded_job = window.show_series_in(1, other)
    assert _loaded_job is not None
    _loaded(qtbot, window, 1)
    repaints.clear()
    window.state.pixels_changed.emit()
    assert not repaints and beside.volume is not window.state.volume  # no longer forwarded


def test_opening_a_folder_with_the_prior_shows_the_newest_study(qtbot, make_window, tmp_path):
    """Today's study opens, not last year's longer series opened beside it."""
    now = _study(tmp_path / "now", "20260301", "CT CHEST", 0.0, 2.0, 6, 1000)
    _study(tmp_path / "prior", "20250301", "CT CHEST", 0.0, 1.0, 30, 2000)
    window = open_study(qtbot, make_window, tmp_path)
    assert window.state.series.study.uid == now


def test_the_active_viewport_is_marked_when_several_show(qtbot, make_window, two_studies):
    folder, now, _prior = two_studies
    window = open_study(qtbot, make_window, folder)
    assert not any(v.marked for v in window.viewports.values())  # one view: nothing to tell apart
    window.set_layout("1x2")
    first, second = window.comparison.viewports
    assert first.marked and not second.marked
    qtbot.mouseClick(second, Qt.MouseButton.LeftButton, pos=second.rect().center())
    assert window.active_viewport is second and second.marked and not first.marked
    picture = second.grab().toImage()
    corner = picture.pixelColor(1, second.height() // 2)
    assert (corner.red(), corner.green(), corner.blue()) == (61, 126, 166)  # the frame is drawn
    window.set_layout("mpr")
    assert sum(v.marked for v in window.viewports.values()) == 1 and not second.marked
    window.set_layout("single")
    assert not any(v.marked for v in [*window.viewports.values(), *window.comparison.all_viewports])

"""Series side by side: layouts, any series in any viewport, the prior beside, synchronised scrolling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.dicom_factory import make_slice, write
from tests.qt.conftest import open_study
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


def _loaded(qtbot, window, number):
    cell = window.comparison.cells[number]
    qtbot.waitUntil(lambda: cell.load_job is not None and cell.load_job.done, timeout=30000)
    qtbot.wait(30)
    return cell


def test_the_prior_goes_beside_the_series_and_scrolls_with_it(qtbot, make_window, two_studies):
    folder, now, prior = two_studies
    window = open_study(qtbot, make_window, folder)
    current = next(s for s in window.scan_result.series if s.study.uid == now)
    window.open_series(current)
    qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
    job = window.compare_with_prior()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.waitUntil(lambda: window.layout_name == "1x2", timeout=5000)
    cell = _loaded(qtbot, window, 1)
    assert cell.state.volume.provenance.study_uid == prior
    main, beside = window.comparison.viewports
    assert main.state is window.state and beside.state is cell.state
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
    # A thick slab applies to every viewport.
    window.slab_mode.setCurrentIndex(window.slab_mode.findData("mip"))
    assert window.state.slab_mode == cell.state.slab_mode == "mip"
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

"""Hanging protocols in the window: applied on opening unless a layout was chosen by hand, on request,
with the prior found in the background, and the reader's arrangement saved as a rule that then wins."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.dicom_factory import make_slice, write
from tests.qt.conftest import wait_loaded
from viewer.core.display import Window
from viewer.model.hanging import load_user_rules, rules_path
from viewer.qt.qt_hanging import save_layout_as_protocol

_uids = itertools.count(1)


@pytest.fixture(autouse=True)
def own_rules(tmp_path, monkeypatch):
    """Each test has its own user data folder, so the rules it saves stay its own."""
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "userdata"))


def _series(folder, modality, body_part, description, date="20260301", slices=6, patient_id="HANG01",
            study_uid=None):
    number = next(_uids)
    study_uid = study_uid or f"1.2.826.0.1.3680043.9.8.{number}"
    for z in range(slices):
        ds = make_slice(np.full((16, 16), 100 + z, dtype=np.int16), (0.0, 0.0, 2.0 * z), study_uid=study_uid,
                        series_uid=f"{study_uid}.{number}", instance_number=z + 1, modality=modality,
                        patient_id=patient_id, series_description=description, series_number=number)
        ds.StudyDate, ds.BodyPartExamined = date, body_part
        write(ds, folder / f"{number}_{z:03d}.dcm")
    return study_uid


def _open(qtbot, window, folder):
    window.open_paths([str(folder)])
    wait_loaded(qtbot, window)


def _loaded(qtbot, window, number):
    """The state of viewport ``number`` once it shows a volume: loaded, or shared with the viewport showing it."""
    jobs, states = window.comparison.load_jobs, window.comparison.model.states
    qtbot.waitUntil(lambda: number < len(states) and states[number].volume is not None
                    and (number not in jobs or jobs[number].done), timeout=30000)
    qtbot.wait(30)
    return window.comparison.model.states[number]


def test_a_chest_ct_opens_in_lung_and_mediastinum_windows(qtbot, make_window, tmp_path):
    _series(tmp_path / "ct", "CT", "CHEST", "Thorax 1.25")
    window = make_window()
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    _open(qtbot, window, tmp_path / "ct")
    assert window.layout_name == "1x2"
    beside = _loaded(qtbot, window, 1)
    assert beside.series is window.state.series
    assert window.state.window == Window(-600.0, 1500.0) and beside.window == Window(50.0, 350.0)
    assert "Hanging protocol: CT chest: lung and mediastinum" in messages


def test_a_layout_chosen_by_hand_stays_until_the_protocol_is_asked_for(qtbot, make_window, tmp_path):
    _series(tmp_path / "ct", "CT", "CHEST", "Thorax")
    window = make_window()
    window.menu_actions["layout_single"].trigger()  # the reader's choice
    _open(qtbot, window, tmp_path / "ct")
    assert window.layout_name == "single"
    window.menu_actions["apply_hanging"].trigger()
    assert window.layout_name == "1x2"
    _loaded(qtbot, window, 1)
    # A series with no protocol: said in the status bar on request, nothing changes.
    _series(tmp_path / "knee", "CT", "KNEE", "Knee")
    other = make_window()
    _open(qtbot, other, tmp_path / "knee")
    assert other.layout_name == "single"
    other.menu_actions["apply_hanging"].trigger()
    assert other.layout_name == "single" and "No hanging protocol" in other.statusBar().currentMessage()


def test_a_chest_film_hangs_its_prior_beside_when_there_is_one(qtbot, make_window, tmp_path):
    now = _series(tmp_path / "now", "CR", "CHEST", "PA", date="20260301", slices=1)
    prior = _series(tmp_path / "prior", "CR", "CHEST", "PA", date="20250301", slices=1)
    window = make_window()
    window.open_paths([str(tmp_path / "now"), str(tmp_path / "prior")], series_key=None)
    wait_loaded(qtbot, window)
    if window.state.volume.provenance.study_uid != now:  # the scan opened the prior: open this year's
        current = next(s for s in window.scan_result.series if s.study.uid == now)
        window.open_series(current)
        qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
        window.menu_actions["apply_hanging"].trigger()
    qtbot.waitUntil(lambda: window.layout_name == "1x2", timeout=30000)
    beside = _loaded(qtbot, window, 1)
    assert beside.volume.provenance.study_uid == prior
    # Alone, without a prior: one viewport.
    _series(tmp_path / "alone", "CR", "CHEST", "PA", patient_id="HANG02", slices=1)
    alone = make_window()
    _open(qtbot, alone, tmp_path / "alone")
    qtbot.waitUntil(lambda: not alone.jobs, timeout=30000)
    assert alone.layout_name == "single"


def test_the_readers_arrangement_saved_as_a_protocol_wins_next_time(qtbot, make_window, tmp_path):
    study = _series(tmp_path / "mr", "MR", "BRAIN", "ax T2")
    _series(tmp_path / "mr", "MR", "BRAIN", "ax DWI", study_uid=study)
    window = make_window()
    _open(qtbot, window, tmp_path / "mr")
    qtbot.waitUntil(lambda: not window.jobs, timeout=30000)
    dwi = next(s for s in window.scan_result.series if s.description == "ax DWI")
    window.menu_actions["layout_2x1"].trigger()
    window.show_series_in(1, dwi)
    _loaded(qtbot, window, 1)
    window.state.set_window(Window(300, 600))
    rule = save_layout_as_protocol(window, "My brain")
    assert rules_path().exists() and load_user_rules()[0].name == "My brain"
    assert rule.layout == "2x1" and [p.source for p in rule.viewports] == ["current", "series"]
    assert rule.viewports[1].description == "ax dwi" and rule.viewports[0].window == [300.0, 600.0]
    # A new session: the reader's rule wins over the built-in MR brain 2x2.
    again = make_window()
    _open(qtbot, again, tmp_path / "mr")
    assert again.layout_name == "2x1"
    shown = _loaded(qtbot, again, 1)
    assert shown.series.description == "ax DWI" and again.state.window == Window(300.0, 600.0)


def test_a_malformed_rules_file_is_one_line_and_the_defaults_apply(qtbot, make_window, tmp_path):
    rules_path().parent.mkdir(parents=True, exist_ok=True)
    rules_path().write_text("[{broken")
    _series(tmp_path / "ct", "CT", "CHEST", "Thorax")
    window = make_window()
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    _open(qtbot, window, tmp_path / "ct")
    assert window.layout_name == "1x2"  # the built-in chest protocol
    problem = next(m for m in messages if "not used" in m)
    assert "\n" not in problem and "hanging_protocols.json" in problem
    _loaded(qtbot, window, 1)

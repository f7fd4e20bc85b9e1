"""View > Patient's other studies…: the list (date, description, modalities, where) and opening one beside."""

from __future__ import annotations

import uuid

import numpy as np

from tests.dicom_factory import make_slice, write
from tests.pacs.servers import free_port
from tests.qt.conftest import open_study
from viewer.pacs.nodes import LocalSettings, Node, Timeouts


def _uid() -> str:
    """A fresh UID short enough for the factory's Frame of Reference UID (the study's plus ".9")."""
    return f"2.25.{uuid.uuid4().int}"


def _study(folder, date, modality, description, patient_id="DLG001"):
    study_uid, series_uid = _uid(), _uid()
    for z in range(4):
        ds = make_slice(np.full((16, 16), 500 + z, dtype=np.int16), (0.0, 0.0, 2.0 * z), study_uid=study_uid,
                        series_uid=series_uid, instance_number=z + 1, modality=modality, patient_id=patient_id,
                        series_description=description)
        ds.StudyDate, ds.BodyPartExamined, ds.StudyDescription = date, "CHEST", f"{description} study"
        write(ds, folder / f"{z:03d}.dcm")
    return study_uid


def _listed(qtbot, dialog):
    job = dialog.job
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.waitUntil(lambda: not dialog.status.text().endswith("…"), timeout=5000)
    return [[dialog.table.item(row, column).text() for column in range(dialog.table.columnCount())]
            for row in range(dialog.table.rowCount())]


def test_the_list_shows_the_patients_other_studies_and_opens_one_beside(qtbot, make_window, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "outpost-data"))  # a private, empty store; no node
    now = _study(tmp_path / "now", "20260301", "CT", "CT CHEST")
    _study(tmp_path / "prior", "20250301", "CT", "CT CHEST")
    head = _study(tmp_path / "head", "20251101", "MR", "MR \x1b[2J HEAD")
    _study(tmp_path / "else", "20251201", "CT", "CT CHEST", patient_id="SOMEONE-ELSE")
    window = open_study(qtbot, make_window, tmp_path)
    window.open_series(next(s for s in window.scan_result.series if s.study.uid == now))
    qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
    assert "patient_studies" in window.menu_actions
    dialog = window.show_patient_studies()
    assert dialog.isVisible() and dialog.windowTitle() == "Patient's other studies"
    rows = _listed(qtbot, dialog)
    assert rows == [["2025-11-01", "MR \\x1b[2J HEAD study", "MR", "opened folders"],  # escaped, newest first
                    ["2025-03-01", "CT CHEST study", "CT", "opened folders"]]
    assert dialog.status.text() == "2 other studies"
    # The reader opens the MR study beside the CT: not a match, but chosen, so its series is shown.
    dialog.table.selectRow(0)
    job = dialog.open_selected()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.waitUntil(lambda: len(window.comparison.viewports) > 1
                    and window.comparison.viewports[1].state.volume is not None, timeout=30000)
    assert window.layout_name == "1x2"
    assert window.comparison.viewports[1].state.volume.provenance.study_uid == head
    assert window.state.volume.provenance.study_uid == now
    assert "2025-11-01" in window.statusBar().currentMessage()
    assert window.show_patient_studies() is dialog  # one list per window, listed anew
    assert len(_listed(qtbot, dialog)) == 2


def test_a_pacs_that_is_down_is_named_in_one_line_and_the_opened_studies_are_listed(qtbot, make_window, tmp_path,
                                                                                    monkeypatch):
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "outpost-data"))
    now = _study(tmp_path / "now", "20260301", "CT", "CT CHEST")
    prior = _study(tmp_path / "prior", "20250301", "CT", "CT CHEST")
    window = open_study(qtbot, make_window, tmp_path)
    window.open_series(next(s for s in window.scan_result.series if s.study.uid == now))
    qtbot.waitUntil(lambda: window.load_job.done, timeout=30000)
    network = window.network_panel
    network.settings.local = LocalSettings(timeouts=Timeouts(association=5, dimse=5, network=5, query=5))
    network.settings.add(Node("down", ae_title="PACS", host="127.0.0.1", port=free_port()))
    network.settings.save()
    dialog = window.show_patient_studies()
    rows = _listed(qtbot, dialog)
    assert rows == [["2025-03-01", "CT CHEST study", "CT", "opened folders"]]
    status = dialog.status.text()
    assert status.startswith("1 other study; The PACS was not searched: ") and "connection refused" in status
    assert "\n" not in status
    # Compare with prior: the opened prior is shown, and the status bar names the PACS's problem.
    errors = []
    window.notify_error = errors.append
    job = window.compare_with_prior()
    qtbot.waitUntil(lambda: job.done, timeout=30000)
    qtbot.waitUntil(lambda: len(window.comparison.viewports) > 1
                    and window.comparison.viewports[1].state.volume is not None, timeout=30000)
    assert errors == [] and window.comparison.viewports[1].state.volume.provenance.study_uid == prior
    message = window.statusBar().currentMessage()
    assert "(opened folders)" in message and "The PACS was not searched" in message

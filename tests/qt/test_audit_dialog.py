"""Help > Audit log…: the entries of real actions, newest first, filtered, refreshed, read-only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView

from tests.qt.conftest import open_study
from viewer.core import audit


def _column(dialog, column: int) -> list[str]:
    return [dialog.table.item(row, column).text() for row in range(dialog.table.rowCount())]


def test_the_audit_dialog_shows_what_the_viewer_did(qtbot, make_window, phantom_study, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    folder, _ = phantom_study
    window = open_study(qtbot, make_window, folder)
    before = (tmp_path / "data" / "audit.jsonl").read_bytes()
    dialog = window.show_audit_log()
    qtbot.addWidget(dialog)
    assert _column(dialog, 2) == ["open"]
    assert "modality: CT" in _column(dialog, 3)[0] and "outcome: ok" in _column(dialog, 3)[0]
    assert str(tmp_path / "data" / "audit.jsonl") in dialog.location.text()
    assert dialog.table.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers

    from viewer.export.nifti import write_nifti

    write_nifti(window.state.volume, tmp_path / "shown.nii.gz")  # a real export, recorded by the export layer
    assert _column(dialog, 2) == ["open"]  # read when opened; Refresh reads again
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    assert _column(dialog, 2) == ["export", "open"]  # newest first
    dialog.filter.setText("NIFTI")
    assert _column(dialog, 2) == ["export"]
    dialog.filter.setText("no such thing")
    assert dialog.table.rowCount() == 0
    # Reading never writes: the file grew only by the export's line.
    after = (tmp_path / "data" / "audit.jsonl").read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1


def test_the_dialog_reports_damaged_lines_and_entries_that_could_not_be_written(qtbot, tmp_path, monkeypatch):
    from viewer.qt.qt_audit_dialog import QtAuditDialog

    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    assert audit.record("export", kind="copy", destination="/tmp/x", anonymised=False, count=1)
    with open(tmp_path / "data" / "audit.jsonl", "ab") as fp:
        fp.write(b'{"time": "2026-')  # a crash mid-write
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(blocker))
    assert not audit.record("open", modality="CT")
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    dialog = QtAuditDialog()
    qtbot.addWidget(dialog)
    assert _column(dialog, 2) == ["export"]
    assert "1 damaged line(s) skipped" in dialog.location.text()
    assert "could not be written" in dialog.location.text()


"""The Worklist dock in the real window: a batch database built in tmp over real DICOM series, a saved
result written by ai.results.save_result, ranking, flags at the threshold, filters, the reader's marks
(database and audit log), opening a series with its result shown, hostile text, broken databases."""

import json
import sqlite3
import types
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication

from ai.batch.database import AGREE, DATABASE_FILE, DISAGREE, DONE, FAILED, UNSUITABLE, BatchDatabase, SeriesEntry
from ai.explain import Heatmap
from ai.inference import Result
from ai.packs.store import PackStore
from ai.qt.plugin import AIPlugin
from ai.qt.qt_ai_panel import Listing
from ai.qt.qt_worklist import COLUMNS, FLAG_MARK, batch_signature
from tests.dicom_factory import write_stack
from tests.qt.conftest import wait_loaded
from viewer.core import audit
from viewer.core.overlays import HeatmapOverlay
from viewer.plugins import PluginLoad

WAIT = 30000
PACK = types.SimpleNamespace(name="cxr-screen", version="1.0")
CHECKSUM = "c0ffee" * 10
HOSTILE = "<b>bold</b><img src=x>\x1b[2J\nforged line\u202e"


def _series(folder: Path, study_uid: str, series_uid: str, description: str, value: int) -> Path:
    pixels = np.full((3, 24, 28), value, dtype=np.uint16)
    pixels[:, 8:16, 10:20] += 200
    write_stack(folder, pixels, study_uid=study_uid, series_uid=series_uid, series_description=description,
                patient_name="Hidden^Patient")
    return folder


def _saved_result(out: Path, folder: Path) -> None:
    """A classification result with its heatmap, written as a batch run writes it."""
    from ai.results import save_result
    from viewer.core.dicom import load_series, scan

    (series,) = scan([str(folder)]).series
    volume = load_series(series)
    heat = np.zeros(volume.shape_zyx, dtype=np.float32)
    heat[:, 8:16, 10:20] = 1.0
    result = Result(task="classification", probabilities={"Tuberculosis": 0.91, "Normal": 0.09},
                    provenance={"pack": PACK.name, "version": PACK.version, "checksum": CHECKSUM,
                                "date": "2026-12-01T10:00:00", "series_uid": series.series_uid})
    save_result(out, volume, series, PACK, result, Heatmap(values=heat, method="gradcam", target="Tuberculosis"))


@pytest.fixture
def batch(tmp_path):
    """A batch of five series: two done over real files (one with a saved result), one at the threshold,
    one failed, one unsuitable with a hostile description."""
    studies = tmp_path / "studies"
    high = _series(studies / "a", "1.2.826.1.1", "1.2.826.1.1.1", "PA chest", 1000)
    low = _series(studies / "b", "1.2.826.1.2", "1.2.826.1.2.1", "AP chest", 1100)
    folder = tmp_path / "batch"
    _saved_result(folder / "results" / "s1", high)
    with BatchDatabase(folder, create=True) as db:
        db.bind_pack(PACK.name, PACK.version, CHECKSUM)
        db.set_meta(task="classification", threshold=0.5)  # as the runner records them
        db.add([SeriesEntry("1.2.826.1.1.1", "1.2.826.1.1", "20261201", "CR", "PA chest", f"path:{high}"),
                SeriesEntry("1.2.826.1.2.1", "1.2.826.1.2", "20261115", "CR", "AP chest", f"path:{low}"),
                SeriesEntry("1.2.826.1.3.1", "1.2.826.1.3", "20261120", "DX", "at threshold", f"path:{low}"),
                SeriesEntry("1.2.826.1.4.1", "1.2.826.1.4", "20261125", "CR", "unreadable", "store:1.2.826.1.4"),
                SeriesEntry("1.2.826.1.5.1", "1.2.826.1.5", "20261105", "CT", HOSTILE, "pacs:HUB",
                            status=UNSUITABLE, reason="<i>made for CR</i>\r\nforged")])
        for uid, score, result_dir in (("1.2.826.1.1.1", 0.91, "results/s1"), ("1.2.826.1.2.1", 0.12, ""),
                                       ("1.2.826.1.3.1", 0.5, "")):
            db.start(uid)
            db.finish(uid, DONE, score=score, scores={"Tuberculosis": score, "Normal": 1 - score},
                      result_dir=result_dir)
        db.start("1.2.826.1.4.1")
        db.finish("1.2.826.1.4.1", FAILED, reason="unreadable")
    return folder


def _plugin(tmp_path):
    plugin = AIPlugin(store=PackStore(user_dir=tmp_path / "packs-user", bundled_dir=tmp_path / "packs-bundled"))
    return plugin


def _no_listing(plugin) -> None:
    """The panel needs no pack here: skip listing them (it would start the AI worker process)."""
    plugin.panel.listing = Listing(entries=[], device="CPU (test)")


def _window_with_worklist(qtbot, make_window, tmp_path, batch):
    plugin = _plugin(tmp_path)
    window = make_window([PluginLoad("ai", plugin)])
    _no_listing(plugin)
    plugin.open_worklist(batch)
    worklist = plugin.worklist
    qtbot.waitUntil(lambda: worklist.worklist is not None, timeout=WAIT)
    return window, plugin, worklist


def _cell(worklist, row: int, name: str, role=Qt.ItemDataRole.DisplayRole):
    model = worklist.table.model()
    return model.data(model.index(row, COLUMNS.index(name)), role)


def _column(worklist, name: str) -> list[str]:
    return [_cell(worklist, r, name) for r in range(worklist.table.model().rowCount())]


def _uids(worklist) -> list[str]:
    return [_cell(worklist, r, "Flag", Qt.ItemDataRole.UserRole) for r in range(worklist.table.model().rowCount())]


def _reread(qtbot, worklist, change) -> None:
    """Change a filter and wait for the reading it starts."""
    before = worklist.worklist
    change()
    qtbot.waitUntil(lambda: worklist.worklist is not before and worklist.read_job.done, timeout=WAIT)


def test_ranked_by_score_flagged_at_the_threshold_and_filtered(qtbot, make_window, tmp_path, batch):
    window, plugin, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
    assert window.docks["Worklist"].isVisible()
    # A wide table: under the views, the whole width, not squeezed into the column of panels.
    assert window.dockWidgetArea(window.docks["Worklist"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert _uids(worklist) == ["1.2.826.1.1.1", "1.2.826.1.3.1", "1.2.826.1.2.1", "1.2.826.1.4.1", "1.2.826.1.5.1"]
    assert _column(worklist, "Score") == ["0.910", "0.500", "0.120", "—", "—"]
    assert _column(worklist, "Flag") == [FLAG_MARK, FLAG_MARK, "", "", ""]  # at the threshold is flagged
    assert _cell(worklist, 0, "Flag", Qt.ItemDataRole.BackgroundRole).color().red() > 150
    assert _cell(worklist, 2, "Flag", Qt.ItemDataRole.BackgroundRole) is None
    assert _column(worklist, "Study date")[0] == "2026-12-01"
    assert _column(worklist, "Status") == ["done", "done", "done", "failed", "unsuitable"]
    # No site calibration is saved: the pack's own threshold, and it says so.
    assert worklist.threshold_label.text() == "Threshold 0.5 (the pack's own threshold)"
    assert batch_signature(batch) == worklist.worklist.signature  # reading changed nothing: no reading again
    assert "2 flagged" in worklist.title.text() and "5 series" in worklist.title.text()
    assert "Hidden" not in worklist.title.text() + "".join(_column(worklist, "Description"))

    _reread(qtbot, worklist, lambda: worklist.status_box.setCurrentIndex(worklist.status_box.findData(FAILED)))
    assert _uids(worklist) == ["1.2.826.1.4.1"]
    _reread(qtbot, worklist, lambda: worklist.status_box.setCurrentIndex(0))
    _reread(qtbot, worklist, lambda: worklist.flag_box.setCurrentIndex(worklist.flag_box.findData(True)))
    assert _uids(worklist) == ["1.2.826.1.1.1", "1.2.826.1.3.1"]
    _reread(qtbot, worklist, lambda: worklist.flag_box.setCurrentIndex(worklist.flag_box.findData(False)))
    assert _uids(worklist) == ["1.2.826.1.2.1", "1.2.826.1.4.1", "1.2.826.1.5.1"]
    _reread(qtbot, worklist, lambda: worklist.flag_box.setCurrentIndex(0))
    _reread(qtbot, worklist, lambda: worklist.since_edit.setDate(QDate(2026, 11, 20)))
    _reread(qtbot, worklist, lambda: worklist.until_edit.setDate(QDate(2026, 11, 30)))
    assert _uids(worklist) == ["1.2.826.1.3.1", "1.2.826.1.4.1"]
    _reread(qtbot, worklist, lambda: worklist.until_edit.setDate(QDate(1900, 1, 1)))  # "any" again
    assert worklist.filters()["until"] == "" and len(_uids(worklist)) == 3


def test_a_site_calibration_sets_the_threshold_and_says_where_it_came_from(qtbot, make_window, tmp_path, batch):
    from ai.batch import calibration

    site = calibration.SiteCalibration(
        checksum=CHECKSUM, pack=PACK.name, pack_version=PACK.version, threshold=0.1, target_sensitivity=0.9,
        sensitivity=0.92, specificity=0.75, auc=0.88, positives=40, negatives=80, batch=str(batch),
        labels=str(tmp_path / "labels.csv"), date="2026-12-02T08:00:00+00:00")
    other = {**site.__dict__, "checksum": "another", "threshold": 0.9}  # another version's: not this batch's
    entries = {CHECKSUM: dict(site.__dict__), "another": other}
    calibration.site_file().parent.mkdir(parents=True, exist_ok=True)
    calibration.site_file().write_text(json.dumps({"version": 1, "calibrations": entries}))
    try:
        _, _, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
        text = worklist.threshold_label.text()
        assert text.startswith("Threshold 0.1 (the site's calibration of 2026-12-02") and "0.92" in text
        assert _column(worklist, "Flag") == [FLAG_MARK, FLAG_MARK, FLAG_MARK, "", ""]
    finally:
        calibration.site_file().unlink()


def test_marks_are_shown_kept_in_the_database_and_audited(qtbot, make_window, tmp_path, batch):
    _, _, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
    worklist.table.setFocus()
    worklist.table.selectRow(0)
    qtbot.keyClick(worklist.table, Qt.Key.Key_A)
    assert _column(worklist, "Opinion")[0] == AGREE and _column(worklist, "Read")[0]  # at once
    worklist.table.selectRow(2)
    qtbot.keyClick(worklist.table, Qt.Key.Key_R)
    assert _column(worklist, "Read")[2] and not _column(worklist, "Opinion")[2]
    worklist.table.selectRow(1)
    worklist.disagree_button.click()
    assert _column(worklist, "Opinion")[1] == DISAGREE

    def kept():
        with BatchDatabase(batch, create=False) as db:
            rows = {uid: db.row(uid) for uid in ("1.2.826.1.1.1", "1.2.826.1.2.1", "1.2.826.1.3.1")}
        return (rows["1.2.826.1.1.1"].opinion == AGREE and rows["1.2.826.1.1.1"].read
                and rows["1.2.826.1.2.1"].read and rows["1.2.826.1.3.1"].opinion == DISAGREE)

    qtbot.waitUntil(kept, timeout=WAIT)
    with BatchDatabase(batch, create=False) as db:
        assert db.row("1.2.826.1.1.1").marked_by == audit.user_name()
    entries = audit.read_entries(event="worklist").entries
    marks = {(e["details"]["series_uid"], e["details"].get("opinion")) for e in entries}
    assert {("1.2.826.1.1.1", AGREE), ("1.2.826.1.3.1", DISAGREE)} <= marks
    assert all(e["details"]["outcome"] == "ok" for e in entries[-3:])
    text = str(entries)
    assert "Hidden" not in text and "PA chest" not in text  # UIDs and marks, no names nor descriptions
    # The rows shown after the database changed keep the marks.
    worklist.refresh()
    qtbot.waitUntil(lambda: worklist.read_job.done, timeout=WAIT)
    qtbot.waitUntil(lambda: _column(worklist, "Opinion")[:2] == [AGREE, DISAGREE], timeout=WAIT)


def test_enter_opens_the_series_with_its_saved_result_shown(qtbot, make_window, tmp_path, batch):
    window, plugin, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
    panel = plugin.panel
    worklist.table.setFocus()
    worklist.table.selectRow(0)
    qtbot.keyClick(worklist.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.outcome is not None, timeout=WAIT)
    assert window.state.series.series_uid == "1.2.826.1.1.1"
    shown = {panel.probabilities.item(r, 0).text() for r in range(panel.probabilities.rowCount())}
    assert shown == {"Tuberculosis", "Normal"}
    qtbot.waitUntil(lambda: any(isinstance(o, HeatmapOverlay) for o in window.state.overlays), timeout=WAIT)
    assert PACK.name in panel.provenance.text() and "1.2.826.1.1.1" in panel.provenance.text()

    # A double click on a series without a saved result opens it and says there is none.
    worklist.table.selectRow(2)
    worklist.table.doubleClicked.emit(worklist.table.model().index(2, 1))
    qtbot.waitUntil(lambda: window.state.series is not None and window.state.series.series_uid == "1.2.826.1.2.1",
                    timeout=WAIT)
    qtbot.waitUntil(lambda: "no saved result" in worklist.line.text(), timeout=WAIT)
    # A study that is not where the batch says: one line, nothing opened.
    row = _uids(worklist).index("1.2.826.1.4.1")
    worklist.table.selectRow(row)
    worklist.open_selected()
    qtbot.waitUntil(lambda: "not in the local study store" in worklist.line.text(), timeout=WAIT)


def test_hostile_text_is_shown_escaped(qtbot, make_window, tmp_path, batch):
    _, _, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
    row = _uids(worklist).index("1.2.826.1.5.1")
    description = _cell(worklist, row, "Description")
    assert "<b>bold</b>" in description and "\\x1b" in description
    assert "\n" not in description and "\u202e" not in description
    tooltip = _cell(worklist, row, "Description", Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;" in tooltip and "<b>" not in tooltip
    reason = _cell(worklist, row, "Status", Qt.ItemDataRole.ToolTipRole)
    assert "&lt;i&gt;" in reason and "\r" not in reason


@pytest.mark.parametrize("damage", ["garbage", "newer", "missing"])
def test_a_broken_batch_gives_one_line(qtbot, make_window, tmp_path, batch, damage):
    path = batch / DATABASE_FILE
    if damage == "garbage":
        for extra in batch.glob(f"{DATABASE_FILE}-*"):
            extra.unlink()
        path.write_bytes(b"this is not sqlite at all" * 100)
    elif damage == "newer":
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA user_version = 99")
    else:
        batch = tmp_path / "elsewhere"
        batch.mkdir()
    plugin = _plugin(tmp_path)
    window = make_window([PluginLoad("ai", plugin)])
    plugin.open_worklist(batch)
    worklist = plugin.worklist
    qtbot.waitUntil(lambda: worklist.line.text() != "", timeout=WAIT)
    qtbot.waitUntil(lambda: worklist.read_job.done, timeout=WAIT)
    line = worklist.line.text()
    expected = {"garbage": "not a batch database", "newer": "newer Outpost", "missing": "no batch"}[damage]
    assert expected in line and "\n" not in line
    assert worklist.table.model().rowCount() == 0 and worklist.worklist is None
    worklist.open_selected()  # nothing selected: nothing happens
    worklist.mark(AGREE)
    assert window.isVisible()


def test_a_running_batch_is_read_again_when_it_changes(qtbot, make_window, tmp_path, batch):
    _, _, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
    worklist.timer.setInterval(100)
    with BatchDatabase(batch, create=False) as db:
        db.add([SeriesEntry("1.2.826.1.6.1", "1.2.826.1.6", "20261202", "CR", "new", "store:1.2.826.1.6")])
        db.start("1.2.826.1.6.1")
        db.finish("1.2.826.1.6.1", DONE, score=0.99, scores={"Tuberculosis": 0.99})
    qtbot.waitUntil(lambda: _uids(worklist)[:1] == ["1.2.826.1.6.1"], timeout=WAIT)
    assert _column(worklist, "Flag")[0] == FLAG_MARK


def test_the_menu_and_the_view_option_open_the_worklist(qtbot, make_window, tmp_path, batch, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from viewer.qt.qt_main_window import QtMainWindow

    plugin = _plugin(tmp_path)
    window = make_window([PluginLoad("ai", plugin)])
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(batch))
    action = next(a for a in window.actions() if a.text() == "Open batch worklist…")
    action.trigger()
    qtbot.waitUntil(lambda: plugin.worklist is not None and plugin.worklist.worklist is not None, timeout=WAIT)
    assert len(_uids(plugin.worklist)) == 5

    other = AIPlugin(store=plugin.store)
    settings = QSettings(str(tmp_path / "settings2.ini"), QSettings.Format.IniFormat)
    second = QtMainWindow(plugin_loads=[PluginLoad("ai", other)], settings=settings,
                          plugin_options={"worklist": str(batch)})
    qtbot.addWidget(second)
    qtbot.waitUntil(lambda: other.worklist is not None and other.worklist.worklist is not None, timeout=WAIT)
    assert "Worklist" in second.docks


def test_the_view_option_is_offered():
    from viewer.cli.program import build_parser

    parser = build_parser()
    args = parser.parse_args(["view", "--worklist", "/some/batch"])
    assert args.worklist == "/some/batch" and "worklist" in args.plugin_option_dests


def test_opening_waits_for_the_study_to_load(qtbot, make_window, tmp_path, batch):
    """The saved result is put on the series once it has loaded, never on the series shown before."""
    window, plugin, worklist = _window_with_worklist(qtbot, make_window, tmp_path, batch)
    window.open_paths([str(tmp_path / "studies" / "b")])
    wait_loaded(qtbot, window)
    QApplication.processEvents()
    assert plugin.panel.outcome is None  # nothing was asked of the worklist
    worklist.table.selectRow(0)
    worklist.open_selected()
    qtbot.waitUntil(lambda: plugin.panel.outcome is not None, timeout=WAIT)
    assert window.state.series.series_uid == "1.2.826.1.1.1"

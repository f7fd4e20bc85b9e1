"""The AI panel's catalogue on real packs: modality › body part › packs, suited first, a file installed
from it by keyboard, the licence readable; and a result's volumetry table."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ai.packs.catalogue import FILE, INSTALLED, OFFERED_ENV, REFUSED
from ai.packs.store import PackStore, bundled_packs_dir
from ai.qt.plugin import AIPlugin
from ai.qt.qt_ai_panel import COLUMNS, OFFERED_SETTING, Outcome
from tests.ai.pack_factory import squeezenet_cxr_pack
from tests.qt.conftest import open_study
from viewer.plugins import PluginLoad

CXR_DICOM = "cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
LISTED = 120000  # the first listing starts the worker process, which imports torch and MONAI
HYBRIDGNET = "cxr-anatomy-unet-hybridgnet"
COLUMN = {title: index for index, title in enumerate(COLUMNS)}


def _panel(qtbot, make_window, study, store):
    plugin = AIPlugin(store=store)
    window = open_study(qtbot, make_window, study, [PluginLoad("ai", plugin)])
    qtbot.waitUntil(lambda: plugin.panel.listing is not None, timeout=LISTED)
    return window, plugin.panel


def _rows(panel):
    """``{(name, location): row}`` of the packs shown."""
    return {(r.data(Qt.ItemDataRole.UserRole).name, r.data(Qt.ItemDataRole.UserRole).location): r
            for r in panel.pack_list.packs()}


@pytest.mark.shared_data
def test_the_catalogue_offers_the_x_ray_packs_first_and_installs_a_file_by_keyboard(
        qtbot, make_window, shared_data, tmp_path, monkeypatch):
    from installer.catalogue import build_extra_packs

    build_extra_packs(shared_data, tmp_path / "extra-packs")  # the installer's GPL-3.0 .zip, beside the program
    monkeypatch.setenv(OFFERED_ENV, str(tmp_path / "extra-packs"))
    shutil.copytree(bundled_packs_dir() / "outpost-demo-ct", tmp_path / "bundled" / "outpost-demo-ct")
    squeezenet_cxr_pack(shared_data, tmp_path / "user" / "cxr-pneumonia-squeezenet")
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled")
    window, panel = _panel(qtbot, make_window, shared_data / CXR_DICOM, store)
    tree = panel.pack_list

    titles = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert titles == ["CR, DX, OT · 2 packs, 2 suited", "CT · 1 pack"]
    assert tree.topLevelItem(0).child(0).text(0) == "any · 2 packs, 2 suited"
    rows = _rows(panel)
    hybrid, squeezenet = rows[(HYBRIDGNET, FILE)], rows[("cxr-pneumonia-squeezenet", INSTALLED)]
    demo = rows[("outpost-demo-ct", "bundled")]
    assert tree.packs().index(demo) == 2  # after both suited packs
    assert squeezenet.text(0).startswith("✓ ") and hybrid.text(0).startswith("✓ ")
    assert not demo.text(0).startswith("✓") and "made for CT" in demo.toolTip()
    assert [hybrid.text(COLUMN[c]) for c in ("Where", "Licence", "Status")] == ["file", "GPL-3.0", "ready"]
    assert hybrid.text(COLUMN["Size"]).endswith("MiB")
    assert "GNU GENERAL PUBLIC LICENSE" in hybrid.toolTip(COLUMN["Licence"])
    assert squeezenet.text(COLUMN["Licence"]) == "Apache License" and squeezenet.toolTip() == ""

    # The first suited pack is selected; the keyboard moves to the file, whose card shows its licence.
    assert panel.selected_item().name in ("cxr-pneumonia-squeezenet", HYBRIDGNET) and panel.run_button.isEnabled()
    tree.setFocus()
    QTest.keyClick(tree, Qt.Key.Key_Home)  # the first group row
    assert panel.selected_item() is None and "No model selected" in panel.card.toPlainText()
    while panel.selected_item() is None or panel.selected_item().location != FILE:
        before = tree.currentItem()
        QTest.keyClick(tree, Qt.Key.Key_Down)
        assert tree.currentItem() is not before, "the keyboard did not reach the file"
    card = panel.card.toPlainText()
    assert "offered as a file, not installed" in card and "GNU GENERAL PUBLIC LICENSE" in card
    assert not panel.run_button.isEnabled() and "Install…" in panel._reason(panel.selected_item())
    assert panel.install_offered_button.isVisibleTo(panel) and panel.install_offered_button.isEnabled()

    QTest.keyClick(tree, Qt.Key.Key_Return)  # Enter on a file offers to install it, checked in the worker
    qtbot.waitUntil(lambda: panel.install_dialog is not None, timeout=LISTED)
    dialog = panel.install_dialog
    assert "Gaggion" in dialog.facts.text() and dialog.install_button.isEnabled()
    dialog.install_button.click()
    qtbot.waitUntil(lambda: (HYBRIDGNET, INSTALLED) in _rows(panel), timeout=LISTED)
    assert (store.user_dir / HYBRIDGNET / "checksums.sha256").is_file()
    assert "installed already (version 0.1)" in _rows(panel)[(HYBRIDGNET, FILE)].toolTip(COLUMN["Status"])


@pytest.mark.shared_data
def test_a_chosen_folder_is_remembered_and_its_bad_packs_listed_as_refused(
        qtbot, make_window, shared_data, tmp_path, monkeypatch, phantom_study):
    monkeypatch.setenv(OFFERED_ENV, str(tmp_path / "nothing-beside"))
    folder, _ = phantom_study
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=bundled_packs_dir())
    window, panel = _panel(qtbot, make_window, folder, store)
    assert [r.data(Qt.ItemDataRole.UserRole).name for r in panel.pack_list.packs()] == ["outpost-demo-ct"]
    demo = panel.pack_list.packs()[0]
    assert "smaller than" in demo.toolTip() and not demo.text(0).startswith("✓")  # 12 slices: too few for it
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / "broken.zip").write_bytes(b"not a zip at all")
    squeezenet_cxr_pack(shared_data, chosen / "squeezenet-folder")
    panel.set_offered_folder(chosen)
    qtbot.waitUntil(lambda: panel.pack_list.count() == 3, timeout=LISTED)
    assert window.settings.value(OFFERED_SETTING) == str(chosen)
    rows = _rows(panel)
    broken = rows[("broken", FILE)]
    assert broken.data(Qt.ItemDataRole.UserRole).status == REFUSED and "not a zip file" in broken.toolTip()
    squeezenet = rows[("cxr-pneumonia-squeezenet", FILE)]
    assert "made for CR, DX, OT" in squeezenet.toolTip() and not squeezenet.text(0).startswith("✓")
    panel.pack_list.setCurrentItem(broken)
    assert not panel.install_offered_button.isEnabled() and not panel.run_button.isEnabled()
    panel.install_selected()  # the menu action still reaches it: a message, no dialog
    assert "cannot be installed" in panel.last_error and panel.install_dialog is None
    # A new window (the same settings file) lists the chosen folder's packs from the start.
    window.close()
    again, panel2 = _panel(qtbot, make_window, folder, store)
    assert panel2.offered_folder() == str(chosen) and ("broken", FILE) in _rows(panel2)


def test_a_result_with_volumetry_shows_the_table(qtbot, make_window, tmp_path, phantom_study):
    from ai.inference import Result
    from viewer.core.overlays import label_statistics

    folder, _ = phantom_study
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "no-bundled")
    window, panel = _panel(qtbot, make_window, folder, store)
    assert not panel.volumetry.isVisibleTo(panel)
    labels = np.zeros(window.state.volume.shape_zyx, dtype=np.uint8)
    labels[2:6, 10:20, 10:20], labels[2:6, 10:20, 40:50] = 1, 2
    result = Result(task="segmentation", labels=labels, label_names={1: "left thing", 2: "right thing"},
                    provenance={"pack": "volumetry-test", "version": "1"})
    result.volumetry = {"icv_ml": 1480.0, "icv_source": "the brain mask of brain-extraction-mindgrab", "rows": [
        {"structure": "hippocampus", "left_ml": 3.91, "right_ml": 4.02, "total_ml": 7.93, "percent_icv": 0.5358},
        {"structure": "brainstem", "left_ml": None, "right_ml": None, "total_ml": 21.4, "percent_icv": None}]}
    panel._on_outcome(Outcome(None, result, label_statistics(labels, window.state.volume.spacing)), saved=True)
    assert panel.volumetry.isVisibleTo(panel) and panel.volumetry.rowCount() == 2
    shown = [[panel.volumetry.item(r, c).text() for c in range(5)] for r in range(2)]
    assert shown == [["hippocampus", "3.9", "4.0", "7.9", "0.54"], ["brainstem", "—", "—", "21.4", "—"]]
    heading = panel.volumetry_label.text()
    assert "1480 mL" in heading and "brain-extraction-mindgrab" in heading
    panel.series_changed(None)  # another series: the table goes with the result
    assert not panel.volumetry.isVisibleTo(panel)

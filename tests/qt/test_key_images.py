"""Key images: marked with K, saved as a KOS, found again in the study, shown alone with Shift+K."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt

from tests.qt.conftest import open_study
from viewer.export.kos import read_kos


def test_key_images_are_marked_saved_as_kos_and_filter_the_study_when_reopened(qtbot, make_window,
                                                                                 phantom_study, tmp_path,
                                                                                 require_tool):
    folder = phantom_study[0]
    window = open_study(qtbot, make_window, folder)
    viewport = window.viewports["axial"]
    for index in (2, 9):
        viewport.set_slice(index)
        qtbot.keyClick(window, Qt.Key.Key_K)
    viewport.set_slice(5)
    qtbot.keyClick(window, Qt.Key.Key_K)
    qtbot.keyClick(window, Qt.Key.Key_K)  # twice: unmarked again
    assert window.state.key_images == {2, 9}
    viewport.set_slice(9)
    assert any(line.startswith("Key image") for line in viewport.corner_text()["top_right"])
    path = window.save_key_images(tmp_path / "keys.dcm", description="two levels")
    output = subprocess.run([require_tool("dciodvfy"), str(path)], capture_output=True, text=True)
    assert [line for line in (output.stdout + output.stderr).splitlines() if "Error" in line] == []
    uids = window.state.volume.provenance.sop_instance_uids
    assert read_kos(path).sop_instance_uids == [uids[2], uids[9]]
    window.close()

    # The KOS beside the study marks the same images when it is opened again.
    shutil.copy(path, folder / "keys.dcm")
    again = open_study(qtbot, make_window, folder)
    assert again.state.key_images == {2, 9}
    assert any("key object selection" in again.skipped.item(i).text() for i in range(again.skipped.count()))
    qtbot.keyClick(again, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert again.state.key_images_only and again.key_only_action.isChecked()
    viewport = again.viewports["axial"]
    seen = []
    viewport.set_slice(0)
    for _ in range(4):
        viewport.scroll(1)
        seen.append(viewport.slice_index)
    assert seen == [2, 9, 9, 9]  # from key image to key image, stopping at the last
    viewport.scroll(-1)
    assert viewport.slice_index == 2


def test_saving_with_nothing_marked_says_so(qtbot, make_window, phantom_study, tmp_path):
    from viewer.core.errors import OutpostError

    window = open_study(qtbot, make_window, phantom_study[0])
    with pytest.raises(OutpostError, match="no key image"):
        window.save_key_images(tmp_path / "none.dcm")
    window._on_key_images_only(True)
    assert not window.state.key_images_only and not window.key_only_action.isChecked()

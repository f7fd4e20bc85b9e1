"""What was saved with a study comes back on opening: reports drawn, presentation states offered and applied."""

from __future__ import annotations

import subprocess

import pydicom
import pytest
from PySide6.QtWidgets import QApplication

from tests.model.test_foreign_sr import foreign_report, write_prone_study
from tests.qt.conftest import open_study
from viewer.core.display import Window
from viewer.core.files import user_data_dir
from viewer.export.gsps import Graphic, Shutter, read_gsps, write_gsps
from viewer.export.kos import read_kos
from viewer.model.report import AUTOSAVE_FOLDER, autosave_path, on_source_image
from viewer.model.state import Measurement


@pytest.fixture
def study_with_saved_objects(tmp_path):
    """The prone CT with another system's TID 1500 report and a presentation state beside it."""
    folder = tmp_path / "study"
    ct, other = write_prone_study(folder)
    foreign_report(ct, other, folder / "foreign-sr.dcm")
    write_gsps(ct, folder / "gsps.dcm", window=Window(60.0, 350.0), label="READING",
               description="liver lesion",
               graphics={2: [Graphic("POLYLINE", [(12.0, 6.0), (18.0, 22.0)], "arrow")]},
               shutter=Shutter(shapes=("RECTANGULAR",), left=1, right=30, upper=1, lower=40, value=0))
    return folder


def _saved_read(qtbot, window, presentations: int) -> None:
    """Wait until the study's reports and presentation states have been read and shown."""
    qtbot.waitUntil(lambda: window.presentation.job is not None and window.presentation.job.done, timeout=20000)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: len(window.presentation.presentations) == presentations, timeout=5000)


def _errors(dciodvfy: str, path) -> list[str]:
    result = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True)
    return [line for line in (result.stdout + result.stderr).splitlines() if "Error" in line]


def test_a_foreign_report_is_drawn_and_a_presentation_state_offered_and_applied(qtbot, make_window,
                                                                                 study_with_saved_objects):
    window = open_study(qtbot, make_window, study_with_saved_objects)
    _saved_read(qtbot, window, presentations=1)
    state = window.state
    rows, cols = state.volume.shape_zyx[1:]
    # The other system's report: drawn on images 1, 2 and 3 (the 3-D region and the other series' are not).
    placed = sorted((m.index, m.kind) for m in state.measurements)
    assert placed == [(1, "length"), (2, "ellipse"), (3, "rectangle")]
    lesion = next(m for m in state.measurements if m.kind == "rectangle")
    assert sorted(on_source_image(state.volume, lesion).points) == [(10.0, 5.0), (19.0, 24.0)]
    assert lesion.values["mean"] == pytest.approx(300.0)
    assert "3 measurement(s) drawn" in window.statusBar().currentMessage()
    assert window.measurement_panel.table.rowCount() == 3
    # Drawn from the study, not measured by this reader: nothing is kept for them.
    qtbot.wait(50)
    assert not window._keep_timer.isActive() and not autosave_path(state.volume).exists()

    # Offered in View ▸ Presentation states…, listed by date and label.
    window.menu_actions["presentation_states"].trigger()
    dialog = window.presentation._dialog
    assert dialog.list.count() == 2 and "READING — liver lesion" in dialog.list.item(1).text()
    dialog.list.setCurrentRow(1)
    dialog.accept()
    assert window.presentation.applied == 0
    assert state.window == Window(60.0, 350.0) and state.invert is False
    arrow = next(m for m in state.measurements if m.text == "arrow")
    assert arrow.kind == "length" and arrow.index == 2 and not arrow.values  # shown, not measured
    assert arrow.points == [(rows - 1 - 12.0, cols - 1 - 6.0), (rows - 1 - 18.0, cols - 1 - 22.0)]
    # The shutter masks what lies outside columns 1 to 30 (stored) on every image, in black.
    shutter = next(o for o in state.overlays if o.name == "Shutter")
    viewport = window.viewports["axial"]
    viewport.set_slice(3)
    picture = viewport.render_rgb()
    assert tuple(picture[rows - 1 - 15, cols - 1 - 40]) == (0, 0, 0)  # hidden
    assert tuple(picture[rows - 1 - 15, cols - 1 - 10]) == (255, 255, 255)  # the block, 300 HU, shown

    # "None" takes the presentation state's annotations and shutter off again; the report's stay.
    window.presentation.apply(None)
    assert shutter not in state.overlays and arrow not in state.measurements
    assert len(state.measurements) == 3 and window.presentation.applied is None
    window.close()


def test_a_kos_sr_and_gsps_made_by_outpost_pass_dciodvfy_and_come_back_on_reopening(qtbot, make_window, tmp_path,
                                                                                     require_tool):
    dciodvfy = require_tool("dciodvfy")
    folder = tmp_path / "study"
    write_prone_study(folder)
    window = open_study(qtbot, make_window, folder / "ct")
    plane = window.viewports["axial"].plane()
    drawn = [Measurement("length", "axial", plane.index, [(22.0, 28.0), (28.0, 36.0)]),
             Measurement("rectangle", "axial", plane.index, [(21.0, 26.0), (28.0, 44.0)])]
    for m in drawn:
        m.compute(plane, "HU")
        window.state.add_measurement(m)
    window.state.set_window(Window(35.0, 300.0))
    window.state.set_key_image(plane.index, True)
    saved = {"sr": window.save_report(folder / "outpost-sr.dcm"),
             "gsps": window.presentation.save(folder / "outpost-gsps.dcm"),
             "kos": window.save_key_images(folder / "outpost-kos.dcm")}
    for kind, path in saved.items():
        assert _errors(dciodvfy, path) == [], kind
    state = read_gsps(saved["gsps"])
    assert state.window == Window(35.0, 300.0) and state.label == "OUTPOST"
    assert [g.text for graphics in state.graphics.values() for g in graphics] == [m.text for m in drawn]
    window.close()

    # Reopened with nothing kept in the user data folder: all three come back from the study folder.
    import shutil

    shutil.rmtree(user_data_dir() / AUTOSAVE_FOLDER, ignore_errors=True)
    again = open_study(qtbot, make_window, folder)
    _saved_read(qtbot, again, presentations=1)
    shown = again.state.measurements
    # The same measurements (a rectangle may come back from its other two corners).
    assert [(m.kind, m.index, sorted(m.points)) for m in shown] == [(m.kind, m.index, sorted(m.points))
                                                                    for m in drawn]
    assert shown[1].values["mean"] == pytest.approx(drawn[1].values["mean"])
    assert again.state.key_images == {plane.index}
    uids = again.state.volume.provenance.sop_instance_uids
    assert read_kos(saved["kos"]).sop_instance_uids == [uids[plane.index]]
    again.presentation.apply(0)
    assert again.state.window == Window(35.0, 300.0)
    assert len(again.state.measurements) == 2  # its graphics are the measurements already drawn: not twice
    assert pydicom.dcmread(saved["gsps"]).Modality == "PR"

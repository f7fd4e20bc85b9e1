"""What the reader measured is kept with the series and drawn again when it is reopened."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from tests.qt.conftest import open_study
from viewer.core.volume import Volume
from viewer.export.dicom_series import write_series
from viewer.export.sr import read_sr
from viewer.model.report import autosave_path
from viewer.model.state import Measurement


@pytest.fixture
def prone_study(tmp_path):
    """An axial CT of a prone patient: rows run to the patient's right, columns to the front.

    The axial view shows it flipped both ways (anterior up, the patient's right on the left),
    so a measurement drawn on the screen is not at the same rows and columns in the file.
    """
    values = np.zeros((6, 40, 50), dtype=np.int16)
    values[:, 10:20, 5:25] = 300  # near the first rows and columns of the stored images
    direction = np.column_stack([(-1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)])
    volume = Volume(array=values, spacing=np.array([0.5, 0.8, 2.0]), direction=direction, modality="CT")
    folder = tmp_path / "prone"
    write_series(volume, folder, patient_name="Test^Prone", patient_id="PRONE01", series_description="prone")
    return folder


def _kept(qtbot, window):
    window._keep_timer.setInterval(1)
    qtbot.waitUntil(lambda: not window._keep_timer.isActive() and window._keep_job is not None
                    and window._keep_job.done, timeout=15000)


def test_measurements_are_kept_as_an_sr_and_drawn_again_on_reopening(qtbot, make_window, prone_study,
                                                                   require_tool):
    window = open_study(qtbot, make_window, prone_study)
    viewport = window.viewports["axial"]
    plane = viewport.plane()
    # On the screen: the bright block is at the bottom right (flipped from the file's top left).
    assert plane.array[25, 30] == 300 and plane.array[5, 5] == 0
    length = Measurement("length", "axial", plane.index, [(22.0, 28.0), (28.0, 36.0)])
    roi = Measurement("rectangle", "axial", plane.index, [(21.0, 26.0), (28.0, 44.0)])
    for m in (length, roi):
        m.compute(plane, "HU")
        window.state.add_measurement(m)
    assert roi.values["mean"] == pytest.approx(300.0)
    _kept(qtbot, window)
    path = autosave_path(window.state.volume)
    assert path is not None and path.is_file()
    assert len(list(path.parent.iterdir())) == 1  # written atomically: no temporary left
    output = subprocess.run([require_tool("dciodvfy"), str(path)], capture_output=True, text=True)
    text = output.stdout + output.stderr
    assert "Comprehensive3DSR" in text and [line for line in text.splitlines() if "Error" in line] == []
    # In the file, the points are on the stored image: both axes flipped back.
    report = read_sr(path)
    rows, cols = window.state.volume.shape_zyx[1:]
    assert report.lengths[0].points == [(rows - 1 - 22.0, cols - 1 - 28.0), (rows - 1 - 28.0, cols - 1 - 36.0)]
    assert report.lengths[0].image_index == plane.index
    assert report.rois[0].mean == pytest.approx(300.0)
    window.close()

    again = open_study(qtbot, make_window, prone_study)
    kept = again.state.measurements
    assert [m.kind for m in kept] == ["length", "rectangle"]
    assert kept[0].points == [(22.0, 28.0), (28.0, 36.0)] and kept[0].view == "axial"
    assert kept[0].values["length_mm"] == pytest.approx(length.values["length_mm"])
    assert kept[1].values["mean"] == pytest.approx(300.0)
    assert again.measurement_panel.table.rowCount() == 2  # the panel lists them
    # Removing the last measurement removes the kept file.
    for m in list(kept):
        again.state.remove_measurement(m.id)
    _kept(qtbot, again)
    assert not path.exists()

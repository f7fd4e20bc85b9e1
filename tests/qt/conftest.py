"""Qt tests run offscreen; each window gets its own settings file."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from tests.dicom_factory import write_stack


@pytest.fixture(autouse=True)
def no_kept_measurements():
    """Each test starts with no measurements kept from another test's reading of the same study.

    The viewer keeps what was measured on a series (viewer.model.report) in the suite's data
    folder; the fixtures' studies reuse their UIDs, so a later test would see them drawn again.
    """
    import shutil

    from viewer.core.files import user_data_dir
    from viewer.model.report import AUTOSAVE_FOLDER

    shutil.rmtree(user_data_dir() / AUTOSAVE_FOLDER, ignore_errors=True)


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Build main windows with no installed plugins and a private settings file."""
    from viewer.qt.qt_main_window import QtMainWindow

    def make(plugin_loads=None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = QtMainWindow(plugin_loads=plugin_loads or [], settings=settings)
        window.resize(1000, 700)
        qtbot.addWidget(window)
        window.show()
        return window

    return make


def open_study(qtbot, make_window, path, plugin_loads=None):
    """A main window showing the study at ``path``, loaded."""
    window = make_window(plugin_loads)
    window.open_paths([str(path)])
    wait_loaded(qtbot, window)
    return window


def wait_loaded(qtbot, window, timeout=30000):
    """Wait until a scan and a load have finished."""
    qtbot.waitUntil(lambda: window.scan_job is not None and window.scan_job.done, timeout=timeout)
    # The scan's result is queued before its job is done: deliver it, so that the load it starts
    # is the one waited for next (not the previous series' load, long done).
    QApplication.processEvents()
    qtbot.waitUntil(lambda: window.load_job is not None and window.load_job.done, timeout=timeout)
    qtbot.wait(60)


@pytest.fixture
def phantom_study(tmp_path):
    """A small CT-like study: 12 slices of 64x80, with a bright block and a labelled region."""
    volume = np.full((12, 64, 80), 1024 + 40, dtype=np.uint16)  # stored values; intercept -1024
    volume[:, 20:40, 30:60] = 1024 + 100
    volume[:, :, :5] = 0  # air at the patient's right edge
    folder = tmp_path / "study"
    write_stack(folder, volume, spacing_z=2.5, slope=1, intercept=-1024, spacing=(0.6, 0.7))
    (folder / "notes.txt").write_text("not DICOM")
    return folder, volume.astype(np.int32) - 1024

"""The viewer under a real address-space limit: a load that runs out ends with a message.

The window runs in a child process (``RLIMIT_AS`` is per process and cannot be
lifted again), fed the series of ``tests/core/test_memory_limits.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.core.test_memory_limits import VOLUME_BYTES, _run_child, write_widening_series
from tests.dicom_factory import write_stack
from viewer.core.memory import MEMORY_SHARE


@pytest.fixture(scope="module")
def widening_series(tmp_path_factory):
    """The series that must widen part-way (see ``write_widening_series``)."""
    return write_widening_series(tmp_path_factory.mktemp("widening"))


VIEWER_UNDER_LIMIT = """
    import json, resource, sys, psutil
    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from viewer.qt.qt_main_window import QtMainWindow

    app = QApplication([])
    window = QtMainWindow(plugin_loads=[], settings=QSettings(sys.argv[3], QSettings.Format.IniFormat))
    window.show()

    def wait(condition):
        while not condition():
            QTest.qWait(20)  # not a bare processEvents() loop: PySide6 leaks a None ref per call

    def open_and_wait(path):
        before = window.load_job
        window.open_paths([path])
        wait(lambda: window.scan_job is not None and window.scan_job.done)
        # The new load (not the one before) ended: done, or dropped after an error.
        wait(lambda: window.last_error  # refused before a load began
             or (window.load_job is not before and (window.load_job is None or window.load_job.done)))
        QTest.qWait(100)

    open_and_wait(sys.argv[1])
    shown = window.state.series.key
    used = psutil.Process().memory_info().vms
    resource.setrlimit(resource.RLIMIT_AS, (used + int(float(sys.argv[4])), resource.RLIM_INFINITY))
    open_and_wait(sys.argv[2])
    print(json.dumps({"shown_before": shown, "shown_after": window.state.series.key,
                      "error": window.last_error, "visible": window.isVisible(),
                      "shape": list(window.state.volume.array.shape)}))
"""


@pytest.mark.parametrize(("headroom", "message"), [
    # Below the volume: refused before allocating.
    (VOLUME_BYTES * 0.9, "Cannot show this series: series 1 (capped) (96 x 512 x 512 voxels) needs"),
    # Enough for the check, not for the int32 copy the last slice forces: runs out part-way.
    (VOLUME_BYTES / MEMORY_SHARE + 64 * 2**20,
     "Loading stopped: ran out of memory loading series 1 (capped): needs 48.0 MiB"),
], ids=["up-front", "part-way"])
def test_the_viewer_keeps_the_series_it_showed_when_a_load_runs_out(widening_series, tmp_path,
                                                                     headroom, message):
    small = tmp_path / "small"
    write_stack(small, np.full((4, 32, 32), 1000, dtype=np.uint16), intercept=-1024,
                series_uid="1.2.3.4.6", series_description="small")
    child = _run_child(VIEWER_UNDER_LIMIT, str(small), str(widening_series),
                       str(tmp_path / "settings.ini"), str(headroom), timeout=180)
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["error"].startswith(message), report["error"]
    assert "load fewer slices" in report["error"]
    assert report["visible"]
    assert report["shown_after"] == report["shown_before"]
    assert report["shape"] == [4, 32, 32]

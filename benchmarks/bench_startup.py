"""``startup``: process start to the main window's first paint, against a bare PySide6 window.

Both are fresh processes, offscreen, timed from the OS's record of when the
process started to the first paint event of the main window.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

BARE_WINDOW = r"""
import sys, time, psutil
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1400, 900)
class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not getattr(self, "seen", False):
            self.seen = True
            print(f"first-paint {time.time() - psutil.Process().create_time():.3f} heavy-modules none", flush=True)
            QTimer.singleShot(0, app.quit)
        return False
probe = Probe(window)
window.installEventFilter(probe)
window.show()
app.exec()
"""


def _first_paint(command: list[str]) -> tuple[float, str]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", OUTPOST_EXIT_AFTER_FIRST_PAINT="1")
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("first-paint")), None)
    if line is None:
        raise RuntimeError(f"no first paint reported: {result.stderr[-400:]}")
    _, seconds, _, heavy = line.split()
    return float(seconds), heavy


def run(args) -> dict:
    """Start both programs ``--repeat`` times (plus one warm-up each) and compare medians."""
    outpost = [sys.executable, "-m", "viewer"]
    bare = [sys.executable, "-c", BARE_WINDOW]
    _first_paint(outpost)
    _first_paint(bare)
    ours, theirs, heavy = [], [], set()
    for _ in range(max(3, args.repeat)):
        seconds, modules = _first_paint(outpost)
        ours.append(seconds)
        heavy.add(modules)
        theirs.append(_first_paint(bare)[0])
    return {
        "benchmark": "startup",
        "peer": "a bare PySide6 QMainWindow in a fresh interpreter",
        "outpost_first_paint_s": round(statistics.median(ours), 3),
        "bare_qt_first_paint_s": round(statistics.median(theirs), 3),
        "ratio_vs_bare_qt": round(statistics.median(ours) / statistics.median(theirs), 3),
        "heavy_modules_at_first_paint": sorted(heavy),
    }

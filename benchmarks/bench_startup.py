"""``startup``: process start to the main window's first paint, against a bare PySide6 window.

Both are fresh processes, offscreen, timed from just before the process is created
to the first paint event of the main window (the line the program prints then). ``--executable PATH``
also times that program (it must print ``first-paint <seconds>`` when
``OUTPOST_EXIT_AFTER_FIRST_PAINT=1`` is set, as the PyInstaller bundle does) against
the venv's ``python -m viewer``. ``--cold`` drops the page cache before every
start, so files are read from disk as on the first start after boot.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

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


def _drop_page_cache() -> None:
    """Write back and drop the kernel's page cache (Linux, root only)."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as control:
            control.write("3\n")
    except OSError as e:
        raise RuntimeError(f"--cold needs root on Linux to drop the page cache: {e}") from e


def _first_paint(command: list[str], cold: bool = False) -> tuple[float, str]:
    """Seconds from starting ``command`` to its ``first-paint`` line, and the heavy modules it names.

    The time is taken here, from just before the process is created to the moment its line
    arrives: the seconds the program reports are measured from the OS's process start time,
    which psutil derives from the boot time, whole seconds on Linux (an offset of up to 1 s).
    """
    if cold:
        _drop_page_cache()
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", OUTPOST_EXIT_AFTER_FIRST_PAINT="1")
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=environment)
        line, seconds = None, 0.0
        for output in process.stdout:
            if output.startswith("first-paint"):
                seconds = time.perf_counter() - start
                line = output
                break
        try:
            process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        if line is None:
            errors.seek(0)
            raise RuntimeError(f"no first paint reported: {errors.read()[-400:]}")
    _, _, _, heavy = line.split()
    return seconds, heavy


def run(args) -> dict:
    """Start every program ``--repeat`` times (plus one warm-up each unless cold) and compare medians."""
    cold = bool(getattr(args, "cold", False))
    executable = getattr(args, "executable", None)
    programs = {"outpost": [sys.executable, "-m", "viewer"], "bare": [sys.executable, "-c", BARE_WINDOW]}
    if executable:
        if not os.access(executable, os.X_OK):
            raise RuntimeError(f"--executable {executable} is not an executable file")
        programs["executable"] = [os.path.abspath(executable)]
    if not cold:
        for command in programs.values():
            _first_paint(command)
    times: dict[str, list[float]] = {name: [] for name in programs}
    heavy = set()
    for _ in range(max(3, args.repeat)):
        for name, command in programs.items():
            seconds, modules = _first_paint(command, cold)
            times[name].append(seconds)
            if name != "bare":
                heavy.add(modules)
    median = {name: statistics.median(values) for name, values in times.items()}
    figures = {
        "benchmark": "startup",
        "peer": "a bare PySide6 QMainWindow in a fresh interpreter",
        "page_cache": "dropped before every start (cold)" if cold else "warm (after one warm-up start each)",
        "outpost_first_paint_s": round(median["outpost"], 3),
        "bare_qt_first_paint_s": round(median["bare"], 3),
        "ratio_vs_bare_qt": round(median["outpost"] / median["bare"], 3),
        "heavy_modules_at_first_paint": sorted(heavy),
    }
    if executable:
        figures.update({
            "executable": os.path.abspath(executable),
            "executable_first_paint_s": round(median["executable"], 3),
            "ratio_executable_vs_venv": round(median["executable"] / median["outpost"], 3),
        })
    return figures

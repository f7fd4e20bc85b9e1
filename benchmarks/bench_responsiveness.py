"""``responsiveness``: the longest stall of the viewer's GUI event loop, against peers measured in the same run.

The stalls are those during a real series load and during a real 3-D inference.

A 5 ms timer on the GUI thread stamps every tick (``tests/qt/stalls.py``, as the stall tests
do); the longest gap is the stall. Measured, offscreen, in this process:

- ``idle``: the shown main window doing nothing for a few seconds (the machine's own noise);
- ``load``: the real CT of the shared data (``ct_abdomen_series_totalsegmentator``) opened in
  the viewer, scanned and decoded on its worker threads, and shown;
- ``load_on_gui_thread``: the same scan and decode done on the GUI thread (what a viewer without
  worker threads would stall for);
- ``demo``: ``outpost demo``'s path in the viewer: the demo phantom opened with the AI plugin told
  to run the bundled ``outpost-demo-ct`` pack, through the packs' listing and the start of the
  isolated AI worker to the result shown;
- ``inference``: the same pack run again from the AI panel in the (now warm) isolated worker;
- ``inference_on_gui_thread``: the same inference in the same worker, waited for on the GUI thread.

The figures are the longest stalls; the ratios compare each with the idle loop (1 is the
noise floor) and with the same work done on the GUI thread (the smaller, the more of the work
was kept off the GUI thread). On a busy machine the idle stall itself is tens of ms.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: Seconds the idle loop is watched.
IDLE_S = 3.0
#: The longest any watched piece of work may take.
TIMEOUT_S = 120.0
#: The bundled demo pack (``ai.cli.DEMO_PACK``; not imported: it is the command line's).
DEMO_PACK = "outpost-demo-ct"


def _ratio(value: float, peer: float) -> float | None:
    return round(value / peer, 3) if peer > 0 else None


def run(args) -> dict:
    """Measure the stalls; see the module's description."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from ai.demo.phantom import make_phantom
    from ai.qt.plugin import AIPlugin
    from tests.qt.stalls import watch_event_loop
    from viewer.core.dicom import load_series, scan
    from viewer.export.dicom_series import write_series
    from viewer.plugins import PluginLoad
    from viewer.qt.qt_app import create_application
    from viewer.qt.qt_main_window import QtMainWindow

    data = Path(args.data or Path(__file__).resolve().parents[1].parent / "shared" / "data")
    ct = data / "ct_abdomen_series_totalsegmentator" / "dicom"
    if not ct.is_dir():
        raise RuntimeError(f"the real CT is not at {ct} (--data names the shared data folder)")
    app = create_application()
    figures: dict = {"benchmark": "responsiveness", "timer_interval_ms": 5,
                     "peer": "the idle event loop, and the same work done on the GUI thread, in this run"}
    with tempfile.TemporaryDirectory(prefix="outpost-bench-responsiveness-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = QtMainWindow(plugin_loads=[], settings=settings)
        window.resize(1000, 700)
        window.show()
        app.processEvents()
        idle = watch_event_loop(lambda: None, lambda: False, IDLE_S)

        def loaded(window=window) -> bool:
            return window.scan_job is not None and window.scan_job.done and window.load_job is not None \
                and window.load_job.done

        load = watch_event_loop(lambda: window.open_paths([str(ct)]), loaded, TIMEOUT_S)
        if not load.finished or window.state.volume is None:
            raise RuntimeError(f"the real CT did not load: {window.last_error}")
        shape = list(window.state.volume.shape_zyx)
        on_gui = watch_event_loop(lambda: load_series(scan(ct).series[0]), lambda: True, TIMEOUT_S)
        window.close()

        phantom_folder = Path(folder) / "phantom"
        write_series(make_phantom().volume, phantom_folder, patient_name="Phantom^Demo", patient_id="DEMO-0001",
                     series_description="Synthetic CT (not a patient)", window=(40, 400))
        plugin = AIPlugin()
        window = QtMainWindow(plugin_loads=[PluginLoad("ai", plugin)], settings=settings,
                              plugin_options={"pack": DEMO_PACK})
        window.resize(1000, 700)
        window.show()
        panel = plugin.panel

        def shown(first_job=None) -> bool:
            job = panel.job
            return job is not None and job is not first_job and job.done and panel._running is None \
                and not panel.queue and panel.outcome is not None

        try:
            demo = watch_event_loop(lambda: window.open_paths([str(phantom_folder)]), shown, TIMEOUT_S)
            if not demo.finished:
                raise RuntimeError(f"the demo pack gave no result: {panel.last_error}")
            first = panel.job
            inference = watch_event_loop(panel.run, lambda: shown(first), TIMEOUT_S)
            if not inference.finished:
                raise RuntimeError(f"the second run gave no result: {panel.last_error}")
            pack, volume = panel.selected_item().pack, panel.volume
            inference_s = panel.outcome.result.timings.get("total")
            blocking = watch_event_loop(lambda: panel.engine.run(volume, pack), lambda: True, TIMEOUT_S)
        finally:
            window.close()
            panel.engine.close()
    figures.update({
        "idle_longest_stall_ms": round(idle.longest_ms, 1),
        "load_series_shape_zyx": shape,
        "load_seconds": round(load.seconds, 2),
        "load_longest_stall_ms": round(load.longest_ms, 1),
        "load_on_gui_thread_stall_ms": round(on_gui.longest_ms, 1),
        "ratio_load_vs_idle": _ratio(load.longest_ms, idle.longest_ms),
        "ratio_load_vs_on_gui_thread": _ratio(load.longest_ms, on_gui.longest_ms),
        "demo_pack": DEMO_PACK,
        "demo_volume_shape_zyx": list(volume.shape_zyx),
        "demo_seconds": round(demo.seconds, 2),
        "demo_longest_stall_ms": round(demo.longest_ms, 1),
        "ratio_demo_vs_idle": _ratio(demo.longest_ms, idle.longest_ms),
        "inference_seconds": round(inference.seconds, 2),
        "inference_in_worker_s": round(inference_s, 2) if inference_s is not None else None,
        "inference_longest_stall_ms": round(inference.longest_ms, 1),
        "inference_on_gui_thread_stall_ms": round(blocking.longest_ms, 1),
        "ratio_inference_vs_idle": _ratio(inference.longest_ms, idle.longest_ms),
        "ratio_inference_vs_on_gui_thread": _ratio(inference.longest_ms, blocking.longest_ms),
    })
    return figures

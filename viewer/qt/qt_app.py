"""Start the viewer: the application object, its theme, and the scriptable ``view`` face."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from viewer.core.display import Window
from viewer.core.errors import OutpostError

DARK_STYLE = """
QWidget { background-color: #1e1f22; color: #d8d8d8; }
QMenuBar, QMenu, QToolBar, QStatusBar { background-color: #25262a; }
QMenu::item:selected, QMenuBar::item:selected { background-color: #3d5a80; }
QTreeView, QListView, QTableView { background-color: #18191b; alternate-background-color: #202124; }
QHeaderView::section { background-color: #2b2d31; padding: 3px; border: 0; }
QDockWidget::title { background-color: #2b2d31; padding: 4px; }
QPushButton { background-color: #33363b; border: 1px solid #45484e; padding: 3px 10px; }
QPushButton:hover { background-color: #3d5a80; }
QProgressBar { border: 1px solid #45484e; text-align: center; }
QProgressBar::chunk { background-color: #3d7ea6; }
QToolButton:checked { background-color: #3d5a80; }
"""


def _qt_message(kind, context, message: str) -> None:
    """Qt's own messages go to the application log, not to the reader's terminal.

    The platform plugins' notes ("This plugin does not support propagateSizeHints()") are
    kept at INFO; Qt's critical and fatal messages are logged as warnings, which the log
    also shows on stderr.
    """
    from PySide6.QtCore import QtMsgType

    serious = kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
    logging.getLogger("qt").log(logging.WARNING if serious else logging.INFO, "Qt: %s", message)


def create_application(argv: list[str] | None = None):
    """The QApplication, with HiDPI scaling, the dark theme and the interface's language.

    Qt's messages go to the log. The language (Outpost's and Qt's own translations) follows the
    system's locale unless the reader chose one (:mod:`viewer.qt.qt_i18n`).
    """
    from PySide6.QtCore import Qt, qInstallMessageHandler
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        qInstallMessageHandler(_qt_message)
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("Outpost")
        app.setOrganizationName("Outpost")
        app.setStyle("Fusion")
        app.setStyleSheet(DARK_STYLE)
        from viewer.qt.qt_i18n import install_translators

        install_translators(app)
    return app


def parse_window(text: str | None) -> Window | None:
    """``"C,W"`` to a window; ``None`` passes through."""
    if not text:
        return None
    try:
        center, width = (float(v) for v in text.split(","))
    except ValueError as e:
        raise OutpostError(f"--window takes CENTER,WIDTH (e.g. 40,400), not {text!r}") from e
    if width <= 0:
        raise OutpostError("the window width must be positive")
    return Window(center, width)


def run_viewer(paths: list[str], *, series_key: str | None = None, layout: str | None = None,
               window: str | None = None, screenshot: str | None = None, timeout_s: float = 300.0,
               plugin_options: dict | None = None) -> int:
    """Open the viewer on ``paths``; with ``screenshot``, render offscreen, save and exit.

    ``plugin_options`` reach plugins (e.g. the AI plugin's ``pack`` and
    ``explain``); a screenshot waits for the jobs they start. A ``layout`` given
    (``single``, ``1x2``, ``2x1``, ``2x2``, ``mpr``) is the reader's choice: no hanging
    protocol replaces it; ``None`` lets the study's hanging protocol choose.

    Returns
    -------
    int
        The process exit status.
    """
    requested_window = parse_window(window)
    if screenshot and not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = create_application()
    from viewer.qt.qt_main_window import QtMainWindow

    main_window = QtMainWindow(plugin_options=plugin_options)
    if layout is not None:
        main_window.comparison.model.layout_by_hand = True
    if os.environ.get("OUTPOST_EXIT_AFTER_FIRST_PAINT"):
        _exit_after_first_paint(app, main_window)
    main_window.show()
    if paths:
        main_window.open_paths(paths, series_key=series_key)
    if screenshot is None:
        if layout is not None:
            main_window.set_layout(layout)
        return app.exec()
    return _screenshot(app, main_window, Path(screenshot), layout, requested_window, timeout_s)


def _exit_after_first_paint(app, window) -> None:
    """Print the seconds from process start to the window's first paint, then quit.

    Used by ``benchmarks/run.py startup``; the time comes from the OS's record of
    when the process started, so interpreter start-up and imports count.
    """
    import psutil
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and not getattr(self, "seen", False):
                self.seen = True
                elapsed = time.time() - psutil.Process().create_time()
                heavy = sorted(m for m in ("torch", "monai", "captum") if m in sys.modules)
                print(f"first-paint {elapsed:.3f} heavy-modules {','.join(heavy) or 'none'}", flush=True)
                QTimer.singleShot(0, app.quit)
            return False

    window._first_paint_probe = FirstPaint(window)
    window.installEventFilter(window._first_paint_probe)


def _screenshot(app, main_window, path: Path, layout: str | None, window: Window | None, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        # A job leaves main_window.jobs once its result and "finished" have been handled,
        # including what they start (the AI plugin's run and explanation).
        if not main_window.jobs and (main_window.state.volume is not None or main_window.last_error):
            break
        time.sleep(0.01)
    else:
        raise OutpostError(f"the study did not load within {timeout_s:.0f} s")
    app.processEvents()
    if main_window.state.volume is None:
        raise OutpostError(main_window.last_error or "nothing could be shown")
    if layout is not None and layout != main_window.layout_name:
        main_window.set_layout(layout)
    if window is not None:
        main_window.state.set_window(window)
    on_screen = app.platformName() not in ("offscreen", "minimal")
    settle = time.monotonic() + (0.5 if on_screen else 0.0)
    while time.monotonic() < settle or not on_screen:
        app.processEvents()  # let a real window be mapped and painted before reading it back
        if not on_screen:
            break
        time.sleep(0.02)
    main_window.export_png(path, from_screen=on_screen)
    main_window.close()
    return 0

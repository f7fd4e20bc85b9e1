"""The main window: study browser, viewports, panels, menus, progress and plugins."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolBar,
    QWidget,
)

from viewer.core.display import default_window, file_windows, presets_for
from viewer.core.errors import OutOfMemoryError, OutpostError
from viewer.core.files import atomic_path
from viewer.core.mpr import SLAB_MODES, SLAB_NAMES, acquisition_plane
from viewer.core.overlays import LabelOverlay
from viewer.model.report import load_measurements, report_of, save_measurements
from viewer.model.state import ViewerState
from viewer.plugins import PluginLoad, discover_plugins
from viewer.qt.qt_actions import ACTIONS, LAYOUT_TABLE, MENU_TITLES, TOOLS_TABLE, ActionSpec, action_text
from viewer.qt.qt_comparison import LAYOUTS, QtComparison
from viewer.qt.qt_hanging import hang_on_open
from viewer.qt.qt_i18n import LANGUAGES, chosen_language, set_chosen_language
from viewer.qt.qt_i18n import noop as _n
from viewer.qt.qt_i18n import translate as _tr
from viewer.qt.qt_loading import refresh_automatic_window, series_load_job
from viewer.qt.qt_overlay_panel import QtOverlayPanel
from viewer.qt.qt_panels import (
    QtMeasurementPanel,
    QtShortcutsDialog,
    QtSkippedFiles,
    QtStudyBrowser,
    QtTagBrowser,
)
from viewer.qt.qt_presentation import QtPresentationStates
from viewer.qt.qt_viewport import TOOLS, QtViewport
from viewer.qt.qt_workers import Job, start_job

log = logging.getLogger(__name__)

#: How long closing the window waits for cancelled jobs to end (ms).
JOB_EXIT_WAIT_MS = 10000
#: How long after the last change the measurements are kept (several quick changes: one write).
KEEP_DELAY_MS = 500
RECENT_LIMIT = 10


#: The docks' titles (the window knows a dock by its English title, :attr:`QtMainWindow.docks`; it shows
#: it translated). The AI plugin's dock is among them.
DOCK_TITLES = (_n("Studies"), _n("Not shown"), _n("Measurements"), _n("Overlays"), _n("Network"),
               _n("Segment editor"), _n("AI"), _n("Worklist"))
#: Menus that plugins add by name (:meth:`QtMainWindow.add_menu_action`), shown translated.
PLUGIN_MENUS = (_n("AI"),)


def _import_dicom_stack() -> None:
    import viewer.core.dicom  # noqa: F401 - imported for its side effect of loading pydicom


class QtMainWindow(QMainWindow):
    """Outpost's main window.

    Parameters
    ----------
    plugin_loads
        Plugins to activate; by default those registered under ``outpost.plugins``.
    settings
        Where the recent-studies list lives; by default the user's settings.
    """

    def __init__(self, plugin_loads: list[PluginLoad] | None = None,
                 settings: QSettings | None = None, plugin_options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._plugin_options = dict(plugin_options or {})
        self.setWindowTitle("Outpost")
        self.resize(1400, 900)
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("Outpost", "Outpost")
        self.state = ViewerState()
        self.scan_result = None
        self.scan_job: Job | None = None
        self.load_job: Job | None = None
        self._shown_before: tuple = (None, None)  # (volume, series) while a load runs
        self.jobs: list[Job] = []
        self.last_error = ""
        self.plugins: list[PluginLoad] = []
        self._series_callbacks: list[Callable[[Any], None]] = []
        self._loaded_callbacks: list[Callable[[Any], None]] = []
        self.findings: dict[str, tuple[str, dict, dict]] = {}
        self._pending_series_key: str | None = None
        #: The files the annotations shown came from: ``(overlay, path)``, for the segment editor.
        self._annotation_files: list[tuple[Any, str]] = []
        #: What plugins said about the overlays they added: ``(overlay, provenance)``.
        self._overlay_provenance: list[tuple[Any, dict]] = []
        self._segment_editor = None  # the Segment editor dock's widget, built when first shown
        self.recovery_box = None  # the question offering back unsaved segment edits, while shown
        self._build_viewports()
        self._build_docks()
        self._build_status()
        self._build_actions()
        self._repaint_timer = QTimer(self, singleShot=True, interval=40)
        self._repaint_timer.timeout.connect(self.state.pixels_changed.emit)
        self._cine_timer = QTimer(self)
        self._cine_timer.timeout.connect(self._on_cine_timer_timeout)
        self.state.volume_changed.connect(self._on_state_volume_changed)
        self.state.cursor_changed.connect(self._sync_slider)
        self.state.oblique.changed.connect(self._sync_slider)  # true reformats have their own planes
        self.state.measurements_changed.connect(self._on_state_measurements_changed)
        self.state.display_changed.connect(self._update_status_window)
        # The series' measurements are kept as an SR a moment after each change (see viewer.model.report).
        self._keep_timer = QTimer(self, singleShot=True, interval=KEEP_DELAY_MS)
        self._keep_timer.timeout.connect(self._keep_measurements)
        self._keep_job: Job | None = None
        self._restoring = False
        self.presentation = QtPresentationStates(self)  # reports and GSPS saved with the study
        self.layout_name = "single"
        self.set_layout("single")
        self._activate_plugins(plugin_loads if plugin_loads is not None else discover_plugins())
        # Everything alive now lives for the session. Freezing it keeps the garbage
        # collector's full passes (which stop every thread) short while work runs.
        gc.collect()
        gc.freeze()
        # Import the DICOM stack in the background once the window is up, so the first
        # study opens without that wait and start-up does not carry it.
        QTimer.singleShot(500, lambda: start_job(Job(_import_dicom_stack, name="warm-up")))

    # ------------------------------------------------------------------ building
    @property
    def active_viewport(self) -> QtViewport:
        """The viewport the keyboard, the slider and the browser's series act on; marked when several show."""
        return self._active_viewport

    @active_viewport.setter
    def active_viewport(self, viewport: QtViewport) -> None:
        self._active_viewport = viewport
        self._mark_active_viewport()

    def _mark_active_viewport(self) -> None:
        several = getattr(self, "layout_name", "single") != "single"
        comparison = getattr(self, "comparison", None)
        for viewport in [*self.viewports.values(), *(comparison.all_viewports if comparison is not None else [])]:
            viewport.set_marked(several and viewport is self._active_viewport)

    def _build_viewports(self) -> None:
        self.viewports = {view: QtViewport(self.state, view) for view in ("axial", "coronal", "sagittal")}
        self.active_viewport = self.viewports["axial"]
        central = QWidget()
        self.grid = QGridLayout(central)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        for column, viewport in enumerate(self.viewports.values()):
            self.grid.addWidget(viewport, 0, column)
            self._wire_viewport(viewport)
        self.comparison = QtComparison(self.state, on_new_viewport=self._wire_viewport)
        self.comparison.setVisible(False)
        self.grid.addWidget(self.comparison, 0, 0, 1, 3)
        self.slider = QSlider(Qt.Orientation.Vertical)
        self.slider.setInvertedAppearance(True)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.grid.addWidget(self.slider, 0, 3)
        self.view_area = central
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.browser = QtStudyBrowser()
        self.browser.series_activated.connect(self._on_series_activated)
        self.skipped = QtSkippedFiles()
        self.measurement_panel = QtMeasurementPanel()
        self.measurement_panel.delete_requested.connect(self.state.remove_measurement)
        self.measurement_panel.go_to_requested.connect(self._on_measurement_go_to)
        self.overlay_panel = QtOverlayPanel(self.state)
        self.docks = {}
        for title, widget, area in (("Studies", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea),
                                    ("Not shown", self.skipped, Qt.DockWidgetArea.LeftDockWidgetArea),
                                    ("Measurements", self.measurement_panel,
                                     Qt.DockWidgetArea.RightDockWidgetArea),
                                    ("Overlays", self.overlay_panel, Qt.DockWidgetArea.RightDockWidgetArea)):
            self.add_dock(title, widget, area)
        # The network panel opens the study store and reads the PACS settings only when first shown.
        from viewer.qt.qt_network_panel import QtNetworkPanel

        self.network_panel = QtNetworkPanel(self)
        network = self.add_dock("Network", self.network_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        network.hide()  # until chosen (View ▸ Network): it takes room, and opens the store and pydicom
        network.visibilityChanged.connect(self._on_network_shown)

    def _on_network_shown(self, visible: bool) -> None:
        if visible and not getattr(self, "_network_opened", False):
            self._network_opened = True
            self.network_panel.refresh_nodes()
            self.network_panel.refresh_store()

    def _build_status(self) -> None:
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel_jobs)
        self.window_label = QLabel()
        self.statusBar().addPermanentWidget(self.window_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self._set_busy(False)

    def _action(self, menu, text: str, slot: Callable, shortcut: str | QKeySequence | None = None,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _wire_viewport(self, viewport: QtViewport) -> None:
        viewport.activated.connect(self._on_viewport_activated)
        viewport.double_clicked.connect(self._on_viewport_double_clicked)
        viewport.tool_finished.connect(self._on_viewport_tool_finished)
        viewport.series_dropped.connect(self._on_series_dropped)
        viewport.status_message.connect(self.show_status)
        if viewport.state is not self.state:
            viewport.state.cursor_changed.connect(self._sync_slider)

    def _slot_of(self, spec: ActionSpec) -> Callable[..., None]:
        """What an action of the table calls: its handler with the window (and the checked state)."""
        if spec.checkable:
            return lambda checked=False: spec.handler(self, checked)
        return lambda checked=False: spec.handler(self)

    def _build_actions(self) -> None:
        """The menus, from the table of actions (:data:`viewer.qt.qt_actions.ACTIONS`)."""
        bar = self.menuBar()
        menus: dict[str, Any] = {}
        for top in ("File", "View", "Window", "Tools"):
            menus[top] = bar.addMenu(_tr(MENU_TITLES[top]))
        self.plugins_menu = bar.addMenu(_tr(MENU_TITLES["Plugins"]))
        menus["Help"] = bar.addMenu(_tr(MENU_TITLES["Help"]))
        #: The top-level menus by their English names (plugins name them so, :meth:`add_menu_action`).
        self.menus = {name: menus[name] for name in ("File", "View", "Window", "Tools", "Help")}
        self.menus["Plugins"] = self.plugins_menu
        groups: dict[str, QActionGroup] = {}
        self.menu_actions: dict[str, QAction] = {}
        for spec in ACTIONS:
            if spec.menu not in menus:
                parent, _, name = spec.menu.rpartition("/")
                menus[spec.menu] = menus[parent].addMenu(_tr(MENU_TITLES.get(spec.menu, name)))
            menu = menus[spec.menu]
            if spec.separator:
                menu.addSeparator()
            shortcut = QKeySequence.StandardKey.Quit if spec.shortcut == "Quit" else spec.shortcut
            action = self._action(menu, action_text(spec), self._slot_of(spec), shortcut, checkable=spec.checkable)
            action.setChecked(spec.checked)
            if spec.group:
                groups.setdefault(spec.group, QActionGroup(self)).addAction(action)
            self.menu_actions[spec.ident] = action
            if spec.ident == "open_file":  # the recent studies follow the two ways of opening
                self.recent_menu = menu.addMenu(self.tr("Recent studies"))
                self._refresh_recent_menu()
            if spec.ident == "file_window":
                self.file_windows_menu = menu.addMenu(self.tr("File windows and VOI LUT"))
        self.mpr_action, self.crosshair_action = self.menu_actions["mpr"], self.menu_actions["crosshair"]
        self.sync_action, self.key_only_action = self.menu_actions["sync"], self.menu_actions["key_only"]
        self.cine_action = self.menu_actions["cine"]
        self.layout_actions = {name: self.menu_actions[f"layout_{name}"] for name, _text, _key in LAYOUT_TABLE}
        self.tool_actions = {tool: self.menu_actions[f"tool_{tool}"] for tool, _key, _text in TOOLS_TABLE}
        network = self.docks["Network"].toggleViewAction()
        network.setText(self.tr("Network: study store, PACS, receiver"))
        network.setShortcut(QKeySequence("Ctrl+Shift+N"))
        menus["View"].addSeparator()
        menus["View"].addAction(network)
        self._build_language_menu(menus["View"])

        toolbar = QToolBar(self.tr("Tools"))
        toolbar.setObjectName("tools")
        for tool in TOOLS:
            toolbar.addAction(self.tool_actions[tool])
        toolbar.addSeparator()
        toolbar.addAction(self.mpr_action)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" " + self.tr("Cine fps") + " "))
        self.fps = QSpinBox()
        self.fps.setRange(1, 60)
        self.fps.setValue(10)
        self.fps.valueChanged.connect(self._on_fps_value_changed)
        toolbar.addWidget(self.fps)
        toolbar.addAction(self.cine_action)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" " + self.tr("Slab") + " "))
        self.slab_mode = QComboBox()
        self.slab_mode.setToolTip(self.tr("Thick slab: maximum (MIP), minimum (MinIP) or mean intensity "
                                          "over the thickness, in every view"))
        self.slab_mode.addItem(self.tr("Off"), "")
        for mode in SLAB_MODES:
            self.slab_mode.addItem(SLAB_NAMES[mode], mode)
        self.slab_thickness = QDoubleSpinBox()
        self.slab_thickness.setRange(1.0, 200.0)
        self.slab_thickness.setSuffix(" mm")
        self.slab_thickness.setLocale(QLocale())  # the decimal separator of the interface's language
        self.slab_thickness.setValue(self.state.slab_mm)
        self.slab_mode.currentIndexChanged.connect(self._on_slab_changed)
        self.slab_thickness.valueChanged.connect(self._on_slab_changed)
        toolbar.addWidget(self.slab_mode)
        toolbar.addWidget(self.slab_thickness)
        self.addToolBar(toolbar)

    def _build_language_menu(self, view_menu) -> None:
        """View ▸ Language: the system's language or one of the translations; kept in the settings."""
        menu = view_menu.addMenu(self.tr("Language"))
        group = QActionGroup(self)
        chosen = chosen_language(self.settings)
        self.language_actions: dict[str, QAction] = {}
        for code, name in (("", self.tr("System language")), *LANGUAGES.items()):
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == chosen)
            action.triggered.connect(lambda _checked=False, c=code: self.choose_language(c))
            group.addAction(action)
            self.language_actions[code] = action

    def choose_language(self, language: str) -> None:
        """Keep ``language`` ("" for the system's) as the reader's choice; it applies on restart."""
        set_chosen_language(language, self.settings)
        self.show_status(self.tr("The language will change when Outpost is started again"))

    # ------------------------------------------------------------------ plugin context
    def current_series(self):
        """The series on screen (plugin API)."""
        return self.state.series

    def current_volume(self):
        """The volume on screen (plugin API)."""
        return self.state.volume

    def add_overlay(self, overlay) -> None:
        """Show an overlay on every view (plugin API)."""
        self.state.add_overlay(overlay)

    def remove_overlay(self, overlay) -> None:
        """Remove an overlay (plugin API)."""
        self.state.remove_overlay(overlay)

    def set_overlay_provenance(self, overlay, provenance: dict[str, Any]) -> None:
        """Say what made an overlay: ``pack``, ``version``, ``checksum``, ``date`` of an AI result (plugin API).

        The segment editor records it in what it saves from the overlay.
        """
        self._overlay_provenance = [(o, p) for o, p in self._overlay_provenance if o is not overlay]
        self._overlay_provenance.append((overlay, dict(provenance)))

    def overlay_provenance(self, overlay) -> dict[str, Any]:
        """What made ``overlay``, as the plugin that added it said (:meth:`set_overlay_provenance`); ``{}``."""
        return next((dict(provenance) for shown, provenance in self._overlay_provenance if shown is overlay), {})

    def annotation_file(self, overlay) -> str | None:
        """The SEG or structure set file an annotation overlay was read from (``None``: not from a file)."""
        return next((path for shown, path in self._annotation_files if shown is overlay), None)

    def annotation_files(self, with_results: bool = False) -> list[str]:
        """The annotation files read onto the series shown.

        ``with_results`` adds the SEGs saved beside the series' files (``outpost-results``: AI results
        and edits saved since it was opened).
        """
        paths = list(dict.fromkeys(path for _overlay, path in self._annotation_files))
        series = self.state.series
        if with_results and series is not None and series.first.source.is_file:
            beside = Path(series.first.source.path).parent / "outpost-results"
            paths += [str(p) for p in sorted(beside.glob("*/seg.dcm")) if str(p) not in paths]
        return paths

    def viewports_of_state(self) -> list[QtViewport]:
        """The viewports showing the main state (the views the segment editor draws in)."""
        shown = [*self.viewports.values(), *self.comparison.all_viewports]
        return [viewport for viewport in shown if viewport.state is self.state]

    @property
    def segment_editor(self):
        """The Segment editor dock's widget, built on first use.

        It is a :class:`viewer.qt.qt_segment_editor.QtSegmentEditor`.
        """
        if self._segment_editor is None:
            from viewer.qt.qt_segment_editor import QtSegmentEditor

            self._segment_editor = QtSegmentEditor(self)
            dock = self.add_dock("Segment editor", self._segment_editor, Qt.DockWidgetArea.RightDockWidgetArea)
            # A tab of the tallest panel beside the views: the AI panel's when there is one (editing follows it).
            beside = next((self.docks[name] for name in ("AI", "Measurements") if name in self.docks), None)
            if beside is not None:
                self.tabifyDockWidget(beside, dock)
        return self._segment_editor

    def show_segment_editor(self):
        """Show the Segment editor dock (View ▸ Segment editor)."""
        editor = self.segment_editor
        dock = self.docks["Segment editor"]
        dock.show()
        dock.raise_()
        return editor

    def segment_editing_changed(self, editing: bool) -> None:
        """While a segmentation is edited Ctrl+Y redoes (it resynchronises scrolling otherwise)."""
        resync, redo = self.menu_actions["resync"], self.menu_actions["redo_segment_edit"]
        for action in (self.menu_actions["undo_segment_edit"], redo):
            action.setEnabled(editing)
        resync.setShortcut(QKeySequence() if editing else QKeySequence("Ctrl+Y"))
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), *([QKeySequence("Ctrl+Y")] if editing else [])])

    def undo_segment_edit(self) -> None:
        """Undo the last segment edit (Ctrl+Z)."""
        if self._segment_editor is None or self._segment_editor.editor is None:
            self.show_status(self.tr("Nothing to undo: no segmentation is being edited"))
            return
        self._segment_editor.undo()

    def redo_segment_edit(self) -> None:
        """Redo the segment edit undone last (Ctrl+Shift+Z, or Ctrl+Y while editing)."""
        if self._segment_editor is not None and self._segment_editor.editor is not None:
            self._segment_editor.redo()

    def add_dock(self, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        """Add a dock panel (plugin API)."""
        dock = QDockWidget(_tr(title), self)  # shown translated; known by its English title
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    def add_menu_action(self, menu: str, text: str, callback: Callable[[], None],
                        shortcut: str | None = None) -> QAction:
        """Add an action to a top-level menu (plugin API)."""
        target = self.menus.get(menu) or next(
            (m.menu() for m in self.menuBar().actions() if m.text().replace("&", "") in (menu, _tr(menu))), None)
        if target is None:  # a plugin's own menu, named in English and shown translated
            target = self.menus[menu] = self.menuBar().addMenu(_tr(menu))
        return self._action(target, text, callback, shortcut)

    def show_status(self, text: str) -> None:
        """Show a status message (plugin API)."""
        self.statusBar().showMessage(text, 8000)

    def show_progress(self, done: int, total: int, text: str) -> None:
        """Show progress (plugin API)."""
        self.progress.setVisible(True)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{text} %v/%m")

    def run_job(self, function: Callable[..., Any], *args: Any, name: str = "",
                on_result: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Job:
        """Run ``function`` on a worker with progress and cancel (plugin API)."""
        job = Job(function, *args, name=name, **kwargs)
        job.signals.progress.connect(self.show_progress)
        if on_result is not None:
            job.signals.result.connect(on_result)
        job.signals.errored.connect(on_error or (lambda e, n=job.name: self.notify_error(f"{n}: {e}")))
        self._track(job)
        self._set_busy(True)
        return start_job(job)

    def on_series_changed(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(volume)`` when another series is shown (plugin API)."""
        self._series_callbacks.append(callback)

    def on_series_loaded(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(volume)`` when a series has finished loading (plugin API)."""
        self._loaded_callbacks.append(callback)

    def add_finding(self, algorithm: str, version: str, probabilities: dict[str, float] | None = None,
                    volumes_ml: dict[str, float] | None = None) -> None:
        """Record what an algorithm found on the series shown, for the DICOM SR report (plugin API).

        A later finding of the same algorithm replaces the earlier one; all are
        dropped when another series is shown.
        """
        self.findings[algorithm] = (version, dict(probabilities or {}), dict(volumes_ml or {}))

    def measurement_report(self):
        """The reader's measurements on acquired images and the AI findings, as a TID 1500 report."""
        return report_of(self.state.volume, self.state.measurements, self.findings)

    def save_report(self, path: str | Path) -> Path:
        """Write :meth:`measurement_report` as a DICOM SR referencing the series shown.

        Raises
        ------
        OutpostError
            Nothing to report, no DICOM series shown, or the SR cannot be made.
        """
        from viewer.core.dicom.layout import slice_files
        from viewer.export.sr import write_sr

        series, report = self.state.series, self.measurement_report()
        if series is None or self.state.volume is None:
            raise OutpostError("a report refers to a DICOM series: open one first")
        if not (report.lengths or report.rois or report.findings):
            raise OutpostError("nothing to report: measure on the axial images, or run a model, first")
        return write_sr(report, slice_files(series), path)

    def set_view_note(self, text: str) -> None:
        """Show one line at the top of every view, until the series changes; "" removes it (plugin API)."""
        self.state.set_view_note(text)

    def go_to_voxel(self, voxel_xyz) -> None:
        """Move the crosshair, and so every view, to a voxel ``(x, y, z)`` (plugin API)."""
        self.state.set_cursor(voxel_xyz)

    def plugin_options(self) -> dict[str, Any]:
        """Options given on the command line for plugins, e.g. ``{"pack": ..., "explain": ...}`` (plugin API)."""
        return dict(self._plugin_options)

    def _run_callbacks(self, callbacks: list[Callable[[Any], None]], volume) -> None:
        for callback in callbacks:
            try:
                callback(volume)
            except Exception as e:  # noqa: BLE001 - a plugin callback must not break viewing
                log.warning("plugin callback failed: %s", e)

    def _activate_plugins(self, loads: list[PluginLoad]) -> None:
        for load in loads:
            if load.plugin is not None:
                try:
                    load.plugin.activate(self)
                except Exception as e:  # noqa: BLE001 - a plugin must not take the viewer down
                    load.error = f"{type(e).__name__}: {e}"
                    load.plugin = None
            self.plugins.append(load)
            status = (self.tr("loaded") if load.plugin is not None
                      else self.tr("failed: {error}").format(error=load.error))
            action = QAction(f"{load.name} — {status}", self)
            action.setEnabled(False)
            self.plugins_menu.addAction(action)
            if load.plugin is None:
                self.show_status(self.tr("Plugin {name} was skipped: {error}").format(
                    name=load.name, error=load.error))
                log.warning("plugin %s skipped: %s", load.name, load.error)
        if not loads:
            empty = QAction(self.tr("No plugins installed"), self)
            empty.setEnabled(False)
            self.plugins_menu.addAction(empty)

    # ------------------------------------------------------------------ opening
    def open_paths(self, paths: list[str], series_key: str | None = None) -> Job:
        """Scan folders, files, zips or DICOMDIRs in the background, then show a series."""
        self.cancel_jobs()
        self._pending_series_key = series_key
        self._remember_recent(paths)
        self.show_status(self.tr("Reading headers…"))
        from viewer.core.dicom import scan  # pydicom costs 0.25 s: not before the window shows

        job = Job(scan, list(paths), name="scan")
        job.signals.progress.connect(self.show_progress)
        job.signals.result.connect(self._on_scan_result)
        job.signals.errored.connect(lambda e: self.notify_error(str(e)))
        self.scan_job = job
        self._track(job)
        self._set_busy(True)
        return start_job(job)

    def open_series(self, series) -> Job | None:
        """Show a series at once and fill it progressively in the background."""
        def before_show() -> None:
            self._cine_timer.stop()
            # Kept until the load ends, to go back to it if memory runs out part-way.
            self._shown_before = (self.state.volume, self.state.series)

        try:
            job = series_load_job(self.state, series, self.load_job, before_show)
        except OutpostError as e:
            self.notify_error(self.tr("Cannot show this series: {error}").format(error=e))
            return None
        if self.layout_name == "single":  # a sagittal series opens sagittal, a radiograph as taken
            self.active_viewport = self.native_viewport()
            self.set_layout("single")
        job.signals.progress.connect(self._on_load_progress)
        job.signals.result.connect(self._on_load_result)
        job.signals.errored.connect(self._on_load_error)
        job.signals.cancelled.connect(lambda: self.show_status(self.tr("Loading cancelled")))
        job.signals.finished.connect(lambda finished=job: self._on_load_finished(finished))
        self.load_job = job
        self._track(job)
        self._set_busy(True)
        return start_job(job)

    def cancel_jobs(self) -> None:
        """Cancel every running job (scan, load, plugin jobs)."""
        for job in self.jobs:
            if not job.done:
                job.cancel()

    def _on_scan_result(self, result) -> None:
        self.scan_result = result
        self.browser.show_scan(result)
        self.skipped.show_skipped(result.skipped)
        self.docks["Not shown"].setWindowTitle(
            self.tr("Not shown ({n})").format(n=QLocale().toString(len(result.skipped))))
        if not result.series:
            self.notify_error(self.tr("No images found in what was opened"))
            return
        series = None
        if self._pending_series_key:
            try:
                series = result.find_series(self._pending_series_key)
            except OutpostError as e:
                self.notify_error(str(e))
        if series is None:  # the newest study's largest series: today's study, not its prior opened beside it
            from viewer.model.priors import study_date

            # Images before segmentations: a SEG of a study has as many frames as the series it segments.
            series = max(result.series, key=lambda s: (s.modality != "SEG",
                                                       study_date(s.study.attributes.get("study_date"))
                                                       if s.study is not None else "", len(s.frames)))
        if self.open_series(series) is not None:
            hang_on_open(self, series)
        from viewer.core.dicom.load import preview_planes

        thumbnails = Job(preview_planes, list(result.series), name="thumbnails")
        thumbnails.signals.result.connect(self._on_thumbnails_result)
        self._track(thumbnails)
        start_job(thumbnails)

    def _on_thumbnails_result(self, planes: dict) -> None:
        for key, plane in planes.items():
            self.browser.set_thumbnail(key, plane)

    def _on_load_finished(self, job: Job) -> None:
        if job is self.load_job:  # not an older load that ended after this one began
            self._shown_before = (None, None)

    def _on_load_error(self, error: Exception) -> None:
        volume, series = self._shown_before
        if isinstance(error, OutOfMemoryError) and volume is not None:
            # Show the series from before rather than a half-filled one, and let the
            # failed volume's memory go (the job holds the loader until the next load).
            self.load_job = None
            self.state.set_volume(volume, series)
            gc.collect()
        self.notify_error(self.tr("Loading stopped: {error}").format(error=error))

    def _on_load_progress(self, done: int, total: int, text: str) -> None:
        self.show_progress(done, total, text)
        if done >= 1:
            self._refresh_automatic_window()
        if not self._repaint_timer.isActive():
            self._repaint_timer.start()

    def _refresh_automatic_window(self) -> None:
        refresh_automatic_window(self.state)

    def _on_load_result(self, volume) -> None:
        self.state.volume = volume  # the same object, possibly widened during the load
        self._refresh_automatic_window()
        self.state.pixels_changed.emit()
        self._restore_measurements(volume)
        series = self.state.series
        if series is not None:
            native = self.native_viewport().plane()
            if native is not None:
                self.browser.set_thumbnail(series.key, native.array, volume.metadata)
        warnings = "; ".join(volume.warnings)
        self.show_status(self.tr("Loaded") + (f" — {warnings}" if warnings else ""))
        self._run_callbacks(self._loaded_callbacks, volume)
        if series is not None and self.scan_result is not None:
            from viewer.core.dicom.annotations import annotation_candidates

            candidates = annotation_candidates(self.scan_result, series)
            if candidates:
                self.load_annotations(candidates, quiet=True)  # then offers back unsaved segment edits
            else:
                self._offer_segment_recovery(volume)
            self._mark_selected_key_images(volume)
            self.presentation.series_loaded(volume, series)

    def load_annotations(self, paths: list[str], quiet: bool = False) -> Job | None:
        """Read SEGs and RT Structure Sets onto the series shown, in the background, and show them.

        With ``quiet``, files that do not annotate this series are passed over
        without a message (they were only candidates from the same study).
        """
        volume = self.state.volume
        if volume is None:
            return None
        from viewer.core.dicom.annotations import read_annotation_files

        def show(found) -> None:
            overlays, problems = found
            if self.state.volume is not volume:
                return  # another series is on screen now
            for overlay, path in overlays:
                self._annotation_files.append((overlay, path))
                self.state.add_overlay(overlay)
            overlays = [overlay for overlay, _path in overlays]
            if quiet:
                self._offer_segment_recovery(volume)
            if overlays:
                hidden = sum(1 for o in overlays if isinstance(o, LabelOverlay)
                             and o.info and not any(info.visible for info in o.info.values()))
                self.show_status(self.tr("Showing {n} annotation layer(s): {names}").format(
                    n=len(overlays), names=", ".join(o.name for o in overlays))
                    + (" " + self.tr("({n} edited since: hidden, tick it in Overlays)").format(n=hidden)
                       if hidden else ""))
            if problems and not quiet:
                self.notify_error(self.tr("Not shown: {problems}").format(problems="; ".join(problems)))

        job = Job(read_annotation_files, list(paths), volume, name="annotations")
        job.signals.result.connect(show)
        job.signals.errored.connect(lambda e: self.notify_error(self.tr("Annotations: {error}").format(error=e)))
        self._track(job)
        return start_job(job)

    def _offer_segment_recovery(self, volume) -> None:
        """Offer back the unsaved segment edits of the series just opened, if a crash left some."""
        from viewer.model.edit_journal import pending_journals

        try:
            pending = pending_journals(volume.provenance.series_uid) if volume.provenance.series_uid else []
        except OSError as e:
            log.warning("cannot look for unsaved segment edits: %s", e)
            return
        if pending and self.state.volume is volume:
            self.recovery_box = self.segment_editor.offer_recovery(pending)

    def _track(self, job: Job) -> None:
        """Keep ``job`` in :attr:`jobs` until its last signal has been handled here."""
        job.signals.finished.connect(lambda finished=job: self._on_job_finished(finished))
        self.jobs.append(job)

    def _on_job_finished(self, job: Job) -> None:
        # Only the job whose "finished" arrived: another may be done on its thread
        # with its result still queued for this one.
        self.jobs = [other for other in self.jobs if other is not job]
        self._set_busy(bool(self.jobs))

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def notify_error(self, text: str) -> None:
        """Show an error to the user without blocking, and log it (never with patient data)."""
        self.last_error = text
        self.statusBar().showMessage(text, 15000)
        log.warning("user-facing error: %s", text)
        box = QMessageBox(QMessageBox.Icon.Warning, "Outpost", text, QMessageBox.StandardButton.Ok, self)
        box.setModal(False)
        box.show()
        self._error_box = box

    # ------------------------------------------------------------------ volume shown
    def _refresh_file_windows_menu(self) -> None:
        menu = self.file_windows_menu
        menu.clear()
        volume = self.state.volume
        if volume is None:
            menu.setEnabled(False)
            return
        for number, window in enumerate(file_windows(volume.metadata), start=1):
            action = menu.addAction(self.tr("Window {number}: W {width} / L {center}").format(
                number=number, width=f"{window.width:g}", center=f"{window.center:g}"))
            action.triggered.connect(lambda checked=False, w=window: self.state.set_window(w))
        if volume.metadata.get("voi_lut") is not None:
            menu.addAction("VOI LUT").triggered.connect(self.state.set_voi_lut)
        menu.setEnabled(not menu.isEmpty())

    def _on_state_volume_changed(self) -> None:
        volume = self.state.volume
        self.findings = {}
        self._annotation_files, self._overlay_provenance = [], []
        self._refresh_file_windows_menu()
        three_d = volume is not None and volume.shape_zyx[0] > 1
        self.mpr_action.setEnabled(three_d)
        if not three_d and self.layout_name == "mpr":
            self.set_layout("single")
        self._sync_slider()
        self._update_status_window()
        self._run_callbacks(self._series_callbacks, volume)

    def _sync_slider(self) -> None:
        viewport = self.active_viewport
        total = viewport.slice_total
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, total - 1))
        self.slider.setValue(viewport.slice_index if total else 0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(total > 1)

    def _on_slider_value_changed(self, value: int) -> None:
        self.active_viewport.set_slice(value)

    def _update_status_window(self) -> None:
        window = self.state.window
        self.window_label.setText(f"W {window.width:.0f} / L {window.center:.0f}")

    def _on_state_measurements_changed(self) -> None:
        self.measurement_panel.show_measurements(self.state.measurements)
        for viewport in self.viewports.values():
            viewport.update()
        if not self._restoring and self.state.series is not None and self.load_job is not None \
                and self.load_job.done:
            self._keep_timer.start()

    def _keep_measurements(self, wait: bool = False) -> None:
        """Keep the series' measurements as an SR in the user data folder, in the background."""
        from viewer.core.dicom.layout import slice_files

        volume, series = self.state.volume, self.state.series
        if volume is None or series is None:
            return

        def keep():
            return save_measurements(volume, measurements, slice_files(series))

        measurements = list(self.state.measurements)
        job = Job(keep, name="keep measurements")
        job.signals.errored.connect(
            lambda e: self.show_status(self.tr("Measurements not kept: {error}").format(error=e)))
        self._keep_job = job
        if wait:
            job.run()
        else:
            start_job(job)

    def _restore_measurements(self, volume) -> None:
        """Show the measurements kept for this series when it was last open."""
        kept = load_measurements(volume)
        if not kept:
            return
        self._restoring = True
        try:
            for measurement in kept:
                self.state.add_measurement(measurement)
        finally:
            self._restoring = False
        self.show_status(self.tr("{n} measurement(s) kept from the last reading shown").format(n=len(kept)))

    # ------------------------------------------------------------------ layout and tools
    def native_viewport(self) -> QtViewport:
        """The view of the plane the series was acquired in (any view for a projection image)."""
        volume = self.state.volume
        plane = acquisition_plane(volume) if volume is not None else "axial"
        return self.viewports.get(plane, self.viewports["axial"])

    def set_layout(self, name: str) -> None:
        """Show the layout ``name``.

        ``single`` (the active view alone), ``mpr`` (axial, coronal, sagittal), or ``1x2``, ``2x1``,
        ``2x2``: series side by side (see :mod:`viewer.qt.qt_comparison`).
        """
        self.layout_name = name
        comparing = name in LAYOUTS
        self.comparison.set_layout(name)  # the layout model knows every layout (single and mpr: one state)
        if comparing:
            if self.active_viewport not in self.comparison.viewports:
                self.active_viewport = self.comparison.viewports[0]
        elif self.active_viewport not in self.viewports.values() or (
                name == "single" and self.state.volume is not None and self.state.volume.shape_zyx[0] <= 1):
            self.active_viewport = self.native_viewport()
        self.comparison.setVisible(comparing)
        for viewport in self.viewports.values():
            viewport.setVisible(not comparing and (name == "mpr" or viewport is self.active_viewport))
            viewport.show_crosshair = name == "mpr" and self.crosshair_action.isChecked()
        self.mpr_action.setChecked(name == "mpr")
        for layout, action in getattr(self, "layout_actions", {}).items():
            action.setChecked(layout == name)
        self._mark_active_viewport()
        self._sync_slider()

    def viewport_number(self, viewport: QtViewport) -> int | None:
        """Which comparison viewport ``viewport`` is (0 shows the main series), or ``None``."""
        viewports = self.comparison.viewports if self.layout_name in LAYOUTS else []
        return viewports.index(viewport) if viewport in viewports else None

    def show_series_in(self, number: int, series) -> Job | None:
        """Show ``series`` in comparison viewport ``number`` (0: the main series, as when opened)."""
        if number == 0:
            return self.open_series(series)
        return self.comparison.load(number, series,
                                    on_error=lambda e: self.notify_error(
                                        self.tr("Cannot show this series: {error}").format(error=e)))

    def _on_series_activated(self, series) -> None:
        number = self.viewport_number(self.active_viewport)
        if number:
            self.show_series_in(number, series)
        elif self.open_series(series) is not None:
            hang_on_open(self, series)

    def _on_series_dropped(self, viewport: QtViewport, key: str) -> None:
        if self.scan_result is None:
            return
        try:
            series = self.scan_result.find_series(key)
        except OutpostError as e:
            self.notify_error(str(e))
            return
        self.active_viewport = viewport
        number = self.viewport_number(viewport)
        self.show_series_in(number or 0, series)

    def compare_with_prior(self) -> Job | None:
        """Show beside the series the matching one of the patient's latest earlier study.

        That series may be opened, stored, or on the configured PACS node, retrieved first (see
        :mod:`viewer.qt.qt_priors`).
        """
        series = self.state.series
        if series is None:
            self.notify_error(self.tr("Open a series first: its prior is looked for by the patient's ID"))
            return None
        from viewer.qt.qt_priors import prior_search

        return self.run_job(prior_search(self, series), name="prior", on_result=self._show_prior)

    def _show_prior(self, found) -> None:
        from viewer.qt.qt_priors import show_prior

        show_prior(self, found)

    def show_patient_studies(self):
        """List the patient's other studies (opened, stored, on the PACS); the reader opens one beside."""
        from viewer.qt.qt_priors import show_patient_studies

        self._patient_studies = show_patient_studies(self)
        return self._patient_studies

    def _on_toggle_sync(self, checked: bool) -> None:
        self.comparison.synchronised = checked  # back on, the offset set before is kept

    def _on_resynchronise(self) -> None:
        self.comparison.resynchronise()
        self.show_status(self.tr("Scrolling synchronised from the slices shown"))

    def set_tool(self, tool: str) -> None:
        """Choose what a left drag does in every view."""
        for viewport in self.viewports.values():
            viewport.cancel_drawing()
            viewport.tool = tool
        self.tool_actions[tool].setChecked(True)
        if self._segment_editor is not None:
            self._segment_editor.set_tool("")  # a measuring tool takes the left button back from the brush

    def apply_preset(self, name: str) -> None:
        """Apply a named window preset for the modality on screen."""
        presets = presets_for(self.state.volume.modality if self.state.volume is not None else "CT")
        if name in presets:
            self.state.set_window(presets[name])

    def show_audit_log(self):
        """The read-only audit log: studies opened, AI runs, exports, sends and receives."""
        from viewer.qt.qt_audit_dialog import QtAuditDialog

        self._audit_dialog = QtAuditDialog(self)
        self._audit_dialog.show()
        return self._audit_dialog

    def show_shortcuts(self) -> None:
        """Show the keyboard shortcuts."""
        self._shortcuts = QtShortcutsDialog(self)
        self._shortcuts.show()

    def show_tags(self) -> None:
        """Browse the DICOM tags of the image under the active view."""
        series = self.state.series
        if series is None:
            return
        import pydicom

        from viewer.core.dicom.layout import plan_layout

        layout = plan_layout(series)
        column = layout.grid[min(self.state.timepoint, len(layout.grid) - 1)]
        index = int(round(self.state.cursor[2]))
        instance = column[min(index, len(column) - 1)].instance
        with instance.source.open() as fp:
            dataset = pydicom.dcmread(fp, stop_before_pixels=True, force=True)
        self._tags = QtTagBrowser(dataset, os.path.basename(str(instance.source)), self)
        self._tags.show()

    def export_png(self, path: str | Path, from_screen: bool = False) -> None:
        """Save what the views show as a PNG, atomically.

        With ``from_screen`` the pixels are read back from the display server
        (what a reader actually sees) instead of being rendered from the widgets.
        """
        if from_screen:
            corner = self.view_area.mapToGlobal(self.view_area.rect().topLeft())
            picture = self.view_area.screen().grabWindow(0, corner.x(), corner.y(),
                                                          self.view_area.width(), self.view_area.height())
        else:
            picture = self.view_area.grab()
        with atomic_path(path) as temporary:
            if not picture.save(str(temporary), "PNG"):
                raise OutpostError(f"cannot write {path}")

    def active_viewport_actual_size(self) -> None:
        """1:1 in the active view."""
        self.active_viewport.set_actual_size()

    # ------------------------------------------------------------------ handlers
    def _on_open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a folder of DICOM files"))
        if folder:
            self.open_paths([folder])

    def _on_open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a DICOM file, .zip or DICOMDIR"))
        if path:
            self.open_paths([path])

    def _on_import_annotations(self) -> None:
        if self.state.volume is None:
            self.notify_error(
                self.tr("Open a series first: a segmentation or structure set is shown on its images"))
            return
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Import DICOM SEG or RT Structure Set"))
        if paths:
            self.load_annotations(paths)

    def show_export_dialog(self):
        """The export dialog for the series shown (``None`` when nothing is shown)."""
        if self.state.series is None:
            self.notify_error(self.tr("Open a series first"))
            return None
        from viewer.qt.qt_export_dialog import QtExportDialog

        dialog = QtExportDialog(self)
        dialog.setModal(False)
        dialog.show()
        return dialog

    # ------------------------------------------------------------------ key images
    def toggle_key_image(self) -> None:
        """Mark the acquired image at the crosshair as a key image, or unmark it."""
        if self.state.volume is None:
            return
        index = int(round(self.state.cursor[2]))
        self.state.set_key_image(index, index not in self.state.key_images)
        self.key_only_action.setChecked(self.state.key_images_only)
        count = len(self.state.key_images)
        text = (self.tr("Image {n} marked; {count} key image(s)") if index in self.state.key_images
                else self.tr("Image {n} unmarked; {count} key image(s)"))
        self.show_status(text.format(n=index + 1, count=count))

    def _on_key_images_only(self, checked: bool) -> None:
        self.state.set_key_images_only(checked)
        self.key_only_action.setChecked(self.state.key_images_only)
        if checked and not self.state.key_images_only:
            self.show_status(self.tr("No key image is marked (K marks the image on screen)"))
        elif self.state.key_images_only:
            self.native_viewport().scroll(0 if int(round(self.state.cursor[2])) in self.state.key_images else 1)

    def save_key_images(self, path: str | Path, description: str = "") -> Path:
        """Write the key images as a Key Object Selection document.

        Raises
        ------
        OutpostError
            No DICOM series shown, no key image marked, or the KOS cannot be made.
        """
        from viewer.core.dicom.layout import slice_files
        from viewer.export.kos import write_kos

        series = self.state.series
        if series is None or self.state.volume is None:
            raise OutpostError("key images belong to a DICOM series: open one first")
        files = slice_files(series)
        return write_kos([files[i] for i in sorted(self.state.key_images) if i < len(files)], path,
                         description=description)

    def _mark_selected_key_images(self, volume) -> None:
        """Mark the images that the study's key object selections (found in the scan) select."""
        from viewer.core.dicom.scan import KEY_OBJECT_KIND
        from viewer.export.kos import read_kos

        uids = volume.provenance.sop_instance_uids[:volume.shape_zyx[0]]
        index_of = {uid: i for i, uid in enumerate(uids) if uid}
        marked = 0
        for skipped in self.scan_result.skipped if self.scan_result is not None else []:
            if skipped.kind != KEY_OBJECT_KIND:
                continue
            try:
                selection = read_kos(skipped.path)
            except OutpostError:
                continue
            for uid in selection.sop_instance_uids:
                if uid in index_of:
                    self.state.set_key_image(index_of[uid], True)
                    marked += 1
        if marked:
            self.show_status(self.tr("{n} key image(s) from the study's key object selection; "
                                     "Shift+K shows only them").format(n=len(self.state.key_images)))

    def _on_save_key_images(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save key images (KOS)"), "outpost-key-images.dcm",
                                              "DICOM (*.dcm)")
        if path:
            try:
                self.save_key_images(path)
                self.show_status(self.tr("Saved {path}").format(path=path))
            except (OutpostError, OSError) as e:
                self.notify_error(str(e))

    def _on_save_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save report as DICOM SR"), "outpost-report.dcm",
                                              "DICOM (*.dcm)")
        if path:
            try:
                self.save_report(path)
                self.show_status(self.tr("Saved {path}").format(path=path))
            except (OutpostError, OSError) as e:
                self.notify_error(str(e))

    def _on_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export view as PNG"), "outpost-view.png",
                                              "PNG (*.png)")
        if path:
            try:
                self.export_png(path)
                self.show_status(self.tr("Saved {path}").format(path=path))
            except (OutpostError, OSError) as e:
                self.notify_error(str(e))

    def _on_toggle_layout(self) -> None:
        self.comparison.model.layout_by_hand = True  # the reader's choice: no hanging protocol on opening
        self.set_layout("mpr" if self.layout_name != "mpr" else "single")

    def _on_toggle_crosshair(self) -> None:
        for viewport in self.viewports.values():
            viewport.show_crosshair = self.crosshair_action.isChecked()
            viewport.update()

    def _on_viewport_activated(self, viewport: QtViewport) -> None:
        self.active_viewport = viewport
        self._sync_slider()

    def _on_viewport_double_clicked(self, viewport: QtViewport) -> None:
        self.active_viewport = viewport
        if self.layout_name in LAYOUTS:
            return
        self.set_layout("single" if self.layout_name == "mpr" else "mpr")

    def _on_viewport_tool_finished(self) -> None:
        self.measurement_panel.show_measurements(self.state.measurements)

    def _on_measurement_go_to(self, measurement) -> None:
        viewport = self.viewports[measurement.view]
        self.active_viewport = viewport
        viewport.set_slice(measurement.index)

    def _on_delete_measurement(self) -> None:
        selected = self.measurement_panel.selected_id()
        if selected is None and self.state.measurements:
            selected = self.state.measurements[-1].id
        if selected is not None:
            self.state.remove_measurement(selected)

    def _on_escape(self) -> None:
        self.set_tool("window")

    def _on_invert(self) -> None:
        self.state.set_invert(not self.state.invert)

    def _on_reset(self) -> None:
        volume = self.state.volume
        if volume is not None:
            self.state.set_window(default_window(volume.array, volume.metadata))
            self.state.invert = volume.photometric == "MONOCHROME1"
        self._each_view(lambda v: v.reset_view())

    def _on_file_window(self) -> None:
        volume = self.state.volume
        if volume is not None:
            self.state.set_window(default_window(volume.array, volume.metadata))

    def _each_view(self, function: Callable[[QtViewport], None]) -> None:
        for viewport in self.viewports.values():
            function(viewport)

    def _flip_h(self) -> None:
        self.active_viewport.flip_h = not self.active_viewport.flip_h
        self.active_viewport.update()

    def _flip_v(self) -> None:
        self.active_viewport.flip_v = not self.active_viewport.flip_v
        self.active_viewport.update()

    def _step_time(self, step: int) -> None:
        volume = self.state.volume
        if volume is not None and volume.is_4d:
            self.state.set_timepoint((self.state.timepoint + step) % volume.n_timepoints)

    def _on_toggle_cine(self) -> None:
        if self.cine_action.isChecked():
            self._cine_timer.start(int(1000 / self.fps.value()))
        else:
            self._cine_timer.stop()

    def _on_slab_changed(self, *_args) -> None:
        for state in self.comparison.model.states:
            state.set_slab(self.slab_mode.currentData() or "", self.slab_thickness.value())

    def _on_fps_value_changed(self, fps: int) -> None:
        if self._cine_timer.isActive():
            self._cine_timer.start(int(1000 / fps))

    def _on_cine_timer_timeout(self) -> None:
        volume = self.state.volume
        if volume is None:
            return
        if volume.is_4d:
            self._step_time(1)
        else:
            viewport = self.active_viewport
            viewport.set_slice((viewport.slice_index + 1) % max(1, viewport.slice_total))

    # ------------------------------------------------------------------ recent and drops
    def _remember_recent(self, paths: list[str]) -> None:
        entry = os.pathsep.join(str(Path(p).resolve()) for p in paths)
        recent = [r for r in self.recent_studies() if r != entry]
        self.settings.setValue("recent", [entry, *recent][:RECENT_LIMIT])
        self._refresh_recent_menu()

    def recent_studies(self) -> list[str]:
        """The recently opened paths, newest first."""
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.recent_studies():
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda checked=False, e=entry: self.open_paths(e.split(os.pathsep)))
        self.recent_menu.setEnabled(bool(self.recent_studies()))

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        """Accept a drag that carries files or folders."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        """Open the local files and folders dropped on the window."""
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.open_paths(paths)

    def closeEvent(self, event) -> None:  # noqa: N802
        """Keep unsaved measurements, cancel the jobs and let them end, then close."""
        if self._keep_timer.isActive():  # a change not yet kept: keep it now
            self._keep_timer.stop()
            self._keep_measurements(wait=True)
        self.cancel_jobs()
        self.network_panel.close()
        # Let cancelled work end before the interpreter does: a worker still importing torch
        # when Python shuts down makes torch print errors from its finalizers.
        QThreadPool.globalInstance().waitForDone(JOB_EXIT_WAIT_MS)
        super().closeEvent(event)


"""The AI panel: the catalogue of model packs, their cards, run and cancel, results, attention maps.

It shows the trust signals too.

The catalogue (:mod:`ai.packs.catalogue`) is a tree: modality › body part › packs, with the
columns name, where (bundled, installed, file), licence, size and status; the packs that suit the
series on screen come first and are marked. A pack offered as a file (the ``extra-packs`` folder
beside the program, or a folder the user chose, kept in the viewer's settings) is installed from
there through the usual flow (:mod:`ai.qt.qt_pack_install`: checked in the worker, trust asked for
what needs it).

Everything slow (listing packs, which builds their networks; inference;
explanations) runs as a viewer job on a worker thread. torch, monai and captum
are imported there, on first use, never on the GUI thread at start-up.
Inference and explanations go one step further, into the worker process of
:class:`ai.isolation.IsolatedEngine`: a crash in native code there ends that
process, not the viewer. The process is started while the packs are listed and
stopped when the viewer's window closes.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ai.errors import WorkerCrashedError
from ai.explain import METHOD_TITLES
from ai.isolation import IsolatedEngine
from ai.packs.card import NOT_FOR_DIAGNOSIS, model_card, needs_diagnostic_banner
from ai.packs.catalogue import (
    FILE,
    READY,
    REFUSED,
    CatalogueItem,
    build_catalogue,
    group_catalogue,
    offered_packs_dirs,
    read_offered,
)
from ai.qt.qt_i18n import noop as _n
from ai.qt.qt_i18n import number
from ai.qt.qt_i18n import translate as _tr
from ai.qt.qt_pack_install import make_install_button, offer_install
from ai.suitability import input_verdict
from viewer.core.overlays import HeatmapOverlay, LabelOverlay, label_statistics
from viewer.core.tasks import lower_thread_priority
from viewer.core.translatable import Message

log = logging.getLogger(__name__)

#: The viewer's setting that remembers the folder of offered packs the user chose.
OFFERED_SETTING = "ai/offered_packs_folder"
#: The catalogue's columns (shown translated).
COLUMNS = (_n("Name"), _n("Where"), _n("Licence"), _n("Size"), _n("Status"))
#: The model card's headings (:data:`ai.packs.card.CARD_FIELDS`, with the site threshold's) and the banner,
#: marked for translation: the card shows them in the interface's language.
CARD_HEADINGS = (_n("Task"), _n("Version"), _n("Authors"), _n("Intended use"), _n("Training data"),
                 _n("Published metrics"), _n("Checked here"), _n("References"), _n("Licence"),
                 _n("Site threshold"), _n("not stated"), _n("Not for diagnostic use"))
#: The catalogue's words for where a pack is, its state and an unnamed group (:mod:`ai.packs.catalogue`),
#: shown translated (:func:`_word`).
CATALOGUE_WORDS = {"bundled": _n("bundled"), "installed": _n("installed"), "file": _n("file"),
                   "ready": _n("ready"), "needs trust": _n("needs trust"), "refused": _n("refused"),
                   "any": _n("any"), "any modality": _n("any modality")}
#: Shown for a result whose pack records no statistics of its training inputs (:data:`NOT_CHECKED`).
NOT_CHECKED_TEXT = _n("input not checked against the training data")
#: Between the findings of the input check (French puts a space before the semicolon).
LIST_SEPARATOR = _n("; ")
#: The units of a pack's size (:func:`viewer.core.files.format_size`'s), shown translated (French: "Mio").
SIZE_UNITS = (_n("B"), _n("KiB"), _n("MiB"), _n("GiB"))


def _message(text: str) -> str:
    """``text`` in the interface's language where it is a :class:`~viewer.core.translatable.Message`.

    Sentences made outside the Qt layer (the input check, the model card's site threshold) are messages:
    their template is translated, their values are not (modality codes, numbers, names), except values that
    are messages themselves.
    """
    if not isinstance(text, Message):
        return text
    separator = _tr(LIST_SEPARATOR)  # viewer.core.translatable.SEPARATOR in English
    values = {k: separator.join(_message(v) for v in value) if isinstance(value, tuple)
              else _message(value) if isinstance(value, Message) else value
              for k, value in text.values.items()}
    template = text.template
    source = QCoreApplication.translate(template.context, template.text) if template.context else template.text
    try:
        return source.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder: the English sentence
        return template.text.format(**values)


#: How much of a licence a tooltip shows (the card shows it all).
LICENCE_TOOLTIP_CHARACTERS = 1500
SUITED_MARK = "✓ "
#: How wide the catalogue asks to be (pixels): its columns, and no more of the views' room.
CATALOGUE_WIDTH = 480
#: The narrowest the name column gets when the columns are fitted to the catalogue's width.
NAME_WIDTH = 150
_NAVIGATION_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home,
                    Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Return, Qt.Key.Key_Enter,
                    Qt.Key.Key_Space}


# --------------------------------------------------------------------------- worker functions (no Qt)
@dataclass
class Listing:
    """What the listing job found: the stores' packs, the device inference will use, the packs offered.

    The packs offered are files (:func:`ai.packs.catalogue.read_offered`).
    """

    entries: list
    device: str
    offered: list = field(default_factory=list)


@dataclass
class Outcome:
    """A finished run: the pack, the engine's result and its label statistics."""

    pack: Any
    result: Any
    statistics: dict = field(default_factory=dict)


def list_packs(store=None, engine: IsolatedEngine | None = None, offered: tuple = ()) -> Listing:
    """Every pack with its status (building each network), the device in use, and the offered files.

    With ``engine`` the networks are built in its worker process, which imports
    torch and MONAI once for this and for the runs that follow: the viewer's own
    process never imports them, and a pack whose network crashes while it loads
    costs the worker, not the viewer. The packs in the ``offered`` folders are read
    here (metadata and licence only: nothing is unpacked, built or run).
    """
    lower_thread_priority()  # and so torch's threads, started from this one: the screen comes first
    from ai.packs.store import PackStore

    store = store or PackStore()
    files = read_offered(offered)
    if engine is None:
        from ai.inference import device_summary

        return Listing(store.entries(check_network=True), device_summary(), files)
    entries = store.entries(check_network=False)
    try:
        device = engine.check_entries(entries)
    except WorkerCrashedError as e:  # a network that crashes as it loads: list the packs unchecked
        return Listing(entries, f"not known ({e})", files)
    return Listing(entries, device, files)


def run_pack(volume, pack, progress=None, cancel=None, engine: IsolatedEngine | None = None) -> Outcome:
    """Run ``pack`` on ``volume`` (in ``engine``'s worker process, if given) and measure each label."""
    lower_thread_priority()  # and so torch's threads, started from this one: the screen comes first
    if engine is not None:
        result = engine.run(volume, pack, progress=progress, cancel=cancel)
    else:
        from ai.inference import run

        result = run(volume, pack, progress=progress, cancel=cancel)
    statistics = label_statistics(result.labels, volume.spacing) if result.labels is not None else {}
    return Outcome(pack, result, statistics)


def load_previous_result(folder, volume, cancel=None) -> tuple:
    """A saved result's arrays on ``volume``'s grid, its summary and its label statistics."""
    lower_thread_priority()  # and so torch's threads, started from this one: the screen comes first
    from ai.results import load_previous

    labels, heat, summary = load_previous(folder, volume)
    statistics = label_statistics(labels, volume.spacing) if labels is not None else {}
    return labels, heat, summary, statistics


def explain_result(volume, pack, result, method, target, progress=None, cancel=None,
                   engine: IsolatedEngine | None = None):
    """The attention map of ``result`` for ``target`` (in ``engine``'s worker process, if given)."""
    lower_thread_priority()  # and so torch's threads, started from this one: the screen comes first
    if engine is not None:
        return engine.explain(volume, pack, result, method, target=target, cancel=cancel, progress=progress)
    from ai.explain import explain

    return explain(volume, pack, result, method, target=target, cancel=cancel, progress=progress)


# --------------------------------------------------------------------------- the catalogue tree
class PackItem(QTreeWidgetItem):
    """A pack's row of the catalogue tree; its :class:`~ai.packs.catalogue.CatalogueItem` is its user data.

    Also answers the one-argument forms of the list it replaced (``data(role)`` and ``toolTip()`` read
    the name column), so code written for that list keeps working.
    """

    def data(self, *args):  # noqa: D102 - QTreeWidgetItem.data, plus data(role) for column 0
        return super().data(0, args[0]) if len(args) == 1 else super().data(*args)

    def toolTip(self, column: int = 0) -> str:  # noqa: N802 - Qt's name
        """The tooltip of ``column`` (the name column by default)."""
        return super().toolTip(column)


class CatalogueTree(QTreeWidget):
    """The catalogue: modality › body part › packs, with a row-number view of its packs.

    ``count()``, ``item(row)`` and ``setCurrentRow(row)`` address the packs in the order shown
    (group rows left out), as the list it replaced did.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels([_tr(column) for column in COLUMNS])
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        self.setRootIsDecorated(True)
        self.setIndentation(10)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # pack names differ at both ends
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAccessibleName(self.tr("Model pack catalogue"))
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)  # see fit_columns
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self._packs: list[PackItem] = []

    def fit_columns(self) -> None:
        """Give the name column what the other columns leave, but at least :data:`NAME_WIDTH`.

        Its names are elided where they must be; a narrow dock scrolls sideways to the rest.
        """
        others = sum(max(self.sizeHintForColumn(c), self.header().sectionSizeHint(c))
                     for c in range(1, len(COLUMNS)))
        wanted = max(self.sizeHintForColumn(0), self.header().sectionSizeHint(0))
        self.header().resizeSection(0, max(NAME_WIDTH, min(wanted, self.viewport().width() - others)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Fit the columns to the new width."""
        super().resizeEvent(event)
        self.fit_columns()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """:data:`CATALOGUE_WIDTH` wide: the dock opens wide enough for the columns where the window allows.

        The packs are listed after the window is laid out, so their own widths come too late.
        """
        return QSize(CATALOGUE_WIDTH, super().sizeHint().height())

    def event(self, event) -> bool:
        """Keep the navigation keys while the catalogue has the focus.

        The viewer's window binds Up, Down, Home, End, Left and Right to slices and time points, which
        would otherwise take them.
        """
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _NAVIGATION_KEYS and \
                event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            event.accept()
            return True
        return super().event(event)

    def clear(self) -> None:
        """Remove every row."""
        self._packs = []
        super().clear()

    def add_pack(self, parent: QTreeWidgetItem, item: PackItem) -> None:
        """Add a pack's row under ``parent`` (its order among the packs is the order of these calls)."""
        parent.addChild(item)
        self._packs.append(item)

    def packs(self) -> list[PackItem]:
        """The packs' rows in the order shown."""
        return list(self._packs)

    def count(self) -> int:
        """How many packs are shown."""
        return len(self._packs)

    def item(self, row: int) -> PackItem | None:
        """The ``row``-th pack's row (group rows not counted)."""
        return self._packs[row] if 0 <= row < len(self._packs) else None

    def setCurrentRow(self, row: int) -> None:  # noqa: N802 - the list's name
        """Select the ``row``-th pack."""
        item = self.item(row)
        if item is not None:
            self.setCurrentItem(item)
            self.scrollToItem(item)


# --------------------------------------------------------------------------- the panel
class AIPanel(QWidget):
    """The dock panel of the AI plugin.

    Parameters
    ----------
    context
        The viewer's plugin context (see :mod:`viewer.plugins`).
    store
        The pack store (tests pass one on temporary folders).
    """

    def __init__(self, context, store=None) -> None:
        super().__init__()
        self.context, self.store = context, store
        self.volume = None
        self.listing: Listing | None = None
        self.outcome: Outcome | None = None
        self.heatmap = None
        self.label_overlay: LabelOverlay | None = None
        self.heat_overlay: HeatmapOverlay | None = None
        self.job = None
        self._running = None  # the job whose ``finished`` signal has not been handled yet
        self.queue: list[tuple[str, Callable[[], Any]]] = []
        self.last_error = ""
        self._job_started = 0.0
        self._listing_started = False
        self._auto = dict(context.plugin_options()) if hasattr(context, "plugin_options") else {}
        self._warnings: dict[tuple[str, str], list[str]] = {}  # for self.volume
        self.catalogue: list[CatalogueItem] = []
        settings = getattr(context, "settings", None)
        self.settings = settings if isinstance(settings, QSettings) else QSettings("Outpost", "Outpost")
        self.install_dialog = None
        self.engine = IsolatedEngine()  # started while the packs are listed
        if isinstance(context, QObject):
            context.installEventFilter(self)  # its Close ends the worker process
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.banner = QLabel(_tr(NOT_FOR_DIAGNOSIS).upper())
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet("background:#7a1010; color:white; font-weight:bold; padding:4px;")
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        self.pack_list = CatalogueTree()
        self.pack_list.setMinimumHeight(150)
        self.pack_list.setMaximumHeight(340)
        self.pack_list.currentItemChanged.connect(lambda *_: self._on_pack_selected())
        self.pack_list.itemActivated.connect(lambda *_: self._on_pack_activated())
        self.catalogue_label = QLabel(self.tr("Model packs (suited to this series first, marked ✓)"))
        self.catalogue_label.setBuddy(self.pack_list)
        layout.addWidget(self.catalogue_label)
        layout.addWidget(self.pack_list, 10)  # the room the panel has to spare goes to the catalogue first

        self.card = QTextBrowser()
        self.card.setMaximumHeight(170)
        self.card.setOpenExternalLinks(False)
        layout.addWidget(self.card)

        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color:#ffb347;")
        self.warning.setVisible(False)
        layout.addWidget(self.warning)

        controls = QHBoxLayout()
        self.run_button = QPushButton(self.tr("Run"))
        self.run_button.setToolTip(self.tr("Run the selected model on this series (Ctrl+Shift+R)"))
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop the AI job (Ctrl+Shift+X)"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.install_offered_button = QPushButton(self.tr("Install…"))
        self.install_offered_button.setToolTip(self.tr("Install the selected pack from its file: it is checked "
                                                       "first, and you are asked to trust it where it needs trust "
                                                       "(Enter)"))
        self.install_offered_button.clicked.connect(self.install_selected)
        self.install_offered_button.setVisible(False)
        controls.addWidget(self.run_button)
        controls.addWidget(self.install_offered_button)
        controls.addWidget(self.cancel_button)
        layout.addLayout(controls)

        self.device_label = QLabel(self.tr("Device: looking…"))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.device_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Structure"), self.tr("Volume (mL)"), self.tr("Slices")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.cellClicked.connect(self._on_row_clicked)
        self.table.setVisible(False)
        layout.addWidget(self.table)

        self.volumetry_label = QLabel()
        self.volumetry_label.setWordWrap(True)
        self.volumetry_label.setVisible(False)
        layout.addWidget(self.volumetry_label)
        self.volumetry = QTableWidget(0, 5)
        self.volumetry.setHorizontalHeaderLabels([self.tr("Structure"), self.tr("Left mL"), self.tr("Right mL"),
                                                  self.tr("Total mL"), self.tr("% ICV")])
        self.volumetry.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.volumetry.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.volumetry.setAccessibleName(self.tr("Volumetry"))
        self.volumetry.setVisible(False)
        layout.addWidget(self.volumetry)

        self.probabilities = QTableWidget(0, 2)
        self.probabilities.setHorizontalHeaderLabels([self.tr("Class"), self.tr("Probability")])
        self.probabilities.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.probabilities.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.probabilities.setVisible(False)
        layout.addWidget(self.probabilities)

        explain = QGridLayout()
        self.method = QComboBox()
        for key, title in METHOD_TITLES.items():
            self.method.addItem(title, key)
        self.target = QComboBox()
        self.explain_button = QPushButton(self.tr("Explain"))
        self.explain_button.setToolTip(self.tr("Compute the attention map of the result (Ctrl+Shift+E)"))
        self.explain_button.clicked.connect(self.explain)
        explain.addWidget(QLabel(self.tr("Attention")), 0, 0)
        explain.addWidget(self.method, 0, 1)
        explain.addWidget(QLabel(self.tr("for")), 1, 0)
        explain.addWidget(self.target, 1, 1)
        explain.addWidget(self.explain_button, 2, 1)
        layout.addLayout(explain)

        previous = QHBoxLayout()
        self.previous_box = QComboBox()
        self.previous_button = QPushButton(self.tr("Show"))
        self.previous_button.setToolTip(self.tr("Show a result saved earlier for this series"))
        self.previous_button.clicked.connect(self.show_previous)
        previous.addWidget(QLabel(self.tr("Earlier")))
        previous.addWidget(self.previous_box, 1)
        previous.addWidget(self.previous_button)
        self.previous_row = QWidget()
        self.previous_row.setLayout(previous)
        self.previous_row.setVisible(False)
        layout.addWidget(self.previous_row)

        self.save_button = QPushButton(self.tr("Save result…"))
        self.save_button.setToolTip(self.tr("Write result.json, labels, DICOM SEG and heatmap"))
        self.save_button.clicked.connect(lambda: self.save())
        layout.addWidget(self.save_button)
        self.install_button = make_install_button(self)  # "Install pack…": provenance first
        layout.addWidget(self.install_button)

        self.provenance = QLabel()
        self.provenance.setWordWrap(True)
        self.provenance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.provenance.setStyleSheet("color:#9aa0a6; font-size:11px;")
        layout.addWidget(self.provenance)
        layout.addStretch(1)
        self._update_buttons()

    # ------------------------------------------------------------------ series
    def series_changed(self, volume) -> None:
        """Another series is on screen (still loading): forget the last result."""
        self.cancel()
        self.volume = None
        self._warnings = {}
        self.outcome, self.heatmap = None, None
        self.label_overlay = self.heat_overlay = None  # the viewer drops overlays with the series
        self._show_outcome()
        self._refresh_list()

    def series_loaded(self, volume) -> None:
        """The series has loaded: list (once) and filter the models, run what the command line asked."""
        self.volume = volume
        self._warnings = {}
        self._offer_previous()
        if self.listing is None:
            self._list()
        else:
            self._refresh_list()
            self._auto_run()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        """Stop the worker process when the viewer's window closes (a running job ends as cancelled)."""
        if watched is self.context and event.type() == QEvent.Type.Close:
            self.engine.close()
        return False

    def _list(self) -> None:
        if self._listing_started:
            return
        self._listing_started = True
        self.status.setText(self.tr("Reading model packs…"))
        self._start("list", list_packs, self.store, self.engine, tuple(offered_packs_dirs(self.offered_folder())),
                    name=self.tr("AI: reading model packs"), on_result=self._on_listing)

    def reload_packs(self) -> None:
        """Read the packs again (after one was installed)."""
        self._listing_started = False
        self._list()

    def _on_listing(self, listing: Listing) -> None:
        self.listing = listing
        self.device_label.setText(self.tr("Device: {device}").format(device=listing.device))
        self.status.setText("")
        self._refresh_list()
        self._auto_run()

    def _auto_run(self) -> None:
        wanted = self._auto.pop("pack", None)
        if not wanted or self.volume is None:
            return
        if not any(wanted in (e.name, str(e.path)) for e in self.listing.entries) and Path(wanted).is_dir():
            from ai.packs.store import examine

            self.listing.entries.append(examine(Path(wanted), "command line", check_network=False))
            self._refresh_list()
        for row in range(self.pack_list.count()):
            entry = self.pack_list.item(row).data(Qt.ItemDataRole.UserRole)
            if wanted in (entry.name, str(entry.path)):
                self.pack_list.setCurrentRow(row)
                self.run()
                return
        self._fail(self.tr("No model pack named {name}").format(name=repr(wanted)))

    def _offer_previous(self) -> None:
        from ai.results import previous_results

        series = self.context.current_series()
        self.previous_box.clear()
        for folder, summary in previous_results(series) if series is not None else []:
            p = summary.get("provenance", {})
            self.previous_box.addItem(f"{p.get('pack', '?')} {p.get('version', '')} · {p.get('date', '')}", folder)
        self.previous_row.setVisible(self.previous_box.count() > 0)

    def show_previous(self) -> None:
        """Show the saved result chosen in the "Earlier" list."""
        folder = self.previous_box.currentData()
        if folder is not None:
            self.show_saved(folder)

    def show_saved(self, folder: str | Path) -> None:
        """Show the result saved in ``folder`` (result.json, labels, heatmap) on the series on screen.

        It is read in the background with progress (the worklist opens a batch's series this way).
        """
        if self.volume is None:
            return
        self._start("previous", load_previous_result, Path(folder), self.volume,
                    name=self.tr("AI: reading a saved result"), on_result=self._on_previous)

    def _on_previous(self, loaded: tuple) -> None:
        from ai.inference import Result

        labels, heat, summary, statistics = loaded
        if self.volume is None or (labels is not None and labels.shape != self.volume.shape_zyx):
            return
        names = {int(k): v for k, v in (summary.get("label_names") or {}).items()}
        result = Result(task=summary.get("task", "segmentation"), labels=labels,
                        probabilities=summary.get("probabilities"), label_names=names,
                        volumes_ml=summary.get("volumes_ml", {}), timings=summary.get("timings", {}),
                        device=summary.get("device", ""), notes=summary.get("notes", []),
                        provenance=summary.get("provenance", {}))
        wanted = result.provenance.get("pack")
        entries = self.listing.entries if self.listing else []
        pack = next((e.pack for e in entries if e.pack is not None and e.name == wanted), None)
        self._on_outcome(Outcome(pack, result, statistics), saved=True)
        if heat is not None:
            from ai.explain import Heatmap

            explanation = summary.get("explanation", {})
            self._on_heatmap(Heatmap(values=heat, method=explanation.get("method", ""),
                                     target=explanation.get("target", "")))

    # ------------------------------------------------------------------ models
    def _reason(self, item: CatalogueItem | None) -> str:
        """Why ``item`` cannot run on the series now ("" when it can)."""
        if item is None:
            return ""
        if item.status != READY or item.pack is None and item.location != FILE:
            return item.reason or item.status
        unsuitable = _message(item.unsuitable_reason(self.volume)) if self.volume is not None else ""
        if item.location == FILE:
            offered = self.tr("{name} is offered as a file and not installed: choose Install… (it is checked "
                              "first)").format(name=item.name)
            return f"{unsuitable}; {offered}" if unsuitable else offered
        return unsuitable

    def _catalogue(self) -> list[CatalogueItem]:
        """The catalogue of the packs listed (the stores' and the offered files')."""
        if self.listing is None:
            return []
        return build_catalogue(entries=self.listing.entries, offered_items=self.listing.offered)

    def _refresh_list(self) -> None:
        selected = self.selected_item()
        wanted = (selected.name, selected.location, str(selected.path)) if selected is not None else None
        self.catalogue = self._catalogue()
        tree = self.pack_list
        tree.blockSignals(True)
        tree.clear()
        bold = QFont(tree.font())
        bold.setBold(True)
        grey = QBrush(QColor("#777777"))
        for group in group_catalogue(self.catalogue, self.volume):
            modality = QTreeWidgetItem([self._group_title(group.title, len(group.items), group.suited)])
            modality.setFont(0, bold)
            modality.setFirstColumnSpanned(True)
            tree.addTopLevelItem(modality)
            modality.setFirstColumnSpanned(True)
            for part in group.parts:
                body = QTreeWidgetItem([self._group_title(part.title, len(part.items), part.suited)])
                modality.addChild(body)
                body.setFirstColumnSpanned(True)
                for item in part.items:
                    row = self._pack_row(item)
                    if item.suits(self.volume):
                        row.setFont(0, bold)
                    elif self._reason(item) and item.location != FILE or item.status == REFUSED:
                        for column in range(len(COLUMNS)):
                            row.setForeground(column, grey)
                    tree.add_pack(body, row)
                body.setExpanded(True)
            modality.setExpanded(True)
        tree.blockSignals(False)
        tree.fit_columns()
        rows = tree.packs()
        keys = [(r.data(Qt.ItemDataRole.UserRole).name, r.data(Qt.ItemDataRole.UserRole).location,
                 str(r.data(Qt.ItemDataRole.UserRole).path)) for r in rows]
        if wanted is not None and wanted in keys:
            tree.setCurrentRow(keys.index(wanted))
        else:  # the first pack that can run on the series, if any
            runnable = [i for i, r in enumerate(rows) if not self._reason(r.data(Qt.ItemDataRole.UserRole))]
            if runnable:
                tree.setCurrentRow(runnable[0])
        self._on_pack_selected()

    def _group_title(self, title: str, count: int, suited: int) -> str:
        title = _word(title)
        packs = (self.tr("{n} pack") if count == 1 else self.tr("{n} packs")).format(n=count)
        suited_text = self.tr("{n} suited").format(n=suited) if suited and self.volume is not None else ""
        return f"{title} · {packs}" + (f", {suited_text}" if suited_text else "")

    def _pack_row(self, item: CatalogueItem) -> PackItem:
        suited = item.suits(self.volume)
        name = f"{SUITED_MARK if suited else ''}{item.name}"  # the version is in the card
        row = PackItem([name, _word(item.location), item.licence, _size(item.size_bytes), _word(item.status)])
        row.setData(0, Qt.ItemDataRole.UserRole, item)
        reason = self._reason(item)
        if reason:
            row.setToolTip(0, reason)
        elif item.entry is not None and item.entry.status == "unverified":
            row.setToolTip(0, self.tr("no checksums: its files cannot be verified"))
        if suited:
            row.setData(0, Qt.ItemDataRole.AccessibleDescriptionRole, self.tr("suits this series"))
        licence = item.licence_text.strip() or item.licence
        if len(licence) > LICENCE_TOOLTIP_CHARACTERS:
            licence = (licence[:LICENCE_TOOLTIP_CHARACTERS] + "\n… "
                       + self.tr("(the full text is in the model card)"))
        row.setToolTip(2, licence)
        where = str(item.path) + ("\n" + self.tr("unpacks to {size}").format(size=_size(item.unpacked_bytes))
                                  if item.unpacked_bytes else "")
        row.setToolTip(1, where)
        row.setToolTip(3, where)
        if item.reason:
            row.setToolTip(4, item.reason)
        row.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return row

    def selected_item(self) -> CatalogueItem | None:
        """The :class:`~ai.packs.catalogue.CatalogueItem` selected (``None``: nothing, or a group row)."""
        row = self.pack_list.currentItem()
        return row.data(0, Qt.ItemDataRole.UserRole) if isinstance(row, PackItem) else None

    def selected_entry(self):
        """The :class:`~ai.packs.store.PackEntry` selected (``None``: a group row, or a pack offered as a file)."""
        item = self.selected_item()
        return item.entry if item is not None else None

    def _on_pack_selected(self) -> None:
        item = self.selected_item()
        self.install_offered_button.setVisible(item is not None and item.location == FILE)
        self.install_offered_button.setEnabled(item is not None and item.location == FILE
                                               and item.status != REFUSED)
        if item is None:
            self.card.setHtml(f"<i>{html.escape(self.tr('No model selected'))}</i>" if self.listing else "")
            self.banner.setVisible(False)
            self.warning.setVisible(False)
            self._update_buttons()
            return
        rows = "".join(f"<tr><td><b>{html.escape(_tr(k))}</b></td>"
                       f"<td>{html.escape(_tr(v) if v == 'not stated' else _message(v))}</td></tr>"
                       for k, v in model_card(item.metadata, item.pack))
        reason = self._reason(item) if item.location != FILE else "; ".join(
            r for r in (item.reason, _message(item.unsuitable_reason(self.volume)) if self.volume is not None
                        else "") if r)
        note = f"<p style='color:#ffb347'>{html.escape(reason)}</p>" if reason else ""
        where = {FILE: self.tr("offered as a file, not installed (Install… checks it first)")}.get(
            item.location, _word(item.location))
        size = _size(item.size_bytes)
        facts = (f"<p>{html.escape(where)} · {html.escape(size)} · {html.escape(_word(item.status))}"
                 f"<br><small>{html.escape(str(item.path))}</small></p>")
        if item.pack is not None:
            state = self.tr("verified") if item.entry.status == "ok" else item.entry.status
            checksum = "<p>" + html.escape(self.tr("Checksum {checksum}… ({state})").format(
                checksum=item.pack.checksum[:16], state=state)) + "</p>"
        else:
            checksum = (f"<p>{html.escape(self.tr('Checksums are verified when it is installed'))}</p>"
                        if item.location == FILE else "")
        licence = item.licence_text.strip()
        licence_html = (f"<h4>{html.escape(self.tr('Licence: {licence}').format(licence=item.licence))}</h4>"
                        f"<pre style='white-space:pre-wrap'>{html.escape(licence)}</pre>") if licence else ""
        self.card.setHtml(f"<h3>{html.escape(item.name)}</h3>{note}{facts}<table>{rows}</table>{checksum}"
                          f"{licence_html}")
        self.banner.setVisible(needs_diagnostic_banner(item.metadata))
        verdict = (item.verdict(self.volume, self._distribution_warnings(item))
                   if self.volume is not None and item.metadata and item.status != REFUSED else None)
        shown = verdict is not None and verdict.needs_attention
        self.warning.setText(_message(verdict.text) if verdict is not None and shown else "")
        self.warning.setVisible(shown)
        self._update_buttons()

    def _on_pack_activated(self) -> None:
        """Enter (or a double click) on a pack offered as a file offers to install it."""
        item = self.selected_item()
        if item is not None and item.location == FILE:
            self.install_selected()

    def install_selected(self) -> None:
        """Install the selected pack offered as a file, through the usual flow (checked first, trust asked)."""
        item = self.selected_item()
        if item is None or item.location != FILE:
            return
        if item.status == REFUSED:
            self._fail(f"{item.name} cannot be installed: {item.reason}")
            return
        offer_install(self, item.path)

    def offered_folder(self) -> str:
        """The folder of offered packs the user chose ("" when none), from the viewer's settings."""
        return str(self.settings.value(OFFERED_SETTING, "") or "")

    def set_offered_folder(self, folder: str | Path) -> None:
        """Remember ``folder`` as the user's folder of offered packs and read its packs again."""
        self.settings.setValue(OFFERED_SETTING, str(folder))
        self.settings.sync()
        self._start("offered", read_offered, tuple(offered_packs_dirs(self.offered_folder())),
                    name=self.tr("AI: reading the offered packs"), on_result=self._on_offered)

    def _on_offered(self, offered: list) -> None:
        if self.listing is not None:
            self.listing.offered = offered
            self._refresh_list()

    def _distribution_warnings(self, pack) -> list[str]:
        """The out-of-distribution checks of ``pack`` (a pack or a catalogue item) on the series.

        Computed once per series and pack (the intensity check reads up to two million voxels: not on
        every click).
        """
        if isinstance(pack, CatalogueItem) and pack.pack is not None:
            pack = pack.pack  # the same key as the run's
        key = (pack.name, getattr(pack, "checksum", None) or str(getattr(pack, "path", "")))
        if key not in self._warnings:
            if isinstance(pack, CatalogueItem):
                self._warnings[key] = pack.distribution_warnings(self.volume)
            else:
                from ai.suitability import distribution_warnings

                self._warnings[key] = distribution_warnings(self.volume, pack)
        return self._warnings[key]

    def _update_buttons(self) -> None:
        item = self.selected_item()
        runnable = item is not None and self.volume is not None and not self._reason(item)
        self.run_button.setEnabled(runnable)
        busy = self.job is not None and not self.job.done
        self.cancel_button.setEnabled(busy)
        self.explain_button.setEnabled(self.outcome is not None and self.outcome.pack is not None
                                       and self.target.count() > 0)
        self.save_button.setEnabled(self.outcome is not None)

    # ------------------------------------------------------------------ jobs
    def _start(self, kind: str, function, *args, name: str, on_result, **kwargs) -> None:
        """Start a job now, or queue it behind the running one."""
        def launch():
            job = self.job = self._running = self.context.run_job(
                function, *args, name=name, on_result=on_result, on_error=self._on_error, **kwargs)
            self._job_started = time.monotonic()
            job.signals.progress.connect(self._on_progress)
            job.signals.cancelled.connect(lambda: self.status.setText(self.tr("Cancelled; nothing was changed")))
            job.signals.finished.connect(lambda: self._on_finished(job))
            self.progress.setVisible(True)
            self.progress.setRange(0, 0)  # busy until the first progress report
            self.status.setText(f"{name}…")
            self._update_buttons()

        # Busy until the running job's ``finished`` has been handled here, not merely until its thread set
        # ``done``: otherwise that late signal would launch the next queued job beside this one.
        if self._running is not None:
            self.queue.append((name, launch))
            self.status.setText(self.tr("{n} waiting: {names}").format(
                n=len(self.queue), names=", ".join(n for n, _ in self.queue)))
        else:
            launch()

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        elapsed = time.monotonic() - self._job_started
        left = (", " + self.tr("about {seconds} s left").format(seconds=number(elapsed / done * (total - done)))
                if 0 < done < total else "")
        self.progress.setFormat(f"{text} %v/%m{left}")

    def _on_finished(self, job) -> None:
        if job is not self._running:
            return
        self._running = None
        self.progress.setVisible(False)
        self._update_buttons()
        if self.queue:
            _, launch = self.queue.pop(0)
            launch()

    def _on_error(self, error: BaseException) -> None:
        from viewer.core.errors import OutpostError

        message = str(error) or type(error).__name__
        if not isinstance(error, OutpostError | MemoryError):  # AIError is an OutpostError
            message = self.tr("the model failed ({error}): {message}").format(error=type(error).__name__,
                                                                             message=message)
        if isinstance(error, MemoryError) or "out of memory" in message.lower():
            message = self.tr("not enough memory for this model: {message}").format(message=message)
        self._fail(message)

    def _fail(self, message: str) -> None:
        self.last_error = message
        self.status.setText(f"<span style='color:#ff6b6b'>{html.escape(message)}</span>")
        self.context.show_status(self.tr("AI: {message}").format(message=message))

    def cancel(self) -> None:
        """Stop the running AI job and drop the queued ones."""
        self.queue.clear()
        if self.job is not None and not self.job.done:
            self.job.cancel()

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        """Run the selected pack on the series."""
        item = self.selected_item()
        if item is None or self.volume is None:
            return
        reason = self._reason(item)
        if reason:
            self._fail(reason)
            return
        self._start("run", run_pack, self.volume, item.pack,
                    name=self.tr("AI: {message}").format(message=item.name),
                    on_result=self._on_outcome, engine=self.engine)

    def _on_outcome(self, outcome: Outcome, saved: bool = False) -> None:
        if self.volume is None or outcome.result.labels is not None and \
                outcome.result.labels.shape != self.volume.shape_zyx:
            return  # the series changed meanwhile
        self.outcome, self.heatmap = outcome, None
        self._drop_overlays()
        result = outcome.result
        if outcome.pack is not None and not saved:
            verdict = input_verdict(self.volume, outcome.pack, self._distribution_warnings(outcome.pack))
            result.provenance["input_check"] = verdict.provenance()
        if result.labels is not None:
            self.label_overlay = LabelOverlay.from_names(
                result.labels, {v: n for v, n in result.label_names.items() if v != 0},
                self._colors(), present=list(outcome.statistics), name=f"AI: {self._pack_name()}")
            self.context.add_overlay(self.label_overlay)
            if hasattr(self.context, "set_overlay_provenance"):  # what the segment editor records of its source
                self.context.set_overlay_provenance(self.label_overlay, result.provenance)
        self._show_outcome()
        if hasattr(self.context, "add_finding"):
            self.context.add_finding(self._pack_name(), str(result.provenance.get("version", "")),
                                     result.probabilities, result.volumes_ml)
        if saved:
            self.context.show_status(
                self.tr("AI: showing the saved result of {pack}").format(pack=self._pack_name()))
            return
        self.context.show_status(self.tr("AI: {pack} finished on {device} in {seconds} s").format(
            pack=self._pack_name(), device=result.device, seconds=number(result.timings.get("total", 0), 1)))
        method = self._auto.pop("explain", None)
        if method:
            self.method.setCurrentIndex(max(0, self.method.findData(method)))
            self.explain()

    def _colors(self) -> dict:
        pack = self.outcome.pack if self.outcome else None
        return pack.label_colors() if pack is not None else {}

    def _pack_name(self) -> str:
        return str(self.outcome.result.provenance.get("pack", "")) if self.outcome else ""

    def _drop_overlays(self) -> None:
        for overlay in (self.label_overlay, self.heat_overlay):
            if overlay is not None:
                self.context.remove_overlay(overlay)
        self.label_overlay = self.heat_overlay = None

    def _show_outcome(self) -> None:
        outcome = self.outcome
        result = outcome.result if outcome else None
        self.table.setRowCount(0)
        self.probabilities.setRowCount(0)
        self.target.clear()
        segmentation = result is not None and result.labels is not None
        self.table.setVisible(segmentation)
        self.probabilities.setVisible(result is not None and bool(result.probabilities))
        if segmentation:
            colors = self._colors()
            for value, stats in sorted(outcome.statistics.items()):
                name = result.label_names.get(value, f"label {value}")
                row = self.table.rowCount()
                self.table.insertRow(row)
                swatch = QTableWidgetItem(name)
                color = colors.get(value) or (self.label_overlay.info[value].color
                                              if self.label_overlay and value in self.label_overlay.info else None)
                if color is not None:
                    swatch.setBackground(QColor(*color, 90))
                swatch.setData(Qt.ItemDataRole.UserRole, value)
                self.table.setItem(row, 0, swatch)
                self.table.setItem(row, 1, QTableWidgetItem(number(stats.volume_ml, 1)))
                self.table.setItem(row, 2, QTableWidgetItem(f"{stats.first_slice + 1}-{stats.last_slice + 1}"))
                self.target.addItem(name, name)
        if result is not None and result.probabilities:
            from ai.batch.calibration import screening_verdict  # the site's threshold, else the pack's

            verdict = screening_verdict(outcome.pack, result) if outcome.pack is not None else ""
            for name, probability in result.probabilities.items():
                row = self.probabilities.rowCount()
                self.probabilities.insertRow(row)
                self.probabilities.setItem(row, 0, QTableWidgetItem(name))
                self.probabilities.setItem(row, 1, QTableWidgetItem(number(probability, 3)))
                self.target.addItem(name, name)
            self.probabilities.setToolTip(verdict)
            self._threshold_text = verdict
        else:
            self._threshold_text = ""
        self._show_volumetry(getattr(result, "volumetry", None) if result is not None else None)
        self.provenance.setText(self._provenance_text())
        self._update_note()
        self._update_buttons()

    def _show_volumetry(self, volumetry: Any) -> None:
        """The result's volumetry table (structure, left, right, total mL, % ICV), when it carries one."""
        self.volumetry.setRowCount(0)
        rows = volumetry.get("rows") if isinstance(volumetry, dict) else None
        shown = isinstance(rows, list) and bool(rows)
        self.volumetry.setVisible(shown)
        self.volumetry_label.setVisible(shown)
        if not shown:
            return
        icv, source = volumetry.get("icv_ml"), str(volumetry.get("icv_source") or self.tr("not stated"))
        icv_text = f"{number(icv)} mL" if _is_number(icv) else self.tr("not known")
        self.volumetry_label.setText(self.tr("Volumetry: intracranial volume {icv} (from {source})").format(
            icv=icv_text, source=source))
        for row in rows:
            if not isinstance(row, dict):
                continue
            index = self.volumetry.rowCount()
            self.volumetry.insertRow(index)
            values = [str(row.get("structure", "")), _ml(row.get("left_ml")), _ml(row.get("right_ml")),
                      _ml(row.get("total_ml")), _ml(row.get("percent_icv"), "{:.2f}")]
            for column, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if column:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.volumetry.setItem(index, column, cell)

    def _update_note(self) -> None:
        """One line over the views: what the model said, what the map shows, how far to trust it."""
        if not hasattr(self.context, "set_view_note"):
            return
        if self.outcome is None:
            self.context.set_view_note("")
            return
        result, parts = self.outcome.result, [self.tr("AI {pack}").format(pack=self._pack_name())]
        if result.probabilities:
            top, probability = next(iter(result.probabilities.items()))
            parts.append(f"{top} {probability:.2f}")
        elif self.outcome.statistics:
            parts.append(self.tr("{n} structures").format(n=len(self.outcome.statistics)))
        if self.heatmap is not None:
            parts.append(f"{METHOD_TITLES.get(self.heatmap.method, self.heatmap.method)}: {self.heatmap.target}")
        pack = self.outcome.pack
        if pack is not None and self.volume is not None and self._distribution_warnings(pack):
            parts.append(self.tr("out of distribution"))
        if pack is None or needs_diagnostic_banner(pack.metadata):
            parts.append(self.tr("not for diagnostic use"))
        self.context.set_view_note(" · ".join(parts))

    def _provenance_text(self) -> str:
        if self.outcome is None:
            return ""
        p = self.outcome.result.provenance
        text = (f"{p.get('pack')} {p.get('version')} · checksum {str(p.get('checksum', ''))[:12]}… · "
                f"{self.outcome.result.device} · {p.get('date')} · series {p.get('series_uid') or 'without UID'}")
        if getattr(self, "_threshold_text", ""):
            text += f" · {self._threshold_text}"
        if self.heatmap is not None:
            text += f" · attention: {METHOD_TITLES.get(self.heatmap.method)} for {self.heatmap.target}"
        check = p.get("input_check")
        if isinstance(check, dict) and not check.get("checked"):
            text += f" · {_tr(NOT_CHECKED_TEXT)}"
        return text

    def _on_row_clicked(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is None or self.outcome is None:
            return
        stats = self.outcome.statistics.get(item.data(Qt.ItemDataRole.UserRole))
        if stats is not None:
            self.context.go_to_voxel(stats.centre_xyz)

    # ------------------------------------------------------------------ explain
    def explain(self) -> None:
        """Compute the chosen attention map for the chosen label or class."""
        if self.outcome is None or self.outcome.pack is None or self.volume is None:
            return
        method = self.method.currentData()
        target = self.target.currentData()
        self._start("explain", explain_result, self.volume, self.outcome.pack, self.outcome.result, method,
                    target, name=self.tr("AI: {message}").format(message=METHOD_TITLES[method]),
                    on_result=self._on_heatmap, engine=self.engine)

    def _on_heatmap(self, heatmap) -> None:
        if self.volume is None or heatmap.values.shape != self.volume.shape_zyx:
            return
        if self.heat_overlay is not None:
            self.context.remove_overlay(self.heat_overlay)
        self.heatmap = heatmap
        self.heat_overlay = HeatmapOverlay(values=heatmap.values, method=METHOD_TITLES.get(heatmap.method, ""),
                                           target=heatmap.target, name=f"AI: {heatmap.method}")
        self.context.add_overlay(self.heat_overlay)
        self.provenance.setText(self._provenance_text())
        self._update_note()

    # ------------------------------------------------------------------ save
    def save(self, folder: Path | None = None) -> Path | None:
        """Save the result (and heatmap) with the engine's writers; returns the folder.

        By default beside the study's files, or in the user's data folder when
        the study's folder cannot be written (a CD, a read-only share).
        """
        if self.outcome is None or self.volume is None or self.outcome.pack is None:
            return None
        from ai.results import result_folders, save_result
        from viewer.core.errors import OutpostError

        series = self.context.current_series()
        if folder is not None:
            choices = [Path(folder)]
        elif series is not None:
            choices = result_folders(series, self.outcome.pack.name)
        else:
            self._fail(self.tr("a picture that is not a DICOM series has no study folder to save beside"))
            return None
        failure = ""
        for choice in choices:
            try:
                summary = save_result(choice, self.volume, series, self.outcome.pack, self.outcome.result,
                                      self.heatmap)
            except (OSError, OutpostError) as e:
                failure = str(e)
                continue
            note = (" " + self.tr("(no SEG: {error})").format(error=summary["files"]["seg_error"])
                    if "seg_error" in summary["files"] else "")
            self.context.show_status(self.tr("AI result saved in {folder}").format(folder=choice) + note)
            self._offer_previous()
            return choice
        self._fail(self.tr("could not save the result: {error}").format(error=failure))
        return None


def _word(value: str) -> str:
    """A word of the catalogue (:data:`CATALOGUE_WORDS`) in the interface's language; anything else as it is."""
    return _tr(CATALOGUE_WORDS[value]) if value in CATALOGUE_WORDS else value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _ml(value: Any, pattern: str = "{:.1f}") -> str:
    """A volumetry value as the table shows it ("—" where the atlas has none)."""
    return pattern.format(float(value)) if _is_number(value) else "—"


def _size(size: float | None) -> str:
    """A byte count as :func:`viewer.core.files.format_size` says it, in the locale's numbers and units."""
    if size is None:
        return "?"
    for unit in SIZE_UNITS:
        if size < 1024 or unit == SIZE_UNITS[-1]:
            return f"{number(size, 0 if unit == SIZE_UNITS[0] else 1)} {_tr(unit)}"
        size /= 1024
    return "?"


__all__ = ["AIPanel", "CatalogueTree", "Listing", "Outcome", "PackItem", "explain_result", "list_packs",
           "load_previous_result", "run_pack"]

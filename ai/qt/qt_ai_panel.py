"""The AI panel: suitable models, their cards, run and cancel, results, attention maps and trust signals.

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

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ai.errors import WorkerCrashedError
from ai.explain import METHOD_TITLES
from ai.isolation import IsolatedEngine
from ai.packs.card import NOT_FOR_DIAGNOSIS, model_card, needs_diagnostic_banner
from ai.qt.qt_pack_install import make_install_button
from ai.suitability import NOT_CHECKED, distribution_warnings, input_verdict, unsuitable_reason
from viewer.core.overlays import HeatmapOverlay, LabelOverlay, label_statistics
from viewer.core.tasks import lower_thread_priority

log = logging.getLogger(__name__)



# --------------------------------------------------------------------------- worker functions (no Qt)
@dataclass
class Listing:
    """What the listing job found: the packs and the device inference will use."""

    entries: list
    device: str


@dataclass
class Outcome:
    """A finished run: the pack, the engine's result and its label statistics."""

    pack: Any
    result: Any
    statistics: dict = field(default_factory=dict)


def list_packs(store=None, engine: IsolatedEngine | None = None) -> Listing:
    """Every pack with its status (building each network), and the device in use.

    With ``engine`` the networks are built in its worker process, which imports
    torch and MONAI once for this and for the runs that follow: the viewer's own
    process never imports them, and a pack whose network crashes while it loads
    costs the worker, not the viewer.
    """
    lower_thread_priority()  # and so torch's threads, started from this one: the screen comes first
    from ai.packs.store import PackStore

    store = store or PackStore()
    if engine is None:
        from ai.inference import device_summary

        return Listing(store.entries(check_network=True), device_summary())
    entries = store.entries(check_network=False)
    try:
        device = engine.check_entries(entries)
    except WorkerCrashedError as e:  # a network that crashes as it loads: list the packs unchecked
        return Listing(entries, f"not known ({e})")
    return Listing(entries, device)


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
        self.queue: list[tuple[str, Callable[[], Any]]] = []
        self.last_error = ""
        self._job_started = 0.0
        self._listing_started = False
        self._auto = dict(context.plugin_options()) if hasattr(context, "plugin_options") else {}
        self._warnings: dict[tuple[str, str], list[str]] = {}  # for self.volume
        self.engine = IsolatedEngine()  # started while the packs are listed
        if isinstance(context, QObject):
            context.installEventFilter(self)  # its Close ends the worker process
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.banner = QLabel(NOT_FOR_DIAGNOSIS.upper())
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet("background:#7a1010; color:white; font-weight:bold; padding:4px;")
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        self.pack_list = QListWidget()
        self.pack_list.setMaximumHeight(120)
        self.pack_list.currentItemChanged.connect(lambda *_: self._on_pack_selected())
        layout.addWidget(QLabel("Models for this series"))
        layout.addWidget(self.pack_list)

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
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Run the selected model on this series (Ctrl+Shift+R)")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the AI job (Ctrl+Shift+X)")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        layout.addLayout(controls)

        self.device_label = QLabel("Device: looking…")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.device_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Structure", "Volume (mL)", "Slices"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.cellClicked.connect(self._on_row_clicked)
        self.table.setVisible(False)
        layout.addWidget(self.table)

        self.probabilities = QTableWidget(0, 2)
        self.probabilities.setHorizontalHeaderLabels(["Class", "Probability"])
        self.probabilities.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.probabilities.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.probabilities.setVisible(False)
        layout.addWidget(self.probabilities)

        explain = QGridLayout()
        self.method = QComboBox()
        for key, title in METHOD_TITLES.items():
            self.method.addItem(title, key)
        self.target = QComboBox()
        self.explain_button = QPushButton("Explain")
        self.explain_button.setToolTip("Compute the attention map of the result (Ctrl+Shift+E)")
        self.explain_button.clicked.connect(self.explain)
        explain.addWidget(QLabel("Attention"), 0, 0)
        explain.addWidget(self.method, 0, 1)
        explain.addWidget(QLabel("for"), 1, 0)
        explain.addWidget(self.target, 1, 1)
        explain.addWidget(self.explain_button, 2, 1)
        layout.addLayout(explain)

        previous = QHBoxLayout()
        self.previous_box = QComboBox()
        self.previous_button = QPushButton("Show")
        self.previous_button.setToolTip("Show a result saved earlier for this series")
        self.previous_button.clicked.connect(self.show_previous)
        previous.addWidget(QLabel("Earlier"))
        previous.addWidget(self.previous_box, 1)
        previous.addWidget(self.previous_button)
        self.previous_row = QWidget()
        self.previous_row.setLayout(previous)
        self.previous_row.setVisible(False)
        layout.addWidget(self.previous_row)

        self.save_button = QPushButton("Save result…")
        self.save_button.setToolTip("Write result.json, labels, DICOM SEG and heatmap")
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
        self.status.setText("Reading model packs…")
        self._start("list", list_packs, self.store, self.engine, name="AI: reading model packs",
                    on_result=self._on_listing)

    def reload_packs(self) -> None:
        """Read the packs again (after one was installed)."""
        self._listing_started = False
        self._list()

    def _on_listing(self, listing: Listing) -> None:
        self.listing = listing
        self.device_label.setText(f"Device: {listing.device}")
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
        self._fail(f"No model pack named {wanted!r}")

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
        if folder is None or self.volume is None:
            return
        self._start("previous", load_previous_result, folder, self.volume, name="AI: reading a saved result",
                    on_result=self._on_previous)

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
    def _reason(self, entry) -> str:
        if entry.status in ("unavailable", "refused"):
            return f"{entry.status}: {entry.reason}"
        if self.volume is not None and entry.pack is not None:
            return unsuitable_reason(self.volume, entry.pack)
        return ""

    def _refresh_list(self) -> None:
        selected = self.selected_entry()
        self.pack_list.blockSignals(True)
        self.pack_list.clear()
        entries = self.listing.entries if self.listing else []
        ranked = sorted(entries, key=lambda e: (bool(self._reason(e)), e.name))
        for entry in ranked:
            reason = self._reason(entry)
            version = entry.pack.version if entry.pack is not None else ""
            item = QListWidgetItem(f"{entry.name} {version}".strip() + (f"  ({entry.location})"))
            item.setData(Qt.ItemDataRole.UserRole, entry)
            if reason:
                item.setForeground(QBrush(QColor("#777777")))
                item.setToolTip(reason)
            elif entry.status == "unverified":
                item.setToolTip("no checksums: its files cannot be verified")
            self.pack_list.addItem(item)
        self.pack_list.blockSignals(False)
        names = [self.pack_list.item(r).data(Qt.ItemDataRole.UserRole).name for r in range(self.pack_list.count())]
        if selected is not None and selected.name in names:
            self.pack_list.setCurrentRow(names.index(selected.name))
        elif names and not self._reason(self.pack_list.item(0).data(Qt.ItemDataRole.UserRole)):
            self.pack_list.setCurrentRow(0)
        self._on_pack_selected()

    def selected_entry(self):
        """The :class:`~ai.packs.store.PackEntry` selected, or ``None``."""
        item = self.pack_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _on_pack_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.card.setHtml("<i>No model selected</i>" if self.listing else "")
            self.banner.setVisible(False)
            self.warning.setVisible(False)
            self._update_buttons()
            return
        metadata = entry.pack.metadata if entry.pack is not None else {}
        rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
                       for k, v in model_card(metadata))
        note = f"<p style='color:#ffb347'>{html.escape(self._reason(entry))}</p>" if self._reason(entry) else ""
        checksum = entry.pack.checksum[:16] if entry.pack is not None else ""
        self.card.setHtml(f"<h3>{html.escape(entry.name)}</h3>{note}<table>{rows}</table>"
                          f"<p>Checksum {checksum}… ({'verified' if entry.status == 'ok' else entry.status})</p>")
        self.banner.setVisible(needs_diagnostic_banner(metadata))
        verdict = (input_verdict(self.volume, entry.pack, self._distribution_warnings(entry.pack))
                   if self.volume is not None and entry.pack is not None else None)
        shown = verdict is not None and verdict.needs_attention
        self.warning.setText(verdict.text if shown else "")
        self.warning.setVisible(shown)
        self._update_buttons()

    def _distribution_warnings(self, pack) -> list[str]:
        """The out-of-distribution checks of ``pack`` on the series, computed once per series and pack
        (the intensity check reads up to two million voxels: not on every click)."""
        key = (pack.name, pack.checksum)
        if key not in self._warnings:
            self._warnings[key] = distribution_warnings(self.volume, pack)
        return self._warnings[key]

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        runnable = entry is not None and self.volume is not None and not self._reason(entry)
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
            self.job = self.context.run_job(function, *args, name=name, on_result=on_result,
                                            on_error=self._on_error, **kwargs)
            self._job_started = time.monotonic()
            self.job.signals.progress.connect(self._on_progress)
            self.job.signals.cancelled.connect(lambda: self.status.setText("Cancelled; nothing was changed"))
            self.job.signals.finished.connect(self._on_finished)
            self.progress.setVisible(True)
            self.progress.setRange(0, 0)  # busy until the first progress report
            self.status.setText(f"{name}…")
            self._update_buttons()

        if self.job is not None and not self.job.done:
            self.queue.append((name, launch))
            self.status.setText(f"{len(self.queue)} waiting: " + ", ".join(n for n, _ in self.queue))
        else:
            launch()

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        elapsed = time.monotonic() - self._job_started
        left = f", about {elapsed / done * (total - done):.0f} s left" if 0 < done < total else ""
        self.progress.setFormat(f"{text} %v/%m{left}")

    def _on_finished(self) -> None:
        self.progress.setVisible(False)
        self._update_buttons()
        if self.queue:
            _, launch = self.queue.pop(0)
            launch()

    def _on_error(self, error: BaseException) -> None:
        from viewer.core.errors import OutpostError

        message = str(error) or type(error).__name__
        if not isinstance(error, OutpostError | MemoryError):  # AIError is an OutpostError
            message = f"the model failed ({type(error).__name__}): {message}"
        if isinstance(error, MemoryError) or "out of memory" in message.lower():
            message = f"not enough memory for this model: {message}"
        self._fail(message)

    def _fail(self, message: str) -> None:
        self.last_error = message
        self.status.setText(f"<span style='color:#ff6b6b'>{html.escape(message)}</span>")
        self.context.show_status(f"AI: {message}")

    def cancel(self) -> None:
        """Stop the running AI job and drop the queued ones."""
        self.queue.clear()
        if self.job is not None and not self.job.done:
            self.job.cancel()

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        """Run the selected pack on the series."""
        entry = self.selected_entry()
        if entry is None or self.volume is None:
            return
        reason = self._reason(entry)
        if reason:
            self._fail(reason)
            return
        self._start("run", run_pack, self.volume, entry.pack, name=f"AI: {entry.name}",
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
        self._show_outcome()
        if hasattr(self.context, "add_finding"):
            self.context.add_finding(self._pack_name(), str(result.provenance.get("version", "")),
                                     result.probabilities, result.volumes_ml)
        if saved:
            self.context.show_status(f"AI: showing the saved result of {self._pack_name()}")
            return
        self.context.show_status(f"AI: {self._pack_name()} finished on {result.device} in "
                                 f"{result.timings.get('total', 0):.1f} s")
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
                self.table.setItem(row, 1, QTableWidgetItem(f"{stats.volume_ml:.1f}"))
                self.table.setItem(row, 2, QTableWidgetItem(f"{stats.first_slice + 1}-{stats.last_slice + 1}"))
                self.target.addItem(name, name)
        if result is not None and result.probabilities:
            threshold = outcome.pack.outpost.get("threshold") if outcome.pack is not None else None
            for name, probability in result.probabilities.items():
                row = self.probabilities.rowCount()
                self.probabilities.insertRow(row)
                mark = "  ≥ threshold" if threshold is not None and probability >= float(threshold) else ""
                self.probabilities.setItem(row, 0, QTableWidgetItem(name))
                self.probabilities.setItem(row, 1, QTableWidgetItem(f"{probability:.3f}{mark}"))
                self.target.addItem(name, name)
            if threshold is not None:
                self.probabilities.setHorizontalHeaderLabels(["Class", f"Probability (threshold {threshold})"])
        self.provenance.setText(self._provenance_text())
        self._update_note()
        self._update_buttons()

    def _update_note(self) -> None:
        """One line over the views: what the model said, what the map shows, how far to trust it."""
        if not hasattr(self.context, "set_view_note"):
            return
        if self.outcome is None:
            self.context.set_view_note("")
            return
        result, parts = self.outcome.result, [f"AI {self._pack_name()}"]
        if result.probabilities:
            top, probability = next(iter(result.probabilities.items()))
            parts.append(f"{top} {probability:.2f}")
        elif self.outcome.statistics:
            parts.append(f"{len(self.outcome.statistics)} structures")
        if self.heatmap is not None:
            parts.append(f"{METHOD_TITLES.get(self.heatmap.method, self.heatmap.method)}: {self.heatmap.target}")
        pack = self.outcome.pack
        if pack is not None and self.volume is not None and self._distribution_warnings(pack):
            parts.append("out of distribution")
        if pack is None or needs_diagnostic_banner(pack.metadata):
            parts.append("not for diagnostic use")
        self.context.set_view_note(" · ".join(parts))

    def _provenance_text(self) -> str:
        if self.outcome is None:
            return ""
        p = self.outcome.result.provenance
        text = (f"{p.get('pack')} {p.get('version')} · checksum {str(p.get('checksum', ''))[:12]}… · "
                f"{self.outcome.result.device} · {p.get('date')} · series {p.get('series_uid') or 'without UID'}")
        if self.heatmap is not None:
            text += f" · attention: {METHOD_TITLES.get(self.heatmap.method)} for {self.heatmap.target}"
        check = p.get("input_check")
        if isinstance(check, dict) and not check.get("checked"):
            text += f" · {NOT_CHECKED}"
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
                    target, name=f"AI: {METHOD_TITLES[method]}", on_result=self._on_heatmap, engine=self.engine)

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
            self._fail("a picture that is not a DICOM series has no study folder to save beside")
            return None
        failure = ""
        for choice in choices:
            try:
                summary = save_result(choice, self.volume, series, self.outcome.pack, self.outcome.result,
                                      self.heatmap)
            except (OSError, OutpostError) as e:
                failure = str(e)
                continue
            note = f" (no SEG: {summary['files']['seg_error']})" if "seg_error" in summary["files"] else ""
            self.context.show_status(f"AI result saved in {choice}{note}")
            self._offer_previous()
            return choice
        self._fail(f"could not save the result: {failure}")
        return None


__all__ = ["AIPanel", "Listing", "Outcome", "explain_result", "list_packs", "load_previous_result", "run_pack"]

"""The Segment editor dock: correct a segmentation (an AI result, a DICOM SEG, or a new one) and save it.

In the spirit of 3D Slicer's Segment Editor, on the viewer's model: the editing itself
(:class:`viewer.model.segment_editor.SegmentEditor`) knows no Qt; this dock shows its segment
table and tools, drives the viewports' brush (:class:`viewer.qt.qt_viewport.BrushHandler`),
redraws only the planes a change crosses, and saves the result as a DICOM SEG
(:func:`viewer.export.seg.write_edited_seg`). The overlay the editing started from is never
changed: while editing it is taken off the views and the editor's own overlay is shown.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import OutpostError
from viewer.core.overlays import ContourOverlay, LabelOverlay
from viewer.model.segment_editor import EditableSegment, SegmentationSource, SegmentEditor
from viewer.qt.qt_i18n import noop as _n
from viewer.qt.qt_i18n import translate as _tr

if TYPE_CHECKING:
    from viewer.model.edit_journal import JournalSummary
    from viewer.qt.qt_main_window import QtMainWindow
    from viewer.qt.qt_viewport import QtViewport

log = logging.getLogger(__name__)

#: How long after the last edit the statistics are recomputed (ms): strokes stay fast.
STATISTICS_DELAY_MS = 250
#: What the algorithm of segments the reader changed is called in the saved SEG.
EDITOR_NAME = "Outpost segment editor"
#: The brush tools of the dock: (tool, button text, tooltip).
BRUSH_TOOLS = (("paint", _n("Paint"), _n("Paint the active segment with a round brush (left drag)")),
               ("erase", _n("Erase"), _n("Erase the active segment with a round brush (left drag)")),
               ("seed", _n("Grow from click"), _n("Region growing: click a seed in a view")))
#: Index axis (z, y, x) of each view, for fill between slices.
AXES = ((_n("Axial"), 0), (_n("Coronal"), 1), (_n("Sagittal"), 2))
_COLUMNS = ("", _n("Segment"), _n("Show"), _n("Lock"), "mL", _n("Mean"), _n("Range"))


@dataclass
class StartChoice:
    """Something editing can start from.

    Attributes
    ----------
    text
        What the "Start from" list shows.
    kind
        ``ai-result``, ``seg``, ``rtstruct`` or ``empty`` (:attr:`SegmentationSource.kind`).
    overlay
        The overlay shown now: a label map, or an RT structure set's contours (``None`` for an empty start).
    path
        The DICOM SEG file, for a SEG read from the study.
    """

    text: str
    kind: str
    overlay: LabelOverlay | ContourOverlay | None = None
    path: str = ""


def megabytes(size: int) -> str:
    """A byte count as ``"12.3 MB"``."""
    return f"{size / 2 ** 20:.1f} MB"


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "series"


def edited_seg_folders(series: Any, when: float | None = None) -> list[Path]:
    """Where an edited SEG of ``series`` is saved, in order of preference.

    Where the viewer saves AI results: beside the study's files (``outpost-results/``),
    so that reopening the study finds the SEG among its series, else (a CD, a read-only
    share) in the user's data folder under the study UID. Each save is a new folder
    ``<series>-edited-<date-time>``.
    """
    from viewer.core.files import user_data_dir

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when if when is not None else time.time()))
    name = _safe(f"{series.key}-edited-{stamp}")
    beside = Path(series.first.source.path).parent / "outpost-results" / name
    study = _safe(str(series.first.study_uid or "unknown-study"))
    return [beside, user_data_dir() / "results" / study / name]


class QtSegmentEditor(QScrollArea):
    """The Segment editor dock of a main window.

    Parameters
    ----------
    window
        The main window: its state, viewports, status bar, jobs, and the files its
        annotations were read from (:meth:`QtMainWindow.annotation_file`).

    Attributes
    ----------
    editor
        The editing in progress, or ``None``.
    original
        The overlay editing started from, taken off the views meanwhile.
    tool
        The brush tool chosen (``paint``, ``erase``, ``seed``) or ``""``.
    """

    def __init__(self, window: QtMainWindow) -> None:
        super().__init__()
        self.window = window
        self.state = window.state
        self.editor: SegmentEditor | None = None
        self.original: LabelOverlay | ContourOverlay | None = None
        self.tool = ""
        self.last_saved: Path | None = None
        self.last_error = ""
        self._last_point: np.ndarray | None = None  # the previous brush position of a drag, (z, y, x)
        self._filling = False  # while the table is rebuilt (its item signals are not the reader's)
        self._statistics_timer = QTimer(self, singleShot=True, interval=STATISTICS_DELAY_MS)
        self._statistics_timer.timeout.connect(self.refresh_statistics)
        self.setWidgetResizable(True)
        self._build()
        self.state.overlays_changed.connect(self.refresh_choices)
        self.state.volume_changed.connect(self._on_volume_changed)
        self.refresh_choices()
        self._update_enabled()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        start = QGroupBox(self.tr("Segmentation"))
        start_layout = QGridLayout(start)
        self.choices = QComboBox()
        self.choices.setToolTip(self.tr("The AI result or DICOM SEG to correct, or a new empty segmentation. "
                                        "It is never changed: editing makes a new segmentation."))
        self.start_button = QPushButton(self.tr("Start editing"))
        self.start_button.clicked.connect(lambda: self.start(self.choices.currentData()))
        self.stop_button = QPushButton(self.tr("Stop editing"))
        self.stop_button.clicked.connect(lambda: self.stop())
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        start_layout.addWidget(QLabel(self.tr("Start from")), 0, 0)
        start_layout.addWidget(self.choices, 0, 1, 1, 2)
        start_layout.addWidget(self.start_button, 1, 1)
        start_layout.addWidget(self.stop_button, 1, 2)
        start_layout.addWidget(self.source_label, 2, 0, 1, 3)
        layout.addWidget(start)

        segments = QGroupBox(self.tr("Segments"))
        segments_layout = QVBoxLayout(segments)
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels([_tr(column) if column else "" for column in _COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip(self.tr("Click a row to paint into that segment; double-click a name to rename it "
                                      "and the colour to change it"))
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.table.cellDoubleClicked.connect(self._on_cell_double_clicked)
        segments_layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.clicked.connect(lambda: self.add_segment())
        self.color_button = QPushButton(self.tr("Colour…"))
        self.color_button.clicked.connect(self._choose_color)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.clicked.connect(lambda: self.remove_segment(self.editor.active if self.editor else 0))
        for button in (self.add_button, self.color_button, self.remove_button):
            row.addWidget(button)
        segments_layout.addLayout(row)
        layout.addWidget(segments)

        brush = QGroupBox(self.tr("Brush"))
        brush_layout = QFormLayout(brush)
        tools = QHBoxLayout()
        self.tool_buttons: dict[str, QToolButton] = {}
        for tool, text, tip in BRUSH_TOOLS:
            button = QToolButton()
            button.setText(_tr(text))
            button.setToolTip(_tr(tip))
            button.setCheckable(True)
            button.toggled.connect(lambda checked, t=tool: self.set_tool(t if checked else ""))
            tools.addWidget(button)
            self.tool_buttons[tool] = button
        brush_layout.addRow(tools)
        self.radius = QDoubleSpinBox()
        self.radius.setRange(0.5, 100.0)
        self.radius.setValue(5.0)
        self.radius.setSingleStep(0.5)
        self.radius.setSuffix(" mm")
        self.radius.valueChanged.connect(lambda _v: self._each_viewport(lambda v: v.update()))
        self.sphere = QCheckBox(self.tr("Sphere (3-D)"))
        self.sphere.setToolTip(self.tr("Paint a ball through the neighbouring slices, not a disc on the plane"))
        brush_layout.addRow(self.tr("Radius"), self.radius)
        brush_layout.addRow(self.sphere)
        self.limit = QCheckBox(self.tr("Only voxels in the intensity range"))
        brush_layout.addRow(self.limit)
        layout.addWidget(brush)

        intensity = QGroupBox(self.tr("Intensity range, threshold and region growing"))
        intensity_layout = QFormLayout(intensity)
        self.low, self.high = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.low, -100.0), (self.high, 300.0)):
            spin.setRange(-100000.0, 100000.0)
            spin.setDecimals(1)
            spin.setValue(value)
        span = QHBoxLayout()
        span.addWidget(self.low)
        span.addWidget(QLabel(self.tr("to")))
        span.addWidget(self.high)
        intensity_layout.addRow(self.tr("Range"), span)
        self.threshold_button = QPushButton(self.tr("Threshold into the active segment"))
        self.threshold_button.clicked.connect(lambda: self.apply("threshold"))
        intensity_layout.addRow(self.threshold_button)
        self.grow_method = QComboBox()
        self.grow_method.addItem(self.tr("Connected (the range)"), "connected")
        self.grow_method.addItem(self.tr("Confidence connected (× SD)"), "confidence")
        self.multiplier = QDoubleSpinBox()
        self.multiplier.setRange(0.5, 10.0)
        self.multiplier.setValue(2.5)
        intensity_layout.addRow(self.tr("Growing"), self.grow_method)
        intensity_layout.addRow(self.tr("Multiplier"), self.multiplier)
        layout.addWidget(intensity)

        operations = QGroupBox(self.tr("Operations on the active segment"))
        grid = QGridLayout(operations)
        self.fill_axis = QComboBox()
        for text, axis in AXES:
            self.fill_axis.addItem(_tr(text), axis)
        self.fill_button = QPushButton(self.tr("Fill between slices"))
        self.fill_button.clicked.connect(lambda: self.apply("fill"))
        grid.addWidget(self.fill_button, 0, 0)
        grid.addWidget(self.fill_axis, 0, 1)
        self.largest_button = QPushButton(self.tr("Keep largest island"))
        self.largest_button.clicked.connect(lambda: self.apply("largest"))
        grid.addWidget(self.largest_button, 1, 0, 1, 2)
        self.min_ml = QDoubleSpinBox()
        self.min_ml.setRange(0.001, 10000.0)
        self.min_ml.setDecimals(3)
        self.min_ml.setValue(1.0)
        self.min_ml.setSuffix(" mL")
        self.islands_button = QPushButton(self.tr("Remove islands under"))
        self.islands_button.clicked.connect(lambda: self.apply("islands"))
        grid.addWidget(self.islands_button, 2, 0)
        grid.addWidget(self.min_ml, 2, 1)
        self.smooth_kind = QComboBox()
        self.smooth_kind.addItem(self.tr("Median"), "median")
        self.smooth_kind.addItem(self.tr("Closing (fill gaps)"), "closing")
        self.smooth_radius = QDoubleSpinBox()
        self.smooth_radius.setRange(0.5, 20.0)
        self.smooth_radius.setValue(1.5)
        self.smooth_radius.setSuffix(" mm")
        self.smooth_button = QPushButton(self.tr("Smooth"))
        self.smooth_button.clicked.connect(lambda: self.apply("smooth"))
        grid.addWidget(self.smooth_button, 3, 0)
        grid.addWidget(self.smooth_kind, 3, 1)
        grid.addWidget(self.smooth_radius, 4, 1)
        self.logical_operation = QComboBox()
        for text, operation in ((self.tr("Union with"), "union"), (self.tr("Subtract"), "subtract"),
                                (self.tr("Intersect with"), "intersect")):
            self.logical_operation.addItem(text, operation)
        self.logical_other = QComboBox()
        self.logical_button = QPushButton(self.tr("Apply"))
        self.logical_button.clicked.connect(lambda: self.apply("logical"))
        grid.addWidget(self.logical_operation, 5, 0)
        grid.addWidget(self.logical_other, 5, 1)
        grid.addWidget(self.logical_button, 6, 1)
        layout.addWidget(operations)

        history = QGroupBox(self.tr("History and saving"))
        history_layout = QGridLayout(history)
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.setToolTip("Ctrl+Z")
        self.undo_button.clicked.connect(lambda: self.undo())
        self.redo_button = QPushButton(self.tr("Redo"))
        self.redo_button.setToolTip(self.tr("Ctrl+Y or Ctrl+Shift+Z"))
        self.redo_button.clicked.connect(lambda: self.redo())
        self.memory_label = QLabel()
        self.save_button = QPushButton(self.tr("Save as DICOM SEG"))
        self.save_button.setToolTip(self.tr("A new SEG series beside the study, referencing its images and the "
                                            "segmentation the editing started from"))
        self.save_button.clicked.connect(lambda: self.save())
        self.message = QLabel()
        self.message.setWordWrap(True)
        history_layout.addWidget(self.undo_button, 0, 0)
        history_layout.addWidget(self.redo_button, 0, 1)
        history_layout.addWidget(self.memory_label, 1, 0, 1, 2)
        history_layout.addWidget(self.save_button, 2, 0, 1, 2)
        history_layout.addWidget(self.message, 3, 0, 1, 2)
        layout.addWidget(history)
        layout.addStretch(1)
        self.setWidget(body)

    # ------------------------------------------------------------------ starting and stopping
    def refresh_choices(self) -> None:
        """List what editing can start from: the label overlays shown, and an empty segmentation."""
        if self.editor is not None:
            return
        current = self.choices.currentText()
        self.choices.clear()
        for choice in self.start_choices():
            self.choices.addItem(choice.text, choice)
        index = self.choices.findText(current)
        self.choices.setCurrentIndex(max(0, index))

    def start_choices(self) -> list[StartChoice]:
        """The label overlays on the views (AI results, SEGs), then an empty segmentation."""
        choices = []
        for overlay in self.state.overlays:
            path = self.window.annotation_file(overlay) or ""
            if isinstance(overlay, LabelOverlay):
                choices.append(StartChoice(overlay.name, "seg" if path else "ai-result", overlay, path))
            elif isinstance(overlay, ContourOverlay):
                choices.append(StartChoice(overlay.name, "rtstruct", overlay, path))
        choices.append(StartChoice(self.tr("Empty segmentation"), "empty"))
        return choices

    def start(self, choice: StartChoice | None = None) -> SegmentEditor | None:
        """Start editing ``choice`` (by default what the "Start from" list shows).

        An AI result is edited from its label overlay; a DICOM SEG is read again whole (its
        segments may overlap: what cannot be kept in one label map is said in the dock).
        """
        volume = self.state.volume
        choice = choice if choice is not None else self.choices.currentData()
        if volume is None or choice is None:
            self._say(self.tr("Open a series first: a segmentation is edited on its images"))
            return None
        if self.editor is not None:
            self.stop()
        series_uid = volume.provenance.series_uid
        lost = 0
        try:
            if choice.kind == "empty":
                editor = SegmentEditor.empty(volume, series_uid, **self._journal_options())
                editor.add_segment()
            elif choice.kind == "seg":
                editor, lost = self._start_from_seg(choice, volume)
            elif choice.kind == "rtstruct":
                source = SegmentationSource(kind="rtstruct", description=choice.text, source_series_uid=series_uid)
                editor, lost = SegmentEditor.from_contour_overlay(volume, choice.overlay, source,
                                                                  **self._journal_options())
            else:
                source = self._ai_source(choice.overlay, series_uid)
                editor = SegmentEditor.from_label_overlay(volume, choice.overlay, source,
                                                          **self._journal_options())
        except (OutpostError, OSError, ValueError) as e:
            self._fail(self.tr("Cannot edit {name}: {error}").format(name=choice.text, error=e))
            return None
        self._begin(editor, choice.overlay)
        if lost:
            self._say(self.tr("{n} voxel(s) lay in more than one segment: each now belongs to the "
                              "higher-numbered one").format(n=lost))
        return editor

    @staticmethod
    def _journal_options() -> dict:
        """Keyword arguments that give a new editor its crash journal, named after its source and base map."""
        return {"journal": True}

    @staticmethod
    def _same_source(one: SegmentationSource, other: SegmentationSource) -> bool:
        """Whether two sources are the same result (the same SEG, or the same pack's result)."""
        fields = ("kind", "sop_instance_uid", "pack_name", "pack_version", "pack_checksum")
        return all(getattr(one, name) == getattr(other, name) for name in fields)

    def _start_from_seg(self, choice: StartChoice, volume) -> tuple[SegmentEditor, int]:
        from viewer.core.dicom.objects import read_seg

        source = self._seg_source(choice.path, choice.text, volume.provenance.series_uid)
        return SegmentEditor.from_seg_segments(volume, read_seg(choice.path, volume), source,
                                               **self._journal_options())

    def _seg_source(self, path: str, description: str, series_uid: str) -> SegmentationSource:
        """The source of a SEG file, from its header: its UIDs, and the model that made it, if one did."""
        provenance = seg_provenance_of(path)
        if provenance is None:
            raise OutpostError(f"{Path(path).name} is not a readable DICOM SEG")
        made_by = provenance.algorithms[0] if len(provenance.algorithms) == 1 and not provenance.edited else None
        return SegmentationSource(kind="seg", description=provenance.series_description or description,
                                  pack_name=made_by.name if made_by else "",
                                  pack_version=made_by.version if made_by else "",
                                  pack_checksum=made_by.checksum if made_by else "",
                                  sop_instance_uid=provenance.sop_instance_uid,
                                  series_instance_uid=provenance.series_instance_uid,
                                  source_series_uid=series_uid)

    def _ai_seg_file(self, pack_name: str) -> str:
        """The newest SEG of the series shown that model ``pack_name`` made alone (its saved result), or ``""``."""
        found = []
        for path in self.window.annotation_files(with_results=True):
            provenance = seg_provenance_of(path)
            if provenance is not None and not provenance.edited and \
                    {a.name for a in provenance.algorithms} == {pack_name}:
                found.append((provenance.content_datetime is not None, provenance.content_datetime, path))
        return max(found, key=lambda f: f[:2])[2] if found else ""

    def _ai_source(self, overlay: LabelOverlay, series_uid: str) -> SegmentationSource:
        """The source of an AI result's overlay: the pack, its version and checksum, and its saved SEG."""
        provenance = self.window.overlay_provenance(overlay)
        pack = str(provenance.get("pack") or overlay.name.removeprefix("AI: "))
        version = str(provenance.get("version") or "")
        saved = self._ai_seg_file(pack)
        header = seg_provenance_of(saved) if saved else None
        return SegmentationSource(kind="ai-result", description=" ".join(p for p in (pack, version) if p),
                                  pack_name=pack, pack_version=version,
                                  pack_checksum=str(provenance.get("checksum") or ""),
                                  sop_instance_uid=header.sop_instance_uid if header else "",
                                  series_instance_uid=header.series_instance_uid if header else "",
                                  source_series_uid=series_uid)

    def _begin(self, editor: SegmentEditor, original: LabelOverlay | ContourOverlay | None) -> None:
        """Show ``editor``'s overlay in place of ``original`` and fill the dock."""
        self.editor, self.original = editor, original
        overlay = editor.overlay
        overlay.name = f"Editing: {editor.source.description or 'new segmentation'}"
        if isinstance(original, LabelOverlay):
            overlay.opacity, overlay.outline = original.opacity, original.outline
        if original is not None:
            self.state.remove_overlay(original)
        self.state.add_overlay(overlay)
        editor.changed.connect(self._on_editor_changed)
        if not editor.active and editor.segments:
            editor.active = min(editor.segments)
        self.window.segment_editing_changed(True)
        self.source_label.setText(self._source_text())
        self.fill_table()
        self._statistics_timer.start()
        self._update_enabled()
        self._say(self.tr("Editing {name}: choose a segment and a tool").format(
            name=editor.source.description or self.tr("a new segmentation")))

    def _source_text(self) -> str:
        source = self.editor.source
        if source.kind == "empty":
            return self.tr("A new segmentation")
        text = {"ai-result": self.tr("From the AI result {name}"), "seg": self.tr("From the DICOM SEG {name}"),
                "rtstruct": self.tr("From the structure set {name}")}.get(source.kind, self.tr("From {name}"))
        text = text.format(name=source.description)
        if source.pack_checksum:
            text += " " + self.tr("(checksum {checksum}…)").format(checksum=source.pack_checksum[:12])
        return text + ". " + self.tr("It is not changed: saving makes a new SEG series.")

    def stop(self, keep_journal: bool = True) -> None:
        """Stop editing: the original overlay is shown again.

        With ``keep_journal`` (the default) unsaved edits stay on disk and are offered back when
        the series is opened again; otherwise they are dropped.
        """
        editor = self.editor
        if editor is None:
            return
        self.set_tool("")
        editor.changed.disconnect(self._on_editor_changed)
        self.state.remove_overlay(editor.overlay)
        if self.original is not None and self.state.volume is editor.image:
            self.state.add_overlay(self.original)
        if editor.dirty and keep_journal:
            self._say(self.tr("Editing stopped; the unsaved edits are kept and offered back when the series is "
                              "opened"))
        editor.close(discard=not keep_journal)
        self.editor, self.original = None, None
        self._statistics_timer.stop()
        self.window.segment_editing_changed(False)
        self.table.setRowCount(0)
        self.source_label.setText("")
        self.refresh_choices()
        self._update_enabled()

    def _on_volume_changed(self) -> None:
        if self.editor is not None and self.editor.image is not self.state.volume:
            self.stop()
        self.refresh_choices()

    # ------------------------------------------------------------------ the segment table
    def fill_table(self) -> None:
        """Rebuild the segment table from the editor (statistics follow a moment later)."""
        editor = self.editor
        self._filling = True
        try:
            self.table.setRowCount(0)
            self.logical_other.clear()
            if editor is None:
                return
            for row, (number, segment) in enumerate(sorted(editor.segments.items())):
                self.table.insertRow(row)
                swatch = QTableWidgetItem()
                swatch.setBackground(QColor(*segment.color))
                swatch.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                swatch.setData(Qt.ItemDataRole.UserRole, number)
                swatch.setToolTip(f"{segment.algorithm_type.lower()}; double-click to change the colour")
                self.table.setItem(row, 0, swatch)
                name = QTableWidgetItem(segment.name)
                name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, 1, name)
                for column, checked in ((2, segment.visible), (3, segment.locked)):
                    box = QTableWidgetItem()
                    box.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                                 | Qt.ItemFlag.ItemIsUserCheckable)
                    box.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                    self.table.setItem(row, column, box)
                for column in (4, 5, 6):
                    cell = QTableWidgetItem("")
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(row, column, cell)
                if number == editor.active:
                    self.table.selectRow(row)
                self.logical_other.addItem(segment.name, number)
        finally:
            self._filling = False
        self._update_enabled()

    def row_of(self, number: int) -> int:
        """The table row of segment ``number`` (-1 when absent)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == number:
                return row
        return -1

    def refresh_statistics(self) -> None:
        """Volume (mL), mean and range of the image inside each segment, in the table."""
        editor = self.editor
        if editor is None:
            return
        unit = f" {self.state.unit}" if self.state.unit else ""
        for number in list(editor.segments):
            row = self.row_of(number)
            if row < 0:
                continue
            stats = editor.statistics(number)
            empty = stats.voxels == 0
            texts = ("0.0", "", "") if empty else (f"{stats.volume_ml:.1f}", f"{stats.mean:.0f}{unit}",
                                                     f"{stats.minimum:.0f}…{stats.maximum:.0f}")
            for column, text in zip((4, 5, 6), texts, strict=True):
                self.table.item(row, column).setText(text)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or self.editor is None:
            return
        number = self.table.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)
        checked = item.checkState() == Qt.CheckState.Checked
        if item.column() == 1 and item.text() != self.editor.segments[number].name:
            self.editor.rename(number, item.text())
        elif item.column() == 2 and checked != self.editor.segments[number].visible:
            self.editor.set_visible(number, checked)
        elif item.column() == 3 and checked != self.editor.segments[number].locked:
            self.editor.set_locked(number, checked)

    def _on_selection_changed(self) -> None:
        if self._filling or self.editor is None:
            return
        rows = {index.row() for index in self.table.selectedIndexes()}
        if rows:
            self.set_active(self.table.item(min(rows), 0).data(Qt.ItemDataRole.UserRole))

    def _on_cell_double_clicked(self, row: int, column: int) -> None:
        if column == 0:
            self._choose_color()

    def set_active(self, number: int) -> None:
        """Paint into segment ``number`` from now on."""
        if self.editor is not None and number in self.editor.segments:
            self.editor.active = number
            row = self.row_of(number)
            if row >= 0 and self.table.currentRow() != row:
                self._filling = True
                self.table.selectRow(row)
                self._filling = False
            self._update_enabled()

    def add_segment(self, name: str = "", color: tuple[int, int, int] | None = None) -> EditableSegment | None:
        """Add a segment and make it the active one."""
        if self.editor is None:
            return None
        segment = self.editor.add_segment(name, color)
        self.set_active(segment.number)
        return segment

    def remove_segment(self, number: int) -> None:
        """Remove segment ``number`` (undoable)."""
        if self.editor is not None and number in self.editor.segments:
            try:
                self.editor.remove_segment(number)
            except OutpostError as e:  # a locked segment
                self._fail(str(e))

    def recolor(self, number: int, color: tuple[int, int, int]) -> None:
        """Give segment ``number`` another colour (undoable)."""
        if self.editor is not None and number in self.editor.segments:
            self.editor.recolor(number, tuple(int(c) for c in color))

    def _choose_color(self) -> None:
        editor = self.editor
        if editor is None or editor.active not in editor.segments:
            return
        chosen = QColorDialog.getColor(QColor(*editor.segments[editor.active].color), self, "Segment colour")
        if chosen.isValid():
            self.recolor(editor.active, (chosen.red(), chosen.green(), chosen.blue()))

    # ------------------------------------------------------------------ changes: redraw, table, history
    def _on_editor_changed(self, box=None) -> None:
        """Redraw what a change touched.

        That is the planes crossing a voxel edit's box, or every view after a change of the table
        (colours, names, visibility).
        """
        if box is None:
            self.fill_table()
            self.state.restyle_overlays()
        else:
            self._each_viewport(lambda viewport: viewport.invalidate_region(box))
        self._statistics_timer.start()
        self._update_history()

    def _update_history(self) -> None:
        editor = self.editor
        if editor is None:
            self.memory_label.setText("")
            return
        self.undo_button.setEnabled(editor.can_undo)
        self.redo_button.setEnabled(editor.can_redo)
        unsaved = " · " + self.tr("unsaved") if editor.dirty else ""
        self.memory_label.setText(self.tr("Undo memory {used} of {budget}").format(
            used=megabytes(editor.undo_memory_bytes), budget=megabytes(editor.undo_budget_bytes)) + unsaved)

    def undo(self) -> bool:
        """Undo the last step (Ctrl+Z while editing)."""
        if self.editor is None or not self.editor.undo():
            self._say(self.tr("Nothing to undo"))
            return False
        return True

    def redo(self) -> bool:
        """Redo the step undone last (Ctrl+Y or Ctrl+Shift+Z while editing)."""
        if self.editor is None or not self.editor.redo():
            self._say(self.tr("Nothing to redo"))
            return False
        return True

    def _update_enabled(self) -> None:
        editing = self.editor is not None
        has_active = editing and self.editor.active in self.editor.segments
        self.choices.setEnabled(not editing)
        self.start_button.setEnabled(not editing and self.state.volume is not None)
        self.stop_button.setEnabled(editing)
        for widget in (self.add_button, self.save_button):
            widget.setEnabled(editing)
        for widget in (self.color_button, self.remove_button, self.threshold_button, self.fill_button,
                       self.largest_button, self.islands_button, self.smooth_button, self.logical_button,
                       *self.tool_buttons.values()):
            widget.setEnabled(has_active)
        self._update_history()

    # ------------------------------------------------------------------ tools
    @property
    def radius_mm(self) -> float:
        """The brush radius (0 for a seed click: no outline)."""
        return 0.0 if self.tool == "seed" else float(self.radius.value())

    @property
    def erasing(self) -> bool:
        """Whether the brush erases."""
        return self.tool == "erase"

    def set_tool(self, tool: str) -> None:
        """Choose the brush tool (``paint``, ``erase``, ``seed``) or none (``""``).

        The views' left button follows it; the window's measuring tools come back with none.
        """
        if tool and (self.editor is None or self.editor.active not in self.editor.segments):
            tool = ""
        self.tool = tool
        for name, button in self.tool_buttons.items():
            button.blockSignals(True)
            button.setChecked(name == tool)
            button.blockSignals(False)
        self._each_viewport(lambda viewport: viewport.set_brush(self if tool else None))

    def _each_viewport(self, function) -> None:
        for viewport in self.window.viewports_of_state():
            function(viewport)

    def stroke_begin(self, viewport: QtViewport, voxel_xyz: np.ndarray, axis: int) -> None:
        """A click in a view: start a brush stroke, or grow a region from the seed."""
        editor = self.editor
        if editor is None or editor.active not in editor.segments:
            return
        point = np.asarray(voxel_xyz, dtype=np.float64)[::-1]
        if self.tool == "seed":
            self.apply("grow", seed_zyx=point)
            return
        if editor.segments[editor.active].locked:
            self._say(f"{editor.segments[editor.active].name} is locked: unlock it to paint")
        editor.begin_stroke()
        self._last_point = None
        self._dab(point, axis)

    def stroke_to(self, viewport: QtViewport, voxel_xyz: np.ndarray, axis: int) -> None:
        """The mouse moved with the button down: paint along the way, with no gaps between dabs."""
        if self.editor is None or self.tool not in ("paint", "erase") or self._last_point is None:
            return
        point = np.asarray(voxel_xyz, dtype=np.float64)[::-1]
        spacing_zyx = np.asarray(self.editor.image.spacing, dtype=np.float64)[::-1]
        step_mm = max(self.radius_mm / 2.0, 0.25)
        distance = float(np.linalg.norm((point - self._last_point) * spacing_zyx))
        count = int(np.ceil(distance / step_mm))
        start = self._last_point
        for fraction in np.arange(1, count + 1) / max(count, 1):
            self._dab(start + (point - start) * fraction, axis)

    def stroke_end(self, viewport: QtViewport) -> None:
        """The button went up: the drag becomes one undo step."""
        if self.editor is not None and self._last_point is not None:
            self.editor.end_stroke()
        self._last_point = None

    def _dab(self, point_zyx: np.ndarray, axis: int) -> None:
        """One brush dab at ``point_zyx`` (continuous voxel indices) on the plane across ``axis`` (x, y, z)."""
        self._last_point = point_zyx
        self.editor.paint(tuple(point_zyx), self.radius_mm, sphere=self.sphere.isChecked(), plane_axis=2 - axis,
                          erase=self.erasing, intensity_range=self.intensity_range() if self.limit.isChecked()
                          else None)

    def intensity_range(self) -> tuple[float, float]:
        """The dock's intensity range ``(low, high)``, in the image's units (HU for CT)."""
        low, high = float(self.low.value()), float(self.high.value())
        return (min(low, high), max(low, high))

    def apply(self, operation: str, seed_zyx=None) -> int:
        """Run an operation of the dock on the active segment; returns the voxels changed.

        ``operation`` is ``threshold``, ``grow`` (from ``seed_zyx``), ``fill``, ``largest``,
        ``islands``, ``smooth`` or ``logical``.
        """
        editor = self.editor
        if editor is None or editor.active not in editor.segments:
            self._say(self.tr("Start editing and choose a segment first"))
            return 0
        low, high = self.intensity_range()
        calls = {
            "threshold": lambda: editor.threshold(low, high),
            "grow": lambda: editor.region_grow(tuple(seed_zyx), low=low, high=high)
            if self.grow_method.currentData() == "connected"
            else editor.region_grow(tuple(seed_zyx), multiplier=float(self.multiplier.value())),
            "fill": lambda: editor.fill_between_slices(int(self.fill_axis.currentData())),
            "largest": lambda: editor.islands(keep_largest=True),
            "islands": lambda: editor.islands(min_ml=float(self.min_ml.value())),
            "smooth": lambda: editor.smooth(self.smooth_kind.currentData(), float(self.smooth_radius.value())),
            "logical": lambda: editor.logical(self.logical_operation.currentData(),
                                              int(self.logical_other.currentData() or 0)),
        }
        try:
            changed = calls[operation]()
        except (OutpostError, ValueError) as e:
            self._fail(str(e))
            return 0
        self._say(f"{changed} voxel(s) changed")
        return changed

    # ------------------------------------------------------------------ saving
    def segment_specs(self) -> list:
        """The saved SEG's segments: each with its algorithm type, and the pack for what a model made."""
        from viewer import __version__
        from viewer.export.seg import SegmentSpec

        editor = self.editor
        source = editor.source
        specs = []
        for number, segment in sorted(editor.segments.items()):
            kind = segment.algorithm_type
            if kind == "MANUAL":
                name, version = "", ""
            elif segment.from_source and source.pack_name:
                name, version = source.pack_name, source.pack_version
            else:
                name, version = EDITOR_NAME, __version__
            specs.append(SegmentSpec(value=number, label=segment.name, color=tuple(segment.color),
                                     algorithm_type=kind, algorithm_name=name, algorithm_version=version))
        return specs

    def derived_from(self):
        """The SEG the editing came from (``None`` for a new segmentation, or an AI result never saved as SEG)."""
        from viewer.export.seg import DerivedFrom

        source = self.editor.source
        if not source.sop_instance_uid:
            return None
        found = (seg_provenance_of(path) for path in self.window.annotation_files(with_results=True))
        header = next((h for h in found if h is not None and h.sop_instance_uid == source.sop_instance_uid), None)
        if header is None:
            return None
        return DerivedFrom(sop_instance_uid=header.sop_instance_uid,
                           series_instance_uid=header.series_instance_uid,
                           study_instance_uid=header.study_instance_uid, sop_class_uid=header.sop_class_uid,
                           description=source.description)

    def series_description(self) -> str:
        """The saved series' description: what it was edited from, and by whom."""
        from viewer.core.audit import user_name

        source = self.editor.source
        origin = {"ai-result": "AI", "seg": "SEG"}.get(source.kind, "")
        text = f"Edited by {user_name()}"
        if source.kind != "empty":
            text += f", from {origin}: {source.description}" if origin else f", from {source.description}"
        return text[:64]

    def save(self, folder: str | Path | None = None, wait: bool = False):
        """Save the edited segmentation as a new DICOM SEG series, in the background.

        Parameters
        ----------
        folder
            Where to write ``seg.dcm``; by default :func:`edited_seg_folders` (beside the study,
            else the user's data folder).
        wait
            Run on this thread (tests, scripts) and return the path, instead of a job.
        """
        editor, series = self.editor, self.state.series
        if editor is None:
            return None
        if series is None:
            self._fail(self.tr("Only a DICOM series can have a DICOM SEG: this picture has no series to refer to"))
            return None
        try:
            from viewer.export.seg import write_edited_seg
        except ImportError:
            self._fail(self.tr("Saving edited segmentations as DICOM SEG is not available in this version"))
            return None
        from viewer.core.audit import user_name
        from viewer.core.dicom.layout import slice_files

        folders = [Path(folder)] if folder is not None else edited_seg_folders(series)
        arguments = dict(labels=editor.labels.copy(), source_files=slice_files(series),
                         segments=self.segment_specs(), reader=user_name(), derived_from=self.derived_from(),
                         series_description=self.series_description(), changed_voxels=editor.changes_by_segment())

        def write(progress=None) -> Path:
            failure = ""
            for number, choice in enumerate(folders, start=1):
                if progress is not None:
                    progress(number - 1, len(folders), "Saving the SEG")
                try:
                    choice.mkdir(parents=True, exist_ok=True)
                    return write_edited_seg(path=choice / "seg.dcm", **arguments)
                except (OSError, OutpostError) as e:
                    failure = str(e)
            raise OutpostError(failure or "no folder to save in")

        changes = arguments["changed_voxels"]
        if wait:
            try:
                path = write()
            except OutpostError as e:
                self._fail(self.tr("The SEG was not saved: {error}").format(error=e))
                return None
            self._on_saved(editor, changes, path)
            return path
        self.save_button.setEnabled(False)
        return self.window.run_job(write, name=self.tr("Saving the edited SEG"),
                                   on_result=lambda path: self._on_saved(editor, changes, path),
                                   on_error=lambda e: self._fail(
                                       self.tr("The SEG was not saved: {error}").format(error=e)))

    def _on_saved(self, editor: SegmentEditor, changes: dict[int, tuple[int, int]], path: Path) -> None:
        """A save ended: the edits are saved, unless the reader edited on while it was written."""
        self.last_saved = Path(path)
        self._update_enabled()
        if editor is self.editor and editor.changes_by_segment() == changes:
            editor.mark_saved()
            self._update_history()
            self._say(self.tr("Saved as DICOM SEG: {path}").format(path=path))
        elif editor is self.editor:
            self._say(self.tr("Saved as DICOM SEG: {path}; edits made while it was written are not in it: save "
                              "again").format(path=path))

    # ------------------------------------------------------------------ recovery
    def offer_recovery(self, pending: list) -> QMessageBox | None:
        """Offer back unfinished edits of the series just opened (a question that does not block).

        Returns the question, for tests to answer (its ``Yes`` restores, ``No`` discards, and
        closing it leaves the edits for next time).
        """
        if not pending or self.state.volume is None:
            return None
        summary = pending[0]
        text = self.tr("Unsaved segment edits of this series were found ({what}). Restore them? (No discards "
                       "them.)").format(what=_describe(summary))
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Segment editor"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setModal(False)
        box.finished.connect(lambda result, s=summary: self._on_recovery_answer(result, s))
        box.show()
        self.recovery_box = box
        return box

    def _on_recovery_answer(self, result: int, summary) -> None:
        if result == QMessageBox.StandardButton.Yes:
            self.recover(summary)
        elif result == QMessageBox.StandardButton.No:
            from viewer.model.edit_journal import EditJournal

            EditJournal(summary.path).finish()
            self._say(self.tr("The unsaved edits were discarded"))

    def recover(self, summary) -> SegmentEditor | None:
        """Restore the edits of ``summary`` (a pending journal) over the same source, shown again."""
        volume = self.state.volume
        source = summary.source
        choice = self._choice_for(source)
        if choice is None:
            self._fail(self.tr("The edits were made on {name}, which is not shown now: show it (run the model or "
                               "open the SEG), then open the series again").format(
                name=source.description or self.tr("a segmentation")))
            return None
        try:
            if choice.kind == "empty":
                base = SegmentEditor.empty(volume, volume.provenance.series_uid)
            elif choice.kind == "seg":
                from viewer.core.dicom.objects import read_seg

                # Built as the journal's source (an AI result saved as this SEG is the same label map).
                base, _lost = SegmentEditor.from_seg_segments(volume, read_seg(choice.path, volume), source)
            elif choice.kind == "rtstruct":
                base, _lost = SegmentEditor.from_contour_overlay(volume, choice.overlay, source)
            else:
                base = SegmentEditor.from_label_overlay(volume, choice.overlay, source)
            editor = SegmentEditor.recover(summary.path, base)
        except (OutpostError, OSError, ValueError) as e:
            self._fail(self.tr("The edits could not be restored: {error}").format(error=e))
            return None
        if self.editor is not None:
            self.stop()
        self._begin(editor, choice.overlay)
        self.window.show_segment_editor()
        self._say(self.tr("The unsaved edits were restored"))
        return editor

    def _choice_for(self, source: SegmentationSource) -> StartChoice | None:
        """What to start from to replay edits of ``source``: the same AI result, SEG or an empty one.

        For an AI result not shown, the SEG it was saved as (the same label map).
        """
        choices = self.start_choices()
        for choice in choices:
            if choice.kind == source.kind == "empty":
                return choice
            if choice.kind == source.kind == "rtstruct" and choice.text == source.description:
                return choice
            if choice.kind == source.kind == "ai-result" and \
                    self._same_source(self._ai_source(choice.overlay, source.source_series_uid), source):
                return choice
        for choice in choices:
            if choice.kind == "seg" and source.sop_instance_uid and \
                    getattr(seg_provenance_of(choice.path), "sop_instance_uid", None) == source.sop_instance_uid:
                return choice
        return None

    # ------------------------------------------------------------------ messages
    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.window.show_status(text)

    def _fail(self, text: str) -> None:
        self.last_error = text
        self.message.setText(text)
        self.window.show_status(text)
        self._update_enabled()


def _describe(summary: JournalSummary) -> str:
    """A pending journal in a few words: what it edits and how many steps."""
    parts = [summary.source.description or "a new segmentation"]
    if summary.steps:
        parts.append(f"{summary.steps} step(s)")
    return ", ".join(parts)


def seg_provenance_of(path: str | Path):
    """The provenance of a SEG file from its header, or ``None`` when it is not a readable SEG.

    It is read by :func:`viewer.core.dicom.objects.read_seg_provenance`.
    """
    from viewer.core.dicom.objects import ObjectError, read_seg_provenance

    try:
        return read_seg_provenance(path)
    except (ObjectError, OSError):
        return None

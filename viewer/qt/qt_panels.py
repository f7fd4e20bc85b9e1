"""Dock panels and dialogs: study browser, skipped files, measurements, tags, shortcuts."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.core.display import apply_window, default_window
from viewer.qt.qt_actions import shortcut_help
from viewer.qt.qt_viewport import SERIES_MIME

SERIES_ROLE = Qt.ItemDataRole.UserRole + 1
#: The :class:`~viewer.core.dicom.scan.SkippedFile` of a non-image object's row.
OBJECT_ROLE = Qt.ItemDataRole.UserRole + 2


def thumbnail_icon(plane: np.ndarray, metadata: dict | None = None, size: int = 64) -> QIcon:
    """A small windowed picture of a 2-D slice (downsampled first: it runs on the GUI thread)."""
    step = max(1, max(plane.shape[:2]) // size)
    small = plane[::step, ::step]
    small = small.mean(axis=2) if small.ndim == 3 else apply_window(small, default_window(small, metadata))
    small = np.ascontiguousarray(small).astype(np.uint8)
    image = QImage(small.data, small.shape[1], small.shape[0], small.shape[1],
                   QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(image))


class QtStudyBrowser(QTreeWidget):
    """Patient ▸ study ▸ series, with thumbnail, modality, description and image count."""

    series_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels([self.tr("Patient / study / series"), self.tr("Mod"), self.tr("Images")])
        self.setIconSize(self.iconSize() * 2)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.itemActivated.connect(self._on_item_activated)
        self.itemDoubleClicked.connect(self._on_item_activated)
        self._series_items: dict[str, QTreeWidgetItem] = {}
        self.setDragEnabled(True)
        self.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)

    def mimeData(self, items):  # noqa: N802 - Qt's name
        """A dragged series carries its key, for a viewport to show it (:data:`SERIES_MIME`)."""
        data = QMimeData()
        series = [item.data(0, SERIES_ROLE) for item in items if item.data(0, SERIES_ROLE) is not None]
        if series:
            data.setData(SERIES_MIME, series[0].key.encode("ascii"))
        return data

    def mimeTypes(self):  # noqa: N802 - Qt's name
        """The one format :meth:`mimeData` gives."""
        return [SERIES_MIME]

    def show_scan(self, result) -> None:
        """List the patients, studies and series of a scan."""
        self.clear()
        self._series_items = {}
        for patient in result.patients:
            name = patient.name.replace("^", " ").strip() or self.tr("(no name)")
            patient_item = QTreeWidgetItem(self, [f"{name}  [{patient.patient_id}]", "", ""])
            for study in patient.studies:
                date = study.attributes.get("study_date", "")
                text = " ".join(v for v in (date, study.attributes.get("study_description", "")) if v)
                study_item = QTreeWidgetItem(patient_item, [text or self.tr("(study)"), "", ""])
                for series in study.series:
                    label = series.description or self.tr("series {number}").format(
                        number=series.number if series.number is not None else "")
                    item = QTreeWidgetItem(study_item, [label, series.modality, str(len(series.frames))])
                    item.setData(0, SERIES_ROLE, series)
                    item.setToolTip(0, f"key {series.key}")
                    self._series_items[series.key] = item
                for listing in study.objects:
                    self._add_object(study_item, listing)
        self.expandAll()

    def _add_object(self, study_item: QTreeWidgetItem, listing) -> None:
        """A report, document or presentation state: listed with its kind, never loadable."""
        label = f"{listing.kind}: {listing.description}" if listing.description else listing.kind
        item = QTreeWidgetItem(study_item, [label, "", ""])
        item.setData(0, OBJECT_ROLE, listing)
        item.setToolTip(0, f"{listing.path}\n{listing.reason}\n"
                        + self.tr("(not an image: not shown in the views)"))
        # Greyed, unselectable rows: they are listed so a reader knows they exist, not offered.
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = item.font(0)
        font.setItalic(True)
        item.setFont(0, font)
        item.setForeground(0, self.palette().placeholderText())

    def object_items(self) -> list[QTreeWidgetItem]:
        """The rows of non-image objects, in tree order."""
        items = []
        for patient_index in range(self.topLevelItemCount()):
            patient = self.topLevelItem(patient_index)
            for study_index in range(patient.childCount()):
                study = patient.child(study_index)
                items += [study.child(i) for i in range(study.childCount())
                          if study.child(i).data(0, OBJECT_ROLE) is not None]
        return items

    def set_thumbnail(self, key: str, plane: np.ndarray, metadata: dict | None = None) -> None:
        """Show a series' thumbnail once a slice of it is known."""
        item = self._series_items.get(key)
        if item is not None:
            item.setIcon(0, thumbnail_icon(plane, metadata))

    def _on_item_activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        series = item.data(0, SERIES_ROLE)
        if series is not None:
            self.series_activated.emit(series)


class QtSkippedFiles(QListWidget):
    """Files that could not be shown, each with its reason."""

    def show_skipped(self, skipped) -> None:
        """List ``SkippedFile`` entries."""
        self.clear()
        for entry in skipped:
            item = QListWidgetItem(f"{entry.path.split('/')[-1]}: {entry.reason}")
            item.setToolTip(entry.path)
            self.addItem(item)


class QtMeasurementPanel(QWidget):
    """The list of measurements with their values; deletable."""

    delete_requested = Signal(int)
    go_to_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("Kind"), self.tr("Plane"), self.tr("Value")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.cellDoubleClicked.connect(self._on_table_double_clicked)
        delete = QPushButton(self.tr("Delete"))
        delete.clicked.connect(self._on_delete_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table)
        layout.addWidget(delete)
        self._measurements = []

    def show_measurements(self, measurements) -> None:
        """Refresh the table."""
        self._measurements = list(measurements)
        self.table.setRowCount(len(self._measurements))
        for row, m in enumerate(self._measurements):
            for column, text in enumerate((m.kind, f"{m.view} {m.index + 1}", m.text.replace("\n", "  "))):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def selected_id(self) -> int | None:
        """The id of the selected measurement."""
        rows = self.table.selectionModel().selectedRows()
        return self._measurements[rows[0].row()].id if rows else None

    def _on_delete_clicked(self) -> None:
        selected = self.selected_id()
        if selected is not None:
            self.delete_requested.emit(selected)

    def _on_table_double_clicked(self, row: int, column: int) -> None:
        self.go_to_requested.emit(self._measurements[row])


class QtTagBrowser(QDialog):
    """All DICOM elements of one file, with a filter."""

    def __init__(self, dataset, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("DICOM tags — {title}").format(title=title))
        self.resize(760, 560)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter by tag, keyword or value"))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Tag"), self.tr("Keyword"), "VR", self.tr("Value")])
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._fill(self.tree.invisibleRootItem(), dataset)
        self.filter.textChanged.connect(self._on_filter_text_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

    def _fill(self, parent: QTreeWidgetItem, dataset) -> None:
        for element in dataset:
            if element.tag == 0x7FE00010:
                value = self.tr("<pixel data, {n} bytes>").format(n=len(element.value or b""))
            elif element.VR == "SQ":
                value = self.tr("<sequence of {n} item(s)>").format(n=len(element.value))
            else:
                value = element.repval if element.VR in ("OB", "OW", "UN") else str(element.value)
            item = QTreeWidgetItem(parent, [f"({element.tag.group:04X},{element.tag.element:04X})",
                                            element.keyword or element.name, element.VR, value[:200]])
            if element.VR == "SQ":
                for index, child in enumerate(element.value):
                    child_item = QTreeWidgetItem(item, [self.tr("item {n}").format(n=index + 1), "", "", ""])
                    self._fill(child_item, child)

    def _on_filter_text_changed(self, text: str) -> None:
        needle = text.lower()
        root = self.tree.invisibleRootItem()
        for i in range(root.childCount()):
            item = root.child(i)
            shown = not needle or any(needle in item.text(c).lower() for c in range(4))
            item.setHidden(not shown)


SHORTCUTS = shortcut_help()


class QtShortcutsDialog(QDialog):
    """The keyboard shortcuts, as radiology viewers share them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(560, 640)
        shortcuts = shortcut_help()  # in the interface's language
        table = QTableWidget(len(shortcuts), 2)
        table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().hide()
        for row, (keys, action) in enumerate(shortcuts):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(action))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)

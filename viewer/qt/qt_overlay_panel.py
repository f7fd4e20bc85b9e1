"""Controls for overlays.

Per-label colour, name and visibility, opacity, fill or outline; colour map, opacity and threshold
for heatmaps.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QScrollArea,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.core.display import COLORMAPS
from viewer.core.overlays import ContourOverlay, HeatmapOverlay, LabelOverlay
from viewer.model.state import ViewerState


def _percent_slider(value: float) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(0, 100)
    slider.setValue(int(round(value * 100)))
    return slider


class QtOverlayPanel(QScrollArea):
    """One group of controls per overlay shown; rebuilt when overlays come and go."""

    def __init__(self, state: ViewerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWidgetResizable(True)
        self.controls: list[dict] = []
        state.overlays_changed.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        """Recreate the controls for the current overlays."""
        body = QWidget()
        layout = QVBoxLayout(body)
        self.controls = []
        for overlay in self.state.overlays:
            if isinstance(overlay, LabelOverlay):
                layout.addWidget(self._label_group(overlay))
            elif isinstance(overlay, HeatmapOverlay):
                layout.addWidget(self._heatmap_group(overlay))
            elif isinstance(overlay, ContourOverlay):
                group = QGroupBox(overlay.name)
                table = self._visibility_table(overlay)
                QFormLayout(group).addRow(table)
                self.controls.append({"overlay": overlay, "labels": table})
                layout.addWidget(group)
        layout.addStretch(1)
        self.setWidget(body)

    def _label_group(self, overlay: LabelOverlay) -> QGroupBox:
        group = QGroupBox(overlay.name)
        form = QFormLayout(group)
        opacity = _percent_slider(overlay.opacity)
        opacity.valueChanged.connect(lambda v, o=overlay: self._set(o, "opacity", v / 100.0))
        outline = QCheckBox(self.tr("Outline only"))
        outline.setChecked(overlay.outline)
        outline.toggled.connect(lambda on, o=overlay: self._set(o, "outline", on))
        table = self._visibility_table(overlay)
        form.addRow(self.tr("Opacity"), opacity)
        form.addRow(outline)
        form.addRow(table)
        self.controls.append({"overlay": overlay, "opacity": opacity, "outline": outline, "labels": table})
        return group

    def _visibility_table(self, overlay: LabelOverlay | ContourOverlay) -> QTableWidget:
        """A row per label or ROI: a check box (in its colour) to show it, and its name."""
        table = QTableWidget(len(overlay.info), 2)
        table.setHorizontalHeaderLabels([self.tr("Show"), self.tr("Label")])
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().hide()
        for row, (value, info) in enumerate(sorted(overlay.info.items())):
            shown = QTableWidgetItem()
            shown.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            shown.setCheckState(Qt.CheckState.Checked if info.visible else Qt.CheckState.Unchecked)
            shown.setData(Qt.ItemDataRole.UserRole, value)
            shown.setBackground(QColor(*info.color))
            table.setItem(row, 0, shown)
            table.setItem(row, 1, QTableWidgetItem(info.name))
        table.itemChanged.connect(lambda item, o=overlay: self._on_label_item_changed(o, item))
        return table

    def _heatmap_group(self, overlay: HeatmapOverlay) -> QGroupBox:
        title = overlay.name + (f" — {overlay.method}" if overlay.method else "") + \
            (f" ({overlay.target})" if overlay.target else "")
        group = QGroupBox(title)
        form = QFormLayout(group)
        colormap = QComboBox()
        colormap.addItems(sorted(COLORMAPS))
        colormap.setCurrentText(overlay.colormap)
        colormap.currentTextChanged.connect(lambda name, o=overlay: self._set(o, "colormap", name))
        opacity = _percent_slider(overlay.opacity)
        opacity.valueChanged.connect(lambda v, o=overlay: self._set(o, "opacity", v / 100.0))
        threshold = _percent_slider(overlay.threshold)
        threshold.valueChanged.connect(lambda v, o=overlay: self._set(o, "threshold", v / 100.0))
        form.addRow(self.tr("Colour map"), colormap)
        form.addRow(self.tr("Opacity"), opacity)
        form.addRow(self.tr("Threshold"), threshold)
        self.controls.append({"overlay": overlay, "colormap": colormap, "opacity": opacity,
                              "threshold": threshold})
        return group

    def _set(self, overlay, attribute: str, value) -> None:
        setattr(overlay, attribute, value)
        self.state.restyle_overlays()

    def _on_label_item_changed(self, overlay: LabelOverlay | ContourOverlay, item: QTableWidgetItem) -> None:
        value = item.data(Qt.ItemDataRole.UserRole)
        if value is not None and item.column() == 0:
            overlay.info[int(value)].visible = item.checkState() == Qt.CheckState.Checked
            self.state.restyle_overlays()

"""Help > Audit log…: a read-only view of the audit log (viewer.core.audit), newest first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from viewer.core import audit
from viewer.qt.qt_i18n import noop as _n
from viewer.qt.qt_i18n import translate as _tr

COLUMNS = (_n("Time"), _n("User"), _n("Event"), _n("Details"))


def _details_text(details: dict) -> str:
    parts = []
    for key, value in details.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "-"
        parts.append(f"{key}: {'-' if value in (None, '') else value}")
    return "; ".join(parts)


class QtAuditDialog(QDialog):
    """The audit log as a table (time, user, event, details), newest first, with a filter.

    The file is read when the dialog opens and on Refresh; nothing here writes to it.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Audit log"))
        self.resize(900, 480)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter: event, user, UID, pack, node…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_changed)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.filter, 1)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([_tr(column) for column in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.location = QLabel()
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.location.setWordWrap(True)
        layout.addWidget(self.location)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.entries: list[dict] = []
        self.refresh()

    def refresh(self) -> None:
        """Read the audit log again and show the entries that match the filter."""
        reading = audit.read_entries()
        self.entries = list(reversed(reading.entries))
        notes = [f"{len(self.entries)} entries in {reading.path}"]
        if reading.skipped:
            notes.append(f"{reading.skipped} damaged line(s) skipped")
        failures, reason = audit.write_failures()
        if failures:
            notes.append(f"{failures} entr{'y' if failures == 1 else 'ies'} could not be written ({reason})")
        self.location.setText(" · ".join(notes))
        self._show()

    def _on_filter_changed(self, _text: str) -> None:
        self._show()

    def _show(self) -> None:
        needle = self.filter.text().strip().lower()
        rows = [(e.get("time", ""), e.get("user", ""), e.get("event", ""), _details_text(e.get("details", {})))
                for e in self.entries]
        if needle:
            rows = [row for row in rows if any(needle in cell.lower() for cell in row)]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(str(text))
                item.setToolTip(str(text))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)

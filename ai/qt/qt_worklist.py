"""The worklist: a batch's series ranked by the AI's score, so that the reader reads the flagged ones first.

A dock of the AI plugin (*AI ▸ Open batch worklist…*, or ``outpost view --worklist BATCH``) over a batch
folder's database (:class:`ai.batch.database.BatchDatabase`). It lists the series by score (the
probability of the pack's positive class, or a labelled volume in mL), flags those at or above the
threshold (the site's calibrated one for this pack's checksum, else the pack's own, and says which),
filters them by status, study date and flag, and opens a series (double click or Enter) with its saved
result, heatmap and provenance shown in the AI panel. The reader marks each series read (R), agreed (A)
or disagreed with (D): the marks go into the batch database and the audit log (event ``worklist``: the
series UID and the mark, no names).

No patient names are shown: the database holds none; the study opens in the viewer, where the reader
sees them. Text from the database (descriptions, reasons, the pack's name) is shown as plain text with
its control characters escaped.

Reading the database and finding a study's files run as viewer jobs; the dock looks every few seconds
whether the database changed (a batch still running) and reads it again when it did.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QEvent, QLocale, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ai.batch.database import AGREE, DATABASE_FILE, DISAGREE, DONE, STATUSES, BatchDatabase, BatchError, SeriesRow
from ai.batch.report import Threshold, batch_threshold
from ai.batch.report import flagged as is_flagged
from ai.qt.qt_i18n import noop as _n
from ai.qt.qt_i18n import translate as _tr
from viewer.core.text import one_line, printable

#: The table's columns.
COLUMNS = (_n("Flag"), _n("Score"), _n("Study date"), _n("Modality"), _n("Description"), _n("Status"), _n("Read"),
           _n("Opinion"))
#: The mark of a flagged series, and its colour.
FLAG_MARK = "⚑ flagged"
FLAG_COLOR = QColor("#c0392b")
#: The tint of a flagged row's other cells.
FLAGGED_ROW_COLOR = QColor(192, 57, 43, 60)
#: How often the dock looks whether the batch changed (milliseconds).
POLL_MS = 3000
#: The earliest date of the date filters: shown as "any".
NO_DATE = QDate(1900, 1, 1)
#: The keys of the reader's marks.
MARK_KEYS = {Qt.Key.Key_R: "read", Qt.Key.Key_A: AGREE, Qt.Key.Key_D: DISAGREE}
_OPEN_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter}
_TABLE_KEYS = {*MARK_KEYS, *_OPEN_KEYS, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End,
               Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Left, Qt.Key.Key_Right}


# --------------------------------------------------------------------------- worker functions (no Qt)
@dataclass
class Worklist:
    """What one reading of a batch found.

    Attributes
    ----------
    folder
        The batch folder.
    meta
        The batch's own facts (``pack``, ``version``, ``checksum``, ``task``, ``threshold``...).
    rows
        The series that pass the filters, highest score first.
    counts
        How many series have each status (the whole batch).
    flagged
        How many series of the whole batch are flagged.
    threshold
        The threshold flagged at, and where it came from (:func:`ai.batch.report.batch_threshold`).
    signature
        The database files' sizes and times when read (:func:`batch_signature`).
    """

    folder: Path
    meta: dict[str, str]
    rows: list[SeriesRow]
    counts: dict[str, int]
    flagged: int
    threshold: Threshold
    signature: tuple = ()


@dataclass
class Opening:
    """What opening a series of a batch needs: the files, the series key, the saved result.

    Attributes
    ----------
    row
        The series' row.
    paths
        The folder or files to open.
    series_key
        The series' key as the viewer's scan names it (from its saved result), or ``None``.
    result_folder
        The folder holding its saved result (``result.json`` and its files), or ``None``.
    notes
        What is missing, in words.
    """

    row: SeriesRow
    paths: list[str]
    series_key: str | None = None
    result_folder: Path | None = None
    notes: list[str] = field(default_factory=list)


def batch_signature(folder: str | Path) -> tuple:
    """The sizes and modification times of a batch's database files: another value means it changed."""
    stamp = []
    for suffix in ("", "-wal"):
        try:
            status = (Path(folder) / f"{DATABASE_FILE}{suffix}").stat()
            stamp.append((status.st_size, status.st_mtime_ns))
        except OSError:
            stamp.append(None)
    return tuple(stamp)


def read_worklist(folder: str | Path, *, status: str | None = None, flagged: bool | None = None,
                  since: str = "", until: str = "") -> Worklist:
    """Read a batch's worklist: its series filtered and ranked by score.

    Parameters
    ----------
    folder
        The batch folder.
    status, flagged, since, until
        The filters of :meth:`BatchDatabase.rows` (``flagged``: at or above the threshold of
        :func:`ai.batch.report.batch_threshold`, the site's or the pack's, read each time: a calibration
        saved meanwhile counts at once).

    Raises
    ------
    BatchError
        No batch in ``folder``, not a batch database, or one written by a newer Outpost.
    """
    with BatchDatabase(folder, create=False) as db:
        meta = db.meta()
        threshold = batch_threshold(meta)
        rows = db.rows(status=status, flagged=flagged, threshold=threshold.value, since=since, until=until)
        counts = db.counts()
        flagged_count = sum(is_flagged(row, threshold) for row in db.rows(flagged=True, threshold=threshold.value))
    return Worklist(Path(folder), meta, rows, counts, flagged_count, threshold, batch_signature(folder))


def mark_series(folder: str | Path, series_uid: str, *, read: bool | None = None,
                opinion: str | None = None) -> SeriesRow:
    """Record the reader's marks on a series of a batch, in its database and in the audit log.

    Parameters
    ----------
    folder
        The batch folder.
    series_uid
        The series.
    read, opinion
        As :meth:`BatchDatabase.mark` takes them (``None``: unchanged).

    Returns
    -------
    SeriesRow
        The series' row as marked.
    """
    from viewer.core import audit

    details: dict[str, Any] = {"series_uid": series_uid}
    if read is not None:
        details["read"] = bool(read)
    if opinion is not None:
        details["opinion"] = opinion
    error: BaseException | None = None
    try:
        with BatchDatabase(folder, create=False) as db:
            db.mark(series_uid, reader=audit.user_name(), read=read, opinion=opinion)
            row = db.row(series_uid)
            details.update(study_uid=row.study_uid, pack=db.meta().get("pack", ""))
        return row
    except BaseException as e:
        error = e
        raise
    finally:
        audit.record("worklist", **details, outcome=audit.outcome_of(error))


def prepare_opening(folder: str | Path, row: SeriesRow, store_dir: str | Path | None = None) -> Opening:
    """Where a series of a batch is to be opened from, and its saved result.

    Parameters
    ----------
    folder
        The batch folder (``row.result_dir`` is relative to it).
    row
        The series.
    store_dir
        The local study store for ``store:`` and ``pacs:`` sources (default: the batch's ``store_dir``
        fact, else the user's store).

    Raises
    ------
    BatchError
        Its files are not there (a folder moved away, a study not in the local store).
    """
    from ai.results import load_summary

    kind, _, where = row.source.partition(":")
    if kind == "path":
        if not Path(where).exists():
            raise BatchError(f"the study's files are not in {printable(where)} any more")
        paths = [where]
    elif kind in ("store", "pacs"):
        from viewer.pacs.store import LocalStore

        with LocalStore(store_dir, reconcile=False) as store:
            paths = [str(path) for path in store.files(row.study_uid or (where if kind == "store" else None))]
        if not paths:
            place = f"; retrieve it from {printable(where)} first" if kind == "pacs" else ""
            raise BatchError(f"the study {printable(row.study_uid)} is not in the local study store{place}")
    else:
        raise BatchError(f"the batch does not say where this series came from ({printable(row.source, 80)})")
    opening = Opening(row, paths)
    result = Path(folder) / row.result_dir if row.result_dir else None
    summary = load_summary(result) if result is not None else None
    if summary is None:
        opening.notes.append("no saved result" if row.status == DONE else f"no result ({row.status})")
    else:
        opening.result_folder = result
        key = (summary.get("input") or {}).get("series_key")
        opening.series_key = str(key) if key else None
    return opening


def ask_batch_folder(parent: QWidget | None = None) -> Path | None:
    """Ask the reader for a batch folder; ``None`` when they cancel."""
    chosen = QFileDialog.getExistingDirectory(parent, "Open batch worklist")
    return Path(chosen) if chosen else None


# --------------------------------------------------------------------------- the table
class WorklistModel(QAbstractTableModel):
    """The rows of a worklist as a Qt model (a batch of thousands of series is shown without an item each).

    Text from the database is shown as plain text with its control characters escaped
    (:func:`~viewer.core.text.printable`); tooltips are escaped rich text.
    """

    def __init__(self) -> None:
        super().__init__()
        self.series: list[SeriesRow] = []
        self.threshold: Threshold | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: list[SeriesRow], threshold: Threshold | None) -> None:
        """Show ``rows``, flagged at ``threshold``."""
        self.beginResetModel()
        self.series, self.threshold = list(rows), threshold
        self.endResetModel()

    def row_changed(self, index: int) -> None:
        """Show the row ``index`` again (after the reader marked it)."""
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(COLUMNS) - 1))

    def flagged(self, row: SeriesRow) -> bool:
        """Whether ``row`` is flagged at the threshold shown."""
        return self.threshold is not None and is_flagged(row, self.threshold)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        """How many series are shown."""
        return 0 if parent.isValid() else len(self.series)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        """:data:`COLUMNS`."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt's name
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The columns' titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(COLUMNS[section])
        return None

    def text(self, row: int, column: int) -> str:
        """What cell ``(row, column)`` shows."""
        series = self.series[row]
        name = COLUMNS[column]
        if name == "Flag":
            return FLAG_MARK if self.flagged(series) else ""
        if name == "Score":
            return _score_text(series)
        if name == "Study date":
            return _date_text(series.study_date)
        if name == "Modality":
            return printable(series.modality, 16)
        if name == "Description":
            return printable(series.description, 200)
        if name == "Status":
            return series.status
        if name == "Read":
            return "✓ " + _tr("read") if series.read else ""
        return series.opinion

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The cell's text, colours, font, tooltip; ``UserRole``: the series UID."""
        if not index.isValid() or not 0 <= index.row() < len(self.series):
            return None
        series, column = self.series[index.row()], index.column()
        flagged = self.flagged(series)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == Qt.ItemDataRole.UserRole:
            return series.series_uid
        if role == Qt.ItemDataRole.BackgroundRole and flagged:
            return QBrush(FLAG_COLOR if column == 0 else FLAGGED_ROW_COLOR)
        if role == Qt.ItemDataRole.ForegroundRole and flagged and column == 0:
            return QBrush(QColor("white"))
        if role == Qt.ItemDataRole.FontRole and flagged and column in (0, 1):
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMNS[column] == "Description" and series.description:
                return _tooltip(series.description)
            if COLUMNS[column] == "Status" and series.reason:
                return _tooltip(series.reason)
            if column == 0 and flagged:
                return _tooltip(f"at or above the threshold {self.threshold.value:g}")
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and column == 0 and flagged:
            return "flagged: at or above the threshold"
        return None


class WorklistTable(QTableView):
    """The worklist's table: R, A and D mark the current series, Enter opens it.

    Those keys are kept while the table has the focus (the viewer's window binds R and A to tools).
    """

    mark_requested = Signal(str)
    open_requested = Signal()

    def event(self, event) -> bool:
        """Keep the table's keys from the window's shortcuts while it has the focus."""
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in _TABLE_KEYS and \
                event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """R, A, D: mark; Enter: open; the rest as a table does."""
        if event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            if event.key() in MARK_KEYS:
                self.mark_requested.emit(MARK_KEYS[event.key()])
                return
            if event.key() in _OPEN_KEYS:
                self.open_requested.emit()
                return
        super().keyPressEvent(event)


# --------------------------------------------------------------------------- the dock
class WorklistPanel(QWidget):
    """The Worklist dock.

    Parameters
    ----------
    context
        The viewer's plugin context.
    ai_panel
        The AI panel, which shows a series' saved result (:meth:`~ai.qt.qt_ai_panel.AIPanel.show_saved`).
    store_dir
        The local study store (default: the batch's ``store_dir`` fact, else the user's).
    """

    def __init__(self, context, ai_panel=None, store_dir: str | Path | None = None) -> None:
        super().__init__()
        self.context, self.ai_panel, self.store_dir = context, ai_panel, store_dir
        self.folder: Path | None = None
        self.worklist: Worklist | None = None
        self.read_job = None
        self._reread = False
        self._awaiting: Opening | None = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        context.on_series_loaded(self._series_loaded)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.title = _plain_label()
        self.title.setText(self.tr("No batch open"))
        layout.addWidget(self.title)
        self.threshold_label = _plain_label()
        layout.addWidget(self.threshold_label)
        self.line = _plain_label()
        self.line.setStyleSheet("color:#ffb347;")
        layout.addWidget(self.line)

        filters = QHBoxLayout()
        self.status_box = QComboBox()
        self.status_box.addItem(self.tr("Every status"), None)
        for status in STATUSES:
            self.status_box.addItem(status, status)
        self.flag_box = QComboBox()
        self.flag_box.addItem(self.tr("Flagged or not"), None)
        self.flag_box.addItem(self.tr("Flagged"), True)
        self.flag_box.addItem(self.tr("Not flagged"), False)
        self.since_edit = _date_edit(self.tr("from: any date"),
                                     self.tr("Studies dated from this day (the earliest date: any)"))
        self.until_edit = _date_edit(self.tr("until: any date"),
                                     self.tr("Studies dated until this day (the earliest date: any)"))
        for widget in (self.status_box, self.flag_box):
            widget.currentIndexChanged.connect(lambda *_: self.refresh())
            filters.addWidget(widget)
        for widget in (self.since_edit, self.until_edit):
            widget.dateChanged.connect(lambda *_: self.refresh())
            filters.addWidget(widget)
        layout.addLayout(filters)

        self.model = WorklistModel()
        self.table = WorklistTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Worklist"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(200)  # the widths of the first rows: not every row of a large batch
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COLUMNS.index("Description"), QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda *_: self.open_selected())
        self.table.open_requested.connect(self.open_selected)
        self.table.mark_requested.connect(self.mark)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.open_button = _button(self.tr("Open"),
                                   self.tr("Open the study with its result (Enter or double click)"),
                                   self.open_selected)
        self.read_button = _button(self.tr("Read"), self.tr("Mark as read, or not (R)"), lambda: self.mark("read"))
        self.agree_button = _button(self.tr("Agree"), self.tr("Agree with the AI's result (A)"),
                                    lambda: self.mark(AGREE))
        self.disagree_button = _button(self.tr("Disagree"), self.tr("Disagree with the AI's result (D)"),
                                       lambda: self.mark(DISAGREE))
        self.refresh_button = _button(self.tr("Refresh"), self.tr("Read the batch and its threshold again"),
                                      self.refresh)
        for button in (self.open_button, self.read_button, self.agree_button, self.disagree_button,
                       self.refresh_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

    # ------------------------------------------------------------------ reading
    def open_batch(self, folder: str | Path) -> None:
        """Show the worklist of the batch in ``folder``."""
        self.folder = Path(folder)
        self.worklist = None
        self.title.setText(self.tr("Batch {name}: reading…").format(name=printable(self.folder.name, 80)))
        self.threshold_label.setText("")
        self.line.setText("")
        self.model.set_rows([], None)
        self.refresh()
        self.timer.start()

    def filters(self) -> dict[str, Any]:
        """The filters chosen: ``status``, ``flagged``, ``since`` and ``until`` (``YYYYMMDD`` or "")."""
        def day(edit: QDateEdit) -> str:
            return "" if edit.date() == NO_DATE else edit.date().toString("yyyyMMdd")

        return {"status": self.status_box.currentData(), "flagged": self.flag_box.currentData(),
                "since": day(self.since_edit), "until": day(self.until_edit)}

    def refresh(self) -> None:
        """Read the batch and its threshold (a site calibration saved meanwhile counts) again, off the GUI."""
        if self.folder is None:
            return
        if self.read_job is not None and not self.read_job.done:
            self._reread = True  # once this reading is over
            return
        self._reread = False
        job = self.read_job = self.context.run_job(
            read_worklist, self.folder, **self.filters(), name="Worklist: reading the batch",
            on_result=self._on_worklist, on_error=self._on_read_error)
        job.signals.finished.connect(lambda: self._on_read_finished(job))

    def _on_read_finished(self, job) -> None:
        if job is self.read_job and (job.token.cancelled or self._reread):
            self.refresh()  # cancelled (opening a study cancels the window's jobs), or asked for again

    def _poll(self) -> None:
        """Read the batch again when its database changed (a batch still running, marks from elsewhere)."""
        busy = self.read_job is not None and not self.read_job.done
        if self.folder is not None and self.worklist is not None and not busy and \
                batch_signature(self.folder) != self.worklist.signature:
            self.refresh()

    def _on_read_error(self, error: BaseException) -> None:
        self.worklist = None
        self.model.set_rows([], None)
        self.title.setText(self.tr("Batch {name}").format(name=printable(self.folder.name, 80)) if self.folder
                           else self.tr("No batch open"))
        self.threshold_label.setText("")
        self.line.setText(_message(error))

    def _on_worklist(self, worklist: Worklist) -> None:
        if worklist.folder != self.folder:
            return  # another batch was opened meanwhile
        self.worklist = worklist
        meta, counts = worklist.meta, worklist.counts
        pack = printable(f"{meta.get('pack', '?')} {meta.get('version', '')}".strip(), 80)
        done = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        self.title.setText(self.tr("Batch {name} · {pack} · {n} series ({done}) · {flagged} flagged").format(
            name=printable(worklist.folder.name, 80), pack=pack, n=sum(counts.values()),
            done=done or self.tr("none"), flagged=worklist.flagged))
        self.threshold_label.setText(one_line(self.tr("Threshold {threshold}").format(
            threshold=worklist.threshold.describe())))
        self.line.setText("" if worklist.rows else self.tr("No series match these filters"))
        wanted = self.selected_uid()
        self.model.set_rows(worklist.rows, worklist.threshold)
        uids = [row.series_uid for row in worklist.rows]
        if uids:
            self.table.selectRow(uids.index(wanted) if wanted in uids else 0)

    # ------------------------------------------------------------------ the reader's marks
    def rows(self) -> list[SeriesRow]:
        """The rows shown, in their order."""
        return list(self.model.series)

    def selected_uid(self) -> str | None:
        """The series UID of the row selected, or ``None``."""
        index = self.table.currentIndex()
        return self.model.data(index, Qt.ItemDataRole.UserRole) if index.isValid() else None

    def selected_row(self) -> SeriesRow | None:
        """The :class:`SeriesRow` selected, or ``None``."""
        index = self.table.currentIndex()
        return self.model.series[index.row()] if index.isValid() and index.row() < len(self.model.series) else None

    def mark(self, kind: str) -> None:
        """Mark the selected series: ``"read"`` toggles read; :data:`AGREE` or :data:`DISAGREE` sets the opinion.

        An opinion marks the series read too; the opinion it already has is cleared instead. Shown at once,
        kept in the background.
        """
        row = self.selected_row()
        if row is None or self.folder is None:
            return
        if kind == "read":
            row.read = not row.read
            changes: dict[str, Any] = {"read": row.read}
        elif kind in (AGREE, DISAGREE):
            row.opinion = "" if row.opinion == kind else kind
            row.read = row.read or bool(row.opinion)
            changes = {"read": row.read, "opinion": row.opinion}
        else:
            raise ValueError(f"a mark is 'read', {AGREE!r} or {DISAGREE!r}, not {kind!r}")
        self.model.row_changed(self.table.currentIndex().row())
        self.context.run_job(mark_series, self.folder, row.series_uid, **changes, name="Worklist: keeping a mark",
                             on_error=self._on_mark_error)

    def _on_mark_error(self, error: BaseException) -> None:
        self.line.setText(self.tr("The mark was not kept: {error}").format(error=_message(error)))
        self.refresh()

    # ------------------------------------------------------------------ opening
    def open_selected(self) -> None:
        """Open the selected series' study in the viewer, then show its saved result in the AI panel."""
        row = self.selected_row()
        if row is None or self.folder is None:
            return
        store_dir = self.store_dir or (self.worklist.meta.get("store_dir") if self.worklist else None) or None
        self.line.setText(self.tr("Finding the study's files…"))
        self.context.run_job(prepare_opening, self.folder, row, store_dir, name="Worklist: finding the study",
                             on_result=self._open, on_error=lambda e: self.line.setText(_message(e)))

    def _open(self, opening: Opening) -> None:
        self._awaiting = opening
        self.line.setText(self.tr("Opening the study…"))
        self.context.open_paths(opening.paths, series_key=opening.series_key)

    def _series_loaded(self, volume) -> None:
        opening, self._awaiting = self._awaiting, None
        if opening is None:
            return
        series = self.context.current_series()
        if series is None or series.series_uid != opening.row.series_uid:
            self.line.setText(self.tr("Another series of the study is shown: choose the batch's series in the "
                                      "browser"))
            return
        if opening.result_folder is None:
            self.line.setText("; ".join(opening.notes))
            return
        if self.ai_panel is None:
            self.line.setText(self.tr("The AI panel is not there to show the result"))
            return
        self.line.setText("")
        self.ai_panel.show_saved(opening.result_folder)


# --------------------------------------------------------------------------- helpers
def _plain_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def _button(text: str, tip: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.clicked.connect(lambda *_: slot())
    return button


def _date_edit(any_date: str, tip: str) -> QDateEdit:
    """A date filter, shown in the locale's short date format; ``any_date`` is what its earliest date reads."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    short = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
    edit.setDisplayFormat(short if "yyyy" in short else short.replace("yy", "yyyy"))  # four-digit years
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText(any_date)
    edit.setDate(NO_DATE)
    edit.setToolTip(tip)
    return edit


def _tooltip(text: str) -> str:
    """A tooltip showing ``text`` exactly (rich text, escaped: a tooltip would render HTML it was given)."""
    return f"<p>{html.escape(printable(text, 500))}</p>"


def _score_text(row: SeriesRow) -> str:
    if row.score is None:
        return "—"
    return f"{row.score:.3f}" if row.scores or not row.volumes else f"{row.score:.1f} mL"


def _date_text(date: str) -> str:
    return f"{date[:4]}-{date[4:6]}-{date[6:]}" if len(date) == 8 and date.isdigit() else printable(date, 16)


def _message(error: BaseException) -> str:
    return one_line(str(error) or type(error).__name__)


__all__ = ["COLUMNS", "Opening", "Worklist", "WorklistModel", "WorklistPanel", "WorklistTable", "ask_batch_folder",
           "batch_signature", "mark_series", "prepare_opening", "read_worklist"]

"""The patient's other studies in the viewer: "Compare with prior" with the PACS, and the list to open one beside.

The work is :mod:`viewer.model.priors`' functions, run as jobs (progress, cancel); this module
picks where to look and shows the outcome:

- the PACS node is the one selected in the Network panel (by default the first configured),
  retrieved from as the panel's method says (C-GET, C-MOVE, WADO-RS); none configured, none
  searched;
- the local study store is the Network panel's;
- a source that fails (the PACS is down, slow or refusing) is named in one line, and the
  opened and stored studies are still used.

Everything a PACS sent is shown escaped (:func:`viewer.core.text.printable`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from viewer.core.dicom.scan import Series
from viewer.core.errors import Cancelled, OutpostError
from viewer.core.tasks import CancelToken, ProgressCallback, report
from viewer.core.text import one_line, printable
from viewer.model.priors import (
    OPENED,
    PACS,
    STORE,
    OtherStudy,
    PacsSource,
    PatientStudies,
    choose_prior,
    find_prior,
    loadable_series,
    patient_studies,
)
from viewer.qt.qt_comparison import LAYOUTS
from viewer.qt.qt_i18n import noop as _n
from viewer.qt.qt_i18n import translate as _tr

log = logging.getLogger(__name__)

COLUMNS = (_n("Date"), _n("Description"), _n("Modalities"), _n("Where"))
#: Characters of a description shown (the rest is cut, with "...").
SHOWN = 80
METHODS = {"C-GET": "get", "C-MOVE": "move", "WADO-RS": "wado"}


def shown_date(date: str) -> str:
    """``YYYYMMDD`` as ``YYYY-MM-DD`` (``""`` stays ``""``)."""
    return f"{date[:4]}-{date[4:6]}-{date[6:]}" if len(date) == 8 else date


def where_text(study: OtherStudy, pacs: PacsSource | None = None) -> str:
    """Where a study is, for the reader."""
    if study.where == PACS:
        return f"PACS ({printable(pacs.node.name, 40)})" if pacs is not None else "PACS"
    return {OPENED: _tr("opened folders"), STORE: _tr("local store")}.get(study.where, study.where)


# --------------------------------------------------------------------------- where to look
def pacs_source(window) -> tuple[PacsSource | None, str]:
    """The PACS to search: the Network panel's selected node, else the first configured; and a problem line.

    Returns
    -------
    tuple of PacsSource or None, and str
        ``(None, "")`` when no node is configured; ``(None, why)`` when the settings cannot be read.
    """
    panel = window.network_panel
    try:
        settings = panel.settings
        if not settings.nodes:
            return None, ""
        name = panel.node_box.currentData()
        node = settings.resolve(name if name in settings.nodes else sorted(settings.nodes)[0])
        method = METHODS.get(panel.method_box.currentText(), "get")
        if method == "wado" and not node.has_dicomweb:
            method = "get"
        elif method != "wado" and not node.has_dimse:
            method = "wado"
        return PacsSource(node, settings.local, method, panel.receiver), ""
    except OutpostError as e:
        return None, one_line(f"The PACS was not searched: {e}")


def _open_store(window) -> tuple[Any, str]:
    """The Network panel's local study store, or ``None`` and why it could not be opened."""
    try:
        return window.network_panel.store, ""
    except (OutpostError, OSError) as e:
        return None, one_line(f"The local study store was not searched: {e}")


def _fall_back(current: Series, found: PatientStudies, why: str) -> None:
    """The PACS prior could not be had: say so, and take the prior among the opened and stored studies."""
    found.problems.append(why)
    found.prior = choose_prior(current, [s for s in found.studies if s.where != PACS])


def _retrieving(progress: ProgressCallback | None) -> ProgressCallback:
    return lambda done, total, text: report(progress, done, total, f"retrieving the prior: {text}")


def prior_search(window, current: Series) -> Callable[..., PatientStudies]:
    """The job that finds the prior of ``current`` (opened, stored, on the PACS) and retrieves it if need be.

    Read on the GUI thread: the scan, the PACS node and the store; the returned function runs
    on a worker and gives a :class:`PatientStudies` whose prior, if any, is a loadable series.
    """
    scanned = window.scan_result
    pacs, pacs_problem = pacs_source(window)
    store, store_problem = _open_store(window)

    def find(progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> PatientStudies:
        found = find_prior(current, scanned, store, pacs, progress, cancel)
        found.problems[:0] = [p for p in (pacs_problem, store_problem) if p]
        if found.prior is not None and not isinstance(found.prior[1], Series):
            study, remote = found.prior
            try:
                loaded = loadable_series(current, study, remote, pacs=pacs, store=store,
                                         progress=_retrieving(progress), cancel=cancel)
            except Cancelled:
                raise
            except OutpostError as e:
                _fall_back(current, found, one_line(f"The prior on the PACS could not be retrieved: {e}"))
            else:
                found.prior = (study, loaded)
        return found

    return find


# --------------------------------------------------------------------------- showing
def show_beside(window, study: OtherStudy, series: Series, note: str = "", label: str = "Prior") -> None:
    """Show ``series`` in comparison viewport 1 beside the main series, and say which study it is."""
    if window.layout_name not in LAYOUTS:
        window.set_layout("1x2")
    window.comparison.synchronised = window.sync_action.isChecked()
    window.show_series_in(1, series)
    text = (f"{label} {shown_date(study.study_date)}: {printable(series.description or series.modality, SHOWN)} "
            f"({where_text(study) + (', retrieved' if study.where == PACS else '')})")
    window.show_status(text + (f" - {note}" if note else ""))


def show_prior(window, found: PatientStudies | tuple | None) -> None:
    """Show what :func:`prior_search` found: the prior beside the series, or one line saying why not.

    ``found`` may also be what :func:`viewer.model.priors.choose_prior` returns (a pair, or ``None``).
    """
    if not isinstance(found, PatientStudies):
        found = PatientStudies(prior=found)
    problems = "; ".join(found.problems)
    if found.prior is None:
        places = [_tr("in the opened folders"), _tr("the local study store")] + ([_tr("on the PACS")]
                                                                                 if found.pacs_searched
                                                                       else [])
        where = _tr("{places} or {last}").format(places=", ".join(places[:-1]), last=places[-1])
        window.notify_error(_tr("No earlier study of this patient with a matching series was found {where}")
                            .format(where=where) + (f" ({problems})" if problems else ""))
        return
    study, series = found.prior
    show_beside(window, study, series, problems)
    if problems:
        log.warning("compare with prior: %s", problems)


# --------------------------------------------------------------------------- the list
class QtPatientStudies(QDialog):
    """The patient's other studies (date, description, modalities, where), newest first; one opens beside.

    Parameters
    ----------
    window
        The main window (its series on screen, scan, Network panel and jobs).
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle(self.tr("Patient's other studies"))
        self.resize(720, 360)
        self.current: Series | None = window.state.series
        self.found = PatientStudies()
        self.pacs: PacsSource | None = None
        self.job = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([_tr(column) for column in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.table.cellDoubleClicked.connect(lambda *_: self.open_selected())
        layout.addWidget(self.table, 1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(self.tr("Open beside"))
        self.open_button.setToolTip(self.tr("Show the study's best matching series beside the current one "
                                            "(retrieved first when it is on the PACS)"))
        self.open_button.clicked.connect(self.open_selected)
        refresh = QPushButton(self.tr("Refresh"))
        refresh.clicked.connect(self.refresh)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    # ------------------------------------------------------------------ listing
    def refresh(self):
        """List the studies again (in the background); returns the job, or ``None`` without a series."""
        self.current = self.window.state.series
        if self.current is None:
            self.table.setRowCount(0)
            self.found = PatientStudies()
            self.status.setText(self.tr("Open a series first: the patient's studies are looked for by the "
                                        "patient's ID"))
            return None
        self.pacs, pacs_problem = pacs_source(self.window)
        store, store_problem = _open_store(self.window)
        current, scanned, pacs = self.current, self.window.scan_result, self.pacs
        self.status.setText(self.tr("Looking on {node} too…").format(node=printable(pacs.node.name, 40)) if pacs
                            else self.tr("Looking…"))

        def listing(progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> PatientStudies:
            found = patient_studies(current, scanned, store, pacs, progress, cancel)
            found.problems[:0] = [p for p in (pacs_problem, store_problem) if p]
            return found

        self.job = self.window.run_job(listing, name="patient's studies", on_result=self._on_listed,
                                       on_error=self._on_error)
        return self.job

    def _on_listed(self, found: PatientStudies) -> None:
        self.found = found
        self.table.setRowCount(len(found.studies))
        for row, study in enumerate(found.studies):
            texts = (shown_date(study.study_date) or self.tr("no date"), printable(study.description, SHOWN),
                     ", ".join(printable(m, 16) for m in study.modalities), where_text(study, self.pacs))
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if found.studies:
            self.table.selectRow(0)
        count = (self.tr("1 other study") if len(found.studies) == 1
                 else self.tr("{n} other studies").format(n=len(found.studies)))
        self.status.setText("; ".join([count, *found.problems]))

    def _on_error(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, OutpostError) else f"{type(error).__name__}: {error}"
        self.status.setText(one_line(text))
        self.window.notify_error(one_line(text))

    # ------------------------------------------------------------------ opening
    def selected_study(self) -> OtherStudy | None:
        """The study of the selected row."""
        row = self.table.currentRow()
        return self.found.studies[row] if 0 <= row < len(self.found.studies) else None

    def open_selected(self):
        """Show the selected study's best matching series beside the current one (retrieving it if need be)."""
        study = self.selected_study()
        if study is None or self.current is None:
            return None
        store, store_problem = _open_store(self.window)
        current, pacs = self.current, self.pacs
        if study.where == PACS and store is None:
            self.status.setText(store_problem)
            return None
        self.status.setText(self.tr("Retrieving from the PACS…") if study.where == PACS else self.tr("Opening…"))

        def load(progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Series:
            return loadable_series(current, study, pacs=pacs, store=store, progress=_retrieving(progress),
                                   cancel=cancel)

        def shown(series: Series) -> None:
            self.status.setText(self.tr("Shown beside: {series}").format(
                series=printable(series.description or series.modality, SHOWN)))
            show_beside(self.window, study, series, label="Beside")

        self.job = self.window.run_job(load, name="open beside", on_result=shown, on_error=self._on_error)
        return self.job


def show_patient_studies(window) -> QtPatientStudies:
    """Show the list of the patient on screen's other studies (one list per window), listing them anew."""
    dialog = window.findChild(QtPatientStudies)
    if dialog is None:
        dialog = QtPatientStudies(window)
    dialog.show()
    dialog.raise_()
    dialog.refresh()
    return dialog

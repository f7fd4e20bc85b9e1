"""The clinic's network in the viewer: the local study store, PACS query/retrieve/send and the receiver.

All network and disk work runs as viewer jobs (progress, cancel); the
receiver's arrivals reach the GUI through a queued signal. Nothing connects
anywhere until the user configures a node or turns the receiver on.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import OutpostError
from viewer.core.files import format_size

ARRIVALS_SHOWN = 200


def _date(text: str) -> str:
    return f"{text[:4]}-{text[4:6]}-{text[6:]}" if len(text) == 8 and text.isdigit() else text


class _ArrivalSignal(QObject):
    """Carries arrivals from the receiver's association threads to the GUI thread."""

    arrived = Signal(object)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, list[str]]]) -> None:
    """Rows of ``(key kept on the first cell, texts)``."""
    table.setRowCount(0)
    for key, texts in rows:
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(row, column, item)


def _selected_key(table: QTableWidget) -> str | None:
    row = table.currentRow()
    item = table.item(row, 0) if row >= 0 else None
    return item.data(Qt.ItemDataRole.UserRole) if item is not None else None


class QtNetworkPanel(QWidget):
    """Local store, remote nodes (echo, find, retrieve, send) and the storage SCP.

    Parameters
    ----------
    window
        The main window (jobs, notices, opening studies).
    settings_path, store_dir
        Override the per-user settings file and study store (tests use temporary ones).
    """

    def __init__(self, window, settings_path=None, store_dir=None) -> None:
        super().__init__(window)
        self.window = window
        self._settings_path, self._store_dir = settings_path, store_dir
        self._settings = None
        self._store = None
        self.receiver = None
        self.matches: list = []
        self._signal = _ArrivalSignal()
        self._signal.arrived.connect(self._on_arrival)
        layout = QVBoxLayout(self)
        layout.addWidget(self._build_store())
        layout.addWidget(self._build_remote())
        layout.addWidget(self._build_receiver())
        layout.addStretch(1)

    # ------------------------------------------------------------------ lazily opened
    @property
    def settings(self):
        """The PACS settings (nodes, own AE title, receiver), read on first use."""
        if self._settings is None:
            from viewer.pacs.nodes import PacsSettings

            self._settings = PacsSettings(self._settings_path)
        return self._settings

    @property
    def store(self):
        """The local study store, opened on first use."""
        if self._store is None:
            from viewer.pacs.store import LocalStore

            self._store = LocalStore(self._store_dir)
        return self._store

    # ------------------------------------------------------------------ local store
    def _build_store(self) -> QGroupBox:
        group = QGroupBox(self.tr("Local study store"))
        layout = QVBoxLayout(group)
        self.store_table = _table([self.tr("Date"), self.tr("Patient"), self.tr("ID"), self.tr("Modality"),
                                   self.tr("Series"), self.tr("Images"), self.tr("Size"), self.tr("Description")])
        self.store_table.cellDoubleClicked.connect(lambda *_: self.open_selected_study())
        self.disk_label = QLabel(self.tr("Not opened yet"))
        buttons = QHBoxLayout()
        for text, slot in ((self.tr("Refresh"), self.refresh_store),
                           (self.tr("Import folder…"), self._import_folder),
                           (self.tr("Open"), self.open_selected_study),
                           (self.tr("Delete"), self.delete_selected_study)):
            button = QPushButton(text)
            button.clicked.connect(lambda checked=False, s=slot: s())
            buttons.addWidget(button)
        layout.addWidget(self.store_table)
        layout.addWidget(self.disk_label)
        layout.addLayout(buttons)
        return group

    def refresh_store(self) -> None:
        """List the stored studies and the disk they use."""
        try:
            studies = self.store.studies()
        except OutpostError as e:
            self.window.notify_error(str(e))
            return
        _fill(self.store_table, [(s.study_uid, [_date(s.study_date), s.patient_name.replace("^", " "),
                                                s.patient_id, ",".join(s.modalities), str(s.series_count),
                                                str(s.instance_count), format_size(s.size_bytes),
                                                s.description]) for s in studies])
        self.disk_label.setText(self.tr("{n} studies, {size} in {folder}").format(
            n=len(studies), size=format_size(sum(s.size_bytes for s in studies)), folder=self.store.root))

    def _import_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        folder = QFileDialog.getExistingDirectory(self, self.tr("Import a folder, CD or USB stick into the store"))
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: list[str]):
        """Copy studies into the store in the background; the same instance is stored once."""
        return self.window.run_job(self.store.import_paths, list(paths), name=self.tr("import"),
                                   on_result=lambda result: self.refresh_store())

    def open_selected_study(self) -> None:
        """Show the selected stored study in the viewer."""
        study_uid = _selected_key(self.store_table)
        if study_uid:
            self.open_study(study_uid)

    def open_study(self, study_uid: str) -> None:
        """Open a stored study in the viewer."""
        files = [str(path) for path in self.store.files(study_uid)]
        if files:
            self.window.open_paths(files)

    def delete_selected_study(self) -> None:
        """Delete the selected study from the store (after asking)."""
        from PySide6.QtWidgets import QMessageBox

        study_uid = _selected_key(self.store_table)
        if not study_uid:
            return
        answer = QMessageBox.question(self, self.tr("Delete study"),
                                      self.tr("Delete this study from the local store? "
                                              "Its files are removed from this computer."))
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_study(study_uid)

    def delete_study(self, study_uid: str) -> None:
        """Remove a study from the store."""
        try:
            self.store.delete_study(study_uid)
        except OutpostError as e:
            self.window.notify_error(str(e))
        self.refresh_store()

    # ------------------------------------------------------------------ remote nodes
    def _build_remote(self) -> QGroupBox:
        group = QGroupBox("PACS")
        layout = QVBoxLayout(group)
        nodes = QHBoxLayout()
        self.node_box = QComboBox()
        self.node_box.setMinimumContentsLength(16)
        add = QPushButton(self.tr("Add…"))
        add.setToolTip(self.tr("Add a node as AET@host:port"))
        add.clicked.connect(self._add_node_dialog)
        echo = QPushButton(self.tr("Echo"))
        echo.setToolTip(self.tr("Check the node answers (C-ECHO)"))
        echo.clicked.connect(self.echo)
        nodes.addWidget(self.node_box, 1)
        nodes.addWidget(add)
        nodes.addWidget(echo)
        layout.addLayout(nodes)
        form = QFormLayout()
        self.query_fields = {name: QLineEdit() for name in ("patient_name", "patient_id", "dates", "modality",
                                                            "accession_number")}
        self.query_fields["dates"].setPlaceholderText(self.tr("YYYYMMDD, or YYYYMMDD-YYYYMMDD"))
        for name, title in (("patient_name", self.tr("Patient name")), ("patient_id", self.tr("Patient ID")),
                            ("dates", self.tr("Study date")), ("modality", self.tr("Modality")),
                            ("accession_number", self.tr("Accession"))):
            self.query_fields[name].returnPressed.connect(self.search)
            form.addRow(title, self.query_fields[name])
        layout.addLayout(form)
        self.matches_table = _table([self.tr("Date"), self.tr("Patient"), self.tr("ID"), self.tr("Modality"),
                                     self.tr("Series"), self.tr("Description")])
        self.matches_table.cellDoubleClicked.connect(lambda *_: self.retrieve_selected())
        layout.addWidget(self.matches_table)
        buttons = QHBoxLayout()
        self.method_box = QComboBox()
        self.method_box.addItems(["C-GET", "C-MOVE", "WADO-RS"])
        self.method_box.setToolTip(self.tr("C-MOVE needs the PACS to know this computer's receiver; "
                                           "WADO-RS needs the node's DICOMweb address"))
        for text, slot in ((self.tr("Search"), self.search), (self.tr("Retrieve"), self.retrieve_selected),
                           (self.tr("Send series shown"), self.send_shown_series),
                           (self.tr("Send files…"), self._send_files_dialog)):
            button = QPushButton(text)
            button.clicked.connect(lambda checked=False, s=slot: s())
            buttons.addWidget(button)
        buttons.addWidget(self.method_box)
        layout.addLayout(buttons)
        self.remote_status = QLabel()
        self.remote_status.setWordWrap(True)
        layout.addWidget(self.remote_status)
        return group

    def refresh_nodes(self) -> None:
        """Fill the node list from the settings."""
        self.node_box.clear()
        for name, node in sorted(self.settings.nodes.items()):
            self.node_box.addItem(node.describe(), name)

    def add_node(self, address: str, name: str = "") -> None:
        """Add (and save) a node given as ``AET@host:port``."""
        from viewer.pacs.nodes import parse_address

        node = parse_address(address, name or address.split("@")[0].lower())
        self.settings.add(node)
        self.settings.save()
        self.refresh_nodes()
        self.node_box.setCurrentIndex(self.node_box.findData(node.name))

    def _add_node_dialog(self) -> None:
        address, ok = QInputDialog.getText(self, self.tr("Add a DICOM node"), self.tr("AE title@host:port"))
        if ok and address.strip():
            try:
                self.add_node(address.strip())
            except OutpostError as e:
                self.window.notify_error(str(e))

    def _node(self):
        name = self.node_box.currentData()
        if name is None:
            raise OutpostError("add a PACS node first (AET@host:port)")
        return self.settings.resolve(name)

    def _remote_job(self, function, *args, name: str, on_result, **kwargs):
        try:
            node = self._node()
        except OutpostError as e:
            self.window.notify_error(str(e))
            return None
        self.remote_status.setText(f"{name}…")
        job = self.window.run_job(function, node, *args, name=name, on_result=on_result,
                                  on_error=self._on_remote_error, **kwargs)
        # Cancelling aborts the association, so even a hung PACS lets go at once.
        job.signals.cancelled.connect(
            lambda: self.remote_status.setText(self.tr("{name} cancelled").format(name=name)))
        return job

    def _on_remote_error(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, OutpostError) else f"{type(error).__name__}: {error}"
        self.remote_status.setText(text)
        self.window.notify_error(text)

    def echo(self):
        """C-ECHO the selected node."""
        from viewer.pacs.dimse import echo

        return self._remote_job(echo, self.settings.local, name=self.tr("echo"),
                                on_result=lambda seconds: self.remote_status.setText(
                                    self.tr("The node answered in {ms} ms").format(ms=f"{seconds * 1000:.0f}")))

    def query(self):
        """The study-level query the form describes."""
        from viewer.pacs.query import FindQuery, parse_date_range

        fields = {name: field.text().strip() for name, field in self.query_fields.items()}
        date_from, date_to = parse_date_range(fields.pop("dates")) if fields["dates"] else ("", "")
        fields.pop("dates", None)
        return FindQuery(level="STUDY", date_from=date_from, date_to=date_to,
                         modality=fields["modality"].upper(), patient_name=fields["patient_name"],
                         patient_id=fields["patient_id"], accession_number=fields["accession_number"])

    def search(self):
        """C-FIND (or QIDO-RS with the WADO-RS method) studies matching the form."""
        try:
            query = self.query()
        except OutpostError as e:
            self.window.notify_error(str(e))
            return None
        if self.method_box.currentText() == "WADO-RS":
            from viewer.pacs.dicomweb import search
        else:
            from viewer.pacs.dimse import find as search
        return self._remote_job(search, query, self.settings.local, name=self.tr("search"),
                                on_result=self._on_matches)

    def _on_matches(self, matches: list) -> None:
        self.matches = matches
        _fill(self.matches_table, [(m.study_uid, [_date(m.study_date), m.patient_name.replace("^", " "),
                                                  m.patient_id, ",".join(m.modalities),
                                                  "" if m.series_count is None else str(m.series_count),
                                                  m.study_description]) for m in matches])
        self.remote_status.setText(self.tr("{n} studies found").format(n=len(matches)))

    def retrieve_selected(self):
        """Retrieve the selected study into the store, then open it."""
        study_uid = _selected_key(self.matches_table)
        if not study_uid:
            return None
        method = self.method_box.currentText()
        if method == "WADO-RS":
            from viewer.pacs.dicomweb import retrieve

            return self._remote_job(retrieve, study_uid, store=self.store, name="retrieve (WADO-RS)",
                                    on_result=self._on_retrieved)
        from viewer.pacs.dimse import get, move

        if method == "C-MOVE":
            return self._remote_job(move, study_uid, store=self.store, receiver=self.receiver,
                                    local=self.settings.local, name="retrieve (C-MOVE)",
                                    on_result=self._on_retrieved)
        return self._remote_job(get, study_uid, store=self.store, local=self.settings.local,
                                name="retrieve (C-GET)", on_result=self._on_retrieved)

    def _on_retrieved(self, result) -> None:
        self.remote_status.setText(self.tr("Retrieved {n} images ({new} new)").format(
            n=len(result.instances), new=result.added)
            + (", " + self.tr("{n} failed").format(n=result.failed) if result.failed else ""))
        self.refresh_store()
        for study_uid in result.study_uids[:1]:
            self.open_study(study_uid)

    def send_shown_series(self):
        """C-STORE (or STOW-RS) the series on screen to the selected node."""
        series = self.window.state.series
        if series is None:
            self.window.notify_error(self.tr("Open a series first"))
            return None
        return self.send_files([str(instance.source.path) for instance in series.instances])

    def _send_files_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Send DICOM files (e.g. a SEG or SR Outpost made)"))
        if files:
            self.send_files(files)

    def send_files(self, files: list[str]):
        """C-STORE (or STOW-RS) DICOM files, such as the SEG and SR Outpost made, to the selected node."""
        if self.method_box.currentText() == "WADO-RS":
            from viewer.pacs.dicomweb import store_files as send
        else:
            from viewer.pacs.dimse import send
        return self._remote_job(send, files, self.settings.local, name=self.tr("send"), on_result=self._on_sent)

    def _on_sent(self, result) -> None:
        failed = ("; " + self.tr("{n} refused: {reason}").format(n=len(result.failed),
                                                                 reason=result.failed[0][1])
                  if result.failed else "")
        self.remote_status.setText(self.tr("Sent {n} images").format(n=result.sent) + failed)

    # ------------------------------------------------------------------ receiver
    def _build_receiver(self) -> QGroupBox:
        group = QGroupBox(self.tr("Receive from modalities (storage SCP)"))
        layout = QVBoxLayout(group)
        row = QHBoxLayout()
        self.receiver_check = QCheckBox(self.tr("On"))
        self.receiver_check.setToolTip(self.tr("Off by default: when on, this computer accepts DICOM images sent "
                                               "to it"))
        self.receiver_check.toggled.connect(self.set_receiver)
        self.receiver_ae = QLineEdit("OUTPOST")
        self.receiver_port = QSpinBox()
        self.receiver_port.setRange(0, 65535)
        self.receiver_port.setValue(11112)
        row.addWidget(self.receiver_check)
        row.addWidget(QLabel(self.tr("AE title")))
        row.addWidget(self.receiver_ae)
        row.addWidget(QLabel(self.tr("port")))
        row.addWidget(self.receiver_port)
        layout.addLayout(row)
        callers = QHBoxLayout()
        self.receiver_callers = QLineEdit()
        self.receiver_callers.setPlaceholderText(self.tr("anyone (or e.g. CT1@10.0.0.5, MR2)"))
        self.receiver_callers.setToolTip(self.tr("Calling AE titles allowed to send, each optionally @ an IP "
                                                 "address or network; everyone else is refused. Saved in "
                                                 "pacs.json."))
        self._callers_loaded = False
        callers.addWidget(QLabel(self.tr("Allowed callers")))
        callers.addWidget(self.receiver_callers)
        layout.addLayout(callers)
        self.arrivals = QListWidget()
        self.arrivals.setMaximumHeight(120)
        self.receiver_status = QLabel(self.tr("Off"))
        layout.addWidget(self.receiver_status)
        layout.addWidget(self.arrivals)
        return group

    def _receiver_settings(self):
        """The settings' receiver section with the allowed callers of the field (saved when they changed).

        The field shows the saved list the first time the receiver is turned on
        (unless something was typed into it before); from then on, it is the list.

        Raises
        ------
        NodeConfigError
            An entry is not ``AE`` or ``AE@ADDRESS``.
        """
        import re
        from dataclasses import replace

        saved = self.settings.receiver
        if not self._callers_loaded:
            self._callers_loaded = True
            if not self.receiver_callers.text().strip():
                self.receiver_callers.setText(", ".join(saved.allowed_callers))
        entries = [entry for entry in re.split(r"[\s,]+", self.receiver_callers.text()) if entry]
        wanted = replace(saved, allowed_callers=entries)
        if wanted.allowed_callers != saved.allowed_callers:
            self.settings.receiver = wanted
            self.settings.save()
        self.receiver_callers.setText(", ".join(wanted.allowed_callers))
        return wanted

    def set_receiver(self, on: bool) -> None:
        """Start or stop the storage SCP (loopback unless the settings say otherwise)."""
        from viewer.pacs.receiver import Receiver

        if not on:
            if self.receiver is not None:
                self.receiver.stop()
                self.receiver = None
            self.receiver_status.setText(self.tr("Off"))
            return
        try:
            local = self.settings.local
            self.receiver = Receiver(self.store, ae_title=self.receiver_ae.text().strip() or local.ae_title,
                                     host=local.receiver_host, port=self.receiver_port.value(),
                                     on_arrival=self._signal.arrived.emit, timeouts=local.timeouts,
                                     settings=self._receiver_settings())
            self.receiver.start()
        except OutpostError as e:
            self.receiver = None
            self.receiver_check.blockSignals(True)
            self.receiver_check.setChecked(False)
            self.receiver_check.blockSignals(False)
            self.window.notify_error(str(e))
            return
        self.receiver_status.setText(self.tr("Listening as {ae} on {host}:{port}, from {callers}").format(
            ae=self.receiver.ae_title, host=self.receiver.host, port=self.receiver.port,
            callers=self.receiver.describe_callers()))

    def _on_arrival(self, arrival) -> None:
        from viewer.core.dicom.headers import sop_class_name
        from viewer.core.text import printable

        instance = arrival.instance
        note = (" " + self.tr("(other content under a stored UID: kept apart)") if instance.conflict
                else " " + self.tr("(already stored)") if instance.duplicate else "")
        self.arrivals.insertItem(0, f"{printable(arrival.calling_ae)}: {sop_class_name(instance.sop_class_uid)} "
                                    f"…{printable(instance.sop_uid[-12:])}{note}")
        while self.arrivals.count() > ARRIVALS_SHOWN:
            self.arrivals.takeItem(self.arrivals.count() - 1)
        self.receiver_status.setText(self.tr("Listening as {ae} on {host}:{port}; {n} received").format(
            ae=self.receiver.ae_title, host=self.receiver.host, port=self.receiver.port, n=self.receiver.received)
            if self.receiver is not None else self.tr("Off"))

    def close(self) -> bool:  # noqa: D102 - QWidget override: stop listening and close the index
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
        if self._store is not None:
            self._store.close()
            self._store = None
        return super().close()

"""Export the series shown, as it is or anonymised: the plan is shown before anything is written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from viewer.qt.qt_workers import Job


class QtExportDialog(QDialog):
    """Choose the folder and the anonymisation; read what will be removed; then write.

    Parameters
    ----------
    window
        The main window (its series, jobs and notices are used).
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.setWindowTitle(self.tr("Export series"))
        self.plan = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        folder_row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(self.tr("a new or empty folder"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(folder_row)
        form.addRow(self.tr("Folder"), holder)
        self.anonymize = QCheckBox(self.tr("Anonymise (DICOM PS3.15 basic profile)"))
        self.anonymize.setChecked(True)
        self.anonymize.toggled.connect(self._invalidate)
        form.addRow(self.anonymize)
        self.patient_name = QLineEdit("Anonymous")
        self.patient_id = QLineEdit("ANON")
        self.shift_dates = QCheckBox(self.tr("Shift dates instead of removing them, by (days)"))
        self.shift_days = QSpinBox()
        self.shift_days.setRange(-36500, 36500)
        self.shift_days.setValue(-365)
        for widget in (self.patient_name, self.patient_id):
            widget.textChanged.connect(self._invalidate)
        self.shift_dates.toggled.connect(self._invalidate)
        self.shift_days.valueChanged.connect(self._invalidate)
        form.addRow(self.tr("New patient name"), self.patient_name)
        form.addRow(self.tr("New patient ID"), self.patient_id)
        form.addRow(self.shift_dates, self.shift_days)
        layout.addLayout(form)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.summary.setPlaceholderText(
            self.tr("Press Review to see what will be removed before anything is written."))
        layout.addWidget(self.summary, 1)
        self.buttons = QDialogButtonBox()
        self.review_button = self.buttons.addButton(self.tr("Review"), QDialogButtonBox.ButtonRole.ActionRole)
        self.write_button = self.buttons.addButton(self.tr("Write"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.review_button.clicked.connect(self.review)
        self.write_button.clicked.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        self.write_button.setEnabled(False)
        layout.addWidget(self.buttons)
        self.resize(720, 520)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export into a new or empty folder"))
        if folder:
            self.folder.setText(folder)

    def _invalidate(self) -> None:
        self.plan = None
        self.write_button.setEnabled(not self.anonymize.isChecked())
        if self.anonymize.isChecked():
            self.summary.setPlainText("")

    def _options(self):
        from viewer.export.anonymize import AnonymizationOptions

        return AnonymizationOptions(patient_name=self.patient_name.text().strip() or "Anonymous",
                                    patient_id=self.patient_id.text().strip() or "ANON",
                                    date_shift_days=self.shift_days.value() if self.shift_dates.isChecked()
                                    else None)

    def _sources(self) -> list:
        series = self.window.state.series
        return [instance.source for instance in series.instances] if series is not None else []

    def _files(self) -> list[str]:
        return [str(source.path) for source in self._sources()]

    def review(self) -> Job | None:
        """Plan the anonymisation in the background and show what it will do."""
        if not self.anonymize.isChecked():
            self.summary.setPlainText(
                self.tr("{n} file(s) will be copied unchanged.").format(n=len(self._files())))
            return None
        from viewer.export.anonymize import plan_anonymization

        self.summary.setPlainText(self.tr("Reading the files…"))
        return self.window.run_job(plan_anonymization, self._files(), self._options(), name="anonymisation plan",
                                   on_result=self._on_plan,
                                   on_error=lambda e: self.summary.setPlainText(
                                       self.tr("Cannot anonymise: {error}").format(error=e)))

    def _on_plan(self, plan) -> None:
        self.plan = plan
        self.summary.setPlainText("\n".join(plan.summary()))
        self.write_button.setEnabled(True)

    def write(self) -> Job | None:
        """Write the copy (after a review, when anonymising) into the chosen folder."""
        from viewer.core.errors import OutpostError

        folder = self.folder.text().strip()
        if not folder:
            self.summary.appendPlainText(self.tr("Choose a folder first."))
            return None
        if self.anonymize.isChecked():
            if self.plan is None:
                return None
            from viewer.export.anonymize import write_anonymized

            function, what, name = write_anonymized, self.plan, "anonymised export"
        else:
            from viewer.export.copy import copy_files

            function, what, name = copy_files, self._sources(), "export"
        self.write_button.setEnabled(False)

        def failed(error: BaseException) -> None:
            known = isinstance(error, OutpostError | OSError)
            self.window.notify_error(self.tr("Export failed: {error}").format(
                error=error if known else type(error).__name__))

        return self.window.run_job(  # the main window's jobs show progress and can be cancelled
            function, what, Path(folder), name=name, on_result=lambda written: self._on_written(folder, written),
            on_error=failed)

    def _on_written(self, folder: str, written) -> None:
        self.window.show_status(
            self.tr("Exported {n} file(s) into {folder}").format(n=len(written), folder=folder))
        self.accept()

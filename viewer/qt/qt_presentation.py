"""What was saved with a study, on the series shown: reports drawn back, presentation states offered.

When a series has loaded (:meth:`QtPresentationStates.series_loaded`), the structured reports
and presentation states the scan found in its study are read in the background
(:func:`viewer.model.report.read_saved`): the measurements of TID 1500 reports (Outpost's or
another system's) are drawn on their images at once, and the Grayscale Softcopy Presentation
States that reference the series are offered in *View ▸ Presentation states…*, listed by date
and label. Applying one sets its window, shows its graphics as measurements with its text,
and masks what its shutter hides; *File ▸ Save presentation state (GSPS)…* writes one of the
series shown.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from viewer.core.errors import OutpostError
from viewer.export.gsps import PresentationState, Shutter, write_gsps
from viewer.model.report import (
    SavedWithStudy,
    annotations_of,
    not_shown,
    presentation_graphics,
    presentation_window,
    read_saved,
    shutter_overlay,
)
from viewer.model.state import Measurement
from viewer.qt.qt_i18n import translate as _tr

#: What the scan calls the objects read here (see viewer.core.dicom.scan.OBJECT_FAMILIES).
REPORT_KIND, PRESENTATION_KIND = "structured report", "presentation state"


def describe(presentation: PresentationState) -> str:
    """One line for a list: date and time, label, description (no person's name)."""
    created = presentation.created
    when = f"{created[:4]}-{created[4:6]}-{created[6:8]} {created[9:11]}:{created[11:13]}" \
        if len(created) >= 13 else created or _tr("undated")
    return " — ".join(part for part in (when, presentation.label, presentation.description) if part)


class QtPresentationChooser(QDialog):
    """Lists a series' presentation states; the first row shows the images as they are."""

    def __init__(self, presentations: list[PresentationState], current: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Presentation states"))
        self.list = QListWidget()
        self.list.addItem(self.tr("None: the images as stored, measurements as read"))
        for presentation in presentations:
            self.list.addItem(describe(presentation))
        self.list.setCurrentRow(0 if current is None else current + 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Saved with this study for the series shown:")))
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    @property
    def chosen(self) -> int | None:
        """The presentation state chosen (an index), or ``None`` for none."""
        row = self.list.currentRow()
        return row - 1 if row >= 1 else None


class QtPresentationStates:
    """The main window's presentation states and reports saved with the study.

    Attributes
    ----------
    presentations
        ``(path, presentation state)`` offered for the series shown, oldest first.
    applied
        The index of the one applied, or ``None``.
    shutter
        The shutter shown (from the one applied); a presentation state saved now keeps it.
    """

    def __init__(self, window) -> None:
        self.window = window
        self.presentations: list[tuple[str, PresentationState]] = []
        self.applied: int | None = None
        self.shutter: Shutter | None = None
        self.job = None
        self._dialog: QtPresentationChooser | None = None
        self._annotations: list[Measurement] = []
        self._overlay = None
        window.state.volume_changed.connect(self._forget)

    # ------------------------------------------------------------------ finding
    def _forget(self) -> None:
        """Another series is shown: what was found and applied belonged to the last one."""
        self.presentations, self.applied, self.shutter = [], None, None
        self._annotations, self._overlay = [], None

    def series_loaded(self, volume, series):
        """Read the study's reports and presentation states for the series just loaded, in the background.

        Returns
        -------
        Job or None
            The reading, or ``None`` when the study has none of them.
        """
        study = getattr(series, "study", None)
        objects = list(study.objects) if study is not None else []
        reports = [o.path for o in objects if o.kind == REPORT_KIND]
        states = [o.path for o in objects if o.kind == PRESENTATION_KIND]
        if not reports and not states:
            self.job = None
            return None
        self.job = self.window.run_job(read_saved, reports, states, volume, series, name="saved with the study",
                                       on_result=lambda saved, v=volume: self._on_found(v, saved))
        return self.job

    def _on_found(self, volume, saved: SavedWithStudy) -> None:
        state = self.window.state
        if state.volume is not volume:
            return  # another series is on screen now
        self.presentations = saved.presentations
        drawn = not_shown(state.measurements, saved.reading.measurements)
        with self._quietly():
            for measurement in drawn:
                state.add_measurement(measurement)
        notes = []
        if drawn:
            notes.append(_tr("{n} measurement(s) drawn from the study's reports").format(n=len(drawn)))
        if saved.reading.skipped:
            notes.append(_tr("{n} not drawn (no place on these images)").format(n=saved.reading.skipped))
        if self.presentations:
            notes.append(_tr("{n} presentation state(s) saved with this study: View ▸ Presentation states…")
                         .format(n=len(self.presentations)))
        if saved.unreadable:
            notes.append(_tr("{n} presentation state(s) could not be read").format(n=saved.unreadable))
        if notes:
            self.window.show_status("; ".join(notes))

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change the measurements without keeping them as the reader's (they came with the study)."""
        restoring, self.window._restoring = self.window._restoring, True
        try:
            yield
        finally:
            self.window._restoring = restoring

    # ------------------------------------------------------------------ applying
    def choose(self) -> QtPresentationChooser | None:
        """Offer the presentation states of the series shown; the one chosen is applied."""
        if not self.presentations:
            self.window.show_status(_tr("No presentation state was saved with this study for the series shown"))
            return None
        dialog = QtPresentationChooser([p for _path, p in self.presentations], self.applied, self.window)
        dialog.accepted.connect(lambda: self.apply(dialog.chosen))
        dialog.setModal(False)
        dialog.show()
        self._dialog = dialog
        return dialog

    def apply(self, index: int | None) -> None:
        """Apply presentation state ``index`` of :attr:`presentations` (``None``: take the last one off)."""
        self.clear()
        if index is None or not 0 <= index < len(self.presentations):
            return
        state = self.window.state
        volume, series = state.volume, state.series
        if volume is None:
            return
        _path, presentation = self.presentations[index]
        window = presentation_window(presentation, series)
        if window is not None:
            state.set_window(window)
        if presentation.invert is not None:
            state.set_invert(presentation.invert)
        reading = annotations_of(volume, presentation, series)
        self._annotations = not_shown(state.measurements, reading.measurements)
        with self._quietly():
            for measurement in self._annotations:
                state.add_measurement(measurement)
        self._overlay = shutter_overlay(volume, presentation, series)
        if self._overlay is not None:
            state.add_overlay(self._overlay)
        self.shutter, self.applied = presentation.shutter, index
        skipped = "; " + _tr("{n} graphic(s) not drawn").format(n=reading.skipped) if reading.skipped else ""
        self.window.show_status(_tr("Presentation state {name} applied: {n} annotation(s)").format(
            name=describe(presentation), n=len(self._annotations)) + skipped)

    def clear(self) -> None:
        """Take the applied presentation state's annotations and shutter off (the window stays)."""
        state = self.window.state
        with self._quietly():
            for measurement in self._annotations:
                if measurement in state.measurements:
                    state.remove_measurement(measurement.id)
        if self._overlay is not None:
            state.remove_overlay(self._overlay)
        self._annotations, self._overlay, self.shutter, self.applied = [], None, None, None

    # ------------------------------------------------------------------ saving
    def save(self, path: str | Path) -> Path:
        """Write a presentation state of the series shown: window, measurements, shutter.

        Raises
        ------
        OutpostError
            No DICOM series shown, or the presentation state cannot be made.
        """
        from viewer.core.dicom.layout import slice_files

        state = self.window.state
        if state.series is None or state.volume is None:
            raise OutpostError("a presentation state belongs to a DICOM series: open one first")
        return write_gsps(slice_files(state.series), path, window=state.window, invert=state.invert,
                          graphics=presentation_graphics(state.volume, state.measurements), shutter=self.shutter,
                          label="OUTPOST", description="Outpost presentation state")

    def save_dialog(self) -> None:
        """Ask where, then :meth:`save`."""
        path, _ = QFileDialog.getSaveFileName(self.window, _tr("Save presentation state (GSPS)"),
                                              "outpost-presentation-state.dcm", "DICOM (*.dcm)")
        if path:
            try:
                self.save(path)
                self.window.show_status(_tr("Saved {path}").format(path=path))
            except (OutpostError, OSError) as e:
                self.window.notify_error(str(e))

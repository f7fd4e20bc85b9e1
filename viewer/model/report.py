"""The reader's measurements as a TID 1500 report, and back: saved with the series, drawn again on reopening.

A measurement is drawn on a view (:class:`~viewer.model.state.Measurement`: the view, the
plane index and ``(row, col)`` points on that plane as the screen shows it); a report points
into the source images as stored. Only measurements on the acquired plane have a source image
to point to; their points are turned back to the stored image's rows and columns, whatever
flips and turns the radiological display applied.

Measurements are kept, automatically, as a DICOM SR per series in the user data folder
(:func:`autosave_path`): written atomically after each change, removed when the last
measurement is, and read back when the series is opened again.

What was saved with a study is read back onto the series shown: TID 1500 reports, Outpost's
or another system's (:func:`read_measurements`: lengths and planar ROIs on the series'
images, found by SOP Instance UID and frame), and Grayscale Softcopy Presentation States
(:func:`presentation_graphics` writes the reader's measurements as a presentation state's
graphics; :func:`annotations_of`, :func:`presentation_window` and :func:`shutter_overlay`
apply one). What cannot be drawn is counted, never raised.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from viewer.core.display import Window
from viewer.core.errors import ExportError, OutpostError
from viewer.core.files import user_data_dir
from viewer.core.mpr import SlicePlane, acquisition_plane, extract_plane, view_axis
from viewer.core.overlays import LabelInfo, LabelOverlay
from viewer.core.volume import Volume
from viewer.export.gsps import TEXT_ONLY, Graphic, PresentationState
from viewer.export.sr import (
    AIFinding,
    Algorithm,
    LengthMeasurement,
    MeasurementReport,
    RoiMeasurement,
    outline,
    outline_kind,
    read_sr,
    write_sr,
)
from viewer.model.state import Measurement

if TYPE_CHECKING:  # pydicom stays unimported until a study is opened
    from viewer.core.dicom.scan import Series

#: Where the automatically saved measurement reports live, under the user data folder.
AUTOSAVE_FOLDER = "measurements"
_UID = re.compile(r"[0-9]+(\.[0-9]+)*")
#: The longest UID DICOM allows (PS3.5 9.1).
MAX_UID_LENGTH = 64
#: Algorithm name to ``(version, probabilities, volumes in mL)``.
Findings = dict[str, tuple[str, dict[str, float], dict[str, float]]]


def on_source_image(volume: Volume, measurement: Measurement) -> Measurement:
    """``measurement`` with its points as ``(row, col)`` of the stored image it was drawn on."""
    plane = extract_plane(volume, measurement.view, measurement.index)
    points = []
    for row, col in measurement.points:
        x, y, _z = plane.voxel_at(row, col)
        points.append((float(y), float(x)))
    return dataclasses.replace(measurement, points=points)


def report_of(volume: Volume | None, measurements: list[Measurement],
              findings: Findings | None = None) -> MeasurementReport:
    """The measurements on acquired images and the AI findings, as a measurement report.

    Parameters
    ----------
    volume
        The series shown (``None``: only the findings).
    measurements
        The reader's measurements; those on a reformatted plane are left out (no source image).
    findings
        Algorithm name to ``(version, probabilities, volumes in mL)``.
    """
    unit = "[hnsf'U]" if volume is not None and volume.modality == "CT" else "1"
    report, counts = MeasurementReport(), dict[str, int]()
    for m in measurements:
        if volume is None or not m.values or view_axis(volume, m.view) != 2:
            continue  # a reformatted plane is no source image an SR can point to
        m = on_source_image(volume, m)
        counts[m.kind] = counts.get(m.kind, 0) + 1
        label = f"{m.kind.capitalize()} {counts[m.kind]}"
        if m.kind == "length":
            report.lengths.append(LengthMeasurement(label, m.values["length_mm"], m.index, list(m.points)))
        elif m.kind in ("ellipse", "rectangle", "freehand"):
            v = m.values
            report.rois.append(RoiMeasurement(label, v["mean"], v["sd"], v["min"], v["max"], v["area_mm2"],
                                              m.index, m.kind, list(m.points), unit))
    for name, (version, probabilities, volumes) in (findings or {}).items():
        report.findings.append(AIFinding(Algorithm(name, version), probabilities, volumes))
    return report


def _on_acquired_plane(volume: Volume, kind: str, image_index: int, points: list[tuple[float, float]],
                       text: str = "") -> tuple[SlicePlane, Measurement]:
    """A measurement on the acquired plane from ``(row, col)`` points of stored image ``image_index``."""
    plane = extract_plane(volume, acquisition_plane(volume), image_index)
    made = [cast(tuple[float, float], tuple(float(v) for v in plane.pixel_of((col, row, image_index))))
            for row, col in points]
    return plane, Measurement(kind, plane.view, plane.index, made, text=text)


def measurements_of(volume: Volume, report: MeasurementReport) -> list[Measurement]:
    """The report's lengths and ROIs as measurements on the acquired plane, values computed again.

    Measurements that name an image outside the series (index -1 or beyond) are left out.
    """
    unit = "HU" if volume.modality == "CT" else ""
    made = []
    items: list[LengthMeasurement | RoiMeasurement] = [*report.lengths, *report.rois]
    for item in items:
        if not 0 <= item.image_index < volume.shape_zyx[0]:
            continue
        kind = "length" if isinstance(item, LengthMeasurement) else item.kind
        plane, measurement = _on_acquired_plane(volume, kind, item.image_index, item.points)
        measurement.compute(plane, unit)
        made.append(measurement)
    return made


def autosave_path(volume: Volume) -> Path | None:
    """The file the series' measurements are kept in, or ``None`` when it has no usable UIDs."""
    study, series = volume.provenance.study_uid, volume.provenance.series_uid
    if not all(_UID.fullmatch(uid or "") and len(uid) <= MAX_UID_LENGTH for uid in (study, series)):
        return None  # a UID DICOM does not allow (a file could hold one far too long for a file name)
    return user_data_dir() / AUTOSAVE_FOLDER / study / f"{series}.dcm"


def save_measurements(volume: Volume, measurements: list[Measurement], source_files: list[str | os.PathLike[str]],
                      observer: str = "") -> Path | None:
    """Keep the series' measurements on acquired images (none: the file is removed).

    Returns
    -------
    pathlib.Path or None
        The file written, or ``None`` when nothing was kept.

    Raises
    ------
    ExportError
        The report cannot be written (the source images cannot be read, the disk is full).
    """
    path = autosave_path(volume)
    if path is None:
        return None
    report = report_of(volume, measurements)
    report.observer = observer
    if not (report.lengths or report.rois):
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        return write_sr(report, source_files, path, series_description="Outpost measurements (kept)")
    except OSError as e:
        raise ExportError(f"cannot keep the measurements: {e.strerror or e}") from e


def load_measurements(volume: Volume) -> list[Measurement]:
    """The measurements kept for this series (none when there are none, or the file cannot be read)."""
    path = autosave_path(volume)
    if path is None or not path.is_file():
        return []
    try:
        return measurements_of(volume, read_sr(path))
    except ExportError:
        return []


# --------------------------------------------------------------------------- saved with the study
@dataclass
class SavedReading:
    """What a report or presentation state saved with the study draws on the series shown.

    Attributes
    ----------
    measurements
        Its measurements and annotations, on the acquired plane.
    skipped
        What it holds for this series (or for no image) that cannot be drawn.
    elsewhere
        What it holds for images of other series (not drawn here, not a problem).
    """

    measurements: list[Measurement] = field(default_factory=list)
    skipped: int = 0
    elsewhere: int = 0


#: SOP Instance UID to ``{frame number: slice z}`` of the series shown (``None``: the only frame).
ImageIndices = dict[str, dict[int | None, int]]


def image_indices(volume: Volume, series: Series | None = None) -> ImageIndices:
    """Where each image of the series shown is: SOP Instance UID and frame number to slice ``z``.

    Parameters
    ----------
    volume
        The series shown.
    series
        Its :class:`~viewer.core.dicom.scan.Series`, which knows each slice's frame number;
        without it only single-frame images are found (from the volume's provenance).
    """
    found: ImageIndices = {}
    if series is not None:
        from viewer.core.dicom.layout import plan_layout

        try:
            column = plan_layout(series).grid[0]
        except (OutpostError, IndexError, ValueError):
            column = []
        for z, ref in enumerate(column[:volume.shape_zyx[0]]):
            if ref.frame.tile is None:  # a mosaic's tiles share one frame: no reference tells them apart
                found.setdefault(ref.instance.sop_instance_uid, {})[ref.frame.index + 1] = z
        for frames in found.values():
            if len(frames) == 1:
                frames[None] = next(iter(frames.values()))
        if found:
            return found
    uids = volume.provenance.sop_instance_uids[:volume.shape_zyx[0]]
    for z, uid in enumerate(uids):
        if uid and uids.count(uid) == 1:
            found[uid] = {1: z, None: z}
    return found


def _slices(indices: ImageIndices, uid: str, frames: tuple[int, ...] = ()) -> list[int]:
    """The slices of image ``uid`` (its ``frames``, or all of it when none are named)."""
    known = indices.get(uid, {})
    if not frames:
        return sorted({z for frame, z in known.items() if frame is not None} or set(known.values()))
    return sorted({known[f] for f in frames if f in known})


def read_measurements(path: str | os.PathLike[str], volume: Volume, series: Series | None = None) -> SavedReading:
    """The lengths and planar ROIs of a TID 1500 report (Outpost's or another system's) on the series shown.

    Images are found by SOP Instance UID and frame number (:func:`image_indices`), so the report
    may list its evidence in any order; values are computed again on the images.

    Raises
    ------
    ExportError
        The file cannot be read or is not a measurement report.
    """
    indices = image_indices(volume, series)

    def locate(uid: str, frame: int | None) -> int:
        found = _slices(indices, uid, (frame,) if frame is not None else ())
        return found[0] if len(found) == 1 else -1

    report = read_sr(path, locate)
    items: list[LengthMeasurement | RoiMeasurement] = [*report.lengths, *report.rois]
    elsewhere = sum(1 for item in items if item.image_index < 0)
    made = measurements_of(volume, report)
    return SavedReading(made, skipped=report.skipped + len(items) - elsewhere - len(made), elsewhere=elsewhere)


def presentation_graphics(volume: Volume, measurements: list[Measurement]) -> dict[int, list[Graphic]]:
    """The measurements on acquired images as a presentation state's graphics, per image ``z``.

    Lengths and angles are open polylines, rectangles and freehand outlines closed ones,
    ellipses ellipses, each with its text, on the stored image's rows and columns. Measurements
    on a reformatted plane are left out (no image to draw them on).
    """
    graphics: dict[int, list[Graphic]] = {}
    for m in measurements:
        if view_axis(volume, m.view) != 2 or not m.points:
            continue
        m = on_source_image(volume, m)
        if m.kind in ("length", "angle"):
            graphic = Graphic("POLYLINE", list(m.points), m.text)
        else:
            try:
                graphic = Graphic(*outline(m.kind, list(m.points)), m.text)
            except ExportError:
                continue  # an unfinished outline
        graphics.setdefault(m.index, []).append(graphic)
    return graphics


def _kind_of(graphic: Graphic) -> tuple[str, list[tuple[float, float]]] | None:
    """The measurement kind and points that draw a graphic, or ``None`` (a point, a text alone)."""
    points = graphic.points
    if graphic.graphic_type == "POLYLINE" and points[0] != points[-1] and len(points) in (2, 3):
        return ("length" if len(points) == 2 else "angle"), list(points)
    try:
        return outline_kind(graphic.graphic_type, list(points))
    except ValueError:
        return None


def annotations_of(volume: Volume, presentation: PresentationState, series: Series | None = None) -> SavedReading:
    """A presentation state's graphics on the series shown, as measurements with the state's text.

    Their values are not computed (the text is what the presentation state says), so they
    are shown and listed but not kept in the series' report (:func:`report_of` leaves out
    measurements without values).
    """
    indices = image_indices(volume, series)
    reading = SavedReading()
    for (uid, frame), graphics in presentation.graphics.items():
        slices = _slices(indices, uid, (frame,) if frame is not None else ())
        if uid not in indices:
            reading.elsewhere += len(graphics)
            continue
        for graphic in graphics:
            shape = _kind_of(graphic) if graphic.graphic_type != TEXT_ONLY and graphic.points else None
            if shape is None or not slices:
                reading.skipped += 1
                continue
            for z in slices:
                reading.measurements.append(_on_acquired_plane(volume, shape[0], z, shape[1], graphic.text)[1])
    reading.skipped += presentation.skipped
    return reading


def presentation_window(presentation: PresentationState, series: Series | None = None) -> Window | None:
    """The presentation state's window in the values the viewer shows (after the images' modality LUT).

    A presentation state's window applies to the output of its own modality LUT; where that
    differs from the images' rescale (the series' first frame), the window is carried over.
    """
    window = presentation.window
    if window is None or presentation.rescale is None or series is None or not series.frames:
        return window
    frame = series.frames[0].frame
    slope, intercept = presentation.rescale
    if (slope, intercept) == (frame.slope, frame.intercept) or not frame.slope:
        return window
    stored = (window.center - intercept) / slope
    return Window(stored * frame.slope + frame.intercept, window.width * abs(frame.slope / slope))


def shutter_overlay(volume: Volume, presentation: PresentationState,
                    series: Series | None = None) -> LabelOverlay | None:
    """The presentation state's display shutter as an opaque overlay on the images it references.

    Returns
    -------
    LabelOverlay or None
        Label 1 (named "Shutter", in the shutter's grey, opacity 1) where the shutter hides
        pixels; ``None`` without a shutter or when no referenced image is in the series.
    """
    shutter = presentation.shutter
    if shutter is None:
        return None
    indices = image_indices(volume, series)
    slices = sorted({z for _series, uid, frames in presentation.references for z in _slices(indices, uid, frames)})
    if not slices:
        return None
    rows, columns = volume.shape_zyx[1:]
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[slices] = shutter.hidden(rows, columns)
    grey = int(round(np.clip(shutter.value, 0, 0xFFFF) / 0xFFFF * 255))
    return LabelOverlay(labels=labels, info={1: LabelInfo("Shutter", (grey, grey, grey))}, opacity=1.0,
                        name="Shutter")


def not_shown(shown: list[Measurement], found: list[Measurement]) -> list[Measurement]:
    """The measurements of ``found`` not already among ``shown`` (same kind, plane and points).

    A rectangle or an ellipse is the same whichever two opposite corners give it.
    """

    def key(m: Measurement) -> tuple[str, str, int, tuple[tuple[float, float], ...]]:
        points = [(round(r, 2), round(c, 2)) for r, c in m.points]
        if m.kind in ("rectangle", "ellipse") and points:
            rows, cols = [r for r, _ in points], [c for _, c in points]
            points = [(min(rows), min(cols)), (max(rows), max(cols))]
        return m.kind, m.view, m.index, tuple(points)

    seen = {key(m) for m in shown}
    fresh = []
    for m in found:
        if key(m) not in seen:
            seen.add(key(m))
            fresh.append(m)
    return fresh


@dataclass
class SavedWithStudy:
    """What the reports and presentation states found with a study hold for the series shown.

    Attributes
    ----------
    reading
        The measurements of its TID 1500 reports on the series' images (with what was skipped).
    presentations
        ``(path, presentation state)`` of those that reference the series, oldest first.
    unreadable
        Presentation states that could not be read (a structured report of another kind than
        TID 1500 is not counted: it is no measurement report).
    """

    reading: SavedReading = field(default_factory=SavedReading)
    presentations: list[tuple[str, PresentationState]] = field(default_factory=list)
    unreadable: int = 0


def read_saved(reports: list[str], presentations: list[str], volume: Volume,
               series: Series | None = None) -> SavedWithStudy:
    """Read the structured reports and presentation states saved with a study, for the series shown.

    Parameters
    ----------
    reports, presentations
        Files of the study (as the scan lists its objects).
    volume, series
        The series shown.
    """
    from viewer.export.gsps import read_gsps

    saved = SavedWithStudy()
    for path in reports:
        try:
            found = read_measurements(path, volume, series)
        except ExportError:
            continue  # another kind of report, or one that cannot be read: nothing to draw
        except (ValueError, IndexError, TypeError, ArithmeticError):
            saved.reading.skipped += 1  # read, but not drawn on these images
            continue
        saved.reading.measurements.extend(found.measurements)
        saved.reading.skipped += found.skipped
        saved.reading.elsewhere += found.elsewhere
    for path in presentations:
        try:
            state = read_gsps(path)
        except ExportError:
            saved.unreadable += 1
            continue
        if volume.provenance.series_uid in state.series_uids:
            saved.presentations.append((path, state))
    saved.presentations.sort(key=lambda found: found[1].created)
    return saved

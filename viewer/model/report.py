"""The reader's measurements as a TID 1500 report, and back: saved with the series, drawn again on reopening.

A measurement is drawn on a view (:class:`~viewer.model.state.Measurement`: the view, the
plane index and ``(row, col)`` points on that plane as the screen shows it); a report points
into the source images as stored. Only measurements on the acquired plane have a source image
to point to; their points are turned back to the stored image's rows and columns, whatever
flips and turns the radiological display applied.

Measurements are kept, automatically, as a DICOM SR per series in the user data folder
(:func:`autosave_path`): written atomically after each change, removed when the last
measurement is, and read back when the series is opened again.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from viewer.core.errors import ExportError
from viewer.core.files import user_data_dir
from viewer.core.mpr import acquisition_plane, extract_plane, view_axis
from viewer.core.volume import Volume
from viewer.export.sr import (
    AIFinding,
    Algorithm,
    LengthMeasurement,
    MeasurementReport,
    RoiMeasurement,
    read_sr,
    write_sr,
)
from viewer.model.state import Measurement

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
    report, counts = MeasurementReport(), {}
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


def measurements_of(volume: Volume, report: MeasurementReport) -> list[Measurement]:
    """The report's lengths and ROIs as measurements on the acquired plane, values computed again.

    Measurements that name an image outside the series (index -1 or beyond) are left out.
    """
    view = acquisition_plane(volume)
    unit = "HU" if volume.modality == "CT" else ""
    made = []
    for item in [*report.lengths, *report.rois]:
        if not 0 <= item.image_index < volume.shape_zyx[0]:
            continue
        plane = extract_plane(volume, view, item.image_index)
        points = [tuple(float(v) for v in plane.pixel_of((col, row, item.image_index)))
                  for row, col in item.points]
        kind = "length" if isinstance(item, LengthMeasurement) else item.kind
        measurement = Measurement(kind, plane.view, plane.index, points)
        measurement.compute(plane, unit)
        made.append(measurement)
    return made


def autosave_path(volume: Volume) -> Path | None:
    """The file the series' measurements are kept in, or ``None`` when it has no usable UIDs."""
    study, series = volume.provenance.study_uid, volume.provenance.series_uid
    if not all(_UID.fullmatch(uid or "") and len(uid) <= MAX_UID_LENGTH for uid in (study, series)):
        return None  # a UID DICOM does not allow (a file could hold one far too long for a file name)
    return user_data_dir() / AUTOSAVE_FOLDER / study / f"{series}.dcm"


def save_measurements(volume: Volume, measurements: list[Measurement], source_files: list[str | os.PathLike],
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

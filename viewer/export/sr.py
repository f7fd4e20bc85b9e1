"""DICOM SR Measurement Reports (TID 1500) of the reader's measurements and the AI's findings.

What goes where in the report (a Comprehensive 3D SR made with highdicom):

- a :class:`LengthMeasurement` is a Measurement Group (TID 1501) holding one
  *Length* (SCT 410668003) in mm, inferred from a two-point POLYLINE on its
  source image, which the group also names as its source;
- an :class:`RoiMeasurement` is a Planar ROI group (TID 1410) whose region is
  the outline on its source image, holding *Mean*, *Standard Deviation*,
  *Minimum* and *Maximum* (in the ROI's unit, HU for CT) and *Area* in mm²;
- an :class:`AIFinding` gives one group for its class probabilities (each a
  measurement named by the class, unit 1) and one group per segment volume
  (*Volume* in mL, the segment named as the group's finding), each group with
  the algorithm's name and version (TID 4019).

Class and segment names are coded in Outpost's private coding scheme
``99OUTPOST`` (the value is an index, the meaning is the name), declared in the
Coding Scheme Identification Sequence. Values are stored
both as decimal strings and as exact binary doubles, so :func:`read_sr` gives
back exactly what was written. Every source image is referenced in the
evidence and in the report's image library.

:func:`read_sr` also reads other systems' TID 1500 reports (dcmqi's, highdicom's): planar
and volumetric ROIs with any of these statistics, and any measurement inferred from a
two-point line as a length; groups it cannot read are counted, not raised.
"""

from __future__ import annotations

import os
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from viewer import __version__
from viewer.core import audit
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.measure import ROI_KINDS, RoiStatistics
from viewer.export.sources import read_source_images

#: The private coding scheme of class and segment names.
CODING_SCHEME = "99OUTPOST"
_CLASS_PREFIX, _SEGMENT_PREFIX = "C", "S"


@dataclass(frozen=True)
class Algorithm:
    """The AI that made a finding (a model pack's name and version)."""

    name: str
    version: str


@dataclass
class LengthMeasurement:
    """A distance the reader measured on one image of the source series.

    Attributes
    ----------
    label
        What the reader called it (the tracking identifier), e.g. ``"Length 1"``.
    length_mm
        The distance, as :func:`viewer.core.measure.length_mm` gives it.
    image_index
        The image it was drawn on: the slice ``z``, an index into the source files.
    points
        The two end points as ``(row, col)`` pixel positions on that image
        (pixel centres are integers, as in :mod:`viewer.core.measure`).
    """

    label: str
    length_mm: float
    image_index: int
    points: list[tuple[float, float]]


@dataclass
class RoiMeasurement:
    """Statistics of the values inside a region the reader drew on one image.

    Attributes
    ----------
    label
        What the reader called it (the tracking identifier).
    mean, sd, minimum, maximum
        Of the values inside (HU for CT), as :func:`viewer.core.measure.roi_statistics` gives them.
    area_mm2
        The area inside.
    image_index
        The image it was drawn on: the slice ``z``, an index into the source files.
    kind, points
        The outline as :func:`viewer.core.measure.roi_mask` takes it: ``ellipse`` or
        ``rectangle`` with two opposite corners, or ``freehand`` with the polygon's
        vertices, as ``(row, col)`` pixel positions.
    unit
        UCUM code of the values: ``[hnsf'U]`` (HU) for CT, ``1`` for values without unit.
    """

    label: str
    mean: float
    sd: float
    minimum: float
    maximum: float
    area_mm2: float
    image_index: int
    kind: str
    points: list[tuple[float, float]]
    unit: str = "[hnsf'U]"

    @classmethod
    def from_statistics(cls, label: str, statistics: RoiStatistics, *, image_index: int, kind: str,
                        points: list[tuple[float, float]], unit: str = "[hnsf'U]") -> RoiMeasurement:
        """An ROI measurement from :func:`viewer.core.measure.roi_statistics`."""
        return cls(label=label, mean=statistics.mean, sd=statistics.sd, minimum=statistics.minimum,
                   maximum=statistics.maximum, area_mm2=statistics.area_mm2, image_index=image_index,
                   kind=kind, points=list(points), unit=unit)


@dataclass
class AIFinding:
    """What one AI algorithm found in the source series.

    Attributes
    ----------
    algorithm
        Its name and version.
    probabilities
        Class name to probability (a classification result).
    volumes_ml
        Segment name to volume in millilitres (a segmentation result).
    """

    algorithm: Algorithm
    probabilities: dict[str, float] = field(default_factory=dict)
    volumes_ml: dict[str, float] = field(default_factory=dict)


@dataclass
class MeasurementReport:
    """The content of a measurement report.

    Attributes
    ----------
    lengths, rois
        The reader's measurements.
    findings
        The AI's results; :func:`read_sr` gives one per algorithm.
    observer
        The reader's name, recorded as the person observer (empty: none recorded).
    skipped
        Read only: the measurement groups :func:`read_sr` could not turn into a length, an ROI
        or a finding (no region on an image, a 3-D region, a shape no measurement has).
    """

    lengths: list[LengthMeasurement] = field(default_factory=list)
    rois: list[RoiMeasurement] = field(default_factory=list)
    findings: list[AIFinding] = field(default_factory=list)
    observer: str = ""
    skipped: int = field(default=0, compare=False)


# --------------------------------------------------------------------------- writing
def _unit(code: str):
    from highdicom.sr import CodedConcept

    meanings = {"[hnsf'U]": "Hounsfield unit", "1": "no units", "mm": "mm", "mm2": "square millimeter",
                "mL": "milliliter"}
    return CodedConcept(value=code, scheme_designator="UCUM", meaning=meanings.get(code, code))


def _name(prefix: str, index: int, meaning: str):
    from highdicom.sr import CodedConcept

    if not meaning or len(meaning) > 64:
        raise ExportError(f"names in a report must have 1 to 64 characters: {meaning[:70]!r}")
    return CodedConcept(value=f"{prefix}{index}", scheme_designator=CODING_SCHEME, meaning=meaning)


def graphic_data_of(points: list[tuple[float, float]]) -> np.ndarray:
    """``(row, col)`` pixel centres to ``(column, row)`` graphic data whose origin is the image's corner.

    SR's SCOORD and a presentation state's PIXEL annotations both put ``0, 0`` at the top left
    corner of the top left pixel, so the centre of pixel ``(0, 0)`` is ``0.5, 0.5``.
    """
    return np.asarray([(col + 0.5, row + 0.5) for row, col in points], dtype=np.float64).reshape(-1, 2)


def outline(kind: str, points: list[tuple[float, float]],
            label: str = "") -> tuple[str, list[tuple[float, float]]]:
    """The graphic type and ``(row, col)`` points that draw an ROI of :mod:`viewer.core.measure`.

    A freehand outline or a rectangle is a closed ``POLYLINE``; an ellipse is an ``ELLIPSE``
    given by the end points of its major axis, then of its minor axis.

    Raises
    ------
    ExportError
        An unknown kind, or a freehand outline of fewer than 3 points.
    """
    if kind not in ROI_KINDS:
        raise ExportError(f"unknown ROI kind {kind!r}; expected one of {ROI_KINDS}")
    if kind == "freehand":
        if len(points) < 3:
            raise ExportError(f"the freehand ROI {label!r} needs at least 3 points")
        return "POLYLINE", [*points, points[0]]
    (r0, c0), (r1, c1) = points[0], points[-1]
    top, bottom, left, right = min(r0, r1), max(r0, r1), min(c0, c1), max(c0, c1)
    if kind == "rectangle":
        return "POLYLINE", [(top, left), (top, right), (bottom, right), (bottom, left), (top, left)]
    middle_row, middle_col = (top + bottom) / 2, (left + right) / 2
    across = [(middle_row, left), (middle_row, right)]
    down = [(top, middle_col), (bottom, middle_col)]
    # ELLIPSE: the major axis's end points first, then the minor axis's.
    return "ELLIPSE", across + down if right - left >= bottom - top else down + across


def _outline(roi: RoiMeasurement) -> tuple[str, np.ndarray]:
    """The SCOORD graphic type and data of an ROI's outline."""
    graphic_type, points = outline(roi.kind, roi.points, roi.label)
    return graphic_type, graphic_data_of(points)


def _source(sources: list, index: int, what: str):
    if not 0 <= index < len(sources):
        raise ExportError(f"{what} is on image {index}, but the series has {len(sources)} images")
    return sources[index]


def _groups(report: MeasurementReport, sources: list) -> list:
    import highdicom as hd
    from pydicom.sr.codedict import codes

    groups = []
    for length in report.lengths:
        image = _source(sources, length.image_index, f"the length {length.label!r}")
        if len(length.points) != 2:
            raise ExportError(f"the length {length.label!r} needs exactly 2 points")
        coordinates = hd.sr.CoordinatesForMeasurement(
            graphic_type="POLYLINE", graphic_data=graphic_data_of(length.points),
            source_image=hd.sr.SourceImageForRegion.from_source_image(image))
        measurement = hd.sr.Measurement(name=codes.SCT.Length, value=float(length.length_mm),
                                        unit=codes.UCUM.Millimeter, referenced_coordinates=[coordinates])
        groups.append(hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier=length.label),
            measurements=[measurement],
            source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(image)]))
    for roi in report.rois:
        image = _source(sources, roi.image_index, f"the ROI {roi.label!r}")
        graphic_type, graphic_data = _outline(roi)
        region = hd.sr.ImageRegion(graphic_type=graphic_type, graphic_data=graphic_data,
                                   source_image=hd.sr.SourceImageForRegion.from_source_image(image))
        unit = _unit(roi.unit)
        values = [(codes.SCT.Mean, roi.mean, unit), (codes.SCT.StandardDeviation, roi.sd, unit),
                  (codes.SCT.Minimum, roi.minimum, unit), (codes.SCT.Maximum, roi.maximum, unit),
                  (codes.SCT.Area, roi.area_mm2, _unit("mm2"))]
        groups.append(hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier=roi.label),
            referenced_region=region,
            measurements=[hd.sr.Measurement(name=name, value=float(value), unit=unit)
                          for name, value, unit in values]))
    for finding in report.findings:
        algorithm = hd.sr.AlgorithmIdentification(name=finding.algorithm.name,
                                                  version=finding.algorithm.version or "unknown")
        if finding.probabilities:
            measurements = [hd.sr.Measurement(name=_name(_CLASS_PREFIX, i, name), value=float(p), unit=_unit("1"))
                            for i, (name, p) in enumerate(finding.probabilities.items())]
            groups.append(hd.sr.MeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=hd.UID(), identifier=f"{finding.algorithm.name}: classification"[:64]),
                algorithm_id=algorithm, measurements=measurements))
        for i, (name, volume) in enumerate(finding.volumes_ml.items()):
            measurement = hd.sr.Measurement(name=codes.SCT.Volume, value=float(volume), unit=_unit("mL"))
            groups.append(hd.sr.MeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=hd.UID(), identifier=f"{finding.algorithm.name}: {name}"[:64]),
                finding_type=_name(_SEGMENT_PREFIX, i, name), algorithm_id=algorithm,
                measurements=[measurement]))
    return groups


def _procedure(modality: str):
    from pydicom.sr.codedict import codes

    return {"CT": codes.LN.CTUnspecifiedBodyRegion,
            "MR": codes.LN.MRIUnspecifiedBodyRegion}.get(modality, codes.SCT.ImagingProcedure)


def observer_contexts(observer: str = ""):
    """The observers an Outpost document records: the reader (when named) and Outpost as the device.

    Returns
    -------
    tuple
        ``(person, device)`` highdicom ``ObserverContext`` objects; ``person`` is ``None`` without a name.
    """
    import highdicom as hd
    from pydicom.sr.codedict import codes

    device = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=hd.UID(), name="Outpost", manufacturer_name="Outpost", model_name=__version__))
    person = None
    if observer:
        person = hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name=observer))
    return person, device


@audit.audited("export", audit.export_details("sr", False, 2, "path"), audit.count_written)
def write_sr(report: MeasurementReport, source_files: list[str | os.PathLike], path: str | os.PathLike, *,
             series_description: str = "Outpost measurements") -> Path:
    """Write a TID 1500 Measurement Report as a Comprehensive 3D SR, atomically.

    Parameters
    ----------
    report
        The measurements and findings.
    source_files
        The source series' files in slice order: ``image_index`` of a
        measurement indexes this list. All of them are referenced.
    path
        Destination.
    series_description
        SeriesDescription of the SR.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ExportError
        The source series cannot be referenced (no UIDs), a measurement names an
        image the series lacks, or highdicom refuses the content.
    """
    import highdicom as hd
    from highdicom.coding_schemes import CodingSchemeIdentificationItem

    if not source_files:
        raise ExportError("a report needs the source images it refers to")
    sources = read_source_images(source_files, what="a report")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            person, device = observer_contexts(report.observer)
            content = hd.sr.MeasurementReport(
                observation_context=hd.sr.ObservationContext(observer_person_context=person,
                                                             observer_device_context=device),
                procedure_reported=_procedure(str(sources[0].get("Modality", ""))),
                imaging_measurements=_groups(report, sources) or None,
                referenced_images=sources)
            document = hd.sr.Comprehensive3DSR(
                evidence=sources, content=content[0], series_instance_uid=hd.UID(), series_number=901,
                sop_instance_uid=hd.UID(), instance_number=1, manufacturer="Outpost",
                series_description=series_description[:64], is_complete=True,
                coding_schemes=[CodingSchemeIdentificationItem(
                    designator=CODING_SCHEME, name="Outpost class and segment names",
                    responsible_organization="Outpost")])
    except (ValueError, TypeError, AttributeError) as e:
        raise ExportError(f"cannot build the DICOM SR: {e}") from e
    path = Path(path)
    with atomic_path(path) as temporary:
        document.save_as(temporary, enforce_file_format=True)
    return path


# --------------------------------------------------------------------------- reading
def _items(owner, name=None):
    """Content items directly under ``owner``, optionally those with concept ``name``."""
    for item in owner.get("ContentSequence") or []:
        if name is None or ("ConceptNameCodeSequence" in item
                            and _concept(item) == (name.scheme_designator, name.value)):
            yield item


def _concept(item) -> tuple[str, str]:
    """``(scheme, value)`` of an item's concept name."""
    concept = item.ConceptNameCodeSequence[0]
    return str(concept.CodingSchemeDesignator), str(concept.CodeValue)


def _text(owner, name) -> str:
    item = next(_items(owner, name), None)
    return str(item.TextValue) if item is not None else ""


def _value(item) -> float:
    measured = item.MeasuredValueSequence[0]
    return float(measured.FloatingPointValue if "FloatingPointValue" in measured else measured.NumericValue)


def pixel_points(data) -> list[tuple[float, float]]:
    """Graphic data (``column, row`` pairs from the image's corner) to ``(row, col)`` pixel centres.

    The inverse of :func:`graphic_data_of`.

    Raises
    ------
    ValueError
        An odd number of values, or one that is not a finite number.
    """
    values = np.asarray(data, dtype=np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(values)):
        raise ValueError("a point that is not a number")
    return [(float(row - 0.5), float(col - 0.5)) for col, row in values]


#: Finds the index of a referenced image: ``locate(sop_instance_uid, frame_number or None)``, -1 when unknown.
Locator = Callable[[str, "int | None"], int]


def image_reference(item) -> tuple[str, int | None]:
    """``(SOP Instance UID, first referenced frame number or None)`` of an image reference item."""
    from pydicom.multival import MultiValue

    frames = item.get("ReferencedFrameNumber")
    if frames is None or frames == "":
        frame = None
    else:
        frame = int(frames[0] if isinstance(frames, list | tuple | MultiValue) else frames)
    return str(item.ReferencedSOPInstanceUID), frame


def _image_index(item, locate: Locator) -> int:
    """The source image index of the IMAGE item under a SCOORD item."""
    image = next(i for i in item.ContentSequence if i.ValueType == "IMAGE")
    return locate(*image_reference(image.ReferencedSOPSequence[0]))


def outline_kind(graphic_type: str, points: list[tuple[float, float]]) -> tuple[str, list[tuple[float, float]]]:
    """The :mod:`viewer.core.measure` kind and points of an outline (the inverse of :func:`outline`).

    ``ELLIPSE`` (axis end points) and ``CIRCLE`` (centre, then a point on the circle) give an
    ellipse by its bounding box; an axis-aligned four-corner polygon gives a rectangle; any
    other polygon a freehand outline.

    Raises
    ------
    ValueError
        A shape that is no outline (a point, or fewer than 3 corners).
    """
    rows = [p[0] for p in points]
    cols = [p[1] for p in points]
    if graphic_type == "ELLIPSE" and len(points) == 4:
        return "ellipse", [(min(rows), min(cols)), (max(rows), max(cols))]
    if graphic_type == "CIRCLE" and len(points) == 2:
        (row, col), (r1, c1) = points
        radius = float(np.hypot(r1 - row, c1 - col))
        return "ellipse", [(row - radius, col - radius), (row + radius, col + radius)]
    if graphic_type not in ("POLYLINE", "POLYGON", "INTERPOLATED"):
        raise ValueError(f"a {graphic_type} is no outline")
    closed = points[:-1] if len(points) > 1 and points[0] == points[-1] else points
    if len(closed) < 3:
        raise ValueError("an outline needs at least 3 corners")
    is_box = (len(closed) == 4 and len({r for r, _ in closed}) == 2 and len({c for _, c in closed}) == 2
              and all(a[0] == b[0] or a[1] == b[1] for a, b in zip(closed, closed[1:] + closed[:1], strict=True)))
    if is_box:
        return "rectangle", [(min(rows), min(cols)), (max(rows), max(cols))]
    return "freehand", closed


def read_sr(path: str | os.PathLike, locate: Locator | None = None) -> MeasurementReport:
    """Read a TID 1500 measurement report: one :func:`write_sr` wrote, or another system's.

    Parameters
    ----------
    path
        A TID 1500 Measurement Report.
    locate
        Finds the index of a referenced image from its SOP Instance UID and frame number
        (``None`` when the reference names no frame); -1 for an image it does not know. By
        default, the position of the image in the report's evidence (the source files in the
        order :func:`write_sr` was given them).

    Returns
    -------
    MeasurementReport
        Lengths, ROIs and findings in the report's order, image index -1 for an image
        ``locate`` does not know. Outlines come back as their :mod:`viewer.core.measure` kind
        (:func:`outline_kind`); any measurement with a two-point line on an image is a length;
        statistics a group lacks are NaN. Groups that hold nothing of this are counted in
        :attr:`MeasurementReport.skipped`, never raised.

    Raises
    ------
    ExportError
        The file cannot be read, or is not a measurement report.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.sr.codedict import codes

    name = os.path.basename(os.fspath(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
            root = ds.get("ConceptNameCodeSequence")
            report_code = codes.DCM.ImagingMeasurementReport.value
            is_report = bool(root) and str(root[0].get("CodeValue", "")) == report_code
    except (InvalidDicomError, *READ_ERRORS) as e:
        raise ExportError(f"cannot read {name}: {e}") from e
    if not is_report:
        raise ExportError(f"{name} is not a measurement report")
    if locate is None:
        index_of: dict[str, int] = {}
        try:
            for study in ds.get("CurrentRequestedProcedureEvidenceSequence") or []:
                for series in study.get("ReferencedSeriesSequence") or []:
                    for image in series.get("ReferencedSOPSequence") or []:
                        index_of.setdefault(str(image.ReferencedSOPInstanceUID), len(index_of))
        except READ_ERRORS as e:
            raise ExportError(f"{name} is a measurement report whose evidence Outpost does not read") from e

        def locate(uid: str, frame: int | None) -> int:
            return index_of.get(uid, -1)

    try:
        return _report_of(ds, locate)
    except READ_ERRORS as e:
        raise ExportError(f"{name} is a measurement report whose content Outpost does not read "
                          f"({type(e).__name__})") from e


#: What reading a damaged or hostile DICOM file may raise, beyond pydicom's InvalidDicomError (a ValueError).
READ_ERRORS = (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration, EOFError,
               struct.error, OverflowError)


def _report_of(ds, locate: Locator) -> MeasurementReport:
    """The content of a measurement report data set; a group that cannot be read is counted, not raised."""
    from pydicom.sr.codedict import codes

    report = MeasurementReport()
    person = next((i for i in _items(ds, codes.DCM.PersonObserverName)), None)
    report.observer = str(person.PersonName) if person is not None else ""
    findings: dict[Algorithm, AIFinding] = {}
    container = next(_items(ds, codes.DCM.ImagingMeasurements), None)
    for group in _items(container) if container is not None else []:
        try:
            if not _read_group(group, locate, report, findings):
                report.skipped += 1
        except READ_ERRORS:
            report.skipped += 1
    report.findings = list(findings.values())
    return report


def _read_group(group, locate: Locator, report: MeasurementReport, findings: dict[Algorithm, AIFinding]) -> bool:
    """Add one measurement group's lengths, ROIs or finding to ``report``; ``False`` when it has none."""
    from pydicom.sr.codedict import codes

    label = _text(group, codes.DCM.TrackingIdentifier)
    name = _text(group, codes.DCM.AlgorithmName)
    measured = {_concept(i): i for i in group.get("ContentSequence") or [] if i.get("ValueType") == "NUM"}
    if name:
        algorithm = Algorithm(name, _text(group, codes.DCM.AlgorithmVersion))
        finding = findings.setdefault(algorithm, AIFinding(algorithm))
        segment = next(_items(group, codes.DCM.Finding), None)
        if segment is not None:
            finding.volumes_ml[segment.ConceptCodeSequence[0].CodeMeaning] = _value(
                measured[("SCT", codes.SCT.Volume.value)])
        for (scheme, _), item in measured.items():
            if scheme == CODING_SCHEME:
                finding.probabilities[item.ConceptNameCodeSequence[0].CodeMeaning] = _value(item)
        return True
    # A planar ROI (TID 1410) has one region; a volumetric one (TID 1411) one per image.
    regions = [i for i in _items(group, codes.DCM.ImageRegion) if i.get("ValueType") == "SCOORD"]
    if regions:
        def value(code) -> float:
            item = measured.get(("SCT", code.value))
            return _value(item) if item is not None else float("nan")

        mean = measured.get(("SCT", codes.SCT.Mean.value))
        unit = (str(mean.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue)
                if mean is not None else "1")
        rois = []
        for region in regions:
            kind, points = outline_kind(str(region.GraphicType), pixel_points(region.GraphicData))
            rois.append(RoiMeasurement(
                label=label, mean=value(codes.SCT.Mean), sd=value(codes.SCT.StandardDeviation),
                minimum=value(codes.SCT.Minimum), maximum=value(codes.SCT.Maximum), area_mm2=value(codes.SCT.Area),
                image_index=_image_index(region, locate), kind=kind, points=points, unit=unit))
        report.rois.extend(rois)
        return True
    # A length (TID 300 inferred from a two-point line), whatever its concept (length, diameter, long axis...).
    for item in measured.values():
        line = next((i for i in item.get("ContentSequence") or [] if i.get("ValueType") == "SCOORD"), None)
        if line is not None and str(line.GraphicType) == "POLYLINE" and len(line.GraphicData) == 4:
            report.lengths.append(LengthMeasurement(label=label, length_mm=_value(item),
                                                    image_index=_image_index(line, locate),
                                                    points=pixel_points(line.GraphicData)))
            return True
    return False

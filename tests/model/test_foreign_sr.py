"""Other systems' TID 1500 reports (made here with highdicom, as dcmqi and highdicom write them) drawn back.

The reports' measurements must land on the images they name (by SOP Instance UID, whatever the
order of the evidence) at the pixels they name, on a study whose axial view is flipped both ways
from the stored images; what cannot be drawn is counted, never raised.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest

from viewer.core.dicom import load_series, scan
from viewer.core.volume import Volume
from viewer.export.dicom_series import write_series
from viewer.export.sr import read_sr
from viewer.model.report import on_source_image, read_measurements, report_of

#: The bright block of the stored images: rows 10 to 19, columns 5 to 24.
BLOCK = (slice(10, 20), slice(5, 25))


def write_prone_study(folder: Path) -> tuple[list[Path], list[Path]]:
    """A prone axial CT (shown flipped both ways) and a second series of the same study."""
    values = np.zeros((5, 40, 50), dtype=np.int16)
    values[(slice(None), *BLOCK)] = 300
    direction = np.column_stack([(-1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)])
    volume = Volume(array=values, spacing=np.array([0.5, 0.8, 2.0]), direction=direction, modality="CT")
    ct = write_series(volume, folder / "ct", patient_name="Test^Foreign", patient_id="FOREIGN01",
                      series_description="ct")
    study_uid = str(pydicom.dcmread(ct[0], stop_before_pixels=True).StudyInstanceUID)
    other = write_series(volume, folder / "other", patient_name="Test^Foreign", patient_id="FOREIGN01",
                         series_description="other", study_uid=study_uid, series_number=2)
    return ct, other


def foreign_report(ct: list[Path], other: list[Path], path: Path) -> Path:
    """A TID 1500 report as another system writes it, with highdicom's own classes.

    - "lesion 1": a planar ROI (TID 1410), a closed polygon around the block on image 3, with
      only an area (no statistics);
    - "long axis": a diameter (not a length) inferred from a two-point line on image 1;
    - "ellipse": a planar ROI given by an ELLIPSE on image 2;
    - "3d": a planar ROI given in 3-D patient coordinates (no image to draw on): skipped;
    - "elsewhere": a circle on an image of the other series: not drawn on this one.

    The evidence lists the images in reverse order.
    """
    import highdicom as hd
    from pydicom.sr.codedict import codes

    images = [pydicom.dcmread(f, stop_before_pixels=True) for f in ct]
    elsewhere = pydicom.dcmread(other[1], stop_before_pixels=True)

    def on(ds):
        return hd.sr.SourceImageForRegion(referenced_sop_class_uid=ds.SOPClassUID,
                                          referenced_sop_instance_uid=ds.SOPInstanceUID)

    def roi(label, region, area):
        return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier=label), referenced_region=region,
            measurements=[hd.sr.Measurement(name=codes.SCT.Area, value=area, unit=codes.UCUM.SquareMillimeter)])

    polygon = np.array([[5.5, 10.5], [24.5, 10.5], [24.5, 19.5], [5.5, 19.5], [5.5, 10.5]])  # (column, row)
    groups = [
        roi("lesion 1", hd.sr.ImageRegion(graphic_type=hd.sr.GraphicTypeValues.POLYLINE, graphic_data=polygon,
                                          source_image=on(images[3])), 80.0),
        hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=hd.sr.TrackingIdentifier(uid=hd.UID(), identifier="long axis"),
            measurements=[hd.sr.Measurement(
                name=codes.SCT.Diameter, value=12.0, unit=codes.UCUM.Millimeter,
                referenced_coordinates=[hd.sr.CoordinatesForMeasurement(
                    graphic_type="POLYLINE", graphic_data=np.array([[3.5, 2.5], [30.5, 20.5]]),
                    source_image=on(images[1]))])]),
        roi("ellipse", hd.sr.ImageRegion(
            graphic_type=hd.sr.GraphicTypeValues.ELLIPSE,
            graphic_data=np.array([[10.5, 15.5], [20.5, 15.5], [15.5, 12.5], [15.5, 18.5]]),
            source_image=on(images[2])), 30.0),
        roi("3d", hd.sr.ImageRegion3D(
            graphic_type=hd.sr.GraphicTypeValues3D.POLYGON,
            graphic_data=np.array([[0.0, 0.0, 2.0], [5.0, 0.0, 2.0], [5.0, 5.0, 2.0], [0.0, 0.0, 2.0]]),
            frame_of_reference_uid=images[0].FrameOfReferenceUID), 5.0),
        roi("elsewhere", hd.sr.ImageRegion(graphic_type=hd.sr.GraphicTypeValues.CIRCLE,
                                           graphic_data=np.array([[10.0, 10.0], [14.0, 10.0]]),
                                           source_image=on(elsewhere)), 50.0),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        person = hd.sr.ObserverContext(
            observer_type=codes.DCM.Person,
            observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(name="Other^Reader"))
        content = hd.sr.MeasurementReport(
            observation_context=hd.sr.ObservationContext(observer_person_context=person),
            procedure_reported=codes.LN.CTUnspecifiedBodyRegion, imaging_measurements=groups)
        document = hd.sr.Comprehensive3DSR(
            evidence=[*reversed(images), elsewhere], content=content[0], series_instance_uid=hd.UID(),
            series_number=50, sop_instance_uid=hd.UID(), instance_number=1, manufacturer="Another system")
    document.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def study(tmp_path):
    """The prone study's CT series (scanned and loaded) and a foreign report on it."""
    ct, other = write_prone_study(tmp_path / "study")
    path = foreign_report(ct, other, tmp_path / "study" / "foreign-sr.dcm")
    series = next(s for s in scan(tmp_path / "study").series if s.description == "ct")
    return load_series(series), series, path


def test_a_foreign_report_is_drawn_on_the_right_images_at_the_right_pixels(study):
    volume, series, path = study
    reading = read_measurements(path, volume, series)
    assert reading.skipped == 1 and reading.elsewhere == 1  # the 3-D region; the other series' circle
    by_index = {m.index: m for m in reading.measurements}
    assert sorted(by_index) == [1, 2, 3] and all(m.view == "axial" for m in reading.measurements)
    rows, cols = volume.shape_zyx[1:]

    lesion = by_index[3]  # the polygon (an axis-aligned box) reads as a rectangle
    assert lesion.kind == "rectangle"
    # Shown flipped both ways: stored (row, col) is (rows - 1 - row, cols - 1 - col) on the screen.
    assert sorted(lesion.points) == [(rows - 1 - 19.0, cols - 1 - 24.0), (rows - 1 - 10.0, cols - 1 - 5.0)]
    assert sorted(on_source_image(volume, lesion).points) == [(10.0, 5.0), (19.0, 24.0)]
    # Values are measured again on the image: the block is 300 HU, 10 x 20 pixels of 0.5 x 0.8 mm.
    assert lesion.values["mean"] == pytest.approx(300.0) and lesion.values["area_mm2"] == pytest.approx(80.0)

    diameter = by_index[1]
    assert diameter.kind == "length"
    assert on_source_image(volume, diameter).points == [(2.0, 3.0), (20.0, 30.0)]
    assert diameter.values["length_mm"] == pytest.approx(np.hypot(18 * 0.8, 27 * 0.5))

    ellipse = by_index[2]
    assert ellipse.kind == "ellipse"
    assert sorted(on_source_image(volume, ellipse).points) == [(12.0, 10.0), (18.0, 20.0)]


def test_read_back_as_a_report_the_foreign_measurements_keep_their_images(study, tmp_path):
    """What was drawn from another system's report is kept like the reader's own (same images, same points)."""
    volume, series, path = study
    drawn = read_measurements(path, volume, series).measurements
    kept = report_of(volume, drawn)
    assert sorted(item.image_index for item in [*kept.lengths, *kept.rois]) == [1, 2, 3]
    # The report's own reading (by evidence order) knows nothing of the volume: its indices are the evidence's.
    report = read_sr(path)
    assert report.skipped == 1 and report.observer == "Other^Reader"
    assert {roi.label for roi in report.rois} == {"lesion 1", "ellipse", "elsewhere"}
    assert np.isnan(report.rois[0].mean)  # a statistic the report does not give


def test_broken_groups_are_counted_not_raised(study, tmp_path):
    volume, series, path = study
    ds = pydicom.dcmread(path)
    container = next(i for i in ds.ContentSequence if i.ConceptNameCodeSequence[0].CodeValue == "126010")
    groups = container.ContentSequence
    del groups[0].ContentSequence[-1].ContentSequence  # a region without its image
    region = next(i for i in groups[2].ContentSequence if i.ValueType == "SCOORD")
    region.GraphicData = [1.0]  # an ellipse of half a point
    groups[1].ContentSequence[-1].ContentSequence[0].GraphicData = []  # a line without points
    broken = tmp_path / "broken-sr.dcm"
    ds.save_as(broken)
    reading = read_measurements(broken, volume, series)
    assert reading.measurements == [] and reading.skipped == 4 and reading.elsewhere == 1


def test_what_the_study_holds_is_read_for_the_series_shown(study, tmp_path):
    """Reports of other kinds and unreadable files are passed over; an unreadable presentation state is counted."""
    from viewer.model.report import read_saved

    volume, series, path = study
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\x00" * 128 + b"DICM" + b"\xff" * 64)
    saved = read_saved([str(junk), str(path), str(series.frames[0].instance.source)], [str(junk)], volume, series)
    assert len(saved.reading.measurements) == 3 and saved.reading.skipped == 1 and saved.reading.elsewhere == 1
    assert saved.presentations == [] and saved.unreadable == 1

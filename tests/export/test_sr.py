"""DICOM SR measurement reports: valid per dciodvfy, referencing the real source images, read back exactly."""

import subprocess

import numpy as np
import pydicom
import pytest

from viewer.core.dicom import load_series, scan
from viewer.core.dicom.layout import plan_layout
from viewer.core.errors import ExportError
from viewer.core.measure import length_mm, roi_mask, roi_statistics
from viewer.export.sr import (
    AIFinding,
    Algorithm,
    LengthMeasurement,
    MeasurementReport,
    RoiMeasurement,
    read_sr,
    write_sr,
)

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def ct3(shared_data):
    """The dcmqi 3-slice CT (it has UIDs, so a report can reference it) and its files in slice order."""
    series = scan(shared_data / "ct_3slice_dicom_seg_dcmqi" / "ct-3slice").series[0]
    files = [str(ref.instance.source) for ref in plan_layout(series).grid[0]]
    return load_series(series), files


def _report(volume) -> MeasurementReport:
    """What a reader would measure on this CT, with Outpost's own measuring functions."""
    spacing = (float(volume.spacing[0]), float(volume.spacing[1]))
    ends = [(100.25, 120.5), (300.75, 410.0)]  # quarter pixels: exact in SCOORD's 32-bit floats
    lengths = [LengthMeasurement("Length 1", length_mm(*ends, spacing), image_index=1, points=ends)]
    rois = []
    for label, z, kind, points in (("Liver ROI", 2, "ellipse", [(250.0, 150.0), (290.5, 210.0)]),
                                   ("Box", 0, "rectangle", [(40.0, 60.0), (80.0, 100.25)]),
                                   ("Outline", 1, "freehand", [(200.0, 200.0), (220.5, 260.0), (260.0, 230.75)])):
        plane = volume.array[z]
        statistics = roi_statistics(plane, roi_mask(plane.shape, kind, points), spacing)
        rois.append(RoiMeasurement.from_statistics(label, statistics, image_index=z, kind=kind, points=points))
    findings = [AIFinding(Algorithm("outpost-demo-ct", "1.0.2"), volumes_ml={"liver": 1532.4567, "spleen": 0.125}),
                AIFinding(Algorithm("cxr-pneumonia", "0.3"),
                          probabilities={"Normal": 0.19823741, "Pneumonia": 0.80176259})]
    return MeasurementReport(lengths=lengths, rois=rois, findings=findings, observer="Reader^Rita")


def test_report_reads_back_the_same_values(ct3, tmp_path):
    volume, files = ct3
    report = _report(volume)
    assert report.rois[0].mean > 0 and report.rois[0].sd > 0  # real HU statistics, not zeros
    path = write_sr(report, files, tmp_path / "report.dcm")
    assert not list(tmp_path.glob(".*"))  # written atomically: no temporary left
    back = read_sr(path)
    assert back == report


def test_report_passes_dciodvfy(ct3, tmp_path, require_tool):
    dciodvfy = require_tool("dciodvfy")
    volume, files = ct3
    path = write_sr(_report(volume), files, tmp_path / "report.dcm")
    result = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert "Comprehensive3DSR" in output  # dciodvfy recognised and checked the IOD
    assert [line for line in output.splitlines() if "Error" in line] == []


def test_report_references_the_source_images_and_algorithms(ct3, tmp_path):
    volume, files = ct3
    path = write_sr(_report(volume), files, tmp_path / "report.dcm")
    ds = pydicom.dcmread(path)
    sources = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
    assert ds.StudyInstanceUID == sources[0].StudyInstanceUID
    assert ds.SeriesInstanceUID != sources[0].SeriesInstanceUID
    evidence = ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.SeriesInstanceUID == sources[0].SeriesInstanceUID
    assert [i.ReferencedSOPInstanceUID for i in evidence.ReferencedSOPSequence] == [s.SOPInstanceUID
                                                                                  for s in sources]
    text = str(ds)
    for name in ("outpost-demo-ct", "1.0.2", "cxr-pneumonia", "Algorithm Name", "Imaging Measurement Report"):
        assert name in text
    # The length's coordinates point at the image it was drawn on (slice 1).
    length = ds.ContentSequence[-1].ContentSequence[0]
    scoord = next(item for number in length.ContentSequence if number.ValueType == "NUM"
                  for item in number.ContentSequence if item.ValueType == "SCOORD")
    assert scoord.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID == sources[1].SOPInstanceUID
    assert np.allclose(np.reshape(scoord.GraphicData, (-1, 2)), [[121.0, 100.75], [410.5, 301.25]])


def test_report_refuses_what_it_cannot_reference(ct3, shared_data, tmp_path):
    volume, files = ct3
    report = _report(volume)
    report.lengths[0].image_index = 3
    with pytest.raises(ExportError, match="image 3, but the series has 3 images"):
        write_sr(report, files, tmp_path / "bad.dcm")
    no_uids = sorted((shared_data / "ct_abdomen_series_totalsegmentator" / "dicom").iterdir())[:2]
    with pytest.raises(ExportError, match="no SOP/series/study UIDs"):
        write_sr(MeasurementReport(), [str(p) for p in no_uids], tmp_path / "bad.dcm")
    with pytest.raises(ExportError, match="not a measurement report"):
        read_sr(files[0])
    assert not (tmp_path / "bad.dcm").exists()

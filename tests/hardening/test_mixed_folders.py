"""A folder of several patients, reports, documents and non-image objects, as a clinic's CD holds.

Images are shown; everything else is listed under its patient and study with
what it is ("structured report", "PDF document", ...) and is never offered as
an image. Real files from ../shared/data are mixed with objects written here:
a TID 1500 SR by Outpost's own writer (highdicom), and minimal PDF, GSPS, KOS,
raw data and waveform objects (pydicom) for the same patient and study.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from viewer.core.dicom import scan

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # as in tests/qt: no display needed

#: SOP classes of the objects written by the test, and the kind a reader is told.
OBJECTS = {
    "1.2.840.10008.5.1.4.1.1.104.1": ("PDF document", "Discharge letter"),
    "1.2.840.10008.5.1.4.1.1.11.1": ("presentation state", "Reader's window"),
    "1.2.840.10008.5.1.4.1.1.88.59": ("key object selection", "Key images"),
    "1.2.840.10008.5.1.4.1.1.66": ("raw data", "Scanner raw data"),
    "1.2.840.10008.5.1.4.1.1.9.1.1": ("waveform", "12-lead ECG"),
}


def _object_like(image: Dataset, sop_class: str, description: str) -> Dataset:
    """A non-image object of ``image``'s patient and study (the attributes a scan reads)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    for keyword in ("PatientName", "PatientID", "StudyInstanceUID", "StudyDate", "StudyTime", "StudyID"):
        if keyword in image:
            setattr(ds, keyword, image.data_element(keyword).value)
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesDescription = description
    ds.Modality = {"1.2.840.10008.5.1.4.1.1.104.1": "DOC", "1.2.840.10008.5.1.4.1.1.11.1": "PR",
                   "1.2.840.10008.5.1.4.1.1.88.59": "KO",
                   "1.2.840.10008.5.1.4.1.1.9.1.1": "ECG"}.get(sop_class, "OT")
    if sop_class.endswith(".104.1"):
        ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
        ds.EncapsulatedDocument = b"%PDF-1.4\n%%EOF\n"
    return ds


@pytest.fixture
def clinic_folder(tmp_path, shared_data) -> Path:
    from viewer.export.sr import AIFinding, Algorithm, MeasurementReport, write_sr

    folder = tmp_path / "cd"
    ct3 = sorted((shared_data / "ct_3slice_dicom_seg_dcmqi" / "ct-3slice").glob("*.dcm"))
    (folder / "A").mkdir(parents=True)
    for path in ct3:  # patient A: a 3-slice CT...
        shutil.copy(path, folder / "A" / path.name)
    image = pydicom.dcmread(ct3[0], stop_before_pixels=True)
    for sop_class, (_, description) in OBJECTS.items():  # ...its documents and objects...
        _object_like(image, sop_class, description).save_as(
            folder / "A" / f"{description.replace(' ', '_')}.dcm", enforce_file_format=True)
    finding = AIFinding(Algorithm("outpost-demo-ct", "1.0"), volumes_ml={"liver": 12.5})
    report = MeasurementReport(findings=[finding])
    write_sr(report, [str(p) for p in ct3], folder / "A" / "report.dcm")  # ...and a report
    rt = shared_data / "ct_rt_dicompyler_example"  # patient B: CT slice, RT structures and plan
    shutil.copytree(rt, folder / "B")
    shutil.copy(shared_data / "dicom_edge_cases" / "pydicom_test_files" / "CT_small.dcm", folder / "C.dcm")
    shutil.copy(shared_data / "cxr_chest_xray" / "torchxrayvision_tests" / "00000001_000.png", folder)
    (folder / "notes.txt").write_text("the referring letter is in the PDF")
    (folder / "random.bin").write_bytes(bytes(range(256)) * 7)
    return folder


def _study_of(result, patient_id: str):
    (patient,) = [p for p in result.patients if p.patient_id == patient_id]
    (study,) = patient.studies
    return study


def test_scan_shows_the_images_and_lists_the_rest_by_kind(clinic_folder):
    result = scan(clinic_folder)
    image = pydicom.dcmread(next((clinic_folder / "A").glob("0*.dcm")), stop_before_pixels=True)
    assert sorted((s.modality, len(s.frames)) for s in result.series) == [("CT", 1), ("CT", 1), ("CT", 3)]

    study_a = _study_of(result, image.PatientID)
    assert [len(s.frames) for s in study_a.series] == [3]
    kinds = sorted((o.kind, o.description) for o in study_a.objects)
    assert kinds == sorted([*OBJECTS.values(), ("structured report", "Outpost measurements")])

    rt_patient = pydicom.dcmread(clinic_folder / "B" / "ct.0.dcm", stop_before_pixels=True).PatientID
    assert sorted(o.kind for o in _study_of(result, rt_patient).objects) == ["RT plan", "RT structure set"]

    listed = {o.path for p in result.patients for st in p.studies for o in st.objects}
    others = {Path(s.path).name: s for s in result.skipped if s.path not in listed}
    assert set(others) == {"00000001_000.png", "notes.txt", "random.bin"}
    assert all(s.reason == "not a DICOM file" and s.kind == "" for s in others.values())
    # Every listed object is also in the skipped list, with its kind in the reason.
    assert all(any(s.path == path and s.kind in s.reason for s in result.skipped) for path in listed)
    assert not listed & {ref.instance.source.path for s in result.series for ref in s.frames}


def test_the_studies_tree_lists_objects_under_their_study_and_never_loads_them(qtbot, clinic_folder):
    from PySide6.QtCore import Qt

    from viewer.qt.qt_panels import OBJECT_ROLE, SERIES_ROLE, QtStudyBrowser

    result = scan(clinic_folder)
    browser = QtStudyBrowser()
    qtbot.addWidget(browser)
    browser.show_scan(result)
    assert browser.topLevelItemCount() == 3  # three patients
    rows = browser.object_items()
    assert len(rows) == len(OBJECTS) + 1 + 2
    texts = {row.text(0) for row in rows}
    assert {"PDF document: Discharge letter", "structured report: Outpost measurements"} <= texts
    assert {text.split(":")[0] for text in texts} == {
        *(kind for kind, _ in OBJECTS.values()), "structured report", "RT structure set", "RT plan"}
    for row in rows:
        assert row.data(0, SERIES_ROLE) is None and row.data(0, OBJECT_ROLE).kind
        assert not row.flags() & Qt.ItemFlag.ItemIsSelectable
        study = row.parent()
        assert study.parent().parent() is None  # patient > study > object
    activated = []
    browser.series_activated.connect(activated.append)
    for row in rows:
        browser.itemActivated.emit(row, 0)
        browser.itemDoubleClicked.emit(row, 0)
    assert activated == []
    # The image series are still there and still open.
    series_rows = [row.parent().child(i) for row in rows for i in range(row.parent().childCount())
                   if row.parent().child(i).data(0, SERIES_ROLE) is not None]
    browser.itemActivated.emit(series_rows[0], 0)
    assert len(activated) == 1


def test_rt_structures_listed_by_kind_are_still_offered_as_annotations(clinic_folder):
    from viewer.core.dicom import load_series
    from viewer.core.dicom.annotations import annotation_candidates, read_annotations

    result = scan(clinic_folder)
    (ct,) = [s for s in result.series if Path(s.first.source.path).parent.name == "B"]
    candidates = annotation_candidates(result, ct)
    assert [Path(p).name for p in candidates] == ["rtss.dcm"]
    overlays, problems = read_annotations(candidates, load_series(ct))
    assert len(overlays) + len(problems) == 1


def test_scan_json_names_each_object_kind(clinic_folder):
    completed = subprocess.run([sys.executable, "-m", "viewer", "scan", "--json", str(clinic_folder)],
                               capture_output=True, text=True, timeout=120, check=True)
    skipped = {Path(entry["path"]).name: entry["kind"] for entry in json.loads(completed.stdout)["skipped"]}
    assert skipped["report.dcm"] == "structured report"
    assert skipped["notes.txt"] == ""
    assert {kind for kind, _ in OBJECTS.values()} <= set(skipped.values())

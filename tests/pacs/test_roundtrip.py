"""The round trip of issue 6: a modality loads the CT into the PACS; Outpost finds it, retrieves it,
segments it (a threshold, no AI), and sends the DICOM SEG (and an SR of its volume) back under the same study."""

from __future__ import annotations

import subprocess

import numpy as np
import pydicom
import pytest

from tests.pacs.servers import OUTPOST_AET
from viewer.core.dicom import load_series, scan
from viewer.core.dicom.layout import slice_files
from viewer.export.seg import write_seg
from viewer.export.sr import AIFinding, Algorithm, MeasurementReport, write_sr
from viewer.pacs import dicomweb, dimse
from viewer.pacs.query import FindQuery

pytestmark = pytest.mark.shared_data


def test_find_retrieve_segment_and_send_back(orthanc, orthanc_node, local_settings, store, ct_series, tmp_path,
                                             require_tool):
    # dcmtk's storescu plays the CT scanner (Orthanc accepts only its one registered caller on 127.0.0.1)
    sent = subprocess.run([require_tool("storescu"), "-aet", OUTPOST_AET, "-aec", "ORTHANC", "-R", "-xv",
                           "127.0.0.1", str(orthanc.dicom_port), "+sd", str(ct_series.folder)],
                          capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stderr
    assert len(orthanc.study_instances(ct_series.study_uid)) == 20

    (study,) = dimse.find(orthanc_node, FindQuery(patient_name="TESTPATIENT*", modality="CT"), local_settings)
    (series,) = dimse.find(orthanc_node, FindQuery(level="SERIES", study_uid=study.study_uid), local_settings)
    retrieved = dimse.get(orthanc_node, study.study_uid, series.series_uid, store=store, local=local_settings)
    assert retrieved.added == 20

    (ct,) = scan(store.files(study.study_uid)).series
    volume = load_series(ct)
    labels = (volume.array >= 300).astype(np.uint8)  # bone, in HU
    assert 0 < labels.sum() < labels.size
    seg_path = write_seg(labels, slice_files(ct), {1: "Bone (HU >= 300)"}, tmp_path / "bone-seg.dcm",
                         algorithm_name="HU threshold", algorithm_version="1")
    bone_ml = float(labels.sum() * np.prod(volume.spacing) / 1000)
    report = MeasurementReport(findings=[AIFinding(Algorithm("HU threshold", "1"), volumes_ml={"Bone": bone_ml})])
    sr_path = write_sr(report, slice_files(ct), tmp_path / "bone-sr.dcm")
    result = dimse.send(orthanc_node, [str(seg_path), str(sr_path)], local_settings)
    assert (result.sent, result.failed) == (2, [])

    on_pacs = orthanc.study_instances(ct_series.study_uid)
    assert len(on_pacs) == 22  # the SEG and the SR went into the CT's study
    modalities = {orthanc.rest("GET", f"/instances/{i['ID']}/series")["MainDicomTags"]["Modality"]
                  for i in on_pacs}
    assert modalities == {"CT", "SEG", "SR"}
    # ... and it is the SEG Outpost wrote, referencing the retrieved series, as a second Outpost would see it
    found = dicomweb.search(orthanc_node, FindQuery(level="SERIES", study_uid=study.study_uid), local_settings)
    assert sorted(m.modality for m in found) == ["CT", "SEG", "SR"]
    back = dicomweb.retrieve(orthanc_node, study.study_uid, store=store, local=local_settings)
    assert back.added == 2
    seg_uid = pydicom.dcmread(seg_path, stop_before_pixels=True).SOPInstanceUID
    seg = pydicom.dcmread(store.path_of(seg_uid))
    assert seg.Modality == "SEG" and seg.StudyInstanceUID == study.study_uid
    assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == series.series_uid
    assert seg.SegmentSequence[0].SegmentLabel == "Bone (HU >= 300)"
    assert seg.pixel_array.astype(bool).sum() == labels.sum()

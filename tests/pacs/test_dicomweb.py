"""QIDO-RS, WADO-RS and STOW-RS against Orthanc's DICOMweb plugin, with HTTP basic authentication."""

from __future__ import annotations

import base64
import logging
from dataclasses import replace

import numpy as np
import pydicom
import pytest

from tests.pacs.conftest import partial_files
from viewer.core.dicom import load_series, scan
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken
from viewer.pacs import dicomweb, dimse
from viewer.pacs.errors import DicomWebError
from viewer.pacs.nodes import Node, PacsSettings
from viewer.pacs.query import FindQuery

pytestmark = pytest.mark.shared_data


@pytest.mark.parametrize(("query", "found"), [
    (dict(), True),
    (dict(patient_name="Testpatient*"), True),
    (dict(patient_name="Nobody*"), False),
    (dict(patient_id="OUTPOST-CT-1"), True),
    (dict(date_from="20221201", date_to="20221231"), True),
    (dict(date_to="20211231"), False),
    (dict(modality="CT"), True),
    (dict(accession_number="ACC-CT-0001"), True),
])
def test_qido_search_studies(loaded_orthanc, orthanc_node, local_settings, ct_series, query, found):
    matches = dicomweb.search(orthanc_node, FindQuery(**query), local_settings)
    if not found:
        assert matches == []
        return
    (match,) = matches
    assert (match.study_uid, match.patient_id, match.patient_name, match.modalities, match.instance_count) == (
        ct_series.study_uid, ct_series.patient_id, ct_series.patient_name, ["CT"], 20)


def test_qido_and_c_find_agree(loaded_orthanc, orthanc_node, local_settings, ct_series):
    for query in (FindQuery(patient_id=ct_series.patient_id),
                  FindQuery(level="SERIES", study_uid=ct_series.study_uid)):
        by_web = dicomweb.search(orthanc_node, query, local_settings)
        assert by_web and by_web == dimse.find(orthanc_node, query, local_settings)


def test_wado_retrieve_into_the_store(loaded_orthanc, orthanc_node, local_settings, store, ct_series):
    progress = []
    result = dicomweb.retrieve(orthanc_node, ct_series.study_uid, store=store, local=local_settings,
                               progress=lambda d, t, x: progress.append((d, t)))
    assert (len(result.instances), result.added, result.failed) == (20, 20, 0)
    assert progress[-1] == (20, 20)
    syntaxes = {pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID for p in store.files()}
    assert syntaxes == {"1.2.840.10008.1.2.4.90"}  # as Orthanc stores them: JPEG 2000, not transcoded
    stored = load_series(scan(store.files(ct_series.study_uid)).series[0])
    assert np.array_equal(stored.array, load_series(scan(ct_series.folder).series[0]).array)
    series = dicomweb.retrieve(orthanc_node, ct_series.study_uid, ct_series.series_uid, store=store,
                               local=local_settings)
    assert len(series.instances) == 20 and series.added == 0 and store.instance_count() == 20
    assert partial_files(store.root) == []


def test_wado_cancel_keeps_what_arrived(loaded_orthanc, orthanc_node, local_settings, store, ct_series):
    token = CancelToken()

    def progress(done, total, text):
        if done == 4:
            token.cancel()

    with pytest.raises(Cancelled):
        dicomweb.retrieve(orthanc_node, ct_series.study_uid, store=store, local=local_settings, progress=progress,
                          cancel=token)
    assert store.instance_count() == 4 and partial_files(store.root) == []


def test_stow_store(orthanc, orthanc_node, local_settings, shared_data, ct_series):
    result = dicomweb.store_files(orthanc_node, [str(ct_series.folder),
                                                 str(shared_data / "ct_3slice_dicom_seg_dcmqi" / "liver.dcm")],
                                  local_settings)
    assert (result.sent, result.failed) == (21, [])
    assert len(orthanc.study_instances(ct_series.study_uid)) == 20
    assert sorted(s["MainDicomTags"]["Modality"] for s in
                  (orthanc.rest("GET", f"/series/{i}") for i in orthanc.rest("GET", "/series"))) == ["CT", "SEG"]


def test_basic_auth_is_required_and_checked(loaded_orthanc, orthanc_node, local_settings):
    anonymous = replace(orthanc_node, username="", password="")
    with pytest.raises(DicomWebError, match=r"refused the request without credentials .*\(HTTP 401\)"):
        dicomweb.search(anonymous, FindQuery(), local_settings)
    wrong = replace(orthanc_node, password="not-the-password")
    with pytest.raises(DicomWebError, match=r"refused the credentials for QIDO-RS search \(HTTP 401\)") as caught:
        dicomweb.search(wrong, FindQuery(), local_settings)
    assert "not-the-password" not in str(caught.value)
    gone = Node("gone", dicomweb_url="http://127.0.0.1:1/dicom-web")
    with pytest.raises(DicomWebError, match="cannot reach gone"):
        dicomweb.search(gone, FindQuery(), local_settings)


def test_no_credentials_or_patient_data_in_the_logs(loaded_orthanc, orthanc_node, local_settings, store, ct_series,
                                                     tmp_path, caplog):
    """Every logger at DEBUG: the password, its basic-auth token and the patient's name never appear."""
    caplog.set_level(logging.DEBUG)
    settings = PacsSettings(tmp_path / "pacs.json")
    settings.add(orthanc_node)
    settings.save()
    node = PacsSettings(tmp_path / "pacs.json").resolve("orthanc")
    dicomweb.search(node, FindQuery(patient_name="Testpatient*"), local_settings)
    dicomweb.retrieve(node, ct_series.study_uid, store=store, local=local_settings)
    dicomweb.store_files(node, [str(ct_series.files[0])], local_settings)
    dimse.echo(node, local_settings)
    dimse.find(node, FindQuery(patient_name="Testpatient*"), local_settings)
    dimse.get(node, ct_series.study_uid, store=store, local=local_settings)
    with pytest.raises(DicomWebError):
        dicomweb.search(replace(node, password=node.password + "x"), FindQuery(), local_settings)
    text = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert len(caplog.records) > 20  # the libraries did log (at DEBUG)
    token = base64.b64encode(f"{node.username}:{node.password}".encode()).decode()
    for secret in (node.password, token, node.username, "Testpatient", "Abdomen"):
        assert secret not in text, secret

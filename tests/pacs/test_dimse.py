"""C-ECHO, C-FIND, C-GET, C-MOVE and C-STORE against a real Orthanc on 127.0.0.1."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pydicom
import pytest

from tests.pacs.conftest import partial_files
from tests.pacs.servers import OrthancServer, free_port, make_certificate
from viewer.core.dicom import load_series, scan
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken
from viewer.pacs import dimse
from viewer.pacs.errors import AssociationError, TransferError
from viewer.pacs.nodes import LocalSettings, Node, Timeouts
from viewer.pacs.query import FindQuery, SeriesMatch, StudyMatch
from viewer.pacs.receiver import Receiver

pytestmark = pytest.mark.shared_data


def test_echo_and_refusals(orthanc, orthanc_node, local_settings):
    assert dimse.echo(orthanc_node, local_settings) > 0
    refused = "Calling AE title not recognised .*register Outpost's AE title"
    for _ in range(8):  # Orthanc rejects and closes at once; the reason must survive that race every time
        with pytest.raises(AssociationError, match=refused):
            dimse.echo(orthanc_node, LocalSettings(ae_title="STRANGER"))
    wrong = orthanc_node.__class__("x", ae_title="NOTORTHANC", host="127.0.0.1", port=orthanc.dicom_port)
    with pytest.raises(AssociationError, match="Called AE title not recognised"):
        dimse.echo(wrong, local_settings)


@pytest.mark.parametrize(("query", "found"), [
    (dict(patient_name="Testpatient*"), True),
    (dict(patient_name="testpatient^abdomen"), True),  # PN matching ignores case on Orthanc
    (dict(patient_name="Other*"), False),
    (dict(patient_id="OUTPOST-CT-1"), True),
    (dict(date_from="20221201", date_to="20221231"), True),
    (dict(date_from="20230101"), False),
    (dict(modality="CT"), True),
    (dict(modality="MR"), False),
    (dict(accession_number="ACC-CT-0001"), True),
    (dict(accession_number="ACC-OTHER"), False),
])
def test_find_studies(loaded_orthanc, orthanc_node, local_settings, ct_series, query, found):
    matches = dimse.find(orthanc_node, FindQuery(**query), local_settings)
    if not found:
        assert matches == []
        return
    (match,) = matches
    assert isinstance(match, StudyMatch)
    assert (match.study_uid, match.patient_id, match.patient_name) == (
        ct_series.study_uid, ct_series.patient_id, ct_series.patient_name)
    assert (match.study_date, match.accession_number, match.modalities, match.instance_count) == (
        "20221208", ct_series.accession, ["CT"], 20)


def test_find_series(loaded_orthanc, orthanc_node, local_settings, ct_series):
    (match,) = dimse.find(orthanc_node, FindQuery(level="SERIES", study_uid=ct_series.study_uid), local_settings)
    assert isinstance(match, SeriesMatch)
    assert (match.series_uid, match.modality, match.series_number, match.series_description,
            match.instance_count) == (ct_series.series_uid, "CT", 2, "CT Body 3.0", 20)


def _assert_same_pixels(store, ct_series):
    stored = load_series(scan(store.files(ct_series.study_uid)).series[0])
    assert np.array_equal(stored.array, load_series(scan(ct_series.folder).series[0]).array)


def test_get_retrieves_a_study_into_the_store(loaded_orthanc, orthanc_node, local_settings, store, ct_series):
    progress = []
    result = dimse.get(orthanc_node, ct_series.study_uid, store=store, local=local_settings,
                       progress=lambda d, t, x: progress.append((d, t)))
    assert (len(result.instances), result.added, result.completed, result.failed) == (20, 20, 20, 0)
    assert result.study_uids == [ct_series.study_uid]
    assert progress[-1] == (20, 20)
    _assert_same_pixels(store, ct_series)
    again = dimse.get(orthanc_node, ct_series.study_uid, ct_series.series_uid, store=store, local=local_settings)
    assert len(again.instances) == 20 and again.added == 0 and store.instance_count() == 20


def test_move_retrieves_through_outposts_receiver(loaded_orthanc, orthanc_node, local_settings, store, ct_series):
    result = dimse.move(orthanc_node, ct_series.study_uid, store=store, local=local_settings)
    assert (len(result.instances), result.added, result.completed) == (20, 20, 20)
    _assert_same_pixels(store, ct_series)
    # with a receiver that is already running (as the viewer's would be)
    with Receiver(store, port=local_settings.receiver_port) as receiver:
        again = dimse.move(orthanc_node, ct_series.study_uid, ct_series.series_uid, receiver=receiver,
                           local=local_settings)
        assert receiver.running and receiver.received == 20
    assert len(again.instances) == 20 and again.added == 0


def test_move_to_an_unreachable_receiver_says_what_to_check(loaded_orthanc, orthanc_node, local_settings, store,
                                                            ct_series):
    moved = LocalSettings(ae_title=local_settings.ae_title, receiver_port=local_settings.receiver_port + 1
                          if local_settings.receiver_port < 65535 else 1024, timeouts=local_settings.timeouts)
    with pytest.raises(TransferError, match="does the PACS know Outpost as OUTPOST at 127.0.0.1"):
        dimse.move(orthanc_node, ct_series.study_uid, store=store, local=moved)
    assert store.instance_count() == 0


def test_send_local_files(orthanc, orthanc_node, local_settings, shared_data, ct_series):
    seg = shared_data / "ct_3slice_dicom_seg_dcmqi" / "liver.dcm"
    progress = []
    result = dimse.send(orthanc_node, [str(shared_data / "ct_3slice_dicom_seg_dcmqi" / "ct-3slice"), str(seg),
                                       str(ct_series.files[0])], local_settings,
                        progress=lambda d, t, x: progress.append(d))
    assert (result.sent, result.failed) == (5, [])
    assert progress[-1] == 5
    modalities = sorted(orthanc.rest("GET", f"/series/{s}")["MainDicomTags"]["Modality"]
                        for s in orthanc.rest("GET", "/series"))
    assert modalities == ["CT", "CT", "SEG"]
    stored = orthanc.study_instances(ct_series.study_uid)
    assert len(stored) == 1  # the JPEG 2000 instance went as it is


def test_send_reports_instances_it_cannot_send(orthanc, orthanc_node, local_settings, shared_data):
    """The shared CT series has empty SOP Instance UIDs: each is listed, nothing is sent."""
    folder = shared_data / "ct_abdomen_series_totalsegmentator" / "dicom"
    result = dimse.send(orthanc_node, [str(folder)], local_settings)
    assert result.sent == 0 and len(result.failed) == 20
    assert all("no SOP Instance UID" in reason for _, reason in result.failed)


def test_cancel_during_get_keeps_what_arrived(loaded_orthanc, orthanc_node, local_settings, store, ct_series):
    token = CancelToken()

    def progress(done, total, text):
        if done >= 3:
            token.cancel()

    with pytest.raises(Cancelled):
        dimse.get(orthanc_node, ct_series.study_uid, store=store, local=local_settings, progress=progress,
                  cancel=token)
    kept = store.instance_count()
    assert 3 <= kept < 10  # the PACS honoured the C-CANCEL
    assert partial_files(store.root) == [] and list(store.incoming_dir.iterdir()) == []
    assert dimse.echo(orthanc_node, local_settings) > 0  # the PACS is fine


def test_pacs_dying_mid_retrieve_keeps_what_arrived(loaded_orthanc, orthanc_node, local_settings, store,
                                                    ct_series):
    """Orthanc is SIGKILLed after the fifth instance has arrived."""

    def progress(done, total, text):
        if done == 5:
            loaded_orthanc.kill()

    with pytest.raises(TransferError) as caught:
        dimse.get(orthanc_node, ct_series.study_uid, store=store, local=local_settings, progress=progress)
    message = str(caught.value)
    assert "dropped the association during C-GET" in message and "\n" not in message
    kept = store.instance_count()
    assert 5 <= kept <= 20 and f"the {kept} instance(s) that arrived are kept" in message
    assert partial_files(store.root) == [] and list(store.incoming_dir.iterdir()) == []
    for path in store.files():
        assert pydicom.dcmread(path).PixelData
    with pytest.raises(AssociationError, match="connection refused"):
        dimse.echo(orthanc_node, local_settings)


def test_dicom_over_tls(orthanc_executable, tmp_path, stopping_servers, ct_series, store, require_tool):
    """Orthanc with DICOM TLS (a self-signed certificate): trusted, untrusted, and plain connections."""
    certificate, key = make_certificate(require_tool("openssl"), tmp_path / "tls")
    server = OrthancServer(orthanc_executable, tmp_path / "orthanc", receiver_port=free_port(), extra_config={
        "DicomTlsEnabled": True, "DicomTlsCertificate": str(certificate), "DicomTlsPrivateKey": str(key),
        "DicomTlsTrustedCertificates": str(certificate), "DicomTlsRemoteCertificateRequired": False})
    server.start()
    try:
        server.upload(ct_series.files)
        local = LocalSettings(timeouts=Timeouts(association=5, dimse=20, network=20))
        node = Node("secure", ae_title="ORTHANC", host="127.0.0.1", port=server.dicom_port, tls=True,
                    tls_ca_file=str(certificate))
        assert dimse.echo(node, local) > 0
        assert [m.study_uid for m in dimse.find(node, FindQuery(patient_id=ct_series.patient_id), local)] == [
            ct_series.study_uid]
        assert dimse.get(node, ct_series.study_uid, store=store, local=local).added == 20
        with pytest.raises(AssociationError, match="TLS certificate is not trusted"):
            dimse.echo(replace(node, tls_ca_file=""), local)
        with pytest.raises(AssociationError, match="expect TLS"):
            dimse.echo(replace(node, tls=False), local)
    finally:
        server.stop(wait=False)
        stopping_servers.append(server)


def test_cancel_aborts_a_peer_that_ignores_c_cancel():
    """A pynetdicom C-FIND SCP that keeps the query running: after the grace period the association is aborted."""
    import threading

    from pynetdicom import AE, evt
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind

    stop = threading.Event()

    def slow_find(event):
        match = pydicom.Dataset()
        match.QueryRetrieveLevel, match.StudyInstanceUID = "STUDY", "1.2.3"
        yield 0xFF00, match
        stop.wait(30)  # never looks at event.is_cancelled
        yield 0x0000, None

    ae = AE(ae_title="SLOWPACS")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    server = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=[(evt.EVT_C_FIND, slow_find)])
    token = CancelToken()
    try:
        node = Node("slow", ae_title="SLOWPACS", host="127.0.0.1", port=server.server_address[1])
        with pytest.raises(Cancelled):
            dimse.find(node, FindQuery(), LocalSettings(timeouts=Timeouts(dimse=60)),
                       progress=lambda done, total, text: token.cancel(), cancel=token)
    finally:
        stop.set()
        server.shutdown()

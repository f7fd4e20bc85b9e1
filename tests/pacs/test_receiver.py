"""Outpost's storage SCP against dcmtk's storescu (a real modality) and raw pynetdicom senders."""

from __future__ import annotations

import io
import logging
import subprocess
import threading

import numpy as np
import pydicom
import pytest
from pydicom.dataset import FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, MRImageStorage

from tests.pacs.conftest import partial_files
from viewer.core.dicom import load_series, scan
from viewer.pacs import dimse
from viewer.pacs.errors import AssociationError, PacsError
from viewer.pacs.nodes import LocalSettings, Node, Timeouts
from viewer.pacs.receiver import (
    STATUS_CANNOT_UNDERSTAND,
    STATUS_DATASET_MISMATCH,
    Arrival,
    Receiver,
)

pytestmark = pytest.mark.shared_data

TS_FOLDER = "mr_transfer_syntaxes_dcm_qa_ts/In"
JPEG_BASELINE_CR = ("cxr_chest_xray/torchxrayvision_tests/"
                    "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm")


@pytest.fixture
def storescu(require_tool):
    return require_tool("storescu")


@pytest.fixture
def receiver(store):
    arrivals: list[Arrival] = []
    with Receiver(store, ae_title="OUTPOST", port=0, on_arrival=arrivals.append) as running:
        running.arrivals = arrivals
        yield running


def _send(storescu: str, port: int, *paths, options=(), calling="MODALITY", called="OUTPOST", check=True):
    command = [storescu, "-aet", calling, "-aec", called, "-R", *options, "127.0.0.1", str(port), *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _echo_node(receiver: Receiver) -> Node:
    return Node("outpost", ae_title=receiver.ae_title, host="127.0.0.1", port=receiver.port)


def test_a_series_sent_twice_is_stored_once_and_reads_back_the_same(receiver, store, storescu, ct_series):
    _send(storescu, receiver.port, "+sd", ct_series.folder, options=["-xv"])  # as JPEG 2000, as it is stored
    assert len(receiver.arrivals) == 20 and not any(a.instance.duplicate for a in receiver.arrivals)
    assert {a.calling_ae for a in receiver.arrivals} == {"MODALITY"}
    _send(storescu, receiver.port, "+sd", ct_series.folder, options=["-xv"])
    assert len(receiver.arrivals) == 40 and all(a.instance.duplicate for a in receiver.arrivals[20:])
    assert store.instance_count() == 20 and receiver.received == 40 and receiver.rejected == 0
    (study,) = store.studies()
    assert (study.study_uid, study.patient_id) == (ct_series.study_uid, ct_series.patient_id)
    stored = load_series(scan(store.files(ct_series.study_uid)).series[0])
    original = load_series(scan(ct_series.folder).series[0])
    assert stored.array.shape == (20, 512, 512) and np.array_equal(stored.array, original.array)
    assert {str(pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID)
            for p in store.files()} == {"1.2.840.10008.1.2.4.90"}
    assert partial_files(store.root) == []


def test_an_uncompressed_series(receiver, store, storescu, ct_series_uncompressed, ct_series):
    _send(storescu, receiver.port, "+sd", ct_series_uncompressed.folder)
    assert store.instance_count() == 20
    assert {str(pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID)
            for p in store.files()} == {ExplicitVRLittleEndian}
    stored = load_series(scan(store.files()).series[0])
    assert np.array_equal(stored.array, load_series(scan(ct_series.folder).series[0]).array)


def test_every_common_transfer_syntax(receiver, store, storescu, shared_data, tmp_path, require_tool):
    """One real MR image in nine encodings, a JPEG baseline CR, and a deflated copy made with dcmtk."""
    folder = shared_data / TS_FOLDER
    deflated = tmp_path / "deflated.dcm"
    subprocess.run([require_tool("dcmconv"), "+td", str(folder / "1.dcm"), str(deflated)], check=True)
    subprocess.run([require_tool("dcmodify"), "-nb", "-gin", str(deflated)], check=True)  # a new instance
    sends = [("-xe", ["1.dcm", "2.dcm"]), ("-xb", ["3.dcm"]), ("-xr", ["4.dcm"]), ("-xs", ["5.dcm", "6.dcm"]),
             ("-xt", ["7.dcm", "8.dcm"]), ("-xv", ["9.dcm"])]
    for option, names in sends:
        _send(storescu, receiver.port, *(folder / n for n in names), options=[option])
    _send(storescu, receiver.port, deflated, options=["-xd"])
    _send(storescu, receiver.port, shared_data / JPEG_BASELINE_CR, options=["-xy"])
    assert receiver.received == 11 and receiver.rejected == 0
    sent = [folder / f"{n}.dcm" for n in range(1, 10)] + [deflated, shared_data / JPEG_BASELINE_CR]
    for path in sent:
        original = pydicom.dcmread(path)
        copy = pydicom.dcmread(store.path_of(original.SOPInstanceUID))
        assert copy.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID, path.name
        assert np.array_equal(copy.pixel_array, original.pixel_array), path.name


def _raw_file(tmp_path, name: str, body: bytes, sop_uid: str = "1.2.826.0.1.3680043.2.1") -> str:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = CTImageStorage, sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buffer = io.BytesIO()
    buffer.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(buffer, meta)
    buffer.write(body)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return str(path)


def _body(ds) -> bytes:
    """The data set of ``ds`` encoded alone (explicit VR little endian)."""
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    data = buffer.getvalue()
    meta_end = 132 + 12 + int.from_bytes(data[140:144], "little")
    return data[meta_end:]


def test_malformed_instances_are_refused_and_the_receiver_keeps_running(
        receiver, store, storescu, ct_series_uncompressed, tmp_path, monkeypatch, caplog):
    """pynetdicom sends these files' bytes as they are, as a broken modality would."""
    from pynetdicom import AE, _config

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)
    good = pydicom.dcmread(ct_series_uncompressed.files[0])
    truncated = _body(good)[:-20000]
    mismatched = good.copy()
    mismatched.SOPClassUID = MRImageStorage
    cases = {
        "garbage": (_raw_file(tmp_path, "garbage.dcm", b"\x08\x00\x16\x00XX\x10\x00" + b"not DICOM at all"),
                    STATUS_CANNOT_UNDERSTAND),
        "truncated": (_raw_file(tmp_path, "truncated.dcm", truncated, sop_uid=good.SOPInstanceUID),
                      STATUS_CANNOT_UNDERSTAND),
        "mismatch": (_raw_file(tmp_path, "mismatch.dcm", _body(mismatched), sop_uid=good.SOPInstanceUID),
                     STATUS_DATASET_MISMATCH),
    }
    ae = AE(ae_title="BROKENMOD")
    ae.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", receiver.port, ae_title="OUTPOST")
    assert assoc.is_established
    try:
        statuses = {name: assoc.send_c_store(path).Status for name, (path, _) in cases.items()}
    finally:
        assoc.release()
    assert statuses == {name: status for name, (_, status) in cases.items()}
    assert receiver.rejected == 3 and receiver.received == 0 and store.instance_count() == 0
    assert list(store.incoming_dir.iterdir()) == [] and partial_files(store.root) == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "viewer.pacs.receiver"]
    assert len([w for w in warnings if "rejected instance" in w]) == 3
    assert "Testpatient" not in caplog.text and "Abdomen" not in caplog.text  # no patient data in the logs
    # ... and it still works
    assert dimse.echo(_echo_node(receiver)) >= 0
    _send(storescu, receiver.port, ct_series_uncompressed.files[0])
    assert store.instance_count() == 1 and receiver.running


def test_a_sender_killed_mid_series_leaves_what_arrived_and_no_half_files(store, storescu, ct_series):
    """storescu is SIGKILLed while it waits for the answer to its third instance."""
    process_box: list[subprocess.Popen] = []
    lock = threading.Lock()
    arrivals: list[Arrival] = []

    def kill_after_third(arrival: Arrival) -> None:
        with lock:
            arrivals.append(arrival)
            if len(arrivals) == 3:
                process_box[0].kill()

    with Receiver(store, port=0, on_arrival=kill_after_third) as receiver:
        process = subprocess.Popen([storescu, "-aet", "MODALITY", "-aec", "OUTPOST", "-R", "-xv", "127.0.0.1",
                                    str(receiver.port), "+sd", str(ct_series.folder)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with lock:
            process_box.append(process)
        process.wait(timeout=60)
        assert process.returncode < 0  # killed, not finished
        assert dimse.echo(_echo_node(receiver)) >= 0  # the receiver goes on
        assert receiver.running
    assert store.instance_count() == len(arrivals) == 3
    assert partial_files(store.root) == [] and list(store.incoming_dir.iterdir()) == []
    for path in store.files():
        assert pydicom.dcmread(path).PixelData


def test_callers_and_called_title_are_checked(store, storescu, ct_series):
    with Receiver(store, ae_title="OUTPOST", port=0, allowed_callers=["MODALITY"]) as receiver:
        refused = _send(storescu, receiver.port, ct_series.files[0], calling="STRANGER", check=False)
        assert refused.returncode != 0
        wrong_title = _send(storescu, receiver.port, ct_series.files[0], called="OTHER", check=False)
        assert wrong_title.returncode != 0
        with pytest.raises(AssociationError, match="rejected the association: Calling AE title not recognised"):
            dimse.echo(_echo_node(receiver), LocalSettings(ae_title="STRANGER"))
        _send(storescu, receiver.port, ct_series.files[0], options=["-xv"])
        assert store.instance_count() == 1


def test_a_busy_port_is_a_one_line_error(store):
    with Receiver(store, port=0) as first:
        second = Receiver(store, port=first.port)
        with pytest.raises(PacsError, match=f"cannot listen on 127.0.0.1:{first.port}"):
            second.start()
        assert not second.running and first.running


def test_unreachable_and_silent_peers_fail_in_time():
    """A port nobody listens on, and a listener that never answers the association request."""
    import socket

    local = LocalSettings(timeouts=Timeouts(association=1, dimse=2, network=2))
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(AssociationError, match="no answer to the association request within 1 s"):
            dimse.echo(Node("silent", ae_title="SILENT", host="127.0.0.1", port=port), local)
    with pytest.raises(AssociationError, match="connection refused"):
        dimse.echo(Node("gone", ae_title="GONE", host="127.0.0.1", port=port), local)

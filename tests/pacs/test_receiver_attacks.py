"""The receiver against hostile peers: real peers on loopback, on raw sockets or pynetdicom, no mocks.

Each test plays one attack and checks what holds: a stalled, half-sent or
dripping PDU is dropped in time and never locks a real sender out (attackers
connect from 127.0.0.2, the real sender from 127.0.0.1: every 127/8 address is
loopback on Linux); a huge PDU length is refused unread; an instance past the
limit is refused while it arrives and memory stays flat (measured on an
``outpost receive`` process); a full disk is refused; a reused SOP Instance UID
is kept apart, also when two senders race; only allowed callers get in; values
from peers reach the terminal and the log escaped, with no traceback; and the
store is private.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)
from pynetdicom import AE, _config
from pynetdicom.pdu import A_ASSOCIATE_RQ
from pynetdicom.pdu_primitives import A_ASSOCIATE, ImplementationClassUIDNotification, MaximumLengthNotification
from pynetdicom.presentation import build_context
from pynetdicom.sop_class import Verification

from tests.qt.conftest import make_window  # noqa: F401 - the Qt window fixture (and offscreen Qt)
from viewer.pacs import dimse
from viewer.pacs.errors import AssociationError
from viewer.pacs.nodes import LocalSettings, Node, ReceiverSettings, Timeouts
from viewer.pacs.receiver import STATUS_OUT_OF_RESOURCES, STATUS_SUCCESS, STATUS_WARNING, Arrival, Receiver
from viewer.pacs.store import CONFLICTS_DIR, LocalStore

ROOT = Path(__file__).resolve().parents[2]
#: Short limits, so that each attack ends within seconds; the assertions allow 20 s more.
TIMEOUTS = Timeouts(association=2, dimse=10, network=1.5)
PDU_DEADLINE = 3.0
GRACE = 20.0
ATTACKER, SENDER = "127.0.0.2", "127.0.0.1"
A_ABORT, A_ASSOCIATE_AC, A_ASSOCIATE_RJ = 0x07, 0x02, 0x03


# --------------------------------------------------------------------------- a raw DICOM peer
VERIFICATION = ((Verification, ImplicitVRLittleEndian),)


def association_request(called: str = "OUTPOST", calling: str | bytes = "RAWPEER",
                        contexts: tuple[tuple[str, str], ...] = VERIFICATION) -> bytes:
    """An A-ASSOCIATE-RQ PDU; ``calling`` as bytes goes into the PDU as it is, whatever it holds."""
    request = A_ASSOCIATE()
    request.application_context_name = "1.2.840.10008.3.1.1.1"
    request.calling_ae_title, request.called_ae_title = "PLACEHOLDER", called
    presentation = []
    for number, (abstract, syntax) in enumerate(contexts):
        context = build_context(abstract, [syntax])
        context.context_id = 2 * number + 1
        presentation.append(context)
    request.presentation_context_definition_list = presentation
    maximum, implementation = MaximumLengthNotification(), ImplementationClassUIDNotification()
    maximum.maximum_length_received, implementation.implementation_class_uid = 16384, "1.2.826.0.1.3680043.9.1"
    request.user_information = [maximum, implementation]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(request)
    data = bytearray(pdu.encode())
    raw = calling if isinstance(calling, bytes) else calling.encode("ascii")
    data[26:42] = raw.ljust(16, b" ")[:16]
    return bytes(data)


def _element(group: int, element: int, value: bytes) -> bytes:
    """One implicit VR little endian element, its value padded to an even length."""
    if len(value) % 2:
        value += b"\0"
    return struct.pack("<HHI", group, element, len(value)) + value


def store_command(sop_class: str, sop_uid: str | bytes, message_id: int = 1) -> bytes:
    """A C-STORE-RQ command set, the SOP Instance UID as given (however malformed)."""
    uid = sop_uid if isinstance(sop_uid, bytes) else sop_uid.encode("latin-1")
    body = b"".join([_element(0, 0x0002, sop_class.encode()), _element(0, 0x0100, struct.pack("<H", 1)),
                     _element(0, 0x0110, struct.pack("<H", message_id)), _element(0, 0x0700, struct.pack("<H", 0)),
                     _element(0, 0x0800, struct.pack("<H", 0)), _element(0, 0x1000, uid)])
    return _element(0, 0x0000, struct.pack("<I", len(body))) + body


def p_data(context_id: int, control: int, data: bytes) -> bytes:
    """A P-DATA-TF PDU of one presentation data value item."""
    item = struct.pack(">IBB", len(data) + 2, context_id, control) + data
    return struct.pack(">BBI", 0x04, 0, len(item)) + item


class RawPeer:
    """A DICOM peer on a raw socket from a chosen loopback address: it sends exactly what a test says."""

    def __init__(self, port: int, source: str = ATTACKER) -> None:
        self.sock = socket.socket()
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_pdu(self, timeout: float = 30.0) -> tuple[int, bytes]:
        """The next PDU's type and body (type 0: the connection closed)."""
        self.sock.settimeout(timeout)
        head = self._read(6)
        if len(head) < 6:
            return 0, b""
        pdu_type, _, length = struct.unpack(">BBI", head)
        return pdu_type, self._read(length)

    def _read(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                break
            data += chunk
        return bytes(data)

    def associate(self, calling: str = "RAWPEER", contexts: tuple[tuple[str, str], ...] = VERIFICATION) -> None:
        self.send(association_request(calling=calling, contexts=contexts))
        pdu_type, _ = self.read_pdu()
        assert pdu_type == A_ASSOCIATE_AC

    def c_store(self, sop_uid: str | bytes, dataset: bytes, context_id: int = 1) -> int:
        """Send one C-STORE request; the response's status (-1: the association ended instead)."""
        self.send(p_data(context_id, 0x03, store_command(CTImageStorage, sop_uid)))
        self.send(p_data(context_id, 0x02, dataset))
        pdu_type, body = self.read_pdu()
        if pdu_type != 0x04:
            return -1
        command = body[6:]
        position = 0
        while position + 8 <= len(command):
            group, element, length = struct.unpack_from("<HHI", command, position)
            if (group, element) == (0x0000, 0x0900):
                return struct.unpack_from("<H", command, position + 8)[0]
            position += 8 + length
        return -1

    def wait_closed(self, timeout: float) -> tuple[float, list[int]]:
        """Seconds until the receiver closes the connection, and the types of the PDUs it sent first."""
        start, types = time.monotonic(), []
        while True:
            pdu_type, _ = self.read_pdu(timeout)
            if pdu_type == 0:
                return time.monotonic() - start, types
            types.append(pdu_type)

    def close(self) -> None:
        self.sock.close()


# --------------------------------------------------------------------------- instances
def ct_instance(sop_uid: str | None = None, *, patient: tuple[str, str] = ("Attack^Test", "ATTACK-1"),
                study_uid: str = "1.2.826.0.1.3680043.8.498.77", fill: int = 0, size: int = 64) -> Dataset:
    """A small valid CT image; ``fill`` changes its pixels (other content, same UIDs)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop_uid or generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, study_uid + ".1"
    ds.PatientName, ds.PatientID = patient
    ds.Modality, ds.InstanceNumber = "CT", 1
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = np.full((size, size), fill, dtype=np.uint16).tobytes()
    return ds


def data_set_bytes(ds: Dataset) -> bytes:
    """``ds`` encoded in explicit VR little endian, without file meta (as C-STORE carries it)."""
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
    data = buffer.getvalue()
    return data[144 + int.from_bytes(data[140:144], "little"):]


def sender_ae(calling: str = "SCANNER") -> AE:
    ae = AE(ae_title=calling)
    ae.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    ae.add_requested_context(Verification)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    return ae


def send_instances(port: int, instances: list, *, calling: str = "SCANNER", source: str = SENDER) -> list:
    """C-STORE each instance (data sets or file paths) on one association; their status data sets."""
    ae = sender_ae(calling)
    assoc = ae.associate("127.0.0.1", port, ae_title="OUTPOST", bind_address=(source, 0))
    assert assoc.is_established, "the association was not accepted"
    try:
        return [assoc.send_c_store(instance) for instance in instances]
    finally:
        if assoc.is_established:
            assoc.release()
        ae.shutdown()


def _status(response: Dataset) -> int:
    return int(response.Status) if "Status" in response else -1


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def store(tmp_path):
    with LocalStore(tmp_path / "store") as opened:
        yield opened


def _settings(**overrides) -> ReceiverSettings:
    values = {"pdu_deadline": PDU_DEADLINE, "min_free_disk_mb": 0, **overrides}
    return ReceiverSettings(**values)


@pytest.fixture
def receiver(store):
    arrivals: list[Arrival] = []
    with Receiver(store, port=0, timeouts=TIMEOUTS, settings=_settings(), on_arrival=arrivals.append) as running:
        running.arrivals = arrivals
        yield running


def _node(receiver: Receiver) -> Node:
    return Node("outpost", ae_title=receiver.ae_title, host="127.0.0.1", port=receiver.port)


def _warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == "viewer.pacs.receiver" and record.levelno >= logging.WARNING]


def _associate(port: int, calling: str, source: str):
    """An association from ``calling`` at ``source`` (established or not: the test looks)."""
    ae = sender_ae(calling)
    return ae, ae.associate("127.0.0.1", port, ae_title="OUTPOST", bind_address=(source, 0))


def _send_when_admitted(port: int, instance: Dataset, source: str, within: float) -> list:
    """C-STORE ``instance`` from ``source`` as soon as the receiver lets that address in again."""
    give_up = time.monotonic() + within
    while True:
        ae, assoc = _associate(port, "SCANNER", source)
        if assoc.is_established or time.monotonic() > give_up:
            break
        ae.shutdown()
        time.sleep(0.25)
    try:
        return [assoc.send_c_store(instance)]
    finally:
        assoc.release()
        ae.shutdown()


def _drip(peer: RawPeer, data: bytes, pause: float) -> int:
    """Send ``data`` a byte at a time, ``pause`` seconds apart, until the receiver cuts it off; bytes sent."""
    sent = 0
    with contextlib.suppress(OSError):  # the receiver cut the connection: that is what is measured
        for byte in data:
            peer.send(bytes([byte]))
            sent += 1
            time.sleep(pause)
    return sent


# --------------------------------------------------------------------------- 1. stalls and slow peers
def test_stalled_pdus_are_dropped_in_time_and_never_lock_a_real_sender_out(store, caplog):
    """Ten connections from one address: half an association request, or a PDU header promising 1,000
    bytes followed by 500 and silence. Before the fix they held every slot for as long as they liked."""
    caplog.set_level(logging.WARNING, logger="viewer.pacs.receiver")
    timeouts = Timeouts(association=5, dimse=10, network=4)  # the stall timeout: long enough to send meanwhile
    promise = association_request()[:46] + bytes(454)  # a header promising 1,000 bytes, 500 of them sent
    promise = struct.pack(">BBI", 1, 0, 1000) + promise[6:]
    with Receiver(store, port=0, timeouts=timeouts, settings=_settings()) as receiver:
        attack = time.monotonic()
        attackers = []
        for number in range(10):
            peer = RawPeer(receiver.port, ATTACKER)
            peer.send(association_request()[:40] if number % 2 else promise)
            attackers.append(peer)
        try:
            sent = send_instances(receiver.port, [ct_instance()], source=SENDER)  # a real modality elsewhere
            took = time.monotonic() - attack
            assert dimse.echo(_node(receiver)) >= 0
            closed = []
            for peer in attackers:
                _, types = peer.wait_closed(timeouts.network + GRACE)
                closed.append((time.monotonic() - attack, types))
        finally:
            for peer in attackers:
                peer.close()
        # Once they are gone, their address is served again: the slot of a connection dropped before
        # its association request is free when pynetdicom's association timeout has passed.
        again = _send_when_admitted(receiver.port, ct_instance(), ATTACKER, timeouts.association + GRACE)
    assert [_status(s) for s in sent + again] == [STATUS_SUCCESS, STATUS_SUCCESS]
    assert took < timeouts.network  # it got in while the attackers still held their slots
    # Four were let in (the most one address may hold) and aborted when they stalled; six were refused.
    assert sorted(types for _, types in closed) == [[]] * 6 + [[A_ABORT]] * 4
    assert all(seconds < timeouts.network + GRACE for seconds, _ in closed)
    assert store.instance_count() == 2
    warnings = "\n".join(_warnings(caplog))
    assert "it stopped for 4 s part-way through a PDU" in warnings
    assert warnings.count("refused a connection from 127.0.0.2: it has 4 associations open") == 1  # of 6


def test_a_peer_that_drips_bytes_is_dropped_at_the_deadline(receiver, caplog):
    """A byte every 0.3 s never pauses long enough for the 1.5 s stall timeout; the deadlines end it."""
    caplog.set_level(logging.WARNING, logger="viewer.pacs.receiver")
    request = association_request()
    peer = RawPeer(receiver.port, "127.0.0.3")
    start = time.monotonic()
    sent = _drip(peer, request, 0.3)  # 73 s if it were let through
    setup_took = time.monotonic() - start
    peer.close()
    assert sent < len(request) and setup_took < TIMEOUTS.association + GRACE

    peer = RawPeer(receiver.port, "127.0.0.4")
    peer.associate()
    message = p_data(1, 0x03, store_command(CTImageStorage, "1.2.3"))
    start = time.monotonic()
    sent = _drip(peer, message, 0.3)
    pdu_took = time.monotonic() - start
    peer.close()
    assert sent < len(message) and pdu_took < PDU_DEADLINE + GRACE
    warnings = "\n".join(_warnings(caplog))
    assert "its association request was not complete within 2 s of connecting" in warnings
    assert "a PDU was not complete within 3 s" in warnings
    assert dimse.echo(_node(receiver)) >= 0


def test_a_huge_pdu_length_is_refused_unread(receiver, caplog):
    """A header announcing 4 GiB, before and after the association: dropped on the header, nothing buffered."""
    caplog.set_level(logging.WARNING, logger="viewer.pacs.receiver")
    for source, associated in (("127.0.0.5", False), ("127.0.0.6", True)):
        peer = RawPeer(receiver.port, source)
        if associated:
            peer.associate()
        pushed = 0
        with contextlib.suppress(OSError):  # the receiver closed the socket on the header: expected
            peer.send(struct.pack(">BBI", 0x04 if associated else 0x01, 0, 0xFFFFFFF0))
            while pushed < 1 << 30:
                peer.send(bytes(1 << 20))
                pushed += 1 << 20
        peer.close()
        assert pushed < 64 << 20  # what the socket buffers took before the receiver closed, not the 4 GiB
    warnings = _warnings(caplog)
    assert sum("it announced a PDU of 4294967280 bytes" in w for w in warnings) == 2
    assert dimse.echo(_node(receiver)) >= 0


# --------------------------------------------------------------------------- 2. memory and disk
def _big_instance(path: Path, mib: int) -> Path:
    side = int((mib * (1 << 20) / 2) ** 0.5)
    ct_instance(size=side).save_as(path, enforce_file_format=True)
    return path


def _peak_rss(pid: int) -> int:
    """The peak resident memory of a process, in bytes (VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) << 10


@pytest.fixture
def cli_receiver(tmp_path):
    """``outpost receive`` in its own process (``--port 0``), with its own data and temporary folders."""

    @contextmanager
    def start(*options: str, pacs: dict | None = None):
        data, temporary = tmp_path / "data", tmp_path / "tmp"
        data.mkdir(exist_ok=True)
        temporary.mkdir(exist_ok=True)
        settings = data / "pacs.json"
        settings.unlink(missing_ok=True)
        if pacs is not None:
            settings.write_text(json.dumps(pacs))
        environment = dict(os.environ, OUTPOST_DATA_DIR=str(data), TMPDIR=str(temporary))
        process = subprocess.Popen([sys.executable, "-m", "viewer", "receive", "--port", "0", "--store",
                                    str(tmp_path / "store"), *options], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=environment, cwd=ROOT)
        run = type("Run", (), {})()
        run.process, run.data, run.temporary, run.banner = process, data, temporary, process.stdout.readline()
        try:
            run.port = int(re.search(r"on 127\.0\.0\.1:(\d+) ", run.banner)[1])
            yield run
        finally:
            process.send_signal(signal.SIGTERM)
            run.out, run.err = process.communicate(timeout=60)
        assert process.returncode == 0, run.err

    return start


def test_an_instance_past_the_limit_is_refused_while_it_arrives_and_memory_stays_flat(cli_receiver, tmp_path,
                                                                                       monkeypatch):
    """Before the fix a 1.5 GB instance took the receiver to 2.9 GB: it held the data set whole, twice."""
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)  # the sender streams from its file too
    too_big, fits = _big_instance(tmp_path / "too-big.dcm", 256), _big_instance(tmp_path / "fits.dcm", 160)
    with cli_receiver("--max-instance-mb", "192") as run:
        before = _peak_rss(run.process.pid)
        refused = send_instances(run.port, [str(too_big)]) + send_instances(run.port, [str(too_big)])
        stored = send_instances(run.port, [str(fits)])
        grown = _peak_rss(run.process.pid) - before
        left = list(run.temporary.iterdir())
    assert [_status(s) for s in refused + stored] == [-1, -1, STATUS_SUCCESS]  # -1: the association was aborted
    assert grown < 32 << 20, f"the receiver grew by {grown >> 20} MiB receiving 160 MiB"
    assert left == []  # the refused instance's partial temporary file is gone too
    assert run.err.count("is larger than the limit of 192 MiB") == 2  # each refusal is said
    with LocalStore(tmp_path / "store") as store:
        assert store.instance_count() == 1
        assert store.files()[0].stat().st_size > 150 << 20


def test_a_deflated_instance_inflating_past_the_limit_is_refused(store, tmp_path, caplog, monkeypatch):
    """32 KiB on the wire that would inflate to 32 MiB in memory, against a 16 MiB limit."""
    caplog.set_level(logging.WARNING, logger="viewer.pacs.receiver")
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)  # sent as it is in the file: deflated
    bomb = ct_instance(size=4096)
    bomb.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    bomb.save_as(tmp_path / "bomb.dcm", enforce_file_format=True)
    with Receiver(store, port=0, timeouts=TIMEOUTS, settings=_settings(max_instance_mb=16)) as receiver:
        ae = AE(ae_title="SCANNER")
        ae.add_requested_context(CTImageStorage, DeflatedExplicitVRLittleEndian)
        assoc = ae.associate("127.0.0.1", receiver.port, ae_title="OUTPOST")
        status = _status(assoc.send_c_store(str(tmp_path / "bomb.dcm")))
        assoc.release()
        ae.shutdown()
    assert status == STATUS_OUT_OF_RESOURCES and store.instance_count() == 0
    assert any("the instance inflates to more than 16 MiB" in w for w in _warnings(caplog))


def test_a_full_disk_refuses_associations_and_instances(store, caplog):
    caplog.set_level(logging.WARNING, logger="viewer.pacs.receiver")
    beyond = (shutil.disk_usage(store.root).free >> 20) + 1_000_000  # a margin above the free space
    with Receiver(store, port=0, timeouts=TIMEOUTS, settings=_settings(min_free_disk_mb=beyond)) as receiver:
        ae, refused = _associate(receiver.port, "SCANNER", SENDER)
        ae.shutdown()
        assert refused.is_rejected
        answer = refused.acceptor.primitive
        assert (answer.result, answer.result_source, answer.diagnostic) == (0x02, 0x03, 0x02)  # local limit
        # The disk fills up while an association is open: its instances get Out of Resources.
        receiver.settings.min_free_disk_mb = 0
        ae, assoc = _associate(receiver.port, "SCANNER", SENDER)
        assert assoc.is_established
        receiver.settings.min_free_disk_mb = beyond
        status = _status(assoc.send_c_store(ct_instance()))
        assoc.release()
        ae.shutdown()
    assert status == STATUS_OUT_OF_RESOURCES and store.instance_count() == 0
    warnings = "\n".join(_warnings(caplog))
    assert f"below the margin of {beyond} MiB" in warnings
    assert f"less than {beyond} MiB of disk space would be left free" in warnings


# --------------------------------------------------------------------------- 3. reused SOP Instance UIDs
def _files_of(store: LocalStore, uid: str) -> list[Path]:
    return [p for p in store.files_dir.rglob("*.dcm") if pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID
            == uid]


def _fill(path: Path) -> int:
    return int(pydicom.dcmread(path).pixel_array[0, 0])


def test_a_reused_uid_is_kept_apart_with_a_warning_never_dropped_or_replaced(receiver, store, caplog):
    caplog.set_level(logging.WARNING)
    uid = generate_uid()
    first, same, other = ct_instance(uid, fill=1), ct_instance(uid, fill=1), ct_instance(uid, fill=2)
    statuses = (send_instances(receiver.port, [first]) + send_instances(receiver.port, [same], calling="OTHERMOD")
                + send_instances(receiver.port, [other]) + send_instances(receiver.port, [other]))
    assert [_status(s) for s in statuses] == [STATUS_SUCCESS, STATUS_SUCCESS, STATUS_WARNING, STATUS_WARNING]
    assert "kept apart" in statuses[2].ErrorComment
    assert [_fill(path) for path in _files_of(store, uid)] == [1]  # the first stays, once
    kept = list((store.root / CONFLICTS_DIR).iterdir())
    assert [_fill(path) for path in kept] == [2]  # the other, once, however often it comes
    assert [a.instance.conflict for a in receiver.arrivals] == [False, False, True, True]
    warnings = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert f"instance {uid} from SCANNER reused a stored SOP Instance UID with other content" in warnings
    with LocalStore(store.root) as reopened:
        assert not reopened.last_reconcile.changed
        assert [s.instance_count for s in reopened.studies()] == [1]


def test_two_senders_racing_with_one_uid_store_one_and_keep_the_other_apart(receiver, store):
    """Round after round two associations send one UID at the same moment: other content, or the same."""
    rounds = 8
    uids = [generate_uid() for _ in range(rounds)]
    barrier = threading.Barrier(2)
    statuses: dict[str, list[int]] = {}

    def sender(calling: str, fill: int) -> None:
        ae, assoc = _associate(receiver.port, calling, SENDER)
        mine = []
        for number, uid in enumerate(uids):
            instance = ct_instance(uid, fill=fill if number % 2 == 0 else 7)  # odd rounds: the same content
            barrier.wait(timeout=60)
            mine.append(_status(assoc.send_c_store(instance)))
        assoc.release()
        ae.shutdown()
        statuses[calling] = mine

    threads = [threading.Thread(target=sender, args=(name, fill)) for name, fill in (("MOD_A", 1), ("MOD_B", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    per_round = [sorted(pair) for pair in zip(statuses["MOD_A"], statuses["MOD_B"], strict=True)]
    assert per_round == [[STATUS_SUCCESS, STATUS_WARNING], [STATUS_SUCCESS, STATUS_SUCCESS]] * (rounds // 2)
    assert all(len(_files_of(store, uid)) == 1 for uid in uids)
    assert len(list((store.root / CONFLICTS_DIR).iterdir())) == rounds // 2
    with LocalStore(store.root) as reopened:
        assert not reopened.last_reconcile.changed
        assert reopened.instance_count() == rounds
        assert [s.instance_count for s in reopened.studies()] == [rounds]


def test_the_patient_row_follows_what_is_stored(receiver, store):
    send_instances(receiver.port, [ct_instance(patient=("First^Spelling", "PID-7"), study_uid="1.2.3.4.1")])
    send_instances(receiver.port, [ct_instance(patient=("Second^Spelling", "PID-7"), study_uid="1.2.3.4.2")])
    assert {s.study_uid: s.patient_name for s in store.studies()} == {"1.2.3.4.1": "Second^Spelling",
                                                                      "1.2.3.4.2": "Second^Spelling"}


# --------------------------------------------------------------------------- 4. who may send
def test_only_allowed_callers_get_in(store, caplog):
    caplog.set_level(logging.WARNING, logger="viewer.pacs.receiver")
    settings = _settings(allowed_callers=["CT1@127.0.0.2", "MR1"])
    with Receiver(store, port=0, timeouts=TIMEOUTS, settings=settings) as receiver:
        assert receiver.describe_callers() == "only CT1@127.0.0.2, MR1"
        outcomes = {}
        for calling, source in (("CT1", "127.0.0.2"), ("MR1", "127.0.0.3"), ("CT1", "127.0.0.1"),
                                ("STRANGER", "127.0.0.2")):
            ae, assoc = _associate(receiver.port, calling, source)
            outcomes[calling, source] = assoc.is_established
            if assoc.is_established:
                assert _status(assoc.send_c_store(ct_instance())) == STATUS_SUCCESS
                assoc.release()
            else:
                assert assoc.is_rejected and assoc.acceptor.primitive.diagnostic == 0x03  # calling AE unknown
            ae.shutdown()
    assert outcomes == {("CT1", "127.0.0.2"): True, ("MR1", "127.0.0.3"): True, ("CT1", "127.0.0.1"): False,
                        ("STRANGER", "127.0.0.2"): False}
    assert store.instance_count() == 2
    warnings = "\n".join(_warnings(caplog))
    assert "rejected an association from AE CT1 at 127.0.0.1: not an allowed caller" in warnings
    assert "rejected an association from AE STRANGER at 127.0.0.2: not an allowed caller" in warnings


def test_outpost_receive_takes_allowed_callers_from_pacs_json_and_allow(cli_receiver):
    with cli_receiver(pacs={"local": {"timeouts": {"association": 5, "dimse": 10, "network": 10}},
                            "receiver": {"allowed_callers": ["MR1"], "min_free_disk_mb": 0}}) as run:
        assert " from only MR1 " in run.banner
        node = Node("outpost", ae_title="OUTPOST", host="127.0.0.1", port=run.port)
        assert dimse.echo(node, LocalSettings(ae_title="MR1")) >= 0
        with pytest.raises(AssociationError, match="Calling AE title not recognised"):
            dimse.echo(node, LocalSettings(ae_title="SCANNER"))
    with cli_receiver("--allow", "CT1@127.0.0.2", "--allow", "CT2", "--min-free-mb", "0") as run:
        assert " from only CT1@127.0.0.2, CT2 " in run.banner
        established = {}
        for calling, source in (("CT1", "127.0.0.2"), ("CT1", "127.0.0.1"), ("CT2", "127.0.0.1"), ("MR1", SENDER)):
            ae, assoc = _associate(run.port, calling, source)
            established[calling, source] = assoc.is_established
            if assoc.is_established:
                assoc.release()
            ae.shutdown()
    assert established == {("CT1", "127.0.0.2"): True, ("CT1", "127.0.0.1"): False, ("CT2", "127.0.0.1"): True,
                           ("MR1", SENDER): False}
    assert "not an allowed caller" in run.err


# --------------------------------------------------------------------------- 5. what peers send, shown
def test_hostile_titles_and_uids_reach_terminal_and_log_escaped_without_traceback(cli_receiver):
    """AE titles and a UID with a newline (a forged line), a carriage return, an escape sequence and NULs."""
    titles = [b"\n2026 FORGED", b"A\rB", b"\x1b[2JCLEAR", b"\x00\x00NUL"]
    with cli_receiver("--min-free-mb", "0") as run:
        for number, title in enumerate(titles):
            peer = RawPeer(run.port, f"127.0.0.{10 + number}")
            peer.send(association_request(calling=title))
            _, answers = peer.wait_closed(TIMEOUTS.association + GRACE)
            peer.close()
            assert A_ASSOCIATE_AC not in answers
        peer = RawPeer(run.port, SENDER)
        peer.associate(calling="SCANNER", contexts=((CTImageStorage, ExplicitVRLittleEndian),))
        forged = b"1.2.3\n2026-01-01 00:00:00,000 WARNING FORGED\x1b[2J\x00"
        status = peer.c_store(forged, data_set_bytes(ct_instance()))
        peer.close()
    assert status == 0xA900  # the data set's UID is not the one it was sent as: refused, and said so
    log = (run.data / "logs" / "outpost.log").read_text(encoding="utf-8")
    for text in (run.err, log):
        assert "Traceback" not in text and "File \"" not in text
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text)  # no control character but the line ends
    assert all(line.startswith("outpost: ") for line in run.err.splitlines())
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ", line) for line in log.splitlines())
    for shown in (r"'\n2026 FORGED'", r"'A\rB'", r"'\x1b[2JCLEAR'", r"'\x00\x00NUL'",
                  r"1.2.3\n2026-01-01 00:00:00,000 WARNING FORGED\x1b[2J"):
        assert shown in run.err and shown in log


# --------------------------------------------------------------------------- the Network dock
def test_the_network_dock_sets_who_may_send(qtbot, make_window, tmp_path, monkeypatch):  # noqa: F811 - the fixture
    data = tmp_path / "outpost-data"
    data.mkdir()
    (data / "pacs.json").write_text(json.dumps({"receiver": {"allowed_callers": ["MR1"]}}))
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(data))
    network = make_window().network_panel
    errors: list[str] = []
    monkeypatch.setattr(network.window, "notify_error", errors.append)
    network.receiver_port.setValue(0)
    network.receiver_check.setChecked(True)  # the saved list shows, and holds
    assert network.receiver_callers.text() == "MR1" and "from only MR1" in network.receiver_status.text()
    node = Node("outpost", ae_title="OUTPOST", host="127.0.0.1", port=network.receiver.port)
    assert dimse.echo(node, LocalSettings(ae_title="MR1")) >= 0
    with pytest.raises(AssociationError, match="Calling AE title not recognised"):
        dimse.echo(node, LocalSettings(ae_title="SCANNER"))
    network.receiver_check.setChecked(False)

    network.receiver_callers.setText("CT1@127.0.0.2  MR1")
    network.receiver_check.setChecked(True)
    assert json.loads((data / "pacs.json").read_text())["receiver"]["allowed_callers"] == ["CT1@127.0.0.2", "MR1"]
    ae, assoc = _associate(network.receiver.port, "CT1", "127.0.0.2")
    assert assoc.is_established
    assoc.release()
    ae.shutdown()
    network.receiver_check.setChecked(False)

    network.receiver_callers.setText("CT1@somewhere")  # not an IP address: said so, and the receiver stays off
    network.receiver_check.setChecked(True)
    assert network.receiver is None and not network.receiver_check.isChecked()
    assert errors and "not an IP address" in errors[-1]

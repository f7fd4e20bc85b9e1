"""A PACS that hangs must time out with a message, never freeze Outpost.

Real peers on 127.0.0.1 that misbehave (tests/pacs/servers.py): a TCP server
that accepts and never answers, a DICOM SCP that accepts the association and
never answers a request, and an HTTP server that never sends a response. Every
operation ends with a one-line PacsError naming the node and the timeout; the
receiver drops senders that go silent; cancelling abandons a hung transfer; and
in the Network panel the event loop keeps running while it waits.
"""

from __future__ import annotations

import socket
import subprocess
import threading

import pytest
from PySide6.QtCore import QTimer

from tests.pacs.servers import SilentTcpServer, StallingDicomPeer, StallingHttpServer
from tests.qt.conftest import make_window  # noqa: F401 - the Qt window fixture (and offscreen Qt)
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken
from viewer.pacs import dicomweb, dimse
from viewer.pacs.errors import AssociationError, DicomWebError, ResponseTimeoutError
from viewer.pacs.nodes import LocalSettings, Node, Timeouts
from viewer.pacs.query import FindQuery
from viewer.pacs.receiver import Receiver
from viewer.pacs.store import LocalStore

#: Short timeouts, so each hang ends soon; the messages must quote them.
SHORT = Timeouts(association=1, dimse=1.5, network=1.5)
#: Long enough that only a working cancel ends the operation first.
LONG = Timeouts(association=5, dimse=120, network=120)
STUDY = "1.2.826.0.1.3680043.8.498.1"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
QUERY = FindQuery(level="STUDY", patient_id="NOBODY")


@pytest.fixture
def local() -> LocalSettings:
    return LocalSettings(timeouts=SHORT)


@pytest.fixture
def store(tmp_path):
    with LocalStore(tmp_path / "store") as opened:
        yield opened


@pytest.fixture
def series_files(tmp_path) -> list[str]:
    """A small real CT series (the demo phantom) to send."""
    from ai.demo.phantom import make_phantom
    from viewer.export.dicom_series import write_series

    paths = write_series(make_phantom(shape=(4, 32, 32)).volume, tmp_path / "series", patient_name="Hang^Test",
                         patient_id="HANG-1", window=(40, 400))
    return [str(path) for path in paths]


def _operations(store: LocalStore, files: list[str]) -> dict:
    """The DIMSE operations, each as ``(request the peer sees, call(node, local, cancel))``."""
    return {
        "echo": ("C-ECHO", lambda node, local, cancel: dimse.echo(node, local, cancel=cancel)),
        "find": ("C-FIND", lambda node, local, cancel: dimse.find(node, QUERY, local, cancel=cancel)),
        "get": ("C-GET", lambda node, local, cancel: dimse.get(node, STUDY, store=store, local=local,
                                                              sop_classes=[CT_IMAGE], cancel=cancel)),
        "get-asking-classes": ("C-FIND", lambda node, local, cancel: dimse.get(node, STUDY, store=store,
                                                                               local=local, cancel=cancel)),
        "send": ("C-STORE", lambda node, local, cancel: dimse.send(node, files, local, cancel=cancel)),
    }


OPERATIONS = ["echo", "find", "get", "get-asking-classes", "send"]



@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """Settings, audit log and fallback result folders in a temporary folder (children inherit it)."""
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "outpost-data"))


# --------------------------------------------------------------------------- DIMSE
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_peer_that_never_accepts_the_association_times_out(operation, local, store, series_files):
    with SilentTcpServer() as silent:
        node = Node(name="silent", ae_title="SILENT", host="127.0.0.1", port=silent.port)
        _, call = _operations(store, series_files)[operation]
        with pytest.raises(AssociationError) as caught:
            call(node, local, None)
        assert silent.accepted >= 1
    message = str(caught.value)
    assert node.describe() in message and "within 1 s" in message and "\n" not in message


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_peer_that_never_answers_a_request_times_out(operation, local, store, series_files):
    with StallingDicomPeer() as peer:
        node = Node(name="stalling", ae_title=peer.ae_title, host="127.0.0.1", port=peer.port)
        request, call = _operations(store, series_files)[operation]
        with pytest.raises(ResponseTimeoutError) as caught:
            call(node, local, None)
        assert peer.requests == [request]  # it got the request, and sat on it
    message = str(caught.value)
    assert message.startswith(node.describe()) and "within 1.5 s (response timeout)" in message
    assert store.instance_count() == 0


def test_a_c_move_whose_peer_never_answers_times_out(local, store):
    with StallingDicomPeer() as peer, Receiver(store, port=0, timeouts=SHORT) as receiver:
        node = Node(name="stalling", ae_title=peer.ae_title, host="127.0.0.1", port=peer.port)
        with pytest.raises(ResponseTimeoutError, match=r"did not answer the C-MOVE within 1\.5 s"):
            dimse.move(node, STUDY, receiver=receiver, local=local)
        assert peer.requests == ["C-MOVE"]


@pytest.mark.parametrize("operation", ["echo", "find", "get", "send"])
def test_cancel_abandons_a_hung_operation(operation, store, series_files):
    """With a two-minute timeout, only the cancel can end it: it ends as cancelled, not timed out."""
    request, call = _operations(store, series_files)[operation]
    cancel = CancelToken()
    with StallingDicomPeer() as peer:
        node = Node(name="stalling", ae_title=peer.ae_title, host="127.0.0.1", port=peer.port)
        outcome: list[BaseException] = []

        def run() -> None:
            try:
                call(node, LocalSettings(timeouts=LONG), cancel)
            except BaseException as e:  # noqa: BLE001 - handed to the test thread
                outcome.append(e)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        while request not in peer.requests and worker.is_alive():
            worker.join(0.05)
        cancel.cancel()
        worker.join(60)
        assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome


# --------------------------------------------------------------------------- DICOMweb
@pytest.mark.parametrize("operation", ["search", "retrieve", "store"])
def test_a_dicomweb_server_that_never_responds_times_out(operation, local, store, series_files):
    with StallingHttpServer() as web:
        node = Node(name="hungweb", dicomweb_url=web.url)
        call = {"search": lambda: dicomweb.search(node, QUERY, local),
                "retrieve": lambda: dicomweb.retrieve(node, STUDY, store=store, local=local),
                "store": lambda: dicomweb.store_files(node, series_files, local)}[operation]
        with pytest.raises(DicomWebError) as caught:
            call()
        assert len(web.requests) == 1  # asked once: a timed-out request is not retried
    message = str(caught.value)
    assert message.startswith(node.describe()) and "within 1.5 s (response timeout)" in message


# --------------------------------------------------------------------------- the receiver
def test_the_receiver_drops_silent_senders_and_keeps_receiving(store, series_files, require_tool):
    from pynetdicom import AE
    from pynetdicom.sop_class import Verification

    with Receiver(store, port=0, timeouts=SHORT) as receiver:
        raw = socket.create_connection(("127.0.0.1", receiver.port))  # connects, never asks for anything
        silent = AE(ae_title="SILENT")  # associates, then never sends a request
        silent.network_timeout = silent.dimse_timeout = None
        silent.add_requested_context(Verification)
        assoc = silent.associate("127.0.0.1", receiver.port, ae_title=receiver.ae_title)
        assert assoc.is_established
        try:
            # While both hang on, a modality still gets through.
            command = [require_tool("storescu"), "-aet", "SCANNER", "-aec", receiver.ae_title, "127.0.0.1",
                       str(receiver.port), *series_files]
            assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
            assert store.instance_count() == len(series_files)
            # And the receiver closes both: the raw connection reads end-of-file ...
            raw.settimeout(60)  # a bound for a broken receiver, far above its 1.5 s network timeout
            assert raw.recv(1) == b""
            # ... and the silent association is aborted by the receiver, not by us.
            assoc.join(60)  # its thread ends when the association does
            assert not assoc.is_alive() and assoc.is_aborted
        finally:
            raw.close()
            if assoc.is_established:
                assoc.abort()
            silent.shutdown()


# --------------------------------------------------------------------------- the Network panel
@pytest.fixture
def panel(make_window):  # noqa: F811 - the imported fixture
    window = make_window()
    network = window.network_panel
    network.settings.local = LocalSettings(timeouts=SHORT)
    return window, network


def _select(network, node: Node) -> None:
    network.settings.add(node)
    network.refresh_nodes()
    network.node_box.setCurrentIndex(network.node_box.findData(node.name))


def _ticking(qtbot):
    """A 10 ms timer on the GUI thread, and its tick count (it only ticks while the event loop runs)."""
    ticks = [0]
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start()
    return timer, ticks


@pytest.mark.parametrize("action", ["echo", "search", "web search"])
def test_the_network_panel_shows_the_timeout_and_never_freezes(qtbot, panel, action):
    window, network = panel
    with StallingDicomPeer() as peer, StallingHttpServer() as web:
        node = Node(name="hung", ae_title=peer.ae_title, host="127.0.0.1", port=peer.port, dicomweb_url=web.url)
        _select(network, node)
        network.method_box.setCurrentText("WADO-RS" if action == "web search" else "C-GET")
        timer, ticks = _ticking(qtbot)
        job = network.echo() if action == "echo" else network.search()
        assert job is not None
        qtbot.waitUntil(lambda: "within 1.5 s" in network.remote_status.text(), timeout=60000)
        timer.stop()
        assert network.remote_status.text().startswith(node.describe())
        assert peer.requests or web.requests  # the request reached the hung peer
        assert ticks[0] >= 20  # the event loop kept running all the while


def test_cancel_in_the_network_panel_abandons_a_hung_send(qtbot, panel, series_files):
    window, network = panel
    network.settings.local = LocalSettings(timeouts=LONG)
    with StallingDicomPeer() as peer:
        _select(network, Node(name="hung", ae_title=peer.ae_title, host="127.0.0.1", port=peer.port))
        job = network.send_files(series_files)
        qtbot.waitUntil(lambda: peer.requests == ["C-STORE"], timeout=30000)
        window.cancel_jobs()
        # Long before the two-minute timeout. Job.done is set on the worker thread; the status
        # follows through a queued signal, so wait for both.
        qtbot.waitUntil(lambda: job.done and network.remote_status.text() == "send cancelled", timeout=30000)

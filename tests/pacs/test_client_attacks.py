"""Outpost's PACS client against a hostile PACS: real peers on 127.0.0.1 that attack it.

The peers are written for the purpose: :class:`HostilePacs`, a pynetdicom SCP
(C-FIND, C-GET and C-MOVE) that sends what it likes, and :class:`HostileWeb`, a
small HTTP server that answers DICOMweb requests as it likes. Each test attacks
the client as ``outpost pacs`` or the viewer would use it, and checks what held:

- a retrieve stores only the study (and series) asked for, and says what it refused;
- every value a peer sends is shown escaped, and no answer causes a traceback;
- credentials never go over plain ``http://`` unless the node allows it, nor to
  another origin, and never sit in ``pacs.json``;
- answers are bounded in matches, bytes and total time, and the error names the limit.

Limits and timeouts are small so that each attack ends in seconds; the time
guards are generous (a 2-core machine under load).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import stat
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from tests.pacs.servers import free_port
from viewer.cli.pacs import PASSWORD_ENV, register
from viewer.core.errors import OutpostError
from viewer.pacs import dicomweb, dimse
from viewer.pacs.errors import AnswerLimitError, DicomWebError, OperationTimeoutError, PacsError
from viewer.pacs.nodes import LocalSettings, Node, PacsSettings, Timeouts
from viewer.pacs.query import FindQuery

STUDY = "1.2.826.0.1.3680043.8.498.4242"
SERIES = STUDY + ".1"
OTHER_STUDIES = [f"1.2.826.0.1.3680043.8.498.{n}" for n in (51, 52, 53)]
#: Generous bound on an attack that small limits end in about 2 s.
GUARD_S = 30.0
#: Short timeouts: a peer silent this long is cut off; a whole operation gets 2 s.
QUICK = Timeouts(association=5, dimse=5, network=5, query=2, transfer=2)
ESCAPES = ("\x1b", "\r", "\n", "\x07", "\x9b")


# --------------------------------------------------------------------------- instances and answers
def instance(study: str, series: str, number: int) -> Dataset:
    """A small, complete CT instance (8x8 pixels) of ``study`` and ``series``."""
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = f"{series}.{number}"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientName, ds.PatientID, ds.Modality = "Hostile^Sender", "HOSTILE-1", "CT"
    ds.InstanceNumber, ds.SeriesNumber = number, 1
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, number], [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing, ds.SliceThickness = [1, 1], 1
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = bytes(8 * 8 * 2)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


def encoded(ds: Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def raw_match(**values: tuple[str, bytes]) -> Dataset:
    """A C-FIND match whose values are sent byte for byte as given (``keyword=(VR, bytes)``), unvalidated."""
    ds = Dataset()
    ds.set_original_encoding(False, True, ds._character_set)  # so pydicom writes the raw bytes as they are
    for keyword, (vr, value) in {"QueryRetrieveLevel": ("CS", b"STUDY"), **values}.items():
        value += b" " * (len(value) % 2)
        tag = Tag(keyword)
        ds._dict[tag] = RawDataElement(tag, vr, len(value), value, 0, False, True)
    return ds


def study_match(number: int, **extra: str) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.StudyInstanceUID = f"1.2.826.0.1.3680043.8.498.9.{number}"
    ds.PatientName, ds.PatientID = "Flood^Patient", f"FLOOD-{number}"
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds


# --------------------------------------------------------------------------- the hostile PACS
class HostilePacs:
    """A pynetdicom SCP on 127.0.0.1 that answers as its handlers say.

    Parameters
    ----------
    matches
        ``matches(identifier)`` yields the C-FIND matches, as slowly or as many as it likes.
    instances
        The instances it sends for any C-GET or C-MOVE, whatever was asked for.
    move_port
        Where it sends C-MOVE's instances (Outpost's receiver).
    pace
        Seconds it waits before each C-GET sub-operation.

    Attributes
    ----------
    sent
        Matches it sent.
    """

    def __init__(self, *, matches: Callable[[Dataset], Iterator[Dataset]] | None = None,
                 instances: list[Dataset] = (), move_port: int = 0, pace: float = 0.0) -> None:
        self._matches, self._instances, self._move_port, self._pace = matches, list(instances), move_port, pace
        self.sent = 0
        self._ae = AE(ae_title="HOSTILE")
        self._ae.network_timeout = self._ae.dimse_timeout = 60
        # Explicit VR only, so the raw bytes of raw_match() go out as they are.
        self._ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind, ExplicitVRLittleEndian)
        self._ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
        self._ae.add_supported_context(StudyRootQueryRetrieveInformationModelMove)
        self._ae.add_supported_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian],
                                       scu_role=True, scp_role=True)
        self._ae.add_requested_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
        handlers = [(evt.EVT_C_FIND, self._find), (evt.EVT_C_GET, self._get), (evt.EVT_C_MOVE, self._move)]
        self._server = self._ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]

    @property
    def address(self) -> str:
        return f"HOSTILE@127.0.0.1:{self.port}"

    def node(self, **settings) -> Node:
        return Node("hostile", ae_title="HOSTILE", host="127.0.0.1", port=self.port, **settings)

    def _find(self, event):
        if "SOPClassesInStudy" in event.identifier:  # C-GET asks first which classes the study holds
            answer = Dataset()
            answer.QueryRetrieveLevel, answer.SOPClassesInStudy = "STUDY", CTImageStorage
            yield 0xFF00, answer
            yield 0x0000, None
            return
        for match in self._matches(event.identifier):
            if event.is_cancelled or not event.assoc.is_established:
                return
            self.sent += 1
            yield 0xFF00, match
        yield 0x0000, None

    def _sub_operations(self, event):
        yield len(self._instances)
        for ds in self._instances:
            if event.is_cancelled or not event.assoc.is_established:
                return
            time.sleep(self._pace)
            yield 0xFF00, ds

    def _get(self, event):
        yield from self._sub_operations(event)

    def _move(self, event):
        yield "127.0.0.1", self._move_port
        yield from self._sub_operations(event)

    def __enter__(self) -> HostilePacs:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._ae.shutdown()


# --------------------------------------------------------------------------- the hostile web server
class _WebHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        self.server.requests.append((self.command, self.path, self.headers.get("Authorization")))
        self.server.respond(self)

    do_GET = do_POST = _answer  # noqa: N815 - the names http.server's BaseHTTPRequestHandler calls

    def log_message(self, *args) -> None:
        """Write nothing: the requests are kept in the server's ``requests``."""


class HostileWeb(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1; ``respond(handler)`` writes each answer.

    Attributes
    ----------
    requests
        ``(method, path, Authorization header)`` of each request.
    """

    daemon_threads = True

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler], None]) -> None:
        super().__init__(("127.0.0.1", 0), _WebHandler)
        self.respond = respond
        self.requests: list[tuple[str, str, str | None]] = []
        self._thread = threading.Thread(target=self.serve_forever, name="hostile-web", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/dicom-web"

    def handle_error(self, request, client_address) -> None:
        """Say nothing: the client hanging up on a flood or a drip is what the attacks expect."""

    def __enter__(self) -> HostileWeb:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)


def send(handler: BaseHTTPRequestHandler, body: bytes, content_type: str = "application/dicom+json",
         status: int = 200, headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def qido_study(number: int, **values: str) -> dict:
    item = {"0020000D": {"vr": "UI", "Value": [f"1.2.826.0.1.3680043.8.498.9.{number}"]},
            "00100020": {"vr": "LO", "Value": [f"WEB-{number}"]}}
    for tag, value in values.items():
        item[tag] = {"vr": "LO", "Value": [value]}
    return item


def multipart(parts: list[bytes], boundary: str = "hostile-boundary") -> tuple[bytes, str]:
    body = b"".join(f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + part + b"\r\n"
                    for part in parts) + f"--{boundary}--".encode()
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


# --------------------------------------------------------------------------- the command line
@pytest.fixture
def outpost(tmp_path, monkeypatch, capsys):
    """Run ``outpost ARGS`` in-process; return (exit status, stdout, stderr). Only an OutpostError may escape."""
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTPOST_CREDENTIAL_STORE", "file")
    parser = argparse.ArgumentParser(prog="outpost")
    register(parser.add_subparsers(dest="command"))

    def run(*argv: object) -> tuple[int, str, str]:
        args = parser.parse_args([str(a) for a in argv])
        status = args.handler(args)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def raw_values(monkeypatch):
    """Let the hostile peer encode values pydicom would refuse to write (the client's reading is unchanged)."""
    monkeypatch.setattr(pydicom.config.settings, "writing_validation_mode", pydicom.config.IGNORE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def write_settings(tmp_path, document: dict) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "pacs.json").write_text(json.dumps(document))


# --------------------------------------------------------------------------- 1. what was not asked for
def _flood_of_studies() -> list[Dataset]:
    """Two instances of the study asked for, and one of each of three other patients' studies."""
    return [instance(STUDY, SERIES, 1), instance(STUDY, SERIES, 2),
            *(instance(other, other + ".1", 1) for other in OTHER_STUDIES)]


def test_c_get_stores_only_the_study_asked_for(outpost, tmp_path, store):
    with HostilePacs(instances=_flood_of_studies()) as pacs:
        status, out, err = outpost("pacs", "retrieve", pacs.address, STUDY, "--store", tmp_path / "store")
        # The same through the API, into another store
        result = dimse.get(pacs.node(), STUDY, store=store, local=LocalSettings(timeouts=QUICK))
    assert status == 1 and "retrieved 2 instance(s)" in out and "(2 new)" in out
    assert "the PACS also sent 3 instance(s) of another study or series; refused, not stored" in err
    assert "the PACS reported 3 failed sub-operation(s)" in err  # refused with a failure status
    assert (len(result.instances), result.unrequested, result.completed, result.failed) == (2, 3, 2, 3)
    assert [s.study_uid for s in store.studies()] == [STUDY] and store.instance_count() == 2
    listing = json.loads(outpost("store", "list", "--json", "--store", tmp_path / "store")[1])
    assert [(s["study_uid"], s["instance_count"]) for s in listing["studies"]] == [(STUDY, 2)]


def test_c_get_of_a_series_refuses_the_other_series(store):
    other_series = STUDY + ".2"
    with HostilePacs(instances=[instance(STUDY, SERIES, 1), instance(STUDY, other_series, 1)]) as pacs:
        result = dimse.get(pacs.node(), STUDY, SERIES, store=store, local=LocalSettings(timeouts=QUICK),
                           sop_classes=[CTImageStorage])
    assert (len(result.instances), result.unrequested) == (1, 1)
    assert [s.series_uid for s in store.series(STUDY)] == [SERIES]


def test_c_move_stores_only_the_study_asked_for_and_counts_what_it_stored(outpost, tmp_path):
    port = free_port()
    write_settings(tmp_path, {"local": {"ae_title": "OUTPOST", "receiver_port": port}})
    with HostilePacs(instances=[instance(STUDY, SERIES, 1), *(instance(o, o + ".1", 1) for o in OTHER_STUDIES)],
                     move_port=port) as pacs:
        status, out, err = outpost("pacs", "retrieve", pacs.address, STUDY, "--method", "move",
                                   "--store", tmp_path / "moved")
    assert status == 1 and "retrieved 1 instance(s)" in out and "by MOVE (1 new)" in out
    assert "3 instance(s) of another study or series; refused, not stored" in err
    listing = json.loads(outpost("store", "list", "--json", "--store", tmp_path / "moved")[1])
    assert [(s["study_uid"], s["instance_count"]) for s in listing["studies"]] == [(STUDY, 1)]


def test_c_move_into_the_running_receiver_refuses_what_it_did_not_ask_for(store):
    """The viewer's receiver keeps running through a move: the move's strays are refused, a modality's not."""
    from viewer.pacs.receiver import Receiver

    others = [instance(o, o + ".1", 1) for o in OTHER_STUDIES]
    with Receiver(store, ae_title="OUTPOST", port=0) as receiver, \
            HostilePacs(instances=[instance(STUDY, SERIES, 1), *others], move_port=receiver.port) as pacs:
        result = dimse.move(pacs.node(), STUDY, receiver=receiver,
                            local=LocalSettings(ae_title="OUTPOST", timeouts=QUICK))
        assert (len(result.instances), result.unrequested) == (1, 3)
        assert [s.study_uid for s in store.studies()] == [STUDY]
        # A modality sending to the same receiver after the move, with no move originator, is stored.
        modality = AE(ae_title="MODALITY")
        modality.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
        assoc = modality.associate("127.0.0.1", receiver.port, ae_title="OUTPOST")
        try:
            assert assoc.is_established and assoc.send_c_store(others[0]).Status == 0x0000
        finally:
            assoc.release()
    assert sorted(s.study_uid for s in store.studies()) == sorted([STUDY, OTHER_STUDIES[0]])


def test_wado_rs_stores_only_the_study_asked_for(store):
    other = OTHER_STUDIES[0]
    body, content_type = multipart([encoded(instance(STUDY, SERIES, 1)), encoded(instance(other, other + ".1", 1)),
                                    encoded(instance(STUDY, SERIES, 2))])

    def respond(handler):
        if handler.path.split("?")[0].endswith("/instances"):  # the count asked for first
            send(handler, json.dumps([{}, {}]).encode())
        else:
            send(handler, body, content_type)

    with HostileWeb(respond) as web:
        result = dicomweb.retrieve(Node("web", dicomweb_url=web.url), STUDY, store=store,
                                   local=LocalSettings(timeouts=QUICK))
    assert (len(result.instances), result.unrequested) == (2, 1)
    assert [s.study_uid for s in store.studies()] == [STUDY] and store.instance_count() == 2


# --------------------------------------------------------------------------- 2. raw output
FORGED = {"PatientName": ("PN", b"Evil\x1b[2J\x1b]0;pwned\x07^Name"),
          "StudyDescription": ("LO", b"desc\r\n1.2.3  20250101  FORGED-ID  Forged^Line"),
          "ModalitiesInStudy": ("CS", b"CT\x1b[31m"),
          "AccessionNumber": ("SH", b"A\r\x9b2J"),
          "StudyInstanceUID": ("UI", b"1.2.826.0.1.3680043.8.498.77")}


def test_find_output_escapes_what_the_pacs_sent(outpost, raw_values, caplog):
    caplog.set_level(logging.DEBUG)
    with HostilePacs(matches=lambda identifier: iter([raw_match(**FORGED), raw_match(**FORGED)])) as pacs:
        status, out, err = outpost("pacs", "find", pacs.address)
        document = json.loads(outpost("pacs", "find", pacs.address, "--json")[1])
    assert status == 0 and out.count("\n") == 2  # one line per match: none forged
    assert not any(c in out.replace("\n", "") or c in err for c in ESCAPES)
    assert "Evil\\x1b[2J\\x1b]0;pwned\\x07^Name" in out and "desc\\r\\n1.2.3" in out and "A\\r\\x9b2J" in out
    # --json carries the values exactly, escaped by JSON itself
    assert document["matches"][0]["patient_name"] == "Evil\x1b[2J\x1b]0;pwned\x07^Name"
    assert not any(c in caplog.text for c in ESCAPES[:1] + ESCAPES[3:])


def test_qido_output_escapes_what_the_server_sent(outpost, tmp_path):
    answer = json.dumps([qido_study(1, **{"00081030": "desc\x1b[2J\r\nFORGED LINE"})]).encode()
    with HostileWeb(lambda handler: send(handler, answer)) as web:
        write_settings(tmp_path, {"nodes": {"web": {"dicomweb_url": web.url}}})
        status, out, err = outpost("pacs", "find", "web")
    assert status == 0 and out.count("\n") == 1 and "desc\\x1b[2J\\r\\nFORGED LINE" in out
    assert not any(c in out.replace("\n", "") for c in ESCAPES)


def _unreadable_answers() -> list[bytes]:
    deep = b"[" * 100_000 + b"]" * 100_000
    return [b"{not json", b'{"an": "object"}', b"[1, 2, 3]", b'[{"00100010": {"vr": "PN", "Value": [1]}}]',
            b'[{"00201208": {"vr": "IS", "Value": ["1e999"]}}]', b'[{"0020000D": {"vr": "XX", "Value": 5}}]',
            b"\xff\xfe\x00garbage", deep]


@pytest.mark.parametrize("body", _unreadable_answers(), ids=range(len(_unreadable_answers())))
def test_no_qido_answer_causes_a_traceback(outpost, tmp_path, body):
    with HostileWeb(lambda handler: send(handler, body)) as web:
        write_settings(tmp_path, {"nodes": {"web": {"dicomweb_url": web.url}}})
        try:
            status, out, _ = outpost("pacs", "find", "web")
        except OutpostError as e:  # a one-line refusal, never a traceback
            assert "\n" not in str(e) and str(e).startswith("web (")
        else:
            assert status == 0 and not any(c in out.replace("\n", "") for c in ESCAPES)


def test_no_c_find_answer_causes_a_traceback(outpost, raw_values):
    odd = [raw_match(StudyInstanceUID=("UI", b"1.2.3"), NumberOfStudyRelatedInstances=("IS", b"1e999")),
           raw_match(StudyInstanceUID=("UI", b"1.2.4"), NumberOfStudyRelatedInstances=("IS", b"nan"),
                     NumberOfStudyRelatedSeries=("IS", b"-9" * 20)),
           raw_match(StudyInstanceUID=("UI", b"1.2.5"), SpecificCharacterSet=("CS", b"ISO 2022 IR 87"),
                     PatientName=("PN", b"\x1b$B\xff\xfe\x1b(B")),
           raw_match(StudyInstanceUID=("UI", b"1.2.6"), StudyDate=("DA", b"notadate"),
                     ModalitiesInStudy=("CS", b"\\".join([b"CT"] * 500)))]
    with HostilePacs(matches=lambda identifier: iter(odd)) as pacs:
        status, out, _ = outpost("pacs", "find", pacs.address)
        document = json.loads(outpost("pacs", "find", pacs.address, "--json")[1])
    assert status == 0 and out.count("\n") == 4
    assert [m["instance_count"] for m in document["matches"]][:2] == [None, None]  # not numbers: unknown


# --------------------------------------------------------------------------- 3. credentials
def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_credentials_never_go_over_plain_http_unless_the_node_allows_it(caplog):
    answer = json.dumps([qido_study(1)]).encode()
    with HostileWeb(lambda handler: send(handler, answer)) as web:
        node = Node("web", dicomweb_url=web.url, username="reader", password="pa55word")
        with pytest.raises(DicomWebError, match=r"credentials would go over plain http://.*allow-http-credentials"):
            dicomweb.search(node, FindQuery(), LocalSettings(timeouts=QUICK))
        assert web.requests == []  # refused before anything was sent
        allowed = Node("web", dicomweb_url=web.url, username="reader", password="pa55word",
                       allow_http_credentials=True)
        caplog.set_level(logging.WARNING, logger="viewer.pacs.dicomweb")
        for _ in range(2):
            assert len(dicomweb.search(allowed, FindQuery(), LocalSettings(timeouts=QUICK))) == 1
    assert [auth for _, _, auth in web.requests] == [_basic("reader", "pa55word")] * 2
    warned = [r for r in caplog.records if "over plain http://" in r.getMessage()]
    assert len(warned) == 2  # a warning each time
    assert all("pa55word" not in r.getMessage() and "reader" not in r.getMessage() for r in caplog.records)


def test_a_redirect_to_another_origin_is_refused_and_nothing_goes_there():
    with HostileWeb(lambda handler: send(handler, json.dumps([qido_study(666)]).encode())) as elsewhere:
        def redirect(handler):
            send(handler, b"", status=302, headers={"Location": elsewhere.url + "/studies"})

        with HostileWeb(redirect) as web:
            node = Node("web", dicomweb_url=web.url, username="reader", password="pa55word",
                        allow_http_credentials=True)
            with pytest.raises(DicomWebError, match=r"redirected the QIDO-RS search to another origin .*not "
                                                    r"followed"):
                dicomweb.search(node, FindQuery(), LocalSettings(timeouts=QUICK))
            assert len(web.requests) == 1
        assert elsewhere.requests == []  # neither the credentials nor the question reached it


def test_a_redirect_within_the_origin_is_followed_with_the_credentials():
    def respond(handler):
        if handler.path.startswith("/dicom-web/"):
            send(handler, b"", status=307, headers={"Location": "/moved" + handler.path[len("/dicom-web"):]})
        else:
            send(handler, json.dumps([qido_study(7)]).encode())

    with HostileWeb(respond) as web:
        node = Node("web", dicomweb_url=web.url, username="reader", password="pa55word",
                    allow_http_credentials=True)
        (match,) = dicomweb.search(node, FindQuery(), LocalSettings(timeouts=QUICK))
    assert match.study_uid == "1.2.826.0.1.3680043.8.498.9.7"
    assert [path.split("?")[0] for _, path, _ in web.requests] == ["/dicom-web/studies", "/moved/studies"]
    assert {auth for _, _, auth in web.requests} == {_basic("reader", "pa55word")}


def test_passwords_leave_pacs_json_and_the_data_folder_is_private(outpost, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "pa55word")
    previous = os.umask(0o022)
    try:
        status, out, _ = outpost("pacs", "node", "add", "web", "--url", "https://pacs.example/dicom-web",
                                 "--user", "reader", "--max-matches", "100")
    finally:
        os.umask(previous)
    data = tmp_path / "data"
    assert status == 0 and "pa55word" not in out and "pacs-credentials.json" in out
    assert stat.S_IMODE(data.stat().st_mode) == 0o700  # created owner-only despite umask 022
    for name in ("pacs.json", "pacs-credentials.json"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600
    assert "pa55word" not in (data / "pacs.json").read_text()
    node = PacsSettings().resolve("web")
    assert (node.password, node.max_matches) == ("pa55word", 100)


def test_a_plain_text_password_in_pacs_json_is_moved_out_on_load(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPOST_CREDENTIAL_STORE", "file")
    path = tmp_path / "pacs.json"
    path.write_text(json.dumps({"version": 1, "nodes": {"web": {
        "dicomweb_url": "https://pacs.example/dicom-web", "username": "reader", "password": "old-s3cret"}}}))
    settings = PacsSettings(path)
    assert settings.nodes["web"].password == "old-s3cret"
    assert "old-s3cret" not in path.read_text() and "reader" in path.read_text()
    credentials = tmp_path / "pacs-credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600 and "old-s3cret" in credentials.read_text()
    assert PacsSettings(path).resolve("web").password == "old-s3cret"
    os.chmod(credentials, 0o644)  # widened by someone: narrowed again when read
    assert PacsSettings(path).resolve("web").password == "old-s3cret"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    settings.remove("web")
    settings.save()
    assert "old-s3cret" not in credentials.read_text()  # a removed node's password goes too


# --------------------------------------------------------------------------- 4. unbounded answers
def test_a_flood_of_c_find_matches_is_cut_at_the_limit():
    def flood(identifier):
        for number in range(100_000):
            yield study_match(number)

    with HostilePacs(matches=flood) as pacs:
        started = time.monotonic()
        with pytest.raises(AnswerLimitError, match=r"more than 50 matches .*max_matches limit"):
            dimse.find(pacs.node(max_matches=50), FindQuery(), LocalSettings(timeouts=QUICK))
        assert time.monotonic() - started < GUARD_S
        assert pacs.sent < 1000  # it stopped being read long before 100,000


def test_c_find_matches_too_big_in_bytes_are_cut_at_the_limit():
    def big(identifier):
        for number in range(1000):
            yield study_match(number, PatientComments="x" * 10_000)

    with HostilePacs(matches=big) as pacs:
        with pytest.raises(AnswerLimitError, match=r"more than 64\.0 KiB .*max_answer_bytes limit"):
            dimse.find(pacs.node(max_answer_bytes=64 << 10), FindQuery(), LocalSettings(timeouts=QUICK))
        assert pacs.sent < 500


def test_a_c_find_that_drips_is_stopped_at_the_query_time_limit():
    def drip(identifier):
        for number in range(10_000):
            time.sleep(0.5)  # each response well within the 5 s response timeout
            yield study_match(number)

    with HostilePacs(matches=drip) as pacs:
        started = time.monotonic()
        with pytest.raises(OperationTimeoutError, match=r"did not finish the C-FIND within 2 s \(the query time "
                                                        r"limit\)"):
            dimse.find(pacs.node(), FindQuery(), LocalSettings(timeouts=QUICK))
        assert time.monotonic() - started < GUARD_S


def test_a_c_get_that_drips_is_stopped_at_the_transfer_time_limit_keeping_what_arrived(store):
    instances = [instance(STUDY, SERIES, n) for n in range(1, 40)]
    with HostilePacs(instances=instances, pace=0.5) as pacs:
        # the node's own timeouts in pacs.json take precedence over Outpost's
        node = pacs.node(timeouts={"transfer": 2})
        started = time.monotonic()
        with pytest.raises(OperationTimeoutError, match=r"did not finish the C-GET within 2 s \(the transfer "
                                                        r"time limit\); the \d+ instance\(s\) that arrived "
                                                        r"are kept"):
            dimse.get(node, STUDY, store=store, local=LocalSettings(), sop_classes=[CTImageStorage])
        assert time.monotonic() - started < GUARD_S
    assert 1 <= store.instance_count() < len(instances)


def test_a_50_mb_qido_answer_is_refused_at_the_byte_limit_without_being_held():
    def flood(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/dicom+json")
        handler.send_header("Connection", "close")
        handler.end_headers()
        items = (json.dumps(qido_study(1)).encode() + b",") * 100
        handler.wfile.write(b"[")
        for _ in range(50_000_000 // len(items)):
            handler.wfile.write(items)

    with HostileWeb(flood) as web:
        node = Node("web", dicomweb_url=web.url, max_answer_bytes=1 << 20)
        tracemalloc.start()
        try:
            with pytest.raises(AnswerLimitError, match=r"more than 1\.0 MiB in answer to the QIDO-RS search "
                                                       r"\(the node's max_answer_bytes limit\)"):
                dicomweb.search(node, FindQuery(), LocalSettings(timeouts=QUICK))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 << 20  # a few MiB, never the 50 MB answer


def test_a_qido_answer_that_declares_its_size_is_refused_before_reading():
    def declared(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/dicom+json")
        handler.send_header("Content-Length", str(50_000_000))
        handler.end_headers()
        handler.wfile.write(b"[")

    with HostileWeb(declared) as web, pytest.raises(AnswerLimitError, match="max_answer_bytes"):
        dicomweb.search(Node("web", dicomweb_url=web.url), FindQuery(), LocalSettings(timeouts=QUICK))


def test_too_many_qido_matches_are_refused_and_the_server_is_told_the_limit():
    answer = json.dumps([qido_study(n) for n in range(100)]).encode()
    with (HostileWeb(lambda handler: send(handler, answer)) as web,
          pytest.raises(AnswerLimitError, match=r"more than 10 matches .*max_matches limit")):
        dicomweb.search(Node("web", dicomweb_url=web.url, max_matches=10), FindQuery(),
                        LocalSettings(timeouts=QUICK))
    assert "limit=11" in web.requests[0][1]


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_dicomweb_server_that_drips_is_stopped_at_the_query_time_limit(where):
    def drip(handler):
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        if where == "headers":
            for number in range(1000):  # a header line every 0.2 s, each read within the 5 s timeout
                handler.wfile.write(f"X-Drip-{number}: 1\r\n".encode())
                handler.wfile.flush()
                time.sleep(0.2)
        handler.wfile.write(b"Content-Type: application/dicom+json\r\nConnection: close\r\n\r\n[")
        for _ in range(1000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)

    with HostileWeb(drip) as web:
        started = time.monotonic()
        with pytest.raises(OperationTimeoutError, match=r"did not finish the QIDO-RS search within 2 s "
                                                        r"\(the query time limit\)"):
            dicomweb.search(Node("web", dicomweb_url=web.url), FindQuery(), LocalSettings(timeouts=QUICK))
        assert time.monotonic() - started < GUARD_S


def test_limits_and_timeouts_are_kept_per_node_in_pacs_json(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPOST_CREDENTIAL_STORE", "file")
    settings = PacsSettings(tmp_path / "pacs.json")
    settings.add(Node("slow", ae_title="SLOW", host="127.0.0.1", port=104, max_matches=200,
                      max_answer_bytes=1 << 20, timeouts={"query": 30, "transfer": 7200}))
    settings.save()
    saved = json.loads((tmp_path / "pacs.json").read_text())["nodes"]["slow"]
    assert (saved["max_matches"], saved["timeouts"]) == (200, {"query": 30.0, "transfer": 7200.0})
    node = PacsSettings(tmp_path / "pacs.json").resolve("slow")
    assert (node.max_matches, node.max_answer_bytes, node.timeouts["query"]) == (200, 1 << 20, 30.0)
    for bad in ({"timeouts": {"query": -1}}, {"timeouts": {"forever": 1}}, {"max_matches": 0}):
        (tmp_path / "pacs.json").write_text(json.dumps({"nodes": {"x": {"ae_title": "X", "host": "h", "port": 1,
                                                                        **bad}}}))
        with pytest.raises(PacsError) as caught:
            PacsSettings(tmp_path / "pacs.json")
        assert "\n" not in str(caught.value)

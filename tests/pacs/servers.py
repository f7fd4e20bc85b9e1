"""Real servers and tools for the PACS tests: Debian's Orthanc, dcmtk's storescu, and peers that hang.

The hanging peers listen on 127.0.0.1 and misbehave for real: :class:`SilentTcpServer`
accepts connections and never says a word (no association, no HTTP response),
:class:`StallingDicomPeer` accepts associations and then never answers a request,
and :class:`StallingHttpServer` reads HTTP requests and never responds.

Orthanc runs with a configuration written here: temporary storage, free ports,
``RemoteAccessAllowed: false``, HTTP basic authentication, the DICOMweb plugin,
and one registered modality (Outpost's storage SCP on 127.0.0.1); every other
caller is refused. It is stopped by its PID.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ORTHANC_AET = "ORTHANC"
OUTPOST_AET = "OUTPOST"
ORTHANC_USER = "outpost-test"
DICOMWEB_PLUGIN_CANDIDATES = ("/usr/share/orthanc/plugins/libOrthancDicomWeb.so",
                              "/usr/lib/orthanc/libOrthancDicomWeb.so")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificate(openssl: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl tool."""
    folder.mkdir(parents=True, exist_ok=True)
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(certificate), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return certificate, key


def dicomweb_plugin() -> str | None:
    """The DICOMweb plugin of Debian's orthanc-dicomweb package, if installed."""
    return next((p for p in DICOMWEB_PLUGIN_CANDIDATES if os.path.exists(p)), None)


@dataclass
class OrthancServer:
    """A running Orthanc: its ports, credentials and process."""

    executable: str
    folder: Path
    receiver_port: int
    http_port: int = field(default_factory=free_port)
    dicom_port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: base64.b32encode(os.urandom(15)).decode().lower())
    extra_config: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    @property
    def address(self) -> str:
        return f"{ORTHANC_AET}@127.0.0.1:{self.dicom_port}"

    @property
    def log_path(self) -> Path:
        return self.folder / "orthanc.log"

    def config(self) -> dict:
        plugin = dicomweb_plugin()
        return {
            "Name": "OutpostTest",
            "StorageDirectory": str(self.folder / "storage"),
            "IndexDirectory": str(self.folder / "storage"),
            "StorageCompression": False,
            "HttpServerEnabled": True,
            "HttpPort": self.http_port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {ORTHANC_USER: self.password},
            "HttpThreadsCount": 4,
            "DicomServerEnabled": True,
            "DicomAet": ORTHANC_AET,
            "DicomPort": self.dicom_port,
            "DicomCheckCalledAet": True,
            "DicomCheckModalityHost": True,
            "DicomAlwaysAllowEcho": False,
            "DicomAlwaysAllowStore": False,
            "DicomAlwaysAllowFind": False,
            "DicomAlwaysAllowFindWorklist": False,
            "DicomAlwaysAllowGet": False,
            "DicomAlwaysAllowMove": False,
            "DicomModalities": {"outpost": {"AET": OUTPOST_AET, "Host": "127.0.0.1", "Port": self.receiver_port}},
            "DicomModalitiesInDatabase": False,
            "DicomThreadsCount": 2,
            "DicomScuTimeout": 10,
            "DicomScpTimeout": 10,
            "ExecuteLuaEnabled": False,
            "RestApiWriteToFileSystemEnabled": False,
            "SaveJobs": False,
            "ConcurrentJobs": 2,
            "Plugins": [plugin] if plugin else [],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False, "Host": "127.0.0.1",
                         "Ssl": False},
            **self.extra_config,
        }

    def start(self, timeout: float = 30.0) -> OrthancServer:
        (self.folder / "storage").mkdir(parents=True, exist_ok=True)
        config_path = self.folder / "orthanc.json"
        config_path.write_text(json.dumps(self.config(), indent=2))
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen([self.executable, str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.folder)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.rest("GET", "/system")
                with socket.create_connection(("127.0.0.1", self.dicom_port), timeout=1):
                    return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Orthanc did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self, wait: bool = True) -> None:
        """SIGTERM Orthanc; it takes about 3.5 s to stop, so callers may :meth:`wait` later."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        if wait:
            self.wait()

    def wait(self, timeout: float = 15.0) -> None:
        """Wait until a stopping Orthanc has exited (SIGKILL if it hangs)."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL Orthanc (an abrupt failure of the PACS)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # ----------------------------------------------------------------- REST (basic auth)
    def rest(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        request = urllib.request.Request(self.url + path, data=body, method=method)
        token = base64.b64encode(f"{ORTHANC_USER}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        if body is not None:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
        return json.loads(data) if data else None

    def upload(self, paths) -> list[dict]:
        return [self.rest("POST", "/instances", Path(p).read_bytes(), "application/dicom") for p in paths]

    def studies(self) -> list[dict]:
        return [self.rest("GET", f"/studies/{sid}") for sid in self.rest("GET", "/studies")]

    def study_instances(self, study_uid: str) -> list[dict]:
        """Orthanc's instances of a study (with their tags), by StudyInstanceUID."""
        found = self.rest("POST", "/tools/find", json.dumps(
            {"Level": "Instance", "Query": {"StudyInstanceUID": study_uid}, "Expand": True}).encode())
        return found

    def instance_tags(self, orthanc_id: str) -> dict:
        return self.rest("GET", f"/instances/{orthanc_id}/simplified-tags")

    def clear(self) -> None:
        for pid in self.rest("GET", "/patients"):
            self.rest("DELETE", f"/patients/{pid}")


# --------------------------------------------------------------------------- peers that hang
class SilentTcpServer:
    """Accepts TCP connections on 127.0.0.1 and never sends or answers anything (a hung PACS).

    Use as a context manager; :attr:`port` is where it listens, :attr:`accepted`
    counts the connections it took. Closing it closes every connection.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._connections: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-tcp", daemon=True)

    @property
    def accepted(self) -> int:
        return len(self._connections)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed
                return
            self._connections.append(connection)  # held open, never read or written

    def __enter__(self) -> SilentTcpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._listener.close()
        for connection in self._connections:
            connection.close()
        self._thread.join(timeout=10)


class StallingDicomPeer:
    """A pynetdicom SCP that accepts associations (echo, find, get, move, CT storage) and then never
    answers a request: each handler blocks until the peer is closed.

    Attributes
    ----------
    requests
        The DIMSE requests it received and is sitting on (``"C-ECHO"``, ``"C-FIND"``, ...).
    """

    def __init__(self, ae_title: str = "STALLING") -> None:
        from pynetdicom import AE, AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import (
            StudyRootQueryRetrieveInformationModelFind,
            StudyRootQueryRetrieveInformationModelGet,
            StudyRootQueryRetrieveInformationModelMove,
            Verification,
        )

        self.ae_title = ae_title
        self.requests: list[str] = []
        self._release = threading.Event()
        self._ae = AE(ae_title=ae_title)
        self._ae.network_timeout = None  # it must out-wait the client, never give up first
        self._ae.dimse_timeout = None
        for context in (Verification, StudyRootQueryRetrieveInformationModelFind,
                        StudyRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelMove):
            self._ae.add_supported_context(context)
        for context in AllStoragePresentationContexts:
            self._ae.add_supported_context(context.abstract_syntax)
        handlers = [(event, self._stall, [name]) for event, name in (
            (evt.EVT_C_ECHO, "C-ECHO"), (evt.EVT_C_FIND, "C-FIND"), (evt.EVT_C_GET, "C-GET"),
            (evt.EVT_C_MOVE, "C-MOVE"), (evt.EVT_C_STORE, "C-STORE"))]
        self._server = self._ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]

    @property
    def address(self) -> str:
        return f"{self.ae_title}@127.0.0.1:{self.port}"

    def _stall(self, event, name: str):
        self.requests.append(name)
        self._release.wait()
        return 0xC000  # only after closing, to an association that is long gone

    def __enter__(self) -> StallingDicomPeer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._ae.shutdown()


class _StallingHandler(BaseHTTPRequestHandler):
    def _stall(self) -> None:
        self.server.requests.append(f"{self.command} {self.path.split('?')[0]}")
        self.server.release.wait()  # the request was read; the response never comes

    do_GET = do_POST = _stall  # noqa: N815 - the names http.server's BaseHTTPRequestHandler calls

    def log_message(self, *args) -> None:
        """Write nothing: the stalled requests are kept in the server's ``requests`` instead of stderr."""


class StallingHttpServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that reads each request and never sends a response (a hung DICOMweb).

    Attributes
    ----------
    url
        Its base URL; any path is accepted.
    requests
        ``"METHOD /path"`` of each request it is sitting on.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StallingHandler)
        self.requests: list[str] = []
        self.release = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, name="stalling-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/dicom-web"

    def __enter__(self) -> StallingHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)

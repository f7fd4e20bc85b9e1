"""Real servers and tools for the PACS tests: Debian's Orthanc, and dcmtk's storescu.

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
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
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

"""Remote DICOM nodes and Outpost's own network identity, kept in a JSON settings file.

The file is ``<user data dir>/pacs.json`` (``OUTPOST_DATA_DIR`` moves it). It is
written atomically and readable by its owner only, because a DICOMweb node may
carry a basic-auth password. Passwords never appear in ``repr``, in
:meth:`Node.describe`, or in any log message.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from viewer.core.files import atomic_path, user_data_dir
from viewer.pacs.errors import NodeConfigError

log = logging.getLogger(__name__)

SETTINGS_NAME = "pacs.json"
SETTINGS_VERSION = 1
DEFAULT_AE_TITLE = "OUTPOST"
DEFAULT_RECEIVER_PORT = 11112
#: The receiver listens on the loopback interface unless told otherwise.
DEFAULT_RECEIVER_HOST = "127.0.0.1"

_ADDRESS = re.compile(r"^(?P<aet>[^@]+)@(?P<host>\[[0-9A-Fa-f:.]+\]|[^:@\[\]]+):(?P<port>\d+)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_ae_title(title: str) -> str:
    """Return ``title`` if it is a valid AE title (1-16 characters, no backslash or control).

    Raises
    ------
    NodeConfigError
        The title is empty, too long, or has forbidden characters.
    """
    stripped = title.strip()
    if not stripped or len(title) > 16 or "\\" in title or any(ord(c) < 32 or ord(c) > 126 for c in title):
        raise NodeConfigError(f"invalid AE title {title!r} (1-16 printable characters, no backslash)")
    return stripped


def validate_port(port: int | str) -> int:
    """Return ``port`` as an int in 1-65535.

    Raises
    ------
    NodeConfigError
        Not a number, or out of range.
    """
    try:
        value = int(port)
    except (TypeError, ValueError):
        raise NodeConfigError(f"invalid port {port!r}") from None
    if not 1 <= value <= 65535:
        raise NodeConfigError(f"port {value} is out of range (1-65535)")
    return value


@dataclass
class Timeouts:
    """Network timeouts in seconds.

    Attributes
    ----------
    association
        To open the TCP connection and negotiate the association (DICOMweb: to connect).
    dimse
        To wait for a DIMSE message (a C-FIND match, a C-STORE response).
    network
        Of an idle connection before it is closed (DICOMweb: to wait for a response).
        The receiver drops a sender that stays silent this long, so a hung sender
        cannot hold one of its associations.
    """

    association: float = 10.0
    dimse: float = 60.0
    network: float = 60.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise NodeConfigError(f"the {item.name} timeout must be a positive number of seconds")
            setattr(self, item.name, float(value))


@dataclass
class Node:
    """A remote DICOM node: a DIMSE peer, a DICOMweb service, or both.

    Attributes
    ----------
    name
        What the user calls it (letters, digits, ``_.-``).
    ae_title, host, port, tls
        The DIMSE peer; ``tls`` uses DICOM over TLS (the system's CA certificates,
        or ``tls_ca_file``).
    dicomweb_url
        Base URL of the DICOMweb service (e.g. ``http://pacs:8042/dicom-web``).
    username, password
        Basic authentication for DICOMweb; the password is never logged or shown.
    """

    name: str
    ae_title: str = ""
    host: str = ""
    port: int = 0
    tls: bool = False
    tls_ca_file: str = ""
    dicomweb_url: str = ""
    username: str = ""
    password: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.ae_title:
            self.ae_title = validate_ae_title(self.ae_title)
        if self.port:
            self.port = validate_port(self.port)
        if self.dicomweb_url:
            self.dicomweb_url, username, password = _split_credentials(self.dicomweb_url)
            self.username = self.username or username
            self.password = self.password or password

    @property
    def has_dimse(self) -> bool:
        """Whether the node can be reached over DIMSE (AE title, host and port are set)."""
        return bool(self.ae_title and self.host and self.port)

    @property
    def has_dicomweb(self) -> bool:
        """Whether the node has a DICOMweb URL."""
        return bool(self.dicomweb_url)

    @property
    def address(self) -> str:
        """``AET@host:port`` (empty when the node has no DIMSE peer)."""
        return f"{self.ae_title}@{self.host}:{self.port}" if self.has_dimse else ""

    def describe(self) -> str:
        """A one-line description for messages and logs, without credentials (nor the user name)."""
        parts = [p for p in (self.address + (" (TLS)" if self.tls and self.has_dimse else ""),
                             self.dicomweb_url) if p]
        where = ", ".join(parts) or "no address"
        return f"{self.name} ({where})" if self.name and self.name != self.address else where

    def to_json(self) -> dict[str, Any]:
        """The node as stored in the settings file."""
        data = asdict(self)
        data.pop("name")
        return {key: value for key, value in data.items() if value not in ("", 0, False)}

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> Node:
        """A node from the settings file.

        Raises
        ------
        NodeConfigError
            Unknown keys or malformed values.
        """
        known = {item.name for item in fields(cls)} - {"name"}
        unknown = set(data) - known
        if unknown:
            raise NodeConfigError(f"node {name!r}: unknown setting(s) {', '.join(sorted(unknown))}")
        try:
            return cls(name=name, **data)
        except TypeError as e:
            raise NodeConfigError(f"node {name!r}: {e}") from e


def _split_credentials(url: str) -> tuple[str, str, str]:
    """Validate a DICOMweb URL; move ``user:password@`` out of it so it is never shown."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NodeConfigError("a DICOMweb URL must start with http:// or https:// and name a host")
    username, password = parts.username or "", parts.password or ""
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    try:
        port = parts.port
    except ValueError:
        raise NodeConfigError("the DICOMweb URL has an invalid port") from None
    if port:
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), parts.query, "")), username, password


def parse_address(text: str, name: str = "") -> Node:
    """Parse ``AET@host:port`` into a node.

    Parameters
    ----------
    text
        E.g. ``ORTHANC@127.0.0.1:4242`` or ``PACS@[::1]:104``.
    name
        The node's name (default: ``text``).

    Raises
    ------
    NodeConfigError
        The text is not of that form, or a part is invalid.

    Examples
    --------
    >>> parse_address("ORTHANC@localhost:4242").port
    4242
    """
    match = _ADDRESS.match(text.strip())
    if not match:
        raise NodeConfigError(f"{text!r} is neither a configured node nor an address of the form AET@host:port")
    host = match["host"].strip("[]")
    return Node(name=name or text.strip(), ae_title=match["aet"], host=host, port=validate_port(match["port"]))


@dataclass
class LocalSettings:
    """Outpost's own DICOM identity and its receiver.

    Attributes
    ----------
    ae_title
        Outpost's AE title, as calling AE and for its storage SCP.
    receiver_host, receiver_port
        Where the storage SCP listens (loopback by default; the PACS must know
        this address as the destination of C-MOVE).
    receiver_enabled
        Whether the viewer starts the receiver (off by default).
    timeouts
        Network timeouts.
    """

    ae_title: str = DEFAULT_AE_TITLE
    receiver_host: str = DEFAULT_RECEIVER_HOST
    receiver_port: int = DEFAULT_RECEIVER_PORT
    receiver_enabled: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)

    def __post_init__(self) -> None:
        self.ae_title = validate_ae_title(self.ae_title)
        self.receiver_port = validate_port(self.receiver_port)
        if isinstance(self.timeouts, dict):
            try:
                self.timeouts = Timeouts(**self.timeouts)
            except TypeError as e:
                raise NodeConfigError(f"timeouts: {e}") from e


def default_settings_path() -> Path:
    """``<user data dir>/pacs.json``."""
    return user_data_dir() / SETTINGS_NAME


class PacsSettings:
    """The nodes and local settings, loaded from and saved to a JSON file.

    Parameters
    ----------
    path
        The settings file (default :func:`default_settings_path`); a missing file
        means no nodes and default local settings.

    Raises
    ------
    NodeConfigError
        The file exists but is not valid settings.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else default_settings_path()
        self.local = LocalSettings()
        self.nodes: dict[str, Node] = {}
        if self.path.is_file():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise NodeConfigError(f"cannot read the PACS settings {self.path}: {e}") from e
        if not isinstance(data, dict) or not isinstance(data.get("nodes", {}), dict):
            raise NodeConfigError(f"the PACS settings {self.path} are not a settings document")
        local = data.get("local", {})
        try:
            self.local = LocalSettings(**local)
        except TypeError as e:
            raise NodeConfigError(f"the PACS settings {self.path}: local: {e}") from e
        self.nodes = {name: Node.from_json(name, value) for name, value in data.get("nodes", {}).items()}

    def save(self) -> None:
        """Write the settings atomically, readable by the owner only."""
        document = {
            "version": SETTINGS_VERSION,
            "local": {**asdict(self.local)},
            "nodes": {name: node.to_json() for name, node in sorted(self.nodes.items())},
        }
        with atomic_path(self.path) as temporary:
            temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
            os.chmod(temporary, 0o600)
        log.info("saved PACS settings with %d node(s)", len(self.nodes))

    def add(self, node: Node) -> None:
        """Add or replace a node (not saved until :meth:`save`).

        Raises
        ------
        NodeConfigError
            The name is invalid, or the node has neither a DIMSE address nor a DICOMweb URL.
        """
        if not _NAME.match(node.name) or "@" in node.name:
            raise NodeConfigError(f"invalid node name {node.name!r} (letters, digits, '_', '.', '-')")
        if not node.has_dimse and not node.has_dicomweb:
            raise NodeConfigError(f"node {node.name!r} needs AET@host:port or a DICOMweb URL")
        self.nodes[node.name] = node

    def remove(self, name: str) -> None:
        """Remove a node (not saved until :meth:`save`).

        Raises
        ------
        NodeConfigError
            No node has that name.
        """
        if name not in self.nodes:
            raise NodeConfigError(f"no node named {name!r}")
        del self.nodes[name]

    def resolve(self, name_or_address: str) -> Node:
        """A configured node by name, or an ad-hoc node parsed from ``AET@host:port``.

        Raises
        ------
        NodeConfigError
            Neither a configured name nor a valid address.
        """
        if name_or_address in self.nodes:
            return replace(self.nodes[name_or_address])
        return parse_address(name_or_address)

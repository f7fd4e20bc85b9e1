"""Remote DICOM nodes and Outpost's own network identity, kept in a JSON settings file.

The file is ``<user data dir>/pacs.json`` (``OUTPOST_DATA_DIR`` moves it). It is
written atomically and readable by its owner only. It holds no password: a
DICOMweb node's basic-auth password is kept in the system keyring, or else in an
owner-only file beside it (:mod:`viewer.pacs.credentials`); a password found in
``pacs.json`` (as older versions wrote it) is moved there when the file is read.
Passwords never appear in ``repr``, in :meth:`Node.describe`, or in any log message.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from viewer.core.files import atomic_path, user_data_dir
from viewer.pacs.credentials import CredentialStore, default_credentials
from viewer.pacs.errors import NodeConfigError

log = logging.getLogger(__name__)

SETTINGS_NAME = "pacs.json"
SETTINGS_VERSION = 1
DEFAULT_AE_TITLE = "OUTPOST"
DEFAULT_RECEIVER_PORT = 11112
#: The receiver listens on the loopback interface unless told otherwise.
DEFAULT_RECEIVER_HOST = "127.0.0.1"
#: Matches a search may return before it is refused (per node: ``max_matches``).
DEFAULT_MAX_MATCHES = 5000
#: Bytes a search answer may take before it is refused (per node: ``max_answer_bytes``).
DEFAULT_MAX_ANSWER_BYTES = 16 << 20

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
    query
        For a whole echo or search (C-ECHO, C-FIND, QIDO-RS), however steadily the peer answers.
    transfer
        For a whole retrieve or send (C-GET, C-MOVE, WADO-RS, C-STORE, STOW-RS).
    """

    association: float = 10.0
    dimse: float = 60.0
    network: float = 60.0
    query: float = 300.0
    transfer: float = 3600.0

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
        Basic authentication for DICOMweb; the password is never logged or shown,
        nor written to ``pacs.json``.
    allow_http_credentials
        Send the credentials over a plain ``http://`` URL (with a warning each
        time); without it they go over ``https://`` only.
    max_matches, max_answer_bytes
        The most matches, and bytes, a search may bring back before it is refused.
    timeouts
        This node's own values for some of :class:`Timeouts` (e.g. ``{"query": 30}``).
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
    allow_http_credentials: bool = False
    max_matches: int = DEFAULT_MAX_MATCHES
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    timeouts: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ae_title:
            self.ae_title = validate_ae_title(self.ae_title)
        if self.port:
            self.port = validate_port(self.port)
        if self.dicomweb_url:
            self.dicomweb_url, username, password = _split_credentials(self.dicomweb_url)
            self.username = self.username or username
            self.password = self.password or password
        for limit in ("max_matches", "max_answer_bytes"):
            value = getattr(self, limit)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise NodeConfigError(f"node {self.name!r}: {limit} must be a whole number of at least 1")
        if not isinstance(self.timeouts, dict):
            raise NodeConfigError(f"node {self.name!r}: timeouts must be an object of seconds")
        try:
            Timeouts(**self.timeouts)  # the names and values are those of Timeouts
        except TypeError as e:
            raise NodeConfigError(f"node {self.name!r}: timeouts: {e}") from e
        self.timeouts = {key: float(value) for key, value in self.timeouts.items()}

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
        """The node as stored in the settings file: settings that differ from the defaults, no password."""
        data = asdict(self)
        for key in ("name", "password"):
            data.pop(key)
        defaults = {item.name: item.default for item in fields(self) if not callable(item.default_factory)}
        return {key: value for key, value in data.items() if value not in ("", 0, False, {}, defaults.get(key))}

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


def timeouts_for(node: Node, local: LocalSettings) -> Timeouts:
    """The timeouts of an operation on ``node``: Outpost's, with the node's own values over them."""
    return replace(local.timeouts, **node.timeouts) if node.timeouts else local.timeouts


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


@dataclass(frozen=True)
class AllowedCaller:
    """One peer the receiver accepts: a calling AE title, from any address or from one address or network.

    Attributes
    ----------
    ae_title
        The calling AE title the peer must send.
    network
        ``""`` for any address, else an IP address or network (``10.0.0.5``, ``10.0.0.0/24``).

    Examples
    --------
    >>> AllowedCaller.parse("CT1@10.0.0.5").admits("CT1", "10.0.0.5")
    True
    """

    ae_title: str
    network: str = ""

    @classmethod
    def parse(cls, text: str) -> AllowedCaller:
        """``AE`` or ``AE@ADDRESS`` (an IP address, or a network as ``ADDRESS/BITS``).

        Raises
        ------
        NodeConfigError
            The AE title or the address is invalid.
        """
        title, _, address = str(text).strip().partition("@")
        if not address:
            return cls(validate_ae_title(title))
        try:
            network = ipaddress.ip_network(address.strip("[]"), strict=False)
        except ValueError:
            raise NodeConfigError(f"invalid allowed caller {text!r}: {address!r} is not an IP address "
                                  "or network") from None
        single = network.num_addresses == 1
        return cls(validate_ae_title(title), str(network.network_address if single else network))

    def admits(self, ae_title: str, address: str) -> bool:
        """Whether a peer calling as ``ae_title`` from ``address`` is this caller."""
        if ae_title.strip() != self.ae_title:
            return False
        if not self.network:
            return True
        try:
            peer = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
            peer = peer.ipv4_mapped
        return peer in ipaddress.ip_network(self.network)

    def __str__(self) -> str:
        return f"{self.ae_title}@{self.network}" if self.network else self.ae_title


@dataclass
class ReceiverSettings:
    """Who may send to the receiver and how much it takes: ``pacs.json``'s ``"receiver"`` section.

    Attributes
    ----------
    allowed_callers
        ``AE`` or ``AE@ADDRESS`` entries (see :class:`AllowedCaller`); empty accepts any caller.
    max_instance_mb
        An instance larger than this is refused while it arrives (the association is aborted).
    min_free_disk_mb
        Below this much free disk space the receiver refuses associations and instances.
    max_associations
        Associations at once, from everyone.
    max_associations_per_address
        Associations at once from one address; below ``max_associations``, so that
        peers at one address cannot take every slot.
    pdu_deadline
        Seconds within which each PDU must arrive whole once it has begun, however
        steadily its bytes come (the association request must arrive within the
        association timeout of connecting).
    """

    allowed_callers: list[str] = field(default_factory=list)
    max_instance_mb: int = 2048
    min_free_disk_mb: int = 1024
    max_associations: int = 10
    max_associations_per_address: int = 4
    pdu_deadline: float = 120.0

    def __post_init__(self) -> None:
        if isinstance(self.allowed_callers, str) or not isinstance(self.allowed_callers, list | tuple):
            raise NodeConfigError("receiver: allowed_callers must be a list of AE or AE@ADDRESS entries")
        self.allowed_callers = [str(AllowedCaller.parse(entry)) for entry in self.allowed_callers]
        for name in ("max_instance_mb", "min_free_disk_mb", "max_associations", "max_associations_per_address"):
            value = getattr(self, name)
            least = 0 if name == "min_free_disk_mb" else 1
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise NodeConfigError(f"receiver: {name} must be a whole number of at least {least}")
        if self.max_associations_per_address >= self.max_associations:
            raise NodeConfigError("receiver: max_associations_per_address must be below max_associations")
        if not isinstance(self.pdu_deadline, int | float) or isinstance(self.pdu_deadline, bool) \
                or self.pdu_deadline <= 0:
            raise NodeConfigError("receiver: pdu_deadline must be a positive number of seconds")
        self.pdu_deadline = float(self.pdu_deadline)

    @property
    def callers(self) -> list[AllowedCaller]:
        """:attr:`allowed_callers`, parsed."""
        return [AllowedCaller.parse(entry) for entry in self.allowed_callers]


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
    credentials
        Where passwords are kept (default :func:`~viewer.pacs.credentials.default_credentials`).

    Raises
    ------
    NodeConfigError
        The file exists but is not valid settings.
    """

    def __init__(self, path: str | os.PathLike | None = None, *,
                 credentials: CredentialStore | None = None) -> None:
        self.path = Path(path) if path is not None else default_settings_path()
        self.credentials = credentials if credentials is not None else default_credentials(self.path)
        self.local = LocalSettings()
        self.receiver = ReceiverSettings()
        self.nodes: dict[str, Node] = {}
        self._removed: set[str] = set()
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
        receiver = data.get("receiver", {})
        if not isinstance(receiver, dict):
            raise NodeConfigError(f"the PACS settings {self.path}: receiver: not a settings object")
        try:
            self.receiver = ReceiverSettings(**receiver)
        except TypeError as e:
            raise NodeConfigError(f"the PACS settings {self.path}: receiver: {e}") from e
        plain = [name for name, value in data.get("nodes", {}).items()
                 if isinstance(value, dict) and value.get("password")]
        for name, node in self.nodes.items():
            if node.username and name not in plain:
                node.password = self._stored_password(name)
        if plain:  # written by an older version: move the passwords out of the file
            try:
                self.save()
            except (OSError, NodeConfigError) as e:
                log.warning("the PACS settings %s hold %d password(s) in plain text and could not be rewritten "
                            "without them: %s", self.path, len(plain), getattr(e, "strerror", None) or e)
            else:
                log.info("moved %d password(s) out of %s into %s", len(plain), self.path,
                         self.credentials.description)

    def _stored_password(self, name: str) -> str:
        try:
            return self.credentials.get(name)
        except NodeConfigError as e:
            log.warning("the password of node %r could not be read: %s", name, e)
            return ""

    def save(self) -> None:
        """Write the settings atomically, readable by the owner only; passwords go to :attr:`credentials`.

        Raises
        ------
        NodeConfigError
            A password could not be kept (the settings file is then left as it was).
        OSError
            The settings file could not be written.
        """
        for name in sorted(self._removed - set(self.nodes)):
            self.credentials.delete(name)
        for name, node in sorted(self.nodes.items()):
            if node.password:
                self.credentials.set(name, node.password)
            elif node.has_dicomweb:
                self.credentials.delete(name)
        self._removed.clear()
        document = {
            "version": SETTINGS_VERSION,
            "local": {**asdict(self.local)},
            "receiver": asdict(self.receiver),
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
        self._removed.add(name)

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

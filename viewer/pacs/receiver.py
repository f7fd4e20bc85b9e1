"""Outpost's storage SCP: instances that a modality or a PACS sends go into the local store.

Off by default. When started it listens on a configurable AE title, address
(loopback by default) and port, accepts the storage SOP classes in the usual
transfer syntaxes (uncompressed, deflate, JPEG baseline/extended/lossless,
JPEG-LS, JPEG 2000, HTJ2K, RLE), writes each instance atomically into the
store without decoding it, and reports each arrival to its listeners (so the
viewer can show studies as they come). A malformed instance gets a failure
status and a log line without patient data; the receiver keeps running.

Peers are not trusted. Every connection's bytes pass through a
:class:`PeerConnection`, which follows the PDUs as they arrive and drops the
connection (with an A-ABORT and one log line) when a peer:

- stops part-way through a PDU for the network timeout, or does not complete a
  PDU within :attr:`~viewer.pacs.nodes.ReceiverSettings.pdu_deadline` however
  steadily it drips (its association request: within the association timeout
  of connecting);
- announces a PDU longer than the receiver's maximum PDU size (nothing that
  long is ever buffered), a command set over 64 KiB, or an instance over
  ``max_instance_mb`` (refused while it arrives, never buffered whole).

One address may hold only ``max_associations_per_address`` associations, fewer
than ``max_associations``, so stalled or slow peers there cannot take every
slot. With allowed callers set, everyone else's association is rejected; with
too little free disk space, associations are rejected and instances refused
(Out of Resources). Instances stream to a temporary file, never into memory
whole. Values a peer sends reach the terminal and the log escaped
(:func:`~viewer.core.text.printable`), and never with a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import socket
import struct
import tempfile
import threading
import time
import weakref
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from io import BytesIO
from typing import Any, BinaryIO

from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filereader import read_dataset, read_preamble
from pydicom.uid import (
    HTJ2K,
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom import AE, AllStoragePresentationContexts, _config, evt
from pynetdicom.sop_class import Verification
from pynetdicom.transport import RequestHandler, ThreadedAssociationServer

from viewer.core import audit
from viewer.core.text import printable
from viewer.pacs.errors import (
    PEER_DATA_ERRORS,
    InstanceMismatchError,
    MalformedInstanceError,
    PacsError,
    StoreError,
    UnrequestedInstanceError,
)
from viewer.pacs.logs import quiet_logs
from viewer.pacs.nodes import (
    DEFAULT_AE_TITLE,
    DEFAULT_RECEIVER_HOST,
    DEFAULT_RECEIVER_PORT,
    ReceiverSettings,
    Timeouts,
)
from viewer.pacs.store import LocalStore, StoredInstance

log = logging.getLogger(__name__)

# pynetdicom writes each C-STORE data set to a temporary file as its fragments arrive (the
# handler gets its path), instead of gathering it in memory and copying it twice more.
_config.STORE_RECV_CHUNKED_DATASET = True

#: Transfer syntaxes accepted for storage, in order of preference. Where a sender offers several
#: in one presentation context, its own encoding is taken rather than an uncompressed one: a sender
#: offers a compressed syntax when it holds the images that way, so it need not transcode (which
#: dcmtk's storescu, for one, cannot) and the images arrive bit for bit. Lossless before lossy.
STORAGE_TRANSFER_SYNTAXES = [
    JPEG2000Lossless, JPEGLosslessSV1, JPEGLossless, JPEGLSLossless, RLELossless, HTJ2KLossless,
    HTJ2KLosslessRPCL, DeflatedExplicitVRLittleEndian,
    JPEGBaseline8Bit, JPEGExtended12Bit, JPEG2000, JPEGLSNearLossless, HTJ2K,
    ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian,
]

#: Largest PDU the receiver accepts (pynetdicom's default of 16 KiB slows bulk transfers).
MAXIMUM_PDU_SIZE = 1 << 20
#: A PDU announcing more than this is refused before any of it is read: the largest P-DATA PDU a
#: sender may send us, with room for an association request of many presentation contexts.
MAXIMUM_PDU_LENGTH = MAXIMUM_PDU_SIZE + (64 << 10)
#: Largest command set accepted (a real one is a few hundred bytes).
MAXIMUM_COMMAND_BYTES = 64 << 10
#: Largest data set accepted with a request other than C-STORE (they are small identifiers).
MAXIMUM_OTHER_DATASET_BYTES = 1 << 20
#: A peer-triggered warning is logged at most once in this many seconds per address and kind.
PEER_LOG_INTERVAL = 60.0

STATUS_SUCCESS = 0x0000
STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_DATASET_MISMATCH = 0xA900
STATUS_CANNOT_UNDERSTAND = 0xC210
#: The Storage service's warning status: sent when the UID was taken by other content, kept apart.
STATUS_WARNING = 0xB000

_C_STORE_RQ = 0x0001
_PDU_TYPES = range(0x01, 0x08)
#: A-ABORT PDU, source: service user (the receiver), no reason given.
_A_ABORT = bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0])


@dataclass(frozen=True)
class Arrival:
    """One instance received over the network.

    Attributes
    ----------
    instance
        Where it went in the store (``instance.duplicate`` when it was already there,
        ``instance.conflict`` when another instance had its UID and it was kept apart).
    calling_ae
        The AE title of the sender.
    move_originator
        The AE that asked for it with C-MOVE, when the sender says so.
    """

    instance: StoredInstance
    calling_ae: str
    move_originator: str = ""


def calling_ae(event) -> str:
    """The AE title of the peer that sent ``event``'s request."""
    return str(event.assoc.requestor.ae_title).strip()


# --------------------------------------------------------------------------- logs
#: Threads of connections the receiver dropped: what pynetdicom logs there next (a PDU cut short) is
#: the drop's echo, already said in one line, and goes to DEBUG.
_DROPPED_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


class _EscapedLibraryRecords(logging.Filter):
    """pynetdicom's log records as one line of escaped text, without traceback.

    pynetdicom logs what a peer sent (an undecodable AE title, a UID) and
    attaches the traceback of its decoding error; a peer's bytes must neither
    forge lines of the terminal or log nor show the user a traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and threading.current_thread() in _DROPPED_THREADS:
            record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        if record.exc_info or record.exc_text:
            error = record.exc_info[1] if record.exc_info else None
            message = record.getMessage()
            if error is not None and str(error) != message:
                message = f"{message} ({type(error).__name__}: {error})"
            record.msg, record.args = message, None
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = printable(record.getMessage()), None
        return True


_LIBRARY_FILTER = _EscapedLibraryRecords()


def escape_library_logs() -> None:
    """Put :class:`_EscapedLibraryRecords` on every pynetdicom logger (idempotent)."""
    names = [name for name in list(logging.root.manager.loggerDict) if name.split(".")[0] == "pynetdicom"]
    for name in ["pynetdicom", *names]:
        logger = logging.getLogger(name)
        if _LIBRARY_FILTER not in logger.filters:
            logger.addFilter(_LIBRARY_FILTER)


class _PeerLog:
    """Warnings about what peers do, at most one per :data:`PEER_LOG_INTERVAL` for each address and kind.

    A peer can repeat a refused connection thousands of times a second; the
    log says so once, then how many it left out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, str], tuple[float, int]] = {}

    def warning(self, address: str, kind: str | None, message: str, *args: Any) -> None:
        """Log ``message % args`` unless one of ``kind`` from ``address`` was logged lately (``None``: always)."""
        if kind is None:
            log.warning(message + "%s", *args, "")
            return
        now = time.monotonic()
        with self._lock:
            last, left_out = self._last.get((address, kind), (-math.inf, 0))
            if now - last < PEER_LOG_INTERVAL:
                self._last[(address, kind)] = (last, left_out + 1)
                return
            if len(self._last) > 4096:  # many addresses: forget the quiet ones
                self._last = {k: v for k, v in self._last.items() if now - v[0] < PEER_LOG_INTERVAL}
            self._last[(address, kind)] = (now, 0)
        note = f" ({left_out} more from this address in the last minutes left out)" if left_out else ""
        log.warning(message + "%s", *args, note)


# --------------------------------------------------------------------------- the byte stream
class PeerViolation(Exception):  # noqa: N818 - a peer's breach of a limit; public name kept
    """A peer broke one of the receiver's limits; the message says how (peer values already escaped).

    ``kind`` groups violations for the log's rate limit; ``None`` (an instance too large, which
    costs the peer the limit's worth of bytes) is logged every time.
    """

    def __init__(self, message: str, kind: str | None = "limit") -> None:
        super().__init__(message)
        self.kind = kind


def _command_fields(command: bytes) -> tuple[int, str]:
    """Command Field and Affected SOP Instance UID of a command set (implicit VR little endian)."""
    field, uid, position = 0, "", 0
    while position + 8 <= len(command):
        group, element, length = struct.unpack_from("<HHI", command, position)
        value = command[position + 8: position + 8 + length]
        position += 8 + length
        if (group, element) == (0x0000, 0x0100) and len(value) == 2:
            field = int.from_bytes(value, "little")
        elif (group, element) == (0x0000, 0x1000):
            uid = value.decode("latin-1").rstrip("\0 ")
    return field, uid


#: A PDU header (type, reserved, length) and a PDV item header (length, context, control) are both 6 bytes.
_HEADER_BYTES = 6


def _gather_header(header: bytearray, data: memoryview, position: int) -> int:
    """Move bytes of ``data`` from ``position`` into ``header`` until it holds a whole header.

    Returns
    -------
    int
        The position in ``data`` after what was taken.
    """
    take = min(_HEADER_BYTES - len(header), len(data) - position)
    header += data[position: position + take]
    return position + take


class PduMeter:
    """Follows the PDUs of one connection through its bytes, as they arrive, without keeping them.

    It parses the PDU headers and, in P-DATA-TF PDUs, the presentation data
    value items, to count what a message's command set and data set hold so
    far. :meth:`feed` raises :class:`PeerViolation` as soon as a limit is past.

    Parameters
    ----------
    max_instance
        Bytes a C-STORE data set may have (other requests' data sets: 1 MiB).
    max_pdu
        Longest PDU accepted (as announced in its header).
    """

    def __init__(self, max_instance: int, max_pdu: int = MAXIMUM_PDU_LENGTH) -> None:
        self.max_instance, self.max_pdu = max_instance, max_pdu
        self._head = bytearray()  # the header of the PDU being read
        self._body_left: int | None = None  # None: reading a header
        self.pdu_type = 0
        self._item_head = bytearray()  # P-DATA-TF: the header of the PDV item being read
        self._item_left: int | None = None
        self._item_command = self._item_last = False
        self._command = bytearray()
        self._dataset_bytes = 0
        self._dataset_limit = MAXIMUM_OTHER_DATASET_BYTES
        self.sop_instance_uid = ""
        self._request = bytearray()  # the start of the A-ASSOCIATE-RQ, for the calling AE title
        self._titles_valid = True

    @property
    def in_pdu(self) -> bool:
        """Whether a PDU has begun and is not complete."""
        return self._body_left is not None or bool(self._head)

    @property
    def calling_ae(self) -> str:
        """The calling AE title of the association request, once its first 36 bytes are in and valid."""
        if len(self._request) < 36 or not self._titles_valid:
            return ""
        return bytes(self._request[20:36]).decode("latin-1").strip()

    def feed(self, data: bytes) -> None:
        """Account for ``data``, the next bytes of the connection.

        Raises
        ------
        PeerViolation
            A PDU of unknown type, or longer than the limit; a command set over
            64 KiB; a data set over its limit; a malformed PDV item.
        """
        view, position = memoryview(data), 0
        while position < len(view):
            if self._body_left is None:
                position = _gather_header(self._head, view, position)
                if len(self._head) == _HEADER_BYTES:
                    self._begin_pdu()
                continue
            take = min(self._body_left, len(view) - position)
            part = view[position: position + take]
            position += take
            self._body_left -= take
            if self.pdu_type == 0x04:
                self._feed_items(part)
            elif self.pdu_type == 0x01 and len(self._request) < 36:
                self._request += part[: 36 - len(self._request)]
                if len(self._request) == 36:
                    self._check_titles()
            if self._body_left == 0:
                self._end_pdu()

    def _check_titles(self) -> None:
        """Refuse an association request whose AE titles pynetdicom would fail to decode (and log raw)."""
        for which, raw in (("called", self._request[4:20]), ("calling", self._request[20:36])):
            title = bytes(raw).decode("latin-1")
            if not title.strip() or "\\" in title or any(not " " <= c <= "~" for c in title):
                self._titles_valid = False
                raise PeerViolation(f"its association request has an invalid {which} AE title "
                                    f"'{printable(title.rstrip(' '))}'")

    def _begin_pdu(self) -> None:
        self.pdu_type, length = self._head[0], int.from_bytes(self._head[2:6], "big")
        self._head.clear()
        if self.pdu_type not in _PDU_TYPES:
            raise PeerViolation(f"it sent an unknown PDU type 0x{self.pdu_type:02X}")
        if length > self.max_pdu:
            raise PeerViolation(f"it announced a PDU of {length} bytes, more than the {self.max_pdu} accepted")
        self._body_left = length
        self._item_head.clear()
        self._item_left = None
        if length == 0:
            self._end_pdu()

    def _end_pdu(self) -> None:
        if self.pdu_type == 0x04 and (self._item_left or self._item_head):
            raise PeerViolation("it sent a presentation data value item longer than its PDU")
        self._body_left = None

    def _feed_items(self, part: memoryview) -> None:
        position = 0
        while position < len(part):
            if self._item_left is None:
                position = _gather_header(self._item_head, part, position)
                if len(self._item_head) == _HEADER_BYTES:
                    length, control = int.from_bytes(self._item_head[:4], "big"), self._item_head[5]
                    self._item_head.clear()
                    if length < 2:
                        raise PeerViolation("it sent a malformed presentation data value item")
                    self._item_left = length - 2
                    self._item_command, self._item_last = bool(control & 1), bool(control & 2)
                    if self._item_left == 0:
                        self._end_item()
                continue
            take = min(self._item_left, len(part) - position)
            if self._item_command:
                if len(self._command) + take > MAXIMUM_COMMAND_BYTES:
                    raise PeerViolation(f"it sent a command set of more than {MAXIMUM_COMMAND_BYTES >> 10} KiB")
                self._command += part[position: position + take]
            else:
                self._dataset_bytes += take
                if self._dataset_bytes > self._dataset_limit:
                    raise PeerViolation(self._too_large(), kind=None)
            position += take
            self._item_left -= take
            if self._item_left == 0:
                self._end_item()

    def _end_item(self) -> None:
        self._item_left = None
        if not self._item_last:
            return
        if self._item_command:  # a command set is complete: its data set (if any) follows
            field, self.sop_instance_uid = _command_fields(bytes(self._command))
            self._command.clear()
            self._dataset_limit = self.max_instance if field == _C_STORE_RQ else MAXIMUM_OTHER_DATASET_BYTES
        else:
            self._dataset_limit = MAXIMUM_OTHER_DATASET_BYTES
        self._dataset_bytes = 0

    def _too_large(self) -> str:
        if self._dataset_limit == self.max_instance:
            return (f"instance {printable(self.sop_instance_uid, 80)} is larger than the limit of "
                    f"{self.max_instance >> 20} MiB")
        return f"it sent a data set of more than {self._dataset_limit >> 20} MiB with a request other than C-STORE"


class PeerConnection:
    """A peer's socket as pynetdicom reads it: every PDU within its time, every byte counted.

    pynetdicom reads a PDU with blocking ``recv`` calls and no time limit; this
    wrapper gives each call one, and drops the connection (A-ABORT, then
    shutdown, and one log line) when the peer stalls part-way through a PDU,
    takes too long over one, or breaks a limit of its :class:`PduMeter`. A
    dropped connection reads as closed, so pynetdicom ends the association
    itself, without a traceback. Everything else is the socket's own.

    Parameters
    ----------
    sock
        The accepted socket.
    address
        The peer's address, for the log.
    stall
        Seconds a PDU may stop part-way (the network timeout).
    setup
        Seconds from connecting within which the association request must be whole.
    pdu_deadline
        Seconds within which each later PDU must be whole once it has begun.
    meter
        Follows the PDUs.
    peer_log
        Where drops are logged.
    """

    def __init__(self, sock: socket.socket, address: str, *, stall: float, setup: float, pdu_deadline: float,
                 meter: PduMeter, peer_log: _PeerLog) -> None:
        self._sock, self.address = sock, address
        self._stall, self._pdu_deadline = stall, pdu_deadline
        self._meter, self._peer_log = meter, peer_log
        self._deadline: float | None = time.monotonic() + setup
        self._late = ("deadline", f"its association request was not complete within {setup:g} s of connecting")
        self.dropped = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def recv(self, size: int) -> bytes:
        """Up to ``size`` bytes; ``b""`` once the connection is closed or dropped."""
        if self.dropped:
            return b""
        now = time.monotonic()
        if self._deadline is None:  # between PDUs: these bytes begin the next one
            self._deadline = now + self._pdu_deadline
            self._late = ("deadline", f"a PDU was not complete within {self._pdu_deadline:g} s")
        remaining = self._deadline - now
        if remaining <= 0:
            return self._drop(*self._late)
        self._sock.settimeout(min(self._stall, remaining))
        try:
            data = self._sock.recv(size)
        except TimeoutError:
            if remaining <= self._stall:
                return self._drop(*self._late)
            return self._drop("stall", f"it stopped for {self._stall:g} s part-way through a PDU")
        except OSError:
            return b""  # reset by the peer: the connection is over
        try:
            self._meter.feed(data)
        except PeerViolation as e:
            return self._drop(e.kind, str(e))
        if not self._meter.in_pdu:
            self._deadline = None
        return data

    def send(self, data: bytes) -> int:
        """Send what the socket takes of ``data`` within the network timeout."""
        self._sock.settimeout(self._stall)
        return self._sock.send(data)

    def _drop(self, kind: str | None, reason: str) -> bytes:
        self.dropped = reason
        _DROPPED_THREADS.add(threading.current_thread())
        caller = self._meter.calling_ae
        self._peer_log.warning(self.address, kind, "dropped the connection from %s%s: %s", printable(self.address),
                               f" (AE {printable(caller)})" if caller else "", reason)
        with contextlib.suppress(OSError):
            self._sock.settimeout(1.0)
            self._sock.sendall(_A_ABORT)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        return b""


class _Server(ThreadedAssociationServer):
    """pynetdicom's association server, handing each connection to its :class:`Receiver` first."""

    receiver: Receiver | None = None


class _RequestHandler(RequestHandler):
    """Admits a connection (see :meth:`Receiver._admit`), then lets pynetdicom handle it."""

    server: _Server

    def handle(self) -> None:
        receiver = self.server.receiver
        if receiver is None:  # not started yet, or stopping
            self.request.close()
            return
        receiver._admit(self, super().handle)


def discard_partial_instance(assoc) -> None:
    """Remove the temporary file of a C-STORE data set that an ended association left half-received.

    pynetdicom removes the file after the C-STORE handler ran; an association
    that ends part-way through a data set (aborted, dropped, a sender killed)
    would leave it behind in the temporary folder.
    """
    message = getattr(getattr(assoc, "dimse", None), "message", None)
    partial = getattr(message, "_data_set_file", None)
    if partial is None:
        return
    with contextlib.suppress(OSError):
        partial.close()
    with contextlib.suppress(OSError):
        os.unlink(partial.name)


# --------------------------------------------------------------------------- retrieves: only what was asked for
#: Bytes of a data set (inflated, where deflated) read to find its study and series UIDs.
HEADER_SCAN_BYTES = 4 << 20
_SERIES_UID_TAG = 0x0020000E


def _past_series_uid(tag, vr, length) -> bool:
    return tag > _SERIES_UID_TAG


def _study_and_series(fp: BinaryIO) -> tuple[str, str]:
    """The study and series UIDs of a DICOM file (preamble, file meta, data set) open at its start.

    Only the first :data:`HEADER_SCAN_BYTES` of the data set are read (inflated,
    for the deflated transfer syntax), up to the series UID: the UIDs come early
    in any instance, and a data set that would inflate to gigabytes is never held.

    Raises
    ------
    MalformedInstanceError
        The file is not readable DICOM as far as that.
    """
    try:
        read_preamble(fp, False)
        meta = read_dataset(fp, False, True, stop_when=lambda tag, vr, length: tag.group != 2)
        syntax = UID(str(meta.get("TransferSyntaxUID", "") or ""))
        if syntax == DeflatedExplicitVRLittleEndian:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            head = b""
            while len(head) < HEADER_SCAN_BYTES and (chunk := fp.read(1 << 16)):
                head += inflater.decompress(chunk, HEADER_SCAN_BYTES - len(head))
        else:
            head = fp.read(HEADER_SCAN_BYTES)
        header = read_dataset(BytesIO(head), syntax.is_implicit_VR, syntax.is_little_endian,
                              stop_when=_past_series_uid)
        return (str(header.get("StudyInstanceUID", "") or "").strip(),
                str(header.get("SeriesInstanceUID", "") or "").strip())
    except (InvalidDicomError, zlib.error, *PEER_DATA_ERRORS) as e:
        raise MalformedInstanceError("not a readable DICOM instance") from e


class RequestedOnly:
    """A store that takes only instances of one study (and series): what a retrieve asked for.

    It stands where :func:`~viewer.pacs.receiver.store_received` expects a
    :class:`~viewer.pacs.store.LocalStore` (for C-GET, and for the receiver
    started for one C-MOVE), with the store's entry points for instances that
    arrive. An instance of any other study or series raises
    :class:`~viewer.pacs.errors.UnrequestedInstanceError`, so the PACS gets a
    failure status and nothing is written; :attr:`refused` counts them. It has
    nothing else of the store's, so a new way in fails closed.

    Parameters
    ----------
    store
        The store the requested instances go into.
    study_uid, series_uid
        What was asked for (``series_uid`` ``None``: the whole study); :meth:`ask` adds more,
        for a running receiver that serves several retrieves at once.
    """

    def __init__(self, store: LocalStore, study_uid: str | None = None, series_uid: str | None = None) -> None:
        self.store = store
        self.refused = 0
        self._lock = threading.Lock()
        self._asked: list[tuple[str, str | None]] = []
        if study_uid is not None:
            self.ask(study_uid, series_uid)

    def ask(self, study_uid: str, series_uid: str | None = None) -> None:
        """Also take instances of ``study_uid`` (only of ``series_uid``, where given)."""
        with self._lock:
            self._asked.append((study_uid, series_uid))

    def forget(self, study_uid: str, series_uid: str | None = None) -> bool:
        """Stop taking what :meth:`ask` added once; ``True`` while something else is still asked for."""
        with self._lock:
            self._asked.remove((study_uid, series_uid))
            return bool(self._asked)

    @property
    def root(self):
        """The store's folder."""
        return self.store.root

    def free_bytes(self) -> int:
        """Free space where the store is."""
        return self.store.free_bytes()

    def requested(self, study_uid: str, series_uid: str) -> bool:
        """Whether an instance of this study and series is one that was asked for."""
        with self._lock:
            return any(study_uid == study and series in (None, series_uid) for study, series in self._asked)

    def _admit(self, fp: BinaryIO) -> None:
        if not self.requested(*_study_and_series(fp)):
            with self._lock:
                self.refused += 1
            raise UnrequestedInstanceError("an instance of a study or series that was not asked for")

    def add_bytes(self, encoded: bytes, **expected: Any) -> StoredInstance:
        """:meth:`LocalStore.add_bytes <viewer.pacs.store.LocalStore.add_bytes>`, for a requested instance only.

        Raises
        ------
        UnrequestedInstanceError
            The instance belongs to another study or series (nothing is written).
        MalformedInstanceError, StoreError
            As the store's.
        """
        self._admit(BytesIO(encoded))
        return self.store.add_bytes(encoded, **expected)

    def take_file(self, path: str | os.PathLike, **expected: Any) -> StoredInstance:
        """:meth:`LocalStore.take_file <viewer.pacs.store.LocalStore.take_file>`, for a requested instance only.

        The file is gone afterwards, whatever happens, as with the store's.

        Raises
        ------
        UnrequestedInstanceError, MalformedInstanceError, StoreError
            As :meth:`add_bytes`.
        """
        try:
            with open(path, "rb") as fp:
                self._admit(fp)
        except BaseException:
            with contextlib.suppress(OSError):  # already gone
                os.unlink(path)
            raise
        return self.store.take_file(path, **expected)



# --------------------------------------------------------------------------- storing
def _status(code: int, comment: str) -> Dataset:
    status = Dataset()
    status.Status = code
    status.ErrorComment = comment[:64]
    return status


def store_received(event, store: LocalStore, *, max_instance_bytes: int | None = None,
                   min_free_bytes: int = 0) -> tuple[int | Dataset, Arrival | None]:
    """Write the instance of a C-STORE request event into ``store``.

    Shared by the storage SCP and by C-GET (where the PACS sends C-STORE
    requests back on the same association). The data set comes as the
    temporary file pynetdicom streamed it to (moved into the store), or as
    bytes where streaming is off.

    Parameters
    ----------
    event
        pynetdicom's ``EVT_C_STORE`` event.
    store
        Where the instance goes.
    max_instance_bytes
        Refuse a deflated data set that inflates to more than this.
    min_free_bytes
        Refuse the instance (Out of Resources) when storing it would leave less free disk space.

    Returns
    -------
    tuple
        The C-STORE status (a status data set with a comment for a warning), and
        the arrival (``None`` on failure).
    """
    request = event.request
    calling = calling_ae(event)
    sop_uid = str(request.AffectedSOPInstanceUID or "")
    expected = {"sop_class_uid": str(request.AffectedSOPClassUID or ""), "sop_instance_uid": sop_uid}
    try:
        path = event.dataset_path  # the data set as pynetdicom streamed it to a temporary file
    except AttributeError:
        path = None
    try:
        size = os.path.getsize(path) if path is not None else 0
        free = store.free_bytes() if min_free_bytes else None
        if free is not None and free - size < min_free_bytes:
            raise StoreError(f"less than {min_free_bytes >> 20} MiB of disk space would be left free")
        if path is not None:
            stored = store.take_file(path, max_bytes=max_instance_bytes, **expected)
        else:
            stored = store.add_bytes(event.encoded_dataset(include_meta=True), **expected)
    except InstanceMismatchError as e:
        status, reason = STATUS_DATASET_MISMATCH, str(e)
    except MalformedInstanceError as e:
        status, reason = STATUS_CANNOT_UNDERSTAND, f"{e} ({type(e.__cause__).__name__})"
    except (StoreError, OSError) as e:
        status, reason = STATUS_OUT_OF_RESOURCES, str(e)
    except PEER_DATA_ERRORS as e:  # a data set that trips the header reader: its detail may quote values
        status, reason = STATUS_CANNOT_UNDERSTAND, f"the data set cannot be read ({type(e).__name__})"
    else:
        originator = str(request.MoveOriginatorApplicationEntityTitle or "").strip()
        if stored.conflict:
            log.warning("instance %s from %s reused a stored SOP Instance UID with other content: kept apart "
                        "(warning status 0x%04X)", printable(sop_uid), printable(calling), STATUS_WARNING)
            return (_status(STATUS_WARNING, "UID already stored with other content; kept apart"),
                    Arrival(stored, calling, originator))
        log.debug("stored instance %s from %s%s", printable(sop_uid), printable(calling),
                  " (duplicate)" if stored.duplicate else "")
        return STATUS_SUCCESS, Arrival(stored, calling, originator)
    log.warning("rejected instance %s from %s with status 0x%04X: %s", printable(sop_uid), printable(calling),
                status, printable(reason))
    return status, None


def storage_contexts() -> list[tuple[str, list[str]]]:
    """``(SOP class UID, transfer syntaxes)`` for every storage SOP class the receiver accepts."""
    return [(cx.abstract_syntax, list(STORAGE_TRANSFER_SYNTAXES)) for cx in AllStoragePresentationContexts]


class Receiver:
    """A storage SCP writing into a :class:`~viewer.pacs.store.LocalStore`.

    Parameters
    ----------
    store
        Where received instances go.
    ae_title
        The AE title it answers to (callers must address it by this title).
    host
        The address to listen on (``127.0.0.1`` by default; ``0.0.0.0`` for every interface).
    port
        The TCP port; ``0`` picks a free one (see :attr:`port` after :meth:`start`).
    allowed_callers
        ``AE`` or ``AE@ADDRESS`` entries to accept (overriding ``settings``); ``None``: those of
        ``settings``, where an empty list accepts any caller.
    on_arrival
        Called with an :class:`Arrival` for each stored instance, from the association's thread.
    timeouts
        Network and DIMSE timeouts: the network timeout also bounds a stall part-way through a
        PDU, the association timeout the arrival of the association request.
    settings
        Allowed callers and limits (``pacs.json``'s ``"receiver"`` section).

    Raises
    ------
    NodeConfigError
        An allowed caller is not a valid ``AE`` or ``AE@ADDRESS``.

    Examples
    --------
    >>> with Receiver(store, port=0, on_arrival=print) as receiver:  # doctest: +SKIP
    ...     print(receiver.port)
    """

    def __init__(self, store: LocalStore, *, ae_title: str = DEFAULT_AE_TITLE, host: str = DEFAULT_RECEIVER_HOST,
                 port: int = DEFAULT_RECEIVER_PORT, allowed_callers: Iterable[str] | None = None,
                 on_arrival: Callable[[Arrival], None] | None = None, timeouts: Timeouts | None = None,
                 settings: ReceiverSettings | None = None) -> None:
        quiet_logs()
        escape_library_logs()
        self.store = store
        self.ae_title = ae_title
        self.host = host
        self._requested_port = port
        settings = settings or ReceiverSettings()
        if allowed_callers is not None:
            settings = replace(settings, allowed_callers=list(allowed_callers))
        self.settings = settings
        self._callers = settings.callers
        self.timeouts = timeouts or Timeouts()
        self._listeners: list[Callable[[Arrival], None]] = [on_arrival] if on_arrival else []
        self._lock = threading.Lock()
        self._admission = threading.Lock()
        self._peer_log = _PeerLog()
        self._server: _Server | None = None
        self._ae: AE | None = None
        self.received = 0
        self.rejected = 0
        self._audit = audit.TransferTally("receive", ae_title=ae_title)  # one audit entry per association
        #: What the C-MOVEs under way asked for, and the AE titles that mark their instances
        #: (:meth:`taking_only`): instances they bring of anything else are refused.
        self._moves = RequestedOnly(store)
        self._move_titles: Counter[str] = Counter()

    @property
    def allowed_callers(self) -> list[str]:
        """The ``AE`` / ``AE@ADDRESS`` entries accepted; empty: any caller."""
        return list(self.settings.allowed_callers)

    # ----------------------------------------------------------------- listeners
    def add_listener(self, listener: Callable[[Arrival], None]) -> None:
        """Also call ``listener`` for each arrival."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Arrival], None]) -> None:
        """Stop calling ``listener``."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @contextlib.contextmanager
    def taking_only(self, study_uid: str, series_uid: str | None,
                    titles: Iterable[str]) -> Iterator[RequestedOnly]:
        """While a C-MOVE runs, refuse what it brings of any study or series other than those asked for.

        A C-STORE of a move is recognised by its MoveOriginatorApplicationEntityTitle
        (the AE title that asked for the move: Outpost's) or by its calling AE title
        (the PACS's; pynetdicom, for one, gives its own title as the originator).
        While moves are under way, such an instance is stored only if one of them
        asked for its study (and series); any other is refused with a failure status
        and not written. Other senders (a modality) are stored as always.

        Parameters
        ----------
        study_uid, series_uid
            What the move asked for (``series_uid`` ``None``: the whole study).
        titles
            The AE titles that mark the move's instances: Outpost's and the PACS's.

        Yields
        ------
        RequestedOnly
            The gate of every move under way; its ``refused`` counts their refusals.
        """
        titles = [title.strip() for title in titles if title.strip()]
        with self._lock:
            self._move_titles.update(titles)
        self._moves.ask(study_uid, series_uid)
        try:
            yield self._moves
        finally:
            self._moves.forget(study_uid, series_uid)
            with self._lock:
                self._move_titles.subtract(titles)
                self._move_titles = +self._move_titles  # drop the titles no move holds any more

    # ----------------------------------------------------------------- peers
    def _admit(self, handler: _RequestHandler, handle: Callable[[], None]) -> None:
        """Let a connection in (wrapped in a :class:`PeerConnection`), unless its address has its share.

        Counting the address's associations and starting the new one are one
        step, so simultaneous connections cannot all slip under the cap.
        """
        address = str(handler.client_address[0])
        cap = self.settings.max_associations_per_address
        with self._admission:
            # Every association thread counts, a dropped one too until it ends (pynetdicom keeps one
            # dropped before its association request waiting out the association timeout): so one address
            # never holds more than its share of pynetdicom's count, however fast it is dropped.
            held = sum(assoc.requestor.address == address for assoc in handler.server.active_associations)
            if held >= cap:
                self._peer_log.warning(address, "cap", "refused a connection from %s: it has %d associations "
                                       "open, the most one address may hold", printable(address), held)
                with contextlib.suppress(OSError):
                    handler.request.shutdown(socket.SHUT_RDWR)
                handler.request.close()
                return
            handler.request = PeerConnection(
                handler.request, address, stall=self.timeouts.network, setup=self.timeouts.association,
                pdu_deadline=self.settings.pdu_deadline, meter=PduMeter(self.settings.max_instance_mb << 20),
                peer_log=self._peer_log)
            handle()

    def _disk_short(self, needed: int = 0) -> str:
        """Why the disk is too full to take ``needed`` more bytes (``""`` when it is not)."""
        margin = self.settings.min_free_disk_mb << 20
        # pynetdicom streams each data set into the temporary folder before it moves into the store.
        for folder in dict.fromkeys([str(self.store.root), tempfile.gettempdir()]):
            try:
                free = shutil.disk_usage(folder).free
            except OSError:
                continue
            if free - needed < margin:
                return f"{free >> 20} MiB free in {folder}, below the margin of {margin >> 20} MiB"
        return ""

    def _on_requested(self, event) -> None:
        """Reject an association from a caller not allowed, or while the disk is too full."""
        assoc = event.assoc
        calling = str(assoc.requestor.primitive.calling_ae_title or "").strip()
        address = str(assoc.requestor.address)
        if self._callers and not any(caller.admits(calling, address) for caller in self._callers):
            self._peer_log.warning(address, "caller", "rejected an association from AE %s at %s: not an allowed "
                                   "caller", printable(calling), printable(address))
            self._reject(assoc, 0x01, 0x01, 0x03)  # permanent: calling AE title not recognised
            return
        short = self._disk_short()
        if short:
            self._peer_log.warning(address, "disk", "rejected an association from AE %s at %s: %s",
                                   printable(calling), printable(address), short)
            self._reject(assoc, 0x02, 0x03, 0x02)  # transient: local limit exceeded

    @staticmethod
    def _reject(assoc, result: int, source: int, diagnostic: int) -> None:
        """Send an A-ASSOCIATE-RJ and end the association, as pynetdicom does for its own rejections."""
        assoc.acse.send_reject(result, source, diagnostic)
        evt.trigger(assoc, evt.EVT_REJECTED, {})
        assoc.kill()

    def _on_c_store(self, event) -> int | Dataset:
        originator = str(event.request.MoveOriginatorApplicationEntityTitle or "").strip()
        with self._lock:
            moved = bool(self._move_titles.keys() & {originator, calling_ae(event)})
        target = self._moves if moved else self.store
        status, arrival = store_received(event, target, max_instance_bytes=self.settings.max_instance_mb << 20,
                                         min_free_bytes=self.settings.min_free_disk_mb << 20)
        self._audit.add(event.assoc, arrival.instance.study_uid if arrival else None, calling_ae=calling_ae(event))
        with self._lock:
            if arrival is None:
                self.rejected += 1
                return status
            self.received += 1
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(arrival)
            except Exception:  # a failing listener must not fail the transfer
                log.exception("an arrival listener failed")
        return status

    def _on_closed(self, event) -> None:
        discard_partial_instance(event.assoc)
        self._audit.close(event.assoc)

    # ----------------------------------------------------------------- lifetime
    @property
    def running(self) -> bool:
        """Whether the receiver is listening."""
        return self._server is not None

    @property
    def port(self) -> int:
        """The port it listens on (the requested one until started)."""
        if self._server is not None:
            return int(self._server.server_address[1])
        return self._requested_port

    def describe_callers(self) -> str:
        """Who may send, for messages: ``any calling AE`` or the allowed entries."""
        return "any calling AE" if not self._callers else "only " + ", ".join(map(str, self._callers))

    def start(self) -> None:
        """Start listening in background threads.

        Raises
        ------
        PacsError
            The address cannot be listened on (port in use, no permission).
        """
        if self._server is not None:
            return
        ae = AE(ae_title=self.ae_title)
        ae.connection_timeout = self.timeouts.association
        ae.acse_timeout = self.timeouts.association
        ae.dimse_timeout = self.timeouts.dimse
        ae.network_timeout = self.timeouts.network
        ae.maximum_associations = self.settings.max_associations
        ae.maximum_pdu_size = MAXIMUM_PDU_SIZE
        ae.require_called_aet = True
        for sop_class, syntaxes in storage_contexts():
            ae.add_supported_context(sop_class, syntaxes)
        ae.add_supported_context(Verification)
        handlers = [(evt.EVT_REQUESTED, self._on_requested), (evt.EVT_C_STORE, self._on_c_store),
                    (evt.EVT_CONN_CLOSE, self._on_closed)]
        try:
            server = ae.make_server((self.host, self._requested_port), evt_handlers=handlers, server_class=_Server,
                                    request_handler=_RequestHandler)
        except OSError as e:
            raise PacsError(f"the receiver cannot listen on {self.host}:{self._requested_port}: "
                            f"{e.strerror or e}") from e
        server.receiver = self
        ae._servers.append(server)  # as AE.start_server does: server.shutdown() and ae.shutdown() expect it
        threading.Thread(target=server.serve_forever, name=f"OutpostReceiver@{server.server_address[1]}",
                         daemon=True).start()
        self._server, self._ae = server, ae
        log.info("receiver %s listening on %s:%d, accepting %s", self.ae_title, self.host, self.port,
                 self.describe_callers())

    def stop(self) -> None:
        """Stop listening; associations in progress are ended."""
        if self._server is None:
            return
        self._server.shutdown()
        if self._ae is not None:
            self._ae.shutdown()
        self._server = self._ae = None
        log.info("receiver %s stopped (%d received, %d rejected)", self.ae_title, self.received, self.rejected)

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

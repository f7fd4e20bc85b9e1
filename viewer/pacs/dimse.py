"""DIMSE services with pynetdicom: C-ECHO, C-FIND, C-MOVE, C-GET and C-STORE.

Every operation takes the remote :class:`~viewer.pacs.nodes.Node` and Outpost's
:class:`~viewer.pacs.nodes.LocalSettings` (AE title, receiver, timeouts),
reports ``progress(done, total, text)`` and honours a
:class:`~viewer.core.tasks.CancelToken` (cancelling aborts the association;
what has arrived stays in the store). Failures raise one-line
:class:`~viewer.pacs.errors.PacsError` subclasses: :class:`AssociationError`
when no association could be made, :class:`TransferError` when it broke
off or the peer answered with a failure status, its subclass
:class:`ResponseTimeoutError` when the peer stayed silent past the response
timeout (the smaller of the DIMSE and network timeouts), its subclass
:class:`OperationTimeoutError` when the whole operation ran past its time limit
(``query`` for echo and find, ``transfer`` for retrieve and send), and its
subclass :class:`AnswerLimitError` when a C-FIND brought more matches or bytes
than the node allows (``max_matches``, ``max_answer_bytes``). A node's own
``timeouts`` take precedence over Outpost's.

Retrieved instances go into the local store: by C-GET on the same
association, or by C-MOVE to Outpost's own storage SCP (which the PACS must
know under Outpost's AE title, host and port). Only instances of the study (and
series) asked for are stored: any other the PACS sends is refused with a
failure status and counted in :attr:`RetrieveResult.unrequested`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
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
from pynetdicom import AE, build_role, evt
from pynetdicom.pdu import A_ASSOCIATE_RJ
from pynetdicom.sop_class import (
    CTImageStorage,
    EnhancedCTImageStorage,
    EnhancedMRImageStorage,
    MRImageStorage,
    SecondaryCaptureImageStorage,
    SegmentationStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)
from pynetdicom.status import (
    QR_FIND_SERVICE_CLASS_STATUS,
    QR_GET_SERVICE_CLASS_STATUS,
    QR_MOVE_SERVICE_CLASS_STATUS,
    STORAGE_SERVICE_CLASS_STATUS,
)

from viewer.core import audit
from viewer.core.errors import Cancelled
from viewer.core.files import format_size
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.pacs.errors import (
    PEER_DATA_ERRORS,
    AnswerLimitError,
    AssociationError,
    OperationTimeoutError,
    PacsError,
    ResponseTimeoutError,
    TransferError,
)
from viewer.pacs.logs import quiet_logs
from viewer.pacs.nodes import LocalSettings, Node, Timeouts, timeouts_for
from viewer.pacs.query import FindQuery, Match, match_from_dataset
from viewer.pacs.receiver import (
    MAXIMUM_PDU_SIZE,
    Arrival,
    Receiver,
    RequestedOnly,
    discard_partial_instance,
    store_received,
)
from viewer.pacs.store import LocalStore, StoredInstance, find_instances

log = logging.getLogger(__name__)

#: pynetdicom's limit on presentation contexts an association requests.
MAX_CONTEXTS = 128
UNCOMPRESSED = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]
#: Families of transfer syntaxes offered in separate presentation contexts, so the PACS can send
#: each instance as it is stored instead of transcoding it.
TRANSFER_SYNTAX_FAMILIES = [
    UNCOMPRESSED,
    [JPEG2000Lossless, JPEG2000],
    [JPEGLosslessSV1, JPEGLossless, JPEGBaseline8Bit, JPEGExtended12Bit],
    [JPEGLSLossless, JPEGLSNearLossless],
    [RLELossless],
    [DeflatedExplicitVRLittleEndian],
]
#: SOP classes asked for in C-GET when the PACS does not say which a study holds.
COMMON_STORAGE_CLASSES = [CTImageStorage, MRImageStorage, EnhancedCTImageStorage, EnhancedMRImageStorage,
                          SecondaryCaptureImageStorage, SegmentationStorage,
                          "1.2.840.10008.5.1.4.1.1.1",  # CR
                          "1.2.840.10008.5.1.4.1.1.1.1",  # DX for presentation
                          "1.2.840.10008.5.1.4.1.1.128",  # PET
                          "1.2.840.10008.5.1.4.1.1.20",  # NM
                          "1.2.840.10008.5.1.4.1.1.6.1",  # US
                          "1.2.840.10008.5.1.4.1.1.88.11",  # Basic Text SR
                          "1.2.840.10008.5.1.4.1.1.88.22",  # Enhanced SR
                          "1.2.840.10008.5.1.4.1.1.88.33",  # Comprehensive SR
                          "1.2.840.10008.5.1.4.1.1.481.3",  # RT Structure Set
                          "1.2.840.10008.5.1.4.1.1.11.1"]  # Grayscale Softcopy Presentation State
PENDING = (0xFF00, 0xFF01)
#: Seconds a peer has to honour a C-CANCEL before the association is aborted.
CANCEL_GRACE = 2.0
WARNINGS = (0xB000, 0xB006, 0xB007)


# --------------------------------------------------------------------------- results
@dataclass
class RetrieveResult:
    """What a C-GET or C-MOVE brought into the store.

    Attributes
    ----------
    instances
        Every instance of the study (or series) asked for that arrived and is in
        the store (``duplicate`` where the store had it already).
    completed, failed, warning
        The sub-operation counts of the PACS's final response (WADO-RS: completed
        is the instances stored, failed those the store refused).
    unrequested
        Instances of another study or series that the PACS sent along: refused
        and not stored (with C-MOVE to a receiver that was already running, the
        receiver's own rules applied to them; see :func:`move`).
    """

    instances: list[StoredInstance] = field(default_factory=list)
    completed: int = 0
    failed: int = 0
    warning: int = 0
    unrequested: int = 0

    @property
    def added(self) -> int:
        """Instances new to the store."""
        return sum(not i.duplicate for i in self.instances)

    @property
    def study_uids(self) -> list[str]:
        """The studies the instances belong to."""
        return sorted({i.study_uid for i in self.instances})


@dataclass
class SendResult:
    """What a C-STORE of local files did.

    Attributes
    ----------
    sent
        Instances the peer stored (with or without a warning).
    warnings
        Of those, how many came back with a warning status.
    failed
        ``(file, reason)`` for each instance the peer refused or Outpost could not send.
    """

    sent: int = 0
    warnings: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- association
def _status_text(code: int, table: dict) -> str:
    meaning = table.get(code, ("", ""))[1]
    return f"0x{code:04X}" + (f" ({meaning})" if meaning else "")


def _application_entity(local: LocalSettings, timeouts: Timeouts) -> AE:
    quiet_logs()
    ae = AE(ae_title=local.ae_title)
    ae.connection_timeout = timeouts.association
    ae.acse_timeout = timeouts.association
    ae.dimse_timeout = timeouts.dimse
    ae.network_timeout = timeouts.network
    ae.maximum_pdu_size = MAXIMUM_PDU_SIZE
    return ae


def _tls_arguments(node: Node) -> tuple[ssl.SSLContext, str] | None:
    if not node.tls:
        return None
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=node.tls_ca_file or None)
    except (OSError, ssl.SSLError) as e:
        raise AssociationError(f"cannot set up TLS for {node.describe()}: {e}") from e
    return context, node.host


def _diagnose(node: Node, timeout: float) -> str | None:
    """Why no TCP connection (or TLS session) could be made, tried only after a failure; ``None`` if one can."""
    try:
        with socket.create_connection((node.host, node.port), timeout=timeout) as connection:
            if node.tls:
                context, hostname = _tls_arguments(node)
                try:
                    with context.wrap_socket(connection, server_hostname=hostname):
                        pass
                except ssl.SSLCertVerificationError as e:
                    return f"its TLS certificate is not trusted ({e.verify_message})"
                except (ssl.SSLError, OSError) as e:
                    return f"the TLS handshake failed ({getattr(e, 'reason', None) or e})"
            return None
    except socket.gaierror:
        return f"unknown host {node.host!r}"
    except ConnectionRefusedError:
        return f"connection refused on {node.host}:{node.port} (is the PACS running, is the port right?)"
    except TimeoutError:
        return f"no answer from {node.host}:{node.port} within {timeout:g} s"
    except OSError as e:
        return f"cannot connect to {node.host}:{node.port} ({e.strerror or e})"


def associate(node: Node, ae: AE, *, timeout: float, ext_neg: list | None = None,
              evt_handlers: list | None = None):
    """Open an association with ``node``, or raise a one-line :class:`AssociationError`.

    Parameters
    ----------
    node
        The peer (must have an AE title, host and port).
    ae
        The local application entity, with its requested contexts.
    timeout
        The association timeout (used to diagnose a failure).
    ext_neg, evt_handlers
        Passed to pynetdicom.

    Returns
    -------
    pynetdicom.association.Association
        An established association.
    """
    if not node.has_dimse:
        raise AssociationError(f"{node.describe()} has no DICOM address (AET@host:port)")
    started = time.monotonic()
    # A peer that rejects and closes at once (Orthanc does) can reach pynetdicom's state machine as
    # an abort, one request in three here, though the A-ASSOCIATE-RJ was read: keep its reason.
    rejections: list[str] = []

    def on_pdu(event) -> None:
        if isinstance(event.pdu, A_ASSOCIATE_RJ):
            rejections.append(event.pdu.reason_str)

    try:
        assoc = ae.associate(node.host, node.port, ae_title=node.ae_title, ext_neg=ext_neg,
                             evt_handlers=[*(evt_handlers or []), (evt.EVT_PDU_RECV, on_pdu)],
                             tls_args=_tls_arguments(node))
    except (OSError, ValueError, RuntimeError) as e:
        raise AssociationError(f"cannot associate with {node.describe()}: {e}") from e
    if assoc.is_established:
        return assoc
    if assoc.is_rejected or rejections:
        reason = (getattr(assoc.acceptor.primitive, "reason_str", "") if assoc.is_rejected else "") \
            or (rejections[0] if rejections else "") or "no reason given"
        hint = ""
        if "calling ae" in reason.lower():
            hint = f" (register Outpost's AE title {ae.ae_title} on it)"
        elif "called ae" in reason.lower():
            hint = f" (is {node.ae_title} its AE title?)"
        raise AssociationError(f"{node.describe()} rejected the association: {reason}{hint}")
    problem = _diagnose(node, timeout)
    if problem is None:
        if time.monotonic() - started >= 0.9 * timeout:
            problem = f"no answer to the association request within {timeout:g} s"
        elif node.tls:
            problem = "the TLS handshake or the association negotiation failed"
        elif assoc.is_aborted:
            problem = (f"the peer broke off the negotiation (does it accept the AE title {ae.ae_title} "
                       "from this computer, or does it expect TLS?)")
        else:
            problem = "the association negotiation failed"
    raise AssociationError(f"no association with {node.describe()}: {problem}")


@dataclass(frozen=True)
class TimeLimit:
    """The time limit of one whole operation (DIMSE or DICOMweb), started when the operation starts.

    Attributes
    ----------
    name
        Its name among the timeouts (``"query"`` or ``"transfer"``), quoted in the message.
    seconds
        Its length.
    deadline
        When it runs out, on :func:`time.monotonic`'s clock.
    """

    name: str
    seconds: float
    deadline: float

    @classmethod
    def start(cls, name: str, timeouts: Timeouts) -> TimeLimit:
        """The limit ``name`` of ``timeouts``, running from now."""
        seconds = float(getattr(timeouts, name))
        return cls(name, seconds, time.monotonic() + seconds)

    def error(self, node: Node, what: str, kept: str = "") -> OperationTimeoutError:
        """The error of an operation stopped at this limit."""
        return OperationTimeoutError(f"{node.describe()} did not finish the {what} within {self.seconds:g} s "
                                     f"(the {self.name} time limit){kept}")


class _Watch:
    """End the operation on ``assoc`` when it is cancelled, runs out of time, or the peer sends too much.

    A thread watches the cancel token, the operation's time limit and the bytes
    received. On cancel with a ``query_model`` a C-CANCEL goes first and the peer
    has :data:`CANCEL_GRACE` seconds to end the operation (final status "cancel");
    then, or at once for the other reasons, the association is aborted, which
    wakes a reader blocked on the next message. :attr:`reason` then says why
    (``"cancel"``, ``"time"`` or ``"bytes"``). The response loop also calls
    :meth:`check` between responses, so a cancel asked for from a progress
    callback acts at once.
    """

    def __init__(self, assoc, cancel: CancelToken | None, query_model: str | None = None, *,
                 limit: TimeLimit, max_bytes: int | None = None) -> None:
        self._assoc, self._cancel, self._query_model = assoc, cancel, query_model
        self._limit, self._max_bytes = limit, max_bytes
        self._received = 0
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._asked = False
        self.reason: str | None = None
        self._watcher = threading.Thread(target=self._watch, name="pacs-watch", daemon=True)

    def __enter__(self) -> _Watch:
        if self._max_bytes is not None:
            self._assoc.bind(evt.EVT_DATA_RECV, self._count)
        self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finished.set()
        self._watcher.join()
        if self._max_bytes is not None:
            self._assoc.unbind(evt.EVT_DATA_RECV, self._count)

    def _count(self, event) -> None:
        """Add up the bytes the peer sends (from pynetdicom's thread, for each PDU)."""
        self._received += len(event.data)

    def check(self) -> None:
        """Ask the peer to cancel now if the token is set (from the thread that reads responses)."""
        if self._cancel is not None and self._cancel.cancelled:
            self._ask()

    def abort(self) -> None:
        """Abort the association now and wake the thread that waits for the next message."""
        self._assoc.abort()
        # As pynetdicom's own state machine does when the peer aborts; else the reader would
        # wait for the DIMSE timeout.
        self._assoc.dimse.msg_queue.put((None, None))

    def _ask(self) -> bool:
        """Send the C-CANCEL once; return whether one was sent."""
        with self._lock:
            if self._asked or self._query_model is None or not self._assoc.is_established:
                return False
            self._asked = True
            try:
                self._assoc.send_c_cancel(1, query_model=self._query_model)
            except (RuntimeError, ValueError):
                return False
            return True

    def _why(self) -> str | None:
        if self._cancel is not None and self._cancel.cancelled:
            return "cancel"
        if time.monotonic() >= self._limit.deadline:
            return "time"
        if self._max_bytes is not None and self._received > self._max_bytes:
            return "bytes"
        return None

    def _watch(self) -> None:
        while not self._finished.wait(0.05):
            reason = self._why()
            if reason is None:
                continue
            self.reason = reason
            if reason == "cancel":
                self._ask()
                if self._query_model is not None and self._finished.wait(CANCEL_GRACE):
                    return
            self.abort()
            return

    def error(self, node: Node, what: str, kept: str = "") -> PacsError | None:
        """The error of an operation this watch stopped for its time or byte limit, else ``None``."""
        if self.reason == "time":
            return self._limit.error(node, what, kept)
        if self.reason == "bytes":
            return AnswerLimitError(f"{node.describe()} sent more than {format_size(self._max_bytes or 0)} in "
                                    f"answer to the {what} (the node's max_answer_bytes limit){kept}")
        return None


def _release(assoc) -> None:
    if assoc.is_established:
        assoc.release()


def _response_limit(timeouts: Timeouts) -> float:
    """Seconds a peer may stay silent during an operation: pynetdicom aborts at the first timeout to expire."""
    return min(timeouts.dimse, timeouts.network)


def _kept(arrived: int | None) -> str:
    return f"; the {arrived} instance(s) that arrived are kept in the store" if arrived else ""


def _dropped(node: Node, what: str, arrived: int | None = None, *, timeouts: Timeouts | None = None,
             silent_since: float | None = None) -> TransferError:
    """The error for an operation that ended without its final response.

    When the peer had been silent for (about) the response timeout, pynetdicom
    gave up waiting and aborted the association: say so, with the timeout, rather
    than blame the peer for dropping it.
    """
    kept = _kept(arrived)
    if timeouts is not None and silent_since is not None:
        limit = _response_limit(timeouts)
        if time.monotonic() - silent_since >= 0.9 * limit:
            return ResponseTimeoutError(f"{node.describe()} did not answer the {what} within {limit:g} s "
                                        f"(response timeout); the association was aborted{kept}")
    return TransferError(f"{node.describe()} dropped the association during {what}{kept}")


# --------------------------------------------------------------------------- echo
def echo(node: Node, local: LocalSettings | None = None, *, cancel: CancelToken | None = None) -> float:
    """C-ECHO ``node``; return the round-trip time in seconds (association included).

    Raises
    ------
    AssociationError
        No association.
    TransferError
        The peer answered with a failure, or not at all (within the response timeout
        or the query time limit).
    Cancelled
        ``cancel`` was set (the association is aborted at once).
    """
    local = local or LocalSettings()
    timeouts = timeouts_for(node, local)
    limit = TimeLimit.start("query", timeouts)
    ae = _application_entity(local, timeouts)
    ae.add_requested_context(Verification)
    started = time.perf_counter()
    check_cancel(cancel)
    assoc = associate(node, ae, timeout=timeouts.association)
    sent = time.monotonic()
    try:
        with _Watch(assoc, cancel, limit=limit) as watch:
            try:
                status = assoc.send_c_echo()
            except ValueError as e:  # the peer accepted no context for it
                raise TransferError(f"{node.describe()} does not offer C-ECHO: {e}") from e
    finally:
        _release(assoc)
    check_cancel(cancel)
    stopped = watch.error(node, "C-ECHO")
    if stopped is not None:
        raise stopped
    if "Status" not in status:
        raise _dropped(node, "C-ECHO", timeouts=timeouts, silent_since=sent)
    if status.Status != 0x0000:
        raise TransferError(f"{node.describe()} answered C-ECHO with status {status.Status:#06x}")
    elapsed = time.perf_counter() - started
    log.info("echo %s: %.0f ms", node.describe(), elapsed * 1000)
    return elapsed


# --------------------------------------------------------------------------- find
def _find_identifiers(node: Node, identifier: Dataset, what: str, local: LocalSettings, *,
                      progress: ProgressCallback | None = None,
                      cancel: CancelToken | None = None) -> list[Dataset]:
    """Send one C-FIND (Study Root); return the identifiers of its matches.

    The answer is bounded: more than ``node.max_matches`` matches, more than
    ``node.max_answer_bytes`` received, or longer than the query time limit,
    and the association is aborted with an error that names the limit.
    Matches whose identifier could not be decoded are left out (and logged).

    Raises
    ------
    AssociationError, TransferError, AnswerLimitError, OperationTimeoutError, Cancelled
    """
    timeouts = timeouts_for(node, local)
    limit = TimeLimit.start("query", timeouts)
    ae = _application_entity(local, timeouts)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind, UNCOMPRESSED)
    check_cancel(cancel)
    assoc = associate(node, ae, timeout=timeouts.association)
    found: list[Dataset] = []
    unreadable = 0
    final = None
    heard = time.monotonic()
    try:
        with _Watch(assoc, cancel, StudyRootQueryRetrieveInformationModelFind, limit=limit,
                    max_bytes=node.max_answer_bytes) as watch:
            try:
                responses = assoc.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind)
            except ValueError as e:  # the peer accepted no context for it
                raise TransferError(f"{node.describe()} does not offer C-FIND: {e}") from e
            for status, response in responses:
                watch.check()
                if "Status" not in status:
                    break
                heard = time.monotonic()
                if status.Status in PENDING:
                    if response is None:
                        unreadable += 1
                    elif len(found) >= node.max_matches:
                        watch.abort()
                        raise AnswerLimitError(f"{node.describe()} sent more than {node.max_matches} matches to "
                                               f"the {what} (the node's max_matches limit); narrow the search")
                    else:
                        found.append(response)
                        report(progress, len(found), 0, "matches")
                    continue
                final = int(status.Status)
    finally:
        _release(assoc)
    check_cancel(cancel)
    stopped = watch.error(node, what)
    if stopped is not None:
        raise stopped
    if final is None:
        raise _dropped(node, what, timeouts=timeouts, silent_since=heard)
    if final not in (0x0000, 0xB001):
        raise TransferError(f"{node.describe()} refused the {what}: "
                            f"{_status_text(final, QR_FIND_SERVICE_CLASS_STATUS)}")
    if unreadable:
        log.warning("%s on %s: %d match(es) could not be decoded and were left out", what, node.describe(),
                    unreadable)
    return found


def find(node: Node, query: FindQuery, local: LocalSettings | None = None, *,
         progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[Match]:
    """C-FIND (Study Root) at study or series level.

    Parameters
    ----------
    node
        The PACS; its ``max_matches`` and ``max_answer_bytes`` bound the answer.
    query
        What to match.
    local
        Outpost's AE title and timeouts.
    progress
        Called as ``progress(matches, 0, "matches")`` as matches arrive.
    cancel
        Aborts the query.

    Returns
    -------
    list of StudyMatch or SeriesMatch
        With the values as the PACS sent them (escape them to show them).

    Raises
    ------
    AssociationError, TransferError, AnswerLimitError, OperationTimeoutError, Cancelled
    """
    local = local or LocalSettings()
    identifiers = _find_identifiers(node, query.to_identifier(), "C-FIND", local, progress=progress, cancel=cancel)
    matches = [match_from_dataset(identifier, query.level) for identifier in identifiers]
    log.info("find on %s: %d %s match(es)", node.describe(), len(matches), query.level.lower())
    return matches


def find_identifiers(node: Node, identifier: Dataset, local: LocalSettings | None = None, *,
                     progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[Dataset]:
    """C-FIND (Study Root) with an identifier the caller built; the matches' identifiers as the PACS sent them.

    For return keys :class:`~viewer.pacs.query.FindQuery` does not ask for (the
    comparison with priors asks for BodyPartExamined). Bounded like :func:`find`;
    the values are the peer's: read them as untrusted.

    Raises
    ------
    AssociationError, TransferError, AnswerLimitError, OperationTimeoutError, Cancelled
    """
    return _find_identifiers(node, identifier, "C-FIND", local or LocalSettings(), progress=progress,
                             cancel=cancel)


# --------------------------------------------------------------------------- retrieve
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def _retrieve_identifier(study_uid: str, series_uid: str | None) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "SERIES" if series_uid else "STUDY"
    ds.StudyInstanceUID = study_uid
    if series_uid:
        ds.SeriesInstanceUID = series_uid
    return ds


def _sop_classes_of(node: Node, local: LocalSettings, study_uid: str, cancel: CancelToken | None) -> list[str]:
    """The SOP classes a study holds on ``node`` (SOPClassesInStudy), or common ones if it won't say."""
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = study_uid
    identifier.SOPClassesInStudy = ""
    what = "C-FIND for the study's SOP classes"
    try:
        responses = _find_identifiers(node, identifier, what, local, cancel=cancel)
    except (ResponseTimeoutError, OperationTimeoutError, AnswerLimitError):
        raise  # a silent or flooding PACS would stall the C-GET too
    except TransferError as e:
        log.info("%s; asking for the common storage classes", e)
        responses = []
    found: set[str] = set()
    for response in responses:
        try:
            value = response.get("SOPClassesInStudy") or []
            found.update(str(v).strip() for v in ([value] if isinstance(value, str) else value))
        except PEER_DATA_ERRORS:
            continue  # an unreadable value names no class
    valid = sorted(uid for uid in found if len(uid) <= 64 and _UID.match(uid))
    return valid or [str(uid) for uid in COMMON_STORAGE_CLASSES]


def _get_contexts(sop_classes: list[str]) -> list[tuple[str, list[str]]]:
    """Storage contexts for C-GET: each class once per transfer-syntax family, within pynetdicom's limit."""
    budget = MAX_CONTEXTS - 1  # one context is the query/retrieve model
    families = max(1, min(len(TRANSFER_SYNTAX_FAMILIES), budget // max(1, len(sop_classes))))
    classes = sop_classes[:budget]
    return [(sop_class, family) for sop_class in classes for family in TRANSFER_SYNTAX_FAMILIES[:families]]


def _sub_operations(status: Dataset) -> tuple[int, int, int, int]:
    values = [int(status.get(keyword) or 0) for keyword in (
        "NumberOfRemainingSuboperations", "NumberOfCompletedSuboperations",
        "NumberOfFailedSuboperations", "NumberOfWarningSuboperations")]
    return values[0], values[1], values[2], values[3]


def _log_unrequested(what: str, node: Node, count: int) -> None:
    if count:
        log.warning("%s from %s: refused %d instance(s) of another study or series that the PACS sent along",
                    what, node.describe(), count)


def _run_retrieve(node: Node, responses, result: RetrieveResult, what: str, table: dict,
                  progress: ProgressCallback | None, watch: _Watch, cancel: CancelToken | None,
                  arrived: Callable[[], int], timeouts: Timeouts, hint: str = "") -> None:
    """Follow C-GET/C-MOVE responses to the final status; raise on failure, a limit or a dropped association."""
    final = None
    heard = time.monotonic()
    for status, _ in responses:
        if "Status" not in status:
            break
        heard = time.monotonic()
        remaining, completed, failed, warning = _sub_operations(status)
        if status.Status in PENDING:
            report(progress, arrived(), remaining + completed + failed + warning, "instances")
            watch.check()
            continue
        final = int(status.Status)
        result.completed, result.failed, result.warning = completed, failed, warning
    check_cancel(cancel)
    stopped = watch.error(node, what, _kept(arrived()))
    if stopped is not None:
        raise stopped
    if final is None:
        raise _dropped(node, what, arrived(), timeouts=timeouts, silent_since=heard)
    if final == 0xFE00:
        raise Cancelled("the retrieve was cancelled")
    if final not in (0x0000, *WARNINGS):
        kept = f" ({arrived()} instance(s) arrived and are kept)" if arrived() else ""
        hint = f" - {hint}" if hint and not arrived() else ""
        raise TransferError(f"{node.describe()} failed the {what}: {_status_text(final, table)}{hint}{kept}")
    if result.failed:
        log.warning("%s from %s: %d sub-operation(s) failed", what, node.describe(), result.failed)


def get(node: Node, study_uid: str, series_uid: str | None = None, *, store: LocalStore,
        local: LocalSettings | None = None, sop_classes: Iterable[str] | None = None,
        progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> RetrieveResult:
    """Retrieve a study (or one series) with C-GET, into ``store``.

    Parameters
    ----------
    node
        The PACS.
    study_uid, series_uid
        What to retrieve; instances of anything else the PACS sends are refused
        with a failure status, not stored, and counted in ``unrequested``.
    store
        Where the instances go, each written atomically as it arrives.
    local
        Outpost's AE title and timeouts.
    sop_classes
        Storage SOP classes to accept; by default those the PACS lists in
        SOPClassesInStudy, else :data:`COMMON_STORAGE_CLASSES`.
    progress, cancel
        Progress per arrived instance; cancelling aborts the association.

    Returns
    -------
    RetrieveResult

    Raises
    ------
    AssociationError, TransferError, OperationTimeoutError, Cancelled
        On failure or cancel, the instances that arrived stay in the store.
    """
    local = local or LocalSettings()
    timeouts = timeouts_for(node, local)
    limit = TimeLimit.start("transfer", timeouts)
    classes = [str(c) for c in sop_classes] if sop_classes is not None else \
        _sop_classes_of(node, local, study_uid, cancel)
    ae = _application_entity(local, timeouts)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet, UNCOMPRESSED)
    for sop_class, syntaxes in _get_contexts(classes):
        ae.add_requested_context(sop_class, syntaxes)
    roles = [build_role(UID(sop_class), scp_role=True) for sop_class in dict.fromkeys(classes[:MAX_CONTEXTS - 1])]
    result = RetrieveResult()
    lock = threading.Lock()
    requested = RequestedOnly(store, study_uid, series_uid)

    def on_store(event) -> int:
        status, arrival = store_received(event, requested)
        if arrival is not None:
            with lock:
                result.instances.append(arrival.instance)
        return status

    check_cancel(cancel)
    assoc = associate(node, ae, timeout=timeouts.association, ext_neg=roles,
                      evt_handlers=[(evt.EVT_C_STORE, on_store),
                                    (evt.EVT_CONN_CLOSE, lambda event: discard_partial_instance(event.assoc))])
    try:
        with _Watch(assoc, cancel, StudyRootQueryRetrieveInformationModelGet, limit=limit) as watch:
            responses = assoc.send_c_get(_retrieve_identifier(study_uid, series_uid),
                                         StudyRootQueryRetrieveInformationModelGet)
            _run_retrieve(node, responses, result, "C-GET", QR_GET_SERVICE_CLASS_STATUS, progress, watch,
                          cancel, lambda: len(result.instances), timeouts)
    except ValueError as e:  # no accepted context for the request
        raise TransferError(f"{node.describe()} does not offer C-GET: {e}") from e
    finally:
        _release(assoc)
        result.unrequested = requested.refused
        _log_unrequested("C-GET", node, requested.refused)
    log.info("C-GET from %s: %d instance(s), %d new", node.describe(), len(result.instances), result.added)
    audit.record("retrieve", **audit.retrieve_details("C-GET", node, study_uid, series_uid, result))
    return result


def move(node: Node, study_uid: str, series_uid: str | None = None, *, store: LocalStore | None = None,
         receiver: Receiver | None = None, local: LocalSettings | None = None,
         progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> RetrieveResult:
    """Retrieve a study (or one series) with C-MOVE to Outpost's storage SCP.

    Parameters
    ----------
    node
        The PACS; it must know Outpost's AE title with the receiver's host and port.
    study_uid, series_uid
        What to retrieve.
    store
        The store of the temporary receiver started when ``receiver`` is ``None``.
        That receiver takes instances of ``study_uid`` (and ``series_uid``) only:
        any other is refused with a failure status, not stored, and counted in
        ``unrequested``.
    receiver
        A running receiver to use (e.g. the viewer's); its AE title is the move
        destination. While the move runs, instances marked as a move's (Outpost's AE
        title as their move originator, or the PACS's as their calling AE title) are
        refused unless of ``study_uid`` (and ``series_uid``) or of another move under
        way (:meth:`Receiver.taking_only`), and counted in ``unrequested``; other
        senders (a modality) are stored as always.
    local
        Outpost's AE title, receiver address and timeouts.
    progress, cancel
        Progress per arrived instance; cancelling aborts the association.

    Returns
    -------
    RetrieveResult
        The instances of this study (or series) that arrived during the move.

    Raises
    ------
    AssociationError, TransferError, OperationTimeoutError, Cancelled, PacsError
        On failure or cancel, the instances that arrived stay in the store.
    """
    local = local or LocalSettings()
    timeouts = timeouts_for(node, local)
    limit = TimeLimit.start("transfer", timeouts)
    if receiver is None and store is None:
        raise PacsError("C-MOVE needs a store or a running receiver")
    owned = receiver is None
    if receiver is None:
        requested = RequestedOnly(store, study_uid, series_uid)
        receiver = Receiver(requested, ae_title=local.ae_title, host=local.receiver_host, port=local.receiver_port,
                            timeouts=timeouts)
        gate = contextlib.nullcontext(requested)
    else:
        gate = receiver.taking_only(study_uid, series_uid, (local.ae_title, node.ae_title))
    asked = RequestedOnly(receiver.store, study_uid, series_uid)  # to count this move's own instances
    result = RetrieveResult()
    lock = threading.Lock()

    def on_arrival(arrival: Arrival) -> None:
        instance = arrival.instance
        if asked.requested(instance.study_uid, instance.series_uid):
            with lock:
                result.instances.append(instance)

    ae = _application_entity(local, timeouts)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove, UNCOMPRESSED)
    check_cancel(cancel)
    if owned:
        receiver.start()
    receiver.add_listener(on_arrival)
    refused_before = 0
    try:
        with gate as requested:
            refused_before = requested.refused
            assoc = associate(node, ae, timeout=timeouts.association)
            try:
                with _Watch(assoc, cancel, StudyRootQueryRetrieveInformationModelMove, limit=limit) as watch:
                    responses = assoc.send_c_move(_retrieve_identifier(study_uid, series_uid), receiver.ae_title,
                                                  StudyRootQueryRetrieveInformationModelMove)
                    hint = (f"does the PACS know Outpost as {receiver.ae_title} at {receiver.host}:"
                            f"{receiver.port}, and can it reach that address? (or use C-GET)")
                    _run_retrieve(node, responses, result, "C-MOVE", QR_MOVE_SERVICE_CLASS_STATUS, progress, watch,
                                  cancel, lambda: len(result.instances), timeouts, hint)
            except ValueError as e:
                raise TransferError(f"{node.describe()} does not offer C-MOVE: {e}") from e
            finally:
                _release(assoc)
                result.unrequested = requested.refused - refused_before
                _log_unrequested("C-MOVE", node, result.unrequested)
    finally:
        receiver.remove_listener(on_arrival)
        if owned:
            receiver.stop()
    log.info("C-MOVE from %s: %d instance(s), %d new", node.describe(), len(result.instances), result.added)
    audit.record("retrieve", **audit.retrieve_details("C-MOVE", node, study_uid, series_uid, result))
    return result


# --------------------------------------------------------------------------- store (send)
def _send_batches(records) -> list[list]:
    """Group records so that each association needs at most :data:`MAX_CONTEXTS` contexts."""
    batches: list[list] = []
    contexts: set[tuple[str, str]] = set()
    current: list = []
    for record in sorted(records, key=lambda r: (r.sop_class_uid, r.transfer_syntax)):
        needed = {(record.sop_class_uid, "uncompressed")}
        if record.transfer_syntax not in UNCOMPRESSED:
            needed.add((record.sop_class_uid, record.transfer_syntax))
        if current and len(contexts | needed) > MAX_CONTEXTS:
            batches.append(current)
            current, contexts = [], set()
        current.append(record)
        contexts |= needed
    if current:
        batches.append(current)
    return batches


def _sendable(dataset: Dataset, assoc) -> Dataset:
    """``dataset`` as it can go over ``assoc``: decompressed when its compressed syntax was not accepted."""
    syntax = dataset.file_meta.TransferSyntaxUID
    accepted = {(cx.abstract_syntax, cx.transfer_syntax[0]) for cx in assoc.accepted_contexts}
    if (dataset.SOPClassUID, syntax) in accepted or not syntax.is_compressed:
        return dataset
    dataset.decompress()
    return dataset


def _send_broke_off(node: Node, watch: _Watch, sent: int, total: int, timeouts: Timeouts,
                    sent_at: float | None = None) -> TransferError:
    """The error of a C-STORE association that ended early: time limit, response timeout or dropped."""
    after = f"after {sent} of {total} instance(s) were sent"
    stopped = watch.error(node, "C-STORE", f"; stopped {after}")
    if isinstance(stopped, TransferError):
        return stopped
    error = _dropped(node, "C-STORE", timeouts=timeouts, silent_since=sent_at)
    if isinstance(error, ResponseTimeoutError):
        return ResponseTimeoutError(f"{error} {after}")
    return TransferError(f"{node.describe()} dropped the association {after}")


def send(node: Node, paths: str | Iterable[str], local: LocalSettings | None = None, *,
         progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> SendResult:
    """C-STORE the DICOM files under ``paths`` (folders, files, .zip, DICOMDIR) to ``node``.

    Each instance is offered in its own transfer syntax and uncompressed; one
    whose compressed syntax the peer refuses is decompressed before sending.
    Instances the peer refuses are listed in the result; the rest go on.

    Raises
    ------
    AssociationError
        No association.
    TransferError
        The association broke off, or the send ran past the transfer time limit
        (:class:`OperationTimeoutError`); the message says how many were sent.
    Cancelled
        ``cancel`` was set.
    """
    local = local or LocalSettings()
    timeouts = timeouts_for(node, local)
    limit = TimeLimit.start("transfer", timeouts)
    records, _ = find_instances([paths] if isinstance(paths, str) else paths, cancel=cancel)
    if not records:
        raise PacsError("no DICOM instances to send")
    result = SendResult()
    total, done = len(records), 0
    for batch in _send_batches(records):
        if time.monotonic() >= limit.deadline:
            raise limit.error(node, "C-STORE", f"; stopped after {result.sent} of {total} instance(s) were sent")
        ae = _application_entity(local, timeouts)
        for sop_class in dict.fromkeys(r.sop_class_uid for r in batch):
            ae.add_requested_context(sop_class, UNCOMPRESSED)
        for sop_class, syntax in dict.fromkeys((r.sop_class_uid, r.transfer_syntax) for r in batch):
            if syntax not in UNCOMPRESSED:
                ae.add_requested_context(sop_class, syntax)
        assoc = associate(node, ae, timeout=timeouts.association)
        try:
            with _Watch(assoc, cancel, limit=limit) as watch:
                for record in batch:
                    check_cancel(cancel)
                    source = str(record.source)
                    try:
                        with record.source.open() as fp:
                            dataset = dcmread(fp)
                        if not dataset.get("SOPClassUID") or not dataset.get("SOPInstanceUID"):
                            raise ValueError("the data set has no SOP Class UID or no SOP Instance UID")
                        sent_at = time.monotonic()
                        status = assoc.send_c_store(_sendable(dataset, assoc))
                    except (ValueError, AttributeError, RuntimeError, NotImplementedError, OSError) as e:
                        if not assoc.is_established:
                            check_cancel(cancel)
                            raise _send_broke_off(node, watch, result.sent, total, timeouts) from e
                        result.failed.append((source, f"cannot send: {e}"))
                        continue
                    finally:
                        done += 1
                        report(progress, done, total, "sending")
                    if "Status" not in status:
                        check_cancel(cancel)
                        raise _send_broke_off(node, watch, result.sent, total, timeouts, sent_at)
                    code = int(status.Status)
                    if code == 0x0000 or code in WARNINGS:
                        result.sent += 1
                        result.warnings += code != 0x0000
                    else:
                        meaning = _status_text(code, STORAGE_SERVICE_CLASS_STATUS)
                        result.failed.append((source, f"refused: {meaning}"))
        finally:
            _release(assoc)
    log.info("sent %d instance(s) to %s, %d failed", result.sent, node.describe(), len(result.failed))
    audit.record("send", **audit.send_details("C-STORE", node, records, result))
    return result

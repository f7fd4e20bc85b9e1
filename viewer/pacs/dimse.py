"""DIMSE services with pynetdicom: C-ECHO, C-FIND, C-MOVE, C-GET and C-STORE.

Every operation takes the remote :class:`~viewer.pacs.nodes.Node` and Outpost's
:class:`~viewer.pacs.nodes.LocalSettings` (AE title, receiver, timeouts),
reports ``progress(done, total, text)`` and honours a
:class:`~viewer.core.tasks.CancelToken` (cancelling aborts the association;
what has arrived stays in the store). Failures raise one-line
:class:`~viewer.pacs.errors.PacsError` subclasses: :class:`AssociationError`
when no association could be made, :class:`TransferError` when it broke
off or the peer answered with a failure status, and its subclass
:class:`ResponseTimeoutError` when the peer stayed silent past the response
timeout (the smaller of the DIMSE and network timeouts).

Retrieved instances go into the local store: by C-GET on the same
association, or by C-MOVE to Outpost's own storage SCP (which the PACS must
know under Outpost's AE title, host and port).
"""

from __future__ import annotations

import logging
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
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.pacs.errors import AssociationError, PacsError, ResponseTimeoutError, TransferError
from viewer.pacs.logs import quiet_logs
from viewer.pacs.nodes import LocalSettings, Node
from viewer.pacs.query import FindQuery, Match, match_from_dataset
from viewer.pacs.receiver import MAXIMUM_PDU_SIZE, Arrival, Receiver, store_received
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
        Every instance that arrived (``duplicate`` where the store had it already).
    completed, failed, warning
        The sub-operation counts of the PACS's final response.
    """

    instances: list[StoredInstance] = field(default_factory=list)
    completed: int = 0
    failed: int = 0
    warning: int = 0

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


def _application_entity(local: LocalSettings) -> AE:
    quiet_logs()
    ae = AE(ae_title=local.ae_title)
    ae.connection_timeout = local.timeouts.association
    ae.acse_timeout = local.timeouts.association
    ae.dimse_timeout = local.timeouts.dimse
    ae.network_timeout = local.timeouts.network
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


class _CancelWatch:
    """End the operation on ``assoc`` as soon as ``cancel`` is set, even while waiting for the peer.

    With a ``query_model`` a C-CANCEL goes first and the peer has :data:`CANCEL_GRACE` seconds to
    end the operation (final status "cancel"); then, or without one, the association is aborted.
    A thread watches the token; the response loop also calls :meth:`check` between responses, so a
    cancel asked for from a progress callback acts at once.
    """

    def __init__(self, assoc, cancel: CancelToken | None, query_model: str | None = None) -> None:
        self._assoc, self._cancel, self._query_model = assoc, cancel, query_model
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._asked = False
        self._watcher = threading.Thread(target=self._watch, name="pacs-cancel-watch", daemon=True)

    def __enter__(self) -> _CancelWatch:
        if self._cancel is not None:
            self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finished.set()
        if self._watcher.is_alive():
            self._watcher.join()

    def check(self) -> None:
        """Ask the peer to cancel now if the token is set (from the thread that reads responses)."""
        if self._cancel is not None and self._cancel.cancelled:
            self._ask()

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

    def _watch(self) -> None:
        while not self._finished.wait(0.05):
            if not self._cancel.cancelled:
                continue
            self._ask()
            if self._query_model is not None and self._finished.wait(CANCEL_GRACE):
                return
            self._assoc.abort()
            # Wake a reader blocked on the next DIMSE message, as pynetdicom's own state
            # machine does when the peer aborts; else it would wait for the DIMSE timeout.
            self._assoc.dimse.msg_queue.put((None, None))
            return


def _release(assoc) -> None:
    if assoc.is_established:
        assoc.release()


def _response_limit(local: LocalSettings) -> float:
    """Seconds a peer may stay silent during an operation: pynetdicom aborts at the first timeout to expire."""
    return min(local.timeouts.dimse, local.timeouts.network)


def _dropped(node: Node, what: str, arrived: int | None = None, *, local: LocalSettings | None = None,
             silent_since: float | None = None) -> TransferError:
    """The error for an operation that ended without its final response.

    When the peer had been silent for (about) the response timeout, pynetdicom
    gave up waiting and aborted the association: say so, with the timeout, rather
    than blame the peer for dropping it.
    """
    kept = f"; the {arrived} instance(s) that arrived are kept in the store" if arrived else ""
    if local is not None and silent_since is not None:
        limit = _response_limit(local)
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
        The peer answered with a failure, or not at all (within the response timeout).
    Cancelled
        ``cancel`` was set (the association is aborted at once).
    """
    local = local or LocalSettings()
    ae = _application_entity(local)
    ae.add_requested_context(Verification)
    started = time.perf_counter()
    check_cancel(cancel)
    assoc = associate(node, ae, timeout=local.timeouts.association)
    sent = time.monotonic()
    try:
        with _CancelWatch(assoc, cancel):
            status = assoc.send_c_echo()
    finally:
        _release(assoc)
    check_cancel(cancel)
    if "Status" not in status:
        raise _dropped(node, "C-ECHO", local=local, silent_since=sent)
    if status.Status != 0x0000:
        raise TransferError(f"{node.describe()} answered C-ECHO with status {status.Status:#06x}")
    elapsed = time.perf_counter() - started
    log.info("echo %s: %.0f ms", node.describe(), elapsed * 1000)
    return elapsed


# --------------------------------------------------------------------------- find
def find(node: Node, query: FindQuery, local: LocalSettings | None = None, *,
         progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[Match]:
    """C-FIND (Study Root) at study or series level.

    Parameters
    ----------
    node
        The PACS.
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

    Raises
    ------
    AssociationError, TransferError, Cancelled
    """
    local = local or LocalSettings()
    ae = _application_entity(local)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind, UNCOMPRESSED)
    check_cancel(cancel)
    assoc = associate(node, ae, timeout=local.timeouts.association)
    matches: list[Match] = []
    final = None
    heard = time.monotonic()
    try:
        with _CancelWatch(assoc, cancel, StudyRootQueryRetrieveInformationModelFind) as watch:
            for status, identifier in assoc.send_c_find(query.to_identifier(),
                                                        StudyRootQueryRetrieveInformationModelFind):
                watch.check()
                if "Status" not in status:
                    break
                heard = time.monotonic()
                if status.Status in PENDING:
                    if identifier is not None:
                        matches.append(match_from_dataset(identifier, query.level))
                        report(progress, len(matches), 0, "matches")
                    continue
                final = int(status.Status)
    finally:
        _release(assoc)
    check_cancel(cancel)
    if final is None:
        raise _dropped(node, "C-FIND", local=local, silent_since=heard)
    if final not in (0x0000, 0xB001):
        raise TransferError(f"{node.describe()} refused the query: "
                            f"{_status_text(final, QR_FIND_SERVICE_CLASS_STATUS)}")
    log.info("find on %s: %d %s match(es)", node.describe(), len(matches), query.level.lower())
    return matches


# --------------------------------------------------------------------------- retrieve
def _retrieve_identifier(study_uid: str, series_uid: str | None) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "SERIES" if series_uid else "STUDY"
    ds.StudyInstanceUID = study_uid
    if series_uid:
        ds.SeriesInstanceUID = series_uid
    return ds


def _sop_classes_of(node: Node, local: LocalSettings, study_uid: str) -> list[str]:
    """The SOP classes a study holds on ``node`` (SOPClassesInStudy), or common ones if it won't say."""
    ae = _application_entity(local)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind, UNCOMPRESSED)
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "STUDY"
    identifier.StudyInstanceUID = study_uid
    identifier.SOPClassesInStudy = ""
    assoc = associate(node, ae, timeout=local.timeouts.association)
    found: list[str] = []
    heard = time.monotonic()
    try:
        for status, response in assoc.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind):
            if "Status" not in status:
                error = _dropped(node, "C-FIND for the study's SOP classes", local=local, silent_since=heard)
                if isinstance(error, ResponseTimeoutError):  # a silent PACS would stall the C-GET too
                    raise error
                break
            heard = time.monotonic()
            if status.Status in PENDING and response is not None:
                value = response.get("SOPClassesInStudy") or []
                found.extend(str(v) for v in ([value] if isinstance(value, str) else value) if v)
    finally:
        _release(assoc)
    return sorted(set(found)) or [str(uid) for uid in COMMON_STORAGE_CLASSES]


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


def _run_retrieve(node: Node, responses, result: RetrieveResult, what: str, table: dict,
                  progress: ProgressCallback | None, watch: _CancelWatch, cancel: CancelToken | None,
                  arrived: Callable[[], int], hint: str = "", local: LocalSettings | None = None) -> None:
    """Follow C-GET/C-MOVE responses to the final status; raise on failure or a dropped association."""
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
    if final is None:
        raise _dropped(node, what, arrived(), local=local, silent_since=heard)
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
        What to retrieve.
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
    AssociationError, TransferError, Cancelled
        On failure or cancel, the instances that arrived stay in the store.
    """
    local = local or LocalSettings()
    classes = [str(c) for c in sop_classes] if sop_classes is not None else _sop_classes_of(node, local, study_uid)
    ae = _application_entity(local)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet, UNCOMPRESSED)
    for sop_class, syntaxes in _get_contexts(classes):
        ae.add_requested_context(sop_class, syntaxes)
    roles = [build_role(UID(sop_class), scp_role=True) for sop_class in dict.fromkeys(classes[:MAX_CONTEXTS - 1])]
    result = RetrieveResult()
    lock = threading.Lock()

    def on_store(event) -> int:
        status, arrival = store_received(event, store)
        if arrival is not None:
            with lock:
                result.instances.append(arrival.instance)
        return status

    check_cancel(cancel)
    assoc = associate(node, ae, timeout=local.timeouts.association, ext_neg=roles,
                      evt_handlers=[(evt.EVT_C_STORE, on_store)])
    try:
        with _CancelWatch(assoc, cancel, StudyRootQueryRetrieveInformationModelGet) as watch:
            responses = assoc.send_c_get(_retrieve_identifier(study_uid, series_uid),
                                         StudyRootQueryRetrieveInformationModelGet)
            _run_retrieve(node, responses, result, "C-GET", QR_GET_SERVICE_CLASS_STATUS, progress, watch,
                          cancel, lambda: len(result.instances), local=local)
    except ValueError as e:  # no accepted context for the request
        raise TransferError(f"{node.describe()} does not offer C-GET: {e}") from e
    finally:
        _release(assoc)
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
    receiver
        A running receiver to use (e.g. the viewer's); its AE title is the move destination.
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
    AssociationError, TransferError, Cancelled, PacsError
        On failure or cancel, the instances that arrived stay in the store.
    """
    local = local or LocalSettings()
    if receiver is None and store is None:
        raise PacsError("C-MOVE needs a store or a running receiver")
    owned = receiver is None
    if receiver is None:
        receiver = Receiver(store, ae_title=local.ae_title, host=local.receiver_host, port=local.receiver_port,
                            timeouts=local.timeouts)
    result = RetrieveResult()
    lock = threading.Lock()

    def on_arrival(arrival: Arrival) -> None:
        instance = arrival.instance
        if instance.study_uid == study_uid and (series_uid is None or instance.series_uid == series_uid):
            with lock:
                result.instances.append(instance)

    ae = _application_entity(local)
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove, UNCOMPRESSED)
    check_cancel(cancel)
    if owned:
        receiver.start()
    receiver.add_listener(on_arrival)
    try:
        assoc = associate(node, ae, timeout=local.timeouts.association)
        try:
            with _CancelWatch(assoc, cancel, StudyRootQueryRetrieveInformationModelMove) as watch:
                responses = assoc.send_c_move(_retrieve_identifier(study_uid, series_uid), receiver.ae_title,
                                              StudyRootQueryRetrieveInformationModelMove)
                hint = (f"does the PACS know Outpost as {receiver.ae_title} at {receiver.host}:{receiver.port}, "
                        "and can it reach that address? (or use C-GET)")
                _run_retrieve(node, responses, result, "C-MOVE", QR_MOVE_SERVICE_CLASS_STATUS, progress, watch,
                              cancel, lambda: len(result.instances), hint, local=local)
        except ValueError as e:
            raise TransferError(f"{node.describe()} does not offer C-MOVE: {e}") from e
        finally:
            _release(assoc)
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
        The association broke off (the message says how many were sent).
    Cancelled
        ``cancel`` was set.
    """
    local = local or LocalSettings()
    records, _ = find_instances([paths] if isinstance(paths, str) else paths, cancel=cancel)
    if not records:
        raise PacsError("no DICOM instances to send")
    result = SendResult()
    total, done = len(records), 0
    for batch in _send_batches(records):
        ae = _application_entity(local)
        for sop_class in dict.fromkeys(r.sop_class_uid for r in batch):
            ae.add_requested_context(sop_class, UNCOMPRESSED)
        for sop_class, syntax in dict.fromkeys((r.sop_class_uid, r.transfer_syntax) for r in batch):
            if syntax not in UNCOMPRESSED:
                ae.add_requested_context(sop_class, syntax)
        assoc = associate(node, ae, timeout=local.timeouts.association)
        try:
            with _CancelWatch(assoc, cancel):
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
                            raise TransferError(f"{node.describe()} dropped the association after {result.sent} "
                                                f"of {total} instance(s) were sent") from e
                        result.failed.append((source, f"cannot send: {e}"))
                        continue
                    finally:
                        done += 1
                        report(progress, done, total, "sending")
                    if "Status" not in status:
                        check_cancel(cancel)
                        error = _dropped(node, "C-STORE", local=local, silent_since=sent_at)
                        if isinstance(error, ResponseTimeoutError):
                            raise ResponseTimeoutError(f"{error} after {result.sent} of {total} instance(s) "
                                                       "were sent")
                        raise TransferError(f"{node.describe()} dropped the association after {result.sent} "
                                            f"of {total} instance(s) were sent")
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

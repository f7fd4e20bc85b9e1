"""Outpost's storage SCP: instances that a modality or a PACS sends go into the local store.

Off by default. When started it listens on a configurable AE title, address
(loopback by default) and port, accepts the storage SOP classes in the usual
transfer syntaxes (uncompressed, deflate, JPEG baseline/extended/lossless,
JPEG-LS, JPEG 2000, HTJ2K, RLE), writes each instance atomically into the
store without decoding it, and reports each arrival to its listeners (so the
viewer can show studies as they come). A malformed instance gets a failure
status and a log line without patient data; the receiver keeps running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydicom.uid import (
    HTJ2K,
    JPEG2000,
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
from pynetdicom import AE, AllStoragePresentationContexts, evt
from pynetdicom.sop_class import Verification

from viewer.core import audit
from viewer.pacs.errors import InstanceMismatchError, MalformedInstanceError, PacsError, StoreError
from viewer.pacs.logs import quiet_logs
from viewer.pacs.nodes import DEFAULT_AE_TITLE, DEFAULT_RECEIVER_HOST, DEFAULT_RECEIVER_PORT, Timeouts
from viewer.pacs.store import LocalStore, StoredInstance

log = logging.getLogger(__name__)

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

STATUS_SUCCESS = 0x0000
STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_DATASET_MISMATCH = 0xA900
STATUS_CANNOT_UNDERSTAND = 0xC210


@dataclass(frozen=True)
class Arrival:
    """One instance received over the network.

    Attributes
    ----------
    instance
        Where it went in the store (``instance.duplicate`` when it was already there).
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


def store_received(event, store: LocalStore) -> tuple[int, Arrival | None]:
    """Write the instance of a C-STORE request event into ``store``.

    Shared by the storage SCP and by C-GET (where the PACS sends C-STORE
    requests back on the same association).

    Parameters
    ----------
    event
        pynetdicom's ``EVT_C_STORE`` event.
    store
        Where the instance goes.

    Returns
    -------
    tuple
        The C-STORE status, and the arrival (``None`` on failure).
    """
    request = event.request
    calling = calling_ae(event)
    sop_uid = str(request.AffectedSOPInstanceUID or "")
    try:
        stored = store.add_bytes(event.encoded_dataset(include_meta=True),
                                 sop_class_uid=str(request.AffectedSOPClassUID or ""), sop_instance_uid=sop_uid)
    except InstanceMismatchError as e:
        status, reason = STATUS_DATASET_MISMATCH, str(e)
    except MalformedInstanceError as e:
        status, reason = STATUS_CANNOT_UNDERSTAND, f"{e} ({type(e.__cause__).__name__})"
    except StoreError as e:
        status, reason = STATUS_OUT_OF_RESOURCES, str(e)
    else:
        originator = str(request.MoveOriginatorApplicationEntityTitle or "").strip()
        log.debug("stored instance %s from %s%s", sop_uid, calling, " (duplicate)" if stored.duplicate else "")
        return STATUS_SUCCESS, Arrival(stored, calling, originator)
    log.warning("rejected instance %s from %s with status 0x%04X: %s", sop_uid, calling, status, reason)
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
        Calling AE titles to accept; ``None`` accepts any.
    on_arrival
        Called with an :class:`Arrival` for each stored instance, from the association's thread.
    timeouts
        Network and DIMSE timeouts.

    Examples
    --------
    >>> with Receiver(store, port=0, on_arrival=print) as receiver:  # doctest: +SKIP
    ...     print(receiver.port)
    """

    def __init__(self, store: LocalStore, *, ae_title: str = DEFAULT_AE_TITLE, host: str = DEFAULT_RECEIVER_HOST,
                 port: int = DEFAULT_RECEIVER_PORT, allowed_callers: Iterable[str] | None = None,
                 on_arrival: Callable[[Arrival], None] | None = None, timeouts: Timeouts | None = None) -> None:
        quiet_logs()
        self.store = store
        self.ae_title = ae_title
        self.host = host
        self._requested_port = port
        self.allowed_callers = list(allowed_callers) if allowed_callers is not None else None
        self.timeouts = timeouts or Timeouts()
        self._listeners: list[Callable[[Arrival], None]] = [on_arrival] if on_arrival else []
        self._lock = threading.Lock()
        self._server = None
        self._ae: AE | None = None
        self.received = 0
        self.rejected = 0
        self._audit = audit.TransferTally("receive", ae_title=ae_title)  # one audit entry per association

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

    def _on_c_store(self, event) -> int:
        status, arrival = store_received(event, self.store)
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
            except Exception:  # noqa: BLE001 - a failing listener must not fail the transfer
                log.exception("an arrival listener failed")
        return status

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
        ae.maximum_associations = 10
        ae.maximum_pdu_size = MAXIMUM_PDU_SIZE
        ae.require_called_aet = True
        if self.allowed_callers is not None:
            ae.require_calling_aet = self.allowed_callers
        for sop_class, syntaxes in storage_contexts():
            ae.add_supported_context(sop_class, syntaxes)
        ae.add_supported_context(Verification)
        try:
            self._server = ae.start_server((self.host, self._requested_port), block=False,
                                           evt_handlers=[(evt.EVT_C_STORE, self._on_c_store),
                                                         (evt.EVT_CONN_CLOSE,
                                                          lambda e: self._audit.close(e.assoc))])
        except OSError as e:
            raise PacsError(f"the receiver cannot listen on {self.host}:{self._requested_port}: "
                            f"{e.strerror or e}") from e
        self._ae = ae
        log.info("receiver %s listening on %s:%d", self.ae_title, self.host, self.port)

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

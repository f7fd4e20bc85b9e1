"""DICOMweb with dicomweb-client: QIDO-RS search, WADO-RS retrieve into the store, STOW-RS store.

Every request of an operation goes through one :class:`_NodeSession`, which holds
what a hostile or careless server must not get round:

- **credentials**: a node's basic-auth credentials travel in the session, never in
  a URL, and are never logged. Over a plain ``http://`` URL they are sent only when
  the node allows it (``allow_http_credentials``), with a warning each time;
  otherwise the operation is refused before anything is sent.
- **redirects**: one to another origin (scheme, host and port) is refused, so
  neither the credentials nor the question go elsewhere, and no other server's
  answer is taken for the node's. Redirects within the node's origin are followed
  (up to :data:`MAX_REDIRECTS`).
- **time**: besides the per-read timeouts, a whole operation has a time limit
  (``query`` for a search, ``transfer`` for a retrieve or store): when it passes,
  the connection is shut, however steadily the server drips its answer.
- **size**: a search answer is read in chunks and refused past the node's
  ``max_answer_bytes``, and past ``max_matches`` matches.

Search results are the same :class:`~viewer.pacs.query.StudyMatch` /
:class:`~viewer.pacs.query.SeriesMatch` records as C-FIND's. A WADO-RS retrieve
stores only instances of the study (and series) asked for.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError

from viewer.core import audit
from viewer.core.files import format_size
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.text import printable
from viewer.pacs.dimse import RetrieveResult, SendResult, TimeLimit
from viewer.pacs.errors import (
    PEER_DATA_ERRORS,
    AnswerLimitError,
    DicomWebError,
    MalformedInstanceError,
    PacsError,
)
from viewer.pacs.logs import quiet_logs
from viewer.pacs.nodes import LocalSettings, Node, Timeouts, timeouts_for
from viewer.pacs.query import FindQuery, Match, match_from_dataset
from viewer.pacs.store import LocalStore, find_instances

log = logging.getLogger(__name__)

#: Instances per STOW-RS request (progress and cancel act between requests).
STOW_BATCH = 16
#: Ask WADO-RS for instances as they are stored, so the server need not transcode.
ANY_TRANSFER_SYNTAX = (("application/dicom", "*"),)
#: Redirects within the node's origin followed for one request.
MAX_REDIRECTS = 5
#: Bytes read at a time from a search answer.
CHUNK = 64 << 10
_DEFAULT_PORTS = {"http": 80, "https": 443}

T = TypeVar("T")


def _origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, the default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _show_origin(origin: tuple[str, str, int | None]) -> str:
    scheme, host, port = origin
    return printable(f"{scheme}://{host}" + (f":{port}" if port else ""), 200)


class CrossOriginRedirect(requests.RequestException):
    """A server redirected a request to another origin, which is not followed."""

    def __init__(self, target: tuple[str, str, int | None]) -> None:
        super().__init__(_show_origin(target))
        self.target = target


class _Watchdog:
    """The time limit of one operation: when it passes, every connection the operation opened is shut.

    A read blocked on a server that drips its answer (which each per-read timeout
    lets through) then returns at once, and the operation fails with
    :attr:`expired` set.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def track(self, sock: socket.socket) -> None:
        """Shut ``sock`` when the limit passes (at once if it has)."""
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # The plain socket's shutdown, also under TLS: it wakes a blocked read without touching the TLS state.
        with contextlib.suppress(OSError):  # already closed: nothing left to stop
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter, without retries, whose every new connection is handed to a :class:`_Watchdog`."""

    def __init__(self, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__(max_retries=0)

    def _watch(self, manager):
        watchdog = self._watchdog

        def watched(pool_class):
            class Connection(pool_class.ConnectionCls):
                def _new_conn(self):
                    sock = super()._new_conn()
                    watchdog.track(sock)
                    return sock

            return type(pool_class.__name__, (pool_class,), {"ConnectionCls": Connection})

        manager.pool_classes_by_scheme = {scheme: watched(pool_class)
                                          for scheme, pool_class in manager.pool_classes_by_scheme.items()}
        return manager

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self._watch(self.poolmanager)

    def proxy_manager_for(self, *args: Any, **kwargs: Any):
        return self._watch(super().proxy_manager_for(*args, **kwargs))


class _NodeSession(requests.Session):
    """A session bound to one node's origin: redirects elsewhere are refused."""

    def __init__(self, node: Node, watchdog: _Watchdog) -> None:
        super().__init__()
        self._origin = _origin(node.dicomweb_url)
        self.max_redirects = MAX_REDIRECTS
        adapter = _WatchedAdapter(watchdog)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is not None:
            where = _origin(urljoin(resp.url, target))
            if where != self._origin:
                raise CrossOriginRedirect(where)
        return target


def _session(node: Node, watchdog: _Watchdog) -> _NodeSession:
    """A session for ``node``: its credentials (where they may go) and CA bundle.

    Raises
    ------
    DicomWebError
        The node has no DICOMweb URL, or has credentials and a plain ``http://``
        URL without ``allow_http_credentials``.
    """
    quiet_logs()
    if not node.has_dicomweb:
        raise DicomWebError(f"{node.describe()} has no DICOMweb URL")
    session = _NodeSession(node, watchdog)
    if node.username:
        if _origin(node.dicomweb_url)[0] != "https":
            if not node.allow_http_credentials:
                raise DicomWebError(f"{node.describe()}: its credentials would go over plain http://, where "
                                    "anyone on the network can read them; use an https:// URL, or allow it for "
                                    "this node (outpost pacs node add --allow-http-credentials)")
            log.warning("sending the credentials of %s over plain http://, as allowed for this node: anyone on "
                        "the network can read them", node.describe())
        session.auth = (node.username, node.password)
    if node.tls_ca_file:
        session.verify = node.tls_ca_file
    return session


class _Operation:
    """One DICOMweb operation on a node: its session, timeouts and time limit.

    Parameters
    ----------
    node
        The server.
    local
        Outpost's timeouts (the node's own ones take precedence).
    limit
        The name of the operation's time limit among the timeouts (``"query"`` or ``"transfer"``).
    """

    def __init__(self, node: Node, local: LocalSettings, limit: str) -> None:
        self.node = node
        self.timeouts: Timeouts = timeouts_for(node, local)
        self.limit = TimeLimit.start(limit, self.timeouts)
        self.watchdog = _Watchdog(self.limit.seconds)
        self.session = _session(node, self.watchdog)

    @property
    def timeout(self) -> tuple[float, float]:
        """The ``requests`` library's ``(connect, read)`` timeouts."""
        return self.timeouts.association, self.timeouts.network

    def __enter__(self) -> _Operation:
        self.watchdog.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.watchdog.__exit__()
        self.session.close()

    def client(self):
        """A dicomweb-client on this operation's session."""
        from dicomweb_client.api import DICOMwebClient

        client = DICOMwebClient(url=self.node.dicomweb_url, session=self.session, timeout=self.timeout)
        # Its retries (5 attempts, exponential back-off) also retry a timed-out request: a hung
        # server would hold the user for about 20 times the timeout instead of once.
        client.set_http_retry_params(retry=False)
        return client

    def check_time(self, what: str, kept: str = "") -> None:
        """Raise the time limit's error if it has passed (a shut connection can look like an end).

        Raises
        ------
        OperationTimeoutError
            The limit has passed.
        """
        if self.watchdog.expired:
            raise self.limit.error(self.node, what, kept)

    @contextlib.contextmanager
    def errors(self, what: str, kept: str = "") -> Iterator[None]:
        """Turn what requests, dicomweb-client and a malformed answer raise into one-line errors."""
        try:
            yield
        except PacsError:
            raise
        except requests.RequestException as e:
            self.check_time(what, kept)
            raise _explain(self.node, what, e, self.timeouts) from e
        except (InvalidDicomError, *PEER_DATA_ERRORS) as e:
            self.check_time(what, kept)
            raise DicomWebError(f"{self.node.describe()} sent an unreadable answer to the {what}"
                                f" ({type(e).__name__}){kept}") from e

    def qido(self, path: str, filters: dict[str, str], fields: Iterable[str], what: str,
             max_matches: int | None) -> list:
        """One QIDO-RS request; its DICOM JSON results.

        The query string is built here rather than by dicomweb-client, which
        percent-encodes the wildcards ``*`` and ``?``: Orthanc's DICOMweb plugin
        (Debian 12, Orthanc 1.10.1) does not decode query values, so ``Smith%2A``
        matched nothing there. Wildcards are legal in a URL query and go as they are.

        The answer is read in chunks of :data:`CHUNK` bytes and refused past the
        node's ``max_answer_bytes``; with ``max_matches``, the server is asked for
        one more than that (``limit``) and the answer refused past it.

        Raises
        ------
        AnswerLimitError
            The answer went past a limit.
        requests.RequestException, ValueError
            For :meth:`errors` to explain.
        """
        node = self.node
        pairs = [*filters.items(), *(("includefield", name) for name in fields)]
        if max_matches is not None:
            pairs.append(("limit", str(max_matches + 1)))
        query = "&".join(f"{quote(key, safe='')}={quote(value, safe='*?')}" for key, value in pairs)
        url = f"{node.dicomweb_url}/{path}" + (f"?{query}" if query else "")
        with self.session.get(url, headers={"Accept": "application/dicom+json"}, timeout=self.timeout,
                              stream=True) as response:
            response.raise_for_status()
            body = _read_capped(response, node, what)
        self.check_time(what)  # a connection shut at the time limit can look like the end of the answer
        if response.status_code == 204 or not body.strip():
            return []
        results = json.loads(body)
        if not isinstance(results, list):
            raise DicomWebError(f"{node.describe()} sent an unreadable answer to the {what} "
                                "(not a list of matches)")
        if max_matches is not None and len(results) > max_matches:
            raise AnswerLimitError(f"{node.describe()} sent more than {max_matches} matches to the {what} "
                                   "(the node's max_matches limit); narrow the search")
        return results


def _read_capped(response: requests.Response, node: Node, what: str) -> bytes:
    """The body of ``response``, read in chunks, refused past ``node.max_answer_bytes``."""
    cap = node.max_answer_bytes
    too_much = AnswerLimitError(f"{node.describe()} sent more than {format_size(cap)} in answer to the {what} "
                                "(the node's max_answer_bytes limit); narrow the search")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise too_much
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > cap:
            raise too_much
    return bytes(body)


def _explain(node: Node, what: str, error: Exception, timeouts: Timeouts) -> DicomWebError:
    """A one-line error for a failed DICOMweb request (never with credentials or query strings)."""
    response = getattr(error, "response", None)
    if isinstance(error, CrossOriginRedirect):
        return DicomWebError(f"{node.describe()} redirected the {what} to another origin ({error}); "
                             "not followed, and nothing was sent there")
    if isinstance(error, requests.TooManyRedirects):
        return DicomWebError(f"{node.describe()} redirected the {what} more than {MAX_REDIRECTS} times")
    if isinstance(error, requests.HTTPError) and response is not None:
        code = response.status_code
        if code in (401, 403):
            who = "the credentials" if node.username else "the request without credentials"
            return DicomWebError(f"{node.describe()} refused {who} for {what} (HTTP {code})")
        if code == 404:
            return DicomWebError(f"{node.describe()}: {what} found nothing at that URL (HTTP 404)")
        reason = f" {printable(response.reason, 80)}" if response.reason else ""
        return DicomWebError(f"{node.describe()} answered {what} with HTTP {code}{reason}")
    if isinstance(error, requests.ConnectTimeout):
        return DicomWebError(f"no connection to {node.describe()} for {what} within {timeouts.association:g} s "
                             "(connect timeout)")
    if isinstance(error, requests.Timeout) or (
            isinstance(error, requests.ConnectionError) and error.args and isinstance(error.args[0],
                                                                                      ReadTimeoutError)):
        return DicomWebError(f"{node.describe()} did not answer {what} within {timeouts.network:g} s "
                             "(response timeout)")
    if isinstance(error, requests.exceptions.SSLError):
        return DicomWebError(f"the TLS connection to {node.describe()} for {what} failed (is its certificate "
                             "trusted?)")
    if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return DicomWebError(f"cannot reach {node.describe()} for {what} (connection refused or dropped)")
    return DicomWebError(f"{what} on {node.describe()} failed: {type(error).__name__}")


def search(node: Node, query: FindQuery, local: LocalSettings | None = None, *,
           progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[Match]:
    """QIDO-RS search for studies, or for the series of one study.

    Returns
    -------
    list of StudyMatch or SeriesMatch
        With the values as the server sent them (escape them to show them).

    Raises
    ------
    DicomWebError, AnswerLimitError, OperationTimeoutError, Cancelled
    """
    local = local or LocalSettings()
    filters, fields = query.to_qido()
    check_cancel(cancel)
    path = "studies" if query.level == "STUDY" else f"studies/{quote(query.study_uid)}/series"
    what = "QIDO-RS search"
    with _Operation(node, local, "query") as operation, operation.errors(what):
        results = operation.qido(path, filters, fields, what, node.max_matches)
    check_cancel(cancel)
    matches = []
    for number, item in enumerate(results, 1):
        try:
            matches.append(match_from_dataset(Dataset.from_json(item), query.level))
        except PEER_DATA_ERRORS as e:
            raise DicomWebError(f"{node.describe()} sent an unreadable answer to the {what} "
                                f"(match {number}: {type(e).__name__})") from e
    report(progress, len(matches), len(matches), "matches")
    log.info("QIDO-RS on %s: %d %s match(es)", node.describe(), len(matches), query.level.lower())
    return matches


def _uids(dataset: Dataset) -> tuple[str, str]:
    """A data set's study and series UIDs (``""`` where unreadable)."""
    try:
        return (str(dataset.get("StudyInstanceUID", "") or "").strip(),
                str(dataset.get("SeriesInstanceUID", "") or "").strip())
    except PEER_DATA_ERRORS:
        return "", ""


def retrieve(node: Node, study_uid: str, series_uid: str | None = None, *, store: LocalStore,
             local: LocalSettings | None = None, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None) -> RetrieveResult:
    """WADO-RS retrieve of a study (or one series) into ``store``, instance by instance as they stream in.

    Instances of another study or series in the answer are not written; they are
    counted in ``unrequested`` and logged.

    Raises
    ------
    DicomWebError, OperationTimeoutError
        The request failed, the connection dropped or the transfer time limit
        passed (the instances that arrived stay in the store).
    Cancelled
        ``cancel`` was set (likewise).
    """
    local = local or LocalSettings()
    result = RetrieveResult()
    path = f"studies/{quote(study_uid)}" + (f"/series/{quote(series_uid)}" if series_uid else "") + "/instances"
    what = "WADO-RS retrieve"

    def kept() -> str:
        return f"; the {len(result.instances)} instance(s) that arrived are kept" if result.instances else ""

    with _Operation(node, local, "transfer") as operation:
        total = 0
        try:
            with operation.errors("QIDO-RS search"):
                total = len(operation.qido(path, {}, ["SOPInstanceUID"], "QIDO-RS search", None))
        except AnswerLimitError:
            log.info("%s: the list of instances is too long to count; retrieving without a total",
                     node.describe())
        check_cancel(cancel)
        client = operation.client()
        if series_uid:
            stream = client.iter_series(study_uid, series_uid, media_types=ANY_TRANSFER_SYNTAX)
        else:
            stream = client.iter_study(study_uid, media_types=ANY_TRANSFER_SYNTAX)
        with contextlib.closing(stream):
            while True:
                with operation.errors(what, kept()):
                    dataset = next(stream, None)
                if dataset is None:
                    break
                study, series = _uids(dataset)
                if study != study_uid or (series_uid is not None and series != series_uid):
                    result.unrequested += 1  # not written
                    continue
                try:
                    result.instances.append(store.add_dataset(dataset))
                except MalformedInstanceError as e:
                    result.failed += 1
                    log.warning("%s from %s: an instance was not stored (%s)", what, node.describe(), e)
                report(progress, len(result.instances), max(total, len(result.instances)), "instances")
                check_cancel(cancel)
        operation.check_time(what, kept())
    result.completed = len(result.instances)
    if result.unrequested:
        log.warning("%s from %s: %d instance(s) of another study or series in the answer were not stored",
                    what, node.describe(), result.unrequested)
    log.info("WADO-RS from %s: %d instance(s), %d new", node.describe(), len(result.instances), result.added)
    audit.record("retrieve", **audit.retrieve_details("WADO-RS", node, study_uid, series_uid, result))
    return result


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _failed_instances(response: Dataset | None) -> dict[str, int]:
    """SOP Instance UID -> failure reason, from a STOW-RS response's FailedSOPSequence."""
    if response is None:
        return {}
    failed = {}
    for item in response.get("FailedSOPSequence") or []:
        try:
            failed[str(item.get("ReferencedSOPInstanceUID", ""))] = int(item.get("FailureReason", 0) or 0)
        except PEER_DATA_ERRORS:
            failed[str(item.get("ReferencedSOPInstanceUID", ""))] = 0
    return failed


def store_files(node: Node, paths: str | Iterable[str], local: LocalSettings | None = None, *,
                progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> SendResult:
    """STOW-RS the DICOM files under ``paths`` to ``node``, a few instances per request.

    Returns
    -------
    SendResult
        Instances stored, and ``(file, reason)`` for each refused one.

    Raises
    ------
    DicomWebError, OperationTimeoutError, Cancelled
        A request failed as a whole, the transfer time limit passed, or ``cancel``
        was set (earlier requests stay stored).
    """
    local = local or LocalSettings()
    records, _ = find_instances([paths] if isinstance(paths, str) else paths, cancel=cancel)
    if not records:
        raise PacsError("no DICOM instances to send")
    result = SendResult()
    done = 0
    with _Operation(node, local, "transfer") as operation:
        client = operation.client()
        for batch in _batches(records, STOW_BATCH):
            check_cancel(cancel)
            datasets, sources = [], {}
            for record in batch:
                with record.source.open() as fp:
                    dataset = dcmread(fp)
                if not dataset.get("SOPClassUID") or not dataset.get("SOPInstanceUID"):
                    result.failed.append((str(record.source), "cannot send: the data set has no SOP Class UID "
                                                              "or no SOP Instance UID"))
                    continue
                datasets.append(dataset)
                sources[str(dataset.SOPInstanceUID)] = str(record.source)
            if datasets:
                stored = f"; {result.sent} instance(s) were stored"
                with operation.errors("STOW-RS store", stored):
                    failed = _failed_instances(client.store_instances(datasets))
                operation.check_time("STOW-RS store", stored)
                for uid, source in sources.items():
                    if uid in failed:
                        result.failed.append((source, f"refused (failure reason 0x{failed[uid]:04X})"))
                    else:
                        result.sent += 1
            done += len(batch)
            report(progress, done, len(records), "sending")
    log.info("STOW-RS to %s: %d stored, %d failed", node.describe(), result.sent, len(result.failed))
    audit.record("send", **audit.send_details("STOW-RS", node, records, result))
    return result

"""DICOMweb with dicomweb-client: QIDO-RS search, WADO-RS retrieve into the store, STOW-RS store.

Nodes may carry HTTP basic-auth credentials (see :mod:`viewer.pacs.nodes`);
they travel in the session, never in a URL, and are never logged. Search
results are the same :class:`~viewer.pacs.query.StudyMatch` /
:class:`~viewer.pacs.query.SeriesMatch` records as C-FIND's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import TypeVar
from urllib.parse import quote

from pydicom import dcmread
from pydicom.dataset import Dataset

from viewer.core import audit
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.pacs.dimse import RetrieveResult, SendResult
from viewer.pacs.errors import DicomWebError, MalformedInstanceError, PacsError
from viewer.pacs.logs import quiet_logs
from viewer.pacs.nodes import LocalSettings, Node
from viewer.pacs.query import FindQuery, Match, match_from_dataset
from viewer.pacs.store import LocalStore, find_instances

log = logging.getLogger(__name__)

#: Instances per STOW-RS request (progress and cancel act between requests).
STOW_BATCH = 16
#: Ask WADO-RS for instances as they are stored, so the server need not transcode.
ANY_TRANSFER_SYNTAX = (("application/dicom", "*"),)

T = TypeVar("T")


def _session(node: Node):
    """A requests session carrying ``node``'s credentials and CA bundle."""
    import requests

    quiet_logs()
    if not node.has_dicomweb:
        raise DicomWebError(f"{node.describe()} has no DICOMweb URL")
    session = requests.Session()
    if node.username:
        session.auth = (node.username, node.password)
    if node.tls_ca_file:
        session.verify = node.tls_ca_file
    return session


def _timeout(local: LocalSettings) -> tuple[float, float]:
    return local.timeouts.association, local.timeouts.network


def _client(node: Node, local: LocalSettings):
    """A dicomweb-client for ``node``, with its credentials in the session."""
    from dicomweb_client.api import DICOMwebClient

    client = DICOMwebClient(url=node.dicomweb_url, session=_session(node), timeout=_timeout(local))
    # Its retries (5 attempts, exponential back-off) also retry a timed-out request: a hung
    # server would hold the user for about 20 times the timeout instead of once.
    client.set_http_retry_params(retry=False)
    return client


def _qido(node: Node, local: LocalSettings, path: str, filters: dict[str, str],
          fields: Iterable[str]) -> list[dict]:
    """One QIDO-RS request; the DICOM JSON results.

    The query string is built here rather than by dicomweb-client, which
    percent-encodes the wildcards ``*`` and ``?``: Orthanc's DICOMweb plugin
    (Debian 12, Orthanc 1.10.1) does not decode query values, so ``Smith%2A``
    matched nothing there. Wildcards are legal in a URL query and go as they are.
    """
    pairs = [*filters.items(), *(("includefield", name) for name in fields)]
    query = "&".join(f"{quote(key, safe='')}={quote(value, safe='*?')}" for key, value in pairs)
    url = f"{node.dicomweb_url}/{path}" + (f"?{query}" if query else "")
    response = _session(node).get(url, headers={"Accept": "application/dicom+json"}, timeout=_timeout(local))
    response.raise_for_status()
    if response.status_code == 204 or not response.content.strip():
        return []
    return response.json()


def _explain(node: Node, what: str, error: Exception, local: LocalSettings) -> DicomWebError:
    """A one-line error for a failed DICOMweb request (never with credentials or query strings)."""
    import requests

    response = getattr(error, "response", None)
    if isinstance(error, requests.HTTPError) and response is not None:
        code = response.status_code
        if code in (401, 403):
            who = "the credentials" if node.username else "the request without credentials"
            return DicomWebError(f"{node.describe()} refused {who} for {what} (HTTP {code})")
        if code == 404:
            return DicomWebError(f"{node.describe()}: {what} found nothing at that URL (HTTP 404)")
        reason = f" {response.reason}" if response.reason else ""
        return DicomWebError(f"{node.describe()} answered {what} with HTTP {code}{reason}")
    connect, read = _timeout(local)
    if isinstance(error, requests.ConnectTimeout):
        return DicomWebError(f"no connection to {node.describe()} for {what} within {connect:g} s "
                             "(connect timeout)")
    if isinstance(error, requests.Timeout):
        return DicomWebError(f"{node.describe()} did not answer {what} within {read:g} s (response timeout)")
    if isinstance(error, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return DicomWebError(f"cannot reach {node.describe()} for {what} (connection refused or dropped)")
    return DicomWebError(f"{what} on {node.describe()} failed: {type(error).__name__}")


@contextlib.contextmanager
def _requests_errors(node: Node, what: str, local: LocalSettings) -> Iterator[None]:
    import requests

    try:
        yield
    except (requests.RequestException, ValueError) as e:
        if isinstance(e, ValueError) and not isinstance(e, requests.RequestException):
            raise DicomWebError(f"{node.describe()} sent an unreadable answer to {what}") from e
        raise _explain(node, what, e, local) from e


def search(node: Node, query: FindQuery, local: LocalSettings | None = None, *,
           progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[Match]:
    """QIDO-RS search for studies, or for the series of one study.

    Returns
    -------
    list of StudyMatch or SeriesMatch

    Raises
    ------
    DicomWebError, Cancelled
    """
    local = local or LocalSettings()
    filters, fields = query.to_qido()
    check_cancel(cancel)
    path = "studies" if query.level == "STUDY" else f"studies/{quote(query.study_uid)}/series"
    with _requests_errors(node, "QIDO-RS search", local):
        results = _qido(node, local, path, filters, fields)
    check_cancel(cancel)
    matches = [match_from_dataset(Dataset.from_json(item), query.level) for item in results]
    report(progress, len(matches), len(matches), "matches")
    log.info("QIDO-RS on %s: %d %s match(es)", node.describe(), len(matches), query.level.lower())
    return matches


def retrieve(node: Node, study_uid: str, series_uid: str | None = None, *, store: LocalStore,
             local: LocalSettings | None = None, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None) -> RetrieveResult:
    """WADO-RS retrieve of a study (or one series) into ``store``, instance by instance as they stream in.

    Raises
    ------
    DicomWebError
        The request failed or the connection dropped (the instances that arrived stay in the store).
    Cancelled
        ``cancel`` was set (likewise).
    """
    local = local or LocalSettings()
    client = _client(node, local)
    result = RetrieveResult()
    path = f"studies/{quote(study_uid)}" + (f"/series/{quote(series_uid)}" if series_uid else "") + "/instances"
    with _requests_errors(node, "QIDO-RS search", local):
        total = len(_qido(node, local, path, {}, ["SOPInstanceUID"]))
    check_cancel(cancel)
    if series_uid:
        stream = client.iter_series(study_uid, series_uid, media_types=ANY_TRANSFER_SYNTAX)
    else:
        stream = client.iter_study(study_uid, media_types=ANY_TRANSFER_SYNTAX)
    what = "WADO-RS retrieve"
    try:
        with _requests_errors(node, what, local), contextlib.closing(stream):
            for dataset in stream:
                try:
                    result.instances.append(store.add_dataset(dataset))
                except MalformedInstanceError as e:
                    result.failed += 1
                    log.warning("%s from %s: an instance was not stored (%s)", what, node.describe(), e)
                report(progress, len(result.instances), max(total, len(result.instances)), "instances")
                check_cancel(cancel)
    except DicomWebError as e:
        if result.instances:
            raise DicomWebError(f"{e}; the {len(result.instances)} instance(s) that arrived are kept") from e
        raise
    result.completed = len(result.instances)
    log.info("WADO-RS from %s: %d instance(s), %d new", node.describe(), len(result.instances), result.added)
    audit.record("retrieve", **audit.retrieve_details("WADO-RS", node, study_uid, series_uid, result))
    return result


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _failed_instances(response: Dataset | None) -> list[tuple[str, int]]:
    """``(SOP Instance UID, failure reason)`` from a STOW-RS response's FailedSOPSequence."""
    if response is None:
        return []
    return [(str(item.get("ReferencedSOPInstanceUID", "")), int(item.get("FailureReason", 0) or 0))
            for item in response.get("FailedSOPSequence") or []]


def store_files(node: Node, paths: str | Iterable[str], local: LocalSettings | None = None, *,
                progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> SendResult:
    """STOW-RS the DICOM files under ``paths`` to ``node``, a few instances per request.

    Returns
    -------
    SendResult
        Instances stored, and ``(file, reason)`` for each refused one.

    Raises
    ------
    DicomWebError, Cancelled
        A request failed as a whole, or ``cancel`` was set (earlier requests stay stored).
    """
    local = local or LocalSettings()
    client = _client(node, local)
    records, _ = find_instances([paths] if isinstance(paths, str) else paths, cancel=cancel)
    if not records:
        raise PacsError("no DICOM instances to send")
    result = SendResult()
    done = 0
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
            with _requests_errors(node, "STOW-RS store", local):
                response = client.store_instances(datasets)
            failed = dict(_failed_instances(response))
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

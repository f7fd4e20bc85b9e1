"""The series a batch runs on: from paths, from the local study store, or from a PACS. No Qt.

Each series found becomes a :class:`FoundSeries`: its :class:`~ai.batch.database.SeriesEntry` (UIDs,
date, modality, description and where it came from, ``path:<what was given>``, ``store:<study UID>``
or ``pacs:<node>``; never the patient's name or ID) and the files it is read from. Files that are
not images are listed with the scan's reason in :attr:`BatchInputs.unreadable`; the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ai.batch.database import SeriesEntry
from viewer.core.errors import OutpostError

if TYPE_CHECKING:
    from viewer.core.dicom.scan import ScanResult, Series
    from viewer.core.tasks import CancelToken, ProgressCallback
    from viewer.pacs.nodes import LocalSettings, Node
    from viewer.pacs.query import FindQuery, SeriesMatch, StudyMatch
    from viewer.pacs.store import LocalStore

#: The keys ``--query`` takes (``KEY=VALUE``) and the :class:`~viewer.pacs.query.FindQuery` field each sets.
QUERY_KEYS = {"date": "date", "modality": "modality", "accession": "accession_number",
              "patient-id": "patient_id", "study": "study_uid"}


@dataclass
class FoundSeries:
    """A series for the batch and the files it is read from.

    Attributes
    ----------
    entry
        What the database records of it.
    paths
        Its files (a zip holding them is named once); empty for a series left on a PACS.
    dicomweb_node
        For a series left on a PACS (:func:`from_dicomweb`): the name of the configured node each
        worker fetches it from by WADO-RS.
    """

    entry: SeriesEntry
    paths: tuple[str, ...]
    dicomweb_node: str = ""


@dataclass
class BatchInputs:
    """What the inputs held.

    Attributes
    ----------
    series
        The image series, in the order found.
    unreadable
        ``(file, reason)`` for each file that is not an image the viewer reads (damaged, not DICOM,
        a structured report, ...).
    """

    series: list[FoundSeries] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: BatchInputs) -> None:
        """Add ``other``'s series (those not found already) and unreadable files."""
        known = {found.entry.series_uid for found in self.series}
        self.series.extend(found for found in other.series if found.entry.series_uid not in known)
        self.unreadable.extend(other.unreadable)


def series_uid_of(series: Series) -> str:
    """The UID the batch names ``series`` by: its SeriesInstanceUID, or its scan key where the files carry none."""
    return series.series_uid or f"key-{series.key}"


def from_scan(found: ScanResult, source: Callable[[Series], str]) -> BatchInputs:
    """The series and unreadable files of a scan; ``source(series)`` says where each came from."""
    inputs = BatchInputs()
    for series in found.series:
        study = series.study
        attributes: dict[str, Any] = study.attributes if study is not None else {}
        paths = tuple(dict.fromkeys(ref.instance.source.path for ref in series.frames))
        entry = SeriesEntry(series_uid=series_uid_of(series), study_uid=study.uid if study is not None else "",
                            study_date=str(attributes.get("study_date") or ""), modality=series.modality,
                            description=series.description, source=source(series))
        inputs.extend(BatchInputs([FoundSeries(entry, paths)]))
    inputs.unreadable.extend((skipped.path, skipped.reason) for skipped in found.skipped)
    return inputs


def from_paths(paths: Sequence[str]) -> BatchInputs:
    """The series under ``paths`` (folders, files, zips, DICOMDIRs).

    Each has source ``path:<the path given, made absolute>``.
    """
    from viewer.cli.terminal import scan_paths

    inputs = BatchInputs()
    for path in paths:
        if not Path(path).exists():
            raise OutpostError(f"{path} does not exist")
        given = str(Path(path).absolute())  # opened later from the worklist, whatever its working folder
        inputs.extend(from_scan(scan_paths([path]), _constant_source(f"path:{given}")))
    return inputs


def _constant_source(text: str) -> Callable[[Series], str]:
    """A ``source(series)`` that names the same place for every series."""
    return lambda _series: text


def from_store(store: LocalStore, study_uids: Sequence[str] | None = None,
               source: str | None = None) -> BatchInputs:
    """The series of the local study store (:class:`~viewer.pacs.store.LocalStore`): every study, or some.

    The studies are ``study_uids`` when given.

    Each has source ``store:<study UID>`` (or ``source`` when given: ``pacs:<node>`` for what was
    retrieved from a PACS).
    """
    from viewer.cli.terminal import scan_paths

    inputs = BatchInputs()
    uids = list(study_uids) if study_uids is not None else [study.study_uid for study in store.studies()]
    for study_uid in uids:
        files = [str(path) for path in store.files(study_uid)]
        if files:
            inputs.extend(from_scan(scan_paths(files), _constant_source(source or f"store:{study_uid}")))
    return inputs


def parse_query(items: Sequence[str]) -> FindQuery:
    """A study-level :class:`~viewer.pacs.query.FindQuery` from ``KEY=VALUE`` items (:data:`QUERY_KEYS`).

    Raises
    ------
    OutpostError
        An item that is not ``KEY=VALUE`` with a known key.
    """
    from viewer.pacs.query import FindQuery, parse_date_range

    fields_: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key.strip().lower() not in QUERY_KEYS:
            raise OutpostError(f"--query takes KEY=VALUE with KEY one of {', '.join(QUERY_KEYS)}, not {item!r}")
        key = key.strip().lower()
        if key == "date":
            fields_["date_from"], fields_["date_to"] = parse_date_range(value.strip())
        else:
            fields_[QUERY_KEYS[key]] = value.strip()
    return FindQuery(level="STUDY", **fields_)


def _node_and_local(node: str | Node, local: LocalSettings | None) -> tuple[Node, LocalSettings | None]:
    """The :class:`~viewer.pacs.nodes.Node` named ``node`` (or ``node`` itself) and the local settings."""
    from viewer.pacs.nodes import PacsSettings

    if isinstance(node, str) or local is None:
        settings = PacsSettings()
        node = settings.resolve(node) if isinstance(node, str) else node
        local = local if local is not None else settings.local
    return node, local


def from_dicomweb(node: str | Node, query_items: Sequence[str], local: LocalSettings | None = None) -> BatchInputs:
    """The series of the studies ``query_items`` find on a DICOMweb node, left on the PACS.

    QIDO-RS at study level, then the series of each study; nothing is retrieved here: each worker
    fetches its series by WADO-RS when it runs it (:func:`ai.batch.tasks.prepare_series`), from the
    node of the same name in its own settings, so that no password travels with a task. Each series
    has source ``pacs:<node>``.

    Parameters
    ----------
    node
        A configured node's name, or a :class:`~viewer.pacs.nodes.Node` that has a name.
    query_items
        ``KEY=VALUE`` items (:func:`parse_query`).
    local
        Outpost's timeouts (default: from the settings).

    Raises
    ------
    OutpostError
        The node is unknown, unnamed or has no DICOMweb URL, or the PACS refused or broke off a query.
    """
    from viewer.pacs.dicomweb import search
    from viewer.pacs.query import FindQuery

    query = parse_query(query_items)
    node, local = _node_and_local(node, local)
    if not node.name or not node.has_dicomweb:
        raise OutpostError(f"{node.describe()}: workers fetch series by DICOMweb from a configured node with a "
                           "DICOMweb URL (outpost pacs node add NAME --url URL on each worker)")
    inputs = BatchInputs()
    for study in cast("list[StudyMatch]", search(node, query, local)):  # a study-level search
        for series in cast("list[SeriesMatch]",
                           search(node, FindQuery(level="SERIES", study_uid=study.study_uid), local)):
            entry = SeriesEntry(series_uid=series.series_uid, study_uid=study.study_uid,
                                study_date=study.study_date, modality=series.modality,
                                description=series.series_description, source=f"pacs:{node.name}")
            inputs.series.append(FoundSeries(entry, (), dicomweb_node=node.name))
    return inputs


def from_pacs(node: str | Node, query_items: Sequence[str], store: LocalStore,
              progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
              local: LocalSettings | None = None) -> BatchInputs:
    """The series of the studies ``query_items`` find on a PACS, retrieved into ``store`` first.

    C-FIND (QIDO-RS for a DICOMweb-only node) at study level, then C-GET (WADO-RS) of each study the
    store does not hold whole yet; each series has source ``pacs:<node>``.

    Parameters
    ----------
    node
        A configured node's name, ``AET@host:port``, or a :class:`~viewer.pacs.nodes.Node`.
    query_items
        ``KEY=VALUE`` items (:func:`parse_query`).
    store
        The local study store (:class:`~viewer.pacs.store.LocalStore`).
    progress, cancel
        For the retrievals.
    local
        Outpost's AE title and timeouts (default: from the settings).

    Raises
    ------
    OutpostError
        The node is unknown, or the PACS refused or broke off the query or a retrieval.
    """
    query = parse_query(query_items)
    node, local = _node_and_local(node, local)
    if node.has_dicomweb and not node.has_dimse:
        from viewer.pacs.dicomweb import retrieve, search

        matches = search(node, query, local)
    else:
        from viewer.pacs.dimse import find
        from viewer.pacs.dimse import get as retrieve

        matches = find(node, query, local)
    studies = []
    for match in matches:
        count = getattr(match, "instance_count", None)
        have = len(store.files(match.study_uid))
        if not have or count is None or have < count:
            retrieve(node, match.study_uid, None, store=store, local=local, progress=progress, cancel=cancel)
        studies.append(match.study_uid)
    return from_store(store, studies, source=f"pacs:{node.name or node.describe()}")

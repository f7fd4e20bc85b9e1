"""The patient's other studies, and the series of the most recent earlier one to compare with.

Where they are looked for: the folders opened in this session (the scan), the local study
store, and a PACS node (:class:`PacsSource`): a C-FIND by Patient ID at study level, then at
series level for the studies that could hold the prior. A patient is matched on Patient ID only
(names are spelled many ways, and an empty ID matches nothing); a PACS answer for any other
Patient ID than the one asked is dropped. The prior is the most recent study dated before the
current one; its series is the one that matches best (:func:`match_score`, one scoring for
scanned series and C-FIND answers): the same modality first, then the same body part, the same
acquisition plane, and the closest description. A prior found only on the PACS is retrieved
into the local store first (:func:`retrieve_series`).

What a PACS sends is read as untrusted: a date that is not a calendar date counts as none, a UID
that is not a UID is dropped, texts are cut short, and the answers are bounded by the node's
limits and timeouts. When the PACS cannot be searched (down, refusing, silent, flooding), the
opened and stored studies are still used and the reason is kept as one line
(:attr:`PatientStudies.problems`).
"""

from __future__ import annotations

import datetime
import difflib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from viewer.core.dicom.scan import ScanResult, Series, scan
from viewer.core.errors import Cancelled, OutpostError
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel
from viewer.core.text import one_line
from viewer.model.series_facts import SeriesFacts, clean_text, facts_of
from viewer.pacs.errors import PEER_DATA_ERRORS, PacsError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from viewer.pacs.nodes import LocalSettings, Node
    from viewer.pacs.query import StudyMatch
    from viewer.pacs.receiver import Receiver
    from viewer.pacs.store import LocalStore

log = logging.getLogger(__name__)

#: Where a study was found.
OPENED, STORE, PACS = "opened", "store", "pacs"
#: How a series is retrieved from a PACS: C-GET, C-MOVE to Outpost's receiver, or WADO-RS.
RETRIEVE_METHODS = ("get", "move", "wado")
#: PACS studies whose series are asked for (a C-FIND each) while looking for the prior.
MAX_SERIES_LOOKUPS = 5
#: Modalities kept of a study-level answer (ModalitiesInStudy).
MAX_MODALITIES = 16
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_MODALITY = re.compile(r"^[A-Z0-9_]{1,16}$")


# --------------------------------------------------------------------------- what a series is
def _uid(value: object) -> str:
    """``value`` if it is a DICOM UID (digits and dots, at most 64 characters), else ``""``."""
    text = str(value or "").strip()
    return text if len(text) <= 64 and _UID.match(text) else ""


def study_date(value: object) -> str:
    """``value`` as a calendar date ``YYYYMMDD``, or ``""``.

    ``YYYY.MM.DD`` (ACR-NEMA) is read too; a range, a time, a number of 10,000 digits or
    ``20251399`` count as no date.

    Examples
    --------
    >>> study_date("2025.01.31"), study_date("20251399"), study_date("99999999999")
    ('20250131', '', '')
    """
    text = str(value or "").strip()
    if len(text) == 10 and text[4] in ".-" and text[7] == text[4]:
        text = text[:4] + text[5:7] + text[8:]
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return ""
    try:
        datetime.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return ""
    return text


@dataclass(frozen=True)
class RemoteSeries:
    """A series on the PACS as its series-level C-FIND answer describes it; loadable once retrieved.

    Attributes
    ----------
    study_uid, series_uid
        Valid UIDs (answers without them are dropped).
    facts
        Modality, body part and description as far as the node answered.
    number, instance_count
        As the node answered (``None``: not said).
    """

    study_uid: str
    series_uid: str
    facts: SeriesFacts
    number: int | None = None
    instance_count: int | None = None

    @property
    def modality(self) -> str:
        """The series' modality."""
        return self.facts.modality

    @property
    def description(self) -> str:
        """The series' description."""
        return self.facts.description


def match_score(current: Series | RemoteSeries | SeriesFacts,
                candidate: Series | RemoteSeries | SeriesFacts) -> float:
    """How well ``candidate`` matches ``current`` for a side-by-side reading (higher is better; 0: no match).

    The same modality is required; the same body part counts 2, the same acquisition plane 1
    (only where both are known), and the description's likeness up to 1. Scanned series and
    a PACS's answers are scored alike, through their :class:`SeriesFacts`.
    """
    now, other = facts_of(current), facts_of(candidate)
    if not other.modality or other.modality != now.modality:
        return 0.0
    score = 1.0
    if now.body_part and now.body_part == other.body_part:
        score += 2.0
    if now.plane and now.plane == other.plane:
        score += 1.0
    score += difflib.SequenceMatcher(None, now.description.lower(), other.description.lower()).ratio()
    return score


# --------------------------------------------------------------------------- studies
@dataclass
class OtherStudy:
    """A study of the same patient.

    Attributes
    ----------
    study_uid, study_date, description
        As the study's headers (or the PACS) give them; the date as ``YYYYMMDD``, or ``""``
        when there is none or it is not a calendar date.
    where
        :data:`OPENED` (in the folders opened), :data:`STORE` (in the local study store) or
        :data:`PACS` (only on the PACS node searched).
    series
        Its series, as the scan gives them (loadable); empty for a PACS study.
    remote_series
        A PACS study's series as its C-FIND answered (``None``: not asked yet; see :func:`pacs_series`).
    listed_modalities
        The modalities a PACS listed for the study (ModalitiesInStudy).
    """

    study_uid: str
    study_date: str
    description: str
    where: str
    series: list[Series] = field(default_factory=list)
    remote_series: list[RemoteSeries] | None = None
    listed_modalities: list[str] = field(default_factory=list)

    @property
    def modalities(self) -> list[str]:
        """The modalities of its series (and those a PACS listed), sorted."""
        found = {s.modality for s in self.series if s.modality}
        found |= {s.modality for s in self.remote_series or [] if s.modality}
        return sorted(found | set(self.listed_modalities))

    @property
    def candidates(self) -> list[Series | RemoteSeries]:
        """Its series, scanned or as the PACS described them."""
        return [*self.series, *(self.remote_series or [])]


@dataclass
class PatientStudies:
    """The current patient's other studies from every source searched, newest first.

    Attributes
    ----------
    studies
        Each study once: one opened is listed as opened, one stored as stored, the rest as on the PACS.
    problems
        One line for each source that could not be searched (the PACS is down, the store is busy,
        ...): the others were still used.
    pacs_searched
        Whether a PACS was searched (and answered).
    prior
        The prior and its series, where :func:`find_prior` found one.
    """

    studies: list[OtherStudy] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pacs_searched: bool = False
    prior: tuple[OtherStudy, Series | RemoteSeries] | None = None


@dataclass
class PacsSource:
    """A PACS node to look for the patient's studies on, and how to retrieve from it.

    Attributes
    ----------
    node
        The configured node: searched by C-FIND where it has a DICOM address, else by QIDO-RS.
    local
        Outpost's AE title, receiver address and timeouts (the defaults when ``None``).
    method
        ``"get"`` (C-GET), ``"move"`` (C-MOVE to Outpost's receiver) or ``"wado"`` (WADO-RS).
    receiver
        A running receiver for C-MOVE (else a temporary one listens on the local settings' port).
    """

    node: Node
    local: LocalSettings | None = None
    method: str = "get"
    receiver: Receiver | None = None

    def __post_init__(self) -> None:
        if self.method not in RETRIEVE_METHODS:
            raise PacsError(f"unknown retrieve method {self.method!r} (one of {', '.join(RETRIEVE_METHODS)})")


def _patient_of(series: Series) -> tuple[str, str, str]:
    study = series.study
    attributes = study.attributes if study is not None else series.first.study
    return (str(attributes.get("patient_id", "") or "").strip(), str(study.uid if study is not None else ""),
            study_date(attributes.get("study_date", "")))


def _newest_first(studies: list[OtherStudy]) -> list[OtherStudy]:
    """By date, newest first; on one date the local copies before the PACS's."""
    return sorted(studies, key=lambda s: (s.study_date, s.where != PACS), reverse=True)


def other_studies(current: Series, scanned: ScanResult | None, store: LocalStore | None = None,
                  progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> list[OtherStudy]:
    """The current patient's other studies, newest first, from the scan and the local store.

    Parameters
    ----------
    current
        The series on screen.
    scanned
        The scan of the folders opened (``None``: none).
    store
        A :class:`viewer.pacs.store.LocalStore` (``None``: not searched).

    Returns
    -------
    list of OtherStudy
        Each study once (a study both opened and stored is listed as opened).
    """
    patient_id, current_uid, _date = _patient_of(current)
    if not patient_id:
        return []
    found: dict[str, OtherStudy] = {}
    for patient in scanned.patients if scanned is not None else []:
        if patient.patient_id != patient_id:
            continue
        for study in patient.studies:
            if study.uid and study.uid != current_uid and study.uid not in found:
                found[study.uid] = OtherStudy(study.uid, study_date(study.attributes.get("study_date", "")),
                                              clean_text(study.attributes.get("study_description", "")),
                                              OPENED, list(study.series))
    if store is not None:
        wanted = [s for s in store.studies() if s.patient_id == patient_id and s.study_uid != current_uid
                  and s.study_uid not in found]
        for number, summary in enumerate(wanted):
            check_cancel(cancel)
            files = store.files(summary.study_uid)
            series = scan(files, cancel=cancel).series if files else []
            found[summary.study_uid] = OtherStudy(summary.study_uid, study_date(summary.study_date),
                                                  clean_text(summary.description), STORE, list(series))
            if progress is not None:
                progress(number + 1, len(wanted), "studies in the store")
    return _newest_first(list(found.values()))


# --------------------------------------------------------------------------- the PACS
def _peer_text(ds: Dataset, keyword: str) -> str:
    """A peer's value of ``keyword`` as short text; ``""`` when missing or unreadable."""
    try:
        return clean_text(ds.get(keyword, ""))
    except PEER_DATA_ERRORS:
        return ""


def pacs_studies(current: Series, source: PacsSource, *, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> list[OtherStudy]:
    """The current patient's other studies on the PACS: a study-level search on the Patient ID.

    Answers for another Patient ID than the one asked, character for character (a wildcard
    in the ID, a PACS that ignores the key; an answer without one too), for the current
    study, or without a valid Study Instance UID are dropped; a study answered twice is
    listed once. Their series are not known yet (:func:`pacs_series`).

    Raises
    ------
    PacsError
        The node could not be searched (one line: down, refusing, silent, too many answers).
    Cancelled
        ``cancel`` was set.
    """
    from viewer.pacs.query import FindQuery

    patient_id, current_uid, _date = _patient_of(current)
    if not patient_id:
        return []
    query = FindQuery(level="STUDY", patient_id=patient_id)
    if source.node.has_dimse:
        from viewer.pacs.dimse import find
    else:
        from viewer.pacs.dicomweb import search as find
    # A STUDY-level query is answered with study matches.
    matches = cast("list[StudyMatch]", find(source.node, query, source.local, progress=progress, cancel=cancel))
    found: dict[str, OtherStudy] = {}
    dropped = 0
    for match in matches:
        uid = _uid(match.study_uid)
        if not uid or match.patient_id != patient_id:
            dropped += 1
            continue
        if uid == current_uid or uid in found:
            continue
        modalities = sorted({m for m in (clean_text(m).upper() for m in match.modalities[:MAX_MODALITIES])
                             if _MODALITY.match(m)})
        found[uid] = OtherStudy(uid, study_date(match.study_date), clean_text(match.study_description), PACS,
                                listed_modalities=modalities)
    if dropped:  # counts only: never the IDs
        log.warning("%s answered %d study match(es) of another patient or without a study UID: left out",
                    source.node.describe(), dropped)
    return _newest_first(list(found.values()))


def pacs_series(study: OtherStudy, source: PacsSource, *, cancel: CancelToken | None = None) -> list[RemoteSeries]:
    """The series of a PACS study, by a series-level search; kept in ``study.remote_series`` too.

    A C-FIND asks for the modality, description, number, instance count and body part (as
    far as the node answers). Answers of another study, or without a valid Series Instance
    UID, are dropped; a series answered twice is listed once.

    Raises
    ------
    PacsError
        The node could not be searched.
    Cancelled
        ``cancel`` was set.
    """
    from viewer.pacs.query import FindQuery, SeriesMatch

    query = FindQuery(level="SERIES", study_uid=study.study_uid)
    answers: list[tuple[SeriesMatch, str]] = []
    if source.node.has_dimse:
        from viewer.pacs.dimse import find_identifiers

        identifier = query.to_identifier()
        identifier.BodyPartExamined = ""
        for ds in find_identifiers(source.node, identifier, source.local, cancel=cancel):
            answers.append((SeriesMatch.from_dataset(ds), _peer_text(ds, "BodyPartExamined")))
    else:
        from viewer.pacs.dicomweb import search

        # A SERIES-level query is answered with series matches.
        answers = [(match, "") for match in cast("list[SeriesMatch]",
                                                  search(source.node, query, source.local, cancel=cancel))]
    found: dict[str, RemoteSeries] = {}
    for match, body_part in answers:
        uid = _uid(match.series_uid)
        if not uid or _uid(match.study_uid) != study.study_uid or uid in found:
            continue
        found[uid] = RemoteSeries(study.study_uid, uid, SeriesFacts.make(match.modality, body_part,
                                                                         match.series_description),
                                  match.series_number, match.instance_count)
    study.remote_series = list(found.values())
    return study.remote_series


def _problem(what: str, error: BaseException) -> str:
    return one_line(f"{what}: {error}")


def patient_studies(current: Series, scanned: ScanResult | None, store: LocalStore | None = None,
                    pacs: PacsSource | None = None, progress: ProgressCallback | None = None,
                    cancel: CancelToken | None = None) -> PatientStudies:
    """Every other study of the current patient: opened, in the store and on the PACS, newest first.

    A source that fails is left out with one line in :attr:`PatientStudies.problems`;
    the others are still listed.

    Parameters
    ----------
    current
        The series on screen (its Patient ID is searched for).
    scanned, store
        As for :func:`other_studies`.
    pacs
        The PACS node to search too (``None``: none).
    progress, cancel
        Progress of the store's scans and the PACS's answers; cancelling stops the search.

    Raises
    ------
    Cancelled
        ``cancel`` was set.
    """
    problems: list[str] = []
    try:
        studies = other_studies(current, scanned, store, progress, cancel)
    except Cancelled:
        raise
    except (OutpostError, OSError) as e:  # the store is busy or unreadable: the opened folders alone
        problems.append(_problem("The local study store was not searched", e))
        studies = other_studies(current, scanned)
    searched = False
    if pacs is not None:
        try:
            remote = pacs_studies(current, pacs, progress=progress, cancel=cancel)
        except Cancelled:
            raise
        except PacsError as e:
            problems.append(_problem("The PACS was not searched", e))
            log.warning("priors: %s", problems[-1])
        else:
            known = {s.study_uid for s in studies}
            studies += [s for s in remote if s.study_uid not in known]
            searched = True
    return PatientStudies(_newest_first(studies), problems, searched)


# --------------------------------------------------------------------------- the prior
def _size(series: Series | RemoteSeries) -> int:
    return len(series.frames) if isinstance(series, Series) else (series.instance_count or 0)


def best_series(current: Series, study: OtherStudy, *, matching: bool = True) -> Series | RemoteSeries | None:
    """The series of ``study`` that matches ``current`` best (:func:`match_score`, then the most images).

    With ``matching`` false, the largest series is taken when none matches (the reader chose
    the study); ``None`` when the study has no series (or, matching, none of the modality).
    """
    now = facts_of(current)
    scored = [(match_score(now, candidate), _size(candidate), candidate) for candidate in study.candidates]
    if matching:
        scored = [item for item in scored if item[0] > 0]
    if not scored:
        return None
    return max(scored, key=lambda item: (item[0], item[1]))[2]


def choose_prior(current: Series, studies: list[OtherStudy], *, pacs: PacsSource | None = None,
                 cancel: CancelToken | None = None,
                 problems: list[str] | None = None) -> tuple[OtherStudy, Series | RemoteSeries] | None:
    """The most recent study dated before the current one, and its series matching ``current`` best.

    Studies without a date, or with no series of the current modality, are passed over. The
    series of a PACS study are asked for (:func:`pacs_series`) when it is next in line, for at
    most :data:`MAX_SERIES_LOOKUPS` studies and only while the node answers; a failure goes
    into ``problems`` as one line and the search goes on with the other studies.

    Returns
    -------
    tuple of OtherStudy and Series or RemoteSeries, or None
        ``None`` when no earlier study has a matching series.
    """
    _patient, _uid_now, date = _patient_of(current)
    earlier = [s for s in studies if s.study_date and (not date or s.study_date < date)]
    lookups = 0
    for study in _newest_first(earlier):
        if study.where == PACS and study.remote_series is None:
            if pacs is None or lookups >= MAX_SERIES_LOOKUPS:
                continue
            lookups += 1
            try:
                pacs_series(study, pacs, cancel=cancel)
            except Cancelled:
                raise
            except PacsError as e:
                lookups = MAX_SERIES_LOOKUPS  # a node that failed once is not asked again
                if problems is not None:
                    problems.append(_problem("The PACS did not list a study's series", e))
                log.warning("priors: a series search failed: %s", e)
                continue
        series = best_series(current, study)
        if series is not None:
            return study, series
    return None


def find_prior(current: Series, scanned: ScanResult | None, store: LocalStore | None = None,
               pacs: PacsSource | None = None, progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None) -> PatientStudies:
    """The patient's other studies (:func:`patient_studies`) and the prior among them (:func:`choose_prior`).

    Returns
    -------
    PatientStudies
        With :attr:`~PatientStudies.prior` set where one was found; a prior only on the PACS
        is not retrieved yet (:func:`loadable_series`).
    """
    found = patient_studies(current, scanned, store, pacs, progress, cancel)
    found.prior = choose_prior(current, found.studies, pacs=pacs, cancel=cancel, problems=found.problems)
    return found


def retrieve_series(current: Series, series: RemoteSeries, source: PacsSource, store: LocalStore, *,
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Series:
    """Retrieve a PACS series into ``store`` and return it scanned, ready to load.

    C-GET, C-MOVE or WADO-RS as ``source.method`` says; :mod:`viewer.pacs` stores only the
    study and series asked for. What arrived must be of the current patient: images with
    another Patient ID are not shown.

    Raises
    ------
    PacsError
        The retrieve failed (one line), nothing of the series arrived, or it is another patient's.
    Cancelled
        ``cancel`` was set (what arrived stays in the store).
    """
    node, local = source.node, source.local
    if source.method == "wado":
        from viewer.pacs.dicomweb import retrieve

        result = retrieve(node, series.study_uid, series.series_uid, store=store, local=local,
                          progress=progress, cancel=cancel)
    elif source.method == "move":
        from viewer.pacs.dimse import move

        result = move(node, series.study_uid, series.series_uid, store=store, receiver=source.receiver,
                      local=local, progress=progress, cancel=cancel)
    else:
        from viewer.pacs.dimse import get

        result = get(node, series.study_uid, series.series_uid, store=store, local=local, progress=progress,
                     cancel=cancel)
    paths = sorted({str(i.path) for i in result.instances if not i.conflict and i.study_uid == series.study_uid
                    and i.series_uid == series.series_uid})
    if not paths:
        raise PacsError(f"{node.describe()} sent no images of the series asked for")
    check_cancel(cancel)
    scanned = [s for s in scan(paths, cancel=cancel).series if s.series_uid == series.series_uid]
    if not scanned:
        raise PacsError(f"the images {node.describe()} sent for the series cannot be shown")
    patient_id = _patient_of(current)[0]
    if any(_patient_of(s)[0] != patient_id for s in scanned):
        raise PacsError(f"{node.describe()} sent images of another patient for the series asked for: not shown")
    return max(scanned, key=lambda s: (match_score(current, s), len(s.frames)))


def loadable_series(current: Series, study: OtherStudy, series: Series | RemoteSeries | None = None, *,
                    pacs: PacsSource | None = None, store: LocalStore | None = None,
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Series:
    """A series of ``study`` to show beside ``current``, retrieved first when it is only on the PACS.

    Parameters
    ----------
    current
        The series on screen.
    study
        The other study (say the one a reader chose from the list).
    series
        Which of its series; by default the best match (:func:`best_series`), or its
        largest series when none matches.
    pacs, store
        Where a PACS series comes from, and where it goes.

    Raises
    ------
    OutpostError
        The study has no series to show; :class:`PacsError` when the retrieve failed.
    Cancelled
        ``cancel`` was set.
    """
    if series is None:
        if study.where == PACS and study.remote_series is None:
            if pacs is None:
                raise PacsError("the study is on a PACS, and no PACS node is configured")
            pacs_series(study, pacs, cancel=cancel)
        series = best_series(current, study, matching=False)
        if series is None:
            raise OutpostError("the study has no image series to show")
    if isinstance(series, Series):
        return series
    if pacs is None or store is None:
        raise PacsError("the series is on a PACS: a node and a local study store are needed to retrieve it")
    return retrieve_series(current, series, pacs, store, progress=progress, cancel=cancel)

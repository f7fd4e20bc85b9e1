"""The patient's other studies, and the series of the most recent earlier one to compare with.

Where they are looked for: the folders opened in this session (the scan), and the local study
store. A patient is matched on Patient ID only (names are spelled many ways, and an empty ID
matches nothing). The prior is the most recent study dated before the current one; its series
is the one that matches best: the same modality first, then the same body part, the same
acquisition plane, and the closest description.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from viewer.core.dicom.scan import ScanResult, Series, scan
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel

#: Where a study was found.
OPENED, STORE = "opened", "store"


@dataclass
class OtherStudy:
    """A study of the same patient.

    Attributes
    ----------
    study_uid, study_date, description
        As the study's headers give them (the date as ``YYYYMMDD``, maybe empty).
    where
        :data:`OPENED` (in the folders opened) or :data:`STORE` (in the local study store).
    series
        Its series, as the scan gives them (loadable).
    """

    study_uid: str
    study_date: str
    description: str
    where: str
    series: list[Series] = field(default_factory=list)

    @property
    def modalities(self) -> list[str]:
        """The modalities of its series, sorted."""
        return sorted({s.modality for s in self.series if s.modality})


def _patient_of(series: Series) -> tuple[str, str, str]:
    study = series.study
    attributes = study.attributes if study is not None else series.first.study
    return (str(attributes.get("patient_id", "") or ""), str(study.uid if study is not None else ""),
            str(attributes.get("study_date", "") or ""))


def other_studies(current: Series, scanned: ScanResult | None, store=None,
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
                found[study.uid] = OtherStudy(study.uid, str(study.attributes.get("study_date", "") or ""),
                                              str(study.attributes.get("study_description", "") or ""),
                                              OPENED, list(study.series))
    if store is not None:
        wanted = [s for s in store.studies() if s.patient_id == patient_id and s.study_uid != current_uid
                  and s.study_uid not in found]
        for number, summary in enumerate(wanted):
            check_cancel(cancel)
            files = store.files(summary.study_uid)
            series = scan(files, cancel=cancel).series if files else []
            found[summary.study_uid] = OtherStudy(summary.study_uid, summary.study_date, summary.description,
                                                  STORE, list(series))
            if progress is not None:
                progress(number + 1, len(wanted), "studies in the store")
    return sorted(found.values(), key=lambda s: s.study_date, reverse=True)


def _plane(series: Series) -> str:
    """``axial``, ``coronal``, ``sagittal`` from the first image's orientation, or ``""``."""
    orientation = series.first.frames[0].orientation if series.first.frames else None
    if orientation is None:
        return ""
    normal = np.cross(np.asarray(orientation[:3]), np.asarray(orientation[3:]))
    return ("sagittal", "coronal", "axial")[int(np.argmax(np.abs(normal)))]


def match_score(current: Series, candidate: Series) -> float:
    """How well ``candidate`` matches ``current`` for a side-by-side reading (higher is better; 0: no match).

    The same modality is required; the same body part counts 2, the same acquisition plane 1,
    and the description's likeness up to 1.
    """
    if not candidate.modality or candidate.modality != current.modality:
        return 0.0
    score = 1.0
    part = str(current.first.series.get("body_part", "") or "").upper()
    if part and part == str(candidate.first.series.get("body_part", "") or "").upper():
        score += 2.0
    plane = _plane(current)
    if plane and plane == _plane(candidate):
        score += 1.0
    score += difflib.SequenceMatcher(None, current.description.lower(), candidate.description.lower()).ratio()
    return score


def choose_prior(current: Series, studies: list[OtherStudy]) -> tuple[OtherStudy, Series] | None:
    """The most recent study dated before the current one, and its series matching ``current`` best.

    Studies without a date, or with no series of the current modality, are passed over;
    ``None`` when no earlier study has a matching series.
    """
    _patient, _uid, date = _patient_of(current)
    earlier = [s for s in studies if s.study_date and (not date or s.study_date < date)]
    for study in sorted(earlier, key=lambda s: s.study_date, reverse=True):
        scored = [(match_score(current, series), series) for series in study.series]
        scored = [(score, series) for score, series in scored if score > 0]
        if scored:
            return study, max(scored, key=lambda pair: (pair[0], len(pair[1].frames)))[1]
    return None

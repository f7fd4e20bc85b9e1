"""The patient's other studies and the prior to compare with, from opened folders and the local store."""

from __future__ import annotations

import numpy as np
from pydicom.uid import generate_uid

from tests.dicom_factory import make_slice, write
from viewer.core.dicom import scan
from viewer.model.priors import OPENED, STORE, choose_prior, match_score, other_studies
from viewer.pacs.store import LocalStore

SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


def _study(folder, date, series, patient_id="PRI001"):
    """Write a study: ``series`` is a list of ``(modality, description, body part, orientation)``."""
    study_uid = generate_uid()
    for number, (modality, description, body_part, orientation) in enumerate(series, start=1):
        series_uid = generate_uid()
        for z in range(3):
            ds = make_slice(np.full((8, 8), 100 * number, dtype=np.int16), (0.0, 0.0, 2.0 * z), orientation,
                            study_uid=study_uid, series_uid=series_uid, instance_number=z + 1,
                            modality=modality, patient_id=patient_id, series_description=description,
                            series_number=number)
            ds.StudyDate, ds.BodyPartExamined = date, body_part
            write(ds, folder / f"s{number}" / f"{z}.dcm")
    return study_uid


def _series_of(scanned, study_uid, description):
    return next(s for s in scanned.series if s.study.uid == study_uid and s.description == description)


def test_the_prior_is_the_latest_earlier_study_and_its_best_matching_series(tmp_path):
    current = _study(tmp_path / "now", "20260301", [("CT", "CT CHEST 1.25", "CHEST", AXIAL),
                                                    ("CT", "CT ABDOMEN", "ABDOMEN", AXIAL)])
    prior = _study(tmp_path / "prior", "20250610", [("CT", "CT ABDOMEN PORTAL", "ABDOMEN", AXIAL),
                                                    ("CT", "CT CHEST 1.25mm", "CHEST", AXIAL),
                                                    ("CT", "CT CHEST SAG", "CHEST", SAGITTAL),
                                                    ("MR", "T1 CHEST", "CHEST", AXIAL)])
    older = _study(tmp_path / "older", "20240101", [("CT", "CT CHEST 1.25", "CHEST", AXIAL)])
    later = _study(tmp_path / "later", "20261001", [("CT", "CT CHEST 1.25", "CHEST", AXIAL)])
    _study(tmp_path / "someone else", "20251201", [("CT", "CT CHEST 1.25", "CHEST", AXIAL)], patient_id="OTHER")
    scanned = scan(tmp_path)
    chest = _series_of(scanned, current, "CT CHEST 1.25")
    studies = other_studies(chest, scanned)
    assert [s.study_uid for s in studies] == [later, prior, older]  # newest first, not the other patient
    assert all(s.where == OPENED for s in studies) and studies[1].modalities == ["CT", "MR"]
    study, series = choose_prior(chest, studies)
    assert study.study_uid == prior and series.description == "CT CHEST 1.25mm"
    assert match_score(chest, _series_of(scanned, prior, "T1 CHEST")) == 0  # another modality never matches
    abdomen = _series_of(scanned, current, "CT ABDOMEN")
    assert choose_prior(abdomen, studies)[1].description == "CT ABDOMEN PORTAL"
    # No earlier study, or no patient ID: nothing to compare with.
    assert choose_prior(_series_of(scanned, older, "CT CHEST 1.25"), studies) is None


def test_studies_in_the_local_store_are_found_too(tmp_path):
    current = _study(tmp_path / "now", "20260301", [("CT", "CT CHEST", "CHEST", AXIAL)])
    stored = _study(tmp_path / "elsewhere", "20250101", [("CT", "CT CHEST", "CHEST", AXIAL)])
    with LocalStore(tmp_path / "store") as store:
        store.import_paths(tmp_path / "elsewhere")
        scanned = scan(tmp_path / "now")
        chest = scanned.series[0]
        studies = other_studies(chest, scanned, store)
        assert [(s.study_uid, s.where) for s in studies] == [(stored, STORE)]
        study, series = choose_prior(chest, studies)
        assert study.study_uid == stored and len(series.frames) == 3
        assert all(str(tmp_path / "store") in str(f.instance.source.path) for f in series.frames)
    assert current != stored

"""Calibration for the site: ROC and AUC against scikit-learn, intervals, the threshold for a target
sensitivity, the labels file, the PNG, and the site threshold bound to the pack's checksum."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from ai.batch.calibration import (
    CURVE_COLOR,
    PNG_SIZE,
    Calibration,
    CalibrationError,
    auc,
    bootstrap,
    calibrate_batch,
    operating_threshold,
    read_labels,
    roc_curve,
    save_site_calibration,
    screening_verdict,
    site_threshold,
    target_threshold,
    wilson_interval,
)
from ai.batch.database import DONE, FAILED, BatchDatabase, SeriesEntry
from ai.packs.card import model_card
from ai.packs.pack import Pack
from viewer.core import audit

CHECKSUM = "c" * 64


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Each test has its own user data folder (site calibrations, audit)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(folder))
    return folder


def _batch(folder, scores: dict[str, float | None], threshold: float | None = 0.5, checksum: str = CHECKSUM):
    """A batch database with these series done (``None``: failed, no score)."""
    with BatchDatabase(folder) as db:
        db.bind_pack("cxr-tb", "1.0", checksum)
        if threshold is not None:
            db.set_meta(threshold=threshold)
        db.add(SeriesEntry(uid, "1.2.9", "20261201", "CR") for uid in scores)
        for uid, score in scores.items():
            if score is None:
                db.finish(uid, FAILED, reason="unreadable")
            else:
                db.finish(uid, DONE, score=score, scores={"tb": score, "normal": 1 - score})
    return folder


def _labelled_batch(tmp_path, n_pos=40, n_neg=60, seed=3):
    rng = np.random.default_rng(seed)
    pos, neg = rng.beta(5, 2, n_pos), rng.beta(2, 5, n_neg)
    scores = {f"1.2.3.{i}": float(s) for i, s in enumerate(np.r_[pos, neg])}
    labels = "series_uid,label\n" + "".join(f"1.2.3.{i},{1 if i < n_pos else 0}\n" for i in range(n_pos + n_neg))
    (tmp_path / "labels.csv").write_text(labels)
    return _batch(tmp_path / "batch", scores), tmp_path / "labels.csv", pos, neg


@pytest.mark.parametrize("ties", [False, True])
def test_roc_and_auc_agree_with_scikit_learn(ties):
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(10, 300))
        truth = rng.integers(0, 2, n)
        truth[:2] = [0, 1]
        scores = rng.random(n) + 0.4 * truth
        if ties:
            scores = np.round(scores, 1)  # many tied scores, across the classes
        fpr, tpr, thresholds = roc_curve(truth, scores)
        expected = sklearn_roc_curve(truth, scores, drop_intermediate=False)
        np.testing.assert_allclose(fpr, expected[0])
        np.testing.assert_allclose(tpr, expected[1])
        np.testing.assert_array_equal(thresholds, expected[2])
        assert auc(fpr, tpr) == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)
        for target in (0.5, 0.8, 0.9, 1.0):  # the highest threshold whose sensitivity reaches the target
            assert target_threshold(scores[truth == 1], target) == expected[2][np.argmax(expected[1] >= target)]


def test_bootstrap_contains_the_auc_is_seeded_and_fast():
    rng = np.random.default_rng(11)
    pos, neg = rng.normal(1.0, 1.0, 200), rng.normal(0.0, 1.0, 300)
    truth = np.r_[np.ones(200), np.zeros(300)]
    value = roc_auc_score(truth, np.r_[pos, neg])
    first = bootstrap(pos, neg, 0.9, resamples=2000, seed=5)
    assert first.auc[0] < value < first.auc[1] and first.auc[1] - first.auc[0] < 0.15
    assert bootstrap(pos, neg, 0.9, resamples=2000, seed=5) == first
    assert bootstrap(pos, neg, 0.9, resamples=2000, seed=6) != first
    chosen = target_threshold(pos, 0.9)
    assert first.threshold[0] <= chosen <= first.threshold[1]
    specificity = np.mean(neg < chosen)
    assert first.specificity[0] <= specificity <= first.specificity[1]


def test_bootstrap_auc_matches_a_loop_over_the_same_resamples():
    """The counted AUC of each resample is the AUC of the series it drew (ties included)."""
    rng = np.random.default_rng(2)
    pos, neg = np.round(rng.random(12) + 0.3, 1), np.round(rng.random(15), 1)
    intervals = bootstrap(pos, neg, 0.9, resamples=400, seed=9)
    draws = np.random.default_rng(9)  # the same draws: the positives' of every resample, then the negatives'
    drawn_pos, drawn_neg = draws.integers(0, 12, (400, 12)), draws.integers(0, 15, (400, 15))
    aucs = []
    positives, negatives = np.sort(pos)[::-1], np.sort(neg)
    for picked_pos, picked_neg in zip(drawn_pos, drawn_neg, strict=True):
        p, n = positives[picked_pos], negatives[picked_neg]
        aucs.append(roc_auc_score(np.r_[np.ones(p.size), np.zeros(n.size)], np.r_[p, n]))
    assert intervals.auc == pytest.approx(tuple(np.percentile(aucs, [2.5, 97.5])))


def test_wilson_intervals_match_published_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)
    assert wilson_interval(20, 20)[1] == 1.0


def test_threshold_for_the_target_sensitivity_on_a_constructed_case(tmp_path):
    positives = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.3]  # 9 of 10 at or above 0.55
    negatives = [0.1, 0.15, 0.2, 0.25, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7]  # 8 of 10 below 0.55
    scores = {f"9.{i}": s for i, s in enumerate(positives + negatives)}
    (tmp_path / "labels.csv").write_text("".join(f"9.{i},{'yes' if i < 10 else 'no'}\n" for i in range(20)))
    found = calibrate_batch(_batch(tmp_path / "b", scores, threshold=0.65), tmp_path / "labels.csv", 0.90)
    assert found.chosen.threshold == 0.55
    assert (found.chosen.sensitivity, found.chosen.specificity) == (0.9, 0.8)
    assert found.meets_who_triage is True
    assert (found.at_pack.sensitivity, found.at_pack.specificity) == (0.7, 0.9)
    assert found.at_pack.sensitivity_ci == wilson_interval(7, 10)
    assert found.pack_threshold_source == "recorded in the batch"
    lines = found.lines()
    assert any(line.startswith("Threshold for sensitivity >= 0.90: 0.55 (95% CI") for line in lines)
    assert any("WHO TB triage target" in line and line.endswith(": met") for line in lines)
    stricter = calibrate_batch(tmp_path / "b", tmp_path / "labels.csv", 1.0, threshold=0.5)
    assert stricter.chosen.threshold == 0.3 and stricter.chosen.specificity == 0.4
    assert stricter.meets_who_triage is False and stricter.pack_threshold_source == "given"
    data = json.loads(json.dumps(found.as_json()))
    assert data["version"] == 1 and data["chosen"]["threshold"] == 0.55 and data["roc"]["thresholds"][0] is None
    assert data["pack"] == {"name": "cxr-tb", "version": "1.0", "checksum": CHECKSUM}


def test_too_few_positives_is_one_line_and_no_numbers(tmp_path):
    scores = {f"5.{i}": i / 30 for i in range(30)}
    (tmp_path / "labels.csv").write_text("".join(f"5.{i},{1 if i >= 26 else 0}\n" for i in range(30)))
    found = calibrate_batch(_batch(tmp_path / "b", scores), tmp_path / "labels.csv", png=tmp_path / "roc.png")
    assert not found.enough and found.chosen is None and found.auc is None
    lines = found.lines()
    assert sum("Too few" in line for line in lines) == 1
    assert lines[-1].startswith("Too few labelled series to calibrate: 4 positive and 26 negative")
    assert not any("AUC" in line or "sensitivity 0." in line for line in lines)
    assert not (tmp_path / "roc.png").exists()
    assert "auc" not in found.as_json()
    with pytest.raises(CalibrationError, match="Too few"):
        save_site_calibration(found)


def test_labels_file_forms_bad_rows_and_hostile_cells(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes("\ufefflabel,SeriesInstanceUID\r\n"
                     "positive,1.2.1\r\nNegative,1.2.2\r\nYES,1.2.3\r\nno,1.2.4\r\n1,1.2.5\r\n0,1.2.6\r\n"
                     "maybe,1.2.7\r\n1\r\n,\r\n1,\r\n0,1.2.1\r\n1,1.2.2\r\n"
                     "\"=HYPERLINK(\"\"http://x\"\")\",1.2.8\r\n1,=cmd|' /C calc'!A0\r\n".encode())
    found = read_labels(path)
    assert found.labels == {"1.2.1": True, "1.2.2": False, "1.2.3": True, "1.2.4": False, "1.2.5": True,
                            "1.2.6": False, "=cmd|' /C calc'!A0": True}
    assert found.bad_rows == 6 and len(found.problems) == 6
    assert found.problems[0] == "labels.csv row 8: label 'maybe' is not 1/0, positive/negative or yes/no"
    assert found.problems[1].startswith("labels.csv row 9: 1 cell(s)")
    assert "row 11: no series UID" in found.problems[2]  # row 10 (",") is blank: skipped
    assert "row 12: series '1.2.1' was labelled otherwise on row 2" in found.problems[3]
    assert "row 13: series '1.2.2' was labelled otherwise on row 3" in found.problems[4]
    assert "HYPERLINK" in found.problems[5] and all("\n" not in p for p in found.problems)
    plain = tmp_path / "plain.csv"
    plain.write_text("1.2.5,1\n1.2.6,0\n")  # no header: the first row is a label
    assert read_labels(plain).labels == {"1.2.5": True, "1.2.6": False}
    many = tmp_path / "many.csv"
    many.write_text("".join(f"1.{i},perhaps\n" for i in range(100)))
    assert len(read_labels(many).problems) == 21 and read_labels(many).problems[-1].endswith("80 more bad row(s)")


def test_hostile_labels_files_are_refused_in_one_line(tmp_path, monkeypatch):
    import ai.batch.calibration as calibration

    monkeypatch.setattr(calibration, "MAX_LABELS_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_text("1.2.3,1\n" * 200)
    with pytest.raises(CalibrationError, match="larger than"):
        read_labels(big)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"1.2.3,1\n\x00\x01\x02")
    with pytest.raises(CalibrationError, match="not text"):
        read_labels(binary)
    with pytest.raises(CalibrationError, match="cannot read"):
        read_labels(tmp_path / "missing.csv")


def test_series_not_in_the_batch_or_unscored_are_counted(tmp_path):
    batch, labels, pos, neg = _labelled_batch(tmp_path)
    with BatchDatabase(batch) as db:
        db.add([SeriesEntry("7.7.7")])
        db.finish("7.7.7", FAILED, reason="unreadable")
    with labels.open("a") as fp:
        fp.write("7.7.7,1\n8.8.8,0\n8.8.9,1\nbad row,perhaps\n")
    found = calibrate_batch(batch, labels)
    assert (found.positives, found.negatives) == (40, 60)
    assert found.not_in_batch == ["8.8.8", "8.8.9"] and found.unscored == ["7.7.7"]
    lines = found.lines()
    assert any(line.startswith("2 labelled series are not in the batch") for line in lines)
    assert any(line.startswith("1 labelled series have no score") for line in lines)
    assert any("label 'perhaps'" in line for line in lines)
    truth = np.r_[np.ones(40), np.zeros(60)]
    assert found.auc == pytest.approx(roc_auc_score(truth, np.r_[pos, neg]))
    assert found.auc_ci[0] < found.auc < found.auc_ci[1]
    with pytest.raises(CalibrationError, match="no batch"):
        calibrate_batch(tmp_path / "nowhere", labels)
    with pytest.raises(CalibrationError, match="target sensitivity"):
        calibrate_batch(batch, labels, sensitivity=90)


def test_roc_png_is_an_image_with_the_curve(tmp_path):
    batch, labels, _, _ = _labelled_batch(tmp_path)
    found = calibrate_batch(batch, labels, png=tmp_path / "out" / "roc.png")
    assert found.png == tmp_path / "out" / "roc.png"
    with Image.open(found.png) as image:
        assert image.format == "PNG" and image.size == PNG_SIZE
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert np.count_nonzero(np.all(pixels == CURVE_COLOR, axis=1)) > 300
    assert any(line.startswith("ROC curve: ") for line in found.lines())
    assert [p.name for p in found.png.parent.iterdir()] == ["roc.png"]  # no temporary file left


def test_site_calibration_is_bound_to_the_pack_checksum(tmp_path, data_dir):
    batch, labels, _, _ = _labelled_batch(tmp_path)
    found = calibrate_batch(batch, labels)
    assert site_threshold(CHECKSUM) is None
    saved = save_site_calibration(found)
    again = site_threshold(CHECKSUM)
    assert again == saved and again.threshold == found.chosen.threshold
    assert (again.sensitivity, again.specificity) == (found.chosen.sensitivity, found.chosen.specificity)
    assert again.target_sensitivity == 0.9 and again.batch == str(batch.resolve()) and again.date
    assert site_threshold("d" * 64) is None  # another version of the pack inherits nothing
    assert operating_threshold("d" * 64, 0.5) == (0.5, "the pack's own")
    assert operating_threshold(CHECKSUM, 0.5) == (again.threshold, again.describe())
    assert "on batch batch" in again.describe()
    entry = audit.read_entries(event="calibrate").entries[-1]["details"]
    assert entry["checksum"] == CHECKSUM and entry["threshold"] == saved.threshold

    other = _batch(tmp_path / "other", {f"4.{i}": i / 20 for i in range(20)}, checksum="e" * 64)
    (tmp_path / "other.csv").write_text("".join(f"4.{i},{int(i >= 10)}\n" for i in range(20)))
    save_site_calibration(calibrate_batch(other, tmp_path / "other.csv"))
    assert site_threshold(CHECKSUM) == saved and site_threshold("e" * 64).threshold == 0.55
    stored = json.loads((data_dir / "site_calibration.json").read_text())
    assert set(stored["calibrations"]) == {CHECKSUM, "e" * 64}

    (data_dir / "site_calibration.json").write_text("{not json")
    assert site_threshold(CHECKSUM) is None  # a damaged file: the pack's own threshold applies


def test_a_batch_without_a_checksum_cannot_be_saved(tmp_path):
    found = Calibration(tmp_path, tmp_path / "l.csv", "p", "1", "", 0.9, 0.5, "given")
    found.chosen = object()  # anything calibrated
    with pytest.raises(CalibrationError, match="no pack checksum"):
        save_site_calibration(found)


def _pack(tmp_path, checksum=CHECKSUM, screening=None):
    outpost = {"task": "classification", "labels": {"0": "Normal", "1": "Tuberculosis"}}
    if screening is not None:
        outpost["screening"] = screening
    return Pack(root=tmp_path, metadata={"name": "cxr-tb", "version": "1.0", "outpost": outpost}, config={},
                model_file="model.safetensors", checksum=checksum, verified=True)


def test_model_card_site_threshold_row(tmp_path):
    pack = _pack(tmp_path, screening={"threshold": 0.4})
    assert "Site threshold" not in dict(model_card(pack.metadata))  # the pack was not read
    row = dict(model_card(pack.metadata, pack))["Site threshold"]
    assert row.startswith("none: the pack's own threshold 0.4.") and "needs its own calibration" in row
    assert dict(model_card({}, _pack(tmp_path)))["Site threshold"].startswith("none: the pack's own threshold 0.5")
    batch, labels, _, _ = _labelled_batch(tmp_path)
    saved = save_site_calibration(calibrate_batch(batch, labels))
    row = dict(model_card(pack.metadata, pack))["Site threshold"]
    assert row.startswith(f"{saved.threshold:.4g}, from the site's calibration of {saved.date[:10]}")
    assert "the pack's own threshold 0.4" in row and "new version of the pack needs its own" in row
    newer = _pack(tmp_path, checksum="f" * 64, screening={"threshold": 0.4})
    assert dict(model_card(newer.metadata, newer))["Site threshold"].startswith("none: the pack's own threshold")


def test_a_result_is_judged_by_the_site_threshold_where_there_is_one(tmp_path):
    pack = _pack(tmp_path, screening={"threshold": 0.9})
    result = {"probabilities": {"Tuberculosis": 0.8, "Normal": 0.2}}
    assert screening_verdict(pack, result) == "Tuberculosis 0.800: below the threshold 0.9 (the pack's own)"
    batch, labels, _, _ = _labelled_batch(tmp_path)
    saved = save_site_calibration(calibrate_batch(batch, labels))
    assert saved.threshold < 0.8
    verdict = screening_verdict(pack, result)
    assert verdict.startswith(f"Tuberculosis 0.800: at or above the threshold {saved.threshold:.4g} (the site's")
    assert screening_verdict(_pack(tmp_path, checksum="f" * 64), result).endswith("(the pack's own)")
    assert screening_verdict(pack, {"probabilities": {}}) == ""

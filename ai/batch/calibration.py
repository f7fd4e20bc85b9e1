"""Calibration for the site: a batch's scores against the site's own labels; no Qt.

WHO asks each screening programme to choose its operating threshold from its own data, and a new
version of the software moves the right threshold. :func:`calibrate_batch` reads the labels a
reader or a reference test gave some of a batch's series (:func:`read_labels`), and computes

- the ROC curve and its AUC (trapezoid; tied scores count one half, as scikit-learn does), with a
  stratified, seeded bootstrap 95% interval;
- sensitivity and specificity at the pack's own threshold, with Wilson 95% intervals;
- the highest threshold whose sensitivity reaches the target (0.90 by default), its sensitivity
  (Wilson interval) and specificity, with bootstrap intervals for the threshold and the specificity
  (the threshold is chosen on the same data, so a Wilson interval would be too narrow), and whether
  WHO's target product profile for a TB triage test (sensitivity >= 0.90, specificity >= 0.70) is
  met there;

and draws the ROC curve as a PNG with Pillow (:func:`draw_roc`). A series is positive when its
score is at or above the threshold, as the worklist flags it.

The chosen threshold becomes the site's with :func:`save_site_calibration`: one entry per pack
checksum in ``site_calibration.json`` in the user data folder, so another version of the pack (another
checksum) does not inherit it. :func:`site_threshold` and :func:`operating_threshold` give it back to
the report, the worklist, the AI panel and the model card.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.core import audit
from viewer.core.errors import OutpostError
from viewer.core.files import atomic_path, user_data_dir
from viewer.core.text import one_line, printable

from .database import BatchDatabase
from .tasks import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from ai.inference import Result
    from ai.packs.pack import Pack

log = logging.getLogger(__name__)

#: The version of :meth:`Calibration.as_json`'s layout.
JSON_VERSION = 1
#: Fewer labelled series than this of either class: no numbers.
MIN_PER_CLASS = 5
#: Bootstrap resamples for the intervals.
RESAMPLES = 2000
#: WHO's target product profile for a TB triage test: at least this sensitivity and specificity.
WHO_TRIAGE_SENSITIVITY, WHO_TRIAGE_SPECIFICITY = 0.90, 0.70
#: The largest labels file read (bytes), and how many bad rows are named one by one.
MAX_LABELS_BYTES = 32 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 20
#: The site calibrations, one per pack checksum, in the user data folder.
SITE_FILE = "site_calibration.json"
#: The ROC curve's colour in the PNG, and the operating points'.
CURVE_COLOR = (31, 119, 180)
PACK_POINT_COLOR = (214, 39, 40)
SITE_POINT_COLOR = (44, 160, 44)
#: The PNG's size in pixels.
PNG_SIZE = (640, 640)

_POSITIVE = {"1", "positive", "yes", "pos", "true"}
_NEGATIVE = {"0", "negative", "no", "neg", "false"}
_Z = 1.959963984540054  # the normal distribution's 97.5% quantile


class CalibrationError(OutpostError):
    """The labels or the batch cannot be calibrated as asked (one line to show)."""


# ---------------------------------------------------------------------------------------------- labels
@dataclass
class Labels:
    """The labels read from a CSV file.

    Attributes
    ----------
    labels
        ``{series_uid: True (positive) | False (negative)}``.
    problems
        One line per row that could not be used (naming the row), at most :data:`MAX_PROBLEMS_SHOWN`
        and then one line counting the rest.
    bad_rows
        How many rows could not be used.
    """

    labels: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    bad_rows: int = 0


def parse_label(text: str) -> bool | None:
    """A label's word read: ``True`` for a positive, ``False`` for a negative, ``None`` for anything else.

    Positive is 1/positive/yes (or pos/true), negative 0/negative/no (or neg/false), in any case.
    """
    word = text.strip().lower()
    return True if word in _POSITIVE else False if word in _NEGATIVE else None


def read_labels(path: str | Path) -> Labels:
    """Read ``series_uid,label`` rows (a header row allowed; it may put the columns in another order).

    Cells are text only: nothing is evaluated (``=HYPERLINK(...)`` is a series UID that matches
    nothing, or a label that is not one). A bad row is one line in :attr:`Labels.problems`, never
    an error; a label given twice keeps the first.

    Parameters
    ----------
    path
        The CSV file (UTF-8, a byte-order mark allowed; at most :data:`MAX_LABELS_BYTES`).

    Raises
    ------
    CalibrationError
        The file cannot be read, is too large, or is not CSV text.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fp:
            data = fp.read(MAX_LABELS_BYTES + 1)
    except OSError as e:
        raise CalibrationError(f"cannot read the labels {printable(path)}: {e.strerror or e}") from None
    if len(data) > MAX_LABELS_BYTES:
        raise CalibrationError(f"the labels {printable(path)} are larger than {MAX_LABELS_BYTES // 2**20} MiB")
    if b"\0" in data:
        raise CalibrationError(f"the labels {printable(path)} are not text (a NUL byte)")
    text = data.decode("utf-8-sig", errors="replace")
    found = Labels()
    where: dict[str, int] = {}  # series UID -> the row that labelled it
    uid_column, label_column = 0, 1

    def problem(line: str) -> None:
        found.bad_rows += 1
        if len(found.problems) < MAX_PROBLEMS_SHOWN:
            found.problems.append(one_line(line))

    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if number == 1 and _is_header(cells):
                names = [cell.lower() for cell in cells]
                uid_column = next((i for i, n in enumerate(names) if "uid" in n or n == "series"), 0)
                label_column = next((i for i, n in enumerate(names) if i != uid_column
                                     and n in ("label", "truth", "reference", "class", "outcome")),
                                    1 if uid_column == 0 else 0)
                continue
            if len(cells) <= max(uid_column, label_column):
                problem(f"{path.name} row {number}: {len(cells)} cell(s), expected series_uid,label")
                continue
            uid, label = cells[uid_column], parse_label(cells[label_column])
            if not uid:
                problem(f"{path.name} row {number}: no series UID")
            elif label is None:
                problem(f"{path.name} row {number}: label '{printable(cells[label_column], 40)}' is not "
                        f"1/0, positive/negative or yes/no")
            elif uid in found.labels:
                if found.labels[uid] != label:
                    problem(f"{path.name} row {number}: series '{printable(uid, 80)}' was labelled otherwise on "
                            f"row {where[uid]}; the first label is kept")
            else:
                found.labels[uid], where[uid] = label, number
    except csv.Error as e:  # a field over the csv module's limit, an unterminated quote
        raise CalibrationError(f"the labels {printable(path)} are not CSV ({e})") from None
    if found.bad_rows > len(found.problems):
        found.problems.append(f"{path.name}: {found.bad_rows - len(found.problems)} more bad row(s)")
    return found


def _is_header(cells: list[str]) -> bool:
    """A first row that names columns: no label of either class, and no UID (digits and dots) first."""
    if any(parse_label(cell) is not None for cell in cells[:2]):
        return False
    return not all(c.isdigit() or c == "." for c in cells[0])


# ---------------------------------------------------------------------------------------------- statistics
def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ROC curve's every point, as scikit-learn's ``roc_curve(drop_intermediate=False)``.

    Parameters
    ----------
    labels
        1 (or ``True``) for a positive series, 0 for a negative one.
    scores
        The series' scores; a series is called positive when its score is at or above a threshold.

    Returns
    -------
    fpr, tpr, thresholds
        One point per distinct score, highest threshold first, after the point ``(0, 0)`` at an
        infinite threshold.
    """
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1]
    tps = np.cumsum(labels)[last_of_each]
    fps = (last_of_each + 1) - tps
    tpr = np.r_[0.0, tps / max(labels.sum(), 1)]
    fpr = np.r_[0.0, fps / max((~labels).sum(), 1)]
    return fpr, tpr, np.r_[np.inf, scores[last_of_each]]


def auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    """The area under a ROC curve by the trapezoid rule."""
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def wilson_interval(successes: int, total: int, z: float = _Z) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default); ``(0, 1)`` for no trials."""
    if total <= 0:
        return 0.0, 1.0
    p, n = successes / total, float(total)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def target_threshold(positive_scores: np.ndarray, sensitivity: float) -> float:
    """The highest threshold whose sensitivity is at least ``sensitivity``: the k-th highest positive score.

    Parameters
    ----------
    positive_scores
        The positive series' scores.
    sensitivity
        The target, from 0 to 1.
    """
    ranked = np.sort(np.asarray(positive_scores, dtype=float))[::-1]
    return float(ranked[_needed(sensitivity, ranked.size) - 1])


def _needed(sensitivity: float, positives: int) -> int:
    """How many positives must be called positive to reach ``sensitivity`` (at least one)."""
    return min(positives, max(1, math.ceil(sensitivity * positives - 1e-9)))


@dataclass
class Bootstrap:
    """Percentile 95% intervals from stratified resamples (positives and negatives resampled apart).

    Attributes
    ----------
    auc, threshold, specificity
        The intervals of the AUC, of the threshold reaching the target sensitivity, and of the
        specificity at that threshold, each ``(low, high)``.
    resamples, seed
        How they were drawn.
    """

    auc: tuple[float, float]
    threshold: tuple[float, float]
    specificity: tuple[float, float]
    resamples: int
    seed: int


def bootstrap(positive_scores: np.ndarray, negative_scores: np.ndarray, sensitivity: float,
              resamples: int = RESAMPLES, seed: int = 0) -> Bootstrap:
    """Stratified bootstrap intervals of the AUC, the target threshold and its specificity, vectorised.

    Each resample is held as how many times it drew each series, so a resample's AUC is a sum over
    the positives of the negatives below them (ties one half) counted by cumulative sums: time and
    memory grow with ``resamples * series``, never with their square.

    Parameters
    ----------
    positive_scores, negative_scores
        The two classes' scores (at least one of each).
    sensitivity
        The target sensitivity the threshold reaches.
    resamples, seed
        How many resamples, from which seed (the same seed gives the same intervals).
    """
    positives = np.sort(np.asarray(positive_scores, dtype=float))[::-1]  # highest first
    negatives = np.sort(np.asarray(negative_scores, dtype=float))  # lowest first
    n_pos, n_neg = positives.size, negatives.size
    below = np.searchsorted(negatives, positives, side="left")  # negatives strictly below each positive
    at_or_below = np.searchsorted(negatives, positives, side="right")
    needed = _needed(sensitivity, n_pos)
    rng = np.random.default_rng(seed)
    aucs, thresholds, specificities = (np.empty(resamples) for _ in range(3))
    chunk = max(1, min(resamples, 1_000_000 // max(n_pos + n_neg, 1)))  # about 8 MB an array
    for start in range(0, resamples, chunk):
        rows = min(chunk, resamples - start)
        pos_counts = _draw_counts(rng, rows, n_pos)
        neg_cumulative = np.zeros((rows, n_neg + 1))
        np.cumsum(_draw_counts(rng, rows, n_neg), axis=1, out=neg_cumulative[:, 1:])
        wins = neg_cumulative[:, below] + 0.5 * (neg_cumulative[:, at_or_below] - neg_cumulative[:, below])
        aucs[start:start + rows] = (pos_counts * wins).sum(axis=1) / (n_pos * n_neg)
        reached = np.argmax(np.cumsum(pos_counts, axis=1) >= needed, axis=1)
        chosen = positives[reached]
        negatives_below = neg_cumulative[np.arange(rows), np.searchsorted(negatives, chosen, side="left")]
        thresholds[start:start + rows] = chosen
        specificities[start:start + rows] = negatives_below / n_neg
    return Bootstrap(_percentiles(aucs), _percentiles(thresholds), _percentiles(specificities), resamples, seed)


def _draw_counts(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    """``rows`` resamples of ``n`` series with replacement, as how many times each series was drawn."""
    drawn = rng.integers(0, n, size=(rows, n)) + (np.arange(rows) * n)[:, None]
    return np.bincount(drawn.ravel(), minlength=rows * n).reshape(rows, n).astype(float)


def _percentiles(values: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


# ---------------------------------------------------------------------------------------------- results
@dataclass
class OperatingPoint:
    """Sensitivity and specificity at one threshold (a score at or above it is called positive).

    Attributes
    ----------
    threshold
        The threshold.
    sensitivity, specificity
        The proportions of positives called positive and of negatives called negative.
    sensitivity_ci, specificity_ci
        Their 95% intervals: Wilson at a given threshold; for a threshold chosen on these data the
        specificity's is the bootstrap's (:class:`Bootstrap`).
    threshold_ci
        The bootstrap 95% interval of a threshold chosen on these data, else ``None``.
    true_positive, false_negative, true_negative, false_positive
        The counts.
    """

    threshold: float
    sensitivity: float
    specificity: float
    sensitivity_ci: tuple[float, float]
    specificity_ci: tuple[float, float]
    threshold_ci: tuple[float, float] | None
    true_positive: int
    false_negative: int
    true_negative: int
    false_positive: int

    @classmethod
    def at(cls, threshold: float, positive_scores: np.ndarray, negative_scores: np.ndarray) -> OperatingPoint:
        """The point at ``threshold``, with Wilson intervals."""
        tp = int(np.count_nonzero(positive_scores >= threshold))
        tn = int(np.count_nonzero(negative_scores < threshold))
        n_pos, n_neg = positive_scores.size, negative_scores.size
        return cls(float(threshold), tp / n_pos, tn / n_neg, wilson_interval(tp, n_pos),
                   wilson_interval(tn, n_neg), None, tp, n_pos - tp, tn, n_neg - tn)

    def meets_who_triage(self) -> bool:
        """Whether WHO's TB triage target (sensitivity >= 0.90, specificity >= 0.70) is met here."""
        return self.sensitivity >= WHO_TRIAGE_SENSITIVITY and self.specificity >= WHO_TRIAGE_SPECIFICITY


@dataclass
class Calibration:
    """A batch's scores against the site's labels: what :func:`calibrate_batch` found.

    Attributes
    ----------
    batch, labels_file
        The batch folder and the labels file.
    pack, pack_version, checksum
        The batch's pack (a site threshold is bound to the checksum).
    target_sensitivity
        The sensitivity the site threshold must reach.
    pack_threshold, pack_threshold_source
        The pack's own threshold, and where it came from (given, the batch, or assumed).
    positives, negatives
        How many labelled, scored series of each class were used.
    not_in_batch, unscored
        Labelled series the batch does not hold, or holds without a score (failed, unsuitable, not run).
    problems
        One line per labels row that could not be used.
    enough
        Whether there were at least :data:`MIN_PER_CLASS` of each class; without, no numbers.
    fpr, tpr, thresholds
        The ROC curve (:func:`roc_curve`).
    auc, auc_ci
        The area under it, and its bootstrap 95% interval.
    at_pack, chosen
        The operating points at the pack's threshold and at the threshold reaching the target.
    resamples, seed
        The bootstrap's.
    png
        The ROC curve drawn, when asked for.
    """

    batch: Path
    labels_file: Path
    pack: str
    pack_version: str
    checksum: str
    target_sensitivity: float
    pack_threshold: float
    pack_threshold_source: str
    positives: int = 0
    negatives: int = 0
    not_in_batch: list[str] = field(default_factory=list)
    unscored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    enough: bool = False
    fpr: np.ndarray | None = None
    tpr: np.ndarray | None = None
    thresholds: np.ndarray | None = None
    auc: float | None = None
    auc_ci: tuple[float, float] | None = None
    at_pack: OperatingPoint | None = None
    chosen: OperatingPoint | None = None
    resamples: int = RESAMPLES
    seed: int = 0
    png: Path | None = None

    @property
    def meets_who_triage(self) -> bool | None:
        """Whether WHO's TB triage target is met at the chosen threshold (``None``: not calibrated)."""
        return self.chosen.meets_who_triage() if self.chosen is not None else None

    def too_few_line(self) -> str:
        """The one line said instead of numbers when a class has too few labelled series."""
        return (f"Too few labelled series to calibrate: {self.positives} positive and {self.negatives} negative "
                f"with scores; at least {MIN_PER_CLASS} of each are needed (no ROC curve, no threshold)")

    def lines(self) -> list[str]:
        """What ``outpost batch calibrate`` prints, one line each."""
        lines = [f"Batch {printable(self.batch)}: {printable(self.pack)} {printable(self.pack_version)} "
                 f"(checksum {self.checksum[:12]})",
                 f"Labels {printable(self.labels_file)}: {self.positives} positive and {self.negatives} negative "
                 f"series with scores"]
        lines += self.problems
        if self.not_in_batch:
            lines.append(f"{len(self.not_in_batch)} labelled series are not in the batch (ignored), e.g. "
                         + ", ".join(printable(uid, 64) for uid in self.not_in_batch[:3]))
        if self.unscored:
            lines.append(f"{len(self.unscored)} labelled series have no score in the batch (failed, unsuitable "
                         "or not run; ignored)")
        if not self.enough:
            return [*lines, self.too_few_line()]
        assert self.auc is not None and self.auc_ci is not None and self.at_pack is not None \
            and self.chosen is not None  # set whenever there are enough
        low, high = self.auc_ci
        lines.append(f"AUC {self.auc:.3f} (95% CI {low:.3f}-{high:.3f}, stratified bootstrap, "
                     f"{self.resamples} resamples, seed {self.seed})")
        lines.append(f"At the pack's threshold {self.pack_threshold:.4g} ({self.pack_threshold_source}): "
                     + _point_text(self.at_pack))
        chosen = self.chosen
        assert chosen.threshold_ci is not None
        tlow, thigh = chosen.threshold_ci
        lines.append(f"Threshold for sensitivity >= {self.target_sensitivity:.2f}: {chosen.threshold:.4g} "
                     f"(95% CI {tlow:.4g}-{thigh:.4g}): " + _point_text(chosen))
        verdict = "met" if self.meets_who_triage else "not met"
        lines.append(f"WHO TB triage target (sensitivity >= {WHO_TRIAGE_SENSITIVITY:.2f}, specificity >= "
                     f"{WHO_TRIAGE_SPECIFICITY:.2f}) at {chosen.threshold:.4g}: {verdict}")
        if self.png is not None:
            lines.append(f"ROC curve: {printable(self.png)}")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The calibration as JSON-ready data (``outpost batch calibrate --json``); ``version`` is its layout's."""
        data: dict[str, Any] = {
            "version": JSON_VERSION, "batch": str(self.batch), "labels": str(self.labels_file),
            "pack": {"name": self.pack, "version": self.pack_version, "checksum": self.checksum},
            "target_sensitivity": self.target_sensitivity, "pack_threshold": self.pack_threshold,
            "pack_threshold_source": self.pack_threshold_source, "positives": self.positives,
            "negatives": self.negatives, "not_in_batch": len(self.not_in_batch), "unscored": len(self.unscored),
            "problems": list(self.problems), "enough": self.enough, "png": str(self.png) if self.png else None,
        }
        if not self.enough:
            data["message"] = self.too_few_line()
            return data
        assert self.auc is not None and self.auc_ci is not None and self.at_pack is not None \
            and self.chosen is not None and self.fpr is not None and self.tpr is not None \
            and self.thresholds is not None  # set whenever there are enough
        data.update({
            "auc": self.auc, "auc_ci": list(self.auc_ci),
            "bootstrap": {"resamples": self.resamples, "seed": self.seed, "stratified": True},
            "at_pack_threshold": _point_json(self.at_pack), "chosen": _point_json(self.chosen),
            "meets_who_triage": self.meets_who_triage,
            "roc": {"fpr": self.fpr.tolist(), "tpr": self.tpr.tolist(),
                    "thresholds": [None if not math.isfinite(t) else float(t) for t in self.thresholds]},
        })
        return data


def _point_text(point: OperatingPoint) -> str:
    (slo, shi), (plo, phi) = point.sensitivity_ci, point.specificity_ci
    return (f"sensitivity {point.sensitivity:.3f} (95% CI {slo:.3f}-{shi:.3f}; {point.true_positive}/"
            f"{point.true_positive + point.false_negative}), specificity {point.specificity:.3f} "
            f"(95% CI {plo:.3f}-{phi:.3f}; {point.true_negative}/{point.true_negative + point.false_positive})")


def _point_json(point: OperatingPoint) -> dict[str, Any]:
    data = asdict(point)
    for key in ("sensitivity_ci", "specificity_ci", "threshold_ci"):
        data[key] = list(data[key]) if data[key] is not None else None
    data["meets_who_triage"] = point.meets_who_triage()
    return data


def calibrate_batch(folder: Path, labels_csv: Path, sensitivity: float = 0.90, png: Path | None = None,
                    threshold: float | None = None, seed: int = 0) -> Calibration:
    """Calibrate a batch's scores against the site's labels (``outpost batch calibrate``).

    Parameters
    ----------
    folder
        The batch folder (:class:`~ai.batch.database.BatchDatabase`).
    labels_csv
        ``series_uid,label`` rows (:func:`read_labels`).
    sensitivity
        The target sensitivity of the chosen threshold (WHO's TB triage profile asks for 0.90).
    png
        Where to draw the ROC curve (nothing is drawn without enough labels).
    threshold
        The pack's own threshold; by default the one the batch records (``threshold`` in its
        :meth:`~ai.batch.database.BatchDatabase.meta`), else :data:`DEFAULT_THRESHOLD`.
    seed
        The bootstrap's seed.

    Raises
    ------
    CalibrationError
        The target is not a proportion, the labels cannot be read, or the folder holds no batch.
    """
    if not 0 < sensitivity <= 1:
        raise CalibrationError(f"the target sensitivity must be above 0 and at most 1, not {sensitivity:g}")
    folder, labels_csv = Path(folder), Path(labels_csv)
    labels = read_labels(labels_csv)
    try:
        with BatchDatabase(folder, create=False) as db:
            meta, rows = db.meta(), {row.series_uid: row for row in db.rows()}
    except OutpostError as e:
        raise CalibrationError(str(e)) from None
    source = "given"
    if threshold is None:
        recorded = _finite(meta.get("threshold"))
        threshold, source = ((recorded, "recorded in the batch") if recorded is not None
                             else (DEFAULT_THRESHOLD, "assumed: the batch records none"))
    found = Calibration(folder, labels_csv, meta.get("pack", ""), meta.get("version", ""),
                        meta.get("checksum", ""), float(sensitivity), float(threshold), source,
                        problems=labels.problems, seed=seed)
    positive: list[float] = []
    negative: list[float] = []
    for uid, label in labels.labels.items():
        row = rows.get(uid)
        score = _finite(row.score) if row is not None else None
        if row is None:
            found.not_in_batch.append(uid)
        elif score is None:
            found.unscored.append(uid)
        else:
            (positive if label else negative).append(score)
    pos, neg = np.asarray(positive, dtype=float), np.asarray(negative, dtype=float)
    found.positives, found.negatives = pos.size, neg.size
    found.enough = pos.size >= MIN_PER_CLASS and neg.size >= MIN_PER_CLASS
    if not found.enough:
        return found
    truth = np.r_[np.ones(pos.size, bool), np.zeros(neg.size, bool)]
    found.fpr, found.tpr, found.thresholds = roc_curve(truth, np.r_[pos, neg])
    found.auc = auc(found.fpr, found.tpr)
    intervals = bootstrap(pos, neg, sensitivity, RESAMPLES, seed)
    found.auc_ci = intervals.auc
    found.at_pack = OperatingPoint.at(found.pack_threshold, pos, neg)
    chosen = OperatingPoint.at(target_threshold(pos, sensitivity), pos, neg)
    chosen.threshold_ci, chosen.specificity_ci = intervals.threshold, intervals.specificity
    found.chosen = chosen
    if png is not None:
        found.png = draw_roc(found, Path(png))
    return found


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, else ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------------------------- the PNG
def draw_roc(calibration: Calibration, path: Path, size: tuple[int, int] = PNG_SIZE) -> Path:
    """Draw the ROC curve with Pillow and write it atomically as a PNG; returns ``path``.

    Axes with tenths, the diagonal, the curve (:data:`CURVE_COLOR`), the pack's operating point and
    the chosen one, and a legend with the AUC.
    """
    from PIL import Image, ImageDraw, ImageFont  # bundled by the installer; imported only to draw

    if not calibration.enough:
        raise CalibrationError(calibration.too_few_line())
    assert calibration.auc is not None and calibration.auc_ci is not None and calibration.at_pack is not None \
        and calibration.chosen is not None and calibration.fpr is not None and calibration.tpr is not None
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    left, top, right, bottom = 70, 40, width - 20, height - 60
    span_x, span_y = right - left, bottom - top

    def xy(fpr: float, tpr: float) -> tuple[float, float]:
        return left + fpr * span_x, bottom - tpr * span_y

    for tick in range(11):
        value = tick / 10
        x, y = xy(value, value)
        draw.line([(x, bottom), (x, top)], fill=(235, 235, 235))
        draw.line([(left, y), (right, y)], fill=(235, 235, 235))
        draw.line([(x, bottom), (x, bottom + 5)], fill="black")
        draw.line([(left - 5, y), (left, y)], fill="black")
        if tick % 2 == 0:
            draw.text((x, bottom + 8), f"{value:.1f}", fill="black", font=font, anchor="mt")
            draw.text((left - 8, y), f"{value:.1f}", fill="black", font=font, anchor="rm")
    draw.rectangle([left, top, right, bottom], outline="black")
    for step in range(0, 20, 2):  # the diagonal, dashed: a test that guesses
        draw.line([xy(step / 20, step / 20), xy((step + 1) / 20, (step + 1) / 20)], fill=(150, 150, 150), width=1)
    draw.line([xy(f, t) for f, t in zip(calibration.fpr, calibration.tpr, strict=True)], fill=CURVE_COLOR,
              width=3, joint="curve")
    target, chosen = calibration.target_sensitivity, calibration.chosen.threshold
    points = ((calibration.at_pack, PACK_POINT_COLOR, f"Pack threshold {calibration.pack_threshold:.3g}"),
              (calibration.chosen, SITE_POINT_COLOR, f"Threshold for sensitivity >= {target:.2f}: {chosen:.3g}"))
    x, y = xy(1 - calibration.at_pack.specificity, calibration.at_pack.sensitivity)  # a ring, seen around
    draw.ellipse([x - 10, y - 10, x + 10, y + 10], outline=PACK_POINT_COLOR, width=3)  # the chosen point's square
    x, y = xy(1 - calibration.chosen.specificity, calibration.chosen.sensitivity)
    draw.rectangle([x - 5, y - 5, x + 5, y + 5], fill=SITE_POINT_COLOR, outline="black")
    low, high = calibration.auc_ci
    legend = [(CURVE_COLOR, f"ROC, AUC {calibration.auc:.3f} (95% CI {low:.3f}-{high:.3f})"),
              *((color, text) for _, color, text in points)]
    box_left, box_top = left + span_x * 0.32, bottom - 18 * len(legend) - 14
    draw.rectangle([box_left, box_top, right - 8, bottom - 8], fill="white", outline=(120, 120, 120))
    for index, (color, text) in enumerate(legend):
        y = box_top + 12 + 18 * index
        draw.line([(box_left + 8, y), (box_left + 28, y)], fill=color, width=4)
        draw.text((box_left + 34, y), text, fill="black", font=font, anchor="lm")
    draw.text((width / 2, height - 22), "1 - specificity (false positive rate)", fill="black", font=font,
              anchor="mm")
    title = f"{calibration.pack} {calibration.pack_version}: {calibration.positives} positive, " \
            f"{calibration.negatives} negative series"
    draw.text((width / 2, top / 2), printable(title, 90), fill="black", font=font, anchor="mm")
    label = Image.new("RGB", (span_y, 20), "white")
    ImageDraw.Draw(label).text((span_y / 2, 10), "Sensitivity (true positive rate)", fill="black", font=font,
                               anchor="mm")
    image.paste(label.rotate(90, expand=True), (12, top))
    with atomic_path(path) as temporary:
        image.save(temporary, format="PNG")
    return path


# ---------------------------------------------------------------------------------------------- the site
@dataclass
class SiteCalibration:
    """The site's threshold for one version of a pack (its checksum).

    Attributes
    ----------
    checksum, pack, pack_version
        The pack version it holds for (another checksum does not inherit it).
    threshold
        The site's threshold: a score at or above it is flagged.
    target_sensitivity, sensitivity, specificity, auc
        The target it was chosen for, and what it achieved on the labelled series.
    positives, negatives
        How many labelled series of each class it was chosen on.
    batch, labels
        The batch folder and labels file it came from.
    date
        When it was saved (ISO 8601, UTC).
    """

    checksum: str
    pack: str
    pack_version: str
    threshold: float
    target_sensitivity: float
    sensitivity: float
    specificity: float
    auc: float
    positives: int
    negatives: int
    batch: str
    labels: str
    date: str

    def describe(self) -> str:
        """Where the threshold came from, in one line."""
        return (f"the site's calibration of {self.date[:10]} on batch {printable(Path(self.batch).name, 60)} "
                f"({self.positives} positive, {self.negatives} negative series; "
                f"sensitivity {self.sensitivity:.2f}, specificity {self.specificity:.2f} "
                f"for a target of {self.target_sensitivity:.2f})")


def site_file() -> Path:
    """Where the site calibrations are kept: :data:`SITE_FILE` in the user data folder."""
    return user_data_dir() / SITE_FILE


def _read_site_file(path: Path) -> dict[str, dict[str, Any]]:
    """The saved entries by checksum; a missing file is empty, an unreadable one is logged and empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        log.warning("the site calibrations %s cannot be read (%s); none is used", path, one_line(str(e)))
        return {}
    entries = data.get("calibrations") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else {}


def site_threshold(pack_checksum: str, path: Path | None = None) -> SiteCalibration | None:
    """The site calibration saved for the pack version ``pack_checksum``, or ``None``.

    Parameters
    ----------
    pack_checksum
        The pack's checksum (:attr:`ai.packs.pack.Pack.checksum`).
    path
        The file (default :func:`site_file`).
    """
    if not pack_checksum:
        return None
    entry = _read_site_file(path or site_file()).get(pack_checksum)
    if not isinstance(entry, dict):
        return None
    try:
        found = SiteCalibration(**{name: entry[name] for name in SiteCalibration.__dataclass_fields__})
    except (KeyError, TypeError):
        log.warning("the site calibration of pack %s is incomplete; none is used", pack_checksum[:12])
        return None
    if found.checksum != pack_checksum or _finite(found.threshold) is None:
        return None
    return found


def save_site_calibration(calibration: Calibration, path: Path | None = None) -> SiteCalibration:
    """Save the calibration's chosen threshold as the site's for its pack version, and audit it.

    Parameters
    ----------
    calibration
        From :func:`calibrate_batch`, with enough labels.
    path
        The file (default :func:`site_file`); written atomically, other pack versions' entries kept.

    Raises
    ------
    CalibrationError
        Too few labels (no threshold), or the batch records no pack checksum.
    """
    if calibration.chosen is None:
        raise CalibrationError(calibration.too_few_line())
    if not calibration.checksum:
        raise CalibrationError(f"the batch {printable(calibration.batch)} records no pack checksum: "
                               "its threshold cannot be bound to a pack version")
    assert calibration.auc is not None  # computed with the chosen threshold
    saved = SiteCalibration(
        checksum=calibration.checksum, pack=calibration.pack, pack_version=calibration.pack_version,
        threshold=calibration.chosen.threshold, target_sensitivity=calibration.target_sensitivity,
        sensitivity=calibration.chosen.sensitivity, specificity=calibration.chosen.specificity,
        auc=float(calibration.auc), positives=calibration.positives, negatives=calibration.negatives,
        batch=str(Path(calibration.batch).resolve()), labels=str(Path(calibration.labels_file).resolve()),
        date=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    path = path or site_file()
    entries = _read_site_file(path)
    entries[saved.checksum] = asdict(saved)
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps({"version": 1, "calibrations": entries}, indent=2), encoding="utf-8")
    audit.record("calibrate", pack=saved.pack, version=saved.pack_version, checksum=saved.checksum,
                 threshold=saved.threshold, target_sensitivity=saved.target_sensitivity,
                 sensitivity=saved.sensitivity, specificity=saved.specificity, auc=saved.auc,
                 positives=saved.positives, negatives=saved.negatives, batch=saved.batch)
    return saved


def operating_threshold(pack_checksum: str | None, pack_threshold: Any) -> tuple[float | None, str]:
    """The threshold a result is flagged by, and where it came from, in a few words.

    The site's (:func:`site_threshold`) when this pack version has one, else the pack's own.

    Parameters
    ----------
    pack_checksum
        The pack's checksum (``None``: not known, so no site threshold).
    pack_threshold
        The pack's own threshold (``outpost.threshold`` of its metadata), maybe ``None``.
    """
    site = site_threshold(pack_checksum) if pack_checksum else None
    if site is not None:
        return site.threshold, site.describe()
    own = _finite(pack_threshold)
    return (own, "the pack's own") if own is not None else (None, "none: the pack states no threshold")


def screening_verdict(pack: Pack, result: Result | dict[str, Any]) -> str:
    """One line for a result (the AI panel shows it): its screening score against the operating threshold.

    The threshold is the site's (else the pack's), and the line says where it came from; ``""`` when the
    result has no score.

    Parameters
    ----------
    pack
        The pack that produced the result (its checksum finds the site's threshold).
    result
        An :class:`~ai.inference.Result`, or its summary (``result.json``).
    """
    from .tasks import positive_classes, score_of, screening_threshold  # the batch's own rules

    score = score_of(pack, result)
    if score is None:
        return ""
    threshold, source = operating_threshold(pack.checksum, screening_threshold(pack))
    assert threshold is not None  # the pack's screening threshold is always given
    side = "at or above" if score >= threshold else "below"
    what = " + ".join(positive_classes(pack)) if pack.task == "classification" else "volume (mL)"
    return f"{what} {score:.3f}: {side} the threshold {threshold:.4g} ({source})"


__all__ = [
    "CURVE_COLOR", "MIN_PER_CLASS", "SITE_FILE", "Bootstrap", "Calibration", "CalibrationError", "Labels",
    "OperatingPoint", "SiteCalibration", "auc", "bootstrap", "calibrate_batch", "draw_roc", "operating_threshold",
    "read_labels", "roc_curve", "save_site_calibration", "screening_verdict", "site_file", "site_threshold",
    "target_threshold",
    "wilson_interval",
]

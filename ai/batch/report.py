"""What a batch shows: its rows flagged at the threshold, ``outpost batch list``'s document, its report.

The report is what a programme manager sends (``outpost batch report BATCH --out FILE.csv|FILE.html``).
No Qt.

The threshold is the site's, when one was calibrated for the batch's pack (the very checksum:
:func:`ai.batch.calibration.site_threshold`), else the pack's own operating point (recorded in the
batch when it started). Nothing here names a patient: series are named by UID, and the report
gives only the kind of source (a path, the store, a PACS node), not the path.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ai.batch.database import DONE, FAILED, STATUSES, UNSUITABLE, BatchDatabase, BatchError, SeriesRow
from ai.batch.tasks import DEFAULT_THRESHOLD
from viewer.core.files import atomic_path

#: Version of the ``outpost batch list --json`` document.
LIST_JSON_VERSION = 1
#: The columns of the CSV report, one row per series.
CSV_COLUMNS = ("series_uid", "study_uid", "study_date", "modality", "description", "source", "status", "reason",
               "score", "flagged", "threshold", "scores", "volumes", "device", "seconds", "attempts", "read",
               "opinion")
#: Report formats, by the output file's suffix.
REPORT_FORMATS = (".csv", ".html")


@dataclass(frozen=True)
class Threshold:
    """The operating point a batch is flagged at.

    Attributes
    ----------
    value
        Scores at or above it are flagged.
    source
        ``site`` (calibrated here for this pack's checksum) or ``pack`` (the pack's own).
    origin
        Where it came from in words (the site calibration's date and figures), maybe empty.
    """

    value: float
    source: str
    origin: str = ""

    def describe(self) -> str:
        """One line: the value and where it came from."""
        where = self.origin or ("the site's calibrated threshold" if self.source == "site"
                                else "the pack's own threshold")
        return f"{self.value:g} ({where})"


def batch_threshold(meta: dict[str, str]) -> Threshold:
    """The threshold of a batch whose recorded facts are ``meta``: the site's, else the pack's."""
    site_threshold: Callable[[str], Any] | None
    try:
        from ai.batch.calibration import site_threshold
    except ModuleNotFoundError:  # an installation without calibration: the pack's threshold
        site_threshold = None
    if site_threshold is not None and meta.get("checksum"):
        saved = site_threshold(meta["checksum"])
        value = getattr(saved, "threshold", saved)
        if value is not None:
            describe = getattr(saved, "describe", None)
            return Threshold(float(value), "site", describe() if callable(describe) else "")
    try:
        return Threshold(float(meta.get("threshold", DEFAULT_THRESHOLD)), "pack")
    except ValueError:
        return Threshold(DEFAULT_THRESHOLD, "pack")


def source_kind(source: str) -> str:
    """The kind of a series' source, without the path: ``path``, ``store`` or ``pacs:<node>``."""
    kind, _, rest = source.partition(":")
    return f"pacs:{rest}" if kind == "pacs" else kind


def flagged(row: SeriesRow, threshold: Threshold) -> bool:
    """Whether a done series scores at or above the threshold."""
    return row.status == DONE and row.score is not None and row.score >= threshold.value


def list_document(folder: Path, rows: list[SeriesRow], meta: dict[str, str], counts: dict[str, int],
                  threshold: Threshold) -> dict[str, Any]:
    """The ``outpost batch list --json`` document (``version`` :data:`LIST_JSON_VERSION`)."""
    series = []
    for row in rows:
        item = asdict(row)
        item["flagged"] = flagged(row, threshold)
        series.append(item)
    return {"version": LIST_JSON_VERSION, "folder": str(folder), "created": meta.get("created", ""),
            "pack": {"name": meta.get("pack", ""), "version": meta.get("version", ""),
                     "checksum": meta.get("checksum", ""), "task": meta.get("task", ""),
                     "positive": json.loads(meta.get("positive", "[]"))},
            "threshold": {"value": threshold.value, "source": threshold.source, "origin": threshold.describe()},
            "counts": counts, "series": series}


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would read as a formula is quoted with a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True)
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv(rows: list[SeriesRow], threshold: Threshold) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = asdict(row)
        values.update(source=source_kind(row.source), flagged=int(flagged(row, threshold)),
                      threshold=threshold.value, read=int(row.read))
        writer.writerow([_cell(values[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _html(folder: Path, rows: list[SeriesRow], meta: dict[str, str], counts: dict[str, int],
          threshold: Threshold) -> str:
    e = html.escape
    done = [row for row in rows if row.status == DONE]
    flags = [row for row in done if flagged(row, threshold)]
    problems = [row for row in rows if row.status in (FAILED, UNSUITABLE)]
    unreadable = json.loads(meta.get("unreadable", "[]"))
    positive = ", ".join(json.loads(meta.get("positive", "[]"))) or "-"
    scored = (f"the probability of {positive}" if meta.get("task") == "classification"
              else "the total labelled volume (mL)")
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")

    def table(header: list[str], body: list[list[Any]]) -> str:
        head = "".join(f"<th>{e(str(h))}</th>" for h in header)
        lines = "".join("<tr>" + "".join(f"<td>{e('' if v is None else str(v))}</td>" for v in line) + "</tr>"
                        for line in body)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"

    def score(row: SeriesRow) -> str:
        return "" if row.score is None else f"{row.score:.3f}"

    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Batch report: {e(meta.get('pack', ''))}</title>",
        # Black on white whatever the reader's theme (a dark theme's light text on the light headers
        # was unreadable), and printable as it is.
        "<style>body{font-family:sans-serif;margin:2em;color:#000;background:#fff}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:.25em .5em;text-align:left;color:#000}th{background:#eee}</style>",
        "</head><body>",
        f"<h1>Batch report: {e(meta.get('pack', ''))} {e(meta.get('version', ''))}</h1>",
        f"<p>Written {e(now)}. Batch started {e(meta.get('created', ''))}; pack checksum "
        f"{e(meta.get('checksum', '')[:12])}. Research use only: the model's output is not a diagnosis.</p>",
        "<h2>Operating point</h2>",
        f"<p>Score: {e(scored)}. Flagged at or above {e(threshold.describe())}.</p>",
        "<h2>Counts</h2>",
        table(["status", "series"], [[status, counts.get(status, 0)] for status in STATUSES]
              + [["flagged", len(flags)], ["unreadable files", len(unreadable)]]),
        f"<h2>Flagged ({len(flags)} of {len(done)} scored)</h2>",
        table(["series UID", "study UID", "date", "modality", "score", "read", "opinion"],
              [[r.series_uid, r.study_uid, r.study_date, r.modality, score(r), "yes" if r.read else "no",
                r.opinion] for r in flags]),
        f"<h2>Failures and unsuitable series ({len(problems)})</h2>",
        table(["series UID", "status", "reason", "attempts", "source"],
              [[r.series_uid, r.status, r.reason, r.attempts, source_kind(r.source)] for r in problems]),
    ]
    if unreadable:
        parts += [f"<h2>Unreadable files ({len(unreadable)})</h2>",
                  table(["file", "reason"], [[Path(path).name, reason] for path, reason in unreadable])]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(folder: str | Path, out: str | Path) -> dict[str, Any]:
    """Write the batch's report to ``out`` (``.csv``: one row per series; ``.html``: the summary), atomically.

    Returns
    -------
    dict
        ``{"file", "format", "counts", "flagged", "threshold"}``.

    Raises
    ------
    BatchError
        No batch in ``folder``, or ``out`` is neither ``.csv`` nor ``.html``.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise BatchError(f"a report is written as {' or '.join(REPORT_FORMATS)}, not {out.name}")
    folder = Path(folder)
    with BatchDatabase(folder, create=False) as db:
        meta, counts, rows = db.meta(), db.counts(), db.rows(sort="score")
    threshold = batch_threshold(meta)
    text = _csv(rows, threshold) if suffix == ".csv" else _html(folder, rows, meta, counts, threshold)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return {"file": str(out), "format": suffix[1:], "counts": counts,
            "flagged": sum(flagged(row, threshold) for row in rows),
            "threshold": {"value": threshold.value, "source": threshold.source}}

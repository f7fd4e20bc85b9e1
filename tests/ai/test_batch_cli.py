"""``outpost batch run|list|report`` as a user runs them: real processes, one-line errors, no patient name out."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import subprocess
import sys

import pytest

from ai.batch.database import BatchDatabase
from ai.batch.report import CSV_COLUMNS, LIST_JSON_VERSION
from ai.batch.runner import RUN_JSON_VERSION
from tests.ai.batch_inputs import PATIENT_ID, PATIENT_NAME, screening_camp
from tests.ai.pack_factory import squeezenet_cxr_pack


def outpost(*args, data_dir):
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(data_dir), OUTPOST_BUNDLED_PACKS=str(data_dir / "none"))
    return subprocess.run([sys.executable, "-m", "viewer", *args], capture_output=True, text=True,
                          timeout=600, env=environment)


def _no_patient(text: str) -> None:
    for secret in (PATIENT_NAME, PATIENT_ID, "Sentinel", "Patientname"):
        assert secret not in text


@pytest.fixture(scope="module")
def batch(shared_data, tmp_path_factory):
    """A batch run by ``outpost batch run`` over the screening camp."""
    tmp = tmp_path_factory.mktemp("cli")
    pack = squeezenet_cxr_pack(shared_data, tmp / "pack")
    made = screening_camp(shared_data, tmp / "camp")
    out = tmp / "batch"
    ran = outpost("batch", "run", "--pack", str(pack), "--input", str(tmp / "camp"), "--out", str(out),
                  "--workers", "1", "--device", "cpu", "--json", data_dir=tmp / "data")
    assert ran.returncode == 0, ran.stderr
    return tmp, pack, made, out, ran


def test_batch_run_prints_its_summary(batch):
    tmp, pack, made, out, ran = batch
    document = json.loads(ran.stdout)
    assert document["version"] == RUN_JSON_VERSION and document["pack"] == "cxr-pneumonia-squeezenet"
    assert document["counts"]["done"] == 4 and document["counts"]["unsuitable"] == 1
    assert document["found"] == 5 and document["ran"] == 5 and not document["cancelled"]
    assert [item["path"] for item in document["unreadable"]] == [str(made["broken"][0])]
    _no_patient(ran.stdout + ran.stderr)
    again = outpost("batch", "run", "--pack", str(pack), "--input", str(tmp / "camp"), "--out", str(out),
                    "--device", "cpu", data_dir=tmp / "data")
    assert again.returncode == 0, again.stderr
    assert "ran 0 series" in again.stdout and "4 done, 1 unsuitable" in again.stdout
    assert f"unreadable: {made['broken'][0]}" in again.stdout
    # nothing the batch wrote, nor the logs and audit of the runs, names the patient
    written = [path for root in (out, tmp / "data") for path in root.rglob("*") if path.is_file()]
    assert any(path.name == "batch.sqlite3" for path in written) and any(path.suffix == ".log" for path in written)
    for path in written:
        _no_patient(path.read_bytes().decode("latin-1"))


def test_batch_list_json_ranks_and_flags(batch):
    tmp, _, made, out, _ = batch
    listed = outpost("batch", "list", str(out), "--json", data_dir=tmp / "data")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert document["version"] == LIST_JSON_VERSION
    assert document["pack"]["positive"] == ["Bacterial Pneumonia", "Viral Pneumonia"]
    assert document["threshold"]["value"] == 0.5 and document["threshold"]["source"] == "pack"
    series = document["series"]
    assert {item["series_uid"] for item in series} == set(made["xrays"]) | set(made["ct"])
    scores = [item["score"] for item in series if item["score"] is not None]
    assert scores == sorted(scores, reverse=True) and len(scores) == 4
    assert series[-1]["series_uid"] == made["ct"][0] and series[-1]["reason"]
    for item in series:
        assert item["flagged"] == (item["score"] is not None and item["score"] >= 0.5)
    _no_patient(listed.stdout)
    text = outpost("batch", "list", str(out), "--status", "unsuitable", data_dir=tmp / "data")
    assert text.returncode == 0 and made["ct"][0] in text.stdout and made["xrays"][0] not in text.stdout
    # flag one at a threshold the batch records, as the site or the pack would set it
    with BatchDatabase(out, create=False) as db:
        db.set_meta(threshold=scores[1])
        flagged = outpost("batch", "list", str(out), "--flagged", "--json", data_dir=tmp / "data")
        db.set_meta(threshold=0.5)
    assert [item["score"] for item in json.loads(flagged.stdout)["series"]] == scores[:2]


def test_batch_report_csv_and_html(batch):
    tmp, _, made, out, _ = batch
    for name in ("report.csv", "report.html"):
        written = outpost("batch", "report", str(out), "--out", str(tmp / name), data_dir=tmp / "data")
        assert written.returncode == 0, written.stderr
        assert "wrote" in written.stdout
    table = list(csv.DictReader(io.StringIO((tmp / "report.csv").read_text())))
    assert tuple(table[0]) == CSV_COLUMNS and len(table) == 5
    assert {row["status"] for row in table} == {"done", "unsuitable"}
    assert all(row["source"] == "path" for row in table)  # the kind of source, never the path
    page = (tmp / "report.html").read_text()
    assert "Operating point" in page and made["ct"][0] in page and "made for CR, DX, OT" in page
    assert "broken.dcm" in page and "<script" not in page
    for text in ((tmp / "report.csv").read_text(), page):
        _no_patient(text)
        assert str(tmp) not in text


def test_report_escapes_what_the_files_said(batch, tmp_path):
    _, _, made, out, _ = batch
    from ai.batch.report import write_report

    copy = tmp_path / "batch"
    import shutil

    shutil.copytree(out, copy)
    with BatchDatabase(copy, create=False) as db:
        db.finish(made["ct"][0], "failed", reason="<script>alert(1)</script>")
        db._db.execute("UPDATE series SET description = '=HYPERLINK(\"x\")' WHERE series_uid = ?",
                       (made["xrays"][0],))
    write_report(copy, tmp_path / "r.html")
    write_report(copy, tmp_path / "r.csv")
    page = (tmp_path / "r.html").read_text()
    assert "<script>" not in page and html.escape("<script>alert(1)</script>") in page
    assert "'=HYPERLINK" in (tmp_path / "r.csv").read_text()


def test_errors_are_one_line(batch, tmp_path):
    tmp, pack, _, out, _ = batch
    cases = [
        (("batch", "list", str(tmp_path / "none")), "no batch in"),
        (("batch", "report", str(out), "--out", str(tmp_path / "r.pdf")), ".csv or .html"),
        (("batch", "run", "--pack", str(pack), "--input", str(tmp_path / "missing"), "--out", str(out)),
         "does not exist"),
        (("batch", "run", "--pack", str(pack), "--pacs", "PACS", "--out", str(out)), "--query"),
        (("batch", "run", "--pack", str(pack), "--input", str(tmp_path), "--fetch-on-workers", "--out", str(out)),
         "--fetch-on-workers goes with --pacs NODE and --scheduler"),
    ]
    for args, message in cases:
        result = outpost(*args, data_dir=tmp / "data")
        assert result.returncode == 1, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_ctrl_c_stops_the_batch_cleanly_and_the_next_run_resumes(batch, tmp_path):
    tmp, pack, made, _, _ = batch
    import signal
    import sqlite3
    import time

    out = tmp_path / "batch"
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(tmp / "data"),
                       OUTPOST_BUNDLED_PACKS=str(tmp / "data" / "none"))
    process = subprocess.Popen([sys.executable, "-m", "viewer", "batch", "run", "--pack", str(pack), "--input",
                                str(tmp / "camp"), "--out", str(out), "--device", "cpu"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    deadline = time.monotonic() + 300
    running = []
    while not running and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the first series is running while its AI process imports torch
        try:
            with sqlite3.connect(out / "batch.sqlite3") as db:
                running = db.execute("SELECT series_uid FROM series WHERE status = 'running'").fetchall()
        except sqlite3.OperationalError:
            continue  # the batch is still creating its database: look again
    assert running, "the batch never started a series"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "stopped: run the same command again" in stdout and "Traceback" not in stderr
    resumed = outpost("batch", "run", "--pack", str(pack), "--input", str(tmp / "camp"), "--out", str(out),
                      "--device", "cpu", "--json", data_dir=tmp / "data")
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    assert document["counts"]["done"] == 4 and document["counts"]["unsuitable"] == 1
    assert sum(document["counts"].values()) == 5 and not document["cancelled"]

"""Crash recovery: SIGKILL during a C-STORE reception, a result save and store index updates.

Each operation runs for real in a child process and is killed at several
deterministic moments; then the store or result is opened again and checked:
SQLite's integrity check passes, nothing half-written is left or listed, and
everything acknowledged or committed before the kill is there and readable.
Each test prints ``kill points survived: S/T``.

- C-STORE: ``outpost receive`` receives the shared CT series from dcmtk's
  ``storescu`` and is killed after 1, 5, 10, 15 and 19 acknowledged instances.
- Result save: :func:`ai.results.save_result` (demo pack, phantom series) is
  killed before each of 5 durability steps spread over the save.
- Store: an import and a study deletion are killed before 6 steps (fsync,
  rename, uncommitted transaction) spread over both.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.hardening.kill_driver import PHANTOM_SHAPE, make_phantom_result
from tests.pacs.conftest import ct_series, ct_series_uncompressed, partial_files  # noqa: F401 - fixtures
from viewer.pacs.store import DELETED_PREFIX, INCOMING_DIR, INDEX_NAME, LocalStore

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.shared_data



@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """Settings, audit log and fallback result folders in a temporary folder (children inherit it)."""
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "outpost-data"))


# --------------------------------------------------------------------------- helpers
def _drive(*arguments: str, kill_at: int = 0) -> subprocess.CompletedProcess:
    """Run the kill driver; it must end by the kill when ``kill_at`` is set, cleanly otherwise."""
    process = subprocess.run([sys.executable, "-m", "tests.hardening.kill_driver", arguments[0], str(kill_at),
                              *arguments[1:]], capture_output=True, text=True, timeout=300, cwd=ROOT)
    expected = -signal.SIGKILL if kill_at else 0
    assert process.returncode == expected, process.stderr[-3000:]
    return process


def _steps(process: subprocess.CompletedProcess) -> int:
    return int(process.stdout.splitlines()[-1].split()[1])


def _spread(first: int, last: int, count: int) -> list[int]:
    """``count`` distinct steps evenly spread from ``first`` to ``last`` (both included)."""
    return sorted({round(first + (last - first) * i / (count - 1)) for i in range(count)})


def _integrity(root: Path) -> str:
    with sqlite3.connect(root / INDEX_NAME) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def _assert_store_sound(root: Path) -> dict[str, str]:
    """Open the store after a crash and check it whole; return its index (SOP UID -> path)."""
    assert _integrity(root) == "ok"  # before the reconciliation: SQLite's own recovery
    LocalStore(root).close()  # opening reconciles the index with the files
    assert _integrity(root) == "ok"
    with sqlite3.connect(root / INDEX_NAME) as db:
        rows = dict(db.execute("SELECT sop_uid, path FROM instances"))
        assert len(rows) == len(set(rows.values()))
    on_disk = {p.relative_to(root).as_posix() for p in (root / "files").rglob("*") if p.is_file()}
    assert set(rows.values()) == on_disk  # the index matches the files, both ways
    assert partial_files(root) == []
    assert list((root / INCOMING_DIR).iterdir()) == []
    assert list(root.glob(f"{DELETED_PREFIX}*")) == []
    for sop_uid, relative in rows.items():
        assert pydicom.dcmread(root / relative).SOPInstanceUID == sop_uid
    return rows


def _report(what: str, survived: int, tried: int) -> None:
    print(f"\n{what}: kill points survived: {survived}/{tried}")


# --------------------------------------------------------------------------- C-STORE reception
def _start_receiver(root: Path, data: Path) -> tuple[subprocess.Popen, int]:
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(data))
    receiver = subprocess.Popen([sys.executable, "-m", "viewer", "receive", "--store", str(root), "--port", "0",
                                 "--aet", "OUTPOST"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=environment, cwd=ROOT)
    line = receiver.stdout.readline()
    assert line.startswith("receiving as OUTPOST on 127.0.0.1:"), line
    return receiver, int(line.split("127.0.0.1:")[1].split()[0])


def _storescu(storescu: str, port: int, files: list[Path]) -> subprocess.Popen:
    return subprocess.Popen([storescu, "-v", "-aet", "SCANNER", "-aec", "OUTPOST", "127.0.0.1", str(port),
                             *map(str, files)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _acknowledged(lines: list[str]) -> list[str]:
    """SOP Instance UIDs (the fixture's file names) that storescu saw stored with Success."""
    acknowledged, sending = [], None
    for line in lines:
        if "Sending file:" in line:
            sending = Path(line.split("Sending file:")[1].strip()).stem
        elif "Received Store Response (Success)" in line and sending:
            acknowledged.append(sending)
    return acknowledged


def test_sigkill_during_c_store_reception(tmp_path, require_tool, ct_series_uncompressed):  # noqa: F811
    storescu = require_tool("storescu")
    series = ct_series_uncompressed
    every = {path.stem for path in series.files}
    kill_after = [1, 5, 10, 15, 19]
    survived = 0
    for after in kill_after:
        root, data = tmp_path / f"store-{after}", tmp_path / f"data-{after}"
        receiver, port = _start_receiver(root, data)
        sender = _storescu(storescu, port, series.files)
        lines, successes = [], 0
        for line in sender.stdout:
            lines.append(line)
            successes += "Received Store Response (Success)" in line
            if successes == after:
                os.kill(receiver.pid, signal.SIGKILL)  # while the next instance is on its way
                break
        lines += sender.stdout.read().splitlines()  # acknowledgements that raced the kill count too
        sender.wait(timeout=60)
        receiver.wait(timeout=60)
        receiver.stdout.close()
        sender.stdout.close()
        assert receiver.returncode == -signal.SIGKILL
        acknowledged = _acknowledged(lines)
        assert len(acknowledged) >= after

        rows = _assert_store_sound(root)
        assert set(acknowledged) <= set(rows)  # nothing acknowledged before the kill is lost

        receiver, port = _start_receiver(root, data)  # restart, and the sender tries again
        try:
            resend = subprocess.run([storescu, "-aet", "SCANNER", "-aec", "OUTPOST", "127.0.0.1", str(port),
                                     *map(str, series.files)], capture_output=True, timeout=120)
            assert resend.returncode == 0, resend.stderr[-2000:]
        finally:
            receiver.send_signal(signal.SIGTERM)
            receiver.wait(timeout=60)
            receiver.stdout.close()
        rows = _assert_store_sound(root)
        assert set(rows) == every and len(rows) == len(series.files)  # complete, once each
        survived += 1
    _report("C-STORE reception", survived, len(kill_after))


# --------------------------------------------------------------------------- result save
@pytest.fixture
def phantom_series(tmp_path) -> Path:
    from ai.demo.phantom import make_phantom
    from viewer.export.dicom_series import write_series

    folder = tmp_path / "phantom"
    write_series(make_phantom(shape=PHANTOM_SHAPE).volume, folder / "dicom", patient_name="Phantom^Kill",
                 patient_id="KILL-0001", window=(40, 400))
    return folder / "dicom"


def test_sigkill_during_a_result_save(tmp_path, phantom_series):
    from ai.results import load_previous, previous_results, result_folders

    volume, series, pack, _ = make_phantom_result(str(phantom_series), 0)
    out = result_folders(series, pack.name)[0]

    def expected_labels(summary: dict) -> np.ndarray:
        shift = int(summary["provenance"]["date"][-2:])
        return make_phantom_result(str(phantom_series), shift)[3].labels

    steps = _steps(_drive("save-result", str(out), str(phantom_series), "1"))
    kill_at = _spread(1, steps, 5)
    survived = 0
    for number, step in enumerate(kill_at, start=2):
        process = _drive("save-result", str(out), str(phantom_series), str(number), kill_at=step)
        found = previous_results(series)
        assert len(found) == 1, [str(folder) for folder, _ in found]  # the old result or the new one
        folder, summary = found[0]
        saved = "saved" in process.stdout
        shift = int(summary["provenance"]["date"][-2:])
        assert shift in ((number,) if saved else (number - 1, number))
        labels, heatmap, _ = load_previous(folder, volume)
        assert np.array_equal(labels, expected_labels(summary))  # its own labels, not the other save's
        assert pydicom.dcmread(folder / summary["files"]["seg"]).SeriesInstanceUID
        assert {p.name for p in folder.iterdir()} == {"result.json", "labels.nii.gz", "seg.dcm"}
        assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []
        if shift != number:  # the save was lost with the kill: do it again, and it is complete
            _drive("save-result", str(out), str(phantom_series), str(number))
            assert int(load_previous(out, volume)[2]["provenance"]["date"][-2:]) == number
        survived += 1
    _report("result save", survived, len(kill_at))


# --------------------------------------------------------------------------- store index
def test_sigkill_during_store_import_and_delete(tmp_path, phantom_series, ct_series):  # noqa: F811
    template = tmp_path / "template"
    with LocalStore(template) as store:
        phantom = store.import_paths([phantom_series])
    (phantom_study,) = phantom.study_uids
    phantom_sops = {i.sop_uid for i in phantom.added}

    def fresh(name: str) -> Path:
        shutil.copytree(template, tmp_path / name)
        return tmp_path / name

    dry = _drive("store", str(fresh("dry")), str(ct_series.folder), phantom_study)
    deleting = next(int(line.split()[2]) for line in dry.stdout.splitlines() if line.startswith("deleting"))
    steps = _steps(dry)
    # Three moments of the import (fsync, rename, transaction), and every step of the deletion.
    kill_at = _spread(2, deleting - 1, 3) + list(range(deleting + 1, steps + 1))
    survived = 0
    for step in kill_at:
        root = fresh(f"kill-{step}")
        process = _drive("store", str(root), str(ct_series.folder), phantom_study, kill_at=step)
        said = process.stdout.splitlines()
        committed = {line.split()[1] for line in said if line.startswith("indexed")}
        rows = _assert_store_sound(root)
        assert committed <= set(rows)  # nothing committed before the kill is lost
        kept = phantom_sops & set(rows)
        assert kept in (set(), phantom_sops)  # the deleted study is whole or gone, never half
        if not any(line.startswith("deleting") for line in said):
            assert kept == phantom_sops
        if any(line.startswith("deleted") for line in said):
            assert kept == set()

        _drive("store", str(root), str(ct_series.folder), phantom_study)  # do it again, to the end
        rows = _assert_store_sound(root)
        assert len(rows) == len(ct_series.files) and not phantom_sops & set(rows)
        survived += 1
    _report("store import and delete", survived, len(kill_at))

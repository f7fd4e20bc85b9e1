"""Application logs never hold patient names or IDs, even at DEBUG, and the audit names no patient.

The main workflows run as the ``outpost`` command (subprocesses, DEBUG
logging, a private data folder) on real shared data: scanning a DICOMDIR of
named patients, converting, the demo AI pack, plain and
anonymised export, and receiving with dcmtk's storescu. Then the application
log and the audit log are scanned for every patient name and ID of the
shared data. A negative control shows that the scanner finds a planted name.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, patient_identifiers, scan_logs
from viewer.core.audit import read_entries

pytestmark = pytest.mark.shared_data

DICOMDIR = "dicom_edge_cases/dicomdir_pydicom"
#: A CT series of that DICOMDIR (Doe^Archibald), sent to the receiver.
DICOMDIR_CT = "dicom_edge_cases/dicomdir_pydicom/77654033/CT2"
CT_FOLDER = "ct_abdomen_series_totalsegmentator/dicom"
#: A patient of the shared data (dicomdir_pydicom), given to a copy of the anonymised abdomen CT so
#: that the AI run (which needs a CT of at least 64x64x16) works on a named patient.
NAME, PATIENT_ID = "Doe^Peter", "98890234"
DEMO_PACK = ROOT / "resources" / "packs" / "outpost-demo-ct"


def _outpost(environment: dict, *args, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "viewer", *map(str, args)], capture_output=True, text=True,
                            timeout=timeout, env=environment, cwd=ROOT)
    assert result.returncode == 0, f"outpost {' '.join(map(str, args))}: {result.stderr}"
    return result


def _named_ct(shared_data: Path, folder: Path) -> Path:
    import pydicom

    folder.mkdir(parents=True)
    for source in sorted((shared_data / CT_FOLDER).iterdir()):
        ds = pydicom.dcmread(source)
        ds.PatientName, ds.PatientID = NAME, PATIENT_ID
        ds.save_as(folder / source.name)
    return folder


def _receive(environment: dict, storescu: str, files: list[Path], store: Path) -> str:
    process = subprocess.Popen([sys.executable, "-m", "viewer", "receive", "--port", "0", "--aet", "OUTPOST",
                                "--store", str(store)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment, cwd=ROOT)
    try:
        port = int(re.search(r"on 127\.0\.0\.1:(\d+)", process.stdout.readline())[1])
        sent = subprocess.run([storescu, "-aet", "SCANNER", "-aec", "OUTPOST", "127.0.0.1", str(port),
                               *map(str, files)], capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        for _ in files:
            process.stdout.readline()  # one line per arrival: all of them are in
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def workflows(shared_data, tmp_path_factory, require_tool):
    """Run the workflows once with DEBUG logs; return the private data folder they logged into."""
    storescu = require_tool("storescu")
    tmp = tmp_path_factory.mktemp("log-privacy")
    data = tmp / "data"
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(data), OUTPOST_LOG_LEVEL="DEBUG",
                       OUTPOST_BUNDLED_PACKS=str(DEMO_PACK.parent))
    ct = _named_ct(shared_data, tmp / "ct")
    dicomdir = shared_data / DICOMDIR / "DICOMDIR"
    scanned = json.loads(_outpost(environment, "scan", "--json", dicomdir).stdout)
    ct_key = next(s["key"] for s in scanned["series"] if s["modality"] == "CT" and s["instances"] == 4)
    _outpost(environment, "convert", dicomdir, "--series", ct_key, "--out", tmp / "ct.nii.gz")
    # No --explain: on this CT every method fails in ai.explain (a mask of 7 rows against a window of 8).
    _outpost(environment, "ai", "run", "--pack", DEMO_PACK, "--input", ct, "--out", tmp / "ai", "--device", "cpu")
    _outpost(environment, "export", dicomdir, "--series", ct_key, "--out", tmp / "copy")
    _outpost(environment, "export", dicomdir, "--series", ct_key, "--anonymize", "--yes", "--out", tmp / "anon")
    files = sorted(p for p in (shared_data / DICOMDIR_CT).iterdir() if p.is_file())
    _receive(environment, storescu, files, tmp / "store")
    return data


def test_the_scanner_knows_the_planted_identity(shared_data):
    identifiers = patient_identifiers(shared_data)
    assert {NAME, PATIENT_ID, "Doe^Archibald", "Citizen^Jan", "Peter"} <= identifiers
    assert not {"Anonymous", "ANONYMOUS", "Anonymized", "0", "DEV", "Test"} & identifiers


def test_debug_logs_of_the_main_workflows_hold_no_patient_name_or_id(workflows, shared_data):
    logs = sorted((workflows / "logs").glob("outpost.log*"))
    text = "".join(p.read_text(encoding="utf-8") for p in logs)
    assert " DEBUG " in text and "pynetdicom" in text and "viewer.pacs.receiver" in text  # they did log, at DEBUG
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in logs)  # owner only
    assert scan_logs(logs, patient_identifiers(shared_data)) == []


def test_the_workflows_are_audited_by_uid_without_patient_data(workflows, shared_data):
    reading = read_entries(workflows / "audit.jsonl")
    events = [entry["event"] for entry in reading.entries]
    assert {"open", "ai-run", "export", "receive"} <= set(events)
    run = next(e["details"] for e in reading.entries if e["event"] == "ai-run")
    assert run["pack"] == "outpost-demo-ct" and len(run["checksum"]) == 64 and run["outcome"] == "ok"
    assert run["device"] == "cpu"
    received = next(e["details"] for e in reading.entries if e["event"] == "receive")
    assert received["calling_ae"] == "SCANNER" and received["instances"] == 4 and len(received["study_uids"]) == 1
    exports = [e["details"] for e in reading.entries if e["event"] == "export"]
    assert {(e["kind"], e["anonymised"]) for e in exports} >= {("copy", False), ("anonymised copy", True),
                                                               ("nifti", True), ("seg", False)}
    assert scan_logs([workflows / "audit.jsonl"], patient_identifiers(shared_data)) == []


def test_the_scanner_catches_a_planted_name(tmp_path, shared_data):
    """Negative control: a name or ID that reached a log is found, in any case; chance digits in a UID are not."""
    identifiers = patient_identifiers(shared_data)
    planted = tmp_path / "planted.log"
    planted.write_text("INFO viewer: opened series 1.2.3\n"
                       "DEBUG viewer.core.dicom: header of doe^peter read\n"
                       "INFO viewer: instance 1.2.840.98890234.7 stored\n"
                       "WARNING viewer: patient 98890234 has no study date\n", encoding="utf-8")
    hits = scan_logs([planted], identifiers)
    assert hits == [f"{planted}:2: 'doe^peter'", f"{planted}:4: '98890234'"]

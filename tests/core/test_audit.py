"""The audit log: append-only, owner-only, crash tolerant, one whole line per entry across processes,
and an entry for each real action (open, AI run and explanation, export, send, receive), naming no patient."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from tests.conftest import ROOT, patient_identifiers, scan_logs
from viewer.core import audit
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken
from viewer.pacs.nodes import Node, Timeouts

CT_FOLDER = "ct_abdomen_series_totalsegmentator/dicom"
DICOMDIR = "dicom_edge_cases/dicomdir_pydicom/DICOMDIR"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(folder))
    return folder


def _events(data_dir) -> list[dict]:
    return audit.read_entries(data_dir / "audit.jsonl").entries


# ----------------------------------------------------------------------------- the file
def test_entries_are_appended_as_whole_json_lines_with_who_when_where(data_dir):
    assert audit.record("open", study_uid="1.2.3", modality="CT", instances=3)
    first = (data_dir / "audit.jsonl").read_bytes()
    assert audit.record("export", kind="copy", destination="/x", anonymised=False, count=3)
    data = (data_dir / "audit.jsonl").read_bytes()
    assert data.startswith(first) and data.endswith(b"\n") and data.count(b"\n") == 2  # appended, not rewritten
    entries = [json.loads(line) for line in data.splitlines()]
    assert [e["event"] for e in entries] == ["open", "export"]
    entry = entries[0]
    assert set(entry) == {"time", "user", "host", "pid", "version", "event", "details"}
    assert entry["pid"] == os.getpid() and entry["user"] and entry["version"]
    assert entry["time"][-6] in "+-" and entry["time"][-3] == ":"  # ISO 8601 with the UTC offset
    assert entry["details"] == {"study_uid": "1.2.3", "modality": "CT", "instances": 3}


def test_the_file_and_its_new_folder_are_owner_only(data_dir):
    audit.record("open", modality="CT")
    assert stat.S_IMODE((data_dir / "audit.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_file_made_readable_to_others_becomes_owner_only_again(data_dir):
    data_dir.mkdir()
    (data_dir / "audit.jsonl").write_text("")
    os.chmod(data_dir / "audit.jsonl", 0o644)
    audit.record("open", modality="CT")
    assert stat.S_IMODE((data_dir / "audit.jsonl").stat().st_mode) == 0o600


def test_a_torn_last_line_is_skipped_and_the_next_entry_starts_a_line_of_its_own(data_dir):
    audit.record("open", modality="CT")
    with open(data_dir / "audit.jsonl", "ab") as fp:
        fp.write(b'{"time": "2026-11-25T10:00:00+00:00", "user": "a", "ev')  # a crash mid-write
    reading = audit.read_entries()
    assert [e["event"] for e in reading.entries] == ["open"] and reading.skipped == 1
    audit.record("export", kind="nifti")
    reading = audit.read_entries()
    assert [e["event"] for e in reading.entries] == ["open", "export"] and reading.skipped == 1


def test_filters_and_last(data_dir):
    for n in range(5):
        audit.record("open" if n % 2 else "export", n=n, node="PACS (pacs@10.0.0.2:104)")
    assert [e["details"]["n"] for e in audit.read_entries(event="open").entries] == [1, 3]
    assert [e["details"]["n"] for e in audit.read_entries(last=2).entries] == [3, 4]
    assert len(audit.read_entries(text="pacs@10.0.0.2").entries) == 5
    assert audit.read_entries(last=0).entries == []
    assert audit.read_entries(tmp := data_dir / "missing.jsonl").entries == [] and not tmp.exists()


WRITER = """
import os, sys
sys.path.insert(0, {root!r})
from viewer.core import audit
for n in range(int(sys.argv[2])):
    assert audit.record("receive", writer=sys.argv[1], n=n, padding="x" * 6000)
"""


def test_two_processes_writing_at_once_never_interleave_lines(data_dir):
    """Entries of 6 kB, beyond PIPE_BUF: whole lines only thanks to one write() under flock."""
    code = WRITER.format(root=str(ROOT))
    writers = [subprocess.Popen([sys.executable, "-c", code, name, "200"], env=dict(os.environ))
               for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    reading = audit.read_entries()
    assert reading.skipped == 0 and len(reading.entries) == 400
    for name in ("a", "b"):
        assert [e["details"]["n"] for e in reading.entries if e["details"]["writer"] == name] == list(range(200))


def test_a_failure_to_write_is_logged_and_counted_never_raised(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(blocker))
    failures, _ = audit.write_failures()
    assert audit.record("open", modality="CT") is False
    count, reason = audit.write_failures()
    assert count == failures + 1 and str(blocker) in reason
    assert any("could not be written" in r.getMessage() for r in caplog.records if r.name == "viewer.core.audit")


def test_the_audit_command(data_dir, capsys):
    from viewer.cli import main

    audit.record("open", study_uid="1.2.3", modality="CT")
    audit.record("export", kind="nifti", destination="/tmp/a.nii.gz", anonymised=True, count=1)
    assert main(["audit", "--json", "--event", "export"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1 and [e["event"] for e in document["entries"]] == ["export"]
    assert document["path"] == str(data_dir / "audit.jsonl")
    assert main(["audit", "--last", "1"]) == 0
    out = capsys.readouterr().out
    assert "export" in out and "destination=/tmp/a.nii.gz" in out and "open" not in out
    assert main(["audit", "--last", "-1"]) == 1


# ----------------------------------------------------------------------------- real actions
@pytest.mark.shared_data
def test_opening_a_series_is_audited_by_uid_without_patient_data(data_dir, shared_data):
    from viewer.core.dicom import SeriesLoader, load_series, scan

    result = scan([str(shared_data / DICOMDIR)])
    for series in result.series:
        load_series(series)
    cancel = CancelToken()
    cancel.cancel()
    loader = SeriesLoader(max(result.series, key=lambda s: len(s.frames)))
    with pytest.raises(Cancelled):
        loader.load(cancel=cancel)
    entries = _events(data_dir)
    assert len(entries) == len(result.series) + 1 and {e["event"] for e in entries} == {"open"}
    assert entries[0]["details"]["study_uid"] == result.series[0].first.study_uid
    assert entries[0]["details"]["series_uid"] == result.series[0].first.series_uid
    assert entries[-1]["details"]["outcome"] == "cancelled"
    assert scan_logs([data_dir / "audit.jsonl"], patient_identifiers(shared_data)) == []


def test_an_ai_run_and_its_explanation_are_audited(data_dir):
    from ai.demo.phantom import make_phantom
    from ai.explain import explain
    from ai.inference import run
    from ai.packs.pack import read_pack

    pack = read_pack(ROOT / "resources" / "packs" / "outpost-demo-ct")
    volume = make_phantom(seed=3).volume
    result = run(volume, pack, device="cpu")
    explain(volume, pack, result, method="saliency", device="cpu")
    ai_run, explained = [e["details"] for e in _events(data_dir)]
    assert ai_run == {"pack": "outpost-demo-ct", "version": pack.version, "checksum": pack.checksum,
                      "verified": True, "series_uid": volume.provenance.series_uid,
                      "study_uid": volume.provenance.study_uid, "modality": volume.metadata.get("modality", ""),
                      "device": "cpu", "outcome": "ok"}
    assert explained["method"] == "saliency" and explained["outcome"] == "ok"
    assert explained["checksum"] == pack.checksum


def test_a_refused_ai_run_is_audited_with_its_reason(data_dir):
    import numpy as np

    from ai.errors import AIError
    from ai.inference import run
    from ai.packs.pack import read_pack
    from viewer.core.volume import Volume

    pack = read_pack(ROOT / "resources" / "packs" / "outpost-demo-ct")
    tiny = Volume(array=np.zeros((2, 8, 8), np.int16), metadata={"modality": "CT"})
    with pytest.raises(AIError):
        run(tiny, pack, device="cpu")
    (entry,) = _events(data_dir)
    assert entry["event"] == "ai-run" and entry["details"]["outcome"].startswith("failed: AIError: ")


@pytest.mark.shared_data
def test_exports_are_audited(data_dir, shared_data, tmp_path):
    from viewer.core.dicom import load_series, scan
    from viewer.export.anonymize import AnonymizationOptions, plan_anonymization, write_anonymized
    from viewer.export.copy import copy_files
    from viewer.export.nifti import write_nifti

    series = scan([str(shared_data / CT_FOLDER)]).series[0]
    write_nifti(load_series(series), tmp_path / "ct.nii.gz")
    copy_files([i.source for i in series.instances], tmp_path / "copy")
    plan = plan_anonymization([i.source for i in series.instances], AnonymizationOptions())
    write_anonymized(plan, tmp_path / "anon")
    exports = [e["details"] for e in _events(data_dir) if e["event"] == "export"]
    assert exports == [
        {"kind": "nifti", "destination": str(tmp_path / "ct.nii.gz"), "anonymised": True, "count": 1,
         "outcome": "ok"},
        {"kind": "copy", "destination": str(tmp_path / "copy"), "anonymised": False, "count": 20, "outcome": "ok"},
        {"kind": "anonymised copy", "destination": str(tmp_path / "anon"), "anonymised": True, "count": 20,
         "outcome": "ok"},
    ]


@pytest.mark.shared_data
def test_sending_and_receiving_are_audited_per_association(data_dir, shared_data, tmp_path, require_tool):
    """Outpost's C-STORE to Outpost's own storage SCP, then dcmtk's storescu to it: one entry per association."""
    from viewer.pacs import dimse
    from viewer.pacs.receiver import Receiver
    from viewer.pacs.store import LocalStore

    storescu = require_tool("storescu")
    folder = shared_data / "dicom_edge_cases/dicomdir_pydicom/77654033/CT2"
    files = sorted(str(p) for p in folder.iterdir())
    store = LocalStore(tmp_path / "store")
    with Receiver(store, ae_title="OUTPOST", port=0, timeouts=Timeouts()) as receiver:
        node = Node("self", ae_title="OUTPOST", host="127.0.0.1", port=receiver.port)
        sent = dimse.send(node, files)
        done = subprocess.run([storescu, "-aet", "MODALITY", "-aec", "OUTPOST", "127.0.0.1", str(receiver.port),
                               *files], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    store.close()
    entries = _events(data_dir)
    (send,) = [e["details"] for e in entries if e["event"] == "send"]
    receives = [e["details"] for e in entries if e["event"] == "receive"]
    study_uid = set(send["study_uids"])
    assert send["protocol"] == "C-STORE" and send["sent"] == sent.sent == len(files) and send["failed"] == 0
    assert "127.0.0.1:" in send["node"] and len(study_uid) == 1
    assert sorted(r["calling_ae"] for r in receives) == ["MODALITY", "OUTPOST"]
    assert all(r["instances"] == len(files) and r["rejected"] == 0 and set(r["study_uids"]) == study_uid
               and r["ae_title"] == "OUTPOST" for r in receives)
    assert scan_logs([data_dir / "audit.jsonl"], patient_identifiers(shared_data)) == []

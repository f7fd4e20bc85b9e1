"""``outpost pacs``, ``outpost receive`` and ``outpost store``, through viewer.cli.pacs.register."""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pacs.servers import ORTHANC_USER
from viewer.cli.pacs import PASSWORD_ENV, register
from viewer.core.errors import OutpostError
from viewer.pacs.errors import NodeConfigError, PacsError

ROOT = Path(__file__).resolve().parents[2]
#: A stand-in for ``outpost`` until viewer/cli.py registers these commands.
RUNNER = ("import argparse, sys\n"
          f"sys.path.insert(0, {str(ROOT)!r})\n"
          "from viewer.cli.pacs import register\n"
          "parser = argparse.ArgumentParser(prog='outpost')\n"
          "register(parser.add_subparsers(dest='command'))\n"
          "args = parser.parse_args(sys.argv[1:])\n"
          "sys.exit(args.handler(args))\n")

pytestmark = pytest.mark.shared_data


@pytest.fixture
def outpost(tmp_path, monkeypatch, capsys):
    """Run a command as ``outpost ARGS`` would; return (exit status, stdout)."""
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTPOST_CREDENTIAL_STORE", "file")  # never the keyring of whoever runs the tests
    parser = argparse.ArgumentParser(prog="outpost")
    register(parser.add_subparsers(dest="command"))

    def run(*argv: str) -> tuple[int, str]:
        args = parser.parse_args([str(a) for a in argv])
        status = args.handler(args)
        return status, capsys.readouterr().out

    return run


def test_nodes_echo_find_retrieve_and_store(outpost, loaded_orthanc, ct_series, tmp_path, monkeypatch):
    orthanc = loaded_orthanc
    monkeypatch.setenv(PASSWORD_ENV, orthanc.password)
    # The test Orthanc's DICOMweb is plain http:// on the loopback interface: the credentials go
    # there only because the node allows it.
    status, out = outpost("pacs", "node", "add", "orthanc", orthanc.address, "--url", orthanc.dicomweb_url,
                          "--user", ORTHANC_USER, "--allow-http-credentials")
    assert status == 0 and orthanc.password not in out
    # pacs.json keeps the user name but no password (it used to hold it in plain text); the password is
    # in the owner-only credentials file beside it (no keyring here: OUTPOST_CREDENTIAL_STORE=file).
    text = (tmp_path / "data" / "pacs.json").read_text()
    settings = json.loads(text)
    assert orthanc.password not in text and "password" not in settings["nodes"]["orthanc"]
    assert settings["nodes"]["orthanc"]["username"] == ORTHANC_USER
    assert orthanc.password in (tmp_path / "data" / "pacs-credentials.json").read_text()
    assert f"user {ORTHANC_USER}" in outpost("pacs", "node", "list")[1]

    status, out = outpost("pacs", "echo", "orthanc")
    assert status == 0 and "echo OK" in out
    status, out = outpost("pacs", "echo", orthanc.address)  # an address works without configuration
    assert status == 0

    status, out = outpost("pacs", "find", "orthanc", "--patient-name", "Testpatient*", "--date",
                          "20221201-20221231", "--modality", "CT", "--json")
    document = json.loads(out)
    assert document["version"] == 1 and document["protocol"] == "dimse" and document["level"] == "STUDY"
    assert orthanc.password not in out
    (match,) = document["matches"]
    assert set(match) == {"level", "study_uid", "patient_id", "patient_name", "patient_birth_date", "patient_sex",
                          "study_date", "study_time", "study_description", "accession_number", "modalities",
                          "series_count", "instance_count"}
    assert (match["study_uid"], match["instance_count"], match["modalities"]) == (ct_series.study_uid, 20, ["CT"])
    web = json.loads(outpost("pacs", "find", "orthanc", "--patient-id", ct_series.patient_id, "--web",
                             "--json")[1])
    assert web["protocol"] == "dicomweb" and web["matches"] == document["matches"]
    series = json.loads(outpost("pacs", "find", "orthanc", "--study", ct_series.study_uid, "--json")[1])
    assert series["level"] == "SERIES"
    assert set(series["matches"][0]) == {"level", "study_uid", "series_uid", "modality", "series_number",
                                         "series_description", "series_date", "instance_count"}
    assert "Testpatient^Abdomen" in outpost("pacs", "find", "orthanc")[1]

    status, out = outpost("pacs", "retrieve", "orthanc", ct_series.study_uid)
    assert status == 0 and "retrieved 20 instance(s)" in out and "by GET (20 new)" in out
    status, out = outpost("pacs", "retrieve", "orthanc", ct_series.study_uid, "--method", "wado")
    assert status == 0 and "by WADO (0 new)" in out
    listing = json.loads(outpost("store", "list", "--json")[1])
    assert listing["root"] == str(tmp_path / "data" / "store")
    (study,) = listing["studies"]
    assert (study["study_uid"], study["instance_count"]) == (ct_series.study_uid, 20)
    assert listing["size_bytes"] == study["size_bytes"] > 0


def test_move_from_the_command_line(outpost, loaded_orthanc, ct_series, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "pacs.json").write_text(json.dumps(
        {"local": {"ae_title": "OUTPOST", "receiver_port": loaded_orthanc.receiver_port}}))
    status, out = outpost("pacs", "retrieve", loaded_orthanc.address, ct_series.study_uid, "--method", "move",
                          "--store", tmp_path / "moved")
    assert status == 0 and "by MOVE (20 new)" in out


def test_send_and_store_commands(outpost, orthanc, ct_series, shared_data):
    status, out = outpost("store", "import", ct_series.folder)
    assert status == 0 and "imported 20 instance(s)" in out
    status, out = outpost("store", "import", ct_series.folder,
                          shared_data / "ct_3slice_dicom_seg_dcmqi" / "liver.dcm")
    assert "imported 1 instance(s)" in out and "20 already there" in out
    status, out = outpost("store", "list")
    assert ct_series.study_uid in out and "3.0 MiB" in out
    status, out = outpost("pacs", "send", orthanc.address, ct_series.folder)
    assert status == 0 and "sent 20 instance(s)" in out
    assert len(orthanc.study_instances(ct_series.study_uid)) == 20
    status, out = outpost("store", "delete", ct_series.study_uid[:30])
    assert status == 0 and f"deleted study {ct_series.study_uid}" in out
    assert ct_series.study_uid not in outpost("store", "list")[1]


def test_bad_input_is_one_line_errors(outpost, tmp_path):
    cases = [(("pacs", "echo", "nowhere"), NodeConfigError, "neither a configured node nor an address"),
             (("pacs", "echo", "PACS@127.0.0.1:99999"), NodeConfigError, "out of range"),
             (("pacs", "find", "PACS@127.0.0.1:104", "--date", "last week"), PacsError, "invalid date"),
             (("pacs", "echo", "PACS@127.0.0.1:104", "--aet", "FAR_TOO_LONG_TITLE"), NodeConfigError, "AE title"),
             (("pacs", "send", "PACS@127.0.0.1:104", tmp_path / "missing"), OutpostError, "no such file"),
             (("store", "delete", "1.2.3"), OutpostError, "no study"),
             (("store", "import"), OutpostError, "needs PATH"),
             (("pacs", "node", "add", "bad name", "A@h:1"), NodeConfigError, "invalid node name")]
    for argv, error, message in cases:
        with pytest.raises(error, match=message) as caught:
            outpost(*argv)
        assert "\n" not in str(caught.value)


def test_receive_in_the_foreground_until_sigterm(tmp_path, ct_series, require_tool):
    storescu = require_tool("storescu")
    process = subprocess.Popen([sys.executable, "-c", RUNNER, "receive", "--port", "0", "--aet", "OUTPOST",
                                "--store", str(tmp_path / "store")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={"OUTPOST_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"})
    try:
        banner = process.stdout.readline()
        port = int(re.search(r"on 127\.0\.0\.1:(\d+)", banner)[1])
        sent = subprocess.run([storescu, "-aet", "SCANNER", "-aec", "OUTPOST", "-R", "-xv", "127.0.0.1", str(port),
                               "+sd", str(ct_series.folder)], capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0, sent.stderr
        arrivals = [process.stdout.readline() for _ in range(20)]
        assert all(line.startswith("received CT Image Storage") and "from SCANNER" in line for line in arrivals)
        assert all(ct_series.patient_name not in line for line in arrivals)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopped: 20 received, 0 rejected" in out

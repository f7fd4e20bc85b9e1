"""Values from files cannot forge the output of the ``outpost`` command, nor its log.

A CD or a zip is written by someone else. Its SeriesDescription, its file and
member names, its DICOMDIR's references, its UIDs and a model pack's metadata
here hold terminal escape sequences (set the title, clear the screen, conceal),
carriage returns, NULs, C1 controls, line separators, right-to-left overrides
and newlines followed by text that imitates Outpost's own output or a log
record. Each test runs the real command as a subprocess, reads its output as
bytes, and checks that none of those characters comes out raw, that every
line of output is one Outpost wrote (no forged line), and that each value is
still there, escaped, for a reader to recognise.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import JPEGBaseline8Bit

from tests.conftest import ROOT
from tests.dicom_factory import make_slice, write
from viewer.core.text import printable

DESCRIPTION = "CT head \x1b]0;pwned\x07\x1b[2J\rX\u202e\x9b\nFORGED SERIES LINE"
MODALITY = "CT\x1b[8m"
FILE_NAME = "evil\n2026-01-01 FORGED FILE LINE\x1b[31m.txt"
MEMBER = "member\u2028\nFORGED ZIP LINE\x1b[2J"
#: ReferencedFileIDs of the DICOMDIR: one names a missing file, one leaves the DICOMDIR's folder.
MISSING_ID = ["IMAGES", "IM\x1b[2J\nFORGED\x00DICOMDIR LINE"]
ESCAPING_ID = ["..", "\x1b]0;x\x07"]
STUDY_UID = "1.2.3\x1b[2J\r\nFORGED AUDIT LINE"
SERIES_UID = "1.2.3.4\x1b]0;x\x07"
#: A file whose name imitates a record of the application log.
BROKEN_NAME = "a\n2026-01-01 00:00:00,000 1 MainThread WARNING outpost: FORGED\u202e.dcm"
#: What a model pack says of itself (appended to its name, version, authors, licence, references and label).
PACK_TEXT = "\x1b]0;pwned\x07\x1b[2J\r\nFORGED PACK LINE\u202e"
#: What no output may hold raw: ESC, BEL, CR, NUL, the C1 CSI, U+2028 and the right-to-left override.
RAW = (b"\x1b", b"\x07", b"\r", b"\x00", "\x9b".encode(), "\u2028".encode(), "\u202e".encode())
#: How each record of the application log begins.
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def outpost(data: Path, *args, **environment) -> subprocess.CompletedProcess:
    """Run ``outpost ARGS`` with its own data folder; its output is kept as bytes."""
    env = dict(os.environ, OUTPOST_DATA_DIR=str(data), OUTPOST_BUNDLED_PACKS=str(data / "no-bundled-packs"),
               **environment)
    return subprocess.run([sys.executable, "-m", "viewer", *map(str, args)], capture_output=True, timeout=300,
                          env=env, cwd=ROOT)


def lines_of(output: bytes) -> list[str]:
    """The lines of ``output``, after checking that it holds none of :data:`RAW`."""
    for raw in RAW:
        assert raw not in output, f"{raw!r} came out raw: {output!r}"
    return output.decode("utf-8").splitlines()


def _image(folder: Path, name: str, **attributes) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the hostile values it is asked to write
        ds = make_slice(np.zeros((8, 8), np.uint8), **attributes)
        ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: the description can hold U+202E
        return write(ds, folder / name)


def _dicomdir(folder: Path) -> Path:
    directory = Dataset()
    directory.file_meta = FileMetaDataset()
    directory.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    directory.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.99"
    directory.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    records = []
    folder.mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about the hostile values it is asked to write
        for file_id in (MISSING_ID, ESCAPING_ID):
            record = Dataset()
            record.DirectoryRecordType = "IMAGE"
            record.ReferencedFileID = file_id
            records.append(record)
        directory.DirectoryRecordSequence = Sequence(records)
        directory.save_as(folder / "DICOMDIR", enforce_file_format=True)
    return folder / "DICOMDIR"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    """A study folder (a hostile series, a hostile file name, a zip with a hostile member), a DICOMDIR,
    a series with hostile UIDs, and a file named like a log record whose pixel data cannot be decoded."""
    tmp = tmp_path_factory.mktemp("forged-output")
    study = tmp / "study"
    for number in (1, 2):
        _image(study, f"slice{number}", series_description=DESCRIPTION, modality=MODALITY,
               position=(0.0, 0.0, 2.0 * number), instance_number=number)
    (study / FILE_NAME).write_text("not a DICOM file")
    with zipfile.ZipFile(study / "a.zip", "w") as archive:
        archive.writestr(MEMBER, b"not a DICOM file either")

    uids = tmp / "uids"
    _image(uids, "slice1", study_uid=STUDY_UID, series_uid=SERIES_UID)

    broken = _image(tmp / "broken", BROKEN_NAME)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = dcmread(broken)
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        ds.PixelData = encapsulate([b"\xff\xd8 not a JPEG \xff\xd9"])
        ds["PixelData"].VR = "OB"
        ds.save_as(broken)
    return {"study": study, "dicomdir": _dicomdir(tmp / "media"), "uids": uids, "broken": broken}


def _skipped_paths(hostile: dict[str, Path]) -> dict[str, str]:
    """Each file the scan skips, as a raw path, with its reason."""
    media = str(hostile["dicomdir"].parent)
    return {
        os.path.join(media, *MISSING_ID): "referenced by DICOMDIR but missing",
        os.path.join(media, *ESCAPING_ID): "DICOMDIR reference leaves its folder",
        f"{hostile['study'] / 'a.zip'}!{MEMBER}": "not a DICOM file",
        str(hostile["study"] / FILE_NAME): "not a DICOM file",
    }


def test_scan_shows_each_hostile_value_escaped_on_a_line_of_its_own(hostile, tmp_path):
    result = outpost(tmp_path / "data", "scan", hostile["study"], hostile["dicomdir"])
    assert result.returncode == 0, result.stderr
    lines = lines_of(result.stdout)
    skipped = [f"  {printable(path)}: {reason}" for path, reason in _skipped_paths(hostile).items()]
    assert len(lines) == 3 + len(skipped)  # every line accounted for: the series, a gap, the skipped files
    assert re.match(r"^[0-9a-f]{10}  ", lines[0])
    assert printable(MODALITY) in lines[0] and lines[0].endswith("  " + printable(DESCRIPTION))
    assert "CT head \\x1b]0;pwned\\x07\\x1b[2J\\rX\\u202e\\x9b\\nFORGED SERIES LINE" in lines[0]  # recognisable
    assert lines[1:3] == ["", f"{len(skipped)} file(s) skipped:"]
    assert sorted(lines[3:]) == sorted(skipped)
    assert "\\x1b]0;x\\x07: DICOMDIR reference leaves its folder" in result.stdout.decode()
    assert all(line.startswith("outpost: ") for line in lines_of(result.stderr))  # pydicom's warnings


def test_scan_json_escapes_them_and_gives_them_back_exactly(hostile, tmp_path):
    result = outpost(tmp_path / "data", "scan", hostile["study"], hostile["dicomdir"], "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads("\n".join(lines_of(result.stdout)))
    (series,) = document["series"]
    assert series["description"] == DESCRIPTION and series["modality"] == MODALITY
    assert {s["path"]: s["reason"] for s in document["skipped"]} == _skipped_paths(hostile)


def test_a_load_error_naming_a_hostile_file_is_one_line(hostile, tmp_path):
    result = outpost(tmp_path / "data", "convert", hostile["broken"].parent, "--out", tmp_path / "x.nii.gz")
    assert result.returncode == 1 and result.stdout == b""
    lines = lines_of(result.stderr)
    assert all(line.startswith("outpost: ") for line in lines), lines  # the error, and pydicom's log records
    (error,) = [line for line in lines if line.startswith("outpost: error: ")]
    assert printable(hostile["broken"]) in error


def test_the_audit_shows_hostile_uids_and_file_names_escaped(hostile, tmp_path):
    data = tmp_path / "data"
    assert outpost(data, "convert", hostile["uids"], "--out", tmp_path / "x.nii.gz").returncode == 0
    assert outpost(data, "convert", hostile["broken"].parent, "--out", tmp_path / "y.nii.gz").returncode == 1
    result = outpost(data, "audit")
    assert result.returncode == 0, result.stderr
    lines = lines_of(result.stdout)
    assert len(lines) == 3 and all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line) for line in lines)
    opened, _export, failed = lines
    assert f"study_uid={printable(STUDY_UID)} series_uid={printable(SERIES_UID)}" in opened
    # The whole file name, not the part before its newline.
    assert "outcome=failed: LoadError: " in failed and printable(hostile["broken"]) in failed
    document = json.loads("\n".join(lines_of(outpost(data, "audit", "--json").stdout)))
    assert document["entries"][0]["details"]["study_uid"] == STUDY_UID
    assert printable(BROKEN_NAME) in document["entries"][2]["details"]["outcome"]


def test_the_log_holds_one_line_per_record_when_a_file_name_imitates_a_record(hostile, tmp_path):
    data = tmp_path / "data"
    result = outpost(data, "view", hostile["broken"].parent, "--screenshot", tmp_path / "shot.png",
                     QT_QPA_PLATFORM="offscreen")
    assert result.returncode in (0, 1) and b"internal error" not in result.stderr
    # Its warnings and errors on stderr (pydicom's decoder errors come with their traceback) are
    # one line each too.
    stderr = lines_of(result.stderr)
    assert not [line for line in stderr if line.startswith(("2026-01-01", "FORGED", "Traceback", "  "))]
    log_lines = lines_of((data / "logs" / "outpost.log").read_bytes())
    assert log_lines and all(RECORD_START.match(line) for line in log_lines), log_lines
    (error,) = [line for line in log_lines if "user-facing error" in line]
    assert printable(hostile["broken"]) in error  # the name, escaped, inside the record that reports it


def _hostile_pack(root: Path) -> Path:
    """The tests' tiny segmentation pack, its name, authors, licence, references and label named by an attacker."""
    from tests.ai.pack_factory import make_pack
    from tests.ai.test_packs_and_inference import TINY_CONFIG, TINY_META, _tiny_state

    metadata = dict(TINY_META, name="tiny" + PACK_TEXT, version="0.1" + PACK_TEXT, authors=["Lab" + PACK_TEXT],
                    license="MIT" + PACK_TEXT, references=["doi" + PACK_TEXT])
    metadata["network_data_format"] = {"outputs": {"pred": {"channel_def": {"0": "background",
                                                                            "1": "thing" + PACK_TEXT}}}}
    return make_pack(root, metadata, TINY_CONFIG, _tiny_state())


def test_the_ai_commands_show_a_packs_hostile_metadata_escaped(tmp_path):
    from ai.demo.phantom import make_phantom
    from viewer.export.dicom_series import write_series

    data, pack = tmp_path / "data", _hostile_pack(tmp_path / "pack" / "tiny")
    installed = outpost(data, "models", "install", pack)
    assert installed.returncode == 0, installed.stderr
    lines = lines_of(installed.stdout)
    assert [line.partition(": ")[0] for line in lines[:7]] == ["pack", "made by", "licence", "references",
                                                                "sha256", "checksums", "runs"]
    assert lines[0] == f"pack: {printable('tiny' + PACK_TEXT)} {printable('0.1' + PACK_TEXT)}"
    assert lines[1:4] == [f"made by: {printable('Lab' + PACK_TEXT)}", f"licence: {printable('MIT' + PACK_TEXT)}",
                          f"references: {printable('doi' + PACK_TEXT)}"]
    assert len(lines) == 8 and lines[7].startswith(f"installed {printable('tiny' + PACK_TEXT)} into ")

    listed = lines_of(outpost(data, "models", "list").stdout)
    # The catalogue's group heading, the pack's own line, its licence and size: three lines, no more.
    assert len(listed) == 3 and listed[0] == "[any modality > any]"
    assert listed[1].startswith(printable("tiny" + PACK_TEXT))
    assert listed[2].startswith("    licence ") and all(c.isprintable() for c in listed[2])

    study = tmp_path / "study"
    write_series(make_phantom(shape=(16, 64, 64), spacing=(4.0, 4.0, 6.0)).volume, study,
                 patient_name="Phantom^Test", patient_id="P-1")
    run = outpost(data, "ai", "run", "--pack", pack, "--input", study, "--out", tmp_path / "out",
                  "--device", "cpu")
    assert run.returncode == 0, run.stderr
    shown = lines_of(run.stdout)  # the volume of each label found, then where the result went
    assert shown[-1].startswith("wrote ") and shown[:-1]
    assert all(line.startswith(printable("thing" + PACK_TEXT) + " ") for line in shown[:-1])
    assert not [line for line in lines_of(run.stderr) if line.startswith("FORGED")]

"""The application log: every record is one line, whatever a file name or a traceback carries."""

from __future__ import annotations

import logging
import os
import re

import pytest

from viewer.core.logs import configure_logging, log_path
from viewer.core.text import printable

#: A file name that, written raw, would add a record of its own to the log.
FORGED_NAME = "a\n2026-01-01 00:00:00,000 1 MainThread WARNING outpost: FORGED.dcm"
#: Where each record of ``FILE_FORMAT`` begins: the time, the process ID, the thread, the level.
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ \S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
LOGGER = "outpost.test-forged-log"


@pytest.fixture
def application_log(tmp_path, monkeypatch):
    """The real application log, configured in a private data folder; put back afterwards."""
    before = os.environ.get("OUTPOST_DATA_DIR")
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    path = configure_logging()
    assert path == log_path() and path.is_relative_to(tmp_path)
    yield path
    if before is not None:
        monkeypatch.setenv("OUTPOST_DATA_DIR", before)
    configure_logging()  # the file handler moves back to the session's data folder


def test_each_record_is_one_line_whatever_its_arguments_and_traceback_hold(application_log):
    log = logging.getLogger(LOGGER)
    log.warning("cannot read %s", FORGED_NAME)
    log.warning("skipped %s", "b\r\x1b]0;pwned\x07\x1b[2J\x00c\u2028d\u202ee")
    log.warning("skipped %s", os.fsdecode(b"not-utf8-\xff.dcm"))  # raw, it made the handler fail
    try:
        raise ValueError(f"damaged header in {FORGED_NAME}")
    except ValueError:
        log.exception("scan failed on %s", FORGED_NAME)

    data = application_log.read_bytes()
    for byte in (b"\r", b"\x1b", b"\x07", b"\x00", "\u2028".encode(), "\u202e".encode()):
        assert byte not in data
    lines = data.decode("utf-8").splitlines()
    assert all(RECORD_START.match(line) for line in lines), lines  # no line is a piece of a record
    ours = [line for line in lines if f" {LOGGER}: " in line]
    assert len(ours) == 4
    assert ours[0].endswith("cannot read a\\n2026-01-01 00:00:00,000 1 MainThread WARNING outpost: FORGED.dcm")
    assert ours[1].endswith("skipped b\\r\\x1b]0;pwned\\x07\\x1b[2J\\x00c\\u2028d\\u202ee")
    assert ours[2].endswith("skipped not-utf8-\\udcff.dcm")
    assert " ERROR " in ours[3] and "\\nTraceback (most recent call last):\\n" in ours[3]
    assert ours[3].endswith("ValueError: damaged header in " + printable(FORGED_NAME))
    assert not any(line.startswith("2026-01-01 00:00:00,000 1 MainThread") for line in lines)

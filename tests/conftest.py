"""Shared fixtures: the real data in ../shared/data, Debian tools, and strict mode.

Tests that need ../shared/data or a Debian tool skip on a user's fresh clone
without them, but fail when ``OUTPOST_STRICT=1`` (CI sets it), so nothing
skips silently in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OUTPOST_SHARED_DATA", ROOT.parent / "shared" / "data"))
STRICT = os.environ.get("OUTPOST_STRICT") == "1"


def missing(reason: str) -> None:
    """Skip, or fail under ``OUTPOST_STRICT=1``."""
    if STRICT:
        pytest.fail(f"{reason} (OUTPOST_STRICT=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real third-party data (never copied into the repository)."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        missing(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def require_tool():
    """Return a function that finds a command-line tool, or skips/fails without it."""

    def find(name: str) -> str:
        path = shutil.which(name)
        if path is None:
            missing(f"the tool {name!r} is not installed (Debian package needed)")
        return path

    return find


# --------------------------------------------------------------------------- privacy of the logs
# The suite never writes to the real per-user folder: OUTPOST_DATA_DIR points at a
# session folder (a test may set its own). Every log record of the suite, at DEBUG,
# goes to a file there; at the end every log the suite wrote (that file, the
# application logs of in-process commands and of subprocesses) is scanned for the
# shared data's patient names and IDs, and the session fails on a hit.
SUITE_LOG_NAME = "suite.log"
#: Values too generic to be identifying, or DICOM vocabulary that a log may say on its own (compared lowercased).
GENERIC_IDENTIFIERS = frozenset({
    "anonymous", "anonymized", "anonymised", "anonymous^", "none", "unknown", "test", "patient", "name",
    "patientname", "first", "last", "firstname", "lastname", "modality", "regression", "demo", "phantom",
    "breast", "boost", "perfusion",  # a body part, a radiotherapy term and an MR technique said as words
})
_SESSION: dict[str, object] = {}


def patient_identifiers(data: Path) -> set[str]:
    """The patient names (and their ``^`` components) and IDs found in the DICOM files under ``data``.

    Empty and generic values (:data:`GENERIC_IDENTIFIERS`), values under four
    characters and all-digit IDs under six digits (chance matches in numbers
    and tags such as ``0010``) are left out.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    found: set[str] = set()
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True,
                                 specific_tags=["PatientName", "PatientID", "OtherPatientIDs"])
        except (InvalidDicomError, OSError, ValueError, TypeError, AttributeError, KeyError, EOFError):
            continue
        values: list[str] = []
        for keyword in ("PatientName", "PatientID", "OtherPatientIDs"):
            value = ds.get(keyword)
            items = value if isinstance(value, pydicom.multival.MultiValue) else [value]
            values += [str(item).strip() for item in items if item is not None]
        name = str(ds.get("PatientName", "") or "")
        values += [part.strip() for part in name.split("^")]
        for value in values:
            bare = value.strip("^ ")
            if (len(bare) >= 4 and bare.lower() not in GENERIC_IDENTIFIERS
                    and not (bare.isdigit() and len(bare) < 6)):
                found.add(bare)
    return found


def scan_logs(files, identifiers) -> list[str]:
    """``file:line: identifier`` for every line of ``files`` that holds one of ``identifiers``.

    Matching ignores case; an identifier inside a longer word, number or UID
    (``…12345678.9`` in a UID) is not a hit. Paths inside the shared data
    folder are left out: some of its folders are named by the published
    patient ID (``dicomdir_pydicom/77654033``), and naming a file by its path
    is what logs should do.
    """
    import re

    if not identifiers:
        return []
    longest_first = sorted(identifiers, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, longest_first)) + r")(?![\w.])", re.IGNORECASE)
    shared_paths = re.compile(re.escape(str(SHARED_DATA)) + r"[^\s'\",)]*")
    hits = []
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as fp:
            for number, line in enumerate(fp, 1):
                match = pattern.search(shared_paths.sub("<shared data path>", line))
                if match:
                    hits.append(f"{path}:{number}: {match.group(1)!r}")
    return hits


def suite_log_files(data_dir: Path, basetemp: Path | None) -> list[Path]:
    """Every log the suite wrote: under the session data folder, and Outpost's logs under pytest's temp folder."""
    files = [p for p in data_dir.rglob("*") if p.is_file() and (p.suffix == ".log" or ".log." in p.name)]
    if basetemp is not None and basetemp.is_dir():
        files += [p for p in basetemp.rglob("outpost.log*") if p.is_file()]
    return sorted(set(files))


def pytest_configure(config: pytest.Config) -> None:
    import logging
    import tempfile

    data_dir = Path(tempfile.mkdtemp(prefix="outpost-test-data-"))
    os.environ["OUTPOST_DATA_DIR"] = str(data_dir)  # subprocesses inherit it
    handler = logging.FileHandler(data_dir / SUITE_LOG_NAME, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    _SESSION.update(data_dir=data_dir, handler=handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import logging

    data_dir, handler = _SESSION.get("data_dir"), _SESSION.get("handler")
    if data_dir is None:
        return
    logging.getLogger().removeHandler(handler)
    handler.close()
    factory = getattr(session.config, "_tmp_path_factory", None)
    basetemp = factory.getbasetemp() if factory is not None else None
    identifiers = patient_identifiers(SHARED_DATA) if (SHARED_DATA / "MANIFEST.md").is_file() else set()
    files = suite_log_files(data_dir, basetemp)
    hits = scan_logs(files, identifiers)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if hits:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write("\n")
            reporter.write_line(f"patient identifiers of the shared data found in {len(hits)} log line(s) "
                                f"(logs kept in {data_dir}):", red=True)
            for hit in hits[:50]:
                reporter.write_line(f"  {hit}", red=True)
        return
    if reporter is not None and identifiers:
        reporter.write("\n")
        reporter.write_line(f"log privacy: {len(files)} log file(s) scanned for {len(identifiers)} patient "
                            "names and IDs of the shared data: none found")
    shutil.rmtree(data_dir, ignore_errors=True)

"""Files that hang or fail to read: a stalled share, a damaged disc, a named pipe.

The stalls are real: a FUSE file system served by the test (``fusefs.py``)
leaves a file's reads unanswered, so the reading thread blocks in ``read()``
exactly as on a disconnected network share, and answers others with EIO as a
damaged disc does. ``/proc/self/mem`` gives a second, FUSE-free EIO, and a
named pipe with no writer blocks whoever opens it.
"""

from __future__ import annotations

import errno
import os
import threading

import numpy as np
import pytest

from tests.conftest import missing
from tests.dicom_factory import write_stack
from tests.hardening import fusefs
from viewer.core.dicom import load_series, scan
from viewer.core.dicom.deadline import call_with_deadline
from viewer.core.errors import StalledReadError

TIMEOUT = 1.0
STALLED = f"did not answer within {TIMEOUT:g} s (disconnected network share or damaged disc?)"
EIO = "could not be read (Input/output error; damaged disc or removed media?)"


@pytest.fixture
def volume() -> np.ndarray:
    return (np.arange(4 * 16 * 16, dtype=np.int16) - 300).reshape(4, 16, 16)


@pytest.fixture
def slices(tmp_path, volume) -> dict[str, bytes]:
    paths = write_stack(tmp_path / "source", volume, series_description="share")
    return {path.name: path.read_bytes() for path in paths}


@pytest.fixture
def share(tmp_path, slices):
    """Mount the slices on a FUSE share.

    A kernel without ``/dev/fuse``, or a user not allowed to mount, is a fact of
    the machine that no install step changes: those skip, saying so, and the
    FUSE-free tests below still cover stalls and EIO. Any other failure to mount
    fails under OUTPOST_STRICT.
    """
    mounting = fusefs.mount(slices, tmp_path / "share")
    try:
        fs = mounting.__enter__()
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.EPERM, errno.EACCES):
            pytest.skip(f"this machine lets no test mount FUSE ({e}); the FIFO and /proc tests still run")
        missing(f"no FUSE here: {e}")
    try:
        yield fs
    finally:
        mounting.__exit__(None, None, None)


def _reasons(result) -> dict[str, str]:
    return {os.path.basename(s.path): s.reason for s in result.skipped}


def test_a_file_that_does_not_answer_is_listed_and_the_rest_loads(share, volume):
    share.stalled.add("slice003")
    result = scan(share.mountpoint, read_timeout=TIMEOUT)
    assert _reasons(result) == {"slice003": STALLED}
    (series,) = result.series
    assert np.array_equal(load_series(series).array, volume[:3])


def test_a_folder_that_stopped_answering_is_given_up_after_two_files(share):
    share.stalled.update({"slice000", "slice001", "slice002"})
    result = scan(share.mountpoint, read_timeout=TIMEOUT)
    reasons = _reasons(result)
    assert reasons["slice000"] == reasons["slice001"] == STALLED
    assert reasons["slice002"] == reasons["slice003"] == (
        "not read: 2 other files of this folder did not answer "
        "(disconnected network share or damaged disc?)")


def test_a_file_that_stops_answering_during_the_load_leaves_its_image_blank(share, volume, monkeypatch):
    from viewer.core.dicom import deadline

    (series,) = scan(share.mountpoint, read_timeout=TIMEOUT).series
    share.stalled.add("slice002")
    monkeypatch.setattr(deadline, "READ_TIMEOUT_S", TIMEOUT)
    loaded = load_series(series)
    assert [w for w in loaded.warnings if "left blank" in w] == [f"1 image(s) left blank: slice002 {STALLED}"]
    assert np.array_equal(loaded.array[[0, 1, 3]], volume[[0, 1, 3]])
    assert not loaded.array[2].any()


def test_eio_from_a_damaged_disc_is_a_reason(share, volume):
    share.failing.add("slice000")
    result = scan(share.mountpoint, read_timeout=TIMEOUT)
    assert _reasons(result) == {"slice000": EIO}
    assert np.array_equal(load_series(result.series[0]).array, volume[1:])


def test_eio_of_proc_self_mem_is_a_reason(tmp_path, volume):
    write_stack(tmp_path, volume[:1])
    os.symlink("/proc/self/mem", tmp_path / "mem.dcm")  # reading it at offset 0 gives EIO
    result = scan(tmp_path)
    assert _reasons(result) == {"mem.dcm": EIO}
    assert len(result.series) == 1


@pytest.mark.parametrize("writer", [False, True], ids=["no writer", "writer that never writes"])
def test_a_named_pipe_is_listed_without_blocking_the_scan(tmp_path, volume, writer):
    write_stack(tmp_path, volume[:2])
    pipe = tmp_path / "pipe.dcm"
    os.mkfifo(pipe)
    held = os.open(pipe, os.O_RDWR) if writer else None  # O_RDWR: opens without a reader
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(scan(tmp_path)), daemon=True)
    try:
        thread.start()
        thread.join(timeout=120)  # a hang detector, not a timing: the scan ends or the test fails
    finally:
        if held is not None:
            os.close(held)
    assert not thread.is_alive(), "scan blocked on a named pipe"
    (result,) = outcome
    assert _reasons(result) == {"pipe.dcm": "not a regular file (a named pipe, socket or device)"}
    assert len(result.series[0].frames) == 2


def test_the_deadline_passes_results_and_errors_through():
    assert call_with_deadline(sum, [1, 2, 3], what="x") == 6
    with pytest.raises(ZeroDivisionError):
        call_with_deadline(lambda: 1 / 0, what="x")
    release = threading.Event()
    with pytest.raises(StalledReadError, match=r"^a file did not answer within 0.2 s"):
        call_with_deadline(release.wait, what="a file", timeout=0.2)
    release.set()

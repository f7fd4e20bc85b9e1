"""Memory limits that are real: rlimits, cgroups, dimension bombs and running out part-way.

The out-of-memory tests run the real ``outpost`` command and the real main
window in a child process whose address space is capped with
``resource.setrlimit(RLIMIT_AS)`` just before the load, so the kernel itself
refuses the allocations.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from pydicom.encaps import encapsulate
from pydicom.uid import EnhancedCTImageStorage, JPEG2000Lossless

from tests.dicom_factory import make_slice, write, write_stack
from viewer.core.dicom import load_series, scan
from viewer.core.errors import OutOfMemoryError
from viewer.core.memory import MEMORY_SHARE, cgroup_free, check_allocation, memory_budget

ROOT = Path(__file__).resolve().parents[2]
resource = pytest.importorskip("resource", reason="rlimits exist on Unix only")

# --------------------------------------------------------------------------- the limit function


def _run_child(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_budget_is_the_address_space_limit_when_that_is_smallest():
    child = _run_child("""
        import json, resource, psutil
        from viewer.core.memory import memory_budget
        used = psutil.Process().memory_info().vms
        resource.setrlimit(resource.RLIMIT_AS, (used + 300 * 2**20, resource.RLIM_INFINITY))
        budget = memory_budget()
        print(json.dumps({"free": budget.free, "by": budget.limited_by, "limits": budget.limits}))
    """)
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout)
    assert report["by"] == "RLIMIT_AS"
    assert 200 * 2**20 < report["free"] <= 300 * 2**20
    assert report["limits"]["system"] > report["free"]


def test_the_budget_is_the_data_limit_when_that_is_smallest():
    child = _run_child("""
        import resource, psutil
        from viewer.core.memory import memory_budget
        used = psutil.Process().memory_info().data
        resource.setrlimit(resource.RLIMIT_DATA, (used + 200 * 2**20, resource.RLIM_INFINITY))
        print(memory_budget().limited_by)
    """)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "RLIMIT_DATA"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_limit_counts_reclaimable_cache_and_every_ancestor(tmp_path):
    root = tmp_path / "cgroup"
    _write(tmp_path / "self_cgroup", "0::/user.slice/app.scope\n")
    _write(root / "user.slice/app.scope/memory.max", "max\n")
    _write(root / "user.slice/app.scope/memory.current", "100\n")
    _write(root / "user.slice/memory.max", f"{4 * 2**30}\n")
    _write(root / "user.slice/memory.current", f"{3 * 2**30}\n")
    _write(root / "user.slice/memory.stat", f"anon 5\ninactive_file {2**29}\nactive_file 7\n")
    assert cgroup_free(root, tmp_path / "self_cgroup") == 2**30 + 2**29


def test_cgroup_v1_limit_and_no_limit(tmp_path):
    root = tmp_path / "cgroup"
    _write(tmp_path / "self_cgroup", "4:memory:/docker/abc\n3:cpu:/\n")
    _write(root / "memory/memory.limit_in_bytes", f"{2 * 2**30}\n")  # namespaced: the group's root
    _write(root / "memory/memory.usage_in_bytes", f"{2**30}\n")
    _write(root / "memory/memory.stat", "total_inactive_file 1024\n")
    assert cgroup_free(root, tmp_path / "self_cgroup") == 2**30 + 1024
    _write(root / "memory/memory.limit_in_bytes", "9223372036854771712\n")  # v1's "unlimited"
    assert cgroup_free(root, tmp_path / "self_cgroup") is None


def test_check_allocation_refuses_beyond_the_share_and_names_the_limit():
    budget = memory_budget()
    assert check_allocation(budget.allowed // 2, "a test buffer").limited_by == budget.limited_by
    with pytest.raises(OutOfMemoryError, match=r"a test buffer needs .* of memory but only .* free"):
        check_allocation(budget.free / MEMORY_SHARE * 1.5, "a test buffer")


# --------------------------------------------------------------------------- dimension bombs


def _bomb(path: Path, rows: int, columns: int, frames: int, *, encapsulated: bool,
          enhanced: bool = False) -> Path:
    """A header claiming ``frames`` frames of ``rows x columns`` with almost no pixel data."""
    ds = make_slice(np.zeros((4, 4), np.int16))
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, columns, frames
    if enhanced:
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = EnhancedCTImageStorage
    if encapsulated:
        ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
        # A real encapsulated frame takes at least 8 bytes, and the header reader refuses
        # counts that the file's size makes impossible: pad so that the claim gets past it.
        ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + bytes(8 * frames)])
        ds["PixelData"].VR = "OB"
    else:
        ds.PixelData = bytes(1024)
    return write(ds, path)


def _peak_traced(function) -> tuple[Exception, int]:
    """Run ``function`` (which must raise); return the error and the peak traced allocation."""
    tracemalloc.start()
    try:
        function()
    except Exception as e:  # noqa: BLE001 - the test inspects whatever was raised
        return e, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    raise AssertionError("nothing was refused")


def test_a_65535_squared_by_10000_header_is_refused_before_allocation(tmp_path):
    path = _bomb(tmp_path / "bomb.dcm", 65535, 65535, 10000, encapsulated=True)
    (series,) = scan(path).series
    error, peak = _peak_traced(lambda: load_series(series))
    assert isinstance(error, OutOfMemoryError)
    assert "10000 x 1 x 65535 x 65535 voxels" in str(error) and "GiB of memory" in str(error)
    assert peak < 64 * 2**20  # numpy reports its buffers to tracemalloc: nothing big was made


def test_a_native_65535_squared_header_with_short_data_is_skipped_by_the_scan(tmp_path):
    path = _bomb(tmp_path / "bomb.dcm", 65535, 65535, 10000, encapsulated=False)
    result = scan(path)
    assert not result.series
    assert re.search(r"NumberOfFrames 10000 in a file of|pixel data truncated", result.skipped[0].reason)


def test_an_enhanced_multiframe_claiming_a_million_frames_is_refused(tmp_path):
    path = _bomb(tmp_path / "million.dcm", 512, 512, 1_000_000, encapsulated=False, enhanced=True)
    tracemalloc.start()
    try:
        result = scan(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not result.series
    # Refused by whichever header check sees it first: the frame count for the file's
    # size, or the pixel data's length for the frames claimed.
    assert re.search(r"NumberOfFrames 1000000 in a file of|pixel data truncated \(1024 of 524288000000",
                     result.skipped[0].reason)
    assert peak < 1 * 2**30  # header records only, never the 488 GiB it claims


def test_the_cli_refuses_a_bomb_in_one_line(tmp_path):
    path = _bomb(tmp_path / "bomb.dcm", 65535, 65535, 10000, encapsulated=True)
    child = subprocess.run([sys.executable, "-m", "viewer.cli", "convert", str(path), "--out",
                            str(tmp_path / "out.nii")], cwd=ROOT, capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert child.returncode == 1
    lines = child.stderr.strip().splitlines()
    assert lines[-1].startswith("outpost: error: ") and "GiB of memory" in lines[-1]
    assert "Traceback" not in child.stderr
    assert not (tmp_path / "out.nii").exists()


# --------------------------------------------------------------------------- running out for real

#: 96 slices of 512 x 512: 48 MiB as int16, 96 MiB once widened to int32.
SLICES = 96
VOLUME_BYTES = SLICES * 512 * 512 * 2


def write_widening_series(folder: Path) -> Path:
    """A CT series that starts as int16 and must widen to int32 on its last slice.

    Stored values are unsigned with intercept -1024, so the loader starts with
    an int16 array; the last slice holds 40000 (38976 HU), which does not fit,
    and the array is copied to int32 part-way: a second, larger allocation
    after the up-front check.
    """
    volume = np.full((SLICES, 512, 512), 1000, dtype=np.uint16)
    volume[-1, :8, :8] = 40000
    write_stack(folder, volume, intercept=-1024, slope=1, series_description="capped")
    return folder


@pytest.fixture(scope="module")
def widening_series(tmp_path_factory):
    """The series of :func:`write_widening_series`, written once for the module."""
    return write_widening_series(tmp_path_factory.mktemp("widening"))


CLI_UNDER_LIMIT = """
    import resource, sys, psutil
    import viewer.cli, viewer.core.dicom, viewer.export.nifti, viewer.core.dicom.load  # imported before the cap
    from viewer.core.dicom import scan
    scan(sys.argv[2])  # the first scan imports its decoders; the cap must not count them
    headroom = int(float(sys.argv[1]))
    used = psutil.Process().memory_info().vms
    resource.setrlimit(resource.RLIMIT_AS, (used + headroom, resource.RLIM_INFINITY))
    sys.exit(viewer.cli.main(sys.argv[3:]))
"""


def _convert_capped(folder: Path, out: Path, headroom: float) -> subprocess.CompletedProcess:
    return _run_child(CLI_UNDER_LIMIT, str(headroom), str(folder), "convert", str(folder),
                      "--out", str(out))


def test_the_cli_refuses_up_front_under_an_address_space_limit(widening_series, tmp_path):
    out = tmp_path / "out.nii"
    child = _convert_capped(widening_series, out, headroom=VOLUME_BYTES * 0.9)
    assert child.returncode == 1, child.stderr
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1, child.stderr
    assert lines[0].startswith("outpost: error: series 1 (capped)")
    assert "address-space limit" in lines[0] and "load fewer slices" in lines[0]
    assert not out.exists()


def test_the_cli_ends_a_load_that_runs_out_part_way_with_one_line(widening_series, tmp_path):
    out = tmp_path / "out.nii"
    # Enough for the check (48 MiB under 0.8 of the headroom) and the decoding threads,
    # not for the int32 copy (96 MiB more) that the last slice forces.
    child = _convert_capped(widening_series, out, headroom=VOLUME_BYTES / MEMORY_SHARE + 40 * 2**20)
    assert child.returncode == 1, child.stderr
    lines = child.stderr.strip().splitlines()
    assert len(lines) == 1, child.stderr
    assert lines[0].startswith("outpost: error: ran out of memory loading series 1 (capped): needs")
    assert "close other programs or load fewer slices" in lines[0]
    assert "Traceback" not in child.stderr
    assert not out.exists()


def test_the_same_load_succeeds_without_the_limit(widening_series, tmp_path):
    """The control: what the two tests above refuse is a real, loadable series."""
    volume = load_series(scan(widening_series).series[0])
    assert volume.array.dtype == np.int32 and volume.array.max() == 40000 - 1024

"""``capacity``: the largest CT series loaded within this machine's memory budget.

One pool of 512x512 CT slices is written once (:func:`benchmarks.bench_load.make_series`:
the real CT's headers and pixels, uncompressed, new positions 1 mm apart and new
UIDs); each size is a folder of hard links to the pool's first slices, so the
disc holds the largest series only. For each size a fresh child process scans
and loads the series with Outpost (``scan`` + ``load_series``) and another
loads it with SimpleITK's ImageSeriesReader (GDCM), so no size inherits the
peak memory of the one before. Each child reports its own peak resident memory
(``ru_maxrss``), its resident memory after its imports, and its times; the
figure for each reader is the median of ``--repeat`` children (the peak is
their largest). The page cache is warm: the files are read once before each size.

The children run with ``OUTPOST_DATA_DIR`` in the temporary folder, so the
user's audit log does not record the benchmark's series.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_load import CT_FOLDER, make_series

ROOT = Path(__file__).resolve().parents[1]

#: Slice counts measured when ``--sizes`` is not given: 0.5, 1, 2 and 4 GiB of pixels.
DEFAULT_SIZES = (1000, 2000, 4000, 8000)

#: Bytes of one 512x512 slice in the loaded volume (int16 Hounsfield units).
SLICE_BYTES = 512 * 512 * 2

#: The pool is refused above this much disc (the series files are ~0.5 MiB a slice).
DISK_LIMIT = 20 * 2**30

#: A child that has not finished in this many seconds is stopped (a stuck share, swapping).
CHILD_TIMEOUT = 600


def parse_sizes(text: str | None) -> list[int]:
    """``"1000,2000"`` -> ``[1000, 2000]`` (sorted, positive); ``None`` -> :data:`DEFAULT_SIZES`."""
    if not text:
        return list(DEFAULT_SIZES)
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError as e:
        raise SystemExit(f"--sizes takes slice counts separated by commas, not {text!r}") from e
    if not sizes or sizes[0] < 2:
        raise SystemExit("--sizes needs slice counts of 2 or more")
    return sizes


def link_series(pool: list[Path], folder: Path, slices: int) -> None:
    """A folder holding the pool's first ``slices`` files as hard links (no extra disc)."""
    folder.mkdir(parents=True)
    for path in pool[:slices]:
        os.link(path, folder / path.name)


def warm_cache(folder: Path) -> None:
    """Read every file once so that both readers start from a warm page cache."""
    for path in folder.iterdir():
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass


def _peak_rss() -> int:
    """The peak resident memory of this process in bytes (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _outpost_child(folder: str) -> dict:
    """Scan and load ``folder`` with Outpost, in this (fresh) process."""
    import time

    import numpy as np

    from viewer.core.dicom import load_series, scan
    from viewer.core.errors import LoadError
    from viewer.core.memory import memory_budget

    budget = memory_budget()
    baseline = _rss()
    start = time.perf_counter()
    series = scan(folder).series
    scan_s = time.perf_counter() - start
    try:
        start = time.perf_counter()
        volume = load_series(series[0])
        load_s = time.perf_counter() - start
    except LoadError as e:  # OutOfMemoryError among them: the figure is the refusal
        return {"error": str(e), "budget_free": budget.free, "budget_limited_by": budget.limited_by}
    peak = _peak_rss()  # before the checksum, which needs no memory of its own anyway
    return {"scan_s": scan_s, "load_s": load_s, "baseline_rss": baseline, "peak_rss": peak,
            "shape": list(volume.array.shape), "dtype": str(volume.array.dtype),
            "checksum": int(np.sum(volume.array, dtype=np.int64)),
            "budget_free": budget.free, "budget_limited_by": budget.limited_by}


def _sitk_child(folder: str) -> dict:
    """Find and load the series in ``folder`` with SimpleITK, in this (fresh) process."""
    import time

    import numpy as np
    import SimpleITK as sitk

    baseline = _rss()
    start = time.perf_counter()
    names = sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folder)
    names_s = time.perf_counter() - start
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(list(names))
    start = time.perf_counter()
    image = reader.Execute()
    load_s = time.perf_counter() - start
    peak = _peak_rss()
    array = sitk.GetArrayViewFromImage(image)  # a view: no second copy of the volume
    return {"scan_s": names_s, "load_s": load_s, "baseline_rss": baseline, "peak_rss": peak,
            "shape": list(array.shape), "dtype": str(array.dtype),
            "checksum": int(np.sum(array, dtype=np.int64))}


CHILDREN = {"outpost": _outpost_child, "sitk": _sitk_child}


def run_child(reader: str, folder: Path, data_dir: Path) -> dict:
    """Run one reader on ``folder`` in a fresh Python process and return what it reports."""
    env = dict(os.environ, OUTPOST_DATA_DIR=str(data_dir),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_capacity", reader, str(folder)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {CHILD_TIMEOUT} s"}
    if done.returncode != 0:
        # A negative code is a signal: -9 is what the kernel's OOM killer sends.
        last = (done.stderr.strip().splitlines() or [""])[-1]
        return {"error": f"exit code {done.returncode}: {last}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summarise(runs: list[dict]) -> dict:
    """Median times and the largest peak of the children that succeeded."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[-1]["error"]}
    peak = max(r["peak_rss"] for r in ok)
    baseline = statistics.median(r["baseline_rss"] for r in ok)
    return {"scan_s": round(statistics.median(r["scan_s"] for r in ok), 3),
            "load_s": round(statistics.median(r["load_s"] for r in ok), 3),
            "peak_rss_mb": round(peak / 2**20, 1),
            "peak_above_baseline_mb": round((peak - baseline) / 2**20, 1),
            "shape": ok[0]["shape"], "dtype": ok[0]["dtype"], "checksum": ok[0]["checksum"],
            **({"failed_runs": len(runs) - len(ok)} if len(ok) < len(runs) else {})}


def _measure_size(folder: Path, slices: int, repeat: int, data_dir: Path, allowed: int) -> dict:
    warm_cache(folder)
    outpost_runs = [run_child("outpost", folder, data_dir) for _ in range(repeat)]
    outpost = _summarise(outpost_runs)
    figures: dict = {"slices": slices, "volume_mb": round(slices * SLICE_BYTES / 2**20, 1),
                     "child_budget_free_mb": round(outpost_runs[0]["budget_free"] / 2**20, 1)
                     if "budget_free" in outpost_runs[0] else None,
                     "outpost": outpost}
    if slices * SLICE_BYTES > allowed:
        # Outpost refuses such a series; SimpleITK would try and could bring the machine down.
        figures["sitk"] = {"skipped": "beyond the memory budget"}
        return figures
    sitk = _summarise([run_child("sitk", folder, data_dir) for _ in range(repeat)])
    figures["sitk"] = sitk
    if "error" not in outpost and "error" not in sitk:
        figures.update({
            "ratio_load_vs_sitk": round(outpost["load_s"] / sitk["load_s"], 3),
            "ratio_scan_plus_load_vs_sitk_names_plus_load": round(
                (outpost["scan_s"] + outpost["load_s"]) / (sitk["scan_s"] + sitk["load_s"]), 3),
            "ratio_peak_rss_vs_sitk": round(outpost["peak_rss_mb"] / sitk["peak_rss_mb"], 3),
            "ratio_peak_above_baseline_vs_sitk": round(
                outpost["peak_above_baseline_mb"] / sitk["peak_above_baseline_mb"], 3),
            "voxels_identical_to_sitk": outpost["shape"] == sitk["shape"]
            and outpost["checksum"] == sitk["checksum"],
        })
    return figures


def run(args) -> dict:
    """Run the capacity benchmark and return its figures."""
    from viewer.core.memory import MEMORY_SHARE, memory_budget

    sizes = parse_sizes(getattr(args, "sizes", None))
    data = Path(args.data or ROOT.parent / "shared" / "data")
    source = data / CT_FOLDER
    if not source.is_dir():
        raise SystemExit(f"benchmark needs the real CT in {source}")
    work = Path(tempfile.mkdtemp(prefix="outpost-bench-capacity-"))
    try:
        disk_needed = sizes[-1] * (SLICE_BYTES + 16 * 2**10)  # pixels plus a generous header
        disk_free = shutil.disk_usage(work).free
        if disk_needed > min(DISK_LIMIT, 0.8 * disk_free):
            raise SystemExit(f"{sizes[-1]} slices need about {disk_needed / 2**30:.1f} GiB of disc; "
                             f"the limit is {min(DISK_LIMIT, 0.8 * disk_free) / 2**30:.1f} GiB")
        budget = memory_budget()
        allowed = budget.allowed
        pool = make_series(source, work / "pool", sizes[-1], compressed=False)
        data_dir = work / "outpost-data"
        data_dir.mkdir()
        results = []
        for slices in sizes:
            folder = work / f"series-{slices}"
            link_series(pool, folder, slices)
            results.append(_measure_size(folder, slices, args.repeat, data_dir, allowed))
            shutil.rmtree(folder)
            if "error" in results[-1]["outpost"]:
                break  # larger series fail the same way
        loaded = [r["slices"] for r in results if "error" not in r["outpost"]]
        return {
            "benchmark": "capacity",
            "peer": "SimpleITK ImageSeriesReader (GDCM), each load in a fresh child process",
            "memory_budget_free_mb": round(budget.free / 2**20, 1),
            "memory_budget_limited_by": budget.limited_by,
            "memory_budget_limits_mb": {k: round(v / 2**20, 1) for k, v in budget.limits.items()},
            "memory_share": MEMORY_SHARE,
            "budget_allows_slices": allowed // SLICE_BYTES,
            "largest_loaded_slices": max(loaded) if loaded else 0,
            "largest_loaded_mb": round(max(loaded) * SLICE_BYTES / 2**20, 1) if loaded else 0,
            "sizes": results,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    """Child entry point: ``python -m benchmarks.bench_capacity {outpost,sitk} FOLDER``."""
    if len(argv) != 2 or argv[0] not in CHILDREN:
        print(f"usage: python -m benchmarks.bench_capacity {{{','.join(CHILDREN)}}} FOLDER", file=sys.stderr)
        return 2
    print(json.dumps(CHILDREN[argv[0]](argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

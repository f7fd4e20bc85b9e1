"""The device check for a machine with an NVIDIA GPU: prints one JSON object.

Usage (from the repository root, on the GPU machine; the project runs from source)::

    PYTHONPATH=. python benchmarks/gpu_check.py [--data ../shared/data] [--benchmark-timeout 420]
                                                [--no-benchmark] [--out FILE.json]

What it checks, each section on its own (a failure is recorded, the others still run):

``environment``
    torch, its CUDA, the GPU and its memory; which of the project's run-time modules import.
``out_of_memory``
    ``ai.inference.run``'s fallback (CUDA out of memory -> one window per batch -> the CPU) on a
    real GPU. A window's GPU memory is measured first; then (a) a series made large enough that
    its windows in one batch do not fit in the free GPU memory: the run must come back from the
    GPU with the "out of GPU memory ... retried" note, on one window per batch; (b) with the GPU
    filled by a ballast tensor so that not even one window fits: the run must come back from the
    CPU with both notes. ``passed`` says whether both did.
``precision``
    :func:`ai.precision.label_agreement` on CUDA (float16 and bfloat16 against float32) for the
    built-in demo pack, and for the real brainchop and SqueezeNet packs when ``--data`` has them.
``benchmark``
    ``benchmarks/run.py ai --device cuda --json`` in a child process (its JSON, or why not).

Kept under ``benchmarks/`` so that the default ``pytest`` run (no GPU in CI, skips fail under
OUTPOST_STRICT=1) never collects it. Exits 0 when every section that could run passed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: The modules a pack run needs besides torch.
RUNTIME_MODULES = ("numpy", "monai", "nibabel", "pydicom", "safetensors", "psutil", "SimpleITK", "captum")
#: Windows per batch of the first attempt of the "large series" case is at least this many.
MIN_BATCH = 8
GIB = 2**30


def _error(e: BaseException) -> dict:
    lines = traceback.format_exception_only(type(e), e)
    return {"error": lines[-1].strip()[:500]}


def environment() -> dict:
    """torch, CUDA, the GPU, and which run-time modules import."""
    import torch

    info: dict = {"python": sys.version.split()[0], "torch": torch.__version__, "torch_cuda": torch.version.cuda,
                  "cuda_available": torch.cuda.is_available()}
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info()
        info.update({"gpu": torch.cuda.get_device_name(0), "gpu_memory_gib": round(total / GIB, 2),
                     "gpu_free_gib": round(free / GIB, 2), "bf16_supported": torch.cuda.is_bf16_supported()})
    missing = []
    for name in RUNTIME_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    info["missing_modules"] = missing
    return info


# --------------------------------------------------------------------------- out of memory
def _unet_pack(work: Path, windows_per_batch: int):
    """The benchmark's 3-D UNet pack (random weights), sliding windows of 96^3, so many per batch."""
    import copy

    import torch
    from monai.networks.nets import UNet

    from ai.importers.writer import write_pack
    from ai.packs.pack import read_pack
    from benchmarks.bench_ai import UNET_PACK

    torch.manual_seed(0)
    network = UNet(3, 1, 2, (16, 32, 64, 128, 256), (2, 2, 2, 2))
    inference = copy.deepcopy(UNET_PACK)
    inference["inferer"]["sw_batch_size"] = windows_per_batch
    root = write_pack(work / f"unet-{windows_per_batch}", {"name": "gpu-check-unet", "version": "1",
                                                           "task": "segmentation"},
                      inference, network.state_dict(), weights="pt", checksums=True)
    return read_pack(root)


def _volume(windows_per_axis: int):
    """A synthetic CT whose preprocessed grid holds ``windows_per_axis``^3 windows of 96 (overlap 0.25)."""
    from ai.demo.phantom import make_phantom

    side = 96 + 72 * (windows_per_axis - 1)
    return make_phantom(shape=(side, side, side), spacing=(1.0, 1.0, 1.0)).volume


def _peak_gib(pack, volume, batch: int) -> float:
    """Peak GPU memory of one run at ``batch`` windows per batch (no fallback: an OOM raises)."""
    import torch

    from ai.inference import _run_once

    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    _run_once(volume, pack, torch.device("cuda:0"), batch, None, None)
    return (torch.cuda.max_memory_allocated() - before) / GIB


def out_of_memory(work: Path, limit_gib: float) -> dict:
    """The fallback, exercised: (a) a series too large for its batch, (b) a GPU already full.

    ``limit_gib`` above 0 first fills the GPU with a ballast tensor down to that much free memory,
    so that (a)'s series stays small enough to make and to run on the CPU quickly; 0 sizes the
    series for the whole free memory of the GPU.
    """
    import torch

    from ai.inference import run

    small = _volume(2)  # 8 windows
    one = _peak_gib(_unet_pack(work, 1), small, 1)
    four = _peak_gib(_unet_pack(work, 4), small, 4)
    per_window = max((four - one) / 3, 1e-3)
    figures: dict = {"peak_gib_batch_1": round(one, 3), "peak_gib_batch_4": round(four, 3),
                     "gib_per_window": round(per_window, 3)}
    torch.cuda.empty_cache()
    ballast = None
    free = torch.cuda.mem_get_info()[0] / GIB
    if 0 < limit_gib < free:
        ballast = torch.empty(int((free - limit_gib) * GIB), dtype=torch.uint8, device="cuda:0")
        figures["ballast_gib"] = round(free - limit_gib, 2)
        free = torch.cuda.mem_get_info()[0] / GIB
    figures["free_gib"] = round(free, 2)

    # (a) windows enough that one batch of them needs twice the free memory; one at a time fits
    batch = max(MIN_BATCH, math.ceil(2 * free / per_window))
    axis = max(2, math.ceil(batch ** (1 / 3)))
    windows = axis ** 3
    large = _volume(axis)
    pack = _unet_pack(work, min(batch, windows))
    figures["large_series"] = {"shape_zyx": list(large.shape_zyx), "windows": windows,
                               "first_attempt_windows_per_batch": min(batch, windows)}
    start = time.perf_counter()
    try:
        result = run(large, pack, device="cuda")
        first = [n for n in result.notes if n.startswith("out of GPU memory") and "one window per batch" not in n]
        figures["large_series"].update({
            "device": result.device, "notes": result.notes, "seconds": round(time.perf_counter() - start, 2),
            "passed": result.device.startswith("cuda") and len(first) == 1})
    except Exception as e:  # noqa: BLE001 - recorded in the JSON
        figures["large_series"].update({**_error(e), "passed": False})
    del large
    del ballast
    torch.cuda.empty_cache()

    # (b) a ballast tensor leaves less than one window's worth free: the CPU must take over
    leave = max(one / 4, 0.05)
    ballast_gib = torch.cuda.mem_get_info()[0] / GIB - leave
    ballast = torch.empty(int(ballast_gib * GIB), dtype=torch.uint8, device="cuda:0")
    start = time.perf_counter()
    try:
        result = run(small, _unet_pack(work, 4), device="cuda")
        oom_notes = [n for n in result.notes if n.startswith("out of GPU memory")]
        figures["gpu_full"] = {"ballast_gib": round(ballast_gib, 2), "left_free_gib": round(leave, 3),
                               "device": result.device, "notes": result.notes,
                               "seconds": round(time.perf_counter() - start, 2),
                               "passed": result.device == "cpu" and len(oom_notes) == 2}
    except Exception as e:  # noqa: BLE001 - recorded in the JSON
        figures["gpu_full"] = {**_error(e), "passed": False}
    finally:
        del ballast
        torch.cuda.empty_cache()
    figures["passed"] = bool(figures["large_series"].get("passed") and figures["gpu_full"].get("passed"))
    return figures


# --------------------------------------------------------------------------- precision
def precision(data: Path | None, work: Path) -> dict:
    """float16 and bfloat16 autocast against float32 on CUDA, per pack."""
    from ai.demo.phantom import make_phantom
    from ai.packs.pack import read_pack
    from ai.packs.store import bundled_packs_dir
    from ai.precision import label_agreement

    cases = {"outpost-demo-ct": lambda: (read_pack(bundled_packs_dir() / "outpost-demo-ct"),
                                         make_phantom().volume)}
    if data is not None and (data / "weights_brain_mri_meshnet_brainchop_app").is_dir():
        from ai.importers import import_pack
        from installer.catalogue import BRAIN_PACKS, BRAINCHOP
        from viewer.core.nifti import load_nifti

        def brain(name):
            folder, entry = BRAIN_PACKS[name]
            root = import_pack("brainchop", data / BRAINCHOP / "public" / "models" / folder, work / name,
                               name=name, entry=entry)
            t1 = load_nifti(data / "weights_brain_mri_meshnet_brainchop" / "t1_crop.nii.gz", modality="MR")
            return read_pack(root), t1

        for name in BRAIN_PACKS:
            cases[name] = (lambda n=name: brain(n))
    out: dict = {}
    for name, make in cases.items():
        try:
            pack, volume = make()
            out[name] = {dtype: label_agreement(pack, volume, dtype, "cuda").summary()
                         for dtype in ("float16", "bfloat16")}
        except Exception as e:  # noqa: BLE001 - recorded in the JSON
            out[name] = _error(e)
    return out


def benchmark(data: Path | None, timeout: int) -> dict:
    """``benchmarks/run.py ai --device cuda --json`` in a child process."""
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "ai", "--device", "cuda", "--json"]
    if data is not None:
        command += ["--data", str(data)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout} s", "command": " ".join(command[1:])}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:500],
                "command": " ".join(command[1:])}
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    """Run the GPU check and print its JSON report; the exit status is 1 when a section failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data",
                        help="the shared data (default ../shared/data; the real packs are skipped without it)")
    parser.add_argument("--benchmark-timeout", type=int, default=420, metavar="S")
    parser.add_argument("--limit-gib", type=float, default=8.0, metavar="GIB",
                        help="out-of-memory case: fill the GPU down to this much free memory first "
                             "(default 8; 0: size the series for the whole GPU, slower)")
    parser.add_argument("--no-benchmark", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    data = args.data if args.data.is_dir() else None
    report: dict = {"check": "gpu", "data": str(data) if data else "absent: real packs not checked"}
    started = time.perf_counter()
    try:
        report["environment"] = environment()
    except Exception as e:  # noqa: BLE001 - no torch at all: say so and stop
        report["environment"] = _error(e)
        print(json.dumps(report, indent=2))
        return 1
    if not report["environment"].get("cuda_available"):
        report["result"] = "no CUDA GPU here: nothing checked"
        print(json.dumps(report, indent=2))
        return 1
    with tempfile.TemporaryDirectory(prefix="outpost-gpu-check-") as work, \
            tempfile.TemporaryDirectory(prefix="outpost-gpu-check-data-") as data_dir:
        os.environ.setdefault("OUTPOST_DATA_DIR", data_dir)  # no audit log or pack store of a user
        for name, section in (("out_of_memory", lambda: out_of_memory(Path(work), args.limit_gib)),
                              ("precision", lambda: precision(data, Path(work)))):
            try:
                report[name] = section()
            except Exception as e:  # noqa: BLE001 - recorded in the JSON
                report[name] = _error(e)
        if not args.no_benchmark:
            report["benchmark"] = benchmark(data, args.benchmark_timeout)
    report["seconds"] = round(time.perf_counter() - started, 1)
    failed = [k for k in ("out_of_memory", "precision", "benchmark")
              if isinstance(report.get(k), dict) and ("error" in report[k] or report[k].get("passed") is False)]
    report["failed_sections"] = failed
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

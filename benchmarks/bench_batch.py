"""``batch``: throughput of a screening batch (``ai.batch.runner.run_batch``) against a bare loop.

The SqueezeNet chest X-ray pack over N radiographs (``--series``, 500 by default; ``--quick``: 24)
made from the shared chest X-rays (the CR files of ``cxr_chest_xray``) with new UIDs, run

- with the embedded local pool of 1 and of 2 workers (:class:`~ai.batch.executors.LocalExecutor`),
  and of 2 workers whose AI processes each get half the cores (``OMP_NUM_THREADS``),
- on a Dask cluster of two local workers (``python -m ai.batch.cluster scheduler|worker`` on
  127.0.0.1, one thread each, each AI process with half the cores: :class:`~ai.batch.dask_executor.DaskExecutor`),

each a new batch folder, timed from the call to the last outcome recorded (every worker's AI process
starts, imports torch and reads the pack inside that time, as a user's batch does), beside two peers
in this process with no batch machinery:

- ``bare_network_loop``: the pack's network alone over the same preprocessed images (the N inputs are
  copies of a few sources: each source is read and preprocessed once, then the network runs N times);
- ``bare_read_preprocess_network_loop``: reading each file, the pack's preprocessing and the network,
  N times (what a script without Outpost's batch would do), so that the batch machinery's own cost
  (the isolated process, the result files, SEG/JSON writing, the database) shows apart from decoding.

Figures: series per minute of each (whole run, and ``steady``: after every worker's first outcome,
i.e. without the AI processes' start, which a batch of hundreds amortises), the scaling efficiency
from 1 to 2 local workers (``rate_2 / (2 * rate_1)``), the overhead per series against each bare
loop, and the time to resume a batch interrupted half way (cancelled after N/2 outcomes, then run
again) against running it whole.
On a machine with fewer free cores than workers, 2 workers cannot scale: the figure says so with the
core count beside it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The shared CR chest X-rays the radiographs are copied from.
SOURCES = ("cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm",
           "cxr_chest_xray/torchxrayvision_tests/Fake_MONOHR1.dcm",
           "cxr_chest_xray/dwv_gdcm_cr/gdcm-CR-MONO1-10-chest.dcm")
QUICK_SERIES = 24
DEFAULT_SERIES = 500


def make_radiographs(shared_data: Path, folder: Path, count: int) -> list[Path]:
    """``count`` chest X-rays in ``folder``, copies of :data:`SOURCES` in turn, each a new study and series.

    Each has new Study, Series and SOP Instance UIDs; the pixel data are as stored.
    """
    import pydicom
    from pydicom.uid import generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    sources = [pydicom.dcmread(shared_data / source) for source in SOURCES]
    made = []
    for index in range(count):
        dataset = sources[index % len(sources)]
        dataset.StudyInstanceUID, dataset.SeriesInstanceUID = generate_uid(), generate_uid()
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        dataset.StudyDate = f"2026{1 + index % 12:02d}{1 + index % 28:02d}"
        path = folder / f"cxr-{index:04d}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        made.append(path)
    return made


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalCluster:
    """A Dask scheduler and ``workers`` Outpost workers (``python -m ai.batch.cluster``) on 127.0.0.1.

    Each is a subprocess in its own process group with its own ``OUTPOST_DATA_DIR`` under ``folder``.

    Use :func:`local_cluster`, which waits for the workers and always tears the cluster down.
    """

    def __init__(self, folder: Path, workers: int = 2, nthreads: int = 1) -> None:
        # The workers share this machine's cores: each AI process gets its share (torch's default, every
        # core in each process, makes them spin against each other).
        self.omp_threads = max(1, (os.cpu_count() or 1) // max(1, workers * nthreads))
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1]])
        for index in range(workers):
            self._start(f"worker-{index + 1}", ["worker", "--scheduler", self.address, "--nthreads", str(nthreads),
                                                "--name", f"worker-{index + 1}", "--host", "127.0.0.1"])

    def _start(self, name: str, arguments: list[str]) -> None:
        data_dir = self.folder / f"data-{name}"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OUTPOST_DATA_DIR": str(data_dir),
               "OMP_NUM_THREADS": str(self.omp_threads)}
        self.logs[name] = self.folder / f"{name}.log"
        with self.logs[name].open("wb") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "ai.batch.cluster", *arguments], cwd=ROOT, env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, name: str, chars: int = 2000) -> str:
        """The end of ``name``'s output."""
        return self.logs[name].read_text(errors="replace")[-chars:]

    def wait_for_workers(self, count: int, timeout: float = 120.0) -> None:
        """Return when ``count`` workers have joined.

        Raise ``RuntimeError`` after ``timeout`` seconds or when a process of the cluster exits.
        """
        from distributed import Client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}): {self.log_tail(name)}")
            try:
                with Client(self.address, timeout=10, set_as_default=False) as client:
                    client.wait_for_workers(count, timeout=max(1.0, deadline - time.monotonic()))
                    return
            except (OSError, TimeoutError):
                time.sleep(1)
        raise RuntimeError(f"the cluster at {self.address} did not get {count} workers in {timeout:g} s")

    def kill(self, name: str) -> None:
        """SIGKILL the process ``name`` (a worker's AI process leaves when its pipe closes)."""
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=30)

    def close(self) -> None:
        """Stop every process of the cluster (SIGTERM, then SIGKILL), and what they started."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
        for process in self.processes.values():  # AI processes a killed worker left behind, if any
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def local_cluster(folder: Path, workers: int = 2, timeout: float = 120.0) -> Iterator[LocalCluster]:
    """A :class:`LocalCluster` with ``workers`` workers joined; torn down on leaving, whatever happened."""
    cluster = LocalCluster(folder, workers)
    try:
        cluster.wait_for_workers(workers, timeout)
        yield cluster
    finally:
        cluster.close()


def _bare_loops(pack_root: Path, files: list[Path], device: str) -> dict:
    """The two bare peers in this process: seconds for all ``files``."""
    import torch

    import ai.inference  # noqa: F401 - its filters of MONAI's warnings on every correct run
    from ai.packs.pack import read_pack
    from viewer.core.dicom import load_series, scan

    pack = read_pack(pack_root)
    parts = pack.build(torch.device(device))
    network, preprocessing = parts["network"], parts["preprocessing"]

    def tensor_of(path: Path):
        volume = load_series(scan(path).series[0])
        return preprocessing({"image": volume})["image"].as_tensor()[None].float().to(device)

    with torch.inference_mode():
        network(tensor_of(files[0]))  # warm
        distinct = {}
        for path in files[:len(SOURCES)]:
            distinct[path] = tensor_of(path)
        tensors = [distinct[files[index % len(SOURCES)]] for index in range(len(files))]
        start = time.perf_counter()
        for tensor in tensors:
            torch.softmax(network(tensor), dim=1).cpu()
        network_s = time.perf_counter() - start
        start = time.perf_counter()
        for path in files:
            torch.softmax(network(tensor_of(path)), dim=1).cpu()
        full_s = time.perf_counter() - start
    return {"network_s": network_s, "full_s": full_s}


def _run(batch: Path, pack_root: Path, inputs, executor, device: str, cancel_after: int | None = None) -> dict:
    """One ``run_batch`` into ``batch``; seconds, how many ran, and the batch's counts."""
    from ai.batch.runner import run_batch
    from ai.packs.pack import read_pack
    from viewer.core.tasks import CancelToken

    cancel = CancelToken()
    outcomes: list[float] = []  # when each outcome was recorded

    def progress(done: int, total: int, text: str) -> None:
        outcomes.append(time.perf_counter())
        if cancel_after is not None and done >= cancel_after:
            cancel.cancel()

    pack = read_pack(pack_root)
    start = time.perf_counter()
    summary = run_batch(batch, pack, inputs.series, executor, progress=progress, cancel=cancel, device=device)
    seconds = time.perf_counter() - start
    measured = {"seconds": seconds, "ran": summary.ran, "counts": summary.counts, "cancelled": summary.cancelled}
    if outcomes:
        measured["first_outcome_s"] = outcomes[0] - start
    # Once every worker has given its first outcome (its AI process started, torch imported), the
    # rate the batch keeps: what a batch of hundreds approaches.
    warm = max(1, int(executor.workers))
    if len(outcomes) > warm + 1 and outcomes[-1] > outcomes[warm - 1]:
        measured["steady_per_minute"] = (len(outcomes) - warm) * 60.0 / (outcomes[-1] - outcomes[warm - 1])
    return measured


def _per_minute(count: int, seconds: float) -> float:
    return round(count * 60.0 / seconds, 1) if seconds > 0 else 0.0


def run(args) -> dict:
    """Measure the batch's throughput (local pool of 1 and 2, Dask of 2), overhead and resume time."""
    from ai.batch.executors import LocalExecutor
    from ai.batch.inputs import from_paths
    from tests.ai.pack_factory import squeezenet_cxr_pack

    data = Path(args.data) if args.data else ROOT.parent / "shared" / "data"
    quick = getattr(args, "quick", False)
    count = int(getattr(args, "series", None) or (QUICK_SERIES if quick else DEFAULT_SERIES))
    device = args.device if args.device != "auto" else ("cuda" if _has_cuda() else "cpu")
    work = Path(tempfile.mkdtemp(prefix="outpost-bench-batch-"))
    pack_root = squeezenet_cxr_pack(data, work / "pack")
    files = make_radiographs(data, work / "input", count)
    inputs = from_paths([str(work / "input")])
    if len(inputs.series) != count:
        raise RuntimeError(f"{count} radiographs made, {len(inputs.series)} series found")

    bare = _bare_loops(pack_root, files, device)
    figures: dict = {
        "pack": "cxr-pneumonia-squeezenet (real SqueezeNet 1.1 weights)",
        "series": count,
        "input": f"{count} CR chest X-rays copied in turn from {len(SOURCES)} shared files "
                 "(1024x1024 JPEG, 1024x1024 JPEG, 440x440 raw) with new UIDs",
        "device": device,
        "cores": os.cpu_count(),
        "timed": "from run_batch's call to its return, each worker's AI process start (torch import, pack "
                 "read) included; a new batch folder each",
        "bare_network_loop_s": round(bare["network_s"], 3),
        "bare_network_loop_per_minute": _per_minute(count, bare["network_s"]),
        "bare_read_preprocess_network_loop_s": round(bare["full_s"], 3),
        "bare_read_preprocess_network_loop_per_minute": _per_minute(count, bare["full_s"]),
    }
    runs: dict[str, dict] = {}
    for workers in (1, 2):
        runs[f"local_{workers}"] = _run(work / f"batch-local-{workers}", pack_root, inputs,
                                        LocalExecutor(workers=workers, device=device), device)
    # The same 2-worker pool with each AI process limited to its share of the cores (OMP_NUM_THREADS,
    # inherited by the processes it spawns), as the Dask workers below are.
    previous = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // 2))
    try:
        runs["local_2_cores_shared"] = _run(work / "batch-local-2-shared", pack_root, inputs,
                                            LocalExecutor(workers=2, device=device), device)
    finally:
        if previous is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = previous
    try:
        from ai.batch.dask_executor import DaskExecutor

        with local_cluster(work / "cluster", workers=2) as cluster:
            executor = DaskExecutor(cluster.address)
            try:
                runs["dask_2"] = _run(work / "batch-dask-2", pack_root, inputs, executor, device)
            finally:
                executor.close()
    except Exception as e:  # noqa: BLE001 - said in the JSON rather than a made-up figure
        runs["dask_2"] = {"not_measured": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}

    half = count // 2
    interrupted = _run(work / "batch-resume", pack_root, inputs, LocalExecutor(workers=1, device=device), device,
                       cancel_after=half)
    resumed = _run(work / "batch-resume", pack_root, inputs, LocalExecutor(workers=1, device=device), device)

    for name, measured in runs.items():
        if "seconds" not in measured:
            figures[name] = measured
            continue
        done = measured["counts"].get("done", 0)
        figures[name] = {"seconds": round(measured["seconds"], 3), "done": done,
                         "failed": measured["counts"].get("failed", 0),
                         "series_per_minute": _per_minute(done, measured["seconds"]),
                         "first_outcome_s": round(measured.get("first_outcome_s", 0.0), 3),
                         "steady_series_per_minute": round(measured.get("steady_per_minute", 0.0), 1)}
    one, two = runs["local_1"], runs["local_2"]
    rate_1 = one["counts"]["done"] / one["seconds"]
    rate_2 = two["counts"]["done"] / two["seconds"]
    per_series_1 = one["seconds"] / count
    figures["scaling_efficiency_1_to_2_local"] = round(rate_2 / (2 * rate_1), 3)
    if one.get("steady_per_minute") and two.get("steady_per_minute"):
        figures["steady_scaling_efficiency_1_to_2_local"] = round(
            two["steady_per_minute"] / (2 * one["steady_per_minute"]), 3)
        figures["steady_overhead_per_series_vs_bare_network_s"] = round(
            60.0 / one["steady_per_minute"] - bare["network_s"] / count, 4)
        figures["steady_overhead_fraction_vs_bare_read_preprocess_network"] = round(
            (60.0 / one["steady_per_minute"]) / (bare["full_s"] / count) - 1, 3)
    shared = runs["local_2_cores_shared"]
    figures["scaling_efficiency_1_to_2_local_cores_shared"] = round(
        shared["counts"]["done"] / shared["seconds"] / (2 * rate_1), 3)
    for name, key in (("local_2_cores_shared", "local_cores_shared"), ("dask_2", "dask")):
        if runs[name].get("steady_per_minute") and one.get("steady_per_minute"):
            figures[f"steady_scaling_efficiency_1_to_2_{key}"] = round(
                runs[name]["steady_per_minute"] / (2 * one["steady_per_minute"]), 3)
    if "seconds" in runs["dask_2"]:
        dask_rate = runs["dask_2"]["counts"]["done"] / runs["dask_2"]["seconds"]
        figures["ratio_dask_2_vs_local_2_rate"] = round(dask_rate / rate_2, 3)
    figures["overhead_per_series_vs_bare_network_s"] = round(per_series_1 - bare["network_s"] / count, 4)
    figures["ratio_local_1_vs_bare_network_loop"] = round(one["seconds"] / bare["network_s"], 3)
    figures["overhead_per_series_vs_bare_read_preprocess_network_s"] = round(
        per_series_1 - bare["full_s"] / count, 4)
    figures["overhead_fraction_vs_bare_read_preprocess_network"] = round(one["seconds"] / bare["full_s"] - 1, 3)
    figures["resume"] = {
        "interrupted_after": interrupted["ran"],
        "interrupted_run_s": round(interrupted["seconds"], 3),
        "resume_run_s": round(resumed["seconds"], 3),
        "resumed_ran": resumed["ran"],
        "done_after_resume": resumed["counts"].get("done", 0),
        "whole_run_s": round(one["seconds"], 3),
        "ratio_resume_vs_whole": round(resumed["seconds"] / one["seconds"], 3),
        "ratio_interrupted_plus_resume_vs_whole": round((interrupted["seconds"] + resumed["seconds"])
                                                        / one["seconds"], 3),
    }
    figures["local_1_seconds_per_series"] = round(per_series_1, 4)
    return figures


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()

"""``pacs``: how fast Outpost's receiver stores what a modality sends, against dcmtk's storescp.

dcmtk's storescu sends a ``--slices`` CT series made from the real
TotalSegmentator CT (as in ``load``), once uncompressed and once as JPEG 2000
lossless, over 127.0.0.1 to (a) Outpost's storage SCP writing into a fresh
local store (atomic write and fsync per instance, one SQLite transaction per
instance) and (b) dcmtk's storescp writing plain files (the peer). Each figure
is the median of ``--repeat`` runs; each run starts with an empty destination.
The dcmtk tools run with ``TCP_NODELAY=1``: without it Debian's dcmtk waits for
delayed TCP acknowledgements (about 45 ms an instance between storescu and
storescp), which would measure Nagle's algorithm instead of the receivers.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.bench_load import CT_FOLDER, make_series


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DCMTK_ENVIRONMENT = {**os.environ, "TCP_NODELAY": "1"}


def _send(folder: Path, port: int, option: str) -> float:
    started = time.perf_counter()
    subprocess.run(["storescu", "-aet", "BENCH", "-aec", "OUTPOST", "-R", option, "127.0.0.1", str(port),
                    "+sd", str(folder)], check=True, capture_output=True, timeout=600, env=DCMTK_ENVIRONMENT)
    return time.perf_counter() - started


def _outpost(folder: Path, work: Path, option: str) -> float:
    from viewer.pacs.receiver import Receiver
    from viewer.pacs.store import LocalStore

    root = work / "outpost-store"
    shutil.rmtree(root, ignore_errors=True)
    with LocalStore(root) as store, Receiver(store, port=0) as receiver:
        seconds = _send(folder, receiver.port, option)
        assert receiver.received == len(list(folder.iterdir())), "not every instance arrived"
    return seconds


def _storescp(folder: Path, work: Path, option: str) -> float:
    out = work / "storescp-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    port = _free_port()
    accept = {"-xv": "+xv", "-xe": "+xe"}[option]
    process = subprocess.Popen(["storescp", "-aet", "OUTPOST", accept, "-od", str(out), str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=DCMTK_ENVIRONMENT)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        return _send(folder, port, option)
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(args) -> dict:
    """Run the PACS receiver benchmark and return its figures."""
    data = Path(args.data) if args.data else Path(__file__).resolve().parents[2] / "shared" / "data"
    figures: dict = {"slices": args.slices}
    with tempfile.TemporaryDirectory(prefix="outpost-bench-pacs-") as temporary:
        work = Path(temporary)
        for label, compressed, option in (("uncompressed", False, "-xe"), ("j2k", True, "-xv")):
            folder = work / label
            paths = make_series(data / CT_FOLDER, folder, args.slices, compressed)
            megabytes = sum(p.stat().st_size for p in paths) / 1e6
            outpost = statistics.median(_outpost(folder, work, option) for _ in range(args.repeat))
            peer = statistics.median(_storescp(folder, work, option) for _ in range(args.repeat))
            figures[label] = {
                "megabytes": round(megabytes, 1),
                "outpost_receiver_s": round(outpost, 3),
                "outpost_instances_per_s": round(args.slices / outpost, 1),
                "outpost_mb_per_s": round(megabytes / outpost, 1),
                "storescp_s": round(peer, 3),
                "storescp_mb_per_s": round(megabytes / peer, 1),
                "ratio_outpost_to_storescp": round(outpost / peer, 2),
            }
            shutil.rmtree(folder)
    return figures

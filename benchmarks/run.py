"""Performance measurements that print JSON with ratios against a peer.

Usage: ``python benchmarks/run.py NAME [--json]`` where NAME is one of the
benchmarks below. Absolute times drift on shared machines; the ratios against
a peer measured in the same run, on the same input, do not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import (
    bench_ai,
    bench_batch,
    bench_capacity,
    bench_edit,
    bench_load,
    bench_pacs,
    bench_render,
    bench_responsiveness,
    bench_startup,
)

BENCHMARKS = {
    "ai": bench_ai.run,
    "batch": bench_batch.run,
    "capacity": bench_capacity.run,
    "edit": bench_edit.run,
    "load": bench_load.run,
    "pacs": bench_pacs.run,
    "render": bench_render.run,
    "responsiveness": bench_responsiveness.run,
    "startup": bench_startup.run,
}


def machine() -> dict:
    """The facts about this machine that a reader of the figures needs."""
    try:
        import psutil

        memory_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        memory_gb = None
    return {"cores": os.cpu_count(), "memory_gb": memory_gb, "python": platform.python_version(),
            "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark named in ``argv`` and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--data", default=None, help="the shared data folder (default ../shared/data)")
    parser.add_argument("--slices", type=int, default=400, help="slices of the synthetic series")
    parser.add_argument("--sizes", default=None, metavar="N,N,...",
                        help="for capacity: slice counts to load (default 1000,2000,4000,8000)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"],
                        help="for the ai benchmark (auto: cuda when a GPU is here, else cpu)")
    parser.add_argument("--series", type=int, default=None, metavar="N",
                        help="for batch: radiographs in the batch (default 500)")
    parser.add_argument("--quick", action="store_true", help="for batch: 24 radiographs unless --series says")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (median)")
    parser.add_argument("--executable", default=None, metavar="PATH",
                        help="for startup: also time this program (e.g. the PyInstaller bundle) against the venv")
    parser.add_argument("--cold", action="store_true",
                        help="for startup: drop the page cache before every start (needs root, Linux)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="outpost-bench-data-") as data_dir:
        # A benchmark opens the same series hundreds of times: that belongs in no user's audit
        # log, study store or pack folder (children inherit this too).
        os.environ.setdefault("OUTPOST_DATA_DIR", data_dir)
        figures = BENCHMARKS[args.name](args)
    figures["machine"] = machine()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

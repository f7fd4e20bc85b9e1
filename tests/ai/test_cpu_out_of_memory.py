"""Running out of the computer's memory during inference ends that run with a message, not the process.

A child process imports torch, reads the built-in demo pack and builds its
network, makes a phantom CT, then caps its own address space with
``resource.setrlimit(RLIMIT_AS)`` a little above what it already uses, so the
kernel refuses the allocations inference makes. The same child then lifts the
limit and runs the pack again, which succeeds: the process survived, and it
was memory that failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
resource = pytest.importorskip("resource", reason="rlimits exist on Unix only")

CHILD = """
    import json, resource, sys
    import psutil, torch
    from ai import inference
    from ai.demo.phantom import make_phantom
    from ai.errors import AIError
    from ai.packs.pack import read_pack

    pack = read_pack(sys.argv[1])
    pack.build(torch.device("cpu"))
    volume = make_phantom(shape=(64, 192, 192)).volume
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = psutil.Process().memory_info().vms
    resource.setrlimit(resource.RLIMIT_AS, (used + int(sys.argv[2]) * 2**20, hard))
    try:
        inference.run(volume, pack, device="cpu")
        report = {"error": None}
    except AIError as e:
        report = {"error": str(e), "cause": type(e.__cause__).__name__}
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    result = inference.run(volume, pack, device="cpu")  # the same process, with its memory back
    report["afterwards"] = sorted(result.volumes_ml)
    print(json.dumps(report))
"""


@pytest.mark.parametrize("margin_mib", [64, 256])  # fails in preprocessing; in postprocessing
def test_cpu_out_of_memory_is_an_ai_error_and_the_process_goes_on(tmp_path, margin_mib):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OUTPOST_DATA_DIR=str(tmp_path / "data"))
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD),
                            str(ROOT / "resources" / "packs" / "outpost-demo-ct"), str(margin_mib)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    message = report["error"]
    assert message is not None, "the limit was not low enough for inference to fail"
    assert message.startswith("out of memory on the CPU running outpost-demo-ct: ")
    assert message.endswith("; close other programs or use a smaller series")
    assert "could not be allocated" in message and "ulimit -v" in message
    assert "\n" not in message and report["cause"] in ("RuntimeError", "MemoryError")
    assert report["afterwards"]  # the second run measured its structures


SCAN_CHILD = """
    import resource, sys
    import psutil
    import numpy, pydicom  # imported (OpenBLAS's buffers allocated) before the limit, as by a scan's start
    from viewer import cli
    from viewer.core.dicom import scan

    used = psutil.Process().memory_info().vms
    resource.setrlimit(resource.RLIMIT_AS, (used + 60 * 2**20, resource.RLIM_INFINITY))
    sys.exit(cli.main(["scan", sys.argv[1]]))
"""


def test_outpost_scan_lists_a_header_too_big_for_memory_and_goes_on(tmp_path):
    """A header whose values (each under the deferral size) add up to more than the limit allows.

    The memory runs out inside one file's header: that file is listed with the
    reason, as any damaged file is, and the scan goes on (exit 1: no series).
    """
    import numpy as np

    from tests.dicom_factory import make_slice, write

    ds = make_slice(np.zeros((4, 4), np.int16))
    ds.add_new(0x00091010, "LO", "OUTPOST TEST")  # the private creator of the block below
    for number in range(8):  # 8 x 15 MiB, read (not deferred) by the header scan
        ds.add_new(0x00091020 + number, "OB", bytes(15 * 2**20))
    write(ds, tmp_path / "study" / "big.dcm")
    write(make_slice(np.zeros((4, 4), np.int16)), tmp_path / "study" / "small.dcm")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OUTPOST_DATA_DIR=str(tmp_path / "data"))
    env.pop("OUTPOST_DEBUG", None)
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(SCAN_CHILD), str(tmp_path / "study")],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-3000:]
    assert "internal error" not in child.stderr and "Traceback" not in child.stderr
    assert "big.dcm: damaged DICOM header (a value longer than the memory available)" in child.stdout
    assert " 1 inst " in child.stdout  # the small file is still found

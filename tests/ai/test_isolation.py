"""The isolated AI engine with a real worker process: results, errors, cancel, crashes, orphans."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from ai.demo.phantom import make_phantom
from ai.errors import AIError, WorkerCrashedError
from ai.inference import run
from ai.isolation import IsolatedEngine
from ai.packs.pack import read_pack
from ai.packs.store import bundled_packs_dir
from tests.ai.pack_factory import make_pack
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken

DEMO = bundled_packs_dir() / "outpost-demo-ct"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def engine():
    engine = IsolatedEngine()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def volume():
    # A larger field of view than the demo's, so that the sliding window takes several steps.
    return make_phantom(shape=(64, 320, 320), spacing=(2.0, 2.0, 3.0), seed=1).volume


def _gone(pid: int, seconds: float = 20.0) -> bool:
    """Whether ``pid`` has exited (or is a zombie) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("transport", ["shm", "pipe"])
def test_the_worker_gives_the_same_result_as_in_process(engine, volume, transport):
    pack = read_pack(DEMO)
    engine.transport = transport
    steps = []
    isolated = engine.run(volume, pack, progress=lambda done, total, text: steps.append((done, total)))
    here = run(volume, pack)
    assert engine.pid is not None and engine.pid != os.getpid()
    assert np.array_equal(isolated.labels, here.labels) and isolated.labels.dtype == here.labels.dtype
    assert isolated.volumes_ml == here.volumes_ml and set(isolated.volumes_ml) >= {"liver", "lungs"}
    assert isolated.provenance["checksum"] == pack.checksum
    assert steps and steps[-1][0] == steps[-1][1] > 1  # progress came back over the pipe


def test_the_worker_runs_at_background_priority(engine, volume):
    engine.start()
    child = psutil.Process(engine.pid)
    assert child.nice() > psutil.Process().nice()
    assert child.ppid() == os.getpid()


def test_an_explanation_in_the_worker_equals_the_one_in_process(engine, volume):
    from ai.explain import explain

    pack = read_pack(DEMO)
    result = engine.run(volume, pack)
    isolated = engine.explain(volume, pack, result, "saliency", target="liver")
    here = explain(volume, pack, result, "saliency", target="liver")
    assert isolated.target == here.target == "liver" and isolated.values.shape == volume.shape_zyx
    assert np.allclose(isolated.values, here.values, atol=1e-5)


def test_a_network_that_fails_on_the_input_comes_back_as_an_ai_error(engine, volume, tmp_path):
    from monai.networks.nets import UNet

    # A network for two input channels, given the one-channel CT: torch raises inside the worker.
    inference = json.loads((DEMO / "configs" / "inference.json").read_text())
    inference["network_def"]["in_channels"] = 2
    metadata = json.loads((DEMO / "configs" / "metadata.json").read_text())
    metadata["name"] = "two-channel"
    network = UNet(3, 2, 7, (8, 16, 32, 64), (2, 2, 2), num_res_units=2)
    pack = read_pack(make_pack(tmp_path / "two-channel", metadata, inference, network.state_dict()))
    pid = engine.start()
    with pytest.raises(AIError, match=r"the model failed \(RuntimeError\)") as failure:
        engine.run(volume, pack)
    assert "channels" in str(failure.value) and "\n" not in str(failure.value)
    assert engine.pid == pid  # an exception does not cost the worker
    assert engine.run(volume, read_pack(DEMO)).labels is not None


def test_a_pack_changed_after_listing_is_refused_by_the_worker(engine, volume, tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    pack = read_pack(copy)
    (copy / "configs" / "metadata.json").write_text("{}")  # after it was read and verified
    with pytest.raises(AIError, match="metadata.json"):
        engine.run(volume, pack)


def test_cancel_is_honoured_by_the_worker_which_lives_on(engine, volume):
    pack = read_pack(DEMO)
    pid, token = engine.start(), CancelToken()
    with pytest.raises(Cancelled):
        engine.run(volume, pack, progress=lambda *_: token.cancel(), cancel=token)
    assert engine.pid == pid
    assert engine.run(volume, pack).labels is not None


def test_a_worker_that_ignores_a_cancel_is_killed_and_replaced(engine, volume):
    pack = read_pack(DEMO)
    pid, token = engine.start(), CancelToken()
    engine.run(volume, pack)  # imports done, pack cached: the next run starts at once

    def freeze_then_cancel(*_):
        os.kill(pid, signal.SIGSTOP)  # a real process that cannot answer
        token.cancel()

    with pytest.raises(Cancelled):
        engine.run(volume, pack, progress=freeze_then_cancel, cancel=token)
    assert _gone(pid)
    assert engine.run(volume, pack).labels is not None and engine.pid not in (None, pid)


@pytest.mark.parametrize("signum", [signal.SIGSEGV, signal.SIGKILL])
def test_a_worker_that_dies_mid_run_raises_a_plain_message_and_the_next_run_restarts_it(engine, volume, signum):
    pack = read_pack(DEMO)
    pid = engine.start()
    starts = engine.starts
    with pytest.raises(WorkerCrashedError) as crash:
        engine.run(volume, pack, progress=lambda *_: os.kill(pid, signum))
    message = str(crash.value)
    assert message.startswith("the AI worker process stopped unexpectedly (" + signal.Signals(signum).name)
    assert "the viewer and your images are unaffected; run again to restart it" in message
    assert _gone(pid)
    again = engine.run(volume, pack)
    assert again.labels is not None and engine.starts == starts + 1 and engine.pid != pid


def test_close_stops_the_worker_and_a_running_request_ends_as_cancelled(volume):
    engine = IsolatedEngine()
    pack = read_pack(DEMO)
    pid = engine.start()
    outcome = []

    def request():
        try:
            engine.run(volume, pack, progress=lambda *_: closing.set())
        except Exception as e:  # noqa: BLE001 - the test looks at what came back
            outcome.append(e)

    closing = threading.Event()
    thread = threading.Thread(target=request)
    thread.start()
    assert closing.wait(60)
    engine.close()
    thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert not psutil.pid_exists(pid) and engine.pid is None


def test_the_worker_leaves_when_its_parent_is_killed(tmp_path):
    script = ("from ai.isolation import IsolatedEngine\n"
              "if __name__ == '__main__':\n"
              "    engine = IsolatedEngine()\n"
              "    print(engine.start(), flush=True)\n"
              "    import time; time.sleep(600)\n")
    (tmp_path / "parent.py").write_text(script)
    parent = subprocess.Popen([sys.executable, str(tmp_path / "parent.py")], cwd=REPO, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        child = int(parent.stdout.readline())
        assert psutil.Process(child).ppid() == parent.pid
        parent.send_signal(signal.SIGKILL)  # no atexit, no daemon clean-up: only the pipe tells the child
        parent.wait(30)
        assert _gone(child, 60)
    finally:
        parent.kill()
        parent.wait()

"""TorchScript is code: a pack's ``models/model.ts`` runs only when trusted, and then only in the sandbox.

The attack (issue 12)
---------------------
A TorchScript file is not weights: it is a program. A scripted module may define
``__getstate__`` and ``__setstate__`` (exported with ``@torch.jit.export``), and
``torch.jit.load`` calls ``__setstate__`` with the saved state while it reads the file,
before any network is run. TorchScript cannot open files, but
``torch.from_file(path, shared=True, size=N)`` maps ``path`` read-write, creating it
when it is missing, so every byte written to the tensor lands in the file: a pack can
create files and overwrite a shell script with bytes of its choice. A ``while`` loop in
``__setstate__`` hung ``outpost models install`` forever.

What the tests hold
-------------------
- The attack is real: ``torch.jit.load`` of the very files used below, in a plain
  Python, creates the marker file, overwrites the "script", and never ends.
- Reading, previewing, listing, verifying and installing such a pack never loads its
  TorchScript (in this process, where nothing would stop it, and in the sandboxed
  worker), within a generous time guard; the preview says "executable" and asks for
  confirmation; an install without trust is refused (store, worker and command line).
- With trust (``--yes``, ``trusted=True``) the pack is installed, ``.trust.json`` records
  its checksum and the listing shows it ``ok`` with the TorchScript note; it is then
  loaded only in the sandboxed worker, where its writes outside the worker's own folder
  are refused (the markers stay as they were, and the refusal says the sandbox refused it) and a loop
  is ended by the run time limit.
- Trusted TorchScript that takes far more memory than the worker's limit (in ``forward`` or while it
  loads) fails with a message that says memory; the worker's peak stays within its limit, the viewer's
  process does not grow, and the same worker runs the next pack.
- TorchScript has no socket operation; what reaches a path (``torch.from_file``) is refused for a unix
  socket and for ``/proc/.../mem``, and the worker that loaded and ran trusted TorchScript still reaches
  no socket (every network attack of ``test_sandbox``; the listeners hear nothing).
- A trusted pack changed after its installation is no longer trusted.

Every marker lives under the test's ``tmp_path``, outside the worker's temporary folder.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
import torch

from ai.demo.phantom import make_phantom
from ai.errors import AIError, PackRefusedError, WorkerCrashedError
from ai.isolation import IsolatedEngine
from ai.packs.pack import EXECUTABLE_NOTICE, read_pack
from ai.packs.store import TRUST_FILE, PackStore
from tests.ai import test_sandbox
from tests.ai.pack_factory import make_pack, write_checksums
from tests.ai.test_ai_cli import outpost
from tests.ai.test_packs_and_inference import TINY_CONFIG, TINY_META
from tests.ai.test_sandbox import LINUX_64, NETWORK_ATTACKS, PRELUDE, REFUSALS, _alive, _require_kernel_sandbox

REPO = Path(__file__).resolve().parents[2]
#: What the shell script outside every pack holds before the attack.
SCRIPT = b"#!/bin/sh\necho 'a script the user relies on'\n"
#: What the attack writes: 16 bytes of "!" (``fill_(33)``).
PWNED = b"!" * 16
#: Seconds any reading of a hostile pack may take before the test calls it hung (it takes well under one).
TIME_GUARD_S = 60.0
#: What a trusted TorchScript's refusal starts with when the sandbox refused something its code tried.
SANDBOX_REFUSED = (r"^models/model\.ts: the TorchScript did not load \(its code tried something the AI worker's "
                   r"sandbox refuses: ")
#: test_sandbox's TCP, UDP and unix socket listeners, which say what reached them.
listeners = test_sandbox.listeners
#: The memory limit of the worker that runs the TorchScript that takes too much (bytes beyond its imports).
WORKER_LIMIT = 2**30
#: What that TorchScript takes: HOG_PIECES tensors of HOG_PIECE bytes, 6 GiB in all.
HOG_PIECE = 2**28
HOG_PIECES = 24
#: The TorchScript configs: TINY_CONFIG's stages, its network being the pack's TorchScript.
TS_CONFIG = {key: value for key, value in TINY_CONFIG.items() if key != "network_def"}


# --------------------------------------------------------------------------- the hostile TorchScript
class Payload(torch.nn.Module):
    """Does nothing in ``forward``; its ``__setstate__`` is the attack, run by ``torch.jit.load``."""

    targets: list[str]  # typed for TorchScript, which cannot infer the type of an empty list

    def __init__(self, targets: list[str], loop: bool) -> None:
        super().__init__()
        self.targets = targets
        self.loop = loop
        self.spins = 0
        self.handle = torch.zeros(1, dtype=torch.uint8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[list[str], bool, bool]:
        return (self.targets, self.loop, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[list[str], bool, bool]) -> None:
        self.targets = state[0]
        self.loop = state[1]
        self.training = state[2]
        self.spins = 0
        self.handle = torch.zeros(1, dtype=torch.uint8)
        if self.loop:
            print("outpost-test: spinning in __setstate__")
        while self.loop:  # assigning an attribute keeps the loop from being optimised away
            self.spins = self.spins + 1
        for target in self.targets:
            mapped = torch.from_file(target, shared=True, size=16, dtype=torch.uint8)  # created when missing
            mapped.fill_(33)
            self.handle = mapped  # kept, so the write is not optimised away


class HostileSegmenter(torch.nn.Module):
    """A valid tiny segmentation network (1 channel in, 2 out) carrying the payload."""

    def __init__(self, targets: list[str], loop: bool) -> None:
        super().__init__()
        self.payload = Payload(targets, loop)
        self.conv = torch.nn.Conv3d(1, 2, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.payload(x))


class MemoryHog(torch.nn.Module):
    """Takes :data:`HOG_PIECES` filled tensors of :data:`HOG_PIECE` bytes, far past the worker's limit:
    in ``forward`` (``when="forward"``) or in ``__setstate__``, while ``torch.jit.load`` reads it (``"load"``)."""

    def __init__(self, when: str) -> None:
        super().__init__()
        self.when = when
        self.piece, self.pieces = HOG_PIECE, HOG_PIECES  # attributes: TorchScript reads no global int
        self.held = [torch.zeros(1)]

    def hog(self) -> int:
        held: list[torch.Tensor] = []
        for _ in range(self.pieces):
            held.append(torch.empty(self.piece, dtype=torch.uint8).fill_(1))  # filled: the pages are used
        self.held = held  # kept, so that nothing is freed or optimised away
        return len(held)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.when == "forward":
            self.hog()
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[str, int, int, bool]:
        return (self.when, self.piece, self.pieces, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[str, int, int, bool]) -> None:
        self.when = state[0]
        self.piece = state[1]
        self.pieces = state[2]
        self.training = state[3]
        self.held = [torch.zeros(1)]
        if self.when == "load":
            self.hog()


class HoggingSegmenter(torch.nn.Module):
    """:class:`HostileSegmenter`, its payload a :class:`MemoryHog`."""

    def __init__(self, when: str) -> None:
        super().__init__()
        self.payload = MemoryHog(when)
        self.conv = torch.nn.Conv3d(1, 2, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.payload(x))


def _torchscript(path: Path, targets: list[Path] = (), loop: bool = False, hog: str = "") -> Path:
    """Save a scripted :class:`HostileSegmenter` at ``path`` (no targets and no loop: a benign one), or a
    :class:`HoggingSegmenter` when ``hog`` says when it takes the memory (``"forward"`` or ``"load"``)."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", DeprecationWarning)
        network = HoggingSegmenter(hog) if hog else HostileSegmenter([str(t) for t in targets], loop)
        scripted = torch.jit.script(network)
    path.parent.mkdir(parents=True, exist_ok=True)
    scripted.save(str(path))
    return path


def _ts_pack(root: Path, name: str, targets: list[Path] = (), loop: bool = False, hog: str = "") -> Path:
    """An otherwise valid, checksummed pack whose model is the TorchScript above."""
    make_pack(root, dict(TINY_META, name=name), TS_CONFIG, checksums=False)
    _torchscript(root / "models" / "model.ts", targets, loop, hog)
    write_checksums(root)
    return root


@pytest.fixture
def markers(tmp_path):
    """Where the attack aims: a file it would create and an existing script it would overwrite;
    ``intact()`` lists what the attack changed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    created, script = outside / "created-by-the-pack.bin", outside / "backup.sh"
    script.write_bytes(SCRIPT)

    def intact() -> list[str]:
        changed = [str(p) for p in outside.iterdir() if p != script]
        now = script.read_bytes() if script.is_file() else None
        if now != SCRIPT:
            changed.append(f"{script} now holds {now if now is None else now[:32]!r}")
        return changed

    return [created, script], intact


@pytest.fixture(scope="module")
def engine():
    """One sandboxed AI worker for the module (each test that kills it gets a fresh one next)."""
    engine = IsolatedEngine()
    yield engine
    engine.close()


def _wait_for_line(process: subprocess.Popen, text: str, seconds: float) -> bool:
    """Whether ``process`` printed a line containing ``text`` within ``seconds``."""
    seen = threading.Event()

    def read() -> None:
        for line in process.stdout:
            if text in line:
                seen.set()
                return

    threading.Thread(target=read, daemon=True).start()
    return seen.wait(seconds)


# --------------------------------------------------------------------------- 1. the attack is real
def test_loading_the_torchscript_in_a_plain_python_runs_its_code(tmp_path, markers):
    """The control: without Outpost in the way, ``torch.jit.load`` is the attack."""
    (created, script), intact = markers
    model = _torchscript(tmp_path / "hostile.ts", [created, script])
    load = "import sys, torch; torch.jit.load(sys.argv[1]); print('loaded')"
    done = subprocess.run([sys.executable, "-c", load, str(model)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "loaded" in done.stdout, done.stderr[-2000:]
    assert created.read_bytes() == PWNED and script.read_bytes()[:16] == PWNED
    assert len(intact()) == 2

    looping = _torchscript(tmp_path / "looping.ts", loop=True)
    process = subprocess.Popen([sys.executable, "-c", load, str(looping)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert _wait_for_line(process, "spinning in __setstate__", 300), "the loop never started"
        time.sleep(3)
        assert process.poll() is None, "torch.jit.load of the looping file ended"
    finally:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------- 2. never loaded unless trusted
#: Reads the packs named in argv as every reading path of the store does, in a python of its own (a load
#: of the looping pack would hang it: the test's time guard kills it), and prints what each said.
READER = r'''
import json, shutil, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from ai.errors import AIError
from ai.packs.provenance import describe_for_install
from ai.packs.store import PackStore, examine

user, bundled = Path(sys.argv[2]), Path(sys.argv[3])
store = PackStore(user_dir=user, bundled_dir=bundled)
said = {}
for source in map(Path, sys.argv[4:]):
    started = time.monotonic()
    name = source.name
    preview = describe_for_install(source)
    found = {"preview": {"executable": preview.executable, "needs_confirmation": preview.needs_confirmation,
                         "refused": preview.refused, "lines": preview.lines()}}
    found["examine"] = {}
    for location in ("candidate", "user", "bundled"):
        entry = examine(source, location, check_network=True)
        found["examine"][location] = [entry.status, entry.reason]
    try:
        store.install(source)
        found["untrusted install"] = "installed"
    except AIError as e:
        found["untrusted install"] = f"{type(e).__name__}: {e}"
    archive = Path(shutil.make_archive(str(source.parent / f"{name}-zipped"), "zip", source.parent, name))
    zipped = describe_for_install(archive)
    found["zip preview"] = [zipped.executable, zipped.needs_confirmation, zipped.refused]
    try:
        store.install(archive)
        found["untrusted zip install"] = "installed"
    except AIError as e:
        found["untrusted zip install"] = f"{type(e).__name__}: {e}"
    found["installed untrusted"] = (user / name).exists()
    shutil.copytree(source, user / name)  # there without trust (copied by hand)
    entry = {e.name: e for e in store.entries(check_network=True)}[name]
    found["listed untrusted"] = [entry.status, entry.reason]
    verified = store.verify(name)
    found["verified untrusted"] = [verified.status, verified.reason]
    pack = store.install(source, trusted=True)
    found["trusted install"] = [str(pack.root), pack.trusted]
    entry = {e.name: e for e in store.entries(check_network=True)}[name]
    found["listed trusted"] = [entry.status, entry.reason]
    verified = store.verify(name)
    found["verified trusted"] = [verified.status, verified.reason]
    found["found trusted"] = store.find(name).trusted
    found["seconds"] = time.monotonic() - started
    said[name] = found
print(json.dumps(said), flush=True)
'''


def test_previewing_listing_verifying_and_installing_never_load_the_torchscript(tmp_path, markers):
    """In a process without any sandbox: a load would write the markers or hang past the time guard."""
    (created, script), intact = markers
    hostile = _ts_pack(tmp_path / "src" / "hostile-ts", "hostile-ts", [created, script])
    looping = _ts_pack(tmp_path / "src" / "looping-ts", "looping-ts", loop=True)
    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", READER, str(REPO), str(user), str(bundled), str(hostile),
                               str(looping)], capture_output=True, text=True, timeout=TIME_GUARD_S + 30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading the TorchScript packs did not end within {TIME_GUARD_S + 30:g} s: it was loaded")
    assert done.returncode == 0, done.stderr[-3000:]
    assert intact() == [] and "spinning" not in done.stdout
    said = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("hostile-ts", "looping-ts"):
        found = said[name]
        assert found["seconds"] < TIME_GUARD_S, found["seconds"]
        preview = found["preview"]
        assert preview["executable"] and preview["needs_confirmation"] and preview["refused"] == ""
        assert f"CODE: {EXECUTABLE_NOTICE}" in preview["lines"]
        assert "checksums: checksums.sha256 present, every file verified" in preview["lines"]
        assert found["examine"]["candidate"] == ["ok", EXECUTABLE_NOTICE]
        for location in ("user", "bundled"):
            status, reason = found["examine"][location]
            assert status == "refused" and "executable TorchScript" in reason and "not trusted" in reason
        assert found["zip preview"] == [True, True, ""]
        for key in ("untrusted install", "untrusted zip install"):
            assert found[key].startswith("PackRefusedError: ") and "executable TorchScript" in found[key], key
            assert "--yes" in found[key], key
        assert not found["installed untrusted"]
        for key in ("listed untrusted", "verified untrusted"):
            status, reason = found[key]
            assert status == "refused" and "executable TorchScript" in reason and "not trusted" in reason, key
        assert found["trusted install"] == [str(user / name), True]
        for key in ("listed trusted", "verified trusted"):
            assert found[key] == ["ok", EXECUTABLE_NOTICE], key
        assert found["found trusted"] is True
    assert json.loads((user / TRUST_FILE).read_text()) == {
        name: read_pack(user / name).checksum for name in ("hostile-ts", "looping-ts")}
    assert time.monotonic() - started < TIME_GUARD_S + 30


def test_the_sandboxed_worker_checks_without_loading_and_an_untrusted_install_is_refused(engine, tmp_path,
                                                                                         markers, monkeypatch):
    """The worker's checks do not load it either: there a load would fail on the sandbox (a refusal
    saying "the TorchScript did not load") or loop past the pack check's time limit."""
    import ai.isolation

    (created, script), intact = markers
    monkeypatch.setattr(ai.isolation, "PACK_CHECK_TIMEOUT_S", TIME_GUARD_S)
    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    store = PackStore(user_dir=user, bundled_dir=bundled)
    engine.sandbox()  # started and ready: the imports are not the checks' time
    for name, targets, loop in (("hostile-ts", [created, script], False), ("looping-ts", [], True)):
        source = _ts_pack(tmp_path / "src" / name, name, targets, loop)
        started = time.monotonic()
        preview = engine.describe_for_install(source)
        assert preview.executable and preview.needs_confirmation and preview.refused == "", preview
        assert f"CODE: {EXECUTABLE_NOTICE}" in preview.lines()
        with pytest.raises(PackRefusedError, match="executable TorchScript.*--yes"):
            engine.install_pack(source, user, trusted=False)
        assert not (user / name).exists()
        shutil.copytree(source, user / name)  # put there by hand: listed, never trusted
        entries = store.entries(check_network=False)
        engine.check_entries(entries)
        (entry,) = [e for e in entries if e.name == name]
        assert entry.status == "refused" and "executable TorchScript" in entry.reason, entry.reason
        assert "not trusted when installed" in entry.reason and "did not load" not in entry.reason
        verdicts, _device = engine.check_packs([(source, "candidate")])
        assert verdicts == [("ok", EXECUTABLE_NOTICE)]
        assert time.monotonic() - started < TIME_GUARD_S
    assert intact() == []


def test_the_command_line_installs_torchscript_only_with_yes(tmp_path, markers):
    (created, script), intact = markers
    source = _ts_pack(tmp_path / "src" / "hostile-ts", "hostile-ts", [created, script])
    data = tmp_path / "data"
    refused = outpost("models", "install", str(source), data_dir=data)
    assert refused.returncode != 0 and "TorchScript" in refused.stderr, (refused.stdout, refused.stderr)
    assert f"CODE: {EXECUTABLE_NOTICE}" in refused.stdout.splitlines()
    assert not (data / "packs" / "hostile-ts").exists() and intact() == []

    installed = outpost("models", "install", str(source), "--yes", data_dir=data)
    assert installed.returncode == 0, installed.stderr
    pack = read_pack(data / "packs" / "hostile-ts")
    assert json.loads((data / "packs" / TRUST_FILE).read_text()) == {"hostile-ts": pack.checksum}
    listed = outpost("models", "list", data_dir=data)
    assert listed.returncode == 0, listed.stderr
    (line,) = [line for line in listed.stdout.splitlines() if line.startswith("hostile-ts ")]
    assert line.split()[2:4] == ["user", "ok"] and line.endswith(f"({EXECUTABLE_NOTICE})"), line
    verified = outpost("models", "verify", "hostile-ts", data_dir=data)
    assert verified.returncode == 0 and verified.stdout.strip() == f"hostile-ts: ok ({EXECUTABLE_NOTICE})"
    assert intact() == []


# --------------------------------------------------------------------------- 3. trusted: run in the sandbox
def _volume():
    return make_phantom(shape=(16, 64, 64), spacing=(4.0, 4.0, 6.0)).volume


def test_a_trusted_torchscript_runs_in_the_sandbox_and_cannot_write_outside_it(engine, tmp_path, markers):
    (created, script), intact = markers
    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    store = PackStore(user_dir=user, bundled_dir=bundled)
    benign = engine.install_pack(_ts_pack(tmp_path / "src" / "benign-ts", "benign-ts"), user, trusted=True)
    # One pack per target: TorchScript has no try, so the first refused write ends __setstate__.
    hostile = {name: engine.install_pack(_ts_pack(tmp_path / "src" / name, name, [target]), user, trusted=True)
               for name, target in (("creates-a-file", created), ("overwrites-a-script", script))}
    assert benign.trusted and all(pack.trusted for pack in hostile.values()) and intact() == []
    assert json.loads((user / TRUST_FILE).read_text()) == {
        "benign-ts": benign.checksum, **{name: pack.checksum for name, pack in hostile.items()}}
    entries = store.entries(check_network=False)
    engine.check_entries(entries)
    assert {e.name: (e.status, e.reason) for e in entries} == {
        name: ("ok", EXECUTABLE_NOTICE) for name in ("benign-ts", "creates-a-file", "overwrites-a-script")}

    volume = _volume()
    result = engine.run(volume, store.find("benign-ts"), device="cpu")  # trust lets TorchScript run at all
    assert result.labels.shape == volume.shape_zyx and result.provenance["checksum"] == benign.checksum

    _require_kernel_sandbox()
    for name in hostile:
        pack = store.find(name)
        assert pack.trusted
        with pytest.raises(PackRefusedError, match=SANDBOX_REFUSED) as refused:
            engine.run(volume, pack, device="cpu")
        # It was loaded (trusted), and its write was refused by the sandbox, which the message says.
        assert "Permission denied" in str(refused.value) and "not trusted" not in str(refused.value), name
        assert intact() == [], name
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None  # the worker goes on


def test_a_trusted_torchscript_that_loops_is_stopped_by_the_run_time_limit(engine, tmp_path, monkeypatch):
    import ai.isolation

    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    store = PackStore(user_dir=user, bundled_dir=bundled)
    engine.install_pack(_ts_pack(tmp_path / "src" / "looping-ts", "looping-ts", loop=True), user, trusted=True)
    engine.install_pack(_ts_pack(tmp_path / "src" / "benign-ts", "benign-ts"), user, trusted=True)
    volume = _volume()
    engine.sandbox()  # started and ready: the limit counts from here
    pid = engine.pid
    monkeypatch.setattr(ai.isolation, "RUN_TIMEOUT_S", 3.0)
    started = time.monotonic()
    with pytest.raises(AIError, match=r"^the AI run did not end within 3 s, so the AI worker was stopped"):
        engine.run(volume, store.find("looping-ts"), device="cpu")
    assert time.monotonic() - started < 30 and not _alive(pid)
    monkeypatch.setattr(ai.isolation, "RUN_TIMEOUT_S", 600.0)
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None
    assert engine.pid not in (None, pid)


@pytest.fixture(scope="module")
def limited_engine():
    """A second sandboxed worker: a memory limit of :data:`WORKER_LIMIT`, and ``_execute`` allowed (for tests)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTPOST_AI_WORKER_TEST_EXEC", "1")  # read by each child when it starts
        engine = IsolatedEngine(memory_limit_bytes=WORKER_LIMIT)
        yield engine
        engine.close()


def _process_memory(pid: int) -> dict[str, int]:
    """``VmHWM`` (peak resident), ``VmPeak`` (peak address space) and ``RLIMIT_AS`` of ``pid``, in bytes."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    found = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in status
             if line.startswith(("VmHWM:", "VmPeak:"))}
    (limit,) = [line.split()[3] for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
                if line.startswith("Max address space")]
    found["RLIMIT_AS"] = sys.maxsize if limit == "unlimited" else int(limit)
    return found


def test_a_trusted_torchscript_that_takes_memory_past_the_limit_fails_and_the_viewer_goes_on(limited_engine,
                                                                                           tmp_path):
    """6 GiB asked, 256 MiB at a time, each filled, of a worker allowed 1 GiB more than its imports: in
    ``forward`` and in ``__setstate__`` (while the TorchScript loads). RLIMIT_AS makes the allocation fail
    in the worker (no kernel OOM killer, nothing else on the machine starved): the run fails with a
    message that says memory, the worker's peak stays within its limit, this process's memory does not
    grow, and the same worker serves the next run."""
    if not LINUX_64:
        pytest.skip("RLIMIT_AS is set on Linux")
    import psutil

    engine = limited_engine
    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    store = PackStore(user_dir=user, bundled_dir=bundled)
    engine.install_pack(_ts_pack(tmp_path / "src" / "benign-ts", "benign-ts"), user, trusted=True)
    for when in ("forward", "load"):
        name = f"hog-in-{when}"
        assert engine.install_pack(_ts_pack(tmp_path / "src" / name, name, hog=when), user, trusted=True).trusted
    report = engine.sandbox()
    assert report.memory_mode == "rlimit" and report.memory_limit_bytes == WORKER_LIMIT, report.lines()
    pid = engine.pid
    here = psutil.Process()
    volume = _volume()
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None
    here_before, worker_before = here.memory_info().rss, _process_memory(pid)
    assert worker_before["RLIMIT_AS"] < HOG_PIECE * HOG_PIECES
    for when in ("forward", "load"):
        started = time.monotonic()
        with pytest.raises(AIError) as failed:
            engine.run(volume, store.find(f"hog-in-{when}"), device="cpu")
        message = str(failed.value)
        assert time.monotonic() - started < TIME_GUARD_S, when
        assert not isinstance(failed.value, WorkerCrashedError) and engine.pid == pid, message  # it lived on
        assert "out of memory" in message or "can't allocate memory" in message, message
        if when == "forward":
            assert message.startswith("out of memory on the CPU running hog-in-forward: "), message
        worker = _process_memory(pid)
        assert worker["VmPeak"] <= worker["RLIMIT_AS"] == worker_before["RLIMIT_AS"], (when, worker)
        assert worker["VmHWM"] <= worker_before["VmHWM"] + WORKER_LIMIT, (when, worker, worker_before)
    assert here.memory_info().rss - here_before < 128 * 2**20  # nothing of it came here
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None  # the viewer goes on
    assert engine.pid == pid


def test_a_worker_that_ran_a_trusted_torchscript_still_reaches_no_socket(limited_engine, tmp_path, listeners):
    """TorchScript has no socket operation of its own: no ``socket``, ``connect`` or ``send`` among its
    builtins, and no Python module to import. What it has is ``torch.from_file``, which opens a path
    read-write and maps it: aimed at a unix socket's path, at ``/proc/self/mem`` and at the viewer's
    ``/proc/<pid>/mem``, the sandbox refuses to open them for writing (without it the kernel refuses to
    open a socket as a file, ENXIO, and to map a ``mem`` file). Then, in the very worker that loaded and
    ran the trusted TorchScript, every network attack of ``test_sandbox`` (Python, ``_socket``, libc, the
    raw system call, io_uring, unix paths and abstract names) is refused and no listener hears anything."""
    _require_kernel_sandbox()
    targets, heard = listeners
    engine = limited_engine
    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    store = PackStore(user_dir=user, bundled_dir=bundled)
    engine.install_pack(_ts_pack(tmp_path / "src" / "benign-ts", "benign-ts"), user, trusted=True)
    # One pack per target: TorchScript has no try, so the first refusal ends __setstate__.
    aimed = {"maps-a-unix-socket": targets["unix"], "maps-its-own-memory": "/proc/self/mem",
             "maps-the-viewers-memory": f"/proc/{os.getpid()}/mem"}
    for name, target in aimed.items():
        engine.install_pack(_ts_pack(tmp_path / "src" / name, name, [Path(target)]), user, trusted=True)
    volume = _volume()
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None  # TorchScript ran
    pid = engine.pid
    for name in aimed:
        with pytest.raises(PackRefusedError, match=r"^models/model\.ts: the TorchScript did not load") as refused:
            engine.run(volume, store.find(name), device="cpu")
        message = str(refused.value)
        if name == "maps-a-unix-socket" and "No such device or address" in message:
            continue  # the kernel's own refusal to open a socket as a file, before the sandbox is asked
        assert re.match(SANDBOX_REFUSED, message) and "Permission denied" in message, message
    assert heard() == [] and engine.pid == pid

    outcome = engine._execute(f"targets = {targets!r}\n" + PRELUDE + NETWORK_ATTACKS + "result = outcome")
    assert len(outcome) == 12, outcome
    assert {name: result for name, result in outcome.items() if result not in REFUSALS} == {}
    assert heard() == [] and engine.pid == pid  # the same worker, which loaded and ran the TorchScript
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None  # and it goes on


# --------------------------------------------------------------------------- 4. trust is for one checksum
def test_a_trusted_pack_altered_after_installation_is_no_longer_trusted(engine, tmp_path):
    user, bundled = tmp_path / "user", tmp_path / "bundled"
    bundled.mkdir()
    store = PackStore(user_dir=user, bundled_dir=bundled)
    installed = engine.install_pack(_ts_pack(tmp_path / "src" / "benign-ts", "benign-ts"), user, trusted=True)
    volume = _volume()
    assert engine.run(volume, store.find("benign-ts"), device="cpu").labels is not None  # trusted, it runs

    metadata = installed.root / "configs" / "metadata.json"
    metadata.write_bytes(metadata.read_bytes() + b" ")
    write_checksums(installed.root)  # still a sound pack, but not the one the user trusted
    pack = store.find("benign-ts")
    assert pack.verified and pack.checksum != installed.checksum and not pack.trusted
    entries = store.entries(check_network=False)
    engine.check_entries(entries)
    (entry,) = entries
    assert entry.status == "refused" and entry.reason == (f"{EXECUTABLE_NOTICE}; it was not trusted when "
                                                          "installed"), entry.reason
    assert store.verify("benign-ts").status == "refused"
    with pytest.raises(PackRefusedError, match="executable TorchScript.*not trusted when installed"):
        engine.run(volume, pack, device="cpu")
    with pytest.raises(PackRefusedError, match="executable TorchScript.*not trusted when installed"):
        engine.run(volume, store.find(str(installed.root)), device="cpu")  # named by path: never trusted
    assert json.loads((user / TRUST_FILE).read_text()) == {"benign-ts": installed.checksum}

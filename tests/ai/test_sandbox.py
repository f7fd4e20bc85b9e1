"""The AI worker's sandbox (``ai.sandbox``), attacked from inside as hostile TorchScript would.

Code runs in a sandboxed child: a ``python`` subprocess that calls ``apply_sandbox``
itself, and the real worker of :class:`~ai.isolation.IsolatedEngine` (which
executes test code only with ``OUTPOST_AI_WORKER_TEST_EXEC=1``). Every attack
leaves a marker where it would succeed (a file written or changed, a connection
accepted, a datagram received); each test checks the markers are absent. The
same attacks run with the sandbox left out (``OUTPOST_SANDBOX_DISABLE``) do
succeed, so a test cannot pass because an attack was mistyped.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from ai.demo.phantom import make_phantom
from ai.errors import AIError, PackRefusedError, WorkerCrashedError
from ai.isolation import IsolatedEngine
from ai.packs.pack import read_pack
from ai.packs.store import bundled_packs_dir
from ai.sandbox import DISABLE_ENV, MEMORY_EXIT_CODE, landlock_abi
from tests.conftest import missing

DEMO = bundled_packs_dir() / "outpost-demo-ct"
REPO = Path(__file__).resolve().parents[2]
LINUX_64 = sys.platform.startswith("linux") and os.uname().machine in ("x86_64", "aarch64")
#: What a refusal by the sandbox reads as (EXDEV: Landlock refuses to link a file in from elsewhere).
REFUSALS = {"refused: EACCES", "refused: EPERM", "refused: EXDEV"}

# --------------------------------------------------------------------------- the attacks, as source code
PRELUDE = r'''
import ctypes, errno, os, socket, struct, _socket
outcome = {}
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def attempt(name, action):
    try:
        action()
        outcome[name] = "done"
    except OSError as e:
        outcome[name] = "refused: " + errno.errorcode.get(e.errno, str(e.errno))
    except Exception as e:
        outcome[name] = f"failed: {type(e).__name__}: {e}"

def checked(value):
    if value == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return value
'''

FILE_ATTACKS = r'''
import tempfile
from pathlib import Path
own = Path(targets.get("own") or tempfile.gettempdir())
outside, existing = Path(targets["outside"]), targets["existing"]

def write(path, mode="w"):
    with open(path, mode) as f:
        f.write("pwned")

def through_symlink():
    os.symlink(existing, own / "link")
    write(own / "link", "r+")

def through_hard_link():
    os.link(existing, own / "hard")
    write(own / "hard", "r+")

def with_libc():
    flags = os.O_WRONLY | os.O_CREAT
    os.close(checked(libc.open(str(outside / "libc.txt").encode(), flags, ctypes.c_int(0o644))))

attempt("write in its own folder", lambda: write(own / "allowed.txt"))
attempt("write in the home folder", lambda: write(targets["home"]))
attempt("write in /tmp outside its folder", lambda: write(outside / "pwned.txt"))
attempt("write in /dev/shm", lambda: write(targets["shm"]))
attempt("overwrite with r+", lambda: write(existing, "r+"))
attempt("append", lambda: write(existing, "a"))
attempt("truncate", lambda: os.truncate(existing, 0))
attempt("symlink beside it", lambda: os.symlink(existing, outside / "link"))
attempt("write through a symlink in its own folder", through_symlink)
attempt("write through a hard link in its own folder", through_hard_link)
attempt("mkfifo", lambda: os.mkfifo(outside / "fifo"))
attempt("mkdir", lambda: os.mkdir(outside / "made"))
attempt("open(2) through libc", with_libc)
attempt("rename", lambda: os.rename(existing, existing + ".moved"))
attempt("remove", lambda: os.remove(existing + ".moved" if os.path.exists(existing + ".moved") else existing))
'''

NETWORK_ATTACKS = r'''
AF_INET, AF_UNIX = socket.AF_INET, socket.AF_UNIX
SOCKET = {"x86_64": 41, "aarch64": 198}[os.uname().machine]

def native(family, kind, proto=0):  # the C-level socket type: the Python guard is not in the way
    return _socket.socket(family, kind, proto)

def python_tcp():
    socket.create_connection(("127.0.0.1", targets["tcp"]), timeout=10).close()

def native_tcp():
    s = native(AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", targets["tcp"]))
    finally:
        s.close()

def udp():
    s = native(AF_INET, socket.SOCK_DGRAM)
    try:
        s.sendto(b"pwned", ("127.0.0.1", targets["udp"]))
    finally:
        s.close()

def libc_tcp():
    fd = checked(libc.socket(AF_INET, socket.SOCK_STREAM, 0))
    address = struct.pack("=H", AF_INET) + struct.pack("!H", targets["tcp"]) + bytes([127, 0, 0, 1]) + bytes(8)
    try:
        checked(libc.connect(fd, address, len(address)))
    finally:
        os.close(fd)

def raw_socket_call():
    os.close(checked(libc.syscall(ctypes.c_long(SOCKET), ctypes.c_long(AF_INET), ctypes.c_long(socket.SOCK_DGRAM),
                                  ctypes.c_long(0))))

def io_uring():
    parameters = ctypes.create_string_buffer(120)
    os.close(checked(libc.syscall(ctypes.c_long(425), ctypes.c_long(4), parameters)))

def unix(address, kind=socket.SOCK_STREAM):
    s = native(AF_UNIX, kind)
    s.settimeout(10)
    try:
        if kind == socket.SOCK_DGRAM:
            s.sendto(b"pwned", address)
        else:
            s.connect(address)
    finally:
        s.close()

attempt("TCP through Python", python_tcp)
attempt("TCP through _socket", native_tcp)
attempt("UDP sendto", udp)
attempt("AF_INET6", lambda: native(socket.AF_INET6, socket.SOCK_STREAM).close())
attempt("AF_PACKET", lambda: native(socket.AF_PACKET, socket.SOCK_RAW).close())
attempt("AF_NETLINK", lambda: native(socket.AF_NETLINK, socket.SOCK_RAW, 0).close())
attempt("TCP through libc", libc_tcp)
attempt("socket system call", raw_socket_call)
attempt("io_uring_setup", io_uring)
attempt("unix socket path", lambda: unix(targets["unix"]))
attempt("abstract unix socket", lambda: unix("\0" + targets["abstract"]))
attempt("unix datagram", lambda: unix(targets["unix_dgram"], socket.SOCK_DGRAM))
'''

RUNNER = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
targets = json.loads(sys.argv[2])
from ai.sandbox import apply_sandbox
report = apply_sandbox([targets["own"]], targets.get("limit"), accelerator=targets.get("accelerator", False))
print(json.dumps({"lines": report.lines(), "seccomp": report.seccomp, "landlock": report.landlock}), flush=True)
'''

#: i386's socket(AF_INET, SOCK_STREAM, 0) through ``int 0x80`` from 64-bit code (x86_64 machine code).
INT80 = r'''
import ctypes, mmap
code = bytes([0x53,                                # push rbx
              0xB8, 0x67, 0x01, 0x00, 0x00,        # mov eax, 359 (i386 socket)
              0xBB, 0x02, 0x00, 0x00, 0x00,        # mov ebx, AF_INET
              0xB9, 0x01, 0x00, 0x00, 0x00,        # mov ecx, SOCK_STREAM
              0x31, 0xD2,                          # xor edx, edx
              0xCD, 0x80,                          # int 0x80
              0x5B, 0xC3])                         # pop rbx; ret
page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(code)
call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
print("int 0x80 returned", call(), flush=True)
'''


def _sandboxed_python(targets: dict, attacks: str, env: dict | None = None) -> tuple[dict, dict, str]:
    """Run ``attacks`` in a python that sandboxed itself first; its report, the outcomes and stderr."""
    source = RUNNER + PRELUDE + attacks + "\nprint(json.dumps(outcome), flush=True)\n"
    environment = {**os.environ, **(env or {})}
    done = subprocess.run([sys.executable, "-c", source, str(REPO), json.dumps(targets)], capture_output=True,
                          text=True, timeout=180, env=environment)
    assert done.returncode == 0, done.stderr[-3000:]
    report, outcome = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    return report, outcome, done.stderr


def _require_kernel_sandbox() -> None:
    if not LINUX_64:
        pytest.skip("the kernel-level sandbox is for 64-bit Linux on x86_64 and aarch64")
    if landlock_abi() < 1:
        missing("this kernel has no Landlock")


# --------------------------------------------------------------------------- targets and markers
@pytest.fixture
def files(tmp_path):
    """Where the file attacks aim, and a check that each of their markers is absent."""
    outside = tmp_path / "outside"
    outside.mkdir()
    existing = outside / "precious.sh"
    existing.write_text("original")
    own = Path(tempfile.mkdtemp(prefix="outpost-sandbox-own-"))
    targets = {"own": str(own), "outside": str(outside), "existing": str(existing),
               "home": str(Path.home() / f".outpost-sandbox-marker-{uuid.uuid4().hex}"),
               "shm": f"/dev/shm/outpost-sandbox-marker-{uuid.uuid4().hex}"}

    def untouched() -> list[str]:
        touched = [p for p in (targets["home"], targets["shm"]) if os.path.lexists(p)]
        touched += [str(p) for p in outside.iterdir() if p != existing]
        if not existing.is_file() or existing.read_text() != "original":
            touched.append(f"{existing} changed")
        return touched

    yield targets, untouched
    for path in (targets["home"], targets["shm"]):
        if os.path.lexists(path):
            os.remove(path)
    shutil.rmtree(own, ignore_errors=True)


@pytest.fixture
def listeners():
    """A TCP listener, a UDP socket and unix sockets the network attacks aim at; ``heard()`` lists what
    reached any of them."""
    folder = Path(tempfile.mkdtemp(prefix="sbx-"))  # short: a unix socket path has at most 107 bytes
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stream.bind(str(folder / "stream.sock"))
    stream.listen(8)
    abstract_name = f"outpost-sandbox-test-{uuid.uuid4().hex}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind("\0" + abstract_name)
    abstract.listen(8)
    dgram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dgram.bind(str(folder / "dgram.sock"))
    targets = {"tcp": tcp.getsockname()[1], "udp": udp.getsockname()[1], "unix": str(folder / "stream.sock"),
               "abstract": abstract_name, "unix_dgram": str(folder / "dgram.sock")}

    def heard() -> list[str]:
        found = []
        for name, sock in (("tcp", tcp), ("unix", stream), ("abstract", abstract)):
            sock.settimeout(0.5)
            with contextlib.suppress(TimeoutError):  # nothing came: what the sandbox should give
                sock.accept()[0].close()
                found.append(f"a {name} connection")
        for name, sock in (("udp", udp), ("unix datagram", dgram)):
            sock.settimeout(0.5)
            with contextlib.suppress(TimeoutError):
                found.append(f"a {name} datagram {sock.recv(64)!r}")
        return found

    yield targets, heard
    for sock in (tcp, udp, stream, abstract, dgram):
        sock.close()
    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- apply_sandbox in a python of its own
def test_a_sandboxed_process_writes_only_in_its_own_folder(files):
    _require_kernel_sandbox()
    targets, untouched = files
    report, outcome, _ = _sandboxed_python(targets, FILE_ATTACKS)
    assert report["landlock"] and report["lines"][1].startswith("files: Landlock ABI ")
    assert targets["own"] in report["lines"][1]
    assert outcome.pop("write in its own folder") == "done"
    assert {name: result for name, result in outcome.items() if result not in REFUSALS} == {}
    assert untouched() == []


def test_without_landlock_the_same_attacks_succeed_and_the_report_says_so(files):
    """The control: the attacks above are real (with Landlock left out, as on a kernel without it)."""
    if not LINUX_64:
        pytest.skip("the kernel-level sandbox is for 64-bit Linux on x86_64 and aarch64")
    targets, untouched = files
    report, outcome, _ = _sandboxed_python(targets, FILE_ATTACKS, {DISABLE_ENV: "landlock"})
    assert not report["landlock"]
    assert report["lines"][1] == f"files: not restricted: Landlock left out ({DISABLE_ENV}=landlock)"
    for name in ("write in the home folder", "write in /tmp outside its folder", "overwrite with r+", "mkfifo",
                 "write through a symlink in its own folder", "open(2) through libc"):
        assert outcome[name] == "done", name
    assert untouched() != []


def test_a_sandboxed_process_reaches_no_socket_but_its_own_pipe(listeners, tmp_path):
    _require_kernel_sandbox()
    targets, heard = listeners
    report, outcome, _ = _sandboxed_python({**targets, "own": str(tmp_path)}, NETWORK_ATTACKS)
    assert report["seccomp"] and "seccomp refuses every socket but AF_UNIX" in report["lines"][0]
    assert {name: result for name, result in outcome.items() if result not in REFUSALS} == {}
    assert heard() == []


def test_without_seccomp_the_native_attacks_reach_the_listeners(listeners, tmp_path):
    """The control: only the Python guard is left, and code that bypasses it gets through."""
    if not LINUX_64:
        pytest.skip("the kernel-level sandbox is for 64-bit Linux on x86_64 and aarch64")
    targets, heard = listeners
    report, outcome, _ = _sandboxed_python({**targets, "own": str(tmp_path)}, NETWORK_ATTACKS,
                                           {DISABLE_ENV: "seccomp,landlock"})
    assert not report["seccomp"] and f"no seccomp filter ({DISABLE_ENV}=seccomp)" in report["lines"][0]
    assert outcome["TCP through Python"] == "refused: EACCES"  # the Python guard is never left out
    for name in ("TCP through _socket", "UDP sendto", "TCP through libc", "socket system call", "unix socket path",
                 "abstract unix socket", "unix datagram"):
        assert outcome[name] == "done", name
    assert len(heard()) == 5


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
                    reason="i386 system calls from 64-bit code are an x86_64 matter")
def test_a_system_call_of_a_foreign_architecture_kills_the_process(tmp_path):
    _require_kernel_sandbox()
    source = RUNNER + INT80
    done = subprocess.run([sys.executable, "-c", source, str(REPO), json.dumps({"own": str(tmp_path)})],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == -signal.SIGSYS, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "int 0x80 returned" not in done.stdout


def test_memory_past_the_limit_fails_with_memory_error_and_the_watchdog_stops_a_gpu_worker(tmp_path):
    if not LINUX_64:
        pytest.skip("RLIMIT_AS is set on Linux")
    allocate = ("import numpy\n"
                "try:\n"
                "    filled = numpy.ones(2 * 2**30, numpy.uint8)\n"
                "    print('ALLOCATED', flush=True)\n"
                "except MemoryError:\n"
                "    print('MemoryError', flush=True)\n"
                "    sys.exit(0)\n"
                "import time; time.sleep(60)\n")
    limit = 512 * 2**20
    for accelerator in (False, True):
        targets = json.dumps({"own": str(tmp_path), "limit": limit, "accelerator": accelerator})
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", RUNNER + allocate, str(REPO), targets], capture_output=True,
                              text=True, timeout=120)
        report = json.loads(done.stdout.splitlines()[0])
        if accelerator:  # as with CUDA: watched, not limited; stopped well before its minute's sleep
            assert "a watchdog stops the worker" in report["lines"][2], report
            assert done.returncode == MEMORY_EXIT_CODE and "over its memory limit of 0.5 GiB" in done.stderr
            assert time.monotonic() - started < 55
        else:
            assert report["lines"][2].startswith("memory: RLIMIT_AS "), report
            assert "MemoryError" in done.stdout and "ALLOCATED" not in done.stdout


# --------------------------------------------------------------------------- the real AI worker
@pytest.fixture(scope="module")
def engine():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTPOST_AI_WORKER_TEST_EXEC", "1")  # read by each child when it starts
        engine = IsolatedEngine()
        yield engine
        engine.close()


def test_the_workers_report_says_what_protects_it_and_its_folder_is_private(engine):
    report = engine.sandbox()
    assert [line.split(":")[0] for line in report.lines()] == ["network", "files", "memory"]
    (folder,) = report.write_dirs
    assert Path(folder).parent == Path(tempfile.gettempdir()).resolve() and Path(folder).is_dir()
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    if LINUX_64 and landlock_abi() >= 1:
        assert report.seccomp and report.landlock and report.landlock_abi == landlock_abi()
        files = report.lines()[1]
        assert files.startswith(f"files: Landlock ABI {report.landlock_abi}: writes only under {folder}")
        assert "not covered" not in files  # numpy's threads were restarted inside the sandbox
        assert report.memory_mode == "rlimit" and report.memory_limit_bytes > 0
    elif LINUX_64:
        missing("this kernel has no Landlock")
    pid = engine.pid
    engine.close()
    assert not Path(folder).exists() and pid is not None


def test_code_in_the_worker_cannot_write_outside_its_folder(engine, files):
    _require_kernel_sandbox()
    from viewer.core.audit import audit_path

    targets, untouched = files
    del targets["own"]  # the worker's own folder: its TMPDIR
    audit = audit_path()
    audit_before = audit.read_bytes() if audit.exists() else None
    torch_attack = ("import torch\n"
                    "def from_file():\n"
                    "    mapped = torch.from_file(existing, shared=True, size=5, dtype=torch.uint8)\n"
                    "    mapped[:] = torch.tensor(list(b'pwned'), dtype=torch.uint8)\n"
                    "attempt('torch.from_file(shared=True)', from_file)\n"
                    "attempt('append to the audit log', lambda: write(targets['audit'], 'a'))\n")
    source = f"targets = {dict(targets, audit=str(audit))!r}\n" + PRELUDE + FILE_ATTACKS + torch_attack
    outcome = engine._execute(source + "result = outcome")
    assert outcome.pop("write in its own folder") == "done"
    assert "Permission denied" in outcome.pop("torch.from_file(shared=True)")
    assert {name: result for name, result in outcome.items() if result not in REFUSALS} == {}
    assert untouched() == []
    assert (audit.read_bytes() if audit.exists() else None) == audit_before


def test_code_in_the_worker_reaches_no_socket(engine, listeners):
    _require_kernel_sandbox()
    targets, heard = listeners
    outcome = engine._execute(f"targets = {targets!r}\n" + PRELUDE + NETWORK_ATTACKS + "result = outcome")
    assert {name: result for name, result in outcome.items() if result not in REFUSALS} == {}
    assert heard() == []


def test_a_worker_that_sends_a_hostile_pickle_is_stopped_and_nothing_runs_here(engine, tmp_path):
    marker = tmp_path / "pwned"
    source = ("import gc, os\n"
              "from multiprocessing.connection import Connection\n"
              "class Payload:\n"
              "    def __reduce__(self):\n"
              f"        return (os.system, ('touch {marker}',))\n"
              "pipes = [o for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]\n"
              "for pipe in pipes:\n"
              "    pipe.send(('result', Payload()))\n"
              "result = len(pipes)\n")
    pid = engine.start()
    with pytest.raises(WorkerCrashedError, match="sent something it should not .*posix.system"):
        engine._execute(source)
    assert not marker.exists()
    assert engine.sandbox().lines() and engine.pid not in (None, pid)


def test_runs_in_the_sandbox_are_audited_by_the_viewers_process(engine):
    from viewer.core.audit import read_entries

    volume = make_phantom().volume
    before = len(read_entries(event="ai-run").entries)
    result = engine.run(volume, read_pack(DEMO))
    entries = read_entries(event="ai-run").entries
    assert result.labels is not None and len(entries) == before + 1
    assert entries[-1]["pid"] == os.getpid() and entries[-1]["details"]["outcome"] == "ok"


def test_a_pack_archive_is_checked_in_the_workers_own_folder(engine, tmp_path):
    archive = tmp_path / "demo.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in DEMO.rglob("*"):
            zf.write(path, f"{DEMO.name}/{path.relative_to(DEMO)}")
    preview = engine.describe_for_install(archive)
    assert preview.refused == "" and preview.name == "outpost-demo-ct"


def test_a_run_past_its_time_limit_is_stopped_and_the_next_one_works(engine, monkeypatch):
    import ai.isolation

    # A larger field of view than the demo's: several seconds of sliding window on a CPU.
    volume = make_phantom(shape=(64, 320, 320), spacing=(2.0, 2.0, 3.0), seed=1).volume
    pack = read_pack(DEMO)
    engine.sandbox()  # started and ready: the limit counts from here
    pid = engine.pid
    monkeypatch.setattr(ai.isolation, "RUN_TIMEOUT_S", 0.5)
    with pytest.raises(AIError, match=r"^the AI run did not end within 0.5 s, so the AI worker was stopped"):
        engine.run(volume, pack)
    assert not _alive(pid)
    monkeypatch.setattr(ai.isolation, "RUN_TIMEOUT_S", 600.0)
    assert engine.run(volume, pack).labels is not None and engine.pid != pid


def test_a_pack_check_that_hangs_refuses_the_pack_and_the_next_check_works(engine, monkeypatch):
    import ai.isolation

    engine.sandbox()
    pid = engine.pid
    os.kill(pid, signal.SIGSTOP)  # a check that never answers, as a hostile pack's hung the install
    monkeypatch.setattr(ai.isolation, "PACK_CHECK_TIMEOUT_S", 2.0)
    started = time.monotonic()
    with pytest.raises(PackRefusedError, match=r"^the pack check did not end within 2 s; the pack was refused$"):
        engine.check_packs([(DEMO, "bundled")])
    assert time.monotonic() - started < 30 and not _alive(pid)
    monkeypatch.setattr(ai.isolation, "PACK_CHECK_TIMEOUT_S", 600.0)
    verdicts, _device = engine.check_packs([(DEMO, "bundled")])
    assert verdicts[0][0] == "ok" and engine.pid != pid


def test_the_time_limits_come_from_the_environment():
    environment = {**os.environ, "OUTPOST_PACK_CHECK_TIMEOUT_S": "7.5", "OUTPOST_AI_RUN_TIMEOUT_S": "42"}
    done = subprocess.run([sys.executable, "-c", "import ai.isolation as i; print(i.PACK_CHECK_TIMEOUT_S, "
                           "i.RUN_TIMEOUT_S)"], capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**environment, "PYTHONPATH": str(REPO)})
    assert done.stdout.split() == ["7.5", "42.0"], done.stderr[-2000:]


def test_the_worker_runs_out_of_memory_at_its_limit_and_lives_on():
    if not LINUX_64:
        pytest.skip("RLIMIT_AS is set on Linux")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTPOST_AI_WORKER_TEST_EXEC", "1")
        engine = IsolatedEngine(memory_limit_bytes=2**30)
        try:
            assert engine.sandbox().memory_mode == "rlimit"
            pid = engine.pid
            for allocation in ("import numpy; numpy.ones(4 * 2**30, numpy.uint8)",
                               "import torch; torch.ones(4 * 2**30, dtype=torch.uint8)"):
                with pytest.raises(AIError, match="^out of memory in the AI worker"):
                    engine._execute(allocation)
            assert engine.pid == pid
            assert engine.run(make_phantom().volume, read_pack(DEMO)).labels is not None  # within its limit
        finally:
            engine.close()


def test_a_watched_worker_past_its_limit_is_stopped_with_a_plain_message_and_the_next_request_works():
    """With CUDA the worker is watched rather than limited; ``rlimit`` left out does the same on a CPU."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTPOST_AI_WORKER_TEST_EXEC", "1")
        patch.setenv(DISABLE_ENV, "rlimit")
        engine = IsolatedEngine(memory_limit_bytes=512 * 2**20)
        try:
            assert engine.sandbox().memory_mode == "watchdog"
            pid = engine.pid
            with pytest.raises(WorkerCrashedError) as stopped:
                engine._execute("import numpy, time\nfilled = numpy.ones(2**30, numpy.uint8)\ntime.sleep(120)\n")
            assert str(stopped.value).startswith("the AI worker used more than its memory limit of 0.5 GiB and "
                                                 "was stopped")
            assert not _alive(pid)
            assert engine.sandbox().memory_mode == "watchdog" and engine.pid != pid
        finally:
            engine.close()


def _alive(pid: int, seconds: float = 20.0) -> bool:
    """Whether ``pid`` still runs after up to ``seconds`` (a zombie counts as gone)."""
    import psutil

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return False
        time.sleep(0.1)
    return True

"""The sandbox the AI worker process puts itself in: no network, writes only in its own folder, bounded memory.

A model pack may carry TorchScript, which is code. It only ever runs in the AI
worker (:mod:`ai.isolation`), and the worker calls :func:`apply_sandbox` on
itself once, after importing torch and MONAI and before it serves any request,
so that even code that escapes every other rule can neither persist anything
nor phone home. What is applied depends on the kernel; what was not applied,
and why, is said in plain words in the :class:`SandboxReport`:

Network
    On Linux (x86_64 and aarch64) a seccomp filter, installed on every thread
    of the process: ``socket()`` fails with EACCES for every address family but
    AF_UNIX (and for AF_UNIX datagram sockets, which can send to any socket
    path), ``connect()`` fails (the worker needs no new connection; its pipe to
    the viewer exists already, and a local daemon's socket, D-Bus or Docker,
    could otherwise run commands outside the sandbox), and io_uring cannot be
    set up (it creates sockets without the ``socket`` system call). A system
    call of a foreign architecture (``int 0x80`` on x86_64) kills the process.
    The filter also refuses ptrace and reading or writing other processes'
    memory, raising resource limits, and faking terminal input (TIOCSTI).
    Where Landlock has ABI 4 or more, TCP bind and connect are refused too,
    and from ABI 6 abstract unix sockets and signals outside the sandbox.
    Everywhere, Python's ``socket.socket`` refuses every family but AF_UNIX
    (defence in depth, and the only guard on macOS and Windows).
Files
    Landlock (Linux 5.13 and later, when enabled) handles every write-type
    access the kernel knows and allows it only beneath the given folders, plus
    writing to ``/dev/null`` (and, where CUDA is in use, the GPU's device
    files). Reading stays allowed. File descriptors opened before (the pipe to
    the viewer) keep working.
Memory
    Without CUDA on Linux, RLIMIT_AS is set to the address space in use plus
    the limit, so that a larger allocation fails with MemoryError. With CUDA
    (whose reservations RLIMIT_AS breaks), and on other systems, a watchdog
    thread checks the resident memory every 100 ms and ends the process with
    :data:`MEMORY_EXIT_CODE` when it exceeds the memory in use plus the limit.

``OUTPOST_SANDBOX_DISABLE`` (comma-separated ``landlock``, ``seccomp``,
``rlimit``) leaves a part out, to diagnose a kernel that misbehaves; the
report says so. ``rlimit`` makes the watchdog guard the memory instead.

No Qt and no torch here: the worker imports this module after torch.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The exit status of a worker that the memory watchdog stopped.
MEMORY_EXIT_CODE = 87
#: How often the memory watchdog looks at the resident memory (seconds).
WATCHDOG_PERIOD_S = 0.1
#: How long the sandbox waits for the thread pools it stopped to be gone before restricting (seconds).
THREADS_GONE_S = 2.0
#: Environment variable naming the parts to leave out (``landlock``, ``seccomp``, ``rlimit``).
DISABLE_ENV = "OUTPOST_SANDBOX_DISABLE"
#: The parts :data:`DISABLE_ENV` may name.
PARTS = ("landlock", "seccomp", "rlimit")


@dataclass(frozen=True)
class SandboxReport:
    """What :func:`apply_sandbox` applied, one line per protection, in plain words.

    Attributes
    ----------
    network, files, memory
        ``"network: ..."``, ``"files: ..."``, ``"memory: ..."``: what was applied or why not.
    seccomp
        Whether the seccomp network filter is installed.
    landlock_abi
        The kernel's Landlock ABI version (0 without Landlock).
    landlock
        Whether Landlock restricts the worker's writes.
    memory_mode
        ``"rlimit"``, ``"watchdog"`` or ``"none"``.
    memory_limit_bytes
        The limit given (bytes beyond what was in use), or ``None``.
    write_dirs
        The folders the worker may write in.
    """

    network: str
    files: str
    memory: str
    seccomp: bool = False
    landlock_abi: int = 0
    landlock: bool = False
    memory_mode: str = "none"
    memory_limit_bytes: int | None = None
    write_dirs: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The three lines, network, files and memory, for the CLI, the AI panel and logs."""
        return [self.network, self.files, self.memory]


def apply_sandbox(write_dirs: Sequence[Path | str], memory_limit_bytes: int | None, *,
                  accelerator: bool | None = None) -> SandboxReport:
    """Put the calling process in the sandbox, for the rest of its life; say what was applied.

    Call it once, from the main thread, after the imports and before starting
    threads or running untrusted code. It never raises for a protection the
    system lacks: the report says so instead.

    Parameters
    ----------
    write_dirs
        The only folders the process may write in (and create, remove, rename files in).
    memory_limit_bytes
        How much more memory the process may use than it does now; ``None``: no limit.
    accelerator
        Whether a GPU is in use (the memory is then watched rather than limited by
        RLIMIT_AS, and the GPU's device files stay writable). ``None``: ask torch, if
        it is imported (``torch.cuda.is_available()``).

    Returns
    -------
    SandboxReport
    """
    disabled = disabled_parts()
    if accelerator is None:
        accelerator = _cuda_in_use()
    dirs = tuple(os.path.realpath(d) for d in write_dirs)
    _guard_python_sockets()
    memory, memory_mode, start_watchdog = _limit_memory(memory_limit_bytes, accelerator, disabled)
    linux = _linux_arch() is not None
    if linux:
        _no_new_privs()
    abi, landlock, files, landlock_network = _restrict_files(dirs, accelerator, disabled)
    seccomp, seccomp_network = _filter_system_calls(disabled)
    if start_watchdog is not None:
        start_watchdog()  # after Landlock, so that its thread is inside the sandbox too
    guard = "Python's socket refuses every family but AF_UNIX"
    network = "network: " + "; ".join(part for part in (seccomp_network, landlock_network, guard) if part)
    return SandboxReport(network=network, files=files, memory=memory, seccomp=seccomp, landlock_abi=abi,
                         landlock=landlock, memory_mode=memory_mode, memory_limit_bytes=memory_limit_bytes,
                         write_dirs=dirs)


def disabled_parts() -> frozenset[str]:
    """The parts of the sandbox that :data:`DISABLE_ENV` leaves out."""
    named = {part.strip().lower() for part in os.environ.get(DISABLE_ENV, "").split(",")}
    return frozenset(named & set(PARTS))


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where it has none (or this is not Linux)."""
    if _linux_arch() is None:
        return 0
    try:
        return _syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_CREATE_RULESET_VERSION)
    except OSError:
        return 0


# --------------------------------------------------------------------------- system calls
_SYS_LANDLOCK_CREATE_RULESET = 444  # the same numbers on x86_64 and aarch64
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22


@dataclass(frozen=True)
class _Arch:
    """One architecture's seccomp arch word and the system call numbers the filter looks at."""

    name: str
    audit: int
    numbers: dict[str, int]
    x32_bit: int | None  # x86_64's x32 calls carry the same arch word and this bit in the number


_ARCHES = {
    "x86_64": _Arch("x86_64", 0xC000003E, {
        "socket": 41, "socketpair": 53, "connect": 42, "ioctl": 16, "ptrace": 101, "setrlimit": 160,
        "prlimit64": 302, "process_vm_readv": 310, "process_vm_writev": 311, "seccomp": 317,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "pidfd_getfd": 438}, 0x40000000),
    "aarch64": _Arch("aarch64", 0xC00000B7, {
        "socket": 198, "socketpair": 199, "connect": 203, "ioctl": 29, "ptrace": 117, "setrlimit": 164,
        "prlimit64": 261, "process_vm_readv": 270, "process_vm_writev": 271, "seccomp": 277,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "pidfd_getfd": 438}, None),
}


def _linux_arch() -> _Arch | None:
    """The architecture of this process, where the kernel-level sandbox knows it (64-bit Linux)."""
    if not sys.platform.startswith("linux") or struct.calcsize("P") != 8:
        return None
    return _ARCHES.get(os.uname().machine)


def _system() -> str:
    """``"linux x86_64"``, ``"darwin arm64"``, ``"win32 AMD64"``: what the report names."""
    import platform

    return f"{sys.platform} {platform.machine()}".strip()


_LIBC: ctypes.CDLL | None = None


def _libc() -> ctypes.CDLL:
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.syscall.restype = ctypes.c_long
        _LIBC.prctl.restype = ctypes.c_int
    return _LIBC


def _argument(value):
    """A system call argument as ctypes passes it through ``syscall(2)``'s variadic list."""
    if value is None:
        return ctypes.c_void_p(None)
    if isinstance(value, int):
        return ctypes.c_long(value)
    return value  # a pointer already (ctypes.byref)


def _syscall(number: int, *arguments) -> int:
    """``syscall(number, ...)``; raises OSError with the kernel's errno on failure."""
    result = _libc().syscall(ctypes.c_long(number), *map(_argument, arguments))
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result


def _no_new_privs() -> None:
    """``prctl(PR_SET_NO_NEW_PRIVS)``: what Landlock and seccomp need of an unprivileged process."""
    if _libc().prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0),
                     ctypes.c_ulong(0)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


# --------------------------------------------------------------------------- files: Landlock
_LANDLOCK_CREATE_RULESET_VERSION = 1 << 0
_LANDLOCK_RULE_PATH_BENEATH = 1
_LANDLOCK_RESTRICT_SELF_TSYNC = 1 << 3  # ABI 8: every thread of the process, not only the caller

_FS_WRITE_FILE = 1 << 1
_FS_REMOVE_DIR = 1 << 4
_FS_REMOVE_FILE = 1 << 5
_FS_MAKE_CHAR = 1 << 6
_FS_MAKE_DIR = 1 << 7
_FS_MAKE_REG = 1 << 8
_FS_MAKE_SOCK = 1 << 9
_FS_MAKE_FIFO = 1 << 10
_FS_MAKE_BLOCK = 1 << 11
_FS_MAKE_SYM = 1 << 12
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_NET_BIND_TCP = 1 << 0  # ABI 4
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1

#: The write-type accesses of ABI 1, then what each later ABI adds.
_WRITES_BY_ABI = {1: (_FS_WRITE_FILE | _FS_REMOVE_DIR | _FS_REMOVE_FILE | _FS_MAKE_CHAR | _FS_MAKE_DIR
                      | _FS_MAKE_REG | _FS_MAKE_SOCK | _FS_MAKE_FIFO | _FS_MAKE_BLOCK | _FS_MAKE_SYM),
                  2: _FS_REFER, 3: _FS_TRUNCATE, 5: _FS_IOCTL_DEV}
#: Files the worker may always write to.
_ALWAYS_WRITABLE = ("/dev/null",)
#: Device files a GPU needs (opened read-write, then driven by ioctl), where CUDA (or ROCm) is in use.
_GPU_DEVICES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset",
                "/dev/nvidia-caps", "/dev/dri", "/dev/kfd")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _restrict_files(dirs: tuple[str, ...], accelerator: bool,
                    disabled: frozenset[str]) -> tuple[int, bool, str, str]:
    """Landlock: writes only beneath ``dirs``; TCP and scopes where the ABI has them.

    Returns the ABI, whether writes are restricted, the files line and the network part.
    """
    if _linux_arch() is None:
        return 0, False, f"files: not restricted: Landlock needs 64-bit Linux (this is {_system()})", ""
    if "landlock" in disabled:
        return 0, False, f"files: not restricted: Landlock left out ({DISABLE_ENV}=landlock)", ""
    try:
        abi = _syscall(_SYS_LANDLOCK_CREATE_RULESET, None, 0, _LANDLOCK_CREATE_RULESET_VERSION)
    except OSError as e:
        why = {errno.ENOSYS: "this kernel has no Landlock",
               errno.EOPNOTSUPP: "Landlock is disabled in this kernel's boot options"}.get(e.errno, e.strerror)
        return 0, False, f"files: not restricted: {why}", ""
    writes = 0
    for since, accesses in _WRITES_BY_ABI.items():
        if abi >= since:
            writes |= accesses
    attr = _RulesetAttr(handled_access_fs=writes)
    size = 8
    if abi >= 4:
        attr.handled_access_net, size = _NET_BIND_TCP | _NET_CONNECT_TCP, 16  # no rule: no TCP at all
    if abi >= 6:
        attr.scoped, size = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL, 24
    try:
        ruleset = _syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    except OSError as e:
        return abi, False, f"files: not restricted: Landlock ABI {abi} refused the rules ({e.strerror})", ""
    extra: list[str] = []
    try:
        for folder in dirs:
            _add_path_rule(ruleset, folder, writes)
        writable = list(_ALWAYS_WRITABLE)
        if accelerator:
            writable += [device for device in _GPU_DEVICES if os.path.exists(device)]
            writable += sorted(str(p) for p in Path("/dev").glob("nvidia[0-9]*"))
        for path in writable:  # writing to (and driving) the files there; creating or removing none
            if os.path.exists(path):
                _add_path_rule(ruleset, path, writes & (_FS_WRITE_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV))
                extra.append(path)
        threads_before = _stop_known_thread_pools()
        flags = _LANDLOCK_RESTRICT_SELF_TSYNC if abi >= 8 else 0
        _syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, flags)
    except OSError as e:
        return abi, False, f"files: not restricted: Landlock ABI {abi} failed ({e.strerror})", ""
    finally:
        os.close(ruleset)
    files = (f"files: Landlock ABI {abi}: writes only under {', '.join(dirs) or 'no folder'}"
             f" (and to {', '.join(extra)}); reading allowed")
    if threads_before > 1 and not flags:
        files += (f"; {threads_before - 1} thread(s) started before the sandbox are not covered "
                  "(Landlock ABI 8 covers them)")
    network = []
    if abi >= 4:
        network.append(f"Landlock ABI {abi} refuses TCP bind and connect")
    if abi >= 6:
        network.append("scopes abstract unix sockets and signals to the worker")
    return abi, True, files, " and ".join(network)


def _add_path_rule(ruleset: int, path: str, allowed: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneathAttr(allowed_access=allowed, parent_fd=fd)
        _syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
    finally:
        os.close(fd)


def _stop_known_thread_pools() -> int:
    """Stop OpenBLAS's threads (numpy's import starts them), which restart from a sandboxed thread when needed.

    Before Landlock ABI 8, Landlock covers only the calling thread and the ones it starts.

    Returns the number of threads the process has left.
    """
    try:
        with open("/proc/self/maps") as maps:
            libraries = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        libraries = set()
    for library in sorted(libraries):
        try:
            shutdown = getattr(ctypes.CDLL(library), "blas_thread_shutdown_", None)
        except OSError:
            continue
        if shutdown is not None:
            shutdown.restype = ctypes.c_int
            shutdown()
    # The stopped threads take a moment to leave /proc/self/task: wait for them (not for others).
    deadline = time.monotonic() + THREADS_GONE_S
    while True:
        try:
            count = len(os.listdir("/proc/self/task"))
        except OSError:
            return threading.active_count()
        if count <= 1 or time.monotonic() > deadline:
            return count
        time.sleep(0.005)


# --------------------------------------------------------------------------- network: seccomp
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_MODE_FILTER = 2
_SECCOMP_GET_ACTION_AVAIL = 2
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SECCOMP_RET_KILL_PROCESS = 0x80000000
_SECCOMP_RET_KILL_THREAD = 0x00000000
_SECCOMP_RET_ERRNO = 0x00050000
_SECCOMP_RET_ALLOW = 0x7FFF0000

# Classic BPF opcodes (linux/filter.h).
_BPF_LD_W_ABS = 0x00 | 0x00 | 0x20
_BPF_JEQ_K = 0x05 | 0x10 | 0x00
_BPF_JGE_K = 0x05 | 0x30 | 0x00
_BPF_AND_K = 0x04 | 0x50 | 0x00
_BPF_RET_K = 0x06 | 0x00

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6] (little-endian here).
_NR, _ARCH = 0, 4


def _argument_low(index: int) -> int:
    """Offset of the low 32 bits of system call argument ``index`` in struct seccomp_data."""
    return 16 + 8 * index


_AF_UNIX = 1
_SOCK_TYPE_MASK = 0xF
_SOCK_STREAM, _SOCK_SEQPACKET = 1, 5
_TIOCSTI, _TIOCLINUX = 0x5412, 0x541C


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program(arch_name: str, kill: int = _SECCOMP_RET_KILL_PROCESS) -> list[tuple[int, int, int, int]]:
    """The seccomp filter for ``arch_name`` (``"x86_64"``, ``"aarch64"``) as ``(code, jt, jf, k)`` instructions.

    A foreign architecture's call gets ``kill``; ``socket`` fails with EACCES unless its family is AF_UNIX
    and its type a stream or sequenced packets; ``socketpair`` unless AF_UNIX; ``connect`` and io_uring
    always; ptrace, other processes' memory, raising a resource limit and TIOCSTI/TIOCLINUX with EPERM.
    """
    arch = _ARCHES[arch_name]
    n = arch.numbers
    eacces, eperm = _SECCOMP_RET_ERRNO | errno.EACCES, _SECCOMP_RET_ERRNO | errno.EPERM
    # (code, jump if true, jump if false, k): jumps name labels; "" is the next instruction.
    program: list[tuple] = [
        (_BPF_LD_W_ABS, "", "", _ARCH),
        (_BPF_JEQ_K, "", "kill", arch.audit),
        (_BPF_LD_W_ABS, "", "", _NR),
    ]
    if arch.x32_bit is not None:
        program.append((_BPF_JGE_K, "eacces", "", arch.x32_bit))
    program += [
        (_BPF_JEQ_K, "socket", "", n["socket"]),
        (_BPF_JEQ_K, "socketpair", "", n["socketpair"]),
        (_BPF_JEQ_K, "ioctl", "", n["ioctl"]),
        (_BPF_JEQ_K, "prlimit64", "", n["prlimit64"]),
    ]
    program += [(_BPF_JEQ_K, "eacces", "", n[name])
                for name in ("connect", "io_uring_setup", "io_uring_enter", "io_uring_register")]
    program += [(_BPF_JEQ_K, "eperm", "", n[name])
                for name in ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "setrlimit")]
    program += [
        (_BPF_RET_K, "", "", _SECCOMP_RET_ALLOW),
        "socket",
        (_BPF_LD_W_ABS, "", "", _argument_low(0)),
        (_BPF_JEQ_K, "", "eacces", _AF_UNIX),
        (_BPF_LD_W_ABS, "", "", _argument_low(1)),
        (_BPF_AND_K, "", "", _SOCK_TYPE_MASK),
        (_BPF_JEQ_K, "allow", "", _SOCK_STREAM),
        (_BPF_JEQ_K, "allow", "eacces", _SOCK_SEQPACKET),
        "socketpair",
        (_BPF_LD_W_ABS, "", "", _argument_low(0)),
        (_BPF_JEQ_K, "allow", "eacces", _AF_UNIX),
        "prlimit64",  # reading a limit passes NULL as the new one (args[2]); setting one does not
        (_BPF_LD_W_ABS, "", "", _argument_low(2)),
        (_BPF_JEQ_K, "", "eperm", 0),
        (_BPF_LD_W_ABS, "", "", _argument_low(2) + 4),
        (_BPF_JEQ_K, "allow", "eperm", 0),
        "ioctl",
        (_BPF_LD_W_ABS, "", "", _argument_low(1)),
        (_BPF_JEQ_K, "eperm", "", _TIOCSTI),
        (_BPF_JEQ_K, "eperm", "allow", _TIOCLINUX),
        "allow", (_BPF_RET_K, "", "", _SECCOMP_RET_ALLOW),
        "eacces", (_BPF_RET_K, "", "", eacces),
        "eperm", (_BPF_RET_K, "", "", eperm),
        "kill", (_BPF_RET_K, "", "", kill),
    ]
    return _assemble(program)


def _assemble(program: list) -> list[tuple[int, int, int, int]]:
    """Resolve the labels (strings between instructions) of ``program`` into relative jumps."""
    labels, instructions = {}, []
    for item in program:
        if isinstance(item, str):
            labels[item] = len(instructions)
        else:
            instructions.append(item)
    assembled = []
    for index, (code, jt, jf, k) in enumerate(instructions):
        offsets = []
        for target in (jt, jf):
            offset = labels[target] - index - 1 if target else 0
            if not 0 <= offset <= 255:
                raise ValueError(f"jump out of range in the seccomp program at {index}")
            offsets.append(offset)
        assembled.append((code, offsets[0], offsets[1], k))
    return assembled


def _filter_system_calls(disabled: frozenset[str]) -> tuple[bool, str]:
    """Install :func:`seccomp_program` on every thread; returns whether it is on and the network part."""
    arch = _linux_arch()
    if arch is None:
        return False, ("not enforced by the kernel (seccomp needs 64-bit Linux on x86_64 or aarch64; "
                       f"this is {_system()})")
    if "seccomp" in disabled:
        return False, f"no seccomp filter ({DISABLE_ENV}=seccomp)"
    kill = _SECCOMP_RET_KILL_PROCESS
    action = ctypes.c_uint32(kill)
    try:
        _syscall(arch.numbers["seccomp"], _SECCOMP_GET_ACTION_AVAIL, 0, ctypes.byref(action))
    except OSError:
        kill = _SECCOMP_RET_KILL_THREAD  # before Linux 4.14
    instructions = seccomp_program(arch.name, kill)
    table = (_SockFilter * len(instructions))(*[_SockFilter(*i) for i in instructions])
    program = _SockFprog(len(instructions), table)
    every_thread = True
    try:
        result = _syscall(arch.numbers["seccomp"], _SECCOMP_SET_MODE_FILTER, _SECCOMP_FILTER_FLAG_TSYNC,
                          ctypes.byref(program))
        if result > 0:
            return False, f"no seccomp filter (thread {result} could not take it)"
    except OSError as e:
        if e.errno != errno.ENOSYS:
            return False, f"no seccomp filter ({e.strerror})"
        every_thread = False  # no seccomp(2) before Linux 3.17: prctl, on this thread and its future ones
        if _libc().prctl(_PR_SET_SECCOMP, ctypes.c_ulong(_SECCOMP_MODE_FILTER), ctypes.byref(program),
                         ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            return False, f"no seccomp filter ({os.strerror(ctypes.get_errno())})"
    text = "seccomp refuses every socket but AF_UNIX streams, every connect() and io_uring"
    if not every_thread:
        text += " (on the threads started from now on only)"
    return True, text


# --------------------------------------------------------------------------- network: Python
def _guard_python_sockets() -> None:
    """Make ``socket.socket`` refuse every family but AF_UNIX (defence in depth; the kernel's word counts)."""
    base = socket.socket
    if getattr(base, "_outpost_guard", False):
        return
    local = getattr(socket, "AF_UNIX", None)

    class LocalOnlySocket(base):
        """``socket.socket`` in the sandboxed AI worker: AF_UNIX only."""

        _outpost_guard = True

        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if fileno is None and (local is None or family != local):
                raise PermissionError(errno.EACCES, "the AI worker is sandboxed: it opens no network socket")
            super().__init__(family, type, proto, fileno)

    socket.socket = LocalOnlySocket


# --------------------------------------------------------------------------- memory
def _cuda_in_use() -> bool:
    """Whether torch (if this process imported it) sees a CUDA (or ROCm) device."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    try:
        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken driver means: no GPU
        return False


def _gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.1f} GiB"


def _vm_size() -> int:
    """The address space of this process now (VmSize of /proc/self/status), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError(errno.ENOENT, "no VmSize in /proc/self/status")


def _limit_memory(limit: int | None, accelerator: bool,
                  disabled: frozenset[str]) -> tuple[str, str, Callable[[], None] | None]:
    """RLIMIT_AS or a watchdog; returns the memory line, the mode and the watchdog's starter (or None)."""
    if limit is None:
        return "memory: not limited (no limit was given)", "none", None
    if sys.platform.startswith("linux") and not accelerator and "rlimit" not in disabled:
        import resource

        try:
            in_use = _vm_size()
            target = in_use + int(limit)
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            if soft != resource.RLIM_INFINITY and soft <= target:
                return (f"memory: address space already limited to {_gib(soft)} (ulimit -v), under "
                        f"{_gib(in_use)} in use + {_gib(limit)}: larger allocations fail"), "rlimit", None
            if hard != resource.RLIM_INFINITY and hard < target:
                target = hard
            resource.setrlimit(resource.RLIMIT_AS, (target, target))
            return (f"memory: RLIMIT_AS {_gib(target)} ({_gib(in_use)} of address space in use + "
                    f"{_gib(limit)}): larger allocations fail with MemoryError"), "rlimit", None
        except (OSError, ValueError) as e:
            why = f"RLIMIT_AS could not be set ({e})"
    elif accelerator:
        why = "RLIMIT_AS would break CUDA's reservations"
    elif "rlimit" in disabled:
        why = f"RLIMIT_AS left out ({DISABLE_ENV}=rlimit)"
    else:
        why = f"no RLIMIT_AS on {sys.platform}"
    try:
        import psutil

        process = psutil.Process()
        ceiling = process.memory_info().rss + int(limit)
    except Exception as e:  # noqa: BLE001 - psutil missing or refused: say so, run unwatched
        return f"memory: not limited ({why}; no watchdog: {e})", "none", None

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_PERIOD_S)
            try:
                resident = process.memory_info().rss
            except Exception:  # noqa: BLE001 - a failed look is retried at the next tick
                continue
            if resident > ceiling:
                try:
                    os.write(2, f"the AI worker used {_gib(resident)}, over its memory limit of {_gib(limit)}; "
                                "stopped\n".encode())
                finally:
                    os._exit(MEMORY_EXIT_CODE)

    def start() -> None:
        threading.Thread(target=watch, name="outpost-memory-watchdog", daemon=True).start()

    return (f"memory: a watchdog stops the worker above {_gib(ceiling)} resident "
            f"({_gib(ceiling - limit)} in use + {_gib(limit)}), checked every {WATCHDOG_PERIOD_S * 1000:.0f} ms; "
            f"{why}"), "watchdog", start


__all__ = ["DISABLE_ENV", "MEMORY_EXIT_CODE", "SandboxReport", "apply_sandbox", "disabled_parts", "landlock_abi",
           "seccomp_program"]

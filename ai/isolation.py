"""Inference in a worker process, so that a crash in native code cannot take the viewer down.

A Python exception in a model is caught wherever it runs; a segmentation fault
in torch, MONAI or a native library ends the whole process. The viewer's AI
panel therefore runs packs and explanations through :class:`IsolatedEngine`:
one persistent child process (``multiprocessing``'s *spawn* context, which
works from the venv and from the PyInstaller bundle, whose entry point calls
``multiprocessing.freeze_support``) that imports torch and MONAI once and then
serves requests over a pipe.

- Checking that each pack's network builds (what the panel's list shows) happens
  there too, so that the viewer's own process never imports torch.
- The volume's voxels travel through shared memory (one copy in, one out of it);
  everything else (geometry, provenance, the pack's folder and checksum) is pickled.
  The child reads the pack itself and keeps it, keyed by folder and checksum.
- Progress comes back over the pipe; cancel goes to the child, which checks its
  own :class:`~viewer.core.tasks.CancelToken`. A child that has not stopped
  :data:`CANCEL_GRACE_S` seconds after a cancel is killed.
- When the child dies the call raises :class:`~ai.errors.WorkerCrashedError`
  with a one-line message; the next request starts a fresh child.
- The child runs at background priority and exits when the parent does: it is a
  daemon process (ended at a normal exit) and it leaves as soon as its end of the
  pipe reads end-of-file (the parent was killed).
- The child is a sandbox (:mod:`ai.sandbox`), since a pack's TorchScript is code:
  once torch and MONAI are imported, and before it serves any request, it
  refuses itself the network, every write outside a private temporary folder
  that the parent made for it (and removes when it ends), and memory beyond
  a limit (by default what :func:`viewer.core.memory.memory_budget` allows in
  the parent). It opens the parent's shared memory read-only.
  :meth:`IsolatedEngine.sandbox` returns what was applied, in plain words.
- Every request has a time limit: a pack check that has not answered within
  :data:`PACK_CHECK_TIMEOUT_S` kills the child and refuses the pack; a run or an
  explanation past :data:`RUN_TIMEOUT_S` kills it too. A memory overrun that the
  watchdog stopped (with CUDA) reads as such.

No Qt here: the panel, scripts and tests use the same engine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import fields, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ai.errors import AIError, PackRefusedError, WorkerCrashedError, first_line
from viewer.core.errors import Cancelled, OutpostError
from viewer.core.tasks import BACKGROUND_NICENESS, CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import Volume

if TYPE_CHECKING:
    from ai.explain import Heatmap
    from ai.inference import Result
    from ai.packs.pack import Pack
    from ai.packs.provenance import InstallPreview
    from ai.packs.store import PackEntry, PackStore
    from ai.sandbox import SandboxReport

log = logging.getLogger(__name__)

#: Seconds a child may take to honour a cancel before it is killed.
CANCEL_GRACE_S = 3.0
#: Seconds a child may take to leave after :meth:`IsolatedEngine.close` before it is killed.
CLOSE_GRACE_S = 2.0
#: How often the waiting caller looks at its cancel token and at the child (seconds).
POLL_S = 0.05
#: How voxels reach the child: ``shm`` (shared memory) or ``pipe`` (bytes on the pipe).
TRANSPORTS = ("shm", "pipe")


def _seconds(variable: str, default: float) -> float:
    """A positive number of seconds from the environment variable ``variable``, else ``default``."""
    try:
        value = float(os.environ.get(variable, default))
    except ValueError:
        log.warning("%s=%r is not a number of seconds; %g s is used", variable, os.environ[variable], default)
        return default
    return value if value > 0 else default


#: Seconds a pack check (``check_packs``, ``describe_for_install``, ``install_pack``'s) may take once the
#: child is ready; past them the child is killed and the pack refused (env ``OUTPOST_PACK_CHECK_TIMEOUT_S``).
PACK_CHECK_TIMEOUT_S = _seconds("OUTPOST_PACK_CHECK_TIMEOUT_S", 120.0)
#: Seconds a run or an explanation may take once the child is ready (env ``OUTPOST_AI_RUN_TIMEOUT_S``).
RUN_TIMEOUT_S = _seconds("OUTPOST_AI_RUN_TIMEOUT_S", 3600.0)
#: Request kinds that check a pack, under :data:`PACK_CHECK_TIMEOUT_S`; every other kind is under RUN_TIMEOUT_S.
_CHECKS = frozenset({"check", "describe", "sandbox"})
#: Environment variable that lets the tests execute Python code in the (sandboxed) worker, to attack it.
#: The parent sends the code, so it grants nothing that the parent's own code does not have already.
_TEST_EXEC_ENV = "OUTPOST_AI_WORKER_TEST_EXEC"


def crash_message(exitcode: int | None, memory_limit_bytes: int | None = None) -> str:
    """The one line a user reads when the worker process died.

    ``memory_limit_bytes`` is the child's memory limit, named when the memory watchdog stopped it.
    """
    from ai.sandbox import MEMORY_EXIT_CODE

    if exitcode == MEMORY_EXIT_CODE:
        limit = f" of {memory_limit_bytes / 2**30:.1f} GiB" if memory_limit_bytes else ""
        return (f"the AI worker used more than its memory limit{limit} and was stopped; the viewer and your "
                "images are unaffected; try a smaller volume or close other programs")
    if exitcode is not None and exitcode < 0:
        try:
            how = signal.Signals(-exitcode).name
        except ValueError:
            how = f"signal {-exitcode}"
        if how == "SIGKILL":
            how = "SIGKILL, perhaps out of memory"
    else:
        how = f"exit status {exitcode}"
    return (f"the AI worker process stopped unexpectedly ({how}); the viewer and your images are "
            "unaffected; run again to restart it")


# --------------------------------------------------------------------------- what crosses the pipe
def _volume_header(volume: Volume) -> dict[str, Any]:
    """Every field of ``volume`` but its voxels (geometry, provenance: small, pickled)."""
    return {f.name: getattr(volume, f.name) for f in fields(volume) if f.name != "array"}


class _Voxels:
    """A volume's array on its way to the child: in shared memory or as bytes on the pipe.

    The parent owns the shared memory and frees it after the reply (or the child's death).
    """

    def __init__(self, array: np.ndarray, transport: str) -> None:
        if transport not in TRANSPORTS:
            raise AIError(f"unknown transport {transport!r}; choose one of {', '.join(TRANSPORTS)}")
        array = np.ascontiguousarray(array)
        self.shape, self.dtype, self.transport = array.shape, array.dtype.str, transport
        self.name: str | None = None
        self._memory = None
        self._array = array
        if transport == "shm" and array.nbytes:
            from multiprocessing import shared_memory

            self._memory = shared_memory.SharedMemory(create=True, size=array.nbytes)
            np.ndarray(array.shape, array.dtype, buffer=self._memory.buf)[...] = array
            self.name = self._memory.name

    def describe(self) -> dict[str, Any]:
        return {"shape": self.shape, "dtype": self.dtype, "shm": self.name}

    def send_bytes(self, conn: Connection) -> None:
        if self.name is None:
            conn.send_bytes(memoryview(self._array).cast("B") if self._array.nbytes else b"")

    def free(self) -> None:
        if self._memory is not None:
            self._memory.close()
            self._memory.unlink()
            self._memory = None


def _receive_voxels(conn: Connection, described: dict[str, Any]) -> np.ndarray:
    """The child's own copy of the voxels (so that no view outlives the parent's shared memory)."""
    dtype, shape = np.dtype(described["dtype"]), tuple(described["shape"])
    if described["shm"] is None:
        data = conn.recv_bytes()
        return np.frombuffer(bytearray(data), dtype=dtype).reshape(shape) if data else np.zeros(shape, dtype)
    name = described["shm"]
    if sys.platform.startswith("linux") and "/" not in name and os.path.isdir("/dev/shm"):
        return _read_shared_memory(f"/dev/shm/{name}", shape, dtype)
    from multiprocessing import shared_memory

    memory = shared_memory.SharedMemory(name=described["shm"])
    try:
        return np.array(np.ndarray(shape, dtype, buffer=memory.buf))
    finally:
        memory.close()


def _read_shared_memory(path: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A copy of the parent's shared memory at ``path``, opened read-only (the sandbox forbids writing it)."""
    import mmap

    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        mapped = mmap.mmap(fd, nbytes, mmap.MAP_SHARED, mmap.PROT_READ)
    finally:
        os.close(fd)
    try:
        view = np.ndarray(shape, dtype, buffer=mapped)
        copy = np.array(view)
        del view  # before the close: no view may outlive the mapping
        return copy
    finally:
        mapped.close()


# --------------------------------------------------------------------------- the child
def _serve(conn: Connection, temp_dir: str | None = None, memory_limit_bytes: int | None = None,
           threads: int | None = None) -> None:
    """The worker process: import torch and MONAI once, enter the sandbox, then run requests until the pipe closes.

    ``temp_dir`` is the private folder the parent made: the only one the child may write in
    (its temporary files go there); ``memory_limit_bytes`` how much more memory it may use;
    ``threads`` how many CPU threads its computations use (``None``: torch's default, every core).
    """
    _background_priority()  # before torch starts its threads, which inherit it: the screen comes first
    if threads is not None:  # read by the OpenMP runtime when torch loads it
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    if temp_dir is not None:
        os.environ["TMPDIR"] = temp_dir
        tempfile.tempdir = temp_dir
    sys.dont_write_bytecode = True  # no __pycache__ writes for the modules imported later: refused anyway
    # The imports are the warm-up that the first request would otherwise pay.
    import monai  # noqa: F401
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    from ai.packs.pack import read_pack
    from ai.sandbox import apply_sandbox

    sandbox = apply_sandbox([temp_dir] if temp_dir is not None else [], memory_limit_bytes)
    _forward_audit(conn)
    conn.send(("ready", sandbox))
    may_execute = os.environ.get(_TEST_EXEC_ENV) == "1"
    requests: list = []
    arrived = threading.Condition()
    current: list[CancelToken] = [CancelToken()]

    def listen() -> None:
        # A thread of its own, so that a cancel or the parent's death is seen while a request runs.
        while True:
            try:
                message = conn.recv()
                if message[0] == "request":
                    message = (*message, _receive_voxels(conn, message[3]) if message[3] else None)
            except (EOFError, OSError):
                os._exit(0)  # the parent is gone: leave at once, whatever is running
            if message[0] == "cancel":
                current[0].cancel()
                continue
            with arrived:
                if message[0] == "request":
                    current[0] = CancelToken()
                requests.append((message, current[0]))
                arrived.notify()

    threading.Thread(target=listen, name="outpost-ai-listener", daemon=True).start()
    packs: dict[tuple[str, str], Any] = {}

    def pack_for(root: str, checksum: str, trusted: bool):
        if (root, checksum, trusted) not in packs:
            pack = read_pack(root)
            if pack.checksum != checksum:
                raise AIError(f"the pack in {root} changed on disk since it was listed; list the packs again")
            pack.trusted = trusted  # the parent's store trusts this checksum (ai.packs.store.PackStore.trusts)
            packs[(root, checksum, trusted)] = pack
        return packs[(root, checksum, trusted)]

    while True:
        with arrived:
            while not requests:
                arrived.wait()
            message, token = requests.pop(0)
        if message[0] == "stop":
            return
        _, kind, arguments, _described, array = message

        def progress(done: int, total: int, text: str) -> None:
            conn.send(("progress", int(done), int(total), str(text)))

        try:
            if kind in _PACK_CALLS:
                conn.send(("result", _PACK_CALLS[kind](**arguments)))
                continue
            if kind == "sandbox":
                conn.send(("result", sandbox))
                continue
            if kind == "exec":
                if not may_execute:
                    raise AIError(f"the AI worker executes code only for tests ({_TEST_EXEC_ENV}=1)")
                namespace: dict[str, Any] = {}
                exec(arguments["source"], namespace)
                conn.send(("result", namespace.get("result")))
                continue
            volume = Volume(array=array, **arguments.pop("volume"))
            pack = pack_for(*arguments.pop("pack"))
            if kind == "run":
                from ai.workflow import run_pack

                pre = arguments.pop("pre_pack", None)
                value = run_pack(volume, pack, pack_for(*pre) if pre else None, progress=progress, cancel=token,
                                 **arguments)
            else:
                from ai.explain import explain

                value = explain(volume, pack, progress=progress, cancel=token, **arguments)
            check_cancel(token)
            reply = ("result", value)
        except Cancelled:
            reply = ("cancelled", None)
        except Exception as e:  # noqa: BLE001 - every failure goes back to the caller, which raises it
            reply = ("error", _portable(e), traceback.format_exc())
        conn.send(reply)


def _forward_audit(conn: Connection) -> None:
    """Send the audit entries of runs and explanations to the parent, which writes them.

    The sandbox forbids the child to write the audit log (a forged log is what a hostile pack would want).
    """
    from viewer.core import audit

    def record(event: str, **details: Any) -> bool:
        conn.send(("audit", event, details))
        return True

    audit.record = record  # ai.inference and audit.audited (ai.explain) look it up at each call


#: The audit events a child may ask the parent to record, and the types their details may have.
_AUDITED = frozenset({"ai-run", "explain"})
_AUDIT_TYPES = (str, int, float, bool, type(None))


def _record_audit(event: Any, details: Any) -> None:
    """Write a child's audit entry here: only an event a child makes, only plain details."""
    from viewer.core import audit

    if event not in _AUDITED or not isinstance(details, dict):
        log.warning("the AI worker sent an audit entry that is not one of its own (%.40r): ignored", event)
        return
    plain = {str(key): value for key, value in details.items()
             if isinstance(value, _AUDIT_TYPES)
             or (isinstance(value, (list, tuple)) and all(isinstance(v, _AUDIT_TYPES) for v in value))}
    audit.record(event, **plain)


def _background_priority() -> None:
    """Run at the parent's priority lowered by :data:`~viewer.core.tasks.BACKGROUND_NICENESS`.

    Not lowered from the priority the child inherited: that is the priority of the worker thread
    that started it, lowered already, and twice lowered the worker starves on a busy machine.
    On Linux this sets the calling thread's priority, which the threads it starts later inherit.
    """
    if not hasattr(os, "setpriority"):
        return
    try:
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getppid()) + BACKGROUND_NICENESS)
        if os.getpriority(os.PRIO_PROCESS, 0) < target:
            os.setpriority(os.PRIO_PROCESS, 0, target)
    except OSError:
        pass  # not allowed here: run at the priority inherited


def _check_packs(folders: list[tuple[str, str, str | None]]) -> tuple[list[tuple[str, str]], str]:
    """Build each pack (:func:`ai.packs.store.examine`), and name the device inference will use.

    Gives ``(status, reason)`` per ``(folder, location, trusted checksum)``, and the device as a reader
    would name it.

    A pack is trusted (its TorchScript may be loaded later) when the parent's store trusts the
    checksum given and the pack still has it; the check itself never loads TorchScript.
    """
    from pathlib import Path

    from ai.inference import device_summary
    from ai.packs.store import examine

    verdicts = []
    for folder, location, trusted_checksum in folders:
        entry = examine(Path(folder), location, True, lambda pack, c=trusted_checksum: pack.checksum == c)
        verdicts.append((entry.status, entry.reason))
    return verdicts, device_summary()


def _describe_pack(source: str):
    """:func:`ai.packs.provenance.describe_for_install` (it builds the pack's network)."""
    from pathlib import Path

    from ai.packs.provenance import describe_for_install

    return describe_for_install(Path(source))


#: Requests about packs rather than volumes: the function the worker calls for each.
_PACK_CALLS: dict[str, Callable[..., Any]] = {"check": _check_packs, "describe": _describe_pack}


def _portable(error: Exception) -> Exception:
    """What the caller raises for ``error``: Outpost's own errors as they are, anything else as an AIError.

    Outpost's own errors are kept when they pickle; anything else (torch's RuntimeError, a KeyError in
    a transform) becomes an AIError that says what it was.
    """
    if isinstance(error, OutpostError) and type(error).__module__ in _OUTPOST_MODULES:  # what the parent takes
        # A translatable Message (viewer.core.translatable) goes as its English text: a str subclass
        # would pickle as a call of builtins.str, which the parent's unpickler rightly refuses.
        error.args = tuple(str(arg) if isinstance(arg, str) else arg for arg in error.args)
        try:
            if type(pickle.loads(pickle.dumps(error))) is type(error):
                return error
        except Exception:  # noqa: BLE001 - any failure to pickle means: send a plain description
            pass
    if isinstance(error, MemoryError) or "can't allocate memory" in str(error):  # numpy's, torch's CPU allocator
        return AIError(f"out of memory in the AI worker (its memory limit stops it): {first_line(error)}")
    return AIError(f"the model failed ({type(error).__name__}): {error}")


# --------------------------------------------------------------------------- what the parent unpickles
#: Globals a child's message may name besides Outpost's own data classes and errors: numpy arrays,
#: paths, dates. Unpickling runs what a pickle names, so a child that hostile code took over could
#: otherwise run anything in the viewer's process, outside the sandbox.
_SAFE_GLOBALS = frozenset({
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("pathlib", "Path"), ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"),
    ("pathlib", "PurePath"), ("pathlib", "PurePosixPath"), ("pathlib", "PureWindowsPath"),
    ("collections", "OrderedDict"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
    ("builtins", "bytearray"), ("datetime", "datetime"), ("datetime", "date"), ("datetime", "time"),
    ("datetime", "timedelta"), ("datetime", "timezone"),
})
#: Modules whose data classes and Outpost errors a child's message may hold.
_OUTPOST_MODULES = frozenset({"ai.errors", "ai.explain", "ai.inference", "ai.isolation", "ai.packs.provenance",
                              "ai.sandbox", "viewer.core.errors", "viewer.core.volume"})
#: What each message from a child is: its first item and its length.
_MESSAGES = {"ready": 2, "progress": 4, "audit": 3, "result": 2, "cancelled": 2, "error": 3}


class _ChildUnpickler(pickle.Unpickler):
    """Unpickles what a child sent: plain data, numpy arrays and Outpost's data classes and errors only."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_GLOBALS:
            return super().find_class(module, name)
        if module in _OUTPOST_MODULES and "." not in name:
            found = super().find_class(module, name)
            if isinstance(found, type) and (dataclasses.is_dataclass(found) or issubclass(found, OutpostError)):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not something the AI worker sends")


def _from_child(data: bytes) -> tuple:
    """The message in ``data``, from a child; raises pickle.UnpicklingError for anything else."""
    try:
        message = _ChildUnpickler(io.BytesIO(data)).load()
    except pickle.UnpicklingError:
        raise
    except Exception as e:
        raise pickle.UnpicklingError(f"a damaged message ({type(e).__name__})") from e
    if not (isinstance(message, tuple) and message and _MESSAGES.get(message[0]) == len(message)):
        raise pickle.UnpicklingError("a message of an unknown kind")
    kind = message[0]
    if kind == "ready":
        from ai.sandbox import SandboxReport

        if not isinstance(message[1], SandboxReport):
            raise pickle.UnpicklingError("a sandbox report that is not one")
    elif kind == "progress" and not (isinstance(message[1], int) and isinstance(message[2], int)
                                     and isinstance(message[3], str)):
        raise pickle.UnpicklingError("progress that is not two numbers and a text")
    elif kind == "error" and not isinstance(message[1], OutpostError):
        raise pickle.UnpicklingError("an error that is not one of Outpost's")
    return message


# --------------------------------------------------------------------------- the parent
class IsolatedEngine:
    """Runs packs and explanations in a worker process that is started on first use.

    One request at a time (callers on several threads wait their turn). The
    child lives until :meth:`close`, the parent's exit, or a crash; a request
    after a crash starts a new one.

    Parameters
    ----------
    transport
        How voxels reach the child: ``"shm"`` (default) or ``"pipe"``.
    memory_limit_bytes
        How much more memory than after its imports each child may use; ``None`` (default):
        what :func:`viewer.core.memory.memory_budget` allows here when the child starts.
    threads
        CPU threads for the child's computations (``None``: every core). Several engines side by
        side (a batch's local pool) share the cores instead of fighting for all of them.
    """

    def __init__(self, transport: str = "shm", memory_limit_bytes: int | None = None,
                 threads: int | None = None) -> None:
        self.transport = transport
        self.memory_limit_bytes = memory_limit_bytes
        self.threads = threads
        self._process = None
        self._conn: Connection | None = None
        self._temp_dir: str | None = None  # the child's private folder, removed when it ends
        self._limit: int | None = None  # the running child's memory limit
        self._ready = False  # the running child said it is in its sandbox and serving
        self._lock = threading.Lock()  # one request at a time on the pipe
        self._start_lock = threading.Lock()
        self._closing = False
        self.starts = 0  # how many children were started (tests and benchmarks read it)

    # ------------------------------------------------------------------ the child's life
    @property
    def pid(self) -> int | None:
        """The process id of the running child, or ``None``."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def start(self) -> int:
        """Start the child now if none runs (it imports torch and MONAI meanwhile); returns its pid.

        The viewer calls this while it lists packs, so that the first run does not wait for the imports.
        """
        with self._start_lock:
            self._closing = False
            if self._process is None or not self._process.is_alive():
                self._discard()
                limit = self.memory_limit_bytes
                if limit is None:
                    from viewer.core.memory import memory_budget

                    limit = memory_budget().allowed
                temp_dir = tempfile.mkdtemp(prefix="outpost-ai-worker-")  # mode 0700: this user's alone
                context = multiprocessing.get_context("spawn")
                parent_end, child_end = context.Pipe(duplex=True)
                process = context.Process(target=_serve, args=(child_end, temp_dir, limit, self.threads),
                                          name="outpost-ai-worker", daemon=True)
                try:
                    process.start()
                except BaseException:
                    shutil.rmtree(temp_dir, ignore_errors=True)
                    raise
                finally:
                    child_end.close()  # so that the child's death reads as end-of-file here
                self._process, self._conn, self._temp_dir, self._limit = process, parent_end, temp_dir, limit
                self._ready = False
                self.starts += 1
                log.info("AI worker process started (pid %s)", process.pid)
            return self._process.pid

    def _discard(self) -> None:
        """Forget a dead or stopped child (reaping it), its pipe and its temporary folder."""
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=CLOSE_GRACE_S)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
        self._process, self._conn, self._temp_dir, self._ready = None, None, None, False

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.is_alive():
            process.kill()
            process.join()

    def close(self) -> None:
        """Stop the child (asking first, then killing it); a running request ends as cancelled."""
        self._closing = True
        process = self._process
        if process is None:
            return
        if process.is_alive():
            process.terminate()
            process.join(timeout=CLOSE_GRACE_S)
            self._kill()
        if self._lock.acquire(timeout=CLOSE_GRACE_S + 1):  # the request, if any, saw the death by now
            try:
                self._discard()
            finally:
                self._lock.release()

    # ------------------------------------------------------------------ requests
    def run(self, volume: Volume, pack: Pack, device: str = "auto", progress: ProgressCallback | None = None,
            cancel: CancelToken | None = None, pre_pack: Pack | None = None,
            store: PackStore | None = None) -> Result:
        """:func:`ai.workflow.run_pack` in the child: :func:`ai.inference.run`, after the pack's pre-model.

        Parameters
        ----------
        pre_pack
            The pack ``pack`` runs after (``outpost.runs_after``); by default found by name in
            ``store`` (:func:`ai.workflow.pre_model_of`, default the user's and bundled packs).

        Raises
        ------
        AIError
            As :func:`ai.inference.run`; the pre-model pack is not installed;
            :class:`~ai.errors.WorkerCrashedError` when the child died.
        Cancelled
            ``cancel`` was set (or the engine was closed meanwhile).
        """
        from ai.workflow import pre_model_of, runs_after

        arguments: dict[str, Any] = {"device": device}
        if runs_after(pack) is not None:
            pre = pre_pack if pre_pack is not None else pre_model_of(pack, store)
            assert pre is not None  # a pack that runs after another has it (pre_model_of raises otherwise)
            arguments["pre_pack"] = (str(pre.root), pre.checksum, bool(pre.trusted))
        result: Result = self._request("run", volume, pack, arguments, progress, cancel)
        return result

    def check_packs(self, folders: list[tuple[Any, ...]],
                    cancel: CancelToken | None = None) -> tuple[list[tuple[str, str]], str]:
        """:func:`ai.packs.store.examine` with the network check, in the child, for each folder.

        Parameters
        ----------
        folders
            ``(folder, location)`` or ``(folder, location, trusted checksum)``: the checksum the
            store trusts for that folder's TorchScript, if any.

        Returns
        -------
        tuple
            ``(status, reason)`` for each folder, in order, and the name of the device inference will use.
        """
        described = [(str(f[0]), str(f[1]), f[2] if len(f) > 2 else None) for f in folders]
        checked: tuple[list[tuple[str, str]], str] = self._request("check", None, None, {"folders": described},
                                                                    None, cancel)
        return checked

    def check_entries(self, entries: list[PackEntry], cancel: CancelToken | None = None) -> str:
        """Check, in the child, every readable entry of :meth:`ai.packs.store.PackStore.entries`.

        Each :class:`ai.packs.store.PackEntry` read without its network check gets the status
        and reason the child's full check gives (entries refused already keep theirs).

        Returns
        -------
        str
            The device inference will use, as a reader would name it.
        """
        readable = [e for e in entries if e.pack is not None and e.status != "refused"]
        verdicts, device = self.check_packs(
            [(e.path, e.location, e.pack.checksum if e.pack.trusted else None) for e in readable], cancel)
        for entry, (status, reason) in zip(readable, verdicts, strict=True):
            entry.status, entry.reason = status, reason
        return device

    def describe_for_install(self, source: str | os.PathLike[str],
                             cancel: CancelToken | None = None) -> InstallPreview:
        """:func:`ai.packs.provenance.describe_for_install` of ``source``, in the child.

        A pack offered for installation is untrusted: building its network in the worker
        means that even a crash in native code while checking it spares the viewer, and the
        sandbox keeps anything it might run from the network and from the user's files.
        """
        preview: InstallPreview = self._request("describe", None, None, {"source": str(source)}, None, cancel)
        return preview

    def install_pack(self, source: str | os.PathLike[str], user_dir: str | os.PathLike[str] | None = None,
                     trusted: bool = False, cancel: CancelToken | None = None) -> Pack:
        """:meth:`ai.packs.store.PackStore.install` of ``source`` into ``user_dir``, checked in the child.

        This process unpacks or copies the pack into the store's staging folder (file work
        only, every link and special file refused); the child checks the staged copy, which
        its sandbox lets it read but not change; this process then renames it into place.

        Returns
        -------
        ai.packs.pack.Pack
            The installed pack, as read (not built) here.
        """
        from ai.packs.store import PackStore

        def check(root: Path) -> tuple[str, str]:
            verdicts, _device = self.check_packs([(root, "candidate")], cancel)
            return verdicts[0]

        return PackStore(user_dir=user_dir).install(source, trusted=trusted, check=check)

    def sandbox(self, cancel: CancelToken | None = None) -> SandboxReport:
        """What the child's sandbox applied (starting the child if none runs).

        Returns
        -------
        ai.sandbox.SandboxReport
            One line per protection (network, files, memory): what was applied, or why not.
        """
        report: SandboxReport = self._request("sandbox", None, None, {}, None, cancel)
        return report

    def _execute(self, source: str, cancel: CancelToken | None = None):
        """Execute Python ``source`` in the child and return its variable ``result``.

        For the tests that attack the sandbox from inside, and only when ``OUTPOST_AI_WORKER_TEST_EXEC=1``
        is set.
        """
        return self._request("exec", None, None, {"source": source}, None, cancel)

    def explain(self, volume: Volume, pack: Pack, result: Result, method: str = "gradcam",
                target: str | None = None, device: str = "auto", progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> Heatmap:
        """:func:`ai.explain.explain` in the child; the result's labels stay here (only names and scores go)."""
        arguments = {"result": replace(result, labels=None), "method": method, "target": target, "device": device}
        heatmap: Heatmap = self._request("explain", volume, pack, arguments, progress, cancel)
        return heatmap

    def _request(self, kind: str, volume: Volume | None, pack: Pack | None, arguments: dict[str, Any],
                 progress: ProgressCallback | None, cancel: CancelToken | None) -> Any:
        check_cancel(cancel)
        with self._lock:
            self.start()
            voxels = _Voxels(volume.array, self.transport) if volume is not None else None
            try:
                if volume is not None:
                    arguments = {**arguments, "volume": _volume_header(volume),
                                 "pack": (str(pack.root), pack.checksum, bool(pack.trusted))}
                try:
                    self._conn.send(("request", kind, arguments, voxels.describe() if voxels else None))
                    if voxels is not None:
                        voxels.send_bytes(self._conn)
                except (BrokenPipeError, ConnectionResetError, EOFError) as e:
                    raise self._crashed() from e
                return self._await_reply(kind, progress, cancel)
            finally:
                if voxels is not None:
                    voxels.free()

    def _await_reply(self, kind: str, progress, cancel):
        limit = PACK_CHECK_TIMEOUT_S if kind in _CHECKS else RUN_TIMEOUT_S
        # The time limit counts from when the child is ready (its imports are not the request's).
        deadline = time.monotonic() + limit if self._ready else None
        cancelled_at = None
        while True:
            if deadline is not None and time.monotonic() > deadline:
                log.warning("the AI worker did not answer a %r request within %g s: killed", kind, limit)
                self._kill()
                self._discard()
                raise self._overdue(kind, limit)
            if cancel is not None and cancel.cancelled and cancelled_at is None:
                cancelled_at = time.monotonic()
                with contextlib.suppress(OSError):  # it died meanwhile: the wait below sees it
                    self._conn.send(("cancel",))
            if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                log.warning("the AI worker ignored a cancel for %.0f s: killed", CANCEL_GRACE_S)
                self._kill()
                self._discard()
                raise Cancelled("cancelled by the user (the AI worker was stopped)")
            readable = wait([self._conn, self._process.sentinel], timeout=POLL_S)
            if not readable:
                continue
            try:
                data = self._conn.recv_bytes() if self._conn.poll() else None
            except (EOFError, OSError) as e:
                raise self._crashed() from e
            if data is None:  # only the sentinel: the child is gone and said nothing more
                raise self._crashed()
            try:
                message = _from_child(data)
            except pickle.UnpicklingError as e:
                log.error("the AI worker sent something other than a message (%s): killed", e)
                self._kill()
                self._discard()
                raise WorkerCrashedError(f"the AI worker sent something it should not ({e}) and was stopped; "
                                         "the viewer and your images are unaffected") from None
            if message[0] == "ready":
                self._ready = True
                deadline = time.monotonic() + limit
                log.info("AI worker (pid %s) sandbox: %s", self.pid, " | ".join(message[1].lines()))
            elif message[0] == "progress":
                report(progress, *message[1:])
            elif message[0] == "audit":
                _record_audit(*message[1:3])
            elif message[0] == "result":
                return message[1]
            elif message[0] == "cancelled":
                raise Cancelled("cancelled by the user")
            else:
                _, error, remote = message
                log.info("AI worker request failed: %s", type(error).__name__)
                log.debug("in the AI worker: %s", remote)
                raise error

    @staticmethod
    def _overdue(kind: str, limit: float) -> Exception:
        """The exception for a request that ran past its time limit (the child was killed)."""
        if kind in ("check", "describe"):
            return PackRefusedError(f"the pack check did not end within {limit:g} s; the pack was refused")
        what = {"run": "the AI run", "explain": "the explanation"}.get(kind, f"the AI worker's {kind!r} request")
        return AIError(f"{what} did not end within {limit:g} s, so the AI worker was stopped; the viewer and "
                       "your images are unaffected")

    def _crashed(self) -> Exception:
        """The exception for a child that died: Cancelled when it was stopped on purpose."""
        process, limit = self._process, self._limit
        if process is not None:
            process.join(timeout=CLOSE_GRACE_S)
        exitcode = process.exitcode if process is not None else None
        self._discard()
        if self._closing:
            return Cancelled("the AI worker was stopped")
        log.error("AI worker process died (exit code %s)", exitcode)
        return WorkerCrashedError(crash_message(exitcode, limit))


__all__ = ["CANCEL_GRACE_S", "PACK_CHECK_TIMEOUT_S", "RUN_TIMEOUT_S", "IsolatedEngine", "crash_message"]

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

No Qt here: the panel, scripts and tests use the same engine.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from multiprocessing.connection import Connection, wait
from typing import Any

import numpy as np

from ai.errors import AIError, WorkerCrashedError
from viewer.core.errors import Cancelled, OutpostError
from viewer.core.tasks import BACKGROUND_NICENESS, CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import Volume

log = logging.getLogger(__name__)

#: Seconds a child may take to honour a cancel before it is killed.
CANCEL_GRACE_S = 3.0
#: Seconds a child may take to leave after :meth:`IsolatedEngine.close` before it is killed.
CLOSE_GRACE_S = 2.0
#: How often the waiting caller looks at its cancel token and at the child (seconds).
POLL_S = 0.05
#: How voxels reach the child: ``shm`` (shared memory) or ``pipe`` (bytes on the pipe).
TRANSPORTS = ("shm", "pipe")


def crash_message(exitcode: int | None) -> str:
    """The one line a user reads when the worker process died."""
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
    from multiprocessing import shared_memory

    memory = shared_memory.SharedMemory(name=described["shm"])
    try:
        return np.array(np.ndarray(shape, dtype, buffer=memory.buf))
    finally:
        memory.close()


# --------------------------------------------------------------------------- the child
def _serve(conn: Connection) -> None:
    """The worker process: import torch and MONAI once, then run requests until the pipe closes."""
    _background_priority()  # before torch starts its threads, which inherit it: the screen comes first
    # The imports are the warm-up that the first request would otherwise pay.
    import monai  # noqa: F401
    import torch  # noqa: F401

    from ai.packs.pack import read_pack

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

    def pack_for(root: str, checksum: str):
        if (root, checksum) not in packs:
            pack = read_pack(root)
            if pack.checksum != checksum:
                raise AIError(f"the pack in {root} changed on disk since it was listed; list the packs again")
            packs[(root, checksum)] = pack
        return packs[(root, checksum)]

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
            volume = Volume(array=array, **arguments.pop("volume"))
            pack = pack_for(*arguments.pop("pack"))
            if kind == "run":
                from ai.inference import run

                value = run(volume, pack, progress=progress, cancel=token, **arguments)
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


def _check_packs(folders: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str]:
    """Build each pack's network (:func:`ai.packs.store.examine`): ``(status, reason)`` per
    ``(folder, location)``, and the device inference will use, as a reader would name it."""
    from pathlib import Path

    from ai.inference import device_summary
    from ai.packs.store import examine

    verdicts = []
    for folder, location in folders:
        entry = examine(Path(folder), location, check_network=True)
        verdicts.append((entry.status, entry.reason))
    return verdicts, device_summary()


def _describe_pack(source: str):
    """:func:`ai.packs.provenance.describe_for_install` (it builds the pack's network)."""
    from pathlib import Path

    from ai.packs.provenance import describe_for_install

    return describe_for_install(Path(source))


@dataclass(frozen=True)
class InstalledPack:
    """A pack the worker installed, as the viewer names it."""

    name: str
    version: str


def _install_pack(source: str, user_dir: str | None, accept_unverified: bool) -> InstalledPack:
    """:meth:`ai.packs.store.PackStore.install` (it repeats the full check, network included)."""
    from ai.packs.store import PackStore

    pack = PackStore(user_dir=user_dir).install(source, accept_unverified=accept_unverified)
    return InstalledPack(pack.name, pack.version)


#: Requests about packs rather than volumes: the function the worker calls for each.
_PACK_CALLS: dict[str, Callable[..., Any]] = {"check": _check_packs, "describe": _describe_pack,
                                              "install": _install_pack}


def _portable(error: Exception) -> Exception:
    """What the caller raises for ``error``: Outpost's own errors as they are (when they pickle),
    anything else (torch's RuntimeError, a KeyError in a transform) as an AIError that says what it was."""
    if isinstance(error, OutpostError):
        try:
            if type(pickle.loads(pickle.dumps(error))) is type(error):
                return error
        except Exception:  # noqa: BLE001 - any failure to pickle means: send a plain description
            pass
    if isinstance(error, MemoryError):
        return AIError(f"out of memory in the AI worker: {error}")
    return AIError(f"the model failed ({type(error).__name__}): {error}")


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
    """

    def __init__(self, transport: str = "shm") -> None:
        self.transport = transport
        self._process = None
        self._conn: Connection | None = None
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
                context = multiprocessing.get_context("spawn")
                parent_end, child_end = context.Pipe(duplex=True)
                process = context.Process(target=_serve, args=(child_end,), name="outpost-ai-worker",
                                          daemon=True)
                process.start()
                child_end.close()  # so that the child's death reads as end-of-file here
                self._process, self._conn = process, parent_end
                self.starts += 1
                log.info("AI worker process started (pid %s)", process.pid)
            return self._process.pid

    def _discard(self) -> None:
        """Forget a dead or stopped child (reaping it) and its pipe."""
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(timeout=CLOSE_GRACE_S)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
        self._process, self._conn = None, None

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
    def run(self, volume: Volume, pack, device: str = "auto", progress: ProgressCallback | None = None,
            cancel: CancelToken | None = None):
        """:func:`ai.inference.run` in the child; same arguments, same result.

        Raises
        ------
        AIError
            As :func:`ai.inference.run`; :class:`~ai.errors.WorkerCrashedError` when the child died.
        Cancelled
            ``cancel`` was set (or the engine was closed meanwhile).
        """
        return self._request("run", volume, pack, {"device": device}, progress, cancel)

    def check_packs(self, folders: list[tuple[str, str]], cancel: CancelToken | None = None):
        """:func:`ai.packs.store.examine` with the network check, in the child, for each ``(folder, location)``.

        Returns
        -------
        tuple
            ``(status, reason)`` for each folder, in order, and the name of the device inference will use.
        """
        return self._request("check", None, None, {"folders": [(str(f), str(loc)) for f, loc in folders]},
                             None, cancel)

    def describe_for_install(self, source: str | os.PathLike, cancel: CancelToken | None = None):
        """:func:`ai.packs.provenance.describe_for_install` of ``source``, in the child.

        A pack offered for installation is untrusted: building its network in the worker
        means that even a crash in native code while checking it spares the viewer.
        """
        return self._request("describe", None, None, {"source": str(source)}, None, cancel)

    def install_pack(self, source: str | os.PathLike, user_dir: str | os.PathLike | None = None,
                     accept_unverified: bool = False, cancel: CancelToken | None = None) -> InstalledPack:
        """:meth:`ai.packs.store.PackStore.install` of ``source`` into ``user_dir``, in the child."""
        arguments = {"source": str(source), "accept_unverified": accept_unverified,
                     "user_dir": str(user_dir) if user_dir else None}
        return self._request("install", None, None, arguments, None, cancel)

    def explain(self, volume: Volume, pack, result, method: str = "gradcam", target: str | None = None,
                device: str = "auto", progress: ProgressCallback | None = None, cancel: CancelToken | None = None):
        """:func:`ai.explain.explain` in the child; the result's labels stay here (only names and scores go)."""
        arguments = {"result": replace(result, labels=None), "method": method, "target": target, "device": device}
        return self._request("explain", volume, pack, arguments, progress, cancel)

    def _request(self, kind: str, volume: Volume | None, pack, arguments: dict, progress, cancel):
        check_cancel(cancel)
        with self._lock:
            self.start()
            voxels = _Voxels(volume.array, self.transport) if volume is not None else None
            try:
                if volume is not None:
                    arguments = {**arguments, "volume": _volume_header(volume),
                                 "pack": (str(pack.root), pack.checksum)}
                try:
                    self._conn.send(("request", kind, arguments, voxels.describe() if voxels else None))
                    if voxels is not None:
                        voxels.send_bytes(self._conn)
                except (BrokenPipeError, ConnectionResetError, EOFError) as e:
                    raise self._crashed() from e
                return self._await_reply(progress, cancel)
            finally:
                if voxels is not None:
                    voxels.free()

    def _await_reply(self, progress, cancel):
        cancelled_at = None
        while True:
            if cancel is not None and cancel.cancelled and cancelled_at is None:
                cancelled_at = time.monotonic()
                try:
                    self._conn.send(("cancel",))
                except OSError:
                    pass  # it died meanwhile: the wait below sees it
            if cancelled_at is not None and time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                log.warning("the AI worker ignored a cancel for %.0f s: killed", CANCEL_GRACE_S)
                self._kill()
                self._discard()
                raise Cancelled("cancelled by the user (the AI worker was stopped)")
            ready = wait([self._conn, self._process.sentinel], timeout=POLL_S)
            if not ready:
                continue
            try:
                message = self._conn.recv() if self._conn.poll() else None
            except (EOFError, OSError) as e:
                raise self._crashed() from e
            if message is None:  # only the sentinel: the child is gone and said nothing more
                raise self._crashed()
            if message[0] == "progress":
                report(progress, *message[1:])
            elif message[0] == "result":
                return message[1]
            elif message[0] == "cancelled":
                raise Cancelled("cancelled by the user")
            else:
                _, error, remote = message
                log.info("AI worker request failed: %s", type(error).__name__)
                log.debug("in the AI worker: %s", remote)
                raise error

    def _crashed(self) -> Exception:
        """The exception for a child that died: Cancelled when it was stopped on purpose."""
        process = self._process
        if process is not None:
            process.join(timeout=CLOSE_GRACE_S)
        exitcode = process.exitcode if process is not None else None
        self._discard()
        if self._closing:
            return Cancelled("the AI worker was stopped")
        log.error("AI worker process died (exit code %s)", exitcode)
        return WorkerCrashedError(crash_message(exitcode))


__all__ = ["CANCEL_GRACE_S", "IsolatedEngine", "crash_message"]

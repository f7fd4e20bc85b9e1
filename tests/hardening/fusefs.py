"""A tiny FUSE file system, in pure Python, whose files can stall or fail like a bad share.

It speaks the kernel's FUSE protocol on ``/dev/fuse`` directly (no libfuse is
installed here) and serves one flat folder of in-memory files. A file can be
made to *stall* (its reads get no answer, so the reader blocks in ``read()``
exactly as on a disconnected network share) or to fail with ``EIO`` (as a
damaged disc does). Files are opened with direct I/O, so every read reaches
the server and a file can start stalling between a scan and a load.

Mounting needs the right to call ``mount(2)`` (root, or a user namespace);
:func:`mount` raises :class:`OSError` where that is refused.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_IN_HEADER = struct.Struct("<IIQQIIII")  # len, opcode, unique, nodeid, uid, gid, pid, padding
_OUT_HEADER = struct.Struct("<IiQ")  # len, error, unique
_ATTR = struct.Struct("<QQQQQQIIIIIIIIII")  # fuse_attr (88 bytes)
_LOOKUP, _FORGET, _GETATTR, _OPEN, _READ, _STATFS, _RELEASE = 1, 2, 3, 14, 15, 17, 18
_FLUSH, _INIT, _OPENDIR, _READDIR, _RELEASEDIR, _INTERRUPT, _BATCH_FORGET = 25, 26, 27, 28, 29, 36, 42
_FOPEN_DIRECT_IO = 1
_ROOT = 1


class StallingFS:
    """Files served from memory, any of which can stall or fail with EIO."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.stalled: set[str] = set()
        self.failing: set[str] = set()
        self._names = sorted(self.files)
        self._pending: list[int] = []  # unique ids of reads left unanswered
        self._lock = threading.Lock()
        self._fd = -1
        self.mountpoint: Path | None = None

    # ------------------------------------------------------------------ replies
    def _reply(self, unique: int, payload: bytes = b"", error: int = 0) -> None:
        with suppress(OSError):  # the request was interrupted or the connection is gone
            os.write(self._fd, _OUT_HEADER.pack(_OUT_HEADER.size + len(payload), -error, unique) + payload)

    def _attr(self, node: int) -> bytes:
        if node == _ROOT:
            return _ATTR.pack(_ROOT, 0, 0, 0, 0, 0, 0, 0, 0, stat.S_IFDIR | 0o755, 2, 0, 0, 0, 4096, 0)
        size = len(self.files[self._names[node - 2]])
        return _ATTR.pack(node, size, (size + 511) // 512, 0, 0, 0, 0, 0, 0,
                          stat.S_IFREG | 0o444, 1, 0, 0, 0, 4096, 0)

    def _entry(self, node: int) -> bytes:
        return struct.pack("<QQQQII", node, 0, 0, 0, 0, 0) + self._attr(node)

    def _readdir(self, offset: int, size: int) -> bytes:
        out = b""
        for index in range(offset, len(self._names)):
            name = self._names[index].encode()
            entry = struct.pack("<QQII", index + 2, index + 1, len(name), 8) + name
            entry += b"\0" * (-len(entry) % 8)
            if len(out) + len(entry) > size:
                break
            out += entry
        return out

    # ------------------------------------------------------------------ serving
    def _handle(self, message: bytes) -> None:
        _, opcode, unique, node, *_ = _IN_HEADER.unpack_from(message)
        body = message[_IN_HEADER.size:]
        if opcode in (_FORGET, _BATCH_FORGET, _INTERRUPT):
            return  # no reply expected (an interrupted read stays unanswered)
        if opcode == _INIT:
            self._reply(unique, struct.pack("<IIIIHHI", 7, 19, 0, 0, 0, 0, 65536))
        elif opcode == _LOOKUP:
            name = body.split(b"\0", 1)[0].decode()
            if node == _ROOT and name in self.files:
                self._reply(unique, self._entry(self._names.index(name) + 2))
            else:
                self._reply(unique, error=errno.ENOENT)
        elif opcode == _GETATTR:
            self._reply(unique, struct.pack("<QII", 0, 0, 0) + self._attr(node))
        elif opcode in (_OPEN, _OPENDIR):
            self._reply(unique, struct.pack("<QII", 0, _FOPEN_DIRECT_IO if opcode == _OPEN else 0, 0))
        elif opcode == _READDIR:
            _, offset, size = struct.unpack_from("<QQI", body)
            self._reply(unique, self._readdir(offset, size))
        elif opcode == _READ:
            _, offset, size = struct.unpack_from("<QQI", body)
            name = self._names[node - 2]
            if name in self.stalled:
                with self._lock:
                    self._pending.append(unique)
            elif name in self.failing:
                self._reply(unique, error=errno.EIO)
            else:
                self._reply(unique, self.files[name][offset:offset + size])
        elif opcode == _STATFS:
            self._reply(unique, struct.pack("<QQQQQIIII6I", 0, 0, 0, 0, 0, 4096, 255, 4096, 0, *[0] * 6))
        elif opcode in (_RELEASE, _RELEASEDIR, _FLUSH):
            self._reply(unique)
        else:
            self._reply(unique, error=errno.ENOSYS)

    def _serve(self) -> None:
        while True:
            try:
                message = os.read(self._fd, 1 << 20)
            except OSError as e:
                if e.errno in (errno.EINTR, errno.ENOENT, errno.EAGAIN):
                    continue
                return  # ENODEV: unmounted
            if message:
                self._handle(message)

    def release_stalled(self) -> None:
        """Answer every stalled read with EIO (the share coming back broken), unblocking readers."""
        with self._lock:
            pending, self._pending = self._pending, []
        for unique in pending:
            self._reply(unique, error=errno.EIO)


@contextmanager
def mount(files: dict[str, bytes], mountpoint: Path) -> Iterator[StallingFS]:
    """Mount a :class:`StallingFS` holding ``files`` on ``mountpoint`` for the block's duration.

    Raises
    ------
    OSError
        FUSE is missing or mounting is not permitted.
    """
    fs = StallingFS(files)
    libc = ctypes.CDLL(None, use_errno=True)
    mountpoint.mkdir(parents=True, exist_ok=True)
    fs._fd = os.open("/dev/fuse", os.O_RDWR)
    options = f"fd={fs._fd},rootmode=40000,user_id={os.getuid()},group_id={os.getgid()}".encode()
    if libc.mount(b"outpost-test", str(mountpoint).encode(), b"fuse", 0, options) != 0:
        code = ctypes.get_errno()
        os.close(fs._fd)
        raise OSError(code, f"mounting FUSE failed: {os.strerror(code)}")
    fs.mountpoint = mountpoint
    server = threading.Thread(target=fs._serve, name="test-fuse", daemon=True)
    server.start()
    try:
        yield fs
    finally:
        fs.stalled.clear()
        fs.release_stalled()
        libc.umount2(str(mountpoint).encode(), 2)  # MNT_DETACH: readers may still hold files
        server.join(timeout=10)
        os.close(fs._fd)

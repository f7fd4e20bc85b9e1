"""A pack's files, read without following links, blocking, or exhausting memory or disk.

Everything that reads a pack goes through here:

* :func:`walk_pack` lists a pack folder without following links and refuses
  what a pack has no business holding: symbolic links (to files or folders,
  anywhere in the tree), hard links to files outside the pack, device files,
  FIFOs, sockets, mount points, and more files, bytes, depth or name length
  than the limits below.
* :func:`open_regular_file` opens one listed file with ``O_NOFOLLOW`` and
  ``O_NONBLOCK``, checks on the descriptor that it is still the regular file
  the walk found, and reads no more than its size; hashing
  (:func:`hash_pack_file`), the JSON reader (:func:`read_pack_json`) and
  :func:`copy_pack_tree` use it.
* :func:`extract_pack_zip` reads a .zip's entry count from its end records
  before :mod:`zipfile` parses its central directory, checks every entry,
  then writes them one by one with a byte counter.
* :func:`check_weights_file` reads the layout of a weights file (the zip
  directory ``torch.save`` writes, or a safetensors header) before anything
  loads it, refusing compressed records and sizes beyond the file or memory.

Every refusal is a :class:`~ai.errors.PackRefusedError` whose message names the
file (or archive entry) and the cause.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from ai.errors import PackRefusedError
from viewer.core.files import format_size

CHECKSUMS = "checksums.sha256"

#: At most this many files and folders in a pack (and entries in a pack .zip or records in a weights zip).
MAX_PACK_FILES = 10_000
#: A pack larger than this (unpacked) is refused: packs hold small networks.
MAX_PACK_BYTES = 4 * 2**30
#: The longest file or folder name, in UTF-8 bytes (what Linux, macOS and Windows file systems allow).
MAX_NAME_BYTES = 255
#: The longest path inside a pack, in UTF-8 bytes, and its most components.
MAX_PATH_BYTES = 1024
MAX_PATH_DEPTH = 32
#: The largest central directory of a pack .zip or a weights zip that is read.
MAX_CENTRAL_DIRECTORY_BYTES = 16 * 2**20
#: ``checksums.sha256``: one line of at most 64 + 2 + MAX_PATH_BYTES + 1 bytes for every file.
MAX_CHECKSUM_LIST_BYTES = MAX_PACK_FILES * (64 + 2 + MAX_PATH_BYTES + 1)
#: ``configs/*.json``: MONAI's configs are a few KiB; a 4 MiB document of empty objects already
#: takes about 110 MB once parsed.
MAX_JSON_BYTES = 4 * 2**20
#: The deepest nesting of lists and objects in a JSON document (MONAI's configs nest about 6 deep).
MAX_JSON_DEPTH = 100
#: The largest safetensors header (a few hundred bytes per tensor).
MAX_SAFETENSORS_HEADER_BYTES = 16 * 2**20

_BLOCK = 1 << 20
_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_SHOWN_CHARACTERS = 100


# --------------------------------------------------------------------------- names
def shown_name(name: str) -> str:
    """A file or entry name as a message shows it: quoted when it holds odd characters, shortened.

    Parameters
    ----------
    name
        The name (pack-relative path or archive entry).

    Returns
    -------
    str
    """
    short = name if len(name) <= _SHOWN_CHARACTERS else name[:_SHOWN_CHARACTERS] + "…"
    return short if short.isprintable() and short.strip() == short and short else repr(short)


def check_relative_path(parts: list[str], subject: str) -> None:
    """Refuse a pack path whose components are not valid names or that is too long or deep.

    Parameters
    ----------
    parts
        The path's components (no empty ones).
    subject
        How the message names the path (``"configs/x.json"``, ``"the archive entry 'x'"``).

    Raises
    ------
    PackRefusedError
        A component is over :data:`MAX_NAME_BYTES`, not UTF-8, holds a control character or
        a NUL, or is ``.``/``..``; the path is over :data:`MAX_PATH_BYTES` or
        :data:`MAX_PATH_DEPTH` components.
    """
    for part in parts:
        try:
            encoded = part.encode("utf-8")
        except UnicodeEncodeError as e:
            raise PackRefusedError(f"{subject}: the name {shown_name(part)} is not valid UTF-8") from e
        if len(encoded) > MAX_NAME_BYTES:
            raise PackRefusedError(f"{subject}: a name is {len(encoded)} bytes long; "
                                   f"names are at most {MAX_NAME_BYTES} bytes")
        if any(ord(c) < 32 or ord(c) == 127 for c in part):
            raise PackRefusedError(f"{subject}: the name {shown_name(part)} holds a control character")
        if part in (".", ".."):
            raise PackRefusedError(f"{subject}: {part!r} is not a file name")
    if len(parts) > MAX_PATH_DEPTH:
        raise PackRefusedError(f"{subject} is {len(parts)} folders deep; at most {MAX_PATH_DEPTH}")
    length = len("/".join(parts).encode("utf-8", "surrogateescape"))
    if length > MAX_PATH_BYTES:
        raise PackRefusedError(f"{subject}: its path is {length} bytes long; at most {MAX_PATH_BYTES}")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file"
    return "special file"


def _is_link(info: os.stat_result) -> bool:
    """A symbolic link, or a Windows junction or other reparse point (which is followed like one)."""
    return stat.S_ISLNK(info.st_mode) or bool(getattr(info, "st_reparse_tag", 0))


# --------------------------------------------------------------------------- walking a folder pack
@dataclass(frozen=True)
class PackFile:
    """A regular file of a pack folder, as :func:`walk_pack` found it.

    Attributes
    ----------
    relative
        Its path inside the pack, POSIX separators.
    size
        Its size in bytes.
    device, inode
        Its identity: a file opened later must still be this one.
    """

    relative: str
    size: int
    device: int
    inode: int


@dataclass(frozen=True)
class PackTree:
    """What a pack folder holds: its folders and regular files, nothing else.

    Attributes
    ----------
    root
        The pack folder.
    folders
        Relative paths of its folders, each after its parent.
    files
        Its regular files, sorted by relative path.
    """

    root: Path
    folders: tuple[str, ...]
    files: tuple[PackFile, ...]

    @cached_property
    def by_path(self) -> dict[str, PackFile]:
        """The files by relative path."""
        return {pack_file.relative: pack_file for pack_file in self.files}


def walk_pack(root: Path) -> PackTree:
    """List a pack folder without following links, refusing anything but folders and regular files.

    ``root`` itself may be reached through a link (it is the path the user chose);
    nothing inside it is followed.

    Parameters
    ----------
    root
        The pack folder.

    Returns
    -------
    PackTree

    Raises
    ------
    PackRefusedError
        Naming the file: a symbolic link (or Windows junction), a hard link to a file
        outside the pack (its link count exceeds the times it occurs in the pack), a device
        file, FIFO or socket, a folder on another file system, an invalid or too long name,
        or more than :data:`MAX_PACK_FILES` entries, :data:`MAX_PACK_BYTES` bytes or
        :data:`MAX_PATH_DEPTH` levels.
    """
    root = Path(root)
    try:
        root_info = os.stat(root)
    except OSError as e:
        raise PackRefusedError(f"{root} cannot be read ({e.strerror})") from e
    if not stat.S_ISDIR(root_info.st_mode):
        raise PackRefusedError(f"{root} is not a pack folder")
    folders: list[str] = []
    files: list[PackFile] = []
    link_counts: dict[str, int] = {}
    entries = 0
    total = 0
    pending = [("", root_info)]
    while pending:
        folder, folder_info = pending.pop()
        try:
            with _listing(root / folder if folder else root, folder_info, follow=not folder) as listing:
                for entry in listing:
                    entries += 1
                    if entries > MAX_PACK_FILES:
                        raise PackRefusedError(f"the pack holds more than {MAX_PACK_FILES} files and folders")
                    relative = f"{folder}/{entry.name}" if folder else entry.name
                    check_relative_path(relative.split("/"), shown_name(relative))
                    info = entry.stat(follow_symlinks=False) if _WALK_BY_DESCRIPTOR else os.lstat(entry.path)
                    if _is_link(info):
                        raise PackRefusedError(f"{shown_name(relative)} is a symbolic link"
                                               f"{_target(root / relative)}; a pack's files must be inside it, "
                                               "not links")
                    if stat.S_ISDIR(info.st_mode):
                        if info.st_dev != root_info.st_dev:
                            raise PackRefusedError(f"{shown_name(relative)} is another file system mounted "
                                                   "in the pack")
                        folders.append(relative)
                        pending.append((relative, info))
                    elif stat.S_ISREG(info.st_mode):
                        total += info.st_size
                        if total > MAX_PACK_BYTES:
                            raise PackRefusedError(f"the pack holds more than {format_size(MAX_PACK_BYTES)} "
                                                   f"(reached at {shown_name(relative)})")
                        files.append(PackFile(relative, info.st_size, info.st_dev, info.st_ino))
                        link_counts[relative] = info.st_nlink
                    else:
                        raise PackRefusedError(f"{shown_name(relative)} is a {_kind(info.st_mode)}; "
                                               "a pack holds folders and regular files only")
        except OSError as e:
            raise PackRefusedError(f"{shown_name(folder or str(root))} cannot be read ({e.strerror})") from e
    occurrences = Counter((f.device, f.inode) for f in files)
    for pack_file in files:
        inside = occurrences[(pack_file.device, pack_file.inode)]
        if link_counts[pack_file.relative] > inside:
            raise PackRefusedError(f"{shown_name(pack_file.relative)} is a hard link to a file outside the pack "
                                   f"({link_counts[pack_file.relative]} names, {inside} in the pack)")
    folders.sort(key=lambda relative: relative.split("/"))
    files.sort(key=lambda pack_file: pack_file.relative)
    return PackTree(root=root, folders=tuple(folders), files=tuple(files))


#: List folders through a descriptor (opened without following a link, checked to be the folder
#: the walk saw), so a folder swapped for a link while the walk runs is not listed.
_WALK_BY_DESCRIPTOR = os.scandir in os.supports_fd and hasattr(os, "O_DIRECTORY")


@contextmanager
def _listing(folder: Path, seen: os.stat_result, follow: bool) -> Iterator[Iterator[os.DirEntry[str]]]:
    """The entries of a folder the walk saw as ``seen`` (following a link only for the pack root)."""
    if not _WALK_BY_DESCRIPTOR:
        with os.scandir(folder) as listing:
            yield listing
        return
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(folder, flags if follow else flags | getattr(os, "O_NOFOLLOW", 0))
    try:
        opened = os.fstat(descriptor)
        if (opened.st_dev, opened.st_ino) != (seen.st_dev, seen.st_ino):
            raise PackRefusedError(f"{shown_name(str(folder))} changed while the pack was being read")
        with os.scandir(descriptor) as listing:
            yield listing
    finally:
        os.close(descriptor)


def _target(path: Path) -> str:
    try:
        return f" (to {shown_name(os.readlink(path))})"
    except (OSError, ValueError):
        return ""


# --------------------------------------------------------------------------- reading one file
@contextmanager
def open_regular_file(path: Path, subject: str, expected: PackFile | None = None) -> Iterator[io.FileIO]:
    """Open a regular file for reading, never following a link at ``path`` and never blocking.

    The name is checked with ``lstat`` first, so a device, FIFO or socket is never
    opened; the open uses ``O_NOFOLLOW | O_NONBLOCK`` and the descriptor's ``fstat`` must
    show the same regular file (and, with ``expected``, the one the walk listed, at the
    size it had).

    Parameters
    ----------
    path
        The file.
    subject
        How messages name it.
    expected
        The walk's record of it, if any.

    Yields
    ------
    BinaryIO
        The file, unbuffered, positioned at its start.

    Raises
    ------
    PackRefusedError
        It is missing, a link, not a regular file, or changed since the walk.
    """
    try:
        before = os.lstat(path)
    except FileNotFoundError as e:
        raise PackRefusedError(f"{subject} is missing") from e
    except OSError as e:
        raise PackRefusedError(f"{subject} cannot be read ({e.strerror})") from e
    if _is_link(before) or not stat.S_ISREG(before.st_mode):
        raise PackRefusedError(f"{subject} is a {_kind(before.st_mode)}, not a regular file; "
                               "it is not read")
    try:
        descriptor = os.open(path, _READ_FLAGS)
    except OSError as e:
        raise PackRefusedError(f"{subject} cannot be opened without following links ({e.strerror})") from e
    stream = io.FileIO(descriptor, "rb", closefd=True)
    with stream:
        after = os.fstat(descriptor)
        same = (stat.S_ISREG(after.st_mode) and (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
                and (expected is None or ((after.st_dev, after.st_ino) == (expected.device, expected.inode)
                                          and after.st_size == expected.size)))
        if not same:
            raise PackRefusedError(f"{subject} changed while the pack was being read")
        yield stream


def read_chunks(stream: BinaryIO, size: int, subject: str) -> Iterator[bytes]:
    """The bytes of an opened file in blocks, refusing it if it is not ``size`` bytes long.

    Parameters
    ----------
    stream
        From :func:`open_regular_file`.
    size
        The size it had when it was listed or opened.
    subject
        How messages name it.

    Yields
    ------
    bytes

    Raises
    ------
    PackRefusedError
        It grew or shrank while being read.
    """
    done = 0
    while True:
        block = stream.read(min(_BLOCK, size - done + 1))
        if not block:
            break
        done += len(block)
        if done > size:
            raise PackRefusedError(f"{subject} grew while it was being read")
        yield block
    if done != size:
        raise PackRefusedError(f"{subject} shrank while it was being read")


def sha256_regular_file(path: Path, subject: str | None = None) -> str:
    """The SHA-256 (hex) of a regular file, reached without following a link at ``path``.

    Parameters
    ----------
    path
        The file.
    subject
        How messages name it (``path`` by default).

    Raises
    ------
    PackRefusedError
        It is a link, device, FIFO or socket, or changed while it was read.
    """
    subject = subject or shown_name(str(path))
    digest = hashlib.sha256()
    with open_regular_file(path, subject) as stream:
        for block in read_chunks(stream, os.fstat(stream.fileno()).st_size, subject):
            digest.update(block)
    return digest.hexdigest()


def hash_pack_file(root: Path, pack_file: PackFile) -> str:
    """The SHA-256 (hex) of a file the walk listed, refusing it if it is no longer that file.

    Raises
    ------
    PackRefusedError
        It was replaced (by a link or another file), or changed size, since the walk.
    """
    subject = shown_name(pack_file.relative)
    digest = hashlib.sha256()
    with open_regular_file(root / pack_file.relative, subject, pack_file) as stream:
        for block in read_chunks(stream, pack_file.size, subject):
            digest.update(block)
    return digest.hexdigest()


def read_pack_bytes(root: Path, relative: str, limit: int) -> bytes:
    """The bytes of a pack file of at most ``limit`` bytes.

    Raises
    ------
    PackRefusedError
        It is missing, not a regular file, or larger than ``limit``.
    """
    subject = shown_name(relative)
    with open_regular_file(root / relative, subject) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > limit:
            shown, allowed = sizes_apart(size, limit)
            raise PackRefusedError(f"{subject} is {shown}; at most {allowed} is read")
        return b"".join(read_chunks(stream, size, subject))


def sizes_apart(size: int, limit: int) -> tuple[str, str]:
    """A size and the limit it exceeds, as a message shows them: in bytes where rounding would show them equal.

    Parameters
    ----------
    size
        The size found, in bytes.
    limit
        The limit, in bytes.

    Returns
    -------
    tuple of str
        ``("4.5 MiB", "4.0 MiB")``, or ``("4,194,305 bytes", "4,194,304 bytes")`` rather than
        ``"4.0 MiB"`` twice.
    """
    shown, allowed = format_size(size), format_size(limit)
    return (shown, allowed) if shown != allowed else (f"{size:,} bytes", f"{limit:,} bytes")


# --------------------------------------------------------------------------- JSON
_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests lists and objects deeper than ``limit``, found without recursion.

    Brackets inside strings do not count. An invalid text is judged up to where it goes
    wrong (the parser stops there too).
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    in_string = False
    skip_to = -1
    for match in _JSON_STRUCTURE.finditer(text):
        position = match.start()
        if position < skip_to:
            continue
        character = match.group()
        if in_string:
            if character == "\\":
                skip_to = position + 2
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > limit:
                return True
        elif character in "]}":
            depth -= 1
    return False


def parse_json(text: str, subject: str) -> Any:
    """Parse a JSON document from a pack, refusing one nested too deep or too large to parse.

    Raises
    ------
    PackRefusedError
        Nested deeper than :data:`MAX_JSON_DEPTH`, not valid JSON, or too large for memory.
    """
    if json_depth_exceeds(text):
        raise PackRefusedError(f"{subject} nests lists and objects deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except RecursionError as e:
        raise PackRefusedError(f"{subject} nests lists and objects too deeply to read") from e
    except MemoryError as e:
        raise PackRefusedError(f"{subject} is too large to read into memory") from e
    except ValueError as e:  # JSONDecodeError, and integers of more digits than Python converts
        raise PackRefusedError(f"{subject} is not valid JSON ({str(e)[:200]})") from e


def read_pack_json(root: Path, relative: str) -> Any:
    """Read a pack's JSON document (at most :data:`MAX_JSON_BYTES`, :data:`MAX_JSON_DEPTH` deep).

    Parameters
    ----------
    root
        The pack folder.
    relative
        The document's path in it, e.g. ``"configs/metadata.json"``.

    Raises
    ------
    PackRefusedError
        Naming the file: missing, a link or special file, too large, too deep, or not JSON.
    """
    data = read_pack_bytes(root, relative, MAX_JSON_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PackRefusedError(f"{relative} is not valid JSON ({e})") from e
    return parse_json(text, relative)


# --------------------------------------------------------------------------- checksums
_CHECKSUM_LINE = re.compile(r"[0-9a-fA-F]{64}")


def parse_checksum_list(data: bytes) -> dict[str, str]:
    """``checksums.sha256`` as ``{relative path: sha256}``.

    Raises
    ------
    PackRefusedError
        A line is not ``"<sha256>  <path>"``, or names a path outside the pack.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PackRefusedError(f"{CHECKSUMS} is not UTF-8 text ({e})") from e
    listed = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.strip().split(maxsplit=1)
        if len(parts) != 2 or not _CHECKSUM_LINE.fullmatch(parts[0]):
            raise PackRefusedError(f"{CHECKSUMS} line {number} is not '<sha256>  <path>'")
        relative = parts[1].lstrip("*").strip()
        path = PurePosixPath(relative)
        if path.is_absolute() or ".." in path.parts:
            raise PackRefusedError(f"{CHECKSUMS} names a file outside the pack: {shown_name(relative)}")
        listed[path.as_posix()] = parts[0].lower()
    return listed


def check_listed_files(listed: dict[str, str], present: Iterable[str], digest_of: Callable[[str], str]) -> None:
    """Compare the checksum list with the files: every listed file present and matching.

    Files under ``configs/`` and ``models/`` must all be listed (other files, a
    licence or a readme, may be left out).

    Parameters
    ----------
    listed
        From :func:`parse_checksum_list`.
    present
        The pack's files (relative paths), the checksum list excepted.
    digest_of
        The SHA-256 of a present file.

    Raises
    ------
    PackRefusedError
        A listed file is missing or differs, or a config or model file is not listed.
    """
    present = set(present)
    for relative, expected in sorted(listed.items()):
        if relative not in present:
            raise PackRefusedError(f"{shown_name(relative)} is listed in {CHECKSUMS} but missing")
        if digest_of(relative) != expected:
            raise PackRefusedError(f"{shown_name(relative)} does not match its checksum (altered or damaged)")
    unlisted = sorted(f for f in present if f not in listed and f.startswith(("configs/", "models/")))
    if unlisted:
        raise PackRefusedError(f"{shown_name(unlisted[0])} is not listed in {CHECKSUMS}")


def unlisted_pack_digest(digests: dict[str, str]) -> str:
    """The checksum of a pack without ``checksums.sha256``: SHA-256 of its ``sha256sum`` listing."""
    digest = hashlib.sha256()
    for relative in sorted(digests):
        digest.update(f"{digests[relative]}  {relative}\n".encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- copying
def copy_pack_tree(source: Path, destination: Path, expected_checksum: str | None = None) -> None:
    """Copy a checked pack folder, reading regular files only, and re-check what was copied.

    Replaces :func:`shutil.copytree` (which follows links). The source is walked again
    (:func:`walk_pack`); every file is opened without following links, must still be
    the file the walk listed, and is hashed while it is copied; files and folders are
    fsynced. Where the pack has ``checksums.sha256`` the copied files must match it (a
    file swapped between the check and the copy is refused); with ``expected_checksum``
    the copy's pack checksum must equal it (which covers packs without a checksum list).

    Parameters
    ----------
    source
        The pack folder (already checked by :func:`ai.packs.pack.read_pack`).
    destination
        A folder that does not exist yet; on a refusal nothing of it is left.
    expected_checksum
        :attr:`ai.packs.pack.Pack.checksum` from the check, if it is to be compared.

    Raises
    ------
    PackRefusedError
        The source holds what :func:`walk_pack` refuses, or changed since its check.
    FileExistsError
        ``destination`` exists.
    """
    source = Path(source)
    destination = Path(destination)
    tree = walk_pack(source)
    destination.mkdir()
    try:
        for folder in tree.folders:
            (destination / folder).mkdir()
        digests = {pack_file.relative: _copy_file(source, destination, pack_file) for pack_file in tree.files}
        if CHECKSUMS in digests:
            list_bytes = read_pack_bytes(destination, CHECKSUMS, MAX_CHECKSUM_LIST_BYTES)
            others = {relative: digest for relative, digest in digests.items() if relative != CHECKSUMS}
            check_listed_files(parse_checksum_list(list_bytes), others, others.__getitem__)
            copied_checksum = hashlib.sha256(list_bytes).hexdigest()
        else:
            copied_checksum = unlisted_pack_digest(digests)
        if expected_checksum is not None and copied_checksum != expected_checksum:
            raise PackRefusedError("the pack changed between its check and its copy "
                                   f"(sha256 {copied_checksum[:16]}…, checked {expected_checksum[:16]}…)")
        for folder in (*reversed(tree.folders), ""):
            fsync_folder(destination / folder)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise


def _copy_file(source: Path, destination: Path, pack_file: PackFile) -> str:
    subject = shown_name(pack_file.relative)
    digest = hashlib.sha256()
    with open_regular_file(source / pack_file.relative, subject, pack_file) as stream:
        descriptor = os.open(destination / pack_file.relative, _CREATE_FLAGS, 0o644)
        with open(descriptor, "wb", closefd=True) as copy:
            for block in read_chunks(stream, pack_file.size, subject):
                digest.update(block)
                copy.write(block)
            copy.flush()
            os.fsync(copy.fileno())
    return digest.hexdigest()


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk where the system allows it (a no-op where it cannot)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # Windows opens no folders; its file system orders metadata itself
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems (and Windows) cannot fsync a folder
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- zip archives
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL_ENTRY_SIZE = 46
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_END_SIGNATURE = b"PK\x06\x06"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_COMPRESSION_NAMES = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate",
                      zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
#: What a damaged zip can raise inside :mod:`zipfile` (and its decompressors).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError,
              EOFError, zlib.error, struct.error, OverflowError, UnicodeDecodeError, LookupError)


@dataclass(frozen=True)
class ZipDirectory:
    """Where a zip's central directory lies and how many entries it holds, from its end records.

    Attributes
    ----------
    entries
        The number of entries (counted in the central directory itself).
    offset, size
        The central directory's position and length in bytes.
    """

    entries: int
    offset: int
    size: int


def read_zip_directory(stream: BinaryIO, subject: str) -> ZipDirectory:
    """Read a zip's end records and count its central directory, before :mod:`zipfile` parses it.

    :mod:`zipfile` reads the whole central directory into ``ZipInfo`` objects, trusting
    its size rather than the entry count, which hangs on a million entries. Here the
    count in the end record (or the zip64 one) is checked first, then the central
    directory's size, then its records are counted without being decoded. The central
    directory must lie right before the end records and the file must end with the end
    record and its comment, the layout :mod:`zipfile`, ``torch.save`` and zip tools write
    (so the readers that find it differently, zipfile and PyTorch's, see the same entries).

    Parameters
    ----------
    stream
        The zip file, seekable.
    subject
        How messages name it.

    Returns
    -------
    ZipDirectory

    Raises
    ------
    PackRefusedError
        Not a zip; more than :data:`MAX_PACK_FILES` entries; a central directory over
        :data:`MAX_CENTRAL_DIRECTORY_BYTES`, misplaced or damaged; spanning disks.
    """
    file_size = stream.seek(0, os.SEEK_END)
    if file_size < _END_RECORD.size:
        raise PackRefusedError(f"{subject} is not a zip file (too short)")
    tail_start = max(0, file_size - _END_RECORD.size - 0xFFFF)
    stream.seek(tail_start)
    tail = stream.read()
    if tail[-_END_RECORD.size:][:4] == _END_SIGNATURE and tail[-2:] == b"\0\0":
        found = len(tail) - _END_RECORD.size  # no comment: where zipfile looks first
    else:
        found = tail.rfind(_END_SIGNATURE)
        if found < 0 or len(tail) - found < _END_RECORD.size:
            raise PackRefusedError(f"{subject} is not a zip file (no end of central directory record)")
    (_signature, disk, directory_disk, entries_here, entries, directory_size, directory_offset,
     comment_length) = _END_RECORD.unpack_from(tail, found)
    end_position = tail_start + found
    if end_position + _END_RECORD.size + comment_length != file_size:
        raise PackRefusedError(f"{subject} has data after its end of central directory record")
    directory_end = end_position
    locator_position = end_position - _ZIP64_LOCATOR.size
    if locator_position >= 0:
        stream.seek(locator_position)
        locator = stream.read(_ZIP64_LOCATOR.size)
        if locator[:4] == _ZIP64_LOCATOR_SIGNATURE:
            _signature, locator_disk, record_position, disks = _ZIP64_LOCATOR.unpack(locator)
            if locator_disk != 0 or disks > 1:
                raise PackRefusedError(f"{subject} spans several disks")
            expected_position = locator_position - _ZIP64_END_RECORD.size
            if expected_position < 0 or record_position != expected_position:
                raise PackRefusedError(f"{subject}: its zip64 end record is not where its locator says")
            stream.seek(expected_position)
            record = stream.read(_ZIP64_END_RECORD.size)
            if record[:4] != _ZIP64_END_SIGNATURE:
                raise PackRefusedError(f"{subject}: its zip64 end record is damaged")
            (_signature, _size, _made_by, _needed, disk, directory_disk, entries_here, entries,
             directory_size, directory_offset) = _ZIP64_END_RECORD.unpack(record)
            directory_end = expected_position
    if disk != 0 or directory_disk != 0 or entries_here != entries:
        raise PackRefusedError(f"{subject} spans several disks")
    if entries > MAX_PACK_FILES:
        raise PackRefusedError(f"{subject} declares {entries} entries; at most {MAX_PACK_FILES} are read")
    if directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
        shown, allowed = sizes_apart(directory_size, MAX_CENTRAL_DIRECTORY_BYTES)
        raise PackRefusedError(f"{subject}: its central directory is {shown}; at most {allowed} is read")
    if directory_offset + directory_size != directory_end:
        raise PackRefusedError(f"{subject}: its central directory is not where its end record says "
                               "(data before or after it)")
    stream.seek(directory_offset)
    directory = stream.read(directory_size)
    counted = 0
    position = 0
    while position < directory_size:
        if (directory[position:position + 4] != _CENTRAL_SIGNATURE
                or position + _CENTRAL_ENTRY_SIZE > directory_size):
            raise PackRefusedError(f"{subject}: its central directory is damaged (entry {counted + 1})")
        name_length, extra_length, comment_length = struct.unpack_from("<3H", directory, position + 28)
        position += _CENTRAL_ENTRY_SIZE + name_length + extra_length + comment_length
        counted += 1
        if counted > MAX_PACK_FILES:
            raise PackRefusedError(f"{subject} holds more than {MAX_PACK_FILES} entries")
    if position != directory_size or counted != entries:
        raise PackRefusedError(f"{subject}: its central directory holds {counted} entries, "
                               f"its end record says {entries}")
    return ZipDirectory(entries=counted, offset=directory_offset, size=directory_size)


@dataclass(frozen=True)
class _PlannedEntry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    folder: bool
    subject: str


def _plan_zip_entries(infos: list[zipfile.ZipInfo]) -> list[_PlannedEntry]:
    """Check every entry of a pack .zip before anything is written."""
    planned = []
    seen: dict[str, bool] = {}  # casefolded path -> is a folder
    total = 0
    for info in infos:
        subject = f"the archive entry {shown_name(info.filename)}"
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
            raise PackRefusedError(f"{subject} would be written outside the pack (zip-slip)")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        folder = name.endswith("/")
        if not parts:
            if folder:
                continue  # "./": the archive's own top
            raise PackRefusedError(f"{subject} has no name")
        kind = (info.external_attr >> 16) & 0o170000
        if kind == stat.S_IFLNK:
            raise PackRefusedError(f"{subject} is a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise PackRefusedError(f"{subject} is a {_kind(kind)}; a pack holds folders and regular files only")
        if info.flag_bits & 0x1:
            raise PackRefusedError(f"{subject} is encrypted")
        if info.compress_type not in _COMPRESSION_NAMES:
            raise PackRefusedError(f"{subject} uses an unsupported compression method ({info.compress_type})")
        check_relative_path(list(parts), subject)
        key = "/".join(parts).casefold()
        if key in seen:
            raise PackRefusedError(f"{subject} appears twice in the archive (letter case aside)")
        seen[key] = folder
        total += info.file_size
        if total > MAX_PACK_BYTES:
            raise PackRefusedError(f"the archive unpacks to more than {format_size(MAX_PACK_BYTES)}")
        planned.append(_PlannedEntry(info, parts, folder, subject))
    for entry in planned:
        for depth in range(1, len(entry.parts)):
            ancestor = "/".join(entry.parts[:depth])
            if seen.get(ancestor.casefold()) is False:
                raise PackRefusedError(f"{entry.subject} is inside {shown_name(ancestor)}, which is a file "
                                       "in the archive")
    return planned


@contextmanager
def _open_archive(archive: Path) -> Iterator[BinaryIO]:
    """The archive the user chose (a link to it is followed), if it is a regular file; never blocks."""
    subject = shown_name(str(archive))
    try:
        if not stat.S_ISREG(os.stat(archive).st_mode):
            raise PackRefusedError(f"{subject} is not a regular file")
        descriptor = os.open(archive, _READ_FLAGS & ~getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise PackRefusedError(f"{subject} cannot be read ({e.strerror})") from e
    with io.FileIO(descriptor, "rb", closefd=True) as raw:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise PackRefusedError(f"{subject} is not a regular file")
        yield io.BufferedReader(raw)


def extract_pack_zip(archive: Path, destination: Path) -> None:
    """Unpack a pack .zip into ``destination``, entry by entry, after checking every entry.

    Checked before anything is written: the entry count and central directory
    (:func:`read_zip_directory`), then every entry: no absolute or ``..`` path, no
    symbolic link or special file, no encryption, a supported compression, valid names
    within the length and depth limits, no duplicate (letter case aside), no entry
    inside another that is a file, at most :data:`MAX_PACK_BYTES` declared in all, and
    the disk space for them. Each entry is then streamed with a byte counter, so one that
    unpacks beyond its declared size or the pack limit is stopped.

    Parameters
    ----------
    archive
        The .zip file.
    destination
        The folder to unpack into (created if needed); on a refusal what was written
        into it is removed.

    Raises
    ------
    PackRefusedError
        Naming the archive or the entry, and why.
    """
    archive = Path(archive)
    destination = Path(destination)
    archive_subject = shown_name(str(archive))
    with _open_archive(archive) as stream:
        read_zip_directory(stream, archive_subject)
        try:
            with zipfile.ZipFile(stream) as zf:
                planned = _plan_zip_entries(zf.infolist())
                destination.mkdir(parents=True, exist_ok=True)
                declared = sum(entry.info.file_size for entry in planned)
                free = shutil.disk_usage(destination).free
                if declared > free:
                    raise PackRefusedError(f"the archive unpacks to {format_size(declared)} but only "
                                           f"{format_size(free)} is free in {destination}")
                _write_entries(zf, planned, destination)
        except ZIP_ERRORS as e:
            raise PackRefusedError(f"{archive_subject} is not a readable .zip ({str(e)[:200]})") from e


def _write_entries(zf: zipfile.ZipFile, planned: list[_PlannedEntry], destination: Path) -> None:
    existing = set(os.listdir(destination))
    written = 0
    try:
        for entry in planned:
            target = destination.joinpath(*entry.parts)
            try:
                if entry.folder:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(target, _CREATE_FLAGS, 0o644)
            except OSError as e:
                raise PackRefusedError(f"{entry.subject} cannot be written ({e.strerror})") from e
            with open(descriptor, "wb", closefd=True) as output:
                try:
                    with zf.open(entry.info) as source:
                        unpacked = 0
                        while block := source.read(_BLOCK):
                            unpacked += len(block)
                            written += len(block)
                            if unpacked > entry.info.file_size:
                                raise PackRefusedError(f"{entry.subject} unpacks to more than the "
                                                       f"{entry.info.file_size} bytes it declares")
                            if written > MAX_PACK_BYTES:
                                raise PackRefusedError("the archive unpacks to more than "
                                                       f"{format_size(MAX_PACK_BYTES)}")
                            output.write(block)
                except ZIP_ERRORS as e:
                    raise PackRefusedError(f"{entry.subject} is damaged ({str(e)[:200]})") from e
                except OSError as e:
                    raise PackRefusedError(f"{entry.subject} cannot be written ({e.strerror})") from e
    except BaseException:
        for name in set(os.listdir(destination)) - existing:
            path = destination / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- weights files
#: Bits per element of the safetensors dtypes.
SAFETENSORS_DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E5M2FNUZ": 8, "F8_E4M3FNUZ": 8, "F8_E8M0": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
    "I64": 64, "U64": 64, "F64": 64, "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}
_TORCH_DATA_RECORD = re.compile(r"[^/]+/data/[^/]+")


@dataclass(frozen=True)
class WeightsLayout:
    """What loading a weights file would read, from its directory or header.

    Attributes
    ----------
    format
        ``"torch zip"``, ``"torch legacy"`` or ``"safetensors"``.
    tensor_bytes
        Bytes of tensor data (for the legacy format, the file size: an upper bound).
    loaded_bytes
        Bytes the loader reads into memory in all (tensor data, pickle and small records).
    """

    format: str
    tensor_bytes: int
    loaded_bytes: int


def weights_layout(path: Path, name: str | None = None) -> WeightsLayout:
    """Check a weights file's layout without loading it.

    * ``torch.save``'s zip (the file starts with a local header): every record must be
      STORED (uncompressed, as ``torch.save`` writes it), lie within the file, not overlap
      another, and appear once; at most :data:`MAX_PACK_FILES` records.
    * safetensors (``name`` ends in ``.safetensors``): the 8-byte header length at most
      :data:`MAX_SAFETENSORS_HEADER_BYTES`, its JSON header valid, every tensor of a known
      dtype whose ``dtype`` x ``shape`` equals its byte span, spans within the file and
      not overlapping.
    * anything else is torch's legacy format, whose data the file size bounds.

    Parameters
    ----------
    path
        The weights file (a link is not followed).
    name
        How messages name it (``path``'s name by default), e.g. ``"models/model.pt"``.

    Returns
    -------
    WeightsLayout

    Raises
    ------
    PackRefusedError
        Naming the file and the record or tensor at fault.
    """
    path = Path(path)
    name = name or path.name
    with open_regular_file(path, name) as raw:
        size = os.fstat(raw.fileno()).st_size
        stream = io.BufferedReader(raw)
        start = stream.peek(9)[:9]
        if name.endswith(".safetensors") or path.name.endswith(".safetensors") or start[8:9] == b"{":
            return _safetensors_layout(stream, size, name)
        if start[:4] == _LOCAL_SIGNATURE:
            return _torch_zip_layout(stream, name)
        return WeightsLayout("torch legacy", tensor_bytes=size, loaded_bytes=size)


def weights_record_bytes(path: Path) -> int:
    """The bytes of tensor data a weights file would load, from its directory or header, without loading it.

    Parameters
    ----------
    path
        A ``torch.save`` file (zip or legacy) or a safetensors file (named ``*.safetensors``).

    Returns
    -------
    int
        The sum of the tensor records' sizes (for torch's legacy format, the file size,
        an upper bound).

    Raises
    ------
    PackRefusedError
        The layout is refused (see :func:`weights_layout`).
    """
    return weights_layout(path).tensor_bytes


def check_weights_file(path: Path, name: str) -> WeightsLayout:
    """Refuse a weights file whose layout is hostile or whose loading would not fit in memory.

    Called before ``torch.load`` or ``safetensors.torch.load_file`` reads it.

    Parameters
    ----------
    path
        The weights file.
    name
        How messages name it, e.g. ``"models/model.pt"``.

    Returns
    -------
    WeightsLayout

    Raises
    ------
    PackRefusedError
        See :func:`weights_layout`; or what loading reads exceeds
        :func:`viewer.core.memory.memory_budget`'s ``allowed``.
    """
    from viewer.core.memory import memory_budget

    layout = weights_layout(path, name)
    budget = memory_budget()
    if layout.loaded_bytes > budget.allowed:
        raise PackRefusedError(f"{name}: loading it needs {format_size(layout.loaded_bytes)} of memory but "
                               f"only {budget.describe()}")
    return layout


def _torch_zip_layout(stream: BinaryIO, name: str) -> WeightsLayout:
    directory = read_zip_directory(stream, name)
    try:
        with zipfile.ZipFile(stream) as zf:
            infos = zf.infolist()
    except ZIP_ERRORS as e:
        raise PackRefusedError(f"{name}: damaged weights zip ({str(e)[:200]})") from e
    spans = []
    names = set()
    for info in infos:
        record = f"{name}: the record {shown_name(info.filename)}"
        if info.filename in names:
            raise PackRefusedError(f"{record} appears twice")
        names.add(info.filename)
        if info.flag_bits & 0x1:
            raise PackRefusedError(f"{record} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED:
            method = _COMPRESSION_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise PackRefusedError(f"{record} is compressed ({method}); torch.save stores records "
                                   "uncompressed, and a compressed one can inflate far beyond the file")
        if info.compress_size != info.file_size:
            raise PackRefusedError(f"{record} is stored but declares {info.file_size} bytes "
                                   f"unpacked and {info.compress_size} in the file")
        stream.seek(info.header_offset)
        header = stream.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            raise PackRefusedError(f"{record} has no local header where the directory says")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        end = start + info.file_size
        if end > directory.offset:
            raise PackRefusedError(f"{record} declares {info.file_size} bytes, more than the file holds")
        spans.append((info.header_offset, end, info.filename))
    spans.sort()
    for (_, previous_end, previous), (start, _, current) in zip(spans, spans[1:], strict=False):
        if start < previous_end:
            raise PackRefusedError(f"{name}: the records {shown_name(previous)} and {shown_name(current)} "
                                   "overlap")
    tensor_bytes = sum(i.file_size for i in infos if _TORCH_DATA_RECORD.fullmatch(i.filename))
    return WeightsLayout("torch zip", tensor_bytes=tensor_bytes, loaded_bytes=sum(i.file_size for i in infos))


def _safetensors_layout(stream: BinaryIO, size: int, name: str) -> WeightsLayout:
    start = stream.read(8)
    if len(start) != 8:
        raise PackRefusedError(f"{name}: not a safetensors file (shorter than its header length)")
    header_length = int.from_bytes(start, "little")
    if header_length > MAX_SAFETENSORS_HEADER_BYTES:
        raise PackRefusedError(f"{name}: its safetensors header declares {header_length} bytes; at most "
                               f"{format_size(MAX_SAFETENSORS_HEADER_BYTES)} is read")
    if 8 + header_length > size:
        raise PackRefusedError(f"{name}: its safetensors header declares {header_length} bytes, "
                               "more than the file holds")
    try:
        text = stream.read(header_length).decode("utf-8")
    except UnicodeDecodeError as e:
        raise PackRefusedError(f"{name}: its safetensors header is not UTF-8 ({e})") from e
    header = parse_json(text, f"{name} (safetensors header)")
    if not isinstance(header, dict):
        raise PackRefusedError(f"{name}: its safetensors header is not a JSON object")
    data_size = size - 8 - header_length
    spans = []
    for key, value in header.items():
        tensor = f"{name}: the tensor {shown_name(key)}"
        if key == "__metadata__":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise PackRefusedError(f"{name}: its safetensors __metadata__ is not a map of strings")
            continue
        if not isinstance(value, dict):
            raise PackRefusedError(f"{tensor} is not described by an object")
        dtype = value.get("dtype")
        bits = SAFETENSORS_DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
        if bits is None:
            raise PackRefusedError(f"{tensor} has an unknown dtype {shown_name(str(value.get('dtype')))}")
        shape = value.get("shape")
        offsets = value.get("data_offsets")
        if not (isinstance(shape, list) and all(_natural(n) for n in shape)):
            raise PackRefusedError(f"{tensor} has no valid shape")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_natural(n) for n in offsets)):
            raise PackRefusedError(f"{tensor} has no valid data_offsets")
        begin, end = offsets
        if not begin <= end <= data_size:
            raise PackRefusedError(f"{tensor} lies outside the file (bytes {begin} to {end} of {data_size})")
        elements = 1
        for extent in shape:
            elements *= extent
        if elements * bits != (end - begin) * 8:
            raise PackRefusedError(f"{tensor} is {value['dtype']} {shape}, {elements * bits / 8:.0f} bytes, "
                                   f"but spans {end - begin} bytes")
        spans.append((begin, end, key))
    spans.sort()
    for (_, previous_end, previous), (begin, _, current) in zip(spans, spans[1:], strict=False):
        if begin < previous_end:
            raise PackRefusedError(f"{name}: the tensors {shown_name(previous)} and {shown_name(current)} overlap")
    tensor_bytes = sum(end - begin for begin, end, _ in spans)
    return WeightsLayout("safetensors", tensor_bytes=tensor_bytes, loaded_bytes=tensor_bytes + header_length)


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0

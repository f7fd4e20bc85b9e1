"""The segment editor's crash journal: every undo step on disk as it is made.

A journal is an append-only file under ``user_data_dir()/edits``. It starts with a
header (what was edited: the source's UIDs and pack checksum, the checksum of the
source label map, the segment table) and then holds one record per undo step, undo,
redo and save. Each record is length-prefixed and carries a CRC32, and the file is
flushed and fsynced after each record, so a kill loses at most the step being made:
a torn last record fails its CRC (or its length) and is ignored on reading.

The journal names the source by UIDs and checksums only: no patient names or IDs.

Record layout (little-endian)::

    file    := MAGIC record*
    record  := u32 length, u32 crc32(payload), payload[length]
    payload := u32 json_length, json (UTF-8), array bytes...

The JSON lists the arrays that follow it (name, dtype, shape), in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from viewer.core.errors import OutpostError
from viewer.core.files import user_data_dir

MAGIC = b"OUTPOST-EDITS-1\n"
_RECORD = struct.Struct("<II")
_JSON = struct.Struct("<I")
#: A record longer than this is taken as a torn or damaged length (a whole 512x512x1000 map is 262 MB).
MAX_RECORD_BYTES = 2**33


@dataclass(frozen=True)
class SegmentationSource:
    """What an edited segmentation came from.

    Attributes
    ----------
    kind
        ``"ai-result"``, ``"seg"``, ``"rtstruct"`` or ``"empty"``.
    description
        For the reader: the pack and version, or the SEG's SeriesDescription.
    pack_name, pack_version, pack_checksum
        The model pack of an AI result.
    sop_instance_uid, series_instance_uid
        The DICOM SEG (or RTSTRUCT) it came from, when there is one.
    source_series_uid
        The image series it segments.
    """

    kind: str
    description: str
    pack_name: str = ""
    pack_version: str = ""
    pack_checksum: str = ""
    sop_instance_uid: str = ""
    series_instance_uid: str = ""
    source_series_uid: str = ""


def _digest(text: str, size: int = 24) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def journals_dir() -> Path:
    """The folder of all edit journals: ``user_data_dir()/edits``."""
    return user_data_dir() / "edits"


def journal_path(source_series_uid: str, source_key: str) -> Path:
    """Where the journal of edits to ``source_key`` on series ``source_series_uid`` lives.

    The series is named by a hash of its UID (one folder per series, so
    :func:`pending_journals` lists one folder); ``source_key`` must be a file-name-safe
    string such as :func:`source_key` returns.
    """
    if not source_key or any(c in source_key for c in "/\\:") or source_key.startswith("."):
        raise OutpostError(f"not a journal key: {source_key!r}")
    return journals_dir() / _digest(source_series_uid or "-") / f"{source_key}.journal"


def source_key(source: SegmentationSource, base_checksum: str) -> str:
    """A file-name-safe key for one source: its kind, UIDs, pack checksum and the source label map's checksum."""
    return _digest("|".join([source.kind, source.sop_instance_uid, source.series_instance_uid,
                             source.pack_checksum, base_checksum]))


def labels_checksum(labels: np.ndarray) -> str:
    """A checksum of a label map's voxels, shape and dtype (BLAKE2b, hex)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{labels.dtype.str}{labels.shape}".encode())
    contiguous = np.ascontiguousarray(labels)
    digest.update(contiguous.reshape(-1).data.cast("B"))
    return digest.hexdigest()


# --------------------------------------------------------------------------- records
def _encode(record: dict[str, Any], arrays: dict[str, np.ndarray] | None) -> bytes:
    arrays = arrays or {}
    meta = dict(record)
    meta["arrays"] = [[name, a.dtype.str, list(a.shape)] for name, a in arrays.items()]
    text = json.dumps(meta, separators=(",", ":")).encode("utf-8")
    blobs = [np.ascontiguousarray(a).tobytes() for a in arrays.values()]
    payload = b"".join([_JSON.pack(len(text)), text, *blobs])
    return _RECORD.pack(len(payload), zlib.crc32(payload)) + payload


def _decode(payload: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    (size,) = _JSON.unpack_from(payload, 0)
    meta = json.loads(payload[_JSON.size:_JSON.size + size].decode("utf-8"))
    offset = _JSON.size + size
    arrays = {}
    for name, dtype, shape in meta.pop("arrays", []):
        dtype = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(payload, dtype=dtype, count=count, offset=offset).reshape(shape)
        offset += count * dtype.itemsize
    return meta, arrays


@dataclass
class JournalContents:
    """A journal read back: its header and its whole records, in order.

    Attributes
    ----------
    header
        The first record (``op == "header"``).
    records
        ``(record, arrays)`` per later record.
    valid_bytes
        The length of the file up to the end of the last whole record.
    torn
        Whether bytes after it were ignored (a record cut by a kill, or damage).
    """

    header: dict[str, Any]
    records: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = field(default_factory=list)
    valid_bytes: int = 0
    torn: bool = False


def read_journal(path: str | os.PathLike[str]) -> JournalContents:
    """Read a journal, stopping at the first torn or damaged record.

    Raises
    ------
    OutpostError
        When the file is not a journal or its header is damaged.
    """
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC):
        raise OutpostError(f"{Path(path).name} is not an Outpost edit journal")
    offset, found = len(MAGIC), []
    torn = False
    while offset < len(data):
        if offset + _RECORD.size > len(data):
            torn = True
            break
        length, crc = _RECORD.unpack_from(data, offset)
        start, end = offset + _RECORD.size, offset + _RECORD.size + length
        if length > MAX_RECORD_BYTES or end > len(data) or zlib.crc32(data[start:end]) != crc:
            torn = True
            break
        try:
            found.append(_decode(data[start:end]))
        except (ValueError, UnicodeDecodeError, struct.error):
            torn = True
            break
        offset = end
    if not found or found[0][0].get("op") != "header":
        raise OutpostError(f"{Path(path).name}: the journal's header is missing or damaged")
    return JournalContents(header=found[0][0], records=found[1:], valid_bytes=offset, torn=torn)


class EditJournal:
    """An append-only journal file; each record is flushed and fsynced before :meth:`write` returns.

    Parameters
    ----------
    path
        The file (see :func:`journal_path`). Nothing touches the disk until
        :meth:`start` or :meth:`resume`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._file: BinaryIO | None = None

    @property
    def is_open(self) -> bool:
        """Whether records can be written."""
        return self._file is not None

    def start(self, header: dict[str, Any]) -> None:
        """Create (or truncate) the file and write the header record."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "wb")  # noqa: SIM115 - kept open for appending
        self._file.write(MAGIC)
        self.write({**header, "op": "header", "created": time.time()})
        _fsync_dir(self.path.parent)

    def resume(self) -> JournalContents:
        """Open an existing journal for appending, cutting off a torn tail first; return its contents."""
        self.close()
        contents = read_journal(self.path)
        self._file = open(self.path, "r+b")  # noqa: SIM115 - kept open for appending
        self._file.truncate(contents.valid_bytes)
        self._file.seek(contents.valid_bytes)
        os.fsync(self._file.fileno())
        return contents

    def write(self, record: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
        """Append one record and make it durable (flush and fsync)."""
        if self._file is None:
            raise OutpostError("the edit journal is not open")
        self._file.write(_encode(record, arrays))
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (it stays on disk)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def finish(self) -> None:
        """Close and delete the journal: its edits are saved or were discarded."""
        self.close()
        self.path.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """Make a new file's directory entry durable (where the platform allows it)."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


# --------------------------------------------------------------------------- pending journals
@dataclass(frozen=True)
class JournalSummary:
    """A journal that can be offered back when its series is reopened.

    Attributes
    ----------
    path
        The journal file.
    source
        What was being edited.
    base_checksum
        The checksum of the source label map the edits apply to.
    steps
        The edit steps recorded (undo and redo not counted).
    unsaved
        Records after the last save (a journal with none is not pending).
    created, modified
        POSIX times of the first record and of the file's last change.
    """

    path: Path
    source: SegmentationSource
    base_checksum: str
    steps: int
    unsaved: int
    created: float
    modified: float


def summarize(path: str | os.PathLike[str]) -> JournalSummary:
    """The :class:`JournalSummary` of one journal file."""
    contents = read_journal(path)
    header = contents.header
    ops = [record.get("op") for record, _ in contents.records]
    last_save = max((i for i, op in enumerate(ops) if op == "saved"), default=-1)
    unsaved = sum(1 for op in ops[last_save + 1:] if op in ("step", "undo", "redo"))
    return JournalSummary(path=Path(path), source=SegmentationSource(**header["source"]),
                          base_checksum=header["base_checksum"], steps=ops.count("step"), unsaved=unsaved,
                          created=float(header.get("created", 0.0)), modified=Path(path).stat().st_mtime)


def pending_journals(source_series_uid: str) -> list[JournalSummary]:
    """The journals of series ``source_series_uid`` that hold unsaved edits, newest first.

    Unreadable files are skipped (they cannot be replayed).
    """
    folder = journal_path(source_series_uid, "x").parent
    found = []
    for path in sorted(folder.glob("*.journal")) if folder.is_dir() else []:
        try:
            summary = summarize(path)
        except (OutpostError, OSError, KeyError, TypeError, ValueError):
            continue
        if summary.unsaved and summary.source.source_series_uid == source_series_uid:
            found.append(summary)
    return sorted(found, key=lambda s: s.modified, reverse=True)


def source_to_json(source: SegmentationSource) -> dict[str, str]:
    """The source as the journal header stores it."""
    return asdict(source)

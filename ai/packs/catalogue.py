"""The catalogue: every model pack the reader could use, grouped by modality and body part.

Three sources make it up:

* the packs bundled with Outpost and the user's installed packs, as
  :meth:`ai.packs.store.PackStore.entries` lists them (their checksums verified, their
  status known);
* packs *available as a file*: the ``.zip`` packs and pack folders in the offered-packs
  folders (:func:`offered_packs_dirs`: the ``extra-packs`` folder beside the installed
  program, where a clinic copies what ``installer/build.sh --extra-packs`` wrote, and a
  folder the user chose). These are read without installing them and without running
  anything: the archive's entries are checked as installing checks them (zip-slip,
  links, special files, sizes, names; :mod:`ai.packs.files`), then only
  ``configs/metadata.json``, ``configs/inference.json`` and ``LICENSE`` are read, each
  bounded. A broken or hostile one is listed as refused, with one line saying why.

Each :class:`CatalogueItem` says what a reader asks before choosing: name, version, task,
modalities, body parts, licence (short name and full text), size on disk, where it is
(``bundled``, ``installed`` or ``file``), its status (``ready``, ``needs trust`` or
``refused``) and, for the series on screen, whether it suits it
(:func:`ai.suitability.unsuitable_reason`) and how its input compares with the training data
(:func:`ai.suitability.input_verdict`). :func:`group_catalogue` groups the items by modality,
then body part (``any`` for a pack that names none), the packs suited to the series first.

Nothing here imports torch or Qt: the viewer builds the catalogue in its own process.
"""

from __future__ import annotations

import os
import re
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ai.errors import PackRefusedError, first_line
from ai.packs import files
from ai.packs.pack import EXECUTABLE_NOTICE, MODEL_FILES, Pack, check_training_inputs
from ai.packs.store import PackEntry, PackStore
from ai.suitability import InputVerdict, distribution_warnings, input_verdict, unsuitable_reason
from viewer.core.files import format_size
from viewer.core.volume import Volume

#: Where a pack is.
BUNDLED, INSTALLED, FILE = "bundled", "installed", "file"
#: What a pack's status is.
READY, NEEDS_TRUST, REFUSED = "ready", "needs trust", "refused"
#: The body-part group of a pack that names none (and the modality group of one that names no modality).
ANY = "any"
ANY_MODALITY = "any modality"
#: The folder beside the installed program where the packs that may not be bundled are offered.
OFFERED_FOLDER = "extra-packs"
#: Overrides the offered-packs folders beside the program (``os.pathsep``-separated).
OFFERED_ENV = "OUTPOST_OFFERED_PACKS"
#: The largest licence text read from a pack (the GPL is 35 KiB).
MAX_LICENCE_BYTES = 256 * 2**10
#: At most this many packs are read from one offered-packs folder.
MAX_OFFERED = 200
#: The longest short licence name shown in a column.
SHORT_LICENCE_CHARACTERS = 40
LICENCE_FILE = "LICENSE"
_METADATA = "configs/metadata.json"
_INFERENCE = "configs/inference.json"


# --------------------------------------------------------------------------- the items
@dataclass(frozen=True)
class _MetadataPack:
    """What :mod:`ai.suitability` reads of a pack, for a pack known by its metadata alone."""

    name: str
    metadata: dict[str, Any]
    dimensions: int

    @property
    def outpost(self) -> dict[str, Any]:
        block = self.metadata.get("outpost")
        return block if isinstance(block, dict) else {}


@dataclass
class CatalogueItem:
    """One pack of the catalogue.

    Attributes
    ----------
    name, version, description, task
        From the pack's metadata (the file or folder name when it cannot be read).
    modalities, body_parts
        The ``outpost`` block's, upper case (empty: any).
    licence
        The licence's short name (``"MIT License"``, ``"GPL-3.0"``; ``"not stated"``).
    licence_text
        The full licence text, as the pack carries it (its ``LICENSE``, or the importer's record).
    size_bytes
        The pack's size on disk (for a ``.zip``, the archive's), or ``None`` when unknown.
    location
        :data:`BUNDLED`, :data:`INSTALLED` or :data:`FILE`.
    status
        :data:`READY`, :data:`NEEDS_TRUST` or :data:`REFUSED`.
    reason
        Why it is refused or needs trust; for a ready pack, notes (no checksums, TorchScript).
    path
        The pack folder or ``.zip``.
    metadata
        ``configs/metadata.json`` (empty when it could not be read).
    dimensions
        2 or 3: the spatial dimensions its network takes.
    entry
        The store's :class:`~ai.packs.store.PackEntry` (``None`` for a file).
    unpacked_bytes
        For a ``.zip``: what it unpacks to.
    """

    name: str
    version: str = ""
    description: str = ""
    task: str = ""
    modalities: tuple[str, ...] = ()
    body_parts: tuple[str, ...] = ()
    licence: str = "not stated"
    licence_text: str = ""
    size_bytes: int | None = None
    location: str = FILE
    status: str = REFUSED
    reason: str = ""
    path: Path = field(default_factory=Path)
    metadata: dict[str, Any] = field(default_factory=dict)
    dimensions: int = 3
    entry: PackEntry | None = None
    unpacked_bytes: int | None = None

    @property
    def pack(self) -> Pack | None:
        """The :class:`~ai.packs.pack.Pack` read from a store (``None`` for a file or an unreadable pack)."""
        return self.entry.pack if self.entry is not None else None

    @property
    def runnable(self) -> bool:
        """Whether it can run now: in a store and ready."""
        return self.location != FILE and self.status == READY and self.pack is not None

    @property
    def modality_group(self) -> str:
        """The title of its modality group (``"CR, DX, OT"``; :data:`ANY_MODALITY`)."""
        return ", ".join(self.modalities) or ANY_MODALITY

    @property
    def body_part_group(self) -> str:
        """The title of its body-part group (``"CHEST"``; :data:`ANY`)."""
        return ", ".join(self.body_parts) or ANY

    @property
    def size_text(self) -> str:
        """The size as a reader says it (``"4.7 MiB"``; ``"?"`` when unknown)."""
        return format_size(self.size_bytes) if self.size_bytes is not None else "?"

    def _subject(self) -> Pack | _MetadataPack:
        """What :mod:`ai.suitability` reads: the store's pack, or the metadata of a file."""
        return self.pack if self.pack is not None else _MetadataPack(self.name, self.metadata, self.dimensions)

    def unsuitable_reason(self, volume: Volume) -> str:
        """Why it cannot run on ``volume`` (``""`` when it suits it); see :func:`ai.suitability.unsuitable_reason`.

        A refused pack whose metadata could not be read suits nothing.
        """
        if not self.metadata:
            return f"{self.name} could not be read"
        return unsuitable_reason(volume, self._subject())

    def suits(self, volume: Volume | None) -> bool:
        """Whether it suits ``volume`` and is not refused (``False`` without a volume)."""
        return volume is not None and self.status != REFUSED and not self.unsuitable_reason(volume)

    def distribution_warnings(self, volume: Volume) -> list[str]:
        """Every way ``volume`` lies outside what it was made for (see :mod:`ai.suitability`)."""
        return distribution_warnings(volume, self._subject())

    def verdict(self, volume: Volume, warnings: list[str] | None = None) -> InputVerdict:
        """How ``volume`` compares with its training inputs (:func:`ai.suitability.input_verdict`)."""
        return input_verdict(volume, self._subject(), warnings)

    def to_json(self, volume: Volume | None = None) -> dict[str, Any]:
        """The item as plain data (``outpost models list --json``, tests); with ``volume``, its suitability."""
        data: dict[str, Any] = {
            "name": self.name, "version": self.version, "description": self.description, "task": self.task,
            "modalities": list(self.modalities), "body_parts": list(self.body_parts),
            "licence": self.licence, "size_bytes": self.size_bytes, "location": self.location,
            "status": self.status, "reason": self.reason, "path": str(self.path)}
        if volume is not None:
            data["unsuitable_reason"] = self.unsuitable_reason(volume)
        return data


def short_licence(text: Any) -> str:
    """A licence's short name from the metadata's ``license``.

    ``"MIT License (full text in LICENSE)"`` gives ``"MIT License"``, ``"GPL-3.0; JSRT images under ..."``
    gives ``"GPL-3.0"``.

    Parameters
    ----------
    text
        The metadata's ``license`` (or ``licence``) value.

    Returns
    -------
    str
        At most :data:`SHORT_LICENCE_CHARACTERS` characters; ``"not stated"`` when empty.
    """
    if isinstance(text, list | tuple):
        text = ", ".join(str(t) for t in text)
    value = re.split(r"\s*[;(\n]", str(text or "").strip(), maxsplit=1)[0].strip().rstrip(",.")
    if not value:
        return "not stated"
    if len(value) > SHORT_LICENCE_CHARACTERS:
        value = value[:SHORT_LICENCE_CHARACTERS - 1].rstrip() + "…"
    return value if value.isprintable() else repr(value)


def _upper(block: dict[str, Any], key: str) -> tuple[str, ...]:
    values = block.get(key) or []
    values = values if isinstance(values, list) else [values]
    return tuple(str(v).upper() for v in values if str(v).strip())


def _object(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _dimensions(metadata: dict[str, Any], inference: Any) -> int:
    block = _object(metadata.get("outpost"))
    if block.get("dimensions") in (2, 3):
        return int(block["dimensions"])
    network = inference.get("network_def") if isinstance(inference, dict) else None
    spatial = network.get("spatial_dims") if isinstance(network, dict) else None
    return int(spatial) if spatial in (2, 3) else 3


def _task(metadata: dict[str, Any]) -> str:
    block = _object(metadata.get("outpost"))
    if block.get("task") in ("segmentation", "classification"):
        return str(block["task"])
    text = f"{metadata.get('task', '')} {metadata.get('description', '')}".lower()
    return "classification" if "classif" in text else "segmentation"


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _described(item: CatalogueItem, metadata: dict[str, Any], inference: Any, licence_file: str) -> CatalogueItem:
    """Fill ``item``'s descriptive fields from a pack's metadata, its inference config and its ``LICENSE``."""
    block = _object(metadata.get("outpost"))
    source = _object(block.get("source"))
    stated = metadata.get("license") or metadata.get("licence") or ""
    item.name = str(metadata.get("name") or item.name)
    item.version = str(metadata.get("version") or "")
    item.description = str(metadata.get("description") or "")
    item.task = _task(metadata)
    item.modalities, item.body_parts = _upper(block, "modalities"), _upper(block, "body_parts")
    item.licence = short_licence(stated)
    item.licence_text = licence_file or str(source.get("licence_text") or "") or str(stated)
    item.metadata = metadata
    item.dimensions = _dimensions(metadata, inference)
    return item


# --------------------------------------------------------------------------- store entries
def item_from_entry(entry: PackEntry) -> CatalogueItem:
    """A store's pack as a catalogue item; never raises.

    ``ok`` and ``unverified`` packs are :data:`READY`; a TorchScript pack that was not trusted when
    installed :data:`NEEDS_TRUST`; ``refused`` and ``unavailable`` ones :data:`REFUSED`, the reason
    starting with that word.
    """
    location = {"bundled": BUNDLED, "user": INSTALLED}.get(entry.location, entry.location)
    item = CatalogueItem(name=entry.name, location=location, path=entry.path, entry=entry)
    pack = entry.pack
    if entry.status in ("ok", "unverified"):
        item.status, item.reason = READY, entry.reason
    elif pack is not None and pack.executable and not pack.trusted and EXECUTABLE_NOTICE in entry.reason:
        item.status, item.reason = NEEDS_TRUST, f"needs trust: {entry.reason}; install it again to trust it"
    else:
        item.status, item.reason = REFUSED, f"{entry.status}: {entry.reason}"
    if entry.path.is_symlink():
        return item
    try:
        item.size_bytes = sum(f.size for f in files.walk_pack(entry.path).files)
    except PackRefusedError:
        item.size_bytes = None
    if pack is None:
        return item
    licence = ""
    if (entry.path / LICENCE_FILE).is_file():
        try:
            licence = _decode(files.read_pack_bytes(entry.path, LICENCE_FILE, MAX_LICENCE_BYTES))
        except PackRefusedError:
            licence = ""
    _described(item, pack.metadata, {}, licence)
    item.dimensions = pack.dimensions
    item.name = entry.name
    return item


# --------------------------------------------------------------------------- offered files
def offered_packs_dirs(chosen: str | os.PathLike[str] | None = None) -> list[Path]:
    """The folders whose packs are offered as files: beside the program, and the one the user chose.

    Beside the program is the ``extra-packs`` folder (:data:`OFFERED_FOLDER`) at the top of the
    unpacked artefact or inside its ``app`` folder (for a source checkout, at the repository's
    top); :data:`OFFERED_ENV` replaces these. Folders that do not exist are left out.

    Parameters
    ----------
    chosen
        The folder the user chose (kept in the viewer's settings), if any.

    Returns
    -------
    list of Path
        Existing folders, each once.
    """
    if os.environ.get(OFFERED_ENV):
        candidates = [Path(p) for p in os.environ[OFFERED_ENV].split(os.pathsep) if p]
    elif getattr(sys, "frozen", False):
        program = Path(sys.executable).resolve().parent
        candidates = [program.parent / OFFERED_FOLDER, program / OFFERED_FOLDER]
    else:
        candidates = [Path(__file__).resolve().parents[2] / OFFERED_FOLDER]
    if chosen:
        candidates.append(Path(chosen))
    found: list[Path] = []
    for folder in candidates:
        try:
            if folder.is_dir() and folder.resolve() not in [f.resolve() for f in found]:
                found.append(folder)
        except OSError:
            continue
    return found


def read_offered(folders: Iterable[str | os.PathLike[str]]) -> list[CatalogueItem]:
    """Every ``.zip`` pack and pack folder directly inside ``folders``, read without installing; never raises.

    Hidden names and other files are skipped; a link to a folder is listed as refused, as the stores
    list one; at most :data:`MAX_OFFERED` per folder.
    """
    items: list[CatalogueItem] = []
    for folder in folders:
        try:
            children = sorted(p for p in Path(folder).iterdir() if not p.name.startswith("."))
        except OSError:
            continue
        readable = [p for p in children if p.suffix.lower() == ".zip" or p.is_dir()]
        for path in readable[:MAX_OFFERED]:
            if path.is_dir() and path.is_symlink():
                items.append(CatalogueItem(name=files.shown_name(path.name), path=path, status=REFUSED,
                                           reason="refused: is a symbolic link: a pack is a folder of its own"))
            else:
                items.append(read_offered_pack(path))
    return items


def read_offered_pack(path: str | os.PathLike[str]) -> CatalogueItem:
    """One ``.zip`` pack or pack folder, read as the catalogue shows it, without installing or running it.

    The archive's every entry is checked first as installing checks it; then only the metadata,
    the inference config and ``LICENSE`` are read, each within :data:`ai.packs.files.MAX_JSON_BYTES`
    (:data:`MAX_LICENCE_BYTES` for the licence). Checksums are verified when it is installed.

    Returns
    -------
    CatalogueItem
        :data:`READY` (can be installed as it is), :data:`NEEDS_TRUST` (no ``checksums.sha256``, or
        TorchScript: installing asks for the user's trust) or :data:`REFUSED` with the reason.
    """
    path = Path(path)
    item = CatalogueItem(name=files.shown_name(path.stem if path.suffix.lower() == ".zip" else path.name),
                         location=FILE, path=path)
    try:
        if path.is_file():
            item.size_bytes = path.stat().st_size  # known even when the archive is refused
        if path.is_dir():
            documents, present, item.size_bytes = _read_folder(path)
        else:
            documents, present, item.size_bytes, item.unpacked_bytes = _read_zip(path)
        return _judged(item, documents, present)
    except PackRefusedError as e:
        item.status, item.reason = REFUSED, f"refused: {first_line(e)}"
    except (RecursionError, MemoryError) as e:
        item.status, item.reason = REFUSED, f"refused: too deep or too large to read ({type(e).__name__})"
    except Exception as e:  # noqa: BLE001 - one bad file never breaks the catalogue: it is refused, with the cause
        item.status = REFUSED
        item.reason = f"refused: could not be read: {type(e).__name__}: {first_line(e)[:200]}"
    return item


def _judged(item: CatalogueItem, documents: dict[str, bytes | None], present: set[str]) -> CatalogueItem:
    """Describe and judge an offered pack from its documents' bytes and the paths it holds."""
    metadata = files.parse_json(_decode(documents[_METADATA] or b""), _METADATA)
    if not isinstance(metadata, dict):
        raise PackRefusedError(f"{_METADATA} is not a JSON object")
    block = metadata.get("outpost")
    if isinstance(block, dict) and "training_inputs" in block:
        check_training_inputs(block["training_inputs"])
    inference_bytes = documents[_INFERENCE]
    if inference_bytes is None:
        raise PackRefusedError(f"{_INFERENCE} is missing")
    inference = files.parse_json(_decode(inference_bytes), _INFERENCE)
    licence_bytes = documents[LICENCE_FILE]
    licence = _decode(licence_bytes) if licence_bytes is not None else ""
    _described(item, metadata, inference, licence)
    models = [m for m in MODEL_FILES if m in present]
    if not models:
        raise PackRefusedError("models/ holds no model.ts, model.pt or model.safetensors")
    notes = []
    if models[0].endswith(".ts"):
        notes.append(EXECUTABLE_NOTICE)
    if files.CHECKSUMS not in present:
        notes.append("no checksums.sha256: its provenance cannot be verified")
    item.status = NEEDS_TRUST if notes else READY
    item.reason = "; ".join(notes)
    return item


def _read_folder(folder: Path) -> tuple[dict[str, bytes | None], set[str], int]:
    """The documents of a pack folder, its files' paths and its size (the walk refuses links and specials)."""
    tree = files.walk_pack(folder)
    documents: dict[str, bytes | None] = {}
    for relative, limit in ((_METADATA, files.MAX_JSON_BYTES), (_INFERENCE, files.MAX_JSON_BYTES),
                            (LICENCE_FILE, MAX_LICENCE_BYTES)):
        if relative not in tree.by_path:
            documents[relative] = None
            if relative == _METADATA:
                raise PackRefusedError(f"{_METADATA} is missing")
            continue
        documents[relative] = files.read_pack_bytes(folder, relative, limit)
    return documents, set(tree.by_path), sum(f.size for f in tree.files)


def _read_zip(archive: Path) -> tuple[dict[str, bytes | None], set[str], int, int]:
    """The documents of a pack .zip, its files' paths (below the pack's top), its size and what it unpacks to.

    Every entry is checked as :func:`ai.packs.files.extract_pack_zip` checks it before anything is read.
    """
    subject = files.shown_name(str(archive))
    # The archive checks of ai.packs.files, shared with installation (nothing is written here).
    with files._open_archive(archive) as stream:  # a regular file, never blocking
        files.read_zip_directory(stream, subject)
        size = os.fstat(stream.fileno()).st_size
        try:
            with zipfile.ZipFile(stream) as zf:
                planned = files._plan_zip_entries(zf.infolist())
                entries = {"/".join(e.parts): e.info for e in planned if not e.folder}
                top = _zip_top(entries)
                present = {name[len(top):] for name in entries if name.startswith(top)}
                documents: dict[str, bytes | None] = {}
                for relative, limit in ((_METADATA, files.MAX_JSON_BYTES), (_INFERENCE, files.MAX_JSON_BYTES),
                                        (LICENCE_FILE, MAX_LICENCE_BYTES)):
                    info = entries.get(top + relative)
                    documents[relative] = _read_entry(zf, info, relative, limit) if info is not None else None
        except files.ZIP_ERRORS as e:
            raise PackRefusedError(f"{subject} is not a readable .zip ({str(e)[:200]})") from e
    if documents[_METADATA] is None:
        raise PackRefusedError(f"{_METADATA} is missing")
    return documents, present, size, sum(info.file_size for info in entries.values())


def _zip_top(entries: dict[str, zipfile.ZipInfo]) -> str:
    """``""`` when the pack lies at the archive's top, else its single top folder with a slash."""
    if _METADATA in entries:
        return ""
    tops = {name.split("/", 1)[0] for name in entries}
    if len(tops) == 1:
        return f"{tops.pop()}/"
    return ""


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, relative: str, limit: int) -> bytes:
    """One archive entry's bytes, at most ``limit``, and no more than it declares."""
    if info.file_size > limit:
        shown, allowed = files.sizes_apart(info.file_size, limit)
        raise PackRefusedError(f"{relative} is {shown}; at most {allowed} is read")
    with zf.open(info) as stream:
        data = stream.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise PackRefusedError(f"{relative} unpacks to more than the {info.file_size} bytes it declares")
    return data


# --------------------------------------------------------------------------- the catalogue
def build_catalogue(store: PackStore | None = None, offered: Iterable[str | os.PathLike[str]] = (),
                    entries: list[PackEntry] | None = None,
                    offered_items: list[CatalogueItem] | None = None) -> list[CatalogueItem]:
    """Every pack the reader could use: the stores' and the offered files'.

    Parameters
    ----------
    store
        The stores (the user's and the bundled one by default); not read when ``entries`` is given.
    offered
        Folders of offered packs (:func:`offered_packs_dirs`); not read when ``offered_items`` is given.
    entries
        The stores' entries, already listed (and checked).
    offered_items
        The offered packs, already read (:func:`read_offered`).

    Returns
    -------
    list of CatalogueItem
        The stores' packs, then the files; a file whose name is a bundled pack's is refused (a pack
        may not replace one), and one already installed says so.
    """
    if entries is None:
        entries = (store or PackStore()).entries(check_network=False)
    items = [item_from_entry(entry) for entry in entries]
    extra = [replace(item) for item in (read_offered(offered) if offered_items is None else offered_items)]
    installed = {i.name: i for i in items}
    for item in extra:
        same = installed.get(item.name)
        if same is not None and item.status != REFUSED:
            if same.location == BUNDLED:
                item.status, item.reason = REFUSED, (f"refused: {files.shown_name(item.name)} is the name of a "
                                                     "pack bundled with Outpost, which a pack may not replace")
            else:
                note = f"installed already (version {same.version or '?'}); installing replaces it"
                item.reason = f"{item.reason}; {note}" if item.reason else note
    return items + extra


@dataclass
class BodyPartGroup:
    """The packs of one body part within a modality group, suited ones first."""

    title: str
    items: list[CatalogueItem]
    suited: int = 0


@dataclass
class ModalityGroup:
    """The packs of one modality (or set of modalities), by body part."""

    title: str
    parts: list[BodyPartGroup]
    suited: int = 0

    @property
    def items(self) -> list[CatalogueItem]:
        """Its packs in the order shown."""
        return [item for part in self.parts for item in part.items]


def group_catalogue(items: Iterable[CatalogueItem], volume: Volume | None = None) -> list[ModalityGroup]:
    """Group ``items`` by modality, then body part, the packs suited to ``volume`` first.

    Within a body part, packs that suit ``volume`` (:meth:`CatalogueItem.suits`) come first, then by
    name and location; body parts and modalities holding suited packs come before the others, then
    by title (:data:`ANY` and :data:`ANY_MODALITY` last among equals).

    Parameters
    ----------
    items
        The catalogue (:func:`build_catalogue`).
    volume
        The series on screen, or ``None`` (nothing is suited; groups by title).

    Returns
    -------
    list of ModalityGroup
    """
    location_order = {BUNDLED: 0, INSTALLED: 1, FILE: 2}
    tree: dict[str, dict[str, list[tuple[bool, CatalogueItem]]]] = {}
    for item in items:
        suited = item.suits(volume)
        tree.setdefault(item.modality_group, {}).setdefault(item.body_part_group, []).append((suited, item))
    groups = []
    for modality, parts in tree.items():
        body_parts = []
        for title, members in parts.items():
            members.sort(key=lambda m: (not m[0], m[1].status == REFUSED, m[1].name.casefold(),
                                        location_order.get(m[1].location, 3)))
            body_parts.append(BodyPartGroup(title, [m[1] for m in members], sum(m[0] for m in members)))
        body_parts.sort(key=lambda g: (not g.suited, g.title == ANY, g.title))
        groups.append(ModalityGroup(modality, body_parts, sum(g.suited for g in body_parts)))
    groups.sort(key=lambda g: (not g.suited, g.title == ANY_MODALITY, g.title))
    return groups


__all__ = ["ANY", "ANY_MODALITY", "BUNDLED", "FILE", "INSTALLED", "NEEDS_TRUST", "READY", "REFUSED",
           "BodyPartGroup", "CatalogueItem", "ModalityGroup", "build_catalogue", "group_catalogue",
           "item_from_entry", "offered_packs_dirs", "read_offered", "read_offered_pack", "short_licence"]

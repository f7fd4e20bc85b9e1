"""Where packs live: a user store (per-user data folder) and a read-only bundled store.

Installing copies a pack into the user store in three steps, so that the
pack's content is only ever looked at in a copy nobody else can change:
the .zip is unpacked, or the folder copied without following links
(:func:`ai.packs.files.copy_pack_tree`), into a staging folder of the store;
the staged copy is checked (:func:`examine`, or the caller's ``check``: the
AI worker, sandboxed, does it for the viewer and the command line); and the
staging folder is renamed into place. A pack without ``checksums.sha256``, or
whose model is TorchScript (code), is installed only when the user says they
trust it; that trust is recorded in the store (:data:`TRUST_FILE`) against the
pack's checksum, so a pack changed afterwards is no longer trusted.

A user pack never takes the place of a bundled one: installing a pack with a
bundled pack's name is refused, :meth:`PackStore.find` prefers the bundled
pack, and a user folder that claims a bundled name is listed as refused.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai.errors import AIError, PackRefusedError, PackUnavailableError, first_line
from ai.packs import files
from ai.packs.pack import EXECUTABLE_NOTICE, Pack, extract_zip, read_pack
from viewer.core.files import atomic_path, user_data_dir

#: The user store's record of trusted packs: ``{folder name: pack checksum}``.
TRUST_FILE = ".trust.json"
#: The longest folder name a pack gets in the user store.
MAX_FOLDER_NAME = 100


def bundled_packs_dir() -> Path:
    """The read-only packs shipped beside the program (``OUTPOST_BUNDLED_PACKS`` overrides it)."""
    if os.environ.get("OUTPOST_BUNDLED_PACKS"):
        return Path(os.environ["OUTPOST_BUNDLED_PACKS"])
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
    return base / "resources" / "packs"


@dataclass
class PackEntry:
    """One pack in a store and whether it can run."""

    name: str
    path: Path
    location: str  # "user" or "bundled"
    status: str  # "ok", "unverified", "unavailable" or "refused"
    reason: str = ""
    pack: Pack | None = None


class PackStore:
    """The user store and the bundled store, looked up by pack name.

    Parameters
    ----------
    user_dir, bundled_dir
        Override the default folders (tests use temporary ones).
    """

    def __init__(self, user_dir: Path | None = None, bundled_dir: Path | None = None) -> None:
        self.user_dir = Path(user_dir) if user_dir else user_data_dir() / "packs"
        self.bundled_dir = Path(bundled_dir) if bundled_dir else bundled_packs_dir()

    def entries(self, check_network: bool = True) -> list[PackEntry]:
        """Every pack in both stores, with its status; nothing here raises for a bad pack.

        A folder that is a symbolic link is listed as refused (its content is elsewhere), and
        a user pack that claims a bundled pack's name is listed as refused too.
        """
        found = []
        for location, folder in (("bundled", self.bundled_dir), ("user", self.user_dir)):
            for path in _pack_folders(folder):
                if path.is_symlink():
                    found.append(PackEntry(path.name, path, location, "refused",
                                           "is a symbolic link: a pack is a folder of its own"))
                    continue
                found.append(examine(path, location, check_network, self._trust_for(location)))
        bundled = {e.name for e in found if e.location == "bundled"}
        for index, entry in enumerate(found):
            if entry.location == "user" and entry.name in bundled:
                found[index] = PackEntry(entry.name, entry.path, "user", "refused",
                                         "has the name of a pack bundled with Outpost; the bundled one is used",
                                         entry.pack)
        return found

    def trusts(self, pack: Pack, location: str) -> bool:
        """Whether ``pack`` may load its TorchScript: bundled with Outpost, or trusted at installation.

        The user store's :data:`TRUST_FILE` records the checksum each trusted folder had when
        it was installed; the pack must still have it (a pack changed since is not trusted).
        """
        if location == "bundled":
            return True
        return location == "user" and self._trust_record().get(pack.root.name) == pack.checksum

    def _bundled_names(self) -> set[str]:
        """The names the bundled packs go by, from their metadata alone (nothing else is read or hashed)."""
        names = set()
        for path in _pack_folders(self.bundled_dir):
            try:
                metadata = files.read_pack_json(path, "configs/metadata.json")
            except PackRefusedError:
                metadata = {}
            names.add(str(metadata.get("name") or path.name) if isinstance(metadata, dict) else path.name)
        return names

    def _trust_for(self, location: str) -> Callable[[Pack], bool]:
        return lambda pack: self.trusts(pack, location)

    def _trust_record(self) -> dict[str, Any]:
        try:
            record = files.read_pack_json(self.user_dir, TRUST_FILE)
        except PackRefusedError:
            return {}
        return record if isinstance(record, dict) else {}

    def _write_trust(self, folder_name: str, checksum: str | None) -> None:
        record = self._trust_record()
        if checksum is None and folder_name not in record:
            return
        if checksum is None:
            record.pop(folder_name)
        else:
            record[folder_name] = checksum
        with atomic_path(self.user_dir / TRUST_FILE) as temporary:
            temporary.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")

    def find(self, name_or_path: str) -> Pack:
        """A pack by name (bundled first, then the user store) or by folder/.zip path.

        A pack named by path is read as it is: it is never trusted, so its TorchScript,
        if any, is refused.

        Raises
        ------
        AIError
            No such pack, or it is refused or unavailable.
        """
        candidate = Path(name_or_path)
        if candidate.exists():
            if candidate.is_file():
                unpacked = Path(tempfile.mkdtemp(prefix="outpost-pack-"))
                return read_pack(extract_zip(candidate, unpacked))
            return read_pack(candidate)
        for location, folder in (("bundled", self.bundled_dir), ("user", self.user_dir)):
            for path in _pack_folders(folder):
                if path.name == name_or_path and not path.is_symlink():
                    pack = read_pack(path)
                    pack.trusted = self.trusts(pack, location)
                    return pack
        names = ", ".join(e.name for e in self.entries(check_network=False)) or "none installed"
        raise AIError(f"no pack named {name_or_path!r} (packs: {names})")

    def install(self, source: str | os.PathLike[str], trusted: bool = False,
                check: Callable[[Path], tuple[str, str]] | None = None) -> Pack:
        """Copy a pack (folder or .zip) into the user store, checked, atomically.

        Parameters
        ----------
        source
            The pack folder or .zip.
        trusted
            The user read the pack's provenance and trusts it: needed for a pack without
            ``checksums.sha256`` and for one whose model is TorchScript.
        check
            Checks the staged copy and returns ``(status, reason)`` as :func:`examine` does;
            by default :func:`examine` in this process. The AI worker passes its own, which
            runs the check in its sandbox.

        Raises
        ------
        PackRefusedError
            The pack fails verification or the full check (its network is built on the CPU,
            weights as tensors only), it needs trust that was not given, or it has the name
            of a bundled pack.
        """
        self.user_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=self.user_dir))
        try:
            source = Path(source)
            copy = staging / "pack"
            if source.is_file():
                copy = extract_zip(source, staging / "unpacked")
            else:
                files.copy_pack_tree(source, copy)  # from here on, only the copy is looked at
            status, reason = (check or _check_here)(copy)
            if status in ("refused", "unavailable"):
                raise PackRefusedError(f"not installed: {reason}")
            pack = read_pack(copy)
            if not pack.verified and not trusted:
                raise PackRefusedError(f"{pack.name} has no checksums.sha256: confirm its provenance "
                                       f"(author: {pack.metadata.get('authors', 'unknown')}, "
                                       f"sha256 {pack.checksum[:16]}…) to install it")
            if pack.executable and not trusted:
                raise PackRefusedError(f"{pack.name} {EXECUTABLE_NOTICE}: confirm that you trust it "
                                       "(--yes) to install it")
            if pack.name in self._bundled_names():
                raise PackRefusedError(f"{files.shown_name(pack.name)} is the name of a pack bundled with "
                                       "Outpost, which a pack may not replace; rename it in configs/metadata.json")
            folder_name = _safe_folder_name(pack.name)
            target = self.user_dir / folder_name
            old = staging / "replaced"
            if target.exists():
                os.replace(target, old)
            os.replace(copy, target)
            self._write_trust(folder_name, pack.checksum if trusted else None)
            installed = read_pack(target)
            installed.trusted = trusted
            return installed
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def verify(self, name: str) -> PackEntry:
        """Re-check a stored pack's checksums, configs and network."""
        for entry in self.entries(check_network=False):
            if entry.name == name or entry.path.name == name:
                return examine(entry.path, entry.location, True, self._trust_for(entry.location))
        raise AIError(f"no pack named {name!r}")

    def remove(self, name: str) -> Path:
        """Delete a pack from the user store; bundled packs are read-only."""
        for entry in self.entries(check_network=False):
            if entry.name == name or entry.path.name == name:
                if entry.location != "user":
                    raise AIError(f"{name} is bundled with Outpost and cannot be removed")
                shutil.rmtree(entry.path)
                return entry.path
        raise AIError(f"no pack named {name!r} in the user store")


def _pack_folders(folder: Path) -> list[Path]:
    """The pack folders (and links posing as them) in a store folder; none when it is missing."""
    try:
        return sorted(p for p in folder.iterdir()
                      if not p.name.startswith(".") and (p.is_symlink() or p.is_dir()))
    except OSError:
        return []


def _safe_folder_name(name: str) -> str:
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name).strip("._")
    return cleaned[:MAX_FOLDER_NAME] or "pack"


def _check_here(root: Path) -> tuple[str, str]:
    entry = examine(root, "candidate", check_network=True)
    return entry.status, entry.reason


def examine(path: Path, location: str, check_network: bool = True,
            trust: Callable[[Pack], bool] | None = None) -> PackEntry:
    """Read one pack folder into a :class:`PackEntry`; never raises for a bad pack.

    With ``check_network`` the pack's parts are built on the CPU (its network sized first on
    the ``meta`` device, its weights loaded as tensors only); a TorchScript model is never
    loaded here, trusted or not: its entry says that it holds code.

    Parameters
    ----------
    path
        The pack folder.
    location
        ``"user"``, ``"bundled"`` or ``"candidate"`` (being installed).
    check_network
        Build the pack as a run would (in the AI worker, or in a test).
    trust
        Says whether the user trusted the pack read (by default no pack is trusted); a TorchScript
        pack that is not trusted is refused, except as a candidate for installation.
    """
    try:
        pack = read_pack(path)
        pack.trusted = trust(pack) if trust is not None else False
        if check_network:
            import torch

            pack.build(torch.device("cpu"), network=not pack.executable)
    except PackUnavailableError as e:
        return PackEntry(_name(path, locals().get("pack")), path, location, "unavailable", str(e),
                         locals().get("pack"))
    except (PackRefusedError, AIError) as e:
        return PackEntry(_name(path, locals().get("pack")), path, location, "refused", str(e),
                         locals().get("pack"))
    except (RecursionError, MemoryError) as e:
        return PackEntry(_name(path, locals().get("pack")), path, location, "refused",
                         f"too deep or too large to read ({type(e).__name__})")
    except Exception as e:  # noqa: BLE001 - one bad pack never breaks the listing: it is refused, with the cause
        return PackEntry(_name(path, locals().get("pack")), path, location, "refused",
                         f"could not be read: {type(e).__name__}: {first_line(e)[:200]}")
    if pack.executable and location != "candidate" and not pack.trusted:
        return PackEntry(pack.name, path, location, "refused",
                         f"{EXECUTABLE_NOTICE}; it was not trusted when installed", pack)
    notes = [EXECUTABLE_NOTICE] if pack.executable else []
    if not pack.verified:
        notes.append("no checksums.sha256")
    status = "ok" if pack.verified else "unverified"
    return PackEntry(pack.name, path, location, status, "; ".join(notes), pack)


def _name(path: Path, pack: Pack | None) -> str:
    return pack.name if pack is not None else files.shown_name(path.name)

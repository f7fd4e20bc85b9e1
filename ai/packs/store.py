"""Where packs live: a user store (per-user data folder) and a read-only bundled store."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ai.errors import AIError, PackRefusedError, PackUnavailableError
from ai.packs.pack import Pack, extract_zip, read_pack
from viewer.core.files import user_data_dir


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
        """Every pack in both stores, with its status; nothing here raises for a bad pack."""
        found = []
        for location, folder in (("bundled", self.bundled_dir), ("user", self.user_dir)):
            if not folder.is_dir():
                continue
            for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
                found.append(examine(path, location, check_network))
        return found

    def find(self, name_or_path: str) -> Pack:
        """A pack by name (user store first, then bundled) or by folder/.zip path.

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
        for folder in (self.user_dir, self.bundled_dir):
            if (folder / name_or_path).is_dir():
                return read_pack(folder / name_or_path)
        names = ", ".join(e.name for e in self.entries(check_network=False)) or "none installed"
        raise AIError(f"no pack named {name_or_path!r} (packs: {names})")

    def install(self, source: str | os.PathLike, accept_unverified: bool = False) -> Pack:
        """Copy a verified pack (folder or .zip) into the user store, atomically.

        Parameters
        ----------
        source
            The pack folder or .zip.
        accept_unverified
            Install a pack without ``checksums.sha256`` (the user confirmed its provenance).

        Raises
        ------
        PackRefusedError
            The pack fails verification or the full check of :func:`examine` (its network is
            built on the CPU, weights as tensors only), or is unverified without confirmation.
        """
        self.user_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=self.user_dir))
        try:
            source = Path(source)
            root = extract_zip(source, staging / "unpacked") if source.is_file() else source
            # The full check, as the provenance preview and the pack list make it: checksums alone
            # would let in a pickle payload whose checksums match (its author wrote them).
            entry = examine(root, "candidate", check_network=True)
            if entry.status in ("refused", "unavailable") or entry.pack is None:
                raise PackRefusedError(f"not installed: {entry.reason}")
            pack = entry.pack
            if not pack.verified and not accept_unverified:
                raise PackRefusedError(f"{pack.name} has no checksums.sha256: confirm its provenance "
                                       f"(author: {pack.metadata.get('authors', 'unknown')}, "
                                       f"sha256 {pack.checksum[:16]}…) to install it")
            folder_name = _safe_folder_name(pack.name)
            target = self.user_dir / folder_name
            copy = staging / "pack"
            shutil.copytree(root, copy)
            if target.exists():
                shutil.rmtree(target)
            os.replace(copy, target)
            return read_pack(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def verify(self, name: str) -> PackEntry:
        """Re-check a stored pack's checksums, configs and network."""
        for entry in self.entries(check_network=False):
            if entry.name == name or entry.path.name == name:
                return examine(entry.path, entry.location, check_network=True)
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


def _safe_folder_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned or "pack"


def examine(path: Path, location: str, check_network: bool = True) -> PackEntry:
    """Read one pack folder into a :class:`PackEntry` (never raising for a bad pack)."""
    try:
        pack = read_pack(path)
    except PackRefusedError as e:
        return PackEntry(path.name, path, location, "refused", str(e))
    if check_network:
        try:
            import torch

            pack.build(torch.device("cpu"))
        except PackUnavailableError as e:
            return PackEntry(pack.name, path, location, "unavailable", str(e), pack)
        except PackRefusedError as e:
            return PackEntry(pack.name, path, location, "refused", str(e), pack)
    status = "ok" if pack.verified else "unverified"
    reason = "" if pack.verified else "no checksums.sha256"
    return PackEntry(pack.name, path, location, status, reason, pack)

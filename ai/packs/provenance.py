"""What a user sees before a pack is installed: who made it, its checksum, what it runs.

The command line (``outpost models install``) and the AI panel's "Install
pack..." dialog both call :func:`describe_for_install`, so they show the same
facts and refuse the same packs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ai.errors import PackRefusedError
from ai.packs.pack import CHECKSUMS, extract_zip, sha256_file
from ai.packs.store import examine


@dataclass(frozen=True)
class InstallPreview:
    """The provenance of a pack about to be installed.

    Attributes
    ----------
    source
        The .zip or folder offered.
    name, version, authors, licence, references
        From ``configs/metadata.json`` (empty when the pack is refused before they can be read).
    source_sha256
        SHA-256 of the .zip file itself; of the pack's file list for a folder.
    checksums
        ``"verified"`` (an Outpost checksums.sha256, every file matches) or ``"absent"``.
    runs
        What the pack would run: the network and how it is built, and the device.
    refused
        Why the pack cannot be installed; empty when it can.
    """

    source: Path
    name: str = ""
    version: str = ""
    authors: str = ""
    licence: str = ""
    references: list[str] = field(default_factory=list)
    source_sha256: str = ""
    checksums: str = "absent"
    runs: str = ""
    refused: str = ""

    @property
    def needs_confirmation(self) -> bool:
        """True for an installable pack without an Outpost checksum file."""
        return not self.refused and self.checksums != "verified"

    def lines(self) -> list[str]:
        """The facts as ``label: value`` lines, for a terminal or a dialog."""
        rows = [("pack", f"{self.name} {self.version}".strip() or self.source.name),
                ("made by", self.authors or "not stated"),
                ("licence", self.licence or "not stated"),
                ("references", "; ".join(self.references) or "none"),
                ("sha256", self.source_sha256),
                ("checksums", "checksums.sha256 present, every file verified" if self.checksums == "verified"
                 else "NO checksums.sha256: its files cannot be checked against what the author made"),
                ("runs", self.runs or "-")]
        if self.refused:
            rows.append(("REFUSED", self.refused))
        return [f"{label}: {value}" for label, value in rows]


def describe_for_install(source: str | os.PathLike) -> InstallPreview:
    """Read a pack (.zip or folder) the way installing it would, without installing it.

    The pack is verified and its network built on the CPU (weights loaded with
    ``weights_only``), exactly as the store's check does, so a hostile pack is
    refused here with its reason; nothing from it is run.

    Parameters
    ----------
    source
        The pack .zip or folder.

    Returns
    -------
    InstallPreview
        Never raises for a bad pack: ``refused`` says why.
    """
    source = Path(source)
    if not source.exists():
        return InstallPreview(source, refused=f"no such pack file or folder: {source}")
    digest = sha256_file(source) if source.is_file() else ""
    with tempfile.TemporaryDirectory(prefix="outpost-preview-") as scratch:
        try:
            root = extract_zip(source, Path(scratch)) if source.is_file() else source
        except PackRefusedError as e:
            return InstallPreview(source, source_sha256=digest, refused=str(e))
        entry = examine(root, "candidate", check_network=True)
    pack = entry.pack
    refused = entry.reason if entry.status in ("refused", "unavailable") else ""
    if pack is None:
        return InstallPreview(source, source_sha256=digest or _folder_digest(source), refused=refused)
    metadata = pack.metadata
    return InstallPreview(
        source=source, name=pack.name, version=pack.version,
        authors=_text(metadata.get("authors")),
        licence=_text(metadata.get("license") or metadata.get("copyright")),
        references=[_text(r) for r in _as_list(metadata.get("references"))],
        source_sha256=digest or pack.checksum,
        checksums="verified" if pack.verified else "absent",
        runs=_runs(pack), refused=refused)


def _runs(pack) -> str:
    if pack.model_file.endswith(".ts"):
        network = "a TorchScript program shipped in the pack (models/model.ts)"
    else:
        definition = pack.config.get("network_def")
        target = getattr(definition, "value", {}).get("_target_", "?") if definition is not None else "?"
        network = f"{target} (allow-listed) with weights from {pack.model_file} (tensors only)"
    return f"{network}; {pack.task}; on the device Outpost chooses (the pack's own device is ignored)"


def _folder_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS):
        digest.update(f"{sha256_file(path)}  {path.relative_to(root).as_posix()}\n".encode())
    return digest.hexdigest()


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)

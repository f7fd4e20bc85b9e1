"""What a user sees before a pack is installed: who made it, its checksum, what it runs.

The command line (``outpost models install``) and the AI panel's "Install
pack..." dialog both call :func:`describe_for_install`, so they show the same
facts and refuse the same packs.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai.errors import PackRefusedError
from ai.packs.pack import EXECUTABLE_NOTICE, Pack, extract_zip, sha256_file, verify_files
from ai.packs.store import examine
from viewer.core.text import one_line, printable


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
    executable
        Whether the model is TorchScript, which is code: installed only when the user trusts it.
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
    executable: bool = False

    @property
    def needs_confirmation(self) -> bool:
        """True for an installable pack without an Outpost checksum file, or holding TorchScript."""
        return not self.refused and (self.checksums != "verified" or self.executable)

    def lines(self) -> list[str]:
        """The facts as ``label: value`` lines, for a terminal or a dialog.

        What the pack says of itself is shown with its control characters escaped
        (:func:`~viewer.core.text.printable`), so no value can add a line of its own.
        """
        rows = [("pack", printable(f"{self.name} {self.version}".strip() or self.source.name)),
                ("made by", printable(self.authors) or "not stated"),
                ("licence", printable(self.licence) or "not stated"),
                ("references", "; ".join(map(printable, self.references)) or "none"),
                ("sha256", self.source_sha256),
                ("checksums", "checksums.sha256 present, every file verified" if self.checksums == "verified"
                 else "NO checksums.sha256: its files cannot be checked against what the author made"),
                ("runs", one_line(self.runs) or "-")]
        if self.executable:
            rows.append(("CODE", EXECUTABLE_NOTICE))
        if self.refused:
            rows.append(("REFUSED", one_line(self.refused)))
        return [f"{label}: {value}" for label, value in rows]


def describe_for_install(source: str | os.PathLike[str]) -> InstallPreview:
    """Read a pack (.zip or folder) the way installing it would, without installing it.

    The pack is verified and its network built on the CPU (sized on the ``meta``
    device first, weights loaded as tensors only), exactly as the store's check
    does, so a hostile pack is refused here with its reason; nothing from it is
    run, and a TorchScript model is not even loaded: the preview says it holds code.

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
        runs=_runs(pack), refused=refused, executable=pack.executable)


def _runs(pack: Pack) -> str:
    if pack.executable:
        network = "a TorchScript program shipped in the pack (models/model.ts), never loaded before you trust it"
    else:
        definition = pack.config.get("network_def")
        target = getattr(definition, "value", {}).get("_target_", "?") if definition is not None else "?"
        network = f"{target} (allow-listed) with weights from {pack.model_file} (tensors only)"
    return f"{network}; {pack.task}; on the device Outpost chooses (the pack's own device is ignored)"


def _folder_digest(root: Path) -> str:
    """The pack checksum of a folder refused after its files were read, or nothing if they cannot be."""
    try:
        return verify_files(root)[0]
    except (PackRefusedError, OSError):
        return ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)

"""Model packs: a MONAI bundle folder (or .zip) plus Outpost's checksums and metadata.

Layout::

    configs/metadata.json     MONAI metadata (name, version, task, intended_use,
                              network_data_format, ...) plus an optional "outpost" block
    configs/inference.json    network_def, preprocessing, inferer, postprocessing
    models/model.ts           TorchScript, or
    models/model.pt           a state dict (loaded with weights_only=True), or
    models/model.safetensors  a state dict in safetensors format
    checksums.sha256          "<sha256>  <relative path>" for every other file

Reading a pack never runs code from it (see :mod:`ai.packs.config`).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ai.errors import PackRefusedError, PackUnavailableError
from ai.packs.config import BundleConfig, Instantiator

CHECKSUMS = "checksums.sha256"
MODEL_FILES = ("models/model.ts", "models/model.pt", "models/model.safetensors")
#: A pack larger than this (unpacked) is refused: packs hold small networks.
MAX_PACK_BYTES = 4 * 2**30


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(root: str | os.PathLike) -> Path:
    """Write ``checksums.sha256`` listing every other file of a pack folder.

    Each line is ``"<sha256>  <relative path>"`` (POSIX separators, sorted by
    path), the format ``sha256sum`` writes and :func:`verify_files` reads. An
    existing list is replaced, never listed.

    Parameters
    ----------
    root
        The pack folder.

    Returns
    -------
    pathlib.Path
        The checksum file written.
    """
    root = Path(root)
    lines = [f"{sha256_file(path)}  {path.relative_to(root).as_posix()}"
             for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS)]
    target = root / CHECKSUMS
    target.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    return target


@dataclass
class Pack:
    """A model pack read and verified.

    Attributes
    ----------
    root
        The pack folder.
    metadata
        ``configs/metadata.json``.
    config
        The needed parts of ``configs/inference.json``, resolved.
    model_file
        Relative path of the weights or TorchScript file.
    checksum
        SHA-256 of the pack's checksum list (or of all its files when it has none).
    verified
        Whether the pack carried ``checksums.sha256`` and every file matched.
    """

    root: Path
    metadata: dict[str, Any]
    config: dict[str, Any]
    model_file: str
    checksum: str
    verified: bool
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The pack's name (its folder name when the metadata gives none)."""
        return str(self.metadata.get("name") or self.root.name)

    @property
    def version(self) -> str:
        """The pack's version."""
        return str(self.metadata.get("version", ""))

    @property
    def outpost(self) -> dict[str, Any]:
        """The optional ``outpost`` block of the metadata."""
        block = self.metadata.get("outpost")
        return block if isinstance(block, dict) else {}

    @property
    def task(self) -> str:
        """``segmentation`` or ``classification`` (from the outpost block, else the metadata)."""
        task = self.outpost.get("task")
        if task in ("segmentation", "classification"):
            return task
        text = f"{self.metadata.get('task', '')} {self.metadata.get('description', '')}".lower()
        return "classification" if "classif" in text else "segmentation"

    @property
    def dimensions(self) -> int:
        """2 or 3: the spatial dimensions the network takes."""
        value = self.outpost.get("dimensions")
        if value in (2, 3):
            return int(value)
        network = self.config.get("network_def")
        spatial = getattr(network, "value", {}).get("spatial_dims") if network is not None else None
        return int(spatial) if spatial in (2, 3) else 3

    def channel_names(self) -> dict[int, str]:
        """Output channel names from ``network_data_format.outputs.pred.channel_def``."""
        try:
            channels = self.metadata["network_data_format"]["outputs"]["pred"]["channel_def"]
        except (KeyError, TypeError):
            channels = {}
        names = {int(k): str(v) for k, v in channels.items() if str(k).isdigit()}
        labels = self.outpost.get("labels") or {}
        for key, value in labels.items():
            if str(key).isdigit():
                names[int(key)] = str(value.get("name") if isinstance(value, dict) else value)
        return names

    def label_colors(self) -> dict[int, tuple[int, int, int]]:
        """Display colours of labels, from the outpost block."""
        colors = {}
        for key, value in (self.outpost.get("labels") or {}).items():
            if str(key).isdigit() and isinstance(value, dict) and len(value.get("color", [])) == 3:
                colors[int(key)] = tuple(int(c) for c in value["color"])
        return colors

    # ------------------------------------------------------------------ building
    def build(self, device) -> dict[str, Any]:
        """Instantiate network (with weights), preprocessing, inferer and postprocessing.

        Raises
        ------
        PackRefusedError
            The weights are not a plain tensor file, do not match, or are damaged.
        PackUnavailableError
            The network needs a package that is not installed here.
        """
        import torch

        builder = Instantiator({"device": device})
        parts = {}
        for key in ("preprocessing", "inferer", "postprocessing"):
            if key in self.config:
                parts[key] = builder.build(self.config[key], key)
        model_path = self.root / self.model_file
        if self.model_file.endswith(".ts"):
            try:
                network = torch.jit.load(str(model_path), map_location=device)
            except RuntimeError as e:
                raise PackRefusedError(f"{self.model_file}: not a loadable TorchScript file ({e})") from e
        else:
            network = self._network(builder)
            _load_weights(network, self._state_dict(model_path), self.model_file)
            network = network.to(device)
        parts["network"] = network.eval()
        return parts

    def _network(self, builder: Instantiator):
        if "network_def" not in self.config:
            raise PackRefusedError("configs/inference.json has no network_def for the state dict")
        try:
            return builder.build(self.config["network_def"], "network_def")
        except ImportError as e:  # MONAI's OptionalImportError is an ImportError
            raise PackUnavailableError(f"needs a package that is not available here: "
                                       f"{str(e).splitlines()[0][:160]}") from e

    def _state_dict(self, path: Path) -> dict:
        import pickle

        import torch

        if self.model_file.endswith(".safetensors"):
            from safetensors import SafetensorError
            from safetensors.torch import load_file

            try:
                return load_file(str(path))
            except (SafetensorError, OSError, ValueError) as e:
                raise PackRefusedError(f"{self.model_file}: damaged safetensors file ({e})") from e
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as e:
            raise PackRefusedError(f"{self.model_file}: refused, it holds objects other than tensors "
                                   f"(weights_only loading: {str(e).splitlines()[0][:160]})") from e
        except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as e:
            raise PackRefusedError(f"{self.model_file}: damaged or truncated weights file ({e})") from e
        for wrapper in ("state_dict", "model"):
            if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
                state = state[wrapper]
        if not isinstance(state, dict):
            raise PackRefusedError(f"{self.model_file}: not a state dict")
        return state


def _load_weights(network, state: dict, name: str) -> None:
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()
        raise PackRefusedError(f"{name}: weights do not fit network_def "
                               f"({' '.join(line.strip() for line in first[:3])[:240]})") from e


# --------------------------------------------------------------------------- reading
def _parse_checksums(root: Path) -> dict[str, str]:
    listed = {}
    for number, line in enumerate((root / CHECKSUMS).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.strip().split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise PackRefusedError(f"{CHECKSUMS} line {number} is not '<sha256>  <path>'")
        relative = parts[1].lstrip("*").strip()
        if PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts:
            raise PackRefusedError(f"{CHECKSUMS} names a file outside the pack: {relative}")
        listed[relative] = parts[0].lower()
    return listed


def _pack_files(root: Path) -> list[str]:
    files = []
    for folder, _, names in os.walk(root):
        for name in names:
            relative = Path(folder, name).relative_to(root).as_posix()
            if relative != CHECKSUMS:
                files.append(relative)
    return sorted(files)


def verify_files(root: Path) -> tuple[str, bool]:
    """Check ``checksums.sha256`` against the files; return the pack checksum and whether verified.

    Raises
    ------
    PackRefusedError
        A listed file is missing or differs; the message names the file.
    """
    if not (root / CHECKSUMS).is_file():
        digest = hashlib.sha256()
        for relative in _pack_files(root):
            digest.update(f"{sha256_file(root / relative)}  {relative}\n".encode())
        return digest.hexdigest(), False
    listed = _parse_checksums(root)
    for relative, expected in sorted(listed.items()):
        path = root / relative
        if not path.is_file():
            raise PackRefusedError(f"{relative} is listed in {CHECKSUMS} but missing")
        if sha256_file(path) != expected:
            raise PackRefusedError(f"{relative} does not match its checksum (altered or damaged)")
    unlisted = [f for f in _pack_files(root) if f not in listed]
    if any(f.startswith(("configs/", "models/")) for f in unlisted):
        first = next(f for f in unlisted if f.startswith(("configs/", "models/")))
        raise PackRefusedError(f"{first} is not listed in {CHECKSUMS}")
    return hashlib.sha256((root / CHECKSUMS).read_bytes()).hexdigest(), True


def read_pack(root: str | os.PathLike) -> Pack:
    """Read and verify an unpacked pack folder.

    Raises
    ------
    PackRefusedError
        Checksums, configs or layout are wrong; nothing from the pack was run.
    """
    root = Path(root)
    if not root.is_dir():
        raise PackRefusedError(f"{root} is not a pack folder")
    checksum, verified = verify_files(root)
    documents = {}
    for name in ("configs/metadata.json", "configs/inference.json"):
        try:
            documents[name] = json.loads((root / name).read_text(encoding="utf-8"))
        except FileNotFoundError as e:
            raise PackRefusedError(f"{name} is missing") from e
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise PackRefusedError(f"{name} is not valid JSON ({e})") from e
    if not isinstance(documents["configs/metadata.json"], dict):
        raise PackRefusedError("configs/metadata.json is not a JSON object")
    config = BundleConfig(documents["configs/inference.json"], "configs/inference.json").resolve_all()
    present = [m for m in MODEL_FILES if (root / m).is_file()]
    if not present:
        raise PackRefusedError("models/ holds no model.ts, model.pt or model.safetensors")
    return Pack(root=root, metadata=documents["configs/metadata.json"], config=config,
                model_file=present[0], checksum=checksum, verified=verified)


def extract_zip(archive: str | os.PathLike, destination: Path) -> Path:
    """Unpack a pack .zip into ``destination``, refusing paths that leave it (zip-slip).

    Returns
    -------
    pathlib.Path
        The pack root (the single top folder of the archive, or ``destination``).
    """
    destination = destination.resolve()
    try:
        with zipfile.ZipFile(archive) as zf:
            total = 0
            for info in zf.infolist():
                name = PurePosixPath(info.filename.replace("\\", "/"))
                target = (destination / name).resolve()
                if name.is_absolute() or ".." in name.parts or not str(target).startswith(str(destination)):
                    raise PackRefusedError(f"the archive entry {info.filename!r} would be written "
                                           "outside the pack (zip-slip)")
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise PackRefusedError(f"the archive entry {info.filename!r} is a symbolic link")
                total += info.file_size
                if total > MAX_PACK_BYTES:
                    raise PackRefusedError("the archive unpacks to more than 4 GiB")
            zf.extractall(destination)
    except zipfile.BadZipFile as e:
        raise PackRefusedError(f"{archive} is not a readable .zip ({e})") from e
    entries = [p for p in destination.iterdir()]
    if len(entries) == 1 and entries[0].is_dir() and not (destination / "configs").exists():
        return entries[0]
    return destination

"""Model packs: a MONAI bundle folder (or .zip) plus Outpost's checksums and metadata.

Layout::

    configs/metadata.json     MONAI metadata (name, version, task, intended_use,
                              network_data_format, ...) plus an optional "outpost" block
    configs/inference.json    network_def, preprocessing, inferer, postprocessing
    models/model.ts           TorchScript, or
    models/model.pt           a state dict (loaded with weights_only=True), or
    models/model.safetensors  a state dict in safetensors format
    checksums.sha256          "<sha256>  <relative path>" for every other file

Reading a pack never runs code from it (see :mod:`ai.packs.config`): its
``_target_`` classes and their arguments come from the allow table
(:mod:`ai.packs.allowed`), its network is first built on PyTorch's ``meta``
device (no memory) and refused when its parameters exceed
:data:`MAX_NETWORK_BYTES` or several times its weights file, and a
``models/model.ts`` (TorchScript, which is code) is never loaded unless the
user trusted the pack when installing it, and then only in the sandboxed AI
worker (:mod:`ai.sandbox`).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ai.errors import PackRefusedError, PackUnavailableError
from ai.packs import files
from ai.packs.config import BundleConfig, Instantiator

if TYPE_CHECKING:  # torch is imported where a pack is built, never by the viewer's catalogue
    import torch

CHECKSUMS = "checksums.sha256"
MODEL_FILES = ("models/model.ts", "models/model.pt", "models/model.safetensors")
#: A pack larger than this (unpacked) is refused: packs hold small networks.
MAX_PACK_BYTES = 4 * 2**30
#: The most a network's parameters and buffers may take (nnU-Net's largest plans take under 1 GiB).
MAX_NETWORK_BYTES = 2 * 2**30
#: A network may hold at most this many times the bytes of its weights file (fp16 weights in an fp32
#: network take twice theirs; buffers that the state dict leaves out, a little more), plus
#: :data:`NETWORK_SLACK_BYTES`.
NETWORK_TO_WEIGHTS_RATIO = 4
NETWORK_SLACK_BYTES = 2**20
#: What a pack whose model is TorchScript shows wherever it is described.
EXECUTABLE_NOTICE = ("contains executable TorchScript (models/model.ts): it is code, and runs only if you "
                     "trust the pack")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a regular file, hex; a link at ``path`` is not followed, a FIFO or device not read.

    Raises
    ------
    PackRefusedError
        ``path`` is a symbolic link, FIFO, socket or device file, or is missing.
    """
    return files.sha256_regular_file(Path(path))


def write_checksums(root: str | os.PathLike[str]) -> Path:
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
    tree = files.walk_pack(root)  # refuses links, FIFOs, devices: nothing outside the pack is listed
    listed = sorted((f for f in tree.files if f.relative != CHECKSUMS), key=lambda f: f.relative.split("/"))
    lines = [f"{files.hash_pack_file(root, pack_file)}  {pack_file.relative}" for pack_file in listed]
    target = root / CHECKSUMS
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with open(os.open(target, flags, 0o644), "wb") as fp:
        fp.write(("\n".join(lines) + "\n").encode("utf-8"))
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
    trusted
        Whether the user trusted this very pack (its checksum) when installing it, or it is bundled
        with Outpost: only then may its TorchScript be loaded (:attr:`executable`).
    """

    root: Path
    metadata: dict[str, Any]
    config: dict[str, Any]
    model_file: str
    checksum: str
    verified: bool
    notes: list[str] = field(default_factory=list)
    trusted: bool = False

    @property
    def executable(self) -> bool:
        """Whether the model is TorchScript: code, loaded only when the pack is :attr:`trusted`."""
        return self.model_file.endswith(".ts")

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
            return cast(str, task)
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
        colors: dict[int, tuple[int, int, int]] = {}
        for key, value in (self.outpost.get("labels") or {}).items():
            if str(key).isdigit() and isinstance(value, dict) and len(value.get("color", [])) == 3:
                colors[int(key)] = cast(tuple[int, int, int], tuple(int(c) for c in value["color"]))
        return colors

    # ------------------------------------------------------------------ building
    def build(self, device: torch.device | str, network: bool = True) -> dict[str, Any]:
        """Instantiate network (with weights), preprocessing, inferer and postprocessing.

        Parameters
        ----------
        device
            The torch device to build on.
        network
            ``False`` builds everything but the network (a TorchScript pack's check before trust).

        Raises
        ------
        PackRefusedError
            A component or argument is not in the allow table, the network is too large for its
            weights or for memory, the weights are not a plain tensor file, do not match, or are
            damaged, or the model is TorchScript and the pack is not trusted.
        PackUnavailableError
            The network needs a package that is not installed here.
        """
        import torch

        builder = Instantiator({"device": device})
        parts: dict[str, Any] = {}
        for key, role in (("preprocessing", "transform"), ("inferer", "inferer"), ("postprocessing", "transform")):
            if key in self.config:
                parts[key] = builder.build_part(self.config[key], key, role)
        if not network:
            return parts
        model_path = self.root / self.model_file
        if self.executable:
            if not self.trusted:
                raise PackRefusedError(f"{self.name} {EXECUTABLE_NOTICE}; it was not trusted when installed "
                                       "(install it again and confirm that you trust it)")
            try:
                loaded = torch.jit.load(str(model_path), map_location=device)
            except RuntimeError as e:
                if "DefaultCPUAllocator" in str(e):
                    raise  # ai.inference says "out of memory on the CPU running ...", naming the size asked
                lines = [line.strip() for line in str(e).splitlines() if line.strip()]
                if lines and lines[0].startswith("The following operation failed in the TorchScript interpreter"):
                    lines = lines[-1:]  # torch.jit.Error: a header, the TorchScript traceback, then the error
                first = lines[0][:200] if lines else type(e).__name__
                why = ("its code tried something the AI worker's sandbox refuses" if "denied" in first.lower()
                       else "damaged, or its code failed")
                raise PackRefusedError(f"{self.model_file}: the TorchScript did not load ({why}: {first})") from e
        else:
            weights_bytes = files.weights_record_bytes(model_path)
            self._check_network_size(weights_bytes)
            loaded = self._network(builder)
            _load_weights(loaded, self._state_dict(model_path), self.model_file)
            loaded = loaded.to(device)
        parts["network"] = loaded.eval()
        return parts

    def _check_network_size(self, weights_bytes: int) -> int:
        """Build the network on the ``meta`` device (no memory) and refuse it if too large.

        Returns
        -------
        int
            The bytes its parameters and buffers would take.
        """
        import torch

        with torch.device("meta"):
            skeleton = self._network(Instantiator({"device": torch.device("meta")}))
        tensors = [*skeleton.parameters(), *skeleton.buffers()]
        nbytes = sum(t.numel() * t.element_size() for t in tensors)
        del skeleton, tensors
        limit = min(MAX_NETWORK_BYTES, NETWORK_TO_WEIGHTS_RATIO * weights_bytes + NETWORK_SLACK_BYTES)
        if nbytes > limit:
            from viewer.core.files import format_size

            why = (f"more than the {format_size(MAX_NETWORK_BYTES)} allowed" if nbytes > MAX_NETWORK_BYTES else
                   f"{nbytes / max(weights_bytes, 1):.0f} times its weights file ({format_size(weights_bytes)})")
            raise PackRefusedError(f"network_def would take {format_size(nbytes)}, {why}: refused before "
                                   "building it")
        from viewer.core.memory import check_allocation

        check_allocation(nbytes, f"the network of {self.name}")
        return nbytes

    def _network(self, builder: Instantiator) -> torch.nn.Module:
        if "network_def" not in self.config:
            raise PackRefusedError("configs/inference.json has no network_def for the state dict")
        try:
            network: torch.nn.Module = builder.build_part(self.config["network_def"], "network_def", "network")
        except ImportError as e:  # MONAI's OptionalImportError is an ImportError
            raise PackUnavailableError(f"needs a package that is not available here: "
                                       f"{str(e).splitlines()[0][:160]}") from e
        return network

    def _state_dict(self, path: Path) -> dict[str, Any]:
        return load_weights_file(path, self.model_file)


def load_weights_file(path: Path, name: str) -> dict[str, Any]:
    """A state dict from a safetensors or ``torch.save`` file, checked first and loaded as tensors only.

    Parameters
    ----------
    path
        The weights file.
    name
        How messages name it.

    Raises
    ------
    PackRefusedError
        Compressed records, sizes beyond the file or memory, a bad header, objects other than
        tensors (``weights_only`` loading), a damaged file, or not a state dict.
    """
    import pickle

    import torch

    # Before anything loads it: compressed records, sizes beyond the file or memory, a bad header.
    files.check_weights_file(path, name)
    if name.endswith(".safetensors"):
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as e:
            raise PackRefusedError(f"{name}: damaged safetensors file ({e})") from e
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise PackRefusedError(f"{name}: refused, it holds objects other than tensors "
                               f"(weights_only loading: {str(e).splitlines()[0][:160]})") from e
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as e:
        raise PackRefusedError(f"{name}: damaged or truncated weights file ({e})") from e
    for wrapper in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
    if not isinstance(state, dict):
        raise PackRefusedError(f"{name}: not a state dict")
    return state


def _load_weights(network: torch.nn.Module, state: dict[str, Any], name: str) -> None:
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()
        raise PackRefusedError(f"{name}: weights do not fit network_def "
                               f"({' '.join(line.strip() for line in first[:3])[:240]})") from e


# --------------------------------------------------------------------------- training inputs
#: ``outpost.training_inputs`` of ``configs/metadata.json``: what the images the network was trained on
#: were like, compared with the series on screen by :func:`ai.suitability.input_verdict`. Every key is
#: optional; the block, when present, holds at least one. Key -> what its value must be.
TRAINING_INPUT_KEYS = {
    "modalities": "a list of DICOM modalities, e.g. [\"CR\", \"DX\"]",
    "photometric": "a list of photometric interpretations, e.g. [\"MONOCHROME2\"]",
    "bits_stored": "a list of whole numbers from 1 to 32 (the images' BitsStored), e.g. [8]",
    "intensity_range": "[low, high]: the range of the training images' values (after rescale: HU for CT)",
    "pixel_spacing_mm": "[min, max]: the in-plane pixel spacing of the training images, in mm, above 0",
    "slice_spacing_mm": "[min, max]: the slice spacing of 3-D training volumes, in mm, above 0",
}
PHOTOMETRIC_INTERPRETATIONS = ("MONOCHROME1", "MONOCHROME2", "RGB", "PALETTE COLOR", "YBR_FULL",
                               "YBR_FULL_422", "YBR_ICT", "YBR_RCT")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value and \
        abs(value) != float("inf")


def _valid_training_input(key: str, value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    if key == "modalities":
        return all(isinstance(v, str) and 0 < len(v) <= 16 and v.replace("_", "").isalnum() for v in value)
    if key == "photometric":
        return all(isinstance(v, str) and v.upper() in PHOTOMETRIC_INTERPRETATIONS for v in value)
    if key == "bits_stored":
        return all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 32 for v in value)
    if len(value) != 2 or not all(_is_number(v) for v in value) or value[0] > value[1]:
        return False
    return key == "intensity_range" or value[0] > 0


def check_training_inputs(block: Any) -> dict[str, Any]:
    """Check an ``outpost.training_inputs`` block against :data:`TRAINING_INPUT_KEYS`.

    Parameters
    ----------
    block
        The value read from ``configs/metadata.json`` (or given to an importer).

    Returns
    -------
    dict
        ``block``, unchanged.

    Raises
    ------
    PackRefusedError
        One line naming the key and what its value must be: not an object, empty, an unknown
        key, or a value of the wrong kind (a range whose low end is above its high end, say).
    """
    where = "configs/metadata.json: outpost.training_inputs"
    if not isinstance(block, dict) or not block:
        raise PackRefusedError(f"{where} must be a JSON object with at least one of "
                               f"{', '.join(TRAINING_INPUT_KEYS)}")
    return _check_keys(where, block, TRAINING_INPUT_KEYS, _valid_training_input)


def _check_keys(where: str, block: dict[str, Any], keys: dict[str, str],
                valid: Callable[[str, Any], bool]) -> dict[str, Any]:
    """``block`` when every key is one of ``keys`` and ``valid(key, value)``; else one line naming it."""
    for key, value in block.items():
        if key not in keys:
            raise PackRefusedError(f"{where}.{json.dumps(key)[1:-1][:40]} is not a known key (one of "
                                   f"{', '.join(keys)})")
        if not valid(key, value):
            raise PackRefusedError(f"{where}.{key} must be {keys[key]}; it is {json.dumps(value)[:60]}")
    return block


# --------------------------------------------------------------------------- mixed precision
#: The dtypes ``outpost.mixed_precision.dtype`` may name (``torch.autocast`` on CUDA).
MIXED_PRECISION_DTYPES = ("float16", "bfloat16")
#: ``outpost.mixed_precision``: key -> what its value must be (``dtype`` and ``agreement`` required).
MIXED_PRECISION_KEYS = {
    "dtype": f"one of {', '.join(MIXED_PRECISION_DTYPES)}",
    "agreement": "the fraction (0 to 1) of voxels, or of test inputs' top classes, that agreed with float32 "
                 "(outpost models check-precision)",
    "checked_on": "a line of text saying on what input and device the agreement was measured",
}


def _valid_mixed_precision(key: str, value: Any) -> bool:
    if key == "dtype":
        return value in MIXED_PRECISION_DTYPES
    if key == "agreement":
        return _is_number(value) and 0 <= value <= 1
    return isinstance(value, str) and 0 < len(value) <= 500


def check_mixed_precision(block: Any) -> dict[str, Any]:
    """Check an ``outpost.mixed_precision`` block (:data:`MIXED_PRECISION_KEYS`); return it unchanged.

    Raises
    ------
    PackRefusedError
        One line naming the key and what its value must be: not an object, ``dtype`` or
        ``agreement`` missing, an unknown key, or a value of the wrong kind.
    """
    where = "configs/metadata.json: outpost.mixed_precision"
    if not isinstance(block, dict) or not {"dtype", "agreement"} <= set(block):
        raise PackRefusedError(f"{where} must be a JSON object with dtype and agreement "
                               "(and optionally checked_on)")
    return _check_keys(where, block, MIXED_PRECISION_KEYS, _valid_mixed_precision)


# --------------------------------------------------------------------------- screening
#: ``outpost.screening``: how a batch ranks and flags this pack's results (:mod:`ai.batch.tasks`).
SCREENING_KEYS = {
    "positive": "a class name, or a list of class names, of the pack (the probabilities ranked: their sum)",
    "threshold": "a number, the operating point (a probability from 0 to 1 for a classification, "
                 "millilitres for a segmentation)",
}


def check_screening(block: Any, classes: dict[int, str] | None = None,
                    probability: bool = False) -> dict[str, Any]:
    """Check an ``outpost.screening`` block (:data:`SCREENING_KEYS`, each optional); return it unchanged.

    Parameters
    ----------
    block
        The value read from ``configs/metadata.json``.
    classes
        The pack's class names; when given, ``positive`` must name some of them.
    probability
        The pack is a classifier: ``threshold`` is a probability, at most 1.

    Raises
    ------
    PackRefusedError
        One line naming the key and what its value must be.
    """
    where = "configs/metadata.json: outpost.screening"
    if not isinstance(block, dict):
        raise PackRefusedError(f"{where} must be a JSON object with positive and/or threshold")
    names = set(classes.values()) if classes else None

    def valid(key: str, value: Any) -> bool:
        if key == "threshold":
            return _is_number(value) and value >= 0 and (value <= 1 or not probability)
        listed = [value] if isinstance(value, str) else value
        return (isinstance(listed, list) and 0 < len(listed) <= 64
                and all(isinstance(v, str) and 0 < len(v) <= 200 for v in listed)
                and (names is None or all(v in names for v in listed)))
    return _check_keys(where, block, SCREENING_KEYS, valid)


# --------------------------------------------------------------------------- reading
def _parse_checksums(root: Path, data: bytes | None = None) -> dict[str, str]:
    """``checksums.sha256`` of ``root`` (or its bytes ``data``, already read) as ``{path: sha256}``."""
    if data is None:
        data = files.read_pack_bytes(root, CHECKSUMS, files.MAX_CHECKSUM_LIST_BYTES)
    return files.parse_checksum_list(data)


def verify_files(root: Path) -> tuple[str, bool]:
    """Check ``checksums.sha256`` against the files; return the pack checksum and whether verified.

    The folder is walked without following links (:func:`ai.packs.files.walk_pack`): a
    symbolic link, a hard link to a file outside the pack, a device, FIFO or socket, or
    too many files or bytes refuse the pack. Every file is hashed through a descriptor
    opened without following links, checked to be the file the walk found.

    Raises
    ------
    PackRefusedError
        A listed file is missing or differs, or the walk refuses a file; the message names the file.
    """
    root = Path(root)
    tree = files.walk_pack(root)
    present = {relative: pack_file for relative, pack_file in tree.by_path.items() if relative != CHECKSUMS}
    if CHECKSUMS not in tree.by_path:
        digests = {relative: files.hash_pack_file(root, pack_file) for relative, pack_file in present.items()}
        return files.unlisted_pack_digest(digests), False
    data = files.read_pack_bytes(root, CHECKSUMS, files.MAX_CHECKSUM_LIST_BYTES)
    files.check_listed_files(_parse_checksums(root, data), present,
                             lambda relative: files.hash_pack_file(root, present[relative]))
    return hashlib.sha256(data).hexdigest(), True


def read_pack(root: str | os.PathLike[str]) -> Pack:
    """Read and verify an unpacked pack folder.

    Raises
    ------
    PackRefusedError
        Checksums, configs or layout are wrong; nothing from the pack was run.
    """
    root = Path(root)
    try:
        is_folder = root.is_dir()
    except OSError as e:  # a name too long for the file system, say: is_dir raises rather than answers
        raise PackRefusedError(f"{root} cannot be read ({e.strerror})") from e
    if not is_folder:
        raise PackRefusedError(f"{root} is not a pack folder")
    checksum, verified = verify_files(root)
    documents = {}
    for name in ("configs/metadata.json", "configs/inference.json"):
        # At most MAX_JSON_BYTES and MAX_JSON_DEPTH deep; "is missing", "is not valid JSON" otherwise.
        documents[name] = files.read_pack_json(root, name)
    if not isinstance(documents["configs/metadata.json"], dict):
        raise PackRefusedError("configs/metadata.json is not a JSON object")
    block = documents["configs/metadata.json"].get("outpost")
    if isinstance(block, dict) and "training_inputs" in block:
        check_training_inputs(block["training_inputs"])
    if isinstance(block, dict) and "mixed_precision" in block:
        check_mixed_precision(block["mixed_precision"])
    if isinstance(block, dict) and "screening" in block:
        outline = Pack(root=root, metadata=documents["configs/metadata.json"], config={}, model_file="",
                       checksum=checksum, verified=verified)
        check_screening(block["screening"], outline.channel_names() or None,
                        probability=outline.task == "classification")
    config = BundleConfig(documents["configs/inference.json"], "configs/inference.json").resolve_all()
    present = [m for m in MODEL_FILES if (root / m).is_file()]
    if not present:
        raise PackRefusedError("models/ holds no model.ts, model.pt or model.safetensors")
    return Pack(root=root, metadata=documents["configs/metadata.json"], config=config,
                model_file=present[0], checksum=checksum, verified=verified)


def extract_zip(archive: str | os.PathLike[str], destination: Path) -> Path:
    """Unpack a pack .zip into ``destination``, every entry checked first (see :mod:`ai.packs.files`).

    Refused before anything is written: more than :data:`ai.packs.files.MAX_PACK_FILES`
    entries (read from the end records, before the central directory is parsed), paths
    that leave ``destination`` (zip-slip), symbolic links and special files, encrypted
    entries, duplicate names, an entry inside another that is a file, invalid or too long
    names, more than 4 GiB in all. Entries are streamed one by one with a byte counter.

    Returns
    -------
    pathlib.Path
        The pack root (the single top folder of the archive, or ``destination``).

    Raises
    ------
    PackRefusedError
        Naming the archive or the entry, and the cause.
    """
    destination = Path(destination).resolve()
    files.extract_pack_zip(Path(archive), destination)
    entries = [p for p in destination.iterdir()]
    if len(entries) == 1 and entries[0].is_dir() and not (destination / "configs").exists():
        return entries[0]
    return destination

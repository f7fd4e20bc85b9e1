"""Writing a model pack: configs, weights, licence and checksums, staged and renamed into place.

Every importer (and the tests' pack factory) writes packs through here, so a pack made
from published weights has the same layout as one made by hand (:mod:`ai.packs.pack`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ai.errors import AIError
from ai.packs import files
from ai.packs.pack import check_training_inputs, write_checksums

#: The licence text is also written beside the configs under this name.
LICENCE_FILE = "LICENSE"


def write_pack(root: Path, metadata: dict[str, Any], inference: dict[str, Any], state_dict: dict | None = None,
               *, weights: str = "safetensors", checksums: bool = True, licence_text: str = "") -> Path:
    """Write a pack folder: ``configs/metadata.json``, ``configs/inference.json`` and the weights.

    Parameters
    ----------
    root
        The pack folder (created if needed).
    metadata, inference
        The two MONAI bundle documents.
    state_dict
        The network's tensors, or ``None`` for none.
    weights
        ``"safetensors"`` (``models/model.safetensors``, what importers write: never a pickle) or
        ``"pt"`` (``models/model.pt`` through ``torch.save``, for tests of that format).
    checksums
        Whether to write ``checksums.sha256``.
    licence_text
        Written to ``LICENSE`` when not empty.

    Returns
    -------
    pathlib.Path
        ``root``.
    """
    root = Path(root)
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    (root / "configs" / "metadata.json").write_text(json.dumps(metadata, indent=1, ensure_ascii=False),
                                                    encoding="utf-8")
    (root / "configs" / "inference.json").write_text(json.dumps(inference, indent=1), encoding="utf-8")
    if licence_text:
        (root / LICENCE_FILE).write_text(licence_text, encoding="utf-8")
    if state_dict is not None:
        save_weights(state_dict, root / "models", weights)
    if checksums:
        write_checksums(root)
    return root


def save_weights(state_dict: dict, folder: Path, weights: str = "safetensors") -> Path:
    """Save a state dict as ``model.safetensors`` (or ``model.pt``) in ``folder``.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import torch

    if weights == "pt":
        target = folder / "model.pt"
        torch.save(state_dict, target)
        return target
    if weights != "safetensors":
        raise ValueError(f"weights must be 'safetensors' or 'pt', not {weights!r}")
    from safetensors.torch import save_file

    target = folder / "model.safetensors"
    save_file({key: value.detach().contiguous() for key, value in state_dict.items()}, str(target))
    # safetensors creates the file 0600; a pack holds no patient data and is read by every user of
    # a shared or bundled store (the installer's smoke test runs as another user), as the JSON files.
    os.chmod(target, 0o644)
    return target


@contextmanager
def staged_pack(out_dir: str | os.PathLike) -> Iterator[Path]:
    """A folder to write a pack into, renamed to ``out_dir`` only if the block ends without error.

    The pack is written in a temporary folder beside ``out_dir`` (same file system), its
    ``checksums.sha256`` written last, then renamed into place in one step: a refusal
    half-way leaves nothing at ``out_dir``.

    Parameters
    ----------
    out_dir
        Where the pack goes; must not exist, or be an empty folder.

    Yields
    ------
    pathlib.Path
        The pack root to write (it does not exist yet).

    Raises
    ------
    AIError
        ``out_dir`` exists and is not an empty folder.
    """
    out_dir = Path(out_dir)
    if out_dir.is_symlink() or (out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir()))):
        raise AIError(f"{out_dir} exists and is not an empty folder: choose a new --out")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".outpost-import-", dir=out_dir.parent))
    try:
        root = stage / "pack"
        yield root
        write_checksums(root)
        os.replace(root, out_dir)
        files.fsync_folder(out_dir.parent)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def source_record(fmt: str, base: Path, paths: Iterable[Path], authors: str, licence_text: str,
                  references: list[str]) -> dict[str, Any]:
    """What an imported pack records of where it came from (the metadata's ``outpost.source``).

    Parameters
    ----------
    fmt
        The importer (``brainchop``, ``torchvision``, ``monai``).
    base
        The folder file names are given relative to.
    paths
        The source files read.
    authors, licence_text, references
        As the source states them.

    Returns
    -------
    dict
        ``format``, ``files`` (``[{"file", "sha256", "bytes"}]``), ``authors``, ``licence_text``,
        ``references``.
    """
    listed = []
    for path in paths:
        relative = Path(path).relative_to(base).as_posix() if Path(path).is_relative_to(base) else Path(path).name
        digest = files.sha256_regular_file(Path(path), files.shown_name(relative))
        listed.append({"file": relative, "sha256": digest, "bytes": os.lstat(path).st_size})
    return {"format": fmt, "files": listed, "authors": authors, "licence_text": licence_text,
            "references": references}


def describe(metadata: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """Fill the card fields of ``metadata`` from a :func:`source_record` and store the record in it.

    ``authors``, ``license`` (the licence's first line, e.g. ``MIT License``; the full text is in
    ``outpost.source.licence_text`` and the pack's ``LICENSE``) and ``references`` are set
    where the metadata does not state them already.

    Returns
    -------
    dict
        ``metadata``, changed in place.
    """
    metadata.setdefault("authors", source["authors"] or "not stated")
    first_line = next((line.strip() for line in source["licence_text"].splitlines() if line.strip()), "")
    if first_line:
        metadata.setdefault("license", f"{first_line} (full text in LICENSE)")
    if source["references"]:
        metadata.setdefault("references", list(source["references"]))
    metadata.setdefault("outpost", {})["source"] = source
    return metadata


#: What an importer's ``training_inputs`` option takes: the block itself, or a JSON file holding it.
TrainingInputs = dict[str, Any] | str | os.PathLike | None


def record_training_inputs(metadata: dict[str, Any], training_inputs: TrainingInputs) -> dict[str, Any]:
    """Store the statistics of the training inputs in ``metadata["outpost"]["training_inputs"]``.

    Parameters
    ----------
    metadata
        The pack's ``configs/metadata.json``, changed in place.
    training_inputs
        The block (:data:`ai.packs.pack.TRAINING_INPUT_KEYS`), a JSON file holding it, or
        ``None`` to record nothing (the pack's input is then shown as not checked against the
        training data).

    Returns
    -------
    dict
        ``metadata``.

    Raises
    ------
    PackRefusedError
        The block is malformed; the one-line message names the key.
    """
    if training_inputs is None:
        return metadata
    if not isinstance(training_inputs, dict):
        path = Path(training_inputs)
        training_inputs = read_json_file(path.parent, path.name)
    metadata.setdefault("outpost", {})["training_inputs"] = check_training_inputs(training_inputs)
    return metadata


def read_text_file(folder: Path, relative: str, limit: int = files.MAX_JSON_BYTES) -> str:
    """A source's text file, read without following links (UTF-8, at most ``limit`` bytes).

    Raises
    ------
    PackRefusedError
        It is missing, a link or special file, too large, or not UTF-8; the message names it.
    """
    from ai.errors import PackRefusedError

    data = files.read_pack_bytes(folder, relative, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PackRefusedError(f"{files.shown_name(relative)} is not UTF-8 text ({e})") from e


def read_json_file(folder: Path, relative: str) -> Any:
    """A source's JSON document, read as data (:func:`ai.packs.files.parse_json`'s limits)."""
    return files.parse_json(read_text_file(folder, relative), files.shown_name(relative))

"""A MONAI bundle folder, as published, as an Outpost pack.

The bundle is copied through the pack copier (:func:`ai.packs.files.copy_pack_tree`: no link
followed, every file re-hashed), its ``models/model.pt`` (or one given with ``weights``) is
loaded as tensors only and written as ``models/model.safetensors``, a TorchScript
``models/model.ts`` is left out (it is code), and ``configs/metadata.json`` gains the
``outpost`` block from its own ``network_data_format`` and the record of the source files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ai.errors import PackRefusedError
from ai.importers.writer import (
    LICENCE_FILE,
    TrainingInputs,
    describe,
    read_json_file,
    read_text_file,
    record_training_inputs,
    save_weights,
    source_record,
    staged_pack,
)
from ai.packs import files
from ai.packs.pack import load_weights_file


def outpost_block(metadata: dict[str, Any]) -> dict[str, Any]:
    """The ``outpost`` block a MONAI bundle's own metadata implies (task, modalities, dimensions, labels)."""
    formats = metadata.get("network_data_format") if isinstance(metadata.get("network_data_format"), dict) else {}
    image = (formats.get("inputs") or {}).get("image") or {}
    pred = (formats.get("outputs") or {}).get("pred") or {}
    block: dict[str, Any] = {"task": "segmentation" if pred.get("format") == "segmentation" else "classification"}
    if image.get("modality"):
        block["modalities"] = [str(image["modality"]).upper()]
    if isinstance(image.get("spatial_shape"), list) and len(image["spatial_shape"]) in (2, 3):
        block["dimensions"] = len(image["spatial_shape"])
    channels = pred.get("channel_def") if isinstance(pred.get("channel_def"), dict) else {}
    if block["task"] == "segmentation":
        block["labels"] = {str(k): {"name": str(v)} for k, v in channels.items() if str(k) != "0"}
    return block


def import_monai(source: str | os.PathLike, out_dir: str | os.PathLike, name: str | None = None,
                 weights: str | os.PathLike | None = None, training_inputs: TrainingInputs = None) -> Path:
    """Import a MONAI bundle folder as a pack with safetensors weights.

    Parameters
    ----------
    source
        The bundle folder (``configs/metadata.json``, ``configs/inference.json``, ``LICENSE``,
        and ``models/model.pt`` unless ``weights`` gives it).
    out_dir
        The pack folder to create.
    name
        The pack's name (default: the bundle's).
    weights
        The bundle's state dict when published apart (``large_files.yml``); loaded with
        ``weights_only=True``.
    training_inputs
        Statistics of the training images (:data:`ai.packs.pack.TRAINING_INPUT_KEYS`), or a JSON
        file holding them; they replace any the bundle's ``outpost`` block records.

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    PackRefusedError
        A link or special file in the bundle, no weights, weights holding objects other than
        tensors; the message names the file.
    """
    bundle = Path(source)
    with staged_pack(out_dir) as root:
        files.copy_pack_tree(bundle, root)
        weights_path = Path(weights) if weights else root / "models" / "model.pt"
        if not weights_path.is_file() or weights_path.is_symlink():
            raise PackRefusedError(f"{weights_path.name if weights else 'models/model.pt'}: no state dict "
                                   "(a bundle's TorchScript model.ts is code and is not imported)")
        state = load_weights_file(weights_path, weights_path.name)
        for stale in ("model.pt", "model.ts"):
            (root / "models" / stale).unlink(missing_ok=True)
        (root / "models").mkdir(exist_ok=True)
        save_weights(state, root / "models")
        metadata = read_json_file(root / "configs", "metadata.json")
        if not isinstance(metadata, dict):
            raise PackRefusedError("configs/metadata.json is not a JSON object")
        if name:
            metadata["name"] = name
        metadata.setdefault("name", bundle.name)
        metadata["outpost"] = {**outpost_block(metadata), **(metadata.get("outpost") or {})}
        record_training_inputs(metadata, training_inputs)
        licence_text = read_text_file(root, LICENCE_FILE) if (root / LICENCE_FILE).is_file() else ""
        read = sorted(p for p in bundle.rglob("*") if p.is_file())
        if weights:
            read.append(weights_path)
        references = metadata.get("references") or []
        describe(metadata, source_record("monai", bundle, read, str(metadata.get("authors", "")), licence_text,
                                         list(references) if isinstance(references, list) else [str(references)]))
        (root / "configs" / "metadata.json").write_text(json.dumps(metadata, indent=1, ensure_ascii=False),
                                                        encoding="utf-8")
    return Path(out_dir)

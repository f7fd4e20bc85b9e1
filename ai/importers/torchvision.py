"""A classification state dict with torchvision's key layout (SqueezeNet 1.1) as an Outpost pack.

The weights file is checked (:func:`ai.packs.files.check_weights_file`) and loaded with
``torch.load(weights_only=True)``: tensors only, never a pickled object. The class names and
torchvision's input pipeline (``Resize((size, size))``, ``ToTensor``, ``Normalize(mean,
std)``) come from the caller, as options or a small JSON file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ai.errors import PackRefusedError
from ai.importers.writer import (
    TrainingInputs,
    describe,
    read_json_file,
    read_text_file,
    record_training_inputs,
    source_record,
    staged_pack,
    write_pack,
)
from ai.packs.pack import load_weights_file

#: Recognised architectures: a key present only in it, its network_def, and its Grad-CAM layer.
ARCHITECTURES = {
    "squeezenet1_1": {"key": "features.12.expand3x3.weight", "classifier": "classifier.1.weight",
                      "target": "ai.networks.SqueezeNet11", "explain": "features.12"},
}
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def load_state(path: Path) -> dict:
    """A ``torch.save``'d state dict, checked first and loaded as tensors only (weights_only=True).

    Raises
    ------
    PackRefusedError
        The file is a link, damaged, holds objects other than tensors, or is not a state dict.
    """
    import torch

    state = load_weights_file(path, path.name)
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise PackRefusedError(f"{path.name}: not a state dict of tensors")
    return state


def _architecture(state: dict, name: str) -> tuple[str, int]:
    for arch, spec in ARCHITECTURES.items():
        if spec["key"] in state and spec["classifier"] in state:
            return arch, int(state[spec["classifier"]].shape[0])
    raise PackRefusedError(f"{name}: its keys match no supported torchvision layout ({', '.join(ARCHITECTURES)})")


def import_torchvision(source: str | os.PathLike, out_dir: str | os.PathLike, name: str | None = None,
                       classes: list[str] | None = None, mean: list[float] | None = None,
                       std: list[float] | None = None, size: int | None = None,
                       config: str | os.PathLike | None = None,
                       licences: list[str | os.PathLike] | None = None, authors: str = "",
                       references: list[str] | None = None, modalities: list[str] | None = None,
                       training_inputs: TrainingInputs = None, body_parts: list[str] | None = None) -> Path:
    """Import a torchvision classification state dict as a pack with safetensors weights.

    Parameters
    ----------
    source
        The ``.pth``/``.pt`` state dict.
    out_dir
        The pack folder to create.
    name
        The pack's name (default: the file's stem).
    classes
        Class names in output order (default ``class 0``, ``class 1``, ...).
    mean, std
        Per-channel normalisation after scaling to [0, 1] (default ImageNet's).
    size
        The square input size (default 224).
    config
        A JSON file whose keys (``classes``, ``mean``, ``std``, ``size``, ``authors``,
        ``references``, ``modalities``, ``training_inputs``, ``body_parts``, ``licences``: paths
        relative to it)
        fill those not given.
    licences
        Licence files whose full text is recorded.
    authors, references, modalities
        For the model card and the suitability checks (default modalities ``CR``, ``DX``, ``OT``).
    training_inputs
        Statistics of the training images (:data:`ai.packs.pack.TRAINING_INPUT_KEYS`), or a JSON
        file holding them; none by default: the pack's input is then not checked against them.
    body_parts
        DICOM BodyPartExamined values the model is made for (``["CHEST"]``); a series naming
        another is refused (:func:`ai.suitability.unsuitable_reason`). None by default.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    path = Path(source)
    settings: dict[str, Any] = {}
    read = [path]
    if config:
        config = Path(config)
        settings = read_json_file(config.parent, config.name)
        if not isinstance(settings, dict):
            raise PackRefusedError(f"{config.name}: not a JSON object")
        read.append(config)
        licences = licences or [config.parent / p for p in settings.get("licences", [])]
    state = load_state(path)
    arch, n_classes = _architecture(state, path.name)
    classes = list(classes or settings.get("classes") or [f"class {i}" for i in range(n_classes)])
    if len(classes) != n_classes:
        raise PackRefusedError(f"{path.name}: its classifier has {n_classes} outputs, "
                               f"{len(classes)} class names given")
    mean = [float(v) for v in (mean or settings.get("mean") or IMAGENET_MEAN)]
    std = [float(v) for v in (std or settings.get("std") or IMAGENET_STD)]
    size = int(size or settings.get("size") or 224)
    texts = []
    for licence in licences or []:
        licence = Path(licence)
        texts.append(read_text_file(licence.parent, licence.name))
        read.append(licence)
    spec = ARCHITECTURES[arch]
    metadata = {
        "name": name or path.stem, "version": "1.0", "task": "classification",
        "description": f"torchvision {arch} classifier imported from {path.name}",
        "intended_use": "Research only, not for diagnostic use.",
        "network_data_format": {"outputs": {"pred": {"channel_def": {str(i): c for i, c in enumerate(classes)}}}},
        "outpost": {"task": "classification", "dimensions": 2,
                    "modalities": list(modalities or settings.get("modalities") or ["CR", "DX", "OT"]),
                    "explain": {"layer": spec["explain"]}},
    }
    parts = body_parts or settings.get("body_parts")
    if parts:  # the series' BodyPartExamined must then be one of them (ai.suitability)
        metadata["outpost"]["body_parts"] = [str(p).upper() for p in parts]
    record_training_inputs(metadata, training_inputs or settings.get("training_inputs"))
    base = Path(os.path.commonpath([p.parent for p in read]))
    describe(metadata, source_record("torchvision", base, read, authors or settings.get("authors", ""),
                                     "\n\n".join(texts), list(references or settings.get("references", []))))
    inference = {
        "network_def": {"_target_": spec["target"], "n_classes": n_classes},
        "preprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "LoadImaged", "keys": "image"},
            {"_target_": "EnsureChannelFirstd", "keys": "image"},
            {"_target_": "Transposed", "keys": "image", "indices": [0, 2, 1]},
            {"_target_": "ScaleIntensityd", "keys": "image", "minv": 0.0, "maxv": 1.0},
            {"_target_": "Resized", "keys": "image", "spatial_size": [size, size], "mode": "bilinear"},
            {"_target_": "RepeatChanneld", "keys": "image", "repeats": 3},
            {"_target_": "NormalizeIntensityd", "keys": "image", "subtrahend": mean, "divisor": std,
             "channel_wise": True}]},
        "inferer": {"_target_": "SimpleInferer"},
    }
    with staged_pack(out_dir) as root:
        write_pack(root, metadata, inference, state, checksums=False, licence_text="\n\n".join(texts))
    return Path(out_dir)

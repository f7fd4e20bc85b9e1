"""nnU-Net v2 trained-model folders (``dataset.json``, ``plans.json``, ``fold_*/checkpoint_final.pth``) as packs.

The format in which TotalSegmentator and most published challenge winners are distributed.
Read as data only: the two JSON documents through the pack JSON reader; each checkpoint with
``torch.load(weights_only=True)`` and an allow-list of exactly the numpy types that nnU-Net's
training log holds (:func:`checkpoint_globals`), never ``weights_only=False``. The plans'
architecture is checked against the two networks nnU-Net's plans describe (``PlainConvUNet``
and ``ResidualEncoderUNet``, with bounded sizes); the weights of every fold are checked against
that network and written, deduplicated, as one safetensors file. The pack runs without nnU-Net
(:mod:`ai.nnunet`).

nnU-Net never reorients: a model sees the voxel array in the order its training files stored it.
``orientation`` records that order: ``totalsegmentator`` (TotalSegmentator's models: the image
reoriented to the closest canonical RAS, as TotalSegmentator does before calling nnU-Net) or
``dcm2niix`` (a model trained on dcm2niix's NIfTI files).
"""

from __future__ import annotations

import os
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

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
from ai.nnunet.network import ARCHITECTURES
from ai.nnunet.pipeline import NORMALISATIONS, ORIENTATIONS
from ai.packs import files
from ai.packs.pack import MAX_NETWORK_BYTES

CHECKPOINT = "checkpoint_final.pth"
REFERENCES = ["Isensee F, Jaeger PF, Kohl SAA, Petersen J, Maier-Hein KH. nnU-Net: a self-configuring method for "
              "deep learning-based biomedical image segmentation. Nature Methods 18:203-211, 2021. "
              "doi:10.1038/s41592-020-01008-z"]
#: Bounds on what the plans may describe.
MAX_STAGES, MAX_FEATURES, MAX_KERNEL, MAX_STRIDE, MAX_BLOCKS, MAX_PATCH, MAX_CLASSES = 10, 1024, 7, 4, 16, 512, 255
_NETWORK_CLASSES = {f"dynamic_network_architectures.architectures.unet.{name}": name for name in ARCHITECTURES}
_NORM = "torch.nn.modules.instancenorm.InstanceNorm3d"
_CONV = "torch.nn.modules.conv.Conv3d"
_NONLIN = "torch.nn.LeakyReLU"


def checkpoint_globals() -> list:
    """What a real checkpoint's training log pickles besides tensors: numpy scalars and their dtype.

    Each ``np.float64`` in ``logging`` and ``_best_ema`` is pickled as a call of numpy's
    ``scalar`` reconstructor (``numpy.core.multiarray.scalar`` under numpy 1, as published
    checkpoints were saved; ``numpy._core.multiarray.scalar`` under numpy 2) with a
    ``numpy.dtype`` (whose state names its class under numpy 2: ``Float64DType``, and
    ``Float32DType`` for float32 values). Nothing else is allowed beyond ``weights_only``'s own
    tensors and containers.
    """
    from numpy import dtypes

    scalar = np._core.multiarray.scalar  # type: ignore[attr-defined]
    return [scalar, (scalar, "numpy.core.multiarray.scalar"), np.dtype, dtypes.Float64DType, dtypes.Float32DType]


# --------------------------------------------------------------------------- plans.json
def _whole(value: Any, low: int, high: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PackRefusedError(f"plans.json: {where} is {_shown(value)}, not a whole number from {low} to {high}")
    return value


def _real(value: Any, low: float, high: float, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= float(value) <= high:
        raise PackRefusedError(f"plans.json: {where} is {_shown(value)}, not a number from {low:g} to {high:g}")
    return float(value)


def _wholes(value: Any, count: int, low: int, high: int, where: str) -> list[int]:
    if not isinstance(value, list) or len(value) != count:
        raise PackRefusedError(f"plans.json: {where} is {_shown(value)}, not a list of {count}")
    return [_whole(v, low, high, f"{where}[{i}]") for i, v in enumerate(value)]


def _shown(value: Any) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def configuration(plans: Any, name: str) -> dict[str, Any]:
    """The configuration ``name`` of the plans, with what it inherits (``inherits_from``) filled in."""
    configurations = plans.get("configurations") if isinstance(plans, dict) else None
    if not isinstance(configurations, dict) or name not in configurations:
        known = ", ".join(sorted(configurations)) if isinstance(configurations, dict) else "none"
        raise PackRefusedError(f"plans.json: no configuration {name!r} (it has: {known})")
    chain, current = [], name
    while current is not None:
        entry = configurations.get(current)
        if not isinstance(entry, dict) or current in chain or len(chain) > 8:
            raise PackRefusedError(f"plans.json: configuration {current!r} is missing or inherits in a loop")
        chain.append(current)
        current = entry.get("inherits_from")
    merged: dict[str, Any] = {}
    for link in reversed(chain):
        merged.update(configurations[link])
    if merged.get("previous_stage"):
        raise PackRefusedError(f"plans.json: configuration {name!r} is a cascade stage (previous_stage); "
                               "cascades are not supported")
    return merged


def network_arguments(config: dict[str, Any], n_classes: int) -> dict[str, Any]:
    """``NnUNetEnsemble``'s arguments from a configuration's architecture, checked as data.

    Both plans formats are read: ``architecture`` (``network_class_name`` and ``arch_kwargs``,
    nnU-Net 2.4 and later) and the earlier flat keys (``UNet_class_name``, ``conv_kernel_sizes``,
    ``pool_op_kernel_sizes``...).

    Raises
    ------
    PackRefusedError
        Another architecture, operation or setting, or sizes out of bounds; the message names
        plans.json and the key.
    """
    if "architecture" in config:
        arch = config["architecture"]
        if not isinstance(arch, dict) or not isinstance(arch.get("arch_kwargs"), dict):
            raise PackRefusedError("plans.json: architecture has no arch_kwargs")
        name = _NETWORK_CLASSES.get(arch.get("network_class_name"))
        if name is None:
            raise PackRefusedError(f"plans.json: architecture.network_class_name "
                                   f"{_shown(arch.get('network_class_name'))} is not one of "
                                   f"{', '.join(sorted(_NETWORK_CLASSES))}")
        kw = arch["arch_kwargs"]
        known = {"n_stages", "features_per_stage", "conv_op", "kernel_sizes", "strides", "n_conv_per_stage",
                 "n_blocks_per_stage", "n_conv_per_stage_decoder", "conv_bias", "norm_op", "norm_op_kwargs",
                 "dropout_op", "dropout_op_kwargs", "nonlin", "nonlin_kwargs"}
        unknown = sorted(set(kw) - known)
        if unknown:
            raise PackRefusedError(f"plans.json: architecture.arch_kwargs.{unknown[0]} is not a setting of "
                                   f"{name} that Outpost knows")
        checks = {"conv_op": (kw.get("conv_op"), _CONV), "norm_op": (kw.get("norm_op"), _NORM),
                  "nonlin": (kw.get("nonlin"), _NONLIN), "dropout_op": (kw.get("dropout_op"), None)}
        for key, (value, wanted) in checks.items():
            if value != wanted:
                raise PackRefusedError(f"plans.json: architecture.arch_kwargs.{key} is {_shown(value)}, not "
                                       f"{wanted!r} (only 3-D nnU-Net models with instance norm and leaky ReLU)")
        if kw.get("norm_op_kwargs") not in ({"eps": 1e-05, "affine": True},) or \
                kw.get("nonlin_kwargs") not in ({"inplace": True}, {"negative_slope": 0.01, "inplace": True}):
            raise PackRefusedError("plans.json: architecture.arch_kwargs.norm_op_kwargs/nonlin_kwargs are not "
                                   "nnU-Net's (eps 1e-05, affine; leaky ReLU 0.01)")
        stages = _whole(kw.get("n_stages"), 2, MAX_STAGES, "architecture.arch_kwargs.n_stages")
        features = _wholes(kw.get("features_per_stage"), stages, 1, MAX_FEATURES, "arch_kwargs.features_per_stage")
        kernels, strides = kw.get("kernel_sizes"), kw.get("strides")
        blocks = kw.get("n_blocks_per_stage" if name == "ResidualEncoderUNet" else "n_conv_per_stage")
        decoder, bias = kw.get("n_conv_per_stage_decoder"), kw.get("conv_bias")
    else:
        name = config.get("UNet_class_name")
        if name not in ARCHITECTURES:
            raise PackRefusedError(f"plans.json: UNet_class_name {_shown(name)} is not one of "
                                   f"{', '.join(ARCHITECTURES)}")
        kernels, strides = config.get("conv_kernel_sizes"), config.get("pool_op_kernel_sizes")
        stages = _whole(len(kernels) if isinstance(kernels, list) else None, 2, MAX_STAGES, "conv_kernel_sizes")
        base = _whole(config.get("UNet_base_num_features"), 1, MAX_FEATURES, "UNet_base_num_features")
        top = _whole(config.get("unet_max_num_features"), 1, MAX_FEATURES, "unet_max_num_features")
        features = [min(base * 2 ** stage, top) for stage in range(stages)]
        blocks = config.get("n_conv_per_stage_encoder")
        decoder, bias = config.get("n_conv_per_stage_decoder"), True
    if not isinstance(kernels, list) or not isinstance(strides, list) or len(kernels) != stages \
            or len(strides) != stages:
        raise PackRefusedError(f"plans.json: kernel sizes and strides need {stages} entries (one per stage)")
    kernels = [_wholes(k, 3, 1, MAX_KERNEL, f"kernel size of stage {i}") for i, k in enumerate(kernels)]
    strides = [_wholes(s, 3, 1, MAX_STRIDE, f"stride of stage {i}") for i, s in enumerate(strides)]
    if any(k % 2 == 0 for kernel in kernels for k in kernel):
        raise PackRefusedError("plans.json: a kernel size is even; nnU-Net's are odd")
    if not isinstance(bias, bool):
        raise PackRefusedError(f"plans.json: conv_bias is {_shown(bias)}, not true or false")
    return {"architecture": name, "dims": 3, "in_channels": 1, "n_classes": n_classes, "features": features,
            "kernel_sizes": kernels, "strides": strides,
            "n_blocks": _wholes(blocks, stages, 1, MAX_BLOCKS, "convolutions (blocks) per encoder stage"),
            "n_conv_decoder": _wholes(decoder, stages - 1, 1, MAX_BLOCKS, "n_conv_per_stage_decoder"),
            "bias": bias}


def _resampling(config: dict[str, Any], prefix: str, order: int) -> dict[str, Any]:
    function = config.get(f"resampling_fn_{prefix}", "resample_data_or_seg_to_shape")
    kwargs = config.get(f"resampling_fn_{prefix}_kwargs", {})
    if function != "resample_data_or_seg_to_shape" or not isinstance(kwargs, dict) \
            or set(kwargs) - {"is_seg", "order", "order_z", "force_separate_z"}:
        raise PackRefusedError(f"plans.json: resampling_fn_{prefix} {_shown(function)} with {_shown(kwargs)} is "
                               "not nnU-Net's resample_data_or_seg_to_shape")
    chosen = kwargs.get("order", order)
    if chosen not in (1, 3) or kwargs.get("order_z", 0) != 0 or kwargs.get("is_seg", False) is not False \
            or kwargs.get("force_separate_z") not in (None, True, False):
        raise PackRefusedError(f"plans.json: resampling_fn_{prefix}_kwargs {_shown(kwargs)} are not supported "
                               "(order 1 or 3, order_z 0)")
    return {"order": chosen, "order_z": 0, "force_separate_z": kwargs.get("force_separate_z")}


def preprocessing_arguments(plans: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """``NnUNetPreprocessd``'s arguments (without ``keys`` and ``orientation``), checked as data."""
    transpose = plans.get("transpose_forward")
    if not isinstance(transpose, list) or sorted(transpose) != [0, 1, 2]:
        raise PackRefusedError(f"plans.json: transpose_forward {_shown(transpose)} is not an order of 0, 1, 2")
    spacing = config.get("spacing")
    if not isinstance(spacing, list) or len(spacing) != 3:
        raise PackRefusedError(f"plans.json: spacing {_shown(spacing)} is not three numbers (3-D only)")
    schemes = config.get("normalization_schemes")
    if not isinstance(schemes, list) or len(schemes) != 1 or schemes[0] not in NORMALISATIONS:
        raise PackRefusedError(f"plans.json: normalization_schemes {_shown(schemes)} is not one of "
                               f"{', '.join(NORMALISATIONS)} for one channel")
    masks = config.get("use_mask_for_norm", [False])
    if not isinstance(masks, list) or len(masks) != 1 or not isinstance(masks[0], bool):
        raise PackRefusedError(f"plans.json: use_mask_for_norm {_shown(masks)} is not [true] or [false]")
    arguments = {"transpose_forward": list(transpose), "normalization": schemes[0],
                 "spacing": [_real(s, 0.01, 100.0, f"spacing[{i}]") for i, s in enumerate(spacing)],
                 "use_mask_for_norm": masks[0], **_resampling(config, "data", 3)}
    if schemes[0] == "CTNormalization":
        properties = (plans.get("foreground_intensity_properties_per_channel") or {}).get("0")
        if not isinstance(properties, dict):
            raise PackRefusedError("plans.json: CTNormalization needs "
                                   "foreground_intensity_properties_per_channel.0")
        arguments["intensity"] = [_real(properties.get(k), -1e6, 1e6, f"foreground intensity {k}")
                                  for k in ("mean", "std", "percentile_00_5", "percentile_99_5")]
    return arguments


# --------------------------------------------------------------------------- dataset.json
def read_labels(dataset: Any) -> dict[str, dict[str, str]]:
    """``{value: {"name"}}`` from dataset.json's ``labels`` (``{"background": 0, "spleen": 1, ...}``).

    Raises
    ------
    PackRefusedError
        Not a name-to-number mapping starting at background 0 with consecutive values, regions
        (lists of values), or more than 255 classes.
    """
    labels = dataset.get("labels") if isinstance(dataset, dict) else None
    if not isinstance(labels, dict) or not labels:
        raise PackRefusedError("dataset.json: no labels")
    if any(isinstance(v, list) for v in labels.values()) or "regions_class_order" in dataset:
        raise PackRefusedError("dataset.json: region-based labels are not supported")
    if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in labels.items()):
        raise PackRefusedError("dataset.json: labels must map names to whole numbers")
    values = sorted(labels.values())
    if values != list(range(len(values))) or len(values) > MAX_CLASSES + 1:
        raise PackRefusedError(f"dataset.json: label values are not 0 to {len(values) - 1} (at most "
                               f"{MAX_CLASSES} classes)")
    if "ignore" in labels:
        raise PackRefusedError("dataset.json: an 'ignore' label is not supported")
    return {str(v): {"name": k} for k, v in sorted(labels.items(), key=lambda kv: kv[1]) if v != 0}


# --------------------------------------------------------------------------- checkpoints
def read_checkpoint(path: Path, name: str) -> dict[str, Any]:
    """A checkpoint as tensors and plain data, loaded with ``weights_only=True`` and the numpy allow-list.

    Raises
    ------
    PackRefusedError
        The file is refused before loading (:func:`ai.packs.files.check_weights_file`), holds any
        other object (code), or is not nnU-Net's checkpoint dictionary; the message names it.
    """
    import torch

    if path.is_symlink() or path.parent.is_symlink() or not path.is_file():
        raise PackRefusedError(f"{name} is missing, a link or not a regular file")
    files.check_weights_file(path, name)
    try:
        with torch.serialization.safe_globals(checkpoint_globals()):
            checkpoint = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        lines = [line.strip() for line in str(e).splitlines() if "got <" in line or "Unsupported global" in line]
        raise PackRefusedError(f"{name}: refused, it holds objects other than tensors and numbers "
                               f"({(lines or [str(e).splitlines()[0]])[0][:160]})") from e
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as e:
        raise PackRefusedError(f"{name}: damaged or truncated checkpoint ({str(e).splitlines()[0][:160]})") from e
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("network_weights"), dict):
        raise PackRefusedError(f"{name}: not an nnU-Net checkpoint (no network_weights)")
    trainer = checkpoint.get("trainer_name")
    if not isinstance(trainer, str) or not re.fullmatch(r"nnUNetTrainer\w{0,80}", trainer):
        raise PackRefusedError(f"{name}: trainer_name {_shown(trainer)} is not an nnUNetTrainer")
    return checkpoint


def _folds(folder: Path, folds: list[int] | None) -> list[int]:
    found = sorted(int(p.name[5:]) for p in folder.iterdir()
                   if re.fullmatch(r"fold_\d{1,2}", p.name) and (p / CHECKPOINT).exists())
    chosen = found if folds is None else list(folds)
    missing = [f for f in chosen if f not in found]
    if missing or not chosen:
        raise PackRefusedError(f"fold_{missing[0] if missing else '*'}/{CHECKPOINT} is missing "
                               f"(folds here: {found or 'none'})")
    if len(chosen) > 10:
        raise PackRefusedError(f"{len(chosen)} folds: at most 10 are imported")
    return chosen


def _mirror_axes(checkpoints: list[dict[str, Any]]) -> list[int] | None:
    axes = checkpoints[0].get("inference_allowed_mirroring_axes")
    if axes is None:
        return None
    if not isinstance(axes, list | tuple) or not all(type(a) is int and 0 <= a <= 2 for a in axes):
        raise PackRefusedError(f"checkpoint: inference_allowed_mirroring_axes {_shown(axes)} is not axes 0 to 2")
    return sorted(set(axes))


def _licence(folder: Path, dataset: dict[str, Any], licence: str | os.PathLike | None) -> tuple[str, list[Path]]:
    if licence is not None:
        path = Path(licence)
        return read_text_file(path.parent, path.name), [path]
    for candidate in ("LICENSE", "LICENSE.txt", "LICENCE"):
        if (folder / candidate).is_file() and not (folder / candidate).is_symlink():
            return read_text_file(folder, candidate), [folder / candidate]
    stated = dataset.get("licence", dataset.get("license"))
    return (f"{stated} (as stated in dataset.json)" if isinstance(stated, str) and stated else ""), []


# --------------------------------------------------------------------------- the importer
def import_nnunet(source: str | os.PathLike, out_dir: str | os.PathLike, name: str | None = None,
                  orientation: str = "dcm2niix", folds: list[int] | None = None,
                  configuration_name: str | None = None, mirroring: bool = False,
                  body_parts: list[str] | None = None, modalities: list[str] | None = None,
                  licence: str | os.PathLike | None = None, training_inputs: TrainingInputs = None) -> Path:
    """Import an nnU-Net v2 trained-model folder as a pack that Outpost runs without nnU-Net.

    Parameters
    ----------
    source
        The folder holding ``dataset.json``, ``plans.json`` and ``fold_<n>/checkpoint_final.pth``.
    out_dir
        The pack folder to create (must not exist, or be empty).
    name
        The pack's name (default ``nnunet-<dataset name>``).
    orientation
        ``dcm2niix`` (the voxel order of dcm2niix's NIfTI files) or ``totalsegmentator`` (the
        closest canonical RAS, for TotalSegmentator's models).
    folds
        The folds to average (default: every ``fold_<n>`` with a checkpoint).
    configuration_name
        The plans' configuration (default: the one the first checkpoint was trained with).
    mirroring
        Also predict the mirror images along the axes the checkpoint allows, and average them
        in (slower; off by default, as in TotalSegmentator).
    body_parts, modalities
        What the pack is for (``outpost.body_parts``, ``outpost.modalities``); modalities default
        to CT for CT-normalised models.
    licence
        A licence file (default: a ``LICENSE`` in the folder, else what dataset.json states).
    training_inputs
        Statistics of the training images, or a JSON file holding them.

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    PackRefusedError
        A file is unsafe, malformed, describes another architecture, or its weights do not fit;
        the one-line message names the file and key. Nothing is written at ``out_dir``.
    """
    import torch

    from ai.nnunet.network import NnUNetEnsemble

    if orientation not in ORIENTATIONS:
        raise PackRefusedError(f"orientation {orientation!r} is not one of {', '.join(ORIENTATIONS)}")
    folder = Path(source)
    dataset = read_json_file(folder, "dataset.json")
    plans = read_json_file(folder, "plans.json")
    if not isinstance(dataset, dict) or not isinstance(plans, dict):
        raise PackRefusedError("dataset.json or plans.json is not a JSON object")
    channels = dataset.get("channel_names", dataset.get("modality"))
    if not isinstance(channels, dict) or len(channels) != 1:
        raise PackRefusedError(f"dataset.json: channel_names {_shown(channels)} is not one channel; Outpost "
                               "gives a model one series")
    labels = read_labels(dataset)
    n_classes = len(labels) + 1
    fold_list = _folds(folder, folds)
    checkpoints = [read_checkpoint(folder / f"fold_{f}" / CHECKPOINT, f"fold_{f}/{CHECKPOINT}") for f in fold_list]
    trained_with = (checkpoints[0].get("init_args") or {}).get("configuration")
    config_name = configuration_name or (trained_with if isinstance(trained_with, str) else "3d_fullres")
    config = configuration(plans, config_name)
    arguments = network_arguments(config, n_classes)
    prep = preprocessing_arguments(plans, config)
    patch = _wholes(config.get("patch_size"), 3, 1, MAX_PATCH, "patch_size")
    with torch.device("meta"):
        skeleton = NnUNetEnsemble(**arguments, folds=len(fold_list))
    nbytes = sum(t.numel() * 4 for t in skeleton.state_dict().values())
    if nbytes > MAX_NETWORK_BYTES:
        raise PackRefusedError(f"plans.json: the network of {config_name!r} would take {nbytes} bytes, more than "
                               f"{MAX_NETWORK_BYTES}")
    ensemble = NnUNetEnsemble(**arguments, folds=len(fold_list))
    for index, (fold, checkpoint) in enumerate(zip(fold_list, checkpoints, strict=True)):
        try:
            ensemble.load_nnunet_weights(index, checkpoint["network_weights"])
        except ValueError as e:
            raise PackRefusedError(f"fold_{fold}/{CHECKPOINT}: {e}") from e
    mirror_axes = _mirror_axes(checkpoints) if mirroring else None
    licence_text, licence_files = _licence(folder, dataset, licence)
    read = [folder / "dataset.json", folder / "plans.json",
            *(folder / f"fold_{f}" / CHECKPOINT for f in fold_list), *licence_files]
    dataset_name = str(plans.get("dataset_name") or dataset.get("name") or folder.name)
    if modalities is None and prep["normalization"] == "CTNormalization":
        modalities = ["CT"]
    outpost: dict[str, Any] = {
        "task": "segmentation", "dimensions": 3, "labels": labels,
        "nnunet": {"dataset": dataset_name, "configuration": config_name, "folds": fold_list,
                   "trainer": checkpoints[0]["trainer_name"], "orientation": orientation,
                   "mirroring": mirror_axes is not None, "architecture": arguments["architecture"],
                   "accumulation": "float16, as nnU-Net 2.8.1"}}
    if modalities:
        outpost["modalities"] = [m.upper() for m in modalities]
    if body_parts:
        outpost["body_parts"] = [b.upper() for b in body_parts]
    description = dataset.get("description")
    metadata = {
        "name": name or f"nnunet-{dataset_name}", "version": "1.0", "task": "segmentation",
        "description": str(description) if isinstance(description, str) and description
        else f"nnU-Net v2 model {dataset_name} ({config_name}, folds {', '.join(map(str, fold_list))})",
        "intended_use": "Research only, not for diagnostic use unless the model's authors say otherwise.",
        "network_data_format": {"outputs": {"pred": {"channel_def": {
            "0": "background", **{k: v["name"] for k, v in labels.items()}}}}},
        "outpost": outpost,
    }
    record_training_inputs(metadata, training_inputs)
    stated = dataset.get("reference")
    references = [*([stated] if isinstance(stated, str) and stated else []), *REFERENCES]
    authors = str(dataset.get("authors") or dataset.get("contributors") or "not stated in dataset.json")
    describe(metadata, source_record("nnunet", folder, read, authors, licence_text, references))
    inference = pack_stages(arguments, prep, orientation, patch, n_classes, len(fold_list), mirror_axes,
                            _resampling(config, "probabilities", 1))
    with staged_pack(out_dir) as root:
        write_pack(root, metadata, inference, ensemble.state_dict(), checksums=False, licence_text=licence_text)
    return Path(out_dir)


def pack_stages(arguments: dict[str, Any], prep: dict[str, Any], orientation: str, patch: list[int],
                n_classes: int, folds: int, mirror_axes: list[int] | None,
                probabilities: dict[str, Any]) -> dict[str, Any]:
    """The pack's ``configs/inference.json``: network, preprocessing, inferer and postprocessing."""
    return {
        "network_def": {"_target_": "ai.nnunet.NnUNetEnsemble", **arguments, "folds": folds},
        "preprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "LoadImaged", "keys": "image"},
            {"_target_": "EnsureChannelFirstd", "keys": "image"},
            {"_target_": "ai.nnunet.NnUNetPreprocessd", "keys": "image", "orientation": orientation, **prep}]},
        "inferer": {"_target_": "ai.nnunet.NnUNetSlidingWindowInferer", "patch_size": patch,
                    "n_classes": n_classes, "folds": folds, "mirror_axes": mirror_axes, "tile_step_size": 0.5},
        "postprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "ai.nnunet.NnUNetRestored", "keys": "pred", "image_key": "image", **probabilities}]},
    }

"""brainchop's TensorFlow.js MeshNets (``model.json`` + ``.bin`` shards) as Outpost packs.

Read as data only: ``model.json`` (the Keras topology and the weights manifest) through the
pack JSON reader, the shards as raw little-endian float32 (:func:`numpy.frombuffer`), and the
app's registry ``brainchop-parameters.js`` through :mod:`ai.importers.jsdata` (never run).
Keras ``Conv3D`` kernels ``(D, H, W, in, out)`` become PyTorch's ``(out, in, D, H, W)``; the
dilations, channels, activation and bias come from the topology, and a convolution whose name
ends in ``_gn`` (brainchop's PyTorch exporter's mark for a parameter-free GroupNorm after it)
selects MeshNet's ``blocks`` layout.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from ai.errors import PackRefusedError
from ai.importers.jsdata import parse_declarations
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
from ai.networks.meshnet import ACTIVATIONS
from ai.packs import files
from ai.packs.pack import MAX_NETWORK_BYTES

PARAMETERS_FILE = "brainchop-parameters.js"
REFERENCES = ["Masoud M, Hu F, Plis S. Brainchop: In-browser MRI volumetric segmentation and rendering. "
              "Journal of Open Source Software 8(83):5098, 2023. doi:10.21105/joss.05098",
              "Fedorov A et al. End-to-end learning of brain tissue segmentation from imperfect labeling. "
              "IJCNN 2017 (MeshNet)"]
AUTHORS = "neuroneural/brainchop (Mohamed Masoud, Farfalla Hu, Sergey Plis)"
#: What brainchop does around its MeshNets, as MONAI transforms: the whole conformed volume at
#: once and the most likely class per voxel; intensities scaled to [0, 1] by their range, or
#: between the 2nd and 98th percentiles where the registry asks for quantile normalisation.
#: What every brainchop MeshNet was trained on: T1-weighted MR conformed (FreeSurfer ``mri_convert
#: --conform``) to 256x256x256 voxels of 1 mm, grey-scale (the :mod:`ai.packs.pack` schema).
MESHNET_TRAINING_INPUTS = {"modalities": ["MR"], "photometric": ["MONOCHROME2"],
                           "pixel_spacing_mm": [1.0, 1.0], "slice_spacing_mm": [1.0, 1.0]}
MIN_MAX = {"_target_": "ScaleIntensityd", "keys": "image", "minv": 0.0, "maxv": 1.0}
QUANTILES = {"_target_": "ScaleIntensityRangePercentilesd", "keys": "image", "lower": 2, "upper": 98,
             "b_min": 0, "b_max": 1, "clip": True}


#: FreeSurfer's conformed grid, which every brainchop MeshNet was trained on.
CONFORM = {"_target_": "ai.packs.transforms.ConformLIAd", "keys": "image", "size": 256, "spacing": 1.0}
#: The brain-MRI body parts a series may name (DICOM BodyPartExamined) for these packs.
BODY_PARTS = ["HEAD", "BRAIN"]


def meshnet_stages(quantile_norm: bool, crop: dict[str, Any] | None = None) -> dict[str, Any]:
    """``preprocessing``, ``inferer`` and ``postprocessing`` of a brainchop MeshNet pack.

    Parameters
    ----------
    quantile_norm
        Scale between the 2nd and 98th percentiles (else between the minimum and maximum).
    crop
        ``{"padding": int, "threshold": float}`` where brainchop crops the brain before the
        network (``enableCrop``, ``cropPadding``, ``autoThreshold``); ``None``: no crop.
    """
    transforms = [{"_target_": "LoadImaged", "keys": "image"},
                  {"_target_": "EnsureChannelFirstd", "keys": "image"},
                  dict(CONFORM), dict(QUANTILES if quantile_norm else MIN_MAX)]
    after = [{"_target_": "AsDiscreted", "keys": "pred", "argmax": True}]
    if crop is not None:
        transforms.append({"_target_": "ai.packs.transforms.BrainCropd", "keys": "image",
                           "padding": int(crop["padding"]), "threshold": float(crop["threshold"])})
        after.append({"_target_": "ai.packs.transforms.BrainUncropd", "keys": "pred", "source": "image"})
    return {
        "preprocessing": {"_target_": "Compose", "transforms": transforms},
        "inferer": {"_target_": "SimpleInferer"},
        "postprocessing": {"_target_": "Compose", "transforms": after},
    }


def _crop(entry: dict[str, Any]) -> dict[str, Any] | None:
    """Brainchop's crop settings of a registry entry (``None`` when it does not crop)."""
    if not entry.get("enableCrop"):
        return None
    padding, threshold = entry.get("cropPadding") or 0, entry.get("autoThreshold") or 0
    if type(padding) is not int or not 0 <= padding <= 64:
        raise PackRefusedError(f"{PARAMETERS_FILE}: cropPadding {padding!r} is not a whole number from 0 to 64")
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0 <= threshold <= 1:
        raise PackRefusedError(f"{PARAMETERS_FILE}: autoThreshold {threshold!r} is not a number from 0 to 1")
    return {"padding": padding, "threshold": float(threshold)}


def _crop_mask(crop: dict[str, Any], pre_model_pack: str | None) -> str:
    """What brainchop crops to, in words (the order of :class:`ai.packs.transforms.BrainCropd`)."""
    if pre_model_pack:
        return f"the brain mask of {pre_model_pack}"
    if crop["threshold"] > 0:
        return f"the voxels above {crop['threshold']:g} of the maximum"
    return "the non-zero voxels"


# --------------------------------------------------------------------------- model.json
def _layers(model: Any) -> list[dict]:
    try:
        layers = model["modelTopology"]["model_config"]["config"]["layers"]
    except (KeyError, TypeError) as e:
        raise PackRefusedError("model.json: no modelTopology.model_config.config.layers (not a TF.js "
                               "layers-model)") from e
    if not isinstance(layers, list) or not all(isinstance(layer, dict) for layer in layers):
        raise PackRefusedError("model.json: its layers are not a list of objects")
    return layers


def _triple(config: dict, key: str, name: str) -> int:
    value = config.get(key)
    if not (isinstance(value, list) and len(value) == 3 and all(type(v) is int for v in value)
            and value[0] == value[1] == value[2] and 1 <= value[0] <= 64):
        raise PackRefusedError(f"model.json: layer {name!r} has {key} {value!r}; MeshNet needs three equal "
                               "whole numbers from 1 to 64")
    return value[0]


def read_topology(model: Any) -> dict[str, Any]:
    """MeshNet's arguments, and the Keras names of its convolutions in order, from a layers-model.

    The model must be a chain: an input, then 3x3x3 dilated ``Conv3D`` layers (``same``
    padding, stride 1) each followed by one activation, then a 1x1x1 ``Conv3D`` to the classes.

    Returns
    -------
    dict
        ``network_def`` arguments (``in_channels``, ``n_classes``, ``channels``, ``dilations``,
        ``activation``, ``layout``, ``bias``) and ``convolutions`` (layer names).

    Raises
    ------
    PackRefusedError
        Any other layer, shape or setting, naming model.json and the layer.
    """
    layers = _layers(model)
    if not layers or layers[0].get("class_name") != "InputLayer":
        raise PackRefusedError("model.json: the first layer is not an InputLayer")
    shape = layers[0].get("config", {}).get("batch_input_shape")
    if not (isinstance(shape, list) and len(shape) == 5 and type(shape[-1]) is int and 1 <= shape[-1] <= 16):
        raise PackRefusedError(f"model.json: input shape {shape!r} is not [batch, D, H, W, channels]")
    convolutions: list[dict] = []
    activations: list[str] = []
    previous = layers[0].get("name")
    for layer in layers[1:]:
        kind, config, name = layer.get("class_name"), layer.get("config") or {}, layer.get("name")
        inbound = layer.get("inbound_nodes")
        if not (isinstance(inbound, list) and len(inbound) == 1 and isinstance(inbound[0], list)
                and len(inbound[0]) == 1 and isinstance(inbound[0][0], list) and inbound[0][0][:1] == [previous]):
            raise PackRefusedError(f"model.json: layer {name!r} does not follow {previous!r}; only a chain of "
                                   "layers (MeshNet) is imported")
        if kind == "Conv3D":
            if len(convolutions) > len(activations):
                raise PackRefusedError(f"model.json: layer {name!r} follows a convolution without an activation")
            if (config.get("padding"), config.get("data_format", "channels_last"), config.get("groups", 1),
                    config.get("activation", "linear")) != ("same", "channels_last", 1, "linear") \
                    or _triple(config, "strides", name) != 1:
                raise PackRefusedError(f"model.json: layer {name!r} is not a 'same'-padded, stride-1, linear, "
                                       "channels-last convolution")
            convolutions.append({"name": name, "filters": config.get("filters"), "bias": config.get("use_bias"),
                                 "kernel": _triple(config, "kernel_size", name),
                                 "dilation": _triple(config, "dilation_rate", name)})
        elif kind == "Activation":
            if len(activations) != len(convolutions) - 1 or config.get("activation") not in ACTIVATIONS:
                raise PackRefusedError(f"model.json: layer {name!r} is an activation "
                                       f"{config.get('activation')!r} where MeshNet has none, or not one of "
                                       f"{sorted(ACTIVATIONS)}")
            activations.append(config["activation"])
        else:
            raise PackRefusedError(f"model.json: layer {name!r} is a {kind!r}; MeshNet imports take only "
                                   "InputLayer, Conv3D and Activation")
        previous = name
    hidden, last = convolutions[:-1], convolutions[-1] if convolutions else None
    if not hidden or last is None or len(activations) != len(hidden):
        raise PackRefusedError("model.json: MeshNet needs dilated convolutions then a final 1x1x1 convolution")
    if last["kernel"] != 1 or last["dilation"] != 1 or last["bias"] is not True:
        raise PackRefusedError(f"model.json: the last layer {last['name']!r} is not a 1x1x1 convolution with bias")
    grouped = {conv["name"].endswith("_gn") for conv in hidden}
    if len({(c["filters"], c["bias"], c["kernel"]) for c in hidden}) != 1 or len(set(activations)) != 1 \
            or len(grouped) != 1 or hidden[0]["kernel"] != 3 or type(hidden[0]["filters"]) is not int:
        raise PackRefusedError("model.json: the dilated layers differ in channels, bias, kernel, activation or "
                               "normalisation; MeshNet needs 3x3x3 layers that differ only in dilation")
    blocks = grouped == {True}
    if blocks and hidden[0]["bias"]:
        raise PackRefusedError("model.json: convolutions followed by GroupNorm ('_gn') must have no bias")
    return {"in_channels": shape[-1], "n_classes": last["filters"], "channels": hidden[0]["filters"],
            "dilations": [conv["dilation"] for conv in hidden], "activation": activations[0],
            "layout": "blocks" if blocks else "flat", "bias": bool(hidden[0]["bias"]),
            "convolutions": [conv["name"] for conv in convolutions]}


def _shard_name(path: Any) -> str:
    if not isinstance(path, str) or "/" in path or "\\" in path or not path:
        raise PackRefusedError(f"model.json: the shard {path!r} is not a plain file name beside model.json")
    files.check_relative_path([path], f"model.json: the shard {files.shown_name(path)}")
    return path


def read_weights(folder: Path, model: Any) -> tuple[dict[str, np.ndarray], list[str]]:
    """The tensors of a layers-model, by Keras name, read from its shards as raw float32.

    Returns
    -------
    tuple
        ``({name: array}, [shard file names])``.

    Raises
    ------
    PackRefusedError
        A shard is not a plain name beside model.json, a link or special file, or holds
        fewer or more bytes than the manifest; a weight is not float32, quantised, or of a
        shape over :data:`ai.packs.pack.MAX_NETWORK_BYTES`.
    """
    manifest = model.get("weightsManifest") if isinstance(model, dict) else None
    if not isinstance(manifest, list) or not manifest:
        raise PackRefusedError("model.json: no weightsManifest")
    tensors: dict[str, np.ndarray] = {}
    shards: list[str] = []
    for group in manifest:
        if not isinstance(group, dict) or not isinstance(group.get("paths"), list) \
                or not isinstance(group.get("weights"), list):
            raise PackRefusedError("model.json: a weightsManifest entry lacks paths or weights")
        names = [_shard_name(path) for path in group["paths"]]
        specs = []
        needed = 0
        for spec in group["weights"]:
            name = spec.get("name") if isinstance(spec, dict) else None
            shape = spec.get("shape") if isinstance(spec, dict) else None
            if not isinstance(name, str) or not isinstance(shape, list) \
                    or not all(type(n) is int and n >= 0 for n in shape):
                raise PackRefusedError(f"model.json: weight {name!r} has no name or a shape {shape!r} that is "
                                       "not a list of whole numbers")
            if spec.get("dtype") != "float32" or "quantization" in spec:
                raise PackRefusedError(f"model.json: weight {name!r} is {spec.get('dtype')!r}"
                                       f"{' quantised' if 'quantization' in spec else ''}; only float32 is read")
            count = int(np.prod(shape, dtype=object)) if shape else 1
            needed += 4 * count
            if needed > MAX_NETWORK_BYTES:
                raise PackRefusedError(f"model.json: weight {name!r} of shape {shape} takes the weights past "
                                       f"{MAX_NETWORK_BYTES} bytes; it is not read")
            specs.append((name, shape, count))
        sizes = {shard: _size(folder, shard) for shard in names}
        if sum(sizes.values()) != needed:
            raise PackRefusedError(f"{', '.join(names)}: holds {sum(sizes.values())} bytes, model.json's "
                                   f"weightsManifest needs {needed}")
        data = b"".join(files.read_pack_bytes(folder, shard, sizes[shard]) for shard in names)
        offset = 0
        for name, shape, count in specs:
            tensors[name] = np.frombuffer(data, dtype="<f4", count=count, offset=offset).reshape(shape)
            offset += 4 * count
        shards += names
    return tensors, shards


def _size(folder: Path, shard: str) -> int:
    try:
        info = os.lstat(folder / shard)
    except FileNotFoundError as e:
        raise PackRefusedError(f"{shard} (a shard model.json names) is missing") from e
    if not os.path.isfile(folder / shard) or os.path.islink(folder / shard):
        raise PackRefusedError(f"{shard} is not a regular file (a link or special file); it is not read")
    return info.st_size


def state_dict(arguments: dict[str, Any], tensors: dict[str, np.ndarray]) -> dict:
    """The MeshNet state dict from Keras tensors: kernels transposed to ``(out, in, D, H, W)``.

    Raises
    ------
    PackRefusedError
        A tensor is missing, left over, or of the wrong shape for the network.
    """
    import torch
    from torch import nn

    from ai.networks.meshnet import MeshNet

    network = MeshNet(**{k: v for k, v in arguments.items() if k != "convolutions"})
    modules = [name for name, module in network.named_modules() if isinstance(module, nn.Conv3d)]
    state: dict[str, torch.Tensor] = {}
    used = set()
    for keras, module in zip(arguments["convolutions"], modules, strict=True):
        for kind, key in (("kernel", "weight"), ("bias", "bias")):
            target = f"{module}.{key}"
            if target not in network.state_dict():
                continue
            source = tensors.get(f"{keras}/{kind}")
            if source is None:
                raise PackRefusedError(f"model.json: the weightsManifest has no {keras}/{kind}")
            array = np.transpose(source, (4, 3, 0, 1, 2)) if kind == "kernel" else source
            state[target] = torch.from_numpy(np.array(array, dtype=np.float32, order="C", copy=True))
            used.add(f"{keras}/{kind}")
    if set(tensors) - used:
        raise PackRefusedError(f"model.json: weights no layer uses: {sorted(set(tensors) - used)[:3]}")
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise PackRefusedError(f"model.json: the weights do not fit the topology ({first})") from e
    return network.state_dict()


# --------------------------------------------------------------------------- the app's registry
def _app_root(folder: Path) -> Path | None:
    for parent in list(folder.parents)[:4]:
        if (parent / PARAMETERS_FILE).exists() or (parent / PARAMETERS_FILE).is_symlink():
            return parent
    return None


def registry_entry(app: Path, folder: Path, entry_id: int | None = None) -> dict[str, Any]:
    """The registry entry of the model in ``folder`` (the one with ``entry_id``, or the first listed).

    Raises
    ------
    PackRefusedError
        The registry holds code, or no entry names this model (or ``entry_id``).
    """
    declared = parse_declarations(read_text_file(app, PARAMETERS_FILE), PARAMETERS_FILE)
    models = declared.get("inferenceModelsList")
    if not isinstance(models, list):
        raise PackRefusedError(f"{PARAMETERS_FILE}: no inferenceModelsList array")
    mine = [m for m in models if isinstance(m, dict) and isinstance(m.get("path"), str)
            and m["path"].strip("./").split("/")[-2:-1] == [folder.name]]
    if entry_id is not None:
        mine = [m for m in mine if m.get("id") == entry_id]
    if not mine:
        raise PackRefusedError(f"{PARAMETERS_FILE}: no entry names models/{folder.name}"
                               f"{'' if entry_id is None else f' with id {entry_id}'}")
    chosen = dict(next((m for m in mine if m.get("colormapPath")), mine[0]))
    pre = chosen.get("preModelId")
    chosen["preModel"] = next((m for m in models if isinstance(m, dict) and m.get("id") == pre), None)
    return chosen


def _labels(folder: Path, app: Path | None, entry: dict[str, Any], n_classes: int) -> tuple[dict, list[Path]]:
    """``{value: {"name", "color"}}`` from the entry's colormap (or the folder's colormap.json)."""
    candidates = []
    colormap = entry.get("colormapPath")
    if isinstance(colormap, str) and app is not None:
        parts = [p for p in colormap.split("/") if p not in ("", ".")]
        files.check_relative_path(parts, f"{PARAMETERS_FILE}: colormapPath {files.shown_name(colormap)}")
        candidates.append(app / "public" / Path(*parts))
    candidates.append(folder / "colormap.json")
    path = next((c for c in candidates if c.is_file() and not c.is_symlink()), None)
    if path is None:
        return {str(v): {"name": f"class {v}"} for v in range(1, n_classes)}, []
    table = read_json_file(path.parent, path.name)
    names = table.get("labels") if isinstance(table, dict) else None
    if not isinstance(names, list) or len(names) != n_classes or not all(isinstance(n, str) for n in names):
        raise PackRefusedError(f"{path.name}: its labels are not {n_classes} names")
    labels = {}
    for value, name in enumerate(names[1:], start=1):
        label: dict[str, Any] = {"name": name}
        with contextlib.suppress(KeyError, IndexError, TypeError, ValueError):
            label["color"] = [int(table[c][value]) for c in "RGB"]
        labels[str(value)] = label
    return labels, [path]


# --------------------------------------------------------------------------- the importer
def import_brainchop(source: str | os.PathLike, out_dir: str | os.PathLike, name: str | None = None,
                     entry: int | None = None, parameters: str | os.PathLike | None = None,
                     training_inputs: TrainingInputs = None, pre_model_pack: str | None = None) -> Path:
    """Import a brainchop TF.js MeshNet folder as a pack with safetensors weights.

    Parameters
    ----------
    source
        The model folder (``model.json`` and its shards), e.g. ``public/models/model5_gw_ae``.
    out_dir
        The pack folder to create (must not exist, or be empty).
    name
        The pack's name (default ``brainchop-<folder>``).
    entry
        The registry id to take the display name, labels and normalisation from (default: the
        first entry for this model that names a colormap).
    parameters
        ``brainchop-parameters.js`` (default: found in the folders above ``source``); its
        folder's ``LICENSE`` is recorded.
    training_inputs
        Statistics of the training images (:data:`ai.packs.pack.TRAINING_INPUT_KEYS`), or a JSON
        file holding them (default :data:`MESHNET_TRAINING_INPUTS`).
    pre_model_pack
        The name of the pack that holds the registry's pre-model (``preModelId``), which
        :mod:`ai.workflow` runs first (default ``brainchop-<its folder>``, the name this importer
        gives it). Ignored when the registry names no pre-model.

    Returns
    -------
    pathlib.Path
        ``out_dir``.

    Raises
    ------
    PackRefusedError
        A source file is unsafe, malformed or not a MeshNet; the message names it. Nothing is
        written at ``out_dir``.
    """
    folder = Path(source)
    model = read_json_file(folder, "model.json")
    arguments = read_topology(model)
    tensors, shards = read_weights(folder, model)
    weights = state_dict(arguments, tensors)
    app = Path(parameters).parent if parameters else _app_root(folder)
    chosen = registry_entry(app, folder, entry) if app is not None else {}
    labels, colormaps = _labels(folder, app, chosen, arguments["n_classes"])
    licence_text = read_text_file(app, "LICENSE") if app is not None and (app / "LICENSE").exists() else ""
    read = [folder / "model.json", *(folder / s for s in shards), *colormaps]
    if app is not None:
        read += [app / PARAMETERS_FILE] + ([app / "LICENSE"] if licence_text else [])
    base = app or folder
    network_def = {"_target_": "ai.networks.MeshNet",
                   **{k: v for k, v in arguments.items() if k != "convolutions"}}
    pre = chosen.get("preModel") or {}
    pre_folder = pre.get("path", "").strip("./").split("/")[-2:-1] if isinstance(pre.get("path"), str) else []
    runs_after = None
    if chosen.get("preModelId") and pre_folder:
        runs_after = pre_model_pack or f"brainchop-{pre_folder[0]}"
    crop = _crop(chosen)
    applied = ("conformed to 256x256x256 voxels of 1 mm, LIA (as mri_convert --conform, without its 8-bit "
               "rescaling); " + ("quantile" if chosen.get("enableQuantileNorm") else "min-max") + " normalisation"
               + (f"; the brain cropped to the box of {_crop_mask(crop, runs_after)}, padded by "
                  f"{crop['padding']} voxels" if crop else "")
               + (f"; {runs_after} runs first (ai.workflow)" if runs_after else "")
               + "; not applied: brainchop's 3-D connected-components clean-up")
    outpost: dict[str, Any] = {
        "task": "segmentation", "dimensions": 3, "modalities": ["MR"], "body_parts": list(BODY_PARTS),
        "labels": labels, "volumetry": True,
        "brainchop": {
            "id": chosen.get("id"), "display_name": chosen.get("modelName", folder.name),
            "type": chosen.get("type"), "crop_brain": crop is not None,
            "crop_padding": chosen.get("cropPadding"), "auto_threshold": chosen.get("autoThreshold"),
            "quantile_norm": bool(chosen.get("enableQuantileNorm")),
            "pre_model_id": chosen.get("preModelId"), "pre_model": pre.get("path"),
            "pre_model_name": pre.get("modelName"), "pre_model_pack": runs_after, "applied": applied}}
    if runs_after:
        outpost["runs_after"] = runs_after
    metadata = {
        "name": name or f"brainchop-{folder.name}", "version": "1.0", "task": "segmentation",
        "description": str(chosen.get("description") or f"brainchop MeshNet {folder.name}"),
        "intended_use": "Research only, not for diagnostic use. Takes a T1-weighted brain MRI in any "
                        "orientation; it is conformed to 256x256x256 at 1 mm (FreeSurfer LIA) as the model "
                        "expects and the labels are put back on the series' grid.",
        "network_data_format": {"outputs": {"pred": {"channel_def": {
            "0": "background", **{k: v["name"] for k, v in labels.items()}}}}},
        "outpost": outpost,
    }
    record_training_inputs(metadata, MESHNET_TRAINING_INPUTS if training_inputs is None else training_inputs)
    describe(metadata, source_record("brainchop", base, read, AUTHORS, licence_text, REFERENCES))
    inference = {"network_def": network_def, **meshnet_stages(bool(chosen.get("enableQuantileNorm")), crop)}
    with staged_pack(out_dir) as root:
        write_pack(root, metadata, inference, weights, checksums=False, licence_text=licence_text)
    return Path(out_dir)

"""Build model packs in temporary folders for tests (never committed)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from ai.importers import import_pack
from ai.importers.brainchop import MESHNET_TRAINING_INPUTS
from ai.importers.writer import write_pack
from ai.packs.pack import write_checksums  # noqa: F401 (re-exported: tests import it from here too)

# What the installer's catalogue records of these weights' training inputs, and the HybridGNet recipe.
from installer.catalogue import (
    HYBRIDGNET_INFERENCE,
    JSRT_TRAINING_INPUTS,
    KERMANY_TRAINING_INPUTS,
    PNEUMONIA_CLASSES,
)


def make_pack(root: Path, metadata: dict, inference: dict, state_dict: dict | None = None,
              checksums: bool = True) -> Path:
    """A pack folder with the given configs and a state dict saved as models/model.pt."""
    return write_pack(root, metadata, inference, state_dict, weights="pt", checksums=checksums)


def spleen_pack(shared_data: Path, root: Path, seed: int = 0) -> Path:
    """MONAI's published spleen configs with random weights of the right shapes."""
    from ai.packs.config import BundleConfig, Instantiator

    source = shared_data / "monai_bundle_configs" / "spleen_ct_segmentation" / "configs"
    inference = json.loads((source / "inference.json").read_text())
    metadata = json.loads((source / "metadata.json").read_text())
    metadata["outpost"] = {"task": "segmentation", "modalities": ["CT"],
                           "labels": {"1": {"name": "spleen", "color": [220, 60, 60]}}}
    torch.manual_seed(seed)
    network = Instantiator({}).build(BundleConfig(inference).resolve_all()["network_def"], "network_def")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(source.parent / "LICENSE", root / "LICENSE")
    return make_pack(root, metadata, inference, network.state_dict())


CXR_CLASSES = {str(index): name for index, name in enumerate(PNEUMONIA_CLASSES)}


def squeezenet_cxr_pack(shared_data: Path, root: Path) -> Path:
    """The real SqueezeNet 1.1 pneumonia weights, imported as torchvision publishes them."""
    folder = shared_data / "weights_cxr_pneumonia_squeezenet"
    return import_pack("torchvision", folder / "Models" / "squeezenet1_1_model.pth", root,
                       name="cxr-pneumonia-squeezenet", classes=list(CXR_CLASSES.values()),
                       size=224, licences=sorted(folder.glob("LICENSE-*")),
                       authors="Shain Sahagun (weights); Outpost (pack)", training_inputs=KERMANY_TRAINING_INPUTS)


def hybridgnet_pack(shared_data: Path, root: Path) -> Path:
    """The HybridGNet baseline U-Net (JSRT lungs, heart, clavicles) as a 2-D segmentation pack."""
    weights = shared_data / "weights_cxr_lung_heart_clavicle_unet_hybridgnet" / "weights" / "unet.pt"
    metadata = {
        "name": "cxr-anatomy-unet", "version": "0.1", "task": "segmentation",
        "network_data_format": {"outputs": {"pred": {"channel_def": {
            "0": "background", "1": "lungs", "2": "heart", "3": "clavicles"}}}},
        "outpost": {"task": "segmentation", "dimensions": 2, "modalities": ["CR", "DX", "OT"],
                    "training_inputs": JSRT_TRAINING_INPUTS},
    }
    inference = HYBRIDGNET_INFERENCE
    state = torch.load(weights, map_location="cpu", weights_only=True)
    return make_pack(root, metadata, inference, state)


#: What brainchop does around its MeshNets: intensities scaled between the 2nd and 98th percentiles
#: of the conformed T1, the whole volume at once, and the most likely class per voxel.
MESHNET_STAGES = {
    "preprocessing": {"_target_": "Compose", "transforms": [
        {"_target_": "LoadImaged", "keys": "image"},
        {"_target_": "EnsureChannelFirstd", "keys": "image"},
        {"_target_": "ScaleIntensityRangePercentilesd", "keys": "image", "lower": 2, "upper": 98,
         "b_min": 0, "b_max": 1, "clip": True}]},
    "inferer": {"_target_": "SimpleInferer"},
    "postprocessing": {"_target_": "Compose", "transforms": [
        {"_target_": "AsDiscreted", "keys": "pred", "argmax": True}]},
}


def meshnet_tissue_pack(shared_data: Path, root: Path) -> Path:
    """brainchop's small MeshNet (model5_gw_ae): white and grey matter of a conformed 256^3 T1."""
    from safetensors.torch import load_file

    folder = shared_data / "weights_brain_mri_meshnet_brainchop" / "meshnet" / "model5_gw_ae"
    colormap = json.loads((folder / "colormap3.json").read_text())  # brainchop's own names and colours
    labels = {str(value): {"name": name.lower(), "color": [colormap["R"][value], colormap["G"][value],
                                                         colormap["B"][value]]}
              for value, name in enumerate(colormap["labels"]) if value}
    metadata = {
        "name": "brain-tissue-meshnet", "version": "0.1", "task": "segmentation",
        "authors": "neuroneural/brainchop (weights); Outpost (pack)", "intended_use": "research only",
        "network_data_format": {"outputs": {"pred": {"channel_def": {
            "0": "background", **{k: v["name"] for k, v in labels.items()}}}}},
        "outpost": {"task": "segmentation", "dimensions": 3, "modalities": ["MR"], "labels": labels,
                    "training_inputs": MESHNET_TRAINING_INPUTS},
    }
    inference = {
        "network_def": {"_target_": "ai.networks.MeshNet", "in_channels": 1, "n_classes": 3, "channels": 5,
                        "dilations": [1, 2, 4, 8, 16, 8, 4, 2, 1], "activation": "relu"},
        **MESHNET_STAGES,
    }
    state = load_file(folder / "model.pth")  # safetensors despite the name
    return make_pack(root, metadata, inference, state)


def mindgrab_pack(shared_data: Path, root: Path) -> Path:
    """brainchop's mindgrab MeshNet (skull stripping) for conformed 256^3 T1 volumes."""
    weights = shared_data / "weights_brain_mri_meshnet_brainchop" / "meshnet" / "mindgrab" / "model.pth"
    metadata = {
        "name": "brain-mask-mindgrab", "version": "0.1", "task": "segmentation",
        "network_data_format": {"outputs": {"pred": {"channel_def": {"0": "background", "1": "brain"}}}},
        "outpost": {"task": "segmentation", "dimensions": 3, "modalities": ["MR"],
                    "training_inputs": MESHNET_TRAINING_INPUTS},
    }
    inference = {
        "network_def": {"_target_": "ai.networks.MeshNet", "in_channels": 1, "n_classes": 2, "channels": 15,
                        "dilations": [16, 8, 4, 2, 1] * 5, "activation": "gelu", "layout": "blocks"},
        **MESHNET_STAGES,
    }
    state = torch.load(weights, map_location="cpu", weights_only=True)
    return make_pack(root, metadata, inference, state)

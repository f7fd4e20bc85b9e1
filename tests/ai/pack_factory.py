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


CXR_CLASSES = {"0": "Bacterial Pneumonia", "1": "Normal", "2": "Viral Pneumonia"}
#: The Kermany et al. paediatric chest X-rays the SqueezeNet was fine-tuned on: 8-bit grey-scale JPEGs
#: (the shared data's README of weights_cxr_pneumonia_squeezenet); their pixel spacing is not published.
KERMANY_TRAINING_INPUTS = {"photometric": ["MONOCHROME2"], "bits_stored": [8], "intensity_range": [0, 255]}
#: JSRT as HybridGNet's authors prepared it (the shared MANIFEST): 8-bit PNGs of 1024x1024 pixels made
#: from the 2048x2048 films of 0.175 mm, so 0.35 mm pixels.
#: No pixel spacing: the network resizes the whole film to 512 x 512, and JSRT's spacing after the
#: published downsampling is not stated with the weights.
JSRT_TRAINING_INPUTS = {"photometric": ["MONOCHROME2"], "bits_stored": [8], "intensity_range": [0, 255]}


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
    inference = {
        "network_def": {"_target_": "ai.networks.ResidualUNet", "in_channels": 1, "n_classes": 4},
        "preprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "LoadImaged", "keys": "image"},
            {"_target_": "EnsureChannelFirstd", "keys": "image"},
            {"_target_": "Transposed", "keys": "image", "indices": [0, 2, 1]},
            {"_target_": "Resized", "keys": "image", "spatial_size": [512, 512], "mode": "area"},
            {"_target_": "ScaleIntensityRanged", "keys": "image", "a_min": 0, "a_max": 255, "b_min": 0,
             "b_max": 1, "clip": True}]},
        "inferer": {"_target_": "SimpleInferer"},
        "postprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "AsDiscreted", "keys": "pred", "argmax": True},
            {"_target_": "Invertd", "keys": "pred", "transform": "@preprocessing", "orig_keys": "image",
             "nearest_interp": True}]},
    }
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

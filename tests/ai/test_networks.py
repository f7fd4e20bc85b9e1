"""The project's networks load the real published weights (every key) and work on real inputs."""

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from ai.networks import MeshNet, ResidualUNet, SqueezeNet11
from viewer.core.measure import roi_mask

MESHNET = "weights_brain_mri_meshnet_brainchop/meshnet"
UNET = "weights_cxr_lung_heart_clavicle_unet_hybridgnet"
FLAT_MESHNETS = {  # folder: (channels, classes, dilations, activation)
    "model5_gw_ae": (5, 3, (1, 2, 4, 8, 16, 8, 4, 2, 1), "relu"),
    "model18cls": (21, 18, (1, 2, 4, 8, 16, 8, 4, 2, 1), "elu"),
    "model21_104class": (21, 104, (1, 2, 2, 4, 4, 8, 8, 16), "relu"),
}


def _mindgrab():
    return MeshNet(1, 2, 15, (16, 8, 4, 2, 1) * 5, activation="gelu", layout="blocks")


@pytest.mark.parametrize("folder", sorted(FLAT_MESHNETS))
def test_flat_meshnets_match_every_key(shared_data, folder):
    channels, classes, dilations, activation = FLAT_MESHNETS[folder]
    network = MeshNet(1, classes, channels, dilations, activation=activation)
    state = load_file(shared_data / MESHNET / folder / "model.pth")  # safetensors despite the name
    result = network.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_slab_application_of_the_last_layer_changes_nothing():
    torch.manual_seed(0)
    network = MeshNet(1, 7, 4, (1, 2), slab=3).eval()
    x = torch.rand(1, 1, 10, 8, 8)
    with torch.no_grad():
        whole = network.model(x)
        slabs = network(x)
    assert torch.allclose(whole, slabs, atol=1e-6)


def test_mindgrab_matches_every_key(shared_data):
    """Its behaviour on the T1 sample is tested through a pack in test_real_packs.py."""
    state = torch.load(shared_data / MESHNET / "mindgrab" / "model.pth", map_location="cpu", weights_only=True)
    result = _mindgrab().load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


@pytest.mark.parametrize("sample", ["JPCLN004", "JPCNN043"])
def test_hybridgnet_unet_segments_lungs_and_heart(shared_data, sample):
    network = ResidualUNet()
    state = torch.load(shared_data / UNET / "weights" / "unet.pt", map_location="cpu", weights_only=True)
    network.load_state_dict(state, strict=True)
    image = np.asarray(Image.open(shared_data / UNET / "samples" / f"{sample}.png").convert("L"), np.float32)
    small = image.reshape(512, 2, 512, 2).mean(axis=(1, 3)) / 255.0  # 1024 -> 512, as trained
    with torch.no_grad():
        labels = network.eval()(torch.from_numpy(small)[None, None]).argmax(1)[0].numpy()
    points = np.load(shared_data / UNET / "samples" / f"{sample}_landmarks.npy").reshape(-1, 2) / 2.0

    def polygon(start, stop):  # landmarks are (x, y); masks take (row, col)
        return roi_mask(labels.shape, "freehand", [(y, x) for x, y in points[start:stop]])

    lungs, heart = polygon(0, 44) | polygon(44, 94), polygon(94, 120)

    def dice(predicted, truth):
        return 2.0 * (predicted & truth).sum() / (predicted.sum() + truth.sum())

    assert dice(labels == 1, lungs) >= 0.90
    assert dice(labels == 2, heart) >= 0.90


def test_squeezenet_matches_every_key_and_gives_probabilities(shared_data):
    network = SqueezeNet11(3)
    state = torch.load(shared_data / "weights_cxr_pneumonia_squeezenet" / "Models" / "squeezenet1_1_model.pth",
                       map_location="cpu", weights_only=True)
    result = network.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    with torch.no_grad():
        probabilities = torch.softmax(network.eval()(torch.rand(2, 3, 224, 224)), dim=1)
    assert torch.allclose(probabilities.sum(1), torch.ones(2))

"""The built-in demo pack (resources/packs/outpost-demo-ct) and the script that trains it."""

import json
import shutil
import warnings

import numpy as np
import pytest
import torch

from ai.demo.phantom import LABELS, make_phantom
from ai.errors import PackRefusedError
from ai.inference import run
from ai.packs.pack import read_pack
from ai.packs.store import PackStore, bundled_packs_dir
from ai.training import train_demo

PACK = bundled_packs_dir() / train_demo.NAME
#: Per-label floors on one held-out phantom: what the committed pack achieved, less a margin.
DICE_FLOORS = {"liver": 0.9, "spleen": 0.8, "left kidney": 0.85, "right kidney": 0.85, "lungs": 0.95,
               "spine": 0.75}


@pytest.fixture(scope="module")
def pack():
    return read_pack(PACK)


def test_the_committed_pack_reads_verifies_and_loads_safely(pack, tmp_path):
    assert pack.verified and pack.name == "outpost-demo-ct" and pack.model_file == "models/model.pt"
    assert pack.task == "segmentation" and pack.dimensions == 3
    assert pack.channel_names() == {0: "background", **LABELS}
    assert len(set(pack.label_colors().values())) == len(LABELS)
    weights = PACK / "models" / "model.pt"
    assert weights.stat().st_size < 5 * 2**20
    state = torch.load(weights, map_location="cpu", weights_only=True)
    train_demo.build_network().load_state_dict(state, strict=True)
    # The committed config is the one training builds its preprocessing and network from.
    assert json.loads((PACK / "configs" / "inference.json").read_text()) == train_demo.inference_config()
    (entry,) = [e for e in PackStore(user_dir=tmp_path / "user", bundled_dir=PACK.parent).entries()
                if e.path == PACK]
    assert (entry.name, entry.location, entry.status) == ("outpost-demo-ct", "bundled", "ok")
    # The checksums cover the weights: one altered byte refuses the pack.
    altered = shutil.copytree(PACK, tmp_path / "altered")
    data = bytearray((altered / "models" / "model.pt").read_bytes())
    data[-100] ^= 0x01
    (altered / "models" / "model.pt").write_bytes(bytes(data))
    with pytest.raises(PackRefusedError, match="models/model.pt does not match"):
        read_pack(altered)


def test_the_metadata_says_demonstration_only_and_records_training(pack):
    use = pack.metadata["intended_use"].lower()
    assert "not for diagnostic use" in use and "synthetic" in use and "must not be used on patients" in use
    assert pack.metadata["license"] == "Apache-2.0" and pack.metadata["authors"] == "Outpost project"
    training = pack.outpost["training"]
    assert training["spacing_mm"]["min"] == training["spacing_mm"]["max"] == list(train_demo.PHANTOM_SPACING)
    assert training["intensity"]["std"] > 0 and -200 < training["intensity"]["mean"] < 200
    layer = pack.outpost["explain"]["layer"]
    assert isinstance(dict(train_demo.build_network().named_modules())[layer], torch.nn.Conv3d)
    metrics = pack.metadata["metrics"]
    assert metrics["held_out_seeds"] == list(train_demo.HELD_OUT_SEEDS)
    assert set(metrics["mean_dice"]) == set(LABELS.values())
    assert pack.metadata["training_run"]["command"].startswith("python -m ai.training.train_demo ")


def test_a_held_out_phantom_is_segmented_well_through_the_engine(pack):
    seed = train_demo.HELD_OUT_SEEDS[-1]
    assert seed > train_demo.TRAIN_PHANTOMS  # never trained on
    phantom = make_phantom(seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(phantom.volume, pack, device="cpu")
    assert result.labels.shape == phantom.labels.shape
    scores = {name: train_demo.dice(result.labels == value, phantom.labels == value)
              for value, name in LABELS.items()}
    for name, floor in DICE_FLOORS.items():
        assert scores[name] >= floor, (name, scores)
        # The metadata's figures come from this same engine: this phantom is no worse than their minimum.
        assert scores[name] >= pack.metadata["metrics"]["min_dice"][name] - 1e-3, (name, scores)


def test_labels_are_resampled_onto_the_images_grid():
    phantom = make_phantom(shape=(32, 96, 96), seed=7)
    image, label = train_demo.preprocess(phantom)
    assert image.shape == label.shape
    assert np.allclose(image.affine.numpy(), label.affine.numpy())
    assert np.allclose(image.pixdim[:3].numpy(), train_demo.MODEL_SPACING)
    assert set(np.unique(label.numpy())) == set(range(len(LABELS) + 1))
    # Nearest-neighbour: the liver keeps about its volume (in mL) on the coarse grid.
    coarse_ml = (label.numpy() == 1).sum() * np.prod(train_demo.MODEL_SPACING) / 1000
    fine_ml = (phantom.labels == 1).sum() * np.prod(train_demo.PHANTOM_SPACING) / 1000
    assert abs(coarse_ml - fine_ml) < 0.1 * fine_ml
    config = train_demo.inference_config()
    config["preprocessing"]["transforms"].append({"_target_": "Resized", "keys": "image", "spatial_size": 8})
    with pytest.raises(ValueError, match="Resized"):
        train_demo.label_config(config)


def test_a_short_training_run_reproduces_its_weights_bit_for_bit():
    settings = {"iterations": 3, "n_phantoms": 2, "shape": (32, 96, 96)}
    first = train_demo.train(seed=5, **settings)
    second = train_demo.train(seed=5, **settings)
    other = train_demo.train(seed=6, **settings)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[key], second[key]) for key in first)
    assert not all(torch.equal(first[key], other[key]) for key in first)
    torch.manual_seed(5)
    untrained = train_demo.build_network().state_dict()
    changed = [key for key in first if not torch.equal(first[key], untrained[key])]
    assert len(changed) > len(first) // 2  # the steps moved the weights


def test_a_volume_thinner_than_the_window_is_explained_on_a_padded_window(pack):
    # 24 slices of 3 mm resample to 12 of 6 mm, fewer than the 32 of the pack's window: the U-Net
    # needs whole windows, so the explanation pads the window as the sliding-window inferer does.
    from ai.explain import explain

    phantom = make_phantom(shape=(24, 192, 192), seed=11)
    result = run(phantom.volume, pack, device="cpu")
    heatmap = explain(phantom.volume, pack, result, "gradcam", target="liver", device="cpu")
    assert heatmap.values.shape == phantom.volume.shape_zyx
    assert heatmap.values.max() == pytest.approx(1.0)
    liver = phantom.labels == 1  # LABELS maps values to names
    assert heatmap.values[liver].mean() > heatmap.values[~liver].mean()

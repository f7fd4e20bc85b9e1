"""Importers: published weights in, packs out, equal to the reference conversions; hostile sources refused."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from ai.errors import PackRefusedError
from ai.importers import import_pack
from ai.inference import run
from ai.packs.config import BundleConfig, Instantiator
from ai.packs.pack import read_pack
from tests.ai.pack_factory import CXR_CLASSES, make_pack, meshnet_tissue_pack, mindgrab_pack, squeezenet_cxr_pack
from viewer.core.pictures import load_picture

APP = "weights_brain_mri_meshnet_brainchop_app"
REFERENCE = "weights_brain_mri_meshnet_brainchop"
#: Models that brainchop publishes both as TF.js (the MIT app) and as PyTorch conversions.
BOTH = ["model5_gw_ae", "mindgrab", "model18cls", "model21_104class"]


def _reference_state(shared_data, model):
    path = shared_data / REFERENCE / "meshnet" / model / "model.pth"
    try:
        return load_file(path)  # safetensors despite the name
    except Exception:  # noqa: BLE001 - the torch zip ones
        return torch.load(path, map_location="cpu", weights_only=True)


def _import_app_model(shared_data, model, out):
    return import_pack("brainchop", shared_data / APP / "public" / "models" / model, out)


@pytest.mark.parametrize("model", BOTH)
def test_brainchop_tensors_equal_the_pytorch_conversions(shared_data, tmp_path, model):
    pack = _import_app_model(shared_data, model, tmp_path / model)
    imported = load_file(pack / "models" / "model.safetensors")
    reference = _reference_state(shared_data, model)
    assert set(imported) == set(reference)
    worst = max(float((imported[k] - reference[k].float()).abs().max()) for k in reference)
    assert worst <= 1e-7
    assert not (pack / "models" / "model.pt").exists()  # never a pickle


def test_brainchop_metadata_records_the_registry_and_the_source(shared_data, tmp_path):
    pack = _import_app_model(shared_data, "model21_104class", tmp_path / "atlas")
    metadata = json.loads((pack / "configs" / "metadata.json").read_text())
    brainchop = metadata["outpost"]["brainchop"]
    assert brainchop["pre_model_id"] == 1 and brainchop["pre_model"] == "/models/model5_gw_ae/model.json"
    assert brainchop["crop_brain"] is True and brainchop["quantile_norm"] is False
    assert "Aparc+Aseg 104" in brainchop["display_name"]
    assert len(metadata["outpost"]["labels"]) == 103
    source = metadata["outpost"]["source"]
    listed = {f["file"]: f["sha256"] for f in source["files"]}
    assert {"brainchop-parameters.js", "LICENSE", "public/models/model21_104class/model.json",
            "public/models/model21_104class/group1-shard1of1.bin"} <= set(listed)
    assert all(len(digest) == 64 for digest in listed.values())
    assert "Permission is hereby granted" in source["licence_text"]
    assert (pack / "LICENSE").read_text() == source["licence_text"]
    assert metadata["license"].startswith("MIT License") and "joss.05098" in " ".join(metadata["references"])
    tissue = _import_app_model(shared_data, "model20chan3cls", tmp_path / "tissue")
    stages = json.loads((tissue / "configs" / "inference.json").read_text())["preprocessing"]["transforms"]
    targets = [stage["_target_"] for stage in stages]
    # conformed, then quantile normalisation (enableQuantileNorm: true), then the brain crop (enableCrop,
    # autoThreshold 0.2, cropPadding 0)
    assert targets[2:] == ["ai.packs.transforms.ConformLIAd", "ScaleIntensityRangePercentilesd",
                           "ai.packs.transforms.BrainCropd"]
    assert stages[-1]["threshold"] == 0.2 and stages[-1]["padding"] == 0


@pytest.mark.parametrize(("model", "reference_pack"), [("model5_gw_ae", meshnet_tissue_pack),
                                                        ("mindgrab", mindgrab_pack)])
def test_brainchop_segmentation_equals_the_reference_voxel_for_voxel(shared_data, tmp_path, model,
                                                                      reference_pack):
    import nibabel as nib

    volume = np.asarray(nib.load(shared_data / REFERENCE / "t1_crop.nii.gz").dataobj, dtype=np.float32)
    crop = volume[96:160, 96:160, 96:160]  # through the middle of the brain, kept small to stay fast
    low, high = np.percentile(crop, [2, 98])
    image = torch.from_numpy(np.clip((crop - low) / (high - low), 0, 1).astype(np.float32))[None, None]
    imported = read_pack(_import_app_model(shared_data, model, tmp_path / "imported")).build("cpu")["network"]
    reference = read_pack(reference_pack(shared_data, tmp_path / "reference")).build("cpu")["network"]
    with torch.no_grad():
        ours, theirs = imported(image), reference(image)
    assert float((ours - theirs).abs().max()) <= 1e-4
    labels = ours.argmax(1)
    assert int((labels != theirs.argmax(1)).sum()) == 0
    assert len(torch.unique(labels)) > 1  # the crop holds more than background


def test_torchvision_import_scores_like_the_original_weights(shared_data, tmp_path):
    pack = read_pack(squeezenet_cxr_pack(shared_data, tmp_path / "imported"))  # through the importer
    assert pack.model_file == "models/model.safetensors"
    # Every file readable by every user of a shared or bundled store (safetensors creates its file 0600).
    assert all(path.stat().st_mode & 0o044 == 0o044 for path in pack.root.rglob("*") if path.is_file())
    original = torch.load(shared_data / "weights_cxr_pneumonia_squeezenet" / "Models" / "squeezenet1_1_model.pth",
                          map_location="cpu", weights_only=True)
    inference = json.loads((pack.root / "configs" / "inference.json").read_text())
    assert inference["preprocessing"]["transforms"][-1]["subtrahend"] == [0.485, 0.456, 0.406]
    direct = read_pack(make_pack(tmp_path / "direct", pack.metadata, inference, original))
    picture = load_picture(shared_data / "cxr_chest_xray" / "torchxrayvision_tests" / "00000001_000.png")
    ours = run(picture, pack, device="cpu").probabilities
    theirs = run(picture, direct, device="cpu").probabilities
    assert list(ours) == list(theirs) and set(ours) == set(CXR_CLASSES.values())
    assert np.allclose(list(ours.values()), list(theirs.values()), atol=1e-6)
    source = pack.metadata["outpost"]["source"]
    assert [f["file"] for f in source["files"]][0] == "Models/squeezenet1_1_model.pth"
    assert "Apache License" in source["licence_text"] and "MIT License" in source["licence_text"]


def test_monai_bundle_import_converts_weights_to_safetensors(shared_data, tmp_path):
    bundle = shared_data / "monai_bundle_configs" / "spleen_ct_segmentation"
    inference = json.loads((bundle / "configs" / "inference.json").read_text())
    torch.manual_seed(0)
    network = Instantiator({}).build(BundleConfig(inference).resolve_all()["network_def"], "network_def")
    torch.save(network.state_dict(), tmp_path / "model.pt")
    pack = read_pack(import_pack("monai", bundle, tmp_path / "spleen", weights=tmp_path / "model.pt"))
    assert pack.verified and pack.model_file == "models/model.safetensors"
    assert not (pack.root / "models" / "model.pt").exists()
    saved = load_file(pack.root / "models" / "model.safetensors")
    assert all(torch.equal(saved[k], v) for k, v in network.state_dict().items())
    assert pack.task == "segmentation" and pack.outpost["labels"] == {"1": {"name": "spleen"}}
    assert pack.outpost["modalities"] == ["CT"] and pack.outpost["dimensions"] == 3
    listed = {f["file"] for f in pack.outpost["source"]["files"]}
    assert {"configs/inference.json", "LICENSE", "model.pt"} <= listed
    assert pack.metadata["license"].startswith("Apache License")
    pack.build("cpu")


def _hostile_app(shared_data, tmp_path):
    """A writable copy of the brainchop app's layout with model5_gw_ae."""
    app = tmp_path / "app"
    folder = app / "public" / "models" / "model5_gw_ae"
    folder.mkdir(parents=True)
    for item in (shared_data / APP / "public" / "models" / "model5_gw_ae").iterdir():
        shutil.copyfile(item, folder / item.name)
    for name in ("brainchop-parameters.js", "LICENSE"):
        shutil.copyfile(shared_data / APP / name, app / name)
    return app, folder


def _edit_manifest(folder, change):
    model = json.loads((folder / "model.json").read_text())
    change(model["weightsManifest"][0])
    (folder / "model.json").write_text(json.dumps(model))


def _huge_shape(app, folder):
    _edit_manifest(folder, lambda group: group["weights"][0].update(shape=[3, 3, 3, 1, 10**12]))


def _short_shard(app, folder):
    shard = folder / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes()[:-4])


def _traversing_shard(app, folder):
    _edit_manifest(folder, lambda group: group.update(paths=["../../etc/passwd"]))


def _symlinked_shard(app, folder):
    shard = folder / "group1-shard1of1.bin"
    shard.rename(app / "elsewhere.bin")
    os.symlink(app / "elsewhere.bin", shard)


def _code_in_parameters(app, folder):
    text = (app / "brainchop-parameters.js").read_text()
    (app / "brainchop-parameters.js").write_text(text.replace("preModelId: null,", "preModelId: fetch('x'),", 1))


@pytest.mark.parametrize(("attack", "named"), [
    (_huge_shape, "model.json"), (_short_shard, "group1-shard1of1.bin"), (_traversing_shard, "../../etc/passwd"),
    (_symlinked_shard, "group1-shard1of1.bin"), (_code_in_parameters, "brainchop-parameters.js")])
def test_hostile_brainchop_sources_are_refused_and_nothing_is_written(shared_data, tmp_path, attack, named):
    app, folder = _hostile_app(shared_data, tmp_path)
    attack(app, folder)
    out_parent = tmp_path / "packs"
    out_parent.mkdir()
    with pytest.raises(PackRefusedError) as refusal:
        import_pack("brainchop", folder, out_parent / "pack")
    message = str(refusal.value)
    assert named in message and "\n" not in message
    assert list(out_parent.iterdir()) == []  # neither the pack nor a staging folder


def test_imported_pack_installs_through_the_command_line_and_the_worker(shared_data, tmp_path):
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(tmp_path / "data"),
                       OUTPOST_BUNDLED_PACKS=str(tmp_path / "none"))

    def outpost(*args):
        return subprocess.run([sys.executable, "-m", "viewer", "models", *args], capture_output=True, text=True,
                              timeout=600, env=environment)

    source = shared_data / APP / "public" / "models" / "model5_gw_ae"
    imported = outpost("import", "brainchop", str(source), "--out", str(tmp_path / "tissue"), "--name", "tissue")
    assert imported.returncode == 0, imported.stderr
    installed = outpost("install", str(tmp_path / "tissue"))
    assert installed.returncode == 0, installed.stderr
    assert "checksums: checksums.sha256 present, every file verified" in installed.stdout
    assert "licence: MIT License" in installed.stdout
    assert (tmp_path / "data" / "packs" / "tissue" / "models" / "model.safetensors").is_file()
    again = outpost("import", "brainchop", str(source), "--out", str(tmp_path / "tissue"))
    assert again.returncode != 0 and "not an empty folder" in again.stderr

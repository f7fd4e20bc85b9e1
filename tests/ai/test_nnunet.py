"""nnU-Net v2 model folders imported and run natively, against nnU-Net 2.8.1's own ``nnUNetPredictor``.

The model folders are made by nnU-Net's own planner (fingerprint extraction and
``ExperimentPlanner``) on a tiny synthetic dataset, with fewer channels per stage so that the
CPU runs them in seconds (a z-score, residual-encoder variant edited into the plans as data),
and seeded random weights saved as nnU-Net saves them (a training log holding numpy scalars).
Outpost's label map on the real CT series must equal the predictor's on the same array, which
each orientation convention defines independently of Outpost's code (dcm2niix: rows bottom-up;
TotalSegmentator: nibabel's closest canonical RAS). nnU-Net is only a test dependency
(``installer/setup.sh --dev``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import shutil

import numpy as np
import pytest
import torch

from ai.errors import PackRefusedError
from ai.importers import import_pack
from ai.inference import run
from ai.packs.pack import read_pack
from tests.conftest import missing
from viewer.core.dicom import load_series, scan


@pytest.fixture(scope="module", autouse=True)
def _nnunet_installed():
    """nnU-Net is the oracle, a test dependency only (``installer/setup.sh --dev`` installs it)."""
    try:
        import nnunetv2  # noqa: F401
    except ImportError:
        missing("nnU-Net 2.8.1 (a test dependency) is not installed: run installer/setup.sh --dev")


LABELS = {"background": 0, "spleen": 1, "kidney_right": 2, "liver": 3}


def _write_dataset(raw, channel, seed):
    """Three tiny labelled cases as nnU-Net's raw dataset (12 x 24 x 24 voxels of 15 x 18 x 12 mm)."""
    import SimpleITK as sitk

    (raw / "imagesTr").mkdir(parents=True)
    (raw / "labelsTr").mkdir()
    rng = np.random.default_rng(seed)
    for case in range(3):
        image = rng.normal(-800 if channel == "CT" else 100, 40, (12, 24, 24)).astype(np.float32)
        label = np.zeros(image.shape, np.uint8)
        label[3:9, 4:14, 4:12] = 1
        label[4:8, 14:20, 12:20] = 2
        label[2:10, 6:10, 14:22] = 3
        for value, level in ((1, -100.0), (2, 60.0), (3, 400.0)):  # fat, soft tissue, bone, roughly
            image[label == value] = level + rng.normal(0, 30, int((label == value).sum()))
        for array, path in ((image, raw / "imagesTr" / f"case{case}_0000.nii.gz"),
                            (label, raw / "labelsTr" / f"case{case}.nii.gz")):
            picture = sitk.GetImageFromArray(array)
            picture.SetSpacing((15.0, 18.0, 12.0))  # x, y, z: the plans' transpose is not the identity
            sitk.WriteImage(picture, str(path))
    (raw / "dataset.json").write_text(json.dumps({
        "channel_names": {"0": channel}, "labels": LABELS, "numTraining": 3, "file_ending": ".nii.gz",
        "name": raw.name, "reference": "synthetic, for tests", "licence": "CC0 (synthetic test data)"}))


def _plan(base):
    """nnU-Net's fingerprint extraction and ExperimentPlanner on the raw datasets (worker forked, not spawned)."""
    import multiprocessing
    import types

    from nnunetv2.experiment_planning.dataset_fingerprint import fingerprint_extractor
    from nnunetv2.experiment_planning.plan_and_preprocess_api import extract_fingerprints, plan_experiments

    fork = types.SimpleNamespace(get_context=lambda method: multiprocessing.get_context("fork"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprint_extractor, "multiprocessing", fork)  # spawning would re-import torch
        extract_fingerprints([501], num_processes=1, verbose=False, show_progress_bar=False)
        with contextlib.redirect_stdout(io.StringIO()):
            plan_experiments([501])


# --------------------------------------------------------------------------- model folders
def _save_checkpoint(path, network, configuration, mirror_axes, seed):
    rng = np.random.default_rng(seed)
    logging = {key: [np.float64(v) for v in rng.random(3)] for key in
               ("mean_fg_dice", "ema_fg_dice", "train_losses", "val_losses", "lrs", "epoch_start_timestamps",
                "epoch_end_timestamps")}
    logging["dice_per_class_or_region"] = [[np.float32(v) for v in rng.random(3)] for _ in range(3)]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"network_weights": network.state_dict(), "optimizer_state": {"state": {}, "param_groups": []},
                "grad_scaler_state": None, "logging": logging, "_best_ema": np.float64(0.5), "current_epoch": 3,
                "init_args": {"plans": {}, "configuration": configuration, "fold": 0, "dataset_json": {},
                              "device": torch.device("cpu")},
                "trainer_name": "nnUNetTrainer", "inference_allowed_mirroring_axes": mirror_axes}, path)


def _model_folder(planned, dataset, out, folds, residual=False, zscore=False):
    from nnunetv2.utilities.get_network_from_plans import get_network_from_plans

    plans = json.loads((planned / dataset / "nnUNetPlans.json").read_text())
    config = plans["configurations"]["3d_fullres"]
    arch = config["architecture"]
    stages = arch["arch_kwargs"]["n_stages"]
    arch["arch_kwargs"]["features_per_stage"] = [4 * 2 ** s for s in range(stages)]  # small for the CPU
    if zscore:  # as nnU-Net plans a channel that is not named CT
        config["normalization_schemes"] = ["ZScoreNormalization"]
    if residual:
        arch["network_class_name"] = "dynamic_network_architectures.architectures.unet.ResidualEncoderUNet"
        arch["arch_kwargs"]["n_blocks_per_stage"] = [1] + [2] * (stages - 1)
        del arch["arch_kwargs"]["n_conv_per_stage"]
    out.mkdir()
    (out / "plans.json").write_text(json.dumps(plans))
    shutil.copy(planned.parent / "raw" / dataset / "dataset.json", out / "dataset.json")
    for fold in folds:
        torch.manual_seed(fold + (7 if residual else 0))
        network = get_network_from_plans(arch["network_class_name"], arch["arch_kwargs"],
                                         arch["_kw_requires_import"], 1, len(LABELS), allow_init=True,
                                         deep_supervision=True)
        with torch.no_grad():
            for name, parameter in network.named_parameters():
                if name.endswith("weight") and parameter.ndim > 1:
                    parameter.normal_(0.0, 2.0 / np.sqrt(parameter[0].numel()))
                elif "norm" in name and name.endswith("weight"):
                    parameter.fill_(1.0)
                else:
                    parameter.zero_()
        # mirroring along two of the three axes (three mirror images, not seven: the test stays short)
        _save_checkpoint(out / f"fold_{fold}" / "checkpoint_final.pth", network, "3d_fullres", (0, 2), fold)
    return out


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    base = tmp_path_factory.mktemp("nnunet")
    with pytest.MonkeyPatch.context() as patch:
        for name, folder in (("nnUNet_raw", "raw"), ("nnUNet_preprocessed", "preprocessed"),
                             ("nnUNet_results", "results")):
            (base / folder).mkdir()
            patch.setenv(name, str(base / folder))
        _write_dataset(base / "raw" / "Dataset501_TinyCT", "CT", 0)
        _plan(base)
    planned = base / "preprocessed"
    return {"ct": _model_folder(planned, "Dataset501_TinyCT", base / "ct", folds=(0, 1)),
            "zscore": _model_folder(planned, "Dataset501_TinyCT", base / "zscore", folds=(0,), residual=True,
                                    zscore=True),
            "base": base}


@pytest.fixture(scope="module")
def volume(shared_data):
    return load_series(scan(shared_data / "ct_abdomen_series_totalsegmentator" / "dicom").series[0])


# --------------------------------------------------------------------------- the oracle
def _nnunet_input(volume, orientation):
    """The array and spacing nnU-Net's reader would give for the convention's NIfTI file, and the way back."""
    array = volume.array.astype(np.float32)
    if orientation == "dcm2niix":  # dcm2niix: columns, rows bottom-up, slices; SimpleITK gives [k, j, i]
        return array[:, ::-1, :].copy(), list(volume.spacing[::-1]), lambda seg: seg[:, ::-1, :]
    import nibabel as nib

    image = nib.Nifti1Image(array.transpose(2, 1, 0), volume.affine_ras)
    canonical = nib.as_closest_canonical(image)
    to_original = nib.orientations.ornt_transform(nib.io_orientation(canonical.affine),
                                                  nib.io_orientation(image.affine))

    def back(seg):
        restored = nib.orientations.apply_orientation(seg.transpose(2, 1, 0), to_original)
        return np.asarray(restored).transpose(2, 1, 0)

    data = np.asarray(canonical.dataobj, dtype=np.float32).transpose(2, 1, 0).copy()
    return data, [float(z) for z in canonical.header.get_zooms()[::-1]], back


def _nnunet_labels(folder, volume, orientation, folds, mirroring):
    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

    predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=mirroring,
                                perform_everything_on_device=False, device=torch.device("cpu"), verbose=False,
                                verbose_preprocessing=False, allow_tqdm=False)
    predictor.initialize_from_trained_model_folder(str(folder), use_folds=folds)
    data, spacing, back = _nnunet_input(volume, orientation)
    segmentation = predictor.predict_single_npy_array(data[None], {"spacing": spacing}, None, None, False)
    return back(np.asarray(segmentation))


def _compare(ours, theirs, tag):
    """Voxels that differ, and how far the farthest lies from the volume's faces (printed for the report)."""
    differ = np.argwhere(ours != theirs)
    if len(differ):
        faces = np.minimum(differ, np.asarray(ours.shape) - 1 - differ).min(axis=1)
        print(f"{tag}: {len(differ)} of {ours.size} voxels differ, at most {faces.max()} voxels from a face")
    else:
        print(f"{tag}: all {ours.size} voxels equal")
    return len(differ)


def _outpost_labels(models, key, volume, tmp, **options):
    pack_dir = import_pack("nnunet", models[key], tmp, **options)
    result = run(volume, read_pack(pack_dir), device="cpu")
    return result, pack_dir


def _assert_agrees(ours, theirs, tag):
    assert ours.shape == theirs.shape
    assert len(np.unique(theirs)) >= 3, "the random network should predict several classes"
    # nnU-Net's float16 accumulation is reproduced; what may remain is float rounding in the linear
    # resampling of the float16 scores (a different summation order), which can flip a near-tie.
    assert _compare(ours, theirs, tag) <= 0.0005 * ours.size


# --------------------------------------------------------------------------- agreement
def test_two_folds_mirrored_totalsegmentator_equals_nnunet(models, volume, tmp_path):
    result, pack = _outpost_labels(models, "ct", volume, tmp_path / "pack", orientation="totalsegmentator",
                                   mirroring=True, body_parts=["abdomen", "partialbody"])
    theirs = _nnunet_labels(models["ct"], volume, "totalsegmentator", (0, 1), mirroring=True)
    _assert_agrees(result.labels, theirs, "CT, folds 0+1 averaged, mirrored, totalsegmentator")
    inference = json.loads((pack / "configs" / "inference.json").read_text())
    assert inference["preprocessing"]["transforms"][-1]["normalization"] == "CTNormalization"
    # the two conventions give nnU-Net different arrays for this series (canonical RAS also flips the columns)
    assert not np.array_equal(_nnunet_input(volume, "dcm2niix")[0], _nnunet_input(volume, "totalsegmentator")[0])
    # TotalSegmentator's class names from dataset.json are the pack's label names
    assert result.label_names == {0: "background", 1: "spleen", 2: "kidney_right", 3: "liver"}
    metadata = json.loads((pack / "configs" / "metadata.json").read_text())
    assert metadata["outpost"]["nnunet"]["folds"] == [0, 1] and metadata["outpost"]["nnunet"]["mirroring"]
    assert metadata["outpost"]["body_parts"] == ["ABDOMEN", "PARTIALBODY"]
    recorded = {f["file"] for f in metadata["outpost"]["source"]["files"]}
    assert recorded == {"dataset.json", "plans.json", "fold_0/checkpoint_final.pth", "fold_1/checkpoint_final.pth"}
    assert "CC0" in (pack / "LICENSE").read_text()


def test_zscore_residual_encoder_one_fold_dcm2niix_equals_nnunet(models, volume, tmp_path):
    result, pack = _outpost_labels(models, "zscore", volume, tmp_path / "pack", orientation="dcm2niix",
                                   modalities=["CT"])
    theirs = _nnunet_labels(models["zscore"], volume, "dcm2niix", (0,), mirroring=False)
    _assert_agrees(result.labels, theirs, "z-score, residual encoder, one fold, dcm2niix")
    inference = json.loads((pack / "configs" / "inference.json").read_text())
    assert inference["network_def"]["architecture"] == "ResidualEncoderUNet"
    assert inference["preprocessing"]["transforms"][-1]["normalization"] == "ZScoreNormalization"


def test_the_dcm2niix_convention_is_dcm2niix_voxel_order(shared_data):
    """dcm2niix's own output for a DICOM series is the array the dcm2niix convention gives nnU-Net."""
    import nibabel as nib

    from ai.nnunet.pipeline import _apply, to_nnunet_order

    root = shared_data / "mr_multivendor_dcm_qa_nih"
    series = load_series(scan(root / "In" / "20180918GE" / "mr_0005").series[0])
    first = series.array[0] if series.is_4d else series.array
    reference = np.asarray(nib.load(root / "Ref" / "DCM2NIIX_regression_test_5.nii").dataobj)[..., 0]
    ours = _apply(first.transpose(2, 1, 0), to_nnunet_order("dcm2niix", series.affine_ras))
    assert np.array_equal(ours, reference.transpose(2, 1, 0))  # SimpleITK reads the NIfTI as [k, j, i]


# --------------------------------------------------------------------------- refusals
def _copy_model(models, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(models["ct"], folder)
    return folder


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-checkpoint",))


def test_a_checkpoint_that_would_run_code_is_refused(models, tmp_path, monkeypatch):
    folder = _copy_model(models, tmp_path)
    monkeypatch.chdir(tmp_path)
    checkpoint = folder / "fold_0" / "checkpoint_final.pth"
    saved = torch.load(checkpoint, weights_only=False)
    saved["logging"]["payload"] = _RunsCode()
    torch.save(saved, checkpoint)
    with pytest.raises(PackRefusedError, match=r"fold_0/checkpoint_final.pth: refused") as caught:
        import_pack("nnunet", folder, tmp_path / "pack")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "pwned-by-checkpoint").exists() and not (tmp_path / "pack").exists()


def test_checkpoints_with_wrong_keys_or_oversized_shapes_are_refused(models, tmp_path):
    folder = _copy_model(models, tmp_path)
    checkpoint = folder / "fold_1" / "checkpoint_final.pth"
    saved = torch.load(checkpoint, weights_only=False)
    weights = saved["network_weights"]
    key = next(k for k in weights if k.endswith("seg_layers.0.weight"))
    weights["decoder.extra.weight"] = torch.zeros(1)
    torch.save(saved, checkpoint)
    with pytest.raises(PackRefusedError, match=r"fold_1/checkpoint_final.pth: .*'decoder.extra.weight' is not in"):
        import_pack("nnunet", folder, tmp_path / "pack1")
    del weights["decoder.extra.weight"]
    weights[key] = torch.zeros(4, 4096, 1, 1, 1)
    torch.save(saved, checkpoint)
    with pytest.raises(PackRefusedError, match=r"has shape \(4, 4096, 1, 1, 1\), the plans give"):
        import_pack("nnunet", folder, tmp_path / "pack2")
    saved["network_weights"] = [1, 2]
    torch.save(saved, checkpoint)
    with pytest.raises(PackRefusedError, match="no network_weights"):
        import_pack("nnunet", folder, tmp_path / "pack3")
    shutil.copy(models["ct"] / "fold_1" / "checkpoint_final.pth", checkpoint)
    plans = json.loads((folder / "plans.json").read_text())
    plans["configurations"]["3d_fullres"]["architecture"]["arch_kwargs"]["features_per_stage"][-1] = 100000
    (folder / "plans.json").write_text(json.dumps(plans))
    with pytest.raises(PackRefusedError, match=r"plans.json: .*features_per_stage\[\d\] is 100000"):
        import_pack("nnunet", folder, tmp_path / "pack4")
    assert not any((tmp_path / f"pack{n}").exists() for n in range(1, 5))


@pytest.mark.parametrize("change", ["class", "conv_op", "norm"])
def test_plans_with_another_architecture_are_refused(models, tmp_path, change):
    folder = _copy_model(models, tmp_path)
    plans = json.loads((folder / "plans.json").read_text())
    arch = plans["configurations"]["3d_fullres"]["architecture"]
    if change == "class":
        arch["network_class_name"] = "os.system"
        expected = r"plans.json: architecture.network_class_name 'os.system' is not one of"
    elif change == "conv_op":
        arch["arch_kwargs"]["conv_op"] = "builtins.eval"
        expected = r"plans.json: architecture.arch_kwargs.conv_op is 'builtins.eval', not"
    else:
        arch["arch_kwargs"]["norm_op"] = "torch.nn.BatchNorm3d"
        expected = r"plans.json: architecture.arch_kwargs.norm_op"
    (folder / "plans.json").write_text(json.dumps(plans))
    with pytest.raises(PackRefusedError, match=expected) as caught:
        import_pack("nnunet", folder, tmp_path / "pack")
    assert "\n" not in str(caught.value)


def test_the_numpy_allow_list_is_needed_and_enough(models):
    """Real checkpoints hold numpy scalars: plain weights_only loading refuses them, the allow-list does not."""
    from ai.importers.nnunet import read_checkpoint

    path = models["ct"] / "fold_0" / "checkpoint_final.pth"
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    checkpoint = read_checkpoint(path, "fold_0/checkpoint_final.pth")
    assert isinstance(checkpoint["logging"]["mean_fg_dice"][0], np.float64)


def test_the_command_line_imports_with_the_nnunet_options(models, tmp_path, capsys):
    import argparse

    from ai.cli import register

    parser = argparse.ArgumentParser(prog="outpost")
    register(parser.add_subparsers())

    def outpost(*args):
        parsed = parser.parse_args(["models", "import", "nnunet", *args])
        return parsed.handler(parsed)

    assert outpost(str(models["ct"]), "--out", str(tmp_path / "pack"), "--name", "tiny-ct", "--orientation",
                   "totalsegmentator", "--folds", "1", "--mirroring", "--body-part", "abdomen") == 0
    assert "imported" in capsys.readouterr().out
    metadata = json.loads((tmp_path / "pack" / "configs" / "metadata.json").read_text())
    assert metadata["name"] == "tiny-ct" and metadata["outpost"]["body_parts"] == ["ABDOMEN"]
    assert metadata["outpost"]["nnunet"] | {"folds": [1], "orientation": "totalsegmentator", "mirroring": True} \
        == metadata["outpost"]["nnunet"]
    inference = json.loads((tmp_path / "pack" / "configs" / "inference.json").read_text())
    assert inference["inferer"]["mirror_axes"] == [0, 2] and inference["network_def"]["folds"] == 1
    refusal = r"^fold_7/checkpoint_final.pth is missing \(folds here: \[0, 1\]\)$"
    with pytest.raises(PackRefusedError, match=refusal):
        outpost(str(models["ct"]), "--out", str(tmp_path / "other"), "--folds", "7")


# --------------------------------------------------------------------------- the parts, against nnU-Net's
@pytest.mark.parametrize(("shape", "new", "spacing", "target"), [
    ((1, 10, 37, 29), (13, 20, 50), [4.0, 2.0, 2.0], [3.0, 3.7, 1.16]),  # the target is anisotropic: axis 1 apart
    ((2, 7, 40, 41), (20, 30, 31), [5.0, 1.0, 1.0], [1.75, 1.33, 1.32]),  # the input is anisotropic: axis 0 apart
    ((1, 20, 12, 9), (5, 13, 9), [1.0, 1.0, 1.0], [4.0, 0.9, 1.0]),  # all axes together
])
def test_resampling_equals_nnunets(shape, new, spacing, target):
    from nnunetv2.preprocessing.resampling.default_resampling import resample_data_or_seg_to_shape

    from ai.nnunet import resampling

    data = np.random.default_rng(3).normal(0, 100, shape)
    axis = resampling.separate_axis(spacing, target, None)
    images = data.astype(np.float32)
    theirs = resample_data_or_seg_to_shape(images, new, spacing, target, is_seg=False, order=3, order_z=0,
                                           force_separate_z=None)
    assert np.array_equal(resampling.resample(images, new, 3, axis), theirs)  # cubic: exactly
    scores = data.astype(np.float16)
    theirs = resample_data_or_seg_to_shape(scores, new, spacing, target, is_seg=False, order=1, order_z=0,
                                           force_separate_z=None)
    ours = resampling.resample(scores, new, 1, axis)
    assert ours.dtype == np.float16
    # linear: the same up to the summation order, so at most the last float16 bit of a few values
    assert np.abs(ours.astype(float) - theirs.astype(float)).max() <= 0.125
    assert (ours != theirs).mean() < 0.001


def test_crop_and_masked_zscore_equal_nnunets_preprocessing(volume):
    """A volume with a zero border and a zero hole: the crop box and the hole-filled mask of nnU-Net."""
    from monai.data import MetaTensor
    from nnunetv2.preprocessing.cropping.cropping import crop_to_nonzero
    from nnunetv2.preprocessing.normalization.default_normalization_schemes import ZScoreNormalization

    from ai.nnunet.pipeline import NnUNetPreprocessd

    array = volume.array[:, 100:300:4, 150:350:4].astype(np.float32)  # 20 x 50 x 50, small for speed
    array[:, :5, :] = 0
    array[:, :, -7:] = 0
    array[8:12, 20:30, 20:30] = 0  # a hole inside: filled in the mask, kept in the box
    prep = NnUNetPreprocessd("image", orientation="dcm2niix", transpose_forward=[0, 1, 2],
                             spacing=[2.0, 3.90625, 3.90625], normalization="ZScoreNormalization",
                             use_mask_for_norm=True)
    affine = np.diag([-3.90625, -3.90625, 2.0, 1.0])
    ours, geometry = prep.prepare(MetaTensor(torch.from_numpy(array.transpose(2, 1, 0).copy())[None],
                                             affine=torch.as_tensor(affine)))
    nnunet_array = array[:, ::-1, :][None].copy()
    data, seg, box = crop_to_nonzero(nnunet_array)
    assert geometry["box"] == [list(b) for b in box]
    data[0] = ZScoreNormalization(use_mask_for_norm=True, intensityproperties={}).run(data[0], seg[0])
    assert np.array_equal(ours.numpy(), data)  # same spacing: no resampling, normalisation bit for bit


def test_a_checkpoint_pickled_under_numpy_1_loads(models, tmp_path):
    """Published checkpoints (TotalSegmentator's) were pickled under numpy 1: ``numpy.core.multiarray.scalar``."""
    import zipfile

    from ai.importers.nnunet import read_checkpoint

    source = models["ct"] / "fold_0" / "checkpoint_final.pth"
    target = tmp_path / "checkpoint_final.pth"
    renamed = 0
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.endswith("data.pkl"):
                renamed = data.count(b"cnumpy._core.multiarray\nscalar\n")
                data = data.replace(b"cnumpy._core.multiarray\nscalar\n", b"cnumpy.core.multiarray\nscalar\n")
            new.writestr(info, data)
    assert renamed == 1  # pickle protocol 2 names each global once (memoised)
    checkpoint = read_checkpoint(target, "checkpoint_final.pth")
    assert checkpoint["_best_ema"] == 0.5


def test_plans_in_nnunets_earlier_format_give_the_same_network(models):
    """TotalSegmentator's plans predate ``architecture`` (UNet_class_name, conv_kernel_sizes, ...)."""
    from ai.importers.nnunet import configuration, network_arguments

    plans = json.loads((models["ct"] / "plans.json").read_text())
    config = configuration(plans, "3d_fullres")
    kw = config["architecture"]["arch_kwargs"]
    earlier = {"UNet_class_name": "PlainConvUNet", "UNet_base_num_features": kw["features_per_stage"][0],
               "unet_max_num_features": kw["features_per_stage"][-1], "conv_kernel_sizes": kw["kernel_sizes"],
               "pool_op_kernel_sizes": kw["strides"], "n_conv_per_stage_encoder": kw["n_conv_per_stage"],
               "n_conv_per_stage_decoder": kw["n_conv_per_stage_decoder"]}
    assert network_arguments(earlier, 4) == network_arguments(config, 4)

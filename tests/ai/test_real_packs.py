"""Packs built around the real weights, run through the engine on real inputs."""

import numpy as np
import pytest

from ai.inference import run
from ai.packs.pack import read_pack
from tests.ai.pack_factory import hybridgnet_pack, mindgrab_pack
from viewer.core.measure import roi_mask
from viewer.core.nifti import load_nifti
from viewer.core.pictures import load_picture

UNET = "weights_cxr_lung_heart_clavicle_unet_hybridgnet"


@pytest.mark.parametrize("sample", ["JPCLN004", "JPCNN043"])
def test_hybridgnet_pack_on_the_jsrt_samples(shared_data, tmp_path, sample):
    pack = read_pack(hybridgnet_pack(shared_data, tmp_path / "unet"))
    picture = load_picture(shared_data / UNET / "samples" / f"{sample}.png")
    result = run(picture, pack, device="cpu")
    labels = result.labels[0]
    assert labels.shape == (1024, 1024)  # back on the picture's own grid
    points = np.load(shared_data / UNET / "samples" / f"{sample}_landmarks.npy").reshape(-1, 2)

    def polygon(start, stop):
        return roi_mask(labels.shape, "freehand", [(y, x) for x, y in points[start:stop]])

    def dice(predicted, truth):
        return 2.0 * (predicted & truth).sum() / (predicted.sum() + truth.sum())

    assert dice(labels == 1, polygon(0, 44) | polygon(44, 94)) >= 0.90
    assert dice(labels == 2, polygon(94, 120)) >= 0.90
    assert set(result.volumes_ml) >= {"lungs", "heart", "clavicles"}


def test_mindgrab_pack_on_the_brainchop_t1(shared_data, tmp_path):
    pack = read_pack(mindgrab_pack(shared_data, tmp_path / "mindgrab"))
    t1 = load_nifti(shared_data / "weights_brain_mri_meshnet_brainchop" / "t1_crop.nii.gz", modality="MR")
    result = run(t1, pack, device="cpu")
    assert result.labels.shape == t1.shape_zyx
    assert 900 < result.volumes_ml["brain"] < 2000
    brain = result.labels.astype(bool)
    darkest = np.quantile(t1.array, 0.02)
    assert (t1.array[brain] > darkest).all()
    assert not brain[0].any() and not brain[-1].any() and not brain[:, 0].any() and not brain[:, :, -1].any()

"""MONAI's spleen_ct_segmentation configs, as published, with random weights of the right
shapes, on the real CT: the label map lands exactly on the series' grid."""

import json
import warnings

import numpy as np
import torch

from ai.packs.config import BundleConfig, Instantiator
from viewer.core.dicom import load_series, scan


def test_spleen_bundle_runs_and_inverts_onto_the_dicom_grid(shared_data):
    raw = json.loads((shared_data / "monai_bundle_configs" / "spleen_ct_segmentation" / "configs" /
                      "inference.json").read_text())
    resolved = BundleConfig(raw).resolve_all()
    builder = Instantiator({"device": torch.device("cpu")})
    network, preprocessing, inferer, postprocessing = (
        builder.build(resolved[key], key) for key in ("network_def", "preprocessing", "inferer", "postprocessing"))
    volume = load_series(scan(shared_data / "ct_abdomen_series_totalsegmentator" / "dicom").series[0])
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = preprocessing({"image": volume})
        assert np.allclose(data["image"].pixdim[:3].numpy(), [1.5, 1.5, 2.0])  # Spacingd as configured
        with torch.inference_mode():
            data["pred"] = inferer(data["image"][None], network.eval())[0]
        prediction = postprocessing(data)["pred"]
    assert tuple(prediction.shape) == (1, *volume.shape_zyx[::-1])
    assert np.allclose(prediction.affine.numpy(), volume.affine_ras, atol=1e-4)
    assert set(np.unique(prediction.numpy())) <= {0.0, 1.0}

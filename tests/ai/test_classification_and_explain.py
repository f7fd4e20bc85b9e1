"""SqueezeNet on real chest X-rays (DICOM and PNG), and explanations that mean something."""

import numpy as np
import pydicom
import pytest

from ai.explain import explain
from ai.inference import run
from ai.packs.pack import read_pack
from tests.ai.pack_factory import CXR_CLASSES, squeezenet_cxr_pack
from viewer.core.dicom import load_series, scan
from viewer.core.pictures import load_picture

CXR_DICOM = "cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"


@pytest.fixture(scope="module")
def cxr_pack(shared_data, tmp_path_factory):
    return read_pack(squeezenet_cxr_pack(shared_data, tmp_path_factory.mktemp("packs") / "cxr"))


def _dicom(path):
    return load_series(scan(path).series[0])


def test_probabilities_on_dicom_and_png(shared_data, cxr_pack):
    for volume in (_dicom(shared_data / CXR_DICOM),
                   load_picture(shared_data / "cxr_chest_xray" / "torchxrayvision_tests" / "00000001_000.png")):
        result = run(volume, cxr_pack, device="cpu")
        assert set(result.probabilities) == set(CXR_CLASSES.values())
        assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        values = list(result.probabilities.values())
        assert values == sorted(values, reverse=True)


def test_monochrome1_and_monochrome2_of_the_same_image_agree(shared_data, cxr_pack, tmp_path):
    ds = pydicom.dcmread(shared_data / CXR_DICOM)
    pixels = ds.pixel_array
    inverted = ds.copy()
    inverted.file_meta = ds.file_meta.copy()
    inverted.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    inverted.PhotometricInterpretation = "MONOCHROME1"
    inverted.SOPInstanceUID = pydicom.uid.generate_uid()
    inverted.PixelData = (255 - pixels).astype(np.uint8).tobytes()
    inverted.save_as(tmp_path / "mono1.dcm", enforce_file_format=True)
    mono2 = run(_dicom(shared_data / CXR_DICOM), cxr_pack, device="cpu").probabilities
    mono1 = run(_dicom(tmp_path / "mono1.dcm"), cxr_pack, device="cpu").probabilities
    assert list(mono1) == list(mono2)
    assert np.allclose(list(mono1.values()), list(mono2.values()), atol=1e-5)


@pytest.mark.parametrize("method", ["gradcam", "ig", "occlusion", "saliency"])
def test_explanations_are_normalised_maps_on_the_image_grid(shared_data, cxr_pack, method):
    volume = _dicom(shared_data / CXR_DICOM)
    result = run(volume, cxr_pack, device="cpu")
    heatmap = explain(volume, cxr_pack, result, method, device="cpu")
    assert heatmap.values.shape == volume.shape_zyx and heatmap.values.dtype == np.float32
    assert heatmap.values.min() >= 0 and heatmap.values.max() == pytest.approx(1.0)
    assert heatmap.method == method and heatmap.target == next(iter(result.probabilities))


def test_sanity_check_randomised_weights_change_the_map(shared_data, tmp_path):
    """Adebayo et al.: a saliency map that survives randomising the weights explains nothing."""
    import torch

    cxr_pack = read_pack(squeezenet_cxr_pack(shared_data, tmp_path / "cxr"))
    volume = _dicom(shared_data / CXR_DICOM)
    result = run(volume, cxr_pack, device="cpu")
    trained = explain(volume, cxr_pack, result, "gradcam", target="Normal", device="cpu").values[0]
    from safetensors.torch import load_file, save_file

    weights = cxr_pack.root / cxr_pack.model_file  # the importer writes safetensors
    state = load_file(weights)
    generator = torch.Generator().manual_seed(0)
    randomised = {k: torch.randn(v.shape, generator=generator) * v.float().std() for k, v in state.items()}
    save_file(randomised, weights)
    cxr_pack.root.joinpath("checksums.sha256").unlink()
    random_pack = read_pack(cxr_pack.root)
    random_map = explain(volume, random_pack, run(volume, random_pack, device="cpu"), "gradcam",
                         target="Normal", device="cpu").values[0]

    def ranks(values):
        order = values.ravel().argsort()
        out = np.empty(order.size)
        out[order] = np.arange(order.size)
        return out

    correlation = np.corrcoef(ranks(trained[::8, ::8]), ranks(random_map[::8, ::8]))[0, 1]
    print(f"rank correlation trained vs randomised Grad-CAM: {correlation:.3f}")
    assert correlation < 0.5
    assert np.abs(trained - random_map).mean() > 0.1

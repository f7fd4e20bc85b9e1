"""The statistics of a pack's training inputs, and the out-of-distribution verdict, on real chest X-rays.

The user's case: a 10-bit MONOCHROME1 CR given to a chest X-ray model trained on 8-bit
MONOCHROME2 images must be named out of distribution, saying what differs; a pack that records
no statistics is shown as not checked, never as fine.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from ai.errors import PackRefusedError
from ai.importers import import_pack
from ai.importers.brainchop import MESHNET_TRAINING_INPUTS
from ai.packs.pack import read_pack, write_checksums
from ai.suitability import NOT_CHECKED, input_verdict
from tests.ai.pack_factory import KERMANY_TRAINING_INPUTS, hybridgnet_pack, squeezenet_cxr_pack
from tests.ai.test_ai_cli import outpost
from viewer.core.dicom import load_series, scan

CXR_DICOM = "cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
BITS = "bits stored 10, the model was trained on 8-bit images"
INVERTED = "MONOCHROME1 (inverted), trained on MONOCHROME2"


def write_10_bit_monochrome1_cr(source: Path, out: Path) -> Path:
    """The real 8-bit chest X-ray at ``source`` rescaled to 10 bits, inverted and stored as MONOCHROME1."""
    ds = pydicom.dcmread(source)
    stored = np.round(ds.pixel_array.astype(np.float64) * 1023.0 / 255.0).astype(np.uint16)
    ds.PixelData = (1023 - stored).tobytes()  # MONOCHROME1: bright is air
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 10, 9, 0
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    for keyword in ("WindowCenter", "WindowWidth", "LossyImageCompression"):
        if keyword in ds:
            delattr(ds, keyword)
    out.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(out, enforce_file_format=True)
    return out


def _volume(path: Path):
    return load_series(scan([str(path)]).series[0])


@pytest.fixture(scope="module")
def cxr(shared_data, tmp_path_factory):
    """The original 8-bit CXR, its 10-bit MONOCHROME1 copy, and the two chest X-ray packs, read."""
    tmp = tmp_path_factory.mktemp("training-inputs")
    source = shared_data / CXR_DICOM
    film = write_10_bit_monochrome1_cr(source, tmp / "cr10" / "cr10.dcm")
    packs = {"unet": read_pack(hybridgnet_pack(shared_data, tmp / "unet")),
             "squeezenet": read_pack(squeezenet_cxr_pack(shared_data, tmp / "squeezenet"))}
    return {"original": _volume(source), "cr10": _volume(film), "cr10_path": film, "packs": packs, "tmp": tmp}


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["unet", "squeezenet"])
def test_a_10_bit_monochrome1_cr_is_named_out_of_distribution(cxr, name):
    volume = cxr["cr10"]
    assert (volume.photometric, volume.metadata["bits_stored"]) == ("MONOCHROME1", 10)
    verdict = input_verdict(volume, cxr["packs"][name])
    assert verdict.checked and verdict.needs_attention
    assert BITS in verdict.warnings and INVERTED in verdict.warnings
    intensities = [w for w in verdict.warnings if w.startswith("intensities ")]
    assert len(intensities) == 1 and intensities[0].endswith("trained on 0 to 255")
    assert verdict.text.startswith("Out of distribution: ") and BITS in verdict.text
    assert verdict.provenance()["checked"] is True and INVERTED in verdict.provenance()["warnings"]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["unet", "squeezenet"])
def test_the_original_8_bit_cxr_gets_no_warning(cxr, name):
    verdict = input_verdict(cxr["original"], cxr["packs"][name])
    assert verdict.checked
    assert not [w for w in verdict.warnings if "bits" in w or "MONOCHROME" in w or "intensities" in w]
    assert verdict.warnings == [] and not verdict.needs_attention  # nothing else recorded differs
    assert verdict.text == "input checked against the training data: nothing differs"


def _rewrite_metadata(pack: Path, change) -> Path:
    path = pack / "configs" / "metadata.json"
    metadata = json.loads(path.read_text())
    change(metadata["outpost"])
    path.write_text(json.dumps(metadata))
    write_checksums(pack)
    return pack


@pytest.mark.shared_data
def test_a_pack_without_statistics_is_shown_as_not_checked(cxr):
    bare = shutil.copytree(cxr["packs"]["unet"].root, cxr["tmp"] / "bare")
    pack = read_pack(_rewrite_metadata(bare, lambda block: block.pop("training_inputs")))
    for volume in (cxr["original"], cxr["cr10"]):
        verdict = input_verdict(volume, pack)
        assert not verdict.checked and verdict.needs_attention
        assert NOT_CHECKED in verdict.text and not [w for w in verdict.warnings if "bits" in w]
        assert verdict.provenance() == {"checked": False, "warnings": verdict.warnings, "verdict": verdict.text}


MALFORMED = [
    ("not an object", ["MONOCHROME2"], "outpost.training_inputs must be a JSON object"),
    ("empty", {}, "outpost.training_inputs must be a JSON object with at least one"),
    ("unknown key", {"bit_depth": [8]}, "outpost.training_inputs.bit_depth is not a known key"),
    ("bits as text", {"bits_stored": "8"}, "outpost.training_inputs.bits_stored must be a list of whole numbers"),
    ("bits of 64", {"bits_stored": [64]}, "outpost.training_inputs.bits_stored must be"),
    ("unknown photometric", {"photometric": ["INVERTED"]}, "outpost.training_inputs.photometric must be"),
    ("range reversed", {"pixel_spacing_mm": [1.0, 0.5]}, "outpost.training_inputs.pixel_spacing_mm must be"),
    ("zero spacing", {"slice_spacing_mm": [0, 1]}, "outpost.training_inputs.slice_spacing_mm must be"),
    ("three numbers", {"intensity_range": [0, 128, 255]}, "outpost.training_inputs.intensity_range must be"),
    ("modality of a space", {"modalities": ["C R"]}, "outpost.training_inputs.modalities must be"),
]


@pytest.mark.shared_data
@pytest.mark.parametrize(("why", "block", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_statistics_are_refused_with_a_one_line_reason_naming_the_key(cxr, why, block, message):
    copy = shutil.copytree(cxr["packs"]["unet"].root, cxr["tmp"] / f"malformed-{why.replace(' ', '-')}")
    _rewrite_metadata(copy, lambda outpost_block: outpost_block.update(training_inputs=block))
    with pytest.raises(PackRefusedError) as refused:
        read_pack(copy)
    text = str(refused.value)
    assert message in text and "\n" not in text and text.startswith("configs/metadata.json: ")


@pytest.mark.shared_data
def test_importers_record_the_statistics_given_or_their_default(shared_data, tmp_path):
    folder = shared_data / "weights_cxr_pneumonia_squeezenet"
    statistics = tmp_path / "training-inputs.json"
    statistics.write_text(json.dumps(KERMANY_TRAINING_INPUTS))
    pack = import_pack("torchvision", folder / "Models" / "squeezenet1_1_model.pth", tmp_path / "from-file",
                       classes=["a", "b", "c"], training_inputs=statistics)
    assert read_pack(pack).outpost["training_inputs"] == KERMANY_TRAINING_INPUTS
    bare = read_pack(import_pack("torchvision", folder / "Models" / "squeezenet1_1_model.pth",
                                 tmp_path / "bare", classes=["a", "b", "c"]))
    assert "training_inputs" not in bare.outpost
    with pytest.raises(PackRefusedError, match=r"training_inputs\.bits_stored must be"):
        import_pack("torchvision", folder / "Models" / "squeezenet1_1_model.pth", tmp_path / "refused",
                    classes=["a", "b", "c"], training_inputs={"bits_stored": [0]})
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())
    app = shared_data / "weights_brain_mri_meshnet_brainchop_app" / "public" / "models" / "model5_gw_ae"
    brainchop = read_pack(import_pack("brainchop", app, tmp_path / "meshnet"))
    assert brainchop.outpost["training_inputs"] == MESHNET_TRAINING_INPUTS


@pytest.mark.shared_data
def test_ai_run_prints_the_verdict_and_records_it_in_the_provenance(cxr):
    out = cxr["tmp"] / "run"
    result = outpost("ai", "run", "--pack", str(cxr["packs"]["unet"].root), "--input", str(cxr["cr10_path"]),
                     "--out", str(out), "--device", "cpu", data_dir=cxr["tmp"] / "data")
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning: Out of distribution")]
    assert len(warning) == 1 and BITS in warning[0] and INVERTED in warning[0]
    check = json.loads((out / "result.json").read_text())["provenance"]["input_check"]
    assert check["checked"] is True and BITS in check["warnings"] and INVERTED in check["warnings"]


def test_the_bundled_demo_pack_records_its_statistics_and_its_phantom_matches_them():
    from ai.demo.phantom import make_phantom
    from ai.packs.store import bundled_packs_dir
    from ai.training import train_demo

    pack = read_pack(bundled_packs_dir() / train_demo.NAME)
    assert pack.verified and pack.outpost["training_inputs"] == train_demo.TRAINING_INPUTS
    phantom = make_phantom(seed=train_demo.HELD_OUT_SEEDS[0]).volume
    verdict = input_verdict(phantom, pack)
    assert verdict.checked and verdict.warnings == [] and not verdict.needs_attention
    phantom.modality = "MR"
    assert "unsuitable: outpost-demo-ct is made for CT images" in input_verdict(phantom, pack).text

"""Mixed precision per pack: the agreement with full precision, and who runs under autocast."""

import json
import shutil

import pytest
import torch

from ai.demo.phantom import make_phantom
from ai.errors import AIError, PackRefusedError
from ai.inference import _run_once, run
from ai.packs.pack import read_pack, write_checksums
from ai.packs.store import bundled_packs_dir
from ai.precision import MIN_AGREEMENT, autocast_dtype, label_agreement

DEMO = bundled_packs_dir() / "outpost-demo-ct"


@pytest.fixture(scope="module")
def phantom():
    return make_phantom(shape=(24, 80, 80), spacing=(2.5, 2.5, 4.0)).volume


def _with_block(tmp_path, block):
    """A copy of the demo pack whose metadata carries ``outpost.mixed_precision = block``."""
    root = tmp_path / "pack"
    shutil.copytree(DEMO, root)
    path = root / "configs" / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["outpost"]["mixed_precision"] = block
    path.write_text(json.dumps(metadata), encoding="utf-8")
    write_checksums(root)
    return root


def test_float32_against_float32_agrees_everywhere(phantom):
    agreement = label_agreement(read_pack(DEMO), phantom, "float32", "cpu")
    assert agreement.agreement == 1.0 and agreement.differing == 0
    assert agreement.compared == phantom.array.size
    assert agreement.labels_present >= 3  # the phantom's organs were found, not an empty map
    assert agreement.network_output_dtype == "float32"


def test_bfloat16_on_the_cpu_runs_under_autocast_and_mostly_agrees(phantom):
    agreement = label_agreement(read_pack(DEMO), phantom, "bfloat16", "cpu")
    assert agreement.network_output_dtype == "bfloat16"  # the network really ran in bfloat16
    assert 0.0 <= agreement.agreement <= 1.0
    assert agreement.agreement == (agreement.compared - agreement.differing) / agreement.compared
    assert agreement.agreement > 0.9  # a few boundary voxels flip, the organs do not


def test_float16_where_the_cpu_autocasts_to_it(phantom):
    try:
        agreement = label_agreement(read_pack(DEMO), phantom, "float16", "cpu")
    except AIError as e:  # a torch whose CPU autocast refuses float16 says so in one line
        assert "cannot autocast" in str(e)
        return
    assert agreement.network_output_dtype == "float16"
    assert 0.0 <= agreement.agreement <= 1.0


def test_an_unknown_precision_is_refused(phantom):
    with pytest.raises(AIError, match="unknown precision"):
        label_agreement(read_pack(DEMO), phantom, "int8", "cpu")


def test_a_pack_without_mixed_precision_never_autocasts(phantom):
    pack = read_pack(DEMO)
    assert "mixed_precision" not in pack.outpost
    assert autocast_dtype(pack, torch.device("cuda:0")) is None
    assert autocast_dtype(pack, torch.device("cpu")) is None
    result = run(phantom, pack, device="cpu")
    assert result.provenance["precision"] == "float32"
    assert result.provenance["network_output_dtype"] == "float32"
    assert result.provenance["device"] == result.device == "cpu"
    assert not any("mixed precision" in note for note in result.notes)


def test_a_pack_with_mixed_precision_autocasts_on_cuda_only(tmp_path, phantom):
    pack = read_pack(_with_block(tmp_path, {"dtype": "bfloat16", "agreement": 0.998,
                                            "checked_on": "the demo phantom, CPU"}))
    assert autocast_dtype(pack, torch.device("cuda:0")) == torch.bfloat16
    assert autocast_dtype(pack, torch.device("cpu")) is None
    result = run(phantom, pack, device="cpu")  # the CPU keeps full precision, whatever the pack allows
    assert result.provenance["precision"] == "float32"
    forced = _run_once(phantom, pack, torch.device("cpu"), None, None, None, precision="bfloat16")
    assert forced.provenance["precision"] == "bfloat16 autocast"
    assert forced.provenance["network_output_dtype"] == "bfloat16"
    assert any("mixed precision: bfloat16" in note for note in forced.notes)


def test_a_declared_agreement_below_the_minimum_keeps_full_precision(tmp_path):
    pack = read_pack(_with_block(tmp_path, {"dtype": "float16", "agreement": MIN_AGREEMENT / 2}))
    assert autocast_dtype(pack, torch.device("cuda:0")) is None


@pytest.mark.parametrize("block, named", [
    ({"dtype": "float8", "agreement": 0.999}, "outpost.mixed_precision.dtype"),
    ({"dtype": "float16", "agreement": 1.5}, "outpost.mixed_precision.agreement"),
    ({"dtype": "float16"}, "with dtype and agreement"),
    ({"dtype": "float16", "agreement": 0.999, "speed": 2}, "outpost.mixed_precision.speed"),
    ({"dtype": "float16", "agreement": 0.999, "checked_on": 3}, "outpost.mixed_precision.checked_on"),
    ("float16", "with dtype and agreement"),
])
def test_a_malformed_block_refuses_the_pack_in_one_line(tmp_path, block, named):
    with pytest.raises(PackRefusedError) as caught:
        read_pack(_with_block(tmp_path, block))
    assert named in str(caught.value) and "\n" not in str(caught.value)


def test_check_precision_command_prints_the_agreement(tmp_path, phantom_study):
    from tests.ai.test_ai_cli import outpost

    done = outpost("models", "check-precision", str(DEMO), str(phantom_study), "--dtype", "float32", "--json",
                   data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["pack"] == "outpost-demo-ct" and report["device"] == "cpu"
    assert report["agreement"] == 1.0 and report["differing"] == 0 and report["compared"] > 0
    done = outpost("models", "check-precision", str(DEMO), str(phantom_study), "--dtype", "bfloat16",
                   data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "bfloat16 autocast on cpu against float32" in done.stdout and "voxels agree" in done.stdout

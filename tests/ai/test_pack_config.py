"""Reading MONAI bundle configs safely: expressions, references, allow-list, refusals."""

import json

import pytest

from ai.errors import PackRefusedError
from ai.packs.allowed import find_entry
from ai.packs.config import BundleConfig, Instantiator, Reference, RuntimeValue
from ai.packs.expressions import evaluate


def _no_refs(name):
    raise AssertionError(f"unexpected reference {name}")


@pytest.mark.parametrize(("text", "value"), [
    ("1 + 2 * 3", 7), ("[1.5, 1.5, 2.0]", [1.5, 1.5, 2.0]), ("'a' + '/b'", "a/b"),
    ("2 ** 10", 1024), ("(1, 2) if 3 > 2 else None", (1, 2)), ("not 1 in [1, 2]", False),
    ("{'k': -3}", {"k": -3}), ("1 < 2 <= 2", True), ("0 or 'x'", "x"),
])
def test_expressions_accept_literals_arithmetic_comparisons_and_conditionals(text, value):
    assert evaluate(text, _no_refs, "k") == value


def test_expressions_resolve_references():
    values = {"bundle_root": ".", "spacing#0": 1.5}
    assert evaluate("@bundle_root + '/eval'", values.__getitem__, "k") == "./eval"
    assert evaluate("@spacing#0 * 2", values.__getitem__, "k") == 3.0


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch /tmp/pwned')", "open('/etc/passwd').read()", "numpy.float32",
    "torch.load('x')", "[x for x in (1, 2)]", "lambda: 1", "os", "(1).__class__", "'a'[0]",
    "9 ** 99999999", "'a' * 10**9",
])
def test_expressions_refuse_everything_else(text):
    with pytest.raises(PackRefusedError, match="config key 'bad'"):
        evaluate(text, _no_refs, "bad")


def test_published_spleen_config_reads_as_it_is(shared_data):
    raw = json.loads((shared_data / "monai_bundle_configs" / "spleen_ct_segmentation" / "configs" /
                      "inference.json").read_text())
    resolved = BundleConfig(raw).resolve_all()
    assert set(resolved) == {"network_def", "preprocessing", "inferer", "postprocessing"}
    pre = resolved["preprocessing"].value["transforms"]
    assert [t["_target_"] for t in pre][:4] == ["LoadImaged", "EnsureChannelFirstd", "Orientationd", "Spacingd"]
    assert pre[0]["keys"] == "image"  # "@image_key" followed
    post = resolved["postprocessing"].value["transforms"]
    assert [t["_target_"] for t in post] == ["Activationsd", "Invertd", "AsDiscreted"]  # SaveImaged dropped
    assert isinstance(post[1]["transform"], Reference) and post[1]["transform"].key == "preprocessing"


def test_ignored_parts_are_never_read():
    raw = {"imports": ["$import os"], "run": ["$os.system('x')"], "evaluator": {"_target_": "os.system"},
           "device": "$torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')",
           "network_def": {"_target_": "UNet", "spatial_dims": 3, "in_channels": 1, "out_channels": 2,
                           "channels": [4, 8], "strides": [2]},
           "inferer": {"_target_": "SimpleInferer"}, "where": "@device"}
    config = BundleConfig(raw)
    assert set(config.resolve_all()) == {"network_def", "inferer"}
    assert config.resolve_key("where") == RuntimeValue("device")


@pytest.mark.parametrize(("raw", "reason"), [
    ({"network_def": "$__import__('os').system('echo pwned')"}, "function call"),
    ({"network_def": {"_target_": "os.system", "command": "echo pwned"}}, "allow-list"),
    ({"network_def": {"_target_": "builtins.eval", "source": "1"}}, "allow-list"),
    ({"preprocessing": {"_target_": "Lambdad", "keys": "image", "func": "$print"}}, "not allowed"),
    ({"inferer": "%configs/other.json#inferer"}, "another file"),
    ({"network_def": "@missing"}, "names nothing"),
    ({"network_def": "@loop", "loop": "@network_def"}, "circular"),
])
def test_hostile_configs_are_refused_with_the_key_named(raw, reason):
    config = BundleConfig(raw)
    with pytest.raises(PackRefusedError, match=reason):
        resolved = config.resolve_all()
        builder = Instantiator({"device": "cpu"})
        for key, value in resolved.items():
            builder.build(value, key)


def test_allow_table_finds_monai_and_project_classes_under_every_spelling():
    assert find_entry("UNet", "k").built_class.__name__ == "UNet"
    assert find_entry("monai.inferers.SlidingWindowInferer", "k").built_class.__name__ == "SlidingWindowInferer"
    assert find_entry("ai.networks.MeshNet", "k").built_class.__name__ == "MeshNet"
    for spelling in ("LoadImaged", "LoadImageD", "LoadImageDict", "monai.transforms.LoadImaged",
                     "monai.transforms.io.dictionary.LoadImaged"):
        assert find_entry(spelling, "k").built_class.__name__ == "LoadVolumed", spelling  # the in-memory one
    for spelling in ("SaveImaged", "SaveImageD", "SaveImageDict", "monai.transforms.io.dictionary.SaveImaged"):
        assert find_entry(spelling, "k").action == "drop", spelling
    assert find_entry("monai.transforms.AsDiscreted", "k").built_class.__module__ == "ai.packs.transforms"
    for refused in ("monai.bundle.ConfigParser", "subprocess.Popen", "LambdaD", "Lambdad", "DataStatsD",
                    "monai.transforms.utility.dictionary.Lambdad", "TorchVisionFCModel", "HoVerNet",
                    "monai.transforms.os.system", "builtins.eval", "os", ""):
        with pytest.raises(PackRefusedError, match="not allowed|not a class name"):
            find_entry(refused, "k")


@pytest.mark.parametrize("shape", [(2, 5, 6, 7), (4, 3, 3), (3, 10), (1, 4)])
def test_channel_argmax_equals_torch_argmax_ties_included(shape):
    import torch

    from ai.packs.transforms import channel_argmax

    scores = torch.randint(0, 3, shape, generator=torch.Generator().manual_seed(1)).float()  # many ties
    for dim in range(len(shape)):
        for keepdim in (True, False):
            assert torch.equal(channel_argmax(scores, dim, keepdim).long(), torch.argmax(scores, dim, keepdim))


def test_outpost_as_discreted_matches_monai_and_keeps_the_geometry():
    import torch
    from monai.data import MetaTensor
    from monai.transforms import AsDiscreted as MonaiAsDiscreted

    from ai.packs.transforms import AsDiscreted

    affine = torch.diag(torch.tensor([0.8, 0.8, 2.0, 1.0], dtype=torch.float64))
    scores = MetaTensor(torch.randn(3, 6, 7, 5, generator=torch.Generator().manual_seed(2)), affine=affine)
    for options in ({"argmax": True}, {"argmax": True, "to_onehot": 3}, {"threshold": 0.5}):
        ours = AsDiscreted("pred", **options)({"pred": scores})["pred"]
        theirs = MonaiAsDiscreted("pred", **options)({"pred": scores})["pred"]
        assert ours.dtype == theirs.dtype and torch.equal(ours.as_tensor(), theirs.as_tensor())
        assert torch.equal(ours.affine, affine)

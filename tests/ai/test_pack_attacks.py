"""A model pack never runs code: the config attacks of issue 12, tried as an outsider would.

Every hostile pack starts as a valid one (the tiny UNet pack of the other tests),
with one change an attacker made and its checksums regenerated, so that
"every file verified" is true of it. Each payload would create a marker file if
any of it ran; each test checks that the marker is absent, that the pack is
refused with a reason that names the cause, and, where the attack was about
hanging or memory, the time and memory the refusal took.

The allow table (:mod:`ai.packs.allowed`) is attacked by a generated test: for
every class in it, every argument it takes receives every attacker value
(module paths of ``subprocess.Popen``, ``os.system``, ``builtins.exec`` and
``pydoc.locate``, URLs, file paths, nested components), and every class receives
the keyword arguments through which MONAI loads, writes, downloads or calls.
And every spelling in MONAI's transform, network and inferer modules that does
not reach a table class is refused, whatever its name.
"""

from __future__ import annotations

import copy
import resource
import time
from pathlib import Path

import pytest
import torch

from ai.errors import PackRefusedError
from ai.packs import allowed
from ai.packs.config import BundleConfig, Instantiator
from ai.packs.pack import read_pack
from ai.packs.provenance import describe_for_install
from ai.packs.store import PackStore, examine
from tests.ai.pack_factory import make_pack
from tests.ai.test_ai_cli import outpost
from tests.ai.test_packs_and_inference import TINY_CONFIG, TINY_META, _tiny_state

#: Generous guards: they catch a hang or a blow-up, not a slow machine.
TIME_GUARD_S = 60.0
MEMORY_GUARD_BYTES = 1 * 2**30


def _payload(marker: Path) -> dict:
    """The keyword arguments that make MONAI's LoadImaged run ``touch marker`` through its reader string."""
    return {"reader": "subprocess.Popen", "args": ["sh", "-c", f"touch {marker}"]}


def _hostile(tmp_path: Path, name: str, change) -> Path:
    """A copy of the tiny pack with ``change(config)`` applied and checksums regenerated."""
    config = copy.deepcopy(TINY_CONFIG)
    change(config)
    return make_pack(tmp_path / name, TINY_META, config, _tiny_state())


def _refusal(root: Path) -> str:
    """The reason the full check (as the pack list and installation make it) refuses ``root``."""
    entry = examine(root, "candidate", check_network=True)
    assert entry.status == "refused", (entry.status, entry.reason)
    return entry.reason


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------- the reader string
@pytest.mark.parametrize("spelling", ["LoadImageD", "LoadImageDict", "LoadImaged",
                                      "monai.transforms.io.dictionary.LoadImaged"])
def test_a_reader_string_in_any_spelling_of_loadimaged_is_refused_and_never_run(tmp_path, spelling):
    marker = tmp_path / "pwned"

    def change(config):
        config["preprocessing"]["transforms"][0] = {"_target_": spelling, "keys": "image", **_payload(marker)}

    root = _hostile(tmp_path, "reader", change)
    assert "argument 'reader' is not allowed" in _refusal(root)
    assert "reader" in describe_for_install(root).refused
    assert not marker.exists()


def test_the_payload_hidden_as_an_extra_keyword_of_loadimaged_is_refused(tmp_path):
    marker = tmp_path / "pwned"

    def change(config):
        config["preprocessing"]["transforms"][0].update(_payload(marker))

    assert "is not allowed" in _refusal(_hostile(tmp_path, "hidden", change))
    assert not marker.exists()


def test_the_reader_payload_is_refused_by_every_command_and_runs_nowhere(tmp_path, phantom_study):
    """``outpost models install`` (with and without --yes), ``list``, ``verify`` and ``ai run``."""
    marker = tmp_path / "pwned"

    def change(config):
        config["preprocessing"]["transforms"][0] = {"_target_": "LoadImageD", "keys": "image", **_payload(marker)}

    root = _hostile(tmp_path, "reader", change)
    data = tmp_path / "data"
    for arguments in (("models", "install", str(root)), ("models", "install", str(root), "--yes")):
        result = outpost(*arguments, data_dir=data)
        assert result.returncode != 0 and "reader" in result.stderr + result.stdout, result.stderr
        assert "Traceback" not in result.stderr
    # Placed in the store by hand, as a careless copy would: listed as refused, verify fails, run refuses.
    store = data / "packs"
    store.mkdir(parents=True, exist_ok=True)
    root.rename(store / "reader")
    listed = outpost("models", "list", data_dir=data)
    assert listed.returncode == 0 and "refused" in listed.stdout and "reader" in listed.stdout, listed.stderr
    verified = outpost("models", "verify", "tiny", data_dir=data)
    assert verified.returncode == 1 and "reader" in verified.stdout
    ran = outpost("ai", "run", "--pack", "reader", "--input", str(phantom_study), "--out", str(tmp_path / "out"),
                  data_dir=data)
    assert ran.returncode != 0 and "reader" in ran.stderr and "Traceback" not in ran.stderr, ran.stderr
    assert not marker.exists()


# --------------------------------------------------------------------------- writers, callables, downloads
def test_saveimaged_in_any_spelling_is_dropped_and_writes_nothing_anywhere(tmp_path):
    from ai.demo.phantom import make_phantom
    from ai.inference import run

    outside = tmp_path / "outside"

    def change(config):
        config["postprocessing"]["transforms"] += [
            {"_target_": spelling, "keys": "pred", "output_dir": str(outside), "separate_folder": False}
            for spelling in ("SaveImageD", "SaveImageDict", "monai.transforms.io.dictionary.SaveImaged")]

    pack = read_pack(_hostile(tmp_path, "writer", change))
    result = run(make_phantom(shape=(16, 64, 64), spacing=(4.0, 4.0, 6.0)).volume, pack, device="cpu")
    assert result.labels is not None and not outside.exists()


@pytest.mark.parametrize("spelling", ["LambdaD", "Lambdad", "LambdaDict", "RandLambdaD", "DataStatsD",
                                      "DataStatsd", "monai.transforms.utility.dictionary.Lambdad",
                                      "monai.transforms.Lambda", "LoadImage", "CopyItemsd", "ClassesToIndicesd"])
def test_transforms_that_call_read_or_log_arbitrary_things_are_refused_in_every_spelling(tmp_path, spelling):
    marker = tmp_path / "pwned"

    def change(config):
        config["preprocessing"]["transforms"].append(
            {"_target_": spelling, "keys": "image", "func": "os.system", "args": [f"touch {marker}"]})

    assert f"_target_ {spelling!r} is not allowed" in _refusal(_hostile(tmp_path, "lambda", change))
    assert not marker.exists()


def test_a_network_that_downloads_its_weights_is_refused_before_anything_is_fetched(tmp_path, monkeypatch):
    hub = tmp_path / "hub"
    monkeypatch.setenv("TORCH_HOME", str(hub))
    secret = tmp_path / "secret.pth"
    secret.write_bytes(b"not for the hub")

    def change(config):
        config["network_def"] = {"_target_": "HoVerNet", "pretrained_url": secret.as_uri(), "out_classes": 2}

    assert "'HoVerNet' is not allowed" in _refusal(_hostile(tmp_path, "hovernet", change))

    def pretrained(config):
        config["network_def"]["pretrained"] = True

    assert "argument 'pretrained' is not allowed" in _refusal(_hostile(tmp_path, "pretrained", pretrained))
    assert not hub.exists()


# --------------------------------------------------------------------------- sizes
@pytest.mark.parametrize(("channels", "reason"), [
    ([8192, 8192], "is not from 1 to 4096"),  # the table's bound on one argument
    ([4096, 4096], "times its weights file"),  # the network's size, counted on the meta device
])
def test_a_network_far_larger_than_its_weights_is_refused_before_it_is_built(tmp_path, channels, reason):
    def change(config):
        config["network_def"]["channels"] = channels

    root = _hostile(tmp_path, "wide", change)
    before, started = _peak_rss(), time.monotonic()
    assert reason in _refusal(root)
    elapsed = time.monotonic() - started
    assert elapsed < TIME_GUARD_S and _peak_rss() - before < MEMORY_GUARD_BYTES, (elapsed, _peak_rss() - before)


def test_a_network_beyond_the_size_limit_is_refused_whatever_its_weights(tmp_path, monkeypatch):
    from ai.packs import pack as pack_module

    monkeypatch.setattr(pack_module, "MAX_NETWORK_BYTES", 1_000)  # the tiny UNet takes a few kB
    assert "more than" in _refusal(make_pack(tmp_path / "tiny", TINY_META, TINY_CONFIG, _tiny_state()))


# --------------------------------------------------------------------------- references and expressions
@pytest.mark.parametrize(("extra", "reason"), [
    ({"a0": [1, 2]} | {f"a{i}": f"$@a{i - 1} + @a{i - 1}" for i in range(1, 30)}, "items|deeper"),
    ({"c0": 1} | {f"c{i}": f"@c{i - 1}" for i in range(1, 2000)}, "nest more than"),
    ({"s": "${[1]}"}, "cannot be hashed"),
    ({"s": "$" + "+".join(["1"] * 1999)}, "deep|nest"),
], ids=["references doubling", "a chain of 2000 references", "${[1]}", "1+1+... 2000 times"])
def test_references_and_expressions_that_explode_are_refused_quickly(tmp_path, extra, reason):
    last = sorted(extra, key=lambda k: int(k[1:]) if k[1:].isdigit() else 0)[-1]
    config = dict(copy.deepcopy(TINY_CONFIG), **extra)
    config["inferer"]["sw_batch_size"] = f"@{last}"
    started = time.monotonic()
    with pytest.raises(PackRefusedError, match=reason):
        BundleConfig(config).resolve_all()
    assert time.monotonic() - started < TIME_GUARD_S


# --------------------------------------------------------------------------- names and the store
def test_a_300_character_name_installs_under_a_short_folder_and_is_shown(tmp_path):
    name = "n" * 300
    root = make_pack(tmp_path / "long", dict(TINY_META, name=name), TINY_CONFIG, _tiny_state())
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled")
    installed = store.install(root)
    assert installed.name == name and len(installed.root.name) <= 100
    assert [e.status for e in store.entries()] == ["ok"]


def test_a_pack_never_takes_the_place_of_a_bundled_one(tmp_path):
    bundled = make_pack(tmp_path / "bundled" / "tiny", TINY_META, TINY_CONFIG, _tiny_state())
    impostor = make_pack(tmp_path / "impostor", dict(TINY_META, version="9.9"), TINY_CONFIG, _tiny_state())
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled")
    with pytest.raises(PackRefusedError, match="bundled with Outpost"):
        store.install(impostor)
    # Copied into the store by hand: listed as refused, and the bundled pack is the one found.
    (tmp_path / "user").mkdir(exist_ok=True)
    impostor.rename(tmp_path / "user" / "tiny")
    entries = {e.location: e for e in store.entries()}
    assert entries["bundled"].status == "ok"
    assert entries["user"].status == "refused" and "bundled" in entries["user"].reason
    assert store.find("tiny").root == bundled


def test_one_unreadable_pack_never_breaks_the_listing(tmp_path, monkeypatch):
    make_pack(tmp_path / "user" / "good", TINY_META, TINY_CONFIG, _tiny_state())
    bad = make_pack(tmp_path / "user" / "bad", dict(TINY_META, name="bad"), TINY_CONFIG, _tiny_state())
    (tmp_path / "user" / "elsewhere").symlink_to(bad, target_is_directory=True)
    from ai.packs import store as store_module

    original = store_module.read_pack

    def failing(root):
        if Path(root).name == "bad":
            raise ZeroDivisionError("an error nobody listed")
        return original(root)

    monkeypatch.setattr(store_module, "read_pack", failing)
    entries = {e.path.name: e for e in PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "b").entries()}
    assert entries["good"].status == "ok"
    assert entries["bad"].status == "refused" and "ZeroDivisionError" in entries["bad"].reason
    assert entries["elsewhere"].status == "refused" and "symbolic link" in entries["elsewhere"].reason


# --------------------------------------------------------------------------- the allow table, generated
ATTACKER_VALUES = [
    "subprocess.Popen", "os.system", "builtins.exec", "pydoc.locate", "monai.transforms.Lambdad",
    "http://127.0.0.1:9/weights.pt", "file:///etc/passwd", "/etc/passwd", "../../outside", "~/.bashrc",
    {"_target_": "subprocess.Popen", "args": ["true"]}, {"_target_": "Lambdad", "keys": "image", "func": "x"},
    ["subprocess.Popen", "os.system"], {"path": "os.system"}, 10**30, float("nan"), -(10**12),
]
#: Keywords through which MONAI classes load, write, download or call things.
DANGEROUS_KEYWORDS = ["reader", "writer", "func", "other", "post_func", "pretrained", "pretrained_url",
                      "output_dir", "output_name_formatter", "folder_layout", "log_stats", "overrides",
                      "args", "kwargs", "image_only_reader", "meta_keys_func", "__class__", "_mode_"]

#: A valid call of every table class; the generated tests change one argument of it.
BASELINE = {
    "UNet": {"spatial_dims": 3, "in_channels": 1, "out_channels": 2, "channels": [4, 8], "strides": [2]},
    "SqueezeNet11": {"n_classes": 3}, "ResidualUNet": {"n_classes": 2, "base": 1},
    "SegResNet": {"spatial_dims": 3, "in_channels": 1, "out_channels": 2, "init_filters": 8,
                  "blocks_down": [1, 1], "blocks_up": [1]},
    "MeshNet": {"n_classes": 2, "channels": 2}, "SimpleInferer": {},
    "SlidingWindowInferer": {"roi_size": [16, 16, 16]}, "Compose": {"transforms": []},
    "LoadImaged": {"keys": "image"}, "LoadVolumed": {"keys": "image"},
    "SaveImaged": {"keys": "p"}, "SaveImage": {}, "EnsureChannelFirstd": {"keys": "image"},
    "Orientationd": {"keys": "image", "axcodes": "RAS"},
    "Spacingd": {"keys": "image", "pixdim": [1.0, 1.0, 1.0]},
    "ScaleIntensityRanged": {"keys": "image", "a_min": 0, "a_max": 1},
    "ScaleIntensityd": {"keys": "image"},
    "ScaleIntensityRangePercentilesd": {"keys": "image", "lower": 1, "upper": 99, "b_min": 0, "b_max": 1},
    "Resized": {"keys": "image", "spatial_size": [8, 8]}, "Transposed": {"keys": "image", "indices": [0, 2, 1]},
    "RepeatChanneld": {"keys": "image", "repeats": 3}, "NormalizeIntensityd": {"keys": "image"},
    "EnsureTyped": {"keys": "image"}, "Activationsd": {"keys": "pred"},
    "Invertd": {"keys": "pred", "transform": "@pre"}, "AsDiscreted": {"keys": "pred"}, "AsDiscrete": {},
    # brain (ai.packs.transforms: conform and brainchop's crop)
    "ConformLIAd": {"keys": "image"}, "BrainCropd": {"keys": "image", "padding": 2},
    "BrainUncropd": {"keys": "pred"},
    # nnU-Net (ai.nnunet)
    "NnUNetEnsemble": {"architecture": "PlainConvUNet", "dims": 3, "in_channels": 1, "n_classes": 2,
                       "features": [2, 4], "kernel_sizes": [[3, 3, 3], [3, 3, 3]],
                       "strides": [[1, 1, 1], [2, 2, 2]], "n_blocks": [1, 1], "n_conv_decoder": [1]},
    "NnUNetPreprocessd": {"keys": "image", "orientation": "dcm2niix", "transpose_forward": [0, 1, 2],
                          "spacing": [1.0, 1.0, 1.0], "normalization": "ZScoreNormalization"},
    "NnUNetSlidingWindowInferer": {"patch_size": [8, 8, 8], "n_classes": 2}, "NnUNetRestored": {"keys": "pred"},
}


def _table_cases() -> list[tuple[str, str]]:
    return [(f"{entry.cls.__module__}.{entry.cls.__qualname__}", name)
            for entry in allowed.allow_table().values() if entry.action != "drop"
            for name in [*entry.arguments, *DANGEROUS_KEYWORDS]]


def _build(target: str, arguments: dict, marker: Path | None = None):
    """Build ``{"_target_": target, **arguments}`` as config key ``part``; ``@pre`` is a Compose (a callable),
    ``@evil`` a component that would run ``touch marker``, ``@run`` a callable's dotted path."""
    raw = {"pre": {"_target_": "Compose", "transforms": []}, "part": {"_target_": target, **arguments},
           "evil": {"_target_": "subprocess.Popen", "args": ["touch", str(marker or "/nonexistent/x")]},
           "run": "os.system"}
    config = BundleConfig(raw)
    return Instantiator({"device": torch.device("cpu")}).build(config.resolve_key("part"), "part")


def test_every_table_class_builds_from_its_baseline():
    """The generated attacks below change one argument of a call that works: refusals are the attack's."""
    for entry in allowed.allow_table().values():
        name = entry.cls.__name__
        built = _build(f"{entry.cls.__module__}.{entry.cls.__qualname__}", BASELINE[name])
        assert entry.action == "drop" or isinstance(built, entry.built_class), name


@pytest.mark.parametrize(("target", "keyword"), _table_cases())
def test_no_table_argument_takes_an_attacker_value(tmp_path, target, keyword):
    entry = allowed.find_entry(target, "k")
    marker = tmp_path / "pwned"
    baseline = BASELINE[entry.cls.__name__]
    references = ["@evil", "@run", "@pre#transforms", "@pre"]  # callables and paths through `@` references
    for value in [*ATTACKER_VALUES, *references, f"$__import__('os').system('touch {marker}')", f"@{marker}"]:
        if baseline.get(keyword) == value or (keyword, value) == ("transforms", "@pre#transforms"):
            continue  # the legitimate use (Invertd's transform is the preprocessing Compose, by reference)
        with pytest.raises(PackRefusedError):
            _build(target, dict(baseline, **{keyword: value}), marker)
    assert not marker.exists()


def test_a_dropped_transform_builds_none_of_its_arguments(tmp_path):
    marker = tmp_path / "pwned"
    for spelling in allowed.spellings_of(allowed.find_entry("SaveImaged", "k").cls):
        hostile = {"keys": "pred", "writer": {"_target_": "LoadImaged", "keys": "x", **_payload(marker)},
                   "output_name_formatter": {"_target_": "subprocess.Popen", "args": ["true"]}}
        assert _build(spelling, hostile) is not None
    assert not marker.exists()


def test_every_spelling_in_monais_modules_reaches_a_table_class_or_is_refused():
    import importlib

    reached = refused = 0
    for module_name in allowed.SEARCHED_MODULES:
        module = importlib.import_module(module_name)
        for name in dir(module):
            found = getattr(module, name)
            if name.startswith("_") or not isinstance(found, type):
                continue
            for spelling in (name, f"{module_name}.{name}"):
                if found in allowed.allow_table():  # a short name in two modules reaches the same built class
                    built = allowed.find_entry(spelling, "k").built_class
                    assert built is allowed.allow_table()[found].built_class, spelling
                    reached += 1
                else:
                    with pytest.raises(PackRefusedError, match="not allowed"):
                        allowed.find_entry(spelling, "k")
                    refused += 1
    assert reached >= 2 * len(allowed.allow_table()) - 10 and refused > 500, (reached, refused)

"""Packs are verified before anything runs; inference lands on the patient's grid."""

import pickle
import zipfile

import numpy as np
import pytest
import torch

from ai.errors import AIError, PackRefusedError
from ai.inference import run
from ai.packs.pack import read_pack
from ai.packs.store import PackStore
from tests.ai.pack_factory import make_pack, spleen_pack, write_checksums
from viewer.core.dicom import load_series, scan
from viewer.core.errors import Cancelled
from viewer.core.tasks import CancelToken

TINY_META = {"name": "tiny", "version": "0.1", "task": "segmentation",
             "network_data_format": {"outputs": {"pred": {"channel_def": {"0": "background", "1": "thing"}}}}}
TINY_CONFIG = {
    "network_def": {"_target_": "UNet", "spatial_dims": 3, "in_channels": 1, "out_channels": 2,
                    "channels": [4, 8], "strides": [2]},
    "preprocessing": {"_target_": "Compose", "transforms": [
        {"_target_": "LoadImaged", "keys": "image"}, {"_target_": "EnsureChannelFirstd", "keys": "image"},
        {"_target_": "ScaleIntensityRanged", "keys": "image", "a_min": -100, "a_max": 200, "b_min": 0,
         "b_max": 1, "clip": True}]},
    "inferer": {"_target_": "SlidingWindowInferer", "roi_size": [32, 32, 16], "sw_batch_size": 2},
    "postprocessing": {"_target_": "Compose", "transforms": [
        {"_target_": "AsDiscreted", "keys": "pred", "argmax": True}]},
}


def _tiny_state():
    from monai.networks.nets import UNet

    torch.manual_seed(1)
    return UNet(3, 1, 2, (4, 8), (2,)).state_dict()


@pytest.fixture(scope="module")
def real_ct(shared_data):
    return load_series(scan(shared_data / "ct_abdomen_series_totalsegmentator" / "dicom").series[0])


def test_spleen_pack_runs_on_the_real_ct_onto_its_grid(shared_data, tmp_path, real_ct):
    pack = read_pack(spleen_pack(shared_data, tmp_path / "spleen"))
    assert pack.verified and pack.name == "Spleen CT segmentation" and pack.task == "segmentation"
    reports = []
    result = run(real_ct, pack, device="cpu", progress=lambda d, t, s: reports.append((d, t)))
    assert result.labels.shape == real_ct.shape_zyx and result.labels.dtype == np.uint8
    assert set(np.unique(result.labels)) <= {0, 1}
    assert reports and reports[-1][0] == reports[-1][1]  # windows done out of total
    assert result.device == "cpu" and set(result.timings) >= {"preprocessing", "inference", "total"}
    assert result.provenance["checksum"] == pack.checksum and result.label_names[1] == "spleen"
    voxel_ml = np.prod(real_ct.spacing) / 1000
    assert result.volumes_ml["spleen"] == pytest.approx((result.labels == 1).sum() * voxel_ml, abs=1e-3)
    again = run(real_ct, pack, device="cpu")
    assert np.array_equal(again.labels, result.labels)  # deterministic on one device


def test_a_built_pack_is_kept_for_that_pack_object_and_never_changed_by_a_run(tmp_path, real_ct):
    from ai.inference import _run_once, built_parts, forget_built_parts

    folder = make_pack(tmp_path / "tiny", TINY_META, TINY_CONFIG, _tiny_state())
    pack, cpu = read_pack(folder), torch.device("cpu")
    first = built_parts(pack, cpu)
    assert built_parts(pack, cpu) is first  # the AI worker's next series skips building the network
    # A run with one window per batch (the out-of-GPU-memory retry) builds parts of its own:
    # the kept inferer still batches as the pack says.
    result = _run_once(real_ct, pack, cpu, 1, None, None)
    assert built_parts(pack, cpu)["inferer"].sw_batch_size == 2 and result.labels.shape == real_ct.shape_zyx
    read_again = read_pack(folder)  # a pack read again (perhaps changed on disk) is built again
    assert built_parts(read_again, cpu) is not first
    assert built_parts(pack, cpu) is not first  # one pack kept: the other one was dropped
    kept = built_parts(pack, cpu)
    forget_built_parts()
    assert built_parts(pack, cpu) is not kept


def test_cancel_stops_at_the_next_window(tmp_path, real_ct):
    pack = read_pack(make_pack(tmp_path / "tiny", TINY_META, TINY_CONFIG, _tiny_state()))
    token = CancelToken()

    def progress(done, total, text):
        if done == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        run(real_ct, pack, device="cpu", progress=progress, cancel=token)


def test_unsuitable_input_gets_a_reason(tmp_path, real_ct):
    meta = dict(TINY_META, outpost={"modalities": ["MR"]})
    pack = read_pack(make_pack(tmp_path / "mr", meta, TINY_CONFIG, _tiny_state()))
    with pytest.raises(AIError, match="made for MR"):
        run(real_ct, pack, device="cpu")
    with pytest.raises(AIError, match="CUDA"):
        run(real_ct, read_pack(make_pack(tmp_path / "t", TINY_META, TINY_CONFIG, _tiny_state())), device="cuda")


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch /tmp/outpost-pwned",))


def test_hostile_and_broken_packs_are_refused_naming_the_file(tmp_path):
    good = make_pack(tmp_path / "good", TINY_META, TINY_CONFIG, _tiny_state())
    assert read_pack(good).verified

    altered = make_pack(tmp_path / "altered", TINY_META, TINY_CONFIG, _tiny_state())
    (altered / "configs" / "inference.json").write_text((altered / "configs" / "inference.json").read_text() + " ")
    with pytest.raises(PackRefusedError, match="configs/inference.json does not match its checksum"):
        read_pack(altered)

    missing = make_pack(tmp_path / "missing", TINY_META, TINY_CONFIG, _tiny_state())
    (missing / "models" / "model.pt").unlink()
    with pytest.raises(PackRefusedError, match="models/model.pt is listed in checksums.sha256 but missing"):
        read_pack(missing)

    pickled = make_pack(tmp_path / "pickled", TINY_META, TINY_CONFIG, checksums=False)
    with open(pickled / "models" / "model.pt", "wb") as fp:
        pickle.dump({"weight": _Payload()}, fp)
    write_checksums(pickled)
    with pytest.raises(PackRefusedError, match="models/model.pt: refused"):
        read_pack(pickled).build(torch.device("cpu"))

    truncated = make_pack(tmp_path / "truncated", TINY_META, TINY_CONFIG, _tiny_state(), checksums=False)
    weights = truncated / "models" / "model.pt"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    write_checksums(truncated)
    with pytest.raises(PackRefusedError, match="damaged or truncated|not a zip file"):
        read_pack(truncated).build(torch.device("cpu"))

    command = dict(TINY_CONFIG, network_def="$__import__('os').system('touch /tmp/outpost-pwned')")
    with pytest.raises(PackRefusedError, match="network_def"):
        read_pack(make_pack(tmp_path / "expr", TINY_META, command, _tiny_state()))

    target = dict(TINY_CONFIG, inferer={"_target_": "subprocess.Popen", "args": ["true"]})
    with pytest.raises(PackRefusedError, match="allow-list"):
        read_pack(make_pack(tmp_path / "target", TINY_META, target, _tiny_state())).build(torch.device("cpu"))

    import os

    assert not os.path.exists("/tmp/outpost-pwned")


def test_store_installs_lists_verifies_and_removes(tmp_path):
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled")
    source = make_pack(tmp_path / "src" / "tiny", TINY_META, TINY_CONFIG, _tiny_state())
    archive = tmp_path / "tiny.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in source.rglob("*"):
            zf.write(path, f"tiny/{path.relative_to(source)}")
    pack = store.install(archive)
    assert pack.root == tmp_path / "user" / "tiny"
    (entry,) = store.entries()
    assert entry.status == "ok" and entry.location == "user"
    assert store.verify("tiny").status == "ok"
    unverified = make_pack(tmp_path / "src" / "plain", dict(TINY_META, name="plain"), TINY_CONFIG, _tiny_state(),
                           checksums=False)
    with pytest.raises(PackRefusedError, match="confirm its provenance"):
        store.install(unverified)
    assert store.install(unverified, trusted=True).name == "plain"
    assert {e.status for e in store.entries()} == {"ok", "unverified"}
    store.remove("tiny")
    assert [e.name for e in store.entries()] == ["plain"]


def test_zip_slip_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.txt", "gotcha")
    store = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "b")
    with pytest.raises(PackRefusedError, match="zip-slip"):
        store.install(archive)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()


def test_a_published_bundle_whose_network_downloads_weights_is_listed_refused(shared_data, tmp_path):
    import json

    source = shared_data / "monai_bundle_configs" / "breast_density_classification" / "configs"
    root = make_pack(tmp_path / "bundled" / "breast", json.loads((source / "metadata.json").read_text()),
                     json.loads((source / "inference.json").read_text()), {"fc.weight": torch.zeros(1)})
    (entry,) = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled").entries()
    # TorchVisionFCModel with "pretrained": true would fetch ImageNet weights: not in the allow table.
    assert entry.status == "refused" and "'TorchVisionFCModel' is not allowed" in entry.reason
    assert root.exists()


def test_segmentation_gradcam_lands_on_the_volume_grid(tmp_path):
    from ai.demo.phantom import make_phantom
    from ai.explain import explain

    volume = make_phantom(shape=(16, 64, 64), spacing=(4.0, 4.0, 6.0)).volume
    pack = read_pack(make_pack(tmp_path / "tiny", TINY_META, TINY_CONFIG, _tiny_state()))
    result = run(volume, pack, device="cpu")
    label = next(name for name, ml in result.volumes_ml.items() if ml > 0)
    heatmap = explain(volume, pack, result, "gradcam", target=label, device="cpu")
    assert heatmap.values.shape == volume.shape_zyx
    assert heatmap.values.max() == pytest.approx(1.0) and heatmap.values.min() >= 0
    with pytest.raises(AIError, match="unknown explanation"):
        explain(volume, pack, result, "magic", device="cpu")
    with pytest.raises(AIError, match="not a class or label"):
        explain(volume, pack, result, "gradcam", target="nothing", device="cpu")

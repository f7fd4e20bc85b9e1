"""The brain MRI workflow on DICOM T1 series in every plane and patient position (ai.workflow).

The series are made from brainchop's real conformed T1 (``t1_crop.nii.gz``, 256^3, 1 mm, LIA)
by :mod:`tests.ai.brain_series`. The reference is the same pack run on the NIfTI itself, whose
grid is the conformed grid. The networks are the MIT brainchop app's MeshNets through the
importer: the light grey/white-matter model (``model5_gw_ae``, registry id 1) for every series,
and the DKT atlas (``model21_104class``, id 14), which runs after it, once.
"""

import numpy as np
import pytest

from ai.errors import AIError
from ai.importers import import_pack
from ai.inference import run
from ai.packs.pack import read_pack
from ai.packs.store import PackStore
from ai.packs.transforms import CROP_HINT, bounding_box
from ai.suitability import unsuitable_reason
from ai.workflow import conformed_volume, pre_model_of, run_pack
from tests.ai.brain_series import PERMUTED, load_folder, load_t1, oblique, reorder, write_series
from viewer.core.overlays import resample_to_grid
from viewer.core.volume import Volume

APP = "weights_brain_mri_meshnet_brainchop_app"
LIGHT = "brainchop-model5_gw_ae"  # the importer's default name, which the atlas names as its pre-model
#: The least Dice per tissue class between the oblique series' labels and the reference labels
#: resampled onto it: the series was interpolated once to make it and once more to conform it.
OBLIQUE_DICE = 0.90
ACQUISITIONS = [*PERMUTED, "oblique"]


@pytest.fixture(scope="module")
def packs(shared_data, tmp_path_factory):
    models = shared_data / APP / "public" / "models"
    root = tmp_path_factory.mktemp("brain-packs")
    light = read_pack(import_pack("brainchop", models / "model5_gw_ae", root / LIGHT, entry=1))
    atlas = read_pack(import_pack("brainchop", models / "model21_104class", root / "atlas", entry=14))
    return {"light": light, "atlas": atlas, "root": root}


@pytest.fixture(scope="module")
def t1(shared_data):
    from viewer.core.nifti import load_nifti

    return load_nifti(shared_data / "weights_brain_mri_meshnet_brainchop" / "t1_crop.nii.gz", modality="MR")


@pytest.fixture(scope="module")
def series(shared_data, tmp_path_factory):
    """Acquisition name -> the DICOM series as Outpost loads it."""
    array, affine = load_t1(shared_data)
    root = tmp_path_factory.mktemp("brain-dicom")
    loaded = {}
    for number, (name, (axes, flips, position)) in enumerate(PERMUTED.items(), start=1):
        voxels, grid = reorder(array, affine, axes, flips)
        loaded[name] = load_folder(write_series(root / name, voxels, grid, position, series_number=number))
    voxels, grid = oblique(array, affine)
    loaded["oblique"] = load_folder(write_series(root / "oblique", voxels, grid, "HFS", scale=16.0,
                                                 body_part="BRAIN", series_number=9))
    return loaded


@pytest.fixture(scope="module")
def reference(t1, packs):
    """The light model's labels on the NIfTI (its own grid is the conformed grid)."""
    return run_pack(t1, packs["light"], device="cpu").labels


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * np.count_nonzero(a & b) / max(1, np.count_nonzero(a) + np.count_nonzero(b))


@pytest.mark.parametrize("acquisition", ACQUISITIONS)
def test_conform_gives_the_niftis_conformed_voxels(series, t1, acquisition):
    conformed = conformed_volume(series[acquisition])
    assert conformed.shape_zyx == (256, 256, 256) and conformed.same_grid(t1)  # 1 mm, LIA, same centre
    expected = t1.array.astype(np.float32)
    if acquisition in PERMUTED:  # the acquisition's voxels are the conformed ones, in another order
        assert np.array_equal(conformed.array, expected)
    else:
        brain = expected > 0
        values = conformed.array[brain] / 16.0
        assert np.corrcoef(values, expected[brain])[0, 1] > 0.97
        assert np.abs(values - expected[brain]).mean() < 8  # of 255, after two trilinear resamplings


@pytest.mark.parametrize("acquisition", ACQUISITIONS)
def test_labels_come_back_on_the_dicom_grid_as_on_the_nifti(series, t1, packs, reference, acquisition):
    volume = series[acquisition]
    result = run_pack(volume, packs["light"], device="cpu")
    assert result.labels.shape == volume.shape_zyx
    expected = resample_to_grid(reference, t1, volume, nearest=True)
    if acquisition in PERMUTED:
        differ = np.count_nonzero(result.labels != expected)
        assert differ == 0, f"{differ} voxels differ"
    else:
        scores = {name: _dice(result.labels == value, expected == value)
                  for value, name in result.label_names.items() if value}
        print(f"oblique Dice against the NIfTI's labels: {scores}")
        assert min(scores.values()) > OBLIQUE_DICE, scores
    assert result.volumetry["rows"][0]["structure"] == "White Matter"


def test_the_pre_model_runs_first_and_the_crop_follows_its_mask(series, t1, packs):
    light, atlas = packs["light"], packs["atlas"]
    assert atlas.outpost["runs_after"] == LIGHT and light.outpost.get("runs_after") is None
    volume = series["axial-ffp"]  # prone, feet first
    result = run_pack(volume, atlas, light, device="cpu")
    box = result.provenance["pre_model"]["crop_box_conformed_xyz"]
    assert result.provenance["pre_model"]["pack"] == LIGHT and "pre_model_total" in result.timings
    # The pre-model alone, on the whole conformed volume (the NIfTI's grid): its mask's bounding box.
    whole = Volume(array=t1.array, origin=t1.origin, spacing=t1.spacing, direction=t1.direction, modality="MR",
                   metadata={CROP_HINT: "whole"})
    mask = run(whole, light, device="cpu").labels > 0
    assert box == bounding_box(mask.transpose(2, 1, 0))
    on_conformed = resample_to_grid(result.labels, volume, t1, nearest=True).transpose(2, 1, 0)
    inside = np.zeros(on_conformed.shape, bool)
    inside[box[0][0]:box[0][1] + 1, box[1][0]:box[1][1] + 1, box[2][0]:box[2][1] + 1] = True
    assert on_conformed[inside].any() and not on_conformed[~inside].any()

    # Left is the patient's left whatever the acquisition: LPS x grows towards the patient's left.
    names = result.label_names
    left = [v for v, n in names.items() if n.startswith(("Left-", "ctx-lh-"))]
    right = [v for v, n in names.items() if n.startswith(("Right-", "ctx-rh-"))]

    def mean_x(values):
        z, y, x = np.nonzero(np.isin(result.labels, values))
        return float(volume.index_to_physical(np.stack([x, y, z], axis=1).astype(float))[:, 0].mean())
    assert mean_x(left) > mean_x(right) + 20

    # Volumetry: numpy counts times the voxel volume; left and right of one structure on one row;
    # the ICV is the pre-model's mask on the series' grid, and the table says so.
    table = result.volumetry
    voxel_ml = float(np.prod(volume.spacing)) / 1000
    counts = np.bincount(result.labels.reshape(-1), minlength=len(names) + 1)
    icv = resample_to_grid(mask.astype(np.uint8), t1, volume, nearest=True)
    assert table["icv_ml"] == pytest.approx(np.count_nonzero(icv) * voxel_ml, abs=1e-3)
    assert LIGHT in table["icv_source"] and "brain mask" in table["icv_source"]
    rows = {row["structure"]: row for row in table["rows"]}
    value = {n: v for v, n in names.items()}
    for structure, left_name, right_name in (("Hippocampus", "Left-Hippocampus", "Right-Hippocampus"),
                                             ("ctx-insula", "ctx-lh-insula", "ctx-rh-insula")):
        row = rows[structure]
        assert row["left_ml"] == pytest.approx(counts[value[left_name]] * voxel_ml, abs=1e-3)
        assert row["right_ml"] == pytest.approx(counts[value[right_name]] * voxel_ml, abs=1e-3)
        assert row["left_ml"] > 0.5 and row["right_ml"] > 0.5
        assert row["percent_icv"] == pytest.approx(100 * row["total_ml"] / table["icv_ml"], abs=1e-2)
    assert sum(r["total_ml"] for r in table["rows"]) == pytest.approx(counts[1:].sum() * voxel_ml, abs=0.05)
    print(f"DKT atlas after the light model on the prone feet-first series: {result.timings}")


def test_a_missing_pre_model_is_one_line_naming_it(packs, tmp_path, series):
    empty = PackStore(user_dir=tmp_path / "user", bundled_dir=tmp_path / "bundled")
    with pytest.raises(AIError, match=f"needs the pack '{LIGHT}'") as caught:
        pre_model_of(packs["atlas"], empty)
    assert "\n" not in str(caught.value)
    with pytest.raises(AIError, match="runs after"):
        run_pack(series["axial"], packs["atlas"], packs["atlas"], device="cpu")
    store = PackStore(user_dir=packs["root"], bundled_dir=tmp_path / "b")
    assert pre_model_of(packs["atlas"], store).name == LIGHT


@pytest.mark.parametrize("body_part", ["HEAD", "BRAIN", ""])
def test_a_head_or_brain_series_is_not_refused(packs, series, body_part):
    volume = series["axial"]
    labelled = Volume(array=volume.array[:4], modality="MR", metadata={"body_part": body_part})
    assert packs["light"].outpost["body_parts"] == ["HEAD", "BRAIN"]
    assert unsuitable_reason(labelled, packs["light"]) == ""
    chest = Volume(array=volume.array[:4], modality="MR", metadata={"body_part": "CHEST"})
    assert "made for HEAD, BRAIN" in unsuitable_reason(chest, packs["light"])


def test_outpost_ai_run_chains_in_the_worker_and_prints_the_volumetry(packs, shared_data, tmp_path):
    """The command line: the pre-model found in the store by name, both packs run in the sandboxed
    worker, result.json and ``--json`` with the volumetry, left and right side by side."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    array, affine = load_t1(shared_data)
    axes, flips, position = PERMUTED["sagittal"]
    folder = write_series(tmp_path / "t1", *reorder(array, affine, axes, flips), position)
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(tmp_path / "data"),
                       OUTPOST_BUNDLED_PACKS=str(packs["root"]))
    done = subprocess.run([sys.executable, "-m", "viewer", "ai", "run", "--pack", "atlas", "--input", str(folder),
                           "--out", str(tmp_path / "out"), "--device", "cpu", "--json"],
                          capture_output=True, text=True, env=environment, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    written = json.loads((tmp_path / "out" / "result.json").read_text())
    assert printed["volumetry"] == written["volumetry"]
    assert written["provenance"]["pre_model"]["pack"] == LIGHT
    rows = {row["structure"]: row for row in written["volumetry"]["rows"]}
    assert rows["Hippocampus"]["left_ml"] > 1 and rows["Hippocampus"]["right_ml"] > 1
    assert rows["Brain-Stem"]["left_ml"] is None and rows["Brain-Stem"]["total_ml"] > 5
    assert written["volumetry"]["icv_source"].startswith(f"brain mask of {LIGHT}")

    os.rename(packs["root"] / LIGHT, packs["root"] / "elsewhere")
    try:
        missing = subprocess.run([sys.executable, "-m", "viewer", "ai", "run", "--pack", "atlas", "--input",
                                  str(folder), "--out", str(tmp_path / "again")],
                                 capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300)
    finally:
        os.rename(packs["root"] / "elsewhere", packs["root"] / LIGHT)
    assert missing.returncode != 0 and f"needs the pack '{LIGHT}'" in missing.stderr
    assert "Traceback" not in missing.stderr

"""Brain volumetry (ai.volumetry): mL per structure, left and right side by side, share of the ICV."""

import json

import numpy as np
import pytest

from ai.inference import Result
from ai.volumetry import format_table, side_of, volumetry

NAMES = {1: "Left-Hippocampus", 2: "Right-Hippocampus", 3: "ctx-lh-insula", 4: "ctx-rh-insula",
         5: "Brain-Stem", 6: "Left-Amygdala", 7: "Right-Amygdala"}


@pytest.mark.parametrize(("name", "expected"), [
    ("Left-Hippocampus", ("Hippocampus", "left")), ("Right-Cerebellum-Cortex", ("Cerebellum-Cortex", "right")),
    ("ctx-lh-superiorfrontal", ("ctx-superiorfrontal", "left")), ("ctx-rh-insula", ("ctx-insula", "right")),
    ("Brain-Stem", ("Brain-Stem", None)), ("ctx-insula", ("ctx-insula", None)), ("Leftover", ("Leftover", None))])
def test_sides_follow_freesurfer_names(name, expected):
    assert side_of(name) == expected


def test_volumes_match_a_numpy_count_and_pair_left_with_right():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 7, size=(30, 40, 50)).astype(np.uint8)  # 7 (Right-Amygdala) is absent
    spacing = (0.9, 1.1, 1.3)
    icv = labels > 0
    icv[:5] = True  # a mask larger than the labels
    table = volumetry(labels, NAMES, spacing, "atlas", icv_mask=icv, icv_source="a test mask")
    voxel_ml = 0.9 * 1.1 * 1.3 / 1000
    count = {v: int((labels == v).sum()) for v in NAMES}
    assert table["icv_ml"] == pytest.approx(icv.sum() * voxel_ml, abs=1e-3)
    assert table["icv_source"] == "a test mask"
    rows = {row["structure"]: row for row in table["rows"]}
    assert list(rows) == ["Hippocampus", "ctx-insula", "Brain-Stem", "Amygdala"]
    assert rows["Hippocampus"]["left_ml"] == pytest.approx(count[1] * voxel_ml, abs=1e-3)
    assert rows["Hippocampus"]["right_ml"] == pytest.approx(count[2] * voxel_ml, abs=1e-3)
    assert rows["ctx-insula"]["left_ml"] == pytest.approx(count[3] * voxel_ml, abs=1e-3)
    assert rows["ctx-insula"]["right_ml"] == pytest.approx(count[4] * voxel_ml, abs=1e-3)
    assert rows["Brain-Stem"]["left_ml"] is None and rows["Brain-Stem"]["right_ml"] is None
    assert rows["Amygdala"]["right_ml"] == 0.0
    for row in rows.values():
        sides = (row["left_ml"] or 0) + (row["right_ml"] or 0)
        assert row["total_ml"] == pytest.approx(sides if row["left_ml"] is not None else count[5] * voxel_ml,
                                                abs=2e-3)
        assert row["percent_icv"] == pytest.approx(100 * row["total_ml"] / table["icv_ml"], abs=1e-2)
    assert sum(r["total_ml"] for r in rows.values()) == pytest.approx((labels > 0).sum() * voxel_ml, abs=1e-2)


def test_without_a_mask_the_icv_is_the_labelled_voxels_and_says_so():
    labels = np.zeros((4, 4, 4), np.uint8)
    labels[1:3, 1:3, 1:3] = 5
    table = volumetry(labels, NAMES, (1, 1, 1), "brain-pack")
    assert table["icv_ml"] == pytest.approx(0.008)
    assert "brain-pack" in table["icv_source"] and "not the true intracranial volume" in table["icv_source"]
    with pytest.raises(ValueError, match="icv_source"):
        volumetry(labels, NAMES, (1, 1, 1), "x", icv_mask=labels > 0)


def test_the_table_travels_in_the_result_summary_and_as_text():
    labels = np.zeros((4, 4, 4), np.uint8)
    labels[0, 0, :2], labels[3, 3, :3] = 1, 2
    table = volumetry(labels, NAMES, (1, 1, 1), "atlas")
    summary = Result(task="segmentation", labels=labels, volumetry=table).summary()
    assert json.loads(json.dumps(summary))["volumetry"] == table
    lines = format_table(table)
    assert "intracranial volume" in lines[0] and "atlas" in lines[0]
    hippocampus = next(line for line in lines if line.startswith("Hippocampus"))
    assert hippocampus.split()[1:4] == ["0.0", "0.0", "0.0"]  # 2 and 3 voxels of 1 uL
    assert next(line for line in lines if line.startswith("Brain-Stem")).split()[1:3] == ["-", "-"]

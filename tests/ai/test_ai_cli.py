"""`outpost ai run` and `outpost models` from the command line."""

import json
import os
import subprocess
import sys

import nibabel as nib
import numpy as np

from tests.ai.pack_factory import make_pack
from tests.ai.test_packs_and_inference import TINY_CONFIG, TINY_META, _tiny_state


def outpost(*args, data_dir):
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(data_dir), OUTPOST_BUNDLED_PACKS=str(data_dir / "none"))
    return subprocess.run([sys.executable, "-m", "viewer", *args], capture_output=True, text=True,
                          timeout=600, env=environment)


def test_ai_run_writes_result_labels_and_a_valid_seg(tmp_path, phantom_study, require_tool):
    pack = make_pack(tmp_path / "tiny", dict(TINY_META, outpost={"modalities": ["CT"]}), TINY_CONFIG,
                     _tiny_state())
    out = tmp_path / "out"
    result = outpost("ai", "run", "--pack", str(pack), "--input", str(phantom_study), "--out", str(out),
                     "--device", "cpu", "--explain", "gradcam", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "result.json").read_text())
    assert document["explanation"]["method"] == "gradcam"
    heatmap = nib.load(out / "heatmap.nii.gz")
    assert heatmap.shape == (64, 64, 16) and heatmap.get_fdata().min() >= 0 and heatmap.get_fdata().max() <= 1
    del document["files"]["heatmap"]
    assert document["task"] == "segmentation" and document["device"] == "cpu"
    assert document["provenance"]["pack"] == "tiny" and len(document["provenance"]["checksum"]) == 64
    assert document["files"] == {"labels": "labels.nii.gz", "seg": "seg.dcm"}
    labels = nib.load(out / "labels.nii.gz")
    assert labels.shape == (64, 64, 16)
    dciodvfy = require_tool("dciodvfy")
    check = subprocess.run([dciodvfy, str(out / "seg.dcm")], capture_output=True, text=True)
    errors = [line for line in (check.stdout + check.stderr).splitlines() if line.startswith("Error")]
    assert errors == []
    import pydicom

    seg = pydicom.dcmread(out / "seg.dcm")
    source = pydicom.dcmread(sorted(phantom_study.iterdir())[0], stop_before_pixels=True)
    assert seg.StudyInstanceUID == source.StudyInstanceUID
    assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == source.SeriesInstanceUID
    algorithm = seg.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0]
    assert algorithm.AlgorithmName == "tiny"
    np.testing.assert_array_equal(np.asarray(labels.dataobj).shape, (64, 64, 16))


def test_bad_input_is_a_one_line_reason(tmp_path, phantom_study):
    pack = make_pack(tmp_path / "mr", dict(TINY_META, outpost={"modalities": ["MR"]}), TINY_CONFIG, _tiny_state())
    result = outpost("ai", "run", "--pack", str(pack), "--input", str(phantom_study), "--out",
                     str(tmp_path / "o"), data_dir=tmp_path / "data")
    assert result.returncode == 1 and "made for MR" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    result = outpost("ai", "run", "--pack", "no-such-pack", "--input", str(phantom_study), "--out",
                     str(tmp_path / "o"), data_dir=tmp_path / "data")
    assert result.returncode == 1 and "no pack named" in result.stderr


def test_models_install_list_verify_remove(tmp_path):
    pack = make_pack(tmp_path / "src" / "tiny", TINY_META, TINY_CONFIG, _tiny_state())
    data = tmp_path / "data"
    installed = outpost("models", "install", str(pack), data_dir=data)
    assert installed.returncode == 0, installed.stderr
    assert "every file verified" in installed.stdout and "sha256: " in installed.stdout  # the provenance lines
    listed = outpost("models", "list", data_dir=data)
    assert "tiny" in listed.stdout and " ok" in listed.stdout
    assert outpost("models", "verify", "tiny", data_dir=data).returncode == 0
    (data / "packs" / "tiny" / "models" / "model.pt").write_bytes(b"tampered")
    verify = outpost("models", "verify", "tiny", data_dir=data)
    assert verify.returncode == 1 and "does not match its checksum" in verify.stdout
    assert outpost("models", "remove", "tiny", data_dir=data).returncode == 0
    assert "no packs installed" in outpost("models", "list", data_dir=data).stdout

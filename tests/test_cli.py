"""The ``outpost`` command: documented JSON, NIfTI output, and one-line errors."""

import json
import subprocess
import sys

import nibabel as nib
import numpy as np
import pytest

from tests.dicom_factory import write_stack


def run_outpost(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "viewer", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def study(tmp_path):
    data = (np.arange(3 * 6 * 7) % 500).astype(np.uint16).reshape(3, 6, 7)
    write_stack(tmp_path / "study", data, slope=1, intercept=-100)
    (tmp_path / "study" / "readme.txt").write_text("not an image")
    return tmp_path / "study", data


def test_scan_json_is_documented_shape(study):
    folder, data = study
    result = run_outpost("scan", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["files_read"] == 4
    (series,) = document["series"]
    assert series["shape"] == [3, 6, 7] and series["spacing"] == [0.5, 0.5, 2.0]
    assert series["modality"] == "CT" and series["instances"] == 3 and series["warnings"] == []
    assert set(series) >= {"key", "description", "series_uid", "study_uid", "transfer_syntax"}
    assert document["skipped"] == [{"path": str(folder / "readme.txt"), "reason": "not a DICOM file", "kind": ""}]
    assert "Test^Patient" not in result.stdout  # names stay out of scriptable output


def test_scan_text_lists_keys(study):
    folder, _ = study
    result = run_outpost("scan", str(folder))
    assert result.returncode == 0 and "3x6x7" in result.stdout and "readme.txt" in result.stdout


def test_convert_writes_nifti_with_the_ras_affine(study, tmp_path):
    folder, data = study
    key = json.loads(run_outpost("scan", str(folder), "--json").stdout)["series"][0]["key"]
    out = tmp_path / "out" / "ct.nii.gz"
    result = run_outpost("convert", str(folder), "--series", key, "--out", str(out))
    assert result.returncode == 0, result.stderr
    image = nib.load(out)
    assert image.shape == (7, 6, 3)
    assert np.array_equal(np.asarray(image.dataobj).transpose(2, 1, 0), data.astype(np.int32) - 100)
    expected = np.diag([-0.5, -0.5, 2.0, 1.0])
    expected[:3, 3] = [10.0, 20.0, 5.0]  # LPS (-10, -20, 5) in RAS
    assert np.allclose(image.affine, expected)
    assert not list(out.parent.glob(".*part*"))  # the atomic write left no temporary file


@pytest.mark.parametrize("args", [
    ("scan", "/no/such/folder"),
    ("convert", "/no/such/folder", "--out", "x.nii.gz"),
    ("convert", ".", "--out", "x.png"),
])
def test_bad_input_is_one_line_and_non_zero(args):
    result = run_outpost(*args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("outpost: error")


def test_empty_folder_and_unknown_series(tmp_path, study):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_outpost("scan", str(empty)).returncode == 1
    result = run_outpost("convert", str(study[0]), "--series", "nope", "--out", str(tmp_path / "a.nii"))
    assert result.returncode == 1 and "no series with key 'nope'" in result.stderr


@pytest.mark.shared_data
def test_unloadable_series_is_one_line(shared_data, tmp_path):
    path = shared_data / "dicom_edge_cases" / "pydicom_data" / "liver_deflate.dcm"
    result = run_outpost("convert", str(path), "--out", str(tmp_path / "x.nii.gz"))
    assert result.returncode == 1
    assert result.stderr.strip() == "outpost: error: unsupported transfer syntax 1.2.840.10008.1.2.8.1"


def test_version():
    result = run_outpost("--version")
    assert result.returncode == 0 and result.stdout.startswith("outpost ")


def test_export_anonymized_through_the_outpost_command(study, tmp_path):
    folder, _ = study
    refused = run_outpost("export", str(folder), "--out", str(tmp_path / "a"), "--anonymize")
    assert refused.returncode == 1 and "--yes" in refused.stderr and not (tmp_path / "a").exists()
    done = run_outpost("export", str(folder), "--out", str(tmp_path / "a"), "--anonymize", "--yes",
                       "--patient-name", "Case^7", "--patient-id", "C7")
    assert done.returncode == 0, done.stderr
    listing = json.loads(run_outpost("scan", str(tmp_path / "a"), "--json").stdout)
    (series,) = listing["series"]
    assert series["patient_id"] == "C7" and series["instances"] == 3


def test_plugins_add_their_view_options_through_the_plugin_api():
    """``--pack`` and ``--explain`` come from the AI plugin's ``outpost.view_options`` entry point."""
    from ai.explain import METHODS
    from viewer.cli import build_parser

    view = build_parser()._subparsers._group_actions[0].choices["view"]
    args = view.parse_args(["--pack", "demo", "--explain", "gradcam"])
    assert {"pack", "explain"} <= set(args.plugin_option_dests) and args.pack == "demo"
    explain = next(a for a in view._actions if a.dest == "explain")
    assert tuple(explain.choices) == METHODS  # the options offered are the methods the engine has
    refused = run_outpost("view", "--explain", "gradcam", "--screenshot", "x.png")
    assert refused.returncode == 1 and refused.stderr.strip() == "outpost: error: --explain needs --pack"


def test_a_broken_view_options_plugin_leaves_the_viewer_its_own_options(monkeypatch):
    from importlib.metadata import EntryPoint

    import viewer.cli.program as cli_main

    broken = EntryPoint("broken", "no.such.module:add", cli_main.VIEW_OPTIONS_GROUP)
    monkeypatch.setattr(cli_main, "entry_points", lambda group: [broken] if group == cli_main.VIEW_OPTIONS_GROUP
                        else [])
    view = cli_main.build_parser()._subparsers._group_actions[0].choices["view"]
    args = view.parse_args(["--layout", "mpr"])
    assert args.layout == "mpr" and args.plugin_option_dests == () and args.plugin_option_checks == ()


def test_no_command_module_imports_another_ones_private_names():
    """The command line's modules share only public helpers (viewer.cli.terminal), never ``_names``."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [*sorted((root / "viewer" / "cli").glob("*.py")), root / "ai" / "cli.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("viewer", "ai")):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.endswith("__")]
                assert not private, f"{path.name} imports {private} from {node.module}"


def test_qt_platform_messages_stay_off_the_terminal(study, tmp_path):
    """Qt's notes ("This plugin does not support propagateSizeHints()") go to the log, not to stderr."""
    import os

    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", OUTPOST_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-m", "viewer", "view", str(study[0]), "--screenshot",
                             str(tmp_path / "shot.png")], capture_output=True, text=True, timeout=180,
                            env=environment)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "plugin does not support" not in result.stderr and "Qt:" not in result.stderr, result.stderr
    logged = "".join(path.read_text() for path in (tmp_path / "data").rglob("*.log"))
    assert "Qt: This plugin does not support propagateSizeHints()" in logged


def _documented_examples() -> dict[str, dict]:
    """The JSON examples of docs/user/command-line.md, by the command each section names."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "user" / "command-line.md").read_text()
    examples = {}
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        command = re.match(r"`outpost (\w+) --json`", section)
        block = re.search(r"```json\n(.*?)```", section, flags=re.DOTALL)
        if command and block:
            examples[command.group(1)] = json.loads(block.group(1))
    return examples


def _shape(value):
    """The keys of a JSON document, nested (lists by their first item), without the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return None


def test_the_documented_json_is_what_the_commands_print(study, tmp_path):
    import os

    examples = _documented_examples()
    assert {"scan", "audit"} <= set(examples)
    scanned = json.loads(run_outpost("scan", str(study[0]), "--json").stdout)
    assert _shape(scanned)["series"] == _shape(examples["scan"])["series"]
    assert set(scanned) == set(examples["scan"]) and scanned["version"] == examples["scan"]["version"]
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(tmp_path / "data"))
    subprocess.run([sys.executable, "-m", "viewer", "convert", str(study[0]), "--out", str(tmp_path / "a.nii")],
                   capture_output=True, timeout=120, env=environment, check=True)
    audited = subprocess.run([sys.executable, "-m", "viewer", "audit", "--json"], capture_output=True, text=True,
                             timeout=120, env=environment)
    document = json.loads(audited.stdout)
    assert set(document) == set(examples["audit"]) and document["version"] == examples["audit"]["version"]
    assert document["entries"] and set(document["entries"][0]) == set(examples["audit"]["entries"][0])

"""The layer rules of docs/dev/architecture.md, enforced with import-linter, and the
promise that the viewer's core does not import the heavy AI stack."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([lint, str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert any(contract["type"] == "layers" for contract in contracts)
    assert f"Contracts: {len(contracts)} kept, 0 broken" in result.stdout


def test_core_import_pulls_in_no_qt_or_ai_stack():
    code = ("import sys, viewer.core.dicom, viewer.export.nifti, viewer.cli; "
            "print(sorted(m for m in ('PySide6','torch','monai','captum') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    result = subprocess.run([ruff, "check", str(ROOT)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_viewer_window_imports_no_ai_stack_and_no_pydicom_before_it_shows():
    code = ("import os, sys; os.environ['QT_QPA_PLATFORM']='offscreen'; import viewer.qt.qt_app, "
            "viewer.qt.qt_main_window; "
            "print(sorted(m for m in ('torch','monai','captum','pydicom') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_window_shows_without_the_ai_stack_and_touches_no_study_store(tmp_path):
    """The real start-up path, plugins included: first paint, then exit."""
    import os

    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", OUTPOST_EXIT_AFTER_FIRST_PAINT="1",
                       OUTPOST_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-m", "viewer"], capture_output=True, text=True, timeout=120,
                            env=environment)
    assert result.returncode == 0, result.stderr
    assert "heavy-modules none" in result.stdout
    assert not (tmp_path / "data" / "store").exists()  # the Network tab opens it when chosen

"""The type check: mypy, strict, on the core, the viewer model, the AI packs, the batch engine and the AI
modules at the seams ([tool.mypy] in pyproject.toml), so that the types passed between packages (Volume,
Series, Pack, Result) hold."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]



def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_mypy_is_strict_on_the_core_the_viewer_model_and_the_packs():
    config = _config()
    assert config["strict"] is True
    assert {"viewer.core", "viewer.model", "ai.packs", "ai.batch"} <= set(config["packages"])
    assert {"ai.inference", "ai.results", "ai.explain", "ai.workflow", "ai.volumetry",
            "ai.precision"} <= set(config["modules"])
    assert "ignore_missing_imports" not in config and "ignore_errors" not in config  # only per module
    for override in config.get("overrides", []):
        assert not override.get("ignore_errors"), override["module"]  # no module is set aside


def test_mypy_passes():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout, result.stdout

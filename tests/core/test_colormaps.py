"""The heatmap colour maps are matplotlib's, exactly, and the viewer never imports matplotlib for them."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from viewer.core.display import COLORMAPS

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("make_colormaps", ROOT / "tools" / "make_colormaps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["viridis", "inferno", "hot", "jet"])
def test_every_table_is_matplotlibs_own_quantisation(name):
    import matplotlib

    expected = matplotlib.colormaps[name](np.arange(256), bytes=True)[:, :3]
    assert COLORMAPS[name].dtype == np.uint8 and COLORMAPS[name].shape == (256, 3)
    assert np.array_equal(COLORMAPS[name], expected)


def test_the_shipped_module_is_what_the_generator_writes_now():
    generator = _generator()
    assert sorted(COLORMAPS) == sorted(generator.NAMES)
    assert generator.render(generator.tables()) == (ROOT / "viewer" / "core" / "colormaps.py").read_text()


def test_the_tables_are_read_only():
    with pytest.raises(ValueError):
        COLORMAPS["viridis"][0] = 0


def test_the_display_module_does_not_import_matplotlib():
    code = "import sys, viewer.core.display; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr

"""The built-in synthetic CT study behind ``outpost demo``."""

import subprocess
import sys

import numpy as np

from ai.demo.phantom import HU, make_phantom


def test_phantom_is_deterministic_and_plausible():
    first, second = make_phantom(seed=3), make_phantom(seed=3)
    assert np.array_equal(first.volume.array, second.volume.array)
    assert not np.array_equal(first.volume.array, make_phantom(seed=4).volume.array)
    volume, labels = first.volume, first.labels
    ml = np.prod(volume.spacing) / 1000.0
    for label, name in first.label_names.items():
        assert (labels == label).sum() > 0, name
    assert 500 < (labels == 1).sum() * ml < 2500  # liver
    assert 40 < (labels == 3).sum() * ml < 300  # kidney
    assert abs(volume.array[labels == 1].mean() - HU["liver"]) < 3
    assert abs(volume.array[labels == 5].mean() - HU["lung"]) < 3
    # Patient's right (liver) lies at low x in LPS; the spleen at high x.
    assert np.nonzero(labels == 1)[2].mean() < np.nonzero(labels == 2)[2].mean()


def test_demo_command_round_trips_the_study_and_shows_the_ai_without_a_display(tmp_path):
    """The README's main job on a machine with no display: it renders offscreen instead."""
    import os

    from PySide6.QtGui import QImage

    environment = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                                     "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "viewer", "demo", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=180, env=environment)
    assert result.returncode == 0, result.stderr
    assert "read back exactly" in result.stdout and "no display" in result.stdout
    assert len(list((tmp_path / "dicom").glob("*.dcm"))) == 64
    picture = QImage(str(tmp_path / "demo.png"))
    assert picture.width() > 300 and picture.height() > 300

"""The viewer in a real X window (Xvfb, xcb platform): the screen shows the CT, windowed."""

import os
import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture
def x_display(require_tool):
    xvfb = require_tool("Xvfb")
    read_end, write_end = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1400x1000x24",
                               "-nolisten", "tcp"], pass_fds=(write_end,), stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.fail("Xvfb did not report a display")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _screen_shot(display: str, study, out, *extra: str) -> np.ndarray:
    from PySide6.QtGui import QImage

    environment = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    result = subprocess.run([sys.executable, "-m", "viewer", "view", str(study), "--screenshot", str(out),
                             *extra], env=environment, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out)).convertToFormat(QImage.Format.Format_Grayscale8)
    assert image.width() > 300 and image.height() > 300
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return data.reshape(height, stride)[:, :width].copy()  # the QImage owns the memory


@pytest.mark.shared_data
def test_real_window_shows_the_ct_correctly_windowed(x_display, shared_data, tmp_path):
    study = shared_data / "ct_abdomen_series_totalsegmentator" / "dicom"
    soft = _screen_shot(x_display, study, tmp_path / "soft.png")  # the file's own W 300 / L 40
    lung = _screen_shot(x_display, study, tmp_path / "lung.png", "--window=-600,1500")
    # Not a blank or black frame: air is black, soft tissue mid-grey, bone white.
    assert soft.std() > 30
    centre = soft[soft.shape[0] // 4: 3 * soft.shape[0] // 4, soft.shape[1] // 4: 3 * soft.shape[1] // 4]
    assert (soft < 10).mean() > 0.3, "no black air around the body"
    assert ((centre > 90) & (centre < 170)).mean() > 0.15, "no mid-grey soft tissue: not windowed at 40/300"
    assert (centre > 240).mean() > 0.002, "no white bone"
    # In the lung window soft tissue turns light and lungs/air separate: the picture changes.
    lung_centre = lung[lung.shape[0] // 4: 3 * lung.shape[0] // 4, lung.shape[1] // 4: 3 * lung.shape[1] // 4]
    assert np.median(lung_centre[(centre > 90) & (centre < 170)]) > 180


def _colour_shot(display: str, arguments: list[str], out, env: dict | None = None) -> np.ndarray:
    from PySide6.QtGui import QImage

    environment = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", **(env or {}))
    result = subprocess.run([sys.executable, "-m", "viewer", *arguments, "--screenshot", str(out)],
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).astype(int)


@pytest.mark.shared_data
def test_real_window_shows_a_chest_x_ray_with_its_gradcam_map(x_display, shared_data, tmp_path):
    from tests.ai.pack_factory import squeezenet_cxr_pack

    squeezenet_cxr_pack(shared_data, tmp_path / "data" / "packs" / "cxr")
    study = shared_data / "cxr_chest_xray" / "torchxrayvision_tests" / \
        "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
    plain = _colour_shot(x_display, ["view", str(study)], tmp_path / "plain.png")
    explained = _colour_shot(x_display, ["view", str(study), "--pack", "cxr-pneumonia-squeezenet", "--explain",
                                         "gradcam"], tmp_path / "gradcam.png",
                             env={"OUTPOST_DATA_DIR": str(tmp_path / "data")})
    # The plain film is grey; the explained one carries a warm-to-cool map over part of it, not all of it.
    saturation = lambda rgb: rgb.max(axis=2) - rgb.min(axis=2)  # noqa: E731
    assert (saturation(plain) > 60).mean() < 0.01
    coloured = (saturation(explained) > 60).mean()
    assert 0.03 < coloured < 0.9, f"{coloured:.3f} of the view is coloured"


def test_real_window_demo_shows_the_ct_its_segmentation_legend_and_gradcam(x_display, tmp_path):
    from ai.demo.phantom import LABELS
    from ai.packs.store import PackStore

    picture = _colour_shot(x_display, ["demo", "--out", str(tmp_path / "demo")], tmp_path / "demo.png")
    colours = PackStore().find("outpost-demo-ct").label_colors()
    assert set(colours) == set(LABELS)
    height, width, _ = picture.shape
    legend = picture[height // 2:, :width // 5]  # bottom left: a swatch per structure, in its colour
    for value, colour in colours.items():
        hits = (np.abs(legend - np.array(colour)).max(axis=2) <= 3).sum()
        assert hits >= 60, f"no legend swatch for {LABELS[value]}"
    centre = picture[height // 4: 3 * height // 4, width // 8: 7 * width // 8]
    # The CT is there in grey, with coloured structures and a Grad-CAM map over part of it.
    grey = (np.ptp(centre, axis=2) < 12) & (centre.mean(axis=2) > 60)
    assert grey.mean() > 0.15
    warm = (centre[..., 0] > 200) & (centre[..., 2] < 80) & (centre[..., 1] < 120)  # the map's red core
    assert 0.005 < warm.mean() < 0.3

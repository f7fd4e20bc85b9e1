"""Window/level, overlays and compositing, checked against direct formulas."""

import numpy as np
import pytest

from viewer.core.display import (
    COLORMAPS,
    Window,
    apply_window,
    blend_heatmap,
    blend_labels,
    default_window,
    grey_to_rgb,
    outline,
    presets_for,
    window_lut,
)
from viewer.core.overlays import HeatmapOverlay, LabelOverlay, resample_to_grid
from viewer.core.volume import Volume


def test_window_maps_the_window_edges_to_black_and_white():
    window = Window(40, 400)
    plane = np.array([[-1000, -160, 40, 240, 3000]], dtype=np.int16)
    grey = apply_window(plane, window)
    assert grey[0, 0] == 0 and grey[0, 1] <= 1 and 126 <= grey[0, 2] <= 129
    assert grey[0, 3] >= 254 and grey[0, 4] == 255
    assert np.array_equal(apply_window(plane, window, invert=True), 255 - grey)


def test_lut_path_equals_direct_path():
    rng = np.random.default_rng(0)
    plane = rng.integers(-1024, 3000, (64, 64)).astype(np.int16)
    for window in (Window(40, 400), Window(-600, 1500), Window(32, 8)):
        lut = window_lut(window, plane.dtype)
        assert np.array_equal(apply_window(plane, window, lut=lut), apply_window(plane, window))
    assert window_lut(Window(0, 1), np.float32) is None


def test_presets_and_default_window():
    ct = presets_for("CT")
    assert {"Brain", "Subdural", "Stroke", "Lung", "Mediastinum", "Abdomen", "Liver", "Bone"} <= set(ct)
    assert ct["Lung"] == Window(-600, 1500)
    assert presets_for("US") == {}
    assert default_window(np.zeros((2, 2)), {"window_center": [40.0], "window_width": [300.0]}) == \
        Window(40, 300)
    values = np.linspace(0, 1000, 10000).reshape(100, 100)
    window = default_window(values)
    assert 0 < window.low < 50 and 950 < window.high < 1000


def test_labels_blend_with_opacity_and_hidden_labels_vanish():
    rgb = np.full((4, 4, 3), 100, dtype=np.uint8)
    labels = np.zeros((4, 4), dtype=np.uint8)
    labels[1:3, 1:3] = 1
    labels[0, 0] = 2
    overlay = LabelOverlay.from_names(labels, {1: "liver", 2: "spleen"},
                                      colors={1: (255, 0, 0), 2: (0, 0, 255)}, opacity=0.5)
    overlay.info[2].visible = False
    out = blend_labels(rgb.copy(), labels, overlay.rgba_table(), overlay.opacity)
    assert out[1, 1].tolist() == [178, 50, 50]  # 100 * 0.5 + 255 * 0.5, rounded
    assert out[0, 0].tolist() == [100, 100, 100] and out[3, 3].tolist() == [100, 100, 100]


def test_outline_mode_draws_only_boundaries():
    labels = np.zeros((7, 7), dtype=np.uint8)
    labels[1:6, 1:6] = 1
    edge = outline(labels)
    assert edge[1, 1] and edge[1, 3] and not edge[3, 3] and not edge[0, 0]
    rgb = grey_to_rgb(np.zeros((7, 7), np.uint8))
    table = LabelOverlay.from_names(labels, colors={1: (0, 255, 0)}).rgba_table()
    out = blend_labels(rgb, labels, table, 0.4, outline_only=True)
    assert out[1, 1].tolist() == [0, 255, 0] and out[3, 3].tolist() == [0, 0, 0]


def test_heatmap_blends_above_threshold_with_its_colormap():
    rgb = np.zeros((1, 3, 3), dtype=np.uint8)
    heat = np.array([[0.1, 0.5, 1.0]], dtype=np.float32)
    overlay = HeatmapOverlay(values=heat[None], colormap="hot", opacity=1.0, threshold=0.2)
    out = blend_heatmap(rgb, heat, overlay.colormap_table(), overlay.opacity, overlay.threshold)
    assert out[0, 0].tolist() == [0, 0, 0]
    assert out[0, 2].tolist() == COLORMAPS["hot"][255].tolist()
    assert out[0, 1].tolist() == COLORMAPS["hot"][127].tolist()


def test_resample_to_grid_aligns_voxels():
    image = Volume(array=np.zeros((4, 8, 8), np.int16), origin=(0, 0, 0), spacing=(1, 1, 2))
    coarse = Volume(array=np.zeros((2, 4, 4), np.uint8), origin=(0.5, 0.5, 1.0), spacing=(2, 2, 4))
    labels = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    fine = resample_to_grid(labels, coarse, image, nearest=True)
    assert fine.shape == (4, 8, 8)
    # Voxel (x=5, y=3, z=2) of the image lies at (5, 3, 4) mm, inside coarse voxel (2, 1, 1).
    assert fine[2, 3, 5] == labels[1, 1, 2]
    assert resample_to_grid(fine, image, image, nearest=True) is fine
    with pytest.raises(Exception, match="does not match"):
        resample_to_grid(labels[0], coarse, image, nearest=True)


def test_grey_and_rgb_label_blends_agree():
    rng = np.random.default_rng(5)
    grey = rng.integers(0, 256, (32, 40), dtype=np.uint8)
    labels = rng.integers(0, 4, (32, 40), dtype=np.uint8)
    table = LabelOverlay.from_names(labels, colors={1: (255, 0, 0), 2: (0, 255, 0), 3: (9, 9, 200)}).rgba_table()
    for outline_only in (False, True):
        from_grey = blend_labels(grey, labels, table, 0.35, outline_only)
        from_rgb = blend_labels(grey_to_rgb(grey), labels, table, 0.35, outline_only)
        assert np.array_equal(from_grey, from_rgb)
    expected = (grey[labels == 1] * 0.65 + 255 * 0.35 + 0.5).astype(np.uint8)
    assert np.array_equal(blend_labels(grey, labels, table, 0.35)[labels == 1][:, 0], expected)

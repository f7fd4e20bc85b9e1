"""The real window's MPR on an oblique acquisition: true reformats on request, and a turned crosshair."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.dicom_factory import write_stack
from tests.qt.conftest import open_study
from tests.qt.test_planes_window import sagittal_study  # noqa: F401 - a fixture
from viewer.core.mpr import orientation_label, plane_geometry
from viewer.core.overlays import LabelOverlay

VIEWS = ("axial", "coronal", "sagittal")
TILT = 20.0  # degrees the slices are tilted about the patient's left-right axis


@pytest.fixture
def oblique_study(tmp_path):
    """An oblique axial MR (20° about left-right): rows towards the patient's left, columns posterior and up."""
    tilt = np.radians(TILT)
    row, column = np.array([1.0, 0.0, 0.0]), np.array([0.0, np.cos(tilt), np.sin(tilt)])
    normal = np.cross(row, column)
    values = np.full((16, 24, 28), 200, dtype=np.uint16)
    values[5:11, 8:16, 9:19] = 900  # a bright block in the middle
    origin = np.array([-12.0, -10.0, 40.0])
    positions = [tuple(origin + normal * 2.0 * k) for k in range(values.shape[0])]
    folder = tmp_path / "oblique"
    write_stack(folder, values, positions=positions, orientation=(*row, *column), modality="MR",
                spacing=(1.0, 1.0), series_description="T1 oblique")
    return folder


def _widget_point(viewport, row: float, col: float) -> QPoint:
    return viewport.to_widget(row, col).toPoint()


def _crosshair_centre(viewport):
    """Where the two crosshair lines of a view cross, in its pixels."""
    state = viewport.state
    lines = list(state.oblique.crosshair(state.volume, viewport.view, viewport.plane(), state.cursor).values())
    assert len(lines) == 2
    (a0, a1), (b0, b1) = (np.array(line, dtype=np.float64) for line in lines)
    matrix = np.column_stack([a1 - a0, b0 - b1])
    t = np.linalg.solve(matrix, b0 - a0)
    return a0 + t[0] * (a1 - a0)


def _assert_under_the_crosshair(window, clicked_view: str) -> None:
    """The crosshair (a voxel) lies in every view's plane, where its two lines cross."""
    cursor = window.state.cursor
    for view in VIEWS:
        viewport = window.viewports[view]
        plane = viewport.plane()
        at = plane.pixel_of(cursor)
        assert np.allclose(plane.voxel_at(*at), cursor, atol=1e-6), view
        assert np.allclose(_crosshair_centre(viewport), at, atol=1e-6), (clicked_view, view)


def test_true_reformats_show_the_patients_planes_and_clicks_agree_across_views(qtbot, make_window, oblique_study):
    window = open_study(qtbot, make_window, oblique_study)
    window.set_layout("mpr")
    window.crosshair_action.setChecked(True)
    window._on_toggle_crosshair()
    axial = window.viewports["axial"]
    # By default: the closest planes without resampling; the letters are those of the tilted axes.
    assert not axial.resampled and axial.plane().array.shape == (24, 28)
    assert axial.orientation_markers(axial.plane())["top"] == "AI"
    window.menu_actions["true_reformats"].trigger()
    assert window.menu_actions["true_reformats"].isChecked()
    letters = {"axial": {"left": "R", "right": "L", "top": "A", "bottom": "P"},
               "coronal": {"left": "R", "right": "L", "top": "S", "bottom": "I"},
               "sagittal": {"left": "A", "right": "P", "top": "S", "bottom": "I"}}
    directions = {"axial": ((1, 0, 0), (0, 1, 0), (0, 0, 1)), "coronal": ((1, 0, 0), (0, 0, -1), (0, 1, 0)),
                  "sagittal": ((0, 1, 0), (0, 0, -1), (1, 0, 0))}
    for view in VIEWS:
        viewport = window.viewports[view]
        plane = viewport.plane()
        assert viewport.resampled and plane.resampled
        assert viewport.orientation_markers(plane) == letters[view]  # exactly the patient's axes
        geometry = plane_geometry(window.state.volume, plane)
        for key, expected in zip(("row", "column", "normal"), directions[view], strict=True):
            assert np.allclose(geometry[key], expected), (view, key)
        top_right = viewport.corner_text()["top_right"]
        assert any(line.startswith(f"{view.capitalize()} reformat  Im") for line in top_right)
    assert window.slider.maximum() == axial.slice_total - 1
    # Shift+click in each view: the point clicked is under the crosshair in the others.
    for view, offset in zip(VIEWS, ((4.0, -3.0), (-2.0, 5.0), (3.0, 2.0)), strict=True):
        viewport = window.viewports[view]
        row, col = np.add(viewport.plane().pixel_of(window.state.cursor), offset)
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                         _widget_point(viewport, row, col))
        target = viewport.plane().voxel_at(*viewport.to_image(viewport.to_widget(row, col).toPoint().toPointF()))
        assert np.allclose(window.state.cursor, target, atol=1e-6)
        _assert_under_the_crosshair(window, view)
    # Scrolling a reformat steps along its normal; the other views follow through the crosshair.
    before = window.state.volume.index_to_physical(window.state.cursor)
    index = axial.slice_index
    axial.scroll(2)
    assert axial.slice_index == index + 2
    shift = window.state.volume.index_to_physical(window.state.cursor) - before
    step = 1.0 / max(np.sin(np.radians(TILT)) / 1.0, np.cos(np.radians(TILT)) / 2.0)  # at most a voxel per step
    assert np.allclose(shift[:2], 0.0) and 1.5 * step <= shift[2] <= 2.5 * step  # onto plane index + 2
    axial.grab()  # paints the crosshair of a reformat
    window.menu_actions["true_reformats"].trigger()
    assert not axial.resampled and axial.plane().array.shape == (24, 28)


def test_turning_the_crosshair_reslices_the_other_views_double_oblique(qtbot, make_window, oblique_study):
    window = open_study(qtbot, make_window, oblique_study)
    window.set_layout("mpr")
    window.crosshair_action.setChecked(True)
    window._on_toggle_crosshair()
    axial, coronal, sagittal = (window.viewports[view] for view in VIEWS)
    window.active_viewport = axial
    for _ in range(3):
        window.menu_actions["turn_crosshair_right"].trigger()  # Ctrl+Alt+Right: 5° clockwise each
    oblique = window.state.oblique
    assert oblique.angles["axial"] == pytest.approx(15.0)
    assert all(viewport.resampled for viewport in (axial, coronal, sagittal))
    assert axial.plane().sampled.right == pytest.approx(np.array([1.0, 0.0, 0.0]))  # the view turned in stays
    turned = np.radians(15.0)
    geometry = plane_geometry(window.state.volume, coronal.plane())
    assert np.allclose(geometry["row"], (np.cos(turned), np.sin(turned), 0.0))
    assert np.allclose(geometry["normal"], (-np.sin(turned), np.cos(turned), 0.0))
    assert coronal.orientation_markers(coronal.plane())["right"] == orientation_label(geometry["row"])
    assert "Oblique (axial +15°)  Im" in " ".join(coronal.corner_text()["top_right"])
    # Ctrl+drag in the coronal view: from right of the crosshair to below-right of it turns 45° clockwise.
    centre = coronal.to_widget(*coronal.plane().pixel_of(window.state.cursor))
    start, end = centre + type(centre)(60, 0), centre + type(centre)(40, 40)
    qtbot.mousePress(coronal, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, start.toPoint())
    qtbot.mouseMove(coronal, end.toPoint())
    qtbot.mouseRelease(coronal, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, end.toPoint())
    assert oblique.angles["coronal"] == pytest.approx(45.0, abs=1.5)
    assert oblique.angles["axial"] == pytest.approx(15.0)
    # Double-oblique: the sagittal plane turned about both; the three planes stay perpendicular.
    views = (axial, coronal, sagittal)
    normals = np.array([plane_geometry(window.state.volume, v.plane())["normal"] for v in views])
    assert np.allclose(normals @ normals.T, np.eye(3), atol=1e-9)
    sagittal_normal = normals[2]
    assert abs(sagittal_normal[2]) > 0.5 and abs(sagittal_normal[0]) > 0.3  # out of both patient planes
    assert "Oblique (axial +15°, coronal +45°)" in " ".join(sagittal.corner_text()["top_right"])
    # A click in the double-oblique sagittal view is under the crosshair in the other two.
    row, col = np.add(sagittal.plane().pixel_of(window.state.cursor), (3.0, -4.0))
    qtbot.mouseClick(sagittal, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     _widget_point(sagittal, row, col))
    _assert_under_the_crosshair(window, "sagittal")
    for viewport in (axial, coronal, sagittal):
        assert viewport.grab().width() > 0  # paints the turned lines
    # Labels ride along at the nearest voxel.
    labels = np.zeros(window.state.volume.shape_zyx, dtype=np.uint8)
    labels[5:11, 8:16, 9:19] = 1
    window.state.add_overlay(LabelOverlay.from_names(labels, {1: "block"}))
    sampled = window.state.overlays[0]
    from viewer.core.mpr import overlay_plane

    for viewport in (axial, coronal, sagittal):
        plane = viewport.plane()
        cut = overlay_plane(window.state.volume, sampled.labels, plane)
        assert set(np.unique(cut)) <= {0, 1}
        assert (plane.array[cut == 1] > 500).mean() > 0.9  # the label covers the bright block
        assert viewport.render_rgb().shape[:2] == plane.array.shape
    # Straighten: the acquired planes again.
    window.menu_actions["reset_crosshair"].trigger()
    assert not oblique.rotated and not axial.resampled


def test_measuring_on_a_reformat_is_refused_with_a_reason(qtbot, make_window, oblique_study):
    window = open_study(qtbot, make_window, oblique_study)
    window.set_layout("mpr")
    window.menu_actions["true_reformats"].trigger()
    window.set_tool("length")
    coronal = window.viewports["coronal"]
    qtbot.mouseClick(coronal, Qt.MouseButton.LeftButton, pos=QPoint(coronal.width() // 2, coronal.height() // 2))
    assert window.state.measurements == []
    assert "Measurements are made on acquired planes" in window.statusBar().currentMessage()


def test_new_pixels_are_resampled_again(qtbot, make_window, oblique_study):
    window = open_study(qtbot, make_window, oblique_study)
    window.set_layout("mpr")
    window.menu_actions["true_reformats"].trigger()
    sagittal = window.viewports["sagittal"]
    before = sagittal.plane().array.copy()
    window.state.volume.array[...] += 50  # as decoding fills the volume in place
    window.state.pixels_changed.emit()
    after = sagittal.plane().array
    inside = before > before.min()
    assert np.allclose(after[inside], before[inside] + 50, atol=0.05)


def test_a_sagittal_series_in_true_reformats_and_turned_in_its_own_view(qtbot, make_window,
                                                                        sagittal_study):  # noqa: F811
    window = open_study(qtbot, make_window, sagittal_study)
    window.set_layout("mpr")
    window.menu_actions["true_reformats"].trigger()
    letters = {"axial": {"left": "R", "right": "L", "top": "A", "bottom": "P"},
               "coronal": {"left": "R", "right": "L", "top": "S", "bottom": "I"},
               "sagittal": {"left": "A", "right": "P", "top": "S", "bottom": "I"}}
    for view in VIEWS:
        viewport = window.viewports[view]
        assert viewport.resampled and viewport.orientation_markers(viewport.plane()) == letters[view]
    # Values grow 1 per mm towards the patient's left: to the right of the axial and coronal reformats.
    for view in ("axial", "coronal"):
        plane = window.viewports[view].plane()
        row = plane.array[plane.array.shape[0] // 2]
        inside = row > row.min()
        assert np.all(np.diff(row[inside]) > 0), view
    window.active_viewport = window.viewports["sagittal"]
    window.menu_actions["turn_crosshair_left"].trigger()  # 5° anticlockwise in the sagittal view
    assert window.state.oblique.angles["sagittal"] == pytest.approx(-5.0)
    axial = window.viewports["axial"]
    normal = plane_geometry(window.state.volume, axial.plane())["normal"]
    assert normal[0] == pytest.approx(0.0) and normal[2] == pytest.approx(np.cos(np.radians(5.0)))
    row, col = np.add(axial.plane().pixel_of(window.state.cursor), (2.0, -3.0))
    qtbot.mouseClick(axial, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     _widget_point(axial, row, col))
    _assert_under_the_crosshair(window, "axial")

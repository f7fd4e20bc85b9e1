"""True reformats and the oblique (turned) crosshair: plane geometry, clicks and crosshair through LPS.

The volumes' values are a linear function of the patient position (LPS, mm), which linear
interpolation reproduces exactly, so what a resampled view shows is checked against where the
plane says its pixels are in the patient, not against the engine's own index arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tests.core.test_planes import ACQUISITIONS, CONVENTION, LETTERS
from viewer.core.mpr import (
    extract_plane,
    orientation_label,
    overlay_plane,
    plane_geometry,
    screen_directions,
    view_axis,
)
from viewer.core.volume import Volume
from viewer.model.oblique import ObliqueMPR
from viewer.model.state import ViewerState

NORMALS = {"axial": (0, 0, 1), "coronal": (0, 1, 0), "sagittal": (1, 0, 0)}
SLOPES = np.array([2.0, 3.0, 5.0])  # value = 1000 + SLOPES @ LPS position


def _volume(name: str, shape_zyx=(14, 16, 18), spacing=(0.8, 0.9, 2.0)) -> Volume:
    row, column = (np.asarray(v, dtype=np.float64) for v in ACQUISITIONS[name])
    direction = np.column_stack([row, column, np.cross(row, column)])
    origin = np.array([-10.0, 20.0, 30.0])
    z, y, x = np.indices(shape_zyx).astype(np.float64)
    patient = origin + (np.stack([x, y, z], axis=-1) * np.asarray(spacing)) @ direction.T
    values = (1000.0 + patient @ SLOPES).astype(np.float32)
    return Volume(array=values, spacing=np.asarray(spacing), direction=direction, origin=origin, modality="MR")


def _state(volume: Volume, reformat: bool = True) -> ViewerState:
    state = ViewerState()
    state.set_volume(volume)
    state.oblique.set_reformat(reformat)
    return state


def _check_values(volume: Volume, plane) -> None:
    """Every sampled pixel holds the linear function at the LPS position the plane's geometry gives."""
    geometry = plane_geometry(volume, plane)
    rows, cols = plane.array.shape
    r, c = np.mgrid[0:rows, 0:cols]
    pixel = plane.pixel_spacing[0]
    where = geometry["origin"] + (r[..., None] * geometry["column"] + c[..., None] * geometry["row"]) * pixel
    inside = np.all((volume.physical_to_index(where) >= 0)
                    & (volume.physical_to_index(where) <= np.array(volume.shape_zyx[::-1]) - 1), axis=-1)
    assert inside.mean() > 0.2
    assert np.allclose(plane.array[inside], 1000.0 + where[inside] @ SLOPES, atol=0.05)


@pytest.mark.parametrize("name", list(ACQUISITIONS))
def test_true_reformats_are_exactly_the_patients_planes_whatever_the_acquisition(name):
    volume = _volume(name)
    state = _state(volume)
    assert state.oblique.applies(volume)
    point = volume.index_to_physical(state.cursor)
    for view, (right, down) in CONVENTION.items():
        plane = state.oblique.plane(volume, view, state.cursor)
        geometry = plane_geometry(volume, plane)
        assert np.allclose(geometry["row"], right) and np.allclose(geometry["column"], down)
        assert np.allclose(geometry["normal"], NORMALS[view])
        assert screen_directions(volume, plane) == LETTERS[view]  # exact letters, even for an oblique series
        assert abs(float((point - geometry["origin"]) @ geometry["normal"])) < 1e-6  # through the crosshair
        assert plane.pixel_spacing == (0.8, 0.8)
        _check_values(volume, plane)


def _distance_to_line(point, line) -> float:
    (r0, c0), (r1, c1) = line
    direction = np.array([r1 - r0, c1 - c0])
    offset = np.array([point[0] - r0, point[1] - c0])
    return float(abs(direction[0] * offset[1] - direction[1] * offset[0]) / np.linalg.norm(direction))


TURNS = {"straight": (), "axial 30": (("axial", 30.0),),
         "axial 30, coronal -20": (("axial", 30.0), ("coronal", -20.0)),
         "sagittal 15, axial 40, coronal 10": (("sagittal", 15.0), ("axial", 40.0), ("coronal", 10.0))}


@pytest.mark.parametrize("turns", list(TURNS))
@pytest.mark.parametrize("name", ["axial supine", "axial prone", "sagittal", "oblique axial 20 degrees",
                                  "oblique sagittal 30 degrees"])
def test_a_point_clicked_in_one_view_lies_under_the_crosshair_in_the_others(name, turns):
    volume = _volume(name)
    state = _state(volume)
    for view, degrees in TURNS[turns]:
        state.oblique.rotate(view, degrees)
    normals = [state.oblique.axes(view)[2] for view in CONVENTION]
    assert np.allclose(np.array(normals) @ np.array(normals).T, np.eye(3), atol=1e-9)  # still perpendicular
    for clicked_view, offset in zip(CONVENTION, ((3.0, -2.0), (-1.5, 2.5), (2.0, 1.0)), strict=True):
        plane = state.oblique.plane(volume, clicked_view, state.cursor)
        row, col = np.add(plane.pixel_of(state.cursor), offset)
        clicked = plane.voxel_at(row, col)
        state.set_cursor(clicked)  # what Shift+click does
        assert np.allclose(state.cursor, clicked)  # inside the volume: not clipped
        for view in CONVENTION:
            shown = state.oblique.plane(volume, view, state.cursor)
            at = shown.pixel_of(state.cursor)
            assert np.allclose(shown.voxel_at(*at), state.cursor, atol=1e-6), view  # the point is in every plane
            if view == clicked_view:
                assert np.allclose(at, (row, col), atol=1e-6)
            lines = state.oblique.crosshair(volume, view, shown, state.cursor)
            assert set(lines) == set(CONVENTION) - {view}
            for line in lines.values():
                assert _distance_to_line(at, line) < 1e-6, (view, line)
            assert abs(float(shown.array[int(round(at[0])), int(round(at[1]))]) - 1000.0
                       - volume.index_to_physical(state.cursor) @ SLOPES) < 0.8 * SLOPES.sum()


def test_turns_compose_into_a_double_oblique_and_each_view_reports_its_geometry():
    volume = _volume("oblique axial 20 degrees")
    state = _state(volume, reformat=False)
    oblique = state.oblique
    assert not oblique.applies(volume)
    oblique.rotate("axial", 30.0)
    assert oblique.applies(volume) and oblique.angles == {"axial": 30.0, "coronal": 0.0, "sagittal": 0.0}
    first = Rotation.from_rotvec(np.radians(30.0) * np.array([0.0, 0.0, 1.0]))
    coronal_normal = first.apply([0.0, 1.0, 0.0])
    second = Rotation.from_rotvec(np.radians(-20.0) * coronal_normal)
    oblique.rotate("coronal", -20.0)
    expected = {"axial": second, "coronal": first, "sagittal": second * first}
    for view, (right, down) in CONVENTION.items():
        plane = state.oblique.plane(volume, view, state.cursor)
        geometry = plane_geometry(volume, plane)
        assert np.allclose(geometry["row"], expected[view].apply(right)), view
        assert np.allclose(geometry["column"], expected[view].apply(down)), view
        assert np.allclose(geometry["normal"], expected[view].apply(NORMALS[view])), view
        letters = screen_directions(volume, plane)
        assert letters["right"] == orientation_label(geometry["row"]) and letters["top"] == \
            orientation_label(-geometry["column"])
        _check_values(volume, plane)
    assert oblique.caption("sagittal") == "Oblique (axial +30°, coronal -20°)"
    # In the axial view, the coronal plane's line is turned 30° clockwise from the horizontal.
    axial = oblique.plane(volume, "axial", state.cursor)
    (r0, c0), (r1, c1) = oblique.crosshair(volume, "axial", axial, state.cursor)["coronal"]
    assert np.degrees(np.arctan2(r1 - r0, c1 - c0)) % 180.0 == pytest.approx(30.0)
    # Straightened: the patient's planes (no reformat asked for: the acquired planes again).
    oblique.reset()
    assert not oblique.rotated and not oblique.applies(volume)
    assert oblique.caption("axial") == "Axial reformat"


@pytest.mark.parametrize("view", list(CONVENTION))
def test_a_positive_turn_turns_the_crosshair_lines_clockwise_in_every_view(view):
    volume = _volume("axial supine")
    state = _state(volume)

    def directions() -> dict[str, float]:
        plane = state.oblique.plane(volume, view, state.cursor)
        lines = state.oblique.crosshair(volume, view, plane, state.cursor)
        return {other: float(np.degrees(np.arctan2(r1 - r0, c1 - c0))) for other, ((r0, c0), (r1, c1)) in
                lines.items()}

    before = directions()
    state.oblique.rotate(view, 25.0)
    after = directions()
    assert set(after) == set(before) and len(after) == 2
    for other in after:  # rows grow downwards: clockwise on screen is a growing angle
        assert (after[other] - before[other]) % 180.0 == pytest.approx(25.0), other


def test_scrolling_a_resampled_view_steps_along_its_normal_inside_the_volume():
    volume = _volume("oblique sagittal 30 degrees")
    state = _state(volume)
    state.oblique.rotate("axial", 25.0)
    for view in CONVENTION:
        across = state.oblique.axes(view)[2]
        index, total = state.oblique.slice_position(volume, view, state.cursor)
        assert 0 < index < total - 1
        before = volume.index_to_physical(state.cursor)
        moved = state.oblique.cursor_at(volume, view, state.cursor, index + 1)
        shift = volume.index_to_physical(moved) - before
        assert np.allclose(shift, across * float(shift @ across)) and float(shift @ across) > 0  # along the normal
        assert state.oblique.slice_position(volume, view, moved)[0] == index + 1
        # Asked past the end, it stops at the volume's edge instead of sliding sideways.
        last = state.oblique.cursor_at(volume, view, state.cursor, 10 ** 6)
        assert np.all(last >= -1e-9) and np.all(last <= np.array(volume.shape_zyx[::-1]) - 1 + 1e-9)
        shift = volume.index_to_physical(last) - before
        assert np.allclose(shift, across * float(shift @ across))
    # A plane parallel to the slices steps by the slice spacing.
    straight = _state(_volume("axial supine"))
    assert straight.oblique._steps(straight.volume, "axial")[2] == pytest.approx(2.0)


def test_overlays_on_a_reformat_take_the_nearest_label_and_interpolate_heatmaps():
    volume = _volume("oblique axial 20 degrees")
    state = _state(volume)
    state.oblique.rotate("sagittal", 20.0)
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[3:10, 4:12, 5:14] = 2
    labels[3:10, 4:12, 10:14] = 5
    heat = np.broadcast_to(np.linspace(0, 1, volume.shape_zyx[2], dtype=np.float32), volume.shape_zyx).copy()
    for view in CONVENTION:
        plane = state.oblique.plane(volume, view, state.cursor)
        cut = overlay_plane(volume, labels, plane)
        assert cut.shape == plane.array.shape and set(np.unique(cut)) <= {0, 2, 5}
        rows, cols = cut.shape
        for r, c in ((rows // 2, cols // 2), (rows // 3, cols // 2 + 2), (0, 0)):
            x, y, z = np.rint(plane.voxel_at(r, c)).astype(int)
            inside = 0 <= x < volume.shape_zyx[2] and 0 <= y < volume.shape_zyx[1] and 0 <= z < volume.shape_zyx[0]
            assert cut[r, c] == (labels[z, y, x] if inside else 0)
        warmth = overlay_plane(volume, heat, plane)
        x = plane.voxel_at(rows // 2, cols // 2)[0]
        assert warmth[rows // 2, cols // 2] == pytest.approx(x / (volume.shape_zyx[2] - 1), abs=1e-4)


def test_a_slab_of_a_reformat_reduces_the_parallel_planes():
    volume = _volume("axial supine")
    state = _state(volume)
    thin = state.oblique.plane(volume, "axial", state.cursor).array.copy()
    mip = state.oblique.plane(volume, "axial", state.cursor, slab_mode="mip", slab_mm=4.0).array
    mean = state.oblique.plane(volume, "axial", state.cursor, slab_mode="average", slab_mm=4.0).array
    # Values grow 5 per mm towards the head: the slab of +-2 mm reaches 10 higher; its mean is the centre.
    inside = thin > thin.min()
    assert np.allclose(mip[inside], thin[inside] + 10.0, atol=0.05)
    assert np.allclose(mean[inside], thin[inside], atol=0.05)


def test_changed_pixels_are_resampled_again_never_shown_stale():
    volume = _volume("oblique axial 20 degrees")
    state = _state(volume)
    before = state.oblique.plane(volume, "coronal", state.cursor).array.copy()
    volume.array += 100.0  # decoded in place, as loading does
    state.pixels_changed.emit()
    after = state.oblique.plane(volume, "coronal", state.cursor).array
    inside = before > before.min()
    assert np.allclose(after[inside], before[inside] + 100.0, atol=0.05)
    # Another volume: the crosshair is straight again; true reformats stay asked for.
    state.oblique.rotate("axial", 10.0)
    state.set_volume(_volume("sagittal"))
    assert not state.oblique.rotated and state.oblique.reformat


def test_a_colour_or_single_image_has_no_reformat():
    colour = Volume(array=np.zeros((4, 5, 6, 3), dtype=np.uint8), is_rgb=True)
    single = Volume(array=np.zeros((1, 5, 6), dtype=np.int16))
    oblique = ObliqueMPR()
    oblique.set_reformat(True)
    assert not oblique.applies(colour) and not oblique.applies(single) and not oblique.applies(None)
    with pytest.raises(ValueError, match="unknown view"):
        oblique.rotate("projection", 5.0)
    oblique.rotate("coronal", 170.0)
    oblique.rotate("coronal", 20.0)
    assert oblique.angles["coronal"] == pytest.approx(-170.0)  # said within (-180, 180]
    oblique.rotate("coronal", -10.0)
    assert oblique.angles["coronal"] == pytest.approx(180.0)


def test_on_a_real_ct_the_reformats_of_a_straight_series_are_its_acquired_planes(shared_data):
    from viewer.core.nifti import load_nifti

    # RAS on disk: rows and columns run against the LPS axes.
    path = shared_data / "ct_mr_volumes_nifti_totalsegmentator" / "example_ct_sm.nii.gz"
    volume = load_nifti(path, modality="CT")
    state = _state(volume)
    for view in CONVENTION:
        resampled = state.oblique.plane(volume, view, state.cursor)
        acquired = extract_plane(volume, view, int(round(state.cursor[view_axis(volume, view)])))
        assert plane_geometry(volume, resampled)["row"] @ plane_geometry(volume, acquired)["row"] > 0.999
        assert resampled.array.shape == acquired.array.shape  # 3 mm isotropic: the same grid
        assert np.allclose(resampled.array, acquired.array, atol=0.01), view


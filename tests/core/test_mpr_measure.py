"""Planes, orientation letters and measurements in mm and HU."""

import math

import numpy as np
import pytest

from viewer.core.measure import angle_deg, length_mm, roi_mask, roi_statistics
from viewer.core.mpr import extract_plane, orientation_label, screen_directions, slice_count
from viewer.core.volume import Volume


@pytest.fixture
def volume():
    array = np.arange(5 * 6 * 7, dtype=np.int16).reshape(5, 6, 7)
    return Volume(array=array, spacing=(0.5, 0.8, 3.0))


def test_planes_show_the_right_voxels_with_the_true_aspect(volume):
    axial = extract_plane(volume, "axial", 2)
    assert np.array_equal(axial.array, volume.array[2]) and axial.pixel_spacing == (0.5, 0.8)
    coronal = extract_plane(volume, "coronal", 4)
    assert np.array_equal(coronal.array, volume.array[::-1, 4, :]) and coronal.pixel_spacing == (0.5, 3.0)
    sagittal = extract_plane(volume, "sagittal", 1)
    assert np.array_equal(sagittal.array, volume.array[::-1, :, 1]) and sagittal.pixel_spacing == (0.8, 3.0)
    assert slice_count(volume, "sagittal") == 7
    # Every pixel knows its voxel, and back.
    for plane in (axial, coronal, sagittal):
        for r, c in ((0, 0), (2, 3)):
            x, y, z = plane.voxel_at(r, c).astype(int)
            assert plane.array[r, c] == volume.array[z, y, x]
            assert np.allclose(plane.pixel_of((x, y, z)), (r, c))


def test_orientation_letters_follow_direction_cosines(volume):
    letters = screen_directions(volume, extract_plane(volume, "axial", 0))
    assert letters == {"right": "L", "left": "R", "bottom": "P", "top": "A"}
    coronal = screen_directions(volume, extract_plane(volume, "coronal", 0))
    assert coronal["top"] == "S" and coronal["right"] == "L"
    # A prone patient: rows run right-to-left and columns anterior; the axial view is still
    # shown anterior up with the patient's right on the left (the radiological convention).
    prone = Volume(array=volume.array, direction=np.diag([-1.0, -1.0, 1.0]))
    plane = extract_plane(prone, "axial", 0)
    assert screen_directions(prone, plane) == {"right": "L", "left": "R", "bottom": "P", "top": "A"}
    assert np.array_equal(plane.array, volume.array[0, ::-1, ::-1])
    assert orientation_label(np.array([0.7, 0.0, 0.714])) == "SL"


def test_length_and_angle_in_mm():
    spacing = (0.5, 2.0)  # (column mm, row mm)
    assert length_mm((0, 0), (0, 10), spacing) == pytest.approx(5.0)
    assert length_mm((0, 0), (3, 4), spacing) == pytest.approx(math.hypot(6.0, 2.0))
    assert angle_deg((0, 10), (0, 0), (5, 0), spacing) == pytest.approx(90.0)
    assert angle_deg((1, 4), (0, 0), (1, 0), (1.0, 1.0)) == pytest.approx(math.degrees(math.atan2(4, 1)))


def test_roi_statistics_match_numpy_on_the_same_pixels():
    plane = np.random.default_rng(3).normal(40, 10, (40, 50)).astype(np.float32)
    mask = roi_mask(plane.shape, "ellipse", [(10, 10), (30, 40)])
    rows, cols = np.mgrid[0:40, 0:50]
    expected = ((rows - 20) / 10) ** 2 + ((cols - 25) / 15) ** 2 <= 1
    assert np.array_equal(mask, expected)
    stats = roi_statistics(plane, mask, (0.7, 0.9))
    assert stats.mean == pytest.approx(plane[expected].mean(), rel=1e-6)
    assert stats.sd == pytest.approx(plane[expected].std(), rel=1e-5)
    assert stats.area_mm2 == pytest.approx(expected.sum() * 0.63)
    rect = roi_mask(plane.shape, "rectangle", [(5, 6), (9, 12)])
    assert rect.sum() == 5 * 7
    square = roi_mask(plane.shape, "freehand", [(0, 0), (0, 10), (10, 10), (10, 0)])
    assert square.sum() == 10 * 10


def test_overlay_plane_matches_the_image_plane(volume):
    from viewer.core.mpr import overlay_plane

    labels = (volume.array % 3).astype(np.uint8)
    for view, index in (("axial", 1), ("coronal", 2), ("sagittal", 3)):
        plane = extract_plane(volume, view, index)
        assert np.array_equal(overlay_plane(volume, labels, plane), plane.array % 3)

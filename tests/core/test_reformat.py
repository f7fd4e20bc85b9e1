"""True reformats against SimpleITK's linear resampling of the same plane, and nearest labels."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from viewer.core.reformat import oblique_labels, oblique_plane, patient_plane
from viewer.core.volume import Volume


def _rotation(axis: int, degrees: float) -> np.ndarray:
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    i, j = [a for a in range(3) if a != axis]
    rotation = np.eye(3)
    rotation[i, i], rotation[i, j], rotation[j, i], rotation[j, j] = c, -s, s, c
    return rotation


@pytest.fixture
def oblique_ct():
    values = np.random.default_rng(4).integers(-1000, 1500, (18, 22, 26)).astype(np.int16)
    direction = _rotation(0, 20) @ _rotation(2, -12)
    return Volume(array=values, spacing=np.array([0.8, 0.9, 2.5]), direction=direction,
                  origin=np.array([-10.0, 15.0, 40.0]), modality="CT")


def _sitk_plane(volume: Volume, plane, fill: float) -> np.ndarray:
    rows, cols = plane.array.shape
    reference = sitk.Image([cols, rows, 1], sitk.sitkFloat32)
    reference.SetSpacing([plane.pixel_mm] * 3)
    reference.SetOrigin(plane.origin.tolist())
    reference.SetDirection(np.column_stack([plane.right, plane.down, plane.normal]).reshape(-1).tolist())
    image = sitk.Cast(volume.to_sitk(), sitk.sitkFloat32)
    resampled = sitk.Resample(image, reference, sitk.Transform(), sitk.sitkLinear, fill)
    return sitk.GetArrayFromImage(resampled)[0]


@pytest.mark.parametrize("angles", [(30.0, 15.0), (0.0, 0.0), (-45.0, 60.0)])
def test_an_oblique_plane_equals_simpleitk_linear_resampling(oblique_ct, angles):
    tilt = _rotation(1, angles[0]) @ _rotation(0, angles[1])
    right, down = tilt @ np.array([1.0, 0.0, 0.0]), tilt @ np.array([0.0, 1.0, 0.0])
    center = oblique_ct.index_to_physical(np.array([13.0, 11.0, 9.0]))
    plane = oblique_plane(oblique_ct, center, right, down, (40, 48), 0.7, fill=-2000.0, engine="numpy")
    expected = _sitk_plane(oblique_ct, plane, -2000.0)
    inside = (expected > -2000) & (plane.array > -2000)
    assert inside.mean() > 0.3  # the comparison covers much of the plane
    assert np.allclose(plane.array[inside], expected[inside], atol=1e-2)
    # What Outpost samples, SimpleITK samples too; SimpleITK also reaches half a voxel past the
    # outermost voxel centres (a rim Outpost leaves as fill).
    assert not ((plane.array > -2000) & (expected == -2000)).any()
    assert ((plane.array == -2000) != (expected == -2000)).mean() < 0.1


def test_the_true_patient_planes_of_an_oblique_series_follow_the_patient_axes(oblique_ct):
    center = oblique_ct.index_to_physical(np.array([13.0, 11.0, 9.0]))
    for view, (right, down) in {"axial": ((1, 0, 0), (0, 1, 0)), "coronal": ((1, 0, 0), (0, 0, -1)),
                                "sagittal": ((0, 1, 0), (0, 0, -1))}.items():
        plane = patient_plane(oblique_ct, view, center, fill=-5000.0, engine="numpy")
        assert np.allclose(plane.right, right) and np.allclose(plane.down, down)
        assert plane.pixel_mm == pytest.approx(0.8)
        # The plane passes through the point asked for, across it.
        assert abs(float((plane.origin - center) @ plane.normal)) < 1e-6
        expected = _sitk_plane(oblique_ct, plane, -5000.0)
        inside = (expected > -5000) & (plane.array > -5000)
        assert inside.mean() > 0.2 and np.allclose(plane.array[inside], expected[inside], atol=1e-2)
    with pytest.raises(ValueError, match="unknown view"):
        patient_plane(oblique_ct, "transverse", center)


def test_labels_are_sampled_at_the_nearest_voxel_never_blended(oblique_ct):
    labels = np.zeros(oblique_ct.shape_zyx, dtype=np.uint8)
    labels[5:12, 6:15, 8:20] = 3
    labels[5:12, 6:15, 14:20] = 7
    center = oblique_ct.index_to_physical(np.array([13.0, 10.0, 8.0]))
    plane = oblique_plane(oblique_ct, center, (1, 0.2, 0), (0, 1, 0.1), (30, 30), 0.8)
    cut = oblique_labels(oblique_ct, labels, plane)
    assert set(np.unique(cut)) <= {0, 3, 7} and {3, 7} <= set(np.unique(cut))
    for r, c in ((0, 0), (15, 15), (29, 3), (7, 22)):
        index = np.rint(np.linalg.solve(np.asarray(oblique_ct.direction) * oblique_ct.spacing,
                                        plane.position_of(r, c) - oblique_ct.origin)).astype(int)
        x, y, z = index
        inside = 0 <= x < 26 and 0 <= y < 22 and 0 <= z < 18
        assert cut[r, c] == (labels[z, y, x] if inside else 0)


def test_both_engines_give_the_same_values(oblique_ct):
    center = oblique_ct.index_to_physical(np.array([12.5, 10.0, 8.0]))
    right, down = np.array([0.9, 0.3, 0.1]), np.array([-0.2, 0.8, 0.5])
    fast = oblique_plane(oblique_ct, center, right, down, (30, 34), 0.6, fill=-3000.0, engine="simpleitk")
    plain = oblique_plane(oblique_ct, center, right, down, (30, 34), 0.6, fill=-3000.0, engine="numpy")
    assert np.allclose(fast.origin, plain.origin) and np.allclose(fast.down, plain.down)
    inside = plain.array > -3000
    assert inside.mean() > 0.3 and np.allclose(fast.array[inside], plain.array[inside], atol=1e-2)
    again = oblique_plane(oblique_ct, center, right, down, (30, 34), 0.6, fill=-3000.0)  # the kept copy
    assert np.array_equal(again.array, fast.array)
    with pytest.raises(ValueError, match="unknown engine"):
        oblique_plane(oblique_ct, center, right, down, (3, 3), 1.0, engine="gpu")

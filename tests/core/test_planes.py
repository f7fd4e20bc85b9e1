"""The patient's planes for every acquisition plane and patient position, and projection images.

Each volume is built so that a voxel's value says where it is in the patient (LPS, mm), so a
view can be checked against the patient and not against the code's own index arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest

from viewer.core.mpr import (
    PROJECTION,
    acquisition_plane,
    extract_plane,
    overlay_plane,
    plane_geometry,
    plane_title,
    screen_directions,
    slice_count,
    view_axis,
)
from viewer.core.volume import Volume

#: The radiological convention: the patient direction of one pixel right and one pixel down.
CONVENTION = {"axial": ((1, 0, 0), (0, 1, 0)), "coronal": ((1, 0, 0), (0, 0, -1)),
              "sagittal": ((0, 1, 0), (0, 0, -1))}
LETTERS = {"axial": {"right": "L", "left": "R", "top": "A", "bottom": "P"},
           "coronal": {"right": "L", "left": "R", "top": "S", "bottom": "I"},
           "sagittal": {"right": "P", "left": "A", "top": "S", "bottom": "I"}}


def _rotation(axis: int, degrees: float) -> np.ndarray:
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    i, j = [a for a in range(3) if a != axis]
    rotation = np.eye(3)
    rotation[i, i], rotation[i, j], rotation[j, i], rotation[j, j] = c, -s, s, c
    return rotation


#: ImageOrientationPatient (row, column) of acquisitions as scanners write them, by name.
ACQUISITIONS = {
    "axial supine": ((1, 0, 0), (0, 1, 0)),
    "axial prone": ((-1, 0, 0), (0, -1, 0)),
    "axial feet first supine": ((-1, 0, 0), (0, 1, 0)),
    "axial left decubitus": ((0, -1, 0), (1, 0, 0)),
    "sagittal": ((0, 1, 0), (0, 0, -1)),
    "coronal": ((1, 0, 0), (0, 0, -1)),
    "oblique axial 20 degrees": (tuple(_rotation(0, 20) @ (1, 0, 0)), tuple(_rotation(0, 20) @ (0, 1, 0))),
    "oblique sagittal 30 degrees": (tuple(_rotation(2, 30) @ (0, 1, 0)), tuple(_rotation(2, 30) @ (0, 0, -1))),
}
EXPECTED_PLANE = {"axial supine": "axial", "axial prone": "axial", "axial feet first supine": "axial",
                  "axial left decubitus": "axial", "sagittal": "sagittal", "coronal": "coronal",
                  "oblique axial 20 degrees": "axial", "oblique sagittal 30 degrees": "sagittal"}


def _volume(name: str, shape_zyx=(6, 7, 8), spacing=(0.7, 0.9, 2.5)) -> tuple[Volume, np.ndarray]:
    row, column = (np.asarray(v, dtype=np.float64) for v in ACQUISITIONS[name])
    direction = np.column_stack([row, column, np.cross(row, column)])
    origin = np.array([-10.0, 20.0, 30.0])
    z, y, x = np.indices(shape_zyx).astype(np.float64)
    index = np.stack([x, y, z], axis=-1) * np.asarray(spacing)
    patient = origin + index @ direction.T  # [z, y, x, 3] LPS millimetres
    # The three coordinates ride as the channels of a colour volume, so every view carries them.
    return Volume(array=patient, spacing=np.asarray(spacing), direction=direction, origin=origin, is_rgb=True,
                  metadata={"has_orientation": True}), patient


@pytest.mark.parametrize("name", list(ACQUISITIONS))
def test_every_view_is_the_patients_plane_in_the_radiological_convention(name):
    volume, _patient = _volume(name)
    assert acquisition_plane(volume) == EXPECTED_PLANE[name]
    assert view_axis(volume, EXPECTED_PLANE[name]) == 2  # the acquired slices are that view's planes
    assert sorted(view_axis(volume, v) for v in CONVENTION) == [0, 1, 2]
    for view, (right, down) in CONVENTION.items():
        plane = extract_plane(volume, view, slice_count(volume, view) // 2)
        geometry = plane_geometry(volume, plane)
        # Without resampling, an oblique plane is the closest one: right and down within 45°.
        assert geometry["row"] @ np.asarray(right) > 0.7, (name, view, geometry["row"])
        assert geometry["column"] @ np.asarray(down) > 0.7, (name, view, geometry["column"])
        assert abs(geometry["normal"] @ np.cross(right, down)) > 0.7
        assert screen_directions(volume, plane) == LETTERS[view] if "oblique" not in name else \
            all(letters[0] == LETTERS[view][side] for side, letters in screen_directions(volume, plane).items())
        assert plane_title(volume, plane) == view.capitalize()


@pytest.mark.parametrize("name", list(ACQUISITIONS))
def test_each_pixel_shows_the_voxel_the_plane_says_and_overlays_match(name):
    volume, patient = _volume(name)
    labels = np.arange(int(np.prod(volume.shape_zyx)), dtype=np.int32).reshape(volume.shape_zyx)
    for view in CONVENTION:
        for index in (0, slice_count(volume, view) - 1):
            plane = extract_plane(volume, view, index)
            geometry = plane_geometry(volume, plane)
            overlay = overlay_plane(volume, labels, plane)
            assert overlay.shape == plane.array.shape[:2]
            rows, cols = overlay.shape
            for r, c in ((0, 0), (rows - 1, 0), (0, cols - 1), (rows // 2, cols // 2)):
                x, y, z = plane.voxel_at(r, c).astype(int)
                assert labels[z, y, x] == overlay[r, c]
                assert np.allclose(plane.array[r, c], patient[z, y, x])
                assert np.allclose(plane.pixel_of((x, y, z)), (r, c))
            # One pixel right and one down move the patient position along the plane's axes.
            step_right = plane.array[0, 1] - plane.array[0, 0]
            step_down = plane.array[1, 0] - plane.array[0, 0]
            assert np.allclose(step_right / np.linalg.norm(step_right), geometry["row"])
            assert np.allclose(step_down / np.linalg.norm(step_down), geometry["column"])
            assert np.isclose(np.linalg.norm(step_right), plane.pixel_spacing[0])
            assert np.isclose(np.linalg.norm(step_down), plane.pixel_spacing[1])
            assert np.allclose(geometry["origin"], plane.array[0, 0])


def test_a_chest_radiograph_is_a_projection_with_its_own_letters_and_view_name():
    image = np.arange(12, dtype=np.uint16).reshape(1, 3, 4)
    film = Volume(array=image, modality="CR",
                  metadata={"patient_orientation": ["L", "F"], "view_position": "PA", "laterality": "",
                            "has_orientation": False})
    for view in ("axial", "coronal", "sagittal"):
        plane = extract_plane(film, view, 0)
        assert plane.view == PROJECTION and np.array_equal(plane.array, image[0])
        assert screen_directions(film, plane) == {"right": "L", "left": "R", "bottom": "F", "top": "H"}
        assert plane_title(film, plane) == "PA"
    assert acquisition_plane(film) == PROJECTION
    # No Patient Orientation: no letters at all, never A/P from a slice normal that does not exist.
    bare = Volume(array=image, metadata={"has_orientation": False})
    plane = extract_plane(bare, "axial", 0)
    assert set(screen_directions(bare, plane).values()) == {""} and plane_title(bare, plane) == "Projection"
    mammogram = Volume(array=image, modality="MG",
                       metadata={"patient_orientation": ["A", "FR"], "view_position": "MLO", "laterality": "L"})
    plane = extract_plane(mammogram, "axial", 0)
    assert plane_title(mammogram, plane) == "MLO L"
    assert screen_directions(mammogram, plane) == {"right": "A", "left": "P", "bottom": "FR", "top": "HL"}


@pytest.mark.parametrize("name", ["axial supine", "sagittal", "axial prone"])
@pytest.mark.parametrize("mode", ["mip", "minip", "average"])
def test_thick_slabs_reduce_exactly_the_planes_within_half_the_thickness(name, mode):
    volume, _patient = _volume(name, shape_zyx=(9, 7, 8), spacing=(0.7, 0.9, 2.0))
    values = np.random.default_rng(5).integers(-1000, 1000, volume.shape_zyx).astype(np.int16)
    scalar = Volume(array=values, spacing=volume.spacing, direction=volume.direction, origin=volume.origin)
    reduce = {"mip": np.max, "minip": np.min, "average": np.mean}[mode]
    from viewer.core.mpr import slab_plane

    for view in CONVENTION:
        axis = view_axis(scalar, view)
        spacing = float(scalar.spacing[axis])
        thickness = 5.0 * spacing  # the centre plane and two on each side
        for index in (0, 4):
            slab = slab_plane(scalar, view, index, thickness, mode)
            centre = extract_plane(scalar, view, index)
            assert slab.array.shape == centre.array.shape
            assert np.array_equal(slab.base, centre.base) and slab.pixel_spacing == centre.pixel_spacing
            rows, cols = slab.array.shape
            for r, c in ((0, 0), (rows - 1, cols - 1), (rows // 2, 1)):
                voxel = centre.voxel_at(r, c).astype(int)
                taken = []
                for k in range(index - 2, index + 3):
                    if 0 <= k < slice_count(scalar, view):
                        voxel[axis] = k
                        taken.append(values[voxel[2], voxel[1], voxel[0]])
                assert np.isclose(slab.array[r, c], reduce(taken)), (view, index, r, c)
    # A slab thinner than one plane is that plane.
    plane = slab_plane(scalar, "axial", 3, 0.1, "mip")
    assert np.array_equal(plane.array, extract_plane(scalar, "axial", 3).array)
    with pytest.raises(ValueError, match="unknown slab mode"):
        slab_plane(scalar, "axial", 3, 10.0, "sum")

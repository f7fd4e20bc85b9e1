"""Volume geometry and lossless SimpleITK conversion."""

import numpy as np
import pytest
import SimpleITK as sitk

from viewer.core.volume import Volume, reversed_axes


def _oblique_volume(shape=(4, 5, 6), dtype=np.int16, **kwargs) -> Volume:
    rng = np.random.default_rng(0)
    theta = np.deg2rad(20)
    direction = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0],
                          [0, 0, 1.0]])
    array = rng.integers(-1000, 1000, size=shape).astype(dtype)
    return Volume(array=array, origin=(10.0, -5.0, 3.5), spacing=(0.7, 0.8, 2.5),
                  direction=direction, **kwargs)


def test_affine_maps_voxel_centres_to_lps():
    volume = _oblique_volume()
    index = np.array([2.0, 3.0, 1.0])
    expected = volume.origin + volume.direction @ (index * volume.spacing)
    assert np.allclose(volume.index_to_physical(index), expected)
    assert np.allclose(volume.affine @ np.append(index, 1), np.append(expected, 1))
    assert np.allclose(volume.physical_to_index(expected), index)


def test_ras_affine_flips_the_first_two_axes():
    volume = _oblique_volume()
    assert np.allclose(volume.affine_ras[:2], -volume.affine[:2])
    assert np.allclose(volume.affine_ras[2:], volume.affine[2:])


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float32])
def test_sitk_round_trip_is_lossless_3d(dtype):
    volume = _oblique_volume(dtype=dtype)
    image = volume.to_sitk()
    assert image.GetSize() == (6, 5, 4)
    assert np.allclose(image.GetOrigin(), volume.origin)
    assert np.allclose(image.GetSpacing(), volume.spacing)
    assert np.allclose(np.reshape(image.GetDirection(), (3, 3)), volume.direction)
    back = Volume.from_sitk(image)
    assert back.array.dtype == volume.array.dtype
    assert np.array_equal(back.array, volume.array)
    assert back.same_grid(volume, tolerance_mm=1e-9)


def test_sitk_round_trip_is_lossless_4d_and_rgb():
    volume = _oblique_volume(shape=(3, 4, 5, 6))
    assert volume.is_4d and volume.n_timepoints == 3
    back = Volume.from_sitk(volume.to_sitk())
    assert np.array_equal(back.array, volume.array) and back.same_grid(volume, 1e-9)

    rgb = _oblique_volume(shape=(2, 5, 6, 3), dtype=np.uint8, is_rgb=True)
    image = rgb.to_sitk()
    assert image.GetNumberOfComponentsPerPixel() == 3
    back = Volume.from_sitk(image)
    assert back.is_rgb and np.array_equal(back.array, rgb.array)


def test_timepoint_shares_memory():
    volume = _oblique_volume(shape=(3, 4, 5, 6))
    frame = volume.timepoint(1)
    assert not frame.is_4d and np.shares_memory(frame.array, volume.array)
    assert frame.shape_zyx == (4, 5, 6)


def test_from_sitk_reads_a_2d_image_as_one_slice():
    image = sitk.GetImageFromArray(np.arange(12, dtype=np.int16).reshape(3, 4))
    image.SetSpacing((0.5, 0.25))
    volume = Volume.from_sitk(image)
    assert volume.shape_zyx == (1, 3, 4)
    assert np.allclose(volume.spacing[:2], (0.5, 0.25))


@pytest.mark.parametrize("shape", [(37, 20, 9), (16, 1, 16), (1, 3, 40)])
def test_reversed_axes_is_a_contiguous_transpose(shape):
    array = np.random.default_rng(3).integers(0, 255, size=shape).astype(np.uint8)
    copy = reversed_axes(array, tile=8)
    assert copy.flags.c_contiguous
    np.testing.assert_array_equal(copy, array.transpose(2, 1, 0))
    assert reversed_axes(array.astype(np.float32), dtype=np.uint16).dtype == np.uint16

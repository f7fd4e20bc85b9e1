"""Assembling volumes: slice order, spacing, anomalies, pixel values, time series."""

import numpy as np
import pytest

from tests.dicom_factory import make_slice, write, write_stack
from viewer.core.dicom import SeriesLoader, load_series, scan
from viewer.core.errors import Cancelled, LoadError
from viewer.core.tasks import CancelToken


def _volume(folder):
    result = scan(folder)
    assert len(result.series) == 1, [s.notes for s in result.series]
    return load_series(result.series[0])


def _ramp(nz=5, ny=6, nx=7, dtype=np.uint16):
    return (np.arange(nz * ny * nx) % 4000).astype(dtype).reshape(nz, ny, nx)


def test_slices_are_sorted_by_position_not_instance_number(tmp_path):
    data = _ramp()
    write_stack(tmp_path, data, instance_numbers=[3, 1, 5, 2, 4])
    volume = _volume(tmp_path)
    assert np.array_equal(volume.array, data.astype(volume.array.dtype))
    assert np.allclose(volume.origin, (-10, -20, 5))
    assert np.allclose(volume.spacing, (0.5, 0.5, 2.0))
    assert np.allclose(volume.direction, np.eye(3))
    assert volume.warnings == []


def test_descending_positions_give_an_ascending_grid(tmp_path):
    data = _ramp()
    positions = [(0.0, 0.0, 40.0 - 2.5 * z) for z in range(5)]
    write_stack(tmp_path, data, positions=positions)
    volume = _volume(tmp_path)
    assert np.array_equal(volume.array, data[::-1].astype(volume.array.dtype))
    assert np.allclose(volume.origin, (0, 0, 30.0)) and np.isclose(volume.spacing[2], 2.5)


def test_oblique_orientation_sets_the_direction_columns(tmp_path):
    c, s = np.cos(np.deg2rad(30)), np.sin(np.deg2rad(30))
    orientation = (c, s, 0.0, 0.0, 0.0, -1.0)  # coronal-ish, rotated
    normal = np.cross(orientation[:3], orientation[3:])
    positions = [tuple(np.array([5.0, 6.0, 7.0]) + 3.0 * z * normal) for z in range(4)]
    for z, position in enumerate(positions):
        write(make_slice(_ramp(4)[z], position, orientation), tmp_path / f"s{z}")
    volume = _volume(tmp_path)
    assert np.allclose(volume.direction[:, 0], orientation[:3], atol=1e-6)
    assert np.allclose(volume.direction[:, 1], orientation[3:], atol=1e-6)
    assert np.allclose(volume.direction[:, 2], normal, atol=1e-6)
    assert np.isclose(volume.spacing[2], 3.0, atol=1e-4)
    # The affine puts every slice's first voxel at its ImagePositionPatient.
    for z, position in enumerate(positions):
        assert np.allclose(volume.index_to_physical([0, 0, z]), position, atol=1e-3)


def test_non_uniform_spacing_and_gaps_are_reported(tmp_path):
    zs = [0.0, 2.0, 4.0, 10.0, 12.0]
    write_stack(tmp_path, _ramp(), positions=[(0.0, 0.0, z) for z in zs])
    volume = _volume(tmp_path)
    text = " ".join(volume.warnings)
    assert "non-uniform slice spacing" in text and "gap" in text and "6.00 mm" in text


def test_duplicate_files_are_reported_and_dropped(tmp_path):
    data = _ramp(3)
    paths = write_stack(tmp_path, data)
    (tmp_path / "copy").write_bytes(paths[1].read_bytes())
    volume = _volume(tmp_path)
    assert volume.array.shape == (3, 6, 7)
    assert any("duplicate" in w for w in volume.warnings)


def test_gantry_tilt_is_reported_and_positions_kept(tmp_path):
    tilt = np.deg2rad(15)
    positions = [(0.0, z * 2.0 * np.sin(tilt), z * 2.0 * np.cos(tilt)) for z in range(5)]
    write_stack(tmp_path, _ramp(), positions=positions)
    volume = _volume(tmp_path)
    assert any("gantry tilt of 15.00" in w for w in volume.warnings)
    for z, position in enumerate(positions):
        assert np.allclose(volume.index_to_physical([0, 0, z]), position, atol=1e-3)


def test_four_d_series_are_t_z_y_x(tmp_path):
    data = _ramp(3)
    for t in range(4):
        for z in range(3):
            ds = make_slice(data[z] + 100 * t, (0, 0, 2.0 * z), temporal_position=t + 1,
                            instance_number=1 + z * 4 + t)
            write(ds, tmp_path / f"t{t}z{z}")
    volume = _volume(tmp_path)
    assert volume.array.shape == (4, 3, 6, 7)
    for t in range(4):
        assert np.array_equal(volume.array[t], (data + 100 * t).astype(volume.array.dtype))


def test_modality_lut_is_applied_per_slice_in_the_smallest_exact_dtype(tmp_path):
    data = _ramp(2)
    write(make_slice(data[0], (0, 0, 0), slope=1, intercept=-1024, bits_stored=12), tmp_path / "a")
    write(make_slice(data[1], (0, 0, 1), slope=2, intercept=-2048, bits_stored=12), tmp_path / "b")
    volume = _volume(tmp_path)
    assert volume.array.dtype == np.int16
    assert np.array_equal(volume.array[0], data[0].astype(np.int32) - 1024)
    assert np.array_equal(volume.array[1], data[1].astype(np.int32) * 2 - 2048)


def test_fractional_rescale_gives_float(tmp_path):
    data = _ramp(1)
    write(make_slice(data[0], slope=0.5, intercept=0.25), tmp_path / "a")
    volume = _volume(tmp_path)
    assert volume.array.dtype == np.float32
    assert np.allclose(volume.array[0], data[0] * 0.5 + 0.25)


def test_bits_above_bits_stored_are_masked_with_sign(tmp_path):
    values = np.array([[-2048, -1, 0, 2047]], dtype=np.int16)
    stored = ((values.view(np.uint16) & 0x0FFF) | 0xF000).astype(np.uint16)
    write(make_slice(stored, bits_stored=12, signed=True, raw_bytes=stored.tobytes()), tmp_path / "s")
    volume = _volume(tmp_path)
    assert volume.array[0].tolist() == values.tolist()


def test_signed_ct_that_needs_int32_only_in_theory_stays_int16(tmp_path):
    data = (np.arange(2 * 4 * 4).reshape(2, 4, 4) * 50 - 500).astype(np.int16)
    write_stack(tmp_path / "a", data, slope=1, intercept=-1024)
    assert _volume(tmp_path / "a").array.dtype == np.int16
    data[1, 0, 0] = 32000  # 32000 - 1024 still fits; -32000 - 1024 does not
    data[0, 0, 0] = -32000
    write_stack(tmp_path / "b", data, slope=1, intercept=-1024)
    volume = _volume(tmp_path / "b")
    assert volume.array.dtype == np.int32
    assert np.array_equal(volume.array, data.astype(np.int32) - 1024)


def test_monochrome1_keeps_values_and_says_so(tmp_path):
    data = _ramp(1, dtype=np.uint16)
    write(make_slice(data[0], photometric="MONOCHROME1", bits_stored=12), tmp_path / "m1")
    volume = _volume(tmp_path)
    assert volume.photometric == "MONOCHROME1"
    assert np.array_equal(volume.array[0], data[0])


def test_rgb_images_get_a_channel_axis(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 255, (6, 7, 3), dtype=np.uint8)
    write(make_slice(rgb, photometric="RGB", modality="OT"), tmp_path / "c")
    volume = _volume(tmp_path)
    assert volume.is_rgb and volume.array.shape == (1, 6, 7, 3)
    assert np.array_equal(volume.array[0], rgb)


def test_two_d_image_without_geometry_is_a_one_slice_volume(tmp_path):
    data = _ramp(1, 5, 5)
    write(make_slice(data[0], position=None, orientation=None, spacing=(0.2, 0.3)), tmp_path / "x")
    volume = _volume(tmp_path)
    assert volume.array.shape == (1, 5, 5)
    assert np.allclose(volume.spacing[:2], (0.3, 0.2))


def test_first_slice_is_ready_before_the_rest_and_cancel_stops(tmp_path):
    write_stack(tmp_path, _ramp(6))
    series = scan(tmp_path).series[0]
    loader = SeriesLoader(series)
    assert loader.volume.array.shape == (6, 6, 7) and not loader.volume.array.any()
    reports = []
    loader.load(progress=lambda done, total, text: reports.append((done, total)))
    assert reports[0] == (1, 6) and reports[-1] == (6, 6)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        SeriesLoader(series).load(cancel=token)


def test_truncated_pixel_data_is_a_listed_reason(tmp_path):
    ds = make_slice(_ramp(1)[0])
    ds.PixelData = ds.PixelData[:-10]
    write(ds, tmp_path / "cut")
    result = scan(tmp_path)
    assert not result.series
    assert "truncated" in result.skipped[0].reason


def test_a_file_that_changes_after_the_scan_fails_with_a_reason(tmp_path):
    paths = write_stack(tmp_path, _ramp(3))
    series = scan(tmp_path).series[0]
    paths[2].write_bytes(paths[2].read_bytes()[:400])
    with pytest.raises(LoadError):
        load_series(series)


def test_a_volume_bigger_than_memory_is_refused_before_allocation(tmp_path):
    """A header claiming 65535x65535 pixels in 10000 slices must not allocate 80 TB."""
    from viewer.core.dicom.headers import FrameInfo, InstanceRecord
    from viewer.core.dicom.scan import FrameRef, Series
    from viewer.core.dicom.sources import Source

    record = InstanceRecord(source=Source(str(tmp_path / "none")), rows=65535, columns=65535,
                            bits_allocated=16, bits_stored=16, has_pixels=True,
                            transfer_syntax="1.2.840.10008.1.2.1", photometric="MONOCHROME2",
                            number_of_frames=10000)
    frames = [FrameRef(record, FrameInfo(index=i, position=(0.0, 0.0, float(i)),
                                         orientation=(1, 0, 0, 0, 1, 0), pixel_spacing=(1, 1)))
              for i in range(10000)]
    series = Series(key="bomb", modality="CT", description="", number=1, frames=frames)
    with pytest.raises(LoadError, match="GiB of memory"):
        SeriesLoader(series)


def test_the_slice_a_viewer_shows_is_decoded_first(tmp_path):
    write_stack(tmp_path, _ramp(7))
    loader = SeriesLoader(scan(tmp_path).series[0])
    seen = []
    loader.load(progress=lambda done, total, text: seen.append(loader.volume.array[4].any()),
                first_slice=4)
    assert seen[0]  # slice 4 was filled by the time of the first report

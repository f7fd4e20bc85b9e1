"""Every file in dicom_edge_cases gives a correct image or a listed reason; none crashes."""

import numpy as np
import pydicom
import pytest

from viewer.core.dicom import load_series, scan
from viewer.core.errors import OutpostError, UnsupportedTransferSyntaxError

EXPECTED_UNSUPPORTED = {"liver_deflate.dcm": "1.2.840.10008.1.2.8.1"}


@pytest.fixture(scope="module")
def edge_scan(shared_data):
    return scan(shared_data / "dicom_edge_cases")


@pytest.mark.shared_data
def test_every_file_is_an_image_or_a_reason(shared_data, edge_scan):
    files = {str(p) for p in (shared_data / "dicom_edge_cases").rglob("*") if p.is_file()}
    in_series = {str(f.instance.source) for s in edge_scan.series for f in s.frames}
    skipped = {s.path for s in edge_scan.skipped}
    assert files == in_series | skipped
    assert all(s.reason for s in edge_scan.skipped)


@pytest.mark.shared_data
def test_every_series_loads_or_fails_with_a_reason(edge_scan):
    loaded, failed = 0, {}
    for series in edge_scan.series:
        try:
            volume = load_series(series)
        except OutpostError as e:
            failed[series.first.source.path.split("/")[-1]] = e
            continue
        assert volume.array.size and np.isfinite(volume.spacing).all()
        loaded += 1
    assert loaded >= 60
    assert set(failed) == set(EXPECTED_UNSUPPORTED), failed
    for name, uid in EXPECTED_UNSUPPORTED.items():
        error = failed[name]
        assert isinstance(error, UnsupportedTransferSyntaxError)
        assert error.transfer_syntax == uid and str(error).startswith("unsupported transfer syntax ")
        assert uid in str(error)  # with the syntax's name where pydicom knows it


@pytest.mark.shared_data
@pytest.mark.parametrize("name", [
    "pydicom_test_files/MR_small.dcm", "pydicom_test_files/MR_small_RLE.dcm",
    "pydicom_test_files/MR_small_bigendian.dcm", "pydicom_test_files/MR_small_implicit.dcm",
    "pydicom_test_files/MR_small_jp2klossless.dcm", "pydicom_test_files/MR_small_jpeg_ls_lossless.dcm",
    "pydicom_test_files/CT_small.dcm", "pydicom_data/emri_small_big_endian.dcm",
    "pydicom_data/JLSL_16_15_1_1F.dcm", "pydicom_data/explicit_VR-UN.dcm",
    "dwv/nema-ct1_jpll.dcm", "pydicom_data/bad_sequence.dcm", "pydicom_test_files/rtdose_rle.dcm",
])
def test_pixels_equal_pydicoms_modality_values(shared_data, name):
    """Outpost's own fast paths agree with pydicom's reference decoding."""
    path = shared_data / "dicom_edge_cases" / name
    volume = load_series(scan(path).series[0])
    ds = pydicom.dcmread(path)
    expected = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    ours = volume.array.astype(np.float64)
    if expected.ndim == 3 and not volume.is_4d:
        order = np.argsort(volume.provenance.slice_positions @ volume.direction[:, 2]) \
            if volume.provenance.slice_positions is not None else slice(None)
        expected = expected[order] if ds.get("GridFrameOffsetVector") is None else expected
    assert np.array_equal(ours.reshape(expected.shape), expected)


@pytest.mark.shared_data
def test_modality_lut_sequence_is_applied(shared_data):
    path = shared_data / "dicom_edge_cases" / "pydicom_data" / "mlut_18.dcm"
    ds = pydicom.dcmread(path)
    expected = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)
    volume = load_series(scan(path).series[0])
    assert np.array_equal(volume.array[0], expected)


@pytest.mark.shared_data
@pytest.mark.parametrize(("name", "shape"), [
    ("pydicom_test_files/examples_palette.dcm", (1, 350, 800, 3)),
    ("pydicom_test_files/examples_ybr_color.dcm", (30, 1, 240, 320, 3)),
    ("pydicom_data/US1_J2KR.dcm", (1, 480, 640, 3)),
    ("pydicom_test_files/SC_rgb_rle_2frame.dcm", (2, 1, 100, 100, 3)),
    ("pydicom_data/color-pl.dcm", (1, 120, 256, 3)),
])
def test_colour_images_become_rgb(shared_data, name, shape):
    path = shared_data / "dicom_edge_cases" / name
    volume = load_series(scan(path).series[0])
    assert volume.is_rgb and volume.photometric == "RGB" and volume.array.shape == shape
    ds = pydicom.dcmread(path)
    frame = ds.pixel_array if ds.get("NumberOfFrames", 1) in (None, 1) else ds.pixel_array[0]
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        frame = pydicom.pixels.apply_color_lut(frame, ds)
    first = volume.array[0, 0] if volume.is_4d else volume.array[0]
    assert np.array_equal(first, frame)


@pytest.mark.shared_data
def test_enhanced_ct_reads_per_frame_functional_groups(shared_data):
    path = shared_data / "dicom_edge_cases" / "pydicom_data" / "eCT_Supplemental.dcm"
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    volume = load_series(scan(path).series[0])
    positions = [tuple(float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient)
                 for item in ds.PerFrameFunctionalGroupsSequence]
    assert volume.array.shape[0] == len(positions) == 2
    assert sorted(map(tuple, np.round(volume.provenance.slice_positions, 4))) == \
        sorted(tuple(np.round(p, 4)) for p in positions)

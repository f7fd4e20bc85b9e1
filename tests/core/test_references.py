"""Correctness against references nobody here wrote: dcm2niix's own NIfTIs,
TotalSegmentator's segmentation grid, and dcmtk's JPEG decoder."""

from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest

from viewer.core.dicom import load_series, scan
from viewer.export.nifti import write_nifti

NIH = "mr_multivendor_dcm_qa_nih"
TS = "mr_transfer_syntaxes_dcm_qa_ts"
ENH = "mr_enhanced_multiframe_dcm_qa_enh"

CASES = (
    [(f"{NIH}/In/20180918GE/mr_000{n}", f"{NIH}/Ref/DCM2NIIX_regression_test_{n}.nii") for n in range(4, 8)]
    + [(f"{NIH}/In/20180918Si/mr_000{n}", f"{NIH}/Ref/EPI_PE={pe}_{n}.nii")
       for n, pe in zip(range(3, 7), ["AP", "PA", "RL", "LR"], strict=True)]
    + [(f"{TS}/In/{n}.dcm", f"{TS}/Ref/{n}.nii") for n in range(1, 10)]
    + [(f"{ENH}/In/Siemens/XA10", f"{ENH}/Ref/Siemens_REST1_w_SMS_PF7-8_6.nii")]
)


def _converted_and_reference(volume, reference: Path, tmp_path: Path):
    """Both images reoriented to the closest canonical (RAS) axis order."""
    out = tmp_path / "converted.nii.gz"
    write_nifti(volume, out)
    ours = nib.as_closest_canonical(nib.load(out))
    theirs = nib.as_closest_canonical(nib.load(reference))
    return ours, theirs


@pytest.mark.shared_data
@pytest.mark.parametrize(("source", "reference"), CASES, ids=[c[1].split("/")[-1] for c in CASES])
def test_matches_dcm2niix_reference(shared_data, tmp_path, source, reference):
    result = scan(shared_data / source)
    assert len(result.series) == 1
    volume = load_series(result.series[0])
    ours, theirs = _converted_and_reference(volume, shared_data / reference, tmp_path)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.get_fdata(), theirs.get_fdata())
    assert np.abs(ours.affine - theirs.affine).max() < 0.01


@pytest.mark.shared_data
def test_philips_enhanced_splits_magnitude_and_field_map(shared_data, tmp_path):
    """One Philips multi-frame file holds two volumes, told apart by FrameType.

    dcm2niix writes the magnitude with Philips' private floating-point scaling
    (value / (RescaleSlope * ScaleSlope), "UsePhilipsFloatNotDisplayScaling") and the
    field map with the standard RescaleSlope, stored as float32 in scl_slope.
    Outpost keeps the DICOM Modality LUT (display values) for both, so the
    magnitude is compared after that documented conversion, and both agree to
    the float32 precision of the reference's scale factor.
    """
    path = shared_data / ENH / "In" / "Philips" / "IM_0027_fMAP.dcm"
    result = scan(path)
    by_type = {s.frames[0].frame.frame_type[-1]: s for s in result.series}
    assert set(by_type) == {"M", "FIELD_MAP"} and all(len(s.frames) == 32 for s in result.series)

    frames = pydicom.dcmread(path, stop_before_pixels=True).PerFrameFunctionalGroupsSequence
    for frame_type, name in (("M", "Philips_WIP_B0_NS_801_e1"),
                             ("FIELD_MAP", "Philips_WIP_B0_NS_801_e2_fieldmaphz")):
        series = by_type[frame_type]
        frame = frames[series.frames[0].frame.index]
        rescale = float(frame.PixelValueTransformationSequence[0].RescaleSlope)
        philips_scale = float(frame[0x2005, 0x140F][0][0x2005, 0x100E].value)
        divisor = rescale * philips_scale if frame_type == "M" else 1.0
        volume = load_series(series)
        reference = shared_data / ENH / "Ref" / f"{name}.nii"
        ours, theirs = _converted_and_reference(volume, reference, tmp_path)
        assert ours.shape == theirs.shape
        assert np.abs(ours.affine - theirs.affine).max() < 0.01
        # The reference rounds its slope (float32, or Philips' 4-digit real-world slope):
        # allow exactly the error that rounding makes on the largest stored value.
        stored = np.abs(np.asanyarray(theirs.dataobj.get_unscaled())).max()
        slope_error = abs(rescale / divisor - float(theirs.dataobj.slope))
        tolerance = stored * slope_error * 1.01 + 1e-6 * np.abs(theirs.get_fdata()).max()
        assert np.abs(ours.get_fdata() / divisor - theirs.get_fdata()).max() <= tolerance


@pytest.mark.shared_data
def test_totalsegmentator_ct_matches_its_reference_segmentation_grid(shared_data, tmp_path):
    folder = shared_data / "ct_abdomen_series_totalsegmentator"
    volume = load_series(scan(folder / "dicom").series[0])
    assert volume.array.dtype == np.int16 and volume.modality == "CT"
    ours, theirs = _converted_and_reference(volume, folder / "reference" / "example_seg_dicom.nii.gz",
                                            tmp_path)
    assert ours.shape == theirs.shape
    assert np.allclose(ours.affine, theirs.affine, atol=1e-4)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["dwv/nema-mr1_jply.dcm", "pydicom_test_files/JPEG-lossy.dcm"])
def test_twelve_bit_jpeg_extended_matches_dcmtk(shared_data, tmp_path, require_tool, name):
    """No pydicom plugin decodes 12-bit JPEG Extended; imagecodecs does, like dcmtk."""
    import subprocess

    dcmdjpeg = require_tool("dcmdjpeg")
    source = shared_data / "dicom_edge_cases" / name
    decompressed = tmp_path / "plain.dcm"
    subprocess.run([dcmdjpeg, str(source), str(decompressed)], check=True, capture_output=True)
    reference = pydicom.dcmread(decompressed)
    expected = (reference.pixel_array.astype(np.float64) * float(reference.get("RescaleSlope", 1))
                + float(reference.get("RescaleIntercept", 0)))
    volume = load_series(scan(source).series[0])
    assert np.array_equal(volume.array.reshape(expected.shape), expected)

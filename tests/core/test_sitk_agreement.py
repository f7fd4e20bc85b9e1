"""Every series agrees with SimpleITK's ImageSeriesReader wherever SimpleITK reads it.

Known, documented differences are converted, not skipped:
- GDCM (inside SimpleITK) inverts MONOCHROME1 pixels to MONOCHROME2; Outpost
  keeps the stored meaning and inverts at display time.
- SimpleITK gives a single slice a z spacing of 1 mm; Outpost uses its
  SliceThickness.
- Lossy JPEG, JPEG 2000 and JPEG-LS decoders may differ by one unit (the
  inverse transforms are allowed to round differently), so those compare to +-1.
- Where PixelSpacing is malformed (``gdcm-CT-MONO2-8-abdo.dcm`` has three values)
  each reader guesses; Outpost warns and uses 1 mm, so spacing is not compared.
SimpleITK cannot read 4-D series, mosaics, multi-frame files, colour images and
Modality LUT Sequences the same way, so those are compared elsewhere (dcm2niix
references, pydicom) and left out here.
"""

import os

import numpy as np
import pytest
import SimpleITK as sitk

from viewer.core.dicom import load_series, scan
from viewer.core.dicom.layout import plan_layout
from viewer.core.errors import OutpostError

LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.91",
         "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.203"}
FOLDERS = ["ct_abdomen_series_totalsegmentator/dicom", "ct_3slice_dicom_seg_dcmqi/ct-3slice",
           "ct_rt_dicompyler_example", "cxr_chest_xray", "dicom_edge_cases"]


def _comparable(series) -> bool:
    first = series.first
    return not (first.mosaic_count or first.enhanced or first.number_of_frames > 1
                or first.samples_per_pixel > 1 or first.photometric == "PALETTE COLOR"
                or first.modality_lut or first.float_pixels or first.source.member)


def _sitk_image(series):
    layout = plan_layout(series)
    files = [str(ref.instance.source) for ref in layout.grid[0]]
    folders = {os.path.dirname(f) for f in files}
    if len(folders) == 1 and series.series_uid:
        theirs = list(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folders.pop(), series.series_uid))
        if set(theirs) == set(files):
            files = theirs  # SimpleITK's own slice order
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(files)
    return reader.Execute()


@pytest.mark.shared_data
@pytest.mark.parametrize("folder", FOLDERS)
def test_agrees_with_simpleitk(shared_data, folder):
    sitk.ProcessObject.SetGlobalWarningDisplay(False)
    compared = 0
    for series in scan(shared_data / folder).series:
        if not _comparable(series):
            continue
        try:
            volume = load_series(series)
        except OutpostError:
            continue  # unreadable series are covered by the edge-case test
        try:
            image = _sitk_image(series)
        except RuntimeError:
            continue  # SimpleITK cannot read it
        theirs = sitk.GetArrayFromImage(image).astype(np.float64)
        ours = volume.array.astype(np.float64)
        if volume.photometric == "MONOCHROME1":
            first = series.first.frames[0]
            top = 2 ** series.first.bits_stored - 1
            ours = first.slope * top + 2 * first.intercept - ours
        label = f"{series.key} {series.first.source}"
        assert theirs.shape == ours.shape, label
        tolerance = 1.0 if series.first.transfer_syntax in LOSSY else 1e-3
        assert np.allclose(theirs, ours, rtol=1e-5, atol=tolerance), label
        assert np.allclose(image.GetOrigin(), volume.origin, atol=1e-3), label
        assert np.allclose(np.reshape(image.GetDirection(), (3, 3)), volume.direction, atol=1e-4), label
        spacing = np.array(image.GetSpacing())
        check = 3 if volume.shape_zyx[0] > 1 else 2
        if any("pixel spacing unknown" in w for w in volume.warnings):
            check = 0
        assert np.allclose(spacing[:check], volume.spacing[:check], atol=1e-4), label
        compared += 1
    assert compared > 0

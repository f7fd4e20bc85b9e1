"""The viewer on sagittal and projection series: the acquired plane first, true planes, slabs."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.qt.conftest import open_study
from viewer.core.volume import Volume
from viewer.export.dicom_series import write_series


@pytest.fixture
def sagittal_study(tmp_path):
    """A sagittal MR: slices from right to left, rows head to feet, columns anterior to posterior.

    The value of a voxel is 100 + its distance in mm towards the patient's left, so a test can
    tell right from left on any view.
    """
    shape = (10, 12, 14)  # [slices (R->L), rows (S->I), columns (A->P)]
    left_mm = np.arange(shape[0], dtype=np.int16)[:, None, None] * 3
    values = np.broadcast_to(100 + left_mm, shape).copy()
    values[:, :2, :] = 1000  # a bright band at the top of the head
    direction = np.column_stack([(0.0, 1.0, 0.0), (0.0, 0.0, -1.0), (1.0, 0.0, 0.0)])
    volume = Volume(array=values, spacing=np.array([1.0, 1.0, 3.0]), direction=direction,
                    origin=np.array([-15.0, -7.0, 6.0]), modality="MR")
    folder = tmp_path / "sagittal"
    write_series(volume, folder, patient_name="Test^Sagittal", patient_id="SAG0001",
                 series_description="T1 SAG")
    return folder


def test_a_sagittal_series_opens_sagittal_and_its_reformats_are_true_planes(qtbot, make_window, sagittal_study):
    window = open_study(qtbot, make_window, sagittal_study)
    assert window.active_viewport is window.viewports["sagittal"]
    assert window.viewports["sagittal"].isVisible() and not window.viewports["axial"].isVisible()
    window.set_layout("mpr")
    letters = {"axial": {"left": "R", "right": "L", "top": "A", "bottom": "P"},
               "coronal": {"left": "R", "right": "L", "top": "S", "bottom": "I"},
               "sagittal": {"left": "A", "right": "P", "top": "S", "bottom": "I"}}
    for view, expected in letters.items():
        viewport = window.viewports[view]
        plane = viewport.plane()
        assert viewport.orientation_markers(plane) == expected
        assert any(line.startswith(f"{view.capitalize()}  Im") for line in viewport.corner_text()["top_right"])
    # Patient's right is on the screen's left of the axial and coronal views: values grow to the right.
    for view in ("axial", "coronal"):
        plane = window.viewports[view].plane()
        row = plane.array[plane.array.shape[0] - 1]
        assert row[0] < row[-1], view
    # The bright band at the top of the head is at the top of the coronal and sagittal views.
    for view in ("coronal", "sagittal"):
        plane = window.viewports[view].plane()
        assert plane.array[0].min() == 1000 and plane.array[-1].max() < 1000, view


def test_a_thick_slab_shows_the_maximum_and_says_so(qtbot, make_window, sagittal_study):
    window = open_study(qtbot, make_window, sagittal_study)
    window.set_layout("mpr")
    axial = window.viewports["axial"]
    axial.set_slice(3)  # 3 mm below the bright band (rows 0 and 1 of the sagittal images)
    single = axial.plane().array.copy()
    assert single.max() < 1000
    before = axial.render_rgb().mean()
    window.slab_mode.setCurrentIndex(window.slab_mode.findData("mip"))
    window.slab_thickness.setValue(9.0)  # the axial planes 4 mm above and below: the band is in
    assert window.state.slab_mode == "mip" and window.state.slab_mm == 9.0
    slab = axial.plane().array
    assert slab.shape == single.shape and (slab == 1000).all()
    assert "MIP slab 9 mm" in axial.corner_text()["top_right"]
    assert axial.render_rgb().mean() > before  # what is drawn is the slab
    window.slab_mode.setCurrentIndex(0)
    assert np.array_equal(axial.plane().array, single)


def test_a_chest_film_is_named_by_its_view_and_has_no_slice_letters(qtbot, make_window, tmp_path):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.Modality = "Test^Film", "FILM01", "CR"
    ds.ViewPosition, ds.PatientOrientation = "PA", ["L", "F"]
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 32, 24, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelSpacing = [0.2, 0.2]
    ds.PixelData = np.arange(32 * 24, dtype=np.uint16).tobytes()
    (tmp_path / "film").mkdir()
    ds.save_as(tmp_path / "film" / "cr.dcm", enforce_file_format=True)
    window = open_study(qtbot, make_window, tmp_path / "film")
    viewport = window.active_viewport
    assert viewport.orientation_markers(viewport.plane()) == {"left": "R", "right": "L", "top": "H", "bottom": "F"}
    top_right = viewport.corner_text()["top_right"]
    assert "PA  Im 1/1" in top_right and not any("Axial" in line or "Pos " in line for line in top_right)

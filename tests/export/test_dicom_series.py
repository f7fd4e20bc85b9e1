"""Writing volumes as DICOM series: valid per dciodvfy, and read back exactly."""

import subprocess

import numpy as np
import pytest

from viewer.core.dicom import load_series, scan
from viewer.core.errors import ExportError
from viewer.core.volume import Volume
from viewer.export.dicom_series import write_series


def _oblique_ct() -> Volume:
    theta = np.deg2rad(10)
    direction = np.array([[1, 0, 0], [0, np.cos(theta), -np.sin(theta)],
                          [0, np.sin(theta), np.cos(theta)]])
    array = np.random.default_rng(2).integers(-1024, 3000, (5, 12, 10)).astype(np.int16)
    return Volume(array=array, origin=(-50.5, 20.25, 100.0), spacing=(0.75, 0.8, 2.5),
                  direction=direction, modality="CT")


def test_series_reads_back_voxel_for_voxel(tmp_path):
    volume = _oblique_ct()
    paths = write_series(volume, tmp_path, patient_name="Doe^Jane", patient_id="P1")
    assert len(paths) == 5 and not list(tmp_path.glob(".*"))
    back = load_series(scan(tmp_path).series[0])
    assert np.array_equal(back.array, volume.array)
    assert back.same_grid(volume, tolerance_mm=1e-4)
    assert back.warnings == []


def test_written_files_pass_dciodvfy(tmp_path, require_tool):
    dciodvfy = require_tool("dciodvfy")
    paths = write_series(_oblique_ct(), tmp_path, patient_name="Doe^Jane", patient_id="P1")
    result = subprocess.run([dciodvfy, str(paths[0])], capture_output=True, text=True)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "Error" in line]
    assert errors == []


def test_refuses_what_it_cannot_store(tmp_path):
    volume = _oblique_ct()
    volume.array = volume.array.astype(np.float32) + 0.5
    with pytest.raises(ExportError, match="integral"):
        write_series(volume, tmp_path, patient_name="x", patient_id="y")
    volume.modality = "US"
    with pytest.raises(ExportError, match="modality"):
        write_series(volume, tmp_path, patient_name="x", patient_id="y")


def test_nifti_round_trip_keeps_voxels_and_geometry(tmp_path):
    from viewer.core.nifti import load_nifti
    from viewer.export.nifti import write_nifti

    volume = _oblique_ct()
    write_nifti(volume, tmp_path / "v.nii.gz")
    back = load_nifti(tmp_path / "v.nii.gz")
    assert np.array_equal(back.array, volume.array)
    assert back.same_grid(volume, tolerance_mm=1e-4)

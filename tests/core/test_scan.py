"""Scanning folders, zips and DICOMDIRs into series; everything unreadable is listed."""

import zipfile

import numpy as np
import pytest

from tests.dicom_factory import make_slice, write, write_stack
from viewer.core.dicom import scan
from viewer.core.errors import Cancelled, OutpostError, SeriesNotFoundError
from viewer.core.tasks import CancelToken


@pytest.fixture
def stack():
    return np.arange(4 * 8 * 8, dtype=np.uint16).reshape(4, 8, 8)


def test_scan_finds_files_without_extensions_and_lists_the_rest(tmp_path, stack):
    write_stack(tmp_path / "series", stack)
    (tmp_path / "notes.txt").write_text("not DICOM")
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "garbage").write_bytes(b"\x08\x00\x05\x00" + bytes(range(256)) * 3)
    write(make_slice(stack[0]), tmp_path / "bare", with_meta=False)
    result = scan(tmp_path)
    assert [len(s.frames) for s in result.series] == [5]  # the bare file joins its series
    reasons = {p.split("/")[-1]: r for p, r in ((s.path, s.reason) for s in result.skipped)}
    assert set(reasons) == {"notes.txt", "empty", "garbage"}
    assert all(reasons.values())


def test_progress_and_cancel(tmp_path, stack):
    write_stack(tmp_path, stack)
    calls = []
    scan(tmp_path, progress=lambda done, total, text: calls.append((done, total)))
    assert calls[-1] == (4, 4)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        scan(tmp_path, cancel=token)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(OutpostError, match="no such file"):
        scan(tmp_path / "nowhere")


def test_zip_members_are_scanned_and_loadable(tmp_path, stack):
    paths = write_stack(tmp_path / "src", stack)
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in paths:
            zf.write(path, f"DICOM/{path.name}")
        zf.writestr("README", "hello")
    result = scan(archive)
    assert len(result.series) == 1 and len(result.series[0].frames) == 4
    from viewer.core.dicom import load_series

    assert np.array_equal(load_series(result.series[0]).array, stack.astype(np.int16))
    assert [s.reason for s in result.skipped] == ["not a DICOM file"]


def test_series_split_where_geometry_or_acquisition_differs(tmp_path, stack):
    write_stack(tmp_path / "a", stack, name="ax")
    sagittal = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
    for i in range(2):
        write(make_slice(stack[i], (i * 3.0, 0, 0), sagittal, instance_number=10 + i),
              tmp_path / "a" / f"sag{i}")
    write(make_slice(np.zeros((4, 4), np.uint16), (0, 0, 50), instance_number=20), tmp_path / "a" / "small")
    for echo in (1, 2):
        write(make_slice(stack[0], (0, 0, 0), echo_number=echo, series_uid="1.2.3.4.6",
                         instance_number=echo), tmp_path / "b" / f"e{echo}")
    result = scan(tmp_path)
    sizes = sorted(len(s.frames) for s in result.series)
    assert sizes == [1, 1, 1, 2, 4]
    assert all(s.notes for s in result.series)  # each says why it was split


def test_series_keys_are_stable_and_findable(tmp_path, stack):
    write_stack(tmp_path / "x", stack)
    first, second = scan(tmp_path), scan(tmp_path / "x")
    key = first.series[0].key
    assert key == second.series[0].key
    assert first.find_series(key[:6]) is first.series[0]
    with pytest.raises(SeriesNotFoundError):
        first.find_series("zzzz")


def test_series_without_uids_still_group(tmp_path, stack):
    write_stack(tmp_path, stack, series_uid="", study_uid="")
    result = scan(tmp_path)
    assert len(result.series) == 1 and len(result.series[0].frames) == 4


@pytest.mark.shared_data
def test_real_ct_with_empty_uids_is_one_series(shared_data):
    result = scan(shared_data / "ct_abdomen_series_totalsegmentator")
    assert len(result.series) == 1
    series = result.series[0]
    assert series.series_uid == "" and len(series.frames) == 20
    assert series.modality == "CT" and series.description == "CT Body 3.0"
    assert [s.reason for s in result.skipped] == ["not a DICOM file"]  # the reference NIfTI


@pytest.mark.shared_data
def test_dicomdir_file_set(shared_data):
    folder = shared_data / "dicom_edge_cases" / "dicomdir_pydicom"
    from pydicom.fileset import FileSet

    file_set = FileSet(folder / "DICOMDIR")  # pydicom's own reader is the reference
    via_dicomdir = scan(folder / "DICOMDIR")
    patients = {p.patient_id for p in via_dicomdir.patients}
    assert patients == set(file_set.find_values("PatientID"))
    assert sum(len(s.frames) for s in via_dicomdir.series) == len(file_set)
    via_folder = scan(folder)
    referenced = {str(f.instance.source) for s in via_dicomdir.series for f in s.frames}
    scanned = {str(f.instance.source) for s in via_folder.series for f in s.frames}
    assert referenced and referenced <= scanned


@pytest.mark.shared_data
@pytest.mark.parametrize("variant", ["DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-nooffset",
                                     "DICOMDIR-reordered", "DICOMDIR-nopatient", "DICOMDIR-empty.dcm"])
def test_dicomdir_variants_never_crash(shared_data, variant):
    result = scan(shared_data / "dicom_edge_cases" / "dicomdir_pydicom" / variant)
    assert result.series or result.skipped or result.files_read == 0

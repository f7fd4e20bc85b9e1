"""Key Object Selection documents: valid per dciodvfy, referencing the real key images, read back."""

import subprocess

import pydicom
import pytest

from viewer.core.dicom import scan
from viewer.core.dicom.layout import plan_layout
from viewer.core.errors import ExportError
from viewer.export.kos import KOS_SOP_CLASS, read_kos, write_kos

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def ct_files(shared_data):
    """The dcmqi 3-slice CT's files in slice order (a real CT with its UIDs)."""
    series = scan(shared_data / "ct_3slice_dicom_seg_dcmqi" / "ct-3slice").series[0]
    return [str(ref.instance.source) for ref in plan_layout(series).grid[0]]


def test_a_kos_selects_the_key_images_passes_dciodvfy_and_reads_back(ct_files, tmp_path, require_tool):
    keys = [ct_files[2], ct_files[0]]
    path = write_kos(keys, tmp_path / "keys.dcm", description="nodule, left lower lobe", observer="Doe^Jane")
    assert not list(tmp_path.glob(".*"))  # written atomically
    output = subprocess.run([require_tool("dciodvfy"), str(path)], capture_output=True, text=True)
    text = output.stdout + output.stderr
    assert "KeyObjectSelectionDocument" in text
    assert [line for line in text.splitlines() if "Error" in line] == []
    ds = pydicom.dcmread(path)
    sources = [pydicom.dcmread(f, stop_before_pixels=True) for f in keys]
    assert ds.SOPClassUID == KOS_SOP_CLASS and ds.StudyInstanceUID == sources[0].StudyInstanceUID
    assert ds.PatientID == sources[0].PatientID and ds.SeriesInstanceUID != sources[0].SeriesInstanceUID
    back = read_kos(path)
    assert back.sop_instance_uids == [str(s.SOPInstanceUID) for s in sources]  # the reader's order
    assert back.title == "Of Interest" and back.description == "nodule, left lower lobe"
    assert back.study_uid == str(sources[0].StudyInstanceUID)


def test_nothing_marked_other_objects_and_mixed_studies_are_refused(ct_files, tmp_path, shared_data):
    with pytest.raises(ExportError, match="no key image"):
        write_kos([], tmp_path / "none.dcm")
    with pytest.raises(ExportError, match="not a key object selection"):
        read_kos(ct_files[0])
    other = scan(shared_data / "mr_multivendor_dcm_qa_nih" / "In" / "20180918GE" / "mr_0004").series[0]
    other_file = str(plan_layout(other).grid[0][0].instance.source)
    with pytest.raises(ExportError, match="several studies"):
        write_kos([ct_files[0], other_file], tmp_path / "mixed.dcm")
    assert not (tmp_path / "mixed.dcm").exists() and not (tmp_path / "none.dcm").exists()

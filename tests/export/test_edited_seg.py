"""A reader's edit of a segmentation saved as a new DICOM SEG: valid per dciodvfy, read back voxel for voxel,
each segment's algorithm type, the reader as content creator, the SEG it came from referenced, the save
audited, and each version labelled.

The sources are real: dcmqi's SEGs on their 3-slice CT (liver.dcm standing for the AI result an edit comes
from, partial_overlaps.dcm with its overlapping segments), and the demo phantom written as an AI result by
``write_seg``. Edits are made with numpy; what the files must hold is computed with numpy beside them.
"""

import subprocess
from dataclasses import replace

import numpy as np
import pydicom
import pytest

from viewer.core import audit
from viewer.core.dicom import load_series, scan
from viewer.core.dicom.layout import plan_layout
from viewer.core.dicom.objects import (
    SEG_SOP_CLASSES,
    SegReference,
    label_seg_versions,
    read_seg,
    read_seg_provenance,
    seg_version_label,
)
from viewer.core.errors import ExportError
from viewer.export.seg import (
    EDITED_SERIES_NUMBER,
    EDITOR_ALGORITHM_NAME,
    DerivedFrom,
    SegmentSpec,
    person_name,
    write_edited_seg,
    write_seg,
)

pytestmark = pytest.mark.shared_data

CHECKSUM = "3f" * 32


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Each test audits into its own folder."""
    monkeypatch.setenv("OUTPOST_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="module")
def dcmqi(shared_data):
    return shared_data / "ct_3slice_dicom_seg_dcmqi"


def _series(folder):
    """A series' volume and its files in slice order."""
    series = scan(folder).series[0]
    return load_series(series), [str(ref.instance.source) for ref in plan_layout(series).grid[0]]


@pytest.fixture(scope="module")
def ct3(dcmqi):
    return _series(dcmqi / "ct-3slice")


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    """The demo phantom as a DICOM series, and its label map (the AI result)."""
    from ai.demo.phantom import LABELS, make_phantom
    from viewer.export.dicom_series import write_series

    made = make_phantom(shape=(12, 48, 48), spacing=(4.0, 4.0, 6.0))
    folder = tmp_path_factory.mktemp("phantom")
    write_series(made.volume, folder, patient_name="Phantom^Edit", patient_id="P-17")
    volume, files = _series(folder)
    return volume, files, made.labels, LABELS


def _dciodvfy(require_tool, path) -> list[str]:
    """dciodvfy's error lines about ``path`` (it must have recognised and checked a Segmentation)."""
    result = subprocess.run([require_tool("dciodvfy"), str(path)], capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert "Segmentation" in output
    return [line for line in output.splitlines() if line.startswith("Error")]


def _derived_from(path, description="") -> DerivedFrom:
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    return DerivedFrom(str(ds.SOPInstanceUID), str(ds.SeriesInstanceUID), str(ds.StudyInstanceUID),
                       str(ds.SOPClassUID), description)


def _changes(before: np.ndarray, after: np.ndarray) -> dict[int, tuple[int, int]]:
    """Value -> (voxels added, voxels removed), counted with numpy."""
    values = sorted((set(np.unique(before).tolist()) | set(np.unique(after).tolist())) - {0})
    return {v: (int(((after == v) & (before != v)).sum()), int(((before == v) & (after != v)).sum()))
            for v in values}


def _when(ds) -> str:
    """ContentDate/ContentTime as the labels show them, read with plain string slicing."""
    date, time = str(ds.ContentDate), str(ds.ContentTime)
    return f"{date[:4]}-{date[4:6]}-{date[6:8]} {time[:2]}:{time[2:4]}"


def _assert_reads_back(path, volume, labels: np.ndarray, specs: list[SegmentSpec]) -> None:
    """Every segment of ``path`` is exactly ``labels == value`` of its spec, with its label and type."""
    segments = read_seg(path, volume)
    assert [(s.number, s.label, s.algorithm_type) for s in segments] == [
        (n, spec.label, spec.algorithm_type) for n, spec in enumerate(specs, start=1)]
    for segment, spec in zip(segments, specs, strict=True):
        assert np.array_equal(segment.mask, labels == spec.value), spec.label


# --------------------------------------------------------------------------- dcmqi's liver as the AI result
def test_an_edit_of_dcmqis_liver_is_valid_reads_back_and_references_the_seg_it_came_from(
        dcmqi, ct3, tmp_path, require_tool, data_dir):
    volume, files = ct3
    liver = read_seg(dcmqi / "liver.dcm", volume)[0].mask
    before = liver.astype(np.uint8)
    after = before.copy()
    z, ys, xs = np.nonzero(liver)
    cut = (slice(int(z.min()), int(z.max()) + 1), slice(int(ys.min()), int(ys.min()) + 10), slice(None))
    after[cut] = 0                                    # the reader erased the top ten rows of the liver
    after[1, 20:40, 30:70] = 2                        # drew a new segment
    after[0, 200:230, 200:260][liver[0, 200:230, 200:260]] = 3   # and split part of the liver off
    assert (after == 3).any() and (before[cut] == 1).any()
    specs = [SegmentSpec(1, "Liver", (200, 90, 70), "SEMIAUTOMATIC", "SlicerEditor", "4.5"),
             SegmentSpec(2, "Marker", (255, 255, 0), "MANUAL"),
             SegmentSpec(3, "Liver part", None, "SEMIAUTOMATIC", EDITOR_ALGORITHM_NAME, "0.1")]
    source = _derived_from(dcmqi / "liver.dcm", "Liver Segmentation")
    changes = _changes(before, after)
    path = write_edited_seg(after, files, specs, tmp_path / "edited.dcm", reader="jdoe", derived_from=source,
                            series_description="Liver, edited", changed_voxels=changes)
    assert not list(tmp_path.glob(".*"))              # written atomically: no temporary left behind
    assert _dciodvfy(require_tool, path) == []
    _assert_reads_back(path, volume, after, specs)

    ds = pydicom.dcmread(path, stop_before_pixels=True)
    ai = pydicom.dcmread(dcmqi / "liver.dcm", stop_before_pixels=True)
    ct = pydicom.dcmread(files[0], stop_before_pixels=True)
    assert str(ds.ContentCreatorName) == "jdoe^" and ds.SeriesNumber == EDITED_SERIES_NUMBER
    assert ds.SeriesInstanceUID not in (ai.SeriesInstanceUID, ct.SeriesInstanceUID)
    assert ds.StudyInstanceUID == ct.StudyInstanceUID
    manual = ds.SegmentSequence[1]
    assert "SegmentationAlgorithmIdentificationSequence" not in manual and "SegmentAlgorithmName" not in manual
    assert ds.SegmentSequence[2].SegmentationAlgorithmIdentificationSequence[0].AlgorithmName == \
        EDITOR_ALGORITHM_NAME
    # The source images and the AI SEG, in the General and the Common Instance Reference modules.
    sources = {(i.ReferencedSOPClassUID, i.ReferencedSOPInstanceUID) for i in ds.SourceImageSequence}
    assert sources >= {(ai.SOPClassUID, ai.SOPInstanceUID)} | {
        (pydicom.dcmread(f, stop_before_pixels=True).SOPClassUID,
         pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID) for f in files}
    listed = {s.SeriesInstanceUID: {i.ReferencedSOPInstanceUID for i in s.ReferencedInstanceSequence}
              for s in ds.ReferencedSeriesSequence}
    assert listed[ai.SeriesInstanceUID] == {ai.SOPInstanceUID}
    assert len(listed[ct.SeriesInstanceUID]) == 3

    provenance = read_seg_provenance(path)
    assert provenance.edited and provenance.content_creator == "jdoe"
    assert provenance.derived_from == (SegReference(ai.SOPClassUID, ai.SOPInstanceUID, ai.SeriesInstanceUID,
                                                    ai.StudyInstanceUID),)
    assert provenance.algorithm_types == {1: "SEMIAUTOMATIC", 2: "MANUAL", 3: "SEMIAUTOMATIC"}
    assert f"{provenance.content_datetime:%Y-%m-%d %H:%M}" == _when(ds)
    labels = label_seg_versions([str(dcmqi / "liver.dcm"), str(path)])
    assert labels[str(dcmqi / "liver.dcm")] == "Liver Segmentation (2016-03-18 17:48)"
    assert labels[str(path)] == f"Edited by jdoe ({_when(ds)}) from Liver Segmentation (2016-03-18 17:48)"

    entry = audit.read_entries(event="export").entries[-1]
    details = entry["details"]
    assert entry["user"] == audit.user_name() and details["outcome"] == "ok"
    assert details["kind"] == "seg-edit" and details["destination"] == str(path)
    assert details["source_sop_instance_uid"] == ai.SOPInstanceUID
    assert details["sop_instance_uid"] == ds.SOPInstanceUID and details["series_uid"] == ds.SeriesInstanceUID
    assert details["changed"] == {str(v): {"added": a, "removed": r} for v, (a, r) in changes.items()}
    assert details["changed"]["1"]["removed"] == int(((before == 1) & (after != 1)).sum()) > 0
    assert details["segments"] == {"1": "SEMIAUTOMATIC", "2": "MANUAL", "3": "SEMIAUTOMATIC"}
    text = (data_dir / "audit.jsonl").read_text()
    assert str(ct.PatientName) not in text and str(ct.PatientID) not in text   # never the patient


# --------------------------------------------------------------------------- overlapping source segments
def test_an_edit_of_overlapping_segments_reads_back_with_later_segments_on_top(dcmqi, ct3, tmp_path,
                                                                               require_tool):
    volume, files = ct3
    segments = read_seg(dcmqi / "partial_overlaps.dcm", volume)
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    for segment in segments:                          # later-numbered segments on top, as the editor loads them
        labels[segment.mask] = segment.number
    hidden = sum(int(s.mask.sum()) for s in segments) - int((labels > 0).sum())
    assert hidden > 0                                 # the point of this file: overlaps are lost in a label map
    labels[labels == 2] = 0                           # the reader erased the whole of segment 2 ...
    specs = [SegmentSpec(s.number, s.label, s.color, "MANUAL") for s in segments]
    path = write_edited_seg(labels, files, specs, tmp_path / "overlaps-edited.dcm", reader="jdoe",
                            derived_from=_derived_from(dcmqi / "partial_overlaps.dcm"),
                            series_description="Overlaps, edited", changed_voxels={2: (0, 1)})
    assert _dciodvfy(require_tool, path) == []
    _assert_reads_back(path, volume, labels, specs)   # ... and its empty segment is still described
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    labelled = label_seg_versions([str(dcmqi / "partial_overlaps.dcm"), str(path)])
    assert labelled[str(path)] == f"Edited by jdoe ({_when(ds)}) from Segmentation by Slicer (2023-12-06 20:20)"


# --------------------------------------------------------------------------- the demo phantom's AI result
def test_the_demo_ai_result_and_its_edit_are_two_labelled_versions(phantom, tmp_path, require_tool, data_dir):
    volume, files, labels, names = phantom
    ai_path = write_seg(labels, files, names, tmp_path / "ai.dcm", algorithm_name="Demo liver",
                        algorithm_version="1.0", algorithm_checksum=CHECKSUM)
    assert _dciodvfy(require_tool, ai_path) == []
    ai = pydicom.dcmread(ai_path, stop_before_pixels=True)
    assert ai.SeriesNumber == 900 and "ContentCreatorName" not in ai and "DerivationDescription" not in ai
    assert ai.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0].AlgorithmParameters == \
        f"sha256={CHECKSUM}"
    ai_specs = [SegmentSpec(v, names[v], None, "AUTOMATIC") for v in sorted(names)]
    _assert_reads_back(ai_path, volume, labels, ai_specs)
    ai_label = f"AI: Demo liver 1.0 ({_when(ai)})"
    assert seg_version_label(ai) == ai_label

    after = labels.copy()
    liver = np.argwhere(labels == 1)
    centre = liver[len(liver) // 2]
    grid = np.indices(labels.shape)
    ball = sum(((g - c) * s) ** 2 for g, c, s in zip(grid, centre, (6.0, 4.0, 4.0), strict=True)) <= 10.0 ** 2
    after[ball & (after == 1)] = 0                    # the reader erased a 10 mm ball of the liver
    after[0, :4, :4] = 7                              # and drew a segment of his own
    changes = _changes(labels, after)
    assert changes[1] == (0, int((ball & (labels == 1)).sum())) and changes[1][1] > 0
    specs = [SegmentSpec(1, "liver", (220, 120, 90), "SEMIAUTOMATIC", "Demo liver", "1.0"),
             *[SegmentSpec(v, names[v], None, "AUTOMATIC", "Demo liver", "1.0") for v in sorted(names) if v != 1],
             SegmentSpec(7, "my marker", (0, 255, 0), "MANUAL")]
    source = DerivedFrom.of_seg(read_seg_provenance(ai_path))   # what the editor passes for a SEG it opened
    assert source == replace(_derived_from(ai_path, ai_label), pack_name="Demo liver", pack_version="1.0",
                             pack_checksum=CHECKSUM)
    path = write_edited_seg(after, files, specs, tmp_path / "edited.dcm", reader="jdoe", derived_from=source,
                            changed_voxels=changes)
    assert _dciodvfy(require_tool, path) == []
    _assert_reads_back(path, volume, after, specs)
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert ds.SeriesDescription == "Edited segmentation" and ds.SeriesInstanceUID != ai.SeriesInstanceUID
    algorithms = [s.get("SegmentationAlgorithmIdentificationSequence") for s in ds.SegmentSequence]
    assert [a[0].AlgorithmParameters if a else None for a in algorithms] == [f"sha256={CHECKSUM}"] * 6 + [None]
    assert CHECKSUM in ds.DerivationDescription and ds.DerivationCodeSequence[0].CodeValue == "113077"

    provenance = read_seg_provenance(path)
    assert provenance.algorithm_types == {n: s.algorithm_type for n, s in enumerate(specs, start=1)}
    assert provenance.derived_from[0].sop_instance_uid == ai.SOPInstanceUID
    edited_label = f"Edited by jdoe ({_when(ds)})"
    assert seg_version_label(provenance) == f"{edited_label} from AI: Demo liver 1.0"   # the AI SEG not at hand
    assert label_seg_versions([str(ai_path), str(path)]) == {
        str(ai_path): ai_label, str(path): f"{edited_label} from {ai_label}"}
    assert seg_version_label(provenance) != seg_version_label(ai)

    first, second = audit.read_entries(event="export").entries[-2:]
    assert first["details"]["kind"] == "seg" and first["details"]["destination"] == str(ai_path)
    assert second["details"]["pack"] == "Demo liver" and second["details"]["pack_version"] == "1.0"
    assert second["details"]["pack_checksum"] == CHECKSUM
    assert second["details"]["changed"]["1"] == {"added": 0, "removed": changes[1][1]}
    assert second["details"]["changed"]["7"] == {"added": 16, "removed": 0}


# --------------------------------------------------------------------------- attacks
@pytest.mark.parametrize("reader", [
    "j^doe", "a=b=c", "back\\slash", "x" * 200, "Jürgen Müller-Lüdenscheidt 李小龍 Ωμέγα " * 4,
    "line\nbreak\x1b[2J\u202e", "", "^=\\",
])
def test_a_hostile_reader_name_still_makes_a_valid_file(reader, ct3, tmp_path, require_tool):
    volume, files = ct3
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[1, 100:110, 100:110] = 1
    specs = [SegmentSpec(1, "Bad\\label\nname " + "é" * 80, (10, 20, 30), "MANUAL")]
    path = write_edited_seg(labels, files, specs, tmp_path / "seg.dcm", reader=reader, derived_from=None,
                            series_description="\\ hostile \x00 description", changed_voxels={1: (100, 0)})
    assert _dciodvfy(require_tool, path) == []
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    written = ds.ContentCreatorName.original_string
    assert len(written) <= 64 and written.count(b"^") == 1 and not set(written) & set(b"=\\\x1b\n")
    assert str(ds.ContentCreatorName) == person_name(reader)
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    assert "\\" not in ds.SegmentSequence[0].SegmentLabel and len(ds.SegmentSequence[0].SegmentLabel) <= 64
    if reader.startswith("Jürgen"):
        assert str(ds.ContentCreatorName).startswith("Jürgen Müller-Lüdenscheidt 李小龍")
    segment = read_seg(path, volume)[0]
    assert np.array_equal(segment.mask, labels == 1)
    label = seg_version_label(ds)   # drawn from empty: its description, by its creator
    assert label.startswith("_ hostile _ description by ") and label.isprintable()
    assert "\n" not in label and "\x1b" not in label and "\u202e" not in label


def test_what_cannot_be_written_faithfully_is_refused_and_nothing_is_left(ct3, tmp_path, data_dir):
    volume, files = ct3
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[0, 5:9, 5:9] = 1
    labels[2, 5:9, 5:9] = 4
    destination = tmp_path / "seg.dcm"
    cases = [
        ([SegmentSpec(1, "a", None, "MANUAL")], "have no segment"),             # value 4 would be lost
        ([SegmentSpec(1, "a", None, "MANUAL"), SegmentSpec(4, "b", None, "SEMIAUTOMATIC")], "names no algorithm"),
        ([SegmentSpec(1, "a", None, "MANUAL"), SegmentSpec(4, "b", None, "GUESSED")], "unknown algorithm type"),
        ([SegmentSpec(1, "a", None, "MANUAL"), SegmentSpec(1, "b", None, "MANUAL"),
          SegmentSpec(4, "c", None, "MANUAL")], "its own"),
    ]
    for specs, reason in cases:
        with pytest.raises(ExportError, match=reason):
            write_edited_seg(labels, files, specs, destination, reader="jdoe", derived_from=None,
                             changed_voxels={})
    with pytest.raises(ExportError, match="SOP class and series UIDs"):
        write_edited_seg(labels, files, [SegmentSpec(1, "a", None, "MANUAL"), SegmentSpec(4, "b", None,
                         "MANUAL")], destination, reader="jdoe", derived_from=DerivedFrom("1.2.3"),
                         changed_voxels={})
    with pytest.raises(ExportError, match="label slices"):
        write_edited_seg(labels[:2], files, [SegmentSpec(1, "a", None, "MANUAL"), SegmentSpec(4, "b", None,
                         "MANUAL")], destination, reader="jdoe", derived_from=None, changed_voxels={})
    assert not destination.exists() and not list(tmp_path.glob(".*"))
    outcomes = [e["details"]["outcome"] for e in audit.read_entries(event="export").entries]
    assert len(outcomes) == 6 and all(o.startswith("failed: ExportError") for o in outcomes)


def test_the_seg_an_edit_came_from_in_another_study_is_referenced_there(ct3, dcmqi, tmp_path, require_tool):
    volume, files = ct3
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[1, 50:60, 50:60] = 1
    elsewhere = replace(_derived_from(dcmqi / "liver.dcm"), study_instance_uid="1.2.826.0.1.3680043.10.511.3.1")
    path = write_edited_seg(labels, files, [SegmentSpec(1, "a", None, "MANUAL")], tmp_path / "seg.dcm",
                            reader="jdoe", derived_from=elsewhere, changed_voxels={1: (100, 0)})
    assert _dciodvfy(require_tool, path) == []
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    other = ds.StudiesContainingOtherReferencedInstancesSequence[0]
    assert other.StudyInstanceUID == elsewhere.study_instance_uid
    assert other.ReferencedSeriesSequence[0].SeriesInstanceUID == elsewhere.series_instance_uid
    assert elsewhere.series_instance_uid not in {s.SeriesInstanceUID for s in ds.ReferencedSeriesSequence}
    reference = read_seg_provenance(path).derived_from[0]
    assert reference.study_instance_uid == elsewhere.study_instance_uid
    assert reference.sop_class_uid in SEG_SOP_CLASSES


def test_an_edit_of_a_result_never_saved_as_a_seg_records_its_pack(ct3, tmp_path, require_tool):
    volume, files = ct3
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[:, 60:90, 60:90] = 1
    result = DerivedFrom(description="AI: Demo liver 1.0", pack_name="Demo liver", pack_version="1.0",
                         pack_checksum=CHECKSUM)
    specs = [SegmentSpec(1, "liver", None, "SEMIAUTOMATIC", "Demo liver", "1.0")]
    path = write_edited_seg(labels, files, specs, tmp_path / "seg.dcm", reader="jdoe", derived_from=result,
                            changed_voxels={1: (0, 30)})
    assert _dciodvfy(require_tool, path) == []
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert ds.SegmentSequence[0].SegmentationAlgorithmIdentificationSequence[0].AlgorithmParameters == \
        f"sha256={CHECKSUM}"
    assert f"AI pack Demo liver 1.0, sha256 {CHECKSUM}" in ds.DerivationDescription
    assert {i.ReferencedSOPClassUID for i in ds.SourceImageSequence} == {"1.2.840.10008.5.1.4.1.1.2"}  # CT only
    provenance = read_seg_provenance(path)
    assert provenance.edited and provenance.derived_from == ()
    assert seg_version_label(provenance) == f"Edited by jdoe ({_when(ds)}) from AI: Demo liver 1.0"


def test_write_seg_takes_a_boolean_mask_and_refuses_fractions(ct3, tmp_path):
    volume, files = ct3
    mask = np.zeros(volume.shape_zyx, dtype=bool)
    mask[0:2, 10:30, 40:45] = True
    path = write_seg(mask, files, {1: "bone"}, tmp_path / "mask.dcm", algorithm_name="threshold",
                     algorithm_version="1")
    [segment] = read_seg(path, volume)
    assert segment.label == "bone" and segment.algorithm_type == "AUTOMATIC"
    assert np.array_equal(segment.mask, mask)
    with pytest.raises(ExportError, match="integers"):
        write_seg(mask * 0.5, files, {1: "bone"}, tmp_path / "half.dcm", algorithm_name="t", algorithm_version="1")
    assert not (tmp_path / "half.dcm").exists()

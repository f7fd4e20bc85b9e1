"""Reading DICOM SEG and RT Structure Sets onto the image grid, checked against third-party sources.

dcmqi's SEG objects were made from NRRD label maps on the same 3-slice CT; the
reader must give those label maps back voxel for voxel. dicompyler's structure
set was drawn on its CT slice; its body contour must enclose the patient there.
"""

import dataclasses
import warnings

import numpy as np
import pytest

from viewer.core.dicom import load_series, scan
from viewer.core.dicom.layout import plan_layout
from viewer.core.dicom.objects import (
    read_rtstruct,
    read_seg,
    rtstruct_to_contour_overlay,
    seg_to_label_overlays,
)
from viewer.core.errors import ObjectError
from viewer.core.measure import roi_mask
from viewer.core.volume import Provenance

pytestmark = pytest.mark.shared_data


def _nrrd(path) -> np.ndarray:
    import SimpleITK as sitk

    return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))


@pytest.fixture(scope="module")
def dcmqi(shared_data):
    return shared_data / "ct_3slice_dicom_seg_dcmqi"


@pytest.fixture(scope="module")
def ct3(dcmqi):
    """The 3-slice CT the dcmqi SEGs reference, and its files in slice order."""
    series = scan(dcmqi / "ct-3slice").series[0]
    files = [str(ref.instance.source) for ref in plan_layout(series).grid[0]]
    return load_series(series), files


def _with_uids(volume, uids):
    return dataclasses.replace(volume, provenance=dataclasses.replace(volume.provenance, sop_instance_uids=uids))


# --------------------------------------------------------------------------- SEG
def test_liver_seg_gives_back_its_nrrd_source(dcmqi, ct3):
    volume, _ = ct3
    segments = read_seg(dcmqi / "liver.dcm", volume)
    assert [(s.number, s.label, s.fractional) for s in segments] == [(1, "Liver", False)]
    liver = segments[0]
    assert liver.color is not None and liver.property_type == "Liver"
    assert liver.mask.shape == volume.shape_zyx and liver.mask.dtype == bool
    expected = _nrrd(dcmqi / "liver_seg.nrrd") == 1
    assert expected.sum() > 100_000
    assert np.array_equal(liver.mask, expected)


def test_overlapping_segments_give_back_their_nrrd_sources(dcmqi, ct3):
    volume, _ = ct3
    segments = read_seg(dcmqi / "partial_overlaps.dcm", volume)
    assert [s.label for s in segments] == ["GREEN", "ORANGE", "PURPLE", "LIGHT_BLUE", "DARK_BLUE"]
    expected = {}
    for index in (1, 2, 3):  # dcmqi's inputs: label value = segment number
        labels = _nrrd(dcmqi / f"partial_overlaps-{index}.nrrd")
        expected.update({int(v): labels == v for v in np.unique(labels) if v})
    assert sorted(expected) == [1, 2, 3, 4, 5]
    for segment in segments:
        assert np.array_equal(segment.mask, expected[segment.number]), segment.label
    assert (segments[0].mask & segments[1].mask).any()  # the point of this file: they overlap


def test_label_overlays_keep_every_overlapping_segment_whole(dcmqi, ct3):
    volume, _ = ct3
    segments = read_seg(dcmqi / "partial_overlaps.dcm", volume)
    overlays = seg_to_label_overlays(segments, name="overlaps")
    assert len(overlays) > 1
    assert [o.name for o in overlays][:2] == ["overlaps", "overlaps (2)"]
    placed = [number for overlay in overlays for number in overlay.info]
    assert sorted(placed) == [1, 2, 3, 4, 5]  # each segment in exactly one layer
    for segment in segments:
        layer = next(o for o in overlays if segment.number in o.info)
        assert np.array_equal(layer.labels == segment.number, segment.mask), segment.label
        assert layer.info[segment.number].name == segment.label
        assert layer.info[segment.number].color == segment.color


@pytest.fixture(scope="module")
def sources(ct3):
    from viewer.export.sources import read_source_images

    return read_source_images(ct3[1], what="a test SEG")


def _highdicom_seg(sources, pixels, kind, names, path, **geometry):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    descriptions = [hd.seg.SegmentDescription(
        segment_number=number, segment_label=name, segmented_property_category=codes.SCT.AnatomicalStructure,
        segmented_property_type=codes.SCT.Organ, algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL)
        for number, name in enumerate(names, start=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seg = hd.seg.Segmentation(sources, pixels, kind, descriptions, series_instance_uid=hd.UID(),
                                  series_number=7, sop_instance_uid=hd.UID(), instance_number=1,
                                  manufacturer="test", manufacturer_model_name="test", software_versions="1",
                                  device_serial_number="1", **geometry)
    seg.save_as(path)
    return path


def test_labelmap_seg_reads_back_each_label(dcmqi, ct3, sources, tmp_path):
    volume, _ = ct3
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    for value, name in ((1, "liver"), (2, "spine"), (3, "heart")):
        labels[_nrrd(dcmqi / f"{name}_seg.nrrd") > 0] = value
    path = _highdicom_seg(sources, labels, "LABELMAP", ["liver", "spine", "heart"], tmp_path / "labelmap.dcm")
    segments = read_seg(path, volume)
    assert [(s.number, s.label) for s in segments] == [(1, "liver"), (2, "spine"), (3, "heart")]
    for segment in segments:
        assert segment.mask.any()
        assert np.array_equal(segment.mask, labels == segment.number), segment.label


def test_fractional_seg_reads_back_its_fractions(dcmqi, ct3, sources, tmp_path):
    volume, _ = ct3
    liver = _nrrd(dcmqi / "liver_seg.nrrd") > 0
    ramp = np.linspace(0.0, 0.2, volume.shape_zyx[2], dtype=np.float32)
    fractions = np.clip(0.75 * liver + ramp, 0.0, 1.0).astype(np.float32)
    path = _highdicom_seg(sources, fractions, "FRACTIONAL", ["liver probability"], tmp_path / "fractional.dcm")
    (segment,) = read_seg(path, volume)
    assert segment.fractional and segment.mask.dtype == np.float32
    stored = np.round(fractions * 255) / 255  # FRACTIONAL stores 0..255
    assert np.allclose(segment.mask, stored, atol=1e-6)
    assert np.array_equal(segment.binary(0.5), (stored >= 0.5)[segment.box])


def test_seg_on_a_coarser_grid_is_resampled_onto_the_image(dcmqi, ct3, sources, tmp_path):
    import highdicom as hd

    volume, _ = ct3
    liver = _nrrd(dcmqi / "liver_seg.nrrd") > 0
    coarse = liver[:, ::2, ::2]  # one SEG pixel covers 2x2 image pixels, centred between them
    half = volume.spacing[0] / 2
    grid = hd.Volume.from_components(
        coarse.astype(np.uint8), spacing=(volume.spacing[2], 2 * volume.spacing[1], 2 * volume.spacing[0]),
        coordinate_system="PATIENT", position=volume.origin + np.array([half, half, 0.0]),
        direction=np.column_stack([volume.direction[:, 2], volume.direction[:, 1], volume.direction[:, 0]]),
        frame_of_reference_uid=sources[0].FrameOfReferenceUID)
    path = _highdicom_seg(sources, grid, "BINARY", ["coarse liver"], tmp_path / "coarse.dcm")
    (segment,) = read_seg(path, volume)
    expected = np.repeat(np.repeat(coarse, 2, axis=1), 2, axis=2)
    assert np.array_equal(segment.mask, expected)


def test_frames_follow_referenced_uids_before_positions(dcmqi, ct3):
    volume, _ = ct3
    expected = _nrrd(dcmqi / "liver_seg.nrrd") == 1
    # Reversed UIDs: a reader that honours the references puts the frames on the reversed slices.
    reversed_uids = _with_uids(volume, volume.provenance.sop_instance_uids[::-1])
    assert np.array_equal(read_seg(dcmqi / "liver.dcm", reversed_uids)[0].mask, expected[::-1])
    # No UIDs at all (as in the TotalSegmentator CT): positions place them.
    no_uids = _with_uids(volume, [""] * volume.shape_zyx[0])
    assert np.array_equal(read_seg(dcmqi / "liver.dcm", no_uids)[0].mask, expected)


def test_seg_of_another_image_is_refused(dcmqi, ct3):
    volume, _ = ct3
    elsewhere = dataclasses.replace(volume, provenance=Provenance(frame_of_reference_uid="1.2.3.4"))
    with pytest.raises(ObjectError, match="frame of reference"):
        read_seg(dcmqi / "liver.dcm", elsewhere)


def test_outpost_seg_reads_back_its_labels(dcmqi, ct3, tmp_path):
    from viewer.export.seg import write_seg

    volume, files = ct3
    labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
    labels[_nrrd(dcmqi / "liver_seg.nrrd") > 0] = 6
    labels[_nrrd(dcmqi / "spine_seg.nrrd") > 0] = 9
    path = write_seg(labels, files, {6: "liver", 9: "spine"}, tmp_path / "outpost.dcm",
                     algorithm_name="test", algorithm_version="1")
    segments = read_seg(path, volume)
    assert [(s.number, s.label) for s in segments] == [(1, "liver"), (2, "spine")]
    assert np.array_equal(segments[0].mask, labels == 6)
    assert np.array_equal(segments[1].mask, labels == 9)
    (overlay,) = seg_to_label_overlays(segments)
    assert np.array_equal(overlay.labels, np.select([labels == 6, labels == 9], [1, 2], 0))


def test_images_and_other_objects_are_refused(dcmqi, ct3, shared_data):
    volume, files = ct3
    with pytest.raises(ObjectError, match="not a DICOM SEG"):
        read_seg(files[0], volume)
    with pytest.raises(ObjectError, match="not a DICOM SEG"):
        read_seg(shared_data / "ct_rt_dicompyler_example" / "rtss.dcm", volume)
    with pytest.raises(ObjectError, match="not a RT Structure Set|not a RT|not an RT|RT Structure Set"):
        read_rtstruct(dcmqi / "liver.dcm", volume)
    with pytest.raises(ObjectError, match="not a DICOM file"):
        read_seg(dcmqi / "liver_seg.nrrd", volume)


# --------------------------------------------------------------------------- RTSTRUCT
@pytest.fixture(scope="module")
def rt_example(shared_data):
    folder = shared_data / "ct_rt_dicompyler_example"
    return load_series(scan(folder / "ct.0.dcm").series[0]), folder / "rtss.dcm"


def _filled(contours, shape) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for contour in contours:
        mask |= roi_mask(shape, "freehand", [(y, x) for x, y in contour.points])
    return mask


def test_rtstruct_contours_land_on_their_ct_slice(rt_example):
    volume, path = rt_example
    rois = read_rtstruct(path, volume)
    assert [r.name for r in rois] == ["BODY", "Areola", "Borders", "Breast", "Heart", "Lt Lung", "Nodes",
                                      "Scar", "Tumor Bed", "Tumor Bed Block"]
    body = rois[0]
    assert body.interpreted_type == "EXTERNAL" and body.color == (154, 155, 100)
    # 141 BODY contours in the file, 4 of them on this CT's slice (z = 168.56 mm).
    assert len(body.contours) == 4 and body.outside == 137
    assert all(r.contours == [] for r in rois[1:])  # drawn on slices this one-slice CT lacks
    assert sum(r.outside for r in rois[1:]) == 2 + 48 + 33 + 165 + 4 + 6 + 18 + 24
    rows, columns = volume.shape_zyx[1:]
    for contour in body.contours:
        assert contour.z == 0 and contour.geometric_type == "CLOSED_PLANAR"
        x, y = contour.points[:, 0], contour.points[:, 1]
        assert x.min() >= 0 and y.min() >= 0 and x.max() < columns and y.max() < rows


def test_body_contour_encloses_the_patient(rt_example):
    volume, path = rt_example
    body = read_rtstruct(path, volume)[0]
    image = volume.array[0]
    tissue = image > -500
    inside = _filled(body.contours, image.shape)
    assert (inside & tissue).sum() / tissue.sum() > 0.85  # the rest is the couch and an arm rest
    assert (inside & tissue).sum() / inside.sum() > 0.97
    assert image[inside].mean() > -200 and image[~inside].mean() < -800
    # The same contours moved by 20 pixels no longer fit: the mapping is what makes them fit.
    shifted = [dataclasses.replace(c, points=c.points + [20.0, 0.0]) for c in body.contours]
    assert (_filled(shifted, image.shape) & ~tissue).sum() > 10 * (inside & ~tissue).sum()


def test_rtstruct_placed_by_position_without_uids(rt_example):
    volume, path = rt_example
    by_uid = read_rtstruct(path, volume)[0]
    by_position = read_rtstruct(path, _with_uids(volume, [""]))[0]
    assert len(by_position.contours) == 4
    for a, b in zip(by_uid.contours, by_position.contours, strict=True):
        assert a.z == b.z and np.allclose(a.points, b.points)


def test_rtstruct_in_another_frame_of_reference_is_refused(rt_example):
    volume, path = rt_example
    elsewhere = dataclasses.replace(volume, provenance=Provenance(frame_of_reference_uid="1.2.3.4"))
    with pytest.raises(ObjectError, match="another frame of reference"):
        read_rtstruct(path, elsewhere)


def test_contour_overlay_draws_the_body_on_its_slice(rt_example):
    volume, path = rt_example
    rois = read_rtstruct(path, volume)
    overlay = rtstruct_to_contour_overlay(rois, volume)
    assert overlay.shape_zyx == volume.shape_zyx
    assert overlay.info[1].name == "BODY" and overlay.info[1].color == (154, 155, 100)
    on_slice = overlay.on_plane(2, 0)
    assert len(on_slice) == 4 and all(info.name == "BODY" for info, _ in on_slice)
    assert overlay.on_plane(2, 1) == []

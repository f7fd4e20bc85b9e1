"""Read the DICOM objects that annotate an image: Segmentations (SEG) and RT Structure Sets.

Both are placed on the grid of the image they annotate, a loaded
:class:`~viewer.core.volume.Volume`. A SEG frame or an RT contour is matched to
a slice by the SOP Instance UID it references where the volume knows that UID
once (``volume.provenance.sop_instance_uids``), and otherwise by its position
in the patient frame (``ImagePositionPatient`` and plane orientation). A SEG
whose frames lie on another grid (other pixel spacing, slices between the
image's) is resampled onto the image's grid once, with
:func:`~viewer.core.overlays.resample_to_grid`.

Overlapping segments
--------------------
A SEG may give one voxel to several segments. :func:`seg_to_label_overlays`
keeps every segment whole: segments are packed, in segment-number order, into
as few :class:`~viewer.core.overlays.LabelOverlay` layers as possible, and a
segment goes into a new layer when it overlaps a segment already in each
existing one. The label value of a segment is its segment number in every
layer, so no voxel of any segment is lost or reassigned.

Versions of a segmentation
--------------------------
A study may hold a model's SEG and readers' edits of it (:func:`viewer.export.seg.write_edited_seg`).
:func:`read_seg_provenance` reads from a SEG's header who or what made it, when, each segment's
algorithm type and the SEG it was derived from; :func:`seg_version_labels` names each version
(``"AI: Demo liver 1.0 (2026-12-07 08:10)"``, ``"Edited by jdoe (2026-12-07 09:30) from AI: ..."``).
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from viewer.core.dicom.headers import FrameInfo, NotDicomError, read_header, sop_class_name
from viewer.core.dicom.sources import Source
from viewer.core.display import label_color
from viewer.core.errors import ObjectError, OutpostError
from viewer.core.overlays import ContourOverlay, LabelInfo, LabelOverlay, resample_to_grid
from viewer.core.text import printable
from viewer.core.volume import Volume

if TYPE_CHECKING:  # pydicom is imported where a file is read
    from pydicom.dataset import Dataset, FileDataset

    from viewer.core.dicom.headers import InstanceRecord

SEG_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.66.4": "Segmentation Storage",
    "1.2.840.10008.5.1.4.1.1.66.7": "Label Map Segmentation Storage",
}
RTSTRUCT_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
SEGMENTATION_TYPES = ("BINARY", "FRACTIONAL", "LABELMAP")

#: A SEG frame is on an image slice when its offsets are within this fraction of a voxel.
ON_GRID_TOLERANCE = 0.1
#: An RT contour belongs to the nearest slice when it is within this fraction of a slice step.
CONTOUR_TOLERANCE = 0.5
#: Frames closer than this along their normal share a plane (mm).
PLANE_TOLERANCE_MM = 0.01


# --------------------------------------------------------------------------- results
@dataclass
class Segment:
    """One segment of a DICOM SEG on the image's grid.

    The voxels are kept only inside the segment's bounding box (a 117-segment
    SEG on a 512x512x300 CT would take 9 GB as full masks); :attr:`mask` gives
    the full ``[z, y, x]`` array on demand.

    Attributes
    ----------
    number
        SegmentNumber.
    label
        SegmentLabel.
    color
        RecommendedDisplayCIELabValue as RGB, or ``None`` where the SEG gives none.
    fractional
        Whether :attr:`data` holds fractions in ``[0, 1]`` (FRACTIONAL SEG,
        float32) rather than membership (BINARY or LABELMAP SEG, bool).
    shape_zyx
        The image grid.
    offset_zyx
        Where :attr:`data` starts on the image grid.
    data
        The voxels inside the bounding box (empty for an empty segment).
    description, category, property_type, algorithm
        SegmentDescription, the meanings of the segmented property category and
        type codes, and SegmentAlgorithmName (empty where absent).
    algorithm_type
        SegmentAlgorithmType: ``AUTOMATIC``, ``SEMIAUTOMATIC`` or ``MANUAL`` (empty where absent).
    """

    number: int
    label: str
    color: tuple[int, int, int] | None
    fractional: bool
    shape_zyx: tuple[int, int, int]
    offset_zyx: tuple[int, int, int]
    data: np.ndarray
    description: str = ""
    category: str = ""
    property_type: str = ""
    algorithm: str = ""
    algorithm_type: str = ""

    @property
    def box(self) -> tuple[slice, slice, slice]:
        """The bounding box of :attr:`data` on the image grid."""
        return cast(tuple[slice, slice, slice],
                    tuple(slice(o, o + n) for o, n in zip(self.offset_zyx, self.data.shape, strict=True)))

    @property
    def mask(self) -> np.ndarray:
        """The full ``[z, y, x]`` mask: bool, or float32 fractions for a FRACTIONAL SEG."""
        full = np.zeros(self.shape_zyx, dtype=self.data.dtype)
        full[self.box] = self.data
        return full

    def binary(self, threshold: float = 0.5) -> np.ndarray:
        """:attr:`data` as membership: fractions at or above ``threshold`` count as inside."""
        return self.data >= threshold if self.fractional else self.data.astype(bool, copy=False)


@dataclass
class Contour:
    """One contour of an RT ROI on an image slice.

    Attributes
    ----------
    z
        The slice index in the volume.
    points
        ``(N, 2)`` continuous voxel coordinates ``(x, y)`` (column, row) of the
        slice; voxel centres are integers.
    geometric_type
        ContourGeometricType (``CLOSED_PLANAR``, ``OPEN_PLANAR``, ``POINT``, ...).
    """

    z: int
    points: np.ndarray
    geometric_type: str = "CLOSED_PLANAR"


@dataclass
class StructureRoi:
    """An ROI of an RT Structure Set, with its contours on the image's slices.

    Attributes
    ----------
    number, name
        ROINumber and ROIName.
    color
        ROIDisplayColor, or ``None``.
    interpreted_type
        RTROIInterpretedType (``EXTERNAL``, ``ORGAN``, ``PTV``, ...), or empty.
    contours
        The contours that lie on a slice of the volume.
    outside
        How many contours lie on no slice of the volume (structure sets often
        cover more slices than were loaded).
    """

    number: int
    name: str
    color: tuple[int, int, int] | None
    interpreted_type: str = ""
    contours: list[Contour] = field(default_factory=list)
    outside: int = 0


# --------------------------------------------------------------------------- image slices
class _ImageSlices:
    """Where the slices of a volume are, for matching by UID or by position."""

    def __init__(self, volume: Volume) -> None:
        self.shape = volume.shape_zyx
        size_z = self.shape[0]
        direction = volume.direction / np.linalg.norm(volume.direction, axis=0)
        self.row, self.col = direction[:, 0], direction[:, 1]
        normal = np.cross(self.row, self.col)
        self.normal = normal / (np.linalg.norm(normal) or 1.0)
        self.spacing = volume.spacing
        self.step = float(volume.spacing[2] * abs(direction[:, 2] @ self.normal)) or 1.0
        positions = volume.provenance.slice_positions
        if positions is None or len(positions) != size_z:
            positions = volume.index_to_physical(
                np.column_stack([np.zeros(size_z), np.zeros(size_z), np.arange(size_z)]))
        self.positions = np.asarray(positions, dtype=np.float64)
        self.heights = self.positions @ self.normal
        uids = volume.provenance.sop_instance_uids
        counts = Counter(uids)
        # An enhanced (multi-frame) image references one UID for all slices: position decides.
        self.by_uid = {uid: index % size_z for index, uid in enumerate(uids) if uid and counts[uid] == 1}

    def slice_of(self, uids: list[str]) -> int | None:
        """The slice of the first referenced UID that the volume holds once."""
        return next((self.by_uid[uid] for uid in uids if uid in self.by_uid), None)

    def nearest(self, points: np.ndarray) -> tuple[int, float]:
        """The slice nearest to LPS ``points`` ``(N, 3)``, and their largest distance in slice steps."""
        heights = points @ self.normal
        z = int(np.argmin(np.abs(self.heights - heights.mean())))
        return z, float(np.max(np.abs(heights - self.heights[z]))) / self.step

    def in_plane(self, points: np.ndarray, z: int) -> np.ndarray:
        """Continuous ``(x, y)`` voxel coordinates of LPS ``points`` ``(N, 3)`` in slice ``z``."""
        relative = points - self.positions[z]
        return np.column_stack([relative @ self.row / self.spacing[0], relative @ self.col / self.spacing[1]])

    def same_plane_geometry(self, frame: FrameInfo) -> bool:
        """Whether a frame has the image's row and column directions and pixel spacing."""
        orientation = np.asarray(frame.orientation, dtype=np.float64)
        row = orientation[:3] / (np.linalg.norm(orientation[:3]) or 1.0)
        col = orientation[3:] / (np.linalg.norm(orientation[3:]) or 1.0)
        spacing = frame.pixel_spacing or (self.spacing[1], self.spacing[0])
        return (np.allclose(row, self.row, atol=1e-4) and np.allclose(col, self.col, atol=1e-4)
                and np.allclose((spacing[1], spacing[0]), self.spacing[:2], rtol=1e-4, atol=1e-5))


# --------------------------------------------------------------------------- reading helpers
def _read(path: str | os.PathLike[str], kinds: dict[str, str] | set[str], what: str
          ) -> tuple[str, InstanceRecord, FileDataset]:
    """The header record and full dataset of ``path``, which must be one of ``kinds``."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    name = os.path.basename(os.fspath(path))
    try:
        record = read_header(Source(os.path.abspath(os.fspath(path))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
    except NotDicomError as e:
        raise ObjectError(f"{name}: {e}") from e
    except (InvalidDicomError, OSError, ValueError, EOFError) as e:
        raise ObjectError(f"{name}: not a readable DICOM file ({e})") from e
    if record.sop_class_uid not in kinds:
        raise ObjectError(f"{name} is not a {what} ({sop_class_name(record.sop_class_uid)})")
    return name, record, ds


def _first(owner: Dataset | None, keyword: str) -> Dataset | None:
    sequence = owner.get(keyword) if owner is not None else None
    item: Dataset | None = sequence[0] if sequence else None
    return item


def _meaning(owner: Dataset | None, keyword: str) -> str:
    item = _first(owner, keyword)
    return str(item.get("CodeMeaning", "")) if item is not None else ""


def _lab_to_rgb(value: Any) -> tuple[int, int, int] | None:
    from highdicom.color import CIELabColor

    if value is None or len(value) != 3:
        return None
    try:
        return cast(tuple[int, int, int],
                    tuple(int(v) for v in CIELabColor.from_dicom_value(tuple(int(v) for v in value)).to_rgb()))
    except (ValueError, TypeError):
        return None


def _referenced_uids(group: Dataset | None) -> list[str]:
    """ReferencedSOPInstanceUIDs of a functional group's DerivationImageSequence."""
    uids = []
    for derivation in (group.get("DerivationImageSequence") or []) if group is not None else []:
        for source in derivation.get("SourceImageSequence") or []:
            uid = str(source.get("ReferencedSOPInstanceUID", "") or "")
            if uid:
                uids.append(uid)
    return uids


def _frames_of(ds: Dataset, record: InstanceRecord) -> np.ndarray:
    """The SEG's frames as ``(frames, rows, columns)`` stored values."""
    from viewer.core.dicom.pixels import check_decodable

    if record.transfer_syntax:
        check_decodable(record.transfer_syntax)
    try:
        frames = ds.pixel_array
    except (ValueError, TypeError, AttributeError, NotImplementedError, RuntimeError) as e:
        raise ObjectError(f"cannot decode the SEG's frames ({e})") from e
    stacked: np.ndarray = frames.reshape(record.number_of_frames, record.rows, record.columns)
    return stacked


# --------------------------------------------------------------------------- SEG
def read_seg(path: str | os.PathLike[str], volume: Volume) -> list[Segment]:
    """Read a DICOM SEG and place each segment on ``volume``'s grid.

    Parameters
    ----------
    path
        A Segmentation Storage (BINARY or FRACTIONAL) or Label Map Segmentation
        Storage file; single or multi-frame, compressed where a decoder is installed.
    volume
        The loaded image the SEG annotates (its referenced series).

    Returns
    -------
    list of Segment
        In SegmentSequence order, each with its voxels on the image grid;
        segments may overlap. A LABELMAP's background (segment 0) is not one of them.

    Raises
    ------
    ObjectError
        The file is not a SEG; it references none of the image's slices and lies in
        another frame of reference; or its frames fit neither the image's slices
        nor a regular grid of their own that can be resampled onto them.
    """
    name, record, ds = _read(path, SEG_SOP_CLASSES, "DICOM SEG")
    seg_type = str(ds.get("SegmentationType", "")).upper()
    if seg_type not in SEGMENTATION_TYPES:
        raise ObjectError(f"{name}: unknown SegmentationType {seg_type!r}")
    # Segment 0 can only be a LABELMAP's background (highdicom describes it as such).
    descriptions = {int(item.SegmentNumber): item for item in ds.get("SegmentSequence") or []
                    if int(item.SegmentNumber) != 0}
    if not descriptions:
        raise ObjectError(f"{name}: the SEG describes no segments")
    frames = _frames_of(ds, record)
    shared = _first(ds, "SharedFunctionalGroupsSequence")
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []

    def group(index: int) -> Dataset | None:
        return per_frame[index] if index < len(per_frame) else None

    # Which segment each frame holds (a LABELMAP frame holds all of them).
    frame_segments: list[list[int]] = []
    for index in range(len(frames)):
        if seg_type == "LABELMAP":
            frame_segments.append(sorted(descriptions))
            continue
        item = _first(group(index), "SegmentIdentificationSequence") or _first(
            shared, "SegmentIdentificationSequence")
        if item is None:
            raise ObjectError(f"{name}: frame {index + 1} names no segment")
        frame_segments.append([int(item.ReferencedSegmentNumber)])
    references = [_referenced_uids(group(i)) or _referenced_uids(shared) for i in range(len(frames))]

    slices = _ImageSlices(volume)
    if (record.frame_of_reference_uid and volume.provenance.frame_of_reference_uid
            and record.frame_of_reference_uid != volume.provenance.frame_of_reference_uid
            and all(slices.slice_of(uids) is None for uids in references)):
        raise ObjectError(f"{name} segments another image: its frame of reference is not the image's")
    places = _places_on_image(record.frames, references, slices, record.rows, record.columns)
    maximum = float(ds.get("MaximumFractionalValue", 255) or 255)

    def values(frame: np.ndarray, number: int) -> np.ndarray:
        if seg_type == "LABELMAP":
            held: np.ndarray = frame == number
            return held
        if seg_type == "FRACTIONAL":
            return frame.astype(np.float32) / np.float32(maximum)
        return frame.astype(bool)

    segments = []
    for number, item in descriptions.items():
        owned = [i for i, numbers in enumerate(frame_segments) if number in numbers]
        planes = [(i, values(frames[i], number)) for i in owned]
        if places is not None:
            data, offset = _assemble_on_image([(places[i], plane) for i, plane in planes], slices.shape,
                                              fractional=seg_type == "FRACTIONAL")
        else:
            data, offset = _assemble_resampled(planes, record, volume, fractional=seg_type == "FRACTIONAL",
                                               name=name)
        segments.append(Segment(
            number=number, label=str(item.get("SegmentLabel", "") or f"segment {number}"),
            color=_lab_to_rgb(item.get("RecommendedDisplayCIELabValue")), fractional=seg_type == "FRACTIONAL",
            shape_zyx=slices.shape, offset_zyx=offset, data=data,
            description=str(item.get("SegmentDescription", "") or ""),
            category=_meaning(item, "SegmentedPropertyCategoryCodeSequence"),
            property_type=_meaning(item, "SegmentedPropertyTypeCodeSequence"),
            algorithm=str(item.get("SegmentAlgorithmName", "") or ""),
            algorithm_type=str(item.get("SegmentAlgorithmType", "") or "").upper()))
    return segments


def _places_on_image(frames: list[FrameInfo], references: list[list[str]], slices: _ImageSlices,
                     rows: int, columns: int) -> list[tuple[int, int, int]] | None:
    """``(z, y0, x0)`` of each frame on the image grid, or ``None`` when a frame is off it."""
    places = []
    for frame, uids in zip(frames, references, strict=True):
        z = slices.slice_of(uids)
        if frame.position is None or frame.orientation is None:
            if z is None:
                raise ObjectError(f"frame {frame.index + 1} has neither a known source image nor a position")
            if (rows, columns) != slices.shape[1:]:
                return None
            places.append((z, 0, 0))
            continue
        if not slices.same_plane_geometry(frame):
            return None
        position = np.asarray(frame.position, dtype=np.float64)[np.newaxis]
        if z is None:
            z, distance = slices.nearest(position)
            if distance > ON_GRID_TOLERANCE:
                return None
        x0, y0 = slices.in_plane(position, z)[0]
        if max(abs(x0 - round(x0)), abs(y0 - round(y0))) > ON_GRID_TOLERANCE:
            return None
        places.append((z, int(round(y0)), int(round(x0))))
    return places


def _crop(data: np.ndarray, offset: tuple[int, int, int],
          nonzero: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int]]:
    """``data`` cut to the bounding box of ``nonzero``."""
    if not nonzero.any():
        return np.zeros((0, 0, 0), dtype=data.dtype), (0, 0, 0)
    box = []
    for axis in range(3):
        present = np.flatnonzero(nonzero.any(axis=tuple(a for a in range(3) if a != axis)))
        box.append(slice(int(present[0]), int(present[-1]) + 1))
    corner = cast(tuple[int, int, int], tuple(o + b.start for o, b in zip(offset, box, strict=True)))
    return data[tuple(box)].copy(), corner


def _assemble_on_image(planes: list[tuple[tuple[int, int, int], np.ndarray]], shape: tuple[int, int, int],
                       *, fractional: bool) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Paste frames at their places, within the bounding box of what they hold."""
    dtype = np.float32 if fractional else bool
    boxes = []
    for (z, y0, x0), plane in planes:
        if not 0 <= z < shape[0]:
            continue
        ys, xs = np.nonzero(plane)
        if ys.size:
            boxes.append((z, z, y0 + ys.min(), y0 + ys.max(), x0 + xs.min(), x0 + xs.max()))
    if not boxes:
        return np.zeros((0, 0, 0), dtype=dtype), (0, 0, 0)
    low = np.maximum(np.min(boxes, axis=0)[[0, 2, 4]], 0)
    high = np.minimum(np.max(boxes, axis=0)[[1, 3, 5]] + 1, shape)
    data = np.zeros(tuple(int(v) for v in high - low), dtype=dtype)
    for (z, y0, x0), plane in planes:
        if not low[0] <= z < high[0]:
            continue
        # The part of the frame inside the box, and where it goes.
        ty0, tx0 = max(y0, low[1]), max(x0, low[2])
        ty1, tx1 = min(y0 + plane.shape[0], high[1]), min(x0 + plane.shape[1], high[2])
        if ty1 <= ty0 or tx1 <= tx0:
            continue
        target = data[z - low[0], ty0 - low[1]:ty1 - low[1], tx0 - low[2]:tx1 - low[2]]
        np.maximum(target, plane[ty0 - y0:ty1 - y0, tx0 - x0:tx1 - x0], out=target)
    return _crop(data, cast(tuple[int, int, int], tuple(int(v) for v in low)), data > 0)


def _seg_grid(frames: list[FrameInfo], name: str) -> tuple[dict[str, Any], list[int]]:
    """The geometry of the regular grid the SEG's frames lie on, and each frame's slice in it."""
    if any(f.position is None or f.orientation is None for f in frames):
        raise ObjectError(f"{name}: frames without position are not on the image's grid")
    orientations = np.array([f.orientation for f in frames], dtype=np.float64)
    if np.ptp(orientations, axis=0).max() > 1e-4:
        raise ObjectError(f"{name}: frames in several orientations cannot be placed on the image")
    row = orientations[0, :3] / np.linalg.norm(orientations[0, :3])
    col = orientations[0, 3:] / np.linalg.norm(orientations[0, 3:])
    normal = np.cross(row, col)
    normal /= np.linalg.norm(normal)
    spacing_row, spacing_col = frames[0].pixel_spacing or (1.0, 1.0)
    positions = np.array([f.position for f in frames], dtype=np.float64)
    heights = positions @ normal
    in_plane = (positions - positions[0]) - np.outer(heights - heights[0], normal)
    if np.abs(in_plane).max() > PLANE_TOLERANCE_MM * 10:
        raise ObjectError(f"{name}: frames shifted within their plane cannot be resampled onto the image")
    planes = np.unique(np.round(heights / PLANE_TOLERANCE_MM)) * PLANE_TOLERANCE_MM
    if len(planes) > 1:
        step = float(np.min(np.diff(planes)))
        counts = (planes - planes[0]) / step
        if np.abs(counts - np.round(counts)).max() > ON_GRID_TOLERANCE:
            raise ObjectError(f"{name}: the SEG's frames are not evenly spaced, so they cannot be resampled")
    else:
        step = float(frames[0].slice_thickness or 1.0)
    geometry = {"origin": positions[0] + (planes[0] - heights[0]) * normal,
                "spacing": (spacing_col, spacing_row, step), "direction": np.column_stack([row, col, normal])}
    return geometry, [int(round((h - planes[0]) / step)) for h in heights]


def _assemble_resampled(planes: list[tuple[int, np.ndarray]], record: InstanceRecord, volume: Volume, *,
                        fractional: bool, name: str) -> tuple[np.ndarray, tuple[int, int, int]]:
    """Stack frames on the SEG's own grid and resample them onto the image's grid."""
    geometry, index = _seg_grid(record.frames, name)
    stack = np.zeros((max(index) + 1, record.rows, record.columns), dtype=np.float32 if fractional else np.uint8)
    for i, plane in planes:
        np.maximum(stack[index[i]], plane, out=stack[index[i]], casting="unsafe")
    try:
        resampled = resample_to_grid(stack, Volume(array=stack, **geometry), volume, nearest=not fractional)
    except OutpostError as e:
        raise ObjectError(f"{name}: {e}") from e
    data = resampled.astype(np.float32 if fractional else bool)
    return _crop(data, (0, 0, 0), data > 0)


def seg_to_label_overlays(segments: list[Segment], *, threshold: float = 0.5,
                          name: str = "SEG") -> list[LabelOverlay]:
    """Label overlays that show every segment whole, overlaps included.

    Segments are packed in segment-number order into as few layers as possible:
    a segment joins the first layer where it overlaps no segment already there,
    or starts a new layer. Each label value is the segment number, so it means
    the same segment in every layer. Fractions at or above ``threshold`` count
    as inside.

    Parameters
    ----------
    segments
        From :func:`read_seg`, all on one grid.
    threshold
        For FRACTIONAL segments.
    name
        The overlays are named ``name``, then ``name (2)``, ``name (3)``, ...

    Returns
    -------
    list of LabelOverlay
        One overlay when no segments overlap; empty when there are no segments.
    """
    if not segments:
        return []
    shape = segments[0].shape_zyx
    dtype = np.uint8 if max(s.number for s in segments) <= 255 else np.uint16
    layers: list[tuple[np.ndarray, list[Segment]]] = []
    for segment in sorted(segments, key=lambda s: s.number):
        inside = segment.binary(threshold)
        layer = next((layer for layer in layers if not np.any(layer[0][segment.box][inside])), None)
        if layer is None:
            layer = (np.zeros(shape, dtype=dtype), [])
            layers.append(layer)
        labels, members = layer
        labels[segment.box][inside] = segment.number
        members.append(segment)
    overlays = []
    for index, (labels, members) in enumerate(layers):
        overlays.append(LabelOverlay.from_names(
            labels, names={s.number: s.label for s in members},
            colors={s.number: s.color for s in members if s.color is not None},
            present=[s.number for s in members], name=name if index == 0 else f"{name} ({index + 1})"))
    return overlays


# --------------------------------------------------------------------------- SEG versions
@dataclass(frozen=True)
class SegReference:
    """A SEG that another SEG was derived from, as the derived one references it.

    Attributes
    ----------
    sop_class_uid, sop_instance_uid
        The referenced SEG.
    series_instance_uid, study_instance_uid
        Its series and study, where the Common Instance Reference module names them (else empty).
    """

    sop_class_uid: str
    sop_instance_uid: str
    series_instance_uid: str = ""
    study_instance_uid: str = ""


@dataclass(frozen=True)
class SegAlgorithm:
    """An algorithm a SEG's segments name (SegmentationAlgorithmIdentificationSequence or SegmentAlgorithmName).

    Attributes
    ----------
    name, version
        AlgorithmName (or SegmentAlgorithmName) and AlgorithmVersion (empty where absent).
    ai
        Whether its family is *Artificial Intelligence* (DCM 123110).
    parameters
        AlgorithmParameters (Outpost writes the pack's ``sha256=...`` there).
    """

    name: str
    version: str = ""
    ai: bool = False
    parameters: str = ""

    @property
    def checksum(self) -> str:
        """The ``sha256=...`` value of :attr:`parameters` (the pack's checksum), or empty."""
        for part in self.parameters.split(","):
            key, _, value = part.partition("=")
            if key.strip().lower() == "sha256":
                return value.strip()
        return ""


@dataclass(frozen=True)
class SegProvenance:
    """Who or what made a SEG, when, and what it was derived from: what tells its versions apart.

    Attributes
    ----------
    sop_instance_uid, series_instance_uid, study_instance_uid, sop_class_uid
        The SEG's UIDs.
    series_number, series_description
        SeriesNumber (``None`` where absent) and SeriesDescription.
    content_creator
        ContentCreatorName as text (PN components joined by spaces); empty where absent.
    content_datetime
        ContentDate and ContentTime (naive, as written), or ``None``.
    algorithm_types
        Segment number to SegmentAlgorithmType.
    algorithms
        The algorithms its segments name, once each, in segment order.
    derived_from
        The SEGs it was derived from (SourceImageSequence items that are SEGs).
    derivation_description
        DerivationDescription.
    edited
        Whether it is an edit of another segmentation (it references one, or its
        DerivationCodeSequence says *Volume editing*).
    """

    sop_instance_uid: str
    series_instance_uid: str
    study_instance_uid: str
    sop_class_uid: str
    series_number: int | None
    series_description: str
    content_creator: str
    content_datetime: dt.datetime | None
    algorithm_types: dict[int, str]
    algorithms: tuple[SegAlgorithm, ...]
    derived_from: tuple[SegReference, ...]
    derivation_description: str
    edited: bool


#: DerivationCodeSequence's code (CID 7203) for an edit of a segmentation.
VOLUME_EDITING_CODE = ("113077", "DCM", "Volume editing")
#: AlgorithmFamilyCodeSequence's code (CID 7162) for artificial intelligence.
AI_FAMILY_CODE = ("123110", "DCM")


def _code(item: Dataset) -> tuple[str, str]:
    return str(item.get("CodeValue", "") or ""), str(item.get("CodingSchemeDesignator", "") or "")


def _content_datetime(ds: Dataset) -> dt.datetime | None:
    """ContentDate + ContentTime (``HHMMSS.FFFFFF``, trailing parts optional), or ``None``."""
    date, time = str(ds.get("ContentDate", "") or "").strip(), str(ds.get("ContentTime", "") or "").strip()
    try:
        day = dt.datetime.strptime(date, "%Y%m%d")
    except ValueError:
        return None
    digits = time.split(".")[0].replace(":", "")
    if not digits.isdigit() or len(digits) % 2:
        return day
    parts = [int(digits[i:i + 2]) for i in range(0, min(len(digits), 6), 2)]
    try:
        fields: dict[str, Any] = dict(zip(("hour", "minute", "second"), parts, strict=False))
        return day.replace(**fields)
    except ValueError:
        return day


def _algorithms(items: Iterable[Dataset]) -> tuple[SegAlgorithm, ...]:
    found: list[SegAlgorithm] = []
    for item in items:
        identification = _first(item, "SegmentationAlgorithmIdentificationSequence")
        if identification is not None:
            family = _first(identification, "AlgorithmFamilyCodeSequence")
            algorithm = SegAlgorithm(
                name=str(identification.get("AlgorithmName", "") or ""),
                version=str(identification.get("AlgorithmVersion", "") or ""),
                ai=family is not None and _code(family) == AI_FAMILY_CODE,
                parameters=str(identification.get("AlgorithmParameters", "") or ""))
        elif item.get("SegmentAlgorithmName"):
            algorithm = SegAlgorithm(name=str(item.SegmentAlgorithmName))
        else:
            continue
        if algorithm.name and algorithm not in found:
            found.append(algorithm)
    return tuple(found)


def _derived_from(ds: Dataset) -> tuple[SegReference, ...]:
    """The SEGs in SourceImageSequence, with their series and study from the Common Instance Reference module."""
    where: dict[str, tuple[str, str]] = {}
    study_uid = str(ds.get("StudyInstanceUID", "") or "")
    studies = [(study_uid, ds)] + [(str(s.get("StudyInstanceUID", "") or ""), s)
                                   for s in ds.get("StudiesContainingOtherReferencedInstancesSequence") or []]
    for study, owner in studies:
        for series in owner.get("ReferencedSeriesSequence") or []:
            for instance in series.get("ReferencedInstanceSequence") or []:
                where[str(instance.get("ReferencedSOPInstanceUID", ""))] = (
                    str(series.get("SeriesInstanceUID", "") or ""), study)
    references = []
    for item in ds.get("SourceImageSequence") or []:
        sop_class = str(item.get("ReferencedSOPClassUID", "") or "")
        uid = str(item.get("ReferencedSOPInstanceUID", "") or "")
        if sop_class in SEG_SOP_CLASSES and uid:
            series, study = where.get(uid, ("", ""))
            references.append(SegReference(sop_class, uid, series, study))
    return tuple(references)


def seg_provenance(ds: Dataset) -> SegProvenance:
    """The provenance of a SEG from its header (a pydicom Dataset; pixel data not needed).

    Raises
    ------
    ObjectError
        ``ds`` is not a SEG.
    """
    if str(ds.get("SOPClassUID", "")) not in SEG_SOP_CLASSES:
        raise ObjectError(f"not a DICOM SEG ({sop_class_name(str(ds.get('SOPClassUID', '')))})")
    items = [item for item in ds.get("SegmentSequence") or [] if int(item.get("SegmentNumber", 0) or 0) != 0]
    creator = ds.get("ContentCreatorName")
    number = ds.get("SeriesNumber")
    derived = _derived_from(ds)
    return SegProvenance(
        sop_instance_uid=str(ds.get("SOPInstanceUID", "") or ""),
        series_instance_uid=str(ds.get("SeriesInstanceUID", "") or ""),
        study_instance_uid=str(ds.get("StudyInstanceUID", "") or ""),
        sop_class_uid=str(ds.SOPClassUID),
        series_number=int(number) if number not in (None, "") else None,
        series_description=str(ds.get("SeriesDescription", "") or ""),
        content_creator=" ".join(str(creator or "").replace("=", " ").replace("^", " ").split()),
        content_datetime=_content_datetime(ds),
        algorithm_types={int(item.SegmentNumber): str(item.get("SegmentAlgorithmType", "") or "").upper()
                         for item in items},
        algorithms=_algorithms(items),
        derived_from=derived,
        derivation_description=str(ds.get("DerivationDescription", "") or ""),
        edited=bool(derived) or any(_code(c) == VOLUME_EDITING_CODE[:2]
                                    for c in ds.get("DerivationCodeSequence") or []))


def read_seg_provenance(path: str | os.PathLike[str]) -> SegProvenance:
    """Read a SEG's header (not its frames) and give its provenance (:func:`seg_provenance`).

    Raises
    ------
    ObjectError
        The file is not a readable DICOM SEG.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    name = os.path.basename(os.fspath(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, ValueError, EOFError) as e:
        raise ObjectError(f"{name}: not a readable DICOM file ({e})") from e
    try:
        return seg_provenance(ds)
    except ObjectError as e:
        raise ObjectError(f"{name} is {e}") from e


def _when(provenance: SegProvenance) -> str:
    when = provenance.content_datetime
    return f" ({when:%Y-%m-%d %H:%M})" if when is not None else ""


def _what(provenance: SegProvenance) -> str:
    """What made an unedited SEG: ``AI: name version``, or its description (and creator)."""
    ai = [a for a in provenance.algorithms if a.ai]
    if ai and not provenance.content_creator:
        return "AI: " + ", ".join(printable(f"{a.name} {a.version}".strip(), 80) for a in ai)
    what = printable(provenance.series_description, 80) or (
        ", ".join(printable(a.name, 80) for a in provenance.algorithms) or "Segmentation")
    return f"{what} by {printable(provenance.content_creator, 80)}" if provenance.content_creator else what


def seg_version_label(seg: SegProvenance | Dataset, others: Mapping[str, SegProvenance] | None = None) -> str:
    """A label that tells a SEG's versions apart, for the list of a study's segmentations.

    ``"AI: Demo liver 1.0 (2026-12-07 08:10)"`` for a model's result;
    ``"Edited by jdoe (2026-12-07 09:30) from AI: Demo liver 1.0 (2026-12-07 08:10)"`` for a
    reader's edit of it (the source's own label where ``others`` holds it, else the AI
    algorithms its segments name); ``"<SeriesDescription> by <creator> (<date>)"`` or
    ``"<SeriesDescription> (<date>)"`` for other SEGs. Header text is shown escaped
    (:func:`~viewer.core.text.printable`).

    Parameters
    ----------
    seg
        A :class:`SegProvenance`, or a SEG's pydicom Dataset.
    others
        The study's other SEGs by SOP Instance UID, to name the one an edit came from.

    Returns
    -------
    str
        One line.
    """
    provenance = seg if isinstance(seg, SegProvenance) else seg_provenance(seg)
    return _label(provenance, dict(others or {}), depth=0)


def _label(provenance: SegProvenance, others: dict[str, SegProvenance], depth: int) -> str:
    if not provenance.edited:
        return _what(provenance) + _when(provenance)
    label = f"Edited by {printable(provenance.content_creator, 80) or 'unknown'}{_when(provenance)}"
    source = next((others[r.sop_instance_uid] for r in provenance.derived_from if r.sop_instance_uid in others),
                  None)
    if source is not None and depth < 8:  # a chain of edits, cut where it would loop
        return f"{label} from {_label(source, others, depth + 1)}"
    ai = [a for a in provenance.algorithms if a.ai]
    if ai:
        return f"{label} from AI: " + ", ".join(printable(f"{a.name} {a.version}".strip(), 80) for a in ai)
    return label


def seg_version_labels(found: Mapping[str, SegProvenance]) -> dict[str, str]:
    """The version label (:func:`seg_version_label`) of each SEG, an edit naming its source among them.

    Parameters
    ----------
    found
        Any key (a path) to the provenance of a study's SEG.

    Returns
    -------
    dict
        The same keys, to labels.
    """
    by_uid = {p.sop_instance_uid: p for p in found.values() if p.sop_instance_uid}
    return {key: seg_version_label(provenance, by_uid) for key, provenance in found.items()}


def label_seg_versions(paths: list[str]) -> dict[str, str]:
    """The version label of each SEG among ``paths`` (:func:`seg_version_labels`), read from their headers.

    Files that are not readable SEGs (RT structure sets, broken files) are left out.

    Parameters
    ----------
    paths
        A study's annotation files (:func:`~viewer.core.dicom.annotations.annotation_candidates`).

    Returns
    -------
    dict
        Path to label.
    """
    found: dict[str, SegProvenance] = {}
    for path in paths:
        try:
            found[path] = read_seg_provenance(path)
        except ObjectError:
            continue
    return seg_version_labels(found)


# --------------------------------------------------------------------------- RTSTRUCT
def read_rtstruct(path: str | os.PathLike[str], volume: Volume) -> list[StructureRoi]:
    """Read an RT Structure Set and map its contours onto ``volume``'s slices.

    Contour points go from patient millimetres to continuous voxel coordinates
    of the slice they lie on: the slice of the image the contour references
    (ContourImageSequence), or else the nearest slice within half a slice step.

    Parameters
    ----------
    path
        An RT Structure Set Storage file.
    volume
        The loaded image the structure set was drawn on.

    Returns
    -------
    list of StructureRoi
        In StructureSetROISequence order; ``outside`` counts the contours on no slice of ``volume``.

    Raises
    ------
    ObjectError
        The file is not an RT Structure Set, or it is drawn in another frame of reference.
    """
    name, _, ds = _read(path, {RTSTRUCT_SOP_CLASS}, "RT Structure Set")
    frame_of_reference = volume.provenance.frame_of_reference_uid
    known = {str(item.get("FrameOfReferenceUID", "") or "")
             for item in ds.get("ReferencedFrameOfReferenceSequence") or []} - {""}
    if frame_of_reference and known and frame_of_reference not in known:
        raise ObjectError(f"{name} is drawn in another frame of reference than the image")
    types = {int(item.ReferencedROINumber): str(item.get("RTROIInterpretedType", "") or "")
             for item in ds.get("RTROIObservationsSequence") or [] if "ReferencedROINumber" in item}
    rois: dict[int, StructureRoi] = {}
    elsewhere = set()  # ROIs drawn in another frame of reference than the image
    for item in ds.get("StructureSetROISequence") or []:
        number = int(item.ROINumber)
        rois[number] = StructureRoi(number=number, name=str(item.get("ROIName", "") or f"ROI {number}"),
                                    color=None, interpreted_type=types.get(number, ""))
        reference = str(item.get("ReferencedFrameOfReferenceUID", "") or "")
        if frame_of_reference and reference and reference != frame_of_reference:
            elsewhere.add(number)
    slices = _ImageSlices(volume)
    for item in ds.get("ROIContourSequence") or []:
        number = int(item.ReferencedROINumber)
        roi = rois.setdefault(number, StructureRoi(number=number, name=f"ROI {number}", color=None))
        color = item.get("ROIDisplayColor")
        roi.color = (cast(tuple[int, int, int], tuple(int(v) for v in color))
                     if color is not None and len(color) == 3 else None)
        for contour in item.get("ContourSequence") or []:
            placed = None if number in elsewhere else _place_contour(contour, slices)
            if placed is None:
                roi.outside += 1
            else:
                roi.contours.append(placed)
    return list(rois.values())


def _place_contour(contour: Dataset, slices: _ImageSlices) -> Contour | None:
    data = contour.get("ContourData")
    if not data or len(data) % 3:
        return None
    points = np.asarray([float(v) for v in data], dtype=np.float64).reshape(-1, 3)
    uids = [str(image.get("ReferencedSOPInstanceUID", "") or "")
            for image in contour.get("ContourImageSequence") or []]
    z = slices.slice_of(uids)
    if z is None:
        z, distance = slices.nearest(points)
        if distance > CONTOUR_TOLERANCE:
            return None
    return Contour(z=z, points=slices.in_plane(points, z),
                   geometric_type=str(contour.get("ContourGeometricType", "") or "CLOSED_PLANAR"))


def rtstruct_to_contour_overlay(rois: list[StructureRoi], volume: Volume, *,
                                name: str = "RTSTRUCT") -> ContourOverlay:
    """A :class:`~viewer.core.overlays.ContourOverlay` of ``rois`` on ``volume``'s grid.

    ROIs without a display colour get the label colour of their number.
    """
    info = {roi.number: LabelInfo(roi.name, roi.color or label_color(roi.number)) for roi in rois}
    contours = {roi.number: [np.column_stack([c.points, np.full(len(c.points), float(c.z))])
                             for c in roi.contours] for roi in rois}
    return ContourOverlay(shape_zyx=volume.shape_zyx, info=info, contours=contours, name=name)

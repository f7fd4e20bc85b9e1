"""Read the header of one DICOM file into a small, picklable record.

Only headers are parsed (``stop_before_pixels``). Where the pixel data are
stored uncompressed in a plain file, the record keeps the byte offset of the
pixel values so that loading can read them straight into the volume.
"""

from __future__ import annotations

import io
import logging
import os
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.uid import UID

from viewer.core.dicom import siemens
from viewer.core.dicom.sources import Source

log = logging.getLogger(__name__)

# Malformed values are the norm on clinic CDs. pydicom would log each one, with the
# value in the message (possibly identifying); Outpost reports its own reasons instead.
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE

#: Transfer syntaxes whose pixel data are stored as plain arrays.
NATIVE_SYNTAXES = {
    "1.2.840.10008.1.2": "<",  # Implicit VR Little Endian
    "1.2.840.10008.1.2.1": "<",  # Explicit VR Little Endian
    "1.2.840.10008.1.2.2": ">",  # Explicit VR Big Endian
}
DEFLATED_SYNTAX = "1.2.840.10008.1.2.1.99"
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_PIXEL_TAGS = {0x7FE00010, 0x7FE00008, 0x7FE00009}
_LONG_LENGTH_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UN", b"UR", b"UT"}


class NotDicomError(Exception):
    """The file is not DICOM (or too damaged to be recognised as DICOM)."""


@dataclass
class FrameInfo:
    """Per-frame attributes of one 2-D image inside an instance.

    ``index`` is the stored frame number (0-based); ``tile`` is the slice index
    inside a Siemens MOSAIC frame, or ``None``.
    """

    index: int = 0
    tile: int | None = None
    position: tuple[float, float, float] | None = None
    orientation: tuple[float, ...] | None = None
    pixel_spacing: tuple[float, float] | None = None
    slice_thickness: float | None = None
    slope: float = 1.0
    intercept: float = 0.0
    frame_type: tuple[str, ...] = ()
    echo: float | None = None
    temporal: float | None = None


@dataclass
class InstanceRecord:
    """What the scan learned from one file's header."""

    source: Source
    sop_class_uid: str = ""
    sop_instance_uid: str = ""
    transfer_syntax: str = ""
    study_uid: str = ""
    series_uid: str = ""
    frame_of_reference_uid: str = ""
    modality: str = ""
    rows: int = 0
    columns: int = 0
    samples_per_pixel: int = 1
    bits_allocated: int = 0
    bits_stored: int = 0
    pixel_representation: int = 0
    photometric: str = ""
    planar_configuration: int = 0
    number_of_frames: int = 1
    has_pixels: bool = False
    pixel_offset: int | None = None
    pixel_length: int | None = None
    float_pixels: bool = False
    palette_bits: int = 0
    modality_lut: bool = False
    mosaic_count: int | None = None
    instance_number: int | None = None
    acquisition_time: float | None = None
    image_type: tuple[str, ...] = ()
    spacing_between_slices: float | None = None
    frames: list[FrameInfo] = field(default_factory=list)
    study: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)
    display: dict[str, Any] = field(default_factory=dict)
    enhanced: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def frame_bytes(self) -> int:
        """Bytes of one stored native frame (YBR_FULL_422 stores two samples a pixel)."""
        samples = 2 if self.photometric == "YBR_FULL_422" else self.samples_per_pixel
        return self.rows * self.columns * samples * self.bits_allocated // 8

    @property
    def is_encapsulated_file(self) -> bool:
        """Whether compressed frames can be read from a known offset of a plain file."""
        return self.source.is_file and self.pixel_offset is not None and self.pixel_length is None

    @property
    def is_native(self) -> bool:
        """Whether pixel values can be read straight from the file."""
        return (
            self.transfer_syntax in NATIVE_SYNTAXES
            and self.source.is_file
            and self.pixel_offset is not None
            and self.pixel_length is not None
            and self.bits_allocated in (8, 16, 32)
            and self.samples_per_pixel == 1
            and not self.modality_lut
            and not self.float_pixels
            and self.photometric in ("MONOCHROME1", "MONOCHROME2")
        )


# --------------------------------------------------------------------------- values
def _value(ds: Dataset, keyword: str, default: Any = None) -> Any:
    """``ds.keyword``, or ``default`` when absent, empty or malformed."""
    try:
        value = ds.get(keyword, default)
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError):
        return default
    if value is None or value == "":
        return default
    return value


def _text(ds: Dataset, keyword: str) -> str:
    value = _value(ds, keyword, "")
    if isinstance(value, pydicom.multival.MultiValue):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _float(ds: Dataset, keyword: str) -> float | None:
    value = _value(ds, keyword)
    if isinstance(value, pydicom.multival.MultiValue | list | tuple):
        value = value[0] if len(value) else None
    try:
        number = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and np.isfinite(number) else None


def _int(ds: Dataset, keyword: str, default: int | None = None) -> int | None:
    number = _float(ds, keyword)
    return int(number) if number is not None else default


def _floats(ds: Dataset, keyword: str, count: int) -> tuple[float, ...] | None:
    value = _value(ds, keyword)
    try:
        numbers = tuple(float(v) for v in value) if value is not None else None
    except (TypeError, ValueError):
        return None
    if numbers is None or len(numbers) != count or not all(np.isfinite(numbers)):
        return None
    return numbers


def _position(ds: Dataset) -> tuple[float, float, float] | None:
    return cast("tuple[float, float, float] | None", _floats(ds, "ImagePositionPatient", 3))


def _pixel_spacing(ds: Dataset, keyword: str) -> tuple[float, float] | None:
    return cast("tuple[float, float] | None", _floats(ds, keyword, 2))


def _seconds(time_text: str | None) -> float | None:
    """Seconds since midnight of a DICOM TM (or the time part of a DT)."""
    if not time_text:
        return None
    text = str(time_text).strip()
    if len(text) > 14 and text[:8].isdigit():  # a DT: keep the time of day and the date
        day = float(text[:8])
        return day * 86400.0 + (_seconds(text[8:]) or 0.0)
    try:
        hours = float(text[0:2]) if len(text) >= 2 else 0.0
        minutes = float(text[2:4]) if len(text) >= 4 else 0.0
        seconds = float(text[4:]) if len(text) > 4 else 0.0
    except ValueError:
        return None
    return hours * 3600 + minutes * 60 + seconds


def _first_item(sequence_owner: Dataset, keyword: str) -> Dataset | None:
    try:
        sequence = sequence_owner.get(keyword)
    except (ValueError, TypeError, KeyError):
        return None
    if not sequence:
        return None
    try:
        item: Dataset = sequence[0]
        return item
    except (IndexError, TypeError):
        return None


# --------------------------------------------------------------------------- reading
def _looks_like_dicom_without_preamble(head: bytes) -> bool:
    """Whether bytes start like a raw DICOM data set (group 0002 or 0008 tag)."""
    if len(head) < 8:
        return False
    group_le, group_be = struct.unpack_from("<H", head)[0], struct.unpack_from(">H", head)[0]
    return group_le in (0x0002, 0x0008) or group_be in (0x0002, 0x0008)


#: Header values longer than this are skipped, not read (pydicom defers them). A damaged
#: length of 4 GiB in a 1 kB file would otherwise be allocated before the end of file is
#: met (a MemoryError where memory is limited); real header values are far smaller.
DEFER_BYTES = 16 * 2**20


def _read_dataset(fp: BinaryIO, size: int) -> FileDataset:
    head = fp.read(132)
    fp.seek(0)
    if len(head) >= 132 and head[128:132] == b"DICM":
        return pydicom.dcmread(fp, stop_before_pixels=True, defer_size=DEFER_BYTES)
    if _looks_like_dicom_without_preamble(head):
        return pydicom.dcmread(fp, stop_before_pixels=True, force=True, defer_size=DEFER_BYTES)
    raise NotDicomError("not a DICOM file")


def _transfer_syntax(ds: Dataset) -> str:
    meta = getattr(ds, "file_meta", None)
    uid = str(meta.get("TransferSyntaxUID", "") or "") if meta is not None else ""
    if uid:
        return uid
    encoding = getattr(ds, "original_encoding", None) or (True, True)
    implicit, little = encoding
    if implicit:
        return "1.2.840.10008.1.2"
    return "1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2"


def _pixel_element(fp: BinaryIO, transfer_syntax: str, file_size: int
                   ) -> tuple[int | None, int | None, int | None]:
    """Read the pixel data element header at the file's position.

    Returns
    -------
    tuple
        ``(pixel_tag, value_offset, value_length)``; the tag is ``None`` when
        there are no pixel data, the offset is ``None`` when the values cannot
        be read directly, and the length is ``None`` for encapsulated data.
    """
    start = fp.tell()
    head = fp.read(12)
    if len(head) < 8:
        return None, None, None
    endian = NATIVE_SYNTAXES.get(transfer_syntax, "<")
    group, element = struct.unpack_from(endian + "HH", head)
    tag = group << 16 | element
    if tag not in _PIXEL_TAGS:
        return None, None, None
    if transfer_syntax == "1.2.840.10008.1.2":
        length = struct.unpack_from(endian + "I", head, 4)[0]
        offset = start + 8
    elif head[4:6] in _LONG_LENGTH_VRS:
        length = struct.unpack_from(endian + "I", head, 8)[0]
        offset = start + 12
    else:
        length = struct.unpack_from(endian + "H", head, 6)[0]
        offset = start + 8
    if transfer_syntax == DEFLATED_SYNTAX:
        return tag, None, None
    if length == 0xFFFFFFFF:
        return tag, offset, None  # encapsulated: items follow at the offset
    if transfer_syntax not in NATIVE_SYNTAXES:
        return tag, None, None
    return tag, offset, min(length, max(0, file_size - offset))


def _frame_infos(ds: Dataset, record: InstanceRecord) -> list[FrameInfo]:
    """Per-frame geometry and rescale for every image the instance holds."""
    base = FrameInfo(
        position=_position(ds),
        orientation=_floats(ds, "ImageOrientationPatient", 6),
        pixel_spacing=_pixel_spacing(ds, "PixelSpacing") or _pixel_spacing(ds, "ImagerPixelSpacing"),
        slice_thickness=_float(ds, "SliceThickness"),
        slope=_float(ds, "RescaleSlope") or 1.0,
        intercept=_float(ds, "RescaleIntercept") or 0.0,
        frame_type=record.image_type,
        echo=_float(ds, "EchoNumbers") or _float(ds, "EchoTime"),
        temporal=_float(ds, "TemporalPositionIdentifier"),
    )
    if record.enhanced:
        return _enhanced_frame_infos(ds, base, record.number_of_frames)
    if record.mosaic_count:
        return _mosaic_frame_infos(ds, base, record)
    frames = []
    offsets = _value(ds, "GridFrameOffsetVector")
    for index in range(record.number_of_frames):
        frame = FrameInfo(**{**base.__dict__, "index": index})
        if offsets is not None and base.position and base.orientation and len(offsets) == record.number_of_frames:
            normal = np.cross(base.orientation[:3], base.orientation[3:])
            frame.position = tuple(np.asarray(base.position) + float(offsets[index]) * normal)
        frames.append(frame)
    return frames


def _enhanced_frame_infos(ds: Dataset, base: FrameInfo, count: int) -> list[FrameInfo]:
    shared = _first_item(ds, "SharedFunctionalGroupsSequence")
    try:
        per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    except (ValueError, TypeError):
        per_frame = []
    frames = []
    for index in range(count):
        groups = [shared, per_frame[index] if index < len(per_frame) else None]
        frame = FrameInfo(**{**base.__dict__, "index": index})
        for group in groups:
            if group is None:
                continue
            _apply_functional_group(group, frame)
        frames.append(frame)
    return frames


def _apply_functional_group(group: Dataset, frame: FrameInfo) -> None:
    item = _first_item(group, "PlanePositionSequence")
    if item is not None:
        frame.position = _position(item) or frame.position
    item = _first_item(group, "PlaneOrientationSequence")
    if item is not None:
        frame.orientation = _floats(item, "ImageOrientationPatient", 6) or frame.orientation
    item = _first_item(group, "PixelMeasuresSequence")
    if item is not None:
        frame.pixel_spacing = _pixel_spacing(item, "PixelSpacing") or frame.pixel_spacing
        frame.slice_thickness = _float(item, "SliceThickness") or frame.slice_thickness
    item = _first_item(group, "PixelValueTransformationSequence")
    if item is not None:
        slope, intercept = _float(item, "RescaleSlope"), _float(item, "RescaleIntercept")
        frame.slope = slope if slope is not None else frame.slope
        frame.intercept = intercept if intercept is not None else frame.intercept
    for keyword in ("MRImageFrameTypeSequence", "CTImageFrameTypeSequence", "FrameTypeSequence"):
        item = _first_item(group, keyword)
        if item is not None:
            value = _value(item, "FrameType")
            if value:
                frame.frame_type = tuple(str(v).upper() for v in value)
    item = _first_item(group, "MREchoSequence")
    if item is not None:
        frame.echo = _float(item, "EffectiveEchoTime")
    item = _first_item(group, "FrameContentSequence")
    if item is not None:
        temporal = _float(item, "TemporalPositionIndex")
        frame.temporal = temporal if temporal is not None else frame.temporal


def _mosaic_frame_infos(ds: Dataset, base: FrameInfo, record: InstanceRecord) -> list[FrameInfo]:
    count = record.mosaic_count or 1
    per_side = siemens.mosaic_tiles_per_side(count)
    tile_rows, tile_cols = record.rows // per_side, record.columns // per_side
    frames = []
    position = orientation = None
    step = record.spacing_between_slices or base.slice_thickness or 1.0
    if base.position and base.orientation and base.pixel_spacing:
        row_dir, col_dir = np.asarray(base.orientation[:3]), np.asarray(base.orientation[3:])
        row_spacing, col_spacing = base.pixel_spacing
        # The stored position is that of the whole mosaic's corner; move it to slice 0's.
        position = (np.asarray(base.position)
                    + col_dir * row_spacing * (record.rows - tile_rows) / 2
                    + row_dir * col_spacing * (record.columns - tile_cols) / 2)
        normal = np.cross(row_dir, col_dir)
        csa_normal = siemens.csa_slice_normal(ds)
        if csa_normal is not None and float(np.dot(csa_normal, normal)) < 0:
            normal = -normal
        orientation = base.orientation
    for tile in range(count):
        frame = FrameInfo(**{**base.__dict__, "index": 0, "tile": tile})
        if position is not None:
            frame.position = tuple(position + tile * step * normal)
            frame.orientation = orientation
        frames.append(frame)
    return frames


def _voi_lut(ds: Dataset) -> tuple[int, int, np.ndarray] | None:
    """The first VOI LUT of the file as ``(first_mapped, bits, table)``, or ``None``."""
    if not _valid_lut_sequence(ds, "VOILUTSequence"):
        return None
    item = ds.VOILUTSequence[0]
    try:
        entries, first, bits = (int(v) for v in item.LUTDescriptor)
        data = item.LUTData
        table = np.asarray(data if not isinstance(data, bytes)
                           else np.frombuffer(data, dtype="<u2" if bits > 8 else "u1"), dtype=np.float64)
    except (TypeError, ValueError, AttributeError):
        return None
    if table.size == 0:
        return None
    if first >= 32768 and ds.get("PixelRepresentation", 0) == 1:
        first -= 65536  # a signed first-mapped value stored as US
    return first, bits, table[: entries or 65536]


def _valid_lut_sequence(ds: Dataset, keyword: str) -> bool:
    """Whether a LUT sequence has an item with a three-value descriptor and data."""
    item = _first_item(ds, keyword)
    if item is None:
        return False
    descriptor = _value(item, "LUTDescriptor")
    return descriptor is not None and len(descriptor) == 3 and _value(item, "LUTData") is not None


def _person_name(ds: Dataset, keyword: str) -> str:
    return _text(ds, keyword)


def read_header(source: Source) -> InstanceRecord:
    """Read one file's header into an :class:`InstanceRecord`.

    Parameters
    ----------
    source
        The file (or zip member) to read.

    Returns
    -------
    InstanceRecord
        The header facts the scan and the loader need.

    Raises
    ------
    NotDicomError
        The file is not DICOM, or too damaged to parse.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with source.open() as fp:
                # A zip member is read into memory (Source.open).
                size = source.size() if source.is_file else len(cast(io.BytesIO, fp).getbuffer())
                ds = _read_dataset(fp, size)
                transfer_syntax = _transfer_syntax(ds)
                pixel_tag, pixel_offset, pixel_length = _pixel_element(fp, transfer_syntax, size)
                if transfer_syntax == DEFLATED_SYNTAX:
                    # Positions in a deflated stream mean nothing; parse it all to see.
                    fp.seek(0)
                    full = pydicom.dcmread(fp, defer_size=256, force=True)
                    pixel_tag = next((tag for tag in _PIXEL_TAGS if tag in full), None)
            return _record_from_dataset(ds, source, transfer_syntax, pixel_tag,
                                        pixel_offset, pixel_length, size)
    except NotDicomError:
        raise
    except (InvalidDicomError, EOFError) as e:
        raise NotDicomError(f"not a readable DICOM file ({e})") from e
    except OSError as e:
        if e.errno is None:  # pydicom's own parse errors are OSErrors without an errno
            raise NotDicomError(f"damaged DICOM header ({e})") from e
        # EIO from a damaged disc, ENOTCONN/ESTALE from a share that went away...
        raise NotDicomError(f"could not be read ({e.strerror or e}; damaged disc or removed media?)") from e
    except MemoryError as e:
        # A damaged length inside a sequence (where defer_size does not reach) makes the
        # reader allocate it before meeting the end of file; refused where memory is limited.
        raise NotDicomError("damaged DICOM header (a value longer than the memory available)") from e
    except RecursionError as e:
        # Sequences nested hundreds deep exhaust pydicom's recursion, not memory.
        raise NotDicomError("damaged DICOM header (sequences nested too deeply)") from e
    except zlib.error as e:
        raise NotDicomError(f"damaged deflated data set ({e})") from e
    except BytesLengthException as e:
        # The message quotes the raw value (possibly identifying), so it is left out.
        raise NotDicomError("damaged DICOM header (a value's length does not fit its type)") from e
    except (ValueError, TypeError, KeyError, AttributeError, IndexError,
            struct.error, OverflowError, NotImplementedError, LookupError) as e:
        raise NotDicomError(f"damaged DICOM header ({type(e).__name__}: {e})") from e


def _record_from_dataset(ds: FileDataset, source: Source, transfer_syntax: str, pixel_tag: int | None,
                         pixel_offset: int | None, pixel_length: int | None, size: int) -> InstanceRecord:
    meta = getattr(ds, "file_meta", None)
    sop_class = _text(ds, "SOPClassUID") or (str(meta.get("MediaStorageSOPClassUID", "")) if meta else "")
    sop_instance = _text(ds, "SOPInstanceUID") or (
        str(meta.get("MediaStorageSOPInstanceUID", "")) if meta else "")
    record = InstanceRecord(
        source=source,
        sop_class_uid=sop_class,
        sop_instance_uid=sop_instance,
        transfer_syntax=transfer_syntax,
        study_uid=_text(ds, "StudyInstanceUID"),
        series_uid=_text(ds, "SeriesInstanceUID"),
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        modality=_text(ds, "Modality"),
        rows=_int(ds, "Rows", 0) or 0,
        columns=_int(ds, "Columns", 0) or 0,
        samples_per_pixel=_int(ds, "SamplesPerPixel", 1) or 1,
        bits_allocated=_int(ds, "BitsAllocated", 0) or 0,
        bits_stored=_int(ds, "BitsStored", 0) or _int(ds, "BitsAllocated", 0) or 0,
        pixel_representation=_int(ds, "PixelRepresentation", 0) or 0,
        photometric=_text(ds, "PhotometricInterpretation").upper(),
        planar_configuration=_int(ds, "PlanarConfiguration", 0) or 0,
        has_pixels=pixel_tag is not None,
        float_pixels=pixel_tag in (0x7FE00008, 0x7FE00009),
        pixel_offset=pixel_offset,
        pixel_length=pixel_length,
        modality_lut=_valid_lut_sequence(ds, "ModalityLUTSequence"),
        instance_number=_int(ds, "InstanceNumber"),
        acquisition_time=_seconds(_text(ds, "AcquisitionDateTime") or _text(ds, "AcquisitionTime")
                                  or _text(ds, "ContentTime")),
        image_type=tuple(str(v).upper() for v in (_value(ds, "ImageType") or [])),
        spacing_between_slices=_float(ds, "SpacingBetweenSlices"),
        enhanced="PerFrameFunctionalGroupsSequence" in ds,
    )
    if "ModalityLUTSequence" in ds and not record.modality_lut:
        record.warnings.append("malformed Modality LUT Sequence ignored")
    descriptor = _value(ds, "RedPaletteColorLookupTableDescriptor")
    if descriptor is not None and len(descriptor) == 3:
        record.palette_bits = int(descriptor[2])
    frames_value = _float(ds, "NumberOfFrames")
    if "NumberOfFrames" in ds and frames_value is None:
        raise ValueError(f"invalid NumberOfFrames {ds['NumberOfFrames'].repval}")
    record.number_of_frames = max(1, int(frames_value or 1))
    if record.number_of_frames > max(1, size // 8):
        # Every frame takes at least 8 bytes (an encapsulated item's header): a count
        # like 999999999 in a small file is damage, and would cost a FrameInfo each.
        raise ValueError(f"NumberOfFrames {record.number_of_frames} in a file of {size} bytes")
    record.mosaic_count = siemens.mosaic_image_count(ds)
    record.study = {
        "patient_name": _person_name(ds, "PatientName"),
        "patient_id": _text(ds, "PatientID"),
        "patient_birth_date": _text(ds, "PatientBirthDate"),
        "patient_sex": _text(ds, "PatientSex"),
        "patient_age": _text(ds, "PatientAge"),
        "study_date": _text(ds, "StudyDate"),
        "study_time": _text(ds, "StudyTime"),
        "study_id": _text(ds, "StudyID"),
        "study_description": _text(ds, "StudyDescription"),
        "accession_number": _text(ds, "AccessionNumber"),
    }
    record.series = {
        "series_number": _int(ds, "SeriesNumber"),
        "series_description": _text(ds, "SeriesDescription") or _text(ds, "ProtocolName"),
        "series_date": _text(ds, "SeriesDate"),
        "series_time": _text(ds, "SeriesTime"),
        "body_part": _text(ds, "BodyPartExamined"),
        "manufacturer": _text(ds, "Manufacturer"),
        "patient_position": _text(ds, "PatientPosition"),
        "view_position": _text(ds, "ViewPosition"),
        "patient_orientation": [v for v in _text(ds, "PatientOrientation").split("\\") if v][:2],
        "laterality": _text(ds, "ImageLaterality") or _text(ds, "Laterality"),
    }
    record.display = {
        "window_center": _value(ds, "WindowCenter"),
        "window_width": _value(ds, "WindowWidth"),
        "has_voi_lut": "VOILUTSequence" in ds,
    }
    record.display["voi_lut"] = _voi_lut(ds)
    for key in ("window_center", "window_width"):
        value = record.display[key]
        try:
            record.display[key] = ([float(v) for v in value]
                                   if isinstance(value, pydicom.multival.MultiValue | list)
                                   else ([float(value)] if value is not None else []))
        except (TypeError, ValueError):
            record.display[key] = []
    if record.has_pixels:
        record.frames = _frame_infos(ds, record)
    return record


def dicomdir_references(path: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Files referenced by a DICOMDIR.

    Parameters
    ----------
    path
        The DICOMDIR file.

    Returns
    -------
    tuple
        ``(existing_files, missing)`` where ``missing`` pairs a path with a reason.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True)
    root = os.path.dirname(os.path.abspath(path))
    found, missing = [], []
    for record in ds.get("DirectoryRecordSequence") or []:
        file_id = record.get("ReferencedFileID")
        if not file_id:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        candidate = os.path.join(root, *parts)  # as the reference names it: a path, never a list's repr
        if any(part in ("..", "") or "/" in part or "\\" in part for part in parts):
            missing.append((candidate, "DICOMDIR reference leaves its folder"))
            continue
        if not os.path.exists(candidate):
            # Media written on case-insensitive systems may differ in case.
            candidate = _case_insensitive(root, parts) or candidate
        if os.path.isfile(candidate):
            found.append(candidate)
        else:
            missing.append((candidate, "referenced by DICOMDIR but missing"))
    return found, missing


def _case_insensitive(root: str, parts: list[str]) -> str | None:
    current = root
    for part in parts:
        try:
            names = {name.upper(): name for name in os.listdir(current)}
        except OSError:
            return None
        if part.upper() not in names:
            return None
        current = os.path.join(current, names[part.upper()])
    return current


def is_dicomdir(record: InstanceRecord) -> bool:
    """Whether the record is a DICOMDIR (Media Storage Directory)."""
    return record.sop_class_uid == DICOMDIR_SOP_CLASS


def sop_class_name(uid: str) -> str:
    """A readable name for a SOP class UID."""
    name = UID(uid).name if uid else ""
    return name or uid or "unknown SOP class"

"""DICOM Segmentation objects written with highdicom, referencing the source series.

Two kinds are written, by one builder (:func:`_build`):

- :func:`write_seg`: an AI result, every segment ``AUTOMATIC`` and identified by the pack
  that made it;
- :func:`write_edited_seg`: a reader's edit of a segmentation, a new series whose
  ContentCreatorName is the reader, whose segments say how each was made (``AUTOMATIC``:
  the model's and unchanged; ``SEMIAUTOMATIC``; ``MANUAL``), and which references, besides the
  source images, the SEG it was derived from.

Where the edited SEG records what it came from
----------------------------------------------
The General Reference module (which the Segmentation IOD allows) says how the object was made:
its SourceImageSequence lists, after the source images highdicom lists, the SEG it was derived
from, with the purpose of reference *Source image for image processing operation* (DCM 121322);
DerivationCodeSequence holds *Volume editing* (DCM 113077), and DerivationDescription says in words
who edited what (and the pack's checksum). As the Common Instance Reference module requires of every
instance referenced, that SEG's series and instance are listed in ReferencedSeriesSequence (or, in
another study, in StudiesContainingOtherReferencedInstancesSequence).
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from viewer import __version__
from viewer.core import audit
from viewer.core.dicom.objects import VOLUME_EDITING_CODE, SegProvenance, seg_version_label
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.export.sources import read_source_images

#: SegmentAlgorithmType values, from "made by a program alone" to "drawn by a person".
ALGORITHM_TYPES = ("AUTOMATIC", "SEMIAUTOMATIC", "MANUAL")
#: The algorithm name of segments the reader made with the editor's semi-automatic tools.
EDITOR_ALGORITHM_NAME = "Outpost segment editor"
#: Series numbers: an AI result, and a reader's edit.
AI_SERIES_NUMBER = 900
EDITED_SERIES_NUMBER = 901
#: Every SEG is written in UTF-8, so a reader's or a patient's name in any script is kept.
CHARACTER_SET = "ISO_IR 192"
#: The most bytes of one PN component group, of an LO value and of an ST value.
PN_GROUP_BYTES = 64
LO_BYTES = 64
ST_BYTES = 1024
#: Why the General Reference module references the derived-from SEG (CID 7202).
SOURCE_PURPOSE = ("121322", "DCM", "Source image for image processing operation")


@dataclass(frozen=True)
class SegmentSpec:
    """One segment to write: which label value it is, and how it was made.

    Attributes
    ----------
    value
        Its value in the label map.
    label
        SegmentLabel (cut to 64 bytes; backslashes and control characters replaced).
    color
        The display colour (RGB), or ``None`` for none recorded.
    algorithm_type
        ``AUTOMATIC`` (the model's, unchanged), ``SEMIAUTOMATIC`` or ``MANUAL``.
    algorithm_name, algorithm_version
        The algorithm that made it (the pack's name and version, or :data:`EDITOR_ALGORITHM_NAME`);
        required unless ``MANUAL``, and not written for a ``MANUAL`` segment.
    algorithm_checksum
        The pack's checksum (sha256), written as AlgorithmParameters; where empty and the
        algorithm is the pack :class:`DerivedFrom` names, its checksum is used.
    """

    value: int
    label: str
    color: tuple[int, int, int] | None
    algorithm_type: str
    algorithm_name: str = ""
    algorithm_version: str = ""
    algorithm_checksum: str = ""


@dataclass(frozen=True)
class DerivedFrom:
    """The segmentation an edit came from: a SEG (its UIDs) and/or the AI pack that made it.

    Attributes
    ----------
    sop_instance_uid, series_instance_uid, study_instance_uid, sop_class_uid
        The SEG's UIDs; empty where the edit came from a result never saved as a SEG
        (then nothing is referenced, and the pack alone is recorded).
    description
        What it was, in words (e.g. the SEG's version label, or its SeriesDescription).
    pack_name, pack_version, pack_checksum
        The AI pack that made it, where one did.
    """

    sop_instance_uid: str = ""
    series_instance_uid: str = ""
    study_instance_uid: str = ""
    sop_class_uid: str = ""
    description: str = ""
    pack_name: str = ""
    pack_version: str = ""
    pack_checksum: str = ""

    @classmethod
    def of_seg(cls, provenance: SegProvenance, description: str = "") -> DerivedFrom:
        """The source of an edit of a SEG, from its provenance (``read_seg_provenance`` of its file).

        The pack is the first AI algorithm its segments name (with the checksum Outpost records in
        AlgorithmParameters); ``description`` defaults to the SEG's version label.
        """
        ai = next((a for a in provenance.algorithms if a.ai), None)
        return cls(provenance.sop_instance_uid, provenance.series_instance_uid, provenance.study_instance_uid,
                   provenance.sop_class_uid, description or seg_version_label(provenance),
                   ai.name if ai else "", ai.version if ai else "", ai.checksum if ai else "")


# --------------------------------------------------------------------------- text fit for DICOM
def _clean(text: str, replaced: str) -> str:
    """``text`` with control characters and the characters in ``replaced`` turned into ``_``."""
    return "".join("_" if c in replaced or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
                   for c in str(text))


def _fit_bytes(text: str, limit: int) -> str:
    """``text`` cut so that its UTF-8 encoding takes at most ``limit`` bytes (whole characters)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def person_name(name: str) -> str:
    r"""A DICOM PN value that holds ``name`` (a login name) as the family name, whatever it contains.

    The PN delimiters ``^`` and ``=``, the value delimiter ``\`` and control characters become
    ``_``; the name is stripped of surrounding spaces and cut so that the component group,
    with the ``^`` that ends the family name, takes at most 64 bytes in UTF-8. The ``^`` marks
    the value as a family name (dciodvfy warns of a "retired form" without it). An empty name
    gives ``"unknown^"``.

    Examples
    --------
    >>> person_name("jdoe")
    'jdoe^'
    >>> person_name("a^b=c\\d")
    'a_b_c_d^'
    """
    family = _fit_bytes(_clean(name, "^=\\").strip(), PN_GROUP_BYTES - 1).strip()
    return f"{family or 'unknown'}^"


def _long_string(text: str, default: str) -> str:
    """An LO value: no backslash nor control characters, at most 64 bytes in UTF-8 (dciodvfy counts bytes)."""
    return _fit_bytes(_clean(text, "\\").strip(), LO_BYTES).strip() or default


# --------------------------------------------------------------------------- the one builder
def _algorithm(spec: SegmentSpec):
    """The SegmentationAlgorithmIdentificationSequence of ``spec`` (``None`` for a MANUAL segment)."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    if spec.algorithm_type == "MANUAL":
        return None
    if not spec.algorithm_name:
        raise ExportError(f"segment {spec.value} is {spec.algorithm_type} but names no algorithm")
    family = (codes.cid7162.ManualProcessing if spec.algorithm_name == EDITOR_ALGORITHM_NAME
              else codes.cid7162.ArtificialIntelligence)
    parameters = {"sha256": spec.algorithm_checksum} if spec.algorithm_checksum else None
    return hd.AlgorithmIdentificationSequence(
        name=_long_string(spec.algorithm_name, "unknown"), version=_long_string(spec.algorithm_version, "unknown"),
        family=family, parameters=parameters)


def _description(number: int, spec: SegmentSpec):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    if spec.algorithm_type not in ALGORITHM_TYPES:
        raise ExportError(f"segment {spec.value}: unknown algorithm type {spec.algorithm_type!r}")
    color = hd.color.CIELabColor.from_rgb(*(int(v) for v in spec.color[:3])) if spec.color is not None else None
    return hd.seg.SegmentDescription(
        segment_number=number, segment_label=_long_string(spec.label, f"segment {number}"),
        segmented_property_category=codes.SCT.AnatomicalStructure, segmented_property_type=codes.SCT.Tissue,
        algorithm_type=spec.algorithm_type, algorithm_identification=_algorithm(spec), display_color=color)


def _integer_labels(labels: np.ndarray) -> np.ndarray:
    """``labels`` as an integer array (a boolean mask as 0 and 1); other kinds are refused."""
    labels = np.asarray(labels)
    if labels.dtype == bool:
        return labels.view(np.uint8)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ExportError(f"a label map holds integers, not {labels.dtype}")
    return labels


def _build(labels: np.ndarray, source_files: list[str], segments: list[SegmentSpec], *, series_description: str,
           series_number: int, content_creator: str | None = None):
    """A BINARY highdicom Segmentation of ``labels``, one segment per spec, numbered in their order.

    Raises
    ------
    ExportError
        The label map and the sources disagree, a value in ``labels`` has no spec, a spec is
        invalid, or highdicom refuses.
    """
    import highdicom as hd

    labels = _integer_labels(labels)
    sources = read_source_images(source_files, what="a SEG")
    if labels.ndim != 3 or labels.shape[0] != len(sources):
        raise ExportError(f"{labels.shape[0] if labels.ndim else 0} label slices for {len(sources)} source images")
    values = [spec.value for spec in segments]
    if len(set(values)) != len(values) or 0 in values:
        raise ExportError("each segment needs its own non-zero label value")
    unnamed = sorted(set(np.unique(labels).tolist()) - set(values) - {0})
    if unnamed:
        raise ExportError(f"label value(s) {unnamed[:5]} have no segment: their voxels would be lost")
    descriptions = [_description(number, spec) for number, spec in enumerate(segments, start=1)]
    # Segment numbers 1..n in the order given; a lookup table maps every label value to its number.
    lookup = np.zeros(int(max([int(labels.max(initial=0)), *values])) + 1,
                      dtype=np.uint16 if len(segments) > 255 else np.uint8)
    lookup[values] = np.arange(1, len(segments) + 1)
    remapped = lookup[labels]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return hd.seg.Segmentation(
                source_images=sources, pixel_array=remapped,
                segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
                segment_descriptions=descriptions, series_instance_uid=hd.UID(), series_number=series_number,
                sop_instance_uid=hd.UID(), instance_number=1, manufacturer="Outpost",
                manufacturer_model_name="Outpost", software_versions=__version__, device_serial_number="0",
                series_description=_long_string(series_description, "Segmentation"),
                content_creator_name=content_creator, specific_character_set=CHARACTER_SET)
    except (ValueError, TypeError, AttributeError) as e:
        raise ExportError(f"cannot build the DICOM SEG: {e}") from e


def _save(seg, path: str | os.PathLike) -> Path:
    path = Path(path)
    with atomic_path(path) as temporary:
        seg.save_as(temporary)
    return path


# --------------------------------------------------------------------------- an AI result
@audit.audited("export", audit.export_details("seg", False, 3, "path"), audit.count_written)
def write_seg(labels: np.ndarray, source_files: list[str], label_names: dict[int, str], path: str | os.PathLike,
              *, algorithm_name: str, algorithm_version: str, series_description: str = "AI segmentation",
              algorithm_checksum: str = "", label_colors: dict[int, tuple[int, int, int]] | None = None) -> Path:
    """Write a label map as a BINARY DICOM SEG, one segment per label present or named.

    Parameters
    ----------
    labels
        ``[z, y, x]`` labels on the grid of the source series, slices in the
        order of ``source_files``.
    source_files
        The source series' files, one per slice, in slice order.
    label_names
        Label value to segment label.
    path
        Destination; written atomically.
    algorithm_name, algorithm_version
        Recorded in AlgorithmIdentificationSequence (the AI pack).
    series_description
        SeriesDescription.
    algorithm_checksum
        The pack's checksum, recorded as AlgorithmParameters ``sha256=...`` (empty: not recorded).
    label_colors
        Label value to the RGB it is shown in (the pack's colours), recorded as each segment's
        RecommendedDisplayCIELabValue; a label without one gets none.

    Raises
    ------
    ExportError
        The source series cannot be referenced (e.g. it has no UIDs) or highdicom refuses.
    """
    labels = _integer_labels(labels)
    values = sorted(v for v in set(np.unique(labels).tolist()) | {int(v) for v in label_names} if v != 0)
    colors = label_colors or {}
    segments = [SegmentSpec(value=value, label=label_names.get(value, f"label {value}"), color=colors.get(value),
                            algorithm_type="AUTOMATIC", algorithm_name=algorithm_name,
                            algorithm_version=algorithm_version or "unknown",
                            algorithm_checksum=algorithm_checksum)
                for value in values]
    seg = _build(labels, source_files, segments, series_description=series_description,
                 series_number=AI_SERIES_NUMBER)
    return _save(seg, path)


# --------------------------------------------------------------------------- a reader's edit
def _coded(code: tuple[str, str, str]):
    from pydicom.dataset import Dataset

    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = code
    return item


def derivation_text(reader: str, derived_from: DerivedFrom | None) -> str:
    """DerivationDescription of an edit: who edited what, and the pack (with its checksum) behind it.

    Without ``derived_from`` (a segmentation drawn from empty) it says who drew it.
    """
    text = f"{'Drawn' if derived_from is None else 'Edited'} by {reader} in Outpost {__version__}"
    if derived_from is not None:
        if derived_from.description:
            text += f" from {derived_from.description}"
        if derived_from.pack_name:
            text += f"; AI pack {derived_from.pack_name} {derived_from.pack_version}".rstrip()
            if derived_from.pack_checksum:
                text += f", sha256 {derived_from.pack_checksum}"
    return _fit_bytes(_clean(text, "\\"), ST_BYTES)


def _record_derivation(seg, reader: str, derived_from: DerivedFrom | None) -> None:
    """Say in ``seg`` how it was made, and reference the SEG it came from (General and Common Instance Reference).

    ``reader``: the reader's name as text.
    """
    from pydicom.dataset import Dataset

    seg.DerivationDescription = derivation_text(reader, derived_from)
    if derived_from is None:
        return
    seg.DerivationCodeSequence = [_coded(VOLUME_EDITING_CODE)]
    if not derived_from.sop_instance_uid:
        return
    source = Dataset()
    source.ReferencedSOPClassUID = derived_from.sop_class_uid
    source.ReferencedSOPInstanceUID = derived_from.sop_instance_uid
    source.PurposeOfReferenceCodeSequence = [_coded(SOURCE_PURPOSE)]
    seg.SourceImageSequence = [*(seg.get("SourceImageSequence") or []), source]
    instance = Dataset()
    instance.ReferencedSOPClassUID = derived_from.sop_class_uid
    instance.ReferencedSOPInstanceUID = derived_from.sop_instance_uid
    series = Dataset()
    series.SeriesInstanceUID = derived_from.series_instance_uid
    series.ReferencedInstanceSequence = [instance]
    if derived_from.study_instance_uid in ("", seg.StudyInstanceUID):
        seg.ReferencedSeriesSequence = [*(seg.get("ReferencedSeriesSequence") or []), series]
    else:
        study = Dataset()
        study.StudyInstanceUID = derived_from.study_instance_uid
        study.ReferencedSeriesSequence = [series]
        seg.StudiesContainingOtherReferencedInstancesSequence = [
            *(seg.get("StudiesContainingOtherReferencedInstancesSequence") or []), study]


def _edit_details(labels, source_files, segments: list[SegmentSpec], path, *, reader: str,
                  derived_from: DerivedFrom | None, changed_voxels: dict[int, tuple[int, int]],
                  **_: Any) -> dict[str, Any]:
    """How the audit records a saved edit: who, what it came from, and how many voxels changed per segment.

    No label text (a reader may type anything there) and no patient data: segments by value and type.
    """
    source = derived_from or DerivedFrom()
    return {
        "kind": "seg-edit", "destination": str(path), "anonymised": False, "content_creator": person_name(reader),
        "source_sop_instance_uid": source.sop_instance_uid, "source_series_uid": source.series_instance_uid,
        "pack": source.pack_name, "pack_version": source.pack_version, "pack_checksum": source.pack_checksum,
        "segments": {str(s.value): s.algorithm_type for s in segments},
        "changed": {str(value): {"added": int(added), "removed": int(removed)}
                    for value, (added, removed) in sorted(changed_voxels.items())},
    }


def _written(path: Path) -> dict[str, Any]:
    """The UIDs of the SEG that was written, read back from the file."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True, specific_tags=["SOPInstanceUID", "SeriesInstanceUID"])
    return {"count": 1, "sop_instance_uid": str(ds.SOPInstanceUID), "series_uid": str(ds.SeriesInstanceUID)}


@audit.audited("export", _edit_details, _written)
def write_edited_seg(labels: np.ndarray, source_files: list[str], segments: list[SegmentSpec],
                     path: str | os.PathLike, *, reader: str, derived_from: DerivedFrom | None,
                     series_description: str = "", changed_voxels: dict[int, tuple[int, int]]) -> Path:
    """Write a reader's edited segmentation as a new DICOM SEG series, and audit the save.

    Parameters
    ----------
    labels
        ``[z, y, x]`` label map (``uint8`` or ``uint16``) on the grid of the source series, slices in
        the order of ``source_files``; every non-zero value must be one of ``segments``.
    source_files
        The source series' files, one per slice, in slice order.
    segments
        The segments, numbered 1, 2, ... in this order; an empty segment is written with no frames.
    path
        Destination; written atomically (a new file each save: the SEG the edit came from is never changed).
    reader
        Who edited (the login name, :func:`viewer.core.audit.user_name`): ContentCreatorName,
        made a valid PN by :func:`person_name`.
    derived_from
        The segmentation the edit came from (its SEG is referenced, where it has one), or ``None`` for
        one drawn from empty.
    series_description
        SeriesDescription (default ``"Edited segmentation"``, or ``"Reader segmentation"`` without
        ``derived_from``).
    changed_voxels
        Label value to ``(added, removed)`` voxels since the source; recorded in the audit log.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ExportError
        The sources cannot be referenced, a label value has no segment, a segment is invalid
        (unknown algorithm type; not MANUAL without an algorithm name), or highdicom refuses.
    """
    if derived_from is not None and derived_from.sop_instance_uid and not (
            derived_from.sop_class_uid and derived_from.series_instance_uid):
        raise ExportError("the SEG the edit came from needs its SOP class and series UIDs to be referenced")
    if derived_from is not None and derived_from.pack_checksum:
        segments = [replace(spec, algorithm_checksum=derived_from.pack_checksum)
                    if (not spec.algorithm_checksum and spec.algorithm_name == derived_from.pack_name
                        and spec.algorithm_version == derived_from.pack_version) else spec
                    for spec in segments]
    creator = person_name(reader)
    default_description = "Reader segmentation" if derived_from is None else "Edited segmentation"
    seg = _build(labels, source_files, segments, series_description=series_description or default_description,
                 series_number=EDITED_SERIES_NUMBER, content_creator=creator)
    _record_derivation(seg, creator.rstrip("^"), derived_from)
    return _save(seg, path)

"""Find and read the SEGs and RT Structure Sets that annotate a series, as overlays on its grid."""

from __future__ import annotations

import logging
import os
from typing import TypeAlias

from viewer.core.dicom.deadline import call_with_deadline
from viewer.core.dicom.headers import NotDicomError, read_header
from viewer.core.dicom.objects import (
    RTSTRUCT_SOP_CLASS,
    SegProvenance,
    read_rtstruct,
    read_seg,
    read_seg_provenance,
    rtstruct_to_contour_overlay,
    seg_to_label_overlays,
    seg_version_labels,
)
from viewer.core.dicom.scan import ScanResult, Series
from viewer.core.dicom.sources import Source
from viewer.core.errors import ObjectError, StalledReadError
from viewer.core.overlays import ContourOverlay, LabelOverlay
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import Volume

#: What a SEG (one per layer) or an RT Structure Set becomes on a series.
Annotation: TypeAlias = LabelOverlay | ContourOverlay

log = logging.getLogger(__name__)

RTSTRUCT_KIND = "RT structure set"


def annotation_candidates(result: ScanResult, series: Series) -> list[str]:
    """Files of a scan that may annotate ``series``: the SEG instances of its study and the RT Structure Sets.

    The RT Structure Sets are every one the scan found (they are not images, so the scan lists them
    as skipped).

    Whether one really belongs to the series is decided on reading it
    (:func:`read_annotations`), by the UIDs it references and its frame of reference.
    """
    study = series.study
    siblings = study.series if study is not None else result.series
    paths = [str(instance.source.path) for other in siblings if other is not series and other.modality == "SEG"
             for instance in other.instances if instance.source.is_file]
    paths += [skipped.path for skipped in result.skipped if skipped.kind == RTSTRUCT_KIND]
    return paths


def _sop_class(path: str) -> str:
    try:
        return str(read_header(Source(os.path.abspath(path))).sop_class_uid or "")
    except (NotDicomError, OSError, ValueError):
        return ""


def read_annotations(paths: list[str], volume: Volume, progress: ProgressCallback | None = None,
                     cancel: CancelToken | None = None) -> tuple[list[Annotation], list[str]]:
    """Read SEGs and RT Structure Sets onto ``volume``'s grid (:func:`read_annotation_files`, without the files).

    Returns
    -------
    overlays, problems
        A LabelOverlay per layer of each SEG and a ContourOverlay per structure
        set; and one line per file that could not be placed on this series.
    """
    found, problems = read_annotation_files(paths, volume, progress, cancel)
    return [overlay for overlay, _path in found], problems


def read_annotation_files(paths: list[str], volume: Volume, progress: ProgressCallback | None = None,
                          cancel: CancelToken | None = None) -> tuple[list[tuple[Annotation, str]], list[str]]:
    """Read SEGs and RT Structure Sets onto ``volume``'s grid, each overlay with the file it came from.

    The versions of a result are told apart: a model's SEG and a reader's edit of a SEG are named
    by :func:`~viewer.core.dicom.objects.seg_version_labels` (``"AI: pack 1.0 (date)"``, ``"Edited by
    jdoe (date) from AI: ..."``); other SEGs keep ``"SEG <file name>"``. A version that another one
    read here was edited from starts hidden (its labels unticked), so that the newest edit shows
    and the reader can tick the older one back.

    Parameters
    ----------
    paths
        SEG or RT Structure Set files.
    volume
        The loaded series they annotate.

    Returns
    -------
    overlays, problems
        ``(overlay, path)`` for each layer of each SEG and each structure set; and one line per
        file that could not be placed on this series.
    """
    found: list[tuple[Annotation, str]] = []
    problems: list[str] = []
    provenance: dict[str, SegProvenance] = {}
    for number, path in enumerate(paths, start=1):
        check_cancel(cancel)
        name = os.path.basename(path)
        try:
            # Read with a deadline: an annotation on a stalled share must not hang its job.
            overlays, made = call_with_deadline(_read_one, path, volume, what=name)
        except (ObjectError, StalledReadError) as e:
            log.info("annotation not shown: %s", e)
            problems.append(str(e))
        else:
            found.extend((overlay, path) for overlay in overlays)
            if made is not None:
                provenance[path] = made
        report(progress, number, len(paths), "annotations")
    _name_versions(found, provenance)
    return found, problems


def _name_versions(found: list[tuple[Annotation, str]], provenance: dict[str, SegProvenance]) -> None:
    """Name the versions of a result among ``found`` and hide those another one was edited from."""
    labels = seg_version_labels(provenance)
    sources = {reference.sop_instance_uid for made in provenance.values() for reference in made.derived_from}
    for overlay, path in found:
        made = provenance.get(path)
        if made is None or not (made.edited or any(algorithm.ai for algorithm in made.algorithms)):
            continue
        overlay.name = labels[path] + overlay.name[len(f"SEG {os.path.basename(path)}"):]  # " (2)": a layer
        if made.sop_instance_uid in sources:
            for info in overlay.info.values():
                info.visible = False


def _read_one(path: str, volume: Volume) -> tuple[list[Annotation], SegProvenance | None]:
    name = os.path.basename(path)
    if _sop_class(path) == RTSTRUCT_SOP_CLASS:
        rois = read_rtstruct(path, volume)
        if not any(roi.contours for roi in rois):
            raise ObjectError(f"{name}: no contour lies on this series")
        return [rtstruct_to_contour_overlay(rois, volume, name=f"RTSTRUCT {name}")], None
    overlays: list[Annotation] = list(seg_to_label_overlays(read_seg(path, volume), name=f"SEG {name}"))
    return overlays, read_seg_provenance(path)


__all__ = ["annotation_candidates", "read_annotation_files", "read_annotations"]

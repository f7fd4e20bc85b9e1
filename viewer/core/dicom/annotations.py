"""Find and read the SEGs and RT Structure Sets that annotate a series, as overlays on its grid."""

from __future__ import annotations

import logging
import os

from viewer.core.dicom.deadline import call_with_deadline
from viewer.core.dicom.headers import NotDicomError, read_header
from viewer.core.dicom.objects import (
    RTSTRUCT_SOP_CLASS,
    read_rtstruct,
    read_seg,
    rtstruct_to_contour_overlay,
    seg_to_label_overlays,
)
from viewer.core.dicom.scan import ScanResult, Series
from viewer.core.dicom.sources import Source
from viewer.core.errors import ObjectError, StalledReadError
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import Volume

log = logging.getLogger(__name__)

RTSTRUCT_KIND = "RT structure set"


def annotation_candidates(result: ScanResult, series: Series) -> list[str]:
    """Files of a scan that may annotate ``series``: the SEG instances of its study, and every
    RT Structure Set the scan found (they are not images, so the scan lists them as skipped).

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
                     cancel: CancelToken | None = None) -> tuple[list, list[str]]:
    """Read SEGs and RT Structure Sets onto ``volume``'s grid.

    Parameters
    ----------
    paths
        SEG or RT Structure Set files.
    volume
        The loaded series they annotate.

    Returns
    -------
    overlays, problems
        A LabelOverlay per layer of each SEG and a ContourOverlay per structure
        set; and one line per file that could not be placed on this series.
    """
    overlays, problems = [], []
    for number, path in enumerate(paths, start=1):
        check_cancel(cancel)
        name = os.path.basename(path)
        try:
            # Read with a deadline: an annotation on a stalled share must not hang its job.
            overlays.extend(call_with_deadline(_read_one, path, volume, what=name))
        except (ObjectError, StalledReadError) as e:
            log.info("annotation not shown: %s", e)
            problems.append(str(e))
        report(progress, number, len(paths), "annotations")
    return overlays, problems


def _read_one(path: str, volume: Volume) -> list:
    name = os.path.basename(path)
    if _sop_class(path) == RTSTRUCT_SOP_CLASS:
        rois = read_rtstruct(path, volume)
        if not any(roi.contours for roi in rois):
            raise ObjectError(f"{name}: no contour lies on this series")
        return [rtstruct_to_contour_overlay(rois, volume, name=f"RTSTRUCT {name}")]
    return seg_to_label_overlays(read_seg(path, volume), name=f"SEG {name}")


__all__ = ["annotation_candidates", "read_annotations"]

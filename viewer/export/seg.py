"""DICOM Segmentation objects written with highdicom, referencing the source series."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

from viewer import __version__
from viewer.core import audit
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.export.sources import read_source_images


@audit.audited("export", audit.export_details("seg", False, 3, "path"), audit.count_written)
def write_seg(labels: np.ndarray, source_files: list[str], label_names: dict[int, str], path: str | os.PathLike,
              *, algorithm_name: str, algorithm_version: str, series_description: str = "AI segmentation") -> Path:
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

    Raises
    ------
    ExportError
        The source series cannot be referenced (e.g. it has no UIDs) or highdicom refuses.
    """
    import highdicom as hd
    from pydicom.sr.codedict import codes

    sources = read_source_images(source_files, what="a SEG")
    if labels.shape[0] != len(sources):
        raise ExportError(f"{labels.shape[0]} label slices for {len(sources)} source images")
    values = sorted(v for v in set(np.unique(labels).tolist()) | set(label_names) if v != 0)
    algorithm = hd.AlgorithmIdentificationSequence(
        name=algorithm_name, version=algorithm_version or "unknown",
        family=codes.cid7162.ArtificialIntelligence)
    descriptions = [
        hd.seg.SegmentDescription(
            segment_number=number, segment_label=label_names.get(value, f"label {value}")[:64],
            segmented_property_category=codes.SCT.AnatomicalStructure,
            segmented_property_type=codes.SCT.Tissue,
            algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
            algorithm_identification=algorithm)
        for number, value in enumerate(values, start=1)]
    remapped = np.zeros(labels.shape, dtype=np.uint16 if len(values) > 255 else np.uint8)
    for number, value in enumerate(values, start=1):
        remapped[labels == value] = number
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seg = hd.seg.Segmentation(
                source_images=sources, pixel_array=remapped,
                segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
                segment_descriptions=descriptions, series_instance_uid=hd.UID(), series_number=900,
                sop_instance_uid=hd.UID(), instance_number=1, manufacturer="Outpost",
                manufacturer_model_name="Outpost", software_versions=__version__, device_serial_number="0",
                series_description=series_description[:64])
    except (ValueError, TypeError, AttributeError) as e:
        raise ExportError(f"cannot build the DICOM SEG: {e}") from e
    path = Path(path)
    with atomic_path(path) as temporary:
        seg.save_as(temporary)
    return path

"""Saving a result: result.json, the label map, a DICOM SEG and the heatmap, each written atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ai.inference import Result
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.volume import Volume


def save_result(out: Path, volume: Volume, series: Any, pack: Any, result: Result, heatmap: Any = None) -> dict:
    """Write a result into ``out`` and return the summary written as result.json.

    Parameters
    ----------
    out
        The folder (created if missing).
    volume, series
        The input; ``series`` is the scanned :class:`~viewer.core.dicom.Series`, or
        ``None`` for a picture (then no SEG can reference it).
    pack, result
        The pack and what it produced.
    heatmap
        An :class:`~ai.explain.Heatmap`, written as heatmap.nii.gz.

    Returns
    -------
    dict
        The result.json content; ``files.seg_error`` says why a SEG was not written.
    """
    from viewer.core.dicom.layout import slice_files
    from viewer.export.nifti import write_nifti

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    summary["input"] = {"series_key": series.key if series is not None else None, "modality": volume.modality,
                        "shape_zyx": list(volume.shape_zyx), "spacing_xyz": [float(v) for v in volume.spacing]}
    summary["files"] = {}

    def on_grid(array) -> Volume:
        return Volume(array=array, origin=volume.origin, spacing=volume.spacing, direction=volume.direction)

    if result.labels is not None:
        write_nifti(on_grid(result.labels), out / "labels.nii.gz")
        summary["files"]["labels"] = "labels.nii.gz"
        try:
            from viewer.export.seg import write_seg

            if series is None:
                raise ExportError("a picture is not a DICOM series, so a SEG cannot reference it")
            write_seg(result.labels, slice_files(series), result.label_names, out / "seg.dcm",
                      algorithm_name=pack.name, algorithm_version=pack.version)
            summary["files"]["seg"] = "seg.dcm"
        except ExportError as e:
            summary["files"]["seg_error"] = str(e)
    if heatmap is not None:
        write_nifti(on_grid(heatmap.values), out / "heatmap.nii.gz")
        summary["files"]["heatmap"] = "heatmap.nii.gz"
        summary["explanation"] = {"method": heatmap.method, "target": heatmap.target,
                                  "timings": heatmap.timings}
    with atomic_path(out / "result.json") as temporary:
        temporary.write_text(json.dumps(summary, indent=2))
    return summary


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "series"


def result_folders(series: Any, pack_name: str) -> list[Path]:
    """Where a result of ``pack_name`` on ``series`` is saved, in order of preference.

    Beside the study's files (``outpost-results/<series>-<pack>``), else (a CD, a
    read-only share) in the user's data folder under the study UID.
    """
    from viewer.core.files import user_data_dir

    name = _safe(f"{series.key}-{pack_name}")
    beside = Path(series.first.source.path).parent / "outpost-results" / name
    study = _safe(str(series.first.study_uid or "unknown-study"))
    return [beside, user_data_dir() / "results" / study / name]


def previous_results(series: Any) -> list[tuple[Path, dict]]:
    """Saved results for ``series`` (either place of :func:`result_folders`), newest first."""
    found = []
    for base in {folder.parent for folder in result_folders(series, "x")}:
        prefix = _safe(f"{series.key}-")
        for folder in sorted(base.glob(f"{prefix}*")) if base.is_dir() else []:
            summary = load_summary(folder)
            if summary is not None:
                found.append((folder, summary))
    return sorted(found, key=lambda item: str(item[1].get("provenance", {}).get("date", "")), reverse=True)


def load_previous(folder: Path, volume: Volume) -> tuple[Any, Any, dict]:
    """The label map and heatmap saved in ``folder`` as arrays on ``volume``'s grid, and the summary.

    Raises
    ------
    viewer.core.errors.LoadError
        A file cannot be read, or is not on the volume's grid.
    """
    from viewer.core.errors import LoadError
    from viewer.core.nifti import load_nifti

    folder = Path(folder)
    summary = load_summary(folder) or {}
    arrays = []
    for name in ("labels", "heatmap"):
        file = summary.get("files", {}).get(name)
        if not file:
            arrays.append(None)
            continue
        saved = load_nifti(folder / file)
        if not saved.same_grid(volume, tolerance_mm=1e-2) or saved.shape_zyx != volume.shape_zyx:
            raise LoadError(f"{folder / file} is not on this series' grid")
        arrays.append(saved.array)
    return arrays[0], arrays[1], summary


def load_summary(folder: Path) -> dict | None:
    """A saved result.json, or ``None`` when there is none or it cannot be read."""
    try:
        return json.loads((Path(folder) / "result.json").read_text())
    except (OSError, ValueError):
        return None


__all__ = ["load_previous", "load_summary", "previous_results", "result_folders", "save_result"]

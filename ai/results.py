"""Saving a result: result.json, the label map, a DICOM SEG and the heatmap, written atomically as a whole.

A result is several files that belong together. :func:`save_result` writes
them into a hidden staging folder beside the result's folder, flushes them to
disk, and only then swaps the staging folder into place with renames, so a
crash or power cut at any moment leaves either the previous result or the new
one, never a mixture or a half-written file. :func:`recover_results` finishes
or undoes a swap that a crash interrupted; :func:`previous_results` calls it
before listing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ai.inference import Result
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.volume import Volume

if TYPE_CHECKING:
    from ai.explain import Heatmap
    from ai.packs.pack import Pack
    from viewer.core.dicom import Series

log = logging.getLogger(__name__)

#: The files a result folder holds; a folder with anything else is not swapped as a whole.
RESULT_FILES = frozenset({"result.json", "labels.nii.gz", "seg.dcm", "heatmap.nii.gz"})
#: The hidden folders of a save in progress: ``.<name>.new-<id>`` (being written) and
#: ``.<name>.old-<id>`` (the previous result, moved aside for the swap).
_SAVING = re.compile(r"\.(?P<name>.+)\.(?P<stage>new|old)-[0-9a-f]{12}")


def save_result(out: Path, volume: Volume, series: Series | None, pack: Pack, result: Result,
                heatmap: Heatmap | None = None) -> dict[str, Any]:
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
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_results(out.parent, out.name)
    if not _holds_only_results(out):
        # A folder the user chose that holds other files too: never move it as a whole.
        # Dropping the old result.json first means a crash leaves no result rather than a mixed one.
        (out / "result.json").unlink(missing_ok=True)
        return _write_result(out, volume, series, pack, result, heatmap)
    token = uuid.uuid4().hex[:12]
    staging = out.parent / f".{out.name}.new-{token}"
    try:
        summary = _write_result(staging, volume, series, pack, result, heatmap)
        _fsync_folder(staging)  # each file was flushed by atomic_path; this flushes their names
        _swap_into_place(staging, out, out.parent / f".{out.name}.old-{token}")
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return summary


def _write_result(out: Path, volume: Volume, series: Series | None, pack: Pack, result: Result,
                  heatmap: Heatmap | None) -> dict[str, Any]:
    """Write the files of a result into ``out`` (result.json last)."""
    from viewer.core.dicom.layout import slice_files
    from viewer.export.nifti import write_nifti

    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    summary["input"] = {"series_key": series.key if series is not None else None, "modality": volume.modality,
                        "shape_zyx": list(volume.shape_zyx), "spacing_xyz": [float(v) for v in volume.spacing]}
    summary["files"] = {}

    def on_grid(array: np.ndarray) -> Volume:
        return Volume(array=array, origin=volume.origin, spacing=volume.spacing, direction=volume.direction)

    if result.labels is not None:
        write_nifti(on_grid(result.labels), out / "labels.nii.gz")
        summary["files"]["labels"] = "labels.nii.gz"
        try:
            from viewer.export.seg import write_seg

            if series is None:
                raise ExportError("a picture is not a DICOM series, so a SEG cannot reference it")
            write_seg(result.labels, slice_files(series), result.label_names, out / "seg.dcm",
                      algorithm_name=pack.name, algorithm_version=pack.version, algorithm_checksum=pack.checksum,
                      label_colors=pack.label_colors())
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


def _holds_only_results(folder: Path) -> bool:
    """Whether ``folder`` is absent or holds nothing but the files of a result (and temporaries)."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return True
    return all(name in RESULT_FILES or (name.startswith(".") and ".part" in name) for name in names)


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (the renames in it) to disk where the system allows it."""
    with contextlib.suppress(OSError):  # Windows cannot open a folder; its renames are durable anyway
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _swap_into_place(staging: Path, out: Path, old: Path) -> None:
    """Put the complete ``staging`` folder at ``out``; the previous ``out`` is moved aside, then removed.

    Between the two renames neither result is at ``out``: :func:`recover_results`
    then moves the previous one back.
    """
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    _fsync_folder(out.parent)
    shutil.rmtree(old, ignore_errors=True)


def recover_results(base: Path, name: str | None = None) -> None:
    """Finish what a crash interrupted in ``base`` (a folder of result folders).

    A staging folder (``.<name>.new-*``) was never swapped in, so it is removed;
    a previous result moved aside (``.<name>.old-*``) goes back where no result
    took its place, and is removed where one did.

    Parameters
    ----------
    base
        The folder holding result folders.
    name
        Only the interrupted saves of this result folder (default: all in ``base``).
    """
    base = Path(base)
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return
    for entry in entries:
        match = _SAVING.fullmatch(entry)
        path = base / entry
        if match is None or (name is not None and match["name"] != name) or not path.is_dir():
            continue
        target = base / match["name"]
        try:
            if match["stage"] == "new" or target.exists():
                shutil.rmtree(path)
            else:
                os.replace(path, target)
                log.info("restored the previous result %s after an interrupted save", target.name)
        except OSError as e:
            log.warning("cannot clean up an interrupted result save in %s: %s", base, e.strerror or e)


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "series"


def result_folders(series: Series, pack_name: str) -> list[Path]:
    """Where a result of ``pack_name`` on ``series`` is saved, in order of preference.

    Beside the study's files (``outpost-results/<series>-<pack>``), else (a CD, a
    read-only share) in the user's data folder under the study UID.
    """
    from viewer.core.files import user_data_dir

    name = _safe(f"{series.key}-{pack_name}")
    beside = Path(series.first.source.path).parent / "outpost-results" / name
    study = _safe(str(series.first.study_uid or "unknown-study"))
    return [beside, user_data_dir() / "results" / study / name]


def previous_results(series: Series) -> list[tuple[Path, dict[str, Any]]]:
    """Saved results for ``series`` (either place of :func:`result_folders`), newest first."""
    found: list[tuple[Path, dict[str, Any]]] = []
    for base in {folder.parent for folder in result_folders(series, "x")}:
        recover_results(base)
        prefix = _safe(f"{series.key}-")
        for folder in sorted(base.glob(f"{prefix}*")) if base.is_dir() else []:
            summary = load_summary(folder)
            if summary is not None:
                found.append((folder, summary))
    return sorted(found, key=lambda item: str(item[1].get("provenance", {}).get("date", "")), reverse=True)


def load_previous(folder: Path, volume: Volume) -> tuple[np.ndarray | None, np.ndarray | None, dict[str, Any]]:
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
    arrays: list[np.ndarray | None] = []
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


def load_summary(folder: Path) -> dict[str, Any] | None:
    """A saved result.json, or ``None`` when there is none or it cannot be read."""
    try:
        summary: dict[str, Any] = json.loads((Path(folder) / "result.json").read_text())
        return summary
    except (OSError, ValueError):
        return None


__all__ = ["load_previous", "load_summary", "previous_results", "recover_results", "result_folders", "save_result"]

"""Volumetry of a brain label map: each structure in mL and as a share of the intracranial volume.

Left and right go side by side where the atlas names both with FreeSurfer's conventions
(``Left-``/``Right-`` prefixes, ``ctx-lh-``/``ctx-rh-`` for the cortex). Volumes are counted
on the grid the labels are on (the series' own), voxels times the voxel volume. No Qt.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

#: FreeSurfer's side markers: (pattern, side, how the structure is then named)
_SIDES = ((re.compile(r"^Left[-_ ](.+)$", re.IGNORECASE), "left", "{}"),
          (re.compile(r"^Right[-_ ](.+)$", re.IGNORECASE), "right", "{}"),
          (re.compile(r"^ctx[-_]lh[-_](.+)$", re.IGNORECASE), "left", "ctx-{}"),
          (re.compile(r"^ctx[-_]rh[-_](.+)$", re.IGNORECASE), "right", "ctx-{}"))


def side_of(name: str) -> tuple[str, str | None]:
    """``(structure, side)`` of a label name; ``(name, None)`` when it names no side.

    ``("Hippocampus", "left")`` for ``Left-Hippocampus``, ``("ctx-insula", "right")`` for ``ctx-rh-insula``.
    """
    for pattern, side, shown in _SIDES:
        match = pattern.match(name)
        if match:
            return shown.format(match.group(1)), side
    return name, None


def volumetry(labels: np.ndarray, label_names: dict[int, str], spacing_mm: Sequence[float] | np.ndarray,
              pack_name: str, icv_mask: np.ndarray | None = None, icv_source: str | None = None) -> dict[str, Any]:
    """The volumetry table of a label map.

    Parameters
    ----------
    labels
        Label values on the series' grid (any shape).
    label_names
        Value to name (0 is background and is left out).
    spacing_mm
        Voxel size ``(x, y, z)`` in mm.
    pack_name
        The pack that made ``labels`` (named in the ICV source when there is no mask).
    icv_mask
        The voxels counted as the intracranial volume, on the same grid (default: every
        labelled voxel).
    icv_source
        What ``icv_mask`` is, said plainly (required with ``icv_mask``).

    Returns
    -------
    dict
        ``{"icv_ml", "icv_source", "rows": [{"structure", "left_ml", "right_ml", "total_ml",
        "percent_icv"}]}``, rows in the atlas' order of first appearance; a side an atlas
        does not name is ``None``. JSON-serialisable.
    """
    voxel_ml = float(np.prod(np.asarray(spacing_mm, dtype=np.float64))) / 1000.0
    flat = np.asarray(labels).reshape(-1)
    counts = np.bincount(flat, minlength=max(label_names, default=0) + 1) if flat.size else np.zeros(1, int)
    if icv_mask is None:
        icv_voxels = int(flat.size - counts[0])
        icv_source = (f"union of the structures {pack_name} labels (every labelled voxel): not the true "
                      "intracranial volume, which also holds the CSF and tissue no label covers")
    else:
        icv_voxels = int(np.count_nonzero(icv_mask))
        if not icv_source:
            raise ValueError("an intracranial mask needs its source said (icv_source)")
    icv_ml = icv_voxels * voxel_ml
    rows: dict[str, dict[str, Any]] = {}
    for value in sorted(label_names):
        if value == 0:
            continue
        structure, side = side_of(str(label_names[value]))
        ml = float(counts[value]) * voxel_ml if value < len(counts) else 0.0
        row = rows.setdefault(structure, {"structure": structure, "left_ml": None, "right_ml": None,
                                          "total_ml": 0.0})
        if side is not None:
            row[f"{side}_ml"] = round((row[f"{side}_ml"] or 0.0) + ml, 3)
        row["total_ml"] += ml
    table = []
    for row in rows.values():
        total = row["total_ml"]
        table.append({**row, "total_ml": round(total, 3),
                      "percent_icv": round(100.0 * total / icv_ml, 3) if icv_ml > 0 else None})
    return {"icv_ml": round(icv_ml, 3), "icv_source": icv_source, "rows": table}


def format_table(table: dict[str, Any]) -> list[str]:
    """The volumetry as text lines: a heading saying what the ICV is, then one line per structure."""
    lines = [f"volumetry: intracranial volume (ICV) {table['icv_ml']:.1f} mL, measured as the "
             f"{table['icv_source']}",
             f"{'structure':34} {'left mL':>9} {'right mL':>9} {'total mL':>9} {'% ICV':>7}"]

    def shown(value: float | None, width: int, digits: int = 1) -> str:
        return f"{'-':>{width}}" if value is None else f"{value:{width}.{digits}f}"

    for row in table["rows"]:
        lines.append(f"{row['structure'][:34]:34} {shown(row['left_ml'], 9)} {shown(row['right_ml'], 9)} "
                     f"{shown(row['total_ml'], 9)} {shown(row['percent_icv'], 7, 2)}")
    return lines


__all__ = ["format_table", "side_of", "volumetry"]

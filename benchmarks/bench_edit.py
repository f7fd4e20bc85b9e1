"""``edit``: the segment editor on a 512x512x400 CT-like volume and its label map.

- one brush stroke (a sphere of 10 mm radius) with the axial view through it redrawn
  (the viewer's own plane extraction and compositing), beside a naive whole-volume
  numpy update of the same sphere with the same redraw, in the same run;
- region growing (SimpleITK connected threshold) from a click in the liver;
- undo of a stroke (a drag of several 10 mm dabs), with and without the redraw.

The editor journals every step to disk (fsync), as the viewer does. Targets: stroke with
redraw and undo at most 16 ms, region growing at most 1 s.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

from benchmarks.bench_render import median_ms

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SHAPE = (400, 512, 512)
SPACING = (0.78, 0.78, 1.0)  # (x, y, z) mm
RADIUS_MM = 10.0


def ct_like(shape=SHAPE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A CT-like int16 volume (air, fat, soft tissue, liver, spine, noise) and its labels (liver 1, spine 2).

    Built one slice at a time, so no full-size float temporaries are needed.
    """
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    yy, xx = np.mgrid[0:ny, 0:nx].astype(np.float32)
    cy, cx = ny / 2, nx / 2
    body = ((xx - cx) / (0.42 * nx)) ** 2 + ((yy - cy) / (0.32 * ny)) ** 2 <= 1
    inner = ((xx - cx) / (0.38 * nx)) ** 2 + ((yy - cy) / (0.28 * ny)) ** 2 <= 1
    spine = (xx - cx) ** 2 + (yy - cy - 0.2 * ny) ** 2 <= (0.05 * nx) ** 2
    hu = np.empty(shape, dtype=np.int16)
    labels = np.zeros(shape, dtype=np.uint8)
    for z in range(nz):
        reach = max(0.0, 1.0 - ((z - 0.5 * nz) / (0.35 * nz)) ** 2)
        rx, ry = 0.16 * nx * reach + 1e-6, 0.14 * ny * reach + 1e-6
        liver = ((xx - 0.38 * nx) / rx) ** 2 + ((yy - 0.45 * ny) / ry) ** 2 <= 1
        plane = np.full((ny, nx), -1000, dtype=np.int16)
        plane[body] = -100
        plane[inner] = 20  # abdominal soft tissue
        plane[liver & inner] = 65
        plane[spine] = 400
        plane += rng.integers(-15, 16, size=(ny, nx), dtype=np.int16)
        hu[z] = plane
        labels[z][liver & inner] = 1
        labels[z][spine] = 2
    return hu, labels


def run(args) -> dict:
    """Measure a brush stroke with redraw, region growing and undo."""
    from viewer.core.display import Window
    from viewer.core.mpr import extract_plane
    from viewer.core.overlays import LabelOverlay
    from viewer.core.volume import Volume
    from viewer.model.segment_editor import SegmentationSource, SegmentEditor
    from viewer.model.state import ViewerState
    from viewer.qt.qt_viewport import composite  # numpy only: the viewport's picture of a plane

    repeat = max(5, args.repeat * 5)
    hu, labels = ct_like()
    volume = Volume(array=hu, spacing=SPACING, modality="CT")
    source = SegmentationSource("ai-result", "benchmark liver", pack_name="bench", pack_version="1",
                                pack_checksum="0" * 64, source_series_uid="1.2.3.4.5")
    overlay = LabelOverlay.from_names(labels, {1: "liver", 2: "spine"}, present=[1, 2])
    editor = SegmentEditor.from_label_overlay(volume, overlay, source, journal=True)
    state = ViewerState()
    state.set_volume(volume)
    state.set_window(Window(40, 400))
    state.add_overlay(editor.overlay)
    lesion = editor.add_segment("lesion").number
    centres = [(200.0 + 7 * (k % 5), 230.0 + 9 * k, 190.0 + 11 * k) for k in range(repeat + 1)]

    def redraw(z: float):
        return composite(state, extract_plane(volume, "axial", int(round(z))))

    stroke_times, paint_times, changed = [], [], []
    for center in centres:
        start = time.perf_counter()
        changed.append(editor.paint(center, RADIUS_MM, sphere=True))
        painted = time.perf_counter()
        redraw(center[0])
        stroke_times.append(time.perf_counter() - start)
        paint_times.append(painted - start)
    stroke_ms = statistics.median(stroke_times[1:]) * 1000
    paint_ms = statistics.median(paint_times[1:]) * 1000
    redraw_ms = median_ms(lambda: redraw(centres[0][0]), repeat, warm=False)

    # the naive peer: the same sphere computed over the whole volume, written with a mask, same redraw
    work = editor.labels
    zz, yy, xx = (np.arange(n, dtype=np.float64).reshape([-1 if a == i else 1 for a in range(3)])
                  for i, n in enumerate(SHAPE))
    sx, sy, sz = SPACING

    def naive(center):
        inside = (((zz - center[0]) * sz) ** 2 + ((yy - center[1]) * sy) ** 2
                  + ((xx - center[2]) * sx) ** 2) <= RADIUS_MM ** 2
        work[inside & (work != 2)] = lesion
        redraw(center[0])

    naive_ms = median_ms(lambda: naive(centres[1]), 3, warm=False)
    editor.undo()  # (the naive update wrote into the map directly: put the last paint's voxels back)
    work[work == lesion] = 0

    # undo of a drag: 8 dabs of 10 mm
    def drag(row: float):
        editor.begin_stroke()
        for k in range(8):
            editor.paint((180.0, row, 150.0 + 4 * k), RADIUS_MM, sphere=True)
        editor.end_stroke()

    undo_times, undo_redraw_times, stroke_voxels = [], [], []
    for k in range(repeat):
        drag(200.0 + 3 * k)
        stroke_voxels.append(editor.last_step_bytes)
        start = time.perf_counter()
        editor.undo()
        undone = time.perf_counter()
        redraw(180.0)
        undo_redraw_times.append(time.perf_counter() - start)
        undo_times.append(undone - start)
    undo_ms = statistics.median(undo_times) * 1000
    undo_redraw_ms = statistics.median(undo_redraw_times) * 1000

    # region growing from a click in the liver
    seed = tuple(int(c) for c in np.argwhere(labels[200] == 1)[len(np.argwhere(labels[200] == 1)) // 2])
    seed = (200, *seed)
    grow_active = editor.add_segment("grown").number
    grow_times, grown = [], 0
    for _ in range(max(3, args.repeat)):
        editor.active = grow_active
        start = time.perf_counter()
        grown = editor.region_grow(seed, low=45, high=120)
        grow_times.append(time.perf_counter() - start)
        editor.undo()
    grow_ms = statistics.median(grow_times) * 1000
    journal_bytes = editor.journal.path.stat().st_size
    editor.close(discard=True)
    return {
        "benchmark": "edit",
        "peer": "naive whole-volume numpy update of the same sphere (float64 distance of every voxel), "
                "with the same redraw",
        "volume": "x".join(map(str, SHAPE[::-1])) + f" int16, spacing {SPACING} mm, label map uint8",
        "brush": f"sphere radius {RADIUS_MM} mm",
        "stroke_with_redraw_ms": round(stroke_ms, 2),
        "stroke_paint_and_journal_ms": round(paint_ms, 2),
        "redraw_axial_ms": round(redraw_ms, 2),
        "voxels_per_stroke": int(np.median(changed)),
        "naive_stroke_with_redraw_ms": round(naive_ms, 2),
        "ratio_stroke_vs_naive": round(stroke_ms / naive_ms, 4),
        "undo_stroke_ms": round(undo_ms, 2),
        "undo_stroke_with_redraw_ms": round(undo_redraw_ms, 2),
        "undo_memory_per_drag_bytes": int(np.median(stroke_voxels)),
        "region_grow_ms": round(grow_ms, 1),
        "region_grow_voxels": int(grown),
        "journal_bytes": int(journal_bytes),
        "targets_ms": {"stroke_with_redraw": 16.0, "region_grow": 1000.0, "undo_stroke": 16.0},
    }

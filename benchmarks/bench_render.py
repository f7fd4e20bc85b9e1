"""``render``: the viewer's drawing, each case against a naive numpy implementation of the same pipeline.

One 512x512 CT slice windowed, with a label overlay and a heatmap, drawn
into a 1024x1024 viewport; a sagittal reformat of a 400-slice volume; the axial view of a
sagittally acquired 256^3 volume (the patient's plane: a permutation and flips); a 10 mm
MIP slab on the 400-slice CT; and an oblique reformat (30° and 15°, linear) of it. Each
against a naive numpy implementation of the same pipeline, in the same run.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def median_ms(function, repeat: int, warm: bool = True) -> float:
    """The median of ``repeat`` timed calls of ``function``, in ms (after one untimed call when ``warm``)."""
    if warm:
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000.0


def _real_ct(data: Path):
    from viewer.core.dicom import load_series, scan

    return load_series(scan(data / "ct_abdomen_series_totalsegmentator" / "dicom").series[0])


def naive_frame(plane, labels, colors, heat, colormap, window, size=1024):
    """The same picture computed the plain way: floats everywhere, np.where, repeat-upscale."""
    low, high = window.center - window.width / 2, window.center + window.width / 2
    grey = np.clip((plane.astype(np.float64) - low) / (high - low), 0, 1) * 255.0
    rgb = np.stack([grey, grey, grey], axis=-1)
    for value in range(1, len(colors)):
        mask = labels == value
        rgb = np.where(mask[..., None], rgb * 0.6 + colors[value][:3] * 0.4, rgb)
    shown = heat > 0.2
    heat_rgb = colormap[np.clip((heat * 255).astype(int), 0, 255)].astype(np.float64)
    rgb = np.where(shown[..., None], rgb * 0.55 + heat_rgb * 0.45, rgb)
    factor = size // plane.shape[0]
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1).astype(np.uint8)


def run(args) -> dict:
    """Measure frame and reformat times."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from viewer.core.display import COLORMAPS, Window
    from viewer.core.mpr import extract_plane
    from viewer.core.overlays import HeatmapOverlay, LabelOverlay
    from viewer.core.volume import Volume
    from viewer.model.state import ViewerState
    from viewer.qt.qt_viewport import composite, to_qimage

    data = Path(args.data or Path(__file__).resolve().parents[1].parent / "shared" / "data")
    app = QApplication.instance() or QApplication([])
    ct = _real_ct(data)
    z, y, x = np.mgrid[0:ct.shape_zyx[0], 0:512, 0:512]
    labels = np.zeros(ct.shape_zyx, dtype=np.uint8)
    labels[(ct.array > 150) & (ct.array < 1500)] = 2
    labels[((x - 180) ** 2 + (y - 300) ** 2) < 60 ** 2] = 1
    heat = np.exp(-(((x - 300) ** 2 + (y - 250) ** 2) / (2 * 40.0 ** 2))).astype(np.float32)
    state = ViewerState()
    state.set_volume(ct)
    state.set_window(Window(40, 400))
    label_overlay = LabelOverlay.from_names(labels, {1: "liver", 2: "bone"}, opacity=0.4)
    state.add_overlay(label_overlay)
    state.add_overlay(HeatmapOverlay(values=heat, colormap="jet", opacity=0.45, threshold=0.2))
    plane = extract_plane(ct, "axial", 10)
    target = QImage(1024, 1024, QImage.Format.Format_RGB32)

    def outpost_frame():
        image = to_qimage(composite(state, plane))
        painter = QPainter(target)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(0, 0, 1024, 1024), image)
        painter.end()

    colors = label_overlay.rgba_table()
    naive = lambda: naive_frame(plane.array, labels[10], colors, heat[10], COLORMAPS["jet"],  # noqa: E731
                                state.window)
    frame_ms = median_ms(outpost_frame, 50)
    naive_ms = median_ms(naive, 20)

    # A 400-slice volume of the real CT's slices, for the reformat.
    big = Volume(array=np.concatenate([ct.array] * 20, axis=0), spacing=ct.spacing, modality="CT")
    big_state = ViewerState()
    big_state.set_volume(big)
    big_state.set_window(Window(40, 400))
    columns = iter(range(10 ** 9))

    def outpost_reformat():
        sagittal = extract_plane(big, "sagittal", 100 + next(columns) % 300)
        return composite(big_state, sagittal)

    def naive_reformat():
        index = 100 + next(columns) % 300
        cut = np.stack([big.array[k, :, index] for k in range(big.array.shape[0])])[::-1]
        low, high = 40 - 200, 40 + 200
        grey = np.clip((cut.astype(np.float64) - low) / (high - low), 0, 1) * 255.0
        return np.stack([grey] * 3, axis=-1).astype(np.uint8)

    reformat_ms = median_ms(outpost_reformat, 30)
    naive_reformat_ms = median_ms(naive_reformat, 30)
    anatomical = _anatomical_reformat(composite)
    slab = _mip_slab(big, big_state, composite)
    oblique = _oblique_reformat(big)
    layout = _synchronised_2x2(ct)
    del app
    return {
        "benchmark": "render",
        "peer": "naive numpy of the same pipeline (float window, np.where blends, repeat upscale)",
        "frame_512_to_1024_with_labels_and_heatmap_ms": round(frame_ms, 2),
        "naive_frame_ms": round(naive_ms, 2),
        "ratio_frame_vs_naive": round(frame_ms / naive_ms, 3),
        "sagittal_reformat_400_slices_ms": round(reformat_ms, 2),
        "naive_reformat_ms": round(naive_reformat_ms, 2),
        "ratio_reformat_vs_naive": round(reformat_ms / naive_reformat_ms, 3),
        **anatomical, **slab, **oblique, **layout,
        "targets_ms": {"frame": 5.0, "reformat": 15.0, "anatomical_reformat": 15.0, "mip_slab_10mm": 30.0,
                       "oblique_reformat": 40.0, "scroll_2x2_synchronised": 20.0},
    }


def _windowed(cut: np.ndarray, center: float = 40.0, width: float = 400.0) -> np.ndarray:
    low, high = center - width / 2, center + width / 2
    grey = np.clip((cut.astype(np.float64) - low) / (high - low), 0, 1) * 255.0
    return np.stack([grey] * 3, axis=-1).astype(np.uint8)


def _anatomical_reformat(composite) -> dict:
    """The axial view of a sagittally acquired 256^3 MR, against a loop that stacks its rows."""
    from viewer.core.display import Window
    from viewer.core.mpr import extract_plane
    from viewer.core.volume import Volume
    from viewer.model.state import ViewerState

    values = np.random.default_rng(1).integers(0, 1000, (256, 256, 256)).astype(np.int16)
    # Slices from right to left, rows from head to feet, columns from front to back.
    direction = np.column_stack([(0.0, 1.0, 0.0), (0.0, 0.0, -1.0), (1.0, 0.0, 0.0)])
    sagittal = Volume(array=values, direction=direction, modality="MR")
    state = ViewerState()
    state.set_volume(sagittal)
    state.set_window(Window(40, 400))
    rows = iter(range(10 ** 9))

    def outpost():
        return composite(state, extract_plane(sagittal, "axial", 50 + next(rows) % 150))

    def naive():
        row = 50 + next(rows) % 150
        # Axial: anterior (column 0) at the top, the patient's right (slice 0) on the left.
        cut = np.stack([values[k, row, :] for k in range(values.shape[0])], axis=1)
        return _windowed(cut)

    ours, theirs = median_ms(outpost, 30), median_ms(naive, 30)
    return {"anatomical_reformat_sagittal_256_ms": round(ours, 2),
            "naive_anatomical_reformat_ms": round(theirs, 2),
            "ratio_anatomical_reformat_vs_naive": round(ours / theirs, 3)}


def _oblique_reformat(big) -> dict:
    """A 512x512 plane at 30° and 15° through the 512x512x400 CT, linear, against plain float64 numpy."""
    from viewer.core.reformat import oblique_plane

    a, b = np.radians(30.0), np.radians(15.0)
    tilt_x = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    tilt_y = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    right, down = tilt_y @ tilt_x @ np.array([1.0, 0, 0]), tilt_y @ tilt_x @ np.array([0, 1.0, 0])
    center = big.index_to_physical(np.array([255.5, 255.5, 200.0]))
    pixel = float(big.spacing[0])

    def outpost():
        return oblique_plane(big, center, right, down, (512, 512), pixel)

    def naive():
        rows, cols = np.mgrid[0:512, 0:512].astype(np.float64)
        origin = center - (right * 511 / 2 + down * 511 / 2) * pixel
        points = origin + (rows[..., None] * down + cols[..., None] * right) * pixel
        index = (points - big.origin) @ np.linalg.inv(big.direction * big.spacing).T
        x, y, z = index[..., 0], index[..., 1], index[..., 2]
        nz, ny, nx = big.shape_zyx
        x0, y0, z0 = (np.clip(np.floor(v).astype(int), 0, n - 2) for v, n in ((x, nx), (y, ny), (z, nz)))
        fx, fy, fz = x - x0, y - y0, z - z0
        result = np.zeros_like(x)
        for dz in (0, 1):
            for dy in (0, 1):
                for dx in (0, 1):
                    weight = (fx if dx else 1 - fx) * (fy if dy else 1 - fy) * (fz if dz else 1 - fz)
                    result += weight * big.array[z0 + dz, y0 + dy, x0 + dx]
        inside = (x >= 0) & (x <= nx - 1) & (y >= 0) & (y <= ny - 1) & (z >= 0) & (z <= nz - 1)
        return np.where(inside, result, big.array.min())

    from viewer.core.reformat import release_copy

    release_copy()
    start = time.perf_counter()
    outpost()  # the first plane also makes SimpleITK's copy of the volume, kept for the next ones
    first = (time.perf_counter() - start) * 1000.0
    ours, theirs = median_ms(outpost, 10), median_ms(naive, 5)
    numpy_engine = median_ms(
        lambda: oblique_plane(big, center, right, down, (512, 512), pixel, engine="numpy"), 5)
    release_copy()
    return {"oblique_reformat_30_15_degrees_512x512x400_ms": round(ours, 2),
            "oblique_reformat_first_plane_with_copy_ms": round(first, 2),
            "oblique_reformat_numpy_engine_ms": round(numpy_engine, 2),
            "naive_oblique_reformat_ms": round(theirs, 2),
            "ratio_oblique_reformat_vs_naive": round(ours / theirs, 3)}


def _synchronised_2x2(ct) -> dict:
    """One scroll step in a 2x2 layout of four series kept in step, against four plain numpy slices.

    Moving one moves the other three (viewer.qt.qt_comparison) and all four pictures are composited
    again; the numpy slices are windowed in float64.
    """
    from viewer.core.display import Window
    from viewer.core.volume import Volume
    from viewer.model.state import ViewerState
    from viewer.qt.qt_comparison import QtComparison

    main = ViewerState()
    comparison = QtComparison(main)
    comparison.set_layout("2x2")
    series = []
    for number, state in enumerate(comparison.model.states):
        # four 512x512 CTs of 80 slices, each 25 mm further along, as four studies would be
        array = np.concatenate([ct.array] * 4, axis=0)
        volume = Volume(array=array, spacing=ct.spacing, direction=ct.direction,
                        origin=ct.origin + np.array([0.0, 0.0, 25.0 * number]), modality="CT")
        state.set_volume(volume)
        state.set_window(Window(40, 400))
        series.append(volume)
    comparison.resynchronise()
    first = comparison.model.main
    steps = iter(range(10 ** 9))

    def outpost():
        cursor = first.cursor.copy()
        cursor[2] = 20 + next(steps) % 40
        first.set_cursor(cursor)  # the other three follow
        return [viewport.render_rgb() for viewport in comparison.viewports]

    def naive():
        index = 20 + next(steps) % 40
        pictures = []
        for volume in series:
            grey = np.clip((volume.array[index].astype(np.float64) - (40 - 200)) / 400, 0, 1) * 255.0
            pictures.append(np.stack([grey] * 3, axis=-1).astype(np.uint8))
        return pictures

    ours, theirs = median_ms(outpost, 20), median_ms(naive, 20)
    moved = [int(round(state.cursor[2])) for state in comparison.model.states]
    return {"scroll_2x2_synchronised_ms": round(ours, 2), "naive_four_slices_ms": round(theirs, 2),
            "ratio_scroll_2x2_vs_naive": round(ours / theirs, 3), "scroll_2x2_slices_after_last_step": moved}


def _mip_slab(big, state, composite) -> dict:
    """A 10 mm MIP slab (axial) on the 512x512x400 CT, against a loop of np.maximum over the planes."""
    from viewer.core.mpr import slab_plane

    planes = iter(range(10 ** 9))
    half = int(10.0 / 2 / float(big.spacing[2]))

    def outpost():
        return composite(state, slab_plane(big, "axial", 100 + next(planes) % 200, 10.0, "mip"))

    def naive():
        index = 100 + next(planes) % 200
        result = big.array[index - half].astype(np.float64)
        for k in range(index - half + 1, index + half + 1):
            result = np.maximum(result, big.array[k].astype(np.float64))
        return _windowed(result)

    ours, theirs = median_ms(outpost, 30), median_ms(naive, 30)
    return {"mip_slab_10mm_512x512x400_ms": round(ours, 2), "naive_mip_slab_ms": round(theirs, 2),
            "ratio_mip_slab_vs_naive": round(ours / theirs, 3)}

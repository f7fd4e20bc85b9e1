"""Window/level, colour maps and overlay compositing, vectorised with numpy.

Everything here maps a 2-D slice of real-world values (and optional overlay
slices) to an RGB picture; the Qt layer only wraps the result in a QImage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from viewer.core.colormaps import colormap_tables

#: Window presets (centre, width) by modality, as radiology viewers name them.
PRESETS: dict[str, dict[str, tuple[float, float]]] = {
    "CT": {
        "Brain": (40.0, 80.0),
        "Subdural": (75.0, 215.0),
        "Stroke": (32.0, 8.0),
        "Lung": (-600.0, 1500.0),
        "Mediastinum": (50.0, 350.0),
        "Abdomen": (60.0, 400.0),
        "Liver": (30.0, 150.0),
        "Bone": (400.0, 1800.0),
    },
}


@dataclass(frozen=True)
class Window:
    """A VOI window: values in ``[centre - width/2, centre + width/2]`` span black to white."""

    center: float
    width: float

    @property
    def low(self) -> float:
        """The value shown black."""
        return self.center - self.width / 2.0

    @property
    def high(self) -> float:
        """The value shown white."""
        return self.center + self.width / 2.0


def presets_for(modality: str) -> dict[str, Window]:
    """Named window presets that suit a modality (empty when there are none)."""
    return {name: Window(*cw) for name, cw in PRESETS.get(modality.upper(), {}).items()}


def default_window(array: np.ndarray, metadata: dict[str, Any] | None = None) -> Window:
    """The file's own first window if it has one, else one spanning the 0.5-99.5 percentiles."""
    metadata = metadata or {}
    centers, widths = metadata.get("window_center") or [], metadata.get("window_width") or []
    if centers and widths and widths[0] > 0:
        return Window(float(centers[0]), float(widths[0]))
    sample = array[..., ::4, ::4] if array.ndim >= 2 else array
    low, high = np.percentile(sample, [0.5, 99.5]) if sample.size else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    return Window(float((low + high) / 2.0), float(high - low))


def window_lut(window: Window, dtype: np.dtype, invert: bool = False) -> tuple[np.ndarray, int] | None:
    """A lookup table from every integer value of ``dtype`` to grey, with its offset.

    Returns ``None`` for dtypes too wide for a table (int32 and up, floats).
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu" or dtype.itemsize > 2:
        return None
    info = np.iinfo(dtype)
    values = np.arange(info.min, info.max + 1, dtype=np.float32)
    return _to_grey(values, window, invert), int(info.min)


def _to_grey(values: np.ndarray, window: Window, invert: bool) -> np.ndarray:
    # DICOM PS3.3 C.11.2.1.2.1 linear VOI function, with a floor at width 1.
    width = max(window.width, 1.0)
    scaled = ((values - (window.center - 0.5)) / (width - 1.0) + 0.5) if width > 1 else \
        (values >= window.center).astype(np.float32)
    grey = np.clip(scaled * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return 255 - grey if invert else grey


def apply_window(plane: np.ndarray, window: Window, invert: bool = False,
                 lut: tuple[np.ndarray, int] | None = None) -> np.ndarray:
    """Map a 2-D slice of values to 8-bit grey through ``window``.

    Parameters
    ----------
    plane
        Real-world values (after the Modality LUT).
    window
        The VOI window.
    invert
        Show high values dark (MONOCHROME1, or the reader's invert).
    lut
        A table from :func:`window_lut` for this window and dtype; integer
        slices then cost one table look-up per pixel; a float slice (a true reformat, an
        average slab) goes through the window itself.
    """
    if lut is not None and plane.dtype.kind in "iu":
        table, offset = lut
        if offset == 0:
            return np.asarray(table[plane])
        # value - min for a signed type is its unsigned view with the sign bit flipped.
        unsigned = plane.view(plane.dtype.str.replace("i", "u"))
        return np.asarray(table[unsigned ^ unsigned.dtype.type(-offset)])
    return _to_grey(plane.astype(np.float32, copy=False), window, invert)


def apply_voi_lut(plane: np.ndarray, voi_lut: tuple[int, int, np.ndarray], invert: bool = False) -> np.ndarray:
    """Map a slice through a file's VOI LUT (``(first_mapped, bits, table)``) to 8-bit grey.

    Values below the first mapped one take the first entry, values above the
    last take the last entry (PS3.3 C.11.2.1.1).
    """
    first, bits, table = voi_lut
    top = float(max(table.max(), 1.0)) if bits <= 0 else float(2 ** bits - 1)
    index = np.clip(plane.astype(np.int64) - first, 0, len(table) - 1)
    grey = np.clip(table[index] / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return 255 - grey if invert else grey


def file_windows(metadata: dict[str, Any]) -> list[Window]:
    """The windows a file names (WindowCenter/WindowWidth may list several)."""
    centers, widths = metadata.get("window_center") or [], metadata.get("window_width") or []
    return [Window(float(c), float(w)) for c, w in zip(centers, widths, strict=False) if w and w > 0]


def apply_rgb_window(plane: np.ndarray, window: Window | None, invert: bool = False) -> np.ndarray:
    """Colour images are shown as stored (8-bit), or windowed per channel when deeper."""
    if plane.dtype == np.uint8 and window is None:
        rgb = plane
    else:
        rgb = apply_window(plane, window or Window(127.5, 256.0))
    return 255 - rgb if invert else rgb


# --------------------------------------------------------------------------- colour maps
#: 256-entry RGB colour maps for heatmaps: matplotlib's, exact (see :mod:`viewer.core.colormaps`).
COLORMAPS: dict[str, np.ndarray] = colormap_tables()

#: Distinct label colours (the first twelve of a qualitative palette), cycled.
LABEL_COLORS = np.array([
    (230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (220, 190, 255),
], dtype=np.uint8)


def label_color(label: int) -> tuple[int, int, int]:
    """The default colour of label value ``label`` (1-based)."""
    red, green, blue = (int(c) for c in LABEL_COLORS[(label - 1) % len(LABEL_COLORS)])
    return red, green, blue


# --------------------------------------------------------------------------- compositing
def outline(mask_labels: np.ndarray) -> np.ndarray:
    """Pixels of a label slice that touch a different label (4-neighbourhood)."""
    edge = np.zeros(mask_labels.shape, dtype=bool)
    edge[:-1, :] |= mask_labels[:-1, :] != mask_labels[1:, :]
    edge[1:, :] |= mask_labels[1:, :] != mask_labels[:-1, :]
    edge[:, :-1] |= mask_labels[:, :-1] != mask_labels[:, 1:]
    edge[:, 1:] |= mask_labels[:, 1:] != mask_labels[:, :-1]
    return edge & (mask_labels > 0)


def blend_labels(rgb: np.ndarray, labels: np.ndarray, colors: np.ndarray, opacity: float,
                 outline_only: bool = False) -> np.ndarray:
    """Blend a label slice over an RGB slice.

    The blend of a channel value ``v`` with label ``l`` depends on ``(l, v)``
    only, so it is tabulated once (labels x 256 x 3) and applied as one
    look-up per channel: a 512x512 slice costs about a millisecond.

    Parameters
    ----------
    rgb
        ``[rows, columns, 3]`` uint8, modified in place and returned; or a
        ``[rows, columns]`` grey slice, for which a new RGB slice is returned
        (one packed look-up instead of three).
    labels
        ``[rows, columns]`` integer labels (0 is background).
    colors
        ``[n_labels + 1, 4]`` uint8 RGBA per label value; alpha 0 hides a label.
    opacity
        Global opacity in ``[0, 1]``.
    outline_only
        Draw only the boundaries, at full opacity.
    """
    index = labels if labels.dtype.kind in "iu" and labels.max(initial=0) < len(colors) \
        and labels.min(initial=0) >= 0 else np.clip(labels, 0, len(colors) - 1)
    alpha = colors[:, 3].astype(np.float32) / 255.0
    if outline_only:
        index = np.where(outline(labels), index, 0)
    else:
        alpha = alpha * opacity
    alpha[0] = 0.0
    values = np.arange(256, dtype=np.float32)
    table = (values[None, :, None] * (1.0 - alpha)[:, None, None]
             + colors[:, None, :3].astype(np.float32) * alpha[:, None, None] + 0.5).astype(np.uint8)
    if rgb.ndim == 2:
        packed = np.full((len(colors), 256, 4), 255, dtype=np.uint8)
        packed[..., :3] = table
        flat = packed.view(np.uint32).reshape(len(colors) * 256)
        out = flat[index.astype(np.intp, copy=False) * 256 + rgb]
        return np.asarray(out.view(np.uint8).reshape(*rgb.shape, 4)[..., :3])  # RGB view of packed RGBX
    for channel in range(3):
        rgb[..., channel] = table[index, rgb[..., channel], channel]
    return rgb


def blend_heatmap(rgb: np.ndarray, heat: np.ndarray, colormap: np.ndarray, opacity: float,
                  threshold: float = 0.0) -> np.ndarray:
    """Blend a ``[0, 1]`` heatmap slice over an RGB slice where it exceeds ``threshold``.

    Only the bounding box of the shown region is touched.
    """
    shown = heat > threshold
    rows, cols = np.flatnonzero(shown.any(axis=1)), np.flatnonzero(shown.any(axis=0))
    if rows.size == 0:
        return rgb
    box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    shown, target = shown[box], rgb[box]
    index = np.clip(heat[box][shown] * 255.0, 0, 255).astype(np.intp)
    target[shown] = (target[shown] * np.float32(1.0 - opacity) + colormap[index] * np.float32(opacity)
                     + np.float32(0.5)).astype(np.uint8)
    return rgb


def grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    """Stack an 8-bit grey slice into ``[rows, columns, 3]``."""
    return np.repeat(grey[..., None], 3, axis=2)

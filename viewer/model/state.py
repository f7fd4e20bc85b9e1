"""The state every view observes: volume, window, crosshair, slab, overlays, measurements; no Qt."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from viewer.core.display import Window, default_window, window_lut
from viewer.core.measure import angle_deg, length_mm, roi_mask, roi_statistics
from viewer.core.mpr import SlicePlane
from viewer.core.overlays import ContourOverlay, LabelOverlay, Overlay
from viewer.core.volume import Volume
from viewer.model.events import Event
from viewer.model.oblique import ObliqueMPR

if TYPE_CHECKING:  # pydicom stays unimported until a study is opened
    from viewer.core.dicom.scan import Series

_ids = itertools.count(1)


@dataclass
class Measurement:
    """A reader's measurement on one plane. Points are ``(row, col)`` pixels of that plane."""

    kind: str  # length, angle, ellipse, rectangle, freehand
    view: str
    index: int
    points: list[tuple[float, float]]
    text: str = ""
    values: dict[str, float] = field(default_factory=dict)
    id: int = field(default_factory=lambda: next(_ids))

    def compute(self, plane: SlicePlane, unit: str) -> None:
        """Fill :attr:`values` and :attr:`text` from the plane's pixels and spacing."""
        if self.kind == "length" and len(self.points) >= 2:
            value = length_mm(self.points[0], self.points[-1], plane.pixel_spacing)
            self.values = {"length_mm": value}
            self.text = f"{value:.1f} mm"
        elif self.kind == "angle" and len(self.points) >= 3:
            value = angle_deg(self.points[0], self.points[1], self.points[2], plane.pixel_spacing)
            self.values = {"angle_deg": value}
            self.text = f"{value:.1f}°"
        elif self.kind in ("ellipse", "rectangle", "freehand") and len(self.points) >= 2:
            values = plane.array if plane.array.ndim == 2 else plane.array.mean(axis=2)
            stats = roi_statistics(values, roi_mask(values.shape, self.kind, self.points),
                                   plane.pixel_spacing)
            self.values = {"mean": stats.mean, "sd": stats.sd, "min": stats.minimum,
                           "max": stats.maximum, "area_mm2": stats.area_mm2}
            self.text = (f"mean {stats.mean:.1f} {unit}  SD {stats.sd:.1f}\n"
                         f"min {stats.minimum:.0f}  max {stats.maximum:.0f}  "
                         f"area {stats.area_mm2:.1f} mm²")


class ViewerState:
    """What is shown; views redraw when it changes.

    Attributes
    ----------
    volume_changed, display_changed, cursor_changed, measurements_changed, pixels_changed, overlays_changed
        :class:`~viewer.model.events.Event` objects: another volume, another window or look,
        the crosshair moved, measurements added or removed, pixels decoded or another time
        point, overlays added or removed.
    key_images_changed
        Images marked or unmarked as key, or the key-images-only filter turned on or off.
    key_images
        The acquired images (slice indices ``z``) the reader marked as key.
    key_images_only
        Whether scrolling the acquired plane steps from key image to key image.
    oblique
        True reformats and the turned crosshair (:class:`~viewer.model.oblique.ObliqueMPR`);
        its ``changed`` event tells when they change.
    """

    def __init__(self) -> None:
        self.volume_changed = Event()
        self.display_changed = Event()
        self.cursor_changed = Event()
        self.measurements_changed = Event()
        self.pixels_changed = Event()
        self.overlays_changed = Event()
        self.key_images_changed = Event()
        self.volume: Volume | None = None
        self.series: Series | None = None
        self.timepoint = 0
        self.window = Window(40.0, 400.0)
        self.automatic_window = False
        self.view_note = ""
        self.invert = False
        self.use_voi_lut = False  # the file's VOI LUT instead of a linear window
        self.cursor = np.zeros(3)  # voxel (x, y, z) at the crosshair
        self.slab_mode = ""  # "" (one plane), or a thick slab: one of viewer.core.mpr.SLAB_MODES
        self.slab_mm = 10.0
        self.overlays: list[Overlay] = []
        self.measurements: list[Measurement] = []
        self.key_images: set[int] = set()
        self.key_images_only = False
        self._lut_key: tuple[Window, bool, str] | None = None
        self._lut: tuple[np.ndarray, int] | None = None
        # True reformats and the turned crosshair; what it resampled is dropped when pixels change.
        self.oblique = ObliqueMPR()
        self.volume_changed.connect(self.oblique.volume_changed)
        self.pixels_changed.connect(self.oblique.forget)

    def set_slab(self, mode: str, thickness_mm: float | None = None) -> None:
        """Show thick slabs (``mip``, ``minip``, ``average``) of ``thickness_mm``, or one plane (``""``)."""
        self.slab_mode = mode
        if thickness_mm is not None:
            self.slab_mm = float(thickness_mm)
        self.display_changed.emit()

    # --------------------------------------------------------------- volume
    def set_volume(self, volume: Volume | None, series: Series | None = None) -> None:
        """Show another volume; resets the window, crosshair, overlays and measurements."""
        self.volume, self.series = volume, series
        self.timepoint = 0
        self.overlays, self.measurements = [], []
        self.key_images, self.key_images_only = set(), False
        self.view_note = ""
        self.use_voi_lut = False
        self.overlays_changed.emit()
        if volume is not None:
            z, y, x = volume.shape_zyx
            self.cursor = np.array([x // 2, y // 2, z // 2], dtype=np.float64)
            self.window = default_window(volume.array, volume.metadata)
            # Without a window in the file, this one came from pixels that may not be decoded
            # yet: it is redone from the first shown slice (see refresh_automatic_window).
            metadata = volume.metadata
            self.automatic_window = not (metadata.get("window_center") and metadata.get("window_width"))
            self.invert = volume.photometric == "MONOCHROME1"
        self.volume_changed.emit()

    @property
    def unit(self) -> str:
        """The unit of the voxel values (HU for CT)."""
        return "HU" if self.volume is not None and self.volume.modality == "CT" else ""

    # --------------------------------------------------------------- display
    def set_window(self, window: Window) -> None:
        """Change the VOI window (width at least 1); this leaves the file's VOI LUT."""
        self.automatic_window = False
        self.window = Window(window.center, max(1.0, window.width))
        self.use_voi_lut = False
        self.display_changed.emit()

    def refresh_automatic_window(self, shown: np.ndarray) -> None:
        """Once real pixels are on screen, base an automatic window on them (one slice: cheap)."""
        if self.automatic_window and self.volume is not None and shown.size and np.ptp(shown) > 0:
            self.set_window(default_window(shown, self.volume.metadata))

    def set_voi_lut(self) -> bool:
        """Show the file's own VOI LUT; ``False`` when the file has none."""
        if self.volume is None or self.volume.metadata.get("voi_lut") is None:
            return False
        self.use_voi_lut = True
        self.display_changed.emit()
        return True

    def set_invert(self, invert: bool) -> None:
        """Show high values dark."""
        self.invert = invert
        self.display_changed.emit()

    def lut(self) -> tuple[np.ndarray, int] | None:
        """The cached window table for the current window and dtype (``None`` if none applies)."""
        if self.volume is None:
            return None
        key = (self.window, self.invert, self.volume.array.dtype.str)
        if key != self._lut_key:
            self._lut_key, self._lut = key, window_lut(self.window, self.volume.array.dtype, self.invert)
        return self._lut

    def set_timepoint(self, timepoint: int) -> None:
        """Show another time point of a 4-D volume."""
        if self.volume is not None:
            self.timepoint = int(np.clip(timepoint, 0, self.volume.n_timepoints - 1))
            self.pixels_changed.emit()

    def set_cursor(self, voxel_xyz: ArrayLike) -> None:
        """Move the crosshair (and so each view's slice)."""
        if self.volume is None:
            return
        z, y, x = self.volume.shape_zyx
        self.cursor = np.clip(np.asarray(voxel_xyz, dtype=np.float64), 0, [x - 1, y - 1, z - 1])
        self.cursor_changed.emit()

    # --------------------------------------------------------------- overlays
    def add_overlay(self, overlay: Overlay) -> None:
        """Show an overlay on every view."""
        if self.volume is not None and overlay_shape(overlay) != self.volume.shape_zyx:
            raise ValueError(f"overlay {overlay_shape(overlay)} is not on the image grid "
                             f"{self.volume.shape_zyx}")
        self.overlays.append(overlay)
        self.overlays_changed.emit()
        self.display_changed.emit()

    def remove_overlay(self, overlay: Overlay) -> None:
        """Stop showing an overlay."""
        if any(shown is overlay for shown in self.overlays):  # by identity: == would compare the arrays
            self.overlays = [shown for shown in self.overlays if shown is not overlay]
            self.overlays_changed.emit()
            self.display_changed.emit()

    def set_view_note(self, text: str) -> None:
        """A line shown at the top of every view (e.g. what an AI result says); "" removes it."""
        self.view_note = text
        self.display_changed.emit()

    def restyle_overlays(self) -> None:
        """Redraw after an overlay's opacity, mode, colours or visibility changed."""
        self.display_changed.emit()

    # --------------------------------------------------------------- measurements
    def add_measurement(self, measurement: Measurement) -> None:
        """Keep a finished measurement."""
        self.measurements.append(measurement)
        self.measurements_changed.emit()

    # --------------------------------------------------------------- key images
    def set_key_image(self, index: int, key: bool) -> None:
        """Mark (or unmark) acquired image ``index`` as a key image."""
        if self.volume is None or not 0 <= index < self.volume.shape_zyx[0]:
            return
        if key:
            self.key_images.add(int(index))
        else:
            self.key_images.discard(int(index))
        if not self.key_images:
            self.key_images_only = False
        self.key_images_changed.emit()

    def set_key_images_only(self, only: bool) -> None:
        """Let scrolling the acquired plane step only between key images (when there are some)."""
        self.key_images_only = bool(only) and bool(self.key_images)
        self.key_images_changed.emit()

    def next_key_image(self, index: int, step: int) -> int:
        """The key image ``step`` key images away from ``index`` (the first or last when past the ends)."""
        keys = sorted(self.key_images)
        if not keys or step == 0:
            return index
        later = [k for k in keys if k > index] if step > 0 else [k for k in reversed(keys) if k < index]
        if not later:
            return keys[-1] if step > 0 else keys[0]
        return later[min(abs(step), len(later)) - 1]

    def remove_measurement(self, measurement_id: int) -> None:
        """Delete a measurement."""
        self.measurements = [m for m in self.measurements if m.id != measurement_id]
        self.measurements_changed.emit()


def overlay_shape(overlay: Overlay) -> tuple[int, ...]:
    """The spatial shape of an overlay's data."""
    if isinstance(overlay, ContourOverlay):
        return tuple(overlay.shape_zyx)
    data = overlay.labels if isinstance(overlay, LabelOverlay) else overlay.values
    return tuple(data.shape[-3:])

"""One view of the volume: image, overlays, crosshair, corner text and measurements."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewer.core.display import (
    Window,
    apply_rgb_window,
    apply_voi_lut,
    apply_window,
    blend_heatmap,
    blend_labels,
    grey_to_rgb,
)
from viewer.core.mpr import (
    PROJECTION,
    SLAB_NAMES,
    SlicePlane,
    extract_plane,
    overlay_plane,
    patient_axes,
    plane_title,
    screen_directions,
    slab_plane,
    slice_count,
    view_axis,
)
from viewer.core.overlays import ContourOverlay, HeatmapOverlay, LabelOverlay
from viewer.model.oblique import can_reformat
from viewer.model.state import Measurement, ViewerState
from viewer.qt.qt_i18n import number as local_number

TOOLS = ("window", "pan", "zoom", "length", "angle", "ellipse", "rectangle", "freehand")
_MEASURE_TOOLS = {"length": 2, "angle": 3, "ellipse": 2, "rectangle": 2, "freehand": 0}
#: The drag-and-drop format of a series from the study browser: its key, in ASCII.
SERIES_MIME = "application/x-outpost-series-key"
_CROSSHAIR = {"axial": QColor(80, 160, 255), "coronal": QColor(80, 220, 120), "sagittal": QColor(255, 170, 60)}
_TEXT = QColor(235, 235, 200)
_NOTE = QColor(255, 200, 90)
_MEASURE = QColor(255, 230, 0)
_REFERENCE = QColor(120, 200, 255)
_ACTIVE = QColor(61, 126, 166)  # the frame of the active viewport among several (the theme's accent)
_BRUSH = QColor(255, 255, 255)
_BRUSH_ERASE = QColor(255, 120, 120)


class BrushHandler(Protocol):
    """What a viewport's left button drives while a segment editor's brush (or seed click) is chosen.

    The viewport maps the mouse to continuous voxel indices ``(x, y, z)`` of the plane on
    screen (as a crosshair click does) and calls these; the plane's index axis ``(x, y, z)``
    tells which plane a 2-D brush lies in. See :class:`viewer.qt.qt_segment_editor.QtSegmentEditor`.
    """

    #: The brush radius in millimetres (0: no outline, e.g. a seed click).
    radius_mm: float
    #: Whether the outline is drawn in the eraser's colour.
    erasing: bool

    def stroke_begin(self, viewport: QtViewport, voxel_xyz: np.ndarray, axis: int) -> None:
        """The button went down at ``voxel_xyz`` on a plane across index axis ``axis``."""

    def stroke_to(self, viewport: QtViewport, voxel_xyz: np.ndarray, axis: int) -> None:
        """The mouse moved to ``voxel_xyz`` with the button down."""

    def stroke_end(self, viewport: QtViewport) -> None:
        """The button went up: the drag is one stroke."""


def composite(state: ViewerState, plane: SlicePlane) -> np.ndarray:
    """The RGB picture of a plane: windowed image with the state's overlays blended in."""
    volume = state.volume
    if volume.is_rgb:
        rgb = np.ascontiguousarray(apply_rgb_window(plane.array, None if plane.array.dtype == np.uint8
                                                    else state.window, state.invert))
        rgb = rgb if rgb.dtype == np.uint8 else rgb.astype(np.uint8)
    elif state.use_voi_lut:
        rgb = apply_voi_lut(plane.array, volume.metadata["voi_lut"], state.invert)
    else:
        rgb = apply_window(plane.array, state.window, state.invert, state.lut())  # grey until blended
    for overlay in state.overlays:
        if isinstance(overlay, HeatmapOverlay) and rgb.ndim == 2:
            rgb = grey_to_rgb(rgb)
        if isinstance(overlay, LabelOverlay):
            labels = overlay_plane(volume, overlay.labels, plane)
            rgb = blend_labels(rgb, labels, overlay.rgba_table(), overlay.opacity, overlay.outline)
        elif isinstance(overlay, HeatmapOverlay):
            values = overlay.values[state.timepoint] if overlay.values.ndim == 4 else overlay.values
            heat = overlay_plane(volume, values, plane)
            blend_heatmap(rgb, heat, overlay.colormap_table(), overlay.opacity, overlay.threshold)
    return grey_to_rgb(rgb) if rgb.ndim == 2 else rgb


def to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage owning a copy of an RGB picture (an RGB view of RGBX memory is not copied twice)."""
    height, width = rgb.shape[:2]
    base = rgb.base if rgb.base is not None else rgb
    if rgb.strides[1] == 4 and isinstance(base, np.ndarray) and base.nbytes == height * width * 4 \
            and base.flags.c_contiguous:
        return QImage(base.data, width, height, 4 * width, QImage.Format.Format_RGBX8888).copy()
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class QtViewport(QWidget):
    """Shows one plane (``axial``, ``coronal`` or ``sagittal``) of the shared state.

    Mouse: the left button uses the active tool (window/level by default),
    the middle button pans, the right button zooms, the wheel scrolls slices
    (with Ctrl it zooms). Double-click maximises or restores the view.
    """

    activated = Signal(object)
    double_clicked = Signal(object)
    tool_finished = Signal()
    #: A series was dropped here from the study browser: ``(viewport, series key)``.
    series_dropped = Signal(object, str)
    #: A line for the status bar (e.g. why a tool does nothing here).
    status_message = Signal(str)
    #: The reader zoomed or panned this view (the comparison links zoom and pan): ``(viewport)``.
    view_transformed = Signal(object)

    def __init__(self, state: ViewerState, view: str = "axial", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.view = state, view
        self.setAcceptDrops(True)
        self.tool = "window"
        self.zoom, self.pan = 1.0, QPointF(0, 0)
        self.rotation, self.flip_h, self.flip_v = 0, False, False
        self.marked = False  # drawn with a frame: the active viewport of several
        self.show_crosshair = False
        #: Other viewports' slices on this plane: segments ``((row, col), (row, col))`` (see
        #: :meth:`viewer.model.layout.LayoutModel.reference_lines`).
        self.reference_lines: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self._drag_button = None
        self._drag_start = QPointF()
        self._drag_window = None
        self._drag_zoom = 1.0
        self._drag_pan = QPointF()
        self._drawing: Measurement | None = None
        self._clicks = 0
        self._image: QImage | None = None
        self._image_key = None
        self._transform = QTransform()
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        for signal in (state.volume_changed, state.display_changed, state.pixels_changed):
            signal.connect(self._invalidate)
        state.key_images_changed.connect(self.update)
        state.cursor_changed.connect(self._on_state_cursor_changed)
        state.measurements_changed.connect(self.update)
        state.volume_changed.connect(self.reset_view)
        state.oblique.changed.connect(self._invalidate)
        self._turning: float | None = None  # while Ctrl+drag turns the crosshair: the last angle
        #: The segment editor's brush while it is chosen (the left button paints), else ``None``.
        self.brush: BrushHandler | None = None
        self._brush_at: QPointF | None = None  # the mouse, for the outline drawn before the click
        self._stroking = False

    # ------------------------------------------------------------------ plane
    @property
    def slice_index(self) -> int:
        """The index of the plane shown."""
        if self.state.volume is None:
            return 0
        if self.resampled:
            return self.state.oblique.slice_position(self.state.volume, self.view, self.state.cursor)[0]
        return int(round(self.state.cursor[view_axis(self.state.volume, self.view)]))

    @property
    def slice_total(self) -> int:
        """How many planes this view can show."""
        if self.resampled:
            return self.state.oblique.slice_position(self.state.volume, self.view, self.state.cursor)[1]
        return slice_count(self.state.volume, self.view) if self.state.volume is not None else 0

    @property
    def resampled(self) -> bool:
        """Whether this view shows a true reformat (on request, or the crosshair turned), not acquired voxels."""
        return self.view != PROJECTION and self.state.oblique.applies(self.state.volume)

    def plane(self) -> SlicePlane | None:
        """The plane on screen, or ``None`` with nothing loaded."""
        if self.state.volume is None:
            return None
        if self.resampled:
            return self.state.oblique.plane(self.state.volume, self.view, self.state.cursor, self.state.timepoint,
                                            self.state.slab_mode, self.state.slab_mm)
        if self.state.slab_mode:
            return slab_plane(self.state.volume, self.view, self.slice_index, self.state.slab_mm,
                              self.state.slab_mode, self.state.timepoint)
        return extract_plane(self.state.volume, self.view, self.slice_index, self.state.timepoint)

    def scroll(self, step: int) -> None:
        """Move ``step`` planes along this view's axis."""
        if self.state.volume is None:
            return
        if self.resampled:
            self.set_slice(self.slice_index + step)
            return
        cursor = self.state.cursor.copy()
        axis = view_axis(self.state.volume, self.view)
        if axis == 2 and self.state.key_images_only:
            cursor[axis] = self.state.next_key_image(int(round(cursor[axis])), step)
        else:
            cursor[axis] = np.clip(round(cursor[axis]) + step, 0, self.slice_total - 1)
        self.state.set_cursor(cursor)

    def set_slice(self, index: int) -> None:
        """Show plane ``index`` (clipped to the volume; the key-images filter does not apply)."""
        if self.resampled:
            oblique = self.state.oblique
            self.state.set_cursor(oblique.cursor_at(self.state.volume, self.view, self.state.cursor, index))
        elif self.state.volume is not None:
            cursor = self.state.cursor.copy()
            cursor[view_axis(self.state.volume, self.view)] = np.clip(int(index), 0, self.slice_total - 1)
            self.state.set_cursor(cursor)

    # ------------------------------------------------------------------ view
    def reset_view(self) -> None:
        """Fit the plane, undo pan, rotation and flips."""
        self.zoom, self.pan = 1.0, QPointF(0, 0)
        self.rotation, self.flip_h, self.flip_v = 0, False, False
        self._invalidate()

    def set_actual_size(self) -> None:
        """One image pixel per screen pixel (1:1)."""
        plane = self.plane()
        if plane is not None:
            self.zoom = 1.0 / self._fit_scale(plane)
            self.update()

    def rotate(self, degrees: int) -> None:
        """Rotate the picture by a multiple of 90 degrees."""
        self.rotation = (self.rotation + degrees) % 360
        self.update()

    def _fit_scale(self, plane: SlicePlane) -> float:
        rows, cols = plane.array.shape[:2]
        width_mm, height_mm = cols * plane.pixel_spacing[0], rows * plane.pixel_spacing[1]
        if self.rotation in (90, 270):
            width_mm, height_mm = height_mm, width_mm
        # Screen pixels per millimetre that fit the plane in the widget.
        return min(self.width() / width_mm, self.height() / height_mm) if width_mm and height_mm else 1.0

    def _update_transform(self, plane: SlicePlane) -> None:
        rows, cols = plane.array.shape[:2]
        per_mm = self._fit_scale(plane) * self.zoom
        transform = QTransform()
        transform.translate(self.width() / 2 + self.pan.x(), self.height() / 2 + self.pan.y())
        transform.rotate(self.rotation)
        transform.scale(per_mm * plane.pixel_spacing[0] * (-1 if self.flip_h else 1),
                        per_mm * plane.pixel_spacing[1] * (-1 if self.flip_v else 1))
        transform.translate(-cols / 2, -rows / 2)
        self._transform = transform

    def to_image(self, point: QPointF) -> tuple[float, float]:
        """Widget position to plane pixel ``(row, col)`` (pixel centres at +0.5)."""
        inverse, _ = self._transform.inverted()
        mapped = inverse.map(point)
        return mapped.y() - 0.5, mapped.x() - 0.5

    def to_widget(self, row: float, col: float) -> QPointF:
        """Plane pixel ``(row, col)`` to widget position."""
        return self._transform.map(QPointF(col + 0.5, row + 0.5))

    @property
    def display_scale(self) -> float:
        """Screen pixels per image pixel along the columns (the zoom a reader sees)."""
        plane = self.plane()
        return self._fit_scale(plane) * self.zoom * plane.pixel_spacing[0] if plane is not None else 1.0

    # ------------------------------------------------------------------ painting
    def _invalidate(self) -> None:
        self._image_key = None
        self.update()

    def invalidate_region(self, box_zyx: tuple[slice, slice, slice] | None) -> None:
        """Redraw after the voxels of an overlay inside ``box_zyx`` changed in place (``None``: anywhere).

        An acquired plane that does not cross the box keeps its cached picture.
        """
        plane = self.plane()
        if plane is None:
            return
        if box_zyx is not None and not plane.resampled and not self.state.slab_mode:
            axis = plane.axis  # (x, y, z) index axis; the box is (z, y, x)
            inside = box_zyx[2 - axis]
            start = 0 if inside.start is None else inside.start
            if inside.stop is not None and not start <= plane.index < inside.stop:
                return
        self._invalidate()

    def _on_state_cursor_changed(self) -> None:
        self._invalidate()

    def render_rgb(self) -> np.ndarray | None:
        """The composited picture of the plane at image resolution."""
        plane = self.plane()
        return composite(self.state, plane) if plane is not None else None

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Draw the plane with its overlays, annotations and marks, or a hint when nothing is open."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        plane = self.plane()
        if plane is None:
            painter.setPen(QColor(140, 140, 140))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             self.tr("Open a study: File ▸ Open folder (Ctrl+O), or drop files here"))
            self._paint_mark(painter)
            painter.end()
            return
        key = (self.slice_index, self.state.timepoint, id(self.state.volume), plane.base.tobytes(),
               plane.row_step.tobytes())
        if self._image_key != key or self._image is None:
            self._image = to_qimage(composite(self.state, plane))
            self._image_key = key
        self._update_transform(plane)
        painter.save()
        painter.setTransform(self._transform)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.display_scale < 4.0)
        painter.drawImage(QRectF(0, 0, self._image.width(), self._image.height()), self._image)
        painter.restore()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_contours(painter, plane)
        if self.show_crosshair:
            self._paint_crosshair(painter, plane)
        self._paint_reference_lines(painter)
        if not plane.resampled:  # measurements are on acquired planes (see mousePressEvent)
            self._paint_measurements(painter)
        self._paint_corners(painter, plane)
        self._paint_colour_bars(painter)
        self._paint_legends(painter)
        self._paint_brush(painter, plane)
        self._paint_mark(painter)
        painter.end()

    def brush_outline(self, plane: SlicePlane | None = None) -> list[QPointF]:
        """The brush's outline under the mouse, in widget positions (empty when none is shown).

        A circle of the brush radius in millimetres on the plane, through the plane's pixel
        spacing (an ellipse of pixels where they are not square), turned and flipped with the view.
        """
        plane = plane if plane is not None else self.plane()
        if self.brush is None or self._brush_at is None or plane is None or self.brush.radius_mm <= 0:
            return []
        row, col = self.to_image(self._brush_at)
        radius_rows = self.brush.radius_mm / plane.pixel_spacing[1]
        radius_cols = self.brush.radius_mm / plane.pixel_spacing[0]
        return [self.to_widget(row + radius_rows * np.sin(t), col + radius_cols * np.cos(t))
                for t in np.linspace(0, 2 * np.pi, 65)]

    def _paint_brush(self, painter: QPainter, plane: SlicePlane) -> None:
        outline = self.brush_outline(plane)
        if outline:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(0, 0, 0), 3))
            painter.drawPolyline(QPolygonF(outline))
            painter.setPen(QPen(_BRUSH_ERASE if self.brush.erasing else _BRUSH, 1.5))
            painter.drawPolyline(QPolygonF(outline))

    def set_marked(self, marked: bool) -> None:
        """Mark this viewport as the active one of several (a coloured frame), or not."""
        if marked != self.marked:
            self.marked = marked
            self.update()

    def _paint_mark(self, painter: QPainter) -> None:
        if self.marked:
            painter.setPen(QPen(_ACTIVE, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))

    def _paint_contours(self, painter: QPainter, plane: SlicePlane) -> None:
        """RTSTRUCT outlines that lie in this plane."""
        overlays = [o for o in self.state.overlays if isinstance(o, ContourOverlay)]
        if not overlays or plane.resampled:  # outlines lie in acquired planes
            return
        axis = int(np.flatnonzero((plane.row_step == 0) & (plane.col_step == 0))[0])
        for overlay in overlays:
            for info, points in overlay.on_plane(axis, float(plane.base[axis])):
                painter.setPen(QPen(QColor(*info.color), overlay.line_width))
                painter.drawPolygon(QPolygonF([self.to_widget(*plane.pixel_of(p)) for p in points]))

    def _paint_legends(self, painter: QPainter, most: int = 12) -> None:
        """A swatch and name for each shown label, at the left edge below the corner text."""
        entries = [(info.name, info.color) for overlay in self.state.overlays
                   if isinstance(overlay, LabelOverlay | ContourOverlay)
                   for _, info in sorted(overlay.info.items()) if info.visible]
        if not entries:
            return
        painter.setFont(QFont(self.font().family(), 9))
        # Bottom left, above the corner text and clear of the orientation letter at mid-height.
        rows = min(len(entries), most + 1)
        top = max(self.height() // 2 + 24, self.height() - 6 - 3 * painter.fontMetrics().height() - 16 * rows)
        for number, (name, color) in enumerate(entries[:most]):
            y = top + 16 * number
            painter.fillRect(8, y - 9, 11, 11, QColor(*color))
            self._shadow_text(painter, QPointF(24, y), name)
        if len(entries) > most:
            self._shadow_text(painter, QPointF(24, top + 16 * most), f"+{len(entries) - most} more")

    def _paint_colour_bars(self, painter: QPainter) -> None:
        heatmaps = [o for o in self.state.overlays if isinstance(o, HeatmapOverlay)]
        height = max(60, int(self.height() * 0.35))
        top = (self.height() - height) // 2
        painter.setFont(QFont(self.font().family(), 8))
        for number, heatmap in enumerate(heatmaps):
            left = self.width() - 46 - 52 * number
            table = heatmap.colormap_table()
            for y in range(height):
                level = 1.0 - y / max(1, height - 1)
                colour = table[int(level * 255)]
                shown = level > heatmap.threshold
                painter.setPen(QColor(*(int(c) for c in colour)) if shown else QColor(60, 60, 60))
                painter.drawLine(left, top + y, left + 12, top + y)
            painter.setPen(QPen(_TEXT, 1))
            painter.drawRect(left, top, 12, height)
            self._shadow_text(painter, QPointF(left + 15, top + 8), "1.0")
            self._shadow_text(painter, QPointF(left + 15, top + height), "0.0")
            threshold_y = top + (1.0 - heatmap.threshold) * height
            painter.drawLine(QPointF(left - 3, threshold_y), QPointF(left + 15, threshold_y))
            caption = (heatmap.method or heatmap.name)[:14]
            width = painter.fontMetrics().horizontalAdvance(caption)
            self._shadow_text(painter, QPointF(min(left - 6, self.width() - width - 4), top - 6), caption)

    def _paint_crosshair(self, painter: QPainter, plane: SlicePlane) -> None:
        if plane.resampled:
            self._paint_turned_crosshair(painter, plane)
            return
        row, col = plane.pixel_of(self.state.cursor)
        rows, cols = plane.array.shape[:2]
        for other in ("axial", "coronal", "sagittal"):
            if other == self.view:
                continue
            pen = QPen(_CROSSHAIR[other], 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            axis = view_axis(self.state.volume, other)
            # The other view's plane crosses this one along a line of constant index `axis`.
            if plane.row_step[axis] != 0:
                painter.drawLine(self.to_widget(row, -0.5), self.to_widget(row, cols - 0.5))
            elif plane.col_step[axis] != 0:
                painter.drawLine(self.to_widget(-0.5, col), self.to_widget(rows - 0.5, col))

    def _paint_reference_lines(self, painter: QPainter) -> None:
        """The other viewports' slices where their planes cut this one (:attr:`reference_lines`)."""
        painter.setPen(QPen(_REFERENCE, 1, Qt.PenStyle.DashLine))
        for (r0, c0), (r1, c1) in self.reference_lines:
            painter.drawLine(self.to_widget(r0, c0), self.to_widget(r1, c1))

    def _paint_turned_crosshair(self, painter: QPainter, plane: SlicePlane) -> None:
        """Where the other views' (resampled, perhaps turned) planes cut this one."""
        lines = self.state.oblique.crosshair(self.state.volume, self.view, plane, self.state.cursor)
        for other, (start, end) in lines.items():
            painter.setPen(QPen(_CROSSHAIR[other], 1, Qt.PenStyle.DashLine))
            painter.drawLine(self.to_widget(*start), self.to_widget(*end))

    def _turn_angle(self, position: QPointF) -> float:
        """The direction (degrees, in millimetres on the plane) from the crosshair to a widget position."""
        plane = self.plane()
        row, col = self.to_image(position)
        centre_row, centre_col = plane.pixel_of(self.state.cursor)
        return float(np.degrees(np.arctan2((row - centre_row) * plane.pixel_spacing[1],
                                           (col - centre_col) * plane.pixel_spacing[0])))

    def _paint_measurements(self, painter: QPainter) -> None:
        painter.setFont(QFont(self.font().family(), 9))
        items = [m for m in self.state.measurements if m.view == self.view and m.index == self.slice_index]
        if self._drawing is not None:
            items.append(self._drawing)
        for measurement in items:
            painter.setPen(QPen(_MEASURE, 1.5))
            points = [self.to_widget(r, c) for r, c in measurement.points]
            if not points:
                continue
            if measurement.kind in ("length", "angle"):
                painter.drawPolyline(QPolygonF(points))
            elif measurement.kind == "rectangle" and len(points) >= 2:
                painter.drawPolygon(QPolygonF(self._corners(measurement.points)))
            elif measurement.kind == "ellipse" and len(points) >= 2:
                path = QPainterPath()
                (r0, c0), (r1, c1) = measurement.points[0], measurement.points[-1]
                ry, rx = abs(r1 - r0) / 2, abs(c1 - c0) / 2
                polygon = [self.to_widget((r0 + r1) / 2 + ry * np.sin(t), (c0 + c1) / 2 + rx * np.cos(t))
                           for t in np.linspace(0, 2 * np.pi, 72)]
                path.addPolygon(QPolygonF(polygon))
                painter.drawPath(path)
            elif measurement.kind == "freehand":
                painter.drawPolygon(QPolygonF(points))
            if measurement.text:
                anchor = max(points, key=lambda p: p.x()) + QPointF(6, -4)
                for i, line in enumerate(measurement.text.splitlines()):
                    self._shadow_text(painter, anchor + QPointF(0, 13 * i), line, _MEASURE)

    def _corners(self, points) -> list[QPointF]:
        (r0, c0), (r1, c1) = points[0], points[-1]
        return [self.to_widget(r0, c0), self.to_widget(r0, c1), self.to_widget(r1, c1), self.to_widget(r1, c0)]

    def _shadow_text(self, painter: QPainter, at: QPointF, text: str, colour: QColor = _TEXT) -> None:
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(at + QPointF(1, 1), text)
        painter.setPen(colour)
        painter.drawText(at, text)

    def corner_text(self) -> dict[str, list[str]]:
        """The four corners' lines of text (patient, series, slice, display)."""
        volume, plane = self.state.volume, self.plane()
        meta = volume.metadata
        name = str(meta.get("patient_name", "")).replace("^", " ").strip()
        age_sex = " ".join(v for v in (meta.get("patient_age", ""), meta.get("patient_sex", "")) if v)
        date = str(meta.get("study_date", ""))
        if len(date) == 8 and date.isdigit():
            date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        position = volume.index_to_physical(plane.voxel_at(0, 0))
        axis_mm = None if plane.view == PROJECTION else float(position[patient_axes(volume)[plane.axis]])
        title = plane_title(volume, plane)
        if plane.resampled:  # a true reformat: named as such, its position along its own normal
            title = self.state.oblique.caption(self.view)
            axis_mm = float(volume.index_to_physical(self.state.cursor) @ plane.across)
        thickness = meta.get("slice_thickness")
        top_right = [meta.get("series_description", "") or "", f"{title}  "
                     f"Im {plane.index + 1}/{self.slice_total}"]
        if not plane.resampled and plane.axis == 2 and plane.index in self.state.key_images:
            top_right.append(self.tr("Key image") + (
                " " + self.tr("({n} marked, only these shown)").format(n=len(self.state.key_images))
                if self.state.key_images_only else ""))
        if volume.is_4d:
            top_right.append(self.tr("Time {n}/{total}").format(n=self.state.timepoint + 1,
                                                                total=volume.n_timepoints))
        if axis_mm is not None:
            top_right.append(f"Pos {local_number(axis_mm, 1)} mm"
                             + (f"  Thk {float(thickness):g} mm" if thickness else ""))
            if self.state.slab_mode:
                top_right.append(f"{SLAB_NAMES[self.state.slab_mode]} slab {self.state.slab_mm:g} mm")
        window = self.state.window
        return {
            "top_left": [line for line in (name, f"ID {meta['patient_id']}" if meta.get("patient_id") else "",
                                           age_sex, date) if line],
            "top_right": [line for line in top_right if line],
            "bottom_left": [("VOI LUT (file)" if self.state.use_voi_lut else
                             f"W {window.width:.0f}  L {window.center:.0f}")
                            + ("  INV" if self.state.invert else ""), f"Zoom {self.display_scale:.2f}"],
            "bottom_right": [volume.modality or ""],
        }

    def _paint_corners(self, painter: QPainter, plane: SlicePlane) -> None:
        painter.setFont(QFont(self.font().family(), 9))
        metrics = painter.fontMetrics()
        line_height = metrics.height()
        corners = self.corner_text()
        # Each corner keeps to its half of the view, clear of the orientation letter in the middle: a
        # narrow view (MPR, 2x2) shortens a long line rather than writing it over the other corner's.
        most = max(40, int(self.width() / 2 - 16))
        for key, lines in corners.items():
            elide = Qt.TextElideMode.ElideRight if key.endswith("left") else Qt.TextElideMode.ElideMiddle
            for i, line in enumerate(lines):
                line = metrics.elidedText(line, elide, most)
                width = metrics.horizontalAdvance(line)
                x = 6 if key.endswith("left") else self.width() - width - 6
                y = (6 + line_height * (i + 1) - 3) if key.startswith("top") else \
                    (self.height() - 6 - line_height * (len(lines) - 1 - i) - 3)
                self._shadow_text(painter, QPointF(x, y), line)
        markers = self.orientation_markers(plane)
        painter.setFont(QFont(self.font().family(), 11, QFont.Weight.Bold))
        w, h = self.width(), self.height()
        for side, text in markers.items():
            width = painter.fontMetrics().horizontalAdvance(text)
            at = {"left": QPointF(6, h / 2), "right": QPointF(w - width - 6, h / 2),
                  "top": QPointF(w / 2 - width / 2, 20), "bottom": QPointF(w / 2 - width / 2, h - 24)}[side]
            self._shadow_text(painter, at, text)
        if self.state.view_note:
            painter.setFont(QFont(self.font().family(), 10, QFont.Weight.Bold))
            note = painter.fontMetrics().elidedText(self.state.view_note, Qt.TextElideMode.ElideRight, w - 40)
            width = painter.fontMetrics().horizontalAdvance(note)
            below_corners = 6 + line_height * max(len(corners.get("top_left", [])),
                                                  len(corners.get("top_right", []))) + 18
            self._shadow_text(painter, QPointF(w / 2 - width / 2, below_corners), note, _NOTE)

    def orientation_markers(self, plane: SlicePlane) -> dict[str, str]:
        """Letters at the screen edges, after rotation and flips."""
        letters = screen_directions(self.state.volume, plane)
        if self.flip_h:
            letters["left"], letters["right"] = letters["right"], letters["left"]
        if self.flip_v:
            letters["top"], letters["bottom"] = letters["bottom"], letters["top"]
        order = ["top", "right", "bottom", "left"]
        turns = self.rotation // 90
        return {order[(order.index(side) + turns) % 4]: text for side, text in letters.items()}

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Activate the view and start what the button, tool and modifiers ask for."""
        self.activated.emit(self)
        if self.state.volume is None:
            return
        self._drag_button, self._drag_start = event.button(), event.position()
        self._drag_window, self._drag_zoom, self._drag_pan = self.state.window, self.zoom, QPointF(self.pan)
        if event.button() == Qt.MouseButton.LeftButton and self.brush is not None:
            self._brush_press(event.position())
        elif event.button() == Qt.MouseButton.LeftButton and self.show_crosshair and self.view != PROJECTION \
                and can_reformat(self.state.volume) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._turning = self._turn_angle(event.position())  # Ctrl+drag turns the crosshair
        elif event.button() == Qt.MouseButton.LeftButton and self.tool in _MEASURE_TOOLS and self.resampled:
            self.status_message.emit(self.tr("Measurements are made on acquired planes: turn off true reformats "
                                             "and reset the oblique crosshair (Ctrl+Alt+0) to measure"))
        elif event.button() == Qt.MouseButton.LeftButton and self.tool in _MEASURE_TOOLS:
            row, col = self.to_image(event.position())
            if self._drawing is None:
                # An anchor, and the end that follows the mouse.
                self._drawing = Measurement(self.tool, self.view, self.slice_index, [(row, col), (row, col)])
                self._clicks = 1
            elif self.tool == "angle" and self._clicks == 2:
                self._drawing.points[-1] = (row, col)
                self._clicks = 3
            elif self.tool == "angle":
                # The vertex is fixed here; the third point now follows the mouse.
                self._drawing.points[-1] = (row, col)
                self._drawing.points.append((row, col))
                self._clicks += 1
            self._recompute(self._drawing)
        elif event.button() == Qt.MouseButton.LeftButton and self.show_crosshair and \
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._move_crosshair(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Follow the mouse: brush, crosshair turn, measurement, pan, zoom or window."""
        if self.brush is not None:
            self._brush_at = event.position()
            if self._stroking:
                plane = self.plane()
                self.brush.stroke_to(self, plane.voxel_at(*self.to_image(event.position())), plane.axis)
            self.update()
        if self._drag_button is None or self._stroking:
            return
        if self._turning is not None:
            angle = self._turn_angle(event.position())
            self.state.oblique.rotate(self.view, (angle - self._turning + 180.0) % 360.0 - 180.0)
            self._turning = angle
            return
        delta = event.position() - self._drag_start
        if self._drag_button == Qt.MouseButton.LeftButton and self._drawing is not None:
            point = self.to_image(event.position())
            if self._drawing.kind == "freehand":
                self._drawing.points.append(point)
            else:
                self._drawing.points[-1] = point
            self._recompute(self._drawing)
            self.update()
        elif self._drag_button == Qt.MouseButton.MiddleButton or \
                (self._drag_button == Qt.MouseButton.LeftButton and self.tool == "pan"):
            self.pan = self._drag_pan + delta
            self.update()
            self.view_transformed.emit(self)
        elif self._drag_button == Qt.MouseButton.RightButton or \
                (self._drag_button == Qt.MouseButton.LeftButton and self.tool == "zoom"):
            self.zoom = float(np.clip(self._drag_zoom * 2 ** (-delta.y() / 150.0), 0.05, 40.0))
            self.update()
            self.view_transformed.emit(self)
        elif self._drag_button == Qt.MouseButton.LeftButton and self.tool == "window":
            start = self._drag_window
            sensitivity = max(start.width, 1.0) / 250.0
            self.state.set_window(Window(start.center - delta.y() * sensitivity,
                                         start.width + delta.x() * sensitivity))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """End a brush stroke or a drag; finish a measurement being drawn."""
        if self._stroking and event.button() == Qt.MouseButton.LeftButton:
            self._stroking = False
            if self.brush is not None:
                self.brush.stroke_end(self)
        if self._drawing is not None and event.button() == Qt.MouseButton.LeftButton:
            needed = _MEASURE_TOOLS[self._drawing.kind]
            if self._drawing.kind == "angle" and self._clicks < 3:
                pass  # the third click finishes the angle
            elif needed == 0 and len(self._drawing.points) < 3:
                self._drawing = None
            else:
                finished, self._drawing = self._drawing, None
                self._recompute(finished)
                self.state.add_measurement(finished)
                self.tool_finished.emit()
        self._drag_button, self._turning = None, None
        self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802
        """Hide the brush outline when the mouse leaves the view."""
        if self._brush_at is not None:
            self._brush_at = None
            self.update()
        super().leaveEvent(event)

    def _brush_press(self, position: QPointF) -> None:
        """Start a brush stroke (or a seed click) at ``position``, on acquired planes only."""
        plane = self.plane()
        if plane is None:
            return
        if plane.resampled:
            self.status_message.emit(self.tr("Segments are painted on acquired planes: turn off true reformats "
                                             "and reset the oblique crosshair (Ctrl+Alt+0) to paint"))
            return
        if self.state.slab_mode:
            self.status_message.emit(
                self.tr("Segments are painted on one plane: turn off the thick slab to paint"))
            return
        self._brush_at, self._stroking = position, True
        self.brush.stroke_begin(self, plane.voxel_at(*self.to_image(position)), plane.axis)

    def set_brush(self, brush: BrushHandler | None) -> None:
        """Let the left button drive ``brush`` (``None``: back to the tool); a stroke in progress ends."""
        if self._stroking and self.brush is not None:
            self.brush.stroke_end(self)
        self._stroking = False
        self.brush = brush
        if brush is not None:
            self.setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.unsetCursor()
        self.update()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        """Accept a series dragged from the series list."""
        if event.mimeData().hasFormat(SERIES_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        """Ask for the dropped series to be shown in this view."""
        if event.mimeData().hasFormat(SERIES_MIME):
            key = bytes(event.mimeData().data(SERIES_MIME)).decode("ascii", "replace")
            event.acceptProposedAction()
            self.series_dropped.emit(self, key)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        """Say that the view was double-clicked."""
        self.double_clicked.emit(self)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Zoom with Ctrl held, else scroll through the slices."""
        steps = event.angleDelta().y() / 120.0
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom = float(np.clip(self.zoom * 1.15 ** steps, 0.05, 40.0))
            self.update()
            self.view_transformed.emit(self)
        elif steps:
            self.scroll(-int(np.sign(steps)) * max(1, int(abs(steps))))

    def _move_crosshair(self, position: QPointF) -> None:
        plane = self.plane()
        row, col = self.to_image(position)
        self.state.set_cursor(plane.voxel_at(row, col))

    def _recompute(self, measurement: Measurement) -> None:
        plane = self.plane()
        if plane is not None:
            measurement.compute(plane, self.state.unit)

    def cancel_drawing(self) -> None:
        """Drop a measurement being drawn."""
        self._drawing = None
        self.update()

"""Grayscale Softcopy Presentation States: how a series was shown, saved with it and read back.

:func:`write_gsps` makes a Grayscale Softcopy Presentation State (PS3.3 A.33.1) with highdicom
from what the reader set on a series: the window (a Softcopy VOI LUT), whether high values are
shown dark (the Presentation LUT Shape ``INVERSE``), the reader's graphics (polylines and
ellipses in ``PIXEL`` units, each with its text, on the images they were drawn on) and, when
there is one, a display shutter. :func:`read_gsps` gives back a :class:`PresentationState`:
the referenced images, the window, the graphics per referenced image and the shutter, from
Outpost's presentation states and other systems'.

Points are ``(row, col)`` pixel positions of the stored image, pixel centres at integers as
in :mod:`viewer.core.measure`; in the file they are ``column, row`` from the image's corner
(:func:`viewer.export.sr.graphic_data_of`). The displayed area and any spatial transformation
of a presentation state are not applied.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from viewer import __version__
from viewer.core import audit
from viewer.core.display import Window
from viewer.core.errors import ExportError
from viewer.core.files import atomic_path
from viewer.core.measure import roi_mask
from viewer.export.sources import read_source_images
from viewer.export.sr import READ_ERRORS, graphic_data_of, image_reference, pixel_points

#: SOP Class UID of Grayscale Softcopy Presentation State Storage.
GSPS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"
#: The graphic types of a presentation state's graphic objects (PS3.3 C.10.5.1.2).
GRAPHIC_TYPES = ("POINT", "POLYLINE", "INTERPOLATED", "CIRCLE", "ELLIPSE")
#: The graphic type :class:`Graphic` gives a text object that has no graphic with it.
TEXT_ONLY = "TEXT"
#: The layer Outpost's graphics are on.
LAYER = "OUTPOST"
#: The most graphics one presentation state may hold when read (a hostile file may claim millions).
MAX_GRAPHICS = 10_000
#: The most points one graphic may hold when read.
MAX_POINTS = 100_000


@dataclass
class Graphic:
    """One graphic object, with its text, on one image.

    Attributes
    ----------
    graphic_type
        One of :data:`GRAPHIC_TYPES`, or :data:`TEXT_ONLY` for a text without graphic.
    points
        ``(row, col)`` pixel positions: a polyline's vertices (closed when the last equals
        the first), an ellipse's major then minor axis end points, a circle's centre then a
        point on it, a text's anchor.
    text
        The text that goes with it ("" for none).
    """

    graphic_type: str
    points: list[tuple[float, float]]
    text: str = ""


@dataclass
class Shutter:
    """A display shutter: what lies outside it is shown in one grey (PS3.3 C.7.6.11).

    Attributes
    ----------
    shapes
        ``RECTANGULAR``, ``CIRCULAR`` and/or ``POLYGONAL``: a pixel is shown only when it is
        inside every shape given.
    left, right, upper, lower
        The rectangle's edges as 1-based column and row numbers (inclusive).
    center, radius
        The circle's centre as 1-based ``(row, col)``, and its radius in pixels.
    vertices
        The polygon's corners as 1-based ``(row, col)``.
    value
        The grey of the shuttered pixels, a P-value in 0 (black) to 65535 (white).
    """

    shapes: tuple[str, ...] = ("RECTANGULAR",)
    left: int = 1
    right: int = 1
    upper: int = 1
    lower: int = 1
    center: tuple[float, float] = (0.0, 0.0)
    radius: float = 0.0
    vertices: list[tuple[float, float]] = field(default_factory=list)
    value: int = 0

    def hidden(self, rows: int, columns: int) -> np.ndarray:
        """``[rows, columns]`` booleans, ``True`` for the pixels the shutter hides."""
        shape = (rows, columns)
        shown = np.ones(shape, dtype=bool)
        if "RECTANGULAR" in self.shapes:  # 1-based, inclusive edges; roi_mask's points are 0-based
            corners = [(self.upper - 1, self.left - 1), (self.lower - 1, self.right - 1)]
            shown &= roi_mask(shape, "rectangle", corners)
        if "CIRCULAR" in self.shapes:
            (row, col), radius = (self.center[0] - 1, self.center[1] - 1), self.radius
            shown &= roi_mask(shape, "ellipse", [(row - radius, col - radius), (row + radius, col + radius)])
        if "POLYGONAL" in self.shapes and len(self.vertices) >= 3:
            shown &= roi_mask(shape, "freehand", [(r - 1, c - 1) for r, c in self.vertices])
        return ~shown


@dataclass
class PresentationState:
    """What a Grayscale Softcopy Presentation State says about the images it references.

    Attributes
    ----------
    sop_instance_uid, study_uid
        The presentation state's own UID, and its study.
    label, description, creator
        Its Content Label, Content Description and Content Creator's Name (a person's name:
        never log it).
    created
        Presentation Creation Date and Time as ``YYYYMMDD HHMMSS`` (for listing; may be empty).
    references
        ``(series UID, SOP Instance UID, frame numbers)`` of every image it applies to; no
        frame numbers: every frame.
    window
        The window it shows the images with (``None``: none, or a VOI LUT table Outpost
        does not apply). Values are after the presentation state's modality LUT.
    rescale
        Its modality LUT as ``(slope, intercept)``, or ``None`` when it has none.
    invert
        Whether it shows high values dark (Presentation LUT Shape ``INVERSE``); ``None`` when
        it does not say.
    graphics
        Graphics per referenced image: ``(SOP Instance UID, frame number or None)`` to the
        graphics on it (frame ``None``: on every frame of it).
    shutter
        Its display shutter, or ``None``.
    skipped
        Graphics (and a shutter) that could not be read (``DISPLAY`` units, broken data).
    """

    sop_instance_uid: str = ""
    study_uid: str = ""
    label: str = ""
    description: str = ""
    creator: str = ""
    created: str = ""
    references: list[tuple[str, str, tuple[int, ...]]] = field(default_factory=list)
    window: Window | None = None
    rescale: tuple[float, float] | None = None
    invert: bool | None = None
    graphics: dict[tuple[str, int | None], list[Graphic]] = field(default_factory=dict)
    shutter: Shutter | None = None
    skipped: int = 0

    @property
    def series_uids(self) -> set[str]:
        """The series it references."""
        return {series for series, _uid, _frames in self.references}


# --------------------------------------------------------------------------- writing
def _content_label(label: str) -> str:
    """A Content Label (CS: upper case letters, digits, space and underscore, up to 16)."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in label.upper())
    return cleaned.strip("_")[:16] or "OUTPOST"


def _clipped(points: list[tuple[float, float]], rows: int, columns: int) -> np.ndarray:
    """Graphic data of ``points``, kept within the image (a presentation state allows no point outside)."""
    data = graphic_data_of(points)
    data[:, 0] = np.clip(data[:, 0], 0.0, float(columns))
    data[:, 1] = np.clip(data[:, 1], 0.0, float(rows))
    return data


def _annotation(hd, image, layer, graphic: Graphic):
    """One graphic annotation: a graphic object and its text, on one image."""
    rows, columns = int(image.Rows), int(image.Columns)
    if graphic.graphic_type not in GRAPHIC_TYPES:
        raise ExportError(f"a presentation state has no {graphic.graphic_type!r} graphics")
    if not graphic.points:
        raise ExportError("a graphic needs at least one point")
    data = _clipped(graphic.points, rows, columns)
    objects = [hd.pr.GraphicObject(graphic_type=graphic.graphic_type, graphic_data=data, units="PIXEL")]
    texts = None
    if graphic.text:
        right = data[int(np.argmax(data[:, 0]))]
        texts = [hd.pr.TextObject(text_value=graphic.text[:1024], units="PIXEL",
                                  anchor_point=(float(right[0]), float(right[1])), anchor_point_visible=False)]
    return hd.pr.GraphicAnnotation(referenced_images=[image], graphic_layer=layer, graphic_objects=objects,
                                   text_objects=texts)


def _add_shutter(ds, shutter: Shutter) -> None:
    """The Display Shutter module's attributes, in the presentation state ``ds``."""
    ds.ShutterShape = list(shutter.shapes)
    if "RECTANGULAR" in shutter.shapes:
        ds.ShutterLeftVerticalEdge, ds.ShutterRightVerticalEdge = int(shutter.left), int(shutter.right)
        ds.ShutterUpperHorizontalEdge, ds.ShutterLowerHorizontalEdge = int(shutter.upper), int(shutter.lower)
    if "CIRCULAR" in shutter.shapes:
        ds.CenterOfCircularShutter = [int(round(v)) for v in shutter.center]
        ds.RadiusOfCircularShutter = int(round(shutter.radius))
    if "POLYGONAL" in shutter.shapes:
        ds.VerticesOfThePolygonalShutter = [int(round(v)) for point in shutter.vertices for v in point]
    ds.ShutterPresentationValue = int(np.clip(shutter.value, 0, 0xFFFF))


@audit.audited("export", audit.export_details("gsps", False, 1, "path"), audit.count_written)
def write_gsps(source_files: list[str | os.PathLike], path: str | os.PathLike, *, window: Window,
               graphics: dict[int, list[Graphic]] | None = None, invert: bool = False,
               shutter: Shutter | None = None, label: str = "OUTPOST", description: str = "",
               creator: str = "") -> Path:
    """Write a Grayscale Softcopy Presentation State of one series, atomically.

    Parameters
    ----------
    source_files
        The series' files in slice order: the keys of ``graphics`` index this list. All of
        them are referenced (the window and shutter apply to all).
    path
        Destination.
    window
        The window, in the images' values after their modality LUT (HU for CT).
    graphics
        Image index to the graphics drawn on it, points as ``(row, col)`` of the stored image.
    invert
        Show high values dark.
    shutter
        A display shutter (``None``: none).
    label
        The Content Label (made a valid code string: upper case, up to 16 characters).
    description
        The Content Description (up to 64 characters are kept).
    creator
        The reader's name, recorded as the Content Creator (empty: none).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ExportError
        No source image, an image without UIDs or of colour, a graphic on an image the series
        lacks, images whose modality LUTs differ, or highdicom refuses the content.
    """
    import highdicom as hd

    if not source_files:
        raise ExportError("a presentation state needs the images it applies to")
    sources = read_source_images(source_files, what="a presentation state")
    for image in sources:  # the Rows and Columns highdicom checks graphics against
        if not image.get("Rows") or not image.get("Columns") or "SamplesPerPixel" not in image:
            raise ExportError("a presentation state applies to images with Rows, Columns and SamplesPerPixel")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = hd.pr.GraphicLayer(layer_name=LAYER, order=1, description="Outpost measurements")
            annotations = []
            for index, drawn in sorted((graphics or {}).items()):
                if not 0 <= index < len(sources):
                    raise ExportError(f"a graphic is on image {index}, but the series has {len(sources)} images")
                annotations.extend(_annotation(hd, sources[index], layer, graphic) for graphic in drawn)
            voi = hd.pr.SoftcopyVOILUTTransformation(window_center=float(window.center),
                                                     window_width=max(1.0, float(window.width)))
            shape = hd.PresentationLUTShapeValues.INVERSE if invert else hd.PresentationLUTShapeValues.IDENTITY
            texts = [g.text for drawn in (graphics or {}).values() for g in drawn]
            # Texts such as "mm²" and "°" are not ASCII: UTF-8 holds them whatever the images' character set.
            extra = {"specific_character_set": "ISO_IR 192"} if any(not t.isascii() for t in texts) else {}
            document = hd.pr.GrayscaleSoftcopyPresentationState(
                referenced_images=sources, series_instance_uid=hd.UID(), series_number=903,
                sop_instance_uid=hd.UID(), instance_number=1, manufacturer="Outpost",
                manufacturer_model_name="Outpost", software_versions=__version__, device_serial_number="1",
                content_label=_content_label(label), content_description=description[:64] or None,
                graphic_annotations=annotations or None, graphic_layers=[layer] if annotations else None,
                content_creator_name=creator or None, voi_lut_transformations=[voi],
                presentation_lut_transformation=hd.PresentationLUTTransformation(presentation_lut_shape=shape),
                **extra)
    except (ValueError, TypeError, AttributeError) as e:
        raise ExportError(f"cannot build the presentation state: {e}") from e
    if shutter is not None:
        _add_shutter(document, shutter)
    # General Series' Laterality (Type 2C, R or L): the images' own, else empty (unknown).
    side = str(sources[0].get("Laterality", "") or sources[0].get("ImageLaterality", "") or "").upper()
    document.Laterality = side if side in ("R", "L") else ""
    path = Path(path)
    with atomic_path(path) as temporary:
        document.save_as(temporary, enforce_file_format=True)
    return path


# --------------------------------------------------------------------------- reading
def _floats(value) -> list[float]:
    """A DICOM value of one or more numbers as floats."""
    if value is None or value == "":
        return []
    if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
        return [float(value)]
    return [float(v) for v in value]


def _frames(item) -> tuple[int, ...]:
    frames = item.get("ReferencedFrameNumber")
    return tuple(int(v) for v in _floats(frames)) if frames not in (None, "") else ()


def _window(ds) -> Window | None:
    """The first window of the Softcopy VOI LUT (``None``: none, or a LUT table)."""
    for item in ds.get("SoftcopyVOILUTSequence") or []:
        centers, widths = _floats(item.get("WindowCenter")), _floats(item.get("WindowWidth"))
        if centers and widths and np.isfinite(centers[0]) and np.isfinite(widths[0]) and widths[0] > 0:
            return Window(centers[0], widths[0])
    return None


def _rescale(ds) -> tuple[float, float] | None:
    slope, intercept = _floats(ds.get("RescaleSlope")), _floats(ds.get("RescaleIntercept"))
    if slope and intercept and slope[0] != 0 and np.isfinite(slope[0]) and np.isfinite(intercept[0]):
        return slope[0], intercept[0]
    return None


def _shutter(ds) -> Shutter | None:
    shapes = tuple(str(s).upper() for s in (ds.get("ShutterShape") or []) if str(s).strip())
    if isinstance(ds.get("ShutterShape"), str):
        shapes = (str(ds.ShutterShape).upper(),)
    shapes = tuple(s for s in shapes if s in ("RECTANGULAR", "CIRCULAR", "POLYGONAL"))
    if not shapes:
        return None
    shutter = Shutter(shapes=shapes, value=int(_floats(ds.get("ShutterPresentationValue"))[0])
                      if ds.get("ShutterPresentationValue") not in (None, "") else 0)
    if "RECTANGULAR" in shapes:
        shutter.left, shutter.right = int(ds.ShutterLeftVerticalEdge), int(ds.ShutterRightVerticalEdge)
        shutter.upper, shutter.lower = int(ds.ShutterUpperHorizontalEdge), int(ds.ShutterLowerHorizontalEdge)
    if "CIRCULAR" in shapes:
        row, col = _floats(ds.CenterOfCircularShutter)[:2]
        shutter.center, shutter.radius = (row, col), float(ds.RadiusOfCircularShutter)
    if "POLYGONAL" in shapes:
        values = _floats(ds.VerticesOfThePolygonalShutter)[:2 * MAX_POINTS]
        shutter.vertices = [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
    return shutter


def _graphic(item) -> Graphic:
    graphic_type = str(item.GraphicType).upper()
    count = int(item.get("NumberOfGraphicPoints") or 0)
    data = _floats(item.GraphicData)
    if graphic_type not in GRAPHIC_TYPES or not 0 < count <= MAX_POINTS or len(data) < 2 * count:
        raise ValueError("graphic without points")
    if str(item.get("GraphicAnnotationUnits", "PIXEL")).upper() != "PIXEL":
        raise ValueError("graphic not in pixels")
    return Graphic(graphic_type, pixel_points(data[:2 * count]))


def _text_graphic(item) -> Graphic:
    text = str(item.get("UnformattedTextValue", ""))
    if "AnchorPoint" in item and str(item.get("AnchorPointAnnotationUnits", "PIXEL")).upper() == "PIXEL":
        point = _floats(item.AnchorPoint)[:2]
    elif str(item.get("BoundingBoxAnnotationUnits", "")).upper() == "PIXEL":
        top, bottom = _floats(item.BoundingBoxTopLeftHandCorner), _floats(item.BoundingBoxBottomRightHandCorner)
        point = [(top[0] + bottom[0]) / 2, (top[1] + bottom[1]) / 2]
    else:
        raise ValueError("text not placed in pixels")
    return Graphic(TEXT_ONLY, pixel_points(point), text)


def _annotations(ds, state: PresentationState, default: list[tuple[str, int | None]]) -> None:
    """The graphics of every graphic annotation, with their texts, per referenced image."""
    total = 0
    for annotation in ds.get("GraphicAnnotationSequence") or []:
        try:
            graphics, loose = [], []
            for item in annotation.get("GraphicObjectSequence") or []:
                try:
                    graphics.append(_graphic(item))
                except READ_ERRORS:
                    state.skipped += 1
            for item in annotation.get("TextObjectSequence") or []:
                try:
                    loose.append(_text_graphic(item))
                except READ_ERRORS:
                    state.skipped += 1
            # One text per graphic goes with it; otherwise the texts go with the first graphic.
            if graphics and len(loose) == len(graphics):
                for graphic, text in zip(graphics, loose, strict=True):
                    graphic.text = text.text
                loose = []
            elif graphics and loose:
                graphics[0].text = "\n".join(t.text for t in loose if t.text)
                loose = []
            targets = []
            for reference in annotation.get("ReferencedImageSequence") or []:
                uid, _frame = image_reference(reference)
                frames = _frames(reference)
                targets.extend([(uid, f) for f in frames] if frames else [(uid, None)])
            for target in targets or default:
                total += len(graphics) + len(loose)
                if total > MAX_GRAPHICS:
                    raise ExportError(f"a presentation state with over {MAX_GRAPHICS} graphics is not read")
                state.graphics.setdefault(target, []).extend(
                    Graphic(g.graphic_type, list(g.points), g.text) for g in [*graphics, *loose])
        except READ_ERRORS:
            state.skipped += 1


def read_gsps(path: str | os.PathLike) -> PresentationState:
    """Read a Grayscale Softcopy Presentation State (Outpost's or another system's).

    Returns
    -------
    PresentationState
        The images it applies to, its window, graphics per image and shutter. Graphics
        it cannot read (``DISPLAY`` units, broken data) are counted in ``skipped``.

    Raises
    ------
    ExportError
        The file cannot be read, is not a grayscale presentation state, or references no image.
    """
    import pydicom
    from pydicom.errors import InvalidDicomError

    name = os.path.basename(os.fspath(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
            sop_class = str(ds.get("SOPClassUID", ""))
    except (InvalidDicomError, *READ_ERRORS) as e:
        raise ExportError(f"cannot read {name}: {' '.join(str(e).split())[:200]}") from e
    if sop_class != GSPS_SOP_CLASS:
        raise ExportError(f"{name} is not a grayscale softcopy presentation state")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = PresentationState(
                sop_instance_uid=str(ds.get("SOPInstanceUID", "")), study_uid=str(ds.get("StudyInstanceUID", "")),
                label=str(ds.get("ContentLabel", "")), description=str(ds.get("ContentDescription", "")),
                creator=str(ds.get("ContentCreatorName", "") or ""),
                created=" ".join(str(ds.get(k, "")).split(".")[0] for k in ("PresentationCreationDate",
                                                                            "PresentationCreationTime")).strip())
            for series in ds.get("ReferencedSeriesSequence") or []:
                series_uid = str(series.SeriesInstanceUID)
                for image in series.get("ReferencedImageSequence") or []:
                    state.references.append((series_uid, str(image.ReferencedSOPInstanceUID), _frames(image)))
            state.window = _window(ds)
            state.rescale = _rescale(ds)
            shape = str(ds.get("PresentationLUTShape", "")).upper()
            state.invert = True if shape == "INVERSE" else False if shape == "IDENTITY" else None
            try:
                state.shutter = _shutter(ds)
            except READ_ERRORS:
                state.skipped += 1  # a shutter without its edges: the images unmasked
            _annotations(ds, state, [(uid, None) for _series, uid, _frames in state.references])
    except ExportError:
        raise
    except READ_ERRORS as e:
        raise ExportError(f"{name} is a presentation state Outpost cannot read ({type(e).__name__})") from e
    if not state.references:
        raise ExportError(f"{name} is a presentation state that references no image")
    return state

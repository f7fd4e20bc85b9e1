"""The main window's menu actions, declared once: identifier, menu, text, shortcut, handler.

The window builds its menus from :data:`ACTIONS` (:meth:`viewer.qt.qt_main_window.QtMainWindow._build_actions`)
and the keyboard shortcuts dialog lists them from the same table (:func:`shortcut_help`), so a
shortcut cannot be added to one and forgotten in the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from viewer.core.display import presets_for
from viewer.qt.qt_hanging import apply_hanging_protocol, choose_layout, save_layout_dialog
from viewer.qt.qt_oblique import TURN_STEP, reset_crosshair, set_true_reformats, turn_crosshair

#: The keys of the CT window presets, in the order :func:`viewer.core.display.presets_for` lists them.
PRESET_KEYS = "12345678"
#: The drawing and navigation tools: (tool, key, text).
TOOLS_TABLE = (("window", "W", "Window/level"), ("pan", "P", "Pan"), ("zoom", "Z", "Zoom"),
               ("length", "L", "Length"), ("angle", "A", "Angle"), ("ellipse", "E", "Ellipse ROI"),
               ("rectangle", "R", "Rectangle ROI"), ("freehand", "F", "Freehand ROI"))
#: The layouts: (name, text, key).
LAYOUT_TABLE = (("single", "1x1", "Alt+1"), ("1x2", "1x2 (side by side)", "Alt+2"),
                ("2x1", "2x1 (one above the other)", "Alt+3"), ("2x2", "2x2", "Alt+4"),
                ("mpr", "1x3 MPR (axial, coronal, sagittal)", "Alt+5"))


@dataclass(frozen=True)
class ActionSpec:
    """One menu action.

    Attributes
    ----------
    ident
        Its name; the window keeps it in ``menu_actions[ident]`` (and as ``<ident>_action`` where
        the window's code names it).
    menu
        The menu path, e.g. ``"File"`` or ``"View/Layout"``.
    text
        The menu text.
    shortcut
        The key sequence (``"Ctrl+O"``), ``"Quit"`` for the platform's quit keys, or ``None``.
    handler
        Called with the window (and, for a checkable action, whether it is now checked).
    checkable, checked
        Whether it is a toggle, and its first state.
    help
        What the shortcuts dialog says it does (default: ``text``); ``""`` leaves it out.
    separator
        Whether a separator comes before it in its menu.
    group
        Actions with the same group exclude each other (the tools).
    """

    ident: str
    menu: str
    text: str
    shortcut: str | None
    handler: Callable[..., Any]
    checkable: bool = False
    checked: bool = False
    help: str | None = None
    separator: bool = False
    group: str = ""


def _a(ident, menu, text, shortcut, handler, **options) -> ActionSpec:
    return ActionSpec(ident, menu, text, shortcut, handler, **options)


ACTIONS: tuple[ActionSpec, ...] = (
    _a("open_folder", "File", "Open &folder…", "Ctrl+O", lambda w: w._on_open_folder(), help="Open a folder"),
    _a("open_file", "File", "Open file, .zip or DICOMDIR…", "Ctrl+Shift+O", lambda w: w._on_open_file(),
       help="Open a file, .zip or DICOMDIR"),
    _a("import_annotations", "File", "&Import segmentation or structure set…", "Ctrl+I",
       lambda w: w._on_import_annotations(), separator=True,
       help="Import a DICOM SEG or RT Structure Set onto the series"),
    _a("save_report", "File", "Save &report as DICOM SR…", "Ctrl+Shift+S", lambda w: w._on_save_report(),
       help="Save the measurements and AI findings as a DICOM SR"),
    _a("save_key_images", "File", "Save &key images (KOS)…", "Ctrl+K", lambda w: w._on_save_key_images(),
       help="Save the key images as a Key Object Selection (KOS)"),
    _a("save_presentation_state", "File", "Save &presentation state (GSPS)…", None,
       lambda w: w.presentation.save_dialog()),
    _a("export_series", "File", "Export &series (anonymised or as it is)…", None,
       lambda w: w.show_export_dialog()),
    _a("export_png", "File", "&Export view as PNG…", "Ctrl+E", lambda w: w._on_export_png(),
       help="Export the view as PNG"),
    _a("tags", "File", "DICOM &tags…", "Ctrl+T", lambda w: w.show_tags(), help="DICOM tag browser"),
    _a("quit", "File", "&Quit", "Quit", lambda w: w.close(), separator=True, help=""),

    _a("mpr", "View", "MPR layout (axial, coronal, sagittal)", "M",
       lambda w, _checked: w._on_toggle_layout(), checkable=True, help="Single view / MPR layout"),
    _a("crosshair", "View", "Crosshair and reference lines", "X",
       lambda w, _checked: w._on_toggle_crosshair(), checkable=True,
       help="Crosshair and reference lines (Shift+click moves it)"),
    _a("true_reformats", "View", "True reformats (oblique acquisitions)", None,
       lambda w, checked: set_true_reformats(w, checked), checkable=True),
    _a("turn_crosshair_right", "View", "Turn the crosshair clockwise", "Ctrl+Alt+Right",
       lambda w: turn_crosshair(w, TURN_STEP),
       help=f"Oblique MPR: turn the crosshair {TURN_STEP:g}° clockwise (Ctrl+drag turns it too)"),
    _a("turn_crosshair_left", "View", "Turn the crosshair anticlockwise", "Ctrl+Alt+Left",
       lambda w: turn_crosshair(w, -TURN_STEP),
       help=f"Oblique MPR: turn the crosshair {TURN_STEP:g}° anticlockwise"),
    _a("reset_crosshair", "View", "Straighten the crosshair", "Ctrl+Alt+0", lambda w: reset_crosshair(w),
       help="Oblique MPR: straighten the crosshair (the patient's planes again)"),
    *(_a(f"layout_{name}", "View/Layout", text, key, lambda w, _checked, n=name: choose_layout(w, n),
         checkable=True, help=f"Layout {text}") for name, text, key in LAYOUT_TABLE),
    _a("compare_prior", "View", "Compare with prior", "Ctrl+Shift+P", lambda w: w.compare_with_prior(),
       help="Compare with the prior study"),
    _a("patient_studies", "View", "Patient's other studies…", None, lambda w: w.show_patient_studies()),
    _a("presentation_states", "View", "Presentation states…", None, lambda w: w.presentation.choose()),
    _a("sync", "View", "Synchronised scrolling", "Ctrl+Shift+Y", lambda w, checked: w._on_toggle_sync(checked),
       checkable=True, checked=True, help="Synchronised scrolling on / off"),
    _a("resync", "View", "Resynchronise here", "Ctrl+Y", lambda w: w._on_resynchronise(),
       help="Resynchronise here: the slices shown stand against each other from now on"),
    _a("sync_zoom_pan", "View", "Linked zoom and pan", None,
       lambda w, checked: w.comparison.model.set_sync_zoom_pan(checked), checkable=True, checked=True),
    _a("sync_window", "View", "Linked window/level", None,
       lambda w, checked: w.comparison.model.set_sync_window(checked), checkable=True),
    _a("reference_lines", "View", "Reference lines between viewports", None,
       lambda w, checked: w.comparison.model.set_show_reference_lines(checked), checkable=True, checked=True),
    _a("apply_hanging", "View", "Apply hanging protocol", None, lambda w: apply_hanging_protocol(w)),
    _a("save_hanging", "View", "Save layout as hanging protocol…", None, lambda w: save_layout_dialog(w)),
    _a("next_slice", "View", "Next slice", "Down", lambda w: w.active_viewport.scroll(1), separator=True),
    _a("previous_slice", "View", "Previous slice", "Up", lambda w: w.active_viewport.scroll(-1)),
    _a("ten_on", "View", "Ten slices on", "PgDown", lambda w: w.active_viewport.scroll(10)),
    _a("ten_back", "View", "Ten slices back", "PgUp", lambda w: w.active_viewport.scroll(-10)),
    _a("first_slice", "View", "First slice", "Home", lambda w: w.active_viewport.set_slice(0)),
    _a("last_slice", "View", "Last slice", "End", lambda w: w.active_viewport.set_slice(10 ** 6)),
    _a("key_image", "View", "Mark or unmark key image", "K", lambda w: w.toggle_key_image(),
       help="Mark / unmark the image on screen as a key image"),
    _a("key_only", "View", "Key images only", "Shift+K", lambda w, checked: w._on_key_images_only(checked),
       checkable=True, help="Show only the key images"),
    _a("next_time", "View", "Next time point", "Right", lambda w: w._step_time(1)),
    _a("previous_time", "View", "Previous time point", "Left", lambda w: w._step_time(-1)),
    _a("cine", "View", "Cine", "C", lambda w, _checked: w._on_toggle_cine(), checkable=True,
       help="Cine play / pause"),
    _a("invert", "View", "Invert", "I", lambda w: w._on_invert(), separator=True),
    _a("reset", "View", "Reset view", "Ctrl+R", lambda w: w._on_reset(), help="Reset the view"),
    _a("fit", "View", "Fit to window", "Ctrl+F", lambda w: w._each_view(lambda v: v.reset_view())),
    _a("actual_size", "View", "Actual size (1:1)", "Ctrl+1", lambda w: w.active_viewport_actual_size()),
    _a("rotate_left", "View", "Rotate left", "[", lambda w: w.active_viewport.rotate(-90)),
    _a("rotate_right", "View", "Rotate right", "]", lambda w: w.active_viewport.rotate(90)),
    _a("flip_h", "View", "Flip horizontally", "H", lambda w: w._flip_h()),
    _a("flip_v", "View", "Flip vertically", "V", lambda w: w._flip_v()),

    _a("file_window", "Window", "File's own window", "0", lambda w: w._on_file_window(),
       help="The file's own window"),
    *(_a(f"preset_{key}", "Window", f"CT {name}", key, lambda w, n=name: w.apply_preset(n),
         help=f"CT window {name}") for key, name in zip(PRESET_KEYS, presets_for("CT"), strict=False)),

    *(_a(f"tool_{tool}", "Tools", text, key, lambda w, _checked, t=tool: w.set_tool(t), checkable=True,
         checked=tool == "window", group="tools",
         help=f"{text} tool" if tool in ("window", "pan", "zoom") else text) for tool, key, text in TOOLS_TABLE),
    _a("segment_editor", "Tools", "&Segment editor…", "Ctrl+Shift+D", lambda w: w.show_segment_editor(),
       separator=True, help="Segment editor: correct an AI result or a SEG with the brush, save as DICOM SEG"),
    _a("undo_segment_edit", "Tools", "Undo segment edit", "Ctrl+Z", lambda w: w.undo_segment_edit(),
       help="Segment editor: undo"),
    _a("redo_segment_edit", "Tools", "Redo segment edit", "Ctrl+Shift+Z", lambda w: w.redo_segment_edit(),
       help="Segment editor: redo (Ctrl+Y too while editing)"),
    _a("delete_measurement", "Tools", "Delete selected measurement", "Delete",
       lambda w: w._on_delete_measurement(), separator=True, help="Delete the selected measurement"),
    _a("escape", "Tools", "Stop drawing", "Esc", lambda w: w._on_escape(),
       help="Stop drawing, back to window/level"),

    _a("shortcuts", "Help", "Keyboard shortcuts", "F1", lambda w: w.show_shortcuts(), help="This help"),
    _a("audit", "Help", "Audit log…", None, lambda w: w.show_audit_log()),
)

#: What the mouse does, and keys that are not menu actions, for the shortcuts dialog.
OTHER_HELP = (("Wheel", "Previous / next slice"), ("Ctrl+wheel, right drag", "Zoom"),
              ("Middle drag", "Pan"), ("Left drag", "Active tool"),
              ("Ctrl+Shift+N", "Network: study store, PACS query/retrieve, receiver"))


def shortcut_help() -> list[tuple[str, str]]:
    """``(keys, what they do)`` for every action with a shortcut, then the mouse and other keys."""
    rows = [("Ctrl+Q" if spec.shortcut == "Quit" else spec.shortcut,
             spec.help if spec.help is not None else spec.text)
            for spec in ACTIONS if spec.shortcut and spec.help != ""]
    return [(keys, text.replace("&", "").rstrip("…")) for keys, text in rows] + list(OTHER_HELP)

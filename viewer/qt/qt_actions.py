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
from viewer.qt.qt_i18n import noop as _n
from viewer.qt.qt_i18n import translate as _tr
from viewer.qt.qt_oblique import TURN_STEP, reset_crosshair, set_true_reformats, turn_crosshair

#: The keys of the CT window presets, in the order :func:`viewer.core.display.presets_for` lists them.
PRESET_KEYS = "12345678"
#: The drawing and navigation tools: (tool, key, text). The texts (and those of the tables below) are
#: English, marked for translation (:func:`viewer.qt.qt_i18n.noop`); the menus show them translated.
TOOLS_TABLE = (("window", "W", _n("Window/level")), ("pan", "P", _n("Pan")), ("zoom", "Z", _n("Zoom")),
               ("length", "L", _n("Length")), ("angle", "A", _n("Angle")), ("ellipse", "E", _n("Ellipse ROI")),
               ("rectangle", "R", _n("Rectangle ROI")), ("freehand", "F", _n("Freehand ROI")))
#: What the shortcuts dialog says of the tools that are not drawn.
TOOL_HELP = {"window": _n("Window/level tool"), "pan": _n("Pan tool"), "zoom": _n("Zoom tool")}
#: The layouts: (name, text, key).
LAYOUT_TABLE = (("single", "1x1", "Alt+1"), ("1x2", _n("1x2 (side by side)"), "Alt+2"),
                ("2x1", _n("2x1 (one above the other)"), "Alt+3"), ("2x2", "2x2", "Alt+4"),
                ("mpr", _n("1x3 MPR (axial, coronal, sagittal)"), "Alt+5"))
#: The CT window presets' menu texts and help, by preset name.
PRESET_TEXTS = {
    "Brain": (_n("CT Brain"), _n("CT window Brain")), "Subdural": (_n("CT Subdural"), _n("CT window Subdural")),
    "Stroke": (_n("CT Stroke"), _n("CT window Stroke")), "Lung": (_n("CT Lung"), _n("CT window Lung")),
    "Mediastinum": (_n("CT Mediastinum"), _n("CT window Mediastinum")),
    "Abdomen": (_n("CT Abdomen"), _n("CT window Abdomen")), "Liver": (_n("CT Liver"), _n("CT window Liver")),
    "Bone": (_n("CT Bone"), _n("CT window Bone")),
}
#: The menus' titles, by their path in :attr:`ActionSpec.menu`.
MENU_TITLES = {"File": _n("&File"), "View": _n("&View"), "Window": _n("&Window"), "Tools": _n("&Tools"),
               "Plugins": _n("&Plugins"), "Help": _n("&Help"), "View/Layout": _n("Layout")}
#: Values filled into the help texts' placeholders after translation.
HELP_FIELDS = {"step": f"{TURN_STEP:g}"}


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
        The menu text, in English (the menus show :func:`action_text`).
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
    _a("open_folder", "File", _n("Open &folder…"), "Ctrl+O", lambda w: w._on_open_folder(),
       help=_n("Open a folder")),
    _a("open_file", "File", _n("Open file, .zip or DICOMDIR…"), "Ctrl+Shift+O", lambda w: w._on_open_file(),
       help=_n("Open a file, .zip or DICOMDIR")),
    _a("import_annotations", "File", _n("&Import segmentation or structure set…"), "Ctrl+I",
       lambda w: w._on_import_annotations(), separator=True,
       help=_n("Import a DICOM SEG or RT Structure Set onto the series")),
    _a("save_report", "File", _n("Save &report as DICOM SR…"), "Ctrl+Shift+S", lambda w: w._on_save_report(),
       help=_n("Save the measurements and AI findings as a DICOM SR")),
    _a("save_key_images", "File", _n("Save &key images (KOS)…"), "Ctrl+K", lambda w: w._on_save_key_images(),
       help=_n("Save the key images as a Key Object Selection (KOS)")),
    _a("save_presentation_state", "File", _n("Save &presentation state (GSPS)…"), None,
       lambda w: w.presentation.save_dialog()),
    _a("export_series", "File", _n("Export &series (anonymised or as it is)…"), None,
       lambda w: w.show_export_dialog()),
    _a("export_png", "File", _n("&Export view as PNG…"), "Ctrl+E", lambda w: w._on_export_png(),
       help=_n("Export the view as PNG")),
    _a("tags", "File", _n("DICOM &tags…"), "Ctrl+T", lambda w: w.show_tags(), help=_n("DICOM tag browser")),
    _a("quit", "File", _n("&Quit"), "Quit", lambda w: w.close(), separator=True, help=""),

    _a("mpr", "View", _n("MPR layout (axial, coronal, sagittal)"), "M",
       lambda w, _checked: w._on_toggle_layout(), checkable=True, help=_n("Single view / MPR layout")),
    _a("crosshair", "View", _n("Crosshair and reference lines"), "X",
       lambda w, _checked: w._on_toggle_crosshair(), checkable=True,
       help=_n("Crosshair and reference lines (Shift+click moves it)")),
    _a("true_reformats", "View", _n("True reformats (oblique acquisitions)"), None,
       lambda w, checked: set_true_reformats(w, checked), checkable=True),
    _a("turn_crosshair_right", "View", _n("Turn the crosshair clockwise"), "Ctrl+Alt+Right",
       lambda w: turn_crosshair(w, TURN_STEP),
       help=_n("Oblique MPR: turn the crosshair {step}° clockwise (Ctrl+drag turns it too)")),
    _a("turn_crosshair_left", "View", _n("Turn the crosshair anticlockwise"), "Ctrl+Alt+Left",
       lambda w: turn_crosshair(w, -TURN_STEP),
       help=_n("Oblique MPR: turn the crosshair {step}° anticlockwise")),
    _a("reset_crosshair", "View", _n("Straighten the crosshair"), "Ctrl+Alt+0", lambda w: reset_crosshair(w),
       help=_n("Oblique MPR: straighten the crosshair (the patient's planes again)")),
    *(_a(f"layout_{name}", "View/Layout", text, key, lambda w, _checked, n=name: choose_layout(w, n),
         checkable=True, help=_n("Layout {layout}")) for name, text, key in LAYOUT_TABLE),
    _a("compare_prior", "View", _n("Compare with prior"), "Ctrl+Shift+P", lambda w: w.compare_with_prior(),
       help=_n("Compare with the prior study")),
    _a("patient_studies", "View", _n("Patient's other studies…"), None, lambda w: w.show_patient_studies()),
    _a("presentation_states", "View", _n("Presentation states…"), None, lambda w: w.presentation.choose()),
    _a("sync", "View", _n("Synchronised scrolling"), "Ctrl+Shift+Y", lambda w, checked: w._on_toggle_sync(checked),
       checkable=True, checked=True, help=_n("Synchronised scrolling on / off")),
    _a("resync", "View", _n("Resynchronise here"), "Ctrl+Y", lambda w: w._on_resynchronise(),
       help=_n("Resynchronise here: the slices shown stand against each other from now on")),
    _a("sync_zoom_pan", "View", _n("Linked zoom and pan"), None,
       lambda w, checked: w.comparison.model.set_sync_zoom_pan(checked), checkable=True, checked=True),
    _a("sync_window", "View", _n("Linked window/level"), None,
       lambda w, checked: w.comparison.model.set_sync_window(checked), checkable=True),
    _a("reference_lines", "View", _n("Reference lines between viewports"), None,
       lambda w, checked: w.comparison.model.set_show_reference_lines(checked), checkable=True, checked=True),
    _a("apply_hanging", "View", _n("Apply hanging protocol"), None, lambda w: apply_hanging_protocol(w)),
    _a("save_hanging", "View", _n("Save layout as hanging protocol…"), None, lambda w: save_layout_dialog(w)),
    _a("next_slice", "View", _n("Next slice"), "Down", lambda w: w.active_viewport.scroll(1), separator=True),
    _a("previous_slice", "View", _n("Previous slice"), "Up", lambda w: w.active_viewport.scroll(-1)),
    _a("ten_on", "View", _n("Ten slices on"), "PgDown", lambda w: w.active_viewport.scroll(10)),
    _a("ten_back", "View", _n("Ten slices back"), "PgUp", lambda w: w.active_viewport.scroll(-10)),
    _a("first_slice", "View", _n("First slice"), "Home", lambda w: w.active_viewport.set_slice(0)),
    _a("last_slice", "View", _n("Last slice"), "End", lambda w: w.active_viewport.set_slice(10 ** 6)),
    _a("key_image", "View", _n("Mark or unmark key image"), "K", lambda w: w.toggle_key_image(),
       help=_n("Mark / unmark the image on screen as a key image")),
    _a("key_only", "View", _n("Key images only"), "Shift+K", lambda w, checked: w._on_key_images_only(checked),
       checkable=True, help=_n("Show only the key images")),
    _a("next_time", "View", _n("Next time point"), "Right", lambda w: w._step_time(1)),
    _a("previous_time", "View", _n("Previous time point"), "Left", lambda w: w._step_time(-1)),
    _a("cine", "View", _n("Cine"), "C", lambda w, _checked: w._on_toggle_cine(), checkable=True,
       help=_n("Cine play / pause")),
    _a("invert", "View", _n("Invert"), "I", lambda w: w._on_invert(), separator=True),
    _a("reset", "View", _n("Reset view"), "Ctrl+R", lambda w: w._on_reset(), help=_n("Reset the view")),
    _a("fit", "View", _n("Fit to window"), "Ctrl+F", lambda w: w._each_view(lambda v: v.reset_view())),
    _a("actual_size", "View", _n("Actual size (1:1)"), "Ctrl+1", lambda w: w.active_viewport_actual_size()),
    _a("rotate_left", "View", _n("Rotate left"), "[", lambda w: w.active_viewport.rotate(-90)),
    _a("rotate_right", "View", _n("Rotate right"), "]", lambda w: w.active_viewport.rotate(90)),
    _a("flip_h", "View", _n("Flip horizontally"), "H", lambda w: w._flip_h()),
    _a("flip_v", "View", _n("Flip vertically"), "V", lambda w: w._flip_v()),

    _a("file_window", "Window", _n("File's own window"), "0", lambda w: w._on_file_window(),
       help=_n("The file's own window")),
    *(_a(f"preset_{key}", "Window", PRESET_TEXTS[name][0], key, lambda w, n=name: w.apply_preset(n),
         help=PRESET_TEXTS[name][1]) for key, name in zip(PRESET_KEYS, presets_for("CT"), strict=False)),

    *(_a(f"tool_{tool}", "Tools", text, key, lambda w, _checked, t=tool: w.set_tool(t), checkable=True,
         checked=tool == "window", group="tools",
         help=TOOL_HELP.get(tool, text)) for tool, key, text in TOOLS_TABLE),
    _a("segment_editor", "Tools", _n("&Segment editor…"), "Ctrl+Shift+D", lambda w: w.show_segment_editor(),
       separator=True, help=_n("Segment editor: correct an AI result or a SEG with the brush, save as DICOM SEG")),
    _a("undo_segment_edit", "Tools", _n("Undo segment edit"), "Ctrl+Z", lambda w: w.undo_segment_edit(),
       help=_n("Segment editor: undo")),
    _a("redo_segment_edit", "Tools", _n("Redo segment edit"), "Ctrl+Shift+Z", lambda w: w.redo_segment_edit(),
       help=_n("Segment editor: redo (Ctrl+Y too while editing)")),
    _a("delete_measurement", "Tools", _n("Delete selected measurement"), "Delete",
       lambda w: w._on_delete_measurement(), separator=True, help=_n("Delete the selected measurement")),
    _a("escape", "Tools", _n("Stop drawing"), "Esc", lambda w: w._on_escape(),
       help=_n("Stop drawing, back to window/level")),

    _a("shortcuts", "Help", _n("Keyboard shortcuts"), "F1", lambda w: w.show_shortcuts(), help=_n("This help")),
    _a("audit", "Help", _n("Audit log…"), None, lambda w: w.show_audit_log()),
)

#: What the mouse does, and keys that are not menu actions, for the shortcuts dialog.
OTHER_HELP = ((_n("Wheel"), _n("Previous / next slice")), (_n("Ctrl+wheel, right drag"), _n("Zoom")),
              (_n("Middle drag"), _n("Pan")), (_n("Left drag"), _n("Active tool")),
              ("Ctrl+Shift+N", _n("Network: study store, PACS query/retrieve, receiver")))


def action_text(spec: ActionSpec) -> str:
    """The action's menu text in the interface's language."""
    return _tr(spec.text)


def help_text(spec: ActionSpec) -> str:
    """What the shortcuts dialog says of ``spec``, in the interface's language, its placeholders filled."""
    if spec.help is None:
        return action_text(spec)
    return _tr(spec.help).format(layout=action_text(spec), **HELP_FIELDS)


def shortcut_help() -> list[tuple[str, str]]:
    """``(keys, what they do)`` for every action with a shortcut, then the mouse and other keys."""
    rows = [("Ctrl+Q" if spec.shortcut == "Quit" else spec.shortcut,
             help_text(spec))
            for spec in ACTIONS if spec.shortcut and spec.help != ""]
    return ([(keys, text.replace("&", "").rstrip("…")) for keys, text in rows]
            + [(_tr(keys), _tr(text)) for keys, text in OTHER_HELP])

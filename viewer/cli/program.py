"""The ``outpost`` command: the scriptable face of the viewer.

Plugins add sub-commands through the entry-point group ``outpost.commands``:
each entry point names a function ``register(subparsers)`` that adds its parsers
and sets ``handler`` on them (see :func:`main`); and options of ``outpost view``
through ``outpost.view_options`` (see :func:`_plugin_view_options`). The commands of
the exports and the network are in :mod:`viewer.cli.export` and :mod:`viewer.cli.pacs`;
all share the helpers of :mod:`viewer.cli.terminal`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from importlib.metadata import entry_points
from typing import Any

from viewer import __version__
from viewer.cli.terminal import choose_series, load_with_progress, scan_paths
from viewer.core import audit
from viewer.core.errors import Cancelled, OutpostError
from viewer.core.text import one_line, printable
from viewer.model.layout import GRIDS, SINGLE_LAYOUTS

log = logging.getLogger("outpost")

#: Version of the ``outpost scan --json`` document; raised when a field changes meaning.
SCAN_JSON_VERSION = 1
#: Version of the ``outpost audit --json`` document.
AUDIT_JSON_VERSION = 1
#: Entry-point groups through which plugins add sub-commands, and options of ``outpost view``.
COMMANDS_GROUP, VIEW_OPTIONS_GROUP = "outpost.commands", "outpost.view_options"


# --------------------------------------------------------------------------- scan
def _series_facts(series) -> dict[str, Any]:
    from viewer.core.dicom.layout import plan_layout

    facts = series.summary()
    study = series.study
    facts.update({
        "patient_id": series.first.study.get("patient_id", ""),
        "study_uid": study.uid if study else "",
        "study_date": study.attributes.get("study_date", "") if study else "",
        "study_description": study.attributes.get("study_description", "") if study else "",
        "notes": list(series.notes),
    })
    try:
        layout = plan_layout(series)
    except OutpostError as e:
        facts.update({"shape": None, "spacing": None, "warnings": [str(e)]})
        return facts
    shape = [layout.n_slices, layout.rows, layout.columns]
    if layout.n_timepoints > 1:
        shape.insert(0, layout.n_timepoints)
    facts.update({
        "shape": shape,
        "spacing": [round(float(v), 6) for v in layout.spacing],
        "warnings": list(layout.warnings),
    })
    return facts


def command_scan(args: argparse.Namespace) -> int:
    """List the series found under the given paths."""
    result = scan_paths(args.paths)
    series = [_series_facts(s) for s in result.series]
    if args.json:
        document = {
            "version": SCAN_JSON_VERSION,
            "files_read": result.files_read,
            "series": series,
            "skipped": [{"path": s.path, "reason": s.reason, "kind": s.kind} for s in result.skipped],
        }
        print(json.dumps(document, indent=2))
        return 0 if series else 1
    if not series:
        print(f"no image series found ({result.files_read} files read)")
    for facts in series:
        shape = "x".join(str(v) for v in facts["shape"]) if facts["shape"] else "?"
        spacing = "x".join(f"{v:g}" for v in facts["spacing"]) if facts["spacing"] else "?"
        print(f"{facts['key']}  {printable(facts['modality']) or '--':4} {facts['instances']:5d} inst  "
              f"{shape:>16}  {spacing:>18} mm  {printable(facts['description'])}")
        for warning in facts["warnings"] + facts["notes"]:
            print(f"{'':12}warning: {one_line(warning)}")
    if result.skipped:
        print(f"\n{len(result.skipped)} file(s) skipped:")
        for skipped in result.skipped:
            print(f"  {printable(skipped.path)}: {one_line(skipped.reason)}")
    return 0 if series else 1


# --------------------------------------------------------------------------- convert
def command_convert(args: argparse.Namespace) -> int:
    """Convert one series to NIfTI."""
    from viewer.export.nifti import write_nifti

    if not (args.out.endswith(".nii") or args.out.endswith(".nii.gz")):
        raise OutpostError(f"--out must end in .nii or .nii.gz, not {args.out!r}")
    volume = load_with_progress(choose_series(args.path, args.series))
    write_nifti(volume, args.out)
    shape = "x".join(str(v) for v in reversed(volume.array.shape))
    print(f"wrote {args.out} ({shape}, {'x'.join(f'{v:g}' for v in volume.spacing)} mm)")
    for warning in volume.warnings:
        print(f"warning: {one_line(warning)}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- view
def command_view(args: argparse.Namespace) -> int:
    """Open the viewer (or render a screenshot and exit)."""
    from viewer.qt.qt_app import run_viewer

    if args.screenshot and not args.screenshot.lower().endswith(".png"):
        raise OutpostError(f"--screenshot must end in .png, not {args.screenshot!r}")
    for path in args.paths:
        if not os.path.exists(path):
            raise OutpostError(f"no such file or folder: {path}")
    options = {dest: getattr(args, dest) for dest in args.plugin_option_dests
               if getattr(args, dest, None) not in (None, False)}
    for check in args.plugin_option_checks:
        check(options)  # a plugin refuses a combination of its options with one line (OutpostError)
    return run_viewer(args.paths, series_key=args.series, layout=args.layout, window=args.window,
                      screenshot=args.screenshot, plugin_options=options)


# --------------------------------------------------------------------------- audit
def command_audit(args: argparse.Namespace) -> int:
    """Print the audit log, newest last (``--json``: one JSON document)."""
    if args.last is not None and args.last < 0:
        raise OutpostError(f"--last must be 0 or more, not {args.last}")
    reading = audit.read_entries(event=args.event, last=args.last)
    if args.json:
        print(json.dumps({"version": AUDIT_JSON_VERSION, "path": str(reading.path), "entries": reading.entries,
                          "skipped_lines": reading.skipped}, indent=2))  # ASCII: no raw control or bidi character
        return 0
    for entry in reading.entries:
        details = " ".join(f"{printable(key)}={shown_audit_value(key, value)}"
                           for key, value in entry.get("details", {}).items())
        print(f"{printable(entry.get('time', '?'))}  {printable(entry.get('user', '?')):10} "
              f"{printable(entry.get('event', '?')):9} {details}")
    if not reading.entries:
        print(f"no audit entries in {reading.path}", file=sys.stderr)
    if reading.skipped:
        print(f"outpost: {reading.skipped} damaged line(s) in {reading.path} skipped", file=sys.stderr)
    return 0


def audit_value(value: Any) -> str:
    """One detail of an audit entry as a short string (lists joined with commas)."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return "-" if value is None or value == "" else str(value)


def shown_audit_value(key: str, value: Any) -> str:
    """One detail of an audit entry as a terminal shows it: on one line, its control characters escaped.

    The details are values from files and peers (UIDs, paths, AE titles, pack names), shown
    with :func:`~viewer.core.text.printable`; the ``outcome`` is a message (``failed: ...``)
    that may quote a value already, shown with :func:`~viewer.core.text.one_line`.
    """
    text = audit_value(value)
    return one_line(text) if key == "outcome" else printable(text)


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with the commands of installed plugins."""
    parser = argparse.ArgumentParser(
        prog="outpost", description="Outpost: an offline DICOM viewer with AI assistance.")
    parser.add_argument("--version", action="version", version=f"outpost {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan_parser = commands.add_parser("scan", help="list the series in folders, zips or DICOMDIRs")
    scan_parser.add_argument("paths", nargs="+", metavar="PATH")
    scan_parser.add_argument("--json", action="store_true", help="print a JSON document")
    scan_parser.set_defaults(handler=command_scan)

    convert_parser = commands.add_parser("convert", help="write one series as NIfTI")
    convert_parser.add_argument("path", metavar="PATH")
    convert_parser.add_argument("--series", metavar="KEY", help="series key from 'outpost scan'")
    convert_parser.add_argument("--out", required=True, metavar="FILE.nii.gz")
    convert_parser.set_defaults(handler=command_convert)

    view_parser = commands.add_parser("view", help="open the viewer (or save a screenshot)")
    view_parser.add_argument("paths", nargs="*", metavar="PATH")
    view_parser.add_argument("--series", metavar="KEY", help="series key from 'outpost scan'")
    view_parser.add_argument("--layout", choices=[*SINGLE_LAYOUTS, *GRIDS],
                             help="the layout (default: as the study's hanging protocol says, else single)")
    view_parser.add_argument("--window", metavar="C,W", help="window centre and width, e.g. 40,400")
    view_parser.add_argument("--screenshot", metavar="FILE.png",
                             help="render offscreen, save the picture and exit")
    view_parser.set_defaults(handler=command_view, **_plugin_view_options(view_parser))

    audit_parser = commands.add_parser("audit", help="show the audit log (studies opened, AI runs, "
                                                      "exports, sends, receives)")
    audit_parser.add_argument("--last", type=int, metavar="N", help="only the newest N entries")
    audit_parser.add_argument("--event", choices=audit.EVENTS, help="only entries of this event")
    audit_parser.add_argument("--json", action="store_true", help="print a JSON document")
    audit_parser.set_defaults(handler=command_audit)

    from viewer.cli import export, pacs

    export.register(commands)
    pacs.register(commands)
    _from_plugins(COMMANDS_GROUP, commands)
    return parser


def _from_plugins(group: str, argument: Any) -> list[Any]:
    """Call every function registered under the entry-point group ``group`` with ``argument``.

    Returns what they returned; a plugin that fails is logged and skipped (it must not break the CLI).
    """
    returned = []
    for entry_point in entry_points(group=group):
        try:
            returned.append(entry_point.load()(argument))
        except Exception as e:  # noqa: BLE001 - a broken plugin must not break the CLI
            log.warning("plugin entry point %s (%s) failed to load: %s", entry_point.name, group, e)
    return returned


def _plugin_view_options(view_parser: argparse.ArgumentParser) -> dict[str, Any]:
    """Let plugins add their ``outpost view`` options (``outpost.view_options``).

    Each entry point names a function ``add(group)`` that adds arguments to an argument group
    and may return ``check(options)``, called with the plugin options the user gave. Returns
    the defaults the view command needs: which destinations are plugin options, and the checks.
    """
    group = view_parser.add_argument_group("options of plugins")
    before = {action.dest for action in view_parser._actions}
    checks = [check for check in _from_plugins(VIEW_OPTIONS_GROUP, group) if callable(check)]
    dests = tuple(action.dest for action in view_parser._actions if action.dest not in before)
    return {"plugin_option_dests": dests, "plugin_option_checks": tuple(checks)}


def main(argv: list[str] | None = None) -> int:
    """Run the ``outpost`` command; return its exit status.

    Errors a user can cause, and running out of memory, print one line and exit 1; an interruption exits
    130; an unexpected failure prints one line (the traceback only with
    ``OUTPOST_DEBUG=1``) and exits 2.
    """
    from viewer.core.logs import configure_logging

    configure_logging()
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    known = {"scan", "convert", "view", *parser._subparsers._group_actions[0].choices}
    if not argv or (argv[0] not in known and not argv[0].startswith("-")):
        argv = ["view", *argv]  # `outpost [PATH...]` opens the viewer
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except Cancelled:
        print("outpost: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("outpost: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `outpost scan | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OutpostError as e:
        print(f"outpost: error: {one_line(str(e))}", file=sys.stderr)
        return 1
    except MemoryError as e:
        # Not a bug: the computer (or a limit on this process) ran out of memory outside a load,
        # which has its own message; what was allocated is free again by now.
        from viewer.core.memory import memory_budget

        detail = f"{one_line(str(e).splitlines()[0])}; " if str(e) else ""
        print(f"outpost: error: out of memory: {detail}{memory_budget().describe()}; "
              "close other programs or work on fewer files", file=sys.stderr)
        return 1
    except Exception as e:  # never show a traceback to a user
        if os.environ.get("OUTPOST_DEBUG"):
            raise
        print(f"outpost: internal error: {type(e).__name__}: {one_line(str(e))} "
              "(run with OUTPOST_DEBUG=1 for details)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

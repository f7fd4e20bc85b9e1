"""``outpost export``: copy a series as it is, or anonymised (PS3.15 Basic Profile).

``register(commands)`` adds the command to the ``outpost`` parser::

    outpost export PATH [--series KEY] --out DIR [--anonymize]
                   [--date-shift DAYS | --remove-dates] [--patient-name N] [--patient-id I] [--yes]

Without ``--anonymize`` the series' files are copied byte for byte. With it,
the plan (what will be removed, emptied and replaced; files whose pixels may
show identifying text) is printed first and confirmed on a terminal; without a
terminal, ``--yes`` is required. Dates are removed unless ``--date-shift`` is given.
"""

from __future__ import annotations

import argparse
import sys

from viewer.cli.terminal import choose_series, with_progress
from viewer.core.errors import OutpostError

DEFAULT_PATIENT_NAME = "Anonymous"
DEFAULT_PATIENT_ID = "ANON"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``export`` to the ``outpost`` parser's sub-commands."""
    export = commands.add_parser("export", help="copy a series as it is, or anonymised (PS3.15 basic profile)")
    export.add_argument("path", metavar="PATH", help="a folder, file, .zip or DICOMDIR holding the series")
    export.add_argument("--series", metavar="KEY",
                        help="series key from 'outpost scan' (needed when PATH holds several)")
    export.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    export.add_argument("--anonymize", action="store_true",
                        help="remove or replace identifying attributes and UIDs (asks first; see --yes)")
    dates = export.add_mutually_exclusive_group()
    dates.add_argument("--date-shift", type=int, metavar="DAYS",
                       help="with --anonymize: move every date by DAYS (negative: earlier) and keep the times")
    dates.add_argument("--remove-dates", action="store_true",
                       help="with --anonymize: remove every date and time (the default; a dummy date "
                            "where the object needs one)")
    export.add_argument("--patient-name", metavar="NAME",
                        help=f"with --anonymize: the new patient name (default {DEFAULT_PATIENT_NAME})")
    export.add_argument("--patient-id", metavar="ID",
                        help=f"with --anonymize: the new patient ID (default {DEFAULT_PATIENT_ID})")
    export.add_argument("--yes", action="store_true", help="write the anonymised copy without asking")
    export.set_defaults(handler=command_export)


def _confirmed(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def command_export(args: argparse.Namespace) -> int:
    """Copy one series, as it is or anonymised, into a new or empty folder."""
    from viewer.export.copy import check_output_folder, copy_files

    anonymizing_options = [name for name, given in (
        ("--date-shift", args.date_shift is not None), ("--remove-dates", args.remove_dates),
        ("--patient-name", args.patient_name is not None), ("--patient-id", args.patient_id is not None)) if given]
    if anonymizing_options and not args.anonymize:
        raise OutpostError(f"{', '.join(anonymizing_options)} only apply with --anonymize")
    if args.anonymize and not args.yes and not sys.stdin.isatty():
        raise OutpostError("not writing an anonymised copy unconfirmed: add --yes (no terminal to ask on)")
    check_output_folder(args.out)
    series = choose_series(args.path, args.series)
    sources = [instance.source for instance in series.instances]
    if not args.anonymize:
        written = with_progress("copying", lambda progress: copy_files(sources, args.out, progress=progress))
        print(f"copied {len(written)} file(s) of series {series.key} to {args.out}")
        return 0

    from viewer.export.anonymize import AnonymizationOptions, plan_anonymization, write_anonymized

    options = AnonymizationOptions(
        patient_name=args.patient_name if args.patient_name is not None else DEFAULT_PATIENT_NAME,
        patient_id=args.patient_id if args.patient_id is not None else DEFAULT_PATIENT_ID,
        date_shift_days=args.date_shift)
    plan = plan_anonymization(sources, options)
    print("\n".join(plan.summary()))
    if not args.yes and not _confirmed(f"write the anonymised copy to {args.out}? [y/N] "):
        print("nothing written")
        return 1
    written = with_progress("anonymising", lambda progress: write_anonymized(plan, args.out, progress=progress))
    print(f"wrote {len(written)} anonymised file(s) of series {series.key} to {args.out}")
    return 0

"""``outpost batch run|list|report|calibrate``: screening at scale from the command line.

Every command prints one line ``outpost: error: ...`` for bad input (:class:`~viewer.core.errors.OutpostError`);
``--json`` documents are versioned and described in ``docs/user/batch.md``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from viewer.cli.terminal import TerminalProgress
from viewer.core.errors import OutpostError
from viewer.core.text import printable

if TYPE_CHECKING:
    from ai.batch.executors import Executor
    from ai.batch.inputs import BatchInputs

#: What ``--device`` accepts.
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d{1,2})?)$")


def _device(text: str) -> str:
    if not _DEVICE.match(text):
        raise argparse.ArgumentTypeError(f"a device is auto, cpu, mps, cuda or cuda:N, not {text!r}")
    return text


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"--workers takes a whole number from 1 to 256, not {text!r}")
    return value


# --------------------------------------------------------------------------- run
def _inputs(args: argparse.Namespace) -> BatchInputs:
    from ai.batch import inputs
    from viewer.pacs.store import LocalStore

    if args.input:
        return inputs.from_paths(args.input)
    if args.pacs:
        if not args.query:
            raise OutpostError("--pacs NODE needs --query KEY=VALUE ... (date, modality, accession, patient-id, "
                               "study)")
        if args.scheduler and args.fetch_on_workers:
            return inputs.from_dicomweb(args.pacs, args.query)
        progress = TerminalProgress("retrieving")
        try:
            with LocalStore() as store:
                return inputs.from_pacs(args.pacs, args.query, store, progress=progress)
        finally:
            progress.close()
    if args.query:
        raise OutpostError("--query goes with --pacs NODE")
    with (LocalStore(args.store) if isinstance(args.store, str) else LocalStore()) as store:
        return inputs.from_store(store)


def _executor(args: argparse.Namespace) -> Executor:
    if args.scheduler:
        try:
            from ai.batch.dask_executor import DaskExecutor
        except ModuleNotFoundError as e:
            raise OutpostError(f"--scheduler needs Dask's distributed package, which is not installed here "
                               f"(no module {e.name})") from None
        return DaskExecutor(args.scheduler)
    from ai.batch.executors import LocalExecutor, gpu_count

    workers = args.workers if args.workers is not None else max(1, gpu_count() if args.device == "auto" else 1)
    return LocalExecutor(workers=workers, device=args.device)


def command_batch_run(args: argparse.Namespace) -> int:
    """Run a pack over every suitable series of the inputs; resumable (see :func:`ai.batch.runner.run_batch`)."""
    from ai.batch.runner import run_batch
    from ai.packs.store import PackStore

    if args.fetch_on_workers and not (args.pacs and args.scheduler):
        raise OutpostError("--fetch-on-workers goes with --pacs NODE and --scheduler ADDRESS")
    if args.scheduler and args.workers is not None:
        raise OutpostError("--workers is for this machine; a Dask cluster has the workers it was started with")
    pack = PackStore().find(args.pack)
    found = _inputs(args)
    if not found.series and not found.unreadable:
        raise OutpostError("the inputs hold no image series")
    executor = _executor(args)
    progress = TerminalProgress("batch")
    try:
        summary = run_batch(args.out, pack, found.series, executor, explain=args.explain, progress=progress,
                            unreadable=found.unreadable, device=args.device)
    finally:
        progress.close()
    if args.json:
        print(json.dumps(summary.as_json(), indent=1))
    else:
        for line in summary.lines():
            print(line)
    return 130 if summary.cancelled else 0


# --------------------------------------------------------------------------- list, report
def command_batch_list(args: argparse.Namespace) -> int:
    """The batch's series ranked (by score: highest first), flagged at the threshold."""
    from ai.batch.database import BatchDatabase
    from ai.batch.report import batch_threshold, flagged, list_document

    with BatchDatabase(args.batch, create=False) as db:
        meta, counts = db.meta(), db.counts()
        threshold = batch_threshold(meta)
        rows = db.rows(status=args.status, sort=args.sort, since=args.since or "", until=args.until or "",
                       flagged=True if args.flagged else None, threshold=threshold.value if args.flagged else None)
    if args.flagged:
        rows = [row for row in rows if flagged(row, threshold)]
    if args.json:
        print(json.dumps(list_document(Path(args.batch), rows, meta, counts, threshold), indent=1))
        return 0
    print(f"{printable(meta.get('pack', ''))} {printable(meta.get('version', ''))}: {len(rows)} series; "
          f"flagged at {threshold.describe()}")
    for row in rows:
        score = "" if row.score is None else f"{row.score:.3f}"
        mark = "*" if flagged(row, threshold) else " "
        reason = f"  {printable(row.reason, 120)}" if row.reason else ""
        print(f"{mark} {score:>8} {row.status:<10} {row.study_date or '--------'} {printable(row.modality):<4} "
              f"{printable(row.series_uid)}{reason}")
    return 0


def command_batch_report(args: argparse.Namespace) -> int:
    """Write the batch's report as CSV or HTML."""
    from ai.batch.report import write_report

    written = write_report(args.batch, args.out)
    print(f"wrote {printable(written['file'])}: {written['flagged']} flagged, "
          + ", ".join(f"{count} {status}" for status, count in written["counts"].items() if count))
    return 0


def command_batch_calibrate(args: argparse.Namespace) -> int:
    """Calibrate the threshold for this site from labelled series (:mod:`ai.batch.calibration`)."""
    if not 0 < args.sensitivity < 1:
        raise OutpostError(f"--sensitivity is a fraction between 0 and 1, not {args.sensitivity}")
    try:
        from ai.batch.calibration import calibrate_batch, save_site_calibration
    except ModuleNotFoundError as e:
        raise OutpostError(f"calibration is not available in this installation (no module {e.name})") from None

    calibration = calibrate_batch(Path(args.batch), Path(args.labels), args.sensitivity,
                                  Path(args.out) if args.out else None)
    saved = save_site_calibration(calibration) if args.save else None
    if args.json:
        document = calibration.as_json()
        if saved is not None:
            document["saved"] = {"threshold": saved.threshold, "checksum": saved.checksum}
        print(json.dumps(document, indent=1))
    else:
        for line in calibration.lines():
            print(line)
        if saved is not None:
            print(f"saved: {saved.threshold:g} is now this site's threshold for {printable(saved.pack)} "
                  f"{printable(saved.pack_version)} (checksum {saved.checksum[:12]})")
    return 0


# --------------------------------------------------------------------------- the parser
def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``outpost batch ...`` to the ``outpost`` parser."""
    from ai.batch.database import SORTS, STATUSES
    from ai.cli import EXPLAIN_METHODS

    batch = commands.add_parser("batch", help="run a pack over many series; the worklist, reports, calibration")
    batch_commands = batch.add_subparsers(dest="batch_command", metavar="COMMAND", required=True)

    run = batch_commands.add_parser("run", help="run a pack over every suitable series (resumable)")
    run.add_argument("--pack", required=True, metavar="NAME|PATH")
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", nargs="+", metavar="PATH", help="folders, files, zips or DICOMDIRs")
    source.add_argument("--store", nargs="?", const=True, metavar="DIR",
                        help="every study of the local study store (default: <user data dir>/store)")
    source.add_argument("--pacs", metavar="NODE", help="the studies --query finds on this PACS, retrieved first")
    run.add_argument("--query", nargs="+", metavar="KEY=VALUE",
                     help="with --pacs: date=YYYYMMDD[-YYYYMMDD], modality=CR, accession=..., patient-id=..., "
                          "study=UID")
    run.add_argument("--out", required=True, metavar="BATCH", help="the batch folder (its database and results)")
    run.add_argument("--workers", type=_workers, metavar="N",
                     help="series run at once here (default: one per GPU, else 1)")
    run.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster (tcp://HOST:PORT)")
    run.add_argument("--fetch-on-workers", action="store_true",
                     help="with --pacs and --scheduler: each worker fetches its series by DICOMweb from the node "
                          "of the same name in its own settings (nothing is retrieved here)")
    run.add_argument("--explain", choices=EXPLAIN_METHODS, help="also write each result's heatmap")
    run.add_argument("--device", type=_device, default="auto", help="auto (default), cpu, cuda, cuda:N")
    run.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    run.set_defaults(handler=command_batch_run)

    listing = batch_commands.add_parser("list", help="the batch's series, ranked by score")
    listing.add_argument("batch", metavar="BATCH")
    listing.add_argument("--json", action="store_true", help="print a JSON document")
    listing.add_argument("--sort", choices=SORTS, default="score", help="score (default: highest first), date, "
                                                                        "status")
    listing.add_argument("--flagged", action="store_true", help="only those at or above the threshold")
    listing.add_argument("--status", choices=STATUSES, help="only this status")
    listing.add_argument("--since", metavar="YYYYMMDD", help="only studies from this date")
    listing.add_argument("--until", metavar="YYYYMMDD", help="only studies up to this date")
    listing.set_defaults(handler=command_batch_list)

    report = batch_commands.add_parser("report", help="write a summary to send: counts, flags, failures")
    report.add_argument("batch", metavar="BATCH")
    report.add_argument("--out", required=True, metavar="FILE.csv|FILE.html")
    report.set_defaults(handler=command_batch_report)

    calibrate = batch_commands.add_parser("calibrate", help="the site's threshold from labelled series")
    calibrate.add_argument("batch", metavar="BATCH")
    calibrate.add_argument("--labels", required=True, metavar="LABELS.csv",
                           help="series_uid and label (1 positive, 0 negative) of some of the batch's series")
    calibrate.add_argument("--sensitivity", type=float, default=0.90, help="the target sensitivity (default 0.90)")
    calibrate.add_argument("--out", metavar="ROC.png", help="draw the ROC curve here")
    calibrate.add_argument("--save", action="store_true",
                           help="keep the threshold found as this site's for this version of the pack (its "
                                "checksum): the worklist, the reports and the AI panel then flag by it")
    calibrate.add_argument("--json", action="store_true", help="print a JSON document")
    calibrate.set_defaults(handler=command_batch_calibrate)

    from ai.batch.cluster import register_cluster_commands

    register_cluster_commands(batch_commands)  # outpost batch scheduler | worker: a Dask cluster of Outposts


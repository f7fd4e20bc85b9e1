"""``outpost demo``: the AI plugin's commands, registered through ``outpost.commands``."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

import numpy as np

from viewer.cli.terminal import TerminalProgress, choose_series
from viewer.core.errors import OutpostError
from viewer.core.text import one_line, printable

#: The built-in demo pack (resources/packs), trained on phantoms by ai/training.
DEMO_PACK = "outpost-demo-ct"


def command_demo(args: argparse.Namespace) -> int:
    """Write the synthetic CT study, read it back through the DICOM core, and check it."""
    from ai.demo.phantom import make_phantom
    from viewer.core.dicom import load_series, scan
    from viewer.export.dicom_series import write_series

    phantom = make_phantom(seed=args.seed)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="outpost-demo-"))
    paths = write_series(phantom.volume, out / "dicom", patient_name="Phantom^Demo",
                         patient_id="DEMO-0001", study_description="Outpost synthetic phantom",
                         series_description="Synthetic CT (not a patient)", window=(40, 400))
    result = scan(out / "dicom")
    (series,) = result.series
    volume = load_series(series)
    exact = np.array_equal(volume.array, phantom.volume.array) and volume.same_grid(phantom.volume)
    print(f"demo study: {len(paths)} CT images in {out / 'dicom'}")
    print(f"series {series.key}: {'x'.join(map(str, volume.array.shape))} voxels, "
          f"{'x'.join(f'{v:g}' for v in volume.spacing)} mm, read back "
          f"{'exactly' if exact else 'WITH DIFFERENCES'}")
    print(f"{'structure':14}{'voxels':>9}{'volume mL':>11}{'mean HU':>9}")
    voxel_ml = float(np.prod(volume.spacing)) / 1000.0
    for label, name in phantom.label_names.items():
        mask = phantom.labels == label
        print(f"{name:14}{int(mask.sum()):9d}{mask.sum() * voxel_ml:11.1f}"
              f"{float(volume.array[mask].mean()):9.0f}")
    if args.nifti:
        from viewer.export.nifti import write_nifti

        write_nifti(volume, out / "phantom.nii.gz")
        print(f"wrote {out / 'phantom.nii.gz'}")
    if not exact:
        return 1
    if args.no_view:
        return 0
    return _show_demo(out / "dicom", args.screenshot, out)


def _show_demo(folder: Path, screenshot: str | None, out: Path) -> int:
    """Open the viewer on the demo study, run the demo pack and show its Grad-CAM map.

    Without a display and without ``--screenshot``, the picture is saved as
    ``demo.png`` beside the study instead.
    """
    import os

    from viewer.qt.qt_app import run_viewer

    if not screenshot and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
            and os.environ.get("QT_QPA_PLATFORM") in (None, "", "offscreen"):
        screenshot = str(out / "demo.png")
        print("no display: rendering offscreen instead of opening a window")
    if screenshot and not screenshot.lower().endswith(".png"):
        raise OutpostError(f"--screenshot must end in .png, not {screenshot!r}")
    print(f"running {DEMO_PACK} and Grad-CAM in the viewer…")
    status = run_viewer([str(folder)], plugin_options={"pack": DEMO_PACK, "explain": "gradcam"},
                        screenshot=screenshot, layout="single")  # one view of the CT: no hanging protocol
    if screenshot and status == 0:
        print(f"wrote {screenshot}")
    return status


def _fold_numbers(text: str) -> list[int]:
    """``--folds``: whole numbers separated by commas (argparse says which value is wrong)."""
    try:
        folds = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not fold numbers separated by commas (e.g. 0,1)") from None
    if any(not 0 <= fold <= 99 for fold in folds):
        raise argparse.ArgumentTypeError(f"{text!r}: fold numbers are 0 to 99")
    return folds


#: The attention maps ``--explain`` offers: :data:`ai.explain.METHODS` (a test checks; not imported: slow).
EXPLAIN_METHODS = ("gradcam", "ig", "occlusion", "saliency")


def view_options(group: argparse._ArgumentGroup):
    """Add the AI plugin's options to ``outpost view`` (entry point ``outpost.view_options``).

    Returns the check of their combination, called with the options the user gave.
    """
    group.add_argument("--pack", metavar="NAME|PATH",
                       help="run this model pack on the series once it has loaded (AI plugin)")
    group.add_argument("--explain", choices=EXPLAIN_METHODS, help="then show this attention map (AI plugin)")
    group.add_argument("--worklist", metavar="BATCH",
                       help="show the worklist of this batch folder, ranked by the AI's score (AI plugin)")

    def check(options: dict) -> None:
        if options.get("explain") and not options.get("pack"):
            raise OutpostError("--explain needs --pack")

    return check


def register(commands: argparse._SubParsersAction) -> None:
    """Add the AI plugin's commands to the ``outpost`` parser."""
    demo = commands.add_parser("demo", help="the built-in default: a synthetic CT study, segmented and explained "
                                            "by the demo model in the viewer")
    demo.add_argument("--out", metavar="DIR", help="keep the study here (default: a new temp folder)")
    demo.add_argument("--seed", type=int, default=0, help="phantom variant (default 0)")
    demo.add_argument("--nifti", action="store_true", help="also write phantom.nii.gz")
    demo.add_argument("--screenshot", metavar="FILE.png", help="render offscreen, save the picture and exit")
    demo.add_argument("--no-view", action="store_true", help="only write and check the study")
    demo.set_defaults(handler=command_demo)

    models = commands.add_parser("models", help="list, install, verify or remove model packs")
    models.add_argument("action", choices=["list", "install", "verify", "remove", "import", "check-precision"])
    models.add_argument("target", nargs="?", metavar="PACK|FORMAT",
                        help="a pack name, a .zip/folder to install, or the format to import "
                             "(brainchop, torchvision, monai, nnunet)")
    models.add_argument("source", nargs="?", metavar="SOURCE", help="import: the published file or folder")
    models.add_argument("--out", metavar="DIR", help="import: the pack folder to write (new or empty)")
    models.add_argument("--name", help="import: the pack's name")
    models.add_argument("--config", metavar="FILE.json", help="import torchvision: classes, mean, std, size, "
                                                              "authors, references, licences")
    models.add_argument("--classes", help="import torchvision: class names, comma-separated, in output order")
    models.add_argument("--mean", help="import torchvision: per-channel mean, comma-separated")
    models.add_argument("--std", help="import torchvision: per-channel std, comma-separated")
    models.add_argument("--size", type=int, help="import torchvision: square input size (default 224)")
    models.add_argument("--licence", action="append", metavar="FILE", help="import torchvision: a licence file")
    models.add_argument("--weights", metavar="FILE.pt", help="import monai: the state dict published apart")
    models.add_argument("--entry", type=int, metavar="ID", help="import brainchop: the registry entry to use")
    models.add_argument("--orientation", choices=["dcm2niix", "totalsegmentator"],
                        help="import nnunet: the voxel order the model was trained on (default dcm2niix; "
                             "totalsegmentator: closest canonical RAS)")
    models.add_argument("--folds", metavar="0,1,...", type=_fold_numbers,
                        help="import nnunet: the folds to average (default all)")
    models.add_argument("--configuration", metavar="NAME",
                        help="import nnunet: the plans' configuration (default: the checkpoints')")
    models.add_argument("--mirroring", action="store_true",
                        help="import nnunet: also predict mirror images and average them in (slower)")
    models.add_argument("--body-part", action="append", metavar="PART",
                        help="import nnunet: a body part the model is for (repeatable)")
    models.add_argument("--modality", action="append", metavar="MOD",
                        help="import nnunet: a modality the model is for (repeatable; default CT for CT models)")
    models.add_argument("--training-inputs", metavar="FILE.json",
                        help="import: statistics of the training images (modalities, photometric, bits_stored, "
                             "intensity_range, pixel_spacing_mm, slice_spacing_mm; docs/user/ai.md)")
    models.add_argument("--yes", action="store_true",
                        help="trust the pack after reading its provenance: needed to install one without "
                             "checksums.sha256 or one whose model is TorchScript (code)")
    models.add_argument("--dtype", choices=["bfloat16", "float16", "float32"], default="bfloat16",
                        help="check-precision PACK SERIES: the autocast dtype to compare with float32 "
                             "(float32: the control)")
    models.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"],
                        help="check-precision: where to run both (default cpu)")
    models.add_argument("--json", action="store_true", help="check-precision: print one JSON object")
    models.set_defaults(handler=command_models)

    ai = commands.add_parser("ai", help="run AI models")
    ai_commands = ai.add_subparsers(dest="ai_command", metavar="COMMAND", required=True)
    run = ai_commands.add_parser("run", help="run a pack on a series")
    run.add_argument("--pack", required=True, metavar="NAME|PATH")
    run.add_argument("--input", required=True, metavar="PATH")
    run.add_argument("--series", metavar="KEY")
    run.add_argument("--out", required=True, metavar="DIR")
    run.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    run.add_argument("--explain", choices=EXPLAIN_METHODS,
                     help="also write heatmap.nii.gz, the attribution of the result")
    run.add_argument("--target", metavar="LABEL|CLASS",
                     help="the label or class to explain (default: the top class, or the first label found)")
    run.add_argument("--json", action="store_true",
                     help="print result.json's content (with the volumetry of a brain pack) as one JSON object")
    run.set_defaults(handler=command_ai_run)
    from ai.batch.cli import register as register_batch  # outpost batch ...

    register_batch(commands)


# --------------------------------------------------------------------------- models
def _store():
    from ai.packs.store import PackStore

    return PackStore()


@contextlib.contextmanager
def _engine():
    """The sandboxed AI worker (:mod:`ai.isolation`): every pack is checked, and every model run, in it."""
    from ai.isolation import IsolatedEngine

    engine = IsolatedEngine()
    try:
        yield engine
    finally:
        engine.close()


def command_models(args: argparse.Namespace) -> int:
    """List, install, verify or remove model packs (checked in the sandboxed AI worker)."""
    if args.action == "import":
        return command_models_import(args)
    if args.action == "check-precision":
        return command_models_check_precision(args)
    store = _store()
    if args.action == "list":
        return _list_models(store)
    if not args.target:
        raise SystemExit(f"outpost models {args.action}: name the pack")
    if args.action == "install":
        from ai.errors import PackRefusedError

        with _engine() as engine:
            preview = engine.describe_for_install(args.target)
            for line in preview.lines():
                print(line)
            if preview.refused:
                raise PackRefusedError(f"not installed: {preview.refused}")
            if preview.needs_confirmation and not args.yes:
                why = ("holds executable TorchScript" if preview.executable else "has no checksums.sha256")
                raise PackRefusedError(f"{preview.name} {why}: read its provenance above and install it with "
                                       "--yes only if you trust where it came from")
            pack = engine.install_pack(args.target, store.user_dir, trusted=args.yes)
        print(f"installed {printable(pack.name)} into {printable(pack.root)}")
        return 0
    if args.action == "verify":
        from ai.errors import AIError

        entries = [e for e in store.entries(check_network=False) if args.target in (e.name, e.path.name)]
        if not entries:
            raise AIError(f"no pack named {args.target!r}")
        with _engine() as engine:
            engine.check_entries(entries[:1])
        entry = entries[0]
        reason = f" ({one_line(entry.reason)})" if entry.reason else ""
        print(f"{printable(entry.name)}: {entry.status}{reason}")
        return 0 if entry.status in ("ok", "unverified") else 1
    removed = store.remove(args.target)
    print(f"removed {printable(removed)}")
    return 0


def _list_models(store) -> int:
    """``outpost models list``: the catalogue by modality, then body part, each pack with its licence and size.

    The stores' packs are checked in the sandboxed AI worker; each keeps its line (name, version,
    ``bundled``/``user``, status, reason), followed by an indented line with its licence and size.
    The packs offered as files (:func:`ai.packs.catalogue.offered_packs_dirs`) are listed too,
    located ``file``, read without installing them.
    """
    from ai.packs.catalogue import FILE, build_catalogue, group_catalogue, offered_packs_dirs

    entries = store.entries(check_network=False)
    offered = offered_packs_dirs()
    if not entries:
        print(f"no packs installed (user store {store.user_dir}, bundled {store.bundled_dir})")
        if not offered:
            return 0
    else:
        with _engine() as engine:
            engine.check_entries(entries)
    for group in group_catalogue(build_catalogue(entries=entries, offered=offered)):
        for part in group.parts:
            print(f"[{printable(group.title)} > {printable(part.title)}]")
            for item in part.items:
                entry = item.entry
                location = entry.location if entry is not None else FILE
                status = entry.status if entry is not None else item.status
                reason = entry.reason if entry is not None else item.reason
                reason = f"  ({one_line(reason)})" if reason else ""
                print(f"{printable(item.name):32} {printable(item.version):10} {location:8} {status}{reason}")
                where = f"; {printable(str(item.path))}" if location == FILE else ""
                print(f"    licence {printable(item.licence)}; {item.size_text}{where}")
    return 0


def command_models_import(args: argparse.Namespace) -> int:
    """``outpost models import FORMAT SOURCE --out DIR``: a published model as a pack (no code run)."""
    from ai.importers import import_pack

    if not (args.target and args.source and args.out):
        raise SystemExit("outpost models import FORMAT SOURCE --out DIR [--name NAME]")

    def numbers(text: str | None) -> list[float] | None:
        return [float(v) for v in text.split(",")] if text else None

    options = {"brainchop": {"entry": args.entry},
               "torchvision": {"config": args.config, "size": args.size, "licences": args.licence,
                               "classes": args.classes.split(",") if args.classes else None,
                               "mean": numbers(args.mean), "std": numbers(args.std)},
               "monai": {"weights": args.weights},
               "nnunet": {"orientation": args.orientation, "configuration_name": args.configuration,
                          "folds": args.folds or None,
                          "mirroring": args.mirroring or None, "body_parts": args.body_part,
                          "modalities": args.modality, "licence": args.licence[0] if args.licence else None},
               }.get(args.target, {})
    options["training_inputs"] = args.training_inputs
    pack = import_pack(args.target, args.source, args.out, name=args.name,
                       **{k: v for k, v in options.items() if v is not None})
    print(f"imported {printable(args.source)} as {printable(str(pack))}; install it with "
          f"outpost models install {printable(str(pack))}")
    return 0


def command_models_check_precision(args: argparse.Namespace) -> int:
    """``outpost models check-precision PACK SERIES``: how far autocast agrees with float32.

    Runs the pack twice on the series, in float32 and under ``torch.autocast(--dtype)``, in this
    process (so a pack holding TorchScript, which is code, is refused), and prints the fraction of
    voxels (or the top class) that agree, for a maintainer deciding to set ``outpost.mixed_precision``.
    SERIES is a DICOM file or folder (with one series), a picture, or a NIfTI volume.
    """
    import json

    from ai.precision import describe, label_agreement

    if not (args.target and args.source):
        raise SystemExit("outpost models check-precision PACK SERIES [--dtype bfloat16|float16|float32] "
                         "[--device cpu|cuda|auto]")
    pack = _store().find(args.target)
    if pack.executable:
        from ai.errors import PackRefusedError

        raise PackRefusedError(f"{pack.name} holds TorchScript (code): check-precision runs in this process, "
                               "not in the sandboxed worker, so only packs without code")
    modalities = pack.outpost.get("modalities") or []
    volume = _load_input(args.source, modalities[0] if len(modalities) == 1 else "")
    agreement = label_agreement(pack, volume, dtype=args.dtype, device=args.device)
    if args.json:
        print(json.dumps(agreement.summary(), indent=1))
    else:
        print(printable(describe(agreement)))
        print(f"inference: float32 {agreement.seconds.get('float32', 0):.2f} s, {agreement.dtype} "
              f"{agreement.seconds.get(agreement.dtype, 0):.2f} s; network output under autocast: "
              f"{agreement.network_output_dtype}")
    return 0


def _load_input(path: str, nifti_modality: str = ""):
    """A volume from a DICOM file or folder holding one series, a picture, or a NIfTI file.

    A NIfTI file names no modality: it is taken as ``nifti_modality`` (the one the pack declares).
    """
    from viewer.core.dicom import load_series, scan
    from viewer.core.pictures import is_picture, load_picture

    if path.lower().endswith((".nii", ".nii.gz")):
        from viewer.core.nifti import load_nifti

        return load_nifti(path, modality=nifti_modality)
    if is_picture(path):
        return load_picture(path)
    found = scan([path])
    if len(found.series) != 1:
        raise OutpostError(f"{len(found.series)} image series found in {path}; name a folder with one")
    return load_series(found.series[0])


# --------------------------------------------------------------------------- ai run
def command_ai_run(args: argparse.Namespace) -> int:
    """Run a pack on a series (or a picture) and write result.json, labels.nii.gz and seg.dcm.

    The pack is read here (no code) and run in the sandboxed AI worker.
    """
    from viewer.core.dicom import load_series

    pack = _store().find(args.pack)
    from viewer.core.pictures import is_picture, load_picture

    if is_picture(args.input):
        return _write_run(pack, load_picture(args.input), None, args)
    series = choose_series(args.input, args.series)
    return _write_run(pack, load_series(series), series, args)


def _write_run(pack, volume, series, args: argparse.Namespace) -> int:
    from ai.results import save_result
    from ai.workflow import pre_model_of

    pre_pack = pre_model_of(pack, _store())  # a pack that runs after another (brain extraction first)
    with _engine() as engine:
        progress = TerminalProgress("inference")
        try:
            result = engine.run(volume, pack, device=args.device, progress=progress, pre_pack=pre_pack)
        finally:
            progress.close()
        heatmap = None
        if args.explain:
            heatmap = engine.explain(volume, pack, result, args.explain, target=args.target, device=args.device)
    from ai.suitability import input_verdict

    verdict = input_verdict(volume, pack)
    result.provenance["input_check"] = verdict.provenance()
    out = Path(args.out)
    summary = save_result(out, volume, series, pack, result, heatmap)
    if "seg_error" in summary["files"]:
        print(f"warning: no DICOM SEG: {one_line(summary['files']['seg_error'])}", file=sys.stderr)
    as_json = bool(getattr(args, "json", False))
    if as_json:  # stdout holds the JSON object alone; the other lines go to stderr
        import json

        print(json.dumps(summary, indent=1, default=str))
    else:
        for name, probability in (result.probabilities or {}).items():  # the pack's class names
            print(f"{printable(name):30} {probability:.3f}")
        if result.volumetry:
            from ai.volumetry import format_table

            for line in format_table(result.volumetry):
                print(printable(line))
        else:
            for name, ml in result.volumes_ml.items():
                print(f"{printable(name):30} {ml:10.1f} mL")
    print(f"wrote {out / 'result.json'} ({result.device}, {result.timings.get('total', 0):.1f} s)",
          file=sys.stderr if as_json else sys.stdout)
    print(f"{'warning' if verdict.needs_attention else 'input'}: {one_line(verdict.text)}",
          file=sys.stderr if verdict.needs_attention or as_json else sys.stdout)
    for note in result.notes:
        print(f"note: {one_line(note)}", file=sys.stderr)
    return 0

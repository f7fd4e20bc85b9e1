"""``outpost demo``: the AI plugin's commands, registered through ``outpost.commands``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np


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
    return 0 if exact else 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add the AI plugin's commands to the ``outpost`` parser."""
    demo = commands.add_parser("demo", help="write and read back the built-in synthetic CT study")
    demo.add_argument("--out", metavar="DIR", help="keep the study here (default: a new temp folder)")
    demo.add_argument("--seed", type=int, default=0, help="phantom variant (default 0)")
    demo.add_argument("--nifti", action="store_true", help="also write phantom.nii.gz")
    demo.set_defaults(handler=command_demo)

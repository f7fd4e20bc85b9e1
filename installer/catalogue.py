"""Build the installer's catalogue of real model packs from the shared data, through the importers.

Usage: ``python installer/catalogue.py SHARED_DATA OUT_DIR [--extra-packs DIR]``

Writes into ``OUT_DIR`` (new or empty) one pack folder per model whose licence allows it to be
bundled (MANIFEST.md of the shared data): the MIT brainchop app MeshNets and the SqueezeNet
pneumonia classifier (MIT/Apache-2.0/BSD weights, CC BY 4.0 training data). Each pack carries
its licence as ``LICENSE`` and, in ``configs/metadata.json``, the source files' SHA-256, the
authors, the full licence text and the references (the importers record them).

``--extra-packs DIR`` writes, as separate ``.zip`` packs, the models that may be offered to a
user but never bundled: the HybridGNet chest X-ray U-Net (GPL-3.0), through the ``monai``
importer. The other weights of the shared data have no licence and are left out.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ai.errors import AIError  # noqa: E402
from ai.importers import import_pack  # noqa: E402

BRAINCHOP = "weights_brain_mri_meshnet_brainchop_app"
SQUEEZENET = "weights_cxr_pneumonia_squeezenet"
#: pack name -> (brainchop model folder, entry id in brainchop-parameters.js)
BRAIN_PACKS = {
    "brain-extraction-mindgrab": ("mindgrab", 16),
    "brain-gwm-meshnet": ("model20chan3cls", 2),
    "brain-subcortical-meshnet": ("model18cls", 6),
    "brain-aparc-aseg-meshnet": ("model30chan50cls", 8),
}
PNEUMONIA_PACK = "cxr-pneumonia-squeezenet"
#: SqueezeNet 1.1 output order, from the weights' repository's app
PNEUMONIA_CLASSES = ["Bacterial Pneumonia", "Normal", "Viral Pneumonia"]
#: The Kermany et al. paediatric chest X-rays the SqueezeNet was fine-tuned on: 8-bit grey-scale images
KERMANY_TRAINING_INPUTS = {"photometric": ["MONOCHROME2"], "bits_stored": [8], "intensity_range": [0, 255]}
#: Every pack the catalogue bundles, in order
BUNDLED = [*BRAIN_PACKS, PNEUMONIA_PACK]

HYBRIDGNET = "weights_cxr_lung_heart_clavicle_unet_hybridgnet"
HYBRIDGNET_PACK = "cxr-anatomy-unet-hybridgnet"
#: JSRT as HybridGNet's authors prepared it: 8-bit PNGs
JSRT_TRAINING_INPUTS = {"photometric": ["MONOCHROME2"], "bits_stored": [8], "intensity_range": [0, 255]}
HYBRIDGNET_METADATA = {
    "name": HYBRIDGNET_PACK, "version": "0.1", "task": "segmentation",
    "description": "Lungs, heart and clavicles on a chest X-ray (baseline U-Net of HybridGNet, trained on JSRT)",
    "authors": "Nicolas Gaggion et al. (ngaggion/HybridGNet, weights); Outpost (pack)",
    "license": "GPL-3.0; JSRT images under the JSRT database terms",
    "references": ["Gaggion N. et al., Hybrid graph convolutional neural networks for landmark-based "
                   "anatomical segmentation, MICCAI 2021"],
    "intended_use": "Research only, not for diagnostic use. Not bundled: a separate pack.",
    "network_data_format": {"outputs": {"pred": {"channel_def": {
        "0": "background", "1": "lungs", "2": "heart", "3": "clavicles"}}}},
    "outpost": {"task": "segmentation", "dimensions": 2, "modalities": ["CR", "DX", "OT"],
                "training_inputs": JSRT_TRAINING_INPUTS},
}
HYBRIDGNET_INFERENCE = {
    "network_def": {"_target_": "ai.networks.ResidualUNet", "in_channels": 1, "n_classes": 4},
    "preprocessing": {"_target_": "Compose", "transforms": [
        {"_target_": "LoadImaged", "keys": "image"},
        {"_target_": "EnsureChannelFirstd", "keys": "image"},
        {"_target_": "Transposed", "keys": "image", "indices": [0, 2, 1]},
        {"_target_": "Resized", "keys": "image", "spatial_size": [512, 512], "mode": "area"},
        {"_target_": "ScaleIntensityRanged", "keys": "image", "a_min": 0, "a_max": 255, "b_min": 0,
         "b_max": 1, "clip": True}]},
    "inferer": {"_target_": "SimpleInferer"},
    "postprocessing": {"_target_": "Compose", "transforms": [
        {"_target_": "AsDiscreted", "keys": "pred", "argmax": True},
        {"_target_": "Invertd", "keys": "pred", "transform": "@preprocessing", "orig_keys": "image",
         "nearest_interp": True}]},
}


def build_catalogue(shared: Path, out: Path) -> list[Path]:
    """Import the redistributable packs from ``shared`` into ``out`` (one folder per pack).

    Raises
    ------
    AIError
        A source is missing or refused by its importer (the message names it).
    """
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise AIError(f"{out} is not empty")
    models = shared / BRAINCHOP / "public" / "models"
    made = []
    for name, (folder, entry) in BRAIN_PACKS.items():
        if not (models / folder / "model.json").is_file():
            raise AIError(f"no {models / folder / 'model.json'}")
        made.append(import_pack("brainchop", models / folder, out / name, name=name, entry=entry))
    squeezenet = shared / SQUEEZENET
    weights = squeezenet / "Models" / "squeezenet1_1_model.pth"
    if not weights.is_file():
        raise AIError(f"no {weights}")
    made.append(import_pack(
        "torchvision", weights, out / PNEUMONIA_PACK, name=PNEUMONIA_PACK, classes=PNEUMONIA_CLASSES,
        size=224, licences=sorted(squeezenet.glob("LICENSE-*")),
        authors="Shain Sahagun (weights); Outpost (pack)", training_inputs=KERMANY_TRAINING_INPUTS))
    return made


def build_extra_packs(shared: Path, extra: Path) -> list[Path]:
    """Write the packs that may not be bundled as ``.zip`` files into ``extra``.

    The HybridGNet U-Net (GPL-3.0; JSRT images under JSRT's terms) is published as a bare state
    dict: it goes through the ``monai`` importer as a bundle folder written here (its configs,
    its licence) with the weights given apart. Skipped, with a message, when it is not there.
    """
    import json
    import tempfile

    extra.mkdir(parents=True, exist_ok=True)
    folder = shared / HYBRIDGNET
    weights = folder / "weights" / "unet.pt"
    if not weights.is_file():
        print(f"catalogue: skipped {HYBRIDGNET_PACK}: no {weights}")
        return []
    with tempfile.TemporaryDirectory(prefix="outpost-catalogue-") as scratch:
        bundle = Path(scratch) / "bundle"
        (bundle / "configs").mkdir(parents=True)
        shutil.copy(folder / "LICENSE", bundle / "LICENSE")
        (bundle / "configs" / "metadata.json").write_text(json.dumps(HYBRIDGNET_METADATA, indent=1))
        (bundle / "configs" / "inference.json").write_text(json.dumps(HYBRIDGNET_INFERENCE, indent=1))
        pack = import_pack("monai", bundle, Path(scratch) / HYBRIDGNET_PACK, name=HYBRIDGNET_PACK,
                           weights=weights)
        return [zip_pack(pack, extra / f"{HYBRIDGNET_PACK}.zip")]


def zip_pack(pack: Path, archive: Path) -> Path:
    """A ``.zip`` of one pack folder (its files under one top folder)."""
    return Path(shutil.make_archive(str(archive.with_suffix("")), "zip", pack.parent, pack.name))


def main(argv: list[str] | None = None) -> int:
    """Build the catalogue; one line per pack; exit 1 when a pack cannot be built."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", type=Path, metavar="SHARED_DATA")
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--extra-packs", type=Path, metavar="DIR",
                        help="write the packs that may not be bundled here, as .zip files")
    args = parser.parse_args(argv)
    try:
        for pack in build_catalogue(args.shared, args.out):
            print(f"catalogue: built {pack.name}")
        if args.extra_packs is not None:
            for archive in build_extra_packs(args.shared, args.extra_packs):
                print(f"catalogue: wrote {archive} (not bundled)")
    except AIError as e:
        print(f"catalogue: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

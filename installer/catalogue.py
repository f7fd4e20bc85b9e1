"""Build the installer's catalogue of real model packs from the shared data, through the importers.

Usage: ``python installer/catalogue.py SHARED_DATA OUT_DIR [--extra-packs DIR]``

Writes into ``OUT_DIR`` (new or empty) one pack folder per model whose licence allows it to be
bundled (MANIFEST.md of the shared data): the MIT brainchop app MeshNets (with the pre-model the
parcellations run after, brainchop's preModelId) and the SqueezeNet
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
#: pack name -> (brainchop model folder, entry id in brainchop-parameters.js). brainchop's registry
#: runs "Tissue GWM (light)" (id 1) before the two parcellations (their preModelId): it is bundled
#: for them, and the importer names it as the pack they run after (ai.workflow).
BRAIN_PRE_MODEL = "brain-gwm-light-meshnet"
BRAIN_PACKS = {
    BRAIN_PRE_MODEL: ("model5_gw_ae", 1),
    "brain-extraction-mindgrab": ("mindgrab", 16),
    "brain-gwm-meshnet": ("model20chan3cls", 2),
    "brain-subcortical-meshnet": ("model18cls", 6),
    "brain-aparc-aseg-meshnet": ("model30chan50cls", 8),
    "brain-dkt-atlas-meshnet": ("model21_104class", 14),
}
#: The body part of the pneumonia classifier's images (DICOM BodyPartExamined)
PNEUMONIA_BODY_PARTS = ["CHEST"]
#: Its ``outpost.screening`` entry: a batch ranks chest X-rays by the probability of either pneumonia,
#: flagged at 0.5 until the site calibrates its own threshold (``outpost batch calibrate``).
PNEUMONIA_SCREENING = {"positive": ["Bacterial Pneumonia", "Viral Pneumonia"], "threshold": 0.5}
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


#: What each bundled model was trained on, as its authors describe it (shown on the model card).
BRAINCHOP_TRAINING = ("Brain MRI conformed to 256x256x256 at 1 mm (FreeSurfer's conform), labelled with "
                      "FreeSurfer's segmentations (MeshNet, Fedorov et al. 2017; brainchop, Masoud et al. 2023); "
                      "the brainchop registry names mindgrab an omnimodal skull strip")
TRAINED_ON = {name: BRAINCHOP_TRAINING for name in BRAIN_PACKS}
TRAINED_ON[PNEUMONIA_PACK] = ("The Kermany et al. paediatric chest X-rays (Guangzhou; CC BY 4.0), 8-bit images "
                              "labelled normal, bacterial or viral pneumonia")
#: What was checked here, and with what result (the tests named run in CI on the shared data).
_CONFORMED = ("the conform to 256^3 at 1 mm and the labels' way back to the DICOM grid, checked with the lightest "
              "model (model5_gw_ae) on DICOM series written from the real T1 of the shared data (t1_crop): in "
              "axial, sagittal, coronal and prone feet-first acquisitions the labels equal, voxel for voxel, "
              "those of the model on the conformed NIfTI; on a 15+5 degree oblique series Dice is 0.95 (white) "
              "and 0.94 (grey matter) (tests/ai/test_brain_workflow.py)")
CHECKED_HERE = {name: ("Converted from brainchop's TF.js files; " + _CONFORMED
                       + ". Not compared with expert segmentations here.") for name in BRAIN_PACKS}
for _name, _folder in (("brain-gwm-light-meshnet", "model5_gw_ae"), ("brain-extraction-mindgrab", "mindgrab"),
                       ("brain-subcortical-meshnet", "model18cls"),
                       ("brain-dkt-atlas-meshnet", "model21_104class")):
    CHECKED_HERE[_name] = (f"Its tensors equal brainchop's own PyTorch conversion of {_folder} "
                           "(tests/ai/test_importers.py); " + _CONFORMED + ". Not compared with expert "
                           "segmentations here.")
CHECKED_HERE["brain-extraction-mindgrab"] += (" On the T1, the brain mask is 900-2000 mL and touches no face "
                                              "of the volume (tests/ai/test_real_packs.py).")
CHECKED_HERE[PNEUMONIA_PACK] = ("Its probabilities equal those of the original state dict to 1e-6 on a chest "
                                "X-ray (tests/ai/test_importers.py). Not validated here against a labelled "
                                "test set: the adult chest X-rays of the shared data carry no pneumonia labels.")


def describe_on_card(pack: Path, trained_on: str, checked_here: str, outpost: dict | None = None) -> None:
    """Put what the model was trained on and what was checked here in the pack's metadata; redo its checksums.

    The entries ``outpost`` go in the pack's outpost block.
    """
    import json

    from ai.packs.pack import write_checksums
    from viewer.core.files import atomic_path

    path = pack / "configs" / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["training_data"], metadata["checked_here"] = trained_on, checked_here
    if outpost:
        metadata.setdefault("outpost", {}).update(outpost)
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(metadata, indent=1, ensure_ascii=False), encoding="utf-8")
    path.chmod(0o644)
    write_checksums(pack)


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
        made.append(import_pack("brainchop", models / folder, out / name, name=name, entry=entry,
                                pre_model_pack=BRAIN_PRE_MODEL))
    squeezenet = shared / SQUEEZENET
    weights = squeezenet / "Models" / "squeezenet1_1_model.pth"
    if not weights.is_file():
        raise AIError(f"no {weights}")
    made.append(import_pack(
        "torchvision", weights, out / PNEUMONIA_PACK, name=PNEUMONIA_PACK, classes=PNEUMONIA_CLASSES,
        size=224, licences=sorted(squeezenet.glob("LICENSE-*")),
        authors="Shain Sahagun (weights); Outpost (pack)", training_inputs=KERMANY_TRAINING_INPUTS,
        body_parts=PNEUMONIA_BODY_PARTS))
    for pack in made:
        describe_on_card(pack, TRAINED_ON[pack.name], CHECKED_HERE[pack.name],
                         {"screening": PNEUMONIA_SCREENING} if pack.name == PNEUMONIA_PACK else None)
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

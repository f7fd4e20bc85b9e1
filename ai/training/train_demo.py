"""Train the built-in demo pack ``outpost-demo-ct`` on synthetic CT phantoms.

Run from the repository root::

    python -m ai.training.train_demo --out resources/packs/outpost-demo-ct [--iterations N] [--seed S]

A small 3-D MONAI ``UNet`` learns the six structures of
:mod:`ai.demo.phantom` (liver, spleen, kidneys, lungs, spine) from phantoms
made with seeds ``1..TRAIN_PHANTOMS`` and is scored on held-out seeds
(:data:`HELD_OUT_SEEDS`) by running the finished pack through
:func:`ai.inference.run`, the engine users run, on the phantoms' own grid.

The network sees exactly what inference gives it: the image goes through the
``preprocessing`` of the pack's own ``configs/inference.json``
(:func:`inference_config`), built by the engine's reader, whose ``LoadImaged``
is Outpost's in-memory loader. The labels go through the same geometric
transforms with nearest-neighbour interpolation. Seeds, the thread count and
torch's deterministic algorithms are fixed, so the same command on the same
machine reproduces the weights bit for bit (the metadata's timings differ).

The pack is for demonstrating the software only: it is trained on synthetic
ellipsoids and must never be used on patients.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ai.demo.phantom import LABELS, Phantom, make_phantom
from ai.packs.pack import read_pack, write_checksums

NAME = "outpost-demo-ct"
VERSION = "1.0.0"
#: Grid of the training and evaluation phantoms, ``(z, y, x)`` voxels and ``(x, y, z)`` mm.
PHANTOM_SHAPE = (64, 192, 192)
PHANTOM_SPACING = (2.0, 2.0, 3.0)
#: The network works on this coarser grid (``(x, y, z)`` mm): 96 x 96 x 32 voxels for a phantom.
MODEL_SPACING = (4.0, 4.0, 6.0)
#: Sliding-window size (``(x, y, z)`` voxels): one window covers a whole resampled phantom.
ROI_SIZE = (96, 96, 32)
HU_RANGE = (-1000.0, 1000.0)
CHANNELS = (8, 16, 32, 64)
STRIDES = (2, 2, 2)
RES_UNITS = 2
#: Phantoms made with seeds 1..TRAIN_PHANTOMS train the network; these seeds score it.
TRAIN_PHANTOMS = 40
HELD_OUT_SEEDS = (1000, 1001, 1002, 1003, 1004)
ITERATIONS = 700
BATCH_SIZE = 2
LEARNING_RATE = 3e-3
THREADS = 2
#: The body, for the intensity statistics of out-of-distribution checks: voxels above this HU.
BODY_THRESHOLD_HU = -500.0
#: What the phantoms are, as the out-of-distribution check reads it (``outpost.training_inputs``,
#: :data:`ai.packs.pack.TRAINING_INPUT_KEYS`); their spacing and HU are in ``outpost.training``.
TRAINING_INPUTS = {"modalities": ["CT"], "photometric": ["MONOCHROME2"]}
#: The last convolution (full resolution, before the output) for Grad-CAM: earlier decoder layers give
#: maps that are diffuse, or empty where the channel weights come out negative, on this network.
GRADCAM_LAYER = "model.2.1.conv.unit0.conv"
#: Display colours (RGB) of the labels: distinct hues, none of them grey.
COLORS = {1: (220, 120, 60), 2: (150, 60, 200), 3: (240, 200, 40), 4: (40, 190, 170), 5: (70, 140, 240),
          6: (230, 70, 110)}
#: The smallest series (``(z, y, x)`` voxels) the pack accepts.
MIN_SHAPE_ZYX = (16, 64, 64)
#: Preprocessing transforms that move voxels; the labels go through these (nearest) and no others.
GEOMETRIC_TRANSFORMS = ("LoadImaged", "EnsureChannelFirstd", "Orientationd", "Spacingd")
INTENSITY_TRANSFORMS = ("ScaleIntensityRanged",)


# --------------------------------------------------------------------------- the pack's config
def inference_config() -> dict[str, Any]:
    """The pack's ``configs/inference.json``: network, preprocessing, inferer, postprocessing.

    Returns
    -------
    dict
        A MONAI bundle config (JSON-serialisable); training builds its
        preprocessing and network from this same document.
    """
    return {
        "network_def": {"_target_": "UNet", "spatial_dims": 3, "in_channels": 1, "out_channels": 1 + len(LABELS),
                        "channels": list(CHANNELS), "strides": list(STRIDES), "num_res_units": RES_UNITS},
        "preprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "LoadImaged", "keys": "image"},
            {"_target_": "EnsureChannelFirstd", "keys": "image"},
            # The labels MONAI takes by default today, named so that its change of default cannot move them.
            {"_target_": "Orientationd", "keys": "image", "axcodes": "RAS",
             "labels": [["L", "R"], ["P", "A"], ["I", "S"]]},
            {"_target_": "Spacingd", "keys": "image", "pixdim": list(MODEL_SPACING), "mode": "bilinear"},
            {"_target_": "ScaleIntensityRanged", "keys": "image", "a_min": HU_RANGE[0], "a_max": HU_RANGE[1],
             "b_min": 0.0, "b_max": 1.0, "clip": True}]},
        "inferer": {"_target_": "SlidingWindowInferer", "roi_size": list(ROI_SIZE), "sw_batch_size": 1,
                    "overlap": 0.25},
        "postprocessing": {"_target_": "Compose", "transforms": [
            {"_target_": "Invertd", "keys": "pred", "transform": "@preprocessing", "orig_keys": "image",
             "nearest_interp": False},
            {"_target_": "AsDiscreted", "keys": "pred", "argmax": True}]},
    }


def _build(config: dict[str, Any], key: str):
    """Instantiate one part of ``config`` with the engine's own reader (as a pack is read)."""
    from ai.packs.config import BundleConfig, Instantiator

    return Instantiator({}).build(BundleConfig(config).resolve_all()[key], key)


def label_config(config: dict[str, Any]) -> dict[str, Any]:
    """The geometric part of ``config``'s preprocessing, for label maps.

    Every transform that moves voxels is kept, on the key ``label`` and with
    nearest-neighbour interpolation; intensity transforms are dropped.

    Raises
    ------
    ValueError
        The preprocessing holds a transform this function does not know how
        to carry over to labels (so training cannot drift from inference).
    """
    transforms = []
    for item in config["preprocessing"]["transforms"]:
        target = item["_target_"]
        if target in INTENSITY_TRANSFORMS:
            continue
        if target not in GEOMETRIC_TRANSFORMS:
            raise ValueError(f"do not know how to apply {target} to label maps")
        copy = dict(item, keys="label")
        if "mode" in copy:
            copy["mode"] = "nearest"
        transforms.append(copy)
    return {"preprocessing": {"_target_": "Compose", "transforms": transforms}}


@contextmanager
def _quiet_monai():
    """Silence MONAI's notices about its own future defaults (they do not apply here)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"monai\.")
        warnings.filterwarnings("ignore", message="Setting affine, but the applied meta contains")
        yield


@contextmanager
def _reproducible(threads: int):
    """Fixed thread count and deterministic algorithms, restored afterwards."""
    import torch

    threads_before, deterministic_before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic_before)
        torch.set_num_threads(threads_before)


# --------------------------------------------------------------------------- data
@dataclass
class TrainingSet:
    """Phantoms as the network sees them, and the statistics the pack records.

    Attributes
    ----------
    images
        ``[N, 1, X, Y, Z]`` float32, the preprocessed images.
    labels
        ``[N, 1, X, Y, Z]`` int64, the label maps on the same grid.
    seeds
        The phantom seeds.
    spacing_min, spacing_max
        Smallest and largest voxel size of the source phantoms, ``(x, y, z)`` mm.
    intensity_mean, intensity_std
        Of the HU inside the body (above :data:`BODY_THRESHOLD_HU`) of the
        source phantoms.
    """

    images: Any
    labels: Any
    seeds: list[int]
    spacing_min: list[float]
    spacing_max: list[float]
    intensity_mean: float
    intensity_std: float

    def __len__(self) -> int:
        return len(self.seeds)


def preprocess(phantom: Phantom, config: dict[str, Any] | None = None):
    """The network input and target for one phantom, as inference would prepare it.

    Parameters
    ----------
    phantom
        A phantom from :func:`ai.demo.phantom.make_phantom`.
    config
        The pack's inference config (default :func:`inference_config`).

    Returns
    -------
    tuple of MetaTensor
        ``image`` ``[1, X, Y, Z]`` (float, the pack's preprocessing of the
        volume) and ``label`` ``[1, X, Y, Z]`` on the same grid.
    """
    config = config or inference_config()
    with _quiet_monai():
        image = _build(config, "preprocessing")({"image": phantom.volume})["image"]
        label_volume = replace(phantom.volume, array=phantom.labels, metadata={})
        label = _build(label_config(config), "preprocessing")({"label": label_volume})["label"]
    return image, label


def _pad_to_multiple(tensor, multiple: int):
    """Pad the spatial axes at their far end to multiples of ``multiple`` (the UNet's total stride)."""
    from torch.nn import functional

    pads = []
    for size in reversed(tensor.shape[1:]):
        pads += [0, (-size) % multiple]
    return functional.pad(tensor, pads) if any(pads) else tensor


def make_training_set(seeds: Iterable[int], shape: Sequence[int] = PHANTOM_SHAPE,
                      spacing: Sequence[float] = PHANTOM_SPACING, seed: int = 0,
                      log: Callable[[str], None] | None = None) -> TrainingSet:
    """Make and preprocess the training phantoms.

    Parameters
    ----------
    seeds
        Phantom seeds.
    shape, spacing
        Phantom grid, ``(z, y, x)`` voxels and ``(x, y, z)`` mm.
    seed
        Draws each phantom's noise level (10 to 25 HU), so that the network
        does not learn one noise texture.
    log
        Called with progress lines.
    """
    import torch

    seeds = [int(s) for s in seeds]
    rng = np.random.default_rng(seed)
    config = inference_config()
    multiple = int(np.prod(STRIDES))
    images, labels = [], []
    total = count = 0.0
    squares = 0.0
    spacings = []
    start = time.perf_counter()
    for number, phantom_seed in enumerate(seeds, 1):
        phantom = make_phantom(shape=tuple(shape), spacing=tuple(spacing), seed=phantom_seed,
                               noise_hu=float(rng.uniform(10.0, 25.0)))
        image, label = preprocess(phantom, config)
        images.append(_pad_to_multiple(image.as_tensor().float(), multiple))
        labels.append(_pad_to_multiple(label.as_tensor().round().long(), multiple))
        hu = phantom.volume.array
        body = hu[hu > BODY_THRESHOLD_HU].astype(np.float64)
        total, squares, count = total + body.sum(), squares + np.square(body).sum(), count + body.size
        spacings.append(phantom.volume.spacing)
        if log and (number % 8 == 0 or number == len(seeds)):
            log(f"phantoms {number}/{len(seeds)}  {time.perf_counter() - start:.0f} s")
    if len({tuple(t.shape) for t in images}) != 1:
        raise ValueError("the training phantoms do not share one grid after preprocessing")
    mean = total / count
    return TrainingSet(images=torch.stack(images), labels=torch.stack(labels), seeds=seeds,
                       spacing_min=[float(v) for v in np.min(spacings, axis=0)],
                       spacing_max=[float(v) for v in np.max(spacings, axis=0)],
                       intensity_mean=float(mean), intensity_std=float(np.sqrt(squares / count - mean ** 2)))


# --------------------------------------------------------------------------- training
def build_network():
    """The pack's ``network_def``, instantiated by the engine's reader."""
    return _build(inference_config(), "network_def")


def train(iterations: int = ITERATIONS, seed: int = 0, data: TrainingSet | None = None,
          n_phantoms: int = TRAIN_PHANTOMS, shape: Sequence[int] = PHANTOM_SHAPE,
          spacing: Sequence[float] = PHANTOM_SPACING, batch_size: int = BATCH_SIZE,
          learning_rate: float = LEARNING_RATE, threads: int = THREADS,
          log: Callable[[str], None] | None = None, history: list | None = None) -> dict:
    """Train the demo network; the same arguments give the same weights, bit for bit.

    Parameters
    ----------
    iterations
        Optimiser steps.
    seed
        Seeds the weights' initialisation, the batches and the augmentation.
    data
        The training set; made from phantoms ``1..n_phantoms`` when ``None``.
    n_phantoms, shape, spacing
        The phantoms to make when ``data`` is ``None``.
    batch_size
        Phantoms per step.
    learning_rate
        Adam's starting rate; a cosine schedule takes it down to 2% of it.
    threads
        torch's CPU threads (results depend on it; fixed for reproducibility).
    log
        Called with progress lines (iteration, loss, elapsed time).
    history
        When given, ``(iteration, loss)`` pairs are appended to it.

    Returns
    -------
    dict
        The network's state dict (CPU tensors).
    """
    import torch
    from monai.losses import DiceCELoss

    with _reproducible(threads):
        if data is None:
            data = make_training_set(range(1, n_phantoms + 1), shape, spacing, seed=seed, log=log)
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        network = build_network()
        network.train()
        loss_function = DiceCELoss(to_onehot_y=True, softmax=True)
        optimiser = torch.optim.Adam(network.parameters(), lr=learning_rate)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(1, iterations),
                                                              eta_min=learning_rate * 0.02)
        batch = min(batch_size, len(data))
        start = time.perf_counter()
        every = max(1, iterations // 25)
        for iteration in range(1, iterations + 1):
            chosen = torch.from_numpy(rng.choice(len(data), size=batch, replace=False))
            # A slight change of contrast and level (about 5 HU), so the network does not rely on exact values.
            gain = torch.from_numpy(rng.normal(1.0, 0.01, size=(batch, 1, 1, 1, 1)).astype(np.float32))
            level = torch.from_numpy(rng.normal(0.0, 0.0025, size=(batch, 1, 1, 1, 1)).astype(np.float32))
            x = data.images[chosen] * gain + level
            optimiser.zero_grad(set_to_none=True)
            loss = loss_function(network(x), data.labels[chosen])
            loss.backward()
            optimiser.step()
            schedule.step()
            if history is not None:
                history.append((iteration, float(loss.item())))
            if log and (iteration == 1 or iteration % every == 0 or iteration == iterations):
                log(f"iteration {iteration}/{iterations}  loss {loss.item():.4f}  "
                    f"{time.perf_counter() - start:.0f} s")
        return {key: value.detach().clone() for key, value in network.state_dict().items()}


# --------------------------------------------------------------------------- evaluation
def dice(prediction: np.ndarray, truth: np.ndarray) -> float:
    """The Dice coefficient of two masks (1.0 when both are empty)."""
    both = int(np.count_nonzero(prediction & truth))
    size = int(np.count_nonzero(prediction)) + int(np.count_nonzero(truth))
    return 1.0 if size == 0 else 2.0 * both / size


def evaluate(pack_root: str | os.PathLike, seeds: Iterable[int] = HELD_OUT_SEEDS,
             shape: Sequence[int] = PHANTOM_SHAPE, spacing: Sequence[float] = PHANTOM_SPACING,
             threads: int = THREADS, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Dice per label of the pack on held-out phantoms, through the real engine.

    Each phantom's volume goes through :func:`ai.inference.run` on the CPU; its
    label map, on the phantom's own grid, is compared with the phantom's.

    Returns
    -------
    dict
        ``held_out_seeds``, ``mean_dice`` and ``min_dice`` (label name to
        value), ``mean_dice_all_labels`` and a description of the method.
    """
    from ai.inference import run

    pack = read_pack(pack_root)
    scores: dict[str, list[float]] = {name: [] for name in LABELS.values()}
    seeds = [int(s) for s in seeds]
    with _reproducible(threads), _quiet_monai():
        for phantom_seed in seeds:
            phantom = make_phantom(shape=tuple(shape), spacing=tuple(spacing), seed=phantom_seed)
            result = run(phantom.volume, pack, device="cpu")
            if result.labels.shape != phantom.labels.shape:
                raise ValueError(f"labels {result.labels.shape} are not on the phantom's grid")
            for value, name in LABELS.items():
                scores[name].append(dice(result.labels == value, phantom.labels == value))
            if log:
                log(f"held-out phantom {phantom_seed}: " + ", ".join(
                    f"{name} {values[-1]:.3f}" for name, values in scores.items()))
    means = {name: round(float(np.mean(values)), 4) for name, values in scores.items()}
    return {
        "held_out_seeds": seeds,
        "mean_dice": means,
        "min_dice": {name: round(float(np.min(values)), 4) for name, values in scores.items()},
        "mean_dice_all_labels": round(float(np.mean(list(means.values()))), 4),
        "method": (f"ai.inference.run of this pack (CPU) on make_phantom(shape={tuple(shape)}, "
                   f"spacing={tuple(spacing)}, seed=s) for each held-out seed; Dice of each label on the "
                   "phantom's own grid against its label map"),
    }


# --------------------------------------------------------------------------- the pack
def metadata(data: TrainingSet, metrics: dict[str, Any] | None = None,
             training_run: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pack's ``configs/metadata.json``.

    Parameters
    ----------
    data
        The training set (its statistics go into the ``outpost`` block).
    metrics
        From :func:`evaluate`.
    training_run
        The command, its timings and settings.
    """
    import monai
    import torch

    channels = {"0": "background", **{str(k): v for k, v in LABELS.items()}}
    document = {
        "name": NAME,
        "version": VERSION,
        "changelog": {VERSION: "first release: trained by ai/training/train_demo.py"},
        "monai_version": monai.__version__,
        "pytorch_version": torch.__version__.split("+")[0],
        "numpy_version": np.__version__,
        "task": "segmentation",
        "description": ("Demonstration 3-D UNet that segments the liver, spleen, kidneys, lungs and spine of "
                        "Outpost's synthetic CT phantom (ai.demo.phantom), so that the AI features can be "
                        "tried without downloading anything."),
        "authors": "Outpost project",
        "copyright": "Outpost project",
        "license": "Apache-2.0",
        "intended_use": ("Demonstration only: trained on synthetic phantoms (ellipsoids, not anatomy). It must "
                         "not be used on patients. Not for diagnostic use, nor any clinical decision."),
        "data_source": (f"Synthetic CT phantoms from ai.demo.phantom.make_phantom (seeds 1..{len(data)}, "
                        f"{PHANTOM_SHAPE[2]}x{PHANTOM_SHAPE[1]}x{PHANTOM_SHAPE[0]} voxels of "
                        f"{'x'.join(f'{v:g}' for v in PHANTOM_SPACING)} mm, noise 10 to 25 HU); no patient "
                        "data was used."),
        "data_type": "synthetic",
        "image_classes": "single-channel CT in Hounsfield units",
        "label_classes": ", ".join(f"{k}: {v}" for k, v in channels.items()),
        "pred_classes": ", ".join(f"{k}: {v}" for k, v in channels.items()),
        "references": ["Ronneberger et al., U-Net, MICCAI 2015", "Kerfoot et al., Left-ventricle "
                       "quantification using residual U-Net, STACOM 2018 (MONAI's UNet)"],
        "network_data_format": {
            "inputs": {"image": {
                "type": "image", "format": "hounsfield", "modality": "CT", "num_channels": 1,
                "spatial_shape": list(ROI_SIZE), "dtype": "float32", "value_range": [0, 1],
                "is_patch_data": True, "channel_def": {"0": "image"}}},
            "outputs": {"pred": {
                "type": "image", "format": "segmentation", "num_channels": len(channels),
                "spatial_shape": list(ROI_SIZE), "dtype": "float32", "value_range": [0, len(LABELS)],
                "is_patch_data": True, "channel_def": channels}},
        },
        "outpost": {
            "task": "segmentation",
            "modalities": ["CT"],
            "dimensions": 3,
            "activation": "softmax",
            "labels": {str(k): {"name": v, "color": list(COLORS[k])} for k, v in LABELS.items()},
            "min_shape_zyx": list(MIN_SHAPE_ZYX),
            "training": {
                "spacing_mm": {"min": data.spacing_min, "max": data.spacing_max},
                "intensity": {"mean": round(data.intensity_mean, 2), "std": round(data.intensity_std, 2),
                              "body_threshold_hu": BODY_THRESHOLD_HU},
            },
            "training_inputs": TRAINING_INPUTS,
            "explain": {"layer": GRADCAM_LAYER},
        },
    }
    if metrics is not None:
        document["eval_metrics"] = {"mean_dice": metrics["mean_dice_all_labels"]}
        document["metrics"] = metrics
    if training_run is not None:
        document["training_run"] = training_run
    return document


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8", newline="\n")


def stage_pack(out: Path, state_dict: dict, metadata_document: dict[str, Any]) -> Path:
    """Write a complete pack into a new hidden folder beside ``out`` and return that folder.

    The folder's name starts with a dot, so the pack stores skip it until
    :func:`publish` renames it into place.
    """
    import torch

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    staging.chmod(0o755)
    (staging / "configs").mkdir()
    (staging / "models").mkdir()
    _write_json(staging / "configs" / "metadata.json", metadata_document)
    _write_json(staging / "configs" / "inference.json", inference_config())
    torch.save(state_dict, staging / "models" / "model.pt")
    write_checksums(staging)
    return staging


def publish(staging: Path, out: Path) -> None:
    """Move a staged pack to ``out``, replacing an older pack there by renames only."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, old / out.name)
    try:
        os.replace(staging, out)
    except OSError:
        if old is not None:
            os.replace(old / out.name, out)
            old.rmdir()
        raise
    if old is not None:
        shutil.rmtree(old)


def command_line(out: str, iterations: int, seed: int) -> str:
    """The command that reproduces a pack."""
    return f"python -m ai.training.train_demo --out {out} --iterations {iterations} --seed {seed}"


def main(argv: Sequence[str] | None = None) -> int:
    """Train, evaluate and write the demo pack (see the module's docstring)."""
    parser = argparse.ArgumentParser(prog="python -m ai.training.train_demo", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, metavar="DIR", help="the pack folder to write (replaced)")
    parser.add_argument("--iterations", type=int, default=ITERATIONS, help=f"optimiser steps ({ITERATIONS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of initialisation and batches (0)")
    args = parser.parse_args(argv)
    import torch

    out = Path(args.out)
    start = time.perf_counter()
    print(f"making {TRAIN_PHANTOMS} training phantoms", flush=True)
    data = make_training_set(range(1, TRAIN_PHANTOMS + 1), seed=args.seed, log=lambda s: print(s, flush=True))
    print(f"training {args.iterations} iterations on {THREADS} CPU threads "
          f"(input {'x'.join(map(str, data.images.shape[2:]))} voxels of "
          f"{'x'.join(f'{v:g}' for v in MODEL_SPACING)} mm)", flush=True)
    history: list = []
    loop_start = time.perf_counter()
    state = train(args.iterations, args.seed, data=data, log=lambda s: print(s, flush=True), history=history)
    loop_s = time.perf_counter() - loop_start
    settings = {
        "command": command_line(args.out, args.iterations, args.seed),
        "iterations": args.iterations, "seed": args.seed, "train_seeds": [1, TRAIN_PHANTOMS],
        "batch_size": BATCH_SIZE, "learning_rate": LEARNING_RATE, "schedule": "cosine to 2%",
        "loss": "DiceCELoss(softmax)", "optimiser": "Adam", "threads": THREADS,
        "final_loss_mean_of_last_20": round(float(np.mean([v for _, v in history[-20:]])), 4),
        "training_loop_s": round(loop_s, 1), "machine": f"{os.cpu_count()} CPU cores, torch {torch.__version__}",
    }
    staging = stage_pack(out, state, metadata(data, training_run=settings))
    try:
        print("evaluating the pack through ai.inference.run on held-out phantoms", flush=True)
        metrics = evaluate(staging, log=lambda s: print(s, flush=True))
        settings["wall_time_s"] = round(time.perf_counter() - start, 1)
        _write_json(staging / "configs" / "metadata.json", metadata(data, metrics, settings))
        write_checksums(staging)
        read_pack(staging)  # refuses anything wrong before the pack takes its place
        publish(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    weights = out / "models" / "model.pt"
    print(f"wrote {out} in {settings['wall_time_s']:.0f} s (training loop {loop_s:.0f} s); "
          f"weights {weights.stat().st_size / 1e6:.2f} MB")
    print("held-out Dice: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics["mean_dice"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Whether a pack suits a series, and how far an input is from what the pack was made for.

Both read only the pack's metadata and the volume's header values and pixels;
nothing here imports torch, so the viewer can filter its model list at once.

The optional ``outpost`` block of a pack's metadata may describe its training
data (see the README, "Model packs")::

    "training": {"spacing_mm": {"min": [x, y, z], "max": [x, y, z]},
                 "intensity": {"p1": .., "p50": .., "p99": ..}},   # or
                 "intensity": {"mean": .., "std": .., "body_threshold_hu": ..}},
    "photometric": ["MONOCHROME2"], "views": ["PA", "AP"], "body_parts": ["CHEST"]
"""

from __future__ import annotations

import numpy as np

from viewer.core.volume import Volume

#: Spacing further than this factor outside the training range is out of distribution.
SPACING_FACTOR = 1.5


def _upper_list(block: dict, key: str) -> list[str]:
    values = block.get(key) or []
    return [str(v).upper() for v in (values if isinstance(values, list) else [values])]


def unsuitable_reason(volume: Volume, pack) -> str:
    """Why ``pack`` cannot run on ``volume`` ("" when it can).

    Checks modality, body part (when both the pack and the series name one),
    channels and time, dimensionality and the minimum shape.

    Parameters
    ----------
    volume
        The series as loaded.
    pack
        A :class:`~ai.packs.pack.Pack`.
    """
    block = pack.outpost
    modalities = _upper_list(block, "modalities")
    if modalities and volume.modality.upper() not in modalities:
        return (f"{pack.name} is made for {', '.join(modalities)} images; this series is "
                f"{volume.modality or 'of unknown modality'}")
    body_parts = _upper_list(block, "body_parts")
    body_part = str(volume.metadata.get("body_part") or "").upper()
    if body_parts and body_part and body_part not in body_parts:
        return f"{pack.name} is made for {', '.join(body_parts)}; this series shows {body_part}"
    if volume.is_4d or volume.is_rgb:
        return (f"{pack.name} takes one grey-scale volume; this series is "
                f"{'colour' if volume.is_rgb else 'a time series'}")
    if pack.dimensions == 2 and volume.shape_zyx[0] != 1:
        return f"{pack.name} is a 2-D model for single images; this series has {volume.shape_zyx[0]} slices"
    if pack.dimensions == 3 and volume.shape_zyx[0] == 1:
        return f"{pack.name} is a 3-D model; this series is a single image"
    minimum = block.get("min_shape_zyx")
    if minimum and any(s < m for s, m in zip(volume.shape_zyx, minimum, strict=False)):
        return (f"this series ({'x'.join(map(str, volume.shape_zyx))}) is smaller than "
                f"{pack.name} needs ({'x'.join(map(str, minimum))})")
    return ""


def _intensity_sample(volume: Volume, limit: int = 2_000_000) -> np.ndarray:
    """A strided sample of the voxels (every voxel for small images), as float32."""
    flat = volume.array.reshape(-1)
    step = max(1, flat.size // limit)
    values = flat[::step].astype(np.float32)
    if volume.photometric == "MONOCHROME1":  # models see MONOCHROME2 meaning (ai.packs.transforms)
        values = np.float32(2 ** int(volume.metadata.get("bits_stored") or 16) - 1) - values
    return values


def distribution_warnings(volume: Volume, pack) -> list[str]:
    """Every way ``volume`` lies outside what ``pack`` was made for, one sentence each.

    Checks, where the pack records them: modality, photometric interpretation,
    view position, body part, pixel spacing and slice thickness against the
    training range, and intensity against the training distribution.

    Parameters
    ----------
    volume
        The series as loaded.
    pack
        A :class:`~ai.packs.pack.Pack`.

    Returns
    -------
    list of str
        Empty when nothing is out of distribution.
    """
    block = pack.outpost
    found = []
    reason = unsuitable_reason(volume, pack)
    if reason:
        found.append(f"unsuitable: {reason}")
    photometric = _upper_list(block, "photometric")
    if photometric and volume.photometric.upper() not in photometric and not (
            volume.photometric == "MONOCHROME1" and "MONOCHROME2" in photometric):
        found.append(f"photometric interpretation {volume.photometric}, trained on {', '.join(photometric)}")
    views = _upper_list(block, "views")
    view = str(volume.metadata.get("view_position") or "").upper()
    if views and view and view not in views:
        found.append(f"view {view}, trained on {', '.join(views)}")
    training = block.get("training") or {}
    spacing = (training.get("spacing_mm") or {})
    low, high = spacing.get("min"), spacing.get("max")
    if low and high:
        axes = "xyz" if pack.dimensions == 3 else "xy"
        for axis, value, a, b in zip(axes, volume.spacing, low, high, strict=False):
            if value < a / SPACING_FACTOR or value > b * SPACING_FACTOR:
                what = "slice spacing" if axis == "z" else f"pixel spacing ({axis})"
                found.append(f"{what} {value:.2f} mm, trained on {a:g}-{b:g} mm")
    found.extend(_intensity_warnings(volume, training.get("intensity") or {}))
    return found


def _intensity_warnings(volume: Volume, intensity: dict) -> list[str]:
    """Compare the image's intensities with the training data's, in either recorded form."""
    if {"p1", "p99"} <= set(intensity):
        median = float(np.median(_intensity_sample(volume)))
        if not intensity["p1"] <= median <= intensity["p99"]:
            return [f"intensity: the median {median:.0f} lies outside the training range "
                    f"{intensity['p1']:g} to {intensity['p99']:g} (1st-99th percentile)"]
    elif {"mean", "std"} <= set(intensity):
        values = _intensity_sample(volume)
        threshold = intensity.get("body_threshold_hu")
        inside = values[values > threshold] if threshold is not None else values
        if inside.size == 0:
            return [f"intensity: nothing above {threshold:g}, where the training data had its body"]
        mean, spread = float(inside.mean()), 3.0 * float(intensity["std"])
        if abs(mean - intensity["mean"]) > spread:
            where = f" above {threshold:g}" if threshold is not None else ""
            return [f"intensity: the mean{where} is {mean:.0f}, the training data's {intensity['mean']:.0f} "
                    f"(more than 3 standard deviations away)"]
    return []


__all__ = ["distribution_warnings", "unsuitable_reason"]

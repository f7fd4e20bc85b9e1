"""Whether a pack suits a series, and how far an input is from what the pack was made for.

Both read only the pack's metadata and the volume's header values and pixels;
nothing here imports torch, so the viewer can filter its model list at once.

The optional ``outpost`` block of a pack's metadata may describe its training
data (see the README, "Model packs")::

    "training": {"spacing_mm": {"min": [x, y, z], "max": [x, y, z]},
                 "intensity": {"p1": .., "p50": .., "p99": ..}},   # or
                 "intensity": {"mean": .., "std": .., "body_threshold_hu": ..}},
    "photometric": ["MONOCHROME2"], "views": ["PA", "AP"], "body_parts": ["CHEST"]

and, checked when the pack is read (:func:`ai.packs.pack.check_training_inputs`), the
statistics of its training inputs (:data:`ai.packs.pack.TRAINING_INPUT_KEYS`)::

    "training_inputs": {"modalities": ["CR"], "photometric": ["MONOCHROME2"], "bits_stored": [8],
                        "intensity_range": [0, 255], "pixel_spacing_mm": [0.5, 1.0],
                        "slice_spacing_mm": [1.0, 3.0]}

:func:`input_verdict` compares a series with them and says what differs; a pack without them
is reported as :data:`NOT_CHECKED`, never as fine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from viewer.core.volume import Volume

#: Spacing further than this factor outside the training range is out of distribution.
SPACING_FACTOR = 1.5
#: Intensities further than this fraction of the training range outside it are out of distribution.
INTENSITY_MARGIN = 0.1
#: What a pack that records no statistics of its training inputs is shown as.
NOT_CHECKED = "input not checked against the training data"


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


def _intensity_sample(volume: Volume, limit: int = 2**18) -> np.ndarray:
    """A strided sample of the voxels (every voxel for small images), as float32."""
    flat = volume.array.reshape(-1)
    step = max(1, flat.size // limit)
    values = flat[::step].astype(np.float32)
    if volume.photometric == "MONOCHROME1":  # models see MONOCHROME2 meaning (ai.packs.transforms)
        values = np.float32(2 ** int(volume.metadata.get("bits_stored") or 16) - 1) - values
    return values


def training_inputs(pack) -> dict:
    """The pack's ``outpost.training_inputs`` block (empty when it records none)."""
    block = pack.outpost.get("training_inputs")
    return block if isinstance(block, dict) else {}


def distribution_warnings(volume: Volume, pack) -> list[str]:
    """Every way ``volume`` lies outside what ``pack`` was made for, one sentence each.

    Checks, where the pack records them: suitability (:func:`unsuitable_reason`), the
    training inputs' modality, photometric interpretation, bits stored and intensity range,
    the view position and body part, pixel and slice spacing against the training range, and
    intensity against the training distribution.

    Parameters
    ----------
    volume
        The series as loaded.
    pack
        A :class:`~ai.packs.pack.Pack`.

    Returns
    -------
    list of str
        Empty when nothing is out of distribution (or nothing was recorded to compare with:
        see :func:`input_verdict`).
    """
    block, inputs = pack.outpost, training_inputs(pack)
    found = []
    reason = unsuitable_reason(volume, pack)
    if reason:
        found.append(f"unsuitable: {reason}")
    found.extend(_input_warnings(volume, pack, inputs))
    photometric = _upper_list(block, "photometric")
    if "photometric" not in inputs and photometric and volume.photometric.upper() not in photometric and not (
            volume.photometric == "MONOCHROME1" and "MONOCHROME2" in photometric):
        found.append(f"photometric interpretation {volume.photometric}, trained on {', '.join(photometric)}")
    views = _upper_list(block, "views")
    view = str(volume.metadata.get("view_position") or "").upper()
    if views and view and view not in views:
        found.append(f"view {view}, trained on {', '.join(views)}")
    training = block.get("training") or {}
    for what, value, low, high in _spacing_ranges(volume, pack, inputs, training):
        if value < low / SPACING_FACTOR or value > high * SPACING_FACTOR:
            trained = f"{low:g}" if low == high else f"{low:g}-{high:g}"
            found.append(f"{what} {value:.2f} mm, trained on {trained} mm")
    found.extend(_intensity_warnings(volume, training.get("intensity") or {}))
    return found


def _image_bits(volume: Volume) -> int:
    """BitsStored of the series; for a picture without it, the bits of its integer pixels (0: unknown)."""
    bits = int(volume.metadata.get("bits_stored") or 0)
    if not bits and volume.array.dtype.kind in "ui":
        bits = 8 * volume.array.dtype.itemsize
    return bits


def _input_warnings(volume: Volume, pack, inputs: dict) -> list[str]:
    """The series' modality, photometric interpretation, bits and intensity against ``inputs``."""
    found = []
    modalities = _upper_list(inputs, "modalities")
    accepted = _upper_list(pack.outpost, "modalities")
    modality = volume.modality.upper()
    if modalities and modality not in modalities and (not accepted or modality in accepted):
        found.append(f"modality {volume.modality or 'unknown'}, trained on {', '.join(modalities)}")
    photometric = _upper_list(inputs, "photometric")
    if photometric and volume.photometric.upper() not in photometric:
        shown = volume.photometric + (" (inverted)" if volume.photometric == "MONOCHROME1" else "")
        found.append(f"{shown}, trained on {', '.join(photometric)}")
    bits, trained_bits = _image_bits(volume), [int(b) for b in inputs.get("bits_stored") or []]
    if trained_bits and bits and bits not in trained_bits:
        found.append(f"bits stored {bits}, the model was trained on "
                     f"{' or '.join(f'{b}' for b in trained_bits)}-bit images")
    if inputs.get("intensity_range"):
        low, high = (float(v) for v in inputs["intensity_range"])
        margin = INTENSITY_MARGIN * max(high - low, 1.0)
        first, last = (float(v) for v in np.percentile(_intensity_sample(volume), [1, 99]))
        if first < low - margin or last > high + margin:
            found.append(f"intensities {first:.0f} to {last:.0f} (1st-99th percentile), trained on "
                         f"{low:g} to {high:g}")
    return found


def _spacing_ranges(volume: Volume, pack, inputs: dict,
                    training: dict) -> list[tuple[str, float, float, float]]:
    """``(what, value, low, high)`` for each spacing the pack records a training range of.

    ``training_inputs`` (one in-plane range, one slice range) when it gives them, else the
    older ``training.spacing_mm`` (a range per axis).
    """
    x, y, z = (float(v) for v in volume.spacing)
    ranges = []
    if inputs.get("pixel_spacing_mm"):
        low, high = inputs["pixel_spacing_mm"]
        value = max((x, y), key=lambda v: max(low / v, v / high))  # the axis further out
        ranges.append(("pixel spacing", value, low, high))
    if inputs.get("slice_spacing_mm") and pack.dimensions == 3:
        low, high = inputs["slice_spacing_mm"]
        ranges.append(("slice spacing", z, low, high))
    spacing = training.get("spacing_mm") or {}
    if ranges or not (spacing.get("min") and spacing.get("max")):
        return ranges
    axes = "xyz" if pack.dimensions == 3 else "xy"
    return [("slice spacing" if axis == "z" else f"pixel spacing ({axis})", value, a, b)
            for axis, value, a, b in zip(axes, (x, y, z), spacing["min"], spacing["max"], strict=False)]


@dataclass(frozen=True)
class InputVerdict:
    """How the series on screen compares with a pack's training inputs.

    Attributes
    ----------
    warnings
        What differs (and any other out-of-distribution finding), one sentence each.
    checked
        Whether the pack records statistics of its training inputs to compare with.
    """

    warnings: list[str] = field(default_factory=list)
    checked: bool = False

    @property
    def needs_attention(self) -> bool:
        """Whether to show it: something differs, or nothing could be compared."""
        return bool(self.warnings) or not self.checked

    @property
    def text(self) -> str:
        """One line for the AI panel and ``outpost ai run``."""
        parts = [f"Out of distribution: {'; '.join(self.warnings)}"] if self.warnings else []
        if not self.checked:
            parts.append(f"{NOT_CHECKED} (the pack records no statistics of its training inputs)")
        elif not self.warnings:
            parts.append("input checked against the training data: nothing differs")
        return "; ".join(parts)

    def provenance(self) -> dict:
        """What a result's provenance records of the check (``input_check``)."""
        return {"checked": self.checked, "warnings": list(self.warnings), "verdict": self.text}


def input_verdict(volume: Volume, pack, warnings: list[str] | None = None) -> InputVerdict:
    """Compare ``volume`` with what ``pack`` was trained on.

    Parameters
    ----------
    volume
        The series as loaded.
    pack
        A :class:`~ai.packs.pack.Pack`.
    warnings
        :func:`distribution_warnings` of the two, when already computed.

    Returns
    -------
    InputVerdict
        Unchecked (:data:`NOT_CHECKED`) when the pack records no ``training_inputs``.
    """
    found = distribution_warnings(volume, pack) if warnings is None else warnings
    return InputVerdict(warnings=list(found), checked=bool(training_inputs(pack)))


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


__all__ = ["NOT_CHECKED", "InputVerdict", "distribution_warnings", "input_verdict", "training_inputs",
           "unsuitable_reason"]

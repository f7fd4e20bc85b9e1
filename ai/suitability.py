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

from viewer.core.translatable import Message, translatable
from viewer.core.volume import Volume

#: The translation context of the sentences below (written out in each call: lupdate reads literals).
CONTEXT = "Input"

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
        if not volume.modality:
            return Message(translatable(
                "Input", "{pack} is made for {modalities} images; this series is of unknown modality"),
                pack=pack.name, modalities=", ".join(modalities))
        return Message(translatable("Input", "{pack} is made for {modalities} images; this series is {modality}"),
                       pack=pack.name, modalities=", ".join(modalities), modality=volume.modality)
    body_parts = _upper_list(block, "body_parts")
    body_part = str(volume.metadata.get("body_part") or "").upper()
    if body_parts and body_part and body_part not in body_parts:
        return Message(translatable("Input", "{pack} is made for {body_parts}; this series shows {body_part}"),
                       pack=pack.name, body_parts=", ".join(body_parts), body_part=body_part)
    if volume.is_4d or volume.is_rgb:
        if volume.is_rgb:
            return Message(translatable("Input", "{pack} takes one grey-scale volume; this series is colour"),
                           pack=pack.name)
        return Message(translatable("Input", "{pack} takes one grey-scale volume; this series is a time series"),
                       pack=pack.name)
    if pack.dimensions == 2 and volume.shape_zyx[0] != 1:
        return Message(translatable("Input", "{pack} is a 2-D model for single images; this series has {slices} "
                                             "slices"), pack=pack.name, slices=volume.shape_zyx[0])
    if pack.dimensions == 3 and volume.shape_zyx[0] == 1:
        return Message(translatable("Input", "{pack} is a 3-D model; this series is a single image"),
                       pack=pack.name)
    minimum = block.get("min_shape_zyx")
    if minimum and any(s < m for s, m in zip(volume.shape_zyx, minimum, strict=False)):
        return Message(translatable("Input", "this series ({shape}) is smaller than {pack} needs ({minimum})"),
                       shape="x".join(map(str, volume.shape_zyx)), pack=pack.name,
                       minimum="x".join(map(str, minimum)))
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
        found.append(Message(translatable("Input", "unsuitable: {reason}"), reason=reason))
    found.extend(_input_warnings(volume, pack, inputs))
    photometric = _upper_list(block, "photometric")
    if "photometric" not in inputs and photometric and volume.photometric.upper() not in photometric and not (
            volume.photometric == "MONOCHROME1" and "MONOCHROME2" in photometric):
        found.append(Message(translatable(
            "Input", "photometric interpretation {photometric}, trained on {trained}"),
                             photometric=volume.photometric, trained=", ".join(photometric)))
    views = _upper_list(block, "views")
    view = str(volume.metadata.get("view_position") or "").upper()
    if views and view and view not in views:
        found.append(Message(translatable("Input", "view {view}, trained on {trained}"), view=view,
                             trained=", ".join(views)))
    training = block.get("training") or {}
    for what, value, low, high in _spacing_ranges(volume, pack, inputs, training):
        if value < low / SPACING_FACTOR or value > high * SPACING_FACTOR:
            trained = f"{low:g}" if low == high else f"{low:g}-{high:g}"
            found.append(Message(translatable("Input", "{what} {value} mm, trained on {trained} mm"), what=what,
                                 value=f"{value:.2f}", trained=trained))
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
        if volume.modality:
            found.append(Message(translatable("Input", "modality {modality}, trained on {trained}"),
                                 modality=volume.modality, trained=", ".join(modalities)))
        else:
            found.append(Message(translatable("Input", "modality unknown, trained on {trained}"),
                                 trained=", ".join(modalities)))
    photometric = _upper_list(inputs, "photometric")
    if photometric and volume.photometric.upper() not in photometric:
        if volume.photometric == "MONOCHROME1":
            found.append(Message(translatable("Input", "{photometric} (inverted), trained on {trained}"),
                                 photometric=volume.photometric, trained=", ".join(photometric)))
        else:
            found.append(Message(translatable("Input", "{photometric}, trained on {trained}"),
                                 photometric=volume.photometric, trained=", ".join(photometric)))
    bits, trained_bits = _image_bits(volume), [int(b) for b in inputs.get("bits_stored") or []]
    if trained_bits and bits and bits not in trained_bits:
        found.append(Message(translatable(
            "Input", "bits stored {bits}, the model was trained on {trained}-bit images"),
            bits=bits, trained=" or ".join(f"{b}" for b in trained_bits)))
    if inputs.get("intensity_range"):
        low, high = (float(v) for v in inputs["intensity_range"])
        margin = INTENSITY_MARGIN * max(high - low, 1.0)
        first, last = (float(v) for v in np.percentile(_intensity_sample(volume), [1, 99]))
        if first < low - margin or last > high + margin:
            found.append(Message(translatable(
                "Input", "intensities {first} to {last} (1st-99th percentile), trained on {low} to {high}"),
                                 first=f"{first:.0f}", last=f"{last:.0f}", low=f"{low:g}", high=f"{high:g}"))
    return found


_PIXEL_SPACING = translatable("Input", "pixel spacing")
_SLICE_SPACING = translatable("Input", "slice spacing")
_PIXEL_SPACING_AXIS = translatable("Input", "pixel spacing ({axis})")


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
        ranges.append((Message(_PIXEL_SPACING), value, low, high))
    if inputs.get("slice_spacing_mm") and pack.dimensions == 3:
        low, high = inputs["slice_spacing_mm"]
        ranges.append((Message(_SLICE_SPACING), z, low, high))
    spacing = training.get("spacing_mm") or {}
    if ranges or not (spacing.get("min") and spacing.get("max")):
        return ranges
    axes = "xyz" if pack.dimensions == 3 else "xy"
    return [(Message(_SLICE_SPACING) if axis == "z" else Message(_PIXEL_SPACING_AXIS, axis=axis), value, a, b)
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
        parts: list[str] = []
        if self.warnings:
            parts.append(Message(translatable("Input", "Out of distribution: {warnings}"),
                                 warnings=tuple(self.warnings)))
        if not self.checked:
            parts.append(Message(translatable("Input", "input not checked against the training data (the pack "
                                                       "records no statistics of its training inputs)")))
        elif not self.warnings:
            parts.append(Message(translatable(
                "Input", "input checked against the training data: nothing differs")))
        return Message.joined(parts)

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
            return [Message(translatable("Input", "intensity: the median {median} lies outside the training range "
                                                  "{low} to {high} (1st-99th percentile)"),
                            median=f"{median:.0f}", low=f"{intensity['p1']:g}", high=f"{intensity['p99']:g}")]
    elif {"mean", "std"} <= set(intensity):
        values = _intensity_sample(volume)
        threshold = intensity.get("body_threshold_hu")
        inside = values[values > threshold] if threshold is not None else values
        if inside.size == 0:
            return [Message(translatable(
                "Input", "intensity: nothing above {threshold}, where the training data had its body"),
                threshold=f"{threshold:g}")]
        mean, spread = float(inside.mean()), 3.0 * float(intensity["std"])
        if abs(mean - intensity["mean"]) > spread:
            values = {"mean": f"{mean:.0f}", "trained": f"{intensity['mean']:.0f}"}
            if threshold is not None:
                return [Message(translatable(
                    "Input", "intensity: the mean above {threshold} is {mean}, the training data's {trained} "
                             "(more than 3 standard deviations away)"),
                                threshold=f"{threshold:g}", **values)]
            return [Message(translatable("Input", "intensity: the mean is {mean}, the training data's {trained} "
                                                  "(more than 3 standard deviations away)"), **values)]
    return []


__all__ = ["NOT_CHECKED", "InputVerdict", "distribution_warnings", "input_verdict", "training_inputs",
           "unsuitable_reason"]

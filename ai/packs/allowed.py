"""The classes a pack's ``_target_`` may build, and the arguments each may take: an allow table.

The table is keyed by the class object, not by its name: MONAI exports most
classes under several spellings (``LoadImaged``, ``LoadImageD``,
``LoadImageDict``; ``monai.transforms.io.dictionary.LoadImaged``), and every
spelling that reaches the same object reaches the same entry, and so the same
rule. A spelling that reaches a class not in the table (``Lambdad``,
``DataStatsD``, a network that downloads its weights) is refused, whatever
module it is in.

Each entry lists the keyword arguments the class may receive and the type of
value each may hold: numbers within bounds, flags, strings from a fixed set or
matching a narrow pattern (keys are identifiers), sequences of those, and
objects the table itself built. No argument may carry a reader or writer name,
a callable, a module or class path, a URL or a file path, because no entry has
an argument of such a type; ``pretrained`` flags and URLs are absent for the
same reason. An unknown keyword refuses the pack rather than being passed on.

Three actions exist besides building the class as it is:

``replace``
    Outpost builds its own in-memory equivalent (``LoadImaged`` becomes
    :class:`ai.packs.transforms.LoadVolumed`, which reads the volume the viewer
    hands it and never a file).
``drop``
    The transform is removed and its arguments never used (``SaveImaged``:
    Outpost saves results itself, only where the user asked).

No torch, MONAI or Qt is imported at module level; :func:`allow_table` imports
them the first time it is called (in the AI worker).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

#: Modules whose public names are searched for a ``_target_`` spelling.
SEARCHED_MODULES = ("monai.networks.nets", "monai.transforms", "monai.inferers", "ai.networks",
                    "ai.packs.transforms", "ai.nnunet")
#: The pattern of a data key (``"image"``, ``"pred"``, ``"label_2"``).
KEY_PATTERN = r"[A-Za-z_][A-Za-z0-9_\-]{0,63}"


# --------------------------------------------------------------------------- value types
class ValueType:
    """A type of argument value; :meth:`refusal` says why a value is not of it (``None`` when it is)."""

    #: Shown in refusals and in the README.
    description = "a value"

    def refusal(self, value: Any) -> str | None:  # pragma: no cover - every subclass defines it
        """``None`` if ``value`` is of this type, else the reason it is not."""
        raise NotImplementedError

    def __or__(self, other: ValueType) -> ValueType:
        return AnyOf(self, other)


def _shown(value: Any) -> str:
    text = " ".join(repr(value).split())  # one line, even for a built network
    return text if len(text) <= 60 else text[:57] + "..."


class Flag(ValueType):
    """``true`` or ``false`` (not ``0`` or ``1``)."""

    description = "true or false"

    def refusal(self, value: Any) -> str | None:
        """``None`` for ``true`` or ``false``, else the reason it is not."""
        return None if isinstance(value, bool) else f"{_shown(value)} is not true or false"


@dataclass(frozen=True)
class Whole(ValueType):
    """An integer within ``[low, high]``."""

    low: int
    high: int

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: its range of whole numbers."""
        return f"a whole number from {self.low} to {self.high}"

    def refusal(self, value: Any) -> str | None:
        """``None`` for an integer within ``[low, high]``, else the reason it is not."""
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{_shown(value)} is not a whole number"
        return None if self.low <= value <= self.high else f"{value} is not from {self.low} to {self.high}"


@dataclass(frozen=True)
class Real(ValueType):
    """A finite number within ``[low, high]``."""

    low: float
    high: float

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: its range of numbers."""
        return f"a number from {self.low:g} to {self.high:g}"

    def refusal(self, value: Any) -> str | None:
        """``None`` for a finite number within ``[low, high]``, else the reason it is not."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{_shown(value)} is not a number"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a finite number"
        return None if self.low <= value <= self.high else f"{value:g} is not from {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class Choice(ValueType):
    """One of a fixed set of values (strings compared without case when ``fold_case``)."""

    values: tuple[str | bool | int | float | None, ...]
    fold_case: bool = False

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: its values."""
        return "one of " + ", ".join(repr(v) for v in self.values)

    def refusal(self, value: Any) -> str | None:
        """``None`` for one of the values, else the reason it is not."""
        if not isinstance(value, str | bool | int | float | type(None)):
            return f"{_shown(value)} is not one of {', '.join(repr(v) for v in self.values)}"
        probe = value.lower() if self.fold_case and isinstance(value, str) else value
        for allowed in self.values:
            candidate = allowed.lower() if self.fold_case and isinstance(allowed, str) else allowed
            if type(candidate) is type(probe) and candidate == probe:
                return None
        return f"{_shown(value)} is not one of {', '.join(repr(v) for v in self.values)}"


@dataclass(frozen=True)
class Text(ValueType):
    """A string matching ``pattern`` in full."""

    pattern: str
    what: str

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: ``what``."""
        return self.what

    def refusal(self, value: Any) -> str | None:
        """``None`` for a string matching ``pattern`` in full, else the reason it is not."""
        if isinstance(value, str) and re.fullmatch(self.pattern, value):
            return None
        return f"{_shown(value)} is not {self.what}"


@dataclass(frozen=True)
class Several(ValueType):
    """A list of ``low`` to ``high`` values, each of type ``item``."""

    item: ValueType
    low: int
    high: int

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: the list's length and item type."""
        return f"a list of {self.low} to {self.high} ({self.item.description})"

    def refusal(self, value: Any) -> str | None:
        """``None`` for a list of ``low`` to ``high`` values of type ``item``, else the reason it is not."""
        if not isinstance(value, list | tuple):
            return f"{_shown(value)} is not a list"
        if not self.low <= len(value) <= self.high:
            return f"a list of {len(value)} items is not {self.low} to {self.high} long"
        for index, item in enumerate(value):
            reason = self.item.refusal(item)
            if reason is not None:
                return f"item {index}: {reason}"
        return None


class AnyOf(ValueType):
    """A value of any of the given types."""

    def __init__(self, *kinds: ValueType) -> None:
        self.kinds: tuple[ValueType, ...] = tuple(k for kind in kinds
                                                  for k in (kind.kinds if isinstance(kind, AnyOf) else (kind,)))

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: its types, joined by "or"."""
        return " or ".join(kind.description for kind in self.kinds)

    def refusal(self, value: Any) -> str | None:
        """``None`` for a value of any of the types, else the reason it is not."""
        if any(kind.refusal(value) is None for kind in self.kinds):
            return None
        return f"{_shown(value)} is not {self.description}"


class Built(ValueType):
    """An object that the allow table itself built, of one of the given roles."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    @property
    def description(self) -> str:  # type: ignore[override]
        """What refusals and the README call this type: its roles, built from the allow table."""
        return " or ".join(f"a {role} built from the allow table" for role in self.roles)

    def refusal(self, value: Any) -> str | None:
        """``None`` for an object the allow table built in one of the roles, else the reason it is not."""
        entry = allow_table().get(type(value))
        if entry is not None and entry.role in self.roles and entry.action == "build":
            return None
        return f"{_shown(value)} is not {self.description}"


class Device(ValueType):
    """A torch device that Outpost chose (``$torch.device(...)``), or ``"cpu"``/``"cuda"``."""

    description = "Outpost's device, 'cpu' or 'cuda'"

    def refusal(self, value: Any) -> str | None:
        """``None`` for a torch device, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``, else the reason it is not."""
        if type(value).__module__ == "torch" and type(value).__name__ == "device":
            return None
        if isinstance(value, str) and re.fullmatch(r"cpu|cuda(:\d{1,2})?", value):
            return None
        return f"{_shown(value)} is not {self.description}"


NOTHING = Choice((None,))
FLAG = Flag()
FLAGS = FLAG | Several(FLAG, 1, 8)
KEYS = Text(KEY_PATTERN, "a data key (letters, digits, _ and -)") | Several(
    Text(KEY_PATTERN, "a data key (letters, digits, _ and -)"), 1, 16)
INTENSITY = Real(-1e9, 1e9)
DTYPE = Choice(("float16", "float32", "float64", "uint8", "int16", "int32", "int64"))
INTERPOLATION = Choice(("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area"))
SPLINE_ORDER = Whole(0, 5)
GRID_PADDING = Choice(("zeros", "border", "reflection"))
CHANNEL_AXIS = Whole(-4, 4)
SIZE = Whole(-1, 4096)


# --------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Entry:
    """What a ``_target_`` that reaches ``cls`` becomes.

    Attributes
    ----------
    cls
        The class the spelling reaches.
    role
        ``"network"``, ``"transform"`` or ``"inferer"``.
    arguments
        Every keyword it may receive, with the type of value.
    action
        ``"build"`` (this class), ``"replace"`` (``builds`` instead) or ``"drop"``.
    builds
        The class actually built.
    required
        Keywords that must be given.
    """

    cls: type
    role: str
    arguments: dict[str, ValueType] = field(default_factory=dict)
    action: str = "build"
    builds: type | None = None
    required: tuple[str, ...] = ()

    @property
    def built_class(self) -> type:
        """The class :meth:`build` instantiates."""
        return self.builds or self.cls

    def check_names(self, arguments: dict[str, Any]) -> str | None:
        """``None`` if every keyword of ``arguments`` is one this entry takes, else the reason."""
        for name in arguments:
            if name not in self.arguments:
                allowed = ", ".join(sorted(self.arguments)) or "none"
                return f"argument {name!r} is not allowed (allowed: {allowed})"
        return None

    def check(self, arguments: dict[str, Any]) -> str | None:
        """``None`` if ``arguments`` fit this entry, else the reason (naming the keyword)."""
        reason = self.check_names(arguments)
        if reason is not None:
            return reason
        for name, value in arguments.items():
            reason = self.arguments[name].refusal(value)
            if reason is not None:
                return f"argument {name!r}: {reason}"
        missing = [name for name in self.required if name not in arguments]
        return f"argument {missing[0]!r} is required" if missing else None


def accepts_component(kind: ValueType) -> bool:
    """Whether a value of type ``kind`` may be (or hold) an object built from the table."""
    if isinstance(kind, Built):
        return True
    if isinstance(kind, Several):
        return accepts_component(kind.item)
    return isinstance(kind, AnyOf) and any(accepts_component(k) for k in kind.kinds)


def _entries() -> list[Entry]:
    from monai import inferers
    from monai import transforms as mt
    from monai.networks import nets

    import ai.networks as outpost_nets
    from ai.networks import meshnet
    from ai.packs import transforms as outpost_transforms

    keyed = {"keys": KEYS, "allow_missing_keys": FLAG}
    lazy = {"lazy": Choice((False,))}
    size = SIZE | Several(SIZE, 1, 3)
    kernel = Whole(1, 7) | Several(Whole(1, 7), 1, 3)
    load = dict(keyed, image_only=FLAG, simple_keys=FLAG)
    return [
        # networks: the sizes they may take are bounded again by the parameter budget at build
        Entry(nets.UNet, "network", {
            "spatial_dims": Whole(1, 3), "in_channels": Whole(1, 64), "out_channels": Whole(1, 1024),
            "channels": Several(Whole(1, 4096), 2, 10),
            "strides": Several(Whole(1, 4) | Several(Whole(1, 4), 1, 3), 1, 9),
            "kernel_size": kernel, "up_kernel_size": kernel, "num_res_units": Whole(0, 8),
            "act": Choice(("prelu", "relu", "leakyrelu", "elu", "gelu", "tanh", "sigmoid", "swish", "mish"),
                          fold_case=True),
            "norm": Choice(("batch", "instance"), fold_case=True), "dropout": Real(0.0, 1.0),
            "bias": FLAG, "adn_ordering": Text(r"[NDA]{0,3}", "letters N, D and A")},
            required=("spatial_dims", "in_channels", "out_channels", "channels", "strides")),
        # SegResNet: the Model Zoo's wholeBody CT, BraTS and other bundles (activation and norm by name only)
        Entry(nets.SegResNet, "network", {
            "spatial_dims": Whole(2, 3), "init_filters": Whole(1, 256), "in_channels": Whole(1, 16),
            "out_channels": Whole(1, 1024), "dropout_prob": Real(0.0, 1.0) | NOTHING,
            "act": Choice(("relu", "prelu", "leakyrelu", "elu", "gelu", "swish", "mish"), fold_case=True),
            "norm": Choice(("batch", "instance", "group"), fold_case=True),
            "norm_name": Text(r"[A-Za-z]{0,16}", "a norm name"),
            "num_groups": Whole(1, 256), "use_conv_final": FLAG,
            "blocks_down": Several(Whole(1, 16), 1, 8), "blocks_up": Several(Whole(1, 16), 1, 8),
            "upsample_mode": Choice(("nontrainable", "deconv", "pixelshuffle"))},
            required=("spatial_dims", "in_channels", "out_channels")),
        Entry(outpost_nets.SqueezeNet11, "network", {"n_classes": Whole(1, 1024)}),
        Entry(outpost_nets.ResidualUNet, "network", {
            "in_channels": Whole(1, 16), "n_classes": Whole(1, 256), "base": Whole(1, 64)}),
        Entry(outpost_nets.MeshNet, "network", {
            "in_channels": Whole(1, 16), "n_classes": Whole(1, 256), "channels": Whole(1, 128),
            "dilations": Several(Whole(1, 64), 1, 32),
            "activation": Choice(tuple(sorted(meshnet.ACTIVATIONS))),
            "layout": Choice(("flat", "blocks")), "bias": FLAG, "slab": Whole(1, 512)}),
        # inferers
        Entry(inferers.SimpleInferer, "inferer"),
        Entry(inferers.SlidingWindowInferer, "inferer", {
            "roi_size": Whole(1, 1024) | Several(Whole(-1, 1024), 1, 3), "sw_batch_size": Whole(1, 64),
            "overlap": Real(0.0, 0.95) | Several(Real(0.0, 0.95), 1, 3),
            "mode": Choice(("constant", "gaussian")),
            "sigma_scale": Real(0.001, 10.0) | Several(Real(0.001, 10.0), 1, 3),
            "padding_mode": Choice(("constant", "reflect", "replicate", "circular")), "cval": INTENSITY,
            "sw_device": Device() | NOTHING, "device": Device() | NOTHING, "progress": FLAG,
            "cache_roi_weight_map": FLAG, "cpu_thresh": Whole(0, 2**40) | NOTHING,
            "buffer_steps": Whole(1, 4096) | NOTHING, "buffer_dim": Whole(-4, 3), "with_coord": FLAG},
            required=("roi_size",)),
        # transforms
        Entry(mt.Compose, "transform", {
            "transforms": Several(Built("transform"), 0, 64), "map_items": FLAG, "unpack_items": FLAG,
            "lazy": Choice((False,))}),
        Entry(mt.LoadImaged, "transform", load, action="replace", builds=outpost_transforms.LoadVolumed,
              required=("keys",)),
        Entry(mt.SaveImaged, "transform", action="drop"),
        Entry(mt.SaveImage, "transform", action="drop"),
        Entry(outpost_transforms.LoadVolumed, "transform", dict(load, spatial_dims=Whole(2, 3) | NOTHING),
              required=("keys",)),
        Entry(mt.EnsureChannelFirstd, "transform", dict(
            keyed, strict_check=FLAG, channel_dim=CHANNEL_AXIS | Choice(("no_channel", None))),
            required=("keys",)),
        Entry(mt.Orientationd, "transform", dict(
            keyed, **lazy, axcodes=Text(r"[A-Z]{1,3}", "up to three axis letters") | NOTHING,
            as_closest_canonical=FLAG,
            labels=Several(Several(Text(r"[A-Z]", "one capital letter"), 2, 2), 1, 3) | NOTHING),
            required=("keys",)),
        Entry(mt.Spacingd, "transform", dict(
            keyed, **lazy, pixdim=Real(-1.0, 1000.0) | Several(Real(-1.0, 1000.0), 1, 3), diagonal=FLAG,
            mode=INTERPOLATION | SPLINE_ORDER | Several(INTERPOLATION | SPLINE_ORDER, 1, 16),
            padding_mode=GRID_PADDING | Several(GRID_PADDING, 1, 16), align_corners=FLAGS, dtype=DTYPE,
            scale_extent=FLAG, recompute_affine=FLAG, ensure_same_shape=FLAG,
            min_pixdim=Real(0.0, 1000.0) | Several(Real(0.0, 1000.0), 1, 3) | NOTHING,
            max_pixdim=Real(0.0, 1000.0) | Several(Real(0.0, 1000.0), 1, 3) | NOTHING),
            required=("keys", "pixdim")),
        Entry(mt.ScaleIntensityRanged, "transform", dict(
            keyed, a_min=INTENSITY, a_max=INTENSITY, b_min=INTENSITY | NOTHING, b_max=INTENSITY | NOTHING,
            clip=FLAG, dtype=DTYPE), required=("keys", "a_min", "a_max")),
        Entry(mt.ScaleIntensityd, "transform", dict(
            keyed, minv=INTENSITY | NOTHING, maxv=INTENSITY | NOTHING, factor=INTENSITY | NOTHING,
            channel_wise=FLAG, dtype=DTYPE), required=("keys",)),
        Entry(mt.ScaleIntensityRangePercentilesd, "transform", dict(
            keyed, lower=Real(0.0, 100.0), upper=Real(0.0, 100.0), b_min=INTENSITY | NOTHING,
            b_max=INTENSITY | NOTHING, clip=FLAG, relative=FLAG, channel_wise=FLAG, dtype=DTYPE),
            required=("keys", "lower", "upper", "b_min", "b_max")),
        Entry(mt.Resized, "transform", dict(
            keyed, **lazy, spatial_size=size, size_mode=Choice(("all", "longest")),
            mode=INTERPOLATION | Several(INTERPOLATION, 1, 16), align_corners=FLAGS | NOTHING,
            anti_aliasing=FLAGS, anti_aliasing_sigma=Real(0.0, 100.0) | Several(Real(0.0, 100.0), 1, 3) | NOTHING,
            dtype=DTYPE), required=("keys", "spatial_size")),
        Entry(mt.Transposed, "transform", dict(keyed, indices=Several(Whole(0, 4), 1, 5) | NOTHING),
              required=("keys", "indices")),
        Entry(mt.RepeatChanneld, "transform", dict(keyed, repeats=Whole(1, 16)), required=("keys", "repeats")),
        Entry(mt.NormalizeIntensityd, "transform", dict(
            keyed, subtrahend=INTENSITY | Several(INTENSITY, 1, 64) | NOTHING,
            divisor=INTENSITY | Several(INTENSITY, 1, 64) | NOTHING, nonzero=FLAG, channel_wise=FLAG, dtype=DTYPE),
            required=("keys",)),
        Entry(mt.EnsureTyped, "transform", dict(
            keyed, data_type=Choice(("tensor", "numpy")), dtype=DTYPE | NOTHING, device=Device() | NOTHING,
            wrap_sequence=FLAG, track_meta=FLAG | NOTHING), required=("keys",)),
        Entry(mt.Activationsd, "transform", dict(keyed, sigmoid=FLAGS, softmax=FLAGS, dim=CHANNEL_AXIS),
              required=("keys",)),
        Entry(mt.Invertd, "transform", dict(
            keyed, transform=Built("transform"), orig_keys=KEYS | NOTHING, meta_keys=KEYS | NOTHING,
            orig_meta_keys=KEYS | NOTHING, meta_key_postfix=Text(KEY_PATTERN, "a key suffix"),
            nearest_interp=FLAGS, to_tensor=FLAGS, device=Device() | NOTHING), required=("keys", "transform")),
        Entry(mt.AsDiscreted, "transform", _as_discrete(keyed), action="replace",
              builds=outpost_transforms.AsDiscreted, required=("keys",)),
        Entry(outpost_transforms.AsDiscreted, "transform", _as_discrete(keyed), required=("keys",)),
        Entry(mt.AsDiscrete, "transform", _as_discrete({}), action="replace",
              builds=outpost_transforms.AsDiscrete),
        Entry(outpost_transforms.AsDiscrete, "transform", _as_discrete({})),
        # brain: FreeSurfer's conform and brainchop's brain crop (ai.packs.transforms, ai.workflow)
        Entry(outpost_transforms.ConformLIAd, "transform", dict(
            keyed, size=Whole(16, 512), spacing=Real(0.25, 4.0)), required=("keys",)),
        Entry(outpost_transforms.BrainCropd, "transform", dict(
            keyed, padding=Whole(0, 64), threshold=Real(0.0, 1.0)), required=("keys",)),
        Entry(outpost_transforms.BrainUncropd, "transform", dict(
            keyed, source=Text(KEY_PATTERN, "a data key")), required=("keys",)),
        # nnU-Net: see _nnunet_entries below
        *_nnunet_entries(keyed),
    ]


# nnU-Net: the network, preprocessing, sliding windows and way back of ai.nnunet (nnU-Net v2 packs)
def _nnunet_entries(keyed: dict[str, ValueType]) -> list[Entry]:
    import ai.nnunet as nnunet
    from ai.nnunet import network, pipeline

    separate = FLAG | NOTHING
    return [
        Entry(nnunet.NnUNetEnsemble, "network", {
            "architecture": Choice(network.ARCHITECTURES), "dims": Choice((3,)), "in_channels": Whole(1, 1),
            "n_classes": Whole(2, 256), "features": Several(Whole(1, 1024), 2, 10),
            "kernel_sizes": Several(Several(Whole(1, 7), 3, 3), 2, 10),
            "strides": Several(Several(Whole(1, 4), 3, 3), 2, 10), "n_blocks": Several(Whole(1, 16), 2, 10),
            "n_conv_decoder": Several(Whole(1, 16), 1, 9), "bias": FLAG, "folds": Whole(1, 10)},
            required=("architecture", "dims", "in_channels", "n_classes", "features", "kernel_sizes", "strides",
                      "n_blocks", "n_conv_decoder")),
        Entry(nnunet.NnUNetPreprocessd, "transform", dict(
            keyed, orientation=Choice(pipeline.ORIENTATIONS), transpose_forward=Several(Whole(0, 2), 3, 3),
            spacing=Several(Real(0.01, 100.0), 3, 3), normalization=Choice(pipeline.NORMALISATIONS),
            intensity=Several(Real(-1e6, 1e6), 4, 4) | NOTHING, use_mask_for_norm=FLAG, force_separate_z=separate,
            order=Choice((1, 3)), order_z=Choice((0,))),
            required=("keys", "orientation", "transpose_forward", "spacing", "normalization")),
        Entry(nnunet.NnUNetSlidingWindowInferer, "inferer", {
            "patch_size": Several(Whole(1, 512), 3, 3), "n_classes": Whole(2, 256), "folds": Whole(1, 10),
            "mirror_axes": Several(Whole(0, 2), 1, 3) | NOTHING, "tile_step_size": Real(0.1, 1.0),
            "accumulate": Choice(("float16", "float32"))}, required=("patch_size", "n_classes")),
        Entry(nnunet.NnUNetRestored, "transform", dict(
            keyed, image_key=Text(KEY_PATTERN, "a data key"), force_separate_z=separate, order=Choice((1, 3)),
            order_z=Choice((0,)), accumulate=Choice(("float16", "float32"))), required=("keys",)),
    ]


def _as_discrete(keyed: dict[str, ValueType]) -> dict[str, ValueType]:
    several = 1 if not keyed else 16
    return dict(keyed, argmax=FLAG | Several(FLAG, 1, several),
                to_onehot=Whole(1, 1024) | NOTHING | Several(Whole(1, 1024) | NOTHING, 1, several),
                threshold=INTENSITY | NOTHING | Several(INTENSITY | NOTHING, 1, several),
                rounding=Choice(("torchrounding", None)), dim=CHANNEL_AXIS, keepdim=FLAG)


@cache
def allow_table() -> dict[type, Entry]:
    """Every class a pack may name, keyed by the class object (imports MONAI on the first call)."""
    table = {}
    for entry in _entries():
        if entry.cls in table:
            raise AssertionError(f"{entry.cls} is twice in the allow table")
        table[entry.cls] = entry
    return table


@cache
def _spellings() -> dict[str, type]:
    """Every name under which a table class is reachable: short names, aliases, dotted paths."""
    import importlib

    table = allow_table()
    names: dict[str, type] = {}
    for module_name in SEARCHED_MODULES:
        module = importlib.import_module(module_name)
        for attribute in dir(module):
            if attribute.startswith("_"):
                continue
            found = getattr(module, attribute, None)
            if isinstance(found, type) and found in table:
                names.setdefault(attribute, found)
                names[f"{module_name}.{attribute}"] = found
    for cls in table:
        names[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return names


def find_entry(name: Any, key: str) -> Entry:
    """The table entry that the ``_target_`` spelling ``name`` reaches.

    Only spellings of table classes are looked up (no module is imported for
    the pack, no attribute of an arbitrary module is read); any other spelling
    is refused, and so is a class in the searched modules that is not in the
    table.

    Raises
    ------
    ai.errors.PackRefusedError
        Naming the config key and the spelling.
    """
    from ai.errors import PackRefusedError

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w.]{0,199}", name):
        raise PackRefusedError(f"config key {key!r}: _target_ {_shown(name)} is not a class name")
    cls = _spellings().get(name)
    if cls is None:
        raise PackRefusedError(f"config key {key!r}: _target_ {name!r} is not allowed (not in Outpost's "
                               "allow-list of networks, transforms and inferers a pack may build)")
    return allow_table()[cls]


def spellings_of(cls: type) -> list[str]:
    """Every spelling :func:`find_entry` accepts for ``cls``."""
    return sorted(name for name, found in _spellings().items() if found is cls)

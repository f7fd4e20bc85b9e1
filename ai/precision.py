"""Mixed precision per pack: when a pack runs under ``torch.autocast``, and how far it agrees.

A pack may declare ``outpost.mixed_precision`` in ``configs/metadata.json`` (checked by
:func:`ai.packs.pack.check_mixed_precision`)::

    "mixed_precision": {"dtype": "float16", "agreement": 0.9995,
                        "checked_on": "256^3 T1 (t1_crop.nii.gz), CUDA, 2026-12-07"}

The engine then runs the pack's network under ``torch.autocast(device_type="cuda", dtype=...)``
on a CUDA device, and only there, provided the declared agreement is at least
:data:`MIN_AGREEMENT`. :func:`label_agreement` measures that agreement on an input (``outpost
models check-precision PACK SERIES``), so that a maintainer can decide to set the block. No Qt.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ai.errors import AIError
from ai.packs.pack import MIXED_PRECISION_DTYPES, Pack
from viewer.core.volume import Volume

#: The least agreement with full precision (fraction of voxels, or of inputs whose top class is the
#: same) for which a pack's ``mixed_precision`` is used; below it the pack runs in float32.
MIN_AGREEMENT = 0.99
#: The precisions :func:`label_agreement` compares with float32 (float32 itself: the control).
PRECISIONS = ("float32", *MIXED_PRECISION_DTYPES)


def declared(pack: Pack) -> dict[str, Any] | None:
    """The pack's ``outpost.mixed_precision`` block, or ``None``."""
    block = pack.outpost.get("mixed_precision")
    return block if isinstance(block, dict) else None


def autocast_dtype(pack: Pack, device: Any) -> Any:
    """The dtype the engine autocasts ``pack`` to on ``device``: ``None`` for full precision.

    Only a CUDA device, and only a pack whose ``mixed_precision`` declares an agreement of at
    least :data:`MIN_AGREEMENT`, runs in mixed precision.
    """
    import torch

    block = declared(pack)
    if block is None or getattr(device, "type", str(device)) != "cuda":
        return None
    if float(block.get("agreement", 0.0)) < MIN_AGREEMENT:
        return None
    return getattr(torch, block["dtype"])


def precision_context(device: Any, dtype: Any) -> contextlib.AbstractContextManager[Any]:
    """``torch.autocast`` on ``device``'s type to ``dtype``, or nothing when ``dtype`` is ``None``.

    Raises
    ------
    AIError
        This build of torch cannot autocast to ``dtype`` on that kind of device.
    """
    import torch

    if dtype is None:
        return contextlib.nullcontext()
    kind = getattr(device, "type", str(device))
    if not torch.amp.is_autocast_available(kind):
        raise AIError(f"torch {torch.__version__} cannot autocast on {kind}")
    try:
        return torch.autocast(device_type=kind, dtype=dtype)
    except (RuntimeError, ValueError) as e:
        raise AIError(f"torch {torch.__version__} cannot autocast to {dtype} on {kind}: "
                      f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from e


@dataclass
class Agreement:
    """How a pack's output under autocast compares with its output in full precision.

    Attributes
    ----------
    pack
        The pack's name.
    dtype
        The autocast dtype compared (``float32``: the control, no autocast).
    device
        Where both runs ran, as results name it.
    agreement
        Segmentation: the fraction of voxels whose label is the same in both runs. Classification:
        1.0 when the top class is the same, else 0.0.
    compared
        Voxels compared (segmentation), or 1 (classification).
    differing
        Voxels (or top classes) that differ.
    labels_present
        Segmentation: label values present in either run.
    max_probability_difference
        Classification: the largest difference between the two runs' probabilities.
    network_output_dtype
        What the network returned under autocast (``float32`` when autocast changed nothing).
    seconds
        ``{"float32": s, dtype: s}``: the two runs' inference stages.
    """

    pack: str
    dtype: str
    device: str
    agreement: float
    compared: int
    differing: int
    labels_present: int | None = None
    max_probability_difference: float | None = None
    network_output_dtype: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable fields."""
        return asdict(self)


def label_agreement(pack: Pack, volume: Volume, dtype: str = "bfloat16", device: str = "cpu") -> Agreement:
    """Run ``pack`` on ``volume`` in float32 and under ``torch.autocast(dtype)``, and compare.

    Parameters
    ----------
    pack
        Any pack; its ``mixed_precision`` block, if any, is ignored (both runs are forced).
    volume
        The input, as :func:`ai.inference.run` takes it.
    dtype
        ``"bfloat16"`` (CPU and CUDA), ``"float16"`` (CUDA; the CPU where this torch autocasts
        to it) or ``"float32"`` (the control: both runs alike, agreement 1.0 for a deterministic
        network).
    device
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"``.

    Raises
    ------
    AIError
        Unknown dtype, a device that is not here, a dtype this torch cannot autocast to on it,
        or a pack that does not suit the volume.
    """
    from ai.inference import _check_suitable, _run_once, choose_device

    if dtype not in PRECISIONS:
        raise AIError(f"unknown precision {dtype!r} (one of {', '.join(PRECISIONS)})")
    _check_suitable(volume, pack)
    target = choose_device(device)
    reference = _run_once(volume, pack, target, None, None, None, precision="float32")
    mixed = _run_once(volume, pack, target, None, None, None, precision=dtype)
    seconds = {"float32": reference.timings.get("inference", 0.0), dtype: mixed.timings.get("inference", 0.0)}
    common: dict[str, Any] = {"pack": pack.name, "dtype": dtype, "device": reference.device, "seconds": seconds,
              "network_output_dtype": str(mixed.provenance.get("network_output_dtype", ""))}
    if reference.probabilities is not None and mixed.probabilities is not None:
        top_reference, top_mixed = next(iter(reference.probabilities)), next(iter(mixed.probabilities))
        difference = max(abs(p - mixed.probabilities.get(name, 0.0))
                         for name, p in reference.probabilities.items())
        same = top_reference == top_mixed
        return Agreement(agreement=1.0 if same else 0.0, compared=1, differing=0 if same else 1,
                         max_probability_difference=round(difference, 6), **common)
    if reference.labels is None or mixed.labels is None or reference.labels.shape != mixed.labels.shape:
        raise AIError(f"{pack.name} gave no comparable labels in the two runs")
    differing = int(np.count_nonzero(reference.labels != mixed.labels))
    compared = int(reference.labels.size)
    present = len(np.union1d(np.unique(reference.labels), np.unique(mixed.labels)))
    return Agreement(agreement=(compared - differing) / compared, compared=compared, differing=differing,
                     labels_present=present, **common)


def describe(agreement: Agreement) -> str:
    """One line for a maintainer: the agreement and whether it is enough to set ``mixed_precision``."""
    what = ("top class the same" if agreement.agreement == 1.0 else "top class DIFFERS") \
        if agreement.labels_present is None else \
        f"{agreement.agreement:.6f} of {agreement.compared} voxels agree ({agreement.differing} differ)"
    enough = agreement.agreement >= MIN_AGREEMENT
    mode = "float32 (no autocast, the control)" if agreement.dtype == "float32" else f"{agreement.dtype} autocast"
    return (f"{agreement.pack}: {mode} on {agreement.device} against float32: {what}; "
            f"{'enough' if enough else 'not enough'} for mixed_precision (at least {MIN_AGREEMENT})")


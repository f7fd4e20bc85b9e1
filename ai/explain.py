"""Why the model said what it said: captum attributions as heatmaps on the image grid.

``explain(volume, pack, result, method, target=None, cancel=None) -> Heatmap``.
Methods: ``gradcam`` (on the pack's layer, or the last convolution), ``ig``
(Integrated Gradients, batched), ``occlusion`` and ``saliency``. For a
classification the chosen class's logit is explained; for a segmentation, the
summed logit of a label inside its predicted mask. No Qt.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ai.errors import AIError
from ai.inference import Result, choose_device, pack_details
from ai.packs.pack import Pack
from viewer.core import audit
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import Volume, reversed_axes

if TYPE_CHECKING:
    import torch

METHODS = ("gradcam", "ig", "occlusion", "saliency")
IG_STEPS = 32
IG_INTERNAL_BATCH = 8
OCCLUSION_BATCH = 8
METHOD_TITLES = {"gradcam": "Grad-CAM", "ig": "Integrated Gradients", "occlusion": "Occlusion",
                 "saliency": "Saliency"}


@dataclass
class Heatmap:
    """A ``[0, 1]`` attribution map ``[z, y, x]`` on the image's grid, with what it explains."""

    values: np.ndarray
    method: str
    target: str
    timings: dict[str, float] = field(default_factory=dict)


def _last_convolution(network: torch.nn.Module) -> tuple[str, torch.nn.Module]:
    from torch import nn

    found: tuple[str, torch.nn.Module] | None = None
    for name, module in network.named_modules():
        if isinstance(module, nn.Conv1d | nn.Conv2d | nn.Conv3d):
            found = (name, module)
    if found is None:
        raise AIError("the network has no convolution for Grad-CAM; choose another method")
    return found


def _layer(network: torch.nn.Module, pack: Pack) -> torch.nn.Module:
    name = (pack.outpost.get("explain") or {}).get("layer")
    if not name:
        return _last_convolution(network)[1]
    modules: dict[str, torch.nn.Module] = dict(network.named_modules())
    if name not in modules:
        raise AIError(f"{pack.name} names Grad-CAM layer {name!r}, which the network does not have")
    return modules[name]


def _target_index(pack: Pack, result: Result, target: str | None) -> tuple[int, str]:
    names = result.label_names or pack.channel_names()
    if target is None:
        if result.probabilities:
            target = next(iter(result.probabilities))
        else:
            present = [v for v in sorted(names) if v != 0 and result.volumes_ml.get(names[v], 0) > 0]
            if not present:
                raise AIError("the segmentation is empty: there is nothing to explain")
            return present[0], names[present[0]]
    for index, name in names.items():
        if name == target or str(index) == str(target):
            return index, name
    raise AIError(f"{target!r} is not a class or label of {pack.name} ({', '.join(names.values())})")


def _audit_details(volume: Volume, pack: Pack, result: Result, method: str = "gradcam", target: str | None = None,
                   *args: Any, **kwargs: Any) -> dict[str, Any]:
    return {**pack_details(pack), "series_uid": volume.provenance.series_uid, "method": method, "target": target}


@audit.audited("explain", _audit_details)
def explain(volume: Volume, pack: Pack, result: Result, method: str = "gradcam", target: str | None = None,
            cancel: CancelToken | None = None, device: str = "auto",
            progress: ProgressCallback | None = None) -> Heatmap:
    """Attribute the result to the input pixels.

    Parameters
    ----------
    volume
        The volume the result was computed on.
    pack
        The pack that computed it.
    result
        Its result (the class or mask to explain comes from it).
    method
        One of :data:`METHODS`.
    target
        A class or label name (default: the top class, or the first label present).
    cancel
        Checked between the model evaluations the method makes.
    progress
        ``progress(done, total, text)`` after each of those evaluations.

    Raises
    ------
    AIError
        Unknown method or target, or a network the method cannot hook.
    """
    import torch
    from monai.data import MetaTensor

    if method not in METHODS:
        raise AIError(f"unknown explanation {method!r}; choose one of {', '.join(METHODS)}")
    start = time.perf_counter()
    index, name = _target_index(pack, result, target)
    parts = pack.build(choose_device(device))
    network = parts["network"]
    data: dict[str, Any] = (parts["preprocessing"]({"image": volume}) if "preprocessing" in parts
                             else {"image": volume})
    image: MetaTensor = data["image"]
    x = image.as_tensor()[None].to(next(network.parameters()).device).float()
    crop = None
    if pack.task == "segmentation":
        x, crop, mask = _segmentation_window(x, network, parts.get("inferer"), index)
    total, done = _evaluations(method, x), [0]

    def forward(batch: torch.Tensor) -> torch.Tensor:
        check_cancel(cancel)
        output: torch.Tensor = network(batch)
        done[0] += 1
        report(progress, min(done[0], total), total, METHOD_TITLES[method])
        if pack.task == "segmentation":
            logits = output[:, index]
            return (logits * mask.to(logits.dtype)).flatten(1).sum(1)
        return output.reshape(batch.shape[0], -1)[:, index]

    attribution = _attribute(method, forward, network, x, pack)
    raw = attribution.detach().float()
    # Grad-CAM keeps what speaks for the target; gradients count by magnitude. Channels are summed.
    values = raw.sum(1, keepdim=True)[0].clamp(min=0) if method == "gradcam" else raw.abs().sum(1, keepdim=True)[0]
    if crop is not None:
        full = torch.zeros((1, *image.shape[1:]), dtype=values.dtype)
        # a window padded past a small image keeps only the part over the image
        full[(slice(None), *crop)] = values.cpu()[(slice(None), *(slice(0, c.stop - c.start) for c in crop))]
        values = full
    heat = MetaTensor(values.cpu(), meta=dict(image.meta), applied_operations=list(image.applied_operations))
    if "preprocessing" in parts:
        heat = parts["preprocessing"].inverse({"image": heat})["image"]
    array = np.asarray(heat.detach().cpu().numpy())[0]
    array = array[..., None] if array.ndim == 2 else array
    array = reversed_axes(array)
    if array.shape != volume.shape_zyx:
        from ai.inference import grid_of
        from viewer.core.overlays import resample_to_grid

        array = resample_to_grid(array.astype(np.float32), grid_of(np.asarray(heat.affine), array.shape),
                                 volume, nearest=False)
    top = float(array.max())
    values01 = (np.clip(array, 0, None) / top).astype(np.float32) if top > 0 else np.zeros_like(array, np.float32)
    return Heatmap(values=values01, method=method, target=name,
                   timings={"total": round(time.perf_counter() - start, 4)})


def _segmentation_window(x: torch.Tensor, network: torch.nn.Module, inferer: Any,
                         label: int) -> tuple[torch.Tensor, tuple[slice, ...], torch.Tensor]:
    """The roi-sized window around the predicted structure.

    Returns the window (padded with zeros past the image where the image is
    smaller than the roi, as the sliding-window inferer pads it: a U-Net needs
    whole windows), its slices on the image, and the label's mask in it.
    """
    import torch

    spatial = tuple(int(s) for s in x.shape[2:])
    roi = tuple(getattr(inferer, "roi_size", spatial)) if inferer is not None else spatial
    roi = tuple(int(r) if int(r) > 0 else s for r, s in zip(roi, spatial, strict=True))
    with torch.inference_mode():
        prediction = (inferer(x, network) if inferer is not None else network(x)).argmax(1)[0]
    where = torch.nonzero(prediction == label)
    if where.numel() == 0:
        raise AIError("the label is absent from the prediction: there is nothing to explain")
    centre = where.float().mean(0).round().long().tolist()
    crop = tuple(slice(max(0, min(c - r // 2, s - r)), min(s, max(0, min(c - r // 2, s - r)) + r))
                 for c, r, s in zip(centre, roi, spatial, strict=True))
    window = x[(slice(None), slice(None), *crop)].clone()
    mask = (prediction[crop] == label)[None]
    short = [r - (c.stop - c.start) for r, c in zip(roi, crop, strict=True)]
    if any(short):
        padding = [amount for shortfall in reversed(short) for amount in (0, shortfall)]
        window = torch.nn.functional.pad(window, padding)
        mask = torch.nn.functional.pad(mask, padding)
    return window, crop, mask


def _evaluations(method: str, x: torch.Tensor) -> int:
    """How many times :func:`_attribute` evaluates the network (for progress)."""
    if method == "ig":
        return math.ceil(IG_STEPS / IG_INTERNAL_BATCH)
    if method == "occlusion":
        patches = math.prod(math.ceil(s / max(1, s // 8)) for s in x.shape[2:])
        return 1 + math.ceil(patches / OCCLUSION_BATCH)
    return 1


def _attribute(method: str, forward: Callable[[torch.Tensor], torch.Tensor], network: torch.nn.Module,
               x: torch.Tensor, pack: Pack) -> Any:  # a torch.Tensor from captum (unannotated)
    from captum.attr import (  # type: ignore[import-untyped]  # captum ships no annotations
        IntegratedGradients,
        LayerAttribution,
        LayerGradCam,
        Occlusion,
        Saliency,
    )

    x = x.clone().requires_grad_(True)
    if method == "gradcam":
        layer = _layer(network, pack)
        cam = LayerGradCam(forward, layer).attribute(x)
        return LayerAttribution.interpolate(cam, tuple(x.shape[2:]),
                                            interpolate_mode="trilinear" if x.ndim == 5 else "bilinear")
    if method == "ig":
        return IntegratedGradients(forward).attribute(x, baselines=x * 0, n_steps=IG_STEPS,
                                                      internal_batch_size=IG_INTERNAL_BATCH)
    if method == "saliency":
        return Saliency(forward).attribute(x, abs=True)
    window = tuple(max(1, s // 8) for s in x.shape[2:])
    return Occlusion(forward).attribute(x, sliding_window_shapes=(x.shape[1], *window),
                                        strides=(x.shape[1], *window), baselines=0,
                                        perturbations_per_eval=OCCLUSION_BATCH)

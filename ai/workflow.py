"""Packs that run after another: brainchop's pre-model (brain extraction before parcellation), then volumetry.

A pack whose ``outpost`` block names ``runs_after`` (the importer writes it from brainchop's
``preModelId``) needs that pack to run first, on the same series:

1. the pre-model runs on the whole conformed volume (brainchop's phase 1: no crop);
2. its non-background voxels are the brain mask (brainchop's ``isBrainCropMaskBased``); their
   bounding box, on the conformed grid, is where the main model's
   :class:`ai.packs.transforms.BrainCropd` crops (with the pack's ``cropPadding``);
3. the main model runs through :func:`ai.inference.run`, and its labels come back on the
   series' grid;
4. for a pack that asks for it (``outpost.volumetry``) :mod:`ai.volumetry` makes the table, with
   the pre-model's mask as the intracranial volume where there is one.

No Qt. The callers (the AI worker, ``outpost ai run``) find the pre-model pack in the pack
store by name (:func:`pre_model_of`) and hand both packs to :func:`run_pack`.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from ai.errors import AIError
from ai.inference import Result, run
from ai.packs.pack import Pack
from ai.suitability import unsuitable_reason
from viewer.core.overlays import resample_to_grid
from viewer.core.tasks import CancelToken, ProgressCallback, check_cancel, report
from viewer.core.volume import Volume

if TYPE_CHECKING:
    from ai.packs.store import PackStore


def runs_after(pack: Pack) -> str | None:
    """The name of the pack that must run before ``pack`` (``None`` when none must)."""
    name = pack.outpost.get("runs_after")
    return name if isinstance(name, str) and name else None


def pre_model_of(pack: Pack, store: PackStore | None = None) -> Pack | None:
    """The pack that must run before ``pack``, from the pack store (``None`` when none must).

    Parameters
    ----------
    pack
        The pack the user chose.
    store
        A :class:`ai.packs.store.PackStore` (default: the user's and the bundled packs).

    Raises
    ------
    AIError
        The pre-model pack is not installed (one line naming it).
    """
    name = runs_after(pack)
    if name is None:
        return None
    if store is None:
        from ai.packs.store import PackStore

        store = PackStore()
    try:
        return store.find(name)
    except AIError as e:
        raise AIError(f"{pack.name} needs the pack {name!r} to run first (brain extraction), and it is not "
                      f"installed; install it, or choose another pack") from e


def conformed_volume(volume: Volume, size: int = 256, spacing: float = 1.0) -> Volume:
    """``volume`` resampled onto its conformed grid (:func:`ai.packs.transforms.conform_array`).

    The result keeps the modality, metadata and provenance, so that a pack runs on it as on the
    series; its grid is the one a brainchop pack conforms the series to.
    """
    import torch

    from ai.inference import grid_of
    from ai.packs.transforms import conform_array, volume_to_metatensor

    image = volume_to_metatensor(volume, 3)
    array, affine = conform_array(torch.as_tensor(image)[None], np.asarray(image.affine), size, spacing)
    grid = grid_of(affine, (size, size, size))
    return dataclasses.replace(volume, array=np.ascontiguousarray(array[0].numpy().transpose(2, 1, 0)),
                               origin=grid.origin, spacing=grid.spacing, direction=grid.direction,
                               photometric="MONOCHROME2", warnings=[], metadata=dict(volume.metadata))


def _hinted(volume: Volume, hint: Any) -> Volume:
    from ai.packs.transforms import CROP_HINT

    return dataclasses.replace(volume, metadata={**volume.metadata, CROP_HINT: hint})


def run_pack(volume: Volume, pack: Pack, pre_pack: Pack | None = None, device: str = "auto",
             progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> Result:
    """Run ``pack`` on ``volume``, after its pre-model when it names one, with volumetry where it asks.

    Parameters
    ----------
    volume
        The series as loaded.
    pack
        The pack to run.
    pre_pack
        The pack ``pack`` runs after (:func:`pre_model_of`); required when ``pack`` names one.
    device, progress, cancel
        As for :func:`ai.inference.run`.

    Returns
    -------
    Result
        The main model's result on the series' grid; ``timings`` add the pre-model's stages
        (``pre_model_*``) and the main model's own total (``main_total``; ``total`` is the
        chain's), ``provenance["pre_model"]`` names it, and ``volumetry`` holds the table.

    Raises
    ------
    AIError
        The pre-model is missing or another pack than the one named, or a run failed.
    Cancelled
        ``cancel`` was set.
    """
    from ai.packs.transforms import bounding_box
    from ai.volumetry import volumetry

    wanted = runs_after(pack)
    if wanted is None:
        result = run(volume, pack, device=device, progress=progress, cancel=cancel)
        if pack.outpost.get("volumetry") and result.labels is not None:
            result.volumetry = volumetry(result.labels, result.label_names, volume.spacing, pack.name)
        return result
    if pre_pack is None:
        raise AIError(f"{pack.name} needs the pack {wanted!r} to run first (brain extraction); it was not given")
    if pre_pack.name != wanted:
        raise AIError(f"{pack.name} runs after {wanted!r}, not after {pre_pack.name!r}")
    reason = unsuitable_reason(volume, pack) or unsuitable_reason(volume, pre_pack)
    if reason:
        raise AIError(reason)
    started = time.perf_counter()
    report(progress, 0, 2, f"conforming the series, then {pre_pack.name} (brain extraction)")
    conformed = conformed_volume(volume)
    check_cancel(cancel)
    # brainchop's phase 1: the pre-model on the whole conformed volume.
    first = run(_hinted(conformed, "whole"), pre_pack, device=device, progress=progress, cancel=cancel)
    assert first.labels is not None  # a segmentation pack's result
    mask: np.ndarray = first.labels > 0  # [z, y, x] of the conformed grid
    box = bounding_box(mask.transpose(2, 1, 0))
    if box is None:
        raise AIError(f"{pre_pack.name} found no brain in this series; {pack.name} was not run")
    check_cancel(cancel)
    report(progress, 1, 2, f"{pack.name} on the brain")
    result = run(_hinted(volume, box), pack, device=device, progress=progress, cancel=cancel)
    result.timings.update({f"pre_model_{k}": v for k, v in first.timings.items()})
    result.timings["main_total"] = result.timings.get("total", 0.0)
    result.timings["total"] = round(time.perf_counter() - started, 4)  # the whole chain
    result.provenance["pre_model"] = {"pack": pre_pack.name, "version": pre_pack.version,
                                      "checksum": pre_pack.checksum, "crop_box_conformed_xyz": box}
    result.notes = first.notes + result.notes
    if pack.outpost.get("volumetry") and result.labels is not None:
        brain = resample_to_grid(mask.astype(np.uint8), conformed, volume, nearest=True)
        source = (f"brain mask of {pre_pack.name} (its non-background labels), resampled onto the series: "
                  "brain tissue only, without the CSF around the brain, so smaller than the true "
                  "intracranial volume")
        result.volumetry = volumetry(result.labels, result.label_names, volume.spacing, pack.name,
                                     icv_mask=brain, icv_source=source)
    return result


__all__ = ["conformed_volume", "pre_model_of", "run_pack", "runs_after"]

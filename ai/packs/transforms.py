"""Transforms that stand in for MONAI's file-based ones, working on Outpost's in-memory Volume."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import torch
from monai.data import MetaTensor
from monai.transforms import AsDiscrete as MonaiAsDiscrete
from monai.transforms import AsDiscreted as MonaiAsDiscreted
from monai.transforms import MapTransform

from viewer.core.volume import Volume


def volume_to_metatensor(volume: Volume, spatial_dims: int | None = None) -> MetaTensor:
    """The MetaTensor MONAI's ``LoadImaged`` (ITK reader) would give for this volume's files.

    The array is indexed ``(x, y, z)`` (``(x, y)`` for one image taken as 2-D)
    and the affine maps those indices to RAS millimetres, as MONAI's readers
    produce by default; there is no channel axis yet (``EnsureChannelFirstd``
    adds it).

    Parameters
    ----------
    volume
        A 3-D grey-scale volume.
    spatial_dims
        2 or 3; by default 2 for a single slice and 3 otherwise.
    """
    if volume.is_4d or volume.is_rgb:
        raise ValueError("models take one 3-D grey-scale volume (choose a time point first)")
    # A permuted view of a (z, y, x) copy: MONAI and torch follow its strides,
    # and a transposing copy would cost 0.25 s on a 512x512x128 CT.
    array = volume.array.astype(np.float32).transpose(2, 1, 0)
    if volume.photometric == "MONOCHROME1":
        # Models learn that bright means dense: give them MONOCHROME2 meaning.
        bits = int(volume.metadata.get("bits_stored") or 16)
        array = np.float32(2 ** bits - 1) - array
    affine_ras = volume.affine_ras
    dims = spatial_dims or (2 if array.shape[2] == 1 else 3)
    if dims == 2:
        if array.shape[2] != 1:
            raise ValueError(f"a 2-D model takes one image, this series has {array.shape[2]} slices")
        array = array[:, :, 0]
        affine_ras = np.delete(np.delete(affine_ras, 2, axis=0), 2, axis=1)
    affine = torch.as_tensor(affine_ras, dtype=torch.float64)
    meta = {
        "affine": affine,
        "original_affine": affine.clone(),
        "spatial_shape": np.array(array.shape),
        "original_channel_dim": "no_channel",
        "space": "RAS",
        "filename_or_obj": volume.provenance.series_uid or "volume",
    }
    return MetaTensor(torch.from_numpy(array), affine=affine, meta=meta)


class LoadVolumed(MapTransform):
    """Replaces ``LoadImaged``: turns the Volume under each key into a MetaTensor; it reads no file.

    ``image_only`` and ``simple_keys`` are accepted for bundle configs that give
    them and change nothing (the metadata travels inside the MetaTensor). Any
    other ``LoadImaged`` argument (a reader, a dtype, a path) is refused by the
    allow table (:mod:`ai.packs.allowed`) before this is built.
    """

    def __init__(self, keys, allow_missing_keys: bool = False, spatial_dims: int | None = None,
                 image_only: bool = True, simple_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        self.spatial_dims = spatial_dims

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        out = dict(data)
        for key in self.key_iterator(out):
            value = out[key]
            out[key] = volume_to_metatensor(value, self.spatial_dims) if isinstance(value, Volume) else value
        return out


def channel_argmax(tensor: torch.Tensor, dim: int = 0, keepdim: bool = True) -> torch.Tensor:
    """``torch.argmax`` along the channel axis, in one pass per channel.

    The result equals ``torch.argmax`` (the first channel wins a tie), but
    this torch build's argmax over a leading axis is slow on the CPU: 2.4 s
    for a two-channel 512x512x128 prediction, against 0.1 s here.
    Values stay in ``tensor``'s type (MetaTensor metadata is kept).

    Parameters
    ----------
    tensor
        Scores, one channel per class along ``dim``.
    dim, keepdim
        As for ``torch.argmax``.
    """
    channels = tensor.movedim(dim, 0)
    count = channels.shape[0]
    best = channels[0]
    index = torch.zeros_like(best, dtype=torch.uint8 if count <= 256 else torch.long)
    for channel in range(1, count):
        scores = channels[channel]
        index.masked_fill_(scores > best, channel)
        if channel < count - 1:
            best = torch.maximum(best, scores)
    if isinstance(tensor, MetaTensor):
        index = MetaTensor(index, meta=tensor.meta, applied_operations=tensor.applied_operations)
    return index.unsqueeze(dim) if keepdim else index


class AsDiscrete(MonaiAsDiscrete):
    """MONAI's ``AsDiscrete`` with :func:`channel_argmax` in place of ``torch.argmax``."""

    def __call__(self, img, argmax: bool | None = None, to_onehot: int | None = None,
                 threshold: float | None = None, rounding: str | None = None):
        if self.argmax if argmax is None else argmax:
            img = channel_argmax(torch.as_tensor(img) if isinstance(img, np.ndarray) else img,
                                 dim=self.kwargs.get("dim", 0), keepdim=self.kwargs.get("keepdim", True))
        return super().__call__(img, False, to_onehot, threshold, rounding)


class AsDiscreted(MonaiAsDiscreted):
    """MONAI's ``AsDiscreted`` using Outpost's :class:`AsDiscrete`."""

    def __init__(self, keys, *args: Any, **kwargs: Any) -> None:
        super().__init__(keys, *args, **kwargs)
        self.converter = AsDiscrete()
        self.converter.kwargs = kwargs

"""Transforms that stand in for MONAI's file-based ones, working on Outpost's in-memory Volume."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import torch
from monai.data import MetaTensor
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
    array = np.ascontiguousarray(volume.array.transpose(2, 1, 0)).astype(np.float32)
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
    """Replaces ``LoadImaged``: turns the Volume under each key into a MetaTensor."""

    def __init__(self, keys, allow_missing_keys: bool = False, spatial_dims: int | None = None,
                 **_ignored: Any) -> None:
        super().__init__(keys, allow_missing_keys)
        self.spatial_dims = spatial_dims

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        out = dict(data)
        for key in self.key_iterator(out):
            value = out[key]
            out[key] = volume_to_metatensor(value, self.spatial_dims) if isinstance(value, Volume) else value
        return out

"""Transforms that stand in for MONAI's file-based ones, working on Outpost's in-memory Volume."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from monai.config import KeysCollection, NdarrayOrTensor
from monai.data import MetaTensor
from monai.transforms import AsDiscrete as MonaiAsDiscrete
from monai.transforms import AsDiscreted as MonaiAsDiscreted
from monai.transforms import MapTransform

from viewer.core.volume import Volume

if TYPE_CHECKING:
    from viewer.core.tasks import CancelToken, ProgressCallback


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
    if volume.metadata.get(CROP_HINT) is not None:  # set by ai.workflow for BrainCropd
        meta[CROP_HINT] = volume.metadata[CROP_HINT]
    return MetaTensor(torch.from_numpy(array), affine=affine, meta=meta)


class LoadVolumed(MapTransform):
    """Replaces ``LoadImaged``: turns the Volume under each key into a MetaTensor; it reads no file.

    ``image_only`` and ``simple_keys`` are accepted for bundle configs that give
    them and change nothing (the metadata travels inside the MetaTensor). Any
    other ``LoadImaged`` argument (a reader, a dtype, a path) is refused by the
    allow table (:mod:`ai.packs.allowed`) before this is built.
    """

    def __init__(self, keys: KeysCollection, allow_missing_keys: bool = False, spatial_dims: int | None = None,
                 image_only: bool = True, simple_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        self.spatial_dims = spatial_dims

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """A copy of ``data`` with the Volume under each key turned into a MetaTensor."""
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

    def __call__(self, img: NdarrayOrTensor, argmax: bool | None = None, to_onehot: int | None = None,
                 threshold: float | None = None, rounding: str | None = None) -> NdarrayOrTensor:
        """As MONAI's ``AsDiscrete``, its argmax taken by :func:`channel_argmax`."""
        if self.argmax if argmax is None else argmax:
            img = channel_argmax(torch.as_tensor(img) if isinstance(img, np.ndarray) else img,
                                 dim=self.kwargs.get("dim", 0), keepdim=self.kwargs.get("keepdim", True))
        return super().__call__(img, False, to_onehot, threshold, rounding)


class AsDiscreted(MonaiAsDiscreted):
    """MONAI's ``AsDiscreted`` using Outpost's :class:`AsDiscrete`."""

    def __init__(self, keys: KeysCollection, *args: Any, **kwargs: Any) -> None:
        super().__init__(keys, *args, **kwargs)
        self.converter = AsDiscrete()
        self.converter.kwargs = kwargs


# --------------------------------------------------------------------------- brain MRI (brainchop)
#: ``Volume.metadata`` key by which :mod:`ai.workflow` tells :class:`BrainCropd` where to crop:
#: ``"whole"`` (no crop: a pre-model runs on the whole conformed volume) or a box
#: ``[[x0, x1], [y0, y1], [z0, z1]]`` of conformed voxels (the bounding box of the pre-model's mask).
CROP_HINT = "outpost_brain_crop"
#: The MetaTensor metadata key where :class:`BrainCropd` records what it cut, for :class:`BrainUncropd`.
CROP_RECORD = "outpost_brain_crop_record"
#: FreeSurfer's conformed orientation: voxel axes towards Left, Inferior, Anterior, as RAS columns.
LIA_DIRECTIONS = np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


def conformed_affine(affine_ras: np.ndarray, shape_xyz: tuple[int, ...], size: int = 256,
                     spacing: float = 1.0) -> np.ndarray:
    r"""The RAS affine of the conformed grid (``size``\ :sup:`3` voxels of ``spacing`` mm, LIA).

    As FreeSurfer's ``mri_convert --conform``: axis-aligned LIA, centred on the centre of the
    input volume (here its geometric centre, the middle of its voxel range, so that the same
    image stored in any voxel order gives the same grid).

    Parameters
    ----------
    affine_ras
        The input's ``(x, y, z)``-index to RAS-mm affine (4x4).
    shape_xyz
        The input's spatial shape.
    size, spacing
        Voxels per axis and their size in mm.
    """
    affine_ras = np.asarray(affine_ras, dtype=np.float64)
    centre = affine_ras[:3, :3] @ ((np.asarray(shape_xyz[:3], dtype=np.float64) - 1) / 2) + affine_ras[:3, 3]
    out = np.eye(4)
    out[:3, :3] = LIA_DIRECTIONS * spacing
    out[:3, 3] = centre - out[:3, :3] @ np.full(3, (size - 1) / 2)
    return out


def _signed_permutation(matrix: np.ndarray) -> list[tuple[int, int, int]] | None:
    """For each output axis ``(input axis, sign, offset)`` when ``matrix`` only permutes, flips and shifts.

    ``matrix`` (output index to input index, 4x4) must shift by whole voxels; ``None`` otherwise.
    """
    rotation, shift = matrix[:3, :3], matrix[:3, 3]
    rounded = np.rint(rotation)
    if not np.allclose(rotation, rounded, atol=1e-4) or not np.allclose(shift, np.rint(shift), atol=1e-3):
        return None
    mapping = []
    for out_axis in range(3):
        column = rounded[:, out_axis]
        if np.count_nonzero(column) != 1 or abs(column).sum() != 1:
            return None
        axis = int(np.flatnonzero(column)[0])
        mapping.append((axis, int(column[axis]), int(np.rint(shift[axis]))))
    return mapping if len({m[0] for m in mapping}) == 3 else None


def conform_array(image: torch.Tensor, affine_ras: np.ndarray, size: int = 256, spacing: float = 1.0,
                  progress: ProgressCallback | None = None, cancel: CancelToken | None = None
                  ) -> tuple[torch.Tensor, np.ndarray]:
    """Resample a ``[C, X, Y, Z]`` image onto its conformed grid (:func:`conformed_affine`).

    Where the input's voxels are the conformed voxels in another order (an axial, sagittal or
    coronal 1 mm acquisition, in any patient position) the voxels are only permuted, flipped and
    padded, so the result is exact; otherwise they are interpolated trilinearly (an oblique or
    anisotropic acquisition). Outside the input the result is 0.

    Returns
    -------
    tuple
        The ``[C, size, size, size]`` float32 tensor and its RAS affine.
    """
    from viewer.core.tasks import check_cancel, report

    data = torch.as_tensor(image).float()
    affine_ras = np.asarray(affine_ras, dtype=np.float64)
    target = conformed_affine(affine_ras, tuple(data.shape[1:]), size, spacing)
    to_input = np.linalg.inv(affine_ras) @ target  # conformed voxel index -> input voxel index
    out = torch.zeros((data.shape[0], size, size, size), dtype=torch.float32)
    mapping = _signed_permutation(to_input)
    if mapping is not None:
        picks, keeps = [], []
        for axis, sign, offset in mapping:
            index = sign * np.arange(size) + offset
            keep = (index >= 0) & (index < data.shape[1 + axis])
            picks.append(torch.from_numpy(index[keep]))
            keeps.append(torch.from_numpy(np.flatnonzero(keep)))
        if all(len(k) for k in keeps):
            permuted = data.permute(0, *(1 + axis for axis, _, _ in mapping))
            block = permuted[:, picks[0]][:, :, picks[1]][:, :, :, picks[2]]
            out[:, keeps[0][:, None, None], keeps[1][None, :, None], keeps[2][None, None, :]] = block
        return out, target
    # Trilinear, slab by slab along the first conformed axis (the sampling grid of a whole
    # 256^3 volume would take 200 MB).
    shape = np.asarray(data.shape[1:], dtype=np.float64)
    grid_j, grid_k = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    rotation, shift = to_input[:3, :3], to_input[:3, 3]
    source = data[None]  # [1, C, X, Y, Z]: grid_sample reads the last grid coordinate as X's index
    slab = 16
    for start in range(0, size, slab):
        check_cancel(cancel)
        i = np.arange(start, min(size, start + slab))
        ijk = np.stack(np.broadcast_arrays(i[:, None, None], grid_j[None], grid_k[None]), axis=-1)
        index = ijk @ rotation.T + shift  # [slab, size, size, 3] input (x, y, z) indices
        normalised = 2 * index / np.maximum(shape - 1, 1) - 1
        grid = torch.from_numpy(normalised[..., ::-1].astype(np.float32).copy())[None]
        sampled = torch.nn.functional.grid_sample(source, grid, mode="bilinear", padding_mode="zeros",
                                                  align_corners=True)
        out[:, start:start + len(i)] = sampled[0]
        report(progress, start + len(i), size, "conforming")
    return out, target


class ConformLIAd(MapTransform):
    r"""FreeSurfer's ``mri_convert --conform`` geometry: ``size``\ :sup:`3` voxels of ``spacing`` mm, LIA.

    The image (channel first, after ``EnsureChannelFirstd``) is resampled by
    :func:`conform_array`: exactly when the acquisition's voxels are the conformed ones in
    another order, trilinearly otherwise. Intensities are not rescaled to 8 bits (the
    normalisation that follows is linear). The MetaTensor's affine becomes the conformed one,
    so a label map predicted on it goes back onto the series' grid by nearest neighbour.
    """

    def __init__(self, keys: KeysCollection, size: int = 256, spacing: float = 1.0,
                 allow_missing_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        self.size, self.spacing = int(size), float(spacing)

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """A copy of ``data`` with the image under each key resampled onto the conformed grid."""
        out = dict(data)
        for key in self.key_iterator(out):
            image = out[key]
            affine = np.asarray(getattr(image, "affine", np.eye(4)), dtype=np.float64)
            array, target = conform_array(image, affine, self.size, self.spacing)
            meta = {k: v for k, v in getattr(image, "meta", {}).items() if k != "affine"}
            meta["spatial_shape"] = np.array(array.shape[1:])
            out[key] = MetaTensor(array, affine=torch.as_tensor(target), meta=meta)
        return out


def bounding_box(mask: np.ndarray) -> list[list[int]] | None:
    """``[[first, last], ...]`` voxel indices (inclusive) of the non-zero voxels per axis; ``None`` if none."""
    box = []
    for axis in range(mask.ndim):
        others = tuple(a for a in range(mask.ndim) if a != axis)
        hits = np.flatnonzero(mask.any(axis=others))
        if not len(hits):
            return None
        box.append([int(hits[0]), int(hits[-1])])
    return box


class BrainCropd(MapTransform):
    """brainchop's brain crop: the bounding box of the brain, padded with zeros, goes to the network.

    The box is, in brainchop's order: the box :mod:`ai.workflow` gives from the pre-model's
    brain mask (metadata :data:`CROP_HINT`, brainchop's ``isBrainCropMaskBased``); else the
    voxels above ``threshold`` times the maximum of the normalised image (``autoThreshold``)
    when ``0 < threshold <= 1``; else the non-zero voxels. ``padding`` zero voxels
    (``cropPadding``) are added on every side. What was cut is recorded in the MetaTensor's
    metadata (:data:`CROP_RECORD`) for :class:`BrainUncropd`. A hint ``"whole"`` leaves the
    image as it is (brainchop runs a pre-model on the whole volume).
    """

    def __init__(self, keys: KeysCollection, padding: int = 0, threshold: float = 0.0,
                 allow_missing_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        self.padding, self.threshold = int(padding), float(threshold)

    def box(self, image: torch.Tensor) -> list[list[int]] | None:
        """The box to keep, before padding (``None``: the whole image)."""
        hint = getattr(image, "meta", {}).get(CROP_HINT)
        if isinstance(hint, str) and hint == "whole":
            return None
        if hint is not None:
            return [[int(a), int(b)] for a, b in hint]
        values = torch.as_tensor(image).detach().cpu()
        if 0 < self.threshold <= 1:
            mask = (values > float(values.max()) * self.threshold).any(0)
        else:
            mask = (values > 0).any(0)
        return bounding_box(mask.numpy())

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """A copy of ``data`` with the image under each key cropped to its box and padded, the crop recorded."""
        out = dict(data)
        for key in self.key_iterator(out):
            image = out[key]
            box = self.box(image)
            if box is None:
                continue
            shape = list(image.shape[1:])
            box = [[max(0, a), min(n - 1, b)] for (a, b), n in zip(box, shape, strict=True)]
            pad = self.padding
            plain = torch.as_tensor(image).as_subclass(torch.Tensor)
            core = plain[:, box[0][0]:box[0][1] + 1, box[1][0]:box[1][1] + 1, box[2][0]:box[2][1] + 1]
            cropped = torch.nn.functional.pad(core, (pad, pad) * 3) if pad else core.clone()
            affine = np.asarray(image.affine, dtype=np.float64)
            moved = affine.copy()
            moved[:3, 3] = affine[:3, :3] @ (np.array([a for a, _ in box]) - pad) + affine[:3, 3]
            meta = {k: v for k, v in image.meta.items() if k != "affine"}
            meta["spatial_shape"] = np.array(cropped.shape[1:])
            meta[CROP_RECORD] = {"box": box, "padding": pad, "shape": shape, "affine": affine.tolist()}
            out[key] = MetaTensor(cropped, affine=torch.as_tensor(moved), meta=meta)
        return out


class BrainUncropd(MapTransform):
    """Puts a prediction made on :class:`BrainCropd`'s crop back into the whole conformed grid.

    The padding is dropped (brainchop keeps only the box) and everything outside the box is
    background (0). ``source`` names the image whose metadata recorded the crop; a prediction
    of an uncropped image is left as it is.
    """

    def __init__(self, keys: KeysCollection, source: str = "image", allow_missing_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        self.source = source

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        """A copy of ``data`` with the prediction under each key put back into the whole grid."""
        out = dict(data)
        record = getattr(out.get(self.source), "meta", {}).get(CROP_RECORD)
        if record is None:
            return out
        box, pad, shape = record["box"], int(record["padding"]), record["shape"]
        for key in self.key_iterator(out):
            pred = torch.as_tensor(out[key]).as_subclass(torch.Tensor)
            sizes = [b - a + 1 for a, b in box]
            core = pred[:, pad:pad + sizes[0], pad:pad + sizes[1], pad:pad + sizes[2]]
            full = torch.zeros((pred.shape[0], *shape), dtype=pred.dtype)
            full[:, box[0][0]:box[0][1] + 1, box[1][0]:box[1][1] + 1, box[2][0]:box[2][1] + 1] = core
            affine = torch.as_tensor(np.asarray(record["affine"], dtype=np.float64))
            out[key] = MetaTensor(full, affine=affine)
        return out

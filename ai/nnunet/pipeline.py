"""nnU-Net v2's inference, natively: preprocessing, Gaussian sliding windows, and the way back.

Three parts, built from a pack's ``configs/inference.json`` through the allow table:

:class:`NnUNetPreprocessd`
    the array a model of this pack saw in training (its orientation convention, then the
    ``[k, j, i]`` order in which nnU-Net's image readers give a NIfTI file's voxels), the plans'
    transpose, the crop to the non-zero bounding box, the CT or z-score normalisation, then
    resampling to the plans' spacing (cubic; the low-resolution axis by nearest neighbour where
    the spacing is anisotropic). What is needed to go back is kept in the data under
    ``<key>_nnunet``.
:class:`NnUNetSlidingWindowInferer`
    nnU-Net's windows (step half a patch), each prediction optionally averaged with its mirror
    images, weighted by nnU-Net's Gaussian and accumulated per fold in float16 as nnU-Net 2.8.1
    does (also on the CPU), then the folds averaged.
:class:`NnUNetRestored`
    the class scores resampled (linear) back to the cropped shape, the most likely class per
    voxel, put back into the bounding box, transposed back and turned back into the volume's
    voxel order: the labels lie on the volume's own grid, with its affine.

Reference: Isensee F, Jaeger PF, Kohl SAA, Petersen J, Maier-Hein KH. nnU-Net: a self-configuring
method for deep learning-based biomedical image segmentation. Nature Methods 18:203-211, 2021,
doi:10.1038/s41592-020-01008-z.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from monai.data import MetaTensor
from monai.transforms import MapTransform

from ai.nnunet import resampling

#: Orientation conventions: ``totalsegmentator`` (the volume reoriented to the closest canonical
#: RAS, as TotalSegmentator does before calling nnU-Net) and ``dcm2niix`` (the voxel order of
#: dcm2niix's NIfTI files: columns, rows bottom-up, slices along the normal).
ORIENTATIONS = ("totalsegmentator", "dcm2niix")
NORMALISATIONS = ("CTNormalization", "ZScoreNormalization", "NoNormalization")
#: The data key suffix under which the preprocessing leaves the way back.
GEOMETRY_SUFFIX = "_nnunet"


# --------------------------------------------------------------------------- voxel order
def canonical_order(affine: np.ndarray) -> tuple[list[int], list[int]]:
    """The axis order and flips that bring an ``(i, j, k)`` grid closest to RAS.

    Returns
    -------
    tuple
        ``(order, flipped)``: reverse the input axes listed in ``flipped`` (those pointing to L, P
        or I), then transpose by ``order``: output axis ``n`` is input axis ``order[n]``, and the
        output axes point to R, A and S.
    """
    direction = np.asarray(affine, dtype=np.float64)[:3, :3]
    direction = direction / np.linalg.norm(direction, axis=0)
    world = [-1, -1, -1]
    remaining = np.abs(direction).copy()
    for _ in range(3):  # greedily, the largest cosine first (as nibabel's io_orientation)
        row, column = np.unravel_index(np.argmax(remaining), remaining.shape)
        world[column] = int(row)
        remaining[row, :] = -1
        remaining[:, column] = -1
    order = [world.index(axis) for axis in range(3)]
    flipped = [column for column in range(3) if direction[world[column], column] < 0]
    return order, flipped


def _apply(array: np.ndarray, operations: list[tuple[str, list[int]]]) -> np.ndarray:
    for kind, axes in operations:
        array = np.flip(array, axes) if kind == "flip" else array.transpose(axes)
    return array


def _invert(array: np.ndarray, operations: list[tuple[str, list[int]]]) -> np.ndarray:
    for kind, axes in reversed(operations):
        array = np.flip(array, axes) if kind == "flip" else array.transpose(np.argsort(axes))
    return array


def to_nnunet_order(orientation: str, affine: np.ndarray) -> list[tuple[str, list[int]]]:
    """The flips and transposes from Outpost's ``(x, y, z)`` voxel order to nnU-Net's input array.

    The convention gives the NIfTI voxel order ``(i, j, k)`` the model's training files had;
    nnU-Net's readers then give the array as ``[k, j, i]``.
    """
    if orientation == "dcm2niix":
        operations = [("flip", [1])]
    elif orientation == "totalsegmentator":
        order, flipped = canonical_order(affine)
        operations = ([("flip", flipped)] if flipped else []) + [("transpose", order)]
    else:
        raise ValueError(f"orientation {orientation!r} is not one of {', '.join(ORIENTATIONS)}")
    return [*operations, ("transpose", [2, 1, 0])]


def _spacing_after(spacing: np.ndarray, operations: list[tuple[str, list[int]]]) -> np.ndarray:
    for kind, axes in operations:
        if kind == "transpose":
            spacing = spacing[list(axes)]
    return spacing


# --------------------------------------------------------------------------- preprocessing
def nonzero_box(mask: np.ndarray) -> list[list[int]]:
    """``[[start, stop], ...]`` of the True voxels (the whole array where none is)."""
    box = []
    for axis in range(mask.ndim):
        others = tuple(a for a in range(mask.ndim) if a != axis)
        hits = np.flatnonzero(mask.any(axis=others))
        box.append([int(hits[0]), int(hits[-1]) + 1] if hits.size else [0, mask.shape[axis]])
    return box


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every background region not connected (faces only) to the border filled."""
    background = torch.from_numpy(~mask)
    outside = torch.zeros_like(background)
    for axis in range(mask.ndim):
        for end in (0, -1):
            index = [slice(None)] * mask.ndim
            index[axis] = end
            outside[tuple(index)] = background[tuple(index)]
    while True:
        grown = outside.clone()
        for axis in range(mask.ndim):
            for shift in (1, -1):
                grown |= torch.roll(outside, shift, axis) & background  # wrap-around is border anyway
        if torch.equal(grown, outside):
            return ~outside.numpy()
        outside = grown


class NnUNetPreprocessd(MapTransform):
    """A Volume's MetaTensor ``[1, x, y, z]`` turned into nnU-Net's preprocessed input ``[1, a, b, c]``.

    Parameters
    ----------
    keys
        The image key (after ``LoadImaged`` and ``EnsureChannelFirstd``).
    orientation
        One of :data:`ORIENTATIONS`.
    transpose_forward
        The plans' ``transpose_forward``.
    spacing
        The configuration's target spacing (after the transpose), in mm.
    normalization
        One of :data:`NORMALISATIONS`.
    intensity
        ``[mean, std, percentile_00_5, percentile_99_5]`` of the foreground (for CT).
    use_mask_for_norm
        z-score normalisation inside the (hole-filled) non-zero mask only.
    force_separate_z
        The plans' ``force_separate_z`` for the image's resampling.
    order, order_z
        The image's resampling orders.
    """

    def __init__(self, keys, orientation: str, transpose_forward: Sequence[int], spacing: Sequence[float],
                 normalization: str, intensity: Sequence[float] | None = None, use_mask_for_norm: bool = False,
                 force_separate_z: bool | None = None, order: int = 3, order_z: int = 0,
                 allow_missing_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        if orientation not in ORIENTATIONS or normalization not in NORMALISATIONS:
            raise ValueError(f"orientation {orientation!r} or normalization {normalization!r} is not supported")
        if normalization == "CTNormalization" and (intensity is None or len(intensity) != 4):
            raise ValueError("CTNormalization needs intensity [mean, std, percentile_00_5, percentile_99_5]")
        self.orientation, self.normalization = orientation, normalization
        self.transpose_forward = [int(a) for a in transpose_forward]
        self.spacing = [float(s) for s in spacing]
        self.intensity = [float(v) for v in intensity] if intensity is not None else None
        self.use_mask_for_norm, self.force_separate_z = use_mask_for_norm, force_separate_z
        self.order, self.order_z = order, order_z

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:  # noqa: D102
        out = dict(data)
        for key in self.key_iterator(out):
            out[key], out[f"{key}{GEOMETRY_SUFFIX}"] = self.prepare(out[key])
        return out

    def prepare(self, image: torch.Tensor) -> tuple[torch.Tensor, dict[str, Any]]:
        """The preprocessed ``[1, a, b, c]`` float32 tensor, and what :class:`NnUNetRestored` needs."""
        affine = np.asarray(image.affine if isinstance(image, MetaTensor) else np.eye(4), dtype=np.float64)
        array = np.asarray(torch.as_tensor(image).detach().cpu().numpy(), dtype=np.float32)
        if array.ndim != 4 or array.shape[0] != 1:
            raise ValueError(f"nnU-Net packs take one channel [1, x, y, z], not {array.shape}")
        operations = [*to_nnunet_order(self.orientation, affine), ("transpose", self.transpose_forward)]
        voxel = np.linalg.norm(affine[:3, :3], axis=0)
        spacing = _spacing_after(voxel, operations)
        data = np.ascontiguousarray(_apply(array[0], operations))[None]
        shape_before = data.shape[1:]
        nonzero = data[0] != 0
        box = nonzero_box(nonzero)
        crop = tuple(slice(a, b) for a, b in box)
        data = data[(slice(None), *crop)].copy()
        mask = fill_holes(nonzero)[crop] if self.use_mask_for_norm else None
        data[0] = self._normalise(data[0], mask)
        target = list(self.spacing)
        shape = resampling.new_shape(data.shape[1:], list(spacing), target)
        axis = resampling.separate_axis(list(spacing), target, self.force_separate_z)
        data = resampling.resample(data, shape, self.order, axis, self.order_z)
        geometry = {"operations": operations, "shape_before_cropping": shape_before, "box": box,
                    "shape_after_cropping": tuple(b - a for a, b in box), "spacing": list(spacing),
                    "target_spacing": target, "affine": torch.as_tensor(affine), "shape": array.shape[1:]}
        return torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32)), geometry

    def _normalise(self, image: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        image = image.astype(np.float32, copy=False)
        if self.normalization == "CTNormalization":
            mean, std, low, high = self.intensity  # type: ignore[misc]
            np.clip(image, low, high, out=image)
            image -= mean
            image /= max(std, 1e-8)
        elif self.normalization == "ZScoreNormalization":
            if mask is not None:
                mean, std = image[mask].mean(), image[mask].std()
                image[mask] = (image[mask] - mean) / max(std, 1e-8)
            else:
                mean, std = image.mean(), image.std()
                image -= mean
                image /= max(std, 1e-8)
        return image


# --------------------------------------------------------------------------- sliding windows
class NnUNetSlidingWindowInferer:
    """nnU-Net's Gaussian-weighted sliding-window prediction, folds averaged.

    Parameters
    ----------
    patch_size
        The configuration's patch size.
    n_classes
        Classes per fold (the network gives ``folds * n_classes`` channels).
    folds
        Folds in the network's output.
    mirror_axes
        Axes (0-based, spatial) whose mirror images are also predicted and averaged in
        (test-time augmentation; every combination, as nnU-Net), or ``None``.
    tile_step_size
        Window step as a fraction of the patch (nnU-Net's default 0.5).
    accumulate
        ``float16`` (as nnU-Net 2.8.1 does) or ``float32``.
    """

    def __init__(self, patch_size: Sequence[int], n_classes: int, folds: int = 1,
                 mirror_axes: Sequence[int] | None = None, tile_step_size: float = 0.5,
                 accumulate: str = "float16") -> None:
        self.patch_size = tuple(int(p) for p in patch_size)
        self.n_classes, self.folds = int(n_classes), int(folds)
        self.mirror_axes = tuple(int(a) for a in mirror_axes) if mirror_axes else ()
        self.tile_step_size = float(tile_step_size)
        self.dtype = torch.float16 if accumulate == "float16" else torch.float32

    def _predict(self, window: torch.Tensor, network) -> torch.Tensor:
        prediction = network(window)
        combinations = [c for n in range(len(self.mirror_axes))
                        for c in itertools.combinations([a + 2 for a in self.mirror_axes], n + 1)]
        for axes in combinations:
            prediction += torch.flip(network(torch.flip(window, axes)), axes)
        if combinations:
            prediction /= len(combinations) + 1
        return prediction

    def __call__(self, inputs: torch.Tensor, network) -> torch.Tensor:
        """``[1, C, a, b, c]`` preprocessed input -> ``[1, n_classes, a, b, c]`` scores (float16 or float32)."""
        data = torch.as_tensor(inputs)[0]
        if isinstance(data, MetaTensor):
            data = data.as_tensor()
        shape = tuple(data.shape[1:])
        if len(shape) != len(self.patch_size):
            raise ValueError(f"the input has {len(shape)} spatial axes, the patch {len(self.patch_size)}")
        padded = tuple(max(s, p) for s, p in zip(shape, self.patch_size, strict=True))
        below = [(p - s) // 2 for s, p in zip(shape, padded, strict=True)]
        if padded != shape:
            pads = [v for b, s, p in reversed(list(zip(below, shape, padded, strict=True)))
                    for v in (b, p - s - b)]
            data = torch.nn.functional.pad(data, pads, "constant", 0.0)
        weights = resampling.gaussian(self.patch_size).to(self.dtype)
        sums = [torch.zeros((self.n_classes, *padded), dtype=self.dtype) for _ in range(self.folds)]
        counts = torch.zeros(padded, dtype=self.dtype)
        for start in itertools.product(*resampling.steps(padded, self.patch_size, self.tile_step_size)):
            window = tuple(slice(s, s + p) for s, p in zip(start, self.patch_size, strict=True))
            prediction = self._predict(data[(slice(None), *window)][None].contiguous(), network)[0].to("cpu")
            for fold in range(self.folds):
                part = prediction[fold * self.n_classes:(fold + 1) * self.n_classes]
                part *= weights
                sums[fold][(slice(None), *window)] += part
            counts[window] += weights
        total = None
        for fold_sum in sums:
            torch.div(fold_sum, counts, out=fold_sum)
            total = fold_sum if total is None else total.add_(fold_sum)
        if self.folds > 1:
            total /= self.folds
        inside = tuple(slice(b, b + s) for b, s in zip(below, shape, strict=True))
        return total[(slice(None), *inside)][None]


# --------------------------------------------------------------------------- the way back
class NnUNetRestored(MapTransform):
    """Class scores on nnU-Net's grid -> labels ``[1, x, y, z]`` on the volume's grid, with its affine.

    Parameters
    ----------
    keys
        The prediction key.
    image_key
        The key :class:`NnUNetPreprocessd` worked on (its way back is under ``<image_key>_nnunet``).
    force_separate_z, order, order_z
        The plans' resampling of class scores.
    accumulate
        The type the scores are resampled into: ``float16`` as nnU-Net 2.8.1 (its sliding windows
        give float16 scores, and it resamples into their type), or ``float32``.
    """

    def __init__(self, keys, image_key: str = "image", force_separate_z: bool | None = None, order: int = 1,
                 order_z: int = 0, accumulate: str = "float16", allow_missing_keys: bool = False) -> None:
        super().__init__(keys, allow_missing_keys)
        self.image_key, self.force_separate_z = image_key, force_separate_z
        self.order, self.order_z = order, order_z
        self.dtype = np.float16 if accumulate == "float16" else np.float32

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:  # noqa: D102
        out = dict(data)
        geometry = out.get(f"{self.image_key}{GEOMETRY_SUFFIX}")
        if geometry is None:
            raise ValueError(f"no {self.image_key}{GEOMETRY_SUFFIX}: NnUNetPreprocessd did not run on "
                             f"{self.image_key!r}")
        for key in self.key_iterator(out):
            out[key] = self.restore(out[key], geometry)
        return out

    def restore(self, scores: torch.Tensor, geometry: dict[str, Any]) -> MetaTensor:
        """Labels ``[1, x, y, z]`` (uint8, or int16 beyond 255 classes) on the volume's grid."""
        logits = torch.as_tensor(scores).detach().to("cpu")
        if isinstance(logits, MetaTensor):
            logits = logits.as_tensor()
        logits = logits.numpy().astype(self.dtype, copy=False)  # the engine hands float16 scores on as float32
        target = geometry["shape_after_cropping"]
        axis = resampling.separate_axis(geometry["target_spacing"], geometry["spacing"], self.force_separate_z)
        logits = resampling.resample(logits, target, self.order, axis, self.order_z)
        segmentation = logits.argmax(0)
        labels = np.zeros(geometry["shape_before_cropping"],
                          dtype=np.uint8 if logits.shape[0] <= 256 else np.int16)
        labels[tuple(slice(a, b) for a, b in geometry["box"])] = segmentation
        labels = np.ascontiguousarray(_invert(labels, geometry["operations"]))
        affine = geometry["affine"]
        return MetaTensor(torch.from_numpy(labels)[None], affine=affine)

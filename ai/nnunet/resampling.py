"""nnU-Net's resampling, Gaussian importance map and sliding-window steps, in numpy and torch.

nnU-Net resamples images with cubic B-splines (order 3) and class scores with linear
interpolation (order 1), each the value at ``(out + 0.5) * in / out - 0.5`` of the input with
its edge values repeated outwards, and clipped to the input's range; where the spacing is
anisotropic (largest over smallest above 3) the low-resolution axis is resampled apart, by
nearest neighbour. Each axis is resampled here by a matrix: the B-spline interpolant's
coefficients solve a tridiagonal system (whole-sample mirror boundary) on the signal padded by
12 edge values, as the published description of spline interpolation (Unser, IEEE Signal
Processing Magazine 16(6):22-38, 1999, doi:10.1109/79.799930) and the interpolation library
nnU-Net calls define it, so no interpolation library is needed at run time.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

#: nnU-Net's anisotropy threshold: largest over smallest spacing above this resamples an axis apart.
ANISOTROPY = 3.0
_PAD = 12


def _cubic(t: np.ndarray) -> np.ndarray:
    t = np.abs(t)
    return np.where(t < 1, 2.0 / 3.0 - t * t + t ** 3 / 2.0, np.where(t < 2, (2.0 - t) ** 3 / 6.0, 0.0))


@lru_cache(maxsize=32)
def axis_matrix(n_in: int, n_out: int, order: int) -> np.ndarray:
    """The ``[n_out, n_in]`` float64 matrix that resamples one axis (order 0, 1 or 3).

    Parameters
    ----------
    n_in, n_out
        Input and output lengths.
    order
        0 (nearest, rounding half up), 1 (linear) or 3 (cubic B-spline).
    """
    x = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    rows = np.arange(n_out)
    matrix = np.zeros((n_out, n_in))
    if order == 0:
        matrix[rows, np.clip(np.floor(x + 0.5).astype(int), 0, n_in - 1)] = 1.0
        return matrix
    if order == 1:
        x = np.clip(x, 0, n_in - 1)
        low = np.floor(x).astype(int)
        high = np.minimum(low + 1, n_in - 1)
        np.add.at(matrix, (rows, low), 1.0 - (x - low))
        np.add.at(matrix, (rows, high), x - low)
        return matrix
    if order != 3:
        raise ValueError(f"order {order} is not 0, 1 or 3")
    size = n_in + 2 * _PAD
    if size < 2:
        return np.ones((n_out, n_in))
    edge = np.zeros((size, n_in))
    edge[np.arange(size), np.clip(np.arange(size) - _PAD, 0, n_in - 1)] = 1.0
    sampled = np.zeros((size, size))  # the B-spline's values at the knots, mirror boundary
    for i in range(size):
        sampled[i, i] += 4.0 / 6.0
        for j in (i - 1, i + 1):
            j = -j if j < 0 else (2 * (size - 1) - j if j >= size else j)
            sampled[i, j] += 1.0 / 6.0
    coefficients = np.linalg.solve(sampled, edge)
    x = x + _PAD
    weights = np.zeros((n_out, size))
    first = np.floor(x).astype(int) - 1
    for k in range(4):
        j = first + k
        inside = (j >= 0) & (j < size)
        np.add.at(weights, (rows[inside], j[inside]), _cubic(x[inside] - j[inside]))
    return weights @ coefficients


def _along(array: torch.Tensor, matrix: np.ndarray, axis: int) -> torch.Tensor:
    moved = array.movedim(axis, -1)
    return (moved @ torch.from_numpy(matrix.T)).movedim(-1, axis)


def separate_axis(current: list[float], new: list[float], force: bool | None) -> int | None:
    """The axis nnU-Net resamples apart (``None`` for none), from the two spacings and the plans' flag."""
    def lowres(spacing: list[float]) -> int | None:
        axes = np.where(max(spacing) / np.asarray(spacing, dtype=float) == 1)[0]
        return int(axes[0]) if len(axes) == 1 else None

    if force is not None:
        return lowres(current) if force else None
    for spacing in (current, new):
        if max(spacing) / min(spacing) > ANISOTROPY:
            return lowres(spacing)
    return None


def resample(data: np.ndarray, shape: tuple[int, ...], order: int, axis: int | None, order_z: int = 0,
             out_dtype: type | None = None) -> np.ndarray:
    """Resample ``[C, *spatial]`` to ``shape`` as nnU-Net does (float64 inside, clipped per channel).

    Parameters
    ----------
    data
        The channels.
    shape
        The spatial shape wanted.
    order
        The order in-plane (3 for images, 1 for class scores).
    axis
        The axis resampled apart with ``order_z`` (each plane across it is clipped to its own
        range), or ``None``.
    out_dtype
        The result's type (default ``data``'s).
    """
    out_dtype = out_dtype or data.dtype
    if tuple(data.shape[1:]) == tuple(shape):
        return data
    result = np.zeros((data.shape[0], *shape), dtype=out_dtype)
    for channel in range(data.shape[0]):
        values = torch.from_numpy(np.asarray(data[channel], dtype=np.float64))
        planes = [a for a in range(values.ndim) if a != axis]
        resized = values
        for a in planes:
            resized = _along(resized, axis_matrix(values.shape[a], shape[a], order), a)
        if axis is None:
            low, high = values.min(), values.max()
        else:  # each plane is resized and clipped on its own
            reduce = tuple(planes)
            low, high = values.amin(dim=reduce, keepdim=True), values.amax(dim=reduce, keepdim=True)
        resized = torch.minimum(torch.maximum(resized, low), high)
        if axis is not None and values.shape[axis] != shape[axis]:
            resized = _along(resized, axis_matrix(values.shape[axis], shape[axis], order_z), axis)
        result[channel] = resized.numpy()
    return result


def new_shape(shape: tuple[int, ...], spacing: list[float], target: list[float]) -> tuple[int, ...]:
    """nnU-Net's shape after resampling: ``round(spacing / target * shape)`` per axis."""
    return tuple(int(round(s / t * n)) for s, t, n in zip(spacing, target, shape, strict=True))


@lru_cache(maxsize=4)
def gaussian(patch: tuple[int, ...]) -> torch.Tensor:
    """nnU-Net's float16 importance map: a Gaussian of sigma patch/8 at ``patch // 2``, peak 10.

    Each axis's kernel is the normalised Gaussian truncated at four sigmas; zeros become the
    smallest value.
    """
    weights = np.ones(())
    for size in patch:
        sigma = size / 8.0
        radius = int(4.0 * sigma + 0.5)
        offsets = np.arange(-radius, radius + 1)
        kernel = np.exp(-0.5 / sigma ** 2 * offsets.astype(np.float64) ** 2)
        kernel /= kernel.sum()
        line = np.zeros(size)
        positions = offsets + size // 2
        inside = (positions >= 0) & (positions < size)
        line[positions[inside]] = kernel[inside]
        weights = np.multiply.outer(weights, line)
    weights = weights / (weights.max() / 10.0)
    half = torch.from_numpy(weights).to(torch.float16)
    zero = half == 0
    if zero.any():
        half[zero] = half[~zero].min()
    return half


def steps(image: tuple[int, ...], patch: tuple[int, ...], step: float = 0.5) -> list[list[int]]:
    """nnU-Net's window starts per axis: evenly spread, at most ``step * patch`` apart, covering the image."""
    starts = []
    for size, tile in zip(image, patch, strict=True):
        count = int(math.ceil((size - tile) / (tile * step))) + 1
        gap = (size - tile) / (count - 1) if count > 1 else 0.0
        starts.append([int(np.round(gap * i)) for i in range(count)])
    return starts

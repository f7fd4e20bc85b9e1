"""The U-Nets that nnU-Net v2 plans describe, written from the published description.

nnU-Net (Isensee et al., Nature Methods 18:203-211, 2021, doi:10.1038/s41592-020-01008-z) trains
one of two encoder-decoder networks, configured entirely by its plans (number of stages,
channels per stage, kernel sizes, strides, convolutions per stage):

``PlainConvUNet``
    each encoder stage is a stack of convolution - instance norm - leaky ReLU units, the first
    strided; each decoder stage upsamples with a transposed convolution (kernel = stride),
    concatenates the skip connection and applies a stack of the same units; a 1x1 convolution
    gives the class scores.
``ResidualEncoderUNet`` (Isensee et al., MICCAI 2024, doi:10.1007/978-3-031-72114-4_47)
    a stem unit, then stages of residual blocks (two units, the second without activation; a
    skip path of average pooling and a 1x1 convolution with norm where the shape changes),
    with the same decoder.

The module names are those under which nnU-Net saves its ``network_weights``, so a published
checkpoint's tensors load by name. nnU-Net's modules are also reachable under a second name
(each unit's ``all_modules`` sequence and the decoder's reference to the encoder), and its
state dicts list every tensor under both; :meth:`NnUNetEnsemble.load_nnunet_weights` accepts
such a state dict, checks that the duplicates equal the originals and keeps one copy.
"""

from __future__ import annotations

import re

import torch
from torch import nn

#: The architectures nnU-Net's plans may name (short class names).
ARCHITECTURES = ("PlainConvUNet", "ResidualEncoderUNet")
#: nnU-Net's duplicate spellings of a tensor -> the spelling this module keeps.
_ALIASES = ((re.compile(r"^decoder\.encoder\."), "encoder."),
            (re.compile(r"\.all_modules\.0\."), ".conv."),
            (re.compile(r"\.all_modules\.1\."), ".norm."))


def _convolution(dims: int) -> type[nn.Module]:
    return nn.Conv3d if dims == 3 else nn.Conv2d


class ConvNormActivation(nn.Module):
    """Convolution (``padding = kernel // 2``), instance norm (affine, eps 1e-5), leaky ReLU (0.01)."""

    def __init__(self, dims: int, in_channels: int, out_channels: int, kernel: list[int], stride: list[int],
                 bias: bool, activation: bool = True) -> None:
        super().__init__()
        self.conv = _convolution(dims)(in_channels, out_channels, tuple(kernel), tuple(stride),
                                       padding=tuple((k - 1) // 2 for k in kernel), bias=bias)
        self.norm = (nn.InstanceNorm3d if dims == 3 else nn.InstanceNorm2d)(out_channels, eps=1e-5, affine=True)
        self.nonlin = nn.LeakyReLU(0.01, inplace=True) if activation else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        x = self.norm(self.conv(x))
        return self.nonlin(x) if self.nonlin is not None else x


def _chain(unit: type[nn.Module], dims: int, count: int, in_channels: int, out_channels: int, kernel: list[int],
           stride: list[int], bias: bool) -> nn.Sequential:
    """``count`` units in a row; the first takes ``in_channels`` and ``stride``."""
    return nn.Sequential(*(unit(dims, in_channels if i == 0 else out_channels, out_channels, kernel,
                                stride if i == 0 else [1] * dims, bias) for i in range(count)))


class ConvStack(nn.Module):
    """``count`` convolution units (:func:`_chain`), under nnU-Net's name ``convs``."""

    def __init__(self, dims: int, count: int, in_channels: int, out_channels: int, kernel: list[int],
                 stride: list[int], bias: bool) -> None:
        super().__init__()
        self.convs = _chain(ConvNormActivation, dims, count, in_channels, out_channels, kernel, stride, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.convs(x)


class ResidualBlock(nn.Module):
    """Two units (the second without activation) plus a skip path, then leaky ReLU.

    The skip path is the identity, or (where the stride or channels change) average pooling by
    the stride followed by a 1x1 convolution without bias and instance norm.
    """

    def __init__(self, dims: int, in_channels: int, out_channels: int, kernel: list[int], stride: list[int],
                 bias: bool) -> None:
        super().__init__()
        self.conv1 = ConvNormActivation(dims, in_channels, out_channels, kernel, stride, bias)
        self.conv2 = ConvNormActivation(dims, out_channels, out_channels, kernel, [1] * dims, bias,
                                        activation=False)
        self.nonlin2 = nn.LeakyReLU(0.01, inplace=True)
        strided = any(s != 1 for s in stride)
        if strided or in_channels != out_channels:
            pool = (nn.AvgPool3d if dims == 3 else nn.AvgPool2d)(tuple(stride), tuple(stride)) if strided \
                else nn.Identity()
            self.skip = nn.Sequential(pool, ConvNormActivation(dims, in_channels, out_channels, [1] * dims,
                                                               [1] * dims, False, activation=False))
        else:
            self.skip = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.nonlin2(self.conv2(self.conv1(x)) + self.skip(x))


class ResidualStack(nn.Module):
    """``count`` residual blocks (:func:`_chain`), under nnU-Net's name ``blocks``."""

    def __init__(self, dims: int, count: int, in_channels: int, out_channels: int, kernel: list[int],
                 stride: list[int], bias: bool) -> None:
        super().__init__()
        self.blocks = _chain(ResidualBlock, dims, count, in_channels, out_channels, kernel, stride, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.blocks(x)


class Encoder(nn.Module):
    """The encoder: returns every stage's output (the skip connections), deepest last."""

    def __init__(self, architecture: str, dims: int, in_channels: int, features: list[int],
                 kernel_sizes: list[list[int]], strides: list[list[int]], n_blocks: list[int], bias: bool) -> None:
        super().__init__()
        residual = architecture == "ResidualEncoderUNet"
        if residual:
            self.stem = ConvStack(dims, 1, in_channels, features[0], kernel_sizes[0], [1] * dims, bias)
            in_channels = features[0]
        stages = []
        for stage, (channels, kernel, stride, count) in enumerate(zip(features, kernel_sizes, strides, n_blocks,
                                                                      strict=True)):
            previous = in_channels if stage == 0 else features[stage - 1]
            if residual:
                stages.append(ResidualStack(dims, count, previous, channels, kernel, stride, bias))
            else:
                stages.append(nn.Sequential(ConvStack(dims, count, previous, channels, kernel, stride, bias)))
        self.stages = nn.Sequential(*stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:  # noqa: D102
        if hasattr(self, "stem"):
            x = self.stem(x)
        skips = []
        for stage in self.stages:
            x = stage(x)
            skips.append(x)
        return skips


class Decoder(nn.Module):
    """Transposed convolution, concatenation with the skip, a stack of units, per stage; scores last."""

    def __init__(self, dims: int, n_classes: int, features: list[int], kernel_sizes: list[list[int]],
                 strides: list[list[int]], n_conv: list[int], bias: bool) -> None:
        super().__init__()
        transposed = nn.ConvTranspose3d if dims == 3 else nn.ConvTranspose2d
        self.transpconvs = nn.ModuleList()
        self.stages = nn.ModuleList()
        self.seg_layers = nn.ModuleList()
        for step in range(1, len(features)):
            deeper, here = features[-step], features[-(step + 1)]
            stride = tuple(strides[-step])
            self.transpconvs.append(transposed(deeper, here, stride, stride, bias=bias))
            self.stages.append(ConvStack(dims, n_conv[step - 1], 2 * here, here, kernel_sizes[-(step + 1)],
                                         [1] * dims, bias))
            self.seg_layers.append(_convolution(dims)(here, n_classes, 1, 1, 0, bias=True))

    def forward(self, skips: list[torch.Tensor]) -> torch.Tensor:  # noqa: D102
        x = skips[-1]
        for index, (up, stage) in enumerate(zip(self.transpconvs, self.stages, strict=True)):
            x = stage(torch.cat((up(x), skips[-(index + 2)]), 1))
        return self.seg_layers[-1](x)


class NnUNet(nn.Module):
    """One fold's network, as the plans' ``architecture`` describes it (inference only).

    Parameters
    ----------
    architecture
        ``PlainConvUNet`` or ``ResidualEncoderUNet``.
    dims
        2 or 3.
    in_channels, n_classes
        Input channels; output classes (background included).
    features
        Channels per stage.
    kernel_sizes, strides
        Per stage, one number per spatial axis.
    n_blocks
        Convolutions (plain) or residual blocks (residual encoder) per encoder stage.
    n_conv_decoder
        Convolutions per decoder stage (one fewer stage than the encoder).
    bias
        Whether the convolutions have a bias (the plans' ``conv_bias``).
    """

    def __init__(self, architecture: str, dims: int, in_channels: int, n_classes: int, features: list[int],
                 kernel_sizes: list[list[int]], strides: list[list[int]], n_blocks: list[int],
                 n_conv_decoder: list[int], bias: bool = True) -> None:
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise ValueError(f"architecture {architecture!r} is not one of {', '.join(ARCHITECTURES)}")
        stages = len(features)
        if not (len(kernel_sizes) == len(strides) == len(n_blocks) == stages and len(n_conv_decoder) == stages - 1
                and stages >= 2):
            raise ValueError("features, kernel_sizes, strides and n_blocks need one entry per stage, "
                             "n_conv_decoder one fewer")
        self.encoder = Encoder(architecture, dims, in_channels, features, kernel_sizes, strides, n_blocks, bias)
        self.decoder = Decoder(dims, n_classes, features, kernel_sizes, strides, n_conv_decoder, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.decoder(self.encoder(x))


class NnUNetEnsemble(nn.Module):
    """Several folds of the same network; the output holds each fold's scores, one after another.

    ``forward`` returns ``[B, folds * n_classes, ...]``: fold ``f``'s class scores are channels
    ``f * n_classes`` to ``(f + 1) * n_classes - 1``. :class:`ai.nnunet.NnUNetSlidingWindowInferer`
    accumulates each fold on its own and averages them as nnU-Net does. The weights of fold ``f``
    are under ``folds.<f>.``. Arguments as :class:`NnUNet`, plus ``folds``.
    """

    def __init__(self, architecture: str, dims: int, in_channels: int, n_classes: int, features: list[int],
                 kernel_sizes: list[list[int]], strides: list[list[int]], n_blocks: list[int],
                 n_conv_decoder: list[int], bias: bool = True, folds: int = 1) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.folds = nn.ModuleList(
            NnUNet(architecture, dims, in_channels, n_classes, features, kernel_sizes, strides, n_blocks,
                   n_conv_decoder, bias) for _ in range(folds))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return torch.cat([fold(x) for fold in self.folds], 1)

    def load_nnunet_weights(self, fold: int, weights: dict[str, torch.Tensor]) -> None:
        """Load nnU-Net's ``network_weights`` of one fold (duplicate spellings checked, then dropped).

        Raises
        ------
        ValueError
            A duplicate differs from its original, a tensor is missing, left over or of the wrong
            shape; the message names the key.
        """
        kept: dict[str, torch.Tensor] = {}
        duplicates: list[tuple[str, str, torch.Tensor]] = []
        for key, tensor in weights.items():
            if not isinstance(key, str) or not isinstance(tensor, torch.Tensor):
                raise ValueError(f"network_weights holds {type(tensor).__name__} under {key!r}, not a tensor")
            canonical = key
            for pattern, replacement in _ALIASES:
                canonical = pattern.sub(replacement, canonical)
            if canonical == key:
                kept[key] = tensor
            else:
                duplicates.append((key, canonical, tensor))
        for key, canonical, tensor in duplicates:
            original = kept.get(canonical)
            if original is None or original.shape != tensor.shape or not torch.equal(original, tensor):
                raise ValueError(f"network_weights: {key!r} differs from {canonical!r}")
        target = self.folds[fold]
        expected = target.state_dict()
        for key in sorted(set(expected) ^ set(kept)):
            where = "missing" if key in expected else "not in the network the plans describe"
            raise ValueError(f"network_weights: {key!r} is {where}")
        for key, tensor in kept.items():
            if tuple(tensor.shape) != tuple(expected[key].shape):
                raise ValueError(f"network_weights: {key!r} has shape {tuple(tensor.shape)}, the plans give "
                                 f"{tuple(expected[key].shape)}")
        target.load_state_dict({k: v.to(torch.float32) for k, v in kept.items()}, strict=True)

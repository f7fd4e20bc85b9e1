"""MeshNet (Fedorov et al., 2017): dilated 3-D convolutions, no down-sampling.

Two layouts match the published brainchop weights: ``flat`` (conv, activation,
conv, ...; keys ``model.<i>.weight``) and ``blocks`` (each block a conv without
bias, a parameter-free GroupNorm and an activation; keys ``model.<i>.0.weight``).
"""

from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "gelu": nn.GELU}


class MeshNet(nn.Module):
    """A MeshNet segmentation network.

    Parameters
    ----------
    in_channels
        Input channels (1 for a T1 image).
    n_classes
        Output channels (labels, background included).
    channels
        Feature channels of every dilated layer.
    dilations
        Dilation (and padding) of each 3x3x3 layer, in order.
    activation
        ``relu``, ``elu`` or ``gelu``.
    layout
        ``flat`` or ``blocks`` (see the module docstring).
    bias
        Whether the dilated convolutions have biases (``flat`` only).
    slab
        Apply the final 1x1x1 layer in slabs of this many slices (0: at once).
        The last layer of a many-class model on a whole 256^3 volume needs
        gigabytes at once and was seen to crash the CPU build; a 1x1x1
        convolution is point-wise, so slabs give the same result.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 3, channels: int = 5,
                 dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 8, 4, 2, 1), activation: str = "relu",
                 layout: str = "flat", bias: bool = True, slab: int = 32) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, not {activation!r}")
        if layout not in ("flat", "blocks"):
            raise ValueError(f"layout must be 'flat' or 'blocks', not {layout!r}")
        self.slab = slab
        layers: list[nn.Module] = []
        previous = in_channels
        for dilation in dilations:
            conv = nn.Conv3d(previous, channels, kernel_size=3, padding=dilation, dilation=dilation,
                             bias=bias and layout == "flat")
            if layout == "flat":
                layers += [conv, ACTIVATIONS[activation]()]
            else:
                layers.append(nn.Sequential(conv, nn.GroupNorm(channels, channels, affine=False),
                                            ACTIVATIONS[activation]()))
            previous = channels
        layers.append(nn.Conv3d(previous, n_classes, kernel_size=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        features = self.model[:-1](x)
        last = self.model[-1]
        depth = features.shape[2]
        if not self.slab or depth <= self.slab:
            return last(features)
        return torch.cat([last(features[:, :, start:start + self.slab])
                          for start in range(0, depth, self.slab)], dim=2)

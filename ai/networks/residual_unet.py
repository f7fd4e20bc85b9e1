"""The residual U-Net baseline of HybridGNet (Gaggion et al., MICCAI 2021), for chest X-rays.

Written from the layer specification (the authors' code is GPL-3.0 and not
copied). Its BatchNorm layers keep no running statistics, so they normalise
with the statistics of the image at hand, also in evaluation.
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with pre-activation BatchNorm and a residual path."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.BatchNorm2d(in_channels, track_running_stats=False), nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 3, padding=1),
            nn.BatchNorm2d(out_channels, track_running_stats=False), nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
        )
        self.skip = (nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, bias=False),
                                   nn.BatchNorm2d(out_channels, track_running_stats=False))
                     if in_channels != out_channels else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return torch.relu(self.block(x) + self.skip(x))


class ResidualUNet(nn.Module):
    """Four-level residual U-Net.

    Parameters
    ----------
    in_channels
        Input channels (1 for a radiograph).
    n_classes
        Output logits (4: background, lungs, heart, clavicles).
    base
        Width multiplier: level widths are ``2 * base`` times 1, 2, 4, 8.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 4, base: int = 4) -> None:
        super().__init__()
        w1, w2, w3, w4 = (2 * base * f for f in (1, 2, 4, 8))
        self.dconv_down1 = ResidualBlock(in_channels, w1)
        self.dconv_down2 = ResidualBlock(w1, w2)
        self.dconv_down3 = ResidualBlock(w2, w3)
        self.dconv_down4 = ResidualBlock(w3, w4)
        self.bottleneck = ResidualBlock(w4, w4)
        self.maxpool = nn.MaxPool2d(2)
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.dconv_up4 = ResidualBlock(w4 + w4, w4)
        self.dconv_up3 = ResidualBlock(w4 + w3, w3)
        self.dconv_up2 = ResidualBlock(w3 + w2, w2)
        self.dconv_up1 = ResidualBlock(w2 + w1, w1)
        self.conv_last = nn.Conv2d(w1, n_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        skips = []
        for down in (self.dconv_down1, self.dconv_down2, self.dconv_down3, self.dconv_down4):
            x = down(x)
            skips.append(x)
            x = self.maxpool(x)
        x = self.bottleneck(x)
        for up, skip in zip((self.dconv_up4, self.dconv_up3, self.dconv_up2, self.dconv_up1),
                            reversed(skips), strict=True):
            x = up(torch.cat([self.upsample(x), skip], dim=1))
        return self.conv_last(x)

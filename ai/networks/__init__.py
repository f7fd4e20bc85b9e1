"""Network definitions written by the project, for weights published as state dicts.

torchvision does not import against the pinned CPU torch, so the architectures
whose weights Outpost uses are defined here from their published layer specs.
Packs name them in ``network_def`` as ``ai.networks.<Name>``.
"""

from ai.networks.meshnet import MeshNet
from ai.networks.residual_unet import ResidualUNet
from ai.networks.squeezenet import SqueezeNet11

__all__ = ["MeshNet", "ResidualUNet", "SqueezeNet11"]

"""nnU-Net v2 trained models run natively: its networks, preprocessing, sliding windows and way back.

No part of nnU-Net is needed at run time; :mod:`ai.importers.nnunet` turns a trained-model
folder into a pack whose ``configs/inference.json`` names the classes below.
"""

from ai.nnunet.network import NnUNetEnsemble
from ai.nnunet.pipeline import NnUNetPreprocessd, NnUNetRestored, NnUNetSlidingWindowInferer

__all__ = ["NnUNetEnsemble", "NnUNetPreprocessd", "NnUNetRestored", "NnUNetSlidingWindowInferer"]

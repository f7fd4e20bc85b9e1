"""A synthetic abdominal-thoracic CT phantom with organs at realistic HU and noise.

The phantom is the built-in default study of ``outpost demo`` and the training
data of the demo model. It is plainly synthetic: ellipsoids, not anatomy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from viewer.core.volume import Volume

#: Label values and names of the phantom's structures.
LABELS = {1: "liver", 2: "spleen", 3: "left kidney", 4: "right kidney", 5: "lungs", 6: "spine"}

#: Mean HU of each tissue (soft-tissue values from typical contrast-enhanced CT).
HU = {"air": -1000, "fat": -100, "muscle": 45, "soft_tissue": 10, "liver": 65, "spleen": 50,
      "kidney": 160,
      "lung": -850, "cortical_bone": 900, "cancellous_bone": 250}


@dataclass
class Phantom:
    """A phantom volume in HU and its label map on the same grid."""

    volume: Volume
    labels: np.ndarray
    label_names: dict[int, str]


def _ellipsoid(grid, centre, radii) -> np.ndarray:
    z, y, x = grid
    return (((x - centre[0]) / radii[0]) ** 2 + ((y - centre[1]) / radii[1]) ** 2
            + ((z - centre[2]) / radii[2]) ** 2) <= 1.0


def make_phantom(shape: tuple[int, int, int] = (64, 192, 192),
                 spacing: tuple[float, float, float] = (2.0, 2.0, 3.0),
                 seed: int = 0, noise_hu: float = 15.0) -> Phantom:
    """Build a phantom.

    Parameters
    ----------
    shape
        ``(z, y, x)`` voxels.
    spacing
        ``(x, y, z)`` millimetres.
    seed
        Varies organ sizes, positions and the noise; the same seed gives the
        same phantom.
    noise_hu
        Standard deviation of the Gaussian noise, in HU.

    Returns
    -------
    Phantom
        A CT volume (LPS, head-first supine, axial) and its labels.
    """
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    sx, sy, sz = spacing
    # Millimetre coordinates centred on the field of view: +x patient left, +y posterior, +z head.
    z = (np.arange(nz) - (nz - 1) / 2) * sz
    y = (np.arange(ny) - (ny - 1) / 2) * sy
    x = (np.arange(nx) - (nx - 1) / 2) * sx
    grid = np.meshgrid(z, y, x, indexing="ij")
    jitter = lambda scale: rng.normal(0.0, scale)  # noqa: E731 - tiny local helper
    size = lambda base: base * (1.0 + rng.normal(0.0, 0.06))  # noqa: E731

    hu = np.full(shape, HU["air"], dtype=np.float32)
    labels = np.zeros(shape, dtype=np.uint8)
    half_width, half_depth = size(0.42 * nx * sx), size(0.30 * ny * sy)
    body = _ellipsoid(grid, (0, 0, 0), (half_width, half_depth, 1e6))
    inner = _ellipsoid(grid, (0, 0, 0), (half_width - 12, half_depth - 12, 1e6))
    hu[body] = HU["fat"]
    hu[inner] = HU["muscle"]
    cavity = _ellipsoid(grid, (0, 0, 0), (half_width - 22, half_depth - 20, 1e6))
    hu[cavity] = HU["soft_tissue"]

    top, length = z.max(), z.max() - z.min()
    lung_height = 0.55 * length
    for side in (-1, 1):
        dome = top - 0.38 * length + jitter(3)  # the lung base rises towards the diaphragm
        lung = _ellipsoid(grid, (side * size(0.45 * half_width) + jitter(3), jitter(3),
                                 dome + lung_height), (size(0.36 * half_width),
                                                       size(0.72 * half_depth), lung_height))
        lung &= cavity
        hu[lung] = HU["lung"]
        labels[lung] = 5

    bottom = z.min()
    organs = [  # label, HU key, centre (x, y, z) and radii in mm
        (1, "liver", (-0.42 * half_width + jitter(4), -0.1 * half_depth + jitter(3),
                      bottom + 0.55 * length + jitter(3)),
         (size(0.48 * half_width), size(0.7 * half_depth), size(0.2 * length))),
        (2, "spleen", (0.58 * half_width + jitter(3), 0.3 * half_depth + jitter(3),
                       bottom + 0.55 * length + jitter(3)),
         (size(0.17 * half_width), size(0.3 * half_depth), size(0.12 * length))),
        (3, "kidney", (0.35 * half_width + jitter(3), 0.5 * half_depth + jitter(2),
                       bottom + 0.28 * length + jitter(3)),
         (size(0.13 * half_width), size(0.22 * half_depth), size(0.14 * length))),
        (4, "kidney", (-0.35 * half_width + jitter(3), 0.5 * half_depth + jitter(2),
                       bottom + 0.25 * length + jitter(3)),
         (size(0.13 * half_width), size(0.22 * half_depth), size(0.14 * length))),
    ]
    for label, tissue, centre, radii in organs:
        organ = _ellipsoid(grid, centre, radii) & cavity & (labels == 0)
        hu[organ] = HU[tissue]
        labels[organ] = label

    spine_centre = (jitter(1.5), 0.68 * half_depth)
    spine_radius = size(16.0)
    zz, yy, xx = grid
    radius = np.hypot(xx - spine_centre[0], yy - spine_centre[1])
    # Vertebrae: cancellous bodies with a cortical rim, separated by discs every 30 mm.
    disc = (np.mod(zz - z.min(), 30.0) < 5.0)
    spine = (radius <= spine_radius) & ~disc
    hu[spine] = HU["cancellous_bone"]
    hu[spine & (radius > spine_radius - 2.5)] = HU["cortical_bone"]
    hu[(radius <= spine_radius) & disc] = HU["muscle"] + 30
    labels[spine] = 6

    hu += rng.normal(0.0, noise_hu, size=shape).astype(np.float32)
    hu = np.clip(np.round(hu), -1024, 3071).astype(np.int16)
    origin = (x[0], y[0], z[0])
    volume = Volume(array=hu, origin=origin, spacing=spacing, modality="CT",
                    metadata={"body_part": "CHEST"})
    return Phantom(volume=volume, labels=labels, label_names=dict(LABELS))

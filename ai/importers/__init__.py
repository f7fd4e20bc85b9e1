"""Importers: published weight formats in, Outpost model packs out.

:func:`import_pack` dispatches to one module per format; each reads its source as data only
(JSON and JavaScript as text, weights as raw arrays or with ``weights_only=True``), writes
the pack in a temporary folder beside ``out_dir`` and renames it into place when complete
(:func:`ai.importers.writer.staged_pack`), with safetensors weights, ``checksums.sha256``
and the source files' names, SHA-256, authors, licence text and references in
``configs/metadata.json`` (``outpost.source``).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from ai.errors import AIError

#: format -> (module, function)
FORMATS = {
    "brainchop": ("ai.importers.brainchop", "import_brainchop"),
    "torchvision": ("ai.importers.torchvision", "import_torchvision"),
    "monai": ("ai.importers.monai", "import_monai"),
    "nnunet": ("ai.importers.nnunet", "import_nnunet"),
}


def import_pack(format: str, source: str | os.PathLike, out_dir: str | os.PathLike, name: str | None = None,
                **options) -> Path:
    """Convert a published model into a pack at ``out_dir``.

    Parameters
    ----------
    format
        ``brainchop`` (TF.js MeshNet folder), ``torchvision`` (classification state dict),
        ``monai`` (bundle folder) or ``nnunet`` (nnU-Net v2 trained-model folder).
    source
        The file or folder as published.
    out_dir
        The pack folder to create: must not exist, or be empty; nothing is left there on a refusal.
    name
        The pack's name (each importer has a default).
    **options
        The importer's own options (see each module).

    Returns
    -------
    pathlib.Path
        The pack folder.

    Raises
    ------
    AIError
        An unknown format; :class:`~ai.errors.PackRefusedError` (a subclass) when the source
        is refused, with a one-line reason naming the file.
    """
    if format not in FORMATS:
        raise AIError(f"unknown import format {format!r}; one of {', '.join(FORMATS)}")
    module, function = FORMATS[format]
    return getattr(importlib.import_module(module), function)(source, out_dir, name=name, **options)


__all__ = ["FORMATS", "import_pack"]

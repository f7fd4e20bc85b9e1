"""Write ``viewer/core/colormaps.py``: matplotlib's heatmap colour maps as exact 256-entry tables.

Usage: ``python tools/make_colormaps.py`` (matplotlib installed, as in the development
environment). The viewer reads the written module, never matplotlib: importing matplotlib
costs about 0.1-0.2 s and it is no dependency of the viewer (captum, in the AI plugin,
brings it). ``tests/core/test_colormaps.py`` checks that the shipped tables are matplotlib's
and that running this script again would change nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

#: The colour maps a heatmap may use, by matplotlib's names.
NAMES = ("hot", "inferno", "jet", "viridis")
#: Where the tables are written.
TARGET = Path(__file__).resolve().parent.parent / "viewer" / "core" / "colormaps.py"
#: Colours per line of hexadecimal in the written module.
PER_LINE = 16


def tables() -> dict[str, np.ndarray]:
    """Matplotlib's colour maps quantised to 8 bits as matplotlib itself does.

    Returns
    -------
    dict of str to numpy.ndarray
        For every name of :data:`NAMES`, a ``(256, 3)`` ``uint8`` array of RGB.
    """
    import matplotlib

    return {name: np.ascontiguousarray(matplotlib.colormaps[name](np.arange(256), bytes=True)[:, :3])
            for name in NAMES}


def render(maps: dict[str, np.ndarray]) -> str:
    """The source of ``viewer/core/colormaps.py`` holding ``maps``.

    Parameters
    ----------
    maps
        ``(256, 3)`` ``uint8`` RGB tables by name.

    Returns
    -------
    str
        The module's text.
    """
    import matplotlib

    lines = [
        '"""Heatmap colour maps: matplotlib\'s, exact, as 256 RGB colours each.',
        "",
        f"Written by ``tools/make_colormaps.py`` from matplotlib {matplotlib.__version__}; do not edit.",
        "Each table is 768 bytes of hexadecimal, red, green and blue of colour 0 to 255.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import numpy as np",
        "from numpy.typing import NDArray",
        "",
        "_HEX: dict[str, str] = {",
    ]
    for name, table in sorted(maps.items()):
        data = np.asarray(table, dtype=np.uint8).tobytes().hex()
        step = PER_LINE * 6
        lines.append(f'    "{name}": (')
        lines.extend(f'        "{data[i:i + step]}"' for i in range(0, len(data), step))
        lines.append("    ),")
    lines += [
        "}",
        "",
        "",
        "def colormap_tables() -> dict[str, NDArray[np.uint8]]:",
        '    """The colour maps by name.',
        "",
        "    Returns",
        "    -------",
        "    dict of str to numpy.ndarray",
        "        ``(256, 3)`` ``uint8`` RGB tables, read-only.",
        '    """',
        "    return {name: np.frombuffer(bytes.fromhex(text), dtype=np.uint8).reshape(256, 3)",
        "            for name, text in _HEX.items()}",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    """Write the module and say where."""
    TARGET.write_text(render(tables()))
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

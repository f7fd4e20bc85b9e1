"""Plugins used by the tests: one that works and ones that break."""

import numpy as np
from PySide6.QtWidgets import QLabel

from viewer.core.overlays import LabelOverlay


class SamplePlugin:
    """Adds a panel, a menu action, and a label overlay on each series shown."""

    name = "sample"

    def __init__(self) -> None:
        self.context = None
        self.seen = []

    def activate(self, context) -> None:
        self.context = context
        context.add_dock("Sample panel", QLabel("hello from a plugin"))
        context.add_menu_action("Sample", "Mark the middle", self.mark)
        context.on_series_changed(self.seen.append)

    def mark(self) -> None:
        volume = self.context.current_volume()
        labels = np.zeros(volume.shape_zyx, dtype=np.uint8)
        z, y, x = volume.shape_zyx
        labels[:, y // 4: y // 2, x // 4: x // 2] = 1
        self.overlay = LabelOverlay.from_names(labels, {1: "marked"}, colors={1: (255, 0, 0)}, opacity=1.0)
        self.context.add_overlay(self.overlay)


def good():
    return SamplePlugin()


def broken_at_load():
    raise RuntimeError("this plugin needs a library that is missing")


class _Activates:
    name = "explodes"

    def activate(self, context):
        raise ValueError("cannot activate")


def broken_at_activate():
    return _Activates()

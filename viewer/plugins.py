"""The plugin API: discovery, and the plugin protocol (its context: :mod:`viewer.plugin_context`).

A plugin is an object with a ``name`` and an ``activate(context)`` method,
returned by a factory registered in the entry-point group ``outpost.plugins``.
The viewer starts and works with no plugin; a plugin that fails to load or
activate is reported and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Protocol

from viewer.plugin_context import PluginContext

log = logging.getLogger(__name__)

PLUGIN_GROUP = "outpost.plugins"


class ViewerPlugin(Protocol):
    """The object a plugin factory returns."""

    name: str

    def activate(self, context: PluginContext) -> None:
        """Add panels, menus and overlays through ``context``."""


@dataclass
class PluginLoad:
    """The outcome of loading one plugin: the plugin, or why it failed."""

    name: str
    plugin: ViewerPlugin | None = None
    error: str = ""


def discover_plugins(found: Iterable[EntryPoint] | None = None) -> list[PluginLoad]:
    """Load the plugins registered under :data:`PLUGIN_GROUP`.

    Parameters
    ----------
    found
        Entry points to load instead of the installed ones (for tests).

    Returns
    -------
    list of PluginLoad
        One per entry point; failures carry a one-line reason and no plugin.
    """
    loads = []
    for entry_point in (found if found is not None else entry_points(group=PLUGIN_GROUP)):
        try:
            factory = entry_point.load()
            plugin = factory()
            if not callable(getattr(plugin, "activate", None)):
                raise TypeError("the plugin has no activate(context) method")
            loads.append(PluginLoad(entry_point.name, plugin))
        except Exception as e:  # noqa: BLE001 - a broken plugin must never stop the viewer
            log.warning("plugin %s failed to load: %s: %s", entry_point.name, type(e).__name__, e)
            loads.append(PluginLoad(entry_point.name, None, f"{type(e).__name__}: {e}"))
    return loads

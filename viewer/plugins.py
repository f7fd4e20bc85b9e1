"""The plugin API: the narrow surface a plugin may use, and plugin discovery.

A plugin is an object with a ``name`` and an ``activate(context)`` method,
returned by a factory registered in the entry-point group ``outpost.plugins``.
The viewer starts and works with no plugin; a plugin that fails to load or
activate is reported and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol

log = logging.getLogger(__name__)

PLUGIN_GROUP = "outpost.plugins"


class PluginContext(Protocol):
    """What a plugin may reach of the viewer; nothing else is promised.

    The viewer's main window provides it. Widgets passed in are Qt widgets.
    """

    def current_series(self) -> Any | None:
        """The :class:`~viewer.core.dicom.Series` on screen, or ``None``."""

    def current_volume(self) -> Any | None:
        """The :class:`~viewer.core.volume.Volume` on screen, or ``None``."""

    def add_overlay(self, overlay: Any) -> None:
        """Show a :class:`LabelOverlay` or :class:`HeatmapOverlay` on every view."""

    def remove_overlay(self, overlay: Any) -> None:
        """Remove an overlay added before."""

    def add_dock(self, title: str, widget: Any) -> None:
        """Add a dock panel."""

    def add_menu_action(self, menu: str, text: str, callback: Callable[[], None],
                        shortcut: str | None = None) -> Any:
        """Add an action to a top-level menu (created if missing)."""

    def show_status(self, text: str) -> None:
        """Show a message in the status bar."""

    def show_progress(self, done: int, total: int, text: str) -> None:
        """Show progress in the status bar."""

    def run_job(self, function: Callable[..., Any], *args: Any, name: str = "",
                on_result: Callable[[Any], None] | None = None,
                on_error: Callable[[BaseException], None] | None = None, **kwargs: Any) -> Any:
        """Run ``function`` on a worker with progress and cancel; returns the job."""

    def on_series_changed(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(volume)`` whenever another series is shown (it may still be loading)."""

    def on_series_loaded(self, callback: Callable[[Any], None]) -> None:
        """Call ``callback(volume)`` when the series on screen has finished loading."""

    def add_finding(self, algorithm: str, version: str, probabilities: dict[str, float] | None = None,
                    volumes_ml: dict[str, float] | None = None) -> None:
        """Record an algorithm's result on the series shown, for the reader's DICOM SR report."""

    def set_view_note(self, text: str) -> None:
        """Show one line at the top of every view until the series changes ("" removes it)."""

    def go_to_voxel(self, voxel_xyz: Any) -> None:
        """Move every view to the voxel ``(x, y, z)``."""

    def plugin_options(self) -> dict[str, Any]:
        """Options the user gave on the command line for plugins (e.g. ``pack``, ``explain``)."""


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

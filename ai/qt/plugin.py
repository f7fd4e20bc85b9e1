"""The plugin object the viewer activates. Importing this imports no torch, monai or captum."""

from __future__ import annotations


class AIPlugin:
    """Adds the AI panel, its menu and its shortcuts to the viewer.

    Parameters
    ----------
    store
        A :class:`~ai.packs.store.PackStore`; the user's and the bundled one by default.
    """

    name = "AI assistance"

    def __init__(self, store=None) -> None:
        self.store = store
        self.panel = None

    def activate(self, context) -> None:
        """Build the panel and wire it to the viewer through ``context`` only."""
        from ai.qt.qt_ai_panel import AIPanel

        self.panel = AIPanel(context, store=self.store)
        context.add_dock("AI", self.panel)
        context.add_menu_action("AI", "Run model", self.panel.run, "Ctrl+Shift+R")
        context.add_menu_action("AI", "Cancel AI job", self.panel.cancel, "Ctrl+Shift+X")
        context.add_menu_action("AI", "Explain result", self.panel.explain, "Ctrl+Shift+E")
        context.add_menu_action("AI", "Install the selected pack…", self.panel.install_selected)
        context.on_series_changed(self.panel.series_changed)
        context.on_series_loaded(self.panel.series_loaded)


def create() -> AIPlugin:
    """The ``outpost.plugins`` entry point."""
    return AIPlugin()

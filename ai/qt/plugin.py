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
        self.worklist = None
        self.context = None

    def activate(self, context) -> None:
        """Build the panel and wire it to the viewer through ``context`` only."""
        from ai.qt.qt_ai_panel import AIPanel
        from ai.qt.qt_i18n import translate as _tr

        self.panel = AIPanel(context, store=self.store)
        context.add_dock("AI", self.panel)
        # The dock and the menu are named in English (the viewer shows them translated); the actions' texts
        # are given translated.
        context.add_menu_action("AI", _tr("Run model"), self.panel.run, "Ctrl+Shift+R")
        context.add_menu_action("AI", _tr("Cancel AI job"), self.panel.cancel, "Ctrl+Shift+X")
        context.add_menu_action("AI", _tr("Explain result"), self.panel.explain, "Ctrl+Shift+E")
        context.add_menu_action("AI", _tr("Install the selected pack…"), self.panel.install_selected)
        context.add_menu_action("AI", _tr("Open batch worklist…"), self.open_worklist)
        context.on_series_changed(self.panel.series_changed)
        context.on_series_loaded(self.panel.series_loaded)
        self.context = context
        batch = context.plugin_options().get("worklist") if hasattr(context, "plugin_options") else None
        if batch:
            self.open_worklist(batch)

    def open_worklist(self, folder=None) -> None:
        """Show the Worklist dock on the batch in ``folder`` (asked for when ``None``)."""
        from ai.qt.qt_worklist import WorklistPanel, ask_batch_folder

        folder = folder or ask_batch_folder(self.panel)
        if not folder:
            return
        if self.worklist is None:
            self.worklist = WorklistPanel(self.context, self.panel)
            self.context.add_dock("Worklist", self.worklist)
            _under_the_views(self.worklist.parentWidget())
        dock = self.worklist.parentWidget()
        if dock is not None:  # the reader may have closed it
            dock.show()
            dock.raise_()
        self.worklist.open_batch(folder)


def _under_the_views(dock) -> None:
    """Move a dock to the main window's bottom area, a third of its height.

    A worklist is a wide table, cramped in the column of panels beside the views.
    """
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QDockWidget, QMainWindow

    window = dock.parentWidget() if dock is not None else None
    if isinstance(dock, QDockWidget) and isinstance(window, QMainWindow):
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        # Once the window is laid out (at start-up it is not shown yet), give the dock its height.
        QTimer.singleShot(0, dock, lambda: window.resizeDocks([dock], [max(260, window.height() // 3)],
                                                              Qt.Orientation.Vertical))


def create() -> AIPlugin:
    """The ``outpost.plugins`` entry point."""
    return AIPlugin()

"""The plugin context: what a plugin may reach of the viewer, and nothing else.

The main window (:class:`viewer.qt.qt_main_window.QtMainWindow`) provides it; a test checks that
it does, method by method. Images are :class:`~viewer.core.volume.Volume`, overlays
:class:`~viewer.core.overlays.LabelOverlay` or :class:`~viewer.core.overlays.HeatmapOverlay`;
widgets are Qt widgets (typed ``Any`` here: this module imports no Qt).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from viewer.core.dicom.scan import Series
    from viewer.core.overlays import HeatmapOverlay, LabelOverlay
    from viewer.core.volume import Volume

    Overlay = LabelOverlay | HeatmapOverlay


class PluginContext(Protocol):
    """What a plugin may reach of the viewer; nothing else is promised.

    The viewer's main window provides it. Widgets passed in are Qt widgets.
    """

    def current_series(self) -> Series | None:
        """The :class:`~viewer.core.dicom.Series` on screen, or ``None``."""

    def current_volume(self) -> Volume | None:
        """The :class:`~viewer.core.volume.Volume` on screen, or ``None``."""

    def add_overlay(self, overlay: Overlay) -> None:
        """Show a :class:`LabelOverlay` or :class:`HeatmapOverlay` on every view."""

    def remove_overlay(self, overlay: Overlay) -> None:
        """Remove an overlay added before."""

    def set_overlay_provenance(self, overlay: Overlay, provenance: dict[str, Any]) -> None:
        """Say what made an overlay added before: an AI result's ``pack``, ``version``, ``checksum``, ``date``.

        The segment editor records it in what it saves from the overlay.
        """

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

    def on_series_changed(self, callback: Callable[[Volume | None], None]) -> None:
        """Call ``callback(volume)`` whenever another series is shown (it may still be loading)."""

    def on_series_loaded(self, callback: Callable[[Volume], None]) -> None:
        """Call ``callback(volume)`` when the series on screen has finished loading."""

    def add_finding(self, algorithm: str, version: str, probabilities: dict[str, float] | None = None,
                    volumes_ml: dict[str, float] | None = None) -> None:
        """Record an algorithm's result on the series shown, for the reader's DICOM SR report."""

    def set_view_note(self, text: str) -> None:
        """Show one line at the top of every view until the series changes ("" removes it)."""

    def open_paths(self, paths: list[str], series_key: str | None = None) -> Any:
        """Open folders, files, zips or DICOMDIRs as the reader would; returns the background job.

        It shows ``series_key`` (a key of ``outpost scan``) or the newest study's largest series.
        """

    def go_to_voxel(self, voxel_xyz: Sequence[float]) -> None:
        """Move every view to the voxel ``(x, y, z)``."""

    def plugin_options(self) -> dict[str, Any]:
        """Options the user gave on the command line for plugins (e.g. ``pack``, ``explain``)."""

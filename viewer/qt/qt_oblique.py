"""What the View menu's true reformats and turned-crosshair actions do (the model: :mod:`viewer.model.oblique`).

The viewports draw and turn the planes themselves (:class:`viewer.qt.qt_viewport.QtViewport`);
these are the handlers of the table of actions (:mod:`viewer.qt.qt_actions`), given the window.
"""

from __future__ import annotations

from typing import Any

from viewer.core.mpr import VIEWS
from viewer.model.oblique import can_reformat
from viewer.qt.qt_i18n import translate as _tr

#: Degrees one key press turns the crosshair.
TURN_STEP = 5.0


def set_true_reformats(window: Any, checked: bool) -> None:
    """Show the patient's true planes, resampled linearly (``checked``), or the acquired planes."""
    state = window.state
    state.oblique.set_reformat(checked)
    if checked and state.volume is not None and not can_reformat(state.volume):
        window.show_status(_tr("This series has no true reformats (a projection image, a single image or colour)"))
    elif checked:
        window.show_status(_tr("True reformats: the patient's planes, resampled linearly"))


def turn_crosshair(window: Any, degrees: float) -> None:
    """Turn the crosshair in the active view by ``degrees`` (the other two views turn about its normal)."""
    viewport = window.active_viewport
    if viewport.view not in VIEWS or not can_reformat(viewport.state.volume):
        window.show_status(_tr("The crosshair turns on a volume's axial, coronal and sagittal views only"))
        return
    viewport.state.oblique.rotate(viewport.view, degrees)


def reset_crosshair(window: Any) -> None:
    """Undo the turns of the crosshair: the views show the patient's planes again."""
    window.active_viewport.state.oblique.reset()

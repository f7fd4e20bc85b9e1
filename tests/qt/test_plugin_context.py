"""The main window provides the plugin context it promises, method by method."""

from __future__ import annotations

import inspect

from viewer.plugin_context import PluginContext
from viewer.qt.qt_main_window import QtMainWindow


def _promised() -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(PluginContext).items()
            if callable(member) and not name.startswith("_")}


def test_the_context_promises_what_plugins_use():
    assert {"current_volume", "add_overlay", "run_job", "on_series_loaded", "go_to_voxel"} <= set(_promised())


def test_the_main_window_provides_every_promised_method_with_the_same_parameters():
    for name, promised in _promised().items():
        provided = getattr(QtMainWindow, name, None)
        assert callable(provided), f"the main window lacks {name}()"
        got = inspect.signature(provided).parameters
        for parameter in promised.parameters.values():
            assert parameter.name in got, f"{name}() lacks the parameter {parameter.name}"
            assert got[parameter.name].kind == parameter.kind, f"{name}({parameter.name}) is passed differently"
            assert (got[parameter.name].default is inspect.Parameter.empty) == \
                (parameter.default is inspect.Parameter.empty), f"{name}({parameter.name}): default differs"

"""The menus and the shortcuts dialog come from one table: every shortcut works and is listed once."""

from __future__ import annotations

from collections import Counter

from PySide6.QtGui import QKeySequence

from viewer.qt.qt_actions import ACTIONS, shortcut_help


def test_every_action_of_the_table_is_in_the_menus_with_its_shortcut(qtbot, make_window):
    window = make_window()
    for spec in ACTIONS:
        action = window.menu_actions[spec.ident]
        assert action.text() == spec.text and action.isCheckable() == spec.checkable
        if spec.shortcut and spec.shortcut != "Quit":
            assert action.shortcut() == QKeySequence(spec.shortcut), spec.ident
    keys = [spec.shortcut for spec in ACTIONS if spec.shortcut]
    assert [key for key, count in Counter(keys).items() if count > 1] == []  # no key does two things
    listed = {keys for keys, _text in shortcut_help()}
    assert {spec.shortcut for spec in ACTIONS if spec.shortcut and spec.help != ""} <= listed
    # The tools exclude each other; the toggles keep their state.
    window.menu_actions["tool_length"].trigger()
    assert window.menu_actions["tool_length"].isChecked() and not window.menu_actions["tool_window"].isChecked()
    assert window.sync_action.isChecked() and window.mpr_action is window.menu_actions["mpr"]

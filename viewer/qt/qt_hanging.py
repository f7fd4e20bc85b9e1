"""Hanging protocols in the main window: apply one to the study opened, save the reader's arrangement as one.

The rules and their choice are :mod:`viewer.model.hanging` (no Qt); this module puts a plan on
screen through the window's own ways of showing series (``set_layout``, ``open_series``,
``show_series_in``) and looks for the prior in the background as "Compare with prior" does
(:func:`viewer.qt.qt_priors.prior_search`: opened, stored, on the PACS).
"""

from __future__ import annotations

from viewer.core.display import Window
from viewer.model.hanging import (
    HangingPlan,
    HangingRule,
    all_rules,
    choose_rule,
    plan,
    rule_from_arrangement,
    save_user_rule,
)
from viewer.model.layout import GRIDS
from viewer.model.series_facts import SeriesFacts, facts_of
from viewer.qt.qt_i18n import translate as _tr


def choose_layout(window, name: str) -> None:
    """The reader chose layout ``name``: hanging protocols no longer apply themselves in this session."""
    window.comparison.model.layout_by_hand = True
    window.set_layout(name)


def hang_on_open(window, series) -> HangingPlan | None:
    """Apply the hanging protocol of ``series`` just opened, unless the reader chose a layout by hand."""
    if window.comparison.model.layout_by_hand:
        return None
    return apply_hanging_protocol(window, series, quiet=True)


def apply_hanging_protocol(window, series=None, quiet: bool = False) -> HangingPlan | None:
    """Show the study of ``series`` (the main series by default) as the first rule that matches says.

    A layout with the prior waits for the prior to be found (in the background): without one,
    the series is shown alone. A problem with the reader's rules file is shown in the status bar.

    Parameters
    ----------
    window
        The main window.
    series
        The series the rule is chosen for; it is shown in the first viewport.
    quiet
        Say nothing when no rule matches (on opening).

    Returns
    -------
    HangingPlan or None
        What is shown (the prior, if any, still to come); ``None`` when no rule matched.
    """
    series = series if series is not None else window.state.series
    if series is None:
        if not quiet:
            window.notify_error(_tr("Open a series first: the hanging protocol is chosen by its modality, "
                                    "body part and description"))
        return None
    rules, problem = all_rules()
    if problem:
        window.show_status(problem)
    rule = choose_rule(facts_of(series), rules)
    if rule is None:
        if not quiet:
            window.show_status(_tr("No hanging protocol matches this series"))
        return None
    study = series.study
    hanging = plan(rule, series, list(study.series) if study is not None else [series])
    if "prior" not in hanging.series:
        _show(window, hanging)
        return hanging
    from viewer.qt.qt_priors import prior_search

    layout_before = window.layout_name

    def found(result) -> None:
        if window.state.series is not series or window.layout_name != layout_before:
            return  # the reader moved on meanwhile
        prior = result.prior[1] if result.prior is not None else None
        picks = [prior if pick == "prior" else pick for pick in hanging.series]
        if len(picks) > 1 and all(pick is None for pick in picks[1:]):
            picks, hanging.layout = picks[:1], "1x1"
        hanging.series = picks
        _show(window, hanging)

    window.run_job(prior_search(window, series), name="prior", on_result=found,
                   on_error=lambda e: window.show_status(
                       _tr("Hanging protocol: no prior ({error})").format(error=e)))
    return hanging


def _show(window, hanging: HangingPlan) -> None:
    """Put a plan whose series are all known on screen."""
    layout = "single" if hanging.layout == "1x1" else hanging.layout
    if hanging.series[0] is not window.state.series:
        window.open_series(hanging.series[0])
    if window.layout_name != layout:
        window.set_layout(layout)
    model = window.comparison.model
    for number, pick in enumerate(hanging.series[1:], start=1):
        if pick is not None:
            window.show_series_in(number, pick)
        elif number < len(model.states):
            window.comparison.clear(number)
    for number, chosen in enumerate(hanging.windows[:len(hanging.series)]):
        if chosen is not None and hanging.series[number] is not None:
            model.states[number].set_window(chosen)
    window.show_status(_tr("Hanging protocol: {name}").format(name=hanging.rule.name))


def arrangement_rule(window, name: str) -> HangingRule:
    """The rule that recreates the layout on screen, its series and their windows."""
    main = window.state.series
    if main is None:
        raise ValueError("nothing is shown")
    model = window.comparison.model
    main_facts = facts_of(main)
    main_study = main.study.uid if main.study is not None else None
    states = model.shown if window.layout_name in GRIDS else [window.state]
    shown: list[tuple[str, SeriesFacts | None, Window | None]] = []
    for number, state in enumerate(states):
        series = state.series
        window_kept = None if state.automatic_window or state.use_voi_lut or state.volume is None else state.window
        if series is None:
            shown.append(("empty", None, None))
        elif number == 0 or series is main:
            shown.append(("current", main_facts, window_kept))
        elif series.study is not None and series.study.uid == main_study:
            shown.append(("series", facts_of(series), window_kept))
        else:
            shown.append(("prior", None, window_kept))
    return rule_from_arrangement(name, main_facts, window.layout_name, shown)


def save_layout_as_protocol(window, name: str) -> HangingRule:
    """Save the arrangement on screen as the reader's hanging protocol ``name`` (first among theirs)."""
    rule = arrangement_rule(window, name)
    path = save_user_rule(rule)
    window.show_status(_tr("Hanging protocol {name} saved in {path}").format(name=repr(name), path=path))
    return rule


def save_layout_dialog(window) -> HangingRule | None:
    """Ask for a name, then :func:`save_layout_as_protocol`."""
    from PySide6.QtWidgets import QInputDialog

    series = window.state.series
    if series is None:
        window.notify_error(_tr("Open a series first: a hanging protocol is saved for its modality and body part"))
        return None
    facts = facts_of(series)
    suggested = " ".join(part for part in (facts.modality, facts.body_part.lower(), window.layout_name) if part)
    name, ok = QInputDialog.getText(window, _tr("Save layout as hanging protocol"), _tr("Name:"),
                                    text=suggested)
    if not ok or not name.strip():
        return None
    return save_layout_as_protocol(window, name.strip())

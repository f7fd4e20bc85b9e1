"""Hanging protocols without widgets: matching, the built-in rules, plans, the reader's rules file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from viewer.core.display import Window
from viewer.model.hanging import (
    DEFAULT_RULES,
    HangingRule,
    HangingRulesError,
    Placement,
    all_rules,
    choose_rule,
    load_user_rules,
    matches,
    plan,
    rule_from_arrangement,
    save_user_rule,
    window_of,
)
from viewer.model.series_facts import SeriesFacts, plane_of_orientation


@dataclass
class FakeSeries:
    """What the plan reads of a series (a scanned Series has more)."""

    modality: str
    description: str
    body_part: str = ""
    plane: str = "axial"
    extra: dict = field(default_factory=dict)


def _facts(series: FakeSeries) -> SeriesFacts:
    return SeriesFacts(series.modality, series.body_part, series.description, series.plane)


def _rule_for(modality, body_part="", description=""):
    return choose_rule(SeriesFacts(modality, body_part, description), DEFAULT_RULES)


def test_patterns_are_case_insensitive_substrings_with_alternatives():
    assert matches("CHEST|thorax", "ct Thorax w/o")
    assert matches("", "anything") and matches("  ", "")
    assert not matches("t1", "T2 FLAIR") and not matches("abdo", "")
    assert matches("a.b*", "A.B*c")  # no regular expressions: characters are themselves


def test_built_in_rules_choose_layouts_and_windows():
    chest = _rule_for("CT", "CHEST", "Thorax 1.25")
    assert chest.layout == "1x2" and [p.window for p in chest.viewports] == ["Lung", "Mediastinum"]
    assert _rule_for("CT", "", "CT THORAX").name == chest.name  # the description stands in for the body part
    assert _rule_for("CT", "ABDOMEN").window == "Abdomen"
    assert _rule_for("MR", "BRAIN", "T1 MPRAGE sag").layout == "mpr"
    assert _rule_for("MR", "HEAD", "ax T2").layout == "2x2"
    xray = _rule_for("DX", "CHEST", "PA")
    assert xray.layout == "1x2" and [p.source for p in xray.viewports] == ["current", "prior"]
    assert _rule_for("CT", "KNEE", "knee") is None
    assert window_of("lung", "CT") == Window(-600.0, 1500.0) and window_of([40, 80], "MR") == Window(40.0, 80.0)
    assert window_of(None, "CT") is None and window_of("NoSuchPreset", "CT") is None


def test_a_plan_places_the_study_series_by_description_and_plane():
    current = FakeSeries("MR", "ax T2 FLAIR", "BRAIN")
    t1 = FakeSeries("MR", "sag T1", "BRAIN", "sagittal")
    t2 = FakeSeries("MR", "ax T2 TSE", "BRAIN")
    dwi = FakeSeries("MR", "DWI", "BRAIN")
    rule = _rule_for("MR", "BRAIN", current.description)
    hanging = plan(rule, current, [current, t1, t2, dwi], facts=_facts)
    assert hanging.layout == "2x2"
    # The FLAIR opened is in the first viewport: the FLAIR viewport finds no other, and stays empty.
    assert hanging.series == [current, t1, t2, None]
    # By plane: a coronal placement takes the coronal series only.
    coronal = HangingRule("cor", layout="1x2", viewports=[Placement(), Placement("series", plane="coronal")])
    assert plan(coronal, current, [current, t1, t2], facts=_facts).layout == "1x1"  # nothing coronal: alone
    cor = FakeSeries("MR", "cor T1", "BRAIN", "coronal")
    assert plan(coronal, current, [current, t1, cor], facts=_facts).series == [current, cor]
    # The prior is looked for by the window; the windows come per viewport, else the rule's.
    xray = plan(_rule_for("CR", "CHEST"), FakeSeries("CR", "PA", "CHEST", "projection"), [], facts=_facts)
    assert xray.series[1] == "prior" and xray.layout == "1x2"
    chest = plan(_rule_for("CT", "CHEST"), FakeSeries("CT", "chest", "CHEST"), [], facts=_facts)
    assert chest.windows == [Window(-600.0, 1500.0), Window(50.0, 350.0)]


def test_plane_of_orientation():
    assert plane_of_orientation((1, 0, 0, 0, 1, 0)) == "axial"
    assert plane_of_orientation((1, 0, 0, 0, 0, -1)) == "coronal"
    assert plane_of_orientation((0, 1, 0, 0, 0, -1)) == "sagittal"
    assert plane_of_orientation(None, "DX") == "projection" and plane_of_orientation(None) == ""


def test_the_readers_rules_come_first_and_a_malformed_file_is_one_line_and_the_defaults(tmp_path):
    path = tmp_path / "rules.json"
    assert load_user_rules(path) == [] and all_rules(path) == (list(DEFAULT_RULES), "")
    saved = rule_from_arrangement("My chest", SeriesFacts("CT", "CHEST", "CT chest"), "2x2",
                                  [("current", None, Window(-600.0, 1500.0)),
                                   ("series", SeriesFacts("CT", "CHEST", "Cor MIP", "coronal"), Window(10, 20)),
                                   ("prior", None, None), ("empty", None, None)])
    save_user_rule(saved, path)
    rules, problem = all_rules(path)
    assert problem == "" and rules[0].name == "My chest" and rules[1:] == list(DEFAULT_RULES)
    mine = rules[0]
    assert mine.layout == "2x2" and [p.source for p in mine.viewports] == ["current", "series", "prior", "empty"]
    assert mine.viewports[0].window == "Lung" and mine.viewports[1].window == [10.0, 20.0]
    assert (mine.viewports[1].description, mine.viewports[1].plane) == ("cor mip", "coronal")
    assert choose_rule(SeriesFacts("CT", "CHEST", "whatever"), rules) is mine  # the reader's rule wins
    # Saving again under the same name replaces it; another name goes first.
    save_user_rule(rule_from_arrangement("My chest", SeriesFacts("CT", "CHEST"), "single",
                                         [("current", None, None)]), path)
    save_user_rule(HangingRule("Knee", modality="MR", body_part="knee"), path)
    assert [r.name for r in load_user_rules(path)] == ["Knee", "My chest"]
    assert load_user_rules(path)[1].layout == "1x1"
    for broken in ("{not json", json.dumps([{"name": "x", "layout": "3x3"}]),
                   json.dumps([{"name": "x", "viewports": [{"source": "elsewhere"}]}]),
                   json.dumps([{"name": "x", "window": [40, -1]}]), json.dumps({"rules": "none"})):
        path.write_text(broken)
        with pytest.raises(HangingRulesError) as raised:
            load_user_rules(path)
        assert "\n" not in str(raised.value) and "rules.json" in str(raised.value)
        rules, problem = all_rules(path)
        assert rules == list(DEFAULT_RULES) and problem.startswith("Hanging protocols file rules.json not used")
    save_user_rule(HangingRule("Fresh"), path)  # a broken file is replaced by a good one
    assert [r.name for r in load_user_rules(path)] == ["Fresh"]

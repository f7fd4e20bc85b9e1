"""Hanging protocols: which layout, which series where and which window a study opens with; no Qt.

A :class:`HangingRule` matches a series by modality, body part and description, each a simple
pattern: case-insensitive substrings separated by ``|`` (any one matches; empty matches
anything; no regular expressions). The body part is Body Part Examined, or the description
when the file has none. A rule gives the layout (``1x1``, ``1x2``, ``2x1``, ``2x2`` or
``mpr``), what each viewport shows (:class:`Placement`: the current series, its prior, or
another series of the study chosen by description and plane) and the window (a named preset
of :func:`viewer.core.display.presets_for` or a centre and width).

The reader's rules (a JSON file in the user data folder, :func:`rules_path`) come before the
built-in :data:`DEFAULT_RULES`; the first rule that matches wins. A malformed file is reported
in one line (:class:`HangingRulesError`) and the defaults are used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from viewer.core.display import Window, presets_for
from viewer.core.errors import OutpostError
from viewer.core.files import atomic_path, user_data_dir
from viewer.model.series_facts import SeriesFacts, facts_of

#: The layouts a rule may choose.
LAYOUT_NAMES = ("1x1", "1x2", "2x1", "2x2", "mpr")
#: What a viewport may show.
SOURCES = ("current", "prior", "series", "empty")
#: The file of the reader's rules, in the user data folder.
RULES_FILE = "hanging_protocols.json"
_VIEWPORTS = {"1x1": 1, "mpr": 1, "1x2": 2, "2x1": 2, "2x2": 4}


class HangingRulesError(OutpostError):
    """The reader's hanging protocols file cannot be used (its message is one line)."""


def matches(pattern: str, text: str) -> bool:
    """Whether ``text`` holds one of the ``|``-separated substrings of ``pattern`` (any case).

    Examples
    --------
    >>> matches("chest|thorax", "CT THORAX 1.25mm"), matches("", "anything"), matches("t1", "T2 FLAIR")
    (True, True, False)
    """
    words = [word.strip().lower() for word in pattern.split("|") if word.strip()]
    return not words or any(word in (text or "").lower() for word in words)


@dataclass
class Placement:
    """What one viewport shows.

    Attributes
    ----------
    source
        ``current`` (the series opened), ``prior`` (the matching series of the patient's
        previous study), ``series`` (another series of the study: :attr:`description`,
        not :attr:`exclude`, in :attr:`plane`) or ``empty``.
    description, exclude, plane
        Patterns for ``series`` (``plane``: ``axial``, ``coronal`` or ``sagittal``; empty: any).
    window
        A preset name, or ``[centre, width]``; ``None``: the rule's window.
    """

    source: str = "current"
    description: str = ""
    exclude: str = ""
    plane: str = ""
    window: str | list[float] | None = None

    def finds(self, facts: SeriesFacts) -> bool:
        """Whether a series of the study fits this ``series`` placement."""
        return (matches(self.description, facts.description)
                and not (self.exclude and matches(self.exclude, facts.description))
                and (not self.plane or facts.plane == self.plane))


@dataclass
class HangingRule:
    """A hanging protocol.

    Attributes
    ----------
    name
        What the reader calls it.
    modality, body_part, description
        Patterns the opened series must match (empty: anything).
    layout
        One of :data:`LAYOUT_NAMES`.
    viewports
        A :class:`Placement` per viewport of the layout, row by row.
    window
        The initial window of every viewport: a preset name or ``[centre, width]``; ``None``:
        the file's.
    """

    name: str
    modality: str = ""
    body_part: str = ""
    description: str = ""
    layout: str = "1x1"
    viewports: list[Placement] = field(default_factory=lambda: [Placement()])
    window: str | list[float] | None = None

    def applies_to(self, facts: SeriesFacts) -> bool:
        """Whether the opened series matches the rule."""
        return (matches(self.modality, facts.modality)
                and matches(self.body_part, facts.body_part or facts.description)
                and matches(self.description, facts.description))

    def to_json(self) -> dict[str, Any]:
        """The rule as the rules file stores it."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> HangingRule:
        """A rule from the rules file.

        Raises
        ------
        ValueError
            A field is missing, of the wrong type or out of range.
        """
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"].strip():
            raise ValueError("a rule is not an object with a name")
        name = data["name"]
        for key in ("modality", "body_part", "description"):
            if not isinstance(data.get(key, ""), str):
                raise ValueError(f"rule {name!r}: {key} is not text")
        layout = data.get("layout", "1x1")
        if layout not in LAYOUT_NAMES:
            raise ValueError(f"rule {name!r}: unknown layout {layout!r}")
        places = data.get("viewports", [{}])
        if not isinstance(places, list) or not places or not all(isinstance(p, dict) for p in places):
            raise ValueError(f"rule {name!r}: viewports is not a list of objects")
        viewports = []
        for place in places:
            unknown = set(place) - {"source", "description", "exclude", "plane", "window"}
            if unknown:
                raise ValueError(f"rule {name!r}: unknown viewport field {sorted(unknown)[0]!r}")
            placement = Placement(**place)
            if placement.source not in SOURCES:
                raise ValueError(f"rule {name!r}: unknown source {placement.source!r}")
            if not all(isinstance(v, str) for v in (placement.description, placement.exclude, placement.plane)):
                raise ValueError(f"rule {name!r}: a viewport pattern is not text")
            placement.window = _checked_window(placement.window, name)
            viewports.append(placement)
        return cls(name=name, modality=data.get("modality", ""), body_part=data.get("body_part", ""),
                   description=data.get("description", ""), layout=layout, viewports=viewports,
                   window=_checked_window(data.get("window"), name))


def _checked_window(window: Any, rule: str) -> str | list[float] | None:
    if window is None or isinstance(window, str):
        return window
    if isinstance(window, list) and len(window) == 2 and all(isinstance(v, int | float) for v in window) \
            and window[1] > 0:
        return [float(window[0]), float(window[1])]
    raise ValueError(f"rule {rule!r}: window is not a preset name or [centre, width > 0]")


def window_of(window: str | list[float] | None, modality: str) -> Window | None:
    """The :class:`~viewer.core.display.Window` a rule names for ``modality`` (``None``: the file's)."""
    if window is None:
        return None
    if isinstance(window, str):
        presets = {name.lower(): value for name, value in presets_for(modality or "CT").items()}
        return presets.get(window.lower())
    return Window(float(window[0]), float(window[1]))


_BRAIN = "brain|head|neuro|skull|cerebr"
#: The built-in rules, most specific first.
DEFAULT_RULES: tuple[HangingRule, ...] = (
    HangingRule("CT chest: lung and mediastinum", modality="CT", body_part="chest|thorax|lung", layout="1x2",
                viewports=[Placement("current", window="Lung"), Placement("current", window="Mediastinum")]),
    HangingRule("CT abdomen with prior", modality="CT", body_part="abdomen|abdo|abd|pelvis|liver",
                layout="1x2", viewports=[Placement("current"), Placement("prior")], window="Abdomen"),
    HangingRule("MR brain 3D T1: MPR", modality="MR", body_part=_BRAIN,
                description="mprage|3d t1|t1 3d|t1_3d|3d_t1|bravo|spgr|tfe3d|3d tfe|vibe", layout="mpr"),
    HangingRule("MR brain: T1, T2, FLAIR", modality="MR", body_part=_BRAIN, layout="2x2",
                viewports=[Placement("current"), Placement("series", description="t1", exclude="flair"),
                           Placement("series", description="t2", exclude="flair"),
                           Placement("series", description="flair")]),
    HangingRule("Chest X-ray with prior", modality="CR|DX", body_part="chest|thorax|lung|cxr", layout="1x2",
                viewports=[Placement("current"), Placement("prior")]),
)


def rules_path() -> Path:
    """The reader's rules file."""
    return user_data_dir() / RULES_FILE


def load_user_rules(path: str | Path | None = None) -> list[HangingRule]:
    """The reader's rules (none when the file is missing).

    Raises
    ------
    HangingRulesError
        The file cannot be read or is not a list of rules; the message is one line.
    """
    path = Path(path) if path is not None else rules_path()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("rules")
        if not isinstance(data, list):
            raise ValueError("expected a list of rules")
        return [HangingRule.from_json(item) for item in data]
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as e:
        text = " ".join(str(e).split())
        raise HangingRulesError(f"Hanging protocols file {path.name} not used ({text}); "
                                "the built-in protocols apply") from e


def all_rules(path: str | Path | None = None) -> tuple[list[HangingRule], str]:
    """The reader's rules, then the defaults; and a one-line problem with the file (``""`` if none)."""
    try:
        return [*load_user_rules(path), *DEFAULT_RULES], ""
    except HangingRulesError as e:
        return list(DEFAULT_RULES), str(e)


def save_user_rule(rule: HangingRule, path: str | Path | None = None) -> Path:
    """Put ``rule`` first among the reader's rules (replacing one of the same name), written atomically.

    A malformed file is replaced: its rules could not be used anyway.
    """
    path = Path(path) if path is not None else rules_path()
    try:
        kept = [r for r in load_user_rules(path) if r.name != rule.name]
    except HangingRulesError:
        kept = []
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps({"rules": [r.to_json() for r in (rule, *kept)]}, indent=2),
                             encoding="utf-8")
    return path


def choose_rule(facts: SeriesFacts, rules: Iterable[HangingRule]) -> HangingRule | None:
    """The first rule that applies to the opened series."""
    return next((rule for rule in rules if rule.applies_to(facts)), None)


@dataclass
class HangingPlan:
    """A rule applied to a study: what to show where.

    Attributes
    ----------
    rule
        The rule.
    layout
        The layout (``1x1`` when only the first viewport found a series).
    series
        Per viewport: a series to show, ``"prior"`` (to be looked for), or ``None`` (empty).
    windows
        Per viewport: the window to start with (``None``: the file's).
    """

    rule: HangingRule
    layout: str
    series: list[Any]
    windows: list[Window | None]


def plan(rule: HangingRule, current: Any, study_series: Iterable[Any],
         facts: Callable[[Any], SeriesFacts] = facts_of) -> HangingPlan:
    """Apply ``rule`` to ``current`` and the other series of its study.

    Parameters
    ----------
    rule
        The rule chosen.
    current
        The series opened.
    study_series
        The study's series (``current`` among them or not).
    facts
        How to read a series' :class:`SeriesFacts`.
    """
    count = _VIEWPORTS[rule.layout]
    modality = str(getattr(current, "modality", "") or "")
    used = {id(current)}
    chosen: list[Any] = []
    windows: list[Window | None] = []
    for number in range(count):
        place = rule.viewports[number] if number < len(rule.viewports) else None
        if place is None or place.source == "empty":
            pick = None
        elif place.source == "current":
            pick = current
        elif place.source == "prior":
            pick = "prior"
        else:
            pick = next((s for s in study_series if id(s) not in used and place.finds(facts(s))), None)
            if pick is not None:
                used.add(id(pick))
        chosen.append(pick)
        window = place.window if place is not None and place.window is not None else rule.window
        windows.append(window_of(window, modality))
    if chosen[0] is None:
        chosen[0] = current
    if count > 1 and all(pick is None for pick in chosen[1:]):
        return HangingPlan(rule, "1x1", chosen[:1], windows[:1])
    return HangingPlan(rule, rule.layout, chosen, windows)


def rule_from_arrangement(name: str, current_facts: SeriesFacts, layout: str,
                          shown: list[tuple[str, SeriesFacts | None, Window | None]]) -> HangingRule:
    """A rule that recreates the reader's arrangement.

    Parameters
    ----------
    name
        The rule's name.
    current_facts
        The main series: the rule matches its modality and body part (any body part when it has
        none), not its description, so that it suits the next study of the kind too.
    layout
        The layout on screen (``single`` counts as ``1x1``).
    shown
        Per viewport: ``current``, ``prior`` or ``series``, that series' facts, and its window.
    """
    layout = "1x1" if layout == "single" else layout
    if layout not in LAYOUT_NAMES:
        raise ValueError(f"unknown layout {layout!r}")
    places = []
    for source, facts, window in shown[:_VIEWPORTS[layout]]:
        place = Placement(source)
        if source == "series" and facts is not None:
            place.description = facts.description.strip().lower()
            place.plane = facts.plane if facts.plane in ("axial", "coronal", "sagittal") else ""
        if window is not None:
            place.window = _preset_name(window, current_facts.modality) or [window.center, window.width]
        places.append(place)
    return HangingRule(name=name, modality=current_facts.modality, body_part=current_facts.body_part.lower(),
                       layout=layout, viewports=places or [Placement()])


def _preset_name(window: Window, modality: str) -> str | None:
    return next((name for name, preset in presets_for(modality).items() if preset == window), None)

"""A pack's model card: what its metadata says about it, in the order a reader asks."""

from __future__ import annotations

from typing import Any

#: (field shown, metadata keys tried in order)
CARD_FIELDS = (
    ("Task", ("task",)),
    ("Version", ("version",)),
    ("Authors", ("authors",)),
    ("Intended use", ("intended_use",)),
    ("Training data", ("data_source", "training_data")),
    ("Published metrics", ("metrics", "performance")),
    ("Checked here", ("checked_here",)),
    ("References", ("references",)),
    ("Licence", ("license", "licence")),
)

NOT_FOR_DIAGNOSIS = "Not for diagnostic use"


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def model_card(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    """The card's rows, ``(field, text)``; a missing field reads "not stated".

    Parameters
    ----------
    metadata
        A pack's ``configs/metadata.json``.
    """
    rows = []
    for title, keys in CARD_FIELDS:
        value = next((metadata[k] for k in keys if metadata.get(k) not in (None, "", [], {})), None)
        rows.append((title, _text(value) if value is not None else "not stated"))
    return rows


def needs_diagnostic_banner(metadata: dict[str, Any]) -> bool:
    """Whether to show "not for diagnostic use": the intended use says so, or says nothing.

    Parameters
    ----------
    metadata
        A pack's ``configs/metadata.json``.
    """
    use = str(metadata.get("intended_use") or "").lower()
    if not use.strip():
        return True
    return any(words in use for words in ("not for diagnos", "research", "not be used", "demonstration",
                                           "not intended", "investigational"))


__all__ = ["NOT_FOR_DIAGNOSIS", "model_card", "needs_diagnostic_banner"]

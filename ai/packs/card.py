"""A pack's model card: what its metadata says about it, in the order a reader asks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from viewer.core.translatable import Message, translatable

if TYPE_CHECKING:
    from ai.packs.pack import Pack

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

#: The translation context of the "Site threshold" row (written out in the call: lupdate reads literals).
CONTEXT = "Card"


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def model_card(metadata: dict[str, Any], pack: Pack | None = None) -> list[tuple[str, str]]:
    """The card's rows, ``(field, text)``; a missing field reads "not stated".

    Parameters
    ----------
    metadata
        A pack's ``configs/metadata.json``.
    pack
        The pack, when it was read: adds the "Site threshold" row (:func:`site_threshold_text`).
    """
    rows = []
    for title, keys in CARD_FIELDS:
        value = next((metadata[k] for k in keys if metadata.get(k) not in (None, "", [], {})), None)
        rows.append((title, _text(value) if value is not None else "not stated"))
    if pack is not None:
        rows.append(("Site threshold", site_threshold_text(pack)))
    return rows


def site_threshold_text(pack: Pack) -> str:
    """The "Site threshold" row: the site's threshold for this very version of the pack (its checksum).

    The row says where that threshold came from, else "none" and the pack's own operating point.
    """
    from ai.batch.calibration import site_threshold  # read only when a card is shown
    from ai.batch.tasks import screening_threshold

    values = {"own": f"{screening_threshold(pack):g}", "checksum": pack.checksum[:12]}
    site = site_threshold(pack.checksum)
    if site is None:
        return Message(translatable(
            "Card", "none: the pack's own threshold {own}. A site threshold holds for this version only "
                     "(checksum {checksum}): a new version of the pack needs its own calibration (outpost batch "
                     "calibrate)."), **values)
    return Message(translatable(
        "Card", "{threshold}, from {source}; the pack's own threshold {own}. A site threshold holds for this "
                 "version only (checksum {checksum}): a new version of the pack needs its own calibration "
                 "(outpost batch calibrate)."),
        threshold=f"{site.threshold:.4g}", source=site.describe(), **values)


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


__all__ = ["NOT_FOR_DIAGNOSIS", "model_card", "needs_diagnostic_banner", "site_threshold_text"]

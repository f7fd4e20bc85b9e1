"""Sentences made outside the Qt layer that the interface shows in its language.

Code that must not import Qt (the core, the AI engine) builds a :class:`Message`: a template
marked with :func:`translatable`, which ``pyside6-lupdate`` finds as a ``QT_TRANSLATE_NOOP``
alias (``viewer/qt/translations/update.sh``), and the values of its named placeholders. A
message *is* its English sentence (a ``str``), so provenance, the command line, databases and
comparisons keep the English text; the Qt layer shows
``QCoreApplication.translate(context, template).format(**values)`` instead (``ai/qt/qt_i18n.py``).
Values are not translated (modality codes, numbers, names), except values that are messages
themselves, and tuples of messages, which are translated and joined with "; ".
"""

from __future__ import annotations

from typing import NamedTuple


class Template(NamedTuple):
    """A sentence with named ``{placeholders}`` and the translation context it is catalogued in."""

    context: str
    text: str


def translatable(context: str, text: str) -> Template:
    """Mark ``text`` for translation in ``context``; translated where it is shown.

    Parameters
    ----------
    context
        The catalogue's context (for example ``"Outpost AI"``).
    text
        The English sentence, with named ``{placeholders}``.
    """
    return Template(context, text)


#: The separator of joined messages.
SEPARATOR = "; "

_JOIN = Template("", "{parts}")


def _english(value: object) -> str:
    if isinstance(value, tuple):
        return SEPARATOR.join(str(v) for v in value)
    return str(value)


class Message(str):
    """A sentence whose ``str`` is its English text, with the template and values to translate it.

    Parameters
    ----------
    template
        A :func:`translatable` template.
    **values
        The placeholders' values (a tuple is joined with "; ").
    """

    template: Template
    values: dict[str, object]

    def __new__(cls, template: Template, **values: object) -> Message:  # noqa: D102 (the class's)
        text = template.text.format(**{k: _english(v) for k, v in values.items()})
        message = super().__new__(cls, text)
        message.template = template
        message.values = values
        return message

    @classmethod
    def joined(cls, parts: list[str] | tuple[str, ...]) -> Message:
        """``parts`` joined with "; ", each translated where it is a message."""
        return cls(_JOIN, parts=tuple(parts))

    def __reduce__(self) -> tuple[object, ...]:  # pickles as the English text (the AI worker sends plain str)
        return (str, (str(self),))


__all__ = ["SEPARATOR", "Message", "Template", "translatable"]

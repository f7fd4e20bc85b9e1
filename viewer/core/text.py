"""Show text that came from outside (files, archives, DICOMDIRs, peers) without letting it forge output.

A SeriesDescription, a file name or a PACS answer may hold escape sequences
(which set a terminal's title or clear its screen), carriage returns and
newlines (which forge whole lines of output or of the log), NULs (which turn a
log binary) or Unicode controls that reorder what a reader sees. :func:`printable`
escapes every one of them, so a value is always shown as one line of visible
characters, and a reader can still tell exactly what the value was.

Which one to use is decided where the text is shown:

- :func:`printable` for one value from outside (a description, a file or
  member name, a UID, a pack's name);
- :func:`one_line` for a message that mixes Outpost's words with such values
  (an error, a warning, a reason a file was skipped): it escapes the same
  characters but leaves backslashes alone, so a value the message already
  shows escaped (or as ``repr``) is not escaped twice.
"""

from __future__ import annotations

import unicodedata

#: Unicode categories shown escaped: controls (C0, DEL, C1), format characters (bidirectional
#: overrides, zero-width joiners), unassigned and private-use code points, surrogates, and the
#: line and paragraph separators.
ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
#: The short escapes a reader knows; every other escaped character is written ``\\xNN``, ``\\uNNNN``
#: or ``\\UNNNNNNNN``.
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
#: What :func:`printable` puts at the end of a value it cut short.
ELLIPSIS = "..."


def _escaped(character: str) -> str:
    r"""``character`` as its escape (``\n``, ``\x1b``, ``\u202e``, ``\U000e0041``)."""
    if character in _SHORT:
        return _SHORT[character]
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _pieces(text: str, keep_backslash: bool) -> list[str]:
    """``text`` character by character, each one that could forge output replaced by its escape."""
    return [character if (keep_backslash and character == "\\")
            or (character not in _SHORT and unicodedata.category(character) not in ESCAPED_CATEGORIES)
            else _escaped(character) for character in text]


def printable(value: object, limit: int | None = None) -> str:
    """``value`` as one line of visible text: every control and format character escaped.

    Backslashes are doubled, so an escape in the output always stands for a
    character of the value, never for the value's own backslash text.

    Parameters
    ----------
    value
        Anything; ``str(value)`` is shown (bytes are decoded as Latin-1 first, so
        every byte stays visible).
    limit
        Cut the result to at most this many characters, ending it with ``...``;
        an escape is never cut in two.

    Returns
    -------
    str
        Safe to print to a terminal or write to a log as part of one line.
    """
    text = value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)
    if text.isascii() and text.isprintable() and "\\" not in text:
        pieces: str | list[str] = text  # the common case, checked fast: every character stands for itself
    else:
        pieces = _pieces(text, keep_backslash=False)
    shown = "".join(pieces)
    if limit is None or len(shown) <= limit:
        return shown
    room = max(limit - len(ELLIPSIS), 0)
    kept, length = [], 0
    for piece in pieces:
        if length + len(piece) > room:
            break
        kept.append(piece)
        length += len(piece)
    return "".join(kept) + ELLIPSIS[:limit]


def one_line(text: str) -> str:
    r"""A message (say with a traceback) as one line: line breaks and other controls escaped.

    Unlike :func:`printable` it keeps backslashes as they are, so a Windows path
    in a message reads as usual; it is meant for whole messages whose parts
    from outside are shown escaped already (or as ``repr``), and as the last
    guard for those that are not.

    Parameters
    ----------
    text
        The message.

    Returns
    -------
    str
        ``text`` with each line break written ``\n``, and every other character
        :func:`printable` escapes escaped the same way.
    """
    if text.isprintable():
        return text
    return "".join(_pieces(text, keep_backslash=True))

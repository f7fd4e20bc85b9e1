"""``printable`` and ``one_line``: values from outside shown as one line of visible, unambiguous text."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from viewer.core.text import ESCAPED_CATEGORIES, one_line, printable


def unescape(shown: str) -> str:
    """Read back what :func:`printable` wrote: Python's own escapes, which it uses and only those."""
    return shown.encode("latin-1", "backslashreplace").decode("unicode_escape")


def _nothing_forges(shown: str) -> None:
    assert "\n" not in shown and len(shown.splitlines()) <= 1
    assert not [c for c in shown if unicodedata.category(c) in ESCAPED_CATEGORIES]


@pytest.mark.parametrize(("value", "shown"), [
    ("\x00", "\\x00"),  # NUL: would make a log binary
    ("\x01\x07\x08\x0b\x0c\x1f", "\\x01\\x07\\x08\\x0b\\x0c\\x1f"),  # the rest of C0: BEL, backspace...
    ("a\nb", "a\\nb"),
    ("a\rb", "a\\rb"),
    ("a\r\nb", "a\\r\\nb"),
    ("a\tb", "a\\tb"),
    ("\x7f", "\\x7f"),  # DEL
    ("\x85\x9b\x9d", "\\x85\\x9b\\x9d"),  # C1: next line, CSI and OSC as single characters
    ("\x1b[2J", "\\x1b[2J"),  # ESC: clear the screen
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # set the terminal's title
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),  # line and paragraph separators
    ("evil\u202egpj.exe", "evil\\u202egpj.exe"),  # right-to-left override
    ("\u2066\u2067\u2068\u2069\u200e\u200f\u061c", "\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c"),
    ("a\u200bb\u200cc\u200dd\u2060e\ufefff\u00adg", "a\\u200bb\\u200cc\\u200dd\\u2060e\\ufefff\\xadg"),
    ("tag\U000e0041\U000e007f", "tag\\U000e0041\\U000e007f"),  # invisible tag characters
    ("\ue000", "\\ue000"),  # private use
    ("\U000effff", "\\U000effff"),  # unassigned
    ("\ud800", "\\ud800"),  # an unpaired surrogate
    ("\ud83d\ude00", "\\ud83d\\ude00"),  # a surrogate pair that is not one character
    ("C:\\dir\\x1b", "C:\\\\dir\\\\x1b"),  # a backslash is doubled: this is not an escape
])
def test_every_character_that_could_forge_output_is_escaped(value, shown):
    assert printable(value) == shown
    assert unescape(shown) == value
    _nothing_forges(shown)


@pytest.mark.parametrize("value", ["CT Thorax 1.0 B31f", "Müller^Jörg", "胸部 CT", "ΑΒΓ", "🫁 lung", "a b",
                                   "1.2.840.10008.5.1.4.1.1.2", "\u00a0no-break space"])
def test_ordinary_text_is_shown_as_it_is(value):
    assert printable(value) == value and one_line(value) == value


def test_a_file_name_that_is_not_utf8_is_shown_byte_for_byte():
    name = os.fsdecode(b"slice\xff\xfe.dcm")  # the surrogateescape form a listing of such a folder gives
    assert printable(name) == "slice\\udcff\\udcfe.dcm"
    assert os.fsencode(unescape(printable(name))) == b"slice\xff\xfe.dcm"


def test_bytes_are_shown_byte_for_byte():
    assert printable(b"IM\x1b[2J\x00\xe9\x9b") == "IM\\x1b[2J\\x00\xe9\\x9b"
    assert printable(bytearray(b"a\nb")) == "a\\nb"
    assert unescape(printable(b"\x00\x7f\x80\xff")).encode("latin-1") == b"\x00\x7f\x80\xff"


def test_other_values_are_shown_as_their_text():
    assert printable(Path("/data/a\nb.dcm")) == "/data/a\\nb.dcm"
    assert printable(42) == "42" and printable(None) == "None"


def test_every_code_point_is_shown_visibly_and_can_be_read_back():
    everything = "".join(map(chr, range(0x110000)))
    shown = printable(everything)
    _nothing_forges(shown)
    assert unescape(shown) == everything  # nothing lost, nothing ambiguous


def test_the_limit_cuts_the_shown_text_never_an_escape():
    assert printable("x" * 50, limit=10) == "x" * 7 + "..."
    assert printable("abc", limit=3) == "abc"
    assert printable("ab\x1bcd", limit=8) == "ab\\x1bcd"  # fits once escaped: not cut
    assert printable("ab\x1bcd", limit=7) == "ab..."  # "ab\x1" would be half an escape
    assert printable("\n" * 10, limit=9) == "\\n\\n\\n..."
    for limit in range(0, 12):
        assert len(printable("a\x1b" * 20, limit=limit)) <= limit


def test_one_line_escapes_the_same_characters_but_keeps_backslashes():
    assert one_line("cannot read C:\\scans\\a.dcm") == "cannot read C:\\scans\\a.dcm"
    assert one_line("a\nb\r\x1b[2J\x00\u2028\u202e\udcff") == "a\\nb\\r\\x1b[2J\\x00\\u2028\\u202e\\udcff"
    _nothing_forges(one_line("".join(map(chr, range(0x110000)))))


def test_one_line_does_not_escape_a_value_shown_escaped_already():
    name = "a\n2026-01-01 00:00:00,000 1 MainThread WARNING outpost: FORGED.dcm\\x"
    message = f"cannot read {printable(name)}: {name!r}"
    assert one_line(message) == message


def test_a_traceback_becomes_one_line():
    import traceback

    try:
        raise ValueError("first\nsecond")
    except ValueError:
        text = traceback.format_exc()
    shown = one_line(text)
    assert shown.startswith("Traceback (most recent call last):\\n")
    assert shown.endswith("ValueError: first\\nsecond\\n")
    _nothing_forges(shown)

"""Read a JavaScript file that only declares data (object and array literals), never running it.

brainchop's model registry (``brainchop-parameters.js``) is a module of ``const`` declarations
of object literals and an ``export { ... }`` line. This reader accepts exactly that: comments,
``export { names }``, ``const|let|var NAME = LITERAL``, where a literal is an object, array,
quoted string, number, ``true``, ``false`` or ``null``. Anything else (a call, an identifier
as a value, a template string, an operator, a function) is refused, naming the line.
"""

from __future__ import annotations

import re
from typing import Any

from ai.errors import PackRefusedError

#: The largest registry read, and the deepest nesting of literals.
MAX_SOURCE_BYTES = 2**20
MAX_DEPTH = 32

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n\ufeff]+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?![A-Za-z0-9_$]))
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>[{}\[\],:;=])
""", re.VERBOSE | re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0",
            "'": "'", '"': '"', "\\": "\\", "/": "/", "\n": ""}
_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,6}\}|u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|.)", re.DOTALL)
_LITERAL_NAMES = {"true": True, "false": False, "null": None}


def _unescape(body: str, where: str) -> str:
    def replace(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "ux" and len(code) > 1:
            value = int(code.strip("u{}x"), 16)
            if value > 0x10FFFF:
                raise PackRefusedError(f"{where}: the escape \\{code} is not a character")
            return chr(value)
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise PackRefusedError(f"{where}: the escape \\{code} is not read")
    return _ESCAPE.sub(replace, body)


class _Reader:
    def __init__(self, text: str, subject: str) -> None:
        self.subject = subject
        self.tokens: list[tuple[str, str, int]] = []
        position, line = 0, 1
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match:
                snippet = text[position:position + 24].split("\n")[0]
                raise PackRefusedError(f"{subject}: line {line}: {snippet!r} is not data; only object and "
                                       "array literals are read, never code")
            kind, value = match.lastgroup or "", match.group()
            if kind not in ("space", "comment"):
                self.tokens.append((kind, value, line))
            line += value.count("\n")
            position = match.end()
        self.index = 0

    def _peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "", -1)

    def _take(self, *values: str) -> tuple[str, str, int]:
        kind, value, line = self._peek()
        if values and value not in values or kind == "end":
            expected = " or ".join(repr(v) for v in values) or "a value"
            raise self._refuse(f"{value!r} where {expected} was expected" if kind != "end"
                               else f"the file ends where {expected} was expected")
        self.index += 1
        return kind, value, line

    def _refuse(self, what: str) -> PackRefusedError:
        line = self._peek()[2]
        where = f"line {line}: " if line > 0 else ""
        return PackRefusedError(f"{self.subject}: {where}{what} (only object and array literals are read, "
                                "never code)")

    def program(self) -> dict[str, Any]:
        declared: dict[str, Any] = {}
        while self._peek()[0] != "end":
            kind, value, _ = self._take()
            if kind == "name" and value == "export":
                self._take("{")
                while True:
                    if self._take()[0] != "name":
                        raise self._refuse("an export list holds something other than names")
                    if self._take(",", "}")[1] == "}":
                        break
                    if self._peek()[1] == "}":
                        self._take("}")
                        break
            elif kind == "name" and value in ("const", "let", "var"):
                name_kind, name, _ = self._take()
                if name_kind != "name" or name in _LITERAL_NAMES:
                    raise self._refuse(f"{name!r} is not a name to declare")
                self._take("=")
                declared[name] = self.value(0)
            else:
                self.index -= 1
                raise self._refuse(f"{value!r} is not a declaration")
            if self._peek()[1] == ";":
                self._take(";")
        return declared

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self._refuse(f"literals nest deeper than {MAX_DEPTH} levels")
        kind, value, line = self._peek()
        if value == "{":
            return self._object(depth)
        if value == "[":
            return self._array(depth)
        if kind == "string":
            self._take()
            return _unescape(value[1:-1], f"{self.subject}: line {line}")
        if kind == "number":
            self._take()
            return float(value) if any(c in value for c in ".eE") else int(value)
        if kind == "name" and value in _LITERAL_NAMES:
            self._take()
            return _LITERAL_NAMES[value]
        raise self._refuse(f"{value!r} is not a literal" if kind != "end" else "the file ends inside a literal")

    def _object(self, depth: int) -> dict[str, Any]:
        self._take("{")
        result: dict[str, Any] = {}
        while self._peek()[1] != "}":
            kind, key, line = self._take()
            if kind == "string":
                key = _unescape(key[1:-1], f"{self.subject}: line {line}")
            elif kind != "name":
                raise self._refuse(f"{key!r} is not a property name")
            self._take(":")
            result[key] = self.value(depth + 1)
            if self._take(",", "}")[1] == "}":
                return result
        self._take("}")
        return result

    def _array(self, depth: int) -> list[Any]:
        self._take("[")
        result: list[Any] = []
        while self._peek()[1] != "]":
            result.append(self.value(depth + 1))
            if self._take(",", "]")[1] == "]":
                return result
        self._take("]")
        return result


def parse_declarations(text: str, subject: str) -> dict[str, Any]:
    """The values a data-only JavaScript module declares, by name.

    Parameters
    ----------
    text
        The module's source.
    subject
        How messages name the file.

    Returns
    -------
    dict
        ``{name: value}`` for each ``const``/``let``/``var`` declaration (objects become dicts,
        arrays lists).

    Raises
    ------
    PackRefusedError
        The file holds anything but comments, ``export { names }`` and declarations of
        literals, or is larger than :data:`MAX_SOURCE_BYTES`; the message names the file and line.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise PackRefusedError(f"{subject} is larger than {MAX_SOURCE_BYTES} bytes; it is not read")
    return _Reader(text, subject).program()


__all__ = ["parse_declarations"]

"""A restricted evaluator for the ``$`` expressions of MONAI bundle configs.

It accepts literals, containers, arithmetic, comparisons, boolean logic,
conditional expressions and ``@`` references, and nothing else: no calls,
attribute access, subscripts, imports, comprehensions or free names. Published
bundles use such expressions for spacings and file names.

It interprets the syntax tree itself; nothing reaches ``eval``.

A pack is untrusted input, so an expression must never exhaust time or memory
and every bad one must be a :class:`~ai.errors.PackRefusedError` naming the
config key and the cause. The bounds are on the values, not on the syntax:

* the text is short before it is parsed, and the parser's own failures
  (too deep, too many parentheses) are refusals;
* the whole tree is checked before anything is evaluated: only the accepted
  node types, at most :data:`MAX_DEPTH` deep and :data:`MAX_NODES` nodes, the
  expressions reached through ``@`` references included (they share one
  budget, so references cannot multiply the work);
* every value the interpreter is about to produce -- a literal, a referenced
  value, a container, the result of an operator -- has its size predicted
  *before* it is built: integers by bit length (:data:`MAX_INT_BITS`),
  strings and bytes by characters (:data:`MAX_CHARS`), containers by items
  counted through nesting and repetition (:data:`MAX_ITEMS`); floats must stay
  finite and complex numbers are refused;
* everything built or compared is charged to one budget per evaluation
  (:data:`MAX_TOTAL_CHARS`, :data:`MAX_TOTAL_ITEMS`), which bounds the memory
  held by pending operands and the time spent;
* any failure of an operation (division by zero, overflow, comparing a number
  with a string, an unhashable set element) is a refusal with its reason.
"""

from __future__ import annotations

import ast
import contextvars
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn, cast

from ai.errors import PackRefusedError

#: ``@id`` or ``@id#sub#0`` references inside an expression.
REFERENCE = re.compile(r"@([A-Za-z_][\w]*(?:#[\w]+)*)")

#: Longest expression text, in characters, that is parsed at all. Published bundles' expressions are
#: under 200 characters; the bound keeps Python's parser (which recurses, and builds one node per
#: token) small and fast, so that its own limits are never what stops an attack.
MAX_SOURCE = 4_000
#: Deepest nesting of the syntax tree, counting the expressions reached through ``@`` references (a
#: reference continues one level below the node that names it), and deepest nesting of a referenced
#: value. Real expressions nest a handful of levels; the bound keeps the interpreter, which recurses,
#: far from Python's recursion limit.
MAX_DEPTH = 50
#: Most syntax-tree nodes one evaluation visits, those of referenced expressions included (each time
#: they are referenced). Every node is visited at most once, so this bounds the interpreter's steps
#: and stops chains of references that double the work at each step.
MAX_NODES = 2_000
#: Largest integer, in bits, that an expression may hold. Ten times what a 64-bit spacing or shape
#: needs; big-integer arithmetic on such numbers takes microseconds, while ``10**64**64`` would take
#: hours and gigabytes.
MAX_INT_BITS = 1_024
#: Most characters (of ``str``) or bytes (of ``bytes``) in one value, counted through nesting and
#: repetition. Paths and names are far shorter; 100,000 characters are at most 400 kB.
MAX_CHARS = 100_000
#: Most items in one value: the elements of its lists, tuples and sets and the entries of its dicts,
#: counted through nesting and repetition (``[[0] * 100] * 100`` holds 10,100). Shapes, spacings and
#: label lists are far smaller; it also bounds the time to compare, hash or copy the value.
MAX_ITEMS = 10_000
#: Characters one evaluation may build or compare in all. Pending operands stay alive while the rest
#: of an expression runs, so a per-value bound alone would allow ``MAX_DEPTH`` of them at once.
MAX_TOTAL_CHARS = 10 * MAX_CHARS
#: Items one evaluation may build or compare in all (see :data:`MAX_TOTAL_CHARS`).
MAX_TOTAL_ITEMS = 10 * MAX_ITEMS

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos,
                                                         ast.Not: operator.not_}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}
#: Comparisons that never look inside their operands (safe on any referenced object).
_IDENTITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
_NAMES = {ast.Call: "a function call", ast.Attribute: "attribute access", ast.Subscript: "subscripting",
          ast.Lambda: "a lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
          ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension", ast.Starred: "unpacking",
          ast.JoinedStr: "an f-string", ast.NamedExpr: "assignment", ast.Slice: "slicing"}

_INTEGERS = (bool, int)
_TEXT = (str, bytes)
_SEQUENCES = (str, bytes, list, tuple)
_COLLECTIONS = (list, tuple, set, frozenset)
#: Exact types the interpreter computes with; anything else a reference returns is passed through
#: (returned, tested for truth, compared for equality) but never used in arithmetic.
_PLAIN = frozenset({type(None), bool, int, float, str, bytes, list, tuple, set, frozenset, dict})
_OPERATION_ERRORS = (ArithmeticError, TypeError, ValueError)


class _Size(NamedTuple):
    """Size of a value: items of its containers and characters of its strings, through nesting."""

    items: int = 0
    chars: int = 0


_SCALAR = _Size()


def _plus(*sizes: _Size) -> _Size:
    return _Size(sum(s.items for s in sizes), sum(s.chars for s in sizes))


@dataclass
class _Budget:
    """What is left to one evaluation, shared with the expressions its references evaluate."""

    nodes: int = MAX_NODES
    items: int = MAX_TOTAL_ITEMS
    chars: int = MAX_TOTAL_CHARS
    depth: int = 0


#: The budget of the evaluation in progress in this thread (``None`` outside one).
_ACTIVE: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("expression_budget", default=None)


class _RefusedError(Exception):
    """A cause found where the config key is not known; the interpreter turns it into a refusal."""


def evaluate(expression: str, resolve: Callable[[str], Any], key: str) -> Any:
    """Evaluate a bundle expression (without its leading ``$``).

    Parameters
    ----------
    expression
        The expression text.
    resolve
        Returns the value of a reference id (``"bundle_root"`` for ``@bundle_root``); it raises
        :class:`~ai.errors.PackRefusedError` for ids it cannot resolve. When it evaluates further
        expressions, they share this evaluation's budget.
    key
        The config key holding the expression, named in refusals.

    Returns
    -------
    Any
        The value, within the module's bounds.

    Raises
    ------
    PackRefusedError
        The expression uses anything outside the accepted subset, would exceed a bound on size,
        depth or work, or fails (division by zero, comparing a number with a string...).
    """
    text = expression.strip()
    if len(text) > MAX_SOURCE:
        raise PackRefusedError(f"config key {key!r}: an expression of {len(text)} characters is longer than "
                               f"the {MAX_SOURCE} allowed ({text[:80]!r}...)")
    names: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = f"__ref_{len(names)}"
        names[name] = match.group(1)
        return name

    source = REFERENCE.sub(placeholder, text)
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError) as e:
        raise PackRefusedError(f"config key {key!r}: cannot parse expression {expression[:80]!r} ({e})") from e
    except (RecursionError, MemoryError) as e:
        raise PackRefusedError(f"config key {key!r}: expression {expression[:80]!r} is nested too deeply "
                               "to parse") from e

    outer = _ACTIVE.get()  # set when a reference of another expression is being resolved
    budget = _Budget() if outer is None else outer
    token = _ACTIVE.set(budget) if outer is None else None
    interpreter = _Interpreter(names, resolve, key, expression, budget)
    try:
        interpreter.check(tree.body)
        return interpreter.visit(tree.body)[0]
    except (RecursionError, MemoryError) as e:
        interpreter.refuse(f"{type(e).__name__} (the expression or its references nest too deeply)", e)
    finally:
        if token is not None:
            _ACTIVE.reset(token)


def _measure(value: Any) -> _Size:
    """The size of a value from outside the interpreter, walked without recursion.

    Raises ``_RefusedError`` as soon as the value exceeds a bound, so its cost is bounded too
    (self-containing values included).
    """
    items = chars = 0
    stack = [(value, 1)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind in _TEXT:
            chars += len(value)
        elif kind in _COLLECTIONS or kind is dict:
            items += len(value)
            if items > MAX_ITEMS:
                raise _RefusedError(f"a value of more than {MAX_ITEMS} items")
            if value and depth >= MAX_DEPTH:
                raise _RefusedError(f"a value nested deeper than {MAX_DEPTH} levels")
            stack.extend((element, depth + 1) for element in value)
            if kind is dict:
                stack.extend((element, depth + 1) for element in value.values())
        else:
            _check_scalar(value)
        if chars > MAX_CHARS:
            raise _RefusedError(f"a value of more than {MAX_CHARS} characters")
    return _Size(items, chars)


def _check_scalar(value: Any) -> None:
    """Refuse a number that is too big to compute with, infinite, not a number or complex."""
    kind = type(value)
    if kind in _INTEGERS and value.bit_length() > MAX_INT_BITS:
        raise _RefusedError(f"an integer of {value.bit_length()} bits (more than {MAX_INT_BITS})")
    if kind is float and not math.isfinite(value):
        raise _RefusedError(f"the number {value!r} (a float overflow)")
    if isinstance(value, complex):
        raise _RefusedError("a complex number")


def _predicted_size(op: ast.operator, left: Any, left_size: _Size, right: Any, right_size: _Size) -> _Size:
    """An upper bound of the size of ``left op right``, computed without computing it.

    A repetition (a sequence times an integer) is the sequence's size times the count; anything else an
    operator builds from its operands (concatenation, set difference) is no larger than both together.
    """
    if isinstance(op, ast.Mult):
        for sequence, size, count in ((left, left_size, right), (right, right_size, left)):
            if type(sequence) in _SEQUENCES and type(count) in _INTEGERS:
                count = max(count, 0)
                return _Size(size.items * count, size.chars * count)
    return _plus(left_size, right_size)


def _predicted_bits(op: ast.operator, left: int, right: int) -> int:
    """An upper bound of the bit length of the integer ``left op right`` (0 when the result is a float).

    For a power of ``|left| >= 2`` the bound is at most twice the true length, so refusing when it
    exceeds ``2 * MAX_INT_BITS`` refuses only results that exceed ``MAX_INT_BITS``.
    """
    a, b = abs(left).bit_length(), abs(right).bit_length()
    if isinstance(op, ast.Pow):
        if right < 0:
            return 0
        return 1 if abs(left) <= 1 else a * right
    if isinstance(op, ast.Mult):
        return a + b
    if isinstance(op, ast.Add | ast.Sub):
        return max(a, b) + 1
    return max(a, b)


class _Interpreter:
    def __init__(self, names: dict[str, str], resolve: Callable[[str], Any], key: str, text: str,
                 budget: _Budget) -> None:
        self.names, self.resolve, self.key, self.text, self.budget = names, resolve, key, text, budget

    def refuse(self, cause: str, error: BaseException | None = None) -> NoReturn:
        raise PackRefusedError(f"config key {self.key!r}: {cause} ({self.text[:80]!r})") from error

    def forbid(self, what: str) -> NoReturn:
        self.refuse(f"{what} is not allowed in expressions")

    # ------------------------------------------------------------------ the tree, before evaluation
    def check(self, root: ast.expr) -> None:
        """Refuse the whole expression for any node outside the grammar, too deep or too many."""
        stack, count = [(root, self.budget.depth + 1)], 0
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > self.budget.nodes:
                self.refuse(f"an expression of more than {MAX_NODES} parts, references included")
            if depth > MAX_DEPTH:
                self.refuse(f"nesting deeper than {MAX_DEPTH} levels, references included")
            stack.extend((child, depth + 1) for child in self.children(node))
        self.budget.nodes -= count

    def children(self, node: ast.AST) -> list[ast.expr]:
        if isinstance(node, ast.Constant):
            if type(node.value) not in _PLAIN:
                self.forbid(f"a constant of type {type(node.value).__name__}")
            return []
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                self.forbid(f"the name {node.id!r}")
            return []
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return node.elts
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                self.forbid("dictionary unpacking")
            return [*cast(list[ast.expr], node.keys), *node.values]  # no None: refused above
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            table = _BINARY if isinstance(node, ast.BinOp) else _UNARY
            if type(node.op) not in table:
                self.forbid(f"the operator {type(node.op).__name__}")
            return [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
        if isinstance(node, ast.BoolOp):
            return node.values
        if isinstance(node, ast.Compare):
            return [node.left, *node.comparators]
        if isinstance(node, ast.IfExp):
            return [node.test, node.body, node.orelse]
        self.forbid(_NAMES.get(type(node), type(node).__name__))

    # ------------------------------------------------------------------ bounds on values
    def admit(self, size: _Size) -> None:
        """Accept a value of ``size`` about to be built: within the per-value bounds, and paid for."""
        if size.items > MAX_ITEMS:
            self.refuse(f"a value of {size.items} items (more than {MAX_ITEMS})")
        if size.chars > MAX_CHARS:
            self.refuse(f"a value of {size.chars} characters (more than {MAX_CHARS})")
        self.charge(size)

    def charge(self, size: _Size) -> None:
        """Pay for building or comparing values of ``size`` from the evaluation's budget."""
        self.budget.items -= size.items
        self.budget.chars -= size.chars
        if self.budget.items < 0 or self.budget.chars < 0:
            self.refuse(f"more work than one expression may do ({MAX_TOTAL_ITEMS} items or {MAX_TOTAL_CHARS} "
                        "characters built or compared in all, references included)")

    def measured(self, value: Any) -> tuple[Any, _Size]:
        try:
            size = _measure(value)
        except _RefusedError as e:
            self.refuse(str(e))
        self.admit(size)
        return value, size

    def checked(self, value: Any, size: _Size) -> tuple[Any, _Size]:
        try:
            _check_scalar(value)
        except _RefusedError as e:
            self.refuse(str(e))
        return value, size

    def plain(self, value: Any, what: str) -> None:
        if type(value) not in _PLAIN:
            self.refuse(f"{what} on a {type(value).__name__} value")

    def truth(self, value: Any) -> bool:
        try:
            return bool(value)
        except _OPERATION_ERRORS as e:
            self.refuse(f"the truth of a {type(value).__name__} value is undefined", e)

    # ------------------------------------------------------------------ evaluation
    def visit(self, node: ast.expr) -> tuple[Any, _Size]:
        """The value of a checked node and its size."""
        self.budget.depth += 1
        try:
            return self.evaluate(node)
        finally:
            self.budget.depth -= 1

    def evaluate(self, node: ast.expr) -> tuple[Any, _Size]:
        if isinstance(node, ast.Constant):
            return self.measured(node.value)
        if isinstance(node, ast.Name):
            return self.measured(self.resolve(self.names[node.id]))
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return self.collection(node)
        if isinstance(node, ast.Dict):
            return self.dictionary(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node.op, self.visit(node.left), self.visit(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.unary(node.op, *self.visit(node.operand))
        if isinstance(node, ast.BoolOp):
            for part in node.values:  # short-circuit, returning the deciding value as Python does
                value, size = self.visit(part)
                if self.truth(value) == isinstance(node.op, ast.Or):
                    break
            return value, size
        if isinstance(node, ast.Compare):
            left = self.visit(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.visit(comparator)
                if not self.truth(self.compare(op, left, right)):
                    return False, _SCALAR
                left = right
            return True, _SCALAR
        if isinstance(node, ast.IfExp):
            return self.visit(node.body) if self.truth(self.visit(node.test)[0]) else self.visit(node.orelse)
        self.forbid(type(node).__name__)  # unreachable after check(); kept as a guard

    def collection(self, node: ast.List | ast.Tuple | ast.Set) -> tuple[Any, _Size]:
        parts = [self.visit(element) for element in node.elts]
        size = _plus(_Size(len(parts)), *(s for _, s in parts))
        self.admit(size)
        values = [v for v, _ in parts]
        if isinstance(node, ast.Set):
            try:
                return set(values), size
            except TypeError as e:
                self.refuse(f"a set element that cannot be hashed ({e})", e)
        return (list if isinstance(node, ast.List) else tuple)(values), size

    def dictionary(self, node: ast.Dict) -> tuple[Any, _Size]:
        keys = cast(list[ast.expr], node.keys)  # no None: dictionary unpacking is refused by check()
        parts = [(self.visit(k), self.visit(v)) for k, v in zip(keys, node.values, strict=True)]
        size = _plus(_Size(len(parts)), *(s for pair in parts for _, s in pair))
        self.admit(size)
        try:
            return {k: v for (k, _), (v, _) in parts}, size
        except TypeError as e:
            self.refuse(f"a dictionary key that cannot be hashed ({e})", e)

    def binary(self, op: ast.operator, left: tuple[Any, _Size], right: tuple[Any, _Size]) -> tuple[Any, _Size]:
        (a, a_size), (b, b_size) = left, right
        if isinstance(op, ast.Mod) and isinstance(a, str | bytes):
            self.forbid("%-formatting of strings")
        self.plain(a, "arithmetic")
        self.plain(b, "arithmetic")
        size = _predicted_size(op, a, a_size, b, b_size)
        self.admit(size)
        if type(a) in _INTEGERS and type(b) in _INTEGERS and _predicted_bits(op, a, b) > 2 * MAX_INT_BITS:
            self.refuse(f"an integer of more than {MAX_INT_BITS} bits")
        try:
            result = _BINARY[type(op)](a, b)
        except _OPERATION_ERRORS as e:
            self.refuse(f"the arithmetic fails ({type(e).__name__}: {e})", e)
        return self.checked(result, size)

    def unary(self, op: ast.unaryop, value: Any, size: _Size) -> tuple[Any, _Size]:
        if isinstance(op, ast.Not):
            return not self.truth(value), _SCALAR
        self.plain(value, "arithmetic")
        try:
            result = _UNARY[type(op)](value)
        except _OPERATION_ERRORS as e:
            self.refuse(f"the arithmetic fails ({type(e).__name__}: {e})", e)
        return self.checked(result, _SCALAR)

    def compare(self, op: ast.cmpop, left: tuple[Any, _Size], right: tuple[Any, _Size]) -> Any:
        (a, a_size), (b, b_size) = left, right
        if not isinstance(op, _IDENTITY):
            self.plain(a, "comparison")
            self.plain(b, "comparison")
        self.charge(_plus(a_size, b_size))  # comparing walks both operands
        try:
            return _COMPARE[type(op)](a, b)
        except _OPERATION_ERRORS as e:
            self.refuse(f"the comparison fails ({type(e).__name__}: {e})", e)

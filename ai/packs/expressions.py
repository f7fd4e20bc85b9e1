"""A restricted evaluator for the ``$`` expressions of MONAI bundle configs.

It accepts literals, containers, arithmetic, comparisons, boolean logic,
conditional expressions and ``@`` references, and nothing else: no calls,
attribute access, subscripts, imports, comprehensions or free names. Published
bundles use such expressions for spacings and file names.

It interprets the syntax tree itself; nothing reaches ``eval``.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from ai.errors import PackRefusedError

#: ``@id`` or ``@id#sub#0`` references inside an expression.
REFERENCE = re.compile(r"@([A-Za-z_][\w]*(?:#[\w]+)*)")

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}
#: Bounds that keep an expression from exhausting memory or time.
MAX_EXPONENT = 64
MAX_SEQUENCE = 10_000


def evaluate(expression: str, resolve: Callable[[str], Any], key: str) -> Any:
    """Evaluate a bundle expression (without its leading ``$``).

    Parameters
    ----------
    expression
        The expression text.
    resolve
        Returns the value of a reference id (``"bundle_root"`` for ``@bundle_root``).
    key
        The config key holding the expression, named in refusals.

    Raises
    ------
    PackRefusedError
        The expression uses anything outside the accepted subset.
    """
    names: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        name = f"__ref_{len(names)}"
        names[name] = match.group(1)
        return name

    source = REFERENCE.sub(placeholder, expression.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise PackRefusedError(f"config key {key!r}: cannot parse expression {expression!r}") from e
    return _Interpreter(names, resolve, key, expression).visit(tree.body)


class _Interpreter:
    def __init__(self, names: dict[str, str], resolve, key: str, text: str) -> None:
        self.names, self.resolve, self.key, self.text = names, resolve, key, text

    def refuse(self, what: str):
        raise PackRefusedError(f"config key {self.key!r}: {what} is not allowed in expressions "
                               f"({self.text[:80]!r})")

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.resolve(self.names[node.id])
            return self.refuse(f"the name {node.id!r}")
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            if len(node.elts) > MAX_SEQUENCE:
                self.refuse("a very long literal")
            values = [self.visit(element) for element in node.elts]
            return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](values)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                self.refuse("dictionary unpacking")
            return {self.visit(k): self.visit(v) for k, v in zip(node.keys, node.values, strict=True)}
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Pow) and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                self.refuse("a huge exponent")
            if isinstance(node.op, ast.Mult) and any(isinstance(v, str | list | tuple) for v in (left, right)):
                count = right if isinstance(right, int) else left if isinstance(left, int) else 0
                if count > MAX_SEQUENCE:
                    self.refuse("a huge repetition")
            try:
                return _BINARY[type(node.op)](left, right)
            except (TypeError, ArithmeticError, ValueError) as e:
                raise PackRefusedError(f"config key {self.key!r}: expression fails: {e}") from e
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.visit(node.operand))
        if isinstance(node, ast.BoolOp):
            values = [self.visit(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return all(values) and values[-1]
            return next((v for v in values if v), values[-1])
        if isinstance(node, ast.Compare):
            left = self.visit(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.visit(comparator)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)
        if isinstance(node, ast.Call):
            return self.refuse("a function call")
        if isinstance(node, ast.Attribute):
            return self.refuse("attribute access")
        if isinstance(node, ast.Subscript):
            return self.refuse("subscripting")
        return self.refuse(type(node).__name__)

"""A small, safe arithmetic language for derived metrics (no ``eval``, no attribute access).

Grammar::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("-" | "+") unary | atom
    atom   := NUMBER | ref | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    ref    := NAME ("." NAME)?          # metric value, or a part: nps.promoters, csat.n
    FUNC   := abs | min | max

``NAME`` is a metric id (letters, digits, ``_``); ids with other characters are written in
backticks: ```my-kpi```. The parts of a metric are its components plus ``n``, ``low`` and
``high``. Evaluation is element-wise over numpy arrays (one entry per group); division by zero
gives "no value", never an exception.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Mapping
from typing import Final

import attrs
import numpy as np

from .batch import F64
from .errors import ExpressionError

__all__ = ["Expr", "parse_expression"]

_TOKEN: Final = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*|`[^`]+`)"
    r"|(?P<op>[-+*/(),.]))"
)
_FUNCS: Final[Mapping[str, Callable[..., F64]]] = {
    "abs": np.abs,
    "min": lambda *a: np.minimum.reduce(np.broadcast_arrays(*a)),
    "max": lambda *a: np.maximum.reduce(np.broadcast_arrays(*a)),
}
Resolver = Callable[[str, str | None], F64]


class Expr(abc.ABC):
    """A parsed expression: ``refs`` lists the metrics it reads; :meth:`evaluate` computes it."""

    @abc.abstractmethod
    def refs(self) -> set[str]:
        """The metric ids the expression reads."""

    @abc.abstractmethod
    def evaluate(self, resolve: Resolver) -> F64:
        """The value per group; ``resolve(metric, part)`` returns the input arrays."""


@attrs.frozen
class _Num(Expr):
    value: float

    def refs(self) -> set[str]:
        return set()

    def evaluate(self, resolve: Resolver) -> F64:
        return np.asarray(self.value, dtype=np.float64)


@attrs.frozen
class _Ref(Expr):
    metric: str
    part: str | None

    def refs(self) -> set[str]:
        return {self.metric}

    def evaluate(self, resolve: Resolver) -> F64:
        return resolve(self.metric, self.part)


@attrs.frozen
class _Bin(Expr):
    op: str
    left: Expr
    right: Expr

    def refs(self) -> set[str]:
        return self.left.refs() | self.right.refs()

    def evaluate(self, resolve: Resolver) -> F64:
        a, b = self.left.evaluate(resolve), self.right.evaluate(resolve)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.op == "+":
                out = a + b
            elif self.op == "-":
                out = a - b
            elif self.op == "*":
                out = a * b
            else:
                out = a / b
        return np.where(np.isfinite(out), out, np.nan)


@attrs.frozen
class _Neg(Expr):
    operand: Expr

    def refs(self) -> set[str]:
        return self.operand.refs()

    def evaluate(self, resolve: Resolver) -> F64:
        return -self.operand.evaluate(resolve)


@attrs.frozen
class _Call(Expr):
    func: str
    args: tuple[Expr, ...]

    def refs(self) -> set[str]:
        return set().union(*(a.refs() for a in self.args))

    def evaluate(self, resolve: Resolver) -> F64:
        values = [a.evaluate(resolve) for a in self.args]
        return np.asarray(_FUNCS[self.func](*values), dtype=np.float64)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:].lstrip()[:1]!r} at {pos}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "name" and value.startswith("`"):
            value = value[1:-1]
        out.append((kind, value, m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ExpressionError(f"unexpected end of expression {self.text!r}")
        if value is not None and tok[1] != value:
            raise ExpressionError(f"expected {value!r} at {tok[2]}, got {tok[1]!r}")
        self.i += 1
        return tok

    def expr(self) -> Expr:
        node = self.term()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in "+-":
            self.take()
            node = _Bin(tok[1], node, self.term())
        return node

    def term(self) -> Expr:
        node = self.unary()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in "*/":
            self.take()
            node = _Bin(tok[1], node, self.unary())
        return node

    def unary(self) -> Expr:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in "+-":
            self.take()
            inner = self.unary()
            return _Neg(inner) if tok[1] == "-" else inner
        return self.atom()

    def atom(self) -> Expr:
        kind, value, pos = self.take()
        if kind == "num":
            return _Num(float(value))
        if kind == "op" and value == "(":
            node = self.expr()
            self.take(")")
            return node
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} at {pos}")
        nxt = self.peek()
        if nxt is not None and nxt[1] == "(":
            if value not in _FUNCS:
                raise ExpressionError(
                    f"unknown function {value!r}; available: {', '.join(sorted(_FUNCS))}"
                )
            self.take("(")
            args = [self.expr()]
            while (sep := self.peek()) is not None and sep[1] == ",":
                self.take(",")
                args.append(self.expr())
            self.take(")")
            if value == "abs" and len(args) != 1:
                raise ExpressionError("abs takes one argument")
            return _Call(value, tuple(args))
        if nxt is not None and nxt[1] == ".":
            self.take(".")
            part_kind, part, part_pos = self.take()
            if part_kind != "name":
                raise ExpressionError(f"expected a part name after '{value}.' at {part_pos}")
            return _Ref(value, part)
        return _Ref(value, None)


def parse_expression(text: str) -> Expr:
    """Parse a derived metric's expression; :class:`ExpressionError` says what and where."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("a derived metric needs a non-empty expression")
    parser = _Parser(text)
    try:
        node = parser.expr()
        if parser.peek() is not None:
            tok = parser.peek()
            assert tok is not None
            raise ExpressionError(f"unexpected {tok[1]!r} at {tok[2]}")
    except ExpressionError as exc:
        raise ExpressionError(f"expression {text!r}: {exc}") from None
    return node

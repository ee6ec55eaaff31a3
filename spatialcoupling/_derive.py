"""A small, safe expression language for derived indicators (``[data.derive]`` of a study file).

Grammar (whitespace is free; names are column names, letters of any script, digits and ``_``)::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := NUMBER | NAME | NAME "(" [argument ("," argument)*] ")" | "(" expression ")"
    argument   := NAME "=" expression | expression

Examples: ``growth(ms_fai)``, ``capital_stock(ms_fai, deflator=fai_price, depreciation=0.096)``,
``sum(edu, fin, it) / 3``, ``log(gdp / pop)``. The text is tokenised and parsed here by a
recursive-descent parser into a tree of :class:`Node` objects; nothing is ever passed to Python's
``eval``. Evaluating a tree asks its caller for columns and function results (:func:`evaluate`),
so this module knows no panel; :meth:`spatialcoupling.Panel.derive` supplies them. Errors are
:class:`DeriveError`, a ``ValueError`` that shows the expression with a caret under the position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FUNCTIONS",
    "Call",
    "DeriveError",
    "Name",
    "Node",
    "Number",
    "Operation",
    "evaluate",
    "names_in",
    "parse",
]

#: the functions of the language: name -> (positional parameters, keyword parameters); ``*`` = any number
FUNCTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "growth": (("x",), ()),
    "capital_stock": (("investment",), ("deflator", "depreciation", "base_period")),
    "deflate": (("x", "index"), ("base_period",)),
    "sum": (("*",), ()),
    "mean": (("*",), ()),
    "ratio": (("numerator", "denominator"), ()),
    "log": (("x",), ()),
    "per_capita": (("x", "population"), ("scale",)),
}

_TOKEN = re.compile(r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[^\W\d]\w*)|(?P<op>[-+*/(),=]))")


class DeriveError(ValueError):
    """A problem of an expression, with the position shown."""

    def __init__(self, message: str, text: str, pos: int | None = None):
        shown = f"\n    {text}\n    {' ' * pos}^" if pos is not None else ""
        super().__init__(f"{message} in {text!r}{shown}")


@dataclass(frozen=True)
class Node:
    """A node of the tree; ``text`` is its source text."""

    text: str


@dataclass(frozen=True)
class Number(Node):
    value: float = 0.0


@dataclass(frozen=True)
class Name(Node):
    name: str = ""


@dataclass(frozen=True)
class Operation(Node):
    op: str = "+"
    operands: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Call(Node):
    function: str = ""
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = field(default_factory=tuple)


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            bad = len(text[pos:]) - len(text[pos:].lstrip()) + pos
            raise DeriveError(f"unexpected character {text[bad]!r}", text, bad)
        kind = match.lastgroup or "op"
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    out.append(("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        kind, tok, pos = self.tokens[self.i]
        if value is not None and tok != value:
            found = "the end" if kind == "end" else repr(tok)
            raise DeriveError(f"expected {value!r}, found {found}", self.text, pos)
        self.i += 1
        return kind, tok, pos

    def span(self, start: int) -> str:
        end = self.tokens[self.i - 1][2] + len(self.tokens[self.i - 1][1])
        return self.text[start:end].strip()

    def expression(self) -> Node:
        start = self.peek()[2]
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            op = self.take()[1]
            right = self.term()
            node = Operation(self.span(start), op, (node, right))
        return node

    def term(self) -> Node:
        start = self.peek()[2]
        node = self.unary()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            op = self.take()[1]
            right = self.unary()
            node = Operation(self.span(start), op, (node, right))
        return node

    def unary(self) -> Node:
        kind, tok, pos = self.peek()
        if kind == "op" and tok in ("-", "+"):
            self.take()
            operand = self.unary()
            return operand if tok == "+" else Operation(self.span(pos), "neg", (operand,))
        return self.primary()

    def primary(self) -> Node:
        kind, tok, pos = self.take()
        if kind == "number":
            return Number(tok, float(tok))
        if kind == "name":
            if self.peek()[1] == "(":
                return self.call(tok, pos)
            return Name(tok, tok)
        if tok == "(":
            node = self.expression()
            self.take(")")
            return node
        found = "the end of the expression" if kind == "end" else repr(tok)
        raise DeriveError(f"expected a number, a column name or '(', found {found}", self.text, pos)

    def call(self, function: str, pos: int) -> Call:
        if function not in FUNCTIONS:
            raise DeriveError(
                f"unknown function {function!r}; functions are {', '.join(FUNCTIONS)}",
                self.text,
                pos,
            )
        self.take("(")
        args: list[Node] = []
        kwargs: dict[str, Node] = {}
        if self.peek()[1] != ")":
            while True:
                kind, tok, at = self.peek()
                if kind == "name" and self.tokens[self.i + 1][1] == "=":
                    self.take()
                    self.take("=")
                    if tok in kwargs:
                        raise DeriveError(f"{function}(): keyword {tok!r} given twice", self.text, at)
                    kwargs[tok] = self.expression()
                else:
                    if kwargs:
                        raise DeriveError(
                            f"{function}(): a positional argument after a keyword one",
                            self.text,
                            at,
                        )
                    args.append(self.expression())
                if self.peek()[1] != ",":
                    break
                self.take(",")
        self.take(")")
        node = Call(self.span(pos), function, tuple(args), tuple(kwargs.items()))
        _check_signature(node, self.text, pos)
        return node


def _check_signature(node: Call, text: str, pos: int) -> None:
    positional, keywords = FUNCTIONS[node.function]
    if positional == ("*",):
        if len(node.args) < 2:
            raise DeriveError(f"{node.function}() needs at least two arguments", text, pos)
    elif len(node.args) != len(positional):
        raise DeriveError(
            f"{node.function}() takes {len(positional)} argument(s) ({', '.join(positional)}), got {len(node.args)}",
            text,
            pos,
        )
    unknown = [k for k, _ in node.kwargs if k not in keywords]
    if unknown:
        allowed = ", ".join(keywords) or "none"
        raise DeriveError(f"{node.function}(): unknown keyword(s) {unknown}; it takes {allowed}", text, pos)


def parse(text: str) -> Node:
    """The tree of an expression.

    Raises
    ------
    DeriveError
        A character that is not part of the language, an unknown function, wrong arguments, or
        an incomplete expression; the message shows the position.

    Examples
    --------
    >>> parse("capital_stock(fai, deflator=p, depreciation=0.096)").kwargs[1][1].value
    0.096
    >>> sorted(names_in(parse("sum(edu, fin) / pop")))
    ['edu', 'fin', 'pop']
    """
    if not isinstance(text, str) or not text.strip():
        raise DeriveError("an empty expression", str(text))
    parser = _Parser(text)
    node = parser.expression()
    kind, tok, pos = parser.peek()
    if kind != "end":
        raise DeriveError(f"unexpected {tok!r} after a complete expression", text, pos)
    return node


def names_in(node: Node) -> set[str]:
    """The column names an expression reads."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Operation):
        return set().union(*(names_in(o) for o in node.operands))
    if isinstance(node, Call):
        return set().union(set(), *(names_in(a) for a in node.args), *(names_in(v) for _, v in node.kwargs))
    return set()


def evaluate(
    node: Node,
    column: Callable[[str], Any],
    call: Callable[[Call, list[Any], Mapping[str, Any]], Any],
) -> Any:
    """The value of ``node``: numbers stay numbers, ``column(name)`` gives a column's values and
    ``call(node, args, kwargs)`` a function's result (its arguments already evaluated)."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return column(node.name)
    if isinstance(node, Operation):
        values = [evaluate(o, column, call) for o in node.operands]
        if node.op == "neg":
            return -values[0]
        left, right = values
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return left / right
    if isinstance(node, Call):
        args = [evaluate(a, column, call) for a in node.args]
        kwargs = {k: evaluate(v, column, call) for k, v in node.kwargs}
        return call(node, args, kwargs)
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover

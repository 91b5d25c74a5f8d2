"""A tiny arithmetic language for the balance-sheet indices (BalanceIndex.formula).

Formulas are typed by the struttura tecnica, so they are parsed by hand into a tree and evaluated with
Decimal: no ``eval``, no names other than component codes, nothing but + - * / and parentheses. The
same tree is written back with the components' labels (so the page can say what the index is) and
with the year's amounts (so anyone can redo the arithmetic).

Grammar::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | primary
    primary := NUMBER | NAME | "(" expr ")"

Numbers are read as everywhere else in Misura (performance.parsing.parse_decimal): Italian ("1.234,5",
"0,5", "1.000" = mille) or plain dot decimals ("0.5", "2.60"). Names are component codes:
``[a-z][a-z0-9_]*``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.utils.translation import gettext as _

from performance.parsing import ValueParseError, format_number, parse_decimal

#: nesting beyond this is certainly a typo, and the recursive parser must stay far from Python's limit
MAX_DEPTH = 40
MAX_LENGTH = 500

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d[\d.,]*)
  | (?P<name>[a-z][a-z0-9_]*)
  | (?P<op>[-+*/()])
""", re.VERBOSE)
# Binding strength, used to write the tree back with only the parentheses it needs.
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_NEGATION = 3
_ATOM = 4


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated; the message (Italian) names the formula and the problem."""


class Expr:
    """A node of a parsed formula."""

    precedence: int = _ATOM

    def variables(self) -> frozenset[str]:
        raise NotImplementedError

    def __str__(self) -> str:
        return describe(self, {})


@dataclass(frozen=True, eq=True)
class Number(Expr):
    value: Decimal

    def variables(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True, eq=True)
class Name(Expr):
    name: str

    def variables(self) -> frozenset[str]:
        return frozenset({self.name})


@dataclass(frozen=True, eq=True)
class Negation(Expr):
    operand: Expr
    precedence = _NEGATION

    def variables(self) -> frozenset[str]:
        return self.operand.variables()


@dataclass(frozen=True, eq=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE[self.op]

    def variables(self) -> frozenset[str]:
        return self.left.variables() | self.right.variables()


def _error(text: str, problem: str) -> FormulaError:
    return FormulaError(_("Formula «%(formula)s»: %(problem)s") % {"formula": text, "problem": problem})


def _number(text: str, lexeme: str) -> Decimal:
    try:
        return parse_decimal(lexeme)
    except ValueParseError:
        raise _error(text, _("il numero «%(number)s» non è scritto correttamente.") % {"number": lexeme}) from None


def _tokens(text: str) -> list[tuple[str, str | Decimal, int]]:
    tokens: list[tuple[str, str | Decimal, int]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            char = text[pos]
            hint = _(" (i codici si scrivono in minuscolo)") if char.isupper() else ""
            raise _error(text, _("carattere «%(char)s» non ammesso in posizione %(pos)d%(hint)s.")
                         % {"char": char, "pos": pos + 1, "hint": hint})
        kind = match.lastgroup or ""
        lexeme = match.group()
        if kind == "number":
            tokens.append(("number", _number(text, lexeme), pos))
        elif kind == "name":
            tokens.append(("name", lexeme, pos))
        elif kind == "op":
            tokens.append((lexeme, lexeme, pos))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str | Decimal, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(self.text, _("troppi livelli di parentesi o di segni meno."))

    def expr(self) -> Expr:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = str(self.take()[1])
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = str(self.take()[1])
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Expr:
        if self.peek() == "-":
            self.take()
            self.nest()
            node: Expr = Negation(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Expr:
        kind = self.peek()
        if kind is None:
            raise _error(self.text, _("la formula finisce dove ci si aspetta un numero, un codice o «(»."))
        kind, value, pos = self.take()
        if kind == "number":
            assert isinstance(value, Decimal)
            return Number(value)
        if kind == "name":
            return Name(str(value))
        if kind == "(":
            self.nest()
            node = self.expr()
            self.depth -= 1
            if self.peek() != ")":
                raise _error(self.text, _("manca la parentesi «)» che chiude quella in posizione %(pos)d.")
                             % {"pos": pos + 1})
            self.take()
            return node
        raise _error(self.text, _("«%(token)s» in posizione %(pos)d non è al suo posto.")
                     % {"token": value, "pos": pos + 1})


def parse(text: str) -> Expr:
    """The tree of a formula; FormulaError (Italian) if it is not one."""
    if len(text) > MAX_LENGTH:
        raise _error(text[:40] + "…", _("è più lunga di %(max)d caratteri.") % {"max": MAX_LENGTH})
    parser = _Parser(text)
    if not parser.tokens:
        raise _error(text, _("è vuota."))
    node = parser.expr()
    if parser.peek() is not None:
        _kind, value, pos = parser.take()
        raise _error(text, _("«%(token)s» in posizione %(pos)d non è al suo posto.") % {"token": value, "pos": pos + 1})
    return node


def evaluate(expr: Expr, values: Mapping[str, Decimal]) -> Decimal:
    """The formula's value; FormulaError on a missing variable or a division by zero."""
    missing = sorted(expr.variables() - values.keys())
    if missing:
        raise _error(str(expr), _("manca il valore di %(names)s.") % {"names": ", ".join(missing)})
    return _evaluate(expr, values)


def _evaluate(expr: Expr, values: Mapping[str, Decimal]) -> Decimal:
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Name):
        return Decimal(values[expr.name])
    if isinstance(expr, Negation):
        return -_evaluate(expr.operand, values)
    assert isinstance(expr, Binary)
    left, right = _evaluate(expr.left, values), _evaluate(expr.right, values)
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    if right == 0:
        raise _error(str(expr), _("divisione per zero (%(divisor)s vale 0).") % {"divisor": str(expr.right)})
    try:
        return left / right
    except (DivisionByZero, InvalidOperation) as exc:  # pragma: no cover - guarded above
        raise _error(str(expr), _("divisione impossibile.")) from exc


def _write(expr: Expr, leaf: Callable[[Expr], str]) -> str:
    if isinstance(expr, (Number, Name)):
        return leaf(expr)
    if isinstance(expr, Negation):
        inner = _write(expr.operand, leaf)
        return f"-({inner})" if expr.operand.precedence < _NEGATION else f"-{inner}"
    assert isinstance(expr, Binary)
    left = _write(expr.left, leaf)
    right = _write(expr.right, leaf)
    if expr.left.precedence < expr.precedence:
        left = f"({left})"
    # a - (b + c) and a / (b * c) need their parentheses even at equal strength
    if expr.right.precedence < expr.precedence or (
            expr.right.precedence == expr.precedence and expr.op in ("-", "/")):
        right = f"({right})"
    return f"{left} {expr.op} {right}"


def describe(expr: Expr, labels: Mapping[str, str]) -> str:
    """The formula written with labels: "(Patrimonio netto + Passività M/L) / (Immobilizzazioni + …)"."""
    def leaf(node: Expr) -> str:
        if isinstance(node, Name):
            return labels.get(node.name) or node.name
        assert isinstance(node, Number)
        return format_number(node.value)
    return _write(expr, leaf)


def substitute(expr: Expr, values: Mapping[str, Decimal | None]) -> str:
    """The formula with the amounts in Italian format, "n.d." for a missing one; a negative amount is
    bracketed so "a - b" with b = -5 reads "… - (-5)"."""
    def leaf(node: Expr) -> str:
        value = values.get(node.name) if isinstance(node, Name) else node.value  # type: ignore[union-attr]
        if value is None:
            return _("n.d.")
        text = format_number(value)
        return f"({text})" if value < 0 else text
    return _write(expr, leaf)

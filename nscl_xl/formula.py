"""A small, safe evaluator for the formulas budget tables use: SUM, + - * /, cell refs.

Used to check that a formula's cached value is what it computes (rule ``stale-formula``)
without a spreadsheet engine. Anything else (other functions, other sheets, names) is
reported as not evaluable and the check is skipped for that cell — never guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable

_TOKEN = re.compile(r"\s*(?:(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)|(\d+(?:\.\d+)?)|(SUM)\s*\(|([-+*/(),]))",
                    re.IGNORECASE)


class NotEvaluable(Exception):
    pass


def parse_ref(ref: str) -> tuple[int, int]:
    """"B7" / "$B$7" -> (row, col), 0-based."""
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref.upper())
    if not m:
        raise NotEvaluable(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def evaluate(formula: str, value_at: Callable[[int, int], Decimal | None]) -> Decimal:
    """Evaluate "=SUM(G9:G13)+F5*2"; *value_at(row, col)* gives a cell's number (None = empty)."""
    text = formula[1:] if formula.startswith("=") else formula
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise NotEvaluable(formula)
        ref, num, func, op = m.groups()
        tokens.append(("ref", ref) if ref else ("num", num) if num else ("sum", func) if func else ("op", op))
        pos = m.end()
    tokens.append(("end", ""))
    i = 0

    def peek():
        return tokens[i]

    def take():
        nonlocal i
        i += 1
        return tokens[i - 1]

    def cell_values(ref: str) -> list[Decimal]:
        if ":" in ref:
            a, b = ref.split(":")
            (r0, c0), (r1, c1) = parse_ref(a), parse_ref(b)
            out = []
            for r in range(min(r0, r1), max(r0, r1) + 1):
                for c in range(min(c0, c1), max(c0, c1) + 1):
                    v = value_at(r, c)
                    if v is not None:
                        out.append(v)
            return out
        v = value_at(*parse_ref(ref))
        return [v if v is not None else Decimal(0)]

    def atom() -> Decimal:
        kind, val = take()
        if kind == "num":
            return Decimal(val)
        if kind == "ref":
            vals = cell_values(val)
            if ":" in val:
                raise NotEvaluable(formula)  # a bare range outside SUM
            return vals[0]
        if kind == "sum":
            total = Decimal(0)
            while True:
                if peek()[0] == "ref":
                    total += sum(cell_values(take()[1]), Decimal(0))
                else:
                    total += expr()
                sep = take()
                if sep == ("op", ")"):
                    return total
                if sep != ("op", ","):
                    raise NotEvaluable(formula)
        if (kind, val) == ("op", "("):
            v = expr()
            if take() != ("op", ")"):
                raise NotEvaluable(formula)
            return v
        if (kind, val) == ("op", "-"):
            return -atom()
        if (kind, val) == ("op", "+"):
            return atom()
        raise NotEvaluable(formula)

    def term() -> Decimal:
        v = atom()
        while peek() in (("op", "*"), ("op", "/")):
            op = take()[1]
            rhs = atom()
            if op == "/" and rhs == 0:
                raise NotEvaluable(formula)
            v = v * rhs if op == "*" else v / rhs
        return v

    def expr() -> Decimal:
        v = term()
        while peek() in (("op", "+"), ("op", "-")):
            op = take()[1]
            rhs = term()
            v = v + rhs if op == "+" else v - rhs
        return v

    result = expr()
    if peek()[0] != "end":
        raise NotEvaluable(formula)
    return result

"""Cell references inside formulas: a tokenizer, and the shifts a column insertion makes.

The tokenizer walks a formula (as stored in OOXML: no leading "=") and finds every reference —
``A1``, ``$B$7``, ``A1:C9``, ``A:C``, ``3:5``, with an optional sheet prefix (``S!``,
``'Kế hoạch (2)'!``, ``'It''s'!``, ``[1]S!`` for an external workbook, ``S1:S3!`` 3-D) — while
skipping string literals (``"A1"``), structured references (``Bảng1[Cột]``), function names
that look like cells (``LOG10(``) and names (``A1_total``). Everything else in the formula is
copied through unchanged, so a formula whose references do not move comes back byte-identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .. import model as _model

MAX_COL = 16384  # XFD
MAX_ROW = 1048576

_CELL = r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})"
_REF_AT = re.compile(
    rf"{_CELL}(?::{_CELL})?(?![\w.(\[!])"  # A1 or A1:B2
    r"|(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![\w.(\[!])"  # A:C
    r"|(\$?)([0-9]{1,7}):(\$?)([0-9]{1,7})(?![\w.(\[!])")  # 3:5
_UNQUOTED_SHEET = re.compile(r"((?:\[[^\]]*\])?[^\W\d][\w.]*(?::[^\W\d][\w.]*)?)!")
_WORD = re.compile(r"[\w.$\\?]+")


# One implementation of Excel's column letters for the whole package (the model's).
col_index = _model.col_index
col_name = _model.col_letter


@dataclass
class Ref:
    """One reference found in a formula. Columns/rows are 0-based; None = whole row/column."""

    sheet: str | None  # unquoted sheet name ("S1:S3" for 3-D), None when unqualified
    external: bool
    c1: int | None
    r1: int | None
    c2: int | None
    r2: int | None
    abs_c1: bool = False
    abs_r1: bool = False
    abs_c2: bool = False
    abs_r2: bool = False
    is_range: bool = False

    def text(self) -> str:
        """The reference part (without the sheet prefix)."""
        def cell(c, r, ac, ar):
            out = ""
            if c is not None:
                out += ("$" if ac else "") + col_name(c)
            if r is not None:
                out += ("$" if ar else "") + str(r + 1)
            return out
        first = cell(self.c1, self.r1, self.abs_c1, self.abs_r1)
        if not self.is_range:
            return first
        return first + ":" + cell(self.c2, self.r2, self.abs_c2, self.abs_r2)


def _unquote(name: str) -> str:
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def _parse_ref(m: re.Match, sheet: str | None, external: bool) -> Ref | None:
    g = m.groups()
    if g[1] is not None:  # cell or cell range
        c1, r1 = col_index(g[1]), int(g[3]) - 1
        if c1 >= MAX_COL or not 0 <= r1 < MAX_ROW:
            return None
        if g[5] is None:
            return Ref(sheet, external, c1, r1, c1, r1, bool(g[0]), bool(g[2]), bool(g[0]), bool(g[2]))
        c2, r2 = col_index(g[5]), int(g[7]) - 1
        if c2 >= MAX_COL or not 0 <= r2 < MAX_ROW:
            return None
        return Ref(sheet, external, c1, r1, c2, r2, bool(g[0]), bool(g[2]), bool(g[4]), bool(g[6]), True)
    if g[9] is not None:  # columns
        c1, c2 = col_index(g[9]), col_index(g[11])
        if c1 >= MAX_COL or c2 >= MAX_COL:
            return None
        return Ref(sheet, external, c1, None, c2, None, bool(g[8]), False, bool(g[10]), False, True)
    r1, r2 = int(g[13]) - 1, int(g[15]) - 1
    if not (0 <= r1 < MAX_ROW and 0 <= r2 < MAX_ROW):
        return None
    return Ref(sheet, external, None, r1, None, r2, False, bool(g[12]), False, bool(g[14]), True)


def _closing_quote(text: str, start: int) -> int:
    """Index of the quote closing the one at *start* (a doubled quote is an escaped one), or
    ``len(text)`` when it is never closed."""
    q, j, n = text[start], start + 1, len(text)
    while j < n:
        if text[j] == q:
            if j + 1 < n and text[j + 1] == q:
                j += 2
                continue
            return j
        j += 1
    return n


def rewrite_refs(formula: str, fn: Callable[[Ref], str | None], *, with_prefix: bool = False) -> str:
    """Return *formula* with each reference replaced by ``fn(ref)`` (None keeps it as written).

    *fn* returns the new reference text; the sheet prefix is kept as written (an error such as
    ``#REF!`` comes after it, as Excel writes it), unless *with_prefix*: then the replacement
    stands for prefix and reference together.
    """
    out: list[str] = []
    i, n = 0, len(formula)
    last = 0
    while i < n:
        ch = formula[i]
        if ch == '"':  # string literal, "" escapes a quote
            i = _closing_quote(formula, i) + 1
            continue
        prev = formula[i - 1] if i else ""
        if prev and (prev.isalnum() or prev in "_.$\\?"):
            i += 1
            continue
        sheet = None
        external = False
        start = j = i
        if ch == "'":  # quoted sheet name, '' escapes a quote
            k = _closing_quote(formula, i)
            if k + 1 < n and formula[k + 1] == "!":
                quoted = formula[i:k + 1]
                sheet = _unquote(quoted)
                j = k + 2
            else:
                i = k + 1
                continue
        elif ch == "[":  # external workbook prefix [1]S!A1, or a structured reference
            depth, k = 0, i
            while k < n:
                if formula[k] == "[":
                    depth += 1
                elif formula[k] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            m = _UNQUOTED_SHEET.match(formula, i)
            if m:
                sheet, j = m.group(1), m.end()
            else:
                i = k + 1
                continue
        else:
            m = _UNQUOTED_SHEET.match(formula, i)
            if m and (_REF_AT.match(formula, m.end()) or not _REF_AT.match(formula, i)):
                sheet, j = m.group(1), m.end()
        if sheet is not None and sheet.startswith("["):
            external = True
        elif sheet is not None and sheet.startswith("'["):
            external = True
        m = _REF_AT.match(formula, j)
        if m is None:
            if sheet is not None:
                i = j
                continue
            w = _WORD.match(formula, i)
            i = w.end() if w else i + 1
            continue
        ref = _parse_ref(m, sheet, external)
        if ref is None:
            i = m.end()
            continue
        new = fn(ref)
        if new is not None:
            out.append(formula[last:start if with_prefix else j])
            out.append(new)
            last = m.end()
        i = m.end()
    if not out:
        return formula
    out.append(formula[last:])
    return "".join(out)


def refs_in(formula: str) -> list[Ref]:
    found: list[Ref] = []
    rewrite_refs(formula, lambda r: found.append(r))
    return found


@dataclass(frozen=True)
class ColumnInsert:
    """*count* columns inserted before 0-based column *at* of sheet *sheet*."""

    sheet: str
    at: int
    count: int

    def applies(self, ref: Ref, here: str | None) -> bool:
        if ref.external:
            return False
        name = ref.sheet if ref.sheet is not None else here
        if name is None:
            return False
        if ":" in name and ref.sheet is not None:  # 3-D: only when both ends are this sheet
            a, _, b = name.partition(":")
            return a.casefold() == b.casefold() == self.sheet.casefold()
        return name.casefold() == self.sheet.casefold()

    def col(self, c: int) -> int:
        return c + self.count if c >= self.at else c

    def shift(self, ref: Ref, here: str | None) -> str | None:
        """The shifted reference text, or None when it does not move."""
        if not self.applies(ref, here) or ref.c1 is None:
            return None
        lo, hi = min(ref.c1, ref.c2), max(ref.c1, ref.c2)
        if hi < self.at:
            return None
        if not ref.is_range:
            c = self.col(ref.c1)
            if c >= MAX_COL:
                return "#REF!"
            ref.c1 = ref.c2 = c
            return ref.text()
        new_lo = self.col(lo)
        new_hi = min(self.col(hi), MAX_COL - 1)
        if new_lo >= MAX_COL:
            return "#REF!"
        if ref.c1 <= ref.c2:
            ref.c1, ref.c2 = new_lo, new_hi
        else:
            ref.c1, ref.c2 = new_hi, new_lo
        return ref.text()

    def formula(self, formula: str, here: str | None) -> str:
        if here is None or here.casefold() != self.sheet.casefold():
            low = formula.casefold()
            if self.sheet.casefold() not in low and self.sheet.replace("'", "''").casefold() not in low:
                return formula  # fast path: no reference to the sheet can be in it
        return rewrite_refs(formula, lambda r: self.shift(r, here))

    def sqref(self, sqref: str) -> str:
        """A space-separated list of ranges on this sheet."""
        return " ".join(self.formula(part, self.sheet) for part in sqref.split(" "))


def translate(formula: str, dr: int, dc: int) -> str:
    """*formula* as it reads in a cell *dr* rows and *dc* columns away (relative refs move),
    used to expand a shared formula into each of its cells."""
    if dr == 0 and dc == 0:
        return formula

    def move(ref: Ref) -> str | None:
        if ref.external:
            return None
        changed = False
        if ref.c1 is not None and not ref.abs_c1 and dc:
            ref.c1 += dc
            changed = True
        if ref.c2 is not None and not ref.abs_c2 and dc and ref.is_range:
            ref.c2 += dc
            changed = True
        if ref.r1 is not None and not ref.abs_r1 and dr:
            ref.r1 += dr
            changed = True
        if ref.r2 is not None and not ref.abs_r2 and dr and ref.is_range:
            ref.r2 += dr
            changed = True
        if not ref.is_range:
            ref.c2, ref.r2 = ref.c1, ref.r1
        for v, lim in ((ref.c1, MAX_COL), (ref.c2, MAX_COL), (ref.r1, MAX_ROW), (ref.r2, MAX_ROW)):
            if v is not None and not 0 <= v < lim:
                return "#REF!"
        return ref.text() if changed else None

    return rewrite_refs(formula, move)

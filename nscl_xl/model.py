"""The budget model: what a plan's budget table says, with the source of every number.

A :class:`Plan` is one workbook; it holds :class:`BudgetTable` objects (one per table
found), metadata stated elsewhere in the workbook (province, plan number, a stated total)
and targets. Every number is an :class:`Amount` that knows its file, sheet and cell.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator, NamedTuple

from .money import MoneyUnit, to_dong


@functools.lru_cache(maxsize=4096)
def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """Excel column letters -> 0-based index ("A" -> 0, "XFD" -> 16383)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> "B7"."""
    return f"{col_letter(col)}{row + 1}"


class Source(NamedTuple):
    """Where a value came from: file, sheet and A1 cell (cell may be '' for a file).

    A NamedTuple rather than a dataclass: one is made for every number read.
    """

    file: str
    sheet: str = ""
    cell: str = ""

    def __str__(self) -> str:
        return "!".join(p for p in (self.file, self.sheet, self.cell) if p)


@dataclass
class Amount:
    """A number read from a cell, exact, in the table's money unit (or a count)."""

    value: Decimal
    source: Source
    as_text: bool = False  # typed as text ("5.405"): Excel's SUM skips it

    def dong(self, unit: MoneyUnit) -> int:
        return to_dong(self.value, unit)


@dataclass
class CellProblem:
    """A cell in a number column that could not be read as a number."""

    source: Source
    column: str  # model field: amount, quantity, unit_price, year:2021; or unread-number, year-header
    text: str
    reason: str = ""  # why a number was not read (unread-number), in Vietnamese


@dataclass
class BudgetLine:
    """One row of a budget table: a section, an item or a bullet under an item."""

    row: int  # 0-based sheet row
    code: str
    kind: str  # roman | arabic | letter | bullet | none
    item: str
    unit_name: str = ""
    quantity: Amount | None = None
    unit_price: Amount | None = None
    amount: Amount | None = None
    years: dict[int, Amount] = field(default_factory=dict)
    agency: str = ""
    result: str = ""
    timing: str = ""
    notes: str = ""
    group: str = ""  # activity group override from a "Nhóm" column
    parent: BudgetLine | None = field(default=None, repr=False)
    children: list[BudgetLine] = field(default_factory=list, repr=False)

    @property
    def depth(self) -> int:
        d, p = 0, self.parent
        while p is not None:
            d, p = d + 1, p.parent
        return d

    @property
    def label(self) -> str:
        """Code and a short item text, for messages."""
        text = self.item if len(self.item) <= 60 else self.item[:57] + "…"
        return f"{self.code} {text}".strip()

    def has_money(self) -> bool:
        return self.amount is not None or bool(self.years)

    def subtree_has_money(self) -> bool:
        return any(c.has_money() or c.subtree_has_money() for c in self.children)

    def is_finest(self) -> bool:
        """A line carrying money whose descendants carry none (seed 000's sections)."""
        return self.has_money() and not self.subtree_has_money()

    def walk(self) -> Iterator[BudgetLine]:
        yield self
        for c in self.children:
            yield from c.walk()


@dataclass
class WordsLine:
    """The "(Bằng chữ: …)" line and where it stands."""

    text: str
    source: Source


@dataclass
class BudgetTable:
    """One budget table on a sheet."""

    file: str
    sheet: str
    unit: MoneyUnit
    unit_source: Source | None  # None: unit not stated, đồng assumed
    header_rows: tuple[int, int]  # first and last header row, 0-based
    columns: dict[str, int]  # model field -> 0-based column
    year_columns: dict[int, int]  # year -> 0-based column
    title: str = ""
    lines: list[BudgetLine] = field(default_factory=list)  # document order, excl. total
    total: BudgetLine | None = None
    words: WordsLine | None = None
    problems: list[CellProblem] = field(default_factory=list)
    last_row: int = 0  # last 0-based row belonging to the table
    #: Section subtotal rows ("Cộng mục I") with the section they restate (None: a second
    #: grand-total row). They are checked, never summed and never taken as the grand total.
    subtotals: list[tuple[BudgetLine, BudgetLine | None]] = field(default_factory=list)
    #: Cells holding a number in the table's columns, from its header down to the next table,
    #: that are not in the model (column "unread-number", with the reason): never dropped silently.
    unread: list[CellProblem] = field(default_factory=list)
    covered_to: int = 0  # last 0-based row searched for numbers (coverage region)
    sheet_state: str = "visible"  # visible | hidden | veryHidden
    #: A stated rounding ("số liệu đã làm tròn") and where; without it and without decimals
    #: in the parts, sums are exact (no tolerance).
    rounding_note: tuple[str, Source] | None = None

    @property
    def total_above(self) -> bool:
        """The total row stands above the items (they follow it)."""
        return self.total is not None and bool(self.lines) and self.total.row < self.lines[0].row

    def words_row(self, occupied: Callable[[int], bool] | None = None) -> int:
        """0-based row for a new words line: under the total row — under the table's last row
        when the total stands above the items (the row under it is an item), and under a total
        row still to be added at ``last_row + 1`` when there is none — then past every row
        *occupied(row)* says is in use (a note, a signature block): never written over."""
        if self.total is None:
            row = self.last_row + 2
        else:
            row = self.last_row + 1 if self.total_above else self.total.row + 1
        while occupied is not None and occupied(row):
            row += 1
        return row

    @property
    def roots(self) -> list[BudgetLine]:
        return [ln for ln in self.lines if ln.parent is None]

    @property
    def years(self) -> list[int]:
        return sorted(self.year_columns)

    def source(self, row: int, col: int) -> Source:
        return Source(self.file, self.sheet, a1(row, col))

    def finest_lines(self) -> list[BudgetLine]:
        return [ln for ln in self.lines if ln.is_finest()]

    def grand_total_dong(self) -> int | None:
        """The table's stated grand total in đồng (total row, else Σ top-level lines)."""
        if self.total is not None and self.total.amount is not None:
            return self.total.amount.dong(self.unit)
        tops = [ln.amount for ln in self.roots if ln.amount is not None]
        return sum(a.dong(self.unit) for a in tops) if tops else None


@dataclass
class StatedTotal:
    """A total stated outside the table (plan text, metadata sheet)."""

    amount_dong: int
    source: Source
    label: str = ""
    period: tuple[int, int] | None = None  # the period it covers, when said


@dataclass
class Target:
    """A non-money target of the plan (number of trainings, firms supported…)."""

    text: str
    period: str
    value: str
    unit: str
    source: Source


@dataclass
class SheetRead:
    """What was read on one sheet: shown by verify and consolidate (coverage)."""

    name: str
    state: str = "visible"  # visible | hidden | veryHidden
    n_rows: int = 0
    role: str = ""  # table | metadata | targets | empty | other


@dataclass
class FormulaCell:
    """A formula cell saved without its cached value (openpyxl and other libraries do this):
    computed by nscl_xl.formula when it can be (value), else the reason it cannot (error)."""

    source: Source
    formula: str
    value: Decimal | None = None
    error: str = ""


@dataclass
class Plan:
    """Everything read from one workbook."""

    file: str
    province: str = ""
    province_source: Source | None = None
    kind: str = ""  # period | annual
    period: tuple[int, int] | None = None
    plan_number: str = ""
    date: str = ""
    title: str = ""
    tables: list[BudgetTable] = field(default_factory=list)
    stated_totals: list[StatedTotal] = field(default_factory=list)
    stated_words: list[WordsLine] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    metadata: dict[str, tuple[str, Source]] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # sheet -> "tcvn3" (converted) | "vni"
    sheets: list[SheetRead] = field(default_factory=list)  # every sheet, in workbook order
    formula_cells: list[FormulaCell] = field(default_factory=list)  # formulas without cached values

    def coverage(self) -> dict:
        """What was read, per sheet (plain data for the reports and the summary's "Nguồn"):
        tables with their rows (1-based), lines, total cell, unread numbers; formulas computed."""
        sheets = []
        for s in self.sheets:
            tables = []
            for t in self.tables:
                if t.sheet != s.name:
                    continue
                tables.append({
                    "header_rows": [t.header_rows[0] + 1, t.header_rows[1] + 1],
                    "first_row": t.header_rows[1] + 2, "last_row": t.last_row + 1,
                    "searched_to": max(t.covered_to, t.last_row) + 1,
                    "lines": len(t.lines), "unit": t.unit.label,
                    "total_row": t.total.row + 1 if t.total is not None else None,
                    "subtotals": len(t.subtotals), "unread_numbers": len(t.unread)})
            sheets.append({"sheet": s.name, "state": s.state, "role": s.role, "tables": tables})
        return {"file": self.file, "checked": self.checked_anything(), "sheets": sheets,
                "formulas_computed": sum(f.value is not None for f in self.formula_cells),
                "formulas_not_evaluable": sum(f.value is None for f in self.formula_cells)}

    def checked_anything(self) -> bool:
        """True when some amount was read to check: a table line or total, or a stated total."""
        return bool(self.stated_totals) or any(t.lines or (t.total is not None and t.total.has_money())
                                               for t in self.tables)

    @property
    def years(self) -> list[int]:
        ys = sorted({y for t in self.tables for y in t.years})
        if ys:
            return ys
        if self.period:
            return list(range(self.period[0], self.period[1] + 1))
        return []

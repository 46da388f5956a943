"""Verify a budget: every rule is a plain function over the model that returns findings.

Root causes first: values are checked bottom-up and each line gets a *corrected* value per
column (the value its own evidence supports). A parent that matches its children once the
children are corrected is not a second error: its mismatch is reported as a warning with
``consequence_of`` pointing at the cell to fix. Differences no larger than the table's own
rounding (half a printed unit per summed term) are reported under rule ``rounding`` — only where
rounding is visible: some part is not whole in the table's unit, or the table states that its
figures are rounded. A table of whole numbers gets no tolerance: every difference is an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable

from .findings import ERROR, WARNING, Finding, dec_str
from .formula import NotEvaluable, evaluate, parse_ref
from .model import Amount, BudgetLine, BudgetTable, Plan, Source
from .money import ambiguity, format_vn, to_decimal, NotANumber

AMOUNT = "amount"


# --- helpers -----------------------------------------------------------------------------------

def _value(line: BudgetLine, col: str | int) -> Amount | None:
    return line.amount if col == AMOUNT else line.years.get(col)


def _col_label(col: str | int) -> str:
    return "tổng kinh phí" if col == AMOUNT else f"năm {col}"


def _quantum(values: Iterable[Decimal]) -> Decimal:
    """Smallest printed unit among *values* (1 for whole numbers, 0.1 for one decimal…)."""
    exp = min((v.normalize().as_tuple().exponent for v in values if v is not None), default=0)
    return Decimal(1).scaleb(min(int(exp), 0))


def _rounding_visible(table: BudgetTable, values: Iterable[Decimal | None]) -> str | None:
    """Why a difference may be rounding (Vietnamese), or None: parts that are not whole in
    the table's unit, or a stated rounding ("Số liệu đã làm tròn")."""
    fractional = next((v for v in values if v is not None and v != v.to_integral_value()), None)
    if fractional is not None:
        return f"các số có phần lẻ trong đơn vị {table.unit.label} (ví dụ {format_vn(fractional)}), tức là đã làm tròn"
    if table.rounding_note is not None:
        text, src = table.rounding_note
        short = text if len(text) <= 60 else text[:57] + "…"
        return f"bảng ghi '{short}' (ô {src.cell})"
    return None


def _fmt(value: Decimal, table: BudgetTable) -> str:
    return f"{format_vn(value)} {table.unit.label}"


@dataclass
class _Pending:
    line: BudgetLine
    finding: Finding
    amount_alt: Decimal | None = None  # the amount the rest of the row supports
    years_gap: Decimal | None = None  # Σ years − amount, when a year cell may be the wrong one


@dataclass
class _Ctx:
    """State shared by the arithmetic rules of one table."""

    table: BudgetTable
    findings: list[Finding] = field(default_factory=list)
    corrected: dict[tuple[int, str | int], Decimal] = field(default_factory=dict)
    root_cell: dict[tuple[int, str | int], str] = field(default_factory=dict)  # (line, col) -> "Sheet!A1"
    # A leaf whose own row cannot tell which cell is wrong: its finding and what would fix it.
    # The parent's column sums decide (the one cell on both a failing row and a failing column).
    pending: dict[int, "_Pending"] = field(default_factory=dict)
    # A parent that prints no value in a column: the sum of what its children print there.
    derived_raw: dict[tuple[int, str | int], Decimal] = field(default_factory=dict)

    def emit(self, src: Source, rule: str, severity: str, message: str, *, expected=None, found=None,
             line: BudgetLine | None = None, consequence_of: str | None = None, with_unit: bool = True) -> Finding:
        diff = (found - expected) if isinstance(expected, Decimal) and isinstance(found, Decimal) else None
        unit = self.table.unit.label if with_unit and expected is not None else None
        extra = {}
        if unit and isinstance(expected, Decimal):
            extra = {"expected_vnd": int(expected * self.table.unit.factor),
                     "found_vnd": int(found * self.table.unit.factor) if isinstance(found, Decimal) else None}
        f = Finding(file=src.file, sheet=src.sheet, cell=src.cell, rule=rule, severity=severity, message=message,
                    expected=dec_str(expected) if isinstance(expected, Decimal) else expected,
                    found=dec_str(found) if isinstance(found, Decimal) else found,
                    difference=dec_str(diff), unit=unit, line=line.label if line else None,
                    consequence_of=consequence_of, extra=extra)
        self.findings.append(f)
        return f

    def tolerance(self, values: list[Decimal | None], terms: int, printed: list[Decimal] | None = None
                  ) -> tuple[Decimal, str]:
        """Rounding tolerance for a check over *values* (half the printed unit of *printed*, or of
        *values*, per term) and why; zero when no rounding is visible."""
        why = _rounding_visible(self.table, values)
        if why is None:
            return Decimal(0), ""
        tol = _quantum(printed if printed is not None else values) / 2 * terms
        return tol, why

    def emit_rounding(self, src: Source, message: str, tol: Decimal, why: str, *, expected, found,
                      line: BudgetLine) -> None:
        f = self.emit(src, "rounding", WARNING, f"{message} trong sai số làm tròn (±{format_vn(tol)} "
                      f"{self.table.unit.label}, vì {why}).", expected=expected, found=found, line=line)
        f.extra.update({"tolerance": dec_str(tol), "tolerance_reason": why})

    def get(self, line: BudgetLine, col) -> Decimal | None:
        key = (id(line), col)
        if key in self.corrected:
            return self.corrected[key]
        v = _value(line, col)
        return v.value if v else None

    def roots_under(self, lines: list[BudgetLine], col) -> list[str]:
        return [self.root_cell[(id(c), col)] for c in lines if (id(c), col) in self.root_cell]


def _where(src: Source) -> str:
    return f"{src.sheet}!{src.cell}"


# --- arithmetic rules --------------------------------------------------------------------------

def _check_leaf(ctx: _Ctx, line: BudgetLine) -> None:
    """row-sum and qty-price on a line whose children carry no money."""
    t = ctx.table
    amount, years = line.amount, [a for a in line.years.values()]
    qp = line.quantity.value * line.unit_price.value if line.quantity and line.unit_price else None
    s = sum((a.value for a in years), Decimal(0)) if years else None
    if amount is not None and s is not None and amount.value != s:
        tol, why = ctx.tolerance([amount.value] + [a.value for a in years], len(years))
        if abs(amount.value - s) <= tol:
            ctx.emit_rounding(amount.source, f"Dòng {line.label}: tổng kinh phí {_fmt(amount.value, t)} lệch tổng các "
                              f"năm {_fmt(s, t)}", tol, why, expected=s, found=amount.value, line=line)
        elif qp is not None and qp == s:
            ctx.emit(amount.source, "row-sum", ERROR,
                     f"Dòng {line.label}: tổng kinh phí ghi {_fmt(amount.value, t)}, nhưng cả tổng các năm "
                     f"và số lượng × đơn giá đều bằng {_fmt(s, t)}.", expected=s, found=amount.value, line=line)
            ctx.corrected[(id(line), AMOUNT)] = s
            ctx.root_cell[(id(line), AMOUNT)] = _where(amount.source)
            return  # the qty-price mismatch is the same cell, same cause
        elif qp is not None and qp == amount.value:
            f = ctx.emit(amount.source, "row-sum", ERROR,
                         f"Dòng {line.label}: tổng các năm là {_fmt(s, t)}, khác tổng kinh phí {_fmt(amount.value, t)} "
                         f"(= số lượng × đơn giá); cần kiểm tra các cột năm.", expected=amount.value, found=s, line=line)
            ctx.pending[id(line)] = _Pending(line, f, years_gap=s - amount.value)
            return
        else:
            f = ctx.emit(amount.source, "row-sum", ERROR,
                         f"Dòng {line.label}: tổng kinh phí {_fmt(amount.value, t)} khác tổng các năm {_fmt(s, t)}.",
                         expected=s, found=amount.value, line=line)
            ctx.pending[id(line)] = _Pending(line, f, amount_alt=s, years_gap=s - amount.value)
            if qp is not None:
                _check_qty_price(ctx, line)
            return
    f = _check_qty_price(ctx, line)
    if f is not None and not years:
        ctx.pending[id(line)] = _Pending(line, f, amount_alt=line.quantity.value * line.unit_price.value)


def _resolve_pending(ctx: _Ctx, kids: list[BudgetLine], col, need: Decimal) -> list[BudgetLine]:
    """Children whose pending correction in *col* changes their sum by exactly *need*; applied."""
    t = ctx.table
    for k in kids:
        pend = ctx.pending.get(id(k))
        if pend is None:
            continue
        current = ctx.get(k, col)
        if col == AMOUNT and pend.amount_alt is not None and pend.amount_alt - current == need:
            fixed, src = pend.amount_alt, k.amount.source
        elif col != AMOUNT and pend.years_gap is not None and -pend.years_gap == need and col in k.years:
            fixed, src = current - pend.years_gap, k.years[col].source
            f = pend.finding
            f.cell = src.cell
            f.message = (f"Dòng {k.label}: năm {col} ghi {_fmt(current, t)}; đúng ra {_fmt(fixed, t)} để tổng các năm "
                         f"bằng tổng kinh phí và cột năm {col} khớp dòng mục lớn.")
            f.expected, f.found, f.difference = dec_str(fixed), dec_str(current), dec_str(current - fixed)
            f.extra = {"expected_vnd": int(fixed * t.unit.factor), "found_vnd": int(current * t.unit.factor)}
        else:
            continue
        ctx.corrected[(id(k), col)] = fixed
        ctx.root_cell[(id(k), col)] = _where(src)
        del ctx.pending[id(k)]
        return [k]
    return []


def _check_qty_price(ctx: _Ctx, line: BudgetLine) -> Finding | None:
    t = ctx.table
    q, p, a = line.quantity, line.unit_price, line.amount
    if not (q and p and a):
        return None
    qp = q.value * p.value
    if qp == a.value:
        return None
    tol, why = ctx.tolerance([q.value, p.value, a.value], 1, printed=[a.value])
    if abs(qp - a.value) <= tol:
        ctx.emit_rounding(a.source, f"Dòng {line.label}: {format_vn(q.value)} × {format_vn(p.value)} = "
                          f"{format_vn(qp)}, ghi {format_vn(a.value)}:", tol, why, expected=qp, found=a.value, line=line)
        return None
    parent_note = " (dòng mục lớn: số lượng và đơn giá in trong bảng cũng phải khớp)" if line.children else ""
    return ctx.emit(a.source, "qty-price", ERROR,
                    f"Dòng {line.label}: số lượng {format_vn(q.value)} × đơn giá {format_vn(p.value)} = "
                    f"{_fmt(qp, t)}, nhưng thành tiền ghi {_fmt(a.value, t)}{parent_note}.",
                    expected=qp, found=a.value, line=line)


def _check_whole_units(ctx: _Ctx, line: BudgetLine) -> None:
    p = line.unit_price
    if not p or not p.value or not line.years or line.subtree_has_money():
        return
    for year, a in sorted(line.years.items()):
        if a.value % p.value:
            ctx.emit(a.source, "whole-units", WARNING,
                     f"Dòng {line.label}: năm {year} ghi {_fmt(a.value, ctx.table)}, không phải số nguyên lần "
                     f"đơn giá {format_vn(p.value)} (không thể chia lẻ một đơn vị, ví dụ một hội nghị, cho nhiều năm).",
                     expected=f"bội số của {dec_str(p.value)}", found=a.value, line=line)


def _check_sum(ctx: _Ctx, owner: BudgetLine, kids: list[BudgetLine], rule: str, what: str) -> None:
    """owner = Σ kids in every column where both sides have numbers; sets corrected values."""
    t = ctx.table
    cols: list[str | int] = [AMOUNT] + t.years
    for col in cols:
        having = [k for k in kids if ctx.get(k, col) is not None]
        printed = _value(owner, col)
        if not having:
            continue
        corr_sum = sum((ctx.get(k, col) for k in having), Decimal(0))
        raw_sum = sum((_value(k, col).value if _value(k, col) else ctx.derived_raw[(id(k), col)] for k in having),
                      Decimal(0))
        if printed is None:
            # A parent need not print its subtotals; it stands for its children's sum above it
            # (the total row is then checked against the sections' sums).
            ctx.corrected[(id(owner), col)] = corr_sum
            ctx.derived_raw[(id(owner), col)] = raw_sum
            if corr_sum != raw_sum:
                ctx.root_cell[(id(owner), col)] = ", ".join(ctx.roots_under(having, col))
            continue
        if printed.value != corr_sum and _resolve_pending(ctx, having, col, printed.value - corr_sum):
            corr_sum = sum((ctx.get(k, col) for k in having), Decimal(0))
        if printed.value == corr_sum:
            if printed.value != raw_sum:
                causes = ctx.roots_under(having, col)
                ctx.emit(printed.source, rule, WARNING,
                         f"Dòng {owner.label}: {_col_label(col)} {_fmt(printed.value, t)} khác tổng {what} đang ghi "
                         f"({_fmt(raw_sum, t)}) — hệ quả của lỗi tại {', '.join(causes)}; sửa ô đó thì dòng này khớp.",
                         expected=raw_sum, found=printed.value, line=owner, consequence_of=", ".join(causes) or None)
            continue
        tol, why = ctx.tolerance([printed.value] + [ctx.get(k, col) for k in having], len(having))
        if abs(printed.value - corr_sum) <= tol:
            ctx.emit_rounding(printed.source, f"Dòng {owner.label}: {_col_label(col)} {_fmt(printed.value, t)} lệch "
                              f"tổng {what} {_fmt(corr_sum, t)}", tol, why, expected=corr_sum, found=printed.value,
                              line=owner)
            continue
        note = f" (sau khi sửa lỗi ở {', '.join(ctx.roots_under(having, col))})" if corr_sum != raw_sum else ""
        ctx.emit(printed.source, rule, ERROR,
                 f"Dòng {owner.label}: {_col_label(col)} ghi {_fmt(printed.value, t)}, nhưng tổng {what} là "
                 f"{_fmt(corr_sum, t)}{note}.", expected=corr_sum, found=printed.value, line=owner)
        ctx.corrected[(id(owner), col)] = corr_sum
        ctx.root_cell[(id(owner), col)] = _where(printed.source)


def _check_own_row(ctx: _Ctx, line: BudgetLine, rule: str = "row-sum") -> None:
    """A parent/total row: its amount = Σ its years, judged on corrected values."""
    t = ctx.table
    a = line.amount
    if a is None or not line.years:
        return
    raw = sum((y.value for y in line.years.values()), Decimal(0))
    if raw == a.value:
        return
    corr_amount = ctx.get(line, AMOUNT)
    corr_years = sum((ctx.get(line, y) for y in line.years), Decimal(0))
    if corr_amount == corr_years:
        causes = [ctx.root_cell[k] for k in [(id(line), AMOUNT)] + [(id(line), y) for y in line.years]
                  if k in ctx.root_cell]
        if causes == [_where(a.source)]:
            return  # the amount cell itself is the error already reported: not its own consequence
        ctx.emit(a.source, rule, WARNING,
                 f"Dòng {line.label}: tổng kinh phí {_fmt(a.value, t)} khác tổng các năm {_fmt(raw, t)} — hệ quả "
                 f"của lỗi tại {', '.join(causes)}.", expected=raw, found=a.value, line=line,
                 consequence_of=", ".join(causes) or None)
        return
    tol, why = ctx.tolerance([a.value] + [y.value for y in line.years.values()], len(line.years))
    if abs(corr_amount - corr_years) <= tol:
        ctx.emit_rounding(a.source, f"Dòng {line.label}: tổng kinh phí lệch tổng các năm", tol, why, expected=raw,
                          found=a.value, line=line)
        return
    ctx.emit(a.source, rule, ERROR,
             f"Dòng {line.label}: tổng kinh phí {_fmt(a.value, t)} khác tổng các năm {_fmt(raw, t)}.",
             expected=raw, found=a.value, line=line)


def check_arithmetic(table: BudgetTable) -> list[Finding]:
    """parent-sum, row-sum, qty-price, whole-units and grand-total, root causes first."""
    ctx = _Ctx(table)

    def visit(line: BudgetLine) -> None:
        money_kids = [k for k in line.children if k.has_money() or k.subtree_has_money()]
        for k in line.children:
            visit(k)
        if not money_kids:
            _check_leaf(ctx, line)
            _check_whole_units(ctx, line)
            return
        _check_sum(ctx, line, money_kids, "parent-sum", "các dòng con")
        _check_own_row(ctx, line)
        _check_qty_price(ctx, line)

    for root in table.roots:
        visit(root)
    if table.total is not None:
        roots = [r for r in table.roots if r.has_money() or r.subtree_has_money()]
        if len(roots) == 1 and not roots[0].has_money():
            roots = [k for k in roots[0].children if k.has_money() or k.subtree_has_money()]
        _check_sum(ctx, table.total, roots, "grand-total", "các mục")
        _check_own_row(ctx, table.total, "grand-total")
    _check_subtotals(ctx)
    return ctx.findings


def _stated_sum(line: BudgetLine, col) -> Decimal | None:
    """A line's value in *col*: printed, else the sum of its children's (None: nothing)."""
    v = _value(line, col)
    if v is not None:
        return v.value
    parts = [x for x in (_stated_sum(k, col) for k in line.children) if x is not None]
    return sum(parts, Decimal(0)) if parts else None


def _check_subtotals(ctx: _Ctx) -> None:
    """subtotal: a "Cộng mục I" row equals section I (a second total row equals the total)."""
    t = ctx.table
    for sub, section in t.subtotals:
        owner = section if section is not None else t.total
        if owner is None:
            continue
        for col in [AMOUNT] + t.years:
            printed = _value(sub, col)
            want = _stated_sum(owner, col) if owner is not t.total else (
                _value(owner, col).value if _value(owner, col) else None)
            if printed is None or want is None or printed.value == want:
                continue
            what = f"mục {owner.label}" if section is not None else "dòng tổng cộng"
            tol, why = ctx.tolerance([printed.value, want], 1, printed=[printed.value])  # restated to its own unit
            if abs(printed.value - want) <= tol:
                ctx.emit_rounding(printed.source, f"Dòng {sub.label}: {_col_label(col)} lệch {what}", tol, why,
                                  expected=want, found=printed.value, line=sub)
                continue
            ctx.emit(printed.source, "subtotal", ERROR,
                     f"Dòng {sub.label}: {_col_label(col)} ghi {_fmt(printed.value, t)}, nhưng {what} là "
                     f"{_fmt(want, t)}.", expected=want, found=printed.value, line=sub)


# --- cell, structure and text rules ----------------------------------------------------------

def check_cells(table: BudgetTable) -> list[Finding]:
    """number-as-text (warning), not-a-number (error), duplicate-column, year-header (warnings),
    unread-number (an error where a table row's money may be lost: a money column of a row not
    read, an item after the table; a warning for other columns and notes under the total row),
    hidden-sheet (warning)."""
    out = []
    for p in table.problems:
        if p.column == "duplicate-column":
            out.append(Finding(p.source.file, p.source.sheet, p.source.cell, "duplicate-column", WARNING,
                               f"Tiêu đề bảng có cột lặp: {p.text}; chỉ dùng cột đầu tiên.", found=p.text))
        elif p.column == "year-header":
            out.append(Finding(p.source.file, p.source.sheet, p.source.cell, "year-header", WARNING,
                               f"Tiêu đề cột '{p.text}' có vẻ là một năm nhưng không đọc được thành cột năm; các số "
                               f"trong cột này không được đọc. Hãy ghi tiêu đề là '2026' hoặc 'Năm 2026'.",
                               expected="năm, ví dụ 2026", found=p.text))
        elif (ambiguous := ambiguity(p.text)) is not None:  # read neither way: the total is then incomplete
            out.append(Finding(p.source.file, p.source.sheet, p.source.cell, "ambiguous-number", ERROR,
                               f"Ô {p.source.cell} (cột {_field_label(p.column)}): {ambiguous}",
                               expected="một số chỉ đọc được một cách", found=p.text,
                               extra={"readings": [str(r.value) for r in ambiguous.readings]}))
        else:
            out.append(Finding(p.source.file, p.source.sheet, p.source.cell, "not-a-number", ERROR,
                               f"Ô {p.source.cell} (cột {_field_label(p.column)}) ghi '{p.text}', không phải là số.",
                               expected="một số", found=p.text))
    for p in table.unread:
        money = bool(p.column)
        out.append(Finding(p.source.file, p.source.sheet, p.source.cell, "unread-number", ERROR if money else WARNING,
                           f"Ô {p.source.cell} ghi số {p.text} trong vùng bảng nhưng không được đọc: {p.reason}. Số này "
                           f"không được kiểm tra và không được cộng; hãy đưa nó vào bảng (mã số, cột có tiêu đề) "
                           f"hoặc xoá.", expected="số được đọc vào bảng", found=p.text))
    if table.sheet_state != "visible":
        cell = f"A{table.header_rows[0] + 1}"
        state = "ẩn sâu (very hidden, chỉ hiện lại được bằng VBA)" if table.sheet_state == "veryHidden" else "ẩn"
        out.append(Finding(table.file, table.sheet, cell, "hidden-sheet", WARNING,
                           f"Trang '{table.sheet}' đang bị {state} nhưng có bảng dự toán ({len(table.lines)} dòng): có "
                           f"thể là bản cũ. Hãy xoá trang hoặc bỏ ẩn nếu đây là số liệu cần dùng.",
                           expected="trang hiện", found=table.sheet_state))
    lines = list(table.lines) + ([table.total] if table.total else []) + [s for s, _ in table.subtotals]
    for line in lines:
        for name, amt in [("quantity", line.quantity), ("unit_price", line.unit_price), ("amount", line.amount)] + \
                [(f"year:{y}", a) for y, a in line.years.items()]:
            if amt is not None and amt.as_text:
                out.append(Finding(amt.source.file, amt.source.sheet, amt.source.cell, "number-as-text", WARNING,
                                   f"Ô {amt.source.cell} (cột {_field_label(name)}, dòng {line.label}) là số "
                                   f"{format_vn(amt.value)} nhưng được nhập dạng văn bản: hàm SUM của Excel sẽ bỏ qua.",
                                   expected="số", found=f"văn bản '{dec_str(amt.value)}'", line=line.label))
    return out


def _field_label(column: str) -> str:
    return {"quantity": "số lượng", "unit_price": "đơn giá", "amount": "tổng kinh phí"}.get(
        column, column.replace("year:", "năm "))


def check_unit(table: BudgetTable) -> list[Finding]:
    if table.unit_source is not None:
        return []
    return [Finding(table.file, table.sheet, f"A{table.header_rows[0] + 1}", "unit-missing", WARNING,
                    "Bảng không ghi đơn vị tính (dòng 'Đơn vị tính: …' hoặc trong tiêu đề cột); tạm hiểu là đồng.",
                    expected="đơn vị tính", found="không có")]


def check_codes(table: BudgetTable) -> list[Finding]:
    """duplicate-code among siblings, orphan-code for "2.1" without a "2" above it."""
    out = []
    code_col = table.columns.get("code")
    if code_col is None:
        return out
    groups: dict[int, list[BudgetLine]] = {}
    for line in table.lines:
        groups.setdefault(id(line.parent), []).append(line)
    for siblings in groups.values():
        seen: dict[str, BudgetLine] = {}
        for line in siblings:
            if line.kind not in ("roman", "arabic", "letter"):
                continue
            if line.code in seen:
                src = table.source(line.row, code_col)
                out.append(Finding(src.file, src.sheet, src.cell, "duplicate-code", WARNING,
                                   f"Mã '{line.code}' lặp lại (đã dùng ở dòng {seen[line.code].row + 1}).",
                                   expected="mã không trùng", found=line.code, line=line.label))
            else:
                seen[line.code] = line
    for line in table.lines:
        if line.kind == "arabic" and "." in line.code:
            prefix = line.code.rsplit(".", 1)[0]
            if line.parent is None or line.parent.code != prefix:
                src = table.source(line.row, code_col)
                out.append(Finding(src.file, src.sheet, src.cell, "orphan-code", WARNING,
                                   f"Mã '{line.code}' không có mục cha '{prefix}' ngay phía trên.",
                                   expected=f"mục {prefix}", found=line.parent.code if line.parent else "không có",
                                   line=line.label))
    return out


def check_words(table: BudgetTable) -> list[Finding]:
    """The words line states the grand total (in đồng, using the table's unit).

    A text with several readings (flat "tỷ", "5,405 triệu") passes when one of them equals the
    total; a warning then says which reading matched, since a reader may take the other one.
    """
    from .words import WordsError, amount_to_words, words_readings

    if table.words is None:
        return []
    total = table.grand_total_dong()
    src = table.words.source
    try:
        readings = words_readings(table.words.text)
    except WordsError as exc:
        return [Finding(src.file, src.sheet, src.cell, "words", ERROR, f"Dòng bằng chữ không đọc được: {exc}",
                        expected="số tiền bằng chữ", found=table.words.text)]
    if total is None:
        return []
    match = next((r for r in readings if r.value == total), None)
    if match is not None and len(readings) == 1:
        return []
    if match is not None:
        others = "; ".join(f"{format_vn(r.value)} đồng ({r.label})" for r in readings if r is not match)
        return [Finding(src.file, src.sheet, src.cell, "words", WARNING,
                        f"Dòng bằng chữ khớp tổng cộng {format_vn(total)} đồng khi đọc theo cách {match.label}, "
                        f"nhưng cũng đọc được là {others}. Nên viết: {amount_to_words(total)}.",
                        expected=str(total), found=str(match.value), unit="đồng", extra={"style": match.style})]
    stated = "; ".join(f"{format_vn(r.value)} đồng" + (f" ({r.label})" if len(readings) > 1 else "")
                       for r in readings)
    return [Finding(src.file, src.sheet, src.cell, "words", ERROR,
                    f"Dòng bằng chữ ghi {stated}, nhưng tổng cộng của bảng là {format_vn(total)} đồng "
                    f"({amount_to_words(total)}).", expected=str(total), found=" | ".join(str(r.value) for r in readings),
                    difference=str(readings[0].value - total) if len(readings) == 1 else None, unit="đồng")]


def check_stated_totals(plan: Plan) -> list[Finding]:
    """Totals (and their words) stated outside the tables agree with the tables."""
    from .words import WordsError, words_to_amount

    out = []
    # A hidden sheet is never summed (consolidate leaves it out; it is often an old copy): the stated
    # total is compared with the visible tables, unless every table is hidden.
    shown = [t for t in plan.tables if t.sheet_state == "visible"] or plan.tables
    if shown:
        for st in plan.stated_totals:
            tables = [t for t in shown if st.period is None or
                      (t.years and st.period[0] <= t.years[0] and t.years[-1] <= st.period[1])]
            totals = [t.grand_total_dong() for t in tables]
            if not tables or any(v is None for v in totals):
                continue
            table_total = sum(totals)
            if table_total != st.amount_dong:
                where = ", ".join(f"{t.sheet}" for t in tables)
                out.append(Finding(st.source.file, st.source.sheet, st.source.cell, "stated-total", ERROR,
                                   f"'{st.label}' ghi {format_vn(st.amount_dong)} đồng, nhưng bảng ({where}) cộng được "
                                   f"{format_vn(table_total)} đồng.", expected=str(table_total),
                                   found=str(st.amount_dong), difference=str(st.amount_dong - table_total), unit="đồng"))
    whole = next((s.amount_dong for s in plan.stated_totals if s.period is None), None)
    if whole is None and shown and all(t.grand_total_dong() is not None for t in shown):
        whole = sum(t.grand_total_dong() for t in shown)
    for w in plan.stated_words:
        try:
            stated = words_to_amount(w.text)
        except WordsError as exc:
            out.append(Finding(w.source.file, w.source.sheet, w.source.cell, "words", ERROR, str(exc),
                               expected="số tiền bằng chữ", found=w.text))
            continue
        if whole is not None and stated != whole:
            out.append(Finding(w.source.file, w.source.sheet, w.source.cell, "words", ERROR,
                               f"Số tiền bằng chữ ghi {format_vn(stated)} đồng, khác tổng kinh phí "
                               f"{format_vn(whole)} đồng.", expected=str(whole), found=str(stated),
                               difference=str(stated - whole), unit="đồng"))
    return out


# --- formula rules ------------------------------------------------------------------------------

def check_formulas(table: BudgetTable, formulas: dict[tuple[int, int], str],
                   value_at: Callable[[int, int], Decimal | None], cached_at: Callable[[int, int], object]) -> list[Finding]:
    """typed-subtotal and stale-formula; needs the table block's formulas (openpyxl/xlwings)."""
    if not formulas:
        return []
    out = []
    money_cols = [c for c in [table.columns.get("amount")] + list(table.year_columns.values()) if c is not None]
    subtotal_rows = [ln for ln in table.lines if ln.subtree_has_money()] + ([table.total] if table.total else [])
    for col in money_cols:
        using_formula = [ln for ln in subtotal_rows if (ln.row, col) in formulas]
        if not using_formula:
            continue
        for ln in subtotal_rows:
            if (ln.row, col) not in formulas and cached_at(ln.row, col) not in (None, ""):
                src = table.source(ln.row, col)
                out.append(Finding(src.file, src.sheet, src.cell, "typed-subtotal", WARNING,
                                   f"Dòng {ln.label}: tổng phụ nhập tay trong khi các dòng tổng khác cùng cột dùng "
                                   f"công thức (ví dụ {table.source(using_formula[0].row, col).cell}); số nhập tay "
                                   f"không tự cập nhật khi sửa dòng con.", expected="công thức",
                                   found=str(cached_at(ln.row, col)), line=ln.label))
    for (r, c), f in sorted(formulas.items()):
        if not (table.header_rows[1] < r <= table.last_row):
            continue
        src = table.source(r, c)
        cached = cached_at(r, c)
        try:
            computed = evaluate(f, value_at)
        except NotEvaluable:
            computed = None
        if cached in (None, ""):
            out.append(Finding(src.file, src.sheet, src.cell, "stale-formula", WARNING,
                               f"Công thức {f} chưa có giá trị lưu sẵn: chương trình không tính lại (pandas, xem "
                               f"trước, Protected View) sẽ thấy ô trống.",
                               expected=dec_str(computed) if computed is not None else "giá trị đã tính",
                               found="trống"))
            continue
        if computed is None:
            continue
        try:
            cached_dec = to_decimal(cached)
        except NotANumber:
            cached_dec = None
        if cached_dec is None or abs(cached_dec - computed) > Decimal("1e-9") * max(Decimal(1), abs(computed)):
            shown = dec_str(cached_dec) if cached_dec is not None else str(cached)
            out.append(Finding(src.file, src.sheet, src.cell, "stale-formula", WARNING,
                               f"Công thức {f} tính ra {format_vn(computed)} nhưng giá trị lưu sẵn là {shown}: tệp "
                               f"chưa được tính lại sau khi sửa.", expected=dec_str(computed), found=shown))
    return out


# --- entry points ------------------------------------------------------------------------------

def verify_table(table: BudgetTable) -> list[Finding]:
    return check_cells(table) + check_unit(table) + check_codes(table) + check_arithmetic(table) + check_words(table)


def verify_plan(plan: Plan, formula_checks: Callable[[BudgetTable], list[Finding]] | None = None) -> list[Finding]:
    """All findings for a plan, in sheet/row order. *formula_checks* adds formula rules per table."""
    findings: list[Finding] = []
    for table in plan.tables:
        findings.extend(verify_table(table))
        if formula_checks is not None:
            findings.extend(formula_checks(table))
    findings.extend(check_stated_totals(plan))
    findings.extend(check_encodings(plan))
    findings.extend(check_formula_cells(plan))
    findings.extend(check_something_read(plan))
    return sort_findings(findings)


def check_something_read(plan: Plan) -> list[Finding]:
    """nothing-checked: the workbook has no amount to check (a blank template, targets only)."""
    if plan.checked_anything():
        return []
    if plan.tables:
        what = ", ".join(dict.fromkeys(t.sheet for t in plan.tables))
        why = f"bảng dự toán ở trang {what} chưa có dòng nào có số liệu (mẫu trống?)"
    elif plan.targets:
        why = "tệp chỉ có các chỉ tiêu, không nêu kinh phí"
    else:
        why = "không có bảng dự toán hay tổng kinh phí"
    return [Finding(plan.file, "", "", "nothing-checked", WARNING,
                    f"Không có số liệu kinh phí nào để kiểm tra: {why}. Kết quả 'không có lỗi' không có nghĩa là số "
                    f"liệu đúng.", expected="bảng có số liệu", found="không có")]


def check_formula_cells(plan: Plan) -> list[Finding]:
    """Formulas saved without cached values: uncached-formula (computed by the toolkit, one
    warning per sheet) and formula-not-evaluable (per cell; an error inside a table)."""
    out: list[Finding] = []
    by_sheet: dict[str, list] = {}
    for fc in plan.formula_cells:
        by_sheet.setdefault(fc.source.sheet, []).append(fc)
    for sheet, cells in by_sheet.items():
        done = [fc for fc in cells if fc.value is not None]
        if done:
            first = done[0]
            examples = ", ".join(f"{fc.source.cell} = {format_vn(fc.value)}" for fc in done[:3])
            out.append(Finding(plan.file, sheet, first.source.cell, "uncached-formula", WARNING,
                               f"{len(done)} công thức không có giá trị lưu sẵn (tệp được lưu bằng chương trình không "
                               f"tính lại, ví dụ openpyxl); công cụ đã tự tính chính xác ({examples}). Excel, pandas "
                               f"hay bản xem trước có thể thấy ô trống hoặc 0: hãy mở tệp trong Excel và lưu lại.",
                               expected="giá trị lưu sẵn", found="trống",
                               extra={"cells": [fc.source.cell for fc in done]}))
        tables = [t for t in plan.tables if t.sheet == sheet]
        for fc in cells:
            if fc.value is not None:
                continue
            try:
                r, _ = parse_ref(fc.source.cell)
            except NotEvaluable:
                r = -1
            inside = any(t.header_rows[0] <= r <= max(t.covered_to, t.last_row) for t in tables)
            out.append(Finding(plan.file, sheet, fc.source.cell, "formula-not-evaluable", ERROR if inside else WARNING,
                               f"Ô {fc.source.cell} có công thức {fc.formula} nhưng không có giá trị lưu sẵn, và công cụ "
                               f"không tự tính được ({fc.error}); ô này được coi là trống, không phải 0. Hãy mở tệp "
                               f"trong Excel (hoặc LibreOffice), để nó tính lại rồi lưu.",
                               expected="giá trị lưu sẵn", found="trống"))
    return out


def check_encodings(plan: Plan) -> list[Finding]:
    """Sheets typed in TCVN3 (read after conversion) or VNI (not converted)."""
    out = []
    for sheet, encoding in plan.encodings.items():
        if encoding == "tcvn3":
            message = ("Trang gõ bằng bảng mã TCVN3 (phông .VnTime); đã tự chuyển sang Unicode khi đọc. Nên chuyển "
                       "hẳn tệp sang Unicode (Unikey: Công cụ chuyển mã) để người khác đọc được.")
        else:
            message = ("Trang có vẻ gõ bằng bảng mã VNI (phông VNI-Times); chưa tự chuyển được. Hãy chuyển sang "
                       "Unicode (Unikey: Công cụ chuyển mã) rồi kiểm tra lại.")
        out.append(Finding(plan.file, sheet, "", "legacy-encoding", WARNING, message, expected="Unicode",
                           found=encoding.upper()))
    return out


def _cell_key(cell: str) -> tuple[int, int]:
    try:
        return parse_ref(cell) if cell else (-1, -1)
    except NotEvaluable:
        return (-1, -1)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.file, f.sheet, _cell_key(f.cell), f.rule))


def verify_path(path: str | os.PathLike, *, formulas: bool = True) -> tuple[Plan, list[Finding]]:
    """Read and verify one workbook file. Raises ReadError when it cannot be read."""
    plan, findings, _ = verify_file(path, formulas=formulas)
    return plan, findings


def verify_file(path: str | os.PathLike, *, formulas: bool = True):
    """:func:`verify_path` plus the container facts (one pass over the file's zip)."""
    from .reader import read_grids_plan
    from .workbook_io import ZipFacts, read_grids

    facts = ZipFacts()
    grids = read_grids(path, facts)
    formulas = formulas and facts.has_formulas  # no formulas: skip the slower openpyxl pass
    plan = read_grids_plan(grids, str(path))
    if not plan.tables and not plan.stated_totals and not plan.targets:
        from .reader import no_table_message
        return plan, [Finding(str(path), "", "", "no-table", ERROR, no_table_message(plan, [g.name for g in grids]))
                      ] + check_encodings(plan), facts
    by_name = {g.name: g for g in grids}

    def formula_checks(table: BudgetTable) -> list[Finding]:
        if not formulas:
            return []
        grid = by_name[table.sheet]
        ncols = max(list(table.columns.values()) + list(table.year_columns.values())) + 1
        rows = range(table.header_rows[1] + 1, table.last_row + 1)
        block = {k: f for k, f in (grid.formulas or {}).items() if k[0] in rows and k[1] < ncols}
        uncached = grid.uncached or {}  # reported by check_formula_cells, with the value computed
        block = {k: f for k, f in block.items() if k not in uncached}

        def cached(r, c):
            return grid.cell(r, c)

        def value_at(r, c):
            try:
                return to_decimal(grid.cell(r, c)) if not isinstance(grid.cell(r, c), str) else None
            except NotANumber:
                return None

        return check_formulas(table, block, value_at, cached)

    return plan, verify_plan(plan, formula_checks), facts

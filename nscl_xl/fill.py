"""Fill year columns: spread quantities over the plan's years in whole units, then make the
table live — line totals, parents and the grand total as formulas — and write the total in words.

Planning (:func:`plan_fill`) is pure: it works on the budget model and returns the cell
writes with the value each formula must show. Applying it to a file (:func:`fill_workbook`)
edits a copy of the package in place (:mod:`nscl_xl.edit`: every part the fill does not need
stays byte-identical, references move as in Excel) and writes those exact values as the
formulas' cached values, so readers that never recalculate (pandas, calamine, previewers) show
the right numbers; the tests recalculate with LibreOffice and compare.

Whole units: a line of 1 conference is never spread as 0.2 per year. ``spread`` chooses
where remainders go: ``even`` (each year gets the rounded cumulative share — one conference
over five years lands in the middle year), ``front`` (earliest years) or ``back`` (latest).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from .errors import NsclError, UsageError
from .formula import parse_ref
from .model import BudgetLine, BudgetTable, Plan, col_letter
from .money import format_vn, to_dong

SPREADS = ("even", "front", "back")
GROUP_LABEL = "Dự toán kinh phí"


def spread_units(total: int, n: int, how: str = "even") -> list[int]:
    """Split a whole number *total* into *n* whole parts that add up to it.

    >>> spread_units(7, 5, "even"), spread_units(7, 5, "front"), spread_units(1, 5, "even")
    ([1, 2, 1, 2, 1], [2, 2, 1, 1, 1], [0, 0, 1, 0, 0])
    """
    if n <= 0:
        raise ValueError("n must be positive")
    if total < 0:
        return [-x for x in spread_units(-total, n, how)]
    base, rem = divmod(total, n)
    if how == "front":
        return [base + (1 if i < rem else 0) for i in range(n)]
    if how == "back":
        return [base + (1 if i >= n - rem else 0) for i in range(n)]
    if how != "even":
        raise ValueError(f"unknown spread {how!r}")
    cum = [(2 * i * total + n) // (2 * n) for i in range(n + 1)]  # round-half-up cumulative shares
    return [cum[i + 1] - cum[i] for i in range(n)]


def parse_schedule(items: list[str] | tuple[str, ...]) -> dict[str, list[int]]:
    """``["1.1:2,2,2,2,2", "5.3:0,1,1,1,0"]`` -> {code: units per year}."""
    out: dict[str, list[int]] = {}
    for item in items:
        code, sep, units = item.partition(":")
        try:
            if not sep:
                raise ValueError
            out[code.strip()] = [int(u) for u in units.replace(";", ",").split(",")]
        except ValueError:
            raise UsageError(f"lịch '{item}' không hợp lệ; dạng đúng: MÃ:số,số,… (ví dụ 5.3:0,1,1,1,0).") from None
    return out


@dataclass
class CellWrite:
    row: int  # 0-based, in the table's (possibly shifted) coordinates
    col: int
    value: object  # number, text, or formula text starting with "="
    cached: Decimal | None = None  # what a formula shows


@dataclass
class FillPlan:
    table: BudgetTable
    years: list[int]
    new_year_columns: list[int]  # years that get a new column
    insert_at: int | None  # 0-based column where new year columns go
    writes: list[CellWrite] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    total_row: int | None = None  # 0-based row of the total line (existing or new)
    words_row: int | None = None
    grand_total: Decimal = Decimal(0)
    words: str = ""  # the words line written under the total

    @property
    def grand_total_dong(self) -> int:
        return to_dong(self.grand_total, self.table.unit)


def _period_of(table: BudgetTable, plan: Plan, period: tuple[int, int] | None) -> list[int]:
    if period:
        return list(range(period[0], period[1] + 1))
    if len(table.years) >= 2:
        return list(range(table.years[0], table.years[-1] + 1))
    from .reader import _period_from_text

    found = _period_from_text(table.title)
    if found and found[0] == "period":
        return list(range(found[1][0], found[1][1] + 1))
    if plan.kind == "period" and plan.period:
        return list(range(plan.period[0], plan.period[1] + 1))
    if plan.kind == "annual" or (found and found[0] == "annual"):
        year = plan.period[0] if plan.period else found[1][0] if found else None
        raise UsageError(f"đây là kế hoạch năm{f' {year}' if year else ''} (một cột kinh phí): không có các năm để "
                         "điền.", file=table.file, sheet=table.sheet,
                         hint="Điền năm dùng cho phụ lục dự toán của kế hoạch giai đoạn; nếu bảng này thật sự là "
                              "của một giai đoạn, hãy ghi giai đoạn vào tiêu đề hoặc dùng --period NĂM_ĐẦU-NĂM_CUỐI.")
    raise UsageError("không xác định được giai đoạn của bảng (tiêu đề không ghi 'giai đoạn …', bảng chưa có cột năm).",
                     file=table.file, sheet=table.sheet,
                     hint="Hãy ghi giai đoạn vào tiêu đề (ví dụ 'giai đoạn 2026 - 2030') hoặc dùng "
                          "--period NĂM_ĐẦU-NĂM_CUỐI, ví dụ --period 2026-2030.")


def _sum_formula(cells: list[tuple[int, int]]) -> str:
    """SUM over cells, as ranges where rows or columns run on consecutively."""
    if not cells:
        return "=0"
    parts = []
    run = [cells[0]]
    for r, c in cells[1:]:
        pr, pc = run[-1]
        if (c == pc and r == pr + 1 and all(x[1] == c for x in run)) or \
                (r == pr and c == pc + 1 and all(x[0] == r for x in run)):
            run.append((r, c))
        else:
            parts.append(run)
            run = [(r, c)]
    parts.append(run)
    refs = [f"{col_letter(p[0][1])}{p[0][0] + 1}" + (f":{col_letter(p[-1][1])}{p[-1][0] + 1}" if len(p) > 1 else "")
            for p in parts]
    return f"=SUM({','.join(refs)})"


def plan_fill(plan: Plan, table: BudgetTable, *, period: tuple[int, int] | None = None, spread: str = "even",
              schedule: dict[str, list[int]] | None = None, overwrite: bool = False,
              occupied: Callable[[int], bool] | None = None) -> FillPlan:
    """Decide every cell to write. Raises UsageError when the table cannot be filled.
    *occupied(row)* tells the rows in use on the sheet (``SheetGrid.row_used``): a new words
    line goes under them, never over a note or a signature block."""
    if spread not in SPREADS:
        raise UsageError(f"--spread phải là một trong {', '.join(SPREADS)}.")
    schedule = schedule or {}
    years = _period_of(table, plan, period)
    n = len(years)
    if "amount" not in table.columns:
        raise UsageError("bảng không có cột tổng kinh phí ('Tổng kinh phí' / 'Thành tiền') để điền.",
                         file=table.file, sheet=table.sheet)
    fillable = [ln for ln in table.lines if not ln.subtree_has_money() and not ln.children and
                ((ln.quantity and ln.unit_price) or ln.amount or ln.years)]
    if not fillable:
        raise UsageError("không có dòng nào có số lượng và đơn giá (hoặc tổng kinh phí) để chia cho các năm.",
                         file=table.file, sheet=table.sheet)

    # Year columns: reuse existing ones, create the missing ones after the amount column
    # (or after the last existing year column), in one block.
    existing = dict(table.year_columns)
    missing = [y for y in years if y not in existing]
    insert_at = None
    if missing:
        insert_at = (max(existing.values()) + 1) if existing else table.columns["amount"] + 1
    shift = len(missing)

    def col(c: int) -> int:
        return c + shift if insert_at is not None and c >= insert_at else c

    year_col: dict[int, int] = {y: col(c) for y, c in existing.items()}
    for i, y in enumerate(missing):
        year_col[y] = insert_at + i
    fp = FillPlan(table, years, missing, insert_at)
    amount_c = col(table.columns["amount"])
    price_c = col(table.columns["unit_price"]) if "unit_price" in table.columns else None
    unit = table.unit
    values: dict[tuple[int, int], Decimal] = {}  # (line id, year or 0 for total) -> value

    def put(line: BudgetLine, cell_col: int, value, cached: Decimal | None) -> None:
        fp.writes.append(CellWrite(line.row, cell_col, value, cached))

    for line in fillable:
        kept = {y: a.value for y, a in line.years.items() if y in year_col and not overwrite}
        q = line.quantity.value if line.quantity else None
        p = line.unit_price.value if line.unit_price else None
        if q is not None and p is not None and price_c is not None:
            if q != int(q):
                fp.messages.append(f"Dòng {line.label}: số lượng {format_vn(q)} không nguyên; không chia được theo "
                                   f"đơn vị, giữ nguyên.")
                continue
            kept_units = {}
            for y, v in kept.items():
                if p == 0 or v % p:
                    fp.messages.append(f"Dòng {line.label}: năm {y} đã ghi {format_vn(v)}, không phải số nguyên lần "
                                       f"đơn giá {format_vn(p)}; giữ nguyên ô này.")
                kept_units[y] = v / p if p else Decimal(0)
            free = [y for y in years if y not in kept]
            remaining = int(q) - sum(kept_units.values())
            if line.code in schedule:
                units_list = schedule[line.code]
                if len(units_list) != n or sum(units_list) != int(q):
                    raise UsageError(f"lịch của dòng {line.code} có {len(units_list)} năm, tổng {sum(units_list)}; "
                                     f"cần {n} năm, tổng bằng số lượng {int(q)}.", file=table.file, sheet=table.sheet)
                units = dict(zip(years, units_list))
                free = years
            elif remaining < 0 or remaining != int(remaining):
                fp.messages.append(f"Dòng {line.label}: các năm đã ghi vượt số lượng {format_vn(q)}; không chia thêm.")
                units = {}
                free = []
            else:
                units = dict(zip(free, spread_units(int(remaining), len(free), spread))) if free else {}
            price_ref = f"{col_letter(price_c)}{line.row + 1}"
            for y in years:
                if y in units and y in free:
                    u = units[y]
                    v = u * p
                    put(line, year_col[y], 0 if u == 0 else f"={price_ref}*{u}", None if u == 0 else v)
                    values[(id(line), y)] = v
                elif y in kept:
                    values[(id(line), y)] = kept[y]
        elif line.amount is not None and not (line.quantity and line.unit_price):
            total = line.amount.value
            free = [y for y in years if y not in kept]
            remaining = total - sum(kept.values(), Decimal(0))
            quantum = Decimal(1).scaleb(min(total.normalize().as_tuple().exponent, 0))
            steps = remaining / quantum
            if free and steps == int(steps) and remaining >= 0:
                parts = spread_units(int(steps), len(free), spread)
                for y, k in zip(free, parts):
                    v = k * quantum
                    put(line, year_col[y], _plain(v), None)
                    values[(id(line), y)] = v
                fp.messages.append(f"Dòng {line.label}: không có số lượng và đơn giá; chia tổng kinh phí "
                                   f"{format_vn(total)} {unit.label} cho các năm theo đơn vị {format_vn(quantum)} "
                                   f"{unit.label}.")
            elif free:
                fp.messages.append(f"Dòng {line.label}: các năm đã ghi vượt tổng kinh phí; không chia thêm.")
            for y, v in kept.items():
                values[(id(line), y)] = v
            values[(id(line), 0)] = total  # an input total (no quantity × price) stays as typed
            continue
        else:
            for y, v in kept.items():
                values[(id(line), y)] = v
        cells = [(line.row, year_col[y]) for y in years]
        total_value = sum((values.get((id(line), y), Decimal(0)) for y in years), Decimal(0))
        put(line, amount_c, _sum_formula(cells), total_value)
        values[(id(line), 0)] = total_value
        if line.amount is not None and line.amount.value != total_value :
            fp.messages.append(f"Dòng {line.label}: tổng kinh phí ghi {format_vn(line.amount.value)} được thay bằng "
                               f"công thức tổng các năm ({format_vn(total_value)} {unit.label}).")

    # Parents bottom-up, then the grand total.
    def subtotal(line: BudgetLine) -> None:
        for k in line.children:
            if k.children:
                subtotal(k)
        kids = [k for k in line.children if (id(k), 0) in values]
        if not kids:
            return
        for key, c in [(0, amount_c)] + [(y, year_col[y]) for y in years]:
            v = sum((values.get((id(k), key), Decimal(0)) for k in kids), Decimal(0))
            put(line, c, _sum_formula([(k.row, c) for k in kids]), v)
            values[(id(line), key)] = v

    for root in table.roots:
        if root.children:
            subtotal(root)
    roots = [r for r in table.roots if (id(r), 0) in values]
    if table.total is not None:
        fp.total_row = table.total.row
    else:
        fp.total_row = table.last_row + 1
        fp.writes.append(CellWrite(fp.total_row, col(table.columns["item"]), "Tổng cộng", None))
    for key, c in [(0, amount_c)] + [(y, year_col[y]) for y in years]:
        v = sum((values.get((id(r), key), Decimal(0)) for r in roots), Decimal(0))
        fp.writes.append(CellWrite(fp.total_row, c, _sum_formula([(r.row, c) for r in roots]), v))
        if key == 0:
            fp.grand_total = v

    from .words import amount_to_words

    fp.words = words = f"(Bằng chữ: {amount_to_words(to_dong(fp.grand_total, unit))})"
    if table.words is not None:
        words_row, words_col = parse_ref(table.words.source.cell)
        fp.words_row, words_col = words_row, col(words_col)
    else:
        fp.words_row, words_col = table.words_row(occupied), 0  # never over an item or a note
    fp.writes.append(CellWrite(fp.words_row, words_col, words, None))
    return fp


def _plain(v: Decimal) -> int | float:
    return int(v) if v == int(v) else float(v)


# --- applying a plan to a file ----------------------------------------------------------------

@dataclass
class FillReport:
    output: Path
    sheet: str
    years: list[int]
    grand_total_dong: int
    words: str
    messages: list[str]
    backup: Path | None = None
    formulas: int = 0


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}_da_dien_nam{path.suffix}")


def fill_workbook(path: str | os.PathLike, output: str | os.PathLike | None = None, *, sheet: str | None = None,
                  period: tuple[int, int] | None = None, spread: str = "even",
                  schedule: dict[str, list[int]] | None = None, overwrite: bool = False,
                  in_place: bool = False) -> FillReport:
    """Fill the year columns of one budget sheet and write the result (never the input, unless
    *in_place*, and then after a backup). The write is atomic: on any error, no output file."""
    from .reader import read_grids_plan
    from .safe_write import atomic_path, backup, same_file
    from .workbook_io import read_grids

    src = Path(path)
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError("chỉ điền được tệp .xlsx/.xlsm; hãy lưu tệp dạng .xlsx trước.", file=str(src))
    out = src if in_place else Path(output) if output else default_output(src)
    if out.suffix.lower() not in (".xlsx", ".xlsm") and not out.is_dir():  # OOXML in "x.xls"/"x.csv": Excel balks
        raise UsageError("tệp kết quả phải có đuôi .xlsx (hoặc .xlsm để giữ macro).", file=str(out),
                         hint=f"Ví dụ -o {out.with_suffix('.xlsx').name}.")
    if not in_place and same_file(out, src):  # checked before reading: also a hard or symbolic link
        raise UsageError("tệp kết quả trùng tệp gốc; dùng --in-place nếu muốn sửa trực tiếp (sẽ có bản sao lưu).",
                         file=str(out))
    grids = read_grids(src)
    plan = read_grids_plan(grids, str(src))
    tables = [t for t in plan.tables if sheet is None or t.sheet == sheet]
    if sheet is None:  # by default never a hidden sheet (often an old copy) when a visible table exists
        tables = [t for t in tables if t.sheet_state == "visible"] or tables
    if not tables:
        names = [g.name for g in grids]
        if sheet is not None and sheet not in names:
            raise UsageError(f"tệp không có trang '{sheet}'.", file=str(src),
                             hint="Các trang của tệp: " + ", ".join(f"'{n}'" for n in names) + "; hãy ghi đúng tên "
                                  "trang sau --sheet.")
        where = f"trang '{sheet}'" if sheet else "tệp"
        with_tables = sorted({t.sheet for t in plan.tables})
        raise NsclError(f"không tìm thấy bảng dự toán trong {where}.", file=str(src),
                        hint=("Các trang có bảng dự toán: " + ", ".join(f"'{n}'" for n in with_tables) + ".")
                        if with_tables else "Bảng cần dòng tiêu đề có cột 'TT', 'Nội dung' và cột kinh phí.")
    table = tables[0]
    grid = next(g for g in grids if g.name == table.sheet)
    fp = plan_fill(plan, table, period=period, spread=spread, schedule=schedule, overwrite=overwrite,
                   occupied=grid.row_used)
    saved = backup(src) if in_place else None  # complete and synced, or OutputError (exit 4)
    with atomic_path(out) as tmp:  # OS errors of the output side become OutputError (exit 4)
        n, notes = _apply(src, tmp, fp, as_suffix=out.suffix)
    return FillReport(out, table.sheet, fp.years, fp.grand_total_dong, fp.words, fp.messages + notes, saved, n)


def _apply(src: Path, dst: Path, fp: FillPlan, *, as_suffix: str) -> tuple[int, list[str]]:
    """Write *fp* into a copy of *src* with the package editor (:mod:`nscl_xl.edit`): only the
    edited sheet, styles, content types and the parts whose references the new columns move
    are rewritten; everything else is copied byte for byte. Returns (formulas, notes)."""
    from .edit import WorkbookEditor, insert_year_columns
    from .edit.sheet import is_covered, merged_ranges

    t = fp.table

    def moved(c: int) -> int:
        return c + len(fp.new_year_columns) if fp.insert_at is not None and c >= fp.insert_at else c

    with WorkbookEditor(src) as ed:
        ws = ed.sheet(t.sheet)
        if fp.new_year_columns:
            insert_year_columns(ed, t, fp.insert_at, fp.new_year_columns, GROUP_LABEL)
        merges = merged_ranges(ws)

        amount_col = moved(t.columns["amount"])
        item_col = moved(t.columns.get("item", t.columns["amount"]))
        styles = ed.styles
        body_row = t.lines[0].row if t.lines else t.last_row
        changed: set[tuple[int, int]] = set()
        written: set[tuple[int, int]] = set()
        formulas = 0
        for w in fp.writes:
            if is_covered(merges, w.row, w.col):
                continue  # inside a merged range: Excel shows only its top-left cell
            cell = ws.cell(w.row, w.col)
            style = None
            if cell is None or not cell.style:
                ref = ws.cell(w.row, amount_col)
                style = ref.style if ref is not None and ref.style else None
                if style is None and w.row == fp.total_row:  # a total row without formats: the body's, bold
                    above = ws.cell(body_row, w.col)
                    style = styles.derive(above.style if above else 0, bold=True)
            old = ws.number(w.row, w.col)
            if isinstance(w.value, str) and w.value.startswith("="):
                formulas += 1
                new = w.cached if w.cached is not None else Decimal(0)
                ws.write(w.row, w.col, ("=", w.value[1:]), cached=new, style=style)
            else:
                if w.row == fp.words_row and (cell is None or not cell.style):
                    item = ws.cell(body_row, item_col)
                    style = styles.derive(0, font=styles.font_of(item.style if item else 0), italic=True)
                ws.write(w.row, w.col, w.value, style=style)
                new = Decimal(str(w.value)) if isinstance(w.value, (int, float)) else None
            written.add((w.row, w.col))
            if (old or Decimal(0)) != (new or Decimal(0)) or (old is None) != (new is None):
                changed.add((w.row, w.col))
        ed.formulas_changed = True
        ed.recompute_dependents(t.sheet, changed, written)
        ed.save(dst, kind="filled", as_suffix=as_suffix)
        return formulas, list(ed.notes)

"""Turn sheets into the budget model.

The reader works on :class:`~nscl_xl.workbook_io.SheetGrid` objects (values from A1), so the
same code serves files (calamine), live Excel books (xlwings) and tests (plain lists).

How a table is recognised:

1. A **header row** has an item column ("Nội dung", "Nhiệm vụ", …) and a code column ("TT")
   or an amount/year column. Rows below it belong to the header while they hold only
   header words, years or column numbers "(1) (2) …" — this covers two-row merged headers.
2. Each column's header text is read bottom-up (the lowest label is the most specific:
   "Đơn giá" under "Kinh phí (nghìn đồng)", "2021" under "Dự toán kinh phí").
3. The **money unit** comes from a header ("(nghìn đồng)"), a unit line above the table
   ("Đơn vị tính: Triệu đồng") or the title, in that order.
4. **Rows** until the total row ("Tổng cộng") below the items, a words line ("Bằng chữ"), a
   signature block or a long blank run — a blank run or a title-like row ("Giám đốc…") ends the
   table only when what follows is not a table row (a coded line or a number in a money
   column). A total row above the items opens them; section subtotals ("Cộng mục I") are kept
   apart (checked, never summed). Codes build the hierarchy: Roman sections, dotted arabic
   numbers (restarting under each section), letters a) b), "-"/"+" bullets under the line above.
5. **Coverage**: every number in the table's columns from its header down to the next table
   is either in the model or listed in ``table.unread`` with its cell and the reason.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Sequence

from . import provinces
from .errors import NoBudgetTable
from .gcpause import collector_paused
from .model import (Amount, BudgetLine, BudgetTable, CellProblem, FormulaCell, Plan, SheetRead, Source, StatedTotal, Target,
                    WordsLine, a1, col_letter)
from .money import MoneyUnit, NotANumber, find_unit, parse_number, to_decimal, to_dong
from .text import cell_text, fold, legacy_encoding, tcvn3_to_unicode
from .workbook_io import MergedIndex, SheetGrid, read_grids

# --- header vocabulary (folded text) -------------------------------------------------------

_FIELD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("code", re.compile(r"^(s\.? ?tt|tt|so tt|so thu tu|thu tu|ma so|ma)\.?$")),
    ("agency", re.compile(r"(don vi chu tri|co quan (thuc hien|chu tri)|don vi thuc hien|chu tri|don vi phoi hop)")),
    ("unit_name", re.compile(r"^(don vi|don vi tinh|dvt|d\.v\.t)\.?$")),
    ("quantity", re.compile(r"^(so luong|sl|khoi luong)\b")),
    ("unit_price", re.compile(r"^(don gia|muc chi|dinh muc)\b")),
    ("result", re.compile(r"^(ket qua|san pham)")),
    ("timing", re.compile(r"^thoi gian")),
    ("notes", re.compile(r"^ghi chu")),
    ("group", re.compile(r"^nhom( hoat dong| noi dung)?$")),
    ("item", re.compile(r"(noi dung|nhiem vu|hang muc|dien giai|ten hoat dong|hoat dong|cong viec)")),
    ("amount", re.compile(r"(tong kinh phi|thanh tien|kinh phi|tong cong|tong so|so tien|du toan|tong)")),
]
# "2026", "Năm 2026", "2026 (triệu đồng)", "Năm 2026 (tr.đ)", "2026:"
# "Năm 2026", "2026 (tr.đ)", "2026.0" (a year number typed as text), "Năm 2026*" (a footnote mark),
# "Năm thứ nhất (2026)".
_YEAR = re.compile(r"^(nam ?|nam thu [a-z]+ ?\(?)?(20\d\d)(?:\.0+)?\)?\s*\**\s*[:.]?\s*(\(.*\))?\s*\**$")
_YEAR_TOKEN = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?( ?[=x*+-] ?\(?\d{1,2}\)?)*$|^\([a-z]\)$")
# A grand total: "Tổng cộng (I+II)", "TỔNG SỐ", "Cộng", "Tổng:" — but not an item that starts
# with the word ("Tổng kết …", "Cộng tác viên …").
_TOTAL = re.compile(r"^((tong cong|tong so|tong kinh phi|tong du toan)\b|(tong|cong)\s*($|[:(]|"
                    r"(kinh phi|du toan|toan bo|chung|cac muc|tat ca)\b))")
# A section subtotal: "Cộng mục I", "Tổng cộng phần II", "Cộng I:".
_SUBTOTAL = re.compile(r"^(tong cong|tong so|tong|cong)\s+((muc|phan|nhom|khoan|chuong)\s+([ivxlc]+|\d+|[a-z])\b"
                       r"|([ivxlc]+|\d+|[a-d])\s*[:.]?$)")
#: "Cộng", "Tổng:" alone: a grand total at the end, a section subtotal when a section follows.
_BARE_TOTAL = re.compile(r"^(tong|cong)\s*:?$")
_ROUNDING_NOTE = re.compile(r"lam tron")
_WORDS = re.compile(r"bang chu")
_SIGNATURE = re.compile(r"^(kt\.|tm\.|nguoi lap|noi nhan|chu tich|pho chu tich|giam doc|thu truong|ke toan)")
_ROMAN = re.compile(r"^[IVXLC]+\.?$")
_ARABIC = re.compile(r"^\d+(\.\d+)*\.?$")
_LETTER = re.compile(r"^[a-zđ][).]$|^[a-zđ]$")
_BULLET = re.compile(r"^[-+*•–—]$")
_PERIOD = re.compile(r"(20\d\d)\s*[-–—]\s*(20\d\d)")
_YEAR_IN_TITLE = re.compile(r"\bnam (20\d\d)\b")

MAX_BLANK_RUN = 6  # a longer run ends the table unless a table row follows it
HEADER_SCAN_LIMIT = 100_000


@functools.lru_cache(maxsize=16384)
def classify_header(text: str) -> str | None:
    """The model field a header label names, or "year:2021", or None."""
    f = fold(text).strip(" :")
    if not f:
        return None
    m = _YEAR.match(f)
    if m:
        return f"year:{m.group(2)}"
    for name, pattern in _FIELD_PATTERNS:
        if pattern.search(f):
            return name
    return None


def _label_text(value: object) -> str:
    """Header text of a cell; a date cell stands for its year (a year typed into a date-formatted
    cell: 2026 shows as 18/07/1905, serial 2026; or 01/01/2026 formatted "yyyy")."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        d = value.date() if isinstance(value, _dt.datetime) else value
        serial = (d - _dt.date(1899, 12, 30)).days
        if 2000 <= serial <= 2100:
            return str(serial)
        return str(d.year)
    return cell_text(value)


def _header_texts(grid: SheetGrid, row: int) -> list[tuple[int, str]]:
    """Like :func:`_row_texts`, with date cells read as the year they stand for."""
    texts = _row_texts(grid, row)
    if row < grid.n_rows and any(isinstance(grid.values[row][c], (_dt.date, _dt.datetime)) for c, _ in texts):
        return [(c, _label_text(grid.values[row][c])) for c, _ in texts]
    return texts


def _is_number_cell(value: object) -> bool:
    """A cell holding a number, or a number typed as text ("5.405", "01")."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, Decimal)):
        return True
    if isinstance(value, float):
        return value == value
    if isinstance(value, str) and any(ch.isdigit() for ch in value) and len(value) < 40:
        try:
            return parse_number(value) is not None
        except NotANumber:
            return False
    return False


def _is_column_number(text: str) -> bool:
    return bool(_COLUMN_NUMBER.match(fold(text)))


def _row_texts(grid: SheetGrid, row: int) -> list[tuple[int, str]]:
    """Non-empty (column, text) pairs of a row; memoised per grid (the header scan and the
    row parser both need them)."""
    if row >= grid.n_rows:
        return []
    memo = grid.__dict__.setdefault("_texts", {})
    texts = memo.get(row)
    if texts is None:
        texts = memo[row] = [(c, t) for c, v in enumerate(grid.values[row]) if v not in ("", None)
                             for t in (cell_text(v),) if t]
    return texts


MAX_LABEL_LENGTH = 45  # header labels are short; item texts that mention "kinh phí" are not


def _looks_like_header(grid: SheetGrid, row: int) -> bool:
    texts = _header_texts(grid, row)
    fields = [classify_header(t) if len(t) <= MAX_LABEL_LENGTH else None for _, t in texts]
    known = [f for f in fields if f]
    if len(known) < 2 or len(known) * 2 < len(texts):
        return False
    has_amount = "amount" in known or any(f.startswith("year:") for f in known)
    return "item" in known and ("code" in known or has_amount)


def _is_header_continuation(grid: SheetGrid, row: int, code_col: int | None, header_row: int | None = None,
                            item_col: int | None = None) -> bool:
    texts = _header_texts(grid, row)
    if not texts:
        # Empty, but the header's labels are merged down into it ("TT" over two rows). A grid
        # without merge information (a live Excel book read through xlwings) cannot say; there
        # an empty row right under the header, with content below it, is taken as that row.
        if header_row is None:
            return False
        if grid.merged:
            return any(r0 <= header_row < row <= r1 for (r0, _), (r1, _) in grid.merged)
        return row == header_row + 1 and bool(_row_texts(grid, row + 1))
    if all(_is_column_number(t) for _, t in texts) and len(texts) >= 3:
        return True
    if code_col is not None and grid.cell(row, code_col) not in (None, ""):
        return False
    fields = [classify_header(t) for _, t in texts]
    years = [(c, int(f[5:])) for f, (c, _) in zip(fields, texts) if f and f.startswith("year:")]
    if any(b <= a for (_, a), (_, b) in zip(years, years[1:])):
        return False  # "2030 | 2030", "2040 | 2030": amounts, not a row of year labels
    if years and header_row is not None:
        above = {c for r in range(header_row, row) for c, t in _header_texts(grid, r)
                 if (classify_header(t) or "").startswith("year:")}
        if any(c in above for c, _ in years):
            return False  # a column already labelled with its year: these are amounts
    if item_col is not None and _total_kind(cell_text(grid.cell(row, item_col))):
        return False  # a total row right under the header (the items follow it)
    return all(f is not None or find_unit(t) is not None for f, (_, t) in zip(fields, texts))


def _merged_origin(grid: SheetGrid) -> MergedIndex:
    """Top-left cell of the merged range covering a cell: ``origin.get((r, c), default)``.

    Looked up by the ranges' corners, never expanded cell by cell (4,000 merged 100×100
    ranges cost 4,000 entries, not 40 million). A merge over more than 10,000 cells (a
    whole-sheet merge) says nothing about headers and is left out."""
    return MergedIndex(m for m in grid.merged if (m[1][0] - m[0][0] + 1) * (m[1][1] - m[0][1] + 1) <= 10_000)


Label = tuple[str, tuple[int, int]]  # header text and the cell it stands in


def _header_labels(grid: SheetGrid, rows: range) -> dict[int, list[Label]]:
    """Header text of each column, top to bottom, with merged group labels carried over."""
    origin = _merged_origin(grid)
    width = max((len(grid.values[r]) for r in rows), default=0)
    labels: dict[int, list[Label]] = {c: [] for c in range(width)}
    for r in rows:
        last_group: Label | None = None
        for c in range(width):
            src = origin.get((r, c), (r, c))
            text = _label_text(grid.cell(*src))
            label: Label | None = (text, src) if text else None
            if label is None and not grid.merged and r != rows[-1]:
                # No merge information (a pasted grid): a group label spans the empty cells
                # to its right as long as the row below labels them.
                if cell_text(grid.cell(r + 1, c)) and last_group:
                    label = last_group
            if label:
                labels[c].append(label)
                last_group = label if cell_text(grid.cell(r + 1, c)) or r == rows[-1] else None
            elif not cell_text(grid.cell(r + 1, c)):
                last_group = None
    return labels


def _assign_columns(labels: dict[int, list[Label]]) -> tuple[dict[str, int], dict[int, int], list[str]]:
    """Fields and year columns from header labels; duplicates are reported, first one kept."""
    columns: dict[str, int] = {}
    years: dict[int, int] = {}
    duplicates: list[str] = []
    fields: dict[int, str] = {}
    amount_years: dict[int, int] = {}  # "Kinh phí năm 2026": an amount label naming one year
    for c in sorted(labels):
        for text, _ in reversed(labels[c]):  # most specific (lowest) label first
            field = classify_header(text)
            if field:
                fields[c] = field
                tokens = set(_YEAR_TOKEN.findall(text))
                if field == "amount" and len(tokens) == 1:
                    amount_years[c] = int(tokens.pop())
                break
    if len(set(amount_years.values())) >= 2:  # one amount column per year: year columns
        for c, y in amount_years.items():
            fields[c] = f"year:{y}"
    for c, field in sorted(fields.items()):
        if field.startswith("year:"):
            y = int(field[5:])
            if y in years:
                duplicates.append(f"năm {y} (cột {a1(0, c)[:-1]})")
            else:
                years[y] = c
        elif field in columns:
            if field in ("amount", "quantity", "unit_price", "code", "item"):
                duplicates.append(f"{field} (cột {a1(0, c)[:-1]})")
        else:
            columns[field] = c
    return columns, years, duplicates


def _code_kind(code: str) -> str:
    if not code:
        return "none"
    if _ROMAN.match(code):
        return "roman"
    if _ARABIC.match(code):
        return "arabic"
    if _LETTER.match(code):
        return "letter"
    if _BULLET.match(code):
        return "bullet"
    if re.fullmatch(r"[A-Z]\.?", code):
        return "roman"  # "A", "B" parts behave like sections
    return "other"


def _is_part(code: str) -> bool:
    """A single capital letter other than the Roman numerals I, V, X: a part ("Phần A")."""
    return bool(re.fullmatch(r"[A-Z]\.?", code)) and code[0] not in "IVX"


def _normal_code(value: object) -> str:
    text = cell_text(value)
    return text[:-1] if _ARABIC.match(text) and text.endswith(".") else text


def _find_parent(stack: list[BudgetLine], line: BudgetLine) -> BudgetLine | None:
    """Choose the parent of *line* among the open lines (most recent last)."""
    kind, code = line.kind, line.code
    if kind == "roman":
        # Parts "A", "B" (and "C", "D", never Roman sections 100, 500) hold Roman sections:
        # A > I > 1. A Roman section goes under the open part; a part is top level.
        if _is_part(code):
            return None
        return next((cand for cand in reversed(stack) if cand.kind == "roman" and _is_part(cand.code)), None)
    if kind == "arabic":
        parts = code.split(".")
        # The nearest open line whose code is a prefix ("1.2" for "1.2.1", else "1" when
        # "1.2" is missing). An orphan like "3.1" with no "3" goes under the section.
        for k in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:k])
            for cand in reversed(stack):
                if cand.kind == "arabic" and cand.code == prefix:
                    return cand
        for cand in reversed(stack):
            if cand.kind == "roman":
                return cand
        return None
    if kind == "letter":
        for cand in reversed(stack):
            if cand.kind in ("arabic", "roman"):
                return cand
        return None
    # bullets, uncoded rows with numbers, other codes: under the last numbered line;
    # "+" under the last "-" when that comes after it.
    for cand in reversed(stack):
        if code == "+" and cand.kind == "bullet" and cand.code != "+":
            return cand
        if cand.kind in ("arabic", "roman", "letter"):
            return cand
    return None


def _source_maker(file: str, sheet: str):
    def make(row: int, col: int) -> Source:
        return Source(file, sheet, f"{col_letter(col)}{row + 1}")
    return make


def _number(raw: object, src: Source, table: BudgetTable, column: str) -> Amount | None:
    """A number cell as an exact Amount; text that is not a number becomes a CellProblem.

    Text with two readings ("5,405") raises AmbiguousNumber, a NotANumber: it is never guessed,
    and check_cells reports it as ``ambiguous-number``.
    """
    try:
        value = to_decimal(raw)
    except NotANumber:
        table.problems.append(CellProblem(src, column, cell_text(raw)))
        return None
    if value is None:
        return None
    return Amount(value, src, as_text=isinstance(raw, str))


def _title_above(grid: SheetGrid, header_row: int, stop_row: int) -> tuple[str, list[tuple[int, int, str]]]:
    parts, cells = [], []
    for r in range(max(stop_row, header_row - 12), header_row):
        for c, t in _row_texts(grid, r):
            parts.append(t)
            cells.append((r, c, t))
    return " ".join(parts), cells


def _total_kind(text: str) -> tuple[str, str] | None:
    """("total", "") for a grand-total label, ("subtotal", section code) for "Cộng mục I"."""
    f = fold(text)
    m = _SUBTOTAL.match(f)
    if m:
        return "subtotal", (m.group(4) or m.group(5) or "").upper()
    if _TOTAL.match(f):
        return "total", ""
    return None


def _subtotal_section(table: BudgetTable, code: str) -> BudgetLine | None:
    """The section a "Cộng mục I" row restates: the line coded I, else the latest top-level line."""
    for ln in reversed(table.lines):
        if code and ln.code.upper().rstrip(".") == code and ln.parent is None:
            return ln
    return next((ln for ln in reversed(table.lines) if ln.parent is None), None)


def _parse_table(grid: SheetGrid, file: str, header_row: int, prev_end: int) -> BudgetTable | None:
    # Header block.
    labels0 = dict(_header_texts(grid, header_row))
    code_col = next((c for c, t in labels0.items() if classify_header(t) == "code"), None)
    item_col = next((c for c, t in labels0.items() if classify_header(t) == "item"), None)
    last = header_row
    while last + 1 < grid.n_rows and last - header_row < 3 and \
            _is_header_continuation(grid, last + 1, code_col, header_row, item_col):
        last += 1
    labels = _header_labels(grid, range(header_row, last + 1))
    columns, year_cols, duplicates = _assign_columns(labels)
    if "item" not in columns or not ("amount" in columns or year_cols):
        return None

    title, title_cells = _title_above(grid, header_row, prev_end)
    unit, unit_src = None, None
    money_cols = [columns.get(k) for k in ("amount", "unit_price")] + list(year_cols.values())
    for c in [c for c in money_cols if c is not None]:
        for text, (lr, lc) in labels.get(c, []):
            unit = find_unit(text)
            if unit:
                unit_src = Source(file, grid.name, a1(lr, lc))
                break
        if unit:
            break
    if unit is None:
        for r, c, t in reversed(title_cells):
            if ("don vi" in fold(t) or "dvt" in fold(t)) and find_unit(t):
                unit, unit_src = find_unit(t), Source(file, grid.name, a1(r, c))
                break
    if unit is None:
        for r, c, t in title_cells:
            if find_unit(t):
                unit, unit_src = find_unit(t), Source(file, grid.name, a1(r, c))
                break

    table = BudgetTable(file=file, sheet=grid.name, unit=unit or MoneyUnit.DONG, unit_source=unit_src,
                        header_rows=(header_row, last), columns=columns, year_columns=year_cols, title=title,
                        sheet_state=grid.state)
    for d in duplicates:
        table.problems.append(CellProblem(Source(file, grid.name, a1(header_row, 0)), "duplicate-column", d))
    read_cols = set(columns.values()) | set(year_cols.values())
    for c, col_labels in sorted(labels.items()):
        # A label that looks like a year ("KH 2026", a date) in a column nothing reads.
        if c in read_cols or not col_labels:
            continue
        text, (lr, lc) = col_labels[-1]
        if any(classify_header(t) for t, _ in col_labels):
            continue  # a repeated column: reported as duplicate-column
        if any(_YEAR_TOKEN.search(t) for t, _ in col_labels):
            table.problems.append(CellProblem(Source(file, grid.name, a1(lr, lc)), "year-header", text))
    for r, c, t in title_cells:
        if _ROUNDING_NOTE.search(fold(t)):
            table.rounding_note = (t, Source(file, grid.name, a1(r, c)))
    for c, col_labels in labels.items():
        for t, (lr, lc) in col_labels:
            if table.rounding_note is None and _ROUNDING_NOTE.search(fold(t)):
                table.rounding_note = (t, Source(file, grid.name, a1(lr, lc)))

    get = columns.get
    origin = _merged_origin(grid)
    code_c, item_c, unit_c = get("code"), columns["item"], get("unit_name")
    number_cols = [(name, get(name)) for name in ("quantity", "unit_price", "amount") if get(name) is not None]
    year_items = [(y, c, f"year:{y}") for y, c in year_cols.items()]
    text_cols = [(name, get(name)) for name in ("agency", "result", "timing", "notes", "group") if get(name) is not None]
    money_row_cols = [c for _, c in number_cols] + list(year_cols.values())
    src_of = _source_maker(file, grid.name)
    values = grid.values
    n_rows = grid.n_rows

    def has_money_cell(r: int) -> bool:
        vals = values[r]
        return any(c < len(vals) and _is_number_cell(vals[c]) for c in money_row_cols)

    def next_nonblank(r: int) -> int | None:
        while r < n_rows and not _row_texts(grid, r):
            r += 1
        return r if r < n_rows else None

    def continues(r: int) -> bool:
        """Row *r* carries the table on: a coded line or a number in a money column, and
        neither a header nor a words line."""
        texts = _row_texts(grid, r)
        if _looks_like_header(grid, r) or _WORDS.search(fold(" ".join(t for _, t in texts))):
            return False
        vals = values[r]
        code = _normal_code(vals[code_c]) if code_c is not None and code_c < len(vals) else ""
        return _code_kind(code) not in ("none", "other") or has_money_cell(r)

    stack: list[BudgetLine] = []
    read_rows: set[int] = set()  # rows whose field cells are in the model
    skipped_rows: set[int] = set()  # repeated headers, the words line: nothing to read as a number
    total_above = False  # the total row came before any line: the items follow it
    blank_run = 0
    row = last + 1
    end = last
    while row < n_rows:
        vals = values[row]
        width = len(vals)
        code = _normal_code(vals[code_c]) if code_c is not None and code_c < width else ""
        kind = _code_kind(code)
        coded = kind not in ("none", "other")
        after_total = table.total is not None and not total_above
        if not coded:
            # Only an uncoded row can be blank, a words line, a repeated header or a signature.
            texts = _row_texts(grid, row)
            if not texts:
                blank_run += 1
                if blank_run > MAX_BLANK_RUN:
                    nxt = next_nonblank(row + 1)
                    if nxt is None or not continues(nxt):
                        break
                    row, blank_run = nxt, 0
                    continue
                row += 1
                continue
            if _WORDS.search(fold(" ".join(t for _, t in texts))):
                if table.words is None:
                    c, t = next((c, t) for c, t in texts if _WORDS.search(fold(t)))
                    table.words = WordsLine(t, src_of(row, c))
                skipped_rows.add(row)
                end = row
                if total_above and not table.lines:  # "Tổng cộng", "(Bằng chữ …)", then the items
                    row += 1
                    continue
                break
            if _looks_like_header(grid, row):
                # The same header again is a page-break repeat: skip it and its sub-rows.
                # A different header, or any header after the total row, starts a new table.
                again = _assign_columns(_header_labels(grid, range(row, row + (last - header_row) + 1)))
                if after_total or again[0] != columns or again[1] != year_cols:
                    break
                skipped_rows.update(range(row, row + last - header_row + 1))
                row += last - header_row + 1
                continue
            if not code and _SIGNATURE.match(fold(texts[0][1])) and not has_money_cell(row):
                # "Giám đốc", "Kế toán trưởng": a signature block unless table rows follow
                # (then it is an item or a note: "Giám đốc doanh nghiệp được bồi dưỡng…").
                nxt = next_nonblank(row + 1)
                if nxt is None or not continues(nxt):
                    break
        blank_run = 0
        item = cell_text(vals[item_c]) if item_c < width else ""
        total = None if coded else (_total_kind(item) or _total_kind(code))
        if after_total and total is None:
            break  # rows after the total: only a words line belongs to the table
        if kind == "none" and item[:2] in ("- ", "+ "):
            kind, code = "bullet", item[0]
            item = item[2:].strip()
        line = BudgetLine(row=row, code=code, kind=total[0] if total else kind, item=item)
        if unit_c is not None and unit_c < width:
            line.unit_name = cell_text(vals[unit_c])
        for name, c in number_cols:
            if c < width and vals[c] not in ("", None):
                setattr(line, name, _number(vals[c], src_of(row, c), table, name))
        for y, c, label in year_items:
            if c < width and vals[c] not in ("", None):
                amt = _number(vals[c], src_of(row, c), table, label)
                if amt is not None:
                    line.years[y] = amt
        for name, c in text_cols:
            # A vertically merged cell (one agency for several rows) applies to every row
            # it covers; a horizontal merge (the total row's label) belongs to its own column.
            src = origin.get((row, c), (row, c)) if origin else (row, c)
            setattr(line, name, cell_text(grid.cell(*src)) if src[1] == c else "")
        if total is not None and total[0] == "total" and table.total is None and table.lines \
                and _BARE_TOTAL.match(fold(item or code)):
            # A bare "Cộng" closing a section, with the next section after it, is that section's
            # subtotal (tables that close each section with "Cộng"), never the end of the table.
            nxt = next_nonblank(row + 1)
            nxt_code = _normal_code(values[nxt][code_c]) if nxt is not None and code_c is not None \
                and code_c < len(values[nxt]) else ""
            nxt_label = " ".join(t for _, t in _row_texts(grid, nxt)) if nxt is not None else ""
            if _code_kind(nxt_code) == "roman" or (not nxt_code and _total_kind(nxt_label) == ("total", "")):
                total = ("subtotal", "")
                line.kind = "subtotal"
        if total is not None:
            if total[0] == "subtotal":
                table.subtotals.append((line, _subtotal_section(table, total[1])))
            elif table.total is None:
                table.total = line
                total_above = not table.lines
            else:  # a second grand-total row (above and below the items): checked, not summed
                table.subtotals.append((line, None))
            read_rows.add(row)
            end = row
            row += 1
            continue
        if kind in ("none", "other") and not line.has_money() and line.quantity is None and line.unit_price is None:
            # A note or a continuation line without a code ("Ghi chú: …" in the code column is
            # no code either) and without numbers.
            row += 1
            continue
        parent = _find_parent(stack, line)
        line.parent = parent
        if parent is not None:
            parent.children.append(line)
            del stack[stack.index(parent) + 1:]
        else:
            stack.clear()
        stack.append(line)
        table.lines.append(line)
        read_rows.add(row)
        end = row
        row += 1
    table.last_row = end
    table.__dict__["_rows"] = (read_rows, skipped_rows, labels)  # for _check_coverage
    return table


def _check_coverage(grid: SheetGrid, table: BudgetTable, stop: int) -> None:
    """List every number in the table's columns, from its header to row *stop* (excl.), that
    the model does not hold (``table.unread``); look for a stated rounding below the table."""
    read_rows, skipped_rows, labels = table.__dict__.pop("_rows")
    labelled = [c for c, ls in labels.items() if ls]
    if not labelled:
        return
    span = range(min(labelled), max(labelled) + 1)
    fields = {c: name for name, c in table.columns.items()}
    fields.update({c: f"year:{y}" for y, c in table.year_columns.items()})
    money = {c for c, name in fields.items() if name in ("amount", "quantity", "unit_price") or name.startswith("year:")}
    table.covered_to = stop - 1
    first, last = table.header_rows[1] + 1, table.last_row
    unread_cols = [c for c in span if c not in fields]  # what a line row does not read
    values = grid.values
    for r in range(first, min(stop, grid.n_rows)):
        if r in skipped_rows:
            continue
        in_model = r in read_rows
        if in_model:  # the common case, kept cheap: only the columns no field reads
            vals = values[r]
            cells = [(c, vals[c]) for c in unread_cols if c < len(vals) and vals[c] not in ("", None)]
        else:
            texts = _row_texts(grid, r)
            if r > last and table.rounding_note is None:
                for c, t in texts:
                    if _ROUNDING_NOTE.search(fold(t)):
                        table.rounding_note = (t, Source(table.file, table.sheet, a1(r, c)))
            cells = [(c, values[r][c]) for c, _ in texts if c in span]
        for c, v in cells:
            if not _is_number_cell(v):
                continue
            t = cell_text(v)
            name = fields.get(c, "")
            if in_model:
                heads = [h for h, _ in labels.get(c, [])]
                reason = ("cột này lặp lại tiêu đề của một cột đã đọc; chỉ cột đầu tiên được đọc"
                          if any(classify_header(h) for h in heads) else
                          f"cột '{heads[-1]}' không phải cột nào của bảng dự toán nên không được đọc" if heads else
                          "cột này không có tiêu đề nên không được đọc")
            elif r > last:
                reason = f"nằm dưới dòng cuối của bảng (dòng {last + 1})"
                code_c = table.columns.get("code")
                below_total = table.total is not None and table.lines and table.total.row > table.lines[-1].row
                if below_total and not (code_c is not None and _code_kind(_normal_code(grid.cell(r, code_c)))
                                        not in ("none", "other")):
                    # "Trong đó: ngân sách tỉnh …" under the total: outside the total, not a lost item
                    reason += ", sau dòng tổng cộng (không thuộc tổng)"
                    name = ""
            else:
                reason = "dòng này không được đọc vào bảng (không có mã số và không có số ở cột kinh phí)"
            table.unread.append(CellProblem(Source(table.file, table.sheet, a1(r, c)),
                                            name if c in money else "", t, reason))  # name: an error


def find_tables(grid: SheetGrid, file: str = "") -> list[BudgetTable]:
    """Every budget table on a sheet, top to bottom, each with its coverage checked."""
    tables: list[BudgetTable] = []
    row, prev_end = 0, 0
    limit = min(grid.n_rows, HEADER_SCAN_LIMIT)
    while row < limit:
        if _looks_like_header(grid, row):
            table = _parse_table(grid, file, row, prev_end)
            if table is not None and (table.lines or table.total):
                tables.append(table)
                prev_end = table.last_row + 1
                row = max(table.last_row + 1, row + 1)
                continue
        row += 1
    for i, table in enumerate(tables):
        stop = tables[i + 1].header_rows[0] if i + 1 < len(tables) else grid.n_rows
        _check_coverage(grid, table, stop)
    return tables


# --- plan-level facts: metadata sheet, title, targets ---------------------------------------

_META_KEYS = [
    ("province", re.compile(r"^(tinh|tinh/thanh pho|tinh, thanh pho|dia phuong|tinh thanh)$")),
    ("plan_number", re.compile(r"^(so ke hoach|ke hoach so|so hieu|so hieu van ban|so)$")),
    ("date", re.compile(r"^(ngay ban hanh|ngay ky|ngay)$")),
    ("kind", re.compile(r"^loai ke hoach$")),
    ("period", re.compile(r"^(giai doan|thoi ky|nam ke hoach|nam)$")),
    ("unit", re.compile(r"^(don vi tinh|dvt)$")),
    ("total", re.compile(r"^(tong kinh phi|tong du toan|kinh phi thuc hien|tong kinh phi thuc hien)\b")),
    ("words", re.compile(r"^(bang chu)\b")),
    ("title", re.compile(r"^(ten ke hoach|tieu de|trich yeu)$")),
    ("basis", re.compile(r"^(can cu|thuc hien)\b")),
]


def _meta_key(text: str) -> str | None:
    f = fold(text).strip(" :")
    for name, pattern in _META_KEYS:
        if pattern.match(f):
            return name
    return None


def _stated_amount(value: object, label: str, unit_hint: MoneyUnit | None) -> int | None:
    """A stated total "6.370 triệu đồng" / 2628000000 in đồng."""
    if value is None or value == "":
        return None
    text = cell_text(value)
    unit = find_unit(label) or find_unit(text) or unit_hint or MoneyUnit.DONG
    m = re.search(r"[\d][\d.,\s]*", text) if isinstance(value, str) else None
    try:
        number = parse_number(m.group(0).strip()) if m else to_decimal(value)
    except NotANumber:
        return None
    return None if number is None else to_dong(number, unit)


def _read_metadata(grid: SheetGrid, file: str, plan: Plan) -> None:
    """Key/value rows ("Tỉnh" | "Kiên Giang") and "Key: value" cells on a metadata sheet."""
    unit_hint = None
    for r in range(min(grid.n_rows, 200)):
        texts = _row_texts(grid, r)
        if not texts:
            continue
        c0, first = texts[0]
        key, value, vcol = _meta_key(first), None, None
        if key and len(texts) > 1:
            vcol = texts[1][0]
            value = grid.cell(r, vcol)
        elif ":" in first:
            k, _, v = first.partition(":")
            key, value, vcol = _meta_key(k), v.strip(), c0
            first = k
        if not key or value in (None, ""):
            continue
        src = Source(file, grid.name, a1(r, vcol))
        text = cell_text(value)
        plan.metadata.setdefault(key, (text, src))
        if key == "unit":
            unit_hint = find_unit(text)
        elif key == "total":
            amount = _stated_amount(value, first + " " + " ".join(t for _, t in texts[2:]), unit_hint)
            if amount is not None:
                pm = _PERIOD.search(fold(first))
                period = (int(pm.group(1)), int(pm.group(2))) if pm else None
                plan.stated_totals.append(StatedTotal(amount, src, label=first, period=period))
        elif key == "words":
            plan.stated_words.append(WordsLine(text, src))


def _read_targets(grid: SheetGrid, file: str, plan: Plan) -> None:
    """A targets table: "Chỉ tiêu" | "Giai đoạn" | "Giá trị" | "Đơn vị"."""
    for r in range(min(grid.n_rows, 50)):
        heads = {fold(t): c for c, t in _row_texts(grid, r)}
        target_col = next((c for k, c in heads.items() if k.startswith(("chi tieu", "muc tieu"))), None)
        period_col = next((c for k, c in heads.items() if k.startswith(("giai doan", "thoi ky"))), None)
        value_col = next((c for k, c in heads.items() if k.startswith(("gia tri", "so luong", "chi so"))), None)
        unit_col = next((c for k, c in heads.items() if k.startswith("don vi")), None)
        if target_col is None or value_col is None:
            continue
        for rr in range(r + 1, grid.n_rows):
            text = cell_text(grid.cell(rr, target_col))
            if not text:
                continue
            plan.targets.append(Target(
                text=text,
                period=cell_text(grid.cell(rr, period_col)) if period_col is not None else "",
                value=cell_text(grid.cell(rr, value_col)),
                unit=cell_text(grid.cell(rr, unit_col)) if unit_col is not None else "",
                source=Source(file, grid.name, a1(rr, value_col))))
        return


def _period_from_text(text: str) -> tuple[str, tuple[int, int]] | None:
    f = fold(text)
    m = _PERIOD.search(f)
    if m and ("giai doan" in f or "thoi ky" in f):
        return "period", (int(m.group(1)), int(m.group(2)))
    m2 = _YEAR_IN_TITLE.search(f)
    if m2 and not re.search(r"(den|toi) nam " + m2.group(1), f):
        return "annual", (int(m2.group(1)), int(m2.group(1)))
    if m:
        return "period", (int(m.group(1)), int(m.group(2)))
    return None


def read_grids_plan(grids: Sequence[SheetGrid], file: str = "") -> Plan:
    """Build a :class:`Plan` from sheet grids (no file access)."""
    with collector_paused():  # a model is all allocation: see nscl_xl.gcpause
        return _read_grids_plan(grids, file)


def _read_grids_plan(grids: Sequence[SheetGrid], file: str) -> Plan:
    plan = Plan(file=file)
    for grid in grids:
        encoding = legacy_encoding(v for row in grid.values[:400] for v in row if isinstance(v, str) and v)
        if encoding:
            plan.encodings[grid.name] = encoding
        if encoding == "tcvn3":  # convert before recognising headers ("Néi dung" -> "Nội dung")
            grid = grid.map_text(tcvn3_to_unicode)
        for (r, c), (formula, value, error) in sorted((grid.uncached or {}).items()):
            plan.formula_cells.append(FormulaCell(Source(file, grid.name, a1(r, c)), formula, value, error))
        tables = find_tables(grid, file)
        plan.tables.extend(tables)
        read = SheetRead(grid.name, grid.state, grid.n_rows, "table" if tables else "")
        if not tables:
            n_meta, n_stated, n_targets = len(plan.metadata), len(plan.stated_totals), len(plan.targets)
            _read_metadata(grid, file, plan)
            _read_targets(grid, file, plan)
            read.role = ("targets" if len(plan.targets) > n_targets else
                         "metadata" if len(plan.metadata) > n_meta or len(plan.stated_totals) > n_stated else
                         "other" if any(_row_texts(grid, r) for r in range(min(grid.n_rows, 200))) else "empty")
        plan.sheets.append(read)

    meta = plan.metadata
    # Province: metadata cell, then the title text, then the file name.
    if "province" in meta:
        text, src = meta["province"]
        plan.province, plan.province_source = provinces.canonical(text) or text, src
    if not plan.province:
        for t in plan.tables:
            hit = provinces.find_in_text(t.title)
            if hit:
                plan.province = hit
                plan.province_source = Source(file, t.sheet, a1(max(t.header_rows[0] - 1, 0), 0))
                break
    if not plan.province and "title" in meta:
        hit = provinces.find_in_text(meta["title"][0])
        if hit:
            plan.province, plan.province_source = hit, meta["title"][1]
    if not plan.province and file:
        stem = re.sub(r"[_\-.]+", " ", Path(file).stem)
        hit = provinces.find_in_text("tỉnh " + stem) or next(
            (p for p in provinces.all_provinces() if fold(p) in fold(stem)), None)
        if hit:
            plan.province, plan.province_source = hit, Source(file)

    # Kind and period: year columns, then titles, then metadata.
    years = sorted({y for t in plan.tables for y in t.years})
    found = None
    if len(years) >= 2:
        found = ("period", (years[0], years[-1]))
    elif "period" in meta:  # stated explicitly: wins over what a title suggests
        value = fold(meta["period"][0])
        m = _PERIOD.search(value)
        y = re.search(r"20\d\d", value)
        found = ("period", (int(m.group(1)), int(m.group(2)))) if m else (
            ("annual", (int(y.group(0)),) * 2) if y else None)
    if not found:
        for text in [t.title for t in plan.tables] + ([meta["title"][0]] if "title" in meta else []):
            found = _period_from_text(text)
            if found:
                break
    if "kind" in meta:
        k = fold(meta["kind"][0])
        kind = "annual" if ("nam" in k and "giai doan" not in k) or "hang nam" in k else "period"
        found = (kind, found[1] if found else None)
    if found:
        plan.kind, plan.period = found[0], found[1]
    plan.plan_number = meta.get("plan_number", ("", None))[0]
    plan.date = meta.get("date", ("", None))[0]
    plan.title = meta.get("title", ("", None))[0] or (plan.tables[0].title if plan.tables else "")
    return plan


def read_plan(path: str | os.PathLike, *, require_table: bool = False) -> Plan:
    """Read a workbook file into a :class:`Plan`.

    Raises :class:`~nscl_xl.errors.ReadError` for files that cannot be read and, with
    *require_table*, :class:`~nscl_xl.errors.NoBudgetTable` when no table and no stated
    total is found.
    """
    grids = read_grids(path)
    plan = read_grids_plan(grids, str(path))
    if require_table and not plan.tables and not plan.stated_totals:
        raise NoBudgetTable(no_table_message(plan, [g.name for g in grids]), file=str(path))
    return plan


def no_table_message(plan: Plan, sheets: list[str]) -> str:
    """Why no table was found, and what to do, in Vietnamese."""
    names = ", ".join(sheets) or "(không có trang tính)"
    text = ("không tìm thấy bảng dự toán (cần dòng tiêu đề có cột 'TT', 'Nội dung' và cột kinh phí) "
            f"trong các trang: {names}.")
    vni = [s for s, e in plan.encodings.items() if e == "vni"]
    if vni:
        text += (f" Trang {', '.join(vni)} có vẻ gõ bằng bảng mã VNI (phông VNI-Times): hãy chuyển sang Unicode "
                 "(Unikey: Công cụ chuyển mã) rồi thử lại.")
    return text

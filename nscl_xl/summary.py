"""Write a :class:`~nscl_xl.consolidate.Consolidation` as the summary workbook and as CSV.

The summary is a document a department files: the issuing body, a title naming the scope
(period, number of provinces), "Đơn vị tính", the table, place and date, and the signature
block ("Người lập biểu", "Thủ trưởng đơn vị"); every sheet is set up to print on A4, fitted to
the page width, with its header rows repeated.

The workbook is new, so it is written with XlsxWriter and every formula is given its cached
value, computed here from exact integers of đồng: readers that do not recalculate (pandas,
python-calamine, previewers, Protected View) show the same numbers Excel will compute.
"Tổng hợp" and "Theo nội dung" are SUMIFS over "Dữ liệu" whose criteria are **integer keys**
written in "Dữ liệu" (the row number of the province / activity group in its sheet, and the
year, 0 for "not split by year"): a criterion on free text would be matched case-insensitively,
with ``*``, ``?``, ``~`` as wildcards and a leading ``<``, ``>``, ``=`` as operators, so labels
could recompute to other numbers than the cached ones. Numbers never do. Past Excel's row limit
the data continue on "Dữ liệu (2)", "Dữ liệu (3)"…, and the formulas add them up.
"""

from __future__ import annotations

import csv
import datetime
import functools
import math
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import provinces as prov
from .bulk_sheet import SheetEdit, apply_edits, iter_rows_xml, stream_rows
from .consolidate import UNCLASSIFIED, Consolidation, category_labels
from .findings import CHECK_HEADERS, check_row, wrapped_lines
from .model import col_letter
from .money import MoneyUnit, format_vn
from .safe_write import OUTPUT_MARKER, atomic_path
from .text import csv_safe as text_csv_safe

NO_YEAR = "Chưa phân năm"
DATA_SHEET = "Dữ liệu"
DATA_HEADERS = ["Tỉnh", "Tỉnh (từ 1/7/2025)", "Năm", "Nhóm nội dung", "Mã", "Nội dung", "Số tiền (đồng)",
                "Kế hoạch", "Tệp", "Trang", "Ô", "Khóa tỉnh", "Khóa nhóm", "Khóa năm"]
#: Columns of the integer keys the summary formulas select on (see the module docstring).
KEY_PROVINCE, KEY_CATEGORY, KEY_YEAR, AMOUNT_COL = "L", "M", "N", "G"
CSV_HEADERS = ["province", "year", "category", "code", "item", "amount_vnd", "plan", "file", "sheet", "cell"]
#: CSV dialects: (UTF-8 byte order mark, separator). "excel": Excel opens the file with a double
#: click and shows the Vietnamese correctly; "excel-vn": the same where Windows' list separator is
#: ";" (Vietnamese regional settings, decimal mark ","); "plain": for scripts and pipes.
CSV_DIALECTS = {"excel": (True, ","), "excel-vn": (True, ";"), "plain": (False, ",")}
_STATUS_VN = {"used": "đã dùng", "skipped": "bỏ qua (lỗi)", "ignored": "bỏ qua", "duplicate": "bản trùng",
              "conflict": "kế hoạch xung đột (không dùng)"}
#: Excel's rows per worksheet; "Dữ liệu" holds one header row and this many less one data rows.
EXCEL_MAX_ROWS = 1_048_576
HEAD = 5  # 0-based header row of the "Tổng hợp" and "Theo nội dung" tables


def _decimals(values, unit: MoneyUnit) -> int:
    exps = [(Decimal(v) / unit.factor).normalize().as_tuple().exponent for v in values if v]
    return max([0] + [-int(e) for e in exps if int(e) < 0])


def write_summary(cons: Consolidation, out: str | os.PathLike, *, unit: MoneyUnit = MoneyUnit.TRIEU,
                  provinces: str = "as-written", organisation: str = "", place: str = "",
                  date: datetime.date | None = None) -> Path:
    """Write the summary workbook atomically; returns the path.

    *organisation* is the issuing body printed top left, *place* and *date* the "…, ngày … tháng
    … năm …" line (dotted blanks to fill by hand when not given; *date* defaults to today).
    """
    out = Path(out)
    with atomic_path(out) as tmp:
        stage = tmp.with_name(tmp.name + ".stage.xlsx")
        try:
            _write_workbook(cons, stage, tmp, out, unit, provinces,
                            _Document(organisation, place, date or datetime.date.today()))
        finally:
            stage.unlink(missing_ok=True)
    return out


class _Document:
    def __init__(self, organisation: str, place: str, date: datetime.date):
        self.organisation = organisation or "(Tên cơ quan, đơn vị lập biểu)"
        self.place = place or "……………"
        self.date = date

    @property
    def date_line(self) -> str:
        return f"{self.place}, ngày {self.date.day:02d} tháng {self.date.month:02d} năm {self.date.year}"


def province_rows(cons: Consolidation, provinces: str = "as-written") -> list[tuple[str, dict, str]]:
    """(province, {year: đồng}, note) in official order: every province with a used plan, those
    whose plans state no amount (targets only) included with a note."""
    label_of = (lambda name: prov.merged_2025(name)) if provinces == "2025" else (lambda name: name)
    matrix = cons.matrix((lambda r: r.province_2025) if provinces == "2025" else (lambda r: r.province))
    notes: dict[str, list[str]] = {}
    for s in cons.used:
        name = label_of(s.province or "(không rõ tỉnh)")
        matrix.setdefault(name, {})
        if s.n_records == 0:
            notes.setdefault(name, []).append(f"{s.plan}: chỉ nêu mục tiêu, không nêu kinh phí")
    for r in cons.records:
        if r.year is None and not r.code and r.item.startswith("Tổng kinh phí (kế hoạch không có bảng"):
            text = f"{r.plan}: chỉ nêu tổng kinh phí {format_vn(r.amount_vnd)} đồng, chưa chia theo năm"
            notes.setdefault(label_of(r.province), []).append(text)
    names = sorted(matrix, key=lambda n: prov.order_key(n, provinces))
    return [(n, matrix[n], "; ".join(dict.fromkeys(notes.get(n, [])))) for n in names]


def _write_workbook(cons: Consolidation, stage: Path, final: Path, out: Path, unit: MoneyUnit, provinces: str,
                    doc: _Document) -> None:
    import xlsxwriter

    from .words import amount_to_words

    wb = xlsxwriter.Workbook(str(stage), {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False})
    wb.worksheet_class = _formula_worksheet_class()
    wb.set_properties({"title": "Tổng hợp dự toán kinh phí Chương trình NSCL", "author": "nscl-xl"})
    wb.set_custom_property(OUTPUT_MARKER, "summary")  # so a later run never counts it again
    f = _Formats(wb, unit, _decimals([r.amount_vnd for r in cons.records], unit))
    years = cons.years
    has_no_year = any(r.year is None for r in cons.records)
    columns: list[int | str] = list(years) + ([NO_YEAR] if has_no_year else [])

    prov_rows = province_rows(cons, provinces)
    cat_matrix = cons.matrix(lambda r: r.category)
    cat_order = [c for c in category_labels() if c in cat_matrix] + sorted(
        (c for c in cat_matrix if c not in category_labels()), key=prov.collation_key)
    prov_key = {name: i for i, (name, _, _) in enumerate(prov_rows, start=1)}
    cat_key = {name: i for i, name in enumerate(cat_order, start=1)}
    label_of = (lambda r: r.province_2025) if provinces == "2025" else (lambda r: r.province)
    records = sorted(cons.records, key=lambda r: prov_key[label_of(r)])  # stable: the data follow the rows
    rows = [[r.province, r.province_2025, r.year if r.year is not None else NO_YEAR, r.category, r.code, r.item,
             r.amount_vnd, r.plan, r.file, r.sheet, r.cell, prov_key[label_of(r)], cat_key[r.category], r.year or 0]
            for r in records]
    per_sheet = EXCEL_MAX_ROWS - 1
    chunks = [rows[i:i + per_sheet] for i in range(0, len(rows), per_sheet)] or [[]]
    data_names = [DATA_SHEET] + [f"{DATA_SHEET} ({i})" for i in range(2, len(chunks) + 1)]

    summary = wb.add_worksheet("Tổng hợp")
    by_content = wb.add_worksheet("Theo nội dung")
    data_sheets = [wb.add_worksheet(name) for name in data_names]
    checks = wb.add_worksheet("Kiểm tra")
    sources = wb.add_worksheet("Nguồn")

    bulk = [_write_data(ws, chunk, f, table=(i == 0)) for i, (ws, chunk) in enumerate(zip(data_sheets, chunks))]
    n_prov = len({label_of(r) for r in cons.records} | {n for n, _, _ in prov_rows})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    scope = ", ".join(p for p in [f"giai đoạn {span}" if len(years) > 1 else (f"năm {span}" if span else ""),
                                   f"{n_prov} tỉnh, thành phố"] if p)
    grouping = ("tỉnh theo đơn vị hành chính từ 1/7/2025 (Nghị quyết 202/2025/QH15), xếp theo mã đơn vị hành chính"
                if provinces == "2025" else "tỉnh theo tên ghi trong kế hoạch, xếp theo mã đơn vị hành chính")
    sums = _Sums(data_names, [len(c) for c in chunks], unit)
    end = _write_matrix(summary, "TỔNG HỢP DỰ TOÁN KINH PHÍ CHƯƠNG TRÌNH NĂNG SUẤT CHẤT LƯỢNG THEO TỈNH",
                        scope, grouping, "Tỉnh, thành phố", prov_rows, columns, KEY_PROVINCE, sums, unit, f, doc)
    total = cons.total_vnd
    summary.merge_range(end + 1, 0, end + 1, len(columns) + 3,
                        f"Tổng cộng bằng chữ: {amount_to_words(total)} ({format_vn(total)} đồng).", f.italic_wrap)
    summary.set_row(end + 1, 33)
    row = end + 3
    if cons.overlaps:
        row = _write_overlaps(summary, row, cons, unit, f)
    if cons.conflicts:
        row = _write_conflicts(summary, row, cons, unit, f)
    row = _write_signatures(summary, row, len(columns) + 4, doc, f)
    _insert_chart(wb, summary, row + 1, len(prov_rows), columns, unit)

    cat_rows = [(c, cat_matrix[c], "") for c in cat_order]
    end = _write_matrix(by_content, "TỔNG HỢP DỰ TOÁN KINH PHÍ THEO NHÓM NỘI DUNG", scope,
                        "nhóm nội dung phân loại theo từ khóa trong tên nhiệm vụ (hoặc cột 'Nhóm hoạt động' của mẫu); "
                        f"'{UNCLASSIFIED}' khi không nhận ra", "Nhóm nội dung", cat_rows, columns, KEY_CATEGORY,
                        sums, unit, f, doc)
    _write_signatures(by_content, end + 2, len(columns) + 4, doc, f)
    bulk_checks = _write_checks(checks, cons, out, f)
    _write_sources(sources, cons, f)
    summary.activate()
    wb.close()
    # XlsxWriter assigned style indices on close; the bulk of the long sheets goes in directly.
    t, i, d = f.text.xf_index, f.int.xf_index, f.dong.xf_index
    edits, streams = [], {}
    for n, (chunk, rest) in enumerate(zip(chunks, bulk)):
        # The data rows are streamed into the zip entry afterwards (stream_rows): never one big string.
        edits.append(SheetEdit(3 + n, 2 if chunk else 1, "", max(len(chunk) + 1, 2), len(DATA_HEADERS) - 1,
                               table_index=1 if n == 0 else None))
        streams[3 + n] = iter_rows_xml(rest, [t, t, i, t, t, t, d, t, t, t, t, i, i, i], first_row=3,
                                       heights=[_wrapped_height(r, DATA_WIDTHS) for r in rest])
    check_rows, links, heights = bulk_checks
    num = f.check_number.xf_index
    # Streamed like the data rows (one finding a row: a folder of many files has tens of thousands).
    last = 2 + len(check_rows)
    edits.append(SheetEdit(3 + len(chunks), 2, "", max(last, 2), 10, links=links))
    streams[3 + len(chunks)] = iter_rows_xml(check_rows, [t, t, f.link.xf_index, t, t, t, num, num, num, t, t],
                                             first_row=3, heights=heights)
    edited = stage.with_name(stage.name + ".edited.xlsx")
    try:
        apply_edits(stage, edited, edits)
        stream_rows(edited, final, streams)
    finally:
        edited.unlink(missing_ok=True)


#: Functions XlsxWriter prefixes with _xlfn. even without use_future_functions (its
#: Worksheet._prepare_formula, 3.x), as a superset: no \b, and "INGLE(" for its "\SINGLE\(".
_DYNAMIC_FUNCTIONS = ("ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER",
                      "HSTACK", "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "INGLE", "SEQUENCE",
                      "SORT", "SORTBY", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK",
                      "WRAPCOLS", "WRAPROWS", "XLOOKUP")


def _formula_worksheet_class():
    """XlsxWriter's Worksheet, but a formula that names none of the functions it would rewrite
    skips its ~29 regex substitutions (each a no-op then): the summary writes thousands of SUMIFS."""
    import re

    from xlsxwriter.worksheet import Worksheet

    dynamic = re.compile("(?:" + "|".join(_DYNAMIC_FUNCTIONS) + r")\(|_xlfn\.")

    class FormulaWorksheet(Worksheet):
        def _prepare_formula(self, formula, expand_future_functions=False):
            if self.use_future_functions or expand_future_functions or dynamic.search(formula):
                return super()._prepare_formula(formula, expand_future_functions)
            # what XlsxWriter strips before its substitutions
            if formula.startswith("{"):
                formula = formula[1:]
            if formula.startswith("="):
                formula = formula[1:]
            if formula.endswith("}"):
                formula = formula[:-1]
            return formula

    return FormulaWorksheet


class _Formats:
    def __init__(self, wb, unit: MoneyUnit, decimals: int):
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
        body = "#,##0" + ("." + "0" * decimals if decimals else "")
        num = f'{body};-{body};"-"'  # zero prints as "-", as in Vietnamese finance tables
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
        self.heading = wb.add_format({**base, "bold": True})
        self.centre = wb.add_format({**base, "align": "center"})
        self.centre_bold = wb.add_format({**base, "align": "center", "bold": True})
        self.centre_italic = wb.add_format({**base, "align": "center", "italic": True})
        self.right_italic = wb.add_format({**base, "align": "right", "italic": True})
        self.italic = wb.add_format({**base, "italic": True})
        self.italic_wrap = wb.add_format({**base, "italic": True, "text_wrap": True, "valign": "top"})
        self.header = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True,
                                     "bg_color": "#DDEBF7"})
        self.text = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.text_top = wb.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})
        self.plain = wb.add_format({**base})
        self.int = wb.add_format({**base, "border": 1, "align": "center"})
        self.money = wb.add_format({**base, "border": 1, "num_format": num})
        self.money_bold = wb.add_format({**base, "border": 1, "num_format": num, "bold": True})
        self.dong = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.check_number = wb.add_format({**base, "border": 1, "num_format": "#,##0.########", "valign": "top"})
        self.bold = wb.add_format({**base, "border": 1, "bold": True})
        self.link = wb.add_format({**base, "border": 1, "font_color": "blue", "underline": 1, "valign": "top"})
        self.unit = unit


def _write_data(ws, rows: list[list], f: _Formats, table: bool) -> list[list]:
    """Header and first row through XlsxWriter; returns the remaining rows for the bulk writer."""
    for c, v in enumerate(rows[0] if rows else []):
        if isinstance(v, int):
            ws.write_number(1, c, v, f.dong if c == 6 else f.int)
        else:
            ws.write_string(1, c, v, f.text)
    if table:
        # The table is declared over the header and first row (XlsxWriter loops over every row of
        # a table's range); apply_edits widens its ref to the real last row.
        ws.add_table(0, 0, 1, len(DATA_HEADERS) - 1, {
            "name": "DuLieu", "style": "Table Style Light 9", "autofilter": True,
            "columns": [{"header": h} for h in DATA_HEADERS]})
    else:
        for c, h in enumerate(DATA_HEADERS):
            ws.write_string(0, c, h, f.header)
    for c, w in enumerate(DATA_WIDTHS):
        ws.set_column(c, c, w)
    if rows:
        ws.set_row(1, _wrapped_height(rows[0], DATA_WIDTHS))
    ws.freeze_panes(1, 0)
    _print_setup(ws, 0)
    return rows[1:]


#: Column widths of "Dữ liệu" (characters); text wraps, so rows get the height their text needs.
DATA_WIDTHS = [14, 14, 9, 20, 6, 50, 16, 26, 26, 12, 6, 10, 10, 10]


def _wrapped_height(values, widths) -> float | None:
    """Points for a row of wrapped text (Times New Roman 12: 15.75 pt a line); None for one line."""
    lines = wrapped_lines(values, widths)
    return 15.75 * lines if lines > 1 else None


class _Sums:
    """SUMIFS over every "Dữ liệu" sheet, selecting on the integer key columns only."""

    def __init__(self, names: list[str], lengths: list[int], unit: MoneyUnit):
        self.ranges = [(name, max(n + 1, 2)) for name, n in zip(names, lengths)]
        self.div = f"/{unit.factor}" if unit.factor != 1 else ""

    def formula(self, key_col: str, key_ref: str, year_criterion: str) -> str:
        parts = []
        for name, last in self.ranges:
            rng = lambda col: f"'{name}'!${col}$2:${col}${last}"  # noqa: E731
            parts.append(f"SUMIFS({rng(AMOUNT_COL)},{rng(key_col)},{key_ref},{rng(KEY_YEAR)},{year_criterion})")
        total = "+".join(parts)
        return f"=({total}){self.div}" if self.div and len(parts) > 1 else f"={total}{self.div}"


def _write_title(ws, title: str, scope: str, note: str, unit: MoneyUnit, last_col: int, f: _Formats,
                 doc: _Document) -> None:
    ws.merge_range(0, 0, 0, min(3, last_col), doc.organisation, f.centre_bold)
    ws.merge_range(1, 0, 1, last_col, title, f.title)
    ws.merge_range(2, 0, 2, last_col, f"({scope})" if scope else "", f.centre_italic)
    ws.merge_range(3, 0, 3, last_col, f"Đơn vị tính: {unit.label}", f.right_italic)
    ws.merge_range(4, 0, 4, last_col, f"Ghi chú: {note}.", f.italic_wrap)
    ws.set_row(4, 33)


def _write_matrix(ws, title: str, scope: str, note: str, label: str, rows: list[tuple[str, dict, str]],
                  columns: list, key_col: str, sums: _Sums, unit: MoneyUnit, f: _Formats, doc: _Document) -> int:
    """Rows × year columns as SUMIFS over "Dữ liệu", row and column totals; returns the total row."""
    last_col = len(columns) + 3
    _write_title(ws, title, scope, note, unit, last_col, f, doc)
    headers = ["STT", label] + columns + ["Tổng cộng", "Ghi chú"]
    for c, h in enumerate(headers):
        if isinstance(h, int):
            ws.write_number(HEAD, c, h, f.header)
        else:
            ws.write_string(HEAD, c, h, f.header)
    first_row = HEAD + 1
    col_totals = [Decimal(0)] * (len(columns) + 1)
    for i, (name, by_year, remark) in enumerate(rows):
        r = first_row + i
        ws.write_number(r, 0, i + 1, f.int)  # also the row's key in "Dữ liệu"
        ws.write_string(r, 1, name, f.text)
        row_total = Decimal(0)
        for j, col in enumerate(columns):
            vnd = by_year.get(None if col == NO_YEAR else col, 0)
            value = Decimal(vnd) / unit.factor
            year_criterion = "0" if col == NO_YEAR else f"{col_letter(2 + j)}${HEAD + 1}"
            ws.write_formula(r, 2 + j, sums.formula(key_col, f"$A{r + 1}", year_criterion), f.money, _num(value))
            row_total += value
            col_totals[j] += value
        if columns:
            ws.write_formula(r, 2 + len(columns),
                             f"=SUM({col_letter(2)}{r + 1}:{col_letter(1 + len(columns))}{r + 1})",
                             f.money_bold, _num(row_total))
        else:
            ws.write_number(r, 2, 0, f.money_bold)
        ws.write_string(r, 3 + len(columns), remark, f.text)
        col_totals[-1] += row_total
        if len(remark) > 40:
            ws.set_row(r, 15.75 * math.ceil(len(remark) / 40))
    total_row = first_row + len(rows)
    ws.write_string(total_row, 1, "Tổng cộng", f.bold)
    ws.write_blank(total_row, 0, None, f.bold)
    ws.write_blank(total_row, 3 + len(columns), None, f.bold)
    for j in range(len(columns) + 1):
        c = col_letter(2 + j)
        if rows:
            ws.write_formula(total_row, 2 + j, f"=SUM({c}{first_row + 1}:{c}{total_row})", f.money_bold,
                             _num(col_totals[j]))
        else:  # no row to add up: a number, never a formula over its own cell
            ws.write_number(total_row, 2 + j, 0, f.money_bold)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2 + len(columns), 12)
    ws.set_column(3 + len(columns), 3 + len(columns), 30)
    ws.freeze_panes(HEAD + 1, 2)
    _print_setup(ws, HEAD)
    return total_row


def _write_signatures(ws, row: int, width: int, doc: _Document, f: _Formats) -> int:
    """Place and date line, then "Người lập biểu" (left) and "Thủ trưởng đơn vị" (right); returns the next row."""
    half = max(width // 2, 2)
    last = max(width - 1, half + 1)
    ws.merge_range(row + 1, half, row + 1, last, doc.date_line, f.centre_italic)
    ws.merge_range(row + 2, 0, row + 2, half - 1, "NGƯỜI LẬP BIỂU", f.centre_bold)
    ws.merge_range(row + 2, half, row + 2, last, "THỦ TRƯỞNG ĐƠN VỊ", f.centre_bold)
    ws.merge_range(row + 3, 0, row + 3, half - 1, "(Ký, ghi rõ họ tên)", f.centre_italic)
    ws.merge_range(row + 3, half, row + 3, last, "(Ký, ghi rõ họ tên, đóng dấu)", f.centre_italic)
    return row + 8


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _write_overlaps(ws, row: int, cons: Consolidation, unit: MoneyUnit, f: _Formats) -> int:
    ws.write_string(row, 0, "Năm có cả kế hoạch năm và kế hoạch giai đoạn: tổng hợp dùng số của kế hoạch năm "
                            f"(đơn vị: {unit.label})", f.title)
    row += 1
    heads = ["STT", "Tỉnh", "Năm", "Kế hoạch năm", "Kế hoạch giai đoạn", "Chênh lệch", "Tệp kế hoạch năm",
             "Tệp kế hoạch giai đoạn"]
    for c, h in enumerate(heads):
        ws.write_string(row, c, h, f.header)
    for i, o in enumerate(cons.overlaps, start=1):
        r = row + i
        a, p = Decimal(o.annual_vnd) / unit.factor, Decimal(o.period_vnd) / unit.factor
        ws.write_number(r, 0, i, f.int)
        ws.write_string(r, 1, o.province, f.text)
        ws.write_number(r, 2, o.year, f.int)
        ws.write_number(r, 3, _num(a), f.money)
        ws.write_number(r, 4, _num(p), f.money)
        ws.write_formula(r, 5, f"=D{r + 1}-E{r + 1}", f.money, _num(a - p))
        ws.write_string(r, 6, o.annual_file, f.text)
        ws.write_string(r, 7, o.period_file, f.text)
    return row + len(cons.overlaps) + 1


def _write_conflicts(ws, row: int, cons: Consolidation, unit: MoneyUnit, f: _Formats) -> int:
    ws.write_string(row, 0, "Kế hoạch xung đột (cùng tỉnh, cùng loại, năm trùng nhau): tổng hợp dùng một bản, bản kia "
                            f"không cộng (đơn vị: {unit.label})", f.heading)
    row += 1
    heads = ["STT", "Tỉnh", "Tệp được dùng", "Kinh phí", "Tệp không dùng", "Kinh phí", "Chênh lệch", "Lý do chọn"]
    for c, h in enumerate(heads):
        ws.write_string(row, c, h, f.header)
    for i, x in enumerate(cons.conflicts, start=1):
        r = row + i
        a, b = Decimal(x.used_vnd) / unit.factor, Decimal(x.other_vnd) / unit.factor
        ws.write_number(r, 0, i, f.int)
        ws.write_string(r, 1, x.province, f.text)
        ws.write_string(r, 2, Path(x.used_file).name, f.text)
        ws.write_number(r, 3, _num(a), f.money)
        ws.write_string(r, 4, Path(x.other_file).name, f.text)
        ws.write_number(r, 5, _num(b), f.money)
        ws.write_formula(r, 6, f"=F{r + 1}-D{r + 1}", f.money, _num(b - a))
        ws.write_string(r, 7, x.rule, f.text)
    return row + len(cons.conflicts) + 1


def _insert_chart(wb, ws, row: int, n_rows: int, columns: list, unit: MoneyUnit) -> None:
    years = [c for c in columns if c != NO_YEAR]
    if not n_rows or not years:
        return
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    first, last = HEAD + 1, HEAD + n_rows  # 0-based rows of the province block, in the table's order
    for j, year in enumerate(years):
        chart.add_series({"name": ["Tổng hợp", HEAD, 2 + j], "categories": ["Tổng hợp", first, 1, last, 1],
                          "values": ["Tổng hợp", first, 2 + j, last, 2 + j]})
    chart.set_title({"name": f"Kinh phí theo tỉnh và năm ({unit.label})"})
    chart.set_y_axis({"name": unit.label, "num_format": "#,##0"})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 760, "height": 400})
    ws.insert_chart(row, 1, chart)


def _check_value(value) -> object:
    """Expected/found/difference as a number where they are one (Kiểm tra shows numbers as numbers)."""
    if value is None:
        return ""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not d.is_finite():
        return str(value)
    return int(d) if d == d.to_integral_value() and abs(d) < 10 ** 15 else float(d)


#: Column widths of "Kiểm tra" (characters), chosen to fit an A4 landscape page at about 85 %.
_CHECK_WIDTHS = [24, 12, 6, 9, 13, 60, 11, 11, 11, 10, 12]


def _row_height(values: list) -> float:
    """Points for a row whose text wraps in the "Kiểm tra" columns."""
    return _wrapped_height(values, _CHECK_WIDTHS) or 15.75


def _write_checks(ws, cons: Consolidation, out: Path, f: _Formats) -> tuple[list[list], list, list]:
    """Header and first finding through XlsxWriter; returns the other rows, their links and row heights (bulk)."""
    heads = CHECK_HEADERS
    for c, h in enumerate(heads):
        ws.write_string(0, c, h, f.header)
    base, rel_paths = out.resolve().parent, {}
    rows, links, heights = [], [], []
    for i, x in enumerate(cons.findings, start=1):
        row = [_check_value(v) if c in (6, 7, 8) else ("" if v is None else str(v))
               for c, v in enumerate(check_row(x))]
        link = None
        if x.cell and x.sheet:
            if x.file not in rel_paths:
                rel_paths[x.file] = Path(os.path.relpath(Path(x.file).resolve(), base)).as_posix()
            link = (rel_paths[x.file], f"'{x.sheet}'!{x.cell}")
        if i == 1:  # written by XlsxWriter so that its formats get style indices
            for c, v in enumerate(row):
                if isinstance(v, (int, float)):
                    ws.write_number(i, c, v, f.check_number)
                else:
                    ws.write_string(i, c, v, f.text_top)
            if link:
                ws.write_url(i, 2, f"external:{link[0]}#{link[1]}", f.link, x.cell)
            else:
                ws.write_string(i, 2, row[2], f.link)
            ws.set_row(i, _row_height(row))
            continue
        rows.append(row)
        heights.append(_row_height(row))
        if link:
            links.append((f"C{i + 1}", link[0], link[1]))
    if not cons.findings:
        ws.write_string(1, 5, "Không phát hiện sai sót.", f.text)
        ws.write_blank(1, 2, None, f.link)
    for c, w in enumerate(_CHECK_WIDTHS):
        ws.set_column(c, c, w)
    ws.autofilter(0, 0, max(len(cons.findings), 1), len(heads) - 1)
    ws.freeze_panes(1, 0)
    _print_setup(ws, 0)
    return rows, links, heights


def _write_sources(ws, cons: Consolidation, f: _Formats) -> None:
    """Every file of the folder: used, skipped with the reason, duplicate, conflict, or ignored."""
    heads = ["Tệp", "Tỉnh", "Kế hoạch", "Loại", "Giai đoạn/năm", "Đơn vị tính", "Tổng kinh phí (đồng)",
             "Số dòng dữ liệu", "Lỗi", "Cảnh báo", "Trạng thái", "Lý do, việc cần làm", "Tệp liên quan"]
    widths = [28, 12, 24, 9, 10, 10, 16, 8, 6, 7, 12, 50, 20]
    for c, h in enumerate(heads):
        ws.write_string(0, c, h, f.header)
    for i, s in enumerate(cons.sources, start=1):
        values = [s.file, s.province, s.plan, s.kind, s.period, s.unit, s.total_vnd, s.n_records, s.n_errors,
                  s.n_warnings, _STATUS_VN.get(s.status, s.status), s.reason, Path(s.same_as).name if s.same_as else ""]
        for c, v in enumerate(values):
            if isinstance(v, int):
                ws.write_number(i, c, v, f.dong if c == 6 else f.int)
            elif v is None:
                ws.write_blank(i, c, None, f.text)
            else:
                ws.write_string(i, c, v, f.text_top)
        ws.set_row(i, _wrapped_height(values, widths))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    _print_setup(ws, 0)


def _print_setup(ws, header_row: int) -> None:
    """A4 landscape, fitted to the page width (any number of pages down), header rows on every page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0 if header_row == 0 else HEAD, header_row)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&C&\"Times New Roman\"&10Trang &P/&N")


def write_csv(cons: Consolidation, out, *, dialect: str = "excel", provinces: str = "as-written") -> Path | None:
    """CSV, one row per line and year; amount_vnd an integer of đồng; rows in the official
    province order of *provinces* (as in the summary's sheets). *out* is a path (written
    atomically) or an open text stream (stdout). *dialect* is one of :data:`CSV_DIALECTS`."""
    bom, sep = CSV_DIALECTS[dialect]
    records = cons.records if provinces != "2025" else sorted(
        cons.records, key=lambda r: prov.order_key(r.province_2025, "2025"))  # stable: as-written order within

    def write(fh) -> None:
        if bom:
            fh.write("\ufeff")
        w = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
        w.writerow(CSV_HEADERS)
        # Province, category, plan, file and sheet repeat on every row: each distinct text is made
        # safe once (a bounded cache; a cache miss costs only the regex).
        csv_safe = functools.lru_cache(maxsize=4096)(text_csv_safe)
        for r in records:
            w.writerow([csv_safe(r.province), "" if r.year is None else r.year, csv_safe(r.category),
                        csv_safe(r.code), csv_safe(r.item), r.amount_vnd, csv_safe(r.plan), csv_safe(r.file),
                        csv_safe(r.sheet), csv_safe(r.cell)])

    if hasattr(out, "write"):
        write(out)
        return None
    out = Path(out)
    with atomic_path(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            write(fh)
    return out

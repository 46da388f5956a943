"""Write a :class:`~nscl_xl.consolidate.Consolidation` as the summary workbook and as CSV.

The workbook is new, so it is written with XlsxWriter and every formula is given its cached
value, computed here from exact integers of đồng: readers that do not recalculate (pandas,
python-calamine, previewers, Protected View) show the same numbers Excel will compute.
"Tổng hợp" and "Theo nội dung" are SUMIFS over "Dữ liệu", so the three can never disagree.
"""

from __future__ import annotations

import csv
import os
from decimal import Decimal
from pathlib import Path

from .bulk_sheet import SheetEdit, apply_edits, rows_xml
from .consolidate import UNCLASSIFIED, Consolidation, Record, category_labels
from .findings import CHECK_HEADERS, check_row
from .model import col_letter
from .money import MoneyUnit, format_vn
from .safe_write import atomic_path

NO_YEAR = "Chưa phân năm"
SUMMARY_MARK = "nscl_xl_kind"
DATA_SHEET = "Dữ liệu"
DATA_HEADERS = ["Tỉnh", "Tỉnh (từ 1/7/2025)", "Năm", "Nhóm nội dung", "Mã", "Nội dung", "Số tiền (đồng)",
                "Kế hoạch", "Tệp", "Trang", "Ô"]
CSV_HEADERS = ["province", "year", "category", "code", "item", "amount_vnd", "plan", "file", "sheet", "cell"]
_STATUS_VN = {"used": "đã dùng", "skipped": "bỏ qua (lỗi)", "ignored": "bỏ qua"}


def _decimals(values, unit: MoneyUnit) -> int:
    exps = [(Decimal(v) / unit.factor).normalize().as_tuple().exponent for v in values if v]
    return max([0] + [-int(e) for e in exps if int(e) < 0])


def write_summary(cons: Consolidation, out: str | os.PathLike, *, unit: MoneyUnit = MoneyUnit.TRIEU,
                  provinces: str = "as-written") -> Path:
    """Write the summary workbook atomically; returns the path."""
    out = Path(out)
    with atomic_path(out) as tmp:
        stage = tmp.with_name(tmp.name + ".stage.xlsx")
        try:
            _write_workbook(cons, stage, tmp, out, unit, provinces)
        finally:
            stage.unlink(missing_ok=True)
    return out


def _write_workbook(cons: Consolidation, stage: Path, final: Path, out: Path, unit: MoneyUnit, provinces: str) -> None:
    import xlsxwriter

    from .words import amount_to_words

    wb = xlsxwriter.Workbook(str(stage), {"strings_to_formulas": False, "strings_to_urls": False,
                                          "strings_to_numbers": False})
    wb.set_properties({"title": "Tổng hợp dự toán kinh phí Chương trình NSCL", "author": "nscl-xl"})
    wb.set_custom_property(SUMMARY_MARK, "summary")  # so a later run never counts it again
    f = _Formats(wb, unit, _decimals([r.amount_vnd for r in cons.records], unit))
    years = cons.years
    has_no_year = any(r.year is None for r in cons.records)
    columns: list[int | str] = list(years) + ([NO_YEAR] if has_no_year else [])
    n = len(cons.records)
    province_col = "B" if provinces == "2025" else "A"

    summary = wb.add_worksheet("Tổng hợp")
    by_content = wb.add_worksheet("Theo nội dung")
    data = wb.add_worksheet(DATA_SHEET)
    checks = wb.add_worksheet("Kiểm tra")
    sources = wb.add_worksheet("Nguồn")

    bulk_rows = _write_data(data, cons.records, f)
    label_of = (lambda r: r.province_2025) if provinces == "2025" else (lambda r: r.province)
    prov_rows = sorted(cons.matrix(label_of).items())
    title = "TỔNG HỢP DỰ TOÁN KINH PHÍ CHƯƠNG TRÌNH NĂNG SUẤT CHẤT LƯỢNG THEO TỈNH"
    note = ("Tỉnh theo đơn vị hành chính từ 1/7/2025 (Nghị quyết 202/2025/QH15)" if provinces == "2025"
            else "Tỉnh theo tên ghi trong kế hoạch")
    end = _write_matrix(summary, title, note, "Tỉnh", prov_rows, columns, province_col, n, unit, f)
    total = cons.total_vnd
    summary.write_string(end + 1, 1, f"Tổng cộng bằng chữ: {amount_to_words(total)} ({format_vn(total)} đồng).",
                         f.italic)
    row = end + 3
    if cons.overlaps:
        row = _write_overlaps(summary, row, cons, unit, f)
    _insert_chart(wb, summary, row + 1, len(prov_rows), columns, unit)

    cat_matrix = cons.matrix(lambda r: r.category)
    order = [c for c in category_labels() if c in cat_matrix] + sorted(
        c for c in cat_matrix if c not in category_labels())
    _write_matrix(by_content, "TỔNG HỢP DỰ TOÁN KINH PHÍ THEO NHÓM NỘI DUNG",
                  "Nhóm nội dung phân loại theo từ khóa trong tên nhiệm vụ (hoặc cột 'Nhóm hoạt động' của mẫu); "
                  f"'{UNCLASSIFIED}' khi không nhận ra.", "Nhóm nội dung",
                  [(c, cat_matrix[c]) for c in order], columns, "D", n, unit, f)
    bulk_checks = _write_checks(checks, cons, out, f)
    _write_sources(sources, cons, f)
    summary.activate()
    wb.close()
    # XlsxWriter assigned style indices on close; the bulk of the two long sheets goes in directly.
    t, i = f.text.xf_index, f.int.xf_index
    body, last = rows_xml(bulk_rows, [t, t, i, t, t, t, f.dong.xf_index, t, t, t, t], first_row=3)
    data_edit = SheetEdit(3, 2 if cons.records else 1, body, max(last, len(cons.records) + 1),
                          len(DATA_HEADERS) - 1, table_index=1)
    check_rows, links = bulk_checks
    body, last = rows_xml(check_rows, [t, t, f.link.xf_index] + [t] * 8, first_row=3)
    apply_edits(stage, final, [data_edit, SheetEdit(4, 2, body, max(last, 2), 10, links=links)])


class _Formats:
    def __init__(self, wb, unit: MoneyUnit, decimals: int):
        base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter"}
        body = "#,##0" + ("." + "0" * decimals if decimals else "")
        num = f'{body};-{body};"-"'  # zero prints as "-", as in Vietnamese finance tables
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.italic = wb.add_format({**base, "italic": True})
        self.header = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True,
                                     "bg_color": "#DDEBF7"})
        self.text = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.plain = wb.add_format({**base})
        self.int = wb.add_format({**base, "border": 1, "align": "center"})
        self.money = wb.add_format({**base, "border": 1, "num_format": num})
        self.money_bold = wb.add_format({**base, "border": 1, "num_format": num, "bold": True})
        self.dong = wb.add_format({**base, "border": 1, "num_format": "#,##0"})
        self.bold = wb.add_format({**base, "border": 1, "bold": True})
        self.link = wb.add_format({**base, "border": 1, "font_color": "blue", "underline": 1})
        self.unit = unit


def _write_data(ws, records: list[Record], f: _Formats) -> list[list]:
    """Header, table and first row through XlsxWriter; returns the remaining rows for the bulk writer."""
    rows = [[r.province, r.province_2025, r.year if r.year is not None else NO_YEAR, r.category, r.code, r.item,
             r.amount_vnd, r.plan, r.file, r.sheet, r.cell] for r in records]
    for c, v in enumerate(rows[0] if rows else []):
        if isinstance(v, int):
            ws.write_number(1, c, v, f.dong if c == 6 else f.int)
        else:
            ws.write_string(1, c, v, f.text)
    # The table is declared over the header and first row (XlsxWriter loops over every row of a
    # table's range); apply_edits widens its ref to the real last row.
    ws.add_table(0, 0, 1, len(DATA_HEADERS) - 1, {
        "name": "DuLieu", "style": "Table Style Light 9", "autofilter": True,
        "columns": [{"header": h} for h in DATA_HEADERS]})
    for c, w in enumerate([16, 16, 14, 24, 7, 60, 18, 36, 36, 14, 7]):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    _print_setup(ws, 0)
    return rows[1:]


def _write_matrix(ws, title: str, note: str, label: str, rows: list[tuple[str, dict]], columns: list, key_col: str,
                  n_records: int, unit: MoneyUnit, f: _Formats) -> int:
    """Rows × year columns as SUMIFS over "Dữ liệu", row and column totals; returns the total row."""
    ws.write_string(0, 0, title, f.title)
    ws.write_string(1, 0, f"Đơn vị tính: {unit.label}. {note}", f.italic)
    head = 3
    headers = ["STT", label] + columns + ["Tổng cộng"]
    for c, h in enumerate(headers):
        if isinstance(h, int):
            ws.write_number(head, c, h, f.header)
        else:
            ws.write_string(head, c, h, f.header)
    last = n_records + 1  # "Dữ liệu" rows 2..last (1-based)
    rng = lambda col: f"'{DATA_SHEET}'!${col}$2:${col}${max(last, 2)}"  # noqa: E731
    div = f"/{unit.factor}" if unit.factor != 1 else ""
    first_row = head + 1
    col_totals = [Decimal(0)] * (len(columns) + 1)
    for i, (name, by_year) in enumerate(rows):
        r = first_row + i
        ws.write_number(r, 0, i + 1, f.int)
        ws.write_string(r, 1, name, f.text)
        row_total = Decimal(0)
        for j, col in enumerate(columns):
            vnd = by_year.get(None if col == NO_YEAR else col, 0)
            value = Decimal(vnd) / unit.factor
            cell_key = f"{col_letter(2 + j)}${head + 1}"
            formula = f"=SUMIFS({rng('G')},{rng(key_col)},$B{r + 1},{rng('C')},{cell_key}){div}"
            ws.write_formula(r, 2 + j, formula, f.money, _num(value))
            row_total += value
            col_totals[j] += value
        ws.write_formula(r, 2 + len(columns), f"=SUM({col_letter(2)}{r + 1}:{col_letter(1 + len(columns))}{r + 1})",
                         f.money_bold, _num(row_total))
        col_totals[-1] += row_total
    total_row = first_row + len(rows)
    ws.write_string(total_row, 1, "Tổng cộng", f.bold)
    ws.write_blank(total_row, 0, None, f.bold)
    for j in range(len(columns) + 1):
        c = col_letter(2 + j)
        ws.write_formula(total_row, 2 + j, f"=SUM({c}{first_row + 1}:{c}{max(total_row, first_row + 1)})",
                         f.money_bold, _num(col_totals[j]))
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2 + len(columns), 15)
    ws.freeze_panes(head + 1, 2)
    _print_setup(ws, head)
    return total_row


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


def _insert_chart(wb, ws, row: int, n_rows: int, columns: list, unit: MoneyUnit) -> None:
    years = [c for c in columns if c != NO_YEAR]
    if not n_rows or not years:
        return
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    first, last = 4, 4 + n_rows - 1  # 0-based rows of the province block
    for j, year in enumerate(years):
        chart.add_series({"name": ["Tổng hợp", 3, 2 + j], "categories": ["Tổng hợp", first, 1, last, 1],
                          "values": ["Tổng hợp", first, 2 + j, last, 2 + j]})
    chart.set_title({"name": f"Kinh phí theo tỉnh và năm ({unit.label})"})
    chart.set_y_axis({"name": unit.label, "num_format": "#,##0"})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 900, "height": 420})
    ws.insert_chart(row, 1, chart)


def _write_checks(ws, cons: Consolidation, out: Path, f: _Formats) -> tuple[list[list], list]:
    """Header and first finding through XlsxWriter; returns the other rows and their links (bulk)."""
    heads = CHECK_HEADERS
    for c, h in enumerate(heads):
        ws.write_string(0, c, h, f.header)
    base, rel_paths = out.resolve().parent, {}
    rows, links = [], []
    for i, x in enumerate(cons.findings, start=1):
        row = ["" if v is None else str(v) for v in check_row(x)]
        link = None
        if x.cell and x.sheet:
            if x.file not in rel_paths:
                rel_paths[x.file] = Path(os.path.relpath(Path(x.file).resolve(), base)).as_posix()
            link = (rel_paths[x.file], f"'{x.sheet}'!{x.cell}")
        if i == 1:  # written by XlsxWriter so that its formats get style indices
            for c, v in enumerate(row):
                ws.write_string(i, c, v, f.text)
            if link:
                ws.write_url(i, 2, f"external:{link[0]}#{link[1]}", f.link, x.cell)
            else:
                ws.write_string(i, 2, row[2], f.link)
            continue
        rows.append(row)
        if link:
            links.append((f"C{i + 1}", link[0], link[1]))
    if not cons.findings:
        ws.write_string(1, 5, "Không phát hiện sai sót.", f.text)
        ws.write_blank(1, 2, None, f.link)
    for c, w in enumerate([34, 14, 7, 11, 15, 100, 12, 12, 12, 12, 16]):
        ws.set_column(c, c, w)
    ws.autofilter(0, 0, max(len(cons.findings), 1), len(heads) - 1)
    ws.freeze_panes(1, 0)
    _print_setup(ws, 0)
    return rows, links


def _write_sources(ws, cons: Consolidation, f: _Formats) -> None:
    heads = ["Tệp", "Tỉnh", "Kế hoạch", "Loại", "Giai đoạn/năm", "Đơn vị tính", "Tổng kinh phí (đồng)",
             "Số dòng dữ liệu", "Lỗi", "Cảnh báo", "Trạng thái", "Lý do"]
    for c, h in enumerate(heads):
        ws.write_string(0, c, h, f.header)
    for i, s in enumerate(cons.sources, start=1):
        values = [s.file, s.province, s.plan, s.kind, s.period, s.unit, s.total_vnd, s.n_records, s.n_errors,
                  s.n_warnings, _STATUS_VN.get(s.status, s.status), s.reason]
        for c, v in enumerate(values):
            if isinstance(v, int):
                ws.write_number(i, c, v, f.dong if c == 6 else f.int)
            elif v is None:
                ws.write_blank(i, c, None, f.text)
            else:
                ws.write_string(i, c, v, f.text)
    for c, w in enumerate([40, 16, 36, 11, 13, 14, 20, 10, 7, 9, 14, 60]):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    _print_setup(ws, 0)


def _print_setup(ws, header_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(header_row)
    ws.fit_to_pages(1, 0)


_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula (OWASP: prefix a quote)."""
    from .text import csv_safe as safe  # one rule for "," and ";" separators (text.csv_safe)

    return safe(value)


def write_csv(cons: Consolidation, out: str | os.PathLike) -> Path:
    """UTF-8 CSV, one row per line and year; amount_vnd an integer of đồng."""
    out = Path(out)
    with atomic_path(out) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CSV_HEADERS)
            for r in cons.records:
                w.writerow([csv_safe(r.province), "" if r.year is None else r.year, csv_safe(r.category),
                            csv_safe(r.code), csv_safe(r.item), r.amount_vnd, csv_safe(r.plan), csv_safe(r.file),
                            csv_safe(r.sheet), csv_safe(r.cell)])
    return out

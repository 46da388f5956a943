"""Issue 11 (reading side): every number in a table's region is read or reported; total rows above
the items, section subtotals, blank runs and title-like items never end a table silently; year
headers as text and dates; hidden sheets; formulas saved without values; rounding tolerance only
where rounding is visible; a run that checked nothing says so and does not exit 0.

Each case builds its own table (a grid, and a real .xlsx where the file matters) and asserts the
totals in đồng, the whole set of findings (rule, cell, severity) and, through the CLI, the exit code.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscl_xl.cli import NOTHING_CHECKED, main
from nscl_xl.money import MoneyUnit
from nscl_xl.reader import read_grids_plan, read_plan
from nscl_xl.verify import verify_path, verify_plan
from nscl_xl.workbook_io import SheetGrid

from . import grids as G
from .conftest import WORKBOOKS

M = 1_000_000  # the tables below are in triệu đồng
HEAD = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí", "2026", "2027"]]


def _plan(rows, name="S"):
    return read_grids_plan([SheetGrid(name, rows)], "t.xlsx")


def _found(plan):
    return {(f.cell, f.rule, f.severity) for f in verify_plan(plan)}


def _finest_dong(plan) -> int:
    """What consolidation sums: the finest lines' year cells, in đồng."""
    return sum(a.dong(t.unit) for t in plan.tables for ln in t.finest_lines() for a in ln.years.values())


def _cli(*args):
    return CliRunner().invoke(main, ["verify", *map(str, args)])


# --- the total row above the items ------------------------------------------------------------------

ABOVE = HEAD + [["", "Tổng cộng", 60, 25, 35], ["I", "A", 20, 10, 10], ["1", "a", 20, 10, 10],
                ["II", "B", 40, 15, 25], ["1", "b", 15, 5, 10], ["2", "c", 25, 10, 15]]


def test_total_row_above_the_items_reads_every_line(tmp_path):
    plan = _plan(ABOVE)
    (t,) = plan.tables
    assert [(ln.code, ln.parent.code if ln.parent else None) for ln in t.lines] == [
        ("I", None), ("1", "I"), ("II", None), ("1", "II"), ("2", "II")]
    assert t.total.row == 2 and t.grand_total_dong() == 60 * M and _finest_dong(plan) == 60 * M
    assert _found(plan) == set() and t.unread == []
    path = G.write_grid(tmp_path / "above.xlsx", [SheetGrid("S", ABOVE)])
    res = _cli(path)
    assert res.exit_code == 0 and "5 dòng" in res.output and "dòng tổng cộng hàng 3" in res.output


def test_total_row_above_the_items_is_checked_against_them():
    rows = [list(r) for r in ABOVE]
    rows[2][2] = 61
    plan = _plan(rows)
    assert _found(plan) == {("C3", "grand-total", "error")}
    f = next(f for f in verify_plan(plan) if f.rule == "grand-total")
    assert (f.expected, f.found, f.extra["expected_vnd"]) == ("60", "61", 60 * M)


def test_total_above_with_a_words_line_and_a_second_total_below():
    rows = HEAD + [["", "Tổng cộng", 30, 10, 20], ["(Bằng chữ: Ba mươi triệu đồng)"], ["1", "a", 10, 5, 5],
                   ["2", "b", 20, 5, 15], ["", "Tổng cộng", 30, 10, 20]]
    plan = _plan(rows)
    (t,) = plan.tables
    assert [ln.code for ln in t.lines] == ["1", "2"] and t.words.source.cell == "A4"
    assert [(s.row, sec) for s, sec in t.subtotals] == [(6, None)]
    assert _found(plan) == set()
    rows[6][3] = 11
    assert _found(_plan(rows)) == {("D7", "subtotal", "error")}


def test_total_row_of_year_like_amounts_right_under_the_header_is_not_a_header_row():
    # 2020 and 2030 look like years; the row is still the total row (found by hypothesis)
    rows = [["TT", "Nội dung", "2026 (triệu đồng)", "2027 (triệu đồng)"], ["", "Tổng cộng", 2020, 2030],
            ["1", "a", 2000, 2000], ["2", "b", 20, 30]]
    plan = _plan(rows)
    (t,) = plan.tables
    assert t.header_rows == (0, 0) and t.total.row == 1 and [ln.code for ln in t.lines] == ["1", "2"]
    assert _finest_dong(plan) == 4050 * M and _found(plan) == set()


@pytest.mark.parametrize("first", [["", "", 2030, 2030], ["", "", 2040, 2030], ["", "", 2028, 2029]])
def test_a_row_of_year_like_amounts_under_the_year_header_is_read(first):
    rows = [["TT", "Nội dung", "2026 (triệu đồng)", "2027 (triệu đồng)"], first, ["1", "a", 1, 2]]
    (t,) = _plan(rows).tables
    assert t.header_rows == (0, 0) and [ln.row for ln in t.lines] == [1, 2] and t.unread == []


def test_decreasing_year_like_numbers_are_not_year_labels():
    rows = [["TT", "Nội dung", "Tổng kinh phí (đồng)", "Ghi chú"], ["", "", 2040, 2030], ["1", "a", 5, ""]]
    (t,) = _plan(rows).tables
    assert t.header_rows == (0, 0) and t.columns["amount"] == 2 and t.year_columns == {}
    assert [ln.amount.value for ln in t.lines] == [2040, 5]


def test_rounding_stated_in_a_note_under_the_table():
    rows = ROUNDED = HEAD[:1] + [["TT", "Nội dung", "Tổng kinh phí"], ["1", "a", 100], ["1.1", "b", 33],
                                 ["1.2", "c", 33], ["1.3", "d", 33], [], ["Ghi chú: số liệu đã được làm tròn."]]
    plan = _plan(ROUNDED)
    assert _found(plan) == {("C3", "rounding", "warning")}
    assert "ô A8" in verify_plan(plan)[0].message
    assert _found(_plan(rows[:-1])) == {("C3", "parent-sum", "error")}


def test_rounding_stated_in_a_header():
    rows = [HEAD[0], ["TT", "Nội dung", "Tổng kinh phí (số liệu làm tròn)"], ["1", "a", 100], ["1.1", "b", 33],
            ["1.2", "c", 33], ["1.3", "d", 33]]
    plan = _plan(rows)
    assert _found(plan) == {("C3", "rounding", "warning")} and "ô C2" in verify_plan(plan)[0].message


# --- section subtotals -------------------------------------------------------------------------------

SUBTOTALS = HEAD + [["I", "A", None, None, None], ["1", "a", 20, 10, 10], ["2", "b", 5, 5, 0],
                    ["", "Cộng mục I", 25, 15, 10], ["II", "B", None, None, None], ["1", "c", 40, 15, 25],
                    ["", "Cộng mục II", 40, 15, 25], ["", "Tổng cộng", 65, 30, 35]]


def test_section_subtotal_is_not_the_grand_total():
    plan = _plan(SUBTOTALS)
    (t,) = plan.tables
    assert [ln.code for ln in t.lines] == ["I", "1", "2", "II", "1"]  # section II is read
    assert [(s.item, sec.code) for s, sec in t.subtotals] == [("Cộng mục I", "I"), ("Cộng mục II", "II")]
    assert t.total.row == 9 and t.grand_total_dong() == 65 * M and _finest_dong(plan) == 65 * M
    assert _found(plan) == set()


def test_wrong_subtotal_and_wrong_total_are_errors_at_their_cells():
    rows = [list(r) for r in SUBTOTALS]
    rows[5][2] = 26  # Cộng mục I
    rows[9][4] = 36  # Tổng cộng 2027: sections (printed nothing) sum to 35
    # C10 (65 against years 30 + 36) follows from E10
    assert _found(_plan(rows)) == {("C6", "subtotal", "error"), ("E10", "grand-total", "error"),
                                   ("C10", "grand-total", "warning")}


# --- blank runs and title-like items --------------------------------------------------------------------

def test_seven_blank_rows_inside_a_table_do_not_end_it(tmp_path):
    rows = HEAD + [["1", "a", 10, 5, 5]] + [[]] * 7 + [["2", "b", 20, 10, 10], ["", "Tổng cộng", 30, 15, 15]]
    plan = _plan(rows)
    (t,) = plan.tables
    assert [ln.code for ln in t.lines] == ["1", "2"] and t.total.row == 11
    assert t.grand_total_dong() == 30 * M and _found(plan) == set()
    # a long blank run followed by an uncoded row carrying money also continues the table
    rows = HEAD + [["1", "a", 10, 5, 5]] + [[]] * 9 + [["", "Hỗ trợ khác", 20, 10, 10]]
    (t,) = _plan(rows).tables
    assert [(ln.row, ln.parent.code) for ln in t.lines[1:]] == [(12, "1")]


def test_after_a_long_blank_run_a_section_without_amounts_continues_the_table():
    rows = HEAD + [["I", "A", 10, 5, 5], ["1", "a", 10, 5, 5]] + [[]] * 8 + [["II", "B"], ["1", "b", 20, 10, 10],
                                                                           ["", "Tổng cộng", 30, 15, 15]]
    plan = _plan(rows)
    assert [ln.code for ln in plan.tables[0].lines] == ["I", "1", "II", "1"] and _found(plan) == set()


def test_after_a_long_blank_run_a_new_header_starts_a_new_table():
    block = [HEAD[1], ["1", "a", 10, 5, 5], ["", "Tổng cộng", 10, 5, 5]]
    period = [["TT", "Nội dung", "Tổng kinh phí", 2026, 2027], ["1", "a", 10, 5, 5]]
    t1, t2 = _plan([HEAD[0]] + block[:2] + [[]] * 8 + period).tables
    assert [ln.row for ln in t1.lines] == [2] and t2.header_rows == (11, 11) and [ln.row for ln in t2.lines] == [12]


UNCODED = HEAD + [["1", "Đào tạo", 30, 15, 15], ["", "Giám đốc doanh nghiệp: tập huấn năng suất", 10, 5, 5],
                  ["", "Kế toán trưởng doanh nghiệp: bồi dưỡng", 10, 5, 5],
                  ["", "Tổng kết, đánh giá mô hình", 10, 5, 5],
                  ["2", "Chi khác", 5, 0, 5], ["", "Giám đốc, kế toán các đơn vị tham dự (ghi chú)"],
                  ["3", "Hội nghị", 7, 7, 0], ["", "Tổng cộng", 42, 22, 20], [],
                  ["", "Nơi nhận:", "", "GIÁM ĐỐC"], ["", "- Như trên;", "", "Nguyễn Văn A"]]


def test_uncoded_items_starting_like_a_signature_or_total_do_not_end_the_table():
    plan = _plan(UNCODED)
    (t,) = plan.tables
    assert [(ln.code, ln.item[:8]) for ln in t.lines] == [
        ("1", "Đào tạo"), ("", "Giám đốc"), ("", "Kế toán "), ("", "Tổng kết"), ("2", "Chi khác"), ("3", "Hội nghị")]
    assert [k.item[:8] for k in t.lines[0].children] == ["Giám đốc", "Kế toán ", "Tổng kết"]
    assert t.total.row == 9 and t.grand_total_dong() == 42 * M and _finest_dong(plan) == 42 * M
    assert _found(plan) == set() and t.unread == []


# --- numbers the table does not read are reported ---------------------------------------------------------

def test_numbers_after_the_total_are_reported_cell_by_cell(tmp_path):
    rows = HEAD + [["1", "a", 10, 5, 5], ["", "Tổng cộng", 10, 5, 5], ["", "Ghi chú: bổ sung"],
                   ["2", "b", 20, 10, 10]]
    plan = _plan(rows)
    (t,) = plan.tables
    assert t.grand_total_dong() == 10 * M
    assert _found(plan) == {("A6", "unread-number", "warning"), ("C6", "unread-number", "error"),
                            ("D6", "unread-number", "error"), ("E6", "unread-number", "error")}
    f = next(f for f in verify_plan(plan) if f.cell == "C6")
    assert "dưới dòng cuối của bảng (dòng 4)" in f.message and f.found == "20"
    path = G.write_grid(tmp_path / "after.xlsx", [SheetGrid("S", rows)])
    res = _cli(path)
    assert res.exit_code == 1 and "4 số không đọc được" in res.output


def test_notes_with_amounts_under_the_total_are_warnings():
    rows = HEAD + [["1", "a", 10, 5, 5], ["", "Tổng cộng", 10, 5, 5], ["", "Trong đó: ngân sách tỉnh", 6, 3, 3]]
    plan = _plan(rows)
    assert _found(plan) == {(c, "unread-number", "warning") for c in ("C5", "D5", "E5")}
    assert "không thuộc tổng" in verify_plan(plan)[0].message


def test_numbers_in_a_column_the_table_does_not_read():
    rows = [HEAD[0], HEAD[1] + ["Nguồn vốn"], ["1", "a", 10, 5, 5, 7], ["2", "b", 20, 10, 10, "1.500"],
            ["", "Tổng cộng", 30, 15, 15, 8]]
    plan = _plan(rows)
    assert _found(plan) == {(c, "unread-number", "warning") for c in ("F3", "F4", "F5")}
    assert "Nguồn vốn" in verify_plan(plan)[0].message


def test_signature_block_and_notes_below_are_not_numbers():
    plan = _plan(HEAD + [["1", "a", 10, 5, 5], ["", "Tổng cộng", 10, 5, 5], [], ["", "Kiên Giang, ngày 07 tháng 6 năm 2021"],
                         ["", "KT. CHỦ TỊCH"], ["", "PHÓ CHỦ TỊCH"], [], ["", "Nguyễn Văn A"]])
    assert _found(plan) == set() and plan.tables[0].covered_to == 9  # searched to the last row


def test_two_tables_each_cover_up_to_the_next():
    block = [["TT", "Nội dung", "Thành tiền (đồng)"], ["1", "a", 5], ["Tổng cộng", "", 5], [], ["", "", 99]]
    t1, t2 = _plan(block + block).tables
    assert (t1.covered_to, t2.covered_to) == (4, 9)
    assert [u.source.cell for u in t1.unread] == ["C5"] and [u.source.cell for u in t2.unread] == ["C10"]


# --- year headers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("heads,unit_cell", [
    (["Năm 2026 (triệu đồng)", "Năm 2027 (triệu đồng)"], "D1"),
    (["2026 (triệu đồng)", "2027 (triệu đồng)"], "D1"),
    (["Năm 2026 (tr.đ)", "Năm 2027 (tr.đ)"], "D1"),
    (["Kinh phí năm 2026 (triệu đồng)", "Kinh phí năm 2027 (triệu đồng)"], "D1"),
])
def test_year_headers_written_as_text(heads, unit_cell):
    rows = [["TT", "Nội dung", "Tổng kinh phí"] + heads, ["1", "a", 30, 10, 20], ["", "Tổng cộng", 30, 10, 20]]
    plan = _plan(rows)
    (t,) = plan.tables
    assert t.year_columns == {2026: 3, 2027: 4} and t.unit is MoneyUnit.TRIEU and t.unit_source.cell == unit_cell
    assert plan.kind == "period" and plan.period == (2026, 2027)
    assert _finest_dong(plan) == 30 * M and _found(plan) == set()


def test_year_headers_typed_as_dates(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["Đơn vị tính: triệu đồng"])
    # 2026 typed into a date-formatted cell is the date with serial 2026 (18/07/1905); 2027 as 1/1/2027.
    ws.append(["TT", "Nội dung", "Tổng kinh phí", dt.datetime(1905, 7, 18), dt.datetime(2027, 1, 1)])
    ws["D2"].number_format = "dd/mm/yyyy"
    ws["E2"].number_format = "yyyy"
    ws.append(["1", "a", 30, 10, 20])
    ws.append(["", "Tổng cộng", 30, 10, 20])
    wb.save(tmp_path / "dates.xlsx")
    plan = read_plan(tmp_path / "dates.xlsx")
    (t,) = plan.tables
    assert t.year_columns == {2026: 3, 2027: 4} and _finest_dong(plan) == 30 * M
    _, findings = verify_path(tmp_path / "dates.xlsx")
    assert findings == []


def test_a_year_like_header_that_is_not_read_is_reported():
    rows = [HEAD[0], ["TT", "Nội dung", "Tổng kinh phí", "2026", "KH 2027 (dự kiến)"], ["1", "a", 30, 10, 20],
            ["", "Tổng cộng", 30, 10, 20]]
    plan = _plan(rows)
    assert plan.tables[0].years == [2026]
    # the 2027 amounts are not read: reported, and the rows no longer add up
    assert _found(plan) == {("E2", "year-header", "warning"), ("E3", "unread-number", "warning"),
                            ("E4", "unread-number", "warning"), ("C3", "row-sum", "error"),
                            ("C4", "grand-total", "error")}


# --- hidden sheets -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheet_tables_are_flagged(tmp_path, state):
    path = G.write_grid(tmp_path / "h.xlsx", [SheetGrid("Mới", ABOVE), SheetGrid("Cũ 2024", ABOVE)])
    wb = openpyxl.load_workbook(path)
    wb["Cũ 2024"].sheet_state = state
    wb.save(path)
    plan, findings = verify_path(path)
    assert [(t.sheet, t.sheet_state) for t in plan.tables] == [("Mới", "visible"), ("Cũ 2024", state)]
    assert {(f.sheet, f.cell, f.rule, f.severity) for f in findings} == {("Cũ 2024", "A2", "hidden-sheet", "warning")}
    assert [s["state"] for s in plan.coverage()["sheets"]] == ["visible", state]
    res = _cli(path)
    assert res.exit_code == 0 and "(trang ẩn" in res.output


# --- formulas saved without cached values ----------------------------------------------------------------------

def _openpyxl_formulas(path: Path, bad: str | None = None) -> Path:
    """A period table whose parents, rows and total are formulas written by openpyxl (no cached values)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["Đơn vị tính: triệu đồng"])
    ws.append(["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí", "2026", "2027"])
    ws.append(["1", "Hội nghị", None, None, "=SUM(E4:E5)", "=SUM(F4:F5)", "=SUM(G4:G5)"])
    ws.append(["1.1", "a", 3, 12.5, "=C4*D4", "=D4", "=E4-F4"])
    ws.append(["1.2", "b", 2, 10, "=C5*D5", "=ROUND(D5*1.04,0)", "=IF(E5>F5,E5-F5,0)"])
    ws.append(["2", "Đào tạo", 1, 7, bad or "=SUMPRODUCT(C6:C6,D6:D6)", "='Phụ lục'!E6", 0])
    ws.append(["", "Tổng cộng", None, None, "=E3+E6", "=F3+F6", "=G3+G6"])
    wb.save(path)
    return path


def test_formulas_without_cached_values_are_computed(tmp_path):
    path = _openpyxl_formulas(tmp_path / "f.xlsx")
    plan, findings = verify_path(path)
    (t,) = plan.tables
    # 1.1: 3 × 12,5 = 37,5 = 12,5 + 25; 1.2: 20 = ROUND(10,4) + 10; 2: SUMPRODUCT 1 × 7, 2026 from E6
    assert [(ln.code, ln.amount.value, ln.years[2026].value, ln.years[2027].value) for ln in t.lines] == [
        ("1", Decimal("57.5"), Decimal("22.5"), 35), ("1.1", Decimal("37.5"), Decimal("12.5"), 25),
        ("1.2", 20, 10, 10), ("2", 7, 7, 0)]
    assert t.grand_total_dong() == 64_500_000 and _finest_dong(plan) == 64_500_000
    assert {(f.cell, f.rule, f.severity) for f in findings} == {("E3", "uncached-formula", "warning")}
    assert len(findings[0].extra["cells"]) == 14
    assert len(plan.formula_cells) == 14 and all(fc.error == "" for fc in plan.formula_cells)


def test_formula_that_cannot_be_computed_is_reported_at_its_cell(tmp_path):
    path = _openpyxl_formulas(tmp_path / "f.xlsx", bad="=VLOOKUP(1,A1:B2,2)")
    plan, findings = verify_path(path)
    got = {(f.cell, f.rule, f.severity) for f in findings}
    # E6 stays empty (never 0); F6 (='Phụ lục'!E6) and the totals E7, F7 depend on it
    assert got == {("E3", "uncached-formula", "warning")} | {
        (c, "formula-not-evaluable", "error") for c in ("E6", "F6", "E7", "F7")}
    e6 = next(f for f in findings if f.cell == "E6")
    assert "VLOOKUP" in e6.message
    assert plan.tables[0].lines[-1].amount is None
    assert _cli(path).exit_code == 1


def test_evaluator_agrees_with_libreoffice(tmp_path, soffice):
    """The toolkit's values for formulas saved without values equal LibreOffice's forced recalculation."""
    from python_calamine import CalamineWorkbook

    from .lo import recalculated_copy

    path = _openpyxl_formulas(tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    extra = wb.create_sheet("Thử")
    formulas = ["=ROUND(2.5,0)", "=ROUND(-2.5,0)", "=ROUND(1234.5678,-2)", "=ROUNDUP(1.01,0)", "=ROUNDDOWN(-1.99,0)",
                "=INT(-1.5)", "=ABS(-3)+MAX(1,5,2)-MIN(4,2)", "=PRODUCT(2,3,4)", "=10%*50", "=2^10/4",
                "=IF(AND(1,0),1,2)+IF(OR(0,1),10,20)", "=1/3*3", "='Phụ lục'!E7*1000", "=SUM('Phụ lục'!F4:G5)",
                "=(1+2)*-3", "=7/8"]
    for i, f in enumerate(formulas, start=1):
        extra.cell(i, 1, f)
    wb.save(path)
    ours = {g.name: g for g in __import__("nscl_xl.workbook_io", fromlist=["read_grids"]).read_grids(path)}
    lo = CalamineWorkbook.from_path(str(recalculated_copy(soffice, path, tmp_path)))
    for sheet in ("Phụ lục", "Thử"):
        want = lo.get_sheet_by_name(sheet).to_python()
        for (r, c), (formula, value, error) in ours[sheet].uncached.items():
            assert error == "" and value == Decimal(repr(float(want[r][c]))).normalize(), (sheet, formula, value)


# --- rounding tolerance --------------------------------------------------------------------------------------------

def _hundred_lines(error_triệu: int):
    lines = [[str(i), f"mục {i}", 100 + i, 50, 50 + i] for i in range(1, 101)]
    total = sum(r[2] for r in lines)
    lines[41][2] += error_triệu
    lines[41][3] += error_triệu
    return HEAD + lines + [["", "Tổng cộng", total, sum(r[3] for r in lines) - error_triệu,
                            sum(r[4] for r in lines)]]


def test_a_49_trieu_error_in_a_100_line_whole_number_table_is_an_error(tmp_path):
    rows = _hundred_lines(49)
    plan = _plan(rows)
    assert _found(plan) == {("C103", "grand-total", "error"), ("D103", "grand-total", "error")}
    f = next(f for f in verify_plan(plan) if f.cell == "C103")
    assert (f.extra["expected_vnd"] - f.extra["found_vnd"]) == 49 * M
    path = G.write_grid(tmp_path / "hundred.xlsx", [SheetGrid("S", rows)])
    assert _cli(path).exit_code == 1


@pytest.mark.parametrize("price,amount,expected", [
    (33, 100, {("E3", "qty-price", "error")}),  # 3 × 33 = 99 printed 100: whole numbers, no tolerance
    (33.33, 100, {("E3", "rounding", "warning")}),  # 99,99 printed 100: a part with decimals, ±0,5
    (33.2, 99.7, {("E3", "qty-price", "error")}),  # 99,6 printed 99,7: the amount shows 0,1, so ±0,05
])
def test_quantity_times_price_tolerance(price, amount, expected):
    rows = [HEAD[0], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Thành tiền"], ["1", "a", 3, price, amount]]
    assert _found(_plan(rows)) == expected


def test_subtotal_naming_its_section_differently_restates_the_latest_section():
    # "Cộng mục 1" under section I (arabic for roman): checked against section I, the latest one
    rows = HEAD + [["I", "A", 25, 15, 10], ["1", "a", 25, 15, 10], ["", "Cộng mục 1", 26, 15, 10],
                   ["", "Tổng cộng", 25, 15, 10]]
    plan = _plan(rows)
    assert [sec.code for _, sec in plan.tables[0].subtotals] == ["I"]
    assert _found(plan) == {("C5", "subtotal", "error")}


@pytest.mark.parametrize("restated,expected", [(25, {("C6", "rounding", "warning")}),
                                                (26, {("C6", "subtotal", "error")})])
def test_subtotal_rounded_to_its_own_unit(restated, expected):
    # section I prints 25,4 (parts with decimals: rounding is visible); "Cộng mục I" restates it in
    # whole triệu: 25 is within ±0,5 of 25,4, 26 is not
    rows = HEAD + [["I", "A", 25.4, None, None], ["1", "a", 20.4, None, None], ["2", "b", 5, None, None],
                   ["", "Cộng mục I", restated, None, None]]
    assert _found(_plan(rows)) == expected


def test_subtotal_before_any_line_is_kept_and_does_not_crash():
    rows = HEAD + [["", "Cộng mục I", 5, 5, 0], ["I", "A", 5, 5, 0], ["1", "a", 5, 5, 0]]
    (t,) = _plan(rows).tables
    assert [(s.row, sec) for s, sec in t.subtotals] == [(2, None)] and [ln.code for ln in t.lines] == ["I", "1"]
    assert _found(_plan(rows)) == set()


def test_section_that_prints_its_value_and_a_wrong_subtotal():
    rows = HEAD + [["I", "A", 25, 15, 10], ["1", "a", 20, 10, 10], ["2", "b", 5, 5, 0], ["", "Cộng mục I", 24, 15, 10],
                   ["", "Tổng cộng", 25, 15, 10]]
    plan = _plan(rows)
    assert _found(plan) == {("C6", "subtotal", "error")}
    f = verify_plan(plan)[0]
    assert (f.expected, f.found, f.line) == ("25", "24", "Cộng mục I")


def test_one_amount_column_naming_its_year_stays_the_amount():
    rows = [["TT", "Nội dung", "Kinh phí năm 2024 (đồng)"], ["1", "a", 5_000_000], ["", "Tổng cộng", 5_000_000]]
    plan = _plan(rows)
    (t,) = plan.tables
    assert t.columns["amount"] == 2 and t.year_columns == {} and t.grand_total_dong() == 5_000_000
    assert _found(plan) == set()


# --- nothing checked ----------------------------------------------------------------------------------------------

def test_verify_on_an_empty_folder_or_without_workbooks_does_not_exit_0(tmp_path):
    empty = tmp_path / "trong"
    empty.mkdir()
    res = _cli(empty)
    assert res.exit_code == NOTHING_CHECKED == 5
    assert "Không tìm thấy tệp Excel nào" in res.output and "Không phát hiện sai sót" not in res.output
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "ghi_chu.txt").write_text("không phải bảng tính")
    res = CliRunner().invoke(main, ["verify", "--json", str(tmp_path / "txt")])
    assert res.exit_code == 5
    assert json.loads(res.stdout) == {"checked": False, "files": [], "findings": []}


def test_verify_on_a_blank_template_says_nothing_was_checked(tmp_path):
    """Run as a user would (a subprocess: a traceback would show in its output)."""
    res = subprocess.run([sys.executable, "-m", "nscl_xl", "verify", str(WORKBOOKS / "mau")], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 5, res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert "KHÔNG CÓ SỐ LIỆU NÀO ĐƯỢC KIỂM TRA" in res.stdout and "nothing-checked" in res.stdout
    assert "Không có số liệu kinh phí nào được kiểm tra" in res.stderr
    # with one checked workbook beside it the run is judged on its findings
    both = _cli(WORKBOOKS / "mau", WORKBOOKS / "kien_giang_2021.xlsx")
    assert both.exit_code == 0 and "Tổng: 0 lỗi, 1 cảnh báo." in both.output


# --- property: layouts that must not change the totals, and numbers that must be reported ----------------------------

TITLES = ["Giám đốc doanh nghiệp được tập huấn", "Kế toán các đơn vị được bồi dưỡng", "Tổng kết mô hình điểm",
          "Cộng tác viên tuyên truyền", "Hỗ trợ khác"]


@st.composite
def laid_out_table(draw):
    """A sound table (whole units × price per year, parents = Σ children, total = Σ sections) with
    section subtotal rows, uncoded items, the total above or below and random blank runs."""
    n_years = draw(st.integers(1, 4))
    years = list(range(2026, 2026 + n_years))
    width = 5 + n_years

    def leaf(code):
        q, p = draw(st.integers(1, 9)), draw(st.integers(1, 300))
        cuts = sorted(draw(st.lists(st.integers(0, q), min_size=n_years - 1, max_size=n_years - 1)))
        units = [b - a for a, b in zip([0] + cuts, cuts + [q])]
        return [code, f"mục {code}", q, p, q * p] + [u * p for u in units]

    def uncoded():
        ys = draw(st.lists(st.integers(0, 500), min_size=n_years, max_size=n_years))
        return ["", draw(st.sampled_from(TITLES)), None, None, sum(ys)] + ys

    def node(code, depth):
        choice = draw(st.integers(0, 2)) if depth < 2 else 0
        if choice == 0:
            return [leaf(code)]
        kids = [[uncoded()] for _ in range(draw(st.integers(1, 3)))] if choice == 1 else \
            [node(f"{code}.{i}", depth + 1) for i in range(1, draw(st.integers(1, 3)) + 1)]
        tops = [k[0] for k in kids]
        row = [code, f"mục {code}", None, None] + [sum(t[j] for t in tops) for j in range(4, width)]
        return [row] + [r for k in kids for r in k]

    sections = []
    for i in range(1, draw(st.integers(1, 3)) + 1):
        rows = node(str(i), 0)
        if draw(st.booleans()):
            rows.append(["", f"Cộng mục {i}", None, None] + rows[0][4:])
        sections.append(rows)
    total = ["", "Tổng cộng", None, None] + [sum(s[0][j] for s in sections) for j in range(4, width)]
    body = [r for s in sections for r in s]
    above = draw(st.booleans())
    body = [total] + body if above else body + [total]
    out = []
    for r in body:
        out.extend([[]] * draw(st.sampled_from([0, 0, 0, 1, 7, 9])))
        out.append(r)
    header = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí"] + years + ["Nguồn"]]
    return header + out, total[4] * M, above


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=laid_out_table())
def test_layouts_keep_the_totals_and_raise_no_false_finding(case):
    rows, total_dong, _ = case
    plan = _plan(rows)
    (t,) = plan.tables
    assert t.grand_total_dong() == total_dong
    assert sum(ln.amount.dong(t.unit) for ln in t.finest_lines()) == total_dong
    assert _finest_dong(plan) == total_dong
    assert verify_plan(plan) == [] and t.unread == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=laid_out_table(), data=st.data())
def test_a_number_outside_the_model_is_reported(case, data):
    rows, total_dong, above = case
    rows = [list(r) for r in rows]
    value = data.draw(st.integers(1, 10**6))
    filled = [r for r in range(2, len(rows)) if rows[r]]
    if above or data.draw(st.booleans()):
        # in the "Nguồn" column (no field) of a row the table reads
        r = data.draw(st.sampled_from(filled))
        c = len(rows[1]) - 1
        rows[r] = rows[r] + [None] * (c + 1 - len(rows[r]))
        severity = "warning"
    else:
        # below the total, after a note, in a money column: an item (coded) or a note (uncoded)
        r = len(rows) + 1
        c = data.draw(st.integers(2, len(rows[1]) - 2))
        coded = data.draw(st.booleans())
        rows += [["", "Ghi chú"], ["9" if coded else None] + [None] * c]
        severity = "error" if coded else "warning"
    rows[r][c] = value
    plan = _plan(rows)
    (t,) = plan.tables
    assert t.grand_total_dong() == total_dong
    cell = f"{'ABCDEFGHIJ'[c]}{r + 1}"
    expected = {(cell, "unread-number", severity)}
    if rows[r][0] == "9":  # the code of the item after the table is a number too (not money)
        expected.add((f"A{r + 1}", "unread-number", "warning"))
    assert {(f.cell, f.rule, f.severity) for f in verify_plan(plan)} == expected


# --- consolidation sums what the reader now reads -------------------------------------------------------------------

@pytest.mark.parametrize("make,total_dong", [
    (lambda p: G.write_grid(p, [SheetGrid("S", ABOVE)]), 60 * M),  # used to be skipped as a blank template
    (lambda p: G.write_grid(p, [SheetGrid("S", SUBTOTALS)]), 65 * M),  # used to lose section II
    (lambda p: G.write_grid(p, [SheetGrid("S", UNCODED)]), 42 * M),  # used to stop at "Giám đốc…"
    (_openpyxl_formulas, 64_500_000),  # used to count 0 đồng
])
def test_consolidation_total_in_dong(tmp_path, make, total_dong):
    from nscl_xl.consolidate import consolidate_dir

    make(tmp_path / "plan.xlsx")
    assert consolidate_dir(tmp_path).total_vnd == total_dong


def test_uncached_formulas_beyond_the_work_bound_are_reported(tmp_path, monkeypatch):
    """A workbook full of formulas without values cannot make the reader quadratic: past the bound
    the cells are reported as not computed (never read as 0)."""
    import nscl_xl.formula as formula

    path = _openpyxl_formulas(tmp_path / "f.xlsx")
    monkeypatch.setattr(formula, "MAX_WORK", 40)  # rows 3–5 and E6 fit (2 cells looked at per reference)
    plan = read_plan(path)
    refused = [fc.source.cell for fc in plan.formula_cells if fc.value is None]
    assert refused == ["F6", "E7", "F7", "G7"]
    assert all("quá nhiều công thức" in fc.error for fc in plan.formula_cells if fc.value is None)
    _, findings = verify_path(path)
    # with F6 empty, row 2's years (0) no longer match its amount (7): reported too
    assert {(f.cell, f.rule, f.severity) for f in findings} == {("E3", "uncached-formula", "warning"),
                                                                ("E6", "row-sum", "error")} | {
        (c, "formula-not-evaluable", "error") for c in refused}


# --- the evaluator against exact fractions ----------------------------------------------------------------------

@st.composite
def expression(draw, depth=0):
    """(formula text, exact value as a Fraction) over integers, cell references and + - * /
    (dividing by 2, 4, 5, 8 or 10 keeps every value a finite decimal, so equality is exact)."""
    from fractions import Fraction

    cells = {"A1": 7, "B2": -3, "C3": 12}
    kind = draw(st.sampled_from(["num", "ref", "op", "op", "paren", "neg", "sum"]) if depth < 4 else st.just("num"))
    if kind == "num":
        n = draw(st.integers(0, 10**6))
        return str(n), Fraction(n)
    if kind == "ref":
        ref = draw(st.sampled_from(sorted(cells)))
        return ref, Fraction(cells[ref])
    if kind == "paren":
        text, value = draw(expression(depth + 1))
        return f"({text})", value
    if kind == "neg":
        text, value = draw(expression(depth + 1))
        return f"-({text})", -value
    if kind == "sum":
        parts = [draw(expression(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
        return "SUM(" + ",".join(t for t, _ in parts) + ")", sum((v for _, v in parts), Fraction(0))
    op = draw(st.sampled_from("+-*/"))
    lt, lv = draw(expression(depth + 1))
    if op == "/":
        d = draw(st.sampled_from([2, 4, 5, 8, 10]))
        return f"({lt})/{d}", lv / d
    rt, rv = draw(expression(depth + 1))
    return f"({lt}){op}({rt})", {"+": lv + rv, "-": lv - rv, "*": lv * rv}[op]


@pytest.mark.parametrize("formula,reason", [
    ("=SUM(A1:XFD1048576)", "quá lớn"), ("=VLOOKUP(1,A1:B2,2)", "VLOOKUP"), ("=1/0", "chia cho 0"),
    ("=A1:A3+1", "đứng ngoài hàm"), ('="a"&"b"', "chuỗi"), ("=SUM(A1", "ngoặc"), ("=Tên_vùng", "không đọc được"),
    ("=ROUND(1)", "hai đối số"), ("=2^0.5", "lũy thừa"), ("=SUMPRODUCT(A1:A2,B1:B3)", "kích thước"),
])
def test_evaluator_says_why_it_cannot(formula, reason):
    from nscl_xl.formula import NotEvaluable, evaluate

    with pytest.raises(NotEvaluable, match=reason):
        evaluate(formula, lambda r, c: Decimal(1))


@settings(max_examples=300, deadline=None)
@given(expr=expression())
def test_evaluator_is_exact(expr):
    from fractions import Fraction

    from nscl_xl.formula import evaluate, parse_ref

    text, want = expr
    cells = {parse_ref(k): Decimal(v) for k, v in {"A1": 7, "B2": -3, "C3": 12}.items()}
    got = evaluate("=" + text, lambda r, c: cells.get((r, c)))
    assert Fraction(got) == want


def test_formula_not_evaluable_outside_a_table_is_a_warning(tmp_path):
    path = _openpyxl_formulas(tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Ghi chú")["B2"] = '=CONCATENATE("a","b")'
    wb.save(path)
    _, findings = verify_path(path)
    assert {(f.sheet, f.cell, f.rule, f.severity) for f in findings} == {
        ("Phụ lục", "E3", "uncached-formula", "warning"), ("Ghi chú", "B2", "formula-not-evaluable", "warning")}


def test_uncached_formulas_found_whatever_the_attribute_order(tmp_path):
    """Writers differ: <c s="0" r="E3"> (r not first) must be recognised as well."""
    import zipfile

    src = _openpyxl_formulas(tmp_path / "f.xlsx")
    out = tmp_path / "g.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/"):
                assert b'<c r="E3"><f>' in data
                data = data.replace(b'<c r="', b'<c s="0" r="')
            zout.writestr(info, data)
    plan = read_plan(out)
    assert len(plan.formula_cells) == 14 and plan.tables[0].grand_total_dong() == 64_500_000


def test_fill_years_keeps_the_items_under_a_total_placed_above(tmp_path):
    """The words line goes under the table, never over the first item under the total row."""
    from nscl_xl.fill import fill_workbook

    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí", "2026", "2027"],
            ["", "Tổng cộng", None, None, None], ["1", "Hội nghị", 2, 10, 20], ["2", "Đào tạo", 3, 5, 15]]
    src = G.write_grid(tmp_path / "above.xlsx", [SheetGrid("S", rows)])
    report = fill_workbook(src, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["S"]
    assert [ws.cell(r, 2).value for r in (3, 4, 5)] == ["Tổng cộng", "Hội nghị", "Đào tạo"]
    assert ws["A4"].value == "1" and ws["A6"].value.startswith("(Bằng chữ: Ba mươi lăm triệu đồng")
    assert report.grand_total_dong == 35 * M
    plan, findings = verify_path(tmp_path / "out.xlsx")
    assert plan.tables[0].total_above and _finest_dong(plan) == 35 * M

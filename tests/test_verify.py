"""The verifier: every inconsistency printed in the seeds, found at its cell; properties."""

from __future__ import annotations

import dataclasses
import json
import shutil
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscl_xl.cli import main
from nscl_xl.money import format_vn
from nscl_xl.reader import read_grids_plan
from nscl_xl.verify import verify_path, verify_table
from nscl_xl.workbook_io import SheetGrid

from . import seed_tables as S
from .conftest import WORKBOOKS, sha256

SOC = WORKBOOKS / "soc_trang_2021_2030.xlsx"


def _key(f):
    return (f.sheet, f.cell, f.rule, f.severity, f.consequence_of)


def test_soc_trang_findings_found_by_hand():
    """Worked out from seed 001 by hand:

    Phụ lục I  row 2 (F14): 8 × 70 = 560 printed 280 (children 120 + 160 = 280 agree with 280).
               row 5.4 (F25): total 80, years 20×5 = 100 = 5 × 20.
               row 5, 2021 (G21): 806, children 126 + 680 + 0 + 20 = 826.
               row 5 total (F21) 5405 vs children 5385 and vs years 5385: consequences of F25 / G21.
               row 6 (F26): 5 × 10 = 50 printed 40 (years 0+10+10+10+10 = 40).
               total 2021 (G27): 881 vs sections 861 — consequence of G21.
    Phụ lục II row 2 (F14): 10 × 90 = 900 printed 460 (children 160 + 300 = 460).
    """
    _, findings = verify_path(SOC)
    assert [_key(f) for f in findings] == [
        ("Phụ lục I", "F14", "qty-price", "error", None),
        ("Phụ lục I", "F21", "parent-sum", "warning", "Phụ lục I!F25"),
        ("Phụ lục I", "F21", "row-sum", "warning", "Phụ lục I!G21"),
        ("Phụ lục I", "G21", "parent-sum", "error", None),
        ("Phụ lục I", "F25", "row-sum", "error", None),
        ("Phụ lục I", "F26", "qty-price", "error", None),
        ("Phụ lục I", "G27", "grand-total", "warning", "Phụ lục I!G21"),
        ("Phụ lục II", "F14", "qty-price", "error", None),
    ]
    by_cell = {(f.sheet, f.cell, f.rule): f for f in findings}
    f25 = by_cell[("Phụ lục I", "F25", "row-sum")]
    assert (f25.expected, f25.found, f25.difference, f25.unit) == ("100", "80", "-20", "triệu đồng")
    assert f25.extra == {"expected_vnd": 100_000_000, "found_vnd": 80_000_000}
    g21 = by_cell[("Phụ lục I", "G21", "parent-sum")]
    assert (g21.expected, g21.found) == ("826", "806")
    f14 = by_cell[("Phụ lục I", "F14", "qty-price")]
    assert (f14.expected, f14.found) == ("560", "280")
    assert "8 × đơn giá 70" in f14.message
    assert all(f.file == str(SOC) for f in findings)


@pytest.mark.parametrize("name", ["kien_giang_2021.xlsx", "kien_giang_2024.xlsx", "an_giang_2022_2030.xlsx"])
def test_consistent_seed_workbooks_report_nothing(name):
    _, findings = verify_path(WORKBOOKS / name)
    assert findings == []


def test_targets_only_workbook_says_nothing_was_checked():
    # Đồng Tháp states targets and no amount: "no error" would be a claim about nothing (it used
    # to report no finding at all).
    _, findings = verify_path(WORKBOOKS / "dong_thap_2021_2030.xlsx")
    assert [(f.sheet, f.cell, f.rule, f.severity) for f in findings] == [("", "", "nothing-checked", "warning")]
    assert "chỉ có các chỉ tiêu" in findings[0].message


def _whole(findings):
    return {(f.sheet, f.cell, f.rule, f.severity, f.consequence_of) for f in findings}


def test_seed_tables_typed_again_give_the_readme_findings():
    """README: Sóc Trăng Phụ lục I has 4 errors (F14, G21, F25, F26) and 3 consequences, Phụ lục II
    has 1 (F14); the Kiên Giang tables are consistent. Built from tests/seed_tables.py (typed from
    the seed documents), not from the committed workbooks."""
    unit = "Đơn vị tính: Triệu đồng"
    st1 = S.seed_rows(S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL, unit=unit, years=S.Y1)
    st2 = S.seed_rows(S.SOC_TRANG_II, S.SOC_TRANG_II_TOTAL, unit=unit, years=S.Y2)
    plan = read_grids_plan([SheetGrid("I", st1), SheetGrid("II", st2)], "st.xlsx")
    t1, t2 = plan.tables
    assert t1.grand_total_dong() == 6_370_000_000 and t2.grand_total_dong() == 8_385_000_000
    assert t1.unread == [] and t2.unread == []
    assert _whole(verify_table(t1)) == {
        ("I", "F14", "qty-price", "error", None), ("I", "G21", "parent-sum", "error", None),
        ("I", "F25", "row-sum", "error", None), ("I", "F26", "qty-price", "error", None),
        ("I", "F21", "parent-sum", "warning", "I!F25"), ("I", "F21", "row-sum", "warning", "I!G21"),
        ("I", "G27", "grand-total", "warning", "I!G21")}
    assert _whole(verify_table(t2)) == {("II", "F14", "qty-price", "error", None)}
    kg21 = S.seed_rows(S.KIEN_GIANG_2021, S.KIEN_GIANG_2021_TOTAL, unit="Đơn vị tính: nghìn đồng",
                       order=("price", "qty"), item="Nhiệm vụ", amount="Thành tiền")
    kg24 = S.seed_rows(S.KIEN_GIANG_2024, S.KIEN_GIANG_2024_TOTAL, unit="Đơn vị tính: đồng",
                       item="Nội dung công việc", amount="Kinh phí thực hiện")
    for rows, total in ((kg21, 3_100_000_000), (kg24, 2_628_000_000)):
        (t,) = read_grids_plan([SheetGrid("KG", rows)], "kg.xlsx").tables
        assert t.grand_total_dong() == total
        assert verify_table(t) == [] and t.unread == []


# --- single rules on small tables --------------------------------------------------------------

HEADER = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí", "2026", "2027"]]


def _verify(rows, header=HEADER):
    plan = read_grids_plan([SheetGrid("S", header + rows)], "t.xlsx")
    return verify_table(plan.tables[0])


ROUNDED_PARTS = [["1", "a", None, None, 100], ["1.1", "b", None, None, 33], ["1.2", "c", None, None, 33],
                 ["1.3", "d", None, None, 33], ["Tổng cộng", "", None, None, 100]]


def test_whole_numbers_get_no_rounding_tolerance():
    # 33 + 33 + 33 = 99 printed 100 in a table of whole numbers that states no rounding: an error
    # (it used to be a `rounding` warning within 3 × 0,5). The total then disagrees with the
    # corrected section.
    findings = _verify(ROUNDED_PARTS)
    assert {(f.cell, f.rule, f.severity) for f in findings} == {("E3", "parent-sum", "error"),
                                                                ("E7", "grand-total", "error")}


def test_stated_rounding_gives_the_tolerance_and_says_why():
    header = [["Đơn vị tính: triệu đồng (số liệu đã làm tròn)"], HEADER[1]]
    findings = _verify(ROUNDED_PARTS, header=header)
    assert [(f.cell, f.rule, f.severity) for f in findings] == [("E3", "rounding", "warning")]
    f = findings[0]
    assert "±1,5 triệu đồng" in f.message and "ô A1" in f.message and "làm tròn" in f.message
    assert (f.extra["tolerance"], f.expected, f.found) == ("1.5", "99", "100")


def test_parts_with_decimals_make_rounding_visible():
    # 33,33 × 3 = 99,99 printed 100: parts printed to 0,01 triệu, tolerance 3 × 0,005.
    rows = [["1", "a", None, None, 100], ["1.1", "b", None, None, "33,33"], ["1.2", "c", None, None, "33,33"],
            ["1.3", "d", None, None, "33,33"]]
    findings = [f for f in _verify(rows) if f.rule != "number-as-text"]
    assert [(f.cell, f.rule, f.severity) for f in findings] == [("E3", "rounding", "warning")]
    assert findings[0].extra["tolerance"] == "0.015" and "phần lẻ" in findings[0].extra["tolerance_reason"]
    # 0,02 off is more than the rounding of three parts printed to 0,01: an error.
    rows[0][4] = "100,02"
    findings = [f for f in _verify(rows) if f.rule != "number-as-text"]
    assert [(f.cell, f.rule, f.severity) for f in findings] == [("E3", "parent-sum", "error")]


def test_number_as_text_and_not_a_number():
    findings = _verify([["1", "a", "02", "5", "10", "5", "5"], ["2", "b", None, None, "mười", 5, "#REF!"]])
    rules = {(f.cell, f.rule, f.severity) for f in findings}
    assert rules == {(c, "number-as-text", "warning") for c in ("C3", "D3", "E3", "F3", "G3")} | {
                     ("E4", "not-a-number", "error"),
                     ("G4", "not-a-number", "error")}
    bad = next(f for f in findings if f.cell == "E4")
    assert bad.found == "mười" and "không phải là số" in bad.message


def test_duplicate_and_orphan_codes():
    findings = _verify([["1", "a", None, None, 1, 1, 0], ["1", "b", None, None, 1, 1, 0],
                        ["3.1", "c", None, None, 1, 0, 1]])
    assert {(f.cell, f.rule) for f in findings} == {("A4", "duplicate-code"), ("A5", "orphan-code")}


def test_missing_unit_warns():
    findings = _verify([["1", "a", None, None, 1, 1, 0]], header=[HEADER[1]])
    assert [(f.rule, f.severity) for f in findings] == [("unit-missing", "warning")]


def test_words_line_checked_in_dong(tmp_path):
    path = tmp_path / "kg.xlsx"
    shutil.copy(WORKBOOKS / "kien_giang_2024.xlsx", path)
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục"]["A20"] = "(Bằng chữ: Hai tỷ, sáu trăm hai mươi triệu đồng chẵn)"
    wb["Thông tin"]["B10"] = 2_620_000_000
    wb.save(path)
    _, findings = verify_path(path)
    assert [(f.sheet, f.cell, f.rule, f.expected, f.found) for f in findings] == [
        ("Phụ lục", "A20", "words", "2628000000", "2620000000"),
        ("Thông tin", "B10", "stated-total", "2628000000", "2620000000"),
        ("Thông tin", "B11", "words", "2620000000", "2628000000"),
    ]


def test_formula_rules(tmp_path):
    """A typed subtotal next to formula subtotals; formulas without / with wrong cached values."""
    import xlsxwriter

    path = tmp_path / "f.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí", "2026"]]
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    ws.write_row(2, 0, ["1", "a"]); ws.write_formula(2, 2, "=SUM(C4:C5)", None, 30)
    ws.write_formula(2, 3, "=SUM(D4:D5)", None, 999)  # cached value disagrees
    ws.write_row(3, 0, ["1.1", "b", 10, 10]); ws.write_row(4, 0, ["1.2", "c", 20, 20])
    ws.write_row(5, 0, ["2", "d", 5, 5])  # typed subtotal among formula subtotals
    ws.write_row(6, 0, ["2.1", "e", 5, 5])
    ws.write_row(7, 0, ["", "Tổng cộng"]); ws.write_formula(7, 2, "=C3+C6", None, 35)
    ws.write_formula(7, 3, "=D3+D6")  # XlsxWriter's default cached value 0
    wb.close()
    _, findings = verify_path(path)
    got = {(f.cell, f.rule, f.severity) for f in findings}
    assert got == {("C6", "typed-subtotal", "warning"), ("D6", "typed-subtotal", "warning"),
                   ("D3", "stale-formula", "warning"), ("D8", "stale-formula", "warning"),
                   # the stale cached values are what every reader sees, so the sums fail too: D3 999
                   # against 10 + 20, D8 0 against 35; C3 and C8 follow from them
                   ("D3", "parent-sum", "error"), ("C3", "row-sum", "warning"),
                   ("D8", "grand-total", "error"), ("C8", "grand-total", "warning")}
    stale = next(f for f in findings if f.cell == "D3" and f.rule == "stale-formula")
    assert (stale.expected, stale.found) == ("30", "999")
    # the formula findings in full: D8 = D3 + D6 on the cached values every reader sees, 999 + 5
    def typed(col):
        return {"sheet": "S", "cell": f"{col}6", "rule": "typed-subtotal", "severity": "warning",
                "message": f"Dòng 2 d: tổng phụ nhập tay trong khi các dòng tổng khác cùng cột dùng công thức "
                           f"(ví dụ {col}3); số nhập tay không tự cập nhật khi sửa dòng con.",
                "expected": "công thức", "found": "5.0", "difference": None, "unit": None, "line": "2 d",
                "consequence_of": None, "extra": {}}

    def stale(cell, formula, computed, cached):
        return {"sheet": "S", "cell": cell, "rule": "stale-formula", "severity": "warning",
                "message": f"Công thức {formula} tính ra {computed} nhưng giá trị lưu sẵn là {cached}: tệp chưa "
                           f"được tính lại sau khi sửa.", "expected": computed.replace(".", ""), "found": cached,
                "difference": None, "unit": None, "line": None, "consequence_of": None, "extra": {}}

    assert [dataclasses.asdict(f) | {"file": None} for f in findings
            if f.rule in ("stale-formula", "typed-subtotal")] == [
        stale("D3", "=SUM(D4:D5)", "30", "999") | {"file": None}, typed("C") | {"file": None},
        typed("D") | {"file": None}, stale("D8", "=D3+D6", "1.004", "0") | {"file": None}]


# --- properties ---------------------------------------------------------------------------------

@st.composite
def consistent_table(draw):
    """A sound table: whole units per year × price, parents = Σ children, total = Σ sections."""
    n_years = draw(st.integers(1, 5))
    years = list(range(2026, 2026 + n_years))

    def leaf(code):
        q = draw(st.integers(1, 12))
        p = draw(st.integers(1, 400))
        cuts = sorted(draw(st.lists(st.integers(0, q), min_size=n_years - 1, max_size=n_years - 1)))
        units = [b - a for a, b in zip([0] + cuts, cuts + [q])]
        return [code, f"mục {code}", q, p, q * p] + [u * p for u in units]

    def node(code, depth):
        if depth >= 2 or draw(st.booleans()):
            return [leaf(code)]
        kids = [node(f"{code}.{i}", depth + 1) for i in range(1, draw(st.integers(1, 3)) + 1)]
        tops = [k[0] for k in kids]
        row = [code, f"mục {code}", None, None] + [sum(t[j] for t in tops) for j in range(4, 5 + n_years)]
        return [row] + [r for k in kids for r in k]

    sections = [node(str(i), 0) for i in range(1, draw(st.integers(1, 4)) + 1)]
    total = ["", "Tổng cộng", None, None] + [sum(s[0][j] for s in sections) for j in range(4, 5 + n_years)]
    header = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí"] + years]
    return header + [r for s in sections for r in s] + [total]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=consistent_table())
def test_consistent_tables_report_nothing(rows):
    plan = read_grids_plan([SheetGrid("S", rows)], "p.xlsx")
    assert verify_table(plan.tables[0]) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=consistent_table(), data=st.data())
def test_changing_one_amount_reports_that_cell_and_only_it(rows, data):
    cells = [(r, c) for r in range(2, len(rows)) for c in range(4, len(rows[1]))]
    r, c = data.draw(st.sampled_from(cells))
    delta = data.draw(st.integers(3, 10_000))
    rows = [list(x) for x in rows]
    rows[r][c] += delta
    plan = read_grids_plan([SheetGrid("S", rows)], "p.xlsx")
    findings = verify_table(plan.tables[0])
    cell = f"{'ABCDEFGHIJ'[c]}{r + 1}"
    errors = [f for f in findings if f.severity == "error"]
    assert [(f.cell, f.consequence_of) for f in errors] == [(cell, None)]
    # the whole set: a year amount of a leaf that is no longer a whole number of units is a warning
    # at that cell; every other finding is a warning that names the changed cell as its cause
    price = rows[r][3]
    split = c >= 5 and price is not None and rows[r][c] % price != 0
    own = [(f.cell, f.rule, f.severity) for f in findings if f.consequence_of is None and f not in errors]
    assert own == ([(cell, "whole-units", "warning")] if split else [])
    assert {(f.severity, f.consequence_of) for f in findings if f.consequence_of} <= {("warning", f"S!{cell}")}


# --- CLI --------------------------------------------------------------------------------------------

def test_cli_exit_codes_and_json(tmp_path):
    r = CliRunner()
    ok = r.invoke(main, ["verify", str(WORKBOOKS / "kien_giang_2021.xlsx")])
    assert ok.exit_code == 0 and "Không phát hiện sai sót" in ok.output
    bad = r.invoke(main, ["verify", str(SOC), "--json"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert len(data["findings"]) == 8 and data["checked"] is True
    assert {"file", "sheet", "cell", "rule", "severity", "message", "expected", "found"} <= set(data["findings"][0])
    (cov,) = data["files"]
    assert [(s["sheet"], s["role"], [(t["first_row"], t["last_row"], t["lines"]) for t in s["tables"]])
            for s in cov["sheets"]] == [("Phụ lục I", "table", [(8, 27, 19)]), ("Phụ lục II", "table", [(8, 27, 19)]),
                                        ("Thông tin", "metadata", [])]
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"not a workbook")
    res = r.invoke(main, ["verify", str(broken), str(WORKBOOKS / "kien_giang_2021.xlsx")])
    assert res.exit_code == 2 and "hong.xlsx" in res.output and "không phải bảng tính" in res.output
    missing = r.invoke(main, ["verify", str(tmp_path / "khong_co.xlsx")])
    assert missing.exit_code == 2 and "không tìm thấy" in missing.output


def test_cli_folder_report_groups_by_file_and_sheet():
    res = CliRunner().invoke(main, ["verify", str(WORKBOOKS)])
    assert res.exit_code == 1
    assert "== " + str(SOC) in res.output and "[Phụ lục I]" in res.output and "[Phụ lục II]" in res.output
    # 5 errors and 3 consequences in Sóc Trăng; Đồng Tháp (targets) and the blank template have
    # nothing to check: one warning each.
    assert "Tổng: 5 lỗi, 5 cảnh báo." in res.output
    assert "[Phụ lục I] bảng: tiêu đề hàng 6–7, đọc hàng 8–27, 19 dòng" in res.output


def test_cli_annotate_writes_a_copy_and_leaves_input_alone(tmp_path):
    src = tmp_path / "st.xlsx"
    shutil.copy(SOC, src)
    before = sha256(src)
    out = tmp_path / "st_kiem_tra.xlsx"
    res = CliRunner().invoke(main, ["verify", str(src), "--annotate", str(out)])
    assert res.exit_code == 1 and sha256(src) == before
    wb = openpyxl.load_workbook(out)
    cell = wb["Phụ lục I"]["F25"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "[row-sum]" in cell.comment.text
    ks = wb["Kiểm tra"]
    assert ks["A1"].value == "Tệp" and ks.max_row == 9
    link = ks["C2"].hyperlink
    assert link.location == "'Phụ lục I'!F14"
    again = CliRunner().invoke(main, ["verify", str(src), "--annotate", str(src)])
    assert again.exit_code == 2 and sha256(src) == before
    two = CliRunner().invoke(main, ["verify", str(WORKBOOKS), "--annotate", str(out)])
    assert two.exit_code == 2 and "một tệp" in two.output


def test_finding_amounts_are_exact_strings():
    _, findings = verify_path(SOC)
    for f in findings:
        if f.expected is not None and f.unit == "triệu đồng":
            assert Decimal(f.expected) == Decimal(f.expected).to_integral_value()


# --- issue 18: whole finding records (every field), so a changed message, amount or cause fails -----
# Numbers worked out by hand in test_soc_trang_findings_found_by_hand; messages read and checked.

SOC_FINDINGS = [
    {'sheet': 'Phụ lục I', 'cell': 'F14', 'rule': 'qty-price', 'severity': 'error', 'message': 'Dòng 2 Tổ chức Hội thảo, Hội nghị và các khóa đào tạo, tập huấn …: số lượng 8 × đơn giá 70 = 560 triệu đồng, nhưng thành tiền ghi 280 triệu đồng (dòng mục lớn: số lượng và đơn giá in trong bảng cũng phải khớp).', 'expected': '560', 'found': '280', 'difference': '-280', 'unit': 'triệu đồng', 'line': '2 Tổ chức Hội thảo, Hội nghị và các khóa đào tạo, tập huấn …', 'consequence_of': None, 'extra': {'expected_vnd': 560000000, 'found_vnd': 280000000}},
    {'sheet': 'Phụ lục I', 'cell': 'F21', 'rule': 'parent-sum', 'severity': 'warning', 'message': 'Dòng 5 Hỗ trợ doanh nghiệp: tổng kinh phí 5.405 triệu đồng khác tổng các dòng con đang ghi (5.385 triệu đồng) — hệ quả của lỗi tại Phụ lục I!F25; sửa ô đó thì dòng này khớp.', 'expected': '5385', 'found': '5405', 'difference': '20', 'unit': 'triệu đồng', 'line': '5 Hỗ trợ doanh nghiệp', 'consequence_of': 'Phụ lục I!F25', 'extra': {'expected_vnd': 5385000000, 'found_vnd': 5405000000}},
    {'sheet': 'Phụ lục I', 'cell': 'F21', 'rule': 'row-sum', 'severity': 'warning', 'message': 'Dòng 5 Hỗ trợ doanh nghiệp: tổng kinh phí 5.405 triệu đồng khác tổng các năm 5.385 triệu đồng — hệ quả của lỗi tại Phụ lục I!G21.', 'expected': '5385', 'found': '5405', 'difference': '20', 'unit': 'triệu đồng', 'line': '5 Hỗ trợ doanh nghiệp', 'consequence_of': 'Phụ lục I!G21', 'extra': {'expected_vnd': 5385000000, 'found_vnd': 5405000000}},
    {'sheet': 'Phụ lục I', 'cell': 'G21', 'rule': 'parent-sum', 'severity': 'error', 'message': 'Dòng 5 Hỗ trợ doanh nghiệp: năm 2021 ghi 806 triệu đồng, nhưng tổng các dòng con là 826 triệu đồng.', 'expected': '826', 'found': '806', 'difference': '-20', 'unit': 'triệu đồng', 'line': '5 Hỗ trợ doanh nghiệp', 'consequence_of': None, 'extra': {'expected_vnd': 826000000, 'found_vnd': 806000000}},
    {'sheet': 'Phụ lục I', 'cell': 'F25', 'rule': 'row-sum', 'severity': 'error', 'message': 'Dòng 5.4 Hỗ trợ doanh nghiệp tham gia hoạt động GTCLQG: tổng kinh phí ghi 80 triệu đồng, nhưng cả tổng các năm và số lượng × đơn giá đều bằng 100 triệu đồng.', 'expected': '100', 'found': '80', 'difference': '-20', 'unit': 'triệu đồng', 'line': '5.4 Hỗ trợ doanh nghiệp tham gia hoạt động GTCLQG', 'consequence_of': None, 'extra': {'expected_vnd': 100000000, 'found_vnd': 80000000}},
    {'sheet': 'Phụ lục I', 'cell': 'F26', 'rule': 'qty-price', 'severity': 'error', 'message': 'Dòng 6 Chi khác: số lượng 5 × đơn giá 10 = 50 triệu đồng, nhưng thành tiền ghi 40 triệu đồng.', 'expected': '50', 'found': '40', 'difference': '-10', 'unit': 'triệu đồng', 'line': '6 Chi khác', 'consequence_of': None, 'extra': {'expected_vnd': 50000000, 'found_vnd': 40000000}},
    {'sheet': 'Phụ lục I', 'cell': 'G27', 'rule': 'grand-total', 'severity': 'warning', 'message': 'Dòng Tổng cộng: năm 2021 881 triệu đồng khác tổng các mục đang ghi (861 triệu đồng) — hệ quả của lỗi tại Phụ lục I!G21; sửa ô đó thì dòng này khớp.', 'expected': '861', 'found': '881', 'difference': '20', 'unit': 'triệu đồng', 'line': 'Tổng cộng', 'consequence_of': 'Phụ lục I!G21', 'extra': {'expected_vnd': 861000000, 'found_vnd': 881000000}},
    {'sheet': 'Phụ lục II', 'cell': 'F14', 'rule': 'qty-price', 'severity': 'error', 'message': 'Dòng 2 Tổ chức Hội thảo, Hội nghị và các khóa đào tạo, tập huấn …: số lượng 10 × đơn giá 90 = 900 triệu đồng, nhưng thành tiền ghi 460 triệu đồng (dòng mục lớn: số lượng và đơn giá in trong bảng cũng phải khớp).', 'expected': '900', 'found': '460', 'difference': '-440', 'unit': 'triệu đồng', 'line': '2 Tổ chức Hội thảo, Hội nghị và các khóa đào tạo, tập huấn …', 'consequence_of': None, 'extra': {'expected_vnd': 900000000, 'found_vnd': 460000000}},
]
WORDS_FINDINGS = [
    {'sheet': 'Phụ lục', 'cell': 'A20', 'rule': 'words', 'severity': 'error', 'message': 'Dòng bằng chữ ghi 2.620.000.000 đồng, nhưng tổng cộng của bảng là 2.628.000.000 đồng (Hai tỷ, sáu trăm hai mươi tám triệu đồng).', 'expected': '2628000000', 'found': '2620000000', 'difference': '-8000000', 'unit': 'đồng', 'line': None, 'consequence_of': None, 'extra': {}},
    {'sheet': 'Thông tin', 'cell': 'B10', 'rule': 'stated-total', 'severity': 'error', 'message': "'Tổng kinh phí (đồng)' ghi 2.620.000.000 đồng, nhưng bảng (Phụ lục) cộng được 2.628.000.000 đồng.", 'expected': '2628000000', 'found': '2620000000', 'difference': '-8000000', 'unit': 'đồng', 'line': None, 'consequence_of': None, 'extra': {}},
    {'sheet': 'Thông tin', 'cell': 'B11', 'rule': 'words', 'severity': 'error', 'message': 'Số tiền bằng chữ ghi 2.628.000.000 đồng, khác tổng kinh phí 2.620.000.000 đồng.', 'expected': '2620000000', 'found': '2628000000', 'difference': '8000000', 'unit': 'đồng', 'line': None, 'consequence_of': None, 'extra': {}},
]


def _records(findings, path):
    out = []
    for f in findings:
        d = dataclasses.asdict(f)
        assert d.pop("file") == str(path)
        out.append(d)
    return out


def test_soc_trang_findings_in_full():
    _, findings = verify_path(SOC)
    assert _records(findings, SOC) == SOC_FINDINGS


def _kien_giang_with_wrong_words_and_total(tmp_path):
    path = tmp_path / "kg.xlsx"
    shutil.copy(WORKBOOKS / "kien_giang_2024.xlsx", path)
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục"]["A20"] = "(Bằng chữ: Hai tỷ, sáu trăm hai mươi triệu đồng chẵn)"
    wb["Thông tin"]["B10"] = 2_620_000_000
    wb.save(path)
    return path


def test_words_and_stated_total_findings_in_full(tmp_path):
    path = _kien_giang_with_wrong_words_and_total(tmp_path)
    _, findings = verify_path(path)
    assert _records(findings, path) == WORDS_FINDINGS


def _stated(label, amount, cell, tables, table_total):
    return {"sheet": "Thông tin", "cell": cell, "rule": "stated-total", "severity": "error",
            "message": f"'{label}' ghi {format_vn(amount)} đồng, nhưng bảng ({tables}) cộng được "
                       f"{format_vn(table_total)} đồng.",
            "expected": str(table_total), "found": str(amount), "difference": str(amount - table_total),
            "unit": "đồng", "line": None, "consequence_of": None, "extra": {}}


def test_each_period_stated_total_is_checked_against_its_own_tables(tmp_path):
    """Sóc Trăng states the whole plan (B10) and each period (B11: 2021–2025 = Phụ lục I, B12:
    2026–2030 = Phụ lục II); a period starts and ends exactly on its table's years."""
    path = tmp_path / "st.xlsx"
    shutil.copy(SOC, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Thông tin"]
    ws["B10"], ws["B11"], ws["B12"] = 14_756, 6_371, 8_384  # triệu đồng, as the sheet states
    wb.save(path)
    _, findings = verify_path(path)
    stated = [d for d in _records(findings, path) if d["sheet"] == "Thông tin"]
    assert stated == [
        _stated("Tổng kinh phí (triệu đồng)", 14_756_000_000, "B10", "Phụ lục I, Phụ lục II", 14_755_000_000),
        _stated("Tổng kinh phí giai đoạn 2021 - 2025 (triệu đồng)", 6_371_000_000, "B11", "Phụ lục I",
                6_370_000_000),
        _stated("Tổng kinh phí giai đoạn 2026 - 2030 (triệu đồng)", 8_384_000_000, "B12", "Phụ lục II",
                8_385_000_000),
    ]
    assert [d for d in _records(findings, path) if d["sheet"] != "Thông tin"] == SOC_FINDINGS


@pytest.mark.parametrize("label,covered", [
    ("Tổng kinh phí giai đoạn 2021 - 2024 (triệu đồng)", False),  # ends before the table's last year
    ("Tổng kinh phí giai đoạn 2022 - 2025 (triệu đồng)", False),  # starts after its first year
    ("Tổng kinh phí giai đoạn 2020 - 2026 (triệu đồng)", True),
])
def test_a_period_total_covers_the_tables_inside_it_only(tmp_path, label, covered):
    path = tmp_path / "st.xlsx"
    shutil.copy(SOC, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Thông tin"]
    ws["A11"], ws["B11"] = label, 6_371
    wb.save(path)
    _, findings = verify_path(path)
    stated = [(f.cell, f.expected) for f in findings if f.rule == "stated-total"]
    assert stated == ([("B11", "6370000000")] if covered else [])


# --- issue 18: each rule's boundary (tolerance = half the printed unit per summed term) ---------------

ROUNDED = [["Đơn vị tính: triệu đồng (số liệu đã làm tròn)"], HEADER[1]]


def _found(rows, header=ROUNDED):
    return [(f.cell, f.rule, f.severity) for f in _verify(rows, header=header)]


@pytest.mark.parametrize("amount,expected", [
    (100, []), (101, [("E3", "rounding", "warning")]), (99, [("E3", "rounding", "warning")]),
    (102, [("E3", "row-sum", "error")]), (98, [("E3", "row-sum", "error")]),
])
def test_leaf_row_sum_tolerance_is_half_a_unit_per_year(amount, expected):
    # two whole years, rounding stated: ±0,5 × 2 = ±1
    assert _found([["1", "a", None, None, amount, 50, 50]]) == expected
    # the same table not stated as rounded: every difference is an error
    assert _found([["1", "a", None, None, amount, 50, 50]], header=HEADER) == (
        [] if amount == 100 else [("E3", "row-sum", "error")])


@pytest.mark.parametrize("amount,expected", [
    ("100,5", []), (100, [("E3", "rounding", "warning")]), (101, [("E3", "rounding", "warning")]),
    (102, [("E3", "qty-price", "error")]), (99, [("E3", "qty-price", "error")]),
])
def test_qty_price_tolerance_is_half_the_printed_unit(amount, expected):
    # 3 × 33,5 = 100,5; the amount printed whole may be 100 or 101 (±0,5), not 99 or 102
    rows = [["1", "a", 3, "33,5", amount]]
    assert [x for x in _found(rows, header=HEADER) if x[1] != "number-as-text"] == expected


@pytest.mark.parametrize("amount,expected", [
    (100, []),
    # within ±0,5 × 2 of both its children (parent-sum) and its own years (own row)
    (101, [("E3", "rounding", "Dòng 1 a: tổng kinh phí 101 triệu đồng lệch tổng các dòng con 100 triệu đồng"),
           ("E3", "rounding", "Dòng 1 a: tổng kinh phí lệch tổng các năm")]),
    # beyond: one error; the own-row check then judges the corrected amount (100) and agrees
    (102, [("E3", "parent-sum", "Dòng 1 a: tổng kinh phí ghi 102 triệu đồng, nhưng tổng các dòng con là 100 "
                                "triệu đồng.")]),
])
def test_parent_tolerance_on_children_and_own_row(amount, expected):
    rows = [["1", "a", None, None, amount, 50, 50], ["1.1", "b", None, None, 60, 30, 30],
            ["1.2", "c", None, None, 40, 20, 20]]
    found = [(f.cell, f.rule, f.message) for f in _verify(rows, header=ROUNDED)]
    assert len(found) == len(expected)
    assert all(cell == c and rule == r and message.startswith(m)
               for (cell, rule, message), (c, r, m) in zip(found, expected)), found


def test_own_row_tolerance_where_children_have_no_years():
    # children print amounts only: the parent's years are judged against its amount alone (±0,5 × 2)
    kids = [["1.1", "b", None, None, 60], ["1.2", "c", None, None, 40]]
    for amount, expected in ((100, []), (99, ["rounding"]), (98, ["row-sum"])):
        rows = [["1", "a", None, None, 100, amount - 50, 50]] + kids
        assert [f.rule for f in _verify(rows, header=ROUNDED) if f.cell == "E3"] == expected, amount


def test_whole_units_per_year():
    # 2 conferences × 30: a year holds a whole number of conferences (45 and 15 are not)
    rows = [["1", "a", 2, 30, 60, 45, 15], ["2", "b", 2, 30, 60, 30, 30], ["3", "c", 2, 30, 60, 60, 0]]
    assert _found(rows, header=HEADER) == [("F3", "whole-units", "warning"), ("G3", "whole-units", "warning")]
    (f, _) = _verify(rows)
    assert (f.expected, f.found, f.line) == ("bội số của 30", "45", "1 a")
    assert f.message == ("Dòng 1 a: năm 2026 ghi 45 triệu đồng, không phải số nguyên lần đơn giá 30 (không thể chia "
                         "lẻ một đơn vị, ví dụ một hội nghị, cho nhiều năm).")


def test_formulas_saved_without_values_in_full(tmp_path):
    # openpyxl writes formulas without cached values: the tool computes them (C3 = D3 = 5,
    # D4 = C4 = 4, C5 = 5 + 4, D5 = SUM = 9), says so once per sheet and lists every cell
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for row in [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí", "2026"], ["1", "a", "=D3", 5],
                ["2", "b", 4, "=C4"], ["", "Tổng cộng", "=C3+C4", "=SUM(D3:D4)"]]:
        ws.append(row)
    wb.save(tmp_path / "o.xlsx")
    _, findings = verify_path(tmp_path / "o.xlsx")
    assert _records(findings, tmp_path / "o.xlsx") == [{
        "sheet": "S", "cell": "C3", "rule": "uncached-formula", "severity": "warning",
        "message": "4 công thức không có giá trị lưu sẵn (tệp được lưu bằng chương trình không tính lại, ví dụ "
                   "openpyxl); công cụ đã tự tính chính xác (C3 = 5, D4 = 4, C5 = 9). Excel, pandas hay bản xem "
                   "trước có thể thấy ô trống hoặc 0: hãy mở tệp trong Excel và lưu lại.",
        "expected": "giá trị lưu sẵn", "found": "trống", "difference": None, "unit": None, "line": None,
        "consequence_of": None, "extra": {"cells": ["C3", "D4", "C5", "D5"]}}]


def test_no_table_finding_in_full(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Trống"
    wb.active["A1"] = "xin chào"
    wb.save(tmp_path / "n.xlsx")
    _, findings = verify_path(tmp_path / "n.xlsx")
    assert [dataclasses.asdict(f) for f in findings] == [{
        "file": str(tmp_path / "n.xlsx"), "sheet": "", "cell": "", "rule": "no-table", "severity": "error",
        "message": "không tìm thấy bảng dự toán (cần dòng tiêu đề có cột 'TT', 'Nội dung' và cột kinh phí) trong "
                   "các trang: Trống.", "expected": None, "found": None, "difference": None, "unit": None,
        "line": None, "consequence_of": None, "extra": {}}]

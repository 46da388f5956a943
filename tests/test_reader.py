"""The reader: every committed workbook reads back to the printed numbers, and the same
tables read the same when shifted, typed as text, in NFD, reordered or pasted without merges."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest

from nscl_xl.errors import NoBudgetTable, ReadError
from nscl_xl.money import MoneyUnit
from nscl_xl.reader import read_grids_plan, read_plan

from . import grids as G
from . import seed_tables as S
from .conftest import WORKBOOKS, sha256

SOC = WORKBOOKS / "soc_trang_2021_2030.xlsx"
KG21 = WORKBOOKS / "kien_giang_2021.xlsx"
KG24 = WORKBOOKS / "kien_giang_2024.xlsx"


def _num(amount):
    return None if amount is None else amount.value


def assert_lines(table, expected, expected_total):
    got = [(ln.code, _num(ln.quantity), _num(ln.unit_price), _num(ln.amount),
            {y: a.value for y, a in ln.years.items()}) for ln in table.lines]
    want = [(code, q, p, a, ys) for code, q, p, a, ys in expected]
    want = [(c, None if q is None else Decimal(q), None if p is None else Decimal(p),
             None if a is None else Decimal(a), {y: Decimal(v) for y, v in ys.items()}) for c, q, p, a, ys in want]
    assert got == want
    assert table.total is not None
    assert table.total.amount.value == expected_total[0]
    assert {y: a.value for y, a in table.total.years.items()} == expected_total[1]


def test_soc_trang_reads_as_printed():
    plan = read_plan(SOC)
    assert plan.province == "Sóc Trăng"
    assert plan.kind == "period" and plan.period == (2021, 2030)
    t1, t2 = plan.tables
    assert (t1.sheet, t2.sheet) == ("Phụ lục I", "Phụ lục II")
    assert t1.unit is MoneyUnit.TRIEU and t2.unit is MoneyUnit.TRIEU
    assert t1.unit_source.cell == "I5"  # "Đơn vị tính: Triệu đồng" line above the table
    assert t1.years == [2021, 2022, 2023, 2024, 2025] and t2.years == list(range(2026, 2031))
    assert_lines(t1, S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL)
    assert_lines(t2, S.SOC_TRANG_II, S.SOC_TRANG_II_TOTAL)
    # hierarchy and sources
    for t in (t1, t2):
        for ln in t.lines:
            assert (ln.parent.code if ln.parent else None) == S.SOC_TRANG_PARENTS.get(ln.code)
    line_54 = next(ln for ln in t1.lines if ln.code == "5.4")
    assert (line_54.amount.source.sheet, line_54.amount.source.cell) == ("Phụ lục I", "F25")
    assert line_54.years[2021].source.cell == "G25"
    assert line_54.unit_name == "Năm"
    assert t1.grand_total_dong() == 6_370_000_000
    assert [s.amount_dong for s in plan.stated_totals] == [14_755_000_000, 6_370_000_000, 8_385_000_000]
    assert [s.period for s in plan.stated_totals] == [None, (2021, 2025), (2026, 2030)]


def test_kien_giang_2021_reads_as_printed():
    plan = read_plan(KG21)
    (t,) = plan.tables
    assert plan.province == "Kiên Giang" and plan.kind == "annual" and plan.period == (2021, 2021)
    assert plan.plan_number == "116/KH-UBND" and plan.date == "07/6/2021"
    assert t.unit is MoneyUnit.NGHIN and t.unit_source.cell == "E5"  # "Kinh phí (nghìn đồng)"
    assert t.columns["unit_price"] < t.columns["quantity"]  # seed 002 prints Đơn giá first
    assert_lines(t, S.KIEN_GIANG_2021, S.KIEN_GIANG_2021_TOTAL)
    bullets = [ln for ln in t.lines if ln.code == "-"]
    assert [b.parent.code for b in bullets] == ["1.2", "1.2"]
    assert [ln.code for ln in t.roots] == ["I", "II"]
    assert t.grand_total_dong() == 3_100_000_000
    assert plan.stated_totals[0].amount_dong == 3_100_000_000


def test_kien_giang_2024_reads_as_printed():
    plan = read_plan(KG24)
    (t,) = plan.tables
    assert plan.province == "Kiên Giang" and plan.kind == "annual" and plan.period == (2024, 2024)
    assert t.unit is MoneyUnit.DONG and t.unit_source.cell == "E5"  # "Kinh phí thực hiện (đồng)"
    assert_lines(t, S.KIEN_GIANG_2024, S.KIEN_GIANG_2024_TOTAL)
    assert t.words.text == "(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn)"
    assert t.words.source.cell == "A20"
    # Sections carry the money; their children carry none (the finest amounts are the sections).
    assert [ln.code for ln in t.finest_lines()] == ["I", "II"]
    # A merged agency cell applies to every row it covers.
    first, second = t.lines[1], t.lines[2]
    assert first.agency == second.agency == "Sở Khoa học và Công nghệ, Đơn vị đào tạo"


def test_targets_only_workbooks():
    ag = read_plan(WORKBOOKS / "an_giang_2022_2030.xlsx")
    assert ag.province == "An Giang" and ag.tables == [] and ag.period == (2022, 2030)
    assert [s.amount_dong for s in ag.stated_totals] == [5_800_000_000]
    assert ag.stated_words[0].text == "Năm tỷ, tám trăm triệu đồng"
    assert len(ag.targets) == 14 and ag.targets[0].period == "2022 - 2025"
    dt = read_plan(WORKBOOKS / "dong_thap_2021_2030.xlsx")
    assert dt.province == "Đồng Tháp" and dt.tables == [] and dt.stated_totals == []
    assert dt.period == (2021, 2030)
    first_2030 = next(t for t in dt.targets if t.period == "2026 - 2030")
    assert first_2030.value == "11 - 11,5"  # 10 classes + 10–15 %


def test_template_has_header_but_no_lines():
    plan = read_plan(WORKBOOKS / "mau" / "mau_du_toan_giai_doan.xlsx")
    (t,) = plan.tables
    assert t.lines == [] and t.years == list(range(2026, 2031))
    assert t.total is not None and t.total.amount is None


# --- variants -------------------------------------------------------------------------------------

def _soc_grid():
    return G.sheet(SOC, "Phụ lục I")


@pytest.mark.parametrize("rows,cols", [(0, 0), (7, 3), (40, 1)])
def test_shifted_table_reads_the_same(rows, cols):
    plan = read_grids_plan([G.shifted(_soc_grid(), rows, cols)], "x.xlsx")
    (t,) = plan.tables
    assert_lines(t, S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL)
    assert t.lines[0].amount.source.cell == f"{chr(ord('F') + cols)}{8 + rows}"


def test_numbers_typed_as_text_read_the_same(tmp_path):
    grid = G.numbers_as_text(_soc_grid(), first_row=7, qty_col=3)
    assert grid.values[20][5] == "5.405" and grid.values[8][3] == "10" and grid.values[9][3] == "01"
    path = G.write_grid(tmp_path / "text.xlsx", [grid])
    (t,) = read_plan(path).tables
    assert_lines(t, S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL)
    assert all(ln.amount.as_text for ln in t.lines)


def test_nfd_text_reads_the_same():
    plan = read_grids_plan([G.nfd(_soc_grid())], "nfd.xlsx")
    (t,) = plan.tables
    assert_lines(t, S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL)
    assert plan.province == "Sóc Trăng" and t.unit is MoneyUnit.TRIEU


def test_reordered_columns_without_merges_read_the_same():
    # TT, Nội dung, Đơn giá, Số lượng, Đơn vị, 2021..2025, Tổng kinh phí (and no merge info)
    order = [0, 1, 4, 3, 2, 6, 7, 8, 9, 10, 5]
    plan = read_grids_plan([G.reorder(_soc_grid(), order)], "r.xlsx")
    (t,) = plan.tables
    assert t.columns["amount"] == 10 and t.year_columns[2021] == 5
    assert_lines(t, S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL)


def test_header_variants_accent_insensitive():
    rows = [
        ["DỰ TOÁN KINH PHÍ TỈNH LONG AN NĂM 2025"],
        ["", "", "", "DVT: nghin dong"],
        ["STT", "NOI DUNG CONG VIEC", "Thanh tien", "Ghi chu"],
        ["I", "Hoat dong", "1.500,5", ""],
        ["1", "Hoi nghi", "1.500,5", "x"],
        ["", "Tong cong", "1.500,5", ""],
    ]
    plan = read_grids_plan([G.SheetGrid("S", rows)], "f.xlsx")
    (t,) = plan.tables
    assert plan.province == "Long An" and plan.kind == "annual" and plan.period == (2025, 2025)
    assert t.unit is MoneyUnit.NGHIN
    assert [ln.amount.value for ln in t.lines] == [Decimal("1500.5"), Decimal("1500.5")]
    assert t.total.amount.value == Decimal("1500.5")


def test_letters_bullets_and_restarting_codes():
    rows = [
        ["TT", "Nội dung", "Tổng kinh phí (đồng)"],
        ["I", "A", 10], ["1", "a", 10], ["a)", "x", 4], ["-", "y", 1], ["+", "z", 1], ["b)", "w", 6],
        ["II", "B", 5], ["1", "b", 5], ["1.1", "c", 5],
        ["Tổng cộng", "", 15],
        ["(Bằng chữ: Mười lăm đồng)"],
        ["", "KT. CHỦ TỊCH"], ["", "Nguyễn Văn A"],
    ]
    (t,) = read_grids_plan([G.SheetGrid("S", rows)], "f.xlsx").tables
    parents = [(ln.code, ln.parent.code if ln.parent else None) for ln in t.lines]
    assert parents == [("I", None), ("1", "I"), ("a)", "1"), ("-", "a)"), ("+", "-"), ("b)", "1"),
                       ("II", None), ("1", "II"), ("1.1", "1")]
    assert t.total.amount.value == 15 and t.words.text == "(Bằng chữ: Mười lăm đồng)"


def test_two_tables_on_one_sheet():
    block = [["TT", "Nội dung", "Thành tiền (đồng)"], ["1", "a", 5], ["Tổng cộng", "", 5], [], []]
    (t1, t2) = read_grids_plan([G.SheetGrid("S", block + block)], "f.xlsx").tables
    assert t1.lines[0].amount.source.cell == "C2" and t2.lines[0].amount.source.cell == "C7"


def test_empty_and_zero_are_different():
    rows = [["TT", "Nội dung", "Tổng kinh phí (đồng)", "2021", "2022"], ["1", "a", 5, 0, ""]]
    (t,) = read_grids_plan([G.SheetGrid("S", rows)], "f.xlsx").tables
    assert t.lines[0].years == {2021: t.lines[0].years[2021]} and t.lines[0].years[2021].value == 0


# --- bad input ------------------------------------------------------------------------------------

def test_no_table_names_file_and_sheets(tmp_path):
    path = G.write_grid(tmp_path / "notes.xlsx", [G.SheetGrid("Ghi chú", [["Xin chào"], ["không có bảng"]])])
    with pytest.raises(NoBudgetTable) as exc:
        read_plan(path, require_table=True)
    assert "notes.xlsx" in str(exc.value) and "Ghi chú" in str(exc.value)


@pytest.mark.parametrize("content,needle", [
    (b"TT,Noi dung,Thanh tien\n1,a,5\n", "không phải bảng tính Excel"),
    (b"%PDF-1.7\n...", "tệp PDF"),
    (b"", "tệp rỗng"),
    (b"PK\x03\x04" + b"\x00" * 200, "bị hỏng"),
])
def test_bad_files_give_clear_messages(tmp_path, content, needle):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(ReadError) as exc:
        read_plan(path)
    assert needle in str(exc.value) and "bad.xlsx" in str(exc.value)


def test_truncated_workbook(tmp_path):
    data = KG21.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError, match="bị hỏng"):
        read_plan(path)


def test_encrypted_workbook(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "khoa.xlsx"
    with open(KG21, "rb") as src, open(path, "wb") as out:
        OOXMLFile(src).encrypt("matkhau", out)
    before = sha256(path)
    with pytest.raises(ReadError, match="mật khẩu"):
        read_plan(path)
    assert sha256(path) == before


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ReadError, match="không phải bảng tính"):
        read_plan(path)


def test_old_xls_reads_the_same(tmp_path, soffice):
    from .lo import convert

    plan = read_plan(convert(soffice, SOC, tmp_path, "xls", recalc=False))
    t1, t2 = plan.tables
    assert_lines(t1, S.SOC_TRANG_I, S.SOC_TRANG_I_TOTAL)
    assert_lines(t2, S.SOC_TRANG_II, S.SOC_TRANG_II_TOTAL)


# --- money units ---------------------------------------------------------------------------------

from hypothesis import given, strategies as st  # noqa: E402

from nscl_xl.money import convert, to_dong  # noqa: E402


@given(value=st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False),
       a=st.sampled_from(list(MoneyUnit)), b=st.sampled_from(list(MoneyUnit)))
def test_unit_conversion_is_exact(value, a, b):
    assert convert(convert(value, a, b), b, a) == value
    assert to_dong(convert(value, a, b), b) == to_dong(value, a)


def test_unit_conversion_examples():
    assert to_dong(Decimal("5405"), MoneyUnit.TRIEU) == 5_405_000_000
    assert to_dong(Decimal("12.5"), MoneyUnit.NGHIN) == 12_500
    assert convert(Decimal("211820000"), MoneyUnit.DONG, MoneyUnit.TRIEU) == Decimal("211.82")
    assert to_dong(Decimal("3.3000000000000003"), MoneyUnit.TRIEU) == 3_300_000  # float noise below 1 đồng


# --- issue 18: mutants that survived tests/test_reader.py (bench/mutation.py reader, a sample) --------

def test_stated_totals_with_their_periods_and_cells():
    from nscl_xl.model import Source, StatedTotal

    path = str(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    plan = read_plan(path)
    assert plan.stated_totals == [
        StatedTotal(14_755_000_000, Source(path, "Thông tin", "B10"), "Tổng kinh phí (triệu đồng)", None),
        StatedTotal(6_370_000_000, Source(path, "Thông tin", "B11"),
                    "Tổng kinh phí giai đoạn 2021 - 2025 (triệu đồng)", (2021, 2025)),
        StatedTotal(8_385_000_000, Source(path, "Thông tin", "B12"),
                    "Tổng kinh phí giai đoạn 2026 - 2030 (triệu đồng)", (2026, 2030)),
    ]


@pytest.mark.parametrize("first,second,years", [
    # a year typed into a date-formatted cell: serial 2026 = 18/07/1905 (Excel's day 0 is 30/12/1899)
    (__import__("datetime").date(1905, 7, 18), __import__("datetime").date(1905, 7, 19), [2026, 2027]),
    (__import__("datetime").datetime(1905, 7, 18), __import__("datetime").datetime(1905, 7, 19), [2026, 2027]),
    # the lowest serial read as a year: 2000 (22/06/1905); 2100 is no plan year either way
    (__import__("datetime").date(1905, 6, 22), __import__("datetime").date(1905, 6, 23), [2000, 2001]),
    # a real date formatted "yyyy" stands for its year
    (__import__("datetime").date(2026, 1, 1), __import__("datetime").date(2027, 1, 1), [2026, 2027]),
])
def test_year_headers_typed_as_dates(first, second, years):
    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí", first, second],
            ["1", "a", 3, 1, 2], ["", "Tổng cộng", 3, 1, 2]]
    (t,) = read_grids_plan([G.SheetGrid("S", rows)], "d.xlsx").tables
    assert t.years == years and t.total.amount.value == 3


def test_no_table_message_names_sheets_and_vni():
    from nscl_xl.model import Plan
    from nscl_xl.reader import no_table_message

    plan = read_plan(WORKBOOKS / "kien_giang_2021.xlsx")
    plan.encodings = {"A": "vni", "B": "tcvn3", "C": "vni"}
    assert no_table_message(plan, ["A", "B", "C"]) == (
        "không tìm thấy bảng dự toán (cần dòng tiêu đề có cột 'TT', 'Nội dung' và cột kinh phí) trong các trang: "
        "A, B, C. Trang A, C có vẻ gõ bằng bảng mã VNI (phông VNI-Times): hãy chuyển sang Unicode (Unikey: Công cụ "
        "chuyển mã) rồi thử lại.")
    plan.encodings = {}
    assert no_table_message(plan, []) == (
        "không tìm thấy bảng dự toán (cần dòng tiêu đề có cột 'TT', 'Nội dung' và cột kinh phí) trong các trang: "
        "(không có trang tính).")


_H = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí", "2026"]]


def _tables(rows):
    plan = read_grids_plan([G.SheetGrid("S", _H + rows)], "b.xlsx")
    return [(t.header_rows, [(ln.code, ln.item, ln.amount and ln.amount.value, ln.parent and ln.parent.code)
                             for ln in t.lines], t.total and t.total.amount.value,
             [(u.source.cell, u.text) for u in t.unread]) for t in plan.tables]


A, B = ("1", "a", 5, None), ("2", "b", 7, None)


@pytest.mark.parametrize("blanks", [1, 6, 7, 30])
def test_a_blank_run_followed_by_table_rows_never_ends_the_table(blanks):
    rows = [["1", "a", 5, 5]] + [[None] * 4] * blanks + [["2", "b", 7, 7], ["", "Tổng cộng", 12, 12]]
    assert _tables(rows) == [((1, 1), [A, B], 12, [])]
    # an uncoded row with money after the blank run is a line too, never dropped
    rows = [["1", "a", 5, 5]] + [[None] * 4] * blanks + [["", "khoản khác", 3, 3]]
    assert _tables(rows) == [((1, 1), [A, ("", "khoản khác", 3, "1")], None, [])]


def test_a_long_blank_run_then_a_note_ends_the_table_and_reports_what_follows():
    # up to MAX_BLANK_RUN (6) blank rows the table goes on past the note; beyond, the note ends it
    # and the numbers under it are listed as not read, with their cells
    note = [["", "ghi chú", None, None], ["2", "b", 7, 7]]
    assert _tables([["1", "a", 5, 5]] + [[None] * 4] * 6 + note) == [((1, 1), [A, B], None, [])]
    assert _tables([["1", "a", 5, 5]] + [[None] * 4] * 7 + note) == [
        ((1, 1), [A], None, [("A12", "2"), ("C12", "7"), ("D12", "7")])]


def test_repeated_headers():
    # the same header again (a page break) is skipped; a different one, or any after the total,
    # starts a new table
    assert _tables([["1", "a", 5, 5], _H[1], ["2", "b", 7, 7], ["", "Tổng cộng", 12, 12]]) == [
        ((1, 1), [A, B], 12, [])]
    assert _tables([["1", "a", 5, 5], ["TT", "Nội dung", "Tổng kinh phí", "2027"], ["2", "b", 7, 7]]) == [
        ((1, 1), [A], None, []), ((3, 3), [B], None, [])]
    assert _tables([["1", "a", 5, 5], ["", "Tổng cộng", 5, 5], _H[1], ["1", "c", 7, 7]]) == [
        ((1, 1), [A], 5, []), ((4, 4), [("1", "c", 7, None)], None, [])]


def test_uncoded_rows_with_money_are_lines_under_the_last_numbered_line():
    rows = [["1", "a", 8, 8], ["", "khoản không mã", 3, 3], ["", "ghi chú", None, None]]
    assert _tables(rows) == [((1, 1), [("1", "a", 8, None), ("", "khoản không mã", 3, "1")], None, [])]

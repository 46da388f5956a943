"""Numbers typed as text and exact money arithmetic (issue 15 point 3, issue 18's money mutants)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nscl_xl.money import (MAX_DIGITS, AmbiguousNumber, MoneyUnit, NotANumber, NumberReading, ambiguity, convert,
                           find_unit, format_vn, number_readings, parse_number, scale10, to_decimal, to_dong)
from nscl_xl.reader import read_grids_plan
from nscl_xl.verify import verify_plan
from nscl_xl.workbook_io import SheetGrid

from .examples import examples

# --- the seed styles keep their reading -------------------------------------------------------------


@pytest.mark.parametrize("text,value,style", [
    ("5.405", "5405", "vi"), ("12,5", "12.5", "vi"), ("01", "1", "plain"), ("1,234.5", "1234.5", "en"),
    ("1.234.567,89", "1234567.89", "vi"), ("1,234,567", "1234567", "en"), ("0,500", "0.500", "vi"),
    ("1.5", "1.5", "en"), ("0.25", "0.25", "en"), (",5", "0.5", "vi"), ("1234,567", "1234.567", "vi"),
    ("0,5", "0.5", "vi"), ("2.628.000.000 đồng", "2628000000", "vi"), ("(1.500)", "-1500", "vi"),
    ("10000000000000000000000000001", "10000000000000000000000000001", "plain"),
])
def test_one_reading(text, value, style):
    assert number_readings(text) == [NumberReading(Decimal(value), style)]
    assert parse_number(text) == Decimal(value)
    assert ambiguity(text) is None


@pytest.mark.parametrize("text,vi,en", [("5,405", "5.405", "5405"), ("1,234", "1.234", "1234"),
                                        ("-999,000", "-999.000", "-999000")])
def test_comma_with_three_digits_is_ambiguous(text, vi, en):
    assert number_readings(text) == [NumberReading(Decimal(vi), "vi"), NumberReading(Decimal(en), "en")]
    with pytest.raises(AmbiguousNumber) as exc:
        parse_number(text)
    assert [r.value for r in exc.value.readings] == [Decimal(vi), Decimal(en)]
    assert "2 cách đọc" in str(exc.value) and "không đoán" in str(exc.value)
    assert ambiguity(text).readings == exc.value.readings
    with pytest.raises(NotANumber):  # callers that only know NotANumber refuse it too
        to_decimal(text)


@pytest.mark.parametrize("text", ["0.500", "000.001", "01.000", "0.500.000", "00.123"])
def test_a_dot_group_never_follows_a_zero_group(text):
    with pytest.raises(NotANumber, match="nhóm 0") as exc:
        parse_number(text)
    assert not isinstance(exc.value, AmbiguousNumber)


@pytest.mark.parametrize("text", ["", "-", "–", "—", "x", "  "])
def test_empty_marks(text):
    assert number_readings(text) == [] and parse_number(text) is None


@pytest.mark.parametrize("text", ["1.2.3,4,5", "5.", "1,", ".", ",", "1.23.456", "12,5,3", "1,23.4", "1e5", "١٢"])
def test_not_numbers(text):
    with pytest.raises(NotANumber):
        parse_number(text)


def test_length_limit_is_a_message():
    assert parse_number("9" * MAX_DIGITS) == Decimal("9" * MAX_DIGITS)
    with pytest.raises(NotANumber, match="quá giới hạn"):
        parse_number("9" * (MAX_DIGITS + 1))
    with pytest.raises(NotANumber, match="quá giới hạn"):
        parse_number("1" * 100_000)
    with pytest.raises(NotANumber):
        number_readings(5)  # not text


# --- an independent reference for the conventions -----------------------------------------------------

def _grouped(whole: str, sep: str) -> bool:
    parts = whole.split(sep)
    return (all(p.isdigit() for p in parts) and len(parts[0]) <= 3 and parts[0][:1] not in ("0", "")
            and all(len(p) == 3 for p in parts[1:]))


def reference_readings(s: str) -> set[Decimal] | None:
    """Values of *s* (digits, "." and ",") under the documented rules; None when refused.

    Vietnamese: "." groups, "," decimal; English: "," groups, "." decimal. A "." followed by
    exactly three digits is always grouping (so "5.405" has no English reading and "0.500"
    none at all)."""
    found = set()
    for group, dec in ((".", ","), (",", ".")):
        whole, mark, frac = s.partition(dec)
        if mark and not frac.isdigit():
            continue
        if group in whole:
            if not _grouped(whole, group):
                continue
        elif whole and not whole.isdigit():
            continue
        if not whole and not mark:
            continue
        if dec == "." and mark and len(frac) == 3 and group not in whole:
            continue  # "1.500": the dot groups thousands
        found.add(Decimal((whole.replace(group, "") or "0") + ("." + frac if mark else "")))
    if not found:
        return None
    return found


@settings(max_examples=examples(3000), deadline=None)
@given(st.text(alphabet="0123456789.,", min_size=1, max_size=14))
def test_readings_match_the_reference(s):
    expected = reference_readings(s)
    if expected is None:
        with pytest.raises(NotANumber):
            number_readings(s)
        return
    got = [r.value for r in number_readings(s)]
    assert set(got) == expected and len(got) == len(expected)
    if len(expected) > 1:
        with pytest.raises(AmbiguousNumber):
            parse_number(s)
    else:
        assert parse_number(s) == expected.pop()


def test_reference_itself():
    assert reference_readings("5,405") == {Decimal("5.405"), Decimal("5405")}
    assert reference_readings("5.405") == {Decimal("5405")}
    assert reference_readings("0.500") is None
    assert reference_readings("1,234.5") == {Decimal("1234.5")}


@settings(max_examples=examples(500), deadline=None)
@given(st.integers(-(10**60), 10**60), st.integers(0, 6))
def test_format_vn_round_trips_exactly(n, places):
    value = scale10(Decimal(n), -places)
    text = format_vn(value)
    assert re.fullmatch(r"-?[1-9]\d{0,2}(\.\d{3})*(,\d*[1-9])?|-?0(,\d*[1-9])?", text), text
    if "," in text and re.fullmatch(r"-?[1-9]\d{0,2},\d{3}", text):
        assert ambiguity(text) is not None  # "5,405" (a decimal with 3 places): reported, not guessed
    else:
        assert parse_number(text) == value


# --- exact arithmetic past 28 digits ----------------------------------------------------------------

def test_units_and_formatting_past_28_digits():
    big = Decimal(10**28 + 1)
    assert to_dong(big, MoneyUnit.TRIEU) == (10**28 + 1) * 10**6
    assert to_dong(Decimal("10000000000000000000000000001.5"), MoneyUnit.DONG) == 10**28 + 2  # half-even
    assert convert(big, MoneyUnit.TY, MoneyUnit.DONG) == Decimal((10**28 + 1) * 10**9)
    assert convert(Decimal((10**28 + 1) * 10**9), MoneyUnit.DONG, MoneyUnit.TY) == big
    assert convert(Decimal(0), MoneyUnit.TY, MoneyUnit.DONG) == 0
    assert format_vn(big) == "10.000.000.000.000.000.000.000.000.001"
    assert format_vn(Decimal("10000000000000000000000000001.25"), decimals=1) == \
        "10.000.000.000.000.000.000.000.000.001,2"
    assert format_vn(-5) == "-5" and format_vn(Decimal("-1234.50")) == "-1.234,5"
    assert format_vn(Decimal("0.5")) == "0,5" and format_vn(Decimal("12.5"), decimals=2) == "12,50"
    assert format_vn(999) == "999" and format_vn(1000) == "1.000"
    assert parse_number("-10000000000000000000000000001,5") == Decimal("-10000000000000000000000000001.5")


def test_unit_names_and_exponents():
    assert [u.exponent for u in MoneyUnit] == [0, 3, 6, 9]
    assert [u.key for u in MoneyUnit] == ["dong", "nghin", "trieu", "ty"]
    assert MoneyUnit.from_key("TRIEU") is MoneyUnit.TRIEU
    with pytest.raises(ValueError, match="đơn vị tiền không hợp lệ"):
        MoneyUnit.from_key("usd")
    assert find_unit("Đơn vị tính: Triệu đồng") is MoneyUnit.TRIEU
    assert find_unit("Kinh phí (nghìn đồng)") is MoneyUnit.NGHIN
    assert find_unit("Thành tiền (đồng)") is MoneyUnit.DONG
    assert find_unit("tỷ đồng") is MoneyUnit.TY
    assert find_unit("Nội dung") is None


def test_to_decimal_cells():
    assert to_decimal(None) is None
    assert to_decimal(12.5) == Decimal("12.5") and to_decimal(3.0) == Decimal(3)
    assert to_decimal(0.1) == Decimal("0.1")  # what Excel shows, not the binary float
    assert to_decimal(Decimal("7.25")) == Decimal("7.25") and to_decimal(7) == 7
    for bad in [float("nan"), float("inf"), float("-inf"), True, Decimal("NaN"), Decimal("-Infinity"), [1],
                10**MAX_DIGITS]:
        with pytest.raises(NotANumber):
            to_decimal(bad)


# --- the reader's numbers-as-text path uses the same rule and reports the cell -------------------------

def test_ambiguous_cell_is_a_finding_not_a_guess():
    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí"], ["1", "Hội nghị", "5,405"],
            ["2", "Tập huấn", "5.405"], ["3", "Khảo sát", "0.500"], ["", "Tổng cộng", "5.405"]]
    (table,) = read_grids_plan([SheetGrid("S", rows)], "f.xlsx").tables
    assert table.lines[0].amount is None and table.lines[2].amount is None  # neither reading used
    assert table.lines[1].amount.value == Decimal(5405)
    findings = {(f.cell, f.rule, f.severity) for f in verify_plan(read_grids_plan([SheetGrid("S", rows)], "f.xlsx"))}
    assert findings == {("C3", "ambiguous-number", "error"), ("C5", "not-a-number", "error"),
                        ("C4", "number-as-text", "warning"), ("C6", "number-as-text", "warning")}
    (amb,) = [f for f in verify_plan(read_grids_plan([SheetGrid("S", rows)], "f.xlsx"))
              if f.rule == "ambiguous-number"]
    assert amb.extra == {"readings": ["5.405", "5405"]} and amb.found == "5,405"
    assert "tổng kinh phí" in amb.message and "2 cách đọc" in amb.message


# --- issue 18: behaviour the mutation run found unpinned --------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("−7", "-7"), ("–7", "-7"), ("-7", "-7"), ("+3", "3"), ("(12)", "-12"), ("1 234 567", "1234567"),
    ("1\u00a0234", "1234"), ("15 VNĐ", "15"), ("2 đ", "2"), ("3 đồng.", "3"), ("( 1.500 )", "-1500"),
])
def test_signs_spaces_and_currency_suffixes(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["(12", "12)", "+-3", "++3", "12 34", "1 2345", "--1"])
def test_malformed_signs_and_spaces(text):
    with pytest.raises(NotANumber):
        parse_number(text)


def test_text_length_boundary():
    padded = "1" + " " * (4 * MAX_DIGITS - 1)  # exactly at the limit: read
    assert parse_number(padded) == 1
    with pytest.raises(NotANumber, match="quá giới hạn"):
        parse_number(padded + " ")


def test_float_cells_keep_a_plain_exponent():
    assert str(to_decimal(100.0)) == "100" and str(to_decimal(1e20)) == "100000000000000000000"
    assert str(to_decimal(12.5)) == "12.5"


def test_format_vn_zero_and_exponent_forms():
    assert format_vn(0) == "0" and format_vn(Decimal("-0")) == "0" and format_vn(Decimal("0.000")) == "0"
    assert format_vn(Decimal("1E+3")) == "1.000" and format_vn(Decimal("1.2E+4")) == "12.000"
    assert format_vn(Decimal("1E-3")) == "0,001"
    assert format_vn(Decimal("1234.5"), decimals=0) == "1.234"  # half-even
    assert format_vn(Decimal("1235.5"), decimals=0) == "1.236"


# --- issue 18: mutants that survived tests/test_money.py (bench/mutation.py money) ------------------

def test_narrow_no_break_space_groups_thousands():
    # French-style and Excel's "#,##0" with a narrow no-break space (U+202F) between groups
    assert parse_number("1\u202f234\u202f567") == 1234567 and parse_number("\u202f12\u202f") == 12
    assert parse_number("2\u00a0345") == 2345


@pytest.mark.parametrize("value,message", [
    (float("nan"), "nan"), (float("inf"), "inf"), (float("-inf"), "-inf"), (True, "True"),
    (Decimal("NaN"), "NaN"), (Decimal("-Infinity"), "-Infinity"), (object, "<class 'object'>"),
    (10**MAX_DIGITS, f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn"),
])
def test_to_decimal_refusals_name_the_value(value, message):
    with pytest.raises(NotANumber) as exc:
        to_decimal(value)
    assert str(exc.value) == message


@pytest.mark.parametrize("text,message", [
    ("12a", "12a"), ("1.2,3.4", "1.2,3.4"), ("1.2.3,4,5", "1.2.3,4,5"), ("5.", "5."),
    ("0.500", "'0.500': số có dấu chấm ngăn nhóm nghìn không thể bắt đầu bằng nhóm 0; nếu là số thập phân, "
              "hãy dùng dấu phẩy (ví dụ 0,5)"),
    (" -0.500 đ", "' -0.500 đ': số có dấu chấm ngăn nhóm nghìn không thể bắt đầu bằng nhóm 0; nếu là số thập "
                  "phân, hãy dùng dấu phẩy (ví dụ 0,5)"),
    ("1" * 1001, f"'{'1' * 30}…': số có hơn 1000 chữ số, quá giới hạn"),
    ("2" * 4001, f"'{'2' * 30}…': chuỗi dài 4001 ký tự, quá giới hạn 1000 chữ số"),
])
def test_number_refusals_quote_the_text(text, message):
    with pytest.raises(NotANumber) as exc:
        number_readings(text)
    assert str(exc.value) == message


def test_not_text_is_refused_with_its_value():
    with pytest.raises(NotANumber) as exc:
        number_readings(5)
    assert str(exc.value) == "5"


def test_ambiguous_message_in_full():
    with pytest.raises(AmbiguousNumber) as exc:
        parse_number(" 1,500 ")
    assert exc.value.text == "1,500"
    assert str(exc.value) == (
        "'1,500' có 2 cách đọc: 1,500 (kiểu Việt Nam: dấu chấm ngăn nhóm nghìn, dấu phẩy thập phân) hoặc "
        "1500 (kiểu Anh/Mỹ: dấu phẩy ngăn nhóm nghìn, dấu chấm thập phân); không đoán. Hãy ghi rõ: bỏ dấu "
        "ngăn nhóm nghìn (1500) hoặc ghi thêm chữ số 0 sau phần thập phân (1,5000).")

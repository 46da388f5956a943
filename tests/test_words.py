"""Amounts in words: the seeds, tricky amounts derived from the convention, round trips."""

from __future__ import annotations

import dataclasses
import unicodedata
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from num2words import num2words

from nscl_xl.cli import main
from nscl_xl.money import MoneyUnit
from nscl_xl.words import (STYLES, WordsError, WordsStyle, amount_to_words, money_words, register_num2words,
                           words_to_amount)

# Stated in the seed documents (000, 002, 003, 001).
SEEDS = [
    (2_628_000_000, "Hai tỷ, sáu trăm hai mươi tám triệu đồng"),
    (3_100_000_000, "Ba tỷ, một trăm triệu đồng"),
    (200_000_000, "Hai trăm triệu đồng"),
    (2_900_000_000, "Hai tỷ, chín trăm triệu đồng"),
    (500_000_000, "Năm trăm triệu đồng"),
    (2_600_000_000, "Hai tỷ, sáu trăm triệu đồng"),
    (5_800_000_000, "Năm tỷ, tám trăm triệu đồng"),
]


@pytest.mark.parametrize("amount,text", SEEDS)
def test_seed_amounts_both_ways(amount, text):
    assert amount_to_words(amount) == text
    assert words_to_amount(text) == amount
    assert words_to_amount(f"(Bằng chữ: {text} chẵn)") == amount


def test_seed_words_line_with_chan():
    assert amount_to_words(2_628_000_000, style=WordsStyle(even=True)) == \
        "Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn"


# Derived from the convention (DOMAIN.md §3): zero gaps in every position, scales, special tens.
TRICKY = [
    (0, "không"),
    (10, "mười"), (14, "mười bốn"), (15, "mười lăm"), (20, "hai mươi"), (21, "hai mươi mốt"),
    (24, "hai mươi bốn"), (25, "hai mươi lăm"), (101, "một trăm linh một"), (105, "một trăm linh năm"),
    (110, "một trăm mười"), (111, "một trăm mười một"), (115, "một trăm mười lăm"), (1_000, "một nghìn"),
    (1_005, "một nghìn không trăm linh năm"), (1_010, "một nghìn không trăm mười"),
    (1_015, "một nghìn không trăm mười lăm"), (1_100, "một nghìn một trăm"),
    (10_005, "mười nghìn không trăm linh năm"), (100_000, "một trăm nghìn"),
    (1_000_005, "một triệu không trăm linh năm"),
    (1_001_000, "một triệu không trăm linh một nghìn"),
    (1_000_100, "một triệu một trăm"),
    (1_020_304, "một triệu không trăm hai mươi nghìn ba trăm linh bốn"),
    (5_000_000_005, "năm tỷ không trăm linh năm"),
    (1_000_001_000, "một tỷ không trăm linh một nghìn"),
    (10**12, "một nghìn tỷ"),
    (1_100_000_000_000, "một nghìn một trăm tỷ"),
    (1_000_000_000_005, "một nghìn tỷ không trăm linh năm"),
    (10**15, "một triệu tỷ"),
    (10**18, "một tỷ tỷ"),
    # found by the round-trip property: "nghìn tỷ" after a larger group is not a compound scale
    (1_132_000_000_000_000, "một triệu một trăm ba mươi hai nghìn tỷ"),
    (1_500_000_000_000_000_000, "một tỷ năm trăm triệu tỷ"),
    (10**18 - 1, "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ "
                 "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    (-21, "âm hai mươi mốt"),
    (-1_005, "âm một nghìn không trăm linh năm"),
]


@pytest.mark.parametrize("n,text", TRICKY)
def test_tricky_amounts(n, text):
    assert amount_to_words(n, currency=False) == text
    assert words_to_amount(text) == n


def test_money_form_commas_capital_and_negative():
    assert amount_to_words(1_234_567) == "Một triệu, hai trăm ba mươi bốn nghìn, năm trăm sáu mươi bảy đồng"
    assert amount_to_words(-5_000) == "Âm năm nghìn đồng"
    assert amount_to_words(1_005, style=WordsStyle(group_commas=False)) == "Một nghìn không trăm linh năm đồng"


def test_variants():
    assert amount_to_words(1_024_105, style=STYLES["mien-nam"], currency=False) == \
        "một triệu không trăm hai mươi tư ngàn một trăm lẻ năm"
    assert amount_to_words(2 * 10**9, style=WordsStyle(billion="tỉ"), currency=False) == "hai tỉ"
    for text in ["một triệu không trăm hai mươi tư ngàn một trăm lẻ năm", "hai tỉ"]:
        assert words_to_amount(text) in (1_024_105, 2 * 10**9)


def test_units_converted_to_dong_first():
    assert amount_to_words("6.370", unit=MoneyUnit.TRIEU) == "Sáu tỷ, ba trăm bảy mươi triệu đồng"
    assert amount_to_words(Decimal("12.5"), unit=MoneyUnit.TRIEU) == "Mười hai triệu, năm trăm nghìn đồng"
    assert amount_to_words(3_100_000, unit=MoneyUnit.NGHIN) == "Ba tỷ, một trăm triệu đồng"


def test_exact_beyond_float():
    n = 2**53 + 1  # a float would lose the last digit
    assert words_to_amount(amount_to_words(n)) == n
    assert words_to_amount(amount_to_words(str(n))) == n
    with pytest.raises(WordsError, match="float"):
        amount_to_words(1.5)


def test_decimals_and_usd():
    assert amount_to_words(Decimal("12.05"), currency=False) == "mười hai phẩy không năm"
    assert amount_to_words(Decimal("1.5"), currency=False) == "một phẩy năm"
    assert amount_to_words(Decimal("12.25"), currency=False,
                           style=WordsStyle(decimals="group")) == "mười hai phẩy hai mươi lăm"
    assert words_to_amount("mười hai phẩy không năm") == Decimal("12.05")
    assert words_to_amount("mười hai phẩy hai mươi lăm") == Decimal("12.25")
    assert money_words(Decimal("1250.75"), "USD") == "Một nghìn, hai trăm năm mươi đô la Mỹ bảy mươi lăm xu"
    assert words_to_amount("Một nghìn, hai trăm năm mươi đô la Mỹ bảy mươi lăm xu") == Decimal("1250.75")
    with pytest.raises(WordsError):
        money_words(Decimal("1.5"), "VND")


def test_registered_with_num2words_without_replacing_vi():
    register_num2words()
    assert num2words(1005, lang="vi_VN") == "một nghìn không trăm linh năm"
    assert num2words(1005, lang="vi") == "một nghìn lẻ năm"  # upstream left as it is
    assert num2words(2_628_000_000, lang="vi_VN", to="currency") == "Hai tỷ, sáu trăm hai mươi tám triệu đồng"


def test_parser_tolerance():
    text = "Hai tỷ, sáu trăm hai mươi tám triệu đồng"
    assert words_to_amount(unicodedata.normalize("NFD", text)) == 2_628_000_000
    assert words_to_amount(text.upper()) == 2_628_000_000
    assert words_to_amount("  (bằng chữ: hai tỉ sáu trăm hai mươi tám triệu đồng chẵn).  ") == 2_628_000_000
    assert words_to_amount("một nghìn lẻ năm") == 1_005  # short form people also write
    assert words_to_amount("bảy mươi bẩy") == 77  # 'bẩy' is a spelling of 'bảy'
    assert words_to_amount("hai mươi tư ngàn") == 24_000


@pytest.mark.parametrize("text", ["xin chào", "hai hai", "trăm", "", "   ", "một trăm trăm", "mười mười", "1234",
                                  "nghìn", "một triệu phẩy"])
def test_parser_refuses_non_amounts(text):
    with pytest.raises(WordsError) as exc:
        words_to_amount(text)
    assert "không" in str(exc.value)  # a Vietnamese message


ALL_STYLES = [dataclasses.replace(s, even=even, group_commas=commas) for s in STYLES.values()
              for even in (False, True) for commas in (False, True)] + [WordsStyle(billion="tỉ")]


@settings(max_examples=400, deadline=None)
@given(n=st.integers(min_value=-(10**18), max_value=10**18), style=st.sampled_from(ALL_STYLES))
def test_round_trip_every_style(n, style):
    assert words_to_amount(amount_to_words(n, style=style)) == n
    assert words_to_amount(amount_to_words(n, style=style, currency=False)) == n


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**18))
def test_no_empty_or_doubled_words(n):
    text = amount_to_words(n, currency=False)
    words = text.split()
    assert "  " not in text and text == text.strip()
    for i, w in enumerate(words):
        if w == "lăm":  # lăm only right after mười/mươi
            assert words[i - 1] in ("mười", "mươi")
        if w == "mốt":  # mốt only after tens ≥ 2
            assert words[i - 1] == "mươi"
        if w == "linh":  # linh only between "trăm" and a single digit
            assert words[i - 1] == "trăm" and words[i + 1] in ("một", "hai", "ba", "bốn", "năm", "sáu", "bảy",
                                                                 "tám", "chín")
    assert "mươi một" not in text and "mươi năm" not in text and "mười năm" not in text


def test_cli_words():
    r = CliRunner()
    assert r.invoke(main, ["words", "2628000000"]).output.strip() == "Hai tỷ, sáu trăm hai mươi tám triệu đồng"
    assert r.invoke(main, ["words", "2.628.000.000", "--chan"]).output.strip() == \
        "Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn"
    assert r.invoke(main, ["words", "6.370", "--unit", "trieu"]).output.strip() == \
        "Sáu tỷ, ba trăm bảy mươi triệu đồng"
    assert r.invoke(main, ["words", "1005", "--no-dong"]).output.strip() == "một nghìn không trăm linh năm"
    assert r.invoke(main, ["words", "1024105", "--le", "--ngan", "--tu", "--no-commas"]).output.strip() == \
        "Một triệu không trăm hai mươi tư ngàn một trăm lẻ năm đồng"
    assert r.invoke(main, ["words", "--parse", "(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn)"]) \
        .output.strip() == "2628000000"
    bad = r.invoke(main, ["words", "abc"])
    assert bad.exit_code == 2 and "không phải số" in bad.output
    bad = r.invoke(main, ["words", "--parse", "xin chào"])
    assert bad.exit_code == 2 and "không hiểu từ" in bad.output

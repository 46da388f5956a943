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

from .examples import examples

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
    from num2words import CONVERTER_CLASSES

    CONVERTER_CLASSES.pop("vi_VN", None)  # registered here, not by an earlier test in the process
    register_num2words()
    assert set(CONVERTER_CLASSES) >= {"vi", "vi_VN"}
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


@settings(max_examples=examples(400), deadline=None)
@given(n=st.integers(min_value=-(10**18), max_value=10**18), style=st.sampled_from(ALL_STYLES))
def test_round_trip_every_style(n, style):
    assert words_to_amount(amount_to_words(n, style=style)) == n
    assert words_to_amount(amount_to_words(n, style=style, currency=False)) == n


@settings(max_examples=examples(200), deadline=None)
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


# --- issue 15: exact at any size, a parser that never guesses ---------------------------------------

from nscl_xl.words import (MAX_DIGITS, MAX_TEXT_CHARS, AmbiguousWords, Reading, WordsSyntaxError,  # noqa: E402
                           number_words,
                           WordsTooLong, words_readings)


def test_ten_to_the_28_plus_one_is_exact():
    assert amount_to_words(10**28 + 1) == "Mười tỷ tỷ tỷ, không trăm linh một đồng"
    assert words_to_amount("Mười tỷ tỷ tỷ, không trăm linh một đồng") == 10**28 + 1
    assert amount_to_words(Decimal(10**28 + 1), currency=False) == "mười tỷ tỷ tỷ không trăm linh một"
    # units convert exactly too (a Decimal product in the default context would round)
    assert amount_to_words(10**28 + 1, unit=MoneyUnit.TRIEU, currency=False) == \
        "mười triệu tỷ tỷ tỷ không trăm linh một triệu"  # 10^34 + 10^6
    # USD and negative decimals keep every digit
    assert words_to_amount("Mười tỷ tỷ tỷ, không trăm linh một đô la Mỹ năm xu") == \
        Decimal("10000000000000000000000000001.05")
    assert words_to_amount("âm mười tỷ tỷ tỷ không trăm linh một phẩy năm") == \
        Decimal("-10000000000000000000000000001.5")
    assert amount_to_words(Decimal("-10000000000000000000000000001.5"), currency=False) == \
        "âm mười tỷ tỷ tỷ không trăm linh một phẩy năm"


def test_zero_is_never_negative():
    assert amount_to_words(0) == "Không đồng"
    assert amount_to_words(Decimal("-0"), currency=False) == "không"
    assert money_words(Decimal("-0.00"), "USD") == "Không đô la Mỹ"
    with pytest.raises(WordsSyntaxError):
        words_to_amount("âm không đồng")


@pytest.mark.parametrize("text,position,word", [
    ("một tỷ hai tỷ", 3, "hai"),  # the group after "tỷ" must be read in full (không trăm linh hai)
    ("hai phẩy năm tỷ đồng", 4, "tỷ"),
    ("một trăm mốt", 3, "mốt"),
    ("mươi", 1, "mươi"),
    ("đô la", 1, "đô"),
    ("một nghìn đồng hai trăm", 4, "hai"),
    ("một đô la Mỹ một trăm xu", 5, "một"),
    ("một nghìn hai nghìn", 3, "hai"),
    ("một trăm hai trăm", 3, "hai"),
    ("hai mươi một", 3, "một"),
    ("hai mươi năm", 3, "năm"),
    ("mười tư", 2, "tư"),
    ("một mươi", 2, "mươi"),
    ("không trăm năm mươi", 1, "không"),
    ("linh năm", 1, "linh"),
    ("không nghìn", 1, "không"),
    ("hai tỷ nghìn", 3, "nghìn"),
    ("một triệu hai triệu", 3, "hai"),
    ("một nghìn không trăm linh năm triệu", 7, "triệu"),
    ("năm mươi xu", 3, "xu"),
    ("hai chẵn", 2, "chẵn"),
    ("một tỷ, tỷ", 3, ","),
    ("5 tỷ 300", 0, ""),
    ("5 nghìn 2", 0, ""),
    ("5 tỷ ba trăm triệu", 3, "ba"),
    ("5 tỷ 3000 triệu", 3, "3000"),
    ("5 triệu 3 tỷ", 4, "tỷ"),
    ("0 nghìn", 1, "0"),
    ("1,5 tỷ 300 triệu", 3, "300"),
    ("một phẩy hai đồng", 4, "đồng"),
    ("5,5 phẩy", 2, "phẩy"),
    ("một phẩy hai mươi", 4, "mươi"),  # the writer never ends decimals with 0
])
def test_malformed_texts_are_refused_naming_the_word(text, position, word):
    with pytest.raises(WordsSyntaxError) as exc:
        words_readings(text)
    assert (exc.value.position, exc.value.word) == (position, word)
    assert "không phải số tiền bằng chữ hợp lệ" in str(exc.value)
    if position:
        assert f"từ thứ {position}: '{word}'" in str(exc.value)


def test_flat_ty_wording_is_ambiguous_not_guessed():
    text = "Một nghìn tỷ không trăm linh một tỷ đồng"
    assert words_readings(text) == [Reading(10**21 + 10**9, "nested"), Reading(1_001_000_000_000, "flat")]
    with pytest.raises(AmbiguousWords) as exc:
        words_to_amount(text)
    assert [r.value for r in exc.value.readings] == [10**21 + 10**9, 1_001_000_000_000]
    assert "1.001.000.000.000" in str(exc.value) and "một nghìn không trăm linh một tỷ" in str(exc.value)
    # one "tỷ", or readings that agree: one reading, no ambiguity
    assert words_readings("một nghìn tỷ") == [Reading(10**12, "nested")]
    assert words_readings("hai tỷ, sáu trăm hai mươi tám triệu") == [Reading(2_628_000_000, "nested")]
    # the nested house style for 1.1·10¹² is not valid flat wording: no ambiguity either
    assert words_readings("một nghìn một trăm tỷ") == [Reading(1_100_000_000_000, "nested")]
    assert words_readings("một nghìn tỷ một trăm tỷ") == [Reading(10**21 + 10**11, "nested"),
                                                         Reading(1_100_000_000_000, "flat")]


def test_digits_with_scale_words():
    assert words_readings("5 tỷ 300 triệu") == [Reading(5_300_000_000, "digits")]
    assert words_to_amount("5 nghìn") == 5_000
    assert words_to_amount("1,5 tỷ") == 1_500_000_000
    assert words_to_amount("2.628 triệu đồng") == 2_628_000_000
    assert words_to_amount("5 tỷ, 300 triệu đồng chẵn") == 5_300_000_000
    assert words_to_amount("1 nghìn tỷ 5 tỷ") == 1_005_000_000_000
    assert words_to_amount("0,5 tỷ") == 500_000_000
    assert words_readings("5,405 triệu") == [Reading(5_405_000, "digits"), Reading(5_405_000_000, "digits-en")]
    with pytest.raises(AmbiguousWords):
        words_to_amount("5,405 triệu")
    with pytest.raises(WordsSyntaxError):
        words_to_amount("1,2345 nghìn")  # 1234,5 đồng: not whole đồng
    with pytest.raises(WordsSyntaxError):
        words_to_amount("0.500 nghìn")


def test_usd_cents_and_variants():
    assert words_to_amount("Không đô la Mỹ năm mươi xu") == Decimal("0.50")
    assert words_to_amount("không đô la Mỹ một xu") == Decimal("0.01")  # the smallest cent
    assert words_to_amount("không đô la Mỹ chín mươi chín xu") == Decimal("0.99")
    assert words_to_amount("mười hai đô la Mỹ") == Decimal("12.00")
    assert words_to_amount("mười hai đô la chín mươi chín xu chẵn") == Decimal("12.99")
    for text in ["mười hai đô la Mỹ một trăm xu", "mười hai đô la Mỹ không xu", "mười hai đô la Mỹ linh năm xu",
                 "mười hai đô la Mỹ năm mươi", "mười hai đô la Mỹ 50 xu", "mười hai đô Mỹ"]:
        with pytest.raises(WordsSyntaxError):
            words_to_amount(text)


def test_decimals_read_both_ways():
    assert words_to_amount("một phẩy hai năm") == Decimal("1.25")
    assert words_to_amount("một phẩy hai mươi lăm") == Decimal("1.25")
    assert words_to_amount("một phẩy không không năm") == Decimal("1.005")
    assert words_to_amount("âm không phẩy năm") == Decimal("-0.5")
    for text in ["một phẩy", "một phẩy mốt", "một phẩy 5", "một phẩy hai đồng"]:
        with pytest.raises(WordsSyntaxError):
            words_to_amount(text)


def test_long_ty_chain_and_huge_numbers_are_messages_not_tracebacks():
    chain = "một " + "tỷ " * 111  # 10^999: the longest allowed
    assert words_to_amount(chain) == 10**999
    with pytest.raises(WordsTooLong, match="1000 chữ số"):
        words_to_amount("một " + "tỷ " * 112)
    with pytest.raises(WordsTooLong):
        words_to_amount("một " + "tỷ " * 3000)  # a few KB: once a RecursionError
    with pytest.raises(WordsTooLong, match="ký tự"):
        words_to_amount("một " * (MAX_TEXT_CHARS // 4 + 1))
    big = 10**(MAX_DIGITS - 1) + 7  # 1000 digits: written and read back exactly
    assert words_to_amount(amount_to_words(big)) == big
    with pytest.raises(WordsTooLong):
        amount_to_words(10**MAX_DIGITS)
    with pytest.raises(WordsError):
        amount_to_words("9" * 10_000)  # 10,000 digits: past the limit, a message
    with pytest.raises(WordsTooLong):
        amount_to_words(Decimal("1E+5000"))
    with pytest.raises(WordsTooLong):
        amount_to_words(Decimal("1E-5000"), currency=False)
    with pytest.raises(WordsTooLong):
        amount_to_words(10**998, unit=MoneyUnit.TY)  # in đồng it has 1008 digits


def test_exact_number_refusals():
    from nscl_xl.words import exact_number
    with pytest.raises(WordsError, match="2 cách đọc"):
        exact_number("5,405")
    with pytest.raises(WordsError, match="nhóm 0"):
        exact_number("0.500")
    with pytest.raises(WordsError, match="ô trống"):
        exact_number("-")
    for bad in [True, 1.5, Decimal("NaN"), Decimal("Infinity"), None, [1]]:
        with pytest.raises(WordsError):
            exact_number(bad)
    assert exact_number("12,5") == Decimal("12.5")


def test_sotien_shows_ambiguity_instead_of_a_number():
    from nscl_xl import udfs
    shown = udfs.SOTIEN("Một nghìn tỷ không trăm linh một tỷ đồng")
    assert isinstance(shown, str) and shown.startswith("Mơ hồ:") and "1.001.000.000.000" in shown
    assert udfs.SOTIEN("Hai tỷ, sáu trăm hai mươi tám triệu đồng") == 2_628_000_000
    assert udfs.SOTIEN("một tỷ tỷ") == "1.000.000.000.000.000.000"  # past Excel's 15 digits: exact text
    assert udfs.SOTIEN("mười hai phẩy năm") == 12.5
    assert udfs.SOTIEN("một trăm mốt").startswith("Không đọc được:")
    assert udfs.SOTIEN("") == ""
    assert udfs.BANGCHU("5,405", "trieu").startswith("Số mơ hồ: '5,405' có 2 cách đọc")
    assert udfs.BANGCHU("5.405", "trieu") == "Năm tỷ, bốn trăm linh năm triệu đồng"


def _cli(*args: str):
    import os
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "nscl_xl", "words", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


@pytest.mark.parametrize("args,needle", [
    (["--unit", "trieu", "5,405"], "2 cách đọc"),
    (["0.500"], "nhóm 0"),
    (["9" * 10_000], "quá giới hạn"),
    (["--parse", "một nghìn tỷ không trăm linh một tỷ"], "nhiều cách"),
    (["--parse", "một " + "tỷ " * 3000], "quá giới hạn"),
    (["--parse", "một tỷ hai tỷ"], "từ thứ 3: 'hai'"),
    (["--usd", "1,505"], "2 cách đọc"),
])
def test_cli_refusals_are_messages_with_exit_code_2(args, needle):
    res = _cli(*args)
    assert res.returncode == 2, res
    assert needle in res.stderr and res.stderr.startswith("Lỗi: ")
    assert "Traceback" not in res.stderr + res.stdout and res.stdout == ""


def test_cli_reads_and_writes_exactly():
    assert _cli("--unit", "trieu", "5.405").stdout.strip() == "Năm tỷ, bốn trăm linh năm triệu đồng"
    assert _cli(str(10**28 + 1)).stdout.strip() == "Mười tỷ tỷ tỷ, không trăm linh một đồng"
    assert _cli("--parse", "5 tỷ 300 triệu").stdout.strip() == "5300000000"


# --- issue 18: pin the behaviour the mutation run found unpinned -----------------------------------

@pytest.mark.parametrize("text,position,word", [
    ("không trăm mười", 1, "không"), ("không trăm hai mươi", 1, "không"), ("không trăm hai mươi mốt", 1, "không"),
    ("không trăm mười lăm", 1, "không"), ("không trăm linh năm", 1, "không"), ("một nghìn mười", 3, "mười"),
    ("một nghìn mười một", 3, "mười"), ("một nghìn hai mươi", 3, "hai"), ("một nghìn hai mươi mốt", 3, "hai"),
    ("một nghìn năm", 3, "năm"), ("một nghìn không trăm linh hai nghìn", 7, "nghìn"),
    ("một triệu không trăm linh hai nghìn không trăm linh ba nghìn", 12, "nghìn"),
    ("không đồng chẵn xu", 4, "xu"), ("mười mốt", 2, "mốt"), ("hai lăm", 2, "lăm"), ("lăm", 1, "lăm"),
    ("tư", 1, "tư"), ("mốt", 1, "mốt"), ("hai mươi hai trăm", 3, "hai"), ("mười hai trăm", 2, "hai"),
    ("một trăm không", 3, "không"), ("không không", 1, "không"), ("không nghìn", 1, "không"),
    ("một nghìn, không", 4, "không"), ("007 nghìn", 1, "007"), ("0,0 nghìn", 1, "0,0"),
])
def test_more_malformed_texts(text, position, word):
    with pytest.raises(WordsSyntaxError) as exc:
        words_readings(text)
    assert (exc.value.position, exc.value.word) == (position, word)


@pytest.mark.parametrize("text,value", [
    ("mười lăm", 15), ("mười một", 11), ("mười", 10), ("hai mươi", 20), ("chín mươi tư", 94), ("một trăm mười", 110),
    ("một trăm linh một", 101), ("một trăm", 100), ("một nghìn không trăm mười", 1010), ("một nghìn lẻ một", 1001),
    ("hai nghìn, ba trăm", 2300), ("một tỷ, không trăm linh một triệu", 1_001_000_000),
    ("Một tỷ, không trăm linh một tỷ đồng", 10**18 + 10**9), ("mười " + "tỷ " * 110, 10**991),
    ("5 tỷ, 300 triệu", 5_300_000_000), ("1000 triệu", 10**9), ("1 tỷ 1 triệu 1 nghìn", 1_001_001_000),
    ("1.001 triệu", 1_001_000_000), ("0,25 triệu", 250_000),
])
def test_more_well_formed_texts(text, value):
    assert words_readings(text)[0].value == value and len(words_readings(text)) == 1


def test_limits_at_their_boundaries():
    with pytest.raises(WordsTooLong):
        words_to_amount("mười " + "tỷ " * 111)  # 10^1000: 1001 digits
    assert words_to_amount("chín " + "tỷ " * 111) == 9 * 10**999
    with pytest.raises(WordsTooLong):
        words_to_amount("1 " + "tỷ " * 112)
    with pytest.raises(WordsTooLong):
        words_to_amount("10 " + "tỷ " * 111)
    assert words_to_amount("1 " + "tỷ " * 111) == 10**999
    with pytest.raises(WordsTooLong):
        number_words(Decimal("1E+1000"))
    assert number_words(Decimal("9E+999")).startswith("chín tỷ")
    assert number_words(Decimal("1E-1000")).endswith("không một")
    with pytest.raises(WordsTooLong):
        number_words(Decimal("1E-1001"))
    text = "một" + " " * (MAX_TEXT_CHARS - 3)
    assert words_to_amount(text) == 1
    with pytest.raises(WordsTooLong):
        words_to_amount(text + " ")


def test_small_fractions_and_group_decimals():
    assert number_words(Decimal("0.05")) == "không phẩy không năm"
    assert number_words(Decimal("-0.005")) == "âm không phẩy không không năm"
    assert number_words(Decimal("12.05"), WordsStyle(decimals="group")) == "mười hai phẩy không năm"
    assert number_words(Decimal("0.0125"), WordsStyle(decimals="group")) == "không phẩy không một trăm hai mươi lăm"
    assert number_words(Decimal("100")) == "một trăm" and number_words(Decimal("1E+2")) == "một trăm"


def test_money_forms_pinned():
    assert money_words(5) == "Năm đồng"
    assert money_words(Decimal("1.5"), "USD") == "Một đô la Mỹ năm mươi xu"
    assert money_words(Decimal("1.05"), "usd") == "Một đô la Mỹ năm xu"
    assert money_words(Decimal("-2.10"), "USD", WordsStyle(even=True)) == "Âm hai đô la Mỹ mười xu chẵn"
    with pytest.raises(WordsError, match="hai chữ số"):
        money_words(Decimal("1.005"), "USD")
    with pytest.raises(WordsError, match="EUR"):
        money_words(5, "EUR")
    assert amount_to_words(5, style=WordsStyle(billion="tỉ", even=True)) == "Năm đồng chẵn"


def test_num2words_converter_follows_its_style():
    register_num2words()
    from num2words import CONVERTER_CLASSES
    conv = CONVERTER_CLASSES["vi_VN"]
    assert conv.to_ordinal(21) == "hai mươi mốt"
    assert num2words(Decimal("1.5"), lang="vi_VN", to="currency", currency="USD") == "Một đô la Mỹ năm mươi xu"
    styled = type(conv)(STYLES["mien-nam"])
    assert styled.to_cardinal(1_024_105) == "một triệu không trăm hai mươi tư ngàn một trăm lẻ năm"
    assert styled.to_currency(1_005) == "Một ngàn, không trăm lẻ năm đồng"
    assert type(conv)().to_cardinal(24) == "hai mươi bốn"


# --- issue 18: mutants that survived tests/test_words*.py (bench/mutation.py words) -----------------

@pytest.mark.parametrize("text,value", [
    ("một phẩy không hai mươi lăm", "1.025"), ("một phẩy không không hai mươi lăm", "1.0025"),
    ("một phẩy không không không một trăm linh năm", "1.000105"), ("không phẩy không mười một", "0.011"),
])
def test_zeros_before_a_group_read_after_phay(text, value):
    assert words_to_amount(text) == Decimal(value)


@pytest.mark.parametrize("text,message", [
    ("một phẩy", "'một phẩy' không phải số tiền bằng chữ hợp lệ: thiếu phần thập phân sau 'phẩy' "
                 "(văn bản dừng giữa chừng)"),
    ("một phẩy không 25", "'một phẩy không 25' không phải số tiền bằng chữ hợp lệ (từ thứ 4: '25'): "
                          "phần sau 'phẩy' phải viết bằng chữ"),
    ("một phẩy 25", "'một phẩy 25' không phải số tiền bằng chữ hợp lệ (từ thứ 3: '25'): "
                    "phần sau 'phẩy' phải viết bằng chữ"),
    ("một phẩy không hai mươi", "'một phẩy không hai mươi' không phải số tiền bằng chữ hợp lệ (từ thứ 5: "
                                "'mươi'): phần thập phân không kết thúc bằng chữ số 0 (viết 'phẩy hai', "
                                "không viết 'phẩy hai mươi')"),
    ("một phẩy hai mươi lăm đồng", "'một phẩy hai mươi lăm đồng' không phải số tiền bằng chữ hợp lệ (từ thứ 6: "
                                   "'đồng'): sau phần thập phân không còn gì ('đồng' không dùng với số lẻ)"),
])
def test_fraction_refusals_in_full(text, message):
    with pytest.raises(WordsError) as exc:
        words_to_amount(text)
    assert str(exc.value) == message


def test_money_words_refusals_in_full():
    with pytest.raises(WordsError) as exc:
        money_words(Decimal("1.5"))
    assert str(exc.value) == "số tiền đồng phải là số nguyên đồng, nhận được 1,5"
    assert money_words(Decimal("12.34"), "USD") == "Mười hai đô la Mỹ ba mươi bốn xu"


_FULL_HUNDREDS = ("nhóm sau 'nghìn/triệu/tỷ' phải đọc đủ hàng trăm (không trăm linh hai, không trăm hai mươi) "
                  "hoặc 'linh' + chữ số")


@pytest.mark.parametrize("text,position,word,reason", [
    ("linh năm nghìn đồng", 1, "linh", "nhóm đầu tiên đọc gọn, không bắt đầu bằng 'không trăm' hay 'linh'"),
    ("không nghìn đồng", 1, "không", "'không' chỉ dùng một mình (số 0) hoặc trong 'không trăm'"),
    ("một nghìn không đồng", 3, "không", "'không' chỉ dùng một mình (số 0) hoặc trong 'không trăm'"),
    ("một nghìn năm đồng", 3, "năm", _FULL_HUNDREDS),
    ("một triệu hai triệu đồng", 3, "hai", _FULL_HUNDREDS),
    ("không trăm năm đồng", 3, "năm", "sau 'trăm' một chữ số phải có 'linh' hoặc 'lẻ' đứng trước (một trăm linh năm)"),
    ("một phẩy", 0, "", "thiếu phần thập phân sau 'phẩy' (văn bản dừng giữa chừng)"),
])
def test_syntax_errors_name_the_word_and_the_rule(text, position, word, reason):
    from nscl_xl.words import WordsSyntaxError

    with pytest.raises(WordsSyntaxError) as exc:
        words_to_amount(text)
    e = exc.value
    assert (e.reason, e.text, e.position, e.word) == (reason, text, position, word)
    where = f" (từ thứ {position}: '{word}')" if position else ""
    assert str(e) == f"'{text}' không phải số tiền bằng chữ hợp lệ{where}: {reason}"


def test_negative_zero_is_written_without_am():
    assert amount_to_words(Decimal("-0")) == "Không đồng" and amount_to_words(-0) == "Không đồng"
    assert number_words(Decimal("-0.0")) == "không" and number_words(Decimal("-0.5")) == "âm không phẩy năm"
    assert money_words(Decimal("-0.00"), "USD") == "Không đô la Mỹ"
    assert money_words(Decimal("-0.05"), "USD") == "Âm không đô la Mỹ năm xu"

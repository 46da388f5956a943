"""The speed-ups of issue 17 change no result: each fast path against the plain computation it
replaced (property tests)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.worksheet import Worksheet

from nscl_xl import text
from nscl_xl.summary import _DYNAMIC_FUNCTIONS, _formula_worksheet_class, _wrapped_height, DATA_WIDTHS

_TOKENS = list(_DYNAMIC_FUNCTIONS) + ["SINGLE", "XSINGLE", " SINGLE", "SUMIFS", "SUM", "IF", "(", ")", "=", "{",
                                      "}", "A1", ",", ";", "_xlfn.", "'Dữ liệu'!$G$2:$G$9", " ", "x", "\"FILTER(\""]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=10), st.booleans())
def test_formulas_prepared_as_xlsxwriter_prepares_them(tokens, future):
    formula = "".join(tokens)
    ours, upstream = _formula_worksheet_class()(), Worksheet()
    ours.use_future_functions = upstream.use_future_functions = future
    assert ours._prepare_formula(formula) == upstream._prepare_formula(formula)
    assert ours._prepare_formula(formula, True) == upstream._prepare_formula(formula, True)


def _legacy_encoding_reference(texts):
    """The counting legacy_encoding did before it stopped at the first Vietnamese letter."""
    markers = vni = viet = letters = 0
    for t in texts:
        if text._VIET_UNICODE.search(t):
            viet += 1
        markers += sum(ch in text._TCVN3_MARKERS for ch in t)
        vni += len(text._VNI_PAIR.findall(t))
        letters += sum(ch.isalpha() for ch in t)
    if viet or not letters:
        return None
    if markers >= 2 and markers * 40 >= letters:
        return "tcvn3"
    if vni >= 3 and vni * 25 >= letters:
        return "vni"
    return None


_LEGACY_ALPHABET = st.sampled_from(list("Tæng céng µ¸¶·¹¨»¾¼½©®ª«¬\u00ad¡¢§£¤¥¦×ÞßÐþ aeoøùûõïâêåäëöüñÑ123 .,") +
                                   ["ộ", "đ", "Ư", "ă"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(_LEGACY_ALPHABET, max_size=30), max_size=8))
def test_legacy_encoding_as_the_full_count(texts):
    assert text.legacy_encoding(texts) == _legacy_encoding_reference(texts)


def test_legacy_encoding_decides_on_the_first_vietnamese_letter():
    def texts():
        yield "Tổng cộng"
        raise AssertionError("read past the first Vietnamese letter")

    assert text.legacy_encoding(texts()) is None
    assert text.legacy_encoding(["Tæng céng", "Chi phÝ µ¸¶ ¸ µ"]) == "tcvn3"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(), st.text(st.sampled_from("ab \n"), max_size=120)),
                min_size=len(DATA_WIDTHS), max_size=len(DATA_WIDTHS)))
def test_row_height_as_measured_cell_by_cell(values):
    import math

    lines = 1
    for v, w in zip(values, DATA_WIDTHS):
        if isinstance(v, str) and len(v) > w / 1.15:
            lines = max(lines, sum(math.ceil(max(len(p), 1) / (w / 1.15)) for p in v.split("\n")))
    assert _wrapped_height(values, DATA_WIDTHS) == (15.75 * lines if lines > 1 else None)

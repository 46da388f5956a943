"""Grammar-based tests of the words parser against an independent reference written here.

The reference has two parts, neither of which calls nscl_xl.words:

* a *writer* for each style: nested (the house style, written recursively on Python ints as
  DOMAIN.md §3 states it), flat (compound scales: nghìn tỷ = 10¹², tỷ tỷ = 10¹⁸) and digits
  with scale words ("5 tỷ 300 triệu"), with the documented variants chosen at random;
* a *recogniser*: a text is well-formed in a style when, after the documented variants are
  mapped to one spelling, it is exactly what the writer writes for the value a lenient
  evaluator reads from it. Digits texts are checked against their small grammar directly.

Well-formed texts must parse to their number (or be reported ambiguous with it among the
readings, and then every reading must be one the recogniser finds); mutations (a word
dropped, doubled, swapped, a scale word changed or moved) must be refused unless the
recogniser finds them well-formed, and then they must give exactly its values.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nscl_xl.words import AmbiguousWords, WordsSyntaxError, amount_to_words, words_readings, words_to_amount

from .examples import examples

ONES = "không một hai ba bốn năm sáu bảy tám chín".split()
DIGIT_VALUE = {w: i for i, w in enumerate(ONES)}
UNIT_VALUE = {**DIGIT_VALUE, "mốt": 1, "lăm": 5}
INNER = {"nghìn": 3, "triệu": 6}
SCALE = {"nghìn", "triệu", "tỷ"}
ENDS = {"phẩy", "đồng", "đô", "xu", "chẵn"}


# --- reference writer ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Variant:
    linh: str = "linh"
    thousand: str = "nghìn"
    four: str = "bốn"
    billion: str = "tỷ"
    seven: str = "bảy"
    short_gap: bool = False  # "một nghìn lẻ năm" instead of "một nghìn không trăm lẻ năm"


CANONICAL = Variant()


def digit_word(d: int, v: Variant) -> str:
    return v.seven if d == 7 else ONES[d]


def ref_group(n: int, full: bool, v: Variant) -> list[str]:
    """1 <= n <= 999 as the school rule reads it; *full* for a non-leading group."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if h or (full and not (v.short_gap and t == 0)):
        words += [digit_word(h, v), "trăm"]
    if t == 0:
        if u:
            words += ([v.linh] if words or full else []) + [digit_word(u, v)]
    elif t == 1:
        words.append("mười")
        if u:
            words.append("lăm" if u == 5 else digit_word(u, v))
    else:
        words += [digit_word(t, v), "mươi"]
        if u:
            words.append({1: "mốt", 4: v.four, 5: "lăm"}.get(u) or digit_word(u, v))
    return words


def ref_nested(n: int, v: Variant, leading: bool = True) -> list[list[str]]:
    """Segments of n >= 1: the count of tỷ is itself a number, read recursively."""
    if n >= 10**9:
        count, rest = divmod(n, 10**9)
        segments = ref_nested(count, v, leading)
        segments[-1] = segments[-1] + [v.billion]
        return segments + (ref_nested(rest, v, False) if rest else [])
    segments = []
    for scale, g in ((["triệu"], n // 10**6), ([v.thousand], n // 1000 % 1000), ([], n % 1000)):
        if g:
            segments.append(ref_group(g, not leading, v) + scale)
            leading = False
    return segments


def scale_words(exp: int, v: Variant) -> list[str]:
    k, r = divmod(exp, 9)
    return {0: [], 3: [v.thousand], 6: ["triệu"]}[r] + [v.billion] * k


def groups_of(n: int) -> list[tuple[int, int]]:
    """(group, exponent) of n, most significant first, zero groups left out."""
    out, exp = [], 0
    while n:
        n, g = divmod(n, 1000)
        if g:
            out.append((g, exp))
        exp += 3
    return out[::-1]


def ref_flat(n: int, v: Variant) -> list[list[str]]:
    return [ref_group(g, i > 0, v) + scale_words(e, v) for i, (g, e) in enumerate(groups_of(n))]


def ref_digits(n: int, v: Variant) -> list[list[str]]:
    assert n % 1000 == 0 and n
    return [[str(g)] + scale_words(e, v) for g, e in groups_of(n)]


def ref_integer(n: int, style: str, v: Variant) -> list[list[str]]:
    if n == 0:
        return [["không"]]
    return {"nested": ref_nested, "flat": ref_flat, "digits": ref_digits}[style](n, v)


def join_segments(segments: list[list[str]], commas: list[bool]) -> list[str]:
    out: list[str] = []
    for i, seg in enumerate(segments):
        out += seg
        if i < len(segments) - 1 and commas[i % len(commas)]:
            out.append(",")
    return out


def render(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" ,", ",")


# --- reference recogniser -----------------------------------------------------------------------

def canonical_tokens(text: str) -> list[str]:
    """Lower case, one spelling per variant, commas between segments dropped, short gaps expanded."""
    toks = unicodedata.normalize("NFC", text).lower().replace(",", " , ").split()
    toks = [{"lẻ": "linh", "ngàn": "nghìn", "tỉ": "tỷ", "bẩy": "bảy"}.get(t, t) for t in toks]
    toks = ["bốn" if t == "tư" and i and toks[i - 1] == "mươi" else t for i, t in enumerate(toks)]
    kept = [t for i, t in enumerate(toks)
            if not (t == "," and 0 < i < len(toks) - 1 and toks[i - 1] in SCALE
                    and toks[i + 1] not in SCALE | ENDS | {","})]
    out: list[str] = []
    for i, t in enumerate(kept):
        if t == "linh" and i and kept[i - 1] in SCALE:
            out += ["không", "trăm"]
        out.append(t)
    for i, t in enumerate(out):
        if t == "đô" and out[i + 1:i + 2] == ["la"] and out[i + 2:i + 3] != ["mỹ"]:
            out.insert(i + 2, "mỹ")
            break
    return out


def lenient_group(words: list[str]) -> int | None:
    """The value a group seems to have (None when it has no value at all); validity is
    decided later by writing the value again."""
    value, ws = 0, list(words)
    if "trăm" in ws:
        i = ws.index("trăm")
        if i != 1 or ws[0] not in DIGIT_VALUE:
            return None
        value, ws = 100 * DIGIT_VALUE[ws[0]], ws[2:]
    if ws[:1] == ["linh"]:
        ws = ws[1:]
    if "mươi" in ws:
        i = ws.index("mươi")
        if i != 1 or ws[0] not in DIGIT_VALUE:
            return None
        value, ws = value + 10 * DIGIT_VALUE[ws[0]], ws[2:]
    elif ws[:1] == ["mười"]:
        value, ws = value + 10, ws[1:]
    if ws:
        if ws[0] not in UNIT_VALUE:
            return None
        value, ws = value + UNIT_VALUE[ws[0]], ws[1:]
    return None if ws or not words else value


def split_segments(toks: list[str]) -> list[tuple[list[str], list[str]]] | None:
    segments, group, run = [], [], []
    for t in toks:
        if t in SCALE:
            if not group:
                return None
            run.append(t)
        else:
            if run:
                segments.append((group, run))
                group, run = [], []
            group.append(t)
    if not group:
        return None
    segments.append((group, run))
    return segments


def run_exponent(run: list[str]) -> tuple[int, int] | None:
    inner = INNER.get(run[0], 0) if run else 0
    billions = run[1:] if inner else run
    if any(t != "tỷ" for t in billions):
        return None
    return inner, len(billions)


def integer_values(toks: list[str]) -> set[int]:
    """Every value the integer tokens are well-formed for, in any style."""
    found: set[int] = set()
    if toks and toks[0][0].isdigit():
        value = digits_value(toks)
        return {value} if value is not None else found
    segments = split_segments(toks)
    if segments is None:
        return found
    parsed = []
    for words, run in segments:
        g, exp = lenient_group(words), run_exponent(run)
        if g is None or exp is None:
            return found
        parsed.append((g, exp))
    nested = 0
    for g, (inner, k) in parsed:
        nested = (nested + g * 10**inner) * 10 ** (9 * k)
    flat = sum(g * 10 ** (inner + 9 * k) for g, (inner, k) in parsed)
    for style, value in (("nested", nested), ("flat", flat)):
        if [t for seg in ref_integer(value, style, CANONICAL) for t in seg] == toks:
            found.add(value)
    return found


def digits_value(toks: list[str]) -> int | None:
    import re
    total, last, i = 0, None, 0
    while i < len(toks):
        pattern = r"[1-9]\d*" if i == 0 else r"[1-9]\d{0,2}"
        if not re.fullmatch(pattern, toks[i]):
            return None
        j = i + 1
        while j < len(toks) and toks[j] in SCALE:
            j += 1
        exp = run_exponent(toks[i + 1:j]) if j > i + 1 else None
        if exp is None:
            return None
        e = exp[0] + 9 * exp[1]
        if last is not None and e >= last:
            return None
        total, last, i = total + int(toks[i]) * 10**e, e, j
    return total


def recognise(text: str) -> set[Decimal]:
    """The values of *text* under the reference grammar (empty: not well-formed)."""
    toks = canonical_tokens(text)
    negative = toks[:1] == ["âm"]
    if negative:
        toks = toks[1:]
    even = toks[-1:] == ["chẵn"]
    if even:
        toks = toks[:-1]
    cents_toks: list[str] = []
    if toks[-1:] == ["đồng"]:
        form, toks = "vnd", toks[:-1]
    elif "đô" in toks:
        i = toks.index("đô")
        if toks[i:i + 3] != ["đô", "la", "mỹ"]:
            return set()
        rest, toks, form = toks[i + 3:], toks[:i], "usd"
        if rest:
            if rest[-1] != "xu" or len(rest) < 2:
                return set()
            cents_toks = rest[:-1]
    else:
        form = "bare"
    if even and form == "bare":
        return set()
    if any(t in ENDS | {"âm", "la", "mỹ"} for t in toks + cents_toks):
        return set()
    cents = 0
    if cents_toks:
        c = lenient_group(cents_toks)
        if c is None or not 1 <= c <= 99 or ref_group(c, False, CANONICAL) != cents_toks:
            return set()
        cents = c
    out = set()
    for value in integer_values(toks):
        # Built from text, never with Decimal arithmetic: the default context keeps 28 digits.
        number = Decimal(f"{value}.{cents:02d}") if form == "usd" else Decimal(value)
        if negative and (number == 0 or form != "bare"):
            continue
        out.add(number.copy_negate() if negative else number)
    return out


# --- generators -----------------------------------------------------------------------------------

GROUP = st.one_of(st.just(0), st.integers(1, 999), st.sampled_from([1, 4, 5, 10, 11, 14, 15, 21, 24, 25, 100, 101,
                                                                    104, 105, 110, 115, 121, 124, 125, 999]))
AMOUNT = st.one_of(st.integers(0, 10**60),
                   st.lists(GROUP, min_size=1, max_size=21).map(lambda gs: sum(g * 1000**i for i, g in enumerate(gs))))
VARIANT = st.builds(Variant, st.sampled_from(["linh", "lẻ"]), st.sampled_from(["nghìn", "ngàn"]),
                    st.sampled_from(["bốn", "tư"]), st.sampled_from(["tỷ", "tỉ"]), st.sampled_from(["bảy", "bẩy"]),
                    st.booleans())


@dataclass
class Spoken:
    tokens: list[str]
    value: Decimal
    style: str


@st.composite
def spoken(draw, styles=("nested", "flat", "digits")) -> Spoken:
    style = draw(st.sampled_from(styles))
    n = draw(AMOUNT)
    if style == "digits":
        n = max(n - n % 1000, 1000)
    v = draw(VARIANT)
    commas = draw(st.lists(st.booleans(), min_size=1, max_size=4))
    tokens = join_segments(ref_integer(n, style, v), commas)
    form = draw(st.sampled_from(["bare", "vnd", "usd"]))
    value = Decimal(n)
    if form == "vnd":
        tokens += ["đồng"] + (["chẵn"] if draw(st.booleans()) else [])
    elif form == "usd":
        cents = draw(st.integers(0, 99))
        tokens += ["đô", "la"] + (["Mỹ"] if draw(st.booleans()) else [])
        if cents:
            tokens += ref_group(cents, False, v) + ["xu"]
        tokens += ["chẵn"] if draw(st.booleans()) else []
        value = Decimal(f"{n}.{cents:02d}")
    elif n and draw(st.booleans()):
        tokens, value = ["âm"] + tokens, value.copy_negate()
    if form != "bare" and draw(st.booleans()):
        tokens[0] = tokens[0][:1].upper() + tokens[0][1:]
    return Spoken(tokens, value, style)


def values_of(text: str) -> list[Decimal]:
    return [Decimal(r.value) for r in words_readings(text)]


# --- properties -----------------------------------------------------------------------------------

@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spoken())
@example(Spoken("một nghìn tỷ không trăm linh một tỷ".split(), Decimal(1_001_000_000_000), "flat"))
@example(Spoken("5 tỷ 300 triệu".split(), Decimal(5_300_000_000), "digits"))
def test_well_formed_texts_read_to_their_number(s: Spoken):
    text = render(s.tokens)
    expected = recognise(text)
    assert s.value in expected, (text, expected)  # the reference agrees with itself
    assert set(values_of(text)) == expected, text
    readings = words_readings(text)
    if len(readings) == 1:
        assert Decimal(words_to_amount(text)) == s.value
    else:
        with pytest.raises(AmbiguousWords) as exc:
            words_to_amount(text)
        assert exc.value.readings == readings
        assert s.value in {Decimal(r.value) for r in exc.value.readings}


def mutations(tokens: list[str], kind: str, i: int, j: int) -> list[str] | None:
    toks = list(tokens)
    i %= len(toks)
    if kind == "drop":
        del toks[i]
    elif kind == "double":
        toks.insert(i, toks[i])
    elif kind == "swap":
        if len(toks) < 2:
            return None
        i = min(i, len(toks) - 2)
        toks[i], toks[i + 1] = toks[i + 1], toks[i]
    else:
        scales = [k for k, t in enumerate(toks) if t.lower() in {"nghìn", "ngàn", "triệu", "tỷ", "tỉ"}]
        if not scales:
            return None
        a = scales[i % len(scales)]
        if kind == "scale-change":
            others = sorted({"nghìn", "triệu", "tỷ"} - {toks[a]})
            toks[a] = others[j % len(others)]
        else:  # scale moved: two scale words trade places
            b = scales[j % len(scales)]
            if a == b:
                return None
            toks[a], toks[b] = toks[b], toks[a]
    return toks


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spoken(), st.sampled_from(["drop", "double", "swap", "scale-change", "scale-move"]),
       st.integers(0, 200), st.integers(0, 5))
def test_mutations_refused_unless_well_formed(s: Spoken, kind: str, i: int, j: int):
    toks = mutations(s.tokens, kind, i, j)
    if toks is None:
        return
    text = render(toks)
    expected = recognise(text)
    if not expected:
        with pytest.raises(WordsSyntaxError):
            words_readings(text)
    else:
        assert set(values_of(text)) == expected, text


# --- exactness against the reference writer, to 60 digits and beyond ---------------------------

@settings(max_examples=examples(500), deadline=None)
@given(AMOUNT)
def test_writer_exact_to_60_digits(n: int):
    segments = ref_integer(n, "nested", CANONICAL)
    assert amount_to_words(n, currency=False) == " ".join(t for seg in segments for t in seg)
    money = ", ".join(" ".join(seg) for seg in segments) + " đồng"
    assert amount_to_words(n) == money[0].upper() + money[1:]
    assert words_readings(amount_to_words(n))[0].value == n


@pytest.mark.parametrize("n", [10**28 + 1, 10**59 + 10**30 + 7, 10**60 - 1, 2**200 + 1, 10**999 + 1, 10**1000 - 1])
def test_exact_past_28_digits(n: int):
    text = " ".join(t for seg in ref_integer(n, "nested", CANONICAL) for t in seg)
    assert amount_to_words(n, currency=False) == text
    assert words_to_amount(text) == n
    assert amount_to_words(str(n), currency=False) == text  # a digit string too (no int/str limit involved)


def test_reference_examples_from_domain():
    # DOMAIN.md §3 wording, checked here so the reference itself can fail.
    def words(n, style="nested"):
        return " ".join(t for seg in ref_integer(n, style, CANONICAL) for t in seg)
    assert words(1_005) == "một nghìn không trăm linh năm"
    assert words(1_001_000) == "một triệu không trăm linh một nghìn"
    assert words(10**18) == "một tỷ tỷ"
    assert words(1_100_000_000_000) == "một nghìn một trăm tỷ"
    assert words(1_001_000_000_000, "flat") == "một nghìn tỷ không trăm linh một tỷ"
    assert words(2_628_000_000) == "hai tỷ sáu trăm hai mươi tám triệu"
    assert recognise("một nghìn tỷ không trăm linh một tỷ") == {Decimal(1_001_000_000_000),
                                                                 Decimal(10**21 + 10**9)}
    assert recognise("một tỷ hai tỷ") == set()
    assert recognise("hai mươi tư ngàn") == {Decimal(24_000)}
    assert recognise("mười tư") == set()

"""Amounts in Vietnamese words, both ways ("Bằng chữ"), exactly.

Writing follows the dominant accounting convention (``../shared/DOMAIN.md`` §3):

* numbers are read in 3-digit groups; empty groups are skipped; the leading group is read
  short, every later non-empty group in full ("không trăm", "linh"):
  1.005 -> "một nghìn không trăm linh năm", 1.001.000 -> "một triệu không trăm linh một nghìn";
* "tỷ" repeats above a billion, *nested*: every "tỷ" multiplies all that comes before it by
  10⁹, so the count of tỷ is itself read as a number: 10¹² "một nghìn tỷ", 10¹⁵ "một triệu
  tỷ", 10¹⁸ "một tỷ tỷ", 1.100.000.000.000 "một nghìn một trăm tỷ";
* mười/mươi, mốt, lăm (but "linh năm"), mười bốn; "âm" for negatives, "phẩy" for decimals.

Reading (:func:`words_readings`, :func:`words_to_amount`) accepts exactly the texts of a
grammar (documented in the README) and refuses every other text with
:class:`WordsSyntaxError`, which names the word at fault. The grammar covers the variants
linh/lẻ, nghìn/ngàn, tư/bốn (after tens ≥ 2), tỷ/tỉ, bảy/bẩy, capitals, NFD text, a comma
after any group, "đồng" and "chẵn" at the end, "đô la Mỹ … xu" (cents 1–99), "âm",
"phẩy", the short zero gap "một nghìn lẻ năm", "(Bằng chữ: …)" wrappers, and three ways to
read the groups:

* ``nested``: the house style above;
* ``flat``: "tỷ" as a unit in compound scales (nghìn tỷ = 10¹², triệu tỷ = 10¹⁵, tỷ tỷ
  = 10¹⁸), which several converters write: "một nghìn tỷ không trăm linh một tỷ" for
  1.001.000.000.000. The same text read nested is 10²¹ + 10⁹: such a text is *ambiguous*
  and is never resolved silently (:class:`AmbiguousWords` lists both readings);
* ``digits``: digits with scale words, "5 tỷ 300 triệu", "5 nghìn", "2.628 triệu", "1,5 tỷ".

All arithmetic is on Python ints and exact Decimals (no float, no 28-digit context, no
recursion, no int/str conversion beyond Python's limit): numbers up to
:data:`MAX_DIGITS` digits, texts up to :data:`MAX_TEXT_CHARS` characters; anything longer
is refused with a message before any work is done.

``register_num2words()`` registers the writer with num2words as ``lang="vi_VN"``
(imported lazily, so the command line starts fast).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .money import MAX_DIGITS, MoneyUnit, NotANumber, AmbiguousNumber, number_readings, parse_number, scale10
from .text import nfc

#: Longest text :func:`words_readings` reads (a 1000-digit amount in nested words is ~60 KB).
MAX_TEXT_CHARS = 200_000

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
BILLION = 10**9
_TOO_BIG = 10**MAX_DIGITS


@dataclass(frozen=True)
class WordsStyle:
    """Accepted variants of the reading. Defaults follow the seed documents."""

    zero_tens: str = "linh"  # or "lẻ"
    thousand: str = "nghìn"  # or "ngàn"
    four_after_tens: str = "bốn"  # or "tư" (hai mươi tư)
    billion: str = "tỷ"  # or "tỉ"
    group_commas: bool = True  # "Hai tỷ, sáu trăm … triệu đồng" as in the seeds
    even: bool = False  # append "chẵn"
    decimals: str = "digits"  # "digits": phẩy hai năm; "group": phẩy hai mươi lăm


STYLES = {
    "chuan": WordsStyle(),
    "le": WordsStyle(zero_tens="lẻ"),
    "ngan": WordsStyle(thousand="ngàn"),
    "mien-nam": WordsStyle(zero_tens="lẻ", thousand="ngàn", four_after_tens="tư"),
}


# --- errors -------------------------------------------------------------------------------------

class WordsError(ValueError):
    """Text that is not an amount in words, or an amount that cannot be written."""


class WordsSyntaxError(WordsError):
    """A text outside the grammar. *position* is the 1-based number of the word at fault among
    the words of the amount (after a "Bằng chữ:" wrapper; 0 when the text ends too early or is
    empty) and *word* that word."""

    def __init__(self, message: str, *, text: str = "", position: int = 0, word: str = ""):
        self.reason, self.text, self.position, self.word = message, text, position, word
        where = f" (từ thứ {position}: '{word}')" if position else ""
        super().__init__(f"'{_clip(text)}' không phải số tiền bằng chữ hợp lệ{where}: {message}")


class WordsTooLong(WordsError):
    """An amount or a text beyond the stated limits (:data:`MAX_DIGITS`, :data:`MAX_TEXT_CHARS`)."""


class AmbiguousWords(WordsError):
    """A well-formed text with several values; *readings* lists them (never one picked)."""

    def __init__(self, text: str, readings: list["Reading"]):
        self.text, self.readings = text, readings
        options = "; ".join(f"{_show(r.value)} ({r.label})" for r in readings)
        flat = [r.value for r in readings if r.style == "flat"]
        hint = (f"viết theo cách chuẩn: nếu là {_show(flat[0])}, viết \"{number_words(flat[0])}\"" if flat else
                "ghi số không có dấu ngăn nhóm nghìn (5405 triệu) hoặc dùng dấu chấm (5.405 triệu)")
        super().__init__(f"'{_clip(text)}' đọc được nhiều cách, không tự chọn: {options}. Hãy {hint}.")


def _clip(text: str, keep: int = 120) -> str:
    """*text* shortened for a message (a 10,000-digit input is not echoed whole)."""
    return text if len(text) <= keep else f"{text[:keep - 20]}… ({len(text)} ký tự)"


def _show(value) -> str:
    from .money import format_vn
    return format_vn(value)


# --- writing ------------------------------------------------------------------------------------

def _tens_words(r: int, style: WordsStyle) -> list[str]:
    """10–99: mười/mươi, mốt after tens ≥ 2, lăm after any tens, tư as a variant after tens ≥ 2."""
    tens, unit = divmod(r, 10)
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if unit == 5:
        words.append("lăm")
    elif unit == 1 and tens >= 2:
        words.append("mốt")
    elif unit == 4 and tens >= 2 and style.four_after_tens == "tư":
        words.append("tư")
    elif unit:
        words.append(DIGITS[unit])
    return words


def _group_words(g: int, full: bool, style: WordsStyle) -> list[str]:
    """A 3-digit group 1–999; *full* reads "không trăm"/"linh" as a non-leading group must."""
    hundreds, rest = divmod(g, 100)
    words = [DIGITS[hundreds], "trăm"] if hundreds or full else []
    if rest >= 10:
        words += _tens_words(rest, style)
    elif rest:
        words += ([style.zero_tens] if words else []) + [DIGITS[rest]]
    return words


def _integer_segments(digits: str, style: WordsStyle) -> list[str]:
    """Segments "<group> <scale words>" of a non-negative integer given as decimal digits.

    Iterative form of the nested reading: the digits split into 9-digit blocks c_m … c_0;
    each non-zero block is written with nghìn/triệu, and one "tỷ" follows every block but the
    last (empty blocks keep their "tỷ", which is how "một tỷ tỷ" arises).
    """
    digits = digits.lstrip("0")
    if not digits:
        return [DIGITS[0]]
    digits = "0" * (-len(digits) % 9) + digits
    blocks = [int(digits[i:i + 9]) for i in range(0, len(digits), 9)]
    segments: list[str] = []
    for j, block in enumerate(blocks):
        for g, scale in zip(((block // 10**6), (block // 1000) % 1000, block % 1000), ("triệu", style.thousand, "")):
            if g:
                words = _group_words(g, full=bool(segments), style=style)
                segments.append(" ".join(words + ([scale] if scale else [])))
        if j < len(blocks) - 1:
            segments[-1] += f" {style.billion}"
    return segments


def exact_number(value) -> Decimal:
    """int, Decimal or a string of digits ("2628000000", "2.628.000.000", "-12,5") exactly.

    Floats are refused: they have already lost digits past 2⁵³ and 1.1 is not 1.1.
    Numbers longer than :data:`MAX_DIGITS` digits are refused.
    """
    if isinstance(value, bool):
        raise WordsError("giá trị logic (TRUE/FALSE) không phải số tiền")
    if isinstance(value, int):
        if abs(value) >= _TOO_BIG:
            raise WordsTooLong(f"số có hơn {MAX_DIGITS} chữ số: quá giới hạn viết bằng chữ")
        return Decimal(value)
    if isinstance(value, float):
        raise WordsError("số thực (float) không chính xác; hãy truyền int, Decimal hoặc chuỗi chữ số")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise WordsError(f"không phải số hữu hạn: {value}")
    elif isinstance(value, str):
        try:
            value = parse_number(value)
        except AmbiguousNumber as exc:
            raise WordsError(str(exc)) from None
        except NotANumber as exc:
            detail = str(exc)
            raise WordsError(detail if detail != value else f"không phải số: {_clip(value)!r}") from None
        if value is None:
            raise WordsError("ô trống hoặc dấu gạch, không phải số")
    else:
        raise WordsError(f"không phải số: {_clip(repr(value))}")
    _check_size(value)
    return value


def _check_size(value: Decimal) -> None:
    _, digits, exponent = value.as_tuple()
    if value and (value.adjusted() >= MAX_DIGITS or exponent < -MAX_DIGITS):
        raise WordsTooLong(f"số có hơn {MAX_DIGITS} chữ số (phần nguyên hoặc phần thập phân): quá giới hạn")


def _split(value: Decimal) -> tuple[bool, str, str]:
    """(negative, integer digits, fraction digits without trailing zeros) of a checked Decimal."""
    sign, digits, exponent = value.as_tuple()
    text = "".join(map(str, digits))
    if exponent >= 0:
        return bool(sign), text + "0" * exponent, ""
    text = text.rjust(-exponent + 1, "0")
    return bool(sign), text[:exponent], text[exponent:].rstrip("0")


def number_words(value, style: WordsStyle | None = None) -> str:
    """Bare number words (lower case, no commas): "một nghìn không trăm linh năm", "âm mười hai
    phẩy năm". *value* as for :func:`exact_number`."""
    style = style or WordsStyle()
    negative, whole, frac = _split(exact_number(value))
    text = " ".join(_integer_segments(whole, style))
    if frac:
        if style.decimals == "group":
            stripped = frac.lstrip("0")
            tail = [DIGITS[0]] * (len(frac) - len(stripped)) + _integer_segments(stripped, style)
        else:
            tail = [DIGITS[int(d)] for d in frac]
        text += " phẩy " + " ".join(tail)
    return ("âm " + text) if negative and (whole.strip("0") or frac) else text


def amount_to_words(amount, *, unit: MoneyUnit = MoneyUnit.DONG, style: WordsStyle | None = None,
                    currency: bool = True) -> str:
    """Write an amount of money in Vietnamese words (money form).

    *amount* is an int, Decimal or digit string in *unit* (triệu/nghìn amounts are
    converted to đồng first, exactly). With ``currency=False`` the bare number words are
    returned (lower case, no commas, no "đồng").

    >>> amount_to_words(2_628_000_000)
    'Hai tỷ, sáu trăm hai mươi tám triệu đồng'
    >>> amount_to_words("6.370", unit=MoneyUnit.TRIEU)
    'Sáu tỷ, ba trăm bảy mươi triệu đồng'
    """
    value = scale10(exact_number(amount), unit.exponent)
    _check_size(value)
    if not currency:
        return number_words(value, style)
    return money_words(value, currency="VND", style=style)


def money_words(value, currency: str = "VND", style: WordsStyle | None = None) -> str:
    """Money form: capital first letter, "đồng" (or "đô la Mỹ … xu"), optional "chẵn"."""
    style = style or WordsStyle()
    negative, whole, frac = _split(exact_number(value))
    join = ", " if style.group_commas else " "
    cur = currency.upper()
    if cur == "VND":
        if frac:
            raise WordsError(f"số tiền đồng phải là số nguyên đồng, nhận được {_show(value)}")
        text = join.join(_integer_segments(whole, style)) + " đồng"
    elif cur == "USD":
        if len(frac) > 2:
            raise WordsError(f"số tiền đô la có quá hai chữ số thập phân: {_show(value)}")
        text = join.join(_integer_segments(whole, style)) + " đô la Mỹ"
        cents = int(frac.ljust(2, "0")) if frac else 0
        if cents:
            text += " " + " ".join(_integer_segments(str(cents), style)) + " xu"
    else:
        raise WordsError(f"chưa hỗ trợ loại tiền {currency!r} (dùng VND hoặc USD)")
    if style.even:
        text += " chẵn"
    if negative and (whole.strip("0") or frac):
        text = "âm " + text
    return text[0].upper() + text[1:]


def register_num2words() -> None:
    """Register this writer with num2words as ``lang="vi_VN"`` (the plain ``"vi"`` converter,
    wrong on zero gaps in 0.5.14, is left untouched for other code in the process)."""
    from num2words import CONVERTER_CLASSES
    from num2words.lang_VI import Num2Word_VI

    class Num2Word_VI_NSCL(Num2Word_VI):
        def __init__(self, style: WordsStyle | None = None):
            self.style = style or WordsStyle()

        def to_cardinal(self, number) -> str:
            return number_words(number, self.style)

        def to_ordinal(self, number) -> str:
            return self.to_cardinal(number)

        def to_currency(self, val, currency: str = "VND", **_) -> str:
            return money_words(val, currency=currency, style=self.style)

    CONVERTER_CLASSES["vi_VN"] = Num2Word_VI_NSCL()


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """One value a words text can mean, and the style of reading that gives it."""

    value: int | Decimal
    style: str  # "nested", "flat", "digits" or "digits-en"

    @property
    def label(self) -> str:
        return READING_STYLES[self.style]


#: Styles of reading the integer part, in order of preference, with their Vietnamese names.
READING_STYLES = {
    "nested": "đọc chuẩn: mỗi 'tỷ' nhân mọi thứ đứng trước",
    "flat": "đọc 'tỷ' như đơn vị ghép: nghìn tỷ = 10^12, triệu tỷ = 10^15, tỷ tỷ = 10^18",
    "digits": "chữ số kèm hàng, dấu phẩy thập phân",
    "digits-en": "chữ số kèm hàng, dấu phẩy ngăn nhóm nghìn kiểu Anh/Mỹ",
}

_UNIT = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9}
_DIGIT = {"không": 0, **_UNIT}
_AFTER_TEN = {**{w: d for w, d in _UNIT.items() if d != 5}, "lăm": 5}  # mười một, mười bốn, mười lăm
_AFTER_TENS = {**{w: d for w, d in _UNIT.items() if d not in (1, 5)}, "mốt": 1, "tư": 4, "lăm": 5}  # hai mươi …
_LINH = {"linh", "lẻ"}
_INNER_SCALE = {"nghìn": 3, "ngàn": 3, "triệu": 6}
_BILLION = {"tỷ", "tỉ"}
_SCALE = set(_INNER_SCALE) | _BILLION
_NUMBER_WORDS = set(_DIGIT) | {"mười", "mươi", "trăm", "mốt", "lăm", "tư"} | _LINH | _SCALE
# "(Bằng chữ: …)", and the labels of invoices and vouchers: "Số tiền viết bằng chữ:", "Tổng số tiền bằng chữ:"
_WRAPPER = re.compile(r"^[(\[\s]*(?:tổng\s+)?(?:số tiền\s+)?(?:viết\s+)?bằng chữ\s*:?\s*")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\S")
_NUMERAL = re.compile(r"\d")


@dataclass
class _Tok:
    word: str  # lower-case NFC
    pos: int  # 1-based position among the words of the text


@dataclass
class _Group:
    value: int  # 0–999
    hundreds: bool  # the hundreds place is read ("không trăm …", "năm trăm")
    short_gap: bool  # "linh năm" with no hundreds place (after a scale word: 1.005 "một nghìn lẻ năm")
    start: _Tok

    @property
    def leading_ok(self) -> bool:
        return self.value > 0 and not self.short_gap and not (self.hundreds and self.value < 100)

    @property
    def full_ok(self) -> bool:
        return self.value > 0 and (self.hundreds or self.short_gap)


@dataclass
class _Segment:
    group: _Group
    inner: int  # 0, 3 (nghìn) or 6 (triệu)
    billions: int  # how many "tỷ" follow
    scale_toks: list[_Tok]


class _Cursor:
    def __init__(self, toks: list[_Tok], text: str):
        self.toks, self.i, self.text = toks, 0, text

    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j].word if j < len(self.toks) else None

    def tok(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: _Tok | None = None) -> WordsSyntaxError:
        tok = tok or self.tok()
        if tok is None:
            return WordsSyntaxError(message + " (văn bản dừng giữa chừng)", text=self.text)
        return WordsSyntaxError(message, text=self.text, position=tok.pos, word=tok.word)


def _tokens(text: str) -> tuple[list[_Tok], str]:
    if not isinstance(text, str):
        raise WordsSyntaxError("không phải chuỗi văn bản", text=repr(text))
    if len(text) > MAX_TEXT_CHARS:
        raise WordsTooLong(f"văn bản dài {len(text)} ký tự, quá giới hạn {MAX_TEXT_CHARS} ký tự "
                           f"(số có tới {MAX_DIGITS} chữ số)")
    shown = nfc(text)
    s = _WRAPPER.sub("", shown.lower()).strip()
    s = s.strip("()[] \"“”")
    # "./." closes an amount line in administrative documents ("… đồng chẵn./.")
    s = re.sub(r"(?:\./\.|[.;,])+$", "", s).strip("()[] \"“”")
    if not s:
        raise WordsSyntaxError("không có chữ số nào", text=shown)
    return [_Tok(w, i + 1) for i, w in enumerate(_TOKEN.findall(s))], shown


def _group(cur: _Cursor) -> _Group:
    """One 3-digit group, read word by word (a small state machine, never backtracking)."""
    start = cur.tok()
    word = cur.peek()
    hundreds, value = False, 0
    if word in _DIGIT and cur.peek(1) == "trăm":
        value, hundreds = _DIGIT[word] * 100, True
        cur.take(), cur.take()
        word = cur.peek()
        if word in _UNIT and cur.peek(1) != "mươi":
            raise cur.fail(f"sau 'trăm' một chữ số phải có 'linh' hoặc 'lẻ' đứng trước "
                           f"(một trăm linh {word})")
        if word == "không":
            raise cur.fail("'không' không đứng sau 'trăm'")
    elif word in _LINH:
        pass
    elif word == "trăm":
        raise cur.fail("'trăm' phải có chữ số đứng trước")
    if word in _LINH:
        cur.take()
        unit = cur.peek()
        if unit not in _UNIT:
            raise cur.fail("sau 'linh/lẻ' phải là một chữ số từ một đến chín (linh một, linh năm)")
        cur.take()
        return _Group(value + _UNIT[unit], hundreds, not hundreds, start)
    if word == "mười":
        cur.take()
        unit = cur.peek()
        if unit in _AFTER_TEN and cur.peek(1) not in ("trăm", "mươi"):
            cur.take()
            return _Group(value + 10 + _AFTER_TEN[unit], hundreds, False, start)
        return _Group(value + 10, hundreds, False, start)
    if word in _DIGIT and cur.peek(1) == "mươi":
        if _DIGIT[word] < 2:
            raise cur.fail("'mươi' chỉ đứng sau hai … chín (hai mươi); mười đến mười chín viết 'mười'",
                           cur.toks[cur.i + 1])
        tens = _DIGIT[word]
        cur.take(), cur.take()
        unit = cur.peek()
        if unit in _AFTER_TENS and cur.peek(1) not in ("trăm", "mươi"):
            cur.take()
            return _Group(value + tens * 10 + _AFTER_TENS[unit], hundreds, False, start)
        if unit in ("một", "năm"):
            raise cur.fail(f"sau 'mươi' viết '{'mốt' if unit == 'một' else 'lăm'}', không viết '{unit}'")
        return _Group(value + tens * 10, hundreds, False, start)
    if hundreds:
        if value == 0:
            raise cur.fail("'không trăm' phải có phần sau (không trăm linh năm, không trăm mười)")
        return _Group(value, True, False, start)
    if word in _DIGIT:
        cur.take()
        return _Group(_DIGIT[word], False, False, start)
    if word in _ENDS:
        raise cur.fail(f"thiếu số trước '{word}'" if word else "thiếu chữ số")
    if word == "mươi":
        raise cur.fail("'mươi' phải có chữ số hai … chín đứng trước (hai mươi)")
    if word in ("mốt", "lăm", "tư"):
        raise cur.fail(f"'{word}' chỉ đứng sau 'mươi' hoặc 'mười' (hai mươi {word})")
    if word in _SCALE:
        raise cur.fail(f"'{word}' phải có số đứng trước")
    raise cur.fail(f"không hiểu từ '{word}' ở đây")


def _segments(cur: _Cursor) -> list[_Segment]:
    """Groups with their scale words, up to the first word that is not part of a number."""
    segments = []
    while True:
        group = _group(cur)
        inner, billions, scale_toks = 0, 0, []
        if cur.peek() in _INNER_SCALE:
            t = cur.take()
            inner, scale_toks = _INNER_SCALE[t.word], [t]
        while cur.peek() in _BILLION:
            scale_toks.append(cur.take())
            billions += 1
            if billions * 9 > MAX_DIGITS:
                raise WordsTooLong(f"quá nhiều chữ 'tỷ': số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        segments.append(_Segment(group, inner, billions, scale_toks))
        word = cur.peek()
        if word in _INNER_SCALE:
            raise cur.fail(f"'{word}' đứng sai chỗ: sau '{scale_toks[-1].word}' không có '{word}'")
        if group.value == 0 and (scale_toks or len(segments) > 1 or word not in _ENDS):
            raise cur.fail("'không' chỉ dùng một mình (số 0) hoặc trong 'không trăm'", group.start)
        if word == "," and scale_toks and cur.peek(1) not in _ENDS and cur.peek(1) not in _SCALE:
            cur.take()
            continue
        if word in _DIGIT or word in _LINH or word in ("mười", "mươi", "trăm", "mốt", "lăm", "tư"):
            if not scale_toks and word in ("mốt", "lăm", "tư"):
                raise cur.fail(f"'{word}' chỉ đứng ngay sau 'mươi' (hai mươi {word})"
                               + (" hoặc 'mười' (mười lăm)" if word == "lăm" else ""))
            if not scale_toks:
                raise cur.fail(f"'{word}' đứng sai chỗ: nhóm ba chữ số trước đó đã đủ, thiếu 'nghìn/triệu/tỷ' "
                               f"hoặc thừa từ")
            continue
        return segments


_ENDS = {None, "phẩy", "đồng", "đô", "xu", "chẵn"}


def _check_order(segments: list[_Segment], flat: bool) -> int | _Tok:
    """The value of well-formed *segments* in one style, or the word at fault."""
    first = segments[0].group
    if len(segments) == 1 and first.value == 0:  # "không": the checks in _segments allow it only alone
        return 0
    if not first.leading_ok:
        return first.start
    for s in segments[1:]:
        if not s.group.full_ok:
            return s.group.start
    # A segment out of order always has scale words: only the last segment can have none.
    total = 0
    if flat:
        last_exp = None
        for s in segments:
            exp = s.inner + 9 * s.billions
            if last_exp is not None and exp >= last_exp:
                return s.scale_toks[0]
            total += s.group.value * 10**exp
            last_exp = exp
        return total
    last_inner = None
    for s in segments:
        if last_inner is not None and s.inner >= last_inner:
            return s.scale_toks[0]
        total += s.group.value * 10**s.inner
        for _ in range(s.billions):
            total *= BILLION
        if total >= _TOO_BIG:  # checked as it grows: a long "tỷ" chain stops here, not after the work
            raise WordsTooLong(f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        last_inner = None if s.billions else s.inner
    return total


def _why(segments: list[_Segment], tok: _Tok) -> str:
    for i, s in enumerate(segments):
        if s.group.start is tok:
            if i == 0:
                return ("nhóm đầu tiên đọc gọn, không bắt đầu bằng 'không trăm' hay 'linh'" if s.group.value
                        else "'không' chỉ dùng một mình")
            return ("nhóm sau 'nghìn/triệu/tỷ' phải đọc đủ hàng trăm (không trăm linh hai, không trăm hai mươi) "
                    "hoặc 'linh' + chữ số")
    return f"'{tok.word}' đứng sai thứ tự: các hàng phải giảm dần (tỷ, triệu, nghìn) và không lặp lại"


def _word_integer(cur: _Cursor) -> list[tuple[int, str]]:
    segments = _segments(cur)
    readings, errors = [], []
    for style in ("nested", "flat"):
        found = _check_order(segments, flat=style == "flat")
        if isinstance(found, _Tok):
            errors.append(found)
        elif found >= _TOO_BIG:
            raise WordsTooLong(f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        elif found not in [v for v, _ in readings]:
            readings.append((found, style))
    if not readings:
        bad = max(errors, key=lambda t: t.pos)
        raise cur.fail(_why(segments, bad), bad)
    return readings


def _digit_integer(cur: _Cursor) -> list[tuple[int, str]]:
    """"5 tỷ 300 triệu", "2.628 triệu", "1,5 tỷ": numerals each followed by scale words, flat."""
    lead_tok = cur.take()
    if re.match(r"0(?!,)", lead_tok.word):
        raise cur.fail("số đứng đầu không bắt đầu bằng 0 (5 tỷ, 0,5 tỷ)", lead_tok)
    try:
        lead = number_readings(lead_tok.word)
    except NotANumber as exc:
        raise cur.fail(f"'{lead_tok.word}' không phải số ({exc})", lead_tok) from None
    parts = []  # (numeral token, exponent)
    tok = lead_tok
    while True:
        exp, scale_toks = 0, []
        if cur.peek() in _INNER_SCALE:
            t = cur.take()
            exp, scale_toks = _INNER_SCALE[t.word], [t]
        while cur.peek() in _BILLION:
            scale_toks.append(cur.take())
            exp += 9
        if not scale_toks:
            raise cur.fail("sau chữ số phải có 'nghìn', 'triệu' hoặc 'tỷ' (5 tỷ 300 triệu)"
                           if cur.tok() is not None else "chữ số cuối thiếu 'nghìn', 'triệu' hoặc 'tỷ'")
        if exp >= MAX_DIGITS:
            raise WordsTooLong(f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        if parts and exp >= parts[-1][1]:
            raise cur.fail("các hàng phải giảm dần (5 tỷ 300 triệu)", scale_toks[0])
        parts.append((tok, exp))
        if cur.peek() == "," and cur.peek(1) is not None and _NUMERAL.match(cur.peek(1)):
            cur.take()
        if cur.peek() is None or not _NUMERAL.match(cur.peek()):
            break
        tok = cur.take()
        if not re.fullmatch(r"[1-9]\d{0,2}", tok.word):
            raise cur.fail("sau hàng lớn, mỗi nhóm là 1–3 chữ số không bắt đầu bằng 0 (5 tỷ 300 triệu)", tok)
    if cur.peek() in _NUMBER_WORDS:
        raise cur.fail("không trộn chữ số với số viết bằng chữ")
    if len(parts) > 1 and any(r.value != int(r.value) for r in lead):
        raise cur.fail("số thập phân chỉ dùng khi chỉ có một hàng (1,5 tỷ)", parts[1][0])
    rest = sum(int(t.word) * 10**exp for t, exp in parts[1:])
    out = []
    for r in lead:
        value = scale10(r.value, parts[0][1])
        if not r.value:
            raise cur.fail("số đứng đầu phải lớn hơn 0", lead_tok)
        if value != int(value):
            raise cur.fail("số tiền phải là số nguyên đồng", lead_tok)
        value = int(value) + rest
        if value >= _TOO_BIG:
            raise WordsTooLong(f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        if value not in [v for v, _ in out]:
            out.append((value, "digits-en" if r.style == "en" else "digits"))
    return out


def _integer(cur: _Cursor) -> list[tuple[int, str]]:
    word = cur.peek()
    if word is not None and _NUMERAL.match(word):
        return _digit_integer(cur)
    return _word_integer(cur)


def _fraction(cur: _Cursor) -> list[str]:
    """Digits after "phẩy": each digit word (phẩy không năm) or a group read whole (phẩy hai mươi lăm)."""
    words = [t.word for t in cur.toks[cur.i:]]
    if not words:
        raise cur.fail("thiếu phần thập phân sau 'phẩy'")
    if all(w in _DIGIT for w in words):
        cur.i = len(cur.toks)
        return ["".join(str(_DIGIT[w]) for w in words)]
    zeros = 0
    while cur.peek() == "không":
        cur.take()
        zeros += 1
    if cur.peek() is not None and _NUMERAL.match(cur.peek()):
        raise cur.fail("phần sau 'phẩy' phải viết bằng chữ")
    values = _word_integer(cur)
    if any(v % 10 == 0 for v, _ in values):
        raise cur.fail("phần thập phân không kết thúc bằng chữ số 0 (viết 'phẩy hai', không viết 'phẩy hai mươi')",
                       cur.toks[cur.i - 1])
    if cur.tok() is not None:
        raise cur.fail("sau phần thập phân không còn gì ('đồng' không dùng với số lẻ)")
    return ["0" * zeros + str(v) for v, _ in values]


def words_readings(text: str) -> list[Reading]:
    """Every value *text* can mean, with its style; refuses text outside the grammar.

    >>> words_readings("Một nghìn tỷ không trăm linh một tỷ đồng")  # doctest: +NORMALIZE_WHITESPACE
    [Reading(value=1000000000001000000000, style='nested'), Reading(value=1001000000000, style='flat')]

    Raises :class:`WordsSyntaxError` (names the word at fault) or :class:`WordsTooLong`.
    """
    toks, shown = _tokens(text)
    cur = _Cursor(toks, shown)
    negative = cur.peek() == "âm"
    if negative:
        cur.take()
    integer = _integer(cur)
    word = cur.peek()
    frac: list[str] | None = None
    cents = 0
    if word == "phẩy":
        if integer[0][1].startswith("digits"):
            raise cur.fail("số viết bằng chữ số dùng dấu phẩy (1,5 tỷ), không dùng chữ 'phẩy'")
        cur.take()
        frac = _fraction(cur)
    elif word == "đồng":
        cur.take()
        if cur.peek() == "chẵn":
            cur.take()
    elif word == "đô":
        cur.take()
        if cur.peek() != "la":
            raise cur.fail("viết 'đô la Mỹ'")
        cur.take()
        if cur.peek() == "mỹ":
            cur.take()
        if cur.peek() not in (None, "chẵn"):
            cents_tok = cur.tok()
            if _NUMERAL.match(cents_tok.word):
                raise cur.fail("số xu viết bằng chữ (năm mươi xu)")
            cents_readings = _word_integer(cur)
            cents = cents_readings[0][0]
            if cur.peek() != "xu":
                raise cur.fail("sau số xu phải có chữ 'xu'")
            if not 1 <= cents <= 99:
                raise cur.fail("số xu phải từ 1 đến 99", cents_tok)
            cur.take()
        if cur.peek() == "chẵn":
            cur.take()
    elif word is not None:
        if word in ("xu", "chẵn"):
            raise cur.fail(f"'{word}' phải đứng sau 'đồng' hoặc 'đô la Mỹ'")
        raise cur.fail(f"không hiểu từ '{word}' ở đây" if word not in _NUMBER_WORDS and word != ","
                       else f"'{word}' đứng sai chỗ")
    if cur.tok() is not None:
        raise cur.fail("sau 'đồng'/'chẵn'/'xu' không còn từ nào" if word != "phẩy" else "thừa từ")
    out: list[Reading] = []
    for value, style in integer:
        for f in (frac or [None]):
            if f is not None:
                number: int | Decimal = Decimal(f"{value}.{f}")
            elif word == "đô":
                number = scale10(Decimal(value * 100 + cents), -2)
            else:
                number = value
            if number == 0 and negative:
                raise WordsSyntaxError("'âm không' không phải cách viết số 0", text=shown, position=1, word="âm")
            if negative:  # copy_negate: unary minus would round to the 28-digit default context
                number = number.copy_negate() if isinstance(number, Decimal) else -number
            if all(r.value != number for r in out):
                out.append(Reading(number, style))
    return out


def words_to_amount(text: str) -> int | Decimal:
    """Parse an amount written in words back to a number (int when whole; Decimal with
    "phẩy" or for dollars).

    >>> words_to_amount("(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn)")
    2628000000

    Raises :class:`WordsSyntaxError` for text outside the grammar, :class:`AmbiguousWords`
    (with ``.readings``) when the text has several values, :class:`WordsTooLong` past the limits.
    """
    readings = words_readings(text)
    if len(readings) > 1:
        raise AmbiguousWords(nfc(text), readings)
    return readings[0].value

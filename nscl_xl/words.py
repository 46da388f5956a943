"""Amounts in Vietnamese words, both ways ("Bằng chữ").

Writing follows the dominant accounting convention (``../shared/DOMAIN.md`` §3):

* numbers are read in 3-digit groups; empty groups are skipped; the leading group is read
  short, every later non-empty group in full ("không trăm", "linh"):
  1.005 -> "một nghìn không trăm linh năm", 1.001.000 -> "một triệu không trăm linh một nghìn";
* "tỷ" repeats above a billion: the count of tỷ is itself read as a number, so 10¹² is
  "một nghìn tỷ", 10¹⁵ "một triệu tỷ", 10¹⁸ "một tỷ tỷ", 1.100.000.000.000
  "một nghìn một trăm tỷ";
* mười/mươi, mốt, lăm (but "linh năm"), mười bốn; "âm" for negatives, "phẩy" for decimals.

It is built on num2words' Vietnamese converter (``Num2Word_VI``): the subclass keeps its
digit words and its reading of 10–99 and replaces what 0.5.14 gets wrong (zero gaps, scale
words past 10¹², float conversion, negatives, decimals, currency). It is registered with
num2words as ``lang="vi_VN"``, so ``num2words(1005, lang="vi_VN")`` works too; the plain
``"vi"`` converter is left untouched for other code in the same process.

Reading (:func:`words_to_amount`) accepts every variant (linh/lẻ, nghìn/ngàn, tư/bốn,
tỷ/tỉ, bảy/bẩy), capitals, commas, "đồng", "chẵn", "(Bằng chữ: …)" wrappers and NFD text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from num2words import CONVERTER_CLASSES
from num2words.lang_VI import Num2Word_VI, to_19

from .money import MoneyUnit, parse_number, NotANumber
from .text import fold, nfc

DIGITS = to_19[:10]  # không, một, …, chín: num2words' own digit words
BILLION = 10**9


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


class WordsError(ValueError):
    """Text that is not an amount in words, or an amount that cannot be written."""


class Num2Word_VI_NSCL(Num2Word_VI):
    """num2words' Vietnamese converter with the accounting reading rules."""

    def __init__(self, style: WordsStyle | None = None):
        self.style = style or WordsStyle()

    # -- pieces ------------------------------------------------------------------------------
    def _convert_nn(self, val: int) -> str:
        """10–99 via num2words (mười/mươi, mốt, lăm), plus the tư variant."""
        words = super()._convert_nn(val)
        if val >= 20 and val % 10 == 4 and self.style.four_after_tens == "tư":
            words = words[: -len("bốn")] + "tư"
        return words

    def _convert_nnn(self, val: int, full: bool = False) -> str:
        """A 3-digit group; *full* reads "không trăm"/"linh" as a non-leading group must."""
        hundreds, rest = divmod(val, 100)
        parts = []
        if hundreds or full:
            parts.append(f"{DIGITS[hundreds]} trăm")
        if rest >= 10:
            parts.append(self._convert_nn(rest))
        elif rest:
            if parts:
                parts.append(self.style.zero_tens)
            parts.append(DIGITS[rest])
        return " ".join(parts)

    def _segments(self, n: int, leading: bool = True) -> list[str]:
        """Segments "<group> <scale>" of a non-negative integer, most significant first."""
        if n >= BILLION:
            count, rest = divmod(n, BILLION)
            head = self._segments(count, leading)
            head[-1] += f" {self.style.billion}"
            return head + (self._segments(rest, leading=False) if rest else [])
        segments = []
        scales = ["", f" {self.style.thousand}", " triệu"]
        groups = [(n // 10**6) % 1000, (n // 1000) % 1000, n % 1000]
        for i, g in enumerate(groups):
            if not g:
                continue
            segments.append(self._convert_nnn(g, full=not leading) + scales[2 - i])
            leading = False
        if not segments:
            segments.append(DIGITS[0])
        return segments

    # -- num2words interface ----------------------------------------------------------------
    def vietnam_number(self, val: int) -> str:
        return " ".join(self._segments(int(val)))

    def to_cardinal(self, number) -> str:
        value = exact_number(number)
        sign = "âm " if value < 0 else ""
        value = abs(value)
        whole = int(value)
        text = sign + self.vietnam_number(whole)
        frac = value - whole
        if frac:
            digits = format(frac, "f").split(".")[1].rstrip("0")
            if self.style.decimals == "group":
                zeros = len(digits) - len(digits.lstrip("0"))
                tail = " ".join([DIGITS[0]] * zeros + [self.vietnam_number(int(digits))])
            else:
                tail = " ".join(DIGITS[int(d)] for d in digits)
            text += " phẩy " + tail
        return text

    def to_ordinal(self, number) -> str:
        return self.to_cardinal(number)

    def to_currency(self, val, currency: str = "VND", **_) -> str:
        return money_words(val, currency=currency, style=self.style)


CONVERTER_CLASSES["vi_VN"] = Num2Word_VI_NSCL()


def exact_number(value) -> Decimal:
    """int, Decimal or a string of digits ("2628000000", "2.628.000.000", "-12,5") exactly.

    Floats are refused: they have already lost digits past 2⁵³ and 1.1 is not 1.1.
    """
    if isinstance(value, bool):
        raise WordsError("giá trị logic (TRUE/FALSE) không phải số tiền")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise WordsError(f"không phải số hữu hạn: {value}")
        return value
    if isinstance(value, float):
        raise WordsError("số thực (float) không chính xác; hãy truyền int, Decimal hoặc chuỗi chữ số")
    if isinstance(value, str):
        try:
            parsed = parse_number(value)
        except NotANumber:
            parsed = None
        if parsed is None:
            raise WordsError(f"không phải số: {value!r}")
        return parsed
    raise WordsError(f"không phải số: {value!r}")


def _segments_to_text(segments: list[str], commas: bool) -> str:
    return (", " if commas else " ").join(segments)


def amount_to_words(amount, *, unit: MoneyUnit = MoneyUnit.DONG, style: WordsStyle | None = None,
                    currency: bool = True) -> str:
    """Write an amount of money in Vietnamese words (money form).

    *amount* is an int, Decimal or digit string in *unit* (triệu/nghìn amounts are
    converted to đồng first). With ``currency=False`` the bare number words are returned
    (lower case, no commas, no "đồng").

    >>> amount_to_words(2_628_000_000)
    'Hai tỷ, sáu trăm hai mươi tám triệu đồng'
    >>> amount_to_words("6.370", unit=MoneyUnit.TRIEU)
    'Sáu tỷ, ba trăm bảy mươi triệu đồng'
    """
    style = style or WordsStyle()
    value = exact_number(amount) * unit.factor
    if not currency:
        return Num2Word_VI_NSCL(style).to_cardinal(value)
    return money_words(value, currency="VND", style=style)


def money_words(value, currency: str = "VND", style: WordsStyle | None = None) -> str:
    """Money form: capital first letter, "đồng" (or "đô la Mỹ … xu"), optional "chẵn"."""
    style = style or WordsStyle()
    conv = Num2Word_VI_NSCL(style)
    value = exact_number(value)
    negative = value < 0
    value = abs(value)
    cur = currency.upper()
    if cur == "VND":
        if value != int(value):
            raise WordsError(f"số tiền đồng phải là số nguyên đồng, nhận được {value}")
        text = _segments_to_text(conv._segments(int(value)), style.group_commas) + " đồng"
    elif cur == "USD":
        cents = (value * 100)
        if cents != int(cents):
            raise WordsError(f"số tiền đô la có quá hai chữ số thập phân: {value}")
        dollars, cents = divmod(int(cents), 100)
        text = _segments_to_text(conv._segments(dollars), style.group_commas) + " đô la Mỹ"
        if cents:
            text += " " + conv.vietnam_number(cents) + " xu"
    else:
        raise WordsError(f"chưa hỗ trợ loại tiền {currency!r} (dùng VND hoặc USD)")
    if style.even:
        text += " chẵn"
    if negative:
        text = "âm " + text
    return text[0].upper() + text[1:]


# --- words -> amount ---------------------------------------------------------------------------

_DIGIT_WORDS = {"khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
                "sau": 6, "bay": 7, "tam": 8, "chin": 9, "linh": None, "le": None}
_SCALES = {"nghin": 10**3, "ngan": 10**3, "trieu": 10**6, "ty": BILLION, "ti": BILLION}
_NOISE = {"dong", "chan", "vnd", "vnđ", "bang", "chu", "le,", "va", "so", "tien", "tong", "cong"}
_WRAPPER = re.compile(r"^\W*(bang chu|viet bang chu|so tien bang chu)\s*:?\s*", re.IGNORECASE)


def _tokens(text: str) -> list[str]:
    folded = fold(nfc(text))
    folded = _WRAPPER.sub("", folded.strip("() .;"))
    folded = folded.replace("do la my", " usd ").replace("do la", " usd ")
    return [t for t in re.split(r"[\s,;:()./]+", folded) if t]


class _Number:
    """Accumulates one number < 1000 (hundreds, tens, units) from its words."""

    def __init__(self):
        self.value = 0
        self.pending: int | None = None
        self.seen = False
        self.stage = 0  # 0 start, 1 after trăm, 2 after tens or linh, 3 after units

    def digit(self, d: int, word: str) -> None:
        if self.pending is not None or self.stage >= 3:
            raise WordsError(f"hai chữ số liền nhau ở '{word}'")
        self.pending, self.seen = d, True

    def hundred(self) -> None:
        if self.pending is None or self.stage >= 1:
            raise WordsError("'trăm' đứng sai chỗ")
        self.value += self.pending * 100
        self.pending, self.stage = None, 1

    def ten(self) -> None:
        if self.stage >= 2:
            raise WordsError("'mười/mươi' đứng sai chỗ")
        self.value += (self.pending * 10) if self.pending is not None else 10
        self.pending, self.stage, self.seen = None, 2, True

    def zero_tens(self) -> None:
        # After "trăm", or right after a scale word in the short form people also write
        # ("một nghìn lẻ năm" for 1.005).
        if self.stage > 1 or self.pending is not None:
            raise WordsError("'linh/lẻ' chỉ đứng sau 'trăm' hoặc sau 'nghìn/triệu/tỷ'")
        self.stage = 1

    def close(self) -> int:
        if self.pending is not None:
            self.value += self.pending
            self.pending, self.stage = None, 3
        return self.value


def _parse_integer(tokens: list[str]) -> int:
    """An integer from its words. The last "tỷ" splits the words into the count of tỷ (itself
    a number, so read recursively: "một nghìn một trăm tỷ", "một tỷ tỷ") and the part below a
    billion — the same structure :meth:`Num2Word_VI_NSCL._segments` writes."""
    last = max((i for i, t in enumerate(tokens) if t in ("ty", "ti")), default=None)
    if last is None:
        return _parse_below_billion(tokens)
    if last == 0:
        raise WordsError("'tỷ' không có số đứng trước")
    rest = _parse_below_billion(tokens[last + 1:]) if tokens[last + 1:] else 0
    return _parse_integer(tokens[:last]) * BILLION + rest


def _parse_below_billion(tokens: list[str]) -> int:
    """A number below 10⁹: groups of up to three digits followed by "nghìn" or "triệu"."""
    total, pending_scale = 0, None  # value of the groups read so far; the last scale word seen
    num = _Number()
    for tok in tokens:
        if tok in _SCALES:
            scale = _SCALES[tok]
            if not num.seen:
                raise WordsError(f"'{tok}' không có số đứng trước")
            if pending_scale is not None and scale >= pending_scale:
                raise WordsError(f"'{tok}' đứng sai chỗ (sau một hàng nhỏ hơn)")
            total += num.close() * scale
            num, pending_scale = _Number(), scale
            continue
        if tok == "tram":
            num.hundred()
        elif tok == "muoi":
            num.ten()
        elif tok in ("linh", "le"):
            num.zero_tens()
        elif tok in _DIGIT_WORDS:
            num.digit(_DIGIT_WORDS[tok], tok)
        else:
            raise WordsError(f"không hiểu từ '{tok}'")
    if pending_scale is None and not num.seen:
        raise WordsError("không có số nào")
    return total + num.close()


def words_to_amount(text: str) -> int | Decimal:
    """Parse an amount written in words back to a number (int when whole).

    >>> words_to_amount("(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn)")
    2628000000

    Raises :class:`WordsError` with a Vietnamese message for text that is not an amount.
    """
    if not isinstance(text, str) or not text.strip():
        raise WordsError("chuỗi rỗng, không phải số tiền bằng chữ")
    tokens = [t for t in _tokens(text) if t not in _NOISE]
    negative = False
    if tokens and tokens[0] in ("am", "tru"):
        negative, tokens = True, tokens[1:]
    currency_usd = "usd" in tokens
    try:
        if currency_usd:
            i = tokens.index("usd")
            whole = Decimal(_parse_integer(tokens[:i])) if tokens[:i] else Decimal(0)
            rest = [t for t in tokens[i + 1:] if t != "xu"]
            value = whole + (Decimal(_parse_integer(rest)) / 100 if rest else 0)
        elif "phay" in tokens:
            i = tokens.index("phay")
            whole = _parse_integer(tokens[:i])
            frac_tokens = tokens[i + 1:]
            if not frac_tokens:
                raise WordsError("thiếu phần thập phân sau 'phẩy'")
            if any(t in ("muoi", "tram") or t in _SCALES for t in frac_tokens):
                zeros = 0
                while frac_tokens and frac_tokens[0] == "khong":
                    zeros, frac_tokens = zeros + 1, frac_tokens[1:]
                digits = "0" * zeros + str(_parse_integer(frac_tokens))
            else:
                if any(t not in _DIGIT_WORDS or _DIGIT_WORDS[t] is None for t in frac_tokens):
                    raise WordsError("phần sau 'phẩy' không phải chữ số")
                digits = "".join(str(_DIGIT_WORDS[t]) for t in frac_tokens)
            value = Decimal(f"{whole}.{digits}")
        else:
            value = _parse_integer(tokens)
    except WordsError as exc:
        raise WordsError(f"'{nfc(text)}' không phải số tiền bằng chữ hợp lệ: {exc}") from None
    except InvalidOperation:  # pragma: no cover - digits are built from known words
        raise WordsError(f"'{nfc(text)}' không phải số tiền bằng chữ hợp lệ") from None
    if isinstance(value, Decimal) and value == int(value) and not currency_usd and "phay" not in tokens:
        value = int(value)
    return -value if negative else value

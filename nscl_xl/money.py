"""Exact money: Vietnamese number parsing and conversion between money units.

Amounts are held as :class:`decimal.Decimal` in the unit the table is printed in and
converted to whole đồng with integer arithmetic only. Floats never take part in a
comparison: a float read from a cell is turned into the shortest decimal that prints the
same (``repr``), which is what the user saw in Excel.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from .text import fold


class MoneyUnit(enum.Enum):
    """A money unit used in plan tables, with its size in đồng."""

    DONG = 1
    NGHIN = 1_000
    TRIEU = 1_000_000
    TY = 1_000_000_000

    @property
    def factor(self) -> int:
        return self.value

    @property
    def exponent(self) -> int:
        """The power of ten of the unit in đồng (0, 3, 6, 9)."""
        return len(str(self.value)) - 1

    @property
    def label(self) -> str:
        """Vietnamese name, as printed in a unit line."""
        return _LABELS[self]

    @property
    def key(self) -> str:
        """ASCII name used on the command line (dong, nghin, trieu, ty)."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> "MoneyUnit":
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"đơn vị tiền không hợp lệ: {key!r} (dùng dong, nghin, trieu hoặc ty)") from None


_LABELS = {
    MoneyUnit.DONG: "đồng",
    MoneyUnit.NGHIN: "nghìn đồng",
    MoneyUnit.TRIEU: "triệu đồng",
    MoneyUnit.TY: "tỷ đồng",
}

# Longest first so "nghìn đồng" is not read as "đồng".
_UNIT_PATTERNS = [
    (re.compile(r"\b(trieu dong|tr\.? ?dong|trd|tr\.d)\b"), MoneyUnit.TRIEU),  # "tr.đ"
    (re.compile(r"\b(nghin dong|ngan dong|ng\.? ?dong|1\.?000 dong)\b"), MoneyUnit.NGHIN),
    (re.compile(r"\b(ty dong|ti dong)\b"), MoneyUnit.TY),
    (re.compile(r"(\bdong\b|\bvnd\b|\(d\))"), MoneyUnit.DONG),
]


def find_unit(text: str) -> MoneyUnit | None:
    """The money unit named in *text* ("Đơn vị tính: Triệu đồng", "Kinh phí (nghìn đồng)")."""
    folded = fold(text)
    for pattern, unit in _UNIT_PATTERNS:
        if pattern.search(folded):
            return unit
    return None


class NotANumber(ValueError):
    """Raised when text in a number column is not a number."""


@dataclass(frozen=True)
class NumberReading:
    """One way to read a number typed as text: its value and the convention it follows.

    *style* is ``"vi"`` ("." groups thousands, "," is the decimal mark), ``"en"``
    ("," groups thousands, "." is the decimal mark) or ``"plain"`` (digits only, or a form
    both conventions read the same way).
    """

    value: Decimal
    style: str

    @property
    def label(self) -> str:
        return _STYLE_LABELS[self.style]


_STYLE_LABELS = {
    "plain": "chữ số",
    "vi": "kiểu Việt Nam: dấu chấm ngăn nhóm nghìn, dấu phẩy thập phân",
    "en": "kiểu Anh/Mỹ: dấu phẩy ngăn nhóm nghìn, dấu chấm thập phân",
}


class AmbiguousNumber(NotANumber):
    """Text that reads as two different numbers ("5,405": 5,405 or 5405); never guessed.

    A subclass of :class:`NotANumber`, so code that only knows "not a number" refuses it too.
    """

    def __init__(self, text: str, readings: list[NumberReading]):
        self.text = text
        self.readings = readings
        options = " hoặc ".join(f"{format(r.value, 'f').replace('.', ',')} ({r.label})" for r in readings)
        super().__init__(f"'{text}' có {len(readings)} cách đọc: {options}; không đoán. Hãy ghi rõ: bỏ dấu ngăn "
                         f"nhóm nghìn ({text.replace(',', '')}) hoặc ghi thêm chữ số 0 sau phần thập phân ({text}0).")


#: Longest number text (digits and separators) read; longer text is refused, not cut.
MAX_DIGITS = 1000

_CURRENCY_SUFFIX = re.compile(r"\s*(vnđ|vnd|đồng|dong|đ)\.?\s*$", re.IGNORECASE)
_LEAD = r"[1-9]\d{0,2}"  # the first group of a grouped number never starts with 0
_GROUPED_DOT = re.compile(rf"{_LEAD}(\.\d{{3}})+")
_GROUPED_COMMA = re.compile(rf"{_LEAD}(,\d{{3}})+")
_ZERO_LED_DOT = re.compile(r"\d*(\.\d{3})+")  # "0.500", "000.001", ".500": a 0 or empty group cannot lead
_PLAIN = re.compile(r"\d+")
_EMPTY_MARKS = {"-", "–", "—", "x", ""}


def number_readings(text: str) -> list[NumberReading]:
    """Every reading of a number typed as text, exactly; ``[]`` for an empty mark ("", "-").

    Vietnamese: "." groups thousands and "," is the decimal mark ("5.405" -> 5405,
    "12,5" -> 12.5, "1.234.567,89"). English "1,234,567.89" is read when the separators
    allow only that reading. A lone "," followed by exactly three digits ("5,405") is
    both a Vietnamese decimal (5,405) and an English grouping (5405): two readings.
    A lone "." followed by three digits is Vietnamese grouping ("1.500" -> 1500), the
    convention of the plans. A grouped number cannot start with a 0 group ("0.500",
    "000.001" are refused). Leading zeros of plain digits are quantities ("01" -> 1).
    Raises :class:`NotANumber` for text that is not a number.
    """
    if not isinstance(text, str):
        raise NotANumber(str(text))
    if len(text) > 4 * MAX_DIGITS:
        raise NotANumber(f"'{text[:30]}…': chuỗi dài {len(text)} ký tự, quá giới hạn {MAX_DIGITS} chữ số")
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    s = _CURRENCY_SUFFIX.sub("", s)
    if s in _EMPTY_MARKS:
        return []
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s[:1] in ("-", "−", "–"):
        negative, s = True, s[1:].strip()
    elif s[:1] == "+":
        s = s[1:].strip()
    s = re.sub(r"(?<=\d) (?=\d{3}\b)", "", s)  # "1 234 567"
    if not s or not re.fullmatch(r"[0-9.,]+", s):  # ASCII digits only: "١٢" is not typed in a plan
        raise NotANumber(text)
    if sum(ch.isdigit() for ch in s) > MAX_DIGITS:
        raise NotANumber(f"'{s[:30]}…': số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
    found = [(_exact(digits, negative), style) for digits, style in _digit_forms(s, text)]
    return [NumberReading(value, style) for value, style in found]


def _digit_forms(s: str, text: str) -> list[tuple[str, str]]:
    """Plain decimal strings ("5405", "5.405") for each convention *s* can be read in."""
    if _PLAIN.fullmatch(s):
        return [(s, "plain")]
    if _GROUPED_DOT.fullmatch(s):
        return [(s.replace(".", ""), "vi")]
    if _ZERO_LED_DOT.fullmatch(s):
        raise NotANumber(f"'{text}': số có dấu chấm ngăn nhóm nghìn không thể bắt đầu bằng nhóm 0; "
                         f"nếu là số thập phân, hãy dùng dấu phẩy (ví dụ 0,5)")
    if _GROUPED_COMMA.fullmatch(s):
        if s.count(",") > 1:
            return [(s.replace(",", ""), "en")]
        whole, frac = s.split(",")
        return [(f"{whole}.{frac}", "vi"), (whole + frac, "en")]
    if "." in s and "," in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        whole, _, frac = s.rpartition(dec)
        if not (_PLAIN.fullmatch(frac) and re.fullmatch(r"(%s(\%s\d{3})*|0)" % (_LEAD, grp), whole)):
            raise NotANumber(text)
        return [(whole.replace(grp, "") + "." + frac, "vi" if dec == "," else "en")]
    if re.fullmatch(r"\d*,\d+", s):
        return [(s.replace(",", "."), "vi")]
    if re.fullmatch(r"\d*\.\d+", s):  # "1.5", "0.25": a "." not followed by 3 digits groups nothing
        return [(s, "en")]
    raise NotANumber(text)


def _exact(digits: str, negative: bool) -> Decimal:
    value = Decimal(digits)  # construction from a string is exact in any context
    return value.copy_negate() if negative else value


def parse_number(text: str) -> Decimal | None:
    """The number typed as text, exactly (see :func:`number_readings` for the conventions).

    Returns None for an empty mark ("", "-"); raises :class:`AmbiguousNumber` when the
    text has two readings and :class:`NotANumber` when it is not a number.
    """
    readings = number_readings(text)
    if not readings:
        return None
    if len(readings) > 1:
        raise AmbiguousNumber(text.strip(), readings)
    return readings[0].value


def ambiguity(text: str) -> AmbiguousNumber | None:
    """The :class:`AmbiguousNumber` error *text* raises, or None (a number, empty, or not a number)."""
    try:
        parse_number(text)
    except AmbiguousNumber as exc:
        return exc
    except NotANumber:
        return None
    return None


def to_decimal(value: object) -> Decimal | None:
    """A cell value (int, float, Decimal, numeric text) as an exact Decimal."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotANumber(str(value))
        return value
    if isinstance(value, int):
        if abs(value) >= _TOO_BIG:
            raise NotANumber(f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotANumber(str(value))
        # repr is the shortest text that reads back as this double: the digits the file holds
        # (Excel writes 15-17 significant digits). int(value) would expand 1e+300 into the
        # double's binary digits.
        d = Decimal(repr(value))
        if abs(d.adjusted()) >= MAX_DIGITS:
            raise NotANumber(f"số có hơn {MAX_DIGITS} chữ số, quá giới hạn")
        if value.is_integer():
            return d.quantize(Decimal(1), context=EXACT) if d.as_tuple().exponent > 0 else d.to_integral_value()
        return d.normalize()
    if isinstance(value, str):
        return parse_number(value)
    raise NotANumber(str(value))


_TOO_BIG = 10**MAX_DIGITS

#: Decimal arithmetic here never rounds: a context far wider than any number read
#: (the default context keeps 28 digits and would round 10^28 + 1 silently).
EXACT = Context(prec=4 * MAX_DIGITS + 40, Emax=10**6, Emin=-(10**6))


def scale10(value: Decimal, places: int) -> Decimal:
    """*value* × 10^places, exactly (the exponent moves; no context, no rounding)."""
    sign, digits, exponent = value.as_tuple()
    return Decimal((sign, digits, exponent + places))


def to_dong(value: Decimal, unit: MoneyUnit) -> int:
    """Convert an amount in *unit* to whole đồng, rounding only below one đồng.

    Float noise such as 3.3000000000000003 triệu becomes 3,300,000 đồng.
    """
    # scale10 is exact and to_integral_value rounds only the fraction: no context precision involved.
    return int(scale10(Decimal(value), unit.exponent).to_integral_value())


def convert(value: Decimal, src: MoneyUnit, dst: MoneyUnit) -> Decimal:
    """Convert between units exactly (a shift of the decimal point)."""
    if not value:
        return Decimal(0)
    with localcontext(EXACT):
        return scale10(Decimal(value), src.exponent - dst.exponent).normalize()


def format_vn(value: Decimal | int, decimals: int | None = None) -> str:
    """Format a number the Vietnamese way: "." groups thousands, "," decimals.

    >>> format_vn(Decimal("2628000000"))
    '2.628.000.000'
    >>> format_vn(Decimal("12.5"))
    '12,5'
    """
    with localcontext(EXACT):
        d = Decimal(value)
        if decimals is not None:
            d = d.quantize(Decimal(1).scaleb(-decimals))
    sign = "-" if d < 0 else ""
    text = format(d.copy_abs(), "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0") if decimals is None else frac
    groups = []
    while len(whole) > 3:
        groups.append(whole[-3:])
        whole = whole[:-3]
    groups.append(whole)
    out = ".".join(reversed(groups))
    return sign + out + ("," + frac if frac else "")

"""Exact money: Vietnamese number parsing and conversion between money units.

Amounts are held as :class:`decimal.Decimal` in the unit the table is printed in and
converted to whole đồng with integer arithmetic only. Floats never take part in a
comparison: a float read from a cell is turned into the shortest decimal that prints the
same (``repr``), which is what the user saw in Excel.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal, InvalidOperation

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


_CURRENCY_SUFFIX = re.compile(r"\s*(vnđ|vnd|đồng|dong|đ)\.?\s*$", re.IGNORECASE)
_GROUPED_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_PLAIN = re.compile(r"^\d+$")
_DECIMAL_ANY = re.compile(r"^\d*[.,]\d+$")
_EMPTY_MARKS = {"-", "–", "—", "x", ""}


def parse_number(text: str) -> Decimal | None:
    """Parse a number typed as text, Vietnamese or English style, exactly.

    Vietnamese: "." groups thousands and "," is the decimal mark ("5.405" -> 5405,
    "12,5" -> 12.5, "1.234.567,89"). English "1,234,567.89" is accepted when the
    separators make it unambiguous. A lone separator with three digits after it
    follows the Vietnamese reading ("1.500" -> 1500, "1,5" -> 1.5). Leading zeros
    ("01") are quantities. Returns None for an empty mark ("", "-"); raises
    :class:`NotANumber` otherwise.
    """
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    s = _CURRENCY_SUFFIX.sub("", s)
    if s in _EMPTY_MARKS:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s[:1] in "-−–":
        negative, s = True, s[1:].strip()
    elif s[:1] == "+":
        s = s[1:].strip()
    s = re.sub(r"(?<=\d) (?=\d{3}\b)", "", s)  # "1 234 567"
    if not s or not re.fullmatch(r"[\d.,]+", s):
        raise NotANumber(text)
    if _PLAIN.match(s):
        digits = s
    elif _GROUPED_DOT.match(s):
        digits = s.replace(".", "")
    elif _GROUPED_COMMA.match(s) and s.count(",") > 1:
        digits = s.replace(",", "")
    elif "." in s and "," in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        grp = "." if dec == "," else ","
        whole, _, frac = s.rpartition(dec)
        if not (_PLAIN.match(frac) and (re.fullmatch(r"\d{1,3}(\%s\d{3})*" % grp, whole))):
            raise NotANumber(text)
        digits = whole.replace(grp, "") + "." + frac
    elif _DECIMAL_ANY.match(s):
        digits = s.replace(",", ".")
    else:
        raise NotANumber(text)
    try:
        value = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - guarded by the patterns above
        raise NotANumber(text) from None
    return -value if negative else value


def to_decimal(value: object) -> Decimal | None:
    """A cell value (int, float, Decimal, numeric text) as an exact Decimal."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotANumber(str(value))
        return Decimal(repr(value)).normalize() if not value.is_integer() else Decimal(int(value))
    if isinstance(value, str):
        return parse_number(value)
    raise NotANumber(str(value))


def to_dong(value: Decimal, unit: MoneyUnit) -> int:
    """Convert an amount in *unit* to whole đồng, rounding only below one đồng.

    Float noise such as 3.3000000000000003 triệu becomes 3,300,000 đồng.
    """
    return int((value * unit.factor).to_integral_value())


def convert(value: Decimal, src: MoneyUnit, dst: MoneyUnit) -> Decimal:
    """Convert between units exactly (Decimal division by a power of ten is exact)."""
    return (value * src.factor / dst.factor).normalize() if value else Decimal(0)


def format_vn(value: Decimal | int, decimals: int | None = None) -> str:
    """Format a number the Vietnamese way: "." groups thousands, "," decimals.

    >>> format_vn(Decimal("2628000000"))
    '2.628.000.000'
    >>> format_vn(Decimal("12.5"))
    '12,5'
    """
    d = Decimal(value)
    if decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-decimals))
    sign = "-" if d < 0 else ""
    d = abs(d)
    text = format(d, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0") if decimals is None else frac
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = ".".join(groups)
    return sign + out + ("," + frac if frac else "")

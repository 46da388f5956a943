"""Excel custom functions: =BANGCHU(A1) and =SOTIEN(A2).

Classic xlwings (Windows: "Import Functions" with UDF_MODULES = nscl_xl.udfs), xlwings Lite
and xlwings Server all pick these up through ``xw.func``. They never raise into Excel: an
empty cell gives an empty text, anything that is not an amount gives a readable sentence
instead of an error dialog or #VALUE!.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import xlwings as xw

from .money import AmbiguousNumber, MoneyUnit, NotANumber, format_vn, to_decimal
from .words import STYLES, AmbiguousWords, WordsError, amount_to_words, words_to_amount

_UNITS = {"": MoneyUnit.DONG, "dong": MoneyUnit.DONG, "đồng": MoneyUnit.DONG, "nghin": MoneyUnit.NGHIN,
          "nghìn": MoneyUnit.NGHIN, "ngan": MoneyUnit.NGHIN, "ngàn": MoneyUnit.NGHIN, "trieu": MoneyUnit.TRIEU,
          "triệu": MoneyUnit.TRIEU, "ty": MoneyUnit.TY, "tỷ": MoneyUnit.TY}


def _text(value) -> str:
    return "" if value is None else str(value).strip().lower()


@xw.func
@xw.arg("amount", doc="Số tiền (ô hoặc số)")
@xw.arg("unit", doc="Đơn vị của số tiền: dong (mặc định), nghin, trieu")
@xw.arg("style", doc="Kiểu đọc: chuan (mặc định), le, ngan, mien-nam")
@xw.arg("chan", doc="TRUE để thêm 'chẵn'")
def BANGCHU(amount, unit="dong", style="chuan", chan=False):
    """Số tiền bằng chữ, ví dụ =BANGCHU(F27; "trieu") -> "Sáu tỷ, ba trăm bảy mươi triệu đồng"."""
    if amount is None or amount == "":
        return ""
    unit_key, style_key = _text(unit), _text(style) or "chuan"
    if unit_key not in _UNITS:
        return f"Đơn vị '{unit}' không hợp lệ (dùng dong, nghin hoặc trieu)"
    if style_key not in STYLES:
        return f"Kiểu đọc '{style}' không hợp lệ (dùng chuan, le, ngan hoặc mien-nam)"
    try:
        value = to_decimal(amount)
        if value is None:
            return ""
        words_style = dataclasses.replace(STYLES[style_key], even=bool(chan))
        return amount_to_words(value, unit=_UNITS[unit_key], style=words_style)
    except AmbiguousNumber as exc:
        return f"Số mơ hồ: {exc}"
    except NotANumber:
        return f"Không phải số tiền: {amount!r}"
    except WordsError as exc:
        return f"Không viết được: {exc}"


#: Excel keeps 15 significant digits; a longer amount is returned as exact text, not rounded.
EXCEL_DIGITS = 15


@xw.func
@xw.arg("text", doc="Số tiền bằng chữ")
def SOTIEN(text):
    """Đọc số tiền bằng chữ thành số (đồng), ví dụ =SOTIEN("Hai tỷ, sáu trăm hai mươi tám triệu đồng").

    Văn bản đọc được nhiều cách thì trả về câu nêu các cách đọc, không trả về số; số quá 15 chữ số
    (giới hạn của Excel) trả về dạng văn bản chính xác.
    """
    if text is None or str(text).strip() == "":
        return ""
    try:
        value = words_to_amount(str(text))
    except AmbiguousWords as exc:
        return f"Mơ hồ: {exc}"
    except WordsError as exc:
        return f"Không đọc được: {exc}"
    if len(value.as_tuple().digits if isinstance(value, Decimal) else str(abs(value))) > EXCEL_DIGITS:
        return format_vn(value)
    return int(value) if value == int(value) else float(value)

"""Findings: what a check found, where, and what it expected — as data.

Modelled on Beancount's error records: plain values carrying their source location. The
JSON form has at least the keys ``file, sheet, cell, rule, severity, message, expected,
found``; amounts in ``expected``/``found``/``difference`` are in the table's unit, named in
``unit``, with the đồng value alongside where it applies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import functools
import math
from decimal import Decimal

ERROR = "error"
WARNING = "warning"

#: Stable rule ids and what each checks (Vietnamese titles are shown to users).
RULES = {
    "parent-sum": "Dòng mục lớn phải bằng tổng các dòng con",
    "row-sum": "Tổng kinh phí của dòng phải bằng tổng các năm",
    "qty-price": "Thành tiền phải bằng số lượng × đơn giá",
    "whole-units": "Kinh phí từng năm phải là số nguyên lần đơn giá",
    "grand-total": "Dòng tổng cộng phải bằng tổng các mục",
    "words": "Số tiền bằng chữ phải khớp tổng cộng",
    "stated-total": "Tổng kinh phí nêu ở nơi khác phải khớp bảng",
    "rounding": "Chênh lệch nằm trong sai số làm tròn của bảng",
    "number-as-text": "Số được nhập dạng văn bản (hàm SUM của Excel bỏ qua)",
    "not-a-number": "Ô trong cột số không phải là số",
    "ambiguous-number": "Số nhập dạng văn bản đọc được hai cách (5,405: thập phân hay nhóm nghìn)",
    "typed-subtotal": "Dòng tổng phụ nhập tay trong khi các dòng cùng cấp dùng công thức",
    "stale-formula": "Công thức thiếu giá trị lưu sẵn hoặc giá trị lưu sẵn sai",
    "duplicate-code": "Mã số dòng bị trùng",
    "orphan-code": "Mã số dòng không có mục cha",
    "duplicate-column": "Cột bị lặp trong tiêu đề",
    "unit-missing": "Bảng không ghi đơn vị tính",
    "legacy-encoding": "Văn bản gõ bằng bảng mã cũ (TCVN3/VNI)",
    "no-table": "Không tìm thấy bảng dự toán",
    "unread-number": "Số trong vùng bảng không được đọc vào bảng",
    "year-header": "Tiêu đề cột giống năm nhưng không đọc được thành cột năm",
    "subtotal": "Dòng cộng mục phải bằng mục đó",
    "hidden-sheet": "Bảng dự toán nằm trên trang bị ẩn",
    "uncached-formula": "Công thức không có giá trị lưu sẵn; công cụ đã tự tính",
    "formula-not-evaluable": "Công thức không có giá trị lưu sẵn và công cụ không tính được",
    "nothing-checked": "Không có số liệu nào được kiểm tra",
    "read-error": "Không đọc được tệp",
    # A file that could not be read, by what is wrong with it (message and what to do in each finding)
    "open-failed": "Không mở được tệp",
    "empty-file": "Tệp rỗng",
    "not-a-file": "Không phải tệp thường (FIFO, thiết bị…)",
    "not-a-workbook": "Không phải bảng tính Excel",
    "old-excel-format": "Định dạng Excel quá cũ (Excel 2.x–4.0)",
    "encrypted": "Tệp đặt mật khẩu",
    "damaged": "Tệp bị hỏng",
    "xml-dtd": "Tệp chứa khai báo DTD (không có trong tệp Excel thật)",
    "zip-bomb": "Phần nén bất thường",
    "too-large": "Tệp vượt giới hạn kích thước",
    "too-many-cells": "Tệp có quá nhiều ô",
    "too-many-merges": "Trang có quá nhiều vùng gộp ô",
    "timeout": "Đọc tệp quá thời gian cho phép",
    "reader-panic": "Thư viện đọc tệp gặp lỗi với tệp này",
    "reader-crashed": "Trình đọc tệp dừng đột ngột",
    "internal-error": "Lỗi nội bộ của công cụ (đã ghi nhật ký)",
    # Consolidation and outputs
    "duplicate-plan": "Bản sao của một kế hoạch đã tính",
    "plan-conflict": "Hai kế hoạch khác nhau của cùng tỉnh, cùng loại, năm trùng nhau",
    "write-error": "Không ghi được tệp kết quả",
    "edit-refused": "Không sửa được tệp theo cách an toàn",
    "usage": "Yêu cầu không thực hiện được",
    "error": "Lỗi",
}


@dataclass
class Finding:
    file: str
    sheet: str
    cell: str
    rule: str
    severity: str
    message: str
    expected: str | None = None
    found: str | None = None
    difference: str | None = None
    unit: str | None = None
    line: str | None = None  # code and item of the line concerned
    consequence_of: str | None = None  # "Sheet!F25" when this follows from another finding
    extra: dict = field(default_factory=dict)

    @property
    def where(self) -> str:
        return "!".join(p for p in (self.sheet, self.cell) if p)

    def to_dict(self) -> dict:
        d = asdict(self)
        extra = d.pop("extra")
        d.update(extra)
        return d


SEVERITY_VN = {ERROR: "LỖI", WARNING: "CẢNH BÁO"}
#: Columns of every "Kiểm tra" listing (annotated copy, summary workbook, Excel button).
CHECK_HEADERS = ["Tệp", "Trang", "Ô", "Mức độ", "Quy tắc", "Nội dung", "Đúng ra", "Đang ghi", "Chênh lệch", "Đơn vị",
                 "Hệ quả của"]


def check_row(f: "Finding", file: str | None = None) -> list:
    """A finding as a row under :data:`CHECK_HEADERS` (*file* overrides how the file is shown)."""
    return [f.file if file is None else file, f.sheet, f.cell, SEVERITY_VN.get(f.severity, f.severity), f.rule,
            f.message, f.expected, f.found, f.difference, f.unit, f.consequence_of]


#: Columns of a check row holding amounts (expected, found, difference): numbers in a sheet.
CHECK_NUMBER_COLUMNS = (6, 7, 8)


def check_value(value) -> object:
    """An expected/found/difference text as an exact Decimal where it is a number, else the text
    ("Kiểm tra" sheets show numbers as numbers, so a reviewer can sum and sort them)."""
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return str(value)
    return d if d.is_finite() else str(value)


#: Characters per unit of Excel column width: a safe estimate for Vietnamese text in Times New
#: Roman 12 or Calibri 11.
CHARS_PER_WIDTH = 1 / 1.15


def wrapped_lines(values, widths) -> int:
    """Lines a row of wrapped text needs when each value is shown in a column *widths[i]* wide
    (Excel width units). Files do not re-measure rows on opening, so a writer that wraps text
    must set the row height itself. Called for every data row of a summary: the common case
    (nothing wider than its column) is one comparison a cell, and a long text is measured once."""
    lines = 1
    for v, limit in zip(values, _limits(tuple(widths))):
        if v.__class__ is str and len(v) > limit:
            n = _text_lines(v, limit)
            if n > lines:
                lines = n
    return lines


@functools.lru_cache(maxsize=64)
def _limits(widths: tuple) -> list[float]:
    return [w * CHARS_PER_WIDTH for w in widths]


@functools.lru_cache(maxsize=4096)
def _text_lines(text: str, limit: float) -> int:
    return sum(math.ceil(max(len(part), 1) / limit) for part in text.split("\n"))


def dec_str(value: Decimal | int | None) -> str | None:
    """Decimal as plain text for JSON ("5405", "12.5"), exact."""
    if value is None:
        return None
    d = Decimal(value)
    text = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text

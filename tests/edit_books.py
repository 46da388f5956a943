"""Workbooks for the editing tests: a budget table with everything a clerk's file carries around
it (formula columns to the right, validations, names, conditional formats, a chart, an image, a
text box, a form button, a note, a hyperlink, widths, an autofilter, a second sheet reading it, an
Excel table elsewhere), written by XlsxWriter with correct cached values."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal
from pathlib import Path

SHEET = "Dự toán"
# (code, item, unit, quantity, price); parents have no quantity/price
LINES = [("1", "Hội nghị, hội thảo", None, None, None),
         ("1.1", "Hội nghị triển khai", "Cuộc", 5, 30),
         ("1.2", "Hội thảo chuyên đề", "Cuộc", 3, 25),
         ("2", "Đào tạo", None, None, None),
         ("2.1", "Lớp tập huấn", "Lớp", 10, 12)]
FIRST = 4  # 1-based row of the first line
TOTAL_ROW = FIRST + len(LINES)  # 9: "Tổng cộng"


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (red pixels), built here so the test owns its image."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def amounts() -> dict[int, Decimal]:
    """Amount (column F) per 1-based row as the table shows it after filling."""
    out: dict[int, Decimal] = {}
    parent = None
    for i, (code, _, _, q, p) in enumerate(LINES):
        r = FIRST + i
        if q is None:
            parent = r
            out[r] = Decimal(0)
        else:
            out[r] = Decimal(q * p)
            out[parent] += out[r]
    return out


def rich_workbook(path: Path, vba: bytes | None = None) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    if vba is not None:
        vba_path = path.with_name("vbaProject.bin")
        vba_path.write_bytes(vba)
        wb.add_vba_project(str(vba_path))
    font = {"font_name": "Times New Roman", "font_size": 12}
    head = wb.add_format({**font, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                          "text_wrap": True})
    body = wb.add_format({**font, "border": 1})
    money = wb.add_format({**font, "border": 1, "num_format": "#,##0"})
    title = wb.add_format({**font, "bold": True, "align": "center"})
    ws = wb.add_worksheet(SHEET)
    ws.merge_range("A1:J1", "KẾ HOẠCH GIAI ĐOẠN 2026 - 2030", title)
    ws.write("A2", "Đơn vị tính: triệu đồng", wb.add_format({**font, "italic": True}))
    for c, h in enumerate(["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí", "Ghi chú"]):
        ws.write(2, c, h, head)
    ws.write(2, 8, "Một nửa", head)
    ws.set_column("A:A", 6)
    ws.set_column("B:B", 34)
    ws.set_column("F:F", 14)
    ws.set_column("G:G", 30)
    ws.set_column("I:I", 12)
    amt = {r: (Decimal(q * p) if q is not None else None) for r, (_, _, _, q, p) in
           zip(range(FIRST, TOTAL_ROW), LINES)}
    for i, (code, item, unit, q, p) in enumerate(LINES):
        r = FIRST + i - 1  # 0-based
        ws.write(r, 0, code, body)
        ws.write(r, 1, item, body)
        ws.write(r, 2, unit, body)
        ws.write(r, 3, q, money)
        ws.write(r, 4, p, money)
        if amt[r + 1] is not None:
            ws.write_number(r, 5, int(amt[r + 1]), money)
        else:
            ws.write_blank(r, 5, None, money)
        ws.write_blank(r, 6, None, body)
        half = (amt[r + 1] or 0) / 2
        ws.write_formula(r, 8, f"=F{r + 1}/2", money, float(half))
    ws.write(TOTAL_ROW - 1, 1, "Tổng cộng", head)
    typed_total = sum(v for v in amt.values() if v is not None)
    ws.write_formula("K2", "=SUM(F4:F8)", money, int(typed_total))
    ws.write_formula("K3", "=SUM(D4:I4)", money, 0)  # a range across the insertion point (row 4 is a parent)
    ws.write_formula("K5", '=IF(G5="","trống",G5)', body, "trống")  # a text result
    ws.write_formula("K6", "=1/0", body, "#DIV/0!")  # an error result must survive
    ws.write_array_formula("K7:K8", "{=F5:F6*2}", money, 300)
    ws.write_dynamic_array_formula("K12:K13", "=LEN(B5:B6)", None, 19)  # a spilled (dynamic array) result
    ws.write_number("K13", 18)
    ws.write_url("K4", f"internal:'{SHEET}'!F9", string="Tổng cộng")
    ws.data_validation("G4:G8", {"validate": "list", "source": ["Tỉnh", "Xã hội hoá"]})
    ws.conditional_format("I4:I8", {"type": "cell", "criteria": ">", "value": 50,
                                    "format": wb.add_format({"bg_color": "#FFEB9C"})})
    ws.write_comment("I4", "Một nửa tổng kinh phí")
    ws.autofilter("A3:I8")
    wb.define_name("TongKP", f"='{SHEET}'!$F$9")
    wb.define_name("NuaKP", f"='{SHEET}'!$I$4:$I$8")
    ws.print_area("A1:K12")
    ws.repeat_rows(2)
    ws.repeat_columns("A:B")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "Một nửa", "categories": f"='{SHEET}'!$B$4:$B$8", "values": f"='{SHEET}'!$I$4:$I$8"})
    ws.insert_chart("M2", chart)
    img = path.with_name("logo.png")
    img.write_bytes(png())
    ws.insert_image("M20", str(img))
    ws.insert_textbox("P2", "Ghi chú của phòng Kế hoạch")
    ws.insert_button("P10", {"macro": "Nut1", "caption": "Điền năm"})
    other = wb.add_worksheet("Tổng hợp")
    other.write_formula("A1", f"='{SHEET}'!F9", None, 0)
    half_sum = sum((v or 0) for v in amt.values()) / 2
    other.write_formula("A2", f"=SUM('{SHEET}'!I4:I8)", None, float(half_sum))
    other.write_formula("A3", f"='{SHEET}'!K2", None, int(typed_total))
    other.write("B1", f"'{SHEET}'!F9 là ô tổng")  # text that looks like a reference stays text
    other.data_validation("C1", {"validate": "list", "source": f"='{SHEET}'!$B$4:$B$8"})
    tbl = wb.add_worksheet("Bảng")
    tbl.add_table("A1:B3", {"data": [["a", 1], ["b", 2]], "columns": [{"header": "Tên"}, {"header": "Số"}]})
    wb.close()
    return path


TABLE_AFTER_FILL_COLUMNS = 5  # 2026..2030 inserted before G

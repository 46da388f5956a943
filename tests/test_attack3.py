"""Hostile cases found by the third attack pass (issues 12, 14, 15)."""
from __future__ import annotations

import shutil

import openpyxl
import pytest

from nscl_xl.udfs import SOTIEN
from nscl_xl.verify import verify_path
from nscl_xl.words import words_to_amount

from .conftest import WORKBOOKS


# Issue 15: "./." is how Vietnamese administrative documents end an amount line
# ("Bằng chữ: Hai tỷ ... đồng chẵn./."); it was refused as a word after "đồng".
@pytest.mark.parametrize("text, value", [
    ("Một tỷ đồng chẵn./.", 1_000_000_000),
    ("(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn./.)", 2_628_000_000),
    ("năm trăm nghìn đồng./.", 500_000),
    ("5 tỷ 300 triệu đồng./.", 5_300_000_000),
])
def test_words_admin_terminator(text, value):
    assert words_to_amount(text) == value
    assert SOTIEN(text) == value


# Issue 15: the labels printed on Vietnamese invoices and vouchers ("Số tiền viết bằng chữ:",
# "Tổng số tiền bằng chữ:") and quotes around the amount were refused, so verify called a
# correct words line unreadable (an error finding).
@pytest.mark.parametrize("text", [
    "Số tiền viết bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng",
    "Tổng số tiền bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn",
    "Tổng số tiền viết bằng chữ: Hai tỷ sáu trăm hai mươi tám triệu đồng./.",
    'Bằng chữ: "Hai tỷ sáu trăm hai mươi tám triệu đồng"',
    "Bằng chữ: “Hai tỷ sáu trăm hai mươi tám triệu đồng chẵn”./.",
])
def test_words_voucher_labels_and_quotes(text):
    assert words_to_amount(text) == 2_628_000_000


@pytest.mark.parametrize("text", ["tổng hai tỷ đồng", '""', "Số tiền: hai tỷ đồng", "Bằng chữ - hai tỷ đồng"])
def test_words_other_prefixes_still_refused(text):
    from nscl_xl.words import WordsSyntaxError

    with pytest.raises(WordsSyntaxError):
        words_to_amount(text)


def test_words_line_with_admin_terminator_passes_verify(tmp_path):
    path = tmp_path / "kg.xlsx"
    shutil.copy(WORKBOOKS / "kien_giang_2024.xlsx", path)
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục"]["A20"] = "(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn./.)"
    wb.save(path)
    _, findings = verify_path(path)
    assert [(f.sheet, f.cell, f.rule) for f in findings if f.rule == "words"] == []
    wb["Phụ lục"]["A20"] = "Số tiền viết bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng"
    wb.save(path)
    _, findings = verify_path(path)
    assert [(f.sheet, f.cell, f.rule) for f in findings if f.rule == "words"] == []


# Issue 14: formulas right of the table in forms the first tests did not use.
def _rich_with(tmp_path, monkeypatch, extra):
    import xlsxwriter

    from .edit_books import SHEET, rich_workbook

    close = xlsxwriter.Workbook.close

    def close_with_extra(self):
        extra(self, self.get_worksheet_by_name(SHEET), self.get_worksheet_by_name("Tổng hợp"))
        return close(self)

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close_with_extra)
    return rich_workbook(tmp_path / "ke_hoach.xlsx")


def test_indirect_text_address_across_the_insertion_is_reported(tmp_path, monkeypatch):
    """=INDIRECT("I5") read "Một nửa" (75); after five columns go in before G, I5 is the 2028
    column. The text cannot be shifted, so the formula must be named and the file recalculated
    on open — before, nothing was said and the stale 75 stayed cached."""
    import zipfile

    from nscl_xl.fill import fill_workbook

    def extra(wb, ws, other):
        ws.write_formula("K17", '=INDIRECT("I5")', None, 75)
        other.write_formula("A7", '=INDIRECT("\'Dự toán\'!I5")', None, 75)

    src = _rich_with(tmp_path, monkeypatch, extra)
    report = fill_workbook(src, tmp_path / "out.xlsx")
    indirect = [m for m in report.messages if "INDIRECT" in m]
    assert [m.split(" dùng")[0] for m in indirect] == ["Công thức ở Dự toán!P17", "Công thức ở Tổng hợp!A7"]
    wb_xml = zipfile.ZipFile(report.output).read("xl/workbook.xml").decode()
    assert 'fullCalcOnLoad="1"' in wb_xml


def test_whole_column_sum_right_of_the_table_gets_its_new_cached_value(tmp_path, monkeypatch):
    import openpyxl as ox

    from nscl_xl.fill import fill_workbook

    def extra(wb, ws, other):
        ws.write_formula("K14", "=SUM(F:F)", None, 345)  # F holds 345 before the fill (parents empty)

    src = _rich_with(tmp_path, monkeypatch, extra)
    out = fill_workbook(src, tmp_path / "out.xlsx").output
    cached = ox.load_workbook(out, data_only=True)["Dự toán"]
    column_f = sum(c.value for c in cached["F"] if isinstance(c.value, (int, float)) and c.row != 14)
    assert cached["P14"].value == column_f == 1035


def test_formulas_over_a_range_the_insertion_widens_are_not_left_silently_stale(tmp_path, monkeypatch):
    """MATCH/COUNT/COLUMNS over the header row A3:I3 (across the insertion before G) give 12, 5
    and 14 after five year columns go in (LibreOffice), not the 7, 0 and 9 cached before; no
    cell they read changed value, so they kept the old numbers without a word."""
    from nscl_xl.fill import fill_workbook

    def extra(wb, ws, other):
        ws.write_formula("K33", '=MATCH("Ghi chú",A3:I3,0)', None, 7)
        ws.write_formula("K34", "=COUNT(A3:I3)", None, 0)
        ws.write_formula("K35", "=COLUMNS(A3:I3)", None, 9)

    src = _rich_with(tmp_path, monkeypatch, extra)
    report = fill_workbook(src, tmp_path / "out.xlsx")
    named = sorted(m.split(" đọc")[0] for m in report.messages)
    assert named == ["Công thức ở Dự toán!P33", "Công thức ở Dự toán!P34", "Công thức ở Dự toán!P35"]


# Issue 12 x 14: a cell in the last column (XFD) of the sheet being filled. Inserting the year
# columns pushed it to "XFI1048576", past the last column: an invalid workbook that Excel has
# to repair. Excel refuses this insertion; so must fill-years (exit 2, nothing written).
def _limited():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("cell", ['<c r="XFD1048576"><v>1</v></c>', '<c r="XFB7"><f>1+1</f><v>2</v></c>'])
def test_fill_refuses_to_push_a_cell_past_the_last_column(tmp_path, monkeypatch, cell):
    import hashlib
    import os
    import re
    import subprocess
    import sys
    import zipfile

    src = _rich_with(tmp_path, monkeypatch, lambda wb, ws, other: None)
    book = tmp_path / "kh.xlsx"
    row = re.search(r'r="([A-Z]+)(\d+)"', cell).group(2)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if f'<row r="{row}"' in text:
                    text = re.sub(rf'(<row r="{row}"[^>]*>.*?)</row>', lambda m: m.group(1) + cell + "</row>", text,
                                  count=1, flags=re.S)
                else:
                    text = text.replace("</sheetData>", f'<row r="{row}">{cell}</row></sheetData>')
                data = text.encode()
            z.writestr(info, data)
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    listing = sorted(os.listdir(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "nscl_xl", "fill-years", str(book), "-o", str(tmp_path / "out.xlsx")],
                          capture_output=True, text=True, timeout=120, preexec_fn=_limited)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "ra ngoài cột cuối cùng" in proc.stderr and re.search(r"ô XF[BD]\d+", proc.stderr)
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before
    assert sorted(os.listdir(tmp_path)) == listing  # no output, no temp file

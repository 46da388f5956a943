"""The summary as a filed document, and formulas that recompute to their cached values whatever
the labels: LibreOffice (forced recalculation, tests/lo.py) is the independent engine."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

import nscl_xl.summary as summary
from nscl_xl.consolidate import Consolidation, Record, SourceFile, consolidate_dir
from nscl_xl.money import MoneyUnit
from nscl_xl.summary import HEAD, write_summary

from .conftest import WORKBOOKS
from .lo import control_workbook, convert, recalculated_copy

HOSTILE = ["A*", "a*", "A", "a", "A?", "A~", "~A", "<5", ">5", "=5", "<>A", "*", "?", "Tỉnh X", "TỈNH X", "tỉnh x ",
           "=SUM(1)", "Đồng*Tháp"]


def _sheet(path, name):
    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(skip_empty_area=False)


def hostile_consolidation(tmp_path: Path) -> Consolidation:
    """Provinces and activity groups named by labels a text criterion would misread."""
    cons = Consolidation(root=str(tmp_path))
    for i, label in enumerate(HOSTILE):
        f = str(tmp_path / f"p{i}.xlsx")
        cons.sources.append(SourceFile(f, "used", province=label, plan="Kế hoạch năm 2025", n_records=3))
        for j, year in enumerate([2025, 2026, None]):
            amount = (i + 1) * 10 ** 6 + j * 10 ** 5 + 1  # all different: a wrong match shows
            cons.records.append(Record(label, label, year, HOSTILE[(i + j) % len(HOSTILE)], str(j + 1),
                                       f"Nội dung {label}", amount, "Kế hoạch năm 2025", "annual", f, "S", f"C{j + 3}"))
    return cons


def _compare_recalculated(soffice, xlsx, tmp_path, sheets=("Tổng hợp", "Theo nội dung")) -> int:
    again = recalculated_copy(soffice, xlsx, tmp_path)
    n = 0
    for name in sheets:
        mine, theirs = _sheet(xlsx, name), _sheet(again, name)
        assert len(mine) == len(theirs), name
        for r, (a, b) in enumerate(zip(mine, theirs)):
            for c, (x, y) in enumerate(zip(a, b)):
                assert not (isinstance(y, str) and y.startswith(("#", "Err:"))), (name, r, c, y)
                if isinstance(x, float) or isinstance(y, float):
                    assert y == pytest.approx(x, rel=1e-12, abs=1e-9), (name, r, c, x, y)
                    n += 1
                else:
                    assert x == y, (name, r, c)
    return n


def test_hostile_labels_recompute_to_cached_values_in_libreoffice(soffice, tmp_path):
    control = recalculated_copy(soffice, control_workbook(tmp_path / "control.xlsx"), tmp_path)
    assert _sheet(control, "S")[0][0] == 2  # LibreOffice did recalculate
    cons = hostile_consolidation(tmp_path)
    for unit in (MoneyUnit.DONG, MoneyUnit.TRIEU):
        xlsx = write_summary(cons, tmp_path / f"h_{unit.key}.xlsx", unit=unit)
        rows = {r[1]: r for r in _sheet(xlsx, "Tổng hợp")[HEAD + 1:HEAD + 1 + len(HOSTILE)]}
        assert set(rows) == set(HOSTILE)  # one row per label, case and spaces kept apart
        i = HOSTILE.index("a*")
        assert rows["a*"][-2] * unit.factor == pytest.approx(3 * (i + 1) * 10 ** 6 + 3 * 10 ** 5 + 3)
        # 2 sheets × (18 rows + total) × 4 money columns, every one recomputed equal
        assert _compare_recalculated(soffice, xlsx, tmp_path / unit.key) >= 2 * 19 * 4


def test_summary_formulas_select_on_integer_keys_only(tmp_path):
    xlsx = write_summary(hostile_consolidation(tmp_path), tmp_path / "h.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    n = 0
    for name in ("Tổng hợp", "Theo nội dung"):
        for row in wb[name].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "SUMIFS(" in cell.value:
                    n += 1
                    for crit_range, crit in re.findall(r",('Dữ liệu'!\$[A-Z]+\$2:\$[A-Z]+\$\d+),([^,)]+)", cell.value):
                        assert crit_range.split("!$")[1][0] in "LMN", cell.value  # integer key columns
                        assert re.fullmatch(r"\$A\d+|[A-Z]+\$\d+|0", crit), cell.value
    assert n == 2 * len(HOSTILE) * 3
    data = _sheet(xlsx, "Dữ liệu")
    assert data[0][11:] == ["Khóa tỉnh", "Khóa nhóm", "Khóa năm"]
    assert all(isinstance(v, float) and v == int(v) for r in data[1:] for v in r[11:])


def test_data_past_the_row_limit_continues_on_further_sheets(soffice, tmp_path, monkeypatch):
    monkeypatch.setattr(summary, "EXCEL_MAX_ROWS", 11)  # 10 data rows a sheet
    cons = hostile_consolidation(tmp_path)  # 54 records
    xlsx = write_summary(cons, tmp_path / "big.xlsx", unit=MoneyUnit.DONG)
    names = pc.CalamineWorkbook.from_path(str(xlsx)).sheet_names
    assert names == ["Tổng hợp", "Theo nội dung", "Dữ liệu"] + [f"Dữ liệu ({i})" for i in range(2, 7)] + [
        "Kiểm tra", "Nguồn"]
    body = [r for n in names if n.startswith("Dữ liệu") for r in _sheet(xlsx, n)[1:]]
    assert len(body) == 54 and sum(int(r[6]) for r in body) == cons.total_vnd
    total = next(r for r in _sheet(xlsx, "Tổng hợp") if r[1] == "Tổng cộng")
    assert total[-2] == cons.total_vnd
    _compare_recalculated(soffice, xlsx, tmp_path)


def test_folder_without_amounts_has_no_self_reference(soffice, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "dong_thap_2021_2030.xlsx", folder)
    cons = consolidate_dir(folder)
    assert cons.used and cons.total_vnd == 0
    xlsx = write_summary(cons, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    refs = re.findall(r"(?<![A-Z!$'])\$?([A-Z]+)\$?(\d+)", cell.value.split("!")[-1])
                    assert (cell.column_letter, str(cell.row)) not in refs, (ws.title, cell.coordinate, cell.value)
                    lo_hi = re.findall(r"\b([A-Z]+)(\d+):([A-Z]+)(\d+)", cell.value)
                    for c0, r0, c1, r1 in lo_hi:
                        inside = c0 <= cell.column_letter <= c1 and int(r0) <= cell.row <= int(r1)
                        assert "!" in cell.value or not inside, (ws.title, cell.coordinate, cell.value)
    rows = _sheet(xlsx, "Tổng hợp")
    assert rows[HEAD + 1][1] == "Đồng Tháp" and "chỉ nêu mục tiêu" in rows[HEAD + 1][-1]
    _compare_recalculated(soffice, xlsx, tmp_path)


# --- the printed document ------------------------------------------------------------------------------

def _pdf_pages(pdf: Path) -> list[str]:
    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is required on CI: .ci/run must install poppler-utils")
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=120).stdout
    return text.decode("utf-8").split("\f")[:-1]


def test_summary_prints_as_a_filed_document(soffice, tmp_path):
    cons = consolidate_dir(WORKBOOKS)
    xlsx = write_summary(cons, tmp_path / "tong_hop.xlsx", organisation="SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                         place="Cần Thơ", date=datetime.date(2026, 11, 21))
    wb = openpyxl.load_workbook(xlsx)
    for ws in wb.worksheets:  # print set-up on every sheet
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title  # 1 by default
        assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows, ws.title
    checks = wb["Kiểm tra"]
    numeric = [checks.cell(r, c).value for r in range(2, checks.max_row + 1) for c in (7, 8, 9)]
    assert numeric and all(isinstance(v, (int, float)) for v in numeric)  # numbers as numbers
    assert checks.cell(2, 7).value == 560 and checks.cell(2, 9).value == -280
    assert all(checks.row_dimensions[r].height and checks.row_dimensions[r].height >= 31.5
               for r in range(2, checks.max_row + 1))  # long messages wrap onto taller rows

    pdf = convert(soffice, xlsx, tmp_path, "pdf")
    pages = _pdf_pages(pdf)
    assert 5 <= len(pages) <= 20, len(pages)
    # "Tổng hợp" (table, signatures and chart) and "Theo nội dung" print on one page each.
    assert "THEO TỈNH" in pages[0] and "THEO NHÓM NỘI DUNG" in pages[1] and "THỦ TRƯỞNG ĐƠN VỊ" in pages[1]
    assert all(f"Trang {i}/{len(pages)}" in pages[i - 1] for i in range(1, len(pages) + 1))
    first = pages[0]
    for text in ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "TỔNG HỢP DỰ TOÁN KINH PHÍ", "giai đoạn 2021–2030, 4 tỉnh, thành phố",
                 "Đơn vị tính: triệu đồng", "Cần Thơ, ngày 21 tháng 11 năm 2026", "NGƯỜI LẬP BIỂU",
                 "THỦ TRƯỞNG ĐƠN VỊ", "Đồng Tháp", "26.283"):
        assert text in first or text.replace(".", ",") in first, text
    # Fitted to the width: every page of a sheet shows its first and its last column heading.
    last_heading = {"Tổng hợp": "Ghi chú", "Dữ liệu": "Khóa năm", "Kiểm tra": "Hệ quả của", "Nguồn": "Tệp liên quan"}
    kinds = {"STT": "Tổng hợp", "Khóa tỉnh": "Dữ liệu", "Quy tắc": "Kiểm tra", "Trạng thái": "Nguồn"}
    seen = set()
    for page in pages:
        kind = next((k for marker, k in kinds.items() if marker in " ".join(page.split())), None)
        assert kind is not None, page[:300]
        seen.add(kind)
        if kind in last_heading:
            assert last_heading[kind] in " ".join(page.split()), (kind, page[:400])
    assert seen == set(kinds.values())
    words = set(" ".join(pages).split())
    for f in cons.findings:  # no finding is cut: every word of every message is printed
        missing = set(f.message.split()) - words
        assert not missing, (f.cell, missing)

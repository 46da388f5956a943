"""Defects found by reading the merged code as a reviewer, each reproduced here first."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nscl_xl import excel
from nscl_xl.consolidate import consolidate_dir, container_marks
from nscl_xl.errors import NsclError

from .conftest import WORKBOOKS
from .remote import remote_book
from .test_plans import M, plan_xlsx, status


def _rewrite(path: Path, edit) -> None:
    """Rewrite a zip member by member through edit(name, data) -> (name, data)."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            z.writestr(*edit(name, data))


def test_consolidate_button_never_writes_over_an_input(tmp_path):
    """A plan saved as tong_hop_nscl.xlsx is an input: the button refuses, as the CLI does."""
    folder = tmp_path / "tinh"
    shutil.copytree(WORKBOOKS, folder)
    victim = folder / "tong_hop_nscl.xlsx"
    shutil.move(folder / "an_giang_2022_2030.xlsx", victim)
    before = hashlib.sha256(victim.read_bytes()).hexdigest()
    book = remote_book(folder / "kien_giang_2021.xlsx")
    with pytest.raises(NsclError) as exc:
        excel.consolidate_folder(book, str(folder))
    assert "tệp đầu vào" in exc.value.message
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == before


def test_marker_found_through_the_package_relationships(tmp_path):
    """Excel finds the custom properties through _rels/.rels, whatever the part's name or case."""
    src = plan_xlsx(tmp_path / "a.xlsx", "Cà Mau", 2025, [1], made_by="filled")

    def rename(name, data):
        if name == "docProps/custom.xml":
            return "docProps/Custom.xml", data
        if name == "_rels/.rels":
            return name, data.replace(b"docProps/custom.xml", b"/docProps/Custom.xml")
        return name, data

    _rewrite(src, rename)
    assert container_marks(src).made_by == "filled"


def test_toolkit_output_of_a_plan_without_province_is_not_counted_twice(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    plan_xlsx(folder / "kh.xlsx", "", 2025, [100, 200])
    plan_xlsx(folder / "kh_da_dien.xlsx", "", 2025, [100, 250], made_by="filled")
    cons = consolidate_dir(folder)
    assert cons.total_vnd == 300 * M
    assert status(cons)["kh_da_dien.xlsx"][0] == "ignored"
    # two plain plans without a province are not taken for each other
    plan_xlsx(folder / "khac.xlsx", "", 2025, [7])
    assert consolidate_dir(folder).total_vnd == 307 * M


def test_uncached_formula_beside_a_damaged_number_is_a_message_not_a_crash(tmp_path):
    """A formula saved without its value next to a numeric cell holding 'abc': openpyxl fails on
    that row; the cell stays unread (reported), nothing crashes (exit 70 was the bug)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["TT", "Nội dung", "Thành tiền (triệu đồng)"])
    ws.append(["1", "Hội thảo", 5])
    ws.append(["", "Tổng cộng", "=C2"])
    ws["D3"] = 1
    path = tmp_path / "f.xlsx"
    wb.save(path)
    _rewrite(path, lambda n, d: (n, re.sub(rb'<c r="D3"([^>]*)><v>1</v>', rb'<c r="D3"\1><v>abc</v>', d))
             if n.startswith("xl/worksheets/") else (n, d))
    res = subprocess.run([sys.executable, "-m", "nscl_xl", "verify", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode in (0, 1), res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr and "nội bộ" not in res.stderr


def test_live_sheet_with_a_stray_far_cell_is_refused_before_any_value_is_fetched():
    """Excel's used range of a sheet with one cell at XFD1048576 spans 17 billion cells: the
    button says what to do instead of asking Excel for them."""
    from nscl_xl.excel.live import sheet_grid

    class Used:
        row, column, shape, address = 1, 1, (1_048_576, 16_384), "$A$1:$XFD$1048576"

        def options(self, **_):
            raise AssertionError("values fetched from a huge used range")

    class Sheet:
        name, used_range = "Phụ lục", Used()

    with pytest.raises(NsclError) as exc:
        sheet_grid(Sheet())
    assert "XFD1048576" in exc.value.message and exc.value.hint


def test_a_bug_while_handling_an_os_error_stays_a_bug(tmp_path):
    """Only an OSError that a writer wraps explicitly becomes 'could not write' (exit 4); a bug
    raised while one was being handled is an internal error (exit 70, logged)."""
    from nscl_xl.safe_write import atomic_path

    with pytest.raises(KeyError):
        with atomic_path(tmp_path / "out.xlsx"):
            try:
                raise FileNotFoundError(2, "gone")
            except OSError:
                raise KeyError("bug")  # noqa: B904 - the OSError stays its __context__
    assert not list(tmp_path.iterdir())


def test_annotated_check_sheet_prints_as_a_document(soffice, tmp_path):
    """Issue 16: the annotated copy's "Kiểm tra" holds numbers as numbers, wraps its texts and
    prints on A4 landscape fitted to the width with the heading row repeated: every word of every
    finding is on paper, and every page shows the first and last headings."""
    import openpyxl

    from nscl_xl.report import annotate_workbook
    from nscl_xl.verify import verify_path

    from .lo import convert
    from .test_summary_doc import _pdf_pages

    src = WORKBOOKS / "soc_trang_2021_2030.xlsx"
    _, findings = verify_path(src)
    out = annotate_workbook(src, findings, tmp_path / "danh_dau.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["Kiểm tra"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows in ("1:1", "$1:$1")
    numbers = [ws.cell(r, c).value for r in range(2, ws.max_row + 1) for c in (7, 8, 9)]
    numbers = [v for v in numbers if v is not None]
    assert numbers and all(isinstance(v, (int, float)) for v in numbers)
    assert ws.cell(2, 6).alignment.wrap_text
    pages = _pdf_pages(convert(soffice, out, tmp_path, "pdf"))
    check_pages = [p for p in pages if "Quy tắc" in p]
    assert check_pages and all("Hệ quả của" in " ".join(p.split()) for p in check_pages)
    words = set(" ".join(check_pages).split())
    for f in findings:
        assert not set(f.message.split()) - words, f.cell


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nscl_xl", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def test_fill_years_on_an_annual_plan_says_so(tmp_path):
    """Issue 16: an annual plan has no years to fill; the message must not suggest 2026-2030."""
    res = _cli("fill-years", WORKBOOKS / "kien_giang_2024.xlsx", "-o", tmp_path / "o.xlsx")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "kế hoạch năm 2024" in res.stderr and "2026-2030" not in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "o.xlsx").exists()


def test_fill_years_on_a_missing_sheet_lists_the_sheets(tmp_path):
    res = _cli("fill-years", WORKBOOKS / "soc_trang_2021_2030.xlsx", "--sheet", "Phu luc 3", "-o", tmp_path / "o.xlsx")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "'Phụ lục I'" in res.stderr and "'Phụ lục II'" in res.stderr and "Phu luc 3" in res.stderr

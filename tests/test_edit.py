"""The editing engine on a clerk's real-looking workbook: fill-years and --annotate rewrite only the
parts they must, shift every reference as Excel does, and leave every formula with the value
LibreOffice computes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc

from nscl_xl.edit import EditError, WorkbookEditor
from nscl_xl.fill import fill_workbook
from nscl_xl.report import annotate_workbook
from nscl_xl.verify import verify_path

from .edit_books import SHEET, amounts, png, rich_workbook
from .lo import recalculated_copy

# Parts fill-years may rewrite on this workbook: the edited sheet, the sheet reading it, the
# names, the chart, the drawing and VML anchors, the comment, content types and the marker.
FILL_CHANGES = {"[Content_Types].xml", "_rels/.rels", "docProps/custom.xml", "xl/workbook.xml", "xl/styles.xml",
                "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/charts/chart1.xml",
                "xl/drawings/drawing1.xml", "xl/drawings/vmlDrawing1.vml", "xl/comments1.xml"}


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def assert_surgical(src: Path, out: Path, allowed: set[str]) -> set[str]:
    a, b = members(src), members(out)
    lost = set(a) - set(b)
    assert not lost, lost
    changed = {n for n in a if a[n] != b[n]}
    assert changed <= allowed, changed - allowed
    for n in a:
        if n not in allowed:
            assert a[n] == b[n], n
    return changed


def formulas_and_values(path: Path) -> dict[tuple[str, str], tuple[str, object]]:
    """{(sheet, cell): (formula, cached value)} for every formula cell of every sheet."""
    wb = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                f = c.value
                if hasattr(f, "text"):
                    f = f.text if f.text.startswith("=") else "=" + f.text
                if isinstance(f, str) and f.startswith("="):
                    out[(ws.title, c.coordinate)] = (f, cached[ws.title][c.coordinate].value)
    return out


def lo_values(soffice, path: Path, tmp: Path) -> dict[str, list[list]]:
    again = recalculated_copy(soffice, path, tmp)
    book = pc.CalamineWorkbook.from_path(str(again))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def same(a, b) -> bool:
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)) and not isinstance(a, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return (a if a not in (None, "") else "") == (b if b not in (None, "") else "")


def assert_cached_equal_recalculated(soffice, out: Path, tmp: Path) -> int:
    lo = lo_values(soffice, out, tmp)
    n = 0
    for (sheet, cell), (_, cached) in formulas_and_values(out).items():
        r, c = openpyxl.utils.cell.coordinate_to_tuple(cell)
        grid = lo[sheet]
        theirs = grid[r - 1][c - 1] if r - 1 < len(grid) and c - 1 < len(grid[r - 1]) else None
        if isinstance(cached, str) and cached.startswith("#"):
            continue  # error results: LibreOffice reports them as empty/NaN through calamine
        assert same(cached, theirs), (sheet, cell, cached, theirs)
        n += 1
    return n


@pytest.fixture
def rich(tmp_path) -> Path:
    return rich_workbook(tmp_path / "ke_hoach.xlsx")


def test_fill_rewrites_only_what_it_must_and_shifts_every_reference(rich, tmp_path):
    before = members(rich)
    out = fill_workbook(rich, tmp_path / "out.xlsx").output
    changed = assert_surgical(rich, out, FILL_CHANGES)
    assert {"xl/worksheets/sheet1.xml", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml"} <= changed
    after = members(out)
    assert after["xl/media/image1.png"] == before["xl/media/image1.png"] == png()
    assert after["xl/worksheets/sheet3.xml"] == before["xl/worksheets/sheet3.xml"]  # the Excel table's sheet
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET]
    # five year columns G..K inserted before the old G ("Ghi chú")
    assert [ws.cell(3, c).value for c in range(7, 12)] == [2026, 2027, 2028, 2029, 2030]
    assert ws["L3"].value == "Ghi chú" and ws["N3"].value == "Một nửa"
    assert ws["N5"].value == "=F5/2" and ws["P2"].value == "=SUM(F4:F8)"
    assert ws["P3"].value == "=SUM(D4:N4)"  # a range across the insertion grows
    assert ws["P5"].value == '=IF(L5="","trống",L5)'
    assert ws["P7"].value.text == "=F5:F6*2" and ws["P7"].value.ref == "P7:P8"
    assert ws["P4"].hyperlink.location == f"'{SHEET}'!F9"
    assert [str(m) for m in ws.merged_cells.ranges] == ["A1:O1"]
    assert ws.auto_filter.ref == "A3:N8"
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["L4:L8"]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["N4:N8"]
    assert ws.column_dimensions["L"].width == pytest.approx(30.7109375)  # "Ghi chú" keeps its width
    assert ws.column_dimensions["G"].width == ws.column_dimensions["F"].width  # new columns look like their left
    assert ws["G5"].font.name == "Times New Roman" and ws["G3"].font.b and ws["G3"].border.left.style == "thin"
    assert ws["G5"].number_format == ws["F5"].number_format == "#,##0"
    names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
    assert names == {"TongKP": f"'{SHEET}'!$F$9", "NuaKP": f"'{SHEET}'!$N$4:$N$8"}
    assert ws.print_area == f"'{SHEET}'!$A$1:$P$12"
    other = wb["Tổng hợp"]
    assert other["A2"].value == f"=SUM('{SHEET}'!N4:N8)" and other["A3"].value == f"='{SHEET}'!P2"
    assert other["B1"].value == f"'{SHEET}'!F9 là ô tổng"  # text is never shifted
    assert other.data_validations.dataValidation[0].formula1 == f"'{SHEET}'!$B$4:$B$8"
    chart = after["xl/charts/chart1.xml"].decode()
    assert re.findall(r"<c:f>([^<]*)</c:f>", chart) == [f"'{SHEET}'!$B$4:$B$8", f"'{SHEET}'!$N$4:$N$8"]
    drawing = after["xl/drawings/drawing1.xml"].decode()
    # chart at M2, image at M20, text box at P2: columns 12, 12, 15 move by 5
    assert [int(x) for x in re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>", drawing)] == [17, 17, 20]
    vml = after["xl/drawings/vmlDrawing1.vml"].decode()
    assert "<x:Column>13</x:Column>" in vml  # the note on old I4 is now on N4
    assert re.search(r"<x:Anchor>\s*20,", vml)  # the button at P10 moved to U10
    assert 'ref="N4"' in after["xl/comments1.xml"].decode()
    # words line in the table's font
    words = ws["A10"]
    assert words.value.startswith("(Bằng chữ: Ba trăm bốn mươi lăm triệu đồng") and words.font.name == "Times New Roman"


def test_fill_cached_values_equal_libreoffice_and_old_formulas_keep_their_values(rich, tmp_path, soffice):
    before = formulas_and_values(rich)
    out = fill_workbook(rich, tmp_path / "out.xlsx").output
    after = formulas_and_values(out)
    # every pre-existing formula is still there (shifted) with a cached value
    moved = {("Dự toán", "I"): "N", ("Dự toán", "K"): "P"}
    for (sheet, cell), (formula, value) in before.items():
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", cell).groups()
        new = moved.get((sheet, col), col) + row
        assert (sheet, new) in after, (sheet, cell)
    # parents got amounts from the fill, so the formulas reading them were recomputed exactly
    amt = amounts()
    for r, v in amt.items():
        assert Decimal(str(after[(SHEET, f"N{r}")][1])) == v / 2
    assert after[(SHEET, "P2")][1] == 690 and after[("Tổng hợp", "A3")][1] == 690
    assert after[(SHEET, "P6")][1] == "#DIV/0!"  # an error result survives as an error
    assert after[(SHEET, "P7")][1] == 300  # the array formula's cached result survives
    assert after[(SHEET, "P12")][1] == 19  # so does the dynamic array's, and its spill cell
    sheet = members(out)["xl/worksheets/sheet1.xml"].decode()
    assert re.search(r'<c r="P12" cm="1"><f t="array" ref="P12:P13"( aca="false")?>LEN\(B5:B6\)</f><v>19</v></c>'
                     r'</row><row r="13"[^>]*><c r="P13"><v>18</v></c>', sheet), re.findall(r'<c r="P1[23]".*?</c>', sheet)
    n = assert_cached_equal_recalculated(soffice, out, tmp_path / "lo")
    assert n >= 40
    # unchanged inputs: LibreOffice gives the pre-existing formulas the values they had before
    lo_before = lo_values(soffice, rich, tmp_path / "lo0")
    assert lo_before["Tổng hợp"][0][0] == 0 and Decimal(str(after[("Tổng hợp", "A1")][1])) == 345


def test_annotate_is_surgical_and_keeps_cached_values(rich, tmp_path, soffice):
    from nscl_xl.findings import Finding

    findings = [Finding(str(rich), SHEET, "F5", "qty-price", "error", "Thành tiền phải bằng số lượng × đơn giá"),
                Finding(str(rich), SHEET, "I4", "stale-formula", "warning", "giá trị lưu sẵn sai"),
                Finding(str(rich), SHEET, "F5", "row-sum", "warning", "tổng các năm"),
                Finding(str(rich), SHEET, "C1", "words", "error", "ô bị gộp: không tô"),
                Finding(str(rich), "Tổng hợp", "A1", "stated-total", "error", "=SUM(A1) là chữ, không phải công thức"),
                Finding(str(rich), "", "", "unit-missing", "warning", "không có ô")]
    out = tmp_path / "kiem_tra.xlsx"
    annotate_workbook(rich, findings, out)
    allowed = {"[Content_Types].xml", "_rels/.rels", "docProps/custom.xml", "xl/workbook.xml", "xl/styles.xml",
               "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
               "xl/worksheets/_rels/sheet1.xml.rels", "xl/worksheets/_rels/sheet2.xml.rels", "xl/comments1.xml",
               "xl/drawings/vmlDrawing1.vml"}
    assert_surgical(rich, out, allowed)
    before, after = formulas_and_values(rich), formulas_and_values(out)
    for key, (formula, value) in before.items():
        assert after[key] == (formula, value), key
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET, "Tổng hợp", "Bảng", "Kiểm tra"]
    cell = wb[SHEET]["F5"]
    assert cell.fill.fgColor.rgb[-6:] == "FFC7CE" and "[qty-price]" in cell.comment.text
    assert "[row-sum]" in cell.comment.text and cell.number_format == "#,##0" and cell.font.name == "Times New Roman"
    assert wb[SHEET]["I4"].fill.fgColor.rgb[-6:] == "FFEB9C"
    assert wb[SHEET]["C1"].comment is None  # inside the merged title
    assert wb["Tổng hợp"]["A1"].comment is not None and wb["Tổng hợp"]["A1"].value == f"='{SHEET}'!F9"
    assert wb["Kiểm tra"]["F6"].value == "=SUM(A1) là chữ, không phải công thức"  # text stays text
    assert wb["Kiểm tra"]["C2"].hyperlink.location == f"'{SHEET}'!F5"
    assert wb[SHEET]["I4"].comment.text.startswith("Một nửa tổng kinh phí")  # the clerk's note is kept
    assert "[stale-formula]" in wb[SHEET]["I4"].comment.text
    assert wb["Kiểm tra"]["A1"].value == "Tệp" and wb["Kiểm tra"].max_row == len(findings) + 1
    assert assert_cached_equal_recalculated(soffice, out, tmp_path / "lo") >= 8
    # annotating the annotated copy replaces its "Kiểm tra" sheet, never adds a second one
    again = tmp_path / "again.xlsx"
    annotate_workbook(out, findings, again)
    assert openpyxl.load_workbook(again).sheetnames == [SHEET, "Tổng hợp", "Bảng", "Kiểm tra"]


def _kind(path: Path) -> str:
    return re.search(r'name="nscl_xl_kind"><vt:lpwstr>(\w+)<', members(path)["docProps/custom.xml"].decode()).group(1)


def test_marker_property_is_written_and_existing_custom_properties_kept(rich, tmp_path):
    out = fill_workbook(rich, tmp_path / "f.xlsx").output
    assert _kind(out) == "filled"
    _, findings = verify_path(out)
    ann = annotate_workbook(out, findings, tmp_path / "a.xlsx")
    assert _kind(ann) == "annotated"
    assert members(ann)["docProps/custom.xml"].count(b"<property ") == 1
    import xlsxwriter

    p = tmp_path / "custom.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    wb.add_worksheet("S").write("A1", 1)
    wb.set_custom_property("Người lập", "Phòng KH")
    wb.close()
    out = annotate_workbook(p, [], tmp_path / "c.xlsx")
    props = members(out)["docProps/custom.xml"].decode()
    assert "Người lập" in props and "Phòng KH" in props and _kind(out) == "annotated"
    assert openpyxl.load_workbook(out).custom_doc_props["nscl_xl_kind"].value == "annotated"


@pytest.fixture(scope="module")
def vba_bin() -> bytes:
    from nscl_xl.build_excel import vba_project

    return vba_project([SHEET, "Tổng hợp", "Bảng"])


def test_xlsm_stays_xlsm_and_an_xlsx_output_drops_the_macros_cleanly(tmp_path, vba_bin, soffice):
    src = rich_workbook(tmp_path / "ke_hoach.xlsm", vba=vba_bin)
    out = fill_workbook(src).output
    assert out.suffix == ".xlsm"
    assert_surgical(src, out, FILL_CHANGES)
    m = members(out)
    assert m["xl/vbaProject.bin"] == vba_bin
    assert "macroEnabled.main+xml" in m["[Content_Types].xml"].decode()
    plain = fill_workbook(src, tmp_path / "plain.xlsx").output
    m = members(plain)
    assert not [n for n in m if "vbaproject" in n.lower()]
    types = m["[Content_Types].xml"].decode()
    assert "macroEnabled" not in types and "vbaProject" not in types and "sheet.main+xml" in types
    assert "vbaProject" not in m["xl/_rels/workbook.xml.rels"].decode()
    _, findings = verify_path(src)
    ann = annotate_workbook(src, findings, tmp_path / "ann.xlsx")
    types = members(ann)["[Content_Types].xml"].decode()
    assert "macroEnabled" not in types and "sheet.main+xml" in types
    assert not [n for n in members(ann) if n.endswith(".bin")]
    assert openpyxl.load_workbook(ann).sheetnames[-1] == "Kiểm tra"
    assert assert_cached_equal_recalculated(soffice, plain, tmp_path / "lo") >= 40


_BLOCK_LXML = ("import sys\nclass _Block:\n    def find_spec(self, name, path=None, target=None):\n"
               "        if name == 'lxml' or name.startswith('lxml.'):\n            raise ImportError('lxml hidden')\n"
               "sys.meta_path.insert(0, _Block())\n")


def _run_fill(src: Path, out: Path, block: bool, extra_path: str | None) -> None:
    # Without the block, lxml is loaded first when it is installed (as in a process that also
    # uses openpyxl or pandas): the engine must write the same bytes either way.
    load = "" if block else "try:\n    import lxml.etree\nexcept ImportError:\n    pass\n"
    code = (_BLOCK_LXML if block else load) + (
        "import sys\nfrom nscl_xl.fill import fill_workbook\nfrom nscl_xl.verify import verify_path\n"
        "from nscl_xl.report import annotate_workbook\n"
        f"fill_workbook({str(src)!r}, {str(out)!r})\n"
        f"annotate_workbook({str(src)!r}, verify_path({str(src)!r})[1], {str(out.with_suffix('.ann.xlsx'))!r})\n"
        "print('lxml' in sys.modules)\n")
    import os

    env = dict(os.environ)
    if extra_path:
        env["PYTHONPATH"] = env.get("PYTHONPATH", "") + os.pathsep + extra_path
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip() == "True"


LXML_SITE = "/tmp/lxml-site"  # `pip install --target /tmp/lxml-site lxml` (CI installs lxml normally)


def test_same_output_with_and_without_lxml(rich, tmp_path):
    extra = LXML_SITE if Path(LXML_SITE, "lxml").is_dir() else None
    with_lxml = _run_fill(rich, tmp_path / "with.xlsx", False, extra)
    without = _run_fill(rich, tmp_path / "without.xlsx", True, None)
    assert without is False
    if not with_lxml:
        if os.environ.get("CI"):
            pytest.fail("lxml is required on CI (setup.cfg test extra): both runs must be compared")
        pytest.skip("lxml is not installed here: only the lxml-free run was checked")
    assert members(tmp_path / "with.xlsx") == members(tmp_path / "without.xlsx")
    assert members(tmp_path / "with.ann.xlsx") == members(tmp_path / "without.ann.xlsx")


# --- hostile and unusual packages -------------------------------------------------------------------

def _rezip(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            name, data = edit(info.filename, zin.read(info.filename))
            if name is not None:
                zout.writestr(name, data)
    return dst


def test_dtd_in_a_part_is_refused_with_a_message(rich, tmp_path):
    bad = _rezip(rich, tmp_path / "dtd.xlsx", lambda n, d: (n, d.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)
                                                           if n == "xl/worksheets/sheet1.xml" else d))
    with pytest.raises(EditError, match="DTD"):
        with WorkbookEditor(bad) as ed:
            ed.sheet(SHEET)
    from nscl_xl.findings import Finding

    with pytest.raises(EditError, match="DTD"):
        annotate_workbook(bad, [Finding(str(bad), SHEET, "F5", "qty-price", "error", "x")], tmp_path / "o.xlsx")
    assert not (tmp_path / "o.xlsx").exists()


def test_strict_ooxml_is_refused_never_written_without_its_sheets(rich, tmp_path):
    strict = _rezip(rich, tmp_path / "strict.xlsx", lambda n, d: (n, d.replace(
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument")))
    with pytest.raises(EditError, match="Strict"):
        annotate_workbook(strict, [], tmp_path / "o.xlsx")
    assert not list(tmp_path.glob("o*"))


def test_backslash_and_case_part_names_are_handled(rich, tmp_path):
    odd = _rezip(rich, tmp_path / "odd.xlsx", lambda n, d: (
        n.replace("xl/worksheets/sheet1.xml", "XL\\Worksheets\\Sheet1.xml"), d))
    out = annotate_workbook(odd, [], tmp_path / "o.xlsx")
    names = set(members(out))
    assert names - set(members(odd)) == {"xl/worksheets/sheet4.xml", "docProps/custom.xml"}
    with WorkbookEditor(out) as ed:
        assert [s.name for s in ed.sheets][-1] == "Kiểm tra"
        assert ed.sheet(SHEET).cell(3, 1) is not None


def test_control_characters_and_no_calcpr(tmp_path):
    import xlsxwriter

    p = tmp_path / "c.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("S")
    ws.write_formula("A1", "=1+1", None, 2)
    wb.close()
    nocalc = _rezip(p, tmp_path / "n.xlsx", lambda n, d: (n, re.sub(rb"<calcPr[^>]*/>", b"", d)
                                                        if n == "xl/workbook.xml" else d))
    from nscl_xl.findings import Finding

    f = Finding(str(nocalc), "S", "A1", "stale-formula", "error", "chữ \x1b[2J\x07 điều khiển")
    out = annotate_workbook(nocalc, [f], tmp_path / "o.xlsx")
    wb2 = openpyxl.load_workbook(out)
    assert "_x001B_" in members(out)["xl/worksheets/sheet2.xml"].decode()
    assert wb2["S"]["A1"].comment is not None
    with WorkbookEditor(nocalc) as ed:
        ed.needs_full_calc = True
        ed.save(tmp_path / "full.xlsx", kind="filled")
    assert b'<calcPr fullCalcOnLoad="1"/></workbook>' in members(tmp_path / "full.xlsx")["xl/workbook.xml"]


# --- a file written by Excel (Apache POI test data, see tests/data/*.LICENSE.md) -------------------

POI_CHARTS = Path(__file__).parent / "data" / "poi_WithTwoCharts.xlsx"


def test_excel_file_shared_formulas_charts_and_calc_chain(tmp_path, soffice):
    out = tmp_path / "cols.xlsx"
    with WorkbookEditor(POI_CHARTS) as ed:
        ed.insert_columns("Sheet1", 1, 2, template_col=0)  # two columns before B
        ed.save(out, kind="filled")
    a, b = members(POI_CHARTS), members(out)
    assert set(a) - set(b) == {"xl/calcChain.xml"}  # Excel rebuilds the calculation chain
    for n in ("xl/theme/theme1.xml", "xl/worksheets/sheet2.xml", "xl/drawings/drawing1.xml", "docProps/app.xml"):
        assert a[n] == b[n], n
    ws = openpyxl.load_workbook(out)["Sheet1"]
    assert [ws.cell(r, 7).value for r in range(1, 7)] == [f"=F{r}*F{r}" for r in range(1, 7)]  # shared, expanded
    assert [ws.cell(r, 4).value for r in range(1, 7)] == [10, 12, 14, 9, 15, 17]
    charts = b["xl/charts/chart1.xml"].decode() + b["xl/charts/chart2.xml"].decode()
    assert "Sheet1!$D$1:$D$6" in charts and "Sheet1!$A$1:$A$6" in charts and "$B$1" not in charts
    assert "calcChain" not in b["[Content_Types].xml"].decode() + b["xl/_rels/workbook.xml.rels"].decode()
    assert assert_cached_equal_recalculated(soffice, out, tmp_path / "lo") == 6


def _budget_rows():
    return [["KẾ HOẠCH GIAI ĐOẠN 2026 - 2030"], ["Đơn vị tính: triệu đồng"],
            ["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí", "Ghi chú"],
            ["1", "Hội nghị", "Cuộc", 5, 30, 150, None], ["", "Tổng cộng"]]


def test_chartsheet_workbook_fills_and_keeps_the_chartsheet(tmp_path):
    import xlsxwriter

    p = tmp_path / "cs.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("S")
    for r, row in enumerate(_budget_rows()):
        ws.write_row(r, 0, row)
    cs = wb.add_chartsheet("Biểu đồ")
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"values": "=S!$F$4:$G$4"})
    cs.set_chart(chart)
    wb.close()
    out = fill_workbook(p, tmp_path / "o.xlsx").output
    a, b = members(p), members(out)
    assert a["xl/chartsheets/sheet1.xml"] == b["xl/chartsheets/sheet1.xml"]
    assert "S!$F$4:$L$4" in b["xl/charts/chart1.xml"].decode()  # across the insertion: grows


def test_inserting_through_an_excel_table_widens_it_as_excel_does(tmp_path, soffice):
    import xlsxwriter

    p = tmp_path / "t.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("S")
    for r, row in enumerate(_budget_rows()):
        ws.write_row(r, 0, row)
    ws.add_table("E20:H22", {"columns": [{"header": h} for h in ("a", "Cột1", "c", "d")],
                             "data": [[1, 2, 3, 4], [5, 6, 7, 8]]})
    ws.write_formula("J20", "=SUM(Table1[d])", None, 12)
    wb.close()
    out = fill_workbook(p, tmp_path / "o.xlsx").output  # five year columns before G
    table = openpyxl.load_workbook(out)["S"].tables["Table1"]
    assert table.ref == "E20:M22" and table.autoFilter.ref == "E20:M22"
    assert [c.name for c in table.tableColumns] == ["a", "Cột1", "Cột2", "Cột3", "Cột4", "Cột5", "Cột6", "c", "d"]
    assert [c.id for c in table.tableColumns] == [1, 2, 5, 6, 7, 8, 9, 3, 4]
    values = openpyxl.load_workbook(out, data_only=True)["S"]
    assert [values.cell(20, c).value for c in range(5, 14)] == ["a", "Cột1", "Cột2", "Cột3", "Cột4", "Cột5", "Cột6",
                                                               "c", "d"]
    assert values["O20"].value == 12  # the structured reference still reads column d
    assert assert_cached_equal_recalculated(soffice, out, tmp_path / "lo") >= 3


def test_inserting_through_a_query_table_is_refused_clearly(tmp_path):
    import xlsxwriter

    p = tmp_path / "q.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("S")
    for r, row in enumerate(_budget_rows()):
        ws.write_row(r, 0, row)
    ws.add_table("E20:H22", {"columns": [{"header": h} for h in ("a", "b", "c", "d")]})
    wb.close()
    q = _rezip(p, tmp_path / "q2.xlsx", lambda n, d: (n, d.replace(b"<table ", b'<table tableType="queryTable" ', 1)
                                                      if n.startswith("xl/tables/") else d))
    with pytest.raises(EditError, match="truy vấn"):
        fill_workbook(q, tmp_path / "o.xlsx")
    assert not (tmp_path / "o.xlsx").exists()


def test_size_limits_are_checked_from_the_zip_directory(rich, tmp_path, monkeypatch):
    from nscl_xl.edit import package

    monkeypatch.setattr(package, "MAX_TOTAL_BYTES", 10_000)
    with pytest.raises(EditError, match="quá lớn"):
        annotate_workbook(rich, [], tmp_path / "o.xlsx")
    assert not list(tmp_path.glob("o*"))


def test_shared_formulas_on_another_sheet_reading_the_edited_one(rich, tmp_path, soffice):
    """Excel writes a filled-down formula as one shared formula; on a sheet that reads the edited
    sheet it must be expanded and each cell shifted and recomputed."""
    def edit(name, data):
        if name != "xl/worksheets/sheet2.xml":
            return name, data
        cells = (f'<row r="5"><c r="A5"><f t="shared" ref="A5:A9" si="0">\'{SHEET}\'!I4*2</f><v>0</v></c></row>'
                 + "".join(f'<row r="{r}"><c r="A{r}"><f t="shared" si="0"/><v>{v}</v></c></row>'
                           for r, v in ((6, 150), (7, 75), (8, 0), (9, 120))))
        return name, data.replace(b"</sheetData>", cells.encode() + b"</sheetData>")

    src = _rezip(rich, tmp_path / "shared.xlsx", edit)
    out = fill_workbook(src, tmp_path / "out.xlsx").output
    ws = openpyxl.load_workbook(out)["Tổng hợp"]
    assert [ws.cell(r, 1).value for r in range(5, 10)] == [f"='{SHEET}'!N{r}*2" for r in range(4, 9)]
    values = openpyxl.load_workbook(out, data_only=True)["Tổng hợp"]
    assert [values.cell(r, 1).value for r in range(5, 10)] == [225, 150, 75, 120, 120]
    assert assert_cached_equal_recalculated(soffice, out, tmp_path / "lo") >= 45


def test_xlsx_input_with_a_vba_part_keeps_it(rich, tmp_path, vba_bin):
    """An .xlsx that carries a VBA project (it happens in real files) is not silently stripped."""
    src = rich_workbook(tmp_path / "m.xlsm", vba=vba_bin)
    renamed = tmp_path / "m.xlsx"
    renamed.write_bytes(src.read_bytes())
    out = annotate_workbook(renamed, [], tmp_path / "o.xlsx")
    assert members(out)["xl/vbaProject.bin"] == vba_bin


def test_a_formula_reading_a_changed_name_asks_for_recalculation(rich, tmp_path):
    def edit(name, data):
        if name != "xl/worksheets/sheet2.xml":
            return name, data
        return name, data.replace(b"</sheetData>", b'<row r="9"><c r="A9"><f>SUM(NuaKP)</f><v>135</v></c></row>'
                                                  b"</sheetData>")

    src = _rezip(rich, tmp_path / "n.xlsx", edit)
    report = fill_workbook(src, tmp_path / "out.xlsx")
    assert any("Tổng hợp!A9" in m for m in report.messages)
    assert b'fullCalcOnLoad="1"' in members(report.output)["xl/workbook.xml"]


def test_output_failures_are_messages_and_leave_nothing(rich, tmp_path):
    from click.testing import CliRunner

    from nscl_xl.cli import main

    folder = tmp_path / "ra"
    folder.mkdir()
    res = CliRunner().invoke(main, ["fill-years", str(rich), "-o", str(folder)])
    assert res.exit_code == 4 and "là một thư mục" in res.output
    blocker = tmp_path / "tep"
    blocker.write_text("x")
    res = CliRunner().invoke(main, ["fill-years", str(rich), "-o", str(blocker / "o.xlsx")])
    assert res.exit_code == 4 and "đường dẫn" in res.output
    res = CliRunner().invoke(main, ["verify", str(rich), "--annotate", str(blocker / "a.xlsx")])
    assert res.exit_code == 4 and "đường dẫn" in res.output
    res = CliRunner().invoke(main, ["fill-years", str(rich), "-o", str(tmp_path / ("x" * 300 + ".xlsx"))])
    assert res.exit_code == 4 and "quá dài" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ke_hoach.xlsx", "logo.png", "ra", "tep"])

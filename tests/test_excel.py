"""The Excel buttons and custom functions, on xlwings' remote engine (no Excel needed).

Each button's recorded actions are asserted; the fill button's actions replayed onto a copy
of the workbook give the same table as ``nscl-xl fill-years``.
"""

from __future__ import annotations

import asyncio
import shutil
import types
from collections import Counter
from pathlib import Path

import openpyxl
import xlwings as xw
import xlwings.server as xs

from .conftest import WORKBOOKS
from .remote import remote_book, replay
from .test_fill import stripped_soc_trang

assert xw.func.__module__ == "xlwings.pro.udfs_officejs", "conftest.py must set XLWINGS_ON_SERVER before xlwings loads"

from nscl_xl import excel, udfs  # noqa: E402
from nscl_xl.build_excel import MACROS  # noqa: E402
from nscl_xl.fill import fill_workbook  # noqa: E402


def _actions(book):
    return book.json()["actions"]


def test_verify_button_colours_notes_and_lists(tmp_path):
    book = remote_book(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    findings = excel.verify_book(book)
    acts = _actions(book)
    count = Counter(a["func"] for a in acts)
    # 7 cells marked; the marks sheet (hidden) and the listing sheet added and written
    assert count == {"setRangeColor": 7, "addNote": 7, "addSheet": 2, "setValues": 2, "addHyperlink": 8, "alert": 1,
                     "setSheetVisibility": 1}
    colors = {(a["sheet_position"], a["start_row"], a["start_column"]): a["args"][0].lower() for a in acts
              if a["func"] == "setRangeColor"}
    assert colors[(0, 24, 5)] == "#ffc7ce"  # Phụ lục I!F25: error
    assert colors[(0, 20, 5)] == "#ffeb9c"  # F21: two consequence warnings, in one note
    note_f21 = next(a["args"][1] for a in acts if a["func"] == "addNote" and a["args"][0] == "$F$21")
    assert note_f21.count("[") == 2 and "[parent-sum]" in note_f21 and "[row-sum]" in note_f21
    listing = [a for a in acts if a["func"] == "setValues"][-1]
    assert listing["values"][0][:4] == ["Trang", "Ô", "Mức độ", "Quy tắc"] and len(listing["values"]) == 9
    alert = next(a for a in acts if a["func"] == "alert")
    assert alert["args"][0].startswith("Phát hiện 5 lỗi và 3 cảnh báo") and alert["args"][1] == "NSCL"
    assert len(findings) == 8


def test_verify_button_clean_book():
    book = remote_book(WORKBOOKS / "kien_giang_2021.xlsx")
    assert excel.verify_book(book) == []
    alert = next(a for a in _actions(book) if a["func"] == "alert")
    assert alert["args"][0] == "Không phát hiện sai sót: các tổng đều khớp."


def test_fill_button_equals_cli(tmp_path):
    src = stripped_soc_trang(tmp_path, "Phụ lục I")
    book = remote_book(src)
    excel.fill_book(book, period=(2021, 2025))
    acts = _actions(book)
    assert [a for a in acts if a["func"] == "rangeInsert"][0]["column_count"] == 5
    replayed = replay(acts, src, tmp_path / "replayed.xlsx")
    cli = fill_workbook(src, tmp_path / "cli.xlsx", period=(2021, 2025)).output
    a = openpyxl.load_workbook(replayed)["Phụ lục I"]
    b = openpyxl.load_workbook(cli)["Phụ lục I"]
    for r in range(6, 30):
        assert [a.cell(r, c).value for c in range(1, 12)] == [b.cell(r, c).value for c in range(1, 12)], r


def test_words_button():
    book = remote_book(WORKBOOKS / "kien_giang_2024.xlsx")
    text = excel.words_book(book)
    assert text == "(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng)"
    write = next(a for a in _actions(book) if a["func"] == "setValues")
    assert (write["start_row"], write["start_column"], write["values"]) == (19, 0, [[text]])  # A20, the words line


def test_consolidate_button(tmp_path):
    folder = tmp_path / "tinh"
    shutil.copytree(WORKBOOKS, folder)
    book = remote_book(folder / "kien_giang_2021.xlsx")
    out = excel.consolidate_folder(book, str(folder))
    assert out == folder / "tong_hop_nscl.xlsx" and out.exists()
    alert = next(a for a in _actions(book) if a["func"] == "alert")["args"][0]
    assert "Đã tổng hợp 5 tệp" in alert and "26.283.000.000 đồng" in alert


def test_runpython_wrappers_show_errors_not_tracebacks():
    book = remote_book(WORKBOOKS / "an_giang_2022_2030.xlsx")  # no budget table on the active sheet
    book.set_mock_caller()
    excel.dien_nam()
    alert = next(a for a in _actions(book) if a["func"] == "alert")
    assert alert["args"][1] == "NSCL - lỗi" and alert["args"][0].startswith("Lỗi: ")
    assert "không có bảng dự toán" in alert["args"][0] and "Traceback" not in alert["args"][0]


def _udf(name, *args):
    module = types.ModuleType("nscl_udfs")
    module.__dict__.update({k: getattr(udfs, k) for k in ("BANGCHU", "SOTIEN")})
    data = {"func_name": name, "args": [[[a]] for a in args], "caller_address": "Sheet1!B2", "formula_name": name,
            "version": xw.__version__, "runtime": "1.4", "culture_info_name": "vi-VN", "date_format": "dd/mm/yyyy",
            "client": "Office.js"}
    return asyncio.run(xs.custom_functions_call(data, module))


def test_udfs_through_the_office_js_call_path():
    assert _udf("BANGCHU", 2628000000) == [["Hai tỷ, sáu trăm hai mươi tám triệu đồng"]]
    assert _udf("BANGCHU", 6370, "trieu") == [["Sáu tỷ, ba trăm bảy mươi triệu đồng"]]
    assert _udf("BANGCHU", 1024105, "dong", "mien-nam", True) == \
        [["Một triệu, không trăm hai mươi tư ngàn, một trăm lẻ năm đồng chẵn"]]
    assert _udf("BANGCHU", None) == [[""]]
    assert _udf("BANGCHU", "abc") == [["Không phải số tiền: 'abc'"]]
    assert _udf("BANGCHU", 5, "usd") == [["Đơn vị 'usd' không hợp lệ (dùng dong, nghin hoặc trieu)"]]
    assert _udf("SOTIEN", "Hai tỷ, sáu trăm hai mươi tám triệu đồng") == [[2628000000]]
    assert _udf("SOTIEN", "xin chào")[0][0].startswith("Không đọc được:")
    meta = xs.custom_functions_meta(types.SimpleNamespace(BANGCHU=udfs.BANGCHU, SOTIEN=udfs.SOTIEN))
    names = {f["name"] for f in meta["functions"]}
    assert {"BANGCHU", "SOTIEN"} <= names


def test_lite_module_scripts(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("lite_main", MACROS / "lite" /
                                                  "main.py")
    lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lite)
    meta = xs.custom_scripts_meta(lite)
    assert {m["function_name"]: m["name"] for m in meta} == {"dien_nam": "Điền năm", "kiem_tra": "Kiểm tra",
                                                             "bang_chu": "Bằng chữ"}
    book = remote_book(WORKBOOKS / "kien_giang_2024.xlsx")
    asyncio.run(xs.custom_scripts_call(lite, "bang_chu", typehint_to_value={xw.Book: book}))
    assert any(a["func"] == "setValues" for a in _actions(book))
    assert xs.custom_functions_meta(lite)["functions"]


def test_lite_scripts_say_what_to_do_when_excel_refuses(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("lite_main2", MACROS / "lite" /
                                                  "main.py")
    lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lite)
    for exc, expected in [(NotImplementedError("Notes require ExcelApi 1.18"), "Hãy cập nhật Excel"),
                          (RuntimeError("InvalidOperation"), "bỏ bảo vệ trang"),
                          (excel.buttons.NsclError("bảng chưa có dòng tổng cộng"), "Lỗi: bảng chưa có dòng tổng cộng")]:
        book = remote_book(WORKBOOKS / "kien_giang_2024.xlsx")

        def fail(_book, exc=exc):
            raise exc

        lite._safe(fail, book)
        alert = next(a for a in _actions(book) if a["func"] == "alert")["args"]
        assert expected in alert[0] and alert[1] == "NSCL - lỗi" and "Traceback" not in alert[0]


def test_verify_button_equals_cli_annotate(tmp_path):
    from click.testing import CliRunner

    from nscl_xl.cli import main

    src = WORKBOOKS / "soc_trang_2021_2030.xlsx"
    book = remote_book(src)
    excel.verify_book(book)
    replayed = openpyxl.load_workbook(replay(_actions(book), src, tmp_path / "replayed.xlsx"))
    CliRunner().invoke(main, ["verify", str(src), "--annotate", str(tmp_path / "cli.xlsx")])
    cli = openpyxl.load_workbook(tmp_path / "cli.xlsx")

    def marked(wb):
        return {(ws.title, c.coordinate, c.fill.fgColor.rgb[-6:].upper(), c.comment.text.count("[") if c.comment else 0)
                for ws in wb.worksheets if ws.title != "Kiểm tra" for row in ws.iter_rows() for c in row
                if c.comment is not None}

    assert marked(replayed) == marked(cli) and len(marked(cli)) == 7


# --- Kiểm tra twice: marks remembered, taken back, the user's own fill and note restored ---------------

def _broken_copy(tmp_path, fill=None, note=None):
    """kien_giang_2021 (clean) with G9 = 31 000 instead of 30 000 (row and parent sums break),
    optionally with the clerk's own fill and note on G9."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    wb = openpyxl.load_workbook(WORKBOOKS / "kien_giang_2021.xlsx")
    ws = wb["Phụ lục"]
    ws["G9"] = 31000
    if fill:
        ws["G9"].fill = PatternFill("solid", fgColor=fill)
    if note:
        ws["G9"].comment = Comment(note, "Cán bộ")
    path = tmp_path / "kien_giang_loi.xlsx"
    wb.save(path)
    return path


def _click_kiem_tra(src, dst, monkeypatch=None):
    """One click on the remote engine over *src*; the recorded actions replayed into *dst*."""
    book = remote_book(src)
    findings = excel.verify_book(book)
    return findings, replay(_actions(book), src, dst), _actions(book)


def _state(path, cell="G9"):
    wb = openpyxl.load_workbook(path)
    c = wb["Phụ lục"][cell]
    fill = c.fill.fgColor.rgb[-6:].upper() if c.fill is not None and c.fill.fill_type == "solid" else None
    return fill, (c.comment.text if c.comment else None), wb.sheetnames, \
        {ws.title: ws.sheet_state for ws in wb.worksheets}


def _fix(path, dst):
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục"]["G9"] = 30000
    wb.save(dst)
    return dst


def test_verify_twice_around_a_fix_ends_clean(tmp_path):
    src = _broken_copy(tmp_path)
    findings, once, _ = _click_kiem_tra(src, tmp_path / "once.xlsx")
    assert {f.cell for f in findings if f.sheet == "Phụ lục"} >= {"G9"}
    fill, note, sheets, states = _state(once)
    assert fill == "FFC7CE" and note.startswith("[") and excel.MARKS_SHEET in sheets
    assert states[excel.MARKS_SHEET] == "hidden"
    marked = {m.cell for m in excel.marks.read_marks(remote_book(once))}
    assert marked == {f.cell for f in findings if f.sheet == "Phụ lục"}

    # Clicked again without a fix: the same marks, not doubled notes
    again, twice, acts = _click_kiem_tra(once, tmp_path / "twice.xlsx")
    assert len(again) == len(findings) and _state(twice)[:2] == (fill, note)
    assert sum(a["func"] == "deleteNote" for a in acts) == len(marked)  # every old note taken back first

    # The clerk fixes G9 and clicks again: a clean table ends clean
    fixed = _fix(twice, tmp_path / "fixed.xlsx")
    clean, after, acts = _click_kiem_tra(fixed, tmp_path / "after.xlsx")
    assert clean == []
    wb = openpyxl.load_workbook(after)
    ws = wb["Phụ lục"]
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.comment is not None] == []
    assert [c.coordinate for row in ws.iter_rows() for c in row if c.fill.fill_type == "solid"] == []
    assert excel.MARKS_SHEET not in wb.sheetnames
    assert wb["Kiểm tra"]["E2"].value == "Không phát hiện sai sót."
    assert wb["Kiểm tra"]["B2"].hyperlink is None  # the old links went with the old listing


def test_verify_keeps_a_note_it_cannot_read(tmp_path):
    """The remote engine (like xlwings Lite) cannot read a note's text: the clerk's note is
    left alone rather than overwritten, and stays after the fix."""
    src = _broken_copy(tmp_path, note="Số liệu của phòng Kế hoạch")
    findings, once, acts = _click_kiem_tra(src, tmp_path / "once.xlsx")
    assert not any(a["func"] in ("addNote", "setNoteText") and a["args"][0] == "$G$9" for a in acts)
    assert _state(once)[:2] == ("FFC7CE", "Số liệu của phòng Kế hoạch")
    mark = next(m for m in excel.marks.read_marks(remote_book(once)) if m.cell == "G9")
    assert (mark.note_state, mark.prior_fill) == ("kept", "?")
    _, after, _ = _click_kiem_tra(_fix(once, tmp_path / "fixed.xlsx"), tmp_path / "after.xlsx")
    assert _state(after)[:2] == (None, "Số liệu của phòng Kế hoạch")


def test_verify_restores_the_users_fill_and_note_where_excel_tells_them(tmp_path, monkeypatch):
    """Desktop Excel answers Range.color and Note.text; the remote engine's getters are made to
    answer from the replayed file's state (what Excel would say), so the restoring branch runs."""
    import xlwings.pro._xlremote as remote

    state = {}

    def color(self):
        c = openpyxl.load_workbook(state["path"])[self.sheet.name][self.address.replace("$", "")]
        return "#" + c.fill.fgColor.rgb[-6:] if c.fill.fill_type == "solid" else None

    def text(self):
        c = openpyxl.load_workbook(state["path"])[self.range.sheet.name][self.range.address.replace("$", "")]
        return c.comment.text if c.comment else None

    monkeypatch.setattr(remote.Range, "color", property(color, remote.Range.color.fset))
    monkeypatch.setattr(remote.Note, "text", property(text, remote.Note.text.fset))
    src = _broken_copy(tmp_path, fill="C6EFCE", note="Số liệu của phòng Kế hoạch")
    state["path"] = src
    _, once, acts = _click_kiem_tra(src, tmp_path / "once.xlsx")
    fill, note, _, _ = _state(once)
    assert fill == "FFC7CE" and note.startswith("[qty-price] Dòng 1.1") and "phòng Kế hoạch" not in note
    mark = next(m for m in excel.marks.read_marks(remote_book(once)) if m.cell == "G9")
    assert (mark.prior_fill, mark.note_state, mark.prior_note) == ("#C6EFCE", "replaced", "Số liệu của phòng Kế hoạch")
    fixed = _fix(once, tmp_path / "fixed.xlsx")
    state["path"] = fixed
    _, after, _ = _click_kiem_tra(fixed, tmp_path / "after.xlsx")
    assert _state(after)[:2] == ("C6EFCE", "Số liệu của phòng Kế hoạch")
    assert excel.MARKS_SHEET not in _state(after)[2]


def _lite():
    import importlib.util

    spec = importlib.util.spec_from_file_location("lite_main_k", MACROS / "lite" /
                                                  "main.py")
    lite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lite)
    return lite


def test_lite_kiem_tra_restores_through_async_reads(tmp_path, monkeypatch):
    """xlwings Lite reads fills and note texts only with await (get_color, get_text): the
    Kiểm tra script reads them first; here they answer from the replayed file's state, as Excel
    would, while the synchronous getters stay unavailable as in Lite."""
    import xlwings.pro._xlremote as remote

    state = {}

    async def get_color(self):
        c = openpyxl.load_workbook(state["path"])[self.sheet.name][self.address.replace("$", "")]
        return tuple(int(c.fill.fgColor.rgb[-6:][i:i + 2], 16) for i in (0, 2, 4)) if c.fill.fill_type == "solid" \
            else None

    async def get_text(self):
        c = openpyxl.load_workbook(state["path"])[self.range.sheet.name][self.range.address.replace("$", "")]
        return c.comment.text

    monkeypatch.setattr(remote.Range, "get_color", get_color)
    monkeypatch.setattr(remote.Note, "get_text", get_text)
    lite = _lite()
    src = _broken_copy(tmp_path, fill="C6EFCE", note="Số liệu của phòng Kế hoạch")
    paths = [src, tmp_path / "once.xlsx", tmp_path / "fixed.xlsx", tmp_path / "after.xlsx"]
    state["path"] = src
    book = remote_book(src)
    asyncio.run(xs.custom_scripts_call(lite, "kiem_tra", typehint_to_value={xw.Book: book}))
    replay(_actions(book), src, paths[1])
    fill, note, _, _ = _state(paths[1])
    assert fill == "FFC7CE" and note.startswith("[qty-price]")
    state["path"] = _fix(paths[1], paths[2])
    book = remote_book(paths[2])
    asyncio.run(xs.custom_scripts_call(lite, "kiem_tra", typehint_to_value={xw.Book: book}))
    replay(_actions(book), paths[2], paths[3])
    assert _state(paths[3])[:2] == ("C6EFCE", "Số liệu của phòng Kế hoạch")


def test_verify_leaves_a_mark_the_user_changed(tmp_path, monkeypatch):
    """A cell whose fill the clerk changed after the click is the clerk's now: not reset."""
    import xlwings.pro._xlremote as remote

    src = _broken_copy(tmp_path)
    _, once, _ = _click_kiem_tra(src, tmp_path / "once.xlsx")
    monkeypatch.setattr(remote.Range, "color", property(lambda self: (255, 255, 0), remote.Range.color.fset))
    book = remote_book(_fix(once, tmp_path / "fixed.xlsx"))
    excel.verify_book(book)
    g9 = [a for a in _actions(book) if a["func"] == "setRangeColor" and (a["start_row"], a["start_column"]) == (8, 6)]
    assert g9 == []


# --- status bar --------------------------------------------------------------------------------------

class _RecordingApp:
    """Stands in for desktop Excel's Application status bar (the remote engine has none)."""

    def __init__(self):
        self.values = []

    @property
    def status_bar(self):
        return self.values[-1] if self.values else False

    @status_bar.setter
    def status_bar(self, value):
        self.values.append(value)


def test_long_buttons_show_progress_and_give_the_status_bar_back(monkeypatch):
    from nscl_xl.excel import live

    app = _RecordingApp()
    book = remote_book(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    monkeypatch.setattr(live.Progress, "__init__", lambda self, b: (setattr(self, "app", app),
                                                                    setattr(self, "shown", []),
                                                                    setattr(self, "available", True))[0])
    excel.verify_book(book)
    assert app.values[0] == "NSCL: đang gỡ dấu của lần kiểm tra trước…"
    assert "NSCL: đang tô màu ô 7/7" in app.values and app.values[-1] is False
    app.values.clear()
    broken = remote_book(WORKBOOKS / "an_giang_2022_2030.xlsx")  # no table on the active sheet: fails
    try:
        excel.fill_book(broken)
    except Exception as exc:
        assert "không có bảng dự toán" in str(exc)
    assert app.values == ["NSCL: đang đọc bảng…", False]  # given back on error too


def test_progress_is_silent_where_excel_has_no_status_bar():
    book = remote_book(WORKBOOKS / "kien_giang_2024.xlsx")
    with excel.live.progress(book) as bar:
        bar.show("x")
    assert bar.available is False and bar.shown == []


# --- Tổng hợp: Python asks Excel for the folder ------------------------------------------------------

class _FolderPicker:
    """Excel's FileDialog(msoFileDialogFolderPicker) as COM exposes it."""

    def __init__(self, answer):
        self.answer, self.asked = answer, None

    def FileDialog(self, kind):  # noqa: N802 - COM name
        self.asked = kind
        return self

    def Show(self):  # noqa: N802
        return -1 if self.answer else 0

    def SelectedItems(self, i):  # noqa: N802
        return self.answer


def test_tong_hop_asks_excel_for_the_folder(tmp_path, monkeypatch):
    import xlwings.pro._xlremote as remote

    folder = tmp_path / "Dự toán 2026 & 'bản' ^%PATH%"
    shutil.copytree(WORKBOOKS, folder)
    book = remote_book(folder / "kien_giang_2021.xlsx")
    picker = _FolderPicker(str(folder))
    monkeypatch.setattr(remote.App, "api", property(lambda self: picker))
    excel.tong_hop()
    assert picker.asked == 4 and picker.AllowMultiSelect is False and picker.Title.startswith("Chọn thư mục")
    alert = next(a for a in _actions(book) if a["func"] == "alert")["args"][0]
    assert "Đã tổng hợp 5 tệp" in alert and (folder / "tong_hop_nscl.xlsx").exists()

    picker.answer = None  # the clerk closes the picker: nothing happens, nothing is said
    book = remote_book(folder / "kien_giang_2021.xlsx")
    excel.tong_hop()
    assert _actions(book) == []


def test_tong_hop_without_a_picker_uses_the_books_folder():
    book = remote_book(WORKBOOKS / "kien_giang_2021.xlsx")  # remote engine: no dialog, no saved folder
    excel.tong_hop()
    alert = next(a for a in _actions(book) if a["func"] == "alert")
    assert alert["args"][:2] == ["Lỗi: sổ này chưa được lưu vào thư mục nào; hãy lưu sổ hoặc chọn thư mục cần tổng hợp.",
                             "NSCL - lỗi"]

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
from nscl_xl.fill import fill_workbook  # noqa: E402


def _actions(book):
    return book.json()["actions"]


def test_verify_button_colours_notes_and_lists(tmp_path):
    book = remote_book(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    findings = excel.verify_book(book)
    acts = _actions(book)
    count = Counter(a["func"] for a in acts)
    assert count == {"setRangeColor": 7, "addNote": 7, "addSheet": 1, "setValues": 1, "addHyperlink": 8, "alert": 1}
    colors = {(a["sheet_position"], a["start_row"], a["start_column"]): a["args"][0].lower() for a in acts
              if a["func"] == "setRangeColor"}
    assert colors[(0, 24, 5)] == "#ffc7ce"  # Phụ lục I!F25: error
    assert colors[(0, 20, 5)] == "#ffeb9c"  # F21: two consequence warnings, in one note
    note_f21 = next(a["args"][1] for a in acts if a["func"] == "addNote" and a["args"][0] == "$F$21")
    assert note_f21.count("[") == 2 and "[parent-sum]" in note_f21 and "[row-sum]" in note_f21
    listing = next(a for a in acts if a["func"] == "setValues")
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

    spec = importlib.util.spec_from_file_location("lite_main", Path(__file__).parent.parent / "macros" / "lite" /
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

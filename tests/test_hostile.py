"""Hostile and messy input: nothing crashes, nothing is lost, nothing runs.

The corpus is generated here (nothing binary is committed). Every file goes through the CLI:
a clear Vietnamese message naming the file, the documented exit code, no traceback, no
partial output, and the input byte-for-byte unchanged.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscl_xl.cli import main
from nscl_xl.money import NotANumber, parse_number
from nscl_xl.reader import read_grids_plan, read_plan
from nscl_xl.verify import verify_path, verify_plan

from .lo import convert
from nscl_xl.words import WordsError, words_to_amount
from nscl_xl.workbook_io import SheetGrid

from . import grids as G
from .conftest import WORKBOOKS, sha256

SOC = WORKBOOKS / "soc_trang_2021_2030.xlsx"
HEADER = ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí", "2026", "2027"]


def _book(path: Path, rows, name="S") -> Path:
    return G.write_grid(path, [G.SheetGrid(name, rows)])


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MiB of zeros -> ~64 KiB compressed
                fh.write(block)
    return path


def _openpyxl_sheet(path: Path, rows, errors: dict[str, str] | None = None) -> Path:
    """Rows as typed (strings starting with "=" become formulas), plus error cells like #REF!."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    for ref, text in (errors or {}).items():
        ws[ref] = text
        ws[ref].data_type = "e"
    wb.save(path)
    return path


def _error_cells(path: Path) -> Path:
    rows = [["Đơn vị tính: triệu đồng"], HEADER, ["1", "a", 1, 5, 5, 5, 0], ["2", "b", 1, 5, None, 5, 0]]
    return _openpyxl_sheet(path, rows, {"E4": "#REF!", "G4": "#DIV/0!"})


def _circular(path: Path) -> Path:
    rows = [["Đơn vị tính: triệu đồng"], HEADER[:5], ["1", "a", 1, 5, "=E4"], ["2", "b", 1, 5, "=E3"]]
    return _openpyxl_sheet(path, rows)


def _tcvn3(path: Path) -> Path:
    rows = [["Phô lôc"], ["§¬n vÞ tÝnh: TriÖu ®ång"], ["TT", "Néi dung", "Tæng kinh phÝ"], ["1", "Tæ chøc Héi nghÞ", 30],
            ["", "Tæng céng", 30]]
    return _book(path, rows)


def _vni(path: Path) -> Path:
    rows = [["Phuï luïc"], ["Ñôn vò tính: Trieäu ñoàng"], ["TT", "Noäi dung", "Toång kinh phí"],
            ["1", "Toå chöùc Hoäi nghò", 30], ["", "Toång coäng", 30]]
    return _book(path, rows)


# (builder, verify exit code, text the message must contain)
CORPUS = {
    "hong.xlsx": (lambda p: p.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4) or p, 2, "bị hỏng"),
    "cut.xlsx": (lambda p: p.write_bytes(SOC.read_bytes()[:3000]) or p, 2, "bị hỏng"),
    "bang.csv.xlsx": (lambda p: p.write_text("TT,Nội dung\n1,a\n", encoding="utf-8") or p, 2, "không phải bảng tính"),
    "vanban.pdf.xlsx": (lambda p: p.write_bytes(b"%PDF-1.4\n%...") or p, 2, "tệp PDF"),
    "rong.xlsx": (lambda p: p.write_bytes(b"") or p, 2, "tệp rỗng"),
    "bom.xlsx": (_zip_bomb, 2, "từ chối đọc để an toàn"),
    "trong.xlsx": (lambda p: openpyxl.Workbook().save(p) or p, 1, "không tìm thấy bảng dự toán"),
    "loi_cong_thuc.xlsx": (_error_cells, 1, "không phải là số"),
    # A circular formula saved without values cannot be computed: an error at each cell (it was
    # a warning, exit 0, while the amounts read as empty).
    "vong_tron.xlsx": (_circular, 1, "tham chiếu vòng"),
    "tcvn3.xlsx": (_tcvn3, 0, "TCVN3"),
    "vni.xlsx": (_vni, 1, "VNI"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, (make, _, _) in CORPUS.items():
        make(folder / name)
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(WORKBOOKS / "kien_giang_2021.xlsx", "rb") as src, open(folder / "khoa.xlsx", "wb") as out:
        OOXMLFile(src).encrypt("matkhau", out)
    return folder


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_bad_file_gets_a_clear_message(corpus, name, tmp_path):
    path = corpus / name
    before = sha256(path)
    res = CliRunner().invoke(main, ["verify", str(path)])
    _, code, needle = CORPUS[name]
    assert res.exit_code == code, res.output
    assert needle in res.output and name in res.output
    # CliRunner keeps an exception out of the output: a crash shows as res.exception (exit 1)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert sha256(path) == before


def test_encrypted_file(corpus):
    res = CliRunner().invoke(main, ["verify", str(corpus / "khoa.xlsx")])
    assert res.exit_code == 2 and "mật khẩu" in res.output


def test_tcvn3_is_converted_and_vni_reported(corpus):
    plan = read_plan(corpus / "tcvn3.xlsx")
    (t,) = plan.tables
    assert t.lines[0].item == "Tổ chức Hội nghị" and t.unit.label == "triệu đồng" and t.total.amount.value == 30
    assert plan.encodings == {"S": "tcvn3"}
    assert read_plan(corpus / "vni.xlsx").encodings == {"S": "vni"}


def test_consolidate_over_the_corpus(corpus, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(corpus, folder)
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder)
    before = {p.name: sha256(p) for p in folder.iterdir()}
    out = tmp_path / "out" / "th.xlsx"
    # run as a user would (a subprocess: a traceback would show in its output, CliRunner hides it)
    res = subprocess.run([sys.executable, "-m", "nscl_xl", "consolidate", str(folder), "-o", str(out),
                          "--csv", str(tmp_path / "th.csv")], capture_output=True, text=True, timeout=300)
    output = res.stdout + res.stderr
    assert res.returncode == 3, output  # some files skipped, the rest consolidated
    assert "Traceback" not in output
    for name in ("hong.xlsx", "bom.xlsx", "khoa.xlsx", "trong.xlsx", "vni.xlsx"):
        assert name in output
    assert out.exists() and {p.name: sha256(p) for p in folder.iterdir()} == before
    strict = CliRunner().invoke(main, ["consolidate", str(folder), "--strict", "-o", str(tmp_path / "s.xlsx")])
    assert strict.exit_code == 2 and not (tmp_path / "s.xlsx").exists()
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_ods_reads_the_same(tmp_path, soffice):
    ods = convert(soffice, SOC, tmp_path, "ods", recalc=False)
    a, b = read_plan(SOC), read_plan(ods)
    assert [[(ln.code, ln.amount.value, dict((y, x.value) for y, x in ln.years.items())) for ln in t.lines]
            for t in a.tables] == [[(ln.code, ln.amount.value, dict((y, x.value) for y, x in ln.years.items()))
                                    for ln in t.lines] for t in b.tables]


def test_duplicate_year_columns_negative_and_absurd_amounts():
    rows = [["Đơn vị tính: đồng"], ["TT", "Nội dung", "Tổng kinh phí", "2026", "2026", "2027"],
            ["1", "âm", -5, -5, 9, 0], ["2", "khổng lồ", 10**24, 10**24, 1, 0], ["", "Tổng cộng", 10**24 - 5, 10**24 - 5, 0, 0]]
    plan = read_grids_plan([SheetGrid("S", rows)], "x.xlsx")
    findings = verify_plan(plan)
    # The repeated 2026 column is not read: its numbers are listed (they used to be dropped silently).
    assert {(f.rule, f.severity, f.cell) for f in findings} == {("duplicate-column", "warning", "A2")} | {
        ("unread-number", "warning", c) for c in ("E3", "E4", "E5")}
    assert plan.tables[0].grand_total_dong() == 10**24 - 5  # exact, no float


def test_labels_starting_with_equals_and_very_long_text(tmp_path):
    long_item = "Nội dung rất dài " * 3000  # ~51 000 characters, beyond Excel's 32 767 per cell
    rows = [["TỈNH LONG AN NĂM 2025"], ["TT", "Nội dung", "Thành tiền (đồng)"], ["1", "=SUM(A1:A9)", 5],
            ["2", long_item, 7], ["", "Tổng cộng", 12]]
    src = _book(tmp_path / "x.xlsx", rows)
    res = CliRunner().invoke(main, ["consolidate", str(tmp_path), "-o", str(tmp_path / "o" / "t.xlsx"),
                                    "--csv", str(tmp_path / "o" / "t.csv")])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(tmp_path / "o" / "t.xlsx")
    data = wb["Dữ liệu"]
    assert data["F2"].value == "=SUM(A1:A9)" and data["F2"].data_type == "s"
    assert len(data["F3"].value) == 32_767
    assert "'=SUM(A1:A9)" in (tmp_path / "o" / "t.csv").read_text(encoding="utf-8")
    assert src.exists()


def test_hundred_thousand_line_table(tmp_path):
    import xlsxwriter

    path = tmp_path / "lon.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("S")
    ws.write_row(0, 0, ["Đơn vị tính: triệu đồng"])
    ws.write_row(1, 0, ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí"])
    for i in range(100_000):
        ws.write_row(2 + i, 0, [f"{i + 1}", f"Nhiệm vụ {i + 1}", 2, 5, 11 if i == 77_777 else 10])
    ws.write_row(100_002, 0, ["", "Tổng cộng", None, None, 1_000_001])
    wb.close()
    _, findings = verify_path(path)
    assert [(f.cell, f.rule) for f in findings if f.severity == "error"] == [("E77780", "qty-price")]


# --- numbers typed as text in every style ---------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("5.405", "5405"), ("1.191", "1191"), ("12,5", "12.5"), ("01", "1"), ("1.234.567,89", "1234567.89"),
    ("1,234,567.89", "1234567.89"), ("1,234,567", "1234567"), ("1 234 567", "1234567"), ("1\u00a0234", "1234"),
    ("(1.500)", "-1500"), ("-2.000", "-2000"), ("−7", "-7"), ("+3", "3"), ("2.628.000.000 đồng", "2628000000"),
    ("15 VNĐ", "15"), ("0,05", "0.05"), ("12.5", "12.5"), ("1.5", "1.5"),
])
def test_numbers_as_text(text, value):
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["12,5,3", "1.2.3,4,5", "abc", "1e5", "12%", "5-3", "..", "1,23.4"])
def test_not_numbers(text):
    with pytest.raises(NotANumber):
        parse_number(text)


# --- fuzzing (bounded here; bench/fuzz.py runs longer) ----------------------------------------------

CELLS = st.one_of(st.none(), st.integers(-10**15, 10**15), st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from(HEADER + ["Tổng cộng", "(Bằng chữ: Mười đồng)", "I", "1.1", "-", "a)", "5.405", "",
                                            "Đơn vị tính: triệu đồng", "#REF!", "KT. CHỦ TỊCH", "2026", "Nhóm"]),
                  st.text(max_size=30), st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELLS, max_size=9), max_size=25))
def test_fuzz_reader_and_verifier_never_crash(rows):
    plan = read_grids_plan([SheetGrid("S", rows)], "fuzz.xlsx")
    for f in verify_plan(plan):
        assert f.rule and f.message and f.severity in ("error", "warning")


WORDS = st.lists(st.sampled_from(["một", "hai", "ba", "bốn", "tư", "năm", "lăm", "mốt", "mười", "mươi", "trăm", "nghìn",
                                  "ngàn", "triệu", "tỷ", "tỉ", "linh", "lẻ", "không", "phẩy", "âm", "đồng", "chẵn", ",",
                                  "đô la Mỹ", "xu", "Bằng chữ:", "(", ")", "x"]), max_size=14).map(" ".join)


@settings(max_examples=1500, deadline=None)
@given(text=st.one_of(WORDS, st.text(max_size=40)))
def test_fuzz_words_parser(text):
    try:
        value = words_to_amount(text)
    except WordsError as exc:
        assert str(exc)
    else:
        assert isinstance(value, (int, Decimal))
        assert words_to_amount(unicodedata.normalize("NFD", text)) == value

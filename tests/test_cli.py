"""Command-line conventions: '-' is stdout, --json, -q, --fail-on, CSV dialects, accented choices,
click's texts in Vietnamese, outputs never over inputs, every file accounted for, hints shown."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nscl_xl.cli import main

from .conftest import ROOT, WORKBOOKS, sha256

SEED_TOTAL = 26_283_000_000


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): sha256(p) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def kg(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder / "kg.xlsx")
    return folder


# --- stdout, --json, --quiet --------------------------------------------------------------------------

def test_json_run_summary_to_stdout(workbooks_copy, tmp_path):
    (workbooks_copy / "ke_hoach.pdf").write_bytes(b"%PDF-1.4 scan")
    (workbooks_copy / "to_trinh.docx").write_bytes(b"PK\x03\x04word")
    res = run("consolidate", workbooks_copy, "--json", "-", "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)  # stdout is pure JSON: the human report went to stderr
    assert data["total_vnd"] == SEED_TOTAL and data["exit_code"] == 0
    files = {Path(f["file"]).name: f for f in data["files"]}
    assert set(files) == {p.name for p in workbooks_copy.rglob("*") if p.is_file()}
    assert files["ke_hoach.pdf"]["status"] == "ignored" and "tệp PDF" in files["ke_hoach.pdf"]["reason"]
    assert files["to_trinh.docx"]["status"] == "ignored" and "văn bản Word" in files["to_trinh.docx"]["reason"]
    assert files["mau_du_toan_giai_doan.xlsx"]["status"] == "ignored"
    assert data["counts"] == {"used": 5, "skipped": 0, "ignored": 3, "duplicate": 0, "conflict": 0}
    assert [p["province"] for p in data["provinces"]] == ["An Giang", "Kiên Giang", "Sóc Trăng"]
    assert data["provinces"][1]["by_year"] == {"2021": 3_100_000_000, "2024": 2_628_000_000}
    assert "Tổng cộng: 26.283.000.000 đồng" in res.stderr
    nguon = __import__("python_calamine").CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")) \
        .get_sheet_by_name("Nguồn").to_python()
    assert {Path(r[0]).name for r in nguon[1:]} == set(files)  # listed in "Nguồn" too


def test_json_file_and_quiet(kg, tmp_path):
    res = run("consolidate", kg, "-q", "--json", tmp_path / "run.json", "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 0 and res.stdout == "" and res.stderr == ""
    data = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert data["total_vnd"] == 3_100_000_000 and data["outputs"]["xlsx"] == str(tmp_path / "t.xlsx")


def test_xlsx_and_csv_to_stdout(kg, tmp_path):
    res = run("consolidate", kg, "-o", "-")
    assert res.exit_code == 0 and res.stdout_bytes.startswith(b"PK\x03\x04")
    assert not Path("-").exists() and "Tổng cộng" in res.stderr
    (tmp_path / "x.xlsx").write_bytes(res.stdout_bytes)
    import python_calamine as pc

    assert "Tổng hợp" in pc.CalamineWorkbook.from_path(str(tmp_path / "x.xlsx")).sheet_names

    res = run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--csv", "-")
    assert res.exit_code == 0 and not Path("-").exists()
    assert res.stdout.startswith("province,year,")  # plain (no BOM) by default on stdout
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert sum(int(r["amount_vnd"]) for r in rows) == 3_100_000_000

    res = run("consolidate", kg, "-o", "-", "--csv", "-")
    assert res.exit_code == 2 and "chỉ một đầu ra" in res.stderr


def test_csv_dialects(kg, tmp_path):
    for dialect, head in [("excel", b"\xef\xbb\xbfprovince,year,"), ("excel-vn", b"\xef\xbb\xbfprovince;year;"),
                          ("plain", b"province,year,")]:
        out = tmp_path / f"{dialect}.csv"
        res = run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--csv", out, "--csv-dialect", dialect)
        assert res.exit_code == 0 and out.read_bytes().startswith(head), dialect
        text = out.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if dialect == "excel-vn" else ","))
        assert sum(int(r[5]) for r in rows[1:]) == 3_100_000_000
    default = tmp_path / "d.csv"
    run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--csv", default)
    assert default.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel-friendly by default for a file


# --- --fail-on ----------------------------------------------------------------------------------------

def test_fail_on(tmp_path):
    soc = tmp_path / "st"
    soc.mkdir()
    shutil.copy(WORKBOOKS / "soc_trang_2021_2030.xlsx", soc)  # 5 errors, 3 warnings
    out = tmp_path / "t.xlsx"
    assert run("consolidate", soc, "-o", out).exit_code == 0  # default: never
    assert run("consolidate", soc, "-o", out, "--fail-on", "error").exit_code == 1
    assert run("consolidate", soc, "-o", out, "--fail-on", "lỗi").exit_code == 1
    assert run("verify", soc / "soc_trang_2021_2030.xlsx").exit_code == 1  # verify: error by default
    assert run("verify", soc / "soc_trang_2021_2030.xlsx", "--fail-on", "never").exit_code == 0
    kg = WORKBOOKS / "kien_giang_2021.xlsx"
    assert run("verify", kg).exit_code == 0
    q = run("verify", soc / "soc_trang_2021_2030.xlsx", "-q")
    assert q.exit_code == 1 and q.stdout == ""


# --- accents and Vietnamese click texts ---------------------------------------------------------------

def test_accented_and_unaccented_choices(kg, tmp_path):
    import python_calamine as pc

    for unit in ("triệu", "TRIỆU", "trieu", "Triệu"):
        res = run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--unit", unit)
        assert res.exit_code == 0, res.output
        rows = pc.CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_name("Tổng hợp").to_python()
        assert rows[3][0] == "Đơn vị tính: triệu đồng"
    assert run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--unit", "nghìn", "--organisation", "SỞ KH&CN",
               "--place", "Rạch Giá").exit_code == 0
    rows = pc.CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_name("Tổng hợp").to_python()
    assert rows[0][0] == "SỞ KH&CN" and rows[3][0] == "Đơn vị tính: nghìn đồng"
    assert any(str(r[c]).startswith("Rạch Giá, ngày ") for r in rows for c in range(len(r)))
    assert run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--unit", "ngàn").exit_code == 0
    assert run("words", "5", "--unit", "triệu").stdout.strip() == "Năm triệu đồng"
    assert run("words", "5", "--unit", "tỷ").stdout.strip() == "Năm tỷ đồng"
    bad = run("consolidate", kg, "--unit", "đô")
    assert bad.exit_code == 2
    assert "Lỗi: giá trị không hợp lệ cho '--unit': 'đô' không phải một trong: đồng (dong), nghìn (nghin)" in bad.stderr


ENGLISH = ("Usage:", "Options:", "Commands:", "Error:", "Show this message", "Missing argument", "No such option",
           "Try '", "default:", "is not one of", "does not exist")


@pytest.mark.parametrize("args, expect", [
    (["--help"], ["Cách dùng: nscl-xl [TÙY CHỌN] LỆNH [ĐỐI SỐ]...", "Tùy chọn:", "Lệnh:", "Hiện hướng dẫn này",
                  "consolidate Tổng hợp"]),
    (["consolidate", "--help"], ["Cách dùng: nscl-xl consolidate [TÙY CHỌN] DIRECTORY", "[mặc định: trieu]"]),
    (["consolidate"], ["Lỗi: thiếu đối số 'DIRECTORY'.", "Xem 'nscl-xl consolidate --help'"]),
    (["consolidate", "x", "--bogus"], ["Lỗi: không có tùy chọn '--bogus'."]),
    (["consolidate", "x", "--stric"], ["Có phải ý bạn là '--strict'?"]),
    (["consolidat"], ["Lỗi: không có lệnh 'consolidat'. Có phải ý bạn là 'consolidate'?"]),
    (["consolidate", "x", "--csv"], ["Lỗi: tùy chọn '--csv' cần một giá trị."]),
    (["fill-years", "khong_co.xlsx"], ["'khong_co.xlsx' không tồn tại. Hãy kiểm tra đường dẫn"]),
    (["words", "1", "2"], ["Lỗi: thừa đối số: 2."]),
    (["-V"], ["nscl-xl, phiên bản"]),
])
def test_click_texts_are_vietnamese(args, expect):
    res = CliRunner().invoke(main, args, prog_name="nscl-xl")
    text = " ".join(res.output.split())  # help text is wrapped to the terminal width
    for e in expect:
        assert e in text, (e, text)
    for word in ENGLISH:
        assert word not in text, (word, text)
    assert res.exit_code == (0 if args[-1] in ("--help", "-V") else 2)


def test_console_script_in_a_subprocess(kg, tmp_path):
    """The real entry point (not CliRunner): exit codes and streams as a shell sees them."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "nscl_xl", "consolidate", str(kg), "--unit", "triệu", "-q",
                        "--json", "-", "-o", str(tmp_path / "t.xlsx")], capture_output=True, env=env, timeout=120)
    assert p.returncode == 0 and p.stderr == b""
    assert json.loads(p.stdout)["total_vnd"] == 3_100_000_000
    p = subprocess.run([sys.executable, "-m", "nscl_xl", "consolidate"], capture_output=True, env=env, timeout=60)
    assert p.returncode == 2 and "Lỗi: thiếu đối số 'DIRECTORY'." in p.stderr.decode() and b"Traceback" not in p.stderr


# --- outputs never over inputs ------------------------------------------------------------------------

def _refused(res, folder, before):
    assert res.exit_code == 2, res.output
    assert "Lỗi:" in res.stderr and "không tệp nào được ghi" in res.stderr or "Hãy đặt tên khác" in res.stderr
    assert snapshot(folder) == before


def test_output_equal_to_an_input_is_refused(kg, tmp_path):
    before = snapshot(kg)
    _refused(run("consolidate", kg, "-o", kg / "kg.xlsx"), kg, before)
    _refused(run("consolidate", kg, "--csv", kg / "kg.xlsx", "-o", tmp_path / "t.xlsx"), kg, before)
    _refused(run("consolidate", kg, "--json", kg / "kg.xlsx", "-o", tmp_path / "t.xlsx"), kg, before)
    assert not (tmp_path / "t.xlsx").exists()


def test_output_linked_to_an_input_is_refused(kg, tmp_path):
    before = snapshot(kg)
    (tmp_path / "link.xlsx").symlink_to(kg / "kg.xlsx")
    os.link(kg / "kg.xlsx", tmp_path / "hard.xlsx")
    _refused(run("consolidate", kg, "-o", tmp_path / "link.xlsx"), kg, before)
    _refused(run("consolidate", kg, "-o", tmp_path / "hard.xlsx"), kg, before)
    _refused(run("consolidate", kg, "-o", tmp_path / "t.xlsx", "--csv", tmp_path / "hard.xlsx"), kg, before)
    assert not (tmp_path / "t.xlsx").exists()


def test_two_outputs_on_one_file_are_refused(kg, tmp_path):
    before = snapshot(kg)
    res = run("consolidate", kg, "-o", tmp_path / "x", "--csv", tmp_path / "x")
    _refused(res, kg, before)
    assert not (tmp_path / "x").exists()
    os.link(WORKBOOKS / "kien_giang_2024.xlsx", tmp_path / "a.xlsx")
    os.link(tmp_path / "a.xlsx", tmp_path / "b.csv")
    _refused(run("consolidate", kg, "-o", tmp_path / "a.xlsx", "--csv", tmp_path / "b.csv"), kg, before)


def test_previous_summary_may_be_replaced(kg):
    assert run("consolidate", kg, "-o", kg / "tong_hop.xlsx").exit_code == 0
    again = run("consolidate", kg, "-o", kg / "tong_hop.xlsx")
    assert again.exit_code == 0 and "Tổng cộng: 3.100.000.000 đồng" in again.stdout
    assert "sổ tổng hợp do nscl-xl tạo" in again.stdout


# --- every message says what to do --------------------------------------------------------------------

def test_hints_and_reasons_above(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bang.xlsx").write_text("TT;Nội dung;Kinh phí\n1;Hội thảo;5\n", encoding="utf-8")
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    res = run("consolidate", folder, "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 2 and not (tmp_path / "t.xlsx").exists()
    err = res.stderr
    hint = "Hãy mở tệp trong Excel và lưu lại dạng .xlsx."
    # the reasons come first, then the error that refers to them
    assert err.index("bang.xlsx") < err.index("lý do từng tệp ở trên") and hint in err
    assert "scan.pdf" in err and "gửi kèm phụ lục dự toán dạng Excel" in err
    v = run("verify", folder / "bang.xlsx")
    assert v.exit_code == 2 and hint in v.output

    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder / "kg.xlsx")
    res = run("consolidate", folder, "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 3 and hint in res.stdout
    import python_calamine as pc

    checks = pc.CalamineWorkbook.from_path(str(tmp_path / "t.xlsx")).get_sheet_by_name("Kiểm tra").to_python()
    assert any(hint in row[5] for row in checks[1:])


def test_empty_folder_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    res = run("consolidate", tmp_path / "empty", "-o", tmp_path / "t.xlsx")
    assert res.exit_code == 2 and "thư mục không có tệp nào" in res.stderr and "Hãy chép" in res.stderr
    missing = run("consolidate", tmp_path / "khong_co", "-o", tmp_path / "t.xlsx")
    assert missing.exit_code == 2 and "không tìm thấy thư mục" in missing.stderr and "Hãy kiểm tra" in missing.stderr

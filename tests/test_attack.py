"""Defects found by a hostile tester, each pinned by a test that failed before its fix.

Subprocess-based where the point is what a user sees: the exit code, the streams, the files
left on disk. ``/dev/full`` (Linux) stands for a full disk behind a redirected stdout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, WORKBOOKS, sha256

HAS_DEV_FULL = os.path.exists("/dev/full")


def cli(*args, cwd: Path, stdout=subprocess.PIPE, timeout: int = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NSCL_XL_LOG_DIR=str(cwd / "log"))
    return subprocess.run([sys.executable, "-m", "nscl_xl", *map(str, args)], cwd=cwd, env=env, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=timeout)


# --- a full disk behind a redirected stdout is an output error (exit 4), never an internal error -------

@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ("words", "5"),
    ("verify", "kg.xlsx"),
    ("verify", "kg.xlsx", "--json"),
    ("consolidate", ".", "-o", "-", "-q"),
    ("consolidate", ".", "-o", "out/t.xlsx", "--csv", "-", "-q"),
    ("consolidate", ".", "-o", "out/t.xlsx", "--json", "-", "-q"),
], ids=["words", "verify", "verify-json", "consolidate-xlsx", "consolidate-csv", "consolidate-json"])
def test_full_stdout_is_exit_4_in_vietnamese(tmp_path, args):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    (tmp_path / "out").mkdir()
    with open("/dev/full", "wb") as full:
        res = cli(*args, cwd=tmp_path, stdout=full)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 4, err
    assert "Traceback" not in err and "No space left" not in err and "nội bộ" not in err
    assert "ổ đĩa" in err  # what to do, in Vietnamese


# --- '-' means standard output; commands that cannot write there refuse it instead of making "./-" -----

@pytest.mark.parametrize("args", [
    ("fill-years", "kg.xlsx", "--period", "2021-2021", "-o", "-"),
    ("verify", "kg.xlsx", "--annotate", "-"),
], ids=["fill-years", "annotate"])
def test_dash_output_never_creates_a_file_named_dash(tmp_path, args):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    res = cli(*args, cwd=tmp_path)
    assert not (tmp_path / "-").exists()
    assert res.returncode == 2, res.stderr.decode()
    assert "stdout" in res.stderr.decode("utf-8")
    assert res.stdout == b""


# --- an output hard-linked to the input is refused (README: "symbolic or hard link") ----------------------

@pytest.mark.skipif(not hasattr(os, "link"), reason="needs hard links")
@pytest.mark.parametrize("args", [
    ("fill-years", "kg.xlsx", "--period", "2021-2021", "-o", "link.xlsx"),
    ("verify", "kg.xlsx", "--annotate", "link.xlsx"),
], ids=["fill-years", "annotate"])
def test_output_hard_linked_to_input_is_refused(tmp_path, args):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    os.link(tmp_path / "kg.xlsx", tmp_path / "link.xlsx")
    before = sha256(tmp_path / "kg.xlsx")
    res = cli(*args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr.decode()
    assert "trùng tệp gốc" in res.stderr.decode("utf-8")
    assert os.path.samefile(tmp_path / "kg.xlsx", tmp_path / "link.xlsx")  # the link was not replaced
    assert sha256(tmp_path / "kg.xlsx") == before


# --- fill-years --in-place twice: the second backup must not become the plan's source -------------------

def test_in_place_twice_consolidate_uses_the_workbook_not_its_backup(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "soc_trang_2021_2030.xlsx", folder / "st.xlsx")
    for _ in range(2):
        res = cli("fill-years", "in/st.xlsx", "--in-place", cwd=tmp_path)
        assert res.returncode == 0, res.stderr.decode()
    backups = sorted(p.name for p in folder.glob("st.bak-*.xlsx"))
    assert len(backups) == 2  # the second is a copy of the first filled version, marked "filled" inside
    res = cli("consolidate", "in", "-o", "t.xlsx", "--json", "-", "-q", cwd=tmp_path)
    data = json.loads(res.stdout)
    status = {Path(f["file"]).name: f["status"] for f in data["files"]}
    assert status["st.xlsx"] == "used", status
    assert all(status[b] != "used" for b in backups), status


# --- verify of a folder holding the toolkit's own summary (the Excel button writes it there) --------------

def test_verify_folder_passes_over_its_own_summary(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder / "kg.xlsx")
    res = cli("verify", "in", cwd=tmp_path)
    assert res.returncode == 0, res.stdout.decode()
    res = cli("consolidate", "in", "-o", "in/tong_hop_nscl.xlsx", "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stderr.decode()
    res = cli("verify", "in", "--json", cwd=tmp_path)
    data = json.loads(res.stdout)
    assert res.returncode == 0, data["findings"]  # was 1: a no-table error on the summary
    assert [Path(c["file"]).name for c in data["files"]] == ["kg.xlsx"]
    assert "tong_hop_nscl.xlsx" in res.stderr.decode("utf-8")  # passed over, and said so


# --- an old copy of the table on a hidden sheet: never summed, so never in the stated-total check ----------

def test_hidden_old_copy_does_not_break_the_stated_total(tmp_path):
    import openpyxl

    from nscl_xl.verify import verify_path

    wb = openpyxl.load_workbook(WORKBOOKS / "kien_giang_2021.xlsx")
    old = wb.copy_worksheet(wb["Phụ lục"])
    old.title, old.sheet_state = "Cũ", "hidden"
    wb.save(tmp_path / "kg.xlsx")
    _, findings = verify_path(tmp_path / "kg.xlsx")
    assert [f.rule for f in findings] == ["hidden-sheet"], [(f.rule, f.message) for f in findings]
    # every table hidden: the stated total is still checked against them
    wb["Phụ lục"].sheet_state = "hidden"
    wb["Thông tin"]["B10"] = 3_100_000_001
    wb.active = wb.sheetnames.index("Thông tin")
    wb.save(tmp_path / "all_hidden.xlsx")
    _, findings = verify_path(tmp_path / "all_hidden.xlsx")
    assert "stated-total" in [f.rule for f in findings]


# --- a workbook name that cannot be opened may hide a plan: skipped (exit 3), with the right advice -------

@pytest.mark.skipif(not hasattr(os, "symlink") or not hasattr(os, "mkfifo"), reason="POSIX links and FIFOs")
def test_broken_link_is_skipped_not_an_excel_lock_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "kien_giang_2024.xlsx", folder / "kg.xlsx")
    os.symlink("/nonexistent/mounted/drive/soc_trang.xlsx", folder / "soc_trang.xlsx")
    os.mkfifo(folder / "pipe.xlsx")
    res = cli("consolidate", "in", "-o", "t.xlsx", "--json", "-", "-q", cwd=tmp_path)
    data = json.loads(res.stdout)
    files = {Path(f["file"]).name: f for f in data["files"]}
    assert res.returncode == 3 and data["exit_code"] == 3  # was 0: a plan silently missing
    assert files["soc_trang.xlsx"]["status"] == "skipped"
    assert files["pipe.xlsx"]["status"] == "ignored"
    for name in ("soc_trang.xlsx", "pipe.xlsx"):  # not the lock-file advice
        assert "Excel tạo tệp này" not in files[name]["reason"], files[name]["reason"]


# --- a file's total in 'Nguồn' and the JSON is not what the summary counts for it -------------------------

def test_file_total_listed_is_the_total_counted(tmp_path):
    import openpyxl

    folder = tmp_path / "in"
    folder.mkdir()
    wb = openpyxl.load_workbook(WORKBOOKS / "kien_giang_2021.xlsx")
    wb["Phụ lục"]["G9"] = -30000
    wb.save(folder / "kg.xlsx")
    res = cli("consolidate", "in", "-o", "t.xlsx", "--json", "-", "-q", cwd=tmp_path)
    data = json.loads(res.stdout)
    (only,) = [f for f in data["files"] if f["status"] == "used"]
    assert data["total_vnd"] == 3_040_000_000  # the lines, as counted
    assert only["total_vnd"] == data["total_vnd"]
    assert "3.100.000.000" in only["reason"]  # the printed total is still shown beside it


# --- an edited workbook is never written under a name Excel reads as another format ---------------------

@pytest.mark.parametrize("name", ["out.xls", "out.csv", "out.ods", "out"])
@pytest.mark.parametrize("command", ["fill-years", "annotate"])
def test_edit_output_must_be_xlsx_or_xlsm(tmp_path, command, name):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    args = (("fill-years", "kg.xlsx", "--period", "2021-2021", "-o", name) if command == "fill-years"
            else ("verify", "kg.xlsx", "--annotate", name))
    res = cli(*args, cwd=tmp_path)
    assert res.returncode == 2, res.stderr.decode()
    assert ".xlsx" in res.stderr.decode("utf-8")
    assert not (tmp_path / name).exists()


# --- --json stays JSON when a cell holds a C1 control or a bidi override ----------------------------------

@pytest.mark.parametrize("command", ["verify", "consolidate"])
def test_json_on_stdout_is_valid_with_c1_controls_in_cells(tmp_path, command):
    import openpyxl

    folder = tmp_path / "in"
    folder.mkdir()
    wb = openpyxl.load_workbook(WORKBOOKS / "kien_giang_2021.xlsx")
    label = "Hội nghị \u009b2J \u202egnậul\u202c"
    wb["Phụ lục"]["B9"] = label
    wb["Phụ lục"]["G9"] = 31000  # a finding that quotes the label
    name = "kg \u009b2J \u202ex.xlsx"  # consolidate's JSON names files, verify's quotes cells too
    wb.save(folder / name)
    args = ("verify", "in", "--json") if command == "verify" else ("consolidate", "in", "-o", "t.xlsx", "--json",
                                                                    "-", "-q")
    res = cli(*args, cwd=tmp_path)
    text = res.stdout.decode("utf-8")
    data = json.loads(text)  # was: Invalid \escape (the console wrote \x9b)
    assert "\u009b" not in text and "\u202e" not in text  # escaped, never raw on a terminal
    assert name in json.dumps(data, ensure_ascii=False)
    if command == "verify":
        assert label in json.dumps(data, ensure_ascii=False)


# --- fill-years by default fills the visible table, not an old copy on a hidden sheet before it -----------

def test_fill_years_default_sheet_is_visible(tmp_path):
    import openpyxl

    from nscl_xl.fill import fill_workbook

    wb = openpyxl.load_workbook(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    old = wb.copy_worksheet(wb["Phụ lục I"])
    old.title, old.sheet_state = "Cũ", "hidden"
    wb.move_sheet("Cũ", offset=-(len(wb.sheetnames) - 1))
    wb.active = 1
    wb.save(tmp_path / "st.xlsx")
    assert fill_workbook(tmp_path / "st.xlsx", tmp_path / "out.xlsx").sheet == "Phụ lục I"  # was 'Cũ'
    assert fill_workbook(tmp_path / "st.xlsx", tmp_path / "old.xlsx", sheet="Cũ").sheet == "Cũ"  # when asked


# --- fill-years writes its new words line under the total without overwriting a note typed there ----------

def test_fill_words_line_never_overwrites_a_note(tmp_path):
    import openpyxl

    from nscl_xl.fill import fill_workbook

    wb = openpyxl.load_workbook(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    ws = wb["Phụ lục I"]  # total on row 27, no words line
    ws["A28"], ws["B28"], ws["C29"] = "Ghi chú: số liệu tạm tính", "KHÔNG XÓA", "Người lập biểu"
    wb.save(tmp_path / "st.xlsx")
    report = fill_workbook(tmp_path / "st.xlsx", tmp_path / "out.xlsx")
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")["Phụ lục I"]
    assert out["A28"].value == "Ghi chú: số liệu tạm tính"  # was replaced by "(Bằng chữ: …)"
    assert out["B28"].value == "KHÔNG XÓA" and out["C29"].value == "Người lập biểu"
    assert out["A30"].value == report.words == "(Bằng chữ: Sáu tỷ, ba trăm bảy mươi triệu đồng)"


# --- an empty path (an unset "$DIR") is refused, never read as the current folder ---------------------------

@pytest.mark.parametrize("args", [("verify", ""), ("verify", "kg.xlsx", " "), ("consolidate", "")],
                         ids=["verify", "verify-blank-second", "consolidate"])
def test_empty_path_argument_is_refused(tmp_path, args):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    res = cli(*args, cwd=tmp_path)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 2, err
    assert "đường dẫn trống" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.xlsx"]  # no tong_hop_nscl.xlsx in the cwd


# --- --annotate never replaces a clerk's own sheet named "Kiểm tra" ----------------------------------------

def test_annotate_keeps_a_clerks_own_kiem_tra_sheet(tmp_path):
    import openpyxl

    from nscl_xl.report import annotate_workbook
    from nscl_xl.verify import verify_path

    wb = openpyxl.load_workbook(WORKBOOKS / "soc_trang_2021_2030.xlsx")
    wb["Phụ lục II"].title = "Kiểm tra"  # "check": a plausible name for a clerk's own sheet
    wb.save(tmp_path / "st.xlsx")
    _, findings = verify_path(tmp_path / "st.xlsx")
    out = annotate_workbook(tmp_path / "st.xlsx", findings, tmp_path / "a.xlsx")
    got = openpyxl.load_workbook(out)
    assert got.sheetnames == ["Phụ lục I", "Kiểm tra", "Thông tin", "Kiểm tra (2)"]  # was: the table replaced
    assert got["Kiểm tra"]["F14"].value == 460  # the clerk's table is still there, and marked
    assert got["Kiểm tra"]["F14"].fill.fgColor.rgb.endswith("FFC7CE") or got["Kiểm tra"]["F14"].fill.fill_type
    listed = [row[1] for row in got["Kiểm tra (2)"].iter_rows(min_row=2, values_only=True)]
    assert "Kiểm tra" in listed and "Phụ lục I" in listed
    # annotating the annotated copy replaces its own findings sheet, never adds a third
    _, again = verify_path(out)
    twice = annotate_workbook(out, again, tmp_path / "b.xlsx")
    assert openpyxl.load_workbook(twice).sheetnames == got.sheetnames


# --- a new sheet in a workbook whose <sheet> elements declare xmlns:r themselves (openpyxl with lxml) -------

def test_annotate_new_sheet_with_namespace_declared_per_sheet(tmp_path):
    import re
    import zipfile
    from xml.etree import ElementTree

    import openpyxl

    from nscl_xl.report import annotate_workbook
    from nscl_xl.verify import verify_path

    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    src = tmp_path / "kg.xlsx"
    with zipfile.ZipFile(WORKBOOKS / "kien_giang_2021.xlsx") as zin, zipfile.ZipFile(src, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8").replace(f' xmlns:r="{rel}"', "")
                text = re.sub(r"<sheet ", f'<sheet xmlns:r="{rel}" ', text)  # as openpyxl+lxml writes it
                assert text.count("xmlns:r=") == text.count("<sheet ") >= 2
                data = text.encode("utf-8")
            zout.writestr(info, data)
    _, findings = verify_path(src)
    out = annotate_workbook(src, findings, tmp_path / "a.xlsx")
    with zipfile.ZipFile(out) as z:
        ElementTree.fromstring(z.read("xl/workbook.xml"))  # was: unbound prefix r on the new <sheet>
    assert openpyxl.load_workbook(out).sheetnames[-1] == "Kiểm tra"


@pytest.mark.parametrize("name", ["t.xlsm", "t.xls", "t.csv", "t"])
def test_summary_output_must_be_xlsx(tmp_path, name):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder / "kg.xlsx")
    res = cli("consolidate", "in", "-o", name, "-q", cwd=tmp_path)
    assert res.returncode == 2, res.stderr.decode()
    assert ".xlsx" in res.stderr.decode("utf-8")
    assert not (tmp_path / name).exists()


def test_in_place_with_an_output_is_refused_before_touching_the_input(tmp_path):
    shutil.copy(WORKBOOKS / "soc_trang_2021_2030.xlsx", tmp_path / "st.xlsx")
    before = sha256(tmp_path / "st.xlsx")
    res = cli("fill-years", "st.xlsx", "--in-place", "-o", "other.xlsx", cwd=tmp_path)
    assert res.returncode == 2, res.stderr.decode()  # was 0: -o ignored, the input edited in place
    assert "--in-place" in res.stderr.decode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["st.xlsx"] and sha256(tmp_path / "st.xlsx") == before


@pytest.mark.skipif(sys.platform == "win32", reason="a newline cannot be in a Windows file name")
def test_newline_in_a_file_name_cannot_fake_report_lines(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "soc_trang_2021_2030.xlsx", folder / "a\nKhông phát hiện sai sót.\nb.xlsx")
    res = cli("verify", "in", cwd=tmp_path)
    out = res.stdout.decode("utf-8")
    assert res.returncode == 1
    assert "Không phát hiện sai sót." not in out.splitlines()  # was a line of its own, under 4 real errors
    assert "a\\nKhông phát hiện sai sót.\\nb.xlsx" in out


def test_quiet_consolidate_still_says_why_it_exits_3(tmp_path):
    import openpyxl

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder / "kg.xlsx")
    wb = openpyxl.load_workbook(WORKBOOKS / "kien_giang_2021.xlsx")
    wb["Phụ lục"]["G9"] = 31000  # a second, different plan of the same province and year
    wb.save(folder / "kg_sua.xlsx")
    res = cli("consolidate", "in", "-o", "t.xlsx", "-q", cwd=tmp_path)
    err = res.stderr.decode("utf-8")
    assert res.returncode == 3 and res.stdout == b""
    assert "kg" in err and "xung đột" in err  # was silent: exit 3 and no word of why


# --- a number cell is read as the number the file states -------------------------------------------------

def test_number_cell_read_exactly_as_written(tmp_path):
    import openpyxl

    from nscl_xl import read_plan

    wb = openpyxl.load_workbook(WORKBOOKS / "kien_giang_2021.xlsx")
    wb["Phụ lục"]["G9"] = 1e300  # written as <v>1e+300</v>
    wb.save(tmp_path / "kg.xlsx")
    line = next(ln for ln in read_plan(tmp_path / "kg.xlsx").tables[0].lines if ln.code == "1.1")
    assert line.amount.value == 10 ** 300

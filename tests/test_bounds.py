"""Bounded and crash-free (issue 12): every hostile input and every output failure gets a message.

Each hostile file is generated here (or copied from a public test suite into tests/data/external,
see its README) and run through the real CLI in a subprocess under an address-space limit and a
time limit: exit code, Vietnamese message, input unchanged (checksum), no file left behind.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from nscl_xl.errors import OutputError
from nscl_xl.safe_write import atomic_path, backup
from nscl_xl.text import csv_safe, printable
from nscl_xl.workbook_io import SheetGrid, read_grids

from .conftest import WORKBOOKS, sha256

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "external"
MEMORY_LIMIT = 2 * 1024 ** 3
TIME_LIMIT = 120


def run_cli(*args, env=None, fsize: int | None = None, cwd=None) -> subprocess.CompletedProcess:
    """The real command line in a child process with a memory and a time limit."""

    def limits():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "nscl_xl", *map(str, args)], capture_output=True, timeout=TIME_LIMIT,
                          preexec_fn=limits, env=full_env, cwd=cwd)


def out(res) -> str:
    return res.stdout.decode("utf-8") + res.stderr.decode("utf-8")


def assert_clean(res, code: int, *needles: str) -> None:
    text = out(res)
    assert res.returncode == code, text
    assert "Traceback" not in text and "panicked" not in text and "Error:" not in text, text
    for n in needles:
        assert n in text, text


# --- generated packages -----------------------------------------------------------------------------

CT = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Override PartName="/xl/workbook.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '<Override PartName="/xl/styles.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
      '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
TABLE_ROWS = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí"], ["1", "Hội nghị", 30],
              ["", "Tổng cộng", 30]]


def _cell(ref: str, v) -> str:
    if isinstance(v, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
    return f'<c r="{ref}"><v>{v}</v></c>'


def sheet_xml(rows=TABLE_ROWS, extra_cells: str = "", extra: str = "", dimension: str = "A1:C4", prolog: str = "") -> str:
    body = "".join(f'<row r="{r}">' + "".join(_cell(f"{'ABC'[c]}{r}", v) for c, v in enumerate(row)) + "</row>"
                   for r, row in enumerate(rows, start=1))
    return (f'<?xml version="1.0"?>{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="{dimension}"/><sheetData>{body}{extra_cells}</sheetData>{extra}</worksheet>')


def package(path: Path, sheet: str, *, extra_parts: dict[str, bytes] | None = None, wb_rels: str = WB_RELS) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra_parts or {}).items():
            z.writestr(name, data)
    return path


def far_cell(path: Path) -> Path:
    return package(path, sheet_xml(extra_cells='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                                   dimension="A1:XFD1048576"))


def zz_cell(path: Path) -> Path:
    return package(path, sheet_xml(extra_cells='<row r="1048576"><c r="ZZ1048576"><v>1</v></c></row>'))


def lying_dimension(path: Path) -> Path:
    return package(path, sheet_xml(dimension="A1:XFD1048576"))


def many_merges(path: Path) -> Path:
    merges = "".join(f'<mergeCell ref="{openpyxl.utils.get_column_letter(1 + 100 * (i % 100))}{10 + 100 * (i // 100)}:'
                     f'{openpyxl.utils.get_column_letter(100 + 100 * (i % 100))}{109 + 100 * (i // 100)}"/>'
                     for i in range(4000))
    return package(path, sheet_xml(extra=f'<mergeCells count="4000">{merges}</mergeCells>'))


def tall_merges(path: Path) -> Path:
    """40,000 overlapping merges, each one column by 10,000 rows (Excel never writes overlaps)."""
    merges = "".join(f'<mergeCell ref="D{k}:D{k + 9999}"/>' for k in range(1, 40_001))
    return package(path, sheet_xml(extra=f'<mergeCells count="40000">{merges}</mergeCells>'))


def dtd(path: Path) -> Path:
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return package(path, sheet_xml(prolog=laughs))


def zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(64):
                fh.write(b"\0" * (1 << 20))
    return path


def _declare_sizes(path: Path, sizes: dict[str, int]) -> None:
    """Rewrite the uncompressed size a zip declares for some parts, in the local headers and in the
    central directory (the data stays as it is)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        infos = {i.filename: i for i in z.infolist()}
    for name, size in sizes.items():
        off = infos[name].header_offset
        assert data[off:off + 4] == b"PK\x03\x04"
        data[off + 22:off + 26] = size.to_bytes(4, "little")
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n = int.from_bytes(data[pos + 28:pos + 30], "little")
        name = data[pos + 46:pos + 46 + n].decode()
        if name in sizes:
            data[pos + 24:pos + 28] = sizes[name].to_bytes(4, "little")
        pos = data.find(b"PK\x01\x02", pos + 46 + n)
    path.write_bytes(bytes(data))


def many_parts(path: Path) -> Path:
    """60 parts that declare 5 MiB each at ~170:1 (under the ratio rule): 300 MiB in all, over the
    total cap, refused from the directory before anything is inflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        for i in range(60):
            z.writestr(f"xl/media/p{i}.bin", os.urandom(31_000))
    _declare_sizes(path, {f"xl/media/p{i}.bin": 5 << 20 for i in range(60)})
    return path


def lying_directory(path: Path) -> Path:
    """The sheet declares 100 bytes in the local header and the central directory; it inflates to
    far more (what a check of the directory alone would let through)."""
    package(path, sheet_xml(extra_cells="".join(f'<row r="{r}"><c r="D{r}"><v>{r}</v></c></row>'
                                                 for r in range(10, 20_000))))
    _declare_sizes(path, {"xl/worksheets/sheet1.xml": 100})
    return path


def too_many_cells(path: Path) -> Path:
    return package(path, sheet_xml(rows=TABLE_ROWS + [[str(i), "x", i] for i in range(5, 400)]))


def huge_ods(path: Path) -> Path:
    """An OpenDocument sheet whose last cell is far away: python-calamine allocates the whole
    range (70,002 × 1,024 cells, 2.3 GB) and aborts; the reader runs it in a limited child."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:spreadsheet><table:table table:name="S">'
               '<table:table-row><table:table-cell office:value-type="string"><text:p>TT</text:p></table:table-cell>'
               '</table:table-row><table:table-row table:number-rows-repeated="70000"><table:table-cell/>'
               '</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="1023"/>'
               '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
               '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def ansi_cell(path: Path) -> Path:
    """Excel stores control characters as _xHHHH_: an ANSI "clear screen, green text" in an item
    and in a cell that is not a number (so it appears in a finding)."""
    esc = "_x001B_"
    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí"],
            ["1", f"Hội nghị{esc}[2J{esc}[32mKhông phát hiện sai sót", 30], ["2", "b", f"{esc}[2Jabc"],
            ["", "Tổng cộng", 30]]
    return package(path, sheet_xml(rows=rows, dimension="A1:C5"))


def copied(name: str):
    return lambda path: shutil.copy(DATA / name, path) and path


# name -> (builder, exit code of `verify`, text the output must hold)
HOSTILE = {
    "o_xa.xlsx": (far_cell, 0, "Không phát hiện sai sót"),
    "o_zz.xlsx": (zz_cell, 0, "Không phát hiện sai sót"),
    "vung_khai_bao.xlsx": (lying_dimension, 0, "Không phát hiện sai sót"),
    "gop_o.xlsx": (many_merges, 0, "Không phát hiện sai sót"),
    "gop_cao.xlsx": (tall_merges, 0, "Không phát hiện sai sót"),
    "dtd.xlsx": (dtd, 2, "khai báo DTD"),
    "bom.xlsx": (zip_bomb, 2, "từ chối đọc để an toàn"),
    "nhieu_phan.xlsx": (many_parts, 2, "vượt giới hạn"),
    "zip_noi_doi.xlsx": (lying_directory, 2, "bị hỏng"),
    "nhieu_o.xlsx": (too_many_cells, 2, "ô có dữ liệu, vượt giới hạn"),
    "ods_xa.ods": (huge_ods, 2, "vượt giới hạn bộ nhớ"),
    "xor.xls": (copied("password_2002_40_xor.xls"), 2, "mật khẩu"),
    "biff2.xls": (copied("crlf__CRLFX5_2.XLS"), 2, "Excel 2.x"),
    "ten_phan_thuong.xlsx": (copied("test-data__spreadsheet__49609.xlsx"), 1, "không tìm thấy bảng dự toán"),
    "macro4.xlsm": (copied("test-data__spreadsheet__xlmmacro.xlsm"), 1, "không tìm thấy bảng dự toán"),
    "panic.xlsb": (copied("test-data__spreadsheet__Simple.xlsb"), 2, "python-calamine"),
    "ansi.xlsx": (ansi_cell, 1, "C4"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile12")
    for name, (make, _, _) in HOSTILE.items():
        make(folder / name)
    return folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_gets_a_message_within_limits(hostile, name):
    path = hostile / name
    before = sha256(path)
    res = run_cli("verify", path, env={"NSCL_XL_MAX_CELLS": "1000"} if name == "nhieu_o.xlsx" else None)
    _, code, needle = HOSTILE[name]
    assert_clean(res, code, needle, *([name] if code else []))
    assert b"\x1b" not in res.stdout + res.stderr  # control characters never reach the terminal
    assert sha256(path) == before
    assert sorted(p.name for p in hostile.iterdir()) == sorted(HOSTILE)  # nothing left behind


def test_sparse_reading_keeps_only_cells_that_exist(hostile):
    (grid,) = read_grids(hostile / "o_xa.xlsx")
    assert (grid.n_rows, grid.n_cols) == (1_048_576, 16_384)
    assert grid.cell(1_048_575, 16_383) == 1.0 and grid.cell(2, 1) == "Hội nghị" and grid.cell(500, 500) is None
    assert len(grid.values[1_048_575]) == 16_384 and grid.values[5000] == []
    merged = read_grids(hostile / "gop_o.xlsx")[0].merged
    assert len(merged) == 4000 and merged[1] == ((9, 100), (108, 199))


def test_merged_index_by_corners():
    from nscl_xl.workbook_io import MergedIndex

    idx = MergedIndex([((0, 0), (1_048_575, 16_383)), ((5, 5), (5, 5))])
    assert idx.get((1_000_000, 9000)) == (0, 0) and idx.get((5, 5), "none") == (0, 0)
    idx2 = MergedIndex([((2, 3), (4, 6))])
    assert idx2.get((4, 6)) == (2, 3) and idx2.get((5, 6)) is None and idx2.get((4, 7), "x") == "x"


def test_special_files_are_skipped_not_waited_for(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder)
    os.mkfifo(folder / "ong.xlsx")
    res = run_cli("consolidate", folder, "-o", tmp_path / "o.xlsx")
    assert_clean(res, 0, "ong.xlsx", "FIFO")
    res = run_cli("verify", folder / "ong.xlsx")
    assert_clean(res, 2, "FIFO")


def test_a_file_that_kills_its_worker_loses_only_itself(tmp_path, monkeypatch):
    """24 files go to the process pool; one kills its worker (as a Rust abort does): it alone is
    skipped with a reason, the others are consolidated (workers are forked: the patch is inherited)."""
    from nscl_xl import consolidate as C

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(25):
        shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", folder / f"t{i:02d}.xlsx")
    real = C._process_file

    def deadly(path, verify):
        if path.name == "t07.xlsx":
            os.kill(os.getpid(), signal.SIGKILL)
        if path.name == "t11.xlsx":
            raise BaseException("panic")  # like pyo3's PanicException
        return real(path, verify)

    monkeypatch.setattr(C, "_process_file", deadly)
    cons = C.consolidate_dir(folder, workers=2)
    skipped = {Path(s.file).name: s.reason for s in cons.skipped}
    assert set(skipped) == {"t07.xlsx", "t11.xlsx"}
    assert "dừng đột ngột" in skipped["t07.xlsx"] and "lỗi nội bộ" in skipped["t11.xlsx"]
    # the 23 others are all accounted for: one used, 22 listed as duplicates of it (same plan)
    assert len(cons.used) == 1 and len([s for s in cons.sources if s.status == "duplicate"]) == 22
    assert cons.exit_code == 3


# --- output failures ----------------------------------------------------------------------------------

def test_output_is_a_folder_or_under_a_file(tmp_path):
    src = WORKBOOKS / "kien_giang_2021.xlsx"
    (tmp_path / "thu_muc.xlsx").mkdir()
    res = run_cli("consolidate", src, "-o", tmp_path / "thu_muc.xlsx")
    assert_clean(res, 4, "là một thư mục")
    (tmp_path / "tep").write_text("x")
    res = run_cli("consolidate", src, "-o", tmp_path / "tep" / "o.xlsx")
    assert_clean(res, 4, "là một tệp, không phải thư mục")
    res = run_cli("consolidate", src, "-o", tmp_path / ("d" * 300 + ".xlsx"))
    assert_clean(res, 4, "tên hoặc đường dẫn quá dài")
    long_ok = tmp_path / ("d" * 250 + ".xlsx")  # 255 bytes: fine, the temporary name is short
    assert_clean(run_cli("consolidate", src, "-o", long_ok), 0)
    assert long_ok.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["thu_muc.xlsx", "tep", long_ok.name])


def test_full_disk_leaves_nothing(tmp_path):
    src = WORKBOOKS / "kien_giang_2021.xlsx"
    res = run_cli("consolidate", src, "-o", tmp_path / "o.xlsx", fsize=4096)  # as if 4 KiB were free
    assert_clean(res, 4, "o.xlsx", "vượt giới hạn kích thước")
    assert list(tmp_path.iterdir()) == []


def test_read_only_folder(tmp_path, monkeypatch):
    """As root a read-only folder is still writable, so the refusal is simulated at os.open."""
    import errno

    from nscl_xl import safe_write

    def refuse(*_a, **_k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(safe_write, "_new_temp", refuse)
    with pytest.raises(OutputError) as exc:
        with atomic_path(tmp_path / "o.xlsx"):
            pass
    assert "không có quyền" in exc.value.message and exc.value.exit_code == 4


def test_modes_symlinks_and_backup(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "new.txt") as tmp:
            tmp.write_text("a")
        assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
        real = tmp_path / "real.txt"
        real.write_text("old")
        os.chmod(real, 0o640)
        link = tmp_path / "link.txt"
        link.symlink_to(real)
        saved = backup(link)
        with atomic_path(link) as tmp:
            tmp.write_text("new")
        assert link.is_symlink() and real.read_text() == "new" and stat.S_IMODE(real.stat().st_mode) == 0o640
        assert saved.read_text() == "old" and saved.parent == tmp_path
    finally:
        os.umask(old)
    assert not list(tmp_path.glob(".nscl-*"))


def test_backup_on_a_full_disk_is_refused_whole(tmp_path):
    big = tmp_path / "big.xlsx"
    big.write_bytes(os.urandom(64 * 1024))
    code = ("import sys; from nscl_xl.safe_write import backup\n"
            "from nscl_xl.errors import OutputError\n"
            "try:\n    backup(sys.argv[1])\nexcept OutputError as e:\n    print(e.message); sys.exit(e.exit_code)\n")

    def limits():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    res = subprocess.run([sys.executable, "-c", code, str(big)], capture_output=True, timeout=60, preexec_fn=limits,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 4 and "không tạo được bản sao lưu" in res.stdout.decode(), res
    assert [p.name for p in tmp_path.iterdir()] == ["big.xlsx"]  # no truncated backup, no temp


def test_sigterm_removes_the_temporary_file(tmp_path):
    code = ("import sys, time\nfrom nscl_xl.safe_write import atomic_path, "
            "install_signal_handlers\ninstall_signal_handlers()\n"
            "try:\n    with atomic_path(sys.argv[1]) as t:\n        t.write_text('x'); print('ready', flush=True); "
            "time.sleep(60)\nexcept KeyboardInterrupt:\n    sys.exit(130)\n")
    with subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "o.xlsx")], stdout=subprocess.PIPE,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}) as proc:
        assert proc.stdout.readline() == b"ready\n"
        assert len(list(tmp_path.iterdir())) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 130
    assert list(tmp_path.iterdir()) == []


# --- console, CSV, internal errors ------------------------------------------------------------------

def test_cp1258_console_redirected_to_a_file(tmp_path):
    src = WORKBOOKS / "soc_trang_2021_2030.xlsx"
    res = run_cli("verify", src, "--json", env={"PYTHONIOENCODING": "cp1258"})
    assert res.returncode in (0, 1), out(res)
    data = json.loads(res.stdout.decode("utf-8"))
    assert data and res.stderr == b""
    res = run_cli("verify", src, env={"PYTHONIOENCODING": "cp1252"})
    assert "Phụ lục" in res.stdout.decode("utf-8")


def test_control_characters_never_reach_a_terminal(tmp_path):
    """On a terminal click keeps ANSI sequences (it strips them only when output is redirected):
    the console stream escapes them. Run under a pseudo-terminal."""
    import pty

    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)  # no table: the finding names the file
    path = tmp_path / "x\x1b[2J\x1b[32m.xlsx"
    os.rename(plain, path)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "nscl_xl", "verify", str(path)], stdout=slave, stderr=slave,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(60) == 1
    os.close(master)
    text = b"".join(chunks)
    assert b"\x1b" not in text and b"x\\x1b[2J\\x1b[32m.xlsx" in text, text


def test_printable_escapes_controls():
    assert printable("a\x1b[2Jb\u202ec\x9bd\n\tz") == "a\\x1b[2Jb\\u202ec\\x9bd\n\tz"
    assert printable("\r\x1b[?25lbar\x1b[31m", keep_cursor=True) == "\r\x1b[?25lbar\\x1b[31m"


@pytest.mark.parametrize("field,safe", [
    ("x;=2+5;", "x;'=2+5;"), ("=SUM(A1)", "'=SUM(A1)"), ("a, +1", "a,' +1"), ("@cmd", "'@cmd"),
    ("a;b", "a;b"), ("1.5", "1.5"), ("\t=1", "'\t=1"), ("a;\"=1", "a;'\"=1"), ("＝1", "'＝1"),
])
def test_csv_safe_for_both_separators(field, safe):
    assert csv_safe(field) == safe
    for sep in ",;":
        pieces = csv_safe(field).split(sep)
        assert not any(p.lstrip(" \"").startswith(("=", "+", "-", "@", "＝")) for p in pieces)


def test_internal_error_exit_70_with_log(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from nscl_xl import verify
    from nscl_xl.cli import main

    monkeypatch.setenv("NSCL_XL_LOG_DIR", str(tmp_path))

    def bug(*_a, **_k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(verify, "verify_path", bug)
    res = CliRunner().invoke(main, ["verify", str(WORKBOOKS / "kien_giang_2021.xlsx")])
    assert res.exit_code == 70 and "Lỗi nội bộ" in res.output and "ZeroDivisionError" not in res.output
    (log,) = tmp_path.glob("loi-*.txt")
    assert str(log) in res.output and "ZeroDivisionError: boom" in log.read_text()


def test_sheet_grid_api_on_sparse_and_dense():
    sparse = SheetGrid.from_cells("S", {0: {0: "TT"}, 3: {2: 5.0}})
    dense = SheetGrid("S", [["TT"], [], [], ["", "", 5.0]])
    for g in (sparse, dense):
        assert (g.n_rows, g.n_cols) == (4, 3) and g.cell(3, 2) == 5.0 and g.cell(0, 1) is None
        assert [list(r) for r in g.values] == [["TT"], [], [], ["", "", 5.0]]
        assert g.map_text(str.lower).cell(0, 0) == "tt"
    assert sparse.values[-1] == ["", "", 5.0] and sparse.values[1:3] == [[], []]


def test_a_file_that_never_ends_is_skipped(tmp_path, monkeypatch):
    from nscl_xl import consolidate as C

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(24):
        shutil.copy(WORKBOOKS / "kien_giang_2024.xlsx", folder / f"t{i:02d}.xlsx")
    real = C._process_file

    def slow(path, verify):
        if path.name == "t03.xlsx":
            time.sleep(600)
        return real(path, verify)

    monkeypatch.setattr(C, "_process_file", slow)
    monkeypatch.setattr(C, "FILE_TIMEOUT_S", 5.0)
    started = time.monotonic()
    cons = C.consolidate_dir(folder, workers=2)
    assert time.monotonic() - started < 120
    assert [(Path(s.file).name, "quá 5 giây" in s.reason) for s in cons.skipped] == [("t03.xlsx", True)]
    # the others are one plan: one used, 22 listed as its duplicates — none lost
    assert len(cons.used) == 1 and len([s for s in cons.sources if s.status == "duplicate"]) == 22


def test_openpyxl_text_never_reaches_the_streams(tmp_path):
    """openpyxl warns (in English) on this file's style table: `verify --json` still prints only its
    JSON on stdout and nothing on stderr."""
    rels = WB_RELS.replace("</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                           'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
    styles = ('<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<cellXfs count="0"/></styleSheet>')
    sheet = sheet_xml(extra_cells='<row r="6"><c r="C6" s="0"><f>C3*2</f><v>60</v></c></row>')
    path = package(tmp_path / "kieu.xlsx", sheet, extra_parts={"xl/styles.xml": styles}, wb_rels=rels)
    res = run_cli("verify", path, "--json", env={"NSCL_XL_LOG_DIR": str(tmp_path / "log")})
    assert res.returncode in (0, 1), out(res)
    json.loads(res.stdout.decode("utf-8"))
    assert res.stderr == b""  # openpyxl warns "Workbook contains no stylesheet" on this file: not here


def test_quiet_third_party_keeps_prints_and_warnings_off_the_streams(capsys, tmp_path, monkeypatch):
    import warnings

    from nscl_xl.workbook_io import quiet_third_party

    monkeypatch.setenv("NSCL_XL_LOG_DIR", str(tmp_path))
    with quiet_third_party() as said:
        print("0 is out of range")
        warnings.warn("Workbook contains no stylesheet", UserWarning)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "" and said.getvalue() == "0 is out of range\n"
    assert "0 is out of range" in (tmp_path / "nscl-xl.log").read_text()


def test_annotate_refused_for_an_unreadable_input(tmp_path):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    res = run_cli("verify", bad, "--annotate", tmp_path / "out.xlsx")
    assert_clean(res, 2, "hong.xlsx", "không ghi bản đánh dấu")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hong.xlsx"]

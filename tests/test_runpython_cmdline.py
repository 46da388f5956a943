"""Every button's RunPython command survives Windows.

For each Sub of macros/NSCL.bas, both flavours of xlwings' module (add-in and template), and
hostile workbook/interpreter paths (spaces, apostrophes, Vietnamese letters, backslashes, UNC,
``&``, ``%``, ``^``, ``;``, ``=``, parentheses): the command line xlwings' own VBA builds is
reproduced from its source, passed through ``cmd.exe /C`` and the C runtime's argv rules
(tests/winargv.py), and the ``-c`` code python.exe would receive is run against a mock caller
book on xlwings' remote engine. It must be exactly xlwings' prefix plus our command, and do
exactly what calling the button directly does.
"""

from __future__ import annotations

import re
import sys
from pathlib import PureWindowsPath

import pytest

from nscl_xl import excel
from nscl_xl.build_excel import ADDIN, MACROS, WORKBOOK, macro_sources, xlwings_module

from .conftest import WORKBOOKS
from .remote import remote_book
from .winargv import cmd_c, command_line_to_argv, runpython_command_line

ENV = {"USERNAME": "canbo", "USERPROFILE": r"C:\Users\canbo", "PATH": r"C:\Windows\system32;C:\Windows",
       "TEMP": r"C:\Users\canbo\AppData\Local\Temp"}
ADDIN_PATH = r"C:\Users\Nguyễn Văn Ánh\AppData\Roaming\Microsoft\Excel\XLSTART\nscl.xlam"
INTERPRETERS = [r"C:\Users\Nguyễn Văn Ánh\AppData\Local\Programs\Python\Python311\python.exe",
                r"D:\Công cụ & Python (3.11)\python.exe", "python"]
# Workbooks on a clerk's disk (Windows forbids  / : * ? " < > |  in names).
HOSTILE = [
    r"C:\Users\Nguyễn Văn Ánh\Documents\Dự toán NSCL 2026\Sóc Trăng - bản 2.xlsx",
    r"C:\Users\O'Brien\Tài liệu\Kế hoạch (sửa đổi)\dự_toán 'cuối'.xlsm",
    r"D:\Dữ liệu & báo cáo\100% kế hoạch, năm 2026\A & B 50%.xlsx",
    r"\\máy-chủ\chia sẻ\Phòng KH-TC\NSCL\tỉnh = Cà Mau, bản!.xlsx",
    r"C:\a\b\\x.xlsx",  # a doubled separator, as a mapped drive may give
    r"E:\Tổng hợp\[2026] {bản} ~$tạm\book (1).xlsx",
]
# Characters cmd.exe treats specially outside quotes; xlwings puts the workbook's path there
# (prepare_sys_path's argument is closed and reopened with \" ), escaping only "&".
XLWINGS_OWN_LIMITS = [
    r"C:\Dự toán ^ bản nháp\x.xlsx",  # "^" is eaten by cmd.exe
    r"C:\Thư mục %USERNAME%\x.xlsx",  # an existing variable is expanded
    r"C:\Kế hoạch; năm 2026\x.xlsx",  # ";" splits xlwings' own list of paths
]


def _commands() -> dict[str, str]:
    """Sub name -> the Python command it passes to RunPython (evaluated from NSCL.bas)."""
    source = macro_sources()["NSCL"]
    found = {}
    for m in re.finditer(r"Public Sub (\w+)\(\)(.*?)End Sub", source, re.S):
        calls = re.findall(r'^\s*RunPython (".*")\s*$', m.group(2), re.M)
        if calls:
            assert len(calls) == 1 and '" &' not in calls[0], f"{m.group(1)}: one constant command"
            found[m.group(1)] = calls[0][1:-1].replace('""', '"')
    return found


COMMANDS = _commands()
BOOKS = {"NSCL_KiemTra": "soc_trang_2021_2030.xlsx", "NSCL_DienNam": "soc_trang_2021_2030.xlsx",
         "NSCL_BangChu": "kien_giang_2024.xlsx", "NSCL_TongHop": "kien_giang_2021.xlsx"}


def test_every_sheet_and_ribbon_sub_runs_a_constant_command():
    from nscl_xl.build_excel import SHEET_BUTTONS

    assert set(COMMANDS) == {m for m, _ in SHEET_BUTTONS}
    for command in COMMANDS.values():
        # nothing cmd.exe or the C runtime would touch, inside or outside quotes
        assert not set(command) & set('"%^&|<>\\\t'), command


def _replay(flavour, sub, full, interpreter):
    name = PureWindowsPath(full).name
    this = ADDIN_PATH if flavour == ADDIN else full
    line = runpython_command_line(xlwings_module(flavour), COMMANDS[sub], active_fullname=full, this_fullname=this,
                                  book_name=name, interpreter=interpreter)
    programs = cmd_c(line, ENV)
    python = programs[-1]
    argv = command_line_to_argv(python)
    assert argv == command_line_to_argv(python, ucrt=False)  # CommandLineToArgvW agrees
    return name, argv


def _run_code(argv, book):
    """Run python.exe's ``-c`` code with its sys.argv, as the process would."""
    i = argv.index("-c")
    code, rest = argv[i + 1], argv[i + 2:]
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    try:
        sys.argv = ["-c"] + rest
        exec(compile(code, "<string>", "exec"), {"__name__": "__main__"})
        added = sys.path[:len(sys.path) - len(saved_path)]
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
    return code, rest, added


def _direct_actions(sub, book_file, name):
    book = remote_book(WORKBOOKS / book_file, name=name)
    {"NSCL_KiemTra": excel.kiem_tra, "NSCL_DienNam": excel.dien_nam, "NSCL_BangChu": excel.bang_chu,
     "NSCL_TongHop": excel.tong_hop}[sub]()
    return book.json()["actions"]


@pytest.mark.parametrize("flavour", [ADDIN, WORKBOOK])
@pytest.mark.parametrize("sub", sorted(COMMANDS))
@pytest.mark.parametrize("full", HOSTILE)
def test_command_arrives_intact_and_runs(flavour, sub, full):
    interpreter = INTERPRETERS[(HOSTILE.index(full) + (flavour == ADDIN)) % len(INTERPRETERS)]
    name, argv = _replay(flavour, sub, full, interpreter)
    if interpreter != "python":
        assert argv[0] == interpreter
    assert argv[1:3] == ["-B", "-c"]
    code = argv[3]
    prefix, _, ours = code.partition("); ")
    assert prefix.startswith("import xlwings.utils;xlwings.utils.prepare_sys_path(") and ours == COMMANDS[sub]
    book = remote_book(WORKBOOKS / BOOKS[sub], name=name)
    _, rest, added = _run_code(argv, book)
    # xlwings' Book.caller() finds the book by --wb (on Windows, with --hwnd): the exact name
    assert [a.split("=", 1)[1] for a in rest if a.startswith("--wb=")] == [name]
    assert "--from_xl=1" in rest
    # prepare_sys_path got the workbook's folder (and the add-in's) intact
    expected = {str(PureWindowsPath(full).parent).replace("\\", "/"), str(PureWindowsPath(
        ADDIN_PATH if flavour == ADDIN else full).parent).replace("\\", "/")}
    assert expected <= set(added)
    direct = _direct_actions(sub, BOOKS[sub], name)
    assert book.json()["actions"] == direct and direct  # the same effect as calling the button directly


@pytest.mark.parametrize("full", XLWINGS_OWN_LIMITS)
def test_xlwings_own_part_of_the_line_is_where_paths_can_suffer(full):
    """Documented, not ours: xlwings passes the workbook path outside cmd's quotes, so "^" and
    existing %VARIABLES% in a folder name reach prepare_sys_path altered. Our command, which
    carries no value, still arrives intact and the button still works (nscl_xl is imported
    from site-packages, not from the workbook's folder)."""
    name, argv = _replay(ADDIN, "NSCL_KiemTra", full, INTERPRETERS[0])
    assert argv[3].endswith("); " + COMMANDS["NSCL_KiemTra"])
    book = remote_book(WORKBOOKS / BOOKS["NSCL_KiemTra"], name=name)
    _, _, added = _run_code(argv, book)
    assert str(PureWindowsPath(full).parent).replace("\\", "/") not in added
    assert any(a["func"] == "alert" for a in book.json()["actions"])


def test_the_old_quoted_folder_command_does_not_survive():
    """The check can fail: NSCL_TongHop used to put the folder in double quotes inside
    RunPython's own double-quoted -c argument."""
    old = 'import nscl_xl.excel as x; x.tong_hop("C:\\\\Users\\\\Nguyen Van A\\\\Du toan")'
    line = runpython_command_line(xlwings_module(ADDIN), old, active_fullname=r"C:\a\b.xlsx",
                                  this_fullname=ADDIN_PATH, book_name="b.xlsx", interpreter=INTERPRETERS[0])
    argv = command_line_to_argv(cmd_c(line, ENV)[-1])
    code = argv[3]
    assert not code.endswith(old)
    with pytest.raises(SyntaxError):
        compile(code, "<string>", "exec")


def test_vba_module_statements_replayed_are_xlwings_own():
    """The replay evaluates xlwings' statements; these are the ones it relies on (an xlwings
    upgrade that changes them must be looked at again)."""
    for flavour in (ADDIN, WORKBOOK):
        module = xlwings_module(flavour)
        assert 'RunCommand = CondaCmd & PythonInterpreter & " -B -c ""import xlwings.utils;xlwings.utils.prepare_' \
               'sys_path(\\""" & PYTHONPATH & "\\""); " & PythonCommand & """ "' in module
        assert 'ExitCode = WScript.Run("cmd.exe /C " & DriveCommand & _' in module
        assert 'PYTHONPATH = Replace(PYTHONPATH, "&", "^&")' in module
    assert (MACROS / "NSCL.bas").exists()


# --- the replay's own rules, against the documented examples ----------------------------------------

@pytest.mark.parametrize("line,expected", [
    # Microsoft, "Parsing C command-line arguments" (C runtime) — the table of examples
    (r'"a b c" d e', ["a b c", "d", "e"]),
    (r'"ab\"c" "\\" d', ['ab"c', "\\", "d"]),
    (r'a\\\b d"e f"g h', [r"a\\\b", "de fg", "h"]),
    (r'a\\\"b c d', [r'a\"b', "c", "d"]),
    (r'a\\\\"b c" d e', [r"a\\b c", "d", "e"]),
    (r'a"b"" c d', ['ab" c d']),
])
def test_argv_rules_match_the_documented_examples(line, expected):
    assert command_line_to_argv("prog " + line)[1:] == expected


def test_argv_zero_takes_no_escapes():
    assert command_line_to_argv(r'"C:\Program Files\Python\python.exe" -c x') == [
        r"C:\Program Files\Python\python.exe", "-c", "x"]


def test_cmd_rules():
    env = {"X": "1", "Path": r"C:\Windows"}
    assert cmd_c("cmd.exe /C echo a^&b & c", env) == ["echo a&b", "c"]
    assert cmd_c('cmd.exe /C x "a&b|c^d %X%" 2> "C:\\t\\log" && y', env) == ['x "a&b|c^d 1"', "y"]
    assert cmd_c("cmd.exe /C %x% %Y% 100% %path%", env) == [r"1 %Y% 100% C:\Windows"]
    # /C with a leading quote drops the first and the last quote (the well-known trap)
    assert cmd_c('cmd.exe /C "a b" & "c d"', env) == ['a b" & "c d']

"""Reading speed and memory: the streaming .xlsx reader (read_grids) vs. python-calamine's dense read.

    PYTHONPATH=. python3 bench/bench_reader.py [--lines 1000 10000 100000]

For each size a budget table of N lines (5 columns) is written with XlsxWriter; each reader runs
in a fresh child process (CPU time and peak RSS from os.wait4, start-up excluded: the modules are
imported before the fork). A far cell (XFD1048576) is added in a second file: calamine's dense grid
for it would need ~512 GiB, so the baseline column says "aborts" (measured under a 2 GiB limit).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import zipfile
from pathlib import Path


def _write(path: Path, lines: int, far: bool) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("S")
    ws.write_row(0, 0, ["Đơn vị tính: triệu đồng"])
    ws.write_row(1, 0, ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí"])
    for i in range(lines):
        ws.write_row(2 + i, 0, [f"{i + 1}", f"Nhiệm vụ {i + 1}", 2, 5, 10])
    ws.write_row(lines + 2, 0, ["", "Tổng cộng", None, None, 10 * lines])
    if far:
        ws.write_number(1_048_575, 16_383, 1)
    wb.close()
    return path


def _ours(path: str) -> None:
    from nscl_xl.workbook_io import read_grids

    read_grids(path)


def _calamine(path: str) -> None:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_path(path)
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def measure(fn, path: Path, limit: int = 2 << 30) -> tuple[str, float, float]:
    pid = os.fork()
    if pid == 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        try:
            fn(str(path))
        except BaseException:  # noqa: BLE001
            os._exit(3)
        os._exit(0)
    _, status, usage = os.wait4(pid, 0)
    ok = "ok" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else (
        "aborts" if os.WIFSIGNALED(status) else "error")
    return ok, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, nargs="+", default=[1000, 10_000, 100_000])
    args = ap.parse_args()
    import python_calamine  # noqa: F401 - imported before forking

    import nscl_xl.workbook_io  # noqa: F401

    tmp = Path(tempfile.mkdtemp())
    print(f"{'file':28} {'ours: CPU s':>12} {'RSS MiB':>8}   {'calamine: CPU s':>16} {'RSS MiB':>8}")
    for n in args.lines:
        for far in (False, True):
            path = _write(tmp / f"t{n}{'_far' if far else ''}.xlsx", n, far)
            a = measure(_ours, path)
            b = measure(_calamine, path)
            label = f"{n} lines" + (" + XFD1048576" if far else "")
            print(f"{label:28} {a[1]:>12.2f} {a[2]:>8.0f}   {b[1]:>10.2f} ({b[0]}) {b[2]:>8.0f}")
    with zipfile.ZipFile(path) as z:
        size = sum(i.file_size for i in z.infolist())
    print(f"(largest file: {size / 2**20:.1f} MiB of XML)", file=sys.stderr)


if __name__ == "__main__":
    main()

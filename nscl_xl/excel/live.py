"""Reading a live xlwings book into the budget model, and telling the user what is going on.

Works on every xlwings engine the toolkit meets: the desktop one (RunPython, COM), xlwings
Lite and the remote engine the tests use. Where an engine lacks a feature (the status bar
outside desktop Excel) the helpers here degrade to doing nothing, never to an error.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from ..errors import NoBudgetTable
from ..model import BudgetTable, Plan
from ..workbook_io import SheetGrid

TITLE = "NSCL"
CHECK_SHEET = "Kiểm tra"
#: Where Kiểm tra remembers the marks it made (very hidden on desktop Excel); see marks.py.
MARKS_SHEET = "nscl_xl_dau"
OWN_SHEETS = frozenset({CHECK_SHEET, MARKS_SHEET})


def sheet_grid(sheet) -> SheetGrid:
    """A sheet's values from A1 (the used range padded to the top-left corner).

    The used range is what Excel declares: one stray cell far down a sheet makes it huge, so
    its size is checked before a value is fetched (the same cell limit as the file reader)."""
    from ..errors import NsclError
    from ..workbook_io import MAX_CELLS

    used = sheet.used_range
    try:
        n_rows, n_cols = used.shape
    except (AttributeError, TypeError, ValueError):
        n_rows = n_cols = 0
    if (used.row - 1 + n_rows) * (used.column - 1 + n_cols) > MAX_CELLS:
        raise NsclError(f"vùng dữ liệu của trang kéo tới ô {used.address.split(':')[-1].replace('$', '')}, quá lớn để "
                        "đọc.", sheet=sheet.name,
                        hint="Hãy xóa các ô thừa ở xa bảng (chọn các hàng/cột trống sau bảng, bấm Delete), lưu lại "
                             "rồi bấm lại.")
    values = used.options(ndim=2).value or [[]]
    top, left = used.row - 1, used.column - 1
    width = left + max((len(r) for r in values), default=0)
    rows = [[None] * width for _ in range(top)]
    rows += [[None] * left + list(r) + [None] * (width - left - len(r)) for r in values]
    return SheetGrid(sheet.name, rows)


def book_model(book) -> Plan:
    """The budget model of every sheet of a live book (the toolkit's own sheets left out)."""
    return _book_read(book)[0]


def _book_read(book) -> tuple[Plan, list[SheetGrid]]:
    from ..reader import read_grids_plan

    grids = [sheet_grid(s) for s in book.sheets if s.name not in OWN_SHEETS]
    return read_grids_plan(grids, book.name), grids


def book_plan(book, sheet=None) -> tuple[Plan, BudgetTable, SheetGrid]:
    """The budget model of the book, the table on the active (or given) sheet and that
    sheet's grid (each sheet is read from Excel once)."""
    sheet = sheet or book.sheets.active
    plan, grids = _book_read(book)
    tables = [t for t in plan.tables if t.sheet == sheet.name]
    if not tables:
        raise NoBudgetTable("trang đang mở không có bảng dự toán (cần dòng tiêu đề có cột 'TT', 'Nội dung' và cột "
                            "kinh phí). Hãy mở đúng trang phụ lục dự toán rồi bấm lại.", file=book.name, sheet=sheet.name)
    return plan, tables[0], next(g for g in grids if g.name == sheet.name)


class Progress:
    """Progress text in Excel's status bar (desktop Excel; other engines have none).

    ``show`` writes ``"NSCL: <text>"``; leaving the ``progress`` block gives the status bar
    back to Excel (``False``), also when the button fails."""

    def __init__(self, book):
        self.app = book.app
        self.shown: list[str] = []  # what was written, in order (tests read it)
        self.available = True

    def show(self, text: str) -> None:
        if not self.available:
            return
        try:
            self.app.status_bar = f"{TITLE}: {text}"
        except (NotImplementedError, AttributeError):  # remote engine, xlwings Lite
            self.available = False
            return
        self.shown.append(text)

    def every(self, items: list, text: str, step: int = 50) -> Iterator:
        """Yield *items*, showing ``text i/n`` every *step* items."""
        n = len(items)
        for i, item in enumerate(items, start=1):
            if i == 1 or i % step == 0 or i == n:
                self.show(f"{text} {i}/{n}")
            yield item

    def reset(self) -> None:
        if self.available and self.shown:
            with contextlib.suppress(Exception):  # Excel may already be closing; nothing left to tell
                self.app.status_bar = False


@contextlib.contextmanager
def progress(book) -> Iterator[Progress]:
    bar = Progress(book)
    try:
        yield bar
    finally:
        bar.reset()

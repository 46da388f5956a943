"""xlwings Lite module: paste into the xlwings Lite editor (main.py) of a budget workbook.

The custom functions =BANGCHU(...) and =SOTIEN(...) and the task-pane buttons below call the
same nscl-xl functions as the desktop add-in and the command line. requirements.txt lists
what Lite must install (nscl-xl is pure Python).
"""

import xlwings as xw
from xlwings import script

from nscl_xl import excel
from nscl_xl.errors import NsclError
from nscl_xl.udfs import BANGCHU, SOTIEN  # noqa: F401 - registered as custom functions


def _safe(action, book):
    try:
        action(book)
    except NsclError as exc:
        book.app.alert(f"Lỗi: {exc}", title="NSCL - lỗi")


@script(name="Điền năm")
def dien_nam(book: xw.Book):
    """Điền các cột năm, tổng dòng, tổng mục, tổng cộng và dòng bằng chữ."""
    _safe(excel.fill_book, book)


@script(name="Kiểm tra")
def kiem_tra(book: xw.Book):
    """Kiểm tra tổng; tô màu, ghi chú và lập trang Kiểm tra."""
    _safe(excel.verify_book, book)


@script(name="Bằng chữ")
def bang_chu(book: xw.Book):
    """Ghi dòng (Bằng chữ: …) dưới dòng tổng cộng."""
    _safe(excel.words_book, book)

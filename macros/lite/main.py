"""xlwings Lite module: paste into the xlwings Lite editor (main.py) of a budget workbook.

The custom functions =BANGCHU(...) and =SOTIEN(...) and the task-pane buttons below call the
same nscl-xl functions as the desktop add-in and the command line. Lite installs nscl-xl from
the requirements.txt that `nscl-xl build-excel` writes (the wheel by address and hash).
"""

import xlwings as xw
from xlwings import script

from nscl_xl import excel
from nscl_xl.errors import NsclError
from nscl_xl.udfs import BANGCHU, SOTIEN  # noqa: F401 - registered as custom functions


def _safe(action, book):
    """Run a button; every failure becomes a message saying what to do, never a traceback."""
    try:
        action(book)
    except NsclError as exc:
        book.app.alert(f"Lỗi: {exc}", title="NSCL - lỗi")
    except NotImplementedError as exc:  # an Excel feature this Excel/Lite version does not offer
        book.app.alert(f"Excel này chưa hỗ trợ thao tác cần dùng ({exc}). Hãy cập nhật Excel (Microsoft 365) và "
                       "xlwings Lite, hoặc dùng add-in NSCL trên Excel cho Windows / lệnh nscl-xl.",
                       title="NSCL - lỗi")
    except Exception as exc:  # Office.js refused a call (protected sheet, cell being edited…)
        book.app.alert(f"Excel báo lỗi khi thực hiện ({type(exc).__name__}: {exc}). Hãy thoát chế độ sửa ô, bỏ bảo "
                       "vệ trang (Xem lại > Bỏ bảo vệ trang), lưu sổ rồi bấm lại; nếu vẫn lỗi, bấm ⋯ > Restart trong "
                       "xlwings Lite.", title="NSCL - lỗi")


@script(name="Điền năm")
def dien_nam(book: xw.Book):
    """Điền các cột năm, tổng dòng, tổng mục, tổng cộng và dòng bằng chữ."""
    _safe(excel.fill_book, book)


@script(name="Kiểm tra")
async def kiem_tra(book: xw.Book):
    """Kiểm tra tổng; tô màu, ghi chú và lập trang Kiểm tra (lần sau gỡ dấu cũ, trả lại màu và ghi chú cũ)."""
    try:
        known = await excel.marks.prefetch(book)  # fills and notes, which Lite only reads asynchronously
    except Exception:  # an older Lite/Excel: marks still work, old fills are not restored
        known = None
    _safe(lambda b: excel.verify_book(b, known=known), book)


@script(name="Bằng chữ")
def bang_chu(book: xw.Book):
    """Ghi dòng (Bằng chữ: …) dưới dòng tổng cộng."""
    _safe(excel.words_book, book)

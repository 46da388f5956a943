"""The buttons: the same library functions as the command line, acting on a live book.

Each button is a function of an ``xw.Book`` (so xlwings Lite scripts and tests on xlwings'
remote engine call it directly) plus a parameterless wrapper for VBA ``RunPython`` that uses
``xw.Book.caller()``. The VBA side passes no value at all (see macros/NSCL.bas): whatever
Python needs it asks Excel for, so no path ever travels through ``cmd.exe``'s command line.
Errors reach the user as a Vietnamese message box, never a traceback; the longer buttons
show their progress in Excel's status bar and give it back at the end.

What changes in the book, per button:

* ``fill_book`` — year columns (inserted when missing), year amounts, line/parent/grand totals
  as formulas (Excel computes them), the words line. Same plan as ``nscl-xl fill-years``.
* ``verify_book`` — first the marks of the previous click are taken back (marks.py), then
  offending cells coloured (red: error, yellow: warning) with a note each, a "Kiểm tra" sheet
  listing the findings with links to the cells, a short message.
* ``words_book`` — the words line under the grand total.
* ``consolidate_folder`` — a summary workbook for a folder (asked from Excel's folder picker
  on desktop Excel; otherwise the book's folder).
"""

from __future__ import annotations

import traceback
from pathlib import Path

import xlwings as xw

from ..errors import NsclError, NoBudgetTable
from ..findings import CHECK_HEADERS, ERROR, Finding, check_row
from ..model import col_letter
from ..money import format_vn
from . import marks as marks_
from .live import CHECK_SHEET, TITLE, book_model, book_plan, progress

COLORS = {"error": "#FFC7CE", "warning": "#FFEB9C"}
MSO_FILE_DIALOG_FOLDER_PICKER = 4


def _cell(sheet, row: int, col: int):
    return sheet.range((row + 1, col + 1))


# --- buttons -----------------------------------------------------------------------------------

def fill_book(book, *, period: tuple[int, int] | None = None, spread: str = "even", overwrite: bool = False) -> str:
    """Fill the year columns of the active sheet's table. Returns the message shown."""
    from ..fill import GROUP_LABEL, plan_fill

    sheet = book.sheets.active
    with progress(book) as bar:
        bar.show("đang đọc bảng…")
        plan, table, grid = book_plan(book, sheet)
        fp = plan_fill(plan, table, period=period, spread=spread, overwrite=overwrite, occupied=grid.row_used)
        if fp.new_year_columns:
            at, k = fp.insert_at, len(fp.new_year_columns)
            first, last = col_letter(at), col_letter(at + k - 1)
            sheet.range(f"{first}:{last}").insert(shift="right", copy_origin="format_from_left_or_above")
            h0, h1 = table.header_rows
            if h1 > h0 and not table.year_columns:
                _cell(sheet, h0, at).value = GROUP_LABEL
                if k > 1:
                    sheet.range((h0 + 1, at + 1), (h0 + 1, at + k)).merge()
            sheet.range((h1 + 1, at + 1)).value = [fp.new_year_columns]
        for w in bar.every(fp.writes, "đang ghi ô"):
            cell = _cell(sheet, w.row, w.col)
            if isinstance(w.value, str) and w.value.startswith("="):
                cell.formula = w.value
            else:
                cell.value = w.value
    message = (f"Đã điền các năm {fp.years[0]}–{fp.years[-1]} trên trang '{sheet.name}'. Tổng cộng: "
               f"{format_vn(fp.grand_total_dong)} đồng.")
    if fp.messages:
        message += "\n\n" + "\n".join(fp.messages[:10]) + ("\n…" if len(fp.messages) > 10 else "")
    book.app.alert(message, title=TITLE)
    return message


def verify_book(book, *, known: marks_.Known | None = None) -> list[Finding]:
    """Verify the whole book: take back the marks of the last click, then colour and annotate
    the offending cells (remembering what they had) and list the findings on "Kiểm tra".
    *known*: cells' fills and notes read beforehand (xlwings Lite, see marks.prefetch)."""
    from ..verify import verify_plan

    known = dict(known or {})
    with progress(book) as bar:
        bar.show("đang gỡ dấu của lần kiểm tra trước…")
        marks_.restore(book, marks_.read_marks(book), known)
        bar.show("đang đọc sổ…")
        plan = book_model(book)
        if not plan.tables and not plan.stated_totals:
            marks_.remember(book, [])
            raise NoBudgetTable("không tìm thấy bảng dự toán nào trong sổ này.", file=book.name)
        bar.show("đang kiểm tra các tổng…")
        findings = verify_plan(plan)
        names = {s.name for s in book.sheets}
        by_cell: dict[tuple[str, str], list[Finding]] = {}
        for f in findings:
            if f.sheet in names and f.cell:
                by_cell.setdefault((f.sheet, f.cell), []).append(f)
        made = []
        for (sheet_name, address), items in bar.every(list(by_cell.items()), "đang tô màu ô"):
            worst = "error" if any(f.severity == ERROR for f in items) else "warning"
            text = "\n".join(f"[{f.rule}] {f.message}" for f in items)  # one note per cell, every finding
            made.append(marks_.mark(book, sheet_name, address, COLORS[worst], text, known))
        marks_.remember(book, made)
        bar.show("đang lập trang Kiểm tra…")
        _write_check_sheet(book, findings)
    n_err = sum(f.severity == ERROR for f in findings)
    if findings:
        message = (f"Phát hiện {n_err} lỗi và {len(findings) - n_err} cảnh báo. Các ô có vấn đề đã được tô màu và ghi "
                   f"chú; danh sách ở trang '{CHECK_SHEET}'.")
    else:
        message = "Không phát hiện sai sót: các tổng đều khớp."
    book.app.alert(message, title=TITLE)
    return findings


def _write_check_sheet(book, findings: list[Finding]) -> None:
    names = [s.name for s in book.sheets]
    sheet = book.sheets[CHECK_SHEET] if CHECK_SHEET in names else book.sheets.add(CHECK_SHEET, after=book.sheets[-1])
    if CHECK_SHEET in names:
        sheet.clear()  # values, links and formats of the last listing
    rows = [CHECK_HEADERS[1:]] + [check_row(f)[1:] for f in findings]  # the file is the open book
    if not findings:
        rows.append(["", "", "", "", "Không phát hiện sai sót."] + [""] * (len(CHECK_HEADERS) - 6))
    # Text, never formulas: a message or a value that starts with "=" stays as typed.
    sheet.range("A1").value = [[("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for v in r] for r in rows]
    for i, f in enumerate(findings, start=2):
        if f.sheet and f.cell:
            sheet.range(f"B{i}").add_hyperlink(f"#'{f.sheet}'!{f.cell}", f.cell)


def words_book(book) -> str:
    """Write the grand total in words under the total row of the active sheet's table."""
    from ..words import amount_to_words

    sheet = book.sheets.active
    _, table, grid = book_plan(book, sheet)
    total = table.grand_total_dong()
    if total is None:
        raise NsclError("bảng chưa có dòng tổng cộng có số tiền; hãy điền các năm hoặc nhập tổng trước.",
                        file=book.name, sheet=sheet.name)
    text = f"(Bằng chữ: {amount_to_words(total)})"
    if table.words is not None:
        sheet.range(table.words.source.cell).value = text
    else:
        row = table.words_row(grid.row_used) if table.total is not None else table.last_row + 1
        _cell(sheet, row, 0).value = text
    book.app.alert(f"{format_vn(total)} đồng\n{text}", title=TITLE)
    return text


class Cancelled(Exception):
    """The user closed the folder picker: nothing to do, nothing to say."""


def book_folder(book) -> str:
    full = Path(book.fullname)
    if not full.parent or str(full.parent) in ("", "."):
        raise NsclError("sổ này chưa được lưu vào thư mục nào; hãy lưu sổ hoặc chọn thư mục cần tổng hợp.")
    return str(full.parent)


def ask_folder(book) -> str | None:
    """The folder the user picks in Excel's own folder picker (desktop Excel, through COM).
    None where the engine has no such dialog (remote engine, Lite); :class:`Cancelled` when
    the user closes it. Python asks Excel itself, so the path never crosses a command line."""
    try:
        dialog = book.app.api.FileDialog(MSO_FILE_DIALOG_FOLDER_PICKER)
    except Exception:  # no COM Application here (remote engine, Lite, macOS AppleScript)
        return None
    dialog.Title = "Chọn thư mục chứa các sổ dự toán cần tổng hợp"
    dialog.AllowMultiSelect = False
    try:
        dialog.InitialFileName = book_folder(book) + "\\"
    except NsclError:
        pass
    if dialog.Show() != -1:
        raise Cancelled
    return str(dialog.SelectedItems(1))


def consolidate_folder(book, folder: str | None = None, unit: str = "trieu") -> Path:
    """Consolidate a folder (default: the book's own folder) into tong_hop_nscl.xlsx there."""
    from ..consolidate import check_outputs, consolidate_dir
    from ..money import MoneyUnit
    from ..summary import write_summary
    from ..words import amount_to_words

    folder = folder or book_folder(book)
    out = Path(folder) / "tong_hop_nscl.xlsx"
    check_outputs(folder, {"-o": out})  # as the CLI: never over an input workbook of the folder
    with progress(book) as bar:
        bar.show(f"đang tổng hợp thư mục {folder}…")
        cons = consolidate_dir(folder)
        if not cons.used:
            raise NsclError("không có tệp nào tổng hợp được trong thư mục này.", file=folder)
        bar.show("đang ghi sổ tổng hợp…")
        out = write_summary(cons, out, unit=MoneyUnit.from_key(unit))
    n_err = sum(f.severity == ERROR for f in cons.findings)
    lines = [f"Đã tổng hợp {len(cons.used)} tệp; bỏ qua {len(cons.skipped)} tệp lỗi.",
             f"Tổng cộng: {format_vn(cons.total_vnd)} đồng ({amount_to_words(cons.total_vnd)}).",
             f"Kiểm tra: {n_err} lỗi, {len(cons.findings) - n_err} cảnh báo.", f"Đã ghi: {out}"]
    lines += [f"Bỏ qua {Path(s.file).name}: {s.reason}" for s in cons.skipped[:5]]
    book.app.alert("\n".join(lines), title=TITLE)
    return out


# --- parameterless entry points for VBA RunPython ---------------------------------------------------

def _run(action, *args) -> None:
    book = xw.Book.caller()
    try:
        action(book, *args)
    except Cancelled:
        pass
    except NsclError as exc:
        book.app.alert(f"Lỗi: {exc}", title=f"{TITLE} - lỗi")
    except Exception as exc:  # the user sees a message, developers get the log
        traceback.print_exc()
        book.app.alert(f"Lỗi không mong đợi ({type(exc).__name__}: {exc}). Hãy gửi tệp này cho bộ phận hỗ trợ.",
                       title=f"{TITLE} - lỗi")


def dien_nam() -> None:
    """Nút "Điền năm"."""
    _run(fill_book)


def kiem_tra() -> None:
    """Nút "Kiểm tra"."""
    _run(verify_book)


def bang_chu() -> None:
    """Nút "Bằng chữ"."""
    _run(words_book)


def tong_hop() -> None:
    """Nút "Tổng hợp thư mục": the folder comes from Excel's folder picker (desktop Excel),
    else the caller book's folder; VBA passes nothing."""
    _run(lambda book: consolidate_folder(book, ask_folder(book)))

"""xlwings' remote engine in tests: a book snapshot from a workbook file, and a replayer that
applies the recorded actions to an openpyxl copy (to compare a button with the CLI)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import xlwings as xw
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from nscl_xl.workbook_io import read_grids


def snapshot(path: Path, active_sheet: str | None = None, name: str | None = None) -> dict:
    """The JSON xlwings' remote engine builds a book from (what the Office.js client sends):
    values, which cells have a note, which sheets are hidden."""
    grids = read_grids(path)
    wb = openpyxl.load_workbook(path) if Path(path).suffix.lower() in (".xlsx", ".xlsm") else None
    sheets = []
    for g in grids:
        values = [[None if v == "" else v for v in row] for row in g.values] or [[None]]
        width = max(1, max(len(r) for r in values))
        values = [r + [None] * (width - len(r)) for r in values]
        notes, visibility = [], "Visible"
        if wb is not None and g.name in wb.sheetnames:
            ws = wb[g.name]
            notes = [{"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment is not None]
            visibility = "Visible" if ws.sheet_state == "visible" else "Hidden"
        sheets.append({"name": g.name, "values": values, "pictures": [], "tables": [], "notes": notes,
                       "visibility": visibility})
    names = [g.name for g in grids]
    return {"client": "Office.js", "version": xw.__version__,
            "book": {"name": name or Path(path).name, "selection": "A1",
                     "active_sheet_index": names.index(active_sheet) if active_sheet else 0},
            "names": [], "sheets": sheets}


def remote_book(path: Path, active_sheet: str | None = None, name: str | None = None):
    book = xw.Book(json=snapshot(path, active_sheet, name))
    book.set_mock_caller()
    return book


def _excel_text(v):
    """What Excel stores for a typed value: a leading apostrophe makes text and is not kept."""
    return v[1:] if isinstance(v, str) and v.startswith("'") else v


def replay(actions: list[dict], src: Path, dst: Path) -> Path:
    """Apply recorded actions to a copy of *src* (the subset the toolkit uses), as Excel would."""
    wb = openpyxl.load_workbook(src)
    order = list(wb.sheetnames)
    for a in actions:
        func, args = a["func"], a["args"]
        ws = wb[order[a["sheet_position"]]] if a.get("sheet_position") is not None else None
        r0, c0 = (a.get("start_row") or 0) + 1, (a.get("start_column") or 0) + 1
        if func in ("setValues", "setFormula"):
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    ws.cell(r0 + i, c0 + j).value = _excel_text(v)
        elif func == "rangeInsert" and args[0] == "right":
            ws.insert_cols(c0, a["column_count"])
        elif func == "rangeMerge":
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r0 + a["row_count"] - 1,
                           end_column=c0 + a["column_count"] - 1)
        elif func == "setRangeColor":
            ws.cell(r0, c0).fill = (PatternFill(fill_type=None) if args[0] is None
                                    else PatternFill("solid", fgColor=args[0].lstrip("#").upper()))
        elif func in ("addNote", "setNoteText"):
            text = args[-1]
            ws.cell(r0, c0).comment = Comment(text, "nscl-xl")
        elif func == "deleteNote":
            ws.cell(r0, c0).comment = None
        elif func == "addSheet":
            wb.create_sheet(args[1], args[0])
            order.insert(args[0], args[1])
        elif func == "sheetDelete":
            del wb[order.pop(a["sheet_position"])]
        elif func == "sheetClear":  # values, formats and links
            for row in ws.iter_rows():
                for c in row:
                    c.value, c.hyperlink, c.style = None, None, "Normal"
        elif func == "setSheetVisibility":
            ws.sheet_state = "visible" if (args[0] if isinstance(args, list) else args) == "Visible" else "hidden"
        elif func == "addHyperlink":
            ws.cell(r0, c0).hyperlink = args[0]
        elif func in ("alert", "setNumberFormat", "setColumnWidth"):
            continue
        else:
            raise AssertionError(f"replayer does not know {func}")
    wb.save(dst)
    return dst

"""Helpers that turn a sheet grid into the variants staff really produce."""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path

from nscl_xl.money import format_vn
from nscl_xl.workbook_io import SheetGrid, read_grids


def sheet(path: Path, name: str) -> SheetGrid:
    return next(g for g in read_grids(path) if g.name == name).dense()  # edited in place by the variants


def shifted(grid: SheetGrid, rows: int, cols: int) -> SheetGrid:
    width = grid.n_cols + cols
    values = [[""] * width for _ in range(rows)] + [[""] * cols + list(r) for r in grid.values]
    merged = [((r0 + rows, c0 + cols), (r1 + rows, c1 + cols)) for (r0, c0), (r1, c1) in grid.merged]
    return SheetGrid(grid.name, values, merged)


def numbers_as_text(grid: SheetGrid, first_row: int, qty_col: int | None = None) -> SheetGrid:
    """Every number from *first_row* on becomes Vietnamese text ("5.405"); quantities "01"."""
    g = copy.deepcopy(grid)
    for r in range(first_row, g.n_rows):
        for c, v in enumerate(g.values[r]):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                g.values[r][c] = f"{int(v):02d}" if c == qty_col else format_vn(int(v) if float(v).is_integer() else v)
    return g


def nfd(grid: SheetGrid) -> SheetGrid:
    g = copy.deepcopy(grid)
    g.values = [[unicodedata.normalize("NFD", v) if isinstance(v, str) else v for v in row] for row in g.values]
    return g


def reorder(grid: SheetGrid, order: list[int]) -> SheetGrid:
    """Columns in a new order: new column i is old column order[i]. Merges are dropped
    (as in a grid pasted without merge information)."""
    values = [[row[c] if c < len(row) else "" for c in order] for row in grid.values]
    return SheetGrid(grid.name, values, [])


def write_grid(path: Path, grids: list[SheetGrid]) -> Path:
    """Write grids to an .xlsx with openpyxl (text stays text, numbers stay numbers)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for g in grids:
        ws = wb.create_sheet(g.name)
        for r, row in enumerate(g.values, start=1):
            for c, v in enumerate(row, start=1):
                if v not in ("", None):
                    ws.cell(r, c, v)
                    if isinstance(v, str) and v.startswith("="):
                        ws.cell(r, c).data_type = "s"
        for (r0, c0), (r1, c1) in g.merged:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    wb.save(path)
    return path

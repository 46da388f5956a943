"""Budget-table edits built on the engine: the year columns of ``fill-years``."""

from __future__ import annotations

import re

from .refs import col_index, col_name
from .sheet import merged_ranges, set_merged_ranges
from .workbook import WorkbookEditor


def insert_year_columns(ed: WorkbookEditor, table, at: int, years: list[int], group_label: str) -> None:
    """Insert one column per year in *years* before 0-based column *at* of the table's sheet,
    headed like the table: the year under the header's last row, the "Dự toán kinh phí" group
    label merged above when the table had no year columns, an existing group header widened."""
    k = len(years)
    h0, h1 = table.header_rows
    extends_group = bool(table.year_columns) and max(table.year_columns.values()) + 1 == at
    ed.insert_columns(table.sheet, at, k, template_col=at - 1 if at > 0 else None)
    ws = ed.sheet(table.sheet)
    out = []
    for ref in merged_ranges(ws):
        m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", ref)
        if m and extends_group and col_index(m.group(3)) == at - 1 and int(m.group(2)) == int(m.group(4)) == h0 + 1:
            ref = f"{m.group(1)}{m.group(2)}:{col_name(at + k - 1)}{m.group(4)}"
        out.append(ref)
    if h1 > h0 and not table.year_columns and k > 1:
        out.append(f"{col_name(at)}{h0 + 1}:{col_name(at + k - 1)}{h0 + 1}")
    set_merged_ranges(ws, out)
    for i, year in enumerate(years):
        ws.write(h1, at + i, year)
    if h1 > h0 and not table.year_columns:
        ws.write(h0, at, group_label)

"""Presenting findings: a readable text report, JSON, and an annotated copy of a workbook."""

from __future__ import annotations

import json
import os
from itertools import groupby
from pathlib import Path

from .findings import CHECK_HEADERS, ERROR, SEVERITY_VN, Finding, check_row


def set_text(cell, value) -> None:
    """Put *value* in an openpyxl cell; text stays text even when it starts with "=" (no formula)."""
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def text_report(findings: list[Finding]) -> str:
    """Findings grouped by file and sheet, one line each, with counts."""
    if not findings:
        return "Không phát hiện sai sót."
    lines = []
    for file, by_file in groupby(findings, key=lambda f: f.file):
        lines.append(f"== {file}")
        for sheet, items in groupby(list(by_file), key=lambda f: f.sheet):
            if sheet:
                lines.append(f"  [{sheet}]")
            for f in items:
                head = f"    {f.cell or '-':>6}  {SEVERITY_VN.get(f.severity, f.severity):9} {f.rule}: "
                lines.append(head + f.message)
    n_err = sum(f.severity == ERROR for f in findings)
    lines.append(f"Tổng: {n_err} lỗi, {len(findings) - n_err} cảnh báo.")
    return "\n".join(lines)


def json_report(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2)


def annotate_workbook(src: str | os.PathLike, findings: list[Finding], out: str | os.PathLike) -> Path:
    """Write a copy of *src* with offending cells highlighted and noted, plus a "Kiểm tra" sheet.

    The input is opened read-only and never written; the copy is written atomically.
    """
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from .safe_write import atomic_path

    src, out = Path(src), Path(out)
    if src.resolve() == out.resolve():
        from .errors import UsageError
        raise UsageError("tệp kết quả trùng tệp gốc; hãy chọn tên khác (tệp gốc không bao giờ bị sửa).",
                         file=str(out))
    keep_vba = src.suffix.lower() == ".xlsm"
    wb = openpyxl.load_workbook(src, keep_vba=keep_vba, keep_links=False)
    fills = {ERROR: PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
    for f in findings:
        if f.sheet in wb.sheetnames and f.cell:
            cell = wb[f.sheet][f.cell]
            if type(cell).__name__ == "MergedCell":
                continue
            cell.fill = fills.get(f.severity, fills["warning"])
            text = f"[{f.rule}] {f.message}"
            if cell.comment is not None:
                text = cell.comment.text + "\n" + text
            cell.comment = Comment(text[:30000], "nscl-xl", width=400, height=160)
    name = "Kiểm tra"
    if name in wb.sheetnames:
        del wb[name]
    ws = wb.create_sheet(name)
    headers = CHECK_HEADERS
    ws.append(headers)
    for c in ws[1]:
        c.font = Font(bold=True)
    for f in findings:
        ws.append(check_row(f, Path(f.file).name))
        row = ws.max_row
        for col in range(1, len(headers) + 1):
            set_text(ws.cell(row, col), ws.cell(row, col).value)
        if f.sheet in wb.sheetnames and f.cell:
            link = ws.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet}'!{f.cell}")
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEFGHIJK", [28, 14, 8, 10, 16, 100, 14, 14, 12, 12, 18]):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    if not findings:
        ws.append(["", "", "", "", "", "Không phát hiện sai sót."])
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out

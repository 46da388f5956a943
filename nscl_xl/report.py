"""Presenting findings: a readable text report, JSON, and an annotated copy of a workbook."""

from __future__ import annotations

import json
import os
from itertools import groupby
from pathlib import Path

from .findings import ERROR, SEVERITY_VN, Finding


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
    """Write a copy of *src* with offending cells highlighted and noted, plus a "Kiểm tra" sheet
    (see :mod:`nscl_xl.edit.annotate`: the package is edited in place, nothing else changes)."""
    from .edit.annotate import annotate_workbook as annotate

    return annotate(src, findings, out)

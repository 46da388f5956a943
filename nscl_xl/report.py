"""Presenting findings: a readable text report, JSON, and an annotated copy of a workbook."""

from __future__ import annotations

import json
import os
from itertools import groupby
from pathlib import Path

from .findings import ERROR, SEVERITY_VN, Finding


_ROLE_VN = {"metadata": "thông tin kế hoạch", "targets": "chỉ tiêu", "empty": "trống",
            "other": "không có bảng dự toán"}
_STATE_VN = {"hidden": " (trang ẩn)", "veryHidden": " (trang ẩn sâu)"}


def coverage_lines(cov: dict) -> list[str]:
    """What was read in one file, one line per sheet (Vietnamese)."""
    out = []
    for sh in cov["sheets"]:
        name = f"[{sh['sheet']}]{_STATE_VN.get(sh['state'], '')}"
        if not sh["tables"]:
            out.append(f"  {name} {_ROLE_VN.get(sh['role'], sh['role'] or 'không có bảng dự toán')}")
            continue
        for t in sh["tables"]:
            h0, h1 = t["header_rows"]
            text = (f"  {name} bảng: tiêu đề hàng {h0 if h0 == h1 else f'{h0}–{h1}'}, "
                    f"đọc hàng {t['first_row']}–{t['last_row']}, "
                    f"{t['lines']} dòng, đơn vị {t['unit']}")
            text += f", dòng tổng cộng hàng {t['total_row']}" if t["total_row"] else ", không có dòng tổng cộng"
            if t["subtotals"]:
                text += f", {t['subtotals']} dòng cộng mục"
            text += f"; tìm số đến hàng {t['searched_to']}"
            if t["unread_numbers"]:
                text += f", {t['unread_numbers']} số không đọc được (xem dưới)"
            out.append(text)
    if cov.get("formulas_computed") or cov.get("formulas_not_evaluable"):
        out.append(f"  công thức không có giá trị lưu sẵn: {cov['formulas_computed']} ô đã tự tính, "
                   f"{cov['formulas_not_evaluable']} ô không tính được")
    if not cov["checked"]:
        out.append("  => không có số liệu kinh phí nào được kiểm tra trong tệp này")
    return out


def text_report(findings: list[Finding], coverage: list[dict] | None = None) -> str:
    """Findings grouped by file and sheet, one line each, with counts; with *coverage*
    (:meth:`Plan.coverage` of each file read) also what was read in each file and sheet."""
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.file, []).append(f)
    covs = {c["file"]: c for c in coverage or []}
    if not findings and coverage is None:
        return "Không phát hiện sai sót."
    lines = []
    for file in sorted(set(by_file) | set(covs)):
        lines.append("== " + file.replace("\n", "\\n"))  # a newline in a file name must not fake a report line
        if file in covs:
            lines.extend(coverage_lines(covs[file]))
        for sheet, items in groupby(by_file.get(file, []), key=lambda f: f.sheet):
            if sheet:
                lines.append(f"  [{sheet}]")
            for f in items:
                head = f"    {f.cell or '-':>6}  {SEVERITY_VN.get(f.severity, f.severity):9} {f.rule}: "
                lines.append(head + f.message)
    if coverage is not None:
        n_tables = sum(len(sh["tables"]) for c in coverage for sh in c["sheets"])
        n_lines = sum(t["lines"] for c in coverage for sh in c["sheets"] for t in sh["tables"])
        lines.append(f"Đã đọc {len(coverage)} tệp: {n_tables} bảng, {n_lines} dòng.")
        if not any(c["checked"] for c in coverage):
            lines.append("KHÔNG CÓ SỐ LIỆU NÀO ĐƯỢC KIỂM TRA.")
    n_err = sum(f.severity == ERROR for f in findings)
    if findings:
        lines.append(f"Tổng: {n_err} lỗi, {len(findings) - n_err} cảnh báo.")
    elif coverage is None or any(c["checked"] for c in coverage):
        lines.append("Không phát hiện sai sót.")
    return "\n".join(lines)


def json_report(findings: list[Finding], coverage: list[dict] | None = None) -> str:
    """The findings as a JSON list; with *coverage*, an object ``{"checked", "files", "findings"}``
    where ``files`` says what was read per file and sheet."""
    if coverage is None:
        return json_text([f.to_dict() for f in findings])
    return json_text({"checked": any(c["checked"] for c in coverage), "files": coverage,
                      "findings": [f.to_dict() for f in findings]})


def json_text(data) -> str:
    """*data* as readable JSON (Vietnamese as is) in which every character the console escapes
    (C1 controls such as U+009B, bidi overrides) is already a JSON escape (\\u009b): the console's
    own escaping (\\x9b) is not JSON and would make ``--json`` output unparseable."""
    from .text import _CONTROLS

    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(data, ensure_ascii=False, indent=2))


def annotate_workbook(src: str | os.PathLike, findings: list[Finding], out: str | os.PathLike) -> Path:
    """Write a copy of *src* with offending cells highlighted and noted, plus a "Kiểm tra" sheet
    (see :mod:`nscl_xl.edit.annotate`: the package is edited in place, nothing else changes)."""
    from .edit.annotate import annotate_workbook as annotate

    return annotate(src, findings, out)

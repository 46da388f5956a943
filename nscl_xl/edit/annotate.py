"""``verify --annotate``: a copy of the workbook with flagged cells filled and noted, and a
"Kiểm tra" sheet listing every finding with a link to its cell.

Edited parts: the flagged sheets (cell styles, a <legacyDrawing> when they had none), styles.xml,
the comments and VML drawing of those sheets (new notes merged into existing ones), the new
sheet, workbook.xml and its relationships, [Content_Types].xml and docProps/custom.xml.
Nothing moves, so every formula keeps its cached value.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

from ..bulk_sheet import xml_text
from ..findings import CHECK_HEADERS, CHECK_NUMBER_COLUMNS, ERROR, Finding, check_row, check_value, wrapped_lines
from .package import (REL, WORKSHEET_ORDER, add_relationship, attrs, escape, insert_child, relative_target,
                      set_content_type)
from .refs import col_index, col_name
from .sheet import SheetXml, is_covered, merged_ranges, number_text
from .workbook import WorkbookEditor

CHECK_SHEET = "Kiểm tra"
FILL_RGB = {ERROR: "FFC7CE", "warning": "FFEB9C"}
WIDTHS = [28, 14, 8, 10, 16, 100, 14, 14, 12, 12, 18]
REL_COMMENTS = REL + "comments"
REL_VML = REL + "vmlDrawing"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
AUTHOR = "nscl-xl"


def annotate_workbook(src: str | os.PathLike, findings: list[Finding], out: str | os.PathLike) -> Path:
    """Write a copy of *src* with offending cells highlighted and noted, plus a "Kiểm tra" sheet.

    The input is never written; the copy is written atomically. An ``.xlsx`` output of an
    ``.xlsm`` input is a valid macro-free workbook."""
    from ..errors import UsageError
    from ..safe_write import atomic_path, same_file

    src, out = Path(src), Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm") and not out.is_dir():  # OOXML in "x.xls"/"x.csv": Excel balks
        raise UsageError("bản đánh dấu phải có đuôi .xlsx (hoặc .xlsm để giữ macro).", file=str(out),
                         hint=f"Ví dụ --annotate {out.with_suffix('.xlsx').name}.")
    if same_file(src, out):
        raise UsageError("tệp kết quả trùng tệp gốc; hãy chọn tên khác (tệp gốc không bao giờ bị sửa).",
                         file=str(out))
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UsageError("chỉ ghi được bản đánh dấu cho tệp .xlsx/.xlsm; hãy lưu tệp dạng .xlsx trước.", file=str(src))
    with WorkbookEditor(src) as ed:
        worksheets = {s.name: s for s in ed.sheets if s.kind == "worksheet"}
        notes: dict[str, dict[tuple[int, int], list[str]]] = {}
        original: dict[tuple[str, int, int], int] = {}  # a cell's own format, before we marked it
        check_sheet = _check_sheet_name(src, worksheets)
        for f in findings:
            if f.sheet not in worksheets or not f.cell or f.sheet == check_sheet:
                continue
            m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", f.cell)
            if not m:
                continue
            r, c = int(m.group(2)) - 1, col_index(m.group(1))
            ws = ed.sheet(f.sheet)
            if is_covered(merged_ranges(ws), r, c):
                continue
            cell = ws.cell(r, c)
            base = original.setdefault((f.sheet, r, c), cell.style if cell is not None else 0)
            fill = FILL_RGB.get(f.severity, FILL_RGB["warning"])
            marked = notes.setdefault(f.sheet, {})
            if (r, c) not in marked or f.severity == ERROR:
                ws.set_style(r, c, ed.styles.derive(base, fill_rgb=fill))
            marked.setdefault((r, c), []).append(f"[{f.rule}] {f.message}")
        for sheet, cells in notes.items():
            _add_notes(ed, sheet, cells)
        _write_check_sheet(ed, findings, {n for n in worksheets}, check_sheet)
        with atomic_path(out) as tmp:  # OS errors of the output side become OutputError (exit 4)
            ed.save(tmp, kind="annotated", as_suffix=out.suffix)
    return out


def _check_sheet_name(src: Path, worksheets) -> str:
    """The findings sheet: "Kiểm tra", replacing the one of an annotated copy; in a clerk's
    workbook that has its own sheet of that name (a common word), the first free "Kiểm tra (n)"."""
    from ..consolidate import container_marks

    names = {n.casefold() for n in worksheets}
    if CHECK_SHEET.casefold() not in names or container_marks(src).made_by == "annotated":
        return CHECK_SHEET
    n = 2
    while f"{CHECK_SHEET} ({n})".casefold() in names:
        n += 1
    return f"{CHECK_SHEET} ({n})"


def _add_notes(ed: WorkbookEditor, sheet: str, cells: dict[tuple[int, int], list[str]]) -> None:
    ref = ed.sheet_ref(sheet)
    ws = ed.sheet(sheet)
    rels = ed.pkg.rels(ref.part)
    comments = next((r.target for r in rels if r.type == REL_COMMENTS and ed.pkg.has(r.target)), None)
    legacy = re.search(r"<(?:\w+:)?legacyDrawing\b[^>]*>", ws.tail)
    vml = None
    if legacy:
        rid = next((v for k, v in attrs(legacy.group(0)).items() if k.endswith(":id")), None)
        vml = next((r.target for r in rels if r.id == rid and ed.pkg.has(r.target)), None)
    if comments is None:
        comments = ed.pkg.free_name("xl/comments{}.xml")
        ed.pkg.put(comments, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{NS_MAIN}">'
                             f"<authors></authors><commentList></commentList></comments>")
        set_content_type(ed.pkg, comments, CT_COMMENTS)
        add_relationship(ed.pkg, ref.part, REL_COMMENTS, relative_target(ref.part, comments))
    if vml is None:
        if legacy:  # a <legacyDrawing> pointing nowhere: replaced by ours (a sheet has one at most)
            ws.tail = ws.tail.replace(legacy.group(0), "", 1)
        vml = ed.pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        block = _free_idmap_block(ed)  # shape ids must not collide with another sheet's drawing
        ed.pkg.put(vml, '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
                        'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap '
                        f'v:ext="edit" data="{block}"/></o:shapelayout></xml>')
        if not re.search(r'Extension="vml"', ed.pkg.content_types(), re.I):
            from .package import ensure_default_content_type

            ensure_default_content_type(ed.pkg, "vml", CT_VML)
        rid = add_relationship(ed.pkg, ref.part, REL_VML, relative_target(ref.part, vml))
        p = ws.p
        prefix = _r_prefix(ws)
        ws.head, ws.tail = _ensure_r_namespace(ws.head, prefix), ws.tail
        ws.tail = insert_child(ws.tail, p, "legacyDrawing", f'<{p}legacyDrawing {prefix}:id="{rid}"/>',
                               WORKSHEET_ORDER, default=0)
        ws.dirty = True
    _merge_comments(ed, comments, cells)
    _merge_vml(ed, vml, cells)


def _free_idmap_block(ed: WorkbookEditor) -> int:
    """A VML shape-id block (ids block×1024+1…) no drawing of the workbook uses yet."""
    used = {0}
    for info in ed.pkg.infos:
        if info.filename.lower().endswith(".vml"):
            text = ed.pkg.raw(info.filename).decode("latin-1")  # only ASCII attributes are read here
            for data in re.findall(r'<o:idmap\b[^>]*\bdata="([^"]*)"', text):
                used.update(int(x) for x in re.findall(r"\d+", data))
            used.update(int(x) // 1024 for x in re.findall(r"_x0000_s(\d+)", text))
    return max(used) + 1


def _r_prefix(ws: SheetXml) -> str:
    m = re.search(rf'xmlns:(\w+)="{re.escape(NS_R)}"', ws.head)
    return m.group(1) if m else "r"


def _ensure_r_namespace(head: str, prefix: str) -> str:
    if re.search(rf'xmlns:{prefix}="', head):
        return head
    m = re.search(r"<(\w+:)?worksheet\b", head)
    return head[:m.end()] + f' xmlns:{prefix}="{NS_R}"' + head[m.end():]


def _merge_comments(ed: WorkbookEditor, part: str, cells: dict[tuple[int, int], list[str]]) -> None:
    text = ed.pkg.text(part)
    p = (re.search(r"<(\w+:)?comments\b", text).group(1) or "")
    authors = re.findall(rf"<{p}author>(.*?)</{p}author>|<{p}author/>", text, re.S)
    if AUTHOR in authors:
        author_id = authors.index(AUTHOR)
    else:
        author_id = len(authors)
        elem = f"<{p}author>{AUTHOR}</{p}author>"
        if re.search(rf"<{p}authors\s*/>", text):
            text = re.sub(rf"<{p}authors\s*/>", f"<{p}authors>{elem}</{p}authors>", text, 1)
        else:
            text = text.replace(f"</{p}authors>", elem + f"</{p}authors>", 1)
    if re.search(rf"<{p}commentList\s*/>", text):
        text = re.sub(rf"<{p}commentList\s*/>", f"<{p}commentList></{p}commentList>", text, 1)
    for (r, c), messages in cells.items():
        ref = f"{col_name(c)}{r + 1}"
        body = "\n".join(messages)[:30000]
        run = f'<{p}r><{p}t xml:space="preserve">{xml_text(body)}</{p}t></{p}r>'
        existing = re.search(rf'<{p}comment\b[^>]*\sref="{ref}"[^>]*>(.*?)</{p}comment>', text, re.S)
        if existing:
            inner = existing.group(1)
            tm = re.search(rf"(<{p}text\b[^>]*>)(.*?)(</{p}text>)", inner, re.S)
            if not tm:
                continue
            content = tm.group(2)
            if not re.match(rf"\s*<{p}r\b", content):  # plain <t>: make it a run so we can add one
                content = f"<{p}r>{content}</{p}r>"
            sep = f'<{p}r><{p}t xml:space="preserve">\n</{p}t></{p}r>'
            new_inner = inner[:tm.start()] + tm.group(1) + content + sep + run + tm.group(3) + inner[tm.end():]
            start = existing.start(1)
            text = text[:start] + new_inner + text[existing.end(1):]
        else:
            elem = f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text>{run}</{p}text></{p}comment>'
            text = text.replace(f"</{p}commentList>", elem + f"</{p}commentList>", 1)
    ed.pkg.put(part, text)


_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _merge_vml(ed: WorkbookEditor, part: str, cells: dict[tuple[int, int], list[str]]) -> None:
    text = ed.pkg.text(part)
    existing = set()
    for m in re.finditer(r"<x:ClientData\b[^>]*ObjectType=\"Note\"[^>]*>(.*?)</x:ClientData>", text, re.S | re.I):
        rr = re.search(r"<x:Row>(\d+)</x:Row>", m.group(1), re.I)
        cc = re.search(r"<x:Column>(\d+)</x:Column>", m.group(1), re.I)
        if rr and cc:
            existing.add((int(rr.group(1)), int(cc.group(1))))
    ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", text)]
    block = re.search(r'<o:idmap\b[^>]*\bdata="(\d+)', text)
    next_id = max(ids + [int(block.group(1)) * 1024 if block else 1024]) + 1
    shapes = []
    if "o:spt=\"202\"" not in text and "_x0000_t202" not in text:
        shapes.append(_SHAPETYPE)
    for (r, c) in cells:
        if (r, c) in existing:
            continue
        anchor = f"{c + 1}, 15, {max(r - 1, 0)}, 10, {c + 5}, 15, {r + 8}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{next_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            f'margin-top:1.5pt;width:300pt;height:120pt;z-index:{next_id - 1024};visibility:hidden" '
            f'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" '
            f'obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div '
            f'style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/>'
            f"<x:SizeWithCells/><x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{r}</x:Row>"
            f"<x:Column>{c}</x:Column></x:ClientData></v:shape>")
        next_id += 1
    if not shapes:
        return
    i = text.rindex("</xml>")
    ed.pkg.put(part, text[:i] + "".join(shapes) + text[i:])


def _write_check_sheet(ed: WorkbookEditor, findings: list[Finding], sheets: set[str],
                       name: str = CHECK_SHEET) -> None:
    """The findings as a table a reviewer can print: numbers as numbers, long texts wrapped,
    A4 landscape fitted to the page width with the heading row repeated on every page."""
    st = ed.styles
    bold = st.derive(0, bold=True, wrap=True)
    link = st.derive(0, color="0563C1", underline=True)
    wrapped = st.derive(0, wrap=True)
    size = re.search(r'<(?:\w+:)?sz\b[^>]*\bval="([\d.]+)"', st.font_of(0))
    line_pt = round(max(15.0, float(size.group(1)) * 1.32 if size else 15.0), 2)  # one line of the sheet's font
    rows = []
    links = []

    def cell(r: int, c: int, value, style: int | None = None) -> str:
        s = f' s="{style}"' if style else ""
        ref = f"{col_name(c)}{r}"
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            value = str(value)
        if isinstance(value, (int, Decimal)) or isinstance(value, float):
            return f'<c r="{ref}"{s}><v>{number_text(value)}</v></c>'
        text = xml_text(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    rows.append(f'<row r="1">{"".join(cell(1, c, h, bold) for c, h in enumerate(CHECK_HEADERS))}</row>')
    r = 1
    for f in findings:
        r += 1
        values = [check_value(v) if c in CHECK_NUMBER_COLUMNS else v
                  for c, v in enumerate(check_row(f, Path(f.file).name))]
        linked = f.sheet in sheets and bool(f.cell) and bool(re.fullmatch(r"\$?[A-Za-z]{1,3}\$?\d+", f.cell or ""))
        cells = [cell(r, c, v, link if (c == 2 and linked) else wrapped) for c, v in enumerate(values)]
        lines = wrapped_lines(values, WIDTHS)
        height = f' ht="{line_pt * lines}" customHeight="1"' if lines > 1 else ""
        rows.append(f'<row r="{r}"{height}>{"".join(cells)}</row>')
        if linked:
            quoted = "'" + f.sheet.replace("'", "''") + "'"
            links.append(f'<hyperlink ref="C{r}" location="{escape(quoted + "!" + f.cell, True)}" display="'
                         f'{escape(f.cell, True)}"/>')
    if not findings:
        r += 1
        rows.append(f'<row r="{r}">{cell(r, 5, "Không phát hiện sai sót.")}</row>')
    cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, w in enumerate(WIDTHS))
    last = f"{col_name(len(CHECK_HEADERS) - 1)}{r}"
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS_MAIN}" '
           f'xmlns:r="{NS_R}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0">'
           f'<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           f'<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
           f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
           + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
           + '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
           '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')
    ed.replace_or_add_sheet(name, xml)
    ed.set_print_titles(name, "$1:$1")

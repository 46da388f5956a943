"""Fast bulk rows for one worksheet of a workbook XlsxWriter has just written.

XlsxWriter costs about 5 µs per cell in Python; the "Dữ liệu" sheet of a national
consolidation has ~10⁵ cells, which would dominate the run. Here XlsxWriter writes the
workbook as usual (styles, the table definition, formulas elsewhere) with only the header
row of that sheet, and :func:`replace_sheet_rows` swaps in the data rows generated directly
as SpreadsheetML: numbers as ``<v>``, text as inline strings (``t="inlineStr"``, read by
Excel, LibreOffice, openpyxl, calamine and pandas), with the style indices XlsxWriter
assigned to the formats. Only plain values are written this way — no formulas. A cell's ``r`` reference is written
only after a gap (it is optional in SpreadsheetML; Excel, LibreOffice, openpyxl, calamine and
pandas all place such cells in the next column — see tests/test_bulk_sheet.py).
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from typing import Iterable, Iterator, Sequence

from .model import col_letter

MAX_CELL_TEXT = 32_767  # Excel's limit per cell
#: Cell XML remembered per column: values that repeat (province, year, plan, file) are built once;
#: unique ones (items) would only fill memory (bench/bench_summary_memory.py).
_TAIL_CACHE = 4096
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4})_")


@functools.lru_cache(maxsize=8192)
def xml_text(value: str) -> str:
    """Text for a <t> element: XML-escaped, control characters as OOXML _xHHHH_ escapes."""
    value = value[:MAX_CELL_TEXT]
    value = _ESCAPED_LOOKALIKE.sub(r"_x005F_\1_", value)  # a literal "_x0041_" stays literal
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


@functools.lru_cache(maxsize=8192)
def _t_element(value: str) -> str:
    text = xml_text(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{text}</t>"


def rows_xml(rows: Iterable[Sequence[object]], styles: Sequence[int | None], first_row: int = 1,
             heights: Sequence[float | None] | None = None) -> tuple[str, int]:
    """SpreadsheetML <row> elements for *rows* (1-based *first_row*); returns (xml, last row).
    *heights* gives each row's height in points (None: Excel's default)."""
    rows = list(rows)
    return "".join(iter_rows_xml(rows, styles, first_row, heights)), first_row - 1 + len(rows)


def iter_rows_xml(rows: Iterable[Sequence[object]], styles: Sequence[int | None], first_row: int = 1,
                  heights: Sequence[float | None] | None = None, batch: int = 2048) -> Iterator[str]:
    """The XML of :func:`rows_xml` in pieces of *batch* rows, to be streamed into a zip entry
    (:func:`stream_rows`) instead of held as one string."""
    letters = [col_letter(c) for c in range(len(styles))]
    s_attr = ["" if s is None else f' s="{s}"' for s in styles]
    tails: list[dict] = [{} for _ in styles]  # per column: value -> the cell XML after "<c"
    out = []
    for r, row in enumerate(rows, start=first_row):
        cells = []
        expected = 0  # the column a cell without r="…" lands in (SpreadsheetML: the next one)
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            tail = tails[c].get((type(v), v))
            if tail is None:
                if isinstance(v, bool):
                    tail = f'{s_attr[c]} t="b"><v>{int(v)}</v></c>'
                elif isinstance(v, (int, float)):
                    tail = f"{s_attr[c]}><v>{v!r}</v></c>"
                else:
                    tail = f'{s_attr[c]} t="inlineStr"><is>{_t_element(str(v))}</is></c>'
                if len(tails[c]) < _TAIL_CACHE:
                    tails[c][(type(v), v)] = tail
            # The cell reference is optional in SpreadsheetML; it is written only after a gap.
            cells.append(f"<c{tail}" if c == expected else f'<c r="{letters[c]}{r}"{tail}')
            expected = c + 1
        height = heights[r - first_row] if heights is not None else None
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        out.append(f'<row r="{r}"{attrs}>{"".join(cells)}</row>')
        if len(out) >= batch:
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


def stream_rows(src: Path, dst: Path, pieces: dict[int, Iterable[str]]) -> None:
    """Copy workbook *src* to *dst*, streaming each iterable of <row> XML in *pieces* (worksheet
    number -> pieces, 1-based) to the end of that worksheet's sheetData, straight into the zip
    entry: memory stays at one piece however many rows there are (bench/bench_summary_memory.py).
    Run after :func:`apply_edits`, which sets the sheet's dimension and its table's range."""
    names = {f"xl/worksheets/sheet{i}.xml": chunks for i, chunks in pieces.items()}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename not in names:
                zout.writestr(info, data, compresslevel=1)
                continue
            head, end, tail = data.decode("utf-8").partition("</sheetData>")
            if not end:
                raise ValueError(f"{info.filename}: no </sheetData> to stream rows into")
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            # large, written once: favour speed (as apply_edits does); the attribute is public from 3.13
            setattr(entry, "compress_level" if hasattr(entry, "compress_level") else "_compresslevel", 1)
            with zout.open(entry, "w", force_zip64=True) as fh:
                fh.write(head.encode("utf-8"))
                for piece in names[info.filename]:
                    fh.write(piece.encode("utf-8"))
                fh.write((end + tail).encode("utf-8"))


@dataclass
class SheetEdit:
    """Rows (and hyperlinks) to append to worksheet number *sheet_index* (1-based, XlsxWriter's order)."""

    sheet_index: int
    xml_rows_before: int  # rows XlsxWriter wrote (header, first data row): a layout check
    body: str
    last_row: int
    last_col: int
    table_index: int | None = None  # a table over this sheet's rows whose ref must grow with them
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (cell, relative file, location)


_REL_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def _apply(xml: str, edit: SheetEdit) -> tuple[str, str]:
    """The edited sheet XML and the <Relationship> elements its new links need."""
    if xml.count("<sheetData>") != 1 or xml.count("<row ") != edit.xml_rows_before:
        raise ValueError(f"sheet{edit.sheet_index}.xml: unexpected layout")
    xml = xml.replace("</sheetData>", edit.body + "</sheetData>", 1)
    last = f"{col_letter(edit.last_col)}{edit.last_row}"
    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', xml, count=1)
    rels = []
    if edit.links:
        elems = []
        for n, (cell, target, location) in enumerate(edit.links, start=1):
            rid = f"rIdNx{n}"
            rels.append(f'<Relationship Id="{rid}" Type="{_REL_HYPERLINK}" '
                        f'Target="{xml_attr(quote(target, safe="/.-_~"))}" TargetMode="External"/>')
            elems.append(f'<hyperlink ref="{cell}" r:id="{rid}" location="{xml_attr(location)}"/>')
        if "</hyperlinks>" in xml:
            xml = xml.replace("</hyperlinks>", "".join(elems) + "</hyperlinks>", 1)
        else:
            anchor = "<printOptions" if "<printOptions" in xml else "<pageMargins"
            xml = xml.replace(anchor, "<hyperlinks>" + "".join(elems) + "</hyperlinks>" + anchor, 1)
    return xml, "".join(rels)


def xml_attr(value: str) -> str:
    return xml_text(value).replace('"', "&quot;")


def apply_edits(src: Path, dst: Path, edits: list[SheetEdit]) -> None:
    """Copy workbook *src* to *dst* with *edits* applied (raises ValueError on an unexpected layout)."""
    by_sheet = {f"xl/worksheets/sheet{e.sheet_index}.xml": e for e in edits}
    tables = {f"xl/tables/table{e.table_index}.xml": e for e in edits if e.table_index}
    new_rels: dict[str, str] = {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        names = set(zin.namelist())
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in by_sheet:
                xml, rels = _apply(data.decode("utf-8"), by_sheet[info.filename])
                if rels:
                    new_rels[info.filename.replace("worksheets/", "worksheets/_rels/") + ".rels"] = rels
                zout.writestr(info, xml.encode("utf-8"), compresslevel=1)  # large, written once: favour speed
                continue
            if info.filename in tables:
                e = tables[info.filename]
                text = data.decode("utf-8")
                first = re.search(r'<table [^>]*ref="([A-Z]+\d+):', text).group(1)
                ref = f'ref="{first}:{col_letter(e.last_col)}{e.last_row}"'
                data = re.sub(r'ref="[A-Z]+\d+:[A-Z]+\d+"', ref, text, count=2).encode("utf-8")
            if info.filename in new_rels:
                data = data.decode("utf-8").replace("</Relationships>", new_rels.pop(info.filename) +
                                                    "</Relationships>").encode("utf-8")
            zout.writestr(info, data, compresslevel=1)
        for name, rels in new_rels.items():
            if name in names:  # pragma: no cover - handled in the loop above
                continue
            zout.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                                'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                + rels + "</Relationships>")

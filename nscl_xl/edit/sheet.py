"""A worksheet part as text: the <sheetData> rows and cells as a small editable model, the rest of
the XML kept as written and edited in place (attributes and formula texts only).

Only cells that exist are held (a sheet declaring ``A1:XFD1048576`` costs what its cells cost).
Cells keep their XML as written unless they are moved or written; a sheet the edit does not
change is never re-serialised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..bulk_sheet import xml_text
from .package import attrs, escape, set_attr, unescape
from .refs import ColumnInsert, col_index, col_name, translate

_Q = r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*?"
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")


@dataclass
class Cell:
    col: int  # 0-based
    attrs: str  # the start tag's attributes without r, as written (leading space)
    inner: str | None  # content between <c> and </c>, None for <c/>

    def attr(self, name: str) -> str | None:
        return attrs(self.attrs).get(name)

    def set_attr(self, name: str, value: str | None) -> None:
        self.attrs = set_attr("<c" + self.attrs + ">", name, value)[2:-1]

    @property
    def style(self) -> int:
        s = self.attr("s")
        return int(s) if s and s.isdigit() else 0


@dataclass
class Row:
    num: int  # 1-based
    attrs: str  # without r
    cells: dict[int, Cell] = field(default_factory=dict)
    raw: str | None = None  # the row's XML as read, while nothing in it changed


class SheetXml:
    """One worksheet part. ``p`` is the element prefix the part uses ("" or "x:")."""

    def __init__(self, xml: str):
        self.xml = xml
        m = re.search(r"<(\w+:)?sheetData\b" + _Q + r"(/?)>", xml)
        if not m:
            raise ValueError("no sheetData")
        self.p = p = m.group(1) or ""
        self.head = xml[:m.start()]
        if m.group(2):
            body, self.tail = "", xml[m.end():]
            self.open_tag = m.group(0)[:-2] + ">"
        else:
            close = xml.index(f"</{p}sheetData>", m.end())
            body, self.tail = xml[m.end():close], xml[close + len(f"</{p}sheetData>"):]
            self.open_tag = m.group(0)
        self.rows: dict[int, Row] = {}
        self._parse(body)
        self.dirty = False

    def _parse(self, body: str) -> None:
        p = re.escape(self.p)
        row_re = re.compile(rf"<{p}row\b({_Q})(/>|>(.*?)</{p}row>)", re.S)
        self._cell_re = re.compile(rf"<{p}c\b({_Q})(/>|>(.*?)</{p}c>)", re.S)
        expected = 1
        for m in row_re.finditer(body):
            a = m.group(1)
            rm = re.search(r'\sr="(\d+)"', a)
            num = int(rm.group(1)) if rm else expected
            a = re.sub(r'\sr="\d+"', "", a, count=1)
            expected = num + 1
            row = Row(num, a, raw=m.group(0))
            if m.group(3):
                self._parse_cells(row, m.group(3))
            self.rows[num] = row

    def _parse_cells(self, row: Row, text: str) -> None:
        expected = 0
        for m in self._cell_re.finditer(text):
            a = m.group(1)
            rm = re.search(r'\sr="([^"]*)"', a)
            col = expected
            if rm:
                cm = _CELL_REF.fullmatch(rm.group(1))
                if cm:
                    col = col_index(cm.group(1))
                a = a[:rm.start()] + a[rm.end():]
            expected = col + 1
            row.cells[col] = Cell(col, a, m.group(3) if m.group(2) != "/>" else None)

    # --- reading ----------------------------------------------------------------------------------
    def cell(self, r: int, c: int) -> Cell | None:
        """Cell at 0-based (r, c)."""
        row = self.rows.get(r + 1)
        return row.cells.get(c) if row else None

    def formula(self, cell: Cell) -> str | None:
        if cell.inner is None:
            return None
        m = re.search(rf"<{re.escape(self.p)}f\b{_Q}(?:/>|>([^<]*)</{re.escape(self.p)}f>)", cell.inner)
        if not m:
            return None
        return unescape(m.group(1) or "")

    def number(self, r: int, c: int) -> Decimal | None:
        """The number a cell shows (constant or cached), None for empty/text/error/boolean."""
        cell = self.cell(r, c)
        if cell is None or cell.inner is None:
            return None
        t = cell.attr("t")
        if t not in (None, "n"):
            return None
        m = re.search(rf"<{re.escape(self.p)}v>([^<]*)</{re.escape(self.p)}v>", cell.inner)
        if not m:
            return None
        try:
            return Decimal(m.group(1).strip())
        except InvalidOperation:
            return None

    def is_number_or_empty(self, r: int, c: int) -> bool:
        cell = self.cell(r, c)
        if cell is None or cell.inner is None:
            return True
        return cell.attr("t") in (None, "n") and (self.number(r, c) is not None or "<" not in cell.inner
                                                    or not re.search(r"<(\w+:)?v\b", cell.inner))

    # --- writing ----------------------------------------------------------------------------------
    def _row(self, r: int) -> Row:
        row = self.rows.get(r + 1)
        if row is None:
            row = self.rows[r + 1] = Row(r + 1, "")
        row.raw = None
        self.dirty = True
        return row

    def write(self, r: int, c: int, value, *, cached=None, style: int | None = None) -> None:
        """Write a number, a text (always text, even when it starts with "="), or a formula
        (``("=", text)``) with its cached value; the cell keeps its style unless *style* is given."""
        row = self._row(r)
        old = row.cells.get(c)
        base = old.attrs if old is not None else ""
        cell = Cell(c, base, None)
        for name in ("t", "cm", "vm", "ph"):
            cell.set_attr(name, None)
        if style is not None:
            cell.set_attr("s", str(style) if style else None)
        p = self.p
        if isinstance(value, tuple):  # formula
            formula = value[1]
            f = f"<{p}f>{escape(formula)}</{p}f>"
            if cached is None:
                cell.inner = f
            elif isinstance(cached, str):
                cell.set_attr("t", "str")
                cell.inner = f"{f}<{p}v>{xml_text(cached)}</{p}v>"
            else:
                cell.inner = f"{f}<{p}v>{number_text(cached)}</{p}v>"
        elif value is None:
            cell.inner = None
        elif isinstance(value, bool):
            cell.set_attr("t", "b")
            cell.inner = f"<{p}v>{int(value)}</{p}v>"
        elif isinstance(value, (int, float, Decimal)):
            cell.inner = f"<{p}v>{number_text(value)}</{p}v>"
        else:
            text = xml_text(str(value))
            space = ' xml:space="preserve"' if text != text.strip() else ""
            cell.set_attr("t", "inlineStr")
            cell.inner = f"<{p}is><{p}t{space}>{text}</{p}t></{p}is>"
        row.cells[c] = cell

    def set_style(self, r: int, c: int, style: int) -> None:
        row = self._row(r)
        cell = row.cells.get(c)
        if cell is None:
            cell = row.cells[c] = Cell(c, "", None)
        cell.set_attr("s", str(style) if style else None)

    def set_cached(self, r: int, c: int, value) -> None:
        """Replace the cached value of the formula at (r, c)."""
        row = self._row(r)
        cell = row.cells[c]
        p = self.p
        inner = re.sub(rf"<{re.escape(p)}v\s*/>|<{re.escape(p)}v>[^<]*</{re.escape(p)}v>", "", cell.inner or "")
        if isinstance(value, str):
            cell.set_attr("t", "str")
            v = xml_text(value)
        else:
            cell.set_attr("t", None)
            v = number_text(value)
        fm = re.search(rf"(?:<{re.escape(p)}f\b{_Q}/>|<{re.escape(p)}f\b{_Q}>[^<]*</{re.escape(p)}f>)", inner)
        at = fm.end() if fm else 0
        cell.inner = inner[:at] + f"<{p}v>{v}</{p}v>" + inner[at:]

    # --- column insertion ---------------------------------------------------------------------------
    def expand_shared(self, here: str, need) -> None:
        """Write every shared formula whose master satisfies need(text) out as a plain formula in
        each of its cells (translated by the cell's offset from the master)."""
        p = re.escape(self.p)
        masters: dict[str, tuple[int, int, str]] = {}
        shared_re = re.compile(rf"<{p}f\b({_Q})(/>|>([^<]*)</{p}f>)")
        cells = []
        for row in self.rows.values():
            for cell in row.cells.values():
                if cell.inner and 't="shared"' in cell.inner:
                    m = shared_re.search(cell.inner)
                    if not m:
                        continue
                    a = attrs(m.group(1))
                    if a.get("t") != "shared":
                        continue
                    cells.append((row, cell, m, a))
                    if m.group(3) and a.get("ref"):
                        masters[a.get("si", "")] = (row.num - 1, cell.col, unescape(m.group(3)))
        for row, cell, m, a in cells:
            master = masters.get(a.get("si", ""))
            if master is None or not need(master[2]):
                continue
            mr, mc, text = master
            own = translate(text, row.num - 1 - mr, cell.col - mc)
            keep = "".join(f' {k}="{v}"' for k, v in a.items() if k not in ("t", "si", "ref"))
            cell.inner = cell.inner[:m.start()] + f"<{self.p}f{keep}>{escape(own)}</{self.p}f>" + cell.inner[m.end():]
            row.raw = None
            self.dirty = True

    def shift_formulas(self, ins: ColumnInsert, here: str) -> None:
        """Shift the references in every cell formula (and array/data-table ranges)."""
        p = re.escape(self.p)
        f_re = re.compile(rf"<{p}f\b({_Q})(/>|>([^<]*)</{p}f>)")
        own = here.casefold() == ins.sheet.casefold()
        for row in self.rows.values():
            for cell in row.cells.values():
                if not cell.inner or "f" not in cell.inner:
                    continue
                m = f_re.search(cell.inner)
                if not m:
                    continue
                tag_attrs, text = m.group(1), m.group(3)
                new_attrs = tag_attrs
                if own:
                    for name in ("ref", "r1", "r2"):
                        a = attrs(new_attrs).get(name)
                        if a:
                            new_attrs = set_attr("<f" + new_attrs + ">", name, ins.sqref(a))[2:-1]
                new_text = text
                if text:
                    shifted = ins.formula(unescape(text), here)
                    if shifted != unescape(text):
                        new_text = escape(shifted)
                if new_attrs != tag_attrs or new_text != text:
                    body = "/>" if m.group(2) == "/>" else f">{new_text}</{self.p}f>"
                    cell.inner = cell.inner[:m.start()] + f"<{self.p}f{new_attrs}{body}" + cell.inner[m.end():]
                    row.raw = None
                    self.dirty = True

    def move_columns(self, ins: ColumnInsert) -> None:
        for row in self.rows.values():
            if any(c >= ins.at for c in row.cells):
                row.cells = {ins.col(c): Cell(ins.col(c), cell.attrs, cell.inner) for c, cell in row.cells.items()
                             if ins.col(c) <= 16383}  # a blank cell pushed past XFD is dropped, as in Excel
                row.raw = None
            if 'spans="' in row.attrs:
                row.attrs = re.sub(r'\sspans="[^"]*"', "", row.attrs)
                row.raw = None
        self.dirty = True

    # --- output -----------------------------------------------------------------------------------
    def bbox(self) -> str | None:
        cells = [(r.num, c) for r in self.rows.values() for c in r.cells]
        if not cells:
            return None
        r0, r1 = min(x[0] for x in cells), max(x[0] for x in cells)
        c0, c1 = min(x[1] for x in cells), max(x[1] for x in cells)
        a, b = f"{col_name(c0)}{r0}", f"{col_name(c1)}{r1}"
        return a if a == b else f"{a}:{b}"

    def body(self) -> str:
        p = self.p
        out = []
        for num in sorted(self.rows):
            row = self.rows[num]
            if row.raw is not None:
                out.append(row.raw)
                continue
            cells = []
            for c in sorted(row.cells):
                cell = row.cells[c]
                ref = f' r="{col_name(c)}{num}"'
                if cell.inner is None:
                    cells.append(f"<{p}c{ref}{cell.attrs}/>")
                else:
                    cells.append(f"<{p}c{ref}{cell.attrs}>{cell.inner}</{p}c>")
            if cells:
                out.append(f'<{p}row r="{num}"{row.attrs}>{"".join(cells)}</{p}row>')
            else:
                out.append(f'<{p}row r="{num}"{row.attrs}/>')
        return "".join(out)

    def serialize(self) -> str:
        return f"{self.head}{self.open_tag}{self.body()}</{self.p}sheetData>{self.tail}"


def number_text(v) -> str:
    """A number as SpreadsheetML writes it: exact digits (never float drift from Decimal)."""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if v != int(v) or abs(v) >= 1e15 else str(int(v))
    d = Decimal(v)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def merged_ranges(sheet: SheetXml) -> list[str]:
    return re.findall(r'<(?:\w+:)?mergeCell\b[^>]*\sref="([^"]+)"', sheet.tail)


def set_merged_ranges(sheet: SheetXml, refs: list[str]) -> None:
    """Replace the sheet's merged ranges (creating <mergeCells> at its schema position)."""
    from .package import WORKSHEET_ORDER, insert_child

    p = sheet.p
    elem = (f'<{p}mergeCells count="{len(refs)}">' + "".join(f'<{p}mergeCell ref="{r}"/>' for r in refs)
            + f"</{p}mergeCells>") if refs else ""
    m = re.search(rf"<{re.escape(p)}mergeCells\b[^>]*?/>|<{re.escape(p)}mergeCells\b.*?</{re.escape(p)}mergeCells>",
                  sheet.tail, re.S)
    if m:
        sheet.tail = sheet.tail[:m.start()] + elem + sheet.tail[m.end():]
    elif elem:
        sheet.tail = insert_child(sheet.tail, p, "mergeCells", elem, WORKSHEET_ORDER, default=0)
    sheet.dirty = True


def is_covered(refs: list[str], r: int, c: int) -> bool:
    for ref in refs:
        m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", ref)
        if not m:
            continue
        r0, r1 = int(m.group(2)) - 1, int(m.group(4)) - 1
        c0, c1 = col_index(m.group(1)), col_index(m.group(3))
        if r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0):
            return True
    return False

"""The workbook-level editor: sheets by name, column insertion across every part that refers to
the sheet, cached values of dependent formulas, the marker property, macro parts, saving."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..safe_write import OUTPUT_MARKER as MARKER  # summary / filled / annotated
from .package import (CT_WORKBOOK, CT_WORKBOOK_MACRO, REL, WORKBOOK_ORDER, EditError, Package,
                      add_relationship, attrs, escape, insert_child, norm, relative_target,
                      remove_relationships, root_prefix, set_attr, set_content_type, unescape)
from .refs import ColumnInsert, col_index, refs_in, rewrite_refs
from .sheet import SheetXml, number_text
from .shift import shift_cols, shift_markup, shift_vml
from .styles import Styles

REL_WORKSHEET = REL + "worksheet"
REL_STYLES = REL + "styles"
REL_CALC_CHAIN = REL + "calcChain"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_CUSTOM_PROPS = REL + "custom-properties"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_CUSTOM_PROPS = "application/vnd.openxmlformats-officedocument.custom-properties+xml"


@dataclass
class SheetRef:
    name: str
    sheet_id: int
    rid: str
    part: str  # normalised part name
    kind: str  # worksheet / chartsheet / dialogsheet / macrosheet / other


LAST_COL = 16383  # 0-based index of XFD, the last column of a worksheet

class WorkbookEditor:
    """Edits one .xlsx/.xlsm package; :meth:`save` writes the result (input never touched)."""

    def __init__(self, path: str | Path):
        self.pkg = Package(path)
        try:
            self.wb_part = self.pkg.workbook_part()
            self.wb_xml = self.pkg.text(self.wb_part)
            if "purl.oclc.org/ooxml/spreadsheetml/main" in self.wb_xml[:2000]:
                raise EditError("tệp được lưu dạng 'Strict Open XML'; công cụ chưa sửa được dạng này mà không làm mất "
                                "dữ liệu. Hãy mở tệp bằng Excel, Lưu thành (Save As) kiểu 'Excel Workbook (*.xlsx)' "
                                "rồi thử lại.", file=str(path))
            self.wb_p = root_prefix(self.wb_xml)
            self.sheets = self._sheets()
        except BaseException:
            self.pkg.close()
            raise
        self.models: dict[str, SheetXml] = {}
        self._styles: Styles | None = None
        self.needs_full_calc = False
        self.formulas_changed = False
        self.notes: list[str] = []
        self.inserted: list[ColumnInsert] = []  # column insertions made, for recompute_dependents

    def close(self) -> None:
        self.pkg.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- structure ----------------------------------------------------------------------------------
    def _sheets(self) -> list[SheetRef]:
        rels = {r.id: r for r in self.pkg.rels(self.wb_part)}
        out = []
        for m in re.finditer(r"<(?:\w+:)?sheet\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/?>", self.wb_xml):
            a = attrs(m.group(1))
            rid = next((v for k, v in a.items() if k.endswith(":id") or k == "id"), "")
            rel = rels.get(rid)
            if rel is None:
                continue
            kind = rel.type.rsplit("/", 1)[-1]
            kind = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet",
                    "xlMacrosheet": "macrosheet", "xlIntlMacrosheet": "macrosheet"}.get(kind, kind)
            out.append(SheetRef(unescape(a.get("name", "")), int(a.get("sheetId", "0") or 0), rid, rel.target, kind))
        return out

    def sheet_ref(self, name: str) -> SheetRef:
        for s in self.sheets:
            if s.name == name:
                return s
        for s in self.sheets:
            if s.name.casefold() == name.casefold():
                return s
        raise EditError(f"không có trang '{name}' trong tệp.", file=str(self.pkg.path))

    def sheet(self, name: str) -> SheetXml:
        ref = self.sheet_ref(name)
        if ref.kind != "worksheet":
            raise EditError(f"trang '{name}' không phải trang tính (là {ref.kind}); không sửa được.",
                            file=str(self.pkg.path))
        if ref.part not in self.models:
            try:
                self.models[ref.part] = SheetXml(self.pkg.text(ref.part))
            except ValueError as exc:
                raise EditError(f"trang '{name}' có cấu trúc XML không nhận ra ({exc}); không sửa được.",
                                file=str(self.pkg.path)) from exc
        return self.models[ref.part]

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = next((r.target for r in self.pkg.rels(self.wb_part) if r.type == REL_STYLES), None)
            self._styles = Styles(self.pkg, part if part and self.pkg.has(part) else None, self.wb_part)
        return self._styles

    # --- column insertion -----------------------------------------------------------------------------
    def insert_columns(self, sheet: str, at: int, count: int, *, template_col: int | None = None) -> ColumnInsert:
        """Insert *count* empty columns before 0-based column *at* of *sheet*, as Excel does:
        every reference to a cell at or right of *at* — on any sheet, in names, validations,
        conditional formats, tables, charts, drawings, comments — moves right; ranges across the
        insertion grow. The new columns take the width of 0-based *template_col* (before the shift)
        and every row's cell of that column lends its style to the new cells, like Excel's
        "format same as left"."""
        ref = self.sheet_ref(sheet)
        ins = ColumnInsert(ref.name, at, count)
        model = self.sheet(ref.name)
        # Excel refuses to push a nonblank cell past column XFD (the file would be invalid);
        # blank formatted cells there are dropped (move_columns), as Excel drops them.
        off = next(((row.num, c) for row in model.rows.values() for c, cell in row.cells.items()
                    if c >= at and c + count > LAST_COL and cell.inner is not None), None)
        if off is not None:
            from .refs import col_name

            raise EditError(f"không chèn được {count} cột vào trang '{ref.name}': ô {col_name(off[1])}{off[0]} có dữ liệu "
                            f"sẽ bị đẩy ra ngoài cột cuối cùng của trang tính (XFD). Hãy xoá hoặc chuyển dữ liệu ở "
                            f"các cột cuối trang rồi thử lại.", file=str(self.pkg.path), sheet=ref.name)
        rels = self.pkg.rels(ref.part)
        tables = [r.target for r in rels if r.type == REL + "table" and self.pkg.has(r.target)]
        widened = []  # Excel tables the insertion goes through: they get new columns, as in Excel
        for t in tables:
            text = self.pkg.text(t)
            m = re.search(r'<(?:\w+:)?table\b[^>]*\sref="([^"]+)"', text)
            if m:
                (c1, c2) = _col_span(m.group(1))
                if c1 < at <= c2:
                    if re.search(r'<(?:\w+:)?table\b[^>]*\stableType="(?:queryTable|xml)"', text):
                        raise EditError(f"chỗ cần chèn cột nằm giữa bảng Excel (Table) {m.group(1)} gắn với truy vấn "
                                        f"dữ liệu của trang '{ref.name}'; hãy chuyển bảng đó thành vùng thường (Convert "
                                        f"to Range) hoặc thêm các cột bằng tay.", file=str(self.pkg.path),
                                        sheet=ref.name)
                    widened.append((t, m.group(1), c1))
        # 1. the sheet itself: cells, formulas, ranges, widths
        model.expand_shared(ref.name, lambda text: True)
        model.shift_formulas(ins, ref.name)
        model.move_columns(ins)
        model.head = shift_cols(shift_markup(model.head, ins, ref.name, True), ins, template_col)
        model.tail = shift_markup(model.tail, ins, ref.name, True)
        if template_col is not None and template_col < at:
            for row in model.rows.values():
                left = row.cells.get(template_col)
                if left is not None and left.style and not any(at <= c < at + count for c in row.cells):
                    for c in range(at, at + count):
                        model.set_style(row.num - 1, c, left.style)
        for part, old_ref, c1 in widened:
            self._widen_table(part, old_ref, c1, ins, model)
        # 2. other sheets whose formulas may name it
        needle = {ref.name.casefold(), ref.name.replace("'", "''").casefold()}
        for other in self.sheets:
            if other.part == ref.part or not self.pkg.has(other.part):
                continue
            text = self.pkg.text(other.part) if other.part not in self.models else None
            if text is not None and not any(n in text.casefold() for n in needle):
                continue
            if other.kind != "worksheet":
                continue
            om = self.sheet(other.name)
            om.expand_shared(other.name, lambda f: any(n in f.casefold() for n in needle))
            om.shift_formulas(ins, other.name)
            om.head = shift_markup(om.head, ins, other.name, False)
            om.tail = shift_markup(om.tail, ins, other.name, False)
            om.dirty = True
        # 3. workbook: defined names (print areas and titles included)
        self.wb_xml = shift_markup(self.wb_xml, ins, None, False)
        # 4. parts of the sheet: drawings, comments, VML, tables, pivot tables, control properties
        for r in rels:
            if r.external or not self.pkg.has(r.target):
                continue
            kind = r.type.rsplit("/", 1)[-1]
            if kind in ("drawing", "comments", "table", "pivotTable", "ctrlProp", "threadedComment",
                        "slicer", "timeline"):
                self._rewrite(r.target, lambda x: shift_markup(x, ins, ref.name, True))
            elif kind == "vmlDrawing":
                self._rewrite(r.target, lambda x: shift_vml(x, ins))
        # 5. every chart and pivot cache in the package (they name sheets explicitly)
        for info in self.pkg.infos:
            key = norm(info.filename)
            if re.search(r"/charts/chart(?:ex)?\d*\.xml$", key) or "/chartex" in key and key.endswith(".xml"):
                self._rewrite(key, lambda x: shift_markup(x, ins, None, False))
            elif re.search(r"pivotcachedefinition\d*\.xml$", key):
                self._rewrite(key, lambda x: _shift_pivot_source(x, ins))
        self._flag_text_addresses(ref.name)
        self.inserted.append(ins)
        self.formulas_changed = True
        return ins

    def _flag_text_addresses(self, edited: str) -> None:
        """INDIRECT reads an address written as text, which no insertion moves (Excel does not
        either): each such formula is named in a note and the file is recalculated on open,
        since its cached value may now come from another column."""
        from .refs import col_name

        for ws in self.sheets:
            if ws.kind != "worksheet" or not self.pkg.has(ws.part):
                continue
            if ws.part not in self.models and "indirect(" not in self.pkg.text(ws.part).casefold():
                continue
            model = self.sheet(ws.name)
            for row in model.rows.values():
                for c, cell in row.cells.items():
                    f = model.formula(cell)
                    if f and re.search(r"(?<![\w.])INDIRECT\s*\(", f, re.I):
                        self.needs_full_calc = True
                        if len(self.notes) < 20:
                            self.notes.append(
                                f"Công thức ở {ws.name}!{col_name(c)}{row.num} dùng INDIRECT (địa chỉ viết bằng chữ): "
                                f"địa chỉ đó không được dời khi chèn cột vào trang '{edited}'; hãy kiểm tra lại "
                                f"công thức. Tệp được đánh dấu để Excel tính lại toàn bộ khi mở.")

    def _widen_table(self, part: str, old_ref: str, c1: int, ins: ColumnInsert, model: SheetXml) -> None:
        """New table columns where the insertion goes through an Excel table: unique names
        ("Cột1", …) in <tableColumns> and in the header row (a table's header cells must hold
        its column names). The table's ranges were already shifted with the rest of the part."""
        text = self.pkg.text(part)
        m = re.search(r"<((?:\w+:)?)tableColumns\b[^>]*>(.*?)</\1tableColumns>", text, re.S)
        if not m:
            raise EditError(f"bảng Excel {old_ref} không có danh sách cột; không chèn được.", file=str(self.pkg.path))
        p = m.group(1)
        cols = re.findall(rf"<{re.escape(p)}tableColumn\b(?:[^>]*/>|.*?</{re.escape(p)}tableColumn>)", m.group(2), re.S)
        ids = [int(x) for x in re.findall(r'\bid="(\d+)"', m.group(2))] or [0]
        taken = {unescape(n).casefold() for n in re.findall(r'\bname="([^"]*)"', m.group(2))}
        names, n = [], 1
        while len(names) < ins.count:
            if f"cột{n}" not in taken:
                names.append(f"Cột{n}")
            n += 1
        new = [f'<{p}tableColumn id="{max(ids) + i + 1}" name="{name}"/>' for i, name in enumerate(names)]
        k = ins.at - c1
        cols = cols[:k] + new + cols[k:]
        start = text[m.start():m.start(2)]
        start = set_attr(start, "count", str(len(cols)))
        text = text[:m.start()] + start + "".join(cols) + text[m.end(2):]
        self.pkg.put(part, text)
        header = re.search(r'<(?:\w+:)?table\b[^>]*>', text).group(0)
        if attrs(header).get("headerRowCount", "1") != "0":
            row = int(re.match(r"[A-Za-z]+(\d+)", old_ref).group(1)) - 1
            for i, name in enumerate(names):
                model.write(row, ins.at + i, name)

    def _rewrite(self, part: str, fn) -> None:
        old = self.pkg.text(part)
        new = fn(old)
        if new != old:
            self.pkg.put(part, new)

    # --- cached values ----------------------------------------------------------------------------------
    def recompute_dependents(self, sheet: str, changed: set[tuple[int, int]], written: set[tuple[int, int]]) -> int:
        """Give pre-existing formulas that read a *changed* cell of *sheet* — directly, through
        other formulas, on any worksheet — their new cached value, computed exactly (Decimal) with
        :func:`nscl_xl.formula.evaluate`. A formula it cannot evaluate (functions the evaluator
        does not know, text operands) makes the workbook ask for a full recalculation on load, and
        a note names it. Returns the formulas recomputed."""
        from ..formula import NotEvaluable, evaluate

        target = self.sheet_ref(sheet).name
        pending: dict[str, set[tuple[int, int]]] = {target.casefold(): set(changed)}
        for ins in self.inserted:
            # a range across an insertion now holds new cells: MATCH, COUNT, COLUMNS, a VLOOKUP
            # column index... give another value even where no cell value changed
            rows = self.sheet(ins.sheet).rows.values()
            pending.setdefault(ins.sheet.casefold(), set()).update(
                (row.num - 1, c) for row in rows for c in range(ins.at, ins.at + ins.count))
        formulas: dict[str, dict[tuple[int, int], str]] = {}
        skip = {target.casefold(): set(written)}
        defined = {unescape(m.group(1)): refs_in(unescape(m.group(2))) for m in re.finditer(
            r'<(?:\w+:)?definedName\b[^>]*\bname="([^"]*)"[^>]*>([^<]*)</(?:\w+:)?definedName>', self.wb_xml)
            if not m.group(1).startswith("_xlnm.")}
        done = 0
        for _ in range(50):
            if not any(pending.values()):
                break
            names = [n for n, cells in pending.items() if cells]
            hits: list[tuple[SheetRef, tuple[int, int], str]] = []
            for ws in self.sheets:
                if ws.kind != "worksheet":
                    continue
                key = ws.name.casefold()
                if key not in formulas:
                    if key not in pending and ws.part not in self.models:
                        low = self.pkg.text(ws.part).casefold()
                        if not any(n in low or n.replace("'", "''") in low for n in names):
                            continue
                    model = self.sheet(ws.name)
                    formulas[key] = {(row.num - 1, c): f for row in model.rows.values() for c, cell in row.cells.items()
                                     if (f := model.formula(cell)) and (row.num - 1, c) not in skip.get(key, ())}
                stale_names = [n for n, refs in defined.items()
                               if any(_touches(r, pending.get((r.sheet or "").casefold(), set())) for r in refs)]
                for pos, f in formulas[key].items():
                    if stale_names and any(re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.(])", f, re.I)
                                           for n in stale_names):
                        self._cannot(ws.name, pos)  # reads a defined name over a changed cell
                        continue
                    for r in refs_in(f):
                        owner = (r.sheet or ws.name).casefold()
                        if not r.external and _touches(r, pending.get(owner, set())):
                            hits.append((ws, pos, f))
                            break
            pending = {}
            for ws, pos, f in hits:
                model = self.sheet(ws.name)
                try:
                    value = evaluate("=" + self._inline_other_sheets(_bounded(f, model), ws.name),
                                     lambda r, c: model.number(r, c))
                except (NotEvaluable, ArithmeticError, ValueError, KeyError, IndexError, _TextOperand):
                    self._cannot(ws.name, pos)
                    continue
                old = model.number(*pos)
                model.set_cached(pos[0], pos[1], value)
                done += 1
                if old != value:
                    pending.setdefault(ws.name.casefold(), set()).add(pos)
        return done

    def _inline_other_sheets(self, formula: str, here: str) -> str:
        """*formula* with every reference carrying a sheet prefix replaced by its number (a
        range directly inside SUM by its sum), so the same-sheet evaluator can compute it; a
        text or error operand raises :class:`_TextOperand`."""
        def value(ref) -> str | None:
            name = here if ref.sheet is None else ref.sheet
            if ref.external or ":" in name:
                raise _TextOperand
            model = self.sheet(self.sheet_ref(name).name)
            if ref.c1 is None or ref.r1 is None:
                raise _TextOperand
            if not ref.is_range:
                if not model.is_number_or_empty(ref.r1, ref.c1):
                    raise _TextOperand
                if ref.sheet is None:
                    return None
                v = model.number(ref.r1, ref.c1) or Decimal(0)
            else:
                if ref.sheet is None:
                    return None
                v = Decimal(0)
                for r in range(min(ref.r1, ref.r2), max(ref.r1, ref.r2) + 1):
                    for c in range(min(ref.c1, ref.c2), max(ref.c1, ref.c2) + 1):
                        v += model.number(r, c) or Decimal(0)
            return f"({number_text(v)})"

        return rewrite_refs_with_context(formula, value)

    def _cannot(self, sheet: str, pos: tuple[int, int]) -> None:
        from .refs import col_name

        self.needs_full_calc = True
        if len(self.notes) < 20:
            self.notes.append(f"Công thức ở {sheet}!{col_name(pos[1])}{pos[0] + 1} đọc ô đã thay đổi nhưng không tính "
                              f"sẵn được; tệp được đánh dấu để Excel tính lại toàn bộ khi mở.")

    def request_full_calc(self) -> None:
        m = re.search(r"<(\w+:)?calcPr\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*?/?>", self.wb_xml)
        if m:
            self.wb_xml = self.wb_xml[:m.start()] + set_attr(m.group(0), "fullCalcOnLoad", "1") + self.wb_xml[m.end():]
        else:
            self.wb_xml = insert_child(self.wb_xml, self.wb_p, "calcPr", f'<{self.wb_p}calcPr fullCalcOnLoad="1"/>',
                                       WORKBOOK_ORDER)

    # --- new worksheet ---------------------------------------------------------------------------------------
    def replace_or_add_sheet(self, name: str, xml: str) -> str:
        """Put worksheet *name* with content *xml*: an existing worksheet of that name gets the new
        content in its own part, otherwise a new part is added last. Returns the part name."""
        for s in self.sheets:
            if s.name.casefold() == name.casefold() and s.kind == "worksheet":
                remove_relationships(self.pkg, s.part, lambda r: True)
                self.models.pop(s.part, None)
                self.pkg.put(s.part, xml)
                return s.part
        part = self.pkg.free_name("xl/worksheets/sheet{}.xml")
        self.pkg.put(part, xml)
        set_content_type(self.pkg, part, CT_WORKSHEET)
        rid = add_relationship(self.pkg, self.wb_part, REL_WORKSHEET, relative_target(self.wb_part, part))
        sheet_id = max([s.sheet_id for s in self.sheets] + [0]) + 1
        p = self.wb_p
        rel_prefix = _rel_prefix(self.wb_xml)
        if rel_prefix is None:
            rel_prefix = "r"
            root = re.search(r"<(?!\?|!)[^>]*?(/?)>", self.wb_xml)
            tag = set_attr(root.group(0), "xmlns:r", REL[:-1])
            self.wb_xml = self.wb_xml[:root.start()] + tag + self.wb_xml[root.end():]
        elem = f'<{p}sheet name="{escape(name, True)}" sheetId="{sheet_id}" {rel_prefix}:id="{rid}"/>'
        close = f"</{p}sheets>"
        if close in self.wb_xml:
            self.wb_xml = self.wb_xml.replace(close, elem + close, 1)
        else:
            self.wb_xml = re.sub(rf"<{p}sheets\s*/>", f"<{p}sheets>{elem}</{p}sheets>", self.wb_xml, 1)
        self.sheets.append(SheetRef(name, sheet_id, rid, part, "worksheet"))
        return part

    def set_print_titles(self, name: str, rows: str) -> None:
        """Rows repeated at the top of every printed page of sheet *name* (``"$1:$1"``): the
        sheet-local defined name ``_xlnm.Print_Titles``, replacing one the sheet had."""
        index = next(i for i, s in enumerate(self.sheets) if s.name.casefold() == name.casefold())
        p = self.wb_p
        quoted = "'" + name.replace("'", "''") + "'"
        elem = (f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"{escape(quoted, False)}!{rows}</{p}definedName>")
        old = re.compile(rf'<{p}definedName\b[^>]*name="_xlnm\.Print_Titles"[^>]*localSheetId="{index}"[^>]*>'
                         rf'[^<]*</{p}definedName>|<{p}definedName\b[^>]*localSheetId="{index}"[^>]*'
                         rf'name="_xlnm\.Print_Titles"[^>]*>[^<]*</{p}definedName>')
        self.wb_xml, n = old.subn(elem, self.wb_xml, 1)
        if n:
            return
        empty = re.search(rf"<{p}definedNames\s*/>", self.wb_xml)  # openpyxl writes <definedNames />
        if f"</{p}definedNames>" in self.wb_xml:
            self.wb_xml = self.wb_xml.replace(f"</{p}definedNames>", elem + f"</{p}definedNames>", 1)
        elif empty:
            self.wb_xml = (self.wb_xml[:empty.start()] + f"<{p}definedNames>{elem}</{p}definedNames>"
                           + self.wb_xml[empty.end():])
        else:
            self.wb_xml = insert_child(self.wb_xml, p, "definedNames", f"<{p}definedNames>{elem}</{p}definedNames>",
                                       WORKBOOK_ORDER)

    # --- marker and macros -------------------------------------------------------------------------------------
    def set_marker(self, kind: str) -> None:
        """The custom document property nscl_xl_kind = *kind* (other custom properties kept)."""
        part = next((r.target for r in self.pkg.rels("") if r.type == REL_CUSTOM_PROPS), None)
        vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
        prop = (f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{{pid}}" name="{MARKER}">'
                f"<vt:lpwstr>{kind}</vt:lpwstr></property>")
        if part and self.pkg.has(part):
            text = self.pkg.text(part)
            m = re.search(rf'<(\w+:)?property\b[^>]*name="{MARKER}"[^>]*>.*?</\1?property>', text, re.S)
            if m:
                inner = re.sub(r">[^<]*</(\w+:)?lpwstr>", f">{kind}</\\1lpwstr>", m.group(0), 1)
                text = text[:m.start()] + inner + text[m.end():]
            else:
                pids = [int(x) for x in re.findall(r'\spid="(\d+)"', text)]
                vt_prefix = re.search(rf'xmlns:(\w+)="{re.escape(vt)}"', text)
                elem = prop.replace("{pid}", str(max(pids + [1]) + 1))
                if vt_prefix is None:
                    elem = elem.replace("<vt:lpwstr>", f'<vt:lpwstr xmlns:vt="{vt}">')
                else:
                    elem = elem.replace("vt:", vt_prefix.group(1) + ":")
                p = root_prefix(text)
                elem = elem.replace("<property", f"<{p}property").replace("</property>", f"</{p}property>")
                if re.search(r"<(\w+:)?Properties\b[^>]*/>", text):
                    text = re.sub(r"<((?:\w+:)?Properties)\b([^>]*)/>", lambda mm: f"<{mm.group(1)}{mm.group(2)}>{elem}"
                                  f"</{mm.group(1)}>", text, 1)
                else:
                    i = text.rindex("</")
                    text = text[:i] + elem + text[i:]
            self.pkg.put(part, text)
            return
        part = "docProps/custom.xml" if not self.pkg.has("docProps/custom.xml") else \
            self.pkg.free_name("docProps/custom{}.xml")
        text = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.'
                'openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="' + vt + '">'
                + prop.replace("{pid}", "2") + "</Properties>")
        self.pkg.put(part, text)
        add_relationship(self.pkg, "", REL_CUSTOM_PROPS, part)
        set_content_type(self.pkg, part, CT_CUSTOM_PROPS)

    def drop_vba(self) -> None:
        """Make the package a plain .xlsx: remove the VBA project (and its signatures), its
        relationship and content types; the workbook takes the .xlsx content type."""
        gone = remove_relationships(self.pkg, self.wb_part, lambda r: r.type == REL_VBA)
        for rel in gone:
            for extra in [rel.target] + [r.target for r in self.pkg.rels(rel.target)]:
                if self.pkg.has(extra):
                    self.pkg.remove(extra)
                    set_content_type(self.pkg, extra, None)
            if self.pkg.has(self.pkg.rels_name(rel.target)):
                self.pkg.remove(self.pkg.rels_name(rel.target))
        text = self.pkg.content_types()
        if not any(norm(i.filename).endswith(".bin") and norm(i.filename) not in self.pkg.removed
                   for i in self.pkg.infos):
            text = re.sub(r'<(?:\w+:)?Default\s+Extension="bin"\s+ContentType="application/vnd\.ms-office\.'
                          r'vbaProject"\s*/>', "", text, flags=re.IGNORECASE)
            self.pkg.put("[Content_Types].xml", text)
        set_content_type(self.pkg, self.wb_part, CT_WORKBOOK)

    def keep_macro_content_type(self) -> None:
        set_content_type(self.pkg, self.wb_part, CT_WORKBOOK_MACRO)

    # --- saving --------------------------------------------------------------------------------------------------
    def save(self, dst: str | Path, *, kind: str, as_suffix: str | None = None) -> None:
        """Write the edited package to *dst* (a temporary path: *as_suffix* is the extension of
        the file the user gets). An ``.xlsm`` result is macro-enabled; an ``.xlsx`` result of an
        ``.xlsm`` input drops the VBA project; otherwise the macro parts stay as they were."""
        for part, model in self.models.items():
            if model.dirty:
                model.head = _fix_dimension(model.head, model.bbox())
                self.pkg.put(part, model.serialize())
        if self._styles is not None:
            self._styles.save()
        if self.needs_full_calc:
            self.request_full_calc()
        if self.formulas_changed:  # Excel rebuilds the calculation chain; a stale one makes it repair
            gone = remove_relationships(self.pkg, self.wb_part, lambda r: r.type == REL_CALC_CHAIN)
            for rel in gone:
                if self.pkg.has(rel.target):
                    self.pkg.remove(rel.target)
                    set_content_type(self.pkg, rel.target, None)
        if self.wb_xml != self.pkg.text(self.wb_part):
            self.pkg.put(self.wb_part, self.wb_xml)
        suffix = (as_suffix or Path(dst).suffix).lower()
        if suffix == ".xlsm":
            self.keep_macro_content_type()
        elif suffix == ".xlsx" and self.pkg.path.suffix.lower() == ".xlsm":
            self.drop_vba()
        self.set_marker(kind)
        self.pkg.save(dst)


class _TextOperand(Exception):
    """A formula operand that is not a number: left to the spreadsheet's own recalculation."""


def _bounded(formula: str, model: SheetXml) -> str:
    """*formula* with whole-column (``F:F``) and whole-row (``4:4``) references of its own sheet
    written as the cells the sheet has (``F1:F40``): the same sum, evaluable cell by cell.
    Other sheets' and external references are left as written."""
    from dataclasses import replace

    box = model.bbox()
    if not box:
        return formula
    corner = re.fullmatch(r"([A-Z]+)(\d+)", box.split(":")[-1])  # bottom-right cell of the used area
    last_col, last_row = col_index(corner.group(1)), int(corner.group(2)) - 1

    def fn(ref):
        if ref.external or ref.sheet is not None or not ref.is_range:
            return None
        if ref.r1 is None and ref.r2 is None and ref.c1 is not None:
            return replace(ref, r1=0, r2=last_row).text()
        if ref.c1 is None and ref.c2 is None and ref.r1 is not None:
            return replace(ref, c1=0, c2=last_col).text()
        return None

    return rewrite_refs(formula, fn)


def rewrite_refs_with_context(formula: str, fn) -> str:
    """rewrite_refs, refusing (raising _TextOperand) a sheet-qualified range outside SUM(...)."""
    def guarded(ref):
        new = fn(ref)
        if new is not None and ref.is_range and not _inside_sum(formula, ref):
            raise _TextOperand
        return new
    return rewrite_refs(formula, guarded, with_prefix=True)


def _inside_sum(formula: str, ref) -> bool:
    """Whether every range in *formula* qualified like *ref* sits directly in SUM( … )."""
    prefix = (ref.sheet or "").casefold()
    low = formula.casefold()
    i = low.find(prefix)
    while i >= 0:
        depth, j = 0, i - 1
        while j >= 0:
            ch = low[j]
            if ch == ")":
                depth += 1
            elif ch == "(":
                if depth == 0:
                    break
                depth -= 1
            j -= 1
        if j < 0 or not low[:j].rstrip().endswith("sum"):
            return False
        i = low.find(prefix, i + 1)
    return True


def _touches(ref, cells: set[tuple[int, int]]) -> bool:
    if not cells or ref.c1 is None and ref.r1 is None:
        return False
    c_lo = min(ref.c1, ref.c2) if ref.c1 is not None else 0
    c_hi = max(ref.c1, ref.c2) if ref.c1 is not None else 1 << 20
    r_lo = min(ref.r1, ref.r2) if ref.r1 is not None else 0
    r_hi = max(ref.r1, ref.r2) if ref.r1 is not None else 1 << 21
    return any(r_lo <= r <= r_hi and c_lo <= c <= c_hi for r, c in cells)


def _col_span(ref: str) -> tuple[int, int]:
    from .refs import col_index

    letters = re.findall(r"([A-Za-z]+)\d*", ref)
    cols = [col_index(x) for x in letters] or [0]
    return min(cols), max(cols)


def _shift_pivot_source(xml: str, ins: ColumnInsert) -> str:
    def repl(m):
        tag = m.group(0)
        a = attrs(tag)
        if unescape(a.get("sheet", "")).casefold() != ins.sheet.casefold() or "ref" not in a:
            return tag
        return set_attr(tag, "ref", escape(ins.sqref(unescape(a["ref"])), True))
    return re.sub(r"<(?:\w+:)?worksheetSource\b[^>]*>", repl, xml)


def _fix_dimension(head: str, bbox: str | None) -> str:
    if bbox is None:
        return head
    return re.sub(r'(<(?:\w+:)?dimension\b[^>]*\sref=")[^"]*(")', lambda m: m.group(1) + bbox + m.group(2), head, 1)


def _rel_prefix(xml: str) -> str:
    """The relationships prefix declared on the root element: a declaration on a child (openpyxl
    with lxml puts one on every <sheet>) is not in scope for a new element."""
    root = re.search(r"<(?!\?|!)[^>]*>", xml)
    m = re.search(r'xmlns:(\w+)="http://schemas\.openxmlformats\.org/officeDocument/2006/relationships"',
                  root.group(0) if root else "")
    return m.group(1) if m else None


__all__ = ["EditError", "SheetRef", "WorkbookEditor"]

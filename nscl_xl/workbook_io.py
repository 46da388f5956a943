"""Reading workbook files: fast values with python-calamine, formulas with openpyxl on demand.

The reader never sees a file: it gets :class:`SheetGrid` objects (values from A1, merged
ranges). This module turns every way a file can fail into a :class:`ReadError` naming
the file, checks the zip directory before anything is decompressed (zip bombs), and never
evaluates a macro or follows an external link: neither library does, and we only read.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReadError
from .formula import parse_ref

#: File endings the toolkit reads. .xls/.xlsb/.ods go through calamine (values only).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: Largest total uncompressed size of a workbook's parts, and largest part ratio.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class SheetGrid:
    """A sheet's cell values as a 2-D list from A1 ('' or None for empty cells)."""

    name: str
    values: list[list[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] | None = None  # (row, col) 0-based -> "=SUM(...)"
    state: str = "visible"  # visible | hidden | veryHidden (calamine's sheets_metadata)
    #: Formula cells saved without a cached value: (row, col) -> (formula, computed value or
    #: None, why not) — filled by nscl_xl.formula.fill_uncached.
    uncached: dict[tuple[int, int], tuple[str, object, str]] | None = None

    def cell(self, row: int, col: int) -> object:
        if 0 <= row < len(self.values):
            r = self.values[row]
            if 0 <= col < len(r):
                v = r[col]
                return None if v == "" else v
        return None

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.values), default=0)


# Every way Python's zipfile/zlib/XML parsing reports a damaged container (found by bench/fuzz.py:
# a mutated header's unknown compression method raises NotImplementedError, an encrypted member
# RuntimeError, a damaged workbook.xml ParseError).
def _xml_errors() -> tuple[type[BaseException], ...]:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    return (ParseError, DefusedXmlException)


_ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, zlib.error,
                 NotImplementedError, RuntimeError, KeyError, UnicodeDecodeError) + _xml_errors()


@dataclass
class ZipFacts:
    """What one pass over an .xlsx/.xlsm container tells (formulas present, our own summary,
    error cells — calamine reads ``#REF!`` as an empty cell, which would hide it)."""

    has_formulas: bool = False
    is_summary: bool = False
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # sheet -> {(r, c): "#REF!"}
    uncached: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # sheet -> formula cells without <v>


def _check_container(path: Path, facts: ZipFacts | None = None) -> str:
    """Classify the file by its bytes; raise ReadError for what no reader can open."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ReadError(f"không mở được tệp ({exc.strerror}).", file=str(path)) from None
    if not head:
        raise ReadError("tệp rỗng (0 byte), không phải bảng tính Excel.", file=str(path))
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path, facts)
        return "zip"
    if head == _OLE_MAGIC:
        return "ole"
    if head[:5] == b"%PDF-":
        raise ReadError("đây là tệp PDF, không phải bảng tính Excel.", file=str(path),
                        hint="Hãy dùng tệp Excel gốc (.xlsx) của phụ lục dự toán.")
    raise ReadError("không phải bảng tính Excel (có thể là tệp văn bản/CSV bị đổi đuôi).",
                    file=str(path), hint="Hãy mở tệp trong Excel và lưu lại dạng .xlsx.")


def _check_zip(path: Path, facts: ZipFacts | None = None) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if facts is not None:
                _gather_facts(zf, infos, facts)
    except _ZIP_FAILURES:
        raise ReadError("tệp bị hỏng hoặc không tải hết (cấu trúc zip không đọc được).", file=str(path),
                        hint="Hãy xin gửi lại tệp.") from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO and info.file_size > 10 * 1024 * 1024:
            raise ReadError(f"tệp có phần nén bất thường ({info.filename}: tỷ lệ nén quá lớn), từ chối đọc để an toàn.",
                            file=str(path))
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ReadError(f"tệp giải nén ra {total // (1024 * 1024)} MiB, vượt giới hạn "
                        f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB; từ chối đọc để an toàn.", file=str(path))
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names and "mimetype" not in names:
        raise ReadError("tệp zip này không phải bảng tính Excel.", file=str(path))


def _is_encrypted_ole(path: Path) -> bool:
    """An encrypted .xlsx is an OLE container holding an EncryptionInfo stream."""
    try:
        import olefile
    except ImportError:  # pragma: no cover - oletools brings olefile
        return False
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo")
    except Exception:
        return False


#: calamine's SheetVisibleEnum, as text, -> the OOXML sheet state.
_SHEET_STATES = {"SheetVisibleEnum.Hidden": "hidden", "SheetVisibleEnum.VeryHidden": "veryHidden"}


def read_grids(path: str | os.PathLike, facts: ZipFacts | None = None) -> list[SheetGrid]:
    """Read every worksheet's values (from A1) and merged ranges with python-calamine.

    Pass a :class:`ZipFacts` to learn, from the same pass over the container, whether the
    workbook holds formulas and whether it is a summary written by this toolkit.
    """
    import python_calamine as pc

    p = Path(path)
    facts = facts if facts is not None else ZipFacts()
    kind = _check_container(p, facts)
    if kind == "ole" and _is_encrypted_ole(p):
        raise ReadError("tệp được đặt mật khẩu (mã hóa), không đọc được.", file=str(p),
                        hint="Hãy gỡ mật khẩu trong Excel (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại.")
    try:
        wb = pc.CalamineWorkbook.from_path(str(p))
        grids = []
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            values = sheet.to_python(skip_empty_area=False)
            try:
                merged = list(sheet.merged_cell_ranges or [])
            except Exception:  # merged ranges are unsupported for some formats
                merged = []
            for (r, c), text in (facts.errors.get(meta.name, {}) if facts else {}).items():
                while len(values) <= r:
                    values.append([])
                row = values[r]
                row.extend([""] * (c + 1 - len(row)))
                row[c] = text  # "#REF!": reported as not a number instead of read as empty
            grids.append(SheetGrid(meta.name, values, merged, state=_SHEET_STATES.get(str(meta.visible), "visible")))
        wb.close()
        if facts.uncached:  # formulas saved without values (openpyxl…): compute them, never read 0
            from .formula import fill_uncached
            fill_uncached(p, grids, facts.uncached)
        return grids
    except pc.PasswordError:
        raise ReadError("tệp được đặt mật khẩu (mã hóa), không đọc được.", file=str(p),
                        hint="Hãy gỡ mật khẩu trong Excel rồi gửi lại.") from None
    except ReadError:
        raise
    except Exception as exc:  # calamine raises several error types for damaged files
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ReadError(f"tệp bị hỏng hoặc không đúng định dạng bảng tính ({detail}).", file=str(p),
                        hint="Hãy mở và lưu lại tệp trong Excel, hoặc xin gửi lại.") from None


def read_formulas(path: str | os.PathLike, sheet: str, rows: range, cols: range) -> dict[tuple[int, int], str]:
    """Formulas in a block of one sheet (0-based ranges), read with openpyxl.

    Only .xlsx/.xlsm carry formulas we can read; for other formats this returns {}.
    """
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".xlsm") or not rows or not cols:
        return {}
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=False, keep_links=False)
    except Exception:
        return {}
    try:
        if sheet not in wb.sheetnames:
            return {}
        ws = wb[sheet]
        out: dict[tuple[int, int], str] = {}
        for r, row in enumerate(ws.iter_rows(min_row=rows.start + 1, max_row=rows.stop,
                                             min_col=cols.start + 1, max_col=cols.stop,
                                             values_only=True), start=rows.start):
            for c, v in enumerate(row, start=cols.start):
                if isinstance(v, str) and v.startswith("="):
                    out[(r, c)] = v
        return out
    finally:
        wb.close()


def iter_workbook_files(root: str | os.PathLike) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Workbook files under *root* (recursively, sorted) and the files passed over, with why.

    Excel lock files (``~$…``) and hidden files are passed over silently-but-listed.
    """
    rootp = Path(root)
    if rootp.is_file():
        return [rootp], []
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(rootp):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if name.startswith("~$"):
                skipped.append((p, "tệp khóa tạm của Excel (~$), bỏ qua"))
            elif name.startswith("."):
                continue
            elif p.suffix.lower() in WORKBOOK_SUFFIXES:
                found.append(p)
    return found, skipped


# A formula cell without a cached value: <c r="F8"><f>SUM(F9:F13)</f><v/></c> (openpyxl), <v></v>
# (openpyxl with lxml), no <v> at all, or a shared-formula follower <f t="shared" si="0"/>.
# Attributes in any order, tags with or without a namespace prefix (<x:c>).
_UNCACHED_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
                            rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v></(?:\w+:)?v>)?\s*</(?:\w+:)?c>')
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>([^<]*)</v>')


def _sheet_paths(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part -> sheet name, from xl/workbook.xml and its relationships (defusedxml)."""
    from defusedxml.ElementTree import fromstring

    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    rels = {r.get("Id"): r.get("Target", "") for r in fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
    out = {}
    for sheet in fromstring(zf.read("xl/workbook.xml")).iter(f"{ns_main}sheet"):
        target = rels.get(sheet.get(f"{ns_rel}id"), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out[part] = sheet.get("name")
    return out


def _gather_facts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], facts: ZipFacts) -> None:
    names = {i.filename for i in infos}
    if "docProps/custom.xml" in names:
        facts.is_summary = b"nscl_xl_kind" in zf.read("docProps/custom.xml")[:65536]
    sheet_names = None
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        data = zf.read(info)
        if b"<f>" in data or b"<f " in data:
            facts.has_formulas = True
        if b"<f>" in data or b"<f " in data or b":f>" in data or b":f " in data:
            found = [m.groups() for attrs in _UNCACHED_CELL.findall(data) for m in [_CELL_REF.search(attrs)] if m]
            if found:
                if sheet_names is None:
                    sheet_names = _sheet_paths(zf, names)
                cells = facts.uncached.setdefault(sheet_names.get(info.filename, info.filename), set())
                cells.update(parse_ref((col + row).decode()) for col, row in found)
        if b't="e"' in data:
            if sheet_names is None:
                sheet_names = _sheet_paths(zf, names)
            cells = facts.errors.setdefault(sheet_names.get(info.filename, info.filename), {})
            for col, row, text in _ERROR_CELL.findall(data):
                cells[parse_ref((col + row).decode())] = text.decode("utf-8", "replace")

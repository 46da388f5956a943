"""Reading workbook files within bounds that depend on content, never on what a file declares.

The reader never sees a file: it gets :class:`SheetGrid` objects (values, merged ranges).
This module turns every way a file can fail into a :class:`ReadError` naming the file and
saying what to do, and never evaluates a macro or follows an external link.

* .xlsx/.xlsm are streamed by our own parser (expat, no DTD, no entities): only cells that
  exist are kept (a cell at XFD1048576 costs one cell, not a 512 GiB grid), part names are
  matched as Excel does (case-insensitive, ``\\`` or ``/``), and the bytes inflated are
  counted against the zip directory *and* while streaming, so a lying directory cannot pass.
* .xls/.xlsb/.ods go through python-calamine, which allocates a sheet's whole declared range
  and aborts the process (Rust) when it cannot: it runs in a child process with an address-space
  limit and a time limit, so an abort or a panic becomes a message, never a dead command.

Limits (README "Giới hạn"): :data:`MAX_CELLS`, :data:`MAX_UNCOMPRESSED_BYTES`,
:data:`MAX_COMPRESSION_RATIO`, :data:`MAX_MERGED_RANGES`, :data:`CHILD_MEMORY_BYTES`,
:data:`READ_TIMEOUT_S`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import os
import posixpath
import re
import stat
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from .errors import ReadError, log_detail, os_reason

#: File endings the toolkit reads. .xls/.xlsb/.ods go through calamine (values only).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: Most non-empty cells read from one workbook (about 150 bytes each in memory).
MAX_CELLS = int(os.environ.get("NSCL_XL_MAX_CELLS") or 2_000_000)
#: Most bytes inflated from one workbook's parts (directory sizes, then counted while streaming).
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
#: A part larger than 1 MiB compressed more than this is refused (real sheets: 5–40:1).
MAX_COMPRESSION_RATIO = 200
_RATIO_MIN_BYTES = 1024 * 1024
#: Most merged ranges on one sheet.
MAX_MERGED_RANGES = 50_000
#: Address space of the child process that runs python-calamine, and its time limit.
CHILD_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
READ_TIMEOUT_S = 120.0
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
#: Excel keeps at most this many characters in a cell; longer text (a shared string of 1 MiB used in
#: 12,000 cells) is cut there, so the work on text stays bounded by what Excel could show.
MAX_CELL_CHARS = 32_767

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_BIFF_BOF = {b"\x09\x00": "Excel 2.x", b"\x09\x02": "Excel 3.0", b"\x09\x04": "Excel 4.0", b"\x09\x08": "Excel 5.0/95"}

_HINT_RESEND = "Hãy mở tệp trong Excel, lưu lại dạng .xlsx rồi thử lại, hoặc xin gửi lại tệp."


# --- sheet grids --------------------------------------------------------------------------------------

class SparseRows(Sequence):
    """Rows of a sheet stored sparsely; ``rows[r]`` is that row as a list from column A up to its
    last non-empty cell ('' for empty cells), built on demand. Looks like the list of lists the
    reader indexes, without holding the empty area."""

    def __init__(self, cells: dict[int, dict[int, object]]):
        self._cells = cells
        self._n_rows = max(cells, default=-1) + 1
        self._n_cols = max((max(row) + 1 for row in cells.values() if row), default=0)

    def __len__(self) -> int:
        return self._n_rows

    def _row(self, r: int) -> list[object]:
        row = self._cells.get(r)
        if not row:
            return []
        out: list[object] = [""] * (max(row) + 1)
        for c, v in row.items():
            out[c] = v
        return out

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._row(r) for r in range(*index.indices(self._n_rows))]
        if index < 0:
            index += self._n_rows
        if not 0 <= index < self._n_rows:
            raise IndexError(index)
        return self._row(index)

    def __iter__(self) -> Iterator[list[object]]:
        for r in range(self._n_rows):
            yield self._row(r)

    def get(self, r: int, c: int) -> object:
        row = self._cells.get(r)
        return row.get(c) if row else None

    def set(self, r: int, c: int, value: object) -> None:
        """Put a computed value (a formula saved without its cached value) into the grid."""
        self._cells.setdefault(r, {})[c] = value
        self._n_rows = max(self._n_rows, r + 1)
        self._n_cols = max(self._n_cols, c + 1)

    def map_text(self, fn) -> "SparseRows":
        return SparseRows({r: {c: fn(v) if isinstance(v, str) else v for c, v in row.items()}
                           for r, row in self._cells.items()})

    @property
    def n_cols(self) -> int:
        return self._n_cols


@dataclass
class SheetGrid:
    """A sheet's cell values: a 2-D list from A1 ('' or None for empty cells), or
    :class:`SparseRows` when read from a file."""

    name: str
    values: Sequence[Sequence[object]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] | None = None  # (row, col) 0-based -> "=SUM(...)"
    state: str = "visible"  # visible | hidden | veryHidden
    #: Formula cells saved without a cached value: (row, col) -> (formula, computed value or
    #: None, why not) — filled by nscl_xl.formula.fill_uncached.
    uncached: dict[tuple[int, int], tuple[str, object, str]] | None = None

    @classmethod
    def from_cells(cls, name: str, cells: dict[int, dict[int, object]],
                   merged: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
                   state: str = "visible") -> "SheetGrid":
        """A grid over the cells that exist: {row: {col: value}}, 0-based."""
        return cls(name, SparseRows(cells), merged or [], state=state)

    def row_used(self, row: int) -> bool:
        """Whether *row* holds a value or lies under a merged range (a new line must not go there)."""
        cells = self.values[row] if 0 <= row < len(self.values) else []
        return any(v not in (None, "") for v in cells) or any(r0 <= row <= r1 for (r0, _), (r1, _) in self.merged)

    def set_value(self, row: int, col: int, value: object) -> None:
        """Put *value* at (row, col), growing a dense grid as needed."""
        if isinstance(self.values, SparseRows):
            self.values.set(row, col, value)
            return
        while len(self.values) <= row:
            self.values.append([])
        r = self.values[row]
        if len(r) <= col:
            r.extend([""] * (col + 1 - len(r)))
        r[col] = value

    def cell(self, row: int, col: int) -> object:
        if isinstance(self.values, SparseRows):
            v = self.values.get(row, col)
            return None if v == "" else v
        if 0 <= row < len(self.values):
            r = self.values[row]
            if 0 <= col < len(r):
                v = r[col]
                return None if v == "" else v
        return None

    def map_text(self, fn) -> "SheetGrid":
        """The same grid with *fn* applied to every text cell (legacy-encoding conversion)."""
        values = self.values.map_text(fn) if isinstance(self.values, SparseRows) else [
            [fn(v) if isinstance(v, str) else v for v in row] for row in self.values]
        return SheetGrid(self.name, values, self.merged, self.formulas, state=self.state, uncached=self.uncached)

    def dense(self) -> "SheetGrid":
        """A copy whose values are a plain list of lists (tests edit grids in place)."""
        return SheetGrid(self.name, [list(r) for r in self.values], list(self.merged), self.formulas,
                         state=self.state, uncached=self.uncached)

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def n_cols(self) -> int:
        if isinstance(self.values, SparseRows):
            return self.values.n_cols
        return max((len(r) for r in self.values), default=0)


class MergedIndex:
    """Merged ranges looked up by cell without expanding them: ``get((r, c), default)`` gives the
    top-left cell of the range covering (r, c). Ranges are kept in buckets of 64 rows; a range
    taller than 64 buckets (4,096 rows) is kept once in a short list instead (at most
    :attr:`MAX_TALL`; Excel never overlaps merges, so more say nothing). Memory stays at most
    64 entries per range whatever the ranges declare."""

    BUCKET = 64
    MAX_BUCKETS_PER_RANGE = 64
    MAX_TALL = 1000

    def __init__(self, merged):
        self._buckets: dict[int, list[tuple[int, int, int, int]]] = {}
        self._tall: list[tuple[int, int, int, int]] = []
        for (r0, c0), (r1, c1) in merged:
            if r1 == r0 and c1 == c0:
                continue
            first, last = r0 // self.BUCKET, r1 // self.BUCKET
            if last - first >= self.MAX_BUCKETS_PER_RANGE:
                if len(self._tall) < self.MAX_TALL:
                    self._tall.append((r0, c0, r1, c1))
                continue
            for b in range(first, last + 1):
                self._buckets.setdefault(b, []).append((r0, c0, r1, c1))

    def get(self, key: tuple[int, int], default=None):
        r, c = key
        for r0, c0, r1, c1 in self._buckets.get(r // self.BUCKET, ()):
            if r0 <= r <= r1 and c0 <= c <= c1:
                return (r0, c0)
        for r0, c0, r1, c1 in self._tall:
            if r0 <= r <= r1 and c0 <= c <= c1:
                return (r0, c0)
        return default

    def __contains__(self, key) -> bool:
        return self.get(key) is not None

    def __bool__(self) -> bool:
        return bool(self._buckets or self._tall)


# --- container checks -------------------------------------------------------------------------------

# Every way Python's zipfile/zlib/XML parsing reports a damaged container (found by bench/fuzz.py:
# a mutated header's unknown compression method raises NotImplementedError, an encrypted member
# RuntimeError, a damaged workbook.xml ParseError/ExpatError).
def _xml_errors() -> tuple[type[BaseException], ...]:
    from xml.etree.ElementTree import ParseError
    from xml.parsers.expat import ExpatError

    return (ParseError, ExpatError)


_ZIP_FAILURES = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, zlib.error,
                 NotImplementedError, RuntimeError, KeyError, UnicodeDecodeError, IndexError) + _xml_errors()


@dataclass
class ZipFacts:
    """What one pass over an .xlsx/.xlsm container tells (formulas present, our own summary,
    error cells such as ``#REF!``, which the grids also hold as text)."""

    has_formulas: bool = False
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # sheet -> {(r, c): "#REF!"}
    uncached: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # sheet -> formula cells without <v>


def _damaged(path: Path, exc: BaseException | str, what: str = "cấu trúc bên trong không đọc được") -> ReadError:
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    log_detail(f"{path}: {detail}")
    return ReadError(f"tệp bị hỏng hoặc không tải hết ({what}).", file=str(path), hint=_HINT_RESEND,
                     rule="damaged", detail=detail)


def _encrypted(path: Path) -> ReadError:
    return ReadError("tệp được đặt mật khẩu (mã hóa), không đọc được.", file=str(path), rule="encrypted",
                     hint="Hãy gỡ mật khẩu trong Excel (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi gửi lại.")


def _classify(path: Path) -> str:
    """'zip' or 'ole' by the file's bytes; raise ReadError for what no reader here can open."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ReadError(f"không mở được tệp ({os_reason(exc)}).", file=str(path), rule="open-failed",
                        detail=str(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        raise ReadError("không phải tệp thường (thư mục, FIFO, thiết bị hay socket), bỏ qua.", file=str(path),
                        rule="not-a-file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise ReadError(f"không mở được tệp ({os_reason(exc)}).", file=str(path), rule="open-failed",
                        detail=str(exc)) from None
    if not head:
        raise ReadError("tệp rỗng (0 byte), không phải bảng tính Excel.", file=str(path), rule="empty-file")
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head[:8] == _OLE_MAGIC:
        return "ole"
    if head[:2] in _BIFF_BOF and len(head) >= 4 and 4 <= int.from_bytes(head[2:4], "little") <= 20:
        raise ReadError(f"tệp lưu theo định dạng {_BIFF_BOF[head[:2]]} rất cũ (trước Excel 97), công cụ không đọc được.",
                        file=str(path), rule="old-excel-format",
                        hint="Hãy mở tệp trong Excel hoặc LibreOffice và lưu lại dạng .xlsx.")
    if head[:5] == b"%PDF-":
        raise ReadError("đây là tệp PDF, không phải bảng tính Excel.", file=str(path), rule="not-a-workbook",
                        hint="Hãy dùng tệp Excel gốc (.xlsx) của phụ lục dự toán.")
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lead.startswith(b"<") and any(tag in lead for tag in (b"<html", b"<table", b"<?xml", b"<!doctype", b"<workbook")):
        raise ReadError("đây là tệp HTML/XML (bảng tính Excel 2003 XML hoặc trang web) được đặt đuôi Excel.",
                        file=str(path), rule="not-a-workbook", hint="Hãy mở tệp trong Excel và lưu lại dạng .xlsx.")
    raise ReadError("không phải bảng tính Excel (có thể là tệp văn bản/CSV bị đổi đuôi).", file=str(path),
                    rule="not-a-workbook", hint="Hãy mở tệp trong Excel và lưu lại dạng .xlsx.")


def _is_encrypted_ole(path: Path) -> bool:
    """An encrypted .xlsx is an OLE container with an EncryptionInfo stream; an encrypted .xls
    (XOR or RC4) has a FILEPASS record in its workbook globals."""
    try:
        import olefile
    except ImportError:  # pragma: no cover - oletools brings olefile
        return False
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo"):
                return True
            for name in ("Workbook", "Book"):
                if ole.exists(name):
                    with ole.openstream(name) as s:
                        data = s.read(1 << 16)
                    return _biff_has_filepass(data)
    except Exception:
        return False
    return False


def _biff_has_filepass(data: bytes) -> bool:
    pos = 0
    while pos + 4 <= len(data):
        op = int.from_bytes(data[pos:pos + 2], "little")
        size = int.from_bytes(data[pos + 2:pos + 4], "little")
        if op == 0x002F:
            return True
        if op == 0x000A:  # EOF of the globals substream
            return False
        pos += 4 + size
    return False


# --- .xlsx / .xlsm: our own streaming reader ----------------------------------------------------------

class _Budget:
    """Bytes that may still be inflated from one workbook, and cells that may still be kept."""

    def __init__(self, path: Path):
        self.path = path
        self.bytes_left = MAX_UNCOMPRESSED_BYTES
        self.cells_left = MAX_CELLS

    def too_big(self) -> ReadError:
        return ReadError(f"tệp giải nén ra hơn {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MiB, vượt giới hạn; "
                         "từ chối đọc để an toàn.", file=str(self.path), rule="too-large",
                         hint="Nếu đây đúng là phụ lục dự toán, hãy xóa các trang không cần rồi lưu lại.")

    def too_many_cells(self, sheet: str) -> ReadError:
        count = f"{MAX_CELLS:,}".replace(",", ".")
        return ReadError(f"tệp có hơn {count} ô có dữ liệu, vượt giới hạn; từ chối đọc để an toàn.",
                         file=str(self.path), sheet=sheet, rule="too-many-cells",
                         hint="Hãy xóa các vùng dữ liệu thừa (hoặc tách tệp) rồi thử lại.")


def _part_name(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").lower()


class _Package:
    """A zip package whose parts are found as Excel finds them and read within a byte budget."""

    def __init__(self, zf: zipfile.ZipFile, budget: _Budget):
        self.zf = zf
        self.budget = budget
        self.parts: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in zf.infolist():
            self.parts.setdefault(_part_name(info.filename), info)
            total += info.file_size
            if (info.file_size > _RATIO_MIN_BYTES and info.compress_size
                    and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO):
                raise ReadError(f"tệp có phần nén bất thường ({info.filename}: tỷ lệ nén quá lớn), từ chối đọc để an toàn.",
                                file=str(budget.path), rule="zip-bomb")
        if total > MAX_UNCOMPRESSED_BYTES:
            raise budget.too_big()

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self.parts.get(_part_name(name))

    def chunks(self, info: zipfile.ZipInfo, size: int = 1 << 16) -> Iterator[bytes]:
        """The part's bytes, counted as they are inflated (a directory that lies cannot pass)."""
        with self.zf.open(info) as fh:
            # A wrong CRC alone does not stop Excel or python-calamine: the inflated bytes are
            # still parsed as XML, which fails on real damage (zipfile checks the CRC only).
            if hasattr(fh, "_expected_crc"):
                fh._expected_crc = None
            while True:
                data = fh.read(size)
                if not data:
                    return
                self.budget.bytes_left -= len(data)
                if self.budget.bytes_left < 0:
                    raise self.budget.too_big()
                yield data

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        info = self.info(name)
        if info is None:
            return None
        out = bytearray()
        for chunk in self.chunks(info):
            out += chunk
            if limit is not None and len(out) >= limit:
                break
        return bytes(out)

    def parse(self, name: str | zipfile.ZipInfo, handler: "_Handler") -> None:
        info = self.info(name) if isinstance(name, str) else name
        if info is None:
            return
        parser = _new_parser(handler)
        for chunk in self.chunks(info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


class _DtdForbidden(Exception):
    pass


def _new_parser(handler: "_Handler"):
    """An expat parser with no DTD, no entities (billion laughs, external entities) and local names."""
    from xml.parsers import expat

    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16

    def forbid(*_args):
        raise _DtdForbidden("DTD or entity declaration")

    p.StartDoctypeDeclHandler = forbid
    p.EntityDeclHandler = forbid
    p.UnparsedEntityDeclHandler = forbid
    p.ExternalEntityRefHandler = forbid
    p.StartElementHandler = handler.start
    p.EndElementHandler = handler.end
    p.CharacterDataHandler = handler.chars
    return p


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Handler:
    def start(self, name, attrs):
        pass

    def end(self, name):
        pass

    def chars(self, data):
        pass


class _Collect(_Handler):
    """Elements of given local names with their attributes (relationships, workbook sheets)."""

    def __init__(self, *names: str):
        self.names = names
        self.found: list[tuple[str, dict[str, str]]] = []

    def start(self, name, attrs):
        local = _local(name)
        if local in self.names:
            self.found.append((local, {_local(k): v for k, v in attrs.items()}))


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML's _xHHHH_ escapes (a carriage return is stored as _x000D_)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


class _SharedStrings(_Handler):
    def __init__(self):
        self.items: list[str] = []
        self._parts: list[str] | None = None
        self._in_t = False
        self._phonetic = 0

    def start(self, name, attrs):
        local = _local(name)
        if local == "si":
            self._parts = []
        elif local == "t" and self._parts is not None and not self._phonetic:
            self._in_t = True
        elif local == "rPh":
            self._phonetic += 1

    def end(self, name):
        local = _local(name)
        if local == "t":
            self._in_t = False
        elif local == "rPh":
            self._phonetic -= 1
        elif local == "si" and self._parts is not None:
            self.items.append(_unescape("".join(self._parts))[:MAX_CELL_CHARS])
            self._parts = None

    def chars(self, data):
        if self._in_t:
            self._parts.append(data)


_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def _is_date_format(code: str) -> bool:
    bare = _FORMAT_NOISE.sub("", code.split(";")[0]).lower()
    return bare != "general" and any(ch in bare for ch in "dmyhs")


class _Styles(_Handler):
    """Which cell styles (index into cellXfs) show a date."""

    def __init__(self):
        self.formats: dict[int, str] = {}
        self.xf_formats: list[int] = []
        self._in_xfs = False

    def start(self, name, attrs):
        local = _local(name)
        if local == "numFmt":
            with contextlib.suppress(KeyError, ValueError):
                self.formats[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            self._in_xfs = True
        elif local == "xf" and self._in_xfs:
            try:
                self.xf_formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                self.xf_formats.append(0)

    def end(self, name):
        if _local(name) == "cellXfs":
            self._in_xfs = False

    def date_styles(self) -> frozenset[int]:
        return frozenset(i for i, f in enumerate(self.xf_formats)
                         if (f in self.formats and _is_date_format(self.formats[f]))
                         or (f not in self.formats and f in _DATE_FORMAT_IDS))


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
#: Cell types (t="…") that are not read as a number.
_TYPED = frozenset({"s", "str", "inlineStr", "b", "e", "d"})


@functools.lru_cache(maxsize=20000)
def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _excel_date(serial: float, epoch1904: bool):
    """An Excel serial date as python-calamine gives it: date for whole days, datetime otherwise,
    time below one day (1900 system with Excel's 29 Feb 1900)."""
    if epoch1904:
        base = dt.datetime(1904, 1, 1)
    elif serial < 61:
        base = dt.datetime(1899, 12, 31)
    else:
        base = dt.datetime(1899, 12, 30)
    try:
        if 0 <= serial < 1:
            return (dt.datetime.min + dt.timedelta(days=serial)).time()
        value = base + dt.timedelta(milliseconds=round(serial * 86_400_000))
    except (OverflowError, ValueError):
        return serial
    return value.date() if serial == int(serial) else value


def _translated(r0: int, c0: int, text: str, r: int, c: int) -> str:
    """A shared formula's text as it reads in (r, c): its relative references moved by the
    offset from the master cell (r0, c0), as Excel (and openpyxl's Translator) do."""
    from .edit.refs import MAX_COL, MAX_ROW, rewrite_refs

    dr, dc = r - r0, c - c0

    def move(ref):
        if ref.external:
            return None
        cells = []
        for col, row, abs_c, abs_r in ((ref.c1, ref.r1, ref.abs_c1, ref.abs_r1), (ref.c2, ref.r2, ref.abs_c2, ref.abs_r2)):
            col = col if col is None or abs_c else col + dc
            row = row if row is None or abs_r else row + dr
            if (col is not None and not 0 <= col < MAX_COL) or (row is not None and not 0 <= row < MAX_ROW):
                return "#REF!"
            cells.append((col, row))
        (c1, r1), (c2, r2) = cells
        return replace(ref, c1=c1, r1=r1, c2=c2, r2=r2).text()

    return rewrite_refs(text, move)


class _SheetCells(_Handler):
    """Cells of one worksheet, streamed: {row: {col: value}} for the cells that hold something."""

    def __init__(self, name: str, sst: list[str], date_styles: frozenset[int], epoch1904: bool, budget: _Budget):
        self.name = name
        self.sst = sst
        self.date_styles = date_styles
        self.epoch1904 = epoch1904
        self.budget = budget
        self.cells: dict[int, dict[int, object]] = {}
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.errors: dict[tuple[int, int], str] = {}
        self.has_formulas = False
        # Formula cells saved without a cached value (openpyxl writes <v/> or <v></v>, others no <v>).
        self.uncached: set[tuple[int, int]] = set()
        #: Formula text of every formula cell, "=SUM(F9:F13)" (a shared formula's followers
        #: translated from their master): the formula rules need no second reader over the file.
        self.formulas: dict[tuple[int, int], str] = {}
        self._shared: dict[str, tuple[int, int, str]] = {}  # si -> master (row, col, text)
        self._followers: list[tuple[int, int, str]] = []  # (row, col, si) seen before their master
        self._formula = False
        self._fkind: tuple[str | None, str | None] = (None, None)  # (t, si) of the cell's <f>
        self._row = -1
        self._col = -1
        self._type = "n"
        self._style = 0
        self._text: list[str] | None = None
        self._value: str | None = None
        self._inline: list[str] | None = None
        self._in_cell = False

    def _bad_ref(self, ref: str) -> ReadError:
        return ReadError(f"ô có địa chỉ không hợp lệ ({ref[:20]!r}); tệp bị hỏng.", file=str(self.budget.path),
                         sheet=self.name, rule="damaged", hint=_HINT_RESEND)

    # The handlers below run for every element of a sheet (a million cells: ~2.5 million calls):
    # the common cases come first and take the fewest steps (bench/bench_reader.py).
    def start(self, name, attrs):
        local = name if ":" not in name else name.rpartition(":")[2]
        if local == "c":
            ref = attrs.get("r")
            m = _REF.match(ref) if ref else None
            if m:  # a reference others cannot read ("A0") falls back to the cell's position, as Excel does
                letters, digits = m.groups()
                self._col = _col_index(letters)
                self._row = int(digits) - 1 if digits != "0" else max(self._row, 0)
            else:
                self._col += 1
                self._row = max(self._row, 0)
            if not (0 <= self._row < MAX_ROWS and 0 <= self._col < MAX_COLS):
                raise self._bad_ref(ref or f"R{self._row + 1}C{self._col + 1}")
            self._type = attrs.get("t", "n")
            s = attrs.get("s")
            self._style = int(s) if s and s.isdigit() else 0
            self._value = None
            self._inline = None
            self._formula = False
            self._in_cell = True
        elif local == "v":
            self._text = []
        elif local == "row":
            r = attrs.get("r")
            self._row = int(r) - 1 if r and r.isdigit() else self._row + 1
            self._col = -1
        elif local == "t" and self._inline is not None:
            self._text = []
        elif local == "is":
            self._inline = []
        elif local == "f" and self._in_cell:  # not <xm:f> of an x14 conditional format after the cells
            self.has_formulas = True
            self._formula = True
            self._fkind = (attrs.get("t"), attrs.get("si"))
            self._text = []
        elif local == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def end(self, name):
        local = name if ":" not in name else name.rpartition(":")[2]
        if local == "v" and self._text is not None:
            self._value = "".join(self._text)
            self._text = None
        elif local == "t" and self._text is not None and self._inline is not None:
            self._inline.append("".join(self._text))
            self._text = None
        elif local == "f" and self._text is not None:
            self._keep_formula("".join(self._text))
            self._text = None
        elif local == "c":
            self._in_cell = False
            if self._formula and self._inline is None and not self._value and (
                    self._value is None or self._type not in ("str", "inlineStr")):
                self.uncached.add((self._row, self._col))  # an empty text result ("") is a value
            self._store()

    def chars(self, data):
        if self._text is not None:
            self._text.append(data)

    def _keep_formula(self, text: str) -> None:
        kind, si = self._fkind
        pos = (self._row, self._col)
        if kind == "shared" and si is not None:
            if text:
                self._shared[si] = (self._row, self._col, text)
            elif si in self._shared:
                text = _translated(*self._shared[si], *pos)
            else:
                self._followers.append((*pos, si))
                return
        if text:
            self.formulas[pos] = "=" + text

    def finish(self) -> None:
        """Followers written before their master (rare, but the order is not guaranteed)."""
        for r, c, si in self._followers:
            if si in self._shared:
                self.formulas[(r, c)] = "=" + _translated(*self._shared[si], r, c)
        self._followers.clear()

    def _store(self) -> None:
        t, raw = self._type, self._value
        if self._inline is not None and t in ("inlineStr", "str", "n"):
            value: object = _unescape("".join(self._inline))[:MAX_CELL_CHARS]
        elif not raw:  # None or ""
            return
        elif t == "n" or t not in _TYPED:  # a number: the common case, tested first
            try:
                value = float(raw)
            except ValueError:
                return
            if self._style in self.date_styles:
                value = _excel_date(value, self.epoch1904)
        elif t == "s":
            try:
                value = self.sst[int(raw)]
            except (ValueError, IndexError):
                return
        elif t == "b":
            value = raw.strip() in ("1", "true")
        elif t == "e":
            value = raw
            self.errors[(self._row, self._col)] = raw
        elif t == "d":
            try:
                value = dt.datetime.fromisoformat(raw.strip().rstrip("Z"))
            except ValueError:
                value = raw
        else:  # "str", "inlineStr"
            value = _unescape(raw)[:MAX_CELL_CHARS]
        if isinstance(value, str) and not value.strip():
            return  # white space only: an empty cell, as python-calamine reads it
        row = self.cells.get(self._row)
        if row is None:
            row = self.cells[self._row] = {}
        if self._col not in row:
            self.budget.cells_left -= 1
            if self.budget.cells_left < 0:
                raise self.budget.too_many_cells(self.name)
        row[self._col] = value

    def _merge(self, ref: str) -> None:
        a, _, b = ref.partition(":")
        ma, mb = _REF.match(a), _REF.match(b or a)
        if not ma or not mb:
            return
        r0, c0, r1, c1 = int(ma.group(2)) - 1, _col_index(ma.group(1)), int(mb.group(2)) - 1, _col_index(mb.group(1))
        if r1 < r0 or c1 < c0:
            r0, r1, c0, c1 = min(r0, r1), max(r0, r1), min(c0, c1), max(c0, c1)
        if len(self.merged) >= MAX_MERGED_RANGES:
            raise ReadError(f"trang có hơn {MAX_MERGED_RANGES} vùng gộp ô, vượt giới hạn; từ chối đọc để an toàn.",
                            file=str(self.budget.path), sheet=self.name, rule="too-many-merges",
                            hint="Hãy bỏ gộp các ô thừa rồi lưu lại.")
        self.merged.append(((r0, c0), (r1, c1)))


def _resolve(base_part: str, target: str) -> str:
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _rels(pkg: _Package, part: str) -> list[tuple[str, str, str]]:
    """(id, type suffix, resolved target) of a part's relationships."""
    d, _, f = part.rpartition("/")
    handler = _Collect("Relationship")
    pkg.parse(f"{d}/_rels/{f}.rels" if d else f"_rels/{f}.rels", handler)
    out = []
    for _, a in handler.found:
        if a.get("TargetMode") == "External":
            continue
        out.append((a.get("Id", ""), a.get("Type", "").rpartition("/")[2], _resolve(part, a.get("Target", ""))))
    return out


def _read_ooxml(path: Path, facts: ZipFacts) -> list[SheetGrid]:
    budget = _Budget(path)
    try:
        with zipfile.ZipFile(path) as zf:
            pkg = _Package(zf, budget)
            if pkg.info("[Content_Types].xml") is None:
                if pkg.info("mimetype") is not None:
                    return _calamine_grids(path)  # OpenDocument named .xlsx
                raise ReadError("tệp zip này không phải bảng tính Excel.", file=str(path), rule="not-a-workbook",
                                hint="Hãy gửi đúng tệp Excel (.xlsx) của phụ lục dự toán.")
            try:
                root_rels = _rels(pkg, "")
            except _xml_errors():  # a damaged package index: Excel still opens xl/workbook.xml
                root_rels = []
            wb_part = next((t for _, typ, t in root_rels if typ == "officeDocument"), "xl/workbook.xml")
            if pkg.info(wb_part) is None:
                if pkg.info("xl/workbook.bin") is not None or wb_part.endswith(".bin"):
                    return _calamine_grids(path)  # .xlsb content named .xlsx
                raise _damaged(path, "no workbook part", "thiếu phần workbook.xml")
            if pkg.info("EncryptedPackage") is not None:
                raise _encrypted(path)
            wb = _Collect("sheet", "workbookPr")
            pkg.parse(wb_part, wb)
            epoch1904 = any(a.get("date1904", "").lower() in ("1", "true") for n, a in wb.found if n == "workbookPr")
            rels = {rid: (typ, target) for rid, typ, target in _rels(pkg, wb_part)}
            sst_h, styles = _SharedStrings(), _Styles()
            for typ, target in rels.values():
                if typ == "sharedStrings":
                    pkg.parse(target, sst_h)
                elif typ == "styles":
                    pkg.parse(target, styles)
            date_styles = styles.date_styles()
            grids = []
            for n, a in wb.found:
                if n != "sheet":
                    continue
                typ, target = rels.get(a.get("id", ""), ("", ""))
                info = pkg.info(target) if target else None
                if typ != "worksheet" or info is None:
                    continue  # chartsheets, dialog and Excel 4.0 macro sheets hold no table
                name = a.get("name", "") or target.rpartition("/")[2]
                sheet = _SheetCells(name, sst_h.items, date_styles, epoch1904, budget)
                pkg.parse(info, sheet)
                sheet.finish()
                facts.has_formulas |= sheet.has_formulas
                if sheet.errors:
                    facts.errors[name] = sheet.errors
                if sheet.uncached:
                    facts.uncached[name] = sheet.uncached
                state = a.get("state", "visible")
                grid = SheetGrid.from_cells(name, sheet.cells, sheet.merged,
                                            state=state if state in ("hidden", "veryHidden") else "visible")
                grid.formulas = sheet.formulas
                grids.append(grid)
            return grids
    except ReadError:
        raise
    except _DtdForbidden:
        raise ReadError("tệp chứa khai báo DTD/thực thể XML (không có trong tệp Excel thật); từ chối đọc để an toàn.",
                        file=str(path), rule="xml-dtd", hint=_HINT_RESEND) from None
    except MemoryError:
        raise budget.too_big() from None
    except _ZIP_FAILURES as exc:
        raise _damaged(path, exc) from None


# --- .xls / .xlsb / .ods: python-calamine in a child process -------------------------------------------

#: True inside a consolidate worker: the worker is already the isolation, reads run in it directly.
IN_WORKER = False


#: calamine's SheetVisibleEnum, as text, -> the OOXML sheet state.
_SHEET_STATES = {"SheetVisibleEnum.Hidden": "hidden", "SheetVisibleEnum.VeryHidden": "veryHidden"}


def _calamine_cells(path: str) -> tuple[str, object]:
    """Runs python-calamine (in the child). ('ok', [(name, cells, merged)]) or ('error', kind, detail)."""
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(path)
        out = []
        budget = MAX_CELLS
        for meta in wb.sheets_metadata:
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            sheet = wb.get_sheet_by_name(meta.name)
            cells: dict[int, dict[int, object]] = {}
            for r, row in enumerate(sheet.to_python(skip_empty_area=False)):
                kept = {c: v for c, v in enumerate(row) if v != ""}
                if kept:
                    cells[r] = kept
                    budget -= len(kept)
                    if budget < 0:
                        return ("error", "too-many-cells", meta.name)
            try:
                merged = list(sheet.merged_cell_ranges or [])
            except Exception:  # merged ranges are unsupported for some formats
                merged = []
            state = _SHEET_STATES.get(str(meta.visible), "visible")
            out.append((meta.name, cells, merged[:MAX_MERGED_RANGES], state))
        wb.close()
        return ("ok", out)
    except pc.PasswordError as exc:
        return ("error", "encrypted", f"PasswordError: {exc}")
    except MemoryError:
        return ("error", "memory", "MemoryError")
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException derives from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        kind = ("panic" if type(exc).__name__ == "PanicException"
                else "memory" if "Cell limit exceeded" in str(exc) else "damaged")
        return ("error", kind, f"{type(exc).__name__}: {exc}")


def silence_native_stderr() -> None:
    """Send this process's file descriptor 2 to the null device: a Rust panic prints English text
    and a backtrace there (the panic itself is caught, and its message logged)."""
    with contextlib.suppress(OSError):
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 2)
        os.close(fd)


def limit_address_space(extra: int = CHILD_MEMORY_BYTES) -> None:
    """Let this process map at most *extra* bytes more than it has now (POSIX; a no-op on Windows).

    Counted from the current size because a forked child starts with its parent's mappings; never
    above a limit set by the caller (the soft limit only goes down)."""
    with contextlib.suppress(Exception):
        import resource

        current = 0
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open("/proc/self/statm") as fh:
                current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = current + extra
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if soft == resource.RLIM_INFINITY or want < soft:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def _child_main(conn, path: str) -> None:
    silence_native_stderr()
    limit_address_space()
    try:
        result = _calamine_cells(path)
    except BaseException as exc:  # noqa: BLE001
        result = ("error", "damaged", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(result)
    except Exception as exc:  # pickling a value calamine produced
        conn.send(("error", "damaged", f"send: {exc}"))
    conn.close()


def _run_isolated(path: Path) -> tuple:
    """Run :func:`_calamine_cells` in a child process with memory and time limits."""
    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(child, str(path)), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(READ_TIMEOUT_S):
            try:
                return parent.recv()
            except (EOFError, OSError):
                pass
        else:
            proc.kill()
            proc.join()
            return ("error", "timeout", f"no result after {READ_TIMEOUT_S}s")
        proc.join(5)
        return ("error", "killed", f"child exit code {proc.exitcode}")
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join()


def _calamine_grids(path: Path) -> list[SheetGrid]:
    result = _calamine_cells(str(path)) if IN_WORKER else _run_isolated(path)
    if result[0] == "ok":
        return [SheetGrid.from_cells(name, cells, merged, state) for name, cells, merged, state in result[1]]
    _, kind, detail = result
    log_detail(f"{path}: calamine {kind}: {detail}")
    if kind == "encrypted":
        raise _encrypted(path)
    if kind == "too-many-cells":
        raise _Budget(path).too_many_cells(detail)
    if kind in ("killed", "memory"):
        raise ReadError("tệp khai báo vùng dữ liệu quá lớn hoặc bị hỏng: trình đọc vượt giới hạn bộ nhớ "
                        f"({CHILD_MEMORY_BYTES // 2**30} GiB) và đã dừng.", file=str(path), rule="too-large",
                        hint="Hãy mở tệp trong Excel, xóa các ô thừa ở xa bảng, lưu lại dạng .xlsx rồi thử lại.",
                        detail=detail)
    if kind == "timeout":
        raise ReadError(f"đọc tệp quá {int(READ_TIMEOUT_S)} giây, đã dừng.", file=str(path), rule="timeout",
                        hint="Hãy mở tệp trong Excel, lưu lại dạng .xlsx rồi thử lại.", detail=detail)
    if kind == "panic":
        raise ReadError("thư viện đọc tệp (python-calamine) gặp lỗi với tệp này: tệp hỏng hoặc có cấu trúc "
                        "mà công cụ chưa đọc được.", file=str(path), rule="reader-panic",
                        hint="Hãy mở tệp trong Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi thử lại.", detail=detail)
    raise _damaged(path, detail, "định dạng bên trong không đọc được")


def read_grids(path: str | os.PathLike, facts: ZipFacts | None = None) -> list[SheetGrid]:
    """Every worksheet's cells (sparse) and merged ranges.

    Pass a :class:`ZipFacts` to learn, from the same pass over the container, whether the
    workbook holds formulas and whether it is a summary written by this toolkit.
    """
    p = Path(path)
    facts = facts if facts is not None else ZipFacts()
    kind = _classify(p)
    if kind == "ole":
        if _is_encrypted_ole(p):
            raise _encrypted(p)
        return _calamine_grids(p)
    # A zip: OOXML (ours), else .xlsb/.ods (calamine) after the same directory checks.
    if p.suffix.lower() in (".xlsb", ".ods"):
        try:
            with zipfile.ZipFile(p) as zf:
                _Package(zf, _Budget(p))
        except ReadError:
            raise
        except _ZIP_FAILURES as exc:
            raise _damaged(p, exc) from None
        return _calamine_grids(p)
    from .gcpause import collector_paused

    with collector_paused():  # streaming a sheet into cells allocates and frees almost nothing
        grids = _read_ooxml(p, facts)
    if facts.uncached:  # formulas saved without values (openpyxl…): compute them, never read 0
        from .formula import fill_uncached

        by_name = {g.name: g for g in grids}  # the formulas' text was read with the cells
        fill_uncached(grids, facts.uncached,
                      lambda sheet, cells: {k: f for k, f in (by_name[sheet].formulas or {}).items() if k in cells})
    return grids


@contextlib.contextmanager
def quiet_third_party() -> Iterator[io.StringIO]:
    """Run a third-party reader/writer (openpyxl) without letting its ``print`` reach stdout or its
    English warnings reach stderr; what it said is yielded (and may go to the log)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield buf
    if buf.getvalue().strip():
        log_detail(f"third-party output: {buf.getvalue().strip()[:2000]}")


def iter_workbook_files(root: str | os.PathLike) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Workbook files under *root* (recursively, sorted) and the files passed over, with why.

    Excel lock files (``~$…``) and special files (FIFOs, devices, sockets: opening a FIFO would
    wait for ever) are listed as passed over; hidden files are not listed.
    """
    rootp = Path(root)
    if not rootp.is_dir():
        why = _not_regular(rootp)
        return ([], [(rootp, why)]) if why else ([rootp], [])
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
                why = _not_regular(p)
                if why:
                    skipped.append((p, why))
                else:
                    found.append(p)
    return found, skipped


def _not_regular(p: Path) -> str:
    """Why *p* is not a file to read ('' when it is a regular file)."""
    try:
        mode = os.stat(p).st_mode
    except OSError as exc:
        return f"không mở được ({os_reason(exc)}), bỏ qua"
    if stat.S_ISREG(mode):
        return ""
    kind = ("FIFO" if stat.S_ISFIFO(mode) else "thiết bị" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "socket" if stat.S_ISSOCK(mode) else "không phải tệp thường")
    return f"không phải tệp thường ({kind}), bỏ qua"

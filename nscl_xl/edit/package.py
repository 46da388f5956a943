"""The OOXML package (the zip) as parts: read by name, relationships, content types, and a
writer that copies every part it was not asked to change byte for byte.

Part names are looked up the way Excel resolves them — case-insensitively, with ``\\`` read as
``/`` (some writers store ``xl\\worksheets\\sheet1.xml``) — and a changed part is written back
under the name it had in the input.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_STRICT_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_WORKBOOK_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

# Limits on what the editor inflates, so a zip bomb is refused from its directory, before
# any part is decompressed (the reader applies the same idea on its side).
MAX_PART_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024

_ATTR = re.compile(r'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REL_ELEM = re.compile(r"<(?:\w+:)?Relationship\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/?>")


def attrs(tag: str) -> dict[str, str]:
    """Attributes of one start tag, by name as written (values still XML-escaped)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(tag)}


def unescape(text: str) -> str:
    if "&" not in text:
        return text
    text = re.sub(r"&#x([0-9A-Fa-f]+);", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"&#([0-9]+);", lambda m: chr(int(m.group(1))), text)
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def norm(name: str) -> str:
    return name.replace("\\", "/").lstrip("/").casefold()


@dataclass
class Rel:
    id: str
    type: str
    target: str  # resolved part name (normalised) or the raw target when external
    external: bool
    raw_target: str


class EditError(UsageError):
    """The workbook's package cannot be edited safely (the message says why and what to do)."""

    rule = "edit-refused"


class Package:
    """A read-only view of the input package plus the changes an edit makes to it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.zip = zipfile.ZipFile(self.path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise EditError("tệp không phải là sổ Excel .xlsx/.xlsm hợp lệ (không mở được gói zip); hãy mở và "
                            "lưu lại tệp bằng Excel rồi thử lại.", file=str(path)) from exc
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES:
                self.zip.close()
                raise EditError("tệp giải nén quá lớn (quá 1 GiB hoặc một phần quá 512 MiB); không sửa tệp này.",
                                file=str(path))
        self.infos = infos
        self.names: dict[str, str] = {}
        for info in infos:
            self.names.setdefault(norm(info.filename), info.filename)
        self.changed: dict[str, bytes] = {}  # normalised name -> new bytes
        self.added: dict[str, bytes] = {}  # actual new name -> bytes
        self.removed: set[str] = set()
        self._cache: dict[str, str] = {}

    def close(self) -> None:
        self.zip.close()

    # --- reading ------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        key = norm(name)
        return (key in self.names or key in {norm(n) for n in self.added}) and key not in self.removed

    def raw(self, name: str) -> bytes:
        key = norm(name)
        if key in self.changed:
            return self.changed[key]
        for n, data in self.added.items():
            if norm(n) == key:
                return data
        try:
            real = self.names[key]
        except KeyError:
            raise KeyError(name) from None
        try:
            return self.zip.read(real)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise EditError(f"phần '{real}' trong tệp bị hỏng (lỗi giải nén); hãy mở và lưu lại tệp bằng Excel.",
                            file=str(self.path)) from exc

    def text(self, name: str) -> str:
        key = norm(name)
        if key in self._cache and key not in self.changed:
            return self._cache[key]
        data = self.raw(name)
        if data[:3] == b"\xef\xbb\xbf":
            data = data[3:]
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EditError(f"phần '{name}' không phải văn bản UTF-8; không sửa được tệp này.",
                                file=str(self.path)) from exc
        if "<!DOCTYPE" in text[:4096] or "<!ENTITY" in text:
            raise EditError(f"phần '{name}' chứa khai báo DTD/ENTITY (Excel không bao giờ ghi như vậy; có thể là tệp "
                            f"độc hại); không sửa tệp này. Hãy mở và lưu lại tệp bằng Excel.", file=str(self.path))
        self._cache[key] = text
        return text

    def rels_name(self, part: str) -> str:
        d, f = posixpath.split(norm(part))
        return posixpath.join(d, "_rels", f + ".rels")

    def rels(self, part: str) -> list[Rel]:
        name = self.rels_name(part)
        if not self.has(name):
            return []
        base = posixpath.dirname(norm(part))
        out = []
        for m in _REL_ELEM.finditer(self.text(name)):
            a = attrs(m.group(1))
            raw = unescape(a.get("Target", ""))
            external = a.get("TargetMode", "") == "External"
            if external:
                target = raw
            elif raw.startswith("/") or raw.startswith("\\"):
                target = norm(raw)
            else:
                target = norm(posixpath.normpath(posixpath.join(base, raw.replace("\\", "/"))))
            out.append(Rel(a.get("Id", ""), a.get("Type", ""), target, external, raw))
        return out

    def content_types(self) -> str:
        return self.text("[Content_Types].xml")

    def workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.type == REL_STRICT_DOC:
                raise EditError("tệp được lưu dạng 'Strict Open XML' (Strict OOXML); công cụ chưa sửa được dạng này "
                                "mà không làm mất dữ liệu. Hãy mở tệp bằng Excel, Lưu thành (Save As) kiểu "
                                "'Excel Workbook (*.xlsx)' rồi thử lại.", file=str(self.path))
            if rel.type == REL_OFFICE_DOC:
                return rel.target
        if self.has("xl/workbook.xml"):
            return norm("xl/workbook.xml")
        raise EditError("không tìm thấy phần workbook trong gói; tệp không phải sổ Excel hợp lệ.", file=str(self.path))

    # --- writing ------------------------------------------------------------------------------
    def put(self, name: str, data: str | bytes) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        key = norm(name)
        self._cache.pop(key, None)
        self.removed.discard(key)
        if key in self.names:
            self.changed[key] = data
            return
        for n in list(self.added):
            if norm(n) == key:
                self.added[n] = data
                return
        self.added[name.lstrip("/")] = data

    def remove(self, name: str) -> None:
        key = norm(name)
        self.removed.add(key)
        self.changed.pop(key, None)
        for n in list(self.added):
            if norm(n) == key:
                del self.added[n]

    def free_name(self, pattern: str) -> str:
        """The first unused part name of *pattern* ("xl/comments{}.xml") numbered from 1."""
        n = 1
        while self.has(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def save(self, dst: str | Path) -> None:
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            written: set[str] = set()
            for info in self.infos:
                key = norm(info.filename)
                if key in self.removed or info.filename in written:
                    continue  # a duplicated member name is written once (readers take the last copy)
                written.add(info.filename)
                if key in self.changed:
                    out.writestr(info, self.changed[key], compress_type=zipfile.ZIP_DEFLATED)
                    continue
                if info.is_dir():
                    out.writestr(info, b"")
                    continue
                out.writestr(info, self.raw(info.filename), compress_type=info.compress_type
                             if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                             else zipfile.ZIP_DEFLATED)
            for name, data in self.added.items():
                out.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)


# --- small XML text helpers shared by the editors ---------------------------------------------

def set_attr(tag: str, name: str, value: str | None) -> str:
    """Start tag *tag* with attribute *name* set to *value* (already escaped), or removed (None)."""
    pat = re.compile(rf'(\s){re.escape(name)}\s*=\s*("[^"]*"|\'[^\']*\')')
    if pat.search(tag):
        if value is None:
            return pat.sub("", tag, count=1)
        return pat.sub(lambda m: f'{m.group(1)}{name}="{value}"', tag, count=1)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


def add_relationship(pkg: Package, part: str, rel_type: str, target: str, external: bool = False) -> str:
    """Add a relationship from *part*; returns its new Id."""
    name = pkg.rels_name(part)
    if pkg.has(name):
        text = pkg.text(name)
    else:
        text = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    used = set(re.findall(r'\bId="([^"]*)"', text))
    n = 1
    while f"rId{n}" in used:
        n += 1
    rid = f"rId{n}"
    mode = ' TargetMode="External"' if external else ""
    elem = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{escape(target, True)}"{mode}/>'
    if re.search(r"<Relationships\b[^>]*/>", text):
        text = re.sub(r"(<Relationships\b[^>]*)/>", lambda m: m.group(1) + ">" + elem + "</Relationships>", text, 1)
    else:
        i = text.rindex("</")
        text = text[:i] + elem + text[i:]
    pkg.put(name if not pkg.has(name) else pkg.names.get(norm(name), name), text)
    return rid


def remove_relationships(pkg: Package, part: str, predicate) -> list[Rel]:
    """Remove the relationships of *part* for which predicate(rel) is true; returns them."""
    name = pkg.rels_name(part)
    if not pkg.has(name):
        return []
    gone = [r for r in pkg.rels(part) if predicate(r)]
    if not gone:
        return []
    ids = {r.id for r in gone}
    text = _REL_ELEM.sub(lambda m: "" if attrs(m.group(1)).get("Id") in ids else m.group(0), pkg.text(name))
    pkg.put(pkg.names.get(norm(name), name), text)
    return gone


def relative_target(source_part: str, target_part: str) -> str:
    return posixpath.relpath("/" + target_part, "/" + posixpath.dirname(source_part))


def set_content_type(pkg: Package, part: str, content_type: str | None) -> None:
    """Override the content type of /part (None removes the override)."""
    text = pkg.content_types()
    key = "/" + norm(part)
    pat = re.compile(r"<(?:\w+:)?Override\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/>")

    def same(m):
        return norm(attrs(m.group(1)).get("PartName", "")) == key.lstrip("/")

    found = False

    def repl(m):
        nonlocal found
        if not same(m):
            return m.group(0)
        found = True
        if content_type is None:
            return ""
        return set_attr(m.group(0), "ContentType", content_type)

    old = text
    text = pat.sub(repl, text)
    if not found and content_type is not None:
        i = text.rindex("</")
        text = text[:i] + f'<Override PartName="/{part.lstrip("/")}" ContentType="{content_type}"/>' + text[i:]
    if text == old:
        return
    pkg.put(pkg.names.get(norm("[Content_Types].xml"), "[Content_Types].xml"), text)


def ensure_default_content_type(pkg: Package, extension: str, content_type: str) -> None:
    text = pkg.content_types()
    if re.search(rf'Extension="{re.escape(extension)}"', text, re.IGNORECASE):
        return
    i = text.rindex("</")
    text = text[:i] + f'<Default Extension="{extension}" ContentType="{content_type}"/>' + text[i:]
    pkg.put(pkg.names.get(norm("[Content_Types].xml"), "[Content_Types].xml"), text)


# Child order of <worksheet> (ECMA-376 CT_Worksheet): where a new child element goes.
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
                   "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                   "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks",
                   "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
                   "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                   "webPublishItems", "tableParts", "extLst"]
WORKBOOK_ORDER = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                  "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                  "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                  "fileRecoveryPr", "webPublishObjects", "extLst"]


def element_end(xml: str, prefix: str, local: str, start: int = 0) -> tuple[int, int] | None:
    """(start, end) of the first <prefix:local> element at or after *start* (depth-unaware for
    the same name, which these top-level children never nest)."""
    m = re.compile(rf"<{prefix}{local}(?=[\s/>])").search(xml, start)
    if not m:
        return None
    gt = re.compile(r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*>").match(xml, m.end())
    if gt is None:
        return None
    tag_end = gt.end()
    if xml[tag_end - 2] == "/":
        return m.start(), tag_end
    close = xml.find(f"</{prefix}{local}>", tag_end)
    if close < 0:
        return None
    return m.start(), close + len(f"</{prefix}{local}>")


def insert_child(xml: str, prefix: str, local: str, element: str, order: list[str], default: int | None = None) -> str:
    """Insert *element* (a <local> child of the root) at its schema position (*default* when no
    element that must precede it is present; the root's start otherwise)."""
    idx = order.index(local)
    pos = None
    for before in reversed(order[:idx + 1]):
        # the last element that must come before ours (or an existing one of ours)
        spans = []
        s = 0
        while True:
            found = element_end(xml, prefix, before, s)
            if not found:
                break
            spans.append(found)
            s = found[1]
        if spans:
            pos = spans[-1][1]
            break
    if pos is None and default is not None:
        pos = default
    if pos is None:
        root = re.search(r"<(?!\?|!)[^>]*>", xml)
        pos = root.end()
    return xml[:pos] + element + xml[pos:]


def root_prefix(xml: str) -> str:
    """"x:" when the root element is written with a prefix, else ""."""
    m = re.search(r"<(?!\?|!)(\w+:)?\w+", xml)
    return m.group(1) or "" if m else ""

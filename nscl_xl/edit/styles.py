"""styles.xml as text: read cell formats (xf), fonts and fills; append derived ones.

New formats are appended (existing indices never move, so every styled cell in the workbook
keeps its look); a format derived twice the same way is appended once.
"""

from __future__ import annotations

import re

from .package import Package, set_attr

_Q = r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*?"

MINIMAL_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                  '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                  '<fill><patternFill patternType="gray125"/></fill></fills>'
                  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                  '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
                  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                  '</styleSheet>')
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
REL_STYLES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"


class Styles:
    def __init__(self, pkg: Package, part: str | None, workbook_part: str):
        from .package import add_relationship, relative_target, set_content_type

        self.pkg = pkg
        if part is None:  # a package without styles (some generators): add the minimal one
            part = "xl/styles.xml" if not pkg.has("xl/styles.xml") else pkg.free_name("xl/styles{}.xml")
            pkg.put(part, MINIMAL_STYLES)
            add_relationship(pkg, workbook_part, REL_STYLES, relative_target(workbook_part, part))
            set_content_type(pkg, part, CT_STYLES)
        self.part = part
        self.xml = pkg.text(part)
        m = re.search(r"<(\w+:)?styleSheet\b", self.xml)
        self.p = (m.group(1) or "") if m else ""
        self.lists = {name: self._items(name, item) for name, item in
                      (("cellXfs", "xf"), ("fonts", "font"), ("fills", "fill"), ("borders", "border"))}
        self.added = {name: [] for name in self.lists}
        self._memo: dict[tuple, int] = {}

    def _items(self, container: str, item: str) -> list[str]:
        p = re.escape(self.p)
        m = re.search(rf"<{p}{container}\b{_Q}(?:/>|>(.*?)</{p}{container}>)", self.xml, re.S)
        if not m or not m.group(1):
            return []
        return [x.group(0) for x in re.finditer(rf"<{p}{item}\b{_Q}(?:/>|>.*?</{p}{item}>)", m.group(1), re.S)]

    def _all(self, name: str) -> list[str]:
        return self.lists[name] + self.added[name]

    def _add(self, name: str, xml: str) -> int:
        items = self._all(name)
        if xml in items:
            return items.index(xml)
        self.added[name].append(xml)
        return len(items)

    def xf(self, index: int) -> str:
        xfs = self._all("cellXfs")
        if not xfs:
            return f'<{self.p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        return xfs[index] if 0 <= index < len(xfs) else xfs[0]

    def font_of(self, index: int) -> str:
        m = re.search(r'\sfontId="(\d+)"', self.xf(index))
        fonts = self._all("fonts")
        i = int(m.group(1)) if m else 0
        return fonts[i] if i < len(fonts) else (fonts[0] if fonts else f"<{self.p}font/>")

    def _start(self, xml: str) -> str:
        return re.match(r"<[^>]*>", xml).group(0)

    def derive(self, base: int, *, fill_rgb: str | None = None, font: str | None = None,
               bold: bool | None = None, italic: bool | None = None, color: str | None = None,
               underline: bool = False, no_border: bool = False, align: str | None = None,
               wrap: bool = False) -> int:
        """Index of a cell format equal to format *base* with the given changes."""
        key = (base, fill_rgb, font, bold, italic, color, underline, no_border, align, wrap)
        if key in self._memo:
            return self._memo[key]
        p = self.p
        xf = self.xf(base)
        if not self._all("cellXfs"):
            self.added["cellXfs"].append(xf)  # index 0 must exist before we add others
        start = self._start(xf)
        inner = xf[len(start):-len(f"</{p}xf>")] if not start.endswith("/>") else ""
        tag = start[:-2] + ">" if start.endswith("/>") else start
        if fill_rgb:
            fid = self._add("fills", f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{fill_rgb}"/>'
                                     f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
            tag = set_attr(set_attr(tag, "fillId", str(fid)), "applyFill", "1")
        if font is not None or bold is not None or italic is not None or color or underline:
            f = font if font is not None else self.font_of(base)
            f = self._font_with(f, bold=bold, italic=italic, color=color, underline=underline)
            tag = set_attr(set_attr(tag, "fontId", str(self._add("fonts", f))), "applyFont", "1")
        if no_border:
            tag = set_attr(set_attr(tag, "borderId", "0"), "applyBorder", None)
        if align or wrap:
            inner = re.sub(rf"<{re.escape(p)}alignment\b{_Q}/>|<{re.escape(p)}alignment\b.*?</{re.escape(p)}alignment>",
                           "", inner, flags=re.S)
            a = f"<{p}alignment"
            if align:
                a += f' horizontal="{align}" vertical="center"'
            if wrap:
                a += ' wrapText="1"'
            inner = a + "/>" + inner
            tag = set_attr(tag, "applyAlignment", "1")
        new = f"{tag}{inner}</{p}xf>" if inner else tag[:-1] + "/>"
        index = self._add("cellXfs", new)
        self._memo[key] = index
        return index

    # The order Excel writes a <font>'s children in (the schema allows any order; the Open XML
    # SDK validator, and so some consumers, expect this one).
    FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
                  "name", "family", "charset", "scheme")

    def _font_with(self, font: str, *, bold, italic, color, underline) -> str:
        p = self.p
        start = self._start(font)
        inner = "" if start.endswith("/>") else font[len(start):-len(f"</{p}font>")]
        start = start[:-2] + ">" if start.endswith("/>") else start
        children = {m.group(1): m.group(0) for m in
                    re.finditer(rf"<{re.escape(p)}(\w+)\b{_Q}(?:/>|>.*?</{re.escape(p)}\1>)", inner, re.S)}
        for flag, name in ((bold, "b"), (italic, "i")):
            if flag is not None:
                children.pop(name, None)
                if flag:
                    children[name] = f"<{p}{name}/>"
        if color:
            children["color"] = f'<{p}color rgb="FF{color}"/>'
        if underline:
            children.setdefault("u", f"<{p}u/>")
        ordered = [children[k] for k in self.FONT_ORDER if k in children]
        ordered += [v for k, v in children.items() if k not in self.FONT_ORDER]
        return f"{start}{''.join(ordered)}</{p}font>"

    def save(self) -> None:
        if not any(self.added.values()):
            return
        xml = self.xml
        p = re.escape(self.p)
        for name, item in (("fonts", "font"), ("fills", "fill"), ("borders", "border"), ("cellXfs", "xf")):
            extra = self.added[name]
            if not extra:
                continue
            total = len(self._all(name))
            m = re.search(rf"<{p}{name}\b{_Q}(/?)>", xml)
            if m is None:
                raise ValueError(f"styles.xml has no <{name}>")
            start = m.group(0)
            if start.endswith("/>"):
                new_start = set_attr(start[:-2] + ">", "count", str(total))
                xml = xml[:m.start()] + new_start + "".join(extra) + f"</{self.p}{name}>" + xml[m.end():]
            else:
                close = xml.index(f"</{self.p}{name}>", m.end())
                xml = (xml[:m.start()] + set_attr(start, "count", str(total)) + xml[m.end():close] + "".join(extra)
                       + xml[close:])
        self.pkg.put(self.pkg.names.get(self.part.casefold(), self.part), xml)
        self.xml = xml
        for name in self.added:
            self.lists[name] += self.added[name]
            self.added[name] = []

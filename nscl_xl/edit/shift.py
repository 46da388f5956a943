"""Shifting the references outside cell formulas when columns are inserted: attributes that hold
ranges (merged cells, validations, conditional formats, hyperlinks, tables, filters, comments,
selections), element texts that hold formulas (validation and conditional-format formulas, chart
series, defined names, form-control links) and drawing anchors.

Each pass rewrites only the attribute value or element text it changes; the rest of the part
stays as written.
"""

from __future__ import annotations

import re

from .package import escape, set_attr, unescape
from .refs import ColumnInsert

# Attributes holding ranges on the part's own sheet, by element local name.
RANGE_ATTRS = {
    "dimension": ("ref",), "mergeCell": ("ref",), "autoFilter": ("ref",), "sortState": ("ref",),
    "sortCondition": ("ref",), "hyperlink": ("ref",), "dataValidation": ("sqref",),
    "conditionalFormatting": ("sqref",), "selection": ("sqref", "activeCell"), "pane": ("topLeftCell",),
    "protectedRange": ("sqref",), "ignoredError": ("sqref",), "table": ("ref",), "comment": ("ref",),
    "threadedComment": ("ref",), "location": ("ref",), "cellWatch": ("r",), "cellSmartTags": ("r",),
    "inputCells": ("r",), "dataRef": ("ref",),
}
# Attributes holding formulas (a sheet prefix may name another sheet).
FORMULA_ATTRS = {"hyperlink": ("location",), "formControlPr": ("fmlaLink", "fmlaRange", "fmlaTxbx", "fmlaGroup"),
                 "sp": ("textlink",), "definedName": (), "controlPr": ("linkedCell", "listFillRange"),
                 "objectPr": ("linkedCell", "listFillRange")}
FORMULA_TEXTS = ("f", "formula", "formula1", "formula2", "calculatedColumnFormula", "totalsRowFormula",
                 "FmlaLink", "FmlaRange", "FmlaTxbx", "FmlaGroup", "definedName")
SQREF_TEXTS = ("sqref",)

_TAG = re.compile(r"<(\w+:)?(\w+)(\s(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)?(/?)>")
_TEXT = re.compile(r"<((?:\w+:)?)(" + "|".join(FORMULA_TEXTS + SQREF_TEXTS) +
                   r")(\s(?:[^>\"']|\"[^\"]*\"|'[^']*')*)?>([^<]*)</\1\2>")
_ANCHOR_COL = re.compile(r"<((?:\w+:)?)(from|to)>(\s*)<((?:\w+:)?)col>(\d+)</\4col>")
_VML_ANCHOR = re.compile(r"(<x:Anchor>)([^<]*)(</x:Anchor>)", re.IGNORECASE)
_VML_COLUMN = re.compile(r"(<x:Column>)(\d+)(</x:Column>)", re.IGNORECASE)


def shift_markup(xml: str, ins: ColumnInsert, here: str | None, own: bool) -> str:
    """Shift references in *xml* (a part, or a piece of one, belonging to sheet *here*; *own*
    when that is the sheet the columns go into)."""

    def tag(m: re.Match) -> str:
        local = m.group(2)
        names = RANGE_ATTRS.get(local, ()) if own else ()
        formulas = FORMULA_ATTRS.get(local, ())
        if not names and not formulas or not m.group(3):
            return m.group(0)
        text = m.group(0)
        if own and local == "pane":  # frozen/split columns left of the insertion move with it
            split = re.search(r'\sxSplit="(\d+(?:\.\d+)?)"', text)
            if split and 'state="frozen' in text and "." not in split.group(1) and ins.at < int(split.group(1)):
                text = set_attr(text, "xSplit", str(int(split.group(1)) + ins.count))
        for name in names + formulas:
            found = re.search(rf'\s{name}="([^"]*)"', text)
            if not found:
                continue
            old = unescape(found.group(1))
            new = ins.sqref(old) if name in names else ins.formula(old, here)
            if new != old:
                text = set_attr(text, name, escape(new, True))
        return text

    def body(m: re.Match) -> str:
        local, old = m.group(2), unescape(m.group(4))
        if local in SQREF_TEXTS:
            new = ins.sqref(old) if own else old
        else:
            new = ins.formula(old, here)
        if new == old:
            return m.group(0)
        return f"<{m.group(1)}{local}{m.group(3) or ''}>{escape(new)}</{m.group(1)}{local}>"

    xml = _TAG.sub(tag, xml)
    xml = _TEXT.sub(body, xml)
    if own:
        xml = shift_anchor_cols(xml, ins)
    return xml


def shift_anchor_cols(xml: str, ins: ColumnInsert) -> str:
    """Drawing/control anchors (<xdr:from><xdr:col>n</xdr:col>…): move with their cells."""
    def repl(m: re.Match) -> str:
        c = int(m.group(5))
        if c < ins.at:
            return m.group(0)
        return f"<{m.group(1)}{m.group(2)}>{m.group(3)}<{m.group(4)}col>{c + ins.count}</{m.group(4)}col>"
    return _ANCHOR_COL.sub(repl, xml)


def shift_vml(xml: str, ins: ColumnInsert) -> str:
    """Comment boxes and form controls in a VML drawing: anchor columns, cell column, links."""
    def anchor(m: re.Match) -> str:
        parts = m.group(2).split(",")
        if len(parts) != 8:
            return m.group(0)
        for i in (0, 4):
            try:
                c = int(parts[i])
            except ValueError:
                return m.group(0)
            if c >= ins.at:
                lead = parts[i][:len(parts[i]) - len(parts[i].lstrip())]
                parts[i] = f"{lead}{c + ins.count}"
        return m.group(1) + ",".join(parts) + m.group(3)

    def column(m: re.Match) -> str:
        c = int(m.group(2))
        return m.group(0) if c < ins.at else f"{m.group(1)}{c + ins.count}{m.group(3)}"

    xml = _VML_ANCHOR.sub(anchor, xml)
    xml = _VML_COLUMN.sub(column, xml)
    return _TEXT.sub(lambda m: m.group(0) if m.group(2) not in ("FmlaLink", "FmlaRange", "FmlaTxbx", "FmlaGroup")
                     else f"<{m.group(1)}{m.group(2)}{m.group(3) or ''}>"
                          f"{escape(ins.formula(unescape(m.group(4)), ins.sheet))}</{m.group(1)}{m.group(2)}>", xml)


def shift_cols(xml: str, ins: ColumnInsert, template_col: int | None) -> str:
    """The <cols> widths: spans right of the insertion move, spans across it grow; the new
    columns take the width/style of 0-based *template_col* (after the shift) when it has one."""
    m = re.search(r"<(\w+:)?cols>(.*?)</\1?cols>", xml, re.S)
    col_re = re.compile(r"<(\w+:)?col\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)/>")
    if not m:
        return xml
    p = m.group(1) or ""
    spans = []
    for c in col_re.finditer(m.group(2)):
        a = c.group(2)
        lo = int(re.search(r'\smin="(\d+)"', a).group(1)) - 1
        hi = int(re.search(r'\smax="(\d+)"', a).group(1)) - 1
        rest = re.sub(r'\s(?:min|max)="\d+"', "", a)
        spans.append([lo, hi, rest])
    out = []
    for lo, hi, rest in spans:
        if lo >= ins.at:
            lo, hi = lo + ins.count, hi + ins.count
        elif hi >= ins.at:
            hi = hi + ins.count
        out.append([lo, min(hi, 16383), rest])
    if template_col is not None:
        tmpl = next((s for s in out if s[0] <= template_col <= s[1]), None)
        new_lo, new_hi = ins.at, ins.at + ins.count - 1
        cut = []
        for lo, hi, rest in out:
            if hi < new_lo or lo > new_hi:
                cut.append([lo, hi, rest])
                continue
            if lo < new_lo:
                cut.append([lo, new_lo - 1, rest])
            if hi > new_hi:
                cut.append([new_hi + 1, hi, rest])
        if tmpl is not None:  # otherwise the new columns get the default width, as in Excel
            cut.append([new_lo, new_hi, tmpl[2]])
        out = sorted(cut)
    text = "".join(f'<{p}col min="{lo + 1}" max="{hi + 1}"{rest}/>' for lo, hi, rest in out)
    return xml[:m.start(2)] + text + xml[m.end(2):]

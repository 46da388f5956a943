"""The reference shifter: generated formulas (references with every kind of prefix, strings and
names that look like references) shift exactly like a model of Excel's rule; shared formulas
expand to what each cell reads."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nscl_xl.edit.refs import ColumnInsert, col_index, col_name, refs_in, rewrite_refs, translate
from nscl_xl.edit.sheet import SheetXml

SHEET = "Kế hoạch 'A'"
QUOTED = "'Kế hoạch ''A'''"


def test_examples():
    ins = ColumnInsert("S", 5, 3)  # 3 columns before F
    cases = {
        "SUM(F9:K9)+E2": "SUM(I9:N9)+E2",
        "SUM(A1:F1)": "SUM(A1:I1)",  # across the insertion: grows
        "S!A1:Z9": "S!A1:AC9",
        '"F1"&G1': '"F1"&J1',
        "LOG10(F1)": "LOG10(I1)",
        "'S'!$F$1+T!F1": "'S'!$I$1+T!F1",
        "A:F": "A:I",
        "3:5": "3:5",
        "[1]S!F1": "[1]S!F1",
        "Bảng1[Cột F]+F2": "Bảng1[Cột F]+I2",
        "R2D2+F1": "R2D2+I1",
        "XFB1": "#REF!",
        "A1:XFD1": "A1:XFD1",
        "S1:S3!F1": "S1:S3!F1", "Jan:Mar!F1": "Jan:Mar!F1", "S:S!F1": "S:S!I1",
        "{1,2;3,4}*F1": "{1,2;3,4}*I1",
        "F1 F1:G2": "I1 I1:J2",
    }
    for before, after in cases.items():
        assert ins.formula(before, "S") == after, before
    assert ins.formula("S!F1+F1", "T") == "S!I1+F1"
    assert ins.formula("'It''s'!F1", "T") == "'It''s'!F1"
    assert ColumnInsert("It's", 0, 1).formula("'It''s'!F1+F1", "T") == "'It''s'!G1+F1"
    assert ins.sqref("A1 F2:G3 B5") == "A1 I2:J3 B5"


def test_translate_expands_shared_formulas():
    assert translate("SUM(A1:$B2)*C$3", 2, 1) == "SUM(B3:$B4)*D$3"
    assert translate("A1", -1, 0) == "#REF!"
    xml = ('<worksheet xmlns="m"><sheetData><row r="1"><c r="B1"><f t="shared" ref="B1:D1" si="0">A1*2</f>'
           '<v>2</v></c><c r="C1"><f t="shared" si="0"/><v>4</v></c><c r="D1"><f t="shared" si="0"/><v>6</v></c>'
           "</row></sheetData></worksheet>")
    sheet = SheetXml(xml)
    sheet.expand_shared("S", lambda f: True)
    sheet.shift_formulas(ColumnInsert("S", 2, 1), "S")
    sheet.move_columns(ColumnInsert("S", 2, 1))
    assert [sheet.formula(sheet.cell(0, c)) for c in (1, 3, 4)] == ["A1*2", "B1*2", "D1*2"]
    assert sheet.cell(0, 2) is None and sheet.number(0, 4) == 6


# --- property test against a model ------------------------------------------------------------------

@st.composite
def a_ref(draw):
    kind = draw(st.sampled_from(["cell", "range", "cols", "rows"]))
    c1, c2 = sorted(draw(st.lists(st.integers(0, 40), min_size=2, max_size=2)))
    r1, r2 = sorted(draw(st.lists(st.integers(0, 200), min_size=2, max_size=2)))
    d = [draw(st.booleans()) for _ in range(4)]
    sheet = draw(st.sampled_from([None, "S", "'S'", QUOTED, "T", "[1]S"]))

    def cell(c, r, ac, ar):
        return ("$" if ac else "") + col_name(c) + ("$" if ar else "") + str(r + 1)

    if kind == "cell":
        text, cols = cell(c1, r1, d[0], d[1]), (c1, c1)
    elif kind == "range":
        text, cols = cell(c1, r1, d[0], d[1]) + ":" + cell(c2, r2, d[2], d[3]), (c1, c2)
    elif kind == "cols":
        text, cols = ("$" if d[0] else "") + col_name(c1) + ":" + ("$" if d[2] else "") + col_name(c2), (c1, c2)
    else:
        text, cols = f"{r1 + 1}:{r2 + 1}", None
    prefix = "" if sheet is None else sheet + "!"
    return prefix, text, cols, kind, sheet


NOISE = ['"A1:B2"', '"It\'s F9"', "LOG10(2)", "TRUE", "1.5E+3", "Tên_A1", "Bảng1[[#This Row],[Cột]]", "#REF!",
         "ATAN2(1,1)", "{1,2}"]


@settings(max_examples=400, deadline=None)
@given(items=st.lists(st.one_of(a_ref(), st.sampled_from(NOISE)), min_size=1, max_size=8),
       ops=st.lists(st.sampled_from(["+", "*", ",", "&", "-"]), min_size=8, max_size=8),
       at=st.integers(0, 45), count=st.integers(1, 6), here=st.sampled_from(["S", SHEET, "T"]))
def test_shift_matches_the_model(items, ops, at, count, here):
    target = "S" if here != SHEET else SHEET
    ins = ColumnInsert(target, at, count)
    parts, expected = [], []
    for i, item in enumerate(items):
        op = ops[i] if i else ""
        if isinstance(item, str):
            parts.append(op + item)
            expected.append(op + item)
            continue
        prefix, text, cols, kind, sheet = item
        parts.append(op + prefix + text)
        name = None if sheet is None else sheet.strip("'").replace("''", "'")
        if sheet == QUOTED:
            name = "Kế hoạch 'A'"
        on_target = (name or here).casefold() == target.casefold() and not (sheet or "").startswith("[")
        if not on_target or cols is None or max(cols) < at:
            expected.append(op + prefix + text)
            continue
        lo, hi = cols
        new_lo = lo + count if lo >= at else lo
        new_hi = hi + count

        def recol(t: str, old: int, new: int) -> str:
            return t.replace(col_name(old), col_name(new), 1)

        if kind == "cell":
            expected.append(op + prefix + recol(text, lo, new_lo))
        else:
            a, b = text.split(":")
            expected.append(op + prefix + recol(a, lo, new_lo) + ":" + recol(b, hi, new_hi))
    formula = "".join(parts)
    assert ins.formula(formula, here) == "".join(expected)
    # a shift past every column changes nothing
    assert ColumnInsert(target, 16000, 1).formula(formula, here) == formula


@settings(max_examples=200, deadline=None)
@given(items=st.lists(a_ref(), min_size=1, max_size=5), dr=st.integers(-3, 3), dc=st.integers(-3, 3))
def test_translate_round_trips(items, dr, dc):
    formula = "+".join(p + t for p, t, *_ in items)
    there = translate(formula, dr, dc)
    if "#REF!" not in there:
        assert translate(there, -dr, -dc) == formula
        assert [(r.sheet, r.external) for r in refs_in(there)] == [(r.sheet, r.external) for r in refs_in(formula)]


def test_rewrite_keeps_untouched_text_identical():
    text = "IF('Kế hoạch ''A'''!B2>0,\"x\"&Tên_A1,SUM(A:A))"
    assert rewrite_refs(text, lambda r: None) is text
    assert col_index(col_name(16383)) == 16383


def test_markup_outside_cells():
    from nscl_xl.edit.shift import shift_cols, shift_markup, shift_vml

    ins = ColumnInsert("S", 2, 2)  # before C
    xml = ('<sheetView><pane xSplit="3" ySplit="1" topLeftCell="D2" state="frozen"/><selection activeCell="B1" '
           'sqref="B1 C3:D4"/></sheetView><mergeCells><mergeCell ref="A1:B1"/><mergeCell ref="B2:C2"/></mergeCells>'
           '<dataValidation sqref="C5"><formula1>$C$1:$C$3</formula1></dataValidation>'
           '<x14:dataValidation><xm:f>T!$C$1</xm:f><xm:sqref>C6</xm:sqref></x14:dataValidation>'
           '<hyperlink ref="C7" location="\'S\'!C9"/>'
           '<xdr:from><xdr:col>2</xdr:col></xdr:from><xdr:to><xdr:col>1</xdr:col></xdr:to>')
    assert shift_markup(xml, ins, "S", True) == (
        '<sheetView><pane xSplit="5" ySplit="1" topLeftCell="F2" state="frozen"/><selection activeCell="B1" '
        'sqref="B1 E3:F4"/></sheetView><mergeCells><mergeCell ref="A1:B1"/><mergeCell ref="B2:E2"/></mergeCells>'
        '<dataValidation sqref="E5"><formula1>$E$1:$E$3</formula1></dataValidation>'
        '<x14:dataValidation><xm:f>T!$C$1</xm:f><xm:sqref>E6</xm:sqref></x14:dataValidation>'
        '<hyperlink ref="E7" location="\'S\'!E9"/>'
        '<xdr:from><xdr:col>4</xdr:col></xdr:from><xdr:to><xdr:col>1</xdr:col></xdr:to>')
    # another sheet: only references naming S move, its own ranges stay
    assert shift_markup('<mergeCell ref="C1:D1"/><formula1>S!C1+C1</formula1>', ins, "T", False) == \
        '<mergeCell ref="C1:D1"/><formula1>S!E1+C1</formula1>'
    cols = '<cols><col min="1" max="1" width="5"/><col min="2" max="4" width="9" customWidth="1"/></cols>'
    # the span B:D across the insertion grows; the new C:D take the width of B (the template)
    assert shift_cols(cols, ins, 1) == ('<cols><col min="1" max="1" width="5"/><col min="2" max="2" width="9" '
                                        'customWidth="1"/><col min="3" max="4" width="9" customWidth="1"/>'
                                        '<col min="5" max="6" width="9" customWidth="1"/></cols>')
    vml = "<x:ClientData><x:Anchor>3, 15, 0, 10, 5, 15, 4, 4</x:Anchor><x:Row>0</x:Row><x:Column>2</x:Column>"
    assert shift_vml(vml, ins) == ("<x:ClientData><x:Anchor>5, 15, 0, 10, 7, 15, 4, 4</x:Anchor><x:Row>0</x:Row>"
                                   "<x:Column>4</x:Column>")

"""The marks Kiểm tra puts on cells, remembered so the next click can take them back.

Kiểm tra colours each offending cell and gives it a note. Clicked again after the clerk fixed
something, it must not leave the old red cell and stale note behind, nor lose the clerk's own
fills and notes. So every mark is recorded, with what the cell had before, in a sheet of its
own (:data:`MARKS_SHEET`, very hidden on desktop Excel, hidden elsewhere), and the next click
first restores every recorded cell, then verifies and marks afresh. A book that verifies
clean ends with no mark and no marks sheet.

Reading a cell's fill or note text synchronously needs desktop Excel. xlwings Lite reads them
asynchronously: its Kiểm tra script first calls :func:`prefetch` and hands the answers over
(*known*). Where neither is possible (the remote engine, an older Lite) the prior fill is
recorded as unknown (restored as no fill), and a cell that already carries a note of the
user's keeps it untouched (the finding is still coloured and listed on "Kiểm tra").
"""

from __future__ import annotations

from dataclasses import dataclass

from .live import MARKS_SHEET

UNKNOWN = "?"
#: How the cell's note relates to ours: we added it / we replaced the user's text (kept in
#: ``prior_note``) / the user's note was left alone (its text could not be read).
ADDED, REPLACED, KEPT = "added", "replaced", "kept"
HEADERS = ["Trang", "Ô", "Màu cũ", "Ghi chú", "Ghi chú cũ", "Màu NSCL", "Ghi chú NSCL"]
XL_SHEET_VERY_HIDDEN = 2


@dataclass(frozen=True)
class Mark:
    sheet: str
    cell: str
    prior_fill: str  # "#RRGGBB", "" (no fill) or UNKNOWN
    note_state: str  # ADDED, REPLACED or KEPT
    prior_note: str  # the user's note text when REPLACED
    fill: str  # the fill we set
    note: str  # the note text we set ("" when KEPT)

    def row(self) -> list[str]:
        return [self.sheet, self.cell, self.prior_fill, self.note_state, self.prior_note, self.fill, self.note]


def _hex(color) -> str:
    if color is None:
        return ""
    if isinstance(color, str):
        return color.upper() if color.startswith("#") else "#" + color.upper()
    return "#{:02X}{:02X}{:02X}".format(*color)


def read_fill(rng) -> str:
    """The cell's fill as "#RRGGBB", "" for none, UNKNOWN where the engine cannot say."""
    try:
        return _hex(rng.color)
    except NotImplementedError:
        return UNKNOWN


def read_note(rng) -> str | None:
    """The cell's note text, None without a note, UNKNOWN where the engine cannot read it."""
    note = rng.note
    if note is None:
        return None
    try:
        return note.text or ""
    except NotImplementedError:
        return UNKNOWN


#: (sheet, cell) -> (fill, note text or None): what the engine said, updated with what this
#: click has set since.
Known = dict[tuple[str, str], tuple[str, "str | None"]]


def _fill(rng, key, known: Known) -> str:
    return known[key][0] if key in known else read_fill(rng)


def _note(rng, key, known: Known) -> str | None:
    return known[key][1] if key in known else read_note(rng)


def _set(known: Known, key, fill=None, note=...) -> None:
    if key in known:
        old_fill, old_note = known[key]
        known[key] = (old_fill if fill is None else fill, old_note if note is ... else note)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_marks(book) -> list[Mark]:
    """The marks the last Kiểm tra recorded in this book (none without a marks sheet)."""
    if MARKS_SHEET not in [s.name for s in book.sheets]:
        return []
    rows = book.sheets[MARKS_SHEET].used_range.options(ndim=2).value or []
    marks = []
    for row in rows[1:]:
        cells = [_text(v) for v in row] + [""] * (len(HEADERS) - len(row))
        if cells[0] and cells[1]:
            marks.append(Mark(*cells[:len(HEADERS)]))
    return marks


def restore(book, marks: list[Mark], known: Known | None = None) -> None:
    """Give every recorded cell back what it had, unless the user changed it since."""
    known = {} if known is None else known
    names = {s.name for s in book.sheets}
    for m in marks:
        if m.sheet not in names:
            continue  # the user deleted or renamed the sheet: nothing of ours left there
        key = (m.sheet, m.cell)
        rng = book.sheets[m.sheet].range(m.cell)
        if _fill(rng, key, known) in (UNKNOWN, m.fill):  # still ours (or unreadable): the user's fill back
            back = "" if m.prior_fill in ("", UNKNOWN) else m.prior_fill
            rng.color = back or None
            _set(known, key, fill=back)
        if m.note_state == KEPT:
            continue
        text = _note(rng, key, known)
        if text is None or (text not in (UNKNOWN, m.note)):
            continue  # the note is gone, or the user rewrote it: theirs now
        if m.note_state == REPLACED:
            rng.note.text = m.prior_note
            _set(known, key, note=m.prior_note)
        else:
            rng.note.delete()
            _set(known, key, note=None)


def mark(book, sheet_name: str, cell: str, fill: str, note: str, known: Known | None = None) -> Mark:
    """Colour *cell* and give it *note*, recording what it had before."""
    known = {} if known is None else known
    rng = book.sheets[sheet_name].range(cell)
    prior_fill = _fill(rng, (sheet_name, cell), known)
    prior_note = _note(rng, (sheet_name, cell), known)
    rng.color = fill
    if prior_note is None:
        rng.add_note(note)
        state, kept_text = ADDED, ""
    elif prior_note == UNKNOWN:
        state, kept_text, note = KEPT, "", ""
    else:
        rng.note.text = note
        state, kept_text = REPLACED, prior_note
    return Mark(sheet_name, cell, prior_fill, state, kept_text, _hex(fill), note)


async def prefetch(book) -> Known:
    """xlwings Lite: ask Excel (asynchronously) for the fill and note text of every cell this
    click may touch — the last click's marks and this click's findings."""
    from ..verify import verify_plan
    from .live import book_model

    keys = {(m.sheet, m.cell) for m in read_marks(book)}
    keys |= {(f.sheet, f.cell) for f in verify_plan(book_model(book)) if f.sheet and f.cell}
    names = {s.name for s in book.sheets}
    known: Known = {}
    for sheet, cell in sorted(keys):
        if sheet in names:
            rng = book.sheets[sheet].range(cell)
            note = rng.note
            known[(sheet, cell)] = (_hex(await rng.get_color()), None if note is None else (await note.get_text()) or "")
    return known


def remember(book, marks: list[Mark]) -> None:
    """Record *marks* in the marks sheet; with none, remove the sheet (a clean book stays clean)."""
    names = [s.name for s in book.sheets]
    if not marks:
        if MARKS_SHEET in names:
            book.sheets[MARKS_SHEET].delete()
        return
    if MARKS_SHEET in names:
        sheet = book.sheets[MARKS_SHEET]
        sheet.clear()
    else:
        sheet = book.sheets.add(MARKS_SHEET, after=book.sheets[-1])
    # Every value as text (leading apostrophe): a note such as "=1" or "0012" stays as typed.
    sheet.range("A1").value = [["'" + v if v else "" for v in row] for row in [HEADERS] + [m.row() for m in marks]]
    sheet.visible = False
    try:
        sheet.api.Visible = XL_SHEET_VERY_HIDDEN  # desktop Excel: not even in "Unhide…"
    except (AttributeError, TypeError, NotImplementedError):
        pass  # other engines: hidden is the most they offer

"""The marks Kiểm tra puts on cells, remembered so the next click can take them back.

Kiểm tra colours each offending cell and gives it a note. Clicked again after the clerk fixed
something, it must not leave the old red cell and stale note behind, nor lose the clerk's own
fills and notes. So every mark is recorded, with what the cell had before, in a sheet of its
own (:data:`MARKS_SHEET`, very hidden on desktop Excel, hidden elsewhere), and the next click
first restores every recorded cell, then verifies and marks afresh. A book that verifies
clean ends with no mark and no marks sheet.

Reading a cell's fill or note text needs desktop Excel: xlwings Lite and the remote engine
cannot read them synchronously. There the prior fill is recorded as unknown (restored as no
fill), and a cell that already carries a note of the user's keeps it untouched (the finding is
still coloured and listed on the "Kiểm tra" sheet).
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


def restore(book, marks: list[Mark]) -> None:
    """Give every recorded cell back what it had, unless the user changed it since."""
    names = {s.name for s in book.sheets}
    for m in marks:
        if m.sheet not in names:
            continue  # the user deleted or renamed the sheet: nothing of ours left there
        rng = book.sheets[m.sheet].range(m.cell)
        fill = read_fill(rng)
        if fill in (UNKNOWN, m.fill):  # still ours (or unreadable): put the user's fill back
            rng.color = None if m.prior_fill in ("", UNKNOWN) else m.prior_fill
        if m.note_state == KEPT:
            continue
        text = read_note(rng)
        if text is None or (text not in (UNKNOWN, m.note)):
            continue  # the note is gone, or the user rewrote it: theirs now
        if m.note_state == REPLACED:
            rng.note.text = m.prior_note
        else:
            rng.note.delete()


def mark(book, sheet_name: str, cell: str, fill: str, note: str) -> Mark:
    """Colour *cell* and give it *note*, recording what it had before."""
    rng = book.sheets[sheet_name].range(cell)
    prior_fill = read_fill(rng)
    prior_note = read_note(rng)
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

"""Vietnamese text helpers: Unicode normalisation and accent-insensitive matching.

Cells arrive in NFC or decomposed (NFD) form depending on the keyboard tool and the
program that last saved the file, so every comparison goes through :func:`fold`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def nfc(text: str) -> str:
    """Return *text* in NFC with runs of white space (incl. NBSP, new lines) collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _fold_table() -> dict[int, int | None]:
    """Latin letters with diacritics -> base letter; combining marks (NFD input) -> removed."""
    table: dict[int, int | None] = {cp: None for cp in range(0x300, 0x370)}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base.isascii() and base.isalpha():
            table[cp] = ord(base)
    table[ord("đ")], table[ord("Đ")] = ord("d"), ord("D")
    # Look-alikes of Đ/đ that legacy-font converters (TCVN3, VNI) and some keyboards type:
    # Icelandic eth Ð/ð (U+00D0/U+00F0) and African D Ɖ/ɖ (U+0189/U+0256).
    for cp in (0xD0, 0x189):
        table[cp] = ord("D")
    for cp in (0xF0, 0x256):
        table[cp] = ord("d")
    return table


_FOLD = _fold_table()


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ -> d) and collapse spaces: the key for matching.

    Works the same on NFC and decomposed (NFD) text.

    >>> fold("Tổng  CỘNG")
    'tong cong'
    """
    bare = text.translate(_FOLD)
    if not bare.isascii():  # marks outside the table (rare scripts): the general way
        bare = "".join(ch for ch in unicodedata.normalize("NFD", bare) if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", bare.lower()).strip()


def cell_text(value: object) -> str:
    """Text of a cell value for matching purposes ('' for empty cells)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return nfc(value) if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value))


# --- legacy Vietnamese encodings ------------------------------------------------------------------
# Old files typed with TCVN3 (ABC, ".VnTime" fonts) or VNI ("VNI-Times") store Vietnamese letters
# as Latin-1 symbols; without the font they read as "Tæng céng". TCVN3 maps one character to one
# letter and is converted; VNI uses letter + mark pairs and is only recognised and reported.

_TCVN3 = ("µ¸¶·¹" "¨»¾¼½Æ" "©ÇÊÈÉË" "®" "ÌÐÎÏÑ" "ªÒÕÓÔÖ" "×ÝØÜÞ" "ßãáâä" "«åèæçé" "¬êíëìî" "ïóñòô"
          "\u00adõøö÷ù" "úýûüþ" "¡¢§£¤¥¦")
_UNICODE = ("àáảãạ" "ăằắẳẵặ" "âầấẩẫậ" "đ" "èéẻẽẹ" "êềếểễệ" "ìíỉĩị" "òóỏõọ" "ôồốổỗộ" "ơờớởỡợ" "ùúủũụ"
            "ưừứửữự" "ỳýỷỹỵ" "ĂÂĐÊÔƠƯ")
assert len(_TCVN3) == len(_UNICODE)
_TCVN3_TABLE = str.maketrans(_TCVN3, _UNICODE)
# Symbols that TCVN3 uses for letters but that real Vietnamese Unicode text practically never holds.
_TCVN3_MARKERS = set("µ¸¶·¹¨»¾¼½©®ª«¬\u00ad¡¢§£¤¥¦×ÞßÐþ")
_TCVN3_MARKER_CHARS = re.compile("[" + re.escape("".join(sorted(_TCVN3_MARKERS))) + "]")
_VIET_UNICODE = re.compile("[\u1ea0-\u1ef9\u0103\u0111\u01a1\u01b0\u0102\u0110\u01a0\u01af]")
_VNI_PAIR = re.compile("[aeiouyAEIOUY][\u00f8\u00f9\u00fb\u00f5\u00ef\u00e2\u00ea\u00e5\u00e4\u00eb\u00f6\u00fc]"
                       "|\u00f1|\u00d1")


def legacy_encoding(texts) -> str | None:
    """'tcvn3' or 'vni' when the texts of a sheet look typed in that legacy encoding.

    One Unicode Vietnamese letter decides (None) without reading further; otherwise each text is
    counted with C-level scans (a regex, map) rather than Python generator steps."""
    markers = vni = letters = 0
    for t in texts:
        if _VIET_UNICODE.search(t):
            return None
        markers += len(_TCVN3_MARKER_CHARS.findall(t))
        vni += len(_VNI_PAIR.findall(t))
        letters += sum(map(str.isalpha, t))
    if not letters:
        return None
    if markers >= 2 and markers * 40 >= letters:
        return "tcvn3"
    if vni >= 3 and vni * 25 >= letters:
        return "vni"
    return None


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 (ABC) text to Unicode NFC. ("Tæng céng" -> "Tổng cộng")"""
    return unicodedata.normalize("NFC", text.translate(_TCVN3_TABLE))


# --- safe display and safe CSV ------------------------------------------------------------------------

# C0 controls but tab and new line, DEL, C1 controls, bidirectional overrides/isolates (they reorder
# what a terminal shows) and the line/paragraph separators.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_CURSOR = re.compile(r"\x1b\[\?25[lh]")


def _escape(m: re.Match[str]) -> str:
    cp = ord(m.group(0))
    return f"\\x{cp:02x}" if cp <= 0xFF else f"\\u{cp:04x}"


def printable(text: str, *, keep_cursor: bool = False) -> str:
    """*text* with control characters shown escaped (``\\x1b``), safe to send to a terminal: an
    ANSI escape in a cell cannot clear the screen or print a fake line.

    With *keep_cursor* (the console stream), a carriage return that starts the text and click's
    cursor show/hide sequences pass: they are the progress bar's, never a cell's.
    """
    if not _CONTROLS.search(text):
        return text
    if keep_cursor:
        head = ""
        if text.startswith("\r"):
            head, text = "\r", text[1:]
        parts = _CURSOR.split(text)
        seqs = _CURSOR.findall(text)
        out = [head]
        for i, part in enumerate(parts):
            out.append(_CONTROLS.sub(_escape, part))
            if i < len(seqs):
                out.append(seqs[i])
        return "".join(out)
    return _CONTROLS.sub(_escape, text)


# A piece of a field, between separators "," or ";" (both are list separators: ";" on a Vietnamese
# Windows), that a spreadsheet would run as a formula: it starts (after spaces or a quote) with
# = + - @ (or their full-width forms), or with a tab or carriage return.
_CSV_FORMULA_PIECE = re.compile("(^|[;,])(?=[ \"\u00a0]*[=+\\-@\uff1d\uff0b\uff0d\uff20]|[\t\r])")


def csv_safe(value: str) -> str:
    """Neutralise text a spreadsheet would run as a formula when the CSV is opened with "," or ";"
    as the separator: every such piece gets a leading apostrophe (OWASP CSV injection).

    >>> csv_safe("x;=2+5;")
    "x;'=2+5;"
    >>> csv_safe("=SUM(A1:A9)")
    "'=SUM(A1:A9)"
    """
    return _CSV_FORMULA_PIECE.sub(r"\1'", value)

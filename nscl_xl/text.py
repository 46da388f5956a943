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

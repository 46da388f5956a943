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


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ -> d) and collapse spaces: the key for matching.

    >>> fold("Tổng  CỘNG")
    'tong cong'
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
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

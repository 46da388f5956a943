"""Province names, official order and the 2025 merger, from ``data/provinces.csv``.

The order is that of the administrative unit codes (mã đơn vị hành chính: Hà Nội 01 … Cà Mau
96 before 1 July 2025; the 34 units since then have their own codes, Decision 19/2025/QĐ-TTg).
Sources and columns are described in ``nscl_xl/data/README.md``. A name that is not in the list
sorts after every known one, in Vietnamese alphabetical order (:func:`collation_key`).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from importlib import resources
from typing import NamedTuple

from .text import fold


class Unit(NamedTuple):
    code: int
    province: str
    code_2025: int
    province_2025: str


@functools.lru_cache(maxsize=1)
def units() -> list[Unit]:
    """The 63 units before 1 July 2025, in code order."""
    with resources.files("nscl_xl.data").joinpath("provinces.csv").open(encoding="utf-8") as fh:
        rows = [Unit(int(r["code"]), r["province"], int(r["code_2025"]), r["province_2025"])
                for r in csv.DictReader(fh)]
    return sorted(rows)


def _norm(name: str) -> str:
    """Accent-, case- and punctuation-insensitive key ("Bà Rịa – Vũng Tàu" -> "ba ria vung tau")."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", fold(name)).split())


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, Unit]:
    out: dict[str, Unit] = {_norm(u.province): u for u in units()}
    # Names people write for the same unit.
    out["tp ho chi minh"] = out["ho chi minh"]
    out["thanh pho ho chi minh"] = out["ho chi minh"]
    out["hue"] = out["thua thien hue"]
    for alias, key in (("hcm", "ho chi minh"), ("tp hcm", "ho chi minh"), ("tphcm", "ho chi minh"),
                       ("bac can", "bac kan"), ("dac lac", "dak lak"), ("dak lac", "dak lak"),
                       ("dac nong", "dak nong"), ("kontum", "kon tum")):
        out[alias] = out[key]  # older or abbreviated spellings found in plans
    return out


@functools.lru_cache(maxsize=1)
def _codes_2025() -> dict[str, int]:
    return {_norm(u.province_2025): u.code_2025 for u in units()}


def all_provinces() -> list[str]:
    """The 63 provincial units as written before 1 July 2025, in official order."""
    return [u.province for u in units()]


def _lookup(name: str) -> Unit | None:
    key = _norm(name)
    return _index().get(key) or _index().get(re.sub(r"^(tinh|thanh pho|tp)\s+", "", key))


def canonical(name: str) -> str | None:
    """The canonical spelling of a province name (accent- and punctuation-insensitive)."""
    hit = _lookup(name)
    return hit.province if hit else None


def merged_2025(name: str) -> str:
    """The unit in force since 1 July 2025 that *name* belongs to (itself if unchanged)."""
    hit = _lookup(name)  # "tỉnh Kiên Giang" belongs to An Giang as "Kiên Giang" does
    return hit.province_2025 if hit else name


def code(name: str) -> int | None:
    """Administrative unit code before 1 July 2025 (Hà Nội 1 … Cà Mau 96), None when unknown."""
    hit = _lookup(name)
    return hit.code if hit else None


def code_2025(name: str) -> int | None:
    """Code of *name* as one of the 34 units since 1 July 2025, None when it is not one of them."""
    key = _norm(name)
    hit = _codes_2025().get(key, _codes_2025().get(re.sub(r"^(tinh|thanh pho|tp)\s+", "", key)))
    unit = _lookup(name) if hit is None else None  # other spellings ("TP HCM") of an unchanged unit
    return unit.code_2025 if unit and unit.province == unit.province_2025 else hit


# --- Vietnamese alphabetical order ------------------------------------------------------------------

#: Letters of the Vietnamese alphabet in order; a base letter with its modifier (breve, circumflex,
#: horn, stroke) is a letter of its own: a < ă < â < b < c < d < đ < e < ê …
_ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô",
             "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
#: Tone marks, compared only when the letters are equal: ngang < huyền < hỏi < ngã < sắc < nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


@functools.lru_cache(maxsize=4096)
def collation_key(text: str) -> tuple:
    """Sort key for Vietnamese alphabetical order (letters first, then tones, then the text)."""
    letters: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in _TONES:
            if tones:
                tones[-1] = _TONES[ch]
            continue
        if ch in _MODIFIERS and letters:
            base = _ALPHABET[letters[-1]] if letters[-1] < len(_ALPHABET) else ""
            composed = unicodedata.normalize("NFC", base + ch)
            if composed in _LETTER_RANK:
                letters[-1] = _LETTER_RANK[composed]
            continue
        if ch in _LETTER_RANK:
            letters.append(_LETTER_RANK[ch])
            tones.append(0)
        elif ch.isdigit():
            letters.append(-10 + int(ch))  # digits before letters
            tones.append(0)
        elif unicodedata.category(ch).startswith("M"):
            continue
        elif ch.isalpha():
            letters.append(len(_ALPHABET) + ord(ch))
            tones.append(0)
        # spaces and punctuation are ignored at the first level
    return tuple(letters), tuple(tones), text


def order_key(name: str, grouping: str = "as-written") -> tuple:
    """Sort key of a province row: official code first, unknown names after them in Vietnamese
    alphabetical order. *grouping* "2025" uses the codes of the 34 units since 1 July 2025."""
    c = code_2025(name) if grouping == "2025" else code(name)
    return (0, c, ()) if c is not None else (1, 0, collation_key(name))


@functools.lru_cache(maxsize=1)
def _search_pattern() -> re.Pattern[str]:
    names = sorted(_index(), key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    return re.compile(rf"\b(?:tinh|thanh pho|tp)\s+({alt})\b")


def find_in_text(text: str) -> str | None:
    """The province named as "tỉnh X" / "thành phố X" in *text*, canonical spelling."""
    m = _search_pattern().search(_norm(text))
    return _index()[m.group(1)].province if m else None

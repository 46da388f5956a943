"""Province names and the 2025 merger (Resolution 202/2025/QH15), from ``data/provinces.csv``."""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

from .text import fold


@functools.lru_cache(maxsize=1)
def _rows() -> list[tuple[str, str]]:
    with resources.files("nscl_xl.data").joinpath("provinces.csv").open(encoding="utf-8") as fh:
        return [(r["province"], r["province_2025"]) for r in csv.DictReader(fh)]


def _norm(name: str) -> str:
    """Accent-, case- and punctuation-insensitive key ("Bà Rịa – Vũng Tàu" -> "ba ria vung tau")."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", fold(name)).split())


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for old, new in _rows():
        out[_norm(old)] = (old, new)
    # Names people write for the same unit.
    out["tp ho chi minh"] = out["ho chi minh"]
    out["thanh pho ho chi minh"] = out["ho chi minh"]
    out["hue"] = out["thua thien hue"]
    return out


def all_provinces() -> list[str]:
    """The 63 provincial units as written before 1 July 2025."""
    return [old for old, _ in _rows()]


def canonical(name: str) -> str | None:
    """The canonical spelling of a province name (accent- and punctuation-insensitive)."""
    key = re.sub(r"^(tinh|thanh pho|tp)\s+", "", _norm(name))
    hit = _index().get(key)
    return hit[0] if hit else None


def merged_2025(name: str) -> str:
    """The unit in force since 1 July 2025 that *name* belongs to (itself if unchanged)."""
    hit = _index().get(_norm(name))
    return hit[1] if hit else name


@functools.lru_cache(maxsize=1)
def _search_pattern() -> re.Pattern[str]:
    names = sorted(_index(), key=len, reverse=True)
    alt = "|".join(re.escape(n) for n in names)
    return re.compile(rf"\b(?:tinh|thanh pho|tp)\s+({alt})\b")


def find_in_text(text: str) -> str | None:
    """The province named as "tỉnh X" / "thành phố X" in *text*, canonical spelling."""
    m = _search_pattern().search(_norm(text))
    return _index()[m.group(1)][0] if m else None

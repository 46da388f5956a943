"""Pausing Python's cyclic garbage collector while a large structure is built.

Reading a sheet and building its model allocate hundreds of thousands of small objects and free
almost none, so the collector would scan them again and again: about 40 % of the model step at
20k lines (bench/bench_verify.py). Memory stays bounded by the content either way.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the collector inside the block and leave it as it was found (nesting is safe)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()

"""Writing an edited workbook: atomically, and every operating-system failure becomes a
Vietnamese message naming the output and what to do (exit code 4, never a traceback).

Both come from :mod:`nscl_xl.safe_write` (one place for temp files, permissions, symlinks,
signals and OS-error messages); this module only adapts it to the editor's write callbacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")


def write_atomically(out: Path, write: Callable[[Path], T]) -> T:
    """Run write(temporary path) and rename the result to *out*; nothing is left on failure."""
    from ..safe_write import atomic_path, output_error

    try:
        with atomic_path(out) as tmp:
            return write(tmp)
    except OSError as exc:
        raise output_error(exc, out) from None

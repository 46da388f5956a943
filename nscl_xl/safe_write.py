"""Atomic output: write to a temporary file beside the target, then rename over it.

A failed or interrupted run leaves either the old file or nothing — never half a workbook.
In-place edits keep a timestamped backup first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it to *target*."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def backup(path: str | os.PathLike) -> Path:
    """Copy *path* to "<name>.bak-YYYYmmdd-HHMMSS<suffix>" beside it and return the copy."""
    p = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = p.with_name(f"{p.stem}.bak-{stamp}{p.suffix}")
    n = 1
    while dest.exists():
        dest = p.with_name(f"{p.stem}.bak-{stamp}-{n}{p.suffix}")
        n += 1
    shutil.copy2(p, dest)
    return dest

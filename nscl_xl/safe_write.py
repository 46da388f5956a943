"""Atomic output: write to a temporary file beside the target, then rename over it.

A failed or interrupted run leaves either the old file or nothing — never half a workbook:

* the temporary file has a short name (``.nscl-XXXXXXXX.tmp``), so a long target name never
  becomes too long once a suffix is added; it is flushed to disk before the rename;
* a target that is a symbolic link is written through: the link's target is replaced, the link
  stays (an in-place edit through a shortcut edits the real workbook);
* the written file gets the permissions of the file it replaces, or those a new file gets under
  the user's umask (never the 0600 of a temporary file);
* temporary files are registered and removed on SIGTERM/SIGINT (:func:`install_signal_handlers`
  turns them into exceptions) and at exit;
* every OS error (the output is a folder, its parent is a file, read-only folder, full disk, name
  too long) becomes an :class:`~nscl_xl.errors.OutputError` with a Vietnamese message.

In-place edits keep a complete, synced backup first (:func:`backup`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import stat
import sys
import time
from pathlib import Path
from typing import Iterator

from .errors import NsclError, OutputError, log_detail, os_reason

#: The custom document property every workbook the toolkit writes carries ("summary", "filled",
#: "annotated"), so a later run recognises its own outputs whatever their file name.
OUTPUT_MARKER = "nscl_xl_kind"

_LIVE_TEMPS: set[Path] = set()


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) received: unwinds like Ctrl+C so every ``finally`` cleans up."""


def _cleanup_temps() -> None:
    for p in list(_LIVE_TEMPS):
        with contextlib.suppress(OSError):
            p.unlink()
        _LIVE_TEMPS.discard(p)


atexit.register(_cleanup_temps)


def install_signal_handlers() -> None:
    """Turn SIGTERM/SIGHUP into :class:`Terminated` (SIGINT already raises KeyboardInterrupt)."""

    def handler(signum, _frame):
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(sig, handler)


def output_error(exc: OSError, target: Path, what: str = "không ghi được tệp") -> OutputError:
    """An OS error while writing *target*, in Vietnamese, with what to do."""
    import errno


    hints = {
        errno.ENOSPC: "Hãy giải phóng dung lượng ổ đĩa hoặc ghi ra ổ khác.",
        errno.EDQUOT if hasattr(errno, "EDQUOT") else -1: "Hãy giải phóng dung lượng hoặc ghi ra ổ khác.",
        errno.EFBIG: "Hãy ghi ra ổ khác.",
        errno.EACCES: "Hãy chọn thư mục bạn có quyền ghi (ví dụ Tài liệu) hoặc đóng tệp đang mở trong Excel.",
        errno.EPERM: "Hãy chọn thư mục bạn có quyền ghi.",
        errno.EROFS: "Hãy ghi ra ổ khác.",
        errno.ENAMETOOLONG: "Hãy đặt tên ngắn hơn hoặc ghi vào thư mục nông hơn.",
        errno.EISDIR: "Hãy ghi rõ tên tệp, ví dụ thu_muc/ket_qua.xlsx.",
        errno.ENOTDIR: "Hãy kiểm tra lại đường dẫn (có một tệp trùng tên thư mục).",
    }
    log_detail(f"{target}: {what}: {exc!r}")
    return OutputError(f"{what} ({os_reason(exc)}).", file=str(target), rule="write-error",
                       hint=hints.get(exc.errno, "Hãy kiểm tra ổ đĩa và đường dẫn rồi thử lại."), detail=repr(exc))


def same_file(a: Path, b: Path) -> bool:
    """Whether *a* and *b* name one file: the same path spelled differently, or a symbolic or hard
    link to it (same device and inode). An output that is its input must be refused before writing."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop (Python < 3.13)
        return False


def _os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind an exception (XlsxWriter wraps it in FileCreateError).

    Only explicit wrapping counts (``raise X from os_error`` or the OSError as first argument):
    an unrelated bug raised while an OSError was being handled (``__context__``) stays a bug
    (exit 70 with its log), not a "could not write" message."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OSError):
            return exc
        arg = exc.args[0] if getattr(exc, "args", None) else None
        if isinstance(arg, OSError):
            return arg
        exc = exc.__cause__
        seen += 1
    return None


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def resolve_target(target: str | os.PathLike) -> Path:
    """The file that writing *target* must replace: a symbolic link's final target."""
    p = Path(target)
    if p.is_symlink():
        return Path(os.path.realpath(p))
    return p


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise OutputError("đường dẫn ghi ra là một thư mục, không phải tệp.", file=str(target), rule="write-error",
                          hint="Hãy ghi rõ tên tệp, ví dụ thu_muc/ket_qua.xlsx.")
    parent = target.parent
    for p in [parent, *parent.parents]:
        if p.exists():
            if not p.is_dir():
                raise OutputError(f"không tạo được thư mục chứa tệp: '{p}' là một tệp, không phải thư mục.",
                                  file=str(target), rule="write-error", hint="Hãy chọn đường dẫn khác.")
            break
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        raise OutputError("đường dẫn ghi ra không phải tệp thường (FIFO, thiết bị…).", file=str(target),
                          rule="write-error", hint="Hãy chọn tên tệp khác.")


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _new_temp(folder: Path, suffix: str) -> Path:
    """A new empty file with a short random name in *folder* (registered for cleanup)."""
    while True:
        tmp = folder / f".nscl-{os.urandom(4).hex()}{suffix}.tmp"  # = secrets.token_hex(4), no hmac import
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        _LIVE_TEMPS.add(tmp)
        return tmp


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY if sys.platform != "win32" else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it to *target*.

    A symbolic link is written through (its target is replaced). Raises
    :class:`~nscl_xl.errors.OutputError` for any OS error of the output side.
    """
    try:
        target = resolve_target(target)
        _check_target(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _new_file_mode()
        tmp = _new_temp(target.parent, target.suffix)
    except OSError as exc:
        raise output_error(exc, target) from None
    try:
        yield tmp
        os.chmod(tmp, mode)
        _fsync_file(tmp)
        os.replace(tmp, target)
        _LIVE_TEMPS.discard(tmp)
        _fsync_dir(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        _LIVE_TEMPS.discard(tmp)
        if isinstance(exc, NsclError) or not isinstance(exc, Exception):
            raise
        os_exc = _os_error_in(exc)
        if os_exc is not None:
            raise output_error(os_exc, target) from None
        raise


def backup(path: str | os.PathLike) -> Path:
    """Copy *path* to "<name>.bak-YYYYmmdd-HHMMSS<suffix>" beside it and return the copy.

    The copy is written to a temporary file, synced, then renamed: a backup that exists is
    complete. Raises :class:`~nscl_xl.errors.OutputError` (and the edit must not go on) otherwise.
    """
    import shutil

    try:
        p = resolve_target(path)
    except OSError as exc:
        raise output_error(exc, Path(path), "không tạo được bản sao lưu; tệp gốc chưa bị sửa") from None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = p.with_name(f"{p.stem}.bak-{stamp}{p.suffix}")
    n = 1
    while dest.exists():
        dest = p.with_name(f"{p.stem}.bak-{stamp}-{n}{p.suffix}")
        n += 1
    tmp = None
    try:
        tmp = _new_temp(p.parent, p.suffix)
        shutil.copyfile(p, tmp)
        shutil.copystat(p, tmp)
        if os.path.getsize(tmp) != os.path.getsize(p):
            raise OSError(5, "short copy")
        _fsync_file(tmp)
        os.replace(tmp, dest)
        _LIVE_TEMPS.discard(tmp)
        _fsync_dir(p.parent)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
            _LIVE_TEMPS.discard(tmp)
        raise output_error(exc, dest, "không tạo được bản sao lưu; tệp gốc chưa bị sửa") from None
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
            _LIVE_TEMPS.discard(tmp)
        raise
    return dest

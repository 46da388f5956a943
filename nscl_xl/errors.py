"""Errors users see: Vietnamese text, the file (and sheet/cell) it concerns, a stable code.

Every failure the toolkit reports to a person goes through :class:`NsclError`; the CLI
prints ``str(error)`` and exits with ``error.exit_code``, the Excel buttons show it in a
message box. Nothing else should reach a user as a traceback.

Exit codes (the one table; the README documents it): 0 success; 1 findings at the ``--fail-on``
level; 2 an input could not be read or the request is not possible; 3 consolidate skipped some
files or found two plans in conflict; 4 an output could not be written; 5 nothing was checked
(verify) or no amount read (consolidate); 70 an internal error (a bug: the traceback is in the
log file named in the message); 130 interrupted (Ctrl+C or a termination signal).

Third-party error text (English: calamine's "Cfb error…", an OS error string) never goes into a
message: it is kept in :attr:`NsclError.detail` and written to the log (:func:`log_detail`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_SKIPPED = 3
EXIT_OUTPUT = 4
EXIT_NOTHING_CHECKED = 5
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class NsclError(Exception):
    """A failure with a user-facing Vietnamese message."""

    exit_code = EXIT_INPUT
    rule = "error"

    def __init__(self, message: str, *, file: str = "", sheet: str = "", cell: str = "", hint: str = "",
                 rule: str | None = None, detail: str = ""):
        self.message = message
        self.file = file
        self.sheet = sheet
        self.cell = cell
        self.hint = hint
        self.detail = detail  # third-party/English detail: for the log, never shown
        if rule:
            self.rule = rule
        super().__init__(str(self))

    def __reduce__(self):  # crosses process boundaries (consolidate's pool) with every field
        return (_rebuild, (type(self), self.message, self.file, self.sheet, self.cell, self.hint, self.rule,
                           self.detail))

    def __str__(self) -> str:
        where = "!".join(p for p in (self.file, self.sheet, self.cell) if p)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} {self.hint}".strip() if self.hint else text


def _rebuild(cls, message, file, sheet, cell, hint, rule, detail):
    return cls(message, file=file, sheet=sheet, cell=cell, hint=hint, rule=rule, detail=detail)


class ReadError(NsclError):
    """An input file cannot be read (not a workbook, encrypted, corrupt, too large)."""

    rule = "read-error"


class NoBudgetTable(NsclError):
    """A workbook or sheet holds no budget table the reader recognises."""

    rule = "no-table"


class UsageError(NsclError):
    """The request itself cannot be done (no period to fill, unknown sheet…)."""

    rule = "usage"


class OutputError(NsclError):
    """An output (or a backup) could not be written: disk full, no permission, bad path…"""

    exit_code = EXIT_OUTPUT
    rule = "write-error"


def os_reason(exc: OSError) -> str:
    """An OS error in Vietnamese (the English strerror goes to the log)."""
    import errno

    reasons = {
        errno.ENOENT: "không tồn tại", errno.EACCES: "không có quyền truy cập", errno.EPERM: "không có quyền",
        errno.ENOSPC: "ổ đĩa đã đầy", errno.EROFS: "ổ đĩa chỉ cho đọc", errno.ENAMETOOLONG: "tên hoặc đường dẫn quá dài",
        errno.EISDIR: "đây là một thư mục", errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
        errno.EFBIG: "tệp vượt giới hạn kích thước", errno.EIO: "lỗi đọc/ghi thiết bị",
        errno.EBUSY: "tệp đang được dùng", errno.EEXIST: "đã tồn tại", errno.EINVAL: "tên không hợp lệ",
        getattr(errno, "EDQUOT", -1): "vượt hạn mức dung lượng", errno.EXDEV: "khác ổ đĩa",
        errno.ELOOP: "liên kết tượng trưng lặp vòng", errno.EMFILE: "mở quá nhiều tệp",
    }
    if getattr(exc, "winerror", None) == 32:
        return "tệp đang mở trong chương trình khác (Excel?)"
    return reasons.get(exc.errno, f"lỗi hệ thống số {exc.errno}")


# --- log file ----------------------------------------------------------------------------------------

MAX_LOG_BYTES = 1024 * 1024


def log_dir() -> Path:
    """Where logs go: %LOCALAPPDATA%\\nscl-xl on Windows, $XDG_CACHE_HOME/nscl-xl or ~/.cache/nscl-xl
    elsewhere; the temp folder when none of these can be written."""
    override = os.environ.get("NSCL_XL_LOG_DIR")
    if override:
        candidates = [Path(override)]
    elif sys.platform == "win32":
        candidates = [Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "nscl-xl"]
    else:
        candidates = [Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nscl-xl"]
    candidates.append(Path(tempfile.gettempdir()) / "nscl-xl")
    for d in candidates:
        try:
            d.mkdir(parents=True, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    return Path(tempfile.gettempdir())


def log_detail(text: str, *, new_file: bool = False) -> Path | None:
    """Append *text* (a traceback, a library's English error) to the log; return the log's path.

    With *new_file* the text goes to a file of its own (an internal error the user is asked to send).
    Never raises: a log that cannot be written is not worth a second failure.
    """
    try:
        d = log_dir()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        if new_file:
            path = d / f"loi-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
        else:
            path = d / "nscl-xl.log"
            if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
                os.replace(path, path.with_suffix(".log.1"))
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"[{stamp} pid {os.getpid()}] {text.rstrip()}\n")
        return path
    except Exception:  # pragma: no cover - the disk that holds the log is the problem itself
        return None

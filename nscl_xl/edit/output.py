"""Writing an edited workbook: atomically (nscl_xl.safe_write), and every operating-system
failure becomes a Vietnamese message naming the output and what to do (never a traceback)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Callable, TypeVar

from .package import EditError

T = TypeVar("T")


class OutputError(EditError):
    """The output file cannot be written (folder, permissions, disk, name)."""

    rule = "output-error"


def _safely(test: Callable[[], bool]) -> bool:
    try:
        return test()
    except (OSError, ValueError):
        return False


def output_error(exc: OSError, path: Path) -> OutputError:
    if exc.errno == errno.ENAMETOOLONG:
        why = "tên hoặc đường dẫn tệp kết quả quá dài; hãy chọn tên ngắn hơn"
    elif isinstance(exc, IsADirectoryError) or _safely(path.is_dir):
        why = "đường dẫn kết quả là một thư mục; hãy ghi rõ tên tệp .xlsx/.xlsm"
    elif isinstance(exc, NotADirectoryError) or exc.errno == errno.ENOTDIR or \
            any(_safely(p.is_file) for p in path.parents):
        why = "thư mục chứa tệp kết quả không tạo được: một phần của đường dẫn là một tệp; hãy chọn thư mục khác"
    elif isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "không có quyền ghi vào thư mục này (hoặc tệp đang mở trong Excel); hãy đóng tệp hoặc chọn thư mục khác"
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "ổ đĩa đã đầy; hãy giải phóng dung lượng hoặc ghi sang ổ khác (tệp gốc không bị sửa)"
    else:
        why = f"không ghi được tệp kết quả (lỗi hệ thống số {exc.errno})"
    return OutputError(why + ".", file=str(path))


def write_atomically(out: Path, write: Callable[[Path], T]) -> T:
    """Run write(temporary path) and rename the result to *out*; nothing is left on failure."""
    from ..safe_write import atomic_path

    try:
        with atomic_path(out) as tmp:
            return write(tmp)
    except OSError as exc:
        raise output_error(exc, out) from exc

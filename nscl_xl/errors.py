"""Errors users see: Vietnamese text, the file (and sheet/cell) it concerns, a stable code.

Every failure the toolkit reports to a person goes through :class:`NsclError`; the CLI
prints ``str(error)`` and exits with ``error.exit_code``, the Excel buttons show it in a
message box. Nothing else should reach a user as a traceback.
"""

from __future__ import annotations


class NsclError(Exception):
    """A failure with a user-facing Vietnamese message."""

    exit_code = 2
    rule = "error"

    def __init__(self, message: str, *, file: str = "", sheet: str = "", cell: str = "", hint: str = ""):
        self.message = message
        self.file = file
        self.sheet = sheet
        self.cell = cell
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = "!".join(p for p in (self.file, self.sheet, self.cell) if p)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} {self.hint}".strip() if self.hint else text


class ReadError(NsclError):
    """An input file cannot be read (not a workbook, encrypted, corrupt, too large)."""

    rule = "read-error"


class NoBudgetTable(NsclError):
    """A workbook or sheet holds no budget table the reader recognises."""

    rule = "no-table"


class UsageError(NsclError):
    """The request itself cannot be done (no period to fill, unknown sheet…)."""

    rule = "usage"

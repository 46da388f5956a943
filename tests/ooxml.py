"""The Open XML SDK's validator (what Excel's own file checks are modelled on), run from
Python: the PyPI wheel python-redlines-docxodus bundles DocumentFormat.OpenXml with a
self-contained .NET runtime; pythonnet (clr_loader) hosts that runtime in this process.

:func:`validate` returns the SDK's errors for a package (schema, semantic and package-level:
parts, relationships, content types — customUI parts against the customUI schema included);
an empty list means Excel would open the file without a repair prompt as far as the SDK can
tell. The runtime is started once per test session.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import re
import tarfile
import tempfile
from pathlib import Path


@functools.lru_cache(maxsize=None)
def _runtime_dir() -> Path:
    import python_redlines_docxodus

    arch = {"x86_64": "x64", "AMD64": "x64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    system = {"Linux": "linux", "Darwin": "osx", "Windows": "win"}[platform.system()]
    archive = Path(python_redlines_docxodus.__file__).parent / "_binaries" / f"{system}-{arch}.tar.gz"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"nscl-openxml-sdk-{digest}"
    if not (target / "DocumentFormat.OpenXml.dll").exists():
        stage = Path(tempfile.mkdtemp(prefix="nscl-openxml-", dir=tempfile.gettempdir()))
        with tarfile.open(archive) as tar:
            tar.extractall(stage, filter="data")
        try:
            os.replace(stage, target)
        except OSError:  # another process got there first
            pass
    return target


@functools.lru_cache(maxsize=None)
def _validator():
    from clr_loader import get_coreclr
    from pythonnet import set_runtime

    root = _runtime_dir()
    # Culture data is not needed to validate XML: run without libicu where a machine lacks it.
    os.environ.setdefault("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
    set_runtime(get_coreclr(dotnet_root=root, entry_dll=root / "redline.dll"))
    import clr

    clr.AddReference(str(root / "DocumentFormat.OpenXml.Framework.dll"))
    clr.AddReference(str(root / "DocumentFormat.OpenXml.dll"))
    from DocumentFormat.OpenXml import FileFormatVersions
    from DocumentFormat.OpenXml.Packaging import SpreadsheetDocument
    from DocumentFormat.OpenXml.Validation import OpenXmlValidator

    return SpreadsheetDocument, OpenXmlValidator(FileFormatVersions.Microsoft365)


#: Children of a SpreadsheetML <font>. ECMA-376 Part 1 (sml.xsd) declares CT_Font as
#: <xsd:choice maxOccurs="unbounded">: any order is valid, and Excel opens such files (openpyxl
#: writes name, b, color, sz… in its own order). The SDK checks them as a fixed sequence (the
#: order Excel itself writes), so that single report is the SDK's strictness, not a repair.
_FONT_CHILDREN = {"b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color",
                  "name", "family", "charset", "scheme"}
_FONT_ORDER = re.compile(r"x:font\[\d+\]$")
_UNEXPECTED = re.compile(r"unexpected child element '[^']*:(\w+)'")


def _font_order_only(error) -> bool:
    xpath = error.Path.XPath if error.Path else ""
    m = _UNEXPECTED.search(error.Description or "")
    return (error.Id == "Sch_UnexpectedElementContentExpectingComplex" and bool(_FONT_ORDER.search(xpath))
            and m is not None and m.group(1) in _FONT_CHILDREN)


def validate(path: Path, *, strict_font_order: bool = False) -> list[str]:
    """The SDK's errors for the workbook package at *path*, one line each (part, path, id,
    text); the SDK's font-child-order report left out unless *strict_font_order*."""
    spreadsheet, validator = _validator()
    doc = spreadsheet.Open(str(path), False)
    try:
        return [f"{e.Part.Uri if e.Part else ''} {e.Path.XPath if e.Path else ''}: {e.Id}: {e.Description}"
                for e in validator.Validate(doc) if strict_font_order or not _font_order_only(e)]
    finally:
        doc.Dispose()

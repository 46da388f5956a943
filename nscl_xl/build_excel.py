"""Build the Excel side from the sources in ``macros/``, reproducibly, without Excel.

* ``nscl.xlam`` — an add-in with an "NSCL" ribbon tab (``macros/customUI.xml``) whose buttons
  call ``NSCL_Ribbon`` (``macros/NSCL.bas``), which dispatches on the button's tag;
* ``mau_du_toan_nscl.xlsm`` — the blank budget template with the same buttons on the sheet,
  each bound to a parameterless Sub.

Both embed a VBA project made of ``NSCL.bas`` and xlwings' own module (for ``RunPython``),
in the flavour each needs, as ``xlwings quickstart`` does: the add-in gets
``xlwings_custom_addin.bas`` (the caller is the *active* workbook — the budget the clerk has
open — and its settings live in ``%USERPROFILE%\\.nscl\\nscl.conf``), the template gets
``xlwings.bas`` (the caller is the template itself). :func:`module_flavour` reads the flavour
back from the module text and the build refuses a mismatch. The project is written by ms-ovba; its compressor is replaced for the build by
:func:`nscl_xl.ovba.compress` (ms-ovba-compression ≤ 1.0.1 corrupts modules longer than
about 600 bytes). Fixed document dates make the output byte-for-byte reproducible.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Callable

def _macros_dir() -> Path:
    """The VBA, ribbon and Lite sources: top-level ``macros/`` in a source checkout, shipped as
    ``nscl_xl/excel/macros`` by ``pip install`` (setup.cfg's package_dir)."""
    here = Path(__file__).resolve().parent
    installed, checkout = here / "excel" / "macros", here.parent / "macros"
    return installed if (installed / "NSCL.bas").is_file() else checkout


MACROS = _macros_dir()
FIXED_DATE = dt.datetime(2026, 1, 1)
PROJECT_ID = "{5B1E2C7A-4D0F-4E8B-9A61-0C3D7E2F9B14}"
SHEET_BUTTONS = [("NSCL_DienNam", "Điền năm"), ("NSCL_KiemTra", "Kiểm tra"), ("NSCL_BangChu", "Bằng chữ"),
                 ("NSCL_TongHop", "Tổng hợp thư mục")]
DOC_GUID_SHEET = "0002082000000000C000000000000046"
DOC_GUID_BOOK = "0002081900000000C000000000000046"


#: The add-in's project name: xlwings' custom add-in module reads its settings from
#: ``%USERPROFILE%\\.<name>\\<name>.conf`` and a ``<name>.conf`` sheet (``quickstart --addin``
#: writes the project name in place of the module's "myaddin").
ADDIN_PROJECT = "nscl"
ADDIN, WORKBOOK = "addin", "workbook"
_FLAVOUR_FILES = {ADDIN: "xlwings_custom_addin.bas", WORKBOOK: "xlwings.bas"}


def xlwings_module(flavour: str) -> str:
    """xlwings' VBA module in *flavour* (ADDIN or WORKBOOK), as shipped with the installed xlwings."""
    import xlwings

    text = (Path(xlwings.__file__).parent / _FLAVOUR_FILES[flavour]).read_text(encoding="ascii")
    if flavour == ADDIN:
        text = text.replace('PROJECT_NAME As String = "myaddin"', f'PROJECT_NAME As String = "{ADDIN_PROJECT}"')
    return text


def module_flavour(source: str) -> str:
    """Which book xlwings' module hands Python as the caller: ADDIN (the active workbook) or
    WORKBOOK (the book holding the code), read from the ``--wb=`` argument RunPython builds and
    the caller it sets for the UDF server. Anything else is an error: the build must know."""
    wb = re.findall(r'" --wb=" & """" & (\w+)\.Name', source)
    caller = re.findall(r'"BOOK_CALLER", (\w+)\s*$', source, re.M)
    kinds = set(wb) | set(caller)
    if kinds == {"ActiveWorkbook"}:
        return ADDIN
    if kinds == {"ThisWorkbook"}:
        return WORKBOOK
    raise ValueError(f"cannot tell the flavour of this xlwings module (callers: {sorted(kinds) or 'none'})")


def macro_sources(flavour: str = WORKBOOK) -> dict[str, str]:
    """Standard modules of the project: ours and xlwings' in *flavour* (ASCII, CRLF)."""
    ours = (MACROS / "NSCL.bas").read_text(encoding="ascii")
    theirs = xlwings_module(flavour)
    found = module_flavour(theirs)
    if found != flavour:
        raise RuntimeError(f"xlwings module {_FLAVOUR_FILES[flavour]} is of the {found} flavour, expected {flavour}")
    return {"NSCL": ours, "xlwings": theirs}


@contextlib.contextmanager
def _ovba_build():
    """For one build: the correct compressor, and a seeded random source — ms-ovba-crypto
    draws the seed of the PROJECT stream's obfuscated fields (CMG, DPB, GC) from the global
    ``random`` module, which would make every build differ."""
    import random

    from ms_ovba_compression.ms_ovba import MsOvba

    from .ovba import compress

    import gc
    import warnings

    original, state = MsOvba.compress, random.getstate()
    MsOvba.compress = lambda self, data: compress(bytes(data))
    random.seed(PROJECT_ID)
    try:
        # ms-ovba leaves the files it writes to be closed by the garbage collector: close them
        # here, quietly. (Were that ResourceWarning an error, as under ``-W error``, the
        # collector would skip the flush and the project would lose bytes.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            yield
            gc.collect()
    finally:
        MsOvba.compress = original
        random.setstate(state)


def _doc_module(name: str, guid: str):
    from ms_ovba.Models.Entities.doc_module import DocModule

    module = DocModule(name)
    return module, guid, (f'VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  \'True\r\nEND\r\nAttribute VB_Name = "{name}"\r\n'
                          "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
                          "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n")


def vba_project(sheets: list[str], flavour: str = WORKBOOK) -> bytes:
    """vbaProject.bin with document modules ThisWorkbook and Sheet1..N and our standard modules
    (xlwings' in *flavour*)."""
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.Models.Fields.libid_reference import LibidReference
    from ms_ovba.Views.project_ole_file import ProjectOleFile
    from ms_ovba.vbaProject import VbaProject

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="nscl-vba-") as tmp, _ovba_build():
        os.chdir(tmp)  # ms-ovba writes its intermediate streams into the working folder
        try:
            project = VbaProject()
            project.project_id = PROJECT_ID
            docs = [("ThisWorkbook", DOC_GUID_BOOK)] + [(f"Sheet{i}", DOC_GUID_SHEET) for i in range(1, len(sheets) + 1)]
            for name, guid in docs:
                module, guid, text = _doc_module(name, guid)
                path = Path(tmp) / f"{name}.cls"
                path.write_bytes(text.encode("ascii"))
                module.add_file(str(path))
                module.add_guid(uuid.UUID(guid))
                module.normalize_file()
                project.add_module(module)
            for name, source in macro_sources(flavour).items():
                path = Path(tmp) / f"{name}.bas"
                path.write_bytes(source.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii"))
                module = StdModule(name)
                module.add_file(str(path))
                module.normalize_file()
                project.add_module(module)
            for libid, version, path, label, name in [
                ("0002043000000000C000000000000046", "2.0", r"C:\Windows\System32\stdole2.tlb", "OLE Automation",
                 "stdole"),
                ("2DF8D04C5BFA101BBDE500AA0044DE52", "2.0",
                 r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL",
                 "Microsoft Office 16.0 Object Library", "Office")]:
                ref = ReferenceRegistered(LibidReference(uuid.UUID(libid), version, "0", path, label))
                project.add_reference(Reference(ref, name))
            ProjectOleFile.write_file(project)
            return (Path(tmp) / "vbaProject.bin").read_bytes()
        finally:
            os.chdir(cwd)


def write_template(path: Path, vba: Path | None = None, with_buttons: bool = False,
                   settings: dict[str, str] | None = None) -> None:
    """The blank period-plan template; with *vba* (and buttons) it is the macro-enabled copy.
    ``tools/build_workbooks.py`` writes ``workbooks/mau/`` with this too: one layout.
    *settings* become a ``nscl.conf`` sheet, where xlwings' add-in module looks first (as
    text in cells, so a path with Vietnamese letters survives, unlike the ANSI settings file)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    wb.set_properties({"title": "Mẫu dự toán kinh phí Chương trình NSCL", "author": "nscl-xl", "created": FIXED_DATE})
    if vba is not None:
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(str(vba))
    base = {"font_name": "Times New Roman", "font_size": 12, "valign": "vcenter", "text_wrap": True}
    title = wb.add_format({**base, "bold": True, "align": "center", "font_size": 13})
    italic = wb.add_format({**base, "italic": True, "align": "center"})
    head = wb.add_format({**base, "bold": True, "align": "center", "border": 1})
    cell = wb.add_format({**base, "border": 1})
    money = wb.add_format({**base, "border": 1, "num_format": '#,##0;-#,##0;"-"'})
    years = list(range(2026, 2031))
    ws = wb.add_worksheet("Dự toán")
    n = 6 + len(years) + 3
    ws.merge_range(0, 0, 0, n - 1, "Phụ lục", title)
    ws.merge_range(1, 0, 1, n - 1, "DỰ TOÁN KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH QUỐC GIA HỖ TRỢ DOANH NGHIỆP NÂNG CAO NĂNG "
                   "SUẤT VÀ CHẤT LƯỢNG SẢN PHẨM, HÀNG HÓA TRÊN ĐỊA BÀN TỈNH ......... GIAI ĐOẠN 2026 - 2030", title)
    ws.merge_range(2, 0, 2, n - 1, "(Kèm theo Kế hoạch số        /KH-UBND ngày     /     /20.... của Ủy ban nhân dân "
                   "tỉnh .........)", italic)
    ws.write_string(4, n - 4, "Đơn vị tính: Triệu đồng", wb.add_format({**base, "italic": True}))
    for c, label in enumerate(["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí"]):
        ws.merge_range(5, c, 6, c, label, head)
    ws.merge_range(5, 6, 5, 5 + len(years), "Dự toán kinh phí", head)
    for i, y in enumerate(years):
        ws.write_number(6, 6 + i, y, head)
    for j, label in enumerate(["Đơn vị chủ trì", "Nhóm hoạt động", "Ghi chú"]):
        ws.merge_range(5, 6 + len(years) + j, 6, 6 + len(years) + j, label, head)
    for r in range(7, 13):
        for c in range(n):
            ws.write_blank(r, c, None, money if 3 <= c < 6 + len(years) else cell)
    ws.write_string(13, 1, "Tổng cộng", head)
    for c, w in enumerate([6, 60, 8, 9, 10, 12] + [10] * len(years) + [22, 16, 16]):
        ws.set_column(c, c, w)
    ws.freeze_panes(7, 2)
    ws.repeat_rows(5, 6)
    ws.set_landscape()
    ws.set_paper(9)
    if with_buttons:
        for i, (macro, caption) in enumerate(SHEET_BUTTONS):
            ws.insert_button(15, 1 + i * 2 if i else 1, {"macro": macro, "caption": caption, "width": 130, "height": 30,
                                                         "x_offset": 0 if i == 0 else 0})
    info = wb.add_worksheet("Thông tin")
    if vba is not None:
        ws.set_vba_name("Sheet1")
        info.set_vba_name("Sheet2")
    bold = wb.add_format({**base, "bold": True})
    for r, key in enumerate(["Tỉnh", "Tên kế hoạch", "Loại kế hoạch", "Giai đoạn", "Số kế hoạch", "Ngày ban hành",
                             "Đơn vị tính", "Tổng kinh phí (triệu đồng)"], start=2):
        info.write_string(r, 0, key, bold)
    info.write_string(4, 1, "Giai đoạn")
    info.write_string(5, 1, "2026 - 2030")
    info.write_string(8, 1, "Triệu đồng")
    info.set_column(0, 0, 40)
    info.set_column(1, 1, 80)
    if settings:
        conf = wb.add_worksheet(f"{ADDIN_PROJECT}.conf")
        conf.set_vba_name("Sheet3")
        for r, (key, value) in enumerate(settings.items()):
            conf.write_string(r, 0, key)
            conf.write_string(r, 1, value)
        conf.set_column(0, 1, 60)
    wb.close()


_CUSTOM_UI_REL = ('<Relationship Id="rIdNsclUI" Type="http://schemas.microsoft.com/office/2007/relationships/ui/'
                  'extensibility" Target="customUI/customUI14.xml"/>')
_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_XLAM_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"


def repack(src: Path, dst: Path, *, addin: bool = False, ribbon: bytes | None = None,
           edits: dict[str, Callable[[bytes], bytes]] | None = None) -> None:
    """Rewrite a package with fixed zip timestamps (so rebuilding changes no byte), applying
    *edits* to named parts, and for the add-in its content type and ribbon part."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if edits and info.filename in edits:
                data = edits[info.filename](data)
            if addin and info.filename == "[Content_Types].xml":
                data = data.replace(_XLSM_MAIN.encode(), _XLAM_MAIN.encode())
            if ribbon is not None and info.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", _CUSTOM_UI_REL.encode() + b"</Relationships>")
            zout.writestr(zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0)), data,
                          compress_type=zipfile.ZIP_DEFLATED)
        if ribbon is not None:
            zout.writestr(zipfile.ZipInfo("customUI/customUI14.xml", date_time=(2026, 1, 1, 0, 0, 0)), ribbon,
                          compress_type=zipfile.ZIP_DEFLATED)


def build(out_dir: str | os.PathLike, settings: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Write nscl.xlam and mau_du_toan_nscl.xlsm into *out_dir* (atomically); return their paths.
    *settings* (xlwings keys such as INTERPRETER_WIN) go into the add-in's ``nscl.conf`` sheet."""
    from .safe_write import atomic_path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ribbon = (MACROS / "customUI.xml").read_bytes()
    with tempfile.TemporaryDirectory(prefix="nscl-build-") as tmp:
        results = []
        for name, flavour, buttons, ui in [("nscl.xlam", ADDIN, False, ribbon),
                                           ("mau_du_toan_nscl.xlsm", WORKBOOK, True, None)]:
            vba = Path(tmp) / f"vbaProject-{flavour}.bin"
            conf = settings if flavour == ADDIN else None
            sheets = ["Dự toán", "Thông tin"] + ([f"{ADDIN_PROJECT}.conf"] if conf else [])
            vba.write_bytes(vba_project(sheets, flavour))
            stage = Path(tmp) / (name + ".stage.xlsm")
            write_template(stage, vba, with_buttons=buttons, settings=conf)
            with atomic_path(out / name) as final:
                repack(stage, final, addin=flavour == ADDIN, ribbon=ui)
            results.append(out / name)
    return results[0], results[1]

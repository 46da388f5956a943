"""The Excel side built from macros/: VBA source survives the round trip, every button names
an existing Sub, every RunPython target exists, the build is reproducible, LibreOffice imports it."""

from __future__ import annotations

import importlib
from pathlib import Path
import re
import subprocess
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from nscl_xl.build_excel import (ADDIN, ADDIN_PROJECT, MACROS, SHEET_BUTTONS, WORKBOOK, build, macro_sources,
                                 module_flavour, xlwings_module)
from nscl_xl.cli import main
from nscl_xl.ovba import compress

from .lo import convert


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=20_000) | st.text(alphabet="ab \r\nSubEnd()\"x=1", max_size=20_000).map(str.encode))
def test_compression_round_trips_through_oletools(data):
    assert bytes(decompress_stream(bytearray(compress(data)))) == data


def test_long_module_survives_where_ms_ovba_compression_fails():
    from ms_ovba_compression.ms_ovba import MsOvba

    source = macro_sources()["xlwings"].encode("ascii")  # 46 KB
    assert bytes(decompress_stream(bytearray(compress(source)))) == source
    broken = bytes(decompress_stream(bytearray(MsOvba().compress(source))))
    assert broken != source  # the upstream bug this module exists for (DOMAIN.md §4)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dist"))


def _subs(source: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"(?im)^\s*(?:Public\s+)?Sub\s+(\w+)\s*\(([^)]*)\)", source)}


def _extracted(path) -> dict[str, str]:
    return {name.rsplit(".", 1)[0]: code.replace("\r\n", "\n").strip()
            for _, _, name, code in VBA_Parser(str(path)).extract_macros()}


def test_vba_sources_read_back_identical(built):
    for path, flavour in zip(built, (ADDIN, WORKBOOK)):
        got = _extracted(path)
        for name, source in macro_sources(flavour).items():
            assert got[name] == source.replace("\r\n", "\n").strip(), (path.name, name)
        assert {"ThisWorkbook", "Sheet1", "Sheet2"} <= set(got)


def test_addin_acts_on_the_active_workbook_template_on_itself(built):
    """Read back with oletools from the files: the add-in embeds xlwings' add-in module (the
    caller is the active workbook, settings under the project name), the template xlwings'
    workbook module (the caller is the template)."""
    addin, template = (_extracted(p)["xlwings"] for p in built)
    assert module_flavour(addin) == ADDIN and module_flavour(template) == WORKBOOK
    assert "Set wb = ActiveWorkbook" in addin and f'PROJECT_NAME As String = "{ADDIN_PROJECT}"' in addin
    assert '" --wb=" & """" & ThisWorkbook.Name' in template and 'PROJECT_NAME As String = "xlwings"' in template
    # the module xlwings ships for add-ins is the one quickstart --addin uses, byte for byte but the name
    import xlwings

    shipped = (Path(xlwings.__file__).parent / "xlwings_custom_addin.bas").read_text(encoding="ascii")
    assert addin == shipped.replace('"myaddin"', f'"{ADDIN_PROJECT}"').replace("\r\n", "\n").strip()


def test_flavour_check_refuses_what_it_cannot_tell():
    with pytest.raises(ValueError):
        module_flavour("Attribute VB_Name = \"xlwings\"\n")
    mixed = xlwings_module(WORKBOOK).replace('"BOOK_CALLER", ThisWorkbook', '"BOOK_CALLER", ActiveWorkbook')
    with pytest.raises(ValueError):
        module_flavour(mixed)


def test_addin_settings_sheet(tmp_path):
    """install-addin's INTERPRETER_WIN goes into a nscl.conf sheet of the add-in, where xlwings'
    add-in module looks first (GetConfigFromSheet(ThisWorkbook)): cells keep Vietnamese letters."""
    import openpyxl

    exe = r"C:\Users\Nguyễn Văn Ánh\AppData\Local\Programs\Python\Python311\python.exe"
    addin, _ = build(tmp_path, settings={"INTERPRETER_WIN": exe})
    as_xlsm = tmp_path / "addin_as.xlsm"  # openpyxl does not open add-ins: the same package, workbook type
    with zipfile.ZipFile(addin) as zin, zipfile.ZipFile(as_xlsm, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data.replace(b"addin.macroEnabled.main", b"sheet.macroEnabled.main"))
    wb = openpyxl.load_workbook(as_xlsm)
    conf = wb[f"{ADDIN_PROJECT}.conf"]
    assert [[c.value for c in row] for row in conf.iter_rows()] == [["INTERPRETER_WIN", exe]]
    assert f'Sheets(PROJECT_NAME & ".conf")' in xlwings_module(ADDIN)
    assert "Sheet3" in _extracted(addin)


def test_sources_are_ascii():
    for path in MACROS.glob("*.bas"):
        path.read_bytes().decode("ascii")


def test_ribbon_icons_are_excel_control_ids():
    """imageMso ids come from Microsoft's published Excel control list (rows copied, with the
    source, into macros/excel_control_ids.csv)."""
    import csv

    text = (MACROS / "excel_control_ids.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    known = {r["control_name"] for r in rows}
    assert all(r["policy_id"].isdigit() for r in rows)
    used = re.findall(r'imageMso="(\w+)"', (MACROS / "customUI.xml").read_text(encoding="utf-8"))
    assert len(used) == 4 and set(used) <= known
    for wrong in ("TableInsert", "ConsolidateMenu", "ReviewAcceptChange", "TextBoxInsert"):  # not Excel ids
        assert wrong not in known


def test_ribbon_buttons_call_the_dispatcher_with_known_tags(built):
    addin = built[0]
    with zipfile.ZipFile(addin) as z:
        ui = z.read("customUI/customUI14.xml").decode("utf-8")
        rels = z.read("_rels/.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    assert "customUI/customUI14.xml" in rels and "addin.macroEnabled.main+xml" in types
    subs = _subs(macro_sources(ADDIN)["NSCL"])
    buttons = re.findall(r'<button [^>]*onAction="(\w+)"[^>]*tag="(\w+)"', ui)
    assert len(buttons) == 4
    nscl = macro_sources()["NSCL"]
    for action, tag in buttons:
        assert subs[action] == "control As IRibbonControl"  # the ribbon callback signature
        case = re.search(rf'Case "{tag}":\s*(\w+)', nscl)
        assert case and subs[case.group(1)] == ""  # dispatches to a parameterless Sub


def test_sheet_buttons_name_parameterless_subs(built):
    template = built[1]
    with zipfile.ZipFile(template) as z:
        vml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".vml"))
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert macros == [m for m, _ in SHEET_BUTTONS]
    subs = _subs(macro_sources()["NSCL"])
    assert all(subs[m] == "" for m in macros)


def test_runpython_targets_exist():
    calls = re.findall(r'RunPython "import ([\w.]+) as x; x\.(\w+)\(\)"', macro_sources()["NSCL"])
    assert len(calls) == 4
    for module, function in calls:
        assert callable(getattr(importlib.import_module(module), function))


def test_build_is_reproducible(built, tmp_path):
    again = build(tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in built]


def test_libreoffice_imports_modules_and_binds_buttons(built, soffice, tmp_path):
    ods = convert(soffice, built[1], tmp_path, "ods", recalc=False)
    with zipfile.ZipFile(ods) as z:
        names = z.namelist()
        nscl = z.read("Basic/VBAProject/NSCL.xml").decode("utf-8")
        content = z.read("content.xml").decode("utf-8")
    assert "Basic/VBAProject/xlwings.xml" in names
    assert all(f"Sub {m}" in nscl for m, _ in SHEET_BUTTONS)
    bound = re.findall(r"vnd\.sun\.star\.script:VBAProject\.NSCL\.(\w+)\?", content)
    assert bound == [m for m, _ in SHEET_BUTTONS]


def test_cli_build_excel(tmp_path):
    res = CliRunner().invoke(main, ["build-excel", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0 and (tmp_path / "out" / "nscl.xlam").exists()
    assert (tmp_path / "out" / "lite" / "requirements.txt").exists()

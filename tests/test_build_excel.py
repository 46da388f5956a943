"""The Excel side built from macros/: VBA source survives the round trip, every button names
an existing Sub, every RunPython target exists, the build is reproducible, LibreOffice imports it."""

from __future__ import annotations

import importlib
import re
import subprocess
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from nscl_xl.build_excel import MACROS, SHEET_BUTTONS, build, macro_sources
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


def test_vba_sources_read_back_identical(built):
    sources = macro_sources()
    for path in built:
        got = {name.rsplit(".", 1)[0]: code for _, _, name, code in VBA_Parser(str(path)).extract_macros()}
        for name, source in sources.items():
            assert got[name].replace("\r\n", "\n").strip() == source.replace("\r\n", "\n").strip(), (path.name, name)
        assert {"ThisWorkbook", "Sheet1", "Sheet2"} <= set(got)


def test_sources_are_ascii():
    for path in MACROS.glob("*.bas"):
        path.read_bytes().decode("ascii")


def test_ribbon_buttons_call_the_dispatcher_with_known_tags(built):
    addin = built[0]
    with zipfile.ZipFile(addin) as z:
        ui = z.read("customUI/customUI14.xml").decode("utf-8")
        rels = z.read("_rels/.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    assert "customUI/customUI14.xml" in rels and "addin.macroEnabled.main+xml" in types
    subs = _subs(macro_sources()["NSCL"])
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
    calls = re.findall(r'RunPython "import ([\w.]+) as x; x\.(\w+)\(', macro_sources()["NSCL"])
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

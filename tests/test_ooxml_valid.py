"""Excel would not repair any file the toolkit writes: every package passes the Open XML SDK
validator (tests/ooxml.py) — the add-in, the template, and the summary, annotated and filled
copies, from .xlsx and .xlsm inputs."""

from __future__ import annotations

import os
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from nscl_xl.build_excel import build
from nscl_xl.cli import main

from .conftest import WORKBOOKS


@pytest.fixture(scope="module")
def sdk():
    try:
        from .ooxml import validate
        validate  # noqa: B018 - imported lazily: pythonnet starts a runtime
        import clr_loader  # noqa: F401
        import python_redlines_docxodus  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the Open XML SDK validator is required on CI (pip install -e .[test]): {exc}")
        pytest.skip(f"Open XML SDK validator not installed: {exc}")
    return validate


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dist"))


def test_the_validator_catches_a_broken_ribbon(sdk, built, tmp_path):
    """The check can fail: an attribute the customUI schema does not allow is reported."""
    bad = tmp_path / "bad.xlam"
    with zipfile.ZipFile(built[0]) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "customUI/customUI14.xml":
                data = data.replace(b'size="large"', b'size="huge"', 1)
            zout.writestr(info, data)
    errors = sdk(bad)
    assert len(errors) == 1 and "customUI14.xml" in errors[0] and "'huge'" in errors[0]


def test_addin_and_template_are_valid(sdk, built, tmp_path):
    for path in built:
        assert sdk(path) == [], path.name
    installed, _ = build(tmp_path, settings={"INTERPRETER_WIN": r"C:\Users\Nguyễn Văn Ánh\python.exe"})
    assert sdk(installed) == []  # the add-in install-addin writes, with its nscl.conf sheet


def _cli(*args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


@pytest.mark.parametrize("name", ["soc_trang_2021_2030.xlsx", "kien_giang_2024.xlsx", "dong_thap_2021_2030.xlsx"])
def test_annotated_copies_are_valid(sdk, tmp_path, name):
    _cli("verify", WORKBOOKS / name, "--annotate", tmp_path / "annotated.xlsx")
    assert sdk(tmp_path / "annotated.xlsx") == []


def test_filled_copies_are_valid(sdk, tmp_path):
    from .test_fill import stripped_soc_trang

    _cli("fill-years", WORKBOOKS / "soc_trang_2021_2030.xlsx", "-o", tmp_path / "filled.xlsx", "--overwrite")
    stripped = stripped_soc_trang(tmp_path, "Phụ lục I")  # year columns inserted by the fill
    _cli("fill-years", stripped, "--period", "2021-2025", "-o", tmp_path / "filled_new_columns.xlsx")
    for out in ("filled.xlsx", "filled_new_columns.xlsx"):
        assert sdk(tmp_path / out) == [], out


def test_font_order_is_the_only_report_left_out(sdk):
    """The filter is that narrow: the committed seed workbook has only font-order reports."""
    from .ooxml import validate

    strict = validate(WORKBOOKS / "kien_giang_2021.xlsx", strict_font_order=True)
    assert strict and all("x:font[" in e and "Sch_UnexpectedElementContentExpectingComplex" in e for e in strict)
    assert sdk(WORKBOOKS / "kien_giang_2021.xlsx") == []


def test_summary_is_valid(sdk, tmp_path):
    folder = tmp_path / "tinh"
    shutil.copytree(WORKBOOKS, folder)
    _cli("consolidate", folder, "-o", tmp_path / "tong_hop.xlsx")
    assert sdk(tmp_path / "tong_hop.xlsx") == []


def test_outputs_from_an_xlsm_input_are_valid(sdk, built, tmp_path):
    src = built[1]  # the macro-enabled template, as a clerk would fill it in
    _cli("verify", src, "--annotate", tmp_path / "annotated.xlsm")
    assert sdk(tmp_path / "annotated.xlsm") == []


def test_annotated_xlsx_from_an_xlsm_input_drops_the_macros(sdk, built, tmp_path):
    _cli("verify", built[1], "--annotate", tmp_path / "annotated.xlsx")
    with zipfile.ZipFile(tmp_path / "annotated.xlsx") as z:
        types = z.read("[Content_Types].xml").decode()
        names = z.namelist()
    assert "macroEnabled" not in types and "xl/vbaProject.bin" not in names
    assert sdk(tmp_path / "annotated.xlsx") == []  # and Excel would not repair it

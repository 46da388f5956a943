"""A clerk can install it: ``pip install .`` alone gives a working ``nscl-xl build-excel``;
``nscl-xl install-addin`` puts the add-in in XLSTART and tells xlwings which Python to run;
``build-excel`` writes the wheel xlwings Lite installs, by exact name and hash."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nscl_xl.cli import main
from nscl_xl.excel.install import (Locations, ansi_config_value, install_addin, read_config, set_interpreter,
                                   windows_locations)
from nscl_xl.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
EXE = r"C:\Users\Nguyễn Văn Ánh\AppData\Local\Programs\Python\Python311\python.exe"
WIN_ENV = {"APPDATA": r"C:\Users\Nguyễn Văn Ánh\AppData\Roaming", "USERPROFILE": r"C:\Users\Nguyễn Văn Ánh",
           "LOCALAPPDATA": r"C:\Users\Nguyễn Văn Ánh\AppData\Local"}


def test_windows_locations_follow_excel_and_xlwings():
    loc = windows_locations(WIN_ENV)
    assert str(loc.xlstart) == r"C:\Users\Nguyễn Văn Ánh\AppData\Roaming\Microsoft\Excel\XLSTART"
    assert str(loc.config) == r"C:\Users\Nguyễn Văn Ánh\.nscl\nscl.conf"  # GetConfigFilePath, PROJECT_NAME nscl
    assert str(loc.xlwings_config) == r"C:\Users\Nguyễn Văn Ánh\.xlwings\xlwings.conf"
    with pytest.raises(UsageError):
        windows_locations({"APPDATA": "x"})


def test_config_values_vba_can_read():
    """xlwings reads its settings file with VBA's ANSI Input #: a Vietnamese user folder is
    written as %LOCALAPPDATA%…, which xlwings expands (ExpandEnvironmentStrings)."""
    assert ansi_config_value(EXE, WIN_ENV) == r"%LOCALAPPDATA%\Programs\Python\Python311\python.exe"
    assert ansi_config_value(r"C:\Python311\python.exe", WIN_ENV) == r"C:\Python311\python.exe"
    with pytest.raises(UsageError):
        ansi_config_value(r"D:\Công cụ\python.exe", WIN_ENV)


def test_install_addin_with_a_fake_home(tmp_path):
    appdata, home = tmp_path / "AppData" / "Roaming", tmp_path / "home"
    loc = windows_locations({"APPDATA": str(appdata), "USERPROFILE": str(home)})
    home.joinpath(".xlwings").mkdir(parents=True)
    home.joinpath(".xlwings", "xlwings.conf").write_text('"INTERPRETER_WIN","C:\\Other\\python.exe"\n"SHOW CONSOLE","True"\n')
    done = install_addin(loc, r"C:\Python311\python.exe")
    assert done.other_copy is None
    assert done.addin == appdata / "Microsoft" / "Excel" / "XLSTART" / "nscl.xlam" and done.addin.exists()
    assert read_config(home / ".nscl" / "nscl.conf") == [("INTERPRETER_WIN", r"C:\Python311\python.exe")]
    assert (home / ".nscl" / "nscl.conf").read_bytes() == b'"INTERPRETER_WIN","C:\\Python311\\python.exe"\r\n'
    # the user's other xlwings workbooks keep their interpreter; the choice is reported
    assert done.xlwings_interpreter_kept == r"C:\Other\python.exe"
    assert ("SHOW CONSOLE", "True") in read_config(home / ".xlwings" / "xlwings.conf")
    with zipfile.ZipFile(done.addin) as z:  # the interpreter is also in the add-in's own settings sheet
        assert any(b"C:\\Python311\\python.exe" in z.read(n) for n in z.namelist() if n.endswith(".xml"))
    # installing again replaces the add-in and our setting, nothing else
    set_interpreter(home / ".nscl" / "nscl.conf", "x", replace=True)
    (appdata / "Microsoft" / "AddIns").mkdir(parents=True)
    (appdata / "Microsoft" / "AddIns" / "nscl.xlam").write_bytes(b"old")  # where the old guide put it
    again = install_addin(loc, r"C:\Python312\python.exe")
    assert again.other_copy == appdata / "Microsoft" / "AddIns" / "nscl.xlam"
    assert read_config(home / ".nscl" / "nscl.conf") == [("INTERPRETER_WIN", r"C:\Python312\python.exe")]


def test_cli_install_addin(tmp_path):
    res = CliRunner().invoke(main, ["install-addin", "--xlstart", str(tmp_path / "XLSTART"),
                                    "--config-dir", str(tmp_path / "home"), "--python", r"C:\Python311\python.exe"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "XLSTART" / "nscl.xlam").exists()
    assert read_config(tmp_path / "home" / ".xlwings" / "xlwings.conf") == [("INTERPRETER_WIN",
                                                                             r"C:\Python311\python.exe")]
    assert "thẻ NSCL" in res.output


@pytest.mark.skipif(sys.platform.startswith("win"), reason="on Windows the defaults are real")
def test_cli_install_addin_elsewhere_says_what_it_would_do():
    # a subprocess, as a user runs it: a traceback would show in its output (CliRunner hides it)
    res = subprocess.run([sys.executable, "-m", "nscl_xl", "install-addin"], capture_output=True, text=True,
                         timeout=120, env={k: v for k, v in os.environ.items() if k not in ("APPDATA", "USERPROFILE")})
    output = res.stdout + res.stderr
    assert res.returncode == 2 and "Traceback" not in output, output
    assert r"%APPDATA%\Microsoft\Excel\XLSTART" in output and "--xlstart" in output


# --- xlwings Lite ------------------------------------------------------------------------------------

def test_lite_requirements_name_the_wheel_by_address_and_hash(tmp_path):
    res = CliRunner().invoke(main, ["build-excel", "-o", str(tmp_path), "--lite-url", "https://noibo.example/nscl/"])
    assert res.exit_code == 0, res.output
    wheel = next((tmp_path / "lite").glob("nscl_xl-*-py3-none-any.whl"))
    lines = [ln for ln in (tmp_path / "lite" / "requirements.txt").read_text().splitlines()
             if ln and not ln.startswith("#")]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert lines[0] == f"https://noibo.example/nscl/{wheel.name}#sha256={digest}"
    assert all(not ln.lower().startswith(("nscl-xl", "nscl_xl")) for ln in lines)  # never the bare name
    assert "num2words==0.5.14" in lines


def test_wheel_is_reproducible_and_installs(tmp_path):
    from nscl_xl.excel.lite import build_wheel

    a = build_wheel(tmp_path / "a")
    b = build_wheel(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        names = set(z.namelist())
        record = z.read(next(n for n in names if n.endswith("RECORD"))).decode()
    assert {"nscl_xl/excel/macros/NSCL.bas", "nscl_xl/excel/macros/lite/main.py", "nscl_xl/udfs.py"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert len(record.splitlines()) == len(names)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target), str(a)], check=True)
    out = subprocess.run([sys.executable, "-c", "import nscl_xl.udfs, nscl_xl, sys; print(nscl_xl.__file__)"],
                         env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    assert out.stdout.strip().startswith(str(target))


# --- a fresh install ---------------------------------------------------------------------------------

def test_fresh_venv_install_then_build_excel(tmp_path):
    """pip install . (no extras, not editable) into a new venv, then build-excel from elsewhere:
    the macros ship as package data and the VBA writer is a normal dependency. The venv sees
    this machine's site-packages for the dependencies; pip fetches only the build backend
    pyproject.toml names (setuptools, wheel) into its isolated build environment."""
    import shutil

    src = tmp_path / "src"  # a copy: setuptools builds in the source folder (build/, *.egg-info)
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for folder in ("nscl_xl", "macros"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(src)],
                   check=True, env=clean, cwd=tmp_path)
    out = subprocess.run([str(env_dir / "bin" / "nscl-xl"), "build-excel", "-o", str(tmp_path / "dist")],
                         capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "dist" / "nscl.xlam").stat().st_size > 20_000
    where = subprocess.run([str(py), "-c", "import nscl_xl; print(nscl_xl.__file__)"], capture_output=True,
                           text=True, env=clean, cwd=tmp_path, check=True).stdout
    assert str(env_dir) in where  # the installed copy ran, not the source tree

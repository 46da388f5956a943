from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings


ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"

# xlwings' remote engine (used to test the Excel functions on Linux) is PolyForm
# Noncommercial code; use by a government institution is permitted (DOMAIN.md §4).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
# xw.func / xw.script as in xlwings Server and Lite (on Linux they are no-ops otherwise); set
# before any test module imports xlwings.
os.environ["XLWINGS_ON_SERVER"] = "true"

# bench/mutation.py: mutmut traces every call, so no per-example deadline; a fixed seed
settings.register_profile("mutation", deadline=None, derandomize=True, database=None)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# what the test run may leave in the checkout: caches named in .gitignore
_RUN_CACHES = {".git", ".hypothesis", ".pytest_cache", ".benchmarks", "__pycache__", "mutants"}


def _files_outside_temp(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under *roots* (size, mtime), caches aside."""
    seen = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in _RUN_CACHES and not d.endswith(".egg-info")]
            for name in files:
                st = os.stat(os.path.join(folder, name))
                seen[os.path.join(folder, name)] = (st.st_size, st.st_mtime_ns)
    return seen


@pytest.fixture(scope="session", autouse=True)
def nothing_written_outside_temp_dirs():
    """Tests write only into their temporary folders: the checkout and the working folder are
    the same after the run (ms-ovba, LibreOffice and the CLI's default outputs included)."""
    roots = {ROOT, Path.cwd()}
    before = _files_outside_temp(*roots)
    yield
    after = _files_outside_temp(*roots)
    # new or removed files anywhere, changed ones among the committed workbooks (a developer may
    # edit sources while the tests run)
    changed = sorted(k for k in before.keys() ^ after.keys()) + sorted(
        k for k in before.keys() & after.keys() if before[k] != after[k] and Path(k).is_relative_to(WORKBOOKS))
    assert changed == [], f"files written outside the tests' temporary folders: {changed}"


@pytest.fixture
def soffice():
    """Path of LibreOffice's soffice; skipped locally when missing, a failure on CI."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required on CI: .ci/run installs it")
        pytest.skip("LibreOffice (soffice) not installed")
    return exe


@pytest.fixture
def workbooks_copy(tmp_path):
    """A private copy of workbooks/ so tests never touch the committed files."""
    dest = tmp_path / "workbooks"
    shutil.copytree(WORKBOOKS, dest)
    return dest

"""What xlwings Lite installs: nscl-xl's own wheel, named in requirements.txt by its exact
address and sha256 hash.

nscl-xl is not on PyPI. A bare ``nscl-xl`` line would make Lite look the name up on PyPI:
today that fails, and whoever registers the name later would run their code inside finance
workbooks. So ``build-excel`` writes the wheel (pure Python, built from the installed package
itself — no source tree or build tool needed, reproducible byte for byte) and a
requirements.txt whose line is the wheel's URL with ``#sha256=`` (pip verifies that hash; the
clerk's IT checks it against the file they host).
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from ..errors import UsageError

PACKAGE = "nscl_xl"
DIST = "nscl-xl"
_DATE = (2026, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo", ".tmp"}


def _package_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not (_SKIP_DIRS & set(rel.parts)) and path.suffix not in _SKIP_SUFFIXES \
                and not path.name.startswith("."):
            files.append(path)
    return files


def _metadata(version: str) -> str:
    """The installed distribution's METADATA (its Requires-Dist), at *version*."""
    from importlib import metadata

    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError as exc:
        raise UsageError("nscl-xl chưa được cài (pip install .): không dựng được gói cho xlwings Lite.") from exc
    # A source checkout on sys.path shows its setuptools egg-info (PKG-INFO, no METADATA) first.
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    if "\nVersion:" not in text:
        raise UsageError("không đọc được thông tin gói nscl-xl đã cài; hãy cài lại (pip install .) rồi chạy lại.")
    head, sep, body = text.partition("\n\n")
    lines = [f"Version: {version}" if ln.startswith("Version:") else ln for ln in head.splitlines()]
    return "\n".join(lines) + "\n" + (sep + body if sep else "")


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(out_dir: Path) -> Path:
    """``nscl_xl-<version>-py3-none-any.whl`` of the installed package, into *out_dir*."""
    import nscl_xl

    from ..build_excel import MACROS
    from ..safe_write import atomic_path

    version = nscl_xl.__version__
    root = Path(nscl_xl.__file__).resolve().parent
    info = f"{PACKAGE}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [(f"{PACKAGE}/{p.relative_to(root).as_posix()}", p.read_bytes())
                                        for p in _package_files(root)]
    if not MACROS.is_relative_to(root):  # a source checkout: macros/ goes where pip install puts it
        entries += [(f"{PACKAGE}/excel/macros/{p.relative_to(MACROS).as_posix()}", p.read_bytes())
                    for p in _package_files(MACROS)]
        entries.sort()
    entries += [(f"{info}/METADATA", _metadata(version).encode("utf-8")),
                (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: nscl-xl build-excel\nRoot-Is-Purelib: true\n"
                                  b"Tag: py3-none-any\n\n"),
                (f"{info}/entry_points.txt", b"[console_scripts]\nnscl-xl = nscl_xl.cli:main\n"),
                (f"{info}/top_level.txt", b"nscl_xl\n")]
    record = "\n".join(_record_line(n, d) for n, d in entries) + f"\n{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode("utf-8")))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}-{version}-py3-none-any.whl"
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info_ = zipfile.ZipInfo(name, date_time=_DATE)
            info_.external_attr = 0o644 << 16
            z.writestr(info_, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def requirements(wheel: Path, base_url: str | None) -> str:
    """requirements.txt for xlwings Lite: the wheel by exact address and hash, then the pins
    of the template in macros/lite/requirements.txt."""
    import xlwings

    from ..build_excel import MACROS

    url = f"{base_url.rstrip('/')}/{wheel.name}" if base_url else wheel.name
    line = f"{url}#sha256={sha256_file(wheel)}"
    template = (MACROS / "lite" / "requirements.txt").read_text(encoding="utf-8")
    return template.replace("{nscl_xl_wheel}", line).replace("{xlwings_version}", xlwings.__version__)


def build_lite(out_dir: Path, base_url: str | None = None) -> tuple[Path, Path]:
    """The wheel and Lite's requirements.txt in ``out_dir/lite``; return their paths."""
    from ..safe_write import atomic_path

    lite = Path(out_dir) / "lite"
    wheel = build_wheel(lite)
    target = lite / "requirements.txt"
    with atomic_path(target) as tmp:
        tmp.write_text(requirements(wheel, base_url), encoding="utf-8")
    return wheel, target

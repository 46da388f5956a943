"""``nscl-xl install-addin``: put the NSCL add-in where Excel loads it, and tell xlwings which
Python to run — what ``xlwings addin install`` and ``xlwings config create`` do for xlwings'
own add-in, done for ours without needing Excel to be running.

* The add-in is copied into the user's Excel startup folder, ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
  (Excel's ``Application.StartupPath``; xlwings asks a running Excel for it, the default needs
  no Excel). Excel opens every file there at start, and that folder is one of Office's default
  Trusted Locations, so the add-in's macros are not blocked.
* ``INTERPRETER_WIN`` — the Python running this command, the one nscl-xl is installed in — is
  written where xlwings' add-in module looks first: a ``nscl.conf`` sheet inside the installed
  add-in (cell text is Unicode, so a user folder with Vietnamese letters survives). It is also
  written, for the record and for the template ``.xlsm``, in xlwings' settings files, one
  ``"KEY","VALUE"`` line each: ``%USERPROFILE%\\.nscl\\nscl.conf`` (the add-in's, project name
  ``nscl``) and ``%USERPROFILE%\\.xlwings\\xlwings.conf`` (the template's; only when it names no
  interpreter yet, so the user's other xlwings workbooks keep theirs). VBA reads those files in
  the ANSI code page, so a non-ASCII path is written with an environment variable
  (``%LOCALAPPDATA%\\…``), which xlwings expands.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError

ADDIN_NAME = "nscl.xlam"
INTERPRETER_KEY = "INTERPRETER_WIN"


@dataclass(frozen=True)
class Locations:
    xlstart: Path  # the add-in goes here
    config: Path  # the add-in's settings file (nscl.conf)
    xlwings_config: Path  # xlwings' user settings (used by the .xlsm template)
    addins: Path | None = None  # Excel's AddIns folder, where an older guide had the clerk copy the add-in


def windows_locations(env: dict[str, str] | None = None) -> Locations:
    """Where Excel for Windows and xlwings look, from the user's environment (APPDATA, USERPROFILE)."""
    from ..build_excel import ADDIN_PROJECT

    env = os.environ if env is None else env
    missing = [k for k in ("APPDATA", "USERPROFILE") if not env.get(k)]
    if missing:
        raise UsageError(f"thiếu biến môi trường {', '.join(missing)}: không xác định được thư mục của người dùng "
                         "Windows. Hãy chạy lệnh trong cửa sổ Command Prompt của chính người dùng đó.")
    appdata, home = env["APPDATA"], env["USERPROFILE"]
    join = _win_join
    return Locations(Path(join(appdata, "Microsoft", "Excel", "XLSTART")),
                     Path(join(home, f".{ADDIN_PROJECT}", f"{ADDIN_PROJECT}.conf")),
                     Path(join(home, ".xlwings", "xlwings.conf")),
                     Path(join(appdata, "Microsoft", "AddIns")))


def _win_join(*parts: str) -> str:
    sep = "\\" if sys.platform.startswith("win") or "\\" in parts[0] else os.sep
    return sep.join(p.rstrip("\\/") for p in parts)


def read_config(path: Path) -> list[tuple[str, str]]:
    """xlwings' settings file as (key, value) pairs, in order (missing file: none)."""
    if not path.exists():
        return []
    pairs = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition(",")
        pairs.append((key.strip().strip('"'), value.strip().strip('"')))
    return pairs


def write_config(path: Path, pairs: list[tuple[str, str]]) -> None:
    from ..safe_write import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        # xlwings' VBA reads the file with Windows' ANSI functions line by line: CRLF, no BOM.
        Path(tmp).write_bytes("".join(f'"{k}","{v}"\r\n' for k, v in pairs).encode("utf-8"))


def set_interpreter(path: Path, interpreter: str, *, replace: bool) -> str | None:
    """Set INTERPRETER_WIN in *path* (keeping every other line). With ``replace=False`` an
    existing, different entry is kept and returned; otherwise returns None."""
    pairs = read_config(path)
    keys = [k.upper() for k, _ in pairs]
    if INTERPRETER_KEY in keys:
        i = keys.index(INTERPRETER_KEY)
        if not replace and pairs[i][1] != interpreter:
            return pairs[i][1]
        pairs[i] = (INTERPRETER_KEY, interpreter)
    else:
        pairs.append((INTERPRETER_KEY, interpreter))
    write_config(path, pairs)
    return None


@dataclass(frozen=True)
class Installed:
    addin: Path
    config: Path
    interpreter: str
    xlwings_config: Path
    xlwings_interpreter_kept: str | None  # the other interpreter xlwings.conf keeps naming
    other_copy: Path | None  # another nscl.xlam Excel may also load (two NSCL tabs, "already open")


def install_addin(locations: Locations, interpreter: str | None = None, addin_source: Path | None = None,
                  env: dict[str, str] | None = None) -> Installed:
    """Build (or take *addin_source*) and copy the add-in into ``locations.xlstart``; point the
    settings at *interpreter* (default: this Python)."""
    import shutil
    import tempfile

    from ..build_excel import build
    from ..safe_write import atomic_path

    interpreter = interpreter or _windows_python()
    value = ansi_config_value(interpreter, env)  # before anything is written: all or nothing
    locations.xlstart.mkdir(parents=True, exist_ok=True)
    target = locations.xlstart / ADDIN_NAME
    with tempfile.TemporaryDirectory(prefix="nscl-addin-") as tmp:
        source = addin_source or build(tmp, settings={INTERPRETER_KEY: interpreter})[0]
        try:
            with atomic_path(target) as final:
                shutil.copyfile(source, final)
        except PermissionError as exc:
            raise UsageError(f"không ghi được {target}: Excel đang mở add-in này. Hãy đóng mọi cửa sổ Excel rồi chạy "
                             "lại lệnh.") from exc
    set_interpreter(locations.config, value, replace=True)
    kept = set_interpreter(locations.xlwings_config, value, replace=False)
    other = locations.addins / ADDIN_NAME if locations.addins is not None else None
    return Installed(target, locations.config, interpreter, locations.xlwings_config, kept,
                     other if other is not None and other.exists() else None)


#: Environment variables a user's Python usually lies under, most specific first.
_PATH_VARIABLES = ("LOCALAPPDATA", "APPDATA", "USERPROFILE", "ProgramFiles", "ProgramFiles(x86)")


def ansi_config_value(path: str, env: dict[str, str] | None = None) -> str:
    """*path* as a settings-file value VBA can read (ASCII): a non-ASCII prefix is replaced
    by the environment variable naming it (xlwings expands ``%VAR%`` in settings)."""
    if path.isascii():
        return path
    env = os.environ if env is None else env
    for var in _PATH_VARIABLES:
        prefix = env.get(var, "").rstrip("\\/")
        if prefix and path.lower().startswith(prefix.lower()) and path[len(prefix):][:1] in ("\\", "/"):
            value = f"%{var}%" + path[len(prefix):]
            if value.isascii():
                return value
    raise UsageError(f"đường dẫn Python '{path}' có chữ có dấu mà không nằm trong thư mục người dùng: tệp cấu hình "
                     "của xlwings không ghi được. Hãy cài Python vào thư mục không dấu (ví dụ C:\\Python311) rồi chạy lại.")


def _windows_python() -> str:
    """This interpreter, as Excel should start it: python.exe (RunPython hides its console
    itself), not the pythonw.exe a GUI launcher may be running under."""
    exe = Path(sys.executable)
    if exe.name.lower() == "pythonw.exe":
        exe = exe.with_name("python.exe")
    return str(exe)

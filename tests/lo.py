"""LibreOffice headless as the independent spreadsheet engine in tests.

LibreOffice does not recalculate .xlsx files on load by default (it trusts cached values),
which would make a recalculation check pass vacuously. We run it with a private profile
whose setting ``OOXMLRecalcMode = 0`` ("always recalculate"), and callers include a control
cell with a wrong cached value to prove the recalculation happened.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(soffice: str, src: Path, workdir: Path, target: str, *, recalc: bool = True,
            outdir: Path | None = None) -> Path:
    """Convert *src* with LibreOffice headless to *target* (``"xlsx:Calc MS Excel 2007 XML"``,
    ``"ods"``, ``"xls"``, ``"pdf"``…) using a private profile in *workdir*: nothing is written
    to the user's ``~/.config/libreoffice`` and concurrent runs never share a profile lock.
    With *recalc* the profile forces a full recalculation on load."""
    profile = workdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    xcu = profile / "user" / "registrymodifications.xcu"
    if recalc and not xcu.exists():
        xcu.write_text(_XCU, encoding="utf-8")
    out = outdir or workdir / "lo-out"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    result = out / (src.stem + "." + target.split(":")[0])
    assert result.exists(), f"LibreOffice wrote nothing for {src}"
    return result


def recalculated_copy(soffice: str, src: Path, workdir: Path) -> Path:
    """Open *src* in LibreOffice, recalculate everything, save as .xlsx; return the new file."""
    return convert(soffice, src, workdir, "xlsx:Calc MS Excel 2007 XML")


def control_workbook(path: Path) -> Path:
    """A workbook whose formula =1+1 carries the wrong cached value 5."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("S").write_formula(0, 0, "=1+1", None, 5)
    wb.close()
    return path

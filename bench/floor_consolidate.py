"""The floor for ``nscl-xl consolidate``: the least a program must do for the same output.

    python bench/floor_consolidate.py FOLDER OUT_DIR

It lists the folder, reads every workbook with python-calamine, builds one record per line and
year (province, year, code, item, amount in đồng, file, sheet, cell), and writes a raw
SpreadsheetML workbook (a data sheet and a province × year SUMIFS matrix over it) and the CSV.
No verification, no findings, no limits, no styles: a lower bound to compare against
(bench/bench_consolidate.py), not a tool.
"""

from __future__ import annotations

import csv
import os
import sys
import zipfile
from xml.sax.saxutils import escape

from python_calamine import CalamineWorkbook

UNITS = {"triệu": 1_000_000, "nghìn": 1_000, "đồng": 1}


def col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def records_of(path: str) -> list[tuple]:
    out = []
    wb = CalamineWorkbook.from_path(path)
    for sheet in wb.sheet_names:
        rows = wb.get_sheet_by_name(sheet).to_python()
        province, unit, years, header = "", 1_000_000, {}, None
        for r, row in enumerate(rows):
            first = str(row[0]) if row else ""
            texts = " ".join(v for v in row if isinstance(v, str)).lower()
            if "tỉnh " in texts and not province:
                province = texts.rsplit("tỉnh ", 1)[1].strip().rstrip(")").title()
            if "đơn vị tính" in texts:
                unit = next((m for k, m in UNITS.items() if k in texts), unit)
            if first == "TT":
                header = r
                continue
            if header is not None and r == header + 1:
                years = {c: int(v) for c, v in enumerate(row) if isinstance(v, float) and 1990 < v < 2100}
                continue
            following = str(rows[r + 1][0]) if r + 1 < len(rows) else ""
            if header is None or not years or not first or following.startswith(first + "."):
                continue  # only the finest lines (1.1, or 4 without sub-items)
            for c, y in years.items():
                v = row[c] if c < len(row) else None
                if isinstance(v, float):
                    out.append((province, y, first, str(row[1]), round(v * unit), path, sheet,
                                f"{col_letter(c)}{r + 1}"))
    return out


def write_xlsx(path: str, records: list[tuple]) -> None:
    def row_xml(r: int, values) -> str:
        cells = []
        for c, v in enumerate(values):
            ref = f"{col_letter(c)}{r}"
            if isinstance(v, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
            elif isinstance(v, tuple):  # (formula, cached value)
                cells.append(f'<c r="{ref}"><f>{escape(v[0])}</f><v>{v[1]}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
        return f'<row r="{r}">{"".join(cells)}</row>'

    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    tail = "</sheetData></worksheet>"
    n = len(records)
    provinces = sorted({r[0] for r in records})
    years = sorted({r[1] for r in records})
    sums: dict[tuple, int] = {}
    for r in records:
        sums[r[0], r[1]] = sums.get((r[0], r[1]), 0) + r[4]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                   '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
                   '"/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/><sheet name="Matrix" '
                   'sheetId="2" r:id="rId2"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
                   'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet2.xml"/></Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:  # streamed, as the tool does
            fh.write(head.encode())
            fh.write(row_xml(1, ["Tỉnh", "Năm", "Mã", "Nội dung", "Số tiền", "Tệp", "Trang", "Ô"]).encode())
            for i, rec in enumerate(records, start=2):
                fh.write(row_xml(i, rec).encode())
            fh.write(tail.encode())
        rows = [row_xml(1, ["Tỉnh"] + years)]
        for i, p in enumerate(provinces, start=2):
            cells = [p] + [(f'SUMIFS(Data!$E$2:$E${n + 1},Data!$A$2:$A${n + 1},$A{i},Data!$B$2:$B${n + 1},'
                            f'{col_letter(j + 1)}$1)', sums.get((p, y), 0)) for j, y in enumerate(years)]
            rows.append(row_xml(i, cells))
        z.writestr("xl/worksheets/sheet2.xml", head + "".join(rows) + tail)


def main(folder: str, out_dir: str) -> int:
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".xlsx"))
    records = [rec for f in files for rec in records_of(f)]
    write_xlsx(os.path.join(out_dir, "floor.xlsx"), records)
    with open(os.path.join(out_dir, "floor.csv"), "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerows(records)
    print(len(files), len(records))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))

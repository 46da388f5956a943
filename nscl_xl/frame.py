"""pandas access for analysts: the consolidated lines as a tidy DataFrame.

One row per finest budget line and year, amounts in integers of đồng, and the source of every
number (file, sheet, cell)::

    import nscl_xl
    df = nscl_xl.read_frame("workbooks/")          # a folder, one plan workbook, or a summary
    df.groupby(["province", "year"]).amount_vnd.sum()

pandas is an optional dependency (``pip install "nscl-xl[pandas]"``), imported only here.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Columns of the tidy frame, in order.
COLUMNS = ["province", "province_2025", "year", "category", "code", "item", "amount_vnd", "plan", "plan_kind",
           "source_file", "source_sheet", "source_cell"]


def _pandas():
    try:
        import pandas as pd
    except ImportError:
        from .errors import UsageError

        raise UsageError("cần thư viện pandas cho chức năng này.",
                         hint='Hãy cài: pip install "nscl-xl[pandas]" (hoặc pip install pandas).') from None
    return pd


def records_frame(records) -> "pandas.DataFrame":  # noqa: F821 - pandas is imported lazily
    """A DataFrame of :class:`~nscl_xl.consolidate.Record` objects: ``year`` is a nullable integer
    (missing for an amount not split by year) and ``amount_vnd`` an exact integer of đồng (int64,
    or Python ints in an object column beyond ±9.2·10¹⁸)."""
    pd = _pandas()
    rows = [(r.province, r.province_2025, r.year, r.category, r.code, r.item, r.amount_vnd, r.plan, r.plan_kind,
             r.file, r.sheet, r.cell) for r in records]
    df = pd.DataFrame.from_records(rows, columns=COLUMNS)
    df["year"] = df["year"].astype("Int64")
    if all(-(2 ** 63) <= v < 2 ** 63 for v in df["amount_vnd"]):
        df["amount_vnd"] = df["amount_vnd"].astype("int64")
    else:
        df["amount_vnd"] = df["amount_vnd"].astype(object)
    return df


def read_frame(path: str | os.PathLike, **consolidate_options) -> "pandas.DataFrame":  # noqa: F821
    """Tidy lines of *path*: a folder or a plan workbook is consolidated
    (:func:`~nscl_xl.consolidate.consolidate_dir`, same rules as the command line); a summary
    workbook written by nscl-xl is read back from its "Dữ liệu" sheets."""
    from .consolidate import Record, consolidate_dir, container_marks

    p = Path(path)
    if p.is_file() and container_marks(p).made_by == "summary":
        import python_calamine as pc

        from .summary import DATA_SHEET, NO_YEAR

        wb = pc.CalamineWorkbook.from_path(str(p))
        records = []
        for name in wb.sheet_names:
            if name != DATA_SHEET and not name.startswith(DATA_SHEET + " ("):
                continue
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False)[1:]:
                if not any(v not in ("", None) for v in row):
                    continue
                year = None if row[2] in (NO_YEAR, "") else int(row[2])
                records.append(Record(row[0], row[1], year, row[3], str(row[4]), str(row[5]), int(row[6]), row[7],
                                      "", row[8], row[9], row[10]))
        wb.close()
        return records_frame(records)
    return consolidate_dir(p, **consolidate_options).to_frame()

"""pandas API: tidy lines with exact integer amounts and the source of every number."""

from __future__ import annotations

import sys

import pytest

import nscl_xl
import nscl_xl.summary as summary
from nscl_xl.consolidate import consolidate_dir
from nscl_xl.errors import UsageError
from nscl_xl.frame import COLUMNS
from nscl_xl.summary import write_summary

from .conftest import WORKBOOKS

pd = pytest.importorskip("pandas")


def test_read_frame_of_a_folder():
    df = nscl_xl.read_frame(WORKBOOKS)
    assert list(df.columns) == COLUMNS
    assert str(df.amount_vnd.dtype) == "int64" and str(df.year.dtype) == "Int64"
    assert int(df.amount_vnd.sum()) == 26_283_000_000
    by = df.groupby("province").amount_vnd.sum().to_dict()
    assert by == {"An Giang": 5_800_000_000, "Kiên Giang": 5_728_000_000, "Sóc Trăng": 14_755_000_000}
    ag = df[df.province == "An Giang"].iloc[0]
    assert pd.isna(ag.year) and (ag.source_sheet, ag.source_cell) == ("Thông tin", "B8")
    kg = df[(df.province == "Kiên Giang") & (df.year == 2024)]
    assert kg[["code", "amount_vnd", "source_cell"]].values.tolist() == [["I", 211_820_000, "E6"],
                                                                         ["II", 2_416_180_000, "E9"]]
    assert list(dict.fromkeys(df.province)) == ["An Giang", "Kiên Giang", "Sóc Trăng"]  # official order


def test_read_frame_of_a_summary_round_trips(tmp_path, monkeypatch):
    monkeypatch.setattr(summary, "EXCEL_MAX_ROWS", 51)  # "Dữ liệu" on several sheets
    cons = consolidate_dir(WORKBOOKS)
    out = write_summary(cons, tmp_path / "t.xlsx")
    back = nscl_xl.read_frame(out)
    direct = cons.to_frame()
    cols = [c for c in COLUMNS if c != "plan_kind"]
    assert back[cols].sort_values(cols).reset_index(drop=True).equals(
        direct[cols].sort_values(cols).reset_index(drop=True))


def test_without_pandas_the_error_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError) as exc:
        nscl_xl.read_frame(WORKBOOKS)
    assert 'pip install "nscl-xl[pandas]"' in str(exc.value)

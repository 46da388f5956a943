"""Fill year columns: Sóc Trăng refilled from quantities and prices, spread invariants,
idempotence, LibreOffice recalculation, safety."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscl_xl.cli import main
from nscl_xl.errors import UsageError
from nscl_xl.fill import fill_workbook, parse_schedule, spread_units
from nscl_xl.reader import read_plan
from nscl_xl.verify import verify_path

from . import grids as G
from . import seed_tables as S
from .conftest import WORKBOOKS, sha256
from .lo import control_workbook, recalculated_copy

SOC = WORKBOOKS / "soc_trang_2021_2030.xlsx"


def stripped_soc_trang(tmp_path: Path, sheet: str) -> Path:
    """One Sóc Trăng appendix with its year columns and its derived totals removed: what staff
    have before filling (items, units, quantities, prices; totals only where no quantity × price)."""
    wb = openpyxl.load_workbook(SOC)
    for name in list(wb.sheetnames):
        if name != sheet:
            del wb[name]
    ws = wb[sheet]
    unit = ws["I5"].value
    ws["I5"] = None
    ws["A5"] = unit  # keep the unit line when the year columns go
    ws.unmerge_cells("G6:K6")
    ws.delete_cols(7, 5)
    for r in range(8, 28):
        code, q, p = ws.cell(r, 1).value, ws.cell(r, 4).value, ws.cell(r, 5).value
        derived = ws.cell(r, 2).value == "Tổng cộng" or code in ("1", "2", "3", "5") or (q is not None and p is not None)
        if derived:
            ws.cell(r, 6).value = None
    path = tmp_path / f"{sheet}.xlsx"
    wb.save(path)
    return path


def _amounts(path: Path, sheet: str) -> dict:
    (t,) = [t for t in read_plan(path).tables if t.sheet == sheet]
    out = {ln.code: (ln.amount.value, {y: a.value for y, a in ln.years.items()}) for ln in t.lines}
    out["total"] = (t.total.amount.value, {y: a.value for y, a in t.total.years.items()})
    return out


@pytest.mark.parametrize("sheet,expected,period,grand,words", [
    ("Phụ lục I", S.SOC_TRANG_I, (2021, 2025), 6380, "Sáu tỷ, ba trăm tám mươi triệu đồng"),
    ("Phụ lục II", S.SOC_TRANG_II, (2026, 2030), 8385, "Tám tỷ, ba trăm tám mươi lăm triệu đồng"),
])
def test_refilled_soc_trang_matches_the_seed_where_consistent(tmp_path, sheet, expected, period, grand, words):
    src = stripped_soc_trang(tmp_path, sheet)
    assert read_plan(src).tables[0].years == []
    report = fill_workbook(src, period=period)
    got = _amounts(report.output, sheet)
    # Every line whose printed total is consistent (= quantity × price, or an input total)
    # comes back to the printed total; 5.4 and 6 of Phụ lục I print 80 and 40 for 5 × 20 and 5 × 10.
    inconsistent = {"Phụ lục I": {"5.4": 100, "6": 50}, "Phụ lục II": {}}[sheet]
    for code, q, p, amount, _ in expected:
        want = inconsistent.get(code, amount)
        assert got[code][0] == want, code
        assert sum(got[code][1].values()) == want, code  # line total = Σ years
        if q is not None and p is not None and code not in ("1", "2", "3", "5"):  # leaves: whole units
            assert all(v % p == 0 for v in got[code][1].values()), code
    # Parents: Σ children; the seed's parents agree (5405 in Phụ lục I once 5.4 is 100).
    for code in ("1", "2", "3", "5"):
        assert got[code][0] == dict((c, a) for c, _, _, a, _ in expected)[code]
    assert got["total"][0] == grand  # Phụ lục I: 6370 printed + 10 from line 6's 5 × 10
    assert report.grand_total_dong == grand * 1_000_000
    assert report.words == f"(Bằng chữ: {words})"  # written by hand, not by amount_to_words
    # Years 2021.. were created in the seed's style: merged group header over the year columns.
    wb = openpyxl.load_workbook(report.output)
    ws = wb[sheet]
    assert ws["G6"].value == "Dự toán kinh phí" and "G6:K6" in {str(m) for m in ws.merged_cells.ranges}
    assert [ws.cell(7, c).value for c in range(7, 12)] == list(range(period[0], period[1] + 1))
    assert ws["F9"].value == "=SUM(G9:K9)" and ws["G9"].value == "=E9*2"
    assert ws["F8"].value == "=SUM(F9:F13)"


def test_verify_after_fill(tmp_path):
    src = stripped_soc_trang(tmp_path, "Phụ lục II")
    out = fill_workbook(src, period=(2026, 2030)).output
    _, findings = verify_path(out)
    # Only the parent line 2's own printed quantity × price (10 × 90 ≠ 460) remains: fill never
    # rewrites what staff typed in the quantity and price columns. The whole set: no stale formula,
    # no other finding.
    assert [(f.cell, f.rule, f.severity) for f in findings] == [("F14", "qty-price", "error")]


def test_cached_values_recalculate_the_same_in_libreoffice(tmp_path, soffice):
    control = recalculated_copy(soffice, control_workbook(tmp_path / "control.xlsx"), tmp_path)
    assert pc.CalamineWorkbook.from_path(str(control)).get_sheet_by_name("S").to_python()[0][0] == 2
    out = fill_workbook(stripped_soc_trang(tmp_path, "Phụ lục I"), period=(2021, 2025)).output
    again = recalculated_copy(soffice, out, tmp_path / "lo")
    mine = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Phụ lục I").to_python(skip_empty_area=False)
    theirs = pc.CalamineWorkbook.from_path(str(again)).get_sheet_by_name("Phụ lục I").to_python(skip_empty_area=False)
    n = 0
    for r, (a, b) in enumerate(zip(mine, theirs)):
        for c, (x, y) in enumerate(zip(a, b)):
            assert x == y, (r, c, x, y)
            n += isinstance(x, float)
    assert n > 100
    import pandas as pd

    df = pd.read_excel(out, sheet_name="Phụ lục I", header=None, engine="openpyxl")
    assert df.iloc[26, 5] == 6380  # openpyxl-based pandas reads the cached value too


def test_idempotent(tmp_path):
    src = stripped_soc_trang(tmp_path, "Phụ lục I")
    first = fill_workbook(src, tmp_path / "a.xlsx", period=(2021, 2025)).output
    second = fill_workbook(first, tmp_path / "b.xlsx", period=(2021, 2025)).output
    a = openpyxl.load_workbook(first)["Phụ lục I"]
    b = openpyxl.load_workbook(second)["Phụ lục I"]
    assert [[c.value for c in row] for row in a.iter_rows()] == [[c.value for c in row] for row in b.iter_rows()]
    assert _amounts(first, "Phụ lục I") == _amounts(second, "Phụ lục I")


def test_typed_year_cells_are_kept_unless_overwrite(tmp_path):
    rows = [["KẾ HOẠCH GIAI ĐOẠN 2026 - 2030"], ["Đơn vị tính: triệu đồng"],
            ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí", "2026", "2027", "2028", "2029", "2030"],
            ["1", "Hội nghị", 4, 30, None, 60, None, None, None, None], ["", "Tổng cộng"]]
    src = G.write_grid(tmp_path / "t.xlsx", [G.SheetGrid("S", rows)])
    kept = _amounts(fill_workbook(src, tmp_path / "k.xlsx").output, "S")["1"]
    assert kept[1] == {2026: 60, 2027: 30, 2028: 0, 2029: 30, 2030: 0}  # 2 typed units + 2 spread evenly
    over = _amounts(fill_workbook(src, tmp_path / "o.xlsx", overwrite=True).output, "S")["1"]
    assert over[1] == {2026: 30, 2027: 30, 2028: 0, 2029: 30, 2030: 30}
    sched = fill_workbook(src, tmp_path / "s.xlsx", overwrite=True, schedule=parse_schedule(["1:0,0,4,0,0"]))
    assert _amounts(sched.output, "S")["1"][1] == {2026: 0, 2027: 0, 2028: 120, 2029: 0, 2030: 0}
    with pytest.raises(UsageError, match="lịch của dòng 1"):
        fill_workbook(src, tmp_path / "x.xlsx", schedule=parse_schedule(["1:1,1"]))


def test_safety_and_clear_refusals(tmp_path):
    src = stripped_soc_trang(tmp_path, "Phụ lục I")
    before = sha256(src)
    r = CliRunner()
    res = r.invoke(main, ["fill-years", str(src), "--period", "2021-2025"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "Phụ lục I_da_dien_nam.xlsx").exists() and sha256(src) == before
    assert "Sáu tỷ, ba trăm tám mươi triệu đồng" in res.output
    res = r.invoke(main, ["fill-years", str(src), "--period", "2021-2025", "--in-place"])
    assert res.exit_code == 0 and "sao lưu" in res.output
    backups = list(tmp_path.glob("Phụ lục I.bak-*.xlsx"))
    assert len(backups) == 1 and sha256(backups[0]) == before and sha256(src) != before
    # No period anywhere: refuse, write nothing.
    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí"],
            ["1", "a", 2, 5, None]]
    noperiod = G.write_grid(tmp_path / "np.xlsx", [G.SheetGrid("S", rows)])
    res = r.invoke(main, ["fill-years", str(noperiod)])
    assert res.exit_code == 2 and "--period" in res.output and not (tmp_path / "np_da_dien_nam.xlsx").exists()
    # Nothing to spread: refuse, write nothing.
    rows = [["GIAI ĐOẠN 2026 - 2030"], ["TT", "Nội dung", "Số lượng", "Đơn giá", "Tổng kinh phí"], ["1", "a", None, None, None]]
    empty = G.write_grid(tmp_path / "e.xlsx", [G.SheetGrid("S", rows)])
    res = r.invoke(main, ["fill-years", str(empty)])
    assert res.exit_code == 2 and not list(tmp_path.glob("e_da_*"))
    res = r.invoke(main, ["fill-years", str(src), "--period", "2030-2026"])
    assert res.exit_code == 2


@settings(max_examples=300)
@given(total=st.integers(0, 500), n=st.integers(1, 10), how=st.sampled_from(["even", "front", "back"]))
def test_spread_invariants(total, n, how):
    parts = spread_units(total, n, how)
    assert len(parts) == n and sum(parts) == total and all(isinstance(p, int) and p >= 0 for p in parts)
    assert max(parts) - min(parts) <= 1
    if how == "front":
        assert parts == sorted(parts, reverse=True)
    if how == "back":
        assert parts == sorted(parts)
    if how == "even":
        assert parts == parts[::-1] or total % n  # symmetric when nothing is left over


@st.composite
def item_table(draw):
    n_sections = draw(st.integers(1, 3))
    rows = [["KẾ HOẠCH GIAI ĐOẠN 2026 - 2030"], ["Đơn vị tính: triệu đồng"],
            ["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí"]]
    items = []
    for s in range(1, n_sections + 1):
        rows.append([str(s), f"Mục {s}", None, None, None, None])
        for k in range(1, draw(st.integers(1, 4)) + 1):
            q, p = draw(st.integers(0, 15)), draw(st.integers(1, 500))
            rows.append([f"{s}.{k}", f"Nhiệm vụ {s}.{k}", "Cuộc", q, p, None])
            items.append((f"{s}.{k}", q, p))
    rows.append(["", "Tổng cộng", None, None, None, None])
    return rows, items


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=item_table(), how=st.sampled_from(["even", "front", "back"]))
def test_generated_tables_fill_to_whole_units_and_verify_clean(tmp_path_factory, data, how):
    rows, items = data
    tmp = tmp_path_factory.mktemp("gen")
    src = G.write_grid(tmp / "g.xlsx", [G.SheetGrid("S", rows)])
    out = fill_workbook(src, spread=how).output
    got = _amounts(out, "S")
    for code, q, p in items:
        amount, years = got[code]
        assert amount == q * p == sum(years.values())
        assert all(v % p == 0 and v >= 0 for v in years.values())
    assert got["total"][0] == sum(q * p for _, q, p in items)
    # the amounts above are checked against q × p computed here; verify is a second reader
    _, findings = verify_path(out)
    assert findings == []

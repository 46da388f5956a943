"""Consolidation: seed totals per province and year, sheet/CSV agreement, LibreOffice recalculation,
overlap and merger rules, skipped files and exit codes."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine as pc
from click.testing import CliRunner

from nscl_xl.cli import main
from nscl_xl.consolidate import classify, consolidate_dir, line_category
from nscl_xl.money import MoneyUnit
from nscl_xl.summary import CSV_HEADERS, HEAD, write_csv, write_summary

from . import grids as G
from .conftest import WORKBOOKS, sha256
from .lo import control_workbook, recalculated_copy

M = 1_000_000
# Seed totals in đồng: Sóc Trăng (001) from the printed "Tổng cộng" rows, Kiên Giang (002, 000),
# An Giang (003) the stated total, not split by year.
SEED_TOTALS = {
    ("Sóc Trăng", 2021): 881 * M, ("Sóc Trăng", 2022): 1471 * M, ("Sóc Trăng", 2023): 1351 * M,
    ("Sóc Trăng", 2024): 1351 * M, ("Sóc Trăng", 2025): 1316 * M, ("Sóc Trăng", 2026): 1675 * M,
    ("Sóc Trăng", 2027): 1860 * M, ("Sóc Trăng", 2028): 1740 * M, ("Sóc Trăng", 2029): 1500 * M,
    ("Sóc Trăng", 2030): 1610 * M,
    ("Kiên Giang", 2021): 3_100_000_000, ("Kiên Giang", 2024): 2_628_000_000,
    ("An Giang", None): 5_800_000_000,
}


def _sheet(path, name):
    return pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(skip_empty_area=False)


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cons")
    cons = consolidate_dir(WORKBOOKS)
    xlsx = write_summary(cons, out / "tong_hop.xlsx", unit=MoneyUnit.DONG)
    csv_path = write_csv(cons, out / "tong_hop.csv")
    return cons, xlsx, csv_path


def test_seed_totals_per_province_and_year(seed_run):
    cons, _, _ = seed_run
    got = {}
    for r in cons.records:
        got[(r.province, r.year)] = got.get((r.province, r.year), 0) + r.amount_vnd
    assert got == SEED_TOTALS
    assert cons.total_vnd == 26_283_000_000
    assert cons.exit_code == 0
    status = {Path(s.file).name: (s.status, s.reason) for s in cons.sources}
    assert status["mau_du_toan_giai_doan.xlsx"][0] == "ignored"
    assert status["dong_thap_2021_2030.xlsx"][0] == "used"
    assert status["dong_thap_2021_2030.xlsx"][1].startswith("chỉ có mục tiêu, kế hoạch không nêu kinh phí")
    assert status["soc_trang_2021_2030.xlsx"] == ("used", "")


def test_finest_lines_only(seed_run):
    cons, _, _ = seed_run
    kg24 = [r for r in cons.records if r.province == "Kiên Giang" and r.year == 2024]
    assert [(r.code, r.amount_vnd, r.cell) for r in kg24] == [("I", 211_820_000, "E6"), ("II", 2_416_180_000, "E9")]
    st_codes = {r.code for r in cons.records if r.province == "Sóc Trăng"}
    assert not st_codes & {"1", "2", "3", "5"}  # parents with amount-bearing children never count
    assert {"4", "6", "5.4"} <= st_codes


def test_summary_sheets_cached_values(seed_run):
    cons, xlsx, _ = seed_run
    summary = _sheet(xlsx, "Tổng hợp")
    header = summary[HEAD]
    assert header[:2] == ["STT", "Tỉnh, thành phố"] and header[-3:] == ["Chưa phân năm", "Tổng cộng", "Ghi chú"]
    rows = {r[1]: r for r in summary[HEAD + 1:HEAD + 5]}
    assert list(rows) == ["Đồng Tháp", "An Giang", "Kiên Giang", "Sóc Trăng"]  # codes 87, 89, 91, 94
    assert rows["Đồng Tháp"][-2] == 0 and "chỉ nêu mục tiêu" in rows["Đồng Tháp"][-1]
    years = [int(y) for y in header[2:-3]]
    for (prov, year), vnd in SEED_TOTALS.items():
        col = header.index("Chưa phân năm") if year is None else 2 + years.index(year)
        assert rows[prov][col] == vnd
    total_row = summary[HEAD + 5]
    assert total_row[1] == "Tổng cộng" and total_row[-2] == 26_283_000_000
    assert "Hai mươi sáu tỷ, hai trăm tám mươi ba triệu đồng" in summary[HEAD + 6][0]


def test_data_rows_sum_to_summary_and_csv_matches(seed_run):
    cons, xlsx, csv_path = seed_run
    data = _sheet(xlsx, "Dữ liệu")
    assert data[0][:7] == ["Tỉnh", "Tỉnh (từ 1/7/2025)", "Năm", "Nhóm nội dung", "Mã", "Nội dung", "Số tiền (đồng)"]
    body = data[1:]
    assert sum(int(r[6]) for r in body) == cons.total_vnd == _sheet(xlsx, "Tổng hợp")[HEAD + 5][-2]
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfprovince,year,")  # BOM: Excel reads UTF-8
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == CSV_HEADERS
    assert len(rows) - 1 == len(body)
    for c, d in zip(rows[1:], body):
        unquote = lambda s: s[1:] if s.startswith("'") else s  # noqa: E731 - CSV neutralises "-" codes
        year = "" if d[2] == "Chưa phân năm" else str(int(d[2]))
        assert [unquote(c[0]), c[1], c[2], unquote(c[3]), c[4], int(c[5]), c[6], c[7], c[8], c[9]] == \
            [d[0], year, d[3], d[4], d[5], int(d[6]), d[7], d[8], d[9], d[10]]
    assert rows[1][5].isdigit()  # amount_vnd is an integer of đồng


def test_checks_and_sources_sheets(seed_run):
    _, xlsx, _ = seed_run
    checks = _sheet(xlsx, "Kiểm tra")
    assert checks[0][:5] == ["Tệp", "Trang", "Ô", "Mức độ", "Quy tắc"]
    cells = {(r[1], r[2], r[4]) for r in checks[1:]}
    assert ("Phụ lục I", "F25", "row-sum") in cells and ("Phụ lục II", "F14", "qty-price") in cells
    wb = openpyxl.load_workbook(xlsx)
    for row in range(2, len(checks) + 1):  # every finding links to its source cell
        link = wb["Kiểm tra"].cell(row, 3).hyperlink
        assert link is not None and link.target.endswith(Path(checks[row - 1][0]).name)
        assert link.location == f"'{checks[row - 1][1]}'!{checks[row - 1][2]}"
    table = wb["Dữ liệu"].tables["DuLieu"]
    assert table.ref == f"A1:N{len(_sheet(xlsx, 'Dữ liệu'))}"
    sources = _sheet(xlsx, "Nguồn")
    assert len(sources) == 1 + 6


def test_summary_recalculates_in_libreoffice(seed_run, soffice, tmp_path):
    """Cached values equal what a real engine computes; no formula errors. The control proves
    LibreOffice did recalculate (it replaces a wrong cached value)."""
    control = recalculated_copy(soffice, control_workbook(tmp_path / "control.xlsx"), tmp_path)
    assert _sheet(control, "S")[0][0] == 2
    _, xlsx, _ = seed_run
    again = recalculated_copy(soffice, xlsx, tmp_path)
    for name in ("Tổng hợp", "Theo nội dung"):
        mine, theirs = _sheet(xlsx, name), _sheet(again, name)
        for r, (a, b) in enumerate(zip(mine, theirs)):
            for c, (x, y) in enumerate(zip(a, b)):
                assert not (isinstance(y, str) and y.startswith(("#", "Err:"))), (name, r, c, y)
                if isinstance(x, float) or isinstance(y, float):
                    assert y == pytest.approx(x, rel=1e-12), (name, r, c)
                else:
                    assert x == y, (name, r, c)


def test_units_and_2025_grouping(tmp_path):
    cons = consolidate_dir(WORKBOOKS)
    path = write_summary(cons, tmp_path / "t.xlsx", unit=MoneyUnit.TRIEU, provinces="2025")
    summary = _sheet(path, "Tổng hợp")
    rows = {r[1]: r for r in summary[HEAD + 1:] if isinstance(r[0], float)}
    # Kiên Giang belongs to An Giang and Sóc Trăng to Cần Thơ since 1 July 2025; 2025 codes order them.
    assert list(rows) == ["Đồng Tháp", "An Giang", "Cần Thơ"]  # 82, 91, 92
    assert rows["An Giang"][-2] == 5800 + 3100 + 2628
    assert rows["Cần Thơ"][-2] == 14755
    assert summary[3][0] == "Đơn vị tính: triệu đồng"


def test_classification():
    assert classify("Hội nghị sơ kết Kế hoạch thực hiện Chương trình") == "Quản lý chung"
    assert classify("HỖ TRỢ DOANH NGHIỆP trong việc xây dựng Tiêu chuẩn cơ sở") == "Hỗ trợ doanh nghiệp"
    assert classify("Tính mức độ đóng góp của năng suất các nhân tố tổng hợp (TFP)") == "Nghiên cứu, TFP, chính sách"
    assert classify("Đào tạo, tập huấn") == "Đào tạo"
    assert classify("Chi khác") == "Khác"
    assert classify("Mua sắm") is None
    rows = [["TT", "Nội dung", "Thành tiền (đồng)", "Nhóm hoạt động"], ["1", "Mua sắm", 5, "Đào tạo"],
            ["2", "Mua sắm", 5, ""]]
    from nscl_xl.reader import read_grids_plan
    (t,) = read_grids_plan([G.SheetGrid("S", rows)], "f.xlsx").tables
    assert [line_category(ln) for ln in t.lines] == ["Đào tạo", "Chưa phân loại"]


def _period_plan(path, province, years, amounts):
    rows = [[f"DỰ TOÁN KINH PHÍ TỈNH {province.upper()} GIAI ĐOẠN {years[0]} - {years[-1]}"],
            ["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Tổng kinh phí"] + years,
            ["1", "Hội thảo", sum(amounts)] + amounts, ["", "Tổng cộng", sum(amounts)] + amounts]
    return G.write_grid(path, [G.SheetGrid("Phụ lục", rows)])


def _annual_plan(path, province, year, amount):
    rows = [[f"DỰ TOÁN KINH PHÍ TỈNH {province.upper()} NĂM {year}"], ["TT", "Nội dung", "Thành tiền (triệu đồng)"],
            ["1", "Hội thảo", amount], ["", "Tổng cộng", amount]]
    return G.write_grid(path, [G.SheetGrid("Phụ lục", rows)])


def test_annual_plan_wins_over_period_plan(tmp_path):
    _period_plan(tmp_path / "a.xlsx", "Long An", [2026, 2027], [100, 200])
    _annual_plan(tmp_path / "b.xlsx", "Long An", 2027, 250)
    cons = consolidate_dir(tmp_path)
    by_year = cons.matrix(lambda r: r.province)["Long An"]
    assert by_year == {2026: 100 * M, 2027: 250 * M}
    (o,) = cons.overlaps
    assert (o.province, o.year, o.annual_vnd, o.period_vnd, o.difference_vnd) == ("Long An", 2027, 250 * M, 200 * M,
                                                                                    50 * M)
    assert [r.amount_vnd for r in cons.superseded] == [200 * M]
    out = write_summary(cons, tmp_path / "out" / "t.xlsx")
    summary = _sheet(out, "Tổng hợp")
    block = next(i for i, r in enumerate(summary) if str(r[0]).startswith("Năm có cả"))
    assert summary[block + 2][1:6] == ["Long An", 2027, 250, 200, 50]


def test_skipped_files_and_exit_codes(tmp_path):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    (tmp_path / "hong.xlsx").write_bytes(b"PK\x03\x04broken")
    (tmp_path / "~$kg.xlsx").write_bytes(b"lock")
    (tmp_path / ".an.xlsx").write_bytes(b"hidden")
    G.write_grid(tmp_path / "ghi_chu.xlsx", [G.SheetGrid("S", [["không có bảng"]])])
    before = {p.name: sha256(p) for p in tmp_path.iterdir()}
    r = CliRunner()
    res = r.invoke(main, ["consolidate", str(tmp_path), "-o", str(tmp_path / "out" / "th.xlsx")])
    assert res.exit_code == 3, res.output
    assert "hong.xlsx" in res.output and "ghi_chu.xlsx" in res.output and "~$kg.xlsx" in res.output
    assert "Ba tỷ, một trăm triệu đồng" in res.output
    sources = _sheet(tmp_path / "out" / "th.xlsx", "Nguồn")
    reasons = {Path(row[0]).name: row[11] for row in sources[1:]}
    assert "bị hỏng" in reasons["hong.xlsx"] and "không tìm thấy bảng" in reasons["ghi_chu.xlsx"]
    assert {p.name: sha256(p) for p in tmp_path.iterdir() if p.is_file()} == before  # inputs untouched

    strict = r.invoke(main, ["consolidate", str(tmp_path), "--strict", "-o", str(tmp_path / "s.xlsx")])
    assert strict.exit_code == 2 and not (tmp_path / "s.xlsx").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.xlsx").write_bytes(b"junk")
    none = r.invoke(main, ["consolidate", str(empty), "-o", str(tmp_path / "n.xlsx")])
    assert none.exit_code == 2 and not (tmp_path / "n.xlsx").exists()


def test_own_summary_is_never_counted_again(tmp_path):
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    r = CliRunner()
    assert r.invoke(main, ["consolidate", str(tmp_path), "-o", str(tmp_path / "th.xlsx")]).exit_code == 0
    again = r.invoke(main, ["consolidate", str(tmp_path), "-o", str(tmp_path / "th.xlsx")])
    assert again.exit_code == 0 and "Tổng cộng: 3.100.000.000 đồng" in again.output


def test_failed_write_leaves_no_output(tmp_path, monkeypatch):
    cons = consolidate_dir(WORKBOOKS)
    import nscl_xl.summary as summary

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(summary, "_write_sources", boom)
    with pytest.raises(RuntimeError):
        summary.write_summary(cons, tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_csv_neutralises_formula_injection(tmp_path):
    rows = [["TỈNH LONG AN NĂM 2025"], ["TT", "Nội dung", "Thành tiền (đồng)"],
            ["1", "=HYPERLINK(\"http://x\",\"bấm\")", 5], ["2", "+cmd", 6], ["3", "@SUM(A1)", 7], ["", "Tổng cộng", 18]]
    G.write_grid(tmp_path / "x.xlsx", [G.SheetGrid("S", rows)])
    cons = consolidate_dir(tmp_path)
    out = write_csv(cons, tmp_path / "x.csv")
    with open(out, encoding="utf-8-sig") as f:
        items = [row["item"] for row in csv.DictReader(f)]
    assert items == ["'=HYPERLINK(\"http://x\",\"bấm\")", "'+cmd", "'@SUM(A1)"]
    xlsx = write_summary(cons, tmp_path / "out" / "x.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb["Dữ liệu"]["F2"].data_type == "s" and wb["Dữ liệu"]["F2"].value.startswith("=HYPERLINK")


def test_amounts_exact_in_summary_units(tmp_path):
    """211.820.000 đồng is 211,82 triệu: exact in the cached value, and the data stays in đồng."""
    cons = consolidate_dir(WORKBOOKS)
    path = write_summary(cons, tmp_path / "t.xlsx", unit=MoneyUnit.TRIEU)
    content = _sheet(path, "Theo nội dung")
    values = [v for row in content for v in row if isinstance(v, float)]
    assert Decimal("2466.18") in {Decimal(repr(v)) for v in values}

"""One plan counted once: copies, the toolkit's own outputs, backups, conflicts and hidden sheets.

Every case builds its folder, then asserts the total in đồng, each file's status and the exit code;
a hypothesis property adds random extras to a consistent folder and expects the same totals."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import python_calamine as pc
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscl_xl.cli import main
from nscl_xl.consolidate import consolidate_dir, container_marks, plan_date_key
from nscl_xl.summary import write_summary

from .conftest import WORKBOOKS, sha256

M = 1_000_000


def plan_xlsx(path: Path, province: str, year: int, amounts: list[int], *, date: str = "", made_by: str = "",
              hidden: dict[str, list[int]] | None = None, very_hidden: bool = False) -> Path:
    """An annual plan (triệu đồng) written with XlsxWriter; *hidden* adds hidden sheets holding
    other versions of the table; *made_by* sets the toolkit's nscl_xl_kind marker."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    if made_by:
        wb.set_custom_property("nscl_xl_kind", made_by)

    def table(ws, values):
        ws.write(0, 0, f"DỰ TOÁN KINH PHÍ TỈNH {province.upper()} NĂM {year}")
        ws.write_row(1, 0, ["TT", "Nội dung", "Thành tiền (triệu đồng)"])
        for i, v in enumerate(values):
            ws.write_row(2 + i, 0, [str(i + 1), f"Hội thảo {i + 1}", v])
        ws.write_row(2 + len(values), 0, ["", "Tổng cộng", sum(values)])

    table(wb.add_worksheet("Phụ lục"), amounts)
    if date:
        info = wb.add_worksheet("Thông tin")
        info.write_row(0, 0, ["Ngày", date])
    for name, values in (hidden or {}).items():
        ws = wb.add_worksheet(name)
        table(ws, values)
        ws.very_hidden() if very_hidden else ws.hide()
    wb.close()
    return path


def status(cons) -> dict[str, tuple[str, str]]:
    return {Path(s.file).name: (s.status, s.reason) for s in cons.sources}


def test_identical_copies_counted_once(tmp_path):
    plan_xlsx(tmp_path / "long_an.xlsx", "Long An", 2025, [100, 200])
    shutil.copy(tmp_path / "long_an.xlsx", tmp_path / "long_an (1).xlsx")
    shutil.copy(tmp_path / "long_an.xlsx", tmp_path / "gui_lai_ban_cuoi.xlsx")
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 300 * M and cons.exit_code == 0
    st_ = status(cons)
    assert st_["long_an.xlsx"][0] == "used"  # not the "(1)" copy, though it is listed first
    assert st_["long_an (1).xlsx"][0] == st_["gui_lai_ban_cuoi.xlsx"][0] == "duplicate"
    assert "cùng nội dung với long_an.xlsx" in st_["long_an (1).xlsx"][1]
    assert {(Path(f.file).name, f.rule) for f in cons.findings} >= {("long_an (1).xlsx", "duplicate-plan"),
                                                                    ("gui_lai_ban_cuoi.xlsx", "duplicate-plan")}


@pytest.mark.parametrize("made_by", ["filled", "annotated"])
def test_toolkit_outputs_recognised_by_marker_whatever_their_name(tmp_path, made_by):
    plan_xlsx(tmp_path / "ca_mau.xlsx", "Cà Mau", 2025, [100, 200])
    # The toolkit's copy of the same plan, with other figures (years filled, corrections…).
    plan_xlsx(tmp_path / "ban_moi_nhat.xlsx", "Cà Mau", 2025, [150, 250], made_by=made_by)
    assert container_marks(tmp_path / "ban_moi_nhat.xlsx").made_by == made_by
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 300 * M and cons.exit_code == 0 and not cons.conflicts
    assert status(cons)["ban_moi_nhat.xlsx"][0] == "ignored"
    assert "của kế hoạch ca_mau.xlsx" in status(cons)["ban_moi_nhat.xlsx"][1]


def test_toolkit_output_alone_is_used(tmp_path):
    plan_xlsx(tmp_path / "x.xlsx", "Cà Mau", 2025, [150, 250], made_by="filled")
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 400 * M and status(cons)["x.xlsx"][0] == "used"


def test_summary_by_marker_and_backup_by_name(tmp_path):
    plan_xlsx(tmp_path / "ben_tre.xlsx", "Bến Tre", 2024, [10, 20])
    write_summary(consolidate_dir(tmp_path), tmp_path / "bao_cao_gui_so.xlsx")  # any name
    plan_xlsx(tmp_path / "ben_tre.bak-20260101-093000.xlsx", "Bến Tre", 2024, [11, 20])  # before an edit
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 30 * M and cons.exit_code == 0
    st_ = status(cons)
    assert st_["bao_cao_gui_so.xlsx"][0] == "ignored" and "sổ tổng hợp do nscl-xl tạo" in st_["bao_cao_gui_so.xlsx"][1]
    assert st_["ben_tre.bak-20260101-093000.xlsx"][0] == "ignored"


def test_conflict_latest_plan_date_wins_and_exit_3(tmp_path):
    plan_xlsx(tmp_path / "a.xlsx", "Hậu Giang", 2025, [100, 200], date="15/3/2025")
    plan_xlsx(tmp_path / "b.xlsx", "Hậu Giang", 2025, [100, 250], date="ngày 02/10/2025")
    os.utime(tmp_path / "b.xlsx", (1_600_000_000, 1_600_000_000))  # older file, later plan date
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 350 * M and cons.exit_code == 3
    (c,) = cons.conflicts
    assert (Path(c.used_file).name, Path(c.other_file).name, c.used_vnd, c.other_vnd, c.difference_vnd) == (
        "b.xlsx", "a.xlsx", 350 * M, 300 * M, -50 * M)
    assert "ngày ban hành sau (2/10/2025)" in c.rule
    assert status(cons)["a.xlsx"][0] == "conflict"
    assert any(f.rule == "plan-conflict" and f.severity == "error" for f in cons.findings)
    out = write_summary(cons, tmp_path / "out" / "t.xlsx")
    rows = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Tổng hợp").to_python()
    i = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Kế hoạch xung đột"))
    assert rows[i + 2][1:7] == ["Hậu Giang", "b.xlsx", 350, "a.xlsx", 300, -50]

    before = {p.name: sha256(p) for p in tmp_path.glob("*.xlsx")}
    res = CliRunner().invoke(main, ["consolidate", str(tmp_path), "--strict", "-o", str(tmp_path / "s.xlsx")])
    assert res.exit_code == 3 and not (tmp_path / "s.xlsx").exists(), res.output
    assert "a.xlsx" in res.output and "b.xlsx" in res.output and "Hãy giữ" in res.output
    assert {p.name: sha256(p) for p in tmp_path.glob("*.xlsx")} == before


def test_conflict_without_dates_latest_modification_wins(tmp_path):
    plan_xlsx(tmp_path / "a.xlsx", "Trà Vinh", 2025, [100])
    plan_xlsx(tmp_path / "b.xlsx", "Trà Vinh", 2025, [120])
    os.utime(tmp_path / "b.xlsx", (1_600_000_000, 1_600_000_000))
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 100 * M and cons.exit_code == 3
    assert "sửa đổi sau cùng" in cons.conflicts[0].rule and status(cons)["b.xlsx"][0] == "conflict"


def test_annual_and_period_plans_are_not_a_conflict(tmp_path):
    plan_xlsx(tmp_path / "a.xlsx", "Trà Vinh", 2025, [100])
    plan_xlsx(tmp_path / "b.xlsx", "Trà Vinh", 2026, [120])  # another year: both count
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 220 * M and cons.exit_code == 0 and not cons.conflicts


def test_plan_date_key():
    assert plan_date_key("/8/2021 (ký số ngày 13/8/2021)") == (2021, 8, 13)
    assert plan_date_key("/ /2024") is None and plan_date_key("") is None
    assert plan_date_key("07/6/2021") == (2021, 6, 7)


@pytest.mark.parametrize("very", [False, True])
def test_hidden_sheets_never_summed_without_a_finding(tmp_path, very):
    plan_xlsx(tmp_path / "kg.xlsx", "Kiên Giang", 2025, [100, 200], hidden={"Bản cũ 2024": [900, 900]},
              very_hidden=very)
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 300 * M
    (f,) = [f for f in cons.findings if f.rule == "hidden-sheet"]
    assert (Path(f.file).name, f.sheet, f.found) == ("kg.xlsx", "Bản cũ 2024", str(1800 * M))
    assert "Bỏ ẩn" in f.message and len(cons.hidden) == 2


def test_only_hidden_tables_is_a_skipped_file(tmp_path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "an.xlsx"))
    wb.add_worksheet("Bìa").write(0, 0, "Kế hoạch")
    ws = wb.add_worksheet("Phụ lục")
    ws.write(0, 0, "DỰ TOÁN KINH PHÍ TỈNH LONG AN NĂM 2025")
    ws.write_row(1, 0, ["TT", "Nội dung", "Thành tiền (triệu đồng)"])
    ws.write_row(2, 0, ["1", "Hội thảo", 5])
    ws.hide()
    wb.close()
    shutil.copy(WORKBOOKS / "kien_giang_2021.xlsx", tmp_path / "kg.xlsx")
    cons = consolidate_dir(tmp_path)
    assert cons.total_vnd == 3_100_000_000 and cons.exit_code == 3
    assert status(cons)["an.xlsx"][0] == "skipped" and "trang ẩn" in status(cons)["an.xlsx"][1]


# --- the property ------------------------------------------------------------------------------------

PROVINCES = ["Long An", "Bến Tre", "Hà Giang", "Cà Mau", "Điện Biên"]

extras = st.lists(st.sampled_from(["copy", "renamed", "summary", "filled", "annotated", "backup", "hidden",
                                   "pdf", "docx", "lock"]), max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=st.lists(st.tuples(st.sampled_from(PROVINCES), st.integers(2021, 2030),
                                st.lists(st.integers(1, 10_000), min_size=1, max_size=4)),
                      min_size=1, max_size=4, unique_by=lambda p: (p[0], p[1])),
       extra=extras, pick=st.randoms(use_true_random=False))
def test_property_extras_never_change_the_totals(tmp_path_factory, plans, extra, pick):
    folder = tmp_path_factory.mktemp("prop")
    files, expected = [], {}
    for n, (province, year, amounts) in enumerate(plans):
        files.append(plan_xlsx(folder / f"p{n}.xlsx", province, year, amounts))
        expected[(province, year)] = sum(amounts) * M
    added = []
    for k, kind in enumerate(extra):
        src = pick.choice(files)
        province, year, amounts = plans[files.index(src)]
        if kind == "copy":
            dst = folder / f"sub{k}" / src.name
            dst.parent.mkdir()
            shutil.copy(src, dst)
        elif kind == "renamed":
            dst = folder / f"ke hoach gui lai {k} (1).xlsx"
            shutil.copy(src, dst)
        elif kind == "summary":
            dst = folder / f"tong_hop_{k}.xlsx"
            write_summary(consolidate_dir(src), dst)
        elif kind in ("filled", "annotated"):
            dst = plan_xlsx(folder / f"{src.stem}_{kind}_{k}.xlsx", province, year, [a + 1 for a in amounts],
                            made_by=kind)
        elif kind == "backup":
            dst = plan_xlsx(folder / f"{src.stem}.bak-20260101-0000{k:02d}.xlsx", province, year, [a * 2 for a in amounts])
        elif kind == "hidden":  # the plan rewritten with last year's version on a hidden sheet
            plan_xlsx(src, province, year, amounts, hidden={f"Cũ {k}": [7, 7]})
            continue
        else:
            dst = folder / (f"~$p{k}.xlsx" if kind == "lock" else f"ke_hoach_{k}.{kind}")
            dst.write_bytes(b"%PDF-1.4" if kind == "pdf" else b"PK\x03\x04")
        added.append(dst)
    cons = consolidate_dir(folder)
    got: dict = {}
    for r in cons.records:
        got[(r.province, r.year)] = got.get((r.province, r.year), 0) + r.amount_vnd
    assert got == expected
    assert cons.exit_code == 0 and not cons.conflicts
    by_file = {Path(s.file).resolve(): s for s in cons.sources}
    every = {p.resolve() for p in folder.rglob("*") if p.is_file()}
    assert every == set(by_file)  # every file in the folder is accounted for
    # One file per plan is used (of identical copies, any one); every other file says why not.
    assert len(cons.used) == len(plans)
    assert {(s.province, int(s.period[:4])) for s in cons.used} == set(expected)
    for s in cons.sources:  # every file not counted says why, and what to do (or that nothing is needed)
        if s.status != "used":
            assert "hãy" in s.reason.lower() or "không cần làm gì" in s.reason.lower(), s


# --- one order everywhere ---------------------------------------------------------------------------

def test_same_official_order_in_every_sheet_csv_json_and_chart(tmp_path):
    import csv
    import json
    import zipfile

    import xlsxwriter

    folder = tmp_path / "in"
    folder.mkdir()
    names = ["Cà Mau", "Bạc Liêu", "Đà Nẵng", "Long An", "Hà Giang", "Bình Định", "Đảo Xa"]
    for i, name in enumerate(names):
        path = folder / f"f{i}.xlsx"
        if name == "Đảo Xa":  # not a province in the code list: named in the Thông tin sheet
            wb = xlsxwriter.Workbook(str(path))
            ws = wb.add_worksheet("Phụ lục")
            ws.write_row(0, 0, ["TT", "Nội dung", "Thành tiền (triệu đồng)"])
            ws.write_row(1, 0, ["1", "Hội thảo", 7])
            info = wb.add_worksheet("Thông tin")
            info.write_row(0, 0, ["Tỉnh", "Đảo Xa"])
            info.write_row(1, 0, ["Năm", "2025"])
            wb.close()
        else:
            plan_xlsx(path, name, 2025, [10 + i])
    expected = {"as-written": ["Hà Giang", "Đà Nẵng", "Bình Định", "Long An", "Bạc Liêu", "Cà Mau", "Đảo Xa"],
                "2025": ["Tuyên Quang", "Đà Nẵng", "Gia Lai", "Tây Ninh", "Cà Mau", "Đảo Xa"]}
    for grouping, order in expected.items():
        out = tmp_path / grouping
        res = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out / "t.xlsx"), "--csv",
                                        str(out / "t.csv"), "--json", str(out / "t.json"), "--provinces", grouping])
        assert res.exit_code == 0, res.output
        wb = pc.CalamineWorkbook.from_path(str(out / "t.xlsx"))
        rows = wb.get_sheet_by_name("Tổng hợp").to_python()
        table = [r[1] for r in rows[6:] if isinstance(r[0], float)]
        assert table == order
        col = 1 if grouping == "2025" else 0
        data = [r[col] for r in wb.get_sheet_by_name("Dữ liệu").to_python()[1:]]
        assert list(dict.fromkeys(data)) == order
        with open(out / "t.csv", encoding="utf-8-sig") as fh:
            csv_rows = list(csv.DictReader(fh))
        from nscl_xl.provinces import merged_2025

        csv_order = [merged_2025(r["province"]) if grouping == "2025" else r["province"] for r in csv_rows]
        assert list(dict.fromkeys(csv_order)) == order
        if grouping == "as-written":
            assert [p["province"] for p in json.loads((out / "t.json").read_text("utf-8"))["provinces"]] == order
        chart = zipfile.ZipFile(out / "t.xlsx").read("xl/charts/chart1.xml").decode()
        assert f"<c:f>'Tổng hợp'!$B$7:$B${6 + len(order)}</c:f>" in chart  # the chart reads the table's rows


def test_hidden_sheet_in_other_formats(soffice, tmp_path):
    """.ods and .xls keep sheet visibility elsewhere than xl/workbook.xml: read through calamine."""
    from .lo import convert

    (tmp_path / "src").mkdir()
    src = plan_xlsx(tmp_path / "src" / "kg.xlsx", "Kiên Giang", 2025, [100, 200], hidden={"Cũ": [900]})
    for target in ("ods", "xls:MS Excel 97"):
        folder = tmp_path / target.split(":")[0]
        convert(soffice, src, tmp_path, target, recalc=False, outdir=folder)
        cons = consolidate_dir(folder)
        assert cons.total_vnd == 300 * M, target
        assert [f.sheet for f in cons.findings if f.rule == "hidden-sheet"] == ["Cũ"], target


def test_marker_written_by_openpyxl_is_recognised(tmp_path):
    """The filled and annotated copies are written with openpyxl: its custom.xml form is read too."""
    import openpyxl
    from openpyxl.packaging.custom import StringProperty

    src = plan_xlsx(tmp_path / "a.xlsx", "Cà Mau", 2025, [1])
    wb = openpyxl.load_workbook(src)
    wb.custom_doc_props.append(StringProperty(name="nscl_xl_kind", value="annotated"))
    wb.save(tmp_path / "b.xlsx")
    assert container_marks(tmp_path / "b.xlsx").made_by == "annotated"
    assert container_marks(src).made_by == ""

"""The ``nscl-xl`` command line: a thin layer over the library.

Each command calls one library function (the same one the Excel buttons call) and turns
its result into text and an exit code. Heavy modules are imported inside the commands so
``nscl-xl --help`` starts fast.

Exit codes: 0 success; 1 verify found errors; 2 an input could not be read / bad usage;
3 consolidate skipped some files.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from . import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(exc: Exception) -> None:
    """Print a user-facing error (never a traceback) and exit with its code."""
    from .errors import NsclError

    code = exc.exit_code if isinstance(exc, NsclError) else 2
    click.echo(f"Lỗi: {exc}", err=True)
    sys.exit(code)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="nscl-xl")
def main() -> None:
    """Công cụ dự toán Chương trình năng suất chất lượng (NSCL) trên Excel.

    Điền cột năm, kiểm tra tổng, viết số tiền bằng chữ và tổng hợp nhiều tỉnh.
    """


# --- words ----------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT)
@click.argument("amount", required=False)
@click.option("--parse", "parse_text", metavar="TEXT",
              help="Đọc số tiền bằng chữ, in ra số (đồng); văn bản đọc được nhiều cách thì báo lỗi, liệt kê các cách.")
@click.option("--unit", type=click.Choice(["dong", "nghin", "trieu", "ty"]), default="dong", show_default=True,
              help="Đơn vị của AMOUNT; được đổi ra đồng trước khi viết.")
@click.option("--style", type=click.Choice(["chuan", "le", "ngan", "mien-nam"]), default="chuan", show_default=True,
              help="Kiểu đọc: chuan (linh, nghìn), le (lẻ), ngan (ngàn), mien-nam (lẻ, ngàn, tư).")
@click.option("--le", "zero_le", is_flag=True, help="Dùng 'lẻ' thay cho 'linh'.")
@click.option("--ngan", is_flag=True, help="Dùng 'ngàn' thay cho 'nghìn'.")
@click.option("--tu", is_flag=True, help="Đọc 4 sau hàng chục là 'tư' (hai mươi tư).")
@click.option("--ti", is_flag=True, help="Viết 'tỉ' thay cho 'tỷ'.")
@click.option("--chan", is_flag=True, help="Thêm 'chẵn' ở cuối.")
@click.option("--no-commas", is_flag=True, help="Không đặt dấu phẩy sau mỗi nhóm.")
@click.option("--no-dong", is_flag=True, help="Chỉ đọc số, không viết hoa, không có 'đồng'.")
@click.option("--usd", is_flag=True, help="Đô la Mỹ (đô la Mỹ … xu).")
@click.option("--decimals", type=click.Choice(["digits", "group"]), default="digits", show_default=True,
              help="Phần sau 'phẩy': đọc từng chữ số hoặc đọc cả nhóm.")
def words(amount, parse_text, unit, style, zero_le, ngan, tu, ti, chan, no_commas, no_dong, usd, decimals):
    """Viết AMOUNT bằng chữ (ví dụ 2628000000 hoặc 2.628.000.000), hoặc đọc ngược với --parse."""
    import dataclasses

    from .money import MoneyUnit
    from .words import STYLES, WordsError, amount_to_words, money_words, words_to_amount

    try:
        if parse_text is not None:
            # An ambiguous text (flat "tỷ", "5,405 triệu") raises AmbiguousWords listing its readings.
            click.echo(words_to_amount(parse_text))
            return
        if amount is None:
            raise click.UsageError("cần AMOUNT hoặc --parse TEXT")
        st = STYLES[style]
        changes = {k: v for k, v, on in [("zero_tens", "lẻ", zero_le), ("thousand", "ngàn", ngan),
                                         ("four_after_tens", "tư", tu), ("billion", "tỉ", ti), ("even", True, chan),
                                         ("group_commas", False, no_commas)] if on}
        st = dataclasses.replace(st, decimals=decimals, **changes)
        if usd:
            from .words import exact_number
            click.echo(money_words(exact_number(amount), "USD", st))
        else:
            click.echo(amount_to_words(amount, unit=MoneyUnit.from_key(unit), style=st, currency=not no_dong))
    except WordsError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        sys.exit(2)


# --- verify ---------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In danh sách phát hiện dạng JSON.")
@click.option("--annotate", type=click.Path(path_type=Path), metavar="OUT.xlsx",
              help="Ghi bản sao có tô màu, ghi chú và trang 'Kiểm tra' (chỉ với một tệp).")
@click.option("--no-formulas", is_flag=True, help="Bỏ qua kiểm tra công thức (nhanh hơn).")
def verify(paths, as_json, annotate, no_formulas):
    """Kiểm tra tổng của các bảng dự toán trong PATHS (tệp hoặc thư mục).

    Mã thoát: 0 không có lỗi, 1 có lỗi, 2 có tệp không đọc được.
    """
    from .errors import NsclError
    from .findings import ERROR, Finding, has_errors
    from .report import annotate_workbook, json_report, text_report
    from .verify import sort_findings, verify_path
    from .workbook_io import iter_workbook_files

    files: list[Path] = []
    for p in paths:
        if not p.exists():
            _fail(NsclError("không tìm thấy tệp hoặc thư mục.", file=str(p)))
        found, _ = iter_workbook_files(p)
        files.extend(found)
    if annotate and len(files) != 1:
        _fail(NsclError("--annotate chỉ dùng với đúng một tệp Excel."))
    findings: list[Finding] = []
    unreadable = False
    show_progress = len(files) > 1 and not as_json
    with click.progressbar(files, label="Đang kiểm tra", file=sys.stderr,
                           show_pos=True) if show_progress else contextlib.nullcontext(files) as bar:
        for f in bar:
            try:
                _, fs = verify_path(f, formulas=not no_formulas)
                findings.extend(fs)
            except NsclError as exc:
                unreadable = True
                findings.append(Finding(str(f), exc.sheet, exc.cell, exc.rule, ERROR, exc.message))
    findings = sort_findings(findings)
    click.echo(json_report(findings) if as_json else text_report(findings))
    if annotate:
        try:
            out = annotate_workbook(files[0], findings, annotate)
            click.echo(f"Đã ghi bản đánh dấu: {out}", err=True)
        except NsclError as exc:
            _fail(exc)
    sys.exit(2 if unreadable else (1 if has_errors(findings) else 0))


# --- consolidate ----------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("tong_hop_nscl.xlsx"),
              show_default=True, help="Sổ tổng hợp (.xlsx) sẽ ghi.")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), help="Ghi thêm dữ liệu dạng CSV (UTF-8).")
@click.option("--unit", type=click.Choice(["dong", "nghin", "trieu"]), default="trieu", show_default=True,
              help="Đơn vị tiền trên các trang tổng hợp.")
@click.option("--provinces", type=click.Choice(["as-written", "2025"]), default="as-written", show_default=True,
              help="Nhóm theo tên tỉnh ghi trong kế hoạch, hoặc theo 34 đơn vị từ 1/7/2025.")
@click.option("--strict", is_flag=True, help="Dừng ngay ở tệp đầu tiên không đọc được.")
def consolidate(directory, output, csv_out, unit, provinces, strict):
    """Tổng hợp mọi bảng dự toán trong DIRECTORY (kể cả thư mục con) thành một sổ tổng hợp.

    Mã thoát: 0 dùng được mọi tệp, 3 có tệp bị bỏ qua, 2 không tổng hợp được gì.
    """
    from .consolidate import consolidate_dir
    from .errors import NsclError
    from .money import MoneyUnit, format_vn
    from .summary import write_csv, write_summary
    from .words import amount_to_words

    try:
        with contextlib.ExitStack() as stack:
            bars = []

            def progress(_path, total):  # the bar is made once consolidate_dir has listed the folder
                if not bars:
                    bars.append(stack.enter_context(click.progressbar(length=total, label="Đang đọc",
                                                                      file=sys.stderr, show_pos=True)))
                bars[0].update(1)

            cons = consolidate_dir(directory, strict=strict, progress=progress)
        if not cons.used:
            raise NsclError("không có tệp nào tổng hợp được (xem lý do ở trên).", file=str(directory))
        write_summary(cons, output, unit=MoneyUnit.from_key(unit), provinces=provinces)
        if csv_out:
            write_csv(cons, csv_out)
    except NsclError as exc:
        for s in (cons.skipped if "cons" in locals() else []):
            click.echo(f"  bỏ qua {s.file}: {s.reason}", err=True)
        _fail(exc)
    used, skipped = cons.used, cons.skipped
    ignored = [s for s in cons.sources if s.status == "ignored"]
    click.echo(f"Đã đọc {len(used)} tệp, bỏ qua {len(skipped)} tệp lỗi, {len(ignored)} tệp không cần tổng hợp.")
    for s in skipped + ignored:
        click.echo(f"  bỏ qua {s.file}: {s.reason}")
    n_err = sum(f.severity == "error" for f in cons.findings)
    if cons.findings:
        click.echo(f"Kiểm tra: {n_err} lỗi, {len(cons.findings) - n_err} cảnh báo (xem trang 'Kiểm tra').")
    for o in cons.overlaps:
        click.echo(f"  {o.province} năm {o.year}: dùng kế hoạch năm {format_vn(o.annual_vnd)} đồng thay cho kế hoạch "
                   f"giai đoạn {format_vn(o.period_vnd)} đồng (chênh lệch {format_vn(o.difference_vnd)} đồng).")
    total = cons.total_vnd
    click.echo(f"Tổng cộng: {format_vn(total)} đồng ({amount_to_words(total)}).")
    click.echo(f"Đã ghi: {output}" + (f" và {csv_out}" if csv_out else ""))
    sys.exit(cons.exit_code)


# --- fill-years -----------------------------------------------------------------------------------

def _period(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    import re

    m = re.fullmatch(r"\s*(20\d\d)\s*[-–:]\s*(20\d\d)\s*", value)
    if not m or int(m.group(1)) > int(m.group(2)):
        raise click.BadParameter("dạng đúng: 2026-2030")
    return int(m.group(1)), int(m.group(2))


@main.command("fill-years", context_settings=CONTEXT)
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--sheet", help="Trang cần điền (mặc định: bảng dự toán đầu tiên).")
@click.option("--period", metavar="2026-2030", help="Giai đoạn, khi tiêu đề và bảng chưa ghi.")
@click.option("--spread", type=click.Choice(["even", "front", "back"]), default="even", show_default=True,
              help="Phần dư đơn vị chia vào đâu: đều, những năm đầu, những năm cuối.")
@click.option("--schedule", multiple=True, metavar="MÃ:u1,u2,…",
              help="Số đơn vị từng năm cho một dòng, ví dụ 5.3:0,1,1,1,0 (lặp lại cho nhiều dòng).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Tệp kết quả (mặc định: <tên>_da_dien_nam.xlsx).")
@click.option("--overwrite", is_flag=True, help="Tính lại cả những ô năm đã nhập tay.")
@click.option("--in-place", is_flag=True, help="Sửa trực tiếp tệp gốc (có tạo bản sao lưu trước).")
def fill_years(file, sheet, period, spread, schedule, output, overwrite, in_place):
    """Điền các cột năm của bảng dự toán trong FILE: chia số lượng theo năm (nguyên đơn vị),
    công thức tổng dòng, tổng mục và tổng cộng (có sẵn giá trị), dòng bằng chữ."""
    from .errors import NsclError
    from .fill import fill_workbook, parse_schedule
    from .money import format_vn

    try:
        report = fill_workbook(file, output, sheet=sheet, period=_period(period), spread=spread,
                               schedule=parse_schedule(schedule), overwrite=overwrite, in_place=in_place)
    except NsclError as exc:
        _fail(exc)
    for m in report.messages:
        click.echo(f"  {m}")
    if report.backup:
        click.echo(f"Đã sao lưu tệp gốc: {report.backup}")
    click.echo(f"Đã điền trang '{report.sheet}', các năm {report.years[0]}–{report.years[-1]}, {report.formulas} công "
               f"thức. Tổng cộng: {format_vn(report.grand_total_dong)} đồng {report.words}")
    click.echo(f"Đã ghi: {report.output}")


# --- build-excel ----------------------------------------------------------------------------------

@main.command("build-excel", context_settings=CONTEXT)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Thư mục ghi nscl.xlam và mau_du_toan_nscl.xlsm.")
def build_excel(output):
    """Dựng add-in Excel (nscl.xlam, thẻ NSCL trên ribbon) và sổ mẫu có nút bấm, từ mã nguồn trong macros/."""
    from .build_excel import build

    addin, template = build(output)
    click.echo(f"Đã ghi: {addin}\nĐã ghi: {template}")

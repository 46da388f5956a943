"""The ``nscl-xl`` command line: a thin layer over the library.

Each command calls one library function (the same one the Excel buttons call) and turns
its result into text and an exit code. Heavy modules are imported inside the commands so
``nscl-xl --help`` starts fast.

Exit codes (README "Errors and exit codes"): 0 success; 1 findings at the ``--fail-on`` level
(verify: errors by default); 2 an input could not be read / bad usage / nothing to do; 3
consolidate skipped some files or found two plans in conflict; 4 an output could not be written;
5 verify checked nothing (no workbook, or no amount in any); 70 an internal error (the message
names the log file holding the traceback); 130 interrupted.

Every command runs inside :meth:`NsclGroup.invoke`: a known failure becomes its Vietnamese
message and exit code, anything else (a bug, a library panic) exit 70 and a log file, never a
traceback. Output streams are set up once (:func:`setup_streams`): UTF-8 whatever the console
code page, control characters in cell text escaped.

Conventions (as in csvkit and sqlite-utils): ``-`` as an output path means standard output,
and then every human message goes to standard error; ``-q/--quiet`` keeps only errors;
choices are accepted with or without Vietnamese accents; click's own texts are Vietnamese
(:mod:`nscl_xl.clickvn`).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import click

from . import __version__
from .clickvn import VnChoice, VnGroup
from .errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_NOTHING_CHECKED

UNITS = VnChoice(["dong", "nghin", "trieu", "ty"], aliases={"ngan": "nghin", "ti": "ty", "tỉ": "ty"},
                 labels={"dong": "đồng", "nghin": "nghìn", "trieu": "triệu", "ty": "tỷ"})
FAIL_ON = VnChoice(["error", "warning", "never"], aliases={"loi": "error", "canh-bao": "warning", "khong": "never"},
                   labels={"error": "lỗi", "warning": "cảnh báo", "never": "không bao giờ"})
FAIL_ON_HELP = ("Trả mã thoát 1 khi có phát hiện từ mức này: error (lỗi), warning (cả cảnh báo), never (không bao "
                "giờ; mã 2 và 3 vẫn giữ nghĩa của chúng).")

#: verify's exit code when nothing was checked: no workbook, or none holds an amount to check.
NOTHING_CHECKED = EXIT_NOTHING_CHECKED

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class InputPath(click.Path):
    """A path argument that is never empty: ``""`` (an unset ``"$DIR"``) would become ``.`` and the
    command would read, and write into, whatever folder it is run from."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("đường dẫn trống (biến chưa đặt giá trị?); hãy ghi rõ tệp hoặc thư mục.", param, ctx)
        return super().convert(value, param, ctx)


def _fail(exc: Exception) -> None:
    """Print a user-facing error (never a traceback) and exit with its code."""
    from .errors import EXIT_INPUT, NsclError
    from .text import printable

    code = exc.exit_code if isinstance(exc, NsclError) else EXIT_INPUT
    click.echo(f"Lỗi: {printable(str(exc))}", err=True)
    sys.exit(code)


class _SafeConsole(io.TextIOWrapper):
    """A text stream that writes UTF-8 and never passes control characters through (an ANSI
    escape in a cell could clear the screen or fake a green "no errors" line). The cursor
    show/hide sequences of click's progress bar are the only escapes let through."""

    def write(self, s: str) -> int:
        from .text import printable

        try:
            return super().write(printable(s, keep_cursor=True))
        except OSError as exc:
            return self._failed(exc, len(s))

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            self._failed(exc, 0)

    def _failed(self, exc: OSError, n: int) -> int:
        """A failed write to stdout (a full disk behind ``> out.json``) is an output error, exit 4;
        a closed pipe stays BrokenPipeError (the reader left). Messages that cannot reach stderr
        are dropped: there is nowhere to report that, and the exit code still tells."""
        from .safe_write import output_error

        if self.name != "<stdout>":
            return n
        if isinstance(exc, BrokenPipeError):
            raise exc
        raise output_error(exc, Path("stdout"), "không ghi được ra đầu ra chuẩn (stdout)") from exc


def setup_streams() -> None:
    """UTF-8 stdout/stderr with control characters escaped, whatever the console code page or
    PYTHONIOENCODING (a cp1258 console redirected to a file must not crash on "ộ")."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or stream is not getattr(sys, f"__{name}__") or isinstance(stream, _SafeConsole):
            continue  # replaced by a test runner or already set up
        try:
            stream.flush()
            buffer = stream.detach()
        except (AttributeError, ValueError, io.UnsupportedOperation):
            continue
        new = _SafeConsole(buffer, encoding="utf-8", errors="backslashreplace",
                           line_buffering=stream.line_buffering, write_through=True)
        setattr(sys, name, new)
        setattr(sys, f"__{name}__", new)


def _internal_error(exc: BaseException) -> None:
    """A bug or a library crash: a short message, the traceback in a log file, exit 70."""
    import traceback

    from .errors import EXIT_INTERNAL, log_detail

    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log = log_detail(f"nscl-xl {__version__} {' '.join(sys.argv[1:])}\n{text}", new_file=True)
    where = f" Chi tiết đã ghi vào: {log}" if log else ""
    click.echo(f"Lỗi nội bộ của nscl-xl (không phải lỗi trong tệp của bạn).{where} "
               "Hãy gửi tệp đó cho người hỗ trợ.", err=True)
    sys.exit(EXIT_INTERNAL)


class NsclGroup(VnGroup):
    """The command group: stream set-up, signal handling and the error-to-exit-code rules."""

    def main(self, *args, **kwargs):
        from .safe_write import install_signal_handlers

        setup_streams()
        install_signal_handlers()
        import warnings

        warnings.filterwarnings("ignore", module="openpyxl")  # English, and nothing the user can act on
        return super().main(*args, **kwargs)

    def invoke(self, ctx):
        from .errors import EXIT_INTERRUPTED, NsclError

        try:
            return super().invoke(ctx)
        except NsclError as exc:
            _fail(exc)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:  # `nscl-xl verify … | head`: the reader left, nothing to say
            with contextlib.suppress(Exception):
                sys.stdout = open(os.devnull, "w")
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("Đã dừng theo yêu cầu; không tệp nào bị ghi dở.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BaseException as exc:  # noqa: BLE001 - pyo3 PanicException derives from BaseException
            _internal_error(exc)


@click.group(cls=NsclGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="nscl-xl", message="%(prog)s, phiên bản %(version)s",
                      help="Hiện phiên bản rồi thoát.")
def main() -> None:
    """Công cụ dự toán Chương trình năng suất chất lượng (NSCL) trên Excel.

    Điền cột năm, kiểm tra tổng, viết số tiền bằng chữ và tổng hợp nhiều tỉnh.
    """


# --- words ----------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT)
@click.argument("amount", required=False)
@click.option("--parse", "parse_text", metavar="TEXT",
              help="Đọc số tiền bằng chữ, in ra số (đồng); văn bản đọc được nhiều cách thì báo lỗi, liệt kê các cách.")
@click.option("--unit", type=UNITS, default="dong", show_default=True,
              help="Đơn vị của AMOUNT (có dấu hay không dấu: triệu = trieu); được đổi ra đồng trước khi viết.")
@click.option("--style", type=VnChoice(["chuan", "le", "ngan", "mien-nam"]), default="chuan", show_default=True,
              help="Kiểu đọc: chuan (linh, nghìn), le (lẻ), ngan (ngàn), mien-nam (lẻ, ngàn, tư).")
@click.option("--le", "zero_le", is_flag=True, help="Dùng 'lẻ' thay cho 'linh'.")
@click.option("--ngan", is_flag=True, help="Dùng 'ngàn' thay cho 'nghìn'.")
@click.option("--tu", is_flag=True, help="Đọc 4 sau hàng chục là 'tư' (hai mươi tư).")
@click.option("--ti", is_flag=True, help="Viết 'tỉ' thay cho 'tỷ'.")
@click.option("--chan", is_flag=True, help="Thêm 'chẵn' ở cuối.")
@click.option("--no-commas", is_flag=True, help="Không đặt dấu phẩy sau mỗi nhóm.")
@click.option("--no-dong", is_flag=True, help="Chỉ đọc số, không viết hoa, không có 'đồng'.")
@click.option("--usd", is_flag=True, help="Đô la Mỹ (đô la Mỹ … xu).")
@click.option("--decimals", type=VnChoice(["digits", "group"]), default="digits", show_default=True,
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
@click.argument("paths", nargs=-1, required=True, type=InputPath(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In danh sách phát hiện dạng JSON.")
@click.option("--annotate", type=click.Path(path_type=Path), metavar="OUT.xlsx",
              help="Ghi bản sao có tô màu, ghi chú và trang 'Kiểm tra' (chỉ với một tệp).")
@click.option("--no-formulas", is_flag=True, help="Bỏ qua kiểm tra công thức (nhanh hơn).")
@click.option("--fail-on", type=FAIL_ON, default="error", show_default=True, help=FAIL_ON_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Không in báo cáo văn bản và tiến độ (vẫn in lỗi không đọc được tệp và "
                                                  "JSON nếu có --json); xem mã thoát.")
def verify(paths, as_json, annotate, no_formulas, fail_on, quiet):
    """Kiểm tra tổng của các bảng dự toán trong PATHS (tệp hoặc thư mục).

    Mã thoát: 0 không có lỗi, 1 có lỗi (hoặc cảnh báo với --fail-on warning), 2 có tệp không đọc
    được, 5 không có số liệu nào được kiểm tra (không có tệp Excel, hoặc các tệp không có bảng có số liệu).
    """
    from .errors import NsclError
    from .findings import ERROR, Finding
    from .report import annotate_workbook, json_report, text_report
    from .verify import sort_findings, verify_path
    from .workbook_io import WORKBOOK_SUFFIXES, iter_workbook_files

    _refuse_stdout(annotate, "--annotate")
    files: list[Path] = []
    findings: list[Finding] = []
    unreadable = False
    for p in paths:
        if not p.exists():
            _fail(NsclError("không tìm thấy tệp hoặc thư mục.", file=str(p)))
        found, passed = iter_workbook_files(p)
        if p.is_dir():  # the summary written into the folder (the Excel button does) is no plan to check
            from .consolidate import container_marks, not_spreadsheets

            summaries = [q for q in found if container_marks(q).made_by == "summary"]
            found = [q for q in found if q not in summaries]
            passed += [(q, "sổ tổng hợp do nscl-xl tạo (thuộc tính nscl_xl_kind), không phải kế hoạch; bỏ qua")
                       for q in summaries]
            passed += not_spreadsheets(p)  # PDF, Word, text…: every file in the folder gets a line
        files.extend(found)
        for q, why in passed:  # a FIFO/device named on the command line is an error, in a folder a note
            if q == p:
                unreadable = True
                findings.append(Finding(str(q), "", "", "not-a-file", ERROR, why))
            else:
                click.echo(f"Bỏ qua {q}: {why}", err=True)
    if annotate and len(files) != 1:
        _fail(NsclError("--annotate chỉ dùng với đúng một tệp Excel."))
    coverage: list[dict] = []
    show_progress = len(files) > 1 and not as_json and not quiet
    with click.progressbar(files, label="Đang kiểm tra", file=sys.stderr,
                           show_pos=True) if show_progress else contextlib.nullcontext(files) as bar:
        for f in bar:
            try:
                plan, fs = verify_path(f, formulas=not no_formulas)
                findings.extend(fs)
                coverage.append(plan.coverage())
            except NsclError as exc:
                unreadable = True
                message = f"{exc.message} {exc.hint}".strip()  # the hint says what to do
                findings.append(Finding(str(f), exc.sheet, exc.cell, exc.rule, ERROR, message))
                coverage.append({"file": str(f), "checked": False, "sheets": [], "unreadable": True})
                if quiet:
                    click.echo(f"Lỗi: {f}: {message}", err=True)
    findings = sort_findings(findings)
    if as_json or not quiet:  # --quiet drops the text report, never the JSON asked for
        click.echo(json_report(findings, coverage) if as_json else text_report(findings, coverage))
    checked = any(c["checked"] for c in coverage)
    if not files:
        kinds = ", ".join(WORKBOOK_SUFFIXES)
        click.echo(f"Không tìm thấy tệp Excel nào ({kinds}) trong: {', '.join(str(p) for p in paths)}. "
                   f"Không có gì được kiểm tra.", err=True)
    elif not checked and not unreadable:
        click.echo("Không có số liệu kinh phí nào được kiểm tra (xem từng tệp ở trên).", err=True)
    if annotate and unreadable:
        _fail(NsclError("không ghi bản đánh dấu vì tệp không đọc được (xem lỗi ở trên).", file=str(annotate)))
    if annotate:
        try:
            out = annotate_workbook(files[0], findings, annotate)
            click.echo(f"Đã ghi bản đánh dấu: {out}", err=True)
        except NsclError as exc:
            _fail(exc)
    sys.exit(EXIT_INPUT if unreadable else EXIT_FINDINGS if _fails(findings, fail_on) else 0 if checked
             else NOTHING_CHECKED)


def _refuse_stdout(output, option: str) -> None:
    """An edited workbook is written beside its input, never to standard output: '-' is refused
    (rather than becoming a file named "-")."""
    from .errors import UsageError

    if output is not None and str(output) == "-":
        _fail(UsageError(f"{option} không ghi được ra stdout ('-').",
                         hint=f"Hãy ghi tên tệp kết quả, ví dụ {option} ket_qua.xlsx."))


def _fails(findings, fail_on: str) -> bool:
    """Whether *findings* reach the ``--fail-on`` level."""
    from .findings import ERROR, WARNING

    levels = {"error": {ERROR}, "warning": {ERROR, WARNING}, "never": set()}[fail_on]
    return any(f.severity in levels for f in findings)


# --- consolidate ----------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT)
@click.argument("directory", type=InputPath(path_type=Path))
@click.option("-o", "--output", default="tong_hop_nscl.xlsx", show_default=True, metavar="OUT.xlsx|-",
              help="Sổ tổng hợp (.xlsx) sẽ ghi; '-' ghi ra stdout.")
@click.option("--csv", "csv_out", metavar="OUT.csv|-", help="Ghi thêm dữ liệu dạng CSV; '-' ghi ra stdout.")
@click.option("--csv-dialect", type=VnChoice(["excel", "excel-vn", "plain"]), default=None,
              help="excel: UTF-8 có BOM, dấu ',' (mở đúng tiếng Việt khi bấm đúp trong Excel; mặc định khi ghi tệp); "
                   "excel-vn: có BOM, dấu ';' (Excel đặt vùng Việt Nam, dấu thập phân ','); plain: UTF-8 không BOM, "
                   "dấu ',' (cho chương trình; mặc định với --csv -).")
@click.option("--json", "json_out", metavar="OUT.json|-",
              help="Ghi tóm tắt lần chạy dạng JSON (từng tệp: dùng/bỏ qua/trùng/xung đột và lý do; tổng bằng đồng); "
                   "'-' ghi ra stdout.")
@click.option("--unit", type=UNITS, default="trieu", show_default=True,
              help="Đơn vị tiền trên các trang tổng hợp (có dấu hay không dấu: triệu = trieu).")
@click.option("--provinces", type=VnChoice(["as-written", "2025"], aliases={"theo-ke-hoach": "as-written"}),
              default="as-written", show_default=True,
              help="Nhóm theo tên tỉnh ghi trong kế hoạch, hoặc theo 34 đơn vị từ 1/7/2025.")
@click.option("--organisation", metavar="TÊN", default="",
              help="Cơ quan lập biểu, in ở góc trên bên trái (mặc định: chỗ trống để ghi tay).")
@click.option("--place", metavar="NƠI", default="", help="Địa danh của dòng '…, ngày … tháng … năm …' (ngày: hôm nay).")
@click.option("--strict", is_flag=True, help="Dừng ngay ở tệp đầu tiên không đọc được hoặc kế hoạch xung đột đầu tiên.")
@click.option("--fail-on", type=FAIL_ON, default="never", show_default=True, help=FAIL_ON_HELP)
@click.option("-q", "--quiet", is_flag=True, help="Chỉ in lỗi; không in tiến độ và báo cáo.")
def consolidate(directory, output, csv_out, csv_dialect, json_out, unit, provinces, organisation, place, strict,
                fail_on, quiet):
    """Tổng hợp mọi bảng dự toán trong DIRECTORY (kể cả thư mục con) thành một sổ tổng hợp.

    Mã thoát: 0 dùng được mọi tệp; 3 có tệp bị bỏ qua vì lỗi hoặc hai kế hoạch xung đột; 1 có phát hiện ở mức
    --fail-on; 2 không tổng hợp được gì hoặc yêu cầu không làm được (không ghi gì); 5 các tệp dùng được không có
    số liệu kinh phí nào (vẫn ghi sổ tổng hợp).
    """
    from .consolidate import check_outputs, consolidate_dir
    from .errors import NsclError, UsageError
    from .money import MoneyUnit

    outputs = {"-o": output, "--csv": csv_out, "--json": json_out}
    to_stdout = [name for name, value in outputs.items() if value == "-"]
    try:
        if len(to_stdout) > 1:
            raise UsageError(f"chỉ một đầu ra được ghi ra stdout ('-'), ở đây có {' và '.join(to_stdout)}.",
                             hint="Hãy ghi các đầu ra khác vào tệp.")
        if not Path(directory).exists():
            raise NsclError("không tìm thấy thư mục.", file=str(directory),
                            hint="Hãy kiểm tra đường dẫn (đặt trong dấu ngoặc kép nếu có khoảng trắng).")
        check_outputs(directory, outputs)
        if output != "-" and Path(output).suffix.lower() != ".xlsx" and not Path(output).is_dir():
            # XlsxWriter's bytes under "x.xlsm"/"x.xls"/"x.csv": Excel refuses or warns on opening
            raise UsageError("sổ tổng hợp phải có đuôi .xlsx.", file=str(output),
                             hint=f"Ví dụ -o {Path(output).with_suffix('.xlsx').name}; không tệp nào được ghi.")
    except NsclError as exc:
        _fail(exc)
    say = _Say(quiet=quiet, to_stderr=bool(to_stdout))
    try:
        with contextlib.ExitStack() as stack:
            bars = []

            def progress(_path, total):  # the bar is made once consolidate_dir has listed the folder
                if quiet:
                    return
                if not bars:
                    bars.append(stack.enter_context(click.progressbar(length=total, label="Đang đọc",
                                                                      file=sys.stderr, show_pos=True)))
                bars[0].update(1)

            cons = consolidate_dir(directory, strict=strict, progress=progress)
    except NsclError as exc:
        _fail(exc)
    code = cons.exit_code
    if code == 0 and _fails(cons.findings, fail_on):
        code = EXIT_FINDINGS
    if code == 0 and cons.used and not cons.records:  # no silent zero: a total of 0 đồng read from nothing
        code = NOTHING_CHECKED
    written: dict[str, str] = {}
    if not cons.used:
        _report_files(cons, _Say(quiet=False, to_stderr=True))
        if json_out:
            _write_json(cons, json_out, {}, 2)
        if not cons.sources:
            _fail(NsclError("thư mục không có tệp nào.", file=str(directory),
                            hint="Hãy chép các tệp Excel kế hoạch của các tỉnh vào thư mục rồi chạy lại."))
        _fail(NsclError(f"không có tệp nào tổng hợp được ({len(cons.sources)} tệp, lý do từng tệp ở trên).",
                        file=str(directory), hint="Hãy sửa hoặc thay các tệp theo lý do đã nêu rồi chạy lại."))
    try:
        _write_outputs(cons, output, csv_out, csv_dialect, unit, provinces, written,
                       dict(organisation=organisation, place=place))
    except NsclError as exc:
        _fail(exc)
    except BrokenPipeError:  # `… --csv - | head`: the reader has what it wanted (as NsclGroup.invoke)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Python flushes stdout at exit
        sys.exit(0)
    except OSError as exc:  # exit 4, the OS reason in Vietnamese (the English text goes to the log)
        from .safe_write import output_error

        _fail(output_error(exc, Path(exc.filename or output or "")))
    if json_out:
        _write_json(cons, json_out, written, code)
        if json_out != "-":
            written["json"] = json_out
    _report(cons, say, written, MoneyUnit.from_key(unit))
    if cons.used and not cons.records:
        click.echo("Không có số liệu kinh phí nào được tổng hợp: các tệp dùng được không nêu kinh phí (xem lý do từng "
                   "tệp); tổng 0 đồng không phải là số liệu. Hãy thêm tệp Excel phụ lục dự toán của các tỉnh rồi chạy "
                   "lại.", err=True)
    sys.exit(code)


class _Say:
    """Human messages: stdout, or stderr when stdout carries an output; nothing with --quiet."""

    def __init__(self, quiet: bool, to_stderr: bool):
        self.quiet, self.err = quiet, to_stderr

    def __call__(self, text: str) -> None:
        if not self.quiet:
            click.echo(text, err=self.err)


def _write_outputs(cons, output, csv_out, csv_dialect, unit, provinces, written: dict, document: dict) -> None:
    import shutil
    import tempfile

    from .money import MoneyUnit
    from .summary import write_csv, write_summary

    if output == "-":
        with tempfile.TemporaryDirectory(prefix="nscl-xl-") as tmp:
            path = write_summary(cons, Path(tmp) / "tong_hop_nscl.xlsx", unit=MoneyUnit.from_key(unit),
                                 provinces=provinces, **document)
            sys.stdout.flush()
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    else:
        written["xlsx"] = str(write_summary(cons, output, unit=MoneyUnit.from_key(unit), provinces=provinces,
                                            **document))
    if csv_out == "-":
        import io

        sys.stdout.flush()
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")  # UTF-8 whatever the locale
        try:
            write_csv(cons, stream, dialect=csv_dialect or "plain", provinces=provinces)
            stream.flush()
        finally:
            stream.detach()  # leave sys.stdout open
    elif csv_out:
        written["csv"] = str(write_csv(cons, csv_out, dialect=csv_dialect or "excel", provinces=provinces))


def _write_json(cons, json_out: str, written: dict, code: int) -> None:
    from .consolidate import run_summary
    from .report import json_text
    from .safe_write import atomic_path

    text = json_text(run_summary(cons, written, code))
    if json_out == "-":
        click.echo(text)
        return
    with atomic_path(json_out) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


_STATUS_LINE = {"skipped": "bỏ qua (lỗi)", "ignored": "không tổng hợp", "duplicate": "bản trùng",
                "conflict": "xung đột, không dùng"}


def _report_files(cons, say) -> None:
    """One line for every file that is not used, with its reason (which says what to do)."""
    for s in cons.sources:
        if s.status != "used":
            say(f"  {_STATUS_LINE.get(s.status, s.status)}: {s.file}: {s.reason}")


def _report(cons, say, written: dict, unit) -> None:
    from .money import format_vn
    from .words import amount_to_words

    if say.quiet:  # -q keeps the errors: what makes the exit code 3 (a file skipped, plans in conflict)
        for s in cons.sources:
            if s.status in ("skipped", "conflict"):
                click.echo(f"Lỗi: {_STATUS_LINE.get(s.status, s.status)}: {s.file}: {s.reason}", err=True)
        return
    counts = {k: len(cons.with_status(k)) for k in ("used", "skipped", "ignored", "duplicate", "conflict")}
    say(f"Đã dùng {counts['used']} tệp; bỏ qua vì lỗi {counts['skipped']}; bản trùng {counts['duplicate']}; "
        f"xung đột {counts['conflict']}; không cần tổng hợp {counts['ignored']} (tổng {len(cons.sources)} tệp).")
    _report_files(cons, say)
    for c in cons.conflicts:
        say(f"  {c.province}: dùng {Path(c.used_file).name} ({format_vn(c.used_vnd)} đồng), không dùng "
            f"{Path(c.other_file).name} ({format_vn(c.other_vnd)} đồng): {c.rule}.")
    n_err = sum(f.severity == "error" for f in cons.findings)
    if cons.findings:
        say(f"Kiểm tra: {n_err} lỗi, {len(cons.findings) - n_err} cảnh báo (chi tiết và cách sửa ở trang 'Kiểm tra'"
            + (" của sổ tổng hợp)." if "xlsx" in written else ")."))
    for o in cons.overlaps:
        say(f"  {o.province} năm {o.year}: dùng kế hoạch năm {format_vn(o.annual_vnd)} đồng thay cho kế hoạch "
            f"giai đoạn {format_vn(o.period_vnd)} đồng (chênh lệch {format_vn(o.difference_vnd)} đồng).")
    total = cons.total_vnd
    say(f"Tổng cộng: {format_vn(total)} đồng ({amount_to_words(total)}).")
    if written:
        say("Đã ghi: " + ", ".join(written.values()))


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
@click.option("--spread", type=VnChoice(["even", "front", "back"], aliases={"deu": "even", "dau": "front", "cuoi": "back"}), default="even", show_default=True,
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

    _refuse_stdout(output, "-o")
    if in_place and output is not None:  # which one was meant? never guess by editing the input
        from .errors import UsageError

        _fail(UsageError("--in-place và -o không dùng cùng nhau.",
                         hint="Dùng -o TỆP để ghi ra tệp mới, hoặc --in-place để sửa tệp gốc (có bản sao lưu)."))
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
              help="Thư mục ghi nscl.xlam, mau_du_toan_nscl.xlsm và lite/ (gói cho xlwings Lite).")
@click.option("--lite-url", metavar="URL",
              help="Địa chỉ thư mục web nơi đặt tệp .whl trong lite/ (để requirements.txt của Lite ghi đủ địa chỉ).")
def build_excel(output, lite_url):
    """Dựng add-in Excel (nscl.xlam, thẻ NSCL trên ribbon), sổ mẫu có nút bấm và gói cho xlwings Lite."""
    from .build_excel import build
    from .errors import NsclError
    from .excel.lite import build_lite, sha256_file

    try:
        addin, template = build(output)
        wheel, requirements = build_lite(output, lite_url)
    except NsclError as exc:
        _fail(exc)
    click.echo(f"Đã ghi: {addin}\nĐã ghi: {template}\nĐã ghi: {wheel} (sha256 {sha256_file(wheel)})\n"
               f"Đã ghi: {requirements}")
    if not lite_url:
        click.echo("Lưu ý: requirements.txt của Lite chỉ ghi tên tệp .whl; đặt tệp lên máy chủ nội bộ rồi chạy lại "
                   "với --lite-url <địa chỉ thư mục>.")


# --- install-addin --------------------------------------------------------------------------------

@main.command("install-addin", context_settings=CONTEXT)
@click.option("--xlstart", type=click.Path(path_type=Path), metavar="DIR",
              help="Thư mục khởi động của Excel (mặc định: %APPDATA%\\Microsoft\\Excel\\XLSTART).")
@click.option("--config-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="Thư mục người dùng chứa .nscl\\nscl.conf và .xlwings\\xlwings.conf (mặc định: %USERPROFILE%).")
@click.option("--python", "interpreter", metavar="EXE",
              help="python.exe mà Excel sẽ chạy (mặc định: Python đang chạy lệnh này, nơi đã cài nscl-xl).")
def install_addin_cmd(xlstart, config_dir, interpreter):
    """Cài add-in NSCL cho người dùng hiện tại (Windows) và chỉ cho xlwings dùng đúng Python.

    Chép nscl.xlam vào thư mục XLSTART (Excel tự mở khi khởi động; thư mục tin cậy sẵn nên
    macro không bị chặn) và ghi INTERPRETER_WIN vào cấu hình xlwings. Đóng Excel trước khi chạy."""
    from .errors import NsclError, UsageError
    from .excel.install import Locations, install_addin, windows_locations

    try:
        if xlstart is None or config_dir is None:
            if not sys.platform.startswith("win"):
                raise UsageError("lệnh này cài add-in cho Excel trên Windows. Trên Windows nó chép nscl.xlam vào "
                                 "%APPDATA%\\Microsoft\\Excel\\XLSTART và ghi INTERPRETER_WIN (đường dẫn python.exe) "
                                 "vào trang nscl.conf của add-in, %USERPROFILE%\\.nscl\\nscl.conf và "
                                 "%USERPROFILE%\\.xlwings\\xlwings.conf. Ở đây hãy chỉ rõ --xlstart DIR và --config-dir DIR.")
            win = windows_locations()
        if config_dir is not None:
            from .build_excel import ADDIN_PROJECT

            config = Path(config_dir) / f".{ADDIN_PROJECT}" / f"{ADDIN_PROJECT}.conf"
            xlwings_config = Path(config_dir) / ".xlwings" / "xlwings.conf"
        else:
            config, xlwings_config = win.config, win.xlwings_config
        locations = Locations(Path(xlstart) if xlstart else win.xlstart, config, xlwings_config,
                              win.addins if xlstart is None else None)
        done = install_addin(locations, interpreter)
    except NsclError as exc:
        _fail(exc)
    click.echo(f"Đã cài add-in: {done.addin}\nPython cho Excel: {done.interpreter}\nĐã ghi cấu hình: {done.config}")
    if done.xlwings_interpreter_kept:
        click.echo(f"Giữ nguyên {done.xlwings_config}: đang chỉ tới {done.xlwings_interpreter_kept} (sổ mẫu .xlsm sẽ dùng "
                   "Python đó; sửa dòng INTERPRETER_WIN nếu cần).")
    else:
        click.echo(f"Đã ghi cấu hình: {done.xlwings_config}")
    if done.other_copy:
        click.echo(f"Chú ý: còn bản cũ {done.other_copy}. Trong Excel: Tệp > Tùy chọn > Bổ trợ > Quản lý: Bổ trợ Excel > "
                   "Đi…, bỏ đánh dấu Nscl; rồi xóa tệp đó (nếu không Excel mở hai bản add-in).")
    click.echo("Mở lại Excel: thẻ NSCL xuất hiện trên ribbon.")

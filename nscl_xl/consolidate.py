"""Consolidate a folder of provincial workbooks: one record per finest line and year.

Rules that keep totals honest:

* Only the finest amount-bearing lines are summed: a section whose children carry no
  amounts counts itself (seed 000), a parent with amount-bearing children never does.
* A period plan's line contributes its year cells; an annual plan's line its amount in the
  plan's year; a plan that states only a total (no table) one row not split by year.
* When a province has an annual plan for a year that its period plan also covers, the
  annual figure is the one totalled; the period plan's figure and the difference are kept
  in :attr:`Consolidation.overlaps`.
* Amounts are integers of đồng throughout; the summary shows them in the chosen unit.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable

from . import provinces
from .errors import NsclError, ReadError
from .findings import ERROR, Finding
from .model import BudgetLine, BudgetTable, Plan
from .text import fold

UNCLASSIFIED = "Chưa phân loại"


# --- activity groups -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _category_rules() -> tuple[list[tuple[str, re.Pattern[str]]], dict[str, str]]:
    with resources.files("nscl_xl.data").joinpath("categories.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rules = [(int(r["priority"]), r["label"], re.compile(rf"\b{re.escape(r['keyword'])}\b")) for r in rows]
    labels = {fold(r["label"]): r["label"] for r in rows}
    return rules, labels


def category_labels() -> list[str]:
    """Activity groups in report order, then the unclassified bucket."""
    _, labels = _category_rules()
    return list(dict.fromkeys(labels.values())) + [UNCLASSIFIED]


@functools.lru_cache(maxsize=16384)
def classify(text: str) -> str | None:
    """The activity group of *text* (accent-insensitive): a priority-0 keyword ("sơ kết",
    "chi khác") wins; otherwise the keyword that appears earliest, then file order."""
    folded = fold(text)
    best: tuple[int, int, int, str] | None = None
    for rank, (priority, label, pattern) in enumerate(_category_rules()[0]):
        m = pattern.search(folded)
        if m and (best is None or (priority, m.start(), rank) < best[:3]):
            best = (priority, m.start(), rank, label)
    return best[3] if best else None


def line_category(line: BudgetLine) -> str:
    """Group column first (template override), then the line's text, then its ancestors'."""
    node: BudgetLine | None = line
    while node is not None:
        if node.group:
            return _category_rules()[1].get(fold(node.group), node.group)
        node = node.parent
    node = line
    while node is not None:
        hit = classify(node.item)
        if hit:
            return hit
        node = node.parent
    return UNCLASSIFIED


# --- records ----------------------------------------------------------------------------------------

@dataclass
class Record:
    """One finest amount-bearing line in one year (year None: not split by year)."""

    province: str
    province_2025: str
    year: int | None
    category: str
    code: str
    item: str
    amount_vnd: int
    plan: str
    plan_kind: str
    file: str
    sheet: str
    cell: str


@dataclass
class SourceFile:
    """What happened to one input file (the "Nguồn" sheet)."""

    file: str
    status: str  # used | skipped | ignored
    reason: str = ""
    province: str = ""
    plan: str = ""
    kind: str = ""
    period: str = ""
    unit: str = ""
    total_vnd: int | None = None
    n_records: int = 0
    n_errors: int = 0
    n_warnings: int = 0


@dataclass
class Overlap:
    province: str
    year: int
    annual_vnd: int
    period_vnd: int
    annual_file: str
    period_file: str

    @property
    def difference_vnd(self) -> int:
        return self.annual_vnd - self.period_vnd


@dataclass
class Consolidation:
    root: str
    records: list[Record] = field(default_factory=list)
    superseded: list[Record] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def used(self) -> list[SourceFile]:
        return [s for s in self.sources if s.status == "used"]

    @property
    def skipped(self) -> list[SourceFile]:
        return [s for s in self.sources if s.status == "skipped"]

    @property
    def total_vnd(self) -> int:
        return sum(r.amount_vnd for r in self.records)

    @property
    def years(self) -> list[int]:
        return sorted({r.year for r in self.records if r.year is not None})

    def matrix(self, key: Callable[[Record], str]) -> dict[str, dict[int | None, int]]:
        """{row label: {year or None: đồng}} over the counted records."""
        out: dict[str, dict[int | None, int]] = {}
        for r in self.records:
            row = out.setdefault(key(r), {})
            row[r.year] = row.get(r.year, 0) + r.amount_vnd
        return out

    @property
    def exit_code(self) -> int:
        if not self.used:
            return 2
        return 3 if self.skipped else 0


def plan_label(plan: Plan, table: BudgetTable | None = None) -> str:
    if plan.kind == "annual" and plan.period:
        label = f"Kế hoạch năm {plan.period[0]}"
    elif plan.period:
        label = f"Kế hoạch giai đoạn {plan.period[0]}-{plan.period[1]}"
    else:
        label = "Kế hoạch"
    number = plan.plan_number.split("(")[0].strip()
    if number and re.search(r"\d", number.split("/")[0]):
        label += f" số {number}"
    if table is not None and len(plan.tables) > 1:
        label += f" — {table.sheet}"
    return label


def plan_records(plan: Plan) -> list[Record]:
    """Records of one plan (before overlap rules)."""
    province = plan.province or "(không rõ tỉnh)"
    p2025 = provinces.merged_2025(province)
    out: list[Record] = []
    for table in plan.tables:
        label = plan_label(plan, table)
        for line in table.finest_lines():
            cat = line_category(line)

            def rec(year, amount):
                return Record(province, p2025, year, cat, line.code, line.item, amount.dong(table.unit), label,
                              plan.kind, amount.source.file, amount.source.sheet, amount.source.cell)

            if line.years:
                out.extend(rec(y, a) for y, a in sorted(line.years.items()))
            elif line.amount is not None:
                year = plan.period[0] if plan.kind == "annual" and plan.period else None
                out.append(rec(year, line.amount))
    if not plan.tables:
        whole = [s for s in plan.stated_totals if s.period is None] or plan.stated_totals
        for s in whole[:1]:
            out.append(Record(province, p2025, None, UNCLASSIFIED, "", "Tổng kinh phí (kế hoạch không có bảng chi tiết)",
                              s.amount_dong, plan_label(plan), plan.kind, s.source.file, s.source.sheet,
                              s.source.cell))
    return out


def apply_overlaps(records: list[Record]) -> tuple[list[Record], list[Record], list[Overlap]]:
    """Annual plans win over period plans for the same province and year."""
    annual: dict[tuple[str, int], list[Record]] = {}
    for r in records:
        if r.plan_kind == "annual" and r.year is not None:
            annual.setdefault((r.province, r.year), []).append(r)
    kept, superseded = [], []
    period_by_key: dict[tuple[str, int], list[Record]] = {}
    for r in records:
        key = (r.province, r.year) if r.year is not None else None
        if r.plan_kind != "annual" and key in annual:
            superseded.append(r)
            period_by_key.setdefault(key, []).append(r)
        else:
            kept.append(r)
    overlaps = [Overlap(prov, year, sum(r.amount_vnd for r in annual[(prov, year)]), sum(r.amount_vnd for r in rs),
                        annual[(prov, year)][0].file, rs[0].file)
                for (prov, year), rs in sorted(period_by_key.items())]
    return kept, superseded, overlaps


def _describe(plan: Plan) -> dict:
    units = sorted({t.unit.label for t in plan.tables})
    totals = [t.grand_total_dong() for t in plan.tables]
    total = sum(v for v in totals if v is not None) if plan.tables and any(v is not None for v in totals) else (
        next((s.amount_dong for s in plan.stated_totals if s.period is None), None))
    return dict(province=plan.province, plan=plan_label(plan), kind={"annual": "năm", "period": "giai đoạn"}.get(
        plan.kind, ""), period=f"{plan.period[0]}-{plan.period[1]}" if plan.period else "",
                unit=", ".join(units), total_vnd=total)


@dataclass
class FileResult:
    """Everything consolidation needs from one file (plain data: crosses process boundaries)."""

    source: SourceFile
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problem: NsclError | None = None  # set when the file is skipped for a reason


def process_file(path: Path, verify: bool = True) -> FileResult:
    """Read (and verify) one workbook and turn it into records; never raises for bad input.

    Any failure of one file (unreadable, over a limit, a library panic, a bug) makes it a
    skipped source with the reason; the batch goes on.
    """
    try:
        return _process_file(path, verify)
    except NsclError as exc:
        return _skipped(path, exc)
    except MemoryError:
        return _skipped(path, ReadError("tệp cần nhiều bộ nhớ hơn giới hạn cho phép; đã bỏ qua.", file=str(path),
                                        rule="too-large"))
    except BaseException as exc:  # noqa: BLE001 - pyo3 PanicException derives from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        import traceback

        from .errors import log_detail

        log = log_detail(f"{path}: internal error\n{traceback.format_exc()}", new_file=True)
        return _skipped(path, NsclError(f"lỗi nội bộ khi đọc tệp (chi tiết: {log}); đã bỏ qua.", file=str(path),
                                        rule="internal-error"))


def _skipped(path: Path, exc: NsclError) -> FileResult:
    where = "!".join(p for p in (exc.sheet, exc.cell) if p)
    message = f"{exc.message} {exc.hint}".strip()  # what is wrong and what to do
    reason = f"{where}: {message}" if where else message
    return FileResult(SourceFile(str(path), "skipped", reason),
                      findings=[Finding(str(path), exc.sheet, exc.cell, exc.rule, ERROR, message)], problem=exc)


def _process_file(path: Path, verify: bool) -> FileResult:
    from .reader import read_grids_plan
    from .verify import verify_file
    from .workbook_io import ZipFacts, read_grids

    if verify:
        plan, findings, facts = verify_file(path)
    else:
        facts = ZipFacts()
        plan, findings = read_grids_plan(read_grids(path, facts), str(path)), []
    if facts.is_summary:
        return FileResult(SourceFile(str(path), "ignored", "bảng tổng hợp do nscl-xl tạo; bỏ qua để không cộng hai lần"))
    has_money = any(t.lines for t in plan.tables) or plan.stated_totals
    if not has_money:
        if plan.tables:  # header and total row only: a blank template
            return FileResult(SourceFile(str(path), "ignored", "mẫu trống: có tiêu đề bảng nhưng chưa có số liệu",
                                         **_describe(plan)))
        if plan.targets:
            return FileResult(SourceFile(str(path), "used", "chỉ có mục tiêu, kế hoạch không nêu kinh phí",
                                         **_describe(plan)))
        reason = "không tìm thấy bảng dự toán hay tổng kinh phí (cần cột 'TT', 'Nội dung' và cột kinh phí)"
        return FileResult(SourceFile(str(path), "skipped", reason),
                          findings=[Finding(str(path), "", "", "no-table", ERROR, reason)],
                          problem=NsclError(reason, file=str(path)))
    records = plan_records(plan)
    n_err = sum(f.severity == ERROR for f in findings)
    source = SourceFile(str(path), "used", "" if plan.province else "không rõ tỉnh (ghi rõ ô 'Tỉnh')",
                        n_records=len(records), n_errors=n_err, n_warnings=len(findings) - n_err, **_describe(plan))
    return FileResult(source, records, findings)


#: Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 24
#: Most seconds one file may take in a worker before it is skipped (a hang never stops the batch).
FILE_TIMEOUT_S = 600.0


def _worker_init() -> None:
    """A consolidate worker is the isolation itself: python-calamine runs in it directly, under
    the same address-space limit as the reader's child process (an abort kills only this worker)."""
    from . import workbook_io

    workbook_io.IN_WORKER = True
    workbook_io.silence_native_stderr()
    workbook_io.limit_address_space()


def _died(path: Path, why: str) -> FileResult:
    return _skipped(path, ReadError(f"trình đọc dừng đột ngột khi đọc tệp ({why}); đã bỏ qua tệp này.",
                                    file=str(path), rule="reader-crashed",
                                    hint="Hãy mở tệp trong Excel, lưu lại dạng .xlsx rồi thử lại."))


def _kill_workers(pool) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()


def _alone(path: Path, verify: bool) -> FileResult:
    """Run one file in a worker of its own: if it kills that worker, it alone is skipped."""
    import concurrent.futures as cf

    with cf.ProcessPoolExecutor(max_workers=1, initializer=_worker_init) as pool:
        fut = pool.submit(process_file, path, verify)
        try:
            return fut.result(timeout=FILE_TIMEOUT_S)
        except cf.TimeoutError:
            _kill_workers(pool)
            return _died(path, f"quá {int(FILE_TIMEOUT_S)} giây")
        except cf.process.BrokenProcessPool:
            return _died(path, "hết bộ nhớ hoặc thư viện đọc bị lỗi")


def _results(files: list[Path], verify: bool, workers: int):
    """FileResults in input order, from a process pool when it pays off.

    A worker that dies (a library abort, the memory limit) breaks the pool: every file it had not
    finished is then run again alone, so only the file that kills its worker is skipped. Workers
    are always joined.
    """
    if workers <= 1 or len(files) < PARALLEL_MIN_FILES:
        for path in files:
            yield process_file(path, verify)
        return
    import concurrent.futures as cf

    pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    try:
        futures = [pool.submit(process_file, path, verify) for path in files]
        for path, fut in zip(files, futures):
            try:
                result = fut.result(timeout=FILE_TIMEOUT_S)
            except cf.TimeoutError:
                # A file that never ends: stop the workers (the files they held are run again alone).
                _kill_workers(pool)
                result = _died(path, f"quá {int(FILE_TIMEOUT_S)} giây")
            except cf.process.BrokenProcessPool:
                result = _alone(path, verify)
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def consolidate_dir(directory: str | os.PathLike, *, strict: bool = False,
                    progress: Callable[[Path, int], None] | None = None, verify: bool = True,
                    workers: int | None = None) -> Consolidation:
    """Read every workbook under *directory* and build the consolidation.

    Unreadable or unrecognised files are listed with the reason and the run goes on; with
    *strict* the first such file raises :class:`~nscl_xl.errors.NsclError`. Files are read
    in parallel (*workers*, default: the number of CPUs) when there are many.
    """
    from .workbook_io import iter_workbook_files

    root = Path(directory)
    if not root.exists():
        raise NsclError("không tìm thấy thư mục.", file=str(root))
    files, ignored = iter_workbook_files(root)
    cons = Consolidation(root=str(root))
    for path, why in ignored:
        cons.sources.append(SourceFile(str(path), "ignored", why))
    all_records: list[Record] = []
    # Objects that existed before this batch (a caller's DataFrames, caches) are moved out of
    # the collector's reach for its duration: collections then scan only what the batch makes.
    gc.freeze()
    try:
        results = _results(files, verify, workers if workers is not None else (os.cpu_count() or 1))
        for path, result in zip(files, results):
            if progress:
                progress(path, len(files))  # (file just read, number of files)
            if result.problem is not None and strict:
                results.close()
                raise result.problem
            cons.sources.append(result.source)
            cons.findings.extend(result.findings)
            all_records.extend(result.records)
    finally:
        gc.unfreeze()
    cons.records, cons.superseded, cons.overlaps = apply_overlaps(all_records)
    return cons

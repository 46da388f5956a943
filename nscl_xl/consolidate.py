"""Consolidate a folder of provincial workbooks: one record per finest line and year.

Rules that keep totals honest:

* Only the finest amount-bearing lines are summed: a section whose children carry no
  amounts counts itself (seed 000), a parent with amount-bearing children never does.
* A period plan's line contributes its year cells; an annual plan's line its amount in the
  plan's year; a plan that states only a total (no table) one row not split by year.
* When a province has an annual plan for a year that its period plan also covers, the
  annual figure is the one totalled; the period plan's figure and the difference are kept
  in :attr:`Consolidation.overlaps`.
* One plan is counted once (:func:`resolve_plans`). A plan is identified by province, kind
  (period/annual) and years, and by its content (the amounts line by line). A copy with the
  same content is listed as a ``duplicate``; the toolkit's own outputs (document property
  ``nscl_xl_kind``: summaries are never read, filled/annotated copies and ``.bak-`` backups
  give way to the plan they were made from). Two different plans of the same province and
  kind whose years overlap are a ``conflict``: the one with the latest plan date is used
  (else the one modified last), the other is listed with the difference, and the run exits 3.
* Sheets hidden in the workbook are never summed: their lines are listed with a finding
  (``hidden-sheet``).
* Every file under the folder is accounted for: used, skipped with a reason, or ignored
  (not a spreadsheet, a lock file, a toolkit output…).
* Amounts are integers of đồng throughout; the summary shows them in the chosen unit.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gc
import hashlib
import os
import re
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable

from . import provinces
from .errors import EXIT_INPUT, EXIT_SKIPPED, NsclError, ReadError
from .findings import ERROR, WARNING, Finding
from .model import BudgetLine, BudgetTable, Plan
from .money import format_vn
from .safe_write import OUTPUT_MARKER
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
    status: str  # used | skipped | ignored | duplicate | conflict
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
    plan_number: str = ""
    plan_date: str = ""
    made_by: str = ""  # nscl_xl_kind of a toolkit output (filled, annotated), "backup" for a .bak- copy
    same_as: str = ""  # duplicate/conflict/derived copy: the file counted instead


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
class Conflict:
    """Two different plans of one province and kind whose years overlap; *used* is counted."""

    province: str
    kind: str
    used_file: str
    other_file: str
    used_period: str
    other_period: str
    used_vnd: int
    other_vnd: int
    rule: str  # why *used* was chosen, in Vietnamese

    @property
    def difference_vnd(self) -> int:
        return self.other_vnd - self.used_vnd


@dataclass
class Consolidation:
    root: str
    records: list[Record] = field(default_factory=list)
    superseded: list[Record] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    hidden: list[Record] = field(default_factory=list)  # lines on hidden sheets, never summed

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

    def with_status(self, status: str) -> list[SourceFile]:
        return [s for s in self.sources if s.status == status]

    @property
    def exit_code(self) -> int:
        """2 nothing usable; 3 a file skipped or two plans in conflict; 0 otherwise."""
        if not self.used:
            return EXIT_INPUT
        return EXIT_SKIPPED if self.skipped or self.conflicts else 0

    def to_frame(self):
        """The counted records as a tidy pandas DataFrame (see :mod:`nscl_xl.frame`)."""
        from .frame import records_frame

        return records_frame(self.records)


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
                unit=", ".join(units), total_vnd=total, plan_number=plan.plan_number, plan_date=plan.date)


@dataclass
class FileResult:
    """Everything consolidation needs from one file (plain data: crosses process boundaries)."""

    source: SourceFile
    records: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problem: NsclError | None = None  # set when the file is skipped for a reason
    hidden_sheets: frozenset[str] = frozenset()  # sheets hidden in Excel (the reader's sheet states)


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
    hidden = frozenset(s.name for s in plan.sheets if s.state != "visible")
    # What is counted for the file is what the summary adds: lines on hidden sheets never are
    # (_drop_hidden), so the note compares the visible sheets' lines with their printed totals.
    shown = [r for r in records if r.sheet not in hidden]
    counted = sum(r.amount_vnd for r in shown)
    if hidden and shown:
        totals = [t.grand_total_dong() for t in plan.tables if t.sheet not in hidden]
        source.total_vnd = sum(v for v in totals if v is not None) if any(v is not None for v in totals) else None
    if shown and source.total_vnd != counted:
        # The summary adds the finest lines; the file is listed with what is counted for it, and
        # the printed total beside it (the Kiểm tra sheet says which cell is wrong).
        printed = "không có" if source.total_vnd is None else f"{format_vn(source.total_vnd)} đồng"
        note = (f"tổng hợp cộng các dòng chi tiết: {format_vn(counted)} đồng; tổng in trong bảng: {printed} "
                "(xem trang Kiểm tra để sửa)")
        source.reason = f"{source.reason}; {note}" if source.reason else note
        source.total_vnd = counted
    return FileResult(source, records, findings, hidden_sheets=hidden)


#: Below this many files a process pool costs more than it saves (when workers are asked for).
PARALLEL_MIN_FILES = 24
#: Below this many files the default is serial: each worker imports the reader and rules again
#: (~0.1 s CPU) and results are pickled back; on the 126-file national folder the pool cost 30 %
#: more CPU for no shorter wall time on 2 cores (bench/bench_consolidate.py).
AUTO_PARALLEL_MIN_FILES = 400
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


# --- what a container says about itself -------------------------------------------------------------

#: Value of the ``nscl_xl_kind`` document property for each kind of toolkit output, in Vietnamese.
MADE_BY_VN = {"summary": "sổ tổng hợp", "filled": "bản đã điền năm", "annotated": "bản đánh dấu kiểm tra",
              "backup": "bản sao lưu (.bak-)"}
_COPY_NAME = re.compile(r"(\(\d+\)|\bcopy\b|\bban sao\b|\bsao chep\b)\s*$|^(copy of|ban sao)\b", re.I)
_BACKUP_NAME = re.compile(r"\.bak-\d{8}-\d{6}(?:-\d+)?$")
@dataclass
class ContainerMarks:
    """The toolkit marker of one workbook (from its zip, without reading cells)."""

    made_by: str = ""  # nscl_xl_kind value, or "backup"


_REL_CUSTOM = "/custom-properties"


def _custom_props_part(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The custom-properties part, found as Excel finds it: through the package relationships
    (``_rels/.rels``), part names compared case-insensitively with either slash; by its usual
    name when the relationships say nothing."""
    from defusedxml.ElementTree import fromstring

    by_name = {i.filename.replace("\\", "/").lstrip("/").casefold(): i for i in zf.infolist()}
    target = "docProps/custom.xml"
    rels = by_name.get("_rels/.rels")
    if rels is not None and rels.file_size < 1 << 20:
        try:
            for rel in fromstring(zf.read(rels)):
                if rel.get("Type", "").endswith(_REL_CUSTOM) and rel.get("TargetMode") != "External":
                    target = rel.get("Target", target)
                    break
        except Exception:  # a damaged index: fall back to the usual name
            pass
    return by_name.get(target.replace("\\", "/").lstrip("/").casefold())


def _marker_value(custom_xml: bytes) -> str:
    """The value of the ``nscl_xl_kind`` property in a docProps/custom.xml part ('' if absent).

    Parsed as XML (defusedxml), not matched as text: writers differ in prefixes, attribute order
    and where they declare namespaces (openpyxl with lxml puts ``xmlns:vt`` on the value element)."""
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(custom_xml)
    except Exception:  # damaged or hostile XML: the caller treats a marker it cannot read as a summary
        return ""
    for prop in root:
        if prop.tag.rpartition("}")[2] == "property" and prop.get("name") == OUTPUT_MARKER:
            for value in prop:
                return (value.text or "").strip()[:40] or "summary"
    return ""


def container_marks(path: Path) -> ContainerMarks:
    """Read the ``nscl_xl_kind`` property of ``docProps/custom.xml`` (an .xlsx/.xlsm).

    Other formats (and damaged files, reported by the reader) give no marks, except a backup name.
    Sheet visibility is the reader's (``SheetGrid.state`` → ``Plan.sheets``).
    """
    is_backup = bool(_BACKUP_NAME.search(path.stem))
    made_by = "backup" if is_backup else ""
    try:
        with zipfile.ZipFile(path) as zf:
            info = _custom_props_part(zf)
            if info is not None and info.file_size < 1 << 20:
                custom = zf.read(info)
                kind = _marker_value(custom)
                if kind:
                    made_by = kind
                elif OUTPUT_MARKER.encode() in custom:  # marked, in a form not understood: never risk counting it
                    made_by = "summary"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, NotImplementedError, RuntimeError):
        pass
    if is_backup and made_by != "summary":
        # The backup of a filled workbook carries "filled" inside, and keeps the old modification
        # time: as a "filled" output it would win over the workbook it backs up.
        made_by = "backup"
    return ContainerMarks(made_by)


# --- one plan, counted once ----------------------------------------------------------------------------

_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)")


def plan_date_key(text: str) -> tuple[int, int, int] | None:
    """The latest complete date written in a plan's date field ("/8/2021 (ký số ngày 13/8/2021)" ->
    2021-08-13); None when no complete date is written."""
    dates = [(int(y), int(m), int(d)) for d, m, y in _DATE.findall(text or "")
             if 1 <= int(m) <= 12 and 1 <= int(d) <= 31]
    return max(dates) if dates else None


def content_key(records: list[Record], path: Path) -> str:
    """What a plan says, independent of file name, sheet and cell: the amounts line by line
    (a plan without amounts: the file's bytes)."""
    h = hashlib.sha256()
    if records:
        for r in sorted((r.year or 0, r.code, fold(r.item), r.amount_vnd) for r in records):
            h.update(repr(r).encode("utf-8"))
    else:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


@dataclass
class _Candidate:
    result: FileResult
    path: Path
    order: int  # position in the folder listing
    rank: int  # 0 a plan, 1 a toolkit output made from one, 2 a backup
    content: str
    years: tuple[int, int] | None
    date: tuple[int, int, int] | None
    mtime: float

    @property
    def total(self) -> int:
        return sum(r.amount_vnd for r in self.result.records)

    def overlaps(self, other: "_Candidate") -> bool:
        if self.years is None or other.years is None:
            return True
        return self.years[0] <= other.years[1] and other.years[0] <= self.years[1]


def _preference(c: _Candidate) -> tuple:
    """Lower is preferred: a plan before a toolkit output or backup, then the latest plan date
    (a plan with a date before one without), then the latest modification, then folder order."""
    date = c.date or (0, 0, 0)
    return (c.rank, 0 if c.date else 1, tuple(-x for x in date), -c.mtime, c.order)


def _why(winner: _Candidate, loser: _Candidate) -> str:
    if winner.date and loser.date and winner.date != loser.date:
        d = winner.date
        return f"dùng kế hoạch có ngày ban hành sau ({d[2]}/{d[1]}/{d[0]})"
    if winner.date and not loser.date:
        return "dùng kế hoạch có ghi ngày ban hành"
    if winner.mtime != loser.mtime:
        return "hai kế hoạch không ghi ngày khác nhau; dùng tệp sửa đổi sau cùng"
    return "dùng tệp đứng trước trong thư mục"


def resolve_plans(results: list[tuple[Path, FileResult, ContainerMarks]]) -> tuple[list[FileResult], list[Conflict]]:
    """Decide which used files are counted; mark the others duplicate / conflict / ignored in place.

    Exact copies (same province, kind, years and content) are duplicates of the first one
    preferred; among the rest, plans of one province and kind whose years overlap are resolved
    by :func:`_preference`: a toolkit output or backup gives way silently (listed as ignored), two
    plans of equal standing are a conflict.
    """
    cands: list[_Candidate] = []
    for order, (path, result, marks) in enumerate(results):
        if result.source.status != "used":
            continue
        period = result.source.period
        years = tuple(int(y) for y in period.split("-")) if period else None
        try:
            mtime = path.stat().st_mtime
        except OSError:
            mtime = 0.0
        rank = {"": 0, "backup": 2}.get(marks.made_by, 1)
        cands.append(_Candidate(result, path, order, rank, content_key(result.records, path), years,
                                plan_date_key(result.source.plan_date), mtime))
    # Exact copies first: the one kept is a plan rather than an output, a name that does not look
    # like a copy ("kg (1).xlsx", "Copy of…", "… - Copy"), the oldest file (a copy is made after its
    # original), then the first in the folder.
    groups: dict[tuple, list[_Candidate]] = {}
    for c in cands:
        src = c.result.source
        groups.setdefault((src.province, src.kind, c.years, c.content), []).append(c)
    originals = []
    for group in groups.values():
        group.sort(key=lambda c: (c.rank, bool(_COPY_NAME.search(fold(c.path.stem))), c.mtime, c.order))
        originals.append(group[0])
        for c in group[1:]:
            src = c.result.source
            src.status, src.same_as = "duplicate", str(group[0].path)
            src.reason = (f"cùng nội dung với {group[0].path.name}; chỉ tính một lần. Không cần làm gì; có thể xóa "
                          "bản sao khỏi thư mục.")
    kept: list[_Candidate] = []
    conflicts: list[Conflict] = []
    for c in sorted(originals, key=_preference):
        src = c.result.source
        # Without a province two plans match only when one is a toolkit output or backup (it then
        # gives way): a filled copy of a plan that names no province must not be counted twice.
        rival = next((k for k in kept if k.result.source.province == src.province
                      and (src.province or k.rank != c.rank)
                      and k.result.source.kind == src.kind and (c.result.records and k.result.records)
                      and k.overlaps(c)), None)
        if rival is None:
            kept.append(c)
            continue
        src.same_as = str(rival.path)
        if c.rank > rival.rank:
            what = MADE_BY_VN.get(c.result.source.made_by, "bản do nscl-xl tạo")
            src.status = "ignored"
            src.reason = (f"{what} của kế hoạch {rival.path.name}; không cộng lại. Không cần làm gì; để tổng hợp bản "
                          "này, hãy đưa tệp gốc ra khỏi thư mục.")
            continue
        src.status = "conflict"
        rule = _why(rival, c)
        conflict = Conflict(src.province, src.kind, str(rival.path), str(c.path), rival.result.source.period,
                            src.period, rival.total, c.total, rule)
        conflicts.append(conflict)
        src.reason = (f"khác kế hoạch {rival.path.name} (cùng tỉnh, cùng loại, năm trùng nhau; tổng chênh "
                      f"{'+' if conflict.difference_vnd > 0 else ''}{format_vn(conflict.difference_vnd)} đồng); {rule}. "
                      "Hãy giữ trong thư mục đúng một bản của kế hoạch rồi chạy lại.")
    for c in cands:
        if c.result.source.status != "used":
            c.result.records = []
    return [c.result for c in sorted(kept, key=lambda c: c.order)], conflicts


def _drop_hidden(result: FileResult, hidden: list[Record]) -> None:
    """Lines on hidden sheets leave the count; each hidden sheet gets one finding (this one, with
    the amount left out, instead of verify's plain ``hidden-sheet`` warning)."""
    if not result.hidden_sheets or not result.records:
        return
    out = [r for r in result.records if r.sheet in result.hidden_sheets]
    if not out:
        return
    result.records = [r for r in result.records if r.sheet not in result.hidden_sheets]
    gone = {r.sheet for r in out}
    result.findings = [f for f in result.findings if not (f.rule == "hidden-sheet" and f.sheet in gone)]
    hidden.extend(out)
    src = result.source
    for sheet in sorted({r.sheet for r in out}):
        vnd = sum(r.amount_vnd for r in out if r.sheet == sheet)
        result.findings.append(Finding(
            src.file, sheet, "", "hidden-sheet", WARNING,
            f"trang '{sheet}' đang bị ẩn; {sum(r.sheet == sheet for r in out)} dòng ({format_vn(vnd)} đồng) không được cộng "
            "vào tổng hợp. Nếu đây là số liệu cần tổng hợp, hãy bỏ ẩn trang trong Excel (chuột phải vào tên trang > "
            "Bỏ ẩn) rồi chạy lại; nếu là bản cũ, hãy xóa trang.", found=str(vnd), unit="đồng"))
    src.n_records = len(result.records)
    src.total_vnd = sum(r.amount_vnd for r in result.records) if result.records else None
    if not result.records:
        src.status = "skipped"
        src.reason = ("mọi bảng dự toán nằm trên trang ẩn, không cộng. Hãy bỏ ẩn trang cần tổng hợp trong Excel "
                      "rồi chạy lại.")


#: What to do, for the reasons a file is skipped that do not say it themselves.
_HINTS = {"no-table": "Hãy kiểm tra tệp có bảng dự toán (dòng tiêu đề có cột 'TT', 'Nội dung' và cột kinh phí), "
                      "hoặc đưa tệp ra khỏi thư mục.",
          "read-error": "Hãy mở tệp trong Excel và lưu lại dạng .xlsx; nếu Excel cũng không mở được, hãy xin gửi lại "
                        "tệp, hoặc đưa tệp ra khỏi thư mục."}
#: What to do (or that nothing needs doing), for the reasons given to files that are not skipped.
_STATUS_HINTS = {
    "mẫu trống": "Không cần làm gì; nếu đây là kế hoạch cần tổng hợp, hãy điền số liệu vào bảng.",
    "chỉ có mục tiêu": "Tỉnh vẫn được liệt kê trên trang 'Tổng hợp' (không có số để cộng); nếu kế hoạch có phụ lục "
                       "dự toán, hãy thêm tệp Excel của phụ lục vào thư mục.",
}


def not_spreadsheets(root: Path) -> list[tuple[Path, str]]:
    """Files under *root* that are not workbooks (PDF, Word, CSV…), each with why it is not read."""
    from .workbook_io import WORKBOOK_SUFFIXES

    if root.is_file():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        hidden_dirs = sorted(d for d in dirnames if d.startswith("."))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in hidden_dirs:
            out.append((Path(dirpath) / d, "thư mục ẩn, không đọc. Không cần làm gì."))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if name.startswith("~$"):
                continue  # listed by iter_workbook_files
            if name.startswith("."):
                out.append((p, "tệp ẩn, không đọc. Không cần làm gì."))
            elif p.suffix.lower() not in WORKBOOK_SUFFIXES:
                kind = {".pdf": "tệp PDF", ".doc": "văn bản Word", ".docx": "văn bản Word", ".csv": "tệp CSV",
                        ".txt": "tệp văn bản"}.get(p.suffix.lower(), "không phải bảng tính Excel")
                out.append((p, f"{kind}, không đọc số liệu. Nếu đây là kế hoạch cần tổng hợp, hãy gửi kèm phụ lục "
                               "dự toán dạng Excel (.xlsx)."))
    return out


def consolidate_dir(directory: str | os.PathLike, *, strict: bool = False,
                    progress: Callable[[Path, int], None] | None = None, verify: bool = True,
                    workers: int | None = None) -> Consolidation:
    """Read every workbook under *directory* and build the consolidation.

    Unreadable or unrecognised files are listed with the reason and the run goes on; with
    *strict* the first such file, or the first conflict between two plans, raises
    :class:`~nscl_xl.errors.NsclError`. Files are read in parallel (*workers*, default: the
    number of CPUs from :data:`AUTO_PARALLEL_MIN_FILES` files on, else one) when there are many.
    """
    from .workbook_io import iter_workbook_files

    root = Path(directory)
    if not root.exists():
        raise NsclError("không tìm thấy thư mục.", file=str(root),
                        hint="Hãy kiểm tra đường dẫn (đặt trong dấu ngoặc kép nếu có khoảng trắng).")
    listed, ignored = iter_workbook_files(root)
    cons = Consolidation(root=str(root))
    for path, why in ignored:  # Excel's lock files, special files, names that cannot be opened
        if path.name.startswith("~$"):
            cons.sources.append(SourceFile(str(path), "ignored", f"{why}. Không cần làm gì: Excel tạo tệp này khi "
                                                                  "sổ đang mở và tự xóa khi đóng sổ."))
        elif not os.path.exists(path) or not os.access(path, os.R_OK):
            # a workbook name that cannot be opened (broken link, no permission) may hide a plan: exit 3
            cons.sources.append(SourceFile(str(path), "skipped", f"{why}. Hãy kiểm tra tệp (liên kết hỏng, không "
                                                                  "có quyền đọc) rồi chạy lại."))
        else:
            cons.sources.append(SourceFile(str(path), "ignored", f"{why}. Không cần làm gì nếu đây không phải kế "
                                                                  "hoạch; nếu là kế hoạch, hãy chép tệp Excel thật "
                                                                  "vào thư mục rồi chạy lại."))
    for path, why in not_spreadsheets(root):
        cons.sources.append(SourceFile(str(path), "ignored", why))
    files: list[Path] = []
    marks: dict[Path, ContainerMarks] = {}
    for path in listed:
        m = marks[path] = container_marks(path)
        if m.made_by == "summary":
            cons.sources.append(SourceFile(str(path), "ignored", "sổ tổng hợp do nscl-xl tạo (thuộc tính nscl_xl_kind); "
                                                                 "không đọc để không cộng hai lần. Không cần làm gì.",
                                           made_by="summary"))
        else:
            files.append(path)
    collected: list[tuple[Path, FileResult, ContainerMarks]] = []
    # Objects that existed before this batch (a caller's DataFrames, caches) are moved out of
    # the collector's reach for its duration: collections then scan only what the batch makes.
    gc.freeze()
    try:
        if workers is None:
            workers = (os.cpu_count() or 1) if len(files) >= AUTO_PARALLEL_MIN_FILES else 1
        results = _results(files, verify, workers)
        for path, result in zip(files, results):
            if progress:
                progress(path, len(files))  # (file just read, number of files)
            if result.problem is not None and strict:
                results.close()
                raise result.problem
            collected.append((path, result, marks[path]))
    finally:
        gc.unfreeze()
    for path, result, m in collected:
        result.source.made_by = result.source.made_by or m.made_by
        if result.problem is not None:
            hint = result.problem.hint or _HINTS.get(result.problem.rule, "")
            if hint and hint not in result.source.reason:
                result.source.reason = f"{result.source.reason} {hint}".strip()
            for finding in result.findings:  # the Kiểm tra sheet says what to do too
                if hint and finding.message == result.problem.message:
                    finding.message = f"{finding.message} {hint}"
        for start, hint in _STATUS_HINTS.items():
            if result.source.reason.startswith(start) and hint not in result.source.reason:
                result.source.reason = f"{result.source.reason}. {hint}"
        _drop_hidden(result, cons.hidden)
    _, cons.conflicts = resolve_plans(collected)
    if strict and cons.conflicts:
        c = cons.conflicts[0]
        raise PlanConflict(f"hai kế hoạch khác nhau của {c.province} có năm trùng nhau: {Path(c.used_file).name} "
                           f"và {Path(c.other_file).name}.", file=c.other_file,
                           hint="Hãy giữ trong thư mục đúng một bản của kế hoạch rồi chạy lại.")
    all_records: list[Record] = []
    for path, result, m in collected:
        cons.sources.append(result.source)
        cons.findings.extend(result.findings)
        all_records.extend(result.records)
    for s in cons.sources:
        if s.status in ("duplicate", "conflict") or (s.status == "ignored" and s.same_as):
            cons.findings.append(Finding(s.file, "", "", "plan-conflict" if s.status == "conflict" else
                                         "duplicate-plan", ERROR if s.status == "conflict" else WARNING, s.reason))
    kept, cons.superseded, cons.overlaps = apply_overlaps(all_records)
    cons.records = sorted(kept, key=lambda r: provinces.order_key(r.province))  # stable: file order within
    order = {s.file: i for i, s in enumerate(sorted(cons.sources, key=_source_order))}
    cons.sources.sort(key=lambda s: order[s.file])
    cons.findings.sort(key=lambda f: order.get(f.file, len(order)))  # stable: each file's own order within
    return cons


def _source_order(s: SourceFile) -> tuple:
    return (0 if s.province else 1, provinces.order_key(s.province) if s.province else (), s.file)


class PlanConflict(NsclError):
    """Two different plans for the same province, kind and years (stopped by --strict)."""

    exit_code = EXIT_SKIPPED
    rule = "plan-conflict"


# --- outputs never over inputs ---------------------------------------------------------------------------

def check_outputs(directory: str | os.PathLike, outputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse (:class:`~nscl_xl.errors.UsageError`, exit 2, before anything is read or written)
    an output that is, or is linked to, an input workbook under *directory* or another output.

    *outputs* maps an option name (``-o``, ``--csv``, ``--json``) to its path; ``None`` and ``-``
    (standard output) are passed over. Only the summary output may replace an existing workbook
    under the folder, and only one the toolkit wrote as a summary (it is never read as input).
    """
    from .errors import UsageError
    from .safe_write import same_file
    from .workbook_io import iter_workbook_files

    paths = [(name, Path(p)) for name, p in outputs.items() if p is not None and str(p) != "-"]
    for i, (name, p) in enumerate(paths):
        for other_name, q in paths[i + 1:]:
            if same_file(p, q):
                raise UsageError(f"{name} và {other_name} cùng chỉ tới một tệp ({p}); tệp này sẽ bị ghi đè.",
                                 hint=f"Hãy đặt tên khác nhau cho {name} và {other_name}.")
    root = Path(directory)
    if not root.exists() or not paths:
        return
    inputs, _ = iter_workbook_files(root)
    for name, p in paths:
        for src in inputs:
            if not same_file(p, src):
                continue
            if name == "-o" and container_marks(src).made_by == "summary" and src.suffix.lower() == ".xlsx":
                continue  # a previous summary: never an input, replacing it is the normal re-run
            raise UsageError(f"{name} {p} là (hoặc liên kết tới) tệp đầu vào {src}; ghi vào đó sẽ mất dữ liệu gốc.",
                             hint=f"Hãy chọn một tên tệp khác cho {name}; không tệp nào được ghi.")


# --- machine-readable run summary ------------------------------------------------------------------------

def run_summary(cons: Consolidation, outputs: dict[str, str] | None = None, exit_code: int | None = None) -> dict:
    """The run as plain data for ``--json``: every file with its status and reason, totals in đồng
    (integers) per province (official order) and year, conflicts, overlaps and finding counts."""
    from dataclasses import asdict

    by_province: dict[str, dict] = {}
    for r in cons.records:
        row = by_province.setdefault(r.province, {"province": r.province, "code": provinces.code(r.province),
                                                  "province_2025": r.province_2025, "total_vnd": 0, "by_year": {}})
        row["total_vnd"] += r.amount_vnd
        key = "none" if r.year is None else str(r.year)
        row["by_year"][key] = row["by_year"].get(key, 0) + r.amount_vnd
    counts = {status: len(cons.with_status(status)) for status in ("used", "skipped", "ignored", "duplicate",
                                                                    "conflict")}
    n_err = sum(f.severity == ERROR for f in cons.findings)
    return {
        "root": cons.root,
        "exit_code": cons.exit_code if exit_code is None else exit_code,
        "total_vnd": cons.total_vnd,
        "counts": counts,
        "files": [asdict(s) for s in cons.sources],
        "provinces": sorted(by_province.values(), key=lambda row: provinces.order_key(row["province"])),
        "conflicts": [dict(asdict(c), difference_vnd=c.difference_vnd) for c in cons.conflicts],
        "overlaps": [dict(asdict(o), difference_vnd=o.difference_vnd) for o in cons.overlaps],
        "hidden_lines": len(cons.hidden),
        "findings": {"errors": n_err, "warnings": len(cons.findings) - n_err},
        "outputs": outputs or {},
    }

"""Benchmark and robustness run of the editing paths (fill-years, verify --annotate) over real
workbooks: the Excel-written .xlsx/.xlsm files of ../shared/corpus/external, each with a
budget-table sheet added by the edit engine itself (so fill and annotate run on real packages:
their drawings, shared formulas, external links, customXml, VBA…).

    python bench/bench_edit_corpus.py [--corpus DIR] [--limit N] [--only NAME…] [--all-writers] [--baseline]
        [--lo N] [--out bench/out/edit_corpus.csv]

Each file runs in a forked child under a memory limit (RLIMIT_AS) and a time limit. Reported per
file: outcome (ok / refused = NsclError with its message / traceback / timeout / killed), CPU
seconds and peak RSS of the child, and lost parts: members of the input missing from an output
(calcChain.xml excepted for fill, which Excel rebuilds) and members outside the edit (media,
charts, drawings, other sheets, VBA, customXml, external links, themes…) whose bytes differ.
The summary line gives the totals; tracebacks and lost parts must be 0.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import re
import resource
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus" / "external"
BUDGET_SHEET = "Dự toán NSCL"
MEM_LIMIT = 2 * 1024 ** 3
TIME_LIMIT = 120


def budget_sheet_xml() -> str:
    """A small period-plan table (two sections, quantities and prices, no year columns)."""
    from nscl_xl.bulk_sheet import xml_text

    rows = [["KẾ HOẠCH GIAI ĐOẠN 2026 - 2030"], ["Đơn vị tính: triệu đồng"],
            ["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí", "Ghi chú"],
            ["1", "Hội nghị", None, None, None, None], ["1.1", "Hội nghị triển khai", "Cuộc", 5, 30, 150],
            ["1.2", "Hội thảo", "Cuộc", 3, 25, 75], ["2", "Đào tạo", None, None, None, None],
            ["2.1", "Lớp tập huấn", "Lớp", 10, 12, 120], ["", "Tổng cộng"]]
    out = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            ref = f"{'ABCDEFG'[c]}{r}"
            if isinstance(v, int):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif v:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{xml_text(v)}</t></is></c>')
        if 4 <= r <= 8:  # a formula column right of the table, reading the amount
            cells.append(f'<c r="I{r}"><f>F{r}/2</f><v>{(row[5] or 0) / 2}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main"><sheetData>' + "".join(out) + "</sheetData></worksheet>")


def add_budget_sheet(src: Path, dst: Path) -> None:
    """*src* plus the budget sheet, written by the engine (every other part byte-identical)."""
    from nscl_xl.edit import WorkbookEditor

    with WorkbookEditor(src) as ed:
        ed.replace_or_add_sheet(BUDGET_SHEET, budget_sheet_xml())
        ed.save(dst, kind="filled", as_suffix=src.suffix)


# Members an edit of the budget sheet must never change (the sheet itself, workbook.xml, styles,
# content types, relationships, the marker, comments/VML of flagged cells may change).
MUST_KEEP = re.compile(r"^(xl/media/|xl/charts/|xl/drawings/[^/]*\.xml$|customXml/|xl/externalLinks/|xl/vbaProject"
                       r"|xl/printerSettings/|xl/embeddings/|xl/activeX/|xl/ctrlProps/|xl/theme/|docProps/(app|core)"
                       r"\.xml$|xl/worksheets/sheet\d+\.xml$|xl/chartsheets/|xl/pivot|xl/tables/|xl/richData/)",
                       re.IGNORECASE)


def compare(src: Path, out: Path, may_drop: set[str], edited: set[str] = frozenset()) -> tuple[int, int, int]:
    """(lost members, members changed, members changed that must not be) between two packages;
    *edited* names the parts the edit owns (the budget sheet, the "Kiểm tra" sheet)."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        names_b = set(b.namelist())
        lost = [n for n in a.namelist() if n not in names_b and n.rsplit("/", 1)[-1].lower() not in may_drop]
        changed = [n for n in a.namelist() if n in names_b and a.read(n) != b.read(n)]
    damaged = [n for n in changed if MUST_KEEP.search(n) and n not in edited]
    return len(lost), len(changed), len(damaged)


def budget_part(path: Path) -> set[str]:
    from nscl_xl.edit import WorkbookEditor

    with WorkbookEditor(path) as ed:
        return {ed.pkg.names[s.part] for s in ed.sheets if s.name in (BUDGET_SHEET, "Kiểm tra")}


def malformed(src: Path, out: Path) -> int:
    """Changed or new XML members of *out* that are not well-formed (where *src*'s were)."""
    import xml.parsers.expat

    def ok(data: bytes) -> bool:
        parser = xml.parsers.expat.ParserCreate()
        try:
            parser.Parse(data, True)
            return True
        except xml.parsers.expat.ExpatError:
            return False

    bad = 0
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        old = {n: a.read(n) for n in a.namelist()}
        for n in b.namelist():
            if not re.search(r"\.(xml|rels)$", n, re.I) or old.get(n) == (data := b.read(n)):
                continue
            if not ok(data) and (n not in old or ok(old[n])):
                bad += 1
    return bad


def shift_first_sheet(src: Path, out: Path) -> str:
    """Insert two columns before B of the first worksheet of the real file itself; the cells'
    values (constants and cached results, read by python-calamine) must all land two columns
    right, every XML part stay well-formed, no part be lost. Returns "ok", "refused: …" or a
    description of the first difference."""
    import python_calamine as pc

    from nscl_xl.edit import EditError, WorkbookEditor

    try:
        with WorkbookEditor(src) as ed:
            first = next((s for s in ed.sheets if s.kind == "worksheet"), None)
            if first is None:
                return "no worksheet"
            name = first.name
            ed.insert_columns(name, 1, 2, template_col=0)
            ed.save(out, kind="filled", as_suffix=src.suffix)
    except EditError as exc:
        return f"refused: {exc.rule}"
    lost, _, _ = compare(src, out, {"calcchain.xml"})
    if lost:
        return f"lost {lost}"
    if malformed(src, out):
        return "malformed xml"
    try:
        before = pc.CalamineWorkbook.from_path(str(src)).get_sheet_by_name(name).to_python(skip_empty_area=False)
    except BaseException:  # noqa: BLE001 - calamine cannot read the original: nothing to compare
        return "ok (original unreadable by calamine)"
    after = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(name).to_python(skip_empty_area=False)
    for r, row in enumerate(before):
        for c, v in enumerate(row):
            if v in ("", None):
                continue
            c2 = c if c < 1 else c + 2
            got = after[r][c2] if r < len(after) and c2 < len(after[r]) else None
            if got != v and not (isinstance(v, float) and isinstance(got, float) and v != v and got != got):
                return f"moved value differs at r{r} c{c}: {v!r} -> {got!r}"
    return "ok"


def _sheet_parts(path: Path, names: set[str]) -> set[str]:
    from nscl_xl.edit import WorkbookEditor

    with WorkbookEditor(path) as ed:
        return {ed.pkg.names[s.part] for s in ed.sheets if s.name in names}


def run_one(src: Path, work: Path) -> dict:
    from nscl_xl.errors import NsclError
    from nscl_xl.fill import fill_workbook
    from nscl_xl.report import annotate_workbook
    from nscl_xl.verify import verify_path

    row = {"outcome": "ok", "detail": "", "lost": 0, "damaged": 0, "changed_fill": 0, "changed_annotate": 0}
    staged = work / ("staged" + src.suffix.lower())
    try:
        add_budget_sheet(src, staged)
        lost, _, damaged = compare(src, staged, set())
        row["lost"] += lost
        row["damaged"] = damaged
        own = budget_part(staged)
        filled = work / ("filled" + src.suffix.lower())
        t = time.process_time()
        report = fill_workbook(staged, filled, sheet=BUDGET_SHEET)
        row["fill_s"] = round(time.process_time() - t, 3)
        lost, changed, damaged = compare(staged, filled, {"calcchain.xml"}, own)
        row["lost"] += lost
        row["damaged"] += damaged
        row["changed_fill"] = changed
        row["notes"] = len(report.messages)
        _, findings = verify_path(staged)
        annotated = work / ("annotated" + src.suffix.lower())
        t = time.process_time()
        annotate_workbook(staged, findings, annotated)
        row["annotate_s"] = round(time.process_time() - t, 3)
        flagged = {f.sheet for f in findings if f.cell}
        lost, changed, damaged = compare(staged, annotated, set(), own | _sheet_parts(staged, flagged))
        row["lost"] += lost
        row["damaged"] += damaged
        row["changed_annotate"] = changed
        row["shift"] = shift_first_sheet(src, work / ("shifted" + src.suffix.lower()))
        row["malformed"] = sum(malformed(staged, out) for out in (filled, annotated))
    except NsclError as exc:
        row["outcome"], row["detail"] = "refused", f"{exc.rule}: {exc}"[:300]
    except BaseException as exc:  # noqa: BLE001 - the bench counts every escape
        tb = traceback.extract_tb(exc.__traceback__)
        frame = tb[-1] if tb else None
        where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
        row["outcome"], row["detail"] = "traceback", f"{type(exc).__name__} at {where}: {exc}"[:300]
    return row


def baseline(src: Path, work: Path) -> float:
    """CPU seconds of the former way of editing: openpyxl load + save of the staged workbook."""
    import warnings

    import openpyxl

    staged = work / ("staged" + src.suffix.lower())
    start = time.process_time()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(staged, keep_vba=src.suffix.lower() == ".xlsm")
            wb.save(work / ("openpyxl" + src.suffix.lower()))
    except Exception:  # noqa: BLE001 - the baseline failing is itself what the old path did
        return -1.0
    return round(time.process_time() - start, 3)


def _child(src: str, conn, with_baseline: bool) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))
    with tempfile.TemporaryDirectory(prefix="nscl-bench-") as tmp:
        start = resource.getrusage(resource.RUSAGE_SELF)
        row = run_one(Path(src), Path(tmp))
        end = resource.getrusage(resource.RUSAGE_SELF)
        if with_baseline and row["outcome"] == "ok":
            row["openpyxl_roundtrip_s"] = baseline(Path(src), Path(tmp))
    row["cpu_s"] = round(end.ru_utime + end.ru_stime - start.ru_utime - start.ru_stime, 3)
    row["peak_rss_mb"] = round(end.ru_maxrss / 1024, 1)
    conn.send(row)
    conn.close()


def lo_check(src: Path, work: Path) -> str:
    """Fill the budget sheet added to *src*, recalculate the result in LibreOffice (forced, via
    tests/lo.py) and compare every cell of the budget sheet: cached values must equal LO's."""
    import shutil

    import python_calamine as pc

    from nscl_xl.fill import fill_workbook
    from tests.lo import recalculated_copy

    staged = work / ("staged" + src.suffix.lower())
    add_budget_sheet(src, staged)
    filled = fill_workbook(staged, work / ("filled" + src.suffix.lower()), sheet=BUDGET_SHEET).output
    again = recalculated_copy(shutil.which("soffice"), filled, work)
    mine = pc.CalamineWorkbook.from_path(str(filled)).get_sheet_by_name(BUDGET_SHEET).to_python()
    theirs = pc.CalamineWorkbook.from_path(str(again)).get_sheet_by_name(BUDGET_SHEET).to_python()
    for r, row in enumerate(mine):
        for c, v in enumerate(row):
            w = theirs[r][c] if r < len(theirs) and c < len(theirs[r]) else ""
            if v != w:
                return f"r{r} c{c}: cached {v!r}, LibreOffice {w!r}"
    return "ok"


def sdk_check(src: Path, work: Path, validate) -> dict[str, set[str]]:
    """Open XML SDK errors that the staged, filled, annotated and column-inserted outputs of
    *src* have and *src* itself has not (what Excel would be asked to repair)."""
    from nscl_xl.edit import EditError, WorkbookEditor
    from nscl_xl.fill import fill_workbook
    from nscl_xl.report import annotate_workbook
    from nscl_xl.verify import verify_path

    def errors(path: Path) -> set[str]:
        return {e.split(": ", 1)[-1] for e in validate(path)}

    suffix = src.suffix.lower()
    base = errors(src)
    staged = work / ("staged" + suffix)
    add_budget_sheet(src, staged)
    outputs = {"staged": staged,
               "filled": fill_workbook(staged, work / ("filled" + suffix), sheet=BUDGET_SHEET).output,
               "annotated": annotate_workbook(staged, verify_path(staged)[1], work / ("annotated" + suffix))}
    try:
        with WorkbookEditor(src) as ed:
            first = next(s for s in ed.sheets if s.kind == "worksheet")
            ed.insert_columns(first.name, 1, 2, template_col=0)
            ed.save(work / ("shifted" + suffix), kind="filled", as_suffix=suffix)
            outputs["shifted"] = work / ("shifted" + suffix)
    except (EditError, StopIteration):
        pass
    return {kind: errors(path) - base for kind, path in outputs.items()}


def excel_written(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            app = z.read("docProps/app.xml")[:4096].decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return False
    return bool(re.search(r"<(?:\w+:)?Application>Microsoft (?:Macintosh )?Excel", app))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", nargs="*", default=[], help="only files whose path contains one of these")
    ap.add_argument("--baseline", action="store_true",
                    help="also time an openpyxl load+save of each staged workbook (the former edit path)")
    ap.add_argument("--sdk", type=int, default=0,
                    help="also validate N sampled outputs with the Open XML SDK (tests/ooxml.py) against their input")
    ap.add_argument("--lo", type=int, default=0, help="also check N evenly sampled filled outputs in LibreOffice")
    ap.add_argument("--all-writers", action="store_true", help="not only files whose app.xml names Excel")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "edit_corpus.csv")
    args = ap.parse_args()
    # import everything once in the parent: forked children share it (and a run is not affected
    # by edits to the sources while it goes)
    import nscl_xl.edit.annotate  # noqa: F401
    import nscl_xl.edit.workbook  # noqa: F401
    import nscl_xl.fill  # noqa: F401
    import nscl_xl.formula  # noqa: F401
    import nscl_xl.report  # noqa: F401
    import nscl_xl.verify  # noqa: F401
    import openpyxl  # noqa: F401
    import python_calamine  # noqa: F401

    files = sorted(p for p in args.corpus.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file())
    files = [p for p in files if args.all_writers or args.only or excel_written(p)]
    if args.only:
        files = [p for p in files if any(o in str(p) for o in args.only)]
    if args.limit:
        files = files[:args.limit]
    ctx = mp.get_context("fork")
    rows = []
    t0 = time.perf_counter()
    for i, path in enumerate(files, 1):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(str(path), child, args.baseline))
        started = time.perf_counter()
        proc.start()
        child.close()
        row = None
        if parent.poll(TIME_LIMIT):
            try:
                row = parent.recv()
            except EOFError:
                row = None
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
            row = row or {"outcome": "timeout", "detail": f"> {TIME_LIMIT} s"}
        if row is None:
            row = {"outcome": "killed", "detail": f"exit code {proc.exitcode} (memory limit {MEM_LIMIT >> 20} MiB?)"}
        row["wall_s"] = round(time.perf_counter() - started, 3)
        row["file"] = str(path.relative_to(args.corpus))
        rows.append(row)
        if row["outcome"] not in ("ok", "refused") or row.get("lost") or row.get("damaged") or row.get("malformed") \
                or not str(row.get("shift", "ok")).startswith(("ok", "refused", "no worksheet")):
            print(f"[{i}/{len(files)}] {row['file']}: {row['outcome']} lost={row.get('lost')} {row['detail']}",
                  flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    keys = ["file", "outcome", "cpu_s", "fill_s", "annotate_s", "openpyxl_roundtrip_s", "wall_s", "peak_rss_mb", "lost", "damaged", "malformed", "shift", "changed_fill", "changed_annotate", "notes",
            "detail"]
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    by = {}
    for r in rows:
        by[r["outcome"]] = by.get(r["outcome"], 0) + 1
    ok = [r for r in rows if "cpu_s" in r]
    cpu = sorted(r["cpu_s"] for r in ok)
    rss = sorted(r["peak_rss_mb"] for r in ok)

    def pct(xs, q):
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0

    print(f"files {len(rows)}  outcomes {by}  lost parts {sum(r.get('lost', 0) for r in rows)}  "
          f"untouched parts changed {sum(r.get('damaged', 0) for r in rows)}  "
          f"wall {time.perf_counter() - t0:.0f} s")
    print(f"cpu s per file (add sheet, fill, verify, annotate, insert columns in the first sheet + checks): "
          f"median {pct(cpu, .5)}  p95 {pct(cpu, .95)}  max {cpu[-1] if cpu else 0}")
    for key, label in (("fill_s", "fill-years (read + plan + edit)"), ("annotate_s", "--annotate write (edit only)")):
        xs = sorted(r[key] for r in rows if key in r)
        if xs:
            print(f"  {label}: median {pct(xs, .5)}  p95 {pct(xs, .95)}  max {xs[-1]}")
    base = sorted(r["openpyxl_roundtrip_s"] for r in rows if r.get("openpyxl_roundtrip_s", -1) >= 0)
    if base:
        failed = sum(1 for r in rows if r.get("openpyxl_roundtrip_s") == -1)
        print(f"  baseline, openpyxl load+save alone (a lower bound of the former edit path): median {pct(base, .5)}  p95 {pct(base, .95)}  max {base[-1]}  "
              f"(failed on {failed} files)")
    print(f"peak RSS MB per child: median {pct(rss, .5)}  p95 {pct(rss, .95)}  max {rss[-1] if rss else 0}")
    slow = sorted(ok, key=lambda r: -r["cpu_s"])[:5]
    for r in slow:
        print(f"  slowest: {r['file']} {r['cpu_s']} s {r['peak_rss_mb']} MB {r['outcome']}")
    refused = {}
    for r in rows:
        if r["outcome"] == "refused":
            key = r["detail"].split(":", 1)[0]
            refused[key] = refused.get(key, 0) + 1
    print(f"refusals by rule: {refused}")
    shifts = {}
    for r in rows:
        key = str(r.get("shift", "-")).split(":")[0].split(" at ")[0]
        shifts[key] = shifts.get(key, 0) + 1
    print(f"malformed XML parts {sum(r.get('malformed', 0) for r in rows)}; column insertion in each real file's first "
          f"sheet: {shifts}")
    if args.sdk:
        try:
            from tests.ooxml import validate
        except ImportError:
            validate = None
            print("Open XML SDK validator (tests/ooxml.py) not available: --sdk skipped")
        sample = [r for r in rows if r["outcome"] == "ok"]
        sample = sample[::max(1, len(sample) // args.sdk)][:args.sdk]
        bad: dict[str, int] = {}
        for r in sample if validate else []:
            with tempfile.TemporaryDirectory(prefix="nscl-sdk-") as tmp:
                try:
                    found = sdk_check(args.corpus / r["file"], Path(tmp), validate)
                except Exception as exc:  # noqa: BLE001 - reported, counted
                    found = {"error": {f"{type(exc).__name__}: {exc}"}}
            for kind, errs in found.items():
                if errs:
                    bad[kind] = bad.get(kind, 0) + 1
                    print(f"  SDK errors new in {kind} output of {r['file']}: {sorted(errs)[:2]}")
        if validate:
            print(f"Open XML SDK over {len(sample)} sampled files: files with new errors by output {bad or 'none'}")
    if args.lo:
        sample = [r for r in rows if r["outcome"] == "ok"]
        sample = sample[::max(1, len(sample) // args.lo)][:args.lo]
        results = {}
        for r in sample:
            with tempfile.TemporaryDirectory(prefix="nscl-lo-") as tmp:
                try:
                    res = lo_check(args.corpus / r["file"], Path(tmp))
                except Exception as exc:  # noqa: BLE001 - reported, counted
                    res = f"error {type(exc).__name__}: {exc}"
            results[r["file"]] = res
            if res != "ok":
                print(f"  LibreOffice differs: {r['file']}: {res}")
        print(f"LibreOffice forced recalculation of {len(results)} filled outputs: "
              f"{sum(v == 'ok' for v in results.values())} with every cached value equal")
    bad = sum(r.get("lost", 0) + r.get("damaged", 0) for r in rows)
    return 0 if not by.get("traceback") and not bad else 1


if __name__ == "__main__":
    sys.exit(main())

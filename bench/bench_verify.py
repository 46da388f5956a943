"""Benchmark: verifying budget tables of 1k, 10k and 100k lines.

    python bench/bench_verify.py [--sizes 1000 10000 100000] [--repeat 3]

For each size it builds a consistent period table (sections of 9 items, each item with
quantity × price spread over five years, one item in a hundred made inconsistent), writes
it with XlsxWriter, and times separately: reading the file (calamine), building the model,
and running the rules (CPU time of this process). Time per line should stay flat (linear
growth). Side by side, a bare python-calamine read of the same file (``to_python`` of every
sheet), interleaved; it prints verify (read + model + rules) / calamine (issue 17: ≤ 5 at 100k).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = list(range(2026, 2031))


def table_rows(n_lines: int, seed: int = 1) -> list[list]:
    rng = random.Random(seed)
    rows = [["Đơn vị tính: triệu đồng"], ["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí"] + YEARS]
    body, total = [], [0] * 6
    section = 0
    while len(body) < n_lines:
        section += 1
        items = []
        for k in range(1, 10):
            q, p = rng.randint(1, 10), rng.randint(1, 300)
            units = [0] * 5
            for _ in range(q):
                units[rng.randrange(5)] += 1
            years = [u * p for u in units]
            amount = q * p + (7 if rng.random() < 0.01 else 0)  # 1 % inconsistent lines
            items.append([f"{section}.{k}", f"Nhiệm vụ {section}.{k}", "Cuộc", q, p, amount] + years)
        head = [str(section), f"Mục {section}", None, None, None] + [sum(i[5 + j] for i in items) for j in range(6)]
        body += [head] + items
        total = [t + h for t, h in zip(total, head[5:])]
    return rows + body + [["", "Tổng cộng", None, None, None] + total]


def write(path: Path, rows: list[list]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Dự toán")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.close()


def main() -> int:
    from nscl_xl.reader import read_grids_plan
    from nscl_xl.verify import verify_table
    from nscl_xl.workbook_io import read_grids

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nscl-bench-verify-"))
    from python_calamine import CalamineWorkbook

    def bare(path: Path) -> float:
        t = time.process_time()
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        return time.process_time() - t

    print(f"{'lines':>8} {'read s':>8} {'model s':>8} {'rules s':>8} {'total s':>8} {'µs/line':>8} "
          f"{'calamine':>8} {'ratio':>6} findings")
    for n in args.sizes:
        path = tmp / f"t{n}.xlsx"
        write(path, table_rows(n))
        best = None
        base = float("inf")
        for _ in range(args.repeat):
            base = min(base, bare(path))
            t0 = time.process_time()
            grids = read_grids(path)
            t1 = time.process_time()
            plan = read_grids_plan(grids, str(path))
            t2 = time.process_time()
            findings = verify_table(plan.tables[0])
            t3 = time.process_time()
            run = (t1 - t0, t2 - t1, t3 - t2)
            best = run if best is None or sum(run) < sum(best) else best
        lines = len(plan.tables[0].lines)
        total = sum(best)
        print(f"{lines:>8} {best[0]:>8.3f} {best[1]:>8.3f} {best[2]:>8.3f} {total:>8.3f} "
              f"{total / lines * 1e6:>8.1f} {base:>8.3f} {total / base:>6.1f} {len(findings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: consolidating 63 provinces × 2 period-plan workbooks vs. just reading them with
``pandas.read_excel(..., engine="openpyxl")``.

    python bench/bench_consolidate.py [--repeat 3] [--keep DIR]

The folder is generated from the Sóc Trăng workbook's layout (two-row merged headers, unit
line, 19 lines and a total per sheet) with each province's name and its own numbers. Both
sides run in this process, interleaved, --repeat times; it reports the ratio of the best
times and the median pairwise ratio. The claim in the issue is consolidate < 0.5 × baseline.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(folder: Path, seed: int = 7) -> list[Path]:
    import openpyxl

    from nscl_xl.provinces import all_provinces

    rng = random.Random(seed)
    template = ROOT / "workbooks" / "soc_trang_2021_2030.xlsx"
    files = []
    for i, province in enumerate(all_provinces()):
        for period, sheet in (("2021_2025", "Phụ lục I"), ("2026_2030", "Phụ lục II")):
            wb = openpyxl.load_workbook(template)
            for name in list(wb.sheetnames):
                if name != sheet:
                    del wb[name]
            ws = wb[sheet]
            ws["A3"] = f"(Kèm theo Kế hoạch số {i + 10}/KH-UBND của Ủy ban nhân dân tỉnh {province})"
            scale = rng.randint(1, 9)
            for row in ws.iter_rows(min_row=8, max_row=27, min_col=4, max_col=11):
                for cell in row:
                    if isinstance(cell.value, (int, float)):
                        cell.value = cell.value * scale
            path = folder / f"{i:02d}_{period}.xlsx"
            wb.save(path)
            files.append(path)
    return files


def baseline(files: list[Path]) -> float:
    import pandas as pd

    t = time.perf_counter()
    for f in files:
        pd.read_excel(f, sheet_name=None, engine="openpyxl", header=None)
    return time.perf_counter() - t


def ours(folder: Path, out: Path) -> float:
    from nscl_xl.consolidate import consolidate_dir
    from nscl_xl.summary import write_summary

    t = time.perf_counter()
    cons = consolidate_dir(folder)
    write_summary(cons, out)
    elapsed = time.perf_counter() - t
    assert len(cons.used) == 126 and not cons.skipped, "generated folder did not consolidate cleanly"
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nscl-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        files = generate(folder)
        out = Path(tempfile.mkdtemp(prefix="nscl-bench-out-")) / "tong_hop.xlsx"
        # Interleaved runs, so that a noisy neighbour slows both sides alike.
        pairs = [(baseline(files), ours(folder, out)) for _ in range(args.repeat)]
        base = min(b for b, _ in pairs)
        mine = min(m for _, m in pairs)
        ratios = sorted(m / b for b, m in pairs)
        print(f"files: {len(files)}, runs: {args.repeat} (interleaved)")
        print(f"baseline pandas.read_excel(engine='openpyxl'), read only: best {base:.2f} s")
        print(f"nscl-xl consolidate (read + verify + write summary):     best {mine:.2f} s")
        print(f"ratio of bests: {mine / base:.2f}; median pairwise ratio: {ratios[len(ratios) // 2]:.2f} "
              f"(target < 0.50)")
        return 0 if mine < 0.5 * base else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

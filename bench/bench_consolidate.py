"""Benchmark: ``nscl-xl consolidate`` on 63 provinces × 2 period-plan workbooks, side by side
with a floor program and with a pandas+openpyxl read loop.

    python bench/bench_consolidate.py [--repeat 5] [--scale 1] [--keep DIR]

Three commands, each in its own process, run interleaved --repeat times:

* floor: bench/floor_consolidate.py — lists the folder, reads it with python-calamine, builds
  the same records and writes a raw SpreadsheetML data sheet, a SUMIFS matrix and the CSV;
* nscl-xl: ``consolidate FOLDER -o OUT.xlsx --csv OUT.csv`` (read, verify, write the summary);
* pandas: ``pandas.read_excel(engine="openpyxl")`` of every file (reading only).

The figure is the CPU time (user + system) of each command's whole process tree (its workers
included), from wait4; also its peak RSS. It prints the medians and the ratios nscl-xl/floor
(issue 17: ≤ 2) and nscl-xl/pandas (≤ 0.4). --scale N copies the folder N times into
sub-folders (memory growth; the copies are the same plans, so the output does not grow).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
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


PANDAS_LOOP = """
import os, sys
import pandas as pd
for d, _, fs in os.walk(sys.argv[1]):
    for f in sorted(fs):
        if f.endswith(".xlsx"):
            pd.read_excel(os.path.join(d, f), sheet_name=None, engine="openpyxl", header=None)
"""


def run(argv: list[str], env: dict) -> tuple[float, float, float]:
    """(CPU s of the process tree, wall s, peak RSS MiB) of one command."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1, 3):  # 1: findings, 3: duplicates in a --scale folder
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scale", type=int, default=1, help="copies of the folder (sub-folders)")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--no-pandas", action="store_true", help="leave out the pandas loop (slow at --scale)")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="nscl-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="nscl-bench-out-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: pip compiles the bytecode
    try:
        if not any(folder.rglob("*.xlsx")):
            first = folder / "c00" if args.scale > 1 else folder
            first.mkdir(exist_ok=True)
            files = generate(first)
            for k in range(1, args.scale):
                copy = folder / f"c{k:02d}"
                copy.mkdir(exist_ok=True)
                for f in files:
                    shutil.copy(f, copy / f.name)
        n_files = sum(1 for _ in folder.rglob("*.xlsx"))
        commands = {
            "floor": [sys.executable, str(ROOT / "bench" / "floor_consolidate.py"), str(folder), str(out)],
            "nscl-xl": [sys.executable, "-c", "from nscl_xl.cli import main; main()", "consolidate", str(folder),
                        "-o", str(out / "tong_hop.xlsx"), "--csv", str(out / "tong_hop.csv"), "-q"],
        }
        if not args.no_pandas:
            commands["pandas"] = [sys.executable, "-c", PANDAS_LOOP, str(folder)]
        for argv in commands.values():  # warm the file cache and the bytecode
            run(argv, env)
        samples: dict[str, list[tuple[float, float, float]]] = {k: [] for k in commands}
        for _ in range(args.repeat):  # interleaved, so that a noisy neighbour slows every side alike
            for name, argv in commands.items():
                samples[name].append(run(argv, env))
        med = {k: tuple(statistics.median(s[i] for s in v) for i in range(3)) for k, v in samples.items()}
        print(f"files: {n_files}, runs: {args.repeat} each (interleaved), medians; CPU = user + system of the "
              f"process tree")
        print(f"{'command':<10} {'CPU s':>7} {'wall s':>7} {'peak MiB':>9}")
        for k, (cpu, wall, rss) in med.items():
            print(f"{k:<10} {cpu:>7.2f} {wall:>7.2f} {rss:>9.0f}")
        ok = True
        ratio = med["nscl-xl"][0] / med["floor"][0]
        pair = sorted(m[0] / f[0] for m, f in zip(samples["nscl-xl"], samples["floor"]))
        print(f"nscl-xl / floor  (CPU): {ratio:.2f} (median pairwise {pair[len(pair) // 2]:.2f}; target ≤ 2)")
        ok &= ratio <= 2
        if "pandas" in med:
            ratio = med["nscl-xl"][0] / med["pandas"][0]
            print(f"nscl-xl / pandas (CPU): {ratio:.2f} (target ≤ 0.4)")
            ok &= ratio <= 0.4
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

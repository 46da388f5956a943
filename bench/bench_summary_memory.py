"""Benchmark: peak Python memory and CPU time of writing the summary, by number of data rows.

    python bench/bench_summary_memory.py [--rows 10000 100000]

Each size runs in a fresh process: CPU seconds and peak resident memory (ru_maxrss, the whole
process: interpreter, imports, the synthetic input) of that process, and tracemalloc's peak of
the writer alone in a second run.

The consolidation is synthetic (63 provinces, 10 years, realistic item and file names) so the
figure is the writer's alone, not the reading. Peak memory is tracemalloc's (Python objects:
the "Dữ liệu" rows, their XML, the copy made when the sheet part is rewritten); per-row bytes
show whether memory grows faster than the output (issue 17: stream the data sheet into the zip
entry instead of building it as one string).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic(n_rows: int):
    from nscl_xl.consolidate import Consolidation, Record, SourceFile
    from nscl_xl.provinces import all_provinces, merged_2025

    names = all_provinces()
    cons = Consolidation(root="synthetic")
    per_file = max(1, n_rows // (len(names) * 2))
    for i in range(n_rows):
        p = names[i // per_file % len(names)]
        f = f"/data/nscl/{p.lower().replace(' ', '_')}_{2021 + (i // per_file) % 2 * 5}_kế_hoạch.xlsx"
        cons.records.append(Record(p, merged_2025(p), 2021 + i % 10, "Hỗ trợ doanh nghiệp", f"{i % 7}.{i % 5}",
                                   f"Tổ chức hội thảo, hội nghị, tập huấn về năng suất chất lượng số {i}",
                                   1_000_000 * (1 + i % 97), "Kế hoạch giai đoạn 2021-2025", "period", f,
                                   "Phụ lục I", f"G{10 + i % 40}"))
    for p in names:
        cons.sources.append(SourceFile(f"/data/nscl/{p}.xlsx", "used", province=p, n_records=per_file))
    return cons


def one(n: int, traced: bool) -> None:
    """Write one summary of *n* rows in this process; print CPU s, peak RSS MiB, traced MiB, file MiB."""
    import resource

    from nscl_xl.summary import write_summary

    cons = synthetic(n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "t.xlsx"
        if traced:
            tracemalloc.start()
        t0 = time.process_time()
        write_summary(cons, out)
        cpu = time.process_time() - t0
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        size = out.stat().st_size
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(cpu, rss, peak / 2**20, size / 2**20)


def main() -> None:
    import subprocess

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(args.one, args.traced)
        return
    print(f"{'rows':>8} {'CPU s':>7} {'peak RSS MiB':>13} {'writer peak MiB (tracemalloc)':>30} {'file MiB':>9}")
    for n in args.rows:
        def run(*extra):
            out = subprocess.run([sys.executable, __file__, "--one", str(n), *extra], capture_output=True, text=True,
                                 check=True).stdout.split()
            return [float(x) for x in out]

        cpu, rss, _, size = run()
        _, _, traced, _ = run("--traced")
        print(f"{n:>8} {cpu:>7.2f} {rss:>13.0f} {traced:>30.1f} {size:>9.2f}")


if __name__ == "__main__":
    main()

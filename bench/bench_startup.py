"""Benchmark: start-up of the command line vs. a bare ``python -c pass``.

    python bench/bench_startup.py [--runs 30]

Runs, interleaved, ``python -c pass``, the console entry point with ``--help`` and with
``words 123`` (``python -c "from nscl_xl.cli import main; main()" …``, what the ``nscl-xl``
script runs, without the launcher a platform puts in front of it), each --runs times, and
prints the median wall and CPU time (user + system of the child) of each and the difference to
``python -c pass``. The target (issue 17): within 50 ms. Also lists the ten slowest imports of
``words 123`` (``python -X importtime``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "from nscl_xl.cli import main; main()"
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "nscl-xl --help": [sys.executable, "-c", ENTRY, "--help"],
    "nscl-xl words 123": [sys.executable, "-c", ENTRY, "words", "123"],
}


def run(argv: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed: {proc.stderr.decode(errors='replace')}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE (sources compiled "
                    "at every run)")
    args = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # As installed (pip compiles the bytecode at install time): with PYTHONDONTWRITEBYTECODE every
    # run compiles nscl_xl's sources again (~30 ms of 'words 123'), which is not the user's case.
    if not args.no_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    for argv in COMMANDS.values():  # warm the bytecode cache and the file cache
        run(argv, env)
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(run(argv, env))
    base_wall = statistics.median(w for w, _ in times["python -c pass"])
    base_cpu = statistics.median(c for _, c in times["python -c pass"])
    print(f"runs: {args.runs} each, interleaved; medians; bytecode "
          f"{'not cached' if env.get('PYTHONDONTWRITEBYTECODE') else 'cached'}")
    print(f"{'command':<20} {'wall ms':>8} {'cpu ms':>8} {'Δwall ms':>9} {'Δcpu ms':>8}")
    worst = 0.0
    for name, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        if name != "python -c pass":
            worst = max(worst, wall - base_wall)
        print(f"{name:<20} {wall * 1e3:>8.1f} {cpu * 1e3:>8.1f} {(wall - base_wall) * 1e3:>9.1f} "
              f"{(cpu - base_cpu) * 1e3:>8.1f}")
    print(f"worst difference to python -c pass: {worst * 1e3:.1f} ms (target ≤ 50 ms)")
    trace = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, "words", "123"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    rows = []
    for line in trace.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
            rows.append((int(parts[0].split(":")[1]), parts[2].rstrip()))
    print("slowest imports of 'words 123' (self µs):")
    for us, name in sorted(rows, reverse=True)[:10]:
        print(f"  {us:>7} {name}")
    print("num2words loaded:", "yes" if any(n.strip().startswith("num2words") for _, n in rows) else "no")
    return 0 if worst <= 0.050 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run `nscl-xl verify --json` over every spreadsheet of the external corpus, each file in a child
process under an address-space limit and a time limit; report outcomes, CPU time and peak memory.

    PYTHONPATH=. python3 bench/bench_corpus.py [--corpus DIR] [--limit-mb 2048] [--timeout 60]
                                               [--jobs 2] [--out results.csv] [--only SUBSTRING]

Each child is forked from this process after the toolkit is imported (start-up is not measured)
and runs the real CLI entry point with its stdout/stderr sent to files; the parent reads the
child's own resource usage (os.wait4). Outcomes:

* ``ok`` (exit 0/1: read and verified), ``rejected`` (exit 2 with a "Lỗi"/finding message),
* ``traceback`` (a Python traceback or exit 70 on stderr), ``crash`` (killed by a signal: a Rust
  abort, the memory limit), ``hang`` (over the time limit), ``bad-stdout`` (stdout not the JSON
  the command promises), ``foreign-text`` (English third-party text on stderr).

Acceptance: 0 traceback, 0 crash, 0 hang, 0 bad-stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "external"


def _child(path: str, out: str, err: str, limit: int, timeout: int) -> None:
    from nscl_xl.cli import main

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.alarm(timeout)
    fd_out = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fd_err = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd_out, 1)
    os.dup2(fd_err, 2)
    code = 0
    try:
        main(["verify", path, "--json"], prog_name="nscl-xl")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported as a traceback
        import traceback

        traceback.print_exc()
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def classify(status: int, stdout: str, stderr: str, timed_out: bool) -> str:
    if timed_out:
        return "hang"
    if os.WIFSIGNALED(status):
        return "crash"
    code = os.WEXITSTATUS(status)
    if "Traceback" in stderr or code in (70, 99):
        return "traceback"
    try:
        json.loads(stdout)
    except ValueError:
        return "bad-stdout"
    foreign = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(("Lỗi", "  "))]
    if foreign:
        return "foreign-text"
    return "ok" if code in (0, 1) else "rejected" if code == 2 else f"exit-{code}"


def run(files: list[Path], limit: int, timeout: int, jobs: int):
    """Yield (file, outcome, exit code, cpu seconds, max RSS MiB, first message line)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    os.environ["NSCL_XL_LOG_DIR"] = str(tmp / "log")
    import nscl_xl.cli  # noqa: F401 - imported before forking: children start warm
    import nscl_xl.verify  # noqa: F401

    running: dict[int, tuple[Path, float, Path, Path]] = {}
    queue = list(files)
    while queue or running:
        while queue and len(running) < jobs:
            f = queue.pop(0)
            out, err = tmp / f"{len(queue)}.out", tmp / f"{len(queue)}.err"
            pid = os.fork()
            if pid == 0:
                _child(str(f), str(out), str(err), limit, timeout)
            running[pid] = (f, time.monotonic(), out, err)
        pid, status, usage = os.wait4(-1, 0)
        if pid not in running:
            continue
        f, started, out, err = running.pop(pid)
        stdout = out.read_text("utf-8", "replace")
        stderr = err.read_text("utf-8", "replace")
        timed_out = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM
        outcome = classify(status, stdout, stderr, timed_out)
        message = ""
        try:
            findings = json.loads(stdout)
            items = findings if isinstance(findings, list) else findings.get("findings", [])
            message = next((x.get("message", "") for x in items if x.get("rule") != "no-table"), "")
        except (ValueError, AttributeError):
            message = (stderr.strip().splitlines() or [""])[-1]
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
        yield (f, outcome, code, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, message[:200],
               time.monotonic() - started)
        out.unlink(missing_ok=True)
        err.unlink(missing_ok=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit-mb", type=int, default=2048)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("bench_corpus_results.csv"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    with open(args.corpus / "MANIFEST.csv", encoding="utf-8") as fh:
        manifest = {r["file"]: r for r in csv.DictReader(fh)}
    files = [args.corpus / name for name in sorted(manifest) if args.only in name]
    counts: dict[str, int] = {}
    rows = []
    t0 = time.monotonic()
    for f, outcome, code, cpu, rss, message, wall in run(files, args.limit_mb << 20, args.timeout, args.jobs):
        counts[outcome] = counts.get(outcome, 0) + 1
        name = str(f.relative_to(args.corpus))
        was = manifest[name]
        rows.append([name, was["format"], was["readable_by_calamine_or_openpyxl"], was["outcome"], outcome, code,
                     f"{cpu:.3f}", f"{rss:.0f}", f"{wall:.2f}", message])
        if outcome not in ("ok", "rejected"):
            print(f"{outcome:12} {name}: {message}", flush=True)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "format", "readable_elsewhere", "outcome_before", "outcome", "exit", "cpu_s", "max_rss_mib",
                    "wall_s", "message"])
        w.writerows(rows)
    cpu = sorted(float(r[7 - 1]) for r in rows)
    rss = sorted(float(r[7]) for r in rows)
    false_rej = [r[0] for r in rows if r[4] == "rejected" and r[2] == "True"]
    print(f"{len(rows)} files in {time.monotonic() - t0:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if rows:
        print(f"CPU per file: median {cpu[len(cpu) // 2]:.3f} s, p99 {cpu[int(len(cpu) * .99)]:.3f} s, max {cpu[-1]:.3f} s")
        print(f"Peak RSS per file: median {rss[len(rss) // 2]:.0f} MiB, p99 {rss[int(len(rss) * .99)]:.0f} MiB, "
              f"max {rss[-1]:.0f} MiB")
    print(f"Rejected although python-calamine or openpyxl opens them: {len(false_rej)}")
    for name in false_rej:
        print(f"  {name}")
    print(f"Details: {args.out}")


if __name__ == "__main__":
    main()

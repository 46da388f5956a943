"""Mutation score per module: each module mutated alone, against its own tests (mutmut 3.x).

    pip install mutmut            # a developer tool, not a dependency of the package
    python bench/mutation.py money words verify consolidate
    python bench/mutation.py reader --sample 300 --max-children 2

For each module a scratch copy of the repository is made (nothing is written into the checkout),
setup.cfg's [mutmut] section (fixed hypothesis seed) gets ``only_mutate`` for the module and the
module's own test files as the test selection, and ``mutmut run`` runs there. ``--sample N``
runs N mutants drawn with a fixed seed (``random.Random(0)``) from all the module's mutants.

Printed per module: mutants run, killed, survived, timeouts and others, and the score
killed/(killed+survived) — timeouts count as killed, as mutmut counts them; the surviving mutants'
names are written to bench/mutation_survivors/<module>.txt (``mutmut show NAME`` in the scratch
copy shows each; the copy is kept with ``--keep``). Equivalent mutants and message-only mutants
among the survivors are listed in bench/mutation_equivalents.md; the README reports both scores.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# each module against its own tests
TESTS = {
    "money": ["tests/test_money.py"],
    "words": ["tests/test_words.py", "tests/test_words_grammar.py"],
    "verify": ["tests/test_verify.py", "tests/test_verify_pins.py"],
    "reader": ["tests/test_reader.py", "tests/test_reader_pins.py"],
    "consolidate": ["tests/test_consolidate.py", "tests/test_consolidate_pins.py"],
    "fill": ["tests/test_fill.py", "tests/test_fill_pins.py"],
}

STATUS = re.compile(r"^\s*(\S+__mutmut_\d+): (.+)$")


def _scratch(module: str, tmp: Path) -> Path:
    work = tmp / module
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "mutants", ".git")
    for name in ("nscl_xl", "tests", "workbooks"):
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    for name in ("setup.cfg", "pyproject.toml"):
        shutil.copy(ROOT / name, work / name)
    cfg = (work / "setup.cfg").read_text(encoding="utf-8")
    selection = "".join(f"\n    {t}" for t in TESTS[module])
    cfg = cfg.replace("[mutmut]\n", f"[mutmut]\nonly_mutate = nscl_xl/{module}.py\n"
                                    f"pytest_add_cli_args_test_selection ={selection}\n", 1)
    (work / "setup.cfg").write_text(cfg, encoding="utf-8")
    # on PYTHONPATH before mutmut fills it: a folder missing at start-up is never looked in again
    (work / "mutants").mkdir()
    return work


def _mutmut(work: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(work / "mutants"), "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=work, env=env, capture_output=True, text=True)


def _statuses(work: Path) -> dict[str, str]:
    res = _mutmut(work, "results", "--all", "true")
    return {m.group(1): m.group(2).strip() for m in map(STATUS.match, res.stdout.splitlines()) if m}


def measure(module: str, tmp: Path, sample: int | None, children: int) -> dict:
    work = _scratch(module, tmp)
    names: list[str] = []
    if sample:
        # generate the mutants (and the stats) without running them: an empty name pattern
        _mutmut(work, "run", "--max-children", str(children), "no-such-mutant")
        every = sorted(_statuses(work))
        names = sorted(random.Random(0).sample(every, min(sample, len(every))))
    res = _mutmut(work, "run", "--max-children", str(children), *names)
    if res.returncode:
        sys.stderr.write(res.stdout[-3000:] + res.stderr[-3000:])
    statuses = _statuses(work)
    if names:
        statuses = {n: statuses.get(n, "not checked") for n in names}
    count = {}
    for status in statuses.values():
        count[status] = count.get(status, 0) + 1
    killed = count.get("killed", 0) + count.get("timeout", 0)
    survived = count.get("survived", 0) + count.get("no tests", 0)  # a mutant no test runs survives
    out = ROOT / "bench" / "mutation_survivors"
    out.mkdir(exist_ok=True)
    (out / f"{module}.txt").write_text("".join(f"{n}\n" for n, s in sorted(statuses.items()) if s in ("survived", "no tests")))
    return {"module": module, "mutants": len(statuses), "killed": killed, "survived": survived,
            "other": {k: v for k, v in count.items() if k not in ("killed", "timeout", "survived", "no tests")},
            "score": killed / (killed + survived) if killed + survived else float("nan"), "work": work}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("modules", nargs="*", default=list(TESTS), choices=list(TESTS))
    ap.add_argument("--sample", type=int, help="run N mutants drawn with a fixed seed")
    ap.add_argument("--max-children", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the scratch copies (prints where)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nscl-mutation-"))
    try:
        for module in args.modules:
            r = measure(module, tmp, args.sample, args.max_children)
            print(f"{module:12} mutants {r['mutants']:5}  killed {r['killed']:5}  survived {r['survived']:4}  "
                  f"other {r['other'] or '-'}  score {r['score']:.1%}", flush=True)
    finally:
        if args.keep:
            print(f"scratch copies kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

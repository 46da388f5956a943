"""Mutation score of nscl_xl/words.py and nscl_xl/money.py against their own tests (issue 18).

Usage: ``pip install "mutmut>=3.8,<4"`` then ``python bench/mutation_words_money.py [--scale 0.1]``.

mutmut is not a dependency of the package: this script copies the tracked files into a temporary
directory, writes the mutmut configuration there (setup.cfg of the copy only), runs
``mutmut run`` with a fixed hypothesis seed and the property tests scaled down by
``NSCL_EXAMPLES_SCALE`` (a full-size run takes hours on two cores), and prints killed / survived
per module. mutmut's first run sometimes stops after generating mutants ("Failed to run pytest"
during stats collection); the script runs it a second time, which resumes.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
[mutmut]
source_paths = nscl_xl
only_mutate =
    nscl_xl/words.py
    nscl_xl/money.py
pytest_add_cli_args_test_selection =
    tests/test_words.py
    tests/test_money.py
    tests/test_words_grammar.py
pytest_add_cli_args =
    -p
    no:cacheprovider
    --hypothesis-seed=0
    -x
    -q
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="fraction of the hypothesis examples (default 0.1)")
    parser.add_argument("--workdir", type=Path, help="keep the copy here instead of a temporary directory")
    args = parser.parse_args()
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        for name in files:
            if name.startswith(("nscl_xl/", "tests/")) or name in ("setup.cfg", "pyproject.toml"):
                dest = work / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes((ROOT / name).read_bytes())
        with open(work / "setup.cfg", "a", encoding="utf-8") as cfg:
            cfg.write(CONFIG)
        env = {**os.environ, "NSCL_EXAMPLES_SCALE": str(args.scale), "PYTHONPATH": str(work / "mutants")}
        for _ in range(2):
            run = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", "2"], cwd=work, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if run.returncode == 0:
                break
        results = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=work, env=env,
                                 capture_output=True, text=True).stdout
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            counts[name.split(".x")[0]][status] += 1
    for module, c in sorted(counts.items()):
        total = sum(c.values())
        print(f"{module}: {total} mutants, killed {c['killed']}, survived {c['survived']}, "
              f"timeout {c['timeout']}, score {100 * (total - c['survived']) / total:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())

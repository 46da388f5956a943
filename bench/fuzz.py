"""Longer fuzzing runs than CI's: the reader + verifier on random grids, the words parser on
random text, and the reader on mutated real workbook bytes.

    python bench/fuzz.py [--examples 20000] [--mutations 300]

Hypothesis drives the first two (same strategies as tests/test_hostile.py, more examples);
the third flips, truncates and splices bytes of the committed workbooks and requires every
outcome to be either a model or a ReadError — never another exception.
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


def _mutate_xml(data: bytes, rng: random.Random) -> bytes:
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    targets = [n for n in src.namelist() if n.endswith(".xml")]
    victim = rng.choice(targets)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            body = bytearray(src.read(name))
            if name == victim and body:
                for _ in range(rng.randint(1, 8)):
                    pos = rng.randrange(len(body))
                    op = rng.choice(["byte", "cut", "dup"])
                    if op == "byte":
                        body[pos] = rng.choice(b'<>"=/&t e0123456789ABC')
                    elif op == "cut":
                        del body[pos:pos + rng.randint(1, 40)]
                    else:
                        body[pos:pos] = body[pos:pos + rng.randint(1, 40)]
            z.writestr(name, bytes(body))
    return out.getvalue()


def mutate_files(n: int, seed: int = 11) -> dict[str, int]:
    from nscl_xl.errors import ReadError
    from nscl_xl.verify import verify_path

    rng = random.Random(seed)
    sources = sorted((ROOT / "workbooks").rglob("*.xlsx"))
    counts = {"read": 0, "refused": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            data = bytearray(rng.choice(sources).read_bytes())
            kind = rng.choice(["flip", "truncate", "splice", "xml", "xml"])
            if kind == "xml":  # damage the XML inside, keep the zip valid: reaches the XML readers
                data = bytearray(_mutate_xml(bytes(data), rng))
            elif kind == "flip":
                for _ in range(rng.randint(1, 20)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
            elif kind == "truncate":
                data = data[: rng.randrange(len(data))]
            else:
                a, b = sorted(rng.randrange(len(data)) for _ in range(2))
                data = data[:a] + data[b:] + data[a:b]
            path = Path(tmp) / f"m{i}.xlsx"
            path.write_bytes(bytes(data))
            try:
                verify_path(path)
                counts["read"] += 1
            except ReadError:
                counts["refused"] += 1
    return counts


def main() -> int:
    from hypothesis import HealthCheck, given, settings

    from tests.test_hostile import CELLS, WORDS
    from hypothesis import strategies as st

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=20_000)
    ap.add_argument("--mutations", type=int, default=300)
    args = ap.parse_args()

    from nscl_xl.reader import read_grids_plan
    from nscl_xl.verify import verify_plan
    from nscl_xl.words import WordsError, words_to_amount
    from nscl_xl.workbook_io import SheetGrid

    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(rows=st.lists(st.lists(CELLS, max_size=9), max_size=25))
    def reader(rows):
        verify_plan(read_grids_plan([SheetGrid("S", rows)], "fuzz.xlsx"))

    @settings(max_examples=args.examples, deadline=None, database=None)
    @given(text=st.one_of(WORDS, st.text(max_size=60)))
    def words(text):
        try:
            words_to_amount(text)
        except WordsError:
            pass

    for name, fn in [("reader+verify", reader), ("words parser", words)]:
        t = time.perf_counter()
        fn()
        print(f"{name}: {args.examples} examples, no failure ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    counts = mutate_files(args.mutations)
    print(f"mutated workbooks: {args.mutations} files, {counts['read']} read, {counts['refused']} refused with "
          f"ReadError, no other exception ({time.perf_counter() - t:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

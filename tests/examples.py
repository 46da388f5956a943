"""Hypothesis example counts, scaled by NSCL_EXAMPLES_SCALE (mutation runs use a fraction)."""

import os


def examples(n: int) -> int:
    return max(10, int(n * float(os.environ.get("NSCL_EXAMPLES_SCALE", "1"))))

"""Every rule id the package can emit is a stable, documented id (findings.RULES and the README)."""

from __future__ import annotations

import re
from pathlib import Path

from nscl_xl.findings import RULES

ROOT = Path(__file__).resolve().parent.parent
# rule="x" / rule = "x" (errors), Finding(file, sheet, cell, "x", SEVERITY…) and ctx.emit(src, "x", …)
_PATTERNS = [re.compile(r'\brule\s*=\s*"([a-z0-9-]+)"'),
             re.compile(r'Finding\([^()]*?"([a-z0-9-]+)",\s*(?:ERROR|WARNING)'),
             re.compile(r'\bemit\([^,()]+,\s*"([a-z0-9-]+)"'),
             re.compile(r'"([a-z0-9-]+)" if [^()]*? else\s*"([a-z0-9-]+)",\s*(?:ERROR|WARNING)')]


def emitted_ids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "nscl_xl").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in _PATTERNS:
            for m in pattern.finditer(text):
                found.update(g for g in m.groups() if g)
    return found


def test_every_emitted_rule_id_is_known():
    ids = emitted_ids()
    assert len(ids) >= 40, sorted(ids)  # the scan itself works
    assert ids - set(RULES) == set()


def test_every_check_rule_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [r for r in RULES if f"`{r}`" not in readme]
    assert missing == []

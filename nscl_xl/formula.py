"""A small, safe, exact evaluator for the formulas budget tables use.

Supported: numbers, cell references (``F8``, ``$F$8``, ``'Phụ lục I'!F8``), ranges inside
functions (``F9:F13``), ``+ - * / ^``, unary minus, percent, parentheses, comparisons
(``= <> < > <= >=``, for IF) and the functions SUM, ROUND, ROUNDUP, ROUNDDOWN, INT, ABS, MIN,
MAX, PRODUCT, SUMPRODUCT, IF, AND, OR. Arithmetic is Decimal with 60 significant digits
(exact for everything but non-terminating divisions). Anything else (other functions, names,
whole-column references, text) raises :class:`NotEvaluable` with the reason — never a guess.

Two uses: checking that a formula's cached value is what it computes (rule ``stale-formula``)
and computing formulas saved without cached values (openpyxl and other libraries write none),
so that such a workbook never reads as 0 đồng (:func:`fill_uncached`).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation, localcontext
from typing import Callable

from .model import a1

_TOKEN = re.compile(r"""\s*(?:
    (?P<ref>(?:(?P<sheet>'(?:[^']|'')+'|[^\W\d][\w.]*)!)?
            \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?(?![\w(]))
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<func>[A-Za-z][A-Za-z0-9_.]*)\s*\(
  | (?P<str>"(?:[^"]|"")*")
  | (?P<op><>|<=|>=|[-+*/^(),=<>%&])
)""", re.VERBOSE)

FUNCTIONS = frozenset({"SUM", "ROUND", "ROUNDUP", "ROUNDDOWN", "INT", "ABS", "MIN", "MAX", "PRODUCT", "SUMPRODUCT",
                       "IF", "AND", "OR"})
PRECISION = 60
#: Largest number of cells fill_uncached looks at (references' areas) before it stops computing.
MAX_WORK = 20_000_000
MAX_DECIMALS = 30  # results are rounded to 30 decimal places (budget amounts never need more)


class NotEvaluable(Exception):
    """The formula uses something the evaluator does not compute; ``str(exc)`` says what."""


def parse_ref(ref: str) -> tuple[int, int]:
    """"B7" / "$B$7" -> (row, col), 0-based."""
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d+)", ref.upper())
    if not m or int(m.group(2)) == 0:
        raise NotEvaluable(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _sheet_name(prefix: str | None) -> str | None:
    if not prefix:
        return None
    return prefix[1:-1].replace("''", "'") if prefix.startswith("'") else prefix


def tokenize(formula: str) -> list[tuple[str, str]]:
    """(kind, text) tokens of a formula (``=`` optional); kinds ref, num, func, str, op, end."""
    text = formula[1:] if formula.startswith("=") else formula
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise NotEvaluable(f"không đọc được công thức từ '{text[pos:pos + 20]}'")
        kind = m.lastgroup if m.lastgroup != "sheet" else "ref"
        if m.group("ref"):
            kind = "ref"
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    tokens.append(("end", ""))
    return tokens


def split_ref(token: str) -> tuple[str | None, tuple[int, int], tuple[int, int]]:
    """A ref token -> (sheet or None, first cell, last cell), 0-based, normalised."""
    sheet, _, cells = token.rpartition("!") if "!" in token else (None, "", token)
    a, _, b = cells.partition(":")
    (r0, c0) = parse_ref(a)
    (r1, c1) = parse_ref(b) if b else (r0, c0)
    return _sheet_name(sheet), (min(r0, r1), min(c0, c1)), (max(r0, r1), max(c0, c1))


ValueAt = Callable[[int, int], "Decimal | None"]
OtherAt = Callable[[str, int, int], "Decimal | None"]


def evaluate(formula: str, value_at: ValueAt, other: OtherAt | None = None) -> Decimal:
    """Evaluate "=SUM(G9:G13)+F5*2"; *value_at(row, col)* gives a cell's number on the same
    sheet (None = empty), *other(sheet, row, col)* one on another sheet (without it a
    reference to another sheet is not evaluable)."""
    tokens = tokenize(formula)
    i = 0

    def peek() -> tuple[str, str]:
        return tokens[i]

    def take() -> tuple[str, str]:
        nonlocal i
        i += 1
        return tokens[i - 1]

    def cell(sheet: str | None, r: int, c: int) -> Decimal | None:
        if sheet is None:
            return value_at(r, c)
        if other is None:
            raise NotEvaluable(f"tham chiếu sang trang khác ({sheet})")
        return other(sheet, r, c)

    def grid_of(token: str) -> list[list[Decimal | None]]:
        sheet, (r0, c0), (r1, c1) = split_ref(token)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 1_000_000:
            raise NotEvaluable(f"vùng {token} quá lớn")
        return [[cell(sheet, r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]

    def arg() -> list[list[Decimal | None]] | Decimal:
        """A function argument: a bare range stays a grid, anything else is a number."""
        kind, val = peek()
        if kind == "ref" and tokens[i + 1] in (("op", ","), ("op", ")")):
            take()
            return grid_of(val)
        return compare()

    def call(name: str) -> Decimal:
        args: list = []
        if peek() != ("op", ")"):
            while True:
                args.append(arg())
                sep = take()
                if sep == ("op", ")"):
                    break
                if sep != ("op", ","):
                    raise NotEvaluable("thiếu dấu phẩy hoặc ngoặc")
        else:
            take()
        return _apply(name, args)

    def atom() -> Decimal:
        kind, val = take()
        if kind == "num":
            v = Decimal(val)
        elif kind == "ref":
            g = grid_of(val)
            if len(g) != 1 or len(g[0]) != 1:
                raise NotEvaluable(f"vùng {val} đứng ngoài hàm")
            v = g[0][0] if g[0][0] is not None else Decimal(0)
        elif kind == "func":
            name = val.upper()
            if name.startswith("_XLFN."):
                name = name[6:]
            if name not in FUNCTIONS:
                raise NotEvaluable(f"hàm {val} chưa được hỗ trợ")
            v = call(name)
        elif (kind, val) == ("op", "("):
            v = compare()
            if take() != ("op", ")"):
                raise NotEvaluable("thiếu ngoặc đóng")
        elif (kind, val) == ("op", "-"):
            return -atom()
        elif (kind, val) == ("op", "+"):
            return atom()
        elif kind == "str":
            raise NotEvaluable("công thức có chuỗi văn bản")
        else:
            raise NotEvaluable(f"ký hiệu '{val}' không đúng chỗ")
        while peek() == ("op", "%"):
            take()
            v = v / 100
        return v

    def power() -> Decimal:
        v = atom()
        while peek() == ("op", "^"):
            take()
            e = atom()
            if e != e.to_integral_value() or abs(e) > 64:
                raise NotEvaluable("lũy thừa không nguyên")
            if v == 0 and e < 0:
                raise NotEvaluable("chia cho 0")
            v = v ** int(e)
        return v

    def term() -> Decimal:
        v = power()
        while peek() in (("op", "*"), ("op", "/")):
            op = take()[1]
            rhs = power()
            if op == "/" and rhs == 0:
                raise NotEvaluable("chia cho 0")
            v = v * rhs if op == "*" else v / rhs
        return v

    def expr() -> Decimal:
        v = term()
        while peek() in (("op", "+"), ("op", "-")):
            op = take()[1]
            rhs = term()
            v = v + rhs if op == "+" else v - rhs
        return v

    def compare() -> Decimal:
        v = expr()
        while peek()[0] == "op" and peek()[1] in ("=", "<>", "<", ">", "<=", ">="):
            op = take()[1]
            rhs = expr()
            ok = {"=": v == rhs, "<>": v != rhs, "<": v < rhs, ">": v > rhs, "<=": v <= rhs, ">=": v >= rhs}[op]
            v = Decimal(1 if ok else 0)
        return v

    with localcontext() as ctx:
        ctx.prec = PRECISION
        try:
            result = compare()
        except (InvalidOperation, OverflowError, ArithmeticError) as exc:
            raise NotEvaluable(f"lỗi số học ({type(exc).__name__})") from None
        if peek()[0] != "end":
            raise NotEvaluable(f"ký hiệu '{peek()[1]}' không đúng chỗ")
        result = +result
        if result.as_tuple().exponent < -MAX_DECIMALS:  # a non-terminating division: 1/3*3 is 1
            result = result.quantize(Decimal(1).scaleb(-MAX_DECIMALS)).normalize()
            if result == result.to_integral_value():
                result = result.quantize(Decimal(1))
        return result


def _numbers(args: list) -> list[Decimal]:
    """Numbers of the arguments as Excel's SUM sees them: empty cells in ranges are skipped."""
    out: list[Decimal] = []
    for a in args:
        if isinstance(a, list):
            out.extend(v for row in a for v in row if v is not None)
        else:
            out.append(a)
    return out


def _scalar(a, what: str) -> Decimal:
    if isinstance(a, list):
        if len(a) == 1 and len(a[0]) == 1:
            return a[0][0] if a[0][0] is not None else Decimal(0)
        raise NotEvaluable(f"{what}: cần một số, không phải một vùng")
    return a


def _apply(name: str, args: list) -> Decimal:
    if name == "SUM":
        return sum(_numbers(args), Decimal(0))
    if name == "PRODUCT":
        out = Decimal(1)
        for v in _numbers(args):
            out *= v
        return out
    if name in ("MIN", "MAX"):
        nums = _numbers(args)
        return (min if name == "MIN" else max)(nums) if nums else Decimal(0)
    if name in ("ROUND", "ROUNDUP", "ROUNDDOWN"):
        if len(args) != 2:
            raise NotEvaluable(f"{name} cần hai đối số")
        x, n = _scalar(args[0], name), _scalar(args[1], name)
        if n != n.to_integral_value() or abs(n) > 30:
            raise NotEvaluable(f"{name}: số chữ số không hợp lệ")
        mode = {"ROUND": ROUND_HALF_UP, "ROUNDUP": ROUND_UP, "ROUNDDOWN": ROUND_DOWN}[name]
        return x.quantize(Decimal(1).scaleb(-int(n)), rounding=mode)
    if name == "INT":
        return _scalar(args[0], name).to_integral_value(rounding=ROUND_FLOOR) if len(args) == 1 else _bad(name)
    if name == "ABS":
        return abs(_scalar(args[0], name)) if len(args) == 1 else _bad(name)
    if name == "SUMPRODUCT":
        grids = [a if isinstance(a, list) else [[a]] for a in args]
        if not grids or any(len(g) != len(grids[0]) or len(g[0]) != len(grids[0][0]) for g in grids):
            raise NotEvaluable("SUMPRODUCT: các vùng khác kích thước")
        total = Decimal(0)
        for r in range(len(grids[0])):
            for c in range(len(grids[0][0])):
                prod = Decimal(1)
                for g in grids:
                    prod *= g[r][c] if g[r][c] is not None else Decimal(0)
                total += prod
        return total
    if name == "IF":
        if len(args) not in (2, 3):
            raise NotEvaluable("IF cần hai hoặc ba đối số")
        cond = _scalar(args[0], name)
        chosen = args[1] if cond != 0 else (args[2] if len(args) == 3 else Decimal(0))
        return _scalar(chosen, name)
    if name in ("AND", "OR"):
        vals = [v != 0 for v in _numbers(args)]
        return Decimal(1 if (all(vals) if name == "AND" else any(vals)) else 0)
    raise NotEvaluable(f"hàm {name} chưa được hỗ trợ")  # pragma: no cover - FUNCTIONS guards


def _bad(name: str) -> Decimal:
    raise NotEvaluable(f"{name}: số đối số không đúng")


def references(formula: str) -> list[tuple[str | None, tuple[int, int], tuple[int, int]]]:
    """Every reference of a formula as (sheet or None, first cell, last cell)."""
    return [split_ref(v) for k, v in tokenize(formula) if k == "ref"]


# --- formulas saved without cached values ----------------------------------------------------------

def fill_uncached(grids: list, uncached: dict[str, set[tuple[int, int]]],
                  read_cells: Callable[[str, set[tuple[int, int]]], dict[tuple[int, int], str]]) -> None:
    """Compute the formula cells saved without a cached value and put the results in the grids.

    *uncached* maps a sheet name to its (row, col) cells (found in the sheet XML). The formulas'
    text comes from *read_cells(sheet, cells)* (the file adapter: this module reads no file); each computed value (Decimal) goes into ``grid.values`` and every
    cell into ``grid.uncached[(row, col)] = (formula, value or None, reason)``. Cells depending
    on one another are computed in dependency order; a cycle or anything not evaluable leaves
    the cell empty, with the reason.
    """
    from .money import NotANumber, to_decimal

    by_name = {g.name: g for g in grids}
    formulas: dict[tuple[str, int, int], str] = {}
    for sheet, cells in uncached.items():
        if sheet in by_name and cells:
            for (r, c), f in read_cells(sheet, cells).items():
                formulas[(sheet, r, c)] = f
    results: dict[tuple[str, int, int], tuple[Decimal | None, str]] = {}

    def raw(sheet: str, r: int, c: int) -> Decimal | None:
        key = (sheet, r, c)
        if key in formulas:
            value, error = results.get(key, (None, "chưa tính"))
            if value is None:
                raise NotEvaluable(f"phụ thuộc ô {sheet}!{a1(r, c)} không tính được")
            return value
        g = by_name.get(sheet)
        if g is None:
            raise NotEvaluable(f"không có trang '{sheet}'")
        v = g.cell(r, c)
        if v is None or v == "":
            return None
        if isinstance(v, str):
            return None  # Excel's SUM skips text; a direct reference to text is treated alike
        try:
            return to_decimal(v)
        except NotANumber:
            return None

    # Dependency order (Kahn): a formula waits for the uncached cells it references.
    deps: dict[tuple[str, int, int], set[tuple[str, int, int]]] = {}
    users: dict[tuple[str, int, int], list[tuple[str, int, int]]] = {}
    keyed: dict[str, list[tuple[int, int]]] = {}
    for (s, r, c) in formulas:
        keyed.setdefault(s, []).append((r, c))
    cell_sets = {s: set(cells) for s, cells in keyed.items()}
    work = 0  # cells looked at: bounded, so a hostile workbook cannot make this quadratic
    for key, f in formulas.items():
        need: set[tuple[str, int, int]] = set()
        try:
            for sheet, (r0, c0), (r1, c1) in references(f):
                s = sheet or key[0]
                area = (r1 - r0 + 1) * (c1 - c0 + 1)
                work += area + min(area, len(keyed.get(s, ())))
                if work > MAX_WORK:
                    raise NotEvaluable("bảng tính có quá nhiều công thức chưa tính để tự tính hết")
                if area <= len(keyed.get(s, ())):
                    need.update((s, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
                                if (r, c) in cell_sets.get(s, ()))
                else:
                    need.update((s, r, c) for (r, c) in keyed.get(s, []) if r0 <= r <= r1 and c0 <= c <= c1)
        except NotEvaluable as exc:
            results[key] = (None, str(exc))
            continue
        deps[key] = need
        for n in need:
            users.setdefault(n, []).append(key)
    ready = [k for k, d in deps.items() if not d]
    while ready:
        key = ready.pop()
        sheet = key[0]
        try:
            value = evaluate(formulas[key], lambda r, c: raw(sheet, r, c), raw)
            results[key] = (value, "")
        except NotEvaluable as exc:
            results[key] = (None, str(exc))
        for u in users.get(key, []):
            d = deps.get(u)
            if d is not None:
                d.discard(key)
                if not d:
                    ready.append(u)
    for key in formulas:
        if key not in results:
            results[key] = (None, "tham chiếu vòng (công thức phụ thuộc vào chính nó)")
    for sheet, cells in uncached.items():  # seen in the XML, but openpyxl gave no formula text
        for (r, c) in cells:
            if sheet in by_name and (sheet, r, c) not in formulas:
                formulas[(sheet, r, c)] = "=?"
                results[(sheet, r, c)] = (None, "không đọc được công thức trong tệp")
    for (sheet, r, c), f in formulas.items():
        g = by_name[sheet]
        value, error = results[(sheet, r, c)]
        if g.uncached is None:
            g.uncached = {}
        g.uncached[(r, c)] = ("=" + f.lstrip("="), value, error)
        if value is not None:
            g.set_value(r, c, value)

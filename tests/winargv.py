"""What happens to a RunPython command on its way from VBA to Python on Windows, replayed on
any OS from xlwings' own VBA source (no Excel, no Windows needed).

1. :func:`runpython_command_line` evaluates, with a small VBA string-expression evaluator,
   the very statements of xlwings' ``RunPython`` and ``ExecuteWindows`` that build the line
   handed to ``WScript.Run`` (so a change in xlwings changes what is replayed here);
2. :func:`cmd_c` applies ``cmd.exe /C``'s rules to it: the /C quote rule, ``%VAR%``
   expansion (even inside quotes), ``^`` escapes, ``&``/``&&``/``|`` command separators and
   ``2> file`` redirection outside quotes, giving the command line each program receives;
3. :func:`command_line_to_argv` splits a program's command line with the Microsoft C
   runtime's rules (CommandLineToArgvW's, plus the post-2008 ``""`` in quotes rule the UCRT
   uses for python.exe's ``argv``).
"""

from __future__ import annotations

import re

# --- 1. VBA ------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"]|"")*")|(?P<num>\d+)|(?P<name>[A-Za-z_][\w.]*\$?)|(?P<op>[&+(),]))')


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"cannot read VBA expression at {expr[pos:]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def vba_eval(expr: str, names: dict, functions: dict) -> str:
    """Evaluate a VBA string expression: literals ("" inside is one quote), names, ``&``/``+``
    concatenation and calls of *functions*."""
    toks = _tokens(expr)
    pos = 0

    def atom():
        nonlocal pos
        kind, text = toks[pos]
        pos += 1
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "num":
            return int(text)
        if kind == "op" and text == "(":
            value = concat()
            pos += 1
            return value
        if kind == "name":
            if pos < len(toks) and toks[pos] == ("op", "("):
                pos += 1
                args = []
                while toks[pos] != ("op", ")"):
                    args.append(concat())
                    if toks[pos] == ("op", ","):
                        pos += 1
                pos += 1
                return functions[text](*args)
            return names[text]
        raise ValueError(f"unexpected {text!r}")

    def concat():
        nonlocal pos
        value = atom()
        while pos < len(toks) and toks[pos][0] == "op" and toks[pos][1] in "&+":
            pos += 1
            right = atom()
            value = f"{value}{right}"
        return value

    result = concat()
    if pos != len(toks):
        raise ValueError(f"trailing tokens in {expr!r}: {toks[pos:]}")
    return result


def procedure(source: str, name: str) -> str:
    """The body of a VBA Function/Sub, continuation lines joined, comments dropped."""
    text = source.replace("\r\n", "\n")
    m = re.search(rf"^(?:Public |Private )?(?:Function|Sub) {name}\(.*?^End (?:Function|Sub)", text, re.M | re.S)
    if not m:
        raise ValueError(f"{name} not in module")
    body = re.sub(r" _\n\s*", " ", m.group(0))
    return "\n".join(_strip_comment(line) for line in body.splitlines())


def _strip_comment(line: str) -> str:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "'" and not quoted:
            return line[:i]
    return line


def assignments(body: str, var: str) -> list[str]:
    return [m.group(1) for m in re.finditer(rf"^\s*{var} = (.+)$", body, re.M)]


def runpython_command_line(module: str, python_command: str, *, active_fullname: str, this_fullname: str,
                           book_name: str, interpreter: str, app_path: str = r"C:\Program Files\Microsoft Office\root\Office16",
                           temp: str = r"C:\Users\canbo\AppData\Local\Temp", hwnd: int = 132456) -> str:
    """The string xlwings' ExecuteWindows hands to WScript.Run for ``RunPython python_command``
    (Windows, not frozen, no conda, no UDF server), built by evaluating xlwings' statements."""
    run = procedure(module, "RunPython")
    execute = procedure(module, "ExecuteWindows")
    config = {"ADD_WORKBOOK_TO_PYTHONPATH": "true"}
    functions = {
        "GetConfig": lambda key, default="": config.get(key, default),
        "Chr": chr,
        "Replace": lambda s, old, new: s.replace(old, new),
        "Left$": lambda s, n: s[:n],
        "ParentFolder": lambda p: p.rsplit("\\", 1)[0],
        "CreateGUID": lambda: "8F3B2A10-0000-4000-8000-000000000001",
        "Environ": lambda k: {"Temp": temp}[k],
    }
    names = {"ActiveWorkbook.FullName": active_fullname, "ThisWorkbook.FullName": this_fullname,
             "ActiveWorkbook.Name": book_name, "ThisWorkbook.Name": book_name,
             "Application.Path": app_path, "Application.Name": "Microsoft Excel", "Application.Hwnd": hwnd,
             "PythonCommand": python_command, "PYTHON_WIN": interpreter, "CondaCmd": "", "IsFrozen": False}
    names["AddExcelDir"] = functions["GetConfig"]("ADD_WORKBOOK_TO_PYTHONPATH", "true")
    names["ActiveFullName"], names["ThisFullName"] = active_fullname, this_fullname
    win_path = [e for e in assignments(run, "PYTHONPATH") if "_WIN" in e]
    assert len(win_path) == 1, win_path
    names["PYTHONPATH"] = vba_eval(win_path[0], names, functions)
    names["TempDir"] = temp
    names["LOG_FILE"] = vba_eval(assignments(execute, "LOG_FILE")[0], names, functions)
    full_path = interpreter not in ("python", "pythonw")
    names["PythonDir"] = vba_eval(assignments(execute, "PythonDir")[0], names, functions) if full_path else ""
    drive = [e for e in assignments(execute, "DriveCommand") if " cd " in e]
    names["DriveCommand"] = vba_eval(drive[0], names, functions) if full_path and interpreter[1:2] == ":" else ""
    interp = assignments(execute, "PythonInterpreter")
    names["PythonInterpreter"] = vba_eval(interp[0] if full_path else interp[1], names, functions)
    for expr in assignments(execute, "PYTHONPATH"):  # the escaping xlwings applies, in its order
        names["PYTHONPATH"] = vba_eval(expr, names, functions)
    names["RunCommand"] = vba_eval(next(e for e in assignments(execute, "RunCommand") if " -c " in e), names, functions)
    m = re.search(r"WScript\.Run\((.*?), WindowStyle, WaitOnReturn\)", execute)
    return vba_eval(m.group(1), names, functions)


# --- 2. cmd.exe /C -----------------------------------------------------------------------------------

def expand_percent(s: str, env: dict[str, str]) -> str:
    """cmd's %VAR% expansion on a command line: defined names (any case) are replaced, even
    inside quotes; anything else stays as typed."""
    low = {k.lower(): v for k, v in env.items()}
    out, i = [], 0
    while i < len(s):
        if s[i] == "%":
            j = s.find("%", i + 1)
            if j > i + 1 and s[i + 1:j].lower() in low:
                out.append(low[s[i + 1:j].lower()])
                i = j + 1
                continue
        out.append(s[i])
        i += 1
    return "".join(out)


def cmd_c(line: str, env: dict[str, str]) -> list[str]:
    """The command lines of the programs ``cmd.exe /C ...`` starts (redirections and carets
    removed, quotes kept — cmd hands them on as typed)."""
    prefix = "cmd.exe /C "
    assert line.startswith(prefix)
    s = line[len(prefix):]
    if s.startswith('"'):  # /C rule: unless the special case holds, the first and last quote go
        last = s.rfind('"')
        s = s[1:last] + s[last + 1:]
    s = expand_percent(s, env)
    commands, cur, quoted, i = [], [], False, 0
    while i < len(s):
        ch = s[i]
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif quoted:
            cur.append(ch)
        elif ch == "^":
            i += 1
            if i < len(s):
                cur.append(s[i])
        elif ch in "&|":
            commands.append("".join(cur))
            cur = []
            if i + 1 < len(s) and s[i + 1] == ch:
                i += 1
        elif ch in "<>" or (ch.isdigit() and s[i + 1:i + 2] == ">" and (not cur or cur[-1].isspace())):
            i += 2 if ch.isdigit() else 1
            if i < len(s) and s[i] == ">":
                i += 1
            while i < len(s) and s[i] == " ":
                i += 1
            if i < len(s) and s[i] == '"':
                i = s.index('"', i + 1)
            else:
                while i + 1 < len(s) and s[i + 1] not in " &|<>":
                    i += 1
        else:
            cur.append(ch)
        i += 1
    commands.append("".join(cur))
    return [c.strip() for c in commands if c.strip()]


# --- 3. the C runtime's argv -------------------------------------------------------------------------

def command_line_to_argv(line: str, ucrt: bool = True) -> list[str]:
    """Split a Windows command line as the Microsoft C runtime does for ``argv`` (the rules of
    CommandLineToArgvW; with *ucrt*, ``""`` inside quotes is a quote and quoting goes on, as in
    the runtime python.exe is built with since 2008)."""
    args, i, n = [], 0, len(line)
    # argv[0]: the program name, up to the closing quote or the first blank, no escapes
    if line.startswith('"'):
        j = line.find('"', 1)
        j = n if j < 0 else j
        args.append(line[1:j])
        i = j + 1
    else:
        j = i
        while j < n and line[j] not in " \t":
            j += 1
        args.append(line[i:j])
        i = j
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            return args
        arg, quoted = [], False
        while i < n and (quoted or line[i] not in " \t"):
            slashes = 0
            while i < n and line[i] == "\\":
                slashes += 1
                i += 1
            if i < n and line[i] == '"':
                arg.append("\\" * (slashes // 2))
                if slashes % 2:
                    arg.append('"')
                    i += 1
                elif quoted and i + 1 < n and line[i + 1] == '"':
                    arg.append('"')
                    i += 2
                    quoted = quoted if ucrt else False
                else:
                    quoted = not quoted
                    i += 1
            else:
                arg.append("\\" * slashes)
                if i < n and (quoted or line[i] not in " \t"):
                    arg.append(line[i])
                    i += 1
        args.append("".join(arg))

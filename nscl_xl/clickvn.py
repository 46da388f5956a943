"""click in Vietnamese: usage, help sections, errors and choices, without gettext catalogs.

click marks its own texts for gettext, but no Vietnamese catalog exists and installing one
would depend on the user's locale. Instead the command classes here write the help sections
themselves ("Cách dùng", "Tùy chọn", "Lệnh"), and :meth:`VnGroup.main` runs click in
non-standalone mode and renders click's exceptions from their attributes (the missing
parameter, the unknown option and its close matches…), translating the few inner messages
click builds from English templates (:data:`_MESSAGES`). :class:`VnChoice` accepts a choice
typed with or without Vietnamese accents (``--unit triệu`` = ``--unit trieu``).
"""

from __future__ import annotations

import re
import sys

import click

from .text import fold

HELP_TEXT = "Hiện hướng dẫn này rồi thoát."

#: click's inner messages (English templates) and their Vietnamese text; {0}, {1}… are the groups.
_MESSAGES = [
    (re.compile(r"(?:Path|File|Directory) '(.*)' does not exist\."), "'{0}' không tồn tại. Hãy kiểm tra đường dẫn "
                                                                      "(đặt trong dấu ngoặc kép nếu có khoảng trắng)."),
    (re.compile(r"(?:Path|File) '(.*)' is a directory\."), "'{0}' là một thư mục; cần tên một tệp."),
    (re.compile(r"(?:Path|Directory) '(.*)' is a file\."), "'{0}' là một tệp; cần tên một thư mục."),
    (re.compile(r"(?:Path|File|Directory) '(.*)' is not readable\."), "không có quyền đọc '{0}'."),
    (re.compile(r"(?:Path|File|Directory) '(.*)' is not writable\."), "không có quyền ghi '{0}'."),
    (re.compile(r"'(.*)' is not a valid integer\."), "'{0}' không phải là số nguyên."),
    (re.compile(r"'(.*)' is not a valid float\."), "'{0}' không phải là số."),
    (re.compile(r"Option '(.*)' requires an argument\."), "tùy chọn '{0}' cần một giá trị."),
    (re.compile(r"Option '(.*)' requires (\d+) arguments\."), "tùy chọn '{0}' cần {1} giá trị."),
    (re.compile(r"Option '(.*)' does not take a value\."), "tùy chọn '{0}' không nhận giá trị."),
    (re.compile(r"Argument '(.*)' takes (\d+) values\."), "đối số '{0}' cần {1} giá trị."),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "thừa đối số: {0}."),
    (re.compile(r"Missing command\."), "thiếu tên lệnh."),
]


def translate(message: str) -> str:
    """click's English message in Vietnamese (unchanged when it is not one of click's own)."""
    for pattern, text in _MESSAGES:
        m = pattern.fullmatch(message.strip())
        if m:
            return text.format(*m.groups())
    return message


def _param_kind(param: click.Parameter | None) -> str:
    if isinstance(param, click.Argument):
        return "đối số"
    if isinstance(param, click.Option):
        return "tùy chọn"
    return "tham số"


def error_message(exc: click.ClickException) -> str:
    """The Vietnamese text of one of click's errors, with what to do where click knows it."""
    if isinstance(exc, click.MissingParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx else "")
        return f"thiếu {_param_kind(exc.param)} {hint}.".replace("  ", " ")
    if isinstance(exc, click.NoSuchOption):
        text = f"không có tùy chọn '{exc.option_name}'."
        if exc.possibilities:
            text += " Có phải ý bạn là " + " hoặc ".join(f"'{p}'" for p in exc.possibilities) + "?"
        return text
    if type(exc).__name__ == "NoSuchCommand":
        text = f"không có lệnh '{exc.command_name}'."  # type: ignore[attr-defined]
        if getattr(exc, "possibilities", None):
            text += " Có phải ý bạn là " + " hoặc ".join(f"'{p}'" for p in exc.possibilities) + "?"  # type: ignore
        return text
    if isinstance(exc, click.BadParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx else "")
        inner = translate(exc.message)
        return f"giá trị không hợp lệ cho {hint}: {inner}" if hint else f"giá trị không hợp lệ: {inner}"
    if isinstance(exc, click.FileError):
        return f"không mở được tệp '{exc.ui_filename}': {exc.message}"
    return translate(exc.format_message())


def show_error(exc: click.ClickException) -> None:
    """Usage line, the error, and where to read more — on stderr, in Vietnamese."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        names = ctx.help_option_names or ["--help"]
        click.echo(f"Xem '{ctx.command_path} {names[-1]}' để biết cách dùng.", err=True)
    click.echo(f"Lỗi: {error_message(exc)}", err=True)


def _vn_extra(text: str) -> str:
    """Vietnamese for the bracketed extras click appends to an option's help."""
    return (text.replace("[default: ", "[mặc định: ").replace("; default: ", "; mặc định: ")
            .replace("[required]", "[bắt buộc]").replace("; required]", "; bắt buộc]")
            .replace("env var: ", "biến môi trường: "))


class _VnHelp:
    """Help sections written in Vietnamese (mixed into click's Command and Group)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[TÙY CHỌN]")
        super().__init__(*args, **kwargs)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Cách dùng: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        opts = []
        for param in self.get_params(ctx):
            rv = param.get_help_record(ctx)
            if rv is not None:
                opts.append((rv[0], _vn_extra(rv[1])))
        if opts:
            with formatter.section("Tùy chọn"):
                formatter.write_dl(opts)

    def get_help_option(self, ctx: click.Context):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.help = HELP_TEXT
        return opt


class VnCommand(_VnHelp, click.Command):
    pass


class VnGroup(_VnHelp, click.Group):
    command_class = VnCommand

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("subcommand_metavar", "LỆNH [ĐỐI SỐ]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("Lệnh"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            show_error(exc)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Đã hủy.", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


class VnChoice(click.Choice):
    """A choice typed with or without accents, in any case: ``triệu``, ``TRIEU`` and ``trieu`` are
    one choice; *aliases* maps other accepted spellings (accent-insensitive) to a choice."""

    def __init__(self, choices, aliases: dict[str, str] | None = None, labels: dict[str, str] | None = None):
        super().__init__(list(choices), case_sensitive=False)
        self._keys = {fold(c).replace(" ", "-"): c for c in self.choices}
        self._keys.update({fold(a).replace(" ", "-"): c for a, c in (aliases or {}).items()})
        self._labels = labels or {}

    def convert(self, value, param, ctx):
        if value in self.choices:
            return value
        hit = self._keys.get(fold(str(value)).replace(" ", "-").replace("_", "-"))
        if hit is not None:
            return hit
        shown = ", ".join(f"{self._labels[c]} ({c})" if c in self._labels else c for c in self.choices)
        self.fail(f"'{value}' không phải một trong: {shown}.", param, ctx)

"""What every command of ``python -m rx_lpagent`` shares: help written for users, one-line
errors with exit status 2, the extra to install when a library is missing, and progress lines.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, NoReturn

__all__ = [
    "EXTRAS",
    "CliError",
    "HelpFormatter",
    "Parser",
    "missing_extra",
    "plain",
    "progress",
]

USAGE_ERROR = 2

EXTRAS = {
    "trustme": "tls",
    "prometheus_client": "metrics",
    "rich": "console",
    "pytest": "testing",
    "pytest_asyncio": "testing",
    "nbclient": "notebook-tests",
    "jupyterlab": "notebooks",
}
"""Optional libraries, and the extra of rx-lpagent that installs each."""


class CliError(Exception):
    """Bad input or a setting the command cannot use: printed on one line, exit status 2."""


def plain(doc: str | None) -> str:
    """A docstring as users read it: no reStructuredText roles or double backquotes."""
    text = doc or ""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text)
    return text.replace("``", "`").replace("::\n", ":\n")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions as written; every option's default shown unless its help already says."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        if (
            "default" in help_text
            or action.default in (None, False, argparse.SUPPRESS)
            or action.option_strings == []
        ):
            return help_text
        return f"{help_text} (default: %(default)s)" if help_text else "default: %(default)s"


class Parser(argparse.ArgumentParser):
    """argparse with users' help and a one-line error (``prog: error: ...``, exit status 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def missing_extra(error: BaseException) -> str | None:
    """The one-line message when ``error`` (or what caused it) is one of our optional libraries
    missing; None otherwise."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ModuleNotFoundError):
            name = (seen.name or "").split(".")[0]
            extra = EXTRAS.get(name)
            if extra is not None:
                return f"{name} is not installed: pip install 'rx-lpagent[{extra}]'"
        seen = seen.__cause__ or seen.__context__
    return None


def run_command(prog: str, command: Callable[[], int]) -> int:
    """Run ``command``; its bad input or missing extras end in one line and exit status 2."""
    try:
        return command()
    except CliError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except Exception as error:
        message = missing_extra(error)
        if message is None:
            raise
        print(f"{prog}: error: {message}", file=sys.stderr)
        return USAGE_ERROR


@contextmanager
def progress(
    title: str, total: int, stream: IO[str] | None = None
) -> Iterator[Callable[[str], None]]:
    """``with progress("bench decode", 3) as step: step("json.loads") ...``: says what runs as it
    runs, on stderr (the results stay alone on stdout). A rich progress bar on a terminal where
    rich is installed; a ``[1/3] json.loads`` line per step otherwise."""
    out = sys.stderr if stream is None else stream
    try:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    except ImportError:
        Console = None  # type: ignore[assignment,misc]
    if Console is not None and out.isatty():
        columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(file=out), transient=True) as bar:
            task = bar.add_task(title, total=total)
            done = -1

            def advance(name: str) -> None:
                nonlocal done
                done += 1
                bar.update(task, completed=done, description=f"{title}: {name}")

            yield advance
        return
    count = 0

    def line(name: str) -> None:
        nonlocal count
        count += 1
        print(f"{title} [{count}/{total}] {name}", file=out, flush=True)

    yield line

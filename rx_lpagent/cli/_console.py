"""Console lines for the demo and ``watch``: coloured with rich when it is installed (the
``console`` extra), plain text otherwise. One line per thing that happened, stamped with the
seconds since the console was made."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TextIO

from rx_lpagent.agent._describe import describe_error, describe_retry
from rx_lpagent.errors import SDKError
from rx_lpagent.events import AgentEvent, Closed, Connected, ErrorEvent, Retrying, SuccessEvent

__all__ = [
    "Kind",
    "LineConsole",
    "describe_error",
    "describe_event",
    "describe_retry",
    "short_error",
]


class Kind(Enum):
    """What a line reports: its mark and colour (rich) or its tag (plain)."""

    OK = ("✓", "green", "ok")
    ERROR = ("✗", "red", "ERROR")
    RETRY = ("↻", "yellow", "retry")
    SOCKET = ("●", "cyan", "socket")
    STEP = ("▶", "magenta bold", "step")
    MESSAGE = ("✉", "blue", "msg")
    INFO = ("·", "dim", "info")

    @property
    def mark(self) -> str:
        return self.value[0]

    @property
    def style(self) -> str:
        return self.value[1]

    @property
    def tag(self) -> str:
        return self.value[2]


def short_error(error: BaseException) -> str:
    """The code (and service) of an SDKError, else the error's class name."""
    if isinstance(error, SDKError) and error.code is not None:
        return f"{error.code} {error.service or ''}".rstrip()
    return type(error).__name__


def describe_event(event: AgentEvent) -> tuple[Kind, str, str]:
    """The kind, label and detail of a line for an event of ``agent.events``."""
    if isinstance(event, SuccessEvent):
        return Kind.OK, event.location, ""
    if isinstance(event, ErrorEvent):
        return Kind.ERROR, event.location, describe_error(event.error)
    if isinstance(event, Retrying):
        policy = f"{event.policy} policy, " if event.policy else ""
        detail = f"{describe_retry(event)} ({policy}after {short_error(event.error)})"
        return Kind.RETRY, event.location, detail
    if isinstance(event, Connected):
        return Kind.SOCKET, "Connected", "the messaging socket is open"
    if isinstance(event, Closed):
        reason = f" ({event.reason})" if event.reason else ""
        code = "no close code" if event.code is None else f"code {event.code}"
        return Kind.SOCKET, "Closed", f"{code}{reason}"
    return Kind.INFO, type(event).__name__, event.location


def _rich_console(file: TextIO | None) -> Any:
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(file=file, highlight=False, soft_wrap=True)


class LineConsole:
    """Prints stamped lines and a final table; ``plain=True`` (or no rich) prints plain text."""

    LABEL_WIDTH = 26

    def __init__(
        self,
        *,
        plain: bool = False,
        file: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._file = file
        self._rich = None if plain else _rich_console(file)
        self._clock = clock
        self._start = clock()

    @property
    def coloured(self) -> bool:
        return self._rich is not None

    def restart_clock(self) -> None:
        self._start = self._clock()

    def event(self, event: AgentEvent) -> None:
        self.line(*describe_event(event))

    def line(self, kind: Kind, label: str, detail: str = "") -> None:
        elapsed = self._clock() - self._start
        if self._rich is not None:
            from rich.text import Text

            text = Text.assemble(
                (f"{elapsed:7.2f}s ", "dim"),
                (f"{kind.mark} ", kind.style),
                (label.ljust(self.LABEL_WIDTH), kind.style),
                " ",
                detail,
            )
            self._rich.print(text)
        else:
            tag = kind.tag.ljust(6)
            print(
                f"{elapsed:7.2f}s {tag} {label.ljust(self.LABEL_WIDTH)} {detail}".rstrip(),
                file=self._out,
                flush=True,
            )

    def heading(self, text: str) -> None:
        if self._rich is not None:
            self._rich.rule(text)
        else:
            print(f"== {text} ==", file=self._out, flush=True)

    def text(self, text: str) -> None:
        if self._rich is not None:
            self._rich.print(text, markup=False)
        else:
            print(text, file=self._out, flush=True)

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A table; the first column is left-aligned, the others (numbers) right-aligned."""
        if self._rich is not None:
            from rich.table import Table

            table = Table(title=title)
            for index, column in enumerate(columns):
                table.add_column(column, justify="left" if index == 0 else "right")
            for row in rows:
                table.add_row(*(str(cell) for cell in row))
            self._rich.print(table)
            return
        cells = [list(map(str, columns)), *([str(cell) for cell in row] for row in rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
        print(title, file=self._out)
        for number, row in enumerate(cells):
            parts = [
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            print("  ".join(parts).rstrip(), file=self._out)
            if number == 0:
                print("  ".join("-" * width for width in widths), file=self._out)
        self._out.flush()

    @property
    def _out(self) -> TextIO:
        return self._file if self._file is not None else sys.stdout

"""How the demo shows what happens: one line per event, coloured with rich when it is there."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from rx_lpagent.events import AgentEvent, Closed, Connected, ErrorEvent, SuccessEvent

__all__ = ["Console", "Tally"]


class Tally:
    """What the summary table reports."""

    def __init__(self) -> None:
        self.successes: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.reconnects = 0
        self.retries = 0
        self.messages_handled = 0

    def count(self, event: AgentEvent) -> None:
        if isinstance(event, SuccessEvent):
            self.successes[event.location] += 1
            if event.location.startswith("Reconnect#Relogin"):
                self.reconnects += 1
        elif isinstance(event, ErrorEvent):
            self.failures[event.location] += 1


class Console:
    """Prints events, retries and narration; ``plain=True`` (or no rich) prints plain text."""

    def __init__(self, *, plain: bool = False) -> None:
        self._started = time.monotonic()
        self._rich: Any = None
        if not plain:
            try:
                from rich.console import Console as RichConsole
            except ImportError:  # the `console` extra is optional
                pass
            else:
                self._rich = RichConsole(highlight=False, soft_wrap=True)

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self._started:6.2f}s"

    def _print(self, text: str, style: str = "") -> None:
        if self._rich is not None:
            self._rich.print(
                f"[dim]{self._elapsed()}[/dim] " + (f"[{style}]{text}[/]" if style else text)
            )
        else:
            print(f"{self._elapsed()} {text}", flush=True)

    def step(self, text: str) -> None:
        self._print(f"== {text}", "bold cyan")

    def note(self, text: str) -> None:
        self._print(f"   {text}", "white")

    def event(self, event: AgentEvent) -> None:
        if isinstance(event, SuccessEvent):
            self._print(f"ok    {event.location}", "green")
        elif isinstance(event, ErrorEvent):
            error = event.error
            detail = f"code={error.code} service={error.service}: {error.message}"
            self._print(f"error {event.location}  {detail}", "bold red")
        elif isinstance(event, Connected):
            self._print("socket connected", "green")
        elif isinstance(event, Closed):
            self._print(f"socket closed (code {event.code}) {event.reason}", "yellow")

    def retry(self, what: str, attempt: int, delay: float, error: Exception) -> None:
        reason = getattr(error, "code", None) or type(error).__name__
        self._print(f"retry {what} #{attempt} in {delay:.2f}s after {reason}", "magenta")

    def summary(self, tally: Tally) -> None:
        locations = sorted(set(tally.successes) | set(tally.failures))
        rows = [(loc, tally.successes[loc], tally.failures[loc]) for loc in locations]
        totals = (
            f"reconnects: {tally.reconnects}   retries: {tally.retries}   "
            f"messages handled: {tally.messages_handled}"
        )
        if self._rich is not None:
            from rich.table import Table

            table = Table(title="rx_lpagent demo: outcomes per location")
            table.add_column("location")
            table.add_column("successes", justify="right", style="green")
            table.add_column("failures", justify="right", style="red")
            for location, ok, failed in rows:
                table.add_row(location, str(ok), str(failed))
            self._rich.print(table)
            self._rich.print(totals)
            return
        print(f"{'location':32} {'successes':>9} {'failures':>9}")
        for location, ok, failed in rows:
            print(f"{location:32} {ok:>9} {failed:>9}")
        print(totals, flush=True)

"""What the demo counts: outcomes per location, reconnects, retries and messages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rx_lpagent.events import AgentEvent, Connected, ErrorEvent, SuccessEvent

__all__ = ["Tally"]


@dataclass
class Tally:
    successes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    connects: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    messages_sent: int = 0
    messages_answered: int = 0

    def record(self, event: AgentEvent) -> None:
        if isinstance(event, SuccessEvent):
            self.successes[event.location] += 1
        elif isinstance(event, ErrorEvent):
            self.failures[event.location] += 1
        elif isinstance(event, Connected):
            self.connects += 1

    @property
    def reconnects(self) -> int:
        return max(self.connects - 1, 0)

    def location_rows(self) -> list[tuple[str, int, int]]:
        """``(location, successes, failures)`` in the order locations first appeared."""
        seen = dict.fromkeys([*self.successes, *self.failures])
        return [(loc, self.successes[loc], self.failures[loc]) for loc in seen]

    def totals(self) -> list[tuple[str, int]]:
        return [
            ("reconnects", self.reconnects),
            ("retries scheduled", sum(self.retries.values())),
            ("consumer messages sent", self.messages_sent),
            ("messages handled by the bot", self.messages_answered),
        ]

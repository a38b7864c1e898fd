"""One timer for many requests: those on one clock with one timeout expire in the order they
started, so a queue in that order and one timer armed for its first pending request serve them
all (agent/_requests.py); a request costs an append here instead of a timer of its own."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from rx_lpagent.agent._timers import Cancel, ClockTimers

if TYPE_CHECKING:
    from rx_lpagent.agent._requests import Entry

__all__ = ["Deadlines"]

_EARLY = 1e-6
"""A deadline this close counts as reached: re-arming for the float dust would only add a timer."""


class Deadlines:
    """The requests on one clock with one timeout, so in the order they expire; one timer,
    armed for the first still pending, serves them all (answered ones are skipped when it
    fires). A request costs an append here instead of a timer of its own."""

    __slots__ = ("_armed", "_entries", "_expire", "_firing", "_now", "timeout", "timers")

    def __init__(
        self, timers: ClockTimers, timeout: float, expire: Callable[[Entry, float], None]
    ) -> None:
        self.timers = timers
        self._now = timers.now
        self.timeout = timeout
        self._expire = expire
        self._entries: deque[Entry] = deque()
        self._armed: Cancel | None = None
        self._firing = False

    def add(self, request: Entry) -> None:
        request.deadline = self._now() + self.timeout
        request.queue = self
        self._entries.append(request)
        if self._armed is None and not self._firing:
            self._armed = self.timers(self.timeout, self._fire)

    def _fire(self) -> None:
        self._armed = None
        self._firing = True
        try:
            entries = self._entries
            while entries:
                request = entries[0]
                if not request.pending:
                    entries.popleft()
                    continue
                left = request.deadline - self._now()
                if left > _EARLY:
                    self._armed = self.timers(left, self._fire)
                    return
                entries.popleft()
                self._expire(request, self.timeout)
        finally:
            self._firing = False

    def trim(self) -> None:
        """Forget the finished requests at the front: answers mostly come in the order the
        requests went, so the queue stays about as long as what is in flight."""
        entries = self._entries
        while entries and not entries[0].pending:
            entries.popleft()

    def stop(self) -> None:
        self._entries.clear()
        if self._armed is not None:
            self._armed()
            self._armed = None

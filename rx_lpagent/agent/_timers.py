"""One-shot timers for the agent's parts: on an Rx scheduler (virtual time in tests) or straight
on the running asyncio loop (no Rx objects per timer), and able to tell the time on their clock,
which is what lets one timer serve many requests (agent/_requests.py) or many keep-alives
(agent/_wheel.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from reactivex import abc
from reactivex.scheduler.eventloop import AsyncIOScheduler

__all__ = ["Cancel", "ClockTimers", "Timers", "loop_timers", "scheduler_timers", "timers_for"]

Cancel = Callable[[], None]
Timers = Callable[[float, Callable[[], None]], Cancel]
"""Start a one-shot timer: ``timers(delay, fire)`` returns what cancels it."""


class ClockTimers:
    """Timers that also tell the time on their clock: what lets one timer serve many requests.

    ``clock`` names the time source (a loop, a scheduler): requests on the same clock with the
    same timeout expire in the order they started.
    """

    __slots__ = ("_start", "clock", "now")

    def __init__(
        self,
        start: Callable[[float, Callable[[], None]], Cancel],
        now: Callable[[], float],
        clock: object,
    ) -> None:
        self._start = start
        self.now = now
        """The time on its clock (called once per request: a plain callable, not a method)."""
        self.clock = clock

    def __call__(self, delay: float, fire: Callable[[], None]) -> Cancel:
        return self._start(delay, fire)


def scheduler_timers(scheduler: abc.SchedulerBase) -> Timers:
    """Timers on an Rx scheduler (virtual time in tests)."""

    def start(delay: float, fire: Callable[[], None]) -> Cancel:
        return scheduler.schedule_relative(delay, lambda *_: fire()).dispose

    return ClockTimers(start, lambda: scheduler.to_seconds(scheduler.now), scheduler)


def loop_timers(loop: asyncio.AbstractEventLoop) -> Timers:
    """Timers straight on an asyncio loop: no Rx objects per timer."""

    def start(delay: float, fire: Callable[[], None]) -> Cancel:
        return loop.call_later(delay, fire).cancel

    # asyncio's own loops tell the time with time.monotonic: called directly, a request's
    # deadline costs one C call instead of two Python frames (another loop's own clock is kept)
    now = time.monotonic if type(loop).time is asyncio.BaseEventLoop.time else loop.time
    return ClockTimers(start, now, loop)


_last_loop: list[tuple[asyncio.AbstractEventLoop, Timers]] = []
"""The last loop asked for and its timers (one slot: a process runs one loop at a time)."""


def timers_for(scheduler: abc.SchedulerBase) -> Timers:
    """The cheapest timers that keep ``scheduler``'s time: the running loop's own for an
    :class:`AsyncIOScheduler` (no Rx objects per timer), the scheduler's otherwise (virtual
    time in tests)."""
    if isinstance(scheduler, AsyncIOScheduler):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called from outside the loop
            pass
        else:
            # every request asks: the same loop's timers, made once
            if not _last_loop or _last_loop[0][0] is not loop:
                _last_loop[:] = [(loop, loop_timers(loop))]
            return _last_loop[0][1]
    return scheduler_timers(scheduler)

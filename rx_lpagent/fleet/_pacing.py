"""Rate limits that hand out start times, and the observables that wait for them.

A :class:`RateLimit` is a GCRA (a token bucket kept as one "theoretical arrival time"): ``rate``
starts per second on average, up to ``burst`` at once. :meth:`RateLimit.reserve` books the
earliest start allowed and returns it; nothing is released when a booking is not used (a
cancelled attempt only costs its slot). Times come from an Rx scheduler, so tests drive the
limits in virtual time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import reactivex
from reactivex import abc

from rx_lpagent.agent._timers import timers_for

__all__ = ["Rate", "RateLimit", "now_seconds", "paced", "reserve_all", "slot"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class Rate:
    """``per_second`` starts on average, ``burst`` of them back to back."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_second > 0 and burst >= 1, got {self}")


class RateLimit:
    """Start times at most ``rate.per_second`` apart on average, ``rate.burst`` at once."""

    __slots__ = ("_interval", "_tat", "_tolerance")

    def __init__(self, rate: Rate) -> None:
        self._interval = 1.0 / rate.per_second
        self._tolerance = (rate.burst - 1) * self._interval
        self._tat = float("-inf")

    def earliest(self, now: float) -> float:
        """When the next start is allowed (``now`` or later); books nothing."""
        return max(now, self._tat - self._tolerance)

    def book(self, start: float) -> None:
        """Take the slot at ``start`` (a time :meth:`earliest` allowed)."""
        self._tat = max(self._tat, start) + self._interval

    def reserve(self, now: float) -> float:
        start = self.earliest(now)
        self.book(start)
        return start


def reserve_all(limits: Sequence[RateLimit], now: float) -> float:
    """The earliest start every limit allows, booked in all of them."""
    start = max((limit.earliest(now) for limit in limits), default=now)
    for limit in limits:
        limit.book(start)
    return start


def paced(
    limits: Sequence[RateLimit], scheduler: abc.SchedulerBase, flow: reactivex.Observable[_T]
) -> reactivex.Observable[_T]:
    """Cold: on subscribe, book a start in every limit; subscribe ``flow`` at that time.

    Every login and socket of a fleet passes through this, so it waits on one plain timer
    (the loop's own in production, the scheduler's in virtual time) instead of an Rx timer,
    ``take`` and ``flat_map`` pipeline: measured with ``bench fleet``, see its docstring.
    """

    def subscribe(
        observer: abc.ObserverBase[_T], subscribe_scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        now = now_seconds(scheduler)
        delay = max(reserve_all(limits, now) - now, 0.0)
        waiting = _Waiting()

        def start() -> None:
            waiting.cancel = _nothing
            if not waiting.disposed:
                waiting.running = flow.subscribe(observer, scheduler=subscribe_scheduler)

        waiting.cancel = timers_for(scheduler)(delay, start)
        return waiting

    return reactivex.Observable(subscribe)


def slot(limits: Sequence[RateLimit], scheduler: abc.SchedulerBase) -> reactivex.Observable[None]:
    """Cold: on subscribe, book a start in every limit; emit None (and complete) at that time."""
    return paced(limits, scheduler, _NONE)


def _emit_none(
    observer: abc.ObserverBase[None], _: abc.SchedulerBase | None = None
) -> abc.DisposableBase:
    observer.on_next(None)
    observer.on_completed()
    return _Waiting()


_NONE: reactivex.Observable[None] = reactivex.Observable(_emit_none)


def _nothing() -> None:
    pass


class _Waiting(abc.DisposableBase):
    """A paced start: its timer, then the flow's subscription (no lock: one loop thread)."""

    __slots__ = ("cancel", "disposed", "running")

    def __init__(self) -> None:
        self.cancel: Callable[[], None] = _nothing
        self.running: abc.DisposableBase | None = None
        self.disposed = False

    def dispose(self) -> None:
        self.disposed = True
        cancel, self.cancel = self.cancel, _nothing
        cancel()
        running, self.running = self.running, None
        if running is not None:
            running.dispose()


def now_seconds(scheduler: abc.SchedulerBase) -> float:
    """The scheduler's clock in seconds (virtual on a TestScheduler)."""
    return scheduler.now.timestamp()

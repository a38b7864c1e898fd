"""Rate limits that hand out start times, and the observables that wait for them.

A :class:`RateLimit` is a GCRA (a token bucket kept as one "theoretical arrival time"): ``rate``
starts per second on average, up to ``burst`` at once. :meth:`RateLimit.reserve` books the
earliest start allowed and returns it; nothing is released when a booking is not used (a
cancelled attempt only costs its slot). Times come from an Rx scheduler, so tests drive the
limits in virtual time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import reactivex
from reactivex import abc
from reactivex import operators as ops

__all__ = ["Rate", "RateLimit", "now_seconds", "reserve_all", "slot"]


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


def slot(limits: Sequence[RateLimit], scheduler: abc.SchedulerBase) -> reactivex.Observable[None]:
    """Cold: on subscribe, book a start in every limit; emit None (and complete) at that time."""

    def subscribe(
        observer: abc.ObserverBase[None], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        now = now_seconds(scheduler)
        delay = reserve_all(limits, now) - now
        timer: reactivex.Observable[None] = reactivex.timer(
            max(delay, 0.0), scheduler=scheduler
        ).pipe(ops.map(lambda _: None))
        return timer.subscribe(observer, scheduler=scheduler)

    return reactivex.create(subscribe)


def now_seconds(scheduler: abc.SchedulerBase) -> float:
    """The scheduler's clock in seconds (virtual on a TestScheduler)."""
    return scheduler.now.timestamp()

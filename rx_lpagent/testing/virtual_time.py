"""Run an Rx pipeline in virtual time and get back what happened, and when.

Timed operators (``backoff``, ``timeout``, ``reactivex.timer`` ...) use the scheduler given
at subscribe time, so a pipeline subscribed on a ``TestScheduler`` runs hours of retries in
milliseconds. ``run_virtual`` does the subscribing and recording::

    from rx_lpagent.rx import REFRESH_SESSION, retry_with_backoff
    from rx_lpagent.testing import fail, run_virtual, scripted, succeed

    busy = fail(ServerError("busy", 503))
    refresh = scripted(busy, busy, succeed("ok"))
    timeline = run_virtual(lambda vt: vt.track(refresh).pipe(retry_with_backoff(REFRESH_SESSION)))
    assert timeline.subscribed_at == [0.0, 5.0, 11.25]
    assert timeline.values == ["ok"]

Times are virtual seconds from the subscription, at the scheduler's microsecond resolution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, cast

import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable
from reactivex.testing import TestScheduler

_T = TypeVar("_T")

Kind = Literal["next", "error", "completed"]


@dataclass(frozen=True, slots=True)
class Event(Generic[_T]):
    """One notification the pipeline's subscriber received."""

    time: float
    kind: Kind
    value: _T | None = None
    error: Exception | None = None


@dataclass(slots=True)
class Subscription:
    """When a tracked source was subscribed and, if it was, disposed (virtual seconds)."""

    subscribed: float
    disposed: float | None = None


@dataclass(slots=True)
class Timeline(Generic[_T]):
    """What a virtual run produced: its notifications and the tracked sources' subscriptions."""

    events: list[Event[_T]] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    end: float = 0.0
    """The virtual time when the run stopped."""

    @property
    def values(self) -> list[_T]:
        return [cast("_T", event.value) for event in self.events if event.kind == "next"]

    @property
    def times(self) -> list[float]:
        """The time of every notification, in order."""
        return [event.time for event in self.events]

    @property
    def error(self) -> Exception | None:
        return next((event.error for event in self.events if event.kind == "error"), None)

    @property
    def completed(self) -> bool:
        return any(event.kind == "completed" for event in self.events)

    @property
    def subscribed_at(self) -> list[float]:
        """When each attempt began: the tracked sources' subscription times."""
        return [subscription.subscribed for subscription in self.subscriptions]


def _seconds(scheduler: TestScheduler) -> float:
    return round(scheduler.to_seconds(scheduler.now), 6)


class VirtualTime:
    """What a pipeline factory receives: the scheduler and a way to track sources."""

    def __init__(self, scheduler: TestScheduler, timeline: Timeline[Any]) -> None:
        self.scheduler = scheduler
        self._timeline = timeline

    @property
    def now(self) -> float:
        """The current virtual time in seconds."""
        return _seconds(self.scheduler)

    def track(self, source: Observable[_T]) -> Observable[_T]:
        """``source``, recording each subscription and disposal in the timeline."""

        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            record = Subscription(self.now)
            self._timeline.subscriptions.append(record)
            inner = source.subscribe(observer, scheduler=scheduler)

            def dispose() -> None:
                if record.disposed is None:
                    record.disposed = self.now
                inner.dispose()

            return Disposable(dispose)

        return Observable(subscribe)


def run_virtual(
    build: Callable[[VirtualTime], Observable[_T]],
    *,
    dispose_at: float | None = None,
    until: float | None = None,
) -> Timeline[_T]:
    """Subscribe ``build(vt)`` at virtual time 0 on a fresh ``TestScheduler`` and run it.

    The run goes on until nothing is scheduled any more, or until ``until`` seconds;
    ``dispose_at`` disposes the subscription at that time.
    """
    scheduler = TestScheduler()
    timeline: Timeline[_T] = Timeline()
    pipeline = build(VirtualTime(scheduler, timeline))

    def record(kind: Kind, value: Any = None, error: Exception | None = None) -> None:
        timeline.events.append(Event(_seconds(scheduler), kind, value, error))

    subscription = pipeline.subscribe(
        lambda value: record("next", value),
        lambda error: record("error", error=error),
        lambda: record("completed"),
        scheduler=scheduler,
    )
    if dispose_at is not None:
        scheduler.schedule_absolute(dispose_at, lambda _, __: subscription.dispose())
    if until is None:
        scheduler.start()
    else:
        scheduler.advance_to(until)
    timeline.end = _seconds(scheduler)
    subscription.dispose()
    return timeline


def fail(error: Exception, after: float = 0.0) -> Observable[Any]:
    """An observable that fails with ``error`` ``after`` seconds (on the subscriber's clock)."""
    if after <= 0:
        return reactivex.throw(error)
    return reactivex.timer(after).pipe(ops.flat_map(lambda _: reactivex.throw(error)))


def succeed(value: _T, after: float = 0.0) -> Observable[_T]:
    """An observable that emits ``value`` and completes ``after`` seconds."""
    if after <= 0:
        return reactivex.of(value)
    return reactivex.timer(after).pipe(ops.map(lambda _: value))


def scripted(*plays: Observable[_T]) -> Observable[_T]:
    """A cold source whose n-th subscription plays ``plays[n]``; the last one repeats."""
    if not plays:
        raise ValueError("scripted() needs at least one play")
    count = 0

    def subscribe(
        observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        nonlocal count
        play = plays[min(count, len(plays) - 1)]
        count += 1
        return play.subscribe(observer, scheduler=scheduler)

    return Observable(subscribe)

"""Marble diagrams on a ``TestScheduler``, with the subscriptions of each observable.

One character is one frame of one virtual second; spaces only align diagrams. Frame 0 is
the moment the result is subscribed. Values: ``-`` nothing, ``|`` completion, ``#`` the
diagram's error, ``(ab)`` a group at one frame, any other character an item (digits become
ints; ``values`` maps the rest). A hot diagram's ``^`` marks frame 0 (what comes before it has
happened already). A subscription diagram has ``^`` where an observable was subscribed and
``!`` where it was disposed (``(^!)``: both at once); a dangling ``^`` was never disposed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable
from reactivex.notification import Notification, OnCompleted, OnError, OnNext
from reactivex.scheduler import VirtualTimeScheduler
from reactivex.testing import TestScheduler
from reactivex.testing.coldobservable import ColdObservable
from reactivex.testing.hotobservable import HotObservable
from reactivex.testing.recorded import Recorded
from reactivex.testing.subscription import Subscription

_T = TypeVar("_T")

# Frame 0 is not tick 0: RxPY's ``Subscription`` reads a disposal at tick 0 as "never disposed".
ORIGIN = 100


def _frames(diagram: str) -> str:
    return diagram.replace(" ", "")


def _notifications(
    diagram: str, values: Mapping[str, Any] | None, error: Exception | None
) -> list[Recorded[Any]]:
    """The diagram's notifications, timed in frames from its first character."""
    records: list[Recorded[Any]] = []
    frames = _frames(diagram)
    frame = 0
    while frame < len(frames):
        if frames[frame] == "(":
            end = frames.index(")", frame)
            symbols, width = frames[frame + 1 : end], end - frame + 1
        else:
            symbols, width = frames[frame], 1
        for symbol in symbols:
            notification = _notification(symbol, values or {}, error)
            if notification is not None:
                records.append(Recorded(frame, notification))
        frame += width
    return records


def _notification(
    symbol: str, values: Mapping[str, Any], error: Exception | None
) -> Notification[Any] | None:
    if symbol in "-^":
        return None
    if symbol == "|":
        return OnCompleted()
    if symbol == "#":
        return OnError(error or Exception("error"))
    return OnNext(values.get(symbol, int(symbol) if symbol.isdigit() else symbol))


def _shifted(records: list[Recorded[Any]], by: int) -> list[Recorded[Any]]:
    return [Recorded(record.time + by, record.value) for record in records]


def subscriptions(*diagrams: str) -> list[Subscription]:
    """The subscriptions the diagrams draw, one each, in ticks."""
    drawn: list[Subscription] = []
    for diagram in diagrams:
        frames = _frames(diagram)
        if "(^!)" in frames:
            at = ORIGIN + frames.index("(^!)")
            drawn.append(Subscription(at, at))
            continue
        start = ORIGIN + frames.index("^")
        end = ORIGIN + frames.index("!") if "!" in frames else None
        drawn.append(Subscription(start, end))
    return drawn


class Tracked(Observable[_T]):
    """``source``, recording its subscriptions like a ``ColdObservable`` does."""

    def __init__(self, scheduler: TestScheduler, source: Observable[_T]) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.source = source
        self.subscriptions: list[Subscription] = []

    def _subscribe_core(
        self,
        observer: abc.ObserverBase[_T] | None = None,
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        assert observer is not None
        index = len(self.subscriptions)
        self.subscriptions.append(Subscription(int(self.scheduler.clock)))
        inner = self.source.subscribe(observer, scheduler=scheduler)

        def dispose() -> None:
            record = self.subscriptions[index]
            if record.unsubscribe == sys.maxsize:
                self.subscriptions[index] = Subscription(
                    record.subscribe, int(self.scheduler.clock)
                )
            inner.dispose()

        return Disposable(dispose)


class Marbles:
    """A ``TestScheduler`` with observables and expectations drawn as marble diagrams."""

    def __init__(self) -> None:
        self.scheduler = TestScheduler()

    def cold(
        self,
        diagram: str,
        values: Mapping[str, Any] | None = None,
        error: Exception | None = None,
    ) -> ColdObservable[Any]:
        """Runs the diagram from each subscription; ``.subscriptions`` records them."""
        return self.scheduler.create_cold_observable(_notifications(diagram, values, error))

    def hot(
        self,
        diagram: str,
        values: Mapping[str, Any] | None = None,
        error: Exception | None = None,
    ) -> HotObservable[Any]:
        """Runs the diagram once, subscribed or not; ``.subscriptions`` records who listened."""
        frames = _frames(diagram)
        zero = frames.index("^") if "^" in frames else 0
        records = _shifted(_notifications(frames, values, error), ORIGIN - zero)
        return self.scheduler.create_hot_observable(records)

    def track(self, source: Observable[_T]) -> Tracked[_T]:
        """``source`` with ``.subscriptions`` recorded, for observables not drawn here."""
        return Tracked(self.scheduler, source)

    def expected(
        self,
        diagram: str,
        values: Mapping[str, Any] | None = None,
        error: Exception | None = None,
    ) -> list[Recorded[Any]]:
        """What a subscriber made at frame 0 should receive, in ticks."""
        return _shifted(_notifications(diagram, values, error), ORIGIN)

    def run(
        self, build: Callable[[], Observable[Any]], unsubscribe: str | None = None
    ) -> list[Recorded[Any]]:
        """Subscribe ``build()`` at frame 0, dispose it at ``unsubscribe``'s ``!`` if given,
        run until nothing is scheduled, and return what the subscriber received."""
        observer = self.scheduler.create_observer()
        subscription: abc.DisposableBase | None = None

        def subscribe(_: abc.SchedulerBase, __: Any = None) -> None:
            nonlocal subscription
            subscription = build().subscribe(observer, scheduler=self.scheduler)

        def dispose(_: abc.SchedulerBase, __: Any = None) -> None:
            assert subscription is not None
            subscription.dispose()

        self.scheduler.schedule_absolute(float(ORIGIN), subscribe)
        if unsubscribe is not None:
            at = ORIGIN + _frames(unsubscribe).index("!")
            self.scheduler.schedule_absolute(float(at), dispose)
        # the base class's start: TestScheduler's own would subscribe a never() of its own
        VirtualTimeScheduler.start(self.scheduler)
        return observer.messages

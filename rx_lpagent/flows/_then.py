"""``then``: the next step of a flow, subscribed with each value of the step before it.

It is ``ops.flat_map`` for steps, without its machinery: RxPY's ``flat_map`` is ``map_indexed``
(a ``zip`` with a counter, then a ``map``) and ``merge_all``, four subscriptions with their
observers, disposables and locks, and every connect and reconnect of every agent chains three
of them. A fleet connects thousands of agents, so this one subscription per step shows in
``bench fleet`` (see its docstring for the figures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import reactivex
from reactivex import abc

__all__ = ["then"]

_T = TypeVar("_T")
_R = TypeVar("_R")


class _Steps(abc.DisposableBase):
    """The source's subscription and those of the steps it started (no lock: one loop)."""

    __slots__ = ("disposed", "running")

    def __init__(self) -> None:
        self.running: list[abc.DisposableBase] = []
        self.disposed = False

    def keep(self, subscription: abc.DisposableBase) -> None:
        if self.disposed:
            subscription.dispose()
        else:
            self.running.append(subscription)

    def dispose(self) -> None:
        self.disposed = True
        running, self.running = self.running, []
        for subscription in running:
            subscription.dispose()


def then(
    step: Callable[[_T], reactivex.Observable[_R]],
) -> Callable[[reactivex.Observable[_T]], reactivex.Observable[_R]]:
    """Like ``ops.flat_map(step)``: each value's step runs, their values go on; it completes
    once the source and every step it started have; the first error ends it all."""

    def operator(source: reactivex.Observable[_T]) -> reactivex.Observable[_R]:
        def subscribe(
            observer: abc.ObserverBase[_R], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            steps = _Steps()
            open_count = 1  # the source, then each step under way

            def end_one() -> None:
                nonlocal open_count
                open_count -= 1
                if open_count == 0:
                    observer.on_completed()

            def on_next(value: _T) -> None:
                nonlocal open_count
                try:
                    following = step(value)
                except Exception as error:
                    steps.dispose()
                    observer.on_error(error)
                    return
                open_count += 1
                steps.keep(
                    following.subscribe(observer.on_next, on_error, end_one, scheduler=scheduler)
                )

            def on_error(error: Exception) -> None:
                steps.dispose()
                observer.on_error(error)

            steps.keep(source.subscribe(on_next, on_error, end_one, scheduler=scheduler))
            return steps

        return reactivex.Observable(subscribe)

    return operator

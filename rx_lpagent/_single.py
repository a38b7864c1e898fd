"""A cold observable of exactly one value, started by a plain callback function.

The agent's requests are these. Subscribing works as for any observable; awaiting one (what most
callers do) skips Rx's subscribe machinery (trampoline, observer and disposable layers, about
150 us a request on CPython 3.11) and waits on an asyncio future directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any, TypeVar

import reactivex
from reactivex import abc
from reactivex.disposable import Disposable

__all__ = ["SingleCall", "Start"]

_T = TypeVar("_T")

Start = Callable[
    [Callable[[_T], None], Callable[[Exception], None], "abc.SchedulerBase | None"],
    Callable[[], None],
]
"""``start(on_value, on_error, scheduler)`` begins the work and returns what cancels it; it calls
exactly one of the two callbacks, once (maybe before returning)."""


class SingleCall(reactivex.Observable[_T]):
    """Emits the one value ``start`` produces, then completes; or fails with its error."""

    def __init__(self, start: Start[_T]) -> None:
        super().__init__()
        self._start = start

    def _subscribe_core(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        def on_value(value: _T) -> None:
            observer.on_next(value)
            observer.on_completed()

        return Disposable(self._start(on_value, observer.on_error, scheduler))

    def __await__(self) -> Generator[Any, None, _T]:
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()

        def on_value(value: _T) -> None:
            if not future.done():
                future.set_result(value)

        def on_error(error: Exception) -> None:
            if not future.done():
                future.set_exception(error)

        cancel = self._start(on_value, on_error, None)
        try:
            return (yield from future.__await__())
        finally:
            if future.cancelled() or not future.done():  # the awaiting task was cancelled
                cancel()

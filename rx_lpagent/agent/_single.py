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

from rx_lpagent._isolation import IsolatedObserver, OnRaise, log_raise
from rx_lpagent.errors import SDKError, Service, redact

__all__ = ["SingleCall", "Start"]

_T = TypeVar("_T")

Start = Callable[
    [Callable[[_T], None], Callable[[Exception], None], "abc.SchedulerBase | None"],
    Callable[[], None],
]
"""``start(on_value, on_error, scheduler)`` begins the work and returns what cancels it; it calls
exactly one of the two callbacks, once (maybe before returning)."""


class SingleCall(reactivex.Observable[_T]):
    """Emits the one value ``start`` produces, then completes; or fails with its error.

    What the subscriber's callbacks raise goes to ``on_raise`` and no further: the code that
    completes a request (a socket closing, a timer) must never be stopped by it. A ``start``
    that raises fails the observable instead; nothing raises at subscribe time.
    """

    def __init__(self, start: Start[_T], on_raise: OnRaise = log_raise) -> None:
        super().__init__()
        self._start = start
        self._on_raise = on_raise

    def _subscribe_core(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        safe = IsolatedObserver(observer, "a request's observer", self._on_raise)

        def on_value(value: _T) -> None:
            safe.on_next(value)
            safe.on_completed()

        return Disposable(self._started(on_value, safe.on_error, scheduler))

    def _started(
        self,
        on_value: Callable[[_T], None],
        on_error: Callable[[Exception], None],
        scheduler: abc.SchedulerBase | None,
    ) -> Callable[[], None]:
        try:
            return self._start(on_value, on_error, scheduler)
        except Exception as error:  # a bad argument found late: the request's error, not ours
            if not isinstance(error, SDKError):
                detail = f"{type(error).__name__}: {redact(str(error))}"
                error = SDKError(
                    f"cannot send the request: {detail}", None, Service.MESSAGING, error
                )
            on_error(error)
            return _nothing

    def __await__(self) -> Generator[Any, None, _T]:
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()

        def on_value(value: _T) -> None:
            if not future.done():
                future.set_result(value)

        def on_error(error: Exception) -> None:
            if not future.done():
                future.set_exception(error)

        cancel = self._started(on_value, on_error, None)
        try:
            return (yield from future.__await__())
        finally:
            if future.cancelled() or not future.done():  # the awaiting task was cancelled
                cancel()


def _nothing() -> None:
    pass

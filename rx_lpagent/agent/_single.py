"""A cold observable of exactly one value, started by a plain callback function or a subclass.

The agent's requests are these. Subscribing works as for any observable; awaiting one (what most
callers do) skips Rx's subscribe machinery (trampoline, observer and disposable layers, about
150 us a request on CPython 3.11) and waits on an asyncio future directly.

Every request pays for what is made here, so it is kept small: the outcome goes to one
:class:`Sink` object (no closures per request), and no ``RLock`` is made per request (reactivex's
``Observable.__init__`` makes one; here ``lock`` is made the first time an operator asks for it).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Generator
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

import reactivex
from reactivex import abc
from reactivex.disposable import Disposable

from rx_lpagent._isolation import OnRaise, log_raise
from rx_lpagent.errors import SDKError, Service, redact

__all__ = ["AwaitedFuture", "SingleCall", "Sink", "Start", "request_error"]

_T = TypeVar("_T")
_T_contra = TypeVar("_T_contra", contravariant=True)

Start = Callable[
    [Callable[[_T], None], Callable[[Exception], None], "abc.SchedulerBase | None"],
    Callable[[], None],
]
"""``start(on_value, on_error, scheduler)`` begins the work and returns what cancels it; it calls
exactly one of the two callbacks, once (maybe before returning)."""


class Sink(Protocol[_T_contra]):
    """Where a started call reports its one outcome (exactly one of the two, once)."""

    def value(self, value: _T_contra, /) -> None: ...

    def error(self, error: Exception, /) -> None: ...


class SingleCall(reactivex.Observable[_T]):
    """Emits the one value ``start`` produces, then completes; or fails with its error.

    Give ``start``, or subclass and override :meth:`begin` (one object per request instead of a
    closure and its cells). What the subscriber's callbacks raise goes to ``on_raise`` and no
    further: the code that completes a request (a socket closing, a timer) must never be stopped
    by it. A ``start`` that raises fails the observable instead; nothing raises at subscribe time.
    """

    def __init__(self, start: Start[_T] | None = None, on_raise: OnRaise = log_raise) -> None:
        # Observable.__init__ is not called: all it does is make the RLock that ``lock`` makes
        # on first use, and keep a subscribe function that _subscribe_core below never reads
        self._start = start
        self._on_raise = on_raise

    @cached_property
    def lock(self) -> threading.RLock:  # type: ignore[override]
        """What reactivex's operators lock on (a few do): made when first asked for (from the
        loop's thread, where the agent's requests run)."""
        return threading.RLock()

    def begin(self, sink: Sink[_T], scheduler: abc.SchedulerBase | None) -> Callable[[], None]:
        """Start the work, reporting to ``sink``; returns what cancels it."""
        assert self._start is not None, "SingleCall needs start, or a subclass overrides begin"
        return self._start(sink.value, sink.error, scheduler)

    def reports_raising_to(self) -> OnRaise:
        """Where what a subscriber's callbacks raise is reported."""
        return self._on_raise

    def _subscribe_core(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        sink = _ObserverSink(observer, self.reports_raising_to())
        return Disposable(self._started(sink, scheduler))

    def _started(self, sink: Sink[_T], scheduler: abc.SchedulerBase | None) -> Callable[[], None]:
        try:
            return self.begin(sink, scheduler)
        except Exception as error:  # a bad argument found late: the request's error, not ours
            sink.error(request_error(error))
            return _nothing

    def __await__(self) -> Generator[Any, None, _T]:
        # the future's own iterator, not a generator around it: one frame less per request,
        # and the awaiting task's cancellation reaches the request through the future
        future: AwaitedFuture[_T] = AwaitedFuture()
        future.cancel_request = self._started(future, None)
        return future.__await__()


def request_error(error: Exception) -> SDKError:
    """What starting a request raised, as that request's error (a bad argument found late)."""
    if isinstance(error, SDKError):
        return error
    detail = f"{type(error).__name__}: {redact(str(error))}"
    return SDKError(f"cannot send the request: {detail}", None, Service.MESSAGING, error)


class AwaitedFuture(asyncio.Future[_T]):
    """An awaited call's future, and its sink: the outcome goes in, unless the awaiting task
    gave up. One object per awaited request instead of a future and a sink holding it. The
    awaiting task cancels it when the task is cancelled: that cancels the request too."""

    __slots__ = ("cancel_request",)

    # no __init__ of its own (a Python frame per request): whoever makes one sets
    # cancel_request (or overrides cancelled_by_caller) before anything can cancel it; made
    # on the running loop
    cancel_request: Callable[[], None]

    def cancel(self, msg: Any = None) -> bool:
        if not super().cancel(msg):
            return False  # it had its outcome already: the request ended
        self.cancelled_by_caller()
        return True

    def cancelled_by_caller(self) -> None:
        """The awaiting task gave up: cancel the request."""
        self.cancel_request()

    def value(self, value: _T) -> None:
        if not self.done():
            self.set_result(value)

    def error(self, error: Exception) -> None:
        if not self.done():
            self.set_exception(error)


class _ObserverSink(Generic[_T]):
    """A subscribed call's outcome: to its observer, whose raising is reported, never passed on."""

    __slots__ = ("_observer", "_on_raise")

    def __init__(self, observer: abc.ObserverBase[_T], on_raise: OnRaise) -> None:
        self._observer = observer
        self._on_raise = on_raise

    def value(self, value: _T) -> None:
        try:
            self._observer.on_next(value)
        except Exception as error:
            self._on_raise(_WHERE, error)
        try:
            self._observer.on_completed()
        except Exception as error:
            self._on_raise(_WHERE, error)

    def error(self, error: Exception) -> None:
        try:
            self._observer.on_error(error)
        except Exception as raised:
            self._on_raise(_WHERE, raised)


_WHERE = "a request's observer"


def _nothing() -> None:
    pass

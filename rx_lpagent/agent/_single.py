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

__all__ = ["SingleCall", "Sink", "Start"]

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

    def _subscribe_core(
        self, observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        return Disposable(self._started(_ObserverSink(observer, self._on_raise), scheduler))

    def _started(self, sink: Sink[_T], scheduler: abc.SchedulerBase | None) -> Callable[[], None]:
        try:
            return self.begin(sink, scheduler)
        except Exception as error:  # a bad argument found late: the request's error, not ours
            if not isinstance(error, SDKError):
                detail = f"{type(error).__name__}: {redact(str(error))}"
                error = SDKError(
                    f"cannot send the request: {detail}", None, Service.MESSAGING, error
                )
            sink.error(error)
            return _nothing

    def __await__(self) -> Generator[Any, None, _T]:
        future: _FutureSink[_T] = _FutureSink(loop=asyncio.get_running_loop())
        cancel = self._started(future, None)
        try:
            return (yield from future.__await__())
        finally:
            if future.cancelled() or not future.done():  # the awaiting task was cancelled
                cancel()


class _FutureSink(asyncio.Future[_T]):
    """An awaited call's future, and its sink: the outcome goes in, unless the awaiting task
    gave up. One object per awaited request instead of a future and a sink holding it."""

    __slots__ = ()

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

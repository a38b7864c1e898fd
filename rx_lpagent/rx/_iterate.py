"""Observables as bounded async iterators: ``async for item in iterate(observable): ...``.

An observable pushes; an ``async for`` loop pulls. Between them sits a buffer of at most
``maxsize`` items, and :class:`Overflow` says what happens when the loop falls that far behind.
The subscription lives exactly as long as the loop: leaving it (``break``, an exception,
cancellation) disposes it at once, so a hot stream stops filling a buffer nobody reads.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from enum import StrEnum
from types import TracebackType
from typing import Generic, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable

from rx_lpagent.errors import ConfigurationError, LPAgentError
from rx_lpagent.rx._scheduling import loop_scheduler

__all__ = ["DEFAULT_MAXSIZE", "BufferOverflowError", "ObservableIterator", "Overflow", "iterate"]

_log = logging.getLogger("rx_lpagent.rx.iterate")
_T = TypeVar("_T")

DEFAULT_MAXSIZE = 1000
"""Items an iterator holds for a loop that is busy elsewhere, unless told otherwise."""


class Overflow(StrEnum):
    """What an iterator does with a new item when its buffer already holds ``maxsize``."""

    RAISE = "raise"
    """End the stream: the loop gets the buffered items, then :class:`BufferOverflowError`."""
    DROP_OLDEST = "drop-oldest"
    """Forget the oldest buffered item to make room (the loop sees the most recent ones)."""
    DROP_NEWEST = "drop-newest"
    """Forget the new item (the loop sees the earliest ones)."""


class BufferOverflowError(LPAgentError):
    """An async iterator's consumer fell ``maxsize`` items behind with ``Overflow.RAISE``."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(
            f"the consumer fell {maxsize} items behind (raise maxsize, consume faster, or "
            "choose Overflow.DROP_OLDEST / DROP_NEWEST)"
        )
        self.maxsize = maxsize


class _End:
    """The marker queued after the last item: completion (``error`` None) or an error."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class ObservableIterator(AsyncIterator[_T], Generic[_T]):
    """The async iterator :func:`iterate` returns; also an async context manager.

    It subscribes when created inside a running loop (so nothing emitted between creating it
    and the first ``async for`` step is missed), else at the first step. ``dropped`` counts
    the items the overflow policy discarded.
    """

    def __init__(
        self,
        source: Observable[_T],
        maxsize: int,
        overflow: Overflow,
        on_overflow: Callable[[BufferOverflowError], None] | None = None,
    ) -> None:
        self._finished = False
        self._subscription: abc.DisposableBase = Disposable()
        if maxsize < 1:
            raise ConfigurationError(f"maxsize must be at least 1, got {maxsize}")
        self._source = source
        self._maxsize = maxsize
        self._overflow = overflow
        self._on_overflow = on_overflow
        self._buffer: deque[_T] = deque()
        self._end: _End | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.dropped = 0
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._subscribe()

    @property
    def subscribed(self) -> bool:
        """Whether the iterator still holds its subscription to the source."""
        return self._loop is not None and not self._finished and self._end is None

    def _subscribe(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        thread = threading.get_ident()
        # the source holds the observer: through a weak reference only, so a loop left by
        # `break` drops the last strong reference and __del__ disposes the subscription
        me = weakref.ref(self)

        def on_loop(action: Callable[[ObservableIterator[_T]], None]) -> None:
            def run() -> None:
                iterator = me()
                if iterator is not None:
                    action(iterator)

            # an upstream operator may deliver on another thread; the buffer is the loop's
            if threading.get_ident() == thread:
                run()
            elif not loop.is_closed():
                loop.call_soon_threadsafe(run)

        self._subscription = self._source.subscribe(
            lambda item: on_loop(lambda it: it._push(item)),
            lambda error: on_loop(lambda it: it._finish(error)),
            lambda: on_loop(lambda it: it._finish(None)),
            scheduler=loop_scheduler(loop),
        )

    def _push(self, item: _T) -> None:
        if self._end is not None or self._finished:
            return
        if len(self._buffer) >= self._maxsize:
            if self._overflow is Overflow.DROP_NEWEST:
                self.dropped += 1
                return
            if self._overflow is Overflow.DROP_OLDEST:
                self._buffer.popleft()
                self.dropped += 1
            else:
                _log.warning("async iterator overflow: %d items buffered", self._maxsize)
                error = BufferOverflowError(self._maxsize)
                self._finish(error)
                self._subscription.dispose()
                if self._on_overflow is not None:
                    self._on_overflow(error)
                return
        self._buffer.append(item)
        self._wake()

    def _finish(self, error: BaseException | None) -> None:
        if self._end is None and not self._finished:
            self._end = _End(error)
            self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> ObservableIterator[_T]:
        return self

    async def __anext__(self) -> _T:
        if self._loop is None and not self._finished:
            self._subscribe()
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._finished:
                raise StopAsyncIteration
            end = self._end
            if end is not None:
                self.close()
                if end.error is not None:
                    raise end.error
                raise StopAsyncIteration
            assert self._loop is not None
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            except BaseException:
                # cancelled while waiting: the loop is being left
                self.close()
                raise

    def close(self) -> None:
        """Dispose the subscription and forget what is buffered (sync :meth:`aclose`)."""
        self._finished = True
        self._buffer.clear()
        self._subscription.dispose()

    async def aclose(self) -> None:
        """Dispose the subscription and forget what is buffered; later steps end the loop."""
        self.close()

    async def __aenter__(self) -> ObservableIterator[_T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # `break` or an exception in the loop body drops the last reference to the iterator:
        # the subscription goes with it, there and then (rx disposal is synchronous)
        if not self._finished:
            self._subscription.dispose()


def iterate(
    source: Observable[_T],
    *,
    maxsize: int = DEFAULT_MAXSIZE,
    overflow: Overflow | str = Overflow.RAISE,
    on_overflow: Callable[[BufferOverflowError], None] | None = None,
) -> ObservableIterator[_T]:
    """``async for item in iterate(source)``: every item in order, bounded by ``maxsize``.

    The loop ends when ``source`` completes and raises its error when it fails (after the
    items that came before). A loop more than ``maxsize`` items behind is handled as
    ``overflow`` says (:class:`Overflow`; by default it raises :class:`BufferOverflowError`:
    nothing is lost silently). Leaving the loop by ``break``, an exception or cancellation
    disposes the subscription; ``async with iterate(source) as items:`` makes that explicit
    (a loop that keeps a reference to the iterator after ``break`` holds the subscription
    until the iterator is closed or collected). ``on_overflow`` hears of a raising overflow
    the moment it happens, before the loop catches up to it.
    """
    try:
        policy = Overflow(overflow)
    except ValueError:
        choices = ", ".join(repr(o.value) for o in Overflow)
        raise ConfigurationError(f"overflow must be one of {choices}, got {overflow!r}") from None
    return ObservableIterator(source, maxsize, policy, on_overflow)

"""``async def`` handlers per item of an observable: in order, or a bounded number at a time.

Two doors. :func:`handle_each` runs a handler for every item and keeps going when one raises
(each failure goes to ``on_error``): a bot's long-running loop. :func:`map_async` is the Rx
operator: each item becomes the handler's result, and a raising handler fails the stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops

from rx_lpagent.errors import ConfigurationError
from rx_lpagent.rx._coroutine import from_coroutine
from rx_lpagent.rx._iterate import DEFAULT_MAXSIZE, BufferOverflowError, Overflow, iterate

__all__ = ["Handler", "Handling", "handle_each", "map_async"]

_log = logging.getLogger("rx_lpagent.handlers")
_T = TypeVar("_T")
_R = TypeVar("_R")

Handler = Callable[[_T], Awaitable[Any]]
"""An ``async def`` taking one item; what it returns is ignored."""


def _check_concurrency(concurrency: int) -> None:
    if concurrency < 1:
        raise ConfigurationError(f"concurrency must be at least 1, got {concurrency}")


class Handling(abc.DisposableBase, Generic[_T]):
    """A handler running over a stream; :meth:`dispose` stops it and cancels running calls.

    ``handled`` and ``failed`` count finished calls; ``dropped`` counts items the overflow
    policy discarded before a handler saw them.
    """

    def __init__(
        self,
        source: Observable[_T],
        handler: Handler[_T],
        *,
        concurrency: int,
        maxsize: int,
        overflow: Overflow | str,
        on_error: Callable[[Exception], None],
    ) -> None:
        _check_concurrency(concurrency)
        self._handler = handler
        self._concurrency = concurrency
        self._on_error = on_error
        # an overflow is reported the moment it happens, not once the handler catches up
        self._items = iterate(source, maxsize=maxsize, overflow=overflow, on_overflow=self._report)
        self._calls: set[asyncio.Task[None]] = set()
        self.handled = 0
        self.failed = 0
        self._task = asyncio.ensure_future(self._run())

    @property
    def dropped(self) -> int:
        return self._items.dropped

    @property
    def running(self) -> bool:
        return not self._task.done()

    async def _run(self) -> None:
        slots = asyncio.Semaphore(self._concurrency)
        try:
            async for item in self._items:
                if self._concurrency == 1:
                    await self._call(item)
                    continue
                await slots.acquire()
                call = asyncio.ensure_future(self._call(item))
                self._calls.add(call)
                call.add_done_callback(self._calls.discard)
                call.add_done_callback(lambda _: slots.release())
            while self._calls:  # the stream ended: let the calls in flight finish
                await asyncio.wait(set(self._calls))
        except BufferOverflowError:
            pass  # reported when it happened
        except Exception as error:  # the stream failed
            self._report(error)
        finally:
            self._cancel_calls()

    async def _call(self, item: _T) -> None:
        try:
            await self._handler(item)
        except Exception as error:
            self.failed += 1
            self._report(error)
        else:
            self.handled += 1

    def _report(self, error: Exception) -> None:
        name = getattr(self._handler, "__qualname__", repr(self._handler))
        _log.error("handler %s: %s: %s", name, type(error).__name__, error, exc_info=error)
        try:
            self._on_error(error)
        except Exception:
            _log.exception("reporting a handler failure raised")

    def _cancel_calls(self) -> None:
        for call in tuple(self._calls):
            call.cancel()

    def dispose(self) -> None:
        """Stop taking items, cancel the handler calls running now. Harmless to call twice."""
        self._items.close()
        self._cancel_calls()
        self._task.cancel()

    async def wait(self) -> None:
        """Until the stream has ended and every call finished (or :meth:`dispose`)."""
        await asyncio.wait({self._task})


def handle_each(
    source: Observable[_T],
    handler: Handler[_T],
    *,
    concurrency: int = 1,
    maxsize: int = DEFAULT_MAXSIZE,
    overflow: Overflow | str = Overflow.RAISE,
    on_error: Callable[[Exception], None] = lambda _: None,
) -> Handling[_T]:
    """Run ``await handler(item)`` for every item of ``source``, on the running loop.

    With ``concurrency=1`` (the default) one call at a time, in the order items came; with
    more, up to that many at once (they may finish in any order). A handler that raises is
    logged (logger ``rx_lpagent.handlers``) and passed to ``on_error``; the next items are
    handled as usual. Items wait in a buffer of ``maxsize`` while handlers are busy; beyond it
    ``overflow`` decides (see :func:`~rx_lpagent.rx.iterate`; an overflow that raises ends
    the handling and goes to ``on_error`` too). Must be called with a running loop.
    """
    return Handling(
        source,
        handler,
        concurrency=concurrency,
        maxsize=maxsize,
        overflow=overflow,
        on_error=on_error,
    )


def map_async(
    handler: Callable[[_T], Awaitable[_R]], *, concurrency: int = 1
) -> Callable[[Observable[_T]], Observable[_R]]:
    """Operator: each item becomes ``await handler(item)``'s result.

    ``concurrency=1`` keeps the order (one call at a time); more runs up to that many at once
    and emits results as they finish. A raising handler fails the stream (catch it with
    ``ops.catch`` or inside the handler); disposing cancels the calls running.
    """
    _check_concurrency(concurrency)

    def call(item: _T) -> Observable[_R]:
        return from_coroutine(lambda: handler(item))

    if concurrency == 1:
        return ops.concat_map(call)
    return reactivex.compose(ops.map(call), ops.merge(max_concurrent=concurrency))

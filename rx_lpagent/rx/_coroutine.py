"""Coroutines as cold observables, and observables as awaitables, on the running loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable, SerialDisposable
from reactivex.internal.exceptions import SequenceContainsNoElementsError
from reactivex.scheduler.eventloop import AsyncIOScheduler, AsyncIOThreadSafeScheduler

from rx_lpagent.errors import ConfigurationError, SDKError
from rx_lpagent.rx._scheduling import NoSchedulerError, loop_of, loop_scheduler, running_loop

_T = TypeVar("_T")


def from_coroutine(factory: Callable[[], Awaitable[_T]]) -> Observable[_T]:
    """An observable that runs ``factory()`` as a task per subscription and emits its result.

    Cold, unlike ``reactivex.from_future``: every subscription calls ``factory`` again, so a
    retry re-runs the coroutine. Disposing cancels the task. It runs on the loop of an
    ``AsyncIOScheduler`` given at subscribe time, else on the running loop; with neither it
    fails with :class:`~rx_lpagent.rx.NoSchedulerError` (a ConfigurationError). A task
    cancelled by someone else fails the observable with a non-retryable
    :class:`~rx_lpagent.errors.SDKError`.
    """

    def subscribe(
        observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        loop = loop_of(scheduler)
        if loop is None and isinstance(scheduler, AsyncIOThreadSafeScheduler):
            # which loop it runs is RxPY's secret: the scheduler itself takes the start there
            return _started_on(scheduler, lambda: start(observer, None))
        if loop is None and isinstance(scheduler, AsyncIOScheduler) and running_loop() is None:
            observer.on_error(
                ConfigurationError(
                    "from_coroutine: an AsyncIOScheduler is not thread-safe; off its loop's "
                    "thread subscribe with an AsyncIOThreadSafeScheduler"
                )
            )
            return Disposable()
        # a plain AsyncIOScheduler on a thread whose loop runs belongs to that loop (it is not
        # thread-safe, so it cannot serve any other)
        loop = loop or running_loop()
        if loop is None:
            observer.on_error(NoSchedulerError("from_coroutine"))
            return Disposable()
        return start(observer, loop)

    def start(
        observer: abc.ObserverBase[_T], loop: asyncio.AbstractEventLoop | None
    ) -> abc.DisposableBase:
        """Run the coroutine on ``loop`` (None: the running one, this thread's)."""
        try:
            awaitable = factory()
        except Exception as error:
            observer.on_error(error)
            return Disposable()
        disposed = False

        def settle(done: asyncio.Future[_T] | concurrent.futures.Future[_T]) -> None:
            if disposed:
                return
            if done.cancelled():
                observer.on_error(SDKError("the coroutine was cancelled", retryable=False))
                return
            error = done.exception()
            if error is None:
                observer.on_next(done.result())
                observer.on_completed()
            elif isinstance(error, Exception):
                observer.on_error(error)
            else:  # KeyboardInterrupt and friends are not ours to swallow
                raise error

        future: asyncio.Future[_T] | concurrent.futures.Future[_T]
        if loop is None or running_loop() is loop:
            future = asyncio.ensure_future(awaitable)
        else:
            future = asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), loop)
        future.add_done_callback(settle)

        def cancel() -> None:
            nonlocal disposed
            disposed = True
            future.cancel()

        return Disposable(cancel)

    return Observable(subscribe)


def _started_on(
    scheduler: abc.SchedulerBase, start: Callable[[], abc.DisposableBase]
) -> abc.DisposableBase:
    """``start()`` run by ``scheduler`` (on its loop's thread); disposing cancels either."""
    running = SerialDisposable()

    def action(_: abc.SchedulerBase, __: Any = None) -> None:
        if not running.is_disposed:
            running.disposable = start()

    running.disposable = scheduler.schedule(action)
    return running


async def _as_coroutine(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


async def last_value(observable: Observable[_T]) -> _T:
    """Subscribe on the running loop and return the last item once ``observable`` completes.

    Raises the observable's error, or ``SequenceContainsNoElementsError`` when it completes
    empty. Cancelling the awaiting task disposes the subscription.
    """
    loop = asyncio.get_running_loop()
    result: asyncio.Future[_T] = loop.create_future()
    last: list[_T] = []

    def on_thread(action: Callable[[], Any]) -> None:
        # an upstream operator may have moved the notification to another thread
        if running_loop() is loop:
            action()
        else:
            loop.call_soon_threadsafe(action)

    def succeed() -> None:
        if result.done():
            return
        if last:
            result.set_result(last[0])
        else:
            result.set_exception(SequenceContainsNoElementsError())

    def fail(error: Exception) -> None:
        if not result.done():
            result.set_exception(error)

    def on_next(value: _T) -> None:
        last[:] = [value]

    subscription = observable.subscribe(
        on_next,
        lambda error: on_thread(lambda: fail(error)),
        lambda: on_thread(succeed),
        scheduler=loop_scheduler(loop),
    )
    try:
        return await result
    finally:
        subscription.dispose()

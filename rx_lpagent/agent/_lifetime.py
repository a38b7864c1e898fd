"""Helpers that tie observables to the agent's lifetime: cut short on dispose, awaited quietly."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

import reactivex
from reactivex import abc
from reactivex.disposable import CompositeDisposable, Disposable, SerialDisposable

from rx_lpagent.agent._bus import Bus
from rx_lpagent.errors import NotConnectedError
from rx_lpagent.rx._scheduling import loop_scheduler

__all__ = ["completion", "until_disposed"]

_log = logging.getLogger("rx_lpagent.agent")
_T = TypeVar("_T")


def until_disposed(
    disposing: Bus[None], flow: reactivex.Observable[_T]
) -> reactivex.Observable[_T]:
    """``flow``, failed with NotConnectedError and its work cancelled once ``disposing`` fires
    (or at once if it already closed)."""

    def subscribe(
        observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        if disposing.closed:
            observer.on_error(NotConnectedError("agent disposed"))
            return Disposable()
        running = SerialDisposable()

        def stop(_: None) -> None:
            running.dispose()
            observer.on_error(NotConnectedError("agent disposed"))

        watch = disposing.subscribe(stop)
        running.disposable = flow.subscribe(observer, scheduler=scheduler)
        return CompositeDisposable(watch, running)

    return reactivex.create(subscribe)


async def completion(source: reactivex.Observable[Any]) -> None:
    """Wait for ``source`` to end; its errors are logged, never raised (for dispose)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def finish(error: Exception | None = None) -> None:
        if error is not None:
            _log.debug("ignored during dispose: %r", error)
        if not done.done():
            done.set_result(None)

    subscription = source.subscribe(
        on_error=finish, on_completed=finish, scheduler=loop_scheduler(loop)
    )
    try:
        await done
    finally:
        subscription.dispose()

"""Helpers that tie observables to the agent's lifetime: cut short on dispose, awaited quietly."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

import reactivex
from reactivex import abc
from reactivex import operators as ops

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
    (or at once if it already closed).

    Made of reactivex's own ``defer`` and ``take_until``: it is paid once per flow (connect,
    reconnect, refresh), never per request or frame, so no hand-made version is worth it."""
    cut: reactivex.Observable[_T] = disposing.pipe(
        ops.flat_map(lambda _: reactivex.throw(NotConnectedError("agent disposed")))
    )

    def start(_: abc.SchedulerBase | None) -> reactivex.Observable[_T]:
        if disposing.closed:
            return reactivex.throw(NotConnectedError("agent disposed"))
        return flow.pipe(ops.take_until(cut))

    return reactivex.defer(start)


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

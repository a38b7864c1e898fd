"""Which scheduler a timed operator uses, decided when it is subscribed."""

from __future__ import annotations

import asyncio

from reactivex import abc
from reactivex.scheduler import (
    CurrentThreadScheduler,
    ImmediateScheduler,
    TimeoutScheduler,
)
from reactivex.scheduler.eventloop import AsyncIOScheduler

# These two sleep on the calling thread for a relative duetime: a retry delay on them would
# block the caller (the asyncio loop, typically), so a timed operator never waits on them.
_BLOCKING = (ImmediateScheduler, CurrentThreadScheduler)


def timed_scheduler(
    built_with: abc.SchedulerBase | None, subscribed_with: abc.SchedulerBase | None
) -> abc.SchedulerBase:
    """The scheduler a timed operator waits on.

    In order: the one the operator was built with, the one given at subscribe time (unless it
    blocks), the running asyncio loop, and RxPY's thread-based ``TimeoutScheduler`` last.
    """
    if built_with is not None:
        return built_with
    if subscribed_with is not None and not isinstance(subscribed_with, _BLOCKING):
        return subscribed_with
    loop = running_loop()
    if loop is not None:
        return AsyncIOScheduler(loop)
    return TimeoutScheduler.singleton()


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running in this thread, if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def seconds_now(scheduler: abc.SchedulerBase) -> float:
    """The scheduler's clock in seconds (virtual seconds on a ``TestScheduler``).

    On asyncio it is the loop's monotonic clock, the one its timers run on, rather than the
    wall clock ``AsyncIOScheduler.now`` reads, which can jump.
    """
    if isinstance(scheduler, AsyncIOScheduler):
        loop: asyncio.AbstractEventLoop = scheduler._loop
        return loop.time()
    return scheduler.to_seconds(scheduler.now)

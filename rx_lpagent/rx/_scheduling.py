"""Which scheduler a timed operator uses, decided when it is subscribed.

One rule everywhere (operators, flows, the agent): a scheduler given explicitly wins (the one an
operator or agent was built with, else the one given at subscribe time), else the running
asyncio loop; with neither, the operator fails with :class:`NoSchedulerError` rather than
falling back to RxPY's thread-based timers, which never wake an asyncio loop.

RxPY keeps an ``AsyncIOScheduler``'s loop private; :class:`LoopScheduler` is one that says which
loop it runs on, so nothing here reads a private attribute.
"""

from __future__ import annotations

import asyncio
import weakref

from reactivex import abc
from reactivex.scheduler import CurrentThreadScheduler, ImmediateScheduler
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rx_lpagent.errors import ConfigurationError

__all__ = [
    "LoopScheduler",
    "NoSchedulerError",
    "loop_of",
    "loop_scheduler",
    "non_blocking",
    "running_loop",
    "seconds_now",
    "timed_scheduler",
]

# These two sleep on the calling thread for a relative duetime: a retry delay on them would
# block the caller (the asyncio loop, typically), so a timed operator never waits on them.
_BLOCKING = (ImmediateScheduler, CurrentThreadScheduler)


class NoSchedulerError(ConfigurationError):
    """A timed operator was subscribed with no scheduler and outside a running asyncio loop.

    Subscribe inside a coroutine (the running loop is then used), or give a scheduler: to the
    operator, to ``subscribe(scheduler=...)``, or to the agent (``Agent(scheduler=...)``).
    """

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} needs a scheduler: subscribe on a running asyncio loop, or pass "
            "scheduler=... (a TestScheduler in tests)"
        )
        self.what = what

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.what,))


class LoopScheduler(AsyncIOScheduler):
    """An ``AsyncIOScheduler`` whose loop is public (:attr:`loop`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.loop = loop


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopScheduler] = (
    weakref.WeakKeyDictionary()
)


def loop_scheduler(loop: asyncio.AbstractEventLoop | None = None) -> LoopScheduler:
    """The scheduler of ``loop`` (default: the running loop), one per loop."""
    if loop is None:
        loop = asyncio.get_running_loop()
    scheduler = _by_loop.get(loop)
    if scheduler is None:
        scheduler = _by_loop[loop] = LoopScheduler(loop)
    return scheduler


def loop_of(scheduler: abc.SchedulerBase | None) -> asyncio.AbstractEventLoop | None:
    """The loop ``scheduler`` runs on, when it says so (a :class:`LoopScheduler`)."""
    return scheduler.loop if isinstance(scheduler, LoopScheduler) else None


def timed_scheduler(
    built_with: abc.SchedulerBase | None,
    subscribed_with: abc.SchedulerBase | None,
    what: str = "a timed operator",
) -> abc.SchedulerBase:
    """The scheduler a timed operator waits on.

    In order: the one the operator was built with, the one given at subscribe time (unless it
    blocks), the running asyncio loop. Raises :class:`NoSchedulerError` when there is none.
    """
    if built_with is not None:
        return built_with
    given = non_blocking(subscribed_with)
    if given is not None:
        return given
    loop = running_loop()
    if loop is None:
        raise NoSchedulerError(what)
    return loop_scheduler(loop)


def non_blocking(scheduler: abc.SchedulerBase | None) -> abc.SchedulerBase | None:
    """``scheduler``, unless it is None or one that sleeps on the calling thread."""
    return None if isinstance(scheduler, _BLOCKING) else scheduler


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running in this thread, if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def seconds_now(scheduler: abc.SchedulerBase) -> float:
    """The scheduler's clock in seconds (virtual seconds on a ``TestScheduler``).

    On asyncio it is the loop's monotonic clock, the one its timers run on, rather than the
    wall clock ``AsyncIOScheduler.now`` reads, which can jump: the scheduler's own loop when it
    says which (:class:`LoopScheduler`), else the running loop, which is the scheduler's own
    when its timers call this.
    """
    if isinstance(scheduler, AsyncIOScheduler):
        loop = loop_of(scheduler) or running_loop()
        if loop is not None:
            return loop.time()
    return scheduler.to_seconds(scheduler.now)

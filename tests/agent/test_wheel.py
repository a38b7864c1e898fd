"""The keep-alive's timer wheel, on a loop whose clock the test moves."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from typing import Any, cast

import pytest
from reactivex.scheduler.eventloop import AsyncIOScheduler
from reactivex.testing import TestScheduler

from rx_lpagent.agent._wheel import TimerWheel, wheel_timers_for


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class _ClockLoop:
    """What a TimerWheel uses of a loop: its clock, call_at/call_later, the error handler."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.scheduled: list[
            tuple[float, int, _Handle, Callable[..., object], tuple[Any, ...]]
        ] = []
        self._order = itertools.count()
        self.errors: list[dict[str, Any]] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[..., object], *args: Any) -> asyncio.Handle:
        handle = _Handle()
        heapq.heappush(self.scheduled, (when, next(self._order), handle, callback, args))
        return cast(asyncio.Handle, handle)

    def call_later(self, delay: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
        return cast(asyncio.TimerHandle, self.call_at(self.now + delay, callback))

    def pending(self) -> list[float]:
        return sorted(when for when, _, handle, _, _ in self.scheduled if not handle.cancelled)

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        self.errors.append(context)

    def run_until(self, until: float) -> None:
        while self.scheduled and self.scheduled[0][0] <= until:
            when, _, handle, callback, args = heapq.heappop(self.scheduled)
            self.now = when
            if not handle.cancelled:
                callback(*args)
        self.now = until


def _wheel(now: float = 100.0) -> tuple[TimerWheel, _ClockLoop]:
    loop = _ClockLoop(now)
    return TimerWheel(cast(asyncio.AbstractEventLoop, loop)), loop


def test_timers_due_within_one_tick_fire_together_and_never_early() -> None:
    wheel, loop = _wheel()
    fired: list[tuple[str, float]] = []
    wheel.start(30.0, lambda: fired.append(("a", loop.now)))  # due 130.0: on a tick
    loop.now = 100.25
    wheel.start(30.0, lambda: fired.append(("b", loop.now)))  # due 130.25
    loop.now = 100.75
    wheel.start(30.0, lambda: fired.append(("c", loop.now)))  # due 130.75
    loop.now = 101.5
    wheel.start(30.0, lambda: fired.append(("d", loop.now)))  # due 131.5
    # a 30 s delay may fire 1 s late: one loop callback per 1 s tick, not one per timer
    assert loop.pending() == [130.0, 131.0, 132.0]
    loop.run_until(200.0)
    assert fired == [("a", 130.0), ("b", 131.0), ("c", 131.0), ("d", 132.0)]


def test_lateness_is_a_thirtieth_of_the_delay_and_at_most_a_second() -> None:
    wheel, loop = _wheel(0.0)
    fired: list[tuple[str, float]] = []
    loop.now = 0.001
    wheel.start(0.06, lambda: fired.append(("short", loop.now)))  # tick 2 ms: due 61 ms
    wheel.start(600.0, lambda: fired.append(("long", loop.now)))  # tick 1 s, not 20 s
    loop.run_until(1000.0)
    assert [(name, round(at, 9)) for name, at in fired] == [("short", 0.062), ("long", 601.0)]


def test_a_cancelled_timer_does_not_fire_and_the_others_do() -> None:
    wheel, loop = _wheel()
    fired: list[str] = []
    cancel_a = wheel.start(30.0, lambda: fired.append("a"))
    cancel_b: Callable[[], None] = lambda: None  # noqa: E731

    def first() -> None:
        fired.append("first")
        cancel_b()  # a timer cancelled by one that fired before it at the same tick

    loop.now = 100.1
    wheel.start(30.0, first)
    cancel_b = wheel.start(30.0, lambda: fired.append("b"))
    wheel.start(30.0, lambda: fired.append("c"))
    cancel_a()
    cancel_a()  # twice: nothing more happens
    loop.run_until(200.0)
    assert fired == ["first", "c"]


def test_a_tick_whose_timers_are_all_cancelled_leaves_no_loop_timer() -> None:
    wheel, loop = _wheel()
    fired: list[str] = []
    cancels = [wheel.start(30.0, lambda: fired.append("gone")) for _ in range(3)]
    wheel.start(60.0, lambda: fired.append("kept"))
    assert loop.pending() == [130.0, 160.0]
    for cancel in cancels:
        cancel()
    assert loop.pending() == [160.0]  # a disposed agent's keep-alive leaves nothing behind
    wheel.start(30.0, lambda: fired.append("new"))  # the same tick again, anew
    loop.run_until(200.0)
    assert fired == ["new", "kept"]


def test_a_raising_timer_is_reported_and_the_others_still_fire() -> None:
    wheel, loop = _wheel()
    fired: list[str] = []

    def boom() -> None:
        raise ValueError("boom")

    wheel.start(30.0, boom)
    wheel.start(30.0, lambda: fired.append("after"))
    loop.run_until(200.0)
    assert fired == ["after"]
    assert [type(error["exception"]) for error in loop.errors] == [ValueError]


def test_a_timer_started_from_a_firing_one_gets_its_own_tick() -> None:
    wheel, loop = _wheel()
    fired: list[float] = []

    def again() -> None:
        fired.append(loop.now)
        if len(fired) < 3:
            wheel.start(30.0, again)

    wheel.start(30.0, again)
    loop.run_until(1000.0)
    assert fired == [130.0, 160.0, 190.0]


def test_a_zero_delay_goes_straight_to_the_loop() -> None:
    wheel, loop = _wheel()
    fired: list[float] = []
    wheel.start(0.0, lambda: fired.append(loop.now))
    loop.run_until(100.0)
    assert fired == [100.0]


def test_without_a_loop_scheduler_the_timers_keep_exact_virtual_time() -> None:
    scheduler = TestScheduler()
    fired: list[float] = []
    timers = wheel_timers_for(scheduler)
    timers(30.0, lambda: fired.append(scheduler.clock))
    cancel = timers(31.0, lambda: fired.append(-1.0))
    cancel()
    scheduler.start()
    assert fired == [30.0]


@pytest.mark.asyncio
async def test_the_agents_on_one_loop_share_its_wheel() -> None:
    scheduler = AsyncIOScheduler(asyncio.get_running_loop())
    assert wheel_timers_for(scheduler) == wheel_timers_for(scheduler)
    done = asyncio.get_running_loop().create_future()
    wheel_timers_for(scheduler)(0.01, lambda: done.set_result("fired"))
    assert await asyncio.wait_for(done, 5) == "fired"

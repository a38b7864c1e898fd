"""One scheduler rule for every timed operator: the one given wins (built with, else subscribed
with), else the running asyncio loop; with neither, a clear typed error, never a thread timer."""

from __future__ import annotations

import asyncio

import pytest
import reactivex
from reactivex import operators as ops
from reactivex.scheduler import CurrentThreadScheduler
from reactivex.testing import TestScheduler

from rx_lpagent.errors import ConfigurationError, ServerError
from rx_lpagent.rx import Backoff, NoSchedulerError, last_value, retry_with_backoff, timeout
from rx_lpagent.rx._scheduling import LoopScheduler, loop_of, loop_scheduler, timed_scheduler


def failing_twice() -> reactivex.Observable[str]:
    attempts = 0

    def attempt(_: object) -> reactivex.Observable[str]:
        nonlocal attempts
        attempts += 1
        if attempts <= 2:
            return reactivex.throw(ServerError("busy", 503))
        return reactivex.return_value("ok")

    return reactivex.defer(attempt)


def test_the_scheduler_given_at_subscribe_time_keeps_virtual_time() -> None:
    scheduler = TestScheduler()
    results: list[tuple[float, str]] = []
    failing_twice().pipe(retry_with_backoff(Backoff(initial=2.0, ratio=3.0))).subscribe(
        lambda value: results.append((scheduler.to_seconds(scheduler.now), value)),
        scheduler=scheduler,
    )
    scheduler.advance_to(100)
    assert results == [(8.0, "ok")]  # 2 s, then 6 s


def test_the_scheduler_an_operator_was_built_with_wins_over_the_subscribers() -> None:
    built, subscribed = TestScheduler(), TestScheduler()
    failures: list[Exception] = []
    reactivex.never().pipe(timeout(5.0, scheduler=built)).subscribe(
        on_error=failures.append, scheduler=subscribed
    )
    subscribed.advance_to(100)
    assert failures == []
    built.advance_to(5)
    assert len(failures) == 1


@pytest.mark.parametrize(
    "operator",
    [
        timeout(1.0),
        retry_with_backoff(Backoff(initial=0.1)),
    ],
    ids=["timeout", "backoff"],
)
def test_a_timed_operator_with_no_loop_and_no_scheduler_fails_clearly(
    operator: reactivex.typing.Mapper[reactivex.Observable[str], reactivex.Observable[str]],
) -> None:
    failures: list[Exception] = []
    source: reactivex.Observable[str] = reactivex.throw(ServerError("busy", 503))
    source.pipe(operator).subscribe(on_error=failures.append)
    assert len(failures) == 1
    assert isinstance(failures[0], NoSchedulerError)
    assert isinstance(failures[0], ConfigurationError)
    assert "needs a scheduler" in str(failures[0])


def test_a_blocking_scheduler_given_at_subscribe_time_is_not_waited_on() -> None:
    with pytest.raises(NoSchedulerError):
        timed_scheduler(None, CurrentThreadScheduler())


@pytest.mark.asyncio
async def test_on_a_running_loop_the_loop_is_the_clock() -> None:
    loop = asyncio.get_running_loop()
    chosen = timed_scheduler(None, None)
    assert isinstance(chosen, LoopScheduler)
    assert loop_of(chosen) is loop
    assert chosen is loop_scheduler()  # one per loop: nothing made per subscription
    late = reactivex.timer(0.001, scheduler=chosen).pipe(ops.map(lambda _: "fired"))
    assert await last_value(late.pipe(timeout(5.0))) == "fired"

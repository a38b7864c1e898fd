"""from_coroutine and last_value on a real asyncio loop, without any scheduler= boilerplate."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
import reactivex
from reactivex.internal.exceptions import SequenceContainsNoElementsError
from reactivex.scheduler.eventloop import AsyncIOScheduler, AsyncIOThreadSafeScheduler

from rx_lpagent.errors import ConfigurationError, SDKError, ServerError
from rx_lpagent.rx import Backoff, NoSchedulerError, from_coroutine, last_value, retry_with_backoff
from rx_lpagent.rx._scheduling import loop_scheduler


@pytest.mark.asyncio
async def test_each_subscription_runs_the_coroutine_anew() -> None:
    runs = 0

    async def fetch() -> int:
        nonlocal runs
        runs += 1
        return runs

    fetched = from_coroutine(fetch)

    assert await last_value(fetched) == 1
    assert await last_value(fetched) == 2


@pytest.mark.asyncio
async def test_a_retry_reruns_the_coroutine_on_the_running_loop() -> None:
    runs = 0

    async def flaky() -> str:
        nonlocal runs
        runs += 1
        if runs < 3:
            raise ServerError("busy", 503)
        return "ok"

    policy = Backoff(initial=0.001, ratio=1.0)

    assert await last_value(from_coroutine(flaky).pipe(retry_with_backoff(policy))) == "ok"
    assert runs == 3


@pytest.mark.asyncio
async def test_dispose_cancels_the_task() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    subscription = from_coroutine(forever).subscribe()
    await started.wait()
    subscription.dispose()

    await asyncio.wait_for(cancelled.wait(), 5)


@pytest.mark.asyncio
async def test_cancelling_the_awaiting_task_disposes_the_pipeline() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    waiting = asyncio.create_task(last_value(from_coroutine(forever)))
    await started.wait()
    waiting.cancel()

    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait_for(cancelled.wait(), 5)


@pytest.mark.asyncio
async def test_errors_and_emptiness_reach_the_awaiter() -> None:
    async def broken() -> None:
        raise ServerError("busy", 503)

    with pytest.raises(ServerError):
        await last_value(from_coroutine(broken))
    with pytest.raises(SequenceContainsNoElementsError):
        await last_value(reactivex.empty())


@pytest.mark.asyncio
async def test_a_task_cancelled_by_someone_else_is_a_non_retryable_error() -> None:
    async def gives_up() -> None:
        raise asyncio.CancelledError

    with pytest.raises(SDKError) as raised:
        await last_value(from_coroutine(gives_up))
    assert not raised.value.retryable


def test_without_a_loop_the_observable_says_so() -> None:
    failures: list[Exception] = []

    async def never_run() -> None:
        raise AssertionError("must not run")

    from_coroutine(never_run).subscribe(on_error=failures.append)

    assert len(failures) == 1
    assert isinstance(failures[0], NoSchedulerError)
    assert isinstance(failures[0], ConfigurationError)
    assert "from_coroutine needs a scheduler" in str(failures[0])


@pytest.mark.asyncio
async def test_subscribing_without_a_scheduler_keeps_every_retry_on_the_loop() -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    runs: list[asyncio.AbstractEventLoop] = []
    results: list[str] = []

    async def flaky() -> str:
        runs.append(asyncio.get_running_loop())
        if len(runs) < 3:
            raise ServerError("busy", 503)
        return "ok"

    from_coroutine(flaky).pipe(retry_with_backoff(Backoff(initial=0.001))).subscribe(
        on_next=results.append, on_completed=done.set
    )
    await asyncio.wait_for(done.wait(), 5)

    assert results == ["ok"]
    assert runs == [loop, loop, loop]


@pytest.mark.parametrize("make_scheduler", [AsyncIOThreadSafeScheduler, loop_scheduler])
def test_an_asyncio_scheduler_of_a_loop_in_another_thread_runs_the_coroutine_there(
    make_scheduler: Callable[[asyncio.AbstractEventLoop], AsyncIOScheduler],
) -> None:
    """RxPY's thread-safe scheduler, or ours that names its loop: a plain ``AsyncIOScheduler``
    is not thread-safe (RxPY's rule) and its loop is private, so it cannot be reached from here."""
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    try:
        threads: list[threading.Thread] = []
        results: list[str] = []
        finished = threading.Event()

        async def where() -> str:
            threads.append(threading.current_thread())
            return "ok"

        from_coroutine(where).subscribe(
            results.append, on_completed=finished.set, scheduler=make_scheduler(loop)
        )
        assert finished.wait(5)
        assert results == ["ok"]
        assert threads == [runner]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(5)
        loop.close()


def test_a_plain_asyncio_scheduler_off_its_loops_thread_is_refused_not_left_hanging() -> None:
    loop = asyncio.new_event_loop()
    try:
        failures: list[Exception] = []

        async def never_run() -> None:
            raise AssertionError("must not run")

        from_coroutine(never_run).subscribe(
            on_error=failures.append, scheduler=AsyncIOScheduler(loop)
        )
        assert len(failures) == 1
        assert isinstance(failures[0], ConfigurationError)
        assert "AsyncIOThreadSafeScheduler" in str(failures[0])
    finally:
        loop.close()

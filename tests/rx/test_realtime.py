"""On a real asyncio loop, retries land when the policy says (millisecond delays)."""

from __future__ import annotations

import asyncio
from itertools import accumulate, pairwise

import pytest

from rx_lpagent.errors import RequestTimeoutError, ServerError
from rx_lpagent.rx import (
    Backoff,
    RetriesExhaustedError,
    from_coroutine,
    last_value,
    retry_with_backoff,
    timeout,
)

# Timers never fire early; late only by the loop's scheduling latency, which on a loaded
# 2-core CI machine stays well under this bound.
LATE_BOUND = 0.050


@pytest.mark.realtime
@pytest.mark.asyncio
async def test_attempts_land_on_plan() -> None:
    loop = asyncio.get_running_loop()
    attempts: list[float] = []

    async def failing() -> None:
        attempts.append(loop.time())
        raise ServerError("busy", 503)

    policy = Backoff(initial=0.005, ratio=2.0, max_attempts=4)
    with pytest.raises(RetriesExhaustedError):
        await last_value(from_coroutine(failing).pipe(retry_with_backoff(policy)))

    planned = list(accumulate([0.005, 0.010, 0.020, 0.040]))
    actual = [at - attempts[0] for at in attempts[1:]]
    # each wait is measured from the failure that caused it, so lateness does not accumulate
    # backwards: attempt n is at least its planned offset and within the bound of it
    for offset, plan in zip(actual, planned, strict=True):
        assert plan - 0.001 <= offset <= plan + len(actual) * LATE_BOUND


@pytest.mark.realtime
@pytest.mark.asyncio
async def test_each_wait_is_the_planned_delay() -> None:
    loop = asyncio.get_running_loop()
    attempts: list[float] = []

    async def failing() -> None:
        attempts.append(loop.time())
        raise ServerError("busy", 503)

    delays = [0.004, 0.008, 0.012]
    policy = Backoff(steps=tuple(delays), max_attempts=3)
    with pytest.raises(RetriesExhaustedError):
        await last_value(from_coroutine(failing).pipe(retry_with_backoff(policy)))

    waits = [later - earlier for earlier, later in pairwise(attempts)]
    for wait, delay in zip(waits, delays, strict=True):
        assert delay - 0.001 <= wait <= delay + LATE_BOUND


@pytest.mark.realtime
@pytest.mark.asyncio
async def test_timeout_fires_on_the_running_loop_and_a_retry_recovers() -> None:
    runs = 0

    async def slow_then_fast() -> str:
        nonlocal runs
        runs += 1
        await asyncio.sleep(1.0 if runs == 1 else 0.0)
        return "ok"

    pipeline = from_coroutine(slow_then_fast).pipe(
        timeout(0.010), retry_with_backoff(Backoff(initial=0.002))
    )

    assert await last_value(pipeline) == "ok"
    assert runs == 2


@pytest.mark.realtime
@pytest.mark.asyncio
async def test_timeout_alone_raises_our_error() -> None:
    async def slow() -> str:
        await asyncio.sleep(1.0)
        return "late"

    with pytest.raises(RequestTimeoutError):
        await last_value(from_coroutine(slow).pipe(timeout(0.005)))

"""iterate(): async for over an observable, bounded, ending, failing and disposing as promised;
handle_each() and map_async(): async handlers in order, bounded concurrency, failures reported."""

from __future__ import annotations

import asyncio
import gc

import pytest
import reactivex
from reactivex import operators as ops
from reactivex.subject import Subject

from rx_lpagent.errors import ConfigurationError
from rx_lpagent.rx import (
    BufferOverflowError,
    Overflow,
    handle_each,
    iterate,
    last_value,
    map_async,
)


def observed(subject: Subject[int]) -> int:
    return len(subject.observers)


@pytest.mark.asyncio
async def test_ends_on_completion_with_every_item_in_order() -> None:
    assert [item async for item in iterate(reactivex.of(1, 2, 3))] == [1, 2, 3]


@pytest.mark.asyncio
async def test_raises_the_error_after_the_items_before_it() -> None:
    seen: list[int] = []
    source = reactivex.concat(reactivex.of(1, 2), reactivex.throw(ValueError("boom")))

    async def drain() -> None:
        async for item in iterate(source):
            seen.append(item)

    with pytest.raises(ValueError, match="boom"):
        await drain()
    assert seen == [1, 2]


@pytest.mark.asyncio
async def test_subscribes_when_created_so_nothing_emitted_before_the_loop_is_missed() -> None:
    subject: Subject[int] = Subject()
    items = iterate(subject)
    subject.on_next(1)
    subject.on_next(2)
    subject.on_completed()
    assert [item async for item in items] == [1, 2]


@pytest.mark.asyncio
async def test_break_disposes_the_subscription_at_once() -> None:
    subject: Subject[int] = Subject()

    async def first() -> int:
        async for item in iterate(subject):
            return item
        raise AssertionError("not reached")

    task = asyncio.ensure_future(first())
    await asyncio.sleep(0)
    assert observed(subject) == 1
    subject.on_next(7)
    assert await task == 7
    gc.collect()
    assert observed(subject) == 0


@pytest.mark.asyncio
async def test_an_exception_in_the_loop_body_disposes_the_subscription() -> None:
    subject: Subject[int] = Subject()

    async def fail_on_first() -> None:
        async for _ in iterate(subject):
            raise RuntimeError("body failed")

    task = asyncio.ensure_future(fail_on_first())
    await asyncio.sleep(0)
    subject.on_next(1)
    with pytest.raises(RuntimeError):
        await task
    del task
    gc.collect()
    assert observed(subject) == 0


@pytest.mark.asyncio
async def test_cancelling_the_waiting_task_disposes_the_subscription() -> None:
    subject: Subject[int] = Subject()
    items = iterate(subject)  # kept referenced: cancellation alone must dispose

    async def drain() -> None:
        async for _ in items:
            pass

    task = asyncio.ensure_future(drain())
    await asyncio.sleep(0)
    assert observed(subject) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert observed(subject) == 0
    assert not items.subscribed


@pytest.mark.asyncio
async def test_async_with_disposes_on_exit() -> None:
    subject: Subject[int] = Subject()
    async with iterate(subject) as items:
        subject.on_next(1)
        assert await anext(items) == 1
    assert observed(subject) == 0
    with pytest.raises(StopAsyncIteration):
        await anext(items)


@pytest.mark.asyncio
async def test_overflow_raise_gives_the_buffered_items_then_the_error_and_unsubscribes() -> None:
    subject: Subject[int] = Subject()
    items = iterate(subject, maxsize=2)
    for value in range(5):
        subject.on_next(value)
    assert observed(subject) == 0
    assert await anext(items) == 0
    assert await anext(items) == 1
    with pytest.raises(BufferOverflowError) as failure:
        await anext(items)
    assert failure.value.maxsize == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("overflow", "expected"),
    [(Overflow.DROP_OLDEST, [2, 3, 4]), ("drop-newest", [0, 1, 2])],
)
async def test_drop_policies_keep_going_and_count_what_they_dropped(
    overflow: Overflow | str, expected: list[int]
) -> None:
    subject: Subject[int] = Subject()
    items = iterate(subject, maxsize=3, overflow=overflow)
    for value in range(5):
        subject.on_next(value)
    subject.on_completed()
    assert [item async for item in items] == expected
    assert items.dropped == 2


def test_bad_settings_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="maxsize"):
        iterate(reactivex.empty(), maxsize=0)
    with pytest.raises(ConfigurationError, match="drop-oldest"):
        iterate(reactivex.empty(), overflow="drop-old")


@pytest.mark.asyncio
async def test_items_from_another_thread_arrive_on_the_loop() -> None:
    source = reactivex.from_iterable([1, 2, 3]).pipe(
        ops.observe_on(reactivex.scheduler.NewThreadScheduler())
    )
    assert [item async for item in iterate(source)] == [1, 2, 3]


# -- handlers --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_handlers_run_one_at_a_time_in_order_by_default() -> None:
    log: list[str] = []

    async def handler(item: int) -> None:
        log.append(f"start {item}")
        await asyncio.sleep(0.01 if item == 0 else 0)
        log.append(f"end {item}")

    handling = handle_each(reactivex.of(0, 1, 2), handler)
    await handling.wait()
    assert log == ["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]
    assert handling.handled == 3


@pytest.mark.asyncio
async def test_concurrency_bounds_how_many_run_at_once() -> None:
    running = 0
    most = 0
    release = asyncio.Event()

    async def handler(_: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1

    handling = handle_each(reactivex.of(*range(6)), handler, concurrency=2)
    await asyncio.sleep(0.01)
    assert (running, most) == (2, 2)
    release.set()
    await handling.wait()
    assert (handling.handled, most) == (6, 2)


@pytest.mark.asyncio
async def test_a_raising_handler_is_reported_and_the_next_items_are_handled() -> None:
    failures: list[Exception] = []
    handled: list[int] = []

    async def handler(item: int) -> None:
        if item == 1:
            raise ValueError("bad item")
        handled.append(item)

    handling = handle_each(reactivex.of(0, 1, 2), handler, on_error=failures.append)
    await handling.wait()
    assert handled == [0, 2]
    assert [str(f) for f in failures] == ["bad item"]
    assert (handling.handled, handling.failed) == (2, 1)


@pytest.mark.asyncio
async def test_dispose_cancels_the_calls_running_and_unsubscribes() -> None:
    subject: Subject[int] = Subject()
    cancelled: list[int] = []

    async def handler(item: int) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise

    handling = handle_each(subject, handler, concurrency=3)
    subject.on_next(1)
    subject.on_next(2)
    await asyncio.sleep(0.01)
    handling.dispose()
    await handling.wait()
    assert sorted(cancelled) == [1, 2]
    assert observed(subject) == 0
    assert not handling.running


@pytest.mark.asyncio
async def test_map_async_keeps_order_and_fails_on_a_raising_handler() -> None:
    async def double(item: int) -> int:
        await asyncio.sleep(0.01 if item == 1 else 0)
        return item * 2

    assert await last_value(reactivex.of(1, 2, 3).pipe(map_async(double), ops.to_list())) == [
        2,
        4,
        6,
    ]
    results = await last_value(
        reactivex.of(1, 2, 3).pipe(map_async(double, concurrency=3), ops.to_list())
    )
    assert sorted(results) == [2, 4, 6]

    async def broken(_: int) -> int:
        raise KeyError("nope")

    with pytest.raises(KeyError):
        await last_value(reactivex.of(1).pipe(map_async(broken)))

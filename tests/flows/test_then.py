"""``then``, the flows' flat_map, in virtual time."""

from __future__ import annotations

import reactivex
from reactivex import operators as ops
from reactivex.testing import ReactiveTest, TestScheduler

from rx_lpagent.flows._then import then

on_next, on_completed, on_error = (
    ReactiveTest.on_next,
    ReactiveTest.on_completed,
    ReactiveTest.on_error,
)


def test_each_value_starts_its_step_and_the_end_waits_for_every_step() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, 1), on_next(220, 2), on_completed(230))

    def step(value: int) -> reactivex.Observable[str]:
        return reactivex.timer(value * 10.0, scheduler=scheduler).pipe(
            ops.map(lambda _: f"{value}")
        )

    results = scheduler.start(lambda: source.pipe(then(step)))
    assert results.messages == [on_next(220, "1"), on_next(240, "2"), on_completed(240)]


def test_an_error_of_the_source_or_a_step_ends_it_and_stops_the_others() -> None:
    scheduler = TestScheduler()
    failure = ValueError("step failed")
    source = scheduler.create_hot_observable(on_next(210, 1), on_next(220, 2), on_completed(300))
    never_ends = scheduler.create_cold_observable(on_next(50, "late"))

    def step(value: int) -> reactivex.Observable[str]:
        return never_ends if value == 1 else reactivex.throw(failure)

    results = scheduler.start(lambda: source.pipe(then(step)))
    assert results.messages == [on_error(220, failure)]
    assert never_ends.subscriptions[0].unsubscribe == 220


def test_a_step_that_raises_is_an_error() -> None:
    scheduler = TestScheduler()
    failure = KeyError("no such step")
    source = scheduler.create_hot_observable(on_next(210, 1), on_completed(230))

    def step(_: int) -> reactivex.Observable[str]:
        raise failure

    results = scheduler.start(lambda: source.pipe(then(step)))
    assert results.messages == [on_error(210, failure)]
    assert source.subscriptions[0].unsubscribe == 210


def test_disposing_stops_the_source_and_the_step_under_way() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, 1))
    step_source = scheduler.create_cold_observable(on_next(500, "never seen"))

    results = scheduler.start(lambda: source.pipe(then(lambda _: step_source)), disposed=300)
    assert results.messages == []
    assert source.subscriptions[0].unsubscribe == 300
    assert step_source.subscriptions[0].unsubscribe == 300

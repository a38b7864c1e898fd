"""retry_when: retrying with timed notifiers, and resubscription without recursion.

The case-by-case comparison with RxJS's retryWhen is in test_retry_when_spec.py.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import assert_type

import pytest
import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable
from reactivex.subject import Subject
from reactivex.testing import TestScheduler

from rx_lpagent.errors import ServerError
from rx_lpagent.rx import Backoff, from_coroutine, retry_when, retry_with_backoff, timeout
from rx_lpagent.testing import fail, run_virtual, scripted, succeed

BUSY = ServerError("busy", 503)


def test_an_item_of_the_notifier_resubscribes_the_source() -> None:
    source = scripted(fail(BUSY, after=1), fail(BUSY, after=1), succeed("ok", after=1))

    timeline = run_virtual(
        lambda vt: vt.track(source).pipe(retry_when(lambda errors: errors.pipe(ops.delay(2.0))))
    )

    assert timeline.subscribed_at == [0.0, 3.0, 6.0]
    assert timeline.values == ["ok"]
    assert timeline.completed
    assert timeline.times == [7.0, 7.0]


def test_completion_of_the_notifier_completes_and_its_error_errors() -> None:
    gave_up = RuntimeError("no more")
    completing = run_virtual(
        lambda vt: vt.track(fail(BUSY)).pipe(
            retry_when(lambda errors: errors.pipe(ops.take_while(lambda _: vt.now < 1)))
        )
    )
    erroring = run_virtual(
        lambda vt: vt.track(fail(BUSY, after=1)).pipe(
            retry_when(lambda errors: errors.pipe(ops.flat_map(lambda _: reactivex.throw(gave_up))))
        )
    )

    assert completing.completed
    assert completing.error is None
    assert erroring.error is gave_up
    assert erroring.times == [1.0]
    assert erroring.subscribed_at == [0.0]


def test_items_pass_through_from_every_attempt() -> None:
    source = scripted(
        reactivex.concat(reactivex.of(1, 2), fail(BUSY)),
        reactivex.of(3),
    )

    timeline = run_virtual(lambda vt: source.pipe(retry_when(lambda errors: errors)))

    assert timeline.values == [1, 2, 3]
    assert timeline.completed


def _stack_depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_ten_thousand_synchronous_retries_do_not_grow_the_stack() -> None:
    # The notifier answers inside the source's on_error: a recursive implementation would
    # nest one subscribe per retry and hit the recursion limit long before 10,000.
    depths: dict[int, int] = {}
    attempts = 0

    def flaky(
        observer: abc.ObserverBase[str], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        nonlocal attempts
        attempts += 1
        if attempts in (10, 10_000):
            depths[attempts] = _stack_depth()
        if attempts <= 10_000:
            observer.on_error(BUSY)
        else:
            observer.on_next("ok")
            observer.on_completed()
        return Disposable()

    timeline = run_virtual(lambda vt: Observable(flaky).pipe(retry_when(lambda errors: errors)))

    assert timeline.values == ["ok"]
    assert attempts == 10_001
    assert depths[10] == depths[10_000]
    assert sys.getrecursionlimit() < 10_000


def test_dispose_ends_the_loop_and_the_notifier() -> None:
    timeline = run_virtual(
        lambda vt: vt.track(fail(BUSY, after=1)).pipe(
            retry_when(lambda errors: errors.pipe(ops.delay(1.0)))
        ),
        dispose_at=4.5,
    )

    assert timeline.subscribed_at == [0.0, 2.0, 4.0]
    assert [s.disposed for s in timeline.subscriptions] == [
        1.0,
        3.0,
        4.5,
    ]  # a failed attempt is released as it fails
    assert timeline.events == []


@pytest.mark.parametrize("signal_value", [None, 0, "again"])
def test_any_item_value_is_a_retry_signal(signal_value: object) -> None:
    source = scripted(fail(BUSY), succeed("ok"))
    timeline = run_virtual(
        lambda vt: source.pipe(
            retry_when(lambda errors: errors.pipe(ops.map(lambda _: signal_value)))
        )
    )
    assert timeline.values == ["ok"]


def test_operator_chains_keep_their_item_type() -> None:
    async def answer() -> int:
        return 42

    typed = from_coroutine(answer).pipe(
        timeout(1.0), retry_when(lambda errors: errors), retry_with_backoff(Backoff())
    )
    assert_type(typed, Observable[int])


class _Abort(BaseException):
    """Escapes RxPY's error routing (it only catches Exception), like KeyboardInterrupt."""


def test_an_exception_escaping_a_resubscription_does_not_wedge_the_loop() -> None:
    scheduler = TestScheduler()
    attempts = 0

    def source(
        observer: abc.ObserverBase[str], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        nonlocal attempts
        attempts += 1
        if attempts == 2:
            raise _Abort
        if attempts < 4:
            observer.on_error(BUSY)
        else:
            observer.on_next("ok")
        return Disposable()

    signals: Subject[None] = Subject()
    seen: list[str] = []
    Observable(source).pipe(retry_when(lambda _: signals)).subscribe(
        seen.append, scheduler=scheduler
    )
    with pytest.raises(_Abort):
        signals.on_next(None)
    signals.on_next(None)
    signals.on_next(None)

    assert attempts == 4
    assert seen == ["ok"]

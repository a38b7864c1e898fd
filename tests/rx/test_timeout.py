"""timeout: our typed, retryable error instead of RxPY's bare Exception, in virtual time."""

from __future__ import annotations

import reactivex
from reactivex import operators as ops

from rx_lpagent.errors import RequestTimeoutError
from rx_lpagent.rx import Backoff, retry_with_backoff, timeout
from rx_lpagent.testing import run_virtual, scripted, succeed


def test_silence_fails_with_a_request_timeout_error() -> None:
    timeline = run_virtual(lambda vt: reactivex.never().pipe(timeout(2.5)))

    assert timeline.times == [2.5]
    assert isinstance(timeline.error, RequestTimeoutError)
    assert timeline.error.timeout == 2.5
    assert timeline.error.retryable


def test_each_item_restarts_the_clock() -> None:
    ticks = reactivex.interval(1.0).pipe(ops.take(3))
    timeline = run_virtual(lambda vt: ticks.pipe(timeout(1.5)))
    assert timeline.values == [0, 1, 2]
    assert timeline.completed


def test_a_custom_error_factory_makes_a_fresh_error_per_timeout() -> None:
    made: list[Exception] = []

    def make() -> Exception:
        made.append(RequestTimeoutError("Request has timed out"))
        return made[-1]

    slow_then_fast = scripted(succeed("late", after=5.0), succeed("ok", after=0.5))
    timeline = run_virtual(
        lambda vt: vt.track(slow_then_fast).pipe(
            timeout(1.0, make), retry_with_backoff(Backoff(initial=2.0))
        )
    )

    assert timeline.subscribed_at == [0.0, 3.0]
    assert timeline.values == ["ok"]
    assert timeline.times == [3.5, 3.5]
    assert len(made) == 1

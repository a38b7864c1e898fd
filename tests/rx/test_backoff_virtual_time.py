"""retry_with_backoff in virtual time: the exact time of every attempt, and when it stops."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import accumulate

import pytest
from reactivex import Observable
from reactivex import operators as ops

from rx_lpagent.errors import (
    AuthenticationError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from rx_lpagent.rx import (
    RATE_LIMITED,
    RATE_LIMITED_LOGIN,
    REFRESH_SESSION,
    SERVER_ERROR,
    UNBOUNDED,
    Backoff,
    Jitter,
    RetriesExhaustedError,
    backoff,
    retry_when,
    retry_with_backoff,
)
from rx_lpagent.testing import Timeline, fail, run_virtual, scripted, succeed

BUSY = ServerError("busy", 503)


def _always_failing(policy: Backoff, error: Exception = BUSY) -> Timeline[object]:
    return run_virtual(lambda vt: vt.track(fail(error)).pipe(retry_with_backoff(policy)))


def _attempt_times(delays: list[float]) -> list[float]:
    """When each attempt starts: at 0, then after each delay (virtual time is microseconds)."""
    return [0.0, *accumulate(round(delay, 6) for delay in delays)]


@pytest.mark.parametrize(
    "policy",
    [REFRESH_SESSION, SERVER_ERROR, RATE_LIMITED, RATE_LIMITED_LOGIN],
    ids=["refresh", "5xx", "rate-limited", "rate-limited-login"],
)
def test_each_preset_retries_at_its_planned_times_then_gives_up(policy: Backoff) -> None:
    seeded = replace(policy, random=random.Random(11).random)
    planned = list(replace(policy, random=random.Random(11).random).delays())

    timeline = _always_failing(seeded)

    assert timeline.subscribed_at == pytest.approx(_attempt_times(planned), abs=1e-6)
    assert isinstance(timeline.error, RetriesExhaustedError)
    assert timeline.error.error is BUSY
    assert timeline.error.attempts == policy.max_attempts
    assert timeline.times == [timeline.subscribed_at[-1]]


def test_the_refresh_recipe_in_seconds() -> None:
    timeline = _always_failing(REFRESH_SESSION)
    assert timeline.subscribed_at[:6] == [0.0, 5.0, 11.25, 19.0625, 28.828125, 41.035156]
    assert len(timeline.subscribed_at) == 1 + 35


def test_the_5xx_policy_in_seconds() -> None:
    timeline = _always_failing(SERVER_ERROR)
    assert timeline.subscribed_at == [
        0.0, 5.0, 15.0, 30.0, 150.0, 390.0, 870.0, 1350.0, 1830.0, 2310.0, 2790.0
    ]  # fmt: skip


@pytest.mark.parametrize("jitter", list(Jitter))
def test_each_jitter_mode_with_a_seeded_source_lands_exactly(jitter: Jitter) -> None:
    def policy() -> Backoff:
        return Backoff(
            initial=0.5, ratio=2.0, max_delay=8.0, max_attempts=8, jitter=jitter,
            random=random.Random(2024).random,
        )  # fmt: skip

    timeline = _always_failing(policy())

    assert timeline.subscribed_at == pytest.approx(
        _attempt_times(list(policy().delays())), abs=1e-6
    )


def test_a_success_ends_the_retries() -> None:
    source = scripted(fail(BUSY), fail(BUSY), succeed("refreshed"), fail(BUSY))
    timeline = run_virtual(lambda vt: vt.track(source).pipe(retry_with_backoff(REFRESH_SESSION)))
    assert timeline.subscribed_at == [0.0, 5.0, 11.25]
    assert timeline.values == ["refreshed"]
    assert timeline.completed


def test_give_up_after_max_elapsed_before_a_retry_would_start_too_late() -> None:
    policy = Backoff(initial=1.0, ratio=2.0, max_attempts=UNBOUNDED, max_elapsed=10.0)

    timeline = _always_failing(policy)

    # the next retry would start at 7 + 8 = 15 s, past the 10 s budget
    assert timeline.subscribed_at == [0.0, 1.0, 3.0, 7.0]
    assert isinstance(timeline.error, RetriesExhaustedError)
    assert (timeline.error.attempts, timeline.error.elapsed) == (3, 7.0)
    assert timeline.error.code == 503
    assert timeline.times == [7.0]


def test_retry_after_is_honoured_and_never_shortened() -> None:
    source = scripted(
        fail(RateLimitedError("slow down", 429, retry_after=7.0)),
        fail(RateLimitedError("slow down", 429, retry_after=0.5)),
        fail(BUSY),
        succeed("ok"),
    )
    policy = Backoff(initial=1.0, ratio=2.0)

    timeline = run_virtual(lambda vt: vt.track(source).pipe(retry_with_backoff(policy)))

    # 7 s asked (> 1 s planned); 0.5 s asked (< 2 s planned): 2 s; then 4 s
    assert timeline.subscribed_at == [0.0, 7.0, 9.0, 13.0]


def test_the_rate_limited_floor_holds_against_unlucky_jitter() -> None:
    policy = Backoff(
        initial=1.0, min_delay=5.0, jitter=Jitter.FULL, random=lambda: 0.0, max_attempts=3
    )
    timeline = _always_failing(policy, RateLimitedError("slow down", 429))
    assert timeline.subscribed_at == [0.0, 5.0, 10.0, 15.0]


def test_the_attempt_budget_resets_after_a_healthy_window() -> None:
    source = scripted(fail(BUSY), fail(BUSY), fail(BUSY, after=20.0), fail(BUSY))
    resetting = Backoff(initial=1.0, ratio=2.0, max_attempts=3, reset_after=10.0)
    never_resetting = Backoff(initial=1.0, ratio=2.0, max_attempts=3)

    reset = run_virtual(lambda vt: vt.track(source).pipe(retry_with_backoff(resetting)))
    source = scripted(fail(BUSY), fail(BUSY), fail(BUSY, after=20.0), fail(BUSY))
    kept = run_virtual(lambda vt: vt.track(source).pipe(retry_with_backoff(never_resetting)))

    # healthy from 3 s to 23 s (>= 10 s): the failure at 23 s starts over at 1 s, 2 s, 4 s
    assert reset.subscribed_at == [0.0, 1.0, 3.0, 24.0, 26.0, 30.0]
    assert reset.times == [30.0]
    # without reset the budget is spent: one retry left, with the third delay
    assert kept.subscribed_at == [0.0, 1.0, 3.0, 27.0]
    assert kept.times == [27.0]


def test_dispose_cancels_a_pending_retry() -> None:
    retries: list[int] = []
    policy = Backoff(initial=5.0, on_retry=lambda attempt, delay, error: retries.append(attempt))

    timeline = run_virtual(
        lambda vt: vt.track(fail(BUSY, after=1.0)).pipe(retry_with_backoff(policy)),
        dispose_at=3.0,
    )

    assert timeline.subscribed_at == [0.0]
    assert retries == [1]
    assert timeline.events == []


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("bad password", 401),
        ValueError("a bug"),
        ServerError("no", 501, retryable=False),
    ],
)
def test_errors_that_must_not_be_retried_pass_through_at_once(error: Exception) -> None:
    timeline = run_virtual(
        lambda vt: vt.track(fail(error, after=2.0)).pipe(retry_with_backoff(Backoff()))
    )
    assert timeline.subscribed_at == [0.0]
    assert timeline.error is error
    assert timeline.times == [2.0]


def test_a_custom_classifier_decides_what_is_retried() -> None:
    only_transport = Backoff(initial=1.0, should_retry=lambda e: isinstance(e, TransportError))
    source = scripted(fail(TransportError("reset")), fail(BUSY))

    timeline = run_virtual(lambda vt: vt.track(source).pipe(retry_with_backoff(only_transport)))

    assert timeline.subscribed_at == [0.0, 1.0]
    assert timeline.error is BUSY


def test_on_retry_reports_attempt_delay_and_error() -> None:
    calls: list[tuple[int, float, Exception]] = []
    policy = Backoff(
        initial=1.0, ratio=3.0, max_attempts=2, on_retry=lambda *call: calls.append(call)
    )

    _always_failing(policy)

    assert calls == [(1, 1.0, BUSY), (2, 3.0, BUSY)]


def test_a_raising_hook_fails_the_pipeline_instead_of_being_lost() -> None:
    def broken(attempt: int, delay: float, error: Exception) -> None:
        raise RuntimeError("metrics down")

    timeline = _always_failing(Backoff(on_retry=broken))

    assert isinstance(timeline.error, RuntimeError)
    assert timeline.subscribed_at == [0.0]


def test_each_subscription_starts_a_fresh_budget() -> None:
    policy = Backoff(initial=1.0, ratio=2.0, max_attempts=2)
    retried: Observable[object] = fail(BUSY).pipe(retry_with_backoff(policy))

    first = run_virtual(lambda vt: retried)
    second = run_virtual(lambda vt: retried)

    assert first.times == second.times == [3.0]


def test_backoff_is_a_notifier_for_retry_when_and_emits_attempt_numbers() -> None:
    notified: list[int] = []
    policy = Backoff(initial=1.0, ratio=1.0, max_attempts=3)

    def notifier(errors: Observable[Exception]) -> Observable[int]:
        return errors.pipe(backoff(policy), ops.do_action(notified.append))

    timeline = run_virtual(lambda vt: vt.track(fail(BUSY)).pipe(retry_when(notifier)))

    assert notified == [1, 2, 3]
    assert timeline.subscribed_at == [0.0, 1.0, 2.0, 3.0]


def test_a_raising_classifier_fails_the_pipeline_with_its_error() -> None:
    def broken(error: BaseException) -> bool:
        raise RuntimeError("classifier bug")

    timeline = _always_failing(Backoff(should_retry=broken))

    assert isinstance(timeline.error, RuntimeError)
    assert timeline.subscribed_at == [0.0]


def test_a_policy_per_error_keeps_429s_and_5xx_apart() -> None:
    slow_down = RateLimitedError("slow down", 429)
    source = scripted(fail(BUSY), fail(slow_down), fail(BUSY), fail(AuthenticationError("no", 401)))
    server = Backoff(steps=(5.0, 10.0))
    limited = Backoff(initial=1.0, min_delay=1.0)

    def choose(error: Exception) -> Backoff | None:
        if isinstance(error, RateLimitedError):
            return limited
        return server if isinstance(error, ServerError) else None

    timeline = run_virtual(lambda vt: vt.track(source).pipe(retry_with_backoff(choose)))

    # 5xx: 5 s (its 1st); 429: 1 s (its 1st); 5xx: 10 s (its 2nd); 401: not retried
    assert timeline.subscribed_at == [0.0, 5.0, 6.0, 16.0]
    assert isinstance(timeline.error, AuthenticationError)

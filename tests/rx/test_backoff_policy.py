"""Backoff as a value: its delays per jitter mode, its validation, its presets."""

from __future__ import annotations

import random
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rx_lpagent.errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimitedError,
    ServerError,
)
from rx_lpagent.rx import (
    RATE_LIMITED,
    RATE_LIMITED_LOGIN,
    REFRESH_SESSION,
    SERVER_ERROR,
    UNBOUNDED,
    Backoff,
    Jitter,
    is_retryable,
)


def test_exponential_delays_grow_by_the_ratio_up_to_the_cap() -> None:
    policy = Backoff(initial=1.0, ratio=2.0, max_delay=10.0, max_attempts=6)
    assert list(policy.delays()) == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_steps_come_first_then_the_exponential_part() -> None:
    policy = Backoff(steps=(5.0, 10.0, 15.0), initial=120.0, ratio=2.0, max_delay=480.0)
    assert list(policy.delays())[:7] == [5.0, 10.0, 15.0, 120.0, 240.0, 480.0, 480.0]


def _uniforms(seed: int, count: int) -> list[float]:
    source = random.Random(seed)
    return [source.random() for _ in range(count)]


def test_full_jitter_scales_each_delay_by_a_random_fraction() -> None:
    r = _uniforms(7, 4)
    policy = Backoff(jitter=Jitter.FULL, random=random.Random(7).random, max_attempts=4)
    assert list(policy.delays()) == [1.0 * r[0], 2.0 * r[1], 4.0 * r[2], 8.0 * r[3]]


def test_equal_jitter_keeps_at_least_half_of_each_delay() -> None:
    r = _uniforms(7, 3)
    policy = Backoff(jitter=Jitter.EQUAL, random=random.Random(7).random, max_attempts=3)
    assert list(policy.delays()) == [0.5 + 0.5 * r[0], 1.0 + 1.0 * r[1], 2.0 + 2.0 * r[2]]


def test_decorrelated_jitter_draws_each_delay_from_the_previous_one() -> None:
    r = _uniforms(7, 3)
    policy = Backoff(
        initial=1.0, max_delay=5.0, jitter=Jitter.DECORRELATED, random=random.Random(7).random
    )
    first = 1.0 + r[0] * (3 * 1.0 - 1.0)
    second = 1.0 + r[1] * (3 * first - 1.0)
    third = min(5.0, 1.0 + r[2] * (3 * second - 1.0))
    assert list(islice(policy.delays(), 3)) == [first, second, third]


@given(
    seed=st.integers(0, 2**32),
    jitter=st.sampled_from(list(Jitter)),
    initial=st.floats(0.0, 10.0),
    ratio=st.floats(1.0, 4.0),
    max_delay=st.floats(0.0, 100.0),
    min_delay=st.floats(0.0, 5.0),
    attempts=st.integers(0, 50),
)
def test_every_delay_lies_between_the_floor_and_the_cap(
    *,
    seed: int,
    jitter: Jitter,
    initial: float,
    ratio: float,
    max_delay: float,
    min_delay: float,
    attempts: int,
) -> None:
    policy = Backoff(
        initial=initial,
        ratio=ratio,
        max_delay=max_delay,
        min_delay=min_delay,
        jitter=jitter,
        random=random.Random(seed).random,
        max_attempts=attempts,
    )
    delays = list(policy.delays())
    assert len(delays) == attempts
    assert all(min_delay <= delay <= max(max_delay, min_delay) for delay in delays)


def test_thousands_of_attempts_do_not_overflow() -> None:
    policy = Backoff(initial=1.0, ratio=10.0, max_delay=30.0, max_attempts=5_000)
    assert list(policy.delays())[-1] == 30.0


def test_the_policy_is_a_hashable_value_and_each_start_is_fresh() -> None:
    policy = Backoff(initial=2.0)
    assert policy == Backoff(initial=2.0)
    assert hash(policy) == hash(Backoff(initial=2.0))
    first, second = policy.start(), policy.start()
    assert first.failed(ServerError("busy", 503), 0.0) == (1, 2.0)
    assert second.failed(ServerError("busy", 503), 0.0) == (1, 2.0)
    with pytest.raises(AttributeError):
        policy.initial = 3.0  # type: ignore[misc]


def test_finite_by_default_unbounded_only_when_asked() -> None:
    assert Backoff().bounded
    assert Backoff(max_attempts=UNBOUNDED, max_elapsed=60.0).bounded
    forever = Backoff(max_attempts=UNBOUNDED)
    assert not forever.bounded
    assert len(list(islice(forever.delays(), 1000))) == 1000


@pytest.mark.parametrize(
    "settings",
    [
        {"initial": -1.0},
        {"ratio": 0.5},
        {"max_delay": float("inf")},
        {"max_attempts": -1},
        {"max_attempts": None},
        {"max_elapsed": -1.0},
        {"reset_after": float("nan")},
        {"reset_after": 0.0},
        {"steps": (1.0, -2.0)},
        {"steps": (1.0,), "jitter": Jitter.DECORRELATED},
    ],
)
def test_nonsense_settings_are_configuration_errors(settings: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        Backoff(**settings)  # type: ignore[arg-type]


def test_the_default_classifier_reads_retryable() -> None:
    assert is_retryable(ServerError("busy", 503))
    assert is_retryable(RateLimitedError("slow down", 429))
    assert not is_retryable(AuthenticationError("who are you", 401))
    assert not is_retryable(ValueError("not ours"))


def test_the_refresh_recipe_is_5_s_times_1_25_for_35_attempts() -> None:
    delays = list(REFRESH_SESSION.delays())
    assert len(delays) == 35
    assert delays[:4] == [5.0, 6.25, 7.8125, 9.765625]
    assert delays[-1] == pytest.approx(5.0 * 1.25**34)


def test_the_5xx_policy_waits_5_10_15_s_then_long_intervals_and_stops() -> None:
    delays = list(SERVER_ERROR.delays())
    assert delays[:3] == [5.0, 10.0, 15.0]
    assert all(delay >= 120.0 for delay in delays[3:])
    assert SERVER_ERROR.bounded
    assert len(delays) == SERVER_ERROR.max_attempts


@pytest.mark.parametrize(("policy", "floor"), [(RATE_LIMITED, 1.0), (RATE_LIMITED_LOGIN, 5.0)])
def test_rate_limited_policies_never_wait_less_than_their_floor(
    policy: Backoff, floor: float
) -> None:
    unlucky = Backoff(
        initial=policy.initial,
        ratio=policy.ratio,
        max_delay=policy.max_delay,
        min_delay=policy.min_delay,
        jitter=Jitter.FULL,
        random=lambda: 0.0,
    )
    assert policy.min_delay == floor
    assert min(unlucky.delays()) == floor
    assert min(policy.delays()) >= floor

"""``Backoff``: a retry policy as an immutable value, and the per-subscription state it starts."""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from rx_lpagent.errors import ConfigurationError
from rx_lpagent.rx._errors import RetriesExhaustedError


class Jitter(StrEnum):
    """How a delay is randomised (``r`` is the random source's next value in ``[0, 1)``).

    * ``NONE``: the computed delay, exactly.
    * ``FULL``: ``delay * r``, anywhere between 0 and the delay.
    * ``EQUAL``: ``delay / 2 + delay / 2 * r``, at least half the delay.
    * ``DECORRELATED``: ``min(max_delay, initial + r * (3 * previous - initial))``, each
      delay drawn from the previous one (``previous`` starts at ``initial``; ``ratio`` and
      ``steps`` do not apply).
    """

    NONE = "none"
    FULL = "full"
    EQUAL = "equal"
    DECORRELATED = "decorrelated"


class _Unbounded(Enum):
    UNBOUNDED = "unbounded"

    def __repr__(self) -> str:
        return "UNBOUNDED"


UNBOUNDED = _Unbounded.UNBOUNDED
"""``Backoff(max_attempts=UNBOUNDED)``: retry without an attempt limit (it must be asked for)."""

OnRetry = Callable[[int, float, Exception], None]
"""Called as ``on_retry(attempt, delay, error)`` when a retry is scheduled."""


def is_retryable(error: BaseException) -> bool:
    """The default classifier: the error's ``retryable`` attribute (``False`` when absent)."""
    return getattr(error, "retryable", False) is True


def _no_hook(attempt: int, delay: float, error: Exception) -> None:
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """An exponential backoff policy: when to retry, how long to wait, when to give up.

    Attempt ``n`` (1 for the first retry) waits ``steps[n - 1]`` while there are steps, then
    ``initial * ratio ** k`` (``k`` counting from 0 after the steps), capped at ``max_delay``;
    then ``jitter`` applies, then the ``min_delay`` floor, then an error's ``retry_after``
    (the wait is never shorter than it). Delays are seconds.

    ``max_attempts`` counts retries, not the first try; the policy is finite by default and
    an unbounded one needs ``max_attempts=UNBOUNDED``. ``max_elapsed`` bounds the time from
    a failure streak's first error to the start of its last retry: a retry that would start
    later is not made. ``reset_after``: when the source ran that long without failing, its
    next error starts a fresh streak (attempt 1, first delay, new elapsed clock).

    ``should_retry(error)`` decides what is retried at all (default: the error's
    ``retryable``); other errors pass through unchanged. ``random`` is the jitter's source,
    for instance ``random.Random(7).random`` to replay a run. ``on_retry(attempt, delay,
    error)`` is called as each retry is scheduled, for logs and metrics.
    """

    initial: float = 1.0
    ratio: float = 2.0
    max_delay: float = 60.0
    max_attempts: int | _Unbounded = 10
    max_elapsed: float | None = None
    steps: tuple[float, ...] = ()
    min_delay: float = 0.0
    jitter: Jitter = Jitter.NONE
    random: Callable[[], float] = field(default=_random.random, compare=False)
    should_retry: Callable[[BaseException], bool] = field(default=is_retryable, compare=False)
    reset_after: float | None = None
    on_retry: OnRetry = field(default=_no_hook, compare=False)

    def __post_init__(self) -> None:
        numbers = {
            "initial": self.initial,
            "max_delay": self.max_delay,
            "min_delay": self.min_delay,
            **{f"steps[{i}]": step for i, step in enumerate(self.steps)},
        }
        for name, value in numbers.items():
            if not (math.isfinite(value) and value >= 0):
                raise ConfigurationError(f"Backoff.{name} must be a finite number >= 0")
        if not (math.isfinite(self.ratio) and self.ratio >= 1):
            raise ConfigurationError("Backoff.ratio must be a finite number >= 1")
        if self.max_attempts is not UNBOUNDED and (
            not isinstance(self.max_attempts, int) or self.max_attempts < 0
        ):
            raise ConfigurationError("Backoff.max_attempts must be an int >= 0 or UNBOUNDED")
        if self.max_elapsed is not None and not self.max_elapsed >= 0:
            raise ConfigurationError("Backoff.max_elapsed must be >= 0 or None")
        # a zero window would reset on every failure: an unbounded policy in disguise
        if self.reset_after is not None and not self.reset_after > 0:
            raise ConfigurationError("Backoff.reset_after must be > 0 or None")
        if self.jitter is Jitter.DECORRELATED and self.steps:
            raise ConfigurationError("Backoff.steps do not apply to decorrelated jitter")

    @property
    def bounded(self) -> bool:
        """Whether the policy gives up at some point (an attempt or time limit)."""
        return self.max_attempts is not UNBOUNDED or self.max_elapsed is not None

    def start(self, now: float = 0.0) -> BackoffState:
        """A fresh state for one subscription whose first attempt starts at ``now``."""
        return BackoffState(self, now)

    def delays(self) -> Iterator[float]:
        """The planned waits, attempt after attempt (no Retry-After, no elapsed limit)."""
        state = BackoffState(self, 0.0)
        while self.max_attempts is UNBOUNDED or state.attempts < self.max_attempts:
            state.attempts += 1
            yield state.next_delay()


class BackoffState:
    """The mutable side of a :class:`Backoff`: one per subscription, driven by its clock."""

    __slots__ = ("_base", "_policy", "_previous", "_started", "_streak_start", "attempts")

    def __init__(self, policy: Backoff, now: float) -> None:
        self._policy = policy
        self._started = now
        self._streak_start: float | None = None
        self.attempts = 0
        self._base = policy.initial
        self._previous = policy.initial

    def started(self, now: float) -> None:
        """An attempt (a resubscription) started at ``now``."""
        self._started = now

    def failed(self, error: Exception, now: float) -> tuple[int, float] | Exception:
        """``(attempt, delay)`` of the retry to make after ``error``, or the error to end with."""
        policy = self._policy
        if not policy.should_retry(error):
            return error
        if policy.reset_after is not None and now - self._started >= policy.reset_after:
            self._reset()
        if self._streak_start is None:
            self._streak_start = now
        elapsed = now - self._streak_start
        if policy.max_attempts is not UNBOUNDED and self.attempts >= policy.max_attempts:
            return RetriesExhaustedError(error, self.attempts, elapsed)
        self.attempts += 1
        delay = self.next_delay()
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > delay:
            delay = float(retry_after)
        if policy.max_elapsed is not None and elapsed + delay > policy.max_elapsed:
            self.attempts -= 1
            return RetriesExhaustedError(error, self.attempts, elapsed)
        return self.attempts, delay

    def next_delay(self) -> float:
        """The wait before attempt ``self.attempts`` (jittered, floored; no Retry-After)."""
        policy = self._policy
        jitter = policy.jitter
        if jitter is Jitter.DECORRELATED:
            upper = 3 * self._previous
            delay = min(
                policy.max_delay, policy.initial + policy.random() * (upper - policy.initial)
            )
            self._previous = delay
        else:
            if self.attempts <= len(policy.steps):
                base = policy.steps[self.attempts - 1]
            else:
                base = min(self._base, policy.max_delay)
                # grown step by step, so that thousands of attempts never overflow a float
                self._base = min(self._base * policy.ratio, policy.max_delay)
            if jitter is Jitter.FULL:
                delay = base * policy.random()
            elif jitter is Jitter.EQUAL:
                delay = base / 2 + base / 2 * policy.random()
            else:
                delay = base
        return max(delay, policy.min_delay)

    def _reset(self) -> None:
        self._streak_start = None
        self.attempts = 0
        self._base = self._policy.initial
        self._previous = self._policy.initial

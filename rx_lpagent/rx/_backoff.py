"""``backoff``: the retry notifier that waits as a :class:`Backoff` policy says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import CompositeDisposable, Disposable, SerialDisposable

from rx_lpagent.rx._policy import Backoff, BackoffState
from rx_lpagent.rx._retry_when import retry_when
from rx_lpagent.rx._scheduling import NoSchedulerError, seconds_now, timed_scheduler

_T = TypeVar("_T")

PolicyChooser = Callable[[Exception], Backoff | None]
"""Picks the policy for an error, or ``None`` for an error that must not be retried."""


def backoff(
    policy: Backoff, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[Exception]], Observable[int]]:
    """Turn a stream of errors into retry signals timed by ``policy``: a notifier for
    :func:`retry_when`.

    Each error is classified, counted and answered, after the policy's delay, with the
    attempt number (1, 2, ...). An error the policy does not retry ends the output with that
    error; a spent budget ends it with :class:`RetriesExhaustedError`. Every subscription
    starts from a fresh policy state. Waits run on ``scheduler`` if given, else on the one
    given at subscribe time, else on the running asyncio loop; with none of them the retry
    fails with :class:`NoSchedulerError` at the first error.
    """
    return backoff_per_error(lambda _: policy, scheduler)


def backoff_per_error(
    choose: PolicyChooser, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[Exception]], Observable[int]]:
    """Like :func:`backoff`, with the policy picked per error by ``choose(error)``.

    For instance 429s on :data:`RATE_LIMITED` and 5xx on :data:`SERVER_ERROR` in one
    pipeline. Each policy keeps its own state (attempts, delays, elapsed time) for the
    subscription; the attempt numbers emitted are that policy's. ``choose`` returning
    ``None`` ends the output with the error, unwrapped.
    """

    def operator(failures: Observable[Exception]) -> Observable[int]:
        def subscribe(
            observer: abc.ObserverBase[int], scheduler_: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            try:
                clock = timed_scheduler(scheduler, scheduler_, "backoff")
            except NoSchedulerError as error:
                observer.on_error(error)
                return Disposable()
            subscribed = seconds_now(clock)
            states: dict[int, tuple[Backoff, BackoffState]] = {}
            pending_retry = SerialDisposable()

            def decide(error: Exception) -> tuple[int, float] | Exception:
                policy = choose(error)
                if policy is None:
                    return error
                # keyed by identity: equal policies with different hooks must not share state
                entry = states.get(id(policy))
                if entry is None:
                    entry = states[id(policy)] = (policy, policy.start(subscribed))
                decision = entry[1].failed(error, seconds_now(clock))
                if not isinstance(decision, Exception):
                    policy.on_retry(*decision, error)
                return decision

            def on_failure(error: Exception) -> None:
                decision: tuple[int, float] | Exception
                try:  # choose, should_retry and on_retry are user code: errors end retrying
                    decision = decide(error)
                except Exception as user_error:
                    decision = user_error
                if isinstance(decision, Exception):
                    observer.on_error(decision)
                    return
                attempt, delay = decision

                def fire(_: abc.SchedulerBase, __: Any = None) -> None:
                    now = seconds_now(clock)
                    for _policy, state in states.values():
                        state.started(now)
                    observer.on_next(attempt)

                pending_retry.disposable = clock.schedule_relative(delay, fire)

            subscription = failures.subscribe(
                on_failure, observer.on_error, observer.on_completed, scheduler=scheduler_
            )
            return CompositeDisposable(subscription, pending_retry)

        return Observable(subscribe)

    return operator


def retry_with_backoff(
    policy: Backoff | PolicyChooser, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[_T]], Observable[_T]]:
    """Retry the source as ``policy`` says: ``retry_when(backoff(policy, scheduler))``.

    ``policy`` may also be a :data:`PolicyChooser` (see :func:`backoff_per_error`).
    """
    if isinstance(policy, Backoff):
        return retry_when(backoff(policy, scheduler))
    return retry_when(backoff_per_error(policy, scheduler))

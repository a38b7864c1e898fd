"""``backoff``: the retry notifier that waits as a :class:`Backoff` policy says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import CompositeDisposable, SerialDisposable

from rx_lpagent.rx._policy import Backoff
from rx_lpagent.rx._retry_when import retry_when
from rx_lpagent.rx._scheduling import seconds_now, timed_scheduler

_T = TypeVar("_T")


def backoff(
    policy: Backoff, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[Exception]], Observable[int]]:
    """Turn a stream of errors into retry signals timed by ``policy``: a notifier for
    :func:`retry_when`.

    Each error is classified, counted and answered, after the policy's delay, with the
    attempt number (1, 2, ...). An error the policy does not retry ends the output with that
    error; a spent budget ends it with :class:`RetriesExhaustedError`. Every subscription
    starts from a fresh policy state. Waits run on ``scheduler`` if given, else on the one
    given at subscribe time, else on the running asyncio loop.
    """

    def operator(failures: Observable[Exception]) -> Observable[int]:
        def subscribe(
            observer: abc.ObserverBase[int], scheduler_: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            clock = timed_scheduler(scheduler, scheduler_)
            state = policy.start(seconds_now(clock))
            pending_retry = SerialDisposable()

            def on_failure(error: Exception) -> None:
                decision: tuple[int, float] | Exception
                try:  # should_retry and on_retry are user code: their errors end the retries
                    decision = state.failed(error, seconds_now(clock))
                    if not isinstance(decision, Exception):
                        policy.on_retry(*decision, error)
                except Exception as user_error:
                    decision = user_error
                if isinstance(decision, Exception):
                    observer.on_error(decision)
                    return
                attempt, delay = decision

                def fire(_: abc.SchedulerBase, __: Any = None) -> None:
                    state.started(seconds_now(clock))
                    observer.on_next(attempt)

                pending_retry.disposable = clock.schedule_relative(delay, fire)

            subscription = failures.subscribe(
                on_failure, observer.on_error, observer.on_completed, scheduler=scheduler_
            )
            return CompositeDisposable(subscription, pending_retry)

        return Observable(subscribe)

    return operator


def retry_with_backoff(
    policy: Backoff, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[_T]], Observable[_T]]:
    """Retry the source as ``policy`` says: ``retry_when(backoff(policy, scheduler))``."""
    return retry_when(backoff(policy, scheduler))

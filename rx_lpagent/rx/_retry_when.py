"""``retry_when``: resubscribe a failed source when a notifier says so, without recursion."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import (
    CompositeDisposable,
    Disposable,
    SerialDisposable,
    SingleAssignmentDisposable,
)
from reactivex.subject import Subject

_T = TypeVar("_T")

Notifier = Callable[[Observable[Exception]], Observable[Any]]
"""Turns the stream of a subscription's errors into its stream of retry signals."""


def retry_when(notifier: Notifier) -> Callable[[Observable[_T]], Observable[_T]]:
    """Resubscribe the source each time ``notifier``'s output emits; end as that output ends.

    For every subscription, ``notifier`` is called once with an observable of the source's
    errors (one item per failure) and returns the signal observable. An item of it
    resubscribes the source, its completion completes the result, and its error fails the
    result with that error (the classic Rx ``retryWhen``). The source's items and completion
    pass through unchanged.

    Resubscription runs in a drain loop rather than by recursion: however many retries
    happen, and even when the notifier answers synchronously inside the source's
    ``on_error``, stack depth and memory stay constant and disposing is a single step.
    Timing belongs to the notifier (see :func:`backoff`), which receives the scheduler given at
    subscribe time.
    """

    def operator(source: Observable[_T]) -> Observable[_T]:
        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            failures: Subject[Exception] = Subject()
            try:
                signals = notifier(failures)
            except Exception as error:
                observer.on_error(error)
                return Disposable()
            run = _RetryLoop(source, observer, failures, scheduler)
            run.signals.disposable = signals.subscribe(
                run.on_signal, run.on_signal_error, run.on_signal_completed, scheduler=scheduler
            )
            run.resubscribe()
            return Disposable(run.dispose)

        return Observable(subscribe)

    return operator


class _RetryLoop(Generic[_T]):
    """One subscription of ``retry_when``: the current attempt and the drain loop."""

    def __init__(
        self,
        source: Observable[_T],
        observer: abc.ObserverBase[_T],
        failures: Subject[Exception],
        scheduler: abc.SchedulerBase | None,
    ) -> None:
        self.source = source
        self.observer = observer
        self.failures = failures
        self.scheduler = scheduler
        self.current = SerialDisposable()
        self.signals = SingleAssignmentDisposable()
        self._subscriptions = CompositeDisposable(self.current, self.signals)
        self._lock = threading.Lock()
        self._pending = 0  # resubscriptions asked for and not yet made by the drain loop
        self.finished = False

    def resubscribe(self) -> None:
        with self._lock:
            self._pending += 1
            if self._pending > 1:
                return  # the loop below is running further up this stack and will do it
        try:
            while not self.finished:
                attempt = SingleAssignmentDisposable()
                self.current.disposable = attempt  # releases the failed attempt
                attempt.disposable = self.source.subscribe(
                    self.observer.on_next,
                    self.on_source_error,
                    self.on_source_completed,
                    scheduler=self.scheduler,
                )
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        return
        except BaseException:
            # a subscriber's exception unwinds through here: leave the loop restartable
            with self._lock:
                self._pending = 0
            raise

    def on_source_error(self, error: Exception) -> None:
        if not self.finished:
            self.failures.on_next(error)

    def on_source_completed(self) -> None:
        if self._finish():
            self.observer.on_completed()

    def on_signal(self, _: Any) -> None:
        if not self.finished:
            self.resubscribe()

    def on_signal_error(self, error: Exception) -> None:
        if self._finish():
            self.current.dispose()
            self.observer.on_error(error)

    def on_signal_completed(self) -> None:
        if self._finish():
            self.current.dispose()
            self.observer.on_completed()

    def dispose(self) -> None:
        self.finished = True
        self._subscriptions.dispose()

    def _finish(self) -> bool:
        with self._lock:
            was_finished, self.finished = self.finished, True
        return not was_finished

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

    RxJS's ``retryWhen``, step for step. The source is subscribed at once and mirrored: its
    items and completion pass through unchanged. At its first error, and only then,
    ``notifier`` is called, once per subscription of the result, with an observable of the
    source's errors; its output is subscribed, and that first error is the errors'
    observable's first item. From then on an item of the output resubscribes the source
    whenever it comes, its completion completes the result, and its error (or an exception
    raised by ``notifier`` itself) fails the result. A source that never fails never calls
    ``notifier``. One attempt runs at a time: an item that comes while an attempt is still
    running replaces it (RxJS would keep both). Ending or disposing the result disposes the
    running attempt and the notifier's output together.

    Resubscription runs in a drain loop rather than by recursion: however many retries
    happen, and even when the notifier answers synchronously inside the source's
    ``on_error``, stack depth and memory stay constant, a failed attempt is disposed before
    the next one is subscribed, and disposing is a single step. Timing belongs to the notifier
    (see :func:`backoff`), whose output is subscribed with the scheduler given at subscribe
    time.
    """

    def operator(source: Observable[_T]) -> Observable[_T]:
        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            run = _RetryLoop(source, notifier, observer, scheduler)
            run.resubscribe()
            return Disposable(run.dispose)

        return Observable(subscribe)

    return operator


class _RetryLoop(Generic[_T]):
    """One subscription of ``retry_when``: the current attempt, the notifier, the drain loop."""

    def __init__(
        self,
        source: Observable[_T],
        notifier: Notifier,
        observer: abc.ObserverBase[_T],
        scheduler: abc.SchedulerBase | None,
    ) -> None:
        self.source = source
        self.notifier = notifier
        self.observer = observer
        self.scheduler = scheduler
        self.failures: Subject[Exception] | None = None  # made at the first error
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
        if self.finished:
            return
        failures = self.failures
        if failures is None:
            failures = self.failures = Subject()
            try:
                signals = self.notifier(failures)
            except Exception as notifier_error:
                self.on_signal_error(notifier_error)
                return
            # subscribed before the first error is pushed, so that the notifier sees it
            self.signals.disposable = signals.subscribe(
                self.on_signal,
                self.on_signal_error,
                self.on_signal_completed,
                scheduler=self.scheduler,
            )
        if not self.finished:
            failures.on_next(error)

    def on_source_completed(self) -> None:
        if self._finish():
            self._end(self.observer.on_completed)

    def on_signal(self, _: Any) -> None:
        if not self.finished:
            self.resubscribe()

    def on_signal_error(self, error: Exception) -> None:
        if self._finish():
            self._end(lambda: self.observer.on_error(error))

    def on_signal_completed(self) -> None:
        if self._finish():
            self._end(self.observer.on_completed)

    def dispose(self) -> None:
        self.finished = True
        self._subscriptions.dispose()

    def _end(self, notify: Callable[[], None]) -> None:
        # as in RxJS, the subscriber hears the end before the attempt and notifier are disposed
        try:
            notify()
        finally:
            self._subscriptions.dispose()

    def _finish(self) -> bool:
        with self._lock:
            was_finished, self.finished = self.finished, True
        return not was_finished

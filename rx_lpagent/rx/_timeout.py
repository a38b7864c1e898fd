"""``timeout``: fail with our typed timeout error when the source goes quiet too long."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable

from rx_lpagent.errors import RequestTimeoutError
from rx_lpagent.rx._scheduling import NoSchedulerError, timed_scheduler

_T = TypeVar("_T")


def timeout(
    seconds: float,
    error: Callable[[], Exception] | None = None,
    scheduler: abc.SchedulerBase | None = None,
) -> Callable[[Observable[_T]], Observable[_T]]:
    """Fail when no item arrives within ``seconds`` of subscribing or of the previous item.

    The failure is ``error()`` if given, else a :class:`~rx_lpagent.errors.RequestTimeoutError`
    with ``timeout=seconds`` (retryable, unlike RxPY's bare ``Exception``). A fresh error is
    made for each timeout. The clock is ``scheduler``, else the one given at subscribe time,
    else the running asyncio loop; with none of them it fails with
    :class:`~rx_lpagent.rx.NoSchedulerError`.
    """

    def make_error() -> Exception:
        if error is not None:
            return error()
        return RequestTimeoutError(f"timed out after {seconds:g} s", service=None, timeout=seconds)

    def fail(
        observer: abc.ObserverBase[_T], _: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        observer.on_error(make_error())
        return Disposable()

    def operator(source: Observable[_T]) -> Observable[_T]:
        def subscribe(
            observer: abc.ObserverBase[_T], scheduler_: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            try:
                clock = timed_scheduler(scheduler, scheduler_, "timeout")
            except NoSchedulerError as missing:
                observer.on_error(missing)
                return Disposable()
            timed = source.pipe(ops.timeout(seconds, Observable(fail), scheduler=clock))
            return timed.subscribe(observer, scheduler=scheduler_)

        return Observable(subscribe)

    return operator

"""One helper through which every flow step reports its outcome on the events bus."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import reactivex
from reactivex import abc

from rx_lpagent.errors import SDKError
from rx_lpagent.events import AgentEvent, Context, ErrorEvent, SuccessEvent

__all__ = ["as_sdk_error", "reported"]

_T = TypeVar("_T")


def as_sdk_error(error: Exception, service: str | None) -> SDKError:
    """``error`` itself when it is an SDKError, else wrapped in one (never loses the original)."""
    if isinstance(error, SDKError):
        return error
    return SDKError(f"unexpected {type(error).__name__}", None, service, error)


def reported(
    emit: Callable[[AgentEvent], None],
    location: str,
    service: str | None = None,
    *,
    silent: Callable[[SDKError], bool] | None = None,
) -> Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]]:
    """Report the step's first value as a success and its error as an error, at ``location``.

    Errors go on downstream as :class:`SDKError` so that recovery can classify them; those for
    which ``silent`` is true go on unreported (a refresh 401 is handled by a relogin instead).
    """
    context = Context(location)

    def operator(source: reactivex.Observable[_T]) -> reactivex.Observable[_T]:
        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            succeeded = False

            def on_next(value: _T) -> None:
                nonlocal succeeded
                if not succeeded:
                    succeeded = True
                    emit(SuccessEvent(context))
                observer.on_next(value)

            def on_error(error: Exception) -> None:
                sdk_error = as_sdk_error(error, service)
                if silent is None or not silent(sdk_error):
                    emit(ErrorEvent(sdk_error, context))
                observer.on_error(sdk_error)

            return source.subscribe(on_next, on_error, observer.on_completed, scheduler=scheduler)

        return reactivex.create(subscribe)

    return operator

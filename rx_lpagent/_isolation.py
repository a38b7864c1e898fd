"""Calling user code without letting it stop the agent.

Every place the agent hands something to code it does not own (subscribers of its streams,
observers of requests and flows) goes through here: a callback that raises is reported to an
``on_raise`` function and nothing else happens, so the agent's own bookkeeping after the call
(failing the next request, recovering a dropped socket, disposing) always runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import reactivex
from reactivex import abc

__all__ = ["IsolatedObserver", "OnRaise", "guarded", "isolated", "log_raise"]

_T = TypeVar("_T")

OnRaise = Callable[[str, Exception], None]
"""``on_raise(where, error)``: a callback of ``where`` (a stream or an observer) raised."""

_log = logging.getLogger("rx_lpagent.callbacks")


def log_raise(where: str, error: Exception) -> None:
    """The default report: a log record with the traceback (the caller's bug, theirs to fix)."""
    _log.error(
        "a callback of %s raised %s; the agent goes on",
        where,
        type(error).__name__,
        exc_info=error,
    )


def guarded(on_raise: OnRaise, where: str, callback: Callable[..., Any], *args: Any) -> None:
    """Call ``callback(*args)``; if it raises, report and return normally."""
    try:
        callback(*args)
    except Exception as error:
        on_raise(where, error)


class IsolatedObserver(abc.ObserverBase[_T]):
    """Forwards to ``observer``; what its methods raise is reported, never propagated."""

    __slots__ = ("_observer", "_on_raise", "_where")

    def __init__(self, observer: abc.ObserverBase[_T], where: str, on_raise: OnRaise) -> None:
        self._observer = observer
        self._where = where
        self._on_raise = on_raise

    def on_next(self, value: _T) -> None:
        guarded(self._on_raise, self._where, self._observer.on_next, value)

    def on_error(self, error: Exception) -> None:
        guarded(self._on_raise, self._where, self._observer.on_error, error)

    def on_completed(self) -> None:
        guarded(self._on_raise, self._where, self._observer.on_completed)


def isolated(
    source: reactivex.Observable[_T], where: str, on_raise: OnRaise
) -> reactivex.Observable[_T]:
    """``source``, whose subscribers' callbacks cannot raise into it."""

    def subscribe(
        observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        return source.subscribe(IsolatedObserver(observer, where, on_raise), scheduler=scheduler)

    return reactivex.create(subscribe)

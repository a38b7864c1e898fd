"""Hot streams whose subscribers cannot hurt each other: the agent's events bus and state cell.

RxPY's ``Subject`` calls observers in a loop; an observer that raises inside ``on_next`` throws
into the producer and the observers after it miss the value. Here each observer is called on its
own: an exception is logged and the stream goes on for everybody, including the one that raised.
"""

from __future__ import annotations

import logging
from typing import Generic, TypeVar

import reactivex
from reactivex import abc
from reactivex.disposable import Disposable

__all__ = ["Bus", "StateCell"]

_T = TypeVar("_T")

_log = logging.getLogger("rx_lpagent.events")


class Bus(reactivex.Observable[_T]):
    """A hot multicast stream that never errors and completes only when closed.

    Values are delivered synchronously, in subscription order, on the caller's thread (the
    agent emits from its event loop only).
    """

    def __init__(self, name: str = "bus") -> None:
        super().__init__()
        self._name = name
        self._observers: tuple[abc.ObserverBase[_T], ...] = ()
        self._closed = False

    @property
    def observer_count(self) -> int:
        return len(self._observers)

    @property
    def closed(self) -> bool:
        return self._closed

    def _subscribe_core(
        self,
        observer: abc.ObserverBase[_T],
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        if self._closed:
            observer.on_completed()
            return Disposable()
        self._observers = (*self._observers, observer)

        def remove() -> None:
            self._observers = tuple(o for o in self._observers if o is not observer)

        return Disposable(remove)

    def emit(self, value: _T) -> None:
        """Deliver ``value`` to every current subscriber; a raising subscriber is only logged."""
        if self._closed:
            return
        for observer in self._observers:
            try:
                observer.on_next(value)
            except Exception:
                _log.exception("a subscriber of %s raised; the stream goes on", self._name)

    def close(self) -> None:
        """Complete every subscriber; later emits are ignored and later subscribers complete."""
        if self._closed:
            return
        self._closed = True
        observers, self._observers = self._observers, ()
        for observer in observers:
            try:
                observer.on_completed()
            except Exception:
                _log.exception("a subscriber of %s raised on completion", self._name)


class StateCell(Generic[_T]):
    """A current value plus its changes; ``changes`` replays the current value on subscribe."""

    def __init__(self, initial: _T, name: str = "state") -> None:
        self._value = initial
        self._bus: Bus[_T] = Bus(name)

        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            subscription = self._bus.subscribe(observer)
            if not self._bus.closed:
                observer.on_next(self._value)
            return subscription

        self.changes: reactivex.Observable[_T] = reactivex.create(subscribe)

    @property
    def value(self) -> _T:
        return self._value

    def set(self, value: _T) -> bool:
        """Set the value; subscribers hear of it only if it changed. Returns whether it did."""
        if value == self._value:
            return False
        self._value = value
        self._bus.emit(value)
        return True

    def close(self) -> None:
        self._bus.close()

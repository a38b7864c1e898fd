"""Hot streams whose subscribers cannot hurt each other: the agent's events bus and state cell.

RxPY's ``Subject`` calls observers in a loop; an observer that raises inside ``on_next`` throws
into the producer and the observers after it miss the value. Here each observer is called on its
own: an exception is reported (logged, unless the owner says otherwise) and the stream goes on
for everybody, including the one that raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import reactivex
from reactivex import abc
from reactivex.disposable import Disposable

from rx_lpagent._isolation import OnRaise, guarded, log_raise

__all__ = ["Bus", "StateCell"]

_T = TypeVar("_T")


class Bus(reactivex.Observable[_T]):
    """A hot multicast stream that never errors and completes only when closed.

    Values are delivered synchronously, in subscription order, on the caller's thread (the
    agent emits from its event loop only).
    """

    def __init__(
        self,
        name: str = "bus",
        on_change: Callable[[], None] | None = None,
        on_raise: OnRaise = log_raise,
    ) -> None:
        """``on_change`` is called whenever the set of subscribers changes; ``on_raise`` hears
        of every subscriber that raised."""
        super().__init__()
        self._name = name
        self._on_raise = on_raise
        self._observers: tuple[abc.ObserverBase[_T], ...] = ()
        self._closed = False
        self._on_change = on_change

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
        self._changed()

        def remove() -> None:
            self._observers = tuple(o for o in self._observers if o is not observer)
            self._changed()

        return Disposable(remove)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def emit(self, value: _T) -> None:
        """Deliver ``value`` to every current subscriber; a raising subscriber is only reported."""
        if self._closed:
            return
        for observer in self._observers:
            try:
                observer.on_next(value)
            except Exception as error:
                self._on_raise(self._name, error)

    def close(self) -> None:
        """Complete every subscriber; later emits are ignored and later subscribers complete."""
        if self._closed:
            return
        self._closed = True
        observers, self._observers = self._observers, ()
        self._changed()
        for observer in observers:
            try:
                observer.on_completed()
            except Exception as error:
                self._on_raise(self._name, error)


class StateCell(Generic[_T]):
    """A current value plus its changes; ``changes`` replays the current value on subscribe."""

    def __init__(self, initial: _T, name: str = "state", on_raise: OnRaise = log_raise) -> None:
        self._value = initial
        self._bus: Bus[_T] = Bus(name, on_raise=on_raise)

        def subscribe(
            observer: abc.ObserverBase[_T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            subscription = self._bus.subscribe(observer)
            if not self._bus.closed:
                guarded(on_raise, name, observer.on_next, self._value)
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

"""The agent's asyncio doors: ``async for`` over its streams, async handlers, ``wait_closed``.

Beside the Rx surface, for bots written the asyncio way::

    async with Agent(config) as agent:
        agent.handle(OnlineEventDistribution, reply)     # async def reply(message): ...
        await agent.connect()
        reason = await agent.wait_closed()               # disposed, or recovery gave up
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import reactivex

from rx_lpagent.agent._bus import Bus, StateCell
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.errors import SDKError, redact
from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Location
from rx_lpagent.protocol.frames import Notification
from rx_lpagent.rx._handle import Handler, Handling, handle_each
from rx_lpagent.rx._iterate import (
    DEFAULT_MAXSIZE,
    BufferOverflowError,
    ObservableIterator,
    Overflow,
)
from rx_lpagent.rx._iterate import iterate as iterate_observable

__all__ = ["AgentAsyncio", "CloseReason", "CloseWatch"]

_T = TypeVar("_T")

_CLOSED = "closed"
_DISPOSED = "disposed"
# the failures that can leave an agent closed; the last one seen is the reason it closed
_CLOSING_AREAS = ("Connect#", "Reconnect#", "Socket#", "Recovery#", "KeepAlive#Watchdog")


@dataclass(frozen=True, slots=True)
class CloseReason:
    """Why :meth:`AgentAsyncio.wait_closed` returned.

    ``state`` is ``closed`` (recovery gave up, or a connect failed, or the socket closed with
    recovery off) or ``disposed``; ``error`` is the failure that closed it, when there was one.
    """

    state: str
    error: SDKError | None = None

    @property
    def disposed(self) -> bool:
        return self.state == _DISPOSED

    def __str__(self) -> str:
        if self.error is None:
            return self.state
        return f"{self.state}: {redact(str(self.error))}"


class CloseWatch:
    """Remembers the last failure that can close an agent, and wakes whoever waits for it."""

    def __init__(self, events: Bus[AgentEvent], state: StateCell[Any]) -> None:
        self._state = state
        self._last_error: SDKError | None = None
        self._waiters: list[asyncio.Future[str]] = []
        events.subscribe(self._on_event)
        state.changes.subscribe(self._on_state)

    def _on_event(self, event: AgentEvent) -> None:
        if isinstance(event, ErrorEvent) and event.location.startswith(_CLOSING_AREAS):
            self._last_error = event.error

    def _on_state(self, state: object) -> None:
        if state not in (_CLOSED, _DISPOSED):
            return
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(str(state))

    @property
    def reason(self) -> CloseReason:
        return self._reason(str(self._state.value))

    def _reason(self, state: str) -> CloseReason:
        return CloseReason(state, None if state == _DISPOSED else self._last_error)

    async def wait(self) -> CloseReason:
        if self._state.value in (_CLOSED, _DISPOSED):
            return self.reason
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            # the agent settles its state before it reports why (its error event comes just
            # after, in the same call): the reason is read when the waiter wakes, not before
            return self._reason(await waiter)
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)


class AgentAsyncio:
    """The asyncio-side methods of :class:`~rx_lpagent.Agent` (a mixin)."""

    # the agent's
    _events: Bus[AgentEvent]
    _disposing: Bus[None]
    _close_watch: CloseWatch
    _router: NotificationRouter

    def _notifications_of(self, kind: str | type[Any]) -> reactivex.Observable[Any]:
        """What :meth:`Agent.notifications_of` gives: raw frames of a wire type, or decoded
        bodies of a body struct."""
        if isinstance(kind, str):
            return self._router.raw(kind)
        return self._router.typed(kind)

    def iter_events(
        self, *, maxsize: int = DEFAULT_MAXSIZE, overflow: Overflow | str = Overflow.RAISE
    ) -> ObservableIterator[AgentEvent]:
        """``async for event in agent.iter_events()``: :attr:`events` from now on, in order.

        Ends when the agent is disposed; bounded as :func:`rx_lpagent.rx.iterate` says.
        """
        return iterate_observable(self._events, maxsize=maxsize, overflow=overflow)

    @overload
    def iter_notifications(
        self, kind: str, *, maxsize: int = ..., overflow: Overflow | str = ...
    ) -> ObservableIterator[Notification]: ...

    @overload
    def iter_notifications(
        self, kind: type[_T], *, maxsize: int = ..., overflow: Overflow | str = ...
    ) -> ObservableIterator[_T]: ...

    def iter_notifications(
        self,
        kind: str | type[_T],
        *,
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow | str = Overflow.RAISE,
    ) -> ObservableIterator[Any]:
        """``async for message in agent.iter_notifications(OnlineEventDistribution)``: the
        notifications of :meth:`notifications_of` ``(kind)`` from now on, ending on dispose."""
        return iterate_observable(self._notifications_of(kind), maxsize=maxsize, overflow=overflow)

    def handle(
        self,
        kind: str | type[_T] | reactivex.Observable[_T],
        handler: Handler[Any],
        *,
        concurrency: int = 1,
        maxsize: int = DEFAULT_MAXSIZE,
        overflow: Overflow | str = Overflow.RAISE,
    ) -> Handling[Any]:
        """Run ``await handler(item)`` for each notification of ``kind`` (as in
        :meth:`notifications_of`; or any observable, e.g. ``agent.events``).

        In arrival order, one at a time, unless ``concurrency`` allows more at once. A handler
        that raises is logged and reported on :attr:`events` at ``Handler#Error``; the next
        items are handled as usual. Items wait in a buffer of ``maxsize`` while the handler is
        busy; an overflow that raises ends the handling, reported at ``Handler#Overflow``.
        Disposing the agent (or the returned :class:`~rx_lpagent.rx.Handling`) cancels the
        calls running. Call it with a running loop, before the notifications can come.
        """
        source: reactivex.Observable[Any] = (
            kind if isinstance(kind, reactivex.Observable) else self._notifications_of(kind)
        )

        def report(error: Exception) -> None:
            if isinstance(error, BufferOverflowError):
                location = Location.HANDLER_OVERFLOW
                failure = SDKError(str(error), error=error, retryable=False)
            else:
                location = Location.HANDLER_ERROR
                failure = (
                    error
                    if isinstance(error, SDKError)
                    else SDKError(
                        f"a handler raised {type(error).__name__}: {redact(str(error))}",
                        error=error,
                        retryable=False,
                    )
                )
            self._events.emit(ErrorEvent(failure, Context(location)))

        handling = handle_each(
            source,
            handler,
            concurrency=concurrency,
            maxsize=maxsize,
            overflow=overflow,
            on_error=report,
        )
        self._disposing.subscribe(lambda _: handling.dispose(), on_completed=handling.dispose)
        return handling

    async def wait_closed(self) -> CloseReason:
        """Until the agent is disposed, or closed for good (recovery gave up, a connect failed,
        or the socket closed with recovery off); returns why. At once if it already is."""
        return await self._close_watch.wait()

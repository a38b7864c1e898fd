"""The agent's flows: connect, reconnect and refresh, each retried as its recovery says, and the
recovery that follows an unasked close.

A mixin of :class:`~rx_lpagent.agent.Agent`: the attributes declared below are the agent's.
The flows open sockets (each one's :class:`~rx_lpagent.agent._socket.SocketLife`, and its
timers once attached) and hand them to the agent's ``_attach``; the agent alone swaps one life
for the next (attach, close, dispose).
"""

from __future__ import annotations

from collections.abc import Callable

import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent._isolation import OnRaise
from rx_lpagent.agent._bus import Bus, StateCell
from rx_lpagent.agent._intake import Intake
from rx_lpagent.agent._retrying import Retrier
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.agent._socket import OnSocketClose, SocketLife
from rx_lpagent.agent._state import AgentState
from rx_lpagent.agent._wheel import wheel_timers_for
from rx_lpagent.errors import AuthenticationError, NotConnectedError, TransportError
from rx_lpagent.events import AgentEvent, Connected, Context, Location, Retrying
from rx_lpagent.flows.steps import Opened, connect_steps, reconnect_steps, refresh_steps
from rx_lpagent.rx import RetriesExhaustedError
from rx_lpagent.transport.backend import Backend, Domains, Link, Session

__all__ = ["AgentFlows", "not_refused_for_good"]

OpenSocket = Callable[[Domains, Session], reactivex.Observable[Link]]


class AgentFlows:
    """connect, reconnect, refresh and recovery; mixed into the Agent."""

    # the agent's
    _state: StateCell[AgentState]
    _events: Bus[AgentEvent]
    _backend: Backend
    _retrier: Retrier
    _session: Session | None
    _socket: SocketLife
    _connecting: reactivex.Observable[Connected] | None
    _intake: Intake
    _router: NotificationRouter
    _refresh_interval: float | None
    _keepalive_interval: float | None
    _keepalive_timeout: float
    _attach: Callable[[Opened], Connected]
    _on_socket_closed: OnSocketClose
    _callback_raised: OnRaise
    _scheduler: Callable[[abc.SchedulerBase | None], abc.SchedulerBase]

    def _connect(self, scheduler: abc.SchedulerBase | None) -> reactivex.Observable[Connected]:
        if self._state.value is AgentState.DISPOSED:
            return reactivex.throw(NotConnectedError("agent disposed"))
        if self._socket.link is not None:
            return reactivex.return_value(Connected())
        if self._connecting is not None:
            return self._connecting
        sched = self._scheduler(scheduler)
        self._state.set(AgentState.CONNECTING)
        held: Session | None = None
        announcer = self._retrier.announcer("Connect")
        open_socket = self._opener(sched)

        def hold(session: Session) -> None:
            nonlocal held
            held = session

        def forget_refused(error: Exception) -> None:
            # a token refused anywhere: the next attempt logs in again
            nonlocal held
            if isinstance(error, AuthenticationError):
                held = None

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Opened]:
            return connect_steps(self._backend, announcer.emit, open_socket, held, hold).pipe(
                ops.do_action(on_error=forget_refused)
            )

        flow = self._retrier.retried("connect", reactivex.defer(attempt), sched, announcer)
        if self._retrier.on:
            flow = self._retrier.report_give_up(flow)

        def done() -> None:
            self._connecting = None
            if self._socket.link is None and self._state.value is AgentState.CONNECTING:
                self._state.set(AgentState.CLOSED)

        self._connecting = flow.pipe(
            ops.map(self._attach),
            ops.finally_action(done),
            ops.share(),
        )
        return self._connecting

    def _reconnect(
        self,
        scheduler: abc.SchedulerBase,
        emit: Callable[[AgentEvent], None],
        *,
        new_token: bool,
    ) -> reactivex.Observable[Connected]:
        if self._state.value is AgentState.DISPOSED:
            return reactivex.throw(NotConnectedError("agent disposed"))
        self._state.set(AgentState.RECONNECTING)
        return reconnect_steps(
            self._backend, emit, self._opener(scheduler), self._session, new_token=new_token
        ).pipe(ops.map(self._attach))

    def _reconnect_failed(self, _: Exception) -> None:
        # the socket the failed reconnect meant to replace is still there and still works
        if self._socket.link is not None and self._state.value is AgentState.RECONNECTING:
            self._state.set(AgentState.CONNECTED)

    def _refresh(
        self,
        emit: Callable[[AgentEvent], None],
        *,
        manual: bool = False,
        relogin: bool = False,
    ) -> reactivex.Observable[Session]:
        def keep(session: Session) -> Session:
            self._session = session
            if manual:
                # a success ends the periodic refresh's pending retries and restarts its clock
                self._socket.restart_refresh()
            return session

        return refresh_steps(self._backend, emit, self._session, relogin=relogin).pipe(
            ops.map(keep)
        )

    def _reconnect_recovering(
        self, scheduler: abc.SchedulerBase | None, *, new_token: bool
    ) -> reactivex.Observable[Connected]:
        sched = self._scheduler(scheduler)
        need_token = new_token
        announcer = self._retrier.announcer("Reconnect")

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Connected]:
            return self._reconnect(sched, announcer.emit, new_token=need_token)

        def note_auth(error: Exception) -> None:
            nonlocal need_token
            if isinstance(error, AuthenticationError):
                need_token = True

        watched: reactivex.Observable[Connected] = reactivex.defer(attempt).pipe(
            ops.do_action(on_error=note_auth)
        )
        return self._retrier.retried("reconnect", watched, sched, announcer)

    def _refresh_recovering(
        self, scheduler: abc.SchedulerBase | None, *, manual: bool
    ) -> reactivex.Observable[Session]:
        sched = self._scheduler(scheduler)
        announcer = self._retrier.announcer("RefreshSession")
        relogin = False

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Session]:
            return self._refresh(announcer.emit, manual=manual, relogin=relogin)

        def note_auth(error: Exception) -> None:
            # a login refused while refreshing: the next attempt logs in again at once
            nonlocal relogin
            if isinstance(error, AuthenticationError):
                relogin = True

        flow = reactivex.defer(attempt).pipe(ops.do_action(on_error=note_auth))
        return self._retrier.report_give_up(
            self._retrier.retried("refresh", flow, sched, announcer)
        )

    def _recover(
        self, scheduler: abc.SchedulerBase, error: TransportError, *, new_token: bool
    ) -> Retrying:
        """After a brief, jittered wait, reconnect with backoff; giving up closes the agent.

        The recovery is held by the agent's current (detached) socket life, so the next swap
        (a socket attached, or a dispose) cancels it. Returns the announcement of the first
        attempt, for the caller to emit once the agent's state is settled."""
        gap = self._socket

        def closed(_: Exception) -> None:
            self._state.set(AgentState.CLOSED)

        delay = self._retrier.first_reconnect_delay()
        flow = self._retrier.report_give_up(
            reactivex.timer(delay, scheduler=scheduler).pipe(
                ops.flat_map(lambda _: self._reconnect_recovering(scheduler, new_token=new_token))
            ),
            always=True,
        )
        gap.hold_recovery(flow.subscribe(on_error=closed, scheduler=scheduler))
        if gap is self._socket:  # not already replaced by a reconnect that could not wait
            self._state.set(AgentState.RECONNECTING)
        return Retrying(0, delay, error, Context(Location.SOCKET_CLOSE), policy="reconnect")

    # -- a socket's opening and its timers ------------------------------------------------------

    def _opener(self, scheduler: abc.SchedulerBase) -> OpenSocket:
        """Opens sockets whose life (timers, recovery after its loss) runs on ``scheduler``."""

        def open_socket(domains: Domains, session: Session) -> reactivex.Observable[SocketLife]:
            life = SocketLife(
                scheduler,
                dispatch=self._intake.dispatch,
                emit=self._events.emit,
                on_close=self._on_socket_closed,
                on_raise=self._callback_raised,
                decoding=self._router,
            )
            opening = self._backend.open_socket(domains, session, life.on_message, life.on_close)
            return opening.pipe(ops.map(life.bind))

        return open_socket

    def _drop_half_open(self, life: SocketLife) -> None:
        if life is not self._socket:
            return
        self._on_socket_closed(life, None, "keep-alive timed out", True)
        life.close_quietly(1001, "keep-alive timed out")

    def _start_timers(self, life: SocketLife) -> None:
        """Start the periodic refresh and keep-alive of a newly attached socket."""
        scheduler = self._scheduler(life.scheduler)
        session = self._session
        if self._refresh_interval is not None and session is not None and session.can_refresh:
            life.refresh_every(
                scheduler,
                self._refresh_interval,
                lambda: self._refresh_recovering(scheduler, manual=False),
                go_on=not_refused_for_good,
            )
        if self._keepalive_interval is not None:
            life.keep_alive(
                wheel_timers_for(scheduler),  # every agent's rounds on shared ticks
                self._keepalive_interval,
                self._keepalive_timeout,
                emit=self._events.emit,
                on_half_open=self._drop_half_open,
            )


def not_refused_for_good(error: Exception) -> bool:
    """Whether the periodic refresh goes on after ``error``: not once the credentials were
    refused on every attempt (more rounds would only pile up failed logins towards a lockout;
    a manual ``refresh_session()`` that succeeds starts it again)."""
    return not (
        isinstance(error, RetriesExhaustedError) and isinstance(error.error, AuthenticationError)
    )

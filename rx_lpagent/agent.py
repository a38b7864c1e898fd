"""The Agent: one LivePerson messaging agent, its socket, its events and its recovery.

The agent owns exactly one socket at a time. Each socket gets a generation number; callbacks of a
replaced socket carry an old number and are ignored, so a reconnect never reports the old
socket's close (the Node SDK's stale-listener defect). Every request made on a socket is failed at
once when that socket goes away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar, overload

import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.disposable import Disposable, SerialDisposable
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rx_lpagent._asyncio import AgentAsyncio, CloseWatch
from rx_lpagent._bus import Bus, StateCell
from rx_lpagent._keepalive import KeepAlive
from rx_lpagent._lifetime import completion, until_disposed
from rx_lpagent._messaging import MessagingRequests
from rx_lpagent._periodic import Periodic
from rx_lpagent._requests import PendingRequests, not_connected
from rx_lpagent._resubscribe import (
    Resubscriptions,
)
from rx_lpagent._router import NotificationRouter
from rx_lpagent._single import SingleCall
from rx_lpagent.config import AgentConfig
from rx_lpagent.errors import (
    AuthenticationError,
    ConfigurationError,
    MalformedFrameError,
    NotConnectedError,
    Service,
    TransportError,
)
from rx_lpagent.events import AgentEvent, Closed, Connected, Context, ErrorEvent, Location
from rx_lpagent.flows.backend import Backend, Domains, Link, Session
from rx_lpagent.flows.live import LiveBackend
from rx_lpagent.flows.report import as_sdk_error, reported
from rx_lpagent.flows.steps import Opened, connect_steps, reconnect_steps, refresh_steps
from rx_lpagent.protocol.frames import (
    Notification,
    Response,
    UnknownFrame,
    decode_frame,
)
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.transforms import NodeView
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import RetriesExhaustedError

__all__ = ["Agent", "AgentState"]

_log = logging.getLogger("rx_lpagent.agent")
_T = TypeVar("_T")

DEFAULT_RECOVERY = Recovery()


NEW_TOKEN_CLOSE_CODES = frozenset({4401, 4407, 1011})
"""Socket close codes after which LivePerson wants a reconnect with a fresh token."""


class AgentState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    DISPOSED = "disposed"


class Agent(AgentAsyncio, MessagingRequests):
    """A LivePerson messaging agent.

    ``connect()``, ``reconnect()`` and ``refresh_session()`` are cold observables (also
    awaitable); outcomes of every step appear on :attr:`events`. The asyncio doors
    (``iter_events``, ``iter_notifications``, ``handle``, ``wait_closed``) are in
    :class:`~rx_lpagent._asyncio.AgentAsyncio`.
    """

    def __init__(
        self,
        config: AgentConfig,
        *,
        recovery: Recovery | None = DEFAULT_RECOVERY,
        scheduler: abc.SchedulerBase | None = None,
        backend: Backend | None = None,
    ) -> None:
        """``recovery=None`` switches built-in recovery off; ``scheduler`` (default: the running
        asyncio loop) and ``backend`` (default: the real services) are for tests."""
        if not isinstance(config, AgentConfig):
            raise ConfigurationError(f"Agent needs an AgentConfig, got {type(config).__name__}")
        self.config = config
        self._backend: Backend = LiveBackend(config) if backend is None else backend
        self._account_id = config.account_id
        self._request_timeout = config.request_timeout
        self._refresh_interval = config.refresh_interval
        self._keepalive_interval = config.keepalive_interval
        self._keepalive_timeout = config.keepalive_timeout
        self._recovery = recovery
        self._fixed_scheduler = scheduler
        self._events: Bus[AgentEvent] = Bus("agent.events")
        self._disposing: Bus[None] = Bus("agent.disposing")
        self._resubscriptions = Resubscriptions()
        self._router = NotificationRouter(self._report_transform, lambda: self.identity)
        self._state = StateCell(AgentState.IDLE, "agent.state")
        self._close_watch = CloseWatch(self._events, self._state)
        self._domains: Domains | None = None
        self._session: Session | None = None
        self._link: Link | None = None
        self._generation = 0
        self._pending = not_connected()
        self._connecting: reactivex.Observable[Connected] | None = None
        self._recovery_job = SerialDisposable()
        self._refresher: Periodic | None = None
        self._keepalive: KeepAlive | None = None

    # -- public surface -------------------------------------------------------------------------

    @property
    def events(self) -> reactivex.Observable[AgentEvent]:
        """Hot stream of flow outcomes; never errors, completes only on dispose."""
        return self._events

    @property
    def notifications(self) -> reactivex.Observable[Notification]:
        """Hot stream of every raw notification (type plus undecoded body)."""
        return self._router.all

    @overload
    def notifications_of(self, kind: str) -> reactivex.Observable[Notification]: ...

    @overload
    def notifications_of(self, kind: type[_T]) -> reactivex.Observable[_T]: ...

    def notifications_of(self, kind: str | type[_T]) -> reactivex.Observable[Any]:
        """Notifications of one kind: a wire type string gives raw frames; a body struct of
        :data:`~rx_lpagent.protocol.NOTIFICATION_TYPES` gives decoded bodies (decoded once per
        frame, only while someone subscribes; bad bodies are reported and dropped)."""
        if isinstance(kind, str):
            return self._router.raw(kind)
        return self._router.typed(kind)

    @property
    def node_notifications(self) -> reactivex.Observable[NodeView]:
        """Notifications as the Node SDK delivers them (type names and bodies), for ported bots."""
        return self._router.node_view

    @property
    def identity(self) -> AgentIdentity | None:
        """Who the agent is logged in as (account, user id, PID), once logged in."""
        session = self._session
        if session is None:
            return None
        return AgentIdentity(self._account_id, session.user_id, session.user_pid)

    @property
    def state(self) -> AgentState:
        return self._state.value

    @property
    def state_changes(self) -> reactivex.Observable[AgentState]:
        """The current state, then every change."""
        return self._state.changes

    @property
    def session(self) -> Session | None:
        return self._session

    @property
    def connected(self) -> bool:
        return self._link is not None

    def connect(self) -> reactivex.Observable[Connected]:
        """CSDS, login, socket; emits :class:`Connected` once. Harmless to call twice."""
        return self._until_disposed(reactivex.defer(self._connect))

    def reconnect(self, skip_token_generation: bool = False) -> reactivex.Observable[Connected]:
        """Replace the socket; log in again unless ``skip_token_generation``.

        With recovery on, failures are retried as :attr:`Recovery.reconnect` says (a token
        refused on the way makes the next attempt log in again).
        """
        return self._until_disposed(
            reactivex.defer(
                lambda scheduler: self._report_give_up(
                    self._reconnect_recovering(scheduler, new_token=not skip_token_generation)
                )
            ).pipe(ops.do_action(on_error=self._reconnect_failed))
        )

    def _reconnect_failed(self, _: Exception) -> None:
        # the socket the failed reconnect meant to replace is still there and still works
        if self._link is not None and self._state.value is AgentState.RECONNECTING:
            self._state.set(AgentState.CONNECTED)

    def refresh_session(self) -> reactivex.Observable[Session]:
        """Refresh the login session (log in again on a 401); the socket is kept.

        With recovery on, 429/5xx/network failures are retried as :attr:`Recovery.refresh`
        says; a success restarts the periodic refresh's clock and ends its pending retries.
        """
        return self._until_disposed(
            reactivex.defer(lambda scheduler: self._refresh_recovering(scheduler, manual=True))
        )

    def request(
        self,
        type_: str,
        body: object,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Response]:
        """Send any request as given (no filling) on the current socket; emits its response.

        For request types this library does not know yet. A code >= 400, a timeout or the
        socket closing fail it with a typed error, also reported on :attr:`events`.
        """

        def start(
            on_value: Callable[[Response], None],
            on_error: Callable[[Exception], None],
            scheduler: abc.SchedulerBase | None,
        ) -> Callable[[], None]:
            return self._start_request(
                type_,
                body,
                headers=headers,
                metadata=metadata,
                timeout=timeout,
                on_response=on_value,
                on_error=on_error,
                scheduler=scheduler,
            )

        return SingleCall(start)

    def _until_disposed(self, flow: reactivex.Observable[_T]) -> reactivex.Observable[_T]:
        return until_disposed(self._disposing, flow)

    async def dispose(self) -> None:
        """Close the socket, cancel every timer and retry, fail pending requests, end streams."""
        if self._state.value is AgentState.DISPOSED:
            return
        self._disposing.emit(None)
        self._disposing.close()
        self._recovery_job.dispose()
        self._stop_timers()
        self._connecting = None
        link, self._link = self._link, None
        self._generation += 1
        self._pending.fail_all(NotConnectedError("agent disposed"))
        self._pending = not_connected()
        if link is not None:
            await completion(link.close(1000, "agent disposed"))
        await self._logout()
        await completion(self._backend.close())
        self._state.set(AgentState.DISPOSED)
        self._events.close()
        self._router.close()
        self._state.close()

    async def _logout(self) -> None:
        session, domains = self._session, self._domains
        if session is None or domains is None or not session.can_refresh:
            return
        await completion(
            self._backend.logout(domains, session).pipe(
                reported(self._events.emit, Location.DISPOSE_LOGOUT, Service.LOGOUT)
            )
        )

    async def __aenter__(self) -> Agent:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.dispose()

    # -- flows ----------------------------------------------------------------------------------

    def _scheduler(self, scheduler: abc.SchedulerBase | None = None) -> abc.SchedulerBase:
        if self._fixed_scheduler is not None:
            return self._fixed_scheduler
        if isinstance(scheduler, AsyncIOScheduler):
            return scheduler
        self._fixed_scheduler = AsyncIOScheduler(asyncio.get_running_loop())
        return self._fixed_scheduler

    def _connect(self, scheduler: abc.SchedulerBase | None) -> reactivex.Observable[Connected]:
        if self._state.value is AgentState.DISPOSED:
            return reactivex.throw(NotConnectedError("agent disposed"))
        if self._link is not None:
            return reactivex.return_value(Connected())
        if self._connecting is not None:
            return self._connecting
        sched = self._scheduler(scheduler)
        self._state.set(AgentState.CONNECTING)
        held: Session | None = None

        def hold(session: Session) -> None:
            nonlocal held
            held = session

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Opened]:
            return connect_steps(self._backend, self._events.emit, self._open_socket, held, hold)

        flow = reactivex.defer(attempt)
        if self._recovery is not None:
            flow = flow.pipe(self._recovery.retry_connect(sched), self._report_give_up)

        def done() -> None:
            self._connecting = None
            if self._link is None and self._state.value is AgentState.CONNECTING:
                self._state.set(AgentState.CLOSED)

        self._connecting = flow.pipe(
            ops.map(self._attach),
            ops.finally_action(done),
            ops.share(),
        )
        return self._connecting

    def _reconnect(
        self, scheduler: abc.SchedulerBase | None, *, new_token: bool
    ) -> reactivex.Observable[Connected]:
        if self._state.value is AgentState.DISPOSED:
            return reactivex.throw(NotConnectedError("agent disposed"))
        self._scheduler(scheduler)
        self._state.set(AgentState.RECONNECTING)
        return reconnect_steps(
            self._backend,
            self._events.emit,
            self._open_socket,
            self._session,
            new_token=new_token,
        ).pipe(ops.map(self._attach))

    def _refresh(
        self, scheduler: abc.SchedulerBase | None, *, manual: bool = False
    ) -> reactivex.Observable[Session]:
        self._scheduler(scheduler)

        def keep(session: Session) -> Session:
            self._session = session
            if manual and self._refresher is not None:
                # a success ends the periodic refresh's pending retries and restarts its clock
                self._refresher.restart()
            return session

        return refresh_steps(self._backend, self._events.emit, self._session).pipe(ops.map(keep))

    # -- the socket -----------------------------------------------------------------------------

    def _open_socket(self, domains: Domains, session: Session) -> reactivex.Observable[Link]:
        generation = self._generation + 1

        def on_message(data: bytes | str) -> None:
            if generation == self._generation:
                self._on_message(data)

        def on_close(code: int | None, reason: str) -> None:
            if generation == self._generation:
                self._on_unexpected_close(code, reason)

        return self._backend.open_socket(domains, session, on_message, on_close)

    def _attach(self, opened: Opened) -> Connected:
        domains, session, link = opened
        if self._state.value is AgentState.DISPOSED:
            # a flow still in flight when the agent was disposed: its socket must not live on
            link.close(1000, "agent disposed").subscribe(on_error=lambda _: None)
            raise NotConnectedError("agent disposed")
        old, self._link = self._link, link
        self._generation += 1
        self._domains, self._session = domains, session
        replaced = self._pending
        self._pending = PendingRequests(link.send)
        replaced.fail_all(TransportError("socket replaced by a reconnect", None, Service.MESSAGING))
        if old is not None:
            old.close(1000, "replaced").subscribe(on_error=lambda _: None)
        self._recovery_job.disposable = Disposable()
        self._state.set(AgentState.CONNECTED)
        connected = Connected()
        self._events.emit(connected)
        self._start_timers()
        self._resubscribe()
        return connected

    def _on_message(self, data: bytes | str) -> None:
        frame = decode_frame(data)
        if isinstance(frame, Notification):  # first: most frames are notifications
            self._router.dispatch(frame)
        elif isinstance(frame, Response):
            try:
                self._pending.resolve(frame)
            except Exception:
                # a caller's on_next raised: theirs to fix, never a reason to drop the socket
                _log.exception("a subscriber of a %s response raised", frame.type or "request")
        elif isinstance(frame, MalformedFrameError):
            self._events.emit(ErrorEvent(frame, Context(Location.FRAME_DECODE)))
        elif isinstance(frame, UnknownFrame):
            _log.debug("ignoring a frame of unknown kind %r", frame.kind)

    def _report_transform(self, error: MalformedFrameError) -> None:
        self._events.emit(ErrorEvent(error, Context(Location.NOTIFICATION_TRANSFORM)))

    def _on_unexpected_close(self, code: int | None, reason: str) -> None:
        self._link = None
        self._generation += 1
        error = TransportError(
            f"socket closed unexpectedly (code {code}{': ' + reason if reason else ''})",
            code,
            Service.MESSAGING,
        )
        self._pending.fail_all(error)
        self._pending = not_connected()
        self._stop_timers()
        self._events.emit(Closed(code, reason))
        self._events.emit(ErrorEvent(error, Context(Location.SOCKET_CLOSE)))
        if self._recovery is None:
            self._state.set(AgentState.CLOSED)
            return
        self._recover(new_token=code in NEW_TOKEN_CLOSE_CODES)

    # -- recovery -------------------------------------------------------------------------------

    def _reconnect_recovering(
        self, scheduler: abc.SchedulerBase | None, *, new_token: bool
    ) -> reactivex.Observable[Connected]:
        sched = self._scheduler(scheduler)
        need_token = new_token

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Connected]:
            return self._reconnect(sched, new_token=need_token)

        def note_auth(error: Exception) -> None:
            nonlocal need_token
            if isinstance(error, AuthenticationError):
                need_token = True

        watched: reactivex.Observable[Connected] = reactivex.defer(attempt).pipe(
            ops.do_action(on_error=note_auth)
        )
        if self._recovery is None:
            return watched
        retry: Callable[[reactivex.Observable[Connected]], reactivex.Observable[Connected]] = (
            self._recovery.retry_reconnect(sched)
        )
        return retry(watched)

    def _refresh_recovering(
        self, scheduler: abc.SchedulerBase | None, *, manual: bool
    ) -> reactivex.Observable[Session]:
        sched = self._scheduler(scheduler)
        flow = reactivex.defer(lambda _: self._refresh(sched, manual=manual))
        if self._recovery is not None:
            flow = flow.pipe(self._recovery.retry_refresh(sched))
        return self._report_give_up(flow)

    def _recover(self, *, new_token: bool) -> None:
        """After a brief wait, reconnect with backoff; giving up closes the agent."""
        assert self._recovery is not None
        scheduler = self._scheduler()

        def closed(_: Exception) -> None:
            self._state.set(AgentState.CLOSED)

        flow = self._report_give_up(
            reactivex.timer(self._recovery.reconnect_after, scheduler=scheduler).pipe(
                ops.flat_map(lambda _: self._reconnect_recovering(scheduler, new_token=new_token))
            ),
            always=True,
        )
        self._state.set(AgentState.RECONNECTING)
        self._recovery_job.disposable = flow.subscribe(on_error=closed, scheduler=scheduler)

    def _report_give_up(
        self, source: reactivex.Observable[_T], *, always: bool = False
    ) -> reactivex.Observable[_T]:
        """Report at ``Recovery#GiveUp`` when retrying ran out (or, if ``always``, on any error)."""

        def report(error: Exception) -> None:
            if always or isinstance(error, RetriesExhaustedError):
                final = as_sdk_error(error, None)
                self._events.emit(ErrorEvent(final, Context(Location.RECOVERY_GIVE_UP)))

        return source.pipe(ops.do_action(on_error=report))

    def _start_timers(self) -> None:
        """Start the periodic refresh and keep-alive of a newly attached socket."""
        self._stop_timers()
        scheduler = self._scheduler()
        session = self._session
        if self._refresh_interval is not None and session is not None and session.can_refresh:
            self._refresher = Periodic(
                scheduler,
                self._refresh_interval,
                lambda: self._refresh_recovering(scheduler, manual=False),
            )
            self._refresher.restart()
        if self._keepalive_interval is not None:
            self._keepalive = KeepAlive(
                scheduler,
                self._keepalive_interval,
                self._keepalive_timeout,
                get_clock=lambda timeout: self._pending.request(
                    ".GetClock", {}, timeout=timeout, scheduler=scheduler
                ),
                emit=self._events.emit,
                on_half_open=self._drop_half_open,
            )
            self._keepalive.start()

    def _stop_timers(self) -> None:
        for timer in (self._refresher, self._keepalive):
            if timer is not None:
                timer.stop()
        self._refresher = self._keepalive = None

    def _drop_half_open(self) -> None:
        link = self._link
        if link is None:
            return
        self._on_unexpected_close(None, "keep-alive timed out")
        link.close(1001, "keep-alive timed out").subscribe(on_error=lambda _: None)

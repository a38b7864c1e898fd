"""The Agent: one LivePerson messaging agent, its socket, its events and its recovery.

The agent owns exactly one socket at a time. Each socket gets a generation number; callbacks of a
replaced socket carry an old number and are ignored, so a reconnect never reports the old
socket's close (the Node SDK's stale-listener defect). Every request made on a socket is failed at
once when that socket goes away.
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Literal, TypeVar, overload

import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.disposable import Disposable, SerialDisposable
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rx_lpagent._isolation import isolated, log_raise
from rx_lpagent.agent._asyncio import AgentAsyncio, CloseWatch
from rx_lpagent.agent._backfill import QUERY_MESSAGES, Backfill
from rx_lpagent.agent._bus import Bus, StateCell
from rx_lpagent.agent._conversation_view import ConversationView
from rx_lpagent.agent._eventlog import EventLog
from rx_lpagent.agent._keepalive import KeepAlive
from rx_lpagent.agent._ledger import EX_CONVERSATION, ONLINE_EVENT, DialogLedger
from rx_lpagent.agent._lifetime import completion, until_disposed
from rx_lpagent.agent._messaging import MessagingRequests
from rx_lpagent.agent._periodic import Periodic
from rx_lpagent.agent._requests import PendingRequests, not_connected
from rx_lpagent.agent._resubscribe import (
    Resubscriptions,
)
from rx_lpagent.agent._retrying import RetryAnnouncer
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.agent._single import SingleCall
from rx_lpagent.agent._wheel import wheel_timers_for
from rx_lpagent.config import AgentConfig, TokenCredentials
from rx_lpagent.errors import (
    AuthenticationError,
    CallbackError,
    ConfigurationError,
    MalformedFrameError,
    NotConnectedError,
    Service,
    TransportError,
    redact,
)
from rx_lpagent.events import (
    AgentEvent,
    Closed,
    Connected,
    Context,
    ErrorEvent,
    Location,
    Retrying,
)
from rx_lpagent.flows.backend import Backend, Domains, Link, Session
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
from rx_lpagent.transport.live import LiveBackend

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
    :class:`~rx_lpagent.agent._asyncio.AgentAsyncio`.
    """

    def __init__(
        self,
        config: AgentConfig,
        *,
        recovery: Recovery | None = DEFAULT_RECOVERY,
        scheduler: abc.SchedulerBase | None = None,
        backend: Backend | None = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        """``recovery=None`` switches built-in recovery off; ``scheduler`` (default: the running
        asyncio loop) and ``backend`` (default: the real services) are for tests. ``random``
        (values in ``[0, 1)``, e.g. ``random.Random(7).random``) draws every jitter of the
        agent's recovery, replacing its policies' own sources: a seed replays a run."""
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
        self._random = random
        self._fixed_scheduler = scheduler
        self._reporting_callback = False
        self._events: Bus[AgentEvent] = Bus("agent.events", on_raise=self._callback_raised)
        self._events.subscribe(EventLog(config.account_id))
        self._disposing: Bus[None] = Bus("agent.disposing")
        self._resubscriptions = Resubscriptions()
        self._router = NotificationRouter(
            self._report_transform, lambda: self.identity, on_raise=self._callback_raised
        )
        self._ledger: DialogLedger | None = None
        self._backfill: Backfill | None = None
        self._conversations: ConversationView | None = None
        if config.backfill:
            self._ledger = DialogLedger(self._router.dispatch)
            self._conversations = ConversationView(EX_CONVERSATION)
            self._backfill = Backfill(
                self._ledger, self._query_history, self._events.emit, limit=config.backfill_limit
            )
        self._state = StateCell(AgentState.IDLE, "agent.state", self._callback_raised)
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
        """CSDS, login, socket; emits :class:`Connected` once. Harmless to call twice.

        With recovery on, 429/5xx/network failures are retried as :attr:`Recovery.connect` says,
        401/403 with a new login as :attr:`Recovery.auth` says; each retry is a
        :class:`~rx_lpagent.events.Retrying` event.
        """
        return self._until_disposed(reactivex.defer(self._connect))

    def reconnect(self, skip_token_generation: bool = False) -> reactivex.Observable[Connected]:
        """Replace the socket; log in again unless ``skip_token_generation``.

        With recovery on, failures are retried as :attr:`Recovery.reconnect` says; a token
        refused on the way (401/403) makes the next attempt log in again, after a wait of
        :attr:`Recovery.auth`.
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
        """Refresh the login session (log in again at once on a 401 or 403); the socket is kept.

        With recovery on, 429/5xx/network failures are retried as :attr:`Recovery.refresh`
        says, 401/403 elsewhere (CSDS, the relogin) with a new login as :attr:`Recovery.auth`
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

        return SingleCall(start, self._callback_raised)

    def _until_disposed(self, flow: reactivex.Observable[_T]) -> reactivex.Observable[_T]:
        return isolated(
            until_disposed(self._disposing, flow), "a flow's observer", self._callback_raised
        )

    def _callback_raised(self, where: str, error: Exception) -> None:
        """User code raised: log it, report it at ``Callback#Raised``, change nothing else."""
        log_raise(where, error)
        if self._reporting_callback:
            return  # a subscriber that raises on this report too: the log is enough
        self._reporting_callback = True
        try:
            self._events.emit(
                ErrorEvent(CallbackError(where, error), Context(Location.CALLBACK_RAISED))
            )
        finally:
            self._reporting_callback = False

    async def dispose(self) -> None:
        """Close the socket, cancel every timer and retry, fail pending requests, end streams."""
        if self._state.value is AgentState.DISPOSED:
            return
        # the agent's own state first (no socket, timer, retry or request left), so that no
        # user code run below can see, or leave, a half-disposed agent
        self._recovery_job.dispose()
        self._stop_backfill()
        self._stop_timers()
        self._connecting = None
        link, self._link = self._link, None
        self._generation += 1
        pending, self._pending = self._pending, not_connected()
        self._state.set(AgentState.DISPOSED)
        self._disposing.emit(None)
        self._disposing.close()
        pending.fail_all(NotConnectedError("agent disposed"))
        if link is not None:
            await completion(link.close(1000, "agent disposed"))
        await self._logout()
        await completion(self._backend.close())
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

        announcer = RetryAnnouncer(self._events.emit, "Connect")

        def hold(session: Session) -> None:
            nonlocal held
            held = session

        def forget_refused(error: Exception) -> None:
            # a token refused anywhere: the next attempt logs in again
            nonlocal held
            if isinstance(error, AuthenticationError):
                held = None

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Opened]:
            return connect_steps(self._backend, announcer.emit, self._open_socket, held, hold).pipe(
                ops.do_action(on_error=forget_refused)
            )

        flow = self._retried("connect", reactivex.defer(attempt), sched, announcer)
        if self._recovery is not None:
            flow = self._report_give_up(flow)

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
        self,
        scheduler: abc.SchedulerBase | None,
        emit: Callable[[AgentEvent], None],
        *,
        new_token: bool,
    ) -> reactivex.Observable[Connected]:
        if self._state.value is AgentState.DISPOSED:
            return reactivex.throw(NotConnectedError("agent disposed"))
        self._scheduler(scheduler)
        self._state.set(AgentState.RECONNECTING)
        return reconnect_steps(
            self._backend,
            emit,
            self._open_socket,
            self._session,
            new_token=new_token,
        ).pipe(ops.map(self._attach))

    def _refresh(
        self,
        scheduler: abc.SchedulerBase | None,
        emit: Callable[[AgentEvent], None],
        *,
        manual: bool = False,
        relogin: bool = False,
    ) -> reactivex.Observable[Session]:
        self._scheduler(scheduler)

        def keep(session: Session) -> Session:
            self._session = session
            if manual and self._refresher is not None:
                # a success ends the periodic refresh's pending retries and restarts its clock
                self._refresher.restart()
            return session

        return refresh_steps(self._backend, emit, self._session, relogin=relogin).pipe(
            ops.map(keep)
        )

    # -- the socket -----------------------------------------------------------------------------

    def _open_socket(self, domains: Domains, session: Session) -> reactivex.Observable[Link]:
        generation = self._generation + 1

        def on_message(data: bytes | str) -> None:
            if generation == self._generation:
                self._on_message(data)

        def on_close(code: int | None, reason: str, *, by_peer: bool = True) -> None:
            if generation == self._generation:
                self._on_unexpected_close(code, reason, by_peer=by_peer)

        return self._backend.open_socket(domains, session, on_message, on_close)

    def _attach(self, opened: Opened) -> Connected:
        domains, session, link = opened
        if self._state.value is AgentState.DISPOSED:
            # a flow still in flight when the agent was disposed: its socket must not live on
            link.close(1000, "agent disposed").subscribe(on_error=lambda _: None)
            raise NotConnectedError("agent disposed")
        # before the old socket's requests fail: an unfinished backfill is redone on this one
        backfill = None if self._backfill is None else self._backfill.prepare()
        old, self._link = self._link, link
        self._generation += 1
        self._domains, self._session = domains, session
        replaced = self._pending
        self._pending = PendingRequests(link.send, on_raise=self._callback_raised)
        if old is not None:
            old.close(1000, "replaced").subscribe(on_error=lambda _: None)
        self._recovery_job.disposable = Disposable()
        self._start_timers()
        # the agent is whole again; only now may user code run (and it cannot undo this)
        replaced.fail_all(TransportError("socket replaced by a reconnect", None, Service.MESSAGING))
        self._state.set(AgentState.CONNECTED)
        connected = Connected()
        self._events.emit(connected)
        if backfill is None:
            self._resubscribe()
        else:
            start = backfill
            self._resubscribe(lambda: start(self._scheduler(), self._recovery))
        return connected

    def _on_message(self, data: bytes | str) -> None:
        try:
            frame = decode_frame(data)
            if isinstance(frame, Notification):  # first: most frames are notifications
                self._dispatch(frame)
            elif isinstance(frame, Response):
                self._pending.resolve(frame)
            elif isinstance(frame, MalformedFrameError):
                self._events.emit(ErrorEvent(frame, Context(Location.FRAME_DECODE)))
            elif isinstance(frame, UnknownFrame):
                _log.debug("ignoring a frame of unknown kind %r", frame.kind)
        except Exception as error:
            # input nobody foresaw: one frame is lost, never the socket (nor a login)
            _log.warning("a frame could not be handled: %s", type(error).__name__)
            failure = MalformedFrameError(
                f"cannot handle frame: {type(error).__name__}: {redact(str(error))}",
                error=error,
                raw=data,
            )
            self._events.emit(ErrorEvent(failure, Context(Location.FRAME_DECODE)))

    def _dispatch(self, frame: Notification) -> None:
        ledger = self._ledger
        if ledger is None:
            self._router.dispatch(frame)
        elif frame.type == ONLINE_EVENT:
            ledger.on_event(frame)  # de-duplicated, held while its dialog is backfilled
        elif frame.type == EX_CONVERSATION and self._conversations is not None:
            self._on_conversations(ledger, self._conversations, frame)
        else:
            self._router.dispatch(frame)

    def _on_conversations(
        self, ledger: DialogLedger, view: ConversationView, notification: Notification
    ) -> None:
        gone = view.on_notification(notification)
        self._router.dispatch(notification)
        if gone is not None:
            self._router.dispatch(gone)  # conversations that left the subscription in the gap
        identity = self.identity
        me = () if identity is None else (identity.old_agent_id, identity.user_pid or "")
        ledger.on_conversations(notification, me)

    def _query_history(self, body: dict[str, Any]) -> reactivex.Observable[Response]:
        return self.request(QUERY_MESSAGES, body)

    def _stop_backfill(self) -> None:
        if self._backfill is not None:
            self._backfill.stop()

    def _report_transform(self, error: MalformedFrameError) -> None:
        self._events.emit(ErrorEvent(error, Context(Location.NOTIFICATION_TRANSFORM)))

    def _on_unexpected_close(self, code: int | None, reason: str, *, by_peer: bool = True) -> None:
        """``by_peer`` is False when this side ended the connection (a protocol error its
        library found): then the code is ours, not LivePerson's, and asks for no new token."""
        self._link = None
        self._generation += 1
        self._stop_backfill()
        error = TransportError(
            f"socket closed unexpectedly (code {code}{': ' + reason if reason else ''})",
            code,
            Service.MESSAGING,
        )
        failed, self._pending = self._pending, not_connected()
        self._stop_timers()
        retrying: Retrying | None = None
        if self._recovery is None:
            self._state.set(AgentState.CLOSED)
        else:
            retrying = self._recover(error, new_token=by_peer and code in NEW_TOKEN_CLOSE_CODES)
        # the agent's own state is settled (recovery already scheduled): user code may run now
        failed.fail_all(error)
        self._events.emit(Closed(code, reason))
        self._events.emit(ErrorEvent(error, Context(Location.SOCKET_CLOSE)))
        if retrying is not None:
            self._events.emit(retrying)

    # -- recovery -------------------------------------------------------------------------------

    def _reconnect_recovering(
        self, scheduler: abc.SchedulerBase | None, *, new_token: bool
    ) -> reactivex.Observable[Connected]:
        sched = self._scheduler(scheduler)
        need_token = new_token
        announcer = RetryAnnouncer(self._events.emit, "Reconnect")

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Connected]:
            return self._reconnect(sched, announcer.emit, new_token=need_token)

        def note_auth(error: Exception) -> None:
            nonlocal need_token
            if isinstance(error, AuthenticationError):
                need_token = True

        watched: reactivex.Observable[Connected] = reactivex.defer(attempt).pipe(
            ops.do_action(on_error=note_auth)
        )
        return self._retried("reconnect", watched, sched, announcer)

    def _refresh_recovering(
        self, scheduler: abc.SchedulerBase | None, *, manual: bool
    ) -> reactivex.Observable[Session]:
        sched = self._scheduler(scheduler)
        announcer = RetryAnnouncer(self._events.emit, "RefreshSession")
        relogin = False

        def attempt(_: abc.SchedulerBase | None) -> reactivex.Observable[Session]:
            return self._refresh(sched, announcer.emit, manual=manual, relogin=relogin)

        def note_auth(error: Exception) -> None:
            # a login refused while refreshing: the next attempt logs in again at once
            nonlocal relogin
            if isinstance(error, AuthenticationError):
                relogin = True

        flow = reactivex.defer(attempt).pipe(ops.do_action(on_error=note_auth))
        return self._report_give_up(self._retried("refresh", flow, sched, announcer))

    def _retried(
        self,
        kind: Literal["connect", "reconnect", "refresh"],
        flow: reactivex.Observable[_T],
        scheduler: abc.SchedulerBase,
        announcer: RetryAnnouncer,
    ) -> reactivex.Observable[_T]:
        """``flow`` retried as the recovery policy says (as is with recovery off); each retry
        announced at the location of the failure it answers."""
        if self._recovery is None:
            return flow
        retry: Callable[[reactivex.Observable[_T]], reactivex.Observable[_T]] = (
            self._recovery.retry(
                kind,
                scheduler,
                on_retry=announcer.retrying,
                random=self._random,
                new_tokens=not isinstance(self.config.credentials, TokenCredentials),
            )
        )
        return retry(flow)

    def _recover(self, error: TransportError, *, new_token: bool) -> Retrying:
        """After a brief, jittered wait, reconnect with backoff; giving up closes the agent.

        Returns the announcement of the first attempt, for the caller to emit once the agent's
        state is settled."""
        assert self._recovery is not None
        scheduler = self._scheduler()

        def closed(_: Exception) -> None:
            self._state.set(AgentState.CLOSED)

        delay = self._recovery.first_reconnect_delay(self._random or _random.random)
        flow = self._report_give_up(
            reactivex.timer(delay, scheduler=scheduler).pipe(
                ops.flat_map(lambda _: self._reconnect_recovering(scheduler, new_token=new_token))
            ),
            always=True,
        )
        self._recovery_job.disposable = flow.subscribe(on_error=closed, scheduler=scheduler)
        self._state.set(AgentState.RECONNECTING)
        return Retrying(0, delay, error, Context(Location.SOCKET_CLOSE), policy="reconnect")

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
                go_on=_not_refused_for_good,
            )
            self._refresher.restart()
        if self._keepalive_interval is not None:
            timers = wheel_timers_for(scheduler)  # every agent's rounds on shared ticks
            self._keepalive = KeepAlive(
                timers,
                self._keepalive_interval,
                self._keepalive_timeout,
                get_clock=lambda timeout, on_response, on_error: self._pending.start(
                    ".GetClock",
                    {},
                    timeout=timeout,
                    timers=timers,
                    on_response=on_response,
                    on_error=on_error,
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


def _not_refused_for_good(error: Exception) -> bool:
    """Whether the periodic refresh goes on after ``error``: not once the credentials were
    refused on every attempt (more rounds would only pile up failed logins towards a lockout;
    a manual ``refresh_session()`` that succeeds starts it again)."""
    return not (
        isinstance(error, RetriesExhaustedError) and isinstance(error.error, AuthenticationError)
    )

"""The Agent: one LivePerson messaging agent, its socket, its events and its recovery.

The agent owns exactly one socket at a time, as a :class:`~rx_lpagent.agent._socket.SocketLife`
(link, pending requests, keep-alive, periodic refresh, scheduled recovery) that :meth:`_swap`
alone replaces: attaching a socket, losing one and disposing all go through it, and settle the
agent's own state before any user code runs. A replaced socket's callbacks reach nothing (the
Node SDK's stale-listener defect); every request made on a socket is failed at once when that
socket goes away. The flows (connect, reconnect, refresh, recovery) are in
:mod:`~rx_lpagent.agent._flows`, the typed requests in :mod:`~rx_lpagent.agent._messaging`, the
asyncio doors in :mod:`~rx_lpagent.agent._asyncio`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent._isolation import isolated, log_raise
from rx_lpagent.agent._asyncio import AgentAsyncio, CloseWatch
from rx_lpagent.agent._backfill import QUERY_MESSAGES, Backfill
from rx_lpagent.agent._bus import Bus, StateCell
from rx_lpagent.agent._conversation_view import ConversationView
from rx_lpagent.agent._eventlog import EventLog
from rx_lpagent.agent._flows import AgentFlows
from rx_lpagent.agent._intake import Intake
from rx_lpagent.agent._ledger import EX_CONVERSATION, DialogLedger
from rx_lpagent.agent._lifetime import completion, until_disposed
from rx_lpagent.agent._live import agent_backend
from rx_lpagent.agent._messaging import MessagingRequests
from rx_lpagent.agent._resubscribe import Resubscriptions
from rx_lpagent.agent._retrying import Retrier
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.agent._single import SingleCall
from rx_lpagent.agent._socket import SocketLife
from rx_lpagent.agent._state import AgentState
from rx_lpagent.config import AgentConfig, TokenCredentials
from rx_lpagent.errors import (
    CallbackError,
    ConfigurationError,
    MalformedFrameError,
    NotConnectedError,
    SDKError,
    Service,
    TransportError,
)
from rx_lpagent.events import AgentEvent, Closed, Connected, Context, ErrorEvent, Location
from rx_lpagent.flows.report import reported
from rx_lpagent.flows.steps import Opened
from rx_lpagent.protocol.frames import Notification, Response
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.transforms import NodeView
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx._scheduling import non_blocking, timed_scheduler
from rx_lpagent.transport.backend import Backend, Domains, Session

__all__ = ["DEFAULT_RECOVERY", "Agent", "AgentState"]

_T = TypeVar("_T")

DEFAULT_RECOVERY = Recovery()


NEW_TOKEN_CLOSE_CODES = frozenset({4401, 4407, 1011})
"""Socket close codes after which LivePerson wants a reconnect with a fresh token."""


class Agent(AgentAsyncio, AgentFlows, MessagingRequests):
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
        """``recovery=None`` switches built-in recovery off; ``scheduler`` (default: the one a
        flow is subscribed with, else the running asyncio loop) and ``backend`` (default: the
        real services) are for tests. ``random`` (values in ``[0, 1)``, e.g.
        ``random.Random(7).random``) draws every jitter of the agent's recovery, replacing its
        policies' own sources: a seed replays a run. With ``config.record_to``, the recording
        file is created here: a ConfigurationError if it cannot be written."""
        if not isinstance(config, AgentConfig):
            raise ConfigurationError(f"Agent needs an AgentConfig, got {type(config).__name__}")
        self.config = config
        self._backend: Backend
        self._backend, recorder = agent_backend(config, backend)
        self._account_id = config.account_id
        self._request_timeout = config.request_timeout
        self._refresh_interval = config.refresh_interval
        self._keepalive_interval = config.keepalive_interval
        self._keepalive_timeout = config.keepalive_timeout
        self._recovery = recovery
        self._fixed_scheduler = scheduler
        self._reporting_callback = False
        self._events: Bus[AgentEvent] = Bus("agent.events", on_raise=self._callback_raised)
        self._events.subscribe(EventLog(config.account_id))
        if recorder is not None:
            recorder.on_failure = self._recording_failed
        self._retrier = Retrier(
            recovery,
            self._events.emit,
            random=random,
            new_tokens=not isinstance(config.credentials, TokenCredentials),
        )
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
        self._intake = Intake(
            self._router, self._ledger, self._conversations, lambda: self.identity
        )
        self._state = StateCell(AgentState.IDLE, "agent.state", self._callback_raised)
        self._close_watch = CloseWatch(self._events, self._state)
        self._domains: Domains | None = None
        self._session: Session | None = None
        self._identity: tuple[Session, AgentIdentity] | None = None  # made once per session
        self._socket = SocketLife.detached()
        """The current socket's life; replaced only by :meth:`_swap`."""
        self._pending = self._socket.pending  # MessagingRequests' view of it, set with it
        self._connecting: reactivex.Observable[Connected] | None = None

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
        return self._notifications_of(kind)

    @property
    def node_notifications(self) -> reactivex.Observable[NodeView]:
        """Notifications as the Node SDK delivers them (type names and bodies), for ported bots."""
        return self._router.node_view

    @property
    def identity(self) -> AgentIdentity | None:
        """Who the agent is logged in as (account, user id, PID), once logged in."""
        session, known = self._session, self._identity
        if session is None:
            return None
        if known is None or known[0] is not session:  # every request asks: one per session
            known = self._identity = (
                session,
                AgentIdentity(self._account_id, session.user_id, session.user_pid),
            )
        return known[1]

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
        return self._socket.link is not None

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
                lambda scheduler: self._retrier.report_give_up(
                    self._reconnect_recovering(scheduler, new_token=not skip_token_generation)
                )
            ).pipe(ops.do_action(on_error=self._reconnect_failed))
        )

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

    def _recording_failed(self, error: SDKError) -> None:
        self._events.emit(ErrorEvent(error, Context(Location.RECORDING_WRITE)))

    async def dispose(self) -> None:
        """Close the socket, cancel every timer and retry, fail pending requests, end streams."""
        if self._state.value is AgentState.DISPOSED:
            return
        # the agent's own state first (no socket, timer, retry or request left), so that no
        # user code run below can see, or leave, a half-disposed agent
        self._stop_backfill()
        self._connecting = None
        gone = self._swap(SocketLife.detached(self._socket.scheduler))
        self._state.set(AgentState.DISPOSED)
        self._disposing.emit(None)
        self._disposing.close()
        gone.pending.fail_all(NotConnectedError("agent disposed"))
        if gone.link is not None:
            await completion(gone.close(1000, "agent disposed"))
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

    def _scheduler(self, scheduler: abc.SchedulerBase | None = None) -> abc.SchedulerBase:
        """The scheduler rule: the one the agent was built with, else the one given at subscribe
        time, else the one its socket's flow was given, else the running loop
        (:class:`~rx_lpagent.rx.NoSchedulerError` without any)."""
        if self._fixed_scheduler is not None:
            return self._fixed_scheduler
        given = non_blocking(scheduler) or self._socket.scheduler
        return timed_scheduler(None, given, "the agent")

    # -- the socket: one life at a time, swapped in one place -----------------------------------

    def _swap(self, life: SocketLife) -> SocketLife:
        """The one place the agent's socket changes (attach, close, dispose); returns the old
        life, ended: its timers, keep-alive, refresh and recovery cancelled, its socket's frames
        and close ignored from now on. Calls no user code: the caller settles the rest of the
        agent's state, then fails the old life's requests and reports."""
        old, self._socket = self._socket, life
        self._pending = life.pending
        old.end()
        life.go_live()
        return old

    def _attach(self, opened: Opened) -> Connected:
        domains, session, life = opened
        assert isinstance(life, SocketLife)  # what _opener's sockets are
        if self._state.value is AgentState.DISPOSED:
            # a flow still in flight when the agent was disposed: its socket must not live on
            life.close_quietly(1000, "agent disposed")
            raise NotConnectedError("agent disposed")
        # before the old socket's requests fail: an unfinished backfill is redone on this one
        backfill = None if self._backfill is None else self._backfill.prepare()
        self._domains, self._session = domains, session
        old = self._swap(life)
        old.close_quietly(1000, "replaced")
        self._start_timers(life)
        # the agent is whole again; only now may user code run (and it cannot undo this)
        old.pending.fail_all(
            TransportError("socket replaced by a reconnect", None, Service.MESSAGING)
        )
        self._state.set(AgentState.CONNECTED)
        connected = Connected()
        self._events.emit(connected)
        if backfill is None:
            self._resubscribe()
        else:
            start = backfill
            self._resubscribe(lambda: start(self._scheduler(), self._recovery))
        life.deliver_held()
        return connected

    def _on_socket_closed(
        self, life: SocketLife, code: int | None, reason: str, by_peer: bool = True
    ) -> None:
        """``by_peer`` is False when this side ended the connection (a protocol error its
        library found): then the code is ours, not LivePerson's, and asks for no new token."""
        scheduler = self._scheduler(life.scheduler)
        error = TransportError(
            f"socket closed unexpectedly (code {code}{': ' + reason if reason else ''})",
            code,
            Service.MESSAGING,
        )
        self._stop_backfill()
        gone = self._swap(SocketLife.detached(life.scheduler))
        retrying = None
        if self._retrier.on:
            new_token = by_peer and code in NEW_TOKEN_CLOSE_CODES
            retrying = self._recover(scheduler, error, new_token=new_token)
        else:
            self._state.set(AgentState.CLOSED)
        # the agent's own state is settled (recovery already scheduled): user code may run now
        gone.pending.fail_all(error)
        self._events.emit(Closed(code, reason))
        self._events.emit(ErrorEvent(error, Context(Location.SOCKET_CLOSE)))
        if retrying is not None:
            self._events.emit(retrying)

    # -- backfill and reports -------------------------------------------------------------------

    def _query_history(self, body: dict[str, Any]) -> reactivex.Observable[Response]:
        return self.request(QUERY_MESSAGES, body)

    def _stop_backfill(self) -> None:
        if self._backfill is not None:
            self._backfill.stop()

    def _report_transform(self, error: MalformedFrameError) -> None:
        self._events.emit(ErrorEvent(error, Context(Location.NOTIFICATION_TRANSFORM)))

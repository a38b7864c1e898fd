"""Many agents in one process, on shared resources, each with its own recovery and events."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple

import reactivex
from reactivex import abc
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rx_lpagent.agent import DEFAULT_RECOVERY, Agent, AgentState
from rx_lpagent.agent._bus import Bus
from rx_lpagent.agent._live import live_backend
from rx_lpagent.agent._timers import timers_for
from rx_lpagent.config import (
    AgentConfig,
    AppKeyCredentials,
    AssertionCredentials,
    PasswordCredentials,
    TokenCredentials,
)
from rx_lpagent.errors import ConfigurationError
from rx_lpagent.events import AgentEvent, Connected, Context, ErrorEvent
from rx_lpagent.fleet._pacing import RateLimit, now_seconds
from rx_lpagent.fleet._services import FleetLimits, FleetServices
from rx_lpagent.recovery import Recovery
from rx_lpagent.transport import HttpSession, shared_http_session
from rx_lpagent.transport.backend import Backend

__all__ = ["AgentKey", "Fleet", "FleetEvent", "agent_key"]

_log = logging.getLogger("rx_lpagent.fleet")


class AgentKey(NamedTuple):
    """Which agent user: the account and the login name (or user id, for token agents)."""

    account: str
    user: str

    def __str__(self) -> str:
        return f"{self.account}/{self.user}"


def agent_key(config: AgentConfig) -> AgentKey:
    """The agent user a config logs in as (an assertion is named by a digest, never shown)."""
    credentials = config.credentials
    if isinstance(credentials, PasswordCredentials | AppKeyCredentials):
        return AgentKey(config.account_id, credentials.username)
    if isinstance(credentials, TokenCredentials):
        return AgentKey(config.account_id, credentials.user_id)
    assert isinstance(credentials, AssertionCredentials)
    digest = hashlib.sha256(credentials.assertion.encode()).hexdigest()[:16]
    return AgentKey(config.account_id, f"assertion-{digest}")


@dataclass(frozen=True, slots=True)
class FleetEvent(AgentEvent):
    """An agent's event on :attr:`Fleet.events`: ``event`` as the agent reported it, from
    ``agent``; ``context`` is the event's own, so the location filters work unchanged."""

    agent: AgentKey
    event: AgentEvent
    context: Context


def _nothing() -> None:
    pass


class _Member:
    """An agent of the fleet and what the fleet holds of it (kept small: one per agent)."""

    __slots__ = (
        "agent",
        "connecting",
        "fleet",
        "in_flight",
        "key",
        "started",
        "state",
        "stop_start",
        "watches",
    )

    def __init__(self, fleet: Fleet, key: AgentKey, agent: Agent) -> None:
        self.fleet = fleet
        self.key = key
        self.agent = agent
        self.state = AgentState.IDLE
        self.watches: tuple[abc.DisposableBase, ...] = ()
        """Its events and state changes, merged into the fleet's."""
        self.started = False
        self.in_flight = False
        """Its connect was started and its first attempt has not ended yet."""
        self.stop_start: Callable[[], None] = _nothing
        """Cancels the wait before its connect."""
        self.connecting: abc.DisposableBase | None = None
        """Its first connect, until that ends."""

    # bound methods as the fleet's subscribers: no closures and cells per agent
    def on_event(self, event: AgentEvent) -> None:
        self.fleet._on_event(self.key, self, event)

    def on_state(self, state: AgentState) -> None:
        self.fleet._set_state(self, state)

    def stop(self) -> None:
        stop_start, self.stop_start = self.stop_start, _nothing
        stop_start()
        connecting, self.connecting = self.connecting, None
        if connecting is not None:
            connecting.dispose()
        for watch in self.watches:
            watch.dispose()
        self.watches = ()


class Fleet:
    """Runs many agents on one HTTP session, a CSDS cache and paced logins and sockets.

    Use as ``async with Fleet() as fleet:``; :meth:`add` an :class:`AgentConfig` to start an
    agent (it waits a random delay of up to ``limits.connect_jitter``, then its turn),
    :meth:`remove` to dispose it. Each agent keeps its own recovery, events and state. Agents
    added together start connecting at the pace of ``limits.logins_per_process``, at most
    ``limits.connects_in_flight`` first attempts at a time.
    """

    def __init__(
        self,
        *,
        limits: FleetLimits | None = None,
        recovery: Recovery | None = DEFAULT_RECOVERY,
        rng: random.Random | None = None,
        scheduler: abc.SchedulerBase | None = None,
        backend: Callable[[AgentConfig], Backend] | None = None,
    ) -> None:
        """``rng`` draws the jitter; ``scheduler`` (default: the running loop's) and ``backend``
        (default: the live services on one shared HTTP session) are for tests."""
        self._make_backend = backend
        self.limits = limits or FleetLimits()
        self._recovery = recovery
        self._rng = rng or random.Random()
        self._fixed_scheduler = scheduler
        self._members: dict[AgentKey, _Member] = {}
        self._events: Bus[FleetEvent] = Bus("fleet.events")
        self._counts: dict[AgentState, int] = dict.fromkeys(AgentState, 0)
        self._state: Bus[Mapping[AgentState, int]] = Bus("fleet.state")
        self._http: HttpSession | None = None
        self._services: FleetServices | None = None
        self._closed = False
        self._admissions = RateLimit(self.limits.logins_per_process)
        self._waiting: deque[tuple[AgentKey, _Member]] = deque()
        self._in_flight = 0

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Fleet:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Dispose every agent, then close the shared session; streams complete."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*(self.remove(key) for key in list(self._members)))
        if self._http is not None:
            await self._http.close()
        self._events.close()
        self._state.close()

    def _scheduler(self) -> abc.SchedulerBase:
        if self._fixed_scheduler is None:
            self._fixed_scheduler = AsyncIOScheduler(asyncio.get_running_loop())
        return self._fixed_scheduler

    def _backend(self, config: AgentConfig) -> Backend:
        if self._services is None:
            self._services = FleetServices(self.limits, self._scheduler())
        if self._make_backend is not None:
            return self._services.wrap(config, self._make_backend(config))
        if self._http is None:
            self._http = shared_http_session()
        return self._services.wrap(config, live_backend(config, http=self._http))

    # -- agents ---------------------------------------------------------------------------------

    def add(self, config: AgentConfig) -> Agent:
        """Start an agent for ``config``; one agent per agent user (see :func:`agent_key`)."""
        if self._closed:
            raise RuntimeError("the fleet is closed")
        if config.record_to is not None:
            raise ConfigurationError(
                "AgentConfig: record_to records one agent (Agent(config)); a fleet does not record"
            )
        key = agent_key(config)
        if key in self._members:
            raise ValueError(f"agent {key} is already in the fleet")
        recovery = self._recovery
        if recovery is not None:
            # the fleet spreads its agents itself, over a window that grows with the fleet: each
            # agent's own random spread would only add to it
            wait = recovery.reconnect_after + self._rng.uniform(0, self._reconnect_window())
            recovery = replace(recovery, reconnect_after=wait, reconnect_spread=0.0)
        agent = Agent(
            config,
            recovery=recovery,
            scheduler=self._fixed_scheduler,
            backend=self._backend(config),
        )
        member = _Member(self, key, agent)
        self._members[key] = member
        self._set_state(member, AgentState.IDLE, counted=False)
        member.watches = (
            agent.events.subscribe(member.on_event),
            agent.state_changes.subscribe(member.on_state),
        )
        jitter = self._rng.uniform(0, self.limits.connect_jitter)
        member.stop_start = timers_for(self._scheduler())(jitter, lambda: self._queue(key, member))
        return agent

    def _queue(self, key: AgentKey, member: _Member) -> None:
        """After its jitter, the agent waits its turn (its jitter is not spent in flight)."""
        member.stop_start = _nothing
        self._waiting.append((key, member))
        self._admit()

    def _reconnect_window(self) -> float:
        """How widely to spread the first reconnect attempts after a mass drop: at least
        ``limits.reconnect_jitter``, and as long as the socket pace needs for every agent (the
        attempts of a fleet that lost every socket then wait on timers, not in one queue)."""
        pace = self.limits.sockets_per_process.per_second
        return max(self.limits.reconnect_jitter, len(self._members) / pace)

    def _admit(self) -> None:
        """Start the connects of waiting agents while fewer than ``limits.connects_in_flight``
        are under way, each at the login pace.

        Bounding the connects under way bounds the memory they hold: a connect flow holds its
        whole pipeline until its first attempt ends, and a process slower than the login pace
        would otherwise pile them up (10,000 at once cost memory the allocator then keeps).
        The jitter is waited before (an agent in flight for its jitter would only hold a place
        others could use: with 1 s of jitter and 100 in flight, the fleet could not start more
        than ~150 agents a second, below its login pace).
        """
        scheduler = self._scheduler()
        while self._waiting and self._in_flight < self.limits.connects_in_flight:
            key, member = self._waiting.popleft()
            if self._members.get(key) is not member or member.started:
                continue  # removed while it waited (and maybe added again since)
            member.started = True
            now = now_seconds(scheduler)
            delay = self._admissions.reserve(now) - now
            member.in_flight = True
            self._in_flight += 1
            self._connect_after(key, member, delay, scheduler)

    def _connect_after(
        self, key: AgentKey, member: _Member, delay: float, scheduler: abc.SchedulerBase
    ) -> None:
        # a plain timer, then the agent's own connect: no Rx pipeline of the fleet's per agent
        done = False

        def failed(error: Exception) -> None:
            _log.debug("agent %s did not connect: %r", key, error)
            ended()

        def ended() -> None:
            nonlocal done
            done = True
            member.connecting = None
            self._first_attempt_ended(member)

        def start() -> None:
            member.stop_start = _nothing
            connecting = member.agent.connect().subscribe(
                on_error=failed, on_completed=ended, scheduler=scheduler
            )
            if not done:  # it did not end at once
                member.connecting = connecting

        member.stop_start = timers_for(scheduler)(delay, start)

    def _first_attempt_ended(self, member: _Member) -> None:
        if member.in_flight:
            member.in_flight = False
            self._in_flight -= 1
            if not self._closed:
                self._admit()

    def _on_event(self, key: AgentKey, member: _Member, event: AgentEvent) -> None:
        if member.in_flight and isinstance(event, ErrorEvent | Connected):
            # the first attempt ended; retries wait on cheap timers: admit the next agent
            self._first_attempt_ended(member)
        if self._events.observer_count:  # nobody listening: no FleetEvent made per event
            self._events.emit(FleetEvent(key, event, event.context))

    async def remove(self, key: AgentKey) -> None:
        """Dispose the agent of ``key`` (closing its socket) and forget it."""
        member = self._members.get(key)
        if member is None:
            return
        await member.agent.dispose()
        member.stop()
        self._first_attempt_ended(member)
        if self._members.get(key) is member:
            del self._members[key]
            self._counts[member.state] -= 1
            self._state.emit(dict(self._counts))

    def _set_state(self, member: _Member, state: AgentState, *, counted: bool = True) -> None:
        if counted:
            self._counts[member.state] -= 1
        member.state = state
        self._counts[state] += 1
        self._state.emit(dict(self._counts))

    # -- views ----------------------------------------------------------------------------------

    @property
    def agents(self) -> Mapping[AgentKey, Agent]:
        return {key: member.agent for key, member in self._members.items()}

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[AgentKey]:
        return iter(list(self._members))

    def __contains__(self, key: object) -> bool:
        return key in self._members

    @property
    def events(self) -> reactivex.Observable[FleetEvent]:
        """Every agent's events, each tagged with its agent; completes when the fleet closes."""
        return self._events

    @property
    def counts(self) -> Mapping[AgentState, int]:
        """How many agents are in each state (every state listed, zeros included)."""
        return dict(self._counts)

    @property
    def count_changes(self) -> reactivex.Observable[Mapping[AgentState, int]]:
        """The counts after every change of an agent's state (hot)."""
        return self._state

"""Built-in recovery in virtual time: exact attempt times, tokens, give-up.

401/403 recovery (``Recovery.auth``) is in test_auth_recovery.py; retry events and logs in
test_retry_events.py; the jittered first reconnect in test_herd.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from reactivex.testing import TestScheduler

from rx_lpagent.agent import AgentState
from rx_lpagent.errors import (
    AuthenticationError,
    RateLimitedError,
    ServerError,
    Service,
    TransportError,
)
from rx_lpagent.events import AgentEvent, Connected, ErrorEvent, SuccessEvent
from rx_lpagent.recovery import DEFAULT_AUTH, DEFAULT_RECONNECT, Recovery
from rx_lpagent.rx import Backoff, Jitter, RetriesExhaustedError
from tests.flows.scripted import ScriptedBackend, scripted_agent

EXACT = Recovery(
    reconnect=replace(DEFAULT_RECONNECT, jitter=Jitter.NONE),
    auth=replace(DEFAULT_AUTH, jitter=Jitter.NONE),
    reconnect_spread=0.0,
)
"""LivePerson's policy without its randomness: the first reconnect 1 s after a drop, then
1, 2, 4 ... s; 401/403 retried after 10, 20, 40, 80, 160 s."""


class Harness:
    def __init__(
        self,
        recovery: Recovery = EXACT,
        refresh_interval: float | None = None,
        keepalive_interval: float | None = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        self.scheduler = TestScheduler()
        self.backend = ScriptedBackend(self.scheduler)
        self.agent = scripted_agent(
            self.backend,
            recovery=recovery,
            refresh_interval=refresh_interval,
            keepalive_interval=keepalive_interval,
            random=random,
        )
        self.events: list[AgentEvent] = []
        self.agent.events.subscribe(self.events.append)
        self.results: list[object] = []
        self.errors: list[Exception] = []

    def start(self, source: object) -> None:
        source.subscribe(self.results.append, self.errors.append)  # type: ignore[attr-defined]

    def errors_at(self, location: str) -> list[ErrorEvent]:
        return [e for e in self.events if isinstance(e, ErrorEvent) and e.location == location]

    def successes_at(self, location: str) -> int:
        return sum(1 for e in self.events if isinstance(e, SuccessEvent) and e.location == location)


def test_connect_retries_5xx_after_5_then_10_seconds() -> None:
    h = Harness()
    h.backend.fail("csds", ServerError("down", 503, Service.DOMAIN_NAMES), times=2)
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    assert h.backend.times("csds") == [0.0, 5.0, 15.0]
    assert h.results == [Connected()]
    assert len(h.errors_at("Connect#CSDS")) == 2
    assert h.agent.state is AgentState.CONNECTED


def test_login_429_waits_for_retry_after_and_keeps_no_stale_state() -> None:
    h = Harness()
    h.backend.fail("login", RateLimitedError("slow", 429, Service.LOGIN, retry_after=7.0))
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    assert h.backend.times("login") == [0.0, 7.0]
    assert h.results == [Connected()]


def test_a_retry_after_a_socket_failure_reuses_the_login() -> None:
    h = Harness()
    h.backend.fail("ws", ServerError("busy", 503, Service.MESSAGING))
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    assert h.backend.logins == 1
    assert h.backend.times("ws") == [0.0, 5.0]
    assert h.results == [Connected()]


def test_connect_gives_up_after_its_attempts() -> None:
    h = Harness(Recovery(connect=Backoff(initial=1, ratio=2, max_attempts=2)))
    h.backend.fail("csds", ServerError("down", 500, Service.DOMAIN_NAMES), times=5)
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    assert h.backend.times("csds") == [0.0, 1.0, 3.0]
    assert isinstance(h.errors[0], RetriesExhaustedError)
    (give_up,) = h.errors_at("Recovery#GiveUp")
    assert give_up.error.code == 500
    assert h.agent.state is AgentState.CLOSED


def test_a_dropped_socket_reconnects_with_the_same_token_after_a_second() -> None:
    h = Harness()
    h.start(h.agent.connect())
    h.scheduler.advance_to(10)
    h.backend.links[0].drop(1006)
    assert {h.agent.state} == {AgentState.RECONNECTING}
    h.scheduler.advance_to(20)
    assert h.backend.times("ws") == [0.0, 11.0]
    assert [link.token for link in h.backend.links] == ["token-1", "token-1"]
    assert h.agent.state is AgentState.CONNECTED
    assert h.successes_at("Reconnect#Relogin#WS") == 1


def test_close_4401_4407_1011_reconnect_with_a_new_token() -> None:
    for code in (4401, 4407, 1011):
        h = Harness()
        h.start(h.agent.connect())
        h.backend.links[0].drop(code)
        h.scheduler.advance_to(5)
        assert h.backend.times("ws") == [0.0, 1.0], code
        assert h.backend.times("login") == [0.0, 1.0], code
        assert [link.token for link in h.backend.links] == ["token-1", "token-2"], code
        assert h.agent.state is AgentState.CONNECTED


def test_a_token_refused_while_reconnecting_makes_the_next_attempt_log_in() -> None:
    h = Harness()
    h.start(h.agent.connect())
    h.backend.fail("ws", AuthenticationError("expired", 401, Service.MESSAGING))
    h.backend.links[0].drop(1006)
    h.scheduler.advance_to(20)
    assert h.backend.times("ws") == [0.0, 1.0, 11.0]
    assert h.backend.times("login") == [0.0, 11.0]
    assert [link.token for link in h.backend.links] == ["token-1", "token-2"]
    assert h.agent.state is AgentState.CONNECTED


def test_reconnect_recovery_gives_up_and_closes() -> None:
    policy = replace(
        EXACT, reconnect=replace(DEFAULT_RECONNECT, jitter=Jitter.NONE, max_attempts=3)
    )
    h = Harness(policy)
    h.start(h.agent.connect())
    h.backend.fail("ws", TransportError("refused"), times=10)
    h.backend.links[0].drop(1006)
    h.scheduler.advance_to(100)
    assert h.backend.times("ws") == [0.0, 1.0, 2.0, 4.0, 8.0]
    assert len(h.errors_at("Recovery#GiveUp")) == 1
    assert h.agent.state is AgentState.CLOSED


def test_a_manual_reconnect_cancels_the_pending_recovery() -> None:
    h = Harness()
    h.start(h.agent.connect())
    h.backend.fail("ws", TransportError("refused"))
    h.backend.links[0].drop(1006)
    h.scheduler.advance_to(1.5)
    assert h.backend.times("ws") == [0.0, 1.0]
    h.start(h.agent.reconnect(skip_token_generation=True))
    h.scheduler.advance_to(100)
    assert h.backend.times("ws") == [0.0, 1.0, 1.5]
    assert h.agent.state is AgentState.CONNECTED


def test_refresh_failures_retry_after_5_then_6_25_seconds() -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("refresh", ServerError("down", 503, Service.REFRESH_SESSION), times=2)
    h.scheduler.advance_to(700)
    assert h.backend.times("refresh") == [600.0, 605.0, 611.25]
    assert h.successes_at("RefreshSession#REST") == 1
    h.scheduler.advance_to(1300)
    assert h.backend.times("refresh")[-1] == 1211.25


def test_a_manual_refresh_success_cancels_pending_refresh_retries() -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("refresh", ServerError("down", 503, Service.REFRESH_SESSION))
    h.scheduler.advance_to(602)
    h.start(h.agent.refresh_session())
    h.scheduler.advance_to(1000)
    assert h.backend.times("refresh") == [600.0, 602.0]


def test_the_first_reconnect_and_every_retry_are_jittered_by_the_agents_random_source() -> None:
    # r = 0.25 every time: the first reconnect waits 1 + 1 * 0.25 s; the reconnect policy's
    # equal jitter makes its 1 s, 2 s waits 0.5 + 0.5 * 0.25 and 1 + 1 * 0.25 s
    h = Harness(Recovery(), random=lambda: 0.25)
    h.start(h.agent.connect())
    h.backend.fail("ws", TransportError("refused"), times=2)
    h.backend.links[0].drop(1006)
    h.scheduler.advance_to(100)
    assert h.backend.times("ws") == [0.0, 1.25, 1.875, 3.125]
    assert h.agent.state is AgentState.CONNECTED

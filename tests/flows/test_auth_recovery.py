"""401/403 at every location, in virtual time: a new login, the attempt times of ``Recovery.auth``
(10, 20, 40, 80, 160 s without jitter), and the give-up when credentials are always refused."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.config import AgentConfig, TokenCredentials
from rx_lpagent.errors import AuthenticationError, ServerError, Service
from rx_lpagent.events import Connected, Retrying
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import RetriesExhaustedError
from tests.flows.scripted import FakeSession
from tests.flows.test_recovery import EXACT, Harness

CODES = [401, 403]


def refused(code: int, service: str) -> AuthenticationError:
    return AuthenticationError(f"refused with HTTP {code}", code, service)


def retries(h: Harness) -> list[tuple[str, int, float, str, int | None]]:
    return [
        (e.location, e.attempt, e.delay, e.policy, e.error.code)
        for e in h.events
        if isinstance(e, Retrying)
    ]


@dataclass(frozen=True)
class ConnectCase:
    location: str
    endpoint: str
    service: str
    calls: dict[str, list[float]]
    """Exact times of the calls after one refusal at ``endpoint``."""
    token: str
    """The token of the socket that ends up attached."""


CONNECT_CASES = [
    ConnectCase(
        "Connect#CSDS",
        "csds",
        Service.DOMAIN_NAMES,
        {"csds": [0.0, 10.0], "login": [10.0], "ws": [10.0]},
        "token-1",
    ),
    ConnectCase(
        "Connect#Login",
        "login",
        Service.LOGIN,
        {"csds": [0.0, 10.0], "login": [0.0, 10.0], "ws": [10.0]},
        "token-1",
    ),
    # the socket handshake refused the token: the next attempt logs in again
    ConnectCase(
        "Connect#WS",
        "ws",
        Service.MESSAGING,
        {"csds": [0.0, 10.0], "login": [0.0, 10.0], "ws": [0.0, 10.0]},
        "token-2",
    ),
]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("case", CONNECT_CASES, ids=lambda c: c.location)
def test_a_refusal_at_connect_logs_in_again_after_10_seconds(case: ConnectCase, code: int) -> None:
    h = Harness()
    h.backend.fail(case.endpoint, refused(code, case.service))
    h.start(h.agent.connect())
    h.scheduler.advance_to(9.9)
    assert h.results == []
    h.scheduler.advance_to(100)
    for endpoint, times in case.calls.items():
        assert h.backend.times(endpoint) == times, endpoint
    assert h.results == [Connected()]
    assert [link.token for link in h.backend.links] == [case.token]
    assert [e.error.code for e in h.errors_at(case.location)] == [code]
    assert retries(h) == [(case.location, 1, 10.0, "auth", code)]


@dataclass(frozen=True)
class ReconnectCase:
    location: str
    endpoint: str
    service: str
    close_code: int
    calls: dict[str, list[float]]


RECONNECT_CASES = [
    ReconnectCase(
        "Reconnect#CSDS",
        "csds",
        Service.DOMAIN_NAMES,
        1006,
        {"csds": [0.0, 1.0, 11.0], "login": [0.0, 11.0], "ws": [0.0, 11.0]},
    ),
    ReconnectCase(
        "Reconnect#Relogin#WS",
        "ws",
        Service.MESSAGING,
        1006,
        {"csds": [0.0, 1.0, 11.0], "login": [0.0, 11.0], "ws": [0.0, 1.0, 11.0]},
    ),
    ReconnectCase(
        "Reconnect#Relogin#WS",
        "login",
        Service.LOGIN,
        4401,
        {"csds": [0.0, 1.0, 11.0], "login": [0.0, 1.0, 11.0], "ws": [0.0, 11.0]},
    ),
]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize(
    "case", RECONNECT_CASES, ids=lambda c: f"{c.location}-{c.endpoint}-after-{c.close_code}"
)
def test_a_refusal_while_reconnecting_logs_in_again_after_10_seconds(
    case: ReconnectCase, code: int
) -> None:
    h = Harness()
    h.start(h.agent.connect())
    h.backend.fail(case.endpoint, refused(code, case.service))
    h.backend.links[0].drop(case.close_code)
    h.scheduler.advance_to(10.9)
    assert {h.agent.state} == {AgentState.RECONNECTING}
    h.scheduler.advance_to(100)
    for endpoint, times in case.calls.items():
        assert h.backend.times(endpoint) == times, endpoint
    assert h.backend.links[-1].token == "token-2"
    assert h.agent.state is AgentState.CONNECTED
    assert [e.error.code for e in h.errors_at(case.location)] == [code]
    assert retries(h)[1:] == [(case.location, 1, 10.0, "auth", code)]


@pytest.mark.parametrize("code", CODES)
def test_a_refresh_refused_logs_in_at_once_and_keeps_the_socket(code: int) -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("refresh", refused(code, Service.REFRESH_SESSION))
    h.scheduler.advance_to(700)
    assert h.backend.times("refresh") == [600.0]
    assert h.backend.times("login") == [0.0, 600.0]
    assert h.errors_at("RefreshSession#REST") == []
    assert h.successes_at("RefreshSession#Relogin#WS") == 1
    assert len(h.backend.links) == 1
    assert h.backend.links[0].closed_with is None
    assert retries(h) == []
    assert h.agent.session == FakeSession(token="token-2")


@pytest.mark.parametrize("code", CODES)
def test_a_refusal_at_refresh_csds_logs_in_again_after_10_seconds(code: int) -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("csds", refused(code, Service.DOMAIN_NAMES))
    h.scheduler.advance_to(700)
    assert h.backend.times("csds") == [0.0, 600.0, 610.0]
    # a token was refused: the retry logs in again instead of refreshing the old session
    assert h.backend.times("refresh") == []
    assert h.backend.times("login") == [0.0, 610.0]
    assert h.successes_at("RefreshSession#Relogin#WS") == 1
    assert retries(h) == [("RefreshSession#CSDS", 1, 10.0, "auth", code)]
    assert len(h.backend.links) == 1


@pytest.mark.parametrize("code", CODES)
def test_a_relogin_refused_while_refreshing_is_retried_after_10_seconds(code: int) -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("refresh", refused(401, Service.REFRESH_SESSION))
    h.backend.fail("login", refused(code, Service.LOGIN))
    h.scheduler.advance_to(700)
    assert h.backend.times("refresh") == [600.0]
    assert h.backend.times("login") == [0.0, 600.0, 610.0]
    assert retries(h) == [("RefreshSession#Relogin#WS", 1, 10.0, "auth", code)]
    assert h.successes_at("RefreshSession#Relogin#WS") == 1
    assert h.agent.state is AgentState.CONNECTED


ALWAYS_REFUSED = [0.0, 10.0, 30.0, 70.0, 150.0, 310.0]


def test_credentials_refused_every_time_at_connect_give_up_after_5_retries() -> None:
    h = Harness()
    h.backend.fail("login", refused(401, Service.LOGIN), times=100)
    h.start(h.agent.connect())
    h.scheduler.advance_to(1000)
    assert h.backend.times("login") == ALWAYS_REFUSED
    (error,) = h.errors
    assert isinstance(error, RetriesExhaustedError)
    assert isinstance(error.error, AuthenticationError)
    assert error.code == 401
    (give_up,) = h.errors_at("Recovery#GiveUp")
    assert give_up.error is error
    assert [r[1:3] for r in retries(h)] == [(1, 10.0), (2, 20.0), (3, 40.0), (4, 80.0), (5, 160.0)]
    assert h.agent.state is AgentState.CLOSED


def test_credentials_refused_every_time_while_reconnecting_give_up_and_close() -> None:
    h = Harness()
    h.start(h.agent.connect())
    h.backend.fail("login", refused(403, Service.LOGIN), times=100)
    h.backend.links[0].drop(4401)
    h.scheduler.advance_to(1000)
    assert h.backend.times("login") == [0.0] + [1.0 + t for t in ALWAYS_REFUSED]
    (give_up,) = h.errors_at("Recovery#GiveUp")
    assert isinstance(give_up.error, RetriesExhaustedError)
    assert give_up.error.code == 403
    assert h.agent.state is AgentState.CLOSED


def test_5xx_and_401_count_against_their_own_policies() -> None:
    h = Harness()
    h.backend.fail("csds", ServerError("down", 503, Service.DOMAIN_NAMES))
    h.backend.fail("login", refused(401, Service.LOGIN))
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    assert h.backend.times("csds") == [0.0, 5.0, 15.0]
    assert h.backend.times("login") == [5.0, 15.0]
    assert retries(h) == [
        ("Connect#CSDS", 1, 5.0, "connect", 503),
        ("Connect#Login", 1, 10.0, "auth", 401),
    ]
    assert h.results == [Connected()]


def test_the_default_auth_waits_are_jittered_between_half_and_all_of_10_20_40_80_160() -> None:
    h = Harness(Recovery(), random=random.Random(7).random)
    h.backend.fail("login", refused(401, Service.LOGIN), times=100)
    h.start(h.agent.connect())
    h.scheduler.advance_to(1000)
    delays = [r[2] for r in retries(h)]
    assert len(delays) == 5
    for delay, base in zip(delays, [10, 20, 40, 80, 160], strict=True):
        assert base / 2 <= delay < base
    starts = h.backend.times("login")
    assert starts[-1] - starts[0] >= 155  # six refused logins take at least 2.5 minutes


def test_the_periodic_refresh_stops_once_credentials_are_refused_for_good() -> None:
    h = Harness(refresh_interval=600)
    h.start(h.agent.connect())
    h.backend.fail("refresh", refused(401, Service.REFRESH_SESSION))
    h.backend.fail("login", refused(401, Service.LOGIN), times=100)
    h.scheduler.advance_to(5000)
    # one round of 6 refused logins, then no more: no pile of failed logins towards a lockout
    assert h.backend.times("login") == [0.0] + [600.0 + t for t in ALWAYS_REFUSED]
    assert len(h.errors_at("Recovery#GiveUp")) == 1
    assert h.agent.state is AgentState.CONNECTED  # the socket is still there
    h.backend.script["login"].clear()
    h.start(h.agent.refresh_session())  # a manual refresh that succeeds starts it again
    h.scheduler.advance_to(5700)
    assert h.backend.times("refresh") == [600.0, 5000.0, 5600.0]


def test_an_agent_with_a_fixed_bearer_token_fails_at_once_on_a_refused_token() -> None:
    h = Harness()
    h.agent = Agent(
        AgentConfig("123", TokenCredentials("fixed-token", "5551234")),
        backend=h.backend,
        scheduler=h.scheduler,
        recovery=EXACT,
    )
    h.backend.fail("ws", refused(401, Service.MESSAGING))
    h.start(h.agent.connect())
    h.scheduler.advance_to(100)
    assert h.backend.times("ws") == [0.0]  # a login cannot renew a given token: no retry
    assert isinstance(h.errors[0], AuthenticationError)
    assert h.agent.state is AgentState.CLOSED

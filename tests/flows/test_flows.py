"""Connect, reconnect and refresh flows in virtual time, on a scripted backend."""

from __future__ import annotations

import asyncio

import pytest
from reactivex.testing import TestScheduler

from rx_lpagent.agent import AgentState
from rx_lpagent.errors import AuthenticationError, RateLimitedError, SDKError, ServerError
from rx_lpagent.events import AgentEvent, Closed, Connected, ErrorEvent, SuccessEvent
from tests.flows.scripted import Answer, FakeSession, ScriptedBackend, scripted_agent


class Harness:
    def __init__(
        self, refresh_interval: float | None = None, keepalive_interval: float | None = None
    ) -> None:
        self.scheduler = TestScheduler()
        self.backend = ScriptedBackend(self.scheduler)
        self.agent = scripted_agent(
            self.backend,
            refresh_interval=refresh_interval,
            keepalive_interval=keepalive_interval,
        )
        self.events: list[AgentEvent] = []
        self.agent.events.subscribe(self.events.append)

    def outcomes(self) -> list[tuple[str, str]]:
        return [
            ("ok" if isinstance(e, SuccessEvent) else "error", e.location)
            for e in self.events
            if isinstance(e, SuccessEvent | ErrorEvent)
        ]

    def run(self, source: object) -> tuple[list[object], list[Exception]]:
        values: list[object] = []
        errors: list[Exception] = []
        source.subscribe(values.append, errors.append)  # type: ignore[attr-defined]
        self.scheduler.advance_by(0.001)
        return values, errors


def test_connect_reports_each_step_and_connects() -> None:
    h = Harness()
    values, errors = h.run(h.agent.connect())
    assert errors == []
    assert values == [Connected()]
    assert h.outcomes() == [("ok", "Connect#CSDS"), ("ok", "Connect#Login"), ("ok", "Connect#WS")]
    assert Connected() in h.events
    assert h.agent.state is AgentState.CONNECTED
    assert [name for _, name in h.backend.calls] == ["csds", "login", "ws"]


@pytest.mark.parametrize(
    ("endpoint", "location"),
    [("csds", "Connect#CSDS"), ("login", "Connect#Login"), ("ws", "Connect#WS")],
)
@pytest.mark.parametrize(
    "error",
    [
        ServerError("down", 503, "x"),
        RateLimitedError("slow", 429, "x"),
        AuthenticationError("no", 401, "x"),
    ],
)
def test_a_failing_connect_step_reports_its_location(
    endpoint: str, location: str, error: SDKError
) -> None:
    h = Harness()
    h.backend.fail(endpoint, error)
    _, errors = h.run(h.agent.connect())
    assert errors == [error]
    assert h.outcomes()[-1] == ("error", location)
    failed = [e for e in h.events if isinstance(e, ErrorEvent)]
    assert failed[0].error is error
    assert h.agent.state is AgentState.CLOSED


def test_connect_twice_shares_one_attempt_and_then_is_a_no_op() -> None:
    h = Harness()
    h.backend.script["csds"].append(Answer(delay=1.0))
    first: list[object] = []
    second: list[object] = []
    h.agent.connect().subscribe(first.append)
    h.agent.connect().subscribe(second.append)
    h.scheduler.advance_by(2)
    third, _ = h.run(h.agent.connect())
    assert first == second == third == [Connected()]
    assert [name for _, name in h.backend.calls] == ["csds", "login", "ws"]
    assert len(h.backend.links) == 1


def test_reconnect_with_and_without_a_new_token() -> None:
    h = Harness()
    h.run(h.agent.connect())
    h.run(h.agent.reconnect(skip_token_generation=True))
    assert [link.token for link in h.backend.links] == ["token-1", "token-1"]
    h.run(h.agent.reconnect())
    assert [link.token for link in h.backend.links] == ["token-1", "token-1", "token-2"]
    assert h.outcomes()[-2:] == [("ok", "Reconnect#CSDS"), ("ok", "Reconnect#Relogin#WS")]
    assert [link.closed_with for link in h.backend.links] == [1000, 1000, None]


def test_a_replaced_socket_is_detached_completely() -> None:
    h = Harness()
    h.run(h.agent.connect())
    old = h.backend.links[0]
    h.run(h.agent.reconnect(skip_token_generation=True))
    before = list(h.events)
    old.drop(1006)
    old.on_message(b'{"kind":"notification","type":"x","body":{}}')
    assert h.events == before
    assert h.agent.state is AgentState.CONNECTED


def test_reconnect_failure_reports_its_location() -> None:
    h = Harness()
    h.run(h.agent.connect())
    h.backend.fail("ws", AuthenticationError("expired", 401, "messaging"))
    _, errors = h.run(h.agent.reconnect(skip_token_generation=True))
    assert isinstance(errors[0], AuthenticationError)
    assert h.outcomes()[-2:] == [("ok", "Reconnect#CSDS"), ("error", "Reconnect#Relogin#WS")]


def test_unexpected_close_without_recovery_reports_and_closes() -> None:
    h = Harness()
    h.run(h.agent.connect())
    h.backend.links[0].drop(1006, "gone")
    assert Closed(1006, "gone") in h.events
    assert h.outcomes()[-1] == ("error", "Socket#Close")
    assert h.agent.state is AgentState.CLOSED
    assert not h.agent.connected


def test_refresh_success_and_401_relogin_keeps_the_socket() -> None:
    h = Harness()
    h.run(h.agent.connect())
    h.run(h.agent.refresh_session())
    assert h.outcomes()[-3:] == [
        ("ok", "RefreshSession#Precheck"),
        ("ok", "RefreshSession#CSDS"),
        ("ok", "RefreshSession#REST"),
    ]
    h.backend.fail("refresh", AuthenticationError("csrf", 401, "authentication.refreshSession"))
    values, errors = h.run(h.agent.refresh_session())
    assert errors == []
    assert h.outcomes()[-3:] == [
        ("ok", "RefreshSession#Precheck"),
        ("ok", "RefreshSession#CSDS"),
        ("ok", "RefreshSession#Relogin#WS"),
    ]
    assert values == [FakeSession(token="token-2")]
    assert len(h.backend.links) == 1
    assert h.backend.links[0].closed_with is None
    assert h.agent.state is AgentState.CONNECTED


def test_refresh_precheck_fails_clearly_for_bearer_agents() -> None:
    h = Harness()
    h.backend.bearer_only = True
    h.run(h.agent.connect())
    _, errors = h.run(h.agent.refresh_session())
    assert "bearer token" in str(errors[0])
    assert h.outcomes()[-1] == ("error", "RefreshSession#Precheck")


def test_refresh_runs_periodically_in_virtual_time() -> None:
    h = Harness(refresh_interval=600)
    h.run(h.agent.connect())
    h.scheduler.advance_to(1801)
    assert h.backend.times("refresh") == [600.0, 1200.0, 1800.0]


def test_dispose_closes_the_socket_fails_pending_and_completes_streams() -> None:
    async def scenario() -> None:
        h = Harness(refresh_interval=600)
        h.run(h.agent.connect())
        pending_errors: list[Exception] = []
        h.agent.request(".ams.routing.SetAgentState", {}).subscribe(on_error=pending_errors.append)
        completed: list[bool] = []
        h.agent.events.subscribe(on_completed=lambda: completed.append(True))
        await h.agent.dispose()
        assert h.agent.state is AgentState.DISPOSED
        assert h.backend.links[0].closed_with == 1000
        assert completed == [True]
        assert "disposed" in str(pending_errors[0])
        h.scheduler.advance_to(5000)
        assert h.backend.times("refresh") == []

    asyncio.run(scenario())


def test_a_failed_manual_reconnect_keeps_the_working_socket_connected() -> None:
    h = Harness()
    h.run(h.agent.connect())
    h.backend.fail("ws", AuthenticationError("expired", 401, "messaging"))
    _, errors = h.run(h.agent.reconnect(skip_token_generation=True))
    assert errors
    assert h.agent.state is AgentState.CONNECTED
    assert h.agent.connected
    assert h.backend.links[0].closed_with is None

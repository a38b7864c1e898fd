"""Keep-alive and the half-open watchdog, in virtual time."""

from __future__ import annotations

from reactivex.testing import TestScheduler

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.events import AgentEvent, Closed, ErrorEvent
from tests.flows.scripted import ScriptedBackend, scripted_agent
from tests.flows.test_recovery import EXACT


def _agent(
    clock_code: int | None,
) -> tuple[TestScheduler, ScriptedBackend, Agent, list[AgentEvent]]:
    scheduler = TestScheduler()
    backend = ScriptedBackend(scheduler)
    backend.clock_code = clock_code
    agent = scripted_agent(backend, recovery=EXACT, keepalive_interval=30.0, keepalive_timeout=10.0)
    events: list[AgentEvent] = []
    agent.events.subscribe(events.append)
    agent.connect().subscribe()
    return scheduler, backend, agent, events


def _clock_requests(backend: ScriptedBackend) -> int:
    return sum(b".GetClock" in data for link in backend.links for data in link.sent)


def test_get_clock_every_30_seconds_on_a_healthy_socket() -> None:
    scheduler, backend, agent, events = _agent(200)
    scheduler.advance_to(95)
    assert _clock_requests(backend) == 3
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert agent.state is AgentState.CONNECTED


def test_a_half_open_socket_is_detected_within_interval_plus_timeout() -> None:
    scheduler, backend, agent, events = _agent(None)
    backend.clock_code = 200  # the replacement socket is healthy
    scheduler.advance_to(39.9)
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    scheduler.advance_to(40)
    locations = [e.location for e in events if isinstance(e, ErrorEvent)]
    assert locations == ["KeepAlive#Watchdog", "Socket#Close"]
    assert Closed(None, "keep-alive timed out") in events
    assert backend.links[0].closed_with == 1001
    scheduler.advance_to(41)
    assert backend.times("ws") == [0.0, 41.0]
    assert agent.state is AgentState.CONNECTED


def test_a_failing_clock_is_reported_and_keep_alive_goes_on() -> None:
    scheduler, _, agent, events = _agent(500)
    scheduler.advance_to(65)
    failures = [e for e in events if isinstance(e, ErrorEvent)]
    assert [e.location for e in failures] == ["KeepAlive#GetClock", "KeepAlive#GetClock"]
    assert failures[0].error.code == 500
    assert agent.state is AgentState.CONNECTED

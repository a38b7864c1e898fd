"""The agent follows the one scheduler rule: the one it was built with, else the one its flow
was subscribed with (its socket's timers and recovery then run there too), else the running
loop; with none, a clear NoSchedulerError and no state change."""

from __future__ import annotations

from reactivex.testing import TestScheduler

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.rx import NoSchedulerError
from tests.flows.scripted import ScriptedBackend
from tests.flows.test_recovery import EXACT


def _unscheduled_agent(backend: ScriptedBackend) -> Agent:
    config = AgentConfig(
        "123", PasswordCredentials("bot", "secret"), keepalive_interval=30.0, refresh_interval=None
    )
    return Agent(config, backend=backend, recovery=EXACT)


def test_without_a_loop_or_a_scheduler_connect_fails_clearly() -> None:
    agent = _unscheduled_agent(ScriptedBackend(TestScheduler()))
    failures: list[Exception] = []
    agent.connect().subscribe(on_error=failures.append)
    assert len(failures) == 1
    assert isinstance(failures[0], NoSchedulerError)
    assert "the agent needs a scheduler" in str(failures[0])
    assert agent.state is AgentState.IDLE


def test_the_scheduler_given_at_subscribe_time_runs_the_sockets_timers_and_recovery() -> None:
    scheduler = TestScheduler()
    backend = ScriptedBackend(scheduler)
    agent = _unscheduled_agent(backend)
    agent.connect().subscribe(scheduler=scheduler)
    scheduler.advance_to(95)
    clocks = sum(b".GetClock" in data for data in backend.links[0].sent)
    assert (agent.state, clocks) == (AgentState.CONNECTED, 3)  # at 30, 60 and 90 s
    backend.links[0].drop(1006)
    assert agent.state is AgentState.RECONNECTING
    scheduler.advance_by(1.0)  # EXACT: the first reconnect 1 s after the drop
    assert (backend.times("ws"), agent.state) == ([0.0, 96.0], AgentState.CONNECTED)
    requests: list[Exception] = []
    agent.request(".Unanswered", {}).subscribe(on_error=requests.append)
    scheduler.advance_by(agent.config.request_timeout)  # no scheduler given: the socket's
    assert len(requests) == 1

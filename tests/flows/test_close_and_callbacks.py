"""In virtual time: who closed the socket decides the new-token rule, and a raising request
observer cannot keep a dropped agent from recovering."""

from __future__ import annotations

from dataclasses import replace

import pytest
from reactivex.testing import TestScheduler

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.errors import CallbackError
from rx_lpagent.events import AgentEvent, ErrorEvent
from rx_lpagent.recovery import DEFAULT_RECONNECT, Recovery
from rx_lpagent.rx import Jitter
from tests.flows.scripted import ScriptedBackend, scripted_agent

NO_JITTER = Recovery(reconnect=replace(DEFAULT_RECONNECT, jitter=Jitter.NONE))


def connected() -> tuple[TestScheduler, ScriptedBackend, Agent, list[AgentEvent]]:
    scheduler = TestScheduler()
    backend = ScriptedBackend(scheduler)
    agent = scripted_agent(backend, recovery=NO_JITTER)
    events: list[AgentEvent] = []
    agent.events.subscribe(events.append)
    agent.connect().subscribe()
    scheduler.advance_to(1)
    assert agent.state is AgentState.CONNECTED
    return scheduler, backend, agent, events


@pytest.mark.parametrize(("by_peer", "tokens"), [(True, 2), (False, 1)])
def test_a_1011_asks_for_a_new_token_only_when_the_server_sent_it(
    by_peer: bool, tokens: int
) -> None:
    scheduler, backend, agent, _ = connected()
    link = backend.links[0]
    link.closed_with = 1011
    link.on_close(1011, "internal error", by_peer=by_peer)
    scheduler.advance_to(30)
    assert agent.state is AgentState.CONNECTED
    assert len({link.token for link in backend.links}) == tokens


def raise_on_anything(*_: object) -> None:
    raise RuntimeError("user bug")


@pytest.mark.asyncio
async def test_a_raising_observer_of_a_pending_request_cannot_stop_recovery() -> None:
    """The issue's case: on_error raises while its request is pending and the socket drops."""
    scheduler, backend, agent, events = connected()
    agent.request(".Unanswered", {}).subscribe(raise_on_anything, raise_on_anything)
    agent.get_clock(timeout="5").subscribe(raise_on_anything, raise_on_anything)  # type: ignore[arg-type]
    backend.links[0].drop(1006)
    assert (agent.state, agent.connected) == (AgentState.RECONNECTING, False)
    scheduler.advance_by(2.0)  # the first reconnect, within reconnect_after + reconnect_spread
    assert (agent.state, agent.connected) == (AgentState.CONNECTED, True)
    assert len(backend.links) == 2
    reported = [
        e.error for e in events if isinstance(e, ErrorEvent) and e.location == "Callback#Raised"
    ]
    assert len(reported) == 2
    assert all(isinstance(error, CallbackError) for error in reported)
    await agent.dispose()
    assert agent.state is AgentState.DISPOSED

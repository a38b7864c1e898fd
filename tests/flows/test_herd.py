"""No thundering herd: agents dropped together spread their first reconnects over a second.

300 real agents (recovery as shipped, seeded random sources) share one virtual clock; their
sockets all drop at t = 10 s.
"""

from __future__ import annotations

import random

import pytest
from reactivex.testing import TestScheduler

from rx_lpagent.agent import AgentState
from rx_lpagent.events import AgentEvent, Retrying
from rx_lpagent.recovery import Recovery
from tests.flows.scripted import ScriptedBackend, scripted_agent

AGENTS = 300
DROP_AT = 10.0


def first_reconnects(code: int, seed: int) -> tuple[list[float], list[AgentEvent]]:
    scheduler = TestScheduler()
    backends = [ScriptedBackend(scheduler) for _ in range(AGENTS)]
    events: list[AgentEvent] = []
    agents = []
    for number, backend in enumerate(backends):
        agent = scripted_agent(
            backend, recovery=Recovery(), random=random.Random(seed * 1000 + number).random
        )
        agent.events.subscribe(events.append)
        agent.connect().subscribe()
        agents.append(agent)
    scheduler.advance_to(DROP_AT)
    for backend in backends:
        backend.links[0].drop(code)
    scheduler.advance_to(DROP_AT + 5)
    assert {agent.state for agent in agents} == {AgentState.CONNECTED}
    firsts = [next(t for t in backend.times("csds") if t >= DROP_AT) for backend in backends]
    return firsts, events


def busiest(times: list[float], window: float) -> int:
    ordered = sorted(times)
    most, start = 0, 0
    for end, time in enumerate(ordered):
        while time - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_300_agents_dropped_together_spread_their_first_attempts_over_a_second() -> None:
    for code in (1006, 4401):
        firsts, _ = first_reconnects(code, seed=code)
        assert all(DROP_AT + 1 <= t < DROP_AT + 2 for t in firsts)
        assert max(firsts) - min(firsts) >= 0.95
        # evenly spread: no 0.3 s holds more than 40 % of them (all of them, before)
        assert busiest(firsts, 0.3) <= 0.4 * AGENTS
        assert len(set(firsts)) == AGENTS


def test_each_agent_announces_its_first_reconnect_and_a_seed_replays_it() -> None:
    firsts, events = first_reconnects(1006, seed=1)
    announced = [e for e in events if isinstance(e, Retrying)]
    assert [(e.location, e.attempt, e.policy) for e in announced] == [
        ("Socket#Close", 0, "reconnect")
    ] * AGENTS
    # (virtual time counts in whole microseconds)
    assert sorted(DROP_AT + e.delay for e in announced) == pytest.approx(sorted(firsts), abs=1e-6)
    assert first_reconnects(1006, seed=1)[0] == firsts
    assert first_reconnects(1006, seed=2)[0] != firsts

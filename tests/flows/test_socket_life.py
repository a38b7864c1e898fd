"""The per-socket object and the agent's one swap point, in virtual time.

A :class:`SocketLife` owns a socket's link, requests, keep-alive, periodic refresh and the
recovery after its loss; the agent replaces it in one place for attach, close and dispose. User
code that raises (or looks at the agent) at any of those moments sees a settled agent.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest
import reactivex
from reactivex.disposable import Disposable
from reactivex.testing import TestScheduler

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.agent import _agent as agent_module
from rx_lpagent.agent._socket import SocketLife
from rx_lpagent.agent._timers import scheduler_timers
from rx_lpagent.errors import NotConnectedError, SDKError
from rx_lpagent.events import AgentEvent, Closed, Connected
from rx_lpagent.protocol import Notification
from rx_lpagent.protocol.frames import Response
from tests.flows.scripted import FakeLink, ScriptedBackend, scripted_agent
from tests.flows.test_recovery import EXACT

_AGENT_PACKAGE = Path(inspect.getfile(agent_module)).parent


class UserBug(Exception):
    pass


def _life(
    scheduler: TestScheduler, frames: list[Notification], closes: list[int | None]
) -> tuple[SocketLife, FakeLink]:
    life = SocketLife(
        scheduler,
        dispatch=frames.append,
        emit=lambda _: None,
        on_close=lambda _, code, __, ___: closes.append(code),
        on_raise=lambda _, __: None,
    )
    link = FakeLink(1, "token", life.on_message, life.on_close)
    life.bind(link)
    return life, link


def _notification() -> bytes:
    return b'{"kind":"notification","type":".ams.Ping","body":{}}'


def test_a_life_passes_frames_and_its_close_on_only_while_live() -> None:
    frames: list[Notification] = []
    closes: list[int | None] = []
    life, link = _life(TestScheduler(), frames, closes)
    link.on_message(_notification())
    link.on_close(1006, "")
    assert (frames, closes) == ([], [])  # opened, not attached yet
    life.go_live()
    link.on_message(_notification())
    link.on_close(1006, "")
    assert (len(frames), closes) == (1, [1006])
    life.end()
    link.on_message(_notification())
    link.on_close(1006, "")
    assert (len(frames), closes) == (1, [1006])  # a replaced socket reaches nothing
    life.go_live()
    assert not life.live  # an ended life never comes back


def test_ending_a_life_cancels_its_keepalive_refresh_and_recovery() -> None:
    scheduler = TestScheduler()
    life, link = _life(scheduler, [], [])
    life.go_live()
    refreshes: list[float] = []
    timers = scheduler_timers(scheduler)
    life.keep_alive(timers, 30.0, 10.0, emit=lambda _: None, on_half_open=lambda _: None)

    def refresh() -> reactivex.Observable[None]:
        refreshes.append(scheduler.clock)
        return reactivex.empty()

    life.refresh_every(scheduler, 60.0, refresh, lambda _: True)
    recovery = Disposable()
    life.hold_recovery(recovery)
    scheduler.advance_to(61)
    assert (sum(b".GetClock" in data for data in link.sent), len(refreshes)) == (2, 1)
    life.end()
    assert recovery.is_disposed
    scheduler.advance_to(1000)
    assert (sum(b".GetClock" in data for data in link.sent), len(refreshes)) == (2, 1)
    late = Disposable()
    life.hold_recovery(late)
    assert late.is_disposed  # a recovery held by an ended life is cancelled at once


def test_a_life_answers_its_own_requests_and_the_detached_one_refuses() -> None:
    scheduler = TestScheduler()
    life, _ = _life(scheduler, [], [])
    life.go_live()
    answers: list[Response] = []
    life.pending.start(
        ".GetClock",
        {},
        timeout=5.0,
        timers=scheduler_timers(scheduler),
        on_response=answers.append,
        on_error=lambda _: None,
    )
    assert len(answers) == 1  # FakeLink answers .GetClock at once, through life.on_message
    refused: list[SDKError] = []
    SocketLife.detached().pending.start(
        ".GetClock",
        {},
        timeout=5.0,
        timers=scheduler_timers(scheduler),
        on_response=answers.append,
        on_error=refused.append,
    )
    assert len(refused) == 1
    assert isinstance(refused[0], NotConnectedError)


@pytest.mark.parametrize("attribute", ["_socket", "_pending"])
def test_the_agent_replaces_its_socket_life_in_one_place(attribute: str) -> None:
    """Only ``Agent.__init__`` and ``Agent._swap`` assign the life (or the requests view of it
    the typed requests read), in the whole package."""
    assigners: list[str] = []
    for path in sorted(_AGENT_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                targets = (
                    inner.targets
                    if isinstance(inner, ast.Assign)
                    else [inner.target]
                    if isinstance(inner, ast.AnnAssign | ast.AugAssign)
                    else []
                )
                for target in targets:
                    names = target.elts if isinstance(target, ast.Tuple) else [target]
                    if any(isinstance(n, ast.Attribute) and n.attr == attribute for n in names):
                        assigners.append(f"{path.name}:{node.name}")
    assert sorted(assigners) == ["_agent.py:__init__", "_agent.py:_swap"]


def _watched_agent(
    check: Callable[[Agent, object], None],
    *,
    keepalive: bool = True,
) -> tuple[TestScheduler, ScriptedBackend, Agent, list[str]]:
    """A connected agent whose every stream has a subscriber that checks it, then raises."""
    scheduler = TestScheduler()
    backend = ScriptedBackend(scheduler)
    agent = scripted_agent(
        backend,
        recovery=EXACT,
        refresh_interval=600.0,
        keepalive_interval=30.0 if keepalive else None,
    )
    problems: list[str] = []

    def watch(seen: object = None) -> None:
        try:
            check(agent, seen)
        except AssertionError as error:
            problems.append(f"{seen!r}: {error}")
        raise UserBug("user callback bug")

    agent.events.subscribe(watch, watch, watch)
    agent.state_changes.subscribe(watch, watch, watch)
    agent.connect().subscribe(watch, watch, watch)
    scheduler.advance_to(1)
    assert agent.state is AgentState.CONNECTED
    agent.request(".Unanswered", {}).subscribe(watch, watch, watch)
    return scheduler, backend, agent, problems


def _settled(agent: Agent, seen: object) -> None:
    """What user code may rely on whenever it runs: state, socket and event agree."""
    state = agent.state
    if state is AgentState.CONNECTED:
        assert agent.connected, "says connected without a socket"
    elif state is not AgentState.RECONNECTING:  # a manual reconnect keeps the old socket
        assert not agent.connected, f"{state} with a socket"
    if isinstance(seen, Closed):
        assert not agent.connected, "reports a close while a socket is attached"
    if isinstance(seen, Connected):
        assert (state, agent.connected) == (AgentState.CONNECTED, True)


@pytest.mark.parametrize("code", [1006, 4401])
def test_a_raising_subscriber_during_a_close_and_the_reattach_sees_a_settled_agent(
    code: int,
) -> None:
    scheduler, backend, agent, problems = _watched_agent(_settled)
    backend.links[0].drop(code)
    assert (agent.state, agent.connected) == (AgentState.RECONNECTING, False)
    scheduler.advance_to(10)
    assert (agent.state, agent.connected) == (AgentState.CONNECTED, True)
    assert len(backend.links) == 2
    assert problems == []


def test_a_raising_subscriber_during_a_manual_reconnect_sees_a_settled_agent() -> None:
    scheduler, backend, agent, problems = _watched_agent(_settled)
    agent.reconnect(skip_token_generation=True).subscribe()
    scheduler.advance_to(2)
    assert (agent.state, agent.connected, len(backend.links)) == (AgentState.CONNECTED, True, 2)
    assert backend.links[0].closed_with == 1000
    assert problems == []


@pytest.mark.asyncio
async def test_dispose_with_raising_subscribers_cancels_every_timer_and_recovery() -> None:
    scheduler, backend, agent, problems = _watched_agent(_settled)
    backend.links[0].drop(1006)  # a recovery is now scheduled, besides nothing else
    await agent.dispose()
    assert (agent.state, agent.connected) == (AgentState.DISPOSED, False)
    calls = list(backend.calls)
    sent = sum(len(link.sent) for link in backend.links)
    scheduler.advance_to(100_000)  # past every reconnect, refresh and keep-alive
    assert backend.calls == calls
    assert sum(len(link.sent) for link in backend.links) == sent
    assert len(backend.links) == 1
    assert problems == []


@pytest.mark.asyncio
async def test_dispose_of_a_connected_agent_stops_keepalive_and_refresh() -> None:
    scheduler, backend, agent, problems = _watched_agent(_settled)
    scheduler.advance_to(100)
    sent = len(backend.links[0].sent)
    await agent.dispose()
    assert backend.links[0].closed_with == 1000
    scheduler.advance_to(100_000)
    assert len(backend.links[0].sent) == sent
    assert [name for _, name in backend.calls].count("refresh") == 0
    assert problems == []


def test_a_close_seen_from_a_pending_requests_observer_is_already_recovering() -> None:
    scheduler, backend, agent, _ = _watched_agent(lambda _, __: None)
    seen: list[tuple[AgentState, bool]] = []
    agent.request(".Unanswered", {}).subscribe(
        on_error=lambda _: seen.append((agent.state, agent.connected))
    )
    backend.links[0].drop(1006)
    assert seen == [(AgentState.RECONNECTING, False)]
    events: list[AgentEvent] = []
    agent.events.subscribe(events.append)
    scheduler.advance_to(10)
    assert any(isinstance(event, Connected) for event in events)

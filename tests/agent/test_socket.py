"""The socket's life against the emulator: closes, half-open, bad frames, subscribers, twice."""

from __future__ import annotations

import asyncio
import logging

import pytest
from reactivex import Observable
from reactivex import operators as ops

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import AgentEvent, Closed, ErrorEvent, SuccessEvent
from rx_lpagent.rx import last_value
from tests.agent.conftest import MakeAgent

pytestmark = pytest.mark.asyncio


async def state(agent: Agent, wanted: AgentState, within: float = 5.0) -> None:
    def reached(current: AgentState) -> bool:
        return current is wanted

    reaching: Observable[AgentState] = agent.state_changes.pipe(ops.filter(reached), ops.first())
    await asyncio.wait_for(reaching, within)


def ws_tokens(emulator: Emulator) -> list[str | None]:
    """The redacted path tells sockets apart only by order; logins tell tokens apart."""
    return [c.path for c in emulator.calls.of("ws")]


@pytest.mark.parametrize(
    ("code", "new_token"), [(1006, False), (1011, True), (4401, True), (4407, True), (1001, False)]
)
async def test_a_closed_socket_is_recovered(
    code: int, new_token: bool, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    await emulator.faults.close_sockets(code)
    await state(rec.agent, AgentState.RECONNECTING)
    await state(rec.agent, AgentState.CONNECTED)
    closed = [e for e in rec.events if isinstance(e, Closed)]
    assert [c.code for c in closed] == [code]
    assert ("error", "Socket#Close") in rec.outcomes()
    assert emulator.calls.count("login") == (2 if new_token else 1)
    assert emulator.calls.count("ws") == 2
    assert (await rec.agent.get_clock()).current_time > 0


async def test_refresh_401_relogs_in_and_keeps_the_socket(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    emulator.faults.expire_session()
    await rec.agent.refresh_session()
    assert ("ok", "RefreshSession#Relogin#WS") in rec.outcomes()
    assert emulator.calls.count("ws") == 1
    assert not [e for e in rec.events if isinstance(e, Closed)]
    assert (await rec.agent.get_clock()).current_time > 0


async def test_periodic_refresh_runs_in_real_time(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(refresh_interval=0.05)
    two_refreshes = rec.agent.events.pipe(
        ops.filter(lambda e: isinstance(e, SuccessEvent) and e.location == "RefreshSession#REST"),
        ops.take(2),
        ops.to_list(),
    )
    waiting = asyncio.ensure_future(asyncio.wait_for(two_refreshes, 5))
    await rec.agent.connect()
    assert len(await waiting) == 2
    assert emulator.calls.count("refresh") >= 2


async def test_a_half_open_socket_is_detected_and_replaced(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(keepalive_interval=0.05, keepalive_timeout=0.1)
    await rec.agent.connect()
    emulator.faults.half_open()
    await state(rec.agent, AgentState.RECONNECTING)
    await state(rec.agent, AgentState.CONNECTED)
    assert ("error", "KeepAlive#Watchdog") in rec.outcomes()
    assert emulator.calls.count("ws") == 2


async def test_a_malformed_frame_is_reported_and_the_socket_lives(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    emulator.faults.send_malformed()
    await asyncio.sleep(0.05)
    assert ("error", "Frame#Decode") in rec.outcomes()
    assert (await rec.agent.get_clock()).current_time > 0
    assert rec.agent.state is AgentState.CONNECTED


async def test_connect_twice_keeps_one_socket(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec = make_agent()
    first, second = await asyncio.gather(rec.agent.connect(), rec.agent.connect())
    await rec.agent.connect()
    assert first == second
    assert emulator.calls.count("ws") == 1
    assert emulator.calls.count("login") == 1


async def test_a_raising_subscriber_does_not_break_the_events_stream(
    make_agent: MakeAgent, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    rec = make_agent()
    later: list[AgentEvent] = []

    def explode(event: AgentEvent) -> None:
        raise RuntimeError("a bug in the caller's handler")

    rec.agent.events.subscribe(explode)
    rec.agent.events.subscribe(later.append)
    with caplog.at_level(logging.ERROR):
        await rec.agent.connect()
        await emulator.faults.close_sockets(1006)
        await state(rec.agent, AgentState.CONNECTED)
    assert len(later) == len(rec.events) >= 6
    assert "a bug in the caller's handler" in caplog.text


async def test_a_reconnect_detaches_the_old_socket_completely(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    await rec.agent.reconnect(skip_token_generation=True)
    await rec.agent.reconnect()
    await asyncio.sleep(0.05)
    assert not [e for e in rec.events if isinstance(e, Closed)]
    assert not [e for e in rec.events if isinstance(e, ErrorEvent)]
    assert emulator.calls.count("ws") == 3
    assert emulator.calls.count("login") == 2
    assert rec.agent.state is AgentState.CONNECTED


async def test_a_raising_response_subscriber_does_not_drop_the_socket(
    make_agent: MakeAgent, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    answered = asyncio.get_running_loop().create_future()

    def explode(_: object) -> None:
        answered.set_result(True)
        raise RuntimeError("a bug in the caller's on_next")

    with caplog.at_level(logging.ERROR):
        rec.agent.get_clock().subscribe(explode, lambda _: None)
        await asyncio.wait_for(answered, 5)
        assert (await rec.agent.get_clock()).current_time > 0
    assert rec.agent.state is AgentState.CONNECTED
    assert "a bug in the caller's on_next" in caplog.text


async def test_a_connect_in_flight_when_disposed_leaves_no_socket(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    emulator.faults.delay("login", 0.2)
    connecting = asyncio.ensure_future(last_value(rec.agent.connect()))
    await asyncio.sleep(0.05)
    await rec.agent.dispose()
    with pytest.raises(Exception, match=r"disposed|closed"):
        await connecting
    await asyncio.sleep(0.3)
    assert rec.agent.state is AgentState.DISPOSED
    assert emulator.calls.count("ws") == 0


async def test_close_codes_reach_callers_as_plain_ints(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(recovery=None)
    await rec.agent.connect()
    await emulator.faults.close_sockets(1006)
    await state(rec.agent, AgentState.CLOSED)
    (closed,) = [e for e in rec.events if isinstance(e, Closed)]
    assert type(closed.code) is int
    assert repr(closed.code) == "1006"

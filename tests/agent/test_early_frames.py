"""What the server sends between the socket's opening and the agent attaching it (a
notification right after the handshake, a close at once) reaches the agent once it is attached,
in order: never lost, and a close in that window never leaves the agent on a dead socket."""

from __future__ import annotations

from typing import Any

import pytest

from rx_lpagent.agent._socket import SocketLife
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import Connected, Location
from rx_lpagent.protocol import Notification
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import error_at, first, settled

NOTIFICATION = (
    b'{"kind":"notification","type":".ams.routing.RoutingTaskNotification",'
    b'"body":{"subscriptionId":"s1","changes":[]}}'
)


def _life(seen: list[Any]) -> SocketLife:
    return SocketLife(
        None,
        dispatch=seen.append,
        emit=seen.append,
        on_close=lambda _life, code, reason, by_peer: seen.append(("closed", code, by_peer)),
        on_raise=lambda where, error: seen.append(("raised", where)),
    )


def test_frames_and_a_close_before_attaching_are_delivered_after_it_in_order() -> None:
    seen: list[Any] = []
    life = _life(seen)
    life.on_message(NOTIFICATION)
    life.on_message(b"{not json")
    life.on_close(1011, "server error")
    life.on_message(NOTIFICATION)  # after the close: the socket's reader never gives one, kept
    life.go_live()
    assert seen == []  # going live calls nothing: the agent settles itself first
    life.deliver_held()
    assert isinstance(seen[0], Notification)
    assert seen[1].location == Location.FRAME_DECODE
    assert isinstance(seen[2], Notification)
    assert seen[3] == ("closed", 1011, True)
    life.deliver_held()  # once only
    assert len(seen) == 4


def test_a_life_ended_before_attaching_drops_what_it_held() -> None:
    seen: list[Any] = []
    life = _life(seen)
    life.on_message(NOTIFICATION)
    life.on_close(1006, "")
    life.end()
    life.go_live()
    life.deliver_held()
    life.on_message(NOTIFICATION)
    assert seen == []


@pytest.mark.asyncio
async def test_a_frame_sent_as_the_socket_opens_reaches_the_agent(
    emulator: Emulator, make_agent: MakeAgent
) -> None:
    recorder = make_agent()
    agent = recorder.agent
    bad_frame = first(agent.events, error_at(Location.FRAME_DECODE))
    emulator.faults.malformed_on("ws")
    await agent.connect()
    await settled(bad_frame)
    assert agent.connected
    await agent.get_clock()


@pytest.mark.asyncio
async def test_a_socket_closed_as_it_opens_is_reconnected(
    emulator: Emulator, make_agent: MakeAgent
) -> None:
    recorder = make_agent()
    agent = recorder.agent
    closed = first(agent.events, error_at(Location.SOCKET_CLOSE))
    emulator.faults.close_on("ws", 1011)
    await agent.connect()
    await settled(closed)
    again = first(agent.events, lambda event: isinstance(event, Connected))
    await settled(again)
    await agent.get_clock()

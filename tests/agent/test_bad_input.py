"""Bad input costs nothing: frames nobody can decode are Frame#Decode events, the socket stays
open, and no reconnect or login follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from reactivex import Observable
from reactivex import operators as ops
from reactivex.notification import OnError

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import MalformedFrameError, SDKError
from rx_lpagent.events import Closed, ErrorEvent
from rx_lpagent.protocol import ExConversationChangeNotification, decode_frame
from rx_lpagent.protocol.request_specs import GET_CLOCK
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import error_at, first, settled

pytestmark = pytest.mark.asyncio

DEPTH = 1000
"""Enough nesting to exhaust the interpreter's recursion limit; the frame is about 2 KB."""

NESTED = "[" * DEPTH + "]" * DEPTH
BAD_FRAMES = {
    "nested array": NESTED,
    "nested notification body": (
        '{"kind":"notification","type":".ams.aam.ExConversationChangeNotification","body":'
        + NESTED
        + "}"
    ),
    "nested response body": '{"kind":"resp","reqId":"1","code":200,"body":' + NESTED + "}",
    "nested object": '{"kind":"notification","type":"t","body":'
    + '{"":' * DEPTH
    + "1"
    + "}" * (DEPTH + 1),
    "not json": "{kind: notification",
    "wrong shape": '{"kind":"resp","reqId":7,"code":"x"}',
}


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_decode_frame_never_raises(frame: str) -> None:
    assert len(frame) < 8192  # small frames, not floods
    assert isinstance(decode_frame(frame), MalformedFrameError)
    assert isinstance(decode_frame(frame.encode()), MalformedFrameError)


def watch_everything(agent: Agent) -> None:
    """Subscribers on every notification view, so each decoding path runs."""
    agent.notifications.subscribe(lambda _: None)
    agent.node_notifications.subscribe(lambda _: None)
    agent.notifications_of(ExConversationChangeNotification).subscribe(lambda _: None)


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_bad_frame_is_reported_and_costs_no_reconnect(
    frame: str, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    watch_everything(rec.agent)
    await rec.agent.connect()
    reported = first(rec.agent.events, error_at("Frame#Decode"))
    emulator.faults.send_malformed(frame)
    event = await settled(reported)
    assert isinstance(event, ErrorEvent)
    assert isinstance(event.error, MalformedFrameError)
    assert (await rec.agent.get_clock()).current_time > 0
    assert rec.agent.state is AgentState.CONNECTED
    assert not [e for e in rec.events if isinstance(e, Closed)]
    assert emulator.calls.count("ws") == 1
    assert emulator.calls.count("login") == 1


async def test_a_pending_request_outlives_a_bad_frame(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    emulator.faults.malformed_on(".GetClock", frame=BAD_FRAMES["nested response body"])
    assert (await rec.agent.get_clock()).current_time > 0
    assert ("error", "Frame#Decode") in rec.outcomes()
    assert emulator.calls.count("ws") == 1


class Unencodable:
    """Neither msgspec nor the Node-style filling knows what to do with it."""


async def test_request_methods_never_raise_at_call_time(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    agent = rec.agent
    calls: list[Callable[[], Observable[Any]]] = [
        lambda: agent.request(".GetClock", Unencodable()),
        lambda: agent.request(".GetClock", {}, headers=Unencodable()),
        lambda: agent.publish_event(Unencodable()),  # type: ignore[arg-type]
        lambda: agent.update_conversation_field(Unencodable()),  # type: ignore[arg-type]
        lambda: agent.call(GET_CLOCK, {}, metadata=Unencodable()),
        lambda: agent.get_clock(timeout="5"),  # type: ignore[arg-type]
    ]
    before_connect = [make() for make in calls]  # nothing runs (or raises) until awaited
    for observable in before_connect:
        with pytest.raises(SDKError):
            await observable
    await agent.connect()
    for make in calls:
        with pytest.raises(SDKError):
            await make()
        errors: list[Exception] = []
        make().subscribe(on_error=errors.append)
        assert len(errors) == 1
        assert isinstance(errors[0], SDKError)
    assert (await agent.get_clock()).current_time > 0
    assert emulator.calls.count("ws") == 1


async def test_a_reply_body_of_the_wrong_shape_fails_the_request_awaited_or_subscribed(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    """Awaited, a ``.GetClock`` takes the short way (its future decodes the reply); subscribed,
    it goes through ``begin``: the same MalformedFrameError either way, and the socket stays."""
    rec = make_agent()
    agent = rec.agent
    await agent.connect()
    emulator.faults.respond(".GetClock", {"currentTime": "not a number"}, times=2)
    with pytest.raises(MalformedFrameError, match="GetClockResponse"):
        await agent.get_clock()
    subscribed = await settled(first(agent.get_clock().pipe(ops.materialize())))
    assert isinstance(subscribed, OnError)
    assert isinstance(subscribed.exception, MalformedFrameError)
    assert "GetClockResponse" in str(subscribed.exception)
    assert (await agent.get_clock()).current_time > 0
    assert len(agent._pending) == 0
    assert emulator.calls.count("ws") == 1

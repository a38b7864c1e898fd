"""How requests end when they do not succeed, for both socket transports: an error code for every
request type, a timeout for every request type, the socket closing or the agent disposing under
pending requests, and requests while disconnected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import reactivex
from reactivex import operators as ops

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import (
    NotConnectedError,
    RequestFailedError,
    RequestTimeoutError,
    TransportError,
)
from rx_lpagent.events import ErrorEvent
from rx_lpagent.protocol import GetClockResponse
from tests.agent.conftest import MakeAgent, Recorder
from tests.agent.waiting import error_at, first, reach, settled

pytestmark = pytest.mark.asyncio

Call = Callable[[Agent, float | None], reactivex.Observable[Any]]

CALLS: dict[str, Call] = {
    ".GetClock": lambda a, t: a.get_clock(timeout=t),
    ".ams.cm.AgentRequestConversation": lambda a, t: a.agent_request_conversation(
        {"consumerId": "c1"}, timeout=t
    ),
    ".ams.aam.SubscribeExConversations": lambda a, t: a.subscribe_ex_conversations(
        {"convState": ["OPEN"]}, timeout=t
    ),
    ".ams.aam.UnsubscribeExConversations": lambda a, t: a.unsubscribe_ex_conversations(
        {"subscriptionId": "s1"}, timeout=t
    ),
    ".ams.cm.UpdateConversationField": lambda a, t: a.update_conversation_field(
        {"conversationId": "c1", "conversationField": []}, timeout=t
    ),
    ".ams.ms.PublishEvent": lambda a, t: a.publish_event(
        {"dialogId": "d1", "event": {"type": "ContentEvent", "message": "hi"}}, timeout=t
    ),
    ".ams.routing.UpdateRingState": lambda a, t: a.update_ring_state(
        {"ringId": "r1", "ringState": "ACCEPTED"}, timeout=t
    ),
    ".ams.routing.SubscribeRoutingTasks": lambda a, t: a.subscribe_routing_tasks(timeout=t),
    ".ams.routing.UpdateRoutingTaskSubscription": (
        lambda a, t: a.update_routing_task_subscription({}, timeout=t)
    ),
    ".ams.userprofile.GetUserProfile": lambda a, t: a.get_user_profile("c1", timeout=t),
    ".ams.routing.SetAgentState": lambda a, t: a.set_agent_state(
        {"availability": "ONLINE"}, timeout=t
    ),
    ".ams.routing.SubscribeAgentsState": lambda a, t: a.subscribe_agents_state(timeout=t),
    ".ams.ms.QueryMessages": lambda a, t: a.subscribe_messaging_events(
        {"dialogId": "d1"}, timeout=t
    ),
    ".ams.ms.GenerateURLForDownloadFile": lambda a, t: a.generate_url_for_download_file(
        {"relativePath": "/x.png"}, timeout=t
    ),
    ".ams.ms.GenerateURLForUploadFile": lambda a, t: a.generate_url_for_upload_file(
        {"fileSize": 10, "fileType": "PNG"}, timeout=t
    ),
    ".ams.ms.token.GenerateDownloadToken": lambda a, t: a.generate_download_token({}, timeout=t),
}


async def test_every_request_type_is_covered() -> None:
    from rx_lpagent.protocol import REQUEST_TYPES

    assert set(CALLS) == set(REQUEST_TYPES)


async def connected(make_agent: MakeAgent, **settings: Any) -> Recorder:
    rec = make_agent(**settings)
    await rec.agent.connect()
    return rec


@pytest.mark.parametrize("wire_type", list(CALLS))
async def test_an_error_code_fails_the_request_with_that_code(
    wire_type: str, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent)
    emulator.faults.fail(wire_type, 429)
    with pytest.raises(RequestFailedError) as failure:
        await CALLS[wire_type](rec.agent, None)
    assert failure.value.code == 429
    assert failure.value.request_type == wire_type
    assert failure.value.retryable
    assert failure.value.retry_after == 1.0
    (event,) = [e for e in rec.events if isinstance(e, ErrorEvent)]
    assert event.location == "Request#Response"
    assert event.error is failure.value
    assert (await rec.agent.get_clock()).current_time > 0  # the socket lives on


async def test_a_400_from_the_service_carries_its_reason(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent)
    text = {"type": "ContentEvent", "message": "hi"}
    with pytest.raises(RequestFailedError) as failure:
        await rec.agent.publish_event({"dialogId": "nope", "event": text})
    assert failure.value.code == 400
    assert not failure.value.retryable
    assert failure.value.body == "Dialog not found"
    assert "Dialog not found" in str(failure.value)
    assert ("error", "Request#Response") in rec.outcomes()


@pytest.mark.parametrize("wire_type", list(CALLS))
async def test_a_request_without_an_answer_times_out(
    wire_type: str, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent)
    emulator.faults.delay(wire_type, 5.0)
    with pytest.raises(RequestTimeoutError) as failure:
        await CALLS[wire_type](rec.agent, 0.02)
    assert failure.value.timeout == 0.02
    (event,) = [e for e in rec.events if isinstance(e, ErrorEvent)]
    assert event.location == "Request#Timeout"
    assert event.error is failure.value
    assert emulator.calls.count(wire_type) == 0  # the answer never came


async def test_the_timeout_argument_of_every_typed_method(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent)
    emulator.faults.delay(".ams.ms.PublishEvent", 5.0)
    request = rec.agent.publish_event(
        {"dialogId": "d1", "event": {"type": "ContentEvent", "message": "hi"}}, timeout=0.02
    )
    with pytest.raises(RequestTimeoutError):
        await request
    # a late answer to a timed-out request is ignored; the next request is answered
    assert (await rec.agent.get_clock()).current_time > 0


async def test_the_config_request_timeout_is_the_default(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent, request_timeout=0.05)
    emulator.faults.delay(".GetClock", 5.0)
    with pytest.raises(RequestTimeoutError) as failure:
        await rec.agent.get_clock()
    assert failure.value.timeout == 0.05


async def test_a_closing_socket_fails_every_pending_request_at_once(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent, recovery=None)
    emulator.faults.delay("*", 5.0, times=None)
    pending = [
        asyncio.ensure_future(_awaited(rec.agent.get_clock())),
        asyncio.ensure_future(_awaited(rec.agent.publish_event({"dialogId": "d", "event": {}}))),
        asyncio.ensure_future(_awaited(rec.agent.subscribe_routing_tasks())),
    ]
    await asyncio.sleep(0)  # let them be sent
    emulator.faults.clear()
    await emulator.faults.close_sockets(4407)
    results = await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 5)
    assert all(isinstance(r, TransportError) and r.code == 4407 for r in results), results
    assert not any(isinstance(r, RequestTimeoutError) for r in results)
    await reach(rec.agent, AgentState.CLOSED)


async def _awaited(source: reactivex.Observable[Any]) -> Any:
    return await source


async def test_requests_while_disconnected_fail_with_not_connected(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(recovery=None)
    for call in CALLS.values():
        request = call(rec.agent, None)  # never raises synchronously
        with pytest.raises(NotConnectedError):
            await request
    with pytest.raises(NotConnectedError):
        await rec.agent.request(".GetClock", {})
    await rec.agent.connect()
    await emulator.faults.close_sockets(1011)
    await reach(rec.agent, AgentState.CLOSED)
    with pytest.raises(NotConnectedError):
        await rec.agent.get_clock()
    assert emulator.calls.count(".GetClock") == 0


async def test_a_request_made_before_connect_runs_on_the_socket_it_is_subscribed_on(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    clock = rec.agent.get_clock()  # cold: nothing is sent until it is awaited
    await rec.agent.connect()
    assert (await clock).current_time > 0


async def test_dispose_fails_what_is_pending(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec = await connected(make_agent)
    emulator.faults.delay(".GetClock", 5.0)
    pending = asyncio.ensure_future(_awaited(rec.agent.get_clock()))
    await asyncio.sleep(0)
    await rec.agent.dispose()
    with pytest.raises(NotConnectedError, match="disposed"):
        await asyncio.wait_for(pending, 5)
    with pytest.raises(NotConnectedError):
        await rec.agent.get_clock()


async def test_a_half_open_socket_fails_pending_requests_and_recovers(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent, keepalive_interval=0.05, keepalive_timeout=0.1)
    watchdog = first(rec.agent.events, error_at("KeepAlive#Watchdog"))
    emulator.faults.half_open()
    pending = asyncio.ensure_future(_awaited(rec.agent.get_clock(timeout=30)))
    await settled(watchdog)
    with pytest.raises(TransportError, match="keep-alive"):
        await asyncio.wait_for(pending, 5)
    await reach(rec.agent, AgentState.CONNECTED)
    assert (await rec.agent.get_clock()).current_time > 0


async def test_cancelling_the_awaiting_task_forgets_the_request(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent)
    emulator.faults.delay(".GetClock", 5.0)
    task = asyncio.ensure_future(_awaited(rec.agent.get_clock(timeout=0.05)))
    await asyncio.sleep(0)
    assert len(rec.agent._pending) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(rec.agent._pending) == 0
    assert (await rec.agent.get_clock()).current_time > 0
    assert ("error", "Request#Timeout") not in rec.outcomes()


async def test_a_request_composes_as_an_observable(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = await connected(make_agent)
    emulator.faults.fail(".GetClock", 503)

    def plausible(reply: GetClockResponse) -> bool:
        return reply.current_time > 0

    clock = rec.agent.get_clock().pipe(ops.retry(2), ops.map(plausible))
    assert await clock is True
    assert emulator.calls.count(".GetClock") == 2
    received: list[object] = []
    disposable = rec.agent.get_clock().subscribe(received.append, received.append)
    disposable.dispose()  # disposing before the answer forgets the request
    assert len(rec.agent._pending) == 0

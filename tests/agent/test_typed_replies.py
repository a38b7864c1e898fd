"""Every request's reply has the type its method declares: checked by ``mypy --strict`` (this
file is type-checked like the package) and, against the emulator, at run time.

The assignments below compile only while each method's declared reply is its spec's; the
``type: ignore`` lines are mistakes mypy must refuse (``warn_unused_ignores``, part of strict,
fails the check if one of them stops being an error).
"""

from __future__ import annotations

from typing import Any

import pytest
import reactivex

from rx_lpagent.agent import Agent
from rx_lpagent.agent._calls import MessagingHost
from rx_lpagent.emulator import Emulator
from rx_lpagent.protocol import (
    ContentEvent,
    GeneratedURL,
    GetClockResponse,
    OnlineEventDistribution,
    PublishEvent,
    PublishEventResponse,
    RoutingTaskNotification,
    SubscribeResponse,
    UpdateRingState,
    UserProfile,
)
from rx_lpagent.protocol.request_specs import (
    GET_CLOCK,
    GET_USER_PROFILE,
    PUBLISH_EVENT,
    REQUEST_TYPES,
    SUBSCRIBE_MESSAGING_EVENTS,
)
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import first, settled

pytestmark = pytest.mark.asyncio


def _the_agent_is_its_requests_host(agent: Agent) -> MessagingHost:
    """Never run: the agent provides what its typed requests need from their host."""
    return agent


def _mistakes_mypy_refuses(agent: Agent) -> None:
    """Never run: each line is a type error, and must stay one."""
    wrong_reply: reactivex.Observable[str] = agent.publish_event({})  # type: ignore[assignment]
    wrong_spec: reactivex.Observable[UserProfile] = agent.call(GET_CLOCK)  # type: ignore[arg-type]
    agent.call(GET_USER_PROFILE, 42)  # type: ignore[misc]
    agent.get_user_profile({"consumerId": "c"})  # type: ignore[arg-type]
    agent.call(".GetClock")  # type: ignore[arg-type]
    del wrong_reply, wrong_spec


async def test_each_method_replies_with_its_declared_type(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    await agent.connect()
    consumer = emulator.consumer("consumer-1")
    state: str = await agent.set_agent_state({"availability": "ONLINE"})
    ringing = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    tasks: SubscribeResponse = await agent.subscribe_routing_tasks()
    await consumer.open_conversation()
    task = (await settled(ringing)).changes[0].result
    assert task is not None
    ring = UpdateRingState(ring_id=task.rings_details[0].ring_id, ring_state="ACCEPTED")
    accepted: str = await agent.update_ring_state(ring)
    clock: GetClockResponse = await agent.get_clock()
    agents: SubscribeResponse = await agent.subscribe_agents_state()
    conversations: SubscribeResponse = await agent.subscribe_ex_conversations(
        {"convState": ["OPEN"]}
    )
    requested: Any = await agent.agent_request_conversation({"consumerId": consumer.consumer_id})
    conv_id = requested["conversationId"]
    published: PublishEventResponse = await agent.publish_event(
        {"dialogId": conv_id, "event": {"type": "ContentEvent", "message": "hi"}}
    )
    history: list[OnlineEventDistribution] = await agent.subscribe_messaging_events(
        {"dialogId": conv_id}
    )
    profile: UserProfile = await agent.get_user_profile(consumer.consumer_id)
    upload: GeneratedURL = await agent.generate_url_for_upload_file(
        {"fileSize": 10, "fileType": "PNG"}
    )
    download: GeneratedURL = await agent.generate_url_for_download_file(
        {"relativePath": upload.relative_path}
    )
    token: Any = await agent.generate_download_token({})
    updated: Any = await agent.update_conversation_field(
        {
            "conversationId": conv_id,
            "conversationField": [{"field": "ParticipantsChange", "type": "ADD", "role": "READER"}],
        }
    )
    routing: Any = await agent.update_routing_task_subscription({})
    unsubscribed: Any = await agent.unsubscribe_ex_conversations(
        {"subscriptionId": conversations.subscription_id}
    )
    assert isinstance(state, str)
    assert isinstance(accepted, str)
    assert clock.current_time > 0
    assert all(s.subscription_id for s in (tasks, agents, conversations))
    assert isinstance(published, PublishEventResponse)
    assert [type(event) for event in history] == [OnlineEventDistribution]
    assert isinstance(profile, UserProfile)
    assert download.relative_path == upload.relative_path
    assert isinstance(token, dict)
    assert all(reply is not None for reply in (updated, routing, unsubscribed))


async def test_call_by_spec_is_typed_as_its_method(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    await agent.connect()
    consumer = emulator.consumer("consumer-1")
    clock: GetClockResponse = await agent.call(GET_CLOCK)
    conv_id = (await agent.agent_request_conversation({"consumerId": consumer.consumer_id}))[
        "conversationId"
    ]
    published: PublishEventResponse = await agent.call(
        PUBLISH_EVENT, PublishEvent(dialog_id=conv_id, event=ContentEvent(message="hi"))
    )
    history: list[OnlineEventDistribution] = await agent.call(
        SUBSCRIBE_MESSAGING_EVENTS, {"dialogId": conv_id}
    )
    by_wire_type: Any = await agent.call(REQUEST_TYPES[".GetClock"])
    assert clock.current_time > 0
    assert isinstance(published, PublishEventResponse)
    assert isinstance(history, list)
    assert isinstance(by_wire_type, GetClockResponse)

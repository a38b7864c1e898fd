"""The 16 typed requests against the emulator, for both socket transports: the typed reply and
what the emulator recorded or changed, with dict bodies and body Structs alike."""

from __future__ import annotations

from typing import Any

import pytest

from rx_lpagent.agent import Agent
from rx_lpagent.emulator import Emulator
from rx_lpagent.protocol import (
    AgentRequestConversation,
    AgentStateNotification,
    ContentEvent,
    ConversationStateField,
    ExConversationChangeNotification,
    GeneratedURL,
    GenerateURLForDownloadFile,
    GenerateURLForUploadFile,
    GetClockResponse,
    OnlineEventDistribution,
    ParticipantsChange,
    PublishEvent,
    PublishEventResponse,
    QueryMessages,
    RoutingTaskNotification,
    SetAgentState,
    SubscribeAgentsState,
    SubscribeExConversations,
    SubscribeResponse,
    SubscribeRoutingTasks,
    UnsubscribeExConversations,
    UpdateConversationField,
    UpdateRingState,
    UserProfile,
)
from rx_lpagent.protocol.transforms import NodeView
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import agent_connection, first, settled

pytestmark = pytest.mark.asyncio


async def connected(make_agent: MakeAgent) -> Agent:
    agent = make_agent().agent
    await agent.connect()
    return agent


async def assigned_conversation(agent: Agent, emulator: Emulator) -> str:
    """A conversation the agent asked for, so it is its ASSIGNED_AGENT."""
    consumer = emulator.consumer()
    reply = await agent.agent_request_conversation({"consumerId": consumer.consumer_id})
    conv_id: str = reply["conversationId"]
    return conv_id


async def test_get_clock(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    reply = await agent.get_clock()
    assert isinstance(reply, GetClockResponse)
    assert reply.current_time > 0
    assert emulator.calls.count(".GetClock") == 1


async def test_agent_request_conversation(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    consumer = emulator.consumer()
    from_dict = await agent.agent_request_conversation({"consumerId": consumer.consumer_id})
    from_struct = await agent.agent_request_conversation(
        AgentRequestConversation(consumer_id=consumer.consumer_id)
    )
    for reply in (from_dict, from_struct):
        conversation = emulator.conversation(reply["conversationId"])
        assert conversation.consumer_id == consumer.consumer_id
        assert conversation.assigned_agent == emulator.agent.old_id
    sent = emulator.calls.of(".ams.cm.AgentRequestConversation")
    assert [call.body["channelType"] for call in sent] == ["MESSAGING", "MESSAGING"]


@pytest.mark.parametrize(
    "body", [{"convState": ["OPEN"]}, SubscribeExConversations(conv_state=["OPEN"])]
)
async def test_subscribe_ex_conversations_yields_a_snapshot(
    body: Any, make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    waiting = await assigned_conversation(agent, emulator)
    snapshot = first(agent.notifications_of(ExConversationChangeNotification))
    reply = await agent.subscribe_ex_conversations(body)
    assert isinstance(reply, SubscribeResponse)
    notification = await settled(snapshot)
    assert notification.subscription_id == reply.subscription_id
    assert [change.result.conv_id for change in notification.changes if change.result] == [waiting]
    assert list(agent_connection(emulator).ex_subscriptions) == [reply.subscription_id]


async def test_subscribe_ex_conversations_maps_the_agents_pid(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    await agent.subscribe_ex_conversations({"convState": "OPEN", "agentIds": emulator.agent.pid})
    (call,) = emulator.calls.of(".ams.aam.SubscribeExConversations")
    assert call.body["agentIds"] == [emulator.agent.old_id]


@pytest.mark.parametrize("as_struct", [False, True])
async def test_unsubscribe_ex_conversations(
    as_struct: bool, make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    subscription_id = (
        await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    ).subscription_id
    body: Any = (
        UnsubscribeExConversations(subscription_id=subscription_id)
        if as_struct
        else {"subscriptionId": subscription_id}
    )
    await agent.unsubscribe_ex_conversations(body)
    assert agent_connection(emulator).ex_subscriptions == {}


async def test_update_conversation_field_joins_and_closes(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    conv_id = await emulator.consumer().open_conversation()
    await agent.update_conversation_field(
        {
            "conversationId": conv_id,
            "conversationField": [
                {"field": "ParticipantsChange", "type": "ADD", "role": "MANAGER"}
            ],
        }
    )
    assert emulator.conversation(conv_id).participants["MANAGER"] == [emulator.agent.old_id]
    reply = await agent.update_conversation_field(
        UpdateConversationField(
            conversation_id=conv_id,
            conversation_field=[ConversationStateField(conversation_state="CLOSE")],
        )
    )
    assert reply == "OK"
    assert emulator.conversation(conv_id).state == "CLOSE"


async def test_update_conversation_field_fills_the_agents_id(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    conv_id = await emulator.consumer().open_conversation()
    await agent.update_conversation_field(
        UpdateConversationField(
            conversation_id=conv_id,
            conversation_field=[ParticipantsChange(type="ADD", role="READER")],
        )
    )
    assert emulator.conversation(conv_id).participants["READER"] == [emulator.agent.old_id]


async def test_publish_event_lands_in_the_conversation(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    conv_id = await assigned_conversation(agent, emulator)
    first_reply = await agent.publish_event(
        {"dialogId": conv_id, "event": {"type": "ContentEvent", "message": "hello"}}
    )
    second_reply = await agent.publish_event(
        PublishEvent(dialog_id=conv_id, event=ContentEvent(message="again"))
    )
    assert isinstance(first_reply, PublishEventResponse)
    assert (first_reply.sequence, second_reply.sequence) == (0, 1)
    messages = emulator.conversation(conv_id).messages
    assert [m["event"]["message"] for m in messages] == ["hello", "again"]
    assert {m["originatorId"] for m in messages} == {emulator.agent.old_id}


async def test_update_ring_state_accepts_a_ring(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    await agent.set_agent_state({"availability": "ONLINE"})
    ringing = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    await agent.subscribe_routing_tasks()
    conv_id = await emulator.consumer().open_conversation()
    task = (await settled(ringing)).changes[0].result
    assert task is not None
    assert task.conversation_id == conv_id
    ring = task.rings_details[0]
    assert ring.ring_state == "WAITING"
    reply = await agent.update_ring_state(
        UpdateRingState(ring_id=ring.ring_id, ring_state="ACCEPTED")
    )
    assert isinstance(reply, str)
    assert emulator.conversation(conv_id).assigned_agent == emulator.agent.old_id


async def test_update_ring_state_with_a_dict_body(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    await agent.set_agent_state(SetAgentState(availability="ONLINE"))
    ringing = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    await agent.subscribe_routing_tasks(SubscribeRoutingTasks())
    conv_id = await emulator.consumer().open_conversation()
    task = (await settled(ringing)).changes[0].result
    assert task is not None
    await agent.update_ring_state(
        {"ringId": task.rings_details[0].ring_id, "ringState": "REJECTED"}
    )
    assert emulator.agent.old_id in emulator.conversation(conv_id).rejected_by


async def test_subscribe_routing_tasks(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    empty = first(agent.notifications_of(RoutingTaskNotification))
    reply = await agent.subscribe_routing_tasks()
    assert isinstance(reply, SubscribeResponse)
    notification = await settled(empty)
    assert (notification.subscription_id, notification.changes) == (reply.subscription_id, [])
    (call,) = emulator.calls.of(".ams.routing.SubscribeRoutingTasks")
    assert call.body == {
        "channelType": "MESSAGING",
        "agentId": emulator.agent.old_id,
        "brandId": emulator.account,
    }


async def test_update_routing_task_subscription(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    subscription_id = (await agent.subscribe_routing_tasks()).subscription_id
    reply = await agent.update_routing_task_subscription({"subscriptionId": subscription_id})
    assert reply == {"subscriptionId": subscription_id}
    assert emulator.calls.count(".ams.routing.UpdateRoutingTaskSubscription") == 1


async def test_get_user_profile(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    consumer = emulator.consumer(profile={"firstName": "Ada", "privateData": {"email": "a@b.c"}})
    profile = await agent.get_user_profile(consumer.consumer_id)
    assert isinstance(profile, UserProfile)
    assert profile.first_name == "Ada"
    assert profile.private_data is not None
    assert profile.private_data.email == "a@b.c"


async def test_set_agent_state(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    reply = await agent.set_agent_state({"availability": "ONLINE"})
    assert isinstance(reply, str)
    assert emulator.agent.availability == "ONLINE"
    await agent.set_agent_state(SetAgentState(availability="AWAY", description="lunch"))
    assert (emulator.agent.availability, emulator.agent.description) == ("AWAY", "lunch")
    sent = emulator.calls.of(".ams.routing.SetAgentState")[-1].body
    assert (sent["channels"], sent["agentUserId"]) == (["MESSAGING"], emulator.agent.old_id)


@pytest.mark.parametrize("body", [None, {}, SubscribeAgentsState()])
async def test_subscribe_agents_state(body: Any, make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    states = first(agent.notifications_of(AgentStateNotification))
    reply = await agent.subscribe_agents_state(body)
    notification = await settled(states)
    assert notification.subscription_id == reply.subscription_id
    (change,) = notification.changes
    assert change.result is not None
    assert change.result.agent_user_id == emulator.agent.old_id
    changed = first(agent.notifications_of(AgentStateNotification))
    await agent.set_agent_state({"availability": "ONLINE"})
    assert (await settled(changed)).changes[0].result.availability == "ONLINE"  # type: ignore[union-attr]


@pytest.mark.parametrize("as_struct", [False, True])
async def test_subscribe_messaging_events_returns_and_replays_history(
    as_struct: bool, make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    consumer = emulator.consumer()
    conv_id = await consumer.open_conversation()
    await consumer.send_text(conv_id, "first")
    await consumer.send_text(conv_id, "second")
    replayed = first(
        agent.node_notifications, lambda view: view.type == "ms.MessagingEventNotification"
    )
    body: Any = (
        QueryMessages(dialog_id=conv_id, from_seq=1)
        if as_struct
        else {"dialogId": conv_id, "fromSeq": 1}
    )
    history = await agent.subscribe_messaging_events(body)
    assert all(isinstance(event, OnlineEventDistribution) for event in history)
    assert [event.text for event in history] == ["second"]
    view: NodeView = await settled(replayed)
    assert view.body["dialogId"] == conv_id
    assert [change["event"]["message"] for change in view.body["changes"]] == ["second"]
    assert view.body["changes"][0]["__isMe"] is False
    (call,) = emulator.calls.of(".ams.ms.QueryMessages")
    assert call.body["newerThanSequence"] == 1
    live = first(agent.notifications_of(OnlineEventDistribution))
    await consumer.send_text(conv_id, "third")
    assert (await settled(live)).text == "third"


async def test_subscribe_messaging_events_with_no_history_replays_nothing(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    conv_id = await emulator.consumer().open_conversation()
    views: list[NodeView] = []
    agent.node_notifications.subscribe(views.append)
    assert await agent.subscribe_messaging_events({"dialogId": conv_id}) == []
    assert emulator.calls.of(".ams.ms.QueryMessages")[0].body["newerThanSequence"] == 0
    assert views == []


@pytest.mark.parametrize("as_struct", [False, True])
async def test_generate_url_for_download_file(
    as_struct: bool, make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    path = "/v1/AUTH_async-images/1234567/file.png"
    body: Any = (
        GenerateURLForDownloadFile(relative_path=path) if as_struct else {"relativePath": path}
    )
    url = await agent.generate_url_for_download_file(body)
    assert isinstance(url, GeneratedURL)
    assert url.relative_path == path
    assert url.query_params is not None
    assert emulator.engine.check_signature(
        path, url.query_params.temp_url_sig, str(url.query_params.temp_url_expires)
    )


@pytest.mark.parametrize("as_struct", [False, True])
async def test_generate_url_for_upload_file(
    as_struct: bool, make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    body: Any = (
        GenerateURLForUploadFile(file_size=1024, file_type="PNG")
        if as_struct
        else {"fileSize": 1024, "fileType": "PNG"}
    )
    url = await agent.generate_url_for_upload_file(body)
    assert url.relative_path.endswith(".png")
    assert url.query_params is not None
    assert url.query_params.temp_url_sig


async def test_generate_download_token(make_agent: MakeAgent, emulator: Emulator) -> None:
    agent = await connected(make_agent)
    reply = await agent.generate_download_token({})
    assert isinstance(reply["token"], str)
    assert reply["token"]
    assert emulator.calls.count(".ams.ms.token.GenerateDownloadToken") == 1


async def test_request_sends_an_unknown_type_as_given(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = await connected(make_agent)
    response = await agent.request(".GetClock", {"any": "thing"})
    assert response.code == 200
    assert emulator.calls.of(".GetClock")[0].body == {"any": "thing"}

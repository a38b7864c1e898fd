"""Notifications in, for both socket transports: raw, typed and Node-view streams; bodies that
cannot be decoded or transformed; the caller's subscriptions carried over a reconnect."""

from __future__ import annotations

from typing import Any

import pytest

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.errors import MalformedFrameError, RequestFailedError
from rx_lpagent.events import ErrorEvent
from rx_lpagent.protocol import (
    ExConversationChangeNotification,
    Notification,
    OnlineEventDistribution,
    PublishEventResponse,
    RoutingTaskNotification,
    UnsubscribeExConversations,
)
from rx_lpagent.protocol.transforms import NodeView
from tests.agent.conftest import MakeAgent, Recorder
from tests.agent.waiting import agent_connection, error_at, first, reach, settled, until

pytestmark = pytest.mark.asyncio

ONLINE_EVENT = ".ams.ms.OnlineEventDistribution"
EX_CONVERSATION = ".ams.aam.ExConversationChangeNotification"


async def in_conversation(
    make_agent: MakeAgent, emulator: Emulator, **settings: Any
) -> tuple[Recorder, str]:
    """A connected agent (made with ``settings``) assigned to a fresh conversation of a
    consumer."""
    rec = make_agent(**settings)
    await rec.agent.connect()
    consumer = emulator.consumer("consumer-1")
    reply = await rec.agent.agent_request_conversation({"consumerId": consumer.consumer_id})
    conv_id: str = reply["conversationId"]
    return rec, conv_id


async def test_one_message_on_every_kind_of_stream(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator)
    agent = rec.agent
    raw = first(agent.notifications, lambda n: n.type == ONLINE_EVENT)
    by_type = first(agent.notifications_of(ONLINE_EVENT))
    typed = first(agent.notifications_of(OnlineEventDistribution))
    node = first(agent.node_notifications, lambda v: v.type == "ms.MessagingEventNotification")
    await emulator.consumer("consumer-1").send_text(conv_id, "hello")
    notification: Notification = await settled(raw)
    assert notification is await settled(by_type)
    event = await settled(typed)
    assert (event.dialog_id, event.text, event.originator_id) == (conv_id, "hello", "consumer-1")
    view: NodeView = await settled(node)
    assert view.body["changes"][0]["event"]["message"] == "hello"
    assert not [e for e in rec.events if isinstance(e, ErrorEvent)]


async def test_notifications_of_refuses_a_type_that_is_no_notification(
    make_agent: MakeAgent,
) -> None:
    agent = make_agent().agent
    with pytest.raises(TypeError, match="PublishEventResponse is not a notification body type"):
        agent.notifications_of(PublishEventResponse)


async def test_typed_streams_of_conversations_and_rings(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    await agent.connect()
    await agent.set_agent_state({"availability": "ONLINE"})
    await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    await agent.subscribe_routing_tasks()
    conversation = first(
        agent.notifications_of(ExConversationChangeNotification), lambda n: bool(n.changes)
    )
    ring = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    conv_id = await emulator.consumer().open_conversation()
    change = (await settled(conversation)).changes[0]
    assert change.type == "UPSERT"
    assert change.result is not None
    assert change.result.conv_id == conv_id
    task = (await settled(ring)).changes[0].result
    assert task is not None
    assert task.conversation_id == conv_id


BAD_BODIES = [
    # decodes as JSON, but not as an OnlineEventDistribution (dialogId must be a string)
    f'{{"kind":"notification","type":"{ONLINE_EVENT}","body":{{"dialogId":5,"event":{{}}}}}}',
    # an ExConversationChange without participantsPId: neither SDK can transform it
    f'{{"kind":"notification","type":"{EX_CONVERSATION}","body":{{"subscriptionId":"s",'
    '"changes":[{"type":"UPSERT","result":{"convId":"c","conversationDetails":'
    '{"participants":{}}}}]}}',
]


@pytest.mark.parametrize("frame", BAD_BODIES, ids=["undecodable", "untransformable"])
async def test_a_bad_body_is_reported_and_the_streams_go_on(
    frame: str, make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator)
    agent = rec.agent
    typed: list[OnlineEventDistribution] = []
    views: list[NodeView] = []
    raw: list[Notification] = []
    agent.notifications_of(OnlineEventDistribution).subscribe(typed.append)
    agent.notifications_of(ExConversationChangeNotification).subscribe(lambda _: None)
    agent.node_notifications.subscribe(views.append)
    agent.notifications.subscribe(raw.append)
    reported = first(agent.events, error_at("Notification#Transform"))
    emulator.faults.send_malformed(frame)
    event = await settled(reported)
    assert isinstance(event, ErrorEvent)
    assert isinstance(event.error, MalformedFrameError)
    assert event.error.raw is not None
    next_view = first(agent.node_notifications)
    await emulator.consumer("consumer-1").send_text(conv_id, "still here")
    await settled(next_view)
    assert [n.text for n in typed] == ["still here"]
    assert views[-1].body["changes"][0]["event"]["message"] == "still here"
    assert len(raw) == 2  # the raw stream hands on even the bad one
    assert agent.state is AgentState.CONNECTED
    assert ("error", "Frame#Decode") not in rec.outcomes()


async def test_a_subscriber_that_raises_does_not_stop_the_others(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec, conv_id = await in_conversation(make_agent, emulator)

    def explode(_: OnlineEventDistribution) -> None:
        raise RuntimeError("a bug in the caller's handler")

    rec.agent.notifications_of(OnlineEventDistribution).subscribe(explode)
    arrived = first(rec.agent.notifications_of(OnlineEventDistribution))
    await emulator.consumer("consumer-1").send_text(conv_id, "hi")
    assert (await settled(arrived)).text == "hi"


async def resubscribed(agent: Agent, emulator: Emulator, states_set: int) -> None:
    """Wait until the agent re-created its subscriptions and state on a new socket."""
    await reach(agent, AgentState.CONNECTED)

    def done() -> bool:
        connections = [c for c in emulator.engine.connections if not c.closing]
        return bool(
            connections
            and connections[0].ex_subscriptions
            and connections[0].routing_subscriptions
            and emulator.calls.count(".ams.routing.SetAgentState") == states_set
        )

    await until(done)


async def test_subscriptions_and_state_are_recreated_after_a_reconnect(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    agent = rec.agent
    conversations: list[ExConversationChangeNotification] = []
    rings: list[RoutingTaskNotification] = []
    ended: list[str] = []
    agent.notifications_of(ExConversationChangeNotification).subscribe(
        conversations.append, on_completed=lambda: ended.append("conversations")
    )
    agent.notifications_of(RoutingTaskNotification).subscribe(
        rings.append, on_completed=lambda: ended.append("rings")
    )
    await agent.connect()
    await agent.set_agent_state({"availability": "AWAY"})
    await agent.set_agent_state({"availability": "ONLINE"})
    original = (await agent.subscribe_ex_conversations({"convState": ["OPEN"]})).subscription_id
    await agent.subscribe_routing_tasks()

    await emulator.faults.close_sockets(1006)
    emulator.agent.availability = "OFFLINE"  # as LivePerson does for a vanished agent
    await resubscribed(agent, emulator, states_set=3)
    assert emulator.agent.availability == "ONLINE"  # the last state set, set again
    recreated = emulator.calls.of(".ams.aam.SubscribeExConversations")[-1]
    assert recreated.body == {"convState": ["OPEN"]}
    (server_id,) = agent_connection(emulator).ex_subscriptions
    assert server_id != original

    conversation = first(
        agent.notifications_of(ExConversationChangeNotification), lambda n: bool(n.changes)
    )
    ring = first(
        agent.notifications_of(RoutingTaskNotification),
        lambda n: any(c.result and c.result.rings_details for c in n.changes),
    )
    conv_id = await emulator.consumer().open_conversation()
    assert (await settled(conversation)).changes[0].result.conv_id == conv_id  # type: ignore[union-attr]
    await settled(ring)
    assert conversations[-1].changes[0].result is not None
    assert rings[-1].changes[0].result is not None
    assert rings[-1].changes[0].result.conversation_id == conv_id
    assert ended == []

    await agent.unsubscribe_ex_conversations({"subscriptionId": original})
    assert agent_connection(emulator).ex_subscriptions == {}
    assert emulator.calls.last(".ams.aam.UnsubscribeExConversations").body == {
        "subscriptionId": server_id
    }


async def test_an_unsubscribed_subscription_is_not_recreated(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    agent = rec.agent
    await agent.connect()
    kept = (await agent.subscribe_ex_conversations({"convState": ["OPEN"]})).subscription_id
    dropped = (await agent.subscribe_ex_conversations({"convState": ["CLOSE"]})).subscription_id
    await agent.unsubscribe_ex_conversations({"subscriptionId": dropped})
    await emulator.faults.close_sockets(1001)
    await reach(agent, AgentState.RECONNECTING)
    await reach(agent, AgentState.CONNECTED)
    await until(lambda: emulator.calls.count(".ams.aam.SubscribeExConversations") == 3)
    assert emulator.calls.last(".ams.aam.SubscribeExConversations").body == {"convState": ["OPEN"]}
    await agent.unsubscribe_ex_conversations({"subscriptionId": kept})
    with pytest.raises(RequestFailedError):  # already gone: the service says so
        await agent.unsubscribe_ex_conversations({"subscriptionId": dropped})


async def reconnected_with_a_slow_resubscription(
    make_agent: MakeAgent, emulator: Emulator
) -> tuple[Agent, str]:
    """An agent just reconnected whose conversations subscription (id returned) is still being
    re-created: the emulator answers the re-subscription 0.3 s late."""
    agent = make_agent().agent
    await agent.connect()
    kept = (await agent.subscribe_ex_conversations({"convState": ["OPEN"]})).subscription_id
    emulator.faults.delay(".ams.aam.SubscribeExConversations", 0.3)
    await emulator.faults.close_sockets(1001)
    await reach(agent, AgentState.RECONNECTING)
    await reach(agent, AgentState.CONNECTED)
    return agent, kept


async def test_an_unsubscribe_sent_while_its_subscription_is_recreated_waits_for_it(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    """The caller's id must reach the server as the re-created subscription's new id, even when
    the caller unsubscribes before the re-subscription is answered."""
    agent, kept = await reconnected_with_a_slow_resubscription(make_agent, emulator)
    await agent.unsubscribe_ex_conversations({"subscriptionId": kept})  # before: 400, not found
    assert emulator.calls.count(".ams.aam.UnsubscribeExConversations") == 1
    sent = emulator.calls.last(".ams.aam.UnsubscribeExConversations").body
    assert sent["subscriptionId"] != kept  # the re-created subscription's id


async def test_an_unsubscribe_waiting_for_its_recreated_subscription_can_be_cancelled(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent, kept = await reconnected_with_a_slow_resubscription(make_agent, emulator)
    outcomes: list[object] = []
    waiting = agent.unsubscribe_ex_conversations({"subscriptionId": kept}).subscribe(
        outcomes.append, outcomes.append
    )
    waiting.dispose()  # before the re-subscription is answered
    # a second one waits too, and runs after the first would have: only it is sent
    await agent.unsubscribe_ex_conversations({"subscriptionId": kept})
    assert emulator.calls.count(".ams.aam.UnsubscribeExConversations") == 1
    assert outcomes == []


async def test_a_failed_resubscription_is_reported(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    await rec.agent.connect()
    await rec.agent.subscribe_routing_tasks()
    emulator.faults.fail(".ams.routing.SubscribeRoutingTasks", 503)
    reported = first(rec.agent.events, error_at("Subscription#Resubscribe"))
    await emulator.faults.close_sockets(1006)
    event = await settled(reported)
    assert isinstance(event, ErrorEvent)
    assert event.error.code == 503
    assert rec.agent.state is AgentState.CONNECTED


async def test_a_failed_unsubscribe_keeps_the_subscription_recreated(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    await agent.connect()
    original = (await agent.subscribe_ex_conversations({"convState": ["OPEN"]})).subscription_id
    emulator.faults.fail(".ams.aam.UnsubscribeExConversations", 429)
    with pytest.raises(RequestFailedError):
        await agent.unsubscribe_ex_conversations(
            UnsubscribeExConversations(subscription_id=original)
        )
    await emulator.faults.close_sockets(1006)
    await reach(agent, AgentState.RECONNECTING)
    await reach(agent, AgentState.CONNECTED)
    await until(lambda: emulator.calls.count(".ams.aam.SubscribeExConversations") == 2)
    await until(lambda: bool(agent_connection(emulator).ex_subscriptions))
    await agent.unsubscribe_ex_conversations(UnsubscribeExConversations(subscription_id=original))
    assert agent_connection(emulator).ex_subscriptions == {}

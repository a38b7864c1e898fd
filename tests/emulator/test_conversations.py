"""Stateful conversations: rings, accept, messages, transfer, close, as agents see them."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from rx_lpagent.emulator import Emulator
from tests.emulator.conftest import Client, Socket

pytestmark = pytest.mark.asyncio

EX_CHANGE = ".ams.aam.ExConversationChangeNotification"
ROUTING = ".ams.routing.RoutingTaskNotification"
EVENT = ".ams.ms.OnlineEventDistribution"


async def _agent(client: Client, body: dict[str, Any] | None = None) -> Socket:
    """A socket that is ONLINE, subscribed to routing tasks and to OPEN conversations."""
    socket = await client.connect((await client.login(body))["bearer"])
    await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"})
    await socket.request(".ams.routing.SubscribeRoutingTasks", {})
    await socket.notification(ROUTING)
    await socket.request(".ams.aam.SubscribeExConversations", {"convState": ["OPEN"]})
    await socket.notification(EX_CHANGE)
    return socket


async def _ring(socket: Socket, state: str = "WAITING") -> dict[str, Any]:
    """The next ring in ``state`` (ring updates in other states before it are skipped)."""
    while True:
        frame = await socket.notification(ROUTING)
        ring: dict[str, Any] = frame["body"]["changes"][0]["result"]["ringsDetails"][0]
        if ring["ringState"] == state:
            return ring


async def _accept(socket: Socket, ring: dict[str, Any]) -> None:
    response = await socket.request(
        ".ams.routing.UpdateRingState", {"ringId": ring["ringId"], "ringState": "ACCEPTED"}
    )
    assert response["code"] == 202


async def test_a_conversation_from_ring_to_close(client: Client, emu: Emulator) -> None:
    agent = await _agent(client)
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    queued = await agent.notification(EX_CHANGE)
    assert queued["body"]["changes"][0]["result"]["convId"] == conv_id
    ring = await _ring(agent)
    assert (ring["convId"], ring["ringState"]) == (conv_id, "WAITING")
    await _accept(agent, ring)
    assigned = await agent.notification(EX_CHANGE)
    details = assigned["body"]["changes"][0]["result"]["conversationDetails"]
    assert details["participants"]["ASSIGNED_AGENT"] == [emu.agent.old_id]
    assert details["participantsPId"]["ASSIGNED_AGENT"] == [emu.agent.pid]

    sequence = await consumer.send_text(conv_id, "hello")
    event = await agent.notification(EVENT)
    assert event["body"]["sequence"] == sequence
    assert event["body"]["event"] == {
        "type": "ContentEvent",
        "contentType": "text/plain",
        "message": "hello",
    }
    assert event["body"]["originatorMetadata"]["role"] == "CONSUMER"
    text = {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}
    await agent.send(".ams.ms.PublishEvent", {"dialogId": conv_id, "event": text})
    assert len(await emu.wait_for_messages(conv_id, 2)) == 2
    with pytest.raises(TimeoutError):
        await emu.wait_for_messages(conv_id, 3, within=0.05)
    await consumer.set_chat_state(conv_id, "COMPOSING")
    chat_state = await agent.notification(EVENT)
    while chat_state["body"]["event"]["type"] != "ChatStateEvent":
        chat_state = await agent.notification(EVENT)
    assert "sequence" not in chat_state["body"]
    messages = emu.conversation(conv_id).messages
    assert [m["event"].get("message") for m in messages] == ["hello", "hi"]
    assert messages[1]["originatorId"] == emu.agent.old_id

    await consumer.close_conversation(conv_id)
    change = await agent.notification(EX_CHANGE)
    while change["body"]["changes"][0]["type"] != "DELETE":
        change = await agent.notification(EX_CHANGE)
    result = change["body"]["changes"][0]["result"]
    assert result["conversationDetails"]["state"] == "CLOSE"
    assert result["conversationDetails"]["closeReason"] == "CONSUMER"


async def test_rings_wait_for_an_online_subscribed_agent(client: Client, emu: Emulator) -> None:
    conv_id = await emu.consumer().open_conversation()
    socket = await client.connect()
    await socket.request(".ams.routing.SubscribeRoutingTasks", {})
    await socket.notification(ROUTING)
    assert emu.conversation(conv_id).ring is None
    await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"})
    assert (await _ring(socket))["convId"] == conv_id


async def test_a_rejected_ring_goes_to_the_next_agent(client: Client, emu: Emulator) -> None:
    emu.add_agent("second", "second-password")
    first = await _agent(client)
    second = await _agent(client, {"username": "second", "password": "second-password"})
    conv_id = await emu.consumer().open_conversation()
    ring = await _ring(first)
    await first.request(
        ".ams.routing.UpdateRingState", {"ringId": ring["ringId"], "ringState": "REJECTED"}
    )
    second_ring = await _ring(second)
    assert second_ring["convId"] == conv_id
    await _accept(second, second_ring)
    assert emu.conversation(conv_id).assigned_agent == f"{emu.account}.{_user_id(emu, 'second')}"


def _user_id(emu: Emulator, login_name: str) -> str:
    account = emu.world.accounts[emu.account]
    return next(a.user_id for a in account.agents if a.login_name == login_name)


async def test_transfer_to_an_agent_and_back_to_a_skill(client: Client, emu: Emulator) -> None:
    second_agent = emu.add_agent("second", "second-password")
    first = await _agent(client)
    second = await _agent(client, {"username": "second", "password": "second-password"})
    conv_id = await emu.consumer().open_conversation()
    await _accept(first, await _ring(first))
    update = ".ams.cm.UpdateConversationField"
    transfer = [
        {
            "field": "ParticipantsChange",
            "type": "SUGGEST",
            "userId": second_agent.old_id,
            "role": "ASSIGNED_AGENT",
        },
        {
            "field": "ParticipantsChange",
            "type": "REMOVE",
            "userId": emu.agent.old_id,
            "role": "ASSIGNED_AGENT",
        },
    ]
    response = await first.request(
        update, {"conversationId": conv_id, "conversationField": transfer}
    )
    assert response["code"] == 200
    ring = await _ring(second)
    await _accept(second, ring)
    assert emu.conversation(conv_id).assigned_agent == second_agent.old_id

    await first.request(".ams.routing.SetAgentState", {"availability": "AWAY"})
    back = [
        {"field": "Skill", "type": "UPDATE", "skill": "77"},
        {
            "field": "ParticipantsChange",
            "type": "REMOVE",
            "userId": second_agent.old_id,
            "role": "ASSIGNED_AGENT",
        },
    ]
    response = await second.request(update, {"conversationId": conv_id, "conversationField": back})
    assert response["code"] == 200
    ring = await _ring(second)
    assert ring["skillId"] == "77"


async def test_an_unanswered_ring_expires_and_rings_again() -> None:
    async with (
        Emulator(ring_timeout=0.1) as emu,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        client = Client(emu, http)
        agent = await _agent(client)
        await emu.consumer().open_conversation()
        first = await _ring(agent)
        assert (await _ring(agent, "EXPIRED"))["ringId"] == first["ringId"]
        assert (await _ring(agent))["convId"] == first["convId"]
        await client.close()


async def test_join_as_manager_and_close_from_the_agent(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    await socket.request(".ams.aam.SubscribeExConversations", {"convState": ["OPEN", "CLOSE"]})
    await socket.notification(EX_CHANGE)
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    await socket.notification(EX_CHANGE)
    update = ".ams.cm.UpdateConversationField"
    join = {
        "field": "ParticipantsChange",
        "type": "ADD",
        "userId": emu.agent.old_id,
        "role": "MANAGER",
    }
    await socket.request(update, {"conversationId": conv_id, "conversationField": join})
    joined = await socket.notification(EX_CHANGE)
    details = joined["body"]["changes"][0]["result"]["conversationDetails"]
    assert details["participants"]["MANAGER"] == [emu.agent.old_id]
    await consumer.send_text(conv_id, "manager sees this")
    assert (await socket.notification(EVENT))["body"]["event"]["message"] == "manager sees this"
    dialog_close = {
        "field": "DialogChange",
        "type": "UPDATE",
        "dialog": {"dialogId": conv_id, "state": "CLOSE", "closedCause": "Closed by bot"},
    }
    await socket.request(update, {"conversationId": conv_id, "conversationField": [dialog_close]})
    closed = await socket.notification(EX_CHANGE)
    while closed["body"]["changes"][0]["result"]["conversationDetails"]["state"] != "CLOSE":
        closed = await socket.notification(EX_CHANGE)
    assert closed["body"]["changes"][0]["type"] == "UPSERT"


async def test_control_endpoints_drive_conversations(client: Client, emu: Emulator) -> None:
    agent = await _agent(client)
    url = client.url("/_emulator")
    async with client.http.post(f"{url}/consumers/c-7/conversations", json={}) as response:
        conv_id = (await response.json())["conversationId"]
    await _accept(agent, await _ring(agent))
    async with client.http.post(
        f"{url}/conversations/{conv_id}/messages", json={"text": "from node"}
    ) as response:
        assert await response.json() == {"sequence": 0}
    event = await agent.notification(EVENT)
    assert event["body"]["originatorId"] == "c-7"
    async with client.http.get(f"{url}/conversations/{conv_id}") as response:
        state = await response.json()
    assert state["consumerId"] == "c-7"
    assert [m["event"]["message"] for m in state["messages"]] == ["from node"]
    async with client.http.get(f"{url}/conversations") as response:
        assert len(await response.json()) == 1
    async with client.http.post(f"{url}/conversations/{conv_id}/close") as response:
        assert (await response.json())["state"] == "CLOSE"
    async with client.http.post(
        f"{url}/conversations/{conv_id}/messages", json={"text": "too late"}
    ) as response:
        assert response.status == 409
    async with client.http.get(f"{url}/conversations/nope") as response:
        assert response.status == 404
    async with client.http.get(f"{url}/calls") as response:
        calls = await response.json()
    assert "login" in [call["endpoint"] for call in calls]
    async with client.http.delete(f"{url}/calls") as response:
        assert response.status == 200
    assert len(emu.calls) == 0
    async with client.http.get(f"{url}/info") as response:
        assert (await response.json())["authority"] == f"127.0.0.1:{emu.port}"


async def test_an_agent_filter_sees_its_conversations_come_and_go(
    client: Client, emu: Emulator
) -> None:
    socket = await client.connect()
    await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"})
    await socket.request(".ams.routing.SubscribeRoutingTasks", {})
    subscribe = {"convState": ["OPEN"], "agentIds": [emu.agent.old_id]}
    await socket.request(".ams.aam.SubscribeExConversations", subscribe)
    assert (await socket.notification(EX_CHANGE))["body"]["changes"] == []
    conv_id = await emu.consumer().open_conversation()
    await _accept(socket, await _ring(socket))
    joined = await socket.notification(EX_CHANGE)
    assert [(c["type"], c["result"]["convId"]) for c in joined["body"]["changes"]] == [
        ("UPSERT", conv_id)
    ]
    await socket.request(".ams.routing.SetAgentState", {"availability": "AWAY"})
    leave = {
        "field": "ParticipantsChange",
        "type": "REMOVE",
        "userId": emu.agent.old_id,
        "role": "ASSIGNED_AGENT",
    }
    await socket.request(
        ".ams.cm.UpdateConversationField", {"conversationId": conv_id, "conversationField": leave}
    )
    left = await socket.notification(EX_CHANGE)
    assert left["body"]["changes"][0]["type"] == "DELETE"
    assert emu.conversation(conv_id).is_open


async def test_closing_a_ringing_conversation_cancels_the_ring(
    client: Client, emu: Emulator
) -> None:
    agent = await _agent(client)
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    ring = await _ring(agent)
    await consumer.close_conversation(conv_id)
    cancelled = await _ring(agent, "CANCELLED")
    assert cancelled["ringId"] == ring["ringId"]
    late = await agent.request(
        ".ams.routing.UpdateRingState", {"ringId": ring["ringId"], "ringState": "ACCEPTED"}
    )
    assert late["code"] == 400


async def test_a_reader_reads_but_does_not_publish(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    read = {
        "field": "ParticipantsChange",
        "type": "ADD",
        "userId": emu.agent.old_id,
        "role": "READER",
    }
    await socket.request(
        ".ams.cm.UpdateConversationField", {"conversationId": conv_id, "conversationField": read}
    )
    await consumer.send_text(conv_id, "psst")
    assert (await socket.notification(EVENT))["body"]["event"]["message"] == "psst"
    text = {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"}
    denied = await socket.request(".ams.ms.PublishEvent", {"dialogId": conv_id, "event": text})
    assert denied["code"] == 400
    seen = {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]}
    allowed = await socket.request(".ams.ms.PublishEvent", {"dialogId": conv_id, "event": seen})
    assert allowed["code"] == 200


async def test_unsubscribed_sockets_hear_no_more_changes(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    subscribed = await socket.request(".ams.aam.SubscribeExConversations", {"convState": "OPEN"})
    await socket.notification(EX_CHANGE)
    await socket.request(
        ".ams.aam.UnsubscribeExConversations",
        {"subscriptionId": subscribed["body"]["subscriptionId"]},
    )
    await emu.consumer().open_conversation()
    assert (await socket.request(".GetClock"))["code"] == 200
    assert socket.notifications.empty()

"""The messaging socket: handshake, the 16 request types, unknown types, keep-alive, expiry."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.handlers import HANDLERS
from tests.emulator.conftest import Client, Socket

pytestmark = pytest.mark.asyncio


async def _ws_status(client: Client, bearer: str, version: str = "2.1") -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.connect(bearer, version)
    return caught.value.status


async def test_bad_bearer_and_version_are_rejected_at_handshake(
    client: Client, emu: Emulator
) -> None:
    assert await _ws_status(client, "not-a-bearer") == 401
    bearer = (await client.login())["bearer"]
    assert await _ws_status(client, bearer, version="3") == 400
    for version in ("2", "2.1"):
        socket = await client.connect(bearer, version)
        assert (await socket.request(".GetClock"))["code"] == 200
    assert [c.status for c in emu.calls.of("ws")] == [401, 400, 101, 101]
    url = f"ws://127.0.0.1:{emu.port}/ws_api/account/999/messaging/brand/{bearer}?v=2.1"
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.http.ws_connect(url)
    assert caught.value.status == 401
    no_version = url.replace("/999/", f"/{emu.account}/").removesuffix("?v=2.1")
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.http.ws_connect(no_version)
    assert caught.value.status == 400
    assert all("/brand/***" in (c.path or "") for c in emu.calls.of("ws"))


async def test_request_ids_are_echoed_as_given(client: Client) -> None:
    socket = await client.connect()
    for request_id in ("x", "9f1c-uuid-like-0000", "a" * 64):
        response = await socket.request(".GetClock", request_id=request_id)
        assert response["reqId"] == request_id
        assert response["type"] == ".GetClock$Response"
        assert isinstance(response["body"]["currentTime"], int)


async def test_unknown_types_get_an_error_code_and_the_socket_lives(client: Client) -> None:
    socket = await client.connect()
    response = await socket.request(".ams.nope.Whatever", {"x": 1})
    assert response["code"] == 400
    await socket.ws.send_str('{"kind":"req",')
    await socket.ws.send_str('{"kind":"resp","reqId":"1"}')
    await socket.ws.send_bytes(b"\xff\x00")
    bad_body = await socket.request(".ams.ms.PublishEvent", "not an object")
    assert bad_body["code"] == 400
    assert (await socket.request(".GetClock"))["code"] == 200


async def test_pings_are_answered(client: Client) -> None:
    socket = await client.connect()
    await socket.ws.ping(b"are you there")
    assert (await socket.request(".GetClock"))["code"] == 200


async def test_idle_sockets_are_closed_and_pings_count_as_activity() -> None:
    async with (
        Emulator(idle_timeout=0.3) as emu,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        client = Client(emu, http)
        idle = await client.connect()
        pinging = await client.connect()
        for _ in range(6):
            await pinging.ws.ping()
            await asyncio.sleep(0.1)
        assert await idle.wait_closed() == 1000
        assert not pinging.closed.done()
        await client.close()


async def test_a_bearer_that_expires_while_connected_closes_4401() -> None:
    async with (
        Emulator(session_ttl=0.3) as emu,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        client = Client(emu, http)
        login = await client.login()
        socket = await client.connect(login["bearer"])
        assert login["sessionTTl"] == "300"
        assert await socket.wait_closed() == 4401
        assert await _ws_status(client, login["bearer"]) == 401
        await client.close()


async def test_refresh_extends_the_session() -> None:
    async with (
        Emulator(session_ttl=0.4) as emu,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        client = Client(emu, http)
        login = await client.login()
        socket = await client.connect(login["bearer"])
        refresh = client.url(f"/api/account/{emu.account}/refresh?v=1.3")
        for _ in range(3):
            await asyncio.sleep(0.2)
            async with http.post(refresh, json={"csrf": login["csrf"]}) as response:
                assert response.status == 200
        assert not socket.closed.done()
        assert (await socket.request(".GetClock"))["code"] == 200
        await client.close()


# every request type, one by one
async def _online(socket: Socket) -> None:
    assert (await socket.request(".ams.routing.SetAgentState", {"availability": "ONLINE"}))[
        "code"
    ] == 202


async def _ringing(emu: Emulator, socket: Socket) -> tuple[str, str]:
    """Subscribe to routing tasks, open a conversation; return (conversation id, ring id)."""
    await _online(socket)
    await socket.request(".ams.routing.SubscribeRoutingTasks", {})
    await socket.notification(".ams.routing.RoutingTaskNotification")
    conv_id = await emu.consumer().open_conversation()
    ring = await socket.notification(".ams.routing.RoutingTaskNotification")
    details = ring["body"]["changes"][0]["result"]["ringsDetails"][0]
    assert details["ringState"] == "WAITING"
    return conv_id, details["ringId"]


async def _assigned(emu: Emulator, socket: Socket) -> str:
    conv_id, ring_id = await _ringing(emu, socket)
    accepted = await socket.request(
        ".ams.routing.UpdateRingState", {"ringId": ring_id, "ringState": "ACCEPTED"}
    )
    assert accepted["code"] == 202
    return conv_id


async def test_get_clock(client: Client) -> None:
    response = await (await client.connect()).request(".GetClock", {})
    assert response["code"] == 200
    assert response["body"]["currentTime"] > 0


async def test_agent_request_conversation(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    response = await socket.request(
        ".ams.cm.AgentRequestConversation", {"consumerId": "c-1", "channelType": "MESSAGING"}
    )
    assert response["code"] == 200
    conversation = emu.conversation(response["body"]["conversationId"])
    assert conversation.participants["ASSIGNED_AGENT"] == [emu.agent.old_id]
    profile = await socket.request(".ams.userprofile.GetUserProfile", "c-1")
    assert profile["body"]["firstName"]
    missing = await socket.request(".ams.cm.AgentRequestConversation", {})
    assert missing["code"] == 400


async def test_subscribe_and_unsubscribe_ex_conversations(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    response = await socket.request(
        ".ams.aam.SubscribeExConversations", {"convState": ["OPEN", "CLOSE"]}
    )
    sub_id = response["body"]["subscriptionId"]
    snapshot = await socket.notification(".ams.aam.ExConversationChangeNotification")
    assert snapshot["body"]["subscriptionId"] == sub_id
    assert [c["result"]["convId"] for c in snapshot["body"]["changes"]] == [conv_id]
    details = snapshot["body"]["changes"][0]["result"]["conversationDetails"]
    assert details["participantsPId"]["CONSUMER"]
    assert details["dialogs"]
    unsubscribe = ".ams.aam.UnsubscribeExConversations"
    assert (await socket.request(unsubscribe, {"subscriptionId": sub_id}))["code"] == 200
    assert (await socket.request(unsubscribe, {"subscriptionId": sub_id}))["code"] == 400
    bad = await socket.request(".ams.aam.SubscribeExConversations", {"convState": ["NOPE"]})
    assert bad["code"] == 400
    window = {"convState": ["OPEN"], "maxLastUpdatedTime": 1}
    await socket.request(".ams.aam.SubscribeExConversations", window)
    assert (await socket.notification(".ams.aam.ExConversationChangeNotification"))["body"][
        "changes"
    ] == []
    await consumer.send_text(conv_id, "news")
    news = await socket.notification(".ams.aam.ExConversationChangeNotification")
    assert news["body"]["changes"][0]["result"]["convId"] == conv_id


async def test_update_conversation_field(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    conv_id = await emu.consumer().open_conversation()
    update = ".ams.cm.UpdateConversationField"
    join = {
        "field": "ParticipantsChange",
        "type": "ADD",
        "userId": emu.agent.old_id,
        "role": "MANAGER",
    }
    response = await socket.request(
        update, {"conversationId": conv_id, "conversationField": [join]}
    )
    assert response["code"] == 200
    assert emu.conversation(conv_id).participants["MANAGER"] == [emu.agent.old_id]
    fields: list[dict[str, Any]] = [
        {"field": "Skill", "type": "UPDATE", "skill": "42"},
        {"field": "TTRField", "ttrType": "URGENT", "value": 60},
        {"field": "CSATRate", "csatRate": 5},
    ]
    response = await socket.request(
        update, {"conversationId": conv_id, "conversationField": fields}
    )
    assert response["code"] == 200
    conversation = emu.conversation(conv_id)
    assert (conversation.skill_id, conversation.ttr_type, conversation.csat_rate) == (
        "42",
        "URGENT",
        5,
    )
    bad_rate = {"field": "CSATRate", "csatRate": "five"}
    response = await socket.request(
        update, {"conversationId": conv_id, "conversationField": bad_rate}
    )
    assert response["code"] == 400
    unknown = {"field": "Nope"}
    response = await socket.request(
        update, {"conversationId": conv_id, "conversationField": unknown}
    )
    assert response["code"] == 400
    close = {"field": "ConversationStateField", "conversationState": "CLOSE"}
    response = await socket.request(update, {"conversationId": conv_id, "conversationField": close})
    assert response["code"] == 200
    assert emu.conversation(conv_id).state == "CLOSE"
    again = await socket.request(update, {"conversationId": conv_id, "conversationField": close})
    assert again["code"] == 400
    missing = await socket.request(update, {"conversationId": "nope", "conversationField": close})
    assert missing["code"] == 400


async def test_publish_event(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    conv_id = await _assigned(emu, socket)
    text = {"type": "ContentEvent", "contentType": "text/plain", "message": "hello"}
    response = await socket.request(".ams.ms.PublishEvent", {"dialogId": conv_id, "event": text})
    assert response["code"] == 200
    assert response["body"] == {"sequence": 0}
    event = await socket.notification(".ams.ms.OnlineEventDistribution")
    assert event["body"]["originatorId"] == emu.agent.old_id
    assert event["body"]["originatorPId"] == emu.agent.pid
    assert event["body"]["event"]["message"] == "hello"
    for other in (
        {"type": "ChatStateEvent", "chatState": "COMPOSING"},
        {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [0]},
        {"type": "RichContentEvent", "content": {"type": "vertical", "elements": []}},
    ):
        reply = await socket.request(".ams.ms.PublishEvent", {"dialogId": conv_id, "event": other})
        assert reply["code"] == 200
    assert [m["event"]["type"] for m in emu.conversation(conv_id).messages] == [
        "ContentEvent",
        "AcceptStatusEvent",
        "RichContentEvent",
    ]
    stranger = await emu.consumer().open_conversation()
    denied = await socket.request(".ams.ms.PublishEvent", {"dialogId": stranger, "event": text})
    assert denied["code"] == 400
    assert denied["body"] == "Agent does not exist in conversation"


async def test_update_ring_state(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    conv_id, ring_id = await _ringing(emu, socket)
    rejected = await socket.request(
        ".ams.routing.UpdateRingState", {"ringId": ring_id, "ringState": "REJECTED"}
    )
    assert rejected["code"] == 202
    update = await socket.notification(".ams.routing.RoutingTaskNotification")
    assert update["body"]["changes"][0]["result"]["ringsDetails"][0]["ringState"] == "REJECTED"
    again = await socket.request(
        ".ams.routing.UpdateRingState", {"ringId": ring_id, "ringState": "ACCEPTED"}
    )
    assert again["code"] == 400
    assert emu.conversation(conv_id).assigned_agent is None


async def test_subscribe_routing_tasks_and_update_subscription(client: Client) -> None:
    socket = await client.connect()
    response = await socket.request(
        ".ams.routing.SubscribeRoutingTasks",
        {
            "brandId": client.emu.account,
            "agentId": client.emu.agent.old_id,
            "channelType": "MESSAGING",
        },
    )
    sub_id = response["body"]["subscriptionId"]
    first = await socket.notification(".ams.routing.RoutingTaskNotification")
    assert first["body"] == {"subscriptionId": sub_id, "changes": []}
    update = await socket.request(
        ".ams.routing.UpdateRoutingTaskSubscription", {"subscriptionId": sub_id}
    )
    assert update["code"] == 200


async def test_get_user_profile(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    consumer = emu.consumer("c-42", profile={"firstName": "Ada", "privateData": {}})
    response = await socket.request(".ams.userprofile.GetUserProfile", consumer.consumer_id)
    assert response["code"] == 200
    assert response["type"] == ".ams.userprofile.GetUserProfile$Response"
    assert response["body"]["firstName"] == "Ada"
    assert (await socket.request(".ams.userprofile.GetUserProfile", "nobody"))["code"] == 404


async def test_set_agent_state_and_subscribe_agents_state(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    response = await socket.request(
        ".ams.routing.SubscribeAgentsState", {"brandId": emu.account, "agentId": emu.agent.old_id}
    )
    assert response["code"] == 200
    current = await socket.notification(".ams.routing.AgentStateNotification")
    assert current["body"]["changes"][0]["result"]["availability"] == "OFFLINE"
    set_state = await socket.request(
        ".ams.routing.SetAgentState",
        {"availability": "AWAY", "channels": ["MESSAGING"], "agentUserId": emu.agent.old_id},
    )
    assert (set_state["code"], set_state["body"]) == (202, "Agent state updated successfully")
    changed = await socket.notification(".ams.routing.AgentStateNotification")
    assert changed["body"]["changes"][0]["result"]["availability"] == "AWAY"
    bad = await socket.request(".ams.routing.SetAgentState", {"availability": "ASLEEP"})
    assert bad["code"] == 400


async def test_query_messages(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    consumer = emu.consumer()
    conv_id = await consumer.open_conversation()
    for text in ("one", "two", "three"):
        await consumer.send_text(conv_id, text)
    response = await socket.request(
        ".ams.ms.QueryMessages", {"dialogId": conv_id, "fromSeq": 1, "newerThanSequence": 1}
    )
    assert response["type"] == ".ams.ms.QueryMessages$Response"
    assert [e["event"]["message"] for e in response["body"]] == ["two", "three"]
    assert all(e["dialogId"] == conv_id and "originatorPId" in e for e in response["body"])
    # a queried dialog streams its new events to the socket
    await consumer.send_text(conv_id, "four")
    event = await socket.notification(".ams.ms.OnlineEventDistribution")
    assert event["body"]["sequence"] == 3
    empty = await socket.request(
        ".ams.ms.QueryMessages", {"dialogId": conv_id, "newerThanSequence": 9}
    )
    assert empty["body"] == []
    assert (await socket.request(".ams.ms.QueryMessages", {"dialogId": "nope"}))["code"] == 400


async def test_generate_urls_and_download_token(client: Client) -> None:
    socket = await client.connect()
    upload = await socket.request(
        ".ams.ms.GenerateURLForUploadFile", {"fileSize": 5020, "fileType": "JPEG"}
    )
    assert upload["code"] == 200
    assert set(upload["body"]["queryParams"]) == {"temp_url_sig", "temp_url_expires"}
    bad = await socket.request(
        ".ams.ms.GenerateURLForUploadFile", {"fileSize": 1, "fileType": "EXE"}
    )
    assert bad["code"] == 400
    download = await socket.request(
        ".ams.ms.GenerateURLForDownloadFile", {"relativePath": "/v1/AUTH_async-images/x.png"}
    )
    assert download["body"]["relativePath"] == "/v1/AUTH_async-images/x.png"
    token = await socket.request(".ams.ms.token.GenerateDownloadToken", {})
    assert token["code"] == 200


async def test_the_sixteen_request_types_are_handled() -> None:
    assert len(HANDLERS) == 16


ODD_BODIES: list[Any] = [
    None,
    1,
    "x",
    [],
    {},
    {"dialogId": 1, "conversationId": [], "event": "no"},
    {"conversationId": "nope", "conversationField": [1, {"field": None}]},
    {"ringId": {}, "ringState": 5, "availability": None, "fileSize": "big", "fileType": 3},
    {"subscriptionId": None, "convState": {}, "agentIds": 7, "newerThanSequence": "0"},
]


async def test_odd_bodies_never_get_a_server_error(client: Client) -> None:
    socket = await client.connect()
    for type_ in HANDLERS:
        for body in ODD_BODIES:
            response = await socket.request(type_, body)
            assert response["code"] < 500, (type_, body, response)
    assert (await socket.request(".GetClock"))["code"] == 200

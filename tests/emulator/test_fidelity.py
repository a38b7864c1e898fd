"""Where the emulator answers as LivePerson does for what the newest official Node SDK sends:
keep-alive, publish metadata and audience, chat states, participant answers and id forms."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.context import DEFAULT_IDLE_TIMEOUT
from tests.emulator.conftest import Client, Socket

EVENT = ".ams.ms.OnlineEventDistribution"
PUBLISH = ".ams.ms.PublishEvent"
UPDATE = ".ams.cm.UpdateConversationField"
NODE_SDK_PING_INTERVAL_S = 60.0

pytestmark = pytest.mark.asyncio


async def _own_conversation(socket: Socket) -> str:
    """A conversation the socket's agent is the assigned agent of (its id is its MAIN dialog's)."""
    response = await socket.request(".ams.cm.AgentRequestConversation", {"consumerId": "c-1"})
    assert response["code"] == 200, response
    conv_id: str = response["body"]["conversationId"]
    return conv_id


def _text(message: str) -> dict[str, Any]:
    return {"type": "ContentEvent", "contentType": "text/plain", "message": message}


async def _history(socket: Socket, dialog_id: str) -> list[dict[str, Any]]:
    response = await socket.request(".ams.ms.QueryMessages", {"dialogId": dialog_id})
    assert response["code"] == 200, response
    events: list[dict[str, Any]] = response["body"]
    return events


# 1. keep-alive
async def test_the_default_idle_timeout_has_a_margin_over_real_clients_pings() -> None:
    assert DEFAULT_IDLE_TIMEOUT >= 1.5 * NODE_SDK_PING_INTERVAL_S
    assert Emulator().context.idle_timeout == DEFAULT_IDLE_TIMEOUT


async def test_clients_that_only_ping_or_only_pong_stay_open() -> None:
    # 1.2 s of keep-alives every 0.2 s against a 0.6 s limit (slack for a loaded machine)
    async with (
        Emulator(idle_timeout=0.6) as emu,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        client = Client(emu, http)
        pinging, ponging, idle = [await client.connect() for _ in range(3)]
        for _ in range(6):
            await pinging.ws.ping()
            await ponging.ws.pong()
            await asyncio.sleep(0.2)
        assert await idle.wait_closed() == 1000
        assert not pinging.closed.done()
        assert not ponging.closed.done()
        assert (await pinging.request(".GetClock"))["code"] == 200
        await client.close()


# 2. and 3. request metadata and the message audience stay on the event
async def test_publish_metadata_and_audience_are_kept_in_notifications_and_history(
    client: Client,
) -> None:
    socket = await client.connect()
    dialog_id = await _own_conversation(socket)
    metadata = [{"type": "ExternalId", "id": "MY_CARD_ID"}]
    private = {
        "dialogId": dialog_id,
        "event": _text("for agents only"),
        "messageAudience": "AGENTS_AND_MANAGERS",
    }
    published = await socket.request(PUBLISH, private, metadata=metadata)
    assert published["code"] == 200, published
    echoed = (await socket.notification(EVENT))["body"]
    assert echoed["metadata"] == metadata
    assert echoed["messageAudience"] == "AGENTS_AND_MANAGERS"

    plain = await socket.request(PUBLISH, {"dialogId": dialog_id, "event": _text("for all")})
    plain_echo = (await socket.notification(EVENT))["body"]
    assert "metadata" not in plain_echo
    assert "messageAudience" not in plain_echo

    history = await _history(socket, dialog_id)
    by_sequence = {event["sequence"]: event for event in history}
    kept = by_sequence[published["body"]["sequence"]]
    assert (kept["metadata"], kept["messageAudience"]) == (metadata, "AGENTS_AND_MANAGERS")
    other = by_sequence[plain["body"]["sequence"]]
    assert ("metadata" in other, other["messageAudience"]) == (False, "ALL")


@pytest.mark.parametrize(
    "metadata", [{"type": "ExternalId", "id": "x"}, [{"type": "ExternalId", "id": "x"}]]
)
async def test_a_single_metadata_entry_may_come_bare(client: Client, metadata: Any) -> None:
    socket = await client.connect()
    dialog_id = await _own_conversation(socket)
    event = {"dialogId": dialog_id, "event": _text("hi")}
    assert (await socket.request(PUBLISH, event, metadata=metadata))["code"] == 200
    assert (await socket.notification(EVENT))["body"]["metadata"] == [
        {"type": "ExternalId", "id": "x"}
    ]


@pytest.mark.parametrize(
    ("metadata", "audience"),
    [("ExternalId", "ALL"), ([{"id": "no type"}], "ALL"), (None, "MANAGERS_ONLY")],
)
async def test_bad_metadata_or_audience_is_refused(
    client: Client, metadata: Any, audience: str
) -> None:
    socket = await client.connect()
    dialog_id = await _own_conversation(socket)
    body = {"dialogId": dialog_id, "event": _text("hi"), "messageAudience": audience}
    response = await socket.request(PUBLISH, body, metadata=metadata)
    assert response["code"] == 400, response


# 4. chat states
async def test_a_chat_state_is_answered_sequence_0_and_carries_no_timestamp(
    client: Client, emu: Emulator
) -> None:
    socket = await client.connect()
    dialog_id = await _own_conversation(socket)
    typing = {"dialogId": dialog_id, "event": {"type": "ChatStateEvent", "chatState": "COMPOSING"}}
    response = await socket.request(PUBLISH, typing)
    assert (response["code"], response["body"]) == (200, {"sequence": 0})
    echoed = (await socket.notification(EVENT))["body"]
    assert echoed["event"] == typing["event"]
    assert "serverTimestamp" not in echoed
    assert "sequence" not in echoed
    assert await _history(socket, dialog_id) == []
    # a consumer's chat state is not stamped either; a content event is
    await emu.consumer("c-1").set_chat_state(dialog_id, "ACTIVE")
    assert "serverTimestamp" not in (await socket.notification(EVENT))["body"]
    await emu.consumer("c-1").send_text(dialog_id, "hello")
    assert isinstance((await socket.notification(EVENT))["body"]["serverTimestamp"], int)


# 5. ParticipantsChange answers
async def test_participant_changes_answer_with_the_services_texts(
    client: Client, emu: Emulator
) -> None:
    socket = await client.connect()
    conv_id = await emu.consumer().open_conversation()

    def change(kind: str) -> dict[str, Any]:
        field = {"field": "ParticipantsChange", "type": kind, "userId": emu.agent.old_id}
        return {"conversationId": conv_id, "conversationField": {**field, "role": "MANAGER"}}

    added = await socket.request(UPDATE, change("ADD"))
    assert (added["code"], added["body"]) == (200, "OK Agent added successfully")
    removed = await socket.request(UPDATE, change("REMOVE"))
    assert (removed["code"], removed["body"]) == (200, "OK Agent removed successfully")
    close = {"field": "ConversationStateField", "conversationState": "CLOSE"}
    closed = await socket.request(UPDATE, {"conversationId": conv_id, "conversationField": close})
    assert (closed["code"], closed["body"]) == (200, "OK")


# 6. agent ids: only the account's user id form, as the Node SDK sends them
def _id_requests(conv_id: str, agent_id: str) -> list[tuple[str, dict[str, Any]]]:
    participant = {"field": "ParticipantsChange", "type": "ADD", "role": "READER"}
    return [
        (".ams.routing.SetAgentState", {"availability": "ONLINE", "agentUserId": agent_id}),
        (
            UPDATE,
            {"conversationId": conv_id, "conversationField": {**participant, "userId": agent_id}},
        ),
        (".ams.routing.SubscribeRoutingTasks", {"agentId": agent_id, "brandId": "1234567"}),
        (".ams.routing.SubscribeAgentsState", {"agentId": agent_id, "brandId": "1234567"}),
        (".ams.aam.SubscribeExConversations", {"convState": ["OPEN"], "agentIds": [agent_id]}),
    ]


async def test_agent_ids_in_the_user_id_form_are_accepted(client: Client, emu: Emulator) -> None:
    socket = await client.connect()
    conv_id = await emu.consumer().open_conversation()
    for type_, body in _id_requests(conv_id, emu.agent.old_id):
        response = await socket.request(type_, body)
        assert response["code"] in (200, 202), (type_, response)


@pytest.mark.parametrize("form", ["pid", "bare user id", "other account", "account only"])
async def test_other_agent_id_forms_are_refused(client: Client, emu: Emulator, form: str) -> None:
    agent_id = {
        "pid": emu.agent.pid,
        "bare user id": emu.agent.user_id,
        "other account": f"7654321.{emu.agent.user_id}",
        "account only": f"{emu.account}.",
    }[form]
    socket = await client.connect()
    conv_id = await emu.consumer().open_conversation()
    for type_, body in _id_requests(conv_id, agent_id):
        response = await socket.request(type_, body)
        assert response["code"] == 400, (type_, response)
        assert "Agent does not exist" in response["body"] or "userId>" in response["body"]
    assert emu.conversation(conv_id).roles_of(emu.agent.old_id) == []


async def test_an_agent_filter_in_the_user_id_form_sees_the_agents_conversations(
    client: Client, emu: Emulator
) -> None:
    socket = await client.connect()
    mine = {"convState": ["OPEN"], "agentIds": emu.agent.old_id}
    assert (await socket.request(".ams.aam.SubscribeExConversations", mine))["code"] == 200
    assert (await socket.notification(".ams.aam.ExConversationChangeNotification"))["body"][
        "changes"
    ] == []
    conv_id = await _own_conversation(socket)
    change = await socket.notification(".ams.aam.ExConversationChangeNotification")
    assert change["body"]["changes"][0]["result"]["convId"] == conv_id

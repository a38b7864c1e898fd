"""The emulator's own inbound schemas: written from the documentation, never the client's."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from rx_lpagent.emulator.handlers import HANDLERS
from rx_lpagent.emulator.schemas import (
    SCHEMAS,
    InvalidBody,
    decode_request,
    validate_body,
    validate_metadata,
)
from tests.emulator.conftest import Client

EMULATOR_DIR = Path(__file__).resolve().parents[2] / "rx_lpagent" / "emulator"
ACCOUNT_USER = "1234567.5551234"

# documented bodies (PROTOCOL.md 3.1 and the Node SDK's README), as the SDK sends them
VALID: list[tuple[str, Any]] = [
    (".GetClock", {}),
    (".ams.cm.AgentRequestConversation", {"consumerId": "c", "channelType": "MESSAGING"}),
    (
        ".ams.aam.SubscribeExConversations",
        {"convState": ["OPEN", "CLOSE"], "agentIds": [ACCOUNT_USER], "minLastUpdatedTime": 1},
    ),
    (".ams.aam.SubscribeExConversations", {"convState": "OPEN", "agentIds": ACCOUNT_USER}),
    (".ams.aam.UnsubscribeExConversations", {"subscriptionId": "s"}),
    (
        ".ams.cm.UpdateConversationField",
        {
            "conversationId": "c",
            "conversationField": [
                {"field": "ParticipantsChange", "type": "SUGGEST", "userId": ACCOUNT_USER},
                {"field": "Skill", "type": "UPDATE", "skill": "12"},
                {"field": "TTRField", "ttrType": "URGENT", "value": 60},
                {"field": "CSATRate", "csatRate": 5},
                {"field": "DialogChange", "type": "UPDATE", "dialog": {"dialogId": "d"}},
            ],
        },
    ),
    (
        ".ams.cm.UpdateConversationField",
        {
            "conversationId": "c",
            "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"},
        },
    ),
    (
        ".ams.ms.PublishEvent",
        {
            "dialogId": "d",
            "event": {"type": "ContentEvent", "contentType": "text/plain", "message": "hi"},
            "messageAudience": "AGENTS_AND_MANAGERS",
        },
    ),
    (
        ".ams.ms.PublishEvent",
        {
            "dialogId": "d",
            "event": {
                "type": "ContentEvent",
                "contentType": "hosted/file",
                "message": {"caption": "x", "relativePath": "/p", "fileType": "PNG"},
            },
        },
    ),
    (
        ".ams.ms.PublishEvent",
        {"dialogId": "d", "event": {"type": "RichContentEvent", "content": {}}},
    ),
    (
        ".ams.ms.PublishEvent",
        {"dialogId": "d", "event": {"type": "ChatStateEvent", "chatState": "COMPOSING"}},
    ),
    (
        ".ams.ms.PublishEvent",
        {
            "dialogId": "d",
            "event": {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": [1]},
        },
    ),
    (".ams.routing.UpdateRingState", {"ringId": "r", "ringState": "ACCEPTED"}),
    (".ams.routing.SubscribeRoutingTasks", {"channelType": "MESSAGING", "agentId": ACCOUNT_USER}),
    (".ams.routing.UpdateRoutingTaskSubscription", {"anything": 1}),
    (".ams.userprofile.GetUserProfile", "consumer-id"),
    (
        ".ams.routing.SetAgentState",
        {"availability": "BACK_SOON", "channels": ["MESSAGING"], "agentUserId": ACCOUNT_USER},
    ),
    (".ams.routing.SubscribeAgentsState", {"brandId": "1234567", "agentId": ACCOUNT_USER}),
    (".ams.ms.QueryMessages", {"dialogId": "d", "newerThanSequence": 0, "maxQuantity": 10}),
    (".ams.ms.GenerateURLForDownloadFile", {"relativePath": "/v1/x.png"}),
    (".ams.ms.GenerateURLForUploadFile", {"fileSize": 10, "fileType": "PNG"}),
    (".ams.ms.token.GenerateDownloadToken", {}),
]

INVALID: list[tuple[str, Any, str]] = [
    (".GetClock", "now", "Expected `object`"),
    (".ams.cm.AgentRequestConversation", {}, "consumerId"),
    (".ams.aam.SubscribeExConversations", {"convState": ["PENDING"]}, "$.convState[0]"),
    (".ams.aam.SubscribeExConversations", {"agentIds": [5551234]}, "$.agentIds[0]"),
    (
        ".ams.cm.UpdateConversationField",
        {"conversationId": "c", "conversationField": {"field": "Priority"}},
        "$.conversationField",
    ),
    (
        ".ams.cm.UpdateConversationField",
        {
            "conversationId": "c",
            "conversationField": {"field": "ParticipantsChange", "type": "ADD"},
        },
        "userId",
    ),
    (
        ".ams.ms.PublishEvent",
        {"dialogId": "d", "event": {"type": "ChatStateEvent", "chatState": "TYPING"}},
        "$.event.chatState",
    ),
    (".ams.ms.PublishEvent", {"dialogId": "d", "event": {"type": "ContentEvent"}}, "message"),
    (
        ".ams.ms.PublishEvent",
        {"dialogId": "d", "event": {"type": "AcceptStatusEvent", "status": "READ"}},
        "sequenceList",
    ),
    (".ams.routing.UpdateRingState", {"ringId": "r", "ringState": "MAYBE"}, "$.ringState"),
    (".ams.userprofile.GetUserProfile", {"consumerId": 1}, "Expected `str`"),
    (".ams.routing.SetAgentState", {"availability": "BUSY"}, "$.availability"),
    (".ams.ms.QueryMessages", {"dialogId": "d", "newerThanSequence": "0"}, "newerThanSequence"),
    (".ams.ms.GenerateURLForUploadFile", {"fileSize": "big", "fileType": "PNG"}, "$.fileSize"),
]


def test_every_request_type_has_a_schema() -> None:
    assert set(SCHEMAS) == set(HANDLERS)


@pytest.mark.parametrize(("type_", "body"), VALID)
def test_documented_bodies_fit(type_: str, body: Any) -> None:
    validate_body(type_, body)


@pytest.mark.parametrize(("type_", "body", "where"), INVALID)
def test_bodies_that_do_not_fit_are_refused_with_where(type_: str, body: Any, where: str) -> None:
    with pytest.raises(InvalidBody) as refused:
        validate_body(type_, body)
    assert where in str(refused.value)


def test_metadata_is_a_list_of_typed_entries() -> None:
    assert validate_metadata(None) is None
    entry = {"type": "ExternalId", "id": "x"}
    assert validate_metadata(entry) == [entry]
    assert validate_metadata([entry]) == [entry]
    with pytest.raises(InvalidBody):
        validate_metadata([{"id": "x"}])


def test_only_request_frames_decode() -> None:
    request = decode_request(b'{"kind":"req","id":"1","type":".GetClock","body":{},"extra":1}')
    assert request is not None
    assert (request.id, request.type, request.body, request.metadata) == (
        "1",
        ".GetClock",
        {},
        None,
    )
    for frame in (b'{"kind":"resp","reqId":"1"}', b'{"kind":"req","type":"x"}', b"[", b"\xff"):
        assert decode_request(frame) is None


def test_the_emulator_reads_clients_without_the_clients_structs() -> None:
    # sending uses the shared encoder and both sides spell the wire's type strings alike;
    # reading what clients send must use nothing else of rx_lpagent.protocol
    shared = {"encode", "wire_types"}
    for module in EMULATOR_DIR.rglob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "rx_lpagent.protocol"
            ):
                names = {alias.name for alias in node.names}
                assert names <= shared, (module.name, node.module, names)
            elif isinstance(node, ast.Import):
                imported = {alias.name for alias in node.names}
                assert not any(name.startswith("rx_lpagent.protocol") for name in imported)


@pytest.mark.asyncio
async def test_a_refused_body_is_answered_400_with_the_reason(client: Client) -> None:
    socket = await client.connect()
    typing = {"dialogId": "d", "event": {"type": "ChatStateEvent", "chatState": "TYPING"}}
    response = await socket.request(".ams.ms.PublishEvent", typing)
    assert response["code"] == 400
    assert response["body"].startswith("invalid request body: ")
    assert "$.event.chatState" in response["body"]
    assert (await socket.request(".GetClock"))["code"] == 200

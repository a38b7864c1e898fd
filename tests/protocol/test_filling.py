"""What the Node SDK adds to requests before sending them (PROTOCOL.md 3.1)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from rx_lpagent.protocol import (
    AgentIdentity,
    ConversationStateField,
    ParticipantsChange,
    SetAgentState,
    UpdateConversationField,
    fill_request,
)

AGENT_PID = "3b5b7ec6-2b0f-53af-9afd-11d4072c85a7"
ME = AgentIdentity(account_id="123", user_id="5551234", user_pid=AGENT_PID)


def test_old_agent_id() -> None:
    assert ME.old_agent_id == "123.5551234"


@pytest.mark.parametrize(
    ("type_", "body", "expected"),
    [
        (
            ".ams.routing.SetAgentState",
            {"availability": "ONLINE", "channels": ["X"], "agentUserId": "other"},
            (
                ".ams.routing.SetAgentState",
                {"availability": "ONLINE", "channels": ["MESSAGING"], "agentUserId": "123.5551234"},
            ),
        ),
        (
            ".ams.routing.SubscribeRoutingTasks",
            {},
            (
                ".ams.routing.SubscribeRoutingTasks",
                {"channelType": "MESSAGING", "agentId": "123.5551234", "brandId": "123"},
            ),
        ),
        (
            ".ams.routing.SubscribeAgentsState",
            None,
            (".ams.routing.SubscribeAgentsState", {"brandId": "123", "agentId": "123.5551234"}),
        ),
        (
            ".ams.cm.AgentRequestConversation",
            {"consumerId": "c"},
            (".ams.cm.AgentRequestConversation", {"consumerId": "c", "channelType": "MESSAGING"}),
        ),
        (
            ".ams.aam.SubscribeExConversations",
            {"convState": ["OPEN"], "agentIds": [AGENT_PID, "123.42"]},
            (
                ".ams.aam.SubscribeExConversations",
                {"convState": ["OPEN"], "agentIds": ["123.5551234", "123.42"]},
            ),
        ),
        (
            ".ams.aam.SubscribeExConversations",
            {"convState": ["OPEN"], "agentIds": None},
            (".ams.aam.SubscribeExConversations", {"convState": ["OPEN"]}),
        ),
        (
            ".ams.aam.SubscribeExConversations",
            {"agentIds": []},
            (".ams.aam.SubscribeExConversations", {"agentIds": []}),
        ),
        (
            ".ams.aam.SubscribeExConversations",
            {"agentIds": AGENT_PID},
            (".ams.aam.SubscribeExConversations", {"agentIds": ["123.5551234"]}),
        ),
        (
            "ms.SubscribeMessagingEvents",
            {"dialogId": "d", "fromSeq": 5},
            (".ams.ms.QueryMessages", {"dialogId": "d", "fromSeq": 5, "newerThanSequence": 5}),
        ),
        (
            "ms.SubscribeMessagingEvents",
            {"dialogId": "d"},
            (".ams.ms.QueryMessages", {"dialogId": "d", "newerThanSequence": 0}),
        ),
        (
            "ms.SubscribeMessagingEvents",
            {"dialogId": "d", "fromSeq": None},
            (".ams.ms.QueryMessages", {"dialogId": "d", "fromSeq": None, "newerThanSequence": 0}),
        ),
        (
            ".ams.cm.UpdateConversationField",
            {
                "conversationId": "c",
                "conversationField": [
                    {"field": "ParticipantsChange", "type": "ADD", "role": "MANAGER"},
                    {
                        "field": "ParticipantsChange",
                        "type": "REMOVE",
                        "role": "READER",
                        "userId": "123.9",
                    },
                    {"field": "ConversationStateField", "conversationState": "CLOSE"},
                ],
            },
            (
                ".ams.cm.UpdateConversationField",
                {
                    "conversationId": "c",
                    "conversationField": [
                        {
                            "field": "ParticipantsChange",
                            "type": "ADD",
                            "role": "MANAGER",
                            "userId": "123.5551234",
                        },
                        {
                            "field": "ParticipantsChange",
                            "type": "REMOVE",
                            "role": "READER",
                            "userId": "123.9",
                        },
                        {"field": "ConversationStateField", "conversationState": "CLOSE"},
                    ],
                },
            ),
        ),
        (
            ".ams.cm.UpdateConversationField",
            {"conversationField": {"field": "ParticipantsChange", "type": "ADD", "userId": ""}},
            (
                ".ams.cm.UpdateConversationField",
                {
                    "conversationField": {
                        "field": "ParticipantsChange",
                        "type": "ADD",
                        "userId": "123.5551234",
                    }
                },
            ),
        ),
        (".GetClock", {}, (".GetClock", {})),
        (
            ".ams.userprofile.GetUserProfile",
            "consumer",
            (".ams.userprofile.GetUserProfile", "consumer"),
        ),
        (".ams.future.Thing", {"x": 1}, (".ams.future.Thing", {"x": 1})),
        (
            ".ams.routing.SetAgentState",
            "not an object",
            (".ams.routing.SetAgentState", "not an object"),
        ),
    ],
)
def test_fill_request(type_: str, body: Any, expected: tuple[str, Any]) -> None:
    original = copy.deepcopy(body)
    assert fill_request(type_, body, ME) == expected
    assert body == original


def test_the_fixture_requests_are_what_the_sdk_sends(lp_frames: dict[str, Any]) -> None:
    assert fill_request(".ams.routing.SetAgentState", {"availability": "ONLINE"}, ME) == (
        ".ams.routing.SetAgentState",
        lp_frames["req_set_agent_state"]["body"],
    )
    assert fill_request(".ams.routing.SubscribeRoutingTasks", {}, ME) == (
        ".ams.routing.SubscribeRoutingTasks",
        lp_frames["req_subscribe_routing_tasks"]["body"],
    )
    assert fill_request(
        ".ams.aam.SubscribeExConversations", {"convState": ["OPEN"], "agentIds": [AGENT_PID]}, ME
    ) == (
        ".ams.aam.SubscribeExConversations",
        lp_frames["req_subscribe_ex_conversations"]["body"],
    )
    assert fill_request(
        "ms.SubscribeMessagingEvents",
        {"dialogId": lp_frames["req_query_messages"]["body"]["dialogId"], "fromSeq": 0},
        ME,
    ) == (
        ".ams.ms.QueryMessages",
        lp_frames["req_query_messages"]["body"],
    )


def test_typed_bodies_are_filled_under_their_wire_names() -> None:
    body = UpdateConversationField(
        conversation_id="c",
        conversation_field=[
            ParticipantsChange(type="ADD", role="MANAGER"),
            ConversationStateField("CLOSE"),
        ],
    )
    wire_type, filled = fill_request(".ams.cm.UpdateConversationField", body, ME)
    assert (wire_type, json.dumps(filled)) == (
        ".ams.cm.UpdateConversationField",
        json.dumps(
            {
                "conversationId": "c",
                "conversationField": [
                    {
                        "field": "ParticipantsChange",
                        "type": "ADD",
                        "role": "MANAGER",
                        "userId": "123.5551234",
                    },
                    {"field": "ConversationStateField", "conversationState": "CLOSE"},
                ],
            }
        ),
    )
    assert fill_request(".ams.routing.SetAgentState", SetAgentState(availability="AWAY"), ME)[
        1
    ] == {
        "availability": "AWAY",
        "channels": ["MESSAGING"],
        "agentUserId": "123.5551234",
    }


def test_without_a_known_pid_agent_ids_are_kept() -> None:
    identity = AgentIdentity("123", "5551234")
    assert fill_request(
        ".ams.aam.SubscribeExConversations", {"agentIds": [AGENT_PID]}, identity
    ) == (
        ".ams.aam.SubscribeExConversations",
        {"agentIds": [AGENT_PID]},
    )

"""Request bodies: they encode to the fixture payloads, decode leniently, and round-trip."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    REQUEST_TYPES,
    AcceptStatus,
    AcceptStatusEvent,
    AgentRequestConversation,
    Availability,
    ContentEvent,
    ConversationState,
    ConversationStateField,
    CSATRateField,
    DialogChange,
    FileType,
    GenerateURLForDownloadFile,
    GenerateURLForUploadFile,
    GetClock,
    ParticipantRole,
    ParticipantsChange,
    ParticipantsChangeType,
    PublishEvent,
    QueryMessages,
    Request,
    RingState,
    SetAgentState,
    SkillField,
    SubscribeAgentsState,
    SubscribeExConversations,
    SubscribeRoutingTasks,
    TTRField,
    UnsubscribeExConversations,
    UpdateConversationField,
    UpdateRingState,
    decode_body,
    decode_frame,
    decode_response_body,
    encode,
    encode_request,
)
from rx_lpagent.protocol.requests import (
    GeneratedURL,
    GetClockResponse,
    PublishEventResponse,
    SubscribeResponse,
    TempUrlParams,
    UserProfile,
)

CONV = "816566d3-3825-4375-b2c6-82bcd000b623"
RING = "816566d3-3825-4375-b2c6-82bcd000b623_123_1568004100407"
CONSUMER = "1bb11075bd2611b5c4d4d73bfbb156c8afae6de6756fea9f6231cf38b5e5fc84"

# fixture name -> the body built with the typed structs
FIXTURE_BODIES: dict[str, object] = {
    "req_get_clock": GetClock(),
    "req_set_agent_state": SetAgentState(
        channels=["MESSAGING"], agent_user_id="123.5551234", availability=Availability.ONLINE
    ),
    "req_subscribe_routing_tasks": SubscribeRoutingTasks(
        brand_id="123", agent_id="123.5551234", channel_type="MESSAGING"
    ),
    "req_update_ring_state": UpdateRingState(ring_id=RING, ring_state=RingState.ACCEPTED),
    "req_subscribe_ex_conversations": SubscribeExConversations(
        conv_state=[ConversationState.OPEN], agent_ids=["123.5551234"]
    ),
    "req_publish_text": PublishEvent(dialog_id=CONV, event=ContentEvent(message="hello")),
    "req_accept_status_read": PublishEvent(
        dialog_id=CONV, event=AcceptStatusEvent(status=AcceptStatus.READ, sequence_list=[2])
    ),
    "req_join_as_manager": UpdateConversationField(
        conversation_id=CONV,
        conversation_field=[
            ParticipantsChange(
                type=ParticipantsChangeType.ADD,
                role=ParticipantRole.MANAGER,
                user_id="123.5551234",
            )
        ],
    ),
    "req_query_messages": QueryMessages(dialog_id=CONV, from_seq=0, newer_than_sequence=0),
    "req_get_user_profile": CONSUMER,
    "req_generate_upload_url": GenerateURLForUploadFile(file_size=5020, file_type=FileType.JPEG),
}


@pytest.mark.parametrize("name", sorted(FIXTURE_BODIES))
def test_typed_body_encodes_to_the_fixture_frame(name: str, lp_frames: dict[str, Any]) -> None:
    fixture = lp_frames[name]
    data = encode_request(fixture["id"], fixture["type"], FIXTURE_BODIES[name])
    assert json.loads(data) == fixture


@pytest.mark.parametrize("name", sorted(FIXTURE_BODIES))
def test_fixture_body_decodes_to_the_typed_body_and_back(
    name: str, lp_frames: dict[str, Any]
) -> None:
    fixture = lp_frames[name]
    frame = decode_frame(json.dumps(fixture))
    assert isinstance(frame, Request)
    body = decode_body(frame.body, REQUEST_TYPES[fixture["type"]].body_type)
    assert body == FIXTURE_BODIES[name]
    assert json.loads(encode(body)) == fixture["body"]


def test_a_bare_conversation_field_decodes_as_a_list(lp_frames: dict[str, Any]) -> None:
    fixture = lp_frames["req_close_conversation"]
    assert isinstance(fixture["body"]["conversationField"], dict)
    body = msgspec.json.decode(json.dumps(fixture["body"]), type=UpdateConversationField)
    assert body == UpdateConversationField(
        conversation_id=CONV,
        conversation_field=[ConversationStateField(conversation_state=ConversationState.CLOSE)],
    )
    assert json.loads(encode(body)) == {
        "conversationId": CONV,
        "conversationField": [{"field": "ConversationStateField", "conversationState": "CLOSE"}],
    }


# bodies without a fixture: the wire JSON written out
OTHER_BODIES: list[tuple[object, dict[str, Any]]] = [
    (AgentRequestConversation(consumer_id="c1"), {"consumerId": "c1"}),
    (UnsubscribeExConversations(subscription_id="s1"), {"subscriptionId": "s1"}),
    (SubscribeAgentsState(), {}),
    (
        SubscribeAgentsState(brand_id="123", agent_id="123.5"),
        {"brandId": "123", "agentId": "123.5"},
    ),
    (GenerateURLForDownloadFile(relative_path="/v1/x.png"), {"relativePath": "/v1/x.png"}),
    (
        SubscribeExConversations(
            conv_state=["OPEN", "CLOSE"], min_last_updated_time=5, max_last_updated_time=9
        ),
        {"convState": ["OPEN", "CLOSE"], "minLastUpdatedTime": 5, "maxLastUpdatedTime": 9},
    ),
    (
        UpdateConversationField(
            conversation_id="c",
            conversation_field=[
                DialogChange(type="UPDATE", dialog={"dialogId": "d", "state": "CLOSE"}),
                SkillField(type="UPDATE", skill="42"),
                TTRField(ttr_type="URGENT", value=60),
                CSATRateField(csat_rate=5, status="FILLED"),
                ParticipantsChange(type="REMOVE", role="ASSIGNED_AGENT"),
            ],
        ),
        {
            "conversationId": "c",
            "conversationField": [
                {
                    "field": "DialogChange",
                    "type": "UPDATE",
                    "dialog": {"dialogId": "d", "state": "CLOSE"},
                },
                {"field": "Skill", "type": "UPDATE", "skill": "42"},
                {"field": "TTRField", "ttrType": "URGENT", "value": 60},
                {"field": "CSATRate", "csatRate": 5, "status": "FILLED"},
                {"field": "ParticipantsChange", "type": "REMOVE", "role": "ASSIGNED_AGENT"},
            ],
        },
    ),
    (
        PublishEvent(
            dialog_id="d", event=ContentEvent(message={"caption": "x"}, content_type="hosted/file")
        ),
        {
            "dialogId": "d",
            "event": {
                "type": "ContentEvent",
                "message": {"caption": "x"},
                "contentType": "hosted/file",
            },
        },
    ),
]


@pytest.mark.parametrize(("body", "wire"), OTHER_BODIES)
def test_other_bodies_encode_to_their_wire_json_and_back(
    body: object, wire: dict[str, Any]
) -> None:
    assert json.loads(encode(body)) == wire
    assert msgspec.json.decode(encode(body), type=type(body)) == body


def test_the_registry_lists_the_sixteen_requests_with_their_node_names() -> None:
    names = {
        spec.node_type: (spec.node_method, spec.method_name) for spec in REQUEST_TYPES.values()
    }
    assert names == {
        ".GetClock": ("getClock", "get_clock"),
        ".ams.cm.AgentRequestConversation": (
            "agentRequestConversation",
            "agent_request_conversation",
        ),
        ".ams.aam.SubscribeExConversations": (
            "subscribeExConversations",
            "subscribe_ex_conversations",
        ),
        ".ams.aam.UnsubscribeExConversations": (
            "unsubscribeExConversations",
            "unsubscribe_ex_conversations",
        ),
        ".ams.cm.UpdateConversationField": ("updateConversationField", "update_conversation_field"),
        ".ams.ms.PublishEvent": ("publishEvent", "publish_event"),
        ".ams.routing.UpdateRingState": ("updateRingState", "update_ring_state"),
        ".ams.routing.SubscribeRoutingTasks": ("subscribeRoutingTasks", "subscribe_routing_tasks"),
        ".ams.routing.UpdateRoutingTaskSubscription": (
            "updateRoutingTaskSubscription",
            "update_routing_task_subscription",
        ),
        ".ams.userprofile.GetUserProfile": ("getUserProfile", "get_user_profile"),
        ".ams.routing.SetAgentState": ("setAgentState", "set_agent_state"),
        ".ams.routing.SubscribeAgentsState": ("subscribeAgentsState", "subscribe_agents_state"),
        "ms.SubscribeMessagingEvents": ("subscribeMessagingEvents", "subscribe_messaging_events"),
        ".ams.ms.GenerateURLForDownloadFile": (
            "generateURLForDownloadFile",
            "generate_url_for_download_file",
        ),
        ".ams.ms.GenerateURLForUploadFile": (
            "generateURLForUploadFile",
            "generate_url_for_upload_file",
        ),
        ".ams.ms.token.GenerateDownloadToken": ("generateDownloadToken", "generate_download_token"),
    }
    assert REQUEST_TYPES[".ams.ms.QueryMessages"].node_type == "ms.SubscribeMessagingEvents"
    assert all(key == spec.wire_type for key, spec in REQUEST_TYPES.items())


def test_undocumented_bodies_are_plain_objects() -> None:
    for wire_type in (
        ".ams.routing.UpdateRoutingTaskSubscription",
        ".ams.ms.token.GenerateDownloadToken",
    ):
        assert decode_body(b'{"anything":[1]}', REQUEST_TYPES[wire_type].body_type) == {
            "anything": [1]
        }


def _reply(lp_frames: dict[str, Any], name: str) -> msgspec.Raw:
    return msgspec.Raw(json.dumps(lp_frames[name]["body"]).encode())


def test_replies_decode_to_their_typed_bodies(lp_frames: dict[str, Any]) -> None:
    assert decode_response_body(
        ".GetClock", _reply(lp_frames, "resp_get_clock")
    ) == GetClockResponse(current_time=1513813587308)
    assert decode_response_body(
        ".ams.routing.SubscribeRoutingTasks", _reply(lp_frames, "resp_subscribe")
    ) == SubscribeResponse(subscription_id="36267a8d-3d6e-4c1b-9b40-1c8b2d5c3e11")
    assert decode_response_body(".ams.ms.PublishEvent", _reply(lp_frames, "resp_publish")) == (
        PublishEventResponse(sequence=3)
    )
    assert (
        decode_response_body(".ams.routing.SetAgentState", _reply(lp_frames, "resp_string_202"))
        == "Agent state updated successfully"
    )
    assert decode_response_body(
        ".ams.ms.GenerateURLForUploadFile", _reply(lp_frames, "resp_generate_url")
    ) == GeneratedURL(
        relative_path="/v1/AUTH_async-images/123/abc.jpeg",
        query_params=TempUrlParams(temp_url_sig="0f9e...", temp_url_expires="1568004160"),
    )


def test_the_user_profile_reply_keeps_its_raw_shape(lp_frames: dict[str, Any]) -> None:
    profile = decode_response_body(
        ".ams.userprofile.GetUserProfile", _reply(lp_frames, "resp_get_user_profile_raw")
    )
    assert isinstance(profile, UserProfile)
    assert (profile.first_name, profile.last_name, profile.acr) == ("Michael", "Bolton", "0")
    assert profile.private_data is not None
    assert profile.private_data.mobile_num == "+1-555-0100"
    assert profile.claims is not None
    assert profile.claims.lp_sdes == [{"type": "personal", "personal": {"firstname": "Michael"}}]
    assert profile.authenticated_data is not None
    assert profile.authenticated_data.lp_sdes == [{"type": "ctmrinfo", "info": {"cstatus": "vip"}}]


def test_query_messages_reply_is_a_list_of_events_even_when_bare(lp_frames: dict[str, Any]) -> None:
    events = decode_response_body(
        ".ams.ms.QueryMessages", _reply(lp_frames, "resp_query_messages_raw")
    )
    assert isinstance(events, list)
    assert [(e.sequence, e.originator_p_id) for e in events] == [
        (0, CONSUMER),
        (1, "3b5b7ec6-2b0f-53af-9afd-11d4072c85a7"),
    ]
    one = json.dumps(lp_frames["resp_query_messages_raw"]["body"][1]).encode()
    bare = decode_response_body(".ams.ms.QueryMessages", one)
    assert isinstance(bare, list)
    assert [e.sequence for e in bare] == [1]


def test_reply_of_a_wrong_shape_or_unknown_type() -> None:
    assert isinstance(decode_response_body(".GetClock", b'"x"'), MalformedFrameError)
    assert isinstance(decode_response_body(".ams.ms.QueryMessages", b"3"), MalformedFrameError)
    assert decode_response_body(".ams.Unknown", b'{"a":1}') == {"a": 1}


def test_unknown_enum_values_and_unknown_fields_decode() -> None:
    body = msgspec.json.decode(
        b'{"ringId":"r","ringState":"SNOOZED","future":{"x":1}}', type=UpdateRingState
    )
    assert body == UpdateRingState(ring_id="r", ring_state="SNOOZED")
    state = msgspec.json.decode(
        b'{"availability":"DREAMING","channels":"MESSAGING"}', type=SetAgentState
    )
    assert state == SetAgentState(availability="DREAMING", channels=["MESSAGING"])


def test_enum_constants_compare_equal_to_decoded_strings() -> None:
    body = msgspec.json.decode(b'{"ringId":"r","ringState":"ACCEPTED"}', type=UpdateRingState)
    assert body.ring_state == RingState.ACCEPTED
    assert type(body.ring_state) is str

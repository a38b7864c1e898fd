"""The typed table of the 16 requests: each spec's wire type, body type and reply decoding.

Wire types are spelled out here on purpose, independently of ``wire_types``: a typo there must
fail a test, not travel silently to both the client and the emulator.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import msgspec
import pytest

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import REQUEST_TYPES, decode_response_body, fill_request, wire_types
from rx_lpagent.protocol import request_specs as specs
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.notifications import OnlineEventDistribution
from rx_lpagent.protocol.request_specs import RequestSpec
from rx_lpagent.protocol.requests import (
    AgentRequestConversation,
    GeneratedURL,
    GenerateURLForDownloadFile,
    GenerateURLForUploadFile,
    GetClock,
    GetClockResponse,
    PublishEvent,
    PublishEventResponse,
    QueryMessages,
    SetAgentState,
    SubscribeAgentsState,
    SubscribeExConversations,
    SubscribeResponse,
    SubscribeRoutingTasks,
    TempUrlParams,
    UnsubscribeExConversations,
    UpdateConversationField,
    UpdateRingState,
    UserProfile,
)

EVENT = {"sequence": 4, "dialogId": "d1", "event": {"type": "ContentEvent", "message": "hi"}}
URL = {"relativePath": "/v1/x.png", "queryParams": {"temp_url_sig": "s", "temp_url_expires": 9}}
ONE_EVENT = msgspec.json.decode(msgspec.json.encode(EVENT), type=OnlineEventDistribution)
GENERATED = GeneratedURL(
    relative_path="/v1/x.png", query_params=TempUrlParams(temp_url_sig="s", temp_url_expires=9)
)


class Row(NamedTuple):
    spec: RequestSpec[Any, Any]
    wire: str
    body: object
    reply: object
    raw: object
    """A reply body on the wire."""
    decoded: object
    """What it decodes to."""


TABLE = [
    Row(
        specs.GET_CLOCK,
        ".GetClock",
        GetClock,
        GetClockResponse,
        {"currentTime": 7},
        GetClockResponse(current_time=7),
    ),
    Row(
        specs.AGENT_REQUEST_CONVERSATION,
        ".ams.cm.AgentRequestConversation",
        AgentRequestConversation,
        Any,
        {"conversationId": "c1"},
        {"conversationId": "c1"},
    ),
    Row(
        specs.SUBSCRIBE_EX_CONVERSATIONS,
        ".ams.aam.SubscribeExConversations",
        SubscribeExConversations,
        SubscribeResponse,
        {"subscriptionId": "s1"},
        SubscribeResponse(subscription_id="s1"),
    ),
    Row(
        specs.UNSUBSCRIBE_EX_CONVERSATIONS,
        ".ams.aam.UnsubscribeExConversations",
        UnsubscribeExConversations,
        Any,
        {},
        {},
    ),
    Row(
        specs.UPDATE_CONVERSATION_FIELD,
        ".ams.cm.UpdateConversationField",
        UpdateConversationField,
        Any,
        {"ok": True},
        {"ok": True},
    ),
    Row(
        specs.PUBLISH_EVENT,
        ".ams.ms.PublishEvent",
        PublishEvent,
        PublishEventResponse,
        {"sequence": 3},
        PublishEventResponse(sequence=3),
    ),
    Row(
        specs.UPDATE_RING_STATE,
        ".ams.routing.UpdateRingState",
        UpdateRingState,
        str,
        "Ring state updated successfully",
        "Ring state updated successfully",
    ),
    Row(
        specs.SUBSCRIBE_ROUTING_TASKS,
        ".ams.routing.SubscribeRoutingTasks",
        SubscribeRoutingTasks,
        SubscribeResponse,
        {"subscriptionId": "s2"},
        SubscribeResponse(subscription_id="s2"),
    ),
    Row(
        specs.UPDATE_ROUTING_TASK_SUBSCRIPTION,
        ".ams.routing.UpdateRoutingTaskSubscription",
        dict[str, Any],
        Any,
        {"anything": [1]},
        {"anything": [1]},
    ),
    Row(
        specs.GET_USER_PROFILE,
        ".ams.userprofile.GetUserProfile",
        str,
        UserProfile,
        {"firstName": "Ann"},
        UserProfile(first_name="Ann"),
    ),
    Row(
        specs.SET_AGENT_STATE,
        ".ams.routing.SetAgentState",
        SetAgentState,
        str,
        "Agent state updated successfully",
        "Agent state updated successfully",
    ),
    Row(
        specs.SUBSCRIBE_AGENTS_STATE,
        ".ams.routing.SubscribeAgentsState",
        SubscribeAgentsState,
        SubscribeResponse,
        {"subscriptionId": "s3"},
        SubscribeResponse(subscription_id="s3"),
    ),
    Row(
        specs.SUBSCRIBE_MESSAGING_EVENTS,
        ".ams.ms.QueryMessages",
        QueryMessages,
        list[OnlineEventDistribution],
        [EVENT],
        [ONE_EVENT],
    ),
    Row(
        specs.GENERATE_URL_FOR_DOWNLOAD_FILE,
        ".ams.ms.GenerateURLForDownloadFile",
        GenerateURLForDownloadFile,
        GeneratedURL,
        URL,
        GENERATED,
    ),
    Row(
        specs.GENERATE_URL_FOR_UPLOAD_FILE,
        ".ams.ms.GenerateURLForUploadFile",
        GenerateURLForUploadFile,
        GeneratedURL,
        URL,
        GENERATED,
    ),
    Row(
        specs.GENERATE_DOWNLOAD_TOKEN,
        ".ams.ms.token.GenerateDownloadToken",
        dict[str, Any],
        Any,
        {"token": "t"},
        {"token": "t"},
    ),
]

IDS = [row.spec.method_name for row in TABLE]


def test_the_table_has_the_sixteen_requests_once_each() -> None:
    assert len(TABLE) == len(REQUEST_TYPES) == 16
    assert [row.spec for row in TABLE] == list(REQUEST_TYPES.values())
    # each spec is exported under its method's name
    assert [getattr(specs, row.spec.method_name.upper()) for row in TABLE] == [
        row.spec for row in TABLE
    ]


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_each_spec_names_its_wire_type_body_and_reply(row: Row) -> None:
    spec = row.spec
    assert (spec.wire_type, spec.body_type, spec.response_type) == (row.wire, row.body, row.reply)
    assert REQUEST_TYPES[row.wire] is spec
    assert row.wire in vars(wire_types).values()  # spelled in the one home of type strings


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_each_spec_decodes_its_reply(row: Row) -> None:
    encoded = msgspec.json.encode(row.raw)
    assert row.spec.decode_reply(encoded) == row.decoded
    assert row.spec.decode_reply(msgspec.Raw(encoded)) == row.decoded
    assert decode_response_body(row.wire, encoded) == row.decoded


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_each_spec_is_filled_and_sent_as_its_wire_type(row: Row) -> None:
    sent, _ = fill_request(row.spec.node_type, {}, AgentIdentity("acc", "u1", "pid"))
    assert sent == row.wire


def test_a_reply_of_the_wrong_shape_is_a_value_not_an_exception() -> None:
    for spec in (specs.GET_CLOCK, specs.PUBLISH_EVENT, specs.SUBSCRIBE_MESSAGING_EVENTS):
        assert isinstance(spec.decode_reply(b"3"), MalformedFrameError)
    assert isinstance(specs.UPDATE_RING_STATE.decode_reply(b"{}"), MalformedFrameError)
    assert isinstance(specs.GET_CLOCK.decode_reply(b"{"), MalformedFrameError)


def test_a_list_reply_that_arrives_bare_is_a_list_of_one() -> None:
    bare = specs.SUBSCRIBE_MESSAGING_EVENTS.decode_reply(msgspec.json.encode(EVENT))
    assert bare == [ONE_EVENT]
    assert specs.SUBSCRIBE_MESSAGING_EVENTS.decode_reply(b"[]") == []


def test_only_subscribe_messaging_events_starts_from_another_node_type() -> None:
    others = [spec for spec in REQUEST_TYPES.values() if spec.node_type != spec.wire_type]
    assert others == [specs.SUBSCRIBE_MESSAGING_EVENTS]
    assert specs.SUBSCRIBE_MESSAGING_EVENTS.node_type == "ms.SubscribeMessagingEvents"
    assert specs.SUBSCRIBE_MESSAGING_EVENTS.node_method == "subscribeMessagingEvents"
    assert specs.GENERATE_URL_FOR_UPLOAD_FILE.node_method == "generateURLForUploadFile"


def test_specs_are_frozen_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        specs.GET_CLOCK.wire_type = ".Other"  # type: ignore[misc]
    again = RequestSpec(".GetClock", GetClock, GetClockResponse, "get_clock")
    assert again == specs.GET_CLOCK
    assert hash(again) == hash(specs.GET_CLOCK)
    assert ".GetClock" in repr(again)
    assert "_decoded_as" not in repr(again)


def test_an_unknown_wire_type_replies_plain_json() -> None:
    assert decode_response_body(".ams.Unknown", b'{"a":[1]}') == {"a": [1]}

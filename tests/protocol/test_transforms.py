"""The Node SDK 1.2.0 view of notifications and replies, written out (checked against the SDK)."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    AgentIdentity,
    NodeView,
    Notification,
    query_messages_to_node_view,
    to_node_view,
    user_profile_to_sdes,
)

CONV = "816566d3-3825-4375-b2c6-82bcd000b623"
CONSUMER = "1bb11075bd2611b5c4d4d73bfbb156c8afae6de6756fea9f6231cf38b5e5fc84"
AGENT_PID = "3b5b7ec6-2b0f-53af-9afd-11d4072c85a7"
ME = AgentIdentity(account_id="123", user_id="5551234", user_pid=AGENT_PID)


def _notification(lp_frames: dict[str, Any], name: str) -> Notification:
    frame = lp_frames[name]
    return Notification(type=frame["type"], body=msgspec.Raw(json.dumps(frame["body"]).encode()))


def _raw(value: Any) -> msgspec.Raw:
    return msgspec.Raw(json.dumps(value).encode())


def test_ex_conversation_change(lp_frames: dict[str, Any]) -> None:
    view = to_node_view(_notification(lp_frames, "notif_ex_conversation_change_raw"), ME)
    assert view == NodeView(
        "cqm.ExConversationChangeNotification",
        {
            "subscriptionId": "sub-2",
            "changes": [
                {
                    "type": "UPSERT",
                    "result": {
                        "convId": CONV,
                        "effectiveTTR": -1,
                        "lastContentEventNotification": {
                            "sequence": 0,
                            "originatorId": CONSUMER,
                            "originatorMetadata": {"id": CONSUMER, "role": "CONSUMER"},
                            "serverTimestamp": 1568004100300,
                            "event": {
                                "type": "ContentEvent",
                                "message": "hi",
                                "contentType": "text/plain",
                            },
                            "dialogId": CONV,
                        },
                        "conversationDetails": {
                            "skillId": "792479851",
                            "participants": [
                                {"id": CONSUMER, "role": "CONSUMER"},
                                {"id": AGENT_PID, "role": "ASSIGNED_AGENT"},
                            ],
                            "dialogs": [
                                {
                                    "dialogId": CONV,
                                    "participantsDetails": [
                                        {"id": CONSUMER, "role": "CONSUMER", "state": "ACTIVE"},
                                        {
                                            "id": AGENT_PID,
                                            "role": "ASSIGNED_AGENT",
                                            "state": "ACTIVE",
                                        },
                                    ],
                                    "dialogType": "MAIN",
                                    "channelType": "MESSAGING",
                                    "state": "OPEN",
                                    "creationTs": 1568004100000,
                                    "metaDataLastUpdateTs": 1568004100406,
                                }
                            ],
                            "state": "OPEN",
                            "stage": "OPEN",
                            "startTs": 1568004100000,
                            "metaDataLastUpdateTs": 1568004100406,
                            "ttr": {"ttrType": "NORMAL", "value": 3600},
                            "__myRole": "ASSIGNED_AGENT",
                        },
                    },
                }
            ],
        },
    )


def test_routing_task(lp_frames: dict[str, Any]) -> None:
    view = to_node_view(_notification(lp_frames, "notif_routing_task_raw"), ME)
    assert view == NodeView(
        "routing.RoutingTaskNotification",
        {
            "subscriptionId": "36267a8d-3d6e-4c1b-9b40-1c8b2d5c3e11",
            "changes": [
                {
                    "type": "UPSERT",
                    "result": {
                        "taskCompleted": False,
                        "conversationId": CONV,
                        "consumerId": CONSUMER,
                        "skillId": "792479851",
                        "ringsDetails": [
                            {
                                "ringId": "816566d3-3825-4375-b2c6-82bcd000b623_123_1568004100407",
                                "ringExpiration": 72000,
                                "ringExpirationTs": 1568004172407,
                                "ringState": "WAITING",
                                "weight": 1.0,
                            }
                        ],
                    },
                }
            ],
        },
    )


def test_agent_state(lp_frames: dict[str, Any]) -> None:
    view = to_node_view(_notification(lp_frames, "notif_agent_state_raw"), ME)
    assert view == NodeView(
        "routing.AgentStateNotification",
        {
            "subscriptionId": "sub-3",
            "changes": [
                {
                    "type": "UPSERT",
                    "result": {
                        "channels": ["MESSAGING"],
                        "availability": "ONLINE",
                        "description": "",
                    },
                }
            ],
        },
    )


def test_online_event_distribution(lp_frames: dict[str, Any]) -> None:
    view = to_node_view(_notification(lp_frames, "notif_online_event_distribution_raw"), ME)
    assert view == NodeView(
        "ms.MessagingEventNotification",
        {
            "dialogId": CONV,
            "changes": [
                {
                    "sequence": 2,
                    "originatorId": CONSUMER,
                    "originatorMetadata": {
                        "id": CONSUMER,
                        "role": "CONSUMER",
                        "clientProperties": {
                            "type": ".ClientProperties",
                            "deviceFamily": "DESKTOP",
                            "os": "LINUX",
                        },
                    },
                    "serverTimestamp": 1470732437925,
                    "event": {
                        "type": "ContentEvent",
                        "message": "From consumer",
                        "contentType": "text/plain",
                    },
                    "dialogId": CONV,
                    "__isMe": False,
                }
            ],
        },
    )


def test_chat_state(lp_frames: dict[str, Any]) -> None:
    view = to_node_view(_notification(lp_frames, "notif_chat_state_raw"), ME)
    assert view == NodeView(
        "ms.MessagingEventNotification",
        {
            "dialogId": CONV,
            "changes": [
                {
                    "originatorId": CONSUMER,
                    "serverTimestamp": 1470732437999,
                    "event": {"type": "ChatStateEvent", "chatState": "COMPOSING"},
                    "dialogId": CONV,
                    "__isMe": False,
                }
            ],
        },
    )


def test_my_own_event_is_flagged_and_carries_my_pid() -> None:
    body = {
        "sequence": 3,
        "originatorId": "123.5551234",
        "originatorPId": AGENT_PID,
        "dialogId": "d",
    }
    view = to_node_view(Notification(".ams.ms.OnlineEventDistribution", _raw(body)), ME)
    assert view == NodeView(
        "ms.MessagingEventNotification",
        {
            "dialogId": "d",
            "changes": [
                {"sequence": 3, "originatorId": AGENT_PID, "dialogId": "d", "__isMe": True}
            ],
        },
    )


def test_an_event_without_pid_or_dialog_drops_them_like_undefined() -> None:
    view = to_node_view(
        Notification(".ams.ms.OnlineEventDistribution", _raw({"originatorId": "x"})), ME
    )
    assert view == NodeView("ms.MessagingEventNotification", {"changes": [{"__isMe": False}]})


def test_ring_updated_is_deprecated_and_its_body_dropped() -> None:
    view = to_node_view(Notification(".ams.routing.RingUpdated", _raw({"ringId": "r"})), ME)
    assert view == NodeView("deprecated", None)


def test_other_types_pass_through_under_their_own_type() -> None:
    view = to_node_view(Notification(".ams.future.Thing", _raw({"a": [1, {"b": None}]})), ME)
    assert view == NodeView(".ams.future.Thing", {"a": [1, {"b": None}]})


def test_the_input_is_never_mutated(lp_frames: dict[str, Any]) -> None:
    notification = _notification(lp_frames, "notif_ex_conversation_change_raw")
    before = bytes(notification.body)
    first = to_node_view(notification, ME)
    assert bytes(notification.body) == before
    assert to_node_view(notification, ME) == first


def _details(**overrides: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "participants": {"CONSUMER": ["c"], "ASSIGNED_AGENT": ["123.5551234"]},
        "participantsPId": {"CONSUMER": ["c"], "ASSIGNED_AGENT": [AGENT_PID]},
        "dialogs": [
            {
                "participantsDetails": [
                    {"id": "c", "role": "CONSUMER"},
                    {"id": "123.5551234", "role": "ASSIGNED_AGENT"},
                ]
            }
        ],
    }
    details.update(overrides)
    return details


def _conversation_view(details: dict[str, Any], identity: AgentIdentity = ME) -> Any:
    body = {
        "changes": [{"type": "UPSERT", "result": {"convId": "c1", "conversationDetails": details}}]
    }
    return to_node_view(
        Notification(".ams.aam.ExConversationChangeNotification", _raw(body)), identity
    )


def test_missing_participants_pid_is_an_error_like_in_the_sdk() -> None:
    details = _details()
    del details["participantsPId"]
    error = _conversation_view(details)
    assert isinstance(error, MalformedFrameError)
    assert "participantsPId key property is missing on notification for convId c1" in str(error)


def test_suggested_participants_are_skipped_and_unknown_roles_warned() -> None:
    details = _details(
        dialogs=[
            {
                "participantsDetails": [
                    {"id": "s", "role": "SUGGESTED_AGENT", "state": "SUGGESTED"},
                    {"id": "m", "role": "MANAGER", "state": "ACTIVE"},
                    {"id": "123.5551234", "role": "ASSIGNED_AGENT"},
                    {"id": "123.999", "role": "ASSIGNED_AGENT"},
                ]
            }
        ]
    )
    view = _conversation_view(details)
    assert isinstance(view, NodeView)
    result_details = view.body["changes"][0]["result"]["conversationDetails"]
    assert result_details["dialogs"][0]["participantsDetails"] == [
        {"id": "s", "role": "SUGGESTED_AGENT", "state": "SUGGESTED"},
        {"id": "m", "role": "MANAGER", "state": "ACTIVE"},
        {"id": AGENT_PID, "role": "ASSIGNED_AGENT"},
        {"id": "123.999", "role": "ASSIGNED_AGENT"},  # more than the conversation has PIDs for
    ]
    assert view.warnings == (
        'invalid participant on conversation c1 - {"id":"m","role":"MANAGER","state":"ACTIVE"}',
    )


def test_my_role_is_absent_when_i_am_not_a_participant() -> None:
    view = _conversation_view(_details(), AgentIdentity("123", "777"))
    assert isinstance(view, NodeView)
    assert "__myRole" not in view.body["changes"][0]["result"]["conversationDetails"]


def test_changes_without_result_are_left_alone() -> None:
    body = {"changes": [None, {"type": "DELETE"}, {"result": None}]}
    view = to_node_view(Notification(".ams.aam.ExConversationChangeNotification", _raw(body)), ME)
    assert view == NodeView("cqm.ExConversationChangeNotification", body)


def test_bare_elements_are_accepted_where_the_sdk_iterates() -> None:
    change = {
        "result": {
            "convId": "c1",
            "conversationDetails": {
                "participants": {"CONSUMER": "c"},
                "participantsPId": {"CONSUMER": "p"},
                "dialogs": {"participantsDetails": {"id": "c", "role": "CONSUMER"}},
            },
        }
    }
    view = to_node_view(
        Notification(".ams.aam.ExConversationChangeNotification", _raw({"changes": change})), ME
    )
    assert view == NodeView(
        "cqm.ExConversationChangeNotification",
        {
            "changes": [
                {
                    "result": {
                        "convId": "c1",
                        "conversationDetails": {
                            "participants": [{"id": "p", "role": "CONSUMER"}],
                            "dialogs": [{"participantsDetails": [{"id": "p", "role": "CONSUMER"}]}],
                        },
                    }
                }
            ]
        },
    )
    rings = {"changes": {"result": {"ringsDetails": {"ringId": "r", "brandId": "123"}}}}
    view = to_node_view(Notification(".ams.routing.RoutingTaskNotification", _raw(rings)), ME)
    assert view == NodeView(
        "routing.RoutingTaskNotification",
        {"changes": [{"result": {"ringsDetails": [{"ringId": "r"}]}}]},
    )


@pytest.mark.parametrize(
    ("type_", "body"),
    [
        (".ams.aam.ExConversationChangeNotification", {}),
        (
            ".ams.aam.ExConversationChangeNotification",
            {"changes": [{"result": {"conversationDetails": None}}]},
        ),
        (
            ".ams.aam.ExConversationChangeNotification",
            {"changes": [{"result": {"conversationDetails": {"participants": {}}}}]},
        ),
        (".ams.routing.RoutingTaskNotification", {"changes": [{"type": "UPSERT"}]}),
        (".ams.routing.RoutingTaskNotification", {"changes": [{"result": {}}]}),
        (".ams.routing.AgentStateNotification", {"changes": [3]}),
        (".ams.ms.OnlineEventDistribution", "text"),
        (".ams.ms.OnlineEventDistribution", None),
    ],
)
def test_untransformable_bodies_are_error_values(type_: str, body: Any) -> None:
    error = to_node_view(Notification(type_, _raw(body)), ME)
    assert isinstance(error, MalformedFrameError)
    assert type_ in str(error)


def test_invalid_json_body_is_an_error_value() -> None:
    assert isinstance(to_node_view(Notification("x", msgspec.Raw(b"{")), ME), MalformedFrameError)


def test_query_messages_reply_is_re_emitted_as_a_messaging_notification(
    lp_frames: dict[str, Any],
) -> None:
    view = query_messages_to_node_view(_raw(lp_frames["resp_query_messages_raw"]["body"]), ME)
    assert view == NodeView(
        "ms.MessagingEventNotification",
        {
            "dialogId": CONV,
            "changes": [
                {
                    "sequence": 0,
                    "originatorId": CONSUMER,
                    "originatorMetadata": {"id": CONSUMER, "role": "CONSUMER"},
                    "serverTimestamp": 1568004100300,
                    "event": {"type": "ContentEvent", "message": "hi", "contentType": "text/plain"},
                    "dialogId": CONV,
                    "conversationId": CONV,
                    "messageAudience": "ALL",
                    "__isMe": False,
                },
                {
                    "sequence": 1,
                    "originatorId": AGENT_PID,
                    "originatorMetadata": {"id": AGENT_PID, "role": "ASSIGNED_AGENT"},
                    "serverTimestamp": 1568004100350,
                    "event": {
                        "type": "ContentEvent",
                        "message": "hello",
                        "contentType": "text/plain",
                    },
                    "dialogId": CONV,
                    "conversationId": CONV,
                    "messageAudience": "ALL",
                    "__isMe": True,
                },
            ],
        },
    )


def test_query_messages_reply_edge_cases() -> None:
    assert query_messages_to_node_view(_raw([]), ME) is None
    bare = query_messages_to_node_view(_raw({"dialogId": "d", "originatorId": "123.5551234"}), ME)
    assert bare == NodeView(
        "ms.MessagingEventNotification",
        {"dialogId": "d", "changes": [{"dialogId": "d", "__isMe": True}]},
    )
    assert isinstance(query_messages_to_node_view(_raw("denied"), ME), MalformedFrameError)
    assert isinstance(query_messages_to_node_view(_raw([{}, 3]), ME), MalformedFrameError)


def test_user_profile_becomes_the_sdk_list_of_sdes(lp_frames: dict[str, Any]) -> None:
    sdes = user_profile_to_sdes(_raw(lp_frames["resp_get_user_profile_raw"]["body"]))
    assert sdes == [
        {
            "type": "personal",
            "personal": {"firstname": "Michael"},
            "acr": "0",
            "iss": "https://idp.example.com",
        },
        {"type": "ctmrinfo", "info": {"cstatus": "vip"}, "auth": {}},
        {"type": "ctmrinfo", "info": {"imei": "+1-555-0100", "customerId": "cust-42"}},
        {
            "type": "personal",
            "personal": {
                "firstname": "Michael",
                "lastname": "Bolton",
                "contacts": [{"email": "m@example.com", "phone": "+1-555-0100"}],
            },
        },
    ]


def test_user_profile_edge_cases() -> None:
    assert user_profile_to_sdes(_raw({})) == []
    assert user_profile_to_sdes(
        _raw({"privateData": {"email": "e"}, "claims": {"lp_sdes": [{"type": "x", "acr": "1"}]}})
    ) == [
        {"type": "x"},
        {"type": "personal", "personal": {"contacts": [{"email": "e"}]}},
    ]
    assert isinstance(user_profile_to_sdes(_raw(None)), MalformedFrameError)
    assert isinstance(
        user_profile_to_sdes(_raw({"claims": {"lp_sdes": ["x"]}})), MalformedFrameError
    )


def test_javascript_semantics_where_the_sdk_tolerates_odd_shapes() -> None:
    # A role given as ["ROLE"] reads participantsPId["ROLE"] in JavaScript; a missing convId
    # prints as "undefined"; a primitive result is left alone by `delete`.
    details = _details(
        dialogs=[{"participantsDetails": [{"id": "c", "role": ["CONSUMER"]}, 7]}],
    )
    body = {"changes": [{"result": {"conversationDetails": details}}]}
    view = to_node_view(Notification(".ams.aam.ExConversationChangeNotification", _raw(body)), ME)
    assert isinstance(view, NodeView)
    dialog = view.body["changes"][0]["result"]["conversationDetails"]["dialogs"][0]
    assert dialog["participantsDetails"] == [{"id": "c", "role": ["CONSUMER"]}, 7]
    assert view.warnings == ("invalid participant on conversation undefined - 7",)
    states = {"changes": [{"result": "x"}, {"result": 0}]}
    assert to_node_view(Notification(".ams.routing.AgentStateNotification", _raw(states)), ME) == (
        NodeView("routing.AgentStateNotification", states)
    )
    events = [["an", "array"], {"originatorId": "123.5551234"}]
    assert query_messages_to_node_view(_raw(events), ME) == NodeView(
        "ms.MessagingEventNotification",
        {"changes": [["an", "array"], {"__isMe": True}]},
    )
    assert user_profile_to_sdes(_raw({"claims": {"lp_sdes": [[1]]}, "firstName": ["F"]})) == [
        [1],
        {"type": "personal", "personal": {"firstname": ["F"]}},
    ]
    assert user_profile_to_sdes(_raw("a string reply")) == []

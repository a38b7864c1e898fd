"""Raw notification bodies decode into their typed structs, leniently."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    NOTIFICATION_TYPES,
    AgentStateNotification,
    ChatStateEvent,
    ContentEvent,
    ExConversationChangeNotification,
    Notification,
    OnlineEventDistribution,
    RingState,
    RingUpdated,
    RoutingTaskNotification,
    decode_body,
    decode_event,
    decode_frame,
)

CONV = "816566d3-3825-4375-b2c6-82bcd000b623"
CONSUMER = "1bb11075bd2611b5c4d4d73bfbb156c8afae6de6756fea9f6231cf38b5e5fc84"
AGENT_PID = "3b5b7ec6-2b0f-53af-9afd-11d4072c85a7"


def _typed(lp_frames: dict[str, Any], name: str) -> Any:
    frame = decode_frame(json.dumps(lp_frames[name]))
    assert isinstance(frame, Notification)
    body = decode_body(frame.body, NOTIFICATION_TYPES[frame.type])
    assert not isinstance(body, MalformedFrameError)
    return body


def test_the_registry_covers_the_raw_notification_types() -> None:
    assert {
        ".ams.aam.ExConversationChangeNotification": ExConversationChangeNotification,
        ".ams.routing.RoutingTaskNotification": RoutingTaskNotification,
        ".ams.routing.AgentStateNotification": AgentStateNotification,
        ".ams.ms.OnlineEventDistribution": OnlineEventDistribution,
        ".ams.routing.RingUpdated": RingUpdated,
    } == NOTIFICATION_TYPES


def test_online_event_distribution(lp_frames: dict[str, Any]) -> None:
    body = _typed(lp_frames, "notif_online_event_distribution_raw")
    assert isinstance(body, OnlineEventDistribution)
    assert (body.dialog_id, body.sequence, body.server_timestamp) == (CONV, 2, 1470732437925)
    assert body.originator_id == body.originator_p_id == CONSUMER
    assert body.originator_metadata is not None
    assert body.originator_metadata.role == "CONSUMER"
    assert body.originator_metadata.client_properties == {
        "type": ".ClientProperties",
        "deviceFamily": "DESKTOP",
        "os": "LINUX",
    }
    assert isinstance(body.event, msgspec.Raw)
    assert decode_event(body.event) == ContentEvent(message="From consumer")


def test_chat_state_event_without_sequence(lp_frames: dict[str, Any]) -> None:
    body = _typed(lp_frames, "notif_chat_state_raw")
    assert body.sequence is None
    assert decode_event(body.event) == ChatStateEvent(chat_state="COMPOSING")


def test_ex_conversation_change(lp_frames: dict[str, Any]) -> None:
    body = _typed(lp_frames, "notif_ex_conversation_change_raw")
    assert isinstance(body, ExConversationChangeNotification)
    assert body.subscription_id == "sub-2"
    (change,) = body.changes
    assert change.type == "UPSERT"
    result = change.result
    assert result is not None
    assert (result.conv_id, result.effective_ttr, result.last_update_time) == (
        CONV,
        -1,
        1568004100407,
    )
    assert result.number_of_unread_messages == {CONSUMER: 1}
    assert result.last_content_event_notification is not None
    assert result.last_content_event_notification.sequence == 0
    details = result.conversation_details
    assert details is not None
    assert (details.skill_id, details.state, details.stage, details.csat_rate) == (
        "792479851",
        "OPEN",
        "OPEN",
        0,
    )
    assert details.participants == {"CONSUMER": [CONSUMER], "ASSIGNED_AGENT": ["123.5551234"]}
    assert details.participants_p_id == {"CONSUMER": [CONSUMER], "ASSIGNED_AGENT": [AGENT_PID]}
    (dialog,) = details.dialogs
    assert (dialog.dialog_id, dialog.dialog_type, dialog.channel_type) == (
        CONV,
        "MAIN",
        "MESSAGING",
    )
    assert [(p.id, p.role, p.state) for p in dialog.participants_details] == [
        (CONSUMER, "CONSUMER", "ACTIVE"),
        ("123.5551234", "ASSIGNED_AGENT", "ACTIVE"),
    ]
    assert details.ttr is not None
    assert (details.ttr.ttr_type, details.ttr.value) == ("NORMAL", 3600)


def test_routing_task(lp_frames: dict[str, Any]) -> None:
    body = _typed(lp_frames, "notif_routing_task_raw")
    assert isinstance(body, RoutingTaskNotification)
    (change,) = body.changes
    assert change.result is not None
    assert change.result.conversation_id == CONV
    (ring,) = change.result.rings_details
    assert ring.ring_state == RingState.WAITING
    assert (ring.ring_expiration, ring.ring_expiration_ts, ring.weight) == (
        72000,
        1568004172407,
        1.0,
    )


def test_agent_state(lp_frames: dict[str, Any]) -> None:
    body = _typed(lp_frames, "notif_agent_state_raw")
    assert isinstance(body, AgentStateNotification)
    (change,) = body.changes
    assert change.result is not None
    assert (change.result.agent_user_id, change.result.availability) == ("123.5551234", "ONLINE")
    assert change.result.channels == ["MESSAGING"]


def test_ring_updated_is_lenient() -> None:
    assert decode_body(b'{"ringId":"r","ringState":"ACCEPTED","x":1}', RingUpdated) == RingUpdated(
        ring_id="r", ring_state="ACCEPTED"
    )


@pytest.mark.parametrize(
    ("struct_type", "data", "check"),
    [
        (
            RoutingTaskNotification,
            b'{"changes":{"type":"UPSERT","result":{"ringsDetails":{"ringId":"r"}}}}',
            lambda b: b.changes[0].result.rings_details[0].ring_id == "r",
        ),
        (
            AgentStateNotification,
            b'{"changes":{"result":{"channels":"MESSAGING"}}}',
            lambda b: b.changes[0].result.channels == ["MESSAGING"],
        ),
        (
            ExConversationChangeNotification,
            b'{"changes":{"result":{"conversationDetails":{"participantsPId":{"CONSUMER":"c"},'
            b'"participants":{"CONSUMER":"c"},"dialogs":{"participantsDetails":{"id":"c"}}}}}}',
            lambda b: (
                b.changes[0].result.conversation_details.participants_p_id == {"CONSUMER": ["c"]}
                and b.changes[0].result.conversation_details.participants == {"CONSUMER": ["c"]}
                and b.changes[0].result.conversation_details.dialogs[0].participants_details[0].id
                == "c"
            ),
        ),
    ],
)
def test_bare_elements_decode_as_one_element_lists(
    struct_type: type[msgspec.Struct], data: bytes, check: Any
) -> None:
    body = decode_body(data, struct_type)
    assert not isinstance(body, MalformedFrameError)
    assert check(body)


def test_unknown_fields_and_enum_values_are_ignored() -> None:
    data = (
        b'{"subscriptionId":"s","future":1,"changes":[{"type":"MERGE","result":{"availability":'
        b'"DREAMING","channels":["VOICE"],"newField":{"a":[1]}}}]}'
    )
    body = decode_body(data, AgentStateNotification)
    assert isinstance(body, AgentStateNotification)
    assert body.changes[0].type == "MERGE"
    assert body.changes[0].result is not None
    assert body.changes[0].result.availability == "DREAMING"


def test_a_body_of_the_wrong_shape_is_an_error_value() -> None:
    assert isinstance(decode_body(b'{"changes":"x"}', RoutingTaskNotification), MalformedFrameError)
    assert isinstance(decode_body(b"[]", OnlineEventDistribution), MalformedFrameError)

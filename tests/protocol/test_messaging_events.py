"""Dialog events: a tagged union decoded on demand; unknown types are values, not errors."""

from __future__ import annotations

import json

import msgspec
import pytest

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    AcceptStatusEvent,
    ChatState,
    ChatStateEvent,
    ContentEvent,
    ContentType,
    MessagingEvent,
    RichContentEvent,
    UnknownEvent,
    decode_event,
    encode,
    hosted_file_message,
)

EVENTS: list[tuple[MessagingEvent, dict[str, object]]] = [
    (
        ContentEvent(message="hi"),
        {"type": "ContentEvent", "message": "hi", "contentType": "text/plain"},
    ),
    (
        ContentEvent(message="pick", quick_replies={"type": "quickReplies", "replies": []}),
        {
            "type": "ContentEvent",
            "message": "pick",
            "contentType": "text/plain",
            "quickReplies": {"type": "quickReplies", "replies": []},
        },
    ),
    (
        ContentEvent(
            message=hosted_file_message("/v1/a.png", "PNG", caption="c", preview="data:..."),
            content_type=ContentType.HOSTED_FILE,
        ),
        {
            "type": "ContentEvent",
            "message": {
                "caption": "c",
                "relativePath": "/v1/a.png",
                "fileType": "PNG",
                "preview": "data:...",
            },
            "contentType": "hosted/file",
        },
    ),
    (
        RichContentEvent(content={"type": "vertical", "elements": []}),
        {"type": "RichContentEvent", "content": {"type": "vertical", "elements": []}},
    ),
    (
        ChatStateEvent(chat_state=ChatState.COMPOSING),
        {"type": "ChatStateEvent", "chatState": "COMPOSING"},
    ),
    (
        AcceptStatusEvent(status="ACCEPT", sequence_list=[1, 2]),
        {"type": "AcceptStatusEvent", "status": "ACCEPT", "sequenceList": [1, 2]},
    ),
]


@pytest.mark.parametrize(("event", "wire"), EVENTS)
def test_events_encode_to_their_wire_json_and_decode_back(
    event: MessagingEvent, wire: dict[str, object]
) -> None:
    assert json.loads(encode(event)) == wire
    assert decode_event(json.dumps(wire).encode()) == event


def test_a_content_event_without_content_type_is_plain_text() -> None:
    assert decode_event(b'{"type":"ContentEvent","message":"x"}') == ContentEvent(
        message="x", content_type="text/plain"
    )


def test_a_bare_sequence_decodes_as_a_list() -> None:
    event = decode_event(b'{"type":"AcceptStatusEvent","status":"READ","sequenceList":7}')
    assert event == AcceptStatusEvent(status="READ", sequence_list=[7])


def test_an_unknown_event_type_is_kept_raw() -> None:
    data = b'{"type":"FutureEvent","x":1}'
    event = decode_event(data)
    assert isinstance(event, UnknownEvent)
    assert event.type == "FutureEvent"
    assert bytes(event.raw) == data


def test_unknown_fields_and_values_are_ignored() -> None:
    event = decode_event(b'{"type":"ChatStateEvent","chatState":"DAYDREAMING","mood":"calm"}')
    assert event == ChatStateEvent(chat_state="DAYDREAMING")


@pytest.mark.parametrize(
    "data",
    [b"", b"[", b"1", b"{}", b'{"type":1}', b'{"type":"ChatStateEvent","chatState":3}', b"\xff"],
)
def test_malformed_events_are_error_values(data: bytes) -> None:
    assert isinstance(decode_event(msgspec.Raw(data)), MalformedFrameError)

"""Properties: codecs round-trip, and nothing fed from the wire ever raises."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    NOTIFICATION_TYPES,
    REQUEST_TYPES,
    AgentIdentity,
    Frame,
    NodeView,
    Notification,
    Request,
    UnknownFrame,
    decode_body,
    decode_event,
    decode_frame,
    encode,
    encode_request,
    fill_request,
    query_messages_to_node_view,
    to_node_view,
    user_profile_to_sdes,
)
from rx_lpagent.protocol.filling import _FILLERS
from rx_lpagent.protocol.transforms import _INBOUND
from tests.protocol.strategies import json_values, protocol_json, structs

ME = AgentIdentity("123", "5551234", "3b5b7ec6")
FAST = settings(deadline=None, max_examples=150)

_STRUCT_BODIES = sorted(
    {
        spec.body_type
        for spec in REQUEST_TYPES.values()
        if isinstance(spec.body_type, type) and issubclass(spec.body_type, msgspec.Struct)
    }
    | set(NOTIFICATION_TYPES.values()),
    key=lambda t: t.__name__,
)


def _is_decoded(result: object) -> bool:
    return isinstance(result, Frame | UnknownFrame | MalformedFrameError)


@FAST
@given(st.binary(max_size=200))
def test_decode_frame_never_raises_on_bytes(data: bytes) -> None:
    assert _is_decoded(decode_frame(data))


@FAST
@given(
    json_values
    | st.fixed_dictionaries(
        {"kind": st.sampled_from(["req", "resp", "notification", "x"])},
        optional={
            "id": json_values,
            "reqId": json_values,
            "type": json_values,
            "body": json_values,
            "code": json_values,
        },
    )
)
def test_decode_frame_never_raises_on_json_values(value: Any) -> None:
    assert _is_decoded(decode_frame(json.dumps(value)))
    assert _is_decoded(decode_frame(json.dumps(value).encode()))


@FAST
@given(
    st.text(min_size=1, max_size=64),
    st.text(max_size=40),
    json_values,
    st.none() | st.lists(json_values, max_size=2),
)
def test_request_frames_round_trip(request_id: str, type_: str, body: Any, metadata: Any) -> None:
    frame = decode_frame(encode_request(request_id, type_, body, metadata=metadata))
    assert isinstance(frame, Request)
    assert (frame.id, frame.type) == (request_id, type_)
    assert msgspec.json.decode(frame.body) == body
    assert msgspec.json.decode(frame.metadata) == metadata


@pytest.mark.parametrize("struct_type", _STRUCT_BODIES, ids=lambda t: t.__name__)
@settings(deadline=None, max_examples=20)
@given(data=st.data())
def test_bodies_round_trip(struct_type: type[msgspec.Struct], data: st.DataObject) -> None:
    body = data.draw(structs(struct_type))
    encoded = encode(body)
    assert decode_body(encoded, struct_type) == body
    assert encode(decode_body(encoded, struct_type)) == encoded


@pytest.mark.parametrize("struct_type", _STRUCT_BODIES, ids=lambda t: t.__name__)
@settings(deadline=None, max_examples=25)
@given(value=protocol_json)
def test_decode_body_never_raises(struct_type: type[msgspec.Struct], value: Any) -> None:
    result = decode_body(msgspec.json.encode(value), struct_type)
    assert isinstance(result, struct_type | MalformedFrameError)


@FAST
@given(json_values | st.binary(max_size=40))
def test_decode_event_never_raises(value: Any) -> None:
    raw = value if isinstance(value, bytes) else msgspec.json.encode(value)
    decode_event(msgspec.Raw(raw))


@FAST
@given(st.sampled_from([*_INBOUND, ".ams.other.Thing"]), protocol_json)
def test_transforms_never_raise(type_: str, body: Any) -> None:
    notification = Notification(type_, msgspec.Raw(msgspec.json.encode(body)))
    assert isinstance(to_node_view(notification, ME), NodeView | MalformedFrameError)


@FAST
@given(protocol_json | st.lists(protocol_json, max_size=3))
def test_reply_transforms_never_raise(body: Any) -> None:
    raw = msgspec.Raw(msgspec.json.encode(body))
    assert isinstance(query_messages_to_node_view(raw, ME), NodeView | MalformedFrameError | None)
    assert isinstance(user_profile_to_sdes(raw), list | MalformedFrameError)


@FAST
@given(st.sampled_from([*_FILLERS, ".GetClock"]), protocol_json)
def test_fill_request_is_total_and_pure(type_: str, body: Any) -> None:
    before = json.dumps(body)
    wire_type, filled = fill_request(type_, body, ME)
    assert isinstance(wire_type, str)
    assert json.dumps(body) == before
    encode(filled)

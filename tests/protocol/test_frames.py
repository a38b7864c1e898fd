from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    Notification,
    Request,
    Response,
    UnknownFrame,
    decode_body,
    decode_frame,
    encode_request,
)


def test_every_fixture_frame_decodes_to_its_kind(lp_frames: dict[str, Any]) -> None:
    kinds = {"req": Request, "resp": Response, "notification": Notification}
    for name, payload in lp_frames.items():
        if isinstance(payload, dict) and "kind" in payload:
            frame = decode_frame(json.dumps(payload))
            assert isinstance(frame, kinds[payload["kind"]]), name


def test_body_stays_raw_until_asked(lp_frames: dict[str, Any]) -> None:
    frame = decode_frame(json.dumps(lp_frames["resp_get_clock"]))
    assert isinstance(frame, Response)
    assert isinstance(frame.body, msgspec.Raw)
    assert decode_body(frame.body, dict[str, int]) == {"currentTime": 1513813587308}


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"[1]", b"null", b'{"kind":"resp"}', b'{"kind":"req","id":1}', b"\xff\xfe"],
)
def test_bad_input_comes_back_as_an_error_value(data: bytes) -> None:
    assert isinstance(decode_frame(data), MalformedFrameError)


def test_unknown_kind_is_its_own_value() -> None:
    assert decode_frame(b'{"kind":"ping","x":1}') == UnknownFrame("ping")


def test_request_round_trip() -> None:
    data = encode_request("7", ".GetClock", {}, metadata=[{"type": "x"}])
    frame = decode_frame(data)
    assert isinstance(frame, Request)
    assert (frame.id, frame.type, bytes(frame.body)) == ("7", ".GetClock", b"{}")


def test_decode_body_of_wrong_shape_is_an_error_value() -> None:
    assert isinstance(decode_body(msgspec.Raw(b'"x"'), dict[str, int]), MalformedFrameError)

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from rx_lpagent.agent._router import MAX_CACHED_ROUTES, NotificationRouter
from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import (
    AgentIdentity,
    Notification,
    OnlineEventDistribution,
    RoutingTaskNotification,
    decode_frame,
)
from rx_lpagent.protocol.transforms import NodeView

ME = AgentIdentity("123", "5551234", "pid-me")


class Setup:
    def __init__(self) -> None:
        self.reported: list[MalformedFrameError] = []
        self.router = NotificationRouter(self.reported.append, lambda: ME)

    def send(self, payload: dict[str, Any] | bytes) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        frame = decode_frame(data)
        assert isinstance(frame, Notification)
        self.router.dispatch(frame)


def test_raw_typed_and_node_views(lp_frames: dict[str, Any]) -> None:
    s = Setup()
    raw: list[Notification] = []
    typed: list[OnlineEventDistribution] = []
    node: list[NodeView] = []
    everything: list[Notification] = []
    s.router.all.subscribe(everything.append)
    s.router.raw(".ams.ms.OnlineEventDistribution").subscribe(raw.append)
    s.router.typed(OnlineEventDistribution).subscribe(typed.append)
    s.router.node_view.subscribe(node.append)
    s.send(lp_frames["notif_online_event_distribution_raw"])
    s.send(lp_frames["notif_agent_state_raw"])
    assert len(everything) == 2
    assert len(raw) == 1
    assert typed[0].sequence == 2
    assert [v.type for v in node] == [
        "ms.MessagingEventNotification",
        "routing.AgentStateNotification",
    ]
    assert s.reported == []


def test_a_bad_body_is_reported_and_the_stream_lives_on(lp_frames: dict[str, Any]) -> None:
    s = Setup()
    typed: list[RoutingTaskNotification] = []
    s.router.typed(RoutingTaskNotification).subscribe(typed.append)
    s.send(b'{"kind":"notification","type":".ams.routing.RoutingTaskNotification","body":[1]}')
    s.send(lp_frames["notif_routing_task_raw"])
    assert len(s.reported) == 1
    assert len(typed) == 1


def test_nothing_is_decoded_for_views_nobody_watches() -> None:
    s = Setup()
    s.send(b'{"kind":"notification","type":".ams.routing.RoutingTaskNotification","body":7}')
    assert s.reported == []


def test_an_untransformable_node_view_is_reported() -> None:
    s = Setup()
    node: list[NodeView] = []
    s.router.node_view.subscribe(node.append)
    s.send(b'{"kind":"notification","type":".ams.aam.ExConversationChangeNotification","body":3}')
    assert node == []
    assert "cannot transform" in s.reported[0].message


def test_typed_rejects_a_non_notification_struct() -> None:
    s = Setup()
    with pytest.raises(TypeError, match="not a notification body type"):
        s.router.typed(int)


def test_the_route_cache_is_bounded_whatever_the_server_sends() -> None:
    s = Setup()
    everything: list[Notification] = []
    s.router.all.subscribe(everything.append)
    distinct = MAX_CACHED_ROUTES * 3 + 7
    for number in range(distinct):
        s.router.dispatch(Notification(f"invented.Type{number}", msgspec.Raw(b"{}")))
        assert len(s.router._routes) <= MAX_CACHED_ROUTES
    assert len(everything) == distinct  # every notification still delivered


_EVENT = (
    b'{"kind":"notification","type":".ams.ms.OnlineEventDistribution",'
    b'"body":{"dialogId":"d1","sequence":4,"event":{"type":"ContentEvent","message":"hi"}}}'
)


def test_a_type_only_typed_streams_watch_is_decoded_in_one_pass() -> None:
    s = Setup()
    typed: list[OnlineEventDistribution] = []
    s.router.typed(OnlineEventDistribution).subscribe(typed.append)
    frame = s.router.decode(_EVENT)
    assert isinstance(frame, Notification)
    body: object = frame.body
    assert isinstance(body, OnlineEventDistribution)  # decoded with the frame
    s.router.dispatch(frame)
    assert [(event.dialog_id, event.sequence, event.text) for event in typed] == [("d1", 4, "hi")]
    # responses decode through the same pass; other notification types as before, raw
    response = s.router.decode(b'{"kind":"resp","reqId":"7","code":200,"body":{}}')
    assert (type(response).__name__, getattr(response, "reqId", None)) == ("Response", "7")
    other = s.router.decode(b'{"kind":"notification","type":"t","body":{}}')
    assert isinstance(other, Notification)
    assert isinstance(other.body, msgspec.Raw)


def test_one_pass_stops_when_raw_watchers_come_and_held_frames_are_made_raw_again() -> None:
    s = Setup()
    typed: list[OnlineEventDistribution] = []
    raw: list[Notification] = []
    s.router.typed(OnlineEventDistribution).subscribe(typed.append)
    held = s.router.decode(_EVENT)  # decoded in one pass, then held (a backfill) ...
    s.router.all.subscribe(raw.append)  # ... while someone starts watching everything
    assert isinstance(s.router.decode(_EVENT), Notification)
    assert isinstance(getattr(s.router.decode(_EVENT), "body", None), msgspec.Raw)
    assert isinstance(held, Notification)
    s.router.dispatch(held)
    assert [event.sequence for event in typed] == [4]
    (notification,) = raw
    assert isinstance(notification.body, msgspec.Raw)
    assert json.loads(bytes(notification.body))["dialogId"] == "d1"


def test_a_watched_type_with_a_bad_body_is_reported_as_before() -> None:
    s = Setup()
    typed: list[OnlineEventDistribution] = []
    s.router.typed(OnlineEventDistribution).subscribe(typed.append)
    frame = s.router.decode(
        b'{"kind":"notification","type":".ams.ms.OnlineEventDistribution","body":{"sequence":"x"}}'
    )
    assert isinstance(frame, Notification)
    assert isinstance(frame.body, msgspec.Raw)  # the general decoder took it
    s.router.dispatch(frame)
    assert typed == []
    assert len(s.reported) == 1
    assert isinstance(s.router.decode(b"{not json"), MalformedFrameError)


def test_frames_the_first_one_pass_decoder_refuses_decode_as_decode_frame_says() -> None:
    """The socket runs ``first_decode`` itself and hands what it refuses to ``decode_refused``:
    the second watched type, another type, a request, an unknown kind and bad JSON each come
    out as :func:`decode_frame` (or its one-pass equal) makes them."""
    s = Setup()
    s.router.typed(OnlineEventDistribution).subscribe(lambda _: None)
    s.router.typed(RoutingTaskNotification).subscribe(lambda _: None)
    task = b'{"kind":"notification","type":".ams.routing.RoutingTaskNotification","body":{}}'
    frames = (
        _EVENT,
        task,
        b'{"kind":"notification","type":"t","body":{}}',
        b'{"kind":"req","id":"1","type":"t","body":{}}',
        b'{"kind":"other"}',
        b"{not json",
    )
    decoded = [s.router.decode(data) for data in frames]
    first_pass = s.router.first_decode
    refused: list[object] = []
    for data in frames:
        try:
            refused.append(first_pass(data))
        except msgspec.ValidationError as error:
            refused.append(s.router.decode_refused(data, error))
        except msgspec.DecodeError as error:
            refused.append(s.router.decode_refused(data, error))
    assert [type(frame).__name__ for frame in refused] == [
        type(frame).__name__ for frame in decoded
    ]
    assert type(decoded[0].body) is OnlineEventDistribution  # type: ignore[union-attr]
    assert type(decoded[1].body) is RoutingTaskNotification  # type: ignore[union-attr]
    assert [type(frame).__name__ for frame in decoded[2:]] == [
        "Notification",
        "Request",
        "UnknownFrame",
        "MalformedFrameError",
    ]
    assert str(decoded[5]) == str(decode_frame(frames[5]))  # what is wrong with it

from __future__ import annotations

import reactivex
from reactivex import operators as ops

from rx_lpagent.errors import ServerError
from rx_lpagent.events import (
    AgentEvent,
    Closed,
    Connected,
    Context,
    ErrorEvent,
    Location,
    SuccessEvent,
    at_location,
    failures,
    matching_location,
    of_kind,
    successes,
    under_location,
)

NODE_LOCATIONS = [
    "Connect#CSDS",
    "Connect#Login",
    "Reconnect#CSDS",
    "Reconnect#Relogin#WS",
    "RefreshSession#Precheck",
    "RefreshSession#CSDS",
    "RefreshSession#REST",
    "RefreshSession#Relogin#WS",
]


def test_the_eight_node_locations_are_exact() -> None:
    node = [loc for loc in Location if loc.is_node_location]
    assert [loc.value for loc in node] == NODE_LOCATIONS


def test_every_location_has_the_area_step_shape() -> None:
    for loc in Location:
        area, _, step = loc.value.partition("#")
        assert area, loc
        assert step, loc
        assert loc.area == area
        assert loc.__doc__


def test_location_compares_with_plain_strings() -> None:
    location: str = Location.REFRESH_REST
    assert location == "RefreshSession#REST"
    assert Context("RefreshSession#REST") == Context(Location.REFRESH_REST)


def _sample() -> list[AgentEvent]:
    err = ServerError("down", 503, "domainNames")
    return [
        SuccessEvent(Context(Location.CONNECT_CSDS)),
        ErrorEvent(err, Context(Location.REFRESH_CSDS)),
        SuccessEvent(Context(Location.REFRESH_REST)),
        ErrorEvent(err, Context(Location.RECONNECT_RELOGIN_WS)),
        Connected(),
        Closed(1006, "dropped"),
    ]


def _run(*operators: object) -> list[AgentEvent]:
    seen: list[AgentEvent] = []
    source: reactivex.Observable[AgentEvent] = reactivex.from_iterable(_sample())
    source.pipe(*operators).subscribe(seen.append)  # type: ignore[call-overload]
    return seen


def test_exact_filter() -> None:
    assert [e.location for e in _run(at_location("RefreshSession#REST"))] == ["RefreshSession#REST"]


def test_prefix_filter_matches_whole_segments() -> None:
    assert [e.location for e in _run(under_location("RefreshSession"))] == [
        "RefreshSession#CSDS",
        "RefreshSession#REST",
    ]
    assert [e.location for e in _run(under_location("Reconnect#Relogin"))] == [
        "Reconnect#Relogin#WS"
    ]
    assert _run(under_location("Refresh")) == []
    assert [e.location for e in _run(under_location("Connect", "Reconnect"))] == [
        "Connect#CSDS",
        "Reconnect#Relogin#WS",
        "Connect#WS",
    ]
    assert [e.location for e in _run(at_location("Connect#CSDS", "RefreshSession#REST"))] == [
        "Connect#CSDS",
        "RefreshSession#REST",
    ]


def test_glob_filter() -> None:
    assert [e.location for e in _run(matching_location("*#CSDS"))] == [
        "Connect#CSDS",
        "RefreshSession#CSDS",
    ]
    assert [e.location for e in _run(matching_location("*Relogin*"))] == ["Reconnect#Relogin#WS"]


def test_kind_filters_are_typed() -> None:
    codes: list[int | None] = []
    source: reactivex.Observable[AgentEvent] = reactivex.from_iterable(_sample())

    def code_of(event: ErrorEvent) -> int | None:
        return event.error.code

    source.pipe(failures(), ops.map(code_of)).subscribe(codes.append)
    assert codes == [503, 503]
    assert len(_run(successes())) == 2
    closed = _run(of_kind(Closed))
    assert closed == [Closed(1006, "dropped")]
    assert closed[0].location == Location.SOCKET_CLOSE


def test_events_are_immutable_values() -> None:
    assert Connected() == Connected()
    assert Connected().location == "Connect#WS"
    assert hash(SuccessEvent(Context("x#y"))) == hash(SuccessEvent(Context("x#y")))

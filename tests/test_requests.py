from __future__ import annotations

import msgspec
from reactivex.notification import OnError
from reactivex.testing import TestScheduler

from rx_lpagent.agent._requests import PendingRequests, not_connected
from rx_lpagent.errors import (
    NotConnectedError,
    RequestFailedError,
    RequestTimeoutError,
    TransportError,
)
from rx_lpagent.protocol import Request, Response, decode_frame


class Wire:
    def __init__(self) -> None:
        self.sent: list[Request] = []

    def send(self, data: bytes) -> None:
        frame = decode_frame(data)
        assert isinstance(frame, Request)
        self.sent.append(frame)


def _response(request_id: str, code: int = 200, body: bytes = b"{}") -> Response:
    return Response(reqId=request_id, code=code, body=msgspec.Raw(body))


def test_response_is_correlated_by_id() -> None:
    scheduler = TestScheduler()
    wire = Wire()
    pending = PendingRequests(wire.send)
    seen: list[Response] = []
    done: list[bool] = []
    pending.request(".GetClock", {}, timeout=10, scheduler=scheduler).subscribe(
        seen.append, on_completed=lambda: done.append(True)
    )
    pending.request(".GetClock", {}, timeout=10, scheduler=scheduler).subscribe()
    assert [r.id for r in wire.sent] == ["1", "2"]
    assert not pending.resolve(_response("99"))
    assert pending.resolve(_response("1", body=b'{"currentTime":5}'))
    assert [bytes(r.body) for r in seen] == [b'{"currentTime":5}']
    assert done == [True]
    assert len(pending) == 1


def test_error_code_fails_the_request_with_that_code() -> None:
    scheduler = TestScheduler()
    wire = Wire()
    pending = PendingRequests(wire.send)
    errors: list[Exception] = []
    pending.request(".ams.ms.PublishEvent", {}, timeout=10, scheduler=scheduler).subscribe(
        on_error=errors.append
    )
    pending.resolve(_response("1", 429, b'"Too many requests"'))
    (error,) = errors
    assert isinstance(error, RequestFailedError)
    assert error.code == 429
    assert error.retryable
    assert error.body == "Too many requests"
    assert "Too many requests" in error.message


def test_timeout_in_virtual_time_and_late_response_ignored() -> None:
    scheduler = TestScheduler()
    wire = Wire()
    pending = PendingRequests(wire.send)
    results = scheduler.start(
        lambda: pending.request(".GetClock", {}, timeout=10.0, scheduler=scheduler)
    )
    (message,) = results.messages
    assert message.time == 210
    assert isinstance(message.value, OnError)
    assert isinstance(message.value.exception, RequestTimeoutError)
    assert len(pending) == 0
    assert not pending.resolve(_response("1"))


def test_close_fails_everything_pending_and_refuses_new_requests() -> None:
    scheduler = TestScheduler()
    wire = Wire()
    pending = PendingRequests(wire.send)
    errors: list[Exception] = []
    for _ in range(3):
        pending.request(".GetClock", {}, timeout=10, scheduler=scheduler).subscribe(
            on_error=errors.append
        )
    closed = TransportError("socket closed", 1006)
    pending.fail_all(closed)
    pending.request(".GetClock", {}, timeout=10, scheduler=scheduler).subscribe(
        on_error=errors.append
    )
    assert errors == [closed] * 4
    assert len(wire.sent) == 3


def test_dispose_forgets_the_request_and_cancels_its_timer() -> None:
    scheduler = TestScheduler()
    wire = Wire()
    pending = PendingRequests(wire.send)
    errors: list[Exception] = []
    subscription = pending.request(".GetClock", {}, timeout=10, scheduler=scheduler).subscribe(
        on_error=errors.append
    )
    subscription.dispose()
    assert len(pending) == 0
    scheduler.advance_to(100)
    assert errors == []


def test_not_connected_fails_without_raising() -> None:
    errors: list[Exception] = []
    not_connected().request(".GetClock", {}, timeout=10, scheduler=TestScheduler()).subscribe(
        on_error=errors.append
    )
    assert isinstance(errors[0], NotConnectedError)
    assert errors[0].message == "socket not connected"


def test_unencodable_body_is_an_error_not_an_exception() -> None:
    errors: list[Exception] = []
    PendingRequests(Wire().send).request(
        ".GetClock", {"x": object()}, timeout=10, scheduler=TestScheduler()
    ).subscribe(on_error=errors.append)
    assert "cannot encode" in str(errors[0])

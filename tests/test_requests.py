from __future__ import annotations

from collections.abc import Callable

import msgspec
from reactivex.notification import OnError
from reactivex.testing import TestScheduler

from rx_lpagent.agent._requests import PendingRequests, not_connected
from rx_lpagent.agent._timers import ClockTimers, scheduler_timers
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


def at(scheduler: TestScheduler, seconds: float, action: Callable[[], object]) -> None:
    def run(*_: object) -> None:
        action()

    scheduler.schedule_absolute(seconds, run)


class Outcomes:
    """What each request ended in, and when (virtual seconds)."""

    def __init__(self, scheduler: TestScheduler) -> None:
        self.scheduler = scheduler
        self.ended: list[tuple[str, float, str]] = []

    def start(
        self, pending: PendingRequests, name: str, timeout: float = 10.0
    ) -> Callable[[], None]:
        def ended(kind: str) -> None:
            self.ended.append((name, self.scheduler.to_seconds(self.scheduler.now), kind))

        return pending.start(
            ".GetClock",
            {},
            timeout=timeout,
            timers=scheduler_timers(self.scheduler),
            on_response=lambda _: ended("response"),
            on_error=lambda error: ended(type(error).__name__),
        )


def test_requests_sharing_a_timeout_each_time_out_at_their_own_deadline() -> None:
    scheduler = TestScheduler()
    wire = Wire()
    pending = PendingRequests(wire.send)
    outcomes = Outcomes(scheduler)
    at(scheduler, 1.0, lambda: outcomes.start(pending, "a"))
    at(scheduler, 2.0, lambda: outcomes.start(pending, "b"))
    at(scheduler, 3.0, lambda: outcomes.start(pending, "c"))
    at(scheduler, 4.0, lambda: outcomes.start(pending, "short", timeout=2.0))
    at(scheduler, 5.0, lambda: pending.resolve(_response("1")))
    at(scheduler, 13.0, lambda: pending.resolve(_response("3")))
    scheduler.start()
    assert outcomes.ended == [
        ("a", 5.0, "response"),
        ("short", 6.0, "RequestTimeoutError"),
        ("b", 12.0, "RequestTimeoutError"),
        ("c", 13.0, "response"),
    ]
    assert len(pending) == 0


def test_a_request_started_by_a_timeout_gets_its_full_timeout() -> None:
    scheduler = TestScheduler()
    pending = PendingRequests(Wire().send)
    outcomes = Outcomes(scheduler)

    def again(error: Exception) -> None:
        outcomes.ended.append(("first", scheduler.to_seconds(scheduler.now), "timeout"))
        outcomes.start(pending, "second")

    at(
        scheduler,
        1.0,
        lambda: pending.start(
            ".GetClock",
            {},
            timeout=10.0,
            timers=scheduler_timers(scheduler),
            on_response=lambda _: None,
            on_error=again,
        ),
    )
    scheduler.start()
    assert outcomes.ended == [("first", 11.0, "timeout"), ("second", 21.0, "RequestTimeoutError")]


def test_one_timer_serves_the_requests_and_fail_all_stops_it() -> None:
    scheduler = TestScheduler()
    pending = PendingRequests(Wire().send)
    timers_seen: list[str] = []
    scheduler_start = scheduler_timers(scheduler)

    def start(delay: float, fire: Callable[[], None]) -> Callable[[], None]:
        cancel = scheduler_start(delay, fire)
        timers_seen.append("armed")

        def stop() -> None:
            timers_seen.append("stopped")
            cancel()

        return stop

    timers = ClockTimers(start, lambda: scheduler.to_seconds(scheduler.now), scheduler)
    errors: list[Exception] = []
    for _ in range(3):
        pending.start(
            ".GetClock",
            {},
            timeout=10.0,
            timers=timers,
            on_response=lambda _: None,
            on_error=errors.append,
        )
    pending.fail_all(TransportError("socket closed", 1006))
    assert [type(error) for error in errors] == [TransportError] * 3
    assert timers_seen == ["armed", "stopped"]
    scheduler.advance_to(100)
    assert len(errors) == 3


def test_plain_timers_still_time_each_request_out() -> None:
    scheduler = TestScheduler()
    pending = PendingRequests(Wire().send)
    errors: list[tuple[float, Exception]] = []

    def plain(delay: float, fire: Callable[[], None]) -> Callable[[], None]:
        return scheduler.schedule_relative(delay, lambda *_: fire()).dispose

    pending.start(
        ".GetClock",
        {},
        timeout=5.0,
        timers=plain,
        on_response=lambda _: None,
        on_error=lambda error: errors.append((scheduler.to_seconds(scheduler.now), error)),
    )
    scheduler.start()
    ((when, error),) = errors
    assert when == 5.0
    assert isinstance(error, RequestTimeoutError)


def test_answered_requests_are_not_kept_until_the_shared_timer_fires() -> None:
    scheduler = TestScheduler()
    pending = PendingRequests(Wire().send)
    outcomes = Outcomes(scheduler)
    for number in range(1, 101):
        outcomes.start(pending, str(number))
        pending.resolve(_response(str(number)))
    outcomes.start(pending, "late")
    (deadlines,) = pending._deadlines.values()
    assert len(deadlines._entries) == 1  # the one in flight, not the 100 answered
    scheduler.start()
    assert outcomes.ended[-1] == ("late", 10.0, "RequestTimeoutError")

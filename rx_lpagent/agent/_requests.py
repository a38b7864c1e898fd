"""Request/response correlation over one messaging socket.

Every request ends: in its response, in a :class:`RequestFailedError` (code >= 400), in a
:class:`RequestTimeoutError`, or in the error the socket closed with. Ids are unique per socket
(a new :class:`PendingRequests` is made for each socket). Timeouts run on the scheduler, so they
are tested in virtual time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import reactivex
from reactivex import abc
from reactivex.disposable import Disposable
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rx_lpagent._isolation import OnRaise, log_raise
from rx_lpagent.config import positive_seconds
from rx_lpagent.errors import (
    ConfigurationError,
    NotConnectedError,
    RequestFailedError,
    RequestTimeoutError,
    SDKError,
    Service,
)
from rx_lpagent.protocol.frames import Response, decode_body, encode_request

__all__ = [
    "Cancel",
    "PendingRequests",
    "Timers",
    "loop_timers",
    "not_connected",
    "scheduler_timers",
    "timers_for",
]

_Waiter = tuple[Callable[[Response], None], Callable[[SDKError], None]]

Cancel = Callable[[], None]
Timers = Callable[[float, Callable[[], None]], Cancel]
"""Start a one-shot timer: ``timers(delay, fire)`` returns what cancels it."""


def _nothing() -> None:
    pass


def scheduler_timers(scheduler: abc.SchedulerBase) -> Timers:
    """Timers on an Rx scheduler (virtual time in tests)."""

    def start(delay: float, fire: Callable[[], None]) -> Cancel:
        return scheduler.schedule_relative(delay, lambda *_: fire()).dispose

    return start


def loop_timers(loop: asyncio.AbstractEventLoop) -> Timers:
    """Timers straight on an asyncio loop: what every request pays, so the cheapest kind."""

    def start(delay: float, fire: Callable[[], None]) -> Cancel:
        return loop.call_later(delay, fire).cancel

    return start


def timers_for(scheduler: abc.SchedulerBase) -> Timers:
    """The cheapest timers that keep ``scheduler``'s time: the running loop's own for an
    :class:`AsyncIOScheduler` (no Rx objects per timer), the scheduler's otherwise (virtual
    time in tests)."""
    if isinstance(scheduler, AsyncIOScheduler):
        try:
            return loop_timers(asyncio.get_running_loop())
        except RuntimeError:  # called from outside the loop
            pass
    return scheduler_timers(scheduler)


class PendingRequests:
    """The requests in flight on one socket, by id."""

    def __init__(
        self, send: Callable[[bytes], None], *, prefix: str = "", on_raise: OnRaise = log_raise
    ) -> None:
        """``on_raise`` hears of a request's callback that raised (the others still run)."""
        self._send = send
        self._on_raise = on_raise
        self._ids = itertools.count(1)
        self._prefix = prefix
        self._waiters: dict[str, _Waiter] = {}
        self._closed_with: SDKError | None = None

    def __len__(self) -> int:
        return len(self._waiters)

    def resolve(self, response: Response) -> bool:
        """Hand ``response`` to its request; False if nobody waits for that id (late or unknown)."""
        waiter = self._waiters.pop(response.reqId, None)
        if waiter is None:
            return False
        try:
            waiter[0](response)
        except Exception as error:
            self._on_raise(f"the {response.type or 'request'} response", error)
        return True

    def fail_all(self, error: SDKError) -> None:
        """Fail every pending request with ``error`` and refuse new ones with it."""
        self._closed_with = error
        waiters, self._waiters = self._waiters, {}
        while waiters:  # one by one: failing one may cancel another
            _, on_error = waiters.pop(next(iter(waiters)))
            try:
                on_error(error)
            except Exception as raised:
                self._on_raise("a failed request", raised)

    def start(
        self,
        type_: str,
        body: object,
        *,
        timeout: float,
        timers: Timers,
        on_response: Callable[[Response], None],
        on_error: Callable[[SDKError], None],
        headers: object = None,
        metadata: object = None,
    ) -> Cancel:
        """Send a request now; later exactly one of ``on_response`` (code < 400) or ``on_error``
        is called, unless the returned function cancels it first. No Rx on this path: it is
        what every request pays."""
        if not positive_seconds(timeout):
            self._call(
                on_error,
                ConfigurationError(
                    f"{type_}: timeout must be a finite positive number of seconds, got {timeout!r}"
                ),
            )
            return _nothing
        if self._closed_with is not None:
            self._call(on_error, self._closed_with)
            return _nothing
        request_id = f"{self._prefix}{next(self._ids)}"
        waiters = self._waiters

        def answered(response: Response) -> None:
            stop_timer()
            if response.ok:
                on_response(response)
            else:
                on_error(_failure(type_, response))

        def failed(error: SDKError) -> None:
            stop_timer()
            on_error(error)

        def timed_out() -> None:
            if waiters.pop(request_id, None) is not None:
                self._call(
                    on_error,
                    RequestTimeoutError(
                        f"Request has timed out: {type_} after {timeout:g} s", timeout=timeout
                    ),
                )

        def cancel() -> None:
            if waiters.pop(request_id, None) is not None:
                stop_timer()

        waiters[request_id] = (answered, failed)
        stop_timer = timers(timeout, timed_out)
        try:
            self._send(encode_request(request_id, type_, body, headers=headers, metadata=metadata))
        except SDKError as exc:
            cancel()
            self._call(on_error, exc)
        except (TypeError, ValueError, RecursionError) as exc:
            cancel()
            self._call(
                on_error,
                SDKError(f"cannot encode {type_} request: {exc}", None, Service.MESSAGING, exc),
            )
        return cancel

    def _call(self, on_error: Callable[[SDKError], None], error: SDKError) -> None:
        try:
            on_error(error)
        except Exception as raised:
            self._on_raise("a failed request", raised)

    def request(
        self,
        type_: str,
        body: object,
        *,
        timeout: float,
        scheduler: abc.SchedulerBase,
        headers: object = None,
        metadata: object = None,
    ) -> reactivex.Observable[Response]:
        """A cold observable: each subscription sends the request once and emits its response."""

        def subscribe(
            observer: abc.ObserverBase[Response], _: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            def on_response(response: Response) -> None:
                observer.on_next(response)
                observer.on_completed()

            cancel = self.start(
                type_,
                body,
                timeout=timeout,
                timers=scheduler_timers(scheduler),
                on_response=on_response,
                on_error=observer.on_error,
                headers=headers,
                metadata=metadata,
            )
            return Disposable(cancel)

        return reactivex.create(subscribe)


def not_connected() -> PendingRequests:
    """A channel that fails every request with :class:`NotConnectedError`."""

    def refuse(_: bytes) -> None:
        raise NotConnectedError()

    channel = PendingRequests(refuse)
    channel.fail_all(NotConnectedError())
    return channel


def _failure(type_: str, response: Response) -> RequestFailedError:
    body = decode_body(response.body, object)
    reason = body if isinstance(body, str) else ""
    message = f"{type_} failed with code {response.code}" + (f": {reason}" if reason else "")
    retry_after = 1.0 if response.code == 429 else None
    return RequestFailedError(
        message,
        response.code,
        body=None if isinstance(body, SDKError) else body,
        request_type=type_,
        retry_after=retry_after,
    )

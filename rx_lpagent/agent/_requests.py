"""Request/response correlation over one messaging socket.

Every request ends: in its response, in a :class:`RequestFailedError` (code >= 400), in a
:class:`RequestTimeoutError`, or in the error the socket closed with. Ids are unique per socket
(a new :class:`PendingRequests` is made for each socket). Timeouts run on the scheduler, so they
are tested in virtual time; requests that share a clock and a timeout share one timer (a
deadline sweep), so a request costs no timer of its own. A request is kept as an
:class:`Entry`: an awaited typed request is its own entry and answer (one object per request
with its future, see agent/_calls.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import reactivex
from reactivex import abc
from reactivex.disposable import Disposable

from rx_lpagent._isolation import OnRaise, log_raise
from rx_lpagent.agent._deadlines import Deadlines
from rx_lpagent.agent._timers import Cancel, ClockTimers, Timers, timers_for
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

__all__ = ["ENTRY_SLOTS", "Answer", "Entry", "PendingRequests", "Request", "not_connected"]


def _nothing() -> None:
    pass


class Answer(Protocol):
    """Where a request's outcome goes: one object per request, not two callbacks."""

    def on_response(self, response: Response, /) -> None: ...

    def on_error(self, error: SDKError, /) -> None: ...


class _Callbacks:
    __slots__ = ("on_error", "on_response")

    def __init__(
        self, on_response: Callable[[Response], None], on_error: Callable[[SDKError], None]
    ) -> None:
        self.on_response = on_response
        self.on_error = on_error


class _Answered:
    """A finished request's answer: lets go of the caller's objects."""

    __slots__ = ()

    def on_response(self, response: Response, /) -> None:
        pass

    def on_error(self, error: SDKError, /) -> None:
        pass


_ANSWERED = _Answered()


class Entry:
    """A request in flight, as :class:`PendingRequests` keeps it: all it needs in one object
    (no closures per request). The slots are its subclasses' (:class:`Request`, or an object
    that is its own answer: one object per request instead of two); :meth:`PendingRequests.enter`
    fills them."""

    if not TYPE_CHECKING:  # mypy would hold the attributes below to these empty slots
        __slots__ = ()

    answer: Answer
    deadline: float
    """On the clock of its timers, when they can tell the time."""
    id: str
    owner: PendingRequests
    pending: bool
    queue: Deadlines | None
    stop_timer: Cancel | None
    """Only with timers that cannot tell the time."""
    type: str

    def finish(self) -> None:
        """No longer pending: its timer stops and it lets go of its answer (take it first)."""
        self.pending = False
        self.answer = _ANSWERED
        if self.stop_timer is not None:
            self.stop_timer()
        elif self.queue is not None:
            self.queue.trim()

    def withdraw(self) -> None:
        """End it unanswered (nothing happens if it already ended, or never started)."""
        if self.pending:
            del self.owner._waiters[self.id]
            self.finish()


ENTRY_SLOTS = ("answer", "deadline", "id", "owner", "pending", "queue", "stop_timer", "type")
"""The slots a subclass of :class:`Entry` declares."""


class Request(Entry):
    """A request whose answer is another object (callbacks, a flight)."""

    __slots__ = ENTRY_SLOTS


class PendingRequests:
    """The requests in flight on one socket, by id."""

    def __init__(
        self, send: Callable[[bytes], None], *, prefix: str = "", on_raise: OnRaise = log_raise
    ) -> None:
        """``on_raise`` hears of a request's callback that raised (the others still run)."""
        self._send = send
        self._on_raise = on_raise
        numbers = map(str, itertools.count(1))
        self._ids = map(prefix.__add__, numbers) if prefix else numbers
        self._waiters: dict[str, Entry] = {}
        self._deadlines: dict[tuple[object, float], Deadlines] = {}
        self._last_deadlines: Deadlines | None = None
        """The deadline queue the last request joined: the next one almost always joins it
        too (same clock, same timeout), without a key tuple and a dict look-up."""
        self.default_timers: Timers | None = None
        """The timers of the requests given no scheduler, once the host found them: they are
        the same for every request on one socket, and every request would ask."""
        self._closed_with: SDKError | None = None
        self.detached = False
        """The stand-in of a life with no socket (:func:`not_connected`): refuses every
        request. A socket's own requests are never detached, not even once closed."""

    def __len__(self) -> int:
        return len(self._waiters)

    def resolve(self, response: Response) -> bool:
        """Hand ``response`` to its request; False if nobody waits for that id (late or unknown)."""
        request = self._waiters.pop(response.reqId, None)
        if request is None:
            return False
        answer = request.answer
        # request.finish(), inlined: every response runs it
        request.pending = False
        request.answer = _ANSWERED
        queue = request.queue
        if request.stop_timer is not None:
            request.stop_timer()
        elif queue is not None:
            queue.trim()
        try:
            if response.code < 400:
                answer.on_response(response)
            else:
                answer.on_error(_failure(request.type, response))
        except Exception as error:
            self._on_raise(f"the {response.type or 'request'} response", error)
        return True

    def fail_all(self, error: SDKError) -> None:
        """Fail every pending request with ``error`` and refuse new ones with it."""
        self._closed_with = error
        for deadlines in self._deadlines.values():
            deadlines.stop()
        self._deadlines.clear()
        self._last_deadlines = None
        waiters, self._waiters = self._waiters, {}
        while waiters:  # one by one: failing one may cancel another
            request = waiters.pop(next(iter(waiters)))
            answer = request.answer
            request.finish()
            self._call(answer, error)

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
        is called, unless the returned function cancels it first."""
        answer = _Callbacks(on_response, on_error)
        request = Request()
        sent = self.enter(
            request,
            type_,
            body,
            answer,
            timeout=timeout,
            timers=timers,
            headers=headers,
            metadata=metadata,
        )
        return request.withdraw if sent else _nothing

    def enter(
        self,
        request: Entry,
        type_: str,
        body: object,
        answer: Answer,
        *,
        timeout: float,
        timers: Timers,
        headers: object = None,
        metadata: object = None,
    ) -> bool:
        """Send a request kept as ``request`` (its slots filled here; ``answer`` may be
        ``request`` itself); False if it already ended (refused, or not sent), its answer told.
        What every request pays: no Rx, no closure, no object made but the frame's."""
        request.pending = False  # until it is in flight: withdraw() does nothing
        if not (type(timeout) is float and 0.0 < timeout < math.inf) and not positive_seconds(
            timeout
        ):  # the usual case tested first: positive_seconds costs ~4x as much
            self._call(
                answer,
                ConfigurationError(
                    f"{type_}: timeout must be a finite positive number of seconds, got {timeout!r}"
                ),
            )
            return False
        if self._closed_with is not None:
            self._call(answer, self._closed_with)
            return False
        request_id = next(self._ids)
        request.owner = self
        request.id = request_id
        request.type = type_
        request.answer = answer
        request.pending = True
        request.queue = None
        request.stop_timer = None
        self._waiters[request_id] = request
        deadlines = self._last_deadlines
        if deadlines is not None and deadlines.timers is timers and deadlines.timeout == timeout:
            deadlines.add(request)
        elif isinstance(timers, ClockTimers):
            key = (timers.clock, timeout)
            deadlines = self._deadlines.get(key)
            if deadlines is None:
                deadlines = self._deadlines[key] = Deadlines(timers, timeout, self._time_out)
            self._last_deadlines = deadlines
            deadlines.add(request)
        else:
            request.deadline = 0.0
            request.stop_timer = timers(timeout, lambda: self._time_out(request, timeout))
        try:
            self._send(encode_request(request_id, type_, body, headers=headers, metadata=metadata))
        except SDKError as exc:
            request.withdraw()
            self._call(answer, exc)
            return False
        except (TypeError, ValueError, RecursionError) as exc:
            request.withdraw()
            self._call(
                answer,
                SDKError(f"cannot encode {type_} request: {exc}", None, Service.MESSAGING, exc),
            )
            return False
        return True

    def _time_out(self, request: Entry, timeout: float) -> None:
        if self._waiters.pop(request.id, None) is not None:
            answer = request.answer
            request.finish()
            self._call(
                answer,
                RequestTimeoutError(
                    f"Request has timed out: {request.type} after {timeout:g} s", timeout=timeout
                ),
            )

    def _call(self, answer: Answer, error: SDKError) -> None:
        try:
            answer.on_error(error)
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
                timers=timers_for(scheduler),
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
    channel.detached = True
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

"""Request/response correlation over one messaging socket.

Every request ends: in its response, in a :class:`RequestFailedError` (code >= 400), in a
:class:`RequestTimeoutError`, or in the error the socket closed with. Ids are unique per socket
(a new :class:`PendingRequests` is made for each socket). Timeouts run on the scheduler, so they
are tested in virtual time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import reactivex
from reactivex import abc
from reactivex.disposable import CompositeDisposable, Disposable

from rx_lpagent.errors import (
    NotConnectedError,
    RequestFailedError,
    RequestTimeoutError,
    SDKError,
    Service,
)
from rx_lpagent.protocol.frames import Response, decode_body, encode_request

__all__ = ["PendingRequests", "not_connected"]

_Waiter = tuple[Callable[[Response], None], Callable[[SDKError], None]]


class PendingRequests:
    """The requests in flight on one socket, by id."""

    def __init__(self, send: Callable[[bytes], None], *, prefix: str = "") -> None:
        self._send = send
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
        waiter[0](response)
        return True

    def fail_all(self, error: SDKError) -> None:
        """Fail every pending request with ``error`` and refuse new ones with it."""
        self._closed_with = error
        waiters, self._waiters = self._waiters, {}
        for _, on_error in waiters.values():
            on_error(error)

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
            if self._closed_with is not None:
                observer.on_error(self._closed_with)
                return Disposable()
            request_id = f"{self._prefix}{next(self._ids)}"
            timer = CompositeDisposable()

            def forget() -> None:
                self._waiters.pop(request_id, None)
                timer.dispose()

            def on_response(response: Response) -> None:
                timer.dispose()
                if response.ok:
                    observer.on_next(response)
                    observer.on_completed()
                else:
                    observer.on_error(_failure(type_, response))

            def on_error(error: SDKError) -> None:
                timer.dispose()
                observer.on_error(error)

            def on_timeout(_: abc.SchedulerBase, __: Any = None) -> None:
                if self._waiters.pop(request_id, None) is not None:
                    observer.on_error(
                        RequestTimeoutError(
                            f"Request has timed out: {type_} after {timeout:g} s", timeout=timeout
                        )
                    )

            self._waiters[request_id] = (on_response, on_error)
            timer.add(scheduler.schedule_relative(timeout, on_timeout))
            try:
                self._send(
                    encode_request(request_id, type_, body, headers=headers, metadata=metadata)
                )
            except SDKError as exc:
                forget()
                observer.on_error(exc)
            except (TypeError, ValueError) as exc:
                forget()
                observer.on_error(
                    SDKError(f"cannot encode {type_} request: {exc}", None, Service.MESSAGING, exc)
                )
            return Disposable(forget)

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

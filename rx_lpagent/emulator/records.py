"""Every call the clients made to the emulator, recorded for assertions.

HTTP calls are recorded under their endpoint name (``csds``, ``login``, ``refresh``, ``logout``,
``ws`` for the socket handshake, ``swift`` for file transfers); messaging requests under their
wire type (``.GetClock``, ...); a socket that closed under ``ws.close`` with the close code.
Secrets never enter a record: bodies are copied with secret values replaced by ``***`` and the
bearer is cut out of paths.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from rx_lpagent.errors import redact

__all__ = ["Call", "CallLog", "redact_body"]

_SECRET_KEYS = frozenset(
    {
        "password",
        "secret",
        "appkey",
        "accesstoken",
        "accesstokensecret",
        "assertion",
        "csrf",
        "bearer",
        "token",
        "session_id",
        "cookie",
    }
)


def redact_body(value: Any) -> Any:
    """A copy of a JSON value with the values of secret keys replaced by ``***``."""
    if isinstance(value, dict):
        return {
            key: "***" if key.lower() in _SECRET_KEYS else redact_body(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_body(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Call:
    """One call a client made.

    ``status`` is the HTTP status answered (101 for an accepted socket handshake); ``code`` is the
    response code of a messaging request, or the close code of a ``ws.close`` record. ``fault``
    names the fault that shaped the answer, if any.
    """

    endpoint: str
    status: int | None = None
    code: int | None = None
    time: float = field(default_factory=time.time)
    account: str | None = None
    method: str | None = None
    path: str | None = None
    request_id: str | None = None
    body: Any = None
    fault: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "status": self.status,
            "code": self.code,
            "time": self.time,
            "account": self.account,
            "method": self.method,
            "path": self.path,
            "requestId": self.request_id,
            "body": self.body,
            "fault": self.fault,
        }


class CallLog:
    """The recorded calls, oldest first (the newest ``limit`` of them, so a long-running
    emulator does not grow without bound). Iterable, sized, and awaitable per endpoint."""

    def __init__(self, limit: int = 100_000) -> None:
        self._calls: deque[Call] = deque(maxlen=limit)
        self._changed = asyncio.Event()

    def record(self, call: Call) -> Call:
        if call.path is not None:
            call = replace(call, path=redact(call.path))
        self._calls.append(call)
        self._changed.set()
        return call

    def __iter__(self) -> Iterator[Call]:
        return iter(list(self._calls))

    def __len__(self) -> int:
        return len(self._calls)

    def __getitem__(self, index: int) -> Call:
        return self._calls[index]

    def of(self, endpoint: str) -> list[Call]:
        """The calls to ``endpoint`` (an endpoint name or a request type)."""
        return [call for call in self._calls if call.endpoint == endpoint]

    def count(self, endpoint: str) -> int:
        return sum(1 for call in self._calls if call.endpoint == endpoint)

    def endpoints(self) -> list[str]:
        """The endpoint of every call, in order (handy in assertions)."""
        return [call.endpoint for call in self._calls]

    def last(self, endpoint: str | None = None) -> Call:
        """The latest call (to ``endpoint`` if given); IndexError if there is none."""
        calls = list(self._calls) if endpoint is None else self.of(endpoint)
        return calls[-1]

    def clear(self) -> None:
        self._calls.clear()

    async def wait_for(self, endpoint: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Wait (at most ``within`` seconds) until ``count`` calls to ``endpoint`` were
        recorded; return them."""
        async with asyncio.timeout(within):
            while self.count(endpoint) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.of(endpoint)

    def as_list(self) -> list[dict[str, Any]]:
        return [call.as_dict() for call in self._calls]

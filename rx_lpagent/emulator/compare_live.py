"""A compare's live socket: what the emulator sent on it, kept until the compare claims it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

import aiohttp

__all__ = ["LiveSocket", "request_key"]


def request_key(request_id: Any) -> str:
    """A request id as a dict key, whatever JSON type it has."""
    return json.dumps(request_id)


class LiveSocket:
    """Answers by request id, notifications by type, and the close, as the emulator sent them."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._answers: dict[str, dict[str, Any]] = {}
        self._types: dict[str, str] = {}
        self._notifications: dict[str, deque[dict[str, Any]]] = {}
        self._gave_up: set[str] = set()
        self._changed = asyncio.Event()
        self._close_code: int | None = None
        self._ended = False
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                with contextlib.suppress(ValueError):
                    self._keep(json.loads(message.data))
                self._changed.set()
        finally:
            self._close_code = self.ws.close_code or 1006
            self._ended = True
            self._changed.set()

    def _keep(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        if "reqId" in data:
            self._answers[request_key(data["reqId"])] = data
        elif data.get("kind") == "notification" and isinstance(data.get("type"), str):
            self._notifications.setdefault(data["type"], deque()).append(data)

    async def send(self, text: str, request: tuple[str, str] | None = None) -> None:
        """Send ``text``; ``request`` is its (request key, type) when it is a request."""
        if request is not None:
            self._types[request[0]] = request[1]
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(text)

    def type_of(self, key: str) -> str:
        return self._types.get(key, "request")

    async def _until(self, ready: Callable[[], bool], wait: float) -> bool:
        deadline = asyncio.get_running_loop().time() + wait
        while not ready():
            if self._ended:
                return ready()
            self._changed.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True

    async def answer(self, key: str, wait: float) -> dict[str, Any] | None:
        """The answer to request ``key`` (None if none came within ``wait`` seconds)."""
        if await self._until(lambda: key in self._answers, wait):
            return self._answers.pop(key)
        return None

    async def notification(self, type_: str, wait: float) -> dict[str, Any] | None:
        """The next unclaimed notification of ``type_``; a type that once failed to come in
        time is not waited for again."""
        waiting = 0.0 if type_ in self._gave_up else wait
        if await self._until(lambda: bool(self._notifications.get(type_)), waiting):
            return self._notifications[type_].popleft()
        self._gave_up.add(type_)
        return None

    async def closed(self, wait: float) -> int | None:
        """The close code, once the emulator has closed (None: still open after ``wait``)."""
        if await self._until(lambda: self._ended, wait):
            return self._close_code
        return None

    def unclaimed(self) -> Counter[str]:
        """How many notifications of each type nobody claimed."""
        return Counter({type_: len(left) for type_, left in self._notifications.items() if left})

    async def close(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

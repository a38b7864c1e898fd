"""A bare aiohttp client for the emulator tests: login, a socket with request/response
correlation and a notification queue."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from rx_lpagent.emulator import Emulator
from tests.emulator.node_sdk import require_node_sdk

WAIT = 5.0


class Socket:
    """One messaging socket: ``await request(type, body)`` returns the response frame."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.notifications: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.other: asyncio.Queue[str] = asyncio.Queue()
        self.closed = asyncio.get_running_loop().create_future()
        self._ids = itertools.count(1)
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(message.data)
            except ValueError:
                self.other.put_nowait(message.data)
                continue
            if frame.get("kind") == "resp" and frame.get("reqId") in self.pending:
                self.pending.pop(frame["reqId"]).set_result(frame)
            elif frame.get("kind") == "notification":
                self.notifications.put_nowait(frame)
            else:
                self.other.put_nowait(message.data)
        if not self.closed.done():
            self.closed.set_result(self.ws.close_code)

    async def send(
        self, type_: str, body: Any = None, request_id: str | None = None, metadata: Any = None
    ) -> str:
        request_id = request_id or str(next(self._ids))
        self.pending[request_id] = asyncio.get_running_loop().create_future()
        frame = {
            "kind": "req",
            "id": request_id,
            "type": type_,
            "body": {} if body is None else body,
        }
        if metadata is not None:
            frame["metadata"] = metadata
        await self.ws.send_str(json.dumps(frame))
        return request_id

    async def request(
        self, type_: str, body: Any = None, request_id: str | None = None, metadata: Any = None
    ) -> dict[str, Any]:
        """``metadata`` goes on the request frame, next to ``body``."""
        request_id = await self.send(type_, body, request_id, metadata)
        return await asyncio.wait_for(self.pending[request_id], WAIT)

    async def notification(self, type_: str | None = None) -> dict[str, Any]:
        """The next notification (of ``type_``: others before it are dropped)."""
        while True:
            frame = await asyncio.wait_for(self.notifications.get(), WAIT)
            if type_ is None or frame["type"] == type_:
                return frame

    async def wait_closed(self) -> int | None:
        return await asyncio.wait_for(asyncio.shield(self.closed), WAIT)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class Client:
    """REST calls and sockets against one emulator."""

    def __init__(self, emu: Emulator, http: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.http = http
        self.sockets: list[Socket] = []
        self.ssl: Any = emu.client_ssl_context() if emu.tls else True

    def url(self, path: str) -> str:
        return f"{self.emu.base_url}{path}"

    async def login(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        body = body or {"username": self.emu.username, "password": self.emu.password}
        async with self.http.post(
            self.url(f"/api/account/{self.emu.account}/login?v=1.3"), json=body, ssl=self.ssl
        ) as response:
            assert response.status == 200, await response.text()
            data: dict[str, Any] = await response.json()
            return data

    async def connect(self, bearer: str | None = None, version: str = "2.1") -> Socket:
        if bearer is None:
            bearer = (await self.login())["bearer"]
        scheme = "wss" if self.emu.tls else "ws"
        ws = await self.http.ws_connect(
            f"{scheme}://127.0.0.1:{self.emu.port}/ws_api/account/{self.emu.account}"
            f"/messaging/brand/{bearer}?v={version}",
            ssl=self.ssl,
            autoping=True,
        )
        socket = Socket(ws)
        self.sockets.append(socket)
        return socket

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.close()


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def client(emu: Emulator) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        each = Client(emu, http)
        try:
            yield each
        finally:
            await each.close()


@pytest.fixture(scope="session")
def node_executable() -> str:
    """The node binary, with the official node-agent-sdk installed (skips without node/npm)."""
    return require_node_sdk()

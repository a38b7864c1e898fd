"""Who ended the connection: a protocol error the client's library finds is a close of its own
(``closed_locally``), whose code must not be read as LivePerson's. A raw server on 127.0.0.1
sends what no WebSocket server library would: a frame with a reserved bit set."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from rx_lpagent.transport import (
    AiohttpSocketTransport,
    IncomingMessage,
    SocketTransport,
    WebsocketsSocketTransport,
)
from rx_lpagent.transport.live import LiveLink

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_BAD_FRAME = b"\xc1\x01a"  # FIN + RSV1 (no extension negotiated) + text, 1 byte, unmasked


async def _serve_one_bad_frame(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request = await reader.readuntil(b"\r\n\r\n")
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())  # RFC 6455 says SHA-1
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + _BAD_FRAME
    )
    await writer.drain()
    try:
        await asyncio.wait_for(reader.read(64), 2.0)  # the client's close frame...
        writer.write(b"\x88\x02\x03\xea")  # ...answered as a server does: close, 1002
        await writer.drain()
    finally:
        writer.close()


@pytest_asyncio.fixture
async def bad_server() -> AsyncIterator[str]:
    server = await asyncio.start_server(_serve_one_bad_frame, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"ws://127.0.0.1:{port}/ws_api/account/1/messaging/brand/b?v=2.1"


@pytest_asyncio.fixture(params=["aiohttp", "websockets"])
async def quick_transport(request: pytest.FixtureRequest) -> AsyncIterator[SocketTransport]:
    if request.param == "websockets":
        yield WebsocketsSocketTransport(close_timeout=0.5)
        return
    async with aiohttp.ClientSession() as session:
        yield AiohttpSocketTransport(session, close_timeout=0.5)


@pytest.mark.asyncio
async def test_a_protocol_error_is_a_close_of_our_own(
    bad_server: str, quick_transport: SocketTransport
) -> None:
    connection = await quick_transport.connect(bad_server, timeout=5.0)
    received: list[IncomingMessage] = []
    await asyncio.wait_for(connection.run(received.append), 5.0)
    assert received == []
    assert connection.close_code == 1002
    assert connection.closed_locally


@pytest.mark.asyncio
async def test_the_live_link_tells_the_agent_who_closed(
    bad_server: str, quick_transport: SocketTransport
) -> None:
    connection = await quick_transport.connect(bad_server, timeout=5.0)
    told: asyncio.Future[tuple[int | None, bool]] = asyncio.get_running_loop().create_future()

    def on_close(code: int | None, reason: str, /, *, by_peer: bool = True) -> None:
        told.set_result((code, by_peer))

    LiveLink(connection, lambda _: None, on_close)
    assert await asyncio.wait_for(told, 5.0) == (1002, False)

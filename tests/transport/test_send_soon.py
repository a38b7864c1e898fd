"""send_soon on both socket implementations: frames queued in one loop turn leave in order, also
when they fill the socket's buffer; websockets writes the turn's first frame at once and the rest
in one socket write (seen through a TCP relay)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from rx_lpagent.errors import NotConnectedError
from rx_lpagent.transport import (
    SocketTransport,
    WebsocketsSocketTransport,
    messaging_url,
)
from rx_lpagent.transport.websockets_socket import _MAX_HELD_FRAMES
from tests.transport.conftest import ACCOUNT, FakeLivePerson, Reader
from tests.transport.raw_peer import local_server

pytestmark = pytest.mark.asyncio


class Relay:
    """A TCP relay to ``host``; records each chunk it reads from the client."""

    def __init__(self) -> None:
        self.from_client: list[bytes] = []
        self.port = 0

    @contextlib.asynccontextmanager
    async def to(self, host: str) -> AsyncIterator[Relay]:
        address, port = host.rsplit(":", 1)

        async def pipe(
            reader: asyncio.StreamReader, writer: asyncio.StreamWriter, chunks: list[bytes] | None
        ) -> None:
            with contextlib.suppress(OSError):
                while chunk := await reader.read(1 << 16):
                    if chunks is not None:
                        chunks.append(chunk)
                    writer.write(chunk)
                    await writer.drain()
            writer.close()

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            upstream_reader, upstream_writer = await asyncio.open_connection(address, int(port))
            for task in (
                pipe(reader, upstream_writer, self.from_client),
                pipe(upstream_reader, writer, None),
            ):
                tasks.add(asyncio.ensure_future(task))  # stopped with the server

        async with local_server(accept) as (self.port, tasks):
            yield self


async def test_frames_queued_in_one_turn_arrive_in_order(
    fake_lp: FakeLivePerson, socket_transport: SocketTransport
) -> None:
    url = messaging_url(fake_lp.host, ACCOUNT, fake_lp.bearer, "2.1", secure=False)
    connection = await socket_transport.connect(url, timeout=5.0)
    reader = Reader(connection)
    frames = [f'{{"n":{n}}}' for n in range(20)]
    for frame in frames:
        connection.send_soon(frame.encode())
    assert await reader.wait_for(20) == frames
    await connection.close()
    await reader.task
    with pytest.raises(NotConnectedError):
        connection.send_soon(b"late")


async def test_websockets_writes_the_frames_of_one_turn_at_once(fake_lp: FakeLivePerson) -> None:
    async with Relay().to(fake_lp.host) as relay:
        url = messaging_url(f"127.0.0.1:{relay.port}", ACCOUNT, fake_lp.bearer, "2.1", secure=False)
        connection = await WebsocketsSocketTransport(close_timeout=0.2).connect(url, timeout=5.0)
        reader = Reader(connection)
        handshake = len(relay.from_client)
        for n in range(20):
            connection.send_soon(f'{{"n":{n}}}'.encode())
        await reader.wait_for(20)
        # the first frame at once, the other 19 in one write (the relay may read both as one)
        assert len(relay.from_client) - handshake in (1, 2)
        await connection.close()
        await reader.task


async def test_frames_that_fill_the_socket_buffer_arrive_in_order(
    fake_lp: FakeLivePerson, socket_transport: SocketTransport
) -> None:
    """More than the socket's buffer takes in one turn: on aiohttp a write then has to wait for
    the buffer to drain (the writer task finishes it), and the frames after it wait for it."""
    url = messaging_url(fake_lp.host, ACCOUNT, fake_lp.bearer, "2.1", secure=False)
    connection = await socket_transport.connect(url, timeout=5.0)
    reader = Reader(connection)
    padding = "x" * (1 << 16)
    frames = [f'{{"n":{n},"pad":"{padding}"}}' for n in range(64)]
    for frame in frames:
        connection.send_soon(frame.encode())
    await asyncio.sleep(0)
    connection.send_soon(b'{"n":"after a turn"}')
    assert await reader.wait_for(65) == [*frames, '{"n":"after a turn"}']
    await connection.close()
    await reader.task


async def test_websockets_writes_a_long_turn_in_bounded_batches(fake_lp: FakeLivePerson) -> None:
    """A turn that sends many frames does not hold them all to its end: at most
    ``_MAX_HELD_FRAMES`` wait, so the server works on the first ones meanwhile."""
    async with Relay().to(fake_lp.host) as relay:
        url = messaging_url(f"127.0.0.1:{relay.port}", ACCOUNT, fake_lp.bearer, "2.1", secure=False)
        connection = await WebsocketsSocketTransport(close_timeout=0.2).connect(url, timeout=5.0)
        reader = Reader(connection)
        handshake = len(relay.from_client)
        count = 1 + 3 * _MAX_HELD_FRAMES
        frames = [f'{{"n":{n}}}' for n in range(count)]
        for frame in frames:
            connection.send_soon(frame.encode())
        assert await reader.wait_for(count) == frames
        # the first at once, then three full batches (the relay may read several as one)
        assert 1 <= len(relay.from_client) - handshake <= 4
        await connection.close()
        await reader.task


async def test_websockets_keeps_order_whether_or_not_a_reply_came_between_turns(
    fake_lp: FakeLivePerson,
) -> None:
    """The end of a turn is scheduled only once a second frame waits, and a reply starts a new
    turn: lone frames after replies, lone frames in turns with no reply between (the turn still
    counted as started: the frame waits for its end) and bursts all leave in order, each burst
    in at most two writes."""
    async with Relay().to(fake_lp.host) as relay:
        url = messaging_url(f"127.0.0.1:{relay.port}", ACCOUNT, fake_lp.bearer, "2.1", secure=False)
        connection = await WebsocketsSocketTransport(close_timeout=0.2).connect(url, timeout=5.0)
        reader = Reader(connection)
        sent: list[str] = []

        def send(*texts: str) -> None:
            for text in texts:
                connection.send_soon(f'{{"n":"{text}"}}'.encode())
                sent.append(f'{{"n":"{text}"}}')

        for n in range(3):  # a sequential caller: each frame after the reply to the one before
            send(f"lone {n}")
            await reader.wait_for(len(sent))
        send("no reply yet")
        await asyncio.sleep(0)
        send("next turn")  # nothing arrived since the last frame: held to this turn's end
        assert await reader.wait_for(len(sent)) == sent
        before = len(relay.from_client)  # the relay has read every frame the echoes answer
        send(*(f"burst {n}" for n in range(10)))
        assert await reader.wait_for(len(sent)) == sent
        assert len(relay.from_client) - before <= 2
        send("after the burst")
        assert await reader.wait_for(len(sent)) == sent
        await connection.close()
        await reader.task

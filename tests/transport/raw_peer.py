"""A WebSocket server on 127.0.0.1 that sends hand-made bytes.

websockets' Sans-I/O server protocol does the handshake and reads what the client sends (its
pongs and close frames, unmasked); what the server sends after its 101 answer is raw bytes, as
the test writes them, so it can send what no library would (masked frames, RSV bits, frames in
the handshake's own chunk).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from websockets.frames import Frame
from websockets.http11 import Request
from websockets.server import ServerProtocol

_TIMEOUT = 5.0


@dataclass
class RawPeer:
    """The server side of one connection."""

    port: int
    with_handshake: bytes = b""
    """Bytes written in the same write as the 101 answer."""
    answer: bool = True
    """Whether websockets' server protocol answers on its own (pongs, the close echo)."""
    from_client: asyncio.Queue[tuple[str, bytes]] = field(default_factory=asyncio.Queue)
    _writer: asyncio.Future[asyncio.StreamWriter] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws_api/account/1/messaging/brand/b?v=2.1"

    async def send(self, *writes: bytes) -> None:
        """Each of ``writes`` in a socket write of its own, a moment apart, so that they
        usually reach the client as separate chunks."""
        async with asyncio.timeout(_TIMEOUT):
            writer = await self._writer
        for index, data in enumerate(writes):
            if index:
                await asyncio.sleep(0.01)
            writer.write(data)
            await writer.drain()

    async def end(self) -> None:
        """Close the TCP connection, without a close frame."""
        async with asyncio.timeout(_TIMEOUT):
            writer = await self._writer
        writer.close()

    async def next_from_client(self) -> tuple[str, bytes]:
        """The next frame the client sent, as ``(opcode name, payload)``."""
        async with asyncio.timeout(_TIMEOUT):
            return await self.from_client.get()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        protocol = ServerProtocol(max_size=None)
        try:
            while not (events := protocol.events_received()):
                if not (data := await reader.read(65536)):
                    return
                protocol.receive_data(data)
            (request,) = events
            assert isinstance(request, Request)
            protocol.send_response(protocol.accept(request))
            writer.write(b"".join(protocol.data_to_send()) + self.with_handshake)
            self._writer.set_result(writer)
            while data := await reader.read(65536):
                protocol.receive_data(data)
                for event in protocol.events_received():
                    assert isinstance(event, Frame)
                    self.from_client.put_nowait((event.opcode.name, bytes(event.data)))
                outgoing = protocol.data_to_send()
                if self.answer:
                    writer.writelines(outgoing)
                    if b"" in outgoing:  # websockets ends the TCP connection here
                        return
        finally:
            writer.close()


Accept = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def local_server(
    accept: Accept,
) -> AsyncIterator[tuple[int, set[asyncio.Task[None]]]]:
    """A TCP server on 127.0.0.1 calling ``accept`` per connection: its port, and a set of
    tasks (``accept``'s own and any it adds) cancelled and awaited when it stops."""
    tasks: set[asyncio.Task[None]] = set()

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        await accept(reader, writer)

    server = await asyncio.start_server(accepted, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], tasks
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


@contextlib.asynccontextmanager
async def raw_peer(with_handshake: bytes = b"", *, answer: bool = True) -> AsyncIterator[RawPeer]:
    """A server for one connection; ``with_handshake`` leaves in the 101 answer's write."""
    peer: RawPeer | None = None

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert peer is not None
        await peer.serve(reader, writer)

    async with local_server(serve) as (port, _):
        peer = RawPeer(port, with_handshake, answer)
        yield peer

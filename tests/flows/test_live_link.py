"""LiveLink queues each send on its connection: the frames of one loop turn leave together, in
order, after the turn; a write that fails is only logged; close ends the writer."""

from __future__ import annotations

import asyncio

import pytest

from rx_lpagent.errors import NotConnectedError
from rx_lpagent.transport.live import LiveLink
from rx_lpagent.transport.socket import IncomingMessage, MessageHandler, SocketConnection

pytestmark = pytest.mark.asyncio


class FakeConnection(SocketConnection):
    """Records writes (the base class's writer task, one frame at a time); ``gate`` makes each
    write wait on a future the test controls."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.done: list[bytes] = []
        self.gate: asyncio.Future[None] | None = None
        self._stop = asyncio.get_running_loop().create_future()

    @property
    def closed(self) -> bool:
        return self._stop.done()

    async def _send(self, data: bytes) -> None:
        self.written.append(data)
        if self.gate is not None:
            await self.gate
        self.done.append(data)

    async def run(self, on_message: MessageHandler) -> None:
        await self._stop

    async def receive(self) -> IncomingMessage | None:
        return None

    async def ping(self) -> None:
        pass

    async def _close(self, code: int, reason: str) -> None:
        if not self._stop.done():
            self._stop.set_result(None)


def link_of(connection: FakeConnection) -> LiveLink:
    return LiveLink(connection, lambda _: None, _ignore_close)


async def turns(count: int = 3) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_frames_of_one_turn_leave_after_it_in_order() -> None:
    connection = FakeConnection()
    link = link_of(connection)
    link.send(b"1")
    link.send(b"2")
    assert connection.written == []  # never in the caller's turn: it may queue more
    await turns()
    assert connection.done == [b"1", b"2"]
    link.send(b"3")
    await turns()
    assert connection.done == [b"1", b"2", b"3"]
    await link.close()


async def test_a_write_that_suspends_holds_the_later_frames_in_order() -> None:
    connection = FakeConnection()
    connection.gate = asyncio.get_running_loop().create_future()
    link = link_of(connection)
    link.send(b"1")
    await turns()
    link.send(b"2")
    await turns()
    assert (connection.written, connection.done) == ([b"1"], [])
    connection.gate.set_result(None)
    await turns()
    assert connection.done == [b"1", b"2"]
    await link.close()


async def test_a_write_that_fails_is_only_logged() -> None:
    connection = FakeConnection()
    connection.gate = asyncio.get_running_loop().create_future()
    link = link_of(connection)
    link.send(b"1")
    await turns()
    connection.gate.set_exception(ConnectionResetError("gone"))
    await turns()
    connection.gate = None
    link.send(b"2")
    await turns()
    assert connection.done == [b"2"]
    await link.close()


async def test_close_cancels_a_suspended_write_and_later_sends_fail() -> None:
    connection = FakeConnection()
    connection.gate = asyncio.get_running_loop().create_future()
    link = link_of(connection)
    link.send(b"1")
    await turns()
    await link.close()
    assert connection.gate.cancelled()
    assert connection.done == []
    with pytest.raises(NotConnectedError):
        link.send(b"2")


def _ignore_close(code: int | None, reason: str, /, *, by_peer: bool = True) -> None:
    pass

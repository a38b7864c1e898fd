"""LiveLink starts each send in the caller's turn; a send that suspends finishes as a task."""

from __future__ import annotations

import asyncio

import pytest

from rx_lpagent.transport.live import LiveLink
from rx_lpagent.transport.socket import IncomingMessage, MessageHandler, SocketConnection

pytestmark = pytest.mark.asyncio


class FakeConnection(SocketConnection):
    """Records writes; ``suspend`` makes each send wait on a future the test controls."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.done: list[bytes] = []
        self.gate: asyncio.Future[None] | None = None
        self.bare_yield = False
        self._stop = asyncio.get_running_loop().create_future()

    @property
    def closed(self) -> bool:
        return self._stop.done()

    async def send(self, data: bytes) -> None:
        self.written.append(data)  # written before any suspension, as the real transports do
        if self.bare_yield:
            await asyncio.sleep(0)
        if self.gate is not None:
            await self.gate
        self.done.append(data)

    async def run(self, on_message: MessageHandler) -> None:
        await self._stop

    async def receive(self) -> IncomingMessage | None:
        return None

    async def ping(self) -> None:
        pass

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self._stop.done():
            self._stop.set_result(None)


def link_of(connection: FakeConnection) -> LiveLink:
    return LiveLink(connection, lambda _: None, _ignore_close)


async def test_a_send_that_does_not_suspend_completes_in_the_callers_turn() -> None:
    connection = FakeConnection()
    link = link_of(connection)
    link.send(b"1")
    assert connection.done == [b"1"]
    await link.close()


async def test_a_send_that_suspends_finishes_later_in_order() -> None:
    connection = FakeConnection()
    connection.gate = asyncio.get_running_loop().create_future()
    link = link_of(connection)
    link.send(b"1")
    link.send(b"2")
    assert connection.written == [b"1", b"2"]
    assert connection.done == []
    connection.gate.set_result(None)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert connection.done == [b"1", b"2"]
    connection.gate = None
    connection.bare_yield = True
    link.send(b"3")
    for _ in range(3):
        await asyncio.sleep(0)
    assert connection.done == [b"1", b"2", b"3"]
    await link.close()


async def test_a_suspended_send_that_fails_is_only_logged() -> None:
    connection = FakeConnection()
    connection.gate = asyncio.get_running_loop().create_future()
    link = link_of(connection)
    link.send(b"1")
    connection.gate.set_exception(ConnectionResetError("gone"))
    for _ in range(3):
        await asyncio.sleep(0)
    assert connection.done == []
    await link.close()


async def test_close_cancels_a_suspended_send() -> None:
    connection = FakeConnection()
    connection.gate = asyncio.get_running_loop().create_future()
    link = link_of(connection)
    link.send(b"1")
    await link.close()
    assert connection.gate.cancelled()
    assert connection.done == []


def _ignore_close(code: int | None, reason: str, /, *, by_peer: bool = True) -> None:
    pass

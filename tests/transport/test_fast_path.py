"""The websockets transport's frame fast path over real sockets: a server on 127.0.0.1 sends
hand-made bytes; messages, pongs and close codes are websockets' own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import AgentEvent, ErrorEvent
from rx_lpagent.transport import IncomingMessage, SocketConnection, WebsocketsSocketTransport
from rx_lpagent.transport.socket import MAX_MESSAGE_SIZE
from tests.agent.waiting import first, settled
from tests.transport.conftest import Reader
from tests.transport.raw_peer import RawPeer, raw_peer
from tests.transport.ws_bytes import BINARY, CONT, PING, RSV1, TEXT, close, frame, text

pytestmark = pytest.mark.asyncio

LONG = b"x" * 300
LONGER = b"y" * 70_000


async def _connect(peer: RawPeer) -> SocketConnection:
    return await WebsocketsSocketTransport(close_timeout=0.2).connect(peer.url, timeout=5.0)


@pytest_asyncio.fixture
async def peer() -> AsyncIterator[RawPeer]:
    async with raw_peer() as running:
        yield running


@pytest_asyncio.fixture
async def connection(peer: RawPeer) -> AsyncIterator[SocketConnection]:
    conn = await _connect(peer)
    yield conn
    await conn.close()


async def _closed(reader: Reader) -> None:
    async with asyncio.timeout(5):
        await reader.task


async def test_frames_in_the_handshake_chunk_and_cut_across_writes() -> None:
    stream = text("one") + text("two") + frame(TEXT, LONG) + frame(BINARY, LONGER) + text("end")
    async with raw_peer(with_handshake=stream[:8]) as peer:
        connection = await _connect(peer)
        reader = Reader(connection)
        await peer.send(stream[8:10], stream[10:312], stream[312:320], stream[320:])
        await reader.wait_for(5)
        assert reader.raw == [b"one", b"two", LONG, LONGER, b"end"]
        await connection.close()


async def test_many_frames_in_one_write(peer: RawPeer, connection: SocketConnection) -> None:
    reader = Reader(connection)
    messages = [f'{{"kind":"notification","n":{n}}}'.encode() for n in range(2_000)]
    await peer.send(b"".join(text(message) for message in messages))
    await reader.wait_for(2_000)
    assert reader.raw == messages


async def test_a_ping_between_data_frames_is_answered(
    peer: RawPeer, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    await peer.send(text("before") + frame(PING, b"p1") + text("after"))
    assert await peer.next_from_client() == ("PONG", b"p1")
    assert await reader.wait_for(2) == ["before", "after"]


async def test_a_fragmented_message_arrives_joined(
    peer: RawPeer, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    fragmented = frame(TEXT, b"he", fin=False) + frame(PING, b"p2") + frame(CONT, b"llo")
    await peer.send(fragmented[:3], fragmented[3:] + text("next"))
    assert await peer.next_from_client() == ("PONG", b"p2")
    assert await reader.wait_for(2) == ["hello", "next"]


async def test_a_close_between_data_frames_ends_with_its_code(
    peer: RawPeer, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    await peer.send(text("before") + close(4401, "token expired") + text("dropped"))
    await _closed(reader)
    assert reader.messages == ["before"]
    assert (connection.close_code, connection.close_reason) == (4401, "token expired")
    assert not connection.closed_locally
    assert await peer.next_from_client() == ("CLOSE", close(4401, "token expired")[2:])


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        pytest.param(frame(TEXT, b"secret", mask=b"abcd"), 1002, id="masked"),
        pytest.param(frame(TEXT, b"x", rsv=RSV1), 1002, id="RSV1"),
        pytest.param(frame(CONT, b"x"), 1002, id="lone continuation"),
        pytest.param(frame(TEXT, length=MAX_MESSAGE_SIZE + 1), 1009, id="oversized"),
    ],
)
async def test_a_bad_frame_fails_the_connection_as_websockets_does(
    peer: RawPeer, connection: SocketConnection, bad: bytes, code: int
) -> None:
    reader = Reader(connection)
    await peer.send(text("before") + bad + text("dropped"))
    await _closed(reader)
    assert reader.messages == ["before"]
    assert connection.close_code == code
    assert connection.closed_locally
    kind, payload = await peer.next_from_client()
    assert (kind, int.from_bytes(payload[:2], "big")) == ("CLOSE", code)


async def test_a_stream_that_ends_mid_frame_is_an_abnormal_closure(
    peer: RawPeer, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    await peer.send(text("whole") + text("cut short")[:5])
    await reader.wait_for(1)
    await peer.end()
    await _closed(reader)
    assert reader.messages == ["whole"]
    assert connection.close_code == 1006


async def test_a_raising_callback_costs_one_fragmented_message_too(
    peer: RawPeer, connection: SocketConnection, caplog: pytest.LogCaptureFixture
) -> None:
    delivered: asyncio.Future[IncomingMessage] = asyncio.get_running_loop().create_future()

    def on_message(message: IncomingMessage) -> None:
        if message == b"bad":
            raise ValueError("bad")
        delivered.set_result(message)

    running = asyncio.ensure_future(connection.run(on_message))
    await peer.send(frame(TEXT, b"b", fin=False) + frame(CONT, b"ad") + text("next"))
    assert await asyncio.wait_for(delivered, 5) == b"next"
    assert "the message handler raised" in caplog.text
    await connection.close()
    await running


async def test_invalid_utf8_in_a_text_frame_is_delivered_as_it_came(
    peer: RawPeer, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    await peer.send(text(b"\xff\xfe{") + text("still open"))
    await reader.wait_for(2)
    assert reader.raw == [b"\xff\xfe{", b"still open"]
    assert not connection.closed


async def test_frames_that_arrive_while_we_close_still_reach_the_callback() -> None:
    async with raw_peer(answer=False) as peer:
        connection = await _connect(peer)
        reader = Reader(connection)
        late = text("late")
        await peer.send(text("early") + late[:3])
        await reader.wait_for(1)
        closing = asyncio.ensure_future(connection.close(4000, "done"))
        assert await peer.next_from_client() == ("CLOSE", close(4000, "done")[2:])
        await peer.send(late[3:] + text("later") + close(4000, "done"))
        await closing
        await _closed(reader)
        assert reader.messages == ["early", "late", "later"]
        assert connection.close_code == 4000


async def test_invalid_utf8_reaches_the_agent_as_a_bad_frame_event() -> None:
    async with Emulator() as emulator, raw_peer() as peer:
        config = AgentConfig(
            emulator.account,
            PasswordCredentials(emulator.username, emulator.password),
            csds_domain=emulator.csds_domain,
            domains={"facadeMsg": f"127.0.0.1:{peer.port}"},
            transport="websockets",
            refresh_interval=None,
            keepalive_interval=None,
        )
        agent = Agent(config)
        events: list[AgentEvent] = []
        agent.events.subscribe(events.append)
        try:
            await agent.connect()
            bad_frame = first(agent.events, lambda event: isinstance(event, ErrorEvent))
            await peer.send(text(b'{"kind":"notification","type":"\xff\xfe"}'))
            assert (await settled(bad_frame)).location == "Frame#Decode"
            assert agent.state is AgentState.CONNECTED
            assert sum(isinstance(event, ErrorEvent) for event in events) == 1
        finally:
            await agent.dispose()

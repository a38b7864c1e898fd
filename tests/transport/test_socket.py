"""Both SocketConnection implementations, the same tests, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from rx_lpagent.errors import (
    AuthenticationError,
    NotConnectedError,
    RequestTimeoutError,
    ServerError,
    TransportError,
)
from rx_lpagent.protocol import Notification, decode_frame
from rx_lpagent.transport import (
    IncomingMessage,
    SocketConnection,
    SocketTransport,
    messaging_url,
)
from tests.transport.conftest import ACCOUNT, FakeLivePerson, Reader


def _url(fake: FakeLivePerson, bearer: str | None = None) -> str:
    return messaging_url(fake.host, ACCOUNT, bearer or fake.bearer, "2.1", secure=fake.secure)


def _text(message: IncomingMessage) -> str:
    return message.decode() if isinstance(message, bytes) else message


@pytest_asyncio.fixture
async def connection(
    fake_lp: FakeLivePerson, socket_transport: SocketTransport
) -> AsyncIterator[SocketConnection]:
    conn = await socket_transport.connect(_url(fake_lp), timeout=5.0)
    yield conn
    await conn.close()


def test_messaging_url_shape() -> None:
    assert (
        messaging_url("va.facade-msg.liveperson.net", "123", "b3arer", "2.1", True)
        == "wss://va.facade-msg.liveperson.net/ws_api/account/123/messaging/brand/b3arer?v=2.1"
    )
    assert messaging_url("127.0.0.1:9", "1", "t", secure=False).startswith("ws://127.0.0.1:9/")


@pytest.mark.asyncio
async def test_run_delivers_every_message_to_the_callback(
    connection: SocketConnection,
) -> None:
    reader = Reader(connection)
    await connection.send(b'{"kind":"req","id":"1","type":".GetClock","body":{}}')
    await connection.send(b"burst:50")
    messages = await reader.wait_for(51)
    assert messages[0] == '{"kind":"req","id":"1","type":".GetClock","body":{}}'
    frame = decode_frame(messages[-1])
    assert isinstance(frame, Notification)
    assert bytes(frame.body) == b"49"
    await connection.close()
    await reader.task
    assert connection.closed


@pytest.mark.asyncio
async def test_incoming_text_arrives_as_bytes_for_msgspec(connection: SocketConnection) -> None:
    await connection.send(b"hello")
    assert await connection.receive() == b"hello"


@pytest.mark.asyncio
async def test_async_iteration_ends_when_the_peer_closes(connection: SocketConnection) -> None:
    await connection.send(b"one")
    await connection.send(b"close:4401:token expired")
    received = [_text(message) async for message in connection]
    assert received == ["one"]
    assert (connection.close_code, connection.close_reason) == (4401, "token expired")


@pytest.mark.asyncio
@pytest.mark.parametrize(("code", "reason"), [(4401, "fresh token"), (4407, ""), (1011, "boom")])
async def test_peer_close_codes_surface_as_integers(
    connection: SocketConnection, code: int, reason: str
) -> None:
    reader = Reader(connection)
    await connection.send(f"close:{code}:{reason}".encode())
    await asyncio.wait_for(reader.task, 5)
    assert connection.close_code == code
    assert connection.close_reason == reason
    assert connection.closed


@pytest.mark.asyncio
async def test_our_close_sends_1000(fake_lp: FakeLivePerson, connection: SocketConnection) -> None:
    reader = Reader(connection)
    await connection.close()
    await asyncio.wait_for(reader.task, 5)
    code, _ = await asyncio.wait_for(fake_lp.ws_closes.get(), 5)
    assert code == 1000
    assert connection.close_code == 1000
    await connection.close()  # twice is fine


@pytest.mark.asyncio
async def test_our_close_code_and_reason_are_kept(
    fake_lp: FakeLivePerson, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    await connection.close(4000, "going away for a while")
    await asyncio.wait_for(reader.task, 5)
    code, _ = await asyncio.wait_for(fake_lp.ws_closes.get(), 5)
    assert code == 4000
    assert (connection.close_code, connection.close_reason) == (4000, "going away for a while")


@pytest.mark.asyncio
async def test_cancelling_the_reader_closes_with_1000(
    fake_lp: FakeLivePerson, connection: SocketConnection
) -> None:
    reader = Reader(connection)
    await connection.send(b"x")
    await reader.wait_for(1)
    reader.task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader.task
    code, _ = await asyncio.wait_for(fake_lp.ws_closes.get(), 5)
    assert code == 1000
    assert connection.closed
    assert connection.close_code == 1000


@pytest.mark.asyncio
async def test_a_dropped_connection_reports_1006(connection: SocketConnection) -> None:
    reader = Reader(connection)
    await connection.send(b"drop")
    await asyncio.wait_for(reader.task, 5)
    assert connection.close_code == 1006
    with pytest.raises(NotConnectedError):
        await connection.send(b"after")


@pytest.mark.asyncio
async def test_send_after_close_is_not_connected(connection: SocketConnection) -> None:
    await connection.close()
    with pytest.raises(NotConnectedError) as caught:
        await connection.send(b"late")
    assert isinstance(caught.value, TransportError)
    with pytest.raises(NotConnectedError):
        await connection.ping()


@pytest.mark.asyncio
async def test_ping_resolves_on_pong(connection: SocketConnection) -> None:
    reader = Reader(connection)
    async with asyncio.timeout(5):
        await connection.ping()
        await connection.ping()
    await connection.close()
    await reader.task


@pytest.mark.asyncio
async def test_ping_never_resolves_on_a_silent_peer(connection: SocketConnection) -> None:
    reader = Reader(connection)
    await connection.send(b"silence")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await connection.ping()
    await connection.close()
    await reader.task


@pytest.mark.asyncio
async def test_a_pending_ping_fails_when_the_socket_closes(connection: SocketConnection) -> None:
    reader = Reader(connection)
    await connection.send(b"silence")
    ping = asyncio.ensure_future(connection.ping())
    await asyncio.sleep(0.01)
    await connection.close()
    with pytest.raises(NotConnectedError):
        await asyncio.wait_for(ping, 5)
    await reader.task


@pytest.mark.asyncio
async def test_server_pings_are_answered(connection: SocketConnection) -> None:
    reader = Reader(connection)
    await connection.send(b"ping")
    assert await reader.wait_for(1) == ["pong-received"]


@pytest.mark.asyncio
async def test_a_raising_callback_is_logged_and_the_socket_stays_open(
    fake_lp: FakeLivePerson, connection: SocketConnection, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[str] = []
    arrived = asyncio.Event()

    def explode_once(message: IncomingMessage) -> None:
        received.append(_text(message))
        arrived.set()
        if len(received) == 1:
            raise ValueError("handler bug")

    task = asyncio.ensure_future(connection.run(explode_once))
    await connection.send(b"x")
    await connection.send(b"y")
    async with asyncio.timeout(5):
        while len(received) < 2:
            arrived.clear()
            await arrived.wait()
    assert received == ["x", "y"]
    assert not connection.closed
    assert not task.done()
    assert fake_lp.ws_closes.empty()
    assert "handler bug" in caplog.text
    await connection.close()
    await task
    assert connection.closed_locally
    assert connection.close_code == 1000


@pytest.mark.asyncio
async def test_a_close_by_the_peer_is_not_local(connection: SocketConnection) -> None:
    await connection.send(b"close:1011:server bug")
    assert [message async for message in connection] == []
    assert (connection.close_code, connection.closed_locally) == (1011, False)


@pytest.mark.asyncio
async def test_handshake_401_is_an_authentication_error_without_the_bearer(
    fake_lp: FakeLivePerson, socket_transport: SocketTransport
) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await socket_transport.connect(_url(fake_lp, "SECRET-BEARER"), timeout=5.0)
    error = caught.value
    assert error.code == 401
    assert error.service == "messaging"
    assert not error.retryable
    assert "SECRET-BEARER" not in str(error) + repr(error)
    assert error.__cause__ is None or "SECRET-BEARER" not in str(error.__cause__)


@pytest.mark.asyncio
async def test_handshake_503_is_a_server_error(
    fake_lp: FakeLivePerson, socket_transport: SocketTransport
) -> None:
    fake_lp.fail_next("ws", 503)
    with pytest.raises(ServerError) as caught:
        await socket_transport.connect(_url(fake_lp), timeout=5.0)
    assert caught.value.code == 503


@pytest.mark.asyncio
async def test_refused_is_a_transport_error(socket_transport: SocketTransport) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = messaging_url(f"127.0.0.1:{port}", ACCOUNT, "SECRET-BEARER", secure=False)
    with pytest.raises(TransportError) as caught:
        await socket_transport.connect(url, timeout=5.0)
    assert caught.value.retryable
    assert "SECRET-BEARER" not in str(caught.value)


@pytest.mark.asyncio
async def test_a_handshake_unanswered_within_the_timeout_is_a_request_timeout(
    socket_transport: SocketTransport,
) -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # it accepts the connection and never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = messaging_url(f"127.0.0.1:{port}", ACCOUNT, "SECRET-BEARER", secure=False)
    try:
        with pytest.raises(RequestTimeoutError) as caught:
            await socket_transport.connect(url, timeout=0.2)
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert caught.value.timeout == 0.2
    assert "SECRET-BEARER" not in str(caught.value)


@pytest.mark.asyncio
async def test_headers_reach_the_server(
    fake_lp: FakeLivePerson, socket_transport: SocketTransport
) -> None:
    conn = await socket_transport.connect(
        _url(fake_lp), headers={"User-Agent": "my-bot/1.0", "X-Trace": "t1"}, timeout=5.0
    )
    await conn.close()
    assert fake_lp.ws_headers[-1]["User-Agent"] == "my-bot/1.0"
    assert fake_lp.ws_headers[-1]["X-Trace"] == "t1"

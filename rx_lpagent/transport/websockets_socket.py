"""The messaging socket on websockets (>= 17, the asyncio client): the default transport.

websockets' own keep-alive is off (``ping_interval=None``): the agent's keep-alive and watchdog
decide when a socket is dead. The connection is websockets' own, customized through its public
``create_connection`` hook: messages reach the callback in the data-received path, the plain
data frames cut out of the received bytes by :mod:`~rx_lpagent.transport._frames` (websockets'
own parser gets every other byte: the handshake, control frames, fragments, whatever it must
answer or fail), and the frames queued in a loop turn leave in one write, framed there too.
Its debug log would print the handshake request line, bearer included, so it logs through a
logger that redacts.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from ssl import SSLContext
from typing import Any

import aiohttp
import websockets.exceptions
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websockets_connect
from websockets.frames import Frame, Opcode
from websockets.protocol import Event, State

from rx_lpagent.errors import NotConnectedError, Service, redact
from rx_lpagent.transport._frames import FrameReader, FrameWriter
from rx_lpagent.transport._proxy import socket_proxy
from rx_lpagent.transport.socket import (
    DEFAULT_CLOSE_TIMEOUT,
    MAX_MESSAGE_SIZE,
    IncomingMessage,
    MessageHandler,
    OpeningTransport,
    SocketConnection,
    translated,
)

__all__ = ["WebsocketsSocketConnection", "WebsocketsSocketTransport"]


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


_logger = logging.getLogger("rx_lpagent.transport.websockets")
_logger.addFilter(_RedactingFilter())


class WebsocketsSocketTransport(OpeningTransport["WebsocketsSocketConnection"]):
    """Opens messaging sockets with ``websockets.asyncio.client.connect``.

    Each goes through the proxy an aiohttp socket on ``session`` would go through
    (:func:`~rx_lpagent.transport._proxy.socket_proxy`), never through one websockets chose
    itself. ``session`` may be a function that gives it when a socket opens (``RestClient``
    makes its session inside the running loop, on first use)."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | Callable[[], aiohttp.ClientSession] | None = None,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ) -> None:
        self._session = session
        self._close_timeout = close_timeout

    async def _open(
        self, url: str, ssl: SSLContext | None, headers: Mapping[str, str], open_timeout: float
    ) -> WebsocketsSocketConnection:
        extra = dict(headers)
        user_agent = extra.pop("User-Agent", None)
        # websockets refuses any ssl argument for a ws:// URL, and None for a wss:// one
        tls: dict[str, SSLContext | bool] = {"ssl": ssl or True} if url.startswith("wss:") else {}
        async with asyncio.timeout(open_timeout):  # the proxy look-up may read ~/.netrc
            session = self._session() if callable(self._session) else self._session
            proxy = await socket_proxy(session, url)
        ws = await websockets_connect(
            url,
            **tls,  # type: ignore[arg-type]
            proxy=proxy,
            additional_headers=extra,
            user_agent_header=user_agent,
            compression=None,
            open_timeout=open_timeout,
            ping_interval=None,
            ping_timeout=None,
            close_timeout=self._close_timeout,
            max_size=MAX_MESSAGE_SIZE,
            logger=_logger,
            create_connection=_DirectConnection,
        )
        assert isinstance(ws, _DirectConnection)
        return WebsocketsSocketConnection(ws)


class _DirectConnection(ClientConnection):
    """websockets' connection, customized as its ``create_connection`` hook allows: data
    messages go to one callback from the data-received path (no queue, no reader task), most
    of them cut out of the received bytes by :class:`~rx_lpagent.transport._frames.FrameReader`
    rather than websockets' slower parser, which gets every other byte; frames queued together
    leave in one write, made by :class:`~rx_lpagent.transport._frames.FrameWriter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._frames = FrameReader(
            self._queue, self._pass_on, MAX_MESSAGE_SIZE, SocketConnection._handler_failed
        )
        self._writer = FrameWriter(self._frame_large)
        self.received: deque[bytes] = deque()
        self._arrived: asyncio.Future[None] | None = None
        self._fragments: list[bytes] = []
        self.data_arrived: Callable[[], None] = _nothing
        """Called before each received chunk is read (the sending side's turn starts anew)."""

    @property
    def on_message(self) -> Callable[[bytes], None]:
        """Where data messages go (until :meth:`run` sets its own: a queue)."""
        return self._frames.on_message

    @on_message.setter
    def on_message(self, handler: Callable[[bytes], None]) -> None:
        self._frames.on_message = handler

    def data_received(self, data: bytes) -> None:
        self.data_arrived()
        frames = self._frames
        if frames.taking_frames and self.protocol.state is not State.OPEN:
            # closing: websockets reads the rest, from the start of the frame held, if any
            data = frames.stop() + data
        frames.feed(data)

    def _pass_on(self, data: bytes) -> bool:
        super().data_received(data)
        return self.protocol.state is State.OPEN

    def eof_received(self) -> None:
        self._hand_over_held()
        super().eof_received()

    def _hand_over_held(self) -> None:
        """The stream ends: websockets gets the start of a frame held, so that it sees the
        stream end where it did (mid-frame), as without the fast path."""
        held = self._frames.stop()
        if held:
            super().data_received(held)

    def process_event(self, event: Event) -> None:
        if not isinstance(event, Frame) or event.opcode not in _DATA:
            super().process_event(event)
            return
        data = event.data if type(event.data) is bytes else bytes(event.data)
        if not event.fin:
            self._fragments.append(data)
            return
        if self._fragments:
            self._fragments.append(data)
            data = b"".join(self._fragments)
            self._fragments = []
        try:
            self.on_message(data)
        except Exception as error:
            self._frames.on_failure(error)

    def _queue(self, message: IncomingMessage) -> None:
        assert isinstance(message, bytes)
        self.received.append(message)
        self._wake()

    def _wake(self) -> None:
        arrived, self._arrived = self._arrived, None
        if arrived is not None and not arrived.done():
            arrived.set_result(None)

    async def next_message(self) -> bytes | None:
        """The next message queued while no callback was set; None once closed."""
        while not self.received:
            if self.connection_lost_waiter.done():
                return None
            self._arrived = self.loop.create_future()
            await self._arrived
        return self.received.popleft()

    def connection_lost(self, exc: Exception | None) -> None:
        self._hand_over_held()
        super().connection_lost(exc)
        self._wake()

    def _frame_large(self, payload: bytes) -> bytes:
        self.protocol.send_text(payload)
        return b"".join(self.protocol.data_to_send())

    def write_text_frames(self, frames: list[bytes]) -> None:
        """Write ``frames`` as text messages in one socket write; dropped once closing."""
        if self.protocol.state is State.OPEN:
            # websockets writes what its protocol makes (pongs, close frames) as soon as it makes
            # it: nothing of its own waits to go before these
            self.transport.write(self._writer.text_frames(frames))


_DATA = frozenset((Opcode.TEXT, Opcode.BINARY, Opcode.CONT))


def _nothing() -> None:
    pass


_MAX_HELD_FRAMES = 64
"""Frames held for the end of a loop turn at most: then they leave in one write at once, so the
server works on them while this turn goes on (a turn sending 1,000 requests takes milliseconds;
holding them all to its end measured 24-27k requests/s, 64 at a time about 35k/s in
``bench agent``)."""


class WebsocketsSocketConnection(SocketConnection):
    def __init__(self, ws: _DirectConnection) -> None:
        super().__init__()
        self._ws = ws
        self._loop = asyncio.get_running_loop()
        self._turn_started = False
        self._flush_scheduled = False
        ws.data_arrived = self._data_arrived

    @property
    def closed(self) -> bool:
        # websockets' close_code is None until its state is CLOSED (asked directly: the hot path)
        return self._close_code is not None or self._ws.protocol.state is State.CLOSED

    async def _send(self, data: bytes) -> None:
        await self._ws.send(data, text=True)

    def send_soon(self, data: bytes) -> None:
        """The turn's first frame is written at once (a lone request waits for no turn to end);
        the ones after it in the same turn leave together in one write when the turn is over
        (or as soon as ``_MAX_HELD_FRAMES`` wait).

        The end of the turn is scheduled only once a second frame is held: a lone request costs
        no extra loop iteration. A turn is over when that callback runs, or when data arrives
        with nothing held (what is sent after it answers what arrived). A frame is written at
        once only while nothing is held, so frames leave in the order they were queued."""
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        if self._turn_started:
            outgoing = self._outgoing
            outgoing.append(data)
            if len(outgoing) >= _MAX_HELD_FRAMES:
                self._outgoing = []
                self._write(outgoing)
            elif not self._flush_scheduled:
                self._flush_scheduled = True
                self._loop.call_soon(self._turn_ended)
            return
        self._turn_started = True
        self._write([data])

    def _data_arrived(self) -> None:
        if not self._outgoing:
            self._turn_started = False

    def _turn_ended(self) -> None:
        self._turn_started = False
        self._flush_scheduled = False
        if self._outgoing:
            frames, self._outgoing = self._outgoing, []
            self._write(frames)

    def _write(self, frames: list[bytes]) -> None:
        try:
            self._ws.write_text_frames(frames)
        except Exception as error:
            _logger.debug("a send failed (the socket is closing): %r", error)

    async def run(self, on_message: MessageHandler) -> None:
        ws = self._ws
        try:
            while ws.received:  # what came before the callback was set
                self._deliver(on_message, ws.received.popleft())
            ws.on_message = on_message  # what it raises is logged, and the next frame is read
            await ws.wait_closed()
        except asyncio.CancelledError:
            await self._close_on_cancel()
            raise
        finally:
            self._record_close()

    def _deliver(self, on_message: MessageHandler, message: IncomingMessage) -> None:
        try:
            on_message(message)
        except Exception as error:
            self._handler_failed(error)

    async def receive(self) -> IncomingMessage | None:
        try:
            message = await self._ws.next_message()
        except asyncio.CancelledError:
            await self._close_on_cancel()
            self._record_close()
            raise
        if message is None:
            self._record_close()
        return message

    async def ping(self) -> None:
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        try:
            pong = await translated(self._ws.ping(), " ping failed")
            await pong  # websockets fails it with ConnectionClosed if the socket closes first
        except websockets.exceptions.ConnectionClosed as exc:
            raise NotConnectedError("socket closed before pong", Service.MESSAGING) from exc

    async def _close(self, code: int, reason: str) -> None:
        if self._ws.close_code is None and self._ws.protocol.close_rcvd is None:
            # we end the connection: our code and reason are the ones it ended with
            self._closed_with(code, reason, local=True)
        await self._ws.close(code, reason)
        self._record_close()

    async def _close_on_cancel(self) -> None:
        # websockets would report 1011 for a cancelled reader if left alone: close with 1000
        if self._ws.close_code is None:
            await asyncio.shield(self.close())

    def _record_close(self) -> None:
        if self._ws.close_code is None:
            return
        protocol = self._ws.protocol
        sent = protocol.close_sent
        if sent is not None and not protocol.close_rcvd_then_sent:
            # websockets sent the first close frame: it failed the connection (a protocol error)
            # and reports 1006 for it; the code it sent is the one the connection ended with
            self._closed_with(sent.code, sent.reason, local=True)
        else:
            self._closed_with(self._ws.close_code, self._ws.close_reason)

"""The messaging socket behind a small interface, so flows never see a WebSocket library.

A :class:`SocketTransport` opens a :class:`SocketConnection`. The connection's hot path is
:meth:`SocketConnection.run`, which hands every incoming message, as it came (``bytes`` for the
JSON text frames wherever the library allows, else ``str``), to a plain callback (the agent's
frame router): websockets calls it from the socket's data-received callback, so a response
reaches the awaiting caller in the turn it arrived; aiohttp has no public callback, so there one
reader loop calls it. No queue and no task per message.

Outgoing, :meth:`SocketConnection.send_soon` never suspends, and frames leave in order. On
websockets the first frame of a loop turn is written at once and the rest of that turn's frames
leave together in one socket write (one TLS record) when the turn is over, or every 64 frames
in a long turn, so the server is not kept waiting for the turn's end. There the plain data
frames are also read and written by :mod:`~rx_lpagent.transport._frames` rather than by
websockets' frame parser and serializer, which cost 2-2.5 us and 1.7-1.8 us a frame in Python
(websockets still handles the handshake, control frames, fragments and protocol errors).
aiohttp has no public way to write several frames at once, nor without a coroutine: there each
frame is written at once, one write each, by running the first step of ``send_frame``'s
coroutine in place (it writes, then returns unless the socket's buffer is full); a write that
has to wait is finished by one writer task, and frames after it wait for it in order.

Two implementations: :mod:`~rx_lpagent.transport.websockets_socket` (the default: the faster
one) and :mod:`~rx_lpagent.transport.aiohttp_socket` (the socket on the REST session itself:
its connector, cookies and default headers). Both go through the same proxy
(:mod:`~rx_lpagent.transport._proxy`).

Every failure is an rx_lpagent error: :class:`~rx_lpagent.errors.AuthenticationError` (code 401)
for a rejected handshake, :class:`~rx_lpagent.errors.TransportError` for refused, reset, TLS and
DNS failures, :class:`~rx_lpagent.errors.NotConnectedError` for a send or ping on a closed
socket. A socket that closes is not an error of :meth:`run`: it returns, and ``close_code`` /
``close_reason`` tell why (1006 when the connection dropped without a close frame).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from ssl import SSLContext
from typing import Any, Final, Generic, Protocol, TypeAlias, TypeVar

from rx_lpagent.errors import NotConnectedError, Service
from rx_lpagent.transport._errors import translate_exception

_log = logging.getLogger("rx_lpagent.transport")

__all__ = [
    "ABNORMAL_CLOSURE",
    "DEFAULT_CLOSE_TIMEOUT",
    "MAX_MESSAGE_SIZE",
    "NORMAL_CLOSURE",
    "IncomingMessage",
    "MessageHandler",
    "SocketConnection",
    "SocketTransport",
]

NORMAL_CLOSURE: Final = 1000
INTERNAL_ERROR: Final = 1011
ABNORMAL_CLOSURE: Final = 1006
"""The code reported when the connection dropped without a close frame."""

MAX_MESSAGE_SIZE: Final = 16 * 1024 * 1024
"""Largest incoming message accepted (query-messages answers can be large)."""

DEFAULT_CLOSE_TIMEOUT: Final = 5.0
"""Seconds :meth:`SocketConnection.close` waits for the peer's close frame before dropping."""

IncomingMessage: TypeAlias = bytes | str
MessageHandler: TypeAlias = Callable[[IncomingMessage], None]

_WHAT = "messaging socket"
_T = TypeVar("_T")


async def translated(
    step: Awaitable[_T],
    what: str = "",
    *,
    timeout: float | None = None,  # noqa: ASYNC109 - what the step was bounded by, for the text
) -> _T:
    """``await step``, with what it raises as an rx_lpagent error (cancellation passes)."""
    try:
        return await step
    except Exception as exc:
        error = translate_exception(exc, Service.MESSAGING, f"{_WHAT}{what}", timeout=timeout)
    # raised outside the except block: a library exception whose text carries the bearer URL or
    # cookies must not ride along as __context__ either
    raise error from error.error


class SocketTransport(Protocol):
    """Opens messaging sockets. ``timeout`` bounds the TCP, TLS and WebSocket handshakes."""

    async def connect(
        self,
        url: str,
        *,
        ssl: SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the handshake bound, handed to the library
    ) -> SocketConnection: ...


_C = TypeVar("_C", bound="SocketConnection")


class OpeningTransport(ABC, Generic[_C]):
    """What both transports share: the handshake's failures become rx_lpagent errors."""

    async def connect(
        self,
        url: str,
        *,
        ssl: SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the handshake bound, handed to the library
    ) -> _C:
        return await translated(self._open(url, ssl, headers or {}, timeout), timeout=timeout)

    @abstractmethod
    async def _open(
        self, url: str, ssl: SSLContext | None, headers: Mapping[str, str], open_timeout: float
    ) -> _C: ...


class SocketConnection(ABC):
    """One open messaging socket.

    Read it with exactly one of :meth:`run` (the fast path) or ``async for`` (convenient);
    :meth:`send`, :meth:`ping` and :meth:`close` may be called from any task meanwhile.
    Cancelling the reader closes the socket with 1000.
    """

    def __init__(self) -> None:
        self._pong_waiters: list[asyncio.Future[None]] = []
        self._close_code: int | None = None
        self._close_reason = ""
        self._closed_locally = False
        self._outgoing: list[bytes] = []
        self._writer: asyncio.Task[None] | None = None
        self._writer_idle: asyncio.Future[None] | None = None
        self._unfinished: Coroutine[Any, Any, None] | None = None
        """A write begun outside the writer that had to wait: the writer finishes it first."""

    @property
    def close_code(self) -> int | None:
        """The code the connection ended with: the peer's if it closed first, ours if we did,
        1006 if it dropped without a close frame; None while open."""
        return self._close_code

    @property
    def close_reason(self) -> str:
        """The close reason that came with :attr:`close_code` ("" if none)."""
        return self._close_reason

    @property
    def closed_locally(self) -> bool:
        """True when this side ended the connection: :meth:`close`, or the library failing it
        (a protocol error it found). Then :attr:`close_code` is ours, not the peer's."""
        return self._closed_locally

    @property
    @abstractmethod
    def closed(self) -> bool:
        """True once the socket is closed or closing; sends then fail."""

    async def send(self, data: bytes) -> None:
        """Send one JSON frame (as a text message) and wait until the socket can take more."""
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        await translated(self._send(data), " send failed")

    @abstractmethod
    async def _send(self, data: bytes) -> None: ...

    def send_soon(self, data: bytes) -> None:
        """Queue one JSON frame without suspending; it leaves at the end of this loop turn with
        every other frame queued in it, in order.

        A write that fails is only logged: the socket is then closing, and its close (what
        :meth:`run` returns with) is what tells. Frames still queued when it closes are dropped.
        """
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        outgoing = self._outgoing
        outgoing.append(data)
        if len(outgoing) == 1:
            self._flush_soon()

    def _flush_soon(self) -> None:
        """Have the queued frames written soon. Here: by one writer task, frame by frame through
        :meth:`_send`; it waits on a future while there is nothing to write."""
        idle = self._writer_idle
        if idle is not None:
            self._writer_idle = None
            idle.set_result(None)
        elif self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())

    async def _write_queued(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frames, self._outgoing = self._outgoing, []
            try:
                unfinished, self._unfinished = self._unfinished, None
                if unfinished is not None:
                    await unfinished
                for frame in frames:
                    await self._send(frame)
            except Exception as error:
                _log.debug("a send failed (the socket is closing): %r", error)
            if not self._outgoing:
                idle = self._writer_idle = loop.create_future()
                await idle

    def _writer_busy(self) -> bool:
        """Whether frames are queued or the writer is writing: a new frame must go after them."""
        return bool(self._outgoing) or (self._writer is not None and self._writer_idle is None)

    def _finish_later(self, unfinished: Coroutine[Any, Any, None]) -> None:
        """A write that could not end in this turn: the writer ends it before writing more."""
        self._unfinished = unfinished
        self._flush_soon()

    def _drop_unfinished(self) -> None:
        unfinished, self._unfinished = self._unfinished, None
        if unfinished is not None:
            unfinished.close()

    async def _stop_writing(self) -> None:
        """Drop the queued frames and end the writer task (closing)."""
        self._outgoing = []
        self._drop_unfinished()
        writer, self._writer, self._writer_idle = self._writer, None, None
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    @abstractmethod
    async def run(self, on_message: MessageHandler) -> None:
        """Call ``on_message`` for every incoming message until the socket closes, then return.

        What ``on_message`` raises is logged and the loop goes on: a failure to handle one
        message is never a reason to close the socket (nor to send LivePerson a 1011).
        """

    @abstractmethod
    async def receive(self) -> IncomingMessage | None:
        """The next incoming message, or None once the socket is closed."""

    @abstractmethod
    async def ping(self) -> None:
        """Send a WebSocket ping and return when a pong arrives (any pong proves liveness).

        Bound it with a timeout: on a half-open socket no pong ever comes. Fails with
        NotConnectedError if the socket closes first. (aiohttp: pongs are read by :meth:`run`
        or ``async for``, so one of them must be running.)
        """

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close with ``code`` and ``reason``; waits for the peer at most the close timeout.
        Safe to call twice and after the peer closed."""
        try:
            await self._close(code, reason)
        finally:
            await self._stop_writing()

    @abstractmethod
    async def _close(self, code: int, reason: str) -> None: ...

    @staticmethod
    def _handler_failed(error: Exception) -> None:
        _log.error("the message handler raised; the socket stays open", exc_info=error)

    async def __aiter__(self) -> AsyncIterator[IncomingMessage]:
        while (message := await self.receive()) is not None:
            yield message

    # helpers for implementations

    def _pong_future(self) -> asyncio.Future[None]:
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pong_waiters.append(waiter)
        return waiter

    def _forget_pong(self, waiter: asyncio.Future[None]) -> None:
        if waiter in self._pong_waiters:
            self._pong_waiters.remove(waiter)

    def _pong_received(self) -> None:
        waiters, self._pong_waiters = self._pong_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _closed_with(self, code: int | None, reason: str | None, *, local: bool = False) -> None:
        """Record the close (first report wins; ``local``: this side ended it) and fail pending
        pings."""
        self._outgoing = []
        if self._writer is not None and self._writer is not asyncio.current_task():
            self._drop_unfinished()
            self._writer.cancel()  # awaited by close()
        if self._close_code is None:
            self._closed_locally = local
            # int(): libraries hand out their own IntEnums (aiohttp's WSCloseCode); callers get ints
            self._close_code = ABNORMAL_CLOSURE if code is None else int(code)
            self._close_reason = reason or ""
        waiters, self._pong_waiters = self._pong_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(
                    NotConnectedError(
                        f"socket closed before pong (code {self._close_code})", Service.MESSAGING
                    )
                )

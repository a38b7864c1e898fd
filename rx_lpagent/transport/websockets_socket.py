"""The messaging socket on websockets (>= 17, the asyncio client).

websockets' own keep-alive is off (``ping_interval=None``): the agent's keep-alive and watchdog
decide when a socket is dead. Its debug log would print the handshake request line, bearer
included, so it logs through a logger that redacts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from ssl import SSLContext

import websockets.exceptions
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websockets_connect

from rx_lpagent.errors import NotConnectedError, Service, redact
from rx_lpagent.transport._errors import translate_exception
from rx_lpagent.transport.socket import (
    DEFAULT_CLOSE_TIMEOUT,
    MAX_MESSAGE_SIZE,
    NORMAL_CLOSURE,
    IncomingMessage,
    MessageHandler,
    SocketConnection,
)

__all__ = ["WebsocketsSocketConnection", "WebsocketsSocketTransport"]

_WHAT = "messaging socket"


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


_logger = logging.getLogger("rx_lpagent.transport.websockets")
_logger.addFilter(_RedactingFilter())


class WebsocketsSocketTransport:
    """Opens messaging sockets with ``websockets.asyncio.client.connect``."""

    def __init__(self, *, close_timeout: float = DEFAULT_CLOSE_TIMEOUT) -> None:
        self._close_timeout = close_timeout

    async def connect(
        self,
        url: str,
        *,
        ssl: SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - the handshake bound, handed to the library
    ) -> WebsocketsSocketConnection:
        extra = dict(headers or {})
        user_agent = extra.pop("User-Agent", None)
        # websockets refuses any ssl argument for a ws:// URL, and None for a wss:// one
        tls: dict[str, SSLContext | bool] = {"ssl": ssl or True} if url.startswith("wss:") else {}
        try:
            ws = await websockets_connect(
                url,
                **tls,  # type: ignore[arg-type]
                additional_headers=extra,
                user_agent_header=user_agent,
                compression=None,
                open_timeout=timeout,
                ping_interval=None,
                ping_timeout=None,
                close_timeout=self._close_timeout,
                max_size=MAX_MESSAGE_SIZE,
                logger=_logger,
            )
        except Exception as exc:
            error = translate_exception(exc, Service.MESSAGING, _WHAT, timeout=timeout)
        else:
            return WebsocketsSocketConnection(ws)
        # raised outside the except block: a library exception whose text carries the bearer
        # URL must not ride along as __context__ either
        raise error from error.error


class WebsocketsSocketConnection(SocketConnection):
    def __init__(self, ws: ClientConnection) -> None:
        super().__init__()
        self._ws = ws

    @property
    def closed(self) -> bool:
        return self._close_code is not None or self._ws.close_code is not None

    async def send(self, data: bytes) -> None:
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        try:
            await self._ws.send(data, text=True)
        except Exception as exc:
            error = translate_exception(exc, Service.MESSAGING, f"{_WHAT} send failed")
            raise error from error.error

    async def run(self, on_message: MessageHandler) -> None:
        recv = self._ws.recv
        try:
            while True:
                message = await recv(decode=False)
                try:
                    on_message(message)
                except Exception as error:
                    self._handler_failed(error)
        except websockets.exceptions.ConnectionClosed:
            return
        except asyncio.CancelledError:
            await self._close_on_cancel()
            raise
        finally:
            self._record_close()

    async def receive(self) -> IncomingMessage | None:
        try:
            message: IncomingMessage = await self._ws.recv(decode=False)
        except websockets.exceptions.ConnectionClosed:
            self._record_close()
            return None
        except asyncio.CancelledError:
            await self._close_on_cancel()
            self._record_close()
            raise
        return message

    async def ping(self) -> None:
        if self.closed:
            raise NotConnectedError("socket not connected", Service.MESSAGING)
        try:
            pong = await self._ws.ping()
            await pong  # websockets fails it with ConnectionClosed if the socket closes first
        except websockets.exceptions.ConnectionClosed as exc:
            raise NotConnectedError("socket closed before pong", Service.MESSAGING) from exc
        except Exception as exc:
            error = translate_exception(exc, Service.MESSAGING, f"{_WHAT} ping failed")
            raise error from error.error

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
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

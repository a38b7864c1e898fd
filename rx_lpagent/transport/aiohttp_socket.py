"""The messaging socket on aiohttp: ``ClientSession.ws_connect`` on the REST session.

Sharing the session shares its cookie jar, TLS settings and proxy configuration. Text frames are
read undecoded (``decode_text=False``) so msgspec parses the bytes directly. Server pings are
answered here: aiohttp's autoping would also swallow the pongs our watchdog waits for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from ssl import SSLContext
from typing import Any, Literal

import aiohttp
from aiohttp import WSMsgType
from aiohttp.http import WSMessageNoDecodeText

from rx_lpagent.transport._proxy import proxy_for
from rx_lpagent.transport.socket import (
    ABNORMAL_CLOSURE,
    DEFAULT_CLOSE_TIMEOUT,
    MAX_MESSAGE_SIZE,
    IncomingMessage,
    MessageHandler,
    OpeningTransport,
    SocketConnection,
    translated,
)

__all__ = ["AiohttpSocketConnection", "AiohttpSocketTransport"]

_log = logging.getLogger("rx_lpagent.transport")

_Ws = aiohttp.ClientWebSocketResponse[Literal[False]]


class AiohttpSocketTransport(OpeningTransport["AiohttpSocketConnection"]):
    """Opens messaging sockets through ``session`` (normally ``RestClient.session``)."""

    def __init__(
        self, session: aiohttp.ClientSession, *, close_timeout: float = DEFAULT_CLOSE_TIMEOUT
    ) -> None:
        self._session = session
        self._close_timeout = close_timeout

    async def _open(
        self, url: str, ssl: SSLContext | None, headers: Mapping[str, str], open_timeout: float
    ) -> AiohttpSocketConnection:
        proxy = proxy_for(self._session, url)
        async with asyncio.timeout(open_timeout):
            ws = await self._session.ws_connect(
                url,
                proxy=proxy,
                ssl=ssl or True,
                headers=dict(headers) if headers else None,
                autoping=False,
                autoclose=True,
                heartbeat=None,
                compress=0,
                max_msg_size=MAX_MESSAGE_SIZE,
                decode_text=False,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self._close_timeout),
            )
        return AiohttpSocketConnection(ws)


class AiohttpSocketConnection(SocketConnection):
    def __init__(self, ws: _Ws) -> None:
        super().__init__()
        self._ws = ws
        self._local_close: asyncio.Future[None] | None = None

    @property
    def closed(self) -> bool:
        return self._ws.closed or self._close_code is not None

    async def _send(self, data: bytes) -> None:
        await self._ws.send_frame(data, WSMsgType.TEXT)

    def send_soon(self, data: bytes) -> None:
        """Written at once when nothing is queued before it: the first step of ``send_frame``'s
        coroutine (public Python, public aiohttp) writes the frame and normally ends there, so
        no writer task turn is paid; one that has to wait for the buffer to drain is finished
        by the writer task, before any frame queued after it."""
        if self.closed or self._writer_busy():
            super().send_soon(data)
            return
        write = self._ws.send_frame(data, WSMsgType.TEXT)
        try:
            waiting = write.send(None)
        except StopIteration:
            return
        except Exception as error:
            write.close()
            _log.debug("a send failed (the socket is closing): %r", error)
            return
        self._finish_later(_resumed(write, waiting))

    async def run(self, on_message: MessageHandler) -> None:
        receive = self._ws.receive
        text, binary = WSMsgType.TEXT, WSMsgType.BINARY
        try:
            while True:
                message = await receive()
                kind = message.type
                if kind is text or kind is binary:
                    try:
                        on_message(message.data)
                    except Exception as error:
                        self._handler_failed(error)
                elif not await self._control(message):
                    return
        except asyncio.CancelledError:
            await self._close_on_cancel()
            raise
        finally:
            self._record_close()

    async def receive(self) -> IncomingMessage | None:
        try:
            while True:
                message = await self._ws.receive()
                if message.type is WSMsgType.TEXT or message.type is WSMsgType.BINARY:
                    data: IncomingMessage = message.data
                    return data
                if not await self._control(message):
                    self._record_close()
                    return None
        except asyncio.CancelledError:
            await self._close_on_cancel()
            self._record_close()
            raise

    async def _control(self, message: WSMessageNoDecodeText) -> bool:
        """Handle a non-data message; False once the socket is closed."""
        kind = message.type
        if kind is WSMsgType.PING:
            # a failed pong means a broken connection, which the next read reports
            with contextlib.suppress(aiohttp.ClientError, OSError, RuntimeError):
                await self._ws.pong(message.data)
            return True
        if kind is WSMsgType.PONG:
            self._pong_received()
            return True
        if kind is WSMsgType.CLOSE:
            self._closed_with(int(message.data), message.extra)
        elif kind is WSMsgType.ERROR:
            # aiohttp failed the connection itself (a protocol error) or it dropped
            code = self._ws.close_code or ABNORMAL_CLOSURE
            self._closed_with(code, "", local=code != ABNORMAL_CLOSURE)
        elif self._local_close is not None:
            # our own close() is under way in another task: return once it has finished
            await asyncio.shield(self._local_close)
        return False

    async def ping(self) -> None:
        waiter = self._pong_future()
        try:
            await translated(self._ws.ping(), " ping failed")
            await waiter
        finally:
            self._forget_pong(waiter)

    async def _close(self, code: int, reason: str) -> None:
        if self._local_close is not None:
            await asyncio.shield(self._local_close)
            return
        if self._ws.closed:
            self._record_close()
            return
        done = self._local_close = asyncio.get_running_loop().create_future()
        try:
            # we end the connection: our code and reason are the ones it ended with
            self._closed_with(code, reason, local=True)
            await self._ws.close(code=code, message=reason.encode())
        finally:
            self._record_close()
            done.set_result(None)

    async def _close_on_cancel(self) -> None:
        # close cleanly (1000) rather than drop the TCP connection when our reader is cancelled
        if not self._ws.closed:
            await asyncio.shield(self.close())

    def _record_close(self) -> None:
        if self._ws.closed and self._ws.close_code is not None:
            self._closed_with(self._ws.close_code, None)


async def _resumed(write: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Run the rest of a coroutine whose first step was run in place and yielded ``waiting``,
    as a task would: resume it each time what it waits for is done."""
    try:
        while True:
            if isinstance(waiting, asyncio.Future):
                await asyncio.wait((waiting,))  # its outcome reaches the coroutine on resume
            else:
                await asyncio.sleep(0)  # a bare yield: it only gives up one turn
            waiting = write.send(None)
    except StopIteration:
        pass
    finally:
        write.close()

"""The fast benchmark server's messaging socket: an :class:`asyncio.Protocol` that answers every
request with a ready-made response and streams ready-made notifications.

The opening handshake goes through websockets' Sans-I/O :class:`~websockets.server.ServerProtocol`
(the request head only: the bytes after it are frames). From then on the client's (masked) frames
are cut out of each received chunk in one loop, and every answer of that chunk leaves in one
``transport.write``. Text and binary frames are requests: ``.GetClock`` is answered with the
current time, any other type with a bare ``200``; a frame that is not a JSON request is dropped
(as the emulator does). Pings get pongs and a close frame is echoed before the server hangs up;
fragments, unmasked frames and unknown opcodes close with 1002, and a frame over
``MAX_FRAME`` with 1009 (a benchmark sends neither).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Final

import msgspec
from websockets.http11 import Request
from websockets.server import ServerProtocol

from rx_lpagent.protocol import wire_types as wt

__all__ = ["MAX_FRAME", "BenchSocket", "text_frame"]

MAX_FRAME: Final = 4 * 1024 * 1024
_SOCKET_PATH: Final = re.compile(r"/ws_api/account/[^/?]+/messaging/brand/[^/?]+(\?.*)?")
_HEAD_END: Final = b"\r\n\r\n"
_TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x1, 0x2, 0x8, 0x9, 0xA
_GET_CLOCK: Final = wt.GET_CLOCK


class _Inbound(msgspec.Struct):
    # the id stays raw JSON: it goes back into the response as it came, quotes and all
    id: msgspec.Raw = msgspec.Raw(b"null")
    type: str = ""


_decode_inbound = msgspec.json.Decoder(_Inbound).decode
_CLOCK_HEAD: Final = b'{"kind":"resp","reqId":'
_CLOCK_MIDDLE: Final = (
    b',"code":200,"type":"' + wt.GET_CLOCK_RESPONSE.encode() + b'","body":{"currentTime":'
)
_CLOCK_TAIL: Final = b"}}"
_GENERIC_TAIL: Final = b',"code":200,"body":{}}'


def _frame(first_byte: int, payload: bytes) -> bytes:
    """One unmasked (server to client) frame (RFC 6455 section 5.2)."""
    size = len(payload)
    if size < 126:
        return bytes((first_byte, size)) + payload
    if size < 1 << 16:
        return bytes((first_byte, 126)) + size.to_bytes(2, "big") + payload
    return bytes((first_byte, 127)) + size.to_bytes(8, "big") + payload


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final TEXT frame."""
    return _frame(0x80 | _TEXT, payload)


def _unmask(payload: bytes, mask: bytes) -> bytes:
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


def _answer(payload: bytes) -> bytes:
    """The response frame to one request (``b""``: not a request, no answer)."""
    try:
        inbound = _decode_inbound(payload)
    except msgspec.DecodeError:
        return b""
    parts: tuple[bytes | msgspec.Raw, ...]
    if inbound.type == _GET_CLOCK:
        now = b"%d" % (time.time_ns() // 1_000_000)
        parts = (_CLOCK_HEAD, inbound.id, _CLOCK_MIDDLE, now, _CLOCK_TAIL)
    else:
        parts = (_CLOCK_HEAD, inbound.id, _GENERIC_TAIL)
    return text_frame(b"".join(parts))


def _close_frame(code: int) -> bytes:
    return _frame(0x80 | _CLOSE, code.to_bytes(2, "big"))


class BenchSocket(asyncio.Protocol):
    """One messaging socket of the fast server; ``on_open``/``on_close`` tell the server."""

    def __init__(
        self, on_open: Callable[[BenchSocket], None], on_close: Callable[[BenchSocket], None]
    ) -> None:
        self._on_open = on_open
        self._on_close = on_close
        self._transport: asyncio.Transport | None = None
        self._head = b""
        self._pending = b""
        self._open = False
        self._writable: asyncio.Future[None] | None = None

    # --- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self._open:
            self._open = False
            self._on_close(self)
        self._transport = None
        self._wake_writer()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._wake_writer()

    def data_received(self, data: bytes) -> None:
        if self._open:
            self._frames(data)
        else:
            self._handshake(data)

    # --- the stream ----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._open

    def write(self, chunk: bytes) -> bool:
        """Queue ``chunk``; False if the socket is gone."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return False
        transport.write(chunk)
        return True

    async def writable(self) -> None:
        """Returns once the transport's buffer is below its high-water mark (or it is gone)."""
        if self._writable is not None:
            await self._writable

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _wake_writer(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    # --- the handshake -------------------------------------------------------------------------

    def _handshake(self, data: bytes) -> None:
        head = self._head + data
        end = head.find(_HEAD_END)
        if end < 0:
            self._head = head if len(head) < 65536 else b""
            if not self._head:
                self._hang_up()
            return
        self._head = b""
        rest = head[end + len(_HEAD_END) :]
        protocol = ServerProtocol(max_size=MAX_FRAME)
        protocol.receive_data(head[: end + len(_HEAD_END)])
        request = next((e for e in protocol.events_received() if isinstance(e, Request)), None)
        if request is None:
            response = protocol.reject(400, "not an HTTP request\n")
        elif _SOCKET_PATH.fullmatch(request.path) is None:
            response = protocol.reject(404, "only the messaging socket is served here\n")
        else:
            response = protocol.accept(request)
        protocol.send_response(response)
        assert self._transport is not None
        self._transport.write(b"".join(protocol.data_to_send()))
        if response.status_code != 101:
            self._hang_up()
            return
        self._open = True
        self._on_open(self)
        if rest:
            self._frames(rest)

    def _hang_up(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # --- frames --------------------------------------------------------------------------------

    def _frames(self, data: bytes) -> None:
        if self._pending:
            data = self._pending + data
            self._pending = b""
        out: list[bytes] = []
        size = len(data)
        at = 0
        closing = False
        while size - at >= 2:
            first = data[at]
            second = data[at + 1]
            length = second & 0x7F
            start = at + 2
            if length == 126:
                length = int.from_bytes(data[start : start + 2], "big")
                start += 2
            elif length == 127:
                length = int.from_bytes(data[start : start + 8], "big")
                start += 8
            end = start + 4 + length
            opcode = first & 0x0F
            if not second & 0x80 or not first & 0x80 or opcode not in (1, 2, 8, 9, 10):
                out.append(_close_frame(1002))  # unmasked, fragmented or unknown
                closing = True
                break
            if length > MAX_FRAME:
                out.append(_close_frame(1009))
                closing = True
                break
            if end > size:
                break
            payload = _unmask(data[start + 4 : end], data[start : start + 4])
            at = end
            if opcode <= _BINARY:
                answer = _answer(payload)
                if answer:
                    out.append(answer)
            elif opcode == _PING:
                out.append(_frame(0x80 | _PONG, payload))
            elif opcode == _CLOSE:
                out.append(_frame(0x80 | _CLOSE, payload[:2]))
                closing = True
                break
        if not closing and at < size:
            self._pending = data[at:]
        transport = self._transport
        if transport is not None and out:
            transport.write(b"".join(out))
        if closing:
            self._hang_up()

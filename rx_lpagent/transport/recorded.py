"""The socket tap of a recording: a :class:`~rx_lpagent.transport.live.LiveLink` whose opening,
frames (both ways) and close are written to a :class:`~rx_lpagent.recording.SessionRecorder`.

Chosen once, when the socket opens, and only when recording: an agent that does not record
runs the plain link, with no check per frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import reactivex
from reactivex import operators as ops

from rx_lpagent.errors import SDKError
from rx_lpagent.recording import SessionRecorder
from rx_lpagent.transport.backend import OnClose, OnMessage
from rx_lpagent.transport.live import LiveLink
from rx_lpagent.transport.socket import ABNORMAL_CLOSURE, SocketConnection

__all__ = ["RecordedLink", "open_recorded"]


async def open_recorded(
    recorder: SessionRecorder,
    url: str,
    opening: Awaitable[SocketConnection],
    on_message: OnMessage,
    on_close: OnClose,
) -> RecordedLink:
    """Await ``opening`` (the handshake on ``url``) and record how it went: 101, or the status
    the server refused it with, or the error that came instead."""
    try:
        connection = await opening
    except SDKError as error:
        status = error.code if isinstance(error.code, int) and 100 <= error.code < 600 else None
        recorder.opened(url, status=status, error=str(error))
        raise
    except asyncio.CancelledError:
        recorder.opened(url, error="cancelled")
        raise
    number = recorder.opened(url, status=101)
    return RecordedLink(connection, number, recorder, on_message, on_close)


class RecordedLink(LiveLink):
    """A live link that records: incoming frames before the agent sees them, outgoing frames
    as they are queued, and the close once (``by`` the side that ended it)."""

    def __init__(
        self,
        connection: SocketConnection,
        number: int,
        recorder: SessionRecorder,
        on_message: OnMessage,
        on_close: OnClose,
    ) -> None:
        self._number = number
        self._recorder = recorder
        self._close_recorded = False
        record = recorder.frame

        def received(message: bytes | str) -> None:
            record(number, "in", message)
            on_message(message)

        def closed(code: int | None, reason: str, /, *, by_peer: bool = True) -> None:
            self._record_close(code, reason, by_server=by_peer)
            on_close(code, reason, by_peer=by_peer)

        super().__init__(connection, received, closed)
        send = connection.send_soon

        def sending(data: bytes) -> None:
            send(data)  # first: a frame refused on a closed socket never left
            record(number, "out", data)

        self.send = sending

    def close(self, code: int = 1000, reason: str = "") -> reactivex.Observable[None]:
        connection = self._connection

        def record() -> None:
            ended = connection.close_code
            self._record_close(
                code if ended is None else ended,
                connection.close_reason if ended is not None else reason,
                by_server=ended is not None and not connection.closed_locally,
            )

        return super().close(code, reason).pipe(ops.finally_action(record))

    def _record_close(self, code: int | None, reason: str, *, by_server: bool) -> None:
        if not self._close_recorded:
            self._close_recorded = True
            self._recorder.closed(
                self._number,
                ABNORMAL_CLOSURE if code is None else code,
                reason,
                by_server=by_server,
            )

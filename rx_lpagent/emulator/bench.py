"""Bench mode: stream N notifications down an agent socket as fast as it takes them.

The frame is encoded once as a prefix and a suffix around the sequence number, so the loop does
no JSON work: a benchmark measures the client, not the emulator.
"""

from __future__ import annotations

import asyncio

from aiohttp import WSMsgType

from rx_lpagent.emulator.connection import Connection
from rx_lpagent.emulator.engine import ONLINE_EVENT
from rx_lpagent.protocol.frames import encode

__all__ = ["BENCH_DIALOG", "bench_frame_parts", "stream_notifications"]

BENCH_DIALOG = "bench-dialog"
_SEQUENCE_MARK = 987654321987


def bench_frame_parts(dialog_id: str = BENCH_DIALOG) -> tuple[bytes, bytes]:
    """The bytes before and after the sequence number of one OnlineEventDistribution frame."""
    frame = encode(
        {
            "kind": "notification",
            "type": ONLINE_EVENT,
            "body": {
                "sequence": _SEQUENCE_MARK,
                "originatorId": "bench-consumer",
                "originatorPId": "bench-consumer",
                "originatorMetadata": {"id": "bench-consumer", "role": "CONSUMER"},
                "serverTimestamp": 1700000000000,
                "event": {
                    "type": "ContentEvent",
                    "contentType": "text/plain",
                    "message": "benchmark message",
                },
                "dialogId": dialog_id,
            },
        }
    )
    prefix, suffix = frame.split(str(_SEQUENCE_MARK).encode(), 1)
    return prefix, suffix


async def stream_notifications(connection: Connection, count: int) -> int:
    """Queue a stream of ``count`` notifications behind what the socket already has queued;
    returns once all were written (or the socket went away). Returns how many were written."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    prefix, suffix = bench_frame_parts()

    async def job() -> None:
        send_frame = connection.ws.send_frame
        text = WSMsgType.TEXT
        sent = 0
        try:
            for sequence in range(count):
                await send_frame(b"%b%d%b" % (prefix, sequence, suffix), text)
                sent += 1
        finally:
            if not done.done():
                done.set_result(sent)

    connection.run_in_order(job)
    try:
        return await done
    finally:
        if not done.done():
            done.cancel()

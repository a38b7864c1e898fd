"""Bench mode: stream N notifications down an agent socket as fast as it takes them.

The frame is encoded once as a prefix and a suffix around the sequence number, so the loop does
no JSON work: a benchmark measures the client, not the emulator.
"""

from __future__ import annotations

import asyncio
import itertools
import struct
from typing import Any

from aiohttp import WSMsgType

from rx_lpagent.emulator.connection import Connection
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import encode

__all__ = ["BENCH_DIALOG", "bench_frame_parts", "stream_notifications"]

BENCH_DIALOG = "bench-dialog"
_SEQUENCE_MARK = 987654321987
_BATCH = 128
_streams = itertools.count(1)


def bench_frame_parts(dialog_id: str = BENCH_DIALOG) -> tuple[bytes, bytes]:
    """The bytes before and after the sequence number of one OnlineEventDistribution frame."""
    frame = encode(
        {
            "kind": "notification",
            "type": wt.ONLINE_EVENT_DISTRIBUTION,
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


def _text_frame_header(length: int) -> bytes:
    """An unmasked, final TEXT frame header (RFC 6455 section 5.2) for ``length`` bytes."""
    if length < 126:
        return struct.pack("!BB", 0x81, length)
    if length < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, length)
    return struct.pack("!BBQ", 0x81, 127, length)


async def _send_batched(connection: Connection, count: int, prefix: bytes, suffix: bytes) -> int:
    """Write whole batches of ready-made frames straight to the transport, draining between
    batches: one TLS record per batch instead of one per frame. Needs an uncompressed socket
    and aiohttp's writer internals; returns -1 when they are not there."""
    writer = getattr(connection.ws, "_writer", None)
    transport = getattr(writer, "transport", None)
    protocol = getattr(writer, "protocol", None)
    drain = getattr(protocol, "_drain_helper", None)
    if connection.ws.compress or transport is None or drain is None:
        return -1
    sent = 0
    while sent < count:
        batch = []
        for sequence in range(sent, min(sent + _BATCH, count)):
            payload = b"%b%d%b" % (prefix, sequence, suffix)
            batch.append(_text_frame_header(len(payload)) + payload)
        if transport.is_closing():
            break
        transport.write(b"".join(batch))
        sent += len(batch)
        if getattr(protocol, "_paused", False):
            await drain()
    return sent


async def _send_framewise(connection: Connection, count: int, prefix: bytes, suffix: bytes) -> int:
    send_frame = connection.ws.send_frame
    text = WSMsgType.TEXT
    sent = 0
    for sequence in range(count):
        await send_frame(b"%b%d%b" % (prefix, sequence, suffix), text)
        sent += 1
    return sent


async def stream_notifications(connection: Connection, count: int) -> int:
    """Queue a stream of ``count`` notifications behind what the socket already has queued;
    returns once all were written (or the socket went away). Returns how many were written."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    # sequences restart at 0 in every stream: a dialog of its own keeps them unique per dialog,
    # as the service's are (a client that de-duplicates would drop a repeated stream)
    prefix, suffix = bench_frame_parts(f"{BENCH_DIALOG}-{next(_streams)}")

    async def job() -> None:
        sent = 0
        try:
            sent = await _send_batched(connection, count, prefix, suffix)
            if sent < 0:
                sent = await _send_framewise(connection, count, prefix, suffix)
        finally:
            if not done.done():
                done.set_result(max(sent, 0))

    if connection.closing or connection.half_open:
        return 0
    connection.run_in_order(job)
    try:
        waits: list[asyncio.Future[Any]] = [done, connection.finished]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        return done.result() if done.done() else 0
    finally:
        if not done.done():
            done.cancel()

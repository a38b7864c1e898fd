"""How fast each messaging-socket transport reads notifications.

Run: ``python -m rx_lpagent.bench.transports [-n FRAMES] [--rounds N] [--tls]``.

A local aiohttp server (in a process of its own, so it does not share the reader's core) streams
pre-encoded ~300-byte notification frames to each client, as fast as the socket takes them, then
closes with 1000. Each client decodes every frame with msgspec:

- ``bare aiohttp``: ``ws_connect`` + ``async for`` + a msgspec decoder, nothing of ours (the
  baseline); ``bare aiohttp, bytes`` the same with ``decode_text=False``;
- ``AiohttpSocketConnection``: our aiohttp transport, ``run(callback)`` with ``decode_frame``;
- ``WebsocketsSocketConnection``: our websockets transport, the same callback.

Prints messages per second (best of ``--rounds``) and the ratio to the baseline. ``--tls`` runs
over TLS with a throw-away CA (needs the ``tls`` extra: trustme).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import ssl
import struct
import time
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.connection import Connection

import aiohttp
import msgspec
from aiohttp import web

from rx_lpagent.cli._support import Parser, plain, progress
from rx_lpagent.protocol import Notification, decode_frame
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.transport import (
    AiohttpSocketTransport,
    IncomingMessage,
    SocketTransport,
    WebsocketsSocketTransport,
    messaging_url,
)

__all__ = ["main", "notification_frames"]

_CLOSE_1000 = b"\x88\x02\x03\xe8"


def notification_frames(count: int) -> list[bytes]:
    """``count`` distinct JSON notification frames of about 300 bytes each."""
    frames = []
    for sequence in range(count):
        frame = {
            "kind": "notification",
            "type": wt.ONLINE_EVENT_DISTRIBUTION,
            "body": {
                "sequence": sequence,
                "originatorId": "1bb11075bd2611b5c4d4d73bfbb156c8",
                "serverTimestamp": 1470732437925 + sequence,
                "event": {
                    "type": "ContentEvent",
                    "message": f"message number {sequence} from the consumer",
                    "contentType": "text/plain",
                },
                "dialogId": "816566d3-3825-4375-b2c6-82bcd000b623",
            },
        }
        frames.append(msgspec.json.encode(frame))
    return frames


def _ws_text_frame(payload: bytes) -> bytes:
    """One unmasked (server to client) WebSocket text frame."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return bytes((0x81, 126)) + struct.pack("!H", size) + payload
    return bytes((0x81, 127)) + struct.pack("!Q", size) + payload


def _serve(count: int, use_tls: bool, pipe: Connection) -> None:
    """Server process: stream ``count`` frames to every client of the messaging path."""
    blob = b"".join(_ws_text_frame(frame) for frame in notification_frames(count)) + _CLOSE_1000

    async def messaging(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        transport = request.transport
        assert transport is not None
        # the frames are pre-encoded: hand them all to the socket at once
        transport.write(blob)
        async for _ in ws:  # until the client answers the close
            pass
        return ws

    async def run() -> None:
        server_ssl = None
        client_ca = None
        if use_tls:
            import trustme

            ca = trustme.CA()
            server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1").configure_cert(server_ssl)
            client_ca = ca.cert_pem.bytes()
        app = web.Application()
        app.router.add_get("/ws_api/account/{account}/messaging/brand/{bearer}", messaging)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl)
        await site.start()
        pipe.send((int(runner.addresses[0][1]), client_ca))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # wait for "stop"
        await runner.cleanup()

    asyncio.run(run())


Reader = Callable[[str, ssl.SSLContext | None, int], Awaitable[int]]


async def _bare_aiohttp(url: str, client_ssl: ssl.SSLContext | None, count: int) -> int:
    return await _bare(url, client_ssl, decode_text=True)


async def _bare_aiohttp_bytes(url: str, client_ssl: ssl.SSLContext | None, count: int) -> int:
    return await _bare(url, client_ssl, decode_text=False)


async def _bare(url: str, client_ssl: ssl.SSLContext | None, *, decode_text: bool) -> int:
    decoder = msgspec.json.Decoder(Notification)
    received = 0
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, ssl=client_ssl or True, decode_text=decode_text) as ws,
    ):
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                decoder.decode(message.data)
                received += 1
    return received


def _ours(make: Callable[[aiohttp.ClientSession], SocketTransport]) -> Reader:
    async def read(url: str, client_ssl: ssl.SSLContext | None, count: int) -> int:
        received = 0

        def on_message(message: IncomingMessage) -> None:
            nonlocal received
            if isinstance(decode_frame(message), Notification):
                received += 1

        async with aiohttp.ClientSession() as session:
            connection = await make(session).connect(url, ssl=client_ssl, timeout=10.0)
            await connection.run(on_message)
        return received

    return read


READERS: dict[str, Reader] = {
    "bare aiohttp + msgspec": _bare_aiohttp,
    "bare aiohttp, bytes": _bare_aiohttp_bytes,
    "AiohttpSocketConnection": _ours(AiohttpSocketTransport),
    "WebsocketsSocketConnection": _ours(lambda _: WebsocketsSocketTransport()),
}


async def _measure(
    url: str, client_ssl: ssl.SSLContext | None, count: int, rounds: int
) -> dict[str, float]:
    best: dict[str, float] = {}
    with progress("bench transports", rounds * len(READERS)) as step:
        for round_ in range(rounds):
            for name, reader in READERS.items():  # interleaved, so drift hits all alike
                step(f"round {round_ + 1}: {name}")
                rate = await _rate(name, reader, url, client_ssl, count)
                best[name] = max(best.get(name, 0.0), rate)
    return best


async def _rate(
    name: str, reader: Reader, url: str, client_ssl: ssl.SSLContext | None, count: int
) -> float:
    started = time.perf_counter()
    received = await reader(url, client_ssl, count)
    elapsed = time.perf_counter() - started
    if received != count:
        raise RuntimeError(f"{name} read {received} of {count} frames")
    return count / elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.transports", description=plain(__doc__))
    parser.add_argument("-n", "--frames", type=int, default=100_000, help="frames per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per reader (best is kept)")
    parser.add_argument("--tls", action="store_true", help="over TLS (needs trustme)")
    args = parser.parse_args(argv)

    frame_size = sum(map(len, notification_frames(100))) / 100
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(args.frames, args.tls, child), daemon=True
    )
    server.start()
    try:
        port, ca_pem = parent.recv()
        client_ssl = None
        if ca_pem is not None:
            client_ssl = ssl.create_default_context(cadata=ca_pem.decode())
        url = messaging_url(f"127.0.0.1:{port}", "123", "bench", secure=args.tls)
        results = asyncio.run(_measure(url, client_ssl, args.frames, args.rounds))
    finally:
        parent.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()

    baseline = results["bare aiohttp + msgspec"]
    print(
        f"{args.frames:,} notification frames of ~{frame_size:.0f} bytes, "
        f"{'TLS' if args.tls else 'plain TCP'}, best of {args.rounds}:"
    )
    for name, rate in results.items():
        print(f"  {name:<28} {rate:>10,.0f} msgs/s   {rate / baseline:5.2f}x baseline")
    fastest = max(
        ("AiohttpSocketConnection", "WebsocketsSocketConnection"), key=results.__getitem__
    )
    print(f"fastest of ours: {fastest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

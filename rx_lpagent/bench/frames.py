"""How fast the websockets transport's frame fast path reads and writes frames, next to
websockets' own Sans-I/O protocol.

    python -m rx_lpagent.bench.frames [--count N] [--size BYTES] [--chunk BYTES] [--rounds N]

Reading: ``--count`` server text frames of ``--size`` bytes, in ``--chunk``-byte chunks after a
101 answer, through websockets' ``ClientProtocol`` (``receive_data`` then ``events_received``)
and through :class:`~rx_lpagent.transport._frames.FrameReader` in front of it. Writing: as many
masked client text frames through ``send_text`` then ``data_to_send``, and through
:class:`~rx_lpagent.transport._frames.FrameWriter`, in batches of 64 and one at a time. No
socket: the CPU cost per frame of each path alone. Prints the best of ``--rounds``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from websockets.client import ClientProtocol
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from rx_lpagent.cli._support import Parser, plain
from rx_lpagent.transport._frames import FrameReader, FrameWriter
from rx_lpagent.transport.socket import MAX_MESSAGE_SIZE

__all__ = ["main"]

_BATCH = 64


def _opened_client() -> tuple[ClientProtocol, bytes]:
    """A client protocol after its handshake request, and the server's 101 answer to it."""
    client = ClientProtocol(parse_uri("ws://127.0.0.1/"), max_size=MAX_MESSAGE_SIZE)
    client.send_request(client.connect())
    server = ServerProtocol()
    server.receive_data(b"".join(client.data_to_send()))
    (request,) = server.events_received()
    assert isinstance(request, Request)
    server.send_response(server.accept(request))
    return client, b"".join(server.data_to_send())


def _server_frames(count: int, size: int, chunk: int) -> list[bytes]:
    payload = b"x" * size
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    stream = (header + payload) * count
    return [stream[at : at + chunk] for at in range(0, len(stream), chunk)]


def _read_websockets(chunks: list[bytes], count: int) -> float:
    client, response = _opened_client()
    client.receive_data(response)
    client.events_received()
    received = 0
    started = time.perf_counter()
    for chunk in chunks:
        client.receive_data(chunk)
        received += len(client.events_received())
    elapsed = time.perf_counter() - started
    assert received == count, received
    return elapsed


def _read_fast_path(chunks: list[bytes], count: int) -> float:
    client, response = _opened_client()
    received = 0

    def on_message(_: bytes) -> None:
        nonlocal received
        received += 1

    def pass_on(data: bytes) -> bool:
        client.receive_data(data)
        client.events_received()
        return client.state is State.OPEN

    def on_failure(error: Exception) -> None:
        raise error

    reader = FrameReader(on_message, pass_on, MAX_MESSAGE_SIZE, on_failure)
    reader.feed(response)
    started = time.perf_counter()
    for chunk in chunks:
        reader.feed(chunk)
    elapsed = time.perf_counter() - started
    assert received == count, received
    return elapsed


def _batches(count: int, size: int, batch: int) -> list[list[bytes]]:
    payload = b"x" * size
    return [[payload] * min(batch, count - at) for at in range(0, count, batch)]


def _write_websockets(batches: list[list[bytes]]) -> float:
    client = ClientProtocol(parse_uri("ws://127.0.0.1/"), state=State.OPEN)
    started = time.perf_counter()
    for batch in batches:
        for payload in batch:
            client.send_text(payload)
        b"".join(client.data_to_send())
    return time.perf_counter() - started


def _write_fast_path(batches: list[list[bytes]]) -> float:
    client = ClientProtocol(parse_uri("ws://127.0.0.1/"), state=State.OPEN)

    def frame_large(payload: bytes) -> bytes:
        client.send_text(payload)
        return b"".join(client.data_to_send())

    writer = FrameWriter(frame_large)
    started = time.perf_counter()
    for batch in batches:
        writer.text_frames(batch)
    return time.perf_counter() - started


def _best(rounds: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(rounds))


def main(argv: Sequence[str] | None = None) -> int:
    parser = Parser(prog="python -m rx_lpagent.bench.frames", description=plain(__doc__))
    parser.add_argument("--count", type=int, default=100_000, help="frames per run")
    parser.add_argument("--size", type=int, default=300, help="payload bytes per frame")
    parser.add_argument("--chunk", type=int, default=65_536, help="bytes per received chunk")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each (best is kept)")
    args: argparse.Namespace = parser.parse_args(argv)
    count, rounds = args.count, args.rounds
    chunks = _server_frames(count, args.size, args.chunk)
    rows = [
        ("read: websockets receive_data", _best(rounds, lambda: _read_websockets(chunks, count))),
        ("read: FrameReader", _best(rounds, lambda: _read_fast_path(chunks, count))),
        (
            f"write: websockets send_text, {_BATCH} a write",
            _best(rounds, lambda: _write_websockets(_batches(count, args.size, _BATCH))),
        ),
        (
            f"write: FrameWriter, {_BATCH} a write",
            _best(rounds, lambda: _write_fast_path(_batches(count, args.size, _BATCH))),
        ),
        (
            "write: FrameWriter, 1 a write",
            _best(rounds, lambda: _write_fast_path(_batches(count, args.size, 1))),
        ),
    ]
    print(
        f"{count:,} frames of {args.size} bytes, {args.chunk:,}-byte chunks read, best of {rounds}:"
    )
    for name, seconds in rows:
        print(f"  {name:<40} {seconds / count * 1e6:>7.3f} us/frame")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

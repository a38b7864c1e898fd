"""Hand-made WebSocket bytes for the frame fast path's tests, and websockets' Sans-I/O protocols
(real ones, no I/O) to compare against and to play the server.

A server's frames are written by hand here (any header, masked or not, RSV bits, bad lengths),
so the tests can send what no well-behaved library would.
"""

from __future__ import annotations

from websockets.client import ClientProtocol
from websockets.frames import Frame
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

TEXT, BINARY, CONT = 0x1, 0x2, 0x0
CLOSE, PING, PONG = 0x8, 0x9, 0xA
RSV1 = 0x40


def frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv: int = 0,
    mask: bytes | None = None,
    length: int | None = None,
) -> bytes:
    """One frame as a server would send it (unmasked unless ``mask``); ``length`` overrides the
    header's payload length (to announce more than is sent)."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv | opcode
    mask_bit = 0x80 if mask is not None else 0
    if size < 126:
        header = bytes([first, mask_bit | size])
    elif size < 1 << 16:
        header = bytes([first, mask_bit | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([first, mask_bit | 127]) + size.to_bytes(8, "big")
    if mask is None:
        return header + payload
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return header + mask + masked


def text(payload: bytes | str) -> bytes:
    return frame(TEXT, payload.encode() if isinstance(payload, str) else payload)


def close(code: int, reason: str = "") -> bytes:
    return frame(CLOSE, code.to_bytes(2, "big") + reason.encode())


def opened_client(max_size: int) -> tuple[ClientProtocol, bytes]:
    """A websockets client protocol that has sent its handshake request, and the bytes of the
    server's 101 answer to it (made by websockets' own server protocol)."""
    client = ClientProtocol(parse_uri("ws://127.0.0.1/"), max_size=max_size)
    client.send_request(client.connect())
    request = b"".join(client.data_to_send())
    server = ServerProtocol()
    server.receive_data(request)
    (handshake,) = server.events_received()
    assert isinstance(handshake, Request)
    server.send_response(server.accept(handshake))
    return client, b"".join(server.data_to_send())


def client_frames(sent: bytes) -> list[tuple[str, bytes]]:
    """The frames in what a client sent after its handshake (pongs, close), unmasked, as
    ``(opcode name, payload)``: read by websockets' server protocol."""
    server = ServerProtocol(state=State.OPEN, max_size=None)
    server.receive_data(sent)
    return [
        (event.opcode.name, bytes(event.data))
        for event in server.events_received()
        if isinstance(event, Frame)
    ]

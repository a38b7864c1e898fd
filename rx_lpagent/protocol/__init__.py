"""The pure protocol core: frames, request and notification bodies, codecs. No I/O, no awaits."""

from rx_lpagent.protocol.frames import (
    NULL,
    Frame,
    Notification,
    Request,
    Response,
    UnknownFrame,
    decode_body,
    decode_frame,
    encode,
    encode_request,
)

__all__ = [
    "NULL",
    "Frame",
    "Notification",
    "Request",
    "Response",
    "UnknownFrame",
    "decode_body",
    "decode_frame",
    "encode",
    "encode_request",
]

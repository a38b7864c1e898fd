"""The three frame kinds of the messaging socket, and the one decode entry point.

Frames are a tagged union on ``kind``. A frame's ``body`` stays a :class:`msgspec.Raw` slice of
the input until someone asks for it typed (:func:`decode_body`), so routing a notification by
``type`` costs one small decode and no body parsing.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from rx_lpagent.errors import MalformedFrameError

__all__ = [
    "FRAME_DECODER",
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

NULL = msgspec.Raw(b"null")
_EMPTY_OBJECT = msgspec.Raw(b"{}")


class Request(msgspec.Struct, tag_field="kind", tag="req", omit_defaults=True):
    """``{"kind":"req","id","type","body","headers","metadata"}``."""

    id: str
    type: str
    body: msgspec.Raw = _EMPTY_OBJECT
    headers: msgspec.Raw = NULL
    metadata: msgspec.Raw = NULL


class Response(msgspec.Struct, tag_field="kind", tag="resp", omit_defaults=True):
    """``{"kind":"resp","reqId","code","type","body"}``; ``code`` >= 400 is a failure."""

    reqId: str
    code: int = 200
    type: str = ""
    body: msgspec.Raw = NULL

    @property
    def ok(self) -> bool:
        return self.code < 400


class Notification(msgspec.Struct, tag_field="kind", tag="notification", omit_defaults=True):
    """``{"kind":"notification","type","body"}``."""

    type: str
    body: msgspec.Raw = NULL


class UnknownFrame(msgspec.Struct, frozen=True):
    """A well-formed frame of a ``kind`` this library does not know; callers ignore it."""

    kind: str


class _KindOnly(msgspec.Struct):
    kind: str


Frame = Request | Response | Notification

FRAME_DECODER: msgspec.json.Decoder[Frame] = msgspec.json.Decoder(Frame)
"""What :func:`decode_frame` decodes with, for a caller that tries it first and asks
:func:`decode_frame` only when it raises (one call less per frame on a hot path)."""
_kind_decoder = msgspec.json.Decoder(_KindOnly)
_encoder = msgspec.json.Encoder()

_T = TypeVar("_T")


def decode_frame(data: bytes | str) -> Frame | UnknownFrame | MalformedFrameError:
    """Decode one socket message. Never raises: bad input comes back as a MalformedFrameError."""
    try:
        return FRAME_DECODER.decode(data)
    except msgspec.ValidationError as exc:
        try:
            kind = _kind_decoder.decode(data).kind
        except (msgspec.DecodeError, RecursionError):
            return MalformedFrameError(f"invalid frame: {exc}", error=exc, raw=data)
        if kind not in ("req", "resp", "notification"):
            return UnknownFrame(kind)
        return MalformedFrameError(f"invalid {kind} frame: {exc}", error=exc, raw=data)
    except msgspec.DecodeError as exc:
        return MalformedFrameError(f"malformed JSON frame: {exc}", error=exc, raw=data)
    except RecursionError as exc:  # msgspec recurses once per nesting level: a 2 KB frame does it
        return MalformedFrameError("frame nested too deeply", error=exc, raw=data)
    except (UnicodeError, ValueError, TypeError) as exc:
        return MalformedFrameError(f"undecodable frame: {exc}", error=exc, raw=data)


_body_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def decode_body(raw: msgspec.Raw | bytes, type_: type[_T]) -> _T | MalformedFrameError:
    """Decode a raw body as ``type_`` (decoders are built once per type and reused).

    Never raises: a body of the wrong shape comes back as a MalformedFrameError.
    """
    decoder = _body_decoders.get(type_)
    if decoder is None:
        decoder = _body_decoders[type_] = msgspec.json.Decoder(type_)
    try:
        result: _T = decoder.decode(raw)
    except (msgspec.DecodeError, UnicodeError, ValueError, TypeError, RecursionError) as exc:
        return MalformedFrameError(
            f"invalid body for {getattr(type_, '__name__', type_)}: {exc}",
            error=exc,
            raw=bytes(raw),
        )
    return result


def encode(value: object) -> bytes:
    """JSON bytes of a Struct, dict, list or scalar."""
    return _encoder.encode(value)


def encode_request(
    request_id: str,
    type_: str,
    body: object,
    *,
    headers: object = None,
    metadata: object = None,
) -> bytes:
    """The bytes of a request frame; ``body`` is a Struct, a dict or any JSON-able value."""
    return _encoder.encode(_Outgoing(request_id, type_, body, headers, metadata))


class _Outgoing(msgspec.Struct, tag_field="kind", tag="req", omit_defaults=True):
    """A :class:`Request` as sent: its body encoded with it, in one pass (every request pays
    for this; the body does not go through bytes and :class:`msgspec.Raw` first)."""

    id: str
    type: str
    body: Any
    headers: Any = None
    metadata: Any = None

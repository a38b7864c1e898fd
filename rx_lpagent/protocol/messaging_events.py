"""The events of a dialog: what ``PublishEvent`` sends and ``OnlineEventDistribution`` carries.

A tagged union on ``type``. Inbound, an event stays :class:`msgspec.Raw` inside its notification
until :func:`decode_event` is asked for it; an event ``type`` this library does not know comes
back as an :class:`UnknownEvent` (clients must ignore unknown types), never as an error.
"""

from __future__ import annotations

from typing import Any

import msgspec

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol.values import ContentType
from rx_lpagent.protocol.wire import OneOrMany, WireStruct, as_list

__all__ = [
    "AcceptStatusEvent",
    "ChatStateEvent",
    "ContentEvent",
    "MessagingEvent",
    "RichContentEvent",
    "UnknownEvent",
    "decode_event",
    "hosted_file_message",
]


class ContentEvent(WireStruct, tag_field="type", tag="ContentEvent"):
    """Text (``text/plain``) or another content type (``message`` is an object for files)."""

    message: str | dict[str, Any] = ""
    content_type: str = ""
    quick_replies: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # The wire needs contentType on every event; omit_defaults would drop a "text/plain"
        # default, so the empty default is filled here instead (also when decoding).
        if not self.content_type:
            self.content_type = ContentType.TEXT_PLAIN


class RichContentEvent(WireStruct, tag_field="type", tag="RichContentEvent"):
    """Structured content: ``content`` is the structured-content JSON object."""

    content: dict[str, Any] = msgspec.field(default_factory=dict)


class ChatStateEvent(WireStruct, tag_field="type", tag="ChatStateEvent"):
    """``chat_state``: a :class:`~rx_lpagent.protocol.values.ChatState` value."""

    chat_state: str = ""


class AcceptStatusEvent(WireStruct, tag_field="type", tag="AcceptStatusEvent"):
    """``status`` (an :class:`~rx_lpagent.protocol.values.AcceptStatus`) of the listed sequences."""

    status: str = ""
    sequence_list: OneOrMany[int] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.sequence_list = as_list(self.sequence_list)


MessagingEvent = ContentEvent | RichContentEvent | ChatStateEvent | AcceptStatusEvent


class UnknownEvent(msgspec.Struct, frozen=True):
    """An event of a ``type`` this library does not know, kept raw."""

    type: str
    raw: msgspec.Raw


class _TypeOnly(msgspec.Struct):
    type: str


_event_decoder: msgspec.json.Decoder[MessagingEvent] = msgspec.json.Decoder(MessagingEvent)
_type_decoder = msgspec.json.Decoder(_TypeOnly)
_KNOWN_EVENT_TYPES = frozenset(
    ("ContentEvent", "RichContentEvent", "ChatStateEvent", "AcceptStatusEvent")
)


def decode_event(raw: msgspec.Raw | bytes) -> MessagingEvent | UnknownEvent | MalformedFrameError:
    """The typed event of a raw ``event`` value. Never raises."""
    try:
        return _event_decoder.decode(raw)
    except msgspec.ValidationError as exc:
        try:
            event_type = _type_decoder.decode(raw).type
        except (msgspec.DecodeError, UnicodeError, ValueError, TypeError, RecursionError):
            event_type = None
        if event_type is not None and event_type not in _KNOWN_EVENT_TYPES:
            return UnknownEvent(event_type, msgspec.Raw(bytes(raw)))
        return MalformedFrameError(f"invalid messaging event: {exc}", error=exc, raw=bytes(raw))
    except (msgspec.DecodeError, UnicodeError, ValueError, TypeError, RecursionError) as exc:
        return MalformedFrameError(f"malformed messaging event: {exc}", error=exc, raw=bytes(raw))


def hosted_file_message(
    relative_path: str, file_type: str, *, caption: str = "", preview: str | None = None
) -> dict[str, Any]:
    """The ``message`` object of a ``hosted/file`` ContentEvent (after an upload)."""
    message: dict[str, Any] = {
        "caption": caption,
        "relativePath": relative_path,
        "fileType": file_type,
    }
    if preview is not None:
        message["preview"] = preview
    return message

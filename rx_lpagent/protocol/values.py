"""The closed value sets of the protocol, as StrEnum constants.

Body fields that carry these values are typed ``str``, not the enum, so a value this library
does not know yet still decodes (clients must ignore unknown enum values). Compare with the
constants (``event.chat_state == ChatState.COMPOSING``) and pass them when building requests.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AcceptStatus",
    "Availability",
    "ChangeType",
    "ChannelType",
    "ChatState",
    "ContentType",
    "ConversationState",
    "FileType",
    "ParticipantRole",
    "ParticipantsChangeType",
    "RingState",
]


class RingState(StrEnum):
    WAITING = "WAITING"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class Availability(StrEnum):
    ONLINE = "ONLINE"
    AWAY = "AWAY"
    BACK_SOON = "BACK_SOON"
    OFFLINE = "OFFLINE"
    OCCUPIED = "OCCUPIED"


class ChatState(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    GONE = "GONE"
    COMPOSING = "COMPOSING"
    PAUSE = "PAUSE"


class AcceptStatus(StrEnum):
    ACCEPT = "ACCEPT"
    READ = "READ"
    ACCESS = "ACCESS"
    NACK = "NACK"
    ACTION = "ACTION"


class ParticipantRole(StrEnum):
    CONSUMER = "CONSUMER"
    MANAGER = "MANAGER"
    READER = "READER"
    ASSIGNED_AGENT = "ASSIGNED_AGENT"
    AGENT = "AGENT"
    CONTROLLER = "CONTROLLER"


class ParticipantsChangeType(StrEnum):
    """``type`` of a ``ParticipantsChange`` conversation field."""

    ADD = "ADD"
    REMOVE = "REMOVE"
    UPDATE = "UPDATE"
    SUGGEST = "SUGGEST"


class ChangeType(StrEnum):
    """``type`` of one entry of a notification's ``changes``."""

    UPSERT = "UPSERT"
    DELETE = "DELETE"


class ConversationState(StrEnum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"
    LOCKED = "LOCKED"


class FileType(StrEnum):
    JPG = "JPG"
    PNG = "PNG"
    GIF = "GIF"
    JPEG = "JPEG"


class ChannelType(StrEnum):
    MESSAGING = "MESSAGING"


class ContentType(StrEnum):
    TEXT_PLAIN = "text/plain"
    HOSTED_FILE = "hosted/file"

"""Typed bodies of the raw notifications the messaging socket pushes.

These are the service's *raw* shapes (what arrives on the wire), for typed access; the Node
SDK's view of them is built by :mod:`rx_lpagent.protocol.transforms` from the raw JSON, so
nothing is lost there. All structs ignore unknown fields; enum-like fields are plain ``str``.
A dialog event stays :class:`msgspec.Raw` until :func:`~rx_lpagent.protocol.decode_event`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.messaging_events import (
    ContentEvent,
    MessagingEvent,
    UnknownEvent,
    decode_event,
)
from rx_lpagent.protocol.wire import OneOrMany, WireStruct, as_list

__all__ = [
    "NOTIFICATION_TYPES",
    "AgentState",
    "AgentStateChange",
    "AgentStateNotification",
    "ConversationChange",
    "ConversationDetails",
    "Dialog",
    "DialogParticipant",
    "ExConversation",
    "ExConversationChangeNotification",
    "OnlineEventDistribution",
    "OriginatorMetadata",
    "RingDetails",
    "RingUpdated",
    "RoutingTask",
    "RoutingTaskChange",
    "RoutingTaskNotification",
    "Ttr",
]


class OriginatorMetadata(WireStruct):
    id: str = ""
    role: str = ""
    client_properties: dict[str, Any] | None = None


class OnlineEventDistribution(WireStruct):
    """``.ams.ms.OnlineEventDistribution``: one dialog event (also a QueryMessages reply item)."""

    dialog_id: str = ""
    sequence: int | None = None
    originator_id: str | None = None
    originator_p_id: str | None = None
    originator_metadata: OriginatorMetadata | None = None
    server_timestamp: int | None = None
    event: msgspec.Raw = msgspec.Raw(b"null")
    conversation_id: str | None = None
    message_audience: str | None = None

    def decoded_event(self) -> MessagingEvent | UnknownEvent | MalformedFrameError:
        """The event, typed (decoded on each call: keep the result if you need it twice)."""
        return decode_event(self.event)

    @property
    def text(self) -> str | None:
        """The message of a plain-text ContentEvent, else None."""
        event = decode_event(self.event)
        if isinstance(event, ContentEvent) and isinstance(event.message, str):
            return event.message
        return None


class DialogParticipant(WireStruct):
    id: str = ""
    role: str = ""
    state: str = ""


class Dialog(WireStruct):
    dialog_id: str = ""
    participants_details: OneOrMany[DialogParticipant] = msgspec.field(default_factory=list)
    dialog_type: str = ""
    channel_type: str = ""
    state: str = ""
    creation_ts: int | None = None
    end_ts: int | None = None
    meta_data_last_update_ts: int | None = None
    close_reason: str | None = None

    def __post_init__(self) -> None:
        self.participants_details = as_list(self.participants_details)


class Ttr(WireStruct):
    ttr_type: str = ""
    value: int | None = None


class ConversationDetails(WireStruct):
    """``participants`` holds old agent ids and consumer ids by role; ``participants_p_id`` PIDs."""

    conv_id: str = ""
    skill_id: str | None = None
    brand_id: str | None = None
    note: str | None = None
    group_id: str | None = None
    csat_rate: int | float | None = None
    participants: dict[str, OneOrMany[str]] = msgspec.field(default_factory=dict)
    participants_p_id: dict[str, OneOrMany[str]] = msgspec.field(default_factory=dict)
    dialogs: OneOrMany[Dialog] = msgspec.field(default_factory=list)
    state: str = ""
    stage: str | None = None
    start_ts: int | None = None
    end_ts: int | None = None
    meta_data_last_update_ts: int | None = None
    ttr: Ttr | None = None

    def __post_init__(self) -> None:
        self.participants = {role: as_list(ids) for role, ids in self.participants.items()}
        self.participants_p_id = {
            role: as_list(ids) for role, ids in self.participants_p_id.items()
        }
        self.dialogs = as_list(self.dialogs)


class ExConversation(WireStruct):
    conv_id: str = ""
    effective_ttr: int | None = msgspec.field(default=None, name="effectiveTTR")
    last_update_time: int | None = None
    number_of_unread_messages: dict[str, int] | None = msgspec.field(
        default=None, name="numberOfunreadMessages"
    )
    last_content_event_notification: OnlineEventDistribution | None = None
    conversation_details: ConversationDetails | None = None


class ConversationChange(WireStruct):
    type: str = ""
    result: ExConversation | None = None


class ExConversationChangeNotification(WireStruct):
    """``.ams.aam.ExConversationChangeNotification``."""

    subscription_id: str = ""
    changes: OneOrMany[ConversationChange] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = as_list(self.changes)


class RingDetails(WireStruct):
    ring_id: str = ""
    ring_state: str = ""
    ring_expiration: int | None = None
    ring_expiration_ts: int | None = None
    weight: float | None = None
    brand_id: str | None = None
    conv_id: str | None = None
    consumer_id: str | None = None
    skill_id: str | None = None


class RoutingTask(WireStruct):
    routing_task_id: str | None = None
    assigned_agent_id: str | None = None
    brand_id: str | None = None
    task_completed: bool | None = None
    conversation_id: str = ""
    consumer_id: str = ""
    skill_id: str = ""
    rings_details: OneOrMany[RingDetails] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.rings_details = as_list(self.rings_details)


class RoutingTaskChange(WireStruct):
    type: str = ""
    result: RoutingTask | None = None


class RoutingTaskNotification(WireStruct):
    """``.ams.routing.RoutingTaskNotification``: rings offered to the agent."""

    subscription_id: str = ""
    changes: OneOrMany[RoutingTaskChange] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = as_list(self.changes)


class AgentState(WireStruct):
    agent_user_id: str | None = None
    channels: OneOrMany[str] = msgspec.field(default_factory=list)
    availability: str = ""
    description: str | None = None

    def __post_init__(self) -> None:
        self.channels = as_list(self.channels)


class AgentStateChange(WireStruct):
    type: str = ""
    result: AgentState | None = None


class AgentStateNotification(WireStruct):
    """``.ams.routing.AgentStateNotification``."""

    subscription_id: str = ""
    changes: OneOrMany[AgentStateChange] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = as_list(self.changes)


class RingUpdated(WireStruct):
    """``.ams.routing.RingUpdated`` (the Node SDK drops it as ``deprecated``)."""

    ring_id: str | None = None
    ring_state: str | None = None


NOTIFICATION_TYPES: dict[str, type[WireStruct]] = {
    wt.EX_CONVERSATION_CHANGE_NOTIFICATION: ExConversationChangeNotification,
    wt.ROUTING_TASK_NOTIFICATION: RoutingTaskNotification,
    wt.AGENT_STATE_NOTIFICATION: AgentStateNotification,
    wt.ONLINE_EVENT_DISTRIBUTION: OnlineEventDistribution,
    wt.RING_UPDATED: RingUpdated,
}
"""Raw wire type -> body struct (decode with :func:`~rx_lpagent.protocol.decode_body`)."""

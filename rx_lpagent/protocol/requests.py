"""Typed bodies of the 16 requests of the Node SDK (PROTOCOL.md section 3.1) and their replies.

Build a body, encode it with :func:`~rx_lpagent.protocol.encode_request`; which body and reply
belong to which request is :mod:`~rx_lpagent.protocol.request_specs`' table. Optional fields
default to ``None`` (or empty) and are left off the wire. Fields the Node SDK fills itself
(``channelType``, ``brandId``, ``agentId``...) are optional here too:
:func:`~rx_lpagent.protocol.transforms.fill_request` adds them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from rx_lpagent.protocol.messaging_events import MessagingEvent
from rx_lpagent.protocol.wire import OneOrMany, WireStruct, as_list

__all__ = [
    "AgentRequestConversation",
    "AuthenticatedData",
    "CSATRateField",
    "ConversationField",
    "ConversationStateField",
    "DialogChange",
    "GenerateURLForDownloadFile",
    "GenerateURLForUploadFile",
    "GetClock",
    "GetClockResponse",
    "GeneratedURL",
    "ParticipantsChange",
    "PrivateData",
    "ProfileClaims",
    "PublishEvent",
    "PublishEventResponse",
    "QueryMessages",
    "SetAgentState",
    "SkillField",
    "SubscribeAgentsState",
    "SubscribeExConversations",
    "SubscribeResponse",
    "SubscribeRoutingTasks",
    "TTRField",
    "TempUrlParams",
    "UnsubscribeExConversations",
    "UpdateConversationField",
    "UpdateRingState",
    "UserProfile",
]


class GetClock(WireStruct):
    """``.GetClock``: an empty body; also the recommended keep-alive."""


class GetClockResponse(WireStruct):
    current_time: int = 0


class AgentRequestConversation(WireStruct):
    consumer_id: str = ""
    channel_type: str | None = None
    brand_id: str | None = None
    skill_id: str | None = None
    conversation_context: dict[str, Any] | None = None


class SubscribeExConversations(WireStruct):
    """``conv_state``: :class:`~rx_lpagent.protocol.values.ConversationState` values."""

    conv_state: OneOrMany[str] = msgspec.field(default_factory=list)
    min_last_updated_time: int | None = None
    max_last_updated_time: int | None = None
    agent_ids: OneOrMany[str] | None = None
    brand_id: str | None = None

    def __post_init__(self) -> None:
        self.conv_state = as_list(self.conv_state)
        if self.agent_ids is not None:
            self.agent_ids = as_list(self.agent_ids)


class SubscribeResponse(WireStruct):
    """The reply of every subscribe request."""

    subscription_id: str = ""


class UnsubscribeExConversations(WireStruct):
    subscription_id: str = ""


# --- conversation fields of UpdateConversationField: a tagged union on "field" ---


class ConversationStateField(WireStruct, tag_field="field", tag="ConversationStateField"):
    conversation_state: str = ""


class DialogChange(WireStruct, tag_field="field", tag="DialogChange"):
    type: str = ""
    dialog: dict[str, Any] = msgspec.field(default_factory=dict)


class ParticipantsChange(WireStruct, tag_field="field", tag="ParticipantsChange"):
    """``type``: ADD/REMOVE/UPDATE/SUGGEST; a missing ``user_id`` means the agent itself."""

    type: str = ""
    role: str = ""
    user_id: str | None = None


class SkillField(WireStruct, tag_field="field", tag="Skill"):
    type: str = ""
    skill: str = ""


class TTRField(WireStruct, tag_field="field", tag="TTRField"):
    ttr_type: str = ""
    value: int | None = None


class CSATRateField(WireStruct, tag_field="field", tag="CSATRate"):
    csat_rate: int | None = None
    csat_resolution_confirmation: bool | None = None
    status: str | None = None


ConversationField = (
    ConversationStateField
    | DialogChange
    | ParticipantsChange
    | SkillField
    | TTRField
    | CSATRateField
)


class UpdateConversationField(WireStruct):
    """``conversation_field`` may arrive as one bare field; it is always a list once decoded."""

    conversation_id: str = ""
    conversation_field: OneOrMany[ConversationField] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        self.conversation_field = as_list(self.conversation_field)


class PublishEvent(WireStruct):
    dialog_id: str = ""
    event: MessagingEvent | None = None
    conversation_id: str | None = None


class PublishEventResponse(WireStruct):
    sequence: int = 0


class UpdateRingState(WireStruct):
    """``ring_state``: ACCEPTED or REJECTED; the reply is a plain string (code 202)."""

    ring_id: str = ""
    ring_state: str = ""


class SubscribeRoutingTasks(WireStruct):
    channel_type: str | None = None
    agent_id: str | None = None
    brand_id: str | None = None


class SetAgentState(WireStruct):
    """``availability``: an :class:`~rx_lpagent.protocol.values.Availability` value."""

    availability: str = ""
    channels: OneOrMany[str] | None = None
    agent_user_id: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.channels is not None:
            self.channels = as_list(self.channels)


class SubscribeAgentsState(WireStruct):
    brand_id: str | None = None
    agent_id: str | None = None


class QueryMessages(WireStruct):
    """What ``subscribeMessagingEvents`` sends; the reply is a list of dialog events."""

    dialog_id: str = ""
    from_seq: int | None = None
    newer_than_sequence: int | None = None
    older_than_sequence: int | None = None
    max_quantity: int | None = None
    conversation_id: str | None = None


class GenerateURLForDownloadFile(WireStruct):
    relative_path: str = ""


class GenerateURLForUploadFile(WireStruct):
    """``file_type``: a :class:`~rx_lpagent.protocol.values.FileType` value."""

    file_size: int = 0
    file_type: str = ""


class TempUrlParams(msgspec.Struct, omit_defaults=True):
    """The signed-URL query parameters (snake_case on the wire)."""

    temp_url_sig: str = ""
    temp_url_expires: str | int = ""


class GeneratedURL(WireStruct):
    relative_path: str = ""
    query_params: TempUrlParams | None = None


class PrivateData(WireStruct):
    mobile_num: str | None = None
    email: str | None = None
    user_id: str | None = None


class AuthenticatedData(WireStruct):
    lp_sdes: OneOrMany[dict[str, Any]] = msgspec.field(default_factory=list, name="lp_sdes")

    def __post_init__(self) -> None:
        self.lp_sdes = as_list(self.lp_sdes)


class ProfileClaims(WireStruct):
    iss: str | None = None
    lp_sdes: OneOrMany[dict[str, Any]] = msgspec.field(default_factory=list, name="lp_sdes")

    def __post_init__(self) -> None:
        self.lp_sdes = as_list(self.lp_sdes)


class UserProfile(WireStruct):
    """The raw GetUserProfile reply (the Node SDK turns it into SDEs: see transforms)."""

    first_name: str | None = None
    last_name: str | None = None
    acr: str | None = None
    private_data: PrivateData | None = None
    authenticated_data: AuthenticatedData | None = None
    claims: ProfileClaims | None = None

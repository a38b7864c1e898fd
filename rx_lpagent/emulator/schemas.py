"""What the emulator accepts from clients: the request frame and the 16 request bodies.

Written from LivePerson's documentation (PROTOCOL.md section 3.1) and kept apart from the
client's own structs in :mod:`rx_lpagent.protocol`, so that a misunderstanding on the client side
cannot pass on both sides. Unknown fields are ignored, as the service does; a one-element array
may arrive as the bare element. A body that does not fit is answered 400 with the reason.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from rx_lpagent.protocol import wire_types as wt

__all__ = ["InboundRequest", "InvalidBody", "decode_request", "validate_body"]


class InvalidBody(ValueError):
    """A request body that does not fit the documented schema; the text says where."""


class InboundRequest(msgspec.Struct, tag_field="kind", tag="req"):
    """``{"kind":"req","id","type","body","headers","metadata"}`` as a client sends it."""

    id: str
    type: str
    body: Any = msgspec.field(default_factory=dict)
    headers: Any = None
    metadata: Any = None


_request_decoder = msgspec.json.Decoder(InboundRequest)


def decode_request(data: str | bytes) -> InboundRequest | None:
    """The request in ``data``, or None when it is not a well-formed request frame."""
    try:
        return _request_decoder.decode(data)
    except msgspec.DecodeError:
        return None


class _Body(msgspec.Struct):
    pass


# -- shared vocabularies -------------------------------------------------------------------------
ConvState = Literal["OPEN", "CLOSE"]
Role = Literal["ASSIGNED_AGENT", "MANAGER", "READER", "CONTROLLER"]
Availability = Literal["ONLINE", "AWAY", "BACK_SOON", "OFFLINE", "OCCUPIED"]
ChatState = Literal["ACTIVE", "INACTIVE", "GONE", "COMPOSING", "PAUSE", "BACKGROUND"]
AcceptStatus = Literal["ACCEPT", "READ", "ACCESS", "NACK", "ACTION"]
MessageAudience = Literal["ALL", "AGENTS_AND_MANAGERS"]


# -- conversations -------------------------------------------------------------------------------
class AgentRequestConversation(_Body):
    consumerId: str
    skillId: str | int | None = None
    channelType: str | None = None


class SubscribeExConversations(_Body):
    convState: list[ConvState] | ConvState | None = None
    agentIds: list[str] | str | None = None
    minLastUpdatedTime: int | None = None
    maxLastUpdatedTime: int | None = None


class UnsubscribeExConversations(_Body):
    subscriptionId: str


class ConversationStateField(_Body, tag_field="field", tag="ConversationStateField"):
    conversationState: str


class ParticipantsChange(_Body, tag_field="field", tag="ParticipantsChange"):
    type: Literal["ADD", "REMOVE", "UPDATE", "SUGGEST"]
    userId: str
    role: Role = "ASSIGNED_AGENT"


class DialogBody(_Body):
    dialogId: str | None = None
    dialogType: str | None = None
    channelType: str | None = None
    state: str | None = None
    closedCause: str | None = None


class DialogChange(_Body, tag_field="field", tag="DialogChange"):
    type: Literal["ADD", "UPDATE"]
    dialog: DialogBody


class Skill(_Body, tag_field="field", tag="Skill"):
    skill: str
    type: str = "UPDATE"


class TTRField(_Body, tag_field="field", tag="TTRField"):
    ttrType: str
    value: int | None = None


class CSATRate(_Body, tag_field="field", tag="CSATRate"):
    csatRate: int


ConversationField = (
    ConversationStateField | ParticipantsChange | DialogChange | Skill | TTRField | CSATRate
)


class UpdateConversationField(_Body):
    conversationId: str
    conversationField: list[ConversationField] | ConversationField


# -- messaging -----------------------------------------------------------------------------------
class ContentEvent(_Body, tag_field="type", tag="ContentEvent"):
    message: str | dict[str, Any]
    contentType: str = "text/plain"
    quickReplies: dict[str, Any] | None = None


class RichContentEvent(_Body, tag_field="type", tag="RichContentEvent"):
    content: dict[str, Any]


class ChatStateEvent(_Body, tag_field="type", tag="ChatStateEvent"):
    chatState: ChatState


class AcceptStatusEvent(_Body, tag_field="type", tag="AcceptStatusEvent"):
    status: AcceptStatus
    sequenceList: list[int]


class PublishEvent(_Body):
    dialogId: str
    event: ContentEvent | RichContentEvent | ChatStateEvent | AcceptStatusEvent
    conversationId: str | None = None
    messageAudience: MessageAudience = "ALL"


class QueryMessages(_Body):
    dialogId: str
    maxQuantity: int | None = None
    olderThanSequence: int | None = None
    newerThanSequence: int | None = None
    fromSeq: int | None = None


class GenerateURLForDownloadFile(_Body):
    relativePath: str


class GenerateURLForUploadFile(_Body):
    fileSize: int
    fileType: str


# -- routing and agent state ---------------------------------------------------------------------
class UpdateRingState(_Body):
    ringId: str
    ringState: Literal["ACCEPTED", "REJECTED"]


class SubscribeRoutingTasks(_Body):
    agentId: str | None = None
    brandId: str | None = None
    channelType: str | None = None


class SetAgentState(_Body):
    availability: Availability
    agentUserId: str | None = None
    channels: list[str] | str | None = None
    description: str | None = None


class SubscribeAgentsState(_Body):
    agentId: str | None = None
    brandId: str | None = None


class MetadataEntry(_Body):
    """One entry of a request's ``metadata`` (``{"type": "ExternalId", "id": ...}``, ...)."""

    type: str


SCHEMAS: dict[str, Any] = {
    wt.GET_CLOCK: dict[str, Any],
    wt.AGENT_REQUEST_CONVERSATION: AgentRequestConversation,
    wt.SUBSCRIBE_EX_CONVERSATIONS: SubscribeExConversations,
    wt.UNSUBSCRIBE_EX_CONVERSATIONS: UnsubscribeExConversations,
    wt.UPDATE_CONVERSATION_FIELD: UpdateConversationField,
    wt.PUBLISH_EVENT: PublishEvent,
    wt.UPDATE_RING_STATE: UpdateRingState,
    wt.SUBSCRIBE_ROUTING_TASKS: SubscribeRoutingTasks,
    wt.UPDATE_ROUTING_TASK_SUBSCRIPTION: dict[str, Any],
    # the body is the bare consumer id
    wt.GET_USER_PROFILE: str,
    wt.SET_AGENT_STATE: SetAgentState,
    wt.SUBSCRIBE_AGENTS_STATE: SubscribeAgentsState,
    wt.QUERY_MESSAGES: QueryMessages,
    wt.GENERATE_URL_FOR_DOWNLOAD_FILE: GenerateURLForDownloadFile,
    wt.GENERATE_URL_FOR_UPLOAD_FILE: GenerateURLForUploadFile,
    wt.GENERATE_DOWNLOAD_TOKEN: dict[str, Any],
}
"""Wire type -> the schema its body must fit."""


def validate_body(type_: str, body: Any) -> None:
    """Raise :class:`InvalidBody` unless ``body`` fits the schema of ``type_`` (if it has one)."""
    schema = SCHEMAS.get(type_)
    if schema is None:
        return
    try:
        msgspec.convert(body, schema)
    except msgspec.ValidationError as exc:
        raise InvalidBody(f"invalid request body: {exc}") from None


def validate_metadata(metadata: Any) -> list[dict[str, Any]] | None:
    """A request's ``metadata``: None or a list of objects with a ``type``."""
    if metadata is None:
        return None
    try:
        msgspec.convert(metadata, list[MetadataEntry] | MetadataEntry)
    except msgspec.ValidationError as exc:
        raise InvalidBody(f"invalid request metadata: {exc}") from None
    entries = metadata if isinstance(metadata, list) else [metadata]
    return [dict(entry) for entry in entries]

"""The pure protocol core: frames, request and notification bodies, codecs. No I/O, no awaits.

* :mod:`.frames`: the three frame kinds and the one decode entry point.
* :mod:`.requests`: bodies and replies of the 16 requests.
* :mod:`.request_specs`: the typed table of the 16 requests (wire, body and reply types), and
  ``REQUEST_TYPES``.
* :mod:`.notifications`: raw notification bodies, and ``NOTIFICATION_TYPES``.
* :mod:`.messaging_events`: dialog events (ContentEvent ...), decoded lazily.
* :mod:`.values`: the closed value sets as StrEnum constants (decoding stays lenient).
* :mod:`.wire`: the shared conventions (camelCase, unknown fields, one-or-many lists).
* :mod:`.wire_types`: every ``type`` string of the protocol, the one place they are spelled.
* :mod:`.transforms` and :mod:`.filling`: the Node SDK's view, inbound and outbound.
"""

from rx_lpagent.protocol.filling import fill_request
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
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.messaging_events import (
    AcceptStatusEvent,
    ChatStateEvent,
    ContentEvent,
    MessagingEvent,
    RichContentEvent,
    UnknownEvent,
    decode_event,
    hosted_file_message,
)
from rx_lpagent.protocol.notifications import (
    NOTIFICATION_TYPES,
    AgentStateNotification,
    ExConversationChangeNotification,
    OnlineEventDistribution,
    RingUpdated,
    RoutingTaskNotification,
)
from rx_lpagent.protocol.request_specs import REQUEST_TYPES, RequestSpec, decode_response_body
from rx_lpagent.protocol.requests import (
    AgentRequestConversation,
    ConversationField,
    ConversationStateField,
    CSATRateField,
    DialogChange,
    GeneratedURL,
    GenerateURLForDownloadFile,
    GenerateURLForUploadFile,
    GetClock,
    GetClockResponse,
    ParticipantsChange,
    PublishEvent,
    PublishEventResponse,
    QueryMessages,
    SetAgentState,
    SkillField,
    SubscribeAgentsState,
    SubscribeExConversations,
    SubscribeResponse,
    SubscribeRoutingTasks,
    TTRField,
    UnsubscribeExConversations,
    UpdateConversationField,
    UpdateRingState,
    UserProfile,
)
from rx_lpagent.protocol.transforms import (
    NodeView,
    query_messages_to_node_view,
    to_node_view,
    user_profile_to_sdes,
)
from rx_lpagent.protocol.values import (
    AcceptStatus,
    Availability,
    ChangeType,
    ChannelType,
    ChatState,
    ContentType,
    ConversationState,
    FileType,
    ParticipantRole,
    ParticipantsChangeType,
    RingState,
)
from rx_lpagent.protocol.wire import OneOrMany, WireStruct, as_list

__all__ = [
    # frames
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
    # requests
    "REQUEST_TYPES",
    "AgentRequestConversation",
    "CSATRateField",
    "ConversationField",
    "ConversationStateField",
    "DialogChange",
    "GenerateURLForDownloadFile",
    "GenerateURLForUploadFile",
    "GeneratedURL",
    "GetClock",
    "GetClockResponse",
    "ParticipantsChange",
    "PublishEvent",
    "PublishEventResponse",
    "QueryMessages",
    "RequestSpec",
    "SetAgentState",
    "SkillField",
    "SubscribeAgentsState",
    "SubscribeExConversations",
    "SubscribeResponse",
    "SubscribeRoutingTasks",
    "TTRField",
    "UnsubscribeExConversations",
    "UpdateConversationField",
    "UpdateRingState",
    "UserProfile",
    "decode_response_body",
    # dialog events
    "AcceptStatusEvent",
    "ChatStateEvent",
    "ContentEvent",
    "MessagingEvent",
    "RichContentEvent",
    "UnknownEvent",
    "decode_event",
    "hosted_file_message",
    # notifications
    "NOTIFICATION_TYPES",
    "AgentStateNotification",
    "ExConversationChangeNotification",
    "OnlineEventDistribution",
    "RingUpdated",
    "RoutingTaskNotification",
    # Node SDK view
    "AgentIdentity",
    "NodeView",
    "fill_request",
    "query_messages_to_node_view",
    "to_node_view",
    "user_profile_to_sdes",
    # values and wire conventions
    "AcceptStatus",
    "Availability",
    "ChangeType",
    "ChannelType",
    "ChatState",
    "ContentType",
    "ConversationState",
    "FileType",
    "OneOrMany",
    "ParticipantRole",
    "ParticipantsChangeType",
    "RingState",
    "WireStruct",
    "as_list",
]

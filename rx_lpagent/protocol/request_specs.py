"""The 16 requests as a typed table: per request its wire type, body type and reply type.

Each :class:`RequestSpec` is generic in its body and reply, so code written against a spec (the
agent's typed methods, :meth:`~rx_lpagent.agent.Agent.call`) gets its reply type checked by
``mypy --strict``: ``agent.call(PUBLISH_EVENT, body)`` is an observable of
:class:`~rx_lpagent.protocol.requests.PublishEventResponse`. :data:`REQUEST_TYPES` indexes the
same specs by wire type, for code that starts from a frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import msgspec

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import decode_body
from rx_lpagent.protocol.notifications import OnlineEventDistribution
from rx_lpagent.protocol.requests import (
    AgentRequestConversation,
    GeneratedURL,
    GenerateURLForDownloadFile,
    GenerateURLForUploadFile,
    GetClock,
    GetClockResponse,
    PublishEvent,
    PublishEventResponse,
    QueryMessages,
    SetAgentState,
    SubscribeAgentsState,
    SubscribeExConversations,
    SubscribeResponse,
    SubscribeRoutingTasks,
    UnsubscribeExConversations,
    UpdateConversationField,
    UpdateRingState,
    UserProfile,
)
from rx_lpagent.protocol.wire import as_list

__all__ = [
    "AGENT_REQUEST_CONVERSATION",
    "GENERATE_DOWNLOAD_TOKEN",
    "GENERATE_URL_FOR_DOWNLOAD_FILE",
    "GENERATE_URL_FOR_UPLOAD_FILE",
    "GET_CLOCK",
    "GET_USER_PROFILE",
    "PUBLISH_EVENT",
    "REQUEST_TYPES",
    "SET_AGENT_STATE",
    "SUBSCRIBE_AGENTS_STATE",
    "SUBSCRIBE_EX_CONVERSATIONS",
    "SUBSCRIBE_MESSAGING_EVENTS",
    "SUBSCRIBE_ROUTING_TASKS",
    "UNSUBSCRIBE_EX_CONVERSATIONS",
    "UPDATE_CONVERSATION_FIELD",
    "UPDATE_RING_STATE",
    "UPDATE_ROUTING_TASK_SUBSCRIPTION",
    "RequestSpec",
    "decode_response_body",
]

_PLAIN_JSON: Any = Any
BodyT = TypeVar("BodyT")
ReplyT = TypeVar("ReplyT")


@dataclass(frozen=True, slots=True)
class RequestSpec(Generic[BodyT, ReplyT]):
    """One request type: what goes on the wire, its body and its success reply."""

    wire_type: str
    """The ``type`` sent on the socket."""
    body_type: type[BodyT]
    """The body's type (a Struct; ``str`` for GetUserProfile's bare consumer id; a plain dict
    where the body is undocumented)."""
    response_type: type[ReplyT]
    """A success reply's body (``str`` for 202 string replies, ``Any`` where undocumented)."""
    method_name: str
    """The agent's method, e.g. ``publish_event``."""
    node_type: str = ""
    """The type the Node SDK method starts from: the wire type, except for
    subscribeMessagingEvents (``ms.SubscribeMessagingEvents``, sent as QueryMessages)."""
    _decoded_as: Any = field(init=False, repr=False, compare=False)
    reply_decoder: msgspec.json.Decoder[ReplyT] | None = field(
        init=False, repr=False, compare=False
    )
    """What decodes a success reply as it is (None for a list reply, which may arrive as its
    bare element: :meth:`decode_reply` knows that). It raises on a body of the wrong shape;
    :meth:`decode_reply` turns that into a MalformedFrameError."""

    def __post_init__(self) -> None:
        if not self.node_type:
            object.__setattr__(self, "node_type", self.wire_type)
        decoded_as: Any = self.response_type
        item = _list_item(self.response_type)
        if item is not None:  # a list reply may arrive as its one bare element
            decoded_as = self.response_type | item
        object.__setattr__(self, "_decoded_as", decoded_as)
        decoder = None if item is not None else msgspec.json.Decoder(self.response_type)
        object.__setattr__(self, "reply_decoder", decoder)

    @property
    def node_method(self) -> str:
        """The Node SDK method name, e.g. ``publishEvent``."""
        name = self.node_type.rsplit(".", 1)[-1]
        return name[0].lower() + name[1:]

    def decode_reply(self, raw: msgspec.Raw | bytes) -> ReplyT | MalformedFrameError:
        """A success reply's body as :attr:`response_type`; never raises (a body of the wrong
        shape comes back as a MalformedFrameError). A list reply that arrives as its bare
        element comes back as a one-element list."""
        result: Any = decode_body(raw, self._decoded_as)
        if self._decoded_as is not self.response_type and not isinstance(
            result, (list, MalformedFrameError)
        ):
            result = as_list(result)
        reply: ReplyT | MalformedFrameError = result
        return reply


def _list_item(type_: object) -> type[msgspec.Struct] | None:
    """``X`` of a ``list[X]`` reply type whose items are Structs (None for any other type)."""
    if getattr(type_, "__origin__", None) is not list:
        return None
    (item,) = getattr(type_, "__args__", (None,))
    return item if isinstance(item, type) and issubclass(item, msgspec.Struct) else None


GET_CLOCK: Final = RequestSpec(wt.GET_CLOCK, GetClock, GetClockResponse, "get_clock")
AGENT_REQUEST_CONVERSATION: Final[RequestSpec[AgentRequestConversation, Any]] = RequestSpec(
    wt.AGENT_REQUEST_CONVERSATION, AgentRequestConversation, Any, "agent_request_conversation"
)
SUBSCRIBE_EX_CONVERSATIONS: Final = RequestSpec(
    wt.SUBSCRIBE_EX_CONVERSATIONS,
    SubscribeExConversations,
    SubscribeResponse,
    "subscribe_ex_conversations",
)
UNSUBSCRIBE_EX_CONVERSATIONS: Final[RequestSpec[UnsubscribeExConversations, Any]] = RequestSpec(
    wt.UNSUBSCRIBE_EX_CONVERSATIONS,
    UnsubscribeExConversations,
    Any,
    "unsubscribe_ex_conversations",
)
UPDATE_CONVERSATION_FIELD: Final[RequestSpec[UpdateConversationField, Any]] = RequestSpec(
    wt.UPDATE_CONVERSATION_FIELD, UpdateConversationField, Any, "update_conversation_field"
)
PUBLISH_EVENT: Final = RequestSpec(
    wt.PUBLISH_EVENT, PublishEvent, PublishEventResponse, "publish_event"
)
UPDATE_RING_STATE: Final = RequestSpec(
    wt.UPDATE_RING_STATE, UpdateRingState, str, "update_ring_state"
)
SUBSCRIBE_ROUTING_TASKS: Final = RequestSpec(
    wt.SUBSCRIBE_ROUTING_TASKS, SubscribeRoutingTasks, SubscribeResponse, "subscribe_routing_tasks"
)
UPDATE_ROUTING_TASK_SUBSCRIPTION: Final[RequestSpec[dict[str, Any], Any]] = RequestSpec(
    wt.UPDATE_ROUTING_TASK_SUBSCRIPTION,
    dict[str, Any],
    Any,
    "update_routing_task_subscription",
)
GET_USER_PROFILE: Final = RequestSpec(wt.GET_USER_PROFILE, str, UserProfile, "get_user_profile")
SET_AGENT_STATE: Final = RequestSpec(wt.SET_AGENT_STATE, SetAgentState, str, "set_agent_state")
SUBSCRIBE_AGENTS_STATE: Final = RequestSpec(
    wt.SUBSCRIBE_AGENTS_STATE, SubscribeAgentsState, SubscribeResponse, "subscribe_agents_state"
)
SUBSCRIBE_MESSAGING_EVENTS: Final = RequestSpec(
    wt.QUERY_MESSAGES,
    QueryMessages,
    list[OnlineEventDistribution],
    "subscribe_messaging_events",
    node_type=wt.NODE_SUBSCRIBE_MESSAGING_EVENTS,
)
GENERATE_URL_FOR_DOWNLOAD_FILE: Final = RequestSpec(
    wt.GENERATE_URL_FOR_DOWNLOAD_FILE,
    GenerateURLForDownloadFile,
    GeneratedURL,
    "generate_url_for_download_file",
)
GENERATE_URL_FOR_UPLOAD_FILE: Final = RequestSpec(
    wt.GENERATE_URL_FOR_UPLOAD_FILE,
    GenerateURLForUploadFile,
    GeneratedURL,
    "generate_url_for_upload_file",
)
GENERATE_DOWNLOAD_TOKEN: Final[RequestSpec[dict[str, Any], Any]] = RequestSpec(
    wt.GENERATE_DOWNLOAD_TOKEN, dict[str, Any], Any, "generate_download_token"
)

REQUEST_TYPES: Final[dict[str, RequestSpec[Any, Any]]] = {
    spec.wire_type: spec
    for spec in (
        GET_CLOCK,
        AGENT_REQUEST_CONVERSATION,
        SUBSCRIBE_EX_CONVERSATIONS,
        UNSUBSCRIBE_EX_CONVERSATIONS,
        UPDATE_CONVERSATION_FIELD,
        PUBLISH_EVENT,
        UPDATE_RING_STATE,
        SUBSCRIBE_ROUTING_TASKS,
        UPDATE_ROUTING_TASK_SUBSCRIPTION,
        GET_USER_PROFILE,
        SET_AGENT_STATE,
        SUBSCRIBE_AGENTS_STATE,
        SUBSCRIBE_MESSAGING_EVENTS,
        GENERATE_URL_FOR_DOWNLOAD_FILE,
        GENERATE_URL_FOR_UPLOAD_FILE,
        GENERATE_DOWNLOAD_TOKEN,
    )
}
"""Wire type -> :class:`RequestSpec`, for the 16 requests (``ms.SubscribeMessagingEvents`` is
keyed by what it sends, ``.ams.ms.QueryMessages``)."""


def decode_response_body(wire_type: str, raw: msgspec.Raw | bytes) -> Any | MalformedFrameError:
    """A success reply's body, typed by its request's :class:`RequestSpec` (the body of an
    unknown request type comes back as plain JSON values). Never raises."""
    spec = REQUEST_TYPES.get(wire_type)
    if spec is None:
        return decode_body(raw, _PLAIN_JSON)
    return spec.decode_reply(raw)

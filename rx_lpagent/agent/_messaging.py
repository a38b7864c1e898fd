"""The 16 requests of the Node SDK as typed methods (PROTOCOL.md section 3.1).

Each method takes a typed body Struct or a plain dict shaped like the wire body (what bots ported
from Node pass), fills it the way the Node SDK does (old agent id, brandId, channelType, the
QueryMessages rewrite), and returns a cold observable of the typed reply: await it, or compose it.
A reply with code >= 400 fails with :class:`~rx_lpagent.errors.RequestFailedError`.

Every method is written against its :class:`~rx_lpagent.protocol.request_specs.RequestSpec`, so
``mypy --strict`` checks that the reply type it declares is the one its spec decodes; the
mixin's host is anything that satisfies :class:`~rx_lpagent.agent._calls.MessagingHost` (each
method's ``self`` says so, and mypy checks it wherever a method is used).
"""

from __future__ import annotations

from typing import Any, TypeVar, Unpack

import reactivex

from rx_lpagent.agent._calls import (
    Body,
    MessagingHost,
    RequestOptions,
    TypedCall,
    resubscribe,
    start_request,
)
from rx_lpagent.protocol import request_specs as specs
from rx_lpagent.protocol.notifications import OnlineEventDistribution
from rx_lpagent.protocol.request_specs import RequestSpec
from rx_lpagent.protocol.requests import (
    AgentRequestConversation,
    GeneratedURL,
    GenerateURLForDownloadFile,
    GenerateURLForUploadFile,
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

__all__ = ["MessagingRequests", "RequestOptions"]

_B = TypeVar("_B")
_R = TypeVar("_R")


class MessagingRequests:
    """Typed request methods over the host's current socket; mixed into the Agent."""

    def call(
        self: MessagingHost,
        spec: RequestSpec[_B, _R],
        body: _B | Body | None = None,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[_R]:
        """Any of the 16 requests by its spec (:mod:`rx_lpagent.protocol.request_specs`):
        ``body`` (``None`` counts as ``{}``) is filled as the Node SDK does, the reply typed as
        the spec says. For a request type the library does not know, use ``request``."""
        return TypedCall(self, spec, {} if body is None else body, options)

    # what the host's own requests and reconnects use (``request``, attaching a new socket)
    _start_request = start_request
    _resubscribe = resubscribe

    def get_clock(
        self: MessagingHost, **options: Unpack[RequestOptions]
    ) -> reactivex.Observable[GetClockResponse]:
        """``.GetClock``: the server's time (``current_time``, ms)."""
        return TypedCall(self, specs.GET_CLOCK, {}, options)

    def agent_request_conversation(
        self: MessagingHost,
        body: AgentRequestConversation | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.cm.AgentRequestConversation`` (``channelType`` MESSAGING is added)."""
        return TypedCall(self, specs.AGENT_REQUEST_CONVERSATION, body, options)

    def subscribe_ex_conversations(
        self: MessagingHost,
        body: SubscribeExConversations | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.aam.SubscribeExConversations``; the agent's own PID in ``agentIds`` becomes
        its old agent id. Re-created after every reconnect."""
        return TypedCall(self, specs.SUBSCRIBE_EX_CONVERSATIONS, body, options)

    def unsubscribe_ex_conversations(
        self: MessagingHost,
        body: UnsubscribeExConversations | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.aam.UnsubscribeExConversations`` (also ends its re-creation on reconnect)."""
        return TypedCall(self, specs.UNSUBSCRIBE_EX_CONVERSATIONS, body, options)

    def update_conversation_field(
        self: MessagingHost,
        body: UpdateConversationField | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.cm.UpdateConversationField``: join, leave, transfer, close, TTR, CSAT..."""
        return TypedCall(self, specs.UPDATE_CONVERSATION_FIELD, body, options)

    def publish_event(
        self: MessagingHost,
        body: PublishEvent | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[PublishEventResponse]:
        """``.ams.ms.PublishEvent``: a message, chat state or accept status into a dialog."""
        return TypedCall(self, specs.PUBLISH_EVENT, body, options)

    def update_ring_state(
        self: MessagingHost,
        body: UpdateRingState | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[str]:
        """``.ams.routing.UpdateRingState``: accept or reject a ring (202, a string reply)."""
        return TypedCall(self, specs.UPDATE_RING_STATE, body, options)

    def subscribe_routing_tasks(
        self: MessagingHost,
        body: SubscribeRoutingTasks | Body | None = None,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.routing.SubscribeRoutingTasks`` (channelType, agentId, brandId are added).
        Re-created after every reconnect."""
        return TypedCall(self, specs.SUBSCRIBE_ROUTING_TASKS, body or {}, options)

    def update_routing_task_subscription(
        self: MessagingHost,
        body: Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.routing.UpdateRoutingTaskSubscription`` (undocumented body, sent as given)."""
        return TypedCall(self, specs.UPDATE_ROUTING_TASK_SUBSCRIPTION, body, options)

    def get_user_profile(
        self: MessagingHost,
        consumer_id: str,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[UserProfile]:
        """``.ams.userprofile.GetUserProfile`` of a consumer (the body is the bare id)."""
        return TypedCall(self, specs.GET_USER_PROFILE, consumer_id, options)

    def set_agent_state(
        self: MessagingHost,
        body: SetAgentState | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[str]:
        """``.ams.routing.SetAgentState`` (channels and agentUserId are added). The last state
        set is set again after every reconnect."""
        return TypedCall(self, specs.SET_AGENT_STATE, body, options)

    def subscribe_agents_state(
        self: MessagingHost,
        body: SubscribeAgentsState | Body | None = None,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.routing.SubscribeAgentsState`` (brandId and agentId are added).
        Re-created after every reconnect."""
        return TypedCall(self, specs.SUBSCRIBE_AGENTS_STATE, body or {}, options)

    def subscribe_messaging_events(
        self: MessagingHost,
        body: QueryMessages | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[list[OnlineEventDistribution]]:
        """``ms.SubscribeMessagingEvents``: sent as ``.ams.ms.QueryMessages`` with
        ``newerThanSequence = fromSeq or 0``; the history comes back typed, and is also
        delivered on ``node_notifications`` as a ``ms.MessagingEventNotification``."""
        return TypedCall(self, specs.SUBSCRIBE_MESSAGING_EVENTS, body, options)

    def generate_url_for_download_file(
        self: MessagingHost,
        body: GenerateURLForDownloadFile | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[GeneratedURL]:
        """``.ams.ms.GenerateURLForDownloadFile``: a temporary URL for a hosted file."""
        return TypedCall(self, specs.GENERATE_URL_FOR_DOWNLOAD_FILE, body, options)

    def generate_url_for_upload_file(
        self: MessagingHost,
        body: GenerateURLForUploadFile | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[GeneratedURL]:
        """``.ams.ms.GenerateURLForUploadFile``: a temporary URL to PUT a file to."""
        return TypedCall(self, specs.GENERATE_URL_FOR_UPLOAD_FILE, body, options)

    def generate_download_token(
        self: MessagingHost,
        body: Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.ms.token.GenerateDownloadToken`` (undocumented body, sent as given)."""
        return TypedCall(self, specs.GENERATE_DOWNLOAD_TOKEN, body, options)

"""The 16 requests of the Node SDK as typed methods (PROTOCOL.md section 3.1).

Each method takes a typed body Struct or a plain dict shaped like the wire body (what bots ported
from Node pass), fills it the way the Node SDK does (old agent id, brandId, channelType, the
QueryMessages rewrite), and returns a cold observable of the typed reply: await it, or compose it.
A reply with code >= 400 fails with :class:`~rx_lpagent.errors.RequestFailedError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent._bus import Bus
from rx_lpagent._resubscribe import (
    RESUBSCRIBED_TYPES,
    UNSUBSCRIBE_EX_CONVERSATIONS,
    Resubscriptions,
    Subscription,
)
from rx_lpagent._router import NotificationRouter
from rx_lpagent.errors import (
    MalformedFrameError,
    NotConnectedError,
    RequestFailedError,
    RequestTimeoutError,
    Service,
)
from rx_lpagent.events import AgentEvent, Context, ErrorEvent, Location
from rx_lpagent.flows.report import as_sdk_error
from rx_lpagent.protocol.filling import fill_request
from rx_lpagent.protocol.frames import Response
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.notifications import OnlineEventDistribution
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
    decode_response_body,
)
from rx_lpagent.protocol.transforms import query_messages_to_node_view

__all__ = ["MessagingRequests"]

SUBSCRIBE_MESSAGING_EVENTS = "ms.SubscribeMessagingEvents"

Body = Mapping[str, Any]


class MessagingRequests:
    """Typed request methods over the host's :meth:`request`; mixed into the Agent."""

    # provided by the host (the Agent)
    _events: Bus[AgentEvent]
    _router: NotificationRouter
    _resubscriptions: Resubscriptions

    @property
    def identity(self) -> AgentIdentity | None:
        raise NotImplementedError

    @property
    def connected(self) -> bool:
        raise NotImplementedError

    def request(
        self,
        type_: str,
        body: object,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Response]:
        raise NotImplementedError

    def _scheduler(self, scheduler: abc.SchedulerBase | None = None) -> abc.SchedulerBase:
        raise NotImplementedError

    def _report_transform(self, error: MalformedFrameError) -> None:
        raise NotImplementedError

    def call(
        self,
        node_type: str,
        body: object,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Any]:
        """Fill ``body`` as the Node SDK does for ``node_type``, send it, emit the typed reply."""
        return self._call(node_type, body, headers, metadata, timeout, remember=True)

    def _call(
        self,
        node_type: str,
        body: object,
        headers: object,
        metadata: object,
        timeout: float | None,
        *,
        remember: bool,
    ) -> reactivex.Observable[Any]:
        def start(scheduler: abc.SchedulerBase | None) -> reactivex.Observable[Any]:
            identity = self.identity
            if identity is None or not self.connected:
                return reactivex.throw(NotConnectedError())
            sent = body
            if node_type == UNSUBSCRIBE_EX_CONVERSATIONS:
                sent = self._unsubscribe_body(body)
            wire_type, filled = fill_request(node_type, sent, identity)

            def typed(response: Response) -> Any:
                reply = decode_response_body(wire_type, response.body)
                if isinstance(reply, MalformedFrameError):
                    raise reply
                if node_type == SUBSCRIBE_MESSAGING_EVENTS:
                    self._replay_history(response, identity)
                if remember and node_type in RESUBSCRIBED_TYPES:
                    self._resubscriptions.remember(
                        Subscription(node_type, body, headers, metadata), reply
                    )
                return reply

            return self.request(
                wire_type, filled, headers=headers, metadata=metadata, timeout=timeout
            ).pipe(ops.map(typed))

        return reactivex.defer(start)

    def _unsubscribe_body(self, body: object) -> object:
        original = (
            body.subscription_id
            if isinstance(body, UnsubscribeExConversations)
            else body.get("subscriptionId")
            if isinstance(body, Mapping)
            else None
        )
        if not isinstance(original, str):
            return body
        return {"subscriptionId": self._resubscriptions.forget(original)}

    def _replay_history(self, response: Response, identity: AgentIdentity) -> None:
        view = query_messages_to_node_view(response.body, identity)
        if isinstance(view, MalformedFrameError):
            self._report_transform(view)
        elif view is not None:
            self._router.emit_node_view(view)

    def _report_request_error(self, error: Exception) -> None:
        if isinstance(error, RequestTimeoutError):
            self._events.emit(ErrorEvent(error, Context(Location.REQUEST_TIMEOUT)))
        elif isinstance(error, RequestFailedError):
            self._events.emit(ErrorEvent(error, Context(Location.REQUEST_FAILED)))

    def _resubscribe(self) -> None:
        """Re-create, on the new socket, what the caller subscribed to through the agent."""
        for original_id, sub in self._resubscriptions.to_replay():

            def moved(reply: Any, original_id: str | None = original_id) -> None:
                if original_id is not None:
                    self._resubscriptions.moved(original_id, reply)

            def failed(error: Exception) -> None:
                self._events.emit(
                    ErrorEvent(
                        as_sdk_error(error, Service.MESSAGING), Context(Location.RESUBSCRIBE)
                    )
                )

            self._call(
                sub.node_type, sub.body, sub.headers, sub.metadata, None, remember=False
            ).subscribe(moved, failed, scheduler=self._scheduler())

    def get_clock(self, *, timeout: float | None = None) -> reactivex.Observable[GetClockResponse]:
        """``.GetClock``: the server's time (``current_time``, ms)."""
        return self.call(".GetClock", {}, timeout=timeout)

    def agent_request_conversation(
        self,
        body: AgentRequestConversation | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Any]:
        """``.ams.cm.AgentRequestConversation`` (``channelType`` MESSAGING is added)."""
        return self.call(
            ".ams.cm.AgentRequestConversation",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def subscribe_ex_conversations(
        self,
        body: SubscribeExConversations | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.aam.SubscribeExConversations``; the agent's own PID in ``agentIds`` becomes
        its old agent id. Re-created after every reconnect."""
        return self.call(
            ".ams.aam.SubscribeExConversations",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def unsubscribe_ex_conversations(
        self,
        body: UnsubscribeExConversations | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Any]:
        """``.ams.aam.UnsubscribeExConversations`` (also ends its re-creation on reconnect)."""
        return self.call(
            ".ams.aam.UnsubscribeExConversations",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def update_conversation_field(
        self,
        body: UpdateConversationField | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Any]:
        """``.ams.cm.UpdateConversationField``: join, leave, transfer, close, TTR, CSAT..."""
        return self.call(
            ".ams.cm.UpdateConversationField",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def publish_event(
        self,
        body: PublishEvent | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[PublishEventResponse]:
        """``.ams.ms.PublishEvent``: a message, chat state or accept status into a dialog."""
        return self.call(
            ".ams.ms.PublishEvent", body, headers=headers, metadata=metadata, timeout=timeout
        )

    def update_ring_state(
        self,
        body: UpdateRingState | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[str]:
        """``.ams.routing.UpdateRingState``: accept or reject a ring (202, a string reply)."""
        return self.call(
            ".ams.routing.UpdateRingState",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def subscribe_routing_tasks(
        self,
        body: SubscribeRoutingTasks | Body | None = None,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.routing.SubscribeRoutingTasks`` (channelType, agentId, brandId are added).
        Re-created after every reconnect."""
        return self.call(
            ".ams.routing.SubscribeRoutingTasks",
            body or {},
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def update_routing_task_subscription(
        self,
        body: Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Any]:
        """``.ams.routing.UpdateRoutingTaskSubscription`` (undocumented body, sent as given)."""
        return self.call(
            ".ams.routing.UpdateRoutingTaskSubscription",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def get_user_profile(
        self,
        consumer_id: str,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[UserProfile]:
        """``.ams.userprofile.GetUserProfile`` of a consumer (the body is the bare id)."""
        return self.call(
            ".ams.userprofile.GetUserProfile",
            consumer_id,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def set_agent_state(
        self,
        body: SetAgentState | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[str]:
        """``.ams.routing.SetAgentState`` (channels and agentUserId are added). The last state
        set is set again after every reconnect."""
        return self.call(
            ".ams.routing.SetAgentState", body, headers=headers, metadata=metadata, timeout=timeout
        )

    def subscribe_agents_state(
        self,
        body: SubscribeAgentsState | Body | None = None,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.routing.SubscribeAgentsState`` (brandId and agentId are added).
        Re-created after every reconnect."""
        return self.call(
            ".ams.routing.SubscribeAgentsState",
            body or {},
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def subscribe_messaging_events(
        self,
        body: QueryMessages | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[list[OnlineEventDistribution]]:
        """``ms.SubscribeMessagingEvents``: sent as ``.ams.ms.QueryMessages`` with
        ``newerThanSequence = fromSeq or 0``; the history comes back typed, and is also
        delivered on ``node_notifications`` as a ``ms.MessagingEventNotification``."""
        return self.call(
            "ms.SubscribeMessagingEvents", body, headers=headers, metadata=metadata, timeout=timeout
        )

    def generate_url_for_download_file(
        self,
        body: GenerateURLForDownloadFile | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[GeneratedURL]:
        """``.ams.ms.GenerateURLForDownloadFile``: a temporary URL for a hosted file."""
        return self.call(
            ".ams.ms.GenerateURLForDownloadFile",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def generate_url_for_upload_file(
        self,
        body: GenerateURLForUploadFile | Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[GeneratedURL]:
        """``.ams.ms.GenerateURLForUploadFile``: a temporary URL to PUT a file to."""
        return self.call(
            ".ams.ms.GenerateURLForUploadFile",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

    def generate_download_token(
        self,
        body: Body,
        *,
        headers: object = None,
        metadata: object = None,
        timeout: float | None = None,
    ) -> reactivex.Observable[Any]:
        """``.ams.ms.token.GenerateDownloadToken`` (undocumented body, sent as given)."""
        return self.call(
            ".ams.ms.token.GenerateDownloadToken",
            body,
            headers=headers,
            metadata=metadata,
            timeout=timeout,
        )

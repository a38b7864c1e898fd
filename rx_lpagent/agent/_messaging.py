"""The 16 requests of the Node SDK as typed methods (PROTOCOL.md section 3.1).

Each method takes a typed body Struct or a plain dict shaped like the wire body (what bots ported
from Node pass), fills it the way the Node SDK does (old agent id, brandId, channelType, the
QueryMessages rewrite), and returns a cold observable of the typed reply: await it, or compose it.
A reply with code >= 400 fails with :class:`~rx_lpagent.errors.RequestFailedError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict, Unpack

import msgspec
import reactivex
from reactivex import abc

from rx_lpagent.agent._bus import Bus
from rx_lpagent.agent._conversation_view import ConversationView
from rx_lpagent.agent._ledger import DialogLedger, event_key
from rx_lpagent.agent._requests import Cancel, PendingRequests, Timers, timers_for
from rx_lpagent.agent._resubscribe import (
    RESUBSCRIBED_TYPES,
    UNSUBSCRIBE_EX_CONVERSATIONS,
    Resubscriptions,
    Subscription,
)
from rx_lpagent.agent._router import NotificationRouter
from rx_lpagent.agent._single import SingleCall
from rx_lpagent.errors import (
    MalformedFrameError,
    NotConnectedError,
    RequestFailedError,
    RequestTimeoutError,
    Service,
    TransportError,
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

__all__ = ["MessagingRequests", "RequestOptions"]


class RequestOptions(TypedDict, total=False):
    """What every request method also takes: ``headers`` and ``metadata`` sent with the
    request, and ``timeout`` (seconds; default ``AgentConfig.request_timeout``). A timeout that
    is not a finite positive number fails the request with ConfigurationError."""

    headers: object
    metadata: object
    timeout: float | None


SUBSCRIBE_MESSAGING_EVENTS = "ms.SubscribeMessagingEvents"
_history_decoder = msgspec.json.Decoder(list[msgspec.Raw])

Body = Mapping[str, Any]


def _nothing() -> None:
    pass


def _asked_dialog(query: object) -> tuple[str, int | None]:
    """The dialog id and ``newerThanSequence`` of a history query body ("" if it has none)."""
    if not isinstance(query, Mapping):
        return "", None
    dialog_id, newer = query.get("dialogId"), query.get("newerThanSequence")
    since = newer if isinstance(newer, int) and not isinstance(newer, bool) else None
    return (dialog_id if isinstance(dialog_id, str) else ""), since


class MessagingRequests:
    """Typed request methods over the host's pending requests; mixed into the Agent."""

    # provided by the host (the Agent)
    _events: Bus[AgentEvent]
    _pending: PendingRequests
    _request_timeout: float
    _router: NotificationRouter
    _resubscriptions: Resubscriptions
    _ledger: DialogLedger | None
    _conversations: ConversationView | None

    @property
    def identity(self) -> AgentIdentity | None:
        raise NotImplementedError

    @property
    def connected(self) -> bool:
        raise NotImplementedError

    def _scheduler(self, scheduler: abc.SchedulerBase | None = None) -> abc.SchedulerBase:
        raise NotImplementedError

    def _report_transform(self, error: MalformedFrameError) -> None:
        raise NotImplementedError

    def _callback_raised(self, where: str, error: Exception) -> None:
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
        def start(
            on_value: Callable[[Any], None],
            on_error: Callable[[Exception], None],
            scheduler: abc.SchedulerBase | None,
        ) -> Cancel:
            identity = self.identity
            if identity is None or not self.connected:
                on_error(NotConnectedError())
                return _nothing
            sent, unsubscribed = body, None
            if node_type == UNSUBSCRIBE_EX_CONVERSATIONS:
                recreated = self._resubscriptions.being_recreated(_subscription_id(body) or "")
                if recreated is not None:
                    return _after(recreated, lambda: start(on_value, on_error, scheduler))
                sent, unsubscribed = self._unsubscribe_body(body)
            wire_type, filled = fill_request(node_type, sent, identity)

            def typed(response: Response) -> None:
                reply = decode_response_body(wire_type, response.body)
                if isinstance(reply, MalformedFrameError):
                    on_error(reply)
                    return
                if node_type == SUBSCRIBE_MESSAGING_EVENTS:
                    self._replay_history(filled, response, identity)
                if remember and node_type in RESUBSCRIBED_TYPES:
                    self._resubscriptions.remember(
                        Subscription(node_type, body, headers, metadata), reply
                    )
                if unsubscribed is not None:  # only once it is gone: a failed one stays
                    self._resubscriptions.forget(unsubscribed)
                    if self._conversations is not None and isinstance(sent, Mapping):
                        self._conversations.forget(str(sent.get("subscriptionId")))
                on_value(reply)

            return self._start_request(
                wire_type,
                filled,
                headers=headers,
                metadata=metadata,
                timeout=timeout,
                on_response=typed,
                on_error=on_error,
                scheduler=scheduler,
            )

        return SingleCall(start, self._callback_raised)

    def _start_request(
        self,
        type_: str,
        body: object,
        *,
        headers: object,
        metadata: object,
        timeout: float | None,
        on_response: Callable[[Response], None],
        on_error: Callable[[Exception], None],
        scheduler: abc.SchedulerBase | None,
    ) -> Cancel:
        """Send on the current socket; failures are also reported on ``events``."""

        def failed(error: Exception) -> None:
            self._report_request_error(error)
            on_error(error)

        return self._pending.start(
            type_,
            body,
            timeout=self._request_timeout if timeout is None else timeout,
            timers=self._timers(scheduler),
            on_response=on_response,
            on_error=failed,
            headers=headers,
            metadata=metadata,
        )

    def _timers(self, scheduler: abc.SchedulerBase | None) -> Timers:
        return timers_for(self._scheduler(scheduler))

    def _unsubscribe_body(self, body: object) -> tuple[object, str | None]:
        """The body with the id the server knows the subscription by now, and the caller's id."""
        if isinstance(body, msgspec.Struct):
            body = msgspec.to_builtins(body)
        original = _subscription_id(body)
        if original is None or not isinstance(body, Mapping):
            return body, None
        return {**body, "subscriptionId": self._resubscriptions.current_id(original)}, original

    def _replay_history(self, query: object, response: Response, identity: AgentIdentity) -> None:
        if self._ledger is not None:
            self._note_history(self._ledger, query, response)
        view = query_messages_to_node_view(response.body, identity)
        if isinstance(view, MalformedFrameError):
            self._report_transform(view)
        elif view is not None:
            self._router.emit_node_view(view)

    @staticmethod
    def _note_history(ledger: DialogLedger, query: object, response: Response) -> None:
        """The caller's own history query: its dialog is one to backfill after a reconnect,
        even if it has no events yet (they may come while the socket is down)."""
        try:
            events = _history_decoder.decode(response.body)
        except (msgspec.DecodeError, UnicodeError, ValueError, TypeError):
            events = [response.body]  # one bare event counts as a list of one
        sequences: dict[str, list[int]] = {}
        asked, since = _asked_dialog(query)
        if asked:
            sequences[asked] = []
        for raw in events:
            key = event_key(raw)
            if key is not None and key.sequence is not None:
                sequences.setdefault(key.dialog_id, []).append(key.sequence)
        for dialog_id, seen in sequences.items():
            ledger.note_history(dialog_id, seen, since=since if dialog_id == asked else None)

    def _report_request_error(self, error: Exception) -> None:
        if isinstance(error, RequestTimeoutError):
            self._events.emit(ErrorEvent(error, Context(Location.REQUEST_TIMEOUT)))
        elif isinstance(error, RequestFailedError):
            self._events.emit(ErrorEvent(error, Context(Location.REQUEST_FAILED)))

    def _resubscribe(self, on_done: Callable[[], None] = _nothing) -> None:
        """Re-create, on the new socket, what the caller subscribed to through the agent;
        ``on_done`` runs once every one of them was answered (or failed)."""
        replay = self._resubscriptions.to_replay()
        remaining = len(replay)
        if not remaining:
            on_done()

        def one_done() -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                on_done()

        for original_id, sub in replay:

            def moved(
                reply: Any, original_id: str | None = original_id, sub: Subscription = sub
            ) -> None:
                if original_id is not None:
                    old_id = self._resubscriptions.current_id(original_id)
                    self._resubscriptions.moved(original_id, reply)
                    if self._conversations is not None:
                        new_id = self._resubscriptions.current_id(original_id)
                        self._conversations.moved(old_id, new_id)
                sub.recreated()
                one_done()

            def failed(error: Exception, sub: Subscription = sub) -> None:
                sub.recreated()
                one_done()
                if isinstance(error, TransportError) and not self.connected:
                    return  # the socket went away meanwhile: the next one re-creates it all
                self._events.emit(
                    ErrorEvent(
                        as_sdk_error(error, Service.MESSAGING), Context(Location.RESUBSCRIBE)
                    )
                )

            if original_id is not None:
                sub.recreating()
            self._call(
                sub.node_type, sub.body, sub.headers, sub.metadata, None, remember=False
            ).subscribe(moved, failed, scheduler=self._scheduler())

    def get_clock(
        self, **options: Unpack[RequestOptions]
    ) -> reactivex.Observable[GetClockResponse]:
        """``.GetClock``: the server's time (``current_time``, ms)."""
        return self.call(".GetClock", {}, **options)

    def agent_request_conversation(
        self,
        body: AgentRequestConversation | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.cm.AgentRequestConversation`` (``channelType`` MESSAGING is added)."""
        return self.call(".ams.cm.AgentRequestConversation", body, **options)

    def subscribe_ex_conversations(
        self,
        body: SubscribeExConversations | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.aam.SubscribeExConversations``; the agent's own PID in ``agentIds`` becomes
        its old agent id. Re-created after every reconnect."""
        return self.call(".ams.aam.SubscribeExConversations", body, **options)

    def unsubscribe_ex_conversations(
        self,
        body: UnsubscribeExConversations | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.aam.UnsubscribeExConversations`` (also ends its re-creation on reconnect)."""
        return self.call(".ams.aam.UnsubscribeExConversations", body, **options)

    def update_conversation_field(
        self,
        body: UpdateConversationField | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.cm.UpdateConversationField``: join, leave, transfer, close, TTR, CSAT..."""
        return self.call(".ams.cm.UpdateConversationField", body, **options)

    def publish_event(
        self,
        body: PublishEvent | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[PublishEventResponse]:
        """``.ams.ms.PublishEvent``: a message, chat state or accept status into a dialog."""
        return self.call(".ams.ms.PublishEvent", body, **options)

    def update_ring_state(
        self,
        body: UpdateRingState | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[str]:
        """``.ams.routing.UpdateRingState``: accept or reject a ring (202, a string reply)."""
        return self.call(".ams.routing.UpdateRingState", body, **options)

    def subscribe_routing_tasks(
        self,
        body: SubscribeRoutingTasks | Body | None = None,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.routing.SubscribeRoutingTasks`` (channelType, agentId, brandId are added).
        Re-created after every reconnect."""
        return self.call(".ams.routing.SubscribeRoutingTasks", body or {}, **options)

    def update_routing_task_subscription(
        self,
        body: Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.routing.UpdateRoutingTaskSubscription`` (undocumented body, sent as given)."""
        return self.call(".ams.routing.UpdateRoutingTaskSubscription", body, **options)

    def get_user_profile(
        self,
        consumer_id: str,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[UserProfile]:
        """``.ams.userprofile.GetUserProfile`` of a consumer (the body is the bare id)."""
        return self.call(".ams.userprofile.GetUserProfile", consumer_id, **options)

    def set_agent_state(
        self,
        body: SetAgentState | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[str]:
        """``.ams.routing.SetAgentState`` (channels and agentUserId are added). The last state
        set is set again after every reconnect."""
        return self.call(".ams.routing.SetAgentState", body, **options)

    def subscribe_agents_state(
        self,
        body: SubscribeAgentsState | Body | None = None,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[SubscribeResponse]:
        """``.ams.routing.SubscribeAgentsState`` (brandId and agentId are added).
        Re-created after every reconnect."""
        return self.call(".ams.routing.SubscribeAgentsState", body or {}, **options)

    def subscribe_messaging_events(
        self,
        body: QueryMessages | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[list[OnlineEventDistribution]]:
        """``ms.SubscribeMessagingEvents``: sent as ``.ams.ms.QueryMessages`` with
        ``newerThanSequence = fromSeq or 0``; the history comes back typed, and is also
        delivered on ``node_notifications`` as a ``ms.MessagingEventNotification``."""
        return self.call("ms.SubscribeMessagingEvents", body, **options)

    def generate_url_for_download_file(
        self,
        body: GenerateURLForDownloadFile | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[GeneratedURL]:
        """``.ams.ms.GenerateURLForDownloadFile``: a temporary URL for a hosted file."""
        return self.call(".ams.ms.GenerateURLForDownloadFile", body, **options)

    def generate_url_for_upload_file(
        self,
        body: GenerateURLForUploadFile | Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[GeneratedURL]:
        """``.ams.ms.GenerateURLForUploadFile``: a temporary URL to PUT a file to."""
        return self.call(".ams.ms.GenerateURLForUploadFile", body, **options)

    def generate_download_token(
        self,
        body: Body,
        **options: Unpack[RequestOptions],
    ) -> reactivex.Observable[Any]:
        """``.ams.ms.token.GenerateDownloadToken`` (undocumented body, sent as given)."""
        return self.call(".ams.ms.token.GenerateDownloadToken", body, **options)


def _subscription_id(body: object) -> str | None:
    """The ``subscriptionId`` an unsubscribe names (a wire dict or a body struct)."""
    if isinstance(body, msgspec.Struct):
        body = msgspec.to_builtins(body)
    original = body.get("subscriptionId") if isinstance(body, Mapping) else None
    return original if isinstance(original, str) else None


def _after(subscription: Subscription, resume: Callable[[], Cancel]) -> Cancel:
    """Run ``resume`` once ``subscription`` is re-created; the result cancels either."""
    cancel_resumed: Cancel = _nothing

    def run() -> None:
        nonlocal cancel_resumed
        cancel_resumed = resume()

    assert subscription.waiting is not None
    subscription.waiting.append(run)

    def cancel() -> None:
        if subscription.waiting is not None and run in subscription.waiting:
            subscription.waiting.remove(run)
        cancel_resumed()

    return cancel

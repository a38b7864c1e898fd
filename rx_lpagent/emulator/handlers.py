"""The answers to the messaging requests: one function per wire type.

A handler gets the engine, the caller's connection and the decoded body, changes the world
through the engine, and returns a :class:`Reply`. Anything sent after the reply (a subscription's
first notification) goes in ``Reply.after``, which runs once the response is queued.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from rx_lpagent.emulator.answers import BadRequest, Reply, agent_by_user_id, user_id_form
from rx_lpagent.emulator.answers import listed as _listed
from rx_lpagent.emulator.answers import object_body as _object
from rx_lpagent.emulator.answers import text_field as _text
from rx_lpagent.emulator.connection import Connection, ExSubscription
from rx_lpagent.emulator.conversation_fields import update_conversation_field
from rx_lpagent.emulator.engine import PUBLISHING_ROLES, Engine, notification
from rx_lpagent.emulator.state import AVAILABILITIES, now_ms
from rx_lpagent.protocol import wire_types as wt

__all__ = ["HANDLERS", "BadRequest", "Reply", "publish_event"]

UPLOAD_TYPES = {"JPG": "jpg", "JPEG": "jpeg", "PNG": "png", "GIF": "gif"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PUBLISHABLE_EVENTS = frozenset(
    {"ContentEvent", "RichContentEvent", "ChatStateEvent", "AcceptStatusEvent"}
)

Handler = Callable[[Engine, Connection, Any], Reply]


def get_clock(engine: Engine, connection: Connection, body: Any) -> Reply:
    return Reply(200, wt.GET_CLOCK_RESPONSE, {"currentTime": now_ms()})


def agent_request_conversation(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = _object(body)
    consumer_id = _text(body, "consumerId")
    skill = body.get("skillId", "-1")
    conversation = engine.open_conversation(
        connection.account, consumer_id, str(skill), agent=connection.agent
    )
    return Reply(200, wt.REQUEST_CONVERSATION_RESPONSE, {"conversationId": conversation.conv_id})


def subscribe_ex_conversations(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = _object(body)
    states = [str(s) for s in _listed(body.get("convState"))] or ["OPEN"]
    if not set(states) <= {"OPEN", "CLOSE"}:
        raise BadRequest(f"invalid convState: {states}")
    agent_ids = body.get("agentIds")
    if agent_ids is not None:
        agent_ids = [user_id_form(connection, each, "agentIds") for each in _listed(agent_ids)]
    sub = ExSubscription(
        subscription_id=str(uuid.uuid4()),
        states=frozenset(states),
        agent_ids=None if agent_ids is None else frozenset(agent_ids),
        min_updated=_optional_int(body, "minLastUpdatedTime"),
        max_updated=_optional_int(body, "maxLastUpdatedTime"),
    )
    connection.ex_subscriptions[sub.subscription_id] = sub

    def send_snapshot() -> None:
        connection.send(engine.snapshot(connection, sub))

    return Reply(200, wt.SUBSCRIBE_RESPONSE, {"subscriptionId": sub.subscription_id}, send_snapshot)


def _optional_int(body: dict[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"invalid field: {key}")
    return value


def unsubscribe_ex_conversations(engine: Engine, connection: Connection, body: Any) -> Reply:
    sub_id = _text(_object(body), "subscriptionId")
    if connection.ex_subscriptions.pop(sub_id, None) is None:
        raise BadRequest("Subscription not found")
    return Reply(200, wt.SUBSCRIBE_RESPONSE, {})


def publish_event(
    engine: Engine,
    connection: Connection,
    body: Any,
    metadata: list[dict[str, Any]] | None = None,
) -> Reply:
    """``metadata`` is the request frame's; the stored and distributed event carries it."""
    body = _object(body)
    dialog_id = _text(body, "dialogId")
    conversation = engine.world.conversation_of_dialog(connection.account, dialog_id)
    if conversation is None:
        raise BadRequest("Dialog not found")
    event = _object(body.get("event"))
    event_type = event.get("type")
    if event_type not in PUBLISHABLE_EVENTS:
        raise BadRequest(f"Unsupported event type: {event_type}")
    agent = connection.agent
    roles = conversation.roles_of(agent.old_id)
    if not roles:
        raise BadRequest("Agent does not exist in conversation")
    if event_type in ("ContentEvent", "RichContentEvent"):
        if not conversation.is_open:
            raise BadRequest("Conversation is closed")
        if not any(role in PUBLISHING_ROLES for role in roles):
            raise BadRequest(f"A {roles[0]} cannot publish content")
        if event_type == "ContentEvent" and "message" not in event:
            raise BadRequest("missing field: event.message")
    role = next((r for r in roles if r in PUBLISHING_ROLES), roles[0])
    audience = body.get("messageAudience")
    sequence = engine.add_event(
        conversation,
        agent.old_id,
        agent.pid,
        role=role,
        event=event,
        dialog_id=dialog_id,
        metadata=metadata,
        audience=None if audience is None else str(audience),
    )
    # a chat state is not stored: the service answers it with sequence 0
    return Reply(200, wt.PUBLISH_EVENT_RESPONSE, {"sequence": sequence or 0})


def update_ring_state(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = _object(body)
    error = engine.update_ring(connection.agent, _text(body, "ringId"), _text(body, "ringState"))
    if error is not None:
        raise BadRequest(error)
    return Reply(202, wt.STRING_RESPONSE, "Ring state updated successfully")


def subscribe_routing_tasks(engine: Engine, connection: Connection, body: Any) -> Reply:
    agent_id = _object(body).get("agentId")
    if agent_id is not None:
        agent_by_user_id(engine, connection, agent_id, "agentId")
    sub_id = str(uuid.uuid4())
    connection.routing_subscriptions.add(sub_id)

    def after() -> None:
        connection.send(
            notification(wt.ROUTING_TASK_NOTIFICATION, {"subscriptionId": sub_id, "changes": []})
        )
        engine.route_waiting(connection.account)

    return Reply(200, wt.SUBSCRIBE_RESPONSE, {"subscriptionId": sub_id}, after)


def update_routing_task_subscription(engine: Engine, connection: Connection, body: Any) -> Reply:
    sub_id = body.get("subscriptionId") if isinstance(body, dict) else None
    if sub_id is None and connection.routing_subscriptions:
        sub_id = next(iter(connection.routing_subscriptions))
    return Reply(200, wt.SUBSCRIBE_RESPONSE, {"subscriptionId": sub_id})


def get_user_profile(engine: Engine, connection: Connection, body: Any) -> Reply:
    consumer_id = body.get("consumerId") if isinstance(body, dict) else body
    account = engine.world.accounts[connection.account]
    consumer = account.consumers.get(str(consumer_id))
    if consumer is None:
        raise BadRequest("Consumer not found", 404)
    return Reply(200, wt.GET_USER_PROFILE_RESPONSE, consumer.profile)


def set_agent_state(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = _object(body)
    availability = _text(body, "availability")
    if availability not in AVAILABILITIES:
        raise BadRequest(f"invalid availability: {availability}")
    agent = connection.agent
    target = body.get("agentUserId")
    if target is not None:
        agent = agent_by_user_id(engine, connection, target, "agentUserId")
    engine.set_agent_state(agent, availability, str(body.get("description", "")))
    return Reply(202, wt.STRING_RESPONSE, "Agent state updated successfully")


def subscribe_agents_state(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = _object(body)
    agent_id = body.get("agentId")
    if agent_id is not None:
        agent_id = agent_by_user_id(engine, connection, agent_id, "agentId").old_id
    sub_id = str(uuid.uuid4())
    connection.agent_state_subscriptions[sub_id] = agent_id
    account = engine.world.accounts[connection.account]
    agents = [agent for agent in account.agents if agent_id in (None, agent.old_id)]

    def after() -> None:
        connection.send(engine.agent_state_notification(sub_id, agents))

    return Reply(200, wt.SUBSCRIBE_RESPONSE, {"subscriptionId": sub_id}, after)


def query_messages(engine: Engine, connection: Connection, body: Any) -> Reply:
    """A dialog's stored events in sequence order, oldest first.

    ``newerThanSequence`` (default ``fromSeq``, then 0) keeps events from that sequence on, the
    one given included: ``subscribeMessagingEvents`` sends 0 to get "all existing events"
    (Node SDK README), and sequences start at 0. ``olderThanSequence`` keeps those below it.
    The service does not page on its own (PROTOCOL.md 3.1.1: the reply is the dialog's events):
    ``maxQuantity`` cuts the reply to its first (oldest) events, and a client pages by asking
    again from the last sequence it got.
    """
    body = _object(body)
    dialog_id = _text(body, "dialogId")
    conversation = engine.world.conversation_of_dialog(connection.account, dialog_id)
    if conversation is None:
        raise BadRequest("Dialog not found")
    newer = _sequence(body, "newerThanSequence", body.get("fromSeq", 0)) or 0
    older = _sequence(body, "olderThanSequence", None)
    limit = _sequence(body, "maxQuantity", None)
    events = [
        message
        for message in conversation.messages
        if message["dialogId"] == dialog_id
        and message["sequence"] >= newer
        and (older is None or message["sequence"] < older)
    ]
    if limit is not None:
        events = events[:limit]
    connection.dialogs.add(dialog_id)
    return Reply(200, wt.QUERY_MESSAGES_RESPONSE, events)


def _sequence(body: dict[str, Any], key: str, default: Any) -> int | None:
    value = body.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"invalid field: {key}")
    return value


def generate_download_url(engine: Engine, connection: Connection, body: Any) -> Reply:
    relative_path = _text(_object(body), "relativePath")
    return Reply(200, wt.GENERATE_URL_RESPONSE, engine.file_url(relative_path))


def generate_upload_url(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = _object(body)
    file_type = _text(body, "fileType").upper()
    size = body.get("fileSize")
    if file_type not in UPLOAD_TYPES:
        raise BadRequest(f"unsupported fileType: {file_type}")
    if not isinstance(size, int) or not 0 < size <= MAX_UPLOAD_BYTES:
        raise BadRequest("invalid fileSize")
    relative_path = (
        f"/v1/AUTH_async-images/{connection.account}/{uuid.uuid4()}.{UPLOAD_TYPES[file_type]}"
    )
    return Reply(200, wt.GENERATE_URL_RESPONSE, engine.file_url(relative_path))


def generate_download_token(engine: Engine, connection: Connection, body: Any) -> Reply:
    return Reply(200, wt.GENERATE_DOWNLOAD_TOKEN_RESPONSE, {"token": uuid.uuid4().hex})


HANDLERS: dict[str, Handler] = {
    wt.GET_CLOCK: get_clock,
    wt.AGENT_REQUEST_CONVERSATION: agent_request_conversation,
    wt.SUBSCRIBE_EX_CONVERSATIONS: subscribe_ex_conversations,
    wt.UNSUBSCRIBE_EX_CONVERSATIONS: unsubscribe_ex_conversations,
    wt.UPDATE_CONVERSATION_FIELD: update_conversation_field,
    wt.PUBLISH_EVENT: publish_event,
    wt.UPDATE_RING_STATE: update_ring_state,
    wt.SUBSCRIBE_ROUTING_TASKS: subscribe_routing_tasks,
    wt.UPDATE_ROUTING_TASK_SUBSCRIPTION: update_routing_task_subscription,
    wt.GET_USER_PROFILE: get_user_profile,
    wt.SET_AGENT_STATE: set_agent_state,
    wt.SUBSCRIBE_AGENTS_STATE: subscribe_agents_state,
    wt.QUERY_MESSAGES: query_messages,
    wt.GENERATE_URL_FOR_DOWNLOAD_FILE: generate_download_url,
    wt.GENERATE_URL_FOR_UPLOAD_FILE: generate_upload_url,
    wt.GENERATE_DOWNLOAD_TOKEN: generate_download_token,
}

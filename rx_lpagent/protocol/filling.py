"""What the Node SDK adds to a request before sending it (PROTOCOL.md section 3.1).

:func:`fill_request` is total: a body of an unexpected shape is sent as given (the service
answers it with a 4xx), and the caller's body is never mutated. Where the SDK would throw, it
is lenient instead: a missing body counts as ``{}``, a bare ``conversationField`` element is
filled in place (and stays bare), a bare ``agentIds`` string becomes a one-element list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol._js import js_truthy
from rx_lpagent.protocol.identity import AgentIdentity

__all__ = ["FILLED_TYPES", "fill_request"]

_MESSAGING = "MESSAGING"


def _set_agent_state(body: dict[str, Any], identity: AgentIdentity) -> None:
    body["channels"] = [_MESSAGING]
    body["agentUserId"] = identity.old_agent_id


def _update_conversation_field(body: dict[str, Any], identity: AgentIdentity) -> None:
    fields = body.get("conversationField")
    if isinstance(fields, dict):
        body["conversationField"] = _fill_participant_change(fields, identity)
    elif isinstance(fields, list):
        body["conversationField"] = [_fill_participant_change(f, identity) for f in fields]


def _fill_participant_change(field: Any, identity: AgentIdentity) -> Any:
    if (
        isinstance(field, dict)
        and field.get("field") == "ParticipantsChange"
        and not js_truthy(field.get("userId"))
    ):
        return {**field, "userId": identity.old_agent_id}
    return field


def _subscribe_routing_tasks(body: dict[str, Any], identity: AgentIdentity) -> None:
    body["channelType"] = _MESSAGING
    body["agentId"] = identity.old_agent_id
    body["brandId"] = identity.account_id


def _subscribe_ex_conversations(body: dict[str, Any], identity: AgentIdentity) -> None:
    agent_ids = body.get("agentIds")
    if not js_truthy(agent_ids):
        body.pop("agentIds", None)
        return
    ids = agent_ids if isinstance(agent_ids, list) else [agent_ids]
    pid = identity.user_pid
    body["agentIds"] = [
        identity.old_agent_id if pid is not None and agent_id == pid else agent_id
        for agent_id in ids
    ]


def _subscribe_messaging_events(body: dict[str, Any], identity: AgentIdentity) -> None:
    from_seq = body.get("fromSeq")
    body["newerThanSequence"] = 0 if not js_truthy(from_seq) else from_seq


def _agent_request_conversation(body: dict[str, Any], identity: AgentIdentity) -> None:
    body["channelType"] = _MESSAGING


def _subscribe_agents_state(body: dict[str, Any], identity: AgentIdentity) -> None:
    body["brandId"] = identity.account_id
    body["agentId"] = identity.old_agent_id


_Filler = Callable[[dict[str, Any], AgentIdentity], None]

_FILLERS: dict[str, _Filler] = {
    wt.SET_AGENT_STATE: _set_agent_state,
    wt.UPDATE_CONVERSATION_FIELD: _update_conversation_field,
    wt.SUBSCRIBE_ROUTING_TASKS: _subscribe_routing_tasks,
    wt.SUBSCRIBE_EX_CONVERSATIONS: _subscribe_ex_conversations,
    wt.NODE_SUBSCRIBE_MESSAGING_EVENTS: _subscribe_messaging_events,
    wt.AGENT_REQUEST_CONVERSATION: _agent_request_conversation,
    wt.SUBSCRIBE_AGENTS_STATE: _subscribe_agents_state,
}

FILLED_TYPES: frozenset[str] = frozenset(_FILLERS)
"""The Node SDK request types :func:`fill_request` changes (any other goes as given)."""

_WIRE_TYPE_OF: dict[str, str] = {wt.NODE_SUBSCRIBE_MESSAGING_EVENTS: wt.QUERY_MESSAGES}
"""The Node SDK request types that go on the wire under another type."""


def fill_request(type_: str, body: Any, identity: AgentIdentity) -> tuple[str, Any]:
    """The wire type and body the Node SDK sends for a request of ``type_``.

    ``type_`` is the Node SDK's request type (``ms.SubscribeMessagingEvents`` for
    subscribeMessagingEvents, the wire type for the others); ``body`` a dict, a body Struct
    (converted to its wire names) or, for GetUserProfile, the bare consumer id. ``None`` counts
    as an empty body for the requests the SDK fills. Other types pass through unchanged.
    """
    if type(body) is not dict and isinstance(body, msgspec.Struct):  # a failing one is slow
        body = msgspec.to_builtins(body)
    fill = _FILLERS.get(type_)
    if fill is None:
        return type_, body
    wire_type = _WIRE_TYPE_OF.get(type_, type_)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        return wire_type, body
    filled = dict(body)
    fill(filled, identity)
    return wire_type, filled

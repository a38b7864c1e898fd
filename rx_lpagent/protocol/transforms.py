"""The Node SDK's view of the protocol (PROTOCOL.md 3.1 and 3.2), as pure functions.

Inbound, :func:`to_node_view` turns a raw notification into the type name and plain JSON body
that ``node-agent-sdk`` 1.2.0 emits for it; :func:`query_messages_to_node_view` and
:func:`user_profile_to_sdes` do the same for the two replies it rewrites. Outbound,
:func:`fill_request` adds what the SDK adds to a request before sending it.

Bodies are what ``JSON.stringify`` would show of the Node object: the SDK's function members
(``isMe()``, ``getMyRole()``) are left out and their values kept as the SDK's own ``__isMe`` and
``__myRole`` keys; a property the SDK sets to ``undefined`` is absent.

Parity goes down to odd shapes: the JavaScript semantics the SDK leans on (a property of a
primitive reads as ``undefined``, ``delete`` on it does nothing, ``obj[["A"]]`` reads
``obj["A"]``) are mimicked by :mod:`._js`. ``tests/protocol/test_node_parity.py`` runs the SDK's
own Transformer on the fixtures and on thousands of damaged copies of them: wherever the SDK
produces a result, ours is the same JSON, key order included.

Deliberate differences: a one-element array that arrives as the bare element is accepted
wherever the SDK iterates (the SDK throws), and a QueryMessages reply that is one bare event
counts as a list of one (the SDK ignores it); a body that cannot be transformed comes back as a
:class:`MalformedFrameError` value (the SDK emits a TransformError); none of these functions
raises or mutates its input. Warnings the SDK emits (``invalid participant ...``) are returned
in :attr:`NodeView.warnings`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol._js import UNDEFINED, JSTypeError, js_delete, js_get, js_string, js_truthy
from rx_lpagent.protocol.filling import fill_request
from rx_lpagent.protocol.frames import Notification
from rx_lpagent.protocol.identity import AgentIdentity

__all__ = [
    "AgentIdentity",
    "NodeView",
    "fill_request",
    "query_messages_to_node_view",
    "to_node_view",
    "user_profile_to_sdes",
]


class NodeView(msgspec.Struct, frozen=True):
    """A notification as the Node SDK delivers it: its type name and plain JSON body."""

    type: str
    body: Any
    warnings: tuple[str, ...] = ()


class _Invalid(Exception):
    """A body the Node SDK could not have transformed either."""


_json_decoder = msgspec.json.Decoder()


def _decode(raw: msgspec.Raw | bytes) -> Any:
    return _json_decoder.decode(raw)


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _array(target: Any, key: str) -> list[Any]:
    """``target[key]`` where the SDK iterates it; a bare element counts as a one-element list."""
    value = js_get(target, key)
    if isinstance(value, list):
        return value
    if value is None or value is UNDEFINED or not isinstance(target, dict):
        raise _Invalid(f"{key} is {js_string(value)}, not an array")
    value = target[key] = [value]
    return value


def _keys(target: Any) -> list[str]:
    """``Object.keys(target)``."""
    if target is None or target is UNDEFINED:
        raise JSTypeError(f"Cannot convert {js_string(target)} to object")
    if isinstance(target, dict):
        return list(target)
    if isinstance(target, list | str):
        return [str(index) for index in range(len(target))]
    return []


def _has_own(target: Any, key: str) -> bool:
    return js_get(target, key) is not UNDEFINED if isinstance(target, dict | list | str) else False


def _set(target: Any, key: str, value: Any) -> None:
    """``target[key] = value`` in strict mode (invisible on an array, absent when undefined)."""
    if isinstance(target, dict):
        if value is UNDEFINED:
            target.pop(key, None)
        else:
            target[key] = value
    elif not isinstance(target, list):
        raise JSTypeError(f"Cannot create property '{key}' on {js_string(target)}")


# --- inbound -------------------------------------------------------------------------------


def _ex_conversation_change(body: Any, identity: AgentIdentity) -> NodeView:
    warnings: list[str] = []
    for change in _array(body, "changes"):
        if js_truthy(change) and js_truthy(js_get(change, "result")):
            _ex_conversation(js_get(change, "result"), identity, warnings)
    return NodeView(wt.NODE_EX_CONVERSATION_CHANGE_NOTIFICATION, body, tuple(warnings))


def _ex_conversation(result: Any, identity: AgentIdentity, warnings: list[str]) -> None:
    js_delete(result, "lastUpdateTime")
    js_delete(result, "numberOfunreadMessages")
    details = js_get(result, "conversationDetails")
    for key in ("convId", "note", "brandId", "groupId", "csatRate"):
        js_delete(details, key)
    participants = js_get(details, "participants")
    for role in _keys(participants):
        if identity.old_agent_id in _array(participants, role):
            _set(details, "__myRole", role)
    conv_id = js_string(js_get(result, "convId"))
    if not _has_own(details, "participantsPId"):
        raise _Invalid(
            f"participantsPId key property is missing on notification for convId {conv_id}"
        )
    _set(details, "participants", _participants_with_pids(details, conv_id, warnings))
    js_delete(details, "participantsPId")


def _participants_with_pids(
    details: Any, conv_id: str, warnings: list[str]
) -> list[dict[str, Any]]:
    """``participantsPId {ROLE: [pid]}`` as ``[{id, role}]``; dialog participants get PIDs."""
    pids = js_get(details, "participantsPId")
    participants = [{"id": pid, "role": role} for role in _keys(pids) for pid in _array(pids, role)]
    for dialog in _array(details, "dialogs"):
        seen_per_role: dict[str, int] = {}
        for participant in _array(dialog, "participantsDetails"):
            role = js_string(js_get(participant, "role"))
            index = seen_per_role.get(role, 0)
            seen_per_role[role] = index + 1
            if not _has_own(pids, role):
                # Suggested agents are missing from the conversation's lists: not worth a warning.
                if js_get(participant, "state") != "SUGGESTED":
                    warnings.append(
                        f"invalid participant on conversation {conv_id} - {_json(participant)}"
                    )
                continue
            role_pids = js_get(pids, role)
            # A dialog may list more participants of a role than the conversation has PIDs.
            if index < len(role_pids):
                _set(participant, "id", role_pids[index])
    return participants


def _routing_task(body: Any, identity: AgentIdentity) -> NodeView:
    for change in _array(body, "changes"):
        result = js_get(change, "result")
        for key in ("routingTaskId", "assignedAgentId", "brandId"):
            js_delete(result, key)
        for ring in _array(result, "ringsDetails"):
            for key in ("brandId", "convId", "consumerId", "skillId"):
                js_delete(ring, key)
    return NodeView(wt.NODE_ROUTING_TASK_NOTIFICATION, body)


def _agent_state(body: Any, identity: AgentIdentity) -> NodeView:
    for change in _array(body, "changes"):
        js_delete(js_get(change, "result"), "agentUserId")
    return NodeView(wt.NODE_AGENT_STATE_NOTIFICATION, body)


def _as_message_change(event: Any, identity: AgentIdentity) -> Any:
    """One dialog event as a ``changes`` item: originatorId becomes the PID, plus ``__isMe``."""
    _set(event, "__isMe", js_get(event, "originatorId") == identity.old_agent_id)
    _set(event, "originatorId", js_get(event, "originatorPId"))
    js_delete(event, "originatorPId")
    return event


def _messaging_notification(dialog_id: Any, changes: list[Any]) -> NodeView:
    body: dict[str, Any] = {} if dialog_id is UNDEFINED else {"dialogId": dialog_id}
    body["changes"] = changes
    return NodeView(wt.NODE_MESSAGING_EVENT_NOTIFICATION, body)


def _online_event(body: Any, identity: AgentIdentity) -> NodeView:
    change = _as_message_change(body, identity)
    return _messaging_notification(js_get(change, "dialogId"), [change])


def _ring_updated(body: Any, identity: AgentIdentity) -> NodeView:
    return NodeView(wt.NODE_DEPRECATED, None)


_INBOUND = {
    wt.EX_CONVERSATION_CHANGE_NOTIFICATION: _ex_conversation_change,
    wt.ROUTING_TASK_NOTIFICATION: _routing_task,
    wt.AGENT_STATE_NOTIFICATION: _agent_state,
    wt.ONLINE_EVENT_DISTRIBUTION: _online_event,
    wt.RING_UPDATED: _ring_updated,
}

_BAD_INPUT = (
    _Invalid,
    msgspec.DecodeError,
    UnicodeError,
    ValueError,
    TypeError,
    KeyError,
    RecursionError,
)


def to_node_view(
    notification: Notification, identity: AgentIdentity
) -> NodeView | MalformedFrameError:
    """The Node SDK's type and body for a raw notification (other types pass through unchanged).

    Never raises: a body that cannot be transformed comes back as a MalformedFrameError.
    """
    transform = _INBOUND.get(notification.type)
    try:
        body = _decode(notification.body)
        if transform is None:
            return NodeView(notification.type, body)
        return transform(body, identity)
    except _BAD_INPUT as exc:
        return MalformedFrameError(
            f"cannot transform {notification.type}: {exc}", error=exc, raw=bytes(notification.body)
        )


def query_messages_to_node_view(
    body: msgspec.Raw | bytes, identity: AgentIdentity
) -> NodeView | MalformedFrameError | None:
    """The ``ms.MessagingEventNotification`` the SDK re-emits for a QueryMessages reply body.

    ``None`` when the reply holds no events (the SDK emits nothing then). A reply that is one
    bare event counts as a list of one (the SDK would ignore it). Never raises.
    """
    try:
        events = _decode(body)
        if isinstance(events, dict):
            events = [events]
        if not js_truthy(js_get(events, "length")):
            return None
        if not isinstance(events, list):
            raise _Invalid("QueryMessages reply is not a list")
        dialog_id = js_get(events[0], "dialogId")
        return _messaging_notification(
            dialog_id, [_as_message_change(event, identity) for event in events]
        )
    except _BAD_INPUT as exc:
        return MalformedFrameError(
            f"cannot transform a QueryMessages reply: {exc}", error=exc, raw=bytes(body)
        )


def user_profile_to_sdes(body: msgspec.Raw | bytes) -> list[Any] | MalformedFrameError:
    """The list of SDEs the SDK makes of a GetUserProfile reply. Never raises."""
    try:
        return _sdes(_decode(body))
    except _BAD_INPUT as exc:
        return MalformedFrameError(
            f"cannot transform a GetUserProfile reply: {exc}", error=exc, raw=bytes(body)
        )


def _sdes(profile: Any) -> list[Any]:
    sdes: list[Any] = []
    authenticated = js_get(profile, "authenticatedData")
    private = js_get(profile, "privateData")
    private = private if js_truthy(private) else {}
    claims = js_get(profile, "claims")
    claims = claims if js_truthy(claims) else {}
    if js_truthy(js_get(claims, "lp_sdes")):
        for sde in _array(claims, "lp_sdes"):
            _set(sde, "acr", js_get(profile, "acr"))
            _set(sde, "iss", js_get(claims, "iss"))
            sdes.append(sde)
    if js_truthy(authenticated) and js_truthy(js_get(authenticated, "lp_sdes")):
        for sde in _array(authenticated, "lp_sdes"):
            _set(sde, "auth", {})
            sdes.append(sde)
    info: dict[str, Any] = {}
    mobile_num, user_id = js_get(private, "mobileNum"), js_get(private, "userId")
    if js_truthy(mobile_num):
        info["imei"] = mobile_num
    if js_truthy(user_id):
        info["customerId"] = user_id
    if info:
        sdes.append({"type": "ctmrinfo", "info": info})
    personal: dict[str, Any] = {}
    first_name, last_name = js_get(profile, "firstName"), js_get(profile, "lastName")
    if js_truthy(first_name):
        personal["firstname"] = first_name
    if js_truthy(last_name):
        personal["lastname"] = last_name
    email = js_get(private, "email")
    if js_truthy(email) or js_truthy(mobile_num):
        contact: dict[str, Any] = {}
        _set(contact, "email", email)
        _set(contact, "phone", mobile_num)
        personal["contacts"] = [contact]
    if personal:
        sdes.append({"type": "personal", "personal": personal})
    return sdes

"""The Node SDK's view of the protocol (PROTOCOL.md 3.1 and 3.2), as pure functions.

Inbound, :func:`to_node_view` turns a raw notification into the type name and plain JSON body
that ``node-agent-sdk`` 1.2.0 emits for it; :func:`query_messages_to_node_view` and
:func:`user_profile_to_sdes` do the same for the two replies it rewrites. Outbound,
:func:`fill_request` adds what the SDK adds to a request before sending it.

Bodies are what ``JSON.stringify`` would show of the Node object: the SDK's function members
(``isMe()``, ``getMyRole()``) are left out and their values kept as the SDK's own ``__isMe`` and
``__myRole`` keys; a property the SDK sets to ``undefined`` is absent.

Deliberate differences: a one-element array that arrives as the bare element is accepted
wherever the SDK iterates (the SDK would fail); a body that cannot be transformed comes back as a
:class:`MalformedFrameError` value (the SDK emits a TransformError); none of these functions
raises or mutates its input. Warnings the SDK logs (``invalid participant ...``) are returned in
:attr:`NodeView.warnings`.
"""

from __future__ import annotations

from typing import Any

import msgspec

from rx_lpagent.errors import MalformedFrameError
from rx_lpagent.protocol.filling import fill_request
from rx_lpagent.protocol.frames import Notification
from rx_lpagent.protocol.identity import AgentIdentity
from rx_lpagent.protocol.wire import js_truthy

__all__ = [
    "AgentIdentity",
    "NodeView",
    "fill_request",
    "query_messages_to_node_view",
    "to_node_view",
    "user_profile_to_sdes",
]

MESSAGING_EVENT_NOTIFICATION = "ms.MessagingEventNotification"


class NodeView(msgspec.Struct, frozen=True):
    """A notification as the Node SDK delivers it: its type name and plain JSON body."""

    type: str
    body: Any
    warnings: tuple[str, ...] = ()


class _Invalid(Exception):
    """A body the Node SDK could not have transformed either."""


_json_decoder = msgspec.json.Decoder()


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(f"{what} is not an object")
    return value


def _array(container: dict[str, Any], key: str, what: str) -> list[Any]:
    """``container[key]`` as a list, written back: a bare element counts as a one-element list."""
    value = container.get(key)
    if value is None:
        raise _Invalid(f"{what}.{key} is missing")
    if not isinstance(value, list):
        value = container[key] = [value]
    return value


def _decode(raw: msgspec.Raw | bytes) -> Any:
    return _json_decoder.decode(raw)


# --- inbound -------------------------------------------------------------------------------


def _ex_conversation_change(body: Any, identity: AgentIdentity) -> NodeView:
    body = _object(body, "body")
    warnings: list[str] = []
    for change in _array(body, "changes", "body"):
        if isinstance(change, dict) and js_truthy(change.get("result")):
            _ex_conversation(_object(change["result"], "change.result"), identity, warnings)
    return NodeView("cqm.ExConversationChangeNotification", body, tuple(warnings))


def _ex_conversation(result: dict[str, Any], identity: AgentIdentity, warnings: list[str]) -> None:
    result.pop("lastUpdateTime", None)
    result.pop("numberOfunreadMessages", None)
    details = _object(result.get("conversationDetails"), "conversationDetails")
    for key in ("convId", "note", "brandId", "groupId", "csatRate"):
        details.pop(key, None)
    participants = _object(details.get("participants"), "conversationDetails.participants")
    for role in list(participants):
        if identity.old_agent_id in _array(participants, role, "participants"):
            details["__myRole"] = role
    if "participantsPId" not in details:
        raise _Invalid(
            "participantsPId key property is missing on notification for convId "
            f"{result.get('convId')}"
        )
    details["participants"] = _participants_with_pids(details, result.get("convId"), warnings)
    del details["participantsPId"]


def _participants_with_pids(
    details: dict[str, Any], conv_id: Any, warnings: list[str]
) -> list[dict[str, Any]]:
    """``participantsPId {ROLE: [pid]}`` as ``[{id, role}]``; dialog participants get PIDs."""
    pids = _object(details["participantsPId"], "participantsPId")
    participants = [
        {"id": pid, "role": role}
        for role in list(pids)
        for pid in _array(pids, role, "participantsPId")
    ]
    for item in _array(details, "dialogs", "conversationDetails"):
        dialog = _object(item, "dialog")
        seen_per_role: dict[str, int] = {}
        for entry in _array(dialog, "participantsDetails", "dialog"):
            participant = _object(entry, "dialog participant")
            role = participant.get("role")
            if not isinstance(role, str) or role not in pids:
                if participant.get("state") != "SUGGESTED":
                    warnings.append(
                        f"invalid participant on conversation {conv_id} - "
                        f"{msgspec.json.encode(participant).decode()}"
                    )
                continue
            index = seen_per_role.get(role, 0)
            seen_per_role[role] = index + 1
            role_pids = pids[role]
            # A dialog may list more participants of a role than the conversation has PIDs.
            if index < len(role_pids):
                participant["id"] = role_pids[index]
    return participants


def _changes_results(body: Any) -> list[dict[str, Any]]:
    body = _object(body, "body")
    return [
        _object(_object(change, "change").get("result"), "change.result")
        for change in _array(body, "changes", "body")
    ]


def _routing_task(body: Any, identity: AgentIdentity) -> NodeView:
    for result in _changes_results(body):
        for key in ("routingTaskId", "assignedAgentId", "brandId"):
            result.pop(key, None)
        for item in _array(result, "ringsDetails", "change.result"):
            ring = _object(item, "ringsDetails item")
            for key in ("brandId", "convId", "consumerId", "skillId"):
                ring.pop(key, None)
    return NodeView("routing.RoutingTaskNotification", body)


def _agent_state(body: Any, identity: AgentIdentity) -> NodeView:
    for result in _changes_results(body):
        result.pop("agentUserId", None)
    return NodeView("routing.AgentStateNotification", body)


def _as_message_change(value: Any, identity: AgentIdentity) -> dict[str, Any]:
    """One dialog event as a ``changes`` item: originatorId becomes the PID, plus ``__isMe``."""
    event = _object(value, "messaging event")
    event["__isMe"] = event.get("originatorId") == identity.old_agent_id
    if "originatorPId" in event:
        event["originatorId"] = event.pop("originatorPId")
    else:
        event.pop("originatorId", None)
    return event


def _messaging_notification(dialog_id: Any, changes: list[Any]) -> NodeView:
    body: dict[str, Any] = {} if dialog_id is _ABSENT else {"dialogId": dialog_id}
    body["changes"] = changes
    return NodeView(MESSAGING_EVENT_NOTIFICATION, body)


_ABSENT: Any = object()


def _online_event(body: Any, identity: AgentIdentity) -> NodeView:
    change = _as_message_change(body, identity)
    return _messaging_notification(change.get("dialogId", _ABSENT), [change])


def _ring_updated(body: Any, identity: AgentIdentity) -> NodeView:
    return NodeView("deprecated", None)


_INBOUND = {
    ".ams.aam.ExConversationChangeNotification": _ex_conversation_change,
    ".ams.routing.RoutingTaskNotification": _routing_task,
    ".ams.routing.AgentStateNotification": _agent_state,
    ".ams.ms.OnlineEventDistribution": _online_event,
    ".ams.routing.RingUpdated": _ring_updated,
}

_BAD_INPUT = (_Invalid, msgspec.DecodeError, UnicodeError, ValueError, TypeError, KeyError)


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

    ``None`` when the reply holds no events (the SDK emits nothing then). Never raises.
    """
    try:
        events = _decode(body)
        if isinstance(events, dict):
            events = [events]
        if not isinstance(events, list):
            raise _Invalid("QueryMessages reply is not a list")
        if not events:
            return None
        dialog_id = _object(events[0], "messaging event").get("dialogId", _ABSENT)
        return _messaging_notification(
            dialog_id, [_as_message_change(event, identity) for event in events]
        )
    except _BAD_INPUT as exc:
        return MalformedFrameError(
            f"cannot transform a QueryMessages reply: {exc}", error=exc, raw=bytes(body)
        )


def user_profile_to_sdes(body: msgspec.Raw | bytes) -> list[dict[str, Any]] | MalformedFrameError:
    """The list of SDEs the SDK makes of a GetUserProfile reply. Never raises."""
    try:
        return _sdes(_object(_decode(body), "GetUserProfile reply"))
    except _BAD_INPUT as exc:
        return MalformedFrameError(
            f"cannot transform a GetUserProfile reply: {exc}", error=exc, raw=bytes(body)
        )


def _set_or_drop(target: dict[str, Any], key: str, source: dict[str, Any], source_key: str) -> None:
    # Assigning `undefined` in JavaScript: the key is absent from the JSON view.
    if source_key in source:
        target[key] = source[source_key]
    else:
        target.pop(key, None)


def _sdes(profile: dict[str, Any]) -> list[dict[str, Any]]:
    sdes: list[dict[str, Any]] = []
    private = profile.get("privateData")
    private = private if isinstance(private, dict) else {}
    claims = profile.get("claims")
    if isinstance(claims, dict) and js_truthy(claims.get("lp_sdes")):
        for item in _array(claims, "lp_sdes", "claims"):
            sde = _object(item, "claims SDE")
            _set_or_drop(sde, "acr", profile, "acr")
            _set_or_drop(sde, "iss", claims, "iss")
            sdes.append(sde)
    authenticated = profile.get("authenticatedData")
    if isinstance(authenticated, dict) and js_truthy(authenticated.get("lp_sdes")):
        for item in _array(authenticated, "lp_sdes", "authenticatedData"):
            sde = _object(item, "authenticated SDE")
            sde["auth"] = {}
            sdes.append(sde)
    info: dict[str, Any] = {}
    if js_truthy(private.get("mobileNum")):
        info["imei"] = private["mobileNum"]
    if js_truthy(private.get("userId")):
        info["customerId"] = private["userId"]
    if info:
        sdes.append({"type": "ctmrinfo", "info": info})
    personal: dict[str, Any] = {}
    if js_truthy(profile.get("firstName")):
        personal["firstname"] = profile["firstName"]
    if js_truthy(profile.get("lastName")):
        personal["lastname"] = profile["lastName"]
    if js_truthy(private.get("email")) or js_truthy(private.get("mobileNum")):
        contact: dict[str, Any] = {}
        _set_or_drop(contact, "email", private, "email")
        _set_or_drop(contact, "phone", private, "mobileNum")
        personal["contacts"] = [contact]
    if personal:
        sdes.append({"type": "personal", "personal": personal})
    return sdes

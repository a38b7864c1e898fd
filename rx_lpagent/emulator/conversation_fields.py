"""``.ams.cm.UpdateConversationField``: the fields an agent changes on a conversation
(state, participants, dialogs, skill, TTR, CSAT), applied in order."""

from __future__ import annotations

import uuid
from typing import Any

from rx_lpagent.emulator.answers import (
    BadRequest,
    Reply,
    agent_by_user_id,
    conversation_of,
    int_field,
    listed,
    object_body,
    text_field,
)
from rx_lpagent.emulator.connection import Connection
from rx_lpagent.emulator.engine import Engine
from rx_lpagent.emulator.state import ROLES, Conversation, Dialog, now_ms
from rx_lpagent.protocol import wire_types as wt

__all__ = ["PARTICIPANT_ANSWERS", "update_conversation_field"]

PARTICIPANT_ANSWERS = {
    "ADD": "OK Agent added successfully",
    "REMOVE": "OK Agent removed successfully",
}
"""What the service answers a ParticipantsChange of these types with (others: ``"OK"``)."""


def update_conversation_field(engine: Engine, connection: Connection, body: Any) -> Reply:
    body = object_body(body)
    conversation = conversation_of(engine, connection, text_field(body, "conversationId"))
    fields = listed(body.get("conversationField"))
    if not fields:
        raise BadRequest("missing field: conversationField")
    if not conversation.is_open:
        raise BadRequest("Conversation is closed")
    requeue = closed = False
    applied = 0
    answer = "OK"
    try:
        for field in fields:
            requeue_now, closed_now = _apply_field(engine, connection, conversation, field)
            requeue |= requeue_now
            closed |= closed_now
            applied += 1
            if field.get("field") == "ParticipantsChange":
                answer = PARTICIPANT_ANSWERS.get(str(field.get("type")), answer)
    except BadRequest:
        if applied:  # the fields before the bad one stay applied: say so
            engine.conversation_changed(conversation)
        raise
    if closed:
        engine.close_conversation(conversation, "AGENT")
    else:
        engine.conversation_changed(conversation)
        if requeue:
            engine.route(conversation)
    return Reply(200, wt.UPDATE_CONVERSATION_FIELD_RESPONSE, answer)


def _apply_field(
    engine: Engine, connection: Connection, conversation: Conversation, field: Any
) -> tuple[bool, bool]:
    """Apply one conversationField; returns (back to the queue?, conversation closed?)."""
    if not isinstance(field, dict):
        raise BadRequest("conversationField entries must be objects")
    kind = field.get("field")
    if kind == "ConversationStateField":
        if field.get("conversationState") != "CLOSE":
            raise BadRequest("only conversationState CLOSE is supported")
        return False, True
    if kind == "ParticipantsChange":
        return _participants_change(engine, connection, conversation, field), False
    if kind == "DialogChange":
        return False, _dialog_change(conversation, field)
    if kind == "Skill":
        conversation.skill_id = text_field(field, "skill")
    elif kind == "TTRField":
        conversation.ttr_type = text_field(field, "ttrType")
        conversation.ttr_value = int_field(field, "value", conversation.ttr_value)
    elif kind == "CSATRate":
        conversation.csat_rate = int_field(field, "csatRate", 0)
    else:
        raise BadRequest(f"Unsupported conversation field: {kind}")
    return False, False


def _participants_change(
    engine: Engine, connection: Connection, conversation: Conversation, field: dict[str, Any]
) -> bool:
    change = field.get("type")
    role = str(field.get("role", "ASSIGNED_AGENT"))
    agent = agent_by_user_id(engine, connection, field.get("userId"), "userId")
    if role not in ROLES or role == "CONSUMER":
        raise BadRequest(f"invalid role: {role}")
    if change == "ADD":
        if role == "ASSIGNED_AGENT" and conversation.assigned_agent not in (None, agent.old_id):
            raise BadRequest("Conversation already has an assigned agent")
        if role == "ASSIGNED_AGENT":
            engine.cancel_ring(conversation)
        conversation.add_participant(role, agent.old_id)
        return False
    if change == "REMOVE":
        if not conversation.remove_participant(agent.old_id, role):
            raise BadRequest("Agent does not exist in conversation")
        return role == "ASSIGNED_AGENT"
    if change == "UPDATE":
        conversation.remove_participant(agent.old_id)
        conversation.add_participant(role, agent.old_id)
        return False
    if change == "SUGGEST":
        conversation.suggested_agent = agent.old_id
        conversation.rejected_by.discard(agent.old_id)
        return True
    raise BadRequest(f"invalid ParticipantsChange type: {change}")


def _dialog_change(conversation: Conversation, field: dict[str, Any]) -> bool:
    """Returns whether the change closed the MAIN dialog (and so the conversation)."""
    dialog_body = object_body(field.get("dialog"))
    change = field.get("type")
    if change == "ADD":
        conversation.dialogs.append(
            Dialog(
                str(dialog_body.get("dialogId") or uuid.uuid4()),
                dialog_type=str(dialog_body.get("dialogType", "POST_SURVEY")),
                channel_type=str(dialog_body.get("channelType", "MESSAGING")),
            )
        )
        return False
    if change == "UPDATE":
        dialog = conversation.dialog(text_field(dialog_body, "dialogId"))
        if dialog is None:
            raise BadRequest("Dialog not found")
        if dialog_body.get("state") == "CLOSE":
            dialog.state = "CLOSE"
            dialog.end_ts = now_ms()
            dialog.closed_by = str(dialog_body.get("closedCause", "AGENT"))
            return dialog.dialog_type == "MAIN"
        return False
    raise BadRequest(f"invalid DialogChange type: {change}")

"""What a request handler answers: a :class:`Reply`, or a :class:`BadRequest` refusal, and the
checks on a body that refuse it the way the service does (after its schema has been checked)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rx_lpagent.emulator.connection import Connection
from rx_lpagent.emulator.engine import Engine
from rx_lpagent.emulator.state import AgentUser, Conversation

__all__ = [
    "BadRequest",
    "Reply",
    "agent_by_user_id",
    "conversation_of",
    "int_field",
    "listed",
    "object_body",
    "text_field",
    "user_id_form",
]


@dataclass
class Reply:
    code: int
    type: str
    body: Any
    after: Callable[[], None] | None = None


class BadRequest(Exception):
    """Answered as a response with ``code`` (400 unless told) and the message as body."""

    def __init__(self, message: str, code: int = 400) -> None:
        super().__init__(message)
        self.code = code


def object_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest("body must be an object")
    return body


def text_field(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise BadRequest(f"missing or invalid field: {key}")
    return str(value)


def listed(value: Any) -> list[Any]:
    """A one-element array may arrive as the bare element."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def conversation_of(engine: Engine, connection: Connection, conv_id: str) -> Conversation:
    found = engine.world.conversation(conv_id)
    if found is None or found.account != connection.account:
        raise BadRequest("Conversation not found")
    return found


def user_id_form(connection: Connection, value: object, key: str) -> str:
    """An agent id as the service takes it: the account's user id form ``{accountId}.{userId}``
    (the Node SDK converts its own ids to it); a PID or a bare user id is refused."""
    prefix = f"{connection.account}."
    if not isinstance(value, str) or not value.startswith(prefix) or value == prefix:
        raise BadRequest(f"invalid {key}: {value!r} (expected {prefix}<userId>)")
    return value


def agent_by_user_id(engine: Engine, connection: Connection, value: object, key: str) -> AgentUser:
    user_id = user_id_form(connection, value, key)
    agent = engine.world.agent_by_old_id(connection.account, user_id)
    if agent is None:
        raise BadRequest(f"Agent does not exist: {user_id}")
    return agent


def int_field(body: dict[str, Any], key: str, default: int) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"invalid field: {key}")
    return value

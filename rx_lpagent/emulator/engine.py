"""What happens in the emulated LivePerson when something changes, and who gets told.

Every change (a conversation opened, a message, a ring accepted, an agent state) is applied to
the :class:`~rx_lpagent.emulator.state.World` and turned, synchronously and in order, into the
notifications the subscribed sockets receive.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from rx_lpagent.emulator.connection import Connection, ExSubscription
from rx_lpagent.emulator.state import AgentUser, Conversation, Ring, World, now_ms
from rx_lpagent.protocol import wire_types as wt
from rx_lpagent.protocol.frames import encode

__all__ = ["Engine", "notification"]

PUBLISHING_ROLES = ("ASSIGNED_AGENT", "MANAGER", "CONTROLLER")


def notification(type_: str, body: Any) -> bytes:
    return encode({"kind": "notification", "type": type_, "body": body})


class Engine:
    """Conversation, routing and agent-state logic over a :class:`World`, and the fan-out."""

    def __init__(self, world: World, *, ring_timeout: float = 72.0) -> None:
        self.world = world
        self.ring_timeout = ring_timeout
        # a dict keeps the sockets in the order they opened: routing ties go to the earliest
        self.connections: dict[Connection, None] = {}
        self.sockets_per_agent: dict[str, int] = {}
        """Open sockets per agent user (``account.userId``), and the most ever open at once:"""
        self.peak_sockets_per_agent: dict[str, int] = {}
        self.rings: dict[str, Ring] = {}
        self.files: dict[str, bytes] = {}
        self._ring_timers: dict[str, asyncio.TimerHandle] = {}
        self._url_key = secrets.token_bytes(16)
        self.changed = asyncio.Event()
        """Set on every change of the world (tests wait on it instead of polling)."""

    # sockets
    def register(self, connection: Connection) -> None:
        self.connections[connection] = None
        agent = connection.agent.old_id
        count = self.sockets_per_agent[agent] = self.sockets_per_agent.get(agent, 0) + 1
        if count > self.peak_sockets_per_agent.get(agent, 0):
            self.peak_sockets_per_agent[agent] = count
        self.changed.set()

    def unregister(self, connection: Connection) -> None:
        if connection in self.connections:
            del self.connections[connection]
            agent = connection.agent.old_id
            self.sockets_per_agent[agent] -= 1
            if not self.sockets_per_agent[agent]:
                del self.sockets_per_agent[agent]
            self.changed.set()

    def connections_of(self, account: str) -> list[Connection]:
        return [c for c in self.connections if c.account == account and not c.closing]

    def stop(self) -> None:
        for handle in self._ring_timers.values():
            handle.cancel()
        self._ring_timers.clear()

    # conversations
    def open_conversation(
        self,
        account: str,
        consumer_id: str,
        skill_id: str = "-1",
        *,
        agent: AgentUser | None = None,
    ) -> Conversation:
        self.world.consumer(account, consumer_id)
        conversation = Conversation(account, consumer_id, skill_id)
        self.world.add_account(account).conversations[conversation.conv_id] = conversation
        if agent is not None:
            conversation.add_participant("ASSIGNED_AGENT", agent.old_id)
        self.conversation_changed(conversation)
        self.route(conversation)
        return conversation

    @staticmethod
    def participant_ids(conversation: Conversation) -> set[str]:
        """The participants in the user id form ``agentIds`` filters use."""
        return {each for group in conversation.participants.values() for each in group}

    def conversation_changed(self, conversation: Conversation) -> None:
        """Send an UPSERT (or a DELETE, when it left a filter) to every matching subscription."""
        conversation.touch()
        self.changed.set()
        pids = self.world.pid_map(conversation.account)
        participants = self.participant_ids(conversation)
        result: dict[str, Any] | None = None
        for connection in self.connections_of(conversation.account):
            for sub in connection.ex_subscriptions.values():
                if sub.matches(conversation.state, participants):
                    sub.known.add(conversation.conv_id)
                    change_type = "UPSERT"
                elif conversation.conv_id in sub.known:
                    sub.known.discard(conversation.conv_id)
                    change_type = "DELETE"
                else:
                    continue
                result = result or conversation.result(pids)
                change = {"type": change_type, "result": result}
                body = {"subscriptionId": sub.subscription_id, "changes": [change]}
                connection.send(notification(wt.EX_CONVERSATION_CHANGE_NOTIFICATION, body))

    def snapshot(self, connection: Connection, sub: ExSubscription) -> bytes:
        account = self.world.accounts.get(connection.account)
        conversations = [] if account is None else list(account.conversations.values())
        pids = self.world.pid_map(connection.account)
        changes = []
        for conversation in conversations:
            if sub.in_window(conversation.updated_ms) and sub.matches(
                conversation.state, self.participant_ids(conversation)
            ):
                sub.known.add(conversation.conv_id)
                changes.append({"type": "UPSERT", "result": conversation.result(pids)})
        return notification(
            wt.EX_CONVERSATION_CHANGE_NOTIFICATION,
            {"subscriptionId": sub.subscription_id, "changes": changes},
        )

    def add_event(
        self,
        conversation: Conversation,
        originator_id: str,
        originator_pid: str,
        *,
        role: str,
        event: dict[str, Any],
        dialog_id: str | None = None,
        metadata: list[dict[str, Any]] | None = None,
        audience: str | None = None,
    ) -> int | None:
        """Record an event and distribute it. Chat states are neither stored nor stamped: no
        sequence, no serverTimestamp. ``metadata`` (a publish's request metadata) and
        ``audience`` (its ``messageAudience``; history says ``ALL`` when none was sent) are
        kept on the event."""
        dialog_id = dialog_id or conversation.dialogs[0].dialog_id
        body: dict[str, Any] = {}
        event_type = event.get("type")
        sequence: int | None = None
        if event_type != "ChatStateEvent":
            sequence = conversation.take_sequence()
            body["sequence"] = sequence
        body.update(
            originatorId=originator_id,
            originatorPId=originator_pid,
            originatorMetadata={"id": originator_pid, "role": role},
        )
        if sequence is not None:
            body["serverTimestamp"] = now_ms()
        body.update(event=event, dialogId=dialog_id)
        if metadata is not None:
            body["metadata"] = metadata
        if audience is not None:
            body["messageAudience"] = audience
        if sequence is not None:
            conversation.messages.append(
                {
                    **body,
                    "conversationId": conversation.conv_id,
                    "messageAudience": audience or "ALL",
                }
            )
        self._count_unread(conversation, originator_id, event)
        self.changed.set()
        frame = notification(wt.ONLINE_EVENT_DISTRIBUTION, body)
        for connection in self.connections_of(conversation.account):
            if dialog_id in connection.dialogs or conversation.roles_of(connection.agent.old_id):
                connection.send(frame)
        if event_type in {"ContentEvent", "RichContentEvent"}:
            self.conversation_changed(conversation)
        return sequence

    @staticmethod
    def _count_unread(conversation: Conversation, originator: str, event: dict[str, Any]) -> None:
        if event.get("type") in ("ContentEvent", "RichContentEvent"):
            for ids in conversation.participants.values():
                for each in ids:
                    if each != originator:
                        conversation.unread[each] = conversation.unread.get(each, 0) + 1
        elif event.get("type") == "AcceptStatusEvent" and event.get("status") == "READ":
            conversation.unread.pop(originator, None)

    def close_conversation(self, conversation: Conversation, reason: str) -> None:
        if not conversation.is_open:
            return
        conversation.state = conversation.stage = "CLOSE"
        conversation.end_ts = now_ms()
        conversation.close_reason = reason
        for dialog in conversation.dialogs:
            if dialog.state == "OPEN":
                dialog.state = "CLOSE"
                dialog.end_ts = conversation.end_ts
        self.cancel_ring(conversation)
        self.conversation_changed(conversation)

    # routing
    def _eligible(self, conversation: Conversation) -> list[AgentUser]:
        subscribed: dict[AgentUser, int] = {}
        for connection in self.connections_of(conversation.account):
            if connection.routing_subscriptions and connection.agent.availability == "ONLINE":
                subscribed[connection.agent] = 0
        candidates = [
            agent
            for agent in subscribed
            if agent.old_id not in conversation.rejected_by
            and (conversation.suggested_agent in (None, agent.old_id))
        ]
        account = self.world.accounts[conversation.account]
        load = {
            agent: sum(
                1
                for c in account.conversations.values()
                if c.is_open and agent.old_id in c.participants.get("ASSIGNED_AGENT", ())
            )
            for agent in candidates
        }
        return sorted(candidates, key=lambda agent: load[agent])

    def route(self, conversation: Conversation) -> None:
        """Ring the least busy eligible agent if the conversation waits in the queue."""
        if (
            not conversation.is_open
            or conversation.assigned_agent is not None
            or conversation.ring is not None
        ):
            return
        eligible = self._eligible(conversation)
        if not eligible:
            return
        agent = eligible[0]
        created = now_ms()
        ring = Ring(
            ring_id=f"{conversation.conv_id}_{conversation.account}_{created}",
            agent=agent,
            conversation=conversation,
            expiration_ms=int(self.ring_timeout * 1000),
            created_ms=created,
        )
        conversation.ring = ring
        self.changed.set()
        self.rings[ring.ring_id] = ring
        loop = asyncio.get_running_loop()
        self._ring_timers[ring.ring_id] = loop.call_later(
            self.ring_timeout, self._expire_ring, ring
        )
        self._notify_ring(ring)

    def route_waiting(self, account: str) -> None:
        found = self.world.accounts.get(account)
        if found is not None:
            for conversation in list(found.conversations.values()):
                self.route(conversation)

    def _notify_ring(self, ring: Ring) -> None:
        conversation = ring.conversation
        result = {
            "routingTaskId": ring.task_id,
            "assignedAgentId": ring.agent.old_id,
            "brandId": conversation.account,
            "taskCompleted": ring.state == "ACCEPTED",
            "conversationId": conversation.conv_id,
            "consumerId": conversation.consumer_id,
            "skillId": conversation.skill_id,
            "ringsDetails": [
                {
                    "ringId": ring.ring_id,
                    "ringExpiration": ring.expiration_ms,
                    "ringExpirationTs": ring.created_ms + ring.expiration_ms,
                    "ringState": ring.state,
                    "weight": 1.0,
                    "brandId": conversation.account,
                    "convId": conversation.conv_id,
                    "consumerId": conversation.consumer_id,
                    "skillId": conversation.skill_id,
                }
            ],
        }
        for connection in self.connections_of(conversation.account):
            if connection.agent is ring.agent:
                for sub_id in connection.routing_subscriptions:
                    body = {
                        "subscriptionId": sub_id,
                        "changes": [{"type": "UPSERT", "result": result}],
                    }
                    connection.send(notification(wt.ROUTING_TASK_NOTIFICATION, body))

    def update_ring(self, agent: AgentUser, ring_id: str, state: str) -> str | None:
        """Accept or reject a ring; returns an error text or None."""
        ring = self.rings.get(ring_id)
        if ring is None or ring.agent is not agent or ring.state != "WAITING":
            return "Ring not found or not waiting"
        if state not in ("ACCEPTED", "REJECTED"):
            return f"Invalid ring state: {state}"
        conversation = ring.conversation
        self._finish_ring(ring, state)
        if state == "ACCEPTED":
            conversation.suggested_agent = None
            conversation.add_participant("ASSIGNED_AGENT", agent.old_id)
            self.conversation_changed(conversation)
        else:
            conversation.rejected_by.add(agent.old_id)
            self.route(conversation)
        return None

    def _finish_ring(self, ring: Ring, state: str) -> None:
        ring.state = state
        self.changed.set()
        ring.conversation.ring = None
        self.rings.pop(ring.ring_id, None)
        handle = self._ring_timers.pop(ring.ring_id, None)
        if handle is not None:
            handle.cancel()
        self._notify_ring(ring)

    def _expire_ring(self, ring: Ring) -> None:
        self._ring_timers.pop(ring.ring_id, None)
        if ring.state == "WAITING":
            self._finish_ring(ring, "EXPIRED")
            self.route(ring.conversation)

    def cancel_ring(self, conversation: Conversation) -> None:
        if conversation.ring is not None:
            self._finish_ring(conversation.ring, "CANCELLED")

    # agent state
    def set_agent_state(self, agent: AgentUser, availability: str, description: str = "") -> None:
        agent.availability = availability
        agent.description = description
        self.changed.set()
        for connection in self.connections_of(agent.account):
            for sub_id, agent_id in connection.agent_state_subscriptions.items():
                if agent_id in (None, agent.old_id):
                    connection.send(self.agent_state_notification(sub_id, [agent]))
        if availability == "ONLINE":
            self.route_waiting(agent.account)

    @staticmethod
    def agent_state_notification(sub_id: str, agents: Iterable[AgentUser]) -> bytes:
        changes = [
            {
                "type": "UPSERT",
                "result": {
                    "agentUserId": agent.old_id,
                    "channels": ["MESSAGING"],
                    "availability": agent.availability,
                    "description": agent.description,
                },
            }
            for agent in agents
        ]
        return notification(
            wt.AGENT_STATE_NOTIFICATION, {"subscriptionId": sub_id, "changes": changes}
        )

    # files
    def sign(self, relative_path: str, expires: int) -> str:
        message = f"{relative_path}\n{expires}".encode()
        return hmac.new(self._url_key, message, hashlib.sha256).hexdigest()

    def file_url(self, relative_path: str) -> dict[str, Any]:
        expires = now_ms() // 1000 + 60
        return {
            "relativePath": relative_path,
            "queryParams": {
                "temp_url_sig": self.sign(relative_path, expires),
                "temp_url_expires": str(expires),
            },
        }

    def check_signature(self, relative_path: str, sig: str, expires: str) -> bool:
        if not expires.isdigit() or int(expires) < now_ms() // 1000:
            return False
        return hmac.compare_digest(self.sign(relative_path, int(expires)), sig)

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

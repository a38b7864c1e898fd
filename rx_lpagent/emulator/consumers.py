"""The consumer side, driven from Python: open conversations, send messages, read, close."""

from __future__ import annotations

from typing import Any

from rx_lpagent.emulator.engine import Engine
from rx_lpagent.emulator.state import Consumer, Conversation

__all__ = ["EmulatedConsumer"]


class EmulatedConsumer:
    """A consumer of one account (``emu.consumer()``)."""

    def __init__(self, engine: Engine, record: Consumer) -> None:
        self._engine = engine
        self._record = record

    @property
    def consumer_id(self) -> str:
        return self._record.consumer_id

    @property
    def account(self) -> str:
        return self._record.account

    @property
    def profile(self) -> dict[str, Any]:
        return self._record.profile

    def __repr__(self) -> str:
        return f"EmulatedConsumer({self.consumer_id!r}, account={self.account!r})"

    def _conversation(self, conv_id: str) -> Conversation:
        conversation = self._engine.world.conversation(conv_id)
        if conversation is None or conversation.consumer_id != self.consumer_id:
            raise KeyError(f"no conversation {conv_id} for consumer {self.consumer_id}")
        return conversation

    async def open_conversation(self, skill_id: str = "-1") -> str:
        """Open a conversation: it waits in the queue and rings an eligible agent."""
        conversation = self._engine.open_conversation(self.account, self.consumer_id, skill_id)
        return conversation.conv_id

    async def send_event(self, conv_id: str, event: dict[str, Any]) -> int | None:
        conversation = self._conversation(conv_id)
        if not conversation.is_open and event.get("type") != "AcceptStatusEvent":
            raise ValueError(f"conversation {conv_id} is closed")
        return self._engine.add_event(
            conversation, self.consumer_id, self.consumer_id, role="CONSUMER", event=event
        )

    async def send_text(self, conv_id: str, text: str) -> int:
        """Send a text message; returns its sequence."""
        sequence = await self.send_event(
            conv_id, {"type": "ContentEvent", "contentType": "text/plain", "message": text}
        )
        assert sequence is not None
        return sequence

    async def set_chat_state(self, conv_id: str, chat_state: str = "COMPOSING") -> None:
        await self.send_event(conv_id, {"type": "ChatStateEvent", "chatState": chat_state})

    async def mark_read(self, conv_id: str, sequences: list[int]) -> int | None:
        return await self.send_event(
            conv_id, {"type": "AcceptStatusEvent", "status": "READ", "sequenceList": sequences}
        )

    async def close_conversation(self, conv_id: str) -> None:
        self._engine.close_conversation(self._conversation(conv_id), "CONSUMER")

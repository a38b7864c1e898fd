"""The agent's states, as :attr:`Agent.state` and :attr:`Agent.state_changes` give them."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AgentState"]


class AgentState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"
    DISPOSED = "disposed"

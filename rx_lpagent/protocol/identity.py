"""Who the agent is, as the pure transforms need it."""

from __future__ import annotations

import msgspec

__all__ = ["AgentIdentity"]


class AgentIdentity(msgspec.Struct, frozen=True):
    """Who the agent is: what the transforms need to fill ids and to tell "me" apart."""

    account_id: str
    user_id: str
    user_pid: str | None = None
    """The agent's PID (``config.userPid`` of the login reply); unknown with token auth."""

    @property
    def old_agent_id(self) -> str:
        """``"{account_id}.{user_id}"``, the agent id messages and conversations carry."""
        return f"{self.account_id}.{self.user_id}"

"""The example bots against the emulator: the agent fixtures of tests/agent, both transports."""

from tests.agent.conftest import emulator, make_agent, transport

__all__ = ["emulator", "make_agent", "transport"]

"""The agent against the emulator over real sockets on 127.0.0.1, for both socket transports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, Credentials, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import AgentEvent, ErrorEvent, SuccessEvent
from rx_lpagent.recovery import Recovery

FAST_RECOVERY = Recovery().scaled(0.001)
"""LivePerson's policy with every delay in milliseconds instead of seconds."""


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture(params=["aiohttp", "websockets"])
def transport(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


class Recorder:
    """An agent under test and every event it reported."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.events: list[AgentEvent] = []
        agent.events.subscribe(self.events.append)

    def outcomes(self) -> list[tuple[str, str]]:
        return [
            ("ok" if isinstance(e, SuccessEvent) else "error", e.location)
            for e in self.events
            if isinstance(e, SuccessEvent | ErrorEvent)
        ]


MakeAgent = Callable[..., Recorder]


@pytest_asyncio.fixture
async def make_agent(emulator: Emulator, transport: str) -> AsyncIterator[MakeAgent]:
    made: list[Agent] = []

    def make(
        credentials: Credentials | None = None,
        *,
        recovery: Recovery | None = FAST_RECOVERY,
        **settings: Any,
    ) -> Recorder:
        settings.setdefault("refresh_interval", None)
        settings.setdefault("keepalive_interval", None)
        config = AgentConfig(
            emulator.account,
            credentials or PasswordCredentials(emulator.username, emulator.password),
            csds_domain=emulator.csds_domain,
            transport=transport,  # type: ignore[arg-type]
            **settings,
        )
        agent = Agent(config, recovery=recovery)
        made.append(agent)
        return Recorder(agent)

    yield make
    for agent in made:
        await agent.dispose()

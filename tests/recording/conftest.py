"""A recording agent against the emulator, over real sockets on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from rx_lpagent.agent import Agent
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.recovery import Recovery

CANARY_PASSWORD = "canary-Pa55w0rd-c0ffee"
"""The agent's password: it must appear nowhere in a recording."""

FAST_RECOVERY = Recovery().scaled(0.001)


@pytest_asyncio.fixture
async def lp() -> AsyncIterator[Emulator]:
    async with Emulator(password=CANARY_PASSWORD) as running:
        yield running


@pytest.fixture(params=["aiohttp", "websockets"])
def transport(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def recording_config(lp: Emulator, path: Path, **settings: Any) -> AgentConfig:
    """A config that records to ``path``; keep-alive and periodic refresh off unless given."""
    settings.setdefault("refresh_interval", None)
    settings.setdefault("keepalive_interval", None)
    return AgentConfig(
        lp.account,
        PasswordCredentials(lp.username, lp.password),
        csds_domain=lp.csds_domain,
        record_to=str(path),
        **settings,
    )


class Secrets:
    """Every bearer, csrf and session cookie the emulator handed out, collected while they are
    alive (a logout forgets them)."""

    def __init__(self, lp: Emulator) -> None:
        self._lp = lp
        self.values: set[str] = {CANARY_PASSWORD}

    def collect(self) -> None:
        for session in self._lp.world.sessions.values():
            self.values |= {session.bearer, session.csrf, session.cookie}

    def found_in(self, data: bytes) -> list[str]:
        return sorted(value for value in self.values if value.encode() in data)


async def closing_requests(agent: Agent, consumer_id: str, subscription_id: str) -> None:
    """The request types a session has not used yet, in one go: a conversation the agent asks
    for with ``consumer_id`` and closes, the three file requests, and the end of the
    ex-conversations subscription ``subscription_id``."""
    requested = await agent.agent_request_conversation({"consumerId": consumer_id})
    await agent.update_conversation_field(
        {
            "conversationId": requested["conversationId"],
            "conversationField": [
                {"field": "ConversationStateField", "conversationState": "CLOSE"}
            ],
        }
    )
    await agent.generate_url_for_download_file({"relativePath": "/v1/AUTH_x/1234567/a.png"})
    await agent.generate_url_for_upload_file({"fileSize": 1024, "fileType": "PNG"})
    await agent.generate_download_token({})
    await agent.unsubscribe_ex_conversations({"subscriptionId": subscription_id})

"""TLS with a custom CA, and the ``domains`` override honoured on connect, reconnect, refresh."""

from __future__ import annotations

import pytest

from rx_lpagent import Agent, AgentConfig, AgentState, PasswordCredentials
from rx_lpagent.emulator import Emulator
from tests.agent.conftest import FAST_RECOVERY

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("transport", ["aiohttp", "websockets"])
async def test_tls_with_the_emulators_ca(transport: str) -> None:
    async with Emulator(tls=True) as lp:
        config = AgentConfig(
            lp.account,
            PasswordCredentials(lp.username, lp.password),
            csds_domain=lp.csds_domain,
            ssl=lp.client_ssl_context(),
            transport=transport,  # type: ignore[arg-type]
            refresh_interval=None,
            keepalive_interval=None,
        )
        assert not lp.csds_domain.startswith("http")
        async with Agent(config, recovery=FAST_RECOVERY) as agent:
            await agent.connect()
            await agent.reconnect()
            await agent.refresh_session()
            assert agent.state is AgentState.CONNECTED
            assert (await agent.get_clock()).current_time > 0


async def test_domains_override_is_honoured_on_every_path() -> None:
    async with Emulator() as csds, Emulator() as elsewhere:
        host = elsewhere.csds_domain.removeprefix("http://")
        config = AgentConfig(
            elsewhere.account,
            PasswordCredentials(elsewhere.username, elsewhere.password),
            csds_domain=csds.csds_domain,
            domains={"agentVep": host, "facadeMsg": host},
            refresh_interval=None,
            keepalive_interval=None,
        )
        async with Agent(config, recovery=FAST_RECOVERY) as agent:
            await agent.connect()
            await agent.reconnect()
            await agent.refresh_session()
        assert csds.calls.count("csds") == 3
        assert csds.calls.count("login") == 0
        assert csds.calls.count("ws") == 0
        assert elsewhere.calls.count("login") == 2
        assert elsewhere.calls.count("ws") == 2
        assert elsewhere.calls.count("refresh") == 1
        assert elsewhere.calls.count("csds") == 0

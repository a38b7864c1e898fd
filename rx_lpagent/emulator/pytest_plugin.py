"""pytest fixtures for testing your bot against the emulator.

Registered through the ``pytest11`` entry point: with the ``testing`` extra installed
(``pip install 'rx-lpagent[testing]'``) every pytest run has them, no ``conftest.py`` needed::

    @pytest.mark.asyncio
    async def test_my_bot(lp_emulator, lp_agent):
        conv_id = await lp_emulator.consumer().open_conversation()

``lp_emulator`` is a plain-HTTP emulator on a free port; ``lp_emulator_tls`` serves https/wss
with a CA of its own (``lp_emulator_tls.ca_file``, ``.client_ssl_context()``); ``lp_agent`` is
an :class:`~rx_lpagent.Agent` connected to ``lp_emulator`` (LivePerson's recovery policy with
millisecond delays), disposed after the test.

An installed plugin loads in every pytest run of the environment, so without the extra
(pytest-asyncio) this module defines nothing: no fixtures, no errors, no other effect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

__all__ = ["lp_agent", "lp_emulator", "lp_emulator_tls"]

try:
    import pytest_asyncio

    TESTING_EXTRA = True
except ImportError:  # the testing extra is not installed: define nothing
    TESTING_EXTRA = False

if TESTING_EXTRA:
    from rx_lpagent.agent import Agent
    from rx_lpagent.config import AgentConfig, PasswordCredentials
    from rx_lpagent.emulator.server import Emulator
    from rx_lpagent.recovery import Recovery

    @pytest_asyncio.fixture
    async def lp_emulator() -> AsyncIterator[Emulator]:
        """A running emulator (plain HTTP/WS, 127.0.0.1, a free port), stopped after the test."""
        async with Emulator() as emulator:
            yield emulator

    @pytest_asyncio.fixture
    async def lp_emulator_tls() -> AsyncIterator[Emulator]:
        """A running emulator serving https/wss with a CA generated for it (needs trustme)."""
        async with Emulator(tls=True) as emulator:
            yield emulator

    @pytest_asyncio.fixture
    async def lp_agent(lp_emulator: Emulator) -> AsyncIterator[Agent]:
        """An agent connected to ``lp_emulator``, recovering in milliseconds; disposed after."""
        config = AgentConfig(
            lp_emulator.account,
            PasswordCredentials(lp_emulator.username, lp_emulator.password),
            csds_domain=lp_emulator.csds_domain,
        )
        async with Agent(config, recovery=Recovery().scaled(0.001)) as agent:
            await agent.connect()
            yield agent

"""pytest fixtures for testing your bot against the emulator.

Enable them in your top-level ``conftest.py`` (they are not registered automatically)::

    pytest_plugins = ["rx_lpagent.emulator.pytest_plugin"]

    @pytest.mark.asyncio
    async def test_my_bot(lp_emulator):
        conv_id = await lp_emulator.consumer().open_conversation()

``lp_emulator`` is a plain-HTTP emulator on a free port; ``lp_emulator_tls`` serves https/wss
with a CA of its own (``lp_emulator_tls.ca_file``, ``.client_ssl_context()``). Needs
pytest-asyncio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from rx_lpagent.emulator.server import Emulator

__all__ = ["lp_emulator", "lp_emulator_tls"]


@pytest_asyncio.fixture
async def lp_emulator() -> AsyncIterator[Emulator]:
    """A running emulator (plain HTTP/WS, 127.0.0.1, a free port), stopped after the test."""
    async with Emulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def lp_emulator_tls() -> AsyncIterator[Emulator]:
    """A running emulator serving https/wss with a CA generated for it."""
    async with Emulator(tls=True) as emulator:
        yield emulator

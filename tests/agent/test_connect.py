"""Connect, reconnect, refresh and dispose against the emulator, for both transports."""

from __future__ import annotations

import asyncio

import pytest

from rx_lpagent.agent import AgentState
from rx_lpagent.config import AppKeyCredentials, AssertionCredentials, TokenCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import Connected
from tests.agent.conftest import MakeAgent

pytestmark = pytest.mark.asyncio


async def test_connect_with_a_password(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec = make_agent()
    assert await rec.agent.connect() == Connected()
    assert rec.outcomes() == [("ok", "Connect#CSDS"), ("ok", "Connect#Login"), ("ok", "Connect#WS")]
    assert rec.agent.state is AgentState.CONNECTED
    clock = await rec.agent.get_clock()
    assert clock.current_time > 0


async def test_connect_with_app_keys(make_agent: MakeAgent, emulator: Emulator) -> None:
    app = emulator.app_credentials
    rec = make_agent(
        AppKeyCredentials(
            app.username, app.app_key, app.secret, app.access_token, app.access_token_secret
        )
    )
    await rec.agent.connect()
    assert rec.agent.state is AgentState.CONNECTED


async def test_connect_with_an_assertion(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec = make_agent(AssertionCredentials(emulator.assertion))
    await rec.agent.connect()
    assert rec.agent.state is AgentState.CONNECTED


async def test_connect_with_a_bearer_token(make_agent: MakeAgent, emulator: Emulator) -> None:
    first = make_agent()
    await first.agent.connect()
    session = first.agent.session
    assert session is not None
    bearer = session.bearer  # type: ignore[attr-defined]
    rec = make_agent(TokenCredentials(bearer, session.user_id))
    await rec.agent.connect()
    assert rec.agent.state is AgentState.CONNECTED
    logins = [c for c in emulator.calls if c.endpoint == "login"]
    assert len(logins) == 1
    with pytest.raises(Exception, match="bearer token"):
        await rec.agent.refresh_session()
    assert rec.outcomes()[-1] == ("error", "RefreshSession#Precheck")


async def test_dispose_leaves_no_task_or_socket(make_agent: MakeAgent, emulator: Emulator) -> None:
    before = asyncio.all_tasks()
    rec = make_agent(refresh_interval=60.0, keepalive_interval=30.0)
    await rec.agent.connect()
    await rec.agent.dispose()
    await asyncio.sleep(0)
    leftover = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert leftover == []
    assert rec.agent.state is AgentState.DISPOSED

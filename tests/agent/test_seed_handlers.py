"""The seed's two example handlers, written the way a user writes them with this library.

1. Metrics per location: README's ``count_outcomes`` (run from README itself).
2. Recovery by hand, with the built-in recovery off: 429/5xx on connect or reconnect ->
   reconnect without a new token, with backoff; 401/403 -> reconnect with a new token;
   refresh 429/5xx -> retry the refresh (5 s x1.25 x35, here in milliseconds).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import reactivex
from reactivex import operators as ops

from rx_lpagent import (
    REFRESH_SESSION,
    Agent,
    AgentState,
    ErrorEvent,
    Recovery,
    failures,
    retry_with_backoff,
    under_location,
)
from rx_lpagent.emulator import Emulator
from tests.agent.conftest import MakeAgent
from tests.conftest import ROOT

pytestmark = pytest.mark.asyncio

FAST = Recovery().scaled(0.001)


def readme_block(section: str, index: int = 0) -> str:
    readme = (ROOT / "README.md").read_text()
    body = readme.split(f"### {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```python\n(.+?)\n```", body, flags=re.DOTALL)
    return blocks[index]


async def test_metrics_per_location_from_readme(make_agent: MakeAgent, emulator: Emulator) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(readme_block("Filtering events by location"), "README.md", "exec"), namespace)
    count_outcomes: Callable[[Agent], tuple[Counter[str], Counter[str]]] = namespace[
        "count_outcomes"
    ]
    rec = make_agent()
    ok, failed = count_outcomes(rec.agent)
    emulator.faults.fail("csds", 503, times=2)
    await rec.agent.connect()
    assert failed == Counter({"Connect#CSDS": 2})
    assert ok == Counter({"Connect#CSDS": 1, "Connect#Login": 1, "Connect#WS": 1})


def install_recipe(agent: Agent) -> reactivex.abc.DisposableBase:
    """The seed's recovery recipe as a user composes it from the library's operators."""
    connect_policy = Recovery().scaled(0.001).connect
    refresh_policy = replace(
        REFRESH_SESSION, initial=REFRESH_SESSION.initial / 1000, max_delay=10.0
    )

    def needs_new_token(event: ErrorEvent) -> bool:
        return event.error.code in (401, 403)

    def reconnect(event: ErrorEvent) -> reactivex.Observable[Any]:
        return agent.reconnect(skip_token_generation=not needs_new_token(event)).pipe(
            retry_with_backoff(connect_policy), ops.catch(reactivex.empty())
        )

    def refresh(_: ErrorEvent) -> reactivex.Observable[Any]:
        return agent.refresh_session().pipe(
            retry_with_backoff(refresh_policy), ops.catch(reactivex.empty())
        )

    def worth_a_reconnect(event: ErrorEvent) -> bool:
        return event.error.retryable or needs_new_token(event)

    def worth_a_retry(event: ErrorEvent) -> bool:
        return event.error.retryable

    connection_trouble: reactivex.Observable[Any] = agent.events.pipe(
        under_location("Connect", "Reconnect"),
        failures(),
        ops.filter(worth_a_reconnect),
        ops.flat_map_latest(reconnect),  # a newer failure replaces a pending reconnect
    )
    refresh_trouble: reactivex.Observable[Any] = agent.events.pipe(
        under_location("RefreshSession"),
        failures(),
        ops.filter(worth_a_retry),
        ops.flat_map_latest(refresh),
    )
    return reactivex.merge(connection_trouble, refresh_trouble).subscribe()


async def wait_connected(agent: Agent) -> None:
    def is_connected(state: AgentState) -> bool:
        return state is AgentState.CONNECTED

    connected: reactivex.Observable[AgentState] = agent.state_changes.pipe(
        ops.filter(is_connected), ops.first()
    )
    await asyncio.wait_for(connected, 5)


async def test_recipe_reconnects_without_a_new_token_after_a_5xx(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(recovery=None)
    recipe = install_recipe(rec.agent)
    emulator.faults.fail("csds", 503)
    with pytest.raises(Exception, match="503"):
        await rec.agent.connect()
    await wait_connected(rec.agent)
    assert ("ok", "Reconnect#Relogin#WS") in rec.outcomes()
    assert emulator.calls.count("login") == 1
    recipe.dispose()


async def test_recipe_reconnects_with_a_new_token_after_a_401(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent(recovery=None)
    recipe = install_recipe(rec.agent)
    await rec.agent.connect()
    emulator.faults.fail("ws", 401)
    with pytest.raises(Exception, match="401"):
        await rec.agent.reconnect(skip_token_generation=True)
    await asyncio.sleep(0.2)
    await wait_connected(rec.agent)
    assert emulator.calls.count("login") == 2
    recipe.dispose()


async def test_recipe_retries_a_failed_refresh(make_agent: MakeAgent, emulator: Emulator) -> None:
    rec = make_agent(recovery=None)
    recipe = install_recipe(rec.agent)
    await rec.agent.connect()
    emulator.faults.fail("refresh", 503, times=2)
    with pytest.raises(Exception, match="503"):
        await rec.agent.refresh_session()
    for _ in range(100):
        if rec.outcomes().count(("ok", "RefreshSession#REST")) == 1:
            break
        await asyncio.sleep(0.01)
    assert rec.outcomes().count(("error", "RefreshSession#REST")) == 2
    assert rec.outcomes().count(("ok", "RefreshSession#REST")) == 1
    recipe.dispose()

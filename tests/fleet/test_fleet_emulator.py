"""A few dozen agents in one Fleet against the emulator, over real sockets."""

from __future__ import annotations

import gc
from typing import Any

import aiohttp
import pytest

from rx_lpagent.agent import AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import AgentEvent, Location, SuccessEvent, at_location, under_location
from rx_lpagent.fleet import Fleet, FleetEvent, agent_key
from tests.fleet.conftest import (
    ACCOUNTS,
    add_all,
    all_connected,
    fast_limits,
    fleet_users,
    wait_for_counts,
)

pytestmark = pytest.mark.asyncio

LIMITS = fast_limits(connect_jitter=0.2, reconnect_jitter=0.2)
COUNT = 30


def tagged(event: AgentEvent) -> FleetEvent:
    assert isinstance(event, FleetEvent)
    return event


async def socket_counts(emulator: Emulator) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{emulator.base_url}/_emulator/sockets") as response,
    ):
        counts: dict[str, Any] = await response.json()
        return counts


async def test_agents_share_one_session_and_one_csds_lookup_per_account(
    emulator: Emulator,
) -> None:
    configs = fleet_users(emulator, COUNT)
    async with Fleet(limits=LIMITS) as fleet:
        events: list[FleetEvent] = []
        csds: list[AgentEvent] = []  # the location filters keep the events' static type
        fleet.events.subscribe(events.append)
        fleet.events.pipe(at_location(Location.CONNECT_CSDS)).subscribe(csds.append)
        counts = await add_all(fleet, configs)
        assert counts[AgentState.CONNECTING] == counts[AgentState.IDLE] == 0

        # every agent reported its own CSDS step; one lookup per account was made
        assert {tagged(event).agent for event in csds} == {agent_key(c) for c in configs}
        assert all(isinstance(tagged(event).event, SuccessEvent) for event in csds)
        assert emulator.calls.count("csds") == len(ACCOUNTS)
        assert emulator.calls.count("login") == COUNT
        connected = [e for e in events if e.location == Location.CONNECT_WS]
        assert len({e.agent for e in connected}) == COUNT
        sockets = await socket_counts(emulator)
        assert len(sockets["open"]) == COUNT
        assert set(sockets["peak"].values()) == {1}
        gc.collect()  # closed sessions of earlier tests may wait in reference cycles
        sessions = [o for o in gc.get_objects() if isinstance(o, aiohttp.ClientSession)]
        assert len(sessions) == 1  # the fleet's (socket_counts closed its own)


async def test_after_a_mass_drop_every_agent_reconnects_with_the_cached_domains(
    emulator: Emulator,
) -> None:
    configs = fleet_users(emulator, COUNT)
    async with Fleet(limits=LIMITS) as fleet:
        reconnect_csds: list[AgentEvent] = []
        fleet.events.pipe(at_location(Location.RECONNECT_CSDS)).subscribe(reconnect_csds.append)
        await add_all(fleet, configs)
        closed = await emulator.faults.close_sockets(1006)
        assert closed == COUNT
        await wait_for_counts(fleet, lambda c: c[AgentState.CONNECTED] < COUNT, within=5)
        await wait_for_counts(fleet, all_connected(COUNT))

        assert {tagged(event).agent for event in reconnect_csds} == {agent_key(c) for c in configs}
        assert emulator.calls.count("csds") == len(ACCOUNTS)  # within the TTL
        assert emulator.calls.count("ws") == 2 * COUNT
        assert set((await socket_counts(emulator))["peak"].values()) == {1}


async def test_agents_come_and_go_at_run_time_and_keep_their_own_cookies(
    emulator: Emulator,
) -> None:
    configs = fleet_users(emulator, 6)
    async with Fleet(limits=LIMITS) as fleet:
        await add_all(fleet, configs[:4])
        refreshed: list[AgentEvent] = []
        fleet.events.pipe(under_location("RefreshSession")).subscribe(refreshed.append)
        for agent in fleet.agents.values():  # each refresh needs that agent's own session cookie
            await agent.refresh_session()
        assert [
            type(tagged(e).event) for e in refreshed if e.location == Location.REFRESH_REST
        ] == [SuccessEvent] * 4

        gone = agent_key(configs[0])
        await fleet.remove(gone)
        assert gone not in fleet
        for config in configs[4:]:
            fleet.add(config)
        await wait_for_counts(fleet, all_connected(5))
        assert sum(fleet.counts.values()) == len(fleet) == 5
        with pytest.raises(ValueError, match="already in the fleet"):
            fleet.add(configs[1])
        assert len((await socket_counts(emulator))["open"]) == 5

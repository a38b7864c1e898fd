"""A fleet of agents against one emulator over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from typing import Any

import pytest_asyncio

from rx_lpagent.agent import AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.fleet import Fleet, FleetLimits, Rate

ACCOUNTS = ("1234567", "7654321")


def fleet_users(emulator: Emulator, count: int) -> list[AgentConfig]:
    """``count`` agent users spread over two accounts, each added to ``emulator``."""
    configs = []
    for number in range(count):
        account = ACCOUNTS[number % len(ACCOUNTS)]
        name, password = f"bot-{number}", f"secret-{number}"
        emulator.add_agent(name, password, account=account)
        configs.append(
            AgentConfig(
                account,
                PasswordCredentials(name, password),
                csds_domain=emulator.csds_domain,
                refresh_interval=None,
                keepalive_interval=None,
            )
        )
    return configs


FAST = Rate(1000.0, burst=100)


def fast_limits(**changes: Any) -> FleetLimits:
    """Limits that hardly pace (``changes`` on top): for tests that are not about pacing."""
    fast = FleetLimits(logins_per_account=FAST, logins_per_process=FAST, sockets_per_process=FAST)
    return replace(fast, **changes)


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


async def wait_for_counts(
    fleet: Fleet, condition: Callable[[Mapping[AgentState, int]], bool], within: float = 20.0
) -> Mapping[AgentState, int]:
    """Wait until the fleet's counts satisfy ``condition``; return them."""

    done: asyncio.Future[Mapping[AgentState, int]] = asyncio.get_running_loop().create_future()

    def check(counts: Mapping[AgentState, int]) -> None:
        if condition(counts) and not done.done():
            done.set_result(counts)

    check(fleet.counts)
    subscription = fleet.count_changes.subscribe(check)
    try:
        async with asyncio.timeout(within):
            return await done
    finally:
        subscription.dispose()


def all_connected(count: int) -> Callable[[Mapping[AgentState, int]], bool]:
    def check(counts: Mapping[AgentState, int]) -> bool:
        return counts[AgentState.CONNECTED] == count

    return check


async def add_all(fleet: Fleet, configs: list[AgentConfig]) -> Mapping[AgentState, int]:
    """Add ``configs`` to ``fleet`` and wait until all of its agents are connected."""
    for config in configs:
        fleet.add(config)
    return await wait_for_counts(fleet, all_connected(len(fleet)))

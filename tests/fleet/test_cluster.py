"""Agent users split among worker processes with a real ZooKeeper; a worker killed mid-run.

The emulator runs in the test's process and counts sockets per agent user, with the most ever
open at once: one agent user must never have two.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from rx_lpagent.config import PasswordCredentials
from rx_lpagent.emulator import Emulator
from tests.fleet.conftest import fleet_users
from tests.fleet.zookeeper import zookeeper

__all__ = ["zookeeper"]

pytestmark = pytest.mark.asyncio

AGENTS = 60
WORKERS = 3
SESSION_TIMEOUT = 2.0
SETTLE = 0.3
ONE_RECONNECT = 4.0
"""Generous room for one reconnect of every agent (jitter, paced logins and sockets)."""


def fleet_file(emulator: Emulator, path: Path) -> Path:
    lines = [
        "[zookeeper]",
        'path = "/test/fleet"',
        f"session_timeout = {SESSION_TIMEOUT}",
        f"settle = {SETTLE}",
        "[limits]",
        "logins_per_process = 500.0",
        "logins_per_process_burst = 100",
        "logins_per_account = 500.0",
        "logins_per_account_burst = 100",
        "sockets_per_process = 500.0",
        "sockets_per_process_burst = 100",
        "connect_jitter = 0.2",
        "reconnect_jitter = 0.2",
        "[defaults]",
        f'csds_domain = "{emulator.csds_domain}"',
        "keepalive_interval = 1.0",
        "refresh_interval = 600.0",
    ]
    for config in fleet_users(emulator, AGENTS):
        credentials = config.credentials
        assert isinstance(credentials, PasswordCredentials)
        lines += [
            "[[agents]]",
            f'account = "{config.account_id}"',
            f'username = "{credentials.username}"',
            f'password = "{credentials.password}"',
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


async def start_worker(zk: str, config: Path, name: str) -> asyncio.subprocess.Process:
    with (config.parent / f"{name}.log").open("wb") as output:  # the worker keeps its own copy
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "rx_lpagent",
            "fleet",
            "--zk",
            zk,
            "--config",
            str(config),
            "--id",
            name,
            "--log-level",
            "INFO",
            stdout=output,
            stderr=output,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def sockets_open(emulator: Emulator) -> int:
    return sum(emulator.engine.sockets_per_agent.values())


async def test_a_killed_workers_agents_move_and_no_agent_ever_has_two_sockets(
    zookeeper: str, emulator: Emulator, tmp_path: Path
) -> None:
    config = fleet_file(emulator, tmp_path / "fleet.toml")
    workers = [await start_worker(zookeeper, config, f"worker-{n}") for n in range(WORKERS)]
    try:

        def everyone() -> bool:
            sockets = emulator.engine.sockets_per_agent
            return len(sockets) == AGENTS and sockets_open(emulator) == AGENTS

        await emulator.wait_until(everyone, within=40.0)
        await asyncio.sleep(SESSION_TIMEOUT)  # all joined and settled: nothing moves any more
        assert everyone()

        workers[0].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await workers[0].wait()
        await emulator.wait_until(lambda: sockets_open(emulator) < AGENTS, within=5.0)
        await emulator.wait_until(everyone, within=SESSION_TIMEOUT + SETTLE + ONE_RECONNECT + 10)
        moved_within = time.monotonic() - killed_at
        assert moved_within < SESSION_TIMEOUT + SETTLE + ONE_RECONNECT, moved_within
        peaks = emulator.engine.peak_sockets_per_agent
        assert len(peaks) == AGENTS
        assert set(peaks.values()) == {1}, {agent: n for agent, n in peaks.items() if n > 1}
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            await asyncio.wait_for(worker.wait(), 20)
    assert [worker.returncode for worker in workers[1:]] == [0, 0]
    await emulator.wait_until(lambda: sockets_open(emulator) == 0, within=5.0)

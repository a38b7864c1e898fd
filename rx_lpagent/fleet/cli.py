"""``python -m rx_lpagent fleet --config fleet.toml [--zk HOST:PORT]``: run a fleet.

Without ``--zk`` this process connects every agent of the file. With ``--zk`` it is one worker
of a fleet split among processes with ZooKeeper (the ``[cluster]`` extra): start one per host
with the same file and path. It prints each share it takes (``share: N agent users``) and the
counts per state when they change (at most once a second); stops on SIGINT/SIGTERM, disposing
its agents first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Mapping

from rx_lpagent.agent import AgentState
from rx_lpagent.fleet._fleet import AgentKey, Fleet
from rx_lpagent.fleet.fleet_file import FleetFile, load_fleet_file

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--config", required=True, metavar="FILE", help="the fleet file (TOML)")
    parser.add_argument(
        "--zk", metavar="HOST:PORT[,HOST:PORT...]", help="ZooKeeper: run as one worker of many"
    )
    parser.add_argument("--id", help="this worker's name in the party (default: host and pid)")
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    return run


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    fleet_file = load_fleet_file(args.config)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(fleet_file, args.zk, args.id))
    return 0


async def _serve(fleet_file: FleetFile, zk: str | None, identifier: str | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with Fleet(limits=fleet_file.limits) as fleet:
        printer = _CountPrinter()
        subscription = fleet.count_changes.subscribe(printer)
        try:
            if zk is None:
                for config in fleet_file.agents:
                    fleet.add(config)
                _print_share(frozenset(fleet))
                await stop.wait()
            else:
                from rx_lpagent.fleet.cluster import ClusterWorker

                settings = fleet_file.zookeeper
                worker = ClusterWorker(
                    fleet,
                    fleet_file.agents,
                    hosts=zk,
                    path=settings.path,
                    identifier=identifier,
                    session_timeout=settings.session_timeout,
                    settle=settings.settle,
                    on_change=_print_share,
                )
                await worker.run(stop)
        finally:
            subscription.dispose()


def _print_share(share: frozenset[AgentKey]) -> None:
    print(f"share: {len(share)} agent users", flush=True)


class _CountPrinter:
    """Prints the non-zero counts per state, at most once a second (and the last ones)."""

    def __init__(self) -> None:
        self._printed = 0.0

    def __call__(self, counts: Mapping[AgentState, int]) -> None:
        now = time.monotonic()
        if now - self._printed < 1.0 and counts[AgentState.CONNECTED] != sum(counts.values()):
            return
        self._printed = now
        shown = ", ".join(f"{state.value} {count}" for state, count in counts.items() if count)
        print(f"agents: {shown or 'none'}", flush=True)

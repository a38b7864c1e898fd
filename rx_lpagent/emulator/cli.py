"""``python -m rx_lpagent emulator``: run the emulator standalone until interrupted.

It prints what a client needs, one ``name: value`` per line (``csds_domain``, ``account``,
``username``, ``password``, ``base_url``, and ``ca_file`` under ``--tls``), then serves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable

from rx_lpagent.emulator.context import DEFAULT_IDLE_TIMEOUT
from rx_lpagent.emulator.faults import bundled_scenarios, load_scenario
from rx_lpagent.emulator.server import Emulator

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0: a free one)")
    parser.add_argument("--tls", action="store_true", help="serve https/wss with a fresh CA")
    parser.add_argument(
        "--scenario",
        metavar="FILE",
        help="JSON file of faults to arm, or a bundled scenario: " + ", ".join(bundled_scenarios()),
    )
    parser.add_argument("--account", default="1234567", help="account id")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        help="close sockets idle this many seconds, pings count (0: never; default %(default)s)",
    )
    parser.add_argument("--advertised-host", help="host CSDS hands out (default: --host)")
    return run


def run(args: argparse.Namespace) -> int:
    faults = load_scenario(args.scenario) if args.scenario else []
    emulator = Emulator(
        tls=args.tls,
        account=args.account,
        host=args.host,
        port=args.port,
        idle_timeout=args.idle_timeout or None,
        advertised_host=args.advertised_host,
        faults=faults,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(emulator))
    return 0


async def _serve(emulator: Emulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with emulator:
        for name, value in emulator.info().items():
            print(f"{name}: {value}", flush=True)
        await stop.wait()

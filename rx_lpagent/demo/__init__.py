"""``python -m rx_lpagent demo``: an agent against the embedded emulator, faults and recovery live.

It connects through a CSDS answering 503 twice, echoes a consumer, rides a refresh 401, a dropped
socket and a revoked token during a 429 burst, then prints outcomes per location. ``--scenario``
arms emulator faults from a file (or a bundled scenario name) instead of the scripted ones.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument(
        "--scenario",
        help="emulator fault scenario: a JSON file or a bundled name (flaky-login, ...)",
    )
    parser.add_argument(
        "--duration", type=float, default=0.0, help="seconds of extra consumer traffic at the end"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the retry jitter")
    parser.add_argument("--plain", action="store_true", help="no colours (plain text)")
    return run


def run(args: argparse.Namespace) -> int:
    from rx_lpagent.demo.console import Console
    from rx_lpagent.demo.script import play

    console = Console(plain=args.plain)
    tally = asyncio.run(
        play(console, scenario=args.scenario, duration=args.duration, seed=args.seed)
    )
    console.summary(tally)
    return 0

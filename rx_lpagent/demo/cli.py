"""``python -m rx_lpagent demo``: options, the run, and the summary table."""

from __future__ import annotations

import argparse
import asyncio
import random
from collections.abc import Callable

from rx_lpagent.cli._console import LineConsole
from rx_lpagent.cli._support import CliError
from rx_lpagent.demo.player import play
from rx_lpagent.demo.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from rx_lpagent.demo.tally import Tally
from rx_lpagent.emulator.cli import load_for_cli
from rx_lpagent.emulator.faults import bundled_scenarios

__all__ = ["DEFAULT_DURATION", "register", "run"]

DEFAULT_DURATION = 8.0


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument(
        "--scenario",
        metavar="FILE|NAME",
        help="JSON scenario: faults, plus an optional timeline (see README, 'Demo'); or a "
        "bundled one: " + ", ".join(bundled_scenarios()),
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION,
        metavar="SECONDS",
        help="how long traffic runs once connected (default %(default)g); a longer scenario "
        "is squeezed to fit, recovery delays with it",
    )
    parser.add_argument(
        "--seed", type=int, help="replay a run: jitter and traffic are seeded (default: random)"
    )
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")
    return run


def run(args: argparse.Namespace) -> int:
    scenario = (
        DEFAULT_SCENARIO if args.scenario is None else load_for_cli(args.scenario, load_scenario)
    )
    if not args.duration > 0:
        raise CliError("--duration must be a positive number of seconds")
    console = LineConsole(plain=args.plain)
    seed = random.randrange(10_000) if args.seed is None else args.seed
    console.heading("rx_lpagent demo: an agent on the embedded LivePerson emulator")
    console.text(
        f"seed {seed} (replay with --seed {seed}); delays are LivePerson's, shortened for the demo"
    )
    tally, connected = asyncio.run(_play(scenario, args.duration, seed, console))
    summarise(console, tally)
    return 0 if connected else 1


async def _play(
    scenario: Scenario, duration: float, seed: int, console: LineConsole
) -> tuple[Tally, bool]:
    console.restart_clock()
    return await play(scenario, duration=duration, seed=seed, console=console)


def summarise(console: LineConsole, tally: Tally) -> None:
    console.table(
        "Outcomes by location", ("location", "successes", "failures"), tally.location_rows()
    )
    console.table("Totals", ("", "count"), tally.totals())

"""``python -m rx_lpagent soak``: options, the run, the summary table and the final line."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import NoReturn

from rx_lpagent.cli._console import LineConsole
from rx_lpagent.soak.runner import HUNG_AFTER, Settings, SoakResult, soak

__all__ = ["final_line", "passed", "register", "run"]

DEFAULT_REQUESTS = 2000
DEFAULT_SEED = 1
DEFAULT_WAVE = 20


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.description = (
        "One agent against the embedded emulator: requests in concurrent waves while the "
        "emulator drops sockets (1006, 1011, 4401, half-open), expires tokens and answers "
        "429/5xx at random (seeded), and a consumer writes in a conversation the agent "
        "follows."
    )
    parser.epilog = (
        "The last line counts requests answered (ok), failed with a typed error "
        "(rx_lpagent.errors), failed otherwise (untyped), hung (no outcome within "
        f"{HUNG_AFTER:g} s) and completed twice; consumer messages lost and delivered twice "
        "(by dialog and sequence); and reconnects. Exit status 0 when hung, untyped, completed "
        "twice, lost and duplicated are all 0, 1 otherwise, 2 for bad arguments."
    )
    parser.add_argument(
        "--requests",
        type=_positive,
        default=DEFAULT_REQUESTS,
        metavar="N",
        help="how many requests to make (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help="seeds the faults, the request timing and the consumer (default: %(default)s)",
    )
    parser.add_argument(
        "--transport",
        choices=("aiohttp", "websockets"),
        default="websockets",
        help="the agent's socket transport (default: %(default)s)",
    )
    parser.add_argument(
        "--wave",
        type=_positive,
        default=DEFAULT_WAVE,
        metavar="N",
        help="requests per concurrent wave (default: %(default)s)",
    )
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")

    def one_line_error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: error: {message}\n")

    # a bad value is one line to read, not a usage block
    parser.error = one_line_error  # type: ignore[method-assign]
    return run


def run(args: argparse.Namespace) -> int:
    console = LineConsole(plain=args.plain)
    settings = Settings(args.requests, args.seed, args.transport, args.wave)
    console.heading("rx_lpagent soak: one agent, the embedded emulator, faults at random")
    console.text(
        f"{settings.requests} requests in waves of {settings.wave}, seed {settings.seed}, "
        f"transport {settings.transport}"
    )
    result = asyncio.run(soak(settings))
    summarise(console, result)
    console.text(final_line(result, settings))
    return 0 if passed(result) else 1


def passed(result: SoakResult) -> bool:
    """Nothing hung, nothing failed untyped, nothing completed twice, every consumer message
    delivered exactly once (the backfill after each reconnect makes lost 0)."""
    requests, messages = result.requests, result.messages
    return not (
        requests.hung or requests.untyped or requests.twice or messages.lost or messages.duplicated
    )


def summarise(console: LineConsole, result: SoakResult) -> None:
    requests, messages = result.requests, result.messages
    console.table(
        "Requests",
        ("outcome", "count"),
        [
            ("answered", requests.ok),
            *((f"failed: {name}", count) for name, count in requests.errors.most_common()),
            ("failed with an untyped error", requests.untyped),
            (f"hung (no outcome in {HUNG_AFTER:g} s)", requests.hung),
            ("completed twice", requests.twice),
        ],
    )
    console.table("Faults injected", ("fault", "count"), result.faults.most_common())
    console.table(
        "Outcomes by location", ("location", "successes", "failures"), result.tally.location_rows()
    )
    console.table(
        "Consumer messages",
        ("", "count"),
        [
            ("sent", len(messages.sent)),
            ("delivered", len(messages.seen)),
            ("lost", messages.lost),
            ("duplicated", messages.duplicated),
        ],
    )
    console.table(
        "Recovery",
        ("", "count"),
        [
            ("reconnects", result.tally.reconnects),
            ("retries scheduled", sum(result.tally.retries.values())),
            ("connects after recovery gave up", result.restarts),
        ],
    )


def final_line(result: SoakResult, settings: Settings) -> str:
    requests, messages = result.requests, result.messages
    verdict = "PASS" if passed(result) else "FAIL"
    return (
        f"soak {verdict}: requests {len(requests.records)}: ok {requests.ok}, "
        f"failed typed {requests.typed}, untyped {requests.untyped}, hung {requests.hung}, "
        f"completed twice {requests.twice}; consumer messages {len(messages.sent)}: "
        f"lost {messages.lost}, duplicated {messages.duplicated}; "
        f"reconnects {result.tally.reconnects} "
        f"({result.seconds:.1f} s, seed {settings.seed}, {settings.transport})"
    )

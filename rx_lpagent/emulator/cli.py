"""``python -m rx_lpagent emulator``: run the emulator standalone until interrupted.

It prints what a client needs, one ``name: value`` per line (``csds_domain``, ``account``,
``username``, ``password``, ``base_url``, and ``ca_file`` under ``--tls``), then serves.

``--replay FILE`` serves a recording instead (any credentials are accepted); ``--compare FILE``
plays a recording's client side against a fresh emulator, prints the differences and exits
(status 1 when there are some). A recording that cannot be read ends with its line number and
exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import TypeVar

import msgspec

from rx_lpagent.cli._support import CliError
from rx_lpagent.emulator.context import DEFAULT_IDLE_TIMEOUT
from rx_lpagent.emulator.faults import FaultSpec, bundled_scenarios, load_scenario
from rx_lpagent.emulator.replay_cli import add_arguments, read_for_cli, run_compare
from rx_lpagent.emulator.server import Emulator

__all__ = ["load_for_cli", "register", "run", "scenario_faults"]

_S = TypeVar("_S")


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0: a free one)")
    parser.add_argument("--tls", action="store_true", help="serve https/wss with a fresh CA")
    parser.add_argument(
        "--scenario",
        metavar="FILE|NAME",
        help="JSON file of faults to arm, or a bundled scenario: " + ", ".join(bundled_scenarios()),
    )
    parser.add_argument(
        "--account", help="account id (default: the recording's under --replay, else 1234567)"
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        metavar="SECONDS",
        help="close sockets idle this many seconds, pings count (0: never)",
    )
    parser.add_argument(
        "--advertised-host", metavar="HOST", help="host CSDS hands out (default: --host)"
    )
    add_arguments(parser)
    return run


def scenario_faults(scenario: str) -> list[FaultSpec]:
    """The faults of a scenario file or bundled name; a bad one is a :class:`CliError`."""
    return load_for_cli(scenario, load_scenario)


def load_for_cli(scenario: str, load: Callable[[str], _S]) -> _S:
    """``load(scenario)`` (a file or a bundled name); a bad one is a :class:`CliError`."""
    try:
        return load(scenario)
    except FileNotFoundError:
        names = ", ".join(bundled_scenarios())
        raise CliError(
            f"no scenario file or bundled scenario {scenario!r} (bundled: {names})"
        ) from None
    except (OSError, ValueError, msgspec.MsgspecError) as error:  # msgspec<0.19: no ValueError
        raise CliError(f"scenario {scenario!r}: {_one_line(error)}") from None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def run(args: argparse.Namespace) -> int:
    if args.scenario and (args.replay or args.compare):
        raise CliError("--scenario arms faults in the emulated LivePerson: not with a recording")
    if args.compare:
        return run_compare(args)
    faults = scenario_faults(args.scenario) if args.scenario else []
    recording = read_for_cli(args.replay) if args.replay else None
    emulator = Emulator(
        tls=args.tls,
        account=args.account,
        host=args.host,
        port=args.port,
        idle_timeout=args.idle_timeout or None,
        advertised_host=args.advertised_host,
        faults=faults,
        replay=recording,
        pace=args.pace,
    )
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_serve(emulator))
        except OSError as error:  # the port is taken, the address is not ours, ...
            where = f"{args.host}:{args.port}"
            raise CliError(f"cannot listen on {where}: {error.strerror or error}") from None
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

"""The ``python -m rx_lpagent`` command line (also installed as ``rx-lpagent``).

Each sub-command lives in its own module and registers itself in :data:`COMMANDS`; this module
only parses and dispatches. Bad input ends in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from rx_lpagent.cli._support import Parser, run_command

__all__ = ["COMMANDS", "main"]

Register = Callable[[argparse.ArgumentParser], Callable[[argparse.Namespace], int]]


def _register_demo(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent import demo

    return demo.register(parser)


def _register_emulator(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent.emulator import cli

    return cli.register(parser)


def _register_bench(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent.bench import cli

    return cli.register(parser)


def _register_watch(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent.cli import watch

    return watch.register(parser)


def _register_soak(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent import soak

    return soak.register(parser)


def _register_fleet(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent.fleet import cli

    return cli.register(parser)


COMMANDS: dict[str, tuple[str, Register]] = {
    "demo": ("run the demo against the embedded emulator", _register_demo),
    "emulator": ("run the local LivePerson emulator until interrupted", _register_emulator),
    "watch": ("print a real account's events and notifications (LP_* variables)", _register_watch),
    "bench": ("run a benchmark (prints numbers and ratios)", _register_bench),
    "soak": ("chaos soak: one agent, random faults, counts of every outcome", _register_soak),
    "fleet": ("run a fleet of agents (one worker of many with --zk)", _register_fleet),
}


PROG = "python -m rx_lpagent"
"""The name usage lines give, whether started as ``rx-lpagent`` or ``python -m rx_lpagent``."""

DESCRIPTION = """\
rx_lpagent: a LivePerson messaging agent for Python, and a local LivePerson emulator.
Run `COMMAND --help` for what a command does and its options."""


def parser() -> argparse.ArgumentParser:
    from rx_lpagent import __version__

    top = Parser(prog=PROG, description=DESCRIPTION)
    top.add_argument("--version", action="version", version=f"rx-lpagent {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, register) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(run=register(command_parser))
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run_command(f"{PROG} {args.command}", lambda: run(args))

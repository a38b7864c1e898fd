"""The ``python -m rx_lpagent`` command line: one sub-command per job.

Each sub-command lives in its own module and registers itself in :data:`COMMANDS`; this module
only parses and dispatches.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

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
    from rx_lpagent import watch

    return watch.register(parser)


def _register_fleet(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from rx_lpagent.fleet import cli

    return cli.register(parser)


COMMANDS: dict[str, tuple[str, Register]] = {
    "demo": ("run the demo against the embedded emulator", _register_demo),
    "emulator": ("run the local LivePerson emulator until interrupted", _register_emulator),
    "watch": ("print a real account's events and notifications (LP_* variables)", _register_watch),
    "bench": ("run a benchmark (prints numbers and ratios)", _register_bench),
    "fleet": ("run a fleet of agents (one worker of many with --zk)", _register_fleet),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rx_lpagent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, register) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(run=register(command_parser))
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)

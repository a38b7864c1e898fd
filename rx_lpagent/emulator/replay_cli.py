"""The ``--replay`` and ``--compare`` options of ``python -m rx_lpagent emulator``."""

from __future__ import annotations

import argparse
import asyncio

from rx_lpagent.cli._support import CliError
from rx_lpagent.emulator.compare import Difference, compare_recording, format_report
from rx_lpagent.emulator.server import Emulator
from rx_lpagent.recording import Recording, RecordingError, read_recording

__all__ = ["add_arguments", "read_for_cli", "run_compare"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--replay",
        metavar="FILE",
        help="serve this recording to whatever client connects, instead of the emulated "
        "LivePerson: recorded answers to its requests, recorded notifications and closes",
    )
    modes.add_argument(
        "--compare",
        metavar="FILE",
        help="play this recording's client side against a fresh emulator and print, one line "
        "each, where the emulator answers otherwise; exit status 1 if it does, 0 if not",
    )
    parser.add_argument(
        "--pace",
        choices=("recorded", "fast"),
        default="recorded",
        help="with --replay: keep the recorded delays of the server's own frames, or send them "
        "as fast as possible",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="with --compare: how long to wait for each recorded answer or notification",
    )


def read_for_cli(path: str) -> Recording:
    """The recording at ``path``; a bad one is a :class:`CliError` naming its line."""
    try:
        return read_recording(path)
    except RecordingError as error:
        raise CliError(f"cannot read the recording {error}") from None


def run_compare(args: argparse.Namespace) -> int:
    recording = read_for_cli(args.compare)
    emulator = Emulator(
        tls=args.tls,
        account=args.account or recording.header.account or None,
        host=args.host,
        port=0,
        idle_timeout=args.idle_timeout or None,
    )
    differences = asyncio.run(_compare(recording, emulator, args.wait))
    print(format_report(differences, args.compare), flush=True)
    return 1 if differences else 0


async def _compare(recording: Recording, emulator: Emulator, wait: float) -> list[Difference]:
    async with emulator:
        return await compare_recording(recording, emulator, wait=wait)

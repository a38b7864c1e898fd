"""What the example bots share: where the agent comes from and how long the bot runs.

Public so a copied bot can keep importing it (``from rx_lpagent.examples.runner import main``),
or copy this file too. Without ``--emulator`` the bot's :data:`Main` runs on the account of the
``LP_*`` variables until Ctrl-C or until the agent closes for good (recovery gave up): the exit
status is 0 after Ctrl-C, 1 when the agent closed. With ``--emulator`` the bot runs against an
embedded emulator while a scripted consumer talks to it, prints the conversation and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from reactivex import abc

from rx_lpagent import (
    Agent,
    AgentConfig,
    CloseReason,
    ConfigurationError,
    LPAgentError,
    PasswordCredentials,
)
from rx_lpagent.cli._support import Parser, plain
from rx_lpagent.emulator import Emulator

__all__ = ["Bot", "Main", "Script", "main"]

Bot = Callable[[Agent], Awaitable[abc.DisposableBase]]
"""Starts a bot on an agent (connecting it) and returns what stops it."""
Main = Callable[[AgentConfig], Coroutine[Any, Any, CloseReason]]
"""A bot's main: runs it on an agent of that config until the agent is closed or disposed."""
Script = Callable[[Emulator], Awaitable[None]]
"""A consumer's side of a conversation with the bot, driven through the emulator."""

ENV_HELP = (
    "set LP_ACCOUNT, LP_USER and LP_PASS (and LP_CSDS for another CSDS domain), "
    "or run against the embedded emulator with --emulator"
)


async def against_emulator(bot: Bot, script: Script) -> None:
    """Run ``bot`` on an agent of an embedded emulator while ``script`` plays the consumer."""
    async with Emulator() as emulator:
        config = AgentConfig(
            emulator.account,
            PasswordCredentials(emulator.username, emulator.password),
            csds_domain=emulator.csds_domain,
        )
        async with Agent(config) as agent:
            running = await bot(agent)
            try:
                await script(emulator)
                await agent.get_clock()  # replies to the bot's last requests arrive before this
            finally:
                running.dispose()


def main(
    name: str, doc: str, bot: Bot, run: Main, script: Script, *, argv: Sequence[str] | None
) -> int:
    """The command line of an example bot (``--emulator``, or the ``LP_*`` variables)."""
    parser = Parser(prog=f"python -m {name}", description=plain(doc))
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="run against an embedded emulator and a scripted consumer, then exit",
    )
    args = parser.parse_args(argv)
    if args.emulator:
        asyncio.run(against_emulator(bot, script))
        return 0
    try:
        config = AgentConfig.from_env()
    except ConfigurationError as exc:
        print(f"{parser.prog}: {exc}\n{ENV_HELP}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        try:
            reason = asyncio.run(run(config))
        except LPAgentError as exc:  # e.g. the first connect was refused
            print(f"{parser.prog}: {exc}", file=sys.stderr)
            return 1
        print(f"{parser.prog}: agent {reason}", file=sys.stderr)
        return 0 if reason.disposed else 1
    return 0

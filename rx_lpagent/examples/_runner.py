"""What both example bots share: where the agent comes from and how long the bot runs.

Without ``--emulator`` the agent logs in with :meth:`AgentConfig.from_env` and the bot runs until
Ctrl-C. With ``--emulator`` it runs against an embedded emulator while a scripted consumer talks
to it, prints the conversation and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Sequence

from reactivex import abc

from rx_lpagent import Agent, AgentConfig, ConfigurationError, PasswordCredentials
from rx_lpagent.emulator import Emulator

__all__ = ["Bot", "Script", "main"]

Bot = Callable[[Agent], Awaitable[abc.DisposableBase]]
"""Starts a bot on an agent (connecting it) and returns what stops it."""
Script = Callable[[Emulator], Awaitable[None]]
"""A consumer's side of a conversation with the bot, driven through the emulator."""

ENV_HELP = (
    "set LP_ACCOUNT, LP_USER and LP_PASS (and LP_CSDS for another CSDS domain), "
    "or run against the embedded emulator with --emulator"
)


async def _against_emulator(bot: Bot, script: Script) -> None:
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


async def _against_liveperson(bot: Bot, config: AgentConfig) -> None:
    async with Agent(config) as agent:
        agent.events.subscribe(lambda event: print(f"[{event.location}] {event}"))
        running = await bot(agent)
        try:
            await asyncio.Event().wait()  # until Ctrl-C
        finally:
            running.dispose()


def main(name: str, doc: str, bot: Bot, script: Script, argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {name}", description=doc)
    parser.add_argument(
        "--emulator", action="store_true", help="run against an embedded emulator and a script"
    )
    args = parser.parse_args(argv)
    if args.emulator:
        asyncio.run(_against_emulator(bot, script))
        return 0
    try:
        config = AgentConfig.from_env()
    except ConfigurationError as exc:
        print(f"{parser.prog}: {exc}\n{ENV_HELP}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_against_liveperson(bot, config))
    return 0

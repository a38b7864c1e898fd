"""``python -m rx_lpagent watch``: connect to a real LivePerson account and print what happens.

The account and credentials come from the environment (:meth:`AgentConfig.from_env`):
``LP_ACCOUNT`` and one of ``LP_USER`` + ``LP_PASS``; ``LP_USER`` + ``LP_APP_KEY`` +
``LP_SECRET`` + ``LP_ACCESS_TOKEN`` + ``LP_ACCESS_TOKEN_SECRET``; ``LP_ASSERTION``; or
``LP_TOKEN`` + ``LP_USER_ID``. ``LP_CSDS`` points elsewhere than LivePerson's CSDS (for
instance ``http://127.0.0.1:8080``, the emulator). The agent only listens: it subscribes to
open conversations and to agent states, and prints every event and notification until
interrupted (or for ``--duration`` seconds, connecting included), then a summary. Every retry
the agent schedules prints as ``retry N in X s``: a wrong password is retried 5 times over a few
minutes before watch gives up.

``--record FILE`` records the whole session to FILE (every HTTP call and socket frame, secrets
replaced by placeholders; ``--mask-text`` masks message texts too), for the emulator to replay
(README "Record and replay").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

from rx_lpagent.agent import Agent
from rx_lpagent.cli._console import Kind, LineConsole, describe_error
from rx_lpagent.cli._support import plain
from rx_lpagent.config import AgentConfig
from rx_lpagent.demo.tally import Tally
from rx_lpagent.errors import ConfigurationError
from rx_lpagent.protocol.frames import Notification
from rx_lpagent.recovery import Recovery

__all__ = ["CREDENTIAL_HELP", "register", "run", "watch"]

CREDENTIAL_HELP = (
    "set LP_ACCOUNT and one credential kind: LP_USER and LP_PASS; or LP_USER, LP_APP_KEY, "
    "LP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET; or LP_ASSERTION; or LP_TOKEN and "
    "LP_USER_ID. Optional: LP_CSDS (another CSDS host, e.g. http://127.0.0.1:8080 for the "
    "emulator), LP_MESSAGING_SERVICE, LP_TRANSPORT."
)
BODY_PREVIEW = 160
SHIPPED_RECOVERY = Recovery()


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    parser.description = plain(__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--duration",
        type=float,
        metavar="SECONDS",
        help="stop after this long, connecting included (default: never)",
    )
    parser.add_argument("--plain", action="store_true", help="plain text, no colours")
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="record the session to FILE (JSON Lines, secrets redacted)",
    )
    parser.add_argument(
        "--mask-text",
        action="store_true",
        help="with --record: mask message texts too, for recordings shared outside a team",
    )
    return run


def run(args: argparse.Namespace) -> int:
    if args.mask_text and args.record is None:
        print(
            "watch: --mask-text masks the texts of a recording: add --record FILE", file=sys.stderr
        )
        return 2
    recording: dict[str, Any] = {}
    if args.record is not None:
        recording = {"record_to": args.record, "record_mask_text": args.mask_text}
    try:
        config = AgentConfig.from_env(**recording)
    except ConfigurationError as error:
        print(f"watch: {error.message}\nwatch: {CREDENTIAL_HELP}", file=sys.stderr)
        return 2
    console = LineConsole(plain=args.plain)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(watch(config, console, duration=args.duration))
    return 0


async def watch(
    config: AgentConfig,
    console: LineConsole,
    *,
    duration: float | None = None,
    recovery: Recovery = SHIPPED_RECOVERY,
) -> int:
    """Connect, subscribe, print until ``duration`` ends (or forever): 0. When connecting
    fails or does not finish within ``duration``, or recovery gives up later: 1. A summary of
    what was seen is printed at the end, however it ends. A recording file (``record_to``)
    that cannot be written: 2, before anything connects."""
    tally = Tally()
    notifications: Counter[str] = Counter()
    try:
        made = Agent(config, recovery=recovery)
    except ConfigurationError as error:  # a recording file that cannot be written
        console.line(Kind.ERROR, "watch stopped", error.message)
        return 2
    if config.record_to is not None:
        masked = ", texts masked" if config.record_mask_text else ""
        console.line(Kind.INFO, "recording", f"to {config.record_to}{masked}")
    try:
        async with asyncio.timeout(duration), made as agent:
            agent.events.subscribe(console.event)
            agent.events.subscribe(tally.record)
            agent.notifications.subscribe(lambda frame: _print_notification(console, frame))
            agent.notifications.subscribe(lambda frame: notifications.update([frame.type]))
            return await _listen(agent, config, console)
    except TimeoutError:
        if tally.connects:
            return 0
        console.line(Kind.ERROR, "watch stopped", f"not connected within {duration:g} s")
        return 1
    finally:
        _summarise(console, tally, notifications)


async def _listen(agent: Agent, config: AgentConfig, console: LineConsole) -> int:
    console.line(Kind.STEP, "connect", f"account {config.account_id} via {config.csds_host}")
    try:
        await agent.connect()
        await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
        await agent.subscribe_agents_state()
    except Exception as error:
        console.line(Kind.ERROR, "watch stopped", describe_error(error))
        return 1
    console.line(Kind.INFO, "watching", "Ctrl-C to stop")
    reason = await agent.wait_closed()
    console.line(Kind.ERROR, "watch stopped", f"recovery gave up: the agent is {reason}")
    return 1


def _summarise(console: LineConsole, tally: Tally, notifications: Counter[str]) -> None:
    console.table(
        "Outcomes by location", ("location", "successes", "failures"), tally.location_rows()
    )
    rows: list[tuple[str, int]] = [("reconnects", tally.reconnects)]
    rows += [(f"notifications {kind}", count) for kind, count in notifications.most_common()]
    console.table("Seen", ("", "count"), rows)


def _print_notification(console: LineConsole, frame: Notification) -> None:
    body = bytes(frame.body).decode("utf-8", "replace")
    if len(body) > BODY_PREVIEW:
        body = body[:BODY_PREVIEW] + "..."
    console.line(Kind.MESSAGE, frame.type, body)

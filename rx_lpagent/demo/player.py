"""Plays a scenario: the embedded emulator, an agent with visible recovery, consumer traffic,
the timeline's faults, and a tally of what happened."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import replace

from rx_lpagent.agent import Agent
from rx_lpagent.cli._console import Kind, LineConsole, describe_error, short_error
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.demo.bot import EchoBot
from rx_lpagent.demo.scenario import Scenario, Step
from rx_lpagent.demo.tally import Tally
from rx_lpagent.emulator import EmulatedConsumer, Emulator
from rx_lpagent.events import AgentEvent, Retrying
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import RATE_LIMITED, Backoff

__all__ = ["RECOVERY_SCALE", "announced_recovery", "play"]

RECOVERY_SCALE = 0.05
"""LivePerson's delays times 0.05: a 5 s wait shows as 0.25 s, quick but visible."""

CONSUMERS = 3
MESSAGE_INTERVAL = 0.4
KEEPALIVE_INTERVAL = 0.5
REQUEST_TIMEOUT = 2.0

RetryHook = Callable[[str, int, float, Exception], None]


def announced_recovery(
    recovery: Recovery, on_retry: RetryHook, random_source: Callable[[], float]
) -> Recovery:
    """``recovery`` whose policies call ``on_retry(policy_name, attempt, delay, error)`` and
    draw their jitter from ``random_source`` (the soak counts retries this way; the demo reads
    the agent's ``Retrying`` events instead)."""

    def hooked(name: str, policy: Backoff) -> Backoff:
        def hook(attempt: int, delay: float, error: Exception) -> None:
            on_retry(name, attempt, delay, error)

        return replace(policy, on_retry=hook, random=random_source)

    return replace(
        recovery,
        connect=hooked("connect", recovery.connect),
        reconnect=hooked("reconnect", recovery.reconnect),
        refresh=hooked("refresh", recovery.refresh),
        auth=hooked("auth", recovery.auth),
    )


async def play(
    scenario: Scenario, *, duration: float, seed: int, console: LineConsole
) -> tuple[Tally, bool]:
    """Run ``scenario`` for about ``duration`` seconds after the agent connected.

    A scenario longer than ``duration`` is squeezed to fit, its recovery delays with it.
    Returns the tally and whether the agent connected at all.
    """
    squeeze = min(1.0, duration / scenario.span)
    scenario = scenario.squeezed(squeeze)
    scale = RECOVERY_SCALE * squeeze
    rng = random.Random(seed)
    tally = Tally()

    def on_reply_retry(attempt: int, delay: float, error: Exception) -> None:
        # the bot's own retries; the agent's are Retrying events, printed with the others
        tally.retries["reply"] += 1
        console.line(
            Kind.RETRY, f"reply retry {attempt}", f"in {delay:.3g} s (after {short_error(error)})"
        )

    recovery = Recovery().scaled(scale)
    reply_policy = replace(
        RATE_LIMITED,
        initial=RATE_LIMITED.initial * scale,
        min_delay=RATE_LIMITED.min_delay * scale,
        max_delay=RATE_LIMITED.max_delay * scale,
        random=rng.random,
        on_retry=on_reply_retry,
    )

    # a half-open socket is noticed within two keep-alive periods
    keepalive = max(KEEPALIVE_INTERVAL * squeeze, 0.2)
    async with Emulator(faults=scenario.faults) as lp:
        config = AgentConfig(
            lp.account,
            PasswordCredentials(lp.username, lp.password),
            csds_domain=lp.csds_domain,
            refresh_interval=None,
            keepalive_interval=keepalive,
            keepalive_timeout=keepalive,
            request_timeout=max(REQUEST_TIMEOUT * squeeze, 0.5),
        )
        async with Agent(config, recovery=recovery, random=rng.random) as agent:

            def on_event(event: AgentEvent) -> None:
                tally.record(event)
                if isinstance(event, Retrying):
                    tally.retries[event.policy or "?"] += 1
                console.event(event)

            agent.events.subscribe(on_event)
            console.line(Kind.STEP, "connect", f"to the emulator at {lp.base_url}")
            try:
                await agent.connect()
            except Exception as error:
                console.line(Kind.ERROR, "connect gave up", describe_error(error))
                return tally, False

            def answered(text: str, reply: str) -> None:
                tally.messages_answered += 1
                console.line(Kind.MESSAGE, "bot answered", f"{text!r} -> {reply!r}")

            def failed(error: Exception) -> None:
                console.line(Kind.ERROR, "bot gave up a reply", describe_error(error))

            bot = EchoBot(agent, reply_policy, on_answered=answered, on_failed=failed)
            await bot.start()
            loop = asyncio.get_running_loop()
            start = loop.time()
            until = start + duration
            tasks = [
                asyncio.create_task(_timeline(scenario.timeline, start, agent, lp, console)),
                asyncio.create_task(
                    _traffic(lp, rng, until, MESSAGE_INTERVAL * max(squeeze, 0.25), tally)
                ),
            ]
            try:
                await asyncio.sleep(duration)
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                bot.stop()
            console.line(Kind.STEP, "dispose", "log out, close the socket, stop the emulator")
    return tally, True


async def _timeline(
    steps: list[Step], start: float, agent: Agent, lp: Emulator, console: LineConsole
) -> None:
    loop = asyncio.get_running_loop()
    for step in steps:
        await asyncio.sleep(max(0.0, start + step.at - loop.time()))
        label = step.do or "arm faults"
        faults = ", ".join(f"{spec.endpoint} {spec.name}" for spec in step.faults)
        console.line(Kind.STEP, label, step.note or faults)
        if step.faults:
            lp.faults.extend(step.faults)
        try:
            await _do(step, agent, lp)
        except Exception as error:
            console.line(Kind.ERROR, f"{label} failed", describe_error(error))


async def _do(step: Step, agent: Agent, lp: Emulator) -> None:
    action = step.do
    if action == "refresh":
        await agent.refresh_session()
    elif action == "reconnect":
        await agent.reconnect()
    elif action == "close_sockets":
        await lp.faults.close_sockets(step.code)
    elif action == "half_open":
        lp.faults.half_open()
    elif action == "send_malformed":
        lp.faults.send_malformed()
    elif action == "expire_bearer":
        await lp.faults.expire_bearer()
    elif action == "expire_session":
        lp.faults.expire_session()


async def _traffic(
    lp: Emulator, rng: random.Random, until: float, interval: float, tally: Tally
) -> None:
    """Consumers open conversations, then one of them at a time writes, until ``until``."""
    loop = asyncio.get_running_loop()
    chats: list[tuple[EmulatedConsumer, str]] = []
    for _ in range(CONSUMERS):
        consumer = lp.consumer(f"consumer-{rng.randrange(16**8):08x}")
        chats.append((consumer, await consumer.open_conversation()))
    number = 0
    while True:
        await asyncio.sleep(interval * (0.5 + rng.random()))
        if loop.time() >= until:
            return
        number += 1
        consumer, conv_id = rng.choice(chats)
        await consumer.send_text(conv_id, f"hello #{number}")
        tally.messages_sent += 1

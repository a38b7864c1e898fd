"""The demo's story: an agent meets a flaky LivePerson (the embedded emulator) and recovers."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from pathlib import Path

import reactivex
from reactivex import Observable
from reactivex import operators as ops

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.demo.console import Console, Tally
from rx_lpagent.emulator import Emulator, load_scenario
from rx_lpagent.protocol import OnlineEventDistribution, PublishEventResponse
from rx_lpagent.recovery import Recovery
from rx_lpagent.rx import Backoff

__all__ = ["play"]

TIME_SCALE = 0.05
"""LivePerson's delays (seconds) become this fraction: visible, but the demo stays short."""


def demo_recovery(console: Console, tally: Tally, rng: random.Random) -> Recovery:
    """The built-in policy, faster, with hooks that show each planned retry."""
    scaled = Recovery().scaled(TIME_SCALE)

    def shown(what: str, policy: Backoff) -> Backoff:
        def on_retry(attempt: int, delay: float, error: Exception) -> None:
            tally.retries += 1
            console.retry(what, attempt, delay, error)

        return replace(policy, on_retry=on_retry, random=rng.random)

    return replace(
        scaled,
        connect=shown("connect", scaled.connect),
        reconnect=shown("reconnect", scaled.reconnect),
        refresh=shown("refresh", scaled.refresh),
    )


async def until(agent: Agent, state: AgentState, within: float = 10.0) -> None:
    def reached(current: AgentState) -> bool:
        return current is state

    reaching: Observable[AgentState] = agent.state_changes.pipe(ops.filter(reached), ops.first())
    await asyncio.wait_for(reaching, within)


def echo_consumers(agent: Agent, console: Console, tally: Tally) -> None:
    """The bot: answer every consumer text with an echo."""

    def from_consumer(message: OnlineEventDistribution) -> bool:
        meta = message.originator_metadata
        return meta is not None and meta.role == "CONSUMER" and message.text is not None

    def failed(error: Exception, _: object) -> Observable[PublishEventResponse]:
        console.note(f"reply failed: {error}")
        return reactivex.empty()

    def answer(message: OnlineEventDistribution) -> Observable[PublishEventResponse]:
        tally.messages_handled += 1
        console.note(f"consumer says {message.text!r}; the bot echoes it")
        text = f"echo: {message.text}"
        reply = {"type": "ContentEvent", "contentType": "text/plain", "message": text}
        return agent.publish_event({"dialogId": message.dialog_id, "event": reply}).pipe(
            ops.catch(failed)
        )

    agent.notifications_of(OnlineEventDistribution).pipe(
        ops.filter(from_consumer), ops.flat_map(answer)
    ).subscribe()


async def converse(emulator: Emulator, agent: Agent, texts: list[str]) -> None:
    consumer = emulator.consumer()
    conversation = await consumer.open_conversation()
    join = {"field": "ParticipantsChange", "type": "ADD", "role": "MANAGER"}
    await agent.update_conversation_field(
        {"conversationId": conversation, "conversationField": [join]}
    )
    for text in texts:
        await consumer.send_text(conversation, text)
        await asyncio.sleep(0.15)


async def play(
    console: Console, *, scenario: str | Path | None, duration: float, seed: int
) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    async with Emulator() as emulator:
        config = AgentConfig(
            emulator.account,
            PasswordCredentials(emulator.username, emulator.password),
            csds_domain=emulator.csds_domain,
            refresh_interval=None,
            keepalive_interval=1.0,
            keepalive_timeout=0.5,
        )
        async with Agent(config, recovery=demo_recovery(console, tally, rng)) as agent:
            agent.events.subscribe(console.event)
            agent.events.subscribe(tally.count)
            echo_consumers(agent, console, tally)
            scripted = scenario is None
            if scenario is not None:
                faults = emulator.faults.add(*load_scenario(scenario))
                console.step(f"scenario {scenario}: {len(faults)} fault(s) armed")

            console.step("connect" + (" through a CSDS that answers 503 twice" if scripted else ""))
            if scripted:
                emulator.faults.fail("csds", 503, times=2)
            await agent.connect()
            await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
            await agent.set_agent_state({"availability": "ONLINE"})

            console.step("a consumer writes")
            await converse(emulator, agent, ["hello", "is anyone there?"])

            console.step("the session expires: the refresh gets a 401 and logs in again")
            if scripted:
                emulator.faults.expire_session()
            await agent.refresh_session()

            if scripted:
                console.step("the socket drops (1006): reconnect with the same token")
                await emulator.faults.close_sockets(1006)
                await until(agent, AgentState.RECONNECTING)
                await until(agent, AgentState.CONNECTED)

                console.step("the token is revoked (4401) during a 429 burst on login")
                emulator.faults.fail("login", 429, times=2)
                await emulator.faults.close_sockets(4401)
                await until(agent, AgentState.RECONNECTING)
                await until(agent, AgentState.CONNECTED)

            console.step("the conversation goes on after recovery")
            await converse(emulator, agent, ["still there?"])
            deadline = asyncio.get_running_loop().time() + duration
            turn = 0
            while asyncio.get_running_loop().time() < deadline:
                turn += 1
                await converse(emulator, agent, [f"message {turn}"])
            await asyncio.sleep(0.2)
    return tally

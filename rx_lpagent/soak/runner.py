"""One soak run: the embedded emulator, one agent, requests in waves, faults, a consumer.

The emulator runs in this process: the soak drives its faults and its consumer directly from
Python (seeded, nothing in between that could itself fail), and the load is light enough for
one core. Recovery delays are LivePerson's, scaled down so that a run takes seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.config import AgentConfig, PasswordCredentials, TransportName
from rx_lpagent.demo.player import announced_recovery
from rx_lpagent.demo.tally import Tally
from rx_lpagent.emulator import EmulatedConsumer, Emulator
from rx_lpagent.protocol import OnlineEventDistribution
from rx_lpagent.recovery import Recovery
from rx_lpagent.soak import chaos
from rx_lpagent.soak.ledger import Deliveries, RequestLedger, RequestRecord

__all__ = ["HUNG_AFTER", "Settings", "SoakResult", "soak"]

HUNG_AFTER = 30.0
"""A request with no outcome this many seconds after it was made counts as hung."""
RECOVERY_SCALE = 0.05
KEEPALIVE = 0.5
REFRESH_INTERVAL = 1.0
"""Often, so that an expired login session is met (and logged in again) within a second."""
REQUEST_TIMEOUT = 3.0
WAVE_SPREAD = 0.1
"""Each wave's requests, and its fault, start at random moments within this many seconds."""
FAULT_CHANCE = 0.6
MESSAGE_INTERVAL = 0.05
DRAIN = 1.0
"""After the last wave, how long messages still on their way get to arrive."""


@dataclass(frozen=True)
class Settings:
    requests: int
    seed: int
    transport: TransportName = "websockets"
    wave: int = 20


@dataclass
class SoakResult:
    requests: RequestLedger = field(default_factory=RequestLedger)
    messages: Deliveries = field(default_factory=Deliveries)
    tally: Tally = field(default_factory=Tally)
    faults: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    seconds: float = 0.0


def _config(lp: Emulator, transport: TransportName) -> AgentConfig:
    return AgentConfig(
        lp.account,
        PasswordCredentials(lp.username, lp.password),
        csds_domain=lp.csds_domain,
        transport=transport,
        refresh_interval=REFRESH_INTERVAL,
        keepalive_interval=KEEPALIVE,
        keepalive_timeout=KEEPALIVE,
        request_timeout=REQUEST_TIMEOUT,
    )


async def soak(settings: Settings) -> SoakResult:
    """Run the soak; every count of the result is final when this returns."""
    result = SoakResult()
    rng = random.Random(settings.seed)
    started = time.monotonic()

    def on_retry(name: str, attempt: int, delay: float, error: Exception) -> None:
        result.tally.retries[name] += 1

    # jitter and traffic draw from their own generators: timing must not change the fault picks
    jitter = random.Random(f"{settings.seed}:jitter")
    recovery = announced_recovery(Recovery().scaled(RECOVERY_SCALE), on_retry, jitter.random)
    async with Emulator() as lp, Agent(_config(lp, settings.transport), recovery=recovery) as agent:
        agent.events.subscribe(result.tally.record)
        agent.notifications_of(OnlineEventDistribution).subscribe(
            lambda delivered: _count(result.messages, delivered)
        )
        await agent.connect()
        consumer, conv_id = await _follow_a_conversation(agent, lp)
        traffic = asyncio.create_task(
            _consumer_traffic(
                consumer, conv_id, result.messages, random.Random(f"{settings.seed}:consumer")
            )
        )
        try:
            remaining = settings.requests
            while remaining > 0:
                size = min(settings.wave, remaining)
                remaining -= size
                result.restarts += await _until_connected(agent)
                await _wave(agent, lp, size, rng, result)
        finally:
            traffic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await traffic
        lp.faults.clear()
        lp.faults.half_open(False)
        result.restarts += await _until_connected(agent)
        await _drain(result.messages)
    result.seconds = time.monotonic() - started
    return result


def _count(deliveries: Deliveries, delivered: OnlineEventDistribution) -> None:
    metadata = delivered.originator_metadata
    if delivered.sequence is not None and metadata is not None and metadata.role == "CONSUMER":
        deliveries.deliver(delivered.dialog_id, delivered.sequence)


async def _follow_a_conversation(agent: Agent, lp: Emulator) -> tuple[EmulatedConsumer, str]:
    """A conversation assigned to the agent, whose messaging events the agent subscribes to."""
    consumer = lp.consumer("soak-consumer")
    conversation = lp.engine.open_conversation(lp.account, consumer.consumer_id, agent=lp.agent)
    await agent.subscribe_messaging_events({"dialogId": conversation.conv_id})
    return consumer, conversation.conv_id


async def _consumer_traffic(
    consumer: EmulatedConsumer, conv_id: str, deliveries: Deliveries, rng: random.Random
) -> None:
    number = 0
    while True:
        await asyncio.sleep(MESSAGE_INTERVAL * (0.5 + rng.random()))
        number += 1
        sequence = await consumer.send_text(conv_id, f"soak #{number}")
        deliveries.send(conv_id, sequence)


async def _until_connected(agent: Agent) -> int:
    """Wait until the agent has a socket; connect again if recovery gave up (returns 1 then)."""
    restarts = 0
    deadline = time.monotonic() + HUNG_AFTER
    while not agent.connected and time.monotonic() < deadline:
        if agent.state is AgentState.CLOSED:
            restarts += 1
            with contextlib.suppress(Exception):
                await agent.connect()
            continue
        await asyncio.sleep(0.01)
    return restarts


async def _wave(
    agent: Agent, lp: Emulator, size: int, rng: random.Random, result: SoakResult
) -> None:
    """``size`` requests at random moments within the spread, maybe one fault among them."""
    loop = asyncio.get_running_loop()
    ledger = result.requests
    records = [ledger.start() for _ in range(size)]
    all_done = asyncio.Event()
    open_count = size

    def ended(record: RequestRecord) -> None:
        nonlocal open_count
        if record.endings == 1:
            open_count -= 1
            if open_count == 0:
                all_done.set()

    def send(record: RequestRecord) -> None:
        def on_error(error: Exception) -> None:
            ledger.failed(record, error)
            ended(record)

        def on_completed() -> None:
            ledger.completed(record)
            ended(record)

        try:
            agent.get_clock().subscribe(lambda _: ledger.value(record), on_error, on_completed)
        except Exception as error:  # request methods must not raise: counted, not fatal
            on_error(error)

    for record in records:
        loop.call_later(rng.uniform(0, WAVE_SPREAD), send, record)
    fault = chaos.pick(rng) if rng.random() < FAULT_CHANCE else None
    striking = None
    if fault is not None:
        result.faults[fault.name] += 1
        striking = asyncio.create_task(_strike(lp, fault, rng.uniform(0, WAVE_SPREAD), rng))
    try:
        await asyncio.wait_for(all_done.wait(), HUNG_AFTER + WAVE_SPREAD)
    except TimeoutError:
        ledger.give_up_on([record for record in records if not record.endings])
    if striking is not None:
        await striking


async def _strike(lp: Emulator, fault: chaos.Fault, delay: float, rng: random.Random) -> None:
    await asyncio.sleep(delay)
    await fault.apply(lp.faults, rng)


async def _drain(deliveries: Deliveries) -> None:
    for _ in range(round(DRAIN / 0.05)):
        if not deliveries.missing:
            return
        await asyncio.sleep(0.05)

"""The agent's asyncio doors against the emulator: async for over events and notifications,
async handlers (order, concurrency, failures at Handler#Error, cancellation on dispose, overflow)
and wait_closed (disposed, or recovery gave up)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from rx_lpagent import BufferOverflowError, CloseReason, Overflow, RetriesExhaustedError
from rx_lpagent.agent import Agent, AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.events import AgentEvent, Connected, ErrorEvent, Location
from rx_lpagent.protocol import OnlineEventDistribution
from tests.agent.conftest import FAST_RECOVERY, MakeAgent
from tests.agent.waiting import error_at, first, settled, until

pytestmark = pytest.mark.asyncio


async def in_conversation(agent: Agent, emulator: Emulator) -> str:
    await agent.connect()
    consumer = emulator.consumer("consumer-1")
    reply = await agent.agent_request_conversation({"consumerId": consumer.consumer_id})
    conversation: str = reply["conversationId"]
    return conversation


async def say(emulator: Emulator, conversation: str, *texts: str) -> None:
    for text in texts:
        await emulator.consumer("consumer-1").send_text(conversation, text)


async def test_async_for_over_typed_notifications(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    conversation = await in_conversation(agent, emulator)
    texts = []
    async with agent.iter_notifications(OnlineEventDistribution) as messages:
        await say(emulator, conversation, "one", "two")
        async for message in messages:
            texts.append(message.text)
            if len(texts) == 2:
                break
    assert texts == ["one", "two"]
    assert not messages.subscribed


async def test_async_for_over_events_ends_when_the_agent_is_disposed(
    make_agent: MakeAgent,
) -> None:
    agent = make_agent().agent
    events = agent.iter_events()
    await agent.connect()
    await agent.dispose()
    seen: list[AgentEvent] = [event async for event in events]
    assert any(isinstance(event, Connected) for event in seen)


async def test_cancelling_a_loop_over_notifications_unsubscribes(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    await in_conversation(agent, emulator)
    messages = agent.iter_notifications(".ams.ms.OnlineEventDistribution")

    async def read() -> None:
        async for _ in messages:
            pass

    reading = asyncio.ensure_future(read())
    await asyncio.sleep(0.01)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert not messages.subscribed


async def test_a_loop_too_far_behind_overflows_as_it_was_told(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    conversation = await in_conversation(agent, emulator)
    raising = agent.iter_notifications(OnlineEventDistribution, maxsize=2)
    newest = agent.iter_notifications(OnlineEventDistribution, maxsize=2, overflow="drop-oldest")
    ends = first(agent.notifications_of(OnlineEventDistribution), lambda m: m.text == "4")
    await say(emulator, conversation, "1", "2", "3", "4")
    await settled(ends)
    assert [(await anext(raising)).text, (await anext(raising)).text] == ["1", "2"]
    with pytest.raises(BufferOverflowError):
        await anext(raising)
    assert [(await anext(newest)).text, (await anext(newest)).text] == ["3", "4"]
    assert newest.dropped == 2
    await newest.aclose()


async def test_async_handlers_reply_in_order_and_failures_are_reported_at_handler_error(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    agent = rec.agent
    conversation = await in_conversation(agent, emulator)
    replied: list[str] = []

    async def reply(message: OnlineEventDistribution) -> None:
        if message.originator_id != "consumer-1":
            return  # our own replies come back too
        if message.text == "bad":
            raise ValueError("cannot answer that")
        await agent.publish_event(
            {"dialogId": message.dialog_id, "event": {"type": "ContentEvent", "message": "ok"}}
        )
        replied.append(message.text or "")

    reported = first(agent.events, error_at(Location.HANDLER_ERROR))
    handling = agent.handle(OnlineEventDistribution, reply)
    await say(emulator, conversation, "a", "bad", "b", "c")
    failure = await settled(reported)
    assert isinstance(failure, ErrorEvent)
    assert isinstance(failure.error.error, ValueError)
    await until(lambda: len(replied) == 3)
    assert replied == ["a", "b", "c"]
    assert handling.failed == 1


async def test_disposing_the_agent_cancels_running_handlers(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    conversation = await in_conversation(agent, emulator)
    started = asyncio.Event()
    cancelled: list[str] = []

    async def slow(message: OnlineEventDistribution) -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(message.text or "")
            raise

    handling = agent.handle(OnlineEventDistribution, slow, concurrency=2)
    await say(emulator, conversation, "x")
    await asyncio.wait_for(started.wait(), 5)
    await agent.dispose()
    await asyncio.wait_for(handling.wait(), 5)
    assert cancelled == ["x"]


async def test_a_handler_overflow_is_reported_at_handler_overflow(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    conversation = await in_conversation(agent, emulator)
    release = asyncio.Event()

    async def stuck(_: OnlineEventDistribution) -> None:
        await release.wait()

    overflowed = first(agent.events, error_at(Location.HANDLER_OVERFLOW))
    handling = agent.handle(OnlineEventDistribution, stuck, maxsize=1, overflow=Overflow.RAISE)
    await say(emulator, conversation, "1", "2", "3")
    event = await settled(overflowed)
    assert isinstance(event, ErrorEvent)
    release.set()
    await asyncio.wait_for(handling.wait(), 5)
    assert not handling.running


async def test_wait_closed_returns_when_disposed(make_agent: MakeAgent) -> None:
    agent = make_agent().agent
    await agent.connect()
    waiting = asyncio.ensure_future(agent.wait_closed())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await agent.dispose()
    reason = await asyncio.wait_for(waiting, 5)
    assert reason == CloseReason("disposed")
    assert reason.disposed
    assert await agent.wait_closed() == reason  # at once, once closed


async def test_wait_closed_returns_when_recovery_gives_up_with_the_reason(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    once = dataclasses.replace(
        FAST_RECOVERY, reconnect=dataclasses.replace(FAST_RECOVERY.reconnect, max_attempts=1)
    )
    agent = make_agent(recovery=once).agent
    await agent.connect()
    emulator.faults.fail("csds", 503, times=None)
    await emulator.faults.close_sockets(1006)
    reason = await asyncio.wait_for(agent.wait_closed(), 10)
    assert reason.state == AgentState.CLOSED
    assert isinstance(reason.error, RetriesExhaustedError)
    assert "503" in str(reason)


async def test_wait_closed_without_recovery_names_the_close(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    """The state turns closed before the Socket#Close error is reported: the reason has it."""
    agent = make_agent(recovery=None).agent
    await agent.connect()
    waiting = asyncio.ensure_future(agent.wait_closed())
    await emulator.faults.close_sockets(1006)
    reason = await asyncio.wait_for(waiting, 10)
    assert reason.state == AgentState.CLOSED
    assert reason.error is not None
    assert reason.error.code == 1006

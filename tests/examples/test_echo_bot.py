"""The echo bot end to end: it takes conversations by accepting rings, echoes what was said
before it came (history) and after, closes on #close, and keeps going over a reconnect."""

from __future__ import annotations

import pytest

from rx_lpagent.agent import AgentState
from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.state import Conversation
from rx_lpagent.examples import echo_bot
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import reach, until


def said(conversation: Conversation, role: str) -> list[str]:
    return [
        m["event"]["message"]
        for m in conversation.messages
        if m["originatorMetadata"]["role"] == role
    ]


@pytest.mark.asyncio
async def test_echoes_history_and_live_messages_then_closes(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    consumer = emulator.consumer()
    conversation = emulator.conversation(await consumer.open_conversation())
    await consumer.send_text(conversation.conv_id, "before the bot")
    running = await echo_bot.start(agent)

    await emulator.wait_until(lambda: said(conversation, "ASSIGNED_AGENT") == ["before the bot"])
    assert conversation.assigned_agent == emulator.agent.old_id
    assert emulator.calls.count(".ams.routing.UpdateRingState") == 1
    assert emulator.calls.count(".ams.ms.QueryMessages") == 1
    await consumer.send_text(conversation.conv_id, "hello")
    await emulator.wait_until(
        lambda: said(conversation, "ASSIGNED_AGENT") == ["before the bot", "hello"]
    )
    await consumer.send_text(conversation.conv_id, "#close")
    await emulator.wait_until(lambda: not conversation.is_open)
    assert said(conversation, "ASSIGNED_AGENT") == ["before the bot", "hello"]
    assert conversation.close_reason == "AGENT"
    running.dispose()


@pytest.mark.asyncio
async def test_keeps_taking_conversations_after_a_reconnect(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    running = await echo_bot.start(agent)
    await emulator.faults.close_sockets(1006)
    await reach(agent, AgentState.RECONNECTING)
    await reach(agent, AgentState.CONNECTED)
    await until(lambda: emulator.calls.count(".ams.routing.SubscribeRoutingTasks") == 2)
    consumer = emulator.consumer()
    conversation = emulator.conversation(await consumer.open_conversation())
    await consumer.send_text(conversation.conv_id, "still there?")
    await emulator.wait_until(lambda: said(conversation, "ASSIGNED_AGENT") == ["still there?"])
    running.dispose()


def test_runs_against_the_embedded_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert echo_bot.main(["--emulator"]) == 0
    printed = capsys.readouterr().out
    assert "ASSIGNED_AGENT: hello bot" in printed
    assert "conversation CLOSE" in printed

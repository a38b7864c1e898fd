"""The greeting bot end to end: consumers open conversations, the bot joins each as a MANAGER
and greets it once."""

from __future__ import annotations

import asyncio

import pytest

from rx_lpagent.config import AgentConfig, PasswordCredentials
from rx_lpagent.emulator import Emulator
from rx_lpagent.emulator.state import Conversation
from rx_lpagent.examples import greeting_bot
from rx_lpagent.protocol import ExConversationChangeNotification
from tests.agent.conftest import MakeAgent
from tests.agent.waiting import first, settled, until


def greetings(conversation: Conversation) -> list[str]:
    return [
        m["event"]["message"]
        for m in conversation.messages
        if m["originatorMetadata"]["role"] == "MANAGER"
    ]


@pytest.mark.asyncio
async def test_greets_waiting_and_new_conversations_once(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    agent = make_agent().agent
    waiting = emulator.conversation(await emulator.consumer().open_conversation())
    running = await greeting_bot.start(agent)
    consumer = emulator.consumer()
    new = emulator.conversation(await consumer.open_conversation())
    await emulator.wait_until(lambda: bool(greetings(waiting) and greetings(new)))
    for conversation in (waiting, new):
        assert greetings(conversation) == [greeting_bot.GREETING]
        assert conversation.participants["MANAGER"] == [emulator.agent.old_id]
        assert conversation.assigned_agent is None  # a manager, not the assigned agent

    # later changes of a joined conversation do not make the bot greet again
    changed = first(agent.notifications_of(ExConversationChangeNotification))
    await consumer.send_text(new.conv_id, "thanks")
    await settled(changed)
    await agent.get_clock()  # whatever the bot did in reaction has reached the emulator
    assert greetings(new) == [greeting_bot.GREETING]
    assert emulator.calls.count(".ams.cm.UpdateConversationField") == 2
    running.dispose()


@pytest.mark.asyncio
async def test_a_failed_join_is_skipped_and_the_bot_goes_on(
    make_agent: MakeAgent, emulator: Emulator
) -> None:
    rec = make_agent()
    running = await greeting_bot.start(rec.agent)
    emulator.faults.fail(".ams.cm.UpdateConversationField", 503)
    skipped = emulator.conversation(await emulator.consumer().open_conversation())
    await until(lambda: ("error", "Request#Response") in rec.outcomes())
    greeted = emulator.conversation(await emulator.consumer().open_conversation())
    await emulator.wait_until(lambda: bool(greetings(greeted)))
    assert greetings(skipped) == []
    running.dispose()


def test_runs_against_the_embedded_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert greeting_bot.main(["--emulator"]) == 0
    printed = capsys.readouterr().out
    assert "greeted " in printed
    assert f"MANAGER: {greeting_bot.GREETING}" in printed


def test_says_what_to_set_without_an_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("LP_ACCOUNT", "LP_USER", "LP_PASS", "LP_CSDS"):
        monkeypatch.delenv(name, raising=False)
    assert greeting_bot.main([]) == 2
    error = capsys.readouterr().err
    assert "LP_ACCOUNT" in error
    assert "--emulator" in error


@pytest.mark.asyncio
async def test_its_main_runs_until_cancelled_and_disposes_the_agent(emulator: Emulator) -> None:
    """Ctrl-C cancels the main task: ``async with Agent`` disposes it (the bot logs out)."""
    config = AgentConfig(
        emulator.account,
        PasswordCredentials(emulator.username, emulator.password),
        csds_domain=emulator.csds_domain,
    )
    running = asyncio.ensure_future(greeting_bot.run(config))
    await until(lambda: emulator.calls.count(".ams.aam.SubscribeExConversations") == 1)
    assert not running.done()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await until(lambda: emulator.calls.count("logout") == 1)

"""Greeting bot: joins every new conversation as a MANAGER and says hello.

    python -m rx_lpagent.examples.greeting_bot [--emulator]

One pipeline: conversation changes -> conversations the bot is not in yet (each once) -> join,
then greet. Subscriptions survive reconnects (the agent re-creates them), so nothing here deals
with the socket; failed requests are reported on ``agent.events`` and skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

import reactivex
from reactivex import abc
from reactivex import operators as ops

from rx_lpagent import Agent, AgentConfig, CloseReason
from rx_lpagent.emulator import Emulator
from rx_lpagent.examples.runner import main as command_line
from rx_lpagent.protocol import (
    ContentEvent,
    ExConversationChangeNotification,
    ParticipantsChange,
    PublishEvent,
    UpdateConversationField,
)
from rx_lpagent.protocol.notifications import ConversationChange

GREETING = "Hello! I am a bot written with rx_lpagent. How can I help?"


def changes(notification: ExConversationChangeNotification) -> list[ConversationChange]:
    return notification.changes


def conversations_to_join(agent: Agent) -> reactivex.Observable[str]:
    """Ids of open conversations the agent is not part of, each once."""

    def not_joined(change: ConversationChange) -> bool:
        details = change.result.conversation_details if change.result else None
        me = agent.identity
        return (
            change.type == "UPSERT"
            and details is not None
            and details.state == "OPEN"
            and me is not None
            and not any(me.old_agent_id in ids for ids in details.participants.values())
        )

    def conversation_id(change: ConversationChange) -> str:
        assert change.result is not None
        return change.result.conv_id

    return agent.notifications_of(ExConversationChangeNotification).pipe(
        ops.flat_map(changes),
        ops.filter(not_joined),
        ops.map(conversation_id),
        ops.distinct(),  # updates arrive until our join shows: join once
    )


def join_and_greet(agent: Agent, conversation_id: str) -> reactivex.Observable[str]:
    join = agent.update_conversation_field(
        UpdateConversationField(
            conversation_id=conversation_id,
            conversation_field=[ParticipantsChange(type="ADD", role="MANAGER")],
        )
    )
    # the MAIN dialog of a conversation has the conversation's id
    greet = agent.publish_event(
        PublishEvent(dialog_id=conversation_id, event=ContentEvent(message=GREETING))
    )
    return join.pipe(
        ops.flat_map(lambda _: greet),
        ops.map(lambda _: f"greeted {conversation_id}"),
        ops.catch(reactivex.empty()),  # already reported on agent.events
    )


async def start(agent: Agent) -> abc.DisposableBase:
    """Connect and greet until disposed."""

    def greet(conversation_id: str) -> reactivex.Observable[str]:
        return join_and_greet(agent, conversation_id)

    running = conversations_to_join(agent).pipe(ops.flat_map(greet)).subscribe(print)
    await agent.connect()
    await agent.subscribe_ex_conversations({"convState": ["OPEN"]})
    return running


async def consumer_script(emulator: Emulator) -> None:
    """A consumer opens a conversation and waits for the bot's hello."""
    consumer = emulator.consumer()
    conversation = emulator.conversation(await consumer.open_conversation())
    print(f"consumer opened {conversation.conv_id}")
    for message in await emulator.wait_for_messages(conversation.conv_id, 1):
        print(f"{message['originatorMetadata']['role']}: {message['event']['message']}")


async def run(config: AgentConfig) -> CloseReason:
    """The bot's main: runs until the agent is disposed (Ctrl-C) or recovery gives up."""
    async with Agent(config) as agent:
        agent.events.subscribe(lambda event: print(f"[{event.location}] {event}"))
        running = await start(agent)
        try:
            return await agent.wait_closed()
        finally:
            running.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    return command_line(
        "rx_lpagent.examples.greeting_bot", __doc__ or "", start, run, consumer_script, argv=argv
    )


if __name__ == "__main__":
    raise SystemExit(main())
